/* gst-ffcapture: segment file names from a template
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_SEGNAME_H__
#define __FFC_SEGNAME_H__

#include <glib.h>

G_BEGIN_DECLS

#define FFC_SEGNAME_DEFAULT "%Y-%m-%dT%H-%M-%SZ_{duration}s_{run}_{seq}.wav"

gboolean ffc_segname_validate (const gchar *template, GError **error);
gchar *ffc_segname_expand (const gchar *template, gint64 start_us, guint64 seq,
    guint64 duration_s, const gchar *run, GError **error);
gchar *ffc_segname_iso8601 (gint64 wall_us);

G_END_DECLS

#endif
