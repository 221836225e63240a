/* gst-check tests of schedulegate: a live lavfi capture through the gate
 * into segmentsink, and buffers pushed by hand with a hand-made time
 * model (gst_ffc_clock_event_new) where wall times must be exact. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "check-common.h"
#include "gstffcclock.h"

static gint64
utc (gint y, gint mo, gint d, gint h, gint mi, gdouble s)
{
  GDateTime *dt = g_date_time_new_utc (y, mo, d, h, mi, s);
  gint64 t = g_date_time_to_unix (dt) * G_USEC_PER_SEC
             + g_date_time_get_microsecond (dt);

  g_date_time_unref (dt);
  return t;
}

static gint64
parse_iso (const gchar *text)
{
  GDateTime *dt = g_date_time_new_from_iso8601 (text, NULL);
  gint64 t;

  fail_unless (dt != NULL, "not ISO 8601: %s", text);
  t = g_date_time_to_unix (dt) * G_USEC_PER_SEC
      + g_date_time_get_microsecond (dt);
  g_date_time_unref (dt);
  return t;
}

static guint64
stat_of (GstElement *gate, const gchar *field)
{
  GstStructure *stats = NULL;
  guint64 v = 0;

  g_object_get (gate, "stats", &stats, NULL);
  fail_unless (gst_structure_get_uint64 (stats, field, &v), "no %s", field);
  gst_structure_free (stats);
  return v;
}

/* What reaches the gate's sink pad: frames, and the drift of the time
 * model in force for each buffer (S16LE mono) */
typedef struct {
  guint64 frames;
  gdouble drift_ppm;
  GArray *spans; /* Span */
} Received;

typedef struct {
  guint64 rt_start, rt_end;
  gdouble drift_ppm;
} Span;

static GstPadProbeReturn
watch_input (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Received *r = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
    GstEvent *e = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
    const GstSegment *segment;
    guint64 n = gst_buffer_get_size (b) / 2;
    Span span;

    gst_event_parse_segment (e, &segment);
    span.rt_start = gst_segment_to_running_time (
        segment, GST_FORMAT_TIME, GST_BUFFER_PTS (b));
    span.rt_end =
        span.rt_start + gst_util_uint64_scale_int (n, GST_SECOND, 48000);
    span.drift_ppm = r->drift_ppm;
    g_array_append_val (r->spans, span);
    gst_event_unref (e);
    r->frames += n;
  } else {
    FfcTimeModel model;
    if (gst_ffc_clock_event_parse (GST_PAD_PROBE_INFO_EVENT (info), &model))
      r->drift_ppm = model.drift_ppm;
  }
  return GST_PAD_PROBE_OK;
}

/* The drift of the model the gate had for running time rt */
static gdouble
drift_at (const Received *r, guint64 rt)
{
  for (guint i = 0; i < r->spans->len; i++) {
    Span *s = &g_array_index (r->spans, Span, i);
    if (rt >= s->rt_start && rt < s->rt_end)
      return s->drift_ppm;
  }
  fail ("no buffer holds running time %" G_GUINT64_FORMAT, rt);
  return 0;
}

/* A live capture, 1 s in 2: segmentsink behind the gate writes one file a
 * window, and each file is its window: it begins with the gate's first
 * sample of the window (the same running time), that sample is the first
 * at or after an even second on the capture's time model (within one
 * sample, 21 µs), and the file lasts 1 s but for a window cut by the start
 * or the end of the capture: 48000 × (1 + drift) frames (one more or less
 * for where the samples fall), with the drift of the time model in force
 * when the window opened: 48000 for lavfi, whose drift stays within a few
 * ppm, but a capture slowed down by valgrind gets early estimates of
 * thousands of ppm, and the gate follows its model. The file's name is only
 * checked to within 50 ms of the even second here: segmentsink dates a file
 * begun in the capture's first 10 s by the model it has when the file is
 * finished (docs/time.md), which a loaded machine moves by up to several ms
 * from the one the gate opened the window with (4.8 ms seen);
 * test_segmentsink_names_windows checks names exactly. */
