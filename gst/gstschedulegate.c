/* gst-ffcapture: schedulegate
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-schedulegate
 * @title: schedulegate
 *
 * schedulegate passes the audio inside a recording schedule's windows and
 * withholds it outside: the dawn chorus, dusk to dawn for bats, one minute
 * in ten, a season, every other day. Times of day are in
 * #GstScheduleGate:timezone; sunrise, sunset and twilight come from
 * libnova for #GstScheduleGate:position.
 *
 * Each buffer's running time is mapped onto the wall clock by the
 * capture's time model (the `ffcapture-clock` sticky event of ffmpegsrc,
 * docs/time.md; without one, the pipeline clock at the first buffer), and
 * window edges are sample-exact on it: the first sample passed is the
 * first whose wall-clock time is at or after the window's start, the last
 * the last before its end (found with the model in force when the window
 * opened, so that a model corrected by less than a step neither lengthens
 * nor shortens it); a buffer is split where an edge falls inside it, the
 * part kept with its own PTS, DURATION, OFFSET and OFFSET_END. The first
 * buffer of each window is DISCONT and GAP events fill the
 * closed time, so a segmentsink behind the gate writes each window as a
 * file of its own, named by the window's true start. Nothing is held back:
 * the gate adds no latency.
 *
 * The schedule is parsed at start; a bad one fails the state change with
 * an error naming the token that is wrong. The plan (the windows of the
 * next 48 hours) is made at the first buffer, again at every midnight of
 * the time zone, and when the wall clock steps (a new time model whose
 * mapping moved by more than 10 ms, e.g. NTP setting the clock at boot).
 *
 * ## Element messages
 *
 * `schedulegate-plan`: `windows` (string, the windows of the next 48 hours
 * as `START/END` ISO 8601 UTC intervals separated by `;`), `missing`
 * (string, the sun events that do not happen, e.g. "2027-06-21 sunset: the
 * sun stays above -0.83° all day", separated by `; `; empty when none),
 * `reason` (`start`, `midnight` or `clock-step`), `now` (string, ISO 8601
 * UTC, the wall-clock time planned from).
 *
 * `schedulegate-window`: a window opened or closed. `state` (`open` or
 * `closed`), `start` and `end` (strings, ISO 8601 UTC, the window's),
 * `running-time` (guint64 ns, of the first sample passed, or of the first
 * withheld), `wall-time` (gint64 µs since the epoch, of that sample).
 *
 * `schedulegate-clock-step`: the time model moved. `step` (gint64 µs,
 * positive forward), `wall-time` (gint64 µs, the new wall-clock time of
 * the stream's position).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 ffmpegsrc input-format=alsa device=hw:1 ! \
 *     schedulegate schedule="sunrise-30m..sunrise+2h" \
 *     position="52.52,13.405" timezone=Europe/Berlin ! \
 *     segmentsink location=/data/dawn
 * ]| Records the dawn chorus every day.
 * |[
 * gst-launch-1.0 ffmpegsrc input-format=alsa device=hw:1 ! \
 *     schedulegate duty-cycle=1m/10m \
 *     date-range=2027-03-01..2027-06-30 ! segmentsink location=/data/season
 * ]| One minute in ten, for a season.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstschedulegate.h"

#include <gst/audio/audio.h>

#include "ffc-clock.h"
#include "ffc-meta.h"
#include "ffc-schedule.h"
#include "gstffcaptureelements.h"
#include "gstffcclock.h"

GST_DEBUG_CATEGORY_STATIC (gst_schedule_gate_debug);
#define GST_CAT_DEFAULT gst_schedule_gate_debug

#define DEFAULT_SCHEDULE NULL
#define DEFAULT_DUTY_CYCLE NULL
#define DEFAULT_DATE_RANGE NULL
#define DEFAULT_DAY_INTERVAL 1
#define DEFAULT_TIMEZONE "UTC"
#define DEFAULT_POSITION NULL

enum {
  PROP_0,
  PROP_SCHEDULE,
  PROP_DUTY_CYCLE,
  PROP_DATE_RANGE,
  PROP_DAY_INTERVAL,
  PROP_TIMEZONE,
  PROP_POSITION,
  PROP_STATS,
};

struct _GstScheduleGate {
  GstElement parent;

  GstPad *sinkpad, *srcpad;

  /* properties, under the object lock */
  gchar *schedule;
  gchar *duty_cycle;
  gchar *date_range;
  guint day_interval;
  gchar *timezone;
  gchar *position;
  gboolean running; /* READY -> PAUSED until PAUSED -> READY */

  /* streaming thread */
  FfcSchedule *sched;
  FfcPlan *plan;
  gint64 next_midnight_us;
  GstAudioInfo info;
  gboolean have_info;
  GstSegment segment;
  FfcWallMap map;
  gboolean have_position; /* a buffer came: next_rt is known */
  guint64 next_rt;        /* running time (ns) after the last buffer */
  GstClockTime next_pts;
  gboolean open;
  FfcInterval window; /* the open (or last) window */
  /* the mapping in force when the window opened: its end is found with it,
   * so that a model corrected by less than a step does not lengthen or
   * shorten the window (a step, FFC_CLOCK_STEP_MIN_US, replaces it) */
  FfcWallMap window_map;
  gint64 closed_until_us; /* the end of the last window closed */

  /* statistics, under the object lock */
  guint64 windows_opened;
  guint64 samples_passed;
  guint64 samples_withheld;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) { S16LE, S32LE, F32LE }, "
                     "rate = (int) [ 1, MAX ], channels = (int) [ 1, MAX ], "
                     "layout = (string) interleaved"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) { S16LE, S32LE, F32LE }, "
                     "rate = (int) [ 1, MAX ], channels = (int) [ 1, MAX ], "
                     "layout = (string) interleaved"));

