/* gst-check tests of segmentsink's pairs and retention: a raw and a
 * processed stream of one capture, real files on a small real tmpfs. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstcheck.h>

#include "check-common.h"

/* Frames of a complete WAV (sizes in its header match its length), or -1 */
static gint64
wav_frames (const gchar *path)
{
  WavInfo info;

  return read_wav (path, &info) ? (gint64)info.frames : -1;
}

static gboolean
exists_in (const gchar *dir, const gchar *name)
{
  gchar *path = g_build_filename (dir, name, NULL);
  gboolean ok = g_file_test (path, G_FILE_TEST_EXISTS);
  g_free (path);
  return ok;
}

static void
write_text (const gchar *dir, const gchar *name, const gchar *text)
{
  gchar *path = g_build_filename (dir, name, NULL);
  fail_unless (g_file_set_contents (path, text, -1, NULL));
  g_free (path);
}

/* the {seq} of a default name */
static guint
seq_of (const gchar *name)
{
  const gchar *us = strrchr (name, '_');
  fail_unless (us != NULL, "%s", name);
  return (guint)g_ascii_strtoull (us + 1, NULL, 10);
}

static gboolean
have_ffmpegsrc (const gchar *test)
{
  GstPluginFeature *f =
      gst_registry_lookup_feature (gst_registry_get (), "ffmpegsrc");
  if (f == NULL) {
    g_printerr ("SKIP %s: ffmpegsrc is not registered\n", test);
    return FALSE;
  }
  gst_object_unref (f);
  return TRUE;
}

/* index of the first message of that type, or -1 */
static gint
first_index (Run *run, GstMessageType type, const gchar *containing)
{
  gint i = 0;

  for (GList *l = run->messages; l; l = l->next, i++) {
    if (GST_MESSAGE_TYPE (l->data) == type) {
      gchar *text = message_text (l->data);
      gboolean hit = containing == NULL || strstr (text, containing) != NULL;
      g_free (text);
      if (hit)
        return i;
    }
  }
  return -1;
}

typedef struct {
  const gchar *raw, *processed;
  guint deleted, half_pairs;
} PairWatch;

/* At each deletion, the other side of the pair must already be gone. */
static void
check_partner_gone (GstMessage *m, gpointer data)
{
  PairWatch *w = data;
  const GstStructure *s = gst_message_get_structure (m);
  const gchar *location;
  gchar *dir, *name;
  guint64 bytes, free_space;

  if (GST_MESSAGE_TYPE (m) != GST_MESSAGE_ELEMENT
      || !gst_structure_has_name (s, "segmentsink-deleted"))
    return;
  w->deleted++;
  location = gst_structure_get_string (s, "location");
  fail_unless_equals_string (
      gst_structure_get_string (s, "reason"), "low-space");
  fail_unless (gst_structure_get_uint64 (s, "bytes", &bytes) && bytes > 0);
  fail_unless (gst_structure_get_uint64 (s, "free-space", &free_space));
  fail_unless (!g_file_test (location, G_FILE_TEST_EXISTS), "%s", location);
  dir = g_path_get_dirname (location);
  name = g_path_get_basename (location);
  if (exists_in (strcmp (dir, w->raw) == 0 ? w->processed : w->raw, name))
    w->half_pairs++;
  g_free (dir);
  g_free (name);
}

#define PAIR_PIPELINE                                                          \
  "ffmpegsrc input-format=lavfi "                                              \
  "device=\"sine=sample_rate=48000:duration=%u\" ! "                           \
  "audio/x-raw,format=S16LE,rate=48000,channels=1 ! tee name=t "               \
  "t. ! queue ! segmentsink name=raw location=%s %s "                          \
  "t. ! queue ! audioresample ! audio/x-raw,rate=16000 ! "                     \
  "segmentsink name=processed location=%s %s"

