/* gst-ffcapture: ffcapture-recorder's configuration (key file + command line)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ffc-config.h"

#include "ffc-settings.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (ffc - config - error - quark, ffc_config_error)

#define NS_S 1e9
#define DUR_MAX 3.1536e17 /* ten years */
#define BIG 1.8e19

/* clang-format off */
static const FfcOption options[] = {
  /* the recorder itself */
  { "recorder", "data-dir", 'd', FFC_OPT_PATH, FFC_ROLE_RECORDER, NULL, NULL,
    0, 0, "DIR", "Where the raw/, processed/ and summary/ directories go (required)" },
  { "recorder", "seconds", 't', FFC_OPT_INT, FFC_ROLE_RECORDER, NULL, "0",
    0, G_MAXINT, "S", "Stop after this many seconds (0 = until SIGINT/SIGTERM)" },
  { "recorder", "metrics-file", 0, FFC_OPT_PATH, FFC_ROLE_RECORDER, NULL, NULL,
    0, 0, "PATH", "Write Prometheus metrics here (for node_exporter's textfile collector)" },
  { "recorder", "metrics-interval", 0, FFC_OPT_INT, FFC_ROLE_RECORDER, NULL, "15",
    1, 3600, "S", "Seconds between two writes of the metrics file (default 15)" },
  { "recorder", "summary", 0, FFC_OPT_BOOL, FFC_ROLE_RECORDER, NULL, "true",
    0, 0, "BOOL", "Write summary/YYYY-MM-DD.csv, a line a minute (default true)" },
  /* the capture */
  { "capture", "input-format", 'f', FFC_OPT_STRING, FFC_ROLE_SOURCE, "input-format", "alsa",
    0, 0, "FMT", "ffmpeg input format (default alsa)" },
  { "capture", "device", 'i', FFC_OPT_STRING, FFC_ROLE_SOURCE, "device", "default",
    0, 0, "DEV", "ffmpeg input device (default 'default')" },
  { "capture", "rate", 'r', FFC_OPT_INT, FFC_ROLE_SOURCE, "sample-rate", "384000",
    FFC_RATE_MIN, FFC_RATE_MAX, "HZ", "Capture rate in Hz (default 384000)" },
  { "capture", "channels", 0, FFC_OPT_INT, FFC_ROLE_SOURCE, "channels", "1",
    1, 64, "N", "Capture channels (default 1)" },
  { "capture", "processed-rate", 0, FFC_OPT_INT, FFC_ROLE_RECORDER, NULL, "48000",
    FFC_RATE_MIN, FFC_RATE_MAX, "HZ", "Rate of the processed stream (default 48000)" },
  { "capture", "mock", 0, FFC_OPT_BOOL, FFC_ROLE_RECORDER, NULL, "false",
    0, 0, "BOOL", "Capture ffmpeg's test tone instead of a device" },
  { "capture", "input-options", 0, FFC_OPT_STRING, FFC_ROLE_SOURCE, "input-options", NULL,
    0, 0, "OPTS", "Extra ffmpeg input options, e.g. \"-thread_queue_size 4096\"" },
  { "capture", "ffmpeg-path", 0, FFC_OPT_STRING, FFC_ROLE_SOURCE, "ffmpeg-path", NULL,
    0, 0, "PATH", "The ffmpeg program (default: ffmpeg in PATH)" },
  { "capture", "buffer-time", 0, FFC_OPT_DURATION, FFC_ROLE_SOURCE, "buffer-time", NULL,
    10e6, DUR_MAX, "DURATION", "Audio held for a slow disk before dropping (default 10s)" },
  { "capture", "latency-time", 0, FFC_OPT_DURATION, FFC_ROLE_SOURCE, "latency-time", NULL,
    0, 1e9, "DURATION", "Audio is pushed in buffers of about this long, 0 for each of ffmpeg's writes (default 250ms)" },
  { "capture", "stall-timeout", 0, FFC_OPT_DURATION, FFC_ROLE_SOURCE, "stall-timeout", NULL,
    10e6, DUR_MAX, "DURATION", "No audio from ffmpeg this long is a failure (default 2s)" },
  { "capture", "max-restarts", 0, FFC_OPT_INT, FFC_ROLE_SOURCE, "max-restarts", NULL,
    -1, G_MAXINT, "N", "Failed restarts of ffmpeg before an error (-1 = unlimited)" },
  { "capture", "wait-for-device", 0, FFC_OPT_BOOL, FFC_ROLE_SOURCE, "wait-for-device", NULL,
    0, 0, "BOOL", "Wait for an absent device instead of failing (needs an ffmpegsrc with wait-for-device)" },
  { "capture", "device-poll", 0, FFC_OPT_DURATION, FFC_ROLE_SOURCE, "device-poll", NULL,
    1e6, DUR_MAX, "DURATION", "How often an absent device is looked for (needs wait-for-device)" },
  { "capture", "device-settle", 0, FFC_OPT_DURATION, FFC_ROLE_SOURCE, "device-settle", NULL,
    0, DUR_MAX, "DURATION", "How long a device must stay present before it is opened (needs wait-for-device)" },
  { "capture", "device-timeout", 0, FFC_OPT_DURATION, FFC_ROLE_SOURCE, "device-timeout", NULL,
    0, DUR_MAX, "DURATION", "Waiting this long for a device is an error, 0 = forever (needs wait-for-device)" },
  /* the segments, both streams */
  { "segments", "segment-seconds", 's', FFC_OPT_INT, FFC_ROLE_RECORDER, NULL, "60",
    1, 86400, "S", "Segment length in seconds (default 60)" },
  { "segments", "format", 0, FFC_OPT_STRING, FFC_ROLE_SEGMENTS, "format", NULL,
    0, 0, "wav|flac", "Segment file format (default wav; flac needs a segmentsink with format)" },
  { "segments", "compression-level", 0, FFC_OPT_INT, FFC_ROLE_SEGMENTS, "compression-level", NULL,
    0, 8, "0-8", "FLAC compression level (needs a segmentsink with compression-level)" },
  { "segments", "align", 0, FFC_OPT_BOOL, FFC_ROLE_SEGMENTS, "align", NULL,
    0, 0, "BOOL", "Start segments on wall-clock multiples of their length" },
  { "segments", "fsync", 0, FFC_OPT_BOOL, FFC_ROLE_SEGMENTS, "fsync", NULL,
    0, 0, "BOOL", "Make each segment durable before it appears (default true)" },
  { "segments", "filename", 0, FFC_OPT_STRING, FFC_ROLE_SEGMENTS, "filename", NULL,
    0, 0, "TEMPLATE", "File name template (segmentsink's filename)" },
  /* the station, in every file's GUANO and bext */
  { "station", "make", 0, FFC_OPT_STRING, FFC_ROLE_SEGMENTS, "make", NULL,
    0, 0, "TEXT", "Manufacturer of the recording hardware" },
  { "station", "model", 0, FFC_OPT_STRING, FFC_ROLE_SEGMENTS, "model", NULL,
    0, 0, "TEXT", "Model of the recording hardware" },
  { "station", "serial", 0, FFC_OPT_STRING, FFC_ROLE_SEGMENTS, "serial", NULL,
    0, 0, "TEXT", "Serial number of the recording hardware" },
  { "station", "position", 0, FFC_OPT_STRING, FFC_ROLE_SEGMENTS, "position", NULL,
    0, 0, "LAT,LON", "Where the station is, WGS84 decimal degrees (also schedulegate's position)" },
  { "station", "elevation", 0, FFC_OPT_DOUBLE, FFC_ROLE_SEGMENTS, "elevation", NULL,
    -11000, 100000, "M", "Metres above mean sea level" },
  { "station", "note", 0, FFC_OPT_STRING, FFC_ROLE_SEGMENTS, "note", NULL,
    0, 0, "TEXT", "Free text about the station or the recording" },
  /* retention */
  { "retention", "retention", 0, FFC_OPT_BOOL, FFC_ROLE_SEGMENTS, "retention", NULL,
    0, 0, "BOOL", "Delete the oldest segment pairs below min-free-space" },
  { "retention", "min-free-space", 0, FFC_OPT_SIZE, FFC_ROLE_SEGMENTS, "min-free-space", NULL,
    0, BIG, "SIZE", "Free space to keep on the data filesystem, e.g. 1G" },
  { "retention", "min-age", 0, FFC_OPT_DURATION, FFC_ROLE_SEGMENTS, "min-age", NULL,
    0, DUR_MAX, "DURATION", "Retention never deletes a segment younger than this, e.g. 10min" },
  /* the live stream */
  { "stream", "icecast", 0, FFC_OPT_STRING, FFC_ROLE_RECORDER, NULL, NULL,
    0, 0, "HOST:PORT", "Stream Opus to this Icecast server, best effort" },
  { "stream", "password", 0, FFC_OPT_STRING, FFC_ROLE_RECORDER, NULL, "hackme",
    0, 0, "PW", "Icecast source password" },
  { "stream", "mount", 0, FFC_OPT_STRING, FFC_ROLE_RECORDER, NULL, "/mic.opus",
    0, 0, "MOUNT", "Icecast mount point (default /mic.opus)" },
  { "stream", "bitrate", 0, FFC_OPT_INT, FFC_ROLE_RECORDER, NULL, "64000",
    6000, 510000, "BPS", "Opus bitrate of the stream (default 64000)" },
  /* triggergate, once the plugin has it */
  { "trigger", "trigger", 0, FFC_OPT_BOOL, FFC_ROLE_RECORDER, NULL, "false",
    0, 0, "BOOL", "Record only triggered events (needs triggergate)" },
  { "trigger", "low-freq", 0, FFC_OPT_DOUBLE, FFC_ROLE_TRIGGER, "low-freq", NULL,
    0, 5e6, "HZ", "Lower edge of the trigger band (triggergate)" },
  { "trigger", "high-freq", 0, FFC_OPT_DOUBLE, FFC_ROLE_TRIGGER, "high-freq", NULL,
    0, 5e6, "HZ", "Upper edge of the trigger band (triggergate)" },
  { "trigger", "threshold", 0, FFC_OPT_DOUBLE, FFC_ROLE_TRIGGER, "threshold", NULL,
    -200, 0, "DBFS", "Band level that triggers (triggergate)" },
  { "trigger", "window", 0, FFC_OPT_DURATION, FFC_ROLE_TRIGGER, "window", NULL,
    0, DUR_MAX, "DURATION", "Analysis window (triggergate)" },
  { "trigger", "min-trigger", 0, FFC_OPT_DURATION, FFC_ROLE_TRIGGER, "min-trigger", NULL,
    0, DUR_MAX, "DURATION", "Shortest sound that triggers (triggergate)" },
  { "trigger", "pre-trigger", 0, FFC_OPT_DURATION, FFC_ROLE_TRIGGER, "pre-trigger", NULL,
    0, DUR_MAX, "DURATION", "Audio kept before a trigger (triggergate)" },
  { "trigger", "post-trigger", 0, FFC_OPT_DURATION, FFC_ROLE_TRIGGER, "post-trigger", NULL,
    0, DUR_MAX, "DURATION", "Audio kept after the last trigger (triggergate)" },
  { "trigger", "max-event", 0, FFC_OPT_DURATION, FFC_ROLE_TRIGGER, "max-event", NULL,
    0, DUR_MAX, "DURATION", "Longest event before it is cut (triggergate)" },
  /* schedulegate, once the plugin has it */
  { "schedule", "schedule", 0, FFC_OPT_STRING, FFC_ROLE_SCHEDULE, "schedule", NULL,
    0, 0, "WINDOWS", "Recording windows, e.g. \"sunset-1h..sunrise+1h\" (schedulegate)" },
  { "schedule", "duty-cycle", 0, FFC_OPT_STRING, FFC_ROLE_SCHEDULE, "duty-cycle", NULL,
    0, 0, "ON/PERIOD", "e.g. 1m/10m (schedulegate)" },
  { "schedule", "date-range", 0, FFC_OPT_STRING, FFC_ROLE_SCHEDULE, "date-range", NULL,
    0, 0, "FROM..TO", "e.g. 2027-03-01..2027-06-30 (schedulegate)" },
  { "schedule", "day-interval", 0, FFC_OPT_INT, FFC_ROLE_SCHEDULE, "day-interval", NULL,
    1, 366, "N", "Record every Nth day of the range (schedulegate)" },
  { "schedule", "timezone", 0, FFC_OPT_STRING, FFC_ROLE_SCHEDULE, "timezone", NULL,
    0, 0, "ZONE", "Zone of the schedule's times of day: UTC, local, Europe/Berlin (schedulegate)" },
};
/* clang-format on */

