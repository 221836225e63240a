/* gst-ffcapture: besteffortsink
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-besteffortsink
 * @title: besteffortsink
 *
 * besteffortsink runs a branch, given as a pipeline description, that must
 * never disturb the rest of the pipeline: a live stream to an Icecast server
 * beside a recording, for instance.
 *
 * - Upstream is never blocked: what the branch has not taken within
 *   #GstBestEffortSink:max-latency is dropped at the input and counted in
 *   #GstBestEffortSink:stats; the sink pad always returns GST_FLOW_OK.
 * - An error inside the branch becomes a WARNING and a `besteffortsink-down`
 *   element message; the branch is torn down and built again after
 *   #GstBestEffortSink:retry-delay (doubling up to 30 s), and
 *   `besteffortsink-up` is posted once data flows through it again. The rest
 *   of the pipeline never sees the error.
 * - A branch description that does not parse is refused at the state change
 *   with the parser's message.
 * - EOS reaches the branch, so a stream ends cleanly; a branch that has not
 *   finished within #GstBestEffortSink:eos-timeout (stuck, or down) is
 *   abandoned, so the pipeline's EOS never waits for it.
 *
 * ## Element messages
 *
 * `besteffortsink-down`: fields `error` (string), `debug` (string),
 * `source` (string, the element that failed), `retry-in` (guint64, ns).
 *
 * `besteffortsink-up`: fields `restarts` (guint, rebuilds so far).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 ffmpegsrc device=hw:1,0 sample-rate=384000 ! tee name=t \
 *     t. ! queue ! segmentsink location=/data/raw \
 *     t. ! besteffortsink branch="audioresample ! audioconvert ! \
 *         opusenc bitrate=64000 ! oggmux ! shout2send ip=127.0.0.1 \
 *         port=8000 password=hackme mount=/mic.opus"
 * ]| Records, and streams Opus to Icecast as long as the server is there.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstbesteffortsink.h"
#include "gstffcaptureelements.h"

#include "ffc-retry.h"
#include "ffc-settings.h"

struct _GstBestEffortSink {
  GstBin parent;

  GstPad *sinkpad; /* ghost pad, targets the live instance */

  /* properties, under the object lock */
  gchar *branch; /* read at start only: the snapshot below serves rebuilds */
  GstClockTime max_latency;
  GstClockTime retry_delay;
  GstClockTime eos_timeout;

  /* The branch's lifecycle has one owner: building, state changes and
   * teardown of the instance happen under lifecycle_lock only, so that no
   * instance is set to a state once its teardown began, and each reaches
   * NULL before its last unref. Never taken from the branch's streaming
   * threads (chain, event, query, handle_message, the probes), which
   * teardown waits for. Order: lifecycle_lock, then the object lock or
   * the retry timer's. */
  GMutex lifecycle_lock;
  GstState branch_state; /* the state the instance follows */
  gchar *running_branch; /* the branch property, copied at start */
  gboolean started;      /* READY to PAUSED began: settings are fixed */

  /* written under lifecycle_lock and the object lock, read under either */
  GstElement *instance; /* queue + branch; NULL while down */
  GstElement *queue;
  gboolean down;
  gboolean accepting; /* the new branch has the stream's sticky events */
  gboolean up_posted;
  guint buffers_in_branch; /* buffers the branch's sinks took */
  guint64 dropped_buffers;
  guint64 dropped_bytes;
  guint64 dropped_time;
  guint restarts;
  guint generation; /* which instance errors belong to */
  gchar *last_error;
  gboolean eos_received; /* the stream ended: no rebuilds */
  gboolean eos_posted;   /* our EOS message went out */

  GThread *retry_thread; /* waits for what `retry` says is due */
  FfcRetry retry;
};

GST_DEBUG_CATEGORY_STATIC (gst_best_effort_sink_debug);
#define GST_CAT_DEFAULT gst_best_effort_sink_debug

#define DEFAULT_BRANCH NULL
#define DEFAULT_MAX_LATENCY (2 * GST_SECOND)
#define DEFAULT_RETRY_DELAY (1 * GST_SECOND)
#define DEFAULT_EOS_TIMEOUT (2 * GST_SECOND)
/* The branch has taken data when one of its sinks got its second buffer:
 * the first one is where network sinks connect, and fail. */
#define BUFFERS_FOR_UP 2

