/* ffcapture-recorder: the field recorder's triple-stream pipeline, a service.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One capture feeds a raw stream (native rate), a processed stream (48 kHz,
 * for detectors) and, when an Icecast server is given, a best-effort Opus
 * stream. Every promoted segment and every warning is printed. SIGINT and
 * SIGTERM become EOS, so the last segments are finalized and promoted before
 * the program exits. Exit status: 0 after a clean stop, 1 after an error,
 * 2 for bad arguments or configuration.
 *
 * Settings come from the configuration file (--config, default
 * /etc/ffcapture/recorder.conf) and the command line, which wins
 * (src/ffc-config.c). Under systemd (Type=notify) it says READY=1 once audio
 * flows and pets the watchdog only while audio flows and segments are
 * promoted (src/ffc-watchdog.c). It writes Prometheus metrics for
 * node_exporter's textfile collector (--metrics-file, src/ffc-metrics.c) and
 * a daily summary, a line a minute (summary/YYYY-MM-DD.csv,
 * src/ffc-summary.c). See ffcapture-recorder(1).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include <glib-unix.h>
#include <gst/gst.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "ffc-config.h"
#include "ffc-metrics.h"
#include "ffc-summary.h"
#include "ffc-watchdog.h"

#define THERMAL_ROOT "/sys/class/thermal"
/* samples-pushed not growing for this long: audio does not flow */
#define FLOW_TIMEOUT (3 * G_USEC_PER_SEC)

typedef struct {
  FfcConfig *cfg;
  GMainLoop *loop;
  GstElement *pipeline;
  GstElement *src;
  GstElement *stream; /* the besteffortsink, or NULL */
  gboolean stopping;
  gint exit_status;
  const gchar *data_dir;
  /* health */
  FfcHealth health;
  FfcHealth last_summary; /* the snapshot of the previous summary line */
  gboolean have_last_summary;
  gint64 last_metrics_us;
  gint64 last_minute;
  FfcWatchdog watchdog;
  guint64 watchdog_usec; /* 0: systemd does not watch */
  gboolean ready;
  gboolean pet_state;                   /* the last decision, to log changes */
  gchar *metrics_error, *summary_error; /* the last, said once */
} App;

/* A write error said once, not every interval; again when it changes. */
static void
report (gchar **last, GError *error)
{
  if (error == NULL) {
    g_clear_pointer (last, g_free);
    return;
  }
  if (g_strcmp0 (*last, error->message) != 0)
    g_printerr ("ffcapture-recorder: %s\n", error->message);
  g_free (*last);
  *last = g_strdup (error->message);
  g_error_free (error);
}

static void
notify (const gchar *state)
{
#ifdef HAVE_LIBSYSTEMD
  sd_notify (0, state);
#else
  (void)state;
#endif
}

static guint64
watchdog_usec (void)
{
#ifdef HAVE_LIBSYSTEMD
  uint64_t usec = 0;
  if (sd_watchdog_enabled (0, &usec) > 0)
    return usec;
#endif
  return 0;
}

static gboolean
have_element (const gchar *factory)
{
  GstElementFactory *f = gst_element_factory_find (factory);
  if (f != NULL)
    gst_object_unref (f);
  return f != NULL;
}

/* Any key of a group set, for the gates that appear only when used. */
static gboolean
role_used (const FfcConfig *cfg, FfcRole role)
{
  guint n;
  const FfcOption *opts = ffc_config_options (&n);

  for (guint i = 0; i < n; i++)
    if (opts[i].role == role && ffc_config_is_set (cfg, opts[i].key))
      return TRUE;
  return FALSE;
}

static gboolean
use_trigger (const FfcConfig *cfg)
{
  return ffc_config_get_bool (cfg, "trigger");
}

static gboolean
use_schedule (const FfcConfig *cfg)
{
  return role_used (cfg, FFC_ROLE_SCHEDULE);
}

/* Numbers go into the description; strings a user typed are set as
 * properties afterwards, so no quoting of theirs can change the pipeline. */
