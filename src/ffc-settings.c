/* gst-ffcapture: the ranges of the elements' settings
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One table says what each setting accepts and why (docs/ffmpegsrc.md and
 * docs/besteffortsink.md say the same): the property setters warn with it,
 * and start() refuses with it, so that an absurd value fails loudly instead
 * of flooding the bus, spinning, or running on a default.
 */
#include "ffc-settings.h"

#include <string.h>

#include "ffc-args.h"
#include "ffc-child.h"

#define MS ((gint64)1000000)
#define S ((gint64)1000000000)

typedef struct {
  const gchar *property;
  gint64 min, max;
  gboolean zero_ok; /* 0 means something: the device decides, never */
  const gchar *unit;
  const gchar *text;
} Range;

static const Range ranges[] = {
  { "sample-rate", FFC_RATE_MIN, FFC_RATE_MAX, TRUE, "Hz",
      "0 (the device decides) or 1000 to 1536000 Hz" },
  { "rate", FFC_RATE_MIN, FFC_RATE_MAX, FALSE, "Hz", "1000 to 1536000 Hz" },
  { "channels", 1, FFC_CHANNELS_MAX, TRUE, "",
      "0 (the device decides) or 1 to 64" },
  { "buffer-time", 10 * MS, 3600 * S, FALSE, "ns",
      "10 ms to 1 h (10000000 to 3600000000000 ns)" },
  { "latency-time", 1 * MS, 1 * S, TRUE, "ns",
      "0 (each write of ffmpeg's as it comes) or 1 ms to 1 s (1000000 to "
      "1000000000 ns)" },
  { "stall-timeout", 100 * MS, 3600 * S, FALSE, "ns",
      "100 ms to 1 h (100000000 to 3600000000000 ns)" },
  { "max-restarts", -1, G_MAXINT, FALSE, "", "-1 (unlimited) or 0 or more" },
  { "stats-interval", 100 * MS, 24 * 3600 * S, TRUE, "ns",
      "0 (never) or 100 ms to 24 h (100000000 to 86400000000000 ns)" },
  { "max-latency", 10 * MS, 60 * S, FALSE, "ns",
      "10 ms to 60 s (10000000 to 60000000000 ns)" },
  { "retry-delay", 10 * MS, 3600 * S, FALSE, "ns",
      "10 ms to 1 h (10000000 to 3600000000000 ns)" },
  { "eos-timeout", 10 * MS, 3600 * S, FALSE, "ns",
      "10 ms to 1 h (10000000 to 3600000000000 ns)" },
  /* waiting for a device by identity */
  { "device-poll", 10 * MS, 60 * S, FALSE, "ns",
      "10 ms to 60 s (10000000 to 60000000000 ns)" },
  { "device-settle", 0, 600 * S, TRUE, "ns",
      "0 to 10 min (0 to 600000000000 ns)" },
  { "device-timeout", 100 * MS, 30 * 24 * 3600 * S, TRUE, "ns",
      "0 (wait forever) or 100 ms to 30 days (100000000 to "
      "2592000000000000 ns)" },
};

G_DEFINE_QUARK (ffc - settings - error - quark, ffc_settings_error)

static const Range *
find (const gchar *property)
{
  for (gsize i = 0; i < G_N_ELEMENTS (ranges); i++)
    if (g_strcmp0 (ranges[i].property, property) == 0)
      return &ranges[i];
  return NULL;
}

const gchar *
ffc_settings_range_text (const gchar *property)
{
  const Range *r = find (property);
  return r ? r->text : NULL;
}

gboolean
ffc_settings_check (const gchar *property, gint64 value, GError **error)
{
  const Range *r = find (property);

  g_return_val_if_fail (r != NULL, FALSE);
  if ((r->zero_ok && value == 0) || (value >= r->min && value <= r->max))
    return TRUE;
  g_set_error (error, FFC_SETTINGS_ERROR, FFC_SETTINGS_ERROR_RANGE,
      "%s=%" G_GINT64_FORMAT "%s%s is out of range: %s", property, value,
      *r->unit ? " " : "", r->unit, r->text);
  return FALSE;
}

