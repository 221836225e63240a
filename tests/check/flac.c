/* gst-check tests of segmentsink format=flac: real libFLAC, and the real
 * flac, metaflac, ffprobe and sox reading what it writes. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstcheck.h>

#include "check-common.h"

static gchar *test_dir;

static void
make_test_dir (void)
{
  test_dir = g_dir_make_tmp ("segsink-flac-XXXXXX", NULL);
  fail_unless (test_dir != NULL);
}

static void
remove_test_dir (void)
{
  rm_rf (test_dir);
  g_clear_pointer (&test_dir, g_free);
}

/* Runs a tool: TRUE if it exits 0; its stdout in *out (may be NULL) */
static gboolean
tool (gchar **out, const gchar *const *argv)
{
  gint status;
  gchar *err = NULL;
  gboolean ok;

  fail_unless (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH,
      NULL, NULL, out, &err, &status, NULL));
  ok = g_spawn_check_wait_status (status, NULL);
  if (!ok)
    GST_WARNING ("%s failed: %s", argv[0], err);
  g_free (err);
  return ok;
}

static guint64
tool_u64 (const gchar *const *argv)
{
  gchar *out = NULL;
  guint64 v;

  fail_unless (tool (&out, argv), "%s failed", argv[0]);
  v = g_ascii_strtoull (out, NULL, 10);
  g_free (out);
  return v;
}

/* What metaflac, ffprobe and sox say the file holds: they must agree */
static guint64
flac_samples (const gchar *path)
{
  const gchar *metaflac[] = { "metaflac", "--show-total-samples", path, NULL };
  const gchar *ffprobe[] = { "ffprobe", "-v", "error", "-select_streams", "a",
    "-show_entries", "stream=duration_ts", "-of", "csv=p=0", path, NULL };
  const gchar *sox[] = { "soxi", "-s", path, NULL };
  guint64 n = tool_u64 (metaflac);

  fail_unless_equals_uint64 (tool_u64 (ffprobe), n);
  fail_unless_equals_uint64 (tool_u64 (sox), n);
  return n;
}

static void
assert_flac_t (const gchar *path)
{
  const gchar *argv[] = { "flac", "-s", "-t", path, NULL };

  fail_unless (tool (NULL, argv), "flac -t %s failed", path);
}

static GPtrArray *names_with (const gchar *dir, const gchar *ext);

/* How many files in dir end in `ext` */
static guint
count_with (const gchar *dir, const gchar *ext)
{
  GPtrArray *names = names_with (dir, ext);
  guint n = names->len;

  g_ptr_array_unref (names);
  return n;
}

/* Names (not paths) of the files in dir ending in `ext`, sorted */
static GPtrArray *
names_with (const gchar *dir, const gchar *ext)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    if (g_str_has_suffix (name, ext))
      g_ptr_array_add (names, g_strdup (name));
  }
  if (d != NULL)
    g_dir_close (d);
  g_ptr_array_sort (names, compare_names);
  return names;
}

static gchar *
stem (const gchar *name)
{
  const gchar *dot = strrchr (name, '.');

  return g_strndup (name, dot - name);
}

static guint
count_entries (const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  if (d != NULL)
    g_dir_close (d);
  return n;
}

GST_START_TEST (test_exact_samples_per_segment)
{
  gchar *staging = g_build_filename (test_dir, ".buffer", NULL);
  /* 50 buffers of 1000 frames, 0.25 s segments = 12000 frames: the
   * boundaries fall inside buffers */
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=50 samplesperbuffer=1000 wave=pink-noise "
      "! audio/x-raw,format=S16LE,rate=48000,channels=2 ! segmentsink "
      "format=flac location=%s segment-duration=250000000",
      test_dir);
  Run *run = run_launch (desc, 30000, NULL, NULL);
  GPtrArray *files = names_with (test_dir, ".flac");
  GList *promoted = messages_named (run, "segmentsink-promoted", NULL);
  guint i = 0;

  fail_unless (run->eos);
  fail_unless (run->error == NULL);
  fail_unless_equals_int (files->len, 5);
  fail_unless_equals_int (count_with (test_dir, ".wav"), 0);
  fail_unless_equals_int (g_list_length (promoted), 5);
  for (GList *l = promoted; l; l = l->next, i++) {
    const GstStructure *s = gst_message_get_structure (l->data);
    gchar *path = g_build_filename (test_dir, files->pdata[i], NULL);
    guint64 samples, bytes;
    GStatBuf st;

    assert_flac_t (path);
    fail_unless_equals_uint64 (flac_samples (path), i < 4 ? 12000 : 2000);
    fail_unless_equals_string (gst_structure_get_string (s, "location"), path);
    fail_unless_equals_string (gst_structure_get_string (s, "format"), "flac");
    fail_unless (gst_structure_get_uint64 (s, "samples", &samples));
    fail_unless (gst_structure_get_uint64 (s, "bytes", &bytes));
    fail_unless_equals_uint64 (samples, i < 4 ? 12000 : 2000);
    fail_unless (g_stat (path, &st) == 0);
    fail_unless_equals_uint64 (bytes, st.st_size);
    g_free (path);
  }
  fail_unless_equals_int (count_entries (staging), 0);
  g_list_free (promoted);
  g_ptr_array_unref (files);
  run_free (run);
  g_free (desc);
  g_free (staging);
}