GST_START_TEST (test_duty_cycle_files)
{
  gchar *dir = g_dir_make_tmp ("schedgate-XXXXXX", NULL);
  gchar *desc = g_strdup_printf (
      "ffmpegsrc name=src input-format=lavfi input-options=-re "
      "device=\"sine=sample_rate=48000:duration=5.5\" ! "
      "audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
      "schedulegate name=gate duty-cycle=1s/2s ! segmentsink "
      "location=%s fsync=false",
      dir);
  GstElement *pipeline, *gate;
  GstPad *pad;
  Received received = { 0, 0.0, g_array_new (FALSE, FALSE, sizeof (Span)) };
  guint64 written = 0;
  guint steps;
  guint whole = 0, k = 0;
  GList *promoted, *plans, *windows, *l, *opens = NULL;
  GPtrArray *files;
  GstElement *src;
  GstStructure *src_stats = NULL;
  guint64 lost = 0, dropped = 0, gaps = 0;
  gboolean intact;
  Run *run;

  if (gst_registry_lookup_feature (gst_registry_get (), "ffmpegsrc") == NULL) {
    g_printerr ("SKIP test_duty_cycle_files: ffmpegsrc is not registered\n");
    return;
  }
  pipeline = gst_parse_launch (desc, NULL);
  fail_unless (pipeline != NULL);
  gate = gst_bin_get_by_name (GST_BIN (pipeline), "gate");
  pad = gst_element_get_static_pad (gate, "sink");
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      watch_input, &received, NULL);
  gst_object_unref (pad);
  run = run_pipeline (pipeline, 60000, NULL, NULL);
  fail_unless (run->eos, "no EOS: %s",
      run->error ? message_text (run->error) : "timeout");

  /* a capture slowed down enough to lose audio (under valgrind) has
   * windows with fewer samples: their lengths are then not checked */
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_get (src, "stats", &src_stats, NULL);
  gst_structure_get_uint64 (src_stats, "samples-lost", &lost);
  gst_structure_get_uint64 (src_stats, "samples-dropped", &dropped);
  gst_structure_get_uint64 (src_stats, "gaps", &gaps);
  gst_structure_free (src_stats);
  gst_object_unref (src);
  /* so has one during which the model moved by a step (under valgrind
   * ffmpegsrc's first models move by up to a second: segmentsink then
   * re-dates its first files by as much, and names are not checked
   * either) */
  l = messages_named (run, "schedulegate-clock-step", NULL);
  steps = g_list_length (l);
  g_list_free (l);
  intact = lost == 0 && dropped == 0 && gaps == 0 && steps == 0;
  if (!intact)
    g_printerr ("test_duty_cycle_files: the capture lost %" G_GUINT64_FORMAT
                " and dropped %" G_GUINT64_FORMAT " samples (%" G_GUINT64_FORMAT
                " gaps), %u clock steps: window lengths not checked\n",
        lost, dropped, gaps, steps);

  plans = messages_named (run, "schedulegate-plan", "gate");
  fail_unless (plans != NULL);
  fail_unless_equals_string (
      gst_structure_get_string (
          gst_message_get_structure (plans->data), "reason"),
      "start");
  g_list_free (plans);

  promoted = messages_named (run, "segmentsink-promoted", NULL);
  windows = messages_named (run, "schedulegate-window", "gate");
  for (l = windows; l; l = l->next)
    if (g_strcmp0 (gst_structure_get_string (
                       gst_message_get_structure (l->data), "state"),
            "open")
        == 0)
      opens = g_list_append (opens, l->data);
  /* each file is a window: one opening each */
  fail_unless (g_list_length (promoted) >= 2);
  fail_unless_equals_int (g_list_length (opens), g_list_length (promoted));
  fail_unless_equals_uint64 (
      stat_of (gate, "windows-opened"), g_list_length (opens));
  for (l = promoted; l; l = l->next, k++) {
    const GstStructure *s = gst_message_get_structure (l->data);
    const GstStructure *o =
        gst_message_get_structure (g_list_nth_data (opens, k));
    gint64 named = parse_iso (gst_structure_get_string (s, "start-time"));
    gint64 window = parse_iso (gst_structure_get_string (o, "start"));
    gint64 first_wall = 0;
    guint64 samples = 0, rt_file = 0, rt_open = 1;
    gboolean first = l == promoted, last = l->next == NULL;

    fail_unless (gst_structure_get_uint64 (s, "samples", &samples));
    fail_unless (gst_structure_get_uint64 (s, "running-time", &rt_file));
    fail_unless (gst_structure_get_uint64 (o, "running-time", &rt_open));
    fail_unless (gst_structure_get_int64 (o, "wall-time", &first_wall));
    GST_INFO ("%s: %" G_GUINT64_FORMAT " samples; window %s, first sample "
              "%+" G_GINT64_FORMAT " us",
        gst_structure_get_string (s, "start-time"), samples,
        gst_structure_get_string (o, "start"), first_wall - window);
    written += samples;
    fail_unless_equals_uint64 (rt_file, rt_open);
    fail_unless_equals_int64 (window % (2 * G_USEC_PER_SEC), 0);
    fail_unless (first_wall >= window);
    /* the capture may begin inside its first window, and a step may move
     * it into one */
    if (!first && intact)
      fail_unless (first_wall - window < 21,
          "first sample %" G_GINT64_FORMAT " us after the window's start",
          first_wall - window);
    if (intact)
      fail_unless (ABS (named - first_wall) < 50000,
          "file %s named %" G_GINT64_FORMAT " us from its first sample",
          gst_structure_get_string (s, "location"), named - first_wall);
    {
      gdouble want = 48000.0 * (1.0 + drift_at (&received, rt_open) * 1e-6);
      if (intact)
        fail_unless (samples <= want + 1.0,
            "%" G_GUINT64_FORMAT " samples, %.1f expected", samples, want);
      if (!first && !last && intact)
        fail_unless (samples >= want - 1.0,
            "%" G_GUINT64_FORMAT " samples, %.1f expected", samples, want);
      if (samples >= want - 1.0 && first_wall - window < 21)
        whole++;
    }
  }
  fail_unless (whole >= 2 || !intact, "only %u whole windows", whole);
  files = wav_names (dir, NULL);
  fail_unless_equals_int (files->len, g_list_length (promoted));
  g_ptr_array_unref (files);

  /* passed + withheld = received, and what passed is what was written */
  fail_unless (received.frames > 0);
  fail_unless_equals_uint64 (stat_of (gate, "samples-passed"), written);
  fail_unless_equals_uint64 (
      stat_of (gate, "samples-passed") + stat_of (gate, "samples-withheld"),
      received.frames);
  fail_unless (stat_of (gate, "samples-withheld") > 0);

  g_list_free (promoted);
  g_list_free (windows);
  g_list_free (opens);
  g_array_unref (received.spans);
  gst_object_unref (gate);
  run_free (run);
  rm_rf (dir);
  g_free (dir);
  g_free (desc);
}

