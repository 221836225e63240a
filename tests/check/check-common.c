/* Helpers shared by the gst-check tests; see check-common.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

#include "check-common.h"

Run *
run_new (GstElement *pipeline)
{
  Run *run = g_new0 (Run, 1);

  run->pipeline = pipeline;
  return run;
}

gboolean
run_wait (Run *run, guint timeout_ms, OnMessage on_message, gpointer data)
{
  GstBus *bus = gst_element_get_bus (run->pipeline);
  gint64 end = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  while (!run->eos && run->error == NULL) {
    gint64 left = end - g_get_monotonic_time ();
    GstMessage *m;

    if (left <= 0)
      break;
    m = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT
            | GST_MESSAGE_WARNING);
    if (m == NULL)
      break;
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS) {
      run->eos = TRUE;
      gst_message_unref (m);
      break;
    }
    if (on_message != NULL)
      on_message (m, data);
    run->messages = g_list_append (run->messages, m);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
      run->error = gst_message_ref (m);
  }
  gst_object_unref (bus);
  return run->eos || run->error != NULL;
}

Run *
run_pipeline (
    GstElement *pipeline, guint timeout_ms, OnMessage on_message, gpointer data)
{
  Run *run = run_new (pipeline);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    GstBus *bus = gst_element_get_bus (pipeline);
    run->error = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    gst_object_unref (bus);
    return run;
  }
  run_wait (run, timeout_ms, on_message, data);
  return run;
}

Run *
run_launch (const gchar *description, guint timeout_ms, OnMessage on_message,
    gpointer data)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);

  g_assert_no_error (error);
  return run_pipeline (pipeline, timeout_ms, on_message, data);
}

void
run_free (Run *run)
{
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  gst_object_unref (run->pipeline);
  g_list_free_full (run->messages, (GDestroyNotify)gst_message_unref);
  if (run->error)
    gst_message_unref (run->error);
  g_free (run);
}

GstMessage *
first_message (Run *run, GstMessageType type, const gchar *name)
{
  for (GList *l = run->messages; l; l = l->next) {
    GstMessage *m = l->data;
    const GstStructure *s = gst_message_get_structure (m);

    if (GST_MESSAGE_TYPE (m) == type
        && (name == NULL || (s != NULL && gst_structure_has_name (s, name))))
      return m;
  }
  return NULL;
}

GList *
messages_named (Run *run, const gchar *name, const gchar *from)
{
  GList *out = NULL;

  for (GList *l = run->messages; l; l = l->next) {
    GstMessage *m = l->data;
    const GstStructure *s = gst_message_get_structure (m);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT && s
        && gst_structure_has_name (s, name)
        && (from == NULL
            || g_strcmp0 (GST_OBJECT_NAME (GST_MESSAGE_SRC (m)), from) == 0))
      out = g_list_append (out, m);
  }
  return out;
}

gchar *
message_text (GstMessage *m)
{
  GError *err = NULL;
  gchar *text;

  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
    gst_message_parse_error (m, &err, NULL);
  else
    gst_message_parse_warning (m, &err, NULL);
  text = g_strdup (err->message);
  g_error_free (err);
  return text;
}

gboolean
read_wav (const gchar *path, WavInfo *info)
{
  gchar *data = NULL;
  gsize len = 0;
  FfcWavLayout l;
  guint32 riff, data_size;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return FALSE;
  if (len < 12 || !ffc_wav_parse_header ((guint8 *)data, len, &l, NULL)) {
    g_free (data);
    return FALSE;
  }
  memcpy (&riff, data + 4, 4);
  memcpy (&data_size, data + l.data_size_offset, 4);
  riff = GUINT32_FROM_LE (riff);
  data_size = GUINT32_FROM_LE (data_size);
  /* an RF64 header keeps its sizes in ds64, not here */
  if (memcmp (data, "RIFF", 4) == 0
      && (riff != len - 8 || data_size != len - l.header_size)) {
    g_free (data);
    return FALSE;
  }
  info->frames = (len - l.header_size) / l.block_align;
  info->rate = l.rate;
  info->channels = l.channels;
  info->format = l.format;
  g_free (data);
  return TRUE;
}

gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *)a, *(const gchar *const *)b);
}

GPtrArray *
wav_names (const gchar *dir, const gchar *except)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    if (g_str_has_suffix (name, ".wav") && g_strcmp0 (name, except) != 0)
      g_ptr_array_add (names, g_strdup (name));
  }
  if (d != NULL)
    g_dir_close (d);
  g_ptr_array_sort (names, compare_names);
  return names;
}

void
rm_rf (const gchar *path)
{
  gchar *argv[] = { "rm", "-rf", (gchar *)path, NULL };
  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
      NULL, NULL);
}

gchar *
mount_tmpfs (const gchar *size, const gchar *test)
{
  gchar *mnt = g_dir_make_tmp ("check-tmpfs-XXXXXX", NULL);
  gchar *options = g_strdup_printf ("size=%s", size);
  gint r = mount ("tmpfs", mnt, "tmpfs", 0, options);

  g_free (options);
  if (r != 0) {
    g_printerr ("SKIP %s: cannot mount a tmpfs (%s); run as root with "
                "CAP_SYS_ADMIN to test a filling disk\n",
        test, g_strerror (errno));
    g_rmdir (mnt);
    g_free (mnt);
    return NULL;
  }
  return mnt;
}

void
unmount_tmpfs (gchar *mnt)
{
  fail_unless (umount (mnt) == 0, "umount %s: %s", mnt, g_strerror (errno));
  g_rmdir (mnt);
  g_free (mnt);
}

guint
count_own_children (void)
{
  GDir *dir = g_dir_open ("/proc", 0, NULL);
  const gchar *name;
  guint n = 0;
  gchar *needle = g_strdup_printf ("\nPPid:\t%d\n", getpid ());

  while ((name = g_dir_read_name (dir)) != NULL) {
    gchar *path, *text = NULL;
    if (!g_ascii_isdigit (name[0]))
      continue;
    path = g_strdup_printf ("/proc/%s/status", name);
    if (g_file_get_contents (path, &text, NULL, NULL)
        && strstr (text, needle) != NULL)
      n++;
    g_free (path);
    g_free (text);
  }
  g_dir_close (dir);
  g_free (needle);
  return n;
}
