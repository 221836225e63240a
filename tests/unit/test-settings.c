/* Unit tests: the ranges of the elements' settings. */
#include <string.h>
#include "ffc-settings.h"

#define MS ((gint64)1000000)
#define S ((gint64)1000000000)

static void
expect_refused (const gchar *property, gint64 value, const gchar *text)
{
  GError *error = NULL;

  g_assert_false (ffc_settings_check (property, value, &error));
  g_assert_error (error, FFC_SETTINGS_ERROR, FFC_SETTINGS_ERROR_RANGE);
  /* the message names the property, the value and the range */
  g_assert_nonnull (strstr (error->message, text));
  g_assert_nonnull (
      strstr (error->message, ffc_settings_range_text (property)));
  g_error_free (error);
}

static void
test_sample_rate (void)
{
  g_assert_true (ffc_settings_check ("sample-rate", 0, NULL));
  g_assert_true (ffc_settings_check ("sample-rate", 1000, NULL));
  g_assert_true (ffc_settings_check ("sample-rate", 384000, NULL));
  g_assert_true (ffc_settings_check ("sample-rate", 1536000, NULL));
  expect_refused ("sample-rate", 1, "sample-rate=1 Hz");
  expect_refused ("sample-rate", 999, "sample-rate=999 Hz");
  expect_refused ("sample-rate", 1536001, "sample-rate=1536001 Hz");
  expect_refused ("sample-rate", 1000000000, "sample-rate=1000000000 Hz");
  expect_refused ("sample-rate", -1, "sample-rate=-1");
}

static void
test_negotiated_rate (void)
{
  /* a negotiated rate has no "the device decides" */
  expect_refused ("rate", 0, "rate=0 Hz");
  expect_refused ("rate", 1000000000, "rate=1000000000 Hz");
  g_assert_true (ffc_settings_check ("rate", 48000, NULL));
}

static void
test_channels (void)
{
  g_assert_true (ffc_settings_check ("channels", 0, NULL));
  g_assert_true (ffc_settings_check ("channels", 1, NULL));
  g_assert_true (ffc_settings_check ("channels", 64, NULL));
  expect_refused ("channels", 65, "channels=65");
  expect_refused ("channels", 1024, "channels=1024");
}

static void
test_times (void)
{
  g_assert_true (ffc_settings_check ("stats-interval", 0, NULL));
  g_assert_true (ffc_settings_check ("stats-interval", 100 * MS, NULL));
  expect_refused ("stats-interval", 1, "stats-interval=1 ns");
  expect_refused ("stats-interval", 100 * MS - 1, "stats-interval=99999999");
  /* no zero for these: there is no "none" */
  expect_refused ("buffer-time", 0, "buffer-time=0 ns");
  expect_refused ("stall-timeout", 0, "stall-timeout=0 ns");
  g_assert_true (ffc_settings_check ("buffer-time", 10 * MS, NULL));
  g_assert_true (ffc_settings_check ("stall-timeout", 2 * S, NULL));
  expect_refused ("buffer-time", G_MAXINT64, "buffer-time=");
  expect_refused ("max-latency", 1, "max-latency=1 ns");
  expect_refused ("retry-delay", 1, "retry-delay=1 ns");
  expect_refused ("eos-timeout", 0, "eos-timeout=0 ns");
  g_assert_true (ffc_settings_check ("max-latency", 2 * S, NULL));
  g_assert_true (ffc_settings_check ("retry-delay", 100 * MS, NULL));
  g_assert_true (ffc_settings_check ("eos-timeout", 300 * MS, NULL));
  expect_refused ("max-latency", 61 * S, "max-latency=61000000000 ns");
}

static void
test_max_restarts (void)
{
  g_assert_true (ffc_settings_check ("max-restarts", -1, NULL));
  g_assert_true (ffc_settings_check ("max-restarts", 0, NULL));
  expect_refused ("max-restarts", -2, "max-restarts=-2");
}

/* a device by identity: the run's arguments are the capture's, with the
 * card resolved for this run as ffmpeg's input */
