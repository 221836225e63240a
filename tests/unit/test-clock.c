/* Unit tests: the time model (drift, wall clock seam, steps). */
#include "ffc-clock.h"

#include <glib/gstdio.h>
#include <math.h>

#define RATE 384000
#define BLOCK 16384 /* ffmpeg's 32 KiB writes of 16-bit mono */

/* The true capture time (µs) of sample n of a device `ppm` fast. */
static gdouble
truth_us (gdouble t0_us, guint64 n, gdouble ppm)
{
  return t0_us + (gdouble)n / (RATE * (1.0 + ppm * 1e-6)) * 1e6;
}

typedef struct {
  gdouble max_error_us;   /* of segment starts, but the run's first */
  gdouble first_error_us; /* of the run's first */
  guint segments;
  guint refs; /* references published */
  gdouble seconds_to_known;
} SimResult;

/* Feeds `seconds` of a device `ppm` fast, in blocks that arrive late by
 * up to 40 ms, and 500 ms once in a while (never early, never out of
 * order), and checks the model's time of the first sample of every
 * `segment_s` segment, as a sink computes it: from the reference in force
 * when the segment opens, or when it closes if that one was not settled. */
static void
check_start (SimResult *r, const FfcDriftRef *ref, gdouble t0_us, gdouble ppm,
    guint64 start)
{
  gint64 model =
      ffc_clock_map ((gint64)ref->mono_us, (gint64)(ref->samples * 1e9 / RATE),
          ref->drift_ppm, (gint64)(start * 1e9 / RATE));

  gdouble error = fabs (model - truth_us (t0_us, start, ppm));

  if (r->first_error_us < 0)
    r->first_error_us = error;
  else
    r->max_error_us = MAX (r->max_error_us, error);
  r->segments++;
}

static SimResult
simulate (FfcDrift *d, guint run, gdouble t0_us, gdouble ppm, gdouble seconds,
    guint segment_s, GRand *rand)
{
  SimResult r = { 0, -1, 0, 0, -1 };
  FfcDriftRef ref = {
    0,
  };
  guint64 seg = (guint64)segment_s * RATE, total = (guint64)(seconds * RATE);
  gint64 last_arrival = 0;
  gboolean open = FALSE, open_settled = FALSE;
  guint64 open_start = 0;

  for (guint64 n0 = 0; n0 < total; n0 += BLOCK) {
    guint64 n1 = n0 + BLOCK;
    gdouble delay = g_rand_double_range (rand, 0, 40000);
    gint64 arrival;

    if (g_rand_int_range (rand, 0, 2000) == 0)
      delay += 500000;
    arrival = MAX ((gint64)(truth_us (t0_us, n1, ppm) + delay), last_arrival);
    last_arrival = arrival;

    if (ffc_drift_add (d, run, n1, arrival)
        && ffc_drift_update_ref (d, n1, ref.run != run, &ref))
      r.refs++;
    if (r.seconds_to_known < 0 && ffc_drift_known (d))
      r.seconds_to_known = (gdouble)n1 / RATE;

    /* a segment ends and the next starts in this block */
    if ((n0 + seg - 1) / seg * seg < n1) {
      guint64 start = (n0 + seg - 1) / seg * seg;

      if (open && !open_settled)
        check_start (&r, &ref, t0_us, ppm, open_start);
      open = TRUE;
      open_start = start;
      open_settled = ref.settled;
      if (open_settled)
        check_start (&r, &ref, t0_us, ppm, start);
    }
  }
  return r;
}

static void
test_drift_24h_within_1ms (void)
{
  GRand *rand = g_rand_new_with_seed (7);
  FfcDrift *d = ffc_drift_new (RATE);
  SimResult r = simulate (d, 0, 1e9, 50.0, 24 * 3600.0, 60, rand);

  g_test_message ("24 h, 50 ppm: %u segments, max error %.0f us (the first "
                  "%.0f us), %u references, known after %.0f s, estimate "
                  "%.4f ppm",
      r.segments, r.max_error_us, r.first_error_us, r.refs, r.seconds_to_known,
      ffc_drift_ppm (d));
  /* every one, the first (named when it closes) included */
  g_assert_cmpuint (r.segments, ==, 24 * 60);
  g_assert_cmpfloat (r.max_error_us, <, 1000.0);
  g_assert_cmpfloat (r.first_error_us, <, 1000.0);
  g_assert_cmpfloat (fabs (ffc_drift_ppm (d) - 50.0), <, 0.1);
  g_assert_cmpfloat (r.seconds_to_known, >=, FFC_DRIFT_KNOWN_S);
  g_assert_cmpfloat (r.seconds_to_known, <, FFC_DRIFT_KNOWN_S + 5);
  /* published when the model moves, not per block or per window */
  g_assert_cmpuint (r.refs, <, 24 * 3600 / FFC_DRIFT_WINDOW_S / 10);
  ffc_drift_free (d);
  g_rand_free (rand);
}

