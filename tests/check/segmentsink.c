/* gst-check tests of segmentsink: real files on real filesystems. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/check/gstharness.h>
#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>

#include "check-common.h"

/* Each test's scratch directory, made before it and removed after it
 * (a checked fixture: in the test's own process) */
static gchar *test_dir;

static void
make_test_dir (void)
{
  test_dir = g_dir_make_tmp ("segsink-XXXXXX", NULL);
  fail_unless (test_dir != NULL);
}

static void
remove_test_dir (void)
{
  rm_rf (test_dir);
  g_clear_pointer (&test_dir, g_free);
}

/* Paths of the .wav files in dir, sorted */
static GPtrArray *
list_wavs (const gchar *dir)
{
  GPtrArray *files = wav_names (dir, NULL);

  for (guint i = 0; i < files->len; i++) {
    gchar *name = files->pdata[i];

    files->pdata[i] = g_build_filename (dir, name, NULL);
    g_free (name);
  }
  return files;
}

static guint
count_entries (const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  if (d == NULL)
    return 0;
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  return n;
}

static guint64
frames_of (const gchar *path)
{
  WavInfo info;
  fail_unless (read_wav (path, &info), "%s is not a complete WAV", path);
  return info.frames;
}

static GstMessage *
first_of_type (Run *run, GstMessageType type)
{
  for (GList *l = run->messages; l; l = l->next)
    if (GST_MESSAGE_TYPE (l->data) == type)
      return l->data;
  return NULL;
}

GST_START_TEST (test_exact_frames_per_segment)
{
  const gchar *dir = test_dir;
  gchar *staging = g_build_filename (dir, ".buffer", NULL);
  /* 50 buffers of 1000 frames at 48 kHz; 0.25 s segments = 12000 frames:
   * boundaries fall inside buffers */
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=50 "
      "samplesperbuffer=1000 ! audio/x-raw,format=S16LE,rate=48000,channels=1 "
      "! segmentsink name=sink location=%s segment-duration=250000000",
      dir);
  Run *run = run_launch (desc, 20000, NULL, NULL);
  GPtrArray *files = list_wavs (dir);
  GList *promoted = messages_named (run, "segmentsink-promoted", NULL);
  guint64 offset = 0;
  guint i = 0;

  fail_unless (run->eos);
  fail_unless_equals_int (files->len, 5);
  for (i = 0; i < 4; i++)
    fail_unless_equals_uint64 (frames_of (files->pdata[i]), 12000);
  fail_unless_equals_uint64 (frames_of (files->pdata[4]), 2000);
  fail_unless_equals_int (count_entries (staging), 0);

  /* one message per file, with its facts */
  fail_unless_equals_int (g_list_length (promoted), 5);
  i = 0;
  for (GList *l = promoted; l; l = l->next, i++) {
    const GstStructure *s = gst_message_get_structure (l->data);
    guint64 samples, off, bytes, duration, rt;
    GStatBuf st;

    fail_unless_equals_string (
        gst_structure_get_string (s, "location"), files->pdata[i]);
    fail_unless (gst_structure_get_uint64 (s, "samples", &samples));
    fail_unless (gst_structure_get_uint64 (s, "offset", &off));
    fail_unless (gst_structure_get_uint64 (s, "bytes", &bytes));
    fail_unless (gst_structure_get_uint64 (s, "duration", &duration));
    fail_unless (gst_structure_get_uint64 (s, "running-time", &rt));
    fail_unless_equals_uint64 (samples, frames_of (files->pdata[i]));
    fail_unless_equals_uint64 (off, offset);
    fail_unless_equals_uint64 (
        rt, gst_util_uint64_scale (offset, GST_SECOND, 48000));
    fail_unless_equals_uint64 (
        duration, gst_util_uint64_scale (samples, GST_SECOND, 48000));
    fail_unless (g_stat (files->pdata[i], &st) == 0);
    fail_unless_equals_uint64 (bytes, st.st_size);
    fail_unless (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:"
                                       "\\d\\d\\.\\d{6}Z$",
        gst_structure_get_string (s, "start-time"), 0, 0));
    offset += samples;
  }
  g_list_free (promoted);
  g_ptr_array_unref (files);
  run_free (run);
  g_free (staging);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_default_names)
{
  const gchar *dir = test_dir;
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=30 "
      "samplesperbuffer=4800 ! audio/x-raw,rate=48000,channels=1 ! "
      "segmentsink location=%s segment-duration=1000000000",
      dir);
  gint64 before = g_get_real_time ();
  Run *run = run_launch (desc, 20000, NULL, NULL);
  GPtrArray *files = list_wavs (dir);
  GList *promoted = messages_named (run, "segmentsink-promoted", NULL);
  gchar *run_id = NULL;
  guint i = 0;

  fail_unless (run->eos);
  fail_unless_equals_int (files->len, 3);
  for (GList *l = promoted; l; l = l->next, i++) {
    const GstStructure *s = gst_message_get_structure (l->data);
    gchar *base = g_path_get_basename (files->pdata[i]);
    GMatchInfo *m;
    GRegex *re = g_regex_new ("^(\\d{4})-(\\d\\d)-(\\d\\d)T(\\d\\d)-(\\d\\d)-"
                              "(\\d\\d)Z_1s_([0-9a-f]{8})_(\\d{8})\\.wav$",
        0, 0, NULL);
    GDateTime *named, *started;
    gchar *expect_seq = g_strdup_printf ("%08u", i);
    gchar *iso;

    fail_unless (g_regex_match (re, base, 0, &m), "%s", base);
    if (run_id == NULL)
      run_id = g_match_info_fetch (m, 7);
    else {
      gchar *r = g_match_info_fetch (m, 7);
      fail_unless_equals_string (r, run_id); /* one run id per start */
      g_free (r);
    }
    {
      gchar *seq = g_match_info_fetch (m, 8);
      fail_unless_equals_string (seq, expect_seq);
      g_free (seq);
    }
    /* the name gives the start time of the first sample, to the second */
    iso = g_strdup (gst_structure_get_string (s, "start-time"));
    started = g_date_time_new_from_iso8601 (iso, NULL);
    fail_unless (started != NULL);
    {
      gint f[6];
      for (gint k = 0; k < 6; k++) {
        gchar *v = g_match_info_fetch (m, k + 1);
        f[k] = atoi (v);
        g_free (v);
      }
      named = g_date_time_new_utc (f[0], f[1], f[2], f[3], f[4], f[5]);
    }
    fail_unless_equals_int64 (
        g_date_time_to_unix (named), g_date_time_to_unix (started));
    /* first sample: around when the test started, then 1 s apart */
    fail_unless (llabs (g_date_time_to_unix (started) * G_USEC_PER_SEC
                        + g_date_time_get_microsecond (started) - before
                        - (gint64)i * G_USEC_PER_SEC)
                 < 2 * G_USEC_PER_SEC);
    g_date_time_unref (started);
    g_date_time_unref (named);
    g_free (iso);
    g_free (expect_seq);
    g_match_info_free (m);
    g_regex_unref (re);
    g_free (base);
  }
  g_free (run_id);
  g_list_free (promoted);
  g_ptr_array_unref (files);
  run_free (run);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_template)
{
  const gchar *dir = test_dir;
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=4 "
      "samplesperbuffer=8000 ! audio/x-raw,rate=8000,channels=1 ! "
      "segmentsink location=%s segment-duration=2000000000 "
      "filename=\"mic_{seq}_%%Y.wav\"",
      dir);
  Run *run = run_launch (desc, 20000, NULL, NULL);
  GPtrArray *files = list_wavs (dir);
  GDateTime *now = g_date_time_new_now_utc ();
  gchar *year = g_date_time_format (now, "%Y");
  gchar *expect0 = g_strdup_printf ("%s/mic_00000000_%s.wav", dir, year);
  gchar *expect1 = g_strdup_printf ("%s/mic_00000001_%s.wav", dir, year);

  fail_unless (run->eos);
  fail_unless_equals_int (files->len, 2);
  fail_unless_equals_string (files->pdata[0], expect0);
  fail_unless_equals_string (files->pdata[1], expect1);
  fail_unless_equals_uint64 (frames_of (files->pdata[0]), 16000);
  g_ptr_array_unref (files);
  run_free (run);
  g_free (expect0);
  g_free (expect1);
  g_free (year);
  g_date_time_unref (now);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_align)
{
  const gchar *dir = test_dir;
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=30 "
      "samplesperbuffer=4800 ! audio/x-raw,rate=48000,channels=1 ! "
      "segmentsink location=%s segment-duration=1000000000 align=true",
      dir);
  Run *run = run_launch (desc, 20000, NULL, NULL);
  GList *promoted = messages_named (run, "segmentsink-promoted", NULL);
  guint64 total = 0;
  guint i = 0;

  fail_unless (run->eos);
  fail_unless (g_list_length (promoted) >= 3);
  for (GList *l = promoted; l; l = l->next, i++) {
    const GstStructure *s = gst_message_get_structure (l->data);
    const gchar *start = gst_structure_get_string (s, "start-time");
    guint64 samples;
    gint micro;

    gst_structure_get_uint64 (s, "samples", &samples);
    total += samples;
    micro = atoi (strchr (start, '.') + 1);
    if (i == 0) {
      /* the first one runs up to the next whole second */
      fail_unless (samples <= 48000);
    } else {
      /* the others start on the second (to a sample: 21 us) */
      fail_unless (micro <= 21 || micro >= 999979, "%s", start);
      if (l->next != NULL)
        fail_unless_equals_uint64 (samples, 48000);
    }
  }
  fail_unless_equals_uint64 (total, 144000);
  g_list_free (promoted);
  run_free (run);
  g_free (desc);
}

