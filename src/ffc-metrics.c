/* gst-ffcapture: the recorder's health snapshot and its Prometheus metrics
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ffc-metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

FfcStreamHealth *
ffc_health_stream (FfcHealth *h, const gchar *name)
{
  for (guint i = 0; i < h->n_streams; i++)
    if (g_str_equal (h->streams[i].name, name))
      return &h->streams[i];
  if (h->n_streams == FFC_HEALTH_MAX_STREAMS)
    return NULL;
  memset (&h->streams[h->n_streams], 0, sizeof h->streams[0]);
  g_strlcpy (h->streams[h->n_streams].name, name, sizeof h->streams[0].name);
  return &h->streams[h->n_streams++];
}

static gint
zone_number (const gchar *name)
{
  return atoi (name + strlen ("thermal_zone"));
}

static gint
by_zone_number (gconstpointer a, gconstpointer b)
{
  return zone_number (*(const gchar **)a) - zone_number (*(const gchar **)b);
}

guint
ffc_health_read_thermal (FfcHealth *h, const gchar *root)
{
  GDir *dir = g_dir_open (root, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  h->n_zones = 0;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "thermal_zone")
        && g_ascii_isdigit (name[strlen ("thermal_zone")]))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, by_zone_number);
  for (guint i = 0; i < names->len && h->n_zones < FFC_HEALTH_MAX_ZONES; i++) {
    gchar *temp_path = g_build_filename (root, names->pdata[i], "temp", NULL);
    gchar *type_path = g_build_filename (root, names->pdata[i], "type", NULL);
    gchar *temp = NULL, *type = NULL, *end = NULL;
    gint64 milli;

    /* a zone whose sensor cannot be read right now (EIO, EAGAIN) is left
     * out, not reported as 0 degrees */
    if (g_file_get_contents (temp_path, &temp, NULL, NULL)) {
      milli = g_ascii_strtoll (temp, &end, 10);
      if (end != temp && (*end == '\n' || *end == '\0')) {
        FfcThermalZone *z = &h->zones[h->n_zones++];
        g_strlcpy (z->zone, names->pdata[i], sizeof z->zone);
        z->type[0] = '\0';
        if (g_file_get_contents (type_path, &type, NULL, NULL))
          g_strlcpy (z->type, g_strstrip (type), sizeof z->type);
        z->celsius = milli / 1000.0;
      }
    }
    g_free (temp);
    g_free (type);
    g_free (temp_path);
    g_free (type_path);
  }
  g_ptr_array_unref (names);
  if (dir != NULL)
    g_dir_close (dir);
  return h->n_zones;
}

gdouble
ffc_health_cpu_celsius (const FfcHealth *h)
{
  static const gchar *cpu[] = { "cpu", "x86_pkg_temp", "soc" };

  for (guint i = 0; i < h->n_zones; i++)
    for (guint j = 0; j < G_N_ELEMENTS (cpu); j++)
      if (strstr (h->zones[i].type, cpu[j]) != NULL)
        return h->zones[i].celsius;
  return h->n_zones > 0 ? h->zones[0].celsius : NAN;
}

/* label values: backslash, double quote and newline escaped */
static void
append_label_value (GString *s, const gchar *v)
{
  for (; *v; v++) {
    if (*v == '\\')
      g_string_append (s, "\\\\");
    else if (*v == '"')
      g_string_append (s, "\\\"");
    else if (*v == '\n')
      g_string_append (s, "\\n");
    else
      g_string_append_c (s, *v);
  }
}

