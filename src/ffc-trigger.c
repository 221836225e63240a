/* gst-ffcapture: triggered events, from window decisions to sample ranges
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The model. A run of at least M consecutive windows above the threshold
 * is a trigger; each of its windows k adds the "core" [F - P, end of k)
 * (F: the run's first sample, P: pre-trigger, clamped to sample 0) and the
 * "cover" [F - P, end of k + Q) (Q: post-trigger). Overlapping covers are
 * one event. Walking the samples in order: an event starts at the first
 * sample of a core, goes on while the samples are covered, and is cut
 * after max-event samples; after a cut the next event starts at once if
 * the sample there is in a core (the trigger still fires, or a later
 * trigger's pre-trigger has begun), else at the next core.
 *
 * Decided is everything before R = (analysed) - P - (M - 1)·W: a core
 * that is still to come starts at a run's first window minus P, and a run
 * that has not yet qualified began at most M - 1 windows before the end of
 * the analysed audio. So a sample's fate is known P + M·W samples after
 * it arrived at the latest, and never changes.
 */
#include "ffc-trigger.h"

#include <math.h>

G_DEFINE_QUARK (ffc_trigger_error, ffc_trigger_error)

typedef struct {
  guint64 start, end;
} Interval;

typedef struct {
  guint64 start, end;
  gdouble level_db, peak_hz;
} Window;

struct _FfcTrigger {
  FfcTriggerConfig config;
  guint64 windows;   /* windows analysed */
  guint64 run_first; /* first sample of the current run */
  guint run_len;     /* consecutive windows over the threshold */
  GArray *cores;     /* Interval, sorted, disjoint, end > decided */
  GArray *covers;    /* Interval, sorted, disjoint, end > decided */
  GArray *levels;    /* Window, analysed, end > decided */
  guint64 decided;
  gboolean finished;
  gboolean in_event;
  FfcTriggerEvent event;  /* the open one */
  gboolean event_started; /* its first range went out */
  GQueue ranges;          /* FfcTriggerRange *, decided, not yet popped */
};

static gchar *
format_ns (guint64 ns)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT " ns (%.3f s)", ns, ns / 1e9);
}

gboolean
ffc_trigger_times_check (const FfcTriggerTimes *t, GError **error)
{
  const struct {
    const gchar *name;
    guint64 value;
  } longest[] = {
    { "min-trigger", t->min_trigger_ns },
    { "pre-trigger", t->pre_trigger_ns },
    { "post-trigger", t->post_trigger_ns },
    { "max-event", t->max_event_ns },
  };
  gchar *a = NULL, *b = NULL;
  guint i;

  if (t->window_ns == 0 || t->window_ns > FFC_TRIGGER_MAX_WINDOW_NS) {
    a = format_ns (t->window_ns);
    g_set_error (error, FFC_TRIGGER_ERROR, 0,
        "window %s is out of range: more than 0, at most 10 s", a);
    goto fail;
  }
  for (i = 0; i < G_N_ELEMENTS (longest); i++) {
    if (longest[i].value > FFC_TRIGGER_MAX_EVENT_NS) {
      a = format_ns (longest[i].value);
      g_set_error (error, FFC_TRIGGER_ERROR, 0,
          "%s %s is out of range: at most 24 h", longest[i].name, a);
      goto fail;
    }
  }
  if (t->max_event_ns < t->window_ns) {
    a = format_ns (t->max_event_ns);
    b = format_ns (t->window_ns);
    g_set_error (error, FFC_TRIGGER_ERROR, 0,
        "max-event %s is shorter than window %s", a, b);
    goto fail;
  }
  if (t->pre_trigger_ns > t->max_event_ns) {
    a = format_ns (t->pre_trigger_ns);
    b = format_ns (t->max_event_ns);
    g_set_error (error, FFC_TRIGGER_ERROR, 0,
        "pre-trigger %s is longer than max-event %s", a, b);
    goto fail;
  }
  if (t->min_trigger_ns > t->max_event_ns) {
    a = format_ns (t->min_trigger_ns);
    b = format_ns (t->max_event_ns);
    g_set_error (error, FFC_TRIGGER_ERROR, 0,
        "min-trigger %s is longer than max-event %s", a, b);
    goto fail;
  }
  return TRUE;

fail:
  g_free (a);
  g_free (b);
  return FALSE;
}

static guint64
ns_to_frames (guint64 ns, guint rate)
{
  /* nearest frame; ns <= 24 h and rate < 2^32 may overflow 64 bits */
  return (guint64)floor ((gdouble)ns * rate / 1e9 + 0.5);
}

void
ffc_trigger_config_from_times (const FfcTriggerTimes *times, guint rate,
    guint64 window_frames, gdouble threshold_db, FfcTriggerConfig *config)
{
  guint64 min_frames = ns_to_frames (times->min_trigger_ns, rate);

  config->window_frames = MAX (window_frames, 1);
  config->min_windows = (guint)MAX (
      1, (min_frames + config->window_frames - 1) / config->window_frames);
  config->pre_frames = ns_to_frames (times->pre_trigger_ns, rate);
  config->post_frames = ns_to_frames (times->post_trigger_ns, rate);
  config->max_frames = MAX (ns_to_frames (times->max_event_ns, rate),
      MAX (config->pre_frames, config->window_frames));
  config->threshold_db = threshold_db;
}

