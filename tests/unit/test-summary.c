/* Unit tests: the recorder's daily summary lines and files. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ffc-summary.h"

/* 2026-11-24T03:20:32Z */
#define T0 (G_GINT64_CONSTANT (1795490432) * G_USEC_PER_SEC)

static void
snapshot (FfcHealth *h, gint64 now_us, guint64 pushed, guint64 dropped)
{
  memset (h, 0, sizeof *h);
  h->start_us = T0;
  h->now_us = now_us;
  h->samples_pushed = pushed;
  h->samples_dropped = dropped;
  h->drift_ppm = NAN;
  h->have_free = TRUE;
  h->free_bytes = 1000;
}

static void
test_line (void)
{
  FfcHealth a, b;
  gchar *line;

  /* the first line counts from the start */
  snapshot (&a, T0 + 60 * G_USEC_PER_SEC, 2880000, 0);
  line = ffc_summary_line (NULL, &a);
  /* unknown temperature and drift: empty fields */
  g_assert_cmpstr (line, ==, "2026-11-24T03:21:32Z,2880000,0,0,0,0,1000,,\n");
  g_free (line);

  /* the next: what happened during the minute */
  snapshot (&b, T0 + 120 * G_USEC_PER_SEC, 5000000, 7);
  b.samples_lost = 480;
  b.gaps = 1;
  b.restarts = 1;
  b.drift_ppm = -20.254;
  b.n_zones = 1;
  g_strlcpy (b.zones[0].type, "cpu-thermal", sizeof b.zones[0].type);
  b.zones[0].celsius = 61.25;
  line = ffc_summary_line (&a, &b);
  g_assert_cmpstr (
      line, ==, "2026-11-24T03:22:32Z,2120000,7,480,1,1,1000,61.2,-20.25\n");
  g_free (line);

  /* a counter that went back (a new capture) counts whole */
  snapshot (&a, T0 + 180 * G_USEC_PER_SEC, 1000, 0);
  b.have_free = FALSE;
  line = ffc_summary_line (&b, &a);
  g_assert_cmpstr (line, ==, "2026-11-24T03:23:32Z,1000,0,0,0,0,1000,,\n");
  g_free (line);

  /* as many fields as the header */
  line = ffc_summary_line (NULL, &b);
  {
    gchar **fields = g_strsplit (line, ",", -1);
    g_assert_cmpuint (g_strv_length (fields), ==, 9);
    g_strfreev (fields);
  }
  g_free (line);
}

static void
test_path (void)
{
  gchar *p = ffc_summary_path ("/data", T0);
  g_assert_cmpstr (p, ==, "/data/summary/2026-11-24.csv");
  g_free (p);
  /* the UTC date: a minute before midnight and at midnight */
  p = ffc_summary_path (
      "/data", G_GINT64_CONSTANT (1795564740) * G_USEC_PER_SEC);
  g_assert_cmpstr (p, ==, "/data/summary/2026-11-24.csv");
  g_free (p);
  p = ffc_summary_path (
      "/data", G_GINT64_CONSTANT (1795564800) * G_USEC_PER_SEC);
  g_assert_cmpstr (p, ==, "/data/summary/2026-11-25.csv");
  g_free (p);
}

static void
test_append (void)
{
  gchar *dir = g_dir_make_tmp ("ffc-summary-XXXXXX", NULL);
  gchar *day1 = g_build_filename (dir, "summary", "2026-11-24.csv", NULL);
  gchar *day2 = g_build_filename (dir, "summary", "2026-11-25.csv", NULL);
  gchar *text = NULL, *cmd;
  FfcHealth a, b, c;
  GError *error = NULL;

  snapshot (&a, G_GINT64_CONSTANT (1795564680) * G_USEC_PER_SEC, 10, 0);
  snapshot (&b, G_GINT64_CONSTANT (1795564740) * G_USEC_PER_SEC, 20, 0);
  snapshot (&c, G_GINT64_CONSTANT (1795564800) * G_USEC_PER_SEC, 35, 0);
  g_assert_true (ffc_summary_append (dir, NULL, &a, &error));
  g_assert_no_error (error);
  g_assert_true (ffc_summary_append (dir, &a, &b, &error));
  g_assert_true (ffc_summary_append (dir, &b, &c, &error));

  g_assert_true (g_file_get_contents (day1, &text, NULL, NULL));
  g_assert_cmpstr (text, ==,
      FFC_SUMMARY_HEADER "2026-11-24T23:58:00Z,10,0,0,0,0,1000,,\n"
                         "2026-11-24T23:59:00Z,10,0,0,0,0,1000,,\n");
  g_free (text);
  /* a new day, a new file with its header */
  g_assert_true (g_file_get_contents (day2, &text, NULL, NULL));
  g_assert_cmpstr (
      text, ==, FFC_SUMMARY_HEADER "2026-11-25T00:00:00Z,15,0,0,0,0,1000,,\n");
  g_free (text);

  /* a data directory that cannot hold summary/: an error naming it */
  {
    gchar *file = g_build_filename (dir, "plain", NULL);
    g_assert_true (g_file_set_contents (file, "", 0, NULL));
    g_assert_false (ffc_summary_append (file, NULL, &a, &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, file));
    g_clear_error (&error);
    g_free (file);
  }

  cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (cmd);
  g_free (day1);
  g_free (day2);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/summary/line", test_line);
  g_test_add_func ("/summary/path", test_path);
  g_test_add_func ("/summary/append", test_append);
  return g_test_run ();
}
