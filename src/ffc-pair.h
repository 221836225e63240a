/* gst-ffcapture: pairs of sinks recording one capture
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_PAIR_H__
#define __FFC_PAIR_H__

#include <glib.h>

G_BEGIN_DECLS

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
