/* gst-ffcapture: building ffmpeg's argument vector
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ffmpeg is always run from an argument vector, never through a shell: the
 * user's strings (device, filter, options) each become whole arguments.
 */
#include "ffc-args.h"

#include <string.h>

const gchar *
ffc_sample_format_muxer (FfcSampleFormat format)
{
  switch (format) {
    case FFC_SAMPLE_S32LE:
      return "s32le";
    case FFC_SAMPLE_F32LE:
      return "f32le";
    case FFC_SAMPLE_S16LE:
    default:
      return "s16le";
  }
}

const gchar *
ffc_sample_format_codec (FfcSampleFormat format)
{
  switch (format) {
    case FFC_SAMPLE_S32LE:
      return "pcm_s32le";
    case FFC_SAMPLE_F32LE:
      return "pcm_f32le";
    case FFC_SAMPLE_S16LE:
    default:
      return "pcm_s16le";
  }
}

guint
ffc_sample_format_width (FfcSampleFormat format)
{
  return format == FFC_SAMPLE_S16LE ? 2 : 4;
}

/* Capture backends whose demuxer has "sample_rate" / "channels" options, and
 * ffmpeg's raw PCM demuxers, which take the same two. */
static const gchar *const inputs_with_rate_and_channels[] = { "alsa", "pulse",
  "oss", "sndio", "openal", "dshow", "s16le", "s16be", "s24le", "s24be",
  "s32le", "s32be", "f32le", "f32be", "f64le", "f64be", "u8", "s8", "u16le",
  "u16be", "mulaw", "alaw", NULL };

gboolean
ffc_args_input_takes_rate (const gchar *input_format)
{
  return input_format != NULL
         && g_strv_contains (inputs_with_rate_and_channels, input_format);
}

gboolean
ffc_args_input_takes_channels (const gchar *input_format)
{
  return ffc_args_input_takes_rate (input_format)
         || g_strcmp0 (input_format, "jack") == 0;
}

/* Splits with the shell's quoting rules (quotes, backslashes) but none of its
 * expansions: "$(x)" stays the literal text "$(x)". Empty means no options. */
gboolean
ffc_args_split_options (const gchar *options, gchar ***argv_out, GError **error)
{
  const gchar *p;

  *argv_out = NULL;
  for (p = options; p != NULL && *p != '\0'; p++) {
    if (!g_ascii_isspace (*p))
      break;
  }
  if (p == NULL || *p == '\0') {
    *argv_out = g_new0 (gchar *, 1);
    return TRUE;
  }
  return g_shell_parse_argv (options, NULL, argv_out, error);
}

/* Large enough to keep the per-write cost of the pipe low, small enough that
 * ffmpeg holds back at most ~10 ms of audio. Always whole frames. */
gint
ffc_args_write_block_size (FfcSampleFormat format, gint rate, gint channels)
{
  gint frame = (gint)ffc_sample_format_width (format) * MAX (channels, 1);
  gint64 bytes = (gint64)rate * frame / 100;

  bytes = CLAMP (bytes, 1024, 65536);
  bytes -= bytes % frame;
  return (gint)MAX (bytes, frame);
}

gchar **
ffc_args_build (const FfcArgsConfig *config)
{
  GPtrArray *argv = g_ptr_array_new ();
  const gchar *input_format = config->input_format;

  if (input_format != NULL && *input_format == '\0')
    input_format = NULL;

  g_ptr_array_add (argv, g_strdup (config->ffmpeg_path));
  /* -nostdin: never read the terminal; level+info: tag every line with its
   * severity so errors, warnings and the input dump can be told apart. */
  g_ptr_array_add (argv, g_strdup ("-hide_banner"));
  g_ptr_array_add (argv, g_strdup ("-nostdin"));
  g_ptr_array_add (argv, g_strdup ("-nostats"));
  g_ptr_array_add (argv, g_strdup ("-loglevel"));
  g_ptr_array_add (argv, g_strdup ("level+info"));

  if (config->input_options != NULL) {
    for (gchar **opt = config->input_options; *opt != NULL; opt++)
      g_ptr_array_add (argv, g_strdup (*opt));
  }

  if (input_format != NULL) {
    g_ptr_array_add (argv, g_strdup ("-f"));
    g_ptr_array_add (argv, g_strdup (input_format));
  }
  if (config->capture_rate > 0 && ffc_args_input_takes_rate (input_format)) {
    g_ptr_array_add (argv, g_strdup ("-sample_rate"));
    g_ptr_array_add (argv, g_strdup_printf ("%d", config->capture_rate));
  }
  if (config->capture_channels > 0
      && ffc_args_input_takes_channels (input_format)) {
    g_ptr_array_add (argv, g_strdup ("-channels"));
    g_ptr_array_add (argv, g_strdup_printf ("%d", config->capture_channels));
  }
  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup (config->device ? config->device : ""));

  /* Output: the first audio stream only, as raw interleaved PCM on stdout,
   * in exactly the negotiated format; ffmpeg converts and resamples. */
  g_ptr_array_add (argv, g_strdup ("-map"));
  g_ptr_array_add (argv, g_strdup ("0:a:0"));
  if (config->filter != NULL && *config->filter != '\0') {
    g_ptr_array_add (argv, g_strdup ("-filter:a"));
    g_ptr_array_add (argv, g_strdup (config->filter));
  }
  g_ptr_array_add (argv, g_strdup ("-c:a"));
  g_ptr_array_add (
      argv, g_strdup (ffc_sample_format_codec (config->out_format)));
  g_ptr_array_add (argv, g_strdup ("-ar"));
  g_ptr_array_add (argv, g_strdup_printf ("%d", config->out_rate));
  g_ptr_array_add (argv, g_strdup ("-ac"));
  g_ptr_array_add (argv, g_strdup_printf ("%d", config->out_channels));
  g_ptr_array_add (argv, g_strdup ("-f"));
  g_ptr_array_add (
      argv, g_strdup (ffc_sample_format_muxer (config->out_format)));
  if (config->write_block_size > 0) {
    /* Without this ffmpeg flushes the pipe after every packet: many tiny
     * writes (and wakeups) per second at high rates. */
    g_ptr_array_add (argv, g_strdup ("-flush_packets"));
    g_ptr_array_add (argv, g_strdup ("0"));
    g_ptr_array_add (argv, g_strdup ("-blocksize"));
    g_ptr_array_add (argv, g_strdup_printf ("%d", config->write_block_size));
  }
  g_ptr_array_add (argv, g_strdup ("pipe:1"));
  g_ptr_array_add (argv, NULL);

  return (gchar **)g_ptr_array_free (argv, FALSE);
}