GST_END_TEST;

/* Pushes buffers of `frames` at the given running times (ns) through an
 * appsrc into segmentsink; DISCONT where `discont` says. */
static Run *
push_buffers (const gchar *dir, const GstClockTime *times,
    const gboolean *discont, guint n, guint frames)
{
  gchar *desc = g_strdup_printf (
      "appsrc name=src format=time "
      "caps=audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved "
      "! segmentsink location=%s segment-duration=10000000000",
      dir);
  Run *run = g_new0 (Run, 1);
  GstElement *src;
  GstBus *bus;
  GstMessage *m;

  run->pipeline = gst_parse_launch (desc, NULL);
  src = gst_bin_get_by_name (GST_BIN (run->pipeline), "src");
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  for (guint i = 0; i < n; i++) {
    GstBuffer *b = gst_buffer_new_allocate (NULL, frames * 2, NULL);
    gst_buffer_memset (b, 0, i, frames * 2);
    GST_BUFFER_PTS (b) = times[i];
    GST_BUFFER_DURATION (b) = gst_util_uint64_scale (frames, GST_SECOND, 48000);
    if (discont[i])
      GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
    gst_app_src_push_buffer (GST_APP_SRC (src), b);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  bus = gst_element_get_bus (run->pipeline);
  while ((m = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS) {
      run->eos = TRUE;
      gst_message_unref (m);
      break;
    }
    run->messages = g_list_append (run->messages, m);
  }
  gst_object_unref (bus);
  gst_object_unref (src);
  g_free (desc);
  return run;
}

GST_START_TEST (test_split_at_discontinuity)
{
  const gchar *dir = test_dir;
  const GstClockTime ms100 = 100 * GST_MSECOND;
  /* 3 contiguous buffers, a 0.5 s jump, 2 more, then DISCONT without a jump,
   * then a jump of less than one sample (no split) */
  GstClockTime times[] = { 0, ms100, 2 * ms100, 7 * ms100, 8 * ms100, 9 * ms100,
    10 * ms100 + 10000 };
  gboolean discont[] = { TRUE, FALSE, FALSE, FALSE, FALSE, TRUE, FALSE };
  Run *run = push_buffers (dir, times, discont, 7, 4800);
  GPtrArray *files = list_wavs (dir);
  GList *promoted = messages_named (run, "segmentsink-promoted", NULL);
  guint64 rt;

  fail_unless (run->eos);
  fail_unless_equals_int (files->len, 3);
  fail_unless_equals_uint64 (frames_of (files->pdata[0]), 3 * 4800);
  fail_unless_equals_uint64 (frames_of (files->pdata[1]), 2 * 4800);
  fail_unless_equals_uint64 (frames_of (files->pdata[2]), 2 * 4800);
  /* the second segment starts at the new time, 0.7 s */
  gst_structure_get_uint64 (
      gst_message_get_structure (g_list_nth_data (promoted, 1)), "running-time",
      &rt);
  fail_unless_equals_uint64 (rt, 7 * ms100);
  g_list_free (promoted);
  g_ptr_array_unref (files);
  run_free (run);
}

GST_END_TEST;

/* Withheld audio (a GAP event, as triggergate and schedulegate send after
 * an event or a window) ends the file at once: it is in the data
 * directory before any more audio or EOS comes, whole. */
GST_START_TEST (test_gap_ends_segment)
{
  gchar *desc = g_strdup_printf ("segmentsink location=%s "
                                 "segment-duration=10000000000 fsync=false "
                                 "sync=false",
      test_dir);
  GstHarness *h = gst_harness_new_parse (desc);
  GstSegment segment;
  GPtrArray *files;

  g_free (desc);
  gst_harness_set_src_caps_str (
      h, "audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved");
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
  for (guint i = 0; i < 3; i++) {
    GstBuffer *b = gst_buffer_new_allocate (NULL, 4800 * 2, NULL);

    gst_buffer_memset (b, 0, 0, 4800 * 2);
    GST_BUFFER_PTS (b) = i * 100 * GST_MSECOND;
    GST_BUFFER_DURATION (b) = 100 * GST_MSECOND;
    fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  }
  files = list_wavs (test_dir);
  fail_unless_equals_int (files->len, 0);
  g_ptr_array_unref (files);

  gst_harness_push_event (
      h, gst_event_new_gap (300 * GST_MSECOND, 100 * GST_MSECOND));
  files = list_wavs (test_dir);
  fail_unless_equals_int (files->len, 1);
  fail_unless_equals_uint64 (frames_of (files->pdata[0]), 3 * 4800);
  g_ptr_array_unref (files);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_never_replace)
{
  const gchar *dir = test_dir;
  gchar *existing = g_build_filename (dir, "take_00000000.wav", NULL);
  gchar *renamed = g_build_filename (dir, "take_00000000-1.wav", NULL);
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=1 ! "
      "audio/x-raw,rate=48000,channels=1 ! segmentsink location=%s "
      "filename=take_{seq}.wav",
      dir);
  gchar *text = NULL;
  Run *run;
  GstMessage *warning;
  gchar *wtext;

  fail_unless (g_file_set_contents (existing, "a consumer's file", -1, NULL));
  run = run_launch (desc, 20000, NULL, NULL);
  fail_unless (run->eos);
  fail_unless (g_file_get_contents (existing, &text, NULL, NULL));
  fail_unless_equals_string (text, "a consumer's file");
  fail_unless_equals_uint64 (frames_of (renamed), 1024);
  warning = first_of_type (run, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL);
  wtext = message_text (warning);
  fail_unless (strstr (wtext, "take_00000000-1.wav") != NULL, "%s", wtext);
  g_free (wtext);
  g_free (text);
  run_free (run);
  g_free (existing);
  g_free (renamed);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_stop_without_eos)
{
  const gchar *dir = test_dir;
  gchar *staging = g_build_filename (dir, ".buffer", NULL);
  gchar *desc = g_strdup_printf (
      "audiotestsrc is-live=true "
      "samplesperbuffer=480 ! audio/x-raw,rate=48000,channels=1 ! "
      "segmentsink location=%s",
      dir);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GPtrArray *files;
  guint64 frames;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_usleep (500 * 1000);
  /* no EOS: straight to NULL */
  gst_element_set_state (pipeline, GST_STATE_NULL);
  files = list_wavs (dir);
  fail_unless_equals_int (files->len, 1);
  frames = frames_of (files->pdata[0]);
  fail_unless (
      frames >= 480 * 30 && frames % 480 == 0, "%" G_GUINT64_FORMAT, frames);
  fail_unless_equals_int (count_entries (staging), 0);
  g_ptr_array_unref (files);
  gst_object_unref (pipeline);
  g_free (staging);
  g_free (desc);
}

