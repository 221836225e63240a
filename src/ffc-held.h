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

/* Buffers (of whole frames) and serialized events held back in stream
 * order, the buffers at consecutive sample positions from 0. The items
 * are opaque: the caller's buffers and events, freed with the functions
 * given. */
typedef struct _FfcHeld FfcHeld;

FfcHeld *ffc_held_new (GDestroyNotify free_audio, GDestroyNotify free_event);
void ffc_held_free (FfcHeld *held);

/* Frees everything held; positions count from 0 again. */
void ffc_held_clear (FfcHeld *held);

/* `buffer` of `frames` frames (> 0) follows what is held; the queue owns
 * it. */
void ffc_held_push_audio (FfcHeld *held, gpointer buffer, guint64 frames);

/* `event` follows what is held; the queue owns it. */
void ffc_held_push_event (FfcHeld *held, gpointer event);

/* Frames pushed since the last clear. */
guint64 ffc_held_received (const FfcHeld *held);

gboolean ffc_held_is_empty (const FfcHeld *held);

/* The event at the head, now the caller's, or NULL when a buffer or
 * nothing is there. */
gpointer ffc_held_pop_event (FfcHeld *held);

/* Frames [off, off + len) of `buffer`, a held buffer of `frames` frames
 * whose first frame is at `pos`. */
typedef struct {
  gpointer buffer; /* borrowed, unless `last` */
  guint64 pos, frames;
  guint64 off, len;
  gboolean last; /* they end the buffer: it is no longer held, the caller
                  * owns it and frees it */
} FfcHeldPiece;

/* Walks a decided range: the samples from the first one not yet taken up
 * to `end`. Returns TRUE with `*event` (the caller's) for an event that
 * comes before the next sample, TRUE with `*piece` (and `*event` NULL)
 * for the next piece of the range within one buffer, FALSE when the range
 * is done (events that follow it stay held) or nothing more is held. */
gboolean ffc_held_next (
    FfcHeld *held, guint64 end, gpointer *event, FfcHeldPiece *piece);

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

/* Whether a passed piece is DISCONT: the first of an event is; else one
 * that starts a buffer keeps that buffer's flag. */
gboolean ffc_held_piece_discont (
    gboolean event_first, guint64 off, gboolean buffer_discont);

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
