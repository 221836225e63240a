/* Unit tests: the triggered-event state machine, from window decisions to
 * exact sample ranges, without a pipeline. */
#include <math.h>
#include <string.h>

#include "ffc-trigger.h"

#define LOUD 0.0
#define QUIET (-100.0)

typedef struct {
  guint64 start, end;
  gboolean cut;
  gdouble peak_db;
} Ev;

typedef struct {
  GArray *events; /* Ev */
  guint64 passed, withheld, total;
} Result;

/* Feeds `pattern` ('#' a window above the threshold, '.' one below, '0'-'9'
 * a window at -10·digit dB) then finishes at `total` samples (0: the
 * windows' end); checks that the ranges tile [0, total) in order, that
 * events open and close in pairs, and collects the events. */
static Result
run (const FfcTriggerConfig *config, const gchar *pattern, guint64 total)
{
  FfcTrigger *t = ffc_trigger_new (config);
  FfcTriggerRange r;
  Result res = { g_array_new (FALSE, FALSE, sizeof (Ev)), 0, 0, 0 };
  guint64 next = 0, open_start = 0;
  gboolean open = FALSE;
  gsize i, n = strlen (pattern);

  if (total == 0)
    total = n * config->window_frames;
  for (i = 0; i <= n; i++) {
    if (i < n) {
      gdouble level = pattern[i] == '#'   ? LOUD
                      : pattern[i] == '.' ? QUIET
                                          : -10.0 * (pattern[i] - '0');
      ffc_trigger_window (t, level, 1000.0 * (i + 1));
    } else {
      ffc_trigger_finish (t, total);
    }
    while (ffc_trigger_pop (t, &r)) {
      g_assert_cmpuint (r.start, ==, next);
      g_assert_cmpuint (r.end, >=, r.start);
      next = r.end;
      if (r.pass) {
        res.passed += r.end - r.start;
        if (r.event_start) {
          g_assert_false (open);
          open = TRUE;
          open_start = r.start;
        }
        g_assert_true (open);
        if (r.event_end) {
          Ev ev = { r.event.start, r.event.end, r.event.cut, r.event.peak_db };

          g_assert_cmpuint (r.event.start, ==, open_start);
          g_assert_cmpuint (r.event.end, ==, r.end);
          g_array_append_val (res.events, ev);
          open = FALSE;
        }
      } else {
        g_assert_false (open);
        g_assert_false (r.event_start || r.event_end);
        g_assert_cmpuint (r.end, >, r.start);
        res.withheld += r.end - r.start;
      }
    }
  }
  g_assert_false (open);
  g_assert_cmpuint (next, ==, total);
  g_assert_cmpuint (ffc_trigger_decided (t), ==, total);
  res.total = total;
  /* nothing silently lost */
  g_assert_cmpuint (res.passed + res.withheld, ==, total);
  ffc_trigger_free (t);
  return res;
}

static void
assert_events (Result *res, const guint64 *bounds, guint n_events)
{
  guint i;

  g_assert_cmpuint (res->events->len, ==, n_events);
  for (i = 0; i < n_events; i++) {
    Ev *ev = &g_array_index (res->events, Ev, i);

    g_assert_cmpuint (ev->start, ==, bounds[2 * i]);
    g_assert_cmpuint (ev->end, ==, bounds[2 * i + 1]);
  }
  g_array_unref (res->events);
}

/* W 10, P 25, Q 30, max-event 1000, one window */
static const FfcTriggerConfig base = { 10, 1, 25, 30, 1000, -40.0 };

static void
test_quiet_never_triggers (void)
{
  Result res = run (&base, "..................................", 0);

  g_assert_cmpuint (res.passed, ==, 0);
  g_assert_cmpuint (res.withheld, ==, 340);
  assert_events (&res, NULL, 0);
}

static void
test_threshold_is_exceeded_not_reached (void)
{
  FfcTriggerConfig c = base;
  Result res;

  /* '4' is -40 dB: at the threshold, not above it */
  c.threshold_db = -40.0;
  res = run (&c, "....4..............", 0);
  assert_events (&res, NULL, 0);
  c.threshold_db = -40.5;
  res = run (&c, "....4..............", 0);
  assert_events (&res, (guint64[]){ 15, 80 }, 1);
}

