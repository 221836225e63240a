/* Unit tests: the restart policy of ffc-capture (ffc_restart_decide), which
 * decides from how a run of ffmpeg ended what comes next. No child. */
#include <string.h>

#include "ffc-capture.h"

#define MS ((gint64)1000)
#define S ((gint64)1000000)

static const FfcRestartPolicy live = {
  .max_restarts = -1,
  .restart_on_error_exit = TRUE,
  .no_restart = FALSE,
  .backoff_reset_run_us = 10 * S,
};

/* a run that delivered audio for `duration_us` and then failed */
static FfcRunEnd
failed_after_audio (gint64 duration_us)
{
  FfcRunEnd end = { FFC_RUN_EXITED };

  end.exited_cleanly = FALSE;
  end.frames = 48000;
  end.duration_us = duration_us;
  return end;
}

/* a run that failed before any audio */
static FfcRunEnd
failed_at_once (void)
{
  FfcRunEnd end = { FFC_RUN_EXITED };

  end.duration_us = 50 * MS;
  return end;
}

static void
test_stop_is_quiet (void)
{
  FfcRestartState state = { 0 };
  FfcRunEnd end = failed_after_audio (S);
  FfcRestartDecision d;

  /* the consumer is gone: whatever happened, nothing is told */
  end.stopping = TRUE;
  end.finishing = TRUE;
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_QUIT);
  end = (FfcRunEnd){ FFC_RUN_STOPPED };
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_QUIT);
}

static void
test_finish_is_eos (void)
{
  FfcRestartState state = { 0 };
  FfcRunEnd end = failed_after_audio (S);
  FfcRestartDecision d;

  /* asked to finish: ffmpeg's exit (even a failure, even a kill after the
   * grace time) ends the stream normally */
  end.finishing = TRUE;
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_EOS);
  end.kind = FFC_RUN_STOPPED;
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_EOS);
}

/* issue 13, item 2: EOS asked for while waiting to restart ends the
 * stream, with no new run */
static void
test_finish_during_backoff_is_eos (void)
{
  FfcRestartState state = { 0 };
  FfcRunEnd end = failed_after_audio (500 * MS);
  FfcRestartDecision d = ffc_restart_decide (&end, &live, &state);

  g_assert_cmpint (d.action, ==, FFC_RESTART_RESTART);
  end = (FfcRunEnd){ FFC_RUN_NOT_STARTED, .finishing = TRUE };
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_EOS);
  /* stopped during the backoff: quiet */
  end = (FfcRunEnd){ FFC_RUN_NOT_STARTED, .stopping = TRUE };
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_QUIT);
}

static void
test_clean_exit (void)
{
  FfcRestartState state = { 0 };
  FfcRunEnd end = { FFC_RUN_EXITED, .exited_cleanly = TRUE, .frames = 96000 };
  FfcRestartDecision d;

  /* a file or a lavfi source that ends: EOS */
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_EOS);

  /* a clean exit without any audio ever: an ERROR that says so */
  state = (FfcRestartState){ 0 };
  end.frames = 0;
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_ERROR);
  g_assert_cmpint (d.why, ==, FFC_RESTART_WHY_NO_AUDIO);

  /* a clean exit of a later run without audio, audio seen before: EOS */
  state = (FfcRestartState){ .ever_audio = TRUE };
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_EOS);
}

static void
test_clean_exit_after_errors (void)
{
  FfcRestartState state = { 0 };
  FfcRestartPolicy file = live;
  FfcRunEnd end = { FFC_RUN_EXITED, .exited_cleanly = TRUE, .error_lines = 2,
    .frames = 48000, .duration_us = S };
  FfcRestartDecision d;

  /* a device: ffmpeg 5.1 exits 0 after a read error (unplugged): restart */
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_RESTART);
  /* a file: a clean exit is the end, whatever it printed */
  file.restart_on_error_exit = FALSE;
  state = (FfcRestartState){ 0 };
  d = ffc_restart_decide (&end, &file, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_EOS);
}

