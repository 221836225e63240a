/* gst-check tests of besteffortsink. The real-Icecast scenarios are in
 * tests/integration/test_icecast.py. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

#include "check-common.h"

/* buffers a branch beside besteffortsink got, and how late */
typedef struct {
  GstElement *pipeline;
  guint counted;
  GstClockTime late; /* worst lateness seen there */
} Counter;

static GstPadProbeReturn
count_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Counter *counter = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClock *clock = gst_element_get_clock (counter->pipeline);

  counter->counted++;
  if (clock != NULL && GST_BUFFER_PTS_IS_VALID (buf)) {
    GstClockTime now = gst_clock_get_time (clock)
                       - gst_element_get_base_time (counter->pipeline);
    if (now > GST_BUFFER_PTS (buf))
      counter->late = MAX (counter->late, now - GST_BUFFER_PTS (buf));
  }
  if (clock)
    gst_object_unref (clock);
  return GST_PAD_PROBE_OK;
}

/* run_pipeline () of the description, counting what the element named
 * "counter" gets */
static Run *
run_counted (const gchar *description, guint timeout_ms, Counter *counter)
{
  GstElement *pipeline = gst_parse_launch (description, NULL);
  GstElement *sink;

  fail_unless (pipeline != NULL);
  counter->pipeline = pipeline;
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "counter");
  if (sink) {
    GstPad *pad = gst_element_get_static_pad (sink, "sink");
    gst_pad_add_probe (
        pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, counter, NULL);
    gst_object_unref (pad);
    gst_object_unref (sink);
  }
  return run_pipeline (pipeline, timeout_ms, NULL, NULL);
}

static guint
count_named (Run *run, const gchar *name)
{
  GList *l = messages_named (run, name, NULL);
  guint n = g_list_length (l);

  g_list_free (l);
  return n;
}

/* WARNINGs, and whether one holds `text` */
static guint
count_warnings (Run *run, const gchar *text)
{
  guint n = 0;

  for (GList *l = run->messages; l; l = l->next) {
    gchar *message;

    if (GST_MESSAGE_TYPE (l->data) != GST_MESSAGE_WARNING)
      continue;
    message = message_text (l->data);
    if (text == NULL || strstr (message, text) != NULL)
      n++;
    g_free (message);
  }
  return n;
}

static GstStructure *
stats_of (Run *run)
{
  GstElement *b = gst_bin_get_by_name (GST_BIN (run->pipeline), "b");
  GstStructure *stats = NULL;
  g_object_get (b, "stats", &stats, NULL);
  gst_object_unref (b);
  return stats;
}

