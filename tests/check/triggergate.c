/* gst-check tests of triggergate: real ffmpeg (lavfi aevalsrc builds exact
 * signals), real segmentsinks, real files. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "check-common.h"
#include "ffc-clock.h"

#define RATE 192000
#define W 1920                      /* the default 10 ms window at 192 kHz */
#define HUM "0.001*sin(2*PI*100*t)" /* -60 dBFS at 100 Hz */
#define BAND "low-freq=15000 high-freq=90000"

/* A segment promoted by a segmentsink */
typedef struct {
  gchar *path;
  guint64 offset, samples, running_time;
  gchar *start_time;
} Seg;

static void
seg_clear (gpointer p)
{
  Seg *s = p;

  g_free (s->path);
  g_free (s->start_time);
}

static GArray *
promoted (Run *run, const gchar *sink)
{
  GArray *segs = g_array_new (FALSE, TRUE, sizeof (Seg));
  GList *msgs = messages_named (run, "segmentsink-promoted", sink);

  g_array_set_clear_func (segs, seg_clear);
  for (GList *l = msgs; l; l = l->next) {
    const GstStructure *s = gst_message_get_structure (l->data);
    Seg seg = { 0 };

    seg.path = g_strdup (gst_structure_get_string (s, "location"));
    seg.start_time = g_strdup (gst_structure_get_string (s, "start-time"));
    fail_unless (gst_structure_get_uint64 (s, "offset", &seg.offset));
    fail_unless (gst_structure_get_uint64 (s, "samples", &seg.samples));
    fail_unless (
        gst_structure_get_uint64 (s, "running-time", &seg.running_time));
    g_array_append_val (segs, seg);
  }
  g_list_free (msgs);
  return segs;
}

/* The samples of a finished 16-bit WAV */
static gint16 *
read_pcm16 (const gchar *path, guint64 *frames)
{
  gchar *data = NULL;
  gsize len = 0;
  FfcWavLayout l;
  gint16 *pcm;

  fail_unless (g_file_get_contents (path, &data, &len, NULL));
  fail_unless (ffc_wav_parse_header ((guint8 *)data, len, &l, NULL));
  fail_unless_equals_int (l.block_align, 2);
  *frames = (len - l.header_size) / 2;
  pcm = g_memdup2 (data + l.header_size, *frames * 2);
  g_free (data);
  return pcm;
}

typedef struct {
  gchar *dir, *raw_dir, *ev_dir;
  Run *run;
  GArray *raw, *ev; /* Seg */
  GList *events;    /* triggergate-event messages */
  GstStructure *stats;
} Gate;

/* ffmpegsrc (aevalsrc of `expr`, mono S16 at RATE, 6 s) ! tee: the
 * continuous archive on one branch, triggergate with `props` !
 * segmentsink on the other. */
static Gate *
run_gate (const gchar *expr, const gchar *props)
{
  Gate *g = g_new0 (Gate, 1);
  gchar *desc;
  GstElement *gate;

  g->dir = g_dir_make_tmp ("triggergate-XXXXXX", NULL);
  g->raw_dir = g_build_filename (g->dir, "raw", NULL);
  g->ev_dir = g_build_filename (g->dir, "events", NULL);
  desc = g_strdup_printf (
      "ffmpegsrc input-format=lavfi device=\"aevalsrc='%s':s=%d:d=6\" ! "
      "audio/x-raw,format=S16LE,rate=%d,channels=1 ! tee name=t "
      "t. ! queue ! segmentsink name=raw location=%s fsync=false "
      "t. ! queue ! triggergate name=g %s ! "
      "segmentsink name=ev location=%s fsync=false",
      expr, RATE, RATE, g->raw_dir, props, g->ev_dir);
  g->run = run_launch (desc, 60000, NULL, NULL);
  g_free (desc);
  fail_unless (g->run->error == NULL, "the pipeline failed: %s",
      g->run->error ? message_text (g->run->error) : "");
  fail_unless (g->run->eos);
  g->raw = promoted (g->run, "raw");
  g->ev = promoted (g->run, "ev");
  g->events = messages_named (g->run, "triggergate-event", "g");
  gate = gst_bin_get_by_name (GST_BIN (g->run->pipeline), "g");
  g_object_get (gate, "stats", &g->stats, NULL);
  gst_object_unref (gate);
  return g;
}

static void
gate_free (Gate *g)
{
  g_array_unref (g->raw);
  g_array_unref (g->ev);
  g_list_free (g->events);
  gst_structure_free (g->stats);
  run_free (g->run);
  rm_rf (g->dir);
  g_free (g->dir);
  g_free (g->raw_dir);
  g_free (g->ev_dir);
  g_free (g);
}

