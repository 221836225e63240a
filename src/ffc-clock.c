/* gst-ffcapture: the time model (device clock drift, wall clock, steps)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ffc-clock.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

static GMutex seam_lock;
static gboolean seam_read;
static gint64 seam_read_at_us;
static gint64 seam_offset_us;

gint64
ffc_clock_wall_now (void)
{
  const gchar *path = g_getenv (FFC_CLOCK_OFFSET_FILE_ENV);
  gint64 now = g_get_real_time ();
  gint64 mono, offset;

  if (path == NULL || *path == '\0')
    return now;

  mono = g_get_monotonic_time ();
  g_mutex_lock (&seam_lock);
  /* re-read now and then, so that a test can step the clock mid-run */
  if (!seam_read || mono - seam_read_at_us >= FFC_CLOCK_OFFSET_REREAD_US) {
    gchar *text = NULL;

    if (g_file_get_contents (path, &text, NULL, NULL)) {
      gchar *end;
      gint64 value = g_ascii_strtoll (text, &end, 10);
      if (end != text)
        seam_offset_us = value;
      g_free (text);
    }
    seam_read = TRUE;
    seam_read_at_us = mono;
  }
  offset = seam_offset_us;
  g_mutex_unlock (&seam_lock);
  return now + offset;
}

gboolean
ffc_clock_synchronised (void)
{
  const gchar *forced = g_getenv (FFC_CLOCK_UNSYNCHRONISED_ENV);
  struct timex tx = {
    0,
  };
  int state;

  if (forced != NULL && *forced != '\0')
    return g_strcmp0 (forced, "0") == 0;
  /* modes 0: only reads the kernel's NTP state */
  state = ntp_adjtime (&tx);
  if (state < 0)
    return TRUE; /* cannot tell: do not cry wolf */
  return state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

void
ffc_step_detector_init (FfcStepDetector *detector)
{
  memset (detector, 0, sizeof (*detector));
}

/* slewing moves the offset by at most 500 µs per second */
static gboolean
displaced (gint64 offset, gint64 mono, gint64 from_offset, gint64 from_mono)
{
  gint64 slew = (mono - from_mono) / 2000;
  return ABS (offset - from_offset) > FFC_CLOCK_STEP_MIN_US + ABS (slew);
}

gboolean
ffc_step_detector_feed (
    FfcStepDetector *d, gint64 mono_us, gint64 wall_us, gint64 *step_us)
{
  gint64 offset = wall_us - mono_us;

  if (!d->have_previous) {
    d->have_previous = TRUE;
    d->mono_us = mono_us;
    d->offset_us = offset;
    return FALSE;
  }
  if (d->pending) {
    d->pending = FALSE;
    /* the clock is where the displaced reading said: it stepped */
    if (!displaced (
            offset, mono_us, d->pending_offset_us, d->pending_mono_us)) {
      *step_us = offset - d->offset_us;
      d->mono_us = mono_us;
      d->offset_us = offset;
      return TRUE;
    }
    /* else that reading was off alone; this one is judged on its own */
  }
  if (displaced (offset, mono_us, d->offset_us, d->mono_us)) {
    d->pending = TRUE;
    d->pending_mono_us = mono_us;
    d->pending_offset_us = offset;
    return FALSE;
  }
  d->mono_us = mono_us;
  d->offset_us = offset;
  return FALSE;
}

static FfcClockReadFunc read_mono, read_wall;
static gpointer read_data;

void
ffc_clock_set_readers (
    FfcClockReadFunc mono, FfcClockReadFunc wall, gpointer user_data)
{
  read_mono = mono;
  read_wall = wall;
  read_data = user_data;
}

void
ffc_clock_read_pair (gint64 *mono_us, gint64 *wall_us)
{
  gint64 best_spread = G_MAXINT64;

  for (guint i = 0; i < FFC_CLOCK_PAIR_TRIES; i++) {
    gint64 w1 = read_wall ? read_wall (read_data) : ffc_clock_wall_now ();
    gint64 m = read_mono ? read_mono (read_data) : g_get_monotonic_time ();
    gint64 w2 = read_wall ? read_wall (read_data) : ffc_clock_wall_now ();
    gint64 spread = ABS (w2 - w1);

    if (spread < best_spread) {
      best_spread = spread;
      *mono_us = m;
      *wall_us = w1 + (w2 - w1) / 2;
    }
    if (spread <= FFC_CLOCK_PAIR_TIGHT_US)
      break;
  }
}

/* Points are (x, y): x the sample count in nominal seconds, exact; y the
 * arrival time in seconds since the first, late by a one-sided delay. Per
 * window the least-delayed point is kept, and an exponentially weighted
 * least-squares line through them (shared by all runs) gives the slope. The
 * minima still sit above the truth by the least delay of a window's chunks
 * (about 1 ms with 40 ms of jitter): with that slope, the line is lowered
 * onto the least delayed of the last FFC_DRIFT_ENVELOPE windows. */
#define FFC_DRIFT_ENVELOPE 30
/* A chunk cannot arrive before its samples were captured: one that comes
 * this much (s) earlier than the line says is an artefact (ffmpeg's -re
 * lets the first packet after a jump of its timestamps through at once),
 * unless a whole window does, which moves the line. */
#define FFC_DRIFT_EARLY 0.02
/* ...but only as far back as the slope's uncertainty moves the line by
 * less than this (s): early on, a few windows */
#define FFC_DRIFT_ENVELOPE_ERROR 100e-6
struct _FfcDrift {
  guint rate;
  gboolean have_base;
  gint64 base_us;

  /* the current run */
  gboolean have_run;
  guint run;
  gint64 window;
  gboolean have_min;
  gdouble min_x, min_y;
  gdouble w, mx, my, cxx, cxy, cyy;
  gdouble env_x[FFC_DRIFT_ENVELOPE], env_y[FFC_DRIFT_ENVELOPE];
  guint env_len, env_next;

  /* earlier runs: their (decayed) co-moments */
  gdouble prev_w, prev_cxx, prev_cxy, prev_cyy;
  guint points;     /* windows closed */
  guint run_points; /* of them in the current run */
  guint early;      /* chunks of the open window that came too early */
};

FfcDrift *
ffc_drift_new (guint rate)
{
  FfcDrift *d = g_new0 (FfcDrift, 1);

  d->rate = MAX (rate, 1);
  return d;
}

void
ffc_drift_free (FfcDrift *drift)
{
  g_free (drift);
}

static void
close_window (FfcDrift *d)
{
  gdouble decay = exp (-FFC_DRIFT_WINDOW_S / FFC_DRIFT_MEMORY_S);
  gdouble dx, dy;

  if (!d->have_min)
    return;
  d->w *= decay;
  d->cxx *= decay;
  d->cxy *= decay;
  d->cyy *= decay;
  d->prev_w *= decay;
  d->prev_cxx *= decay;
  d->prev_cxy *= decay;
  d->prev_cyy *= decay;
  /* weighted Welford update: stable over days of data */
  d->w += 1.0;
  dx = d->min_x - d->mx;
  dy = d->min_y - d->my;
  d->mx += dx / d->w;
  d->my += dy / d->w;
  d->cxx += dx * (d->min_x - d->mx);
  d->cxy += dx * (d->min_y - d->my);
  d->cyy += dy * (d->min_y - d->my);
  d->env_x[d->env_next] = d->min_x;
  d->env_y[d->env_next] = d->min_y;
  d->env_next = (d->env_next + 1) % FFC_DRIFT_ENVELOPE;
  d->env_len = MIN (d->env_len + 1, FFC_DRIFT_ENVELOPE);
  d->have_min = FALSE;
  d->points++;
  d->run_points++;
}

static gdouble slope (const FfcDrift *d);

/* The current run's line ends here: its co-moments keep counting for the
 * slope, its position starts afresh. */
static void
new_line (FfcDrift *d)
{
  d->prev_w += d->w;
  d->prev_cxx += d->cxx;
  d->prev_cxy += d->cxy;
  d->prev_cyy += d->cyy;
  d->w = d->mx = d->my = d->cxx = d->cxy = d->cyy = 0.0;
  d->have_min = FALSE;
  d->env_len = d->env_next = 0;
  d->run_points = 0;
  d->early = 0;
}

/* The least delay of the closed windows in the envelope, less than
 * `span` (s) before the newest, along slope b. */
static gboolean
closed_floor (const FfcDrift *d, gdouble b, gdouble span, gdouble *floor)
{
  gdouble newest = -G_MAXDOUBLE;

  if (d->env_len == 0)
    return FALSE;
  *floor = G_MAXDOUBLE;
  for (guint i = 0; i < d->env_len; i++)
    newest = MAX (newest, d->env_x[i]);
  for (guint i = 0; i < d->env_len; i++)
    if (d->env_x[i] >= newest - span)
      *floor = MIN (*floor, d->env_y[i] - b * d->env_x[i]);
  return TRUE;
}

gboolean
ffc_drift_add (FfcDrift *d, guint run, guint64 samples, gint64 arrival_us)
{
  gdouble x = (gdouble)samples / d->rate;
  gdouble y, floor;
  gint64 window = (gint64)(x / FFC_DRIFT_WINDOW_S);
  gboolean changed = FALSE;

  if (!d->have_base) {
    d->base_us = arrival_us;
    d->have_base = TRUE;
  }
  y = (arrival_us - d->base_us) / 1e6;

  if (!d->have_run || run != d->run) {
    if (d->have_run) {
      close_window (d);
      new_line (d);
    }
    d->have_run = TRUE;
    d->run = run;
    d->window = window;
    changed = TRUE;
  }
  if (window != d->window) {
    if (!d->have_min && d->early > 0)
      new_line (d); /* a whole window early: the line was late */
    close_window (d);
    d->early = 0;
    d->window = window;
    changed = TRUE;
  }
  if (closed_floor (d, slope (d), G_MAXDOUBLE, &floor)
      && y - slope (d) * x < floor - FFC_DRIFT_EARLY) {
    d->early++;
    return changed;
  }
  if (!d->have_min || y - x < d->min_y - d->min_x) {
    d->min_x = x;
    d->min_y = y;
    d->have_min = TRUE;
  }
  return changed;
}

/* seconds of arrival per nominal second: 1 / (1 + drift) */
static gdouble
slope (const FfcDrift *d)
{
  gdouble sxx = d->prev_cxx + d->cxx, sxy = d->prev_cxy + d->cxy;

  if (d->points < 2 || sxx <= 0.0 || sxy <= 0.0)
    return 1.0;
  return sxy / sxx;
}

gboolean
ffc_drift_known (const FfcDrift *d)
{
  return d->points * FFC_DRIFT_WINDOW_S >= FFC_DRIFT_KNOWN_S
         && d->prev_cxx + d->cxx > 0.0;
}

gdouble
ffc_drift_ppm (const FfcDrift *d)
{
  return (1.0 / slope (d) - 1.0) * 1e6;
}

/* How far back (s) the envelope may reach: the slope's standard error, from
 * the fit's residuals, times that span stays below
 * FFC_DRIFT_ENVELOPE_ERROR. */
static gdouble
envelope_span (const FfcDrift *d)
{
  gdouble sxx = d->prev_cxx + d->cxx, sxy = d->prev_cxy + d->cxy;
  gdouble syy = d->prev_cyy + d->cyy, n = d->prev_w + d->w;
  gdouble residual, se;

  if (d->points < 3 || sxx <= 0.0 || n <= 2.0)
    return 0.0;
  residual = MAX (syy - sxy * sxy / sxx, 0.0) / (n - 2.0);
  se = sqrt (residual / sxx);
  return se > 0.0 ? FFC_DRIFT_ENVELOPE_ERROR / se : G_MAXDOUBLE;
}

gboolean
ffc_drift_capture_time (const FfcDrift *d, guint64 samples, gdouble *mono_us)
{
  gdouble b = slope (d), floor = G_MAXDOUBLE;

  if (!d->have_run)
    return FALSE;
  /* the lower envelope of the recent minima, the open window's included */
  if (!closed_floor (d, b, envelope_span (d), &floor) && !d->have_min)
    return FALSE;
  if (d->have_min)
    floor = MIN (floor, d->min_y - b * d->min_x);
  *mono_us = d->base_us + (floor + b * samples / d->rate) * 1e6;
  return TRUE;
}

gboolean
ffc_drift_update_ref (
    const FfcDrift *d, guint64 samples, gboolean force, FfcDriftRef *ref)
{
  gboolean known = ffc_drift_known (d);
  gboolean settled = d->run_points * FFC_DRIFT_WINDOW_S >= FFC_DRIFT_SETTLED_S;
  gdouble now;

  if (!ffc_drift_capture_time (d, samples, &now))
    return FALSE;
  if (!force && ref->valid && ref->run == d->run && ref->known == known
      && ref->settled == settled) {
    gdouble then = ref->mono_us
                   + ((gdouble)samples - (gdouble)ref->samples) / d->rate
                         / (1.0 + ref->drift_ppm * 1e-6) * 1e6;
    if (fabs (then - now) <= FFC_DRIFT_TOLERANCE_US)
      return FALSE;
  }
  ref->valid = TRUE;
  ref->run = d->run;
  ref->samples = samples;
  ref->mono_us = now;
  ref->drift_ppm = ffc_drift_ppm (d);
  ref->known = known;
  ref->settled = settled;
  return TRUE;
}

gint64
ffc_clock_map (
    gint64 ref_wall_us, gint64 ref_rt_ns, gdouble drift_ppm, gint64 rt_ns)
{
  gdouble scale = 1.0 + (isfinite (drift_ppm) ? drift_ppm * 1e-6 : 0.0);

  return ref_wall_us + llround ((gdouble)(rt_ns - ref_rt_ns) / 1e3 / scale);
}

gint64
ffc_time_model_wall_of (const FfcTimeModel *model, guint64 rt_ns)
{
  return ffc_clock_map (model->wall_us, (gint64)model->running_time_ns,
      model->drift_ppm, (gint64)rt_ns);
}

gdouble
ffc_time_model_reported_drift (const FfcTimeModel *model)
{
  return model->drift_known ? model->drift_ppm : NAN;
}

void
ffc_wall_map_init (FfcWallMap *map)
{
  memset (map, 0, sizeof (*map));
}

void
ffc_wall_map_set_model (FfcWallMap *map, const FfcTimeModel *model)
{
  map->model = *model;
  map->have_model = TRUE;
}

void
ffc_wall_map_set_origin (FfcWallMap *map, gint64 origin_us)
{
  map->origin_us = origin_us;
  map->have_origin = TRUE;
}

gboolean
ffc_wall_map_ready (const FfcWallMap *map)
{
  return map->have_model || map->have_origin;
}

gint64
ffc_wall_map_wall_of (const FfcWallMap *map, guint64 rt_ns)
{
  if (map->have_model)
    return ffc_time_model_wall_of (&map->model, rt_ns);
  return map->origin_us + (gint64)((rt_ns + 500) / 1000);
}