static void
test_never_worked (void)
{
  FfcRestartState state = { 0 };
  FfcRunEnd end = failed_at_once ();
  FfcRestartDecision d = ffc_restart_decide (&end, &live, &state);

  /* a bad device, option or format: an ERROR at once, no retry */
  g_assert_cmpint (d.action, ==, FFC_RESTART_ERROR);
  g_assert_cmpint (d.why, ==, FFC_RESTART_WHY_NEVER_WORKED);
  /* the same for a program that does not start, and a stall */
  state = (FfcRestartState){ 0 };
  end = (FfcRunEnd){ FFC_RUN_SPAWN_FAILED };
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.why, ==, FFC_RESTART_WHY_NEVER_WORKED);
  state = (FfcRestartState){ 0 };
  end = (FfcRunEnd){ FFC_RUN_STALLED, .duration_us = 2 * S };
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.why, ==, FFC_RESTART_WHY_NEVER_WORKED);
}

static void
test_stall_after_audio_restarts (void)
{
  FfcRestartState state = { 0 };
  FfcRunEnd end = { FFC_RUN_STALLED, .frames = 4800, .duration_us = 3 * S };
  FfcRestartDecision d = ffc_restart_decide (&end, &live, &state);

  g_assert_cmpint (d.action, ==, FFC_RESTART_RESTART);
  g_assert_cmpint (d.delay_us, ==, 100 * MS);
  /* a later failure to start at all is restarted too: audio was seen */
  end = (FfcRunEnd){ FFC_RUN_SPAWN_FAILED };
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_RESTART);
}

static void
test_not_live_never_restarts (void)
{
  FfcRestartState state = { 0 };
  FfcRestartPolicy file = live;
  FfcRunEnd end = failed_after_audio (S);
  FfcRestartDecision d;

  file.no_restart = TRUE;
  d = ffc_restart_decide (&end, &file, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_ERROR);
  g_assert_cmpint (d.why, ==, FFC_RESTART_WHY_NOT_LIVE);
}

/* 100 ms, doubling to 10 s, while runs are short; a run with audio for 10 s
 * or more starts it over */
static void
test_backoff_sequence (void)
{
  static const gint64 expected_ms[] = { 100, 200, 400, 800, 1600, 3200, 6400,
    10000, 10000, 10000 };
  FfcRestartState state = { 0 };
  FfcRunEnd end;
  FfcRestartDecision d;

  for (guint i = 0; i < G_N_ELEMENTS (expected_ms); i++) {
    end = failed_after_audio (2 * S);
    d = ffc_restart_decide (&end, &live, &state);
    g_assert_cmpint (d.action, ==, FFC_RESTART_RESTART);
    g_assert_cmpint (d.delay_us, ==, expected_ms[i] * MS);
  }
  /* a long run: back to the start */
  end = failed_after_audio (10 * S);
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.delay_us, ==, 100 * MS);
  end = failed_after_audio (10 * S - 1);
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.delay_us, ==, 200 * MS);
  /* a long run without audio (a stall) does not reset it */
  end = (FfcRunEnd){ FFC_RUN_STALLED, .duration_us = 60 * S };
  d = ffc_restart_decide (&end, &live, &state);
  g_assert_cmpint (d.delay_us, ==, 400 * MS);
}

