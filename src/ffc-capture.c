/* gst-ffcapture: a supervised ffmpeg capture
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One thread per capture owns the ffmpeg child: it spawns it (so the child's
 * PR_SET_PDEATHSIG is tied to a thread that lives exactly as long as the
 * child), drains stdout and stderr at all times, restarts ffmpeg when it
 * fails, and hands audio to the consumer through a bounded queue. A consumer
 * that stalls never back-pressures ffmpeg: audio that does not fit is dropped
 * and counted to the frame, and the consumer learns of the gap.
 */
#include "ffc-capture.h"
#include "ffc-stamp.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "ffc-child.h"
#include "ffc-gaps.h"

#define BACKOFF_FIRST_US (100 * G_TIME_SPAN_MILLISECOND)
#define BACKOFF_MAX_US (10 * G_TIME_SPAN_SECOND)
/* A run that delivered audio for this long resets the backoff. */
#define BACKOFF_RESET_RUN_US (10 * G_TIME_SPAN_SECOND)
/* After stdout closes, how long to wait for ffmpeg's last words. */
#define EXIT_LINGER_US (2 * G_TIME_SPAN_SECOND)
/* After SIGINT, how long ffmpeg has to write what it holds and exit. */
#define FINISH_GRACE_US (3 * G_TIME_SPAN_SECOND)
#define MAX_READ_SIZE (256 * 1024)
#define MIN_READ_SIZE (4 * 1024)
#define STDERR_MAX_LINE 4096
#define STDERR_MAX_READ (256 * 1024)
#define STDERR_TAIL_LINES 12
/* ffmpeg's "start:" is a wall-clock time for capture devices, and a stream
 * time (usually 0) for files and lavfi: anything after 2001 is the former. */
#define WALL_CLOCK_EPOCH_MIN 1.0e9

struct _FfcCapture {
  FfcCaptureConfig config;
  gsize read_size;

  GThread *thread;
  gint wake_fds[2];

  GMutex lock;
  GCond cond;
  GQueue items;
  gsize queued_bytes;
  gboolean flushing;
  gboolean stopping;
  gboolean finishing; /* end the stream with all that was captured */
  FfcCaptureStats stats;

  /* capture thread only */
  FfcStderrParser *parser;
  guint8 *scratch;
  gsize scratch_fill;
  guint run;
  guint64 run_offset;
  guint64 run_frames;
  gint64 run_start_wall_us;
  guint64 pending_drop;
  GArray *pending_gaps; /* PendingGap, in output frames of the run */
  gboolean gap_before_next;
  /* the chunk being gathered from reads, back to back in the run, handed
   * on at block_frames or when its first read is block_us old */
  guint8 *block;
  gsize block_size, block_cap;
  GArray *block_arrivals; /* FfcArrival, one per read */
  guint64 block_run_offset;
  gint64 block_first_us;
  guint64 block_frames; /* 0: each read is handed on as it comes */
  /* this run's argv and device (argv_func), capture thread only */
  gchar **run_argv;
  gchar *run_info;
  FfcDeviceWait device_wait; /* across runs */
};

typedef struct {
  guint64 at; /* frames of the run before the gap */
  guint64 lost;
  gint64 jump_us;
} PendingGap;

gint64
ffc_capture_backoff_next_us (gint64 previous_us)
{
  if (previous_us <= 0)
    return BACKOFF_FIRST_US;
  return MIN (previous_us * 2, BACKOFF_MAX_US);
}

FfcRestartDecision
ffc_restart_decide (const FfcRunEnd *end, const FfcRestartPolicy *policy,
    FfcRestartState *state)
{
  FfcRestartDecision d = { FFC_RESTART_QUIT, FFC_RESTART_WHY_NONE, 0, 0 };
  gboolean clean;

  /* the consumer is gone: nothing to tell */
  if (end->stopping)
    return d;
  /* asked to end: everything ffmpeg wrote was delivered; no restart that
   * was pending is made */
  if (end->finishing) {
    d.action = FFC_RESTART_EOS;
    return d;
  }
  if (end->kind == FFC_RUN_STOPPED || end->kind == FFC_RUN_NOT_STARTED)
    return d;

  if (end->frames > 0)
    state->ever_audio = TRUE;
  d.action = FFC_RESTART_ERROR;
  /* ffmpeg ends "normally" when a device read fails: with the policy's
   * restart_on_error_exit, a clean exit after error lines is a failure */
  clean = end->kind == FFC_RUN_EXITED && end->exited_cleanly
          && !(policy->restart_on_error_exit && end->error_lines > 0);
  if (clean) {
    if (state->ever_audio)
      d.action = FFC_RESTART_EOS;
    else
      d.why = FFC_RESTART_WHY_NO_AUDIO;
    return d;
  }
  /* never worked: a bad device, option or format; say so at once */
  if (!state->ever_audio) {
    d.why = FFC_RESTART_WHY_NEVER_WORKED;
    return d;
  }
  if (policy->no_restart) {
    d.why = FFC_RESTART_WHY_NOT_LIVE;
    return d;
  }
  /* a run that gave audio counts as the first failure of a new series */
  state->consecutive_failures =
      end->frames > 0 ? 1 : state->consecutive_failures + 1;
  if (policy->max_restarts >= 0
      && state->consecutive_failures > (guint)policy->max_restarts) {
    d.why = FFC_RESTART_WHY_TOO_MANY;
    d.failures = state->consecutive_failures;
    return d;
  }
  if (end->frames > 0 && end->duration_us >= policy->backoff_reset_run_us)
    state->backoff_us = 0;
  state->backoff_us = ffc_capture_backoff_next_us (state->backoff_us);
  d.action = FFC_RESTART_RESTART;
  d.delay_us = state->backoff_us;
  return d;
}