static void
test_drift_slow_device (void)
{
  GRand *rand = g_rand_new_with_seed (11);
  FfcDrift *d = ffc_drift_new (RATE);
  SimResult r = simulate (d, 0, 5e8, -80.0, 2 * 3600.0, 60, rand);

  g_assert_cmpfloat (r.max_error_us, <, 1000.0);
  /* named a minute later, from a slope still a few ppm off */
  g_assert_cmpfloat (r.first_error_us, <, 2000.0);
  g_assert_cmpfloat (fabs (ffc_drift_ppm (d) + 80.0), <, 0.5);
  ffc_drift_free (d);
  g_rand_free (rand);
}

static void
test_drift_kept_across_runs (void)
{
  GRand *rand = g_rand_new_with_seed (3);
  FfcDrift *d = ffc_drift_new (RATE);
  gdouble ppm;

  simulate (d, 0, 1e9, 50.0, 1800.0, 60, rand);
  ppm = ffc_drift_ppm (d);
  g_assert_true (ffc_drift_known (d));
  /* a restarted device, its count from 0 again, 1800 s + 3 s later */
  ffc_drift_add (
      d, 1, BLOCK, (gint64)(truth_us (1e9 + 1803e6, BLOCK, 50.0) + 20000));
  g_assert_true (ffc_drift_known (d));
  g_assert_cmpfloat (fabs (ffc_drift_ppm (d) - ppm), <, 0.5);
  {
    SimResult r = simulate (d, 1, 1e9 + 1803e6, 50.0, 600.0, 60, rand);
    g_assert_cmpfloat (r.max_error_us, <, 1000.0);
  }
  g_assert_cmpfloat (fabs (ffc_drift_ppm (d) - 50.0), <, 0.5);
  ffc_drift_free (d);
  g_rand_free (rand);
}

static void
test_drift_unknown_at_first (void)
{
  FfcDrift *d = ffc_drift_new (48000);
  FfcDriftRef ref = {
    0,
  };
  gdouble t;

  g_assert_false (ffc_drift_capture_time (d, 0, &t));
  g_assert_false (ffc_drift_update_ref (d, 0, TRUE, &ref));
  g_assert_false (ffc_drift_known (d));
  g_assert_cmpfloat (ffc_drift_ppm (d), ==, 0.0);
  /* one chunk: a model already, drift 0, the chunk's arrival */
  g_assert_true (ffc_drift_add (d, 0, 4800, 5000000));
  g_assert_true (ffc_drift_update_ref (d, 4800, FALSE, &ref));
  g_assert_cmpfloat (fabs (ref.mono_us - 5000000), <, 1e-3);
  g_assert_false (ref.known);
  g_assert_cmpfloat (ref.drift_ppm, ==, 0.0);
  /* the same model at the next chunk: nothing to publish */
  ffc_drift_add (d, 0, 9600, 5100000);
  g_assert_false (ffc_drift_update_ref (d, 9600, FALSE, &ref));
  ffc_drift_free (d);
}

/* A chunk that comes before its samples could have been captured moves
 * nothing; a whole window of them moves the line. */
static void
test_drift_early_chunks (void)
{
  FfcDrift *d = ffc_drift_new (48000);
  FfcDriftRef ref = {
    0,
  };
  gint64 t0 = 1000000;
  guint64 n = 0;
  gdouble t;

  /* 10 s of 1024-sample chunks, 2 ms late */
  for (; n < 480000; n += 1024)
    ffc_drift_add (d, 0, n + 1024, t0 + (n + 1024) * 1000000 / 48000 + 2000);
  g_assert_true (ffc_drift_update_ref (d, n, TRUE, &ref));
  /* one chunk 500 ms early (-re after a jump of ffmpeg's timestamps) */
  ffc_drift_add (d, 0, n + 1024, t0 + (n + 1024) * 1000000 / 48000 - 500000);
  n += 1024;
  g_assert_true (ffc_drift_capture_time (d, n, &t));
  g_assert_cmpfloat (fabs (t - (t0 + n * 1e6 / 48000 + 2000)), <, 500);
  /* then 4 s of chunks 300 ms earlier than before: the line follows */
  for (guint i = 0; i < 187; i++, n += 1024)
    ffc_drift_add (d, 0, n + 1024, t0 + (n + 1024) * 1000000 / 48000 - 298000);
  g_assert_true (ffc_drift_capture_time (d, n, &t));
  g_assert_cmpfloat (fabs (t - (t0 + n * 1e6 / 48000 - 298000)), <, 500);
  ffc_drift_free (d);
}