static guint64
stat_of (Gate *g, const gchar *field)
{
  guint64 v = G_MAXUINT64;

  fail_unless (gst_structure_get_uint64 (g->stats, field, &v), "no %s", field);
  return v;
}

/* The archive is whole; every event file holds exactly the archive's
 * samples at its offset; passed + withheld = received, nothing held. */
static void
check_whole_and_true (Gate *g)
{
  Seg *raw;
  gint16 *archive;
  guint64 archive_frames, passed = 0;

  fail_unless_equals_int (g->raw->len, 1);
  raw = &g_array_index (g->raw, Seg, 0);
  fail_unless_equals_uint64 (raw->offset, 0);
  fail_unless_equals_uint64 (raw->samples, 6 * RATE);
  archive = read_pcm16 (raw->path, &archive_frames);
  fail_unless_equals_uint64 (archive_frames, 6 * RATE);

  for (guint i = 0; i < g->ev->len; i++) {
    Seg *ev = &g_array_index (g->ev, Seg, i);
    guint64 frames;
    gint16 *pcm = read_pcm16 (ev->path, &frames);

    fail_unless_equals_uint64 (frames, ev->samples);
    fail_unless (ev->offset + frames <= archive_frames);
    fail_unless (memcmp (pcm, archive + ev->offset, frames * 2) == 0,
        "%s is not the archive's audio at sample %" G_GUINT64_FORMAT, ev->path,
        ev->offset);
    /* named and stamped by the true time of its first sample (to the ns:
     * the source and the gate round their sample times each) */
    fail_unless (llabs ((gint64)ev->running_time - (gint64)raw->running_time
                        - (gint64)gst_util_uint64_scale_round (
                            ev->offset, GST_SECOND, RATE))
                     <= 1,
        "%s starts at running time %" G_GUINT64_FORMAT, ev->path,
        ev->running_time);
    passed += frames;
    g_free (pcm);
  }
  g_free (archive);

  fail_unless_equals_uint64 (stat_of (g, "samples-received"), 6 * RATE);
  fail_unless_equals_uint64 (stat_of (g, "samples-passed"), passed);
  fail_unless_equals_uint64 (
      stat_of (g, "samples-passed") + stat_of (g, "samples-withheld"),
      stat_of (g, "samples-received"));
  fail_unless_equals_uint64 (stat_of (g, "samples-held"), 0);
  fail_unless_equals_uint64 (stat_of (g, "events"), g_list_length (g->events));
}

/* Event file i spans [start, end) samples, to the analysis window: it
 * starts no later than `start` and ends no earlier than `end`, each within
 * one window. */
static void
check_event (Gate *g, guint i, guint64 start, guint64 end)
{
  Seg *ev;

  fail_unless (i < g->ev->len);
  ev = &g_array_index (g->ev, Seg, i);
  fail_unless (ev->offset <= start && ev->offset + W > start,
      "event %u starts at %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT, i,
      ev->offset, start);
  fail_unless (
      ev->offset + ev->samples >= end && ev->offset + ev->samples < end + W,
      "event %u ends at %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT, i,
      ev->offset + ev->samples, end);
}

GST_START_TEST (test_out_of_band_hum_never_triggers)
{
  /* a -20 dBFS hum at 100 Hz: loud, but out of the band */
  Gate *g = run_gate ("0.1*sin(2*PI*100*t)", BAND);
  gdouble level;

  fail_unless_equals_int (g->ev->len, 0);
  fail_unless_equals_int (g_list_length (g->events), 0);
  check_whole_and_true (g);
  fail_unless_equals_uint64 (stat_of (g, "samples-withheld"), 6 * RATE);
  /* the band's level (an upper bound when the window needed no FFT):
   * below the threshold */
  fail_unless (gst_structure_get_double (g->stats, "band-level", &level));
  fail_unless (level < -40 && level > -200, "band level %.1f dBFS", level);
  gate_free (g);
}

GST_END_TEST;