enum {
  PROP_0,
  PROP_BRANCH,
  PROP_MAX_LATENCY,
  PROP_RETRY_DELAY,
  PROP_STATS,
  PROP_EOS_TIMEOUT,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_best_effort_sink_parent_class parent_class
G_DEFINE_TYPE (GstBestEffortSink, gst_best_effort_sink, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (besteffortsink, "besteffortsink",
    GST_RANK_NONE, GST_TYPE_BEST_EFFORT_SINK,
    GST_DEBUG_CATEGORY_INIT (
        gst_best_effort_sink_debug, "besteffortsink", 0, "best-effort branch"));

static void gst_best_effort_sink_finalize (GObject *object);
static void gst_best_effort_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_best_effort_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static GstStateChangeReturn gst_best_effort_sink_change_state (
    GstElement *element, GstStateChange transition);
static void gst_best_effort_sink_handle_message (
    GstBin *bin, GstMessage *message);
static GstFlowReturn gst_best_effort_sink_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buffer);
static gboolean gst_best_effort_sink_event (
    GstPad *pad, GstObject *parent, GstEvent *event);
static gboolean gst_best_effort_sink_query (
    GstPad *pad, GstObject *parent, GstQuery *query);

static void
gst_best_effort_sink_class_init (GstBestEffortSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBinClass *bin_class = GST_BIN_CLASS (klass);

  gobject_class->finalize = gst_best_effort_sink_finalize;
  gobject_class->set_property = gst_best_effort_sink_set_property;
  gobject_class->get_property = gst_best_effort_sink_get_property;

  g_object_class_install_property (gobject_class, PROP_BRANCH,
      g_param_spec_string ("branch", "Branch",
          "The branch, as a pipeline description (gst-launch syntax) with "
          "one unlinked sink pad",
          DEFAULT_BRANCH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MAX_LATENCY,
      g_param_spec_uint64 ("max-latency", "Max latency",
          "Data the branch has not taken within this time (ns; 10 ms to 60 "
          "s) is dropped at the input, so upstream never waits",
          0, G_MAXUINT64, DEFAULT_MAX_LATENCY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_RETRY_DELAY,
      g_param_spec_uint64 ("retry-delay", "Retry delay",
          "Time (ns; 10 ms to 1 h) before a failed branch is built again; "
          "doubles after each failure up to 30 s, and starts over once data "
          "flows",
          0, G_MAXUINT64, DEFAULT_RETRY_DELAY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "dropped-buffers, dropped-bytes, dropped-time (ns), restarts, "
          "up (boolean), last-error",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_property (gobject_class, PROP_EOS_TIMEOUT,
      g_param_spec_uint64 ("eos-timeout", "EOS timeout",
          "Time (ns; 10 ms to 1 h) the branch has after EOS to finish its "
          "stream; a branch that has not by then is abandoned and the element "
          "is done, so the pipeline's EOS never waits for a stuck branch",
          0, G_MAXUINT64, DEFAULT_EOS_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class, "Best-effort sink",
      "Sink/Bin",
      "Runs a branch that can fail, block or vanish without disturbing the "
      "rest of the pipeline",
      "gst-ffcapture developers");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_best_effort_sink_change_state);
  bin_class->handle_message =
      GST_DEBUG_FUNCPTR (gst_best_effort_sink_handle_message);
}

static void
gst_best_effort_sink_init (GstBestEffortSink *self)
{
  self->branch = g_strdup (DEFAULT_BRANCH);
  self->max_latency = DEFAULT_MAX_LATENCY;
  self->retry_delay = DEFAULT_RETRY_DELAY;
  self->eos_timeout = DEFAULT_EOS_TIMEOUT;
  self->down = TRUE;
  self->branch_state = GST_STATE_NULL;
  g_mutex_init (&self->lifecycle_lock);
  ffc_retry_init (&self->retry);

  /* A pad of our own, not a ghost pad: its chain function decides what
   * goes into the branch and always answers OK. */
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_best_effort_sink_chain));
  gst_pad_set_event_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_best_effort_sink_event));
  gst_pad_set_query_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_best_effort_sink_query));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
}

