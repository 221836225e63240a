/* gst-ffcapture: a supervised ffmpeg capture
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_CAPTURE_H__
#define __FFC_CAPTURE_H__

#include <glib.h>

#include "ffc-device.h"
#include "ffc-stderr.h"

G_BEGIN_DECLS

typedef enum {
  FFC_ITEM_DATA,
  FFC_ITEM_RESTARTED, /* a new ffmpeg replaced a failed one */
  FFC_ITEM_DROPPED,   /* the queue overflowed: audio was lost */
  FFC_ITEM_XRUN,      /* ffmpeg reported device overruns */
  FFC_ITEM_GAP,       /* ffmpeg's input timestamps jumped: audio was lost
                       * before it reached the pipe */
  FFC_ITEM_ERROR,     /* capture cannot go on */
  FFC_ITEM_EOS,       /* ffmpeg ended normally */
  /* devices named by identity (argv_func): */
  FFC_ITEM_DEVICE_LOST,  /* the device is absent (once per absence) */
  FFC_ITEM_DEVICE_FOUND, /* it is back (and settled): ffmpeg starts */
} FfcItemType;

/* One read of ffmpeg's pipe within a DATA chunk: the time model takes each
 * read's arrival on its own, however the reads are grouped into chunks. */
typedef struct {
  guint64 end;       /* frames of the run (dropped ones included) up to the
                      * end of this read */
  gint64 arrival_us; /* g_get_monotonic_time () when it was read */
} FfcArrival;

typedef struct {
  FfcItemType type;

  /* DATA: whole frames of interleaved PCM */
  guint8 *data;
  gsize size;
  guint64 frames;
  guint run;            /* which ffmpeg run (0 = the first) */
  guint64 run_offset;   /* frames of this run before this chunk,
                         * dropped ones included */
  gboolean after_gap;   /* frames were dropped just before this */
  gint64 arrival_us;    /* g_get_monotonic_time () when its last read
                         * was read */
  FfcArrival *arrivals; /* each read the chunk holds, in order; the
                         * last one ends where the chunk ends */
  guint n_arrivals;
  gint64 run_start_wall_us; /* the run's first sample on the wall clock,
                             * as ffmpeg reported it; -1 if unknown */

  /* DROPPED and GAP: how many frames; XRUN: how many overruns;
   * RESTARTED: restarts so far */
  guint64 count;
  /* RESTARTED and ERROR: why, and the last lines ffmpeg printed;
   * DEVICE_LOST: why the device counts as absent */
  gchar *reason;
  gchar *stderr_tail;
  /* RESTARTED and DEVICE_FOUND: the card this run opens (argv_func's
   * info), NULL without argv_func */
  gchar *device_info;
} FfcItem;

void ffc_item_free (FfcItem *item);

/* Called from the capture thread before each run of ffmpeg: TRUE with the
 * run's argv and a description of the device it opens in *info (both
 * freed by the caller), or FALSE when the device is absent, with why in
 * *absent_reason. */
typedef gboolean (*FfcArgvFunc) (
    gchar ***argv, gchar **info, gchar **absent_reason, gpointer data);

typedef struct {
  gchar **argv;     /* ffmpeg and its arguments */
  guint frame_size; /* bytes per interleaved frame */
  guint rate;
  gsize queue_capacity;    /* bytes held for a slow consumer */
  gint64 stall_timeout_us; /* no audio for this long: restart */
  /* audio is handed on in chunks of about this long, fewer and larger
   * than ffmpeg's writes (at most a quarter of the queue), and none waits
   * longer than this for more; 0: each read as it comes */
  gint64 block_us;
  gint max_restarts;              /* consecutive; -1 = unlimited */
  gboolean restart_on_error_exit; /* a clean exit after errors is a failure */
  /* ffmpeg reports the gaps in its input timestamps (FFC_GAPS_REPORT_FILTER,
   * src/ffc-gaps.h): they become gaps in the stream */
  gboolean detect_gaps;
  /* a full queue makes the reader wait instead of dropping: for inputs
   * that are not live (files, unpaced sources) */
  gboolean wait_when_full;
  /* a failure after audio is an error, not a reason to start over */
  gboolean no_restart;
  guint stop_grace_ms;
  /* Called from the capture thread for every stderr line. */
  FfcLineFunc line_func;
  gpointer line_data;
  /* Devices named by identity: argv_func (may be NULL: argv every run)
   * resolves the device before each run. Absent, it is waited for as
   * device_wait says (ffc-device.h): device_wait.wait FALSE makes it a
   * failed run, for the restart policy to judge. */
  FfcArgvFunc argv_func;
  gpointer argv_data;
  FfcDeviceWaitConfig device_wait;
} FfcCaptureConfig;

typedef struct {
  guint64 frames_read;
  guint64 frames_dropped;
  guint64 xruns;
  guint64 gaps;        /* jumps of ffmpeg's input timestamps */
  guint64 frames_lost; /* estimated frames those jumps lost */
  guint restarts;
  gint child_pid; /* 0 when none runs */
  gsize queued_bytes;
  gboolean device_present; /* FALSE while the device is waited for */
} FfcCaptureStats;

