/* gst-ffcapture: run ids, pairs of sinks, and disk retention
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

static GMutex registry_lock;
static GHashTable *run_ids; /* scope -> RunId */
static GPtrArray *groups;   /* PairGroup */

typedef struct {
  gchar id[9];
  guint users;
} RunId;

gboolean
ffc_run_id_valid (const gchar *id)
{
  if (id == NULL || strlen (id) != 8)
    return FALSE;
  for (guint i = 0; i < 8; i++) {
    if (!g_ascii_isxdigit (id[i]))
      return FALSE;
  }
  return TRUE;
}

void
ffc_run_id_acquire (gconstpointer scope, gchar id[9])
{
  RunId *entry;

  g_mutex_lock (&registry_lock);
  if (run_ids == NULL)
    run_ids = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  entry = g_hash_table_lookup (run_ids, scope);
  if (entry == NULL) {
    entry = g_new0 (RunId, 1);
    g_snprintf (entry->id, sizeof (entry->id), "%08x", g_random_int ());
    g_hash_table_insert (run_ids, (gpointer)scope, entry);
  }
  entry->users++;
  memcpy (id, entry->id, 9);
  g_mutex_unlock (&registry_lock);
}

/* The last user forgets the id: the next start draws a new one. */
void
ffc_run_id_release (gconstpointer scope)
{
  RunId *entry;

  g_mutex_lock (&registry_lock);
  entry = run_ids ? g_hash_table_lookup (run_ids, scope) : NULL;
  if (entry != NULL && --entry->users == 0)
    g_hash_table_remove (run_ids, scope);
  if (run_ids != NULL && g_hash_table_size (run_ids) == 0)
    g_clear_pointer (&run_ids, g_hash_table_unref);
  g_mutex_unlock (&registry_lock);
}

/* ---- file name patterns ---- */

struct _FfcSegPattern {
  GRegex *re;
  gboolean has_time;
};

/* strftime conversions, as ffc_segname_expand () gives them in UTC; those
 * with a group name carry the time that orders segments */
static const struct {
  gchar conversion;
  const gchar *regex;
  const gchar *group;
} conversions[] = {
  { 'Y', "\\d{4}", "Y" },
  { 'm', "\\d{2}", "m" },
  { 'd', "\\d{2}", "d" },
  { 'H', "\\d{2}", "H" },
  { 'M', "\\d{2}", "M" },
  { 'S', "\\d{2}", "S" },
  { 's', "\\d+", "s" },
  { 'y', "\\d{2}", NULL },
  { 'C', "\\d{2}", NULL },
  { 'G', "\\d{4}", NULL },
  { 'g', "\\d{2}", NULL },
  { 'j', "\\d{3}", NULL },
  { 'e', "[ \\d]\\d", NULL },
  { 'I', "\\d{2}", NULL },
  { 'k', "[ \\d]\\d", NULL },
  { 'l', "[ \\d]\\d", NULL },
  { 'U', "\\d{2}", NULL },
  { 'W', "\\d{2}", NULL },
  { 'V', "\\d{2}", NULL },
  { 'u', "\\d", NULL },
  { 'w', "\\d", NULL },
  { 'z', "\\+0000", NULL },
};

static gboolean
append_conversion (GString *re, gchar c, GHashTable *captured)
{
  for (guint i = 0; i < G_N_ELEMENTS (conversions); i++) {
    const gchar *group = conversions[i].group;

    if (conversions[i].conversion != c)
      continue;
    /* a repeated conversion matches the same way, captured once */
    if (group != NULL && !g_hash_table_contains (captured, group)) {
      g_hash_table_add (captured, (gpointer)group);
      g_string_append_printf (re, "(?<%s>%s)", group, conversions[i].regex);
    } else {
      g_string_append (re, conversions[i].regex);
    }
    return TRUE;
  }
  switch (c) {
    case 'F':
      return append_conversion (re, 'Y', captured)
             && (g_string_append (re, "-"), TRUE)
             && append_conversion (re, 'm', captured)
             && (g_string_append (re, "-"), TRUE)
             && append_conversion (re, 'd', captured);
    case 'T':
      return append_conversion (re, 'H', captured)
             && (g_string_append (re, ":"), TRUE)
             && append_conversion (re, 'M', captured)
             && (g_string_append (re, ":"), TRUE)
             && append_conversion (re, 'S', captured);
    case 'R':
      return append_conversion (re, 'H', captured)
             && (g_string_append (re, ":"), TRUE)
             && append_conversion (re, 'M', captured);
    case '%':
      g_string_append (re, "%");
      return TRUE;
    default:
      return FALSE;
  }
}