#define gst_schedule_gate_parent_class parent_class
G_DEFINE_TYPE (GstScheduleGate, gst_schedule_gate, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (schedulegate, "schedulegate",
    GST_RANK_NONE, GST_TYPE_SCHEDULE_GATE,
    GST_DEBUG_CATEGORY_INIT (
        gst_schedule_gate_debug, "schedulegate", 0, "recording schedules"));

static void gst_schedule_gate_finalize (GObject *object);
static void gst_schedule_gate_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_schedule_gate_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static GstStateChangeReturn gst_schedule_gate_change_state (
    GstElement *element, GstStateChange transition);
static GstFlowReturn gst_schedule_gate_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buffer);
static gboolean gst_schedule_gate_sink_event (
    GstPad *pad, GstObject *parent, GstEvent *event);

static void
gst_schedule_gate_class_init (GstScheduleGateClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags ready =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gobject_class->finalize = gst_schedule_gate_finalize;
  gobject_class->set_property = gst_schedule_gate_set_property;
  gobject_class->get_property = gst_schedule_gate_get_property;

  g_object_class_install_property (gobject_class, PROP_SCHEDULE,
      g_param_spec_string ("schedule", "Schedule",
          "Windows START..END separated by ';', each a time of day HH:MM[:SS] "
          "or sunrise, sunset, dawn, dusk, nautical-dawn, nautical-dusk, "
          "with an optional offset of up to 12h (sunset-30m, 05:00+15m); END "
          "before START runs over midnight; empty = all day",
          DEFAULT_SCHEDULE, ready));
  g_object_class_install_property (gobject_class, PROP_DUTY_CYCLE,
      g_param_spec_string ("duty-cycle", "Duty cycle",
          "ON/PERIOD, e.g. 1m/10m: the first ON of every PERIOD (at most "
          "24h), on the wall-clock multiples of PERIOD from midnight, inside "
          "the windows; empty = always on",
          DEFAULT_DUTY_CYCLE, ready));
  g_object_class_install_property (gobject_class, PROP_DATE_RANGE,
      g_param_spec_string ("date-range", "Date range",
          "FIRST..LAST, local dates YYYY-MM-DD, inclusive (e.g. "
          "2027-03-01..2027-06-30): windows start only on these days; empty "
          "= always",
          DEFAULT_DATE_RANGE, ready));
  g_object_class_install_property (gobject_class, PROP_DAY_INTERVAL,
      g_param_spec_uint ("day-interval", "Day interval",
          "Record on every Nth day (1 to 3650), counted from the first day "
          "of date-range, or from 1970-01-01 without one",
          1, FFC_SCHEDULE_DAY_INTERVAL_MAX, DEFAULT_DAY_INTERVAL, ready));
  g_object_class_install_property (gobject_class, PROP_TIMEZONE,
      g_param_spec_string ("timezone", "Time zone",
          "The zone of times of day, dates and midnight: UTC, local, or an "
          "IANA name such as Europe/Berlin",
          DEFAULT_TIMEZONE, ready));
  g_object_class_install_property (gobject_class, PROP_POSITION,
      g_param_spec_string ("position", "Position",
          "Where the station is, WGS84 decimal degrees: \"LATITUDE,LONGITUDE\" "
          "(as segmentsink's), e.g. \"52.5186,13.3761\"; required by sun "
          "events",
          DEFAULT_POSITION, ready));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "windows-opened, samples-passed and samples-withheld (guint64; "
          "samples per channel: passed + withheld = received)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_schedule_gate_change_state);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Schedule gate",
      "Filter/Audio",
      "Passes the audio inside a recording schedule's windows (times of day, "
      "sunrise and sunset, duty cycles, seasons), sample-exact",
      "gst-ffcapture");
}

