/* gst-ffcapture: finding gaps in ffmpeg's input timestamps
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * When a capture device overruns, ffmpeg loses the audio inside, but its
 * input timestamps jump: ALSA input stamps each period from the wall clock
 * and starts its timing anew after an xrun. The raw PCM has no trace of it.
 * Fed ffmpeg's per-frame timestamps (ashowinfo, in microseconds), this
 * finds every frame that starts later than the previous one ended, and says
 * where in the sample stream and for how many samples.
 *
 * The same test runs inside ffmpeg (FFC_GAPS_REPORT_FILTER), which then
 * reports only the gaps: ffc_gap_from_report turns a report into a gap, with
 * the same rounding as the detector.
 */
#include "ffc-gaps.h"

#include <math.h>

void
ffc_gap_detector_init (FfcGapDetector *d, gint64 min_gap_us)
{
  d->min_gap_us = min_gap_us;
  d->have_previous = FALSE;
  d->next_pts_us = 0;
  d->rate = 0;
  d->samples = 0;
}

gboolean
ffc_gap_from_report (
    guint64 at_sample, gdouble jump_us, guint rate, FfcGap *gap)
{
  if (rate == 0 || !(jump_us > 0) || jump_us > 1e15)
    return FALSE;
  gap->at_sample = at_sample;
  gap->lost_samples = (guint64)llround (jump_us * rate / 1e6);
  gap->jump_us = (gint64)llround (jump_us);
  gap->rate = rate;
  return gap->lost_samples > 0;
}

gboolean
ffc_gap_detector_feed (
    FfcGapDetector *d, gint64 pts_us, guint samples, guint rate, FfcGap *gap)
{
  gboolean found = FALSE;

  if (rate == 0)
    return FALSE;
  if (d->have_previous && rate == d->rate) {
    gdouble jump = (gdouble)pts_us - d->next_pts_us;
    /* Small jitter of device timestamps is no loss; half a frame is the
     * least a real overrun loses, and it never goes below min_gap_us. */
    gdouble threshold =
        MAX ((gdouble)d->min_gap_us, 0.5 * samples * 1e6 / rate);

    if (jump > threshold) {
      gap->at_sample = d->samples;
      gap->lost_samples = (guint64)llround (jump * rate / 1e6);
      gap->jump_us = (gint64)llround (jump);
      gap->rate = rate;
      found = gap->lost_samples > 0;
    }
  }
  d->have_previous = TRUE;
  d->rate = rate;
  d->next_pts_us = (gdouble)pts_us + samples * 1e6 / rate;
  d->samples += samples;
  return found;
}