static void
gst_best_effort_sink_finalize (GObject *object)
{
  GstBestEffortSink *self = GST_BEST_EFFORT_SINK (object);

  if (self->retry_thread != NULL) {
    /* disposed without going down to READY: still never leave it running */
    ffc_retry_stop (&self->retry);
    g_thread_join (self->retry_thread);
  }
  g_free (self->branch);
  g_free (self->running_branch);
  g_free (self->last_error);
  g_mutex_clear (&self->lifecycle_lock);
  ffc_retry_clear (&self->retry);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_best_effort_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstBestEffortSink *self = GST_BEST_EFFORT_SINK (object);
  GstClockTime *time = NULL;
  GError *error = NULL;

  GST_OBJECT_LOCK (self);
  if (prop_id == PROP_BRANCH && self->started) {
    /* the running branch is rebuilt from the description it started with */
    GST_OBJECT_UNLOCK (self);
    g_warning ("besteffortsink %s: cannot change branch while running; "
               "set it in the NULL or READY state",
        GST_OBJECT_NAME (self));
    return;
  }
  switch (prop_id) {
    case PROP_BRANCH:
      g_free (self->branch);
      self->branch = g_value_dup_string (value);
      break;
    case PROP_MAX_LATENCY:
      time = &self->max_latency;
      break;
    case PROP_RETRY_DELAY:
      time = &self->retry_delay;
      break;
    case PROP_EOS_TIMEOUT:
      time = &self->eos_timeout;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  /* out of range: said now; kept while running, else refused at start */
  if (time != NULL
      && !ffc_settings_check (pspec->name,
          (gint64)MIN (g_value_get_uint64 (value), (guint64)G_MAXINT64),
          &error)) {
    gboolean keep = self->started;

    GST_OBJECT_UNLOCK (self);
    g_warning ("besteffortsink %s: %s%s", GST_OBJECT_NAME (self),
        error->message, keep ? "; the value in use is kept" : "");
    g_clear_error (&error);
    if (keep)
      return;
    GST_OBJECT_LOCK (self);
  }
  if (time != NULL)
    *time = g_value_get_uint64 (value);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_best_effort_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstBestEffortSink *self = GST_BEST_EFFORT_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BRANCH:
      g_value_set_string (value, self->branch);
      break;
    case PROP_MAX_LATENCY:
      g_value_set_uint64 (value, self->max_latency);
      break;
    case PROP_RETRY_DELAY:
      g_value_set_uint64 (value, self->retry_delay);
      break;
    case PROP_EOS_TIMEOUT:
      g_value_set_uint64 (value, self->eos_timeout);
      break;
    case PROP_STATS:
      g_value_take_boxed (value,
          gst_structure_new ("besteffortsink-stats", "dropped-buffers",
              G_TYPE_UINT64, self->dropped_buffers, "dropped-bytes",
              G_TYPE_UINT64, self->dropped_bytes, "dropped-time", G_TYPE_UINT64,
              self->dropped_time, "restarts", G_TYPE_UINT, self->restarts, "up",
              G_TYPE_BOOLEAN, !self->down && self->up_posted, "last-error",
              G_TYPE_STRING, self->last_error, NULL));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static GstElement *
parse_branch (const gchar *description, GError **error)
{
  GstElement *branch;

  if (description == NULL || *description == '\0') {
    g_set_error (error, GST_PARSE_ERROR, GST_PARSE_ERROR_EMPTY,
        "the branch property is empty");
    return NULL;
  }
  branch = gst_parse_bin_from_description_full (
      description, TRUE, NULL, GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (branch != NULL) {
    GstPad *input = gst_element_get_static_pad (branch, "sink");
    if (input == NULL) {
      g_set_error (error, GST_PARSE_ERROR, GST_PARSE_ERROR_LINK,
          "the branch has no unlinked sink pad to feed");
      gst_object_unref (branch);
      return NULL;
    }
    gst_object_unref (input);
  }
  return branch;
}

static GstPadProbeReturn
on_branch_sink_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstBestEffortSink *self = user_data;
  guint generation = GPOINTER_TO_UINT (
      g_object_get_data (G_OBJECT (pad), "besteffortsink-generation"));
  gboolean post = FALSE;
  guint restarts = 0;

  GST_OBJECT_LOCK (self);
  if (generation == self->generation && !self->down && !self->up_posted
      && ++self->buffers_in_branch >= BUFFERS_FOR_UP) {
    self->up_posted = TRUE;
    post = TRUE;
    restarts = self->restarts;
  }
  GST_OBJECT_UNLOCK (self);

  if (post) {
    ffc_retry_works (&self->retry); /* back to retry-delay */
    GST_INFO_OBJECT (self, "the branch takes data");
    gst_element_post_message (
        GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
                                gst_structure_new ("besteffortsink-up",
                                    "restarts", G_TYPE_UINT, restarts, NULL)));
  }
  return GST_PAD_PROBE_OK;
}

static gboolean
forward_sticky (GstPad *pad, GstEvent **event, gpointer user_data)
{
  GstPad *target = user_data;

  if (GST_EVENT_TYPE (*event) != GST_EVENT_EOS)
    gst_pad_send_event (target, gst_event_ref (*event));
  return TRUE;
}

/* A fresh queue and branch, in a bin of their own whose state we set
 * ourselves, so that their failures never fail ours. Called with
 * lifecycle_lock held; the instance follows branch_state. */
static gboolean
bring_up (GstBestEffortSink *self)
{
  GstElement *instance, *queue, *branch;
  GstIterator *it;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  GstPad *queue_sink;
  guint generation;

  branch = parse_branch (self->running_branch, &error);
  if (branch == NULL) {
    GST_WARNING_OBJECT (self, "cannot build the branch: %s", error->message);
    g_clear_error (&error);
    return FALSE;
  }
  instance = gst_bin_new (NULL);
  /* it finishes its own async state changes (a sink's preroll), as nobody
   * above waits for it */
  g_object_set (instance, "async-handling", TRUE, NULL);
  queue = gst_element_factory_make ("queue", NULL);
  GST_OBJECT_LOCK (self);
  /* never full: the chain function drops past max-latency */
  g_object_set (queue, "max-size-buffers", 0, "max-size-bytes", 0,
      "max-size-time", (guint64)0, NULL);
  generation = ++self->generation;
  GST_OBJECT_UNLOCK (self);
  gst_bin_add_many (GST_BIN (instance), queue, branch, NULL);
  gst_element_link (queue, branch);

  it = gst_bin_iterate_sinks (GST_BIN (branch));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *sink = g_value_get_object (&item);
    GstIterator *pads = gst_element_iterate_sink_pads (sink);
    GValue p = G_VALUE_INIT;
    while (gst_iterator_next (pads, &p) == GST_ITERATOR_OK) {
      GstPad *pad = g_value_get_object (&p);
      g_object_set_data (G_OBJECT (pad), "besteffortsink-generation",
          GUINT_TO_POINTER (generation));
      gst_pad_add_probe (pad,
          GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
          on_branch_sink_buffer, self, NULL);
      g_value_reset (&p);
    }
    gst_iterator_free (pads);
    g_value_reset (&item);
  }
  gst_iterator_free (it);

  gst_element_set_locked_state (instance, TRUE);
  gst_bin_add (GST_BIN (self), instance);
  queue_sink = gst_element_get_static_pad (queue, "sink");

  GST_OBJECT_LOCK (self);
  self->instance = gst_object_ref (instance);
  self->queue = gst_object_ref (queue);
  self->down = FALSE;
  self->accepting = FALSE;
  self->up_posted = FALSE;
  self->buffers_in_branch = 0;
  GST_OBJECT_UNLOCK (self);

  /* errors come back as messages, see handle_message */
  gst_element_set_state (instance, self->branch_state);
  /* what the stream said so far, for the new branch, before any buffer:
   * data ahead of its stream-start, caps and segment would be refused */
  gst_pad_sticky_events_foreach (self->sinkpad, forward_sticky, queue_sink);
  gst_object_unref (queue_sink);
  GST_OBJECT_LOCK (self);
  self->accepting = TRUE;
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "branch up (generation %u)", generation);
  return TRUE;
}