GST_START_TEST (test_bursts_pre_and_post_trigger)
{
  /* 40 kHz bursts at -6 dBFS at 2.0-2.2 s and 4.5-4.6 s over the hum;
   * pre-trigger 0.5 s, post-trigger 0.3 s */
  Gate *g = run_gate ("if(between(t,2,2.2)+between(t,4.5,4.6),"
                      "0.5*sin(2*PI*40000*t)," HUM ")",
      BAND " pre-trigger=500000000 post-trigger=300000000");
  guint i = 0;

  fail_unless_equals_int (g->ev->len, 2);
  check_event (g, 0, 1.5 * RATE, 2.5 * RATE);
  check_event (g, 1, 4.0 * RATE, 4.9 * RATE);
  check_whole_and_true (g);

  /* one message per event, with what the files say */
  fail_unless_equals_int (g_list_length (g->events), 2);
  for (GList *l = g->events; l; l = l->next, i++) {
    const GstStructure *s = gst_message_get_structure (l->data);
    Seg *ev = &g_array_index (g->ev, Seg, i);
    guint64 start_rt, end_rt, offset, samples;
    gint64 start_wall, end_wall;
    gdouble level, freq;
    gboolean cut;
    gint64 file_us;
    GDateTime *dt;

    fail_unless (gst_structure_get_uint64 (s, "start-running-time", &start_rt));
    fail_unless (gst_structure_get_uint64 (s, "end-running-time", &end_rt));
    fail_unless (gst_structure_get_int64 (s, "start-wall-time", &start_wall));
    fail_unless (gst_structure_get_int64 (s, "end-wall-time", &end_wall));
    fail_unless (gst_structure_get_uint64 (s, "start-offset", &offset));
    fail_unless (gst_structure_get_uint64 (s, "samples", &samples));
    fail_unless (gst_structure_get_double (s, "peak-level", &level));
    fail_unless (gst_structure_get_double (s, "peak-frequency", &freq));
    fail_unless (gst_structure_get_boolean (s, "cut", &cut));
    fail_unless_equals_uint64 (offset, ev->offset);
    fail_unless_equals_uint64 (samples, ev->samples);
    fail_unless_equals_uint64 (start_rt, ev->running_time);
    /* to the ns: the source and the gate round sample times each */
    fail_unless (llabs ((gint64)(end_rt - start_rt)
                        - (gint64)gst_util_uint64_scale_round (
                            samples, GST_SECOND, RATE))
                 <= 1);
    fail_unless (
        llabs (end_wall - start_wall - (gint64)(end_rt - start_rt) / 1000)
        <= 1);
    /* the file's start time is the event's wall time (both map running
     * time from the pipeline clock, a few µs apart, without a model) */
    dt = g_date_time_new_from_iso8601 (ev->start_time, NULL);
    fail_unless (dt != NULL);
    file_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC
              + g_date_time_get_microsecond (dt);
    fail_unless (llabs (file_us - start_wall) < 1000,
        "file at %s, event at %" G_GINT64_FORMAT " us", ev->start_time,
        start_wall);
    g_date_time_unref (dt);
    fail_unless (
        fabs (level - 20 * log10 (0.5)) < 0.5, "peak %.2f dBFS", level);
    fail_unless (fabs (freq - 40000) < 50, "peak at %.1f Hz", freq);
    fail_if (cut);
  }
  gate_free (g);
}

GST_END_TEST;

/* When each message of interest reached the test, monotonic us */
typedef struct {
  gint64 event_closed_us;       /* the first triggergate-event */
  gint64 event_promoted_us;     /* the first file of the events' sink */
  gint64 resampled_promoted_us; /* the first of the resampled events' */
} Arrivals;

static void
note_arrival (GstMessage *m, gpointer data)
{
  Arrivals *a = data;
  const GstStructure *s = gst_message_get_structure (m);
  const gchar *from = GST_OBJECT_NAME (GST_MESSAGE_SRC (m));

  if (GST_MESSAGE_TYPE (m) != GST_MESSAGE_ELEMENT || s == NULL)
    return;
  if (gst_structure_has_name (s, "triggergate-event")
      && a->event_closed_us == 0)
    a->event_closed_us = g_get_monotonic_time ();
  if (gst_structure_has_name (s, "segmentsink-promoted")
      && g_str_equal (from, "ev") && a->event_promoted_us == 0)
    a->event_promoted_us = g_get_monotonic_time ();
  if (gst_structure_has_name (s, "segmentsink-promoted")
      && g_str_equal (from, "rs") && a->resampled_promoted_us == 0)
    a->resampled_promoted_us = g_get_monotonic_time ();
}

/* Live, an event's file is in the data directory as soon as the event
 * ends (the GAP after the event ends the file), not 4 s later when the
 * next event begins; so is the file behind an audioresample, which the
 * gate makes drain, whole. 48 kHz, so that valgrind keeps up in real
 * time. */