GST_START_TEST (test_retention_keeps_recording)
{
  gchar *mnt = mount_tmpfs ("8m", "test_retention_keeps_recording");
  gchar *raw, *processed, *desc;
  /* 200 ms segments; 2 MiB kept free of 8 */
  const gchar *props = "segment-duration=200000000 retention=true "
                       "min-free-space=2097152 min-age=0";
  GPtrArray *raw_names, *proc_names;
  GList *raw_promoted, *proc_promoted;
  PairWatch w = { 0 };
  Run *run;
  guint oldest;

  if (mnt == NULL || !have_ffmpegsrc ("test_retention_keeps_recording")) {
    if (mnt != NULL)
      unmount_tmpfs (mnt);
    return;
  }
  raw = g_build_filename (mnt, "raw", NULL);
  processed = g_build_filename (mnt, "processed", NULL);
  g_mkdir (raw, 0755);
  g_mkdir (processed, 0755);
  /* not the sinks' own: never deleted */
  write_text (raw, "notes.txt", "field notes");
  write_text (raw, "other.wav", "someone else's");
  write_text (processed, "2026-11-24T03-20-32Z_detections.wav", "not ours");
  w.raw = raw;
  w.processed = processed;

  /* 200 s of 96 + 32 kB/s: 25.6 MB through a tmpfs of 8 MiB, unpaced */
  desc = g_strdup_printf (PAIR_PIPELINE, 200, raw, props, processed, props);
  run = run_launch (desc, 120000, check_partner_gone, &w);

  fail_unless (
      run->error == NULL, "%s", run->error ? message_text (run->error) : "");
  fail_unless (run->eos);
  fail_unless_equals_int (first_index (run, GST_MESSAGE_WARNING, NULL), -1);
  fail_unless (w.deleted > 0);
  fail_unless_equals_int (w.half_pairs, 0);

  /* both recorded everything: 1000 segments each, the last ones kept */
  raw_promoted = messages_named (run, "segmentsink-promoted", "raw");
  proc_promoted = messages_named (run, "segmentsink-promoted", "processed");
  fail_unless_equals_int (g_list_length (raw_promoted), 1000);
  fail_unless_equals_int (g_list_length (proc_promoted), 1000);

  /* the same names on both sides: the newest, oldest gone first */
  raw_names = wav_names (raw, "other.wav");
  proc_names = wav_names (processed, "2026-11-24T03-20-32Z_detections.wav");
  fail_unless (exists_in (processed, "2026-11-24T03-20-32Z_detections.wav"));
  fail_unless (exists_in (raw, "notes.txt"));
  fail_unless (exists_in (raw, "other.wav"));
  fail_unless_equals_int (raw_names->len, proc_names->len);
  fail_unless (raw_names->len > 20 && raw_names->len < 1000);
  oldest = 1000 - raw_names->len;
  for (guint i = 0; i < raw_names->len; i++) {
    gchar *path;

    fail_unless_equals_string (raw_names->pdata[i], proc_names->pdata[i]);
    fail_unless_equals_int (seq_of (raw_names->pdata[i]), oldest + i);
    path = g_build_filename (raw, raw_names->pdata[i], NULL);
    fail_unless_equals_int64 (wav_frames (path), 9600);
    g_free (path);
    path = g_build_filename (processed, proc_names->pdata[i], NULL);
    fail_unless_equals_int64 (wav_frames (path), 3200);
    g_free (path);
  }

  g_list_free (raw_promoted);
  g_list_free (proc_promoted);
  g_ptr_array_unref (raw_names);
  g_ptr_array_unref (proc_names);
  run_free (run);
  g_free (desc);
  g_free (raw);
  g_free (processed);
  unmount_tmpfs (mnt);
}

GST_END_TEST;

/* A single stream with retention off, or with nothing old enough to go:
 * 2 MiB of tmpfs, 512 KiB kept free, 3.84 MB of audio. */
static Run *
fill_up (const gchar *mnt, const gchar *props, gchar **dir)
{
  gchar *desc;
  Run *run;

  *dir = g_build_filename (mnt, "raw", NULL);
  g_mkdir (*dir, 0755);
  write_text (*dir, "notes.txt", "field notes");
  desc = g_strdup_printf (
      "audiotestsrc num-buffers=400 samplesperbuffer=4800 ! "
      "audio/x-raw,format=S16LE,rate=48000,channels=1 ! segmentsink "
      "name=raw location=%s segment-duration=500000000 "
      "min-free-space=524288 %s",
      *dir, props);
  run = run_launch (desc, 60000, NULL, NULL);
  g_free (desc);
  return run;
}

