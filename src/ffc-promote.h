/* gst-ffcapture: staging and atomic promotion of finished segments
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_PROMOTE_H__
#define __FFC_PROMOTE_H__

#include <glib.h>

G_BEGIN_DECLS

gint ffc_dir_open (const gchar *path, gboolean create, GError **error);
gboolean ffc_dirs_same_filesystem (gint dir_a, gint dir_b);
gint ffc_staging_create (
    gint staging_fd, const gchar *name, gchar **created_name, GError **error);
gboolean ffc_fsync (gint fd, GError **error);
gchar *ffc_promote (gint from_dir, const gchar *from_name, gint to_dir,
    const gchar *to_name, gboolean durable, GError **error);
gchar *ffc_name_with_suffix (const gchar *name, guint n);
gboolean ffc_staging_ensure (
    gint *staging_fd, const gchar *path, gboolean *recreated, GError **error);
gint ffc_staging_copy (gint staging_fd, gint fd, const gchar *name,
    gchar **created_name, GError **error);

/* The OFD write lock a live writer holds on its staging file (see
 * ffc-promote.c): 1 taken, 0 held by another, -1 no locks here (errno). */
gint ffc_staging_try_lock (gint fd);
/* A finished staging file: its writable descriptor `fd` is closed and a
 * read-only one returned that holds a read lock, so that the file stays
 * locked through the promotion and no close of a writable descriptor
 * happens in the data directory. On failure, `fd` itself. */
gint ffc_staging_seal (gint fd);

/* Where unrepairable orphans go, in staging */
#define FFC_QUARANTINE_SUBDIR "quarantine"

typedef enum {
  FFC_ORPHAN_RECOVERED,         /* repaired and promoted as moved_to */
  FFC_ORPHAN_QUARANTINED,       /* moved to quarantine/ as moved_to */
  FFC_ORPHAN_QUARANTINE_FAILED, /* unrepairable, and left: reason */
  FFC_ORPHAN_PROMOTE_FAILED,    /* repaired, left in staging: reason */
  FFC_ORPHAN_REMOVED_EMPTY,     /* never written: removed */
  FFC_ORPHAN_SKIPPED_LOCKED,    /* a live writer's: untouched */
} FfcOrphanOutcome;

typedef struct {
  FfcOrphanOutcome outcome;
  gchar *name;     /* in staging */
  gchar *moved_to; /* in the data directory, or in quarantine/ */
  guint64 frames;
  guint64 trimmed_bytes;
  gchar *reason;
} FfcOrphan;

/* Repairs a torn file in place (the container's repair): its frames after
 * repair and the bytes cut off; FALSE with an error if it cannot be. */
typedef gboolean (*FfcRepairFunc) (gint fd, guint64 *frames,
    guint64 *trimmed_bytes, gpointer user_data, GError **error);

/* Files in staging are segments a crash interrupted, or a live writer's:
 * each file no live writer holds is repaired and promoted under its own
 * name, or quarantined, in name order. Returns what became of each file
 * (FfcOrphan), never NULL. */
GPtrArray *ffc_staging_recover (gint staging_fd, gint data_fd, gboolean durable,
    FfcRepairFunc repair, gpointer user_data);

G_END_DECLS

#endif
