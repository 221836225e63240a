/* Unit tests: the segment writer's settings and its planning, with no
 * pipeline. */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ffc-segwriter.h"

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/segwriter/duration-range", test_duration_range);
  g_test_add_func ("/segwriter/rate-range", test_rate_range);
  g_test_add_func ("/segwriter/place", test_place);
  g_test_add_func ("/segwriter/config-check", test_config_check);
  return g_test_run ();
}
