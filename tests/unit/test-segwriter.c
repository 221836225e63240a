/* Unit tests: the segment writer's settings and its planning, with no
 * pipeline. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ffc-promote.h"
#include "ffc-segwriter.h"

#define NS G_GUINT64_CONSTANT (1000000000)

static void
config_defaults (FfcSegwriterConfig *c, const gchar *location)
{
  ffc_segwriter_config_init (c);
  c->location = g_strdup (location);
  c->segment_duration = 60 * G_GUINT64_CONSTANT (1000000000);
  c->filename = g_strdup ("%Y-%m-%dT%H-%M-%SZ_{duration}s_{run}_{seq}.wav");
  c->fsync = TRUE;
}

static void
test_duration_range (void)
{
  GError *error = NULL;

  g_assert_true (ffc_segwriter_duration_valid (10000000, NULL));
  g_assert_true (ffc_segwriter_duration_valid (86400000000000, NULL));
  g_assert_false (ffc_segwriter_duration_valid (9999999, &error));
  g_assert_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_SETTINGS);
  g_assert_nonnull (strstr (error->message, "9999999 ns"));
  g_clear_error (&error);
  g_assert_false (ffc_segwriter_duration_valid (0, &error));
  g_assert_nonnull (strstr (error->message, "segment-duration 0 ns"));
  g_clear_error (&error);
  g_assert_false (ffc_segwriter_duration_valid (86400000000001, NULL));
}

static void
test_rate_range (void)
{
  GError *error = NULL;

  g_assert_true (ffc_segwriter_rate_valid (1000, NULL));
  g_assert_true (ffc_segwriter_rate_valid (1536000, NULL));
  g_assert_false (ffc_segwriter_rate_valid (999, NULL));
  g_assert_false (ffc_segwriter_rate_valid (1536001, &error));
  g_assert_nonnull (strstr (error->message, "1536001 Hz"));
  g_clear_error (&error);
  g_assert_false (ffc_segwriter_rate_valid (1000000000, NULL));
}

static void
test_place (void)
{
  gdouble lat, lon;
  GError *error = NULL;

  /* NaN is unknown, not out of range */
  g_assert_true (ffc_segwriter_place_valid (NULL, NAN, &lat, &lon, NULL));
  g_assert_true (isnan (lat) && isnan (lon));
  g_assert_true (
      ffc_segwriter_place_valid ("52.5,13.25", -11000, &lat, &lon, NULL));
  g_assert_cmpfloat (lat, ==, 52.5);
  g_assert_true (ffc_segwriter_place_valid (NULL, 100000, NULL, NULL, NULL));
  g_assert_false (ffc_segwriter_place_valid (NULL, 100001, NULL, NULL, &error));
  g_assert_nonnull (strstr (error->message, "elevation 100001 m"));
  g_clear_error (&error);
  g_assert_false (
      ffc_segwriter_place_valid (NULL, -INFINITY, NULL, NULL, NULL));
  g_assert_false (ffc_segwriter_place_valid ("abc", NAN, NULL, NULL, NULL));
}