static void
test_one_burst_pre_and_post (void)
{
  /* windows 10 and 11: samples [100, 120); pre 25 before, post 30 after */
  Result res = run (&base, "..........##....................", 0);

  assert_events (&res, (guint64[]){ 75, 150 }, 1);
  g_assert_cmpuint (res.passed, ==, 75);
}

static void
test_trigger_at_the_start_is_not_invented (void)
{
  /* window 1: its pre-trigger would start at -15; the event starts at 0 */
  Result res = run (&base, ".#..........", 0);

  assert_events (&res, (guint64[]){ 0, 50 }, 1);
  res = run (&base, "#...........", 0);
  assert_events (&res, (guint64[]){ 0, 40 }, 1);
}

static void
test_overlapping_triggers_merge (void)
{
  /* window 5: [25, 90); window 9: its pre-trigger [65, ...) overlaps: one
   * event [25, 130) */
  Result res = run (&base, ".....#...#..................", 0);

  assert_events (&res, (guint64[]){ 25, 130 }, 1);
  /* touching: window 5's cover ends at 90, window 11's pre-trigger starts
   * at 85 — still one; window 12's at 95: two events */
  res = run (&base, ".....#.....#..................", 0);
  assert_events (&res, (guint64[]){ 25, 150 }, 1);
  res = run (&base, ".....#......#..................", 0);
  assert_events (&res, (guint64[]){ 25, 90, 95, 160 }, 2);
}

static void
test_separate_bursts (void)
{
  Result res = run (&base, ".....#..............#...............", 0);

  assert_events (&res, (guint64[]){ 25, 90, 175, 240 }, 2);
}

static void
test_post_trigger_extends (void)
{
  /* a trigger inside the post window moves the end */
  Result res = run (&base, ".....#.#.#.#....................", 0);

  assert_events (&res, (guint64[]){ 25, 150 }, 1);
}

static void
test_max_event_cuts_and_restarts (void)
{
  FfcTriggerConfig c = base;
  Result res;

  c.max_frames = 100;
  /* windows 5..30 loud: core [25, 310), cover [25, 340); cut at 125 and
   * 225 while the trigger fires; at 325 only the post-trigger is left:
   * withheld */
  res = run (&c, ".....##########################..............", 0);
  g_assert_cmpuint (res.events->len, ==, 3);
  g_assert_true (g_array_index (res.events, Ev, 0).cut);
  g_assert_true (g_array_index (res.events, Ev, 2).cut);
  assert_events (&res, (guint64[]){ 25, 125, 125, 225, 225, 325 }, 3);

  /* a cut inside the post-trigger: the next event starts at the next
   * trigger's pre-trigger */
  c.max_frames = 50;
  res = run (&c, ".....#.......#..............", 0);
  /* window 5: [25, 75) cut at 75; window 13: from its pre-trigger at 105,
   * cut at 155 in its post-trigger */
  assert_events (&res, (guint64[]){ 25, 75, 105, 155 }, 2);
}

static void
test_min_trigger (void)
{
  FfcTriggerConfig c = base;
  Result res;

  c.min_windows = 3;
  /* runs of one and two windows never trigger */
  res = run (&c, "...#...##....#.##......", 0);
  assert_events (&res, NULL, 0);
  /* a run of three: pre-trigger before its first window, post after its
   * last */
  res = run (&c, "..........###.............", 0);
  assert_events (&res, (guint64[]){ 75, 160 }, 1);
  /* a run of five extends to its end */
  res = run (&c, "..........#####.............", 0);
  assert_events (&res, (guint64[]){ 75, 180 }, 1);
}

static void
test_event_open_at_the_end (void)
{
  /* windows 27..29 loud, stream of 300: the event goes to the end */
  Result res = run (&base, "...........................###", 0);

  assert_events (&res, (guint64[]){ 245, 300 }, 1);
  /* a partial window at the end belongs to the open event */
  res = run (&base, "...........................###", 305);
  assert_events (&res, (guint64[]){ 245, 305 }, 1);
  /* and to nothing when none is open */
  res = run (&base, "#.............", 145);
  assert_events (&res, (guint64[]){ 0, 40 }, 1);
  g_assert_cmpuint (res.withheld, ==, 105);
}