static gchar *
build_description (const FfcConfig *cfg)
{
  GString *d = g_string_new (NULL);
  gint rate = ffc_config_get_int (cfg, "rate");
  guint64 seg =
      (guint64)ffc_config_get_int (cfg, "segment-seconds") * GST_SECOND;

  g_string_append_printf (d,
      "ffmpegsrc name=src ! audio/x-raw,format=S16LE,rate=%d,channels=%d ! ",
      rate, ffc_config_get_int (cfg, "channels"));
  if (use_schedule (cfg))
    g_string_append (d, "schedulegate name=schedule ! ");
  if (use_trigger (cfg))
    g_string_append (d, "triggergate name=trigger ! ");
  g_string_append_printf (d,
      "tee name=t "
      "t. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! "
      "segmentsink name=raw stream-name=raw "
      "segment-duration=%" G_GUINT64_FORMAT " "
      "t. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! "
      "audioresample ! audio/x-raw,rate=%d ! tee name=p ! "
      "segmentsink name=processed stream-name=processed "
      "segment-duration=%" G_GUINT64_FORMAT,
      seg, ffc_config_get_int (cfg, "processed-rate"), seg);
  /* the live stream takes the processed stream: one resampler for both */
  if (ffc_config_get_string (cfg, "icecast") != NULL)
    g_string_append (d, " p. ! besteffortsink name=stream");
  return g_string_free (d, FALSE);
}

static GstElement *
by_name (GstElement *pipeline, const gchar *name)
{
  return gst_bin_get_by_name (GST_BIN (pipeline), name);
}

static void
set_string (GstElement *pipeline, const gchar *element, const gchar *property,
    const gchar *value)
{
  GstElement *e = by_name (pipeline, element);
  g_object_set (e, property, value, NULL);
  gst_object_unref (e);
}

/* One option onto one element's property of the same meaning: the value
 * converted to the property's type and checked against its range. */
static gboolean
set_mapped (GstElement *e, const FfcOption *o, const gchar *property,
    const FfcConfig *cfg, GError **error)
{
  GParamSpec *ps =
      g_object_class_find_property (G_OBJECT_GET_CLASS (e), property);
  const gchar *text = ffc_config_get_string (cfg, o->key);
  GValue from = G_VALUE_INIT, to = G_VALUE_INIT, checked = G_VALUE_INIT;
  gboolean ok = FALSE;

  if (ps == NULL) {
    g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_UNKNOWN_KEY,
        "%s = %s: this version's %s has no property '%s' (it comes with a "
        "newer gst-ffcapture); remove the key",
        o->key, text, GST_OBJECT_NAME (gst_element_get_factory (e)), property);
    return FALSE;
  }
  switch (o->kind) {
    case FFC_OPT_STRING:
    case FFC_OPT_PATH:
      g_value_init (&from, G_TYPE_STRING);
      g_value_set_string (&from, text);
      break;
    case FFC_OPT_INT:
      g_value_init (&from, G_TYPE_INT64);
      g_value_set_int64 (&from, ffc_config_get_int (cfg, o->key));
      break;
    case FFC_OPT_BOOL:
      g_value_init (&from, G_TYPE_BOOLEAN);
      g_value_set_boolean (&from, ffc_config_get_bool (cfg, o->key));
      break;
    case FFC_OPT_DOUBLE:
      g_value_init (&from, G_TYPE_DOUBLE);
      g_value_set_double (&from, ffc_config_get_double (cfg, o->key));
      break;
    case FFC_OPT_DURATION:
    case FFC_OPT_SIZE:
      g_value_init (&from, G_TYPE_UINT64);
      g_value_set_uint64 (&from, ffc_config_get_uint64 (cfg, o->key));
      break;
  }
  g_value_init (&to, ps->value_type);
  if ((G_TYPE_IS_ENUM (ps->value_type) || G_TYPE_IS_FLAGS (ps->value_type))
      && o->kind == FFC_OPT_STRING) {
    if (!gst_value_deserialize (&to, text))
      goto bad;
  } else if (!g_value_transform (&from, &to)) {
    goto bad;
  }
  g_value_init (&checked, ps->value_type);
  g_value_copy (&to, &checked);
  if (g_param_value_validate (ps, &checked))
    goto bad; /* out of the property's range */
  g_object_set_property (G_OBJECT (e), property, &to);
  ok = TRUE;
  goto out;
