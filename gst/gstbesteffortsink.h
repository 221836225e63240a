/* gst-ffcapture: besteffortsink
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_BEST_EFFORT_SINK_H__
#define __GST_BEST_EFFORT_SINK_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_BEST_EFFORT_SINK (gst_best_effort_sink_get_type ())
G_DECLARE_FINAL_TYPE (
    GstBestEffortSink, gst_best_effort_sink, GST, BEST_EFFORT_SINK, GstBin)

G_END_DECLS

#endif