static void
test_decided_lags_by_the_latency (void)
{
  FfcTriggerConfig c = base;
  FfcTrigger *t;
  guint64 hold;
  guint i;

  c.min_windows = 2;
  hold = c.pre_frames + c.window_frames; /* P + (M - 1)·W */
  g_assert_cmpuint (ffc_trigger_latency_frames (&c), ==, 25 + 20);
  t = ffc_trigger_new (&c);
  for (i = 0; i < 40; i++) {
    guint64 end = (i + 1) * c.window_frames;
    FfcTriggerRange r;

    ffc_trigger_window (t, (i % 7 == 3 || i % 7 == 4) ? LOUD : QUIET, NAN);
    g_assert_cmpuint (ffc_trigger_decided (t), ==, end > hold ? end - hold : 0);
    while (ffc_trigger_pop (t, &r))
      ;
  }
  ffc_trigger_free (t);
}

static void
test_peak_of_the_event (void)
{
  Result res = run (&base, "......3#1..........3.....", 0);

  g_assert_cmpuint (res.events->len, ==, 2);
  g_assert_cmpfloat (g_array_index (res.events, Ev, 0).peak_db, ==, 0.0);
  g_assert_cmpfloat (g_array_index (res.events, Ev, 1).peak_db, ==, -30.0);
  g_array_unref (res.events);
}

/* The model, sample by sample (see ffc-trigger.c). */
static GArray *
reference (const FfcTriggerConfig *c, const gboolean *loud, guint windows,
    guint64 total)
{
  GArray *events = g_array_new (FALSE, FALSE, sizeof (Ev));
  guint8 *core = g_new0 (guint8, total + 1),
         *cover = g_new0 (guint8, total + 1);
  guint run_len = 0;
  guint64 run_first = 0, p, start = 0;
  gboolean in_event = FALSE;

  for (guint k = 0; k < windows; k++) {
    guint64 a = k * c->window_frames, b = a + c->window_frames;

    if (loud[k]) {
      if (run_len++ == 0)
        run_first = a;
    } else {
      run_len = 0;
    }
    if (run_len >= c->min_windows) {
      guint64 from = run_first > c->pre_frames ? run_first - c->pre_frames : 0;

      for (p = from; p < b && p < total; p++)
        core[p] = 1;
      for (p = from; p < b + c->post_frames && p < total; p++)
        cover[p] = 1;
    }
  }
  for (p = 0; p <= total; p++) {
    if (in_event && (p == total || !cover[p] || p - start == c->max_frames)) {
      Ev ev = { start, p, p - start == c->max_frames, 0 };

      g_array_append_val (events, ev);
      in_event = FALSE;
    }
    if (!in_event && p < total && core[p]) {
      in_event = TRUE;
      start = p;
    }
  }
  g_free (core);
  g_free (cover);
  return events;
}

static void
test_random_against_the_model (void)
{
  GRand *rand = g_rand_new_with_seed (17);

  for (guint round = 0; round < 2000; round++) {
    FfcTriggerConfig c;
    guint windows = g_rand_int_range (rand, 1, 200), k;
    gchar *pattern = g_new0 (gchar, windows + 1);
    gboolean *loud = g_new0 (gboolean, windows);
    gdouble density = g_rand_double_range (rand, 0.02, 0.6);
    guint64 total;
    GArray *expect;
    Result res;

    c.window_frames = g_rand_int_range (rand, 1, 20);
    c.min_windows = g_rand_int_range (rand, 1, 4);
    c.pre_frames = g_rand_int_range (rand, 0, 80);
    c.post_frames = g_rand_int_range (rand, 0, 80);
    c.max_frames =
        MAX (c.pre_frames, c.window_frames) + g_rand_int_range (rand, 0, 300);
    c.threshold_db = -40;
    for (k = 0; k < windows; k++) {
      loud[k] = g_rand_double (rand) < density;
      pattern[k] = loud[k] ? '#' : '.';
    }
    total =
        windows * c.window_frames + g_rand_int_range (rand, 0, c.window_frames);
    expect = reference (&c, loud, windows, total);
    res = run (&c, pattern, total);
    if (res.events->len != expect->len)
      g_error ("round %u: %u events, the model %u (pattern %s)", round,
          res.events->len, expect->len, pattern);
    for (k = 0; k < expect->len; k++) {
      Ev *a = &g_array_index (res.events, Ev, k);
      Ev *b = &g_array_index (expect, Ev, k);

      if (a->start != b->start || a->end != b->end || a->cut != b->cut)
        g_error ("round %u event %u: [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                 ") cut %d, the model [%" G_GUINT64_FORMAT
                 ", %" G_GUINT64_FORMAT ") cut %d",
            round, k, a->start, a->end, a->cut, b->start, b->end, b->cut);
      g_assert_cmpuint (a->end - a->start, <=, c.max_frames);
    }
    g_array_unref (expect);
    g_array_unref (res.events);
    g_free (pattern);
    g_free (loud);
  }
  g_rand_free (rand);
}

