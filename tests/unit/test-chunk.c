/* Unit tests: ffmpegsrc's chunks (ffc-chunk): a chunk of several pipe
 * reads stamps one buffer and feeds the time model once per read, so that
 * however the reads are grouped the model is the same; a chunk captured
 * before PLAYING publishes nothing; a gap's flag is its first read's. The
 * clocks are fakes (ffc_clock_set_readers). The running time of a stamp is
 * its end (a live source's segment starts at 0). */
#include <math.h>

#include "fake-clocks.h"
#include "ffc-chunk.h"

#define RATE 48000
#define READ_FRAMES 480 /* 10 ms: every time below is a whole ns */

static Clocks clocks;

static void
setup (void)
{
  clocks.mono = 1000000000;
  clocks.wall = G_GINT64_CONSTANT (1795488192000000);
  fake_clocks_install (&clocks);
  g_setenv (FFC_CLOCK_UNSYNCHRONISED_ENV, "0", TRUE);
}

static void
teardown (void)
{
  ffc_clock_set_readers (NULL, NULL, NULL);
}

/* The pipe reads of a device 50 ppm fast, arriving up to 2 ms late: read
 * k (from 1) ends at READ_FRAMES * k frames */
static FfcArrival
device_read (guint k)
{
  FfcArrival a;

  a.end = (guint64)READ_FRAMES * k;
  a.arrival_us = 1000000000 + llround (a.end * 1e6 / RATE / (1.0 + 50e-6))
                 + (gint64)((k * 7919) % 2000);
  return a;
}

/* A DATA chunk holding reads[0..n-1], after `run_offset` frames of run 0 */
static FfcItem
chunk_of (FfcArrival *reads, guint n, guint64 run_offset, gboolean after_gap)
{
  FfcItem item = { 0 };

  item.type = FFC_ITEM_DATA;
  item.run = 0;
  item.run_offset = run_offset;
  item.frames = reads[n - 1].end - run_offset;
  item.after_gap = after_gap;
  item.arrivals = reads;
  item.n_arrivals = n;
  item.arrival_us = reads[n - 1].arrival_us;
  /* ffmpeg reported the capture start: the anchor does not depend on how
   * the first chunk is made */
  item.run_start_wall_us = G_GINT64_CONSTANT (1795488192000000);
  return item;
}

/* As ffmpegsrc delivers a chunk: stamped, then fed at its running time */
static gboolean
deliver (FfcChunker *c, const FfcItem *item, const FfcClockNow *now,
    FfcStamp *st, FfcTimekeeperNews *news)
{
  gboolean pushed = ffc_chunker_stamp (c, item, TRUE, RATE, now, st);

  ffc_chunker_feed (
      c, item, st->new_run, TRUE, RATE, pushed ? st->end : -1, news);
  return pushed;
}

static void
assert_same_model (const FfcTimeModel *a, const FfcTimeModel *b)
{
  g_assert_cmpuint (a->running_time_ns, ==, b->running_time_ns);
  g_assert_cmpint (a->wall_us, ==, b->wall_us);
  g_assert_cmpfloat (a->drift_ppm, ==, b->drift_ppm);
  g_assert_cmpint (a->drift_known, ==, b->drift_known);
  g_assert_cmpint (a->settled, ==, b->settled);
  g_assert_cmpint (a->synchronised, ==, b->synchronised);
}

/* 60 s of reads, delivered one chunk each (`single`) and grouped 1 to 5 a
 * chunk (`grouped`), with a dropped stretch and a step of the wall clock:
 * each grouped chunk says what its reads said one by one, the model it
 * publishes is the last one they published, and the drift is the same. */