/* ffmpegsrc's stats (its `stats` property and ffmpegsrc-stats message),
 * one field each: the capture's counters and what the element keeps. */
typedef struct {
  guint64 samples_pushed;
  guint64 samples_dropped;
  guint64 xruns;
  guint64 gaps;
  guint64 samples_lost;
  guint restarts;
  gint child_pid;
  guint64 queue_level_ns; /* the queue's audio; 0 before caps */
  guint64 queue_bytes;
  gdouble drift_ppm; /* NAN until known */
  gboolean clock_synchronised;
  gboolean device_present;
  const gchar *device_info; /* never NULL; borrowed from the caller */
} FfcSrcStats;

/* The stats from a capture's (`capture` NULL when none runs: nothing
 * dropped, the device present), the samples pushed, the output's bytes per
 * frame and rate (0 before caps), the time model's drift and
 * synchronisation and the device's card (NULL: ""). */
void ffc_src_stats_make (FfcSrcStats *out, const FfcCaptureStats *capture,
    guint64 samples_pushed, guint bytes_per_frame, guint rate,
    gdouble drift_ppm, gboolean synchronised, const gchar *device_info);

typedef struct _FfcCapture FfcCapture;

FfcCapture *ffc_capture_new (const FfcCaptureConfig *config);
gboolean ffc_capture_start (FfcCapture *capture, GError **error);
FfcItem *ffc_capture_pop (FfcCapture *capture);
void ffc_capture_set_flushing (FfcCapture *capture, gboolean flushing);
void ffc_capture_finish (FfcCapture *capture);
void ffc_capture_get_stats (FfcCapture *capture, FfcCaptureStats *stats);
void ffc_capture_free (FfcCapture *capture);

gint64 ffc_capture_backoff_next_us (gint64 previous_us);

/* What a DROPPED, XRUN or GAP item tells the user (a warning), and the
 * details for the log (*details, to free); `rate` is the output's,
 * `buffer_time_ns` the queue's capacity. */
gchar *ffc_item_describe (const FfcItem *item, const FfcCaptureStats *stats,
    guint rate, guint64 buffer_time_ns, gchar **details);
/* What an ERROR item (the capture gave up) or a DEVICE_LOST item tells the
 * user, naming the device and input format as they were set, and the
 * details for the log (*details, to free). */
gchar *ffc_item_describe_failure (const FfcItem *item, const gchar *device,
    const gchar *input_format, gboolean wait_for_device, gchar **details);

/* The restart policy: what follows a run of ffmpeg, decided from how it
 * ended alone (a pure function, unit-tested without a child). */
typedef enum {
  FFC_RUN_EXITED,       /* ffmpeg exited (or closed its output) */
  FFC_RUN_STALLED,      /* no audio for stall_timeout_us */
  FFC_RUN_STOPPED,      /* ended by us: stop, or a finish that took too long */
  FFC_RUN_SPAWN_FAILED, /* ffmpeg could not be started */
  FFC_RUN_NOT_STARTED,  /* asked to finish or stop before the next run */
} FfcRunEndKind;

typedef struct {
  FfcRunEndKind kind;
  gboolean exited_cleanly; /* EXITED: exit status 0 */
  guint error_lines;       /* error lines ffmpeg printed in this run */
  guint64 frames;          /* audio this run delivered */
  gint64 duration_us;      /* how long the run lasted */
  gboolean finishing;      /* EOS was asked for: end with what was captured */
  gboolean stopping;       /* the consumer is gone */
} FfcRunEnd;

typedef struct {
  gint max_restarts;              /* consecutive; -1 = unlimited */
  gboolean restart_on_error_exit; /* a clean exit after errors is a failure */
  gboolean no_restart;            /* the input is not live: never restart */
  gint64 backoff_reset_run_us;    /* a run with audio this long resets it */
} FfcRestartPolicy;

/* What the policy remembers across runs; zero it before the first. */
typedef struct {
  gboolean ever_audio;
  guint consecutive_failures;
  gint64 backoff_us;
} FfcRestartState;

typedef enum {
  FFC_RESTART_QUIT,    /* stop quietly: nobody is listening */
  FFC_RESTART_EOS,     /* end the stream normally */
  FFC_RESTART_ERROR,   /* capture cannot go on */
  FFC_RESTART_RESTART, /* start ffmpeg again after delay_us */
} FfcRestartAction;

typedef enum {
  FFC_RESTART_WHY_NONE,
  FFC_RESTART_WHY_NO_AUDIO,     /* a clean exit that never gave audio */
  FFC_RESTART_WHY_NEVER_WORKED, /* failed before any audio: a bad input */
  FFC_RESTART_WHY_NOT_LIVE,     /* restarting would repeat the input */
  FFC_RESTART_WHY_TOO_MANY,     /* max-restarts failures in a row */
} FfcRestartWhy;

typedef struct {
  FfcRestartAction action;
  FfcRestartWhy why; /* ERROR */
  gint64 delay_us;   /* RESTART */
  guint failures;    /* ERROR TOO_MANY: failures in a row */
} FfcRestartDecision;

FfcRestartDecision ffc_restart_decide (const FfcRunEnd *how_it_ended,
    const FfcRestartPolicy *policy, FfcRestartState *state);

G_END_DECLS

#endif
