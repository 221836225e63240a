/* gst-ffcapture: when besteffortsink rebuilds its branch
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ffc-retry.h"

guint64
ffc_retry_next_delay (guint64 current_ns, guint64 base_ns)
{
  if (current_ns == 0)
    return base_ns;
  return MIN (current_ns * 2, MAX (FFC_RETRY_MAX_DELAY_NS, base_ns));
}

void
ffc_retry_init (FfcRetry *r)
{
  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
  ffc_retry_reset (r);
}

void
ffc_retry_clear (FfcRetry *r)
{
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->cond);
}

void
ffc_retry_reset (FfcRetry *r)
{
  g_mutex_lock (&r->lock);
  r->stopping = FALSE;
  r->retry_at = 0;
  r->eos_deadline = 0;
  r->delay_ns = 0;
  g_mutex_unlock (&r->lock);
}

guint64
ffc_retry_fail (FfcRetry *r, guint64 base_ns)
{
  guint64 delay;

  g_mutex_lock (&r->lock);
  delay = r->delay_ns = ffc_retry_next_delay (r->delay_ns, base_ns);
  r->retry_at = g_get_monotonic_time () + (gint64)(delay / 1000);
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
  return delay;
}

void
ffc_retry_works (FfcRetry *r)
{
  g_mutex_lock (&r->lock);
  r->delay_ns = 0;
  g_mutex_unlock (&r->lock);
}

void
ffc_retry_set_eos_deadline (FfcRetry *r, gint64 deadline_us)
{
  g_mutex_lock (&r->lock);
  r->eos_deadline = deadline_us;
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

void
ffc_retry_stop (FfcRetry *r)
{
  g_mutex_lock (&r->lock);
  r->stopping = TRUE;
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

FfcRetryDue
ffc_retry_wait (FfcRetry *r)
{
  FfcRetryDue due = FFC_RETRY_STOP;

  g_mutex_lock (&r->lock);
  while (!r->stopping) {
    gint64 now = g_get_monotonic_time (), at = r->retry_at;

    if (r->eos_deadline != 0 && now >= r->eos_deadline) {
      r->eos_deadline = 0;
      due = FFC_RETRY_EOS_TIMEOUT;
      break;
    }
    if (r->retry_at != 0 && now >= r->retry_at) {
      r->retry_at = 0;
      due = FFC_RETRY_REBUILD;
      break;
    }
    if (r->eos_deadline != 0 && (at == 0 || r->eos_deadline < at))
      at = r->eos_deadline;
    if (at == 0)
      g_cond_wait (&r->cond, &r->lock);
    else
      g_cond_wait_until (&r->cond, &r->lock, at);
  }
  g_mutex_unlock (&r->lock);
  return due;
}
