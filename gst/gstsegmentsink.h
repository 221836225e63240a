/* gst-ffcapture: segmentsink
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_SEGMENT_SINK_H__
#define __GST_SEGMENT_SINK_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/base/gstbasesink.h>

#include "ffc-clock.h"
#include "ffc-meta.h"
#include "ffc-retention.h"
#include "ffc-wav.h"

G_BEGIN_DECLS

#define GST_TYPE_SEGMENT_SINK (gst_segment_sink_get_type ())
G_DECLARE_FINAL_TYPE (
    GstSegmentSink, gst_segment_sink, GST, SEGMENT_SINK, GstBaseSink)

struct _GstSegmentSink {
  GstBaseSink parent;

  /* properties, under the object lock */
  gchar *location;
  gchar *staging_location;
  GstClockTime segment_duration;
  gboolean align;
  gchar *filename;
  gboolean fsync;
  gchar *make; /* the station's facts, for the metadata */
  gchar *model;
  gchar *serial;
  gchar *position;
  gdouble elevation;
  gchar *note;
  gchar *stream_name;

  /* from start() to stop() */
  gint data_fd;
  gint staging_fd;
  gchar *data_dir; /* resolved paths */
  gchar *staging_dir;
  gchar run_id[9];
  guint64 seq;
  GstAudioInfo info;
  /* running time onto the wall clock: the capture's time model from
   * upstream (docs/time.md), or an origin fixed at the first buffer */
  FfcWallMap wall;
  guint64 samples_received;
  FfcMeta station; /* the properties above as of start(); strings owned */

  /* pairs and retention: properties (object lock), then from start() */
  gchar *run_id_prop;
  gboolean retention;
  guint64 min_free_space;
  GstClockTime min_age;
  gboolean run_id_in_use;  /* run_id is this run's (object lock) */
  gconstpointer run_scope; /* the top-level pipeline, when run_id is shared */
  FfcPairMember *pair;
  gboolean retaining;      /* retention, as it was at start */
  guint64 unchecked_bytes; /* written since free space was last checked */
  gboolean low_space_warned;

  /* the open segment */
  gint fd;
  gchar *staging_name;
  gchar *intended_name; /* what the template gave */
  FfcWavLayout layout;
  guint64 frames;        /* written so far */
  guint64 target_frames; /* where this segment ends */
  GstClockTime start_running_time;
  gint64 start_wall_us;
  gboolean start_synchronised; /* the clock was, when the segment began */
  gboolean start_settled;      /* named from a settled model */
  guint64 start_offset;
  gboolean have_next;
  GstClockTime next_running_time; /* where the next buffer belongs */
};

G_END_DECLS

#endif
