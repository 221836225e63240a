/* Unit tests: triggergate's held-back audio (buffers and events in stream
 * order), the pieces a decided range makes of it, their stamps, and the
 * withheld time told as gaps, without a pipeline. */
#include "ffc-held.h"

static guint freed_audio, freed_events;

static void
free_audio (gpointer p)
{
  (void)p;
  freed_audio++;
}

static void
free_event (gpointer p)
{
  (void)p;
  freed_events++;
}

static void
test_frames_to_ns (void)
{
  g_assert_cmpuint (ffc_held_frames_to_ns (0, 48000), ==, 0);
  /* nearest ns, not truncated */
  g_assert_cmpuint (ffc_held_frames_to_ns (1, 3), ==, 333333333);
  g_assert_cmpuint (ffc_held_frames_to_ns (2, 3), ==, 666666667);
  g_assert_cmpuint (ffc_held_frames_to_ns (48000, 48000), ==, 1000000000);
  /* a day and a frame at 384 kHz: 1e9 / 384000 = 2604.17 ns */
  g_assert_cmpuint (ffc_held_frames_to_ns (86400ULL * 384000 + 1, 384000), ==,
      86400ULL * 1000000000 + 2604);
  /* frames · 10⁹ does not fit 64 bits, the result does */
  g_assert_cmpuint (
      ffc_held_frames_to_ns (G_GUINT64_CONSTANT (10000000000000), 1000), ==,
      G_GUINT64_CONSTANT (10000000000000000000));
}

static void
test_piece_stamps (void)
{
  FfcHeldStamps st;
  guint64 cuts[] = { 0, 1, 7, 300, 301, 999, 1000 }, next_pts;
  guint64 pts = G_GUINT64_CONSTANT (5000000000), total = 0;
  guint i;

  ffc_held_piece_stamps (1000000000, 48000, 48000, 100, 200, &st);
  g_assert_cmpuint (st.pts, ==, 1000000000 + 2083333);
  /* 300 frames at 6250000 ns minus 100 at 2083333 */
  g_assert_cmpuint (st.duration, ==, 6250000 - 2083333);
  g_assert_cmpuint (st.offset, ==, 48100);
  g_assert_cmpuint (st.offset_end, ==, 48300);

  /* pieces tile the buffer's time: each starts where the last ended */
  next_pts = pts;
  for (i = 0; i + 1 < G_N_ELEMENTS (cuts); i++) {
    ffc_held_piece_stamps (pts, 7, 44100, cuts[i], cuts[i + 1] - cuts[i], &st);
    g_assert_cmpuint (st.pts, ==, next_pts);
    next_pts = st.pts + st.duration;
    total += st.duration;
  }
  g_assert_cmpuint (total, ==, ffc_held_frames_to_ns (1000, 44100));

  /* what had no stamp gets none */
  ffc_held_piece_stamps (FFC_HELD_NONE, FFC_HELD_NONE, 48000, 10, 20, &st);
  g_assert_cmpuint (st.pts, ==, FFC_HELD_NONE);
  g_assert_cmpuint (st.duration, ==, FFC_HELD_NONE);
  g_assert_cmpuint (st.offset, ==, FFC_HELD_NONE);
  g_assert_cmpuint (st.offset_end, ==, FFC_HELD_NONE);
  ffc_held_piece_stamps (0, FFC_HELD_NONE, 48000, 48000, 1, &st);
  g_assert_cmpuint (st.pts, ==, 1000000000);
  g_assert_cmpuint (st.offset, ==, FFC_HELD_NONE);
}

static void
test_piece_discont (void)
{
  /* an event's first piece always */
  g_assert_true (ffc_held_piece_discont (TRUE, 0, FALSE));
  g_assert_true (ffc_held_piece_discont (TRUE, 40, FALSE));
  /* a DISCONT buffer stays so when its first frame goes out */
  g_assert_true (ffc_held_piece_discont (FALSE, 0, TRUE));
  /* not its later frames, nor a buffer that was not */
  g_assert_false (ffc_held_piece_discont (FALSE, 40, TRUE));
  g_assert_false (ffc_held_piece_discont (FALSE, 0, FALSE));
}

