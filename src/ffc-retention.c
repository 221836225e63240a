/* gst-ffcapture: disk retention: free space and the choice of victims
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Several sinks recording one capture (a raw and a processed stream) share
 * a run id and a time origin, so their segments carry the same names; they
 * form a pair group. When space runs low, retention deletes the oldest
 * segments by name in every directory of the group at once, and only names
 * that each sink's own template could have produced, old enough for a
 * consumer to have seen them. A name one side cannot delete is kept on
 * every side: never half a pair.
 */
#include "ffc-retention.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "ffc-promote.h"
#include "ffc-segname.h"

/* ---- free space and victims ---- */

/* Space an unprivileged writer can still use on the directory's
 * filesystem. */
gboolean
ffc_free_space (gint dir_fd, guint64 *bytes, GError **error)
{
  struct statvfs st;

  if (fstatvfs (dir_fd, &st) < 0) {
    int e = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
        "cannot read the free space: %s", g_strerror (e));
    return FALSE;
  }
  *bytes = (guint64)st.f_bavail * st.f_frsize;
  return TRUE;
}

static void
seg_file_free (FfcSegFile *f)
{
  g_free (f->name);
  g_free (f);
}

void
ffc_ret_dir_init (FfcRetDir *dir)
{
  memset (dir, 0, sizeof (*dir));
  dir->files = g_hash_table_new_full (
      g_str_hash, g_str_equal, NULL, (GDestroyNotify)seg_file_free);
  dir->foreign = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
ffc_ret_dir_clear (FfcRetDir *dir)
{
  g_clear_pointer (&dir->files, g_hash_table_unref);
  g_clear_pointer (&dir->foreign, g_hash_table_unref);
}

/* Sorts a directory's entries into segments its template made (regular
 * files, never links) and anything else. `pattern` NULL: nothing is ours. */
gboolean
ffc_ret_dir_list (
    gint dir_fd, const FfcSegPattern *pattern, FfcRetDir *dir, GError **error)
{
  gint fd = dup (dir_fd);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *ent;

  if (d == NULL) {
    int e = errno;
    if (fd >= 0)
      close (fd);
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
        "cannot list the directory: %s", g_strerror (e));
    return FALSE;
  }
  rewinddir (d); /* the dup shares its position with dir_fd */
  while ((ent = readdir (d)) != NULL) {
    struct stat st;
    gint64 time_s;
    FfcSegFile *f;

    if (strcmp (ent->d_name, ".") == 0 || strcmp (ent->d_name, "..") == 0)
      continue;
    if (pattern == NULL
        || fstatat (dir_fd, ent->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0
        || !S_ISREG (st.st_mode)
        || !ffc_seg_pattern_match (pattern, ent->d_name, &time_s)) {
      g_hash_table_add (dir->foreign, g_strdup (ent->d_name));
      continue;
    }
    f = g_new0 (FfcSegFile, 1);
    f->name = g_strdup (ent->d_name);
    f->time_s = time_s;
    f->changed_us = MAX (
        (gint64)st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000,
        (gint64)st.st_ctim.tv_sec * G_USEC_PER_SEC + st.st_ctim.tv_nsec / 1000);
    f->bytes = (guint64)st.st_blocks * 512;
    g_hash_table_insert (dir->files, f->name, f);
  }
  closedir (d);
  return TRUE;
}

/* oldest first: by the time in the name, then by when it appeared */
static gint
compare_age (gconstpointer a, gconstpointer b)
{
  const FfcSegFile *fa = *(FfcSegFile *const *)a;
  const FfcSegFile *fb = *(FfcSegFile *const *)b;

  if (fa->time_s != fb->time_s)
    return fa->time_s < fb->time_s ? -1 : 1;
  if (fa->changed_us != fb->changed_us)
    return fa->changed_us < fb->changed_us ? -1 : 1;
  return strcmp (fa->name, fb->name);
}

const FfcSegFile *
ffc_ret_dir_find (const FfcRetDir *dir, const gchar *name)
{
  gchar **twins = ffc_segname_twins (name);
  const FfcSegFile *f = NULL;

  for (guint i = 0; twins[i] != NULL && f == NULL; i++)
    f = g_hash_table_lookup (dir->files, twins[i]);
  g_strfreev (twins);
  return f;
}

/* Whether a name or one of its twins is in `set` */
static gboolean
contains_twin (GHashTable *set, const gchar *name)
{
  gchar **twins = ffc_segname_twins (name);
  gboolean found = FALSE;

  for (guint i = 0; twins[i] != NULL && !found; i++)
    found = g_hash_table_contains (set, twins[i]);
  g_strfreev (twins);
  return found;
}

/* Chooses the oldest segments of dirs[0] to delete, with the same name in
 * every other directory, until they free `need_bytes` on dirs[0]'s
 * filesystem. A name is kept (on every side) if one side holds it as
 * something its template did not make, is younger than its min-age, or has
 * retention off, or if it is `pending` (a partner will still promote it).
 * Returns the names, oldest first. */
GPtrArray *
ffc_retention_choose (const FfcRetDir *dirs, guint n_dirs, GHashTable *pending,
    gint64 now_us, guint64 need_bytes)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *candidates;
  GHashTableIter iter;
  gpointer value;
  guint64 freed = 0;

  if (n_dirs == 0 || !dirs[0].deletable || need_bytes == 0)
    return out;
  candidates = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, dirs[0].files);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (candidates, value);
  g_ptr_array_sort (candidates, compare_age);

  for (guint c = 0; c < candidates->len && freed < need_bytes; c++) {
    const gchar *name = ((FfcSegFile *)candidates->pdata[c])->name;
    gboolean ok = pending == NULL || !contains_twin (pending, name);
    guint64 bytes = 0;

    for (guint i = 0; i < n_dirs && ok; i++) {
      const FfcSegFile *f = ffc_ret_dir_find (&dirs[i], name);

      if (f == NULL)
        ok = !contains_twin (dirs[i].foreign, name);
      else if (!dirs[i].deletable
               || now_us - f->changed_us < dirs[i].min_age_us)
        ok = FALSE;
      else if (dirs[i].same_fs)
        bytes += f->bytes;
    }
    if (ok) {
      g_ptr_array_add (out, g_strdup (name));
      freed += bytes;
    }
  }
  g_ptr_array_unref (candidates);
  return out;
}