GST_END_TEST;

static void
write_file (const gchar *dir, const gchar *name, const void *data, gsize len)
{
  gchar *path = g_build_filename (dir, name, NULL);
  fail_unless (g_file_set_contents (path, data, len, NULL));
  g_free (path);
}

GST_START_TEST (test_orphan_repair_and_quarantine)
{
  const gchar *dir = test_dir;
  gchar *staging = g_build_filename (dir, ".buffer", NULL);
  gchar *quarantine = g_build_filename (staging, "quarantine", NULL);
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=1 ! "
      "audio/x-raw,rate=48000,channels=1 ! segmentsink location=%s "
      "filename=new_{seq}.wav",
      dir);
  guint8 header[FFC_WAV_MAX_HEADER], *file;
  FfcWavLayout l;
  gsize hs;
  GList *recovered, *quarantined;
  gchar *path;
  Run *run;

  g_mkdir_with_parents (staging, 0755);
  /* a crash right after 1000 stereo S16 frames: sizes still zero (a file
   * of an older version, without metadata chunks) */
  hs = ffc_wav_header_init (
      &l, FFC_SAMPLE_S16LE, 48000, 2, NULL, 0, NULL, header);
  file = g_malloc0 (hs + 4000 + 3);
  memcpy (file, header, hs);
  write_file (staging, "zero-sizes.wav", file, hs + 4000);
  /* ... and one cut inside a frame */
  write_file (staging, "partial-frame.wav", file, hs + 4000 + 3);
  /* garbage, and a file cut inside its header */
  write_file (staging, "garbage.wav", "not a wav file at all", 21);
  write_file (staging, "short.wav", file, 30);
  g_free (file);

  run = run_launch (desc, 20000, NULL, NULL);
  fail_unless (run->eos);

  path = g_build_filename (dir, "zero-sizes.wav", NULL);
  fail_unless_equals_uint64 (frames_of (path), 1000);
  g_free (path);
  path = g_build_filename (dir, "partial-frame.wav", NULL);
  fail_unless_equals_uint64 (frames_of (path), 1000);
  g_free (path);
  /* never deleted: moved to quarantine */
  path = g_build_filename (quarantine, "garbage.wav", NULL);
  fail_unless (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_free (path);
  path = g_build_filename (quarantine, "short.wav", NULL);
  fail_unless (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_free (path);
  /* staging holds quarantine/ and nothing else */
  fail_unless_equals_int (count_entries (staging), 1);

  recovered = messages_named (run, "segmentsink-recovered", NULL);
  quarantined = messages_named (run, "segmentsink-quarantined", NULL);
  fail_unless_equals_int (g_list_length (recovered), 2);
  fail_unless_equals_int (g_list_length (quarantined), 2);
  g_list_free (recovered);
  g_list_free (quarantined);
  run_free (run);
  g_free (quarantine);
  g_free (staging);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_symlink_in_staging_not_followed)
{
  const gchar *dir = test_dir;
  gchar *outside = g_dir_make_tmp ("segsink-outside-XXXXXX", NULL);
  gchar *staging = g_build_filename (dir, ".buffer", NULL);
  gchar *victim = g_build_filename (outside, "victim", NULL);
  gchar *planted = g_build_filename (staging, "take_00000000.wav", NULL);
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=1 ! "
      "audio/x-raw,rate=48000,channels=1 ! segmentsink location=%s "
      "filename=take_{seq}.wav",
      dir);
  gchar *text = NULL, *promoted;
  Run *run;

  g_mkdir_with_parents (staging, 0755);
  fail_unless (g_file_set_contents (victim, "precious", -1, NULL));
  fail_unless (symlink (victim, planted) == 0);
  run = run_launch (desc, 20000, NULL, NULL);
  fail_unless (run->eos);
  fail_unless (g_file_get_contents (victim, &text, NULL, NULL));
  fail_unless_equals_string (text, "precious");
  /* the segment still gets the name it was meant to have */
  promoted = g_build_filename (dir, "take_00000000.wav", NULL);
  fail_unless_equals_uint64 (frames_of (promoted), 1024);
  run_free (run);
  rm_rf (outside);
  g_free (promoted);
  g_free (text);
  g_free (victim);
  g_free (planted);
  g_free (staging);
  g_free (outside);
  g_free (desc);
}

