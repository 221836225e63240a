/* gst-ffcapture: when the recorder pets systemd's watchdog
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ffc-watchdog.h"

void
ffc_watchdog_init (FfcWatchdog *wd, gint64 now_us, gint64 flow_timeout_us,
    gint64 promotion_timeout_us)
{
  wd->flow_timeout_us = flow_timeout_us;
  wd->promotion_timeout_us = promotion_timeout_us;
  wd->last_pushed = 0;
  wd->last_growth_us = G_MININT64;
  /* the first segment has a promotion timeout from the start */
  wd->last_promotion_us = now_us;
}

void
ffc_watchdog_promoted (FfcWatchdog *wd, gint64 now_us)
{
  wd->last_promotion_us = now_us;
}

gboolean
ffc_watchdog_check (FfcWatchdog *wd, gint64 now_us, guint64 samples_pushed)
{
  gboolean flowing, promoting;

  if (samples_pushed > wd->last_pushed)
    wd->last_growth_us = now_us;
  /* a new ffmpegsrc (a restarted pipeline) counts from zero again */
  wd->last_pushed = samples_pushed;

  flowing = wd->last_growth_us != G_MININT64
            && now_us - wd->last_growth_us <= wd->flow_timeout_us;
  promoting = wd->promotion_timeout_us <= 0
              || now_us - wd->last_promotion_us <= wd->promotion_timeout_us;
  return flowing && promoting;
}

gint64
ffc_watchdog_promotion_timeout (gint64 segment_us)
{
  return segment_us + MAX (10 * G_USEC_PER_SEC, segment_us / 2);
}