/* Called with lifecycle_lock held. */
static void
tear_down (GstBestEffortSink *self)
{
  GstElement *instance, *queue;

  GST_OBJECT_LOCK (self);
  instance = self->instance;
  queue = self->queue;
  self->instance = NULL;
  self->queue = NULL;
  self->down = TRUE;
  GST_OBJECT_UNLOCK (self);

  if (instance != NULL) {
    gst_element_set_state (instance, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self), instance);
    gst_object_unref (instance);
  }
  if (queue != NULL)
    gst_object_unref (queue);
}

/* The element is done with its stream: once, whether the branch finished
 * it or was abandoned. */
static void
post_eos (GstBestEffortSink *self)
{
  gboolean post;

  GST_OBJECT_LOCK (self);
  post = !self->eos_posted;
  self->eos_posted = TRUE;
  GST_OBJECT_UNLOCK (self);
  ffc_retry_set_eos_deadline (&self->retry, 0);
  if (post)
    gst_element_post_message (
        GST_ELEMENT (self), gst_message_new_eos (GST_OBJECT (self)));
}

/* A rebuild after the next delay (ffc-retry.c); returns the delay */
static guint64
schedule_retry (GstBestEffortSink *self)
{
  GstClockTime base;

  GST_OBJECT_LOCK (self);
  base = self->retry_delay;
  GST_OBJECT_UNLOCK (self);
  return ffc_retry_fail (&self->retry, base);
}