bad:
  g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_BAD_VALUE,
      "%s = %s: not a valid value of %s's %s", o->key, text,
      GST_OBJECT_NAME (gst_element_get_factory (e)), property);
out:
  g_value_unset (&from);
  g_value_unset (&to);
  if (G_IS_VALUE (&checked))
    g_value_unset (&checked);
  return ok;
}

static gboolean
configure (GstElement *pipeline, const FfcConfig *cfg, GError **error)
{
  static const gchar *const none[] = { NULL };
  static const gchar *const src[] = { "src", NULL };
  static const gchar *const segments[] = { "raw", "processed", NULL };
  static const gchar *const trigger[] = { "trigger", NULL };
  static const gchar *const schedule[] = { "schedule", NULL };
  const gchar *const *targets[] = { none, src, segments, trigger, schedule };
  const gchar *data_dir = ffc_config_get_string (cfg, "data-dir");
  gchar *raw_dir = g_build_filename (data_dir, "raw", NULL);
  gchar *processed_dir = g_build_filename (data_dir, "processed", NULL);
  gboolean mock = ffc_config_get_bool (cfg, "mock");
  gint rate = ffc_config_get_int (cfg, "rate");
  const gchar *icecast = ffc_config_get_string (cfg, "icecast");
  guint n;
  const FfcOption *opts = ffc_config_options (&n);
  gboolean ok = TRUE;

  set_string (pipeline, "raw", "location", raw_dir);
  set_string (pipeline, "processed", "location", processed_dir);
  g_free (raw_dir);
  g_free (processed_dir);

  for (guint i = 0; ok && i < n; i++) {
    const FfcOption *o = &opts[i];
    const gchar *const *names = targets[o->role];

    if (o->property == NULL || !ffc_config_is_set (cfg, o->key))
      continue;
    if (mock && o->role == FFC_ROLE_SOURCE
        && (g_str_equal (o->key, "device")
            || g_str_equal (o->key, "input-format")))
      continue; /* --mock chooses them */
    for (guint j = 0; ok && names[j] != NULL; j++) {
      GstElement *e = by_name (pipeline, names[j]);
      ok = set_mapped (e, o, o->property, cfg, error);
      gst_object_unref (e);
    }
  }
  /* the station's position is also where schedulegate's sun is */
  if (ok && use_schedule (cfg) && ffc_config_is_set (cfg, "position")) {
    GstElement *e = by_name (pipeline, "schedule");
    ok = set_mapped (e, ffc_config_lookup ("position"), "position", cfg, error);
    gst_object_unref (e);
  }
  if (!ok)
    return FALSE;

  /* the rate is the recorder's own default too, set whether given or not */
  {
    GstElement *e = by_name (pipeline, "src");
    g_object_set (e, "sample-rate", rate, NULL);
    if (!ffc_config_is_set (cfg, "channels"))
      g_object_set (e, "channels", ffc_config_get_int (cfg, "channels"), NULL);
    gst_object_unref (e);
  }
  if (mock) {
    /* ffmpeg's test tone paced like a device: no sound hardware needed */
    gchar *graph = g_strdup_printf ("sine=frequency=1000:sample_rate=%d", rate);
    set_string (pipeline, "src", "input-format", "lavfi");
    if (!ffc_config_is_set (cfg, "input-options"))
      set_string (pipeline, "src", "input-options", "-re");
    set_string (pipeline, "src", "device", graph);
    g_free (graph);
  } else {
    set_string (pipeline, "src", "input-format",
        ffc_config_get_string (cfg, "input-format"));
    set_string (
        pipeline, "src", "device", ffc_config_get_string (cfg, "device"));
  }
  if (icecast != NULL) {
    /* the strings the user typed, quoted in the branch's description */
    const gchar *colon = strrchr (icecast, ':');
    gchar *host = g_strndup (icecast, colon - icecast);
    gchar *branch = g_strdup_printf (
        "audioresample ! audioconvert ! opusenc bitrate=%d ! oggmux ! "
        "shout2send ip=\"%s\" port=%s password=\"%s\" mount=\"%s\"",
        ffc_config_get_int (cfg, "bitrate"), host, colon + 1,
        ffc_config_get_string (cfg, "password"),
        ffc_config_get_string (cfg, "mount"));
    set_string (pipeline, "stream", "branch", branch);
    g_free (branch);
    g_free (host);
  }
  return TRUE;
}

