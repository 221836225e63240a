/* gst-ffcapture: triggergate
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-triggergate
 * @title: triggergate
 *
 * triggergate passes only the audio around events and withholds the rest,
 * as triggered hardware recorders do: an event starts when the level in a
 * frequency band (#GstTriggerGate:low-freq .. #GstTriggerGate:high-freq,
 * measured over windows of #GstTriggerGate:window with GStreamer's FFT)
 * exceeds #GstTriggerGate:threshold for #GstTriggerGate:min-trigger on any
 * channel. It begins #GstTriggerGate:pre-trigger before the first
 * triggering window (held back in a ring buffer) and ends
 * #GstTriggerGate:post-trigger after the last one; a trigger during the
 * post-trigger extends it, and an event longer than
 * #GstTriggerGate:max-event is cut there (a new one starts at once if the
 * trigger still fires).
 *
 * The buffers of an event keep their timestamps and sample offsets; the
 * first one of each event is DISCONT, and GAP events cover the withheld
 * time between events, so a segmentsink behind writes each event into its
 * own files, named by the true time of their first sample.
 *
 * Levels are dBFS with a full-scale sine at 0 dBFS. Both frequencies 0:
 * the whole band, an RMS (amplitude) trigger without an FFT.
 *
 * Audio is held back for pre-trigger plus min-trigger (in whole windows):
 * the LATENCY query adds that to what upstream reports.
 *
 * ## Element messages
 *
 * `triggergate-event`, when an event closes: `start-running-time`,
 * `end-running-time` (guint64, ns), `start-wall-time`, `end-wall-time`
 * (gint64, µs since the epoch, UTC, from the capture's time model),
 * `start-offset` (guint64, the sample offset of its first sample),
 * `samples` (guint64), `peak-level` (gdouble, dBFS, the loudest window),
 * `peak-frequency` (gdouble, Hz, the strongest frequency in the band in
 * that window; NaN in whole-band mode below the threshold), `cut`
 * (gboolean, it lasted max-event).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -e ffmpegsrc device=hw:1,0 sample-rate=384000 channels=1 ! \
 *     tee name=t \
 *     t. ! queue ! segmentsink location=/data/raw \
 *     t. ! queue ! triggergate low-freq=15000 high-freq=120000 ! \
 *         segmentsink location=/data/events
 * ]| The continuous archive, and beside it the bat passes alone.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/audio/audio.h>
#include <math.h>

#include "ffc-band.h"
#include "ffc-held.h"
#include "ffc-trigger.h"
#include "gstffcaptureelements.h"
#include "gstffcclock.h"

GST_DEBUG_CATEGORY_STATIC (gst_trigger_gate_debug);
#define GST_CAT_DEFAULT gst_trigger_gate_debug

#define DEFAULT_LOW_FREQ 0.0
#define DEFAULT_HIGH_FREQ 0.0
#define DEFAULT_WINDOW (10 * GST_MSECOND)
#define DEFAULT_THRESHOLD (-40.0)
#define DEFAULT_MIN_TRIGGER 0
#define DEFAULT_PRE_TRIGGER (1 * GST_SECOND)
#define DEFAULT_POST_TRIGGER (2 * GST_SECOND)
#define DEFAULT_MAX_EVENT (60 * GST_SECOND)
#define MAX_FREQ 10000000.0
/* withheld time is told downstream in GAP events of at most this */
#define MAX_GAP (100 * GST_MSECOND)

enum {
  PROP_0,
  PROP_LOW_FREQ,
  PROP_HIGH_FREQ,
  PROP_WINDOW,
  PROP_THRESHOLD,
  PROP_MIN_TRIGGER,
  PROP_PRE_TRIGGER,
  PROP_POST_TRIGGER,
  PROP_MAX_EVENT,
  PROP_STATS,
};

#define CAPS                                                                   \
  "audio/x-raw, format = (string) { S16LE, S32LE, F32LE }, "                   \
  "rate = (int) [ 1, MAX ], channels = (int) [ 1, MAX ], "                     \
  "layout = (string) interleaved"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (CAPS));

