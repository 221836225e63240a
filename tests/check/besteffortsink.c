/* gst-check tests of besteffortsink. The real-Icecast scenarios are in
 * tests/integration/test_icecast.py. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

typedef struct {
  GstElement *pipeline;
  GList *messages;
  gboolean eos;
  gboolean error;
  guint counted;     /* buffers the parallel branch got */
  GstClockTime late; /* worst lateness seen there */
} Run;

static GstPadProbeReturn
count_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Run *run = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClock *clock = gst_element_get_clock (run->pipeline);

  run->counted++;
  if (clock != NULL && GST_BUFFER_PTS_IS_VALID (buf)) {
    GstClockTime now =
        gst_clock_get_time (clock) - gst_element_get_base_time (run->pipeline);
    if (now > GST_BUFFER_PTS (buf))
      run->late = MAX (run->late, now - GST_BUFFER_PTS (buf));
  }
  if (clock)
    gst_object_unref (clock);
  return GST_PAD_PROBE_OK;
}

static Run *
run_pipeline (const gchar *description, guint timeout_ms)
{
  Run *run = g_new0 (Run, 1);
  GstElement *counter;
  GstBus *bus;
  gint64 end = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  run->pipeline = gst_parse_launch (description, NULL);
  fail_unless (run->pipeline != NULL);
  counter = gst_bin_get_by_name (GST_BIN (run->pipeline), "counter");
  if (counter) {
    GstPad *pad = gst_element_get_static_pad (counter, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, run, NULL);
    gst_object_unref (pad);
    gst_object_unref (counter);
  }
  bus = gst_element_get_bus (run->pipeline);
  if (gst_element_set_state (run->pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    GstMessage *m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    run->error = TRUE;
    if (m)
      run->messages = g_list_append (run->messages, m);
    gst_object_unref (bus);
    return run;
  }
  for (;;) {
    gint64 left = end - g_get_monotonic_time ();
    GstMessage *m;
    if (left <= 0)
      break;
    m = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING
            | GST_MESSAGE_ELEMENT);
    if (m == NULL)
      break;
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS) {
      run->eos = TRUE;
      gst_message_unref (m);
      break;
    }
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
      run->error = TRUE;
    run->messages = g_list_append (run->messages, m);
  }
  gst_object_unref (bus);
  return run;
}

static void
run_free (Run *run)
{
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  gst_object_unref (run->pipeline);
  g_list_free_full (run->messages, (GDestroyNotify)gst_message_unref);
  g_free (run);
}

static guint
count_messages (Run *run, GstMessageType type, const gchar *name)
{
  guint n = 0;
  for (GList *l = run->messages; l; l = l->next) {
    const GstStructure *s = gst_message_get_structure (l->data);
    if (GST_MESSAGE_TYPE (l->data) == type
        && (name == NULL || (s && gst_structure_has_name (s, name))))
      n++;
  }
  return n;
}

/* a WARNING whose message holds `text` */
static gboolean
find_warning (Run *run, const gchar *text)
{
  for (GList *l = run->messages; l; l = l->next) {
    GError *err = NULL;
    gboolean found;

    if (GST_MESSAGE_TYPE (l->data) != GST_MESSAGE_WARNING)
      continue;
    gst_message_parse_warning (l->data, &err, NULL);
    found = strstr (err->message, text) != NULL;
    g_error_free (err);
    if (found)
      return TRUE;
  }
  return FALSE;
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
  Run *run = run_pipeline ("audiotestsrc num-buffers=5 ! besteffortsink "
                           "branch=\"audioconvert ! nosuchelement\"",
      5000);
  GError *err = NULL;

  fail_unless (run->error);
  fail_unless (run->messages != NULL);
  gst_message_parse_error (run->messages->data, &err, NULL);
  /* the parser's own message */
  fail_unless (strstr (err->message, "no element \"nosuchelement\"") != NULL,
      "%s", err->message);
  g_error_free (err);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_branch_error_is_a_warning)
{
  /* the branch fails at once, again and again; the recording branch beside
   * it gets every buffer, the pipeline sees no ERROR and reaches EOS */
  Run *run = run_pipeline (
      "audiotestsrc is-live=true num-buffers=100 "
      "samplesperbuffer=480 ! tee name=t t. ! queue ! fakesink name=counter "
      "t. ! besteffortsink name=b retry-delay=100000000 "
      "branch=\"filesink location=/nonexistent/dir/x\"",
      20000);
  GstStructure *stats;
  guint restarts = 0;

  fail_unless (run->eos);
  fail_if (run->error);
  fail_unless_equals_int (run->counted, 100);
  fail_unless (count_messages (run, GST_MESSAGE_WARNING, NULL) >= 2);
  fail_unless (
      count_messages (run, GST_MESSAGE_ELEMENT, "besteffortsink-down") >= 2);
  fail_unless_equals_int (
      count_messages (run, GST_MESSAGE_ELEMENT, "besteffortsink-up"), 0);
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
  Run *run = run_pipeline (
      "audiotestsrc is-live=true num-buffers=200 "
      "samplesperbuffer=480 ! tee name=t t. ! queue ! fakesink name=counter "
      "sync=false t. ! besteffortsink name=b max-latency=300000000 "
      "branch=\"identity sleep-time=200000 ! fakesink sync=false\"",
      30000);
  GstStructure *stats;
  guint64 dropped = 0;

  fail_unless (run->eos);
  fail_if (run->error);
  fail_unless_equals_int (run->counted, 200);
  /* the recording branch never waited for the stuck one (which would make
   * it seconds late; the margin is for slow runs under valgrind) */
  fail_unless (
      run->late < GST_SECOND, "%" GST_TIME_FORMAT, GST_TIME_ARGS (run->late));
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
  Run *run = run_pipeline (desc, 10000);
  gchar *data = NULL;
  gsize len = 0;
  guint32 riff;

  fail_unless (run->eos);
  fail_if (run->error);
  fail_unless_equals_int (
      count_messages (run, GST_MESSAGE_ELEMENT, "besteffortsink-up"), 1);
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
  Run *run = run_pipeline (
      "audiotestsrc num-buffers=10 samplesperbuffer=4800 ! "
      "audio/x-raw,rate=48000,channels=1 ! tee name=t "
      "t. ! queue ! fakesink name=counter "
      "t. ! besteffortsink name=b eos-timeout=300000000 "
      "branch=\"identity sleep-time=2000000 ! fakesink sync=false\"",
      8000);

  fail_unless (run->eos, "no EOS within 8 s");
  fail_if (run->error);
  fail_unless_equals_int (run->counted, 10);
  fail_unless (find_warning (run, "did not finish its stream within "
                                  "eos-timeout"));
  run_free (run);
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
  return s;
}

GST_CHECK_MAIN (besteffortsink);