GST_END_TEST;

/* A tee into a WAV and a FLAC segmentsink: the same names but for the
 * extension, and each FLAC decoded with its foreign metadata is its WAV
 * twin, byte for byte (GUANO and bext included) */
GST_START_TEST (test_round_trip_to_the_wav_twin)
{
  gchar *wav_dir = g_build_filename (test_dir, "wav", NULL);
  gchar *flac_dir = g_build_filename (test_dir, "flac", NULL);
  const gchar *meta = "make=Acme model=Rec-1 serial=0042 "
                      "position=48.8566,2.3522 elevation=35 note=\"pond\" "
                      "stream-name=raw segment-duration=300000000";
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=40 samplesperbuffer=1024 wave=pink-noise "
      "volume=0.1 ! audio/x-raw,format=S16LE,rate=44100,channels=2 ! "
      "tee name=t t. ! queue ! segmentsink name=w location=%s %s "
      "t. ! queue ! segmentsink name=f format=flac location=%s %s",
      wav_dir, meta, flac_dir, meta);
  Run *run = run_launch (desc, 30000, NULL, NULL);
  GPtrArray *wavs = names_with (wav_dir, ".wav");
  GPtrArray *flacs = names_with (flac_dir, ".flac");
  gchar *back = g_build_filename (test_dir, "back.wav", NULL);

  fail_unless (run->eos);
  fail_unless_equals_int (wavs->len, 4); /* 40960 frames: 3 × 13230 + 1270 */
  fail_unless_equals_int (flacs->len, wavs->len);
  for (guint i = 0; i < wavs->len; i++) {
    gchar *ws = stem (wavs->pdata[i]), *fs = stem (flacs->pdata[i]);
    gchar *wav = g_build_filename (wav_dir, wavs->pdata[i], NULL);
    gchar *flac = g_build_filename (flac_dir, flacs->pdata[i], NULL);
    const gchar *argv[] = { "flac", "-s", "-f", "-d", "--keep-foreign-metadata",
      "-o", back, flac, NULL };
    gchar *a, *b;
    gsize la, lb;
    WavInfo info;

    fail_unless_equals_string (fs, ws);
    assert_flac_t (flac);
    fail_unless (read_wav (wav, &info));
    fail_unless_equals_uint64 (flac_samples (flac), info.frames);
    fail_unless (tool (NULL, argv));
    fail_unless (g_file_get_contents (wav, &a, &la, NULL));
    fail_unless (g_file_get_contents (back, &b, &lb, NULL));
    fail_unless_equals_uint64 (lb, la);
    fail_unless (memcmp (a, b, la) == 0, "%s differs from its twin", flac);
    fail_unless (memmem (a, la, "GUANO|Version", 13) != NULL);
    g_free (a);
    g_free (b);
    g_free (ws);
    g_free (fs);
    g_free (wav);
    g_free (flac);
  }
  g_ptr_array_unref (wavs);
  g_ptr_array_unref (flacs);
  run_free (run);
  g_free (desc);
  g_free (back);
  g_free (wav_dir);
  g_free (flac_dir);
}

GST_END_TEST;

