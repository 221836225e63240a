/* gst-ffcapture: the time model (device clock drift, wall clock, steps)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_CLOCK_H__
#define __FFC_CLOCK_H__

#include <glib.h>

G_BEGIN_DECLS

/* Test seams, never for production (see docs/time.md): a file holding a
 * number of microseconds added to the wall clock (re-read at most every
 * FFC_CLOCK_OFFSET_REREAD_US), and "1" ("0") forcing the system clock to
 * count as not synchronised (synchronised). */
#define FFC_CLOCK_OFFSET_FILE_ENV "FFC_TEST_WALL_CLOCK_OFFSET_FILE"
#define FFC_CLOCK_UNSYNCHRONISED_ENV "FFC_TEST_CLOCK_UNSYNCHRONISED"
/* The name of the sticky event that carries the model downstream. */
#define FFC_CLOCK_EVENT "ffcapture-clock"
#define FFC_CLOCK_OFFSET_REREAD_US (200 * G_TIME_SPAN_MILLISECOND)

/* The wall clock (µs since the epoch, UTC): g_get_real_time () plus the
 * test seam's offset. Thread-safe. */
gint64 ffc_clock_wall_now (void);
/* Whether the kernel says the system clock is synchronised (NTP, PTP…). */
gboolean ffc_clock_synchronised (void);

/* Steps of the wall clock against the monotonic clock. NTP slews by at most
 * 500 ppm, so a larger change of their difference is a step. */
#define FFC_CLOCK_STEP_MIN_US (10 * G_TIME_SPAN_MILLISECOND)

typedef struct {
  gboolean have_previous;
  gint64 mono_us;
  gint64 offset_us; /* wall - monotonic */
  /* a reading displaced from offset_us, waiting to be confirmed */
  gboolean pending;
  gint64 pending_mono_us;
  gint64 pending_offset_us;
} FfcStepDetector;

void ffc_step_detector_init (FfcStepDetector *detector);
/* Returns TRUE with *step_us set when the wall clock stepped: a reading
 * displaced from the previous ones by more than slewing explains, and
 * confirmed by the next reading (one displaced reading alone, a thread
 * preempted between its two clock reads, is no step). Reported once, at
 * the confirming reading. */
gboolean ffc_step_detector_feed (
    FfcStepDetector *detector, gint64 mono_us, gint64 wall_us, gint64 *step_us);

/* Reads the monotonic clock and the wall clock (ffc_clock_wall_now ()) as
 * one pair: wall, monotonic, wall, a few times, keeping the try whose two
 * wall readings lie closest together (a preemption between the reads
 * widens them), with the wall time taken midway. */
#define FFC_CLOCK_PAIR_TRIES 3
/* a try this tight needs no other */
#define FFC_CLOCK_PAIR_TIGHT_US 20
void ffc_clock_read_pair (gint64 *mono_us, gint64 *wall_us);

/* Test seam: the clocks ffc_clock_read_pair () reads (NULL: the real ones,
 * g_get_monotonic_time () and ffc_clock_wall_now ()). Not thread-safe: set
 * it before any reading. */
typedef gint64 (*FfcClockReadFunc) (gpointer user_data);
void ffc_clock_set_readers (
    FfcClockReadFunc mono, FfcClockReadFunc wall, gpointer user_data);

/* The drift of a device's sample clock against the monotonic clock, from
 * sample counts and the times they arrived. */
#define FFC_DRIFT_WINDOW_S 2.0     /* one least-delayed point per window */
#define FFC_DRIFT_KNOWN_S 20.0     /* of windows before the estimate counts */
#define FFC_DRIFT_SETTLED_S 10.0   /* of a run before its line is settled */
#define FFC_DRIFT_MEMORY_S 3600.0  /* time constant of the fit's memory */
#define FFC_DRIFT_TOLERANCE_US 100 /* a model that moved less is the same */

typedef struct _FfcDrift FfcDrift;

FfcDrift *ffc_drift_new (guint rate);
void ffc_drift_free (FfcDrift *drift);
/* One chunk: `samples` is the count at its END since the start of `run`
 * (lost samples included), `arrival_us` the monotonic time it was read. A
 * new `run` (a restarted device) starts a new line with the same slope.
 * Returns TRUE when the model changed (a window closed). */