static void
test_config_check (void)
{
  gchar *root = g_dir_make_tmp ("ffc-segwriter-XXXXXX", NULL);
  gchar *deep = g_build_filename (root, "a", "b", "data", NULL);
  FfcSegwriterConfig c, copy;
  GError *error = NULL;
  gchar *staging;

  /* not there yet, and fine: nothing is made by the check */
  config_defaults (&c, deep);
  g_assert_true (ffc_segwriter_config_check (&c, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (deep, G_FILE_TEST_EXISTS));
  staging = ffc_segwriter_config_staging (&c);
  g_assert_true (g_str_has_suffix (staging, "/data/.buffer"));
  g_free (staging);

  /* a snapshot is a deep copy */
  ffc_segwriter_config_copy (&copy, &c);
  g_free (c.filename);
  c.filename = g_strdup ("other_{seq}.wav");
  g_assert_cmpstr (copy.filename, !=, c.filename);
  ffc_segwriter_config_clear (&copy);

  g_free (c.location);
  c.location = NULL;
  g_assert_false (ffc_segwriter_config_check (&c, &error));
  g_assert_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  c.location = g_strdup (deep);

  c.segment_duration = 0;
  g_assert_false (ffc_segwriter_config_check (&c, &error));
  g_assert_nonnull (strstr (error->message, "segment-duration 0 ns"));
  g_clear_error (&error);
  c.segment_duration = 1000000000;

  c.run_id = g_strdup ("cafe");
  g_assert_false (ffc_segwriter_config_check (&c, &error));
  g_assert_nonnull (strstr (error->message, "run-id \"cafe\""));
  g_clear_error (&error);
  g_clear_pointer (&c.run_id, g_free);

  c.elevation = 2e7;
  g_assert_false (ffc_segwriter_config_check (&c, &error));
  g_clear_error (&error);
  c.elevation = NAN;

  g_free (c.filename);
  c.filename = g_strdup ("same.wav");
  g_assert_false (ffc_segwriter_config_check (&c, &error));
  g_clear_error (&error);
  g_free (c.filename);
  c.filename = g_strdup ("{seq}.wav");

  /* staging on another filesystem: refused before anything is created */
  if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR)
      && !ffc_paths_same_filesystem (root, "/dev/shm")) {
    gchar *shm = g_strdup_printf ("/dev/shm/ffc-segwriter-%d/x", getpid ());

    c.staging_location = shm;
    g_assert_false (ffc_segwriter_config_check (&c, &error));
    g_assert_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_SETTINGS);
    g_assert_nonnull (strstr (error->message, "not on the same filesystem"));
    g_clear_error (&error);
    g_assert_false (g_file_test (shm, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (deep, G_FILE_TEST_EXISTS));
  }
  ffc_segwriter_config_clear (&c);
  g_free (deep);
  g_rmdir (root);
  g_free (root);
}

/* ---- the planner ---- */

static FfcSegmentPlan
plan (guint64 duration_ns, guint rate, gboolean align, gboolean continuing,
    gint64 start_wall_us, gdouble drift_ppm)
{
  FfcSegmentPlanInput in = { duration_ns, rate, align, continuing,
    start_wall_us, drift_ppm };

  return ffc_segment_plan (&in);
}

static void
test_plan_lengths (void)
{
  /* duration × rate, exactly, at every rate */
  g_assert_cmpuint (plan (NS, 48000, FALSE, FALSE, 0, 0).frames, ==, 48000);
  g_assert_cmpuint (
      plan (60 * NS, 384000, FALSE, FALSE, 0, 0).frames, ==, 23040000);
  g_assert_cmpuint (plan (NS / 4, 44100, FALSE, FALSE, 0, 0).frames, ==, 11025);
  /* rounded, not truncated: 1/3 s at 1000 Hz is 333.33, 2/3 s 666.67 */
  g_assert_cmpuint (plan (NS / 3, 1000, FALSE, FALSE, 0, 0).frames, ==, 333);
  g_assert_cmpuint (
      plan (2 * NS / 3 + 1, 1000, FALSE, FALSE, 0, 0).frames, ==, 667);
  /* 24 h at 1.536 MHz does not overflow */
  g_assert_cmpuint (plan (FFC_SEGWRITER_MAX_DURATION, FFC_SEGWRITER_MAX_RATE,
                        FALSE, FALSE, 0, 0)
                        .frames,
      ==, G_GUINT64_CONSTANT (86400) * 1536000);
  /* never empty */
  g_assert_cmpuint (plan (1, 1000, FALSE, FALSE, 0, 0).frames, ==, 1);
  /* without align the name is the first sample's time, as it is */
  g_assert_cmpint (
      plan (NS, 48000, FALSE, TRUE, 1234567, 0).name_wall_us, ==, 1234567);
}

