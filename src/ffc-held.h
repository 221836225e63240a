/* gst-ffcapture: triggergate's held-back audio, and where decided ranges
 * fall in it
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_HELD_H__
#define __FFC_HELD_H__

#include <glib.h>

G_BEGIN_DECLS

/* No timestamp or offset (GST_CLOCK_TIME_NONE, GST_BUFFER_OFFSET_NONE). */
#define FFC_HELD_NONE G_MAXUINT64

/* Duration of `frames` frames at `rate` (ns), rounded to the nearest ns,
 * as gst_util_uint64_scale_int_round (frames, GST_SECOND, rate). */
guint64 ffc_held_frames_to_ns (guint64 frames, guint rate);

/* The stamps of frames [off, off + len) of a buffer stamped `pts` and
 * `offset` (FFC_HELD_NONE: none) at `rate`: the pts of its frame off, the
 * duration between the rounded times of frames off and off + len (so that
 * pieces tile the buffer's time exactly), the sample offsets. */
typedef struct {
  guint64 pts, duration;
  guint64 offset, offset_end;
} FfcHeldStamps;

void ffc_held_piece_stamps (guint64 pts, guint64 offset, guint rate,
    guint64 off, guint64 len, FfcHeldStamps *stamps);

/* Withheld time told downstream as GAP events: adjoining withheld spans
 * merge, up to `max_ns` each. */
typedef struct {
  guint64 start, end; /* [start, end), ns */
} FfcHeldSpan;

typedef struct {
  guint64 max_ns;
  gboolean pending;
  FfcHeldSpan span; /* the one being merged, when pending */
} FfcHeldGaps;

/* Buffers (of whole frames) and serialized events held back in stream
 * order, the buffers at consecutive sample positions from 0, and what a
 * decided range does to them. The items are opaque: the caller's buffers
 * and events, freed with the functions given. */
typedef struct _FfcHeld FfcHeld;

/* Withheld time goes out in gaps of at most `max_gap_ns`. */
FfcHeld *ffc_held_new (
    guint64 max_gap_ns, GDestroyNotify free_audio, GDestroyNotify free_event);
void ffc_held_free (FfcHeld *held);

/* Frees everything held (its frames not yet taken by ffc_held_step ()
 * count as withheld) and forgets a pending gap; positions count from 0
 * again. */
void ffc_held_clear (FfcHeld *held);

/* What became of the frames pushed, counted since the last
 * ffc_held_reset_counts (): received = passed + withheld + held. Safe to
 * read from any thread. */
typedef struct {
  guint64 received, passed, withheld, held;
} FfcHeldCounts;

void ffc_held_counts (FfcHeld *held, FfcHeldCounts *counts);
void ffc_held_reset_counts (FfcHeld *held);

/* The sample rate of the buffers to come, for their stamps. */
void ffc_held_set_rate (FfcHeld *held, guint rate);

/* `buffer` of `frames` frames (> 0) follows what is held, stamped `pts`
 * and `offset` (FFC_HELD_NONE: none), DISCONT or not; the queue owns it. */
void ffc_held_push_audio (FfcHeld *held, gpointer buffer, guint64 frames,
    guint64 pts, guint64 offset, gboolean discont);

/* `event` follows what is held; the queue owns it. */
void ffc_held_push_event (FfcHeld *held, gpointer event);

/* Frames pushed since the last clear. */
guint64 ffc_held_received (const FfcHeld *held);

gboolean ffc_held_is_empty (const FfcHeld *held);

/* The event at the head, now the caller's, or NULL when a buffer or
 * nothing is there. */
gpointer ffc_held_pop_event (FfcHeld *held);

/* TRUE with the withheld time not yet told, no longer pending. */
gboolean ffc_held_flush_gap (FfcHeld *held, FfcHeldSpan *gap);

