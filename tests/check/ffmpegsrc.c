/* gst-check tests of ffmpegsrc, with the real ffmpeg and no sound hardware:
 * lavfi sources (paced with -re where a live capture is needed) and ALSA's
 * null device.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/audio/audio.h>

#include "check-common.h"

typedef struct {
  GstClockTime pts, duration;
  guint64 offset, offset_end;
  gsize size;
  gboolean discont;
  GstClockTime arrival; /* running time when it reached the sink */
} BufInfo;

typedef struct {
  GMutex lock;
  GArray *bufs;
  guint64 bytes;
  guint stall_ms; /* block the streaming thread once */
  GstElement *pipeline;
} Recorder;

static void
recorder_free (Recorder *rec)
{
  g_array_free (rec->bufs, TRUE);
  g_mutex_clear (&rec->lock);
  g_free (rec);
}

/* what the element named "sink" received */
static Recorder *
rec_of (Run *run)
{
  return g_object_get_data (G_OBJECT (run->pipeline), "recorder");
}

static GstPadProbeReturn
record_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Recorder *rec = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  BufInfo b = {
    .pts = GST_BUFFER_PTS (buf),
    .duration = GST_BUFFER_DURATION (buf),
    .offset = GST_BUFFER_OFFSET (buf),
    .offset_end = GST_BUFFER_OFFSET_END (buf),
    .size = gst_buffer_get_size (buf),
    .discont = GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT),
    .arrival = GST_CLOCK_TIME_NONE,
  };
  GstClock *clock = gst_element_get_clock (rec->pipeline);
  guint stall;

  if (clock != NULL) {
    b.arrival =
        gst_clock_get_time (clock) - gst_element_get_base_time (rec->pipeline);
    gst_object_unref (clock);
  }
  g_mutex_lock (&rec->lock);
  g_array_append_val (rec->bufs, b);
  rec->bytes += b.size;
  stall = rec->stall_ms;
  rec->stall_ms = 0;
  g_mutex_unlock (&rec->lock);

  /* a downstream that stops consuming for a while */
  if (stall > 0)
    g_usleep (stall * 1000);
  return GST_PAD_PROBE_OK;
}

/* A pipeline, not started, whose element "sink" is recorded (rec_of ()) */
static Run *
run_recorded (const gchar *description)
{
  Recorder *rec = g_new0 (Recorder, 1);
  GError *error = NULL;
  GstElement *pipeline, *sink;
  GstPad *pad;

  pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  fail_unless (pipeline != NULL);
  g_mutex_init (&rec->lock);
  rec->bufs = g_array_new (FALSE, FALSE, sizeof (BufInfo));
  rec->pipeline = pipeline;
  g_object_set_data_full (
      G_OBJECT (pipeline), "recorder", rec, (GDestroyNotify)recorder_free);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless (sink != NULL);
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, record_buffer, rec, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  return run_new (pipeline);
}

static GstElement *
run_src (Run *run)
{
  GstElement *src = gst_bin_get_by_name (GST_BIN (run->pipeline), "src");
  gst_object_unref (src); /* the pipeline keeps it alive */
  return src;
}

static GstStructure *
src_stats (Run *run)
{
  GstStructure *stats = NULL;
  g_object_get (run_src (run), "stats", &stats, NULL);
  fail_unless (stats != NULL);
  return stats;
}

static gint
child_pid (Run *run)
{
  GstStructure *stats = src_stats (run);
  gint pid = 0;
  fail_unless (gst_structure_get_int (stats, "child-pid", &pid));
  gst_structure_free (stats);
  return pid;
}

static guint64
stats_u64 (Run *run, const gchar *field)
{
  GstStructure *stats = src_stats (run);
  guint64 v = 0;
  fail_unless (gst_structure_get_uint64 (stats, field, &v), "no %s", field);
  gst_structure_free (stats);
  return v;
}

/* Waits (pumping the bus) until the recorder has at least `bytes`. */
static void
wait_for_bytes (Run *run, guint64 bytes, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  for (;;) {
    guint64 have;
    g_mutex_lock (&rec_of (run)->lock);
    have = rec_of (run)->bytes;
    g_mutex_unlock (&rec_of (run)->lock);
    if (have >= bytes)
      return;
    fail_if (g_get_monotonic_time () > end,
        "only %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
        " bytes arrived in time",
        have, bytes);
    fail_if (
        run_wait (run, 20, NULL, NULL) && run->error, "error while waiting");
  }
}

static gchar *
error_text (GstMessage *msg, gchar **debug)
{
  GError *err = NULL;
  gchar *text;

  gst_message_parse_error (msg, &err, debug);
  text = g_strdup (err->message);
  g_error_free (err);
  return text;
}

static gboolean
process_alive (gint pid)
{
  gchar *path = g_strdup_printf ("/proc/%d/stat", pid), *text = NULL;
  gboolean alive = FALSE;

  if (g_file_get_contents (path, &text, NULL, NULL)) {
    const gchar *p = strrchr (text, ')');
    alive = p != NULL && p[2] != 'Z';
  }
  g_free (path);
  g_free (text);
  return alive;
}

static gboolean
process_exists (gint pid)
{
  gchar *path = g_strdup_printf ("/proc/%d", pid);
  gboolean exists = g_file_test (path, G_FILE_TEST_EXISTS);
  g_free (path);
  return exists;
}

static guint64
total_frames (Run *run, gint bpf)
{
  return rec_of (run)->bytes / bpf;
}

/* Every buffer starts where the previous one ended, in time and samples. */
static void
assert_continuous (Run *run, guint from, guint to)
{
  for (guint i = from + 1; i < to; i++) {
    BufInfo *a = &g_array_index (rec_of (run)->bufs, BufInfo, i - 1);
    BufInfo *b = &g_array_index (rec_of (run)->bufs, BufInfo, i);
    fail_unless_equals_uint64 (b->pts, a->pts + a->duration);
    fail_unless_equals_uint64 (b->offset, a->offset_end);
    fail_if (b->discont, "buffer %u is DISCONT", i);
  }
}

