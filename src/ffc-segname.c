/* gst-ffcapture: segment file names from a template
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * strftime conversions give the segment's start time in UTC; {seq} is the
 * sequence number (8 digits), {duration} the nominal segment duration in
 * whole seconds, {run} the run id. A name never leaves its directory.
 */
#include "ffc-segname.h"

#include <string.h>
#include <time.h>

static gboolean
name_is_safe (const gchar *name, GError **error)
{
  if (*name == '\0' || strchr (name, '/') != NULL || name[0] == '.') {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "file name \"%s\" is empty, hidden or leaves the directory", name);
    return FALSE;
  }
  return TRUE;
}

gchar *
ffc_segname_expand (const gchar *template, gint64 start_us, guint64 seq,
    guint64 duration_s, const gchar *run, GError **error)
{
  GString *fmt = g_string_new (NULL);
  time_t secs = (time_t)(start_us >= 0 ? start_us / G_USEC_PER_SEC
                                       : (start_us - G_USEC_PER_SEC + 1)
                                             / G_USEC_PER_SEC);
  struct tm tm;
  gchar out[1024];
  gsize n;

  /* Placeholders first; their values hold no '%' for strftime to see. */
  for (const gchar *p = template; *p != '\0'; p++) {
    if (g_str_has_prefix (p, "{seq}")) {
      g_string_append_printf (fmt, "%08" G_GUINT64_FORMAT, seq);
      p += strlen ("{seq}") - 1;
    } else if (g_str_has_prefix (p, "{duration}")) {
      g_string_append_printf (fmt, "%" G_GUINT64_FORMAT, duration_s);
      p += strlen ("{duration}") - 1;
    } else if (g_str_has_prefix (p, "{run}")) {
      g_string_append (fmt, run);
      p += strlen ("{run}") - 1;
    } else {
      g_string_append_c (fmt, *p);
    }
  }
  gmtime_r (&secs, &tm);
  n = strftime (out, sizeof (out), fmt->str, &tm);
  g_string_free (fmt, TRUE);
  if (n == 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG,
        "template \"%s\" gives an empty or over-long name", template);
    return NULL;
  }
  if (!name_is_safe (out, error))
    return NULL;
  return g_strdup (out);
}

/* A template must give a name that stays in the directory, and one that
 * changes from segment to segment: a sequence number or the start time to
 * the second. */
gboolean
ffc_segname_validate (const gchar *template, GError **error)
{
  gchar *a, *b;
  gboolean distinct;

  if (template == NULL || *template == '\0') {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "the filename template is empty");
    return FALSE;
  }
  if (strchr (template, '/') != NULL || strstr (template, "..") != NULL) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "filename template \"%s\" would leave the directory", template);
    return FALSE;
  }
  a = ffc_segname_expand (template,
      G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC, 0, 60, "0123abcd",
      error);
  if (a == NULL)
    return FALSE;
  /* %n and %t are strftime's newline and tab: names that break every
   * line-based consumer */
  for (const gchar *c = a; *c != '\0'; c++) {
    if (g_ascii_iscntrl (*c)) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
          "filename template \"%s\" gives names with control characters "
          "(%%n, %%t)",
          template);
      g_free (a);
      return FALSE;
    }
  }
  b = ffc_segname_expand (template,
      G_GINT64_CONSTANT (1700000001) * G_USEC_PER_SEC, 1, 60, "0123abcd", NULL);
  distinct = b != NULL && g_strcmp0 (a, b) != 0;
  g_free (a);
  g_free (b);
  if (!distinct) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "filename template \"%s\" gives every segment the same name: use "
        "{seq} or the start time to the second (%%S)",
        template);
    return FALSE;
  }
  return TRUE;
}

/* "2026-11-24T03:20:32.123456Z" */
gchar *
ffc_segname_iso8601 (gint64 wall_us)
{
  GDateTime *dt = g_date_time_new_from_unix_utc (wall_us / G_USEC_PER_SEC);
  gchar *base;
  gchar *text;
  gint64 micro = wall_us % G_USEC_PER_SEC;

  if (micro < 0) {
    micro += G_USEC_PER_SEC;
    g_date_time_unref (dt);
    dt = g_date_time_new_from_unix_utc (wall_us / G_USEC_PER_SEC - 1);
  }
  base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  text = g_strdup_printf ("%s.%06" G_GINT64_FORMAT "Z", base, micro);
  g_free (base);
  g_date_time_unref (dt);
  return text;
}
