/* gst-ffcapture: asking ffmpeg what an input delivers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * When neither the properties nor downstream say which rate, channels and
 * sample format to capture, the input's own are the answer: ffmpeg opens the
 * input, prints its stream ("Audio: pcm_s16le, 384000 Hz, mono, s16") and
 * stops (-t 0).
 */
#include "ffc-probe.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "ffc-child.h"
#include "ffc-stderr.h"

typedef struct {
  FfcInputAudio input;
  gboolean found;
} ProbeResult;

FfcSampleFormat
ffc_probe_sample_format (const gchar *fmt)
{
  static const struct {
    const gchar *name;
    FfcSampleFormat format;
  } formats[] = {
    { "s16", FFC_SAMPLE_S16LE },
    { "s16p", FFC_SAMPLE_S16LE },
    { "s32", FFC_SAMPLE_S32LE },
    { "s32p", FFC_SAMPLE_S32LE },
    { "flt", FFC_SAMPLE_F32LE },
    { "fltp", FFC_SAMPLE_F32LE },
    { "dbl", FFC_SAMPLE_F32LE },
    { "dblp", FFC_SAMPLE_F32LE },
  };

  for (guint i = 0; fmt != NULL && i < G_N_ELEMENTS (formats); i++)
    if (strcmp (fmt, formats[i].name) == 0)
      return formats[i].format;
  return FFC_SAMPLE_S16LE;
}

#define FALLBACK_RATE 48000
#define FALLBACK_CHANNELS 1

FfcInputAudio
ffc_probe_own (const FfcInputAudio *probed, gint sample_rate, gint channels)
{
  FfcInputAudio own = { 0, 0, FFC_SAMPLE_S16LE };

  if (probed->rate > 0)
    own = *probed;
  own.rate = sample_rate > 0 ? (guint)sample_rate
             : own.rate > 0  ? own.rate
                             : FALLBACK_RATE;
  own.channels = channels > 0       ? (guint)channels
                 : own.channels > 0 ? own.channels
                                    : FALLBACK_CHANNELS;
  return own;
}

guint
ffc_probe_prefer (const FfcAccepts *offers, guint n)
{
  guint best = 0, best_score = 0;

  for (guint i = 0; i < n; i++) {
    guint score = (offers[i].rate ? 4 : 0) + (offers[i].format ? 2 : 0)
                  + (offers[i].channels ? 1 : 0);
    if (score > best_score) {
      best = i;
      best_score = score;
    }
  }
  return best;
}

static void
on_line (const FfcLine *line, gpointer user_data)
{
  ProbeResult *r = user_data;

  if (line->kind == FFC_LINE_INPUT_AUDIO && !r->found) {
    r->input.rate = line->frame_rate;
    r->input.channels = line->channels;
    r->input.format = ffc_probe_sample_format (line->sample_fmt);
    r->found = TRUE;
  }
}

gboolean
ffc_probe_input (const gchar *const *argv, guint timeout_ms,
    FfcInputAudio *input, GError **error)
{
  FfcStderrParser *parser = ffc_stderr_parser_new (4096, 8);
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  ProbeResult result = {
    0,
  };
  gboolean open = TRUE;
  FfcChild child;

  if (!ffc_child_spawn (&child, argv, error)) {
    ffc_stderr_parser_free (parser);
    return FALSE;
  }
  while (open && !result.found) {
    struct pollfd pfd = { child.stderr_fd, POLLIN, 0 };
    gint64 left = deadline - g_get_monotonic_time ();
    gchar buf[4096];
    gssize n;

    if (left <= 0)
      break;
    if (poll (&pfd, 1, (left + 999) / 1000) <= 0)
      continue;
    n = read (child.stderr_fd, buf, sizeof (buf));
    if (n > 0)
      ffc_stderr_parser_feed (parser, buf, n, on_line, &result);
    else if (n == 0 || errno != EAGAIN)
      open = FALSE;
  }
  ffc_stderr_parser_finish (parser, on_line, &result);
  ffc_child_close_pipes (&child);
  ffc_child_stop (&child, 200);

  if (result.found) {
    *input = result.input;
  } else {
    gchar *errors = ffc_stderr_parser_get_errors (parser);
    g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
        "ffmpeg did not describe the input%s%s", errors ? ": " : "",
        errors ? errors : "");
    g_free (errors);
  }
  ffc_stderr_parser_free (parser);
  return result.found;
}