/* Everything written is in complete files; staging is empty. */
static void
check_complete (const gchar *dir, guint min_files)
{
  GPtrArray *names = wav_names (dir, NULL);
  gchar *staging = g_build_filename (dir, ".buffer", NULL);
  GDir *d = g_dir_open (staging, 0, NULL);

  fail_unless (names->len >= min_files, "%u files", names->len);
  for (guint i = 0; i < names->len; i++) {
    gchar *path = g_build_filename (dir, names->pdata[i], NULL);
    fail_unless (wav_frames (path) > 0, "%s is not complete", path);
    g_free (path);
  }
  fail_unless (d != NULL);
  fail_unless (g_dir_read_name (d) == NULL, "staging is not empty");
  g_dir_close (d);
  g_free (staging);
  g_ptr_array_unref (names);
}

GST_START_TEST (test_no_retention_warns_then_fails)
{
  gchar *mnt = mount_tmpfs ("2m", "test_no_retention_warns_then_fails");
  gchar *dir, *text, *warning;
  gint w, e;
  Run *run;

  if (mnt == NULL)
    return;
  run = fill_up (mnt, "", &dir);

  /* first a warning naming the directory and the free space, at 512 KiB */
  warning = g_strdup_printf ("The filesystem of %s has ", dir);
  w = first_index (run, GST_MESSAGE_WARNING, warning);
  e = first_index (run, GST_MESSAGE_ERROR, NULL);
  fail_unless (w >= 0, "no low-space warning");
  fail_unless (e > w, "the error did not come after the warning");
  /* then an ERROR naming the directory */
  text = message_text (run->error);
  fail_unless (strstr (text, "No space left on device") != NULL, "%s", text);
  fail_unless (strstr (text, dir) != NULL, "%s", text);
  g_free (text);
  /* once: not for every segment after it */
  {
    guint n = 0;
    for (GList *l = run->messages; l; l = l->next)
      n += GST_MESSAGE_TYPE (l->data) == GST_MESSAGE_WARNING;
    fail_unless_equals_int (n, 1);
  }
  check_complete (dir, 2);
  fail_unless (exists_in (dir, "notes.txt"));

  run_free (run);
  g_free (warning);
  g_free (dir);
  unmount_tmpfs (mnt);
}

GST_END_TEST;

GST_START_TEST (test_min_age_protects)
{
  gchar *mnt = mount_tmpfs ("2m", "test_min_age_protects");
  gchar *dir, *text;
  GList *deleted;
  gint w, e;
  Run *run;

  if (mnt == NULL)
    return;
  /* an hour: nothing here is old enough for a consumer to have seen it */
  run = fill_up (mnt, "retention=true min-age=3600000000000", &dir);

  deleted = messages_named (run, "segmentsink-deleted", NULL);
  fail_unless_equals_int (g_list_length (deleted), 0);
  w = first_index (run, GST_MESSAGE_WARNING, "no segment can be deleted");
  e = first_index (run, GST_MESSAGE_ERROR, NULL);
  fail_unless (w >= 0, "no warning that nothing can be deleted");
  fail_unless (e > w);
  text = message_text (run->error);
  fail_unless (strstr (text, dir) != NULL, "%s", text);
  g_free (text);
  check_complete (dir, 2);
  fail_unless (exists_in (dir, "notes.txt"));

  g_list_free (deleted);
  run_free (run);
  g_free (dir);
  unmount_tmpfs (mnt);
}

GST_END_TEST;

/* A raw 48 kHz and a processed 16 kHz (audioresample) stream of one
 * capture from `source`. */
static GstElement *
pair_pipeline (const gchar *source, const gchar *raw, const gchar *processed,
    const gchar *props)
{
  gchar *desc = g_strdup_printf (
      "%s ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! tee name=t "
      "t. ! queue ! segmentsink name=raw location=%s %s "
      "t. ! queue ! audioresample ! audio/x-raw,rate=16000 ! "
      "segmentsink name=processed location=%s %s",
      source, raw, props, processed, props);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);

  g_assert_no_error (error);
  g_free (desc);
  return pipeline;
}