static gint a, b, c, e1, e2;

/* The next step: `kind`, and for audio the buffer, its frames and last */
static FfcHeldAction
step (FfcHeld *held, FfcHeldKind kind, gpointer item, guint64 off, guint64 len,
    gboolean last)
{
  FfcHeldAction act;

  g_assert_true (ffc_held_step (held, &act));
  g_assert_cmpint (act.kind, ==, kind);
  if (kind != FFC_HELD_GAP)
    g_assert_true (act.item == item);
  if (kind == FFC_HELD_PASS || kind == FFC_HELD_WITHHOLD) {
    g_assert_cmpuint (act.off, ==, off);
    g_assert_cmpuint (act.len, ==, len);
    g_assert_cmpint (act.last, ==, last);
  }
  return act;
}

static void
assert_done (FfcHeld *held)
{
  FfcHeldAction act;

  g_assert_false (ffc_held_step (held, &act));
}

static void
test_ranges_over_buffers_and_events (void)
{
  FfcHeld *held = ffc_held_new (1000000000, free_audio, free_event);
  FfcHeldAction act;

  freed_audio = freed_events = 0;
  ffc_held_set_rate (held, 1000); /* a frame is 1 ms */
  g_assert_true (ffc_held_is_empty (held));
  ffc_held_push_audio (held, &a, 100, 0, 0, TRUE);
  ffc_held_push_event (held, &e1);
  ffc_held_push_audio (held, &b, 50, 100000000, 100, FALSE);
  ffc_held_push_event (held, &e2);
  ffc_held_push_audio (held, &c, 30, FFC_HELD_NONE, FFC_HELD_NONE, FALSE);
  g_assert_cmpuint (ffc_held_received (held), ==, 180);

  /* an event [0, 120): all of a as it is (now ours; DISCONT as the event's
   * first), e1 in its place, b's first 20 */
  ffc_held_begin (held, 120, TRUE, TRUE);
  act = step (held, FFC_HELD_PASS, &a, 0, 100, TRUE);
  g_assert_true (act.whole);
  g_assert_true (act.discont);
  g_assert_true (act.event_first);
  step (held, FFC_HELD_EVENT, &e1, 0, 0, FALSE);
  act = step (held, FFC_HELD_PASS, &b, 0, 20, FALSE);
  g_assert_false (act.whole);
  g_assert_false (act.discont);
  g_assert_false (act.event_first);
  g_assert_cmpuint (act.pos, ==, 100);
  g_assert_cmpuint (act.stamps.pts, ==, 100000000);
  g_assert_cmpuint (act.stamps.duration, ==, 20000000);
  g_assert_cmpuint (act.stamps.offset, ==, 100);
  g_assert_cmpuint (act.stamps.offset_end, ==, 120);
  assert_done (held);

  /* withheld [120, 150): the rest of b, told as a gap; e2 waits for the
   * sample it preceded */
  ffc_held_begin (held, 150, FALSE, FALSE);
  step (held, FFC_HELD_WITHHOLD, &b, 20, 30, TRUE);
  assert_done (held);
  g_assert_false (ffc_held_is_empty (held));
  /* an empty range (an event closed at the end) takes nothing */
  ffc_held_begin (held, 150, TRUE, FALSE);
  assert_done (held);

  /* the next event: the gap first, then e2, then c unstamped */
  ffc_held_begin (held, 160, TRUE, TRUE);
  act = step (held, FFC_HELD_GAP, NULL, 0, 0, FALSE);
  g_assert_cmpuint (act.gap.start, ==, 120000000);
  g_assert_cmpuint (act.gap.end, ==, 150000000);
  step (held, FFC_HELD_EVENT, &e2, 0, 0, FALSE);
  act = step (held, FFC_HELD_PASS, &c, 0, 10, FALSE);
  g_assert_true (act.discont);
  g_assert_cmpuint (act.stamps.pts, ==, FFC_HELD_NONE);
  g_assert_cmpuint (act.stamps.offset, ==, FFC_HELD_NONE);
  assert_done (held);
  /* withheld audio without stamps makes no gap */
  ffc_held_begin (held, 170, FALSE, FALSE);
  step (held, FFC_HELD_WITHHOLD, &c, 10, 10, FALSE);
  assert_done (held);
  g_assert_false (ffc_held_flush_gap (held, &act.gap));
  /* the queue freed nothing it handed out */
  g_assert_cmpuint (freed_audio, ==, 0);
  g_assert_cmpuint (freed_events, ==, 0);
  /* a range beyond what was received stops at the end of it */
  ffc_held_begin (held, 500, TRUE, FALSE);
  step (held, FFC_HELD_PASS, &c, 20, 10, TRUE);
  assert_done (held);
  g_assert_true (ffc_held_is_empty (held));
  g_assert_null (ffc_held_pop_event (held));
  ffc_held_free (held);
  g_assert_cmpuint (freed_audio, ==, 0);
}

