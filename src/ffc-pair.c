/* gst-ffcapture: pairs of sinks recording one capture
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Several sinks recording one capture (a raw and a processed stream) share
 * a run id and a time origin, so their segments carry the same names; they
 * form a pair group. When space runs low, retention (ffc-retention.c)
 * chooses the oldest segments by name in every directory of the group at
 * once; a name one side cannot delete is kept on every side: never half a
 * pair.
 */
#include "ffc-pair.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "ffc-promote.h"
#include "ffc-retention.h"
#include "ffc-segname.h"

static GMutex groups_lock;
static GPtrArray *groups; /* PairGroup */

/* ---- pair groups ---- */

typedef struct {
  gconstpointer scope;
  gchar run_id[9];
  GPtrArray *members;
  gboolean have_origin;
  gint64 origin_us;
} PairGroup;

typedef struct {
  gchar *name;
  guint64 seq;
} Promoted;

struct _FfcPairMember {
  PairGroup *group;
  gchar *path;
  gint fd; /* the sink's, valid until it leaves */
  dev_t dev;
  FfcSegPattern *pattern; /* NULL: its names are not recognised */
  gboolean retention;
  gint64 min_age_us;
  guint64 promoted;
  GQueue recent; /* Promoted here; a partner may not have promoted them yet */
};

static void
promoted_free (Promoted *p)
{
  g_free (p->name);
  g_free (p);
}

/* Call with the lock held. Partners promote the same names in the same
 * order: a name promoted here as number n is pending while a partner has
 * promoted n or fewer. Forgets those all partners have. */
static GHashTable *
pending_names (FfcPairMember *member)
{
  GHashTable *pending = g_hash_table_new (g_str_hash, g_str_equal);
  guint64 least = G_MAXUINT64;
  Promoted *p;

  for (guint i = 0; i < member->group->members->len; i++) {
    FfcPairMember *other = member->group->members->pdata[i];
    if (other != member)
      least = MIN (least, other->promoted);
  }
  while ((p = g_queue_peek_head (&member->recent)) != NULL && p->seq < least)
    promoted_free (g_queue_pop_head (&member->recent));
  for (GList *l = member->recent.head; l != NULL; l = l->next)
    g_hash_table_add (pending, ((Promoted *)l->data)->name);
  return pending;
}

FfcPairMember *
ffc_pair_join (gconstpointer scope, const gchar *run_id, const gchar *dir_path,
    gint dir_fd, const gchar *template, gboolean retention, gint64 min_age_us,
    GError **error)
{
  FfcSegPattern *pattern = ffc_seg_pattern_new (template, error);
  FfcPairMember *member;
  PairGroup *group = NULL;
  struct stat st;

  if (pattern == NULL && retention)
    return NULL;
  g_clear_error (error);

  member = g_new0 (FfcPairMember, 1);
  member->path = g_strdup (dir_path);
  member->fd = dir_fd;
  member->dev = fstat (dir_fd, &st) == 0 ? st.st_dev : 0;
  member->pattern = pattern;
  member->retention = retention;
  member->min_age_us = min_age_us;
  g_queue_init (&member->recent);

  g_mutex_lock (&groups_lock);
  if (groups == NULL)
    groups = g_ptr_array_new ();
  for (guint i = 0; i < groups->len && group == NULL; i++) {
    PairGroup *g = groups->pdata[i];
    if (g->scope == scope && strcmp (g->run_id, run_id) == 0)
      group = g;
  }
  if (group == NULL) {
    group = g_new0 (PairGroup, 1);
    group->scope = scope;
    g_strlcpy (group->run_id, run_id, sizeof (group->run_id));
    group->members = g_ptr_array_new ();
    g_ptr_array_add (groups, group);
  }
  member->group = group;
  g_ptr_array_add (group->members, member);
  g_mutex_unlock (&groups_lock);
  return member;
}

void
ffc_pair_leave (FfcPairMember *member)
{
  PairGroup *group;

  if (member == NULL)
    return;
  group = member->group;
  g_mutex_lock (&groups_lock);
  g_ptr_array_remove (group->members, member);
  if (group->members->len == 0) {
    g_ptr_array_remove (groups, group);
    g_ptr_array_unref (group->members);
    g_free (group);
    if (groups->len == 0)
      g_clear_pointer (&groups, g_ptr_array_unref);
  }
  g_mutex_unlock (&groups_lock);
  g_queue_clear_full (&member->recent, (GDestroyNotify)promoted_free);
  ffc_seg_pattern_free (member->pattern);
  g_free (member->path);
  g_free (member);
}

guint
ffc_pair_size (FfcPairMember *member)
{
  guint n;

  g_mutex_lock (&groups_lock);
  n = member->group->members->len;
  g_mutex_unlock (&groups_lock);
  return n;
}

/* The first member to map running time to the wall clock sets the mapping
 * for all: names computed from the same running time then agree. */
