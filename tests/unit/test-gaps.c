/* Unit tests: gaps in ffmpeg's input timestamps. */
#include "ffc-gaps.h"

/* Feeds frames of `n` samples at `rate`, stamped as a device would be. */
static guint
feed_run (FfcGapDetector *d, gint64 *pts, guint frames, guint n, guint rate,
    gint64 jitter_us, FfcGap *gap)
{
  guint found = 0;

  for (guint i = 0; i < frames; i++) {
    gint64 noise = (i % 3 == 0) ? jitter_us : -jitter_us;
    if (ffc_gap_detector_feed (d, *pts + noise, n, rate, gap))
      found++;
    *pts += (gint64)n * 1000000 / rate;
  }
  return found;
}

static void
test_continuous_with_jitter (void)
{
  FfcGapDetector d;
  FfcGap gap;
  gint64 pts = 1795488192459822; /* wall clock, as ALSA gives */

  ffc_gap_detector_init (&d, 5000);
  /* 1 ms of timestamp jitter is no gap */
  g_assert_cmpuint (feed_run (&d, &pts, 1000, 4800, 384000, 1000, &gap), ==, 0);
  g_assert_cmpuint (d.samples, ==, 4800000);
}

static void
test_gap_found_where_and_how_long (void)
{
  FfcGapDetector d;
  FfcGap gap;
  gint64 pts = 0;

  ffc_gap_detector_init (&d, 5000);
  g_assert_cmpuint (feed_run (&d, &pts, 47, 1024, 48000, 0, &gap), ==, 0);
  /* the device loses half a second */
  pts += 500000;
  g_assert_true (ffc_gap_detector_feed (&d, pts, 1024, 48000, &gap));
  g_assert_cmpuint (gap.at_sample, ==, 47 * 1024);
  g_assert_cmpuint (gap.lost_samples, ==, 24000);
  /* the frames were stamped to the microsecond, truncated */
  g_assert_cmpint (gap.jump_us, >=, 499999);
  g_assert_cmpint (gap.jump_us, <=, 500001);
  g_assert_cmpuint (gap.rate, ==, 48000);
}

static void
test_small_and_backward_jumps (void)
{
  FfcGapDetector d;
  FfcGap gap;

  ffc_gap_detector_init (&d, 5000);
  g_assert_false (ffc_gap_detector_feed (&d, 0, 480, 48000, &gap));
  /* 4 ms late: below the threshold */
  g_assert_false (ffc_gap_detector_feed (&d, 14000, 480, 48000, &gap));
  /* timestamps going back lose nothing */
  g_assert_false (ffc_gap_detector_feed (&d, 0, 480, 48000, &gap));
  /* 6 ms late: a gap of 288 samples */
  g_assert_true (ffc_gap_detector_feed (&d, 16000, 480, 48000, &gap));
  g_assert_cmpuint (gap.lost_samples, ==, 288);
  g_assert_cmpuint (gap.at_sample, ==, 3 * 480);
}

static void
test_rate_change_resets (void)
{
  FfcGapDetector d;
  FfcGap gap;

  ffc_gap_detector_init (&d, 5000);
  g_assert_false (ffc_gap_detector_feed (&d, 0, 480, 48000, &gap));
  /* a new rate is a new stream: no gap measured across it */
  g_assert_false (ffc_gap_detector_feed (&d, 900000, 441, 44100, &gap));
  g_assert_false (ffc_gap_detector_feed (&d, 0, 441, 0, &gap));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gaps/continuous-with-jitter", test_continuous_with_jitter);
  g_test_add_func ("/gaps/found", test_gap_found_where_and_how_long);
  g_test_add_func ("/gaps/small-and-backward", test_small_and_backward_jumps);
  g_test_add_func ("/gaps/rate-change", test_rate_change_resets);
  return g_test_run ();
}
