/* recorder: the field recorder's triple-stream pipeline, embedded in C.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One capture feeds a raw stream (native rate), a processed stream (48 kHz,
 * for detectors) and, when an Icecast server is given, a best-effort Opus
 * stream. Every promoted segment and every warning is printed. SIGINT and
 * SIGTERM become EOS, so the last segments are finalized and promoted before
 * the program exits. Exit status: 0 after a clean stop, 1 after an error,
 * 2 for bad arguments.
 *
 *   recorder --data-dir /data --device hw:1,0 --rate 384000
 *   recorder --data-dir /tmp/rec --mock --seconds 10
 *   recorder --data-dir /tmp/rec --mock --icecast 127.0.0.1:8000 \
 *       --password hackme --mount /mic.opus
 */
#include <stdlib.h>
#include <string.h>

#include <glib-unix.h>
#include <gst/gst.h>

typedef struct {
  gchar *data_dir;
  gchar *input_format;
  gchar *device;
  gint rate;
  gint processed_rate;
  gint segment_seconds;
  gint seconds; /* stop after this long; 0 = until a signal */
  gboolean mock;
  gchar *icecast; /* host:port */
  gchar *password;
  gchar *mount;
} Options;

typedef struct {
  GMainLoop *loop;
  GstElement *pipeline;
  gboolean stopping;
  gint exit_status;
} App;

/* Numbers go into the description; strings a user typed are set as
 * properties afterwards, so no quoting of theirs can change the pipeline. */
static gchar *
build_description (const Options *o)
{
  GString *d = g_string_new (NULL);

  g_string_append_printf (d,
      "ffmpegsrc name=src sample-rate=%d%s ! "
      "audio/x-raw,format=S16LE,rate=%d,channels=1 ! tee name=t "
      "t. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! "
      "segmentsink name=raw stream-name=raw "
      "segment-duration=%" G_GUINT64_FORMAT " "
      "t. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! "
      "audioresample ! audio/x-raw,rate=%d ! "
      "segmentsink name=processed stream-name=processed "
      "segment-duration=%" G_GUINT64_FORMAT,
      o->rate, o->mock ? "" : " channels=1", o->rate,
      (guint64)o->segment_seconds * GST_SECOND, o->processed_rate,
      (guint64)o->segment_seconds * GST_SECOND);
  if (o->icecast != NULL)
    g_string_append (d, " t. ! besteffortsink name=stream");
  return g_string_free (d, FALSE);
}

static void
set_string (GstElement *pipeline, const gchar *element, const gchar *property,
    const gchar *value)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), element);
  g_object_set (e, property, value, NULL);
  gst_object_unref (e);
}

static void
configure (GstElement *pipeline, const Options *o)
{
  gchar *raw_dir = g_build_filename (o->data_dir, "raw", NULL);
  gchar *processed_dir = g_build_filename (o->data_dir, "processed", NULL);

  if (o->mock) {
    /* ffmpeg's test tone paced like a device: no sound hardware needed */
    gchar *graph =
        g_strdup_printf ("sine=frequency=1000:sample_rate=%d", o->rate);
    set_string (pipeline, "src", "input-format", "lavfi");
    set_string (pipeline, "src", "input-options", "-re");
    set_string (pipeline, "src", "device", graph);
    g_free (graph);
  } else {
    set_string (pipeline, "src", "input-format", o->input_format);
    set_string (pipeline, "src", "device", o->device);
  }
  set_string (pipeline, "raw", "location", raw_dir);
  set_string (pipeline, "processed", "location", processed_dir);
  if (o->icecast != NULL) {
    gchar **hp = g_strsplit (o->icecast, ":", 2);
    gchar *branch = g_strdup_printf (
        "audioresample ! audioconvert ! "
        "opusenc bitrate=64000 ! oggmux ! shout2send ip=\"%s\" port=%s "
        "password=\"%s\" mount=\"%s\"",
        hp[0], hp[1] ? hp[1] : "8000", o->password ? o->password : "hackme",
        o->mount ? o->mount : "/mic.opus");
    set_string (pipeline, "stream", "branch", branch);
    g_free (branch);
    g_strfreev (hp);
  }
  g_free (raw_dir);
  g_free (processed_dir);
}

static gboolean
stop (gpointer user_data)
{
  App *app = user_data;

  if (!app->stopping) {
    app->stopping = TRUE;
    g_print ("recorder: stopping: finalizing the open segments\n");
    gst_element_send_event (app->pipeline, gst_event_new_eos ());
  }
  return G_SOURCE_CONTINUE;
}

