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

struct _GstBestEffortSink {
  GstBin parent;

  GstPad *sinkpad; /* ghost pad, targets the live instance */

  /* properties, under the object lock */
  gchar *branch;
  GstClockTime max_latency;
  GstClockTime retry_delay;
  GstClockTime eos_timeout;

  /* under the object lock */
  GstElement *instance; /* queue + branch; NULL while down */
  GstElement *queue;
  gboolean down;
  gboolean accepting; /* the new branch has the stream's sticky events */
  gboolean up_posted;
  gboolean stopping;
  guint buffers_in_branch; /* buffers the branch's sinks took */
  GstClockTime current_delay;
  guint64 dropped_buffers;
  guint64 dropped_bytes;
  guint64 dropped_time;
  guint restarts;
  guint generation; /* which instance errors belong to */
  gchar *last_error;
  gboolean eos_received; /* the stream ended: no rebuilds */
  gboolean eos_posted;   /* our EOS message went out */

  GThread *retry_thread;
  GMutex retry_lock;
  GCond retry_cond;
  gint64 retry_at;     /* monotonic µs; 0 = none due */
  gint64 eos_deadline; /* monotonic µs the branch has to finish; 0 = none */
};

G_END_DECLS

#endif
