/* gst-ffcapture: the recorder's daily summary files
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ffc-summary.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

gchar *
ffc_summary_path (const gchar *data_dir, gint64 now_us)
{
  GDateTime *t = g_date_time_new_from_unix_utc (now_us / G_USEC_PER_SEC);
  gchar *name = g_date_time_format (t, "%Y-%m-%d.csv");
  gchar *path = g_build_filename (data_dir, "summary", name, NULL);

  g_date_time_unref (t);
  g_free (name);
  return path;
}

static void
append_double (GString *s, gdouble v, const gchar *format)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (s, ',');
  if (isfinite (v))
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, format, v));
  /* unknown: an empty field */
}

static guint64
since (guint64 now, guint64 prev)
{
  /* a counter that went back belongs to a new capture: count it whole */
  return now >= prev ? now - prev : now;
}

gchar *
ffc_summary_line (const FfcHealth *prev, const FfcHealth *now)
{
  static const FfcHealth zero = { 0 };
  GDateTime *t = g_date_time_new_from_unix_utc (now->now_us / G_USEC_PER_SEC);
  gchar *time = g_date_time_format (t, "%Y-%m-%dT%H:%M:%SZ");
  GString *s = g_string_new (time);

  if (prev == NULL)
    prev = &zero;
  g_string_append_printf (s,
      ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
      ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT,
      since (now->samples_pushed, prev->samples_pushed),
      since (now->samples_dropped, prev->samples_dropped),
      since (now->samples_lost, prev->samples_lost),
      since (now->gaps, prev->gaps), since (now->restarts, prev->restarts));
  if (now->have_free)
    g_string_append_printf (s, ",%" G_GUINT64_FORMAT, now->free_bytes);
  else
    g_string_append_c (s, ',');
  append_double (s, ffc_health_cpu_celsius (now), "%.1f");
  append_double (s, now->drift_ppm, "%.2f");
  g_string_append_c (s, '\n');
  g_date_time_unref (t);
  g_free (time);
  return g_string_free (s, FALSE);
}

gboolean
ffc_summary_append (const gchar *data_dir, const FfcHealth *prev,
    const FfcHealth *now, GError **error)
{
  gchar *dir = g_build_filename (data_dir, "summary", NULL);
  gchar *path = ffc_summary_path (data_dir, now->now_us);
  gchar *line = ffc_summary_line (prev, now);
  GString *out = g_string_new (NULL);
  gboolean ok = FALSE;
  struct stat st;
  gint fd = -1;

  if (g_mkdir_with_parents (dir, 0755) != 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot create %s: %s", dir, g_strerror (errno));
    goto out;
  }
  fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0 || fstat (fd, &st) != 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot open %s: %s", path, g_strerror (errno));
    goto out;
  }
  if (st.st_size == 0)
    g_string_append (out, FFC_SUMMARY_HEADER);
  g_string_append (out, line);
  /* one write of a few hundred bytes: a line is whole or absent */
  if (write (fd, out->str, out->len) != (gssize)out->len) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot write %s: %s", path, g_strerror (errno));
    goto out;
  }
  ok = TRUE;
out:
  if (fd >= 0)
    close (fd);
  g_string_free (out, TRUE);
  g_free (line);
  g_free (path);
  g_free (dir);
  return ok;
}
