/* gst-ffcapture: the segment writer: settings, planning, writing
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_SEGWRITER_H__
#define __FFC_SEGWRITER_H__

#include <glib.h>

#include "ffc-clock.h"
#include "ffc-container.h"
#include "ffc-meta.h"

G_BEGIN_DECLS

#define FFC_SEGWRITER_ERROR (ffc_segwriter_error_quark ())
GQuark ffc_segwriter_error_quark (void);

typedef enum {
  FFC_SEGWRITER_ERROR_SETTINGS,  /* a setting makes no sense */
  FFC_SEGWRITER_ERROR_NOT_FOUND, /* no data directory given */
  FFC_SEGWRITER_ERROR_OPEN,      /* a directory or a file cannot be made */
  FFC_SEGWRITER_ERROR_WRITE,
  FFC_SEGWRITER_ERROR_NO_SPACE,
  FFC_SEGWRITER_ERROR_PROMOTE,
  FFC_SEGWRITER_ERROR_FORMAT, /* a stream or a file the writer cannot take */
} FfcSegwriterError;

/* Segments of at least 10 ms: shorter ones are mostly header (a segment's
 * header is about 2.9 KB) and come by the hundred a second; of at most a
 * day: a segment appears only when it ends, so its audio stays out of the
 * consumers' (and retention's) reach for up to one segment. */
#define FFC_SEGWRITER_MIN_DURATION (10 * G_GUINT64_CONSTANT (1000000))
#define FFC_SEGWRITER_MAX_DURATION (24 * 3600 * G_GUINT64_CONSTANT (1000000000))
/* Sample rates a recorder really has: 1 kHz to 1.536 MHz */
#define FFC_SEGWRITER_MIN_RATE 1000
#define FFC_SEGWRITER_MAX_RATE 1536000

/* From the bottom of the deepest ocean trench to the edge of space */
#define FFC_SEGWRITER_ELEVATION_MIN (-11000.0)
#define FFC_SEGWRITER_ELEVATION_MAX 100000.0

#define FFC_SEGWRITER_STAGING_SUBDIR ".buffer"

/* Everything the running writer uses, copied when it starts: a setting
 * changed afterwards changes nothing of this run. Strings owned. */
typedef struct {
  gchar *location;          /* the data directory */
  gchar *staging_location;  /* NULL or empty: <location>/.buffer */
  guint64 segment_duration; /* ns */
  gboolean align;
  gchar *filename; /* the template (ffc-segname); NULL: the container's
                      default (ffc_container_default_template) */
  gboolean fsync;
  gchar *run_id; /* 8 hex digits, or NULL/empty for a shared one */
  gboolean retention;
  guint64 min_free_space; /* bytes */
  guint64 min_age;        /* ns */
  /* the station's facts */
  gchar *make;
  gchar *model;
  gchar *serial;
  gchar *position;   /* "LAT,LON"; NULL or empty = unknown */
  gdouble elevation; /* NAN = unknown */
  gchar *note;
  gchar *stream_name;
  /* the container's (FLAC: 0..8) */
  guint compression_level;
} FfcSegwriterConfig;

void ffc_segwriter_config_init (FfcSegwriterConfig *config);
void ffc_segwriter_config_copy (
    FfcSegwriterConfig *dest, const FfcSegwriterConfig *src);
void ffc_segwriter_config_clear (FfcSegwriterConfig *config);

/* The staging directory the config gives (newly allocated). */
gchar *ffc_segwriter_config_staging (const FfcSegwriterConfig *config);

gboolean ffc_segwriter_duration_valid (guint64 duration_ns, GError **error);
gboolean ffc_segwriter_rate_valid (gint rate, GError **error);
/* NAN (unset) or a height a station can be at */
gboolean ffc_segwriter_place_valid (const gchar *position, gdouble elevation,
    gdouble *latitude, gdouble *longitude, GError **error);