GST_END_TEST;

#define RATE 8000
#define BLOCK 1024

/* A harness around a gate with a bus, fed S16LE mono at RATE with the
 * model "running time 0 was wall0_us" */
static GstHarness *
gate_harness (const gchar *schedule, gint64 wall0_us, GstBus **bus)
{
  GstElement *gate = gst_element_factory_make ("schedulegate", NULL);
  FfcTimeModel model = { 0, wall0_us, 0.0, TRUE, TRUE, TRUE };
  GstHarness *h;

  g_object_set (gate, "schedule", schedule, NULL);
  h = gst_harness_new_with_element (gate, "sink", "src");
  gst_object_unref (gate);
  *bus = gst_bus_new ();
  gst_element_set_bus (h->element, *bus);
  gst_harness_set_src_caps_str (h, "audio/x-raw, format=S16LE, rate=8000, "
                                   "channels=1, layout=interleaved");
  fail_unless (gst_harness_push_event (h, gst_ffc_clock_event_new (&model)));
  return h;
}

/* Buffer `i` of BLOCK frames whose samples are their frame numbers */
static GstFlowReturn
push_block (GstHarness *h, guint i)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, BLOCK * 2, NULL);
  GstMapInfo map;

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  for (guint j = 0; j < BLOCK; j++)
    ((gint16 *)map.data)[j] = (gint16)((i * BLOCK + j) % 32768);
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = gst_util_uint64_scale_int (i * BLOCK, GST_SECOND, RATE);
  GST_BUFFER_DURATION (b) =
      gst_util_uint64_scale_int ((i + 1) * BLOCK, GST_SECOND, RATE)
      - GST_BUFFER_PTS (b);
  GST_BUFFER_OFFSET (b) = (guint64)i * BLOCK;
  GST_BUFFER_OFFSET_END (b) = (guint64)(i + 1) * BLOCK;
  if (i == 0)
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
  return gst_harness_push (h, b);
}

