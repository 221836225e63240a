/* gst-ffcapture: what besteffortsink knows of its branch
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_BRANCH_H__
#define __FFC_BRANCH_H__

#include <glib.h>

G_BEGIN_DECLS

/* The branch has taken data when one of its sinks got its second buffer:
 * the first one is where network sinks connect, and fail. */
#define FFC_BRANCH_BUFFERS_FOR_UP 2

/* The state of a best-effort branch across its instances (each built
 * again after a failure): which one is current, whether it is down, takes
 * data, was said to be up; what was dropped; the stream's EOS. Plain data,
 * guarded by the caller's lock (besteffortsink: its object lock); the
 * functions decide, the caller acts (posts, tears down, rebuilds). */
typedef struct {
  gchar *description; /* the branch it runs: the property, copied at start */
  gboolean started;   /* READY to PAUSED began: the settings are fixed */
  guint generation;   /* the current instance (errors, probes) */
  gboolean down;      /* no instance, or it failed */
  gboolean accepting; /* it has the stream's sticky events */
  gboolean up_posted; /* "up" was said for this instance */
  guint buffers_in_branch; /* buffers its sinks took */
  guint64 dropped_buffers;
  guint64 dropped_bytes;
  guint64 dropped_time;  /* ns */
  guint restarts;        /* rebuilds after a failure */
  gchar *last_error;     /* the first error of the last instance that failed */
  gboolean eos_received; /* the stream ended: no rebuilds */
  gboolean eos_posted;   /* the element's EOS went out */
} FfcBranch;

/* A new value of setting `property` ("branch", or a time in ns:
 * max-latency, retry-delay, eos-timeout), set while `running` or not:
 * TRUE if it is taken. *warning (to free; NULL if none) says what is
 * wrong: the branch cannot change while running (rebuilds use the one it
 * started with); a time out of range is not taken while running, else it
 * is, and start refuses it with the same message. */
gboolean ffc_branch_setting (
    const gchar *property, guint64 value, gboolean running, gchar **warning);

/* Down, nothing counted */
void ffc_branch_init (FfcBranch *b);
void ffc_branch_clear (FfcBranch *b);
/* A new stream of `description` (copied), its settings fixed until
 * started is cleared: drops, restarts and EOS cleared (last_error kept) */
void ffc_branch_start (FfcBranch *b, const gchar *description);
/* A new instance is in place: its generation (the next one), not down,
 * not accepting data yet, not up */
guint ffc_branch_built (FfcBranch *b);
/* Data may go into the branch */
gboolean ffc_branch_accepts (const FfcBranch *b);
/* A buffer of `bytes` (`duration_ns`: 0 if unknown) comes: TRUE if it
 * goes into the branch, which is there (`input`) and holds less than
 * max-latency (`queued_ns` against `max_latency_ns`); else it is counted
 * as dropped, as upstream must never wait */
gboolean ffc_branch_admit (FfcBranch *b, gboolean input, guint64 queued_ns,
    guint64 max_latency_ns, guint64 bytes, guint64 duration_ns);
/* A sink of instance `generation` took a buffer: TRUE once per instance,
 * when it is up (*restarts: how many rebuilds so far) */
gboolean ffc_branch_sink_took (FfcBranch *b, guint generation, guint *restarts);
/* Up for the stats: not down, and data went through */
gboolean ffc_branch_is_up (const FfcBranch *b);
/* An error of the current instance: TRUE for its first (kept as
 * last_error), when it goes down; later ones are its consequences */
gboolean ffc_branch_failed (FfcBranch *b, const gchar *message);
/* A rebuild is due: TRUE if one is to be made (counted in restarts),
 * FALSE once the stream has ended */
gboolean ffc_branch_rebuild_due (FfcBranch *b);
/* The stream's EOS came / a flush starts the stream over */
void ffc_branch_eos (FfcBranch *b);
void ffc_branch_flush (FfcBranch *b);
/* The element is done with its stream: TRUE the first time only */
gboolean ffc_branch_take_eos (FfcBranch *b);

G_END_DECLS

#endif
