/* gst-ffcapture: the recorder's daily summary files
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_SUMMARY_H__
#define __FFC_SUMMARY_H__

#include "ffc-metrics.h"

G_BEGIN_DECLS

/* The daily summary: summary/YYYY-MM-DD.csv (the UTC date of the line) in
 * the data directory, a header and one line a minute. Counters in a line
 * are what happened since prev (the previous line's snapshot, or NULL for
 * the recorder's start). */
#define FFC_SUMMARY_HEADER                                                     \
  "time,samples_captured,samples_dropped,samples_lost,gaps,restarts,"          \
  "free_bytes,temperature_c,drift_ppm\n"
gchar *ffc_summary_path (const gchar *data_dir, gint64 now_us);
gchar *ffc_summary_line (const FfcHealth *prev, const FfcHealth *now);
/* Appends the line (and the header, in a new file); creates summary/. */
gboolean ffc_summary_append (const gchar *data_dir, const FfcHealth *prev,
    const FfcHealth *now, GError **error);

G_END_DECLS

#endif /* __FFC_SUMMARY_H__ */
