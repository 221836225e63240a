/* Unit tests: when besteffortsink rebuilds its branch (ffc-retry). */
#include "ffc-retry.h"

#define MS G_GUINT64_CONSTANT (1000000)
#define S G_GUINT64_CONSTANT (1000000000)

static void
test_delay_sequence (void)
{
  static const guint64 expected_s[] = { 1, 2, 4, 8, 16, 30, 30, 30 };
  guint64 d = 0;

  /* retry-delay 1 s: doubling up to 30 s */
  for (guint i = 0; i < G_N_ELEMENTS (expected_s); i++) {
    d = ffc_retry_next_delay (d, S);
    g_assert_cmpuint (d, ==, expected_s[i] * S);
  }
  /* a retry-delay above 30 s is kept, never doubled past itself */
  g_assert_cmpuint (ffc_retry_next_delay (0, 60 * S), ==, 60 * S);
  g_assert_cmpuint (ffc_retry_next_delay (60 * S, 60 * S), ==, 60 * S);
}

static void
test_fail_then_works (void)
{
  FfcRetry r;

  ffc_retry_init (&r);
  g_assert_cmpuint (ffc_retry_fail (&r, 100 * MS), ==, 100 * MS);
  g_assert_cmpuint (ffc_retry_fail (&r, 100 * MS), ==, 200 * MS);
  /* data flowed again: the next failure waits retry-delay */
  ffc_retry_works (&r);
  g_assert_cmpuint (ffc_retry_fail (&r, 100 * MS), ==, 100 * MS);
  ffc_retry_reset (&r);
  g_assert_cmpuint (ffc_retry_fail (&r, 300 * MS), ==, 300 * MS);
  ffc_retry_clear (&r);
}

static void
test_wait (void)
{
  FfcRetry r;
  gint64 start;

  ffc_retry_init (&r);
  /* a rebuild comes when due, not before */
  start = g_get_monotonic_time ();
  ffc_retry_fail (&r, 50 * MS);
  g_assert_cmpint (ffc_retry_wait (&r), ==, FFC_RETRY_REBUILD);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 50000);
  /* the EOS deadline first, when both are due; each cleared once told */
  ffc_retry_fail (&r, 10 * MS);
  ffc_retry_set_eos_deadline (&r, g_get_monotonic_time () + 5000);
  g_usleep (60000);
  g_assert_cmpint (ffc_retry_wait (&r), ==, FFC_RETRY_EOS_TIMEOUT);
  g_assert_cmpint (ffc_retry_wait (&r), ==, FFC_RETRY_REBUILD);
  /* stopped: at once, whatever is pending */
  ffc_retry_fail (&r, 3600 * S);
  ffc_retry_stop (&r);
  g_assert_cmpint (ffc_retry_wait (&r), ==, FFC_RETRY_STOP);
  ffc_retry_clear (&r);
}

static gpointer
stop_later (gpointer data)
{
  g_usleep (50000);
  ffc_retry_stop (data);
  return NULL;
}

static void
test_stop_wakes_the_waiter (void)
{
  FfcRetry r;
  GThread *t;

  ffc_retry_init (&r);
  t = g_thread_new ("stop", stop_later, &r);
  /* nothing due: it waits until stopped */
  g_assert_cmpint (ffc_retry_wait (&r), ==, FFC_RETRY_STOP);
  g_thread_join (t);
  ffc_retry_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/retry/delay-sequence", test_delay_sequence);
  g_test_add_func ("/retry/fail-then-works", test_fail_then_works);
  g_test_add_func ("/retry/wait", test_wait);
  g_test_add_func ("/retry/stop-wakes-the-waiter", test_stop_wakes_the_waiter);
  return g_test_run ();
}