static void
test_argv_for_device (void)
{
  FfcSrcSettings s = { .input_format = "alsa",
    .device = "usb:16d0:0b40",
    .sample_rate = 384000,
    .buffer_time_ns = 10 * S,
    .stall_timeout_ns = 2 * S,
    .max_restarts = -1,
    .device_poll_ns = 1 * S };
  FfcCaptureConfig config;
  gboolean batch, live;
  gchar **argv;
  guint n, at = 0;

  ffc_src_settings_capture_config (&s, "/usr/bin/ffmpeg", NULL,
      FFC_SAMPLE_S16LE, 48000, 1, &config, &batch, &live);
  argv = ffc_src_settings_argv (&s, "hw:CARD=Ultrasonic,DEV=0",
      "/usr/bin/ffmpeg", NULL, FFC_SAMPLE_S16LE, 48000, 1);
  n = g_strv_length (config.argv);
  g_assert_cmpuint (g_strv_length (argv), ==, n);
  for (guint i = 0; i < n; i++) {
    if (g_str_equal (config.argv[i], "usb:16d0:0b40")) {
      g_assert_cmpstr (argv[i - 1], ==, "-i");
      g_assert_cmpstr (argv[i], ==, "hw:CARD=Ultrasonic,DEV=0");
      at = i;
    } else {
      g_assert_cmpstr (argv[i], ==, config.argv[i]);
    }
  }
  g_assert_cmpuint (at, >, 0);
  /* the waiting settings reach the capture */
  s.wait_for_device = TRUE;
  s.device_settle_ns = 2 * S;
  s.device_timeout_ns = 60 * S;
  g_strfreev (config.argv);
  ffc_src_settings_capture_config (&s, "/usr/bin/ffmpeg", NULL,
      FFC_SAMPLE_S16LE, 48000, 1, &config, &batch, &live);
  g_assert_true (config.device_wait.wait);
  g_assert_cmpint (config.device_wait.poll_us, ==, G_USEC_PER_SEC);
  g_assert_cmpint (config.device_wait.settle_us, ==, 2 * G_USEC_PER_SEC);
  g_assert_cmpint (config.device_wait.timeout_us, ==, 60 * G_USEC_PER_SEC);
  /* 10 s of 48 kHz mono S16 is the queue; latency-time the chunks */
  g_assert_cmpuint (config.queue_capacity, ==, 10 * 48000 * 2);
  g_strfreev (config.argv);
  /* a buffer-time shorter than 4 of ffmpeg's writes is raised to them */
  s.buffer_time_ns = 10 * MS;
  s.latency_time_ns = 250 * MS;
  ffc_src_settings_capture_config (&s, "/usr/bin/ffmpeg", NULL,
      FFC_SAMPLE_S16LE, 384000, 1, &config, &batch, &live);
  g_assert_cmpuint (config.queue_capacity, ==, 4 * 32768);
  g_assert_cmpint (config.block_us, ==, 250000);
  g_strfreev (config.argv);
  g_strfreev (argv);
}

/* waiting for a device by identity */
static void
test_device_wait (void)
{
  g_assert_true (ffc_settings_check ("device-poll", 10 * MS, NULL));
  g_assert_true (ffc_settings_check ("device-poll", 60 * S, NULL));
  expect_refused ("device-poll", 0, "device-poll=0 ns");
  expect_refused ("device-poll", 61 * S, "10 ms to 60 s");
  g_assert_true (ffc_settings_check ("device-settle", 0, NULL));
  expect_refused ("device-settle", 601 * S, "0 to 10 min");
  g_assert_true (ffc_settings_check ("device-timeout", 0, NULL));
  expect_refused ("device-timeout", 1, "0 (wait forever)");
  g_assert_true (ffc_settings_check ("device-timeout", 100 * MS, NULL));
}

