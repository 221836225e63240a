/* Unit tests: ffmpeg argument building and option splitting. */
#include <string.h>

#include "ffc-args.h"
#include "ffc-gaps.h"

static gint
index_of (gchar **argv, const gchar *arg)
{
  for (gint i = 0; argv[i] != NULL; i++) {
    if (g_strcmp0 (argv[i], arg) == 0)
      return i;
  }
  return -1;
}

static void
test_build_alsa (void)
{
  gchar *opts[] = { "-thread_queue_size", "4096", NULL };
  FfcArgsConfig cfg = {
    .ffmpeg_path = "/usr/bin/ffmpeg",
    .input_format = "alsa",
    .device = "hw:1,0",
    .capture_rate = 384000,
    .capture_channels = 1,
    .input_options = opts,
    .filter = "highpass=f=1000",
    .out_format = FFC_SAMPLE_S32LE,
    .out_rate = 48000,
    .out_channels = 1,
    .batch_writes = TRUE,
  };
  gchar **argv = ffc_args_build (&cfg);
  gint i_opt = index_of (argv, "-thread_queue_size");
  gint i_f = index_of (argv, "-f");
  gint i_in = index_of (argv, "-i");

  g_assert_cmpstr (argv[0], ==, "/usr/bin/ffmpeg");
  /* input options and capture options come before -i, output ones after */
  g_assert_cmpint (i_opt, >, 0);
  g_assert_cmpint (i_opt, <, i_in);
  g_assert_cmpstr (argv[i_f + 1], ==, "alsa");
  g_assert_cmpint (i_f, <, i_in);
  g_assert_cmpstr (argv[index_of (argv, "-sample_rate") + 1], ==, "384000");
  g_assert_cmpint (index_of (argv, "-sample_rate"), <, i_in);
  g_assert_cmpstr (argv[index_of (argv, "-channels") + 1], ==, "1");
  g_assert_cmpstr (argv[i_in + 1], ==, "hw:1,0");
  g_assert_cmpstr (
      argv[index_of (argv, "-filter:a") + 1], ==, "highpass=f=1000");
  g_assert_cmpint (index_of (argv, "-filter:a"), >, i_in);
  g_assert_cmpstr (argv[index_of (argv, "-c:a") + 1], ==, "pcm_s32le");
  g_assert_cmpstr (argv[index_of (argv, "-ar") + 1], ==, "48000");
  g_assert_cmpstr (argv[index_of (argv, "-ac") + 1], ==, "1");
  g_assert_cmpstr (argv[index_of (argv, "-flush_packets") + 1], ==, "0");
  g_assert_cmpint (index_of (argv, "-flush_packets"), >, i_in);
  g_assert_cmpstr (argv[g_strv_length (argv) - 1], ==, "pipe:1");
  /* the output muxer is the raw format matching the codec */
  g_assert_cmpint (index_of (argv, "s32le"), >, i_in);
  g_strfreev (argv);
}

