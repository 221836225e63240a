/* gst-ffcapture: the segment writer's settings, checked
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The writer runs on a snapshot of its settings taken at start
 * (FfcSegwriterConfig): a template, a duration or an alignment changed
 * while it runs would name a segment opened under one setting by another,
 * and retention would no longer know the names. Every check happens here,
 * before the first directory is made.
 */
#include "ffc-segwriter.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "ffc-retention.h"
#include "ffc-segname.h"

G_DEFINE_QUARK (ffc - segwriter - error - quark, ffc_segwriter_error)

void
ffc_segwriter_config_init (FfcSegwriterConfig *config)
{
  memset (config, 0, sizeof (*config));
  config->elevation = NAN;
}

void
ffc_segwriter_config_copy (
    FfcSegwriterConfig *dest, const FfcSegwriterConfig *src)
{
  *dest = *src;
  dest->location = g_strdup (src->location);
  dest->staging_location = g_strdup (src->staging_location);
  dest->filename = g_strdup (src->filename);
  dest->run_id = g_strdup (src->run_id);
  dest->make = g_strdup (src->make);
  dest->model = g_strdup (src->model);
  dest->serial = g_strdup (src->serial);
  dest->position = g_strdup (src->position);
  dest->note = g_strdup (src->note);
  dest->stream_name = g_strdup (src->stream_name);
}

void
ffc_segwriter_config_clear (FfcSegwriterConfig *config)
{
  g_free (config->location);
  g_free (config->staging_location);
  g_free (config->filename);
  g_free (config->run_id);
  g_free (config->make);
  g_free (config->model);
  g_free (config->serial);
  g_free (config->position);
  g_free (config->note);
  g_free (config->stream_name);
  ffc_segwriter_config_init (config);
}

gchar *
ffc_segwriter_config_staging (const FfcSegwriterConfig *config)
{
  if (config->staging_location != NULL && *config->staging_location != '\0')
    return g_strdup (config->staging_location);
  return g_build_filename (
      config->location, FFC_SEGWRITER_STAGING_SUBDIR, NULL);
}

gboolean
ffc_segwriter_duration_valid (guint64 duration_ns, GError **error)
{
  if (duration_ns >= FFC_SEGWRITER_MIN_DURATION
      && duration_ns <= FFC_SEGWRITER_MAX_DURATION)
    return TRUE;
  g_set_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_SETTINGS,
      "segment-duration %" G_GUINT64_FORMAT " ns is out of range: expected "
      "10 ms (10000000) to 24 h (86400000000000)",
      duration_ns);
  return FALSE;
}

gboolean
ffc_segwriter_rate_valid (gint rate, GError **error)
{
  if (rate >= FFC_SEGWRITER_MIN_RATE && rate <= FFC_SEGWRITER_MAX_RATE)
    return TRUE;
  g_set_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_SETTINGS,
      "sample rate %d Hz is out of range: expected %d to %d Hz", rate,
      FFC_SEGWRITER_MIN_RATE, FFC_SEGWRITER_MAX_RATE);
  return FALSE;
}

gboolean
ffc_segwriter_place_valid (const gchar *position, gdouble elevation,
    gdouble *latitude, gdouble *longitude, GError **error)
{
  gdouble lat, lon;

  lat = lon = NAN;
  if (position != NULL && *position != '\0'
      && !ffc_meta_parse_position (position, &lat, &lon, error))
    return FALSE;
  if (!isnan (elevation)
      && !(elevation >= FFC_SEGWRITER_ELEVATION_MIN
           && elevation <= FFC_SEGWRITER_ELEVATION_MAX)) {
    g_set_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_SETTINGS,
        "elevation %g m is out of range: expected %g to %g metres above mean "
        "sea level",
        elevation, FFC_SEGWRITER_ELEVATION_MIN, FFC_SEGWRITER_ELEVATION_MAX);
    return FALSE;
  }
  if (latitude != NULL)
    *latitude = lat;
  if (longitude != NULL)
    *longitude = lon;
  return TRUE;
}

gboolean
ffc_segwriter_config_station (
    const FfcSegwriterConfig *config, FfcMeta *meta, GError **error)
{
  ffc_meta_init (meta);
  meta->make = config->make;
  meta->model = config->model;
  meta->serial = config->serial;
  meta->note = config->note;
  meta->stream = config->stream_name;
  meta->elevation = config->elevation;
  if (!ffc_segwriter_place_valid (config->position, config->elevation,
          &meta->latitude, &meta->longitude, error)
      || !ffc_meta_check_fits (meta, error))
    return FALSE;
  /* GUANO prefers local time with its offset to bare UTC */
  meta->zone = g_time_zone_new_local ();
  return TRUE;
}

/* st_dev of the path, or of its nearest existing ancestor */
static gboolean
nearest_existing_dev (const gchar *path, dev_t *dev)
{
  gchar *p = g_canonicalize_filename (path, NULL);
  gboolean found = FALSE;

  for (;;) {
    struct stat st;
    gchar *up;

    if (stat (p, &st) == 0) {
      *dev = st.st_dev;
      found = TRUE;
      break;
    }
    if (errno != ENOENT)
      break; /* too long, not a directory…: the open will say */
    up = g_path_get_dirname (p);
    if (g_strcmp0 (up, p) == 0) {
      g_free (up);
      break;
    }
    g_free (p);
    p = up;
  }
  g_free (p);
  return found;
}

gboolean
ffc_paths_same_filesystem (const gchar *a, const gchar *b)
{
  dev_t da, db;

  if (!nearest_existing_dev (a, &da) || !nearest_existing_dev (b, &db))
    return TRUE;
  return da == db;
}

gboolean
ffc_segwriter_config_check (const FfcSegwriterConfig *config, GError **error)
{
  FfcMeta station;
  gchar *staging;
  gboolean same;

  if (config->location == NULL || *config->location == '\0') {
    g_set_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_NOT_FOUND,
        "No data directory given: set the location property");
    return FALSE;
  }
  if (!ffc_segwriter_duration_valid (config->segment_duration, error))
    return FALSE;
  if (!ffc_segname_validate (config->filename, error))
    return FALSE;
  if (!ffc_segwriter_config_station (config, &station, error))
    return FALSE;
  g_time_zone_unref (station.zone);
  if (config->run_id != NULL && *config->run_id != '\0'
      && !ffc_run_id_valid (config->run_id)) {
    g_set_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_SETTINGS,
        "run-id \"%s\" is not 8 hex digits: leave it empty for a shared one "
        "drawn at each start",
        config->run_id);
    return FALSE;
  }
  staging = ffc_segwriter_config_staging (config);
  same = ffc_paths_same_filesystem (config->location, staging);
  if (!same)
    g_set_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_SETTINGS,
        "staging-location \"%s\" is not on the same filesystem as location "
        "\"%s\": a rename between filesystems is not atomic",
        staging, config->location);
  g_free (staging);
  return same;
}