static void
test_withheld_time_is_told_in_gaps (void)
{
  FfcHeld *held = ffc_held_new (100000000, free_audio, free_event);
  FfcHeldAction act;
  guint i;

  ffc_held_set_rate (held, 1000);
  /* ten buffers of 30 ms, stamped back to back, then one 5 ms later */
  for (i = 0; i < 10; i++)
    ffc_held_push_audio (held, &a, 30, i * 30000000, FFC_HELD_NONE, FALSE);
  ffc_held_push_audio (held, &b, 30, 305000000, FFC_HELD_NONE, FALSE);
  ffc_held_begin (held, 330, FALSE, FALSE);
  /* merged up to 100 ms each: [0, 120), [120, 240) */
  for (i = 0; i < 10; i++) {
    step (held, FFC_HELD_WITHHOLD, &a, 0, 30, TRUE);
    if (i == 3 || i == 7) {
      act = step (held, FFC_HELD_GAP, NULL, 0, 0, FALSE);
      g_assert_cmpuint (act.gap.start, ==, (i - 3) * 30000000);
      g_assert_cmpuint (act.gap.end, ==, (i + 1) * 30000000);
    }
  }
  /* what does not adjoin ends the pending gap */
  step (held, FFC_HELD_WITHHOLD, &b, 0, 30, TRUE);
  act = step (held, FFC_HELD_GAP, NULL, 0, 0, FALSE);
  g_assert_cmpuint (act.gap.start, ==, 240000000);
  g_assert_cmpuint (act.gap.end, ==, 300000000);
  assert_done (held);
  /* the last one is pending until flushed */
  g_assert_true (ffc_held_flush_gap (held, &act.gap));
  g_assert_cmpuint (act.gap.start, ==, 305000000);
  g_assert_cmpuint (act.gap.end, ==, 335000000);
  g_assert_false (ffc_held_flush_gap (held, &act.gap));
  ffc_held_free (held);
}

static void
test_clear_frees_what_is_held (void)
{
  FfcHeld *held = ffc_held_new (100, free_audio, free_event);
  FfcHeldAction act;

  freed_audio = freed_events = 0;
  ffc_held_set_rate (held, 1000);
  ffc_held_push_event (held, &e1);
  ffc_held_push_audio (held, &a, 10, 0, 0, FALSE);
  ffc_held_push_event (held, &e2);
  ffc_held_push_audio (held, &b, 10, 10000000, 10, FALSE);
  /* the leading event alone comes off the head */
  g_assert_true (ffc_held_pop_event (held) == &e1);
  g_assert_null (ffc_held_pop_event (held));
  ffc_held_begin (held, 5, FALSE, FALSE);
  step (held, FFC_HELD_WITHHOLD, &a, 0, 5, FALSE);
  ffc_held_clear (held);
  /* a (half out, still held), e2 and b */
  g_assert_cmpuint (freed_audio, ==, 2);
  g_assert_cmpuint (freed_events, ==, 1);
  g_assert_true (ffc_held_is_empty (held));
  /* the pending gap is forgotten, positions count from 0 again */
  g_assert_false (ffc_held_flush_gap (held, &act.gap));
  g_assert_cmpuint (ffc_held_received (held), ==, 0);
  ffc_held_push_audio (held, &c, 8, 0, 0, FALSE);
  assert_done (held);
  ffc_held_begin (held, 8, TRUE, FALSE);
  act = step (held, FFC_HELD_PASS, &c, 0, 8, TRUE);
  g_assert_true (act.whole);
  g_assert_false (act.discont);
  ffc_held_push_event (held, &e1);
  ffc_held_free (held);
  g_assert_cmpuint (freed_audio, ==, 2);
  g_assert_cmpuint (freed_events, ==, 2);
}

