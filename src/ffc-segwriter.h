/* gst-ffcapture: the segment writer's settings, checked
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_SEGWRITER_H__
#define __FFC_SEGWRITER_H__

#include <glib.h>

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
  gchar *filename; /* the template (ffc-segname) */
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

G_END_DECLS

#endif