#define GST_TYPE_TRIGGER_GATE (gst_trigger_gate_get_type ())
G_DECLARE_FINAL_TYPE (
    GstTriggerGate, gst_trigger_gate, GST, TRIGGER_GATE, GstElement)

struct _GstTriggerGate {
  GstElement parent;

  GstPad *sinkpad, *srcpad;

  /* properties, under the object lock */
  gdouble low_freq, high_freq, threshold;
  FfcTriggerTimes times; /* window, min-, pre-, post-trigger, max-event */
  gboolean running;      /* between start and stop: settings are fixed */

  /* streaming thread */
  GstAudioInfo info;
  FfcBand *band;       /* NULL until negotiated */
  FfcTrigger *trigger; /* NULL until negotiated */
  FfcTriggerConfig config;
  FfcHeld *held;      /* buffers and events, positions from the configuration */
  GstSegment segment; /* the one in force downstream */
  FfcWallMap wall;
  gboolean told_start;    /* the first GAP, for downstream's preroll, is out */
  FfcHeldEventSpan event; /* the one being passed */

  /* statistics, under the object lock */
  guint64 events; /* the samples' counts are the held queue's */
  gdouble band_level;
  GstClockTime latency; /* held back, ns */
};

#define gst_trigger_gate_parent_class parent_class
G_DEFINE_TYPE (GstTriggerGate, gst_trigger_gate, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (triggergate, "triggergate",
    GST_RANK_NONE, GST_TYPE_TRIGGER_GATE,
    GST_DEBUG_CATEGORY_INIT (
        gst_trigger_gate_debug, "triggergate", 0, "band-limited trigger gate"));

static void gst_trigger_gate_finalize (GObject *object);
static void gst_trigger_gate_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_trigger_gate_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static GstStateChangeReturn gst_trigger_gate_change_state (
    GstElement *element, GstStateChange transition);
static GstFlowReturn gst_trigger_gate_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buffer);
static gboolean gst_trigger_gate_sink_event (
    GstPad *pad, GstObject *parent, GstEvent *event);
static gboolean gst_trigger_gate_src_query (
    GstPad *pad, GstObject *parent, GstQuery *query);

static void
gst_trigger_gate_class_init (GstTriggerGateClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags ready =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gobject_class->finalize = gst_trigger_gate_finalize;
  gobject_class->set_property = gst_trigger_gate_set_property;
  gobject_class->get_property = gst_trigger_gate_get_property;

  g_object_class_install_property (gobject_class, PROP_LOW_FREQ,
      g_param_spec_double ("low-freq", "Low frequency",
          "Lower edge of the trigger band (Hz); 0 with high-freq 0: the "
          "whole band (an RMS trigger)",
          0, MAX_FREQ, DEFAULT_LOW_FREQ, ready));
  g_object_class_install_property (gobject_class, PROP_HIGH_FREQ,
      g_param_spec_double ("high-freq", "High frequency",
          "Upper edge of the trigger band (Hz), above low-freq and at most "
          "the Nyquist frequency; 0 with low-freq 0: the whole band",
          0, MAX_FREQ, DEFAULT_HIGH_FREQ, ready));
  g_object_class_install_property (gobject_class, PROP_WINDOW,
      g_param_spec_uint64 ("window", "Window",
          "Analysis window (ns): at least 16 samples, at most 10 s", 0,
          G_MAXUINT64, DEFAULT_WINDOW, ready));
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "A window triggers when the band's level exceeds this (dBFS, a "
          "full-scale sine is 0 dBFS); may change while running",
          -200, 10, DEFAULT_THRESHOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MIN_TRIGGER,
      g_param_spec_uint64 ("min-trigger", "Minimum trigger",
          "How long (ns) the level must stay over the threshold, rounded up "
          "to whole windows; 0: one window. At most max-event",
          0, G_MAXUINT64, DEFAULT_MIN_TRIGGER, ready));
  g_object_class_install_property (gobject_class, PROP_PRE_TRIGGER,
      g_param_spec_uint64 ("pre-trigger", "Pre-trigger",
          "Audio (ns) kept before the first triggering window; at most "
          "max-event",
          0, G_MAXUINT64, DEFAULT_PRE_TRIGGER, ready));
  g_object_class_install_property (gobject_class, PROP_POST_TRIGGER,
      g_param_spec_uint64 ("post-trigger", "Post-trigger",
          "Audio (ns) kept after the last triggering window; at most 24 h", 0,
          G_MAXUINT64, DEFAULT_POST_TRIGGER, ready));
  g_object_class_install_property (gobject_class, PROP_MAX_EVENT,
      g_param_spec_uint64 ("max-event", "Maximum event",
          "Longest event (ns): a longer one is cut there, and a new one "
          "starts if the trigger still fires; one window to 24 h",
          0, G_MAXUINT64, DEFAULT_MAX_EVENT, ready));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "events, samples-passed, samples-withheld, samples-received, "
          "samples-held (guint64), band-level (gdouble, dBFS, the last "
          "window; below the threshold it may be an upper bound)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Trigger gate",
      "Filter/Audio",
      "Passes only the audio around events: sound in a frequency band over "
      "a level, with pre- and post-trigger",
      "gst-ffcapture developers");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_trigger_gate_change_state);
}

