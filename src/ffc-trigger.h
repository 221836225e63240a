/* gst-ffcapture: triggered events, from window decisions to sample ranges
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_TRIGGER_H__
#define __FFC_TRIGGER_H__

#include <glib.h>

#include "ffc-band.h"

G_BEGIN_DECLS

#define FFC_TRIGGER_ERROR (ffc_trigger_error_quark ())
GQuark ffc_trigger_error_quark (void);

/* The settings in ns, as the element's properties give them. */
typedef struct {
  guint64 window_ns;
  guint64 min_trigger_ns; /* 0 = one window */
  guint64 pre_trigger_ns;
  guint64 post_trigger_ns;
  guint64 max_event_ns;
} FfcTriggerTimes;

/* Longest settings a recorder can use. */
#define FFC_TRIGGER_MAX_WINDOW_NS G_GUINT64_CONSTANT (10000000000) /* 10 s */
#define FFC_TRIGGER_MAX_EVENT_NS                                               \
  G_GUINT64_CONSTANT (86400000000000) /* 24 h                                  \
                                       */

/* FALSE with an error naming the setting and its value (window,
 * min-trigger, pre-trigger, post-trigger, max-event) when they do not fit
 * together. Independent of the rate. */
gboolean ffc_trigger_times_check (const FfcTriggerTimes *times, GError **error);

/* The same settings in frames, at a rate. */
typedef struct {
  guint64 window_frames; /* W */
  guint min_windows;     /* consecutive windows over the threshold, >= 1 */
  guint64 pre_frames;    /* P */
  guint64 post_frames;   /* Q */
  guint64 max_frames;    /* longest event, >= pre_frames and >= W */
  gdouble threshold_db;  /* a window triggers above it */
} FfcTriggerConfig;

/* Converts `times` at `rate` with `window_frames` (ffc_band_window_frames
 * ()): min-trigger rounds up to whole windows, the rest to the nearest
 * frame. */
void ffc_trigger_config_from_times (const FfcTriggerTimes *times, guint rate,
    guint64 window_frames, gdouble threshold_db, FfcTriggerConfig *config);

/* How long audio is held back before its fate is known, in frames:
 * pre-trigger plus min-trigger in whole windows. */
guint64 ffc_trigger_latency_frames (const FfcTriggerConfig *config);

/* The same before a rate is known, in ns: pre-trigger plus min-trigger in
 * whole windows (at least one). */
guint64 ffc_trigger_times_latency_ns (const FfcTriggerTimes *times);

typedef struct {
  guint64 start, end; /* sample positions, [start, end) */
  gdouble peak_db;    /* the loudest window touching the event */
  gdouble peak_hz;    /* that window's peak frequency (NAN if unknown) */
  gboolean cut;       /* it lasted max-event: cut there */
} FfcTriggerEvent;

/* What to do with the samples [start, end): pass them (inside an event) or
 * withhold them. Ranges come in order, without holes, from sample 0. */
typedef struct {
  guint64 start, end;
  gboolean pass;
  gboolean event_start; /* the first range of an event */
  gboolean event_end;   /* the last one; `event` describes the event */
  FfcTriggerEvent event;
} FfcTriggerRange;

typedef struct _FfcTrigger FfcTrigger;

FfcTrigger *ffc_trigger_new (const FfcTriggerConfig *config);
void ffc_trigger_free (FfcTrigger *trigger);

/* The next analysis window (window i covers samples [i·W, (i+1)·W)) has
 * this level (dBFS) and peak frequency. */
void ffc_trigger_window (
    FfcTrigger *trigger, gdouble level_db, gdouble peak_hz);

/* The band and the trigger of a stream: `bc` gives its format, rate,
 * channels and band, and gets the window in frames from `times`
 * (ffc_band_window_frames ()); `config` gets the trigger's settings
 * (ffc_trigger_config_from_times ()). FALSE with the error of
 * ffc_band_new (), and nothing made, when the band does not fit the
 * rate. */
gboolean ffc_trigger_setup (const FfcTriggerTimes *times, gdouble threshold_db,
    FfcBandConfig *bc, FfcBand **band, FfcTrigger **trigger,
    FfcTriggerConfig *config, GError **error);

/* A new threshold (dBFS) for the windows to come. */
void ffc_trigger_set_threshold (FfcTrigger *trigger, gdouble threshold_db);

/* Feeds `frames` interleaved frames of `data` (`bpf` bytes each) to
 * `band`, and each window they complete, in order, to `trigger`, with
 * `threshold_db` for the trigger and the band alike (ffc_band_set_peak_floor
 * (), ffc_band_set_skip_below ()). Returns how many windows completed;
 * the level of the last one in `*level_db` when there was one. */
guint ffc_trigger_feed_band (FfcTrigger *trigger, FfcBand *band,
    gdouble threshold_db, const guint8 *data, gsize frames, gsize bpf,
    gdouble *level_db);

/* The stream ends after `total` samples (the windows fed cover at most
 * that many): everything up to `total` gets decided; an open event ends
 * there. No window may follow. */
void ffc_trigger_finish (FfcTrigger *trigger, guint64 total);

/* The next decided range, in order; FALSE when none is waiting. A range
 * with event_end and start == end closes an event without samples of its
 * own (only at finish). */
gboolean ffc_trigger_pop (FfcTrigger *trigger, FfcTriggerRange *range);

/* The same, with the consecutive ranges waiting that are of the same kind
 * (passed or withheld) and not split by an event's start or end merged
 * into one: the trigger decides window by window, buffers go out as large
 * as the held ones allow. */
gboolean ffc_trigger_pop_merged (FfcTrigger *trigger, FfcTriggerRange *range);

/* Samples decided so far (the end of the last range produced). */
guint64 ffc_trigger_decided (const FfcTrigger *trigger);

G_END_DECLS

#endif
