/* gst-ffcapture: ffmpegsrc
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-ffmpegsrc
 * @title: ffmpegsrc
 *
 * ffmpegsrc captures audio with the FFmpeg command-line tool, run as a
 * separate process, and pushes its raw PCM as timestamped `audio/x-raw`
 * buffers. Any capture backend ffmpeg has (ALSA, PulseAudio, AVFoundation,
 * DirectShow, lavfi test sources, files…) becomes a GStreamer source, and
 * ffmpeg's resampler produces exactly the negotiated caps.
 *
 * A reader thread drains ffmpeg's output at all times into a queue of
 * #GstFFmpegSrc:buffer-time, so that a slow downstream never back-pressures
 * the capture; audio that does not fit is dropped, counted in
 * #GstFFmpegSrc:stats, reported in a warning, and the next buffer is DISCONT
 * with a timestamp that shows the gap. An ffmpeg that dies or stalls after
 * audio has flowed is restarted with backoff, and an
 * `ffmpegsrc-restarted` element message says why.
 *
 * Buffers are timestamped from the sample count. The first sample's time
 * comes from the capture start time ffmpeg reports for live devices, mapped
 * from the wall clock onto the pipeline clock, and otherwise from the arrival
 * time less what was already buffered.
 *
 * Wall-clock times travel beside the buffers: ffmpegsrc measures the drift
 * of the device's clock against the system clock (#GstFFmpegSrc:stats
 * `drift-ppm`), watches the system clock for steps and for its
 * synchronisation, and sends this time model downstream as an
 * `ffcapture-clock` custom sticky event (`running-time`, `wall-time`,
 * `drift-ppm`, `drift-known`, `settled`, `synchronised`; docs/time.md) before
 * the first buffer of each ffmpeg run and whenever it changes materially. A
 * system clock that is not synchronised at start is a WARNING. For sound
 * beside video over hours, #GstFFmpegSrc:lock-to-clock has ffmpeg stretch
 * the audio to keep time with the system clock (not for science data: it
 * inserts and drops samples).
 *
 * ALSA microphones can be named by identity, so that a card renumbered by
 * a reboot or an unplug is followed: #GstFFmpegSrc:device `usb:VID:PID`,
 * `usb:VID:PID:SERIAL`, `usb:VID:PID,DEV` or `usb-port:PATH` is resolved
 * from sysfs to the current card (`hw:CARD=<id>,DEV=<n>`) before every start
 * of ffmpeg, and `hw:CARD=<id>` is checked against /proc/asound/cards. An
 * absent device fails the state change with the capture cards present, or,
 * with #GstFFmpegSrc:wait-for-device, is waited for (docs/ffmpegsrc.md).
 *
 * ## Element messages
 *
 * `ffmpegsrc-restarted`: ffmpeg failed and was started again. Fields:
 * `reason` (string), `stderr` (string, the last lines ffmpeg printed),
 * `restarts` (guint, restarts so far), `device-info` (string, the card
 * this run opens).
 *
 * `ffmpegsrc-device-lost`: the device is absent (once per absence, with a
 * WARNING). Fields: `device` (string, as asked for), `reason` (string,
 * with the capture cards present).
 *
 * `ffmpegsrc-device-found`: it is back (and settled); ffmpeg starts.
 * Fields: `device`, `device-info` (string, the card it resolved to).
 *
 * `ffmpegsrc-stats`: the #GstFFmpegSrc:stats, every
 * #GstFFmpegSrc:stats-interval.
 *
 * `ffmpegsrc-clock-step`: the system clock was stepped. Fields: `step`
 * (gint64, µs, positive forward), `wall-time` (gint64, µs since the epoch,
 * after the step).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 ffmpegsrc input-format=lavfi \
 *     device="sine=frequency=440:sample_rate=48000:duration=2" ! \
 *     audio/x-raw,format=S16LE,rate=48000,channels=1 ! filesink
 * location=out.raw
 * ]| Two seconds of a 440 Hz tone, exactly 96000 samples, then EOS.
 * |[
 * gst-launch-1.0 ffmpegsrc device=hw:1,0 sample-rate=384000 channels=1 ! \
 *     audio/x-raw,rate=48000 ! autoaudiosink
 * ]| Captures an ultrasonic ALSA device at 384 kHz and has ffmpeg resample it
 * to 48 kHz.
 * |[
 * gst-launch-1.0 ffmpegsrc input-format=lavfi input-options="-re" \
 *     device="sine=sample_rate=384000" filter="volume=-6dB" ! fakesink
 * ]| A live-paced test source with an ffmpeg filter applied.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstffmpegsrc.h"
#include "gstffcaptureelements.h"

#include "gstffcclock.h"
#include "gstffcprops.h"

#include <gst/audio/audio.h>

#include "ffc-device.h"
#include "ffc-source.h"

struct _GstFFmpegSrc {
  GstPushSrc parent;

  /* the properties, under the object lock; the core takes a snapshot at
   * start, which is all the running element reads. They cannot change
   * between start and stop (`started`, under the object lock). */
  FfcSrcSettings props;
  gboolean started;

  /* the settings' snapshot to a running capture (ffc-source.h) */
  FfcSource *core;
  GstAudioInfo info;   /* the capture's output; streaming thread only */
  GstClockID stats_id; /* periodic statistics */
};