static const gchar *
plural (guint64 n)
{
  return n == 1 ? "" : "s";
}

gchar *
ffc_item_describe (const FfcItem *item, const FfcCaptureStats *stats,
    guint rate, guint64 buffer_time_ns, gchar **details)
{
  switch (item->type) {
    case FFC_ITEM_DROPPED:
      *details = g_strdup_printf (
          "buffer-time %.3f s overflowed", buffer_time_ns / 1e9);
      return g_strdup_printf ("Dropped %" G_GUINT64_FORMAT " samples: "
                              "downstream did not keep up with the capture "
                              "(raise buffer-time, or unblock the pipeline)",
          item->count);
    case FFC_ITEM_XRUN:
      *details = g_strdup_printf ("ffmpeg: %s", item->reason);
      return g_strdup_printf ("The capture device overran %" G_GUINT64_FORMAT
                              " time%s: audio was lost inside ffmpeg",
          item->count, plural (item->count));
    case FFC_ITEM_GAP:
      *details = g_strdup_printf (
          "%s; the next buffer is DISCONT and stamped after the gap",
          item->reason);
      return g_strdup_printf (
          "Capture lost %" G_GUINT64_FORMAT " samples (%.1f ms) before they "
          "reached ffmpeg's output: %" G_GUINT64_FORMAT " gap%s, "
          "%" G_GUINT64_FORMAT " samples lost so far, %" G_GUINT64_FORMAT
          " overrun%s reported by ffmpeg",
          item->count, item->count * 1000.0 / MAX (rate, 1), stats->gaps,
          plural (stats->gaps), stats->frames_lost, stats->xruns,
          plural (stats->xruns));
    default:
      *details = g_strdup (item->stderr_tail ? item->stderr_tail : "");
      return g_strdup (item->reason ? item->reason : "");
  }
}

void
ffc_src_stats_make (FfcSrcStats *out, const FfcCaptureStats *capture,
    guint64 samples_pushed, guint bytes_per_frame, guint rate,
    gdouble drift_ppm, gboolean synchronised, const gchar *device_info)
{
  FfcCaptureStats none = { .device_present = TRUE };
  const FfcCaptureStats *c = capture != NULL ? capture : &none;

  out->samples_pushed = samples_pushed;
  out->samples_dropped = c->frames_dropped;
  out->xruns = c->xruns;
  out->gaps = c->gaps;
  out->samples_lost = c->frames_lost;
  out->restarts = c->restarts;
  out->child_pid = c->child_pid;
  out->queue_level_ns =
      (bytes_per_frame > 0 && rate > 0)
          ? (guint64)ffc_frames_to_ns (c->queued_bytes / bytes_per_frame, rate)
          : 0;
  out->queue_bytes = c->queued_bytes;
  out->drift_ppm = drift_ppm;
  out->clock_synchronised = synchronised;
  out->device_present = c->device_present;
  out->device_info = device_info != NULL ? device_info : "";
}

static const gchar *
or_null (const gchar *text)
{
  return text != NULL ? text : "(NULL)";
}

gchar *
ffc_item_describe_failure (const FfcItem *item, const gchar *device,
    const gchar *input_format, gboolean wait_for_device, gchar **details)
{
  if (item->type == FFC_ITEM_DEVICE_LOST) {
    *details = g_strdup (or_null (item->reason));
    return g_strdup_printf ("The capture device \"%s\" is absent: %s",
        or_null (device),
        wait_for_device ? "waiting for it"
                        : "restarting until it is back (max-restarts)");
  }
  *details = g_strdup_printf (
      "ffmpeg's last output:\n%s", or_null (item->stderr_tail));
  return g_strdup_printf (
      "Cannot capture from \"%s\" (input-format \"%s\"): %s", or_null (device),
      or_null (input_format), or_null (item->reason));
}

