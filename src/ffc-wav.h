/* gst-ffcapture: WAV and RF64 headers, and repair of unfinished files
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_WAV_H__
#define __FFC_WAV_H__

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FFC_WAV_S16LE,
  FFC_WAV_S32LE,
  FFC_WAV_F32LE,
} FfcWavFormat;

/* Room for the largest header this module writes. */
#define FFC_WAV_MAX_HEADER 128

typedef struct {
  FfcWavFormat format;
  guint rate;
  guint channels;
  guint16 block_align;    /* bytes per frame */
  gsize header_size;      /* offset of the audio data */
  gsize riff_size_offset; /* where the sizes to fix at close live */
  gsize junk_offset;      /* the JUNK chunk that becomes ds64 */
  gsize fact_offset;      /* 0 when there is no fact chunk */
  gsize data_size_offset;
} FfcWavLayout;

gsize ffc_wav_header_init (FfcWavLayout *layout, FfcWavFormat format,
    guint rate, guint channels, guint8 *header);
gboolean ffc_wav_finalize (
    gint fd, const FfcWavLayout *layout, guint64 data_bytes, GError **error);

guint64 ffc_wav_rf64_threshold (void);

typedef struct {
  FfcWavLayout layout;
  guint64 frames;        /* after repair */
  guint64 trimmed_bytes; /* a partial last frame cut off */
  gboolean was_rf64;
} FfcWavRepair;

gboolean ffc_wav_parse_header (
    const guint8 *data, gsize size, FfcWavLayout *layout, GError **error);
gboolean ffc_wav_repair (gint fd, FfcWavRepair *repair, GError **error);

G_END_DECLS

#endif