static void
gst_schedule_gate_init (GstScheduleGate *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_schedule_gate_chain));
  gst_pad_set_event_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_schedule_gate_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->day_interval = DEFAULT_DAY_INTERVAL;
  self->timezone = g_strdup (DEFAULT_TIMEZONE);
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  ffc_wall_map_init (&self->map);
}

static void
gst_schedule_gate_finalize (GObject *object)
{
  GstScheduleGate *self = GST_SCHEDULE_GATE (object);

  g_free (self->schedule);
  g_free (self->duty_cycle);
  g_free (self->date_range);
  g_free (self->timezone);
  g_free (self->position);
  ffc_plan_free (self->plan);
  ffc_schedule_free (self->sched);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Says now what start () would refuse */
static void
warn_if_bad (GstScheduleGate *self, guint prop_id, const gchar *text)
{
  GError *error = NULL;
  gboolean ok = TRUE;

  switch (prop_id) {
    case PROP_SCHEDULE: {
      GArray *windows = NULL;
      ok = ffc_schedule_parse_windows (text, &windows, &error);
      if (windows)
        g_array_unref (windows);
      break;
    }
    case PROP_DUTY_CYCLE: {
      gint64 on, period;
      ok = ffc_schedule_parse_duty_cycle (text, &on, &period, &error);
      break;
    }
    case PROP_DATE_RANGE: {
      gboolean have;
      GDate first, last;
      ok = ffc_schedule_parse_date_range (text, &have, &first, &last, &error);
      break;
    }
    case PROP_TIMEZONE: {
      GTimeZone *zone = ffc_schedule_parse_timezone (text, &error);
      ok = zone != NULL;
      if (zone)
        g_time_zone_unref (zone);
      break;
    }
    case PROP_POSITION: {
      gdouble lat, lon;
      if (text != NULL && *text != '\0')
        ok = ffc_meta_parse_position (text, &lat, &lon, &error);
      break;
    }
    default:
      break;
  }
  if (!ok) {
    g_warning ("schedulegate %s: %s", GST_OBJECT_NAME (self), error->message);
    g_clear_error (&error);
  }
}

static void
gst_schedule_gate_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstScheduleGate *self = GST_SCHEDULE_GATE (object);
  gchar **field = NULL;

  GST_OBJECT_LOCK (self);
  if (self->running) {
    GST_OBJECT_UNLOCK (self);
    g_warning ("schedulegate %s: %s cannot change while running; stop the "
               "pipeline (READY) first",
        GST_OBJECT_NAME (self), pspec->name);
    return;
  }
  switch (prop_id) {
    case PROP_SCHEDULE:
      field = &self->schedule;
      break;
    case PROP_DUTY_CYCLE:
      field = &self->duty_cycle;
      break;
    case PROP_DATE_RANGE:
      field = &self->date_range;
      break;
    case PROP_TIMEZONE:
      field = &self->timezone;
      break;
    case PROP_POSITION:
      field = &self->position;
      break;
    case PROP_DAY_INTERVAL:
      self->day_interval = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  if (field != NULL) {
    g_free (*field);
    *field = g_value_dup_string (value);
  }
  GST_OBJECT_UNLOCK (self);
  if (field != NULL)
    warn_if_bad (self, prop_id, g_value_get_string (value));
}

static void
gst_schedule_gate_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstScheduleGate *self = GST_SCHEDULE_GATE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SCHEDULE:
      g_value_set_string (value, self->schedule);
      break;
    case PROP_DUTY_CYCLE:
      g_value_set_string (value, self->duty_cycle);
      break;
    case PROP_DATE_RANGE:
      g_value_set_string (value, self->date_range);
      break;
    case PROP_DAY_INTERVAL:
      g_value_set_uint (value, self->day_interval);
      break;
    case PROP_TIMEZONE:
      g_value_set_string (value, self->timezone);
      break;
    case PROP_POSITION:
      g_value_set_string (value, self->position);
      break;
    case PROP_STATS:
      /* clang-format off */
      g_value_take_boxed (value, gst_structure_new ("schedulegate-stats",
          "windows-opened", G_TYPE_UINT64, self->windows_opened,
          "samples-passed", G_TYPE_UINT64, self->samples_passed,
          "samples-withheld", G_TYPE_UINT64, self->samples_withheld,
          NULL));
      /* clang-format on */
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
start (GstScheduleGate *self)
{
  GError *error = NULL;
  FfcSchedule *sched;

  GST_OBJECT_LOCK (self);
  sched = ffc_schedule_new (self->schedule, self->duty_cycle, self->date_range,
      self->day_interval, self->timezone, self->position, &error);
  self->windows_opened = self->samples_passed = self->samples_withheld = 0;
  GST_OBJECT_UNLOCK (self);
  if (sched == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
        ("the schedule is refused at start; see docs/schedulegate.md"));
    g_clear_error (&error);
    return FALSE;
  }
  ffc_schedule_free (self->sched);
  self->sched = sched;
  g_clear_pointer (&self->plan, ffc_plan_free);
  ffc_wall_map_init (&self->map);
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  self->have_info = FALSE;
  self->have_position = FALSE;
  self->next_rt = 0;
  self->next_pts = GST_CLOCK_TIME_NONE;
  self->open = FALSE;
  self->closed_until_us = G_MININT64;
  return TRUE;
}