/* The comments ordinary players show */
GST_START_TEST (test_vorbis_comments)
{
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=10 ! audio/x-raw,format=S32LE,rate=96000,"
      "channels=1 ! segmentsink format=flac compression-level=8 "
      "stream-name=raw note=\"north bank\" location=%s",
      test_dir);
  Run *run = run_launch (desc, 30000, NULL, NULL);
  GPtrArray *files = names_with (test_dir, ".flac");
  GList *promoted = messages_named (run, "segmentsink-promoted", NULL);
  gchar *path, *tags = NULL;
  const gchar *start;

  fail_unless (run->eos);
  fail_unless_equals_int (files->len, 1);
  path = g_build_filename (test_dir, files->pdata[0], NULL);
  {
    const gchar *argv[] = { "metaflac", "--export-tags-to=-", path, NULL };
    const gchar *bps[] = { "metaflac", "--show-bps", path, NULL };

    fail_unless (tool (&tags, argv));
    fail_unless_equals_uint64 (tool_u64 (bps), 32);
  }
  start = gst_structure_get_string (
      gst_message_get_structure (promoted->data), "start-time");
  {
    gchar *date = g_strdup_printf ("DATE=%s\n", start);
    fail_unless (strstr (tags, date) != NULL, "%s", tags);
    g_free (date);
  }
  fail_unless (strstr (tags, "ENCODER=gst-ffcapture ") != NULL, "%s", tags);
  fail_unless (strstr (tags, "TITLE=raw\n") != NULL, "%s", tags);
  fail_unless (strstr (tags, "COMMENT=north bank\n") != NULL, "%s", tags);
  assert_flac_t (path);
  g_free (tags);
  g_free (path);
  g_list_free (promoted);
  g_ptr_array_unref (files);
  run_free (run);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_f32_refused)
{
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=10 ! audio/x-raw,format=F32LE,rate=48000,"
      "channels=1 ! segmentsink format=flac location=%s",
      test_dir);
  Run *run = run_launch (desc, 30000, NULL, NULL);
  gchar *text;

  fail_unless (run->error != NULL);
  text = message_text (run->error);
  fail_unless (strstr (text, "F32LE") != NULL, "%s", text);
  fail_unless (strstr (text, "format=wav") != NULL, "%s", text);
  g_free (text);
  fail_unless_equals_int (count_with (test_dir, ".flac"), 0);
  run_free (run);
  g_free (desc);
}

GST_END_TEST;

/* The default name ends in .flac; a template in .wav is refused at
 * start, naming both */
GST_START_TEST (test_template_and_format)
{
  GstElement *sink = gst_element_factory_make ("segmentsink", NULL);
  gchar *filename, *desc, *text;
  Run *run;

  g_object_get (sink, "filename", &filename, NULL);
  fail_unless (g_str_has_suffix (filename, ".wav"), "%s", filename);
  g_free (filename);
  g_object_set (sink, "format", 1, NULL);
  g_object_get (sink, "filename", &filename, NULL);
  fail_unless (g_str_has_suffix (filename, "_{seq}.flac"), "%s", filename);
  g_free (filename);
  gst_object_unref (sink);

  desc = g_strdup_printf ("audiotestsrc num-buffers=10 ! audio/x-raw,"
                          "format=S16LE ! segmentsink format=flac "
                          "filename=seg_{seq}.wav location=%s",
      test_dir);
  run = run_launch (desc, 30000, NULL, NULL);
  fail_unless (run->error != NULL);
  text = message_text (run->error);
  fail_unless (strstr (text, "seg_{seq}.wav") != NULL, "%s", text);
  fail_unless (strstr (text, "format is flac") != NULL, "%s", text);
  g_free (text);
  fail_unless_equals_int (count_entries (test_dir), 0);
  run_free (run);
  g_free (desc);

  /* and the other way round */
  desc = g_strdup_printf ("audiotestsrc num-buffers=10 ! audio/x-raw,"
                          "format=S16LE ! segmentsink filename=seg_{seq}.flac "
                          "location=%s",
      test_dir);
  run = run_launch (desc, 30000, NULL, NULL);
  fail_unless (run->error != NULL);
  text = message_text (run->error);
  fail_unless (strstr (text, "format is wav") != NULL, "%s", text);
  g_free (text);
  run_free (run);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_fixed_while_running)
{
  gchar *desc = g_strdup_printf (
      "audiotestsrc is-live=true ! audio/x-raw,format=S16LE ! segmentsink "
      "name=sink format=flac location=%s",
      test_dir);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gint format;
  guint level;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL, 10 * GST_SECOND)
               == GST_STATE_CHANGE_SUCCESS);
  ASSERT_WARNING (g_object_set (sink, "format", 0, NULL));
  ASSERT_WARNING (g_object_set (sink, "compression-level", 0, NULL));
  g_object_get (sink, "format", &format, "compression-level", &level, NULL);
  fail_unless_equals_int (format, 1);
  fail_unless_equals_int (level, 5);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
}

