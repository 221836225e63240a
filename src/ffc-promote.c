/* gst-ffcapture: staging and atomic promotion of finished segments
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A segment is written in a staging directory and appears in the data
 * directory by one rename, so a consumer never sees it partial. The rename
 * never replaces a file (RENAME_NOREPLACE, or link+unlink where the
 * filesystem lacks it); a clash picks a free name. With `durable`, the file
 * is on disk before the rename and the rename before we report it.
 *
 * Several writers may share one staging directory (two recorders on one
 * data directory), and each one's crash recovery runs while the others
 * write. A staging file is therefore never without a live owner's lock
 * while it is being written: ffc_staging_create () makes it with O_EXCL
 * (two writers never share a name) and takes an OFD write lock on the
 * whole file (fcntl F_OFD_SETLKW). OFD locks belong to the open file
 * description, like flock (), so a second writer in the same process, or a
 * close () of another descriptor of the file, does not drop them (classic
 * POSIX F_SETLK locks are per process and would); unlike flock () they are
 * POSIX locks, so NFS and CIFS honour them too. After locking, a file that
 * has no link any more (a recovery removed it as an empty orphan between
 * our create and our lock) is given up and made again. The writer keeps
 * a lock until after the promoting rename (a lock survives a rename): once
 * the file is finished, ffc_staging_seal () turns it into a read lock on a
 * read-only descriptor, so that closing the writable one happens in
 * staging (a consumer watching IN_CLOSE_WRITE in the data directory sees
 * nothing) and the file is never unlocked before it is out of staging. Recovery
 * (ffc_staging_recover) opens each staging file and tries the lock without
 * waiting: held means a live writer owns it, and it is left untouched; got, an
 * empty file is removed (nothing is lost) and any other is repaired, promoted
 * or quarantined while the lock is held, after checking that the name still is
 * the file it locked.
 */
#include "ffc-promote.h"
#include "ffc-container.h"

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

static int
ofd_lock (gint fd, gboolean wait)
{
  struct flock fl = { 0 };
  int r;

  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET; /* l_start = l_len = 0: the whole file */
  while ((r = fcntl (fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl)) < 0
         && errno == EINTR)
    ;
  return r;
}

gint
ffc_staging_seal (gint fd)
{
  struct flock fl = { 0 };
  gchar proc[64];
  gint ro;

  fl.l_type = F_RDLCK;
  fl.l_whence = SEEK_SET;
  /* converting our own write lock is atomic: never unlocked */
  if (fcntl (fd, F_OFD_SETLK, &fl) < 0)
    return fd;
  g_snprintf (proc, sizeof (proc), "/proc/self/fd/%d", fd);
  ro = open (proc, O_RDONLY | O_CLOEXEC);
  if (ro < 0)
    return fd;
  if (fcntl (ro, F_OFD_SETLK, &fl) < 0) {
    close (ro);
    return fd;
  }
  close (fd);
  return ro;
}

gint
ffc_staging_try_lock (gint fd)
{
  if (ofd_lock (fd, FALSE) == 0)
    return 1;
  if (errno == EAGAIN || errno == EACCES)
    return 0;
  return -1;
}

/* Creates a new file in staging, locked (see the top of this file). Never
 * opens an existing file and never follows a link: a name taken by
 * anything, a planted symlink included, is passed over for a suffixed one.
 * Open for reading too: closing a WAV segment reads its GUANO text back to
 * set the Length. */