static void
test_plan_align (void)
{
  const gint64 t0 = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  FfcSegmentPlan p;

  /* 0.25 s past a second: the first segment runs to the next second */
  p = plan (NS, 48000, TRUE, FALSE, t0 + 250000, 0);
  g_assert_cmpuint (p.frames, ==, 36000);
  g_assert_cmpint (p.name_wall_us, ==, t0 + 250000);
  /* ... the same for every rate of a pair */
  g_assert_cmpuint (
      plan (NS, 44100, TRUE, FALSE, t0 + 250000, 0).frames, ==, 33075);
  g_assert_cmpuint (
      plan (NS, 384000, TRUE, FALSE, t0 + 250000, 0).frames, ==, 288000);
  /* on the boundary: a whole segment */
  g_assert_cmpuint (plan (NS, 48000, TRUE, FALSE, t0, 0).frames, ==, 48000);
  /* counted in the capture's samples: a device 100 ppm fast has 3.6 more
   * in 0.75 s */
  g_assert_cmpuint (
      plan (NS, 48000, TRUE, FALSE, t0 + 250000, 100).frames, ==, 36004);
  /* a continuing segment is named by the multiple it starts near, from
   * either side, whatever the rate */
  g_assert_cmpint (
      plan (NS, 48000, TRUE, TRUE, t0 + NS / 1000 - 10, 0).name_wall_us, ==,
      t0 + NS / 1000);
  g_assert_cmpint (
      plan (NS, 44100, TRUE, TRUE, t0 + 11, 0).name_wall_us, ==, t0);
  g_assert_cmpuint (plan (NS, 48000, TRUE, TRUE, t0 + 11, 0).frames, ==, 48000);
  /* minutes: 59.99999 s is the minute, not the one before */
  g_assert_cmpint (
      plan (60 * NS, 48000, TRUE, TRUE, t0 - t0 % (60 * G_USEC_PER_SEC) - 10, 0)
          .name_wall_us,
      ==, t0 - t0 % (60 * G_USEC_PER_SEC));
}

static void
test_discont (void)
{
  /* a jump of more than one sample, either way, or the flag */
  g_assert_false (ffc_segment_discont (NS, NS, 48000, FALSE));
  g_assert_false (ffc_segment_discont (NS, NS + 20833, 48000, FALSE));
  g_assert_true (ffc_segment_discont (NS, NS + 20834, 48000, FALSE));
  g_assert_true (ffc_segment_discont (NS, NS - 20834, 48000, FALSE));
  g_assert_true (ffc_segment_discont (NS, NS, 48000, TRUE));
  /* a GAP ends the segment when it starts within a sample of the end of
   * the audio and lasts a sample or more */
  g_assert_true (ffc_segment_gap_ends (NS, NS, NS / 10, 48000));
  g_assert_true (ffc_segment_gap_ends (NS, NS - 20833, 20834, 48000));
  g_assert_true (ffc_segment_gap_ends (NS, NS + 20833, NS / 10, 48000));
  g_assert_false (ffc_segment_gap_ends (NS, NS - 20834, NS / 10, 48000));
  /* later: audio a filter holds is still to come (audioresample's 31
   * samples at 48 kHz) */
  g_assert_false (ffc_segment_gap_ends (NS, NS + 645833, NS / 10, 48000));
  g_assert_false (ffc_segment_gap_ends (NS, NS, 20000, 48000));
  g_assert_false (ffc_segment_gap_ends (NS, NS, 0, 48000));
  /* renamed at close only when begun on an unsettled model */
  g_assert_true (ffc_segment_rename_at_close (FALSE, TRUE));
  g_assert_false (ffc_segment_rename_at_close (TRUE, TRUE));
  g_assert_false (ffc_segment_rename_at_close (TRUE, FALSE));
}

/* ---- the writer, on real directories ---- */

typedef struct {
  GPtrArray *promoted; /* basenames */
  GArray *samples;
  GPtrArray *starts;
  GPtrArray *warnings;
  guint recovered;
  guint low_space;
} Seen;

static void
seen_init (Seen *seen)
{
  seen->promoted = g_ptr_array_new_with_free_func (g_free);
  seen->samples = g_array_new (FALSE, FALSE, sizeof (guint64));
  seen->starts = g_ptr_array_new_with_free_func (g_free);
  seen->warnings = g_ptr_array_new_with_free_func (g_free);
  seen->recovered = 0;
  seen->low_space = 0;
}

static void
seen_clear (Seen *seen)
{
  g_ptr_array_unref (seen->promoted);
  g_array_unref (seen->samples);
  g_ptr_array_unref (seen->starts);
  g_ptr_array_unref (seen->warnings);
}

