/* gst-ffcapture: the segment writer: settings, planning, writing
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything segmentsink decides lives here, GLib only: which segment a
 * frame belongs to (ffc_segment_plan), its name (ffc-segname), its file
 * (through a container, ffc-container.h), its promotion (ffc-promote), free
 * space and pairs (ffc-retention). The element feeds buffers and the time
 * model in and turns events and errors into bus messages.
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
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ffc-promote.h"
#include "ffc-pair.h"
#include "ffc-retention.h"
#include "ffc-runid.h"
#include "ffc-segname.h"

GQuark
ffc_segwriter_error_quark (void)
{
  return g_quark_from_static_string ("ffc-segwriter-error-quark");
}

/* Another module's error about a setting, as a SETTINGS error */
static gboolean
settings_error (GError **error, GError *cause)
{
  if (cause->domain != FFC_SEGWRITER_ERROR) {
    cause->domain = FFC_SEGWRITER_ERROR;
    cause->code = FFC_SEGWRITER_ERROR_SETTINGS;
  }
  g_propagate_error (error, cause);
  return FALSE;
}

void
ffc_segwriter_config_init (FfcSegwriterConfig *config)
{
  memset (config, 0, sizeof (*config));
  config->elevation = NAN;
  config->compression_level = 5; /* libFLAC's default */
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
  GError *cause = NULL;

  ffc_meta_init (meta);
  meta->make = config->make;
  meta->model = config->model;
  meta->serial = config->serial;
  meta->note = config->note;
  meta->stream = config->stream_name;
  meta->elevation = config->elevation;
  if (!ffc_segwriter_place_valid (config->position, config->elevation,
          &meta->latitude, &meta->longitude, &cause)
      || !ffc_meta_check_fits (meta, &cause))
    return settings_error (error, cause);
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

static gboolean config_check (const FfcSegwriterConfig *config, GError **error);

gboolean
ffc_segwriter_config_check (const FfcSegwriterConfig *config, GError **error)
{
  GError *cause = NULL;

  return config_check (config, &cause) || settings_error (error, cause);
}

static gboolean
config_check (const FfcSegwriterConfig *config, GError **error)
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

/* ---- planning ---- */

FfcSegmentPlan
ffc_segment_plan (const FfcSegmentPlanInput *in)
{
  const guint64 ns = G_GUINT64_CONSTANT (1000000000);
  gint64 dur_us = MAX ((gint64)(in->duration_ns / 1000), 1);
  /* duration × rate / 1 s, rounded, exact for any duration and rate */
  guint64 full = in->duration_ns / ns * in->rate
                 + (in->duration_ns % ns * in->rate + ns / 2) / ns;
  FfcSegmentPlan plan = { MAX (full, 1), in->start_wall_us };

  if (in->align && in->continuing) {
    /* it starts within half a sample of a wall-clock multiple: name it by
     * that, so that sinks of a pair agree whatever their rates (truncating
     * 59.99999 s would name the minute before) */
    plan.name_wall_us = (in->start_wall_us + dur_us / 2) / dur_us * dur_us;
  } else if (in->align) {
    /* up to the next wall-clock multiple of the duration, in samples of
     * the capture's clock */
    gint64 next = (in->start_wall_us / dur_us + 1) * dur_us;
    gdouble scale = 1.0 + in->drift_ppm * 1e-6;
    guint64 to_boundary = (guint64)llround (
        (next - in->start_wall_us) * scale * in->rate / G_USEC_PER_SEC);

    if (to_boundary > 0 && to_boundary < plan.frames)
      plan.frames = to_boundary;
  }
  return plan;
}

static guint64
frames_to_ns (guint64 frames, guint rate)
{
  /* frames · 1e9 / rate without overflow for any real count */
  return frames / rate * G_GUINT64_CONSTANT (1000000000)
         + frames % rate * G_GUINT64_CONSTANT (1000000000) / rate;
}

gboolean
ffc_segment_discont (
    guint64 expected_ns, guint64 running_time_ns, guint rate, gboolean flagged)
{
  guint64 jump = running_time_ns > expected_ns ? running_time_ns - expected_ns
                                               : expected_ns - running_time_ns;

  return flagged || jump > frames_to_ns (1, rate);
}

gboolean
ffc_segment_gap_ends (
    guint64 expected_ns, guint64 gap_rt_ns, guint64 gap_duration_ns, guint rate)
{
  /* where the audio ended, to a sample: what is not a discontinuity */
  return gap_duration_ns >= frames_to_ns (1, rate)
         && !ffc_segment_discont (expected_ns, gap_rt_ns, rate, FALSE);
}

gboolean
ffc_segment_rename_at_close (gboolean settled_at_open, gboolean have_model)
{
  return !settled_at_open && have_model;
}

/* ---- the writer ---- */

struct _FfcSegwriter {
  FfcSegwriterConfig cfg;
  const FfcContainerClass *container;
  FfcSegwriterEventFunc func;
  gpointer user_data;
  FfcMeta station; /* strings of cfg; zone owned */

  gint data_fd;
  gint staging_fd;
  gchar *data_dir;
  gchar *staging_dir;
  gchar run_id[9];
  gconstpointer run_scope; /* when the run id is the scope's shared one */
  FfcPairMember *pair;
  guint64 unchecked_bytes; /* written since free space was last checked */
  gboolean low_space_warned;

  FfcSampleFormat format;
  guint rate, channels, bpf;
  guint bits_per_sample; /* the samples' real depth; 0 = the format's */
  FfcWallMap wall;
  guint64 seq;
  guint64 samples_received;
  gboolean have_next;
  guint64 next_running_time;

  /* the open segment */
  gint fd;
  FfcContainer *file;
  gchar *staging_name;
  gchar *intended_name; /* what the template gave */
  guint64 frames;
  guint64 target_frames;
  guint64 start_running_time;
  gint64 start_wall_us;
  gboolean start_synchronised;
  gboolean start_settled;
  guint64 start_offset;
};

static void
emit (FfcSegwriter *w, FfcSegwriterEvent *event)
{
  if (w->func != NULL)
    w->func (event, w->user_data);
}

static void warn (FfcSegwriter *w, FfcSegwriterError code, const gchar *fmt,
    ...) G_GNUC_PRINTF (3, 4);

static void
warn (FfcSegwriter *w, FfcSegwriterError code, const gchar *fmt, ...)
{
  FfcSegwriterEvent e = { FFC_SEGWRITER_WARNING };
  gchar *message;
  va_list args;

  va_start (args, fmt);
  message = g_strdup_vprintf (fmt, args);
  va_end (args);
  e.code = code;
  e.message = message;
  emit (w, &e);
  g_free (message);
}

static gboolean fail (GError **error, FfcSegwriterError code, GError *cause,
    const gchar *fmt, ...) G_GNUC_PRINTF (4, 5);

/* Sets *error (code, the formatted message) and frees `cause` */
static gboolean
fail (GError **error, FfcSegwriterError code, GError *cause, const gchar *fmt,
    ...)
{
  gchar *message;
  va_list args;

  va_start (args, fmt);
  message = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error_literal (error, FFC_SEGWRITER_ERROR, code, message);
  g_free (message);
  g_clear_error (&cause);
  return FALSE;
}

static gboolean
clock_synchronised (FfcSegwriter *w)
{
  /* the capture's word when a model came; else the system clock's state */
  return w->wall.have_model ? w->wall.model.synchronised
                            : ffc_clock_synchronised ();
}

static gdouble
reported_drift (FfcSegwriter *w)
{
  return w->wall.have_model ? ffc_time_model_reported_drift (&w->wall.model)
                            : NAN;
}

FfcSegwriter *
ffc_segwriter_new (const FfcSegwriterConfig *config,
    const FfcContainerClass *container, gconstpointer scope,
    FfcSegwriterEventFunc func, gpointer user_data, GError **error)
{
  FfcSegwriter *w = g_new0 (FfcSegwriter, 1);
  GError *cause = NULL;

  ffc_segwriter_config_copy (&w->cfg, config);
  if (w->cfg.filename == NULL) /* the default, in the container's extension */
    w->cfg.filename = ffc_container_default_template (container);
  w->container = container;
  w->func = func;
  w->user_data = user_data;
  w->data_fd = w->staging_fd = w->fd = -1;
  ffc_meta_init (&w->station);
  ffc_wall_map_init (&w->wall);
  if (!ffc_segwriter_config_check (&w->cfg, error)
      || !ffc_container_check_template (container, w->cfg.filename, error)
      || !ffc_segwriter_config_station (&w->cfg, &w->station, error))
    goto failed;
  w->data_dir = g_strdup (w->cfg.location);
  w->staging_dir = ffc_segwriter_config_staging (&w->cfg);

  w->data_fd = ffc_dir_open (w->data_dir, TRUE, &cause);
  if (w->data_fd < 0) {
    fail (error, FFC_SEGWRITER_ERROR_OPEN, cause,
        "Cannot use the data directory: %s", cause->message);
    goto failed;
  }
  w->staging_fd = ffc_dir_open (w->staging_dir, TRUE, &cause);
  if (w->staging_fd < 0) {
    fail (error, FFC_SEGWRITER_ERROR_OPEN, cause,
        "Cannot use the staging directory: %s", cause->message);
    goto failed;
  }
  if (!ffc_dirs_same_filesystem (w->data_fd, w->staging_fd)) {
    fail (error, FFC_SEGWRITER_ERROR_SETTINGS, NULL,
        "staging-location \"%s\" is not on the same filesystem as location "
        "\"%s\": a rename between filesystems is not atomic",
        w->staging_dir, w->data_dir);
    goto failed;
  }

  if (w->cfg.run_id != NULL && *w->cfg.run_id != '\0') {
    g_strlcpy (w->run_id, w->cfg.run_id, sizeof (w->run_id));
  } else {
    ffc_run_id_acquire (scope, w->run_id);
    w->run_scope = scope;
  }
  w->pair =
      ffc_pair_join (scope, w->run_id, w->data_dir, w->data_fd, w->cfg.filename,
          w->cfg.retention, (gint64)(w->cfg.min_age / 1000), &cause);
  if (w->pair == NULL) {
    fail (error, FFC_SEGWRITER_ERROR_SETTINGS, cause,
        "Cannot use retention: %s", cause->message);
    goto failed;
  }
  return w;

failed:
  ffc_segwriter_free (w);
  return NULL;
}

void
ffc_segwriter_free (FfcSegwriter *w)
{
  if (w == NULL)
    return;
  if (w->file != NULL)
    w->container->free (w->file);
  if (w->fd >= 0)
    close (w->fd);
  g_clear_pointer (&w->pair, ffc_pair_leave); /* before its directory */
  if (w->run_scope != NULL)
    ffc_run_id_release (w->run_scope);
  if (w->data_fd >= 0)
    close (w->data_fd);
  if (w->staging_fd >= 0)
    close (w->staging_fd);
  if (w->station.zone != NULL)
    g_time_zone_unref (w->station.zone);
  ffc_segwriter_config_clear (&w->cfg);
  g_free (w->data_dir);
  g_free (w->staging_dir);
  g_free (w->staging_name);
  g_free (w->intended_name);
  g_free (w);
}

const gchar *
ffc_segwriter_run_id (const FfcSegwriter *w)
{
  return w->run_id;
}

guint
ffc_segwriter_pair_size (const FfcSegwriter *w)
{
  return ffc_pair_size (w->pair);
}

static gboolean
repair_orphan (gint fd, guint64 *frames, guint64 *trimmed_bytes,
    gpointer user_data, GError **error)
{
  /* a file of the other format (format changed since the crash) is
   * repaired as what it is */
  const FfcContainerClass *container = ffc_container_of_file (fd, user_data);

  return container->repair (fd, frames, trimmed_bytes, error);
}

void
ffc_segwriter_recover (FfcSegwriter *w)
{
  GPtrArray *orphans = ffc_staging_recover (w->staging_fd, w->data_fd,
      w->cfg.fsync, repair_orphan, (gpointer)w->container);

  for (guint i = 0; i < orphans->len; i++) {
    FfcOrphan *o = orphans->pdata[i];
    FfcSegwriterEvent e = { 0 };
    gchar *path = NULL;

    switch (o->outcome) {
      case FFC_ORPHAN_RECOVERED:
        path = g_build_filename (w->data_dir, o->moved_to, NULL);
        e.type = FFC_SEGWRITER_RECOVERED;
        e.location = path;
        e.samples = o->frames;
        e.trimmed_bytes = o->trimmed_bytes;
        emit (w, &e);
        break;
      case FFC_ORPHAN_QUARANTINED:
        path = g_build_filename (
            w->staging_dir, FFC_QUARANTINE_SUBDIR, o->moved_to, NULL);
        warn (w, FFC_SEGWRITER_ERROR_FORMAT,
            "A file left in staging by a crash cannot be repaired (%s); "
            "moved to %s",
            o->reason, path);
        e.type = FFC_SEGWRITER_QUARANTINED;
        e.location = path;
        e.reason = o->reason;
        emit (w, &e);
        break;
      case FFC_ORPHAN_QUARANTINE_FAILED:
        warn (w, FFC_SEGWRITER_ERROR_WRITE,
            "Cannot move the unrepairable file %s/%s to quarantine: %s",
            w->staging_dir, o->name, o->reason);
        break;
      case FFC_ORPHAN_PROMOTE_FAILED:
        warn (w, FFC_SEGWRITER_ERROR_WRITE,
            "Cannot promote the recovered file %s: %s", o->name, o->reason);
        break;
      case FFC_ORPHAN_REMOVED_EMPTY:
        g_debug ("removed the empty orphan %s", o->name);
        break;
      case FFC_ORPHAN_SKIPPED_LOCKED:
        g_debug ("%s is another live writer's: left alone", o->name);
        break;
    }
    g_free (path);
  }
  g_ptr_array_unref (orphans);
}

FfcWallMap *
ffc_segwriter_wall_map (FfcSegwriter *w)
{
  return &w->wall;
}

gboolean
ffc_segwriter_has_origin (const FfcSegwriter *w)
{
  return w->wall.have_origin;
}

void
ffc_segwriter_set_origin (FfcSegwriter *w, gint64 origin_us)
{
  ffc_wall_map_set_origin (
      &w->wall, ffc_pair_share_origin (w->pair, origin_us));
}

guint64
ffc_segwriter_expected_running_time (const FfcSegwriter *w)
{
  return w->have_next ? w->next_running_time : 0;
}

/* ---- free space ---- */

/* Free space is checked after each promotion and every eighth of
 * min-free-space written, so a stream cannot run from above it into a full
 * disk between two checks. */
static guint64
check_interval (FfcSegwriter *w)
{
  return CLAMP (w->cfg.min_free_space / 8, 64 * 1024, 16 * 1024 * 1024);
}

/* Below min-free-space: retention deletes the oldest pairs, or a warning
 * says what will happen (once, until there is room again). */
static void
check_space (FfcSegwriter *w)
{
  guint64 min_free = w->cfg.min_free_space, free_space = G_MAXUINT64;
  GPtrArray *deleted = NULL;
  GError *error = NULL;

  w->unchecked_bytes = 0;
  if (w->cfg.retention)
    deleted = ffc_pair_make_room (w->pair, min_free, g_get_real_time (),
        w->cfg.fsync, &free_space, &error);
  else
    ffc_free_space (w->data_fd, &free_space, &error);
  for (guint i = 0; deleted != NULL && i < deleted->len; i++) {
    FfcDeleted *d = deleted->pdata[i];
    FfcSegwriterEvent e = { FFC_SEGWRITER_DELETED };

    e.location = d->path;
    e.reason = "low-space";
    e.bytes = d->bytes;
    e.free_space = free_space;
    emit (w, &e);
  }
  g_clear_pointer (&deleted, g_ptr_array_unref);

  if (free_space >= min_free && error == NULL) {
    w->low_space_warned = FALSE;
    return;
  }
  if (w->low_space_warned) {
    g_clear_error (&error);
    return;
  }
  w->low_space_warned = TRUE;
  if (error != NULL) {
    warn (w, FFC_SEGWRITER_ERROR_WRITE, "Cannot check or free space in %s: %s",
        w->data_dir, error->message);
  } else {
    FfcSegwriterEvent e = { FFC_SEGWRITER_LOW_SPACE };
    gchar *message = g_strdup_printf (
        w->cfg.retention
            ? "The filesystem of %s has %" G_GUINT64_FORMAT " bytes free, "
              "below min-free-space (%" G_GUINT64_FORMAT "), and no segment "
              "can be deleted (younger than min-age, or its pair cannot go): "
              "recording stops when it is full"
            : "The filesystem of %s has %" G_GUINT64_FORMAT " bytes free, "
              "below min-free-space (%" G_GUINT64_FORMAT "): recording stops "
              "when it is full (retention is off)",
        w->data_dir, free_space, min_free);

    e.location = w->data_dir;
    e.free_space = free_space;
    e.code = FFC_SEGWRITER_ERROR_NO_SPACE;
    e.message = message;
    emit (w, &e);
    g_free (message);
  }
  g_clear_error (&error);
}

/* ---- segments ---- */

/* Staging deleted during a run (or between segments): made again, with a
 * warning. */
static gboolean
ensure_staging (FfcSegwriter *w, GError **error)
{
  GError *cause = NULL;
  gboolean recreated;

  if (!ffc_staging_ensure (&w->staging_fd, w->staging_dir, &recreated, &cause))
    return fail (error, FFC_SEGWRITER_ERROR_OPEN, cause,
        "The staging directory was removed and cannot be made again: %s",
        cause->message);
  if (recreated)
    warn (w, FFC_SEGWRITER_ERROR_WRITE,
        "The staging directory %s was removed during the recording; it was "
        "made again",
        w->staging_dir);
  return TRUE;
}

/* What the open segment's metadata says, as far as it is known now. */
static void
segment_meta (FfcSegwriter *w, FfcMeta *meta)
{
  *meta = w->station;
  meta->start_us = w->start_wall_us;
  meta->rate = w->rate;
  meta->channels = w->channels;
  meta->format = w->format;
  meta->frames = w->frames;
  meta->offset = w->start_offset;
  meta->seq = w->seq;
  meta->run_id = w->run_id;
  meta->original_filename = w->intended_name;
  meta->drift_ppm = reported_drift (w);
  meta->clock_synchronised = w->start_synchronised;
}

/* The error of a failed write, with the file's name */
static gboolean
write_failed (FfcSegwriter *w, const gchar *name, GError *cause, GError **error)
{
  if (g_error_matches (
          cause, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_NO_SPACE))
    return fail (error, FFC_SEGWRITER_ERROR_NO_SPACE, cause,
        "The filesystem of %s is full: cannot write %s/%s: %s", w->data_dir,
        w->staging_dir, name, cause->message);
  return fail (error, FFC_SEGWRITER_ERROR_WRITE, cause,
      "Cannot write %s/%s: %s", w->staging_dir, name, cause->message);
}

static gboolean
open_segment (
    FfcSegwriter *w, guint64 running_time, guint64 offset, GError **error)
{
  FfcSegmentPlanInput in = { 0 };
  FfcSegmentPlan plan;
  FfcContainerOptions options = { 0 };
  GError *cause = NULL;
  FfcMeta meta;
  gchar *name;

  in.duration_ns = w->cfg.segment_duration;
  in.rate = w->rate;
  in.align = w->cfg.align;
  in.continuing = w->target_frames > 0 && w->frames == w->target_frames;
  in.start_wall_us = ffc_wall_map_wall_of (&w->wall, running_time);
  in.drift_ppm = w->wall.have_model ? w->wall.model.drift_ppm : 0.0;
  plan = ffc_segment_plan (&in);

  w->start_running_time = running_time;
  w->start_wall_us = plan.name_wall_us;
  w->start_synchronised = clock_synchronised (w);
  w->start_settled = !w->wall.have_model || w->wall.model.settled;
  w->start_offset = offset;
  w->frames = 0;
  w->target_frames = plan.frames;

  name = ffc_segname_expand (w->cfg.filename, w->start_wall_us, w->seq,
      w->cfg.segment_duration / 1000000000, w->run_id, &cause);
  if (name == NULL)
    return fail (
        error, FFC_SEGWRITER_ERROR_SETTINGS, cause, "%s", cause->message);
  g_free (w->intended_name);
  w->intended_name = name;

  g_clear_pointer (&w->staging_name, g_free);
  if (!ensure_staging (w, error))
    return FALSE;
  w->fd = ffc_staging_create (w->staging_fd, name, &w->staging_name, &cause);
  if (w->fd < 0)
    return fail (error, FFC_SEGWRITER_ERROR_OPEN, cause, "%s", cause->message);

  /* metadata fixed at open; GUANO's Length is set when it closes */
  segment_meta (w, &meta);
  options.expected_frames = w->target_frames;
  options.compression_level = w->cfg.compression_level;
  options.bits_per_sample = w->bits_per_sample;
  w->file = w->container->open (w->fd, &meta, &options, &cause);
  if (w->file == NULL) {
    write_failed (w, w->staging_name, cause, error);
    /* nothing of the segment is in it yet: no file at all is right */
    close (w->fd);
    w->fd = -1;
    unlinkat (w->staging_fd, w->staging_name, 0);
    return FALSE;
  }
  g_debug ("opened %s for %" G_GUINT64_FORMAT " samples", w->staging_name,
      w->target_frames);
  return TRUE;
}

/* The segment's start time moved (named from a settled model at close):
 * its name and metadata say so too, not what was known at open. */
static gboolean
rename_from_model (FfcSegwriter *w, GError **error)
{
  gint64 wall = ffc_wall_map_wall_of (&w->wall, w->start_running_time);
  FfcMeta meta;
  /* the template was good when the segment opened */
  gchar *name = ffc_segname_expand (w->cfg.filename, wall, w->seq,
      w->cfg.segment_duration / 1000000000, w->run_id, NULL);

  if (name == NULL)
    return TRUE;
  g_debug ("start time %" G_GINT64_FORMAT " us -> %" G_GINT64_FORMAT
           " us by the latest model",
      w->start_wall_us, wall);
  g_free (w->intended_name);
  w->intended_name = name;
  w->start_wall_us = wall;
  w->start_synchronised = clock_synchronised (w);
  segment_meta (w, &meta);
  return w->container->rewrite_metadata (w->file, &meta, error);
}

/* The open segment's file was deleted (staging removed with it): its
 * content, still readable through the descriptor, is saved into a new file
 * in staging, which replaces it, so that nothing written is lost. */
static gboolean
rescue_deleted_segment (FfcSegwriter *w, GError **error)
{
  GError *cause = NULL;
  gchar *created = NULL;
  struct stat st;
  gint fd;

  if (fstat (w->fd, &st) < 0 || st.st_nlink > 0)
    return TRUE;
  if (!ensure_staging (w, error))
    return FALSE;
  fd = ffc_staging_copy (
      w->staging_fd, w->fd, w->staging_name, &created, &cause);
  if (fd < 0 || (w->cfg.fsync && !ffc_fsync (fd, &cause))) {
    if (fd >= 0)
      close (fd);
    g_free (created);
    return fail (error, FFC_SEGWRITER_ERROR_WRITE, cause,
        "%s/%s was deleted while being written, and cannot be saved: %s",
        w->staging_dir, w->staging_name, cause->message);
  }
  warn (w, FFC_SEGWRITER_ERROR_WRITE,
      "%s/%s was deleted while being written; what it held was saved as "
      "%s/%s",
      w->staging_dir, w->staging_name, w->staging_dir, created);
  close (w->fd);
  w->fd = fd;
  g_free (w->staging_name);
  w->staging_name = created;
  return TRUE;
}

static void
drop_segment_file (FfcSegwriter *w)
{
  if (w->file != NULL)
    w->container->free (w->file);
  w->file = NULL;
  if (w->fd >= 0)
    close (w->fd);
  w->fd = -1;
}

/* Finishes the open segment (sizes, fsync) and promotes it. */
static gboolean
close_segment (FfcSegwriter *w, GError **error)
{
  FfcSegwriterEvent e = { FFC_SEGWRITER_PROMOTED };
  gboolean durable = w->cfg.fsync;
  gchar *promoted, *path, *start;
  const gchar *intended;
  GError *cause = NULL;

  if (w->fd < 0)
    return TRUE;
  /* Begun when the capture's model rested on its first chunks (often late:
   * ffmpeg starting up), the segment takes its time from the latest one. */
  if ((ffc_segment_rename_at_close (w->start_settled, w->wall.have_model)
          && !rename_from_model (w, &cause))
      || !w->container->finish (w->file, &w->frames, &cause)
      || (durable && !ffc_fsync (w->fd, &cause))) {
    fail (error, FFC_SEGWRITER_ERROR_WRITE, cause, "Cannot finish %s/%s: %s",
        w->staging_dir, w->staging_name, cause->message);
    drop_segment_file (w);
    return FALSE;
  }
  e.bytes = w->container->size (w->file, w->frames);
  w->container->free (w->file);
  w->file = NULL;
  if (!rescue_deleted_segment (w, error)) {
    drop_segment_file (w);
    return FALSE;
  }

  /* the name the template gave, even if staging had to use another; the
   * file stays locked until it is out of staging (ffc-promote.c) */
  intended = w->intended_name;
  w->fd = ffc_staging_seal (w->fd);
  promoted = ffc_promote (w->staging_fd, w->staging_name, w->data_fd,
      intended ? intended : w->staging_name, durable, &cause);
  drop_segment_file (w);
  if (promoted == NULL)
    return fail (error, FFC_SEGWRITER_ERROR_PROMOTE, cause,
        "Cannot promote %s/%s into %s: %s", w->staging_dir, w->staging_name,
        w->data_dir, cause->message);
  if (intended != NULL && g_strcmp0 (promoted, intended) != 0)
    warn (w, FFC_SEGWRITER_ERROR_WRITE,
        "%s already exists in %s: the new segment was promoted as %s, and "
        "nothing was replaced",
        intended, w->data_dir, promoted);

  path = g_build_filename (w->data_dir, promoted, NULL);
  start = ffc_segname_iso8601 (w->start_wall_us);
  e.location = path;
  e.start_time = start;
  e.running_time = w->start_running_time;
  e.duration = frames_to_ns (w->frames, w->rate);
  e.samples = w->frames;
  e.offset = w->start_offset;
  e.clock_synchronised = w->start_synchronised;
  e.drift_ppm = reported_drift (w);
  emit (w, &e);
  g_free (path);
  g_free (start);
  ffc_pair_promoted (w->pair, promoted);
  g_free (promoted);
  g_clear_pointer (&w->staging_name, g_free);
  w->seq++;
  check_space (w);
  return TRUE;
}

gboolean
ffc_segwriter_set_bits_per_sample (
    FfcSegwriter *w, guint bits_per_sample, GError **error)
{
  if (bits_per_sample == w->bits_per_sample)
    return TRUE;
  if (w->fd >= 0) {
    /* one format per file */
    w->have_next = FALSE;
    if (!close_segment (w, error))
      return FALSE;
    w->target_frames = 0;
  }
  w->bits_per_sample = bits_per_sample;
  return TRUE;
}

gboolean
ffc_segwriter_set_format (FfcSegwriter *w, FfcSampleFormat format, guint rate,
    guint channels, GError **error)
{
  guint bpf = (format == FFC_SAMPLE_S16LE ? 2 : 4) * channels;
  gboolean same =
      format == w->format && rate == w->rate && channels == w->channels;

  GError *cause = NULL;

  if (!ffc_segwriter_rate_valid ((gint)MIN (rate, (guint)G_MAXINT), &cause))
    return fail (
        error, FFC_SEGWRITER_ERROR_FORMAT, cause, "%s", cause->message);
  if (w->container->check_format != NULL
      && !w->container->check_format (format, rate, channels, error))
    return FALSE;
  if (same)
    return TRUE;
  if (w->fd >= 0) {
    /* one format per file */
    w->have_next = FALSE;
    if (!close_segment (w, error))
      return FALSE;
  }
  w->target_frames = 0;
  w->format = format;
  w->rate = rate;
  w->channels = channels;
  w->bpf = bpf;
  return TRUE;
}

/* Writes whole frames; on failure finishes and promotes what was written,
 * and says why with the file's name. */
static gboolean
write_frames (
    FfcSegwriter *w, const guint8 *data, guint64 frames, GError **error)
{
  GError *cause = NULL, *closing = NULL;
  guint64 done = 0;
  gchar *name;

  if (w->container->write (w->file, data, frames, &done, &cause)) {
    w->frames += frames;
    w->unchecked_bytes += frames * w->bpf;
    if (w->unchecked_bytes >= check_interval (w))
      check_space (w);
    return TRUE;
  }
  w->frames += done;
  name = g_strdup (w->staging_name);
  if (!close_segment (w, &closing)) {
    /* the first thing that went wrong is what is told */
    g_clear_error (&cause);
    g_propagate_error (error, closing);
  } else {
    write_failed (w, name, cause, error);
  }
  g_free (name);
  return FALSE;
}

/* Ends the open segment before its planned end (a discontinuity, a GAP):
 * the next one is planned afresh, not as the continuation of this one. */
static gboolean
end_segment_early (FfcSegwriter *w, GError **error)
{
  if (!close_segment (w, error))
    return FALSE;
  w->target_frames = 0;
  return TRUE;
}

gboolean
ffc_segwriter_write (FfcSegwriter *w, guint64 running_time, guint64 offset,
    gboolean discont, const guint8 *data, gsize size, GError **error)
{
  guint64 frames, pos = 0;
  gboolean ok = TRUE;

  if (w->rate == 0 || w->bpf == 0)
    return fail (error, FFC_SEGWRITER_ERROR_FORMAT, NULL,
        "no stream format before the first buffer");
  if (running_time == FFC_SEGWRITER_NONE)
    running_time = ffc_segwriter_expected_running_time (w);
  if (w->have_next && w->fd >= 0
      && ffc_segment_discont (
          w->next_running_time, running_time, w->rate, discont)) {
    /* a file never hides a gap */
    g_debug ("discontinuity at %" G_GUINT64_FORMAT " ns: ending the segment",
        running_time);
    if (!end_segment_early (w, error))
      return FALSE;
  }
  if (offset == FFC_SEGWRITER_NONE)
    offset = w->samples_received;

  frames = size / w->bpf;
  while (pos < frames) {
    guint64 n;

    if (w->fd < 0
        && !open_segment (w, running_time + frames_to_ns (pos, w->rate),
            offset + pos, error)) {
      ok = FALSE;
      break;
    }
    n = MIN (frames - pos, w->target_frames - w->frames);
    if (!write_frames (w, data + pos * w->bpf, n, error)) {
      ok = FALSE;
      break;
    }
    pos += n;
    /* the last sample is written: promote now, not later */
    if (w->frames == w->target_frames && !close_segment (w, error)) {
      ok = FALSE;
      break;
    }
  }
  w->samples_received += frames;
  w->have_next = TRUE;
  w->next_running_time = running_time + frames_to_ns (frames, w->rate);
  return ok;
}

gboolean
ffc_segwriter_gap (
    FfcSegwriter *w, guint64 running_time, guint64 duration, GError **error)
{
  if (w->fd < 0 || !w->have_next
      || !ffc_segment_gap_ends (
          w->next_running_time, running_time, duration, w->rate))
    return TRUE;
  g_debug ("gap at %" G_GUINT64_FORMAT " ns: ending the segment", running_time);
  return end_segment_early (w, error);
}

gboolean
ffc_segwriter_finish (FfcSegwriter *w, GError **error)
{
  return close_segment (w, error);
}