static GstStateChangeReturn
gst_schedule_gate_change_state (GstElement *element, GstStateChange transition)
{
  GstScheduleGate *self = GST_SCHEDULE_GATE (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    if (!start (self))
      return GST_STATE_CHANGE_FAILURE;
    GST_OBJECT_LOCK (self);
    self->running = TRUE;
    GST_OBJECT_UNLOCK (self);
  }
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY
      || (transition == GST_STATE_CHANGE_READY_TO_PAUSED
          && ret == GST_STATE_CHANGE_FAILURE)) {
    GST_OBJECT_LOCK (self);
    self->running = FALSE;
    GST_OBJECT_UNLOCK (self);
    g_clear_pointer (&self->plan, ffc_plan_free);
    g_clear_pointer (&self->sched, ffc_schedule_free);
  }
  return ret;
}

static void
post_plan (GstScheduleGate *self, const gchar *reason)
{
  gchar *windows = ffc_plan_windows_string (self->plan);
  gchar *missing = ffc_plan_missing_string (self->plan);
  gchar *now = ffc_schedule_format_time (self->plan->now_us);

  GST_INFO_OBJECT (self, "plan (%s) from %s: %s%s%s", reason, now, windows,
      *missing ? "; missing: " : "", missing);
  /* clang-format off */
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("schedulegate-plan",
              "windows", G_TYPE_STRING, windows,
              "missing", G_TYPE_STRING, missing,
              "reason", G_TYPE_STRING, reason,
              "now", G_TYPE_STRING, now,
              NULL)));
  /* clang-format on */
  g_free (windows);
  g_free (missing);
  g_free (now);
}