gboolean
ffc_src_settings_check_value (
    const gchar *property, gint64 number, const gchar *text, GError **error)
{
  gchar **argv = NULL;
  gboolean ok = TRUE;

  if (ffc_settings_range_text (property) != NULL)
    ok = ffc_settings_check (property, number, error);
  else if (g_strcmp0 (property, "input-options") == 0)
    ok = ffc_args_split_options (text, &argv, error);
  g_strfreev (argv);
  return ok;
}

gboolean
ffc_src_settings_take (const gchar *property, gint64 number, const gchar *text,
    gboolean started, gchar **warning)
{
  GError *error = NULL;

  *warning = NULL;
  if (started) {
    *warning = g_strdup_printf ("cannot change %s while running; set it in "
                                "the NULL or READY state",
        property);
    return FALSE;
  }
  /* kept, so that start () fails with the same message */
  if (!ffc_src_settings_check_value (property, number, text, &error))
    *warning =
        g_strdup_printf ("%s; the state change will fail", error->message);
  g_clear_error (&error);
  return TRUE;
}

void
ffc_src_settings_clear (FfcSrcSettings *s)
{
  g_free (s->ffmpeg_path);
  g_free (s->input_format);
  g_free (s->device);
  g_free (s->input_options);
  g_free (s->filter);
  memset (s, 0, sizeof (*s));
}

void
ffc_src_settings_copy (FfcSrcSettings *dst, const FfcSrcSettings *src)
{
  if (dst == src)
    return;
  ffc_src_settings_clear (dst);
  *dst = *src;
  dst->ffmpeg_path = g_strdup (src->ffmpeg_path);
  dst->input_format = g_strdup (src->input_format);
  dst->device = g_strdup (src->device);
  dst->input_options = g_strdup (src->input_options);
  dst->filter = g_strdup (src->filter);
}

gboolean
ffc_src_settings_check (const FfcSrcSettings *s, GError **error)
{
  /* a uint64 beyond G_MAXINT64 is as absurd as any: it stays out of range */
  return ffc_settings_check ("sample-rate", s->sample_rate, error)
         && ffc_settings_check ("channels", s->channels, error)
         && ffc_settings_check ("buffer-time",
             (gint64)MIN (s->buffer_time_ns, (guint64)G_MAXINT64), error)
         && ffc_settings_check ("latency-time",
             (gint64)MIN (s->latency_time_ns, (guint64)G_MAXINT64), error)
         && ffc_settings_check ("stall-timeout",
             (gint64)MIN (s->stall_timeout_ns, (guint64)G_MAXINT64), error)
         && ffc_settings_check ("max-restarts", s->max_restarts, error)
         && ffc_settings_check ("stats-interval",
             (gint64)MIN (s->stats_interval_ns, (guint64)G_MAXINT64), error)
         /* devices by identity */
         && ffc_settings_check ("device-poll",
             (gint64)MIN (s->device_poll_ns, (guint64)G_MAXINT64), error)
         && ffc_settings_check ("device-settle",
             (gint64)MIN (s->device_settle_ns, (guint64)G_MAXINT64), error)
         && ffc_settings_check ("device-timeout",
             (gint64)MIN (s->device_timeout_ns, (guint64)G_MAXINT64), error);
}

gboolean
ffc_branch_settings_check (const FfcBranchSettings *s, GError **error)
{
  return ffc_settings_check ("max-latency",
             (gint64)MIN (s->max_latency_ns, (guint64)G_MAXINT64), error)
         && ffc_settings_check ("retry-delay",
             (gint64)MIN (s->retry_delay_ns, (guint64)G_MAXINT64), error)
         && ffc_settings_check ("eos-timeout",
             (gint64)MIN (s->eos_timeout_ns, (guint64)G_MAXINT64), error);
}