static void
assert_counts (FfcHeld *held, guint64 received, guint64 passed,
    guint64 withheld, guint64 held_frames)
{
  FfcHeldCounts c;

  ffc_held_counts (held, &c);
  g_assert_cmpuint (c.received, ==, received);
  g_assert_cmpuint (c.passed, ==, passed);
  g_assert_cmpuint (c.withheld, ==, withheld);
  g_assert_cmpuint (c.held, ==, held_frames);
}

static void
test_counts (void)
{
  FfcHeld *held = ffc_held_new (100, NULL, NULL);

  ffc_held_set_rate (held, 1000);
  ffc_held_push_audio (held, &a, 100, 0, 0, FALSE);
  ffc_held_push_audio (held, &b, 50, 100000000, 100, FALSE);
  assert_counts (held, 150, 0, 0, 150);
  ffc_held_begin (held, 40, FALSE, FALSE);
  while (ffc_held_step (held, &(FfcHeldAction){ 0 }))
    ;
  ffc_held_begin (held, 100, TRUE, TRUE);
  while (ffc_held_step (held, &(FfcHeldAction){ 0 }))
    ;
  assert_counts (held, 150, 60, 40, 50);
  /* what is dropped undecided counts as withheld: nothing silently lost */
  ffc_held_clear (held);
  assert_counts (held, 150, 60, 90, 0);
  /* the counts go on across configurations */
  ffc_held_push_audio (held, &c, 30, 0, 0, FALSE);
  assert_counts (held, 180, 60, 90, 30);
  ffc_held_reset_counts (held);
  assert_counts (held, 0, 0, 0, 0);
  ffc_held_begin (held, 30, TRUE, TRUE);
  while (ffc_held_step (held, &(FfcHeldAction){ 0 }))
    ;
  assert_counts (held, 0, 30, 0, 0);
  ffc_held_free (held);
}

static void
assert_event_times (const FfcHeldEventSpan *span, guint64 start_rt,
    guint64 end_rt, gint64 start_wall)
{
  guint64 s, e;
  gint64 w;

  ffc_held_event_times (span, &s, &e, &w);
  g_assert_cmpuint (s, ==, start_rt);
  g_assert_cmpuint (e, ==, end_rt);
  g_assert_cmpint (w, ==, start_wall);
}

static void
test_event_span (void)
{
  FfcHeldEventSpan ev;

  /* the first piece starts it, each stamped one moves its end */
  ffc_held_event_init (&ev);
  g_assert_cmpuint (ev.offset, ==, FFC_HELD_NONE);
  assert_event_times (&ev, FFC_HELD_NONE, FFC_HELD_NONE, 0);
  ffc_held_event_piece (&ev, TRUE, 480, TRUE, 1000, 77, 1010);
  g_assert_cmpuint (ev.offset, ==, 480);
  assert_event_times (&ev, 1000, 1010, 77);
  ffc_held_event_piece (&ev, FALSE, 490, TRUE, 1010, 99, 1020);
  g_assert_cmpuint (ev.offset, ==, 480);
  assert_event_times (&ev, 1000, 1020, 77);
  /* an unstamped piece tells nothing of the end */
  ffc_held_event_piece (&ev, FALSE, 500, FALSE, FFC_HELD_NONE, 0, 5);
  assert_event_times (&ev, 1000, 1020, 77);
  /* a stamped one outside the segment: its end is unknown */
  ffc_held_event_piece (&ev, FALSE, 510, TRUE, 1030, 0, FFC_HELD_NONE);
  assert_event_times (&ev, 1000, FFC_HELD_NONE, 77);

  /* a first piece without a timestamp: only the offset is known, and
   * later stamped pieces do not make up a start */
  ffc_held_event_init (&ev);
  ffc_held_event_piece (&ev, TRUE, 7, FALSE, FFC_HELD_NONE, 0, 0);
  ffc_held_event_piece (&ev, FALSE, 17, TRUE, 2000, 5, 2010);
  g_assert_cmpuint (ev.offset, ==, 7);
  assert_event_times (&ev, FFC_HELD_NONE, FFC_HELD_NONE, 0);
  /* stamped, but before the segment: no running time, the same */
  ffc_held_event_init (&ev);
  ffc_held_event_piece (&ev, TRUE, FFC_HELD_NONE, TRUE, FFC_HELD_NONE, 0, 10);
  ffc_held_event_piece (&ev, FALSE, FFC_HELD_NONE, TRUE, 10, 0, 20);
  g_assert_cmpuint (ev.offset, ==, FFC_HELD_NONE);
  assert_event_times (&ev, FFC_HELD_NONE, FFC_HELD_NONE, 0);
}