GST_START_TEST (test_event_file_when_the_event_ends)
{
  gchar *dir = g_dir_make_tmp ("triggergate-XXXXXX", NULL);
  Arrivals a = { 0, 0 };
  gchar *desc = g_strdup_printf (
      "ffmpegsrc input-format=lavfi input-options=-re "
      "device=\"aevalsrc='if(between(t,1,1.2)+between(t,6,6.1),"
      "0.5*sin(2*PI*20000*t)," HUM ")':s=48000:d=7\" ! "
      "audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
      "triggergate name=g low-freq=10000 high-freq=24000 "
      "pre-trigger=300000000 post-trigger=300000000 ! tee name=t "
      "t. ! queue ! segmentsink name=ev location=%s/ev fsync=false "
      "t. ! queue ! audioresample ! audio/x-raw,rate=16000 ! "
      "segmentsink name=rs location=%s/rs fsync=false",
      dir, dir);
  Run *run = run_launch (desc, 60000, note_arrival, &a);
  GArray *ev = promoted (run, "ev");
  GArray *rs = promoted (run, "rs");

  fail_unless (run->error == NULL, "the pipeline failed: %s",
      run->error ? message_text (run->error) : "");
  fail_unless (run->eos);
  fail_unless_equals_int (ev->len, 2);
  fail_unless (a.event_closed_us > 0 && a.event_promoted_us > 0);
  fail_unless (a.event_promoted_us - a.event_closed_us < 2 * G_USEC_PER_SEC,
      "the event's file came %" G_GINT64_FORMAT " ms after the event ended",
      (a.event_promoted_us - a.event_closed_us) / 1000);
  /* resampled: one file per event, each a third of the event's */
  fail_unless_equals_int (rs->len, 2);
  fail_unless (a.resampled_promoted_us > 0);
  fail_unless (a.resampled_promoted_us - a.event_closed_us < 2 * G_USEC_PER_SEC,
      "the resampled event's file came %" G_GINT64_FORMAT
      " ms after the event ended",
      (a.resampled_promoted_us - a.event_closed_us) / 1000);
  for (guint i = 0; i < 2; i++)
    fail_unless_equals_uint64 (g_array_index (rs, Seg, i).samples * 3,
        g_array_index (ev, Seg, i).samples);
  g_array_unref (rs);
  g_array_unref (ev);
  run_free (run);
  rm_rf (dir);
  g_free (dir);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_overlapping_triggers_merge)
{
  /* bursts at 2.0-2.1 and 2.6-2.7 s: the second's pre-trigger (0.5 s)
   * begins inside the first's post-trigger (0.3 s): one event */
  Gate *g = run_gate ("if(between(t,2,2.1)+between(t,2.6,2.7),"
                      "0.5*sin(2*PI*40000*t)," HUM ")",
      BAND " pre-trigger=500000000 post-trigger=300000000");

  fail_unless_equals_int (g->ev->len, 1);
  check_event (g, 0, 1.5 * RATE, 3.0 * RATE);
  check_whole_and_true (g);
  gate_free (g);
}

GST_END_TEST;

GST_START_TEST (test_max_event_cuts)
{
  /* 3 s of sound from 1 s, max-event 1 s: cut into events of exactly 1 s
   * while the trigger fires, the last one ends at the post-trigger */
  Gate *g = run_gate ("if(between(t,1,4),0.5*sin(2*PI*40000*t)," HUM ")",
      BAND " pre-trigger=200000000 post-trigger=200000000 "
           "max-event=1000000000");
  guint i = 0;

  fail_unless_equals_int (g->ev->len, 4);
  check_event (g, 0, 0.8 * RATE, 1.8 * RATE);
  for (i = 0; i < 3; i++) {
    Seg *a = &g_array_index (g->ev, Seg, i),
        *b = &g_array_index (g->ev, Seg, i + 1);

    fail_unless_equals_uint64 (a->samples, RATE);
    /* contiguous: nothing lost at a cut */
    fail_unless_equals_uint64 (a->offset + a->samples, b->offset);
  }
  check_event (g, 3, 3.8 * RATE, 4.2 * RATE);
  i = 0;
  for (GList *l = g->events; l; l = l->next, i++) {
    gboolean cut;

    fail_unless (gst_structure_get_boolean (
        gst_message_get_structure (l->data), "cut", &cut));
    fail_unless_equals_int (cut, i < 3);
  }
  check_whole_and_true (g);
  gate_free (g);
}

GST_END_TEST;

GST_START_TEST (test_trigger_in_the_first_second)
{
  /* a burst at 0.3 s with a pre-trigger of 1 s: the event starts at the
   * first sample, never before (no invented audio); another one open at
   * the end of the stream goes to its last sample */
  Gate *g = run_gate ("if(between(t,0.3,0.4)+gte(t,5.8),"
                      "0.5*sin(2*PI*40000*t)," HUM ")",
      BAND " pre-trigger=1000000000 post-trigger=300000000");
  Seg *opening, *last;

  fail_unless_equals_int (g->ev->len, 2);
  opening = &g_array_index (g->ev, Seg, 0);
  fail_unless_equals_uint64 (opening->offset, 0);
  check_event (g, 0, 0, 0.7 * RATE);
  last = &g_array_index (g->ev, Seg, 1);
  check_event (g, 1, 4.8 * RATE, 6 * RATE);
  fail_unless_equals_uint64 (last->offset + last->samples, 6 * RATE);
  check_whole_and_true (g);
  gate_free (g);
}

GST_END_TEST;

