/* Unit tests: ffmpegsrc's core (ffc-source): what a start refuses and
 * says, a device by identity resolved for each run, and a capture of a
 * real ffmpeg (lavfi silence) from run to EOS, stamped and
 * counted in the stats. No pipeline. */
#include <glib/gstdio.h>
#include <string.h>

#include "fake-sound.h"
#include "ffc-child.h"
#include "ffc-source.h"

static const FakeCard MIC = { 1, "Ultrasonic", "UltraMic384K 16bit r0", "1-1.2",
  0x16d0, 0x0b40, "123", 1 };

static FfcSrcSettings
settings (const gchar *input_format, const gchar *device)
{
  FfcSrcSettings s = { 0 };

  s.ffmpeg_path = (gchar *)"sh"; /* any program found in PATH */
  s.input_format = (gchar *)input_format;
  s.device = (gchar *)device;
  s.buffer_time_ns = 10 * G_GINT64_CONSTANT (1000000000);
  s.stall_timeout_ns = 2 * G_GINT64_CONSTANT (1000000000);
  s.max_restarts = -1;
  s.device_poll_ns = 1000000000;
  s.device_settle_ns = 0;
  return s;
}

static void
expect_refused (FfcSrcSettings *set, const gchar *root, FfcSourceError code,
    const gchar *text, const gchar *details)
{
  FfcSource *s = ffc_source_new ();
  GError *error = NULL;
  gchar *got = NULL;

  g_assert_false (ffc_source_start (s, set, root, &got, &error));
  g_assert_error (error, FFC_SOURCE_ERROR, (gint)code);
  g_assert_nonnull (strstr (error->message, text));
  g_assert_cmpstr (got, ==, details);
  g_error_free (error);
  g_free (got);
  ffc_source_free (s);
}

/* each refusal: its kind (the GStreamer error it becomes), what the user
 * reads and what goes to the log */
static void
test_start_refused (void)
{
  gchar *root = fake_sound_new ();
  FfcSrcSettings set = settings ("alsa", "default");

  set.ffmpeg_path = (gchar *)"/nonexistent/ffmpeg";
  expect_refused (&set, root, FFC_SOURCE_ERROR_NOT_FOUND, "Cannot run ffmpeg",
      "ffmpeg-path=\"/nonexistent/ffmpeg\"");
  set = settings ("alsa", "default");
  set.sample_rate = 999;
  expect_refused (
      &set, root, FFC_SOURCE_ERROR_SETTINGS, "sample-rate=999", NULL);
  set = settings ("alsa", "default");
  set.input_options = (gchar *)"-metadata \"title=open";
  expect_refused (
      &set, root, FFC_SOURCE_ERROR_SETTINGS, "Invalid input-options", NULL);
  set = settings ("alsa", "usb:zz");
  expect_refused (
      &set, root, FFC_SOURCE_ERROR_SETTINGS, "Invalid device: ", NULL);
  /* absent, not waited for: named, with the cards present */
  set = settings ("alsa", "usb:16d0:0b40");
  expect_refused (&set, root, FFC_SOURCE_ERROR_NOT_FOUND,
      "Cannot capture from \"usb:16d0:0b40\": ",
      "wait-for-device=true waits for a device that is not there yet");
  fake_sound_free (root);
}

/* A device by identity: waited for at start, resolved for each run, and
 * device-info follows what the run opens */
static void
test_device_per_run (void)
{
  gchar *root = fake_sound_new ();
  FfcSrcSettings set = settings ("alsa", "usb:16d0:0b40");
  FfcSource *s = ffc_source_new ();
  GError *error = NULL;
  gchar *details = NULL, **argv = NULL, *info = NULL, *why = NULL, *text;
  FfcSrcStats st;

  set.wait_for_device = TRUE;
  g_assert_true (ffc_source_start (s, &set, root, &details, &error));
  g_assert_no_error (error);
  g_assert_null (details);
  /* until a run resolves it, device-info is the device as set */
  text = ffc_source_stats (s, &st);
  g_assert_cmpstr (st.device_info, ==, "usb:16d0:0b40");
  g_assert_true (st.device_present);
  g_assert_cmpuint (st.queue_level_ns, ==, 0);
  g_free (text);
  g_assert_false (ffc_source_argv (s, &argv, &info, &why));
  g_assert_null (argv);
  g_assert_nonnull (why);
  g_clear_pointer (&why, g_free);
  text = ffc_source_device_info (s, NULL);
  g_assert_cmpstr (text, ==, "");
  g_free (text);

  fake_sound_set (root, &MIC, 1);
  g_assert_true (ffc_source_argv (s, &argv, &info, &why));
  g_assert_true (
      g_strv_contains ((const gchar *const *)argv, "hw:CARD=Ultrasonic,DEV=0"));
  text = ffc_source_device_info (s, NULL);
  g_assert_cmpstr (text, ==, info);
  g_assert_cmpstr (
      text, ==, "card 1 (id Ultrasonic, USB 16d0:0b40 serial 123, port 1-1.2)");
  g_free (text);
  g_strfreev (argv);
  g_free (info);
  ffc_source_free (s);
  fake_sound_free (root);
}