static GList *
element_messages (GstBus *bus, const gchar *name)
{
  GList *out = NULL;
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) != NULL) {
    if (name == NULL || gst_message_has_name (m, name))
      out = g_list_append (out, m);
    else
      gst_message_unref (m);
  }
  return out;
}

/* The window 06:00:00..06:00:01 with running time 0 at 05:59:59.5: frames
 * 4000 to 11999 pass, split out of the 4th and the 12th buffer to the
 * sample, with their timestamps and offsets; GAP events cover the rest. */
GST_START_TEST (test_split_mid_buffer)
{
  GstBus *bus;
  GstHarness *h =
      gate_harness ("06:00..06:00:01", utc (2027, 3, 1, 5, 59, 59.5), &bus);
  GstBuffer *b;
  GstEvent *e;
  guint64 passed = 0, next_offset = 4000;
  GstClockTime gaps = 0;
  gboolean first_part = TRUE, saw_model = FALSE;
  GList *windows;
  const GstStructure *s;
  guint64 rt;

  for (guint i = 0; i < 16; i++)
    fail_unless_equals_int (push_block (h, i), GST_FLOW_OK);

  while ((b = gst_harness_try_pull (h)) != NULL) {
    GstMapInfo map;
    guint64 frames = gst_buffer_get_size (b) / 2;

    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (b), next_offset);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (b), next_offset + frames);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b),
        gst_util_uint64_scale_int (next_offset, GST_SECOND, RATE));
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (b),
        gst_util_uint64_scale_int (next_offset + frames, GST_SECOND, RATE)
            - GST_BUFFER_PTS (b));
    fail_unless_equals_int (
        GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DISCONT), first_part);
    gst_buffer_map (b, &map, GST_MAP_READ);
    fail_unless_equals_int (((gint16 *)map.data)[0], (gint)next_offset);
    gst_buffer_unmap (b, &map);
    if (first_part)
      /* 4000 = 3 * 1024 + 928: the rest of the 4th buffer */
      fail_unless_equals_uint64 (frames, 4 * BLOCK - 4000);
    first_part = FALSE;
    passed += frames;
    next_offset += frames;
    gst_buffer_unref (b);
  }
  fail_unless_equals_uint64 (passed, RATE);
  fail_unless_equals_uint64 (next_offset, 12000);

  while ((e = gst_harness_try_pull_event (h)) != NULL) {
    if (GST_EVENT_TYPE (e) == GST_EVENT_GAP) {
      GstClockTime ts, dur;
      gst_event_parse_gap (e, &ts, &dur);
      gaps += dur;
    } else if (gst_event_has_name (e, FFC_CLOCK_EVENT)) {
      saw_model = TRUE; /* forwarded for segmentsink */
    }
    gst_event_unref (e);
  }
  fail_unless (saw_model);
  fail_unless_equals_uint64 (
      gaps, gst_util_uint64_scale_int (16 * BLOCK - RATE, GST_SECOND, RATE));

  windows = element_messages (bus, "schedulegate-window");
  fail_unless_equals_int (g_list_length (windows), 2);
  s = gst_message_get_structure (windows->data);
  fail_unless_equals_string (gst_structure_get_string (s, "state"), "open");
  fail_unless_equals_string (
      gst_structure_get_string (s, "start"), "2027-03-01T06:00:00Z");
  fail_unless_equals_string (
      gst_structure_get_string (s, "end"), "2027-03-01T06:00:01Z");
  fail_unless (gst_structure_get_uint64 (s, "running-time", &rt));
  fail_unless_equals_uint64 (rt, GST_SECOND / 2);
  s = gst_message_get_structure (windows->next->data);
  fail_unless_equals_string (gst_structure_get_string (s, "state"), "closed");
  fail_unless (gst_structure_get_uint64 (s, "running-time", &rt));
  fail_unless_equals_uint64 (rt, 3 * GST_SECOND / 2);
  g_list_free_full (windows, (GDestroyNotify)gst_message_unref);

  fail_unless_equals_uint64 (stat_of (h->element, "windows-opened"), 1);
  fail_unless_equals_uint64 (stat_of (h->element, "samples-passed"), RATE);
  fail_unless_equals_uint64 (
      stat_of (h->element, "samples-withheld"), 16 * BLOCK - RATE);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The window 06:00:08..06:00:09 with running time 0 at 06:00:00; at
 * running time 2 s a new model says the wall clock is 5 s later (NTP
 * stepped it): the window follows, to running time 3..4 s, with a
 * message and a new plan. */