static void
on_event (const FfcSegwriterEvent *e, gpointer data)
{
  Seen *seen = data;

  switch (e->type) {
    case FFC_SEGWRITER_PROMOTED:
      g_ptr_array_add (seen->promoted, g_path_get_basename (e->location));
      g_array_append_val (seen->samples, e->samples);
      g_ptr_array_add (seen->starts, g_strdup (e->start_time));
      break;
    case FFC_SEGWRITER_RECOVERED:
      seen->recovered++;
      break;
    case FFC_SEGWRITER_LOW_SPACE:
      g_assert_cmpint (e->code, ==, FFC_SEGWRITER_ERROR_NO_SPACE);
      g_assert_nonnull (strstr (e->message, "retention is off"));
      seen->low_space++;
      break;
    case FFC_SEGWRITER_WARNING:
      g_ptr_array_add (seen->warnings, g_strdup (e->message));
      break;
    default:
      break;
  }
}

static FfcSegwriter *
writer_new (FfcSegwriterConfig *c, const FfcContainerClass *container,
    gconstpointer scope, Seen *seen, guint rate, gint64 origin_us)
{
  GError *error = NULL;
  FfcSegwriter *w =
      ffc_segwriter_new (c, container, scope, on_event, seen, &error);

  g_assert_no_error (error);
  g_assert_true (
      ffc_segwriter_set_format (w, FFC_SAMPLE_S16LE, rate, 1, &error));
  g_assert_no_error (error);
  ffc_segwriter_set_origin (w, origin_us);
  return w;
}

/* Writes `n` buffers of `frames` zero frames, contiguous from rt 0 */
static void
write_buffers (FfcSegwriter *w, guint rate, guint n, guint frames)
{
  guint8 *data = g_malloc0 (frames * 2);
  GError *error = NULL;

  for (guint i = 0; i < n; i++) {
    guint64 rt = (guint64)i * frames * NS / rate;

    g_assert_true (ffc_segwriter_write (
        w, rt, FFC_SEGWRITER_NONE, FALSE, data, frames * 2, &error));
    g_assert_no_error (error);
  }
  g_free (data);
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

static void
rm_tree (const gchar *path)
{
  gchar *argv[] = { "rm", "-rf", (gchar *)path, NULL };

  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
      NULL, NULL);
}

static void
test_writer_boundaries (void)
{
  gchar *root = g_dir_make_tmp ("ffc-segwriter-XXXXXX", NULL);
  gchar *staging = g_build_filename (root, ".buffer", NULL);
  FfcSegwriterConfig c;
  GError *error = NULL;
  FfcSegwriter *w;
  Seen seen;

  /* 50 buffers of 1000 frames, segments of 12000: boundaries inside
   * buffers, and the last one shorter */
  config_defaults (&c, root);
  c.segment_duration = NS / 4;
  g_free (c.filename);
  c.filename = g_strdup ("seg_{seq}.wav");
  c.fsync = FALSE;
  seen_init (&seen);
  w = writer_new (&c, &ffc_container_wav, &c, &seen, 48000,
      G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC);
  /* the snapshot: a later change of the config changes nothing */
  g_free (c.filename);
  c.filename = g_strdup ("other_{seq}.wav");
  c.segment_duration = NS;
  write_buffers (w, 48000, 50, 1000);
  g_assert_true (ffc_segwriter_finish (w, &error));
  g_assert_no_error (error);
  ffc_segwriter_free (w);

  g_assert_cmpuint (seen.promoted->len, ==, 5);
  for (guint i = 0; i < 5; i++) {
    gchar *expect = g_strdup_printf ("seg_%08u.wav", i);

    g_assert_cmpstr (seen.promoted->pdata[i], ==, expect);
    g_assert_cmpuint (
        g_array_index (seen.samples, guint64, i), ==, i < 4 ? 12000 : 2000);
    g_free (expect);
  }
  g_assert_cmpstr (seen.starts->pdata[1], ==, "2023-11-14T22:13:20.250000Z");
  g_assert_cmpuint (count_entries (staging), ==, 0);
  g_assert_cmpuint (seen.warnings->len, ==, 0);

  seen_clear (&seen);
  ffc_segwriter_config_clear (&c);
  rm_tree (root);
  g_free (staging);
  g_free (root);
}

/* A writer of 10 s WAV segments at 48 kHz mono S16 into a new scratch
 * directory (*root), no fsync, origin at the epoch */
static FfcSegwriter *
scratch_writer (gchar **root, FfcSegwriterConfig *c, Seen *seen)
{
  *root = g_dir_make_tmp ("ffc-segwriter-XXXXXX", NULL);
  config_defaults (c, *root);
  c->segment_duration = 10 * NS;
  c->fsync = FALSE;
  seen_init (seen);
  return writer_new (c, &ffc_container_wav, c, seen, 48000, 0);
}

