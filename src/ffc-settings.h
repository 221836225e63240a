/* gst-ffcapture: the ranges of the elements' settings
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_SETTINGS_H__
#define __FFC_SETTINGS_H__

#include <glib.h>

#include "ffc-args.h"
#include "ffc-capture.h"
#include "ffc-probe.h"

/* ffmpegsrc's queue holds at least this many of ffmpeg's pipe writes
 * (32 KiB blocks at high rates, else packets of about 1024 frames),
 * whatever buffer-time says */
#define FFC_QUEUE_MIN_WRITES 4

G_BEGIN_DECLS

#define FFC_SETTINGS_ERROR (ffc_settings_error_quark ())
GQuark ffc_settings_error_quark (void);

typedef enum {
  FFC_SETTINGS_ERROR_RANGE,     /* a value outside what a recorder can use */
  FFC_SETTINGS_ERROR_NOT_FOUND, /* no ffmpeg program to run */
  FFC_SETTINGS_ERROR_INVALID,   /* options that do not split, no device */
} FfcSettingsError;

/* Rates a recorder can use: 1 kHz to 1.536 MHz (ultrasonic devices run at
 * 384 or 768 kHz; nothing below 1 kHz is audio capture) */
#define FFC_RATE_MIN 1000
#define FFC_RATE_MAX 1536000
/* channels: 0 = the device decides, else 1 to 64 */
#define FFC_CHANNELS_MAX 64

/* Checks one setting, by property name (ffmpegsrc: sample-rate, channels,
 * buffer-time, stall-timeout, max-restarts, stats-interval, device-poll,
 * device-settle, device-timeout; besteffortsink:
 * max-latency, retry-delay, eos-timeout; "rate": a negotiated rate). Sets
 * an error naming the property, the value and the range. Times are ns. */
gboolean ffc_settings_check (
    const gchar *property, gint64 value, GError **error);

/* A short text of the range, for blurbs and docs ("0 or 1000 to 1536000
 * Hz") */
const gchar *ffc_settings_range_text (const gchar *property);

/* ffmpegsrc's settings, as its properties hold them and as copied at start
 * (the running capture uses the copy only); times in ns */
typedef struct {
  gchar *ffmpeg_path;
  gchar *input_format;
  gchar *device;
  gint sample_rate;
  gint channels;
  gchar *input_options;
  gchar *filter;
  guint64 buffer_time_ns;
  guint64 latency_time_ns;
  guint64 stall_timeout_ns;
  gint max_restarts;
  guint64 stats_interval_ns;
  gboolean lock_to_clock;
  /* devices by identity (ffc-device.h): waiting for an absent one */
  gboolean wait_for_device;
  guint64 device_poll_ns;
  guint64 device_settle_ns;
  guint64 device_timeout_ns;
} FfcSrcSettings;

/* a deep copy into `dst` (cleared first) */
void ffc_src_settings_copy (FfcSrcSettings *dst, const FfcSrcSettings *src);
void ffc_src_settings_clear (FfcSrcSettings *s);

/* The settings with a range are in it; says which is not, and why */
gboolean ffc_src_settings_check (const FfcSrcSettings *s, GError **error);
/* One value as a property setter is given it (`number` for the numeric
 * properties, `text` for the strings), refused as ffc_src_settings_check ()
 * will refuse it at start: a number out of its range, input-options that do
 * not split; any other property or value passes. */
gboolean ffc_src_settings_check_value (
    const gchar *property, gint64 number, const gchar *text, GError **error);

/* A new value of a property (`number`, `text` as for
 * ffc_src_settings_check_value ()), set while `started` or not: TRUE if it
 * is taken. *warning (to free; NULL if none) says what is wrong: no value
 * is taken while started (the running capture was built from them:
 * GST_PARAM_MUTABLE_READY); a value start () will refuse is taken, and the
 * state change will fail with the same message. */
gboolean ffc_src_settings_take (const gchar *property, gint64 number,
    const gchar *text, gboolean started, gchar **warning);

/* Everything start () checks, in order: the ranges, the program (found in
 * PATH: *program), the input options (split: *input_argv) and a device. */
gboolean ffc_src_settings_resolve (const FfcSrcSettings *s, gchar **program,
    gchar ***input_argv, GError **error);

/* What the input of `s` delivers, asked of ffmpeg (ffc-probe.c) */
gboolean ffc_src_settings_probe (const FfcSrcSettings *s, const gchar *program,
    gchar **input_argv, guint timeout_ms, FfcInputAudio *input, GError **error);

/* The latency (ns) of a capture: a buffer is complete one ffmpeg write
 * after its first sample (its 32 KiB I/O buffer when batching, else about
 * one packet), plus the device's own buffering (min); the queue can hold
 * buffer-time more (max). */
void ffc_src_settings_latency (const FfcSrcSettings *s, gboolean batch_writes,
    guint bytes_per_frame, guint rate, guint64 *min_ns, guint64 *max_ns);

/* The capture `s` makes, producing `format` at `rate` with `channels`:
 * ffmpeg's arguments (config->argv, to free) and how the capture behaves
 * for this input (live or not, a device or not). The caller sets the line
 * callback and the stop grace. */
void ffc_src_settings_capture_config (const FfcSrcSettings *s,
    const gchar *program, gchar **input_argv, FfcSampleFormat format,
    guint rate, guint channels, FfcCaptureConfig *config,
    gboolean *batch_writes, gboolean *live_input);

/* ffmpeg's arguments as ffc_src_settings_capture_config () makes them, but
 * opening `device`: a device by identity as resolved for one run */
gchar **ffc_src_settings_argv (const FfcSrcSettings *s, const gchar *device,
    const gchar *program, gchar **input_argv, FfcSampleFormat format,
    guint rate, guint channels);

/* One run of a device by identity (`spec`, resolved under `root` to the
 * card present now): ffmpeg's arguments as ffc_src_settings_argv () makes
 * them for that card (*argv) and the card for device-info (*info); FALSE
 * (the error of ffc_device_resolve (): ABSENT, AMBIGUOUS) when no card can
 * be opened now, with *argv and *info NULL. */
gboolean ffc_src_settings_argv_for_run (const FfcSrcSettings *s,
    const FfcDeviceSpec *spec, const gchar *root, const gchar *program,
    gchar **input_argv, FfcSampleFormat format, guint rate, guint channels,
    gchar ***argv, gchar **info, GError **error);

/* ffc_src_settings_probe () of the device as it is now: a device by
 * identity (`spec`) as the card it resolves to under `root`. One that
 * cannot be resolved now is not probed (FALSE, the FFC_DEVICE_ERROR of
 * ffc_device_resolve ()). *input is zero when FALSE. */
gboolean ffc_src_settings_probe_now (const FfcSrcSettings *s,
    const FfcDeviceSpec *spec, const gchar *root, const gchar *program,
    gchar **input_argv, guint timeout_ms, FfcInputAudio *input, GError **error);

/* besteffortsink's */
typedef struct {
  guint64 max_latency_ns;
  guint64 retry_delay_ns;
  guint64 eos_timeout_ns;
} FfcBranchSettings;

gboolean ffc_branch_settings_check (const FfcBranchSettings *s, GError **error);

G_END_DECLS

#endif