static void
make_plan (GstScheduleGate *self, gint64 now_us, const gchar *reason)
{
  g_clear_pointer (&self->plan, ffc_plan_free);
  self->plan = ffc_schedule_plan (self->sched, now_us, FFC_SCHEDULE_PLAN_SPAN);
  self->next_midnight_us = ffc_schedule_next_midnight (self->sched, now_us);
  post_plan (self, reason);
}

static void
post_window (GstScheduleGate *self, gboolean open, guint64 rt, gint64 wall)
{
  gchar *start = ffc_schedule_format_time (self->window.start_us);
  gchar *end = ffc_schedule_format_time (self->window.end_us);

  GST_INFO_OBJECT (self, "window %s/%s %s at running time %" GST_TIME_FORMAT,
      start, end, open ? "open" : "closed", GST_TIME_ARGS (rt));
  /* clang-format off */
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("schedulegate-window",
              "state", G_TYPE_STRING, open ? "open" : "closed",
              "start", G_TYPE_STRING, start,
              "end", G_TYPE_STRING, end,
              "running-time", G_TYPE_UINT64, rt,
              "wall-time", G_TYPE_INT64, wall,
              NULL)));
  /* clang-format on */
  g_free (start);
  g_free (end);
}

static inline guint64
frames_to_ns (guint64 frames, gint rate)
{
  return gst_util_uint64_scale_int (frames, GST_SECOND, rate);
}

/* The first frame in (from, n] whose wall-clock time is at or after edge
 * (n when none is): wall time grows with the frame */
