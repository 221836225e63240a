/* gst-ffcapture: asking ffmpeg what an input delivers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * When neither the properties nor downstream say which rate and channels to
 * capture, the input's own are the answer: ffmpeg opens the input, prints
 * its stream ("Audio: pcm_s16le, 384000 Hz, mono") and stops (-t 0).
 */
#include "ffc-probe.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "ffc-child.h"
#include "ffc-stderr.h"

typedef struct {
  guint rate;
  guint channels;
  gboolean found;
} ProbeResult;

static void
on_line (const FfcLine *line, gpointer user_data)
{
  ProbeResult *r = user_data;

  if (line->kind == FFC_LINE_INPUT_AUDIO && !r->found) {
    r->rate = line->frame_rate;
    r->channels = line->channels;
    r->found = TRUE;
  }
}

gboolean
ffc_probe_input (const gchar *const *argv, guint timeout_ms, guint *rate,
    guint *channels, GError **error)
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
    *rate = result.rate;
    *channels = result.channels;
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