void
ffc_src_settings_capture_config (const FfcSrcSettings *s, const gchar *program,
    gchar **input_argv, FfcSampleFormat format, guint rate, guint channels,
    FfcCaptureConfig *config, gboolean *batch_writes, gboolean *live_input)
{
  gboolean live = ffc_args_input_is_live (s->input_format, input_argv);
  FfcArgsConfig args = {
    .ffmpeg_path = program,
    .input_format = s->input_format,
    .device = s->device,
    .capture_rate = s->sample_rate,
    .capture_channels = s->channels,
    .input_options = input_argv,
    .filter = s->filter,
    .out_format = format,
    .out_rate = rate,
    .out_channels = channels,
    .batch_writes = ffc_args_batch_writes (format, rate, channels),
    .lock_to_clock = s->lock_to_clock,
    /* a live input can lose audio inside ffmpeg (device overruns): have it
     * report its input timestamps, whose jumps show the losses; locked,
     * ffmpeg fills losses itself (aresample pads them with silence): they
     * are no gaps in the stream */
    .report_frames = live && !s->lock_to_clock,
  };
  guint64 frames = (guint64)((gdouble)s->buffer_time_ns * rate / 1e9);

  memset (config, 0, sizeof (*config));
  config->argv = ffc_args_build (&args);
  config->frame_size = channels * ffc_sample_format_width (format);
  config->rate = rate;
  /* at least a few of ffmpeg's writes (32 KiB blocks at high rates,
   * else packets of about 1024 frames): a queue smaller than one write (10
   * ms at 384 kHz is 7.5 KiB) drops most of each */
  config->queue_capacity = MAX (MAX (frames, 1) * config->frame_size,
      FFC_QUEUE_MIN_WRITES
          * (args.batch_writes ? FFC_FFMPEG_IO_BUFFER_BYTES
                               : 1024 * config->frame_size));
  config->stall_timeout_us = s->stall_timeout_ns / 1000;
  config->block_us = s->latency_time_ns / 1000;
  config->max_restarts = s->max_restarts;
  /* ffmpeg ends "normally" when a device read fails (unplugged): for
   * devices, an exit after errors is a failure to recover from */
  config->restart_on_error_exit = ffc_args_input_is_device (s->input_format)
                                  || g_strcmp0 (s->input_format, "lavfi") == 0;
  config->detect_gaps = args.report_frames;
  /* a file or an unpaced source can wait for a slow downstream; only a
   * live capture must never be held up */
  config->wait_when_full = !live;
  /* restarting a file would record its beginning again */
  config->no_restart = !live;
  /* an absent device by identity: waited for, or a failed run */
  config->device_wait.wait = s->wait_for_device;
  config->device_wait.poll_us = s->device_poll_ns / 1000;
  config->device_wait.settle_us = s->device_settle_ns / 1000;
  config->device_wait.timeout_us = s->device_timeout_ns / 1000;
  *batch_writes = args.batch_writes;
  *live_input = live;
}

gchar **
ffc_src_settings_argv (const FfcSrcSettings *s, const gchar *device,
    const gchar *program, gchar **input_argv, FfcSampleFormat format,
    guint rate, guint channels)
{
  FfcSrcSettings with =
      *s; /* shallow: only read, and only the device differs */
  FfcCaptureConfig config;
  gboolean batch_writes, live_input;

  with.device = (gchar *)device;
  ffc_src_settings_capture_config (&with, program, input_argv, format, rate,
      channels, &config, &batch_writes, &live_input);
  return config.argv;
}

gboolean
ffc_src_settings_argv_for_run (const FfcSrcSettings *s,
    const FfcDeviceSpec *spec, const gchar *root, const gchar *program,
    gchar **input_argv, FfcSampleFormat format, guint rate, guint channels,
    gchar ***argv, gchar **info, GError **error)
{
  FfcDeviceMatch match;

  *argv = NULL;
  *info = NULL;
  if (!ffc_device_resolve (spec, root, &match, error))
    return FALSE;
  *argv = ffc_src_settings_argv (
      s, match.alsa_name, program, input_argv, format, rate, channels);
  *info = g_strdup (match.info);
  ffc_device_match_clear (&match);
  return TRUE;
}

