/* gst-ffcapture: segmentsink
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-segmentsink
 * @title: segmentsink
 *
 * segmentsink writes raw audio into WAV segments of exactly
 * #GstSegmentSink:segment-duration, each in a staging directory first, and
 * promotes every finished segment into the data directory with one atomic
 * rename the moment its last sample is written. A consumer watching the
 * data directory (inotify IN_MOVED_TO) never sees a partial file, even after
 * a crash or a power cut: the file is fsynced before the rename and the
 * directory after it, and a file never replaces another.
 *
 * Segments are sample-exact: a segment of 60 s at 384 kHz holds exactly
 * 23 040 000 frames, buffers are split where a boundary falls inside one.
 * Only the first (with #GstSegmentSink:align), the last, and one that ends
 * at a discontinuity are shorter: a DISCONT buffer, or a timestamp jump of
 * more than one sample, ends the segment and starts a new one at the new
 * time, so a file never hides a gap. A segment's name carries the
 * wall-clock time of its first sample, from the time model ffmpegsrc sends
 * (the `ffcapture-clock` sticky event: the device clock's drift and steps of
 * the system clock accounted for; docs/time.md), or from the pipeline clock
 * mapped onto the wall clock at the first buffer with another source.
 *
 * On start, files a crash left in staging are repaired (sizes recomputed
 * from their length, a partial last frame cut off) and promoted; a file
 * that cannot be repaired is moved to `quarantine/` in staging, never
 * deleted. Several recorders may share one data directory: each holds an
 * OFD lock on its staging file until it is promoted, and recovery leaves a
 * locked file alone (ffc-promote.c).
 *
 * Every property is read at start: changing one while PAUSED or PLAYING is
 * refused with a warning. Segments last 10 ms to 24 h, rates are 1 kHz to
 * 1.536 MHz; other values fail the start with an error naming them.
 *
 * Faults during a run: a write error (a full disk) is an ERROR naming the
 * file and the reason, and what was written is finished and promoted. A
 * data directory that refuses the rename (made read-only) is an ERROR; the
 * finished segment waits in staging and is promoted at the next start. A
 * staging directory deleted during a run is made again with a WARNING, and
 * the open segment is saved from its descriptor.
 *
 * ## Element messages
 *
 * `segmentsink-promoted`: a segment appeared in the data directory. Fields:
 * `location` (string, final path), `start-time` (string, ISO 8601 UTC with
 * microseconds), `running-time` (guint64), `duration` (guint64, ns),
 * `samples` (guint64), `offset` (guint64, stream sample offset of the first
 * sample), `bytes` (guint64, file size), `clock-synchronised` (boolean, the
 * system clock was synchronised when the segment began), `drift-ppm`
 * (double, the capture's drift, NaN unknown).
 *
 * `segmentsink-recovered`: an orphan from a crash was repaired and promoted.
 * Fields: `location`, `samples`, `trimmed-bytes`.
 *
 * `segmentsink-quarantined`: an orphan could not be repaired. Fields:
 * `location` (where it was moved), `reason`.
 *
 * `segmentsink-deleted`: retention deleted a segment. Fields: `location`
 * (the path deleted), `reason` (`low-space`), `bytes` (guint64),
 * `free-space` (guint64, bytes free after the deletions).
 *
 * ## Pairs and retention
 *
 * The segmentsinks of one pipeline share one run id (#GstSegmentSink:run-id
 * left empty: drawn by the first to start, forgotten when they stop; while
 * running the property reads the id in use) and one mapping of running time
 * onto the wall clock, so a raw and a processed stream of one capture give
 * their segments the same names: a pair, matched by name. With
 * #GstSegmentSink:retention, a sink whose filesystem has less than
 * #GstSegmentSink:min-free-space free deletes the oldest segments its own
 * template names, together with the same name in every directory of its
 * pair, never one promoted less than #GstSegmentSink:min-age ago, and never
 * half a pair. With retention off, a WARNING comes at min-free-space, and an
 * ERROR naming the filesystem when it is full.
 *
 * ## Metadata
 *
 * Every segment carries a GUANO (`guan`) and a BWF `bext` chunk: the
 * first sample's time (GUANO Timestamp in local time with its offset; bext
 * OriginationDate/Time and TimeReference in UTC), length, rate, the
 * template's file name, run id, sequence number, sample offset, the
 * capture clock's drift and synchronisation, and the station's facts from
 * #GstSegmentSink:make, #GstSegmentSink:model, #GstSegmentSink:serial,
 * #GstSegmentSink:position, #GstSegmentSink:elevation, #GstSegmentSink:note
 * and #GstSegmentSink:stream-name (read at start). They are written when
 * the segment opens; GUANO's Length when it closes, or by the crash repair.
 * A position or elevation that makes no sense is warned about when set and
 * fails the state change. #GstSegmentSink:elevation is unset by default:
 * GParamSpecDouble cannot default to NaN, so the lowest double
 * (-G_MAXDOUBLE) means unset, as does NaN. See docs/metadata.md.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 ffmpegsrc input-format=lavfi \
 *     device="sine=sample_rate=384000:duration=5" ! \
 *     segmentsink location=/data/raw segment-duration=1000000000
 * ]| Five files of exactly 384000 frames each.
 * |[
 * gst-launch-1.0 -e ffmpegsrc device=hw:1,0 sample-rate=384000 channels=1 ! \
 *     audio/x-raw,rate=384000 ! segmentsink location=/data/raw align=true
 * ]| One-minute segments that start on the minute.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsegmentsink.h"
#include <gst/audio/audio.h>
#include "gstffcaptureelements.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "gstffcclock.h"

#include "ffc-clock.h"
#include "ffc-meta.h"
#include "ffc-promote.h"
#include "ffc-retention.h"
#include "ffc-segname.h"
#include "ffc-segwriter.h"
#include "ffc-wav.h"

struct _GstSegmentSink {
  GstBaseSink parent;

  /* properties, under the object lock; elevation as set (the lowest double
   * or NaN: unset) */
  FfcSegwriterConfig props;
  gboolean running; /* start() to stop(): props are not taken (object lock) */

  /* from start() to stop() */
  FfcSegwriterConfig cfg; /* the snapshot of props the run uses */
  gint data_fd;
  gint staging_fd;
  gchar *data_dir; /* resolved paths */
  gchar *staging_dir;
  gchar run_id[9];
  guint64 seq;
  GstAudioInfo info;
  /* running time onto the wall clock: the capture's time model from
   * upstream (docs/time.md), or an origin fixed at the first buffer */
  FfcWallMap wall;
  guint64 samples_received;
  FfcMeta station; /* the station's facts of cfg; zone owned */

  /* pairs and retention */
  gboolean run_id_in_use;  /* run_id is this run's (object lock) */
  gconstpointer run_scope; /* the top-level pipeline, when run_id is shared */
  FfcPairMember *pair;
  guint64 unchecked_bytes; /* written since free space was last checked */
  gboolean low_space_warned;

  /* the open segment */
  gint fd;
  gchar *staging_name;
  gchar *intended_name; /* what the template gave */
  FfcWavLayout layout;
  guint64 frames;        /* written so far */
  guint64 target_frames; /* where this segment ends */
  GstClockTime start_running_time;
  gint64 start_wall_us;
  gboolean start_synchronised; /* the clock was, when the segment began */
  gboolean start_settled;      /* named from a settled model */
  guint64 start_offset;
  gboolean have_next;
  GstClockTime next_running_time; /* where the next buffer belongs */
};