GST_END_TEST;

static void
expect_start_failure (const gchar *properties, const gchar *in_message)
{
  gchar *desc = g_strdup_printf ("audiotestsrc num-buffers=1 ! "
                                 "segmentsink %s",
      properties);
  Run *run = run_launch (desc, 5000, NULL, NULL);
  gchar *text;

  fail_unless (run->error != NULL, "no error for %s", properties);
  text = message_text (run->error);
  fail_unless (
      strstr (text, in_message) != NULL, "'%s' not in '%s'", in_message, text);
  g_free (text);
  run_free (run);
  g_free (desc);
}

GST_START_TEST (test_bad_settings)
{
  const gchar *dir = test_dir;
  gchar *file = g_build_filename (dir, "a-file", NULL);
  gchar *props;

  fail_unless (g_file_set_contents (file, "x", -1, NULL));
  expect_start_failure ("", "No data directory given");
  props = g_strdup_printf ("location=%s", file);
  expect_start_failure (props, file);
  g_free (props);
  props = g_strdup_printf ("location=%s/sub", file);
  expect_start_failure (props, "cannot create directory");
  g_free (props);
  /* a rename between filesystems is not atomic */
  if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR)) {
    props = g_strdup_printf ("location=%s/data staging-location=/dev/shm/"
                             "segsink-staging-%d",
        dir, getpid ());
    expect_start_failure (props, "not on the same filesystem");
    g_free (props);
  }
  /* templates that leave the directory or give one name to all */
  props = g_strdup_printf ("location=%s filename=../%%S_{seq}.wav", dir);
  ASSERT_WARNING (expect_start_failure (props, "would leave the directory"));
  g_free (props);
  props = g_strdup_printf ("location=%s filename=same.wav", dir);
  ASSERT_WARNING (expect_start_failure (props, "the same name"));
  g_free (props);

  g_free (file);
}

GST_END_TEST;

GST_START_TEST (test_disk_full)
{
  gchar *mnt = mount_tmpfs ("512k", "test_disk_full");
  gchar *staging, *desc;
  Run *run;
  GPtrArray *files;
  gchar *text;
  guint64 total = 0;

  if (mnt == NULL)
    return;
  staging = g_build_filename (mnt, ".buffer", NULL);
  desc = g_strdup_printf (
      "audiotestsrc num-buffers=100 samplesperbuffer=4800 "
      "! audio/x-raw,format=S16LE,rate=48000,channels=1 ! segmentsink "
      "location=%s segment-duration=2000000000",
      mnt);
  run = run_launch (desc, 20000, NULL, NULL);

  /* 512 KiB hold about 5.4 s of 96 kB/s: an ERROR naming the file */
  fail_unless (run->error != NULL);
  text = message_text (run->error);
  fail_unless (strstr (text, "No space left on device") != NULL, "%s", text);
  fail_unless (strstr (text, staging) != NULL, "%s", text);
  g_free (text);

  /* everything written is in complete files in the data directory */
  files = list_wavs (mnt);
  fail_unless (files->len >= 2);
  for (guint i = 0; i < files->len; i++)
    total += frames_of (files->pdata[i]);
  fail_unless (total > 48000 * 4, "%" G_GUINT64_FORMAT, total);
  fail_unless_equals_int (count_entries (staging), 0);

  g_ptr_array_unref (files);
  run_free (run);
  g_free (staging);
  g_free (desc);
  unmount_tmpfs (mnt);
}

GST_END_TEST;

GST_START_TEST (test_rf64)
{
  const gchar *dir = test_dir;
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=10 "
      "samplesperbuffer=4800 ! audio/x-raw,format=S16LE,rate=48000,channels=1 "
      "! segmentsink location=%s segment-duration=500000000",
      dir);
  GPtrArray *files;
  gchar *data;
  gsize len;
  Run *run;

  /* test seam: past 40000 bytes counts as past 4 GiB (ffc-wav.c) */
  g_setenv ("FFC_WAV_RF64_THRESHOLD", "40000", TRUE);
  run = run_launch (desc, 20000, NULL, NULL);
  g_unsetenv ("FFC_WAV_RF64_THRESHOLD");
  fail_unless (run->eos);
  files = list_wavs (dir);
  fail_unless_equals_int (files->len, 2);
  fail_unless (g_file_get_contents (files->pdata[0], &data, &len, NULL));
  fail_unless (memcmp (data, "RF64", 4) == 0);
  fail_unless (memcmp (data + 12, "ds64", 4) == 0);
  {
    guint64 data_size, frames;
    memcpy (&data_size, data + 28, 8); /* ds64 is not 8-byte aligned */
    memcpy (&frames, data + 36, 8);
    fail_unless_equals_uint64 (GUINT64_FROM_LE (data_size), 24000 * 2);
    fail_unless_equals_uint64 (GUINT64_FROM_LE (frames), 24000);
  }
  g_free (data);
  g_ptr_array_unref (files);
  run_free (run);
  g_free (desc);
}

GST_END_TEST;

typedef struct {
  gchar *dir;
  gint inotify_fd;
  gint stop_fd[2];
  guint seen;
  guint bad;
} Watcher;

/* Opens each file the moment it appears and checks it is whole. */
static gpointer
watch (gpointer data)
{
  Watcher *w = data;
  gchar buf[8192] __attribute__ ((aligned (8)));

  for (;;) {
    struct pollfd fds[2] = { { w->inotify_fd, POLLIN, 0 },
      { w->stop_fd[0], POLLIN, 0 } };
    gssize n;

    poll (fds, 2, -1);
    if (fds[0].revents) {
      n = read (w->inotify_fd, buf, sizeof (buf));
      for (gchar *p = buf; n > 0 && p < buf + n;) {
        struct inotify_event *ev = (struct inotify_event *)p;
        if (ev->len > 0 && g_str_has_suffix (ev->name, ".wav")) {
          gchar *path = g_build_filename (w->dir, ev->name, NULL);
          WavInfo info;
          w->seen++;
          if (!read_wav (path, &info) || info.frames != 2400)
            w->bad++;
          g_free (path);
        }
        p += sizeof (struct inotify_event) + ev->len;
      }
    }
    if (fds[1].revents)
      return NULL;
  }
}

