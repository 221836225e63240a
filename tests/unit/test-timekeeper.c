/* Unit tests: ffmpegsrc's side of the time model (ffc-timekeeper): when the
 * model is sent downstream, steps and the clock's synchronisation. The
 * clocks are fakes (ffc_clock_set_readers). */
#include <math.h>

#include "fake-clocks.h"
#include "ffc-timekeeper.h"

/* `n` chunks of 20 ms at 48 kHz, arriving on time; returns how many
 * published the model */
static guint
feed (FfcTimekeeper *tk, Clocks *clocks, guint64 *samples, guint n,
    FfcTimekeeperNews *last)
{
  guint published = 0;

  for (guint i = 0; i < n; i++) {
    *samples += 960;
    clocks->mono += 20000;
    clocks->wall += 20000;
    ffc_timekeeper_feed (tk, 48000, *samples, clocks->mono, FALSE,
        (gint64)(*samples * 1000000000 / 48000), last);
    if (last->publish)
      published++;
  }
  return published;
}

static void
test_new_run_published_once (void)
{
  Clocks clocks = { 1000000000, G_GINT64_CONSTANT (1795488192000000) };
  FfcTimekeeper tk = { 0 };
  FfcTimekeeperNews news;
  guint64 samples = 0;

  fake_clocks_install (&clocks);
  ffc_timekeeper_init (&tk, TRUE);
  ffc_timekeeper_new_run (&tk);
  /* the run's first buffer carries the model; the next ones do not (the
   * estimate moves only when a 2 s window closes, and on time it stays) */
  g_assert_cmpuint (feed (&tk, &clocks, &samples, 1, &news), ==, 1);
  g_assert_true (news.model.synchronised);
  g_assert_false (news.model.drift_known);
  g_assert_cmpuint (news.model.running_time_ns, ==, 20000000);
  /* captured when it arrived (on time): wall time of its end */
  g_assert_cmpint (ABS (news.model.wall_us - clocks.wall), <=, 1);
  g_assert_cmpuint (feed (&tk, &clocks, &samples, 50, &news), <=, 1);
  g_assert_true (isnan (ffc_timekeeper_drift_ppm (&tk)));
  /* a new run: sent again */
  ffc_timekeeper_new_run (&tk);
  samples = 0;
  g_assert_cmpuint (feed (&tk, &clocks, &samples, 1, &news), ==, 1);
  ffc_timekeeper_clear (&tk);
  ffc_clock_set_readers (NULL, NULL, NULL);
}

static void
test_clipped_chunk_keeps_it_due (void)
{
  Clocks clocks = { 1000000000, G_GINT64_CONSTANT (1795488192000000) };
  FfcTimekeeper tk = { 0 };
  FfcTimekeeperNews news;

  fake_clocks_install (&clocks);
  ffc_timekeeper_init (&tk, TRUE);
  ffc_timekeeper_new_run (&tk);
  /* no running time (captured before PLAYING): nothing sent, still due */
  ffc_timekeeper_feed (&tk, 48000, 960, clocks.mono, FALSE, -1, &news);
  g_assert_false (news.publish);
  clocks.mono += 20000;
  clocks.wall += 20000;
  ffc_timekeeper_feed (&tk, 48000, 1920, clocks.mono, FALSE, 0, &news);
  g_assert_true (news.publish);
  ffc_timekeeper_clear (&tk);
  ffc_clock_set_readers (NULL, NULL, NULL);
}

static void
test_step_reported_and_model_sent (void)
{
  Clocks clocks = { 1000000000, G_GINT64_CONSTANT (1795488192000000) };
  FfcTimekeeper tk = { 0 };
  FfcTimekeeperNews news;
  guint64 samples = 0;
  guint steps = 0, published = 0;

  fake_clocks_install (&clocks);
  ffc_timekeeper_init (&tk, TRUE);
  ffc_timekeeper_new_run (&tk);
  feed (&tk, &clocks, &samples, 20, &news);
  /* the wall clock steps 5 s forward */
  clocks.wall += 5000000;
  for (guint i = 0; i < 20; i++) {
    published += feed (&tk, &clocks, &samples, 1, &news);
    if (news.stepped) {
      steps++;
      g_assert_cmpint (news.step_us, ==, 5000000);
      /* and the model goes out with the same chunk, at the new time */
      g_assert_true (news.publish);
      g_assert_cmpint (ABS (news.model.wall_us - clocks.wall), <=, 1);
    }
  }
  g_assert_cmpuint (steps, ==, 1);
  g_assert_cmpuint (published, >=, 1);
  ffc_timekeeper_clear (&tk);
  ffc_clock_set_readers (NULL, NULL, NULL);
}

static void
test_synchronisation_change (void)
{
  Clocks clocks = { 1000000000, G_GINT64_CONSTANT (1795488192000000) };
  FfcTimekeeper tk = { 0 };
  FfcTimekeeperNews news;
  guint64 samples = 0;
  gboolean changed = FALSE;

  fake_clocks_install (&clocks);
  g_setenv (FFC_CLOCK_UNSYNCHRONISED_ENV, "0", TRUE);
  ffc_timekeeper_init (&tk, TRUE);
  ffc_timekeeper_new_run (&tk);
  feed (&tk, &clocks, &samples, 10, &news);
  /* the clock loses its synchronisation: seen within a second, and sent */
  g_setenv (FFC_CLOCK_UNSYNCHRONISED_ENV, "1", TRUE);
  for (guint i = 0; i < 60 && !changed; i++) {
    feed (&tk, &clocks, &samples, 1, &news);
    changed = news.sync_changed;
  }
  g_assert_true (changed);
  g_assert_false (tk.synchronised);
  g_assert_true (news.publish);
  g_assert_false (news.model.synchronised);
  g_setenv (FFC_CLOCK_UNSYNCHRONISED_ENV, "0", TRUE);
  ffc_timekeeper_clear (&tk);
  ffc_clock_set_readers (NULL, NULL, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func (
      "/timekeeper/new-run-published-once", test_new_run_published_once);
  g_test_add_func ("/timekeeper/clipped-chunk-keeps-it-due",
      test_clipped_chunk_keeps_it_due);
  g_test_add_func ("/timekeeper/step-reported-and-model-sent",
      test_step_reported_and_model_sent);
  g_test_add_func (
      "/timekeeper/synchronisation-change", test_synchronisation_change);
  return g_test_run ();
}