guint64
ffc_trigger_latency_frames (const FfcTriggerConfig *config)
{
  return config->pre_frames
         + (guint64)config->min_windows * config->window_frames;
}

guint64
ffc_trigger_times_latency_ns (const FfcTriggerTimes *t)
{
  guint64 windows = 1;

  if (t->window_ns > 0 && t->min_trigger_ns > t->window_ns)
    windows = (t->min_trigger_ns + t->window_ns - 1) / t->window_ns;
  return t->pre_trigger_ns + windows * t->window_ns;
}

FfcTrigger *
ffc_trigger_new (const FfcTriggerConfig *config)
{
  FfcTrigger *t = g_new0 (FfcTrigger, 1);

  t->config = *config;
  if (t->config.window_frames == 0)
    t->config.window_frames = 1;
  if (t->config.min_windows == 0)
    t->config.min_windows = 1;
  if (t->config.max_frames == 0)
    t->config.max_frames = G_MAXUINT64;
  t->cores = g_array_new (FALSE, FALSE, sizeof (Interval));
  t->covers = g_array_new (FALSE, FALSE, sizeof (Interval));
  t->levels = g_array_new (FALSE, FALSE, sizeof (Window));
  g_queue_init (&t->ranges);
  return t;
}

void
ffc_trigger_free (FfcTrigger *t)
{
  if (t == NULL)
    return;
  g_array_unref (t->cores);
  g_array_unref (t->covers);
  g_array_unref (t->levels);
  g_queue_clear_full (&t->ranges, g_free);
  g_free (t);
}

/* Adds [start, end) to sorted disjoint intervals whose starts never go
 * back: overlapping or touching the last one extends it. */
static void
add_interval (GArray *a, guint64 start, guint64 end)
{
  if (a->len > 0) {
    Interval *last = &g_array_index (a, Interval, a->len - 1);

    if (start <= last->end) {
      last->end = MAX (last->end, end);
      return;
    }
  }
  g_array_append_val (a, ((Interval){ start, end }));
}

/* The interval of `a` holding `pos`, or NULL; *next_start: the start of the
 * first one after pos (G_MAXUINT64 if none). */
static const Interval *
find (GArray *a, guint64 pos, guint64 *next_start)
{
  guint i;

  *next_start = G_MAXUINT64;
  for (i = 0; i < a->len; i++) {
    const Interval *iv = &g_array_index (a, Interval, i);

    if (pos < iv->start) {
      *next_start = iv->start;
      return NULL;
    }
    if (pos < iv->end)
      return iv;
  }
  return NULL;
}

static void
drop_before (GArray *a, guint64 pos)
{
  guint n = 0;

  while (n < a->len && g_array_index (a, Interval, n).end <= pos)
    n++;
  if (n > 0)
    g_array_remove_range (a, 0, n);
}

/* The loudest analysed window touching [start, end) into the open event */
static void
note_peak (FfcTrigger *t, guint64 start, guint64 end)
{
  guint i;

  for (i = 0; i < t->levels->len; i++) {
    const Window *w = &g_array_index (t->levels, Window, i);

    if (w->start >= end)
      break;
    if (w->end > start && w->level_db > t->event.peak_db) {
      t->event.peak_db = w->level_db;
      t->event.peak_hz = w->peak_hz;
    }
  }
}

static FfcTriggerRange *
emit (FfcTrigger *t, guint64 start, guint64 end, gboolean pass)
{
  FfcTriggerRange *r = g_new0 (FfcTriggerRange, 1);

  r->start = start;
  r->end = end;
  r->pass = pass;
  if (pass) {
    r->event_start = !t->event_started;
    t->event_started = TRUE;
    note_peak (t, start, end);
  }
  g_queue_push_tail (&t->ranges, r);
  t->decided = end;
  return r;
}

static void
close_event (FfcTrigger *t, FfcTriggerRange *last, gboolean cut)
{
  t->event.end = last->end;
  t->event.cut = cut;
  last->event_end = TRUE;
  last->event = t->event;
  t->in_event = FALSE;
}

