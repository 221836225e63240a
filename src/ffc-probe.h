/* gst-ffcapture: asking ffmpeg what an input delivers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_PROBE_H__
#define __FFC_PROBE_H__

#include <glib.h>

#include "ffc-args.h"

G_BEGIN_DECLS

/* What the input delivers: its own rate, channels and sample format */
typedef struct {
  guint rate;
  guint channels; /* 0 when ffmpeg did not say */
  FfcSampleFormat format;
} FfcInputAudio;

gboolean ffc_probe_input (const gchar *const *argv, guint timeout_ms,
    FfcInputAudio *input, GError **error);

/* The output format that keeps ffmpeg's sample format ("s16", "s32",
 * "fltp"…) unconverted, or as close as the outputs allow: s16 is S16LE,
 * s32 (also 24-bit samples in 32) S32LE, flt, dbl and their planar forms
 * F32LE; anything else (u8, s64…) S16LE. */
FfcSampleFormat ffc_probe_sample_format (const gchar *ffmpeg_sample_fmt);

/* The input's own values: the capture properties when set (not 0), else
 * what the probe found (`probed`, rate 0 when it found nothing), else
 * 48000 Hz, 1 channel, S16LE */
FfcInputAudio ffc_probe_own (
    const FfcInputAudio *probed, gint sample_rate, gint channels);

/* What one of the caps downstream offers accepts of the input's own
 * values */
typedef struct {
  gboolean rate;
  gboolean format;
  gboolean channels;
} FfcAccepts;

/* Which of `n` offers (in downstream's order of preference) to take: the
 * first that accepts all of the input's own values; else the one that
 * accepts most, the rate weighing most, then the sample format, then the
 * channels (resampling loses most, remixing least); ties to the first. */
guint ffc_probe_prefer (const FfcAccepts *offers, guint n);

G_END_DECLS

#endif