GST_START_TEST (test_bad_branch_refused)
{
  Run *run = run_launch ("audiotestsrc num-buffers=5 ! besteffortsink "
                         "branch=\"audioconvert ! nosuchelement\"",
      5000, NULL, NULL);
  gchar *text;

  fail_unless (run->error != NULL);
  text = message_text (run->error);
  /* the parser's own message */
  fail_unless (
      strstr (text, "no element \"nosuchelement\"") != NULL, "%s", text);
  g_free (text);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_branch_error_is_a_warning)
{
  /* the branch fails at once, again and again; the recording branch beside
   * it gets every buffer, the pipeline sees no ERROR and reaches EOS */
  Counter counter = { 0 };
  Run *run = run_counted (
      "audiotestsrc is-live=true num-buffers=100 "
      "samplesperbuffer=480 ! tee name=t t. ! queue ! fakesink name=counter "
      "t. ! besteffortsink name=b retry-delay=100000000 "
      "branch=\"filesink location=/nonexistent/dir/x\"",
      20000, &counter);
  GstStructure *stats;
  guint restarts = 0;

  fail_unless (run->eos);
  fail_if (run->error);
  fail_unless_equals_int (counter.counted, 100);
  fail_unless (count_warnings (run, NULL) >= 2);
  fail_unless (count_named (run, "besteffortsink-down") >= 2);
  fail_unless_equals_int (count_named (run, "besteffortsink-up"), 0);
  stats = stats_of (run);
  gst_structure_get_uint (stats, "restarts", &restarts);
  fail_unless (restarts >= 1);
  fail_unless (strstr (gst_structure_get_string (stats, "last-error"),
                   "/nonexistent/dir/x")
               != NULL);
  gst_structure_free (stats);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_stuck_branch_never_blocks)
{
  /* a branch that takes 200 ms per 10 ms buffer: upstream goes on in real
   * time, and what the branch cannot take within max-latency is dropped and
   * counted */
  Counter counter = { 0 };
  Run *run = run_counted (
      "audiotestsrc is-live=true num-buffers=200 "
      "samplesperbuffer=480 ! tee name=t t. ! queue ! fakesink name=counter "
      "sync=false t. ! besteffortsink name=b max-latency=300000000 "
      "branch=\"identity sleep-time=200000 ! fakesink sync=false\"",
      30000, &counter);
  GstStructure *stats;
  guint64 dropped = 0;

  fail_unless (run->eos);
  fail_if (run->error);
  fail_unless_equals_int (counter.counted, 200);
  /* the recording branch never waited for the stuck one (which would make
   * it seconds late; the margin is for slow runs under valgrind) */
  fail_unless (counter.late < GST_SECOND, "%" GST_TIME_FORMAT,
      GST_TIME_ARGS (counter.late));
  stats = stats_of (run);
  gst_structure_get_uint64 (stats, "dropped-buffers", &dropped);
  fail_unless (dropped > 100, "%" G_GUINT64_FORMAT, dropped);
  gst_structure_free (stats);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_eos_reaches_branch)
{
  gchar *dir = g_dir_make_tmp ("besteffort-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "out.wav", NULL);
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=10 "
      "samplesperbuffer=4800 ! audio/x-raw,rate=48000,channels=1 ! "
      "besteffortsink name=b branch=\"wavenc ! filesink location=%s\"",
      path);
  Run *run = run_launch (desc, 10000, NULL, NULL);
  gchar *data = NULL;
  gsize len = 0;
  guint32 riff;

  fail_unless (run->eos);
  fail_if (run->error);
  fail_unless_equals_int (count_named (run, "besteffortsink-up"), 1);
  run_free (run);
  /* wavenc wrote its final header: it saw EOS */
  fail_unless (g_file_get_contents (path, &data, &len, NULL));
  fail_unless (len >= 44 + 48000 * 2);
  memcpy (&riff, data + 4, 4);
  fail_unless_equals_int (GUINT32_FROM_LE (riff), len - 8);
  g_free (data);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (desc);
  g_free (dir);
}

GST_END_TEST;

/* A branch stuck at EOS (2 s per buffer, about 2 s of it queued) never
 * holds up the pipeline's EOS beyond eos-timeout: without it, EOS would
 * come after some 20 s. The recording beside it ends whole. */
GST_START_TEST (test_stuck_branch_never_holds_eos)
{
  Counter counter = { 0 };
  Run *run = run_counted (
      "audiotestsrc num-buffers=10 samplesperbuffer=4800 ! "
      "audio/x-raw,rate=48000,channels=1 ! tee name=t "
      "t. ! queue ! fakesink name=counter "
      "t. ! besteffortsink name=b eos-timeout=300000000 "
      "branch=\"identity sleep-time=2000000 ! fakesink sync=false\"",
      8000, &counter);

  fail_unless (run->eos, "no EOS within 8 s");
  fail_if (run->error);
  fail_unless_equals_int (counter.counted, 10);
  fail_unless (
      count_warnings (run, "did not finish its stream within eos-timeout")
      >= 1);
  run_free (run);
}

GST_END_TEST;

/* The branch's lifecycle has one owner: a branch failing every few buffers
 * is torn down and rebuilt by besteffortsink's threads while the pipeline
 * goes PLAYING, PAUSED and back many times. No instance is ever set to a
 * state once its teardown began (GStreamer would say "Trying to dispose
 * element …, but it is in … instead of the NULL state", a critical that
 * fails the test), and the pipeline always reaches NULL. */
