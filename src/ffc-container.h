/* gst-ffcapture: the file format of a segment, as an interface
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_CONTAINER_H__
#define __FFC_CONTAINER_H__

#include <glib.h>

#include "ffc-meta.h"

G_BEGIN_DECLS

/* One open segment file in some format. The writer makes the file (in
 * staging, locked) and owns its descriptor; the container writes into it
 * from open () to finish () and may keep state in between (an encoder:
 * FLAC's STREAMINFO is rewritten by finish ()). */
typedef struct _FfcContainer FfcContainer;

/* How a segment is to be encoded (WAV needs none of it) */
typedef struct {
  guint64 expected_frames; /* its planned length; 0 = unknown */
  guint compression_level; /* FLAC: 0..8 */
  guint bits_per_sample;   /* the samples' real depth; 0 = the format's */
} FfcContainerOptions;

typedef struct {
  const gchar *name;      /* "WAV" */
  const gchar *extension; /* ".wav" */
  /* Writes the header with the metadata known at open (meta: rate,
   * channels, format, and what GUANO/bext say); NULL with an error
   * (FFC_SEGWRITER_ERROR: NO_SPACE or WRITE) and nothing to keep. */
  FfcContainer *(*open) (gint fd, const FfcMeta *meta,
      const FfcContainerOptions *options, GError **error);
  /* Appends whole frames. On failure, *done frames of them are in the file
   * (it is cut back to whole frames), and the error says why. */
  gboolean (*write) (FfcContainer *c, const guint8 *data, guint64 frames,
      guint64 *done, GError **error);
  /* The metadata changed (a start time named from a settled model) */
  gboolean (*rewrite_metadata) (
      FfcContainer *c, const FfcMeta *meta, GError **error);
  /* Completes the file for *frames frames (sizes, lengths, summaries).
   * After a failed write, an encoder may hold fewer than were written:
   * *frames is then set to what the file holds. */
  gboolean (*finish) (FfcContainer *c, guint64 *frames, GError **error);
  /* The file's size for `frames` frames */
  guint64 (*size) (FfcContainer *c, guint64 frames);
  void (*free) (FfcContainer *c);
  /* Makes a torn file (a crash) whole: its frames after repair and the
   * bytes cut off; FALSE if it cannot be (then it is quarantined). */
  gboolean (*repair) (
      gint fd, guint64 *frames, guint64 *trimmed_bytes, GError **error);
  /* NULL, or FALSE with a FORMAT error for a stream it cannot hold */
  gboolean (*check_format) (
      FfcSampleFormat format, guint rate, guint channels, GError **error);
} FfcContainerClass;

/* WAV, RF64 past 4 GiB (ffc-wav.c) */
extern const FfcContainerClass ffc_container_wav;
/* FLAC with the WAV's chunks kept (ffc-flac.c) */
extern const FfcContainerClass ffc_container_flac;

/* A file-name template whose extension is another container's (".wav"
 * with FLAC) is refused, naming both; one with no extension or another
 * one is the user's choice. */
gboolean ffc_container_check_template (
    const FfcContainerClass *container, const gchar *template, GError **error);
/* The container whose file `fd` is, by its first bytes; `fallback` when
 * they say nothing known */
const FfcContainerClass *ffc_container_of_file (
    gint fd, const FfcContainerClass *fallback);
/* The default template (FFC_SEGNAME_DEFAULT) with the container's
 * extension; newly allocated */
gchar *ffc_container_default_template (const FfcContainerClass *container);

/* The one write loop: all of `size` bytes at `offset` (pwrite), or at the
 * file position when `offset` is negative, through EINTR and short writes;
 * *done (may be NULL) is what was written. An error in
 * FFC_SEGWRITER_ERROR: NO_SPACE for ENOSPC and EDQUOT, else WRITE; its
 * message is strerror's. */
gboolean ffc_write_all (gint fd, const guint8 *data, gsize size, goffset offset,
    gsize *done, GError **error);

G_END_DECLS

#endif
