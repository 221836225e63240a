/* gst-ffcapture: the ffcapture-clock event, and wall-clock times downstream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstffcclock.h"

#include <math.h>

GstEvent *
gst_ffc_clock_event_new (const FfcTimeModel *model)
{
  /* clang-format off */
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM_STICKY,
      gst_structure_new (FFC_CLOCK_EVENT,
          "running-time", G_TYPE_UINT64, model->running_time_ns,
          "wall-time", G_TYPE_INT64, model->wall_us,
          "drift-ppm", G_TYPE_DOUBLE, model->drift_ppm,
          "drift-known", G_TYPE_BOOLEAN, model->drift_known,
          "settled", G_TYPE_BOOLEAN, model->settled,
          "synchronised", G_TYPE_BOOLEAN, model->synchronised,
          NULL));
  /* clang-format on */
}

gboolean
gst_ffc_clock_event_parse (GstEvent *event, FfcTimeModel *model)
{
  const GstStructure *s;
  FfcTimeModel m = {
    0,
  };

  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM_STICKY
      || !gst_event_has_name (event, FFC_CLOCK_EVENT))
    return FALSE;
  s = gst_event_get_structure (event);
  if (!gst_structure_get_uint64 (s, "running-time", &m.running_time_ns)
      || !gst_structure_get_int64 (s, "wall-time", &m.wall_us)
      || !gst_structure_get_double (s, "drift-ppm", &m.drift_ppm)
      || !isfinite (m.drift_ppm))
    return FALSE;
  /* fields a newer sender may leave out: what an older one meant */
  m.synchronised = m.settled = TRUE;
  gst_structure_get_boolean (s, "drift-known", &m.drift_known);
  gst_structure_get_boolean (s, "settled", &m.settled);
  gst_structure_get_boolean (s, "synchronised", &m.synchronised);
  *model = m;
  return TRUE;
}

gboolean
gst_ffc_wall_map_take_event (
    FfcWallMap *map, GstObject *element, GstEvent *event)
{
  FfcTimeModel model;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM_STICKY
      || !gst_event_has_name (event, FFC_CLOCK_EVENT))
    return FALSE;
  if (!gst_ffc_clock_event_parse (event, &model)) {
    GST_WARNING_OBJECT (element, "ignoring a malformed %" GST_PTR_FORMAT,
        gst_event_get_structure (event));
    return TRUE;
  }
  GST_DEBUG_OBJECT (
      element, "time model: %" GST_PTR_FORMAT, gst_event_get_structure (event));
  ffc_wall_map_set_model (map, &model);
  return TRUE;
}

gint64
gst_ffc_wall_origin_now (GstElement *element, GstClockTime running_time)
{
  GstClock *clock = gst_element_get_clock (element);
  gint64 origin;

  if (clock != NULL) {
    GstClockTime now = gst_clock_get_time (clock);
    GstClockTime base = gst_element_get_base_time (element);

    origin = ffc_clock_wall_now () - (GstClockTimeDiff)(now - base) / 1000;
    gst_object_unref (clock);
  } else {
    origin = ffc_clock_wall_now () - (gint64)(running_time / 1000);
  }
  return origin;
}
