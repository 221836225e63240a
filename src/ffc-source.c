/* gst-ffcapture: ffmpegsrc's core, from its settings to a running capture
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ffc-source.h"

#include <math.h>
#include <string.h>

#include "ffc-clock.h"
#include "ffc-device.h"
#include "ffc-probe.h"

struct _FfcSource {
  /* start to stop, written by start (): the snapshot and what it resolved
   * to; the input as probed */
  FfcSrcSettings run;
  gchar *program;
  gchar **input_argv;
  FfcDeviceSpec spec;
  gchar *root;
  gboolean probed;
  FfcInputAudio input;
  /* the output: written by run () while no capture thread runs */
  FfcSampleFormat format;
  guint rate, channels;
  gboolean live;
  FfcChunker chunker; /* the streaming thread's */

  GMutex lock; /* the rest */
  FfcCapture *capture;
  gboolean flushing;
  guint bpf; /* of the running capture; 0 before */
  gboolean batch_writes;
  guint64 samples_pushed;
  gdouble drift_ppm; /* NAN until known */
  gboolean synchronised;
  gchar *device_info;
};

G_DEFINE_QUARK (ffc - source - error - quark, ffc_source_error)

static const gchar *
or_null (const gchar *text)
{
  return text != NULL ? text : "(NULL)";
}

FfcSource *
ffc_source_new (void)
{
  FfcSource *s = g_new0 (FfcSource, 1);

  g_mutex_init (&s->lock);
  s->drift_ppm = NAN;
  s->synchronised = TRUE;
  return s;
}

void
ffc_source_free (FfcSource *s)
{
  if (s == NULL)
    return;
  ffc_source_stop (s);
  ffc_src_settings_clear (&s->run);
  g_free (s->program);
  g_strfreev (s->input_argv);
  ffc_device_spec_clear (&s->spec);
  g_free (s->root);
  ffc_chunker_clear (&s->chunker);
  g_free (s->device_info);
  g_mutex_clear (&s->lock);
  g_free (s);
}

gboolean
ffc_source_start (FfcSource *s, const FfcSrcSettings *settings,
    const gchar *root, gchar **details, GError **error)
{
  GError *local = NULL;
  gboolean synchronised;

  *details = NULL;
  ffc_src_settings_copy (&s->run, settings);
  g_clear_pointer (&s->program, g_free);
  g_clear_pointer (&s->input_argv, g_strfreev);
  ffc_device_spec_clear (&s->spec);
  g_free (s->root);
  s->root = g_strdup (root);
  s->probed = FALSE;
  memset (&s->input, 0, sizeof (s->input));
  g_mutex_lock (&s->lock);
  s->samples_pushed = 0;
  g_mutex_unlock (&s->lock);

  if (!ffc_src_settings_resolve (
          &s->run, &s->program, &s->input_argv, &local)) {
    gboolean absent = local->code == FFC_SETTINGS_ERROR_NOT_FOUND;

    g_set_error_literal (error, FFC_SOURCE_ERROR,
        absent ? FFC_SOURCE_ERROR_NOT_FOUND : FFC_SOURCE_ERROR_SETTINGS,
        local->message);
    if (absent)
      *details =
          g_strdup_printf ("ffmpeg-path=\"%s\"", or_null (s->run.ffmpeg_path));
    g_error_free (local);
    return FALSE;
  }
  g_mutex_lock (&s->lock);
  g_free (s->device_info);
  s->device_info = g_strdup (s->run.device);
  g_mutex_unlock (&s->lock);
  if (!ffc_device_check_start (s->run.input_format, s->run.device,
          s->run.wait_for_device, s->root, &s->spec, &local)) {
    if (local->code == FFC_DEVICE_ERROR_INVALID) {
      g_set_error (error, FFC_SOURCE_ERROR, FFC_SOURCE_ERROR_SETTINGS,
          "Invalid device: %s", local->message);
    } else {
      g_set_error (error, FFC_SOURCE_ERROR, FFC_SOURCE_ERROR_NOT_FOUND,
          "Cannot capture from \"%s\": %s", or_null (s->run.device),
          local->message);
      *details = g_strdup (
          "wait-for-device=true waits for a device that is not there yet");
    }
    g_error_free (local);
    return FALSE;
  }
  /* the time model starts afresh with each start: the device may differ */
  synchronised = ffc_clock_synchronised ();
  ffc_chunker_start (&s->chunker, synchronised);
  g_mutex_lock (&s->lock);
  s->drift_ppm = NAN;
  s->synchronised = synchronised;
  g_mutex_unlock (&s->lock);
  return TRUE;
}

