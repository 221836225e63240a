/* gst-ffcapture: triggergate's held-back audio, and where decided ranges
 * fall in it
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The trigger decides sample ranges; the audio arrives in buffers of any
 * size, with the stream's serialized events between them. A range maps to
 * pieces of consecutive buffers, each piece keeping the stamps its frames
 * had; the events go out in their place, before the first sample that
 * followed them.
 */
#include "ffc-held.h"

#include <string.h>

typedef struct {
  gpointer buffer; /* NULL for an event */
  gpointer event;
  guint64 pos; /* the buffer's first frame */
  guint64 frames;
  guint64 pts, offset;
  gboolean discont;
} Item;

struct _FfcHeld {
  GDestroyNotify free_audio, free_event;
  guint rate;
  GQueue items;     /* Item *, oldest first */
  guint64 received; /* frames pushed */
  guint64 taken;    /* frames handed out by ffc_held_step */
  FfcHeldGaps gaps;
  GMutex lock; /* for the counts */
  FfcHeldCounts counts;
  /* the range being applied */
  guint64 end;
  gboolean pass, first;
  FfcHeldSpan due[2]; /* gaps to tell before anything else */
  guint n_due;
};

FfcHeld *
ffc_held_new (
    guint64 max_gap_ns, GDestroyNotify free_audio, GDestroyNotify free_event)
{
  FfcHeld *held = g_new0 (FfcHeld, 1);

  held->free_audio = free_audio;
  held->free_event = free_event;
  held->rate = 1;
  g_queue_init (&held->items);
  ffc_held_gaps_init (&held->gaps, max_gap_ns);
  g_mutex_init (&held->lock);
  return held;
}

void
ffc_held_clear (FfcHeld *held)
{
  Item *it;

  while ((it = g_queue_pop_head (&held->items)) != NULL) {
    if (it->buffer != NULL && held->free_audio != NULL)
      held->free_audio (it->buffer);
    if (it->event != NULL && held->free_event != NULL)
      held->free_event (it->event);
    g_free (it);
  }
  g_mutex_lock (&held->lock);
  held->counts.withheld += held->received - held->taken;
  g_mutex_unlock (&held->lock);
  held->received = held->taken = held->end = 0;
  held->n_due = 0;
  ffc_held_gaps_init (&held->gaps, held->gaps.max_ns);
}

void
ffc_held_free (FfcHeld *held)
{
  if (held == NULL)
    return;
  ffc_held_clear (held);
  g_mutex_clear (&held->lock);
  g_free (held);
}

void
ffc_held_set_rate (FfcHeld *held, guint rate)
{
  held->rate = MAX (rate, 1);
}

void
ffc_held_push_audio (FfcHeld *held, gpointer buffer, guint64 frames,
    guint64 pts, guint64 offset, gboolean discont)
{
  Item *it = g_new0 (Item, 1);

  it->buffer = buffer;
  it->pos = held->received;
  it->frames = frames;
  it->pts = pts;
  it->offset = offset;
  it->discont = discont;
  g_queue_push_tail (&held->items, it);
  held->received += frames;
  g_mutex_lock (&held->lock);
  held->counts.received += frames;
  g_mutex_unlock (&held->lock);
}

void
ffc_held_counts (FfcHeld *held, FfcHeldCounts *counts)
{
  g_mutex_lock (&held->lock);
  *counts = held->counts;
  g_mutex_unlock (&held->lock);
  counts->held = counts->received > counts->passed + counts->withheld
                     ? counts->received - counts->passed - counts->withheld
                     : 0;
}

void
ffc_held_reset_counts (FfcHeld *held)
{
  g_mutex_lock (&held->lock);
  memset (&held->counts, 0, sizeof held->counts);
  g_mutex_unlock (&held->lock);
}

void
ffc_held_push_event (FfcHeld *held, gpointer event)
{
  Item *it = g_new0 (Item, 1);

  it->event = event;
  it->pos = held->received;
  g_queue_push_tail (&held->items, it);
}

guint64
ffc_held_received (const FfcHeld *held)
{
  return held->received;
}

gboolean
ffc_held_is_empty (const FfcHeld *held)
{
  return held->items.length == 0;
}

gpointer
ffc_held_pop_event (FfcHeld *held)
{
  Item *it = g_queue_peek_head (&held->items);
  gpointer event;

  if (it == NULL || it->buffer != NULL)
    return NULL;
  g_queue_pop_head (&held->items);
  event = it->event;
  g_free (it);
  return event;
}

gboolean
ffc_held_flush_gap (FfcHeld *held, FfcHeldSpan *gap)
{
  return ffc_held_gaps_flush (&held->gaps, gap);
}

void
ffc_held_begin (FfcHeld *held, guint64 end, gboolean pass, gboolean event_start)
{
  held->end = end;
  held->pass = pass;
  held->first = event_start;
  held->n_due = 0;
  /* the time withheld before an event is told before it */
  if (event_start && ffc_held_gaps_flush (&held->gaps, &held->due[0]))
    held->n_due = 1;
}