typedef struct {
  const FfcOption *opt;
  gboolean set;
  gchar *text; /* the value as given, or the default */
  gint64 i;
  guint64 u;
  gdouble d;
  gboolean b;
} Value;

struct _FfcConfig {
  Value values[G_N_ELEMENTS (options)];
  gchar *config_path; /* --config */
  gchar *file_read;   /* what was read */
  GPtrArray *cli;     /* pairs: key, value, in command-line order */
};

const FfcOption *
ffc_config_options (guint *n_options)
{
  *n_options = G_N_ELEMENTS (options);
  return options;
}

static gint
index_of (const gchar *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    if (g_str_equal (options[i].key, key))
      return i;
  return -1;
}

const FfcOption *
ffc_config_lookup (const gchar *key)
{
  gint i = index_of (key);
  return i < 0 ? NULL : &options[i];
}

/* "<number><unit>"; 0 may go without a unit. */
gboolean
ffc_parse_duration (const gchar *text, guint64 *ns)
{
  static const struct {
    const gchar *unit;
    gdouble ns;
  } units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
    { "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 }, { "d", 86400e9 } };
  gchar *end = NULL;
  gdouble v;

  if (text == NULL || !g_ascii_isdigit (*text))
    return FALSE;
  v = g_ascii_strtod (text, &end);
  if (!isfinite (v) || v < 0)
    return FALSE;
  if (*end == '\0') {
    if (v != 0)
      return FALSE; /* a unit is required: 600 s or 600 ns? */
    *ns = 0;
    return TRUE;
  }
  for (guint i = 0; i < G_N_ELEMENTS (units); i++) {
    if (g_str_equal (end, units[i].unit)) {
      gdouble r = v * units[i].ns;
      if (r >= BIG)
        return FALSE;
      *ns = (guint64)llround (r);
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
ffc_parse_size (const gchar *text, guint64 *bytes)
{
  static const struct {
    const gchar *unit;
    gdouble factor;
  } units[] = { { "", 1 }, { "B", 1 }, { "K", 1024.0 }, { "KiB", 1024.0 },
    { "M", 1048576.0 }, { "MiB", 1048576.0 }, { "G", 1073741824.0 },
    { "GiB", 1073741824.0 }, { "T", 1099511627776.0 },
    { "TiB", 1099511627776.0 } };
  gchar *end = NULL;
  gdouble v;

  if (text == NULL || !g_ascii_isdigit (*text))
    return FALSE;
  v = g_ascii_strtod (text, &end);
  if (!isfinite (v) || v < 0)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (units); i++) {
    if (g_str_equal (end, units[i].unit)) {
      gdouble r = v * units[i].factor;
      if (r >= BIG || (units[i].factor == 1 && r != floor (r)))
        return FALSE;
      *bytes = (guint64)llround (r);
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
parse_bool (const gchar *text, gboolean *b)
{
  static const gchar *yes[] = { "true", "yes", "on", "1" };
  static const gchar *no[] = { "false", "no", "off", "0" };

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++) {
    if (g_ascii_strcasecmp (text, yes[i]) == 0) {
      *b = TRUE;
      return TRUE;
    }
    if (g_ascii_strcasecmp (text, no[i]) == 0) {
      *b = FALSE;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
bad (GError **error, const gchar *source, const gchar *text, const gchar *what)
{
  g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_BAD_VALUE,
      "%s: '%s' %s", source, text, what);
  return FALSE;
}

static gboolean
out_of_range (GError **error, const gchar *source, const gchar *text,
    const FfcOption *o, const gchar *unit)
{
  gchar *what = g_strdup_printf (
      "is out of range (%.15g%s to %.15g%s)", o->min, unit, o->max, unit);
  bad (error, source, text, what);
  g_free (what);
  return FALSE;
}

static gboolean
parse_value (Value *v, const FfcOption *o, const gchar *text,
    const gchar *source, GError **error)
{
  gchar *end = NULL;
  Value n = *v;

  switch (o->kind) {
    case FFC_OPT_STRING:
    case FFC_OPT_PATH:
      break;
    case FFC_OPT_INT: {
      gint64 i = g_ascii_strtoll (text, &end, 10);
      if (*text == '\0' || *end != '\0')
        return bad (error, source, text, "is not an integer");
      if (i < o->min || i > o->max)
        return out_of_range (error, source, text, o, "");
      n.i = i;
      break;
    }
    case FFC_OPT_BOOL:
      if (!parse_bool (text, &n.b))
        return bad (error, source, text, "is not a boolean (true or false)");
      break;
    case FFC_OPT_DOUBLE: {
      gdouble d = g_ascii_strtod (text, &end);
      if (*text == '\0' || *end != '\0' || !isfinite (d))
        return bad (error, source, text, "is not a number");
      if (d < o->min || d > o->max)
        return out_of_range (error, source, text, o, "");
      n.d = d;
      break;
    }
    case FFC_OPT_DURATION:
      if (!ffc_parse_duration (text, &n.u))
        return bad (error, source, text,
            "is not a duration (a number and a unit: ns, us, ms, s, min, h, "
            "d; e.g. 10s)");
      if (n.u < o->min || n.u > o->max) {
        gchar *what = g_strdup_printf ("is out of range (%.15g s to %.15g s)",
            o->min / NS_S, o->max / NS_S);
        bad (error, source, text, what);
        g_free (what);
        return FALSE;
      }
      break;
    case FFC_OPT_SIZE:
      if (!ffc_parse_size (text, &n.u))
        return bad (error, source, text,
            "is not a size (bytes, or a number with K, M, G or T; e.g. 1G)");
      break;
  }
  g_free (v->text);
  n.text = g_strdup (text);
  *v = n;
  return TRUE;
}

FfcConfig *
ffc_config_new (void)
{
  FfcConfig *cfg = g_new0 (FfcConfig, 1);

  cfg->cli = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < G_N_ELEMENTS (options); i++) {
    cfg->values[i].opt = &options[i];
    if (options[i].default_value != NULL) {
      gboolean ok = parse_value (&cfg->values[i], &options[i],
          options[i].default_value, "default", NULL);
      g_assert (ok);
    }
  }
  return cfg;
}

void
ffc_config_free (FfcConfig *cfg)
{
  if (cfg == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    g_free (cfg->values[i].text);
  g_free (cfg->config_path);
  g_free (cfg->file_read);
  g_ptr_array_unref (cfg->cli);
  g_free (cfg);
}

gboolean
ffc_config_set (FfcConfig *cfg, const gchar *key, const gchar *value,
    const gchar *source, GError **error)
{
  gint i = index_of (key);

  if (i < 0) {
    g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_UNKNOWN_KEY,
        "%s: unknown option '%s'", source, key);
    return FALSE;
  }
  if (!parse_value (&cfg->values[i], &options[i], value, source, error))
    return FALSE;
  cfg->values[i].set = TRUE;
  return TRUE;
}

static gboolean
load_key_file (FfcConfig *cfg, GKeyFile *kf, const gchar *name, GError **error)
{
  gchar **groups = g_key_file_get_groups (kf, NULL);
  gboolean ok = TRUE;

  for (guint g = 0; ok && groups[g] != NULL; g++) {
    gchar **keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);
    gboolean known_group = FALSE;

    for (guint i = 0; i < G_N_ELEMENTS (options); i++)
      known_group |= g_str_equal (options[i].group, groups[g]);
    if (!known_group) {
      g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_UNKNOWN_KEY,
          "%s: unknown group [%s] (the groups are [recorder], [capture], "
          "[segments], [station], [retention], [stream], [trigger], "
          "[schedule])",
          name, groups[g]);
      ok = FALSE;
    }
    for (guint k = 0; ok && keys[k] != NULL; k++) {
      const FfcOption *o = ffc_config_lookup (keys[k]);
      gchar *source, *value;

      if (o == NULL || !g_str_equal (o->group, groups[g])) {
        if (o != NULL)
          g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_UNKNOWN_KEY,
              "%s: unknown key '%s' in [%s] (it belongs in [%s])", name,
              keys[k], groups[g], o->group);
        else
          g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_UNKNOWN_KEY,
              "%s: unknown key '%s' in [%s]", name, keys[k], groups[g]);
        ok = FALSE;
        break;
      }
      source = g_strdup_printf ("%s: [%s] %s", name, groups[g], keys[k]);
      /* get_string undoes the key file's escapes (\s, \n, \\) */
      value = g_key_file_get_string (kf, groups[g], keys[k], error);
      ok = value != NULL && ffc_config_set (cfg, keys[k], value, source, error);
      if (value == NULL)
        g_prefix_error (error, "%s: ", source);
      g_free (value);
      g_free (source);
    }
    g_strfreev (keys);
  }
  g_strfreev (groups);
  return ok;
}

gboolean
ffc_config_load_data (
    FfcConfig *cfg, const gchar *data, const gchar *source, GError **error)
{
  GKeyFile *kf = g_key_file_new ();
  GError *e = NULL;
  gboolean ok;

  if (!g_key_file_load_from_data (kf, data, -1, G_KEY_FILE_NONE, &e)) {
    g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_FILE, "%s: %s",
        source, e->message);
    g_error_free (e);
    g_key_file_free (kf);
    return FALSE;
  }
  ok = load_key_file (cfg, kf, source, error);
  g_key_file_free (kf);
  return ok;
}

gboolean
ffc_config_load_file (FfcConfig *cfg, const gchar *path, GError **error)
{
  gchar *data = NULL;
  GError *e = NULL;
  gboolean ok;

  if (!g_file_get_contents (path, &data, NULL, &e)) {
    g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_FILE,
        "cannot read the configuration: %s", e->message);
    g_error_free (e);
    return FALSE;
  }
  ok = ffc_config_load_data (cfg, data, path, error);
  g_free (data);
  if (ok) {
    g_free (cfg->file_read);
    cfg->file_read = g_strdup (path);
  }
  return ok;
}

