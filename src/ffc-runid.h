/* gst-ffcapture: run ids, shared by the sinks of one pipeline
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_RUNID_H__
#define __FFC_RUNID_H__

#include <glib.h>

G_BEGIN_DECLS

/* Run ids: 8 lowercase hex digits, shared by every user of one scope (the
 * top-level pipeline) until the last releases it. */
gboolean ffc_run_id_valid (const gchar *id);
void ffc_run_id_acquire (gconstpointer scope, gchar id[9]);
void ffc_run_id_release (gconstpointer scope);

G_END_DECLS

#endif