/* Buffers of 1000 frames with two gaps marked DISCONT, as ffmpegsrc marks
 * audio lost to a full queue and restarts: 120000 frames. */
static Run *
run_appsrc_pair (const gchar *raw, const gchar *processed, const gchar *props)
{
  GstElement *pipeline = pair_pipeline (
      "appsrc name=src format=time caps=audio/x-raw,format=S16LE,rate=48000,"
      "channels=1,layout=interleaved",
      raw, processed, props);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  /* gaps of 0.5 s + 7 samples and 0.3 s, at 40 and 80 buffers */
  GstClockTime gap[] = { 500 * GST_MSECOND + 7 * GST_SECOND / 48000,
    300 * GST_MSECOND };
  GstClockTime pts = 0;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (guint i = 0; i < 120; i++) {
    GstBuffer *b = gst_buffer_new_allocate (NULL, 2000, NULL);

    gst_buffer_memset (b, 0, i, 2000);
    if (i > 0 && i % 40 == 0) {
      pts += gap[i / 40 - 1];
      GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
    }
    GST_BUFFER_PTS (b) = pts;
    GST_BUFFER_DURATION (b) = gst_util_uint64_scale (1000, GST_SECOND, 48000);
    pts += GST_BUFFER_DURATION (b);
    gst_app_src_push_buffer (GST_APP_SRC (src), b);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  gst_object_unref (src);
  return run_pipeline (pipeline, 30000, NULL, NULL);
}

static gint64
start_us (const GstStructure *s)
{
  GDateTime *t = g_date_time_new_from_iso8601 (
      gst_structure_get_string (s, "start-time"), NULL);
  gint64 us;

  fail_unless (t != NULL);
  us = g_date_time_to_unix (t) * G_USEC_PER_SEC
       + g_date_time_get_microsecond (t);
  g_date_time_unref (t);
  return us;
}

/* Both sides have the same names, as many, for the same stretches of
 * time, and all the audio. */
static void
check_pair_agrees (Run *run, const gchar *raw, const gchar *processed,
    guint64 raw_frames, guint min_segments)
{
  GPtrArray *raw_names = wav_names (raw, NULL);
  GPtrArray *proc_names = wav_names (processed, NULL);
  GList *r = messages_named (run, "segmentsink-promoted", "raw");
  GList *p = messages_named (run, "segmentsink-promoted", "processed");
  GList *rl, *pl;
  guint64 total_raw = 0, total_proc = 0;

  fail_unless (run->eos);
  /* the same names, as many, in the same order */
  fail_unless (raw_names->len >= min_segments, "%u", raw_names->len);
  fail_unless_equals_int (raw_names->len, proc_names->len);
  fail_unless_equals_int (g_list_length (r), raw_names->len);
  fail_unless_equals_int (g_list_length (p), raw_names->len);
  for (rl = r, pl = p; rl && pl; rl = rl->next, pl = pl->next) {
    const GstStructure *rs = gst_message_get_structure (rl->data);
    const GstStructure *ps = gst_message_get_structure (pl->data);
    gchar *rn = g_path_get_basename (gst_structure_get_string (rs, "location"));
    gchar *pn = g_path_get_basename (gst_structure_get_string (ps, "location"));
    guint64 rt_r, rt_p, d_r, d_p, n_r, n_p;

    fail_unless_equals_string (rn, pn);
    gst_structure_get_uint64 (rs, "running-time", &rt_r);
    gst_structure_get_uint64 (ps, "running-time", &rt_p);
    gst_structure_get_uint64 (rs, "duration", &d_r);
    gst_structure_get_uint64 (ps, "duration", &d_p);
    gst_structure_get_uint64 (rs, "samples", &n_r);
    gst_structure_get_uint64 (ps, "samples", &n_p);
    /* the same stretch of time, to a sample of the lower rate */
    fail_unless (ABS ((gint64)rt_r - (gint64)rt_p) <= GST_SECOND / 16000,
        "%s starts at %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT, rn, rt_r,
        rt_p);
    fail_unless (ABS ((gint64)d_r - (gint64)d_p) <= GST_SECOND / 16000,
        "%s lasts %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT, rn, d_r, d_p);
    /* and the same wall-clock time, to the microsecond */
    fail_unless (ABS (start_us (rs) - start_us (ps)) <= 1, "%s: %s and %s", rn,
        gst_structure_get_string (rs, "start-time"),
        gst_structure_get_string (ps, "start-time"));
    total_raw += n_r;
    total_proc += n_p;
    g_free (rn);
    g_free (pn);
  }
  /* nothing lost on either side */
  fail_unless_equals_uint64 (total_raw, raw_frames);
  fail_unless (ABS ((gint64)total_proc * 3 - (gint64)raw_frames) <= 9, "%lu",
      (gulong)total_proc);

  g_list_free (r);
  g_list_free (p);
  g_ptr_array_unref (raw_names);
  g_ptr_array_unref (proc_names);
}

static void
check_appsrc_pair (const gchar *props)
{
  gchar *dir = g_dir_make_tmp ("retention-XXXXXX", NULL);
  gchar *raw = g_build_filename (dir, "raw", NULL);
  gchar *processed = g_build_filename (dir, "processed", NULL);
  Run *run = run_appsrc_pair (raw, processed, props);

  check_pair_agrees (run, raw, processed, 120000, 10);
  run_free (run);
  rm_rf (dir);
  g_free (raw);
  g_free (processed);
  g_free (dir);
}

GST_START_TEST (test_pair_names_agree)
{
  check_appsrc_pair ("segment-duration=200000000");
}

GST_END_TEST;

/* Aligned segments start on wall-clock multiples: at whole seconds too,
 * where a sample's rounding would otherwise change the name's second. */
GST_START_TEST (test_pair_names_agree_aligned)
{
  check_appsrc_pair ("segment-duration=200000000 align=true");
}

GST_END_TEST;

/* ffmpeg's input timestamps jump by 0.5 s after 1 s, as ALSA's do after
 * an overrun: ffmpegsrc sends a DISCONT after the gap, audioresample
 * resynchronises on it, and both sides split there alike. */
GST_START_TEST (test_pair_names_agree_ffmpeg_gap)
{
  gchar *dir = g_dir_make_tmp ("retention-XXXXXX", NULL);
  gchar *raw = g_build_filename (dir, "raw", NULL);
  gchar *processed = g_build_filename (dir, "processed", NULL);
  GstElement *pipeline;
  Run *run;

  if (!have_ffmpegsrc ("test_pair_names_agree_ffmpeg_gap")) {
    rm_rf (dir);
    g_free (raw);
    g_free (processed);
    g_free (dir);
    return;
  }
  pipeline = pair_pipeline ("ffmpegsrc input-format=lavfi input-options=-re "
                            "device=\"sine=sample_rate=48000:duration=2,"
                            "asetpts='PTS+gte(N\\,48000)*(0.5/TB)'\"",
      raw, processed, "segment-duration=300000000");
  run = run_pipeline (pipeline, 30000, NULL, NULL);
  /* 1 s in 300 ms segments, a split at the gap, then 1 s again */
  check_pair_agrees (run, raw, processed, 96000, 8);
  run_free (run);
  rm_rf (dir);
  g_free (raw);
  g_free (processed);
  g_free (dir);
}

GST_END_TEST;

static gchar *
run_id_of (GstElement *pipeline, const gchar *sink_name)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), sink_name);
  gchar *id = NULL;

  g_object_get (sink, "run-id", &id, NULL);
  gst_object_unref (sink);
  return id;
}