static void
scratch_clear (gchar *root, FfcSegwriterConfig *c, Seen *seen)
{
  seen_clear (seen);
  ffc_segwriter_config_clear (c);
  rm_tree (root);
  g_free (root);
}

static void
test_writer_discontinuity (void)
{
  guint8 data[4800 * 2] = { 0 };
  FfcSegwriterConfig c;
  GError *error = NULL;
  gchar *root;
  Seen seen;
  FfcSegwriter *w = scratch_writer (&root, &c, &seen);

  /* 0.1 s buffers at 0, 0.1, then 0.7 s (a gap), then one without time */
  g_assert_true (ffc_segwriter_write (
      w, 0, FFC_SEGWRITER_NONE, TRUE, data, sizeof (data), &error));
  g_assert_true (ffc_segwriter_write (
      w, NS / 10, FFC_SEGWRITER_NONE, FALSE, data, sizeof (data), &error));
  g_assert_true (ffc_segwriter_write (
      w, 7 * NS / 10, FFC_SEGWRITER_NONE, FALSE, data, sizeof (data), &error));
  g_assert_true (ffc_segwriter_write (w, FFC_SEGWRITER_NONE, FFC_SEGWRITER_NONE,
      FALSE, data, sizeof (data), &error));
  g_assert_cmpuint (ffc_segwriter_expected_running_time (w), ==, 9 * NS / 10);
  g_assert_true (ffc_segwriter_finish (w, &error));
  g_assert_no_error (error);
  ffc_segwriter_free (w);
  g_assert_cmpuint (seen.promoted->len, ==, 2);
  g_assert_cmpuint (g_array_index (seen.samples, guint64, 0), ==, 9600);
  g_assert_cmpuint (g_array_index (seen.samples, guint64, 1), ==, 9600);
  g_assert_cmpstr (seen.starts->pdata[1], ==, "1970-01-01T00:00:00.700000Z");

  scratch_clear (root, &c, &seen);
}

/* A GAP after the audio ends the segment at once (the file is in the data
 * directory before any more audio comes); one inside the audio written,
 * or too short, does not; the audio after it opens a new segment. */
