/* gst-ffcapture: run ids, pairs of sinks, and disk retention
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_RETENTION_H__
#define __FFC_RETENTION_H__

#include <glib.h>

G_BEGIN_DECLS

/* Run ids: 8 lowercase hex digits, shared by every user of one scope (the
 * top-level pipeline) until the last releases it. */
gboolean ffc_run_id_valid (const gchar *id);
void ffc_run_id_acquire (gconstpointer scope, gchar id[9]);
void ffc_run_id_release (gconstpointer scope);

/* The names a file name template can produce, as a strict pattern. */
typedef struct _FfcSegPattern FfcSegPattern;

FfcSegPattern *ffc_seg_pattern_new (const gchar *template, GError **error);
gboolean ffc_seg_pattern_match (
    const FfcSegPattern *pattern, const gchar *name, gint64 *time_s);
gboolean ffc_seg_pattern_has_time (const FfcSegPattern *pattern);
void ffc_seg_pattern_free (FfcSegPattern *pattern);

gboolean ffc_free_space (gint dir_fd, guint64 *bytes, GError **error);

/* One promoted segment in a directory listing. */
typedef struct {
  gchar *name;
  gint64 time_s;     /* the time in its name; G_MININT64 if none */
  gint64 changed_us; /* latest of mtime and ctime: when it appeared */
  guint64 bytes;     /* space it takes */
} FfcSegFile;

/* A directory of a pair group, as retention sees it. */
typedef struct {
  GHashTable *files;   /* name -> FfcSegFile: segments its template made */
  GHashTable *foreign; /* any other name present: never deleted */
  gint64 min_age_us;
  gboolean deletable; /* its sink has retention on */
  gboolean same_fs;   /* deleting here frees space where it is needed */
} FfcRetDir;

void ffc_ret_dir_init (FfcRetDir *dir);
void ffc_ret_dir_clear (FfcRetDir *dir);
gboolean ffc_ret_dir_list (
    gint dir_fd, const FfcSegPattern *pattern, FfcRetDir *dir, GError **error);
GPtrArray *ffc_retention_choose (const FfcRetDir *dirs, guint n_dirs,
    GHashTable *pending, gint64 now_us, guint64 need_bytes);

/* Sinks recording one capture under one run id form a pair group: their
 * segments carry the same names and are deleted together. */
typedef struct _FfcPairMember FfcPairMember;

typedef struct {
  gchar *path;
  guint64 bytes;
} FfcDeleted;

void ffc_deleted_free (FfcDeleted *deleted);

FfcPairMember *ffc_pair_join (gconstpointer scope, const gchar *run_id,
    const gchar *dir_path, gint dir_fd, const gchar *template,
    gboolean retention, gint64 min_age_us, GError **error);
void ffc_pair_leave (FfcPairMember *member);
guint ffc_pair_size (FfcPairMember *member);
gint64 ffc_pair_share_origin (FfcPairMember *member, gint64 origin_us);
void ffc_pair_promoted (FfcPairMember *member, const gchar *name);
GPtrArray *ffc_pair_make_room (FfcPairMember *member, guint64 min_free,
    gint64 now_us, gboolean durable, guint64 *free_after, GError **error);

G_END_DECLS

#endif