static void
gst_trigger_gate_init (GstTriggerGate *self)
{
  self->low_freq = DEFAULT_LOW_FREQ;
  self->high_freq = DEFAULT_HIGH_FREQ;
  self->times.window_ns = DEFAULT_WINDOW;
  self->threshold = DEFAULT_THRESHOLD;
  self->times.min_trigger_ns = DEFAULT_MIN_TRIGGER;
  self->times.pre_trigger_ns = DEFAULT_PRE_TRIGGER;
  self->times.post_trigger_ns = DEFAULT_POST_TRIGGER;
  self->times.max_event_ns = DEFAULT_MAX_EVENT;
  self->band_level = FFC_BAND_FLOOR_DB;
  self->held = ffc_held_new (MAX_GAP, (GDestroyNotify)gst_mini_object_unref,
      (GDestroyNotify)gst_mini_object_unref);
  gst_audio_info_init (&self->info);
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  ffc_wall_map_init (&self->wall);

  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_trigger_gate_chain));
  gst_pad_set_event_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_trigger_gate_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_query_function (
      self->srcpad, GST_DEBUG_FUNCPTR (gst_trigger_gate_src_query));
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}

/* Forgets what is held (its undecided samples count as withheld) and the
 * configuration. */
static void
reset_stream (GstTriggerGate *self)
{
  ffc_held_clear (self->held);
  g_clear_pointer (&self->band, ffc_band_free);
  g_clear_pointer (&self->trigger, ffc_trigger_free);
  self->told_start = FALSE;
}

