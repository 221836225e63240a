/* Unit tests: what besteffortsink knows of its branch (ffc-branch). */
#include "ffc-branch.h"

#include <string.h>

static void
test_new_branch_is_down (void)
{
  FfcBranch b;

  ffc_branch_init (&b);
  /* nothing built: no data goes in, not up, nothing counted */
  g_assert_true (b.down);
  g_assert_false (ffc_branch_accepts (&b));
  g_assert_false (ffc_branch_is_up (&b));
  g_assert_cmpuint (b.dropped_buffers, ==, 0);
  g_assert_cmpuint (b.restarts, ==, 0);
  g_assert_null (b.last_error);
  ffc_branch_clear (&b);
}

static void
test_accepts_after_sticky_events (void)
{
  FfcBranch b;

  ffc_branch_init (&b);
  ffc_branch_built (&b);
  /* built, but data waits for the stream's sticky events */
  g_assert_false (ffc_branch_accepts (&b));
  b.accepting = TRUE;
  g_assert_true (ffc_branch_accepts (&b));
  /* failed: nothing goes in any more */
  g_assert_true (ffc_branch_failed (&b, "gone"));
  g_assert_false (ffc_branch_accepts (&b));
  ffc_branch_clear (&b);
}

static void
test_up_on_second_buffer (void)
{
  FfcBranch b;
  guint restarts = 99;

  ffc_branch_init (&b);
  ffc_branch_built (&b);
  b.accepting = TRUE;
  /* the first buffer is where network sinks connect: not up yet */
  g_assert_false (ffc_branch_sink_took (&b, b.generation, &restarts));
  g_assert_false (ffc_branch_is_up (&b));
  g_assert_cmpuint (restarts, ==, 99);
  /* the second: up, once, with the rebuilds so far */
  g_assert_true (ffc_branch_sink_took (&b, b.generation, &restarts));
  g_assert_cmpuint (restarts, ==, 0);
  g_assert_true (ffc_branch_is_up (&b));
  g_assert_false (ffc_branch_sink_took (&b, b.generation, &restarts));
  g_assert_false (ffc_branch_sink_took (&b, b.generation, &restarts));
  /* down: not up for the stats any more */
  ffc_branch_failed (&b, "gone");
  g_assert_false (ffc_branch_is_up (&b));
  ffc_branch_clear (&b);
}

static void
test_generations (void)
{
  FfcBranch b;
  guint first;

  ffc_branch_init (&b);
  /* each instance has a generation of its own, the current one */
  first = ffc_branch_built (&b);
  g_assert_cmpuint (b.generation, ==, first);
  g_assert_cmpuint (ffc_branch_built (&b), ==, first + 1);
  g_assert_cmpuint (b.generation, ==, first + 1);
  ffc_branch_clear (&b);
}

static void
test_old_generation_ignored (void)
{
  FfcBranch b;
  guint restarts = 0, old;

  ffc_branch_init (&b);
  old = ffc_branch_built (&b);
  ffc_branch_failed (&b, "first");
  g_assert_true (ffc_branch_rebuild_due (&b));
  ffc_branch_built (&b);
  /* buffers reaching the old instance's sinks say nothing of the new */
  for (guint i = 0; i < 4; i++)
    g_assert_false (ffc_branch_sink_took (&b, old, &restarts));
  g_assert_false (ffc_branch_is_up (&b));
  /* the new instance counts from zero: up at its own second buffer */
  g_assert_false (ffc_branch_sink_took (&b, b.generation, &restarts));
  g_assert_true (ffc_branch_sink_took (&b, b.generation, &restarts));
  g_assert_cmpuint (restarts, ==, 1);
  ffc_branch_clear (&b);
}

static void
test_first_error_says_why (void)
{
  FfcBranch b;

  ffc_branch_init (&b);
  /* no instance: an error is not a new failure */
  g_assert_false (ffc_branch_failed (&b, "nothing"));
  g_assert_null (b.last_error);
  ffc_branch_built (&b);
  g_assert_true (ffc_branch_failed (&b, "connection refused"));
  /* later errors of the same instance are its consequences */
  g_assert_false (ffc_branch_failed (&b, "internal data stream error"));
  g_assert_cmpstr (b.last_error, ==, "connection refused");
  /* the next instance's first error replaces it */
  ffc_branch_built (&b);
  g_assert_true (ffc_branch_failed (&b, "timeout"));
  g_assert_cmpstr (b.last_error, ==, "timeout");
  ffc_branch_clear (&b);
}

static void
test_admit (void)
{
  const guint64 ms = G_GUINT64_CONSTANT (1000000), max = 2000 * ms;
  FfcBranch b;

  ffc_branch_init (&b);
  /* below max-latency: in, nothing counted */
  g_assert_true (ffc_branch_admit (&b, TRUE, 0, max, 4096, 10 * ms));
  g_assert_true (ffc_branch_admit (&b, TRUE, max - 1, max, 4096, 10 * ms));
  g_assert_cmpuint (b.dropped_buffers, ==, 0);
  /* max-latency reached, or past: dropped and counted */
  g_assert_false (ffc_branch_admit (&b, TRUE, max, max, 4096, 10 * ms));
  g_assert_false (ffc_branch_admit (&b, TRUE, max + 1, max, 100, 0));
  g_assert_cmpuint (b.dropped_buffers, ==, 2);
  g_assert_cmpuint (b.dropped_bytes, ==, 4196);
  g_assert_cmpuint (b.dropped_time, ==, 10 * ms); /* 0: no duration */
  /* no branch taking data: dropped, whatever the level */
  g_assert_false (ffc_branch_admit (&b, FALSE, 0, max, 50, 5 * ms));
  g_assert_cmpuint (b.dropped_buffers, ==, 3);
  g_assert_cmpuint (b.dropped_bytes, ==, 4246);
  g_assert_cmpuint (b.dropped_time, ==, 15 * ms);
  ffc_branch_clear (&b);
}