static void
print_element_message (GstMessage *msg)
{
  const GstStructure *s = gst_message_get_structure (msg);
  const gchar *name = gst_structure_get_name (s);

  if (g_str_equal (name, "segmentsink-promoted")) {
    guint64 samples = 0;
    gst_structure_get_uint64 (s, "samples", &samples);
    g_print ("recorder: %s: %s (%" G_GUINT64_FORMAT " samples, start %s)\n",
        GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
        gst_structure_get_string (s, "location"), samples,
        gst_structure_get_string (s, "start-time"));
  } else if (g_str_has_prefix (name, "besteffortsink-")
             || g_str_has_prefix (name, "ffmpegsrc-")
             || g_str_has_prefix (name, "segmentsink-")) {
    gchar *text = gst_structure_to_string (s);
    g_print ("recorder: %s\n", text);
    g_free (text);
  }
}

static gboolean
on_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  App *app = user_data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_EOS:
      g_print ("recorder: all segments finalized\n");
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      g_printerr ("recorder: ERROR from %s: %s\n%s\n",
          GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message,
          debug ? debug : "");
      app->exit_status = 1;
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, &debug);
      g_print ("recorder: warning from %s: %s\n",
          GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message);
      break;
    case GST_MESSAGE_ELEMENT:
      print_element_message (msg);
      break;
    default:
      break;
  }
  g_clear_error (&err);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  Options o = {
    .input_format = g_strdup ("alsa"),
    .device = g_strdup ("default"),
    .rate = 384000,
    .processed_rate = 48000,
    .segment_seconds = 60,
  };
  GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &o.data_dir,
        "Where the raw/ and processed/ segments go (required)", "DIR" },
    { "input-format", 'f', 0, G_OPTION_ARG_STRING, &o.input_format,
        "ffmpeg input format (default alsa)", "FMT" },
    { "device", 'i', 0, G_OPTION_ARG_STRING, &o.device,
        "ffmpeg input device (default 'default')", "DEV" },
    { "rate", 'r', 0, G_OPTION_ARG_INT, &o.rate,
        "Capture rate in Hz (default 384000)", "HZ" },
    { "processed-rate", 0, 0, G_OPTION_ARG_INT, &o.processed_rate,
        "Rate of the processed stream (default 48000)", "HZ" },
    { "segment-seconds", 's', 0, G_OPTION_ARG_INT, &o.segment_seconds,
        "Segment length in seconds (default 60)", "S" },
    { "seconds", 't', 0, G_OPTION_ARG_INT, &o.seconds,
        "Stop after this many seconds (default: run until SIGINT/SIGTERM)",
        "S" },
    { "mock", 0, 0, G_OPTION_ARG_NONE, &o.mock,
        "Capture ffmpeg's test tone instead of a device", NULL },
    { "icecast", 0, 0, G_OPTION_ARG_STRING, &o.icecast,
        "Stream Opus to this Icecast server, best effort", "HOST:PORT" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &o.password,
        "Icecast source password", "PW" },
    { "mount", 0, 0, G_OPTION_ARG_STRING, &o.mount,
        "Icecast mount point (default /mic.opus)", "MOUNT" },
    { NULL }
  };
  GOptionContext *ctx = g_option_context_new ("- record raw, processed and "
                                              "live streams from one capture");
  GError *error = NULL;
  App app = {
    0,
  };
  gchar *description;
  GstBus *bus;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || !o.data_dir
      || o.rate <= 0 || o.processed_rate <= 0 || o.segment_seconds <= 0) {
    g_printerr ("recorder: %s\n",
        error ? error->message
              : "--data-dir is required; rates and lengths must be positive");
    return 2;
  }
  g_option_context_free (ctx);

  description = build_description (&o);
  g_print ("recorder: %s\n", description);
  app.pipeline = gst_parse_launch (description, &error);
  g_free (description);
  if (app.pipeline == NULL || error != NULL) {
    g_printerr ("recorder: cannot build the pipeline: %s\n",
        error ? error->message : "unknown error");
    return 2;
  }
  configure (app.pipeline, &o);

  app.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, on_message, &app);
  g_unix_signal_add (SIGINT, stop, &app);
  g_unix_signal_add (SIGTERM, stop, &app);
  if (o.seconds > 0)
    g_timeout_add_seconds (o.seconds, stop, &app);

  if (gst_element_set_state (app.pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    /* the ERROR on the bus says why */
    app.exit_status = 1;
  }
  g_print ("recorder: recording into %s (raw/ and processed/)\n", o.data_dir);
  g_main_loop_run (app.loop);

  gst_element_set_state (app.pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);
  return app.exit_status;
}