GST_START_TEST (test_clock_step)
{
  GstBus *bus;
  GstHarness *h =
      gate_harness ("06:00:08..06:00:09", utc (2027, 3, 1, 6, 0, 0), &bus);
  FfcTimeModel stepped = { 0, 0, 0.0, TRUE, TRUE, TRUE };
  GstBuffer *b;
  guint64 passed = 0;
  GstClockTime first_pts = GST_CLOCK_TIME_NONE;
  GList *all;
  gint64 step = 0;
  guint steps = 0;
  GPtrArray *reasons = g_ptr_array_new_with_free_func (g_free);

  /* 2 s = 16000 frames is not a whole number of blocks: push 16 (2.048 s)
   * and give the new model for the running time after them */
  for (guint i = 0; i < 16; i++)
    fail_unless_equals_int (push_block (h, i), GST_FLOW_OK);
  stepped.running_time_ns =
      gst_util_uint64_scale_int (16 * BLOCK, GST_SECOND, RATE);
  stepped.wall_us = utc (2027, 3, 1, 6, 0, 0)
                    + (gint64)stepped.running_time_ns / 1000
                    + 5 * G_USEC_PER_SEC;
  fail_unless (gst_harness_push_event (h, gst_ffc_clock_event_new (&stepped)));
  for (guint i = 16; i < 48; i++)
    fail_unless_equals_int (push_block (h, i), GST_FLOW_OK);

  while ((b = gst_harness_try_pull (h)) != NULL) {
    if (!GST_CLOCK_TIME_IS_VALID (first_pts))
      first_pts = GST_BUFFER_PTS (b);
    passed += gst_buffer_get_size (b) / 2;
    gst_buffer_unref (b);
  }
  /* without the step the window would be at 8 s, after the 6.1 s pushed */
  fail_unless_equals_uint64 (passed, RATE);
  fail_unless_equals_uint64 (first_pts, 3 * GST_SECOND);

  all = element_messages (bus, NULL);
  for (GList *l = all; l; l = l->next) {
    const GstStructure *st = gst_message_get_structure (l->data);
    if (gst_structure_has_name (st, "schedulegate-clock-step")) {
      fail_unless (gst_structure_get_int64 (st, "step", &step));
      steps++;
    } else if (gst_structure_has_name (st, "schedulegate-plan")) {
      g_ptr_array_add (
          reasons, g_strdup (gst_structure_get_string (st, "reason")));
    }
  }
  fail_unless_equals_int (steps, 1);
  fail_unless_equals_int64 (step, 5 * G_USEC_PER_SEC);
  fail_unless_equals_int (reasons->len, 2);
  fail_unless_equals_string (reasons->pdata[0], "start");
  fail_unless_equals_string (reasons->pdata[1], "clock-step");
  g_ptr_array_unref (reasons);
  g_list_free_full (all, (GDestroyNotify)gst_message_unref);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
expect_refused (
    const gchar *prop, const gchar *value, gboolean warns, const gchar *token)
{
  GstElement *pipeline = gst_parse_launch (
      "audiotestsrc num-buffers=1 ! schedulegate name=gate ! fakesink", NULL);
  GstElement *gate = gst_bin_get_by_name (GST_BIN (pipeline), "gate");
  gchar *text;
  Run *run;

  if (warns) {
    ASSERT_WARNING (g_object_set (gate, prop, value, NULL));
  } else {
    g_object_set (gate, prop, value, NULL);
  }
  gst_object_unref (gate);
  run = run_pipeline (pipeline, 10000, NULL, NULL);
  fail_unless (run->error != NULL, "%s=%s was not refused", prop, value);
  text = message_text (run->error);
  fail_unless (
      strstr (text, token) != NULL, "\"%s\" does not name %s", text, token);
  g_free (text);
  run_free (run);
}

GST_START_TEST (test_bad_schedules_refused)
{
  expect_refused ("schedule", "sunrise+1x..09:00", TRUE, "sunrise+1x");
  expect_refused ("schedule", "25:00..06:00", TRUE, "25:00");
  /* valid alone: refused at start, when the missing position is known */
  expect_refused ("schedule", "sunset-1h..sunrise+1h", FALSE, "sunset-1h");
  expect_refused ("duty-cycle", "20m/10m", TRUE, "20m/10m");
  expect_refused (
      "date-range", "2027-06-30..2027-03-01", TRUE, "2027-06-30..2027-03-01");
  expect_refused ("timezone", "Mars/Olympus_Mons", TRUE, "Mars/Olympus_Mons");
}

GST_END_TEST;

/* Two windows, 06:00:00..06:00:01 and 06:00:02..06:00:03, with running
 * time 0 at 05:59:59.5, into segmentsink: one file a window, each named by
 * its window's true start and holding exactly one second. */
/* A harness around the bin of `desc` (the gate and the sinks after it),
 * its messages on `bus`, fed 8 kHz mono S16LE whose running time 0 is at
 * 2027-03-01 05:59:59.5 UTC on the time model */
static GstHarness *
sinks_harness (const gchar *desc, GstBus *bus)
{
  GstElement *bin = gst_parse_bin_from_description (desc, TRUE, NULL);
  FfcTimeModel model = { 0, utc (2027, 3, 1, 5, 59, 59.5), 0.0, TRUE, TRUE,
    TRUE };
  GstHarness *h;

  fail_unless (bin != NULL);
  h = gst_harness_new_with_element (bin, "sink", NULL);
  gst_object_unref (bin);
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, "audio/x-raw, format=S16LE, rate=8000, "
                                   "channels=1, layout=interleaved");
  fail_unless (gst_harness_push_event (h, gst_ffc_clock_event_new (&model)));
  return h;
}