GST_END_TEST;

/* 24-bit samples in S32LE (depth=24 in the caps, as a 24-bit ADC's driver
 * gives them): 24-bit FLAC, every bit kept; one with a low byte set is an
 * ERROR, never cut to 24 bits */
static Run *
push_s32 (const gchar *dir, gboolean low_bits)
{
  gchar *desc = g_strdup_printf (
      "appsrc name=src format=time caps=audio/x-raw,format=S32LE,rate=48000,"
      "channels=1,layout=interleaved,depth=24 ! segmentsink format=flac "
      "location=%s",
      dir);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstBuffer *b = gst_buffer_new_allocate (NULL, 48000 * 4, NULL);
  GstMapInfo map;

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  for (guint i = 0; i < 48000; i++) {
    gint32 v = (gint32)((i * 7919u) % (1u << 24)) - (1 << 23);
    guint32 u = ((guint32)v << 8) | (low_bits && i == 1000 ? 1 : 0);

    for (guint k = 0; k < 4; k++)
      map.data[4 * i + k] = (u >> (8 * k)) & 0xff;
  }
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = 0;
  gst_app_src_push_buffer (GST_APP_SRC (src), b);
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  gst_object_unref (src);
  g_free (desc);
  return run_pipeline (pipeline, 30000, NULL, NULL);
}

GST_START_TEST (test_24_bits_in_32)
{
  Run *run = push_s32 (test_dir, FALSE);
  GPtrArray *files = names_with (test_dir, ".flac");
  gchar *path, *raw = NULL, *text;
  gsize len;

  fail_unless (run->eos);
  fail_unless_equals_int (files->len, 1);
  path = g_build_filename (test_dir, files->pdata[0], NULL);
  {
    gchar *out = g_build_filename (test_dir, "samples.raw", NULL);
    const gchar *bps[] = { "metaflac", "--show-bps", path, NULL };
    const gchar *dec[] = { "flac", "-s", "-d", "--force-raw-format",
      "--endian=little", "--sign=signed", "-o", out, path, NULL };

    fail_unless_equals_uint64 (tool_u64 (bps), 24);
    assert_flac_t (path);
    fail_unless (tool (NULL, dec));
    fail_unless (g_file_get_contents (out, &raw, &len, NULL));
    g_free (out);
  }
  /* raw 24-bit little-endian samples: the ones sent, shifted */
  fail_unless_equals_uint64 (len, 48000 * 3);
  for (guint i = 0; i < 48000; i++) {
    gint32 v = (gint32)((i * 7919u) % (1u << 24)) - (1 << 23);
    guint32 got = (guint8)raw[3 * i] | ((guint8)raw[3 * i + 1] << 8)
                  | ((guint32)(guint8)raw[3 * i + 2] << 16);

    fail_unless_equals_int (got, (guint32)v & 0xffffff);
  }
  g_free (raw);
  g_free (path);
  g_ptr_array_unref (files);
  run_free (run);
  rm_rf (test_dir);
  g_mkdir (test_dir, 0755);

  run = push_s32 (test_dir, TRUE);
  fail_unless (run->error != NULL);
  text = message_text (run->error);
  fail_unless (strstr (text, "24 bits") != NULL, "%s", text);
  g_free (text);
  run_free (run);
}

GST_END_TEST;

/* A recorder SIGKILLed mid-segment: its torn FLAC is repaired at the next
 * start, promoted, and passes flac -t */
