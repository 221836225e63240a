/* gst-ffcapture: when the recorder pets systemd's watchdog
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_WATCHDOG_H__
#define __FFC_WATCHDOG_H__

#include <glib.h>

G_BEGIN_DECLS

/* The watchdog decision: pet only while samples flow (samples-pushed grew
 * within flow_timeout) and segments are promoted (one within
 * promotion_timeout of the last, or of the start; 0 = not checked, for
 * gated recordings that promote only now and then). Nothing is petted
 * before the first samples. */
typedef struct {
  gint64 flow_timeout_us;
  gint64 promotion_timeout_us;
  guint64 last_pushed;
  gint64 last_growth_us; /* G_MININT64 until samples flow */
  gint64 last_promotion_us;
} FfcWatchdog;

void ffc_watchdog_init (FfcWatchdog *wd, gint64 now_us, gint64 flow_timeout_us,
    gint64 promotion_timeout_us);
void ffc_watchdog_promoted (FfcWatchdog *wd, gint64 now_us);
/* Feeds samples-pushed; TRUE if the watchdog may be petted now. */
gboolean ffc_watchdog_check (
    FfcWatchdog *wd, gint64 now_us, guint64 samples_pushed);
/* The promotion timeout for segments of this length: the length plus the
 * larger of 10 s and half the length. */
gint64 ffc_watchdog_promotion_timeout (gint64 segment_us);
G_END_DECLS

#endif /* __FFC_WATCHDOG_H__ */