static void
test_build_lavfi_ignores_capture_params (void)
{
  FfcArgsConfig cfg = {
    .ffmpeg_path = "ffmpeg",
    .input_format = "lavfi",
    .device = "sine=sample_rate=384000",
    .capture_rate = 384000,
    .capture_channels = 2,
    .out_format = FFC_SAMPLE_F32LE,
    .out_rate = 384000,
    .out_channels = 2,
  };
  gchar **argv = ffc_args_build (&cfg);

  /* lavfi has no sample_rate/channels options: ffmpeg would refuse them */
  g_assert_cmpint (index_of (argv, "-sample_rate"), ==, -1);
  g_assert_cmpint (index_of (argv, "-channels"), ==, -1);
  g_assert_cmpint (index_of (argv, "-filter:a"), ==, -1);
  g_strfreev (argv);

  /* gap reports come first, before the user's filter */
  cfg.report_frames = TRUE;
  cfg.filter = "volume=12dB";
  argv = ffc_args_build (&cfg);
  g_assert_cmpstr (argv[index_of (argv, "-filter:a") + 1], ==,
      FFC_GAPS_REPORT_FILTER ",volume=12dB");
  g_assert_cmpint (index_of (argv, "-flush_packets"), ==, -1);
  g_assert_cmpstr (argv[index_of (argv, "-c:a") + 1], ==, "pcm_f32le");
  g_strfreev (argv);

  /* locked to the clock: stamped with the wall clock, stretched to it, last */
  cfg.lock_to_clock = TRUE;
  argv = ffc_args_build (&cfg);
  g_assert_cmpstr (argv[index_of (argv, "-filter:a") + 1], ==,
      FFC_GAPS_REPORT_FILTER
      ",volume=12dB,"
      "asetpts=(RTCTIME-RTCSTART)/(TB*1000000),aresample=async=384");
  g_strfreev (argv);
  /* a capture device stamps from the wall clock itself */
  cfg.input_format = "alsa";
  cfg.filter = NULL;
  cfg.report_frames = FALSE;
  argv = ffc_args_build (&cfg);
  g_assert_cmpstr (
      argv[index_of (argv, "-filter:a") + 1], ==, "aresample=async=384");
  g_strfreev (argv);
}

static void
test_build_no_input_format (void)
{
  FfcArgsConfig cfg = {
    .ffmpeg_path = "ffmpeg",
    .input_format = "",
    .device = "/data/in.flac",
    .out_format = FFC_SAMPLE_S16LE,
    .out_rate = 44100,
    .out_channels = 2,
  };
  gchar **argv = ffc_args_build (&cfg);
  gint i_in = index_of (argv, "-i");

  /* the only -f is the output's: ffmpeg probes the input */
  g_assert_cmpint (index_of (argv, "-f"), >, i_in);
  g_strfreev (argv);
}

static void
test_device_is_one_argument (void)
{
  /* Shell metacharacters stay inside a single argv element. */
  FfcArgsConfig cfg = {
    .ffmpeg_path = "ffmpeg",
    .input_format = "alsa",
    .device = "$(touch /tmp/x); rm -rf / `id`",
    .out_format = FFC_SAMPLE_S16LE,
    .out_rate = 48000,
    .out_channels = 1,
  };
  gchar **argv = ffc_args_build (&cfg);
  g_assert_cmpstr (
      argv[index_of (argv, "-i") + 1], ==, "$(touch /tmp/x); rm -rf / `id`");
  g_strfreev (argv);
}