/* Every setting, checked before anything is made on disk: an error naming
 * the setting and its value (FFC_SEGWRITER_ERROR). Checks, too, that the
 * staging and data directories are (will be) on one filesystem, from their
 * nearest existing ancestors. */
gboolean ffc_segwriter_config_check (
    const FfcSegwriterConfig *config, GError **error);

/* The station's facts as metadata (strings borrowed from config; zone
 * local), checked as ffc_segwriter_config_check () does. */
gboolean ffc_segwriter_config_station (
    const FfcSegwriterConfig *config, FfcMeta *meta, GError **error);

/* Whether two paths are, or will be once created, on one filesystem: by
 * the st_dev of each one's nearest existing ancestor. TRUE when it cannot
 * be told (the directories' own check decides then). */
gboolean ffc_paths_same_filesystem (const gchar *a, const gchar *b);

/* Planning, a pure function: where a segment ends and what time names it.
 * A segment holds duration × rate frames (rounded, at least one); with
 * align, the first one after a start or a discontinuity runs to the next
 * wall-clock multiple of the duration, counted in the capture's samples
 * (drift), and one that continues is named by the multiple it starts
 * within half a sample of, so that sinks at other rates agree. */
typedef struct {
  guint64 duration_ns;
  guint rate;
  gboolean align;
  /* the previous segment ended at its boundary, with no gap since */
  gboolean continuing;
  gint64 start_wall_us; /* wall-clock time of the first sample */
  gdouble drift_ppm;    /* of the capture's model; 0 without one */
} FfcSegmentPlanInput;

typedef struct {
  guint64 frames;      /* where the segment ends */
  gint64 name_wall_us; /* the start time it is named and stamped by */
} FfcSegmentPlan;

FfcSegmentPlan ffc_segment_plan (const FfcSegmentPlanInput *in);
/* A buffer at `running_time_ns` after one that ended at `expected_ns`:
 * flagged DISCONT, or more than one sample off, it starts a new segment
 * (a file never hides a gap). */
gboolean ffc_segment_discont (
    guint64 expected_ns, guint64 running_time_ns, guint rate, gboolean flagged);
/* A GAP event at `gap_rt_ns` lasting `gap_duration_ns` after audio that
 * ended at `expected_ns`: one that starts within a sample of that end and
 * lasts at least a sample says the next audio will be discontinuous, so
 * the segment ends now rather than when that audio comes (a triggered
 * event's file appears when the event ends). One that starts later comes
 * from before a filter that still holds the audio up to it (audioresample
 * keeps its last samples until the next discontinuity): that audio
 * belongs to the segment, which ends when the next audio comes, as at
 * any discontinuity. */
gboolean ffc_segment_gap_ends (guint64 expected_ns, guint64 gap_rt_ns,
    guint64 gap_duration_ns, guint rate);
/* A segment begun before the capture's model settled takes its name from
 * the model in force when it closes. */
gboolean ffc_segment_rename_at_close (
    gboolean settled_at_open, gboolean have_model);

/* What the writer did, as it happens (the element turns each into a bus
 * message). Strings are valid during the call only. */
typedef enum {
  FFC_SEGWRITER_PROMOTED,    /* a segment appeared in the data directory */
  FFC_SEGWRITER_RECOVERED,   /* an orphan was repaired and promoted */
  FFC_SEGWRITER_QUARANTINED, /* an orphan could not be repaired */
  FFC_SEGWRITER_DELETED,     /* retention deleted a segment */
  /* below min-free-space and nothing (more) to delete: free_space, message;
   * once until there is room again */
  FFC_SEGWRITER_LOW_SPACE,
  FFC_SEGWRITER_WARNING, /* code and message: something to tell */
} FfcSegwriterEventType;