gboolean
ffc_src_settings_resolve (const FfcSrcSettings *s, gchar **program,
    gchar ***input_argv, GError **error)
{
  GError *local = NULL;

  *program = NULL;
  *input_argv = NULL;
  if (!ffc_src_settings_check (s, error))
    return FALSE;
  *program = ffc_child_find_program (s->ffmpeg_path, &local);
  if (*program == NULL) {
    g_set_error (error, FFC_SETTINGS_ERROR, FFC_SETTINGS_ERROR_NOT_FOUND,
        "Cannot run ffmpeg: %s", local->message);
  } else if (!ffc_args_split_options (s->input_options, input_argv, &local)) {
    g_set_error (error, FFC_SETTINGS_ERROR, FFC_SETTINGS_ERROR_INVALID,
        "Invalid input-options \"%s\": %s", s->input_options, local->message);
  } else if (s->device == NULL || *s->device == '\0') {
    g_set_error_literal (error, FFC_SETTINGS_ERROR, FFC_SETTINGS_ERROR_INVALID,
        "No device given: set the device property (what ffmpeg opens with "
        "-i)");
  } else {
    return TRUE;
  }
  g_clear_error (&local);
  g_clear_pointer (program, g_free);
  g_clear_pointer (input_argv, g_strfreev);
  return FALSE;
}

gboolean
ffc_src_settings_probe (const FfcSrcSettings *s, const gchar *program,
    gchar **input_argv, guint timeout_ms, FfcInputAudio *input, GError **error)
{
  FfcArgsConfig args = {
    .ffmpeg_path = program,
    .input_format = s->input_format,
    .device = s->device,
    .input_options = input_argv,
  };
  gchar **argv = ffc_args_build_probe (&args);
  gboolean ok =
      ffc_probe_input ((const gchar *const *)argv, timeout_ms, input, error);

  g_strfreev (argv);
  return ok;
}

gboolean
ffc_src_settings_probe_now (const FfcSrcSettings *s, const FfcDeviceSpec *spec,
    const gchar *root, const gchar *program, gchar **input_argv,
    guint timeout_ms, FfcInputAudio *input, GError **error)
{
  FfcDeviceMatch match = { NULL, NULL, -1 };
  FfcSrcSettings now = *s; /* shallow: the device as it is now */
  gboolean ok = TRUE;

  memset (input, 0, sizeof (*input));
  if (ffc_device_spec_resolves (spec)) {
    ok = ffc_device_resolve (spec, root, &match, error);
    now.device = match.alsa_name;
  }
  if (ok)
    ok = ffc_src_settings_probe (
        &now, program, input_argv, timeout_ms, input, error);
  if (!ok)
    memset (input, 0, sizeof (*input));
  ffc_device_match_clear (&match);
  return ok;
}

/* ffmpeg's own device buffering, which the timestamps cannot see */
#define DEVICE_LATENCY_NS (20 * MS)
/* about one capture packet (ALSA period, lavfi frame) */
#define PACKET_LATENCY_NS (25 * MS)

void
ffc_src_settings_latency (const FfcSrcSettings *s, gboolean batch_writes,
    guint bytes_per_frame, guint rate, guint64 *min_ns, guint64 *max_ns)
{
  guint64 frames = FFC_FFMPEG_IO_BUFFER_BYTES / MAX (bytes_per_frame, 1);

  /* a chunk waits up to latency-time for more of ffmpeg's writes */
  *min_ns = DEVICE_LATENCY_NS
            + (batch_writes ? frames * S / MAX (rate, 1) : PACKET_LATENCY_NS)
            + s->latency_time_ns;
  *max_ns = MAX (s->buffer_time_ns, *min_ns);
}
