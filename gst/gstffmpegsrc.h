/* gst-ffcapture: ffmpegsrc
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_FFMPEG_SRC_H__
#define __GST_FFMPEG_SRC_H__

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_FFMPEG_SRC (gst_ffmpeg_src_get_type ())
G_DECLARE_FINAL_TYPE (GstFFmpegSrc, gst_ffmpeg_src, GST, FFMPEG_SRC, GstPushSrc)

G_END_DECLS

#endif