GST_START_TEST (test_sigkilled_recorder_repaired)
{
  gchar *staging = g_build_filename (test_dir, ".buffer", NULL);
  gchar *location = g_strdup_printf ("location=%s", test_dir);
  const gchar *argv[] = { "gst-launch-1.0", "-q", "audiotestsrc",
    "is-live=true", "samplesperbuffer=4800", "wave=pink-noise", "!",
    "audio/x-raw,format=S16LE,rate=48000,channels=1", "!", "segmentsink",
    "format=flac", "segment-duration=600000000000", location, NULL };
  GPid pid;
  gint status;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  GPtrArray *orphans = NULL, *files;
  Run *run;
  GList *recovered;
  gchar *desc, *path;
  guint64 samples;

  if (!PLUGIN_RUNS_IN_CHILDREN) {
    g_printerr ("SKIP test_sigkilled_recorder_repaired: it kills a "
                "gst-launch-1.0, which cannot load the plugin under ASan\n");
    g_free (staging);
    g_free (location);
    return;
  }

  fail_unless (g_spawn_async (NULL, (gchar **)argv, NULL,
      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
          | G_SPAWN_STDOUT_TO_DEV_NULL,
      NULL, NULL, &pid, NULL));
  /* until a few frames are in the staging file (a second of audio) */
  for (;;) {
    GStatBuf st;
    gchar *p;

    g_clear_pointer (&orphans, g_ptr_array_unref);
    orphans = names_with (staging, ".flac");
    p = orphans->len == 1 ? g_build_filename (staging, orphans->pdata[0], NULL)
                          : NULL;
    if (p != NULL && g_stat (p, &st) == 0 && st.st_size > 60000) {
      g_free (p);
      break;
    }
    g_free (p);
    fail_unless (g_get_monotonic_time () < deadline, "no staging file grew");
    g_usleep (50000);
  }
  kill (pid, SIGKILL);
  fail_unless (waitpid (pid, &status, 0) == pid);
  g_spawn_close_pid (pid);

  desc = g_strdup_printf ("audiotestsrc num-buffers=1 ! audio/x-raw,"
                          "format=S16LE,rate=48000,channels=1 ! segmentsink "
                          "format=flac location=%s",
      test_dir);
  run = run_launch (desc, 30000, NULL, NULL);
  fail_unless (run->eos);
  recovered = messages_named (run, "segmentsink-recovered", NULL);
  fail_unless_equals_int (g_list_length (recovered), 1);
  fail_unless (gst_structure_get_uint64 (
      gst_message_get_structure (recovered->data), "samples", &samples));
  fail_unless (samples >= 4096, "%" G_GUINT64_FORMAT, samples);
  fail_unless_equals_int (samples % 4096, 0); /* whole libFLAC blocks */
  path = g_build_filename (test_dir, orphans->pdata[0], NULL);
  assert_flac_t (path);
  fail_unless_equals_uint64 (flac_samples (path), samples);
  fail_unless_equals_int (count_entries (staging), 0);
  files = names_with (test_dir, ".flac");
  fail_unless_equals_int (files->len, 2); /* and the new run's segment */

  g_free (path);
  g_list_free (recovered);
  g_ptr_array_unref (orphans);
  g_ptr_array_unref (files);
  run_free (run);
  g_free (desc);
  g_free (location);
  g_free (staging);
}

GST_END_TEST;

/* A full disk: an ERROR naming the file; what made it is in whole FLAC
 * files in the data directory, the samples the messages say */
GST_START_TEST (test_disk_full)
{
  gchar *mnt = mount_tmpfs ("512k", "test_disk_full");
  gchar *staging, *desc, *text;
  GPtrArray *files;
  GList *promoted;
  guint64 total = 0, told = 0;
  Run *run;

  if (mnt == NULL)
    return;
  staging = g_build_filename (mnt, ".buffer", NULL);
  /* white noise: FLAC cannot make it smaller */
  desc = g_strdup_printf (
      "audiotestsrc num-buffers=100 samplesperbuffer=4800 wave=white-noise "
      "! audio/x-raw,format=S16LE,rate=48000,channels=1 ! segmentsink "
      "format=flac location=%s segment-duration=2000000000",
      mnt);
  run = run_launch (desc, 30000, NULL, NULL);
  fail_unless (run->error != NULL);
  text = message_text (run->error);
  fail_unless (strstr (text, "No space left on device") != NULL, "%s", text);
  fail_unless (strstr (text, staging) != NULL, "%s", text);
  g_free (text);

  files = names_with (mnt, ".flac");
  fail_unless (files->len >= 2);
  for (guint i = 0; i < files->len; i++) {
    gchar *path = g_build_filename (mnt, files->pdata[i], NULL);

    assert_flac_t (path);
    total += flac_samples (path);
    g_free (path);
  }
  promoted = messages_named (run, "segmentsink-promoted", NULL);
  for (GList *l = promoted; l; l = l->next) {
    guint64 n;
    fail_unless (gst_structure_get_uint64 (
        gst_message_get_structure (l->data), "samples", &n));
    told += n;
  }
  fail_unless_equals_uint64 (told, total);
  fail_unless (total > 48000 * 3, "%" G_GUINT64_FORMAT, total);
  fail_unless_equals_int (count_entries (staging), 0);

  g_list_free (promoted);
  g_ptr_array_unref (files);
  run_free (run);
  g_free (staging);
  g_free (desc);
  unmount_tmpfs (mnt);
}

