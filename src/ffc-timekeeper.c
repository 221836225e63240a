/* gst-ffcapture: ffmpegsrc's side of the time model
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ffc-timekeeper.h"

#include <math.h>
#include <string.h>

void
ffc_timekeeper_init (FfcTimekeeper *tk, gboolean synchronised)
{
  gint64 wall;

  ffc_timekeeper_clear (tk);
  ffc_step_detector_init (&tk->steps);
  ffc_clock_read_pair (&tk->sync_checked_us, &wall);
  tk->synchronised = synchronised;
}

void
ffc_timekeeper_clear (FfcTimekeeper *tk)
{
  ffc_drift_free (tk->drift);
  memset (tk, 0, sizeof (*tk));
}

void
ffc_timekeeper_new_run (FfcTimekeeper *tk)
{
  tk->run++;
  tk->pending = TRUE;
}

void
ffc_timekeeper_feed (FfcTimekeeper *tk, guint rate, guint64 samples,
    gint64 arrival_us, gboolean after_gap, gint64 end_rt_ns,
    FfcTimekeeperNews *news)
{
  gboolean changed = FALSE;

  memset (news, 0, sizeof (*news));
  /* one pair, read so that a preemption cannot look like a step */
  ffc_clock_read_pair (&news->mono_us, &news->wall_us);
  if (tk->drift == NULL || tk->rate != rate) {
    ffc_drift_free (tk->drift);
    tk->drift = ffc_drift_new (rate);
    tk->rate = rate;
    tk->fed_run = 0;
  }
  /* the first chunk after a gap keeps no time (after an overrun ffmpeg
   * restarts its timing, and -re lets it through at once), unless it is
   * all the run has */
  if (!after_gap || tk->fed_run != tk->run) {
    changed = ffc_drift_add (tk->drift, tk->run, samples, arrival_us);
    tk->fed_run = tk->run;
  }
  if (ffc_step_detector_feed (
          &tk->steps, news->mono_us, news->wall_us, &news->step_us)) {
    news->stepped = TRUE;
    tk->pending = TRUE;
  }
  /* the kernel is asked at most once a second */
  if (news->mono_us - tk->sync_checked_us >= G_USEC_PER_SEC) {
    gboolean synchronised = ffc_clock_synchronised ();

    tk->sync_checked_us = news->mono_us;
    if (synchronised != tk->synchronised) {
      tk->synchronised = synchronised;
      news->sync_changed = TRUE;
      tk->pending = TRUE;
    }
  }
  if (end_rt_ns >= 0 && (changed || tk->pending)
      && ffc_drift_update_ref (tk->drift, samples, tk->pending, &tk->ref)) {
    news->publish = TRUE;
    news->model.running_time_ns = (guint64)end_rt_ns;
    news->model.wall_us =
        llround (tk->ref.mono_us) + (news->wall_us - news->mono_us);
    news->model.drift_ppm = tk->ref.drift_ppm;
    news->model.drift_known = tk->ref.known;
    news->model.settled = tk->ref.settled;
    news->model.synchronised = tk->synchronised;
    tk->pending = FALSE;
  }
}

gdouble
ffc_timekeeper_drift_ppm (const FfcTimekeeper *tk)
{
  return tk->drift != NULL && ffc_drift_known (tk->drift)
             ? ffc_drift_ppm (tk->drift)
             : NAN;
}