/* what a property setter refuses at once, as the start would */
static void
test_check_value (void)
{
  GError *error = NULL;

  g_assert_true (ffc_src_settings_check_value ("sample-rate", 0, NULL, NULL));
  g_assert_false (
      ffc_src_settings_check_value ("sample-rate", 999, NULL, &error));
  g_assert_error (error, FFC_SETTINGS_ERROR, FFC_SETTINGS_ERROR_RANGE);
  g_assert_nonnull (strstr (error->message, "sample-rate=999"));
  g_clear_error (&error);
  g_assert_false (
      ffc_src_settings_check_value ("buffer-time", G_MAXINT64, NULL, &error));
  g_assert_nonnull (strstr (error->message, "buffer-time="));
  g_clear_error (&error);
  g_assert_true (
      ffc_src_settings_check_value ("stats-interval", 0, NULL, NULL));
  /* input-options split as the start splits them */
  g_assert_true (ffc_src_settings_check_value (
      "input-options", 0, "-thread_queue_size 4096", NULL));
  g_assert_true (ffc_src_settings_check_value ("input-options", 0, NULL, NULL));
  g_assert_false (ffc_src_settings_check_value (
      "input-options", 0, "-metadata \"title=open", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  /* the others are not checked here: paths, formats, the device */
  g_assert_true (ffc_src_settings_check_value ("ffmpeg-path", 0, "", NULL));
  g_assert_true (ffc_src_settings_check_value ("device", 0, "usb:zz", NULL));
  g_assert_true (ffc_src_settings_check_value ("lock-to-clock", 0, NULL, NULL));
}

/* what a property setter takes, and what it warns of */
static void
test_take (void)
{
  gchar *warning = NULL;

  g_assert_true (
      ffc_src_settings_take ("sample-rate", 48000, NULL, FALSE, &warning));
  g_assert_null (warning);
  /* out of range: taken, and the start will refuse it with the reason */
  g_assert_true (
      ffc_src_settings_take ("sample-rate", 999, NULL, FALSE, &warning));
  g_assert_nonnull (strstr (warning, "sample-rate=999"));
  g_assert_true (g_str_has_suffix (warning, "; the state change will fail"));
  g_clear_pointer (&warning, g_free);
  g_assert_true (ffc_src_settings_take (
      "input-options", 0, "-metadata \"title=open", FALSE, &warning));
  g_assert_true (g_str_has_suffix (warning, "; the state change will fail"));
  g_clear_pointer (&warning, g_free);
  /* running: nothing is taken, good or bad, and the property is named */
  g_assert_false (
      ffc_src_settings_take ("sample-rate", 48000, NULL, TRUE, &warning));
  g_assert_cmpstr (warning, ==,
      "cannot change sample-rate while running; set it in the NULL or "
      "READY state");
  g_clear_pointer (&warning, g_free);
  g_assert_false (ffc_src_settings_take ("device", 0, "hw:1", TRUE, &warning));
  g_assert_nonnull (strstr (warning, "cannot change device while running"));
  g_clear_pointer (&warning, g_free);
}

static void
test_whole_settings (void)
{
  FfcSrcSettings s = { .buffer_time_ns = 10 * S,
    .stall_timeout_ns = 2 * S,
    .max_restarts = -1,
    .stats_interval_ns = 10 * S,
    .device_poll_ns = 1 * S };
  FfcSrcSettings copy = { 0 };
  FfcBranchSettings b = { 2 * S, 1 * S, 2 * S };
  GError *error = NULL;

  g_assert_true (ffc_src_settings_check (&s, NULL));
  g_assert_true (ffc_branch_settings_check (&b, NULL));
  /* the first bad one is named; a uint64 past G_MAXINT64 stays bad */
  s.stall_timeout_ns = 0;
  g_assert_false (ffc_src_settings_check (&s, &error));
  g_assert_nonnull (strstr (error->message, "stall-timeout=0"));
  g_clear_error (&error);
  s.stall_timeout_ns = 2 * S;
  s.buffer_time_ns = G_MAXUINT64;
  g_assert_false (ffc_src_settings_check (&s, NULL));
  b.eos_timeout_ns = G_MAXUINT64;
  g_assert_false (ffc_branch_settings_check (&b, &error));
  g_assert_nonnull (strstr (error->message, "eos-timeout="));
  g_clear_error (&error);

  /* the snapshot is a deep copy */
  s.device = g_strdup ("hw:1,0");
  s.filter = g_strdup ("volume=2");
  ffc_src_settings_copy (&copy, &s);
  g_assert_true (copy.device != s.device);
  g_assert_cmpstr (copy.device, ==, "hw:1,0");
  g_assert_cmpstr (copy.filter, ==, "volume=2");
  g_assert_null (copy.ffmpeg_path);
  g_assert_cmpuint (copy.buffer_time_ns, ==, G_MAXUINT64);
  ffc_src_settings_clear (&s);
  g_assert_cmpstr (copy.device, ==, "hw:1,0");
  ffc_src_settings_clear (&copy);
  g_assert_null (copy.device);
}

static void
test_resolve (void)
{
  FfcSrcSettings s = { .ffmpeg_path = "/nonexistent/ffmpeg",
    .device = "hw:1,0",
    .buffer_time_ns = 10 * S,
    .stall_timeout_ns = 2 * S,
    .max_restarts = -1,
    .device_poll_ns = 1 * S };
  gchar *program = NULL, **argv = NULL;
  GError *error = NULL;

  /* checked in order: ranges, program, options, device */
  s.stall_timeout_ns = 0;
  g_assert_false (ffc_src_settings_resolve (&s, &program, &argv, &error));
  g_assert_error (error, FFC_SETTINGS_ERROR, FFC_SETTINGS_ERROR_RANGE);
  g_clear_error (&error);
  s.stall_timeout_ns = 2 * S;
  g_assert_false (ffc_src_settings_resolve (&s, &program, &argv, &error));
  g_assert_error (error, FFC_SETTINGS_ERROR, FFC_SETTINGS_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, "Cannot run ffmpeg: "));
  g_clear_error (&error);
  s.ffmpeg_path = "sh"; /* any program found in PATH */
  s.input_options = "-thread_queue_size \"4096";
  g_assert_false (ffc_src_settings_resolve (&s, &program, &argv, &error));
  g_assert_error (error, FFC_SETTINGS_ERROR, FFC_SETTINGS_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "Invalid input-options"));
  g_assert_null (program);
  g_clear_error (&error);
  s.input_options = "-thread_queue_size 4096";
  s.device = "";
  g_assert_false (ffc_src_settings_resolve (&s, &program, &argv, &error));
  g_assert_true (g_str_has_prefix (error->message, "No device given"));
  g_clear_error (&error);
  s.device = "hw:1,0";
  g_assert_true (ffc_src_settings_resolve (&s, &program, &argv, &error));
  g_assert_no_error (error);
  g_assert_true (g_path_is_absolute (program));
  g_assert_cmpstr (argv[0], ==, "-thread_queue_size");
  g_assert_cmpstr (argv[1], ==, "4096");
  g_free (program);
  g_strfreev (argv);
}