GST_START_TEST (test_watcher_sees_only_complete_files)
{
  Watcher w = {
    0,
  };
  gchar *desc;
  GThread *thread;
  Run *run;

  w.dir = g_dir_make_tmp ("segsink-XXXXXX", NULL);
  w.inotify_fd = inotify_init1 (IN_CLOEXEC);
  fail_unless (pipe (w.stop_fd) == 0);
  /* every way a file can appear or be written in the data directory */
  inotify_add_watch (w.inotify_fd, w.dir,
      IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY);
  thread = g_thread_new ("watcher", watch, &w);

  desc = g_strdup_printf (
      "audiotestsrc num-buffers=200 samplesperbuffer=480 "
      "! audio/x-raw,rate=48000,channels=1 ! segmentsink location=%s "
      "segment-duration=50000000",
      w.dir);
  run = run_launch (desc, 30000, NULL, NULL);
  fail_unless (run->eos);
  g_usleep (200 * 1000);
  fail_unless (write (w.stop_fd[1], "x", 1) == 1);
  g_thread_join (thread);

  /* 200 × 480 frames in segments of 2400: 40 files, each seen whole */
  fail_unless_equals_int (w.seen, 40);
  fail_unless_equals_int (w.bad, 0);
  run_free (run);
  close (w.inotify_fd);
  close (w.stop_fd[0]);
  close (w.stop_fd[1]);
  rm_rf (w.dir);
  g_free (w.dir);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_with_ffmpegsrc)
{
  const gchar *dir = test_dir;
  gchar *staging = g_build_filename (dir, ".buffer", NULL);
  gchar *desc = g_strdup_printf (
      "ffmpegsrc input-format=lavfi "
      "device=\"sine=sample_rate=384000:duration=5\" ! segmentsink "
      "location=%s segment-duration=1000000000",
      dir);
  GPtrArray *files;
  GList *promoted;
  Run *run;

  if (gst_registry_lookup_feature (gst_registry_get (), "ffmpegsrc") == NULL) {
    g_printerr ("SKIP test_with_ffmpegsrc: ffmpegsrc is not registered\n");
    return;
  }
  run = run_launch (desc, 30000, NULL, NULL);
  fail_unless (run->eos);
  files = list_wavs (dir);
  fail_unless_equals_int (files->len, 5);
  for (guint i = 0; i < files->len; i++) {
    WavInfo info;
    fail_unless (read_wav (files->pdata[i], &info));
    fail_unless_equals_uint64 (info.frames, 384000);
    fail_unless_equals_int (info.rate, 384000);
  }
  promoted = messages_named (run, "segmentsink-promoted", NULL);
  fail_unless_equals_int (g_list_length (promoted), 5);
  fail_unless_equals_int (count_entries (staging), 0);
  g_list_free (promoted);
  g_ptr_array_unref (files);
  run_free (run);
  g_free (staging);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_gap_inside_ffmpeg_splits_segment)
{
  /* ffmpeg's input timestamps jump by 0.5 s after sample 48128, as ALSA's
   * do after an overrun: the file ends there, and the next one starts later
   * by the lost time */
  const gchar *dir = test_dir;
  gchar *desc = g_strdup_printf (
      "ffmpegsrc name=src input-format=lavfi "
      "input-options=-re device=\"sine=sample_rate=48000:duration=2,"
      "asetpts='PTS+gte(N\\,48000)*(0.5/TB)'\" ! "
      "audio/x-raw,format=S16LE,rate=48000,channels=1 ! segmentsink "
      "location=%s segment-duration=10000000000",
      dir);
  GPtrArray *files;
  GList *promoted;
  guint64 rt0, rt1, d0;
  GDateTime *t0, *t1;
  GstElement *src;
  GstStructure *stats;
  guint64 lost = 0;
  Run *run;

  if (gst_registry_lookup_feature (gst_registry_get (), "ffmpegsrc") == NULL) {
    g_printerr ("SKIP test_gap_inside_ffmpeg_splits_segment: no ffmpegsrc\n");
    return;
  }
  run = run_launch (desc, 30000, NULL, NULL);
  fail_unless (run->eos);
  files = list_wavs (dir);
  fail_unless_equals_int (files->len, 2);
  fail_unless_equals_uint64 (frames_of (files->pdata[0]), 47 * 1024);
  fail_unless_equals_uint64 (frames_of (files->pdata[1]), 96000 - 47 * 1024);
  promoted = messages_named (run, "segmentsink-promoted", NULL);
  gst_structure_get_uint64 (
      gst_message_get_structure (promoted->data), "running-time", &rt0);
  gst_structure_get_uint64 (
      gst_message_get_structure (promoted->data), "duration", &d0);
  gst_structure_get_uint64 (
      gst_message_get_structure (promoted->next->data), "running-time", &rt1);
  fail_unless (rt1 - (rt0 + d0) >= 490 * GST_MSECOND
               && rt1 - (rt0 + d0) <= 510 * GST_MSECOND);
  /* the start times in the messages (and names) say the same */
  t0 = g_date_time_new_from_iso8601 (
      gst_structure_get_string (
          gst_message_get_structure (promoted->data), "start-time"),
      NULL);
  t1 = g_date_time_new_from_iso8601 (
      gst_structure_get_string (
          gst_message_get_structure (promoted->next->data), "start-time"),
      NULL);
  fail_unless (
      llabs (g_date_time_difference (t1, t0) - (gint64)(d0 / 1000) - 500000)
      <= 10000);
  src = gst_bin_get_by_name (GST_BIN (run->pipeline), "src");
  g_object_get (src, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "samples-lost", &lost);
  fail_unless_equals_uint64 (lost, 24000);
  gst_structure_free (stats);
  gst_object_unref (src);
  g_date_time_unref (t0);
  g_date_time_unref (t1);
  g_list_free (promoted);
  g_ptr_array_unref (files);
  run_free (run);
  g_free (desc);
}

GST_END_TEST;

/* The station's metadata properties: nonsense is refused at start with an
 * error naming it (after a warning when set), good values land in every
 * file's GUANO and bext chunks. */
