/* gst-ffcapture: schedulegate
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_SCHEDULE_GATE_H__
#define __GST_SCHEDULE_GATE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_SCHEDULE_GATE (gst_schedule_gate_get_type ())
G_DECLARE_FINAL_TYPE (
    GstScheduleGate, gst_schedule_gate, GST, SCHEDULE_GATE, GstElement)

G_END_DECLS

#endif
