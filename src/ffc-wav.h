/* gst-ffcapture: WAV and RF64 headers, and repair of unfinished files
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_WAV_H__
#define __FFC_WAV_H__

#include <glib.h>

#include "ffc-format.h"

G_BEGIN_DECLS

/* Room for the largest header this module writes: RIFF, ds64-sized JUNK,
 * extensible fmt, fact, bext and the GUANO room, then the data chunk's
 * header, comes to 2872 bytes. Repair reads this much. */
#define FFC_WAV_MAX_HEADER 4096
/* Largest bext chunk body */
#define FFC_WAV_BEXT_MAX 700
/* Room reserved for the guan chunk and the JUNK chunk after it, so that
 * the GUANO text can be rewritten in place at close and by the repair. */
#define FFC_WAV_GUANO_ROOM 2048
#define FFC_WAV_GUANO_MAX (FFC_WAV_GUANO_ROOM - 8) /* longest text */

typedef struct {
  FfcSampleFormat format;
  guint rate;
  guint channels;
  guint16 block_align;    /* bytes per frame */
  gsize header_size;      /* offset of the audio data */
  gsize riff_size_offset; /* where the sizes to fix at close live */
  gsize junk_offset;      /* the JUNK chunk that becomes ds64 */
  gsize fact_offset;      /* 0 when there is no fact chunk */
  gsize data_size_offset;
  gsize bext_offset; /* 0 when there is no bext chunk */
  gsize bext_size;   /* its body */
  gsize guan_offset; /* 0 when there is no guan chunk */
  gsize guan_room;   /* the guan chunk and the JUNK chunk filling the room */
} FfcWavLayout;

gsize ffc_wav_header_init (FfcWavLayout *layout, FfcSampleFormat format,
    guint rate, guint channels, const guint8 *bext, gsize bext_size,
    const gchar *guano, guint8 *header);
gboolean ffc_wav_finalize (
    gint fd, const FfcWavLayout *layout, guint64 data_bytes, GError **error);
gboolean ffc_wav_rewrite_metadata (gint fd, const FfcWavLayout *layout,
    const guint8 *bext, gsize bext_size, const gchar *guano, GError **error);

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
