/* gst-ffcapture: building ffmpeg's argument vector
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_ARGS_H__
#define __FFC_ARGS_H__

#include <glib.h>

#include "ffc-format.h"

G_BEGIN_DECLS

typedef struct {
  const gchar *ffmpeg_path;  /* resolved program to run */
  const gchar *input_format; /* ffmpeg -f for the input; NULL/"" = probe */
  const gchar *device;       /* ffmpeg -i */
  gint capture_rate;         /* 0 = the device decides */
  gint capture_channels;     /* 0 = the device decides */
  gchar **input_options;     /* extra input options, already split */
  const gchar *filter;       /* audio filtergraph; NULL/"" = none */
  FfcSampleFormat out_format;
  gint out_rate;
  gint out_channels;
  /* TRUE: ffmpeg fills its 32 KiB I/O buffer before each write to the
   * pipe; FALSE: it writes every packet as it comes */
  gboolean batch_writes;
  /* TRUE: ffmpeg reports each gap in its input timestamps on stderr,
   * through FFC_GAPS_REPORT_FILTER (src/ffc-gaps.h), before any other
   * filter */
  gboolean report_frames;
  /* TRUE: ffmpeg stretches or squeezes the audio (aresample's async) to
   * timestamps that follow the wall clock, so that the sample count keeps
   * time with the system clock (docs/time.md) */
  gboolean lock_to_clock;
} FfcArgsConfig;

const gchar *ffc_sample_format_muxer (FfcSampleFormat format);
const gchar *ffc_sample_format_codec (FfcSampleFormat format);
/* GStreamer's name of the layout (audio/x-raw format), and back: a name
 * that is none of the three is S16LE, the default output */
const gchar *ffc_sample_format_name (FfcSampleFormat format);
FfcSampleFormat ffc_sample_format_from_name (const gchar *name);

gboolean ffc_args_input_takes_rate (const gchar *input_format);
gboolean ffc_args_input_takes_channels (const gchar *input_format);
gboolean ffc_args_input_is_device (const gchar *input_format);
gboolean ffc_args_input_is_live (
    const gchar *input_format, gchar **input_options);

gboolean ffc_args_split_options (
    const gchar *options, gchar ***argv_out, GError **error);

gchar **ffc_args_build (const FfcArgsConfig *config);
gchar **ffc_args_build_probe (const FfcArgsConfig *config);

#define FFC_FFMPEG_IO_BUFFER_BYTES 32768
/* for lock_to_clock: inputs whose timestamps do not come from the wall
 * clock (all but capture devices) are stamped with it as they pass */
#define FFC_ARGS_WALL_CLOCK_PTS_FILTER "asetpts=(RTCTIME-RTCSTART)/(TB*1000000)"

gboolean ffc_args_batch_writes (
    FfcSampleFormat format, gint rate, gint channels);

G_END_DECLS

#endif
