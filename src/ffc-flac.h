/* gst-ffcapture: FLAC segments (libFLAC) with the WAV's own chunks kept
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_FLAC_H__
#define __FFC_FLAC_H__

#include <glib.h>

#include "ffc-meta.h"

G_BEGIN_DECLS

#define FFC_FLAC_DEFAULT_COMPRESSION_LEVEL 5
#define FFC_FLAC_MAX_COMPRESSION_LEVEL 8
/* A seek point every this many seconds (as `flac -S 10s`) */
#define FFC_FLAC_SEEK_SPACING_S 10
/* Bytes of PADDING reserved when a segment's length is not known at open */
#define FFC_FLAC_PADDING 1024

typedef struct {
  guint compression_level; /* 0..8, libFLAC's levels */
  /* Bits each sample really carries: 16 for S16LE; 32 for S32LE, or 24 when
   * the samples are 24-bit ones in the top of 32 (they are stored as
   * 24-bit samples; their low byte must be zero). 0 = the format's. */
  guint bits_per_sample;
  /* The segment's planned length in frames (a SEEKTABLE for it is
   * reserved), or 0 when unknown (a PADDING block is). */
  guint64 expected_frames;
  const gchar *encoder; /* the ENCODER comment; NULL = none */
} FfcFlacOptions;

void ffc_flac_options_init (FfcFlacOptions *options);

/* What libFLAC's level is changed into for a sample rate, staying in the
 * FLAC subset ("streamable": every player reads it). 0 = the level's own.
 * At 48 kHz and below: the level as it is (blocks of 1152 frames at levels
 * 0-2, 4096 at 3-8). Above 48 kHz, measured in docs/benchmarks.md:
 * - levels 3-8: blocks of 16384 frames (the subset's largest there: fewer
 *   frame headers, better predictors on noise, at the same CPU), residual
 *   partitions up to order 8 (the subset's largest: 64 frames each) and,
 *   for 16-bit samples, predictor coefficients of 14 bits (libFLAC's own
 *   choice for blocks this long is 13, which models a steady tone worse);
 * - levels 0-2 (fixed predictors only, chosen for their low CPU): for
 *   16-bit samples blocks of 3840 frames (10 ms at 384 kHz), the longest
 *   libFLAC still sizes its fixed predictors in 32-bit arithmetic
 *   ((block - 4) * 17 < 2^16: up to 3858); longer ones take its 64-bit
 *   path, 20-50 % more encoder CPU at level 0. Deeper samples take that
 *   path at any block size: 16384 frames and order 8 as above. */
typedef struct {
  guint blocksize;
  guint max_partition_order;
  guint qlp_precision;
} FfcFlacSettings;

#define FFC_FLAC_HIGH_RATE_BLOCKSIZE 16384
#define FFC_FLAC_HIGH_RATE_FIXED_BLOCKSIZE_16 3840
#define FFC_FLAC_HIGH_RATE_MAX_PARTITION_ORDER 8
#define FFC_FLAC_HIGH_RATE_QLP_PRECISION_16 14

void ffc_flac_settings (guint rate, guint bits_per_sample,
    guint compression_level, FfcFlacSettings *settings);

typedef struct _FfcFlac FfcFlac;

/* Writes the FLAC header into `fd` (empty, at offset 0) for a stream of
 * meta's rate, channels and format (S16LE or S32LE; F32LE is refused):
 * STREAMINFO, SEEKTABLE (or PADDING), VORBIS_COMMENT (DATE, ENCODER,
 * TITLE = stream name, COMMENT = note) and the header of the WAV file the
 * same metadata makes (ffc_wav_header_init; its Original Filename the
 * name with .wav for .flac) in APPLICATION blocks with the
 * id "riff", as `flac --keep-foreign-metadata` stores it, so that
 * `flac -d --keep-foreign-metadata` gives that WAV back. Errors are in
 * G_FILE_ERROR (G_FILE_ERROR_NOSPC for a full disk, G_FILE_ERROR_INVAL for
 * a stream FLAC cannot hold). */
FfcFlac *ffc_flac_open (gint fd, const FfcMeta *meta,
    const FfcFlacOptions *options, GError **error);
/* Encodes whole frames (interleaved, the format given at open). FALSE
 * when the file cannot be written; the encoder is then unusable and the
 * file is left as a crash would (ffc_flac_repair makes it whole). */
gboolean ffc_flac_write (
    FfcFlac *flac, const guint8 *data, guint64 frames, GError **error);
/* The metadata changed (the start time): the WAV chunks and the comments
 * are rewritten in place. */
gboolean ffc_flac_rewrite_metadata (
    FfcFlac *flac, const FfcMeta *meta, GError **error);
/* Encodes what is buffered, rewrites STREAMINFO (total samples, MD5) and
 * the SEEKTABLE, and the WAV chunks with their final sizes and GUANO's
 * Length. `frames` must be the number written. */
gboolean ffc_flac_finish (FfcFlac *flac, guint64 frames, GError **error);
guint64 ffc_flac_frames (FfcFlac *flac);  /* accepted so far */
guint64 ffc_flac_written (FfcFlac *flac); /* bytes in the file so far */
void ffc_flac_free (FfcFlac *flac);

/* Makes a torn FLAC segment whole: cut after its last complete frame
 * (frame CRC checked by libFLAC's decoder), STREAMINFO's total samples
 * set to what remains and its MD5 to unset, the seek table rebuilt, and
 * the WAV chunks' sizes and GUANO's Length set to match. FALSE when it
 * cannot be (not a FLAC file this module wrote, metadata torn). */
gboolean ffc_flac_repair (
    gint fd, guint64 *frames, guint64 *trimmed_bytes, GError **error);

/* The WAV header kept in a FLAC file's "riff" APPLICATION blocks, joined
 * (what `flac -d --keep-foreign-metadata` puts before the audio). */
guint8 *ffc_flac_read_riff (gint fd, gsize *size, GError **error);

G_END_DECLS

#endif