/* What the elements and the host say now, into app->health. */
static void
sample_health (App *app, gint64 now_us)
{
  FfcHealth *h = &app->health;
  GstStructure *s = NULL;
  struct statvfs vfs;

  h->now_us = now_us;
  g_object_get (app->src, "stats", &s, NULL);
  if (s != NULL) {
    guint restarts = 0;
    gint pid = 0;
    gboolean present = FALSE;

    gst_structure_get_uint64 (s, "samples-pushed", &h->samples_pushed);
    gst_structure_get_uint64 (s, "samples-dropped", &h->samples_dropped);
    gst_structure_get_uint64 (s, "samples-lost", &h->samples_lost);
    gst_structure_get_uint64 (s, "gaps", &h->gaps);
    if (gst_structure_get_uint (s, "restarts", &restarts))
      h->restarts = restarts;
    gst_structure_get_double (s, "drift-ppm", &h->drift_ppm);
    gst_structure_get_boolean (s, "clock-synchronised", &h->clock_synchronised);
    gst_structure_get_int (s, "child-pid", &pid);
    /* ffmpegsrc with wait-for-device says it; without, a device is present
     * while ffmpeg runs and audio flows */
    if (gst_structure_get_boolean (s, "device-present", &present))
      h->device_present = present;
    else
      h->device_present =
          pid > 0 && app->watchdog.last_growth_us != G_MININT64
          && now_us - app->watchdog.last_growth_us <= FLOW_TIMEOUT;
    gst_structure_free (s);
  }
  h->have_free = statvfs (app->data_dir, &vfs) == 0;
  if (h->have_free)
    h->free_bytes = (guint64)vfs.f_bavail * vfs.f_frsize;
  if (app->stream != NULL) {
    s = NULL;
    g_object_get (app->stream, "stats", &s, NULL);
    if (s != NULL) {
      guint restarts = 0;
      h->have_branch = TRUE;
      gst_structure_get_boolean (s, "up", &h->branch_up);
      if (gst_structure_get_uint (s, "restarts", &restarts))
        h->branch_restarts = restarts;
      gst_structure_free (s);
    }
  }
  ffc_health_read_thermal (h, THERMAL_ROOT);
}

static void
write_metrics (App *app)
{
  const gchar *path = ffc_config_get_string (app->cfg, "metrics-file");
  GError *error = NULL;
  gchar *text;

  if (path == NULL)
    return;
  text = ffc_metrics_format (&app->health);
  ffc_metrics_write (path, text, &error);
  report (&app->metrics_error, error);
  g_free (text);
  app->last_metrics_us = app->health.now_us;
}

static void
write_summary (App *app)
{
  GError *error = NULL;

  if (!ffc_config_get_bool (app->cfg, "summary"))
    return;
  ffc_summary_append (app->data_dir,
      app->have_last_summary ? &app->last_summary : NULL, &app->health, &error);
  report (&app->summary_error, error);
  app->last_summary = app->health;
  app->have_last_summary = TRUE;
}

