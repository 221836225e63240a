/* gst-ffcapture: unit tests of the capture's chunks (src/ffc-capture.c)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A real ffmpeg, paced in real time (-re), writes 384 kHz mono S16 to the
 * pipe in 32 KiB writes (43 ms each); no pipeline is involved.
 */
#include <signal.h>
#include <sys/types.h>

#include "ffc-capture.h"
#include "ffc-child.h"

#define RATE 384000
#define FRAME 2

static FfcCapture *
capture_new (const gchar *duration, gint64 block_us)
{
  gchar *device = g_strdup_printf (
      "sine=frequency=1000:sample_rate=%d:duration=%s", RATE, duration);
  gchar *program = ffc_child_find_program ("ffmpeg", NULL);
  gchar *argv[] = { program, "-hide_banner", "-nostdin", "-nostats",
    "-loglevel", "level+info", "-re", "-f", "lavfi", "-i", device, "-c:a",
    "pcm_s16le", "-f", "s16le", "-flush_packets", "0", "pipe:1", NULL };
  FfcCaptureConfig config = {
    .argv = argv,
    .frame_size = FRAME,
    .rate = RATE,
    .queue_capacity = 10 * RATE * FRAME,
    .stall_timeout_us = 10 * G_TIME_SPAN_SECOND,
    .block_us = block_us,
    .max_restarts = 0,
    .no_restart = TRUE,
    .stop_grace_ms = 1000,
  };
  FfcCapture *capture = ffc_capture_new (&config);
  GError *error = NULL;

  g_assert_true (ffc_capture_start (capture, &error));
  g_assert_no_error (error);
  g_free (device);
  g_free (program);
  return capture;
}

/* Checks one DATA chunk against the one before: back to back in the run,
 * its reads in order, the last ending where the chunk ends. */
static void
check_chunk (const FfcItem *item, guint64 *next_offset)
{
  g_assert_cmpuint (item->frames, >, 0);
  g_assert_cmpuint (item->size, ==, item->frames * FRAME);
  g_assert_cmpuint (item->run_offset, ==, *next_offset);
  g_assert_cmpuint (item->n_arrivals, >=, 1);
  for (guint i = 0; i < item->n_arrivals; i++) {
    const FfcArrival *a = &item->arrivals[i];
    guint64 from = i == 0 ? item->run_offset : item->arrivals[i - 1].end;

    g_assert_cmpuint (a->end, >, from);
    if (i > 0)
      g_assert_cmpint (a->arrival_us, >=, item->arrivals[i - 1].arrival_us);
  }
  g_assert_cmpuint (item->arrivals[item->n_arrivals - 1].end, ==,
      item->run_offset + item->frames);
  g_assert_cmpint (
      item->arrival_us, ==, item->arrivals[item->n_arrivals - 1].arrival_us);
  *next_offset = item->run_offset + item->frames;
}

/* Pops DATA chunks until EOS (asserted); returns them (FfcItem *) */
static GPtrArray *
pop_until_eos (FfcCapture *capture)
{
  GPtrArray *chunks =
      g_ptr_array_new_with_free_func ((GDestroyNotify)ffc_item_free);
  guint64 next_offset = 0;

  for (;;) {
    FfcItem *item = ffc_capture_pop (capture);

    g_assert_nonnull (item);
    if (item->type == FFC_ITEM_EOS) {
      ffc_item_free (item);
      return chunks;
    }
    if (item->type != FFC_ITEM_DATA)
      g_error ("item %d: %s", item->type, item->reason ? item->reason : "");
    check_chunk (item, &next_offset);
    g_ptr_array_add (chunks, item);
  }
}

static guint64
total_frames (GPtrArray *chunks)
{
  guint64 total = 0;

  for (guint i = 0; i < chunks->len; i++)
    total += ((FfcItem *)chunks->pdata[i])->frames;
  return total;
}

static gint
compare_frames (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;
  return x < y ? -1 : x > y;
}

/* Chunks of block_us: a chunk is handed on as soon as it holds block_us
 * of audio, so without its last read it holds less, always; typically
 * (the deadline aside, when ffmpeg is late on a loaded machine) it holds
 * at least that much; and not one sample is lost or doubled. */
