/* Helpers shared by the gst-check tests: running a pipeline while
 * collecting its bus messages, reading back WAV segments, scratch
 * directories and a small real tmpfs. One implementation each, in
 * check-common.c (a static library the check executables link). */
#ifndef CHECK_COMMON_H
#define CHECK_COMMON_H

#include <gst/gst.h>

#include "ffc-wav.h"

typedef void (*OnMessage) (GstMessage *m, gpointer data);

typedef struct {
  GstElement *pipeline;
  GList *messages;   /* ERROR, WARNING and element messages, in order */
  GstMessage *error; /* the first ERROR */
  gboolean eos;
} Run;

/* Runs to EOS, the first ERROR or timeout_ms; `on_message` (may be NULL)
 * sees each collected message as it arrives, while the pipeline still
 * runs. Takes `pipeline`. */
Run *run_pipeline (GstElement *pipeline, guint timeout_ms, OnMessage on_message,
    gpointer data);

/* run_pipeline () of gst_parse_launch (description) */
Run *run_launch (const gchar *description, guint timeout_ms,
    OnMessage on_message, gpointer data);

/* Stops the pipeline and frees all */
void run_free (Run *run);

/* For a test that drives the pipeline itself: run_new () takes `pipeline`
 * and starts nothing; run_wait () then collects messages as run_pipeline ()
 * does, for up to timeout_ms, and returns TRUE once EOS or an ERROR came
 * (at once if one came before). run_pipeline () is both. */
Run *run_new (GstElement *pipeline);
gboolean run_wait (
    Run *run, guint timeout_ms, OnMessage on_message, gpointer data);

/* The first collected message of that type and, if `name` is not NULL,
 * structure name */
GstMessage *first_message (Run *run, GstMessageType type, const gchar *name);

/* Element messages of that structure name, from the element of that name
 * (any if `from` is NULL), in order; free the list only */
GList *messages_named (Run *run, const gchar *name, const gchar *from);

/* The text of an ERROR or WARNING message */
gchar *message_text (GstMessage *m);

typedef struct {
  guint64 frames;
  guint rate, channels;
  FfcSampleFormat format;
} WavInfo;

/* Reads a finished segment back; FALSE unless it is a WAV whose header
 * sizes match its length */
gboolean read_wav (const gchar *path, WavInfo *info);

/* Names (not paths) of the .wav files in dir but `except` (may be NULL),
 * sorted */
GPtrArray *wav_names (const gchar *dir, const gchar *except);

/* For g_ptr_array_sort () of strings: it passes pointers to the elements */
gint compare_names (gconstpointer a, gconstpointer b);

void rm_rf (const gchar *path);

/* A fresh tmpfs of that size (mount(8) syntax: "512k", "8m") on a new
 * directory, or NULL after saying why `test` is skipped: mounting needs
 * root with CAP_SYS_ADMIN. */
gchar *mount_tmpfs (const gchar *size, const gchar *test);

/* Unmounts, removes and frees what mount_tmpfs () returned */
void unmount_tmpfs (gchar *mnt);

/* Children of this process, alive or zombie (from /proc): a stopped
 * ffmpegsrc leaves none */
guint count_own_children (void);

/* gst-launch-1.0 and other programs cannot load an ASan-built plugin (the
 * sanitizer's runtime must come first in a process): the parts of a test
 * that run the plugin in another process are left out under ASan
 * (scripts/sanitize.sh) and run in the plain build and under valgrind. */
#ifdef __SANITIZE_ADDRESS__
#define PLUGIN_RUNS_IN_CHILDREN FALSE
#else
#define PLUGIN_RUNS_IN_CHILDREN TRUE
#endif

#endif /* CHECK_COMMON_H */