GST_START_TEST (test_exact_samples_then_eos)
{
  Run *run =
      run_recorded ("ffmpegsrc name=src input-format=lavfi "
                    "device=sine=frequency=440:sample_rate=48000:duration=2 ! "
                    "audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
                    "fakesink name=sink sync=false");
  BufInfo *head, *tail;
  guint n;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (run_wait (run, 20000, NULL, NULL));
  fail_unless (run->eos, "no EOS");
  fail_unless (run->error == NULL);

  n = rec_of (run)->bufs->len;
  fail_unless (n > 1);
  fail_unless_equals_uint64 (total_frames (run, 2), 96000);
  head = &g_array_index (rec_of (run)->bufs, BufInfo, 0);
  tail = &g_array_index (rec_of (run)->bufs, BufInfo, n - 1);
  fail_unless (head->discont);
  fail_unless_equals_uint64 (head->offset, 0);
  fail_unless_equals_uint64 (tail->offset_end, 96000);
  /* timestamps from the sample count: 96000 samples are exactly 2 s */
  fail_unless_equals_uint64 (
      tail->pts + tail->duration - head->pts, 2 * GST_SECOND);
  assert_continuous (run, 0, n);
  fail_unless_equals_uint64 (stats_u64 (run, "samples-pushed"), 96000);
  fail_unless_equals_uint64 (stats_u64 (run, "samples-dropped"), 0);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_filesink_byte_count)
{
  gchar *dir = g_dir_make_tmp ("ffmpegsrc-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "out.raw", NULL);
  gchar *desc = g_strdup_printf (
      "ffmpegsrc input-format=lavfi "
      "device=\"sine=frequency=440:sample_rate=48000:duration=2\" ! "
      "audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
      "filesink location=%s",
      path);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GStatBuf st;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (
      bus, 20 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  fail_unless (g_stat (path, &st) == 0);
  fail_unless_equals_int64 (st.st_size, 192000);

  g_unlink (path);
  g_rmdir (dir);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_negotiation)
{
  static const gchar *formats[] = { "S16LE", "S32LE", "F32LE" };
  static const struct {
    gint rate, channels;
  } layouts[] = { { 8000, 1 }, { 44100, 2 }, { 384000, 1 }, { 48000, 6 } };

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    for (guint l = 0; l < G_N_ELEMENTS (layouts); l++) {
      gint rate = layouts[l].rate, channels = layouts[l].channels;
      gchar *desc =
          g_strdup_printf ("ffmpegsrc name=src input-format=lavfi "
                           "device=sine=sample_rate=%d:duration=0.25 ! "
                           "audio/x-raw,format=%s,rate=%d,channels=%d ! "
                           "fakesink name=sink sync=false",
              rate, formats[f], rate, channels);
      Run *run = run_recorded (desc);
      GstElement *sink = gst_bin_get_by_name (GST_BIN (run->pipeline), "sink");
      GstPad *pad = gst_element_get_static_pad (sink, "sink");
      GstCaps *caps;
      GstAudioInfo info;

      gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
      fail_unless (run_wait (run, 20000, NULL, NULL));
      fail_unless (run->eos, "no EOS for %s", desc);

      caps = gst_pad_get_current_caps (pad);
      fail_unless (gst_audio_info_from_caps (&info, caps));
      fail_unless_equals_string (
          gst_audio_format_to_string (GST_AUDIO_INFO_FORMAT (&info)),
          formats[f]);
      fail_unless_equals_int (GST_AUDIO_INFO_RATE (&info), rate);
      fail_unless_equals_int (GST_AUDIO_INFO_CHANNELS (&info), channels);
      /* exactly a quarter second: ffmpeg produced the negotiated layout */
      fail_unless_equals_uint64 (
          rec_of (run)->bytes % GST_AUDIO_INFO_BPF (&info), 0);
      fail_unless_equals_uint64 (
          total_frames (run, GST_AUDIO_INFO_BPF (&info)), rate / 4);
      gst_caps_unref (caps);
      gst_object_unref (pad);
      gst_object_unref (sink);
      run_free (run);
      g_free (desc);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_ffmpeg_resamples_to_caps)
{
  /* captured at 384 kHz, delivered at 48 kHz: ffmpeg's resampler does it */
  Run *run = run_recorded (
      "ffmpegsrc name=src input-format=lavfi "
      "device=sine=frequency=1000:sample_rate=384000:duration=1 ! "
      "audio/x-raw,rate=48000 ! fakesink name=sink sync=false");
  guint64 frames;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (run_wait (run, 20000, NULL, NULL));
  fail_unless (run->eos);
  /* S16LE mono, the fixated defaults */
  frames = total_frames (run, 2);
  fail_unless (
      frames >= 47900 && frames <= 48100, "%" G_GUINT64_FORMAT, frames);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_fixate_to_capture_properties)
{
  /* nothing downstream constrains: the capture rate and channels are kept */
  Run *run = run_recorded (
      "ffmpegsrc name=src input-format=lavfi "
      "sample-rate=22050 channels=2 "
      "device=sine=sample_rate=22050:duration=0.5 ! fakesink name=sink "
      "sync=false");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (run->pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstAudioInfo info;
  GstCaps *caps;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (run_wait (run, 20000, NULL, NULL));
  fail_unless (run->eos);
  caps = gst_pad_get_current_caps (pad);
  fail_unless (gst_audio_info_from_caps (&info, caps));
  fail_unless_equals_int (GST_AUDIO_INFO_RATE (&info), 22050);
  fail_unless_equals_int (GST_AUDIO_INFO_CHANNELS (&info), 2);
  fail_unless_equals_uint64 (total_frames (run, 4), 11025);
  gst_caps_unref (caps);
  gst_object_unref (pad);
  gst_object_unref (sink);
  run_free (run);
}

GST_END_TEST;

/* The frames, rate and format of the WAV segments a segmentsink wrote */
static guint64
recorded_frames (const gchar *dir, guint *rate, FfcSampleFormat *format)
{
  GPtrArray *names = wav_names (dir, NULL);
  guint64 frames = 0;

  fail_unless (names->len > 0, "no segment in %s", dir);
  for (guint i = 0; i < names->len; i++) {
    gchar *path = g_build_filename (dir, names->pdata[i], NULL);
    WavInfo info;

    fail_unless (read_wav (path, &info), "%s is not a complete WAV", path);
    frames += info.frames;
    *rate = info.rate;
    *format = info.format;
    g_free (path);
  }
  g_ptr_array_unref (names);
  return frames;
}

/* A raw branch beside a resampled one keeps the input's own rate: the
 * other branch's preference (48 kHz, first among the tee's offers) is not
 * imposed on it (issue 13, item 4). Without a caps filter on either raw
 * side, the input's own rate, channels and sample format are taken. */
GST_START_TEST (test_tee_raw_branch_keeps_input_rate)
{
  gchar *a = g_dir_make_tmp ("ffmpegsrc-raw-XXXXXX", NULL);
  gchar *b = g_dir_make_tmp ("ffmpegsrc-48k-XXXXXX", NULL);
  gchar *desc =
      g_strdup_printf ("ffmpegsrc name=src input-format=lavfi "
                       "device=sine=sample_rate=96000:duration=1 ! tee name=t "
                       "t. ! queue ! segmentsink location=%s "
                       "t. ! queue ! audioresample ! audio/x-raw,rate=48000 ! "
                       "segmentsink location=%s",
          a, b);
  Run *run = run_launch (desc, 20000, NULL, NULL);
  FfcSampleFormat format;
  guint rate = 0;

  fail_unless (run->eos, "no EOS");
  fail_if (run->error);
  run_free (run);
  /* A: all of the input, unconverted */
  fail_unless_equals_uint64 (recorded_frames (a, &rate, &format), 96000);
  fail_unless_equals_int (rate, 96000);
  fail_unless_equals_int (format, FFC_SAMPLE_S16LE);
  /* B: resampled to what its branch asked for */
  recorded_frames (b, &rate, &format);
  fail_unless_equals_int (rate, 48000);
  rm_rf (a);
  rm_rf (b);
  g_free (a);
  g_free (b);
  g_free (desc);
}

GST_END_TEST;

/* Nothing downstream says otherwise: the input's own sample format. A
 * float source (aevalsrc gives doubles) is captured as F32LE, not squeezed
 * into 16 bits; a 16-bit one stays S16LE. */
GST_START_TEST (test_fixate_to_input_format)
{
  static const struct {
    const gchar *device;
    const gchar *format;
    gint rate;
  } cases[] = {
    { "aevalsrc=sin(2*PI*440*t):s=44100:d=0.5", "F32LE", 44100 },
    { "sine=sample_rate=32000:duration=0.5", "S16LE", 32000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *desc = g_strdup_printf ("ffmpegsrc name=src input-format=lavfi "
                                   "device=%s ! fakesink name=sink sync=false",
        cases[i].device);
    Run *run = run_recorded (desc);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (run->pipeline), "sink");
    GstPad *pad = gst_element_get_static_pad (sink, "sink");
    GstAudioInfo info;
    GstCaps *caps;

    gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
    fail_unless (run_wait (run, 20000, NULL, NULL));
    fail_unless (run->eos);
    caps = gst_pad_get_current_caps (pad);
    fail_unless (gst_audio_info_from_caps (&info, caps));
    fail_unless_equals_string (
        gst_audio_format_to_string (GST_AUDIO_INFO_FORMAT (&info)),
        cases[i].format);
    fail_unless_equals_int (GST_AUDIO_INFO_RATE (&info), cases[i].rate);
    fail_unless_equals_int (GST_AUDIO_INFO_CHANNELS (&info), 1);
    fail_unless_equals_uint64 (
        total_frames (run, GST_AUDIO_INFO_BPF (&info)), cases[i].rate / 2);
    gst_caps_unref (caps);
    gst_object_unref (pad);
    gst_object_unref (sink);
    run_free (run);
    g_free (desc);
  }
}

GST_END_TEST;

/* The error must come within 2 s of PLAYING, name the problem, and carry
 * ffmpeg's own last lines. */
static void
expect_runtime_error (
    const gchar *properties, const gchar *in_message, const gchar *in_stderr)
{
  gchar *desc = g_strdup_printf ("ffmpegsrc name=src %s ! "
                                 "fakesink name=sink",
      properties);
  Run *run = run_recorded (desc);
  gint64 start = g_get_monotonic_time ();
  const GstStructure *details = NULL;
  gchar *text, *debug = NULL;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (run_wait (run, 5000, NULL, NULL));
  fail_unless (run->error != NULL, "no ERROR for %s", properties);
  fail_unless (g_get_monotonic_time () - start < 2 * G_USEC_PER_SEC,
      "error took %" G_GINT64_FORMAT " us", g_get_monotonic_time () - start);
  fail_unless (GST_MESSAGE_SRC (run->error) == GST_OBJECT (run_src (run)));

  text = error_text (run->error, &debug);
  fail_unless (
      strstr (text, in_message) != NULL, "'%s' not in '%s'", in_message, text);
  fail_unless (debug != NULL && strstr (debug, in_stderr) != NULL,
      "'%s' not in '%s'", in_stderr, debug);
  gst_message_parse_error_details (run->error, &details);
  fail_unless (details != NULL);
  fail_unless (
      strstr (gst_structure_get_string (details, "stderr"), in_stderr) != NULL);
  g_free (text);
  g_free (debug);
  run_free (run);
  g_free (desc);
}

GST_START_TEST (test_bad_device)
{
  expect_runtime_error ("input-format=alsa device=nosuchdev", "nosuchdev",
      "Unknown PCM nosuchdev");
}

GST_END_TEST;

GST_START_TEST (test_bad_option)
{
  expect_runtime_error ("input-format=alsa device=null "
                        "input-options=\"-bogus 1\"",
      "Option not found", "Unrecognized option 'bogus'");
}

GST_END_TEST;

GST_START_TEST (test_bad_input_format)
{
  expect_runtime_error (
      "input-format=nosuchfmt device=x", "Unknown input format", "nosuchfmt");
}

GST_END_TEST;

GST_START_TEST (test_bad_lavfi_graph)
{
  expect_runtime_error ("input-format=lavfi device=nosuchfilter=x=1",
      "No such filter", "nosuchfilter");
}

GST_END_TEST;

GST_START_TEST (test_exit_without_audio)
{
  expect_runtime_error ("input-format=lavfi device=aevalsrc=0:d=0",
      "without delivering any audio", "Output #0");
}

GST_END_TEST;

static void
expect_state_change_failure (const gchar *properties, const gchar *in_message)
{
  gchar *desc =
      g_strdup_printf ("ffmpegsrc name=src %s ! fakesink", properties);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gchar *text;

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  text = error_text (msg, NULL);
  fail_unless (
      strstr (text, in_message) != NULL, "'%s' not in '%s'", in_message, text);
  g_free (text);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (desc);
}

GST_START_TEST (test_missing_ffmpeg)
{
  expect_state_change_failure (
      "ffmpeg-path=no-such-ffmpeg", "'no-such-ffmpeg' was not found in PATH");
  expect_state_change_failure ("ffmpeg-path=/nonexistent/ffmpeg",
      "'/nonexistent/ffmpeg' is not an executable program");
}

GST_END_TEST;

GST_START_TEST (test_bad_settings_refused)
{
  GstElement *src = gst_element_factory_make ("ffmpegsrc", NULL);

  /* the setter warns at once ... */
  ASSERT_WARNING (
      g_object_set (src, "input-options", "-x 'unterminated", NULL));
  gst_object_unref (src);
  /* ... and the state change refuses it, saying why */
  ASSERT_WARNING (expect_state_change_failure (
      "input-options=\"-x 'unterminated\"", "Invalid input-options"));
  expect_state_change_failure ("device=\"\"", "No device given");
}

GST_END_TEST;

GST_START_TEST (test_live_and_latency)
{
  Run *run = run_recorded (
      "ffmpegsrc name=src input-format=lavfi "
      "input-options=-re device=sine=sample_rate=48000 buffer-time=3000000000 "
      "! fakesink name=sink");
  GstQuery *query = gst_query_new_latency ();
  gboolean live;
  GstClockTime min, max;

  fail_unless_equals_int (
      gst_element_set_state (run->pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_NO_PREROLL);
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  wait_for_bytes (run, 9600, 10000);
  fail_unless (gst_element_query (run_src (run), query));
  gst_query_parse_latency (query, &live, &min, &max);
  fail_unless (live);
  /* one write, the device's buffering and latency-time (250 ms) */
  fail_unless (min >= 250 * GST_MSECOND && min < 450 * GST_MSECOND,
      "min latency %" GST_TIME_FORMAT, GST_TIME_ARGS (min));
  fail_unless_equals_uint64 (max, 3 * GST_SECOND);
  gst_query_unref (query);
  run_free (run);
}

GST_END_TEST;

static gint
compare_times (gconstpointer a, gconstpointer b)
{
  GstClockTime x = *(const GstClockTime *)a, y = *(const GstClockTime *)b;
  return x < y ? -1 : x > y;
}

/* the median duration of the first n buffers */
static GstClockTime
median_duration (GArray *bufs, guint n)
{
  GArray *d = g_array_sized_new (FALSE, FALSE, sizeof (GstClockTime), n);
  GstClockTime median;

  for (guint i = 0; i < n; i++)
    g_array_append_val (d, g_array_index (bufs, BufInfo, i).duration);
  g_array_sort (d, compare_times);
  median = g_array_index (d, GstClockTime, n / 2);
  g_array_free (d, TRUE);
  return median;
}

/* latency-time groups ffmpeg's writes (32 KiB, 43 ms at 384 kHz S16 mono)
 * into buffers of about that long (typically at least that long and less
 * than two writes longer), back to back, every sample there; 0 pushes each
 * write as it comes. The latency reported includes the wait. */
static void
check_latency_time (guint64 latency_ns)
{
  gchar *description = g_strdup_printf (
      "ffmpegsrc name=src input-format=lavfi input-options=-re "
      "device=sine=sample_rate=384000:duration=1.5 "
      "latency-time=%" G_GUINT64_FORMAT
      " ! audio/x-raw,format=S16LE,channels=1 ! fakesink name=sink",
      latency_ns);
  Run *run = run_recorded (description);
  GstQuery *query = gst_query_new_latency ();
  guint64 write_ns = gst_util_uint64_scale (32768 / 2, GST_SECOND, 384000);
  GstClockTime min, max, median;
  gboolean live;
  GArray *bufs;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  wait_for_bytes (run, 76800, 10000);
  fail_unless (gst_element_query (run_src (run), query));
  gst_query_parse_latency (query, &live, &min, &max);
  fail_unless (min >= latency_ns, "min latency %" G_GUINT64_FORMAT, min);
  gst_query_unref (query);
  run_wait (run, 20000, NULL, NULL);
  fail_unless (run->eos, "no EOS");
  bufs = rec_of (run)->bufs;
  fail_unless_equals_uint64 (total_frames (run, 2), 576000);
  assert_continuous (run, 0, bufs->len);
  /* The typical buffer, the last (the stream's end) aside: on a loaded
   * machine a read may take two writes at once, or ffmpeg be late so that
   * a buffer leaves part-full at its deadline, but not most of the time.
   * The exact rule, per read, is test-capture's. */
  fail_unless (bufs->len >= 2, "%u buffers", bufs->len);
  median = median_duration (bufs, bufs->len - 1);
  if (latency_ns == 0)
    fail_unless (median <= write_ns + GST_MSECOND,
        "buffers of %" GST_TIME_FORMAT " with latency-time=0",
        GST_TIME_ARGS (median));
  else
    fail_unless (median >= latency_ns && median <= latency_ns + 2 * write_ns,
        "buffers of %" GST_TIME_FORMAT " for latency-time %" GST_TIME_FORMAT,
        GST_TIME_ARGS (median), GST_TIME_ARGS (latency_ns));
  run_free (run);
  g_free (description);
}

GST_START_TEST (test_latency_time)
{
  check_latency_time (100 * GST_MSECOND);
  check_latency_time (250 * GST_MSECOND);
  check_latency_time (0);
}

GST_END_TEST;

/* The smallest buffer-time a recorder may set (10 ms, 7.5 KiB at 384 kHz
 * mono S16) is smaller than one of ffmpeg's pipe writes (32 KiB): the
 * queue still holds a few writes, so a consumer that keeps up loses
 * nothing. Before, 2049 of 768000 samples got through, the rest dropped. */
GST_START_TEST (test_small_buffer_time_keeps_audio)
{
  Run *run = run_recorded (
      "ffmpegsrc name=src input-format=lavfi input-options=-re "
      "device=sine=sample_rate=384000:duration=2 buffer-time=10000000 ! "
      "audio/x-raw,format=S16LE,channels=1 ! fakesink name=sink");
  guint64 pushed, dropped;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  run_wait (run, 20000, NULL, NULL);
  fail_unless (run->eos, "no EOS");
  pushed = stats_u64 (run, "samples-pushed");
  dropped = stats_u64 (run, "samples-dropped");
  /* exact accounting, and (on a loaded machine too) nearly all of it */
  fail_unless_equals_uint64 (pushed + dropped, 768000);
  fail_unless_equals_uint64 (total_frames (run, 2), pushed);
  fail_unless (pushed >= 768000 * 9 / 10,
      "only %" G_GUINT64_FORMAT " of 768000 samples got through", pushed);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_restart_after_kill)
{
  Run *run = run_recorded (
      "ffmpegsrc name=src input-format=lavfi "
      "input-options=-re device=sine=sample_rate=48000 "
      "! audio/x-raw,format=S16LE,channels=1 ! fakesink name=sink");
  GstMessage *restarted;
  const GstStructure *s;
  gint pid, new_pid;
  guint before, gap_index = 0;
  BufInfo *prev, *next;
  guint restarts = 0;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  wait_for_bytes (run, 96000, 10000); /* a second of audio */
  pid = child_pid (run);
  fail_unless (pid > 0);
  g_mutex_lock (&rec_of (run)->lock);
  before = rec_of (run)->bufs->len;
  g_mutex_unlock (&rec_of (run)->lock);

  fail_unless (kill (pid, SIGKILL) == 0);
  wait_for_bytes (run, rec_of (run)->bytes + 48000, 10000);

  restarted = first_message (run, GST_MESSAGE_ELEMENT, "ffmpegsrc-restarted");
  fail_unless (restarted != NULL, "no ffmpegsrc-restarted message");
  s = gst_message_get_structure (restarted);
  fail_unless (
      strstr (gst_structure_get_string (s, "reason"), "signal 9") != NULL);
  fail_unless (
      strstr (gst_structure_get_string (s, "stderr"), "Input #0") != NULL);
  fail_unless (gst_structure_get_uint (s, "restarts", &restarts));
  fail_unless_equals_int (restarts, 1);
  fail_unless (run->error == NULL);

  new_pid = child_pid (run);
  fail_unless (new_pid > 0 && new_pid != pid);
  fail_if (process_exists (pid), "the killed ffmpeg was not reaped");

  /* The first buffer of the new ffmpeg is DISCONT, later than the end of
   * the last one before the kill by the time nothing was captured. */
  g_mutex_lock (&rec_of (run)->lock);
  for (guint i = MAX (before, 1); i < rec_of (run)->bufs->len; i++) {
    if (g_array_index (rec_of (run)->bufs, BufInfo, i).discont) {
      gap_index = i;
      break;
    }
  }
  fail_unless (gap_index > 0, "no DISCONT buffer after the restart");
  prev = &g_array_index (rec_of (run)->bufs, BufInfo, gap_index - 1);
  next = &g_array_index (rec_of (run)->bufs, BufInfo, gap_index);
  /* at least the 100 ms backoff passed with nothing captured */
  fail_unless (next->pts >= prev->pts + prev->duration + 90 * GST_MSECOND,
      "gap of %" GST_TIME_FORMAT " only",
      GST_TIME_ARGS (next->pts - prev->pts - prev->duration));
  /* and it is stamped at its capture time, not after its arrival */
  fail_unless (next->pts <= next->arrival);
  fail_unless (next->offset > prev->offset_end);
  assert_continuous (run, gap_index, rec_of (run)->bufs->len);
  g_mutex_unlock (&rec_of (run)->lock);
  fail_unless_equals_int (stats_u64 (run, "samples-dropped"), 0);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_restart_after_stall)
{
  Run *run = run_recorded ("ffmpegsrc name=src input-format=lavfi "
                           "input-options=-re device=sine=sample_rate=48000 "
                           "stall-timeout=500000000 ! fakesink name=sink");
  GstMessage *restarted;
  gint pid;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  wait_for_bytes (run, 48000, 10000);
  pid = child_pid (run);
  fail_unless (kill (pid, SIGSTOP) == 0);
  wait_for_bytes (run, rec_of (run)->bytes + 48000, 10000);

  restarted = first_message (run, GST_MESSAGE_ELEMENT, "ffmpegsrc-restarted");
  fail_unless (restarted != NULL);
  fail_unless (strstr (gst_structure_get_string (
                           gst_message_get_structure (restarted), "reason"),
                   "no audio for 0.5 s")
               != NULL);
  /* the stopped ffmpeg was killed and reaped */
  fail_if (process_exists (pid));
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_max_restarts)
{
  Run *run = run_recorded (
      "ffmpegsrc name=src input-format=lavfi "
      "input-options=-re device=sine=sample_rate=48000 max-restarts=0 "
      "! fakesink name=sink");
  gchar *text;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  wait_for_bytes (run, 9600, 10000);
  fail_unless (kill (child_pid (run), SIGKILL) == 0);
  fail_unless (run_wait (run, 5000, NULL, NULL));
  fail_unless (run->error != NULL);
  text = error_text (run->error, NULL);
  fail_unless (strstr (text, "max-restarts=0") != NULL, "%s", text);
  fail_unless (strstr (text, "signal 9") != NULL, "%s", text);
  g_free (text);
  fail_if (first_message (run, GST_MESSAGE_ELEMENT, "ffmpegsrc-restarted"));
  run_free (run);
}

GST_END_TEST;

/* A live capture of exactly 5 s whose consumer stalls for 3 s at the start. */
static Run *
run_stalled_capture (const gchar *buffer_time)
{
  gchar *desc = g_strdup_printf (
      "ffmpegsrc name=src input-format=lavfi "
      "input-options=-re device=sine=sample_rate=48000:duration=5 "
      "buffer-time=%s ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
      "fakesink name=sink sync=false",
      buffer_time);
  Run *run = run_recorded (desc);

  rec_of (run)->stall_ms = 3000;
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (run_wait (run, 20000, NULL, NULL));
  fail_unless (run->eos, "no EOS");
  g_free (desc);
  return run;
}

GST_START_TEST (test_stall_within_buffer_time)
{
  Run *run = run_stalled_capture ("5000000000");

  /* a 3 s stall fits in 5 s: not one sample lost, no gap */
  fail_unless_equals_uint64 (total_frames (run, 2), 240000);
  fail_unless_equals_uint64 (stats_u64 (run, "samples-dropped"), 0);
  assert_continuous (run, 0, rec_of (run)->bufs->len);
  fail_if (first_message (run, GST_MESSAGE_WARNING, NULL));
  run_free (run);
}

GST_END_TEST;

/* EOS sent while downstream is stalled (an application stopping a recorder
 * behind a slow disk): everything captured until then still comes out,
 * then EOS. GstBaseSrc alone would drop all that sat in the queue. */
GST_START_TEST (test_eos_delivers_what_was_captured)
{
  Run *run = run_recorded ("ffmpegsrc name=src input-format=lavfi "
                           "input-options=-re device=sine=sample_rate=48000 ! "
                           "audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
                           "fakesink name=sink sync=false");
  gint64 first = 0, eos_sent;
  guint64 received, pushed;

  rec_of (run)->stall_ms = 3000;
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  for (gint i = 0; i < 1000 && first == 0; i++) {
    if (stats_u64 (run, "samples-pushed") > 0)
      first = g_get_monotonic_time ();
    else
      g_usleep (10000);
  }
  fail_unless (first != 0, "no audio within 10 s");
  /* two seconds into the three-second stall */
  g_usleep (2 * G_USEC_PER_SEC);
  eos_sent = g_get_monotonic_time ();
  gst_element_send_event (run->pipeline, gst_event_new_eos ());
  fail_unless (run_wait (run, 20000, NULL, NULL));
  fail_unless (run->eos, "no EOS");

  received = total_frames (run, 2);
  pushed = stats_u64 (run, "samples-pushed");
  /* what was pushed arrived, and it covers the time up to the EOS */
  fail_unless_equals_uint64 (received, pushed);
  fail_unless (received >= (guint64)(eos_sent - first) * 48 * 9 / 10000,
      "%" G_GUINT64_FORMAT " samples for %.2f s", received,
      (eos_sent - first) / 1e6);
  fail_unless_equals_uint64 (stats_u64 (run, "samples-dropped"), 0);
  assert_continuous (run, 0, rec_of (run)->bufs->len);
  fail_if (first_message (run, GST_MESSAGE_WARNING, NULL));
  run_free (run);
}

GST_END_TEST;

/* EOS sent while ffmpeg waits to be restarted ends the stream at once,
 * with everything captured before it: a device that fails (tests/check/
 * failing-ffmpeg.sh: 0.5 s of audio, then an error and exit 1) is restarted
 * with backoff (100, 200, 400, 800 ms…); EOS comes during the fourth wait.
 * Before the restart policy, the capture thread left its loop from the
 * backoff without an EOS and the pipeline never ended (issue 13, item 2). */
GST_START_TEST (test_eos_during_restart_backoff)
{
  gchar *fake = g_build_filename (g_getenv ("FFC_SOURCE_ROOT"), "tests",
      "check", "failing-ffmpeg.sh", NULL);
  gchar *desc = g_strdup_printf (
      "ffmpegsrc name=src ffmpeg-path=%s input-format=alsa device=hw:9,9 "
      "stats-interval=0 ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
      "fakesink name=sink sync=false",
      fake);
  Run *run = run_recorded (desc);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  gint64 eos_sent, took_us;
  guint restarts = 0;
  guint64 received, pushed;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  for (;;) {
    GstStructure *stats = src_stats (run);
    gint pid = 0;

    gst_structure_get_uint (stats, "restarts", &restarts);
    gst_structure_get_int (stats, "child-pid", &pid);
    gst_structure_free (stats);
    /* the fourth run failed: ffmpegsrc waits 800 ms to restart */
    if (restarts == 3 && pid == 0)
      break;
    fail_unless (restarts <= 3, "missed the backoff");
    fail_if (g_get_monotonic_time () > deadline, "%u restarts only", restarts);
    fail_if (run_wait (run, 5, NULL, NULL), "ended: %s",
        run->error ? error_text (run->error, NULL) : "EOS");
  }
  eos_sent = g_get_monotonic_time ();
  gst_element_send_event (run->pipeline, gst_event_new_eos ());
  fail_unless (
      run_wait (run, 5000, NULL, NULL), "no EOS within 5 s of the EOS event");
  took_us = g_get_monotonic_time () - eos_sent;
  fail_unless (
      run->eos, "%s", run->error ? error_text (run->error, NULL) : "no EOS");
  /* at once, not after the backoff, nor after a new run */
  fail_unless (took_us < 2 * G_USEC_PER_SEC, "EOS after %.3f s", took_us / 1e6);
  GST_INFO ("EOS %.3f s after the EOS event", took_us / 1e6);

  /* everything captured arrived: each restarted run whole (the first run
   * may be clipped where it began before PLAYING), and no restart after
   * the EOS */
  received = total_frames (run, 2);
  pushed = stats_u64 (run, "samples-pushed");
  fail_unless_equals_uint64 (received, pushed);
  fail_unless (received >= 3 * 24000 && received <= 4 * 24000,
      "%" G_GUINT64_FORMAT " samples", received);
  fail_unless_equals_int (stats_u64 (run, "samples-dropped"), 0);
  fail_unless_equals_int (child_pid (run), 0);
  fail_unless_equals_int (count_own_children (), 0);
  run_free (run);
  g_free (desc);
  g_free (fake);
}

GST_END_TEST;

GST_START_TEST (test_stall_beyond_buffer_time)
{
  Run *run = run_stalled_capture ("1000000000");
  guint64 dropped = stats_u64 (run, "samples-dropped");
  guint64 received = total_frames (run, 2);
  GstMessage *warning;
  GError *err = NULL;
  gchar *expected;
  guint gaps = 0;

  /* about 2 s did not fit; every sample is either delivered or counted */
  fail_unless (
      dropped > 48000 && dropped < 3 * 48000, "%" G_GUINT64_FORMAT, dropped);
  fail_unless_equals_uint64 (received + dropped, 240000);

  warning = first_message (run, GST_MESSAGE_WARNING, NULL);
  fail_unless (warning != NULL);
  gst_message_parse_warning (warning, &err, NULL);
  expected = g_strdup_printf ("Dropped %" G_GUINT64_FORMAT " samples", dropped);
  fail_unless (strstr (err->message, expected) != NULL, "%s", err->message);
  g_free (expected);
  g_error_free (err);

  /* the gap shows in the timestamps and offsets, to the sample */
  for (guint i = 1; i < rec_of (run)->bufs->len; i++) {
    BufInfo *a = &g_array_index (rec_of (run)->bufs, BufInfo, i - 1);
    BufInfo *b = &g_array_index (rec_of (run)->bufs, BufInfo, i);
    if (!b->discont) {
      fail_unless_equals_uint64 (b->offset, a->offset_end);
      continue;
    }
    gaps++;
    fail_unless_equals_uint64 (b->offset - a->offset_end, dropped);
    fail_unless_equals_uint64 (
        b->pts, gst_util_uint64_scale (b->offset, GST_SECOND, 48000)
                    + g_array_index (rec_of (run)->bufs, BufInfo, 0).pts);
  }
  fail_unless_equals_int (gaps, 1);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_no_process_left_after_stop)
{
  Run *run = run_recorded (
      "ffmpegsrc name=src input-format=lavfi "
      "input-options=-re device=sine=sample_rate=48000 ! fakesink name=sink");
  gint pid;
  gchar *fd_dir;
  GDir *dir;
  guint fds = 0;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  wait_for_bytes (run, 9600, 10000);
  pid = child_pid (run);
  fail_unless (process_alive (pid));

  /* the child holds fds 0-2 only */
  fd_dir = g_strdup_printf ("/proc/%d/fd", pid);
  dir = g_dir_open (fd_dir, 0, NULL);
  fail_unless (dir != NULL);
  while (g_dir_read_name (dir) != NULL)
    fds++;
  g_dir_close (dir);
  g_free (fd_dir);
  fail_unless_equals_int (fds, 3);

  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  /* gone, not even a zombie, and no other child of ours */
  fail_if (process_exists (pid));
  fail_unless_equals_int (count_own_children (), 0);
  fail_unless_equals_int (child_pid (run), 0);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_alsa_capture_start_time)
{
  /* ALSA's null device: ffmpeg reports a wall-clock capture start */
  Run *run = run_recorded (
      "ffmpegsrc name=src input-format=alsa device=null "
      "sample-rate=48000 channels=2 ! fakesink name=sink sync=false");
  BufInfo *head;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  wait_for_bytes (run, 19200, 10000);
  fail_unless (run->error == NULL);
  g_mutex_lock (&rec_of (run)->lock);
  head = &g_array_index (rec_of (run)->bufs, BufInfo, 0);
  /* captured after PLAYING and before it arrived */
  fail_unless (head->pts <= head->arrival);
  fail_unless (head->arrival - head->pts < GST_SECOND);
  g_mutex_unlock (&rec_of (run)->lock);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_input_timestamp_jump_becomes_gap)
{
  /* Real ffmpeg, paced like a device, whose input timestamps jump by 0.5 s
   * after one second, as ALSA's do after an overrun: -re makes ffmpeg wait
   * those 0.5 s too. The raw PCM has no trace of it. */
  Run *run =
      run_recorded ("ffmpegsrc name=src input-format=lavfi input-options=-re "
                    "device=\"sine=sample_rate=48000:duration=2,"
                    "asetpts='PTS+gte(N\\,48000)*(0.5/TB)'\" ! "
                    "audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
                    "fakesink name=sink sync=false");
  GstMessage *warning;
  GError *err = NULL;
  guint gaps = 0;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (run_wait (run, 20000, NULL, NULL));
  fail_unless (run->eos, "no EOS");

  /* every sample ffmpeg delivered was pushed; 24000 more were lost before */
  fail_unless_equals_uint64 (total_frames (run, 2), 96000);
  fail_unless_equals_uint64 (stats_u64 (run, "gaps"), 1);
  fail_unless_equals_uint64 (stats_u64 (run, "samples-lost"), 24000);
  fail_unless_equals_uint64 (stats_u64 (run, "samples-dropped"), 0);

  for (guint i = 1; i < rec_of (run)->bufs->len; i++) {
    BufInfo *a = &g_array_index (rec_of (run)->bufs, BufInfo, i - 1);
    BufInfo *b = &g_array_index (rec_of (run)->bufs, BufInfo, i);
    if (!b->discont) {
      fail_unless_equals_uint64 (b->offset, a->offset_end);
      fail_unless_equals_uint64 (b->pts, a->pts + a->duration);
      continue;
    }
    gaps++;
    /* the split falls at the sample where the timestamps jumped (the first
     * 1024-sample frame at or after sample 48000), and the stream resumes
     * later by the lost time */
    fail_unless_equals_uint64 (a->offset_end, 47 * 1024);
    fail_unless_equals_uint64 (b->offset - a->offset_end, 24000);
    fail_unless (b->pts - (a->pts + a->duration) >= 490 * GST_MSECOND
                 && b->pts - (a->pts + a->duration) <= 510 * GST_MSECOND);
  }
  fail_unless_equals_int (gaps, 1);

  warning = first_message (run, GST_MESSAGE_WARNING, NULL);
  fail_unless (warning != NULL);
  gst_message_parse_warning (warning, &err, NULL);
  fail_unless (strstr (err->message, "lost 24000 samples (500.0 ms)") != NULL,
      "%s", err->message);
  fail_unless (strstr (err->message, "1 gap,") != NULL, "%s", err->message);
  g_error_free (err);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_unpaced_input_waits_instead_of_dropping)
{
  /* not live (no -re): a stalled downstream makes the reader wait, and
   * every sample arrives, even with a queue far smaller than the stall */
  Run *run = run_recorded (
      "ffmpegsrc name=src input-format=lavfi "
      "device=sine=sample_rate=48000:duration=5 buffer-time=100000000 ! "
      "audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
      "fakesink name=sink sync=false");

  rec_of (run)->stall_ms = 1000;
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (run_wait (run, 20000, NULL, NULL));
  fail_unless (run->eos);
  fail_unless_equals_uint64 (total_frames (run, 2), 240000);
  fail_unless_equals_uint64 (stats_u64 (run, "samples-dropped"), 0);
  assert_continuous (run, 0, rec_of (run)->bufs->len);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_never_a_shell)
{
  /* shell metacharacters in every string property reach ffmpeg as plain
   * text: ffmpeg fails to open such a device, and nothing runs */
  gchar *marker = g_strdup_printf ("/tmp/ffcapture-shell-%d", getpid ());
  gchar *props = g_strdup_printf ("input-format=alsa "
                                  "device=\"$(touch %s); touch %s `touch %s`\" "
                                  "filter=\"volume=1;touch %s\"",
      marker, marker, marker, marker);
  GstElement *src;

  expect_runtime_error (props, "Cannot capture", "");
  fail_if (g_file_test (marker, G_FILE_TEST_EXISTS), "a shell ran");
  /* input-options are split like a shell would, but never expanded */
  src = gst_element_factory_make ("ffmpegsrc", NULL);
  g_object_set (src, "input-options", "$(touch /tmp/x) ; rm -rf /", NULL);
  gst_object_unref (src);
  g_unlink (marker);
  g_free (props);
  g_free (marker);
}

GST_END_TEST;

GST_START_TEST (test_no_restart_for_files)
{
  /* an unpaced source killed midway: restarting would repeat it */
  Run *run = run_recorded (
      "ffmpegsrc name=src input-format=lavfi "
      "device=sine=sample_rate=8000 buffer-time=100000000 ! "
      "audio/x-raw,format=S16LE,rate=8000,channels=1 ! fakesink name=sink "
      "sync=false");
  gchar *text;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  wait_for_bytes (run, 1600, 10000);
  fail_unless (kill (child_pid (run), SIGKILL) == 0);
  fail_unless (run_wait (run, 5000, NULL, NULL));
  fail_unless (run->error != NULL);
  text = error_text (run->error, NULL);
  fail_unless (strstr (text, "not live") != NULL, "%s", text);
  g_free (text);
  fail_if (first_message (run, GST_MESSAGE_ELEMENT, "ffmpegsrc-restarted"));
  run_free (run);
}

GST_END_TEST;

/* Runs a lavfi capture with the given device and returns its ERROR text. */
static gchar *
lavfi_error (const gchar *device)
{
  Run *run = run_recorded (
      "ffmpegsrc name=src input-format=lavfi ! fakesink name=sink");
  gchar *text;

  g_object_set (run_src (run), "device", device, NULL);
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (run_wait (run, 10000, NULL, NULL));
  fail_unless (run->error != NULL,
      "no ERROR for a device of %" G_GSIZE_FORMAT " bytes", strlen (device));
  text = error_text (run->error, NULL);
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  fail_unless_equals_int (count_own_children (), 0);
  run_free (run);
  return text;
}

/* Every setting has a range a recorder can use: out of it, a warning when
 * set and a failed start naming the value (issue 13, item 6) */
GST_START_TEST (test_absurd_values)
{
  static const struct {
    const gchar *setting, *message;
  } cases[] = {
    { "sample-rate=1", "sample-rate=1 Hz is out of range: 0 (the device "
                       "decides) or 1000 to 1536000 Hz" },
    { "sample-rate=999", "sample-rate=999 Hz is out of range" },
    { "sample-rate=1000000000", "sample-rate=1000000000 Hz is out of range" },
    { "channels=65", "channels=65 is out of range: 0 (the device decides) or "
                     "1 to 64" },
    { "stats-interval=1", "stats-interval=1 ns is out of range: 0 (never) or "
                          "100 ms to 24 h" },
    { "stats-interval=99999999", "stats-interval=99999999 ns is out of range" },
    { "buffer-time=1", "buffer-time=1 ns is out of range" },
    { "stall-timeout=1000", "stall-timeout=1000 ns is out of range" },
  };
  Run *run;
  gchar *text;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    ASSERT_WARNING (
        expect_state_change_failure (cases[i].setting, cases[i].message));
  /* the edges are in */
  run = run_launch ("ffmpegsrc input-format=lavfi sample-rate=1536000 "
                    "channels=64 stats-interval=100000000 "
                    "device=sine=sample_rate=1000:duration=0.1 ! "
                    "audio/x-raw,format=S16LE,rate=1000,channels=1 ! fakesink",
      20000, NULL, NULL);
  fail_unless (run->eos, "no EOS");
  run_free (run);

  /* a rate downstream asks for is checked the same way */
  run = run_launch ("ffmpegsrc input-format=lavfi device=sine ! "
                    "audio/x-raw,format=S16LE,rate=1000000000,channels=1 ! "
                    "fakesink",
      20000, NULL, NULL);
  fail_unless (run->error != NULL, "rate=1000000000 was taken");
  text = message_text (run->error);
  fail_unless (strstr (text, "rate=1000000000 Hz is out of range: 1000 to "
                             "1536000 Hz")
                   != NULL,
      "%s", text);
  g_free (text);
  run_free (run);
}

GST_END_TEST;

/* Settings the running capture was built from cannot change under it: set
 * while PAUSED or PLAYING, they are refused with a warning naming them,
 * and the element goes on with what it started with (issue 13, item 5). */
GST_START_TEST (test_settings_fixed_while_running)
{
  Run *run = run_recorded (
      "ffmpegsrc name=src input-format=lavfi input-options=-re "
      "device=sine=sample_rate=48000 ! "
      "audio/x-raw,format=S16LE,rate=48000,channels=1 ! fakesink name=sink");
  GstElement *src = run_src (run);
  guint n_specs = 0, checked = 0;
  GParamSpec **specs =
      g_object_class_list_properties (G_OBJECT_GET_CLASS (src), &n_specs);
  gchar *device = NULL;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  wait_for_bytes (run, 9600, 10000);
  for (guint i = 0; i < n_specs; i++) {
    GValue v = G_VALUE_INIT;

    if (specs[i]->owner_type != G_OBJECT_TYPE (src)
        || !(specs[i]->flags & G_PARAM_WRITABLE))
      continue;
    /* each is flagged READY-only, and refused now */
    fail_unless (
        specs[i]->flags & GST_PARAM_MUTABLE_READY, "%s", specs[i]->name);
    g_value_init (&v, specs[i]->value_type);
    g_param_value_set_default (specs[i], &v);
    ASSERT_WARNING (g_object_set_property (G_OBJECT (src), specs[i]->name, &v));
    g_value_unset (&v);
    checked++;
  }
  /* 13, and the 4 of devices by identity (wait-for-device, device-poll,
   * device-settle, device-timeout) */
  fail_unless_equals_int (checked, 17);
  g_free (specs);
  g_object_get (src, "device", &device, NULL);
  fail_unless_equals_string (device, "sine=sample_rate=48000");
  g_free (device);
  /* and the capture goes on */
  wait_for_bytes (run, rec_of (run)->bytes + 9600, 10000);
  fail_unless (run->error == NULL);
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  /* stopped, they can change again */
  g_object_set (src, "device", "sine=sample_rate=8000", NULL);
  g_object_get (src, "device", &device, NULL);
  fail_unless_equals_string (device, "sine=sample_rate=8000");
  g_free (device);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_nonsense_settings)
{
  GstElement *src = gst_element_factory_make ("ffmpegsrc", NULL);
  gchar *huge = g_strnfill (1 << 20, 'x');
  gchar *victim = g_strdup_printf ("/tmp/ffcapture-victim-%d", getpid ());
  gchar *marker = g_strdup_printf ("/tmp/ffcapture-marker-%d", getpid ());
  gchar *device, *text;
  guint64 t;

  /* zero durations are out of range: said when set, and the start then
   * fails naming the value (not GLib's warning and a run on the defaults;
   * test_absurd_values has the others) */
  ASSERT_WARNING (g_object_set (src, "buffer-time", (guint64)0, NULL));
  ASSERT_WARNING (g_object_set (src, "stall-timeout", (guint64)0, NULL));
  g_object_get (src, "buffer-time", &t, NULL);
  fail_unless_equals_uint64 (t, 0);
  g_object_get (src, "stall-timeout", &t, NULL);
  fail_unless_equals_uint64 (t, 0);
  gst_object_unref (src);
  ASSERT_WARNING (expect_state_change_failure (
      "buffer-time=0", "buffer-time=0 ns is out of range"));
  ASSERT_WARNING (expect_state_change_failure (
      "stall-timeout=0", "stall-timeout=0 ns is out of range"));

  /* no program, a directory */
  expect_state_change_failure ("ffmpeg-path=\"\"", "ffmpeg-path is empty");
  expect_state_change_failure (
      "ffmpeg-path=/tmp", "'/tmp' is not an executable program");

  /* a 1 MiB device: more than one argument may hold (E2BIG; under
   * valgrind the failed exec kills the child instead) */
  text = lavfi_error (huge);
  fail_unless (g_str_has_prefix (text, "Cannot capture from"), "%.200s", text);
  g_free (text);

  /* shell text in a lavfi graph is a bad graph to ffmpeg, nothing more */
  fail_unless (g_file_set_contents (victim, "precious", -1, NULL));
  device = g_strdup_printf (
      "sine; rm -rf %s; $(touch %s) `touch %s`", victim, marker, marker);
  text = lavfi_error (device);
  fail_unless (strstr (text, "Cannot capture from") != NULL, "%s", text);
  fail_unless (g_file_test (victim, G_FILE_TEST_EXISTS), "a shell ran rm");
  fail_if (g_file_test (marker, G_FILE_TEST_EXISTS), "a shell ran touch");

  g_unlink (victim);
  g_free (text);
  g_free (device);
  g_free (marker);
  g_free (victim);
  g_free (huge);
}

GST_END_TEST;

static Suite *
ffmpegsrc_suite (void)
{
  Suite *s = suite_create ("ffmpegsrc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_exact_samples_then_eos);
  tcase_add_test (tc, test_filesink_byte_count);
  tcase_add_test (tc, test_negotiation);
  tcase_add_test (tc, test_ffmpeg_resamples_to_caps);
  tcase_add_test (tc, test_fixate_to_capture_properties);
  tcase_add_test (tc, test_tee_raw_branch_keeps_input_rate);
  tcase_add_test (tc, test_fixate_to_input_format);
  tcase_add_test (tc, test_bad_device);
  tcase_add_test (tc, test_bad_option);
  tcase_add_test (tc, test_bad_input_format);
  tcase_add_test (tc, test_bad_lavfi_graph);
  tcase_add_test (tc, test_exit_without_audio);
  tcase_add_test (tc, test_missing_ffmpeg);
  tcase_add_test (tc, test_bad_settings_refused);
  tcase_add_test (tc, test_live_and_latency);
  tcase_add_test (tc, test_latency_time);
  tcase_add_test (tc, test_small_buffer_time_keeps_audio);
  tcase_add_test (tc, test_restart_after_kill);
  tcase_add_test (tc, test_restart_after_stall);
  tcase_add_test (tc, test_max_restarts);
  tcase_add_test (tc, test_stall_within_buffer_time);
  tcase_add_test (tc, test_stall_beyond_buffer_time);
  tcase_add_test (tc, test_eos_delivers_what_was_captured);
  tcase_add_test (tc, test_eos_during_restart_backoff);
  tcase_add_test (tc, test_no_process_left_after_stop);
  tcase_add_test (tc, test_alsa_capture_start_time);
  tcase_add_test (tc, test_input_timestamp_jump_becomes_gap);
  tcase_add_test (tc, test_unpaced_input_waits_instead_of_dropping);
  tcase_add_test (tc, test_never_a_shell);
  tcase_add_test (tc, test_no_restart_for_files);
  tcase_add_test (tc, test_nonsense_settings);
  tcase_add_test (tc, test_absurd_values);
  tcase_add_test (tc, test_settings_fixed_while_running);
  return s;
}

GST_CHECK_MAIN (ffmpegsrc);