static void
sinks_harness_teardown (GstHarness *h, GstBus *bus)
{
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_START_TEST (test_segmentsink_names_windows)
{
  gchar *dir = g_dir_make_tmp ("schedgate-XXXXXX", NULL);
  gchar *desc = g_strdup_printf (
      "schedulegate schedule=\"06:00..06:00:01;06:00:02..06:00:03\" ! "
      "segmentsink sync=false async=false fsync=false location=%s "
      "filename=%%Y-%%m-%%dT%%H-%%M-%%SZ.wav",
      dir);
  GstBus *bus = gst_bus_new ();
  GstHarness *h = sinks_harness (desc, bus);
  GList *promoted = NULL, *l;
  GstMessage *m;
  GPtrArray *files;
  static const gchar *starts[] = { "2027-03-01T06:00:00.000000Z",
    "2027-03-01T06:00:02.000000Z" };
  guint k = 0;

  for (guint i = 0; i < 32; i++) /* 4.096 s */
    fail_unless_equals_int (push_block (h, i), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) != NULL) {
    if (gst_message_has_name (m, "segmentsink-promoted"))
      promoted = g_list_append (promoted, m);
    else
      gst_message_unref (m);
  }
  fail_unless_equals_int (g_list_length (promoted), 2);
  for (l = promoted; l; l = l->next, k++) {
    const GstStructure *st = gst_message_get_structure (l->data);
    guint64 samples = 0;

    fail_unless_equals_string (
        gst_structure_get_string (st, "start-time"), starts[k]);
    fail_unless (gst_structure_get_uint64 (st, "samples", &samples));
    fail_unless_equals_uint64 (samples, RATE);
  }
  files = wav_names (dir, NULL);
  fail_unless_equals_int (files->len, 2);
  fail_unless_equals_string (files->pdata[0], "2027-03-01T06-00-00Z.wav");
  fail_unless_equals_string (files->pdata[1], "2027-03-01T06-00-02Z.wav");
  g_ptr_array_unref (files);

  g_list_free_full (promoted, (GDestroyNotify)gst_message_unref);
  sinks_harness_teardown (h, bus);
  rm_rf (dir);
  g_free (dir);
  g_free (desc);
}

GST_END_TEST;

/* A window's files are promoted when the window closes, before the next
 * one opens: the one right behind the gate (the closed time's GAP ends
 * it) and the one behind an audioresample, which the gate makes drain
 * the window's last samples first, so that it is whole. */