GST_START_TEST (test_run_id)
{
  gchar *dir = g_dir_make_tmp ("retention-XXXXXX", NULL);
  gchar *desc = g_strdup_printf (
      "audiotestsrc is-live=true samplesperbuffer=480 ! tee name=t "
      "t. ! queue ! segmentsink name=a location=%s/a "
      "t. ! queue ! segmentsink name=b location=%s/b "
      "t. ! queue ! segmentsink name=c location=%s/c run-id=cafe0001",
      dir, dir, dir);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *other = gst_parse_launch (
      "audiotestsrc ! fakesink segmentsink name=d location=/nonexistent", NULL);
  gchar *a, *b, *c, *again;
  GstElement *d;

  /* empty until it runs */
  a = run_id_of (pipeline, "a");
  fail_unless (a == NULL || *a == '\0');
  g_free (a);

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PAUSED)
               != GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL, 10 * GST_SECOND)
               != GST_STATE_CHANGE_FAILURE);
  /* one drawn id for the pipeline's sinks; an explicit one as given */
  a = run_id_of (pipeline, "a");
  b = run_id_of (pipeline, "b");
  c = run_id_of (pipeline, "c");
  fail_unless (g_regex_match_simple ("^[0-9a-f]{8}$", a, 0, 0), "%s", a);
  fail_unless_equals_string (a, b);
  fail_unless_equals_string (c, "cafe0001");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_free (b);
  g_free (c);
  b = run_id_of (pipeline, "b");
  fail_unless (b == NULL || *b == '\0');
  g_free (b);

  /* forgotten when they stop: the next start draws another */
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  gst_element_get_state (pipeline, NULL, NULL, 10 * GST_SECOND);
  again = run_id_of (pipeline, "a");
  b = run_id_of (pipeline, "b");
  fail_unless_equals_string (again, b);
  fail_unless (strcmp (again, a) != 0, "%s drawn twice", a); /* 1 in 2^32 */
  gst_element_set_state (pipeline, GST_STATE_NULL);

  /* not 8 hex digits: a warning when set, an error at start */
  d = gst_bin_get_by_name (GST_BIN (other), "d");
  ASSERT_WARNING (g_object_set (d, "run-id", "cafe", NULL));
  gst_object_unref (d);
  {
    Run *run = run_pipeline (other, 5000, NULL, NULL);
    gchar *text;

    fail_unless (run->error != NULL);
    text = message_text (run->error);
    fail_unless (strstr (text, "run-id \"cafe\"") != NULL, "%s", text);
    g_free (text);
    run_free (run);
  }

  g_free (a);
  g_free (b);
  g_free (again);
  gst_object_unref (pipeline);
  rm_rf (dir);
  g_free (desc);
  g_free (dir);
}