GST_START_TEST (test_metadata_settings)
{
  const gchar *dir = test_dir;
  gchar *props, *desc, *note, *data = NULL, *guan;
  GPtrArray *files;
  gsize len;
  Run *run;

  props = g_strdup_printf ("location=%s position=abc", dir);
  ASSERT_WARNING (expect_start_failure (props, "position \"abc\" is not"));
  g_free (props);
  props = g_strdup_printf ("location=%s position=\"91 0\"", dir);
  ASSERT_WARNING (expect_start_failure (props, "out of range"));
  g_free (props);
  props = g_strdup_printf ("location=%s elevation=20000000", dir);
  ASSERT_WARNING (expect_start_failure (props, "elevation 2e+07 m"));
  g_free (props);
  note = g_strnfill (1800, 'n');
  props = g_strdup_printf ("location=%s note=%s", dir, note);
  expect_start_failure (props, "too long");
  g_free (props);
  g_free (note);
  fail_unless_equals_int (count_entries (dir), 0);

  desc = g_strdup_printf (
      "audiotestsrc num-buffers=1 ! audio/x-raw,rate=48000,channels=1 ! "
      "segmentsink location=%s make=Dodotronic model=\"UltraMic 384K\" "
      "serial=42 position=\"52.5, 13.25\" elevation=-3.5 note=\"by the "
      "pond\" stream-name=raw",
      dir);
  run = run_launch (desc, 20000, NULL, NULL);
  fail_unless (run->eos);
  files = list_wavs (dir);
  fail_unless_equals_int (files->len, 1);
  fail_unless (g_file_get_contents (files->pdata[0], &data, &len, NULL));
  /* binary: memmem, not string functions */
  guan = memmem (data, len, "guan", 4);
  fail_unless (guan != NULL);
  fail_unless (memmem (data, len, "bext", 4) != NULL);
  for (const gchar *const *want =
           (const gchar *const[]){ "\nLength: 0.021333333\n",
               "\nSamplerate: 48000\n", "\nMake: Dodotronic\n",
               "\nModel: UltraMic 384K\n", "\nSerial: 42\n",
               "\nLoc Position: 52.5 13.25\n", "\nLoc Elevation: -3.5\n",
               "\nNote: by the pond\n", "\nFFC|Stream: raw\n",
               "\nFFC|Sequence: 0\n", NULL };
       *want; want++)
    fail_unless (memmem (guan, len - (guan - data), *want, strlen (*want)),
        "no %s in the GUANO text", *want);
  g_free (data);
  g_ptr_array_unref (files);
  run_free (run);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_nonsense_settings)
{
  GstElement *sink = gst_element_factory_make ("segmentsink", NULL);
  const gchar *dir = test_dir;
  gchar *file = g_build_filename (dir, "a-file", NULL);
  gchar *long_name = g_strnfill (300, 'a');
  gchar *long_path = g_strdup_printf ("%s/%s/%s/%s/%s/%s/%s/%s/%s/%s/%s/%s/"
                                      "%s/%s/%s",
      dir, long_name, long_name, long_name, long_name, long_name, long_name,
      long_name, long_name, long_name, long_name, long_name, long_name,
      long_name, long_name);
  gchar *props;
  guint64 t;
  Run *run;

  /* a zero duration is out of range: warned about when set, and the start
   * fails naming it (test_ranges), instead of running on the default */
  ASSERT_WARNING (g_object_set (sink, "segment-duration", (guint64)0, NULL));
  g_object_get (sink, "segment-duration", &t, NULL);
  fail_unless_equals_uint64 (t, 0);
  gst_object_unref (sink);

  /* a path longer than PATH_MAX, a staging location that is a file */
  props = g_strdup_printf ("location=%s", long_path);
  expect_start_failure (props, "File name too long");
  g_free (props);
  fail_unless (g_file_set_contents (file, "x", -1, NULL));
  props = g_strdup_printf ("location=%s/data staging-location=%s", dir, file);
  expect_start_failure (props, file);
  g_free (props);

  /* names longer than a file name may be: an ERROR at the first segment,
   * and no file anywhere */
  props = g_strdup_printf (
      "audiotestsrc num-buffers=1 ! segmentsink location=%s/data "
      "filename={seq}%s.wav",
      dir, long_name);
  run = run_launch (props, 5000, NULL, NULL);
  fail_unless (run->error != NULL);
  {
    gchar *text = message_text (run->error);
    fail_unless (strstr (text, "File name too long") != NULL, "%s", text);
    g_free (text);
  }
  fail_unless_equals_int (count_entries (dir), 2); /* a-file and data/ */
  g_free (props);
  props = g_build_filename (dir, "data", NULL);
  fail_unless_equals_int (count_entries (props), 1); /* .buffer/ */
  g_free (props);
  props = g_build_filename (dir, "data", ".buffer", NULL);
  fail_unless_equals_int (count_entries (props), 0);
  run_free (run);

  g_free (props);
  g_free (long_path);
  g_free (long_name);
  g_free (file);
}

GST_END_TEST;

typedef struct {
  gchar *staging;
  guint at, seen;
} Remover;

static GstPadProbeReturn
remove_staging_at (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Remover *r = data;

  if (r->seen++ == r->at)
    rm_rf (r->staging);
  return GST_PAD_PROBE_OK;
}

/* 10 buffers of 4800 frames; staging is removed before buffer `at`. */
static void
run_with_staging_removed (
    guint64 segment_ns, guint at, guint n_files, const gchar *warning)
{
  gchar *dir = g_dir_make_tmp ("segsink-XXXXXX", NULL);
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=10 samplesperbuffer=4800 ! "
      "audio/x-raw,format=S16LE,rate=48000,channels=1 ! segmentsink "
      "name=sink location=%s segment-duration=%" G_GUINT64_FORMAT,
      dir, segment_ns);
  Remover r = { g_build_filename (dir, ".buffer", NULL), at, 0 };
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  GPtrArray *files;
  GstMessage *m;
  guint64 total = 0;
  gboolean warned = FALSE;

  gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_BUFFER, remove_staging_at, &r, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((m = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))) {
    GstMessageType type = GST_MESSAGE_TYPE (m);
    if (type == GST_MESSAGE_WARNING) {
      GError *err = NULL;
      gst_message_parse_warning (m, &err, NULL);
      warned |= strstr (err->message, warning) != NULL;
      g_error_free (err);
    }
    fail_if (type == GST_MESSAGE_ERROR, "ERROR after staging was removed");
    gst_message_unref (m);
    if (type != GST_MESSAGE_WARNING)
      break;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (warned, "no warning saying '%s'", warning);

  /* nothing written is lost, and staging is there again, empty */
  files = list_wavs (dir);
  fail_unless_equals_int (files->len, n_files);
  for (guint i = 0; i < files->len; i++)
    total += frames_of (files->pdata[i]);
  fail_unless_equals_uint64 (total, 48000);
  fail_unless (g_file_test (r.staging, G_FILE_TEST_IS_DIR));
  fail_unless_equals_int (count_entries (r.staging), 0);

  g_ptr_array_unref (files);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  rm_rf (dir);
  g_free (r.staging);
  g_free (desc);
  g_free (dir);
}

GST_START_TEST (test_staging_removed_during_run)
{
  /* with a segment open: its content is saved from the descriptor */
  run_with_staging_removed (
      10 * GST_SECOND, 5, 1, "was deleted while being written");
  /* between two segments (0.5 s = 5 buffers): made again for the next */
  run_with_staging_removed (
      GST_SECOND / 2, 5, 2, "was removed during the recording");
}

GST_END_TEST;

/* issue 13, 6: every setting has a range a recorder can use; the rest is
 * refused at start, naming the value, before anything is made on disk */