gint64
ffc_pair_share_origin (FfcPairMember *member, gint64 origin_us)
{
  gint64 shared;

  g_mutex_lock (&groups_lock);
  if (!member->group->have_origin) {
    member->group->have_origin = TRUE;
    member->group->origin_us = origin_us;
  }
  shared = member->group->origin_us;
  g_mutex_unlock (&groups_lock);
  return shared;
}

void
ffc_pair_promoted (FfcPairMember *member, const gchar *name)
{
  g_mutex_lock (&groups_lock);
  if (member->group->members->len > 1) {
    Promoted *p = g_new0 (Promoted, 1);
    p->name = g_strdup (name);
    p->seq = member->promoted;
    g_queue_push_tail (&member->recent, p);
    g_hash_table_unref (pending_names (member));
  }
  member->promoted++;
  g_mutex_unlock (&groups_lock);
}

void
ffc_deleted_free (FfcDeleted *deleted)
{
  g_free (deleted->path);
  g_free (deleted);
}

/* Deletes the oldest segments of the member's group until its filesystem
 * has `min_free` bytes free and an eighth more, or nothing more may go. Returns
 * what was deleted (FfcDeleted), and the free space after in `free_after`; NULL
 * if it cannot tell (then `error`). A deletion that fails stops the pass
 * with `error` set, and returns what was deleted before. */
GPtrArray *
ffc_pair_make_room (FfcPairMember *member, guint64 min_free, gint64 now_us,
    gboolean durable, guint64 *free_after, GError **error)
{
  GPtrArray *deleted =
      g_ptr_array_new_with_free_func ((GDestroyNotify)ffc_deleted_free);
  PairGroup *group = member->group;
  GPtrArray *victims = NULL;
  GHashTable *pending = NULL;
  FfcPairMember **members;
  gboolean *touched;
  FfcRetDir *dirs;
  guint64 free_space, free_end, target;
  guint n;

  g_mutex_lock (&groups_lock);
  n = group->members->len;
  dirs = g_new0 (FfcRetDir, n);
  touched = g_new0 (gboolean, n);
  members = g_new0 (FfcPairMember *, n);
  /* this member first */
  members[0] = member;
  for (guint i = 0, k = 1; i < n; i++) {
    if (group->members->pdata[i] != member)
      members[k++] = group->members->pdata[i];
  }
  for (guint i = 0; i < n; i++)
    ffc_ret_dir_init (&dirs[i]);

  /* measured under the lock: a partner may just have made room */
  if (!ffc_free_space (member->fd, &free_space, error))
    goto fail;
  free_end = free_space;
  if (free_space >= min_free || !member->retention)
    goto out;
  /* an eighth more: not one directory scan for every segment written */
  target = min_free + MIN (min_free / 8, G_MAXUINT64 - min_free);

  for (guint i = 0; i < n; i++) {
    dirs[i].min_age_us = members[i]->min_age_us;
    dirs[i].deletable = members[i]->retention;
    dirs[i].same_fs = members[i]->dev == member->dev;
    if (!ffc_ret_dir_list (
            members[i]->fd, members[i]->pattern, &dirs[i], error)) {
      g_prefix_error (error, "%s: ", members[i]->path);
      goto fail;
    }
  }
  pending = pending_names (member);
  victims =
      ffc_retention_choose (dirs, n, pending, now_us, target - free_space);

  for (guint v = 0; v < victims->len; v++) {
    const gchar *name = victims->pdata[v];

    for (guint i = 0; i < n; i++) {
      /* the same name, or its twin in the other format */
      const FfcSegFile *f = ffc_ret_dir_find (&dirs[i], name);
      FfcDeleted *d;

      if (f == NULL)
        continue;
      if (unlinkat (members[i]->fd, f->name, 0) < 0) {
        int e = errno;
        if (e == ENOENT)
          continue; /* a consumer took it */
        /* stop here: the first side failing leaves the pair whole */
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
            "cannot delete %s/%s: %s", members[i]->path, f->name,
            g_strerror (e));
        goto sync;
      }
      touched[i] = TRUE;
      d = g_new0 (FfcDeleted, 1);
      d->path = g_build_filename (members[i]->path, f->name, NULL);
      d->bytes = f->bytes;
      g_ptr_array_add (deleted, d);
    }
  }

sync:
  for (guint i = 0; i < n; i++) {
    if (touched[i] && durable)
      ffc_fsync (members[i]->fd, NULL);
  }
  ffc_free_space (member->fd, &free_end, NULL);
  goto out;

fail:
  g_clear_pointer (&deleted, g_ptr_array_unref);

out:
  g_mutex_unlock (&groups_lock);
  if (deleted != NULL && free_after != NULL)
    *free_after = free_end;
  if (victims != NULL)
    g_ptr_array_unref (victims);
  if (pending != NULL)
    g_hash_table_unref (pending);
  for (guint i = 0; i < n; i++)
    ffc_ret_dir_clear (&dirs[i]);
  g_free (dirs);
  g_free (touched);
  g_free (members);
  return deleted;
}