GST_END_TEST;

/* Retention must recognise its own names: a month spelled in words
 * cannot be matched strictly. */
GST_START_TEST (test_retention_refuses_unknown_template)
{
  gchar *dir = g_dir_make_tmp ("retention-XXXXXX", NULL);
  gchar *desc = g_strdup_printf ("audiotestsrc num-buffers=1 ! segmentsink "
                                 "location=%s filename=%%b-{seq}.wav %s",
      dir, "retention=true");
  Run *run = run_launch (desc, 5000, NULL, NULL);
  gchar *text;

  fail_unless (run->error != NULL);
  text = message_text (run->error);
  fail_unless (strstr (text, "Cannot use retention") != NULL, "%s", text);
  fail_unless (strstr (text, "%b") != NULL, "%s", text);
  g_free (text);
  run_free (run);
  g_free (desc);

  /* without retention the same template records */
  desc = g_strdup_printf ("audiotestsrc num-buffers=1 ! segmentsink "
                          "location=%s filename=%%b-{seq}.wav",
      dir);
  run = run_launch (desc, 5000, NULL, NULL);
  fail_unless (run->eos);
  run_free (run);
  g_free (desc);
  rm_rf (dir);
  g_free (dir);
}

GST_END_TEST;

static Suite *
retention_suite (void)
{
  Suite *s = suite_create ("retention");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_run_id);
  tcase_add_test (tc, test_pair_names_agree);
  tcase_add_test (tc, test_pair_names_agree_aligned);
  tcase_add_test (tc, test_pair_names_agree_ffmpeg_gap);
  tcase_add_test (tc, test_retention_keeps_recording);
  tcase_add_test (tc, test_no_retention_warns_then_fails);
  tcase_add_test (tc, test_min_age_protects);
  tcase_add_test (tc, test_retention_refuses_unknown_template);
  return s;
}

GST_CHECK_MAIN (retention);