static gboolean
tick (gpointer user_data)
{
  App *app = user_data;
  gint64 now = g_get_real_time ();
  gint64 minute = now / (60 * G_USEC_PER_SEC);
  gboolean pet;

  sample_health (app, now);
  pet = ffc_watchdog_check (&app->watchdog, now, app->health.samples_pushed);
  if (!app->ready && app->health.samples_pushed > 0 && !app->stopping) {
    gchar *status =
        g_strdup_printf ("READY=1\nSTATUS=recording into %s", app->data_dir);
    notify (status);
    g_free (status);
    g_print ("ffcapture-recorder: recording: audio flows\n");
    app->ready = TRUE;
  }
  if (app->watchdog_usec > 0 && !app->stopping) {
    if (pet)
      notify ("WATCHDOG=1");
    if (pet != app->pet_state) {
      g_print ("ffcapture-recorder: %s\n",
          pet ? "recording again: petting the watchdog"
              : "not recording (no audio, or no segment promoted): the "
                "watchdog is not petted");
      notify (pet ? "STATUS=recording" : "STATUS=not recording");
    }
  }
  app->pet_state = pet;
  if (now - app->last_metrics_us
      >= ffc_config_get_int (app->cfg, "metrics-interval") * G_USEC_PER_SEC)
    write_metrics (app);
  if (minute != app->last_minute) {
    write_summary (app);
    app->last_minute = minute;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
stop (gpointer user_data)
{
  App *app = user_data;

  if (!app->stopping) {
    app->stopping = TRUE;
    notify ("STOPPING=1\nSTATUS=finalizing the open segments");
    g_print ("ffcapture-recorder: stopping: finalizing the open segments\n");
    gst_element_send_event (app->pipeline, gst_event_new_eos ());
  }
  return G_SOURCE_CONTINUE;
}

static void
on_element_message (App *app, GstMessage *msg)
{
  const GstStructure *s = gst_message_get_structure (msg);
  const gchar *name = gst_structure_get_name (s);
  const gchar *element = GST_OBJECT_NAME (GST_MESSAGE_SRC (msg));

  if (g_str_equal (name, "segmentsink-promoted")) {
    FfcStreamHealth *st = ffc_health_stream (&app->health, element);
    guint64 samples = 0, bytes = 0;
    gint64 now = g_get_real_time ();

    gst_structure_get_uint64 (s, "samples", &samples);
    gst_structure_get_uint64 (s, "bytes", &bytes);
    if (st != NULL) {
      st->promoted++;
      st->bytes_written += bytes;
      st->last_promoted_us = now;
    }
    ffc_watchdog_promoted (&app->watchdog, now);
    g_print ("ffcapture-recorder: %s: %s (%" G_GUINT64_FORMAT
             " samples, start %s)\n",
        element, gst_structure_get_string (s, "location"), samples,
        gst_structure_get_string (s, "start-time"));
  } else if (g_str_has_prefix (name, "besteffortsink-")
             || g_str_has_prefix (name, "ffmpegsrc-")
             || g_str_has_prefix (name, "segmentsink-")
             || g_str_has_prefix (name, "triggergate-")
             || g_str_has_prefix (name, "schedulegate-")) {
    gchar *text = gst_structure_to_string (s);

    if (g_str_equal (name, "segmentsink-deleted")) {
      FfcStreamHealth *st = ffc_health_stream (&app->health, element);
      if (st != NULL)
        st->deleted++;
    }
    g_print ("ffcapture-recorder: %s\n", text);
    g_free (text);
  }
}

static gboolean
on_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  App *app = user_data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_EOS:
      g_print ("ffcapture-recorder: all segments finalized\n");
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      g_printerr ("ffcapture-recorder: ERROR from %s: %s\n%s\n",
          GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message,
          debug ? debug : "");
      app->exit_status = 1;
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, &debug);
      g_print ("ffcapture-recorder: warning from %s: %s\n",
          GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message);
      break;
    case GST_MESSAGE_ELEMENT:
      on_element_message (app, msg);
      break;
    default:
      break;
  }
  g_clear_error (&err);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

/* Gates and properties a newer plugin brings: refused with a reason, never
 * silently left out (a schedule ignored would fill the card). */
