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

G_END_DECLS

#endif