static void
test_times_check (void)
{
  FfcTriggerTimes ok = { 10000000, 0, 1000000000, 2000000000, 60000000000 };
  FfcTriggerTimes t;
  GError *error = NULL;

  g_assert_true (ffc_trigger_times_check (&ok, &error));
  g_assert_no_error (error);

  t = ok;
  t.pre_trigger_ns = 61000000000;
  g_assert_false (ffc_trigger_times_check (&t, &error));
  g_assert_nonnull (strstr (error->message, "pre-trigger 61000000000 ns"));
  g_assert_nonnull (strstr (error->message, "max-event"));
  g_clear_error (&error);

  t = ok;
  t.window_ns = 0;
  g_assert_false (ffc_trigger_times_check (&t, &error));
  g_assert_nonnull (strstr (error->message, "window 0 ns"));
  g_clear_error (&error);

  t = ok;
  t.max_event_ns = 5000000;
  t.pre_trigger_ns = 0;
  g_assert_false (ffc_trigger_times_check (&t, &error));
  g_assert_nonnull (strstr (error->message, "max-event 5000000 ns"));
  g_clear_error (&error);

  t = ok;
  t.min_trigger_ns = 61000000000;
  g_assert_false (ffc_trigger_times_check (&t, &error));
  g_assert_nonnull (strstr (error->message, "min-trigger"));
  g_clear_error (&error);

  t = ok;
  t.post_trigger_ns = G_MAXUINT64;
  g_assert_false (ffc_trigger_times_check (&t, &error));
  g_assert_nonnull (strstr (error->message, "post-trigger"));
  g_clear_error (&error);
}

static void
test_config_from_times (void)
{
  FfcTriggerTimes t = { 10000000, 25000000, 1000000000, 2000000000,
    60000000000 };
  FfcTriggerConfig c;

  ffc_trigger_config_from_times (&t, 384000, 3840, -40, &c);
  g_assert_cmpuint (c.window_frames, ==, 3840);
  /* 25 ms is 2.5 windows: three */
  g_assert_cmpuint (c.min_windows, ==, 3);
  g_assert_cmpuint (c.pre_frames, ==, 384000);
  g_assert_cmpuint (c.post_frames, ==, 768000);
  g_assert_cmpuint (c.max_frames, ==, 23040000);
  g_assert_cmpuint (ffc_trigger_latency_frames (&c), ==, 384000 + 3 * 3840);
  /* min-trigger 0: one window */
  t.min_trigger_ns = 0;
  ffc_trigger_config_from_times (&t, 384000, 3840, -40, &c);
  g_assert_cmpuint (c.min_windows, ==, 1);
}

static void
test_times_latency_ns (void)
{
  FfcTriggerTimes t = { 10000000, 25000000, 1000000000, 2000000000,
    60000000000 };
  FfcTriggerConfig c;

  /* 25 ms is 2.5 windows of 10 ms: three, after a second of pre-trigger */
  g_assert_cmpuint (ffc_trigger_times_latency_ns (&t), ==, 1030000000);
  /* the same as the frames once a rate is known (windows of whole ms) */
  ffc_trigger_config_from_times (&t, 48000, 480, -40, &c);
  g_assert_cmpuint (ffc_trigger_latency_frames (&c) * 1000000000 / 48000, ==,
      ffc_trigger_times_latency_ns (&t));
  /* min-trigger 0, or one window or less: one window */
  t.min_trigger_ns = 0;
  g_assert_cmpuint (ffc_trigger_times_latency_ns (&t), ==, 1010000000);
  t.min_trigger_ns = 10000000;
  g_assert_cmpuint (ffc_trigger_times_latency_ns (&t), ==, 1010000000);
  t.min_trigger_ns = 10000001;
  g_assert_cmpuint (ffc_trigger_times_latency_ns (&t), ==, 1020000000);
  t.pre_trigger_ns = 0;
  g_assert_cmpuint (ffc_trigger_times_latency_ns (&t), ==, 20000000);
}

