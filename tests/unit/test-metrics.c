/* Unit tests: the recorder's Prometheus metrics, their atomic write, and
 * the temperatures read from a thermal tree. */
#include <math.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "ffc-metrics.h"

#define T0 (G_GINT64_CONSTANT (1795490432) * G_USEC_PER_SEC)

static void
fill (FfcHealth *h)
{
  FfcStreamHealth *raw, *processed;

  memset (h, 0, sizeof *h);
  h->start_us = T0;
  h->now_us = T0 + 125 * G_USEC_PER_SEC;
  h->samples_pushed = 48000000;
  h->samples_dropped = 12;
  h->samples_lost = 3;
  h->gaps = 1;
  h->restarts = 2;
  h->device_present = TRUE;
  h->drift_ppm = -12.5;
  h->clock_synchronised = TRUE;
  raw = ffc_health_stream (h, "raw");
  raw->promoted = 2;
  raw->bytes_written = 92160000;
  raw->last_promoted_us = T0 + 120 * G_USEC_PER_SEC;
  processed = ffc_health_stream (h, "processed");
  processed->promoted = 2;
  processed->deleted = 1;
  h->have_free = TRUE;
  h->free_bytes = 123456789;
}

/* the sample line of name{labels}, or NULL */
static gchar *
sample (const gchar *text, const gchar *series)
{
  gchar **lines = g_strsplit (text, "\n", -1);
  gchar *value = NULL;
  gsize n = strlen (series);

  for (guint i = 0; lines[i] != NULL && value == NULL; i++)
    if (strncmp (lines[i], series, n) == 0 && lines[i][n] == ' ')
      value = g_strdup (lines[i] + n + 1);
  g_strfreev (lines);
  return value;
}

static void
assert_sample (const gchar *text, const gchar *series, const gchar *expected)
{
  gchar *v = sample (text, series);
  if (g_strcmp0 (v, expected) != 0)
    g_error ("%s: got %s, expected %s in\n%s", series, v, expected, text);
  g_free (v);
}

static void
test_format (void)
{
  FfcHealth h;
  gchar *text;

  fill (&h);
  text = ffc_metrics_format (&h);
  assert_sample (text, "ffcapture_samples_pushed_total", "48000000");
  assert_sample (text, "ffcapture_samples_dropped_total", "12");
  assert_sample (text, "ffcapture_samples_lost_total", "3");
  assert_sample (text, "ffcapture_gaps_total", "1");
  assert_sample (text, "ffcapture_restarts_total", "2");
  assert_sample (text, "ffcapture_device_present", "1");
  assert_sample (text, "ffcapture_drift_ppm", "-12.5");
  assert_sample (text, "ffcapture_clock_synchronised", "1");
  assert_sample (
      text, "ffcapture_segments_promoted_total{stream=\"raw\"}", "2");
  assert_sample (
      text, "ffcapture_segments_deleted_total{stream=\"processed\"}", "1");
  assert_sample (
      text, "ffcapture_bytes_written_total{stream=\"raw\"}", "92160000");
  assert_sample (
      text, "ffcapture_last_segment_age_seconds{stream=\"raw\"}", "5");
  /* none promoted yet: the recorder's age */
  assert_sample (
      text, "ffcapture_last_segment_age_seconds{stream=\"processed\"}", "125");
  assert_sample (text,
      "ffcapture_last_segment_timestamp_seconds{stream=\"raw\"}", "1795490552");
  assert_sample (text,
      "ffcapture_last_segment_timestamp_seconds{stream=\"processed\"}",
      "1795490432");
  assert_sample (text, "ffcapture_free_bytes", "123456789");
  assert_sample (text, "ffcapture_start_time_seconds", "1795490432");
  /* no branch, no thermal zone: no such series */
  g_assert_null (strstr (text, "ffcapture_stream_up"));
  g_assert_null (strstr (text, "ffcapture_temperature_celsius"));
  g_free (text);
}

/* every family: HELP then TYPE then its samples; counters end in _total;
 * every name begins ffcapture_ */
static void
test_families (void)
{
  FfcHealth h;
  gchar *text, **lines;
  GHashTable *seen =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gchar *current = NULL;

  fill (&h);
  h.have_branch = TRUE;
  g_strlcpy (h.branch_name, "icecast", sizeof h.branch_name);
  h.branch_up = TRUE;
  h.branch_restarts = 4;
  h.n_zones = 1;
  g_strlcpy (h.zones[0].zone, "thermal_zone0", sizeof h.zones[0].zone);
  g_strlcpy (h.zones[0].type, "cpu\"thermal", sizeof h.zones[0].type);
  h.zones[0].celsius = 48.3;
  text = ffc_metrics_format (&h);
  assert_sample (text, "ffcapture_stream_up{branch=\"icecast\"}", "1");
  assert_sample (
      text, "ffcapture_stream_restarts_total{branch=\"icecast\"}", "4");
  /* a quote in a label value is escaped */
  assert_sample (text,
      "ffcapture_temperature_celsius{zone=\"thermal_zone0\",type="
      "\"cpu\\\"thermal\"}",
      "48.3");

  g_assert_true (g_str_has_suffix (text, "\n"));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
    gchar **w = g_strsplit (lines[i], " ", 4);
    if (g_str_equal (w[0], "#")) {
      g_assert_true (g_str_has_prefix (w[2], "ffcapture_"));
      if (g_str_equal (w[1], "HELP")) {
        g_assert_false (g_hash_table_contains (seen, w[2]));
        g_hash_table_add (seen, g_strdup (w[2]));
        g_free (current);
        current = g_strdup (w[2]);
        g_assert_nonnull (w[3]);
      } else {
        g_assert_cmpstr (w[1], ==, "TYPE");
        g_assert_cmpstr (w[2], ==, current);
        g_assert_true (
            g_str_equal (w[3], "counter") || g_str_equal (w[3], "gauge"));
        g_assert_cmpint (g_str_has_suffix (w[2], "_total"), ==,
            g_str_equal (w[3], "counter"));
      }
    } else {
      g_assert_nonnull (current);
      g_assert_true (g_str_has_prefix (w[0], current));
      g_assert_true (
          w[0][strlen (current)] == '\0' || w[0][strlen (current)] == '{');
    }
    g_strfreev (w);
  }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 18);
  g_free (current);
  g_strfreev (lines);
  g_hash_table_unref (seen);
  g_free (text);
}

