/* Unit tests: the ffmpeg stderr parser, against lines real ffmpeg printed. */
#include <string.h>

#include "ffc-gaps.h"
#include "ffc-stderr.h"

typedef struct {
  guint lines, errors, warnings, xruns, starts;
  gdouble start;
  gsize longest;
} Counts;

static void
count_line (const FfcLine *line, gpointer user_data)
{
  Counts *c = user_data;

  c->lines++;
  c->longest = MAX (c->longest, strlen (line->text));
  switch (line->kind) {
    case FFC_LINE_ERROR:
      c->errors++;
      break;
    case FFC_LINE_WARNING:
      c->warnings++;
      break;
    case FFC_LINE_XRUN:
      c->xruns += line->count;
      break;
    case FFC_LINE_INPUT_START:
      c->starts++;
      c->start = line->start_seconds;
      break;
    default:
      break;
  }
}

static gchar *
read_sample (const gchar *name)
{
  gchar *path = g_build_filename (
      g_getenv ("FFC_TEST_DATA"), "ffmpeg-stderr", name, NULL);
  gchar *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_free (path);
  return text;
}

/* Feeds a sample in awkward pieces, as a pipe would deliver it. */
static FfcStderrParser *
parse_sample (const gchar *name, Counts *counts, gsize piece)
{
  FfcStderrParser *p = ffc_stderr_parser_new (4096, 8);
  gchar *text = read_sample (name);
  gsize len = strlen (text);

  memset (counts, 0, sizeof (*counts));
  for (gsize off = 0; off < len; off += piece)
    ffc_stderr_parser_feed (
        p, text + off, MIN (piece, len - off), count_line, counts);
  ffc_stderr_parser_finish (p, count_line, counts);
  g_free (text);
  return p;
}

static void
test_lavfi (void)
{
  Counts c;
  FfcStderrParser *p = parse_sample ("lavfi-sine.txt", &c, 7);

  g_assert_cmpuint (c.lines, ==, 13);
  g_assert_cmpuint (c.errors, ==, 0);
  g_assert_cmpuint (c.xruns, ==, 0);
  /* lavfi reports a stream time, not a wall-clock capture start */
  g_assert_cmpuint (c.starts, ==, 1);
  g_assert_cmpfloat (c.start, ==, 0.0);
  ffc_stderr_parser_free (p);
}

static void
test_alsa_start (void)
{
  Counts c;
  FfcStderrParser *p = parse_sample ("alsa-null-start.txt", &c, 4096);

  g_assert_cmpuint (c.starts, ==, 1);
  g_assert_cmpfloat_with_epsilon (c.start, 1795488192.459822, 1e-6);
  /* "Guessed Channel Layout…" and the muxer's dts complaints */
  g_assert_cmpuint (c.warnings, >=, 1);
  g_assert_cmpuint (c.errors, ==, 0);
  ffc_stderr_parser_free (p);
}

