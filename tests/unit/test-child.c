/* Unit tests: spawning, stopping and reaping the child process. */
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ffc-child.h"

static gboolean
process_exists (GPid pid)
{
  gchar *path = g_strdup_printf ("/proc/%d", pid);
  gboolean exists = g_file_test (path, G_FILE_TEST_EXISTS);
  g_free (path);
  return exists;
}

/* Field 5 of /proc/PID/stat is the process group. */
static gint
process_group (GPid pid)
{
  gchar *path = g_strdup_printf ("/proc/%d/stat", pid), *text = NULL;
  gint pgrp = -1;

  if (g_file_get_contents (path, &text, NULL, NULL)) {
    const gchar *p = strrchr (text, ')');
    gchar state;
    gint ppid;
    if (p != NULL)
      sscanf (p + 2, "%c %d %d", &state, &ppid, &pgrp);
  }
  g_free (path);
  g_free (text);
  return pgrp;
}

static guint
count_open_fds (GPid pid)
{
  gchar *path = g_strdup_printf ("/proc/%d/fd", pid);
  GDir *dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  g_free (path);
  return n;
}

static void
test_spawn_isolation (void)
{
  const gchar *argv[] = { "/bin/sleep", "30", NULL };
  FfcChild child;
  GError *error = NULL;
  /* an inheritable descriptor the child must not get */
  gint leak = open ("/dev/null", O_RDONLY);

  g_assert_cmpint (leak, >, 2);
  g_assert_true (ffc_child_spawn (&child, argv, &error));
  g_assert_no_error (error);
  g_usleep (100 * 1000);

  g_assert_cmpint (process_group (child.pid), ==, child.pid);
  g_assert_cmpuint (count_open_fds (child.pid), ==, 3);
  g_assert_cmpint (fcntl (child.stdout_fd, F_GETFD) & FD_CLOEXEC, !=, 0);
  g_assert_cmpint (fcntl (child.stdout_fd, F_GETFL) & O_NONBLOCK, !=, 0);

  ffc_child_close_pipes (&child);
  ffc_child_stop (&child, 500);
  g_assert_true (child.reaped);
  g_assert_false (process_exists (child.pid));
  /* sleep dies of SIGINT */
  g_assert_true (WIFSIGNALED (child.wait_status));
  g_assert_cmpint (WTERMSIG (child.wait_status), ==, SIGINT);
  close (leak);
}

static void
test_stop_escalates_to_kill (void)
{
  /* A test helper, not the product: a process group that ignores SIGINT and
   * SIGTERM (ignored dispositions survive exec, so sleep ignores them too). */
  const gchar *argv[] = { "/bin/sh", "-c",
    "trap '' INT TERM; /bin/sleep 30 & wait", NULL };
  FfcChild child;
  gint64 start;
  gchar *pgrep_out = NULL;
  gchar *pgrep_cmd;

  g_assert_true (ffc_child_spawn (&child, argv, NULL));
  g_usleep (200 * 1000);
  start = g_get_monotonic_time ();
  ffc_child_close_pipes (&child);
  ffc_child_stop (&child, 200);
  /* SIGINT and SIGTERM were each given their grace, then SIGKILL */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 400 * 1000);
  g_assert_true (child.reaped);
  g_assert_true (WIFSIGNALED (child.wait_status));
  g_assert_cmpint (WTERMSIG (child.wait_status), ==, SIGKILL);
  g_assert_false (process_exists (child.pid));

  /* the grandchild in the same group got SIGKILL too (a zombie is dead;
   * in a container nobody may reap it) */
  g_usleep (100 * 1000);
  pgrep_cmd = g_strdup_printf ("pgrep -r R,S,D,T -g %d", child.pid);
  g_spawn_command_line_sync (pgrep_cmd, &pgrep_out, NULL, NULL, NULL);
  g_assert_cmpstr (pgrep_out, ==, "");
  g_free (pgrep_cmd);
  g_free (pgrep_out);
}

static gpointer
spawn_and_exit (gpointer data)
{
  FfcChild *child = data;
  const gchar *argv[] = { "/bin/sleep", "30", NULL };

  g_assert_true (ffc_child_spawn (child, argv, NULL));
  return NULL;
}

static void
test_dies_with_spawning_thread (void)
{
  FfcChild child;
  GThread *thread = g_thread_new ("spawner", spawn_and_exit, &child);
  gint status = 0;
  pid_t r;

  /* PR_SET_PDEATHSIG fires when the thread that forked is gone: the capture
   * thread, which outlives its child, does the spawning for that reason. */
  g_thread_join (thread);
  r = waitpid (child.pid, &status, 0);
  g_assert_cmpint (r, ==, child.pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
  ffc_child_close_pipes (&child);
}

static void
test_exit_status (void)
{
  const gchar *argv[] = { "/bin/false", NULL };
  FfcChild child;
  gchar *text;

  g_assert_true (ffc_child_spawn (&child, argv, NULL));
  for (int i = 0; i < 200 && !ffc_child_try_reap (&child); i++)
    g_usleep (10 * 1000);
  g_assert_true (child.reaped);
  g_assert_false (ffc_child_exited_cleanly (&child));
  text = ffc_child_describe_exit (&child);
  g_assert_cmpstr (text, ==, "ffmpeg exited with status 1");
  g_free (text);
  ffc_child_close_pipes (&child);
}

static void
test_find_program (void)
{
  GError *error = NULL;
  gchar *path;

  path = ffc_child_find_program ("sh", &error);
  g_assert_no_error (error);
  g_assert_true (g_path_is_absolute (path));
  g_free (path);

  g_assert_null (ffc_child_find_program ("no-such-ffmpeg-here", &error));
  g_assert_nonnull (strstr (error->message, "not found in PATH"));
  g_clear_error (&error);

  g_assert_null (ffc_child_find_program ("/tmp", &error));
  g_assert_nonnull (strstr (error->message, "not an executable"));
  g_clear_error (&error);

  g_assert_null (ffc_child_find_program ("", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/child/spawn-isolation", test_spawn_isolation);
  g_test_add_func ("/child/stop-escalates", test_stop_escalates_to_kill);
  g_test_add_func ("/child/dies-with-thread", test_dies_with_spawning_thread);
  g_test_add_func ("/child/exit-status", test_exit_status);
  g_test_add_func ("/child/find-program", test_find_program);
  return g_test_run ();
}