static gboolean
on_option (
    const gchar *option_name, const gchar *value, gpointer data, GError **error)
{
  FfcConfig *cfg = data;
  const gchar *name = option_name;

  if (g_str_has_prefix (name, "--"))
    name += 2;
  else if (name[0] == '-' && name[1] != '\0' && name[2] == '\0') {
    for (guint i = 0; i < G_N_ELEMENTS (options); i++)
      if (options[i].short_name == name[1])
        name = options[i].key;
  }
  if (g_str_equal (name, "config")) {
    g_free (cfg->config_path);
    cfg->config_path = g_strdup (value);
    return TRUE;
  }
  if (ffc_config_lookup (name) == NULL) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
        "unknown option %s", option_name);
    return FALSE;
  }
  g_ptr_array_add (cfg->cli, g_strdup (name));
  g_ptr_array_add (cfg->cli, g_strdup (value != NULL ? value : "true"));
  return TRUE;
}

void
ffc_config_add_options (FfcConfig *cfg, GOptionContext *ctx)
{
  GOptionGroup *group = g_option_group_new (NULL, NULL, NULL, cfg, NULL);
  GOptionEntry *entries = g_new0 (GOptionEntry, G_N_ELEMENTS (options) + 2);
  GOptionEntry *e = entries;

  e->long_name = "config";
  e->short_name = 'c';
  e->arg = G_OPTION_ARG_CALLBACK;
  e->arg_data = (gpointer)on_option;
  e->description = "Configuration file (default " FFC_CONFIG_DEFAULT_PATH
                   ", read if it exists)";
  e->arg_description = "FILE";
  e++;
  for (guint i = 0; i < G_N_ELEMENTS (options); i++, e++) {
    e->long_name = options[i].key;
    e->short_name = options[i].short_name;
    e->arg = G_OPTION_ARG_CALLBACK;
    e->arg_data = (gpointer)on_option;
    if (options[i].kind == FFC_OPT_BOOL)
      e->flags = G_OPTION_FLAG_OPTIONAL_ARG;
    if (options[i].kind == FFC_OPT_PATH)
      e->flags |= G_OPTION_FLAG_FILENAME;
    e->description = options[i].help;
    e->arg_description = options[i].arg;
  }
  /* the group copies the entries; the strings are static */
  g_option_group_add_entries (group, entries);
  g_free (entries);
  g_option_context_set_main_group (ctx, group);
}

