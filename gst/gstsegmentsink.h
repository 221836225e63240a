/* gst-ffcapture: segmentsink
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_SEGMENT_SINK_H__
#define __GST_SEGMENT_SINK_H__

#include <gst/gst.h>
#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

typedef enum {
  GST_SEGMENT_SINK_FORMAT_WAV,
  GST_SEGMENT_SINK_FORMAT_FLAC,
} GstSegmentSinkFormat;

#define GST_TYPE_SEGMENT_SINK_FORMAT (gst_segment_sink_format_get_type ())
GType gst_segment_sink_format_get_type (void);

#define GST_TYPE_SEGMENT_SINK (gst_segment_sink_get_type ())
G_DECLARE_FINAL_TYPE (
    GstSegmentSink, gst_segment_sink, GST, SEGMENT_SINK, GstBaseSink)

G_END_DECLS

#endif