/* The real ffmpeg making 0.5 s of silence at 8 kHz mono S16LE (lavfi,
 * unpaced): the run starts, its chunks are stamped back to back from 0 (an
 * input that is not live: no time model), counted, and EOS follows. */
static void
test_run_to_eos (void)
{
  gchar *dir = g_dir_make_tmp ("ffc-source-XXXXXX", NULL);
  gchar *ffmpeg = ffc_child_find_program ("ffmpeg", NULL);
  FfcSrcSettings set = settings ("lavfi", "aevalsrc=0:s=8000:d=0.5");
  FfcSource *s = ffc_source_new ();
  GError *error = NULL;
  gchar *details = NULL, *command = NULL, *text;
  guint64 min, max, frames = 0;
  gint64 end = 0;
  FfcCapture *capture;
  FfcItem *item;
  FfcSrcStats st;

  g_assert_nonnull (ffmpeg);
  set.ffmpeg_path = ffmpeg;
  g_assert_true (ffc_source_start (s, &set, dir, &details, &error));
  g_assert_false (ffc_source_latency (s, &min, &max));
  g_assert_null (ffc_source_capture (s));
  /* a rate no recorder uses: refused, nothing runs */
  g_assert_false (ffc_source_run (
      s, FFC_SAMPLE_S16LE, 500, 1, NULL, NULL, NULL, &command, &error));
  g_assert_error (error, FFC_SETTINGS_ERROR, FFC_SETTINGS_ERROR_RANGE);
  g_clear_error (&error);
  g_assert_null (ffc_source_capture (s));

  g_assert_true (ffc_source_run (
      s, FFC_SAMPLE_S16LE, 8000, 1, NULL, NULL, NULL, &command, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (command, ffmpeg));
  g_free (command);
  g_assert_true (ffc_source_latency (s, &min, &max));
  g_assert_cmpuint (max, ==, set.buffer_time_ns);
  capture = ffc_source_capture (s);
  g_assert_nonnull (capture);
  while ((item = ffc_capture_pop (capture)) != NULL
         && item->type == FFC_ITEM_DATA) {
    FfcClockNow now = { -1, 0, 0, 0 };
    FfcTimekeeperNews news;
    gboolean synchronised;
    FfcStamp stamp;

    g_assert_true (ffc_source_push (s, item, &now, &stamp));
    g_assert_cmpint (stamp.pts, ==, end);
    end = stamp.end;
    frames += stamp.frames;
    ffc_source_feed (s, item, stamp.new_run, stamp.end, &news, &synchronised);
    g_assert_false (news.publish);
    g_assert_null (ffc_source_describe (s, capture, item, &details));
    ffc_item_free (item);
  }
  g_assert_nonnull (item);
  g_assert_cmpint (item->type, ==, FFC_ITEM_EOS);
  ffc_item_free (item);
  g_assert_cmpuint (frames, ==, 4000);
  g_assert_cmpint (end, ==, 500000000);
  text = ffc_source_stats (s, &st);
  g_assert_cmpuint (st.samples_pushed, ==, 4000);
  g_assert_cmpstr (st.device_info, ==, "aevalsrc=0:s=8000:d=0.5");
  g_free (text);
  g_assert_true (ffc_source_finish (s));
  ffc_source_stop (s);
  g_assert_false (ffc_source_finish (s));
  g_assert_false (ffc_source_latency (s, &min, &max));
  ffc_source_free (s);
  g_rmdir (dir);
  g_free (ffmpeg);
  g_free (dir);
}

/* What the warnings and errors say, naming the device and format as set */
static void
test_describe (void)
{
  gchar *root = fake_sound_new ();
  FfcSrcSettings set = settings ("alsa", "hw:9");
  FfcSource *s = ffc_source_new ();
  FfcItem item = { 0 };
  gchar *details = NULL, *details2 = NULL, *text, *expected;

  g_assert_true (ffc_source_start (s, &set, root, &details, NULL));
  item.type = FFC_ITEM_ERROR;
  item.reason = (gchar *)"ffmpeg exited with status 1";
  text = ffc_source_describe (s, NULL, &item, &details);
  expected =
      ffc_item_describe_failure (&item, "hw:9", "alsa", FALSE, &details2);
  g_assert_cmpstr (text, ==, expected);
  g_assert_cmpstr (details, ==, details2);
  g_assert_nonnull (strstr (text, "hw:9"));
  g_free (text);
  g_free (expected);
  g_free (details);
  g_free (details2);
  item.type = FFC_ITEM_RESTARTED;
  g_assert_null (ffc_source_describe (s, NULL, &item, &details));
  g_assert_null (details);
  /* the item's card when it says, else the last known */
  item.device_info = (gchar *)"card 1";
  text = ffc_source_device_info (s, &item);
  g_assert_cmpstr (text, ==, "card 1");
  g_free (text);
  ffc_source_free (s);
  fake_sound_free (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/source/start-refused", test_start_refused);
  g_test_add_func ("/source/device-per-run", test_device_per_run);
  g_test_add_func ("/source/run-to-eos", test_run_to_eos);
  g_test_add_func ("/source/describe", test_describe);
  return g_test_run ();
}
