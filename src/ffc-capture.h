/* gst-ffcapture: a supervised ffmpeg capture
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_CAPTURE_H__
#define __FFC_CAPTURE_H__

#include <glib.h>

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
} FfcItemType;

typedef struct {
  FfcItemType type;

  /* DATA: whole frames of interleaved PCM */
  guint8 *data;
  gsize size;
  guint64 frames;
  guint run;                /* which ffmpeg run (0 = the first) */
  guint64 run_offset;       /* frames of this run before this chunk,
                             * dropped ones included */
  gboolean after_gap;       /* frames were dropped just before this */
  gint64 arrival_us;        /* g_get_monotonic_time () when read */
  gint64 run_start_wall_us; /* the run's first sample on the wall clock,
                             * as ffmpeg reported it; -1 if unknown */

  /* DROPPED and GAP: how many frames; XRUN: how many overruns;
   * RESTARTED: restarts so far */
  guint64 count;
  /* RESTARTED and ERROR: why, and the last lines ffmpeg printed */
  gchar *reason;
  gchar *stderr_tail;
} FfcItem;

void ffc_item_free (FfcItem *item);

typedef struct {
  gchar **argv;     /* ffmpeg and its arguments */
  guint frame_size; /* bytes per interleaved frame */
  guint rate;
  gsize queue_capacity;           /* bytes held for a slow consumer */
  gint64 stall_timeout_us;        /* no audio for this long: restart */
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
} FfcCaptureStats;

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