/* Feeds `pattern` as run () does, all of it, then finishes; the merged
 * ranges in `out` (start, end, pass, event_start, event_end per range). */
static guint
merged (const FfcTriggerConfig *config, const gchar *pattern, guint64 *out,
    guint max)
{
  FfcTrigger *t = ffc_trigger_new (config);
  FfcTriggerRange r;
  guint n = 0, i;

  for (i = 0; pattern[i] != '\0'; i++)
    ffc_trigger_window (t, pattern[i] == '#' ? LOUD : QUIET, 1000.0);
  ffc_trigger_finish (t, i * config->window_frames);
  while (ffc_trigger_pop_merged (t, &r)) {
    g_assert_cmpuint (n, <, max);
    out[5 * n] = r.start;
    out[5 * n + 1] = r.end;
    out[5 * n + 2] = r.pass;
    out[5 * n + 3] = r.event_start;
    out[5 * n + 4] = r.event_end;
    if (r.event_end) {
      g_assert_true (r.pass);
      g_assert_cmpuint (r.event.end, ==, r.end);
    }
    n++;
  }
  ffc_trigger_free (t);
  return n;
}

static void
test_pop_merged (void)
{
  FfcTriggerConfig c = base;
  guint64 got[5 * 8];
  /* window 4 triggers: the event [40 - 25, 50 + 30), in three ranges */
  const guint64 one[] = { 0, 15, 0, 0, 0, 15, 80, 1, 1, 1, 80, 110, 0, 0, 0 };
  /* max-event 40 cuts a long trigger: events that touch do not merge */
  const guint64 cut[] = { 0, 40, 1, 1, 1, 40, 80, 1, 1, 1, 80, 90, 1, 1, 1 };
  FfcTrigger *t;
  FfcTriggerRange r, m;
  guint i, popped = 0;

  g_assert_cmpuint (merged (&c, "....#......", got, 8), ==, 3);
  g_assert_cmpmem (got, sizeof one, one, sizeof one);
  c.max_frames = 40;
  g_assert_cmpuint (merged (&c, "#########", got, 8), ==, 3);
  g_assert_cmpmem (got, sizeof cut, cut, sizeof cut);

  /* without merging the same is many ranges, window by window */
  c = base;
  t = ffc_trigger_new (&c);
  for (i = 0; i < 11; i++)
    ffc_trigger_window (t, i == 4 ? LOUD : QUIET, 1000.0);
  ffc_trigger_finish (t, 110);
  while (ffc_trigger_pop (t, &r))
    popped++;
  g_assert_cmpuint (popped, >, 3);
  /* nothing waiting: FALSE, the range untouched */
  memset (&m, 0x5a, sizeof m);
  g_assert_false (ffc_trigger_pop_merged (t, &m));
  g_assert_cmpuint (m.start, ==, G_GUINT64_CONSTANT (0x5a5a5a5a5a5a5a5a));
  ffc_trigger_free (t);
}

/* 40 windows of 16 frames at 1 kHz, S16 mono: a tone of 1/2 full scale in
 * windows 10 to 12 and 30, silence elsewhere */
static gint16 *
tone_bursts (gsize *frames)
{
  gint16 *pcm = g_new0 (gint16, 40 * 16);
  guint i;

  for (i = 0; i < 40 * 16; i++) {
    guint w = i / 16;

    if ((w >= 10 && w <= 12) || w == 30)
      pcm[i] = (gint16)(16384 * sin (2 * G_PI * 250 * i / 1000.0));
  }
  *frames = 40 * 16;
  return pcm;
}

/* The ranges of a trigger, popped after finishing at `total`. */
static GArray *
ranges_of (FfcTrigger *t, guint64 total)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (FfcTriggerRange));
  FfcTriggerRange r;

  ffc_trigger_finish (t, total);
  while (ffc_trigger_pop_merged (t, &r))
    g_array_append_val (a, r);
  return a;
}

