/* gst-ffcapture: finding gaps in ffmpeg's input timestamps
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_GAPS_H__
#define __FFC_GAPS_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 at_sample;    /* input samples before the gap */
  guint64 lost_samples; /* input samples the gap lasted */
  gint64 jump_us;       /* how much later the frame came */
  guint rate;           /* the input rate */
} FfcGap;

typedef struct {
  gint64 min_gap_us;
  gboolean have_previous;
  gdouble next_pts_us; /* where the next frame should start */
  guint rate;
  guint64 samples; /* input samples seen so far */
} FfcGapDetector;

void ffc_gap_detector_init (FfcGapDetector *detector, gint64 min_gap_us);
gboolean ffc_gap_detector_feed (FfcGapDetector *detector, gint64 pts_us,
    guint samples, guint rate, FfcGap *gap);

G_END_DECLS

#endif