static void
gst_trigger_gate_finalize (GObject *object)
{
  GstTriggerGate *self = GST_TRIGGER_GATE (object);

  reset_stream (self);
  ffc_held_free (self->held);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_trigger_gate_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstTriggerGate *self = GST_TRIGGER_GATE (object);

  GST_OBJECT_LOCK (self);
  if (self->running && prop_id != PROP_THRESHOLD) {
    GST_OBJECT_UNLOCK (self);
    g_warning ("triggergate %s: %s cannot change while running",
        GST_OBJECT_NAME (self), g_param_spec_get_name (pspec));
    return;
  }
  switch (prop_id) {
    case PROP_LOW_FREQ:
      self->low_freq = g_value_get_double (value);
      break;
    case PROP_HIGH_FREQ:
      self->high_freq = g_value_get_double (value);
      break;
    case PROP_WINDOW:
      self->times.window_ns = g_value_get_uint64 (value);
      break;
    case PROP_THRESHOLD:
      /* the streaming thread reads it at each window */
      self->threshold = g_value_get_double (value);
      break;
    case PROP_MIN_TRIGGER:
      self->times.min_trigger_ns = g_value_get_uint64 (value);
      break;
    case PROP_PRE_TRIGGER:
      self->times.pre_trigger_ns = g_value_get_uint64 (value);
      break;
    case PROP_POST_TRIGGER:
      self->times.post_trigger_ns = g_value_get_uint64 (value);
      break;
    case PROP_MAX_EVENT:
      self->times.max_event_ns = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static GstStructure *
make_stats (GstTriggerGate *self)
{
  FfcHeldCounts c;

  ffc_held_counts (self->held, &c);
  return gst_structure_new ("triggergate-stats", "events", G_TYPE_UINT64,
      self->events, "samples-passed", G_TYPE_UINT64, c.passed,
      "samples-withheld", G_TYPE_UINT64, c.withheld, "samples-received",
      G_TYPE_UINT64, c.received, "samples-held", G_TYPE_UINT64, c.held,
      "band-level", G_TYPE_DOUBLE, self->band_level, NULL);
}

static void
gst_trigger_gate_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstTriggerGate *self = GST_TRIGGER_GATE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOW_FREQ:
      g_value_set_double (value, self->low_freq);
      break;
    case PROP_HIGH_FREQ:
      g_value_set_double (value, self->high_freq);
      break;
    case PROP_WINDOW:
      g_value_set_uint64 (value, self->times.window_ns);
      break;
    case PROP_THRESHOLD:
      g_value_set_double (value, self->threshold);
      break;
    case PROP_MIN_TRIGGER:
      g_value_set_uint64 (value, self->times.min_trigger_ns);
      break;
    case PROP_PRE_TRIGGER:
      g_value_set_uint64 (value, self->times.pre_trigger_ns);
      break;
    case PROP_POST_TRIGGER:
      g_value_set_uint64 (value, self->times.post_trigger_ns);
      break;
    case PROP_MAX_EVENT:
      g_value_set_uint64 (value, self->times.max_event_ns);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, make_stats (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Settings that are wrong whatever the rate: refused at start. */
static gboolean
start (GstTriggerGate *self)
{
  FfcTriggerTimes t;
  GError *error = NULL;
  gdouble low, high;

  GST_OBJECT_LOCK (self);
  t = self->times;
  low = self->low_freq;
  high = self->high_freq;
  GST_OBJECT_UNLOCK (self);
  if (!ffc_band_freqs_check (low, high, &error)
      || !ffc_trigger_times_check (&t, &error)) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("%s", error->message),
        ("triggergate refuses to start with these settings"));
    g_clear_error (&error);
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  self->running = TRUE;
  self->events = 0;
  ffc_held_reset_counts (self->held);
  self->band_level = FFC_BAND_FLOOR_DB;
  self->latency = ffc_trigger_times_latency_ns (&t);
  GST_OBJECT_UNLOCK (self);
  ffc_wall_map_init (&self->wall);
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  return TRUE;
}

static GstStateChangeReturn
gst_trigger_gate_change_state (GstElement *element, GstStateChange transition)
{
  GstTriggerGate *self = GST_TRIGGER_GATE (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !start (self))
    return GST_STATE_CHANGE_FAILURE;
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    reset_stream (self);
    gst_audio_info_init (&self->info);
    GST_OBJECT_LOCK (self);
    self->running = FALSE;
    GST_OBJECT_UNLOCK (self);
  }
  return ret;
}

static void
push_gap (GstTriggerGate *self, const FfcHeldSpan *gap)
{
  gst_pad_push_event (
      self->srcpad, gst_event_new_gap (gap->start, gap->end - gap->start));
}

static void
flush_gap (GstTriggerGate *self)
{
  FfcHeldSpan gap;

  if (ffc_held_flush_gap (self->held, &gap))
    push_gap (self, &gap);
}

static void
push_held_event (GstTriggerGate *self, GstEvent *event)
{
  flush_gap (self);
  /* the time model and the segment apply from here on, as downstream */
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
    gst_event_copy_segment (event, &self->segment);
  gst_ffc_wall_map_take_event (&self->wall, GST_OBJECT (self), event);
  gst_pad_push_event (self->srcpad, event);
}

static void
post_event (GstTriggerGate *self, const FfcTriggerEvent *ev)
{
  gint rate = GST_AUDIO_INFO_RATE (&self->info);
  guint64 start_rt, end_rt;
  gint64 start_wall, end_wall = 0;
  GstStructure *s;

  ffc_held_event_times (&self->event, &start_rt, &end_rt, &start_wall);
  if (self->event.rt_known && ffc_wall_map_ready (&self->wall))
    end_wall = ffc_wall_map_wall_of (&self->wall, end_rt);
  GST_INFO_OBJECT (self,
      "event of %" G_GUINT64_FORMAT " samples (%" GST_TIME_FORMAT
      "), peak %.1f dBFS at %.0f Hz",
      ev->end - ev->start,
      GST_TIME_ARGS (ffc_held_frames_to_ns (ev->end - ev->start, rate)),
      ev->peak_db, ev->peak_hz);
  s = gst_structure_new ("triggergate-event", "start-running-time",
      G_TYPE_UINT64, start_rt, "end-running-time", G_TYPE_UINT64, end_rt,
      "start-wall-time", G_TYPE_INT64, start_wall, "end-wall-time",
      G_TYPE_INT64, end_wall, "start-offset", G_TYPE_UINT64, self->event.offset,
      "samples", G_TYPE_UINT64, ev->end - ev->start, "peak-level",
      G_TYPE_DOUBLE, ev->peak_db, "peak-frequency", G_TYPE_DOUBLE, ev->peak_hz,
      "cut", G_TYPE_BOOLEAN, ev->cut, NULL);
  GST_OBJECT_LOCK (self);
  self->events++;
  GST_OBJECT_UNLOCK (self);
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

/* Frames [off, off + len) of a held buffer, stamped as they were. */
static GstBuffer *
piece_of (GstTriggerGate *self, const FfcHeldAction *a)
{
  gint bpf = GST_AUDIO_INFO_BPF (&self->info);
  GstBuffer *out;

  if (a->whole) {
    out = gst_buffer_make_writable (gst_buffer_ref (a->item));
  } else {
    out = gst_buffer_copy_region (a->item,
        GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_META | GST_BUFFER_COPY_MEMORY,
        a->off * bpf, a->len * bpf);
    GST_BUFFER_PTS (out) = a->stamps.pts;
    GST_BUFFER_DURATION (out) = a->stamps.duration;
    GST_BUFFER_DTS (out) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_OFFSET (out) = a->stamps.offset;
    GST_BUFFER_OFFSET_END (out) = a->stamps.offset_end;
  }
  if (a->discont)
    GST_BUFFER_FLAG_SET (out, GST_BUFFER_FLAG_DISCONT);
  else
    GST_BUFFER_FLAG_UNSET (out, GST_BUFFER_FLAG_DISCONT);
  return out;
}

static GstClockTime
running_time_of (GstTriggerGate *self, GstClockTime pts)
{
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return GST_CLOCK_TIME_NONE;
  return gst_segment_to_running_time (&self->segment, GST_FORMAT_TIME, pts);
}

/* Passes or withholds the samples of a decided range. */
static GstFlowReturn
apply_range (GstTriggerGate *self, const FfcTriggerRange *r)
{
  gint rate = GST_AUDIO_INFO_RATE (&self->info);
  GstFlowReturn ret = GST_FLOW_OK;
  FfcHeldAction a;

  if (r->event_start)
    ffc_held_event_init (&self->event);
  ffc_held_begin (self->held, r->end, r->pass, r->event_start);
  while (ffc_held_step (self->held, &a)) {
    if (a.kind == FFC_HELD_EVENT) {
      push_held_event (self, a.item);
    } else if (a.kind == FFC_HELD_GAP) {
      push_gap (self, &a.gap);
    } else if (a.kind == FFC_HELD_PASS) {
      GstBuffer *out = piece_of (self, &a);
      GstClockTime pts = GST_BUFFER_PTS (out), rt = running_time_of (self, pts);
      gboolean stamped = GST_CLOCK_TIME_IS_VALID (pts);
      /* as the sink behind names the event's file: by the model in force
       * at its first sample */
      gint64 wall = a.event_first && GST_CLOCK_TIME_IS_VALID (rt)
                            && ffc_wall_map_ready (&self->wall)
                        ? ffc_wall_map_wall_of (&self->wall, rt)
                        : 0;

      ffc_held_event_piece (&self->event, a.event_first,
          GST_BUFFER_OFFSET (out), stamped, rt, wall,
          stamped ? running_time_of (
              self, pts + ffc_held_frames_to_ns (a.len, rate))
                  : GST_CLOCK_TIME_NONE);
      if (ret == GST_FLOW_OK)
        ret = gst_pad_push (self->srcpad, out);
      else
        gst_buffer_unref (out);
    }
    if (a.last)
      gst_buffer_unref (a.item);
  }
  if (r->event_end) {
    /* the segment again: filters that hold the event's last samples
     * (audioresample) drain them now, before the withheld time's GAP, so
     * that the file behind them ends with the event too */
    gst_pad_push_event (self->srcpad, gst_event_new_segment (&self->segment));
    post_event (self, &r->event);
  }
  return ret;
}

/* Applies what the trigger decided, all of it whatever the flow. */
static GstFlowReturn
apply_decisions (GstTriggerGate *self)
{
  GstFlowReturn ret = GST_FLOW_OK, r;
  FfcTriggerRange range;

  while (ffc_trigger_pop_merged (self->trigger, &range)) {
    r = apply_range (self, &range);
    if (ret == GST_FLOW_OK)
      ret = r;
  }
  return ret;
}

/* Everything held gets decided: at EOS and before a new format. */
static GstFlowReturn
drain (GstTriggerGate *self)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstEvent *event;

  if (self->trigger != NULL) {
    ffc_trigger_finish (self->trigger, ffc_held_received (self->held));
    ret = apply_decisions (self);
  }
  /* the events after the last sample */
  while ((event = ffc_held_pop_event (self->held)) != NULL)
    push_held_event (self, event);
  flush_gap (self);
  g_clear_pointer (&self->band, ffc_band_free);
  g_clear_pointer (&self->trigger, ffc_trigger_free);
  ffc_held_clear (self->held); /* all decided: positions from 0 again */
  return ret;
}

static GstFlowReturn
gst_trigger_gate_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstTriggerGate *self = GST_TRIGGER_GATE (parent);
  gint bpf = GST_AUDIO_INFO_BPF (&self->info);
  guint64 frames;
  GstMapInfo map;
  gdouble threshold, level;
  GstFlowReturn ret;

  if (self->trigger == NULL || bpf <= 0) {
    gst_buffer_unref (buffer);
    GST_ELEMENT_ERROR (
        self, CORE, NEGOTIATION, (NULL), ("a buffer before the caps"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (gst_buffer_get_size (buffer) < (gsize)bpf) {
    /* no whole frame: nothing to pass or withhold */
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  if (!ffc_wall_map_ready (&self->wall)) {
    /* no time model from upstream: running time 0 on the wall clock, once */
    GstClockTime rt = running_time_of (self, GST_BUFFER_PTS (buffer));

    ffc_wall_map_set_origin (
        &self->wall, gst_ffc_wall_origin_now (GST_ELEMENT (self),
                         GST_CLOCK_TIME_IS_VALID (rt) ? rt : 0));
  }

  if (!self->told_start && GST_BUFFER_PTS_IS_VALID (buffer)
      && ffc_held_is_empty (self->held)) {
    /* Nothing comes out for pre-trigger + min-trigger: tell downstream
     * now that time starts, so that its sinks preroll and a pipeline
     * that waits for them (a tee with a queue of less than that on
     * another branch) does not stall. */
    self->told_start = TRUE;
    gst_pad_push_event (
        self->srcpad, gst_event_new_gap (GST_BUFFER_PTS (buffer), 0));
  }
  frames = gst_buffer_get_size (buffer) / bpf;
  ffc_held_push_audio (self->held, buffer, frames, GST_BUFFER_PTS (buffer),
      GST_BUFFER_OFFSET (buffer),
      GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT));
  GST_OBJECT_LOCK (self);
  threshold = self->threshold; /* the one in force for this buffer */
  GST_OBJECT_UNLOCK (self);

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  if (ffc_trigger_feed_band (
          self->trigger, self->band, threshold, map.data, frames, bpf, &level)
      > 0) {
    GST_OBJECT_LOCK (self);
    self->band_level = level;
    GST_OBJECT_UNLOCK (self);
  }
  gst_buffer_unmap (buffer, &map);

  ret = apply_decisions (self);
  flush_gap (self);
  return ret;
}

static FfcBandFormat
band_format (GstAudioFormat format)
{
  return format == GST_AUDIO_FORMAT_S16LE   ? FFC_BAND_S16
         : format == GST_AUDIO_FORMAT_S32LE ? FFC_BAND_S32
                                            : FFC_BAND_F32;
}

/* Settings that depend on the rate: refused at negotiation. */
static gboolean
configure (GstTriggerGate *self, GstCaps *caps)
{
  FfcTriggerTimes t;
  GstAudioInfo info;
  FfcBandConfig bc;
  GError *error = NULL;
  gdouble threshold;

  if (!gst_audio_info_from_caps (&info, caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("caps not understood: %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (self->trigger != NULL && gst_audio_info_is_equal (&info, &self->info))
    return TRUE;
  /* a new format: what is held is decided with the old one */
  drain (self);

  bc.format = band_format (GST_AUDIO_INFO_FORMAT (&info));
  bc.rate = GST_AUDIO_INFO_RATE (&info);
  bc.channels = GST_AUDIO_INFO_CHANNELS (&info);
  GST_OBJECT_LOCK (self);
  t = self->times;
  bc.low_hz = self->low_freq;
  bc.high_hz = self->high_freq;
  threshold = self->threshold;
  GST_OBJECT_UNLOCK (self);
  if (!ffc_trigger_setup (&t, threshold, &bc, &self->band, &self->trigger,
          &self->config, &error)) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("%s", error->message),
        ("window %" G_GUINT64_FORMAT " ns at %u Hz, %u channels", t.window_ns,
            bc.rate, bc.channels));
    g_clear_error (&error);
    return FALSE;
  }
  self->info = info;
  ffc_held_set_rate (self->held, bc.rate);
  GST_OBJECT_LOCK (self);
  self->latency = ffc_held_frames_to_ns (
      ffc_trigger_latency_frames (&self->config), bc.rate);
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self,
      "windows of %u frames, %u to trigger, holding back %" GST_TIME_FORMAT,
      bc.window_frames, self->config.min_windows,
      GST_TIME_ARGS (self->latency));
  return TRUE;
}

static gboolean
gst_trigger_gate_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstTriggerGate *self = GST_TRIGGER_GATE (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS: {
      GstCaps *caps;

      gst_event_parse_caps (event, &caps);
      if (!configure (self, caps)) {
        gst_event_unref (event);
        return FALSE;
      }
      break;
    }
    case GST_EVENT_EOS:
      drain (self);
      return gst_pad_push_event (self->srcpad, event);
    case GST_EVENT_FLUSH_STOP: {
      GstCaps *caps = gst_pad_get_current_caps (pad);

      reset_stream (self);
      if (caps != NULL) {
        gst_audio_info_init (&self->info);
        configure (self, caps);
        gst_caps_unref (caps);
      }
      gst_segment_init (&self->segment, GST_FORMAT_TIME);
      return gst_pad_push_event (self->srcpad, event);
    }
    default:
      break;
  }
  if (!GST_EVENT_IS_SERIALIZED (event))
    return gst_pad_event_default (pad, parent, event);
  if (ffc_held_is_empty (self->held))
    push_held_event (self, event);
  else /* in order with the audio held back */
    ffc_held_push_event (self->held, event);
  return TRUE;
}

static gboolean
gst_trigger_gate_src_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstTriggerGate *self = GST_TRIGGER_GATE (parent);

  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gboolean live;
    GstClockTime min, max, ours;

    if (!gst_pad_peer_query (self->sinkpad, query))
      return FALSE;
    gst_query_parse_latency (query, &live, &min, &max);
    GST_OBJECT_LOCK (self);
    ours = self->running ? self->latency
                         : ffc_trigger_times_latency_ns (&self->times);
    GST_OBJECT_UNLOCK (self);
    min += ours;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += ours;
    GST_DEBUG_OBJECT (self,
        "latency: %" GST_TIME_FORMAT " held back, min %" GST_TIME_FORMAT
        " max %" GST_TIME_FORMAT,
        GST_TIME_ARGS (ours), GST_TIME_ARGS (min), GST_TIME_ARGS (max));
    gst_query_set_latency (query, live, min, max);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}