static void
test_feed_band (void)
{
  const FfcBandConfig bc = { FFC_BAND_S16, 1000, 1, 16, 0, 0 };
  FfcTriggerConfig c = { 16, 1, 20, 30, 100000, -40.0 };
  FfcBand *band = ffc_band_new (&bc, NULL),
          *ref_band = ffc_band_new (&bc, NULL);
  FfcTrigger *t = ffc_trigger_new (&c), *ref = ffc_trigger_new (&c);
  gsize frames, done;
  gint16 *pcm = tone_bursts (&frames);
  gdouble level = 1.0, last = 0;
  guint windows = 0, n;
  GArray *got, *want;

  /* the reference: window by window, by hand */
  for (done = 0; done < frames;) {
    FfcBandLevel l;
    gboolean window_done;

    done += ffc_band_feed (ref_band, (const guint8 *)(pcm + done),
        frames - done, &window_done, &l);
    if (window_done) {
      ffc_trigger_window (ref, l.level_db, l.peak_hz);
      last = l.level_db;
    }
  }
  /* in pieces of 7 frames, across the windows */
  for (done = 0; done < frames; done += n) {
    gdouble before = level;
    guint w;

    n = MIN (7, frames - done);
    w = ffc_trigger_feed_band (
        t, band, -40.0, (const guint8 *)(pcm + done), n, 2, &level);
    /* a window ends in these 7 frames when a multiple of 16 is crossed */
    g_assert_cmpuint (w, ==, (done + n) / 16 - done / 16);
    if (w == 0)
      g_assert_cmpfloat (level, ==, before);
    windows += w;
  }
  g_assert_cmpuint (windows, ==, 40);
  g_assert_cmpfloat (level, ==, last);
  got = ranges_of (t, frames);
  want = ranges_of (ref, frames);
  g_assert_cmpuint (got->len, ==, want->len);
  /* withheld, event, withheld, event, withheld */
  g_assert_cmpuint (got->len, ==, 5);
  for (n = 0; n < got->len; n++) {
    FfcTriggerRange *a = &g_array_index (got, FfcTriggerRange, n);
    FfcTriggerRange *b = &g_array_index (want, FfcTriggerRange, n);

    g_assert_cmpuint (a->start, ==, b->start);
    g_assert_cmpuint (a->end, ==, b->end);
    g_assert_cmpint (a->pass, ==, b->pass);
  }
  /* the first event: window 10 less 20 frames to window 12 plus 30 */
  g_assert_cmpuint (g_array_index (got, FfcTriggerRange, 1).start, ==, 140);
  g_assert_cmpuint (g_array_index (got, FfcTriggerRange, 1).end, ==, 238);
  /* the peak frequency is looked for in windows over the threshold: the
   * tone's 250 Hz, within a bin of 62.5 Hz */
  g_assert_cmpfloat (
      fabs (g_array_index (got, FfcTriggerRange, 1).event.peak_hz - 250), <,
      62.5);
  g_array_unref (got);
  g_array_unref (want);
  ffc_trigger_free (t);

  /* the threshold given applies to the windows it completes: above the
   * tone for the first burst, below it from the second on */
  t = ffc_trigger_new (&c);
  ffc_band_reset (band);
  ffc_trigger_feed_band (t, band, 0.0, (const guint8 *)pcm, 20 * 16, 2, &level);
  ffc_trigger_feed_band (
      t, band, -40.0, (const guint8 *)(pcm + 20 * 16), 20 * 16, 2, &level);
  got = ranges_of (t, frames);
  g_assert_cmpuint (got->len, ==, 3);
  g_assert_true (g_array_index (got, FfcTriggerRange, 1).pass);
  g_assert_cmpuint (g_array_index (got, FfcTriggerRange, 1).start, ==, 460);
  g_array_unref (got);
  ffc_trigger_free (t);
  ffc_trigger_free (ref);
  ffc_band_free (band);
  ffc_band_free (ref_band);

  /* band mode, the tone outside the band: a window that cannot reach the
   * threshold is not transformed, its level is the bound shown without
   * an FFT, above the band's true level */
  {
    const FfcBandConfig bbc = { FFC_BAND_S16, 1000, 1, 16, 350, 500 };
    gdouble bound, exact;

    band = ffc_band_new (&bbc, NULL);
    t = ffc_trigger_new (&c);
    ffc_trigger_feed_band (
        t, band, 0.0, (const guint8 *)(pcm + 10 * 16), 16, 2, &bound);
    ffc_trigger_free (t);
    ffc_band_free (band);
    band = ffc_band_new (&bbc, NULL);
    t = ffc_trigger_new (&c);
    ffc_trigger_feed_band (
        t, band, -200.0, (const guint8 *)(pcm + 10 * 16), 16, 2, &exact);
    g_test_message ("bound %.1f dBFS, exact %.1f dBFS", bound, exact);
    g_assert_cmpfloat (bound, <=, 0.0);
    g_assert_cmpfloat (bound, >, exact + 3);
    ffc_trigger_free (t);
    ffc_band_free (band);
  }
  g_free (pcm);
}