static void
test_clock_map (void)
{
  gint64 wall = G_GINT64_CONSTANT (1795488192000000);

  g_assert_cmpint (ffc_clock_map (wall, 0, 0.0, 0), ==, wall);
  g_assert_cmpint (
      ffc_clock_map (wall, 5 * G_GINT64_CONSTANT (1000000000), 0.0, 0), ==,
      wall - 5000000);
  /* an hour of samples of a 50 ppm fast device took 180 ms less */
  g_assert_cmpint (
      ffc_clock_map (wall, 0, 50.0, 3600 * G_GINT64_CONSTANT (1000000000)), ==,
      wall + 3600000000 - 179991);
  /* unknown drift: nominal */
  g_assert_cmpint (
      ffc_clock_map (wall, 0, NAN, 1000000000), ==, wall + 1000000);
}

static void
test_step_detector (void)
{
  FfcStepDetector d;
  gint64 mono = 1000000, wall = G_GINT64_CONSTANT (1795488192000000), step = 0;

  ffc_step_detector_init (&d);
  g_assert_false (ffc_step_detector_feed (&d, mono, wall, &step));
  /* NTP slewing at its fastest (500 ppm) for 100 s is no step */
  for (guint i = 0; i < 100; i++) {
    mono += 1000000;
    wall += 1000500;
    g_assert_false (ffc_step_detector_feed (&d, mono, wall, &step));
  }
  /* nor is a pause of an hour with slewing */
  mono += 3600000000;
  wall += 3601800000;
  g_assert_false (ffc_step_detector_feed (&d, mono, wall, &step));
  /* a step of 5 s forward, then of 20 ms back: each reported once, when
   * the next reading confirms it, with its size */
  mono += 200000;
  wall += 5200000;
  g_assert_false (ffc_step_detector_feed (&d, mono, wall, &step));
  mono += 200000;
  wall += 200000;
  g_assert_true (ffc_step_detector_feed (&d, mono, wall, &step));
  g_assert_cmpint (step, ==, 5000000);
  mono += 200000;
  wall += 200000;
  g_assert_false (ffc_step_detector_feed (&d, mono, wall, &step));
  mono += 200000;
  wall += 180000;
  g_assert_false (ffc_step_detector_feed (&d, mono, wall, &step));
  mono += 200000;
  wall += 200000;
  g_assert_true (ffc_step_detector_feed (&d, mono, wall, &step));
  g_assert_cmpint (step, ==, -20000);
  for (guint i = 0; i < 10; i++) {
    mono += 200000;
    wall += 200000;
    g_assert_false (ffc_step_detector_feed (&d, mono, wall, &step));
  }
}

/* One reading displaced by 13.2 ms (the thread preempted between reading
 * the monotonic and the wall clock) and the next one back in line: no
 * step, neither +13.2 ms nor -13.2 ms (issue 13, item 7). */
static void
test_step_detector_single_displaced_reading (void)
{
  FfcStepDetector d;
  gint64 mono = 1000000, wall = G_GINT64_CONSTANT (1795488192000000), step = 0;

  ffc_step_detector_init (&d);
  g_assert_false (ffc_step_detector_feed (&d, mono, wall, &step));
  for (guint i = 0; i < 50; i++) {
    mono += 40000;
    wall += 40000;
    /* every tenth reading's wall time is late */
    g_assert_false (ffc_step_detector_feed (
        &d, mono, wall + (i % 10 == 5 ? 13200 : 0), &step));
  }
  /* or early */
  mono += 40000;
  wall += 40000;
  g_assert_false (ffc_step_detector_feed (&d, mono, wall - 13200, &step));
  mono += 40000;
  wall += 40000;
  g_assert_false (ffc_step_detector_feed (&d, mono, wall, &step));
  /* a displaced reading right before a real step: the step is reported,
   * once, with its own size */
  mono += 40000;
  wall += 40000;
  g_assert_false (ffc_step_detector_feed (&d, mono, wall + 13200, &step));
  mono += 40000;
  wall += 40000 + 5000000;
  g_assert_false (ffc_step_detector_feed (&d, mono, wall, &step));
  mono += 40000;
  wall += 40000;
  g_assert_true (ffc_step_detector_feed (&d, mono, wall, &step));
  g_assert_cmpint (step, ==, 5000000);
  mono += 40000;
  wall += 40000;
  g_assert_false (ffc_step_detector_feed (&d, mono, wall, &step));
}

/* A fake pair of clocks: both advance by `tick` per read, and reading the
 * monotonic clock takes `delay` more on the reads listed (a preemption). */
typedef struct {
  gint64 mono, wall;
  guint reads;
  guint delayed_read; /* the monotonic read that is preempted; 0 = none */
  gint64 delay_us;
} FakeClocks;

static gint64
fake_mono (gpointer data)
{
  FakeClocks *f = data;

  f->reads++;
  f->mono += 1;
  f->wall += 1;
  if (f->reads == f->delayed_read) {
    /* preempted after reading: both clocks move on meanwhile */
    gint64 m = f->mono;
    f->mono += f->delay_us;
    f->wall += f->delay_us;
    return m;
  }
  return f->mono;
}