GST_START_TEST (test_window_files_when_the_window_closes)
{
  gchar *dir = g_dir_make_tmp ("schedgate-XXXXXX", NULL);
  gchar *desc = g_strdup_printf (
      "schedulegate schedule=\"06:00..06:00:01;06:00:02..06:00:03\" ! "
      "tee name=t t. ! segmentsink name=raw sync=false async=false "
      "fsync=false location=%s/raw "
      "t. ! audioresample ! audio/x-raw,rate=4000 ! segmentsink name=rs "
      "sync=false async=false fsync=false location=%s/rs",
      dir, dir);
  GstBus *bus = gst_bus_new ();
  GstHarness *h = sinks_harness (desc, bus);
  GList *promoted, *l;
  guint64 raw = 0, rs = 0;

  /* 2.048 s: the first window (0.5 to 1.5 s) closed, the second not yet
   * open */
  for (guint i = 0; i < 16; i++)
    fail_unless_equals_int (push_block (h, i), GST_FLOW_OK);

  promoted = element_messages (bus, "segmentsink-promoted");
  for (l = promoted; l; l = l->next) {
    const GstStructure *st = gst_message_get_structure (l->data);
    const gchar *from = GST_OBJECT_NAME (GST_MESSAGE_SRC (l->data));
    guint64 samples = 0;

    fail_unless (gst_structure_get_uint64 (st, "samples", &samples));
    if (g_str_equal (from, "raw"))
      raw += samples;
    else
      rs += samples;
  }
  fail_unless_equals_int (g_list_length (promoted), 2);
  fail_unless_equals_uint64 (raw, RATE);
  fail_unless_equals_uint64 (rs, RATE / 2);
  g_list_free_full (promoted, (GDestroyNotify)gst_message_unref);

  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  sinks_harness_teardown (h, bus);
  rm_rf (dir);
  g_free (dir);
  g_free (desc);
}

GST_END_TEST;

/* Stereo F32LE: an edge inside a buffer splits it between frames, never
 * between a frame's channels */
GST_START_TEST (test_split_stereo_f32)
{
  GstElement *gate = gst_element_factory_make ("schedulegate", NULL);
  FfcTimeModel model = { 0, utc (2027, 3, 1, 5, 59, 59.9), 0.0, TRUE, TRUE,
    TRUE };
  GstHarness *h;
  GstBuffer *b;
  GstMapInfo map;
  guint64 frames = 0;

  g_object_set (gate, "schedule", "06:00..07:00", NULL);
  h = gst_harness_new_with_element (gate, "sink", "src");
  gst_object_unref (gate);
  gst_harness_set_src_caps_str (h, "audio/x-raw, format=F32LE, rate=1000, "
                                   "channels=2, layout=interleaved");
  fail_unless (gst_harness_push_event (h, gst_ffc_clock_event_new (&model)));
  /* 250 frames = 0.25 s: the window opens at frame 100 */
  b = gst_buffer_new_allocate (NULL, 250 * 2 * sizeof (gfloat), NULL);
  gst_buffer_map (b, &map, GST_MAP_WRITE);
  for (guint j = 0; j < 250; j++) {
    ((gfloat *)map.data)[2 * j] = (gfloat)j;
    ((gfloat *)map.data)[2 * j + 1] = -(gfloat)j;
  }
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = 0;
  GST_BUFFER_OFFSET (b) = 0;
  GST_BUFFER_OFFSET_END (b) = 250;
  fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);

  b = gst_harness_pull (h);
  fail_unless (b != NULL);
  gst_buffer_map (b, &map, GST_MAP_READ);
  frames = map.size / (2 * sizeof (gfloat));
  fail_unless_equals_uint64 (frames, 150);
  fail_unless_equals_float (((gfloat *)map.data)[0], 100.0f);
  fail_unless_equals_float (((gfloat *)map.data)[1], -100.0f);
  gst_buffer_unmap (b, &map);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (b), 100 * GST_MSECOND);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (b), 100);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (b), 250);
  fail_unless (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DISCONT));
  gst_buffer_unref (b);
  fail_unless_equals_uint64 (stat_of (h->element, "samples-passed"), 150);
  fail_unless_equals_uint64 (stat_of (h->element, "samples-withheld"), 100);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GList *
plans_of (GstBus *bus)
{
  GList *all = element_messages (bus, "schedulegate-plan");
  return all;
}

/* A new plan at midnight of the zone: 23:59:59.5 in Berlin (22:59:59.5
 * UTC in winter), one second pushed */
