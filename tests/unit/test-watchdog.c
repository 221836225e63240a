/* Unit tests: when the recorder pets systemd's watchdog. */
#include "ffc-watchdog.h"

#define S G_USEC_PER_SEC
#define T0 (G_GINT64_CONSTANT (1795490432) * S)

static void
test_flow (void)
{
  FfcWatchdog wd;

  ffc_watchdog_init (&wd, T0, 3 * S, 0);
  /* nothing before the first samples */
  g_assert_false (ffc_watchdog_check (&wd, T0 + 1 * S, 0));
  g_assert_true (ffc_watchdog_check (&wd, T0 + 2 * S, 4800));
  g_assert_true (ffc_watchdog_check (&wd, T0 + 3 * S, 9600));
  /* stalled: still within flow_timeout of the last growth */
  g_assert_true (ffc_watchdog_check (&wd, T0 + 5 * S, 9600));
  g_assert_true (ffc_watchdog_check (&wd, T0 + 6 * S, 9600));
  /* then no more */
  g_assert_false (ffc_watchdog_check (&wd, T0 + 6 * S + 1, 9600));
  g_assert_false (ffc_watchdog_check (&wd, T0 + 60 * S, 9600));
  /* flowing again */
  g_assert_true (ffc_watchdog_check (&wd, T0 + 61 * S, 9700));
}

static void
test_promotion (void)
{
  FfcWatchdog wd;
  gint64 t;

  ffc_watchdog_init (&wd, T0, 3 * S, 70 * S);
  /* audio flows, the first segment is not due yet */
  for (t = T0 + S; t <= T0 + 70 * S; t += S)
    g_assert_true (ffc_watchdog_check (&wd, t, (t - T0) / S * 48000));
  /* audio flows, but no segment came: not recording */
  g_assert_false (ffc_watchdog_check (&wd, T0 + 71 * S, 71 * 48000));
  ffc_watchdog_promoted (&wd, T0 + 72 * S);
  g_assert_true (ffc_watchdog_check (&wd, T0 + 72 * S, 72 * 48000));
  g_assert_true (ffc_watchdog_check (&wd, T0 + 142 * S, 142 * 48000));
  g_assert_false (ffc_watchdog_check (&wd, T0 + 143 * S, 143 * 48000));
  /* promoting but no audio: no pet either */
  ffc_watchdog_promoted (&wd, T0 + 144 * S);
  g_assert_true (ffc_watchdog_check (&wd, T0 + 144 * S, 144 * 48000));
  g_assert_false (ffc_watchdog_check (&wd, T0 + 150 * S, 144 * 48000));
}

static void
test_new_capture (void)
{
  FfcWatchdog wd;

  ffc_watchdog_init (&wd, T0, 3 * S, 0);
  g_assert_true (ffc_watchdog_check (&wd, T0 + S, 100000));
  /* a counter that starts over is no growth, but compared with its own
   * last value from then on */
  g_assert_false (ffc_watchdog_check (&wd, T0 + 10 * S, 10));
  g_assert_true (ffc_watchdog_check (&wd, T0 + 11 * S, 20));
  g_assert_true (ffc_watchdog_check (&wd, T0 + 14 * S, 20));
  g_assert_false (ffc_watchdog_check (&wd, T0 + 15 * S, 20));
}

static void
test_timeout (void)
{
  g_assert_cmpint (ffc_watchdog_promotion_timeout (60 * S), ==, 90 * S);
  g_assert_cmpint (ffc_watchdog_promotion_timeout (1 * S), ==, 11 * S);
  g_assert_cmpint (ffc_watchdog_promotion_timeout (600 * S), ==, 900 * S);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/watchdog/flow", test_flow);
  g_test_add_func ("/watchdog/promotion", test_promotion);
  g_test_add_func ("/watchdog/new-capture", test_new_capture);
  g_test_add_func ("/watchdog/timeout", test_timeout);
  return g_test_run ();
}