GST_START_TEST (test_ranges)
{
  const gchar *dir = test_dir;
  gchar *data = g_build_filename (dir, "data", NULL);
  gchar *props, *desc, *shm, *text;
  GstElement *sink;
  gdouble elevation = 0;
  Run *run;

  /* segments of 10 ms to 24 h: 0, 1 ns and a day and a nanosecond fail
   * the start with the value in the message */
  props = g_strdup_printf ("location=%s segment-duration=0", data);
  ASSERT_WARNING (expect_start_failure (props, "segment-duration 0 ns"));
  g_free (props);
  props = g_strdup_printf ("location=%s segment-duration=1", data);
  ASSERT_WARNING (expect_start_failure (props, "segment-duration 1 ns"));
  g_free (props);
  props = g_strdup_printf ("location=%s segment-duration=86400000000001", data);
  ASSERT_WARNING (
      expect_start_failure (props, "segment-duration 86400000000001 ns"));
  g_free (props);
  fail_unless_equals_int (count_entries (dir), 0);

  /* a staging location on another filesystem fails before any directory
   * is made, on either side */
  if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR)) {
    shm = g_strdup_printf ("/dev/shm/segsink-staging-%d", getpid ());
    props = g_strdup_printf ("location=%s staging-location=%s", data, shm);
    expect_start_failure (props, "not on the same filesystem");
    fail_unless (!g_file_test (data, G_FILE_TEST_EXISTS));
    fail_unless (!g_file_test (shm, G_FILE_TEST_EXISTS));
    g_free (props);
    g_free (shm);
  }

  /* rates of 1 kHz to 1.536 MHz: an ERROR naming the rate */
  desc = g_strdup_printf ("audiotestsrc num-buffers=1 ! audio/x-raw,rate=500 "
                          "! segmentsink location=%s",
      data);
  run = run_launch (desc, 5000, NULL, NULL);
  fail_unless (run->error != NULL);
  text = message_text (run->error);
  fail_unless (strstr (text, "sample rate 500 Hz") != NULL, "%s", text);
  g_free (text);
  run_free (run);
  g_free (desc);
  desc = g_strdup_printf ("audiotestsrc num-buffers=1 ! "
                          "audio/x-raw,rate=2000000 ! segmentsink location=%s",
      data);
  run = run_launch (desc, 5000, NULL, NULL);
  fail_unless (run->error != NULL);
  text = message_text (run->error);
  fail_unless (strstr (text, "sample rate 2000000 Hz") != NULL, "%s", text);
  g_free (text);
  run_free (run);
  g_free (desc);

  /* elevation=NaN is "unknown", as the docs say: taken without a warning
   * (fatal here), and no elevation in the file */
  sink = gst_element_factory_make ("segmentsink", NULL);
  g_object_set (sink, "elevation", 12.0, NULL);
  g_object_set (sink, "elevation", (gdouble)NAN, NULL);
  g_object_get (sink, "elevation", &elevation, NULL);
  fail_unless (isnan (elevation), "%g", elevation);
  gst_util_set_object_arg (G_OBJECT (sink), "elevation", "NaN");
  g_object_get (sink, "elevation", &elevation, NULL);
  fail_unless (isnan (elevation), "%g", elevation);
  gst_object_unref (sink);
  desc = g_strdup_printf ("audiotestsrc num-buffers=1 ! "
                          "audio/x-raw,rate=48000,channels=1 ! segmentsink "
                          "location=%s elevation=NaN",
      data);
  run = run_launch (desc, 20000, NULL, NULL);
  fail_unless (run->eos);
  {
    GPtrArray *files = list_wavs (data);
    gchar *bytes;
    gsize len;

    fail_unless_equals_int (files->len, 1);
    fail_unless (g_file_get_contents (files->pdata[0], &bytes, &len, NULL));
    fail_unless (memmem (bytes, len, "Loc Elevation", 13) == NULL);
    fail_unless (memmem (bytes, len, "GUANO|Version", 13) != NULL);
    g_free (bytes);
    g_ptr_array_unref (files);
  }
  run_free (run);
  g_free (desc);

  g_free (data);
}

GST_END_TEST;

/* issue 13, 5: what the running writer depends on is taken at start; a
 * change while PLAYING is refused with a warning, and the segments go on
 * being named and cut as they began */
GST_START_TEST (test_settings_fixed_while_running)
{
  const gchar *dir = test_dir;
  gchar *desc = g_strdup_printf (
      "audiotestsrc is-live=true samplesperbuffer=480 ! "
      "audio/x-raw,format=S16LE,rate=48000,channels=1 ! segmentsink "
      "name=sink location=%s segment-duration=200000000 "
      "filename=first_{seq}.wav",
      dir);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  GPtrArray *names;
  GstMessage *m;
  guint64 duration;
  gboolean align;
  gchar *filename;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL, 10 * GST_SECOND)
               == GST_STATE_CHANGE_SUCCESS);
  g_usleep (300 * 1000);
  ASSERT_WARNING (g_object_set (sink, "filename", "second_{seq}.wav", NULL));
  ASSERT_WARNING (g_object_set (
      sink, "segment-duration", (guint64)(100 * GST_MSECOND), NULL));
  ASSERT_WARNING (g_object_set (sink, "align", TRUE, NULL));
  ASSERT_WARNING (g_object_set (sink, "min-free-space", (guint64)0, NULL));
  /* the values were not taken */
  g_object_get (sink, "filename", &filename, "segment-duration", &duration,
      "align", &align, NULL);
  fail_unless_equals_string (filename, "first_{seq}.wav");
  fail_unless_equals_uint64 (duration, 200 * GST_MSECOND);
  fail_unless (!align);
  g_free (filename);
  g_usleep (700 * 1000);
  gst_element_send_event (pipeline, gst_event_new_eos ());
  m = gst_bus_timed_pop_filtered (
      bus, 20 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (m != NULL && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS);
  gst_message_unref (m);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  /* every segment named by the template it began under, and 0.2 s long
   * (9600 frames) but the last */
  names = wav_names (dir, NULL);
  fail_unless (names->len >= 4, "%u files", names->len);
  for (guint i = 0; i < names->len; i++) {
    gchar *expect = g_strdup_printf ("first_%08u.wav", i);
    gchar *path = g_build_filename (dir, names->pdata[i], NULL);

    fail_unless_equals_string (names->pdata[i], expect);
    if (i + 1 < names->len)
      fail_unless_equals_uint64 (frames_of (path), 9600);
    g_free (path);
    g_free (expect);
  }
  /* set again once stopped, it is taken */
  g_object_set (sink, "filename", "second_{seq}.wav", NULL);
  g_object_get (sink, "filename", &filename, NULL);
  fail_unless_equals_string (filename, "second_{seq}.wav");
  g_free (filename);

  g_ptr_array_unref (names);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
}

GST_END_TEST;

/* issue 13, 7: without a time model (a source that is not live), a file
 * recorded while the system clock is not synchronised says so */