GST_DEBUG_CATEGORY_STATIC (gst_segment_sink_debug);
#define GST_CAT_DEFAULT gst_segment_sink_debug

#define DEFAULT_LOCATION NULL
#define DEFAULT_STAGING_LOCATION NULL
#define DEFAULT_SEGMENT_DURATION (60 * GST_SECOND)
#define DEFAULT_ALIGN FALSE
#define DEFAULT_FILENAME FFC_SEGNAME_DEFAULT
#define DEFAULT_FSYNC TRUE
#define DEFAULT_MAKE NULL
#define DEFAULT_MODEL NULL
#define DEFAULT_SERIAL NULL
#define DEFAULT_POSITION NULL
/* GParamSpecDouble cannot default to NaN: the lowest double means unset */
#define ELEVATION_UNSET (-G_MAXDOUBLE)
#define DEFAULT_ELEVATION ELEVATION_UNSET
#define DEFAULT_NOTE NULL
#define DEFAULT_STREAM_NAME NULL

#define DEFAULT_RUN_ID NULL
#define DEFAULT_RETENTION FALSE
#define DEFAULT_MIN_FREE_SPACE (G_GUINT64_CONSTANT (512) * 1024 * 1024)
#define DEFAULT_MIN_AGE (10 * 60 * GST_SECOND)

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_STAGING_LOCATION,
  PROP_SEGMENT_DURATION,
  PROP_ALIGN,
  PROP_FILENAME,
  PROP_FSYNC,
  PROP_MAKE,
  PROP_MODEL,
  PROP_SERIAL,
  PROP_POSITION,
  PROP_ELEVATION,
  PROP_NOTE,
  PROP_STREAM_NAME,
  PROP_RUN_ID,
  PROP_RETENTION,
  PROP_MIN_FREE_SPACE,
  PROP_MIN_AGE,
};

#define SINK_CAPS                                                              \
  "audio/x-raw, "                                                              \
  "format = (string) { S16LE, S32LE, F32LE }, "                                \
  "rate = (int) [ 1, MAX ], "                                                  \
  "channels = (int) [ 1, 65535 ], "                                            \
  "layout = (string) interleaved"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (SINK_CAPS));