GST_START_TEST (test_rebuilds_during_state_changes)
{
  GstElement *pipeline = gst_parse_launch (
      "audiotestsrc is-live=true samplesperbuffer=48 ! "
      "besteffortsink name=b retry-delay=10000000 "
      "branch=\"identity error-after=3 ! fakesink sync=false\"",
      NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  GstStructure *stats = NULL;
  guint restarts = 0;

  for (guint i = 0; i < 60; i++) {
    fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
             == GST_STATE_CHANGE_FAILURE);
    g_usleep ((i % 7) * 3000);
    fail_if (gst_element_set_state (pipeline, GST_STATE_PAUSED)
             == GST_STATE_CHANGE_FAILURE);
    g_usleep ((i % 5) * 2000);
    if (i % 10 == 9)
      gst_element_set_state (pipeline, GST_STATE_READY);
    gst_bus_set_flushing (bus, TRUE);
    gst_bus_set_flushing (bus, FALSE);
  }
  /* the branch really comes and goes (within 20 s: valgrind is slow) */
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (guint i = 0; i < 200 && restarts == 0; i++) {
    g_usleep (100 * 1000);
    g_object_get (b, "stats", &stats, NULL);
    gst_structure_get_uint (stats, "restarts", &restarts);
    gst_structure_free (stats);
  }
  if (restarts == 0)
    gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (restarts >= 1, "no rebuild");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (b);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* Settings the running branch depends on cannot change under it; the
 * others can, within their range. */
GST_START_TEST (test_settings_while_running)
{
  GstElement *pipeline = gst_parse_launch (
      "audiotestsrc is-live=true ! besteffortsink name=b branch=fakesink",
      NULL);
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  gchar *branch = NULL;
  guint64 t = 0;

  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
           == GST_STATE_CHANGE_FAILURE);
  ASSERT_WARNING (g_object_set (b, "branch", "nosuchelement", NULL));
  g_object_get (b, "branch", &branch, NULL);
  fail_unless_equals_string (branch, "fakesink");
  g_free (branch);
  /* out of range: refused, the value in use kept */
  ASSERT_WARNING (g_object_set (b, "max-latency", (guint64)1, NULL));
  g_object_get (b, "max-latency", &t, NULL);
  fail_unless_equals_uint64 (t, 2 * GST_SECOND);
  /* in range: taken at once */
  g_object_set (b, "max-latency", (guint64)GST_SECOND, "eos-timeout",
      (guint64)GST_SECOND, "retry-delay", 3 * GST_SECOND, NULL);
  g_object_get (b, "max-latency", &t, NULL);
  fail_unless_equals_uint64 (t, GST_SECOND);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  /* stopped, it can change again */
  g_object_set (b, "branch", "fakesink sync=false", NULL);
  g_object_get (b, "branch", &branch, NULL);
  fail_unless_equals_string (branch, "fakesink sync=false");
  g_free (branch);
  gst_object_unref (b);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static gchar *
start_error (const gchar *property, guint64 value)
{
  GstElement *pipeline = gst_parse_launch (
      "audiotestsrc ! besteffortsink name=b branch=fakesink", NULL);
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  Run *run;
  gchar *text;

  ASSERT_WARNING (g_object_set (b, property, value, NULL));
  gst_object_unref (b);
  run = run_pipeline (pipeline, 5000, NULL, NULL);
  fail_unless (run->error != NULL, "%s=%" G_GUINT64_FORMAT " was taken",
      property, value);
  text = message_text (run->error);
  run_free (run);
  return text;
}

/* Absurd values fail the start with a message naming them, instead of a
 * spinning rebuild loop (retry-delay=1 ns), a branch dropping everything
 * (max-latency=1 ns) or abandoned at once (eos-timeout=1 ns). */
GST_START_TEST (test_absurd_settings_refused)
{
  const gchar *properties[] = { "max-latency", "retry-delay", "eos-timeout" };

  for (guint i = 0; i < G_N_ELEMENTS (properties); i++) {
    gchar *text = start_error (properties[i], 1);
    gchar *expected =
        g_strdup_printf ("%s=1 ns is out of range", properties[i]);

    fail_unless (strstr (text, expected) != NULL, "%s", text);
    g_free (expected);
    g_free (text);
  }
}

GST_END_TEST;

static Suite *
besteffortsink_suite (void)
{
  Suite *s = suite_create ("besteffortsink");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_bad_branch_refused);
  tcase_add_test (tc, test_branch_error_is_a_warning);
  tcase_add_test (tc, test_stuck_branch_never_blocks);
  tcase_add_test (tc, test_eos_reaches_branch);
  tcase_add_test (tc, test_stuck_branch_never_holds_eos);
  tcase_add_test (tc, test_rebuilds_during_state_changes);
  tcase_add_test (tc, test_settings_while_running);
  tcase_add_test (tc, test_absurd_settings_refused);
  return s;
}

GST_CHECK_MAIN (besteffortsink);