GST_START_TEST (test_unsynchronised_clock_marked)
{
  const gchar *dir = test_dir;
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=10 ! audio/x-raw,rate=48000,channels=1 ! "
      "segmentsink location=%s",
      dir);
  GPtrArray *files;
  GList *promoted;
  gboolean synced = TRUE;
  gchar *bytes;
  gsize len;
  Run *run;

  g_setenv ("FFC_TEST_CLOCK_UNSYNCHRONISED", "1", TRUE);
  run = run_launch (desc, 20000, NULL, NULL);
  g_setenv ("FFC_TEST_CLOCK_UNSYNCHRONISED", "0", TRUE);
  fail_unless (run->eos);
  promoted = messages_named (run, "segmentsink-promoted", NULL);
  fail_unless_equals_int (g_list_length (promoted), 1);
  fail_unless (
      gst_structure_get_boolean (gst_message_get_structure (promoted->data),
          "clock-synchronised", &synced));
  fail_unless (!synced, "clock-synchronised is true");
  files = list_wavs (dir);
  fail_unless_equals_int (files->len, 1);
  fail_unless (g_file_get_contents (files->pdata[0], &bytes, &len, NULL));
  fail_unless (
      memmem (bytes, len, "FFC|Clock Synchronised: false\n", 30) != NULL);
  g_free (bytes);
  g_ptr_array_unref (files);
  g_list_free (promoted);
  run_free (run);
  g_free (desc);
}

GST_END_TEST;

static gpointer
run_in_thread (gpointer pipeline)
{
  return run_pipeline (pipeline, 60000, NULL, NULL);
}

/* `n` recorders on one data directory, started `delay_ms` apart, each 4 s
 * of paced audio: no one's recovery touches another's open segment. */
static void
run_recorders_together (guint n, guint delay_ms)
{
  gchar *dir = g_dir_make_tmp ("segsink-XXXXXX", NULL);
  gchar *staging = g_build_filename (dir, ".buffer", NULL);
  gchar *desc = g_strdup_printf (
      "ffmpegsrc input-format=lavfi input-options=-re "
      "device=sine=sample_rate=48000:duration=4 ! segmentsink location=%s "
      "segment-duration=1000000000",
      dir);
  GThread *threads[8];
  GPtrArray *files;
  guint64 total = 0;

  g_assert (n <= G_N_ELEMENTS (threads));
  for (guint i = 0; i < n; i++) {
    GstElement *pipeline = gst_parse_launch (desc, NULL);

    fail_unless (pipeline != NULL);
    if (i > 0)
      g_usleep (delay_ms * 1000);
    threads[i] = g_thread_new ("recorder", run_in_thread, pipeline);
  }
  for (guint i = 0; i < n; i++) {
    Run *run = g_thread_join (threads[i]);
    gchar *text = run->error ? message_text (run->error) : NULL;

    fail_unless (run->error == NULL, "recorder %u: %s", i, text);
    fail_unless (run->eos, "recorder %u did not finish", i);
    fail_unless (messages_named (run, "segmentsink-recovered", NULL) == NULL,
        "recorder %u recovered a live recorder's segment", i);
    g_free (text);
    run_free (run);
  }
  /* every frame of every recorder, in complete files, nothing left over */
  files = list_wavs (dir);
  for (guint i = 0; i < files->len; i++)
    total += frames_of (files->pdata[i]);
  fail_unless_equals_uint64 (total, (guint64)n * 192000);
  fail_unless_equals_int (count_entries (staging), 0);
  g_ptr_array_unref (files);
  rm_rf (dir);
  g_free (staging);
  g_free (desc);
  g_free (dir);
}

/* The same with two gst-launch-1.0 processes started 0.5 s apart, as the
 * issue reproduced it: both exit 0 and every frame is in complete files */
static void
run_processes_together (void)
{
  gchar *dir = g_build_filename (test_dir, "processes", NULL);
  gchar *staging = g_build_filename (dir, ".buffer", NULL);
  gchar *location = g_strdup_printf ("location=%s", dir);
  gchar *argv[] = { "gst-launch-1.0", "-q", "ffmpegsrc", "input-format=lavfi",
    "input-options=-re", "device=sine=sample_rate=48000:duration=4", "!",
    "segmentsink", location, "segment-duration=1000000000", NULL };
  GPid pids[2];
  GPtrArray *files;
  guint64 total = 0;
  GError *error = NULL;

  for (guint i = 0; i < 2; i++) {
    if (i > 0)
      g_usleep (500 * 1000);
    fail_unless (g_spawn_async (NULL, argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                     NULL, &pids[i], &error),
        "%s", error ? error->message : "");
  }
  for (guint i = 0; i < 2; i++) {
    gint status;

    fail_unless (waitpid (pids[i], &status, 0) == pids[i]);
    fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0,
        "gst-launch-1.0 %u ended with status %d", i, status);
    g_spawn_close_pid (pids[i]);
  }
  files = list_wavs (dir);
  for (guint i = 0; i < files->len; i++)
    total += frames_of (files->pdata[i]);
  fail_unless_equals_uint64 (total, 2 * 192000);
  fail_unless_equals_int (count_entries (staging), 0);
  g_ptr_array_unref (files);
  g_free (location);
  g_free (staging);
  g_free (dir);
}

/* issue 13, 1: two recorders on one data directory */
GST_START_TEST (test_recorders_share_location)
{
  if (gst_registry_lookup_feature (gst_registry_get (), "ffmpegsrc") == NULL) {
    g_printerr ("SKIP test_recorders_share_location: no ffmpegsrc\n");
    return;
  }
  run_recorders_together (2, 500);
  run_recorders_together (4, 0);
  if (PLUGIN_RUNS_IN_CHILDREN)
    run_processes_together ();
  else
    g_printerr ("test_recorders_share_location: the gst-launch-1.0 part is "
                "left out under ASan\n");
}

GST_END_TEST;

static Suite *
segmentsink_suite (void)
{
  Suite *s = suite_create ("segmentsink");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_checked_fixture (tc, make_test_dir, remove_test_dir);
  tcase_add_test (tc, test_exact_frames_per_segment);
  tcase_add_test (tc, test_default_names);
  tcase_add_test (tc, test_template);
  tcase_add_test (tc, test_align);
  tcase_add_test (tc, test_split_at_discontinuity);
  tcase_add_test (tc, test_never_replace);
  tcase_add_test (tc, test_stop_without_eos);
  tcase_add_test (tc, test_orphan_repair_and_quarantine);
  tcase_add_test (tc, test_symlink_in_staging_not_followed);
  tcase_add_test (tc, test_bad_settings);
  tcase_add_test (tc, test_disk_full);
  tcase_add_test (tc, test_rf64);
  tcase_add_test (tc, test_watcher_sees_only_complete_files);
  tcase_add_test (tc, test_with_ffmpegsrc);
  tcase_add_test (tc, test_gap_inside_ffmpeg_splits_segment);
  tcase_add_test (tc, test_gap_ends_segment);
  tcase_add_test (tc, test_metadata_settings);
  tcase_add_test (tc, test_nonsense_settings);
  tcase_add_test (tc, test_staging_removed_during_run);
  tcase_add_test (tc, test_recorders_share_location);
  tcase_add_test (tc, test_ranges);
  tcase_add_test (tc, test_settings_fixed_while_running);
  tcase_add_test (tc, test_unsynchronised_clock_marked);
  return s;
}

GST_CHECK_MAIN (segmentsink);
