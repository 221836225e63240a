/* gst-ffcapture: ffmpegsrc
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_FFMPEG_SRC_H__
#define __GST_FFMPEG_SRC_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/base/gstpushsrc.h>

#include "ffc-capture.h"
#include "ffc-clock.h"

G_BEGIN_DECLS

#define GST_TYPE_FFMPEG_SRC (gst_ffmpeg_src_get_type ())
G_DECLARE_FINAL_TYPE (GstFFmpegSrc, gst_ffmpeg_src, GST, FFMPEG_SRC, GstPushSrc)

struct _GstFFmpegSrc {
  GstPushSrc parent;

  /* properties, under the object lock */
  gchar *ffmpeg_path;
  gchar *input_format;
  gchar *device;
  gint sample_rate;
  gint channels;
  gchar *input_options;
  gchar *filter;
  GstClockTime buffer_time;
  GstClockTime stall_timeout;
  gint max_restarts;
  GstClockTime stats_interval;
  gboolean lock_to_clock;

  /* resolved in start() */
  gchar *program;
  gchar **input_argv;
  gboolean probed; /* what the input delivers, asked once */
  guint probed_rate;
  guint probed_channels;

  /* the running capture; the pointer under capture_lock */
  GMutex capture_lock;
  FfcCapture *capture;
  gboolean flushing;
  GstAudioInfo info;
  gboolean batch_writes;
  gboolean live_input; /* a device, or paced by -re */

  /* timestamping, streaming thread only */
  gboolean have_run;
  guint run;
  GstClockTimeDiff run_anchor; /* running time of the run's first sample */
  GstClockTimeDiff first_anchor;
  gboolean have_offset_origin;
  GstClockTimeDiff offset_origin; /* time of the first pushed sample */
  GstClockTime next_pts;
  gint64 no_clock_origin_us;

  guint64 samples_pushed; /* atomic */

  /* the time model (docs/time.md), streaming thread only; the drift
   * belongs to the device, so it outlives ffmpeg's runs */
  FfcDrift *drift;
  guint drift_rate;
  guint drift_run;     /* counts runs across captures */
  guint drift_fed_run; /* the run the estimator has data of */
  FfcDriftRef drift_ref;
  FfcStepDetector steps;
  gint64 sync_checked_us;
  gboolean synchronised;
  gboolean model_pending; /* publish before the next buffer */
  /* for stats, under the object lock */
  gdouble drift_ppm; /* NAN until known */
  gboolean clock_synchronised;
  /* periodic statistics */
  GstClockID stats_id;
};

G_END_DECLS

#endif