static void
test_max_restarts (void)
{
  FfcRestartPolicy policy = live;
  FfcRestartState state = { 0 };
  FfcRunEnd end = failed_after_audio (S);
  FfcRestartDecision d;

  /* max-restarts=2: the failure after audio is the first in a row; two
   * failed restarts are allowed, the third failure is the ERROR */
  policy.max_restarts = 2;
  d = ffc_restart_decide (&end, &policy, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_RESTART);
  end = failed_at_once ();
  d = ffc_restart_decide (&end, &policy, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_RESTART);
  d = ffc_restart_decide (&end, &policy, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_ERROR);
  g_assert_cmpint (d.why, ==, FFC_RESTART_WHY_TOO_MANY);
  g_assert_cmpuint (d.failures, ==, 3);

  /* a run with audio between failures starts the count over */
  state = (FfcRestartState){ 0 };
  for (guint i = 0; i < 20; i++) {
    end = failed_after_audio (S);
    d = ffc_restart_decide (&end, &policy, &state);
    g_assert_cmpint (d.action, ==, FFC_RESTART_RESTART);
    g_assert_cmpuint (state.consecutive_failures, ==, 1);
  }

  /* max-restarts=0: never restart */
  policy.max_restarts = 0;
  state = (FfcRestartState){ 0 };
  end = failed_after_audio (S);
  d = ffc_restart_decide (&end, &policy, &state);
  g_assert_cmpint (d.action, ==, FFC_RESTART_ERROR);
  g_assert_cmpint (d.why, ==, FFC_RESTART_WHY_TOO_MANY);
  g_assert_cmpuint (d.failures, ==, 1);

  /* unlimited */
  policy.max_restarts = -1;
  state = (FfcRestartState){ .ever_audio = TRUE };
  end = failed_at_once ();
  for (guint i = 0; i < 1000; i++) {
    d = ffc_restart_decide (&end, &policy, &state);
    g_assert_cmpint (d.action, ==, FFC_RESTART_RESTART);
  }
}

/* what the user is told of lost audio */
static void
test_item_describe (void)
{
  FfcCaptureStats stats = { .gaps = 2, .frames_lost = 960, .xruns = 1 };
  FfcItem item = { FFC_ITEM_DROPPED, .count = 4800 };
  gchar *details, *text;

  text = ffc_item_describe (&item, &stats, 48000, 10 * S * 1000, &details);
  g_assert_true (g_str_has_prefix (text, "Dropped 4800 samples: "));
  g_assert_nonnull (strstr (details, "buffer-time 10.000 s"));
  g_free (text);
  g_free (details);
  item = (FfcItem){ FFC_ITEM_GAP, .count = 480, .reason = "jumped" };
  text = ffc_item_describe (&item, &stats, 48000, 0, &details);
  g_assert_cmpstr (text, ==,
      "Capture lost 480 samples (10.0 ms) before they reached ffmpeg's "
      "output: 2 gaps, 960 samples lost so far, 1 overrun reported by ffmpeg");
  g_free (text);
  g_free (details);
  item = (FfcItem){ FFC_ITEM_XRUN, .count = 1, .reason = "ALSA buffer xrun." };
  text = ffc_item_describe (&item, &stats, 48000, 0, &details);
  g_assert_cmpstr (text, ==,
      "The capture device overran 1 time: audio was "
      "lost inside ffmpeg");
  g_assert_cmpstr (details, ==, "ffmpeg: ALSA buffer xrun.");
  g_free (text);
  g_free (details);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/restart/stop-is-quiet", test_stop_is_quiet);
  g_test_add_func ("/restart/finish-is-eos", test_finish_is_eos);
  g_test_add_func ("/restart/finish-during-backoff-is-eos",
      test_finish_during_backoff_is_eos);
  g_test_add_func ("/restart/clean-exit", test_clean_exit);
  g_test_add_func (
      "/restart/clean-exit-after-errors", test_clean_exit_after_errors);
  g_test_add_func ("/restart/never-worked", test_never_worked);
  g_test_add_func (
      "/restart/stall-after-audio-restarts", test_stall_after_audio_restarts);
  g_test_add_func (
      "/restart/not-live-never-restarts", test_not_live_never_restarts);
  g_test_add_func ("/restart/backoff-sequence", test_backoff_sequence);
  g_test_add_func ("/restart/max-restarts", test_max_restarts);
  g_test_add_func ("/restart/item-describe", test_item_describe);
  return g_test_run ();
}
