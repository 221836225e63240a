/* libFuzzer target: splitting input-options and building ffmpeg's argv.
 * Any string must either split into arguments (none of them NULL, and
 * every one reaching the argument vector as one element) or fail with an
 * error; nothing is ever expanded. */
#include <stdint.h>
#include <string.h>

#include "ffc-args.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gchar *text = g_strndup ((const gchar *)data, size);
  gchar **options = NULL, **argv;
  GError *error = NULL;
  FfcArgsConfig cfg = {
    .ffmpeg_path = "ffmpeg",
    .input_format = "alsa",
    .device = text,
    .out_format = FFC_SAMPLE_S16LE,
    .out_rate = 48000,
    .out_channels = 1,
  };
  guint n_options, n_argv, i;

  if (!ffc_args_split_options (text, &options, &error)) {
    if (error == NULL || options != NULL)
      __builtin_trap ();
    g_clear_error (&error);
    g_free (text);
    return 0;
  }
  cfg.input_options = options;
  argv = ffc_args_build (&cfg);
  n_options = g_strv_length (options);
  n_argv = g_strv_length (argv);
  /* the options come whole and in order right after the fixed prefix */
  for (i = 0; i < n_options; i++) {
    if (g_strcmp0 (argv[6 + i], options[i]) != 0)
      __builtin_trap ();
  }
  /* the device is exactly one argument, whatever it contains: after the
   * options come "-f alsa -i DEVICE" */
  if (n_argv < 6 + n_options + 4
      || g_strcmp0 (argv[6 + n_options + 2], "-i") != 0
      || g_strcmp0 (argv[6 + n_options + 3], text) != 0)
    __builtin_trap ();
  g_strfreev (argv);
  g_strfreev (options);
  g_free (text);
  return 0;
}
