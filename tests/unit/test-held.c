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

static void
assert_piece (FfcHeld *held, guint64 end, gpointer buffer, guint64 pos,
    guint64 off, guint64 len, gboolean last)
{
  gpointer event = &e1;
  FfcHeldPiece p;

  g_assert_true (ffc_held_next (held, end, &event, &p));
  g_assert_null (event);
  g_assert_true (p.buffer == buffer);
  g_assert_cmpuint (p.pos, ==, pos);
  g_assert_cmpuint (p.off, ==, off);
  g_assert_cmpuint (p.len, ==, len);
  g_assert_cmpint (p.last, ==, last);
}

static void
assert_event (FfcHeld *held, guint64 end, gpointer expected)
{
  gpointer event = NULL;
  FfcHeldPiece p;

  g_assert_true (ffc_held_next (held, end, &event, &p));
  g_assert_true (event == expected);
}

static void
assert_done (FfcHeld *held, guint64 end)
{
  gpointer event;
  FfcHeldPiece p;

  g_assert_false (ffc_held_next (held, end, &event, &p));
}

static void
test_ranges_over_buffers_and_events (void)
{
  FfcHeld *held = ffc_held_new (free_audio, free_event);

  freed_audio = freed_events = 0;
  g_assert_true (ffc_held_is_empty (held));
  ffc_held_push_audio (held, &a, 100);
  ffc_held_push_event (held, &e1);
  ffc_held_push_audio (held, &b, 50);
  ffc_held_push_event (held, &e2);
  ffc_held_push_audio (held, &c, 30);
  g_assert_cmpuint (ffc_held_received (held), ==, 180);

  /* [0, 120): all of a (now ours), e1 in its place, b's first 20 */
  assert_piece (held, 120, &a, 0, 0, 100, TRUE);
  assert_event (held, 120, &e1);
  assert_piece (held, 120, &b, 100, 0, 20, FALSE);
  assert_done (held, 120);
  /* [120, 150): the rest of b; e2 waits for the sample it preceded */
  assert_piece (held, 150, &b, 100, 20, 30, TRUE);
  assert_done (held, 150);
  g_assert_false (ffc_held_is_empty (held));
  /* an empty range (an event closed at the end) takes nothing */
  assert_done (held, 150);
  /* [150, 170) in two ranges of one buffer */
  assert_event (held, 160, &e2);
  assert_piece (held, 160, &c, 150, 0, 10, FALSE);
  assert_piece (held, 170, &c, 150, 10, 10, FALSE);
  /* the queue freed nothing it handed out */
  g_assert_cmpuint (freed_audio, ==, 0);
  g_assert_cmpuint (freed_events, ==, 0);
  /* a range beyond what was received stops at the end of it */
  assert_piece (held, 500, &c, 150, 20, 10, TRUE);
  assert_done (held, 500);
  g_assert_true (ffc_held_is_empty (held));
  g_assert_null (ffc_held_pop_event (held));
  ffc_held_free (held);
  g_assert_cmpuint (freed_audio, ==, 0);
}

static void
test_clear_frees_what_is_held (void)
{
  FfcHeld *held = ffc_held_new (free_audio, free_event);
  gpointer event;

  freed_audio = freed_events = 0;
  ffc_held_push_event (held, &e1);
  ffc_held_push_audio (held, &a, 10);
  ffc_held_push_event (held, &e2);
  ffc_held_push_audio (held, &b, 10);
  /* the leading event alone comes off the head */
  g_assert_true (ffc_held_pop_event (held) == &e1);
  g_assert_null (ffc_held_pop_event (held));
  assert_piece (held, 5, &a, 0, 0, 5, FALSE);
  ffc_held_clear (held);
  /* a (half out, still held), e2 and b */
  g_assert_cmpuint (freed_audio, ==, 2);
  g_assert_cmpuint (freed_events, ==, 1);
  g_assert_true (ffc_held_is_empty (held));
  /* positions count from 0 again */
  g_assert_cmpuint (ffc_held_received (held), ==, 0);
  ffc_held_push_audio (held, &c, 8);
  g_assert_false (ffc_held_next (held, 0, &event, &(FfcHeldPiece){ 0 }));
  assert_piece (held, 8, &c, 0, 0, 8, TRUE);
  ffc_held_push_event (held, &e1);
  ffc_held_free (held);
  g_assert_cmpuint (freed_audio, ==, 2);
  g_assert_cmpuint (freed_events, ==, 2);
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
  g_test_add_func ("/held/clear", test_clear_frees_what_is_held);
  g_test_add_func ("/held/gaps", test_gaps);
  return g_test_run ();
}
