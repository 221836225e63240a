/* gst-ffcapture: when besteffortsink rebuilds its branch
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_RETRY_H__
#define __FFC_RETRY_H__

#include <glib.h>

G_BEGIN_DECLS

/* A failed branch is built again after retry-delay, doubling after each
 * failure up to 30 s (or retry-delay, if longer), back to retry-delay once
 * it works; after EOS, the branch has until a deadline to finish. One
 * thread waits for what is due; the others schedule it. */
#define FFC_RETRY_MAX_DELAY_NS (30 * G_GUINT64_CONSTANT (1000000000))

typedef enum {
  FFC_RETRY_STOP,        /* ffc_retry_stop () was called */
  FFC_RETRY_REBUILD,     /* a rebuild is due */
  FFC_RETRY_EOS_TIMEOUT, /* the EOS deadline passed */
} FfcRetryDue;

typedef struct {
  GMutex lock;
  GCond cond;
  gboolean stopping;
  gint64 retry_at;     /* monotonic µs; 0 = none due */
  gint64 eos_deadline; /* monotonic µs; 0 = none */
  guint64 delay_ns;    /* the last delay; 0 = back to the base */
} FfcRetry;

/* The delay after `current_ns` (0: none yet) with retry-delay `base_ns` */
guint64 ffc_retry_next_delay (guint64 current_ns, guint64 base_ns);

void ffc_retry_init (FfcRetry *r);
void ffc_retry_clear (FfcRetry *r);
/* At start: nothing due, the delay back to the base, not stopping */
void ffc_retry_reset (FfcRetry *r);
/* The branch failed: a rebuild is due after the next delay, returned */
guint64 ffc_retry_fail (FfcRetry *r, guint64 base_ns);
/* The branch works: the next failure waits the base delay again */
void ffc_retry_works (FfcRetry *r);
/* The branch has until `deadline_us` (monotonic; 0: no deadline) */
void ffc_retry_set_eos_deadline (FfcRetry *r, gint64 deadline_us);
void ffc_retry_stop (FfcRetry *r);
/* Waits for what is due first (the EOS deadline before a rebuild), and
 * clears it */
FfcRetryDue ffc_retry_wait (FfcRetry *r);

G_END_DECLS

#endif