typedef enum {
  FFC_HELD_EVENT,    /* push `item`, an event, now the caller's */
  FFC_HELD_GAP,      /* tell downstream that `gap` was withheld */
  FFC_HELD_PASS,     /* push frames [off, off + len) of `item` */
  FFC_HELD_WITHHOLD, /* frames [off, off + len) of `item` are withheld */
} FfcHeldKind;

typedef struct {
  FfcHeldKind kind;
  /* EVENT: the event; PASS, WITHHOLD: the buffer, borrowed unless `last`
   * (its last frames: it is no longer held, the caller frees it) */
  gpointer item;
  guint64 pos;      /* the buffer's first frame */
  guint64 off, len; /* the frames of the buffer this is about */
  gboolean last;
  gboolean whole;       /* PASS: all of the buffer, pass it as it is */
  gboolean event_first; /* PASS: the first piece of an event */
  gboolean discont;     /* PASS: the piece is DISCONT */
  FfcHeldStamps stamps; /* PASS, not whole: the piece's stamps */
  FfcHeldSpan gap;      /* GAP */
} FfcHeldAction;

/* Starts the next decided range, from the first sample not yet taken to
 * `end`: passed (inside an event; `event_start`: its first range) or
 * withheld. */
void ffc_held_begin (
    FfcHeld *held, guint64 end, gboolean pass, gboolean event_start);

/* The next thing to do for the range, in stream order: an event comes
 * out before the sample it preceded (withheld time before it told first),
 * a range cut by buffers in pieces, each withheld piece adding to the
 * gap; an event's start tells the pending gap. FALSE when the range is
 * done (the events that follow it stay held) or nothing more is held. */
gboolean ffc_held_step (FfcHeld *held, FfcHeldAction *action);

/* What an event's passed pieces tell of it, for its message: the offset
 * and running time (ns) of its first sample, the running time of its end,
 * the wall time (µs) given with its start. */
typedef struct {
  gboolean rt_known; /* its first piece had a running time */
  guint64 offset;    /* FFC_HELD_NONE: none */
  guint64 start_rt, end_rt;
  gint64 start_wall;
} FfcHeldEventSpan;

/* An event starts: nothing is known of it. */
void ffc_held_event_init (FfcHeldEventSpan *span);

/* Its next passed piece: the first one (`first`) gives the event's
 * `offset`, and its start when it had a timestamp (`stamped`) with a
 * running time (`start_rt`, FFC_HELD_NONE: none) and `start_wall`; once
 * the start is known, each stamped piece moves the end to its own
 * (`end_rt`, the running time of its end, whatever it is). */
void ffc_held_event_piece (FfcHeldEventSpan *span, gboolean first,
    guint64 offset, gboolean stamped, guint64 start_rt, gint64 start_wall,
    guint64 end_rt);

/* The running times of its start and end, and its start's wall time: those
 * of the pieces when its start was known, else FFC_HELD_NONE, NONE, 0. */
void ffc_held_event_times (const FfcHeldEventSpan *span, guint64 *start_rt,
    guint64 *end_rt, gint64 *start_wall);

/* Whether a passed piece is DISCONT: the first of an event is; else one
 * that starts a buffer keeps that buffer's flag. */
gboolean ffc_held_piece_discont (
    gboolean event_first, guint64 off, gboolean buffer_discont);

/* No gap pending; at most `max_ns` (> 0) in one gap. */
void ffc_held_gaps_init (FfcHeldGaps *gaps, guint64 max_ns);

/* [start, end) was withheld (nothing if start is FFC_HELD_NONE or
 * end <= start). Returns how many gaps (0 to 2) are due now, in order, in
 * `due`: the pending one when this one does not adjoin it, and the merged
 * one when it reached max_ns. */
guint ffc_held_gaps_add (
    FfcHeldGaps *gaps, guint64 start, guint64 end, FfcHeldSpan due[2]);

/* TRUE with the pending gap, no longer pending; FALSE if none is. */
gboolean ffc_held_gaps_flush (FfcHeldGaps *gaps, FfcHeldSpan *due);

G_END_DECLS

#endif