static void
test_setup (void)
{
  FfcTriggerTimes t = { 10000000, 25000000, 1000000000, 2000000000,
    60000000000 };
  FfcBandConfig bc = { FFC_BAND_S32, 48000, 2, 0, 15000, 20000 };
  FfcTriggerConfig c, want;
  FfcBand *band = NULL;
  FfcTrigger *trigger = NULL;
  GError *error = NULL;

  g_assert_true (
      ffc_trigger_setup (&t, -30.0, &bc, &band, &trigger, &c, &error));
  g_assert_no_error (error);
  g_assert_nonnull (band);
  g_assert_nonnull (trigger);
  /* the window in frames at the rate, the rest from the times with it */
  g_assert_cmpuint (bc.window_frames, ==, 480);
  ffc_trigger_config_from_times (&t, 48000, 480, -30.0, &want);
  g_assert_cmpuint (c.window_frames, ==, want.window_frames);
  g_assert_cmpuint (c.min_windows, ==, want.min_windows);
  g_assert_cmpuint (c.pre_frames, ==, want.pre_frames);
  g_assert_cmpuint (c.post_frames, ==, want.post_frames);
  g_assert_cmpuint (c.max_frames, ==, want.max_frames);
  g_assert_cmpfloat (c.threshold_db, ==, -30.0);
  g_assert_cmpuint (c.min_windows, ==, 3);
  ffc_band_free (band);
  ffc_trigger_free (trigger);

  /* a band above the Nyquist frequency of the stream: refused, nothing
   * made */
  band = NULL;
  trigger = NULL;
  bc.rate = 32000;
  g_assert_false (
      ffc_trigger_setup (&t, -30.0, &bc, &band, &trigger, &c, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "high-freq"));
  g_assert_null (band);
  g_assert_null (trigger);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trigger/quiet", test_quiet_never_triggers);
  g_test_add_func (
      "/trigger/threshold", test_threshold_is_exceeded_not_reached);
  g_test_add_func ("/trigger/one-burst", test_one_burst_pre_and_post);
  g_test_add_func (
      "/trigger/at-start", test_trigger_at_the_start_is_not_invented);
  g_test_add_func ("/trigger/merge", test_overlapping_triggers_merge);
  g_test_add_func ("/trigger/separate", test_separate_bursts);
  g_test_add_func ("/trigger/post-extends", test_post_trigger_extends);
  g_test_add_func ("/trigger/max-event", test_max_event_cuts_and_restarts);
  g_test_add_func ("/trigger/min-trigger", test_min_trigger);
  g_test_add_func ("/trigger/open-at-end", test_event_open_at_the_end);
  g_test_add_func ("/trigger/latency", test_decided_lags_by_the_latency);
  g_test_add_func ("/trigger/peak", test_peak_of_the_event);
  g_test_add_func ("/trigger/random-model", test_random_against_the_model);
  g_test_add_func ("/trigger/times-check", test_times_check);
  g_test_add_func ("/trigger/config-from-times", test_config_from_times);
  g_test_add_func ("/trigger/times-latency-ns", test_times_latency_ns);
  g_test_add_func ("/trigger/pop-merged", test_pop_merged);
  g_test_add_func ("/trigger/feed-band", test_feed_band);
  g_test_add_func ("/trigger/setup", test_setup);
  return g_test_run ();
}