void
ffc_item_free (FfcItem *item)
{
  if (item == NULL)
    return;
  g_free (item->data);
  g_free (item->arrivals);
  g_free (item->reason);
  g_free (item->stderr_tail);
  g_free (item->device_info);
  g_free (item);
}

static FfcItem *
item_new (FfcItemType type)
{
  FfcItem *item = g_new0 (FfcItem, 1);
  item->type = type;
  item->run_start_wall_us = -1;
  return item;
}

static void
push_locked (FfcCapture *c, FfcItem *item)
{
  if (item->type == FFC_ITEM_DATA)
    c->queued_bytes += item->size;
  g_queue_push_tail (&c->items, item);
  c->stats.queued_bytes = c->queued_bytes;
  g_cond_broadcast (&c->cond);
}

static void hand_on (FfcCapture *c);

static void
push_event_info (FfcCapture *c, FfcItemType type, guint64 count,
    const gchar *reason, const gchar *stderr_tail, const gchar *device_info)
{
  FfcItem *item = item_new (type);

  hand_on (c); /* what was captured before it, first */
  item->count = count;
  item->reason = g_strdup (reason);
  item->stderr_tail = g_strdup (stderr_tail);
  item->device_info = g_strdup (device_info);
  g_mutex_lock (&c->lock);
  push_locked (c, item);
  g_mutex_unlock (&c->lock);
}

static void
push_event (FfcCapture *c, FfcItemType type, guint64 count, const gchar *reason,
    const gchar *stderr_tail)
{
  push_event_info (c, type, count, reason, stderr_tail, NULL);
}

/* Reports audio dropped since the last chunk that got through. */
static void
flush_pending_drop_locked (FfcCapture *c)
{
  if (c->pending_drop > 0) {
    FfcItem *dropped = item_new (FFC_ITEM_DROPPED);
    dropped->count = c->pending_drop;
    c->pending_drop = 0;
    push_locked (c, dropped);
  }
}

/* Hands the gathered chunk to the consumer, or drops it if the queue is
 * full. Once dropping, it goes on until the consumer has drained half the
 * queue, so that one stall makes one gap, not a gap at every chunk that
 * would squeeze in. An empty queue takes any chunk: one larger than the
 * queue (or than half of it) would otherwise be dropped for ever, and a
 * consumer that emptied the queue is keeping up. */
static void
hand_on (FfcCapture *c)
{
  gsize size = c->block_size, limit = c->config.queue_capacity;
  guint64 frames = size / c->config.frame_size;
  FfcArrival *last;

  if (size == 0)
    return;
  last = &g_array_index (
      c->block_arrivals, FfcArrival, c->block_arrivals->len - 1);
  g_mutex_lock (&c->lock);
  c->stats.frames_read += frames;
  /* A file or an unpaced source loses nothing by waiting: ffmpeg just
   * writes later. Only a live capture must never wait. */
  while (c->config.wait_when_full && !c->stopping && !c->flushing
         && c->queued_bytes > 0 && c->queued_bytes + size > limit)
    g_cond_wait (&c->cond, &c->lock);
  if (c->pending_drop > 0)
    limit /= 2;
  if (c->queued_bytes + size > limit && c->queued_bytes > 0) {
    c->pending_drop += frames;
    c->stats.frames_dropped += frames;
    g_array_set_size (c->block_arrivals, 0);
  } else {
    FfcItem *item = item_new (FFC_ITEM_DATA);
    gboolean after_gap = c->pending_drop > 0 || c->gap_before_next;

    flush_pending_drop_locked (c);
    item->data = c->block;
    item->size = size;
    item->frames = frames;
    item->run = c->run;
    item->run_offset = c->block_run_offset;
    item->after_gap = after_gap;
    c->gap_before_next = FALSE;
    item->arrival_us = last->arrival_us;
    item->n_arrivals = c->block_arrivals->len;
    item->arrivals = (FfcArrival *)g_array_free (c->block_arrivals, FALSE);
    item->run_start_wall_us = c->run_start_wall_us;
    push_locked (c, item);
    c->block = NULL;
    c->block_cap = 0;
    c->block_arrivals = g_array_new (FALSE, FALSE, sizeof (FfcArrival));
  }
  g_mutex_unlock (&c->lock);
  c->block_size = 0;
}

/* Gathers whole frames read at `arrival_us` into the chunk, and hands it
 * on once it holds block_frames. Fewer, larger chunks spare every element
 * downstream a trip per read; each read's arrival still reaches the time
 * model (FfcItem's arrivals). */