gboolean
ffc_config_finish (FfcConfig *cfg, GError **error)
{
  if (cfg->config_path != NULL) {
    if (!ffc_config_load_file (cfg, cfg->config_path, error))
      return FALSE;
  } else if (g_file_test (FFC_CONFIG_DEFAULT_PATH, G_FILE_TEST_EXISTS)) {
    if (!ffc_config_load_file (cfg, FFC_CONFIG_DEFAULT_PATH, error))
      return FALSE;
  }
  for (guint i = 0; i + 1 < cfg->cli->len; i += 2) {
    const gchar *key = cfg->cli->pdata[i];
    gchar *source = g_strdup_printf ("--%s", key);
    gboolean ok =
        ffc_config_set (cfg, key, cfg->cli->pdata[i + 1], source, error);
    g_free (source);
    if (!ok)
      return FALSE;
  }
  return ffc_config_check (cfg, error);
}

const gchar *
ffc_config_file (const FfcConfig *cfg)
{
  return cfg->file_read;
}

static const Value *
get (const FfcConfig *cfg, const gchar *key, FfcOptKind kind, FfcOptKind alt)
{
  gint i = index_of (key);

  g_return_val_if_fail (i >= 0, NULL);
  g_return_val_if_fail (
      options[i].kind == kind || options[i].kind == alt, NULL);
  return &cfg->values[i];
}