/* The branch was abandoned at EOS, or failed: it goes, and unless the
 * stream is over, a new one comes. */
static void
on_due (GstBestEffortSink *self, FfcRetryDue due)
{
  gboolean ended, rebuilt;

  if (due == FFC_RETRY_EOS_TIMEOUT) {
    GstClockTime timeout;

    GST_OBJECT_LOCK (self);
    timeout = self->eos_timeout;
    GST_OBJECT_UNLOCK (self);
    /* EOS first: the pipeline must not wait for what may block below */
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("The branch did not finish its stream within eos-timeout "
         "(%" GST_TIME_FORMAT "): abandoned",
            GST_TIME_ARGS (timeout)),
        (NULL));
    post_eos (self);
    g_mutex_lock (&self->lifecycle_lock);
    tear_down (self);
    g_mutex_unlock (&self->lifecycle_lock);
    return;
  }
  g_mutex_lock (&self->lifecycle_lock);
  GST_OBJECT_LOCK (self);
  ended = self->eos_received;
  if (!ended)
    self->restarts++;
  GST_OBJECT_UNLOCK (self);
  tear_down (self);
  /* the stream is over: nothing left for a new branch to carry */
  rebuilt = !ended && self->branch_state >= GST_STATE_PAUSED && bring_up (self);
  g_mutex_unlock (&self->lifecycle_lock);
  if (ended)
    post_eos (self);
  else if (!rebuilt)
    schedule_retry (self);
}

static gpointer
retry_loop (gpointer data)
{
  GstBestEffortSink *self = data;
  FfcRetryDue due;

  while ((due = ffc_retry_wait (&self->retry)) != FFC_RETRY_STOP)
    on_due (self, due);
  return NULL;
}

static void
async_tear_down (GstElement *element, gpointer user_data)
{
  GstBestEffortSink *self = GST_BEST_EFFORT_SINK (element);
  guint generation = GPOINTER_TO_UINT (user_data);
  gboolean current;

  g_mutex_lock (&self->lifecycle_lock);
  GST_OBJECT_LOCK (self);
  current = generation == self->generation;
  GST_OBJECT_UNLOCK (self);
  if (current)
    tear_down (self);
  g_mutex_unlock (&self->lifecycle_lock);
}

/* Errors of the branch stop here: a WARNING and besteffortsink-down go on,
 * the branch goes, and comes back after the retry delay. */
static void
gst_best_effort_sink_handle_message (GstBin *bin, GstMessage *message)
{
  GstBestEffortSink *self = GST_BEST_EFFORT_SINK (bin);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *debug = NULL,
          *source = gst_object_get_name (GST_MESSAGE_SRC (message));
    gboolean was_down;
    guint generation;
    GstClockTime next;

    gst_message_parse_error (message, &err, &debug);
    GST_OBJECT_LOCK (self);
    was_down = self->down;
    self->down = TRUE;
    generation = self->generation;
    if (!was_down) {
      /* the first error says why; later ones are its consequences */
      g_free (self->last_error);
      self->last_error = g_strdup (err->message);
    }
    GST_OBJECT_UNLOCK (self);

    if (!was_down) {
      next = schedule_retry (self);
      GST_WARNING_OBJECT (self, "branch down: %s", err->message);
      gst_element_post_message (GST_ELEMENT (self),
          gst_message_new_warning (GST_OBJECT (self), err, debug));
      gst_element_post_message (GST_ELEMENT (self),
          gst_message_new_element (GST_OBJECT (self),
              gst_structure_new ("besteffortsink-down", "error", G_TYPE_STRING,
                  err->message, "debug", G_TYPE_STRING, debug ? debug : "",
                  "source", G_TYPE_STRING, source, "retry-in", G_TYPE_UINT64,
                  (guint64)next, NULL)));
      /* not from this thread: it may be the branch's own */
      gst_element_call_async (GST_ELEMENT (self), async_tear_down,
          GUINT_TO_POINTER (generation), NULL);
    }
    g_clear_error (&err);
    g_free (debug);
    g_free (source);
    gst_message_unref (message);
    return;
  }
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS) {
    /* the branch finished its stream: so have we (our EOS is ours to post,
     * once, as the branch may also be abandoned) */
    post_eos (self);
    gst_message_unref (message);
    return;
  }
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ASYNC_START
      || GST_MESSAGE_TYPE (message) == GST_MESSAGE_ASYNC_DONE) {
    /* the branch prerolls on its own time, never on the pipeline's */
    gst_message_unref (message);
    return;
  }
  GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}