static void
gather (FfcCapture *c, const guint8 *data, gsize size, gint64 arrival_us)
{
  guint64 frames = size / c->config.frame_size;
  FfcArrival read;

  if (frames == 0)
    return;
  if (c->block_size == 0) {
    c->block_run_offset = c->run_offset;
    c->block_first_us = arrival_us;
  }
  if (c->block_size + size > c->block_cap) {
    c->block_cap = MAX (c->block_size + size,
        c->block_frames * c->config.frame_size + c->read_size);
    c->block = g_realloc (c->block, c->block_cap);
  }
  memcpy (c->block + c->block_size, data, size);
  c->block_size += size;
  c->run_offset += frames;
  c->run_frames += frames;
  read.end = c->run_offset;
  read.arrival_us = arrival_us;
  g_array_append_val (c->block_arrivals, read);
  if (c->block_size / c->config.frame_size >= MAX (c->block_frames, 1))
    hand_on (c);
}

/* The frames after a gap are stamped later by the time the gap lasted. */
static void
apply_gap (FfcCapture *c, const PendingGap *gap)
{
  FfcItem *item = item_new (FFC_ITEM_GAP);

  hand_on (c); /* a chunk holds no gap */
  c->run_offset += gap->lost;
  c->gap_before_next = TRUE;
  item->count = gap->lost;
  item->reason = g_strdup_printf ("ffmpeg's input timestamps jumped by "
                                  "%.1f ms",
      gap->jump_us / 1000.0);
  g_mutex_lock (&c->lock);
  c->stats.gaps++;
  c->stats.frames_lost += gap->lost;
  push_locked (c, item);
  g_mutex_unlock (&c->lock);
}

/* Delivers audio, split where ffmpeg's timestamps said audio is missing. */
static void
deliver (FfcCapture *c, const guint8 *data, gsize size, gint64 arrival_us)
{
  gsize frame = c->config.frame_size;

  while (size > 0) {
    PendingGap *gap = c->pending_gaps->len > 0
                          ? &g_array_index (c->pending_gaps, PendingGap, 0)
                          : NULL;
    guint64 frames = size / frame;

    if (gap != NULL && gap->at <= c->run_frames) {
      apply_gap (c, gap);
      g_array_remove_index (c->pending_gaps, 0);
      continue;
    }
    if (gap != NULL && gap->at < c->run_frames + frames) {
      gsize head = (gap->at - c->run_frames) * frame;
      gather (c, data, head, arrival_us);
      data += head;
      size -= head;
      continue;
    }
    gather (c, data, size, arrival_us);
    break;
  }
}

/* A gap FFC_GAPS_REPORT_FILTER found inside ffmpeg. */
static void
on_gap_report (FfcCapture *c, const FfcLine *line)
{
  FfcGap gap;
  PendingGap pending;

  if (!c->config.detect_gaps
      || !ffc_gap_from_report (
          line->gap_at_sample, line->gap_jump_us, line->frame_rate, &gap))
    return;
  /* input samples to output frames: ffmpeg may resample */
  pending.at = (guint64)gap.at_sample * c->config.rate / gap.rate;
  pending.lost =
      (guint64)((gap.lost_samples * (guint64)c->config.rate + gap.rate / 2)
                / gap.rate);
  pending.jump_us = gap.jump_us;
  if (pending.lost > 0)
    g_array_append_val (c->pending_gaps, pending);
}

static void
on_stderr_line (const FfcLine *line, gpointer user_data)
{
  FfcCapture *c = user_data;

  switch (line->kind) {
    case FFC_LINE_INPUT_START:
      if (line->start_seconds > WALL_CLOCK_EPOCH_MIN)
        c->run_start_wall_us = (gint64)(line->start_seconds * 1e6 + 0.5);
      break;
    case FFC_LINE_GAP:
      on_gap_report (c, line);
      break;
    case FFC_LINE_XRUN:
      g_mutex_lock (&c->lock);
      c->stats.xruns += line->count;
      g_mutex_unlock (&c->lock);
      push_event (c, FFC_ITEM_XRUN, line->count, line->text, NULL);
      break;
    default:
      break;
  }
  if (c->config.line_func)
    c->config.line_func (line, c->config.line_data);
}

/* Returns FALSE at end of file. Reads what is there, but at most
 * STDERR_MAX_READ: an ffmpeg that prints faster than we parse (a flood, or
 * a slowed process) must not keep the thread from the audio and from a stop
 * request; poll() brings it back. */