static guint64
first_at_or_after (const FfcWallMap *wmap, guint64 rt0, gint rate, guint64 from,
    guint64 n, gint64 edge_us)
{
  guint64 lo = from + 1, hi = n;

  while (lo < hi) {
    guint64 mid = lo + (hi - lo) / 2;
    if (ffc_wall_map_wall_of (wmap, rt0 + frames_to_ns (mid, rate)) >= edge_us)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

static GstFlowReturn
push_part (GstScheduleGate *self, GstBuffer *buffer, guint64 from, guint64 to,
    guint64 n, gint rate, gint bpf, GstClockTime pts, gboolean discont)
{
  GstBuffer *part;

  if (from == 0 && to == n) {
    part = gst_buffer_ref (buffer);
  } else {
    part = gst_buffer_copy_region (buffer,
        GST_BUFFER_COPY_METADATA | GST_BUFFER_COPY_MEMORY, from * bpf,
        (to - from) * bpf);
  }
  part = gst_buffer_make_writable (part);
  if (GST_CLOCK_TIME_IS_VALID (pts)) {
    GST_BUFFER_PTS (part) = pts + frames_to_ns (from, rate);
    GST_BUFFER_DURATION (part) =
        frames_to_ns (to, rate) - frames_to_ns (from, rate);
  }
  if (GST_BUFFER_OFFSET_IS_VALID (buffer)) {
    GST_BUFFER_OFFSET (part) = GST_BUFFER_OFFSET (buffer) + from;
    GST_BUFFER_OFFSET_END (part) = GST_BUFFER_OFFSET (buffer) + to;
  }
  if (discont
      || (from == 0
          && GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT)))
    GST_BUFFER_FLAG_SET (part, GST_BUFFER_FLAG_DISCONT);
  else
    GST_BUFFER_FLAG_UNSET (part, GST_BUFFER_FLAG_DISCONT);
  return gst_pad_push (self->srcpad, part);
}

static GstFlowReturn
gst_schedule_gate_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstScheduleGate *self = GST_SCHEDULE_GATE (parent);
  gint rate = GST_AUDIO_INFO_RATE (&self->info);
  gint bpf = GST_AUDIO_INFO_BPF (&self->info);
  GstFlowReturn ret = GST_FLOW_OK;
  GstClockTime pts;
  guint64 rt0, n, pos = 0;

  if (!self->have_info || rate <= 0 || bpf <= 0) {
    gst_buffer_unref (buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  n = gst_buffer_get_size (buffer) / bpf;
  pts = GST_BUFFER_PTS (buffer);
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    pts = self->next_pts;
  rt0 = GST_CLOCK_TIME_IS_VALID (pts)
            ? gst_segment_to_running_time (&self->segment, GST_FORMAT_TIME, pts)
            : GST_CLOCK_TIME_NONE;
  if (!GST_CLOCK_TIME_IS_VALID (rt0))
    rt0 = self->have_position ? self->next_rt : 0;

  if (!ffc_wall_map_ready (&self->map))
    ffc_wall_map_set_origin (
        &self->map, gst_ffc_wall_origin_now (GST_ELEMENT (self), rt0));
  if (self->plan == NULL)
    make_plan (self, ffc_wall_map_wall_of (&self->map, rt0), "start");

  while (pos < n && ret == GST_FLOW_OK) {
    guint64 rt = rt0 + frames_to_ns (pos, rate);
    gint64 wall = ffc_wall_map_wall_of (&self->map, rt);
    gboolean inside;
    gint64 edge;
    guint64 to;
    gint i;

    if (wall >= self->next_midnight_us)
      make_plan (self, self->next_midnight_us, "midnight");
    /* until the next midnight at most: the plan is made again there */
    to = first_at_or_after (
        &self->map, rt0, rate, pos, n, self->next_midnight_us);

    if (self->open) {
      if (ffc_wall_map_wall_of (&self->window_map, rt) < self->window.end_us) {
        to = MIN (to, first_at_or_after (&self->window_map, rt0, rate, pos, n,
                          self->window.end_us));
        GST_OBJECT_LOCK (self);
        self->samples_passed += to - pos;
        GST_OBJECT_UNLOCK (self);
        ret = push_part (self, buffer, pos, to, n, rate, bpf, pts, FALSE);
        pos = to;
        continue;
      }
      self->open = FALSE;
      self->closed_until_us = self->window.end_us;
      /* the segment again: filters that hold the window's last samples
       * (audioresample) drain them now, before the closed time's GAP, so
       * that the file behind them ends with the window too */
      gst_pad_push_event (self->srcpad, gst_event_new_segment (&self->segment));
      post_window (self, FALSE, rt, wall);
    }

    i = ffc_plan_find (self->plan, wall, &inside);
    if (i >= 0 && inside
        && g_array_index (self->plan->windows, FfcInterval, i).start_us
               < self->closed_until_us) {
      /* what is left of a window just closed (the model moved back a
       * little since it opened): closed */
      inside = FALSE;
      edge = g_array_index (self->plan->windows, FfcInterval, i).end_us;
    } else if (i >= 0 && inside) {
      self->open = TRUE;
      self->window = g_array_index (self->plan->windows, FfcInterval, i);
      self->window_map = self->map;
      GST_OBJECT_LOCK (self);
      self->windows_opened++;
      GST_OBJECT_UNLOCK (self);
      post_window (self, TRUE, rt, wall);
      to = MIN (to, first_at_or_after (&self->window_map, rt0, rate, pos, n,
                        self->window.end_us));
      GST_OBJECT_LOCK (self);
      self->samples_passed += to - pos;
      GST_OBJECT_UNLOCK (self);
      ret = push_part (self, buffer, pos, to, n, rate, bpf, pts, TRUE);
      pos = to;
      continue;
    } else {
      edge = i >= 0
                 ? g_array_index (self->plan->windows, FfcInterval, i).start_us
                 : G_MAXINT64;
    }
    to = MIN (to, first_at_or_after (&self->map, rt0, rate, pos, n, edge));
    GST_OBJECT_LOCK (self);
    self->samples_withheld += to - pos;
    GST_OBJECT_UNLOCK (self);
    if (GST_CLOCK_TIME_IS_VALID (pts)
        && !gst_pad_push_event (self->srcpad,
            gst_event_new_gap (pts + frames_to_ns (pos, rate),
                frames_to_ns (to, rate) - frames_to_ns (pos, rate))))
      GST_DEBUG_OBJECT (self, "the GAP event was not taken");
    pos = to;
  }
  if (pos < n) {
    /* a flow error stopped us: what is left counts as withheld */
    GST_OBJECT_LOCK (self);
    self->samples_withheld += n - pos;
    GST_OBJECT_UNLOCK (self);
  }

  self->have_position = TRUE;
  self->next_rt = rt0 + frames_to_ns (n, rate);
  if (GST_CLOCK_TIME_IS_VALID (pts))
    self->next_pts = pts + frames_to_ns (n, rate);
  gst_buffer_unref (buffer);
  return ret;
}

/* A new time model: when it moves the stream's position on the wall clock
 * (a step of the system clock), the plan is made again */
static void
take_clock_event (GstScheduleGate *self, GstEvent *event)
{
  gboolean had = self->plan != NULL && ffc_wall_map_ready (&self->map);
  gint64 before = had ? ffc_wall_map_wall_of (&self->map, self->next_rt) : 0;
  gint64 after, step;

  if (!gst_ffc_wall_map_take_event (&self->map, GST_OBJECT (self), event)
      || !had)
    return;
  after = ffc_wall_map_wall_of (&self->map, self->next_rt);
  step = after - before;
  if (ABS (step) <= FFC_CLOCK_STEP_MIN_US)
    return;
  GST_INFO_OBJECT (
      self, "the time model moved by %" G_GINT64_FORMAT " µs", step);
  /* clang-format off */
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("schedulegate-clock-step",
              "step", G_TYPE_INT64, step,
              "wall-time", G_TYPE_INT64, after,
              NULL)));
  /* clang-format on */
  /* the open window ends where the corrected clock says */
  self->window_map = self->map;
  self->closed_until_us = G_MININT64;
  make_plan (self, after, "clock-step");
}