static void
append_literal (GString *re, const gchar *text, gssize len)
{
  gchar *escaped = g_regex_escape_string (text, len);
  g_string_append (re, escaped);
  g_free (escaped);
}

/* Turns a template into a pattern that matches exactly the names it can
 * give: digits where a time or a number goes, 8 hex digits for {run}. */
FfcSegPattern *
ffc_seg_pattern_new (const gchar *template, GError **error)
{
  GString *re = g_string_new ("^");
  GHashTable *captured = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean seq_captured = FALSE;
  FfcSegPattern *pattern = NULL;
  GRegex *regex;

  for (const gchar *p = template; *p != '\0'; p++) {
    if (g_str_has_prefix (p, "{seq}")) {
      g_string_append (re, seq_captured ? "\\d{8,}" : "(?<seq>\\d{8,})");
      seq_captured = TRUE;
      p += strlen ("{seq}") - 1;
    } else if (g_str_has_prefix (p, "{duration}")) {
      g_string_append (re, "\\d+");
      p += strlen ("{duration}") - 1;
    } else if (g_str_has_prefix (p, "{run}")) {
      g_string_append (re, "[0-9A-Fa-f]{8}"); /* an explicit id is as given */
      p += strlen ("{run}") - 1;
    } else if (*p == '%') {
      if (p[1] == '\0' || !append_conversion (re, p[1], captured)) {
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
            "the names of template \"%s\" cannot be recognised: %%%c is not "
            "a numeric strftime conversion",
            template, p[1] ? p[1] : ' ');
        goto done;
      }
      p++;
    } else {
      append_literal (re, p, 1);
    }
  }
  g_string_append (re, "$");
  regex = g_regex_new (re->str, G_REGEX_OPTIMIZE, 0, error);
  if (regex == NULL)
    goto done;
  pattern = g_new0 (FfcSegPattern, 1);
  pattern->re = regex;
  pattern->has_time = g_hash_table_contains (captured, "Y")
                      || g_hash_table_contains (captured, "s");

done:
  g_hash_table_unref (captured);
  g_string_free (re, TRUE);
  return pattern;
}

gboolean
ffc_seg_pattern_has_time (const FfcSegPattern *pattern)
{
  return pattern->has_time;
}

/* A named group's number, or `fallback` if the pattern has none */
static gint
group_int (GMatchInfo *m, const gchar *group, gint fallback)
{
  gchar *text = g_match_info_fetch_named (m, group);
  gint value = fallback;

  if (text != NULL && *text != '\0')
    value = atoi (text);
  g_free (text);
  return value;
}

/* Whether `name` is one the template gives; then `time_s` is the time in
 * it (seconds since the epoch, UTC), or G_MININT64 when it has none. A
 * name with a date or time that cannot be (month 13) is not one. */