static void
test_grouped_reads_same_model (void)
{
  static const guint sizes[] = { 1, 3, 5, 2, 4 };
  FfcChunker single = { 0 }, grouped = { 0 };
  FfcClockNow now;
  FfcArrival reads[5];
  guint64 offset = 0;
  guint k = 1, published = 0, steps = 0;
  gint64 wall_offset = clocks.wall - clocks.mono;

  ffc_chunker_start (&single, TRUE);
  ffc_chunker_start (&grouped, TRUE);
  now.clock_now = 10 * G_GINT64_CONSTANT (1000000000);
  now.base_time = 9 * G_GINT64_CONSTANT (1000000000);
  now.mono_us = clocks.mono;
  now.wall_us = G_GINT64_CONSTANT (1795488192000000) + 50000;
  for (guint g = 0; k <= 6000; g++) {
    guint n = sizes[g % G_N_ELEMENTS (sizes)];
    gboolean gap = g == 300, any_publish = FALSE, any_step = FALSE;
    FfcTimekeeperNews news, last = { 0 };
    FfcStamp st, st_one;
    FfcItem item;

    if (gap) /* ten reads dropped in the queue */
      offset = (guint64)READ_FRAMES * (k += 10) - READ_FRAMES;
    if (g == 400) /* the wall clock steps 3 s forward */
      wall_offset += 3000000;
    for (guint i = 0; i < n; i++)
      reads[i] = device_read (k++);
    clocks.mono = reads[n - 1].arrival_us + 500;
    clocks.wall = clocks.mono + wall_offset;

    for (guint i = 0; i < n; i++) {
      FfcItem one = chunk_of (
          &reads[i], 1, i == 0 ? offset : reads[i - 1].end, gap && i == 0);

      g_assert_true (deliver (&single, &one, &now, &st_one, &news));
      any_step |= news.stepped;
      if (news.publish) {
        any_publish = TRUE;
        last = news;
      }
    }
    item = chunk_of (reads, n, offset, gap);
    g_assert_true (deliver (&grouped, &item, &now, &st, &news));
    g_assert_cmpint (st.end, ==, st_one.end);
    g_assert_cmpint (st.discont, ==, gap);
    g_assert_cmpint (news.stepped, ==, any_step);
    if (news.stepped) {
      g_assert_cmpint (news.step_us, ==, 3000000);
      steps++;
    }
    g_assert_cmpint (news.publish, ==, any_publish);
    if (news.publish) {
      assert_same_model (&news.model, &last.model);
      published++;
    }
    offset = reads[n - 1].end;
  }
  g_assert_cmpuint (steps, ==, 1);
  /* the new run, the step, the estimate becoming known, ... */
  g_assert_cmpuint (published, >=, 3);
  g_assert_true (isfinite (ffc_timekeeper_drift_ppm (&grouped.timekeeper)));
  g_assert_cmpfloat (ffc_timekeeper_drift_ppm (&grouped.timekeeper), ==,
      ffc_timekeeper_drift_ppm (&single.timekeeper));
  g_assert_cmpfloat_with_epsilon (
      ffc_timekeeper_drift_ppm (&grouped.timekeeper), 50.0, 5.0);
  ffc_chunker_clear (&single);
  ffc_chunker_clear (&grouped);
}

/* PLAYING came 0.5 s after the capture started: the first 50 chunks of
 * 10 ms (two reads each) have no running time and publish nothing; the
 * first one after carries the run's model, at its own end. */
static void
test_clipped_publishes_nothing (void)
{
  FfcChunker c = { 0 };
  FfcClockNow now;
  FfcTimekeeperNews news;
  FfcStamp st;
  guint chunks = 0;

  ffc_chunker_start (&c, TRUE);
  now.clock_now = 10 * G_GINT64_CONSTANT (1000000000);
  now.base_time = now.clock_now;
  now.mono_us = clocks.mono;
  /* ffmpeg started capturing 0.5 s before now */
  now.wall_us = G_GINT64_CONSTANT (1795488192000000) + 500000;
  for (guint k = 1;; k += 2) {
    FfcArrival reads[2] = { device_read (k), device_read (k + 1) };
    FfcItem item = chunk_of (reads, 2, reads[0].end - READ_FRAMES, FALSE);

    g_assert_true (ffc_chunker_needs_anchor (&c, &item) == (k == 1));
    clocks.mono = reads[1].arrival_us;
    clocks.wall = clocks.mono + G_GINT64_CONSTANT (1795487192000000);
    if (deliver (&c, &item, &now, &st, &news))
      break;
    g_assert_false (news.publish);
    g_assert_cmpint (st.new_run, ==, k == 1);
    chunks++;
  }
  g_assert_cmpuint (chunks, ==, 25);
  g_assert_cmpint (st.pts, ==, 0);
  g_assert_cmpuint (st.skip, ==, 0);
  g_assert_true (news.publish);
  g_assert_cmpuint (news.model.running_time_ns, ==, 10000000);
  ffc_chunker_clear (&c);
}

