/* gst-ffcapture: segmentsink
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-segmentsink
 * @title: segmentsink
 *
 * segmentsink writes raw audio into WAV (or FLAC) segments of exactly
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
 * time, so a file never hides a gap; a GAP event right after the audio
 * (triggergate, schedulegate withholding it) ends the segment at once. A
 * segment's name carries the wall-clock time of its first sample, from the
 * time model ffmpegsrc sends (the `ffcapture-clock` sticky event: the device
 * clock's drift and steps of the system clock accounted for; docs/time.md),
 * or from the pipeline clock mapped onto the wall clock at the first buffer
 * with another source.
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
 * (double, the capture's drift, NaN unknown), `format` (string, `wav` or
 * `flac`).
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
 * ## FLAC
 *
 * With #GstSegmentSink:format `flac`, segments are FLAC (libFLAC, at
 * #GstSegmentSink:compression-level), split, named, paired, promoted and
 * repaired as WAV ones; the default name ends in `.flac`, and a template
 * ending in `.wav` is refused. S16LE and S32LE only (`depth=24` in the caps:
 * 24-bit FLAC); F32LE fails negotiation. STREAMINFO holds the exact length
 * and the MD5, a SEEKTABLE a point every 10 s, Vorbis comments DATE,
 * ENCODER, TITLE (stream-name) and COMMENT (note); the WAV's own chunks are
 * kept as `riff` APPLICATION blocks, so `flac -d --keep-foreign-metadata`
 * gives back the WAV segment this sink would have written, GUANO and bext
 * included. A torn FLAC is cut after its last whole frame (CRC checked).
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
 * |[
 * gst-launch-1.0 -e ffmpegsrc device=hw:1,0 sample-rate=384000 channels=1 ! \
 *     segmentsink location=/data/raw format=flac align=true
 * ]| The same in FLAC: about half the card on ambient sound.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsegmentsink.h"
#include <gst/audio/audio.h>
#include "gstffcaptureelements.h"

#include <math.h>

#include "gstffcclock.h"
#include "gstffcprops.h"

#include "ffc-runid.h"
#include "ffc-segname.h"
#include "ffc-segwriter.h"

struct _GstSegmentSink {
  GstBaseSink parent;

  /* properties, under the object lock; elevation as set (the lowest double
   * or NaN: unset) */
  FfcSegwriterConfig props;
  /* start() to stop(): the writer, on a snapshot of props taken at start;
   * props are not taken meanwhile (running, under the object lock) */
  gboolean running;
  FfcSegwriter *writer;
  gchar run_id[9]; /* the writer's, for the property (object lock) */
  GstAudioInfo info;
  /* the file format (property), and the running writer's */
  GstSegmentSinkFormat format;
  GstSegmentSinkFormat running_format;
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

/* every setting is read once, at start (the writer's snapshot) */
#define PARAM_FLAGS                                                            \
  (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)

#define DEFAULT_RUN_ID NULL
#define DEFAULT_RETENTION FALSE
#define DEFAULT_MIN_FREE_SPACE (G_GUINT64_CONSTANT (512) * 1024 * 1024)
#define DEFAULT_MIN_AGE (10 * 60 * GST_SECOND)
#define DEFAULT_FORMAT GST_SEGMENT_SINK_FORMAT_WAV
#define DEFAULT_COMPRESSION_LEVEL 5

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
  PROP_FORMAT,
  PROP_COMPRESSION_LEVEL,
};

G_DEFINE_ENUM_TYPE (GstSegmentSinkFormat, gst_segment_sink_format,
    G_DEFINE_ENUM_VALUE (GST_SEGMENT_SINK_FORMAT_WAV, "wav"),
    G_DEFINE_ENUM_VALUE (GST_SEGMENT_SINK_FORMAT_FLAC, "flac"))