static void
test_split_options (void)
{
  gchar **argv = NULL;
  GError *error = NULL;

  g_assert_true (
      ffc_args_split_options ("-thread_queue_size 4096", &argv, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (argv), ==, 2);
  g_assert_cmpstr (argv[1], ==, "4096");
  g_strfreev (argv);

  g_assert_true (ffc_args_split_options ("-metadata 'title=a b' "
                                         "-x \"c d\" e\\ f",
      &argv, &error));
  g_assert_cmpuint (g_strv_length (argv), ==, 5);
  g_assert_cmpstr (argv[1], ==, "title=a b");
  g_assert_cmpstr (argv[3], ==, "c d");
  g_assert_cmpstr (argv[4], ==, "e f");
  g_strfreev (argv);

  /* no expansion of any kind */
  g_assert_true (
      ffc_args_split_options ("$(touch /tmp/x) ; $HOME *", &argv, &error));
  g_assert_cmpuint (g_strv_length (argv), ==, 5);
  g_assert_cmpstr (argv[0], ==, "$(touch");
  g_assert_cmpstr (argv[2], ==, ";");
  g_assert_cmpstr (argv[3], ==, "$HOME");
  g_assert_cmpstr (argv[4], ==, "*");
  g_strfreev (argv);

  g_assert_true (ffc_args_split_options (NULL, &argv, &error));
  g_assert_cmpuint (g_strv_length (argv), ==, 0);
  g_strfreev (argv);
  g_assert_true (ffc_args_split_options ("  \t ", &argv, &error));
  g_assert_cmpuint (g_strv_length (argv), ==, 0);
  g_strfreev (argv);

  g_assert_false (ffc_args_split_options ("-x 'unterminated", &argv, &error));
  g_assert_nonnull (error);
  g_assert_null (argv);
  g_clear_error (&error);
}

static void
test_batch_writes (void)
{
  /* 32 KiB is 43 ms at 384 kHz mono S16: batch */
  g_assert_true (ffc_args_batch_writes (FFC_SAMPLE_S16LE, 384000, 1));
  g_assert_true (ffc_args_batch_writes (FFC_SAMPLE_F32LE, 96000, 2));
  /* 341 ms at 48 kHz mono S16: write every packet */
  g_assert_false (ffc_args_batch_writes (FFC_SAMPLE_S16LE, 48000, 1));
  g_assert_false (ffc_args_batch_writes (FFC_SAMPLE_S32LE, 48000, 2));
}

static void
test_input_capabilities (void)
{
  g_assert_true (ffc_args_input_takes_rate ("alsa"));
  g_assert_true (ffc_args_input_takes_rate ("pulse"));
  g_assert_true (ffc_args_input_takes_rate ("s16le"));
  g_assert_false (ffc_args_input_takes_rate ("lavfi"));
  g_assert_false (ffc_args_input_takes_rate (NULL));
  g_assert_false (ffc_args_input_takes_rate ("jack"));
  g_assert_true (ffc_args_input_takes_channels ("jack"));
}

static void
test_input_is_live (void)
{
  gchar *re[] = { "-thread_queue_size", "64", "-re", NULL };
  gchar *none[] = { NULL };

  g_assert_true (ffc_args_input_is_live ("alsa", NULL));
  g_assert_true (ffc_args_input_is_live ("pulse", none));
  g_assert_false (ffc_args_input_is_live ("lavfi", none));
  g_assert_true (ffc_args_input_is_live ("lavfi", re));
  g_assert_false (ffc_args_input_is_live (NULL, NULL));
  g_assert_false (ffc_args_input_is_device ("lavfi"));
}

/* the caps' format names and the layouts ffmpeg is asked for agree both
 * ways; anything else is the default S16LE */
static void
test_sample_format_names (void)
{
  const FfcSampleFormat all[] = { FFC_SAMPLE_S16LE, FFC_SAMPLE_S32LE,
    FFC_SAMPLE_F32LE };

  g_assert_cmpstr (ffc_sample_format_name (FFC_SAMPLE_S16LE), ==, "S16LE");
  g_assert_cmpstr (ffc_sample_format_name (FFC_SAMPLE_S32LE), ==, "S32LE");
  g_assert_cmpstr (ffc_sample_format_name (FFC_SAMPLE_F32LE), ==, "F32LE");
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    g_assert_cmpint (
        ffc_sample_format_from_name (ffc_sample_format_name (all[i])), ==,
        all[i]);
  g_assert_cmpint (ffc_sample_format_from_name ("S24LE"), ==, FFC_SAMPLE_S16LE);
  g_assert_cmpint (ffc_sample_format_from_name (NULL), ==, FFC_SAMPLE_S16LE);
  /* the codec and the muxer follow the same layout */
  g_assert_cmpstr (
      ffc_sample_format_codec (ffc_sample_format_from_name ("F32LE")), ==,
      "pcm_f32le");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/args/build/alsa", test_build_alsa);
  g_test_add_func (
      "/args/build/lavfi", test_build_lavfi_ignores_capture_params);
  g_test_add_func ("/args/build/probe", test_build_no_input_format);
  g_test_add_func (
      "/args/build/device-one-argument", test_device_is_one_argument);
  g_test_add_func ("/args/split", test_split_options);
  g_test_add_func ("/args/batch-writes", test_batch_writes);
  g_test_add_func ("/args/input-capabilities", test_input_capabilities);
  g_test_add_func ("/args/input-is-live", test_input_is_live);
  g_test_add_func ("/args/sample-format-names", test_sample_format_names);
  return g_test_run ();
}
