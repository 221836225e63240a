/* ffmpegsrc with ALSA devices named by identity (usb:VID:PID…), on a fake
 * sysfs/procfs tree (tests/common/fake-sound.c, through FFC_TEST_SYSFS_ROOT)
 * and a fake ffmpeg (tests/check/fake-alsa-ffmpeg.py) that opens the cards
 * of that tree, plays a real-time tone from the real ffmpeg, and fails as
 * ALSA does when its card leaves the tree. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

#include "check-common.h"
#include "fake-sound.h"

#define MS 1000
#define SEC G_USEC_PER_SEC

static const FakeCard PCH = { 0, "PCH", "HDA Intel PCH", NULL, 0, 0, NULL, 1 };
static const FakeCard OTHER = { 2, "Device", "USB PnP Sound Device", "1-1.3",
  0x0d8c, 0x0014, NULL, 1 };
static const FakeCard MIC = { 1, "Ultrasonic", "UltraMic384K 16bit r0", "1-1.2",
  0x16d0, 0x0b40, "123", 1 };

static gchar *root, *state, *fake;

static void
setup (void)
{
  root = fake_sound_new ();
  state = g_dir_make_tmp ("ffc-devices-XXXXXX", NULL);
  fail_unless (state != NULL);
  g_setenv ("FFC_TEST_SYSFS_ROOT", root, TRUE);
  g_setenv ("FFC_FAKE_FFMPEG_DIR", state, TRUE);
  g_unsetenv ("FFC_FAKE_FFMPEG_MODE");
  fake = g_build_filename (g_getenv ("FFC_SOURCE_ROOT"), "tests", "check",
      "fake-alsa-ffmpeg.py", NULL);
}

static void
teardown (void)
{
  fake_sound_free (root);
  rm_rf (state);
  g_free (state);
  g_free (fake);
}

/* The tree has these cards now: a variadic list of FakeCard, then NULL */
static void
cards (const FakeCard *first, ...)
{
  FakeCard list[8];
  guint n = 0;
  va_list ap;

  va_start (ap, first);
  for (const FakeCard *c = first; c != NULL; c = va_arg (ap, const FakeCard *))
    list[n++] = *c;
  va_end (ap);
  fake_sound_set (root, list, n);
}

/* The lines of a file the fake ffmpeg writes in the state dir */
static gchar **
state_lines (const gchar *name)
{
  gchar *path = g_build_filename (state, name, NULL), *text = NULL;
  gchar **lines;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    text = g_strdup ("");
  g_strchomp (text);
  lines = *text ? g_strsplit (text, "\n", -1) : g_new0 (gchar *, 1);
  g_free (text);
  g_free (path);
  return lines;
}

static guint
runs (void)
{
  gchar **lines = state_lines ("inputs");
  guint n = g_strv_length (lines);

  g_strfreev (lines);
  return n;
}

/* ---- what reached the src pad ------------------------------------------ */

typedef struct {
  GstClockTime pts, duration;
  gboolean discont;
  gsize size;
  GstClockTimeDiff now; /* the running time when it was pushed */
} Buf;

typedef struct {
  GMutex lock;
  GArray *bufs;
  GstElement *src;
  /* seen on the bus */
  guint lost, found, warnings, restarted;
  gboolean present_when_lost;
  gchar *found_info, *restarted_info;
} Rec;

static GstPadProbeReturn
on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Rec *rec = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClock *clock = gst_element_get_clock (rec->src);
  Buf b = { GST_BUFFER_PTS (buf), GST_BUFFER_DURATION (buf),
    GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT),
    gst_buffer_get_size (buf), 0 };

  if (clock != NULL) {
    b.now = (GstClockTimeDiff)gst_clock_get_time (clock)
            - (GstClockTimeDiff)gst_element_get_base_time (rec->src);
    gst_object_unref (clock);
  }
  g_mutex_lock (&rec->lock);
  g_array_append_val (rec->bufs, b);
  g_mutex_unlock (&rec->lock);
  return GST_PAD_PROBE_OK;
}

static gboolean
stats_bool (GstElement *src, const gchar *field)
{
  GstStructure *s;
  gboolean v = FALSE;

  g_object_get (src, "stats", &s, NULL);
  fail_unless (gst_structure_get_boolean (s, field, &v));
  gst_structure_free (s);
  return v;
}

