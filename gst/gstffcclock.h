/* gst-ffcapture: the ffcapture-clock event, and wall-clock times downstream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_FFC_CLOCK_H__
#define __GST_FFC_CLOCK_H__

#include <gst/gst.h>

#include "ffc-clock.h"

G_BEGIN_DECLS

/* The sticky custom event ffmpegsrc sends the time model in
 * (docs/time.md): the one place its fields are written and read. */
GstEvent *gst_ffc_clock_event_new (const FfcTimeModel *model);
/* FALSE when `event` is not an ffcapture-clock event, or a malformed one. */
gboolean gst_ffc_clock_event_parse (GstEvent *event, FfcTimeModel *model);

/* For a consumer of the stream (a sink, a gate): takes the model from
 * `event` into `map` if it is one. Returns TRUE when it was. */
gboolean gst_ffc_wall_map_take_event (
    FfcWallMap *map, GstObject *element, GstEvent *event);
/* The wall-clock time (µs since the epoch) of running time 0, from the
 * element's pipeline clock now, or from `running_time` (ns) taken as now
 * when it has none: for a stream without a time model. */
gint64 gst_ffc_wall_origin_now (GstElement *element, GstClockTime running_time);

G_END_DECLS

#endif