gboolean ffc_drift_add (
    FfcDrift *drift, guint run, guint64 samples, gint64 arrival_us);
/* Enough data for the estimate to count (FFC_DRIFT_KNOWN_S). */
gboolean ffc_drift_known (const FfcDrift *drift);
/* Positive: the device clock is fast (more samples per second than its
 * nominal rate). The current estimate, even before it is known; 0 before
 * any. */
gdouble ffc_drift_ppm (const FfcDrift *drift);
/* Monotonic time (µs) at which sample `samples` of the current run was
 * captured, per the model; FALSE before any data of the run. */
gboolean ffc_drift_capture_time (
    const FfcDrift *drift, guint64 samples, gdouble *mono_us);

/* A reference point of the model, as published downstream. */
typedef struct {
  gboolean valid;
  guint run;
  guint64 samples;   /* a sample of the run */
  gdouble mono_us;   /* its capture time on the monotonic clock */
  gdouble drift_ppm; /* the slope from there */
  gboolean known;
  /* the run's line rests on FFC_DRIFT_SETTLED_S of data: before, its first
   * chunks (often late: ffmpeg starting up) weigh much */
  gboolean settled;
} FfcDriftRef;

/* Moves *ref to sample `samples` when the model there differs from what
 * *ref predicts by more than FFC_DRIFT_TOLERANCE_US, the run, the
 * known-ness or the settledness changed, or `force`. Returns TRUE when it
 * moved. */
gboolean ffc_drift_update_ref (
    const FfcDrift *drift, guint64 samples, gboolean force, FfcDriftRef *ref);

/* The wall-clock time (µs) of running time `rt_ns` from a reference
 * (running time `ref_rt_ns` was at `ref_wall_us`) and the drift: running
 * time counts nominal-rate samples, so a fast device's second is shorter. */
gint64 ffc_clock_map (
    gint64 ref_wall_us, gint64 ref_rt_ns, gdouble drift_ppm, gint64 rt_ns);

/* The capture's time model as it travels downstream (the ffcapture-clock
 * event, docs/time.md): running time `running_time_ns` (ns) was captured at
 * wall-clock time `wall_us` (µs since the epoch, UTC), and from there one
 * nominal second of running time lasts 1/(1 + drift_ppm·1e-6) s of wall
 * clock. */
typedef struct {
  guint64 running_time_ns; /* ns */
  gint64 wall_us;          /* µs since the epoch, UTC */
  gdouble drift_ppm;       /* device vs system clock, ppm; the slope used */
  gboolean drift_known;    /* drift_ppm rests on enough data to report */
  gboolean settled;        /* the run's line rests on FFC_DRIFT_SETTLED_S */
  gboolean synchronised;   /* the system clock was synchronised */
} FfcTimeModel;

/* Wall-clock time (µs) of running time `rt_ns` (ns) by the model. */
gint64 ffc_time_model_wall_of (const FfcTimeModel *model, guint64 rt_ns);
/* The drift to report (ppm): NAN until it is known. */
gdouble ffc_time_model_reported_drift (const FfcTimeModel *model);

/* Where a consumer's running time lands on the wall clock: the capture's
 * model when upstream sends one, else an origin (the wall-clock time, µs,
 * of running time 0) fixed once from the pipeline clock. */
typedef struct {
  gboolean have_model;
  FfcTimeModel model;
  gboolean have_origin;
  gint64 origin_us; /* µs since the epoch of running time 0 */
} FfcWallMap;

void ffc_wall_map_init (FfcWallMap *map);
void ffc_wall_map_set_model (FfcWallMap *map, const FfcTimeModel *model);
void ffc_wall_map_set_origin (FfcWallMap *map, gint64 origin_us);
/* Either a model or an origin is there: wall times can be given. */
gboolean ffc_wall_map_ready (const FfcWallMap *map);
/* Wall-clock time (µs) of running time `rt_ns` (ns). Without a model,
 * rounded to the µs, not truncated: consumers at other rates reach the
 * same time a nanosecond apart and must name it alike. */
gint64 ffc_wall_map_wall_of (const FfcWallMap *map, guint64 rt_ns);

G_END_DECLS

#endif