static gchar *
stats_string (GstElement *src, const gchar *field)
{
  GstStructure *s;
  gchar *v;

  g_object_get (src, "stats", &s, NULL);
  v = g_strdup (gst_structure_get_string (s, field));
  gst_structure_free (s);
  return v;
}

static void
on_message (GstMessage *m, gpointer data)
{
  Rec *rec = data;
  const GstStructure *s = gst_message_get_structure (m);

  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
    gchar *text = message_text (m);
    GST_INFO ("warning: %s", text);
    g_free (text);
    rec->warnings++;
  }
  if (GST_MESSAGE_TYPE (m) != GST_MESSAGE_ELEMENT || s == NULL)
    return;
  if (gst_structure_has_name (s, "ffmpegsrc-device-lost")) {
    rec->lost++;
    fail_unless_equals_string (
        gst_structure_get_string (s, "device"), "usb:16d0:0b40");
    /* says what is there instead */
    fail_unless (strstr (gst_structure_get_string (s, "reason"),
                     "card 0 (id PCH, not USB)")
                 != NULL);
    rec->present_when_lost = stats_bool (rec->src, "device-present");
  } else if (gst_structure_has_name (s, "ffmpegsrc-device-found")) {
    rec->found++;
    g_free (rec->found_info);
    rec->found_info = g_strdup (gst_structure_get_string (s, "device-info"));
  } else if (gst_structure_has_name (s, "ffmpegsrc-restarted")) {
    rec->restarted++;
    g_free (rec->restarted_info);
    rec->restarted_info =
        g_strdup (gst_structure_get_string (s, "device-info"));
  }
}

/* A pipeline from ffmpegsrc with these properties (after the fake
 * ffmpeg, a 100 ms poll and a 500 ms settle), recorded in *rec */
static Run *
start_caps (
    const gchar *props, const gchar *caps, Rec *rec, gboolean expect_failure)
{
  gchar *desc = g_strdup_printf (
      "ffmpegsrc name=src ffmpeg-path=%s device-poll=100000000 "
      "device-settle=500000000 stats-interval=0 %s ! %s ! "
      "fakesink sync=false",
      fake, props, caps);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);
  GstPad *pad;
  Run *run;
  GstStateChangeReturn ret;

  g_assert_no_error (error);
  memset (rec, 0, sizeof (*rec));
  g_mutex_init (&rec->lock);
  rec->bufs = g_array_new (FALSE, FALSE, sizeof (Buf));
  rec->src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  pad = gst_element_get_static_pad (rec->src, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, rec, NULL);
  gst_object_unref (pad);
  run = run_new (pipeline);
  ret = gst_element_set_state (pipeline, GST_STATE_PLAYING);
  if (expect_failure) {
    fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  } else {
    fail_if (ret == GST_STATE_CHANGE_FAILURE);
  }
  g_free (desc);
  return run;
}

static Run *
start (const gchar *props, Rec *rec, gboolean expect_failure)
{
  return start_caps (props, "audio/x-raw,format=S16LE,rate=48000,channels=1",
      rec, expect_failure);
}

static void
rec_clear (Rec *rec)
{
  gst_object_unref (rec->src);
  g_array_unref (rec->bufs);
  g_mutex_clear (&rec->lock);
  g_free (rec->found_info);
  g_free (rec->restarted_info);
}

/* Collects messages until *counter reaches n, or fails after timeout_ms */
static void
wait_for (Run *run, Rec *rec, guint *counter, guint n, guint timeout_ms,
    const gchar *what)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * MS;

  while (*counter < n) {
    fail_if (
        g_get_monotonic_time () > end, "no %s within %u ms", what, timeout_ms);
    fail_if (run_wait (run, 20, on_message, rec), "ended waiting for %s: %s",
        what, run->error ? message_text (run->error) : "EOS");
  }
}

static void
collect (Run *run, Rec *rec, guint ms)
{
  fail_if (run_wait (run, ms, on_message, rec), "ended: %s",
      run->error ? message_text (run->error) : "EOS");
}

static guint
n_buffers (Rec *rec)
{
  guint n;

  g_mutex_lock (&rec->lock);
  n = rec->bufs->len;
  g_mutex_unlock (&rec->lock);
  return n;
}

/* Ends the stream with an EOS event, after everything captured */
static void
finish (Run *run, Rec *rec)
{
  gst_element_send_event (run->pipeline, gst_event_new_eos ());
  fail_unless (run_wait (run, 10000, on_message, rec), "no EOS");
  fail_unless (run->eos, "%s", message_text (run->error));
}