/* Decides the samples up to `front`. */
static void
release (FfcTrigger *t, guint64 front)
{
  while (t->decided < front) {
    guint64 p = t->decided, next_core;

    if (!t->in_event) {
      if (find (t->cores, p, &next_core) != NULL) {
        t->in_event = TRUE;
        t->event_started = FALSE;
        t->event = (FfcTriggerEvent){ p, p, -INFINITY, NAN, FALSE };
        continue;
      }
      emit (t, p, MIN (front, next_core), FALSE);
    } else {
      guint64 next_cover, cut = t->event.start + t->config.max_frames;
      const Interval *cover = find (t->covers, p, &next_cover);
      guint64 limit = MIN (front, cut);
      FfcTriggerRange *r;

      if (cover == NULL) {
        /* the cover ended exactly at the previous front and no trigger
         * came to continue it: the event ended there */
        close_event (t, emit (t, p, p, TRUE), FALSE);
        continue;
      }
      limit = MIN (limit, cover->end);
      r = emit (t, p, limit, TRUE);
      if (limit == cut)
        close_event (t, r, TRUE);
      else if (limit == cover->end && (limit < front || t->finished))
        close_event (t, r, FALSE);
      /* at the front a trigger yet to come may still touch the cover */
    }
  }
  drop_before (t->cores, t->decided);
  drop_before (t->covers, t->decided);
  {
    guint n = 0;

    while (n < t->levels->len
           && g_array_index (t->levels, Window, n).end <= t->decided)
      n++;
    if (n > 0)
      g_array_remove_range (t->levels, 0, n);
  }
}

void
ffc_trigger_window (FfcTrigger *t, gdouble level_db, gdouble peak_hz)
{
  const FfcTriggerConfig *c = &t->config;
  guint64 start = t->windows * c->window_frames;
  guint64 end = start + c->window_frames;
  guint64 hold =
      c->pre_frames + (guint64)(c->min_windows - 1) * c->window_frames;

  g_return_if_fail (!t->finished);
  t->windows++;
  g_array_append_val (t->levels, ((Window){ start, end, level_db, peak_hz }));
  if (level_db > c->threshold_db) {
    if (t->run_len == 0)
      t->run_first = start;
    if (t->run_len < G_MAXUINT)
      t->run_len++;
  } else {
    t->run_len = 0;
  }
  if (t->run_len >= c->min_windows) {
    guint64 from =
        t->run_first > c->pre_frames ? t->run_first - c->pre_frames : 0;

    add_interval (t->cores, from, end);
    add_interval (t->covers, from, end + c->post_frames);
  }
  release (t, end > hold ? end - hold : 0);
}

void
ffc_trigger_set_threshold (FfcTrigger *t, gdouble threshold_db)
{
  t->config.threshold_db = threshold_db;
}

gboolean
ffc_trigger_setup (const FfcTriggerTimes *times, gdouble threshold_db,
    FfcBandConfig *bc, FfcBand **band, FfcTrigger **trigger,
    FfcTriggerConfig *config, GError **error)
{
  bc->window_frames = ffc_band_window_frames (times->window_ns, bc->rate);
  *band = ffc_band_new (bc, error);
  if (*band == NULL)
    return FALSE;
  ffc_trigger_config_from_times (
      times, bc->rate, bc->window_frames, threshold_db, config);
  *trigger = ffc_trigger_new (config);
  return TRUE;
}

guint
ffc_trigger_feed_band (FfcTrigger *t, FfcBand *band, gdouble threshold_db,
    const guint8 *data, gsize frames, gsize bpf, gdouble *level_db)
{
  gsize done = 0;
  guint windows = 0;

  ffc_trigger_set_threshold (t, threshold_db);
  /* a peak below the threshold is not looked for, and windows that cannot
   * reach it need no FFT */
  ffc_band_set_peak_floor (band, threshold_db);
  ffc_band_set_skip_below (band, threshold_db);
  while (done < frames) {
    FfcBandLevel level;
    gboolean window_done;

    done += ffc_band_feed (
        band, data + done * bpf, frames - done, &window_done, &level);
    if (window_done) {
      *level_db = level.level_db;
      ffc_trigger_window (t, level.level_db, level.peak_hz);
      windows++;
    }
  }
  return windows;
}

void
ffc_trigger_finish (FfcTrigger *t, guint64 total)
{
  g_return_if_fail (!t->finished);
  t->finished = TRUE;
  if (total < t->decided)
    total = t->decided;
  release (t, total);
  if (t->in_event) {
    /* the event ends with the stream: on its last range, or, when that was
     * popped already, on an empty one */
    FfcTriggerRange *r = g_queue_peek_tail (&t->ranges);

    if (r == NULL || !r->pass || r->end != total)
      r = emit (t, total, total, TRUE);
    close_event (t, r, FALSE);
  }
}

gboolean
ffc_trigger_pop (FfcTrigger *t, FfcTriggerRange *range)
{
  FfcTriggerRange *r = g_queue_pop_head (&t->ranges);

  if (r == NULL)
    return FALSE;
  *range = *r;
  g_free (r);
  return TRUE;
}

gboolean
ffc_trigger_pop_merged (FfcTrigger *t, FfcTriggerRange *range)
{
  FfcTriggerRange *next;

  if (!ffc_trigger_pop (t, range))
    return FALSE;
  while ((next = g_queue_peek_head (&t->ranges)) != NULL
         && next->pass == range->pass && !range->event_end
         && !next->event_start) {
    range->end = next->end;
    range->event_end = next->event_end;
    range->event = next->event;
    g_free (g_queue_pop_head (&t->ranges));
  }
  return TRUE;
}

guint64
ffc_trigger_decided (const FfcTrigger *t)
{
  return t->decided;
}