static void
test_errors (void)
{
  static const struct {
    const gchar *file;
    const gchar *last_error;
  } cases[] = {
    { "alsa-bad-device.txt", "[error] nosuchdev: Input/output error" },
    { "bad-option.txt", "[fatal] Error splitting the argument list: "
                        "Option not found" },
    { "unknown-format.txt", "[fatal] Unknown input format: 'nosuchfmt'" },
    { "bad-lavfi-graph.txt", "[error] nosuchfilter=x=1: Invalid argument" },
    { "missing-file.txt", "[error] /nonexistent/file.wav: No such file or "
                          "directory" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    Counts c;
    FfcStderrParser *p = parse_sample (cases[i].file, &c, 1);
    gchar *last = ffc_stderr_parser_get_last_error (p);
    gchar *tail = ffc_stderr_parser_get_tail (p);

    g_assert_cmpuint (c.errors, >=, 1);
    g_assert_cmpstr (last, ==, cases[i].last_error);
    g_assert_nonnull (strstr (tail, cases[i].last_error));
    g_free (last);
    g_free (tail);
    ffc_stderr_parser_free (p);
  }
}

static void
test_bad_device_tail_keeps_libasound_line (void)
{
  Counts c;
  FfcStderrParser *p = parse_sample ("alsa-bad-device.txt", &c, 3);
  gchar *tail = ffc_stderr_parser_get_tail (p);

  /* untagged lines from libasound are kept for the error message too */
  g_assert_nonnull (strstr (tail, "Unknown PCM nosuchdev"));
  g_assert_cmpuint (ffc_stderr_parser_get_error_count (p), ==, 2);
  g_free (tail);
  ffc_stderr_parser_free (p);
}

static void
test_recent_errors_name_the_cause (void)
{
  Counts c;
  FfcStderrParser *p = parse_sample ("bad-lavfi-graph.txt", &c, 11);
  gchar *errors = ffc_stderr_parser_get_errors (p);

  /* the cause comes before ffmpeg's generic consequence */
  g_assert_cmpstr (errors, ==,
      "No such filter: 'nosuchfilter'; "
      "nosuchfilter=x=1: Invalid argument");
  g_free (errors);
  ffc_stderr_parser_reset (p);
  g_assert_null (ffc_stderr_parser_get_errors (p));
  ffc_stderr_parser_free (p);
}

typedef struct {
  FfcGapDetector detector;
  guint frames;
  guint gaps;
  FfcGap gap;
} FrameCounts;

static void
count_frames (const FfcLine *line, gpointer user_data)
{
  FrameCounts *fc = user_data;
  FfcGap gap;

  if (line->kind != FFC_LINE_FRAME)
    return;
  fc->frames++;
  if (ffc_gap_detector_feed (&fc->detector, line->frame_pts,
          line->frame_samples, line->frame_rate, &gap)) {
    fc->gaps++;
    fc->gap = gap;
  }
}

static void
test_frame_reports_show_the_jump (void)
{
  FfcStderrParser *p = ffc_stderr_parser_new (4096, 4);
  gchar *text = read_sample ("ashowinfo-jump.txt");
  FrameCounts fc = {
    0,
  };
  gchar *tail;

  ffc_gap_detector_init (&fc.detector, 5000);
  ffc_stderr_parser_feed (p, text, strlen (text), count_frames, &fc);
  /* 1.2 s in frames of 1024 samples */
  g_assert_cmpuint (fc.frames, ==, 57);
  g_assert_cmpuint (fc.gaps, ==, 1);
  g_assert_cmpuint (fc.gap.at_sample, ==, 47 * 1024);
  g_assert_cmpuint (fc.gap.lost_samples, ==, 24000);
  /* frame reports are not kept as "the last lines" of an error */
  tail = ffc_stderr_parser_get_tail (p);
  g_assert_null (strstr (tail, "ashowinfo"));
  g_free (tail);
  g_free (text);
  ffc_stderr_parser_free (p);
}

typedef struct {
  guint gaps;
  FfcLine last; /* text not kept */
} GapCounts;

static void
count_gaps (const FfcLine *line, gpointer user_data)
{
  GapCounts *gc = user_data;

  if (line->kind != FFC_LINE_GAP)
    return;
  gc->gaps++;
  gc->last = *line;
  gc->last.text = NULL;
}

/* Real output of FFC_GAPS_REPORT_FILTER (tests/data/ffmpeg-stderr/README.md),
 * fed in pieces of `piece` bytes. */
static void
parse_gap_sample (const gchar *name, gsize piece, GapCounts *gc)
{
  FfcStderrParser *p = ffc_stderr_parser_new (4096, 8);
  gchar *text = read_sample (name);
  gsize len = strlen (text);
  gchar *tail;

  memset (gc, 0, sizeof (*gc));
  for (gsize off = 0; off < len; off += piece)
    ffc_stderr_parser_feed (
        p, text + off, MIN (piece, len - off), count_gaps, gc);
  ffc_stderr_parser_finish (p, count_gaps, gc);
  /* gap reports are not kept as "the last lines" of an error */
  tail = ffc_stderr_parser_get_tail (p);
  g_assert_null (strstr (tail, "2718281828"));
  g_assert_null (strstr (tail, "48128"));
  g_free (tail);
  g_free (text);
  ffc_stderr_parser_free (p);
}

/* The same input as ashowinfo-jump.txt: the same gap, from one report. */
static void
test_gap_report_places_the_jump (void)
{
  GapCounts gc;
  FfcGap gap;

  parse_gap_sample ("gap-report-jump.txt", 7, &gc);
  g_assert_cmpuint (gc.gaps, ==, 1);
  g_assert_cmpuint (gc.last.gap_at_sample, ==, 47 * 1024);
  g_assert_cmpuint (gc.last.frame_rate, ==, 48000);
  g_assert_true (ffc_gap_from_report (
      gc.last.gap_at_sample, gc.last.gap_jump_us, gc.last.frame_rate, &gap));
  g_assert_cmpuint (gap.at_sample, ==, 47 * 1024);
  g_assert_cmpuint (gap.lost_samples, ==, 24000);
  g_assert_cmpint (gap.jump_us, ==, 500001);
}

/* One packet of 1000 samples missing after sample 30000. */
static void
test_gap_report_one_packet (void)
{
  GapCounts gc;
  FfcGap gap;

  parse_gap_sample ("gap-report-one-packet.txt", 4096, &gc);
  g_assert_cmpuint (gc.gaps, ==, 1);
  g_assert_true (ffc_gap_from_report (
      gc.last.gap_at_sample, gc.last.gap_jump_us, gc.last.frame_rate, &gap));
  g_assert_cmpuint (gap.at_sample, ==, 30000);
  g_assert_cmpuint (gap.lost_samples, ==, 1000);
}

static guint
gaps_in (const gchar *text, GapCounts *gc)
{
  FfcStderrParser *p = ffc_stderr_parser_new (4096, 8);

  memset (gc, 0, sizeof (*gc));
  ffc_stderr_parser_feed (p, text, strlen (text), count_gaps, gc);
  ffc_stderr_parser_finish (p, count_gaps, gc);
  ffc_stderr_parser_free (p);
  return gc->gaps;
}

/* ffmpeg folds a value equal to the one before into "Last message
 * repeated" (libavutil/log.c's text), and another thread's line may come
 * between the values; what is not a report is none. */
static void
test_gap_report_folds_and_interleaving (void)
{
  GapCounts gc;

  g_assert_cmpuint (gaps_in ("[info] -2718281828.000000\n"
                             "[info] 48000.000000\n"
                             "    Last message repeated 2 times\n",
                        &gc),
      ==, 1);
  g_assert_cmpuint (gc.last.gap_at_sample, ==, 48000);
  g_assert_cmpfloat (gc.last.gap_jump_us, ==, 48000.0);
  g_assert_cmpuint (gc.last.frame_rate, ==, 48000);

  g_assert_cmpuint (gaps_in ("[info] -2718281828.000000\n"
                             "[info] 960.000000\n"
                             "[alsa @ 0x5] [warning] ALSA buffer xrun.\n"
                             "[info] 20000.000000\n"
                             "[info] 48000.000000\n",
                        &gc),
      ==, 1);
  g_assert_cmpuint (gc.last.gap_at_sample, ==, 960);

  /* incomplete, not whole, negative, no rate, no marker: no gap */
  g_assert_cmpuint (
      gaps_in ("[info] -2718281828.000000\n[info] 960.000000\n", &gc), ==, 0);
  g_assert_cmpuint (gaps_in ("[info] -2718281828.000000\n[info] 960.5\n"
                             "[info] 20000\n[info] 48000\n",
                        &gc),
      ==, 0);
  g_assert_cmpuint (gaps_in ("[info] -2718281828.000000\n[info] -960\n"
                             "[info] 20000\n[info] 48000\n",
                        &gc),
      ==, 0);
  g_assert_cmpuint (gaps_in ("[info] -2718281828.000000\n[info] 960\n"
                             "[info] 20000\n[info] 0\n",
                        &gc),
      ==, 0);
  g_assert_cmpuint (
      gaps_in ("[info] 960\n[info] 20000\n[info] 48000\n", &gc), ==, 0);
  /* a value out of range */
  g_assert_cmpuint (gaps_in ("[info] -2718281828.000000\n[info] 1e400\n"
                             "[info] 20000\n[info] 48000\n",
                        &gc),
      ==, 0);
}

static void
test_xrun_with_repeats (void)
{
  Counts c;
  FfcStderrParser *p = parse_sample ("alsa-xrun.txt", &c, 5);

  /* two lines plus "Last message repeated 2 times" */
  g_assert_cmpuint (c.xruns, ==, 4);
  g_assert_cmpuint (c.starts, ==, 1);
  ffc_stderr_parser_free (p);
}

static void
test_long_lines_bounded (void)
{
  FfcStderrParser *p = ffc_stderr_parser_new (256, 4);
  Counts c = {
    0,
  };
  gchar *chunk = g_malloc (65536);

  /* 1 MiB without a newline, then a short error line */
  memset (chunk, 'x', 65536);
  for (int i = 0; i < 16; i++)
    ffc_stderr_parser_feed (p, chunk, 65536, count_line, &c);
  ffc_stderr_parser_feed (p, "\n[error] boom\n", 14, count_line, &c);

  g_assert_cmpuint (c.lines, ==, 2);
  g_assert_cmpuint (c.longest, ==, 256);
  g_assert_cmpuint (c.errors, ==, 1);
  g_free (chunk);
  ffc_stderr_parser_free (p);
}

static void
test_nul_and_invalid_utf8 (void)
{
  FfcStderrParser *p = ffc_stderr_parser_new (256, 4);
  Counts c = {
    0,
  };
  gchar *errors;
  /* a NUL inside an error line, and a Latin-1 device name */
  static const gchar input[] = "[error] bad\0thing\n[error] hw:caf\xe9: "
                               "Input/output error\n";

  ffc_stderr_parser_feed (p, input, sizeof (input) - 1, count_line, &c);
  g_assert_cmpuint (c.errors, ==, 2);
  errors = ffc_stderr_parser_get_errors (p);
  g_assert_true (g_utf8_validate (errors, -1, NULL));
  g_assert_cmpstr (errors, ==,
      "bad?thing; hw:caf\xef\xbf\xbd: "
      "Input/output error");
  g_free (errors);
  ffc_stderr_parser_free (p);
}

static void
test_tail_is_last_lines (void)
{
  FfcStderrParser *p = ffc_stderr_parser_new (256, 3);
  gchar *tail;

  /* carriage returns end lines too (ffmpeg's progress lines) */
  ffc_stderr_parser_feed (p, "one\ntwo\rthree\n\nfour\nfive", 24, NULL, NULL);
  tail = ffc_stderr_parser_get_tail (p);
  g_assert_cmpstr (tail, ==, "two\nthree\nfour");
  g_free (tail);
  ffc_stderr_parser_finish (p, NULL, NULL);
  tail = ffc_stderr_parser_get_tail (p);
  g_assert_cmpstr (tail, ==, "three\nfour\nfive");
  g_free (tail);

  ffc_stderr_parser_reset (p);
  tail = ffc_stderr_parser_get_tail (p);
  g_assert_cmpstr (tail, ==, "");
  g_free (tail);
  ffc_stderr_parser_free (p);
}

static void
test_classify (void)
{
  FfcLine line;

  ffc_stderr_classify ("[alsa @ 0x5601] [warning] ALSA buffer xrun.", &line);
  g_assert_cmpint (line.kind, ==, FFC_LINE_XRUN);
  ffc_stderr_classify (
      "[s16le @ 0x5578] [warning] Application provided "
      "invalid, non monotonically increasing dts to muxer in stream 0: 128 "
      ">= 128",
      &line);
  g_assert_cmpint (line.kind, ==, FFC_LINE_WARNING);
  /* the same complaint at error level (alsa input) is no failure */
  ffc_stderr_classify (
      "[s16le @ 0x55c7] [error] Application provided "
      "invalid, non monotonically increasing dts to muxer in stream 0: 141 "
      ">= 141",
      &line);
  g_assert_cmpint (line.kind, ==, FFC_LINE_WARNING);
  ffc_stderr_classify ("[panic] out of memory", &line);
  g_assert_cmpint (line.kind, ==, FFC_LINE_ERROR);
  /* a file name that merely contains a tag-like word is no error */
  ffc_stderr_classify ("[info] Input #0, wav, from '[error].wav':", &line);
  g_assert_cmpint (line.kind, ==, FFC_LINE_INFO);
  ffc_stderr_classify ("[info]   Duration: 00:00:02.00, start: 0.000000, "
                       "bitrate: 768 kb/s",
      &line);
  g_assert_cmpint (line.kind, ==, FFC_LINE_INPUT_START);
  ffc_stderr_classify ("[info]   Duration: N/A, start: garbage", &line);
  g_assert_cmpint (line.kind, ==, FFC_LINE_INFO);
}

/* The input's stream: rate, channels and ffmpeg's sample format */
static void
test_input_audio (void)
{
  FfcLine line;

  ffc_stderr_classify (
      "[info]   Stream #0:0: Audio: pcm_s16le, 384000 Hz, mono, s16, "
      "6144 kb/s",
      &line);
  g_assert_cmpint (line.kind, ==, FFC_LINE_INPUT_AUDIO);
  g_assert_cmpuint (line.frame_rate, ==, 384000);
  g_assert_cmpuint (line.channels, ==, 1);
  g_assert_cmpstr (line.sample_fmt, ==, "s16");
  ffc_stderr_classify ("  Stream #0:0: Audio: pcm_s32le, 192000 Hz, stereo, "
                       "s32 (24 bit), 12288 kb/s",
      &line);
  g_assert_cmpuint (line.channels, ==, 2);
  g_assert_cmpstr (line.sample_fmt, ==, "s32");
  ffc_stderr_classify (
      "  Stream #0:0: Audio: pcm_f64le, 48000 Hz, mono, dbl, 3072 kb/s", &line);
  g_assert_cmpstr (line.sample_fmt, ==, "dbl");
  ffc_stderr_classify (
      "  Stream #0:0: Audio: opus, 48000 Hz, 5.1, fltp", &line);
  g_assert_cmpuint (line.channels, ==, 6);
  g_assert_cmpstr (line.sample_fmt, ==, "fltp");
  /* none given */
  ffc_stderr_classify ("  Stream #0:0: Audio: pcm_s16le, 8000 Hz, mono", &line);
  g_assert_cmpint (line.kind, ==, FFC_LINE_INPUT_AUDIO);
  g_assert_cmpstr (line.sample_fmt, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stderr/lavfi", test_lavfi);
  g_test_add_func ("/stderr/alsa-start", test_alsa_start);
  g_test_add_func ("/stderr/errors", test_errors);
  g_test_add_func (
      "/stderr/bad-device-tail", test_bad_device_tail_keeps_libasound_line);
  g_test_add_func ("/stderr/recent-errors", test_recent_errors_name_the_cause);
  g_test_add_func ("/stderr/xrun-repeats", test_xrun_with_repeats);
  g_test_add_func ("/stderr/frame-reports", test_frame_reports_show_the_jump);
  g_test_add_func ("/stderr/gap-report", test_gap_report_places_the_jump);
  g_test_add_func ("/stderr/gap-report-one-packet", test_gap_report_one_packet);
  g_test_add_func (
      "/stderr/gap-report-folds", test_gap_report_folds_and_interleaving);
  g_test_add_func ("/stderr/long-lines", test_long_lines_bounded);
  g_test_add_func ("/stderr/tail", test_tail_is_last_lines);
  g_test_add_func ("/stderr/nul-and-invalid-utf8", test_nul_and_invalid_utf8);
  g_test_add_func ("/stderr/classify", test_classify);
  g_test_add_func ("/stderr/input-audio", test_input_audio);
  return g_test_run ();
}