/* ---- tests ------------------------------------------------------------- */

/* Absent and not waited for: the state change fails at once, naming the
 * device and the capture cards present with their USB IDs. */
GST_START_TEST (test_absent_fails_start)
{
  Rec rec;
  Run *run;
  gint64 t0;
  gchar *text;

  cards (&PCH, &OTHER, NULL);
  t0 = g_get_monotonic_time ();
  run = start ("device=usb:16d0:0b40", &rec, TRUE);
  fail_unless (g_get_monotonic_time () - t0 < 2 * SEC);
  run_wait (run, 1000, on_message, &rec);
  fail_unless (run->error != NULL);
  text = message_text (run->error);
  GST_INFO ("error: %s", text);
  fail_unless (strstr (text, "\"usb:16d0:0b40\"") != NULL, "%s", text);
  fail_unless (strstr (text, "card 0 (id PCH, not USB)") != NULL, "%s", text);
  fail_unless (
      strstr (text, "card 2 (id Device, USB 0d8c:0014, port 1-1.3)") != NULL,
      "%s", text);
  g_free (text);
  fail_unless_equals_int (runs (), 0);
  run_free (run);
  rec_clear (&rec);

  /* a bad name: the part that is wrong */
  run = start ("device=usb:16d0:0bx0", &rec, TRUE);
  run_wait (run, 1000, on_message, &rec);
  fail_unless (run->error != NULL);
  text = message_text (run->error);
  fail_unless (strstr (text, "\"0bx0\"") != NULL, "%s", text);
  g_free (text);
  run_free (run);
  rec_clear (&rec);

  /* hw:CARD=<id> is checked the same way */
  run = start ("device=hw:CARD=Ultrasonic", &rec, TRUE);
  run_wait (run, 1000, on_message, &rec);
  fail_unless (run->error != NULL);
  text = message_text (run->error);
  fail_unless (strstr (text, "card 2 (id Device") != NULL, "%s", text);
  g_free (text);
  run_free (run);
  rec_clear (&rec);
}

GST_END_TEST;

/* The card comes back under another number and id across a restart (no
 * absence seen: at once, no device-lost); the next ffmpeg opens it. */
GST_START_TEST (test_renumbered_across_restart)
{
  FakeCard moved = MIC;
  Rec rec;
  Run *run;
  gchar **inputs, *info;

  cards (&PCH, &MIC, NULL);
  run = start ("device=usb:16d0:0b40", &rec, FALSE);
  collect (run, &rec, 1000);
  info = stats_string (rec.src, "device-info");
  fail_unless_equals_string (
      info, "card 1 (id Ultrasonic, USB 16d0:0b40 serial 123, port 1-1.2)");
  g_free (info);
  moved.card = 3;
  moved.id = "Ultrasonic_1";
  moved.port = "1-1.4";
  cards (&PCH, &moved, NULL);
  wait_for (run, &rec, &rec.restarted, 1, 5000, "restart");
  collect (run, &rec, 1000);
  finish (run, &rec);

  inputs = state_lines ("inputs");
  fail_unless_equals_int (g_strv_length (inputs), 2);
  fail_unless_equals_string (inputs[0], "hw:CARD=Ultrasonic,DEV=0");
  fail_unless_equals_string (inputs[1], "hw:CARD=Ultrasonic_1,DEV=0");
  g_strfreev (inputs);
  fail_unless_equals_string (rec.restarted_info,
      "card 3 (id Ultrasonic_1, USB 16d0:0b40 serial 123, port 1-1.4)");
  info = stats_string (rec.src, "device-info");
  fail_unless_equals_string (info, rec.restarted_info);
  g_free (info);
  fail_unless_equals_int (rec.lost, 0);
  fail_unless_equals_int (rec.found, 0);
  run_free (run);
  rec_clear (&rec);
}

GST_END_TEST;

/* Unplugged, waited for, back as another card: one warning, lost and found
 * once, the first buffer after it DISCONT and stamped when it was
 * captured, the absence a gap in time, and every sample each ffmpeg wrote
 * pushed. max-restarts=1: the polls of the wait count for nothing. */