gboolean
ffc_config_is_set (const FfcConfig *cfg, const gchar *key)
{
  gint i = index_of (key);
  g_return_val_if_fail (i >= 0, FALSE);
  return cfg->values[i].set;
}

const gchar *
ffc_config_get_string (const FfcConfig *cfg, const gchar *key)
{
  gint i = index_of (key);
  g_return_val_if_fail (i >= 0, NULL);
  return cfg->values[i].text;
}

gint
ffc_config_get_int (const FfcConfig *cfg, const gchar *key)
{
  const Value *v = get (cfg, key, FFC_OPT_INT, FFC_OPT_INT);
  return v ? (gint)v->i : 0;
}

gboolean
ffc_config_get_bool (const FfcConfig *cfg, const gchar *key)
{
  const Value *v = get (cfg, key, FFC_OPT_BOOL, FFC_OPT_BOOL);
  return v ? v->b : FALSE;
}

gdouble
ffc_config_get_double (const FfcConfig *cfg, const gchar *key)
{
  const Value *v = get (cfg, key, FFC_OPT_DOUBLE, FFC_OPT_DOUBLE);
  return v ? v->d : NAN;
}

guint64
ffc_config_get_uint64 (const FfcConfig *cfg, const gchar *key)
{
  const Value *v = get (cfg, key, FFC_OPT_DURATION, FFC_OPT_SIZE);
  return v ? v->u : 0;
}

gboolean
ffc_config_check (const FfcConfig *cfg, GError **error)
{
  const gchar *data_dir = ffc_config_get_string (cfg, "data-dir");
  const gchar *icecast = ffc_config_get_string (cfg, "icecast");
  const gchar *format = ffc_config_get_string (cfg, "format");

  if (data_dir == NULL || *data_dir == '\0') {
    g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_MISSING,
        "no data directory: give --data-dir or data-dir in [recorder] of "
        "the configuration file");
    return FALSE;
  }
  if (icecast != NULL) {
    const gchar *colon = strrchr (icecast, ':');
    gchar *end = NULL;
    gint64 port = colon ? g_ascii_strtoll (colon + 1, &end, 10) : 0;

    if (colon == NULL || colon == icecast || end == colon + 1 || *end != '\0'
        || port < 1 || port > 65535) {
      g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_BAD_VALUE,
          "icecast: '%s' is not HOST:PORT (e.g. 127.0.0.1:8000)", icecast);
      return FALSE;
    }
  }
  if (format != NULL && !g_str_equal (format, "wav")
      && !g_str_equal (format, "flac")) {
    g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_BAD_VALUE,
        "format: '%s' is not a segment format (wav or flac)", format);
    return FALSE;
  }
  return TRUE;
}