static void
test_writer_gap (void)
{
  guint8 data[4800 * 2] = { 0 };
  FfcSegwriterConfig c;
  GError *error = NULL;
  gchar *root;
  Seen seen;
  FfcSegwriter *w = scratch_writer (&root, &c, &seen);

  /* no segment open: nothing to end */
  g_assert_true (ffc_segwriter_gap (w, 0, NS / 10, &error));
  g_assert_true (ffc_segwriter_write (
      w, NS / 10, FFC_SEGWRITER_NONE, TRUE, data, sizeof (data), &error));
  g_assert_true (ffc_segwriter_write (
      w, 2 * NS / 10, FFC_SEGWRITER_NONE, FALSE, data, sizeof (data), &error));
  /* inside what was written, or shorter than a sample: no end */
  g_assert_true (ffc_segwriter_gap (w, NS / 10, NS / 10, &error));
  g_assert_true (ffc_segwriter_gap (w, 3 * NS / 10, 20000, &error));
  g_assert_cmpuint (seen.promoted->len, ==, 0);
  /* after the audio: the event's file is promoted now */
  g_assert_true (ffc_segwriter_gap (w, 3 * NS / 10, NS / 10, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen.promoted->len, ==, 1);
  g_assert_cmpuint (g_array_index (seen.samples, guint64, 0), ==, 9600);
  g_assert_cmpuint (count_entries (root), ==, 2); /* the file and staging */
  /* the next GAP has nothing more to end */
  g_assert_true (ffc_segwriter_gap (w, 4 * NS / 10, NS / 10, &error));
  g_assert_cmpuint (seen.promoted->len, ==, 1);
  /* the next event: a segment of its own, named by its start */
  g_assert_true (ffc_segwriter_write (
      w, 9 * NS / 10, FFC_SEGWRITER_NONE, TRUE, data, sizeof (data), &error));
  g_assert_true (ffc_segwriter_finish (w, &error));
  g_assert_no_error (error);
  ffc_segwriter_free (w);
  g_assert_cmpuint (seen.promoted->len, ==, 2);
  g_assert_cmpuint (g_array_index (seen.samples, guint64, 1), ==, 4800);
  g_assert_cmpstr (seen.starts->pdata[1], ==, "1970-01-01T00:00:00.900000Z");

  scratch_clear (root, &c, &seen);
}

/* A raw and a processed stream of one capture at different rates, with
 * align: the same names, and every segment after the first on the second */
static void
test_writer_align_across_rates (void)
{
  gchar *root = g_dir_make_tmp ("ffc-segwriter-XXXXXX", NULL);
  gchar *a = g_build_filename (root, "a", NULL);
  gchar *b = g_build_filename (root, "b", NULL);
  const gint64 origin =
      G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC + 300000;
  FfcSegwriterConfig ca, cb;
  GError *error = NULL;
  FfcSegwriter *wa, *wb;
  Seen sa, sb;
  gint scope;

  config_defaults (&ca, a);
  config_defaults (&cb, b);
  ca.segment_duration = cb.segment_duration = NS;
  ca.align = cb.align = TRUE;
  ca.fsync = cb.fsync = FALSE;
  seen_init (&sa);
  seen_init (&sb);
  wa = writer_new (&ca, &ffc_container_wav, &scope, &sa, 48000, origin);
  wb = writer_new (&cb, &ffc_container_wav, &scope, &sb, 44100, origin);
  /* one pair: one run id */
  g_assert_cmpstr (ffc_segwriter_run_id (wa), ==, ffc_segwriter_run_id (wb));
  write_buffers (wa, 48000, 40, 4800); /* 4 s */
  write_buffers (wb, 44100, 40, 4410);
  g_assert_true (ffc_segwriter_finish (wa, &error));
  g_assert_true (ffc_segwriter_finish (wb, &error));
  ffc_segwriter_free (wa);
  ffc_segwriter_free (wb);

  g_assert_cmpuint (sa.promoted->len, ==, 5);
  g_assert_cmpuint (sb.promoted->len, ==, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpstr (sa.promoted->pdata[i], ==, sb.promoted->pdata[i]);
  /* the first runs to the next second: 0.7 s */
  g_assert_cmpuint (g_array_index (sa.samples, guint64, 0), ==, 33600);
  g_assert_cmpuint (g_array_index (sb.samples, guint64, 0), ==, 30870);
  for (guint i = 1; i < 4; i++) {
    g_assert_cmpuint (g_array_index (sa.samples, guint64, i), ==, 48000);
    g_assert_cmpuint (g_array_index (sb.samples, guint64, i), ==, 44100);
    g_assert_true (g_str_has_suffix (sa.starts->pdata[i], ".000000Z"));
    g_assert_cmpstr (sa.starts->pdata[i], ==, sb.starts->pdata[i]);
  }

  seen_clear (&sa);
  seen_clear (&sb);
  ffc_segwriter_config_clear (&ca);
  ffc_segwriter_config_clear (&cb);
  rm_tree (root);
  g_free (a);
  g_free (b);
  g_free (root);
}

/* Begun on an unsettled model, a segment is named by the model in force
 * when it closes */
static void
test_writer_rename_at_close (void)
{
  gchar *root = g_dir_make_tmp ("ffc-segwriter-XXXXXX", NULL);
  const gint64 t0 = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  FfcTimeModel early = { 0, t0, 0, FALSE, FALSE, TRUE };
  FfcTimeModel settled = { 0, t0 + 2 * G_USEC_PER_SEC, 0, TRUE, TRUE, TRUE };
  FfcSegwriterConfig c;
  GError *error = NULL;
  FfcSegwriter *w;
  Seen seen;

  config_defaults (&c, root);
  c.segment_duration = NS;
  c.fsync = FALSE;
  g_free (c.filename);
  c.filename = g_strdup ("%H-%M-%S_{seq}.wav");
  seen_init (&seen);
  w = writer_new (&c, &ffc_container_wav, &c, &seen, 48000, 0);
  ffc_wall_map_set_model (ffc_segwriter_wall_map (w), &early);
  write_buffers (w, 48000, 5, 4800); /* half a segment */
  ffc_wall_map_set_model (ffc_segwriter_wall_map (w), &settled);
  g_assert_true (ffc_segwriter_finish (w, &error));
  g_assert_no_error (error);
  /* the next segment opens on the settled model: named as it opens */
  write_buffers (w, 48000, 1, 4800);
  g_assert_true (ffc_segwriter_finish (w, &error));
  ffc_segwriter_free (w);
  g_assert_cmpuint (seen.promoted->len, ==, 2);
  g_assert_cmpstr (seen.promoted->pdata[0], ==, "22-13-22_00000000.wav");
  g_assert_cmpstr (seen.promoted->pdata[1], ==, "22-13-22_00000001.wav");
  g_assert_cmpstr (seen.starts->pdata[0], ==, "2023-11-14T22:13:22.000000Z");

  seen_clear (&seen);
  ffc_segwriter_config_clear (&c);
  rm_tree (root);
  g_free (root);
}

/* Staging removed with a segment open: its content is saved from the
 * descriptor, with a warning, and nothing is lost */
static void
test_writer_rescue (void)
{
  gchar *root = g_dir_make_tmp ("ffc-segwriter-XXXXXX", NULL);
  gchar *staging = g_build_filename (root, ".buffer", NULL);
  FfcSegwriterConfig c;
  GError *error = NULL;
  FfcSegwriter *w;
  Seen seen;

  config_defaults (&c, root);
  c.segment_duration = 10 * NS;
  c.fsync = FALSE;
  seen_init (&seen);
  w = writer_new (&c, &ffc_container_wav, &c, &seen, 48000, 0);
  write_buffers (w, 48000, 5, 4800);
  rm_tree (staging);
  g_assert_true (ffc_segwriter_finish (w, &error));
  g_assert_no_error (error);
  ffc_segwriter_free (w);
  g_assert_cmpuint (seen.promoted->len, ==, 1);
  g_assert_cmpuint (g_array_index (seen.samples, guint64, 0), ==, 24000);
  g_assert_cmpuint (seen.warnings->len, ==, 2);
  g_assert_nonnull (strstr (seen.warnings->pdata[0], "was removed during"));
  g_assert_nonnull (
      strstr (seen.warnings->pdata[1], "was deleted while being written"));
  g_assert_true (g_file_test (staging, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (count_entries (staging), ==, 0);

  seen_clear (&seen);
  ffc_segwriter_config_clear (&c);
  rm_tree (root);
  g_free (staging);
  g_free (root);
}

/* A disk that fills: a WAV container whose writes stop after 30000 frames
 * with ENOSPC */
static guint64 full_after;

static gboolean
full_write (FfcContainer *c, const guint8 *data, guint64 frames, guint64 *done,
    GError **error)
{
  guint64 room = MIN (frames, full_after);

  if (!ffc_container_wav.write (c, data, room, done, error))
    return FALSE;
  full_after -= room;
  if (room == frames)
    return TRUE;
  g_set_error_literal (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_NO_SPACE,
      g_strerror (ENOSPC));
  return FALSE;
}

static void
test_writer_disk_full (void)
{
  gchar *root = g_dir_make_tmp ("ffc-segwriter-XXXXXX", NULL);
  gchar *staging = g_build_filename (root, ".buffer", NULL);
  FfcContainerClass full = ffc_container_wav;
  guint8 data[4800 * 2] = { 0 };
  FfcSegwriterConfig c;
  GError *error = NULL;
  FfcSegwriter *w;
  gboolean ok = TRUE;
  Seen seen;

  full.write = full_write;
  full_after = 30000;
  config_defaults (&c, root);
  c.segment_duration = NS / 2; /* 24000 frames */
  c.fsync = FALSE;
  seen_init (&seen);
  w = writer_new (&c, &full, &c, &seen, 48000, 0);
  for (guint i = 0; ok && i < 10; i++)
    ok = ffc_segwriter_write (
        w, i * NS / 10, FFC_SEGWRITER_NONE, FALSE, data, sizeof (data), &error);
  g_assert_false (ok);
  g_assert_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_NO_SPACE);
  /* the file and the directory named, and what was written kept */
  g_assert_nonnull (strstr (error->message, "No space left on device"));
  g_assert_nonnull (strstr (error->message, staging));
  g_assert_nonnull (strstr (error->message, "The filesystem of"));
  g_clear_error (&error);
  g_assert_true (ffc_segwriter_finish (w, &error));
  ffc_segwriter_free (w);
  g_assert_cmpuint (seen.promoted->len, ==, 2);
  g_assert_cmpuint (g_array_index (seen.samples, guint64, 0), ==, 24000);
  g_assert_cmpuint (g_array_index (seen.samples, guint64, 1), ==, 6000);
  g_assert_cmpuint (count_entries (staging), ==, 0);

  seen_clear (&seen);
  ffc_segwriter_config_clear (&c);
  rm_tree (root);
  g_free (staging);
  g_free (root);
}

/* A torn file in staging is recovered at start; a rate out of range is a
 * FORMAT error */
static void
test_writer_recover_and_format (void)
{
  gchar *root = g_dir_make_tmp ("ffc-segwriter-XXXXXX", NULL);
  gchar *staging = g_build_filename (root, ".buffer", NULL);
  gchar *path = g_build_filename (staging, "torn.wav", NULL);
  guint8 file[FFC_WAV_MAX_HEADER + 2000] = { 0 };
  FfcSegwriterConfig c;
  GError *error = NULL;
  FfcWavLayout l;
  FfcSegwriter *w;
  gsize hs;
  Seen seen;

  g_mkdir_with_parents (staging, 0755);
  hs =
      ffc_wav_header_init (&l, FFC_SAMPLE_S16LE, 48000, 1, NULL, 0, NULL, file);
  g_assert_true (g_file_set_contents (path, (gchar *)file, hs + 2001, NULL));
  config_defaults (&c, root);
  seen_init (&seen);
  w = ffc_segwriter_new (&c, &ffc_container_wav, &c, on_event, &seen, &error);
  g_assert_no_error (error);
  ffc_segwriter_recover (w);
  g_assert_cmpuint (seen.recovered, ==, 1);
  g_assert_false (
      ffc_segwriter_set_format (w, FFC_SAMPLE_S16LE, 999, 1, &error));
  g_assert_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "999 Hz"));
  g_clear_error (&error);
  ffc_segwriter_free (w);

  seen_clear (&seen);
  ffc_segwriter_config_clear (&c);
  rm_tree (root);
  g_free (path);
  g_free (staging);
  g_free (root);
}

/* Below min-free-space with retention off: told once, not at every
 * promotion */
static void
test_writer_low_space (void)
{
  gchar *root = g_dir_make_tmp ("ffc-segwriter-XXXXXX", NULL);
  FfcSegwriterConfig c;
  GError *error = NULL;
  FfcSegwriter *w;
  Seen seen;

  config_defaults (&c, root);
  c.segment_duration = NS / 10;
  c.fsync = FALSE;
  c.min_free_space = G_MAXUINT64 / 2; /* more than any disk */
  seen_init (&seen);
  w = writer_new (&c, &ffc_container_wav, &c, &seen, 48000, 0);
  write_buffers (w, 48000, 5, 4800);
  g_assert_true (ffc_segwriter_finish (w, &error));
  ffc_segwriter_free (w);
  g_assert_cmpuint (seen.promoted->len, ==, 5);
  g_assert_cmpuint (seen.low_space, ==, 1);

  seen_clear (&seen);
  ffc_segwriter_config_clear (&c);
  rm_tree (root);
  g_free (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/segwriter/duration-range", test_duration_range);
  g_test_add_func ("/segwriter/rate-range", test_rate_range);
  g_test_add_func ("/segwriter/place", test_place);
  g_test_add_func ("/segwriter/config-check", test_config_check);
  g_test_add_func ("/segwriter/plan-lengths", test_plan_lengths);
  g_test_add_func ("/segwriter/plan-align", test_plan_align);
  g_test_add_func ("/segwriter/discont", test_discont);
  g_test_add_func ("/segwriter/boundaries", test_writer_boundaries);
  g_test_add_func ("/segwriter/discontinuity", test_writer_discontinuity);
  g_test_add_func ("/segwriter/gap", test_writer_gap);
  g_test_add_func (
      "/segwriter/align-across-rates", test_writer_align_across_rates);
  g_test_add_func ("/segwriter/rename-at-close", test_writer_rename_at_close);
  g_test_add_func ("/segwriter/rescue", test_writer_rescue);
  g_test_add_func ("/segwriter/disk-full", test_writer_disk_full);
  g_test_add_func ("/segwriter/low-space", test_writer_low_space);
  g_test_add_func (
      "/segwriter/recover-and-format", test_writer_recover_and_format);
  return g_test_run ();
}