GST_START_TEST (test_unplug_replug)
{
  FakeCard back = MIC;
  Rec rec;
  Run *run;
  gint64 unplugged, replugged, found;
  gchar **bytes, *info;
  guint64 written = 0, pushed = 0, samples;
  guint disconts = 0, at = 0;
  GstStructure *stats;

  cards (&PCH, &MIC, NULL);
  run = start (
      "device=usb:16d0:0b40 wait-for-device=true max-restarts=1", &rec, FALSE);
  collect (run, &rec, 1500);
  fail_unless (n_buffers (&rec) > 0);
  fail_unless (stats_bool (rec.src, "device-present"));

  unplugged = g_get_monotonic_time ();
  cards (&PCH, NULL);
  wait_for (run, &rec, &rec.lost, 1, 5000, "device-lost");
  fail_if (rec.present_when_lost);
  collect (run, &rec, 1500); /* 15 polls */
  fail_if (stats_bool (rec.src, "device-present"));
  info = stats_string (rec.src, "device-info");
  fail_unless_equals_string (info, "");
  g_free (info);
  fail_unless_equals_int (runs (), 1);

  back.card = 5;
  replugged = g_get_monotonic_time ();
  cards (&PCH, &back, NULL);
  wait_for (run, &rec, &rec.found, 1, 5000, "device-found");
  found = g_get_monotonic_time ();
  /* it settled first */
  fail_unless (found - replugged >= 500 * MS, "found after %.3f s",
      (found - replugged) / 1e6);
  fail_unless_equals_string (rec.found_info,
      "card 5 (id Ultrasonic, USB 16d0:0b40 serial 123, port 1-1.2)");
  collect (run, &rec, 1500);
  finish (run, &rec);

  fail_unless_equals_int (rec.lost, 1);
  fail_unless_equals_int (rec.found, 1);
  fail_unless_equals_int (rec.warnings, 1);
  fail_unless_equals_int (rec.restarted, 1);
  fail_unless_equals_string (rec.restarted_info, rec.found_info);
  fail_unless_equals_int (runs (), 2);
  fail_unless (stats_bool (rec.src, "device-present"));

  /* one DISCONT after the first buffer, where the second run begins; the
   * absence is a gap at least as long; each run is continuous */
  for (guint i = 1; i < rec.bufs->len; i++) {
    Buf *prev = &g_array_index (rec.bufs, Buf, i - 1);
    Buf *b = &g_array_index (rec.bufs, Buf, i);

    if (b->discont) {
      disconts++;
      at = i;
      fail_unless (b->pts >= prev->pts + prev->duration
                                 + (replugged - unplugged) * GST_USECOND,
          "a gap of %" GST_TIME_FORMAT " for an absence of %.3f s",
          GST_TIME_ARGS (b->pts - prev->pts - prev->duration),
          (replugged - unplugged) / 1e6);
      /* stamped when it was captured: before it was pushed, and not
       * long before */
      fail_unless ((GstClockTimeDiff)b->pts <= b->now);
      fail_unless ((GstClockTimeDiff)b->pts >= b->now - GST_SECOND,
          "pts %" GST_TIME_FORMAT " pushed at %" GST_STIME_FORMAT,
          GST_TIME_ARGS (b->pts), GST_STIME_ARGS (b->now));
    } else {
      fail_unless_equals_uint64 (b->pts, prev->pts + prev->duration);
    }
  }
  fail_unless_equals_int (disconts, 1);
  fail_unless (at > 0 && at < rec.bufs->len - 1);

  /* nothing lost before or after: all each ffmpeg wrote was pushed (the
   * first run may be clipped where it began before PLAYING) */
  bytes = state_lines ("bytes");
  fail_unless_equals_int (g_strv_length (bytes), 2);
  for (guint i = 0; i < rec.bufs->len; i++)
    pushed += g_array_index (rec.bufs, Buf, i).size;
  for (guint i = at; i < rec.bufs->len; i++)
    written += g_array_index (rec.bufs, Buf, i).size;
  fail_unless_equals_uint64 (written, g_ascii_strtoull (bytes[1], NULL, 10));
  fail_unless (pushed - written <= g_ascii_strtoull (bytes[0], NULL, 10));
  fail_unless (pushed - written + 48000 * 2 / 10
               >= g_ascii_strtoull (bytes[0], NULL, 10));
  g_strfreev (bytes);
  g_object_get (rec.src, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "samples-pushed", &samples);
  gst_structure_free (stats);
  fail_unless_equals_uint64 (samples * 2, pushed);
  fail_unless_equals_int (count_own_children (), 0);
  run_free (run);
  rec_clear (&rec);
}

