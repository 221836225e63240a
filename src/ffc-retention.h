/* gst-ffcapture: disk retention: free space and the choice of victims
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_RETENTION_H__
#define __FFC_RETENTION_H__

#include <glib.h>

#include "ffc-segname.h"

G_BEGIN_DECLS

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
/* The segment `name` in `dir`, or its twin in another format (a pair of
 * a FLAC and a WAV stream); NULL if neither */
const FfcSegFile *ffc_ret_dir_find (const FfcRetDir *dir, const gchar *name);
GPtrArray *ffc_retention_choose (const FfcRetDir *dirs, guint n_dirs,
    GHashTable *pending, gint64 now_us, guint64 need_bytes);

G_END_DECLS

#endif