GST_END_TEST;

/* Retention with a raw FLAC stream beside a processed WAV one: the pairs
 * go together (same names but the extension), the newest are kept */
GST_START_TEST (test_retention_flac_beside_wav)
{
  gchar *mnt = mount_tmpfs ("8m", "test_retention_flac_beside_wav");
  gchar *raw, *processed, *desc;
  const gchar *props = "segment-duration=200000000 retention=true "
                       "min-free-space=2097152 min-age=0";
  GPtrArray *raw_names, *proc_names;
  GList *deleted, *promoted;
  Run *run;

  if (mnt == NULL)
    return;
  raw = g_build_filename (mnt, "raw", NULL);
  processed = g_build_filename (mnt, "processed", NULL);
  /* 150 s of white noise, 96 + 32 kB/s through 8 MiB */
  desc = g_strdup_printf (
      "audiotestsrc num-buffers=1500 samplesperbuffer=4800 wave=white-noise "
      "! audio/x-raw,format=S16LE,rate=48000,channels=1 ! tee name=t "
      "t. ! queue ! segmentsink name=raw format=flac location=%s %s "
      "t. ! queue ! audioresample ! audio/x-raw,rate=16000 ! "
      "segmentsink name=processed location=%s %s",
      raw, props, processed, props);
  run = run_launch (desc, 120000, NULL, NULL);
  fail_unless (
      run->error == NULL, "%s", run->error ? message_text (run->error) : "");
  fail_unless (run->eos);
  deleted = messages_named (run, "segmentsink-deleted", NULL);
  promoted = messages_named (run, "segmentsink-promoted", "raw");
  fail_unless (g_list_length (deleted) > 0);
  fail_unless_equals_int (g_list_length (promoted), 750);

  raw_names = names_with (raw, ".flac");
  proc_names = names_with (processed, ".wav");
  fail_unless (raw_names->len > 10 && raw_names->len < 750);
  fail_unless_equals_int (raw_names->len, proc_names->len);
  for (guint i = 0; i < raw_names->len; i++) {
    gchar *a = stem (raw_names->pdata[i]), *b = stem (proc_names->pdata[i]);

    fail_unless_equals_string (a, b);
    g_free (a);
    g_free (b);
  }
  /* the newest kept: the last one is the last promoted */
  fail_unless (g_str_has_suffix (
      gst_structure_get_string (
          gst_message_get_structure (g_list_last (promoted)->data), "location"),
      raw_names->pdata[raw_names->len - 1]));
  {
    gchar *path = g_build_filename (raw, raw_names->pdata[0], NULL);
    assert_flac_t (path);
    fail_unless_equals_uint64 (flac_samples (path), 9600);
    g_free (path);
  }

  g_list_free (deleted);
  g_list_free (promoted);
  g_ptr_array_unref (raw_names);
  g_ptr_array_unref (proc_names);
  run_free (run);
  g_free (desc);
  g_free (raw);
  g_free (processed);
  unmount_tmpfs (mnt);
}

GST_END_TEST;

static Suite *
flac_suite (void)
{
  Suite *s = suite_create ("segmentsink-flac");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 150);
  tcase_add_checked_fixture (tc, make_test_dir, remove_test_dir);
  tcase_add_test (tc, test_exact_samples_per_segment);
  tcase_add_test (tc, test_round_trip_to_the_wav_twin);
  tcase_add_test (tc, test_vorbis_comments);
  tcase_add_test (tc, test_f32_refused);
  tcase_add_test (tc, test_template_and_format);
  tcase_add_test (tc, test_fixed_while_running);
  tcase_add_test (tc, test_24_bits_in_32);
  tcase_add_test (tc, test_sigkilled_recorder_repaired);
  tcase_add_test (tc, test_disk_full);
  tcase_add_test (tc, test_retention_flac_beside_wav);
  return s;
}

GST_CHECK_MAIN (flac);