GST_START_TEST (test_preroll_beside_a_short_queue)
{
  /* the gate holds 3 s back, the archive's queue takes 1 s: the event
   * sink must preroll on the gate's first GAP, or the tee stalls */
  Gate *g = run_gate ("if(between(t,4,4.1),0.5*sin(2*PI*40000*t)," HUM ")",
      BAND " pre-trigger=3000000000 post-trigger=100000000");

  fail_unless_equals_int (g->ev->len, 1);
  check_event (g, 0, 1.0 * RATE, 4.2 * RATE);
  check_whole_and_true (g);
  gate_free (g);
}

GST_END_TEST;

GST_START_TEST (test_whole_band_rms_and_min_trigger)
{
  /* both frequencies 0: an amplitude trigger. A 1 kHz click of 5 ms at
   * 1 s is too short for min-trigger 30 ms; a 100 ms tone at 3 s is not */
  Gate *g = run_gate ("if(between(t,1,1.005)+between(t,3,3.1),"
                      "0.5*sin(2*PI*1000*t),0)",
      "min-trigger=30000000 pre-trigger=100000000 post-trigger=100000000");

  fail_unless_equals_int (g->ev->len, 1);
  check_event (g, 0, 2.9 * RATE, 3.2 * RATE);
  check_whole_and_true (g);
  gate_free (g);
}

GST_END_TEST;

GST_START_TEST (test_any_channel_f32)
{
  /* stereo F32: a burst on the right channel only triggers */
  gchar *dir = g_dir_make_tmp ("triggergate-XXXXXX", NULL);
  gchar *desc = g_strdup_printf (
      "ffmpegsrc input-format=lavfi "
      "device=\"aevalsrc='" HUM "|if(between(t,1,1.1),0.5*sin(2*PI*30000*t),0)"
      "':s=%d:d=3\" ! audio/x-raw,format=F32LE,rate=%d,channels=2 ! "
      "triggergate name=g " BAND " pre-trigger=100000000 "
      "post-trigger=100000000 ! segmentsink name=ev location=%s fsync=false",
      RATE, RATE, dir);
  Run *run = run_launch (desc, 60000, NULL, NULL);
  GArray *ev = promoted (run, "ev");
  GList *events = messages_named (run, "triggergate-event", "g");
  gdouble freq;
  WavInfo info;

  fail_unless (run->eos);
  fail_unless_equals_int (ev->len, 1);
  fail_unless (read_wav (g_array_index (ev, Seg, 0).path, &info));
  fail_unless_equals_int (info.channels, 2);
  fail_unless_equals_int (info.format, FFC_SAMPLE_F32LE);
  fail_unless (g_array_index (ev, Seg, 0).offset <= 0.9 * RATE);
  fail_unless (g_array_index (ev, Seg, 0).offset + W > 0.9 * RATE);
  fail_unless_equals_int (g_list_length (events), 1);
  fail_unless (gst_structure_get_double (
      gst_message_get_structure (events->data), "peak-frequency", &freq));
  fail_unless (fabs (freq - 30000) < 50, "peak at %.1f Hz", freq);
  g_list_free (events);
  g_array_unref (ev);
  run_free (run);
  rm_rf (dir);
  g_free (desc);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_raw_and_processed_events_named_alike)
{
  /* the bat recorder: archive; one triggergate before a tee; raw events
   * and events resampled to 48 kHz */
  gchar *dir = g_dir_make_tmp ("triggergate-XXXXXX", NULL);
  gchar *desc = g_strdup_printf (
      "ffmpegsrc input-format=lavfi "
      "device=\"aevalsrc='if(between(t,1,1.2)+between(t,3.5,3.6),"
      "0.5*sin(2*PI*20000*t)," HUM ")':s=%d:d=5\" ! "
      "audio/x-raw,format=S16LE,rate=%d,channels=1 ! tee name=a "
      "a. ! queue ! segmentsink name=archive location=%s/archive "
      "fsync=false "
      "a. ! queue ! triggergate " BAND " pre-trigger=500000000 "
      "post-trigger=500000000 ! tee name=t "
      "t. ! queue ! segmentsink name=raw location=%s/raw fsync=false "
      "t. ! queue ! audioresample ! audio/x-raw,rate=48000 ! "
      "segmentsink name=processed location=%s/processed fsync=false",
      RATE, RATE, dir, dir, dir);
  Run *run = run_launch (desc, 60000, NULL, NULL);
  gchar *raw_dir = g_build_filename (dir, "raw", NULL);
  gchar *proc_dir = g_build_filename (dir, "processed", NULL);
  GPtrArray *raw = wav_names (raw_dir, NULL),
            *proc = wav_names (proc_dir, NULL);
  GArray *raw_segs = promoted (run, "raw"),
         *proc_segs = promoted (run, "processed");
  GArray *archive = promoted (run, "archive");

  fail_unless (run->error == NULL);
  fail_unless (run->eos);
  fail_unless_equals_int (archive->len, 1);
  fail_unless_equals_uint64 (g_array_index (archive, Seg, 0).samples, 5 * RATE);
  fail_unless_equals_int (raw->len, 2);
  fail_unless_equals_int (proc->len, 2);
  for (guint i = 0; i < raw->len; i++) {
    Seg *r = &g_array_index (raw_segs, Seg, i),
        *p = &g_array_index (proc_segs, Seg, i);

    fail_unless_equals_string (raw->pdata[i], proc->pdata[i]);
    /* the same stretch of time at a quarter of the rate */
    fail_unless (llabs ((gint64)p->samples * 4 - (gint64)r->samples) <= 64,
        "%" G_GUINT64_FORMAT " processed samples for %" G_GUINT64_FORMAT,
        p->samples, r->samples);
    fail_unless (llabs ((gint64)p->running_time - (gint64)r->running_time)
                 < GST_MSECOND);
  }
  g_ptr_array_unref (raw);
  g_ptr_array_unref (proc);
  g_array_unref (raw_segs);
  g_array_unref (proc_segs);
  g_array_unref (archive);
  run_free (run);
  rm_rf (dir);
  g_free (raw_dir);
  g_free (proc_dir);
  g_free (desc);
  g_free (dir);
}