GST_DEBUG_CATEGORY_STATIC (gst_ffmpeg_src_debug);
#define GST_CAT_DEFAULT gst_ffmpeg_src_debug

#define DEFAULT_FFMPEG_PATH "ffmpeg"
#define DEFAULT_INPUT_FORMAT "alsa"
#define DEFAULT_DEVICE "default"
#define DEFAULT_SAMPLE_RATE 0
#define DEFAULT_CHANNELS 0
#define DEFAULT_INPUT_OPTIONS NULL
#define DEFAULT_FILTER NULL
#define DEFAULT_BUFFER_TIME (10 * GST_SECOND)
#define DEFAULT_LATENCY_TIME (250 * GST_MSECOND)
#define DEFAULT_STALL_TIMEOUT (2 * GST_SECOND)
#define DEFAULT_MAX_RESTARTS -1
#define DEFAULT_STATS_INTERVAL (10 * GST_SECOND)
#define DEFAULT_LOCK_TO_CLOCK FALSE
#define DEFAULT_WAIT_FOR_DEVICE FALSE
#define DEFAULT_DEVICE_POLL (1 * GST_SECOND)
#define DEFAULT_DEVICE_SETTLE (2 * GST_SECOND)
#define DEFAULT_DEVICE_TIMEOUT 0

/* every setting is read once, at start (the running snapshot) */
#define PARAM_FLAGS                                                            \
  (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)

enum {
  PROP_0,
  PROP_FFMPEG_PATH,
  PROP_INPUT_FORMAT,
  PROP_DEVICE,
  PROP_SAMPLE_RATE,
  PROP_CHANNELS,
  PROP_INPUT_OPTIONS,
  PROP_FILTER,
  PROP_BUFFER_TIME,
  PROP_LATENCY_TIME,
  PROP_STALL_TIMEOUT,
  PROP_MAX_RESTARTS,
  PROP_STATS,
  PROP_STATS_INTERVAL,
  PROP_LOCK_TO_CLOCK,
  PROP_WAIT_FOR_DEVICE,
  PROP_DEVICE_POLL,
  PROP_DEVICE_SETTLE,
  PROP_DEVICE_TIMEOUT,
};

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_AUDIO_CAPS_MAKE (
            "{ S16LE, S32LE, F32LE }") ", layout = (string) interleaved"));