gboolean
ffc_seg_pattern_match (
    const FfcSegPattern *pattern, const gchar *name, gint64 *time_s)
{
  GMatchInfo *m = NULL;
  gboolean ok = FALSE;
  gchar *epoch;
  GDateTime *dt;

  if (!g_regex_match (pattern->re, name, 0, &m))
    goto done;
  /* month, day and time are checked even without a year */
  dt = g_date_time_new_utc (group_int (m, "Y", 2000), group_int (m, "m", 1),
      group_int (m, "d", 1), group_int (m, "H", 0), group_int (m, "M", 0),
      group_int (m, "S", 0));
  if (dt == NULL)
    goto done;
  if (time_s != NULL)
    *time_s = pattern->has_time ? g_date_time_to_unix (dt) : G_MININT64;
  g_date_time_unref (dt);
  epoch = g_match_info_fetch_named (m, "s");
  if (epoch != NULL && *epoch != '\0' && time_s != NULL)
    *time_s = g_ascii_strtoll (epoch, NULL, 10);
  g_free (epoch);
  ok = TRUE;

done:
  g_match_info_free (m);
  return ok;
}

void
ffc_seg_pattern_free (FfcSegPattern *pattern)
{
  if (pattern == NULL)
    return;
  g_regex_unref (pattern->re);
  g_free (pattern);
}

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
    gboolean ok = pending == NULL || !g_hash_table_contains (pending, name);
    guint64 bytes = 0;

    for (guint i = 0; i < n_dirs && ok; i++) {
      const FfcSegFile *f = g_hash_table_lookup (dirs[i].files, name);

      if (f == NULL)
        ok = !g_hash_table_contains (dirs[i].foreign, name);
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

  g_mutex_lock (&registry_lock);
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
  g_mutex_unlock (&registry_lock);
  return member;
}

void
ffc_pair_leave (FfcPairMember *member)
{
  PairGroup *group;

  if (member == NULL)
    return;
  group = member->group;
  g_mutex_lock (&registry_lock);
  g_ptr_array_remove (group->members, member);
  if (group->members->len == 0) {
    g_ptr_array_remove (groups, group);
    g_ptr_array_unref (group->members);
    g_free (group);
    if (groups->len == 0)
      g_clear_pointer (&groups, g_ptr_array_unref);
  }
  g_mutex_unlock (&registry_lock);
  g_queue_clear_full (&member->recent, (GDestroyNotify)promoted_free);
  ffc_seg_pattern_free (member->pattern);
  g_free (member->path);
  g_free (member);
}

guint
ffc_pair_size (FfcPairMember *member)
{
  guint n;

  g_mutex_lock (&registry_lock);
  n = member->group->members->len;
  g_mutex_unlock (&registry_lock);
  return n;
}

/* The first member to map running time to the wall clock sets the mapping
 * for all: names computed from the same running time then agree. */
gint64
ffc_pair_share_origin (FfcPairMember *member, gint64 origin_us)
{
  gint64 shared;

  g_mutex_lock (&registry_lock);
  if (!member->group->have_origin) {
    member->group->have_origin = TRUE;
    member->group->origin_us = origin_us;
  }
  shared = member->group->origin_us;
  g_mutex_unlock (&registry_lock);
  return shared;
}

void
ffc_pair_promoted (FfcPairMember *member, const gchar *name)
{
  g_mutex_lock (&registry_lock);
  if (member->group->members->len > 1) {
    Promoted *p = g_new0 (Promoted, 1);
    p->name = g_strdup (name);
    p->seq = member->promoted;
    g_queue_push_tail (&member->recent, p);
    g_hash_table_unref (pending_names (member));
  }
  member->promoted++;
  g_mutex_unlock (&registry_lock);
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

  g_mutex_lock (&registry_lock);
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
      FfcSegFile *f = g_hash_table_lookup (dirs[i].files, name);
      FfcDeleted *d;

      if (f == NULL)
        continue;
      if (unlinkat (members[i]->fd, name, 0) < 0) {
        int e = errno;
        if (e == ENOENT)
          continue; /* a consumer took it */
        /* stop here: the first side failing leaves the pair whole */
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
            "cannot delete %s/%s: %s", members[i]->path, name, g_strerror (e));
        goto sync;
      }
      touched[i] = TRUE;
      d = g_new0 (FfcDeleted, 1);
      d->path = g_build_filename (members[i]->path, name, NULL);
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
  g_mutex_unlock (&registry_lock);
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