static gboolean
read_stderr (FfcCapture *c, gint fd)
{
  gchar buf[16384];
  gsize total = 0;

  while (total < STDERR_MAX_READ) {
    gssize n = read (fd, buf, sizeof (buf));
    if (n > 0) {
      ffc_stderr_parser_feed (c->parser, buf, n, on_stderr_line, c);
      total += n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return TRUE;
    ffc_stderr_parser_finish (c->parser, on_stderr_line, c);
    return FALSE;
  }
  return TRUE;
}

/* Returns FALSE at end of file. Reads once: poll() decides when to come back,
 * so stderr and a stop request are never starved by a fast producer. */
static gboolean
read_stdout (FfcCapture *c, FfcChild *child, gboolean *err_open)
{
  gint fd = child->stdout_fd;
  gssize n;
  gsize whole;

  do {
    n = read (fd, c->scratch + c->scratch_fill, c->read_size - c->scratch_fill);
  } while (n < 0 && errno == EINTR);
  if (n < 0)
    return errno == EAGAIN;
  if (n == 0)
    return FALSE;

  c->scratch_fill += n;
  /* ffmpeg reports a frame on stderr before it writes the frame's audio to
   * stdout: reading stderr now tells of every gap in what was just read. */
  if (c->config.detect_gaps && *err_open)
    *err_open = read_stderr (c, child->stderr_fd);
  whole = c->scratch_fill - c->scratch_fill % c->config.frame_size;
  if (whole > 0) {
    deliver (c, c->scratch, whole, g_get_monotonic_time ());
    memmove (c->scratch, c->scratch + whole, c->scratch_fill - whole);
    c->scratch_fill -= whole;
  }
  return TRUE;
}

/* A flag the consumer sets (stopping, finishing), read under the lock. */
static gboolean
read_flag (FfcCapture *c, const gboolean *flag)
{
  gboolean value;

  g_mutex_lock (&c->lock);
  value = *flag;
  g_mutex_unlock (&c->lock);
  return value;
}

#define is_stopping(c) read_flag ((c), &(c)->stopping)
#define is_finishing(c) read_flag ((c), &(c)->finishing)

static FfcRunEndKind
pump (FfcCapture *c, FfcChild *child)
{
  gboolean out_open = TRUE, err_open = TRUE;
  gint64 last_audio = g_get_monotonic_time ();
  gint64 out_closed_at = 0;
  gint64 finish_by = 0; /* set once ffmpeg was asked to finish */

  while (out_open || err_open) {
    struct pollfd fds[3];
    gint nfds = 0, out_i = -1, err_i = -1, timeout_ms, r;
    gint64 now = g_get_monotonic_time ();

    fds[nfds].fd = c->wake_fds[0];
    fds[nfds++].events = POLLIN;
    if (err_open) {
      err_i = nfds;
      fds[nfds].fd = child->stderr_fd;
      fds[nfds++].events = POLLIN;
    }
    if (out_open) {
      out_i = nfds;
      fds[nfds].fd = child->stdout_fd;
      fds[nfds++].events = POLLIN;
      timeout_ms = (last_audio + c->config.stall_timeout_us - now + 999) / 1000;
    } else {
      timeout_ms = (out_closed_at + EXIT_LINGER_US - now + 999) / 1000;
    }
    if (finish_by != 0) {
      /* ffmpeg did not finish in time: stop it the hard way */
      if (now >= finish_by)
        return FFC_RUN_STOPPED;
      timeout_ms = MIN (timeout_ms, (finish_by - now + 999) / 1000);
    }
    if (timeout_ms <= 0)
      return out_open ? FFC_RUN_STALLED : FFC_RUN_EXITED;
    /* a chunk waits for more reads at most block_us after its first */
    if (c->block_size > 0) {
      gint64 due = c->block_first_us + c->config.block_us;

      if (now >= due) {
        hand_on (c);
        continue;
      }
      timeout_ms = MIN (timeout_ms, (due - now + 999) / 1000);
    }

    r = poll (fds, nfds, timeout_ms);
    if (r < 0 && errno == EINTR)
      continue;
    if (fds[0].revents) {
      gchar drain[64];

      if (is_stopping (c))
        return FFC_RUN_STOPPED;
      /* asked to finish: ffmpeg flushes on SIGINT, and what it still writes
       * is read as usual until it exits */
      if (read (c->wake_fds[0], drain, sizeof (drain)) < 0 && errno != EINTR
          && errno != EAGAIN)
        return FFC_RUN_STOPPED;
      if (finish_by == 0 && is_finishing (c)) {
        ffc_child_interrupt (child);
        finish_by = g_get_monotonic_time () + FINISH_GRACE_US;
      }
      continue;
    }
    /* stderr first: ffmpeg writes its input dump (with the capture start
     * time) before the first audio. */
    if (err_i >= 0 && fds[err_i].revents)
      err_open = read_stderr (c, child->stderr_fd);
    if (out_i >= 0 && fds[out_i].revents) {
      guint64 before = c->run_frames;
      out_open = read_stdout (c, child, &err_open);
      if (c->run_frames != before)
        last_audio = g_get_monotonic_time ();
      if (!out_open)
        out_closed_at = g_get_monotonic_time ();
    }
  }
  return FFC_RUN_EXITED;
}

/* Waits for the backoff delay, or until asked to finish or stop. */
static void
wait_backoff (FfcCapture *c, gint64 delay_us)
{
  gint64 end = g_get_monotonic_time () + delay_us;

  g_mutex_lock (&c->lock);
  while (!c->stopping && !c->finishing
         && g_cond_wait_until (&c->cond, &c->lock, end))
    ;
  g_mutex_unlock (&c->lock);
}

static void
set_child_pid (FfcCapture *c, gint pid)
{
  g_mutex_lock (&c->lock);
  c->stats.child_pid = pid;
  g_mutex_unlock (&c->lock);
}

/* One run of ffmpeg, from spawn to reaped child: how it ended, and why
 * (`reason`) with ffmpeg's last lines (`tail`). */
static void
run_once (FfcCapture *c, FfcRunEnd *end, gchar **reason, gchar **tail,
    const gchar *restart_reason, const gchar *restart_tail)
{
  gint64 started = g_get_monotonic_time ();
  GError *error = NULL;
  FfcChild child;

  ffc_stderr_parser_reset (c->parser);
  c->scratch_fill = 0;
  c->run_offset = 0;
  c->run_frames = 0;
  c->run_start_wall_us = -1;
  g_array_set_size (c->pending_gaps, 0);
  c->gap_before_next = FALSE;
  memset (end, 0, sizeof (*end));

  if (!ffc_child_spawn (&child, (const gchar *const *)c->run_argv, &error)) {
    *reason = g_strdup_printf ("could not start ffmpeg: %s", error->message);
    *tail = g_strdup ("");
    g_clear_error (&error);
    end->kind = FFC_RUN_SPAWN_FAILED;
    return;
  }
  set_child_pid (c, child.pid);
  if (c->run > 0) {
    guint restarts;
    g_mutex_lock (&c->lock);
    restarts = ++c->stats.restarts;
    g_mutex_unlock (&c->lock);
    push_event_info (c, FFC_ITEM_RESTARTED, restarts, restart_reason,
        restart_tail, c->run_info);
  }

  end->kind = pump (c, &child);
  hand_on (c); /* the run's last reads */
  ffc_child_close_pipes (&child);
  if (end->kind == FFC_RUN_STALLED)
    ffc_child_kill (&child); /* maybe SIGSTOPped or wedged in a driver */
  else
    ffc_child_stop (&child, c->config.stop_grace_ms);
  set_child_pid (c, 0);

  *tail = ffc_stderr_parser_get_tail (c->parser);
  if (end->kind == FFC_RUN_STALLED) {
    *reason = g_strdup_printf ("ffmpeg delivered no audio for %.1f s%s%s",
        c->config.stall_timeout_us / 1e6, c->run_info ? " from " : "",
        c->run_info ? c->run_info : "");
  } else {
    gchar *exit_text = ffc_child_describe_exit (&child);
    gchar *last_error = ffc_stderr_parser_get_errors (c->parser);
    *reason = last_error ? g_strdup_printf ("%s: %s", exit_text, last_error)
                         : g_strdup (exit_text);
    g_free (exit_text);
    g_free (last_error);
  }
  end->exited_cleanly = ffc_child_exited_cleanly (&child);
  end->error_lines = ffc_stderr_parser_get_error_count (c->parser);
  end->frames = c->run_frames;
  end->duration_us = g_get_monotonic_time () - started;
}

static gchar *
error_text (
    const FfcCapture *c, const FfcRestartDecision *d, const gchar *reason)
{
  switch (d->why) {
    case FFC_RESTART_WHY_NO_AUDIO:
      return g_strdup ("ffmpeg ended without delivering any audio");
    case FFC_RESTART_WHY_NOT_LIVE:
      /* a file would start over from its beginning: repeated audio is no
       * recovery */
      return g_strdup_printf ("%s (the input is not live: restarting "
                              "would repeat it)",
          reason);
    case FFC_RESTART_WHY_TOO_MANY:
      return g_strdup_printf ("ffmpeg failed %u time%s in a row "
                              "(max-restarts=%d); last failure: %s",
          d->failures, d->failures == 1 ? "" : "s", c->config.max_restarts,
          reason);
    default:
      return g_strdup (reason);
  }
}

static void
set_device_present (FfcCapture *c, gboolean present)
{
  g_mutex_lock (&c->lock);
  c->stats.device_present = present;
  g_mutex_unlock (&c->lock);
}

/* Sleeps until `until` (monotonic), or until asked to finish or stop:
 * FALSE then. */
static gboolean
sleep_until (FfcCapture *c, gint64 until)
{
  gboolean go_on;

  g_mutex_lock (&c->lock);
  while (!c->stopping && !c->finishing
         && g_cond_wait_until (&c->cond, &c->lock, until))
    ;
  go_on = !c->stopping && !c->finishing;
  g_mutex_unlock (&c->lock);
  return go_on;
}

typedef enum {
  DEVICE_READY,   /* run_argv and run_info are this run's */
  DEVICE_ABSENT,  /* and not waited for: a failed run */
  DEVICE_TIMEOUT, /* waited device_wait.timeout_us in vain */
  DEVICE_STOPPED, /* asked to finish or stop while waiting */
} DeviceOutcome;

/* Before each run: the argv for the device as it is now, waiting for it
 * while it is absent as ffc_device_wait_observe () says. */
static DeviceOutcome
await_device (FfcCapture *c, gchar **why_out)
{
  g_clear_pointer (&c->run_argv, g_strfreev);
  g_clear_pointer (&c->run_info, g_free);
  if (c->config.argv_func == NULL) {
    c->run_argv = g_strdupv (c->config.argv);
    return DEVICE_READY;
  }
  for (;;) {
    gchar *why = NULL;
    gboolean present = c->config.argv_func (
        &c->run_argv, &c->run_info, &why, c->config.argv_data);
    FfcDeviceWaitDecision d = ffc_device_wait_observe (
        &c->device_wait, g_get_monotonic_time (), present);

    set_device_present (c, present);
    if (d.lost)
      push_event (c, FFC_ITEM_DEVICE_LOST, 0, why, NULL);
    if (d.action == FFC_DEVICE_WAIT_OPEN) {
      if (d.found)
        push_event_info (c, FFC_ITEM_DEVICE_FOUND, 0, NULL, NULL, c->run_info);
      g_free (why);
      return DEVICE_READY;
    }
    g_clear_pointer (&c->run_argv, g_strfreev);
    g_clear_pointer (&c->run_info, g_free);
    if (d.action == FFC_DEVICE_WAIT_GIVE_UP) {
      *why_out = why;
      return c->config.device_wait.wait ? DEVICE_TIMEOUT : DEVICE_ABSENT;
    }
    g_free (why);
    if (!sleep_until (c, d.next_us))
      return DEVICE_STOPPED;
  }
}

/* Runs ffmpeg, and again as the restart policy says, until the stream
 * ends (EOS), fails (ERROR) or the consumer goes (stop). Before each run,
 * the device is resolved, and waited for (await_device): a wait is no
 * failed run for the policy. */
static gpointer
capture_thread (gpointer data)
{
  FfcCapture *c = data;
  FfcRestartPolicy policy = {
    .max_restarts = c->config.max_restarts,
    .restart_on_error_exit = c->config.restart_on_error_exit,
    .no_restart = c->config.no_restart,
    .backoff_reset_run_us = BACKOFF_RESET_RUN_US,
  };
  FfcRestartState state = { 0 };
  gchar *last_reason = NULL, *last_tail = NULL;

  for (c->run = 0;; c->run++) {
    FfcRunEnd end = { FFC_RUN_NOT_STARTED };
    FfcRestartDecision d;
    gchar *reason = NULL, *tail = NULL;

    /* finishing or stopping during the backoff ends here: no new run */
    if (!is_stopping (c) && !is_finishing (c)) {
      switch (await_device (c, &reason)) {
        case DEVICE_READY:
          run_once (c, &end, &reason, &tail, last_reason, last_tail);
          break;
        case DEVICE_ABSENT:
          end.kind = FFC_RUN_SPAWN_FAILED;
          tail = g_strdup ("");
          break;
        case DEVICE_TIMEOUT: {
          gchar *text = g_strdup_printf ("the device was absent for "
                                         "device-timeout (%.1f s): %s",
              c->config.device_wait.timeout_us / 1e6, reason);
          push_event (c, FFC_ITEM_ERROR, 0, text, "");
          g_free (text);
          g_free (reason);
          goto done;
        }
        case DEVICE_STOPPED:
          break;
      }
    }
    g_mutex_lock (&c->lock);
    flush_pending_drop_locked (c);
    end.finishing = c->finishing;
    end.stopping = c->stopping;
    g_mutex_unlock (&c->lock);

    d = ffc_restart_decide (&end, &policy, &state);
    if (d.action == FFC_RESTART_EOS) {
      push_event (c, FFC_ITEM_EOS, 0, NULL, NULL);
    } else if (d.action == FFC_RESTART_ERROR) {
      gchar *text = error_text (c, &d, reason);
      push_event (c, FFC_ITEM_ERROR, 0, text, tail);
      g_free (text);
    }
    g_free (last_reason);
    g_free (last_tail);
    last_reason = reason;
    last_tail = tail;
    if (d.action != FFC_RESTART_RESTART)
      break;
    wait_backoff (c, d.delay_us);
  }

done:
  g_free (last_reason);
  g_free (last_tail);
  return NULL;
}

FfcCapture *
ffc_capture_new (const FfcCaptureConfig *config)
{
  FfcCapture *c = g_new0 (FfcCapture, 1);
  gsize frame = MAX (config->frame_size, 1);

  c->config = *config;
  c->config.frame_size = frame;
  c->config.argv = g_strdupv (config->argv);
  if (c->config.stall_timeout_us <= 0)
    c->config.stall_timeout_us = 2 * G_TIME_SPAN_SECOND;
  /* Reads small enough that the queue holds several of them, whole frames. */
  c->read_size =
      CLAMP (config->queue_capacity / 8, MIN_READ_SIZE, MAX_READ_SIZE);
  c->read_size = MAX (c->read_size - c->read_size % frame, frame) + frame;
  c->scratch = g_malloc (c->read_size);
  c->parser = ffc_stderr_parser_new (STDERR_MAX_LINE, STDERR_TAIL_LINES);
  c->pending_gaps = g_array_new (FALSE, FALSE, sizeof (PendingGap));
  c->block_arrivals = g_array_new (FALSE, FALSE, sizeof (FfcArrival));
  /* chunks of block_us, but small enough that the queue holds several */
  c->block_frames = MIN (
      (guint64)MAX (c->config.block_us, 0) * c->config.rate / G_USEC_PER_SEC,
      c->config.queue_capacity / 4 / frame);
  c->wake_fds[0] = c->wake_fds[1] = -1;
  c->stats.device_present = TRUE;
  ffc_device_wait_init (&c->device_wait, &c->config.device_wait);
  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
  g_queue_init (&c->items);
  return c;
}

gboolean
ffc_capture_start (FfcCapture *c, GError **error)
{
  g_return_val_if_fail (c->thread == NULL, FALSE);

  if (!g_unix_open_pipe (c->wake_fds, FD_CLOEXEC, error))
    return FALSE;
  c->thread = g_thread_try_new ("ffmpegsrc-capture", capture_thread, c, error);
  return c->thread != NULL;
}

FfcItem *
ffc_capture_pop (FfcCapture *c)
{
  FfcItem *item = NULL;

  g_mutex_lock (&c->lock);
  while (!c->flushing && g_queue_is_empty (&c->items))
    g_cond_wait (&c->cond, &c->lock);
  if (!c->flushing) {
    item = g_queue_pop_head (&c->items);
    if (item->type == FFC_ITEM_DATA) {
      c->queued_bytes -= item->size;
      g_cond_broadcast (&c->cond); /* room for a waiting reader */
    }
    c->stats.queued_bytes = c->queued_bytes;
  }
  g_mutex_unlock (&c->lock);
  return item;
}

void
ffc_capture_set_flushing (FfcCapture *c, gboolean flushing)
{
  g_mutex_lock (&c->lock);
  c->flushing = flushing;
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);
}