static void
assert_span (const FfcHeldSpan *s, guint64 start, guint64 end)
{
  g_assert_cmpuint (s->start, ==, start);
  g_assert_cmpuint (s->end, ==, end);
}

static void
test_gaps (void)
{
  FfcHeldGaps g;
  FfcHeldSpan due[2];

  ffc_held_gaps_init (&g, 100);
  g_assert_false (ffc_held_gaps_flush (&g, &due[0]));
  /* adjoining spans merge until they reach the longest gap */
  g_assert_cmpuint (ffc_held_gaps_add (&g, 0, 30, due), ==, 0);
  g_assert_cmpuint (ffc_held_gaps_add (&g, 30, 60, due), ==, 0);
  g_assert_cmpuint (ffc_held_gaps_add (&g, 60, 100, due), ==, 1);
  assert_span (&due[0], 0, 100);
  g_assert_false (ffc_held_gaps_flush (&g, &due[0]));
  /* one that does not adjoin tells the pending one first */
  g_assert_cmpuint (ffc_held_gaps_add (&g, 100, 120, due), ==, 0);
  g_assert_cmpuint (ffc_held_gaps_add (&g, 130, 140, due), ==, 1);
  assert_span (&due[0], 100, 120);
  g_assert_true (ffc_held_gaps_flush (&g, &due[0]));
  assert_span (&due[0], 130, 140);
  g_assert_false (ffc_held_gaps_flush (&g, &due[0]));
  /* both at once, in order */
  g_assert_cmpuint (ffc_held_gaps_add (&g, 0, 10, due), ==, 0);
  g_assert_cmpuint (ffc_held_gaps_add (&g, 20, 200, due), ==, 2);
  assert_span (&due[0], 0, 10);
  assert_span (&due[1], 20, 200);
  /* no time, or no stamp: nothing */
  g_assert_cmpuint (ffc_held_gaps_add (&g, 50, 50, due), ==, 0);
  g_assert_cmpuint (ffc_held_gaps_add (&g, 60, 50, due), ==, 0);
  g_assert_cmpuint (ffc_held_gaps_add (&g, FFC_HELD_NONE, 5, due), ==, 0);
  g_assert_false (ffc_held_gaps_flush (&g, &due[0]));
  /* init forgets a pending gap */
  g_assert_cmpuint (ffc_held_gaps_add (&g, 0, 10, due), ==, 0);
  ffc_held_gaps_init (&g, 100);
  g_assert_false (ffc_held_gaps_flush (&g, &due[0]));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/held/frames-to-ns", test_frames_to_ns);
  g_test_add_func ("/held/piece-stamps", test_piece_stamps);
  g_test_add_func ("/held/piece-discont", test_piece_discont);
  g_test_add_func ("/held/ranges", test_ranges_over_buffers_and_events);
  g_test_add_func ("/held/withheld-gaps", test_withheld_time_is_told_in_gaps);
  g_test_add_func ("/held/clear", test_clear_frees_what_is_held);
  g_test_add_func ("/held/counts", test_counts);
  g_test_add_func ("/held/event-span", test_event_span);
  g_test_add_func ("/held/gaps", test_gaps);
  return g_test_run ();
}