GST_END_TEST;

static GstClockTime
upstream_latency (GstPad *pad)
{
  GstQuery *q = gst_query_new_latency ();
  GstClockTime min;
  gboolean live;

  fail_unless (gst_pad_query (pad, q));
  gst_query_parse_latency (q, &live, &min, NULL);
  fail_unless (live);
  gst_query_unref (q);
  return min;
}

GST_START_TEST (test_live_latency)
{
  /* a live capture (-re): the pipeline's latency includes what the gate
   * holds back, and events are still written */
  gchar *dir = g_dir_make_tmp ("triggergate-XXXXXX", NULL);
  gchar *desc = g_strdup_printf (
      "ffmpegsrc input-format=lavfi input-options=-re "
      "device=\"aevalsrc='if(between(t,1,1.2),0.5*sin(2*PI*20000*t)," HUM
      ")':s=48000:d=3\" ! audio/x-raw,format=S16LE,rate=48000,channels=1 "
      "! triggergate name=g low-freq=10000 high-freq=24000 "
      "pre-trigger=300000000 post-trigger=300000000 ! "
      "segmentsink name=ev location=%s fsync=false",
      dir);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *gate = gst_bin_get_by_name (GST_BIN (pipeline), "g");
  GstPad *src = gst_element_get_static_pad (gate, "src");
  GstQuery *q;
  GstClockTime upstream_before, upstream_after, min, max;
  gboolean live;
  GstPad *peer, *sink;
  GArray *ev;
  Run *run;
  GstEvent *clock;
  GList *events;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL, 10 * GST_SECOND)
               == GST_STATE_CHANGE_SUCCESS);
  /* what the gate adds to what upstream says: pre-trigger + a window.
   * ffmpegsrc's own latency changes once it sees how ffmpeg writes, so it
   * is asked before and after */
  sink = gst_element_get_static_pad (gate, "sink");
  peer = gst_pad_get_peer (sink);
  gst_object_unref (sink);
  upstream_before = upstream_latency (peer);
  q = gst_query_new_latency ();
  fail_unless (gst_pad_query (src, q));
  gst_query_parse_latency (q, &live, &min, &max);
  fail_unless (live);
  gst_query_unref (q);
  upstream_after = upstream_latency (peer);
  gst_object_unref (peer);
  fail_unless (min == upstream_before + 310 * GST_MSECOND
                   || min == upstream_after + 310 * GST_MSECOND,
      "latency %" GST_TIME_FORMAT ", upstream %" GST_TIME_FORMAT
      " then %" GST_TIME_FORMAT,
      GST_TIME_ARGS (min), GST_TIME_ARGS (upstream_before),
      GST_TIME_ARGS (upstream_after));
  gst_object_unref (gate);

  run = run_pipeline (pipeline, 60000, NULL, NULL);
  fail_unless (run->error == NULL);
  fail_unless (run->eos);
  ev = promoted (run, "ev");
  fail_unless_equals_int (ev->len, 1);
  fail_unless (g_array_index (ev, Seg, 0).offset <= 0.7 * 48000);
  fail_unless (g_array_index (ev, Seg, 0).offset + 480 > 0.7 * 48000);

  /* the live capture's time model went through unchanged */
  clock = gst_pad_get_sticky_event (src, GST_EVENT_CUSTOM_DOWNSTREAM_STICKY, 0);
  fail_unless (clock != NULL && gst_event_has_name (clock, "ffcapture-clock"));
  gst_event_unref (clock);
  events = messages_named (run, "triggergate-event", "g");
  fail_unless_equals_int (g_list_length (events), 1);
  g_list_free (events);
  gst_object_unref (src);
  g_array_unref (ev);
  run_free (run);
  rm_rf (dir);
  g_free (desc);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_wall_time_from_the_model)
{
  /* a time model that no clock could give (2020, 100 ppm fast), and 2 s at
   * 48 kHz with a 15 kHz burst at 1.0-1.1 s: the event, its buffers and
   * its wall time, to the sample and the microsecond */
  const gint64 wall0 = G_GINT64_CONSTANT (1577836800000000);
  FfcTimeModel model = { 0, wall0, 100.0, TRUE, TRUE, TRUE };
  GstElement *gate = gst_element_factory_make ("triggergate", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstMessage *m;
  const GstStructure *s;
  GstBuffer *out;
  GstEvent *ev;
  guint64 start_rt, offset, samples;
  gint64 start_wall, end_wall;
  gboolean saw_model = FALSE, saw_gap = FALSE;

  g_object_set (gate, "low-freq", 10000.0, "high-freq", 20000.0, "pre-trigger",
      300 * GST_MSECOND, "post-trigger", 200 * GST_MSECOND, NULL);
  gst_element_set_bus (gate, bus);
  h = gst_harness_new_with_element (gate, "sink", "src");
  gst_object_unref (gate);
  gst_harness_set_src_caps_str (
      h, "audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved");
  fail_unless (gst_harness_push_event (
      h, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM_STICKY,
             gst_structure_new ("ffcapture-clock", "running-time",
                 G_TYPE_UINT64, (guint64)0, "wall-time", G_TYPE_INT64, wall0,
                 "drift-ppm", G_TYPE_DOUBLE, 100.0, "drift-known",
                 G_TYPE_BOOLEAN, TRUE, "settled", G_TYPE_BOOLEAN, TRUE,
                 "synchronised", G_TYPE_BOOLEAN, TRUE, NULL))));
  for (guint i = 0; i < 20; i++) {
    GstBuffer *b = gst_buffer_new_allocate (NULL, 4800 * 2, NULL);
    GstMapInfo map;
    gint16 *pcm;

    gst_buffer_map (b, &map, GST_MAP_WRITE);
    pcm = (gint16 *)map.data;
    for (guint f = 0; f < 4800; f++) {
      guint64 n = i * 4800 + f;

      pcm[f] = (n >= 48000 && n < 52800) ? (gint16)lrint (
                   16384 * sin (2 * G_PI * 15000.0 * n / 48000))
                                         : 0;
    }
    gst_buffer_unmap (b, &map);
    GST_BUFFER_PTS (b) = i * 100 * GST_MSECOND;
    GST_BUFFER_DURATION (b) = 100 * GST_MSECOND;
    GST_BUFFER_OFFSET (b) = i * 4800;
    GST_BUFFER_OFFSET_END (b) = (i + 1) * 4800;
    fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  /* the event: 0.7 s (pre-trigger before the burst) to 1.3 s */
  out = gst_harness_pull (h);
  fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT));
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 700 * GST_MSECOND);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), 33600);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (out), 38400);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), 100 * GST_MSECOND);
  samples = gst_buffer_get_size (out) / 2;
  gst_buffer_unref (out);
  while ((out = gst_harness_try_pull (h)) != NULL) {
    fail_if (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT));
    samples += gst_buffer_get_size (out) / 2;
    gst_buffer_unref (out);
  }
  fail_unless_equals_uint64 (samples, 0.6 * 48000);
  /* the model went downstream unchanged, and GAPs for the rest */
  while ((ev = gst_harness_try_pull_event (h)) != NULL) {
    if (gst_event_has_name (ev, "ffcapture-clock")) {
      FfcTimeModel m2 = { 0 };

      s = gst_event_get_structure (ev);
      fail_unless (gst_structure_get_int64 (s, "wall-time", &m2.wall_us));
      fail_unless (gst_structure_get_double (s, "drift-ppm", &m2.drift_ppm));
      fail_unless_equals_int64 (m2.wall_us, wall0);
      fail_unless_equals_float (m2.drift_ppm, 100.0);
      saw_model = TRUE;
    }
    if (GST_EVENT_TYPE (ev) == GST_EVENT_GAP)
      saw_gap = TRUE;
    gst_event_unref (ev);
  }
  fail_unless (saw_model);
  fail_unless (saw_gap);

  m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (m != NULL);
  s = gst_message_get_structure (m);
  fail_unless (gst_structure_has_name (s, "triggergate-event"));
  fail_unless (gst_structure_get_uint64 (s, "start-running-time", &start_rt));
  fail_unless (gst_structure_get_uint64 (s, "start-offset", &offset));
  fail_unless (gst_structure_get_int64 (s, "start-wall-time", &start_wall));
  fail_unless (gst_structure_get_int64 (s, "end-wall-time", &end_wall));
  fail_unless_equals_uint64 (start_rt, 700 * GST_MSECOND);
  fail_unless_equals_uint64 (offset, 33600);
  fail_unless_equals_int64 (
      start_wall, ffc_time_model_wall_of (&model, 700 * GST_MSECOND));
  fail_unless_equals_int64 (
      end_wall, ffc_time_model_wall_of (&model, 1300 * GST_MSECOND));
  /* a device 100 ppm fast: 0.7 s of its samples are 70 µs less of wall */
  fail_unless_equals_int64 (start_wall, wall0 + 700000 - 70);
  gst_message_unref (m);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The state change or negotiation fails with an ERROR saying `text`. */