/* Ends the capture with everything captured so far: ffmpeg is asked to
 * finish (SIGINT: it writes what it holds and exits), all it wrote is
 * delivered, then an EOS item. A restart pending is not made. */
void
ffc_capture_finish (FfcCapture *c)
{
  gssize r;

  g_mutex_lock (&c->lock);
  c->finishing = TRUE;
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);
  if (c->wake_fds[1] >= 0) {
    do {
      r = write (c->wake_fds[1], "f", 1);
    } while (r < 0 && errno == EINTR);
  }
}

void
ffc_capture_get_stats (FfcCapture *c, FfcCaptureStats *stats)
{
  g_mutex_lock (&c->lock);
  *stats = c->stats;
  g_mutex_unlock (&c->lock);
}

void
ffc_capture_free (FfcCapture *c)
{
  if (c == NULL)
    return;

  g_mutex_lock (&c->lock);
  c->stopping = TRUE;
  c->flushing = TRUE;
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);

  if (c->thread != NULL) {
    gssize r;
    do {
      r = write (c->wake_fds[1], "x", 1);
    } while (r < 0 && errno == EINTR);
    g_thread_join (c->thread);
  }
  if (c->wake_fds[0] >= 0)
    g_close (c->wake_fds[0], NULL);
  if (c->wake_fds[1] >= 0)
    g_close (c->wake_fds[1], NULL);

  g_queue_clear_full (&c->items, (GDestroyNotify)ffc_item_free);
  ffc_stderr_parser_free (c->parser);
  g_array_unref (c->pending_gaps);
  g_array_unref (c->block_arrivals);
  g_free (c->block);
  g_free (c->scratch);
  g_strfreev (c->config.argv);
  g_strfreev (c->run_argv);
  g_free (c->run_info);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->cond);
  g_free (c);
}
