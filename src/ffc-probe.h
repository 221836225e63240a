/* gst-ffcapture: asking ffmpeg what an input delivers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_PROBE_H__
#define __FFC_PROBE_H__

#include <glib.h>

G_BEGIN_DECLS

gboolean ffc_probe_input (const gchar *const *argv, guint timeout_ms,
    guint *rate, guint *channels, GError **error);

G_END_DECLS

#endif