static void
test_latency (void)
{
  FfcSrcSettings s = { .buffer_time_ns = 3 * S };
  guint64 min, max;

  /* unbatched: a packet and the device's buffering */
  ffc_src_settings_latency (&s, FALSE, 2, 48000, &min, &max);
  g_assert_cmpuint (min, ==, 45 * MS);
  g_assert_cmpuint (max, ==, 3 * S);
  /* batched: ffmpeg's 32 KiB, here 16384 frames at 384 kHz */
  ffc_src_settings_latency (&s, TRUE, 2, 384000, &min, &max);
  g_assert_cmpuint (min, ==, 20 * MS + 16384 * S / 384000);
  /* never below min */
  s.buffer_time_ns = 10 * MS;
  ffc_src_settings_latency (&s, FALSE, 2, 48000, &min, &max);
  g_assert_cmpuint (max, ==, min);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/settings/sample-rate", test_sample_rate);
  g_test_add_func ("/settings/negotiated-rate", test_negotiated_rate);
  g_test_add_func ("/settings/channels", test_channels);
  g_test_add_func ("/settings/times", test_times);
  g_test_add_func ("/settings/max-restarts", test_max_restarts);
  g_test_add_func ("/settings/whole", test_whole_settings);
  g_test_add_func ("/settings/device-wait", test_device_wait);
  g_test_add_func ("/settings/argv-for-device", test_argv_for_device);
  g_test_add_func ("/settings/resolve", test_resolve);
  g_test_add_func ("/settings/latency", test_latency);
  g_test_add_func ("/settings/check-value", test_check_value);
  g_test_add_func ("/settings/take", test_take);
  return g_test_run ();
}
