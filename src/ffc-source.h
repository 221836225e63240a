/* gst-ffcapture: ffmpegsrc's core, from its settings to a running capture
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_SOURCE_H__
#define __FFC_SOURCE_H__

#include <glib.h>

#include "ffc-capture.h"
#include "ffc-chunk.h"
#include "ffc-settings.h"

G_BEGIN_DECLS

/* What ffmpegsrc runs between start and stop: the settings' snapshot, the
 * program and options they resolve to, the device (by identity: resolved
 * before every run), the input's own format (probed once per start), the
 * capture for the negotiated output, the stamps and the time model of its
 * chunks (ffc-chunk.h) and the stats. Thread-safe but for the streaming
 * calls (ffc_source_run, ffc_source_capture, ffc_source_push,
 * ffc_source_feed: one thread). */
typedef struct _FfcSource FfcSource;

/* how long ffmpeg has to answer what its input delivers */
#define FFC_SOURCE_PROBE_TIMEOUT_MS 5000
/* how long a stopped ffmpeg has to finish after SIGINT (then SIGTERM) */
#define FFC_SOURCE_STOP_GRACE_MS 500

FfcSource *ffc_source_new (void);
/* Stops and reaps ffmpeg first */
void ffc_source_free (FfcSource *s);

#define FFC_SOURCE_ERROR (ffc_source_error_quark ())
GQuark ffc_source_error_quark (void);

typedef enum {
  FFC_SOURCE_ERROR_SETTINGS,  /* a setting cannot be used */
  FFC_SOURCE_ERROR_NOT_FOUND, /* no ffmpeg program, or no such device */
} FfcSourceError;

/* Takes a snapshot of `settings` and checks everything a start does, in
 * order: ffc_src_settings_resolve (), then a device, looked for under
 * `root` (ffc_device_check_start ()). The error's message is what to tell
 * the user; *details (to free, NULL for none) what to log beside it. The
 * time model starts afresh with the system clock's synchronisation now;
 * device-info is the device as set until a run resolves it. */
gboolean ffc_source_start (FfcSource *s, const FfcSrcSettings *settings,
    const gchar *root, gchar **details, GError **error);
/* The snapshot taken at the last start */
const FfcSrcSettings *ffc_source_settings (const FfcSource *s);
/* Stops and reaps ffmpeg; the output is forgotten */
void ffc_source_stop (FfcSource *s);

/* Asks ffmpeg what the input delivers (its own rate, channels and
 * format), at the first call after a start only: a device by identity as
 * the card it is now, one that is absent not at all (FFC_DEVICE_ERROR).
 * FALSE when it was asked before (no error) or cannot say (the error). */
gboolean ffc_source_probe (FfcSource *s, FfcInputAudio *input, GError **error);
/* What the output takes unless downstream says otherwise: ffc_probe_own ()
 * of what the input said (nothing yet: zero) and the settings */
FfcInputAudio ffc_source_own (FfcSource *s);

/* A capture producing `format` at `rate` with `channels` replaces the
 * running one and starts, in flushing if the source is. A rate or channels
 * no recorder uses: FFC_SETTINGS_ERROR_RANGE; else the error of
 * ffc_capture_start (). `line_func` has ffmpeg's stderr; `argv_func`
 * (may be NULL) sees each run of a device by identity (ffc_source_argv ()).
 * *command: the first run's command line, for the log. The next chunk
 * starts a run anew. */
gboolean ffc_source_run (FfcSource *s, FfcSampleFormat format, guint rate,
    guint channels, FfcLineFunc line_func, FfcArgvFunc argv_func, gpointer data,
    gchar **command, GError **error);
/* A device by identity's argv for a run now (FfcArgvFunc, from the capture
 * thread): FALSE with why (*why) when it is absent; device-info follows */
gboolean ffc_source_argv (
    FfcSource *s, gchar ***argv, gchar **info, gchar **why);
/* The running capture: the streaming thread's to pop from until its next
 * ffc_source_run (); NULL before. */
FfcCapture *ffc_source_capture (FfcSource *s);
void ffc_source_set_flushing (FfcSource *s, gboolean flushing);
/* Asks the running ffmpeg to finish (EOS after its last sample); FALSE
 * when none runs */
gboolean ffc_source_finish (FfcSource *s);
/* ffc_src_settings_latency () of the running capture; FALSE before caps */
gboolean ffc_source_latency (FfcSource *s, guint64 *min_ns, guint64 *max_ns);

/* The DATA `item` needs the clocks read (ffc_chunker_needs_anchor ()) */
gboolean ffc_source_needs_anchor (FfcSource *s, const FfcItem *item);
/* Stamps the DATA `item` (ffc_chunker_stamp ()) and counts what is left
 * of it as pushed; FALSE when all of it is clipped */
gboolean ffc_source_push (
    FfcSource *s, const FfcItem *item, const FfcClockNow *now, FfcStamp *out);
/* Feeds the time model with it (ffc_chunker_feed ()); *synchronised: the
 * system clock now is */
void ffc_source_feed (FfcSource *s, const FfcItem *item, gboolean new_run,
    gint64 end_rt_ns, FfcTimekeeperNews *news, gboolean *synchronised);
/* The system clock was synchronised at the last start or chunk */
gboolean ffc_source_synchronised (FfcSource *s);

/* What a DROPPED, XRUN, GAP, ERROR or DEVICE_LOST item tells the user
 * (ffc_item_describe (), ffc_item_describe_failure () for the device and
 * input format as set), *details for the log; NULL for the others */
gchar *ffc_source_describe (
    FfcSource *s, FfcCapture *capture, const FfcItem *item, gchar **details);
/* The card of the running device: the item's when it says, else the last
 * resolved (to free) */
gchar *ffc_source_device_info (FfcSource *s, const FfcItem *item);
/* The stats (ffc_src_stats_make ()); out->device_info is the returned
 * copy, to free */
gchar *ffc_source_stats (FfcSource *s, FfcSrcStats *out);

G_END_DECLS

#endif
