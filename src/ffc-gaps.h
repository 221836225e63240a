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

/* Gaps found inside ffmpeg: FFC_GAPS_REPORT_FILTER, first in its filter
 * chain, runs the same test on every input frame (in microseconds) and
 * prints nothing but a report of each gap, four lines on stderr (see
 * ffc-stderr: FFC_LINE_GAP): FFC_GAPS_REPORT_MARKER, the input samples before
 * the frame that came late, how much later it came (us), the input rate. */
#define FFC_GAPS_MIN_US 5000
#define FFC_GAPS_REPORT_MARKER "-2718281828"
/* ld(0): where the next frame should start; ld(9): a frame came before */
#define FFC_GAPS_REPORT_FILTER                                                 \
  "asettb=1/1000000,asetpts='if(if(ld(9)*gt(PTS-ld(0),"                        \
  "max(" G_STRINGIFY (                                                         \
      FFC_GAPS_MIN_US) ",S*500000/SAMPLE_RATE)),"                              \
                       "print(" FFC_GAPS_REPORT_MARKER                         \
                       ")+print(NB_CONSUMED_SAMPLES)"                          \
                       "+print(PTS-ld(0))+print(SAMPLE_RATE))"                 \
                       "+st(0,PTS+S*1000000/SAMPLE_RATE)+st(9,1),PTS,PTS)'"

gboolean ffc_gap_from_report (
    guint64 at_sample, gdouble jump_us, guint rate, FfcGap *gap);

void ffc_gap_detector_init (FfcGapDetector *detector, gint64 min_gap_us);
gboolean ffc_gap_detector_feed (FfcGapDetector *detector, gint64 pts_us,
    guint samples, guint rate, FfcGap *gap);

G_END_DECLS

#endif