GST_START_TEST (test_plan_at_midnight)
{
  GstBus *bus;
  GstElement *gate = gst_element_factory_make ("schedulegate", NULL);
  FfcTimeModel model = { 0, utc (2027, 3, 1, 22, 59, 59.5), 0.0, TRUE, TRUE,
    TRUE };
  GstHarness *h;
  GList *plans;

  g_object_set (
      gate, "schedule", "00:00..00:00:01", "timezone", "Europe/Berlin", NULL);
  h = gst_harness_new_with_element (gate, "sink", "src");
  gst_object_unref (gate);
  bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, "audio/x-raw, format=S16LE, rate=8000, "
                                   "channels=1, layout=interleaved");
  fail_unless (gst_harness_push_event (h, gst_ffc_clock_event_new (&model)));
  for (guint i = 0; i < 8; i++) /* 1.024 s */
    fail_unless_equals_int (push_block (h, i), GST_FLOW_OK);

  plans = plans_of (bus);
  fail_unless_equals_int (g_list_length (plans), 2);
  fail_unless_equals_string (
      gst_structure_get_string (
          gst_message_get_structure (plans->next->data), "reason"),
      "midnight");
  fail_unless_equals_string (
      gst_structure_get_string (
          gst_message_get_structure (plans->next->data), "now"),
      "2027-03-01T23:00:00Z");
  /* the window after midnight passes: 0.524 s of the 1.024 s */
  fail_unless_equals_uint64 (stat_of (h->element, "samples-passed"), 4192);
  g_list_free_full (plans, (GDestroyNotify)gst_message_unref);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The dawn chorus at Tromsø at midsummer: no sunrise, no window, and the
 * plan says why */
GST_START_TEST (test_polar_day_message)
{
  GstBus *bus;
  GstElement *gate = gst_element_factory_make ("schedulegate", NULL);
  FfcTimeModel model = { 0, utc (2027, 6, 21, 1, 0, 0), 0.0, TRUE, TRUE, TRUE };
  GstHarness *h;
  GList *plans;
  const gchar *missing;

  g_object_set (gate, "schedule", "sunrise-30m..sunrise+2h", "position",
      "69.65,18.96", "timezone", "Europe/Oslo", NULL);
  h = gst_harness_new_with_element (gate, "sink", "src");
  gst_object_unref (gate);
  bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, "audio/x-raw, format=S16LE, rate=8000, "
                                   "channels=1, layout=interleaved");
  fail_unless (gst_harness_push_event (h, gst_ffc_clock_event_new (&model)));
  fail_unless_equals_int (push_block (h, 0), GST_FLOW_OK);

  plans = plans_of (bus);
  fail_unless_equals_int (g_list_length (plans), 1);
  fail_unless_equals_string (
      gst_structure_get_string (
          gst_message_get_structure (plans->data), "windows"),
      "");
  missing = gst_structure_get_string (
      gst_message_get_structure (plans->data), "missing");
  fail_unless (
      strstr (missing, "2027-06-21 sunrise: the sun stays above") != NULL, "%s",
      missing);
  fail_unless_equals_uint64 (stat_of (h->element, "samples-passed"), 0);
  fail_unless_equals_uint64 (stat_of (h->element, "samples-withheld"), BLOCK);
  g_list_free_full (plans, (GDestroyNotify)gst_message_unref);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_no_change_while_running)
{
  GstBus *bus;
  GstHarness *h =
      gate_harness ("06:00..07:00", utc (2027, 3, 1, 6, 0, 0), &bus);
  gchar *value = NULL;

  ASSERT_WARNING (g_object_set (h->element, "schedule", "08:00..09:00", NULL));
  g_object_get (h->element, "schedule", &value, NULL);
  fail_unless_equals_string (value, "06:00..07:00");
  g_free (value);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
schedulegate_suite (void)
{
  Suite *s = suite_create ("schedulegate");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_split_mid_buffer);
  tcase_add_test (tc, test_clock_step);
  tcase_add_test (tc, test_segmentsink_names_windows);
  tcase_add_test (tc, test_window_files_when_the_window_closes);
  tcase_add_test (tc, test_split_stereo_f32);
  tcase_add_test (tc, test_plan_at_midnight);
  tcase_add_test (tc, test_polar_day_message);
  tcase_add_test (tc, test_bad_schedules_refused);
  tcase_add_test (tc, test_no_change_while_running);
  tcase_add_test (tc, test_duty_cycle_files);
  return s;
}

GST_CHECK_MAIN (schedulegate);