gint
ffc_staging_create (
    gint staging_fd, const gchar *name, gchar **created_name, GError **error)
{
  guint unlinked = 0;

  for (guint n = 0; n < MAX_NAME_TRIES; n++) {
    gchar *candidate = ffc_name_with_suffix (name, n);
    gint fd = openat (staging_fd, candidate,
        O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

    if (fd >= 0) {
      struct stat st;

      if (ofd_lock (fd, TRUE) < 0) {
        /* a filesystem without locks: the file works, unguarded */
        g_debug (
            "cannot lock %s in staging: %s", candidate, g_strerror (errno));
      } else if (fstat (fd, &st) == 0 && st.st_nlink == 0
                 && unlinked++ < MAX_NAME_TRIES) {
        /* removed as an empty orphan before we held it: again */
        close (fd);
        g_free (candidate);
        n--;
        continue;
      }
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
    if (!ffc_write_all (out, (const guint8 *)buf, n, -1, NULL, error)) {
      g_prefix_error (error, "cannot write %s: ", *created_name);
      goto fail;
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

/* g_ptr_array_sort () passes pointers to the elements */
static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *)a, *(const gchar *const *)b);
}

static void
orphan_free (gpointer data)
{
  FfcOrphan *o = data;

  g_free (o->name);
  g_free (o->moved_to);
  g_free (o->reason);
  g_free (o);
}

static FfcOrphan *
orphan_new (GPtrArray *out, FfcOrphanOutcome outcome, const gchar *name)
{
  FfcOrphan *o = g_new0 (FfcOrphan, 1);

  o->outcome = outcome;
  o->name = g_strdup (name);
  g_ptr_array_add (out, o);
  return o;
}

/* Moves `name` to quarantine/ in staging, never replacing anything. */
static void
quarantine (
    gint staging_fd, const gchar *name, const gchar *reason, GPtrArray *out)
{
  GError *error = NULL;
  gchar *moved = NULL;
  FfcOrphan *o;
  gint qfd;

  if (mkdirat (staging_fd, FFC_QUARANTINE_SUBDIR, 0755) < 0
      && errno != EEXIST) {
    set_errno_error (&error, errno, "cannot create %s", FFC_QUARANTINE_SUBDIR);
  } else if ((qfd = openat (staging_fd, FFC_QUARANTINE_SUBDIR,
                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
             < 0) {
    set_errno_error (&error, errno, "cannot open %s", FFC_QUARANTINE_SUBDIR);
  } else {
    moved = ffc_promote (staging_fd, name, qfd, name, TRUE, &error);
    close (qfd);
  }
  if (moved == NULL) {
    o = orphan_new (out, FFC_ORPHAN_QUARANTINE_FAILED, name);
    o->reason = g_strdup_printf ("%s (%s)", error->message, reason);
    g_clear_error (&error);
    return;
  }
  o = orphan_new (out, FFC_ORPHAN_QUARANTINED, name);
  o->moved_to = moved;
  o->reason = g_strdup (reason);
}

/* The name still is the file we hold (not promoted or replaced since we
 * listed it). */
static gboolean
still_there (gint staging_fd, const gchar *name, gint fd)
{
  struct stat a, b;

  return fstat (fd, &a) == 0 && a.st_nlink > 0
         && fstatat (staging_fd, name, &b, AT_SYMLINK_NOFOLLOW) == 0
         && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void
recover_one (gint staging_fd, gint data_fd, const gchar *name, gboolean durable,
    FfcRepairFunc repair, gpointer user_data, GPtrArray *out)
{
  guint64 frames = 0, trimmed = 0;
  GError *error = NULL;
  struct stat st;
  FfcOrphan *o;
  gchar *promoted;
  gint fd, locked;

  if (fstatat (staging_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0
      || !S_ISREG (st.st_mode))
    return; /* quarantine/, gone since, and nothing we wrote */
  fd = openat (staging_fd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) /* promoted by its writer since */
      quarantine (staging_fd, name, g_strerror (errno), out);
    return;
  }
  locked = ffc_staging_try_lock (fd);
  if (locked == 0) {
    g_debug ("%s in staging is held by a live writer: left alone", name);
    orphan_new (out, FFC_ORPHAN_SKIPPED_LOCKED, name);
    close (fd);
    return;
  }
  if (locked < 0)
    g_debug ("cannot lock %s in staging: %s", name, g_strerror (errno));
  if (!still_there (staging_fd, name, fd)) {
    close (fd);
    return;
  }
  if (fstat (fd, &st) == 0 && st.st_size == 0) {
    /* created, never written: nothing is lost */
    unlinkat (staging_fd, name, 0);
    orphan_new (out, FFC_ORPHAN_REMOVED_EMPTY, name);
    close (fd);
    return;
  }
  if (!repair (fd, &frames, &trimmed, user_data, &error)
      || (durable && !ffc_fsync (fd, &error))) {
    quarantine (staging_fd, name, error->message, out);
    g_clear_error (&error);
    close (fd);
    return;
  }
  /* promoted while still locked: no other recovery can touch it */
  fd = ffc_staging_seal (fd);
  promoted = ffc_promote (staging_fd, name, data_fd, name, durable, &error);
  close (fd);
  if (promoted == NULL) {
    o = orphan_new (out, FFC_ORPHAN_PROMOTE_FAILED, name);
    o->reason = g_strdup (error->message);
    g_clear_error (&error);
    return;
  }
  o = orphan_new (out, FFC_ORPHAN_RECOVERED, name);
  o->moved_to = promoted;
  o->frames = frames;
  o->trimmed_bytes = trimmed;
}

GPtrArray *
ffc_staging_recover (gint staging_fd, gint data_fd, gboolean durable,
    FfcRepairFunc repair, gpointer user_data)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (orphan_free);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  gint dfd = openat (staging_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const gchar *name;
  GDir *dir;
  gchar path[64];

  if (dfd < 0)
    return out;
  /* GDir reads by path: the directory's own, through /proc */
  g_snprintf (path, sizeof (path), "/proc/self/fd/%d", dfd);
  dir = g_dir_open (path, 0, NULL);
  if (dir != NULL) {
    while ((name = g_dir_read_name (dir)) != NULL)
      g_ptr_array_add (names, g_strdup (name));
    g_dir_close (dir);
  }
  close (dfd);
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    recover_one (
        staging_fd, data_fd, names->pdata[i], durable, repair, user_data, out);
  g_ptr_array_unref (names);
  return out;
}
