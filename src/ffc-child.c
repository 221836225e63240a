/* gst-ffcapture: running and stopping the ffmpeg child process
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The child gets its own process group (so a terminal's Ctrl-C does not reach
 * it behind our back, and a stop reaches everything it started), only fds
 * 0–2 (GLib closes the rest), default signal dispositions, and dies with the
 * thread that started it (PR_SET_PDEATHSIG), so that no orphan ffmpeg keeps a
 * sound device busy after the application crashes.
 */
#include "ffc-child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <glib-unix.h>

#define PIPE_CAPACITY (1024 * 1024)

gchar *
ffc_child_find_program (const gchar *program, GError **error)
{
  gchar *path;

  if (program == NULL || *program == '\0') {
    g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
        "no ffmpeg program given (ffmpeg-path is empty)");
    return NULL;
  }
  if (strchr (program, '/') != NULL) {
    if (g_file_test (program, G_FILE_TEST_IS_DIR)
        || !g_file_test (program, G_FILE_TEST_IS_EXECUTABLE)) {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
          "'%s' is not an executable program", program);
      return NULL;
    }
    return g_strdup (program);
  }
  path = g_find_program_in_path (program);
  if (path == NULL) {
    g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
        "'%s' was not found in PATH (install ffmpeg, or set ffmpeg-path)",
        program);
  }
  return path;
}

static void
child_setup (gpointer user_data)
{
  pid_t parent = GPOINTER_TO_INT (user_data);
  sigset_t all;

  /* Only async-signal-safe calls here: this runs between fork and exec. */
  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (127);
  /* Ignored signals survive exec; ffmpeg must see SIGINT, SIGTERM, SIGPIPE. */
  signal (SIGINT, SIG_DFL);
  signal (SIGTERM, SIG_DFL);
  signal (SIGPIPE, SIG_DFL);
  signal (SIGHUP, SIG_DFL);
  sigemptyset (&all);
  sigprocmask (SIG_SETMASK, &all, NULL);
}

gboolean
ffc_child_spawn (FfcChild *child, const gchar *const *argv, GError **error)
{
  memset (child, 0, sizeof (*child));
  child->stdout_fd = -1;
  child->stderr_fd = -1;

  if (!g_spawn_async_with_pipes_and_fds (NULL, argv, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL, child_setup,
          GINT_TO_POINTER (getpid ()), -1, -1, -1, NULL, NULL, 0, &child->pid,
          NULL, &child->stdout_fd, &child->stderr_fd, error))
    return FALSE;

  /* A big pipe rides out scheduling hiccups of the reader without making
   * ffmpeg wait; the kernel may grant less, which is fine. */
  fcntl (child->stdout_fd, F_SETPIPE_SZ, PIPE_CAPACITY);
  g_unix_set_fd_nonblocking (child->stdout_fd, TRUE, NULL);
  g_unix_set_fd_nonblocking (child->stderr_fd, TRUE, NULL);
  fcntl (child->stdout_fd, F_SETFD, FD_CLOEXEC);
  fcntl (child->stderr_fd, F_SETFD, FD_CLOEXEC);
  return TRUE;
}

gboolean
ffc_child_try_reap (FfcChild *child)
{
  pid_t r;

  if (child->reaped || child->pid <= 0)
    return TRUE;
  do {
    r = waitpid (child->pid, &child->wait_status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == child->pid || (r < 0 && errno == ECHILD)) {
    child->reaped = TRUE;
    return TRUE;
  }
  return FALSE;
}

static gboolean
wait_reaped (FfcChild *child, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  while (!ffc_child_try_reap (child)) {
    if (g_get_monotonic_time () >= deadline)
      return FALSE;
    g_usleep (5000);
  }
  return TRUE;
}

static void
signal_group (FfcChild *child, int sig)
{
  /* The group first; the pid alone in case setpgid had not happened yet. */
  if (kill (-child->pid, sig) < 0)
    kill (child->pid, sig);
}

void
ffc_child_close_pipes (FfcChild *child)
{
  if (child->stdout_fd >= 0)
    g_close (child->stdout_fd, NULL);
  if (child->stderr_fd >= 0)
    g_close (child->stderr_fd, NULL);
  child->stdout_fd = -1;
  child->stderr_fd = -1;
}

/* SIGINT lets ffmpeg close its device cleanly; SIGTERM and then SIGKILL
 * follow when it does not exit in time. The child is always reaped. */
void
ffc_child_stop (FfcChild *child, guint grace_ms)
{
  static const int signals[] = { SIGINT, SIGTERM };

  if (child->pid <= 0 || ffc_child_try_reap (child))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++) {
    signal_group (child, signals[i]);
    if (wait_reaped (child, grace_ms))
      return;
  }
  ffc_child_kill (child);
}

/* SIGINT alone: ffmpeg stops reading its input, writes what it holds and
 * exits. */
void
ffc_child_interrupt (FfcChild *child)
{
  if (child->pid > 0 && !ffc_child_try_reap (child))
    signal_group (child, SIGINT);
}

void
ffc_child_kill (FfcChild *child)
{
  pid_t r;

  if (child->pid <= 0 || ffc_child_try_reap (child))
    return;
  signal_group (child, SIGKILL);
  do {
    r = waitpid (child->pid, &child->wait_status, 0);
  } while (r < 0 && errno == EINTR);
  child->reaped = TRUE;
}

gboolean
ffc_child_exited_cleanly (const FfcChild *child)
{
  return child->reaped && WIFEXITED (child->wait_status)
         && WEXITSTATUS (child->wait_status) == 0;
}

gchar *
ffc_child_describe_exit (const FfcChild *child)
{
  if (!child->reaped)
    return g_strdup ("ffmpeg is still running");
  if (WIFEXITED (child->wait_status))
    return g_strdup_printf (
        "ffmpeg exited with status %d", WEXITSTATUS (child->wait_status));
  if (WIFSIGNALED (child->wait_status))
    return g_strdup_printf ("ffmpeg was killed by signal %d (%s)",
        WTERMSIG (child->wait_status),
        g_strsignal (WTERMSIG (child->wait_status)));
  return g_strdup ("ffmpeg ended");
}