static void
test_reads_are_gathered (void)
{
  FfcCapture *capture = capture_new ("1.5", 100 * G_TIME_SPAN_MILLISECOND);
  GPtrArray *chunks = pop_until_eos (capture);
  guint64 block = RATE / 10;
  GArray *sizes = g_array_new (FALSE, FALSE, sizeof (guint64));

  g_assert_cmpuint (total_frames (chunks), ==, RATE * 3 / 2);
  g_assert_cmpuint (chunks->len, >=, 2);
  for (guint i = 0; i < chunks->len; i++) {
    FfcItem *item = chunks->pdata[i];
    guint64 before_last = item->n_arrivals > 1
                              ? item->arrivals[item->n_arrivals - 2].end
                              : item->run_offset;

    g_assert_cmpuint (before_last - item->run_offset, <, block);
    if (i + 1 < chunks->len)
      g_array_append_val (sizes, item->frames);
  }
  g_array_sort (sizes, compare_frames);
  g_assert_cmpuint (g_array_index (sizes, guint64, sizes->len / 2), >=, block);
  g_array_free (sizes, TRUE);
  g_ptr_array_unref (chunks);
  ffc_capture_free (capture);
}

/* block_us 0: each read is a chunk of its own, as before chunks existed */
static void
test_each_read_without_blocks (void)
{
  FfcCapture *capture = capture_new ("0.5", 0);
  GPtrArray *chunks = pop_until_eos (capture);

  g_assert_cmpuint (total_frames (chunks), ==, RATE / 2);
  for (guint i = 0; i < chunks->len; i++)
    g_assert_cmpuint (((FfcItem *)chunks->pdata[i])->n_arrivals, ==, 1);
  g_ptr_array_unref (chunks);
  ffc_capture_free (capture);
}

/* resumes the stopped ffmpeg 3 s later, whatever the test sees */
static gpointer
resume_later (gpointer data)
{
  g_usleep (3 * G_TIME_SPAN_SECOND);
  kill (GPOINTER_TO_INT (data), SIGCONT);
  return NULL;
}

/* A chunk does not wait for more reads beyond block_us: with ffmpeg
 * stopped (SIGSTOP) a few reads into a 1 s chunk, what was read comes out
 * long before ffmpeg goes on (3 s later), with fewer frames than a chunk. */
static void
test_chunk_waits_at_most_block_us (void)
{
  FfcCapture *capture = capture_new ("6", G_TIME_SPAN_SECOND);
  FfcCaptureStats stats;
  FfcItem *first, *partial;
  gint64 stopped_us;
  GThread *resumer;

  first = ffc_capture_pop (capture);
  g_assert_nonnull (first);
  g_assert_cmpint (first->type, ==, FFC_ITEM_DATA);
  g_usleep (200 * G_TIME_SPAN_MILLISECOND); /* a few reads gathered */
  ffc_capture_get_stats (capture, &stats);
  g_assert_cmpint (stats.child_pid, >, 0);
  g_assert_cmpint (kill (stats.child_pid, SIGSTOP), ==, 0);
  stopped_us = g_get_monotonic_time ();
  resumer =
      g_thread_new ("resumer", resume_later, GINT_TO_POINTER (stats.child_pid));

  partial = ffc_capture_pop (capture);
  g_assert_nonnull (partial);
  g_assert_cmpint (partial->type, ==, FFC_ITEM_DATA);
  /* out while ffmpeg is still stopped, and before the chunk was full */
  g_assert_cmpint (
      g_get_monotonic_time () - stopped_us, <, 3 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (partial->frames, <, RATE);
  g_assert_cmpuint (partial->run_offset, ==, first->run_offset + first->frames);

  g_thread_join (resumer);
  ffc_item_free (first);
  ffc_item_free (partial);
  ffc_capture_free (capture);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/capture/reads-are-gathered", test_reads_are_gathered);
  g_test_add_func (
      "/capture/each-read-without-blocks", test_each_read_without_blocks);
  g_test_add_func ("/capture/chunk-waits-at-most-block-us",
      test_chunk_waits_at_most_block_us);
  return g_test_run ();
}