static GstPad *
branch_input (GstBestEffortSink *self, GstElement **queue)
{
  GstPad *pad = NULL;

  GST_OBJECT_LOCK (self);
  if (!self->down && self->accepting && self->queue != NULL) {
    *queue = gst_object_ref (self->queue);
    pad = gst_element_get_static_pad (self->queue, "sink");
  }
  GST_OBJECT_UNLOCK (self);
  return pad;
}

static void
count_drop (GstBestEffortSink *self, GstBuffer *buffer)
{
  GST_OBJECT_LOCK (self);
  self->dropped_buffers++;
  self->dropped_bytes += gst_buffer_get_size (buffer);
  if (GST_BUFFER_DURATION_IS_VALID (buffer))
    self->dropped_time += GST_BUFFER_DURATION (buffer);
  GST_OBJECT_UNLOCK (self);
}

static GstFlowReturn
gst_best_effort_sink_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstBestEffortSink *self = GST_BEST_EFFORT_SINK (parent);
  GstElement *queue = NULL;
  GstPad *target = branch_input (self, &queue);
  GstClockTime max_latency;
  guint64 level = 0;

  if (target == NULL) {
    count_drop (self, buffer);
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  GST_OBJECT_LOCK (self);
  max_latency = self->max_latency;
  GST_OBJECT_UNLOCK (self);
  g_object_get (queue, "current-level-time", &level, NULL);
  if (level >= max_latency) {
    /* the branch is stuck: upstream must not wait for it */
    count_drop (self, buffer);
    gst_buffer_unref (buffer);
  } else {
    GstFlowReturn flow = gst_pad_chain (target, buffer);
    /* the branch's error message, if any, takes it down */
    if (flow != GST_FLOW_OK)
      GST_DEBUG_OBJECT (self, "the branch did not take a buffer: %s",
          gst_flow_get_name (flow));
  }
  gst_object_unref (target);
  gst_object_unref (queue);
  return GST_FLOW_OK;
}

static gboolean
gst_best_effort_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstBestEffortSink *self = GST_BEST_EFFORT_SINK (parent);
  GstElement *queue = NULL;
  GstPad *target = branch_input (self, &queue);
  gboolean is_eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;

  if (GST_EVENT_IS_STICKY (event) && !is_eos) {
    /* kept on our pad for the next branch (GST_PAD_FLAG stores them) */
    gst_pad_store_sticky_event (pad, event);
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP) {
    /* a flush starts the stream over */
    GST_OBJECT_LOCK (self);
    self->eos_received = self->eos_posted = FALSE;
    GST_OBJECT_UNLOCK (self);
  }
  if (is_eos) {
    GstClockTime timeout;

    GST_OBJECT_LOCK (self);
    self->eos_received = TRUE;
    timeout = self->eos_timeout;
    GST_OBJECT_UNLOCK (self);
    if (target != NULL)
      ffc_retry_set_eos_deadline (
          &self->retry, g_get_monotonic_time () + timeout / 1000);
  }
  if (target == NULL) {
    /* no branch to finish: we are done at once */
    if (is_eos)
      post_eos (self);
    gst_event_unref (event);
    return TRUE;
  }
  gst_pad_send_event (target, event);
  gst_object_unref (target);
  gst_object_unref (queue);
  return TRUE;
}

