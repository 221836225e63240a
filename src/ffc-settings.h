/* gst-ffcapture: the ranges of the elements' settings
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_SETTINGS_H__
#define __FFC_SETTINGS_H__

#include <glib.h>

#include "ffc-args.h"
#include "ffc-capture.h"
#include "ffc-probe.h"

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
 * buffer-time, stall-timeout, max-restarts, stats-interval; besteffortsink:
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
  guint64 stall_timeout_ns;
  gint max_restarts;
  guint64 stats_interval_ns;
  gboolean lock_to_clock;
} FfcSrcSettings;

/* a deep copy into `dst` (cleared first) */
void ffc_src_settings_copy (FfcSrcSettings *dst, const FfcSrcSettings *src);
void ffc_src_settings_clear (FfcSrcSettings *s);

/* The settings with a range are in it; says which is not, and why */
gboolean ffc_src_settings_check (const FfcSrcSettings *s, GError **error);

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

/* besteffortsink's */
typedef struct {
  guint64 max_latency_ns;
  guint64 retry_delay_ns;
  guint64 eos_timeout_ns;
} FfcBranchSettings;

gboolean ffc_branch_settings_check (const FfcBranchSettings *s, GError **error);

G_END_DECLS

#endif