GST_END_TEST;

/* Without wait-for-device, an unplug is a failure restarted with backoff:
 * the absence is said once (one warning, device-lost), each restart that
 * finds the device absent is a failed one, and once it is back (found) the
 * recording goes on. */
GST_START_TEST (test_unplug_without_wait)
{
  FakeCard back = MIC;
  Rec rec;
  Run *run;

  cards (&PCH, &MIC, NULL);
  run = start ("device=usb:16d0:0b40", &rec, FALSE);
  collect (run, &rec, 1000);
  cards (&PCH, NULL);
  wait_for (run, &rec, &rec.lost, 1, 5000, "device-lost");
  /* restarts after 100, 200, 400, 800 ms find it absent */
  collect (run, &rec, 1500);
  fail_if (stats_bool (rec.src, "device-present"));
  fail_unless_equals_int (runs (), 1);
  back.card = 4;
  cards (&PCH, &back, NULL);
  wait_for (run, &rec, &rec.found, 1, 15000, "device-found");
  fail_unless_equals_string (rec.found_info,
      "card 4 (id Ultrasonic, USB 16d0:0b40 serial 123, port 1-1.2)");
  collect (run, &rec, 1000);
  finish (run, &rec);
  fail_unless_equals_int (rec.lost, 1);
  fail_unless_equals_int (rec.found, 1);
  fail_unless_equals_int (rec.warnings, 1);
  fail_unless_equals_int (rec.restarted, 1);
  fail_unless_equals_int (runs (), 2);
  run_free (run);
  rec_clear (&rec);
}

GST_END_TEST;

/* A link that comes and goes faster than device-settle is never opened;
 * once it stays, it is. */
GST_START_TEST (test_flapping_not_opened)
{
  Rec rec;
  Run *run;

  cards (&PCH, NULL);
  run = start ("device=usb:16d0:0b40 wait-for-device=true "
               "device-settle=1000000000",
      &rec, FALSE);
  wait_for (run, &rec, &rec.lost, 1, 5000, "device-lost");
  /* present 300 ms, absent 700 ms (7 polls: none can miss it), 5 times */
  for (guint i = 0; i < 10; i++) {
    if (i % 2 == 0)
      cards (&PCH, &MIC, NULL);
    else
      cards (&PCH, NULL);
    collect (run, &rec, i % 2 == 0 ? 300 : 700);
  }
  fail_unless_equals_int (runs (), 0);
  fail_unless_equals_int (rec.found, 0);
  cards (&PCH, &MIC, NULL);
  wait_for (run, &rec, &rec.found, 1, 5000, "device-found");
  collect (run, &rec, 500);
  finish (run, &rec);
  fail_unless_equals_int (runs (), 1);
  fail_unless (n_buffers (&rec) > 0);
  fail_unless_equals_int (rec.lost, 1);
  fail_unless_equals_int (rec.warnings, 1);
  run_free (run);
  rec_clear (&rec);
}

GST_END_TEST;

/* Waited for device-timeout in vain: an ERROR naming it, no ffmpeg run */
GST_START_TEST (test_device_timeout)
{
  Rec rec;
  Run *run;
  gint64 t0 = g_get_monotonic_time (), took;
  gchar *text;

  cards (&PCH, NULL);
  run = start ("device=usb:16d0:0b40 wait-for-device=true "
               "device-timeout=1000000000",
      &rec, FALSE);
  fail_unless (run_wait (run, 10000, on_message, &rec));
  took = g_get_monotonic_time () - t0;
  fail_unless (run->error != NULL);
  text = message_text (run->error);
  GST_INFO ("after %.3f s: %s", took / 1e6, text);
  fail_unless (strstr (text, "device-timeout") != NULL, "%s", text);
  fail_unless (strstr (text, "\"usb:16d0:0b40\"") != NULL, "%s", text);
  fail_unless (strstr (text, "card 0 (id PCH, not USB)") != NULL, "%s", text);
  g_free (text);
  fail_unless (took >= 1 * SEC);
  fail_unless_equals_int (rec.lost, 1);
  fail_unless_equals_int (runs (), 0);
  run_free (run);
  rec_clear (&rec);
}

GST_END_TEST;

/* Stopping while the device is waited for, or settles, is prompt and
 * leaves no child. */