static void
expect_failure (const gchar *rate_caps, const gchar *props, const gchar *text)
{
  gchar *desc = g_strdup_printf (
      "ffmpegsrc input-format=lavfi device=sine=sample_rate=%s:duration=1 ! "
      "triggergate %s ! fakesink",
      rate_caps, props);
  Run *run = run_launch (desc, 30000, NULL, NULL);
  gchar *msg;

  fail_unless (run->error != NULL, "%s: no error", props);
  msg = message_text (run->error);
  fail_unless (strstr (msg, text) != NULL, "%s: \"%s\" does not say \"%s\"",
      props, msg, text);
  g_free (msg);
  run_free (run);
  g_free (desc);
}

GST_START_TEST (test_bad_settings)
{
  expect_failure ("48000", "low-freq=20000 high-freq=10000",
      "low-freq 20000 Hz is not below high-freq 10000 Hz");
  expect_failure ("48000", "low-freq=15000 high-freq=120000",
      "high-freq 120000 Hz is above the Nyquist frequency 24000 Hz at 48000 "
      "Hz");
  expect_failure ("48000", "pre-trigger=5000000000 max-event=2000000000",
      "pre-trigger 5000000000 ns (5.000 s) is longer than max-event");
  expect_failure ("48000", "window=0", "window 0 ns");
  expect_failure (
      "48000", "window=100000", "window of 4 frames at 48000 Hz is too short");
  expect_failure ("48000", "min-trigger=90000000000", "min-trigger");
}

