/* gst-ffcapture: building ffmpeg's argument vector
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ffmpeg is always run from an argument vector, never through a shell: the
 * user's strings (device, filter, options) each become whole arguments.
 */
#include "ffc-args.h"

#include "ffc-gaps.h"

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

const gchar *
ffc_sample_format_name (FfcSampleFormat format)
{
  return format == FFC_SAMPLE_S32LE   ? "S32LE"
         : format == FFC_SAMPLE_F32LE ? "F32LE"
                                      : "S16LE";
}

FfcSampleFormat
ffc_sample_format_from_name (const gchar *name)
{
  if (g_strcmp0 (name, "S32LE") == 0)
    return FFC_SAMPLE_S32LE;
  if (g_strcmp0 (name, "F32LE") == 0)
    return FFC_SAMPLE_F32LE;
  return FFC_SAMPLE_S16LE;
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

/* ffmpeg's capture backends: they deliver audio as it is captured. */
static const gchar *const device_inputs[] = { "alsa", "pulse", "oss", "jack",
  "sndio", "openal", "dshow", "avfoundation", "audiotoolbox", "android_camera",
  "v4l2", NULL };

gboolean
ffc_args_input_is_device (const gchar *input_format)
{
  return input_format != NULL && g_strv_contains (device_inputs, input_format);
}

/* A device, or any input paced to real time by -re / -readrate: its audio
 * happens at a moment, and audio that happened before PLAYING has no place
 * in the stream. A file or an unpaced test source has no such moment. */
gboolean
ffc_args_input_is_live (const gchar *input_format, gchar **input_options)
{
  if (ffc_args_input_is_device (input_format))
    return TRUE;
  for (gchar **o = input_options; o != NULL && *o != NULL; o++) {
    if (g_str_equal (*o, "-re") || g_str_equal (*o, "-readrate"))
      return TRUE;
  }
  return FALSE;
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

/* ffmpeg flushes the pipe after every packet unless told not to; then it
 * writes whenever its 32 KiB I/O buffer is full (-blocksize only splits
 * those writes). Batching saves thousands of small writes per second at
 * high rates, but holds audio back by the buffer's duration: worth it only
 * where the buffer holds no more than 50 ms. */
gboolean
ffc_args_batch_writes (FfcSampleFormat format, gint rate, gint channels)
{
  gint64 bytes_per_second =
      (gint64)rate * ffc_sample_format_width (format) * MAX (channels, 1);

  return bytes_per_second * 50 >= (gint64)FFC_FFMPEG_IO_BUFFER_BYTES * 1000;
}

/* ffmpeg, its logging options, the user's input options and the input. */
static GPtrArray *
build_input (const FfcArgsConfig *config)
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

  return argv;
}

/* Opens the input, describes it on stderr, and stops: see ffc-probe.c. */
gchar **
ffc_args_build_probe (const FfcArgsConfig *config)
{
  GPtrArray *argv = build_input (config);

  g_ptr_array_add (argv, g_strdup ("-map"));
  g_ptr_array_add (argv, g_strdup ("0:a:0"));
  g_ptr_array_add (argv, g_strdup ("-t"));
  g_ptr_array_add (argv, g_strdup ("0"));
  g_ptr_array_add (argv, g_strdup ("-f"));
  g_ptr_array_add (argv, g_strdup ("null"));
  g_ptr_array_add (argv, g_strdup ("-"));
  g_ptr_array_add (argv, NULL);
  return (gchar **)g_ptr_array_free (argv, FALSE);
}

gchar **
ffc_args_build (const FfcArgsConfig *config)
{
  GPtrArray *argv = build_input (config);

  /* Output: the first audio stream only, as raw interleaved PCM on stdout,
   * in exactly the negotiated format; ffmpeg converts and resamples. */
  g_ptr_array_add (argv, g_strdup ("-map"));
  g_ptr_array_add (argv, g_strdup ("0:a:0"));
  if (config->report_frames || config->lock_to_clock
      || (config->filter != NULL && *config->filter != '\0')) {
    GString *chain = g_string_new (NULL);

    if (config->report_frames)
      g_string_append (chain, FFC_GAPS_REPORT_FILTER);
    if (config->filter != NULL && *config->filter != '\0') {
      if (chain->len > 0)
        g_string_append_c (chain, ',');
      g_string_append (chain, config->filter);
    }
    if (config->lock_to_clock) {
      if (chain->len > 0)
        g_string_append_c (chain, ',');
      /* ALSA and the like stamp from the wall clock already, better than
       * the time a frame passes here */
      if (!ffc_args_input_is_device (config->input_format))
        g_string_append (chain, FFC_ARGS_WALL_CLOCK_PTS_FILTER ",");
      /* at most 1000 ppm of stretching: ten times a poor crystal's drift */
      g_string_append_printf (
          chain, "aresample=async=%d", MAX (config->out_rate / 1000, 1));
    }
    g_ptr_array_add (argv, g_strdup ("-filter:a"));
    g_ptr_array_add (argv, g_string_free (chain, FALSE));
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
  if (config->batch_writes) {
    g_ptr_array_add (argv, g_strdup ("-flush_packets"));
    g_ptr_array_add (argv, g_strdup ("0"));
  }
  g_ptr_array_add (argv, g_strdup ("pipe:1"));
  g_ptr_array_add (argv, NULL);

  return (gchar **)g_ptr_array_free (argv, FALSE);
}