GST_START_TEST (test_stop_while_waiting)
{
  for (guint settling = 0; settling < 2; settling++) {
    Rec rec;
    Run *run;
    gint64 t0, took;

    cards (&PCH, NULL);
    run = start ("device=usb:16d0:0b40 wait-for-device=true "
                 "device-settle=10000000000",
        &rec, FALSE);
    wait_for (run, &rec, &rec.lost, 1, 5000, "device-lost");
    if (settling)
      cards (&PCH, &MIC, NULL);
    collect (run, &rec, 300);
    t0 = g_get_monotonic_time ();
    gst_element_set_state (run->pipeline, GST_STATE_NULL);
    took = g_get_monotonic_time () - t0;
    GST_INFO ("stopped in %.3f s", took / 1e6);
    fail_unless (took < 500 * MS, "stopping took %.3f s", took / 1e6);
    fail_unless_equals_int (runs (), 0);
    fail_unless_equals_int (count_own_children (), 0);
    run_free (run);
    rec_clear (&rec);
  }
}

GST_END_TEST;

/* A device that opens and stays silent is a stall, named by its card */
GST_START_TEST (test_stall_names_card)
{
  Rec rec;
  Run *run;
  gchar *text;

  cards (&PCH, &MIC, NULL);
  g_setenv ("FFC_FAKE_FFMPEG_MODE", "silent", TRUE);
  run = start ("device=usb:16d0:0b40 stall-timeout=500000000", &rec, FALSE);
  fail_unless (run_wait (run, 10000, on_message, &rec));
  fail_unless (run->error != NULL);
  text = message_text (run->error);
  fail_unless (strstr (text, "no audio for 0.5 s from card 1 (id Ultrasonic, "
                             "USB 16d0:0b40 serial 123, port 1-1.2)")
                   != NULL,
      "%s", text);
  g_free (text);
  run_free (run);
  rec_clear (&rec);
}

GST_END_TEST;

/* The input's rate and channels are asked of the card the device is now;
 * an absent one (waited for) is not asked. */
GST_START_TEST (test_probe_asks_the_card)
{
  Rec rec;
  Run *run;
  gchar **inputs;

  cards (&PCH, &MIC, NULL);
  run = start_caps (
      "device=usb:16d0:0b40", "audio/x-raw,format=S16LE", &rec, FALSE);
  collect (run, &rec, 1000);
  finish (run, &rec);
  inputs = state_lines ("inputs");
  /* the probe, then the capture */
  fail_unless_equals_int (g_strv_length (inputs), 2);
  fail_unless_equals_string (inputs[0], "hw:CARD=Ultrasonic,DEV=0");
  fail_unless_equals_string (inputs[1], "hw:CARD=Ultrasonic,DEV=0");
  g_strfreev (inputs);
  fail_unless (n_buffers (&rec) > 0);
  run_free (run);
  rec_clear (&rec);
  rm_rf (state);
  fail_unless (g_mkdir (state, 0700) == 0);

  cards (&PCH, NULL);
  run = start_caps ("device=usb:16d0:0b40 wait-for-device=true",
      "audio/x-raw,format=S16LE", &rec, FALSE);
  wait_for (run, &rec, &rec.lost, 1, 5000, "device-lost");
  fail_unless_equals_int (runs (), 0);
  cards (&PCH, &MIC, NULL);
  wait_for (run, &rec, &rec.found, 1, 5000, "device-found");
  collect (run, &rec, 500);
  finish (run, &rec);
  /* the capture only */
  fail_unless_equals_int (runs (), 1);
  fail_unless (n_buffers (&rec) > 0);
  run_free (run);
  rec_clear (&rec);
}

GST_END_TEST;

static Suite *
devices_suite (void)
{
  Suite *s = suite_create ("ffmpegsrc-devices");
  TCase *tc = tcase_create ("devices");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_absent_fails_start);
  tcase_add_test (tc, test_renumbered_across_restart);
  tcase_add_test (tc, test_unplug_replug);
  tcase_add_test (tc, test_unplug_without_wait);
  tcase_add_test (tc, test_flapping_not_opened);
  tcase_add_test (tc, test_device_timeout);
  tcase_add_test (tc, test_stop_while_waiting);
  tcase_add_test (tc, test_stall_names_card);
  tcase_add_test (tc, test_probe_asks_the_card);
  return s;
}

GST_CHECK_MAIN (devices);
