/* gst-ffcapture: the sample formats, from ffmpeg's pipe to the files
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_FORMAT_H__
#define __FFC_FORMAT_H__

#include <glib.h>

G_BEGIN_DECLS

/* The raw PCM layouts ffmpeg writes to the pipe, GStreamer carries and the
 * segments hold (interleaved, little-endian). One enum for all of them. */
typedef enum {
  FFC_SAMPLE_S16LE,
  FFC_SAMPLE_S32LE,
  FFC_SAMPLE_F32LE,
} FfcSampleFormat;

/* Bytes per sample of one channel. */
static inline guint
ffc_sample_format_width (FfcSampleFormat format)
{
  return format == FFC_SAMPLE_S16LE ? 2 : 4;
}

G_END_DECLS

#endif
