/* Unit tests: ffmpegsrc's buffer timestamps (ffc-stamp), from sample counts
 * and one anchor per ffmpeg run. */
#include "ffc-stamp.h"

#define MS ((gint64)1000000)
#define S ((gint64)1000000000)

static void
test_continuous_run (void)
{
  FfcStamper st;
  FfcStamp s;
  guint64 offset = 0;

  ffc_stamper_init (&st);
  g_assert_true (ffc_stamper_needs_anchor (&st, 0));
  g_assert_true (
      ffc_stamper_stamp (&st, 0, 2 * S, TRUE, 48000, 0, 480, FALSE, &s));
  g_assert_true (s.new_run);
  g_assert_cmpint (s.pts, ==, 2 * S);
  g_assert_cmpint (s.end, ==, 2 * S + 10 * MS);
  g_assert_cmpuint (s.offset, ==, 0);
  g_assert_false (ffc_stamper_needs_anchor (&st, 0));
  /* later chunks follow from the count alone: the anchor passed is unused */
  for (guint i = 1; i < 100; i++) {
    gint64 prev_end = s.end;
    offset += 480;
    g_assert_true (
        ffc_stamper_stamp (&st, 0, 12345, TRUE, 48000, offset, 480, FALSE, &s));
    g_assert_false (s.new_run);
    g_assert_false (s.discont);
    g_assert_cmpint (s.pts, ==, prev_end);
    g_assert_cmpuint (s.offset, ==, offset);
  }
  /* 44.1 kHz: pts from the exact count, never accumulated rounding */
  ffc_stamper_init (&st);
  ffc_stamper_stamp (&st, 0, 0, TRUE, 44100, 0, 441 * 1000, FALSE, &s);
  g_assert_cmpint (s.end, ==, 10 * S);
  ffc_stamper_stamp (&st, 0, 0, TRUE, 44100, 1, 1, FALSE, &s);
  g_assert_cmpint (s.pts, ==, 22675); /* 1/44100 s, rounded down */
}

static void
test_live_clipped_to_the_sample (void)
{
  FfcStamper st;
  FfcStamp s;

  /* a live run that began 15.5 ms before running time 0: 744 of the first
   * 960 frames (20 ms at 48 kHz) are clipped, the 745th starts at >= 0 */
  ffc_stamper_init (&st);
  g_assert_true (
      ffc_stamper_stamp (&st, 0, -15500000, TRUE, 48000, 0, 960, FALSE, &s));
  g_assert_cmpuint (s.skip, ==, 744);
  g_assert_cmpuint (s.frames, ==, 216);
  g_assert_cmpint (s.pts, >=, 0);
  g_assert_cmpint (s.pts, <, 1000000000 / 48000);
  g_assert_cmpuint (s.offset, ==, 0);
  /* a run wholly before 0: nothing */
  ffc_stamper_init (&st);
  g_assert_false (
      ffc_stamper_stamp (&st, 0, -1 * S, TRUE, 48000, 0, 960, FALSE, &s));
  g_assert_true (s.new_run);
  g_assert_false (
      ffc_stamper_stamp (&st, 0, 0, TRUE, 48000, 960, 960, FALSE, &s));
  g_assert_false (s.new_run);
}

static void
test_not_live_starts_at_zero (void)
{
  FfcStamper st;
  FfcStamp s;

  /* a file was not captured at any moment: nothing is clipped */
  ffc_stamper_init (&st);
  g_assert_true (
      ffc_stamper_stamp (&st, 0, -3 * S, FALSE, 48000, 0, 960, FALSE, &s));
  g_assert_cmpuint (s.skip, ==, 0);
  g_assert_cmpint (s.pts, ==, 0);
}

static void
test_new_run_never_overlaps (void)
{
  FfcStamper st;
  FfcStamp s;

  ffc_stamper_init (&st);
  ffc_stamper_stamp (&st, 0, 0, TRUE, 48000, 0, 48000, FALSE, &s);
  g_assert_cmpint (s.end, ==, S);
  /* ffmpeg restarted; its anchor (900 ms) would overlap: moved after */
  g_assert_true (ffc_stamper_needs_anchor (&st, 1));
  ffc_stamper_stamp (&st, 1, 900 * MS, TRUE, 48000, 0, 480, FALSE, &s);
  g_assert_true (s.new_run);
  g_assert_true (s.discont);
  g_assert_cmpint (s.pts, ==, S);
  g_assert_cmpuint (s.offset, ==, 48000);
  /* a later run after a pause: the gap shows in pts and offsets */
  ffc_stamper_stamp (&st, 2, 3 * S, TRUE, 48000, 0, 480, FALSE, &s);
  g_assert_true (s.discont);
  g_assert_cmpint (s.pts, ==, 3 * S);
  g_assert_cmpuint (s.offset, ==, 3 * 48000);
  /* a gap inside a run: DISCONT, stamped after it by the offset */
  ffc_stamper_stamp (&st, 2, 0, TRUE, 48000, 480 + 4800, 480, TRUE, &s);
  g_assert_true (s.discont);
  g_assert_false (s.new_run);
  g_assert_cmpint (s.pts, ==, 3 * S + 110 * MS);
  /* new caps: a new ffmpeg, anchored anew, never before what was pushed */
  ffc_stamper_new_capture (&st);
  g_assert_true (ffc_stamper_needs_anchor (&st, 2));
  ffc_stamper_stamp (&st, 0, 0, TRUE, 48000, 0, 480, FALSE, &s);
  g_assert_cmpint (s.pts, ==, 3 * S + 120 * MS);
}

static void
test_anchor (void)
{
  FfcStamper st;
  gint64 clock_now = 100 * S, base = 90 * S;
  gint64 mono = 5000 * (gint64)1000000,
         wall = G_GINT64_CONSTANT (1795488192000000);

  ffc_stamper_init (&st);
  /* ffmpeg's capture start, 2 s ago on the wall clock: 8 s of running time */
  g_assert_cmpint (ffc_stamper_anchor (&st, clock_now, base, mono, wall,
                       wall - 2000000, mono, 500 * MS),
      ==, 8 * S);
  /* none: the arrival 100 ms ago, less the 500 ms the chunk ends */
  g_assert_cmpint (ffc_stamper_anchor (&st, clock_now, base, mono, wall, -1,
                       mono - 100000, 500 * MS),
      ==, 10 * S - 600 * MS);
  /* no clock: from the first arrival */
  g_assert_cmpint (
      ffc_stamper_anchor (&st, -1, 0, mono, wall, -1, mono, 100 * MS), ==,
      -100 * MS);
  g_assert_cmpint (
      ffc_stamper_anchor (&st, -1, 0, mono, wall, -1, mono + 2000000, 100 * MS),
      ==, 2 * S - 100 * MS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stamp/continuous-run", test_continuous_run);
  g_test_add_func (
      "/stamp/live-clipped-to-the-sample", test_live_clipped_to_the_sample);
  g_test_add_func (
      "/stamp/not-live-starts-at-zero", test_not_live_starts_at_zero);
  g_test_add_func (
      "/stamp/new-run-never-overlaps", test_new_run_never_overlaps);
  g_test_add_func ("/stamp/anchor", test_anchor);
  return g_test_run ();
}