static gboolean
gst_schedule_gate_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstScheduleGate *self = GST_SCHEDULE_GATE (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS: {
      GstCaps *caps;
      GstAudioInfo info;

      gst_event_parse_caps (event, &caps);
      if (!gst_audio_info_from_caps (&info, caps)) {
        GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Unusable caps"),
            ("%" GST_PTR_FORMAT, caps));
        gst_event_unref (event);
        return FALSE;
      }
      self->info = info;
      self->have_info = TRUE;
      break;
    }
    case GST_EVENT_SEGMENT: {
      const GstSegment *segment;

      gst_event_parse_segment (event, &segment);
      if (segment->format != GST_FORMAT_TIME) {
        GST_ELEMENT_ERROR (self, STREAM, FORMAT,
            ("schedulegate needs a TIME segment"),
            ("got %s", gst_format_get_name (segment->format)));
        gst_event_unref (event);
        return FALSE;
      }
      self->segment = *segment;
      break;
    }
    case GST_EVENT_CUSTOM_DOWNSTREAM_STICKY:
      take_clock_event (self, event);
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_segment_init (&self->segment, GST_FORMAT_TIME);
      self->next_pts = GST_CLOCK_TIME_NONE;
      break;
    default:
      break;
  }
  /* forwards everything, the time model too */
  return gst_pad_event_default (pad, parent, event);
}