/* each format's container; its name in messages is its extension's */
static const FfcContainerClass *const containers[] = {
  [GST_SEGMENT_SINK_FORMAT_WAV] = &ffc_container_wav,
  [GST_SEGMENT_SINK_FORMAT_FLAC] = &ffc_container_flac,
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
    GST_DEBUG_CATEGORY_INIT (gst_segment_sink_debug, "segmentsink", 0,
        "sample-exact WAV and FLAC segments"));

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
          DEFAULT_LOCATION, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_STAGING_LOCATION,
      g_param_spec_string ("staging-location", "Staging location",
          "Where segments are written until finished (default "
          "<location>/.buffer; created if missing). Must be on the same "
          "filesystem as location",
          DEFAULT_STAGING_LOCATION, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_SEGMENT_DURATION,
      g_param_spec_uint64 ("segment-duration", "Segment duration",
          "Duration of each segment (ns), 10 ms to 24 h (shorter segments are "
          "mostly header; a segment appears only when it ends); every "
          "segment holds exactly this many samples but the first (with "
          "align), the last, and one before a discontinuity",
          0, G_MAXUINT64, DEFAULT_SEGMENT_DURATION, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_ALIGN,
      g_param_spec_boolean ("align", "Align",
          "Start segments on wall-clock multiples of segment-duration (the "
          "first segment is shorter)",
          DEFAULT_ALIGN, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_FILENAME,
      g_param_spec_string ("filename", "File name template",
          "strftime conversions give the segment's start time (UTC); {seq} "
          "is the sequence number (8 digits), {duration} the segment "
          "duration in whole seconds, {run} the run-id",
          DEFAULT_FILENAME, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_FSYNC,
      g_param_spec_boolean ("fsync", "fsync",
          "Make each segment durable before it appears, and its appearance "
          "durable before it is reported",
          DEFAULT_FSYNC, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MAKE,
      g_param_spec_string ("make", "Make",
          "Manufacturer of the recording hardware (GUANO Make, BWF "
          "Originator); read at start",
          DEFAULT_MAKE, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Model of the recording hardware (GUANO Model, BWF Originator); "
          "read at start",
          DEFAULT_MODEL, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_SERIAL,
      g_param_spec_string ("serial", "Serial",
          "Serial number of the recording hardware (GUANO Serial); read at "
          "start",
          DEFAULT_SERIAL, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_POSITION,
      g_param_spec_string ("position", "Position",
          "Where the station is, WGS84 decimal degrees: \"LATITUDE,LONGITUDE\" "
          "or \"LATITUDE LONGITUDE\", e.g. \"52.5186,13.3761\" (GUANO Loc "
          "Position); empty = unknown; read at start",
          DEFAULT_POSITION, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_ELEVATION,
      g_param_spec_double ("elevation", "Elevation",
          "Metres above mean sea level, -11000 to 100000 (GUANO Loc "
          "Elevation); the default, the lowest double, or NaN = unknown; "
          "read at start",
          -G_MAXDOUBLE, G_MAXDOUBLE, DEFAULT_ELEVATION,
          /* NaN fails any GParamSpecDouble range (NaN != NaN after the
           * clamp): lax validation lets it through to the setter */
          PARAM_FLAGS | G_PARAM_LAX_VALIDATION));
  g_object_class_install_property (gobject_class, PROP_NOTE,
      g_param_spec_string ("note", "Note",
          "Free text about the station or the recording (GUANO Note, BWF "
          "Description); read at start",
          DEFAULT_NOTE, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_STREAM_NAME,
      g_param_spec_string ("stream-name", "Stream name",
          "The stream's name, e.g. \"raw\" or \"processed\" (GUANO "
          "FFC|Stream, BWF Description); empty = unnamed; read at start",
          DEFAULT_STREAM_NAME, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_RUN_ID,
      g_param_spec_string ("run-id", "Run id",
          "The {run} of file names: 8 hex digits, or empty for one id drawn "
          "at each start and shared by every segmentsink of the pipeline; "
          "reads the id in use while running",
          DEFAULT_RUN_ID, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_RETENTION,
      g_param_spec_boolean ("retention", "Retention",
          "Below min-free-space, delete the oldest segments this sink's "
          "template names (with their pairs) until there is room again",
          DEFAULT_RETENTION, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MIN_FREE_SPACE,
      g_param_spec_uint64 ("min-free-space", "Minimum free space",
          "Free bytes to keep on the data directory's filesystem: below it, "
          "retention deletes old segments, or (retention off) a warning",
          0, G_MAXUINT64, DEFAULT_MIN_FREE_SPACE, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MIN_AGE,
      g_param_spec_uint64 ("min-age", "Minimum age",
          "Retention never deletes a segment promoted less than this long "
          "ago (ns)",
          0, G_MAXUINT64, DEFAULT_MIN_AGE, PARAM_FLAGS));

  g_object_class_install_property (gobject_class, PROP_FORMAT,
      g_param_spec_enum ("format", "Format",
          "File format of the segments: wav (RF64 beyond 4 GiB) or flac "
          "(lossless, integer samples only; the WAV's chunks kept: flac -d "
          "--keep-foreign-metadata gives the WAV back). The default filename "
          "ends in the format's extension",
          GST_TYPE_SEGMENT_SINK_FORMAT, DEFAULT_FORMAT, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_COMPRESSION_LEVEL,
      g_param_spec_uint ("compression-level", "Compression level",
          "FLAC compression level, 0 (fastest) to 8 (smallest), libFLAC's "
          "levels; format=wav ignores it",
          0, 8, DEFAULT_COMPRESSION_LEVEL, PARAM_FLAGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class, "Segment sink",
      "Sink/File/Audio",
      "Writes sample-exact WAV or FLAC segments and promotes each finished one "
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
  p->location = g_strdup (DEFAULT_LOCATION);
  p->staging_location = g_strdup (DEFAULT_STAGING_LOCATION);
  p->segment_duration = DEFAULT_SEGMENT_DURATION;
  p->align = DEFAULT_ALIGN;
  p->filename = NULL; /* the format's default, DEFAULT_FILENAME for wav */
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
  p->compression_level = DEFAULT_COMPRESSION_LEVEL;
  sink->format = DEFAULT_FORMAT;
  gst_audio_info_init (&sink->info);
  /* a file writer: never wait for the clock */
  gst_base_sink_set_sync (GST_BASE_SINK (sink), FALSE);
}

static void
gst_segment_sink_finalize (GObject *object)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (object);

  ffc_segwriter_free (sink->writer);
  ffc_segwriter_config_clear (&sink->props);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* The elevation as the writer takes it: NAN when unset */
static gdouble
elevation_value (gdouble elevation)
{
  return elevation == ELEVATION_UNSET ? NAN : elevation;
}

/* where each property lives in the writer's settings */
static const gsize prop_offsets[] = {
  [PROP_LOCATION] = G_STRUCT_OFFSET (FfcSegwriterConfig, location),
  [PROP_STAGING_LOCATION] =
      G_STRUCT_OFFSET (FfcSegwriterConfig, staging_location),
  [PROP_SEGMENT_DURATION] =
      G_STRUCT_OFFSET (FfcSegwriterConfig, segment_duration),
  [PROP_ALIGN] = G_STRUCT_OFFSET (FfcSegwriterConfig, align),
  [PROP_FILENAME] = G_STRUCT_OFFSET (FfcSegwriterConfig, filename),
  [PROP_FSYNC] = G_STRUCT_OFFSET (FfcSegwriterConfig, fsync),
  [PROP_MAKE] = G_STRUCT_OFFSET (FfcSegwriterConfig, make),
  [PROP_MODEL] = G_STRUCT_OFFSET (FfcSegwriterConfig, model),
  [PROP_SERIAL] = G_STRUCT_OFFSET (FfcSegwriterConfig, serial),
  [PROP_POSITION] = G_STRUCT_OFFSET (FfcSegwriterConfig, position),
  [PROP_ELEVATION] = G_STRUCT_OFFSET (FfcSegwriterConfig, elevation),
  [PROP_NOTE] = G_STRUCT_OFFSET (FfcSegwriterConfig, note),
  [PROP_STREAM_NAME] = G_STRUCT_OFFSET (FfcSegwriterConfig, stream_name),
  [PROP_RUN_ID] = G_STRUCT_OFFSET (FfcSegwriterConfig, run_id),
  [PROP_RETENTION] = G_STRUCT_OFFSET (FfcSegwriterConfig, retention),
  [PROP_MIN_FREE_SPACE] = G_STRUCT_OFFSET (FfcSegwriterConfig, min_free_space),
  [PROP_MIN_AGE] = G_STRUCT_OFFSET (FfcSegwriterConfig, min_age),
  [PROP_COMPRESSION_LEVEL] =
      G_STRUCT_OFFSET (FfcSegwriterConfig, compression_level),
};

/* A value start () would refuse is said at once too. */
static gboolean
check_property (const FfcSegwriterConfig *p, guint prop_id, GError **error)
{
  switch (prop_id) {
    case PROP_SEGMENT_DURATION:
      return ffc_segwriter_duration_valid (p->segment_duration, error);
    case PROP_FILENAME: /* NULL: the format's default */
      return p->filename == NULL || ffc_segname_validate (p->filename, error);
    case PROP_POSITION:
      return ffc_segwriter_place_valid (p->position, NAN, NULL, NULL, error);
    case PROP_ELEVATION:
      return ffc_segwriter_place_valid (
          NULL, elevation_value (p->elevation), NULL, NULL, error);
    case PROP_RUN_ID:
      if (p->run_id == NULL || *p->run_id == '\0'
          || ffc_run_id_valid (p->run_id))
        return TRUE;
      g_set_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_SETTINGS,
          "run-id \"%s\" is not 8 hex digits", p->run_id);
      return FALSE;
    default:
      return TRUE;
  }
}

static void
gst_segment_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (object);
  GError *error = NULL;

  if (prop_id == PROP_0 || prop_id > PROP_COMPRESSION_LEVEL) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  GST_OBJECT_LOCK (sink);
  if (sink->running) {
    /* the running writer took its settings at start: one value for a run */
    GST_OBJECT_UNLOCK (sink);
    g_warning ("segmentsink %s: cannot change %s while running (PAUSED or "
               "PLAYING): the value is not taken; set it in READY or NULL",
        GST_OBJECT_NAME (sink), pspec->name);
    return;
  }
  if (prop_id == PROP_FORMAT)
    sink->format = g_value_get_enum (value);
  else
    gst_ffc_prop_set (&sink->props, prop_offsets, G_N_ELEMENTS (prop_offsets),
        prop_id, value, pspec);
  /* kept, so that start () fails with the same message */
  if (!check_property (&sink->props, prop_id, &error)) {
    g_warning ("segmentsink %s: %s", GST_OBJECT_NAME (sink), error->message);
    g_clear_error (&error);
  }
  GST_OBJECT_UNLOCK (sink);
}

static void
gst_segment_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (object);
  FfcSegwriterConfig *p = &sink->props;

  if (prop_id == PROP_0 || prop_id > PROP_COMPRESSION_LEVEL) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  GST_OBJECT_LOCK (sink);
  if (prop_id == PROP_FORMAT)
    g_value_set_enum (value, sink->format);
  else if (prop_id == PROP_FILENAME && p->filename == NULL)
    g_value_take_string (
        value, ffc_container_default_template (containers[sink->format]));
  else if (prop_id == PROP_RUN_ID && sink->writer != NULL)
    g_value_set_string (value, sink->run_id); /* the id in use */
  else
    gst_ffc_prop_get (
        p, prop_offsets, G_N_ELEMENTS (prop_offsets), prop_id, value, pspec);
  GST_OBJECT_UNLOCK (sink);
}

static void
post_element (GstSegmentSink *sink, GstStructure *s)
{
  gst_element_post_message (
      GST_ELEMENT (sink), gst_message_new_element (GST_OBJECT (sink), s));
}

/* The one place the writer's errors and warnings become GStreamer's */
static void
post_error (GstSegmentSink *sink, GstMessageType type, FfcSegwriterError code,
    const gchar *message)
{
  static const gint codes[] = {
    [FFC_SEGWRITER_ERROR_SETTINGS] = GST_RESOURCE_ERROR_SETTINGS,
    [FFC_SEGWRITER_ERROR_NOT_FOUND] = GST_RESOURCE_ERROR_NOT_FOUND,
    [FFC_SEGWRITER_ERROR_OPEN] = GST_RESOURCE_ERROR_OPEN_WRITE,
    [FFC_SEGWRITER_ERROR_WRITE] = GST_RESOURCE_ERROR_WRITE,
    [FFC_SEGWRITER_ERROR_NO_SPACE] = GST_RESOURCE_ERROR_NO_SPACE_LEFT,
    [FFC_SEGWRITER_ERROR_PROMOTE] = GST_RESOURCE_ERROR_WRITE,
    [FFC_SEGWRITER_ERROR_FORMAT] = GST_STREAM_ERROR_FORMAT,
  };
  GQuark domain = code == FFC_SEGWRITER_ERROR_FORMAT ? GST_STREAM_ERROR
                                                     : GST_RESOURCE_ERROR;
  gint gcode = (guint)code < G_N_ELEMENTS (codes) ? codes[code]
                                                  : GST_RESOURCE_ERROR_WRITE;

  gst_element_message_full (GST_ELEMENT (sink), type, domain, gcode,
      g_strdup (message), NULL, __FILE__, GST_FUNCTION, __LINE__);
}

static void
post_gerror (GstSegmentSink *sink, GError *error)
{
  post_error (sink, GST_MESSAGE_ERROR,
      error->domain == FFC_SEGWRITER_ERROR ? error->code
                                           : FFC_SEGWRITER_ERROR_WRITE,
      error->message);
  g_error_free (error);
}

/* What the writer did, as bus messages */
static void
on_writer_event (const FfcSegwriterEvent *e, gpointer data)
{
  GstSegmentSink *sink = data;

  switch (e->type) {
    case FFC_SEGWRITER_PROMOTED:
      GST_INFO_OBJECT (sink,
          "promoted %s: %" G_GUINT64_FORMAT " samples from %s", e->location,
          e->samples, e->start_time);
      post_element (sink,
          gst_structure_new ("segmentsink-promoted", "location", G_TYPE_STRING,
              e->location, "start-time", G_TYPE_STRING, e->start_time,
              "running-time", G_TYPE_UINT64, e->running_time, "duration",
              G_TYPE_UINT64, e->duration, "samples", G_TYPE_UINT64, e->samples,
              "offset", G_TYPE_UINT64, e->offset, "bytes", G_TYPE_UINT64,
              e->bytes, "clock-synchronised", G_TYPE_BOOLEAN,
              e->clock_synchronised, "drift-ppm", G_TYPE_DOUBLE, e->drift_ppm,
              "format", G_TYPE_STRING,
              containers[sink->running_format]->extension + 1, NULL));
      break;
    case FFC_SEGWRITER_RECOVERED:
      GST_INFO_OBJECT (sink,
          "recovered %s: %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
          " bytes trimmed",
          e->location, e->samples, e->trimmed_bytes);
      post_element (sink,
          gst_structure_new ("segmentsink-recovered", "location", G_TYPE_STRING,
              e->location, "samples", G_TYPE_UINT64, e->samples,
              "trimmed-bytes", G_TYPE_UINT64, e->trimmed_bytes, NULL));
      break;
    case FFC_SEGWRITER_QUARANTINED:
      post_element (sink, gst_structure_new ("segmentsink-quarantined",
                              "location", G_TYPE_STRING, e->location, "reason",
                              G_TYPE_STRING, e->reason, NULL));
      break;
    case FFC_SEGWRITER_DELETED:
      GST_INFO_OBJECT (sink, "deleted %s for space", e->location);
      post_element (
          sink, gst_structure_new ("segmentsink-deleted", "location",
                    G_TYPE_STRING, e->location, "reason", G_TYPE_STRING,
                    e->reason, "bytes", G_TYPE_UINT64, e->bytes, "free-space",
                    G_TYPE_UINT64, e->free_space, NULL));
      break;
    case FFC_SEGWRITER_LOW_SPACE:
    case FFC_SEGWRITER_WARNING:
      post_error (sink, GST_MESSAGE_WARNING, e->code, e->message);
      break;
  }
}

/* The top-level pipeline: the scope of the shared run id and the pairs. A
 * key only: it outlives its running children. */
static gconstpointer
top_level (GstSegmentSink *sink)
{
  GstObject *top = gst_object_ref (GST_OBJECT (sink)), *parent;

  while ((parent = gst_object_get_parent (top)) != NULL) {
    gst_object_unref (top);
    top = parent;
  }
  gst_object_unref (top);
  return top;
}

static void
set_running (GstSegmentSink *sink, FfcSegwriter *writer, gboolean running)
{
  GST_OBJECT_LOCK (sink);
  sink->running = running;
  sink->writer = writer;
  if (writer != NULL)
    g_strlcpy (
        sink->run_id, ffc_segwriter_run_id (writer), sizeof (sink->run_id));
  GST_OBJECT_UNLOCK (sink);
}

static gboolean
gst_segment_sink_start (GstBaseSink *bsink)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (bsink);
  FfcSegwriterConfig cfg;
  FfcSegwriter *writer;
  GError *error = NULL;
  const FfcContainerClass *container;

  /* the running writer's settings: the properties as they are now */
  GST_OBJECT_LOCK (sink);
  ffc_segwriter_config_copy (&cfg, &sink->props);
  sink->running = TRUE;
  sink->running_format = sink->format;
  container = containers[sink->format];
  GST_OBJECT_UNLOCK (sink);
  cfg.elevation = elevation_value (cfg.elevation);

  gst_audio_info_init (&sink->info);
  writer = ffc_segwriter_new (
      &cfg, container, top_level (sink), on_writer_event, sink, &error);
  ffc_segwriter_config_clear (&cfg);
  if (writer == NULL) {
    post_gerror (sink, error);
    set_running (sink, NULL, FALSE);
    return FALSE;
  }
  set_running (sink, writer, TRUE);
  GST_INFO_OBJECT (sink, "run %s, %u sink(s) in its pair group",
      ffc_segwriter_run_id (writer), ffc_segwriter_pair_size (writer));
  ffc_segwriter_recover (writer);
  return TRUE;
}

static gboolean
gst_segment_sink_stop (GstBaseSink *bsink)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (bsink);
  FfcSegwriter *writer = sink->writer;
  GError *error = NULL;

  /* a stop without EOS still finishes what was written */
  if (writer != NULL && !ffc_segwriter_finish (writer, &error))
    post_gerror (sink, error);
  set_running (sink, NULL, FALSE);
  ffc_segwriter_free (writer);
  return TRUE;
}

static gboolean
gst_segment_sink_set_caps (GstBaseSink *bsink, GstCaps *caps)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (bsink);
  GError *error = NULL;
  FfcSampleFormat format;
  GstAudioFormat f;
  GstAudioInfo info;
  gint depth = 0;

  if (!gst_audio_info_from_caps (&info, caps))
    return FALSE;
  f = GST_AUDIO_INFO_FORMAT (&info);
  format = f == GST_AUDIO_FORMAT_S32LE   ? FFC_SAMPLE_S32LE
           : f == GST_AUDIO_FORMAT_F32LE ? FFC_SAMPLE_F32LE
                                         : FFC_SAMPLE_S16LE;
  /* 24-bit samples in S32LE say so with depth=24 (FLAC stores 24 bits) */
  if (!gst_structure_get_int (gst_caps_get_structure (caps, 0), "depth", &depth)
      || f != GST_AUDIO_FORMAT_S32LE || depth != 24)
    depth = 0;
  if (sink->writer == NULL
      || !ffc_segwriter_set_bits_per_sample (sink->writer, depth, &error)
      || !ffc_segwriter_set_format (sink->writer, format,
          GST_AUDIO_INFO_RATE (&info), GST_AUDIO_INFO_CHANNELS (&info),
          &error)) {
    if (error != NULL)
      post_gerror (sink, error);
    return FALSE;
  }
  sink->info = info;
  return TRUE;
}

static gboolean
gst_segment_sink_event (GstBaseSink *bsink, GstEvent *event)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (bsink);
  GError *error = NULL;

  if (sink->writer != NULL && GST_EVENT_TYPE (event) == GST_EVENT_GAP) {
    GstClockTime ts, duration;

    /* withheld audio (triggergate, schedulegate): the file is complete */
    gst_event_parse_gap (event, &ts, &duration);
    ts = gst_segment_to_running_time (&bsink->segment, GST_FORMAT_TIME, ts);
    if (GST_CLOCK_TIME_IS_VALID (ts) && GST_CLOCK_TIME_IS_VALID (duration)
        && !ffc_segwriter_gap (sink->writer, ts, duration, &error))
      post_gerror (sink, error);
  } else if (sink->writer != NULL && GST_EVENT_TYPE (event) != GST_EVENT_EOS) {
    /* the capture's time model comes in order with the buffers, so each
     * segment is named from the model in force at its first sample */
    gst_ffc_wall_map_take_event (
        ffc_segwriter_wall_map (sink->writer), GST_OBJECT (sink), event);
  } else if (sink->writer != NULL
             && !ffc_segwriter_finish (sink->writer, &error)) {
    post_gerror (sink, error);
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

static GstFlowReturn
gst_segment_sink_render (GstBaseSink *bsink, GstBuffer *buffer)
{
  GstSegmentSink *sink = GST_SEGMENT_SINK (bsink);
  FfcSegwriter *writer = sink->writer;
  guint64 running_time = GST_CLOCK_TIME_NONE, offset = FFC_SEGWRITER_NONE;
  GError *error = NULL;
  GstMapInfo map;
  gboolean ok;

  if (writer == NULL || GST_AUDIO_INFO_BPF (&sink->info) <= 0)
    return GST_FLOW_NOT_NEGOTIATED;
  if (GST_BUFFER_PTS_IS_VALID (buffer))
    running_time = gst_segment_to_running_time (
        &bsink->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  if (!GST_CLOCK_TIME_IS_VALID (running_time))
    running_time = ffc_segwriter_expected_running_time (writer);
  /* Without a time model from upstream (another source than ffmpegsrc),
   * running time is mapped to the wall clock once, at the first buffer,
   * and every sink of the pair maps it alike: the same names. */
  if (!ffc_segwriter_has_origin (writer))
    ffc_segwriter_set_origin (
        writer, gst_ffc_wall_origin_now (GST_ELEMENT (sink), running_time));
  if (GST_BUFFER_OFFSET_IS_VALID (buffer))
    offset = GST_BUFFER_OFFSET (buffer);

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  ok = ffc_segwriter_write (writer, running_time, offset,
      GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT), map.data,
      map.size, &error);
  gst_buffer_unmap (buffer, &map);
  if (!ok) {
    post_gerror (sink, error);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}
