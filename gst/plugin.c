/* gst-ffcapture: the ffcapture GStreamer plugin
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstffcaptureelements.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  /* ffmpegsrc */
  ret |= GST_ELEMENT_REGISTER (ffmpegsrc, plugin);
  /* segmentsink */
  ret |= GST_ELEMENT_REGISTER (segmentsink, plugin);
  /* besteffortsink */
  ret |= GST_ELEMENT_REGISTER (besteffortsink, plugin);
  /* triggergate */
  ret |= GST_ELEMENT_REGISTER (triggergate, plugin);
  /* schedulegate */
  ret |= GST_ELEMENT_REGISTER (schedulegate, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, ffcapture,
    "Audio capture through the FFmpeg command-line tool, sample-exact "
    "recording to WAV or FLAC segments, and triggered and scheduled gates",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