#define gst_segment_sink_parent_class parent_class
G_DEFINE_TYPE (GstSegmentSink, gst_segment_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (segmentsink, "segmentsink",
    GST_RANK_NONE, GST_TYPE_SEGMENT_SINK,
    GST_DEBUG_CATEGORY_INIT (
        gst_segment_sink_debug, "segmentsink", 0, "sample-exact WAV segments"));

static void gst_segment_sink_finalize (GObject *object);
static void gst_segment_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_segment_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static gboolean gst_segment_sink_start (GstBaseSink *bsink);
static gboolean gst_segment_sink_stop (GstBaseSink *bsink);
static gboolean gst_segment_sink_set_caps (GstBaseSink *bsink, GstCaps *caps);
static gboolean gst_segment_sink_event (GstBaseSink *bsink, GstEvent *event);
static GstFlowReturn gst_segment_sink_render (
    GstBaseSink *bsink, GstBuffer *buffer);

static void
gst_segment_sink_class_init (GstSegmentSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);

  gobject_class->finalize = gst_segment_sink_finalize;
  gobject_class->set_property = gst_segment_sink_set_property;
  gobject_class->get_property = gst_segment_sink_get_property;

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "The data directory finished segments appear in (required; "
          "created if missing)",
          DEFAULT_LOCATION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STAGING_LOCATION,
      g_param_spec_string ("staging-location", "Staging location",
          "Where segments are written until finished (default "
          "<location>/.buffer; created if missing). Must be on the same "
          "filesystem as location",
          DEFAULT_STAGING_LOCATION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_SEGMENT_DURATION,
      g_param_spec_uint64 ("segment-duration", "Segment duration",
          "Duration of each segment (ns), 10 ms to 24 h (shorter segments are "
          "mostly header; a segment appears only when it ends); every "
          "segment holds exactly this many samples but the first (with "
          "align), the last, and one before a discontinuity",
          0, G_MAXUINT64, DEFAULT_SEGMENT_DURATION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_ALIGN,
      g_param_spec_boolean ("align", "Align",
          "Start segments on wall-clock multiples of segment-duration (the "
          "first segment is shorter)",
          DEFAULT_ALIGN,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_FILENAME,
      g_param_spec_string ("filename", "File name template",
          "strftime conversions give the segment's start time (UTC); {seq} "
          "is the sequence number (8 digits), {duration} the segment "
          "duration in whole seconds, {run} the run-id",
          DEFAULT_FILENAME,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_FSYNC,
      g_param_spec_boolean ("fsync", "fsync",
          "Make each segment durable before it appears, and its appearance "
          "durable before it is reported",
          DEFAULT_FSYNC,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MAKE,
      g_param_spec_string ("make", "Make",
          "Manufacturer of the recording hardware (GUANO Make, BWF "
          "Originator); read at start",
          DEFAULT_MAKE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Model of the recording hardware (GUANO Model, BWF Originator); "
          "read at start",
          DEFAULT_MODEL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_SERIAL,
      g_param_spec_string ("serial", "Serial",
          "Serial number of the recording hardware (GUANO Serial); read at "
          "start",
          DEFAULT_SERIAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_POSITION,
      g_param_spec_string ("position", "Position",
          "Where the station is, WGS84 decimal degrees: \"LATITUDE,LONGITUDE\" "
          "or \"LATITUDE LONGITUDE\", e.g. \"52.5186,13.3761\" (GUANO Loc "
          "Position); empty = unknown; read at start",
          DEFAULT_POSITION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_ELEVATION,
      g_param_spec_double ("elevation", "Elevation",
          "Metres above mean sea level, -11000 to 100000 (GUANO Loc "
          "Elevation); the default, the lowest double, or NaN = unknown; "
          "read at start",
          -G_MAXDOUBLE, G_MAXDOUBLE, DEFAULT_ELEVATION,
          /* NaN fails any GParamSpecDouble range (NaN != NaN after the
           * clamp): lax validation lets it through to the setter */
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_LAX_VALIDATION
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_NOTE,
      g_param_spec_string ("note", "Note",
          "Free text about the station or the recording (GUANO Note, BWF "
          "Description); read at start",
          DEFAULT_NOTE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STREAM_NAME,
      g_param_spec_string ("stream-name", "Stream name",
          "The stream's name, e.g. \"raw\" or \"processed\" (GUANO "
          "FFC|Stream, BWF Description); empty = unnamed; read at start",
          DEFAULT_STREAM_NAME,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_RUN_ID,
      g_param_spec_string ("run-id", "Run id",
          "The {run} of file names: 8 hex digits, or empty for one id drawn "
          "at each start and shared by every segmentsink of the pipeline; "
          "reads the id in use while running",
          DEFAULT_RUN_ID,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_RETENTION,
      g_param_spec_boolean ("retention", "Retention",
          "Below min-free-space, delete the oldest segments this sink's "
          "template names (with their pairs) until there is room again",
          DEFAULT_RETENTION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MIN_FREE_SPACE,
      g_param_spec_uint64 ("min-free-space", "Minimum free space",
          "Free bytes to keep on the data directory's filesystem: below it, "
          "retention deletes old segments, or (retention off) a warning",
          0, G_MAXUINT64, DEFAULT_MIN_FREE_SPACE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MIN_AGE,
      g_param_spec_uint64 ("min-age", "Minimum age",
          "Retention never deletes a segment promoted less than this long "
          "ago (ns)",
          0, G_MAXUINT64, DEFAULT_MIN_AGE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class, "Segment sink",
      "Sink/File/Audio",
      "Writes sample-exact WAV segments and promotes each finished one "
      "atomically into a data directory",
      "gst-ffcapture developers");

  basesink_class->start = GST_DEBUG_FUNCPTR (gst_segment_sink_start);
  basesink_class->stop = GST_DEBUG_FUNCPTR (gst_segment_sink_stop);
  basesink_class->set_caps = GST_DEBUG_FUNCPTR (gst_segment_sink_set_caps);
  basesink_class->event = GST_DEBUG_FUNCPTR (gst_segment_sink_event);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_segment_sink_render);
}

static void
gst_segment_sink_init (GstSegmentSink *sink)
{
  FfcSegwriterConfig *p = &sink->props;

  ffc_segwriter_config_init (p);
  ffc_segwriter_config_init (&sink->cfg);
  p->location = g_strdup (DEFAULT_LOCATION);
  p->staging_location = g_strdup (DEFAULT_STAGING_LOCATION);
  p->segment_duration = DEFAULT_SEGMENT_DURATION;
  p->align = DEFAULT_ALIGN;
  p->filename = g_strdup (DEFAULT_FILENAME);
  p->fsync = DEFAULT_FSYNC;
  p->make = g_strdup (DEFAULT_MAKE);
  p->model = g_strdup (DEFAULT_MODEL);
  p->serial = g_strdup (DEFAULT_SERIAL);
  p->position = g_strdup (DEFAULT_POSITION);
  p->elevation = DEFAULT_ELEVATION;
  p->note = g_strdup (DEFAULT_NOTE);
  p->stream_name = g_strdup (DEFAULT_STREAM_NAME);
  p->run_id = g_strdup (DEFAULT_RUN_ID);
  p->retention = DEFAULT_RETENTION;
  p->min_free_space = DEFAULT_MIN_FREE_SPACE;
  p->min_age = DEFAULT_MIN_AGE;
  ffc_meta_init (&sink->station);
  sink->data_fd = -1;
  sink->staging_fd = -1;
  sink->fd = -1;
  gst_audio_info_init (&sink->info);
  /* a file writer: never wait for the clock */
  gst_base_sink_set_sync (GST_BASE_SINK (sink), FALSE);
}

/* Forgets the station's facts taken at start(). */
static void
station_clear (GstSegmentSink *sink)
{
  if (sink->station.zone)
    g_time_zone_unref (sink->station.zone);
  ffc_meta_init (&sink->station);
}

static void
gst_segment_sink_finalize (GObject *object)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (object);

  station_clear (sink);
  ffc_segwriter_config_clear (&sink->props);
  ffc_segwriter_config_clear (&sink->cfg);
  g_free (sink->data_dir);
  g_free (sink->staging_dir);
  g_free (sink->staging_name);
  g_free (sink->intended_name);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* The elevation as the writer takes it: NAN when unset */
static gdouble
elevation_value (gdouble elevation)
{
  return elevation == ELEVATION_UNSET ? NAN : elevation;
}

/* Say so when a property is set; start() refuses the same value with an
 * error. */
static void
warn_unless (GstSegmentSink *sink, gboolean ok, GError **error)
{
  if (!ok) {
    g_warning ("segmentsink %s: %s", GST_OBJECT_NAME (sink), (*error)->message);
    g_clear_error (error);
  }
}

static void
set_string (gchar **field, const GValue *value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

static void
gst_segment_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (object);
  FfcSegwriterConfig *p = &sink->props;
  GError *error = NULL;

  GST_OBJECT_LOCK (sink);
  if (sink->running) {
    /* the running writer took its settings at start: one value for a run */
    GST_OBJECT_UNLOCK (sink);
    g_warning ("segmentsink %s: cannot change %s while running (PAUSED or "
               "PLAYING): the value is not taken; set it in READY or NULL",
        GST_OBJECT_NAME (sink), pspec->name);
    return;
  }
  switch (prop_id) {
    case PROP_LOCATION:
      set_string (&p->location, value);
      break;
    case PROP_STAGING_LOCATION:
      set_string (&p->staging_location, value);
      break;
    case PROP_SEGMENT_DURATION:
      p->segment_duration = g_value_get_uint64 (value);
      warn_unless (sink,
          ffc_segwriter_duration_valid (p->segment_duration, &error), &error);
      break;
    case PROP_ALIGN:
      p->align = g_value_get_boolean (value);
      break;
    case PROP_FILENAME:
      set_string (&p->filename, value);
      warn_unless (sink, ffc_segname_validate (p->filename, &error), &error);
      break;
    case PROP_FSYNC:
      p->fsync = g_value_get_boolean (value);
      break;
    case PROP_MAKE:
      set_string (&p->make, value);
      break;
    case PROP_MODEL:
      set_string (&p->model, value);
      break;
    case PROP_SERIAL:
      set_string (&p->serial, value);
      break;
    case PROP_POSITION:
      set_string (&p->position, value);
      warn_unless (sink,
          ffc_segwriter_place_valid (p->position, NAN, NULL, NULL, &error),
          &error);
      break;
    case PROP_ELEVATION:
      p->elevation = g_value_get_double (value);
      warn_unless (sink,
          ffc_segwriter_place_valid (
              NULL, elevation_value (p->elevation), NULL, NULL, &error),
          &error);
      break;
    case PROP_NOTE:
      set_string (&p->note, value);
      break;
    case PROP_STREAM_NAME:
      set_string (&p->stream_name, value);
      break;
    case PROP_RUN_ID:
      set_string (&p->run_id, value);
      if (p->run_id != NULL && *p->run_id != '\0'
          && !ffc_run_id_valid (p->run_id))
        g_warning ("segmentsink %s: run-id \"%s\" is not 8 hex digits",
            GST_OBJECT_NAME (sink), p->run_id);
      break;
    case PROP_RETENTION:
      p->retention = g_value_get_boolean (value);
      break;
    case PROP_MIN_FREE_SPACE:
      p->min_free_space = g_value_get_uint64 (value);
      break;
    case PROP_MIN_AGE:
      p->min_age = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (sink);
}

static void
gst_segment_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (object);
  FfcSegwriterConfig *p = &sink->props;

  GST_OBJECT_LOCK (sink);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, p->location);
      break;
    case PROP_STAGING_LOCATION:
      g_value_set_string (value, p->staging_location);
      break;
    case PROP_SEGMENT_DURATION:
      g_value_set_uint64 (value, p->segment_duration);
      break;
    case PROP_ALIGN:
      g_value_set_boolean (value, p->align);
      break;
    case PROP_FILENAME:
      g_value_set_string (value, p->filename);
      break;
    case PROP_FSYNC:
      g_value_set_boolean (value, p->fsync);
      break;
    case PROP_MAKE:
      g_value_set_string (value, p->make);
      break;
    case PROP_MODEL:
      g_value_set_string (value, p->model);
      break;
    case PROP_SERIAL:
      g_value_set_string (value, p->serial);
      break;
    case PROP_POSITION:
      g_value_set_string (value, p->position);
      break;
    case PROP_ELEVATION:
      g_value_set_double (value, p->elevation);
      break;
    case PROP_NOTE:
      g_value_set_string (value, p->note);
      break;
    case PROP_STREAM_NAME:
      g_value_set_string (value, p->stream_name);
      break;
    case PROP_RUN_ID:
      g_value_set_string (
          value, sink->run_id_in_use ? sink->run_id : p->run_id);
      break;
    case PROP_RETENTION:
      g_value_set_boolean (value, p->retention);
      break;
    case PROP_MIN_FREE_SPACE:
      g_value_set_uint64 (value, p->min_free_space);
      break;
    case PROP_MIN_AGE:
      g_value_set_uint64 (value, p->min_age);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (sink);
}

static void
post_element (GstSegmentSink *sink, GstStructure *s)
{
  gst_element_post_message (
      GST_ELEMENT (sink), gst_message_new_element (GST_OBJECT (sink), s));
}

static gchar *
data_path (GstSegmentSink *sink, const gchar *name)
{
  return g_build_filename (sink->data_dir, name, NULL);
}

static gboolean
repair_wav (gint fd, guint64 *frames, guint64 *trimmed_bytes,
    gpointer user_data, GError **error)
{
  FfcWavRepair repair;

  if (!ffc_wav_repair (fd, &repair, error))
    return FALSE;
  *frames = repair.frames;
  *trimmed_bytes = repair.trimmed_bytes;
  return TRUE;
}

/* Files in staging are segments a crash or a power cut interrupted: each is
 * repaired and promoted under its own name, or quarantined; a file another
 * live writer holds is left alone (ffc-promote.c). */
static void
recover_orphans (GstSegmentSink *sink)
{
  GPtrArray *orphans = ffc_staging_recover (
      sink->staging_fd, sink->data_fd, sink->cfg.fsync, repair_wav, NULL);

  for (guint i = 0; i < orphans->len; i++) {
    FfcOrphan *o = orphans->pdata[i];
    gchar *path;

    switch (o->outcome) {
      case FFC_ORPHAN_RECOVERED:
        path = data_path (sink, o->moved_to);
        GST_INFO_OBJECT (sink,
            "recovered %s: %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
            " bytes trimmed",
            path, o->frames, o->trimmed_bytes);
        post_element (
            sink, gst_structure_new ("segmentsink-recovered", "location",
                      G_TYPE_STRING, path, "samples", G_TYPE_UINT64, o->frames,
                      "trimmed-bytes", G_TYPE_UINT64, o->trimmed_bytes, NULL));
        g_free (path);
        break;
      case FFC_ORPHAN_QUARANTINED:
        path = g_build_filename (
            sink->staging_dir, FFC_QUARANTINE_SUBDIR, o->moved_to, NULL);
        GST_ELEMENT_WARNING (sink, STREAM, FORMAT,
            ("A file left in staging by a crash cannot be repaired (%s); "
             "moved to %s",
                o->reason, path),
            (NULL));
        post_element (sink,
            gst_structure_new ("segmentsink-quarantined", "location",
                G_TYPE_STRING, path, "reason", G_TYPE_STRING, o->reason, NULL));
        g_free (path);
        break;
      case FFC_ORPHAN_QUARANTINE_FAILED:
        GST_ELEMENT_WARNING (sink, RESOURCE, WRITE,
            ("Cannot move the unrepairable file %s/%s to quarantine: %s",
                sink->staging_dir, o->name, o->reason),
            (NULL));
        break;
      case FFC_ORPHAN_PROMOTE_FAILED:
        GST_ELEMENT_WARNING (sink, RESOURCE, WRITE,
            ("Cannot promote the recovered file %s: %s", o->name, o->reason),
            (NULL));
        break;
      case FFC_ORPHAN_REMOVED_EMPTY:
        GST_DEBUG_OBJECT (sink, "removed the empty orphan %s", o->name);
        break;
      case FFC_ORPHAN_SKIPPED_LOCKED:
        GST_DEBUG_OBJECT (
            sink, "%s is another live writer's: left alone", o->name);
        break;
    }
  }
  g_ptr_array_unref (orphans);
}

/* The run id (explicit, or the one shared in the top-level pipeline), and
 * membership of the pair group of sinks recording under it. */
static gboolean
start_pair (GstSegmentSink *sink, const gchar *run_id, const gchar *template,
    GstClockTime min_age)
{
  GstObject *top = gst_object_ref (GST_OBJECT (sink)), *parent;
  GError *error = NULL;
  gchar id[9];

  while ((parent = gst_object_get_parent (top)) != NULL) {
    gst_object_unref (top);
    top = parent;
  }
  gst_object_unref (top); /* a key only: it outlives its running children */
  if (run_id != NULL && *run_id != '\0') {
    g_strlcpy (id, run_id, sizeof (id));
  } else {
    ffc_run_id_acquire (top, id);
    sink->run_scope = top;
  }
  GST_OBJECT_LOCK (sink);
  memcpy (sink->run_id, id, sizeof (id));
  sink->run_id_in_use = TRUE;
  GST_OBJECT_UNLOCK (sink);

  sink->unchecked_bytes = 0;
  sink->low_space_warned = FALSE;
  sink->pair = ffc_pair_join (top, id, sink->data_dir, sink->data_fd, template,
      sink->cfg.retention, (gint64)(min_age / 1000), &error);
  if (sink->pair == NULL) {
    GST_ELEMENT_ERROR (sink, RESOURCE, SETTINGS,
        ("Cannot use retention: %s", error->message), (NULL));
    g_clear_error (&error);
    return FALSE;
  }
  GST_INFO_OBJECT (sink, "run %s, %u sink(s) in its pair group", id,
      ffc_pair_size (sink->pair));
  return TRUE;
}

static void
stop_pair (GstSegmentSink *sink)
{
  g_clear_pointer (&sink->pair, ffc_pair_leave);
  if (sink->run_scope != NULL)
    ffc_run_id_release (sink->run_scope);
  sink->run_scope = NULL;
  GST_OBJECT_LOCK (sink);
  sink->run_id_in_use = FALSE;
  GST_OBJECT_UNLOCK (sink);
}

/* Free space is checked after each promotion and every eighth of
 * min-free-space written, so a stream cannot run from above it into a full
 * disk between two checks. */
static guint64
check_interval (GstSegmentSink *sink)
{
  guint64 min_free;

  min_free = sink->cfg.min_free_space;
  return CLAMP (min_free / 8, 64 * 1024, 16 * 1024 * 1024);
}

/* Below min-free-space: retention deletes the oldest pairs, or a warning
 * says what will happen (once, until there is room again). */
static void
check_space (GstSegmentSink *sink)
{
  guint64 min_free, free_space = G_MAXUINT64;
  GPtrArray *deleted = NULL;
  GError *error = NULL;
  gboolean durable;

  sink->unchecked_bytes = 0;
  min_free = sink->cfg.min_free_space;
  durable = sink->cfg.fsync;

  if (sink->cfg.retention)
    deleted = ffc_pair_make_room (
        sink->pair, min_free, g_get_real_time (), durable, &free_space, &error);
  else
    ffc_free_space (sink->data_fd, &free_space, &error);
  for (guint i = 0; deleted != NULL && i < deleted->len; i++) {
    FfcDeleted *d = deleted->pdata[i];
    GST_INFO_OBJECT (sink, "deleted %s for space", d->path);
    post_element (sink, gst_structure_new ("segmentsink-deleted", "location",
                            G_TYPE_STRING, d->path, "reason", G_TYPE_STRING,
                            "low-space", "bytes", G_TYPE_UINT64, d->bytes,
                            "free-space", G_TYPE_UINT64, free_space, NULL));
  }
  g_clear_pointer (&deleted, g_ptr_array_unref);

  if (free_space >= min_free && error == NULL) {
    sink->low_space_warned = FALSE;
    return;
  }
  if (sink->low_space_warned) {
    g_clear_error (&error);
    return;
  }
  sink->low_space_warned = TRUE;
  if (error != NULL) {
    GST_ELEMENT_WARNING (sink, RESOURCE, WRITE,
        ("Cannot check or free space in %s: %s", sink->data_dir,
            error->message),
        (NULL));
  } else if (sink->cfg.retention) {
    GST_ELEMENT_WARNING (sink, RESOURCE, NO_SPACE_LEFT,
        ("The filesystem of %s has %" G_GUINT64_FORMAT " bytes free, below "
         "min-free-space (%" G_GUINT64_FORMAT "), and no segment can be "
         "deleted (younger than min-age, or its pair cannot go): recording "
         "stops when it is full",
            sink->data_dir, free_space, min_free),
        (NULL));
  } else {
    GST_ELEMENT_WARNING (sink, RESOURCE, NO_SPACE_LEFT,
        ("The filesystem of %s has %" G_GUINT64_FORMAT " bytes free, below "
         "min-free-space (%" G_GUINT64_FORMAT "): recording stops when it is "
         "full (retention is off)",
            sink->data_dir, free_space, min_free),
        (NULL));
  }
  g_clear_error (&error);
}

/* The running writer's settings: the properties as they are now. */
static void
take_settings (GstSegmentSink *sink)
{
  ffc_segwriter_config_clear (&sink->cfg);
  GST_OBJECT_LOCK (sink);
  ffc_segwriter_config_copy (&sink->cfg, &sink->props);
  sink->running = TRUE;
  GST_OBJECT_UNLOCK (sink);
  sink->cfg.elevation = elevation_value (sink->cfg.elevation);
}

static gboolean
gst_segment_sink_start (GstBaseSink *bsink)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (bsink);
  FfcSegwriterConfig *cfg = &sink->cfg;
  gchar *staging = NULL;
  GError *error = NULL;
  gboolean ok = FALSE;

  take_settings (sink);
  station_clear (sink);
  if (!ffc_segwriter_config_check (cfg, &error)
      || !ffc_segwriter_config_station (cfg, &sink->station, &error)) {
    if (g_error_matches (
            error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_NOT_FOUND))
      GST_ELEMENT_ERROR (
          sink, RESOURCE, NOT_FOUND, ("%s", error->message), (NULL));
    else
      GST_ELEMENT_ERROR (
          sink, RESOURCE, SETTINGS, ("%s", error->message), (NULL));
    goto done;
  }
  staging = ffc_segwriter_config_staging (cfg);

  sink->data_fd = ffc_dir_open (cfg->location, TRUE, &error);
  if (sink->data_fd < 0) {
    GST_ELEMENT_ERROR (sink, RESOURCE, OPEN_WRITE,
        ("Cannot use the data directory: %s", error->message), (NULL));
    goto done;
  }
  sink->staging_fd = ffc_dir_open (staging, TRUE, &error);
  if (sink->staging_fd < 0) {
    GST_ELEMENT_ERROR (sink, RESOURCE, OPEN_WRITE,
        ("Cannot use the staging directory: %s", error->message), (NULL));
    goto done;
  }
  if (!ffc_dirs_same_filesystem (sink->data_fd, sink->staging_fd)) {
    GST_ELEMENT_ERROR (sink, RESOURCE, SETTINGS,
        ("staging-location \"%s\" is not on the same filesystem as location "
         "\"%s\": a rename between filesystems is not atomic",
            staging, cfg->location),
        (NULL));
    goto done;
  }

  g_free (sink->data_dir);
  g_free (sink->staging_dir);
  sink->data_dir = g_strdup (cfg->location);
  sink->staging_dir = g_strdup (staging);
  if (!start_pair (sink, cfg->run_id, cfg->filename, cfg->min_age))
    goto done;
  sink->seq = 0;
  ffc_wall_map_init (&sink->wall);
  sink->samples_received = 0;
  sink->have_next = FALSE;
  sink->fd = -1;
  sink->frames = 0;
  sink->target_frames = 0;

  recover_orphans (sink);
  ok = TRUE;

done:
  if (!ok) {
    stop_pair (sink);
    if (sink->data_fd >= 0)
      close (sink->data_fd);
    if (sink->staging_fd >= 0)
      close (sink->staging_fd);
    sink->data_fd = sink->staging_fd = -1;
    GST_OBJECT_LOCK (sink);
    sink->running = FALSE;
    GST_OBJECT_UNLOCK (sink);
  }
  g_clear_error (&error);
  g_free (staging);
  return ok;
}

static GstClockTime
frames_to_time (guint64 frames, gint rate)
{
  return gst_util_uint64_scale (frames, GST_SECOND, rate);
}

/* Staging deleted during a run (or between segments): made again, with a
 * WARNING. */
static gboolean
ensure_staging (GstSegmentSink *sink)
{
  GError *error = NULL;
  gboolean recreated;

  if (!ffc_staging_ensure (
          &sink->staging_fd, sink->staging_dir, &recreated, &error)) {
    GST_ELEMENT_ERROR (sink, RESOURCE, OPEN_WRITE,
        ("The staging directory was removed and cannot be made again: %s",
            error->message),
        (NULL));
    g_clear_error (&error);
    return FALSE;
  }
  if (recreated)
    GST_ELEMENT_WARNING (sink, RESOURCE, WRITE,
        ("The staging directory %s was removed during the recording; it was "
         "made again",
            sink->staging_dir),
        (NULL));
  return TRUE;
}

/* The open segment's file was deleted (staging removed with it): its
 * content, still readable through the descriptor, is saved into a new file
 * in staging, which replaces it, so that nothing written is lost. */
static gboolean
rescue_deleted_segment (GstSegmentSink *sink, gboolean durable)
{
  GError *error = NULL;
  gchar *created = NULL;
  struct stat st;
  gint fd;

  if (fstat (sink->fd, &st) < 0 || st.st_nlink > 0)
    return TRUE;
  if (!ensure_staging (sink))
    return FALSE;
  fd = ffc_staging_copy (
      sink->staging_fd, sink->fd, sink->staging_name, &created, &error);
  if (fd < 0 || (durable && !ffc_fsync (fd, &error))) {
    GST_ELEMENT_ERROR (sink, RESOURCE, WRITE,
        ("%s/%s was deleted while being written, and cannot be saved: %s",
            sink->staging_dir, sink->staging_name, error->message),
        (NULL));
    g_clear_error (&error);
    if (fd >= 0)
      close (fd);
    g_free (created);
    return FALSE;
  }
  GST_ELEMENT_WARNING (sink, RESOURCE, WRITE,
      ("%s/%s was deleted while being written; what it held was saved as "
       "%s/%s",
          sink->staging_dir, sink->staging_name, sink->staging_dir, created),
      (NULL));
  close (sink->fd);
  sink->fd = fd;
  g_free (sink->staging_name);
  sink->staging_name = created;
  return TRUE;
}

static gdouble reported_drift (GstSegmentSink *sink);
static gboolean clock_synchronised (GstSegmentSink *sink);

/* What the open segment's metadata says, as far as it is known now. */
static void
segment_meta (GstSegmentSink *sink, FfcWavFormat format, FfcMeta *meta)
{
  *meta = sink->station;
  meta->start_us = sink->start_wall_us;
  meta->rate = GST_AUDIO_INFO_RATE (&sink->info);
  meta->channels = GST_AUDIO_INFO_CHANNELS (&sink->info);
  meta->format = format;
  meta->frames = sink->frames;
  meta->offset = sink->start_offset;
  meta->seq = sink->seq;
  meta->run_id = sink->run_id;
  meta->original_filename = sink->intended_name;
  meta->drift_ppm = reported_drift (sink);
  meta->clock_synchronised = sink->start_synchronised;
}

/* The segment's start time moved (named from a settled model at close):
 * its metadata says so too, not what was known at open. */
static gboolean
rewrite_meta (GstSegmentSink *sink, GError **error)
{
  FfcMeta meta;
  gchar *guano;
  guint8 *bext;
  gsize bext_size;
  gboolean ok;

  segment_meta (sink, sink->layout.format, &meta);
  guano = ffc_meta_guano (&meta);
  bext = ffc_meta_bext (&meta, &bext_size);
  ok = ffc_wav_rewrite_metadata (
      sink->fd, &sink->layout, bext, bext_size, guano, error);
  g_free (guano);
  g_free (bext);
  return ok;
}

static gboolean
rename_from_model (GstSegmentSink *sink)
{
  gint64 wall = ffc_wall_map_wall_of (&sink->wall, sink->start_running_time);
  GstClockTime duration;
  gchar *template, *name;

  duration = sink->cfg.segment_duration;
  template = g_strdup (sink->cfg.filename);
  /* the template was good when the segment opened */
  name = ffc_segname_expand (
      template, wall, sink->seq, duration / GST_SECOND, sink->run_id, NULL);
  if (name != NULL) {
    GST_DEBUG_OBJECT (sink,
        "start time %" G_GINT64_FORMAT " us -> %" G_GINT64_FORMAT
        " us by the latest model",
        sink->start_wall_us, wall);
    g_free (sink->intended_name);
    sink->intended_name = name;
    sink->start_wall_us = wall;
    sink->start_synchronised = clock_synchronised (sink);
  }
  g_free (template);
  return name != NULL;
}

/* Finalizes the open segment (header sizes, fsync) and promotes it. */
static gboolean
close_segment (GstSegmentSink *sink)
{
  guint64 data_bytes = sink->frames * GST_AUDIO_INFO_BPF (&sink->info);
  gint rate = GST_AUDIO_INFO_RATE (&sink->info);
  gchar *intended, *promoted, *path, *start;
  GError *error = NULL;
  gboolean durable, renamed = FALSE;

  if (sink->fd < 0)
    return TRUE;

  durable = sink->cfg.fsync;

  /* Begun when the capture's model rested on its first chunks (often late:
   * ffmpeg starting up), the segment takes its time from the latest one. */
  if (!sink->start_settled && sink->wall.have_model)
    renamed = rename_from_model (sink);

  if ((renamed && !rewrite_meta (sink, &error))
      || !ffc_wav_finalize (sink->fd, &sink->layout, data_bytes, &error)
      || (durable && !ffc_fsync (sink->fd, &error))) {
    GST_ELEMENT_ERROR (sink, RESOURCE, WRITE,
        ("Cannot finish %s/%s: %s", sink->staging_dir, sink->staging_name,
            error->message),
        (NULL));
    close (sink->fd);
    sink->fd = -1;
    g_clear_error (&error);
    return FALSE;
  }
  if (!rescue_deleted_segment (sink, durable)) {
    close (sink->fd);
    sink->fd = -1;
    return FALSE;
  }

  /* the name the template gave, even if staging had to use another; the
   * file stays locked until it is out of staging (ffc-promote.c) */
  intended = sink->intended_name;
  sink->fd = ffc_staging_seal (sink->fd);
  promoted = ffc_promote (sink->staging_fd, sink->staging_name, sink->data_fd,
      intended ? intended : sink->staging_name, durable, &error);
  close (sink->fd);
  sink->fd = -1;
  if (promoted == NULL) {
    GST_ELEMENT_ERROR (sink, RESOURCE, WRITE,
        ("Cannot promote %s/%s into %s: %s", sink->staging_dir,
            sink->staging_name, sink->data_dir, error->message),
        (NULL));
    g_clear_error (&error);
    return FALSE;
  }
  if (intended != NULL && g_strcmp0 (promoted, intended) != 0) {
    GST_ELEMENT_WARNING (sink, RESOURCE, WRITE,
        ("%s already exists in %s: the new segment was promoted as %s, and "
         "nothing was replaced",
            intended, sink->data_dir, promoted),
        (NULL));
  }

  path = data_path (sink, promoted);
  start = ffc_segname_iso8601 (sink->start_wall_us);
  GST_INFO_OBJECT (sink, "promoted %s: %" G_GUINT64_FORMAT " samples from %s",
      path, sink->frames, start);
  post_element (sink,
      gst_structure_new ("segmentsink-promoted", "location", G_TYPE_STRING,
          path, "start-time", G_TYPE_STRING, start, "running-time",
          G_TYPE_UINT64, (guint64)sink->start_running_time, "duration",
          G_TYPE_UINT64, (guint64)frames_to_time (sink->frames, rate),
          "samples", G_TYPE_UINT64, sink->frames, "offset", G_TYPE_UINT64,
          sink->start_offset, "bytes", G_TYPE_UINT64,
          (guint64)(sink->layout.header_size + data_bytes),
          "clock-synchronised", G_TYPE_BOOLEAN, sink->start_synchronised,
          "drift-ppm", G_TYPE_DOUBLE, reported_drift (sink), NULL));
  g_free (path);
  g_free (start);
  ffc_pair_promoted (sink->pair, promoted);
  g_free (promoted);
  g_clear_pointer (&sink->staging_name, g_free);
  sink->seq++;
  check_space (sink);
  return TRUE;
}

static gboolean
gst_segment_sink_stop (GstBaseSink *bsink)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (bsink);

  /* a stop without EOS still finishes what was written */
  close_segment (sink);
  station_clear (sink);
  stop_pair (sink); /* before its directory's fd goes */
  if (sink->data_fd >= 0)
    close (sink->data_fd);
  if (sink->staging_fd >= 0)
    close (sink->staging_fd);
  sink->data_fd = sink->staging_fd = -1;
  GST_OBJECT_LOCK (sink);
  sink->running = FALSE;
  GST_OBJECT_UNLOCK (sink);
  return TRUE;
}

static gboolean
gst_segment_sink_set_caps (GstBaseSink *bsink, GstCaps *caps)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (bsink);
  GError *error = NULL;
  GstAudioInfo info;

  if (!gst_audio_info_from_caps (&info, caps))
    return FALSE;
  if (!ffc_segwriter_rate_valid (GST_AUDIO_INFO_RATE (&info), &error)) {
    GST_ELEMENT_ERROR (sink, STREAM, FORMAT, ("%s", error->message),
        ("caps %" GST_PTR_FORMAT, caps));
    g_clear_error (&error);
    return FALSE;
  }
  if (sink->fd >= 0 && !gst_audio_info_is_equal (&info, &sink->info)) {
    /* one format per file */
    close_segment (sink);
    sink->have_next = FALSE;
  }
  if (!gst_audio_info_is_equal (&info, &sink->info))
    sink->target_frames = 0;
  sink->info = info;
  return TRUE;
}

static gboolean
gst_segment_sink_event (GstBaseSink *bsink, GstEvent *event)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (bsink);

  /* the capture's time model comes in order with the buffers, so each
   * segment is named from the model in force at its first sample */
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    close_segment (sink);
  else
    gst_ffc_wall_map_take_event (&sink->wall, GST_OBJECT (sink), event);
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

/* Without a time model from upstream (another source than ffmpegsrc),
 * running time is mapped to the wall clock once, at the first buffer, and
 * every sink of the pair maps it alike: the same names. */
static void
ensure_time_origin (GstSegmentSink *sink, GstClockTime running_time)
{
  gint64 origin;

  if (sink->wall.have_origin)
    return;
  origin = gst_ffc_wall_origin_now (GST_ELEMENT (sink), running_time);
  ffc_wall_map_set_origin (
      &sink->wall, ffc_pair_share_origin (sink->pair, origin));
}

/* The capture's drift for the metadata: NAN unless a model knows it. */
static gdouble
reported_drift (GstSegmentSink *sink)
{
  return sink->wall.have_model
             ? ffc_time_model_reported_drift (&sink->wall.model)
             : NAN;
}

/* The capture's word when a model came; else the system clock's state */
static gboolean
clock_synchronised (GstSegmentSink *sink)
{
  return sink->wall.have_model ? sink->wall.model.synchronised
                               : ffc_clock_synchronised ();
}

static gboolean
open_segment (GstSegmentSink *sink, GstClockTime running_time, guint64 offset)
{
  gint rate = GST_AUDIO_INFO_RATE (&sink->info);
  guint8 header[FFC_WAV_MAX_HEADER], *bext;
  gsize header_size, bext_size, written = 0;
  FfcMeta meta;
  gchar *guano;
  GstClockTime duration;
  gboolean align, continuing;
  gchar *template, *name;
  GError *error = NULL;
  FfcWavFormat format;
  guint64 full;

  duration = sink->cfg.segment_duration;
  align = sink->cfg.align;
  template = g_strdup (sink->cfg.filename);

  /* the previous segment ended at its boundary, with no gap since */
  continuing = sink->target_frames > 0 && sink->frames == sink->target_frames;
  sink->start_running_time = running_time;
  sink->start_wall_us = ffc_wall_map_wall_of (&sink->wall, running_time);
  sink->start_synchronised = clock_synchronised (sink);
  sink->start_settled = !sink->wall.have_model || sink->wall.model.settled;
  sink->start_offset = offset;
  sink->frames = 0;
  if (align && continuing) {
    /* it starts within half a sample of a wall-clock multiple: name it by
     * that, so that sinks of a pair agree whatever their rates (truncating
     * 59.99999 s would name the minute before) */
    gint64 dur_us = MAX ((gint64)(duration / 1000), 1);
    sink->start_wall_us = (sink->start_wall_us + dur_us / 2) / dur_us * dur_us;
  }

  full = MAX (gst_util_uint64_scale_round (duration, rate, GST_SECOND), 1);
  sink->target_frames = full;
  if (align && !continuing) {
    /* up to the next wall-clock multiple of the duration, in samples of
     * the capture's clock */
    gint64 dur_us = MAX ((gint64)(duration / 1000), 1);
    gint64 next = (sink->start_wall_us / dur_us + 1) * dur_us;
    gdouble scale =
        sink->wall.have_model ? 1.0 + sink->wall.model.drift_ppm * 1e-6 : 1.0;
    guint64 to_boundary = (guint64)llround (
        (next - sink->start_wall_us) * scale * rate / G_USEC_PER_SEC);
    if (to_boundary > 0 && to_boundary < full)
      sink->target_frames = to_boundary;
  }

  name = ffc_segname_expand (template, sink->start_wall_us, sink->seq,
      duration / GST_SECOND, sink->run_id, &error);
  g_free (template);
  if (name == NULL) {
    GST_ELEMENT_ERROR (
        sink, RESOURCE, SETTINGS, ("%s", error->message), (NULL));
    g_clear_error (&error);
    return FALSE;
  }
  g_free (sink->intended_name);
  sink->intended_name = name;

  g_clear_pointer (&sink->staging_name, g_free);
  if (!ensure_staging (sink))
    return FALSE;
  sink->fd =
      ffc_staging_create (sink->staging_fd, name, &sink->staging_name, &error);
  if (sink->fd < 0) {
    GST_ELEMENT_ERROR (
        sink, RESOURCE, OPEN_WRITE, ("%s", error->message), (NULL));
    g_clear_error (&error);
    return FALSE;
  }

  switch (GST_AUDIO_INFO_FORMAT (&sink->info)) {
    case GST_AUDIO_FORMAT_S32LE:
      format = FFC_WAV_S32LE;
      break;
    case GST_AUDIO_FORMAT_F32LE:
      format = FFC_WAV_F32LE;
      break;
    default:
      format = FFC_WAV_S16LE;
      break;
  }
  /* metadata fixed at open; GUANO's Length is set when the segment closes
   * (ffc_wav_finalize) */
  segment_meta (sink, format, &meta);
  guano = ffc_meta_guano (&meta);
  bext = ffc_meta_bext (&meta, &bext_size);
  header_size = ffc_wav_header_init (&sink->layout, format, rate, meta.channels,
      bext, bext_size, guano, header);
  g_free (guano);
  g_free (bext);
  while (written < header_size) {
    gssize n = write (sink->fd, header + written, header_size - written);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      if (e == ENOSPC || e == EDQUOT)
        GST_ELEMENT_ERROR (sink, RESOURCE, NO_SPACE_LEFT,
            ("The filesystem of %s is full: cannot write %s/%s: %s",
                sink->data_dir, sink->staging_dir, sink->staging_name,
                g_strerror (e)),
            (NULL));
      else
        GST_ELEMENT_ERROR (sink, RESOURCE, WRITE,
            ("Cannot write %s/%s: %s", sink->staging_dir, sink->staging_name,
                g_strerror (e)),
            (NULL));
      /* nothing of the segment is in it yet: no file at all is right */
      close (sink->fd);
      sink->fd = -1;
      unlinkat (sink->staging_fd, sink->staging_name, 0);
      return FALSE;
    }
    written += n;
  }
  GST_DEBUG_OBJECT (sink, "opened %s for %" G_GUINT64_FORMAT " samples",
      sink->staging_name, sink->target_frames);
  return TRUE;
}

/* Writes whole frames; on failure keeps what was written (cut to whole
 * frames), finishes and promotes it, and says why with the file's name. */
static gboolean
write_frames (GstSegmentSink *sink, const guint8 *data, guint64 frames)
{
  gint bpf = GST_AUDIO_INFO_BPF (&sink->info);
  gsize size = frames * bpf, done = 0;

  while (done < size) {
    gssize n = write (sink->fd, data + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      guint64 whole = done / bpf;
      gchar *name = g_strdup (sink->staging_name);

      sink->frames += whole;
      if (ftruncate (sink->fd, sink->layout.header_size + sink->frames * bpf)
          < 0)
        GST_WARNING_OBJECT (
            sink, "cannot trim %s: %s", name, g_strerror (errno));
      close_segment (sink);
      if (e == ENOSPC || e == EDQUOT) {
        GST_ELEMENT_ERROR (sink, RESOURCE, NO_SPACE_LEFT,
            ("The filesystem of %s is full: cannot write %s/%s: %s",
                sink->data_dir, sink->staging_dir, name, g_strerror (e)),
            ("what was written before is finished and promoted"));
      } else {
        GST_ELEMENT_ERROR (sink, RESOURCE, WRITE,
            ("Cannot write %s/%s: %s", sink->staging_dir, name, g_strerror (e)),
            ("what was written before is finished and promoted"));
      }
      g_free (name);
      return FALSE;
    }
    done += n;
  }
  sink->frames += frames;
  sink->unchecked_bytes += size;
  if (sink->unchecked_bytes >= check_interval (sink))
    check_space (sink);
  return TRUE;
}

static GstFlowReturn
gst_segment_sink_render (GstBaseSink *bsink, GstBuffer *buffer)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (bsink);
  gint rate = GST_AUDIO_INFO_RATE (&sink->info);
  gint bpf = GST_AUDIO_INFO_BPF (&sink->info);
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  GstFlowReturn ret = GST_FLOW_OK;
  guint64 frames, pos = 0, offset;
  GstMapInfo map;

  if (rate <= 0 || bpf <= 0)
    return GST_FLOW_NOT_NEGOTIATED;

  if (GST_BUFFER_PTS_IS_VALID (buffer))
    running_time = gst_segment_to_running_time (
        &bsink->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  if (!GST_CLOCK_TIME_IS_VALID (running_time))
    running_time = sink->have_next ? sink->next_running_time : 0;
  ensure_time_origin (sink, running_time);

  if (sink->have_next && sink->fd >= 0) {
    GstClockTimeDiff jump =
        GST_CLOCK_DIFF (sink->next_running_time, running_time);
    gboolean discont =
        GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT)
        || ABS (jump) > (GstClockTimeDiff)frames_to_time (1, rate);
    if (discont) {
      /* a file never hides a gap */
      GST_INFO_OBJECT (sink,
          "discontinuity of %" GST_STIME_FORMAT ": ending the segment",
          GST_STIME_ARGS (jump));
      if (!close_segment (sink))
        return GST_FLOW_ERROR;
      sink->target_frames = 0;
    }
  }

  offset = GST_BUFFER_OFFSET_IS_VALID (buffer) ? GST_BUFFER_OFFSET (buffer)
                                               : sink->samples_received;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  frames = map.size / bpf;
  while (pos < frames) {
    guint64 n;

    if (sink->fd < 0
        && !open_segment (
            sink, running_time + frames_to_time (pos, rate), offset + pos)) {
      ret = GST_FLOW_ERROR;
      break;
    }
    n = MIN (frames - pos, sink->target_frames - sink->frames);
    if (!write_frames (sink, map.data + pos * bpf, n)) {
      ret = GST_FLOW_ERROR;
      break;
    }
    pos += n;
    if (sink->frames == sink->target_frames) {
      /* the last sample is written: promote now, not later */
      if (!close_segment (sink)) {
        ret = GST_FLOW_ERROR;
        break;
      }
    }
  }
  gst_buffer_unmap (buffer, &map);

  sink->samples_received += frames;
  sink->have_next = TRUE;
  sink->next_running_time = running_time + frames_to_time (frames, rate);
  return ret;
}
