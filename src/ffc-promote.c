/* gst-ffcapture: staging and atomic promotion of finished segments
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A segment is written in a staging directory and appears in the data
 * directory by one rename, so a consumer never sees it partial. The rename
 * never replaces a file (RENAME_NOREPLACE, or link+unlink where the
 * filesystem lacks it); a clash picks a free name. With `durable`, the file
 * is on disk before the rename and the rename before we report it.
 */
#include "ffc-promote.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gstdio.h>

#define MAX_NAME_TRIES 1000

static gboolean
set_errno_error (GError **error, int e, const gchar *fmt, const gchar *arg)
{
  gchar *what = g_strdup_printf (fmt, arg);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e), "%s: %s", what,
      g_strerror (e));
  g_free (what);
  return FALSE;
}

/* Opens a directory (creating it and its parents if asked) and checks that
 * files can be made in it. */
gint
ffc_dir_open (const gchar *path, gboolean create, GError **error)
{
  gint fd;

  if (path == NULL || *path == '\0') {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "no directory given");
    return -1;
  }
  if (create && g_mkdir_with_parents (path, 0755) < 0) {
    set_errno_error (error, errno, "cannot create directory %s", path);
    return -1;
  }
  fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    set_errno_error (error, errno, "cannot open directory %s", path);
    return -1;
  }
  if (faccessat (fd, ".", W_OK | X_OK, AT_EACCESS) < 0) {
    set_errno_error (error, errno, "cannot write in directory %s", path);
    close (fd);
    return -1;
  }
  return fd;
}

gboolean
ffc_dirs_same_filesystem (gint dir_a, gint dir_b)
{
  struct stat a, b;

  return fstat (dir_a, &a) == 0 && fstat (dir_b, &b) == 0
         && a.st_dev == b.st_dev;
}

gchar *
ffc_name_with_suffix (const gchar *name, guint n)
{
  const gchar *dot = strrchr (name, '.');

  if (n == 0)
    return g_strdup (name);
  if (dot == NULL || dot == name)
    return g_strdup_printf ("%s-%u", name, n);
  return g_strdup_printf ("%.*s-%u%s", (int)(dot - name), name, n, dot);
}

/* Creates a new file in staging. Never opens an existing file and never
 * follows a link: a name taken by anything, a planted symlink included, is
 * passed over for a suffixed one. Open for reading too: closing a WAV
 * segment reads its GUANO text back to set the Length. */
gint
ffc_staging_create (
    gint staging_fd, const gchar *name, gchar **created_name, GError **error)
{
  for (guint n = 0; n < MAX_NAME_TRIES; n++) {
    gchar *candidate = ffc_name_with_suffix (name, n);
    gint fd = openat (staging_fd, candidate,
        O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

    if (fd >= 0) {
      *created_name = candidate;
      return fd;
    }
    if (errno != EEXIST) {
      set_errno_error (error, errno, "cannot create %s in staging", candidate);
      g_free (candidate);
      return -1;
    }
    g_free (candidate);
  }
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
      "no free name for %s in staging", name);
  return -1;
}

gboolean
ffc_fsync (gint fd, GError **error)
{
  while (fsync (fd) < 0) {
    if (errno != EINTR)
      return set_errno_error (error, errno, "%s", "fsync failed");
  }
  return TRUE;
}

static int
rename_noreplace (
    gint from_dir, const gchar *from, gint to_dir, const gchar *to)
{
  int r = syscall (SYS_renameat2, from_dir, from, to_dir, to, RENAME_NOREPLACE);

  if (r < 0 && (errno == EINVAL || errno == ENOSYS)) {
    /* No RENAME_NOREPLACE here: link() refuses an existing name just as
     * atomically; then the staging name goes. */
    if (linkat (from_dir, from, to_dir, to, 0) < 0)
      return -1;
    unlinkat (from_dir, from, 0);
    return 0;
  }
  return r;
}

/* Moves `from_name` out of staging into the data directory as `to_name`, or
 * the first free suffixed form of it, and returns the name it got. */
gchar *
ffc_promote (gint from_dir, const gchar *from_name, gint to_dir,
    const gchar *to_name, gboolean durable, GError **error)
{
  for (guint n = 0; n < MAX_NAME_TRIES; n++) {
    gchar *target = ffc_name_with_suffix (to_name, n);

    if (rename_noreplace (from_dir, from_name, to_dir, target) == 0) {
      if (durable && !ffc_fsync (to_dir, error)) {
        g_prefix_error (error, "data directory: ");
        g_free (target);
        return NULL;
      }
      return target;
    }
    g_free (target);
    if (errno != EEXIST) {
      set_errno_error (
          error, errno, "cannot move %s into the data directory", from_name);
      return NULL;
    }
  }
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
      "no free name for %s in the data directory", to_name);
  return NULL;
}

/* A deleted directory keeps working through an open descriptor, but nothing
 * can be created in it: when staging was removed during a run (a cleanup
 * job, a user's rm -rf), it is made again at the same path. */
gboolean
ffc_staging_ensure (
    gint *staging_fd, const gchar *path, gboolean *recreated, GError **error)
{
  struct stat st;
  gint fd;

  *recreated = FALSE;
  if (fstat (*staging_fd, &st) == 0 && st.st_nlink > 0)
    return TRUE;
  fd = ffc_dir_open (path, TRUE, error);
  if (fd < 0)
    return FALSE;
  close (*staging_fd);
  *staging_fd = fd;
  *recreated = TRUE;
  return TRUE;
}

/* An open file that was deleted cannot be linked again (linkat refuses a
 * file with no links): its content is copied into a new file in staging.
 * Returns the new descriptor, at its end, or -1. */
gint
ffc_staging_copy (gint staging_fd, gint fd, const gchar *name,
    gchar **created_name, GError **error)
{
  gchar buf[65536], proc[64];
  off_t offset = 0;
  gint in, out;

  /* segments are written write-only; /proc reopens even a deleted file */
  g_snprintf (proc, sizeof (proc), "/proc/self/fd/%d", fd);
  in = open (proc, O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    set_errno_error (error, errno, "cannot read back %s", name);
    return -1;
  }
  out = ffc_staging_create (staging_fd, name, created_name, error);
  if (out < 0) {
    close (in);
    return -1;
  }
  for (;;) {
    gssize n = pread (in, buf, sizeof (buf), offset);
    gsize done = 0;

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      set_errno_error (error, errno, "cannot read back %s", name);
      goto fail;
    }
    if (n == 0) {
      close (in);
      return out;
    }
    while (done < (gsize)n) {
      gssize w = write (out, buf + done, n - done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0) {
        set_errno_error (
            error, w < 0 ? errno : EIO, "cannot write %s", *created_name);
        goto fail;
      }
      done += w;
    }
    offset += n;
  }
fail:
  close (in);
  close (out);
  unlinkat (staging_fd, *created_name, 0);
  g_clear_pointer (created_name, g_free);
  return -1;
}