/* A file or an unpaced source keeps no time: stamped from 0, no news */
static void
test_not_live_keeps_no_time (void)
{
  FfcChunker c = { 0 };
  FfcClockNow now = { -1, 0, 0, 0 };
  FfcTimekeeperNews news;
  FfcStamp st;

  ffc_chunker_start (&c, TRUE);
  for (guint k = 1; k <= 500; k++) {
    FfcArrival read = device_read (k);
    FfcItem item = chunk_of (&read, 1, read.end - READ_FRAMES, FALSE);

    item.run_start_wall_us = -1;
    g_assert_true (ffc_chunker_stamp (&c, &item, FALSE, RATE, &now, &st));
    ffc_chunker_feed (&c, &item, st.new_run, FALSE, RATE, st.end, &news);
    g_assert_false (news.publish);
    g_assert_false (news.stepped);
  }
  g_assert_cmpint (st.end, ==, 5000000000);
  g_assert_true (isnan (ffc_timekeeper_drift_ppm (&c.timekeeper)));
  ffc_chunker_clear (&c);
}

/* Where the drift estimator puts sample 4800 of the run */
static gdouble
capture_time (const FfcChunker *c)
{
  gdouble mono_us = 0;

  g_assert_true (ffc_drift_capture_time (c->timekeeper.drift, 4800, &mono_us));
  return mono_us;
}

/* After a gap, the chunk's first read keeps no time (ffmpeg's timing
 * restarts), its other reads do: a chunk whose first read is 50 ms early
 * and second 30 ms early leaves the model where one read a chunk, the
 * flag on the first, leaves it; counted, the first would move it. */
static void
test_after_gap_first_read (void)
{
  FfcChunker grouped = { 0 }, single = { 0 }, counted = { 0 };
  FfcClockNow now = { 10 * G_GINT64_CONSTANT (1000000000),
    9 * G_GINT64_CONSTANT (1000000000), clocks.mono,
    G_GINT64_CONSTANT (1795488192000000) + 50000 };
  FfcArrival first = device_read (1), reads[3];
  FfcTimekeeperNews news;
  FfcStamp st;
  FfcItem item;

  reads[0] = device_read (2);
  reads[0].arrival_us -= 50000;
  reads[1] = device_read (3);
  reads[1].arrival_us -= 30000;
  reads[2] = device_read (4);
  ffc_chunker_start (&grouped, TRUE);
  ffc_chunker_start (&single, TRUE);
  ffc_chunker_start (&counted, TRUE);
  item = chunk_of (&first, 1, 0, FALSE);
  deliver (&grouped, &item, &now, &st, &news);
  deliver (&single, &item, &now, &st, &news);
  deliver (&counted, &item, &now, &st, &news);

  item = chunk_of (reads, 3, first.end, TRUE);
  deliver (&grouped, &item, &now, &st, &news);
  for (guint i = 0; i < 3; i++) {
    item =
        chunk_of (&reads[i], 1, i == 0 ? first.end : reads[i - 1].end, i == 0);
    deliver (&single, &item, &now, &st, &news);
    item.after_gap = FALSE;
    deliver (&counted, &item, &now, &st, &news);
  }
  g_assert_cmpfloat (capture_time (&grouped), ==, capture_time (&single));
  /* the second read counted: 30 ms earlier than on time */
  g_assert_cmpfloat_with_epsilon (capture_time (&grouped),
      1000000000 + 100000 / (1.0 + 50e-6) - 30000, 2100);
  /* the first, had it counted: 20 ms more */
  g_assert_cmpfloat_with_epsilon (
      capture_time (&grouped) - capture_time (&counted), 20000, 500);
  ffc_chunker_clear (&grouped);
  ffc_chunker_clear (&single);
  ffc_chunker_clear (&counted);
}

static void
add (const gchar *path, GTestFunc func)
{
  g_test_add_vtable (path, 0, NULL, (GTestFixtureFunc)setup,
      (GTestFixtureFunc)func, (GTestFixtureFunc)teardown);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  add ("/chunk/grouped-reads-same-model", test_grouped_reads_same_model);
  add ("/chunk/clipped-publishes-nothing", test_clipped_publishes_nothing);
  add ("/chunk/not-live-keeps-no-time", test_not_live_keeps_no_time);
  add ("/chunk/after-gap-first-read", test_after_gap_first_read);
  return g_test_run ();
}