static gint64
fake_wall (gpointer data)
{
  FakeClocks *f = data;

  f->wall += 1;
  f->mono += 1;
  return f->wall;
}

/* A preemption between the two reads of a pair cannot look like a step:
 * the try it widened is dropped for a tight one. */
static void
test_read_pair_with_injected_delay (void)
{
  FakeClocks f = { 1000000, G_GINT64_CONSTANT (1795488192000000), 0, 0, 0 };
  FfcStepDetector d;
  gint64 mono, wall, step = 0, offset = f.wall - f.mono;
  guint steps = 0;

  ffc_clock_set_readers (fake_mono, fake_wall, &f);
  ffc_step_detector_init (&d);
  for (guint i = 0; i < 100; i++) {
    f.mono += 40000;
    f.wall += 40000;
    /* every fourth pair: a 13.2 ms preemption right after reading the
     * monotonic clock, in the first try */
    f.reads = 0;
    f.delayed_read = i % 4 == 2 ? 1 : 0;
    f.delay_us = 13200;
    ffc_clock_read_pair (&mono, &wall);
    g_assert_cmpint (ABS (wall - mono - offset), <=, 2);
    if (ffc_step_detector_feed (&d, mono, wall, &step))
      steps++;
  }
  g_assert_cmpuint (steps, ==, 0);

  /* read plainly (mono, then wall), the preempted pairs were 13.2 ms off:
   * what the detector alone must not take for a step either */
  ffc_step_detector_init (&d);
  for (guint i = 0; i < 100; i++) {
    f.reads = 0;
    f.delayed_read = i % 4 == 2 ? 1 : 0;
    mono = fake_mono (&f);
    wall = fake_wall (&f);
    if (ffc_step_detector_feed (&d, mono, wall, &step))
      steps++;
  }
  g_assert_cmpuint (steps, ==, 0);
  ffc_clock_set_readers (NULL, NULL, NULL);

  /* the real clocks: a pair is consistent to well under a step */
  ffc_clock_read_pair (&mono, &wall);
  g_assert_cmpint (
      ABS (wall - mono - (g_get_real_time () - g_get_monotonic_time ())), <,
      FFC_CLOCK_STEP_MIN_US);
}

static void
test_wall_clock_seam (void)
{
  gchar *dir = g_dir_make_tmp ("ffc-clock-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "offset", NULL);
  gint64 diff;

  g_assert_true (g_file_set_contents (path, "5000000\n", -1, NULL));
  g_setenv (FFC_CLOCK_OFFSET_FILE_ENV, path, TRUE);
  diff = ffc_clock_wall_now () - g_get_real_time ();
  g_assert_cmpint (ABS (diff - 5000000), <, 100000);
  /* a rewritten file counts within the re-read interval */
  g_assert_true (g_file_set_contents (path, "-3000000", -1, NULL));
  g_usleep (FFC_CLOCK_OFFSET_REREAD_US + 50000);
  diff = ffc_clock_wall_now () - g_get_real_time ();
  g_assert_cmpint (ABS (diff + 3000000), <, 100000);
  g_unsetenv (FFC_CLOCK_OFFSET_FILE_ENV);
  diff = ffc_clock_wall_now () - g_get_real_time ();
  g_assert_cmpint (ABS (diff), <, 100000);

  g_setenv (FFC_CLOCK_UNSYNCHRONISED_ENV, "1", TRUE);
  g_assert_false (ffc_clock_synchronised ());
  g_setenv (FFC_CLOCK_UNSYNCHRONISED_ENV, "0", TRUE);
  g_assert_true (ffc_clock_synchronised ());
  g_unsetenv (FFC_CLOCK_UNSYNCHRONISED_ENV);

  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/clock/drift-24h-within-1ms", test_drift_24h_within_1ms);
  g_test_add_func ("/clock/drift-slow-device", test_drift_slow_device);
  g_test_add_func (
      "/clock/drift-kept-across-runs", test_drift_kept_across_runs);
  g_test_add_func (
      "/clock/drift-unknown-at-first", test_drift_unknown_at_first);
  g_test_add_func ("/clock/drift-early-chunks", test_drift_early_chunks);
  g_test_add_func ("/clock/map", test_clock_map);
  g_test_add_func ("/clock/step-detector", test_step_detector);
  g_test_add_func ("/clock/step-detector-single-displaced-reading",
      test_step_detector_single_displaced_reading);
  g_test_add_func ("/clock/read-pair-with-injected-delay",
      test_read_pair_with_injected_delay);
  g_test_add_func ("/clock/wall-clock-seam", test_wall_clock_seam);
  return g_test_run ();
}