static void
test_unknown_drift_is_nan (void)
{
  FfcHealth h;
  gchar *text;

  fill (&h);
  h.drift_ppm = NAN;
  h.device_present = FALSE;
  h.have_free = FALSE;
  text = ffc_metrics_format (&h);
  assert_sample (text, "ffcapture_drift_ppm", "NaN");
  assert_sample (text, "ffcapture_device_present", "0");
  g_assert_null (strstr (text, "ffcapture_free_bytes"));
  g_free (text);
}

static void
test_write_atomic (void)
{
  gchar *dir = g_dir_make_tmp ("ffc-metrics-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "ffcapture.prom", NULL);
  gchar *bad = g_build_filename (dir, "no", "such", "x.prom", NULL);
  gchar *contents = NULL;
  GError *error = NULL;
  struct stat st;
  GDir *d;
  mode_t old = umask (077);
  guint n = 0;

  g_assert_true (ffc_metrics_write (path, "a 1\n", &error));
  g_assert_no_error (error);
  g_assert_true (ffc_metrics_write (path, "a 2\n", &error));
  umask (old);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "a 2\n");
  /* node_exporter, another user, can read it whatever the umask */
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);
  /* nothing left beside it */
  d = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  g_assert_cmpuint (n, ==, 1);

  g_assert_false (ffc_metrics_write (bad, "a 3\n", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);

  g_free (contents);
  g_unlink (path);
  g_rmdir (dir);
  g_free (bad);
  g_free (path);
  g_free (dir);
}

/* the temporary file is in the same directory (rename is atomic only
 * there) and named so that the textfile collector ignores it (*.prom) */
static void
test_write_replaces_by_rename (void)
{
  gchar *dir = g_dir_make_tmp ("ffc-metrics-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "ffcapture.prom", NULL);
  struct stat before, after;

  g_assert_true (ffc_metrics_write (path, "a 1\n", NULL));
  g_assert_cmpint (stat (path, &before), ==, 0);
  g_assert_true (ffc_metrics_write (path, "a 2\n", NULL));
  g_assert_cmpint (stat (path, &after), ==, 0);
  /* a new inode: the old file was replaced, never rewritten in place */
  g_assert_cmpuint (before.st_ino, !=, after.st_ino);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

static void
make_zone (const gchar *root, guint n, const gchar *type, const gchar *temp)
{
  gchar *name = g_strdup_printf ("thermal_zone%u", n);
  gchar *dir = g_build_filename (root, name, NULL);
  gchar *p;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  p = g_build_filename (dir, "type", NULL);
  g_assert_true (g_file_set_contents (p, type, -1, NULL));
  g_free (p);
  if (temp != NULL) {
    p = g_build_filename (dir, "temp", NULL);
    g_assert_true (g_file_set_contents (p, temp, -1, NULL));
    g_free (p);
  }
  g_free (dir);
  g_free (name);
}

static void
test_thermal (void)
{
  gchar *root = g_dir_make_tmp ("ffc-thermal-XXXXXX", NULL);
  gchar *none = g_build_filename (root, "absent", NULL);
  gchar *cmd;
  FfcHealth h = { 0 };

  g_assert_cmpuint (ffc_health_read_thermal (&h, none), ==, 0);
  g_assert_true (isnan (ffc_health_cpu_celsius (&h)));

  make_zone (root, 10, "acpitz\n", "30000\n");
  make_zone (root, 2, "x86_pkg_temp\n", "51500\n");
  make_zone (root, 1, "iwlwifi_1\n", "garbage\n"); /* unreadable value */
  make_zone (root, 3, "pch\n", NULL);              /* no temp file */
  g_assert_cmpuint (ffc_health_read_thermal (&h, root), ==, 2);
  /* in zone order, not directory order */
  g_assert_cmpstr (h.zones[0].zone, ==, "thermal_zone2");
  g_assert_cmpstr (h.zones[0].type, ==, "x86_pkg_temp");
  g_assert_cmpfloat (h.zones[0].celsius, ==, 51.5);
  g_assert_cmpstr (h.zones[1].zone, ==, "thermal_zone10");
  g_assert_cmpfloat (ffc_health_cpu_celsius (&h), ==, 51.5);

  /* a Raspberry Pi */
  make_zone (root, 0, "cpu-thermal\n", "-2500\n");
  g_assert_cmpuint (ffc_health_read_thermal (&h, root), ==, 3);
  g_assert_cmpfloat (ffc_health_cpu_celsius (&h), ==, -2.5);

  cmd = g_strdup_printf ("rm -rf '%s'", root);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (cmd);
  g_free (none);
  g_free (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metrics/format", test_format);
  g_test_add_func ("/metrics/families", test_families);
  g_test_add_func ("/metrics/unknown-drift-is-nan", test_unknown_drift_is_nan);
  g_test_add_func ("/metrics/write-atomic", test_write_atomic);
  g_test_add_func (
      "/metrics/write-replaces-by-rename", test_write_replaces_by_rename);
  g_test_add_func ("/metrics/thermal", test_thermal);
  return g_test_run ();
}