static gboolean
check_elements (const FfcConfig *cfg, GError **error)
{
  if (use_trigger (cfg) && !have_element ("triggergate")) {
    g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_UNKNOWN_KEY,
        "trigger = true needs the triggergate element, which this "
        "gst-ffcapture does not have");
    return FALSE;
  }
  if (!use_trigger (cfg) && role_used (cfg, FFC_ROLE_TRIGGER)) {
    g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_BAD_VALUE,
        "[trigger] settings are given but trigger = true is not: set it, or "
        "remove them");
    return FALSE;
  }
  if (use_schedule (cfg) && !have_element ("schedulegate")) {
    g_set_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_UNKNOWN_KEY,
        "[schedule] needs the schedulegate element, which this gst-ffcapture "
        "does not have");
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  GOptionContext *ctx = g_option_context_new (
      "- record raw, processed and live streams from one capture");
  GError *error = NULL;
  App app = {
    0,
  };
  gchar *description;
  GstBus *bus;
  gint64 segment_us;

  app.cfg = ffc_config_new ();
  ffc_config_add_options (app.cfg, ctx);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  g_option_context_set_description (ctx,
      "Every option can also be set in the configuration file, under the "
      "same name in its group; the command line wins. See "
      "ffcapture-recorder(1).");
  if (!g_option_context_parse (ctx, &argc, &argv, &error)
      || !ffc_config_finish (app.cfg, &error)
      || !check_elements (app.cfg, &error)) {
    g_printerr ("ffcapture-recorder: %s\n", error->message);
    g_error_free (error);
    g_option_context_free (ctx);
    ffc_config_free (app.cfg);
    return 2;
  }
  g_option_context_free (ctx);
  app.data_dir = ffc_config_get_string (app.cfg, "data-dir");
  g_print ("ffcapture-recorder %s: configuration %s; systemd notification "
           "%s\n",
      VERSION, ffc_config_file (app.cfg) ? ffc_config_file (app.cfg) : "(none)",
#ifdef HAVE_LIBSYSTEMD
      "on"
#else
      "not built"
#endif
  );

  description = build_description (app.cfg);
  g_print ("ffcapture-recorder: %s\n", description);
  app.pipeline = gst_parse_launch (description, &error);
  g_free (description);
  if (app.pipeline == NULL || error != NULL) {
    g_printerr ("ffcapture-recorder: cannot build the pipeline: %s\n",
        error ? error->message : "unknown error");
    return 2;
  }
  if (!configure (app.pipeline, app.cfg, &error)) {
    g_printerr ("ffcapture-recorder: %s\n", error->message);
    g_error_free (error);
    gst_object_unref (app.pipeline);
    ffc_config_free (app.cfg);
    return 2;
  }
  app.src = by_name (app.pipeline, "src");
  app.stream = by_name (app.pipeline, "stream");

  app.health.start_us = g_get_real_time ();
  app.health.drift_ppm = NAN;
  app.health.clock_synchronised = TRUE;
  ffc_health_stream (&app.health, "raw");
  ffc_health_stream (&app.health, "processed");
  if (app.stream != NULL)
    g_strlcpy (
        app.health.branch_name, "icecast", sizeof app.health.branch_name);
  app.last_minute = app.health.start_us / (60 * G_USEC_PER_SEC);
  app.last_metrics_us = G_MININT64 / 2;
  segment_us = ffc_config_get_int (app.cfg, "segment-seconds") * G_USEC_PER_SEC;
  /* gated recordings promote only now and then: flow alone counts */
  ffc_watchdog_init (&app.watchdog, app.health.start_us, FLOW_TIMEOUT,
      use_trigger (app.cfg) || use_schedule (app.cfg)
          ? 0
          : ffc_watchdog_promotion_timeout (segment_us));
  app.watchdog_usec = watchdog_usec ();

  app.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, on_message, &app);
  g_unix_signal_add (SIGINT, stop, &app);
  g_unix_signal_add (SIGTERM, stop, &app);
  if (ffc_config_get_int (app.cfg, "seconds") > 0)
    g_timeout_add_seconds (ffc_config_get_int (app.cfg, "seconds"), stop, &app);
  /* a tick a second, or twice per watchdog period if that is shorter */
  g_timeout_add (app.watchdog_usec > 0
                     ? (guint)CLAMP (app.watchdog_usec / 2000, 10, 1000)
                     : 1000,
      tick, &app);

  if (gst_element_set_state (app.pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    /* the ERROR on the bus says why */
    app.exit_status = 1;
  }
  g_print ("ffcapture-recorder: recording into %s (raw/ and processed/)\n",
      app.data_dir);
  g_main_loop_run (app.loop);

  /* the last state, before the elements stop and forget their counts:
   * metrics and the summary's last (partial) minute */
  sample_health (&app, g_get_real_time ());
  write_metrics (&app);
  write_summary (&app);
  gst_element_set_state (app.pipeline, GST_STATE_NULL);

  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (app.src);
  if (app.stream != NULL)
    gst_object_unref (app.stream);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);
  g_free (app.metrics_error);
  g_free (app.summary_error);
  ffc_config_free (app.cfg);
  return app.exit_status;
}