#define gst_ffmpeg_src_parent_class parent_class
G_DEFINE_TYPE (GstFFmpegSrc, gst_ffmpeg_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (ffmpegsrc, "ffmpegsrc", GST_RANK_NONE,
    GST_TYPE_FFMPEG_SRC,
    GST_DEBUG_CATEGORY_INIT (
        gst_ffmpeg_src_debug, "ffmpegsrc", 0, "ffmpeg capture source"));

static void gst_ffmpeg_src_finalize (GObject *object);
static void gst_ffmpeg_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_ffmpeg_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static gboolean gst_ffmpeg_src_start (GstBaseSrc *bsrc);
static gboolean gst_ffmpeg_src_stop (GstBaseSrc *bsrc);
static gboolean gst_ffmpeg_src_unlock (GstBaseSrc *bsrc);
static gboolean gst_ffmpeg_src_unlock_stop (GstBaseSrc *bsrc);
static GstCaps *gst_ffmpeg_src_fixate (GstBaseSrc *bsrc, GstCaps *caps);
static gboolean gst_ffmpeg_src_set_caps (GstBaseSrc *bsrc, GstCaps *caps);
static gboolean gst_ffmpeg_src_query (GstBaseSrc *bsrc, GstQuery *query);
static GstFlowReturn gst_ffmpeg_src_create (GstPushSrc *psrc, GstBuffer **buf);
static gboolean gst_ffmpeg_src_send_event (
    GstElement *element, GstEvent *event);

static void
gst_ffmpeg_src_class_init (GstFFmpegSrcClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);

  gobject_class->finalize = gst_ffmpeg_src_finalize;
  gobject_class->set_property = gst_ffmpeg_src_set_property;
  gobject_class->get_property = gst_ffmpeg_src_get_property;

  g_object_class_install_property (gobject_class, PROP_FFMPEG_PATH,
      g_param_spec_string ("ffmpeg-path", "FFmpeg path",
          "The ffmpeg program: a path, or a name looked up in PATH",
          DEFAULT_FFMPEG_PATH, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_INPUT_FORMAT,
      g_param_spec_string ("input-format", "Input format",
          "ffmpeg's input format or device backend (its -f): alsa, pulse, "
          "lavfi, avfoundation, dshow, …; empty lets ffmpeg probe",
          DEFAULT_INPUT_FORMAT, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_DEVICE,
      g_param_spec_string ("device", "Device",
          "What ffmpeg opens (its -i): for ALSA usb:VID:PID[:SERIAL][,DEV], "
          "usb-port:PATH[,DEV] or hw:CARD=<id>[,DEV=<n>] (resolved to the "
          "card present at each start), hw:1,0, default; a lavfi graph such "
          "as sine=frequency=440:sample_rate=384000, a file…",
          DEFAULT_DEVICE, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_SAMPLE_RATE,
      g_param_spec_int ("sample-rate", "Capture sample rate",
          "The rate the device captures at: 0 (the device decides) or 1000 "
          "to 1536000 Hz; passed to input formats that take it. The output "
          "rate is negotiated downstream and ffmpeg resamples",
          0, G_MAXINT, DEFAULT_SAMPLE_RATE, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_CHANNELS,
      g_param_spec_int ("channels", "Capture channels",
          "The channels the device captures: 0 (the device decides) or 1 to "
          "64; passed to input formats that take it",
          0, G_MAXINT, DEFAULT_CHANNELS, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_INPUT_OPTIONS,
      g_param_spec_string ("input-options", "Input options",
          "Extra ffmpeg input options, split with shell-like quoting but "
          "never run by a shell, e.g. \"-thread_queue_size 4096\"",
          DEFAULT_INPUT_OPTIONS, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_FILTER,
      g_param_spec_string ("filter", "Filter",
          "An ffmpeg audio filtergraph applied before output, e.g. "
          "\"volume=12dB\"; empty for none",
          DEFAULT_FILTER, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_BUFFER_TIME,
      g_param_spec_uint64 ("buffer-time", "Buffer time",
          "How much audio (ns; 10 ms to 1 h) is held for a downstream that "
          "does not keep up; beyond it, audio is dropped and counted",
          0, G_MAXUINT64, DEFAULT_BUFFER_TIME, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_LATENCY_TIME,
      g_param_spec_uint64 ("latency-time", "Latency time",
          "Audio is pushed in buffers of about this long (ns; 0 for each of "
          "ffmpeg's writes, or 1 ms to 1 s, at most buffer-time / 4)",
          0, G_MAXUINT64, DEFAULT_LATENCY_TIME, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_STALL_TIMEOUT,
      g_param_spec_uint64 ("stall-timeout", "Stall timeout",
          "ffmpeg delivering no audio for this long (ns; 100 ms to 1 h) "
          "counts as a failure",
          0, G_MAXUINT64, DEFAULT_STALL_TIMEOUT, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MAX_RESTARTS,
      g_param_spec_int ("max-restarts", "Max restarts",
          "Consecutive failed restarts of ffmpeg before giving up with an "
          "error (-1 = unlimited)",
          -1, G_MAXINT, DEFAULT_MAX_RESTARTS, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "samples-pushed, samples-dropped, xruns, gaps, samples-lost, "
          "restarts, child-pid, queue-level (ns), queue-bytes, drift-ppm "
          "(NaN until known), clock-synchronised, device-present and "
          "device-info (the card the device resolved to)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_STATS_INTERVAL,
      g_param_spec_uint64 ("stats-interval", "Statistics interval",
          "Post the stats as an ffmpegsrc-stats element message this often "
          "(ns; 0 = never, else 100 ms to 24 h)",
          0, G_MAXUINT64, DEFAULT_STATS_INTERVAL, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_LOCK_TO_CLOCK,
      g_param_spec_boolean ("lock-to-clock", "Lock to clock",
          "Have ffmpeg stretch or squeeze the audio (inserting or dropping "
          "samples) so that its sample count keeps time with the system "
          "clock: for audio beside video in one pipeline, not for science "
          "recordings. Lost audio becomes silence instead of a gap. Takes "
          "effect at the next start",
          DEFAULT_LOCK_TO_CLOCK, PARAM_FLAGS));
  /* devices by identity */
  g_object_class_install_property (gobject_class, PROP_WAIT_FOR_DEVICE,
      g_param_spec_boolean ("wait-for-device", "Wait for device",
          "An absent or vanished device is waited for (one warning, "
          "ffmpegsrc-device-lost, then ffmpegsrc-device-found) instead of "
          "failing the start: for field recorders",
          DEFAULT_WAIT_FOR_DEVICE, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_DEVICE_POLL,
      g_param_spec_uint64 ("device-poll", "Device poll",
          "How often (ns; 10 ms to 60 s) an absent device is looked for", 0,
          G_MAXUINT64, DEFAULT_DEVICE_POLL, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_DEVICE_SETTLE,
      g_param_spec_uint64 ("device-settle", "Device settle",
          "How long (ns; 0 to 10 min) a device that was absent must stay "
          "present before ffmpeg opens it, so that a flapping USB link is "
          "not opened and closed",
          0, G_MAXUINT64, DEFAULT_DEVICE_SETTLE, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_DEVICE_TIMEOUT,
      g_param_spec_uint64 ("device-timeout", "Device timeout",
          "Waiting this long (ns; 0 = forever, else 100 ms to 30 days) for "
          "an absent device is an error",
          0, G_MAXUINT64, DEFAULT_DEVICE_TIMEOUT, PARAM_FLAGS));

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "FFmpeg capture source",
      "Source/Audio", "Captures audio by running the ffmpeg command-line tool",
      "gst-ffcapture developers");

  element_class->send_event = GST_DEBUG_FUNCPTR (gst_ffmpeg_src_send_event);
  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_ffmpeg_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_ffmpeg_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_ffmpeg_src_unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_ffmpeg_src_unlock_stop);
  basesrc_class->fixate = GST_DEBUG_FUNCPTR (gst_ffmpeg_src_fixate);
  basesrc_class->set_caps = GST_DEBUG_FUNCPTR (gst_ffmpeg_src_set_caps);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_ffmpeg_src_query);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_ffmpeg_src_create);
}

/* where each property lives in FfcSrcSettings */
static const gsize prop_offsets[] = {
  [PROP_FFMPEG_PATH] = G_STRUCT_OFFSET (FfcSrcSettings, ffmpeg_path),
  [PROP_INPUT_FORMAT] = G_STRUCT_OFFSET (FfcSrcSettings, input_format),
  [PROP_DEVICE] = G_STRUCT_OFFSET (FfcSrcSettings, device),
  [PROP_SAMPLE_RATE] = G_STRUCT_OFFSET (FfcSrcSettings, sample_rate),
  [PROP_CHANNELS] = G_STRUCT_OFFSET (FfcSrcSettings, channels),
  [PROP_INPUT_OPTIONS] = G_STRUCT_OFFSET (FfcSrcSettings, input_options),
  [PROP_FILTER] = G_STRUCT_OFFSET (FfcSrcSettings, filter),
  [PROP_BUFFER_TIME] = G_STRUCT_OFFSET (FfcSrcSettings, buffer_time_ns),
  [PROP_LATENCY_TIME] = G_STRUCT_OFFSET (FfcSrcSettings, latency_time_ns),
  [PROP_STALL_TIMEOUT] = G_STRUCT_OFFSET (FfcSrcSettings, stall_timeout_ns),
  [PROP_MAX_RESTARTS] = G_STRUCT_OFFSET (FfcSrcSettings, max_restarts),
  [PROP_STATS_INTERVAL] = G_STRUCT_OFFSET (FfcSrcSettings, stats_interval_ns),
  [PROP_LOCK_TO_CLOCK] = G_STRUCT_OFFSET (FfcSrcSettings, lock_to_clock),
  [PROP_WAIT_FOR_DEVICE] = G_STRUCT_OFFSET (FfcSrcSettings, wait_for_device),
  [PROP_DEVICE_POLL] = G_STRUCT_OFFSET (FfcSrcSettings, device_poll_ns),
  [PROP_DEVICE_SETTLE] = G_STRUCT_OFFSET (FfcSrcSettings, device_settle_ns),
  [PROP_DEVICE_TIMEOUT] = G_STRUCT_OFFSET (FfcSrcSettings, device_timeout_ns),
};

static void
gst_ffmpeg_src_init (GstFFmpegSrc *src)
{
  gst_ffc_prop_init_defaults (&src->props, prop_offsets,
      G_N_ELEMENTS (prop_offsets), GST_TYPE_FFMPEG_SRC);
  src->core = ffc_source_new ();
  gst_audio_info_init (&src->info);

  gst_base_src_set_live (GST_BASE_SRC (src), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (src), GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp (GST_BASE_SRC (src), FALSE);
}

static void
gst_ffmpeg_src_finalize (GObject *object)
{
  GstFFmpegSrc *src = GST_FFMPEG_SRC (object);

  ffc_source_free (src->core);
  ffc_src_settings_clear (&src->props);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static GstStructure *
gst_ffmpeg_src_make_stats (GstFFmpegSrc *src)
{
  FfcSrcStats st;
  gchar *info = ffc_source_stats (src->core, &st);
  GstStructure *s;

  /* clang-format off */
  s = gst_structure_new ("ffmpegsrc-stats",
      "samples-pushed", G_TYPE_UINT64, st.samples_pushed,
      "samples-dropped", G_TYPE_UINT64, st.samples_dropped,
      "xruns", G_TYPE_UINT64, st.xruns,
      "gaps", G_TYPE_UINT64, st.gaps,
      "samples-lost", G_TYPE_UINT64, st.samples_lost,
      "restarts", G_TYPE_UINT, st.restarts,
      "child-pid", G_TYPE_INT, st.child_pid,
      "queue-level", G_TYPE_UINT64, st.queue_level_ns,
      "queue-bytes", G_TYPE_UINT64, st.queue_bytes,
      "drift-ppm", G_TYPE_DOUBLE, st.drift_ppm,
      "clock-synchronised", G_TYPE_BOOLEAN, st.clock_synchronised,
      "device-present", G_TYPE_BOOLEAN, st.device_present,
      "device-info", G_TYPE_STRING, st.device_info,
      NULL);
  /* clang-format on */
  g_free (info);
  return s;
}

static void
gst_ffmpeg_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstFFmpegSrc *src = GST_FFMPEG_SRC (object);
  gint64 number = G_VALUE_HOLDS_INT (value)      ? g_value_get_int (value)
                  : G_VALUE_HOLDS_UINT64 (value) ? (gint64)MIN (
                        g_value_get_uint64 (value), (guint64)G_MAXINT64)
                                                 : 0;
  gchar *warning = NULL;

  if (prop_id == PROP_0 || prop_id == PROP_STATS
      || prop_id >= G_N_ELEMENTS (prop_offsets)) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  GST_OBJECT_LOCK (src);
  if (ffc_src_settings_take (pspec->name, number,
          G_VALUE_HOLDS_STRING (value) ? g_value_get_string (value) : NULL,
          src->started, &warning))
    gst_ffc_prop_set (&src->props, prop_offsets, G_N_ELEMENTS (prop_offsets),
        prop_id, value, pspec);
  GST_OBJECT_UNLOCK (src);
  if (warning != NULL)
    g_warning ("ffmpegsrc %s: %s", GST_OBJECT_NAME (src), warning);
  g_free (warning);
}

static void
gst_ffmpeg_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstFFmpegSrc *src = GST_FFMPEG_SRC (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_ffmpeg_src_make_stats (src));
  } else if (prop_id == PROP_0 || prop_id >= G_N_ELEMENTS (prop_offsets)) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  } else {
    GST_OBJECT_LOCK (src);
    gst_ffc_prop_get (&src->props, prop_offsets, G_N_ELEMENTS (prop_offsets),
        prop_id, value, pspec);
    GST_OBJECT_UNLOCK (src);
  }
}

static void
post_element (GstFFmpegSrc *src, GstStructure *s)
{
  gst_element_post_message (
      GST_ELEMENT (src), gst_message_new_element (GST_OBJECT (src), s));
}

static gboolean
post_stats (GstClock *clock, GstClockTime time, GstClockID id, gpointer data)
{
  post_element (data, gst_ffmpeg_src_make_stats (data));
  return TRUE;
}

static gboolean
gst_ffmpeg_src_start (GstBaseSrc *bsrc)
{
  GstFFmpegSrc *src = GST_FFMPEG_SRC (bsrc);
  GError *error = NULL;
  gchar *details = NULL;
  GstClockTime interval;
  GstClock *clock;
  gboolean ok;

  /* the snapshot: what this run of the element uses, whatever happens to
   * the properties (which are refused until stop) */
  GST_OBJECT_LOCK (src);
  ok = src->started = ffc_source_start (
      src->core, &src->props, ffc_device_default_root (), &details, &error);
  GST_OBJECT_UNLOCK (src);
  if (!ok && error->code == FFC_SOURCE_ERROR_NOT_FOUND)
    GST_ELEMENT_ERROR (
        src, RESOURCE, NOT_FOUND, ("%s", error->message), ("%s", details));
  else if (!ok)
    GST_ELEMENT_ERROR (src, RESOURCE, SETTINGS, ("%s", error->message), (NULL));
  g_clear_error (&error);
  g_free (details);
  if (!ok)
    return FALSE;
  if (!ffc_source_synchronised (src->core)) {
    GST_ELEMENT_WARNING (src, RESOURCE, SETTINGS,
        ("The system clock is not synchronised (no NTP time yet, or no "
         "real-time clock): file times may be wrong until it is, and files "
         "are marked so"),
        ("the kernel reports TIME_ERROR or STA_UNSYNC (ntp_adjtime)"));
  }
  /* the stats every stats-interval, from the system clock's thread, so
   * that they come even while the streaming thread is held up */
  interval = ffc_source_settings (src->core)->stats_interval_ns;
  if (interval > 0) {
    clock = gst_system_clock_obtain ();
    src->stats_id = gst_clock_new_periodic_id (
        clock, gst_clock_get_time (clock) + interval, interval);
    gst_clock_id_wait_async (
        src->stats_id, post_stats, gst_object_ref (src), gst_object_unref);
    gst_object_unref (clock);
  }
  return TRUE;
}

static gboolean
gst_ffmpeg_src_stop (GstBaseSrc *bsrc)
{
  GstFFmpegSrc *src = GST_FFMPEG_SRC (bsrc);

  if (src->stats_id != NULL)
    gst_clock_id_unschedule (src->stats_id);
  g_clear_pointer (&src->stats_id, gst_clock_id_unref);
  ffc_source_stop (src->core);
  gst_audio_info_init (&src->info);
  GST_OBJECT_LOCK (src);
  src->started = FALSE;
  GST_OBJECT_UNLOCK (src);
  return TRUE;
}

/* EOS sent to the element (gst-launch-1.0 -e, an application stopping)
 * ends the stream after everything captured so far: GstBaseSrc would drop
 * what is still queued, up to buffer-time of audio behind a slow
 * downstream. ffmpeg is asked to finish, and the EOS follows its last
 * sample. */
static gboolean
gst_ffmpeg_src_send_event (GstElement *element, GstEvent *event)
{
  GstFFmpegSrc *src = GST_FFMPEG_SRC (element);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS
      && ffc_source_finish (src->core)) {
    GST_INFO_OBJECT (src, "EOS: ending after the last sample captured");
    gst_event_unref (event);
    return TRUE;
  }
  return GST_ELEMENT_CLASS (parent_class)->send_event (element, event);
}

static gboolean
gst_ffmpeg_src_unlock (GstBaseSrc *bsrc)
{
  ffc_source_set_flushing (GST_FFMPEG_SRC (bsrc)->core, TRUE);
  return TRUE;
}

static gboolean
gst_ffmpeg_src_unlock_stop (GstBaseSrc *bsrc)
{
  ffc_source_set_flushing (GST_FFMPEG_SRC (bsrc)->core, FALSE);
  return TRUE;
}

/* the structure has no such field, or one that can take `own`'s */
static gboolean
accepts (const GstStructure *s, const GstStructure *own, const gchar *field)
{
  const GValue *v = gst_structure_get_value (s, field);
  return v == NULL
         || gst_value_intersect (NULL, v, gst_structure_get_value (own, field));
}

/* Unless downstream or the properties say otherwise: what the input
 * delivers, unconverted. Of all downstream's offers (a tee's branches each
 * make some), the one that accepts the input's own values (ffc-probe.c). */
static GstCaps *
gst_ffmpeg_src_fixate (GstBaseSrc *bsrc, GstCaps *caps)
{
  GstFFmpegSrc *src = GST_FFMPEG_SRC (bsrc);
  guint n = gst_caps_get_size (caps), chosen;
  FfcAccepts *offers = g_new0 (FfcAccepts, MAX (n, 1));
  static const gchar *const fields[] = { "rate", "channels", "format" };
  gboolean all_fixed = TRUE;
  GError *error = NULL;
  FfcInputAudio own;
  GstStructure *s, *want;
  gint channels;

  /* ask ffmpeg unless every offer is fixed already */
  for (guint i = 0; i < 3 * n && all_fixed; i++) {
    const GValue *v = gst_structure_get_value (
        gst_caps_get_structure (caps, i / 3), fields[i % 3]);
    all_fixed = v != NULL && gst_value_is_fixed (v);
  }
  /* the input's own format, asked of ffmpeg once per start */
  if (!all_fixed && ffc_source_probe (src->core, &own, &error))
    GST_INFO_OBJECT (src, "the input delivers %u Hz, %u channels, %s", own.rate,
        own.channels, ffc_sample_format_codec (own.format));
  else if (error != NULL && error->domain == FFC_DEVICE_ERROR)
    GST_INFO_OBJECT (src, "the device is absent: not probed");
  else if (error != NULL) /* the capture itself will fail and say why */
    GST_WARNING_OBJECT (src, "cannot probe the input: %s", error->message);
  g_clear_error (&error);
  own = ffc_source_own (src->core);

  want = gst_structure_new ("audio/x-raw", "rate", G_TYPE_INT, own.rate,
      "channels", G_TYPE_INT, own.channels, "format", G_TYPE_STRING,
      ffc_sample_format_name (own.format), NULL);
  for (guint i = 0; i < n; i++) {
    s = gst_caps_get_structure (caps, i);
    offers[i].rate = accepts (s, want, "rate");
    offers[i].channels = accepts (s, want, "channels");
    offers[i].format = accepts (s, want, "format");
  }
  chosen = ffc_probe_prefer (offers, n);
  g_free (offers);
  gst_structure_free (want);

  s = gst_structure_copy (gst_caps_get_structure (caps, chosen));
  gst_caps_unref (caps);
  caps = gst_caps_new_full (s, NULL);
  gst_structure_fixate_field_string (
      s, "format", ffc_sample_format_name (own.format));
  gst_structure_fixate_field_nearest_int (s, "rate", own.rate);
  gst_structure_fixate_field_nearest_int (s, "channels", own.channels);
  gst_structure_get_int (s, "channels", &channels);
  if (channels > 2 && !gst_structure_has_field (s, "channel-mask")) {
    /* ffmpeg's default layouts follow the same WAV channel order. */
    gst_structure_set (s, "channel-mask", GST_TYPE_BITMASK,
        gst_audio_channel_get_fallback_mask (channels), NULL);
  }
  GST_DEBUG_OBJECT (src, "offer %u of %u: %" GST_PTR_FORMAT, chosen, n, caps);

  return GST_BASE_SRC_CLASS (parent_class)->fixate (bsrc, caps);
}

static void
on_ffmpeg_line (const FfcLine *line, gpointer user_data)
{
  GstFFmpegSrc *src = user_data;

  if (line->kind == FFC_LINE_FRAME)
    GST_LOG_OBJECT (src, "ffmpeg: %s", line->text);
  else if (line->kind == FFC_LINE_GAP)
    GST_DEBUG_OBJECT (src,
        "ffmpeg: a gap of %.1f us after input sample %" G_GUINT64_FORMAT,
        line->gap_jump_us, line->gap_at_sample);
  else if (line->kind == FFC_LINE_ERROR || line->kind == FFC_LINE_XRUN)
    GST_WARNING_OBJECT (src, "ffmpeg: %s", line->text);
  else
    GST_DEBUG_OBJECT (src, "ffmpeg: %s", line->text);
}

/* The run's argv for the device as it is now (FfcArgvFunc, from the
 * capture thread), or FALSE when it is absent. */
static gboolean
gst_ffmpeg_src_argv_for_run (
    gchar ***argv, gchar **info, gchar **why, gpointer data)
{
  GstFFmpegSrc *src = data;
  gboolean present = ffc_source_argv (src->core, argv, info, why);
  gchar *command = present ? g_strjoinv (" ", *argv) : g_strdup (*why);

  GST_DEBUG_OBJECT (src, "%s is %s: %s",
      ffc_source_settings (src->core)->device, present ? *info : "absent",
      command);
  g_free (command);
  return present;
}

static gboolean
gst_ffmpeg_src_set_caps (GstBaseSrc *bsrc, GstCaps *caps)
{
  GstFFmpegSrc *src = GST_FFMPEG_SRC (bsrc);
  GError *error = NULL;
  gchar *command = NULL;
  GstAudioInfo info;

  if (!gst_audio_info_from_caps (&info, caps)) {
    GST_ELEMENT_ERROR (src, CORE, NEGOTIATION, (NULL),
        ("Cannot use caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (ffc_source_capture (src->core) != NULL
      && gst_audio_info_is_equal (&info, &src->info))
    return TRUE;
  if (ffc_source_run (src->core,
          ffc_sample_format_from_name (
              gst_audio_format_to_string (GST_AUDIO_INFO_FORMAT (&info))),
          GST_AUDIO_INFO_RATE (&info), GST_AUDIO_INFO_CHANNELS (&info),
          on_ffmpeg_line, gst_ffmpeg_src_argv_for_run, src, &command, &error)) {
    GST_INFO_OBJECT (src, "running: %s", command);
    src->info = info;
  } else if (error->domain == FFC_SETTINGS_ERROR) {
    GST_ELEMENT_ERROR (src, CORE, NEGOTIATION,
        ("Cannot capture with the caps downstream asks for: %s",
            error->message),
        ("caps %" GST_PTR_FORMAT, caps));
  } else {
    GST_ELEMENT_ERROR (src, RESOURCE, FAILED,
        ("Cannot start the capture thread: %s", error->message), (NULL));
  }
  g_free (command);
  if (error == NULL)
    return TRUE;
  g_clear_error (&error);
  return FALSE;
}

static gboolean
gst_ffmpeg_src_query (GstBaseSrc *bsrc, GstQuery *query)
{
  GstFFmpegSrc *src = GST_FFMPEG_SRC (bsrc);
  guint64 min, max;

  if (GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return GST_BASE_SRC_CLASS (parent_class)->query (bsrc, query);
  if (!ffc_source_latency (src->core, &min, &max))
    return FALSE;
  gst_query_set_latency (query, TRUE, min, max);
  GST_DEBUG_OBJECT (src,
      "latency min %" GST_TIME_FORMAT " max %" GST_TIME_FORMAT,
      GST_TIME_ARGS (min), GST_TIME_ARGS (max));
  return TRUE;
}

/* Says what the time model's news of a chunk were, and publishes the model
 * with the buffer that ends at running time `rt`. The model travels as a
 * sticky event, stored on the pad: it goes out before the next buffer,
 * after the segment, and reaches every branch. */
static void
gst_ffmpeg_src_publish (GstFFmpegSrc *src, const FfcTimekeeperNews *news,
    gboolean synchronised, GstClockTime rt)
{
  if (news->stepped) {
    GST_INFO_OBJECT (src, "the system clock stepped by %.6f s",
        news->step_us / (gdouble)G_USEC_PER_SEC);
    post_element (src,
        gst_structure_new ("ffmpegsrc-clock-step", "step", G_TYPE_INT64,
            news->step_us, "wall-time", G_TYPE_INT64, news->wall_us, NULL));
  }
  if (news->sync_changed)
    GST_INFO_OBJECT (src, "the system clock is %s",
        synchronised ? "synchronised now" : "no longer synchronised");
  if (news->publish) {
    GstEvent *event = gst_ffc_clock_event_new (&news->model);

    GST_DEBUG_OBJECT (src,
        "time model: running time %" GST_TIME_FORMAT " is %" G_GINT64_FORMAT
        " us, drift %.3f ppm%s, %ssynchronised",
        GST_TIME_ARGS (rt), news->model.wall_us, news->model.drift_ppm,
        news->model.drift_known ? "" : " (not yet known)",
        news->model.synchronised ? "" : "not ");
    gst_pad_store_sticky_event (GST_BASE_SRC_PAD (src), event);
    gst_event_unref (event);
  }
}

/* Turns a chunk into a buffer (ffc-chunk.h). Returns FALSE when nothing of
 * it is left to push: audio a live input captured before PLAYING has no
 * running time and is clipped, to the sample. */
static gboolean
gst_ffmpeg_src_handle_data (GstFFmpegSrc *src, FfcItem *item, GstBuffer **buf)
{
  gint bpf = GST_AUDIO_INFO_BPF (&src->info);
  FfcClockNow now = { -1, 0, 0, 0 };
  GstClockTime rt = GST_CLOCK_TIME_NONE;
  FfcTimekeeperNews news;
  gboolean pushed, synchronised;
  FfcStamp st;

  if (ffc_source_needs_anchor (src->core, item)) {
    /* the clocks a run's first chunk is anchored with, read together */
    GstClock *clock = gst_element_get_clock (GST_ELEMENT (src));

    GST_DEBUG_OBJECT (src, "run %u: capture start %.6f (-1: not reported)",
        item->run, item->run_start_wall_us / 1e6);
    if (clock != NULL) {
      now.clock_now = gst_clock_get_time (clock);
      now.mono_us = g_get_monotonic_time ();
      now.wall_us = g_get_real_time ();
      now.base_time = gst_element_get_base_time (GST_ELEMENT (src));
      gst_object_unref (clock);
    }
  }
  pushed = ffc_source_push (src->core, item, &now, &st);
  if (pushed)
    rt = gst_segment_to_running_time (
        &GST_BASE_SRC (src)->segment, GST_FORMAT_TIME, st.end);
  ffc_source_feed (src->core, item, st.new_run,
      GST_CLOCK_TIME_IS_VALID (rt) ? (gint64)rt : -1, &news, &synchronised);
  gst_ffmpeg_src_publish (src, &news, synchronised, rt);
  if (!pushed) {
    GST_LOG_OBJECT (src,
        "clipped %" G_GUINT64_FORMAT " samples captured before PLAYING",
        item->frames);
    return FALSE;
  }
  *buf = gst_buffer_new_wrapped_full (0, item->data, item->size, st.skip * bpf,
      st.frames * bpf, item->data, g_free);
  item->data = NULL;
  GST_BUFFER_PTS (*buf) = st.pts;
  GST_BUFFER_DURATION (*buf) = st.end - st.pts;
  GST_BUFFER_OFFSET (*buf) = st.offset;
  GST_BUFFER_OFFSET_END (*buf) = st.offset + st.frames;
  if (st.discont)
    GST_BUFFER_FLAG_SET (*buf, GST_BUFFER_FLAG_DISCONT);
  GST_LOG_OBJECT (src,
      "run %u: %" G_GUINT64_FORMAT " samples at %" GST_TIME_FORMAT "%s",
      item->run, st.frames, GST_TIME_ARGS (st.pts),
      st.discont ? " (discont)" : "");
  return TRUE;
}

/* Says what an item other than DATA tells: a warning, an error or a
 * message (texts: ffc-source.h). GST_FLOW_OK: pop on. */
static GstFlowReturn
gst_ffmpeg_src_report (GstFFmpegSrc *src, FfcCapture *capture, FfcItem *item)
{
  const gchar *device = ffc_source_settings (src->core)->device;
  gchar *details,
      *text = ffc_source_describe (src->core, capture, item, &details);
  gchar *info = ffc_source_device_info (src->core, item);
  GstFlowReturn ret = GST_FLOW_OK;

  switch (item->type) {
    case FFC_ITEM_DROPPED:
      GST_ELEMENT_WARNING (src, STREAM, FAILED, ("%s", text), ("%s", details));
      break;
    case FFC_ITEM_XRUN:
    case FFC_ITEM_GAP:
      GST_ELEMENT_WARNING (src, RESOURCE, READ, ("%s", text), ("%s", details));
      break;
    case FFC_ITEM_RESTARTED:
      GST_INFO_OBJECT (src, "ffmpeg restarted (%" G_GUINT64_FORMAT "): %s",
          item->count, item->reason);
      post_element (
          src, gst_structure_new ("ffmpegsrc-restarted", "reason",
                   G_TYPE_STRING, GST_STR_NULL (item->reason), "stderr",
                   G_TYPE_STRING, item->stderr_tail ? item->stderr_tail : "",
                   "restarts", G_TYPE_UINT, (guint)item->count, "device-info",
                   G_TYPE_STRING, info, NULL));
      break;
    case FFC_ITEM_DEVICE_LOST: /* one warning per absence */
      GST_ELEMENT_WARNING (
          src, RESOURCE, NOT_FOUND, ("%s", text), ("%s", details));
      post_element (src, gst_structure_new ("ffmpegsrc-device-lost", "device",
                             G_TYPE_STRING, device, "reason", G_TYPE_STRING,
                             GST_STR_NULL (item->reason), NULL));
      break;
    case FFC_ITEM_DEVICE_FOUND:
      GST_INFO_OBJECT (src, "%s is back: %s", device, item->device_info);
      post_element (
          src, gst_structure_new ("ffmpegsrc-device-found", "device",
                   G_TYPE_STRING, device, "device-info", G_TYPE_STRING,
                   GST_STR_NULL (item->device_info), NULL));
      break;
    case FFC_ITEM_ERROR:
      GST_ELEMENT_ERROR_WITH_DETAILS (src, RESOURCE, READ, ("%s", text),
          ("%s", details),
          ("stderr", G_TYPE_STRING, GST_STR_NULL (item->stderr_tail), NULL));
      ret = GST_FLOW_ERROR;
      break;
    case FFC_ITEM_EOS:
    default:
      GST_INFO_OBJECT (src, "ffmpeg ended normally");
      ret = GST_FLOW_EOS;
      break;
  }
  g_free (text);
  g_free (details);
  g_free (info);
  return ret;
}

static GstFlowReturn
gst_ffmpeg_src_create (GstPushSrc *psrc, GstBuffer **buf)
{
  GstFFmpegSrc *src = GST_FFMPEG_SRC (psrc);
  FfcCapture *capture = ffc_source_capture (src->core);
  GstFlowReturn ret = GST_FLOW_OK;
  FfcItem *item;

  if (capture == NULL)
    return GST_FLOW_NOT_NEGOTIATED;
  while (ret == GST_FLOW_OK && (item = ffc_capture_pop (capture)) != NULL) {
    if (item->type != FFC_ITEM_DATA)
      ret = gst_ffmpeg_src_report (src, capture, item);
    else if (gst_ffmpeg_src_handle_data (src, item, buf))
      ret = GST_FLOW_CUSTOM_SUCCESS; /* a buffer */
    ffc_item_free (item);
  }
  if (ret == GST_FLOW_OK)
    return GST_FLOW_FLUSHING; /* popped nothing: flushing */
  return ret == GST_FLOW_CUSTOM_SUCCESS ? GST_FLOW_OK : ret;
}