gboolean
ffc_held_step (FfcHeld *held, FfcHeldAction *a)
{
  Item *it;
  guint rate = held->rate;

  memset (a, 0, sizeof *a);
  if (held->n_due > 0) {
    a->kind = FFC_HELD_GAP;
    a->gap = held->due[0];
    held->due[0] = held->due[1];
    held->n_due--;
    return TRUE;
  }
  if (held->taken >= held->end
      || (it = g_queue_peek_head (&held->items)) == NULL)
    return FALSE; /* done, or a range beyond what was received */
  if (it->buffer == NULL) {
    /* downstream learns of the time withheld before the event */
    if (ffc_held_gaps_flush (&held->gaps, &a->gap)) {
      a->kind = FFC_HELD_GAP;
      return TRUE;
    }
    a->kind = FFC_HELD_EVENT;
    a->item = ffc_held_pop_event (held);
    return TRUE;
  }
  a->item = it->buffer;
  a->pos = it->pos;
  a->off = held->taken - it->pos;
  a->len = MIN (held->end, it->pos + it->frames) - held->taken;
  if (held->pass) {
    a->kind = FFC_HELD_PASS;
    a->whole = a->off == 0 && a->len == it->frames;
    a->event_first = held->first;
    a->discont = ffc_held_piece_discont (held->first, a->off, it->discont);
    ffc_held_piece_stamps (
        it->pts, it->offset, rate, a->off, a->len, &a->stamps);
    held->first = FALSE;
  } else {
    a->kind = FFC_HELD_WITHHOLD;
    if (it->pts != FFC_HELD_NONE)
      held->n_due = ffc_held_gaps_add (&held->gaps,
          it->pts + ffc_held_frames_to_ns (a->off, rate),
          it->pts + ffc_held_frames_to_ns (a->off + a->len, rate), held->due);
  }
  held->taken += a->len;
  g_mutex_lock (&held->lock);
  if (held->pass)
    held->counts.passed += a->len;
  else
    held->counts.withheld += a->len;
  g_mutex_unlock (&held->lock);
  a->last = held->taken == it->pos + it->frames;
  if (a->last) {
    g_queue_pop_head (&held->items);
    g_free (it);
  }
  return TRUE;
}

guint64
ffc_held_frames_to_ns (guint64 frames, guint rate)
{
  /* (frames · 10⁹ + rate / 2) / rate without overflowing 64 bits */
  guint64 whole = frames / rate, rest = frames % rate;

  return whole * G_GUINT64_CONSTANT (1000000000)
         + (rest * G_GUINT64_CONSTANT (1000000000) + rate / 2) / rate;
}

void
ffc_held_piece_stamps (guint64 pts, guint64 offset, guint rate, guint64 off,
    guint64 len, FfcHeldStamps *s)
{
  s->pts = s->duration = FFC_HELD_NONE;
  if (pts != FFC_HELD_NONE) {
    s->pts = pts + ffc_held_frames_to_ns (off, rate);
    s->duration = ffc_held_frames_to_ns (off + len, rate)
                  - ffc_held_frames_to_ns (off, rate);
  }
  s->offset = s->offset_end = FFC_HELD_NONE;
  if (offset != FFC_HELD_NONE) {
    s->offset = offset + off;
    s->offset_end = s->offset + len;
  }
}

gboolean
ffc_held_piece_discont (
    gboolean event_first, guint64 off, gboolean buffer_discont)
{
  return event_first || (off == 0 && buffer_discont);
}

void
ffc_held_gaps_init (FfcHeldGaps *gaps, guint64 max_ns)
{
  gaps->max_ns = max_ns;
  gaps->pending = FALSE;
  gaps->span.start = gaps->span.end = 0;
}

gboolean
ffc_held_gaps_flush (FfcHeldGaps *gaps, FfcHeldSpan *due)
{
  if (!gaps->pending)
    return FALSE;
  gaps->pending = FALSE;
  *due = gaps->span;
  return TRUE;
}

guint
ffc_held_gaps_add (
    FfcHeldGaps *gaps, guint64 start, guint64 end, FfcHeldSpan due[2])
{
  guint n = 0;

  if (start == FFC_HELD_NONE || end <= start)
    return 0;
  if (gaps->pending && start != gaps->span.end)
    n += ffc_held_gaps_flush (gaps, &due[n]);
  if (!gaps->pending) {
    gaps->pending = TRUE;
    gaps->span.start = start;
  }
  gaps->span.end = end;
  if (gaps->span.end - gaps->span.start >= gaps->max_ns)
    n += ffc_held_gaps_flush (gaps, &due[n]);
  return n;
}

void
ffc_held_event_init (FfcHeldEventSpan *span)
{
  span->rt_known = FALSE;
  span->offset = FFC_HELD_NONE;
  span->start_rt = span->end_rt = FFC_HELD_NONE;
  span->start_wall = 0;
}

void
ffc_held_event_piece (FfcHeldEventSpan *span, gboolean first, guint64 offset,
    gboolean stamped, guint64 start_rt, gint64 start_wall, guint64 end_rt)
{
  if (first) {
    span->offset = offset;
    if (stamped) {
      span->start_rt = start_rt;
      span->rt_known = start_rt != FFC_HELD_NONE;
      span->start_wall = start_wall;
    }
  }
  if (span->rt_known && stamped)
    span->end_rt = end_rt;
}

void
ffc_held_event_times (const FfcHeldEventSpan *span, guint64 *start_rt,
    guint64 *end_rt, gint64 *start_wall)
{
  *start_rt = span->rt_known ? span->start_rt : FFC_HELD_NONE;
  *end_rt = span->rt_known ? span->end_rt : FFC_HELD_NONE;
  *start_wall = span->rt_known ? span->start_wall : 0;
}