static gboolean
gst_best_effort_sink_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstBestEffortSink *self = GST_BEST_EFFORT_SINK (parent);
  GstElement *queue = NULL;
  GstPad *target;
  gboolean ret;

  /* the branch may come and go: accept what upstream offers */
  if (GST_QUERY_TYPE (query) == GST_QUERY_ACCEPT_CAPS) {
    gst_query_set_accept_caps_result (query, TRUE);
    return TRUE;
  }
  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS)
    return gst_pad_query_default (pad, parent, query);
  target = branch_input (self, &queue);
  if (target == NULL)
    return gst_pad_query_default (pad, parent, query);
  ret = gst_pad_query (target, query);
  gst_object_unref (target);
  gst_object_unref (queue);
  return ret;
}

/* The branch parses and the times are in range; `start`: the settings
 * are fixed from now on, and the branch is copied for the rebuilds. */
static gboolean
check_settings (GstBestEffortSink *self, gboolean start)
{
  FfcBranchSettings settings;
  GstElement *branch;
  GError *error = NULL;
  gchar *description;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  description = g_strdup (self->branch);
  settings.max_latency_ns = self->max_latency;
  settings.retry_delay_ns = self->retry_delay;
  settings.eos_timeout_ns = self->eos_timeout;
  GST_OBJECT_UNLOCK (self);

  branch = parse_branch (description, &error);
  ok = branch != NULL;
  if (!ok) {
    GST_ELEMENT_ERROR (self, CORE, FAILED,
        ("Invalid branch \"%s\": %s", GST_STR_NULL (description),
            error->message),
        (NULL));
  } else if (!(ok = ffc_branch_settings_check (&settings, &error))) {
    GST_ELEMENT_ERROR (
        self, RESOURCE, SETTINGS, ("%s", error->message), (NULL));
  }
  g_clear_error (&error);
  g_clear_pointer (&branch, gst_object_unref);
  if (!ok) {
    g_free (description);
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  if (start) {
    g_free (self->running_branch);
    self->running_branch = description;
    self->started = TRUE;
  } else {
    g_free (description);
  }
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* Stops the retry thread and removes the branch; safe to call twice. */
static void
stop_branch (GstBestEffortSink *self)
{
  ffc_retry_stop (&self->retry);
  if (self->retry_thread)
    g_thread_join (self->retry_thread);
  self->retry_thread = NULL;
  g_mutex_lock (&self->lifecycle_lock);
  self->branch_state = GST_STATE_NULL;
  tear_down (self);
  g_mutex_unlock (&self->lifecycle_lock);
  GST_OBJECT_LOCK (self);
  self->started = FALSE;
  GST_OBJECT_UNLOCK (self);
}

static GstStateChangeReturn
gst_best_effort_sink_change_state (
    GstElement *element, GstStateChange transition)
{
  GstBestEffortSink *self = GST_BEST_EFFORT_SINK (element);
  GstStateChangeReturn ret;
  gboolean built;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!check_settings (self, FALSE))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      /* set in READY: checked again */
      if (!check_settings (self, TRUE))
        return GST_STATE_CHANGE_FAILURE;
      GST_OBJECT_LOCK (self);
      self->dropped_buffers = self->dropped_bytes = self->dropped_time = 0;
      self->restarts = 0;
      self->eos_received = self->eos_posted = FALSE;
      GST_OBJECT_UNLOCK (self);
      ffc_retry_reset (&self->retry);
      g_mutex_lock (&self->lifecycle_lock);
      self->branch_state = GST_STATE_READY;
      built = bring_up (self);
      g_mutex_unlock (&self->lifecycle_lock);
      self->retry_thread =
          g_thread_new ("besteffortsink-retry", retry_loop, self);
      if (!built)
        schedule_retry (self);
      break;
    default:
      break;
  }

  /* going down: no more rebuilds, and no branch left behind, whatever
   * happens below */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY
      || transition == GST_STATE_CHANGE_READY_TO_NULL)
    stop_branch (self);

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
      stop_branch (self);
    return ret;
  }

  /* the branch follows, but its failures are its own; a branch built
   * later starts in branch_state */
  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      g_mutex_lock (&self->lifecycle_lock);
      self->branch_state = GST_STATE_TRANSITION_NEXT (transition);
      if (self->instance != NULL)
        gst_element_set_state (self->instance, self->branch_state);
      g_mutex_unlock (&self->lifecycle_lock);
      break;
    default:
      break;
  }

  /* a live branch does not preroll: never make the pipeline wait for it */
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED
      && ret == GST_STATE_CHANGE_ASYNC)
    ret = GST_STATE_CHANGE_SUCCESS;
  return ret;
}