const FfcSrcSettings *
ffc_source_settings (const FfcSource *s)
{
  return &s->run;
}

void
ffc_source_stop (FfcSource *s)
{
  FfcCapture *capture;

  g_mutex_lock (&s->lock);
  capture = s->capture;
  s->capture = NULL;
  s->bpf = 0;
  g_mutex_unlock (&s->lock);
  /* Stops and reaps ffmpeg (SIGINT, SIGTERM, SIGKILL). */
  ffc_capture_free (capture);
  s->rate = s->channels = 0;
}

gboolean
ffc_source_probe (FfcSource *s, FfcInputAudio *input, GError **error)
{
  if (s->probed)
    return FALSE;
  s->probed = TRUE;
  if (!ffc_src_settings_probe_now (&s->run, &s->spec, s->root, s->program,
          s->input_argv, FFC_SOURCE_PROBE_TIMEOUT_MS, &s->input, error))
    return FALSE;
  *input = s->input;
  return TRUE;
}

FfcInputAudio
ffc_source_own (FfcSource *s)
{
  return ffc_probe_own (&s->input, s->run.sample_rate, s->run.channels);
}

gboolean
ffc_source_argv (FfcSource *s, gchar ***argv, gchar **info, gchar **why)
{
  GError *error = NULL;
  gboolean present =
      ffc_src_settings_argv_for_run (&s->run, &s->spec, s->root, s->program,
          s->input_argv, s->format, s->rate, s->channels, argv, info, &error);

  if (!present)
    *why = g_strdup (error->message);
  g_clear_error (&error);
  g_mutex_lock (&s->lock);
  g_free (s->device_info);
  s->device_info = g_strdup (present ? *info : "");
  g_mutex_unlock (&s->lock);
  return present;
}

static gboolean
argv_for_run (gchar ***argv, gchar **info, gchar **why, gpointer data)
{
  return ffc_source_argv (data, argv, info, why);
}

gboolean
ffc_source_run (FfcSource *s, FfcSampleFormat format, guint rate,
    guint channels, FfcLineFunc line_func, FfcArgvFunc argv_func, gpointer data,
    gchar **command, GError **error)
{
  FfcCaptureConfig config;
  FfcCapture *capture, *old;
  gboolean batch_writes, live;

  /* a rate or channel count no recorder uses: downstream asked for it */
  if (!ffc_settings_check ("rate", rate, error)
      || !ffc_settings_check ("channels", channels, error))
    return FALSE;
  ffc_src_settings_capture_config (&s->run, s->program, s->input_argv, format,
      rate, channels, &config, &batch_writes, &live);
  config.stop_grace_ms = FFC_SOURCE_STOP_GRACE_MS;
  config.line_func = line_func;
  config.line_data = data;
  /* a device by identity is resolved before each run of ffmpeg */
  if (ffc_device_spec_resolves (&s->spec)) {
    config.argv_func = argv_func != NULL ? argv_func : argv_for_run;
    config.argv_data = argv_func != NULL ? data : s;
  }
  *command = g_strjoinv (" ", config.argv);
  capture = ffc_capture_new (&config);
  g_strfreev (config.argv);

  g_mutex_lock (&s->lock);
  old = s->capture;
  s->capture = NULL;
  s->bpf = 0;
  g_mutex_unlock (&s->lock);
  ffc_capture_free (old);
  /* no capture thread reads them now */
  s->format = format;
  s->rate = rate;
  s->channels = channels;
  s->live = live;
  if (!ffc_capture_start (capture, error)) {
    ffc_capture_free (capture);
    return FALSE;
  }
  g_mutex_lock (&s->lock);
  s->capture = capture;
  s->bpf = config.frame_size;
  s->batch_writes = batch_writes;
  if (s->flushing)
    ffc_capture_set_flushing (capture, TRUE);
  g_mutex_unlock (&s->lock);
  /* a new ffmpeg: its first buffer is anchored anew and DISCONT */
  ffc_chunker_new_capture (&s->chunker);
  return TRUE;
}

FfcCapture *
ffc_source_capture (FfcSource *s)
{
  FfcCapture *capture;

  g_mutex_lock (&s->lock);
  capture = s->capture;
  g_mutex_unlock (&s->lock);
  return capture;
}