typedef struct {
  FfcSegwriterEventType type;
  const gchar *location; /* the path it concerns */
  /* PROMOTED */
  const gchar *start_time; /* ISO 8601 UTC, µs */
  guint64 running_time;    /* ns */
  guint64 duration;        /* ns */
  guint64 samples;         /* also RECOVERED */
  guint64 offset;
  guint64 bytes; /* also DELETED */
  gboolean clock_synchronised;
  gdouble drift_ppm;
  /* RECOVERED */
  guint64 trimmed_bytes;
  /* QUARANTINED, DELETED */
  const gchar *reason;
  guint64 free_space; /* DELETED (after the deletions), LOW_SPACE */
  /* WARNING; LOW_SPACE: message */
  FfcSegwriterError code;
  const gchar *message;
} FfcSegwriterEvent;

typedef void (*FfcSegwriterEventFunc) (
    const FfcSegwriterEvent *event, gpointer user_data);

typedef struct _FfcSegwriter FfcSegwriter;

/* No running time or offset given: the writer counts on from the last */
#define FFC_SEGWRITER_NONE G_MAXUINT64

/* Checks the config (ffc_segwriter_config_check), opens (makes) the data
 * and staging directories, takes the run id (the config's, or the one
 * shared in `scope`) and joins the pair group of `scope`. A copy of config
 * is kept: the run never sees a later change. */
FfcSegwriter *ffc_segwriter_new (const FfcSegwriterConfig *config,
    const FfcContainerClass *container, gconstpointer scope,
    FfcSegwriterEventFunc func, gpointer user_data, GError **error);
/* Finishes nothing (call finish first), leaves the pair, closes all. */
void ffc_segwriter_free (FfcSegwriter *writer);
const gchar *ffc_segwriter_run_id (const FfcSegwriter *writer);
guint ffc_segwriter_pair_size (const FfcSegwriter *writer);
/* Repairs and promotes, or quarantines, what a crash left in staging;
 * never a file a live writer holds. */
void ffc_segwriter_recover (FfcSegwriter *writer);

/* The stream's format; a change ends the open segment (one format per
 * file). FORMAT error for a rate out of range. */
gboolean ffc_segwriter_set_format (FfcSegwriter *writer, FfcSampleFormat format,
    guint rate, guint channels, GError **error);
/* The samples' real depth when it is less than the format's (24-bit
 * samples in S32LE: FLAC stores 24 bits); 0 = the format's. A change ends
 * the open segment. */
gboolean ffc_segwriter_set_bits_per_sample (
    FfcSegwriter *writer, guint bits_per_sample, GError **error);
/* Where running time lands on the wall clock: the element feeds it the
 * capture's model; without an origin yet, set one before writing. */
FfcWallMap *ffc_segwriter_wall_map (FfcSegwriter *writer);
gboolean ffc_segwriter_has_origin (const FfcSegwriter *writer);
/* The origin, shared with the pair group (the first sink's wins) */
void ffc_segwriter_set_origin (FfcSegwriter *writer, gint64 origin_us);
/* The running time a buffer without one gets: where the last one ended */
guint64 ffc_segwriter_expected_running_time (const FfcSegwriter *writer);

/* Writes interleaved frames that begin at running_time (ns) and stream
 * sample `offset` (FFC_SEGWRITER_NONE: counted on); segments open, end and
 * are promoted as the plan says. On error, what was written is finished
 * and promoted when it can be. */
gboolean ffc_segwriter_write (FfcSegwriter *writer, guint64 running_time,
    guint64 offset, gboolean discont, const guint8 *data, gsize size,
    GError **error);
/* A GAP event (running time and duration, ns): ends and promotes the open
 * segment when ffc_segment_gap_ends () says so; the next audio opens a new
 * one, as after a discontinuity. */
gboolean ffc_segwriter_gap (FfcSegwriter *writer, guint64 running_time,
    guint64 duration, GError **error);
/* Finishes and promotes the open segment (EOS, stop). */
gboolean ffc_segwriter_finish (FfcSegwriter *writer, GError **error);

G_END_DECLS

#endif
