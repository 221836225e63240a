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

typedef struct {
  gpointer buffer; /* NULL for an event */
  gpointer event;
  guint64 pos; /* the buffer's first frame */
  guint64 frames;
} Item;

struct _FfcHeld {
  GDestroyNotify free_audio, free_event;
  GQueue items;     /* Item *, oldest first */
  guint64 received; /* frames pushed */
  guint64 taken;    /* frames handed out by ffc_held_next */
};

FfcHeld *
ffc_held_new (GDestroyNotify free_audio, GDestroyNotify free_event)
{
  FfcHeld *held = g_new0 (FfcHeld, 1);

  held->free_audio = free_audio;
  held->free_event = free_event;
  g_queue_init (&held->items);
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
  held->received = held->taken = 0;
}

void
ffc_held_free (FfcHeld *held)
{
  if (held == NULL)
    return;
  ffc_held_clear (held);
  g_free (held);
}

void
ffc_held_push_audio (FfcHeld *held, gpointer buffer, guint64 frames)
{
  Item *it = g_new0 (Item, 1);

  g_return_if_fail (buffer != NULL);
  it->buffer = buffer;
  it->pos = held->received;
  it->frames = frames;
  g_queue_push_tail (&held->items, it);
  held->received += frames;
}

void
ffc_held_push_event (FfcHeld *held, gpointer event)
{
  Item *it = g_new0 (Item, 1);

  g_return_if_fail (event != NULL);
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
ffc_held_next (FfcHeld *held, guint64 end, gpointer *event, FfcHeldPiece *piece)
{
  Item *it;

  *event = NULL;
  if (held->taken >= end)
    return FALSE;
  if ((*event = ffc_held_pop_event (held)) != NULL)
    return TRUE;
  it = g_queue_peek_head (&held->items);
  if (it == NULL)
    return FALSE; /* a range beyond what was received */
  piece->buffer = it->buffer;
  piece->pos = it->pos;
  piece->frames = it->frames;
  piece->off = held->taken - it->pos;
  piece->len = MIN (end, it->pos + it->frames) - held->taken;
  held->taken += piece->len;
  piece->last = held->taken == it->pos + it->frames;
  if (piece->last) {
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