void
ffc_source_set_flushing (FfcSource *s, gboolean flushing)
{
  g_mutex_lock (&s->lock);
  s->flushing = flushing;
  if (s->capture != NULL)
    ffc_capture_set_flushing (s->capture, flushing);
  g_mutex_unlock (&s->lock);
}

gboolean
ffc_source_finish (FfcSource *s)
{
  gboolean running;

  g_mutex_lock (&s->lock);
  running = s->capture != NULL;
  if (running)
    ffc_capture_finish (s->capture);
  g_mutex_unlock (&s->lock);
  return running;
}

gboolean
ffc_source_latency (FfcSource *s, guint64 *min_ns, guint64 *max_ns)
{
  guint bpf, rate;
  gboolean batch;

  g_mutex_lock (&s->lock);
  bpf = s->bpf;
  rate = bpf > 0 ? s->rate : 0;
  batch = s->batch_writes;
  g_mutex_unlock (&s->lock);
  if (rate == 0)
    return FALSE;
  ffc_src_settings_latency (&s->run, batch, bpf, rate, min_ns, max_ns);
  return TRUE;
}

gboolean
ffc_source_needs_anchor (FfcSource *s, const FfcItem *item)
{
  return ffc_chunker_needs_anchor (&s->chunker, item);
}

gboolean
ffc_source_push (
    FfcSource *s, const FfcItem *item, const FfcClockNow *now, FfcStamp *out)
{
  if (!ffc_chunker_stamp (&s->chunker, item, s->live, s->rate, now, out))
    return FALSE;
  g_mutex_lock (&s->lock);
  s->samples_pushed += out->frames;
  g_mutex_unlock (&s->lock);
  return TRUE;
}

void
ffc_source_feed (FfcSource *s, const FfcItem *item, gboolean new_run,
    gint64 end_rt_ns, FfcTimekeeperNews *news, gboolean *synchronised)
{
  FfcTimekeeper *tk = &s->chunker.timekeeper;

  ffc_chunker_feed (
      &s->chunker, item, new_run, s->live, s->rate, end_rt_ns, news);
  *synchronised = tk->synchronised;
  g_mutex_lock (&s->lock);
  s->drift_ppm = ffc_timekeeper_drift_ppm (tk);
  s->synchronised = tk->synchronised;
  g_mutex_unlock (&s->lock);
}

gboolean
ffc_source_synchronised (FfcSource *s)
{
  gboolean synchronised;

  g_mutex_lock (&s->lock);
  synchronised = s->synchronised;
  g_mutex_unlock (&s->lock);
  return synchronised;
}

gchar *
ffc_source_describe (
    FfcSource *s, FfcCapture *capture, const FfcItem *item, gchar **details)
{
  FfcCaptureStats stats;

  *details = NULL;
  switch (item->type) {
    case FFC_ITEM_DROPPED:
    case FFC_ITEM_XRUN:
    case FFC_ITEM_GAP:
      ffc_capture_get_stats (capture, &stats);
      return ffc_item_describe (
          item, &stats, s->rate, s->run.buffer_time_ns, details);
    case FFC_ITEM_DEVICE_LOST:
    case FFC_ITEM_ERROR:
      return ffc_item_describe_failure (item, s->run.device,
          s->run.input_format,
          item->type == FFC_ITEM_DEVICE_LOST && s->run.wait_for_device,
          details);
    default:
      return NULL;
  }
}

gchar *
ffc_source_device_info (FfcSource *s, const FfcItem *item)
{
  gchar *info;

  if (item != NULL && item->device_info != NULL)
    return g_strdup (item->device_info);
  g_mutex_lock (&s->lock);
  info = g_strdup (or_null (s->device_info));
  g_mutex_unlock (&s->lock);
  return info;
}

gchar *
ffc_source_stats (FfcSource *s, FfcSrcStats *out)
{
  FfcCaptureStats capture;
  gchar *info;

  g_mutex_lock (&s->lock);
  if (s->capture != NULL)
    ffc_capture_get_stats (s->capture, &capture);
  info = g_strdup (s->device_info != NULL ? s->device_info : "");
  ffc_src_stats_make (out, s->capture != NULL ? &capture : NULL,
      s->samples_pushed, s->bpf, s->bpf > 0 ? s->rate : 0, s->drift_ppm,
      s->synchronised, info);
  g_mutex_unlock (&s->lock);
  return info;
}