static void
test_no_rebuild_after_eos (void)
{
  FfcBranch b;

  ffc_branch_init (&b);
  g_assert_true (ffc_branch_rebuild_due (&b));
  g_assert_true (ffc_branch_rebuild_due (&b));
  g_assert_cmpuint (b.restarts, ==, 2);
  /* the stream is over: nothing for a new branch to carry */
  ffc_branch_eos (&b);
  g_assert_false (ffc_branch_rebuild_due (&b));
  g_assert_cmpuint (b.restarts, ==, 2);
  /* a flush starts the stream over */
  ffc_branch_flush (&b);
  g_assert_true (ffc_branch_rebuild_due (&b));
  g_assert_cmpuint (b.restarts, ==, 3);
  ffc_branch_clear (&b);
}

static void
test_eos_once (void)
{
  FfcBranch b;

  ffc_branch_init (&b);
  /* finished and abandoned both end the stream: one EOS */
  g_assert_true (ffc_branch_take_eos (&b));
  g_assert_false (ffc_branch_take_eos (&b));
  /* after a flush, the stream can end again */
  ffc_branch_flush (&b);
  g_assert_true (ffc_branch_take_eos (&b));
  ffc_branch_clear (&b);
}

static void
test_start_resets_the_stream (void)
{
  FfcBranch b;

  ffc_branch_init (&b);
  ffc_branch_built (&b);
  ffc_branch_failed (&b, "refused");
  ffc_branch_rebuild_due (&b);
  ffc_branch_admit (&b, FALSE, 0, 10, 10, 10);
  ffc_branch_eos (&b);
  ffc_branch_take_eos (&b);
  ffc_branch_start (&b, "fakesink");
  /* a new stream: counters and EOS cleared, the last error kept */
  g_assert_cmpstr (b.description, ==, "fakesink");
  g_assert_true (b.started);
  g_assert_cmpuint (b.dropped_buffers, ==, 0);
  g_assert_cmpuint (b.dropped_bytes, ==, 0);
  g_assert_cmpuint (b.dropped_time, ==, 0);
  g_assert_cmpuint (b.restarts, ==, 0);
  g_assert_true (ffc_branch_rebuild_due (&b));
  g_assert_true (ffc_branch_take_eos (&b));
  g_assert_cmpstr (b.last_error, ==, "refused");
  /* generations go on: old probes never match a new instance */
  g_assert_cmpuint (b.generation, ==, 1);
  /* the next start runs the description it is given */
  ffc_branch_start (&b, "fakesink sync=false");
  g_assert_cmpstr (b.description, ==, "fakesink sync=false");
  ffc_branch_clear (&b);
}

static void
test_setting (void)
{
  const guint64 ms = G_GUINT64_CONSTANT (1000000);
  gchar *warning = NULL;

  /* in range: taken, running or not, without a word */
  g_assert_true (ffc_branch_setting ("max-latency", 500 * ms, TRUE, &warning));
  g_assert_null (warning);
  g_assert_true (ffc_branch_setting ("eos-timeout", 10 * ms, FALSE, &warning));
  g_assert_null (warning);
  /* the branch: any value before start, none while running */
  g_assert_true (ffc_branch_setting ("branch", 0, FALSE, &warning));
  g_assert_null (warning);
  g_assert_false (ffc_branch_setting ("branch", 0, TRUE, &warning));
  g_assert_nonnull (strstr (warning, "cannot change branch while running"));
  g_clear_pointer (&warning, g_free);
  /* out of range while running: said, and the value in use kept */
  g_assert_false (ffc_branch_setting ("max-latency", 1, TRUE, &warning));
  g_assert_nonnull (strstr (warning, "max-latency"));
  g_assert_nonnull (strstr (warning, "the value in use is kept"));
  g_clear_pointer (&warning, g_free);
  g_assert_false (
      ffc_branch_setting ("retry-delay", G_MAXUINT64, TRUE, &warning));
  g_assert_nonnull (strstr (warning, "retry-delay"));
  g_clear_pointer (&warning, g_free);
  /* out of range before start: said, taken, and start refuses it */
  g_assert_true (ffc_branch_setting ("eos-timeout", 0, FALSE, &warning));
  g_assert_nonnull (strstr (warning, "eos-timeout"));
  g_assert_null (strstr (warning, "kept"));
  g_clear_pointer (&warning, g_free);
  g_assert_true (
      ffc_branch_setting ("retry-delay", 3601 * 1000 * ms, FALSE, &warning));
  g_assert_nonnull (strstr (warning, "retry-delay"));
  g_clear_pointer (&warning, g_free);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/branch/new-is-down", test_new_branch_is_down);
  g_test_add_func (
      "/branch/accepts-after-sticky-events", test_accepts_after_sticky_events);
  g_test_add_func ("/branch/up-on-second-buffer", test_up_on_second_buffer);
  g_test_add_func ("/branch/generations", test_generations);
  g_test_add_func (
      "/branch/old-generation-ignored", test_old_generation_ignored);
  g_test_add_func ("/branch/first-error-says-why", test_first_error_says_why);
  g_test_add_func ("/branch/admit", test_admit);
  g_test_add_func ("/branch/no-rebuild-after-eos", test_no_rebuild_after_eos);
  g_test_add_func ("/branch/eos-once", test_eos_once);
  g_test_add_func (
      "/branch/start-resets-the-stream", test_start_resets_the_stream);
  g_test_add_func ("/branch/setting", test_setting);
  return g_test_run ();
}