GST_END_TEST;

GST_START_TEST (test_settings_fixed_while_running)
{
  GstElement *pipeline = gst_parse_launch (
      "ffmpegsrc input-format=lavfi input-options=-re "
      "device=sine=sample_rate=48000 ! triggergate name=g ! fakesink",
      NULL);
  GstElement *gate = gst_bin_get_by_name (GST_BIN (pipeline), "g");
  guint64 pre;
  gdouble threshold;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL, 10 * GST_SECOND)
               == GST_STATE_CHANGE_SUCCESS);
  ASSERT_WARNING (
      g_object_set (gate, "pre-trigger", (guint64)GST_SECOND * 3, NULL));
  g_object_get (gate, "pre-trigger", &pre, NULL);
  fail_unless_equals_uint64 (pre, GST_SECOND);
  /* the threshold may change */
  g_object_set (gate, "threshold", -30.0, NULL);
  g_object_get (gate, "threshold", &threshold, NULL);
  fail_unless_equals_float (threshold, -30.0);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  /* stopped: settable again */
  g_object_set (gate, "pre-trigger", (guint64)GST_SECOND * 3, NULL);
  g_object_get (gate, "pre-trigger", &pre, NULL);
  fail_unless_equals_uint64 (pre, 3 * GST_SECOND);
  gst_object_unref (gate);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
triggergate_suite (void)
{
  Suite *s = suite_create ("triggergate");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_out_of_band_hum_never_triggers);
  tcase_add_test (tc, test_bursts_pre_and_post_trigger);
  tcase_add_test (tc, test_event_file_when_the_event_ends);
  tcase_add_test (tc, test_overlapping_triggers_merge);
  tcase_add_test (tc, test_max_event_cuts);
  tcase_add_test (tc, test_trigger_in_the_first_second);
  tcase_add_test (tc, test_preroll_beside_a_short_queue);
  tcase_add_test (tc, test_whole_band_rms_and_min_trigger);
  tcase_add_test (tc, test_any_channel_f32);
  tcase_add_test (tc, test_raw_and_processed_events_named_alike);
  tcase_add_test (tc, test_live_latency);
  tcase_add_test (tc, test_wall_time_from_the_model);
  tcase_add_test (tc, test_bad_settings);
  tcase_add_test (tc, test_settings_fixed_while_running);
  return s;
}

GST_CHECK_MAIN (triggergate);