static void
family (GString *s, const gchar *name, const gchar *type, const gchar *help)
{
  g_string_append_printf (
      s, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
sample_start (GString *s, const gchar *name, const gchar *label,
    const gchar *value, const gchar *label2, const gchar *value2)
{
  g_string_append (s, name);
  if (label != NULL) {
    g_string_append_printf (s, "{%s=\"", label);
    append_label_value (s, value);
    g_string_append_c (s, '"');
    if (label2 != NULL) {
      g_string_append_printf (s, ",%s=\"", label2);
      append_label_value (s, value2);
      g_string_append_c (s, '"');
    }
    g_string_append_c (s, '}');
  }
  g_string_append_c (s, ' ');
}

static void
append_double (GString *s, gdouble v)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    g_string_append (s, "NaN");
  else if (isinf (v))
    g_string_append (s, v > 0 ? "+Inf" : "-Inf");
  else
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.15g", v));
  g_string_append_c (s, '\n');
}

static void
uint_metric (GString *s, const gchar *name, const gchar *type,
    const gchar *help, guint64 v)
{
  family (s, name, type, help);
  sample_start (s, name, NULL, NULL, NULL, NULL);
  g_string_append_printf (s, "%" G_GUINT64_FORMAT "\n", v);
}

static void
double_metric (GString *s, const gchar *name, const gchar *help, gdouble v)
{
  family (s, name, "gauge", help);
  sample_start (s, name, NULL, NULL, NULL, NULL);
  append_double (s, v);
}

typedef enum { PROMOTED, DELETED, BYTES, AGE, TIMESTAMP } StreamField;

static void
stream_metric (GString *s, const FfcHealth *h, const gchar *name,
    const gchar *type, const gchar *help, StreamField f)
{
  family (s, name, type, help);
  for (guint i = 0; i < h->n_streams; i++) {
    const FfcStreamHealth *st = &h->streams[i];
    gint64 since;

    sample_start (s, name, "stream", st->name, NULL, NULL);
    switch (f) {
      case PROMOTED:
        g_string_append_printf (s, "%" G_GUINT64_FORMAT "\n", st->promoted);
        break;
      case DELETED:
        g_string_append_printf (s, "%" G_GUINT64_FORMAT "\n", st->deleted);
        break;
      case BYTES:
        g_string_append_printf (
            s, "%" G_GUINT64_FORMAT "\n", st->bytes_written);
        break;
      case AGE:
        /* none yet: the age of the recorder, so that "nothing promoted for
         * 5 minutes" also fires for one that never promoted anything */
        since = st->last_promoted_us > 0 ? st->last_promoted_us : h->start_us;
        append_double (s, MAX (0, h->now_us - since) / (gdouble)G_USEC_PER_SEC);
        break;
      case TIMESTAMP:
        /* the same as a time, which stays true in a file gone stale */
        since = st->last_promoted_us > 0 ? st->last_promoted_us : h->start_us;
        append_double (s, since / (gdouble)G_USEC_PER_SEC);
        break;
    }
  }
}

gchar *
ffc_metrics_format (const FfcHealth *h)
{
  GString *s = g_string_new (NULL);

  double_metric (s, "ffcapture_start_time_seconds",
      "When the recorder started, seconds since the Unix epoch",
      h->start_us / (gdouble)G_USEC_PER_SEC);
  uint_metric (s, "ffcapture_samples_pushed_total", "counter",
      "Samples (frames) captured and passed downstream by ffmpegsrc",
      h->samples_pushed);
  uint_metric (s, "ffcapture_samples_dropped_total", "counter",
      "Samples dropped because downstream (the disk) did not keep up",
      h->samples_dropped);
  uint_metric (s, "ffcapture_samples_lost_total", "counter",
      "Samples lost inside ffmpeg or the device (gaps in the timeline)",
      h->samples_lost);
  uint_metric (s, "ffcapture_gaps_total", "counter",
      "Discontinuities in the captured audio", h->gaps);
  uint_metric (s, "ffcapture_restarts_total", "counter",
      "Restarts of the ffmpeg capture process", h->restarts);
  uint_metric (s, "ffcapture_device_present", "gauge",
      "1 while the capture device is present and delivering audio",
      h->device_present ? 1 : 0);
  double_metric (s, "ffcapture_drift_ppm",
      "Measured drift of the device clock against the system clock (ppm); "
      "NaN until known",
      h->drift_ppm);
  uint_metric (s, "ffcapture_clock_synchronised", "gauge",
      "1 if the system clock is synchronised (NTP), so file times are true",
      h->clock_synchronised ? 1 : 0);
  stream_metric (s, h, "ffcapture_segments_promoted_total", "counter",
      "Segments finished and promoted into the data directory", PROMOTED);
  stream_metric (s, h, "ffcapture_segments_deleted_total", "counter",
      "Segments deleted by retention for space", DELETED);
  stream_metric (s, h, "ffcapture_bytes_written_total", "counter",
      "Bytes of the promoted segments", BYTES);
  stream_metric (s, h, "ffcapture_last_segment_age_seconds", "gauge",
      "Seconds since the last segment was promoted (since the start if none "
      "was)",
      AGE);
  stream_metric (s, h, "ffcapture_last_segment_timestamp_seconds", "gauge",
      "When the last segment was promoted, seconds since the Unix epoch (the "
      "start if none was)",
      TIMESTAMP);
  if (h->have_free)
    uint_metric (s, "ffcapture_free_bytes", "gauge",
        "Free bytes on the data directory's filesystem (for unprivileged "
        "users)",
        h->free_bytes);
  if (h->have_branch) {
    family (s, "ffcapture_stream_up", "gauge",
        "1 while the live stream branch is up");
    sample_start (
        s, "ffcapture_stream_up", "branch", h->branch_name, NULL, NULL);
    g_string_append_printf (s, "%d\n", h->branch_up ? 1 : 0);
    family (s, "ffcapture_stream_restarts_total", "counter",
        "Rebuilds of the live stream branch after a failure");
    sample_start (s, "ffcapture_stream_restarts_total", "branch",
        h->branch_name, NULL, NULL);
    g_string_append_printf (s, "%" G_GUINT64_FORMAT "\n", h->branch_restarts);
  }
  if (h->n_zones > 0) {
    family (s, "ffcapture_temperature_celsius", "gauge",
        "Temperatures of /sys/class/thermal's zones");
    for (guint i = 0; i < h->n_zones; i++) {
      sample_start (s, "ffcapture_temperature_celsius", "zone",
          h->zones[i].zone, "type", h->zones[i].type);
      append_double (s, h->zones[i].celsius);
    }
  }
  return g_string_free (s, FALSE);
}

gboolean
ffc_metrics_write (const gchar *path, const gchar *text, GError **error)
{
  gchar *dir = g_path_get_dirname (path);
  gchar *base = g_path_get_basename (path);
  gchar *tmp_name = g_strdup_printf (".%s.XXXXXX", base);
  gchar *tmp = g_build_filename (dir, tmp_name, NULL);
  gsize len = strlen (text), done = 0;
  gboolean ok = FALSE;
  gint fd;

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot create a temporary file in %s: %s", dir, g_strerror (errno));
    goto out;
  }
  /* whatever the umask: node_exporter runs as another user */
  if (fchmod (fd, 0644) != 0)
    goto fail;
  while (done < len) {
    gssize n = write (fd, text + done, len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      goto fail;
    done += n;
  }
  if (close (fd) != 0) {
    fd = -1;
    goto fail;
  }
  fd = -1;
  if (g_rename (tmp, path) != 0)
    goto fail;
  ok = TRUE;
  goto out;
fail:
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
      "cannot write %s: %s", path, g_strerror (errno));
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
out:
  g_free (tmp);
  g_free (tmp_name);
  g_free (base);
  g_free (dir);
  return ok;
}
