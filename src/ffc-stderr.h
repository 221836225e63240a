/* gst-ffcapture: parsing ffmpeg's stderr
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_STDERR_H__
#define __FFC_STDERR_H__

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FFC_LINE_INFO,
  FFC_LINE_WARNING,
  FFC_LINE_ERROR,       /* [error], [fatal] and [panic] */
  FFC_LINE_XRUN,        /* the capture device overran */
  FFC_LINE_INPUT_START, /* "Duration: …, start: S" of the input */
  FFC_LINE_FRAME,       /* ashowinfo's report of one input frame */
  FFC_LINE_INPUT_AUDIO, /* the input's first audio stream: rate, channels */
  FFC_LINE_GAP,         /* FFC_GAPS_REPORT_FILTER's report of one gap */
} FfcLineKind;

typedef struct {
  FfcLineKind kind;
  const gchar *text;     /* the whole line, NUL-terminated */
  guint count;           /* XRUN: how many (repeats folded in) */
  gdouble start_seconds; /* INPUT_START: the start value */
  gint64 frame_pts;      /* FRAME: pts, in ashowinfo's time base */
  guint frame_samples;   /* FRAME: nb_samples */
  guint frame_rate;      /* FRAME: the frame's sample rate; INPUT_AUDIO: the
                          * stream's; GAP: the input rate */
  guint64 gap_at_sample; /* GAP: input samples before the late frame */
  gdouble gap_jump_us;   /* GAP: how much later it came */
  guint channels;        /* INPUT_AUDIO: 0 when the layout is unknown */
  gchar sample_fmt[16];  /* INPUT_AUDIO: ffmpeg's sample format name ("s16",
                          * "s32", "fltp", "dbl"…); "" when not given */
} FfcLine;

typedef void (*FfcLineFunc) (const FfcLine *line, gpointer user_data);

typedef struct _FfcStderrParser FfcStderrParser;

void ffc_stderr_classify (const gchar *text, FfcLine *line);

FfcStderrParser *ffc_stderr_parser_new (
    gsize max_line_length, guint tail_lines);
void ffc_stderr_parser_free (FfcStderrParser *parser);
void ffc_stderr_parser_reset (FfcStderrParser *parser);
void ffc_stderr_parser_feed (FfcStderrParser *parser, const gchar *data,
    gsize length, FfcLineFunc func, gpointer user_data);
void ffc_stderr_parser_finish (
    FfcStderrParser *parser, FfcLineFunc func, gpointer user_data);
gchar *ffc_stderr_parser_get_tail (FfcStderrParser *parser);
gchar *ffc_stderr_parser_get_last_error (FfcStderrParser *parser);
gchar *ffc_stderr_parser_get_errors (FfcStderrParser *parser);
guint ffc_stderr_parser_get_error_count (FfcStderrParser *parser);

G_END_DECLS

#endif
