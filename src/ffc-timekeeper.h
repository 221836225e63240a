/* gst-ffcapture: ffmpegsrc's side of the time model
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_TIMEKEEPER_H__
#define __FFC_TIMEKEEPER_H__

#include <glib.h>

#include "ffc-clock.h"

G_BEGIN_DECLS

/* What a live capture knows of time (docs/time.md): the device clock's
 * drift from the chunks' arrivals, steps and the synchronisation of the
 * system clock, and when the model downstream must be sent again. */
typedef struct {
  FfcDrift *drift;
  guint rate;
  guint run;     /* counts runs across captures: the drift is the device's */
  guint fed_run; /* the run the estimator has data of */
  FfcDriftRef ref;
  FfcStepDetector steps;
  gint64 sync_checked_us;
  gboolean synchronised;
  gboolean pending; /* send the model with the next buffer */
} FfcTimekeeper;

/* At start (the device may differ): the clock's synchronisation now */
void ffc_timekeeper_init (FfcTimekeeper *tk, gboolean synchronised);
void ffc_timekeeper_clear (FfcTimekeeper *tk);
/* A new ffmpeg run: the model's new line, sent before its first buffer */
void ffc_timekeeper_new_run (FfcTimekeeper *tk);

typedef struct {
  gint64 mono_us, wall_us; /* the clock pair read for this chunk */
  gboolean stepped;        /* the system clock stepped, by step_us */
  gint64 step_us;
  gboolean sync_changed; /* tk->synchronised changed */
  gboolean publish;      /* send `model` with this chunk's buffer */
  FfcTimeModel model;
} FfcTimekeeperNews;

/* One chunk of a live input: `samples` at its end since the run's start
 * (lost ones included), read at `arrival_us`; `after_gap`: the first after
 * lost audio. `end_rt_ns` is the running time where its buffer ends, -1
 * when it has none (clipped): then nothing is published (it stays due). */
void ffc_timekeeper_feed (FfcTimekeeper *tk, guint rate, guint64 samples,
    gint64 arrival_us, gboolean after_gap, gint64 end_rt_ns,
    FfcTimekeeperNews *news);

/* The drift for the stats: NAN until known */
gdouble ffc_timekeeper_drift_ppm (const FfcTimekeeper *tk);

G_END_DECLS

#endif
