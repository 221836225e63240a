/* gst-ffcapture: what besteffortsink knows of its branch
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ffc-branch.h"
#include "ffc-settings.h"

#include <string.h>

gboolean
ffc_branch_setting (
    const gchar *property, guint64 value, gboolean running, gchar **warning)
{
  GError *error = NULL;

  *warning = NULL;
  if (g_strcmp0 (property, "branch") == 0) {
    if (running)
      *warning = g_strdup ("cannot change branch while running; set it in "
                           "the NULL or READY state");
    return !running;
  }
  if (ffc_settings_check (
          property, (gint64)MIN (value, (guint64)G_MAXINT64), &error))
    return TRUE;
  *warning = g_strdup_printf (
      "%s%s", error->message, running ? "; the value in use is kept" : "");
  g_error_free (error);
  return !running;
}

void
ffc_branch_init (FfcBranch *b)
{
  memset (b, 0, sizeof (*b));
  b->down = TRUE;
}

void
ffc_branch_clear (FfcBranch *b)
{
  g_clear_pointer (&b->last_error, g_free);
  g_clear_pointer (&b->description, g_free);
}

void
ffc_branch_start (FfcBranch *b, const gchar *description)
{
  g_free (b->description);
  b->description = g_strdup (description);
  b->started = TRUE;
  b->dropped_buffers = b->dropped_bytes = b->dropped_time = 0;
  b->restarts = 0;
  b->eos_received = b->eos_posted = FALSE;
}

guint
ffc_branch_built (FfcBranch *b)
{
  b->down = FALSE;
  b->accepting = FALSE;
  b->up_posted = FALSE;
  b->buffers_in_branch = 0;
  return ++b->generation;
}

gboolean
ffc_branch_accepts (const FfcBranch *b)
{
  return !b->down && b->accepting;
}

gboolean
ffc_branch_admit (FfcBranch *b, gboolean input, guint64 queued_ns,
    guint64 max_latency_ns, guint64 bytes, guint64 duration_ns)
{
  if (input && queued_ns < max_latency_ns)
    return TRUE;
  b->dropped_buffers++;
  b->dropped_bytes += bytes;
  b->dropped_time += duration_ns;
  return FALSE;
}

gboolean
ffc_branch_sink_took (FfcBranch *b, guint generation, guint *restarts)
{
  if (generation != b->generation || b->down || b->up_posted
      || ++b->buffers_in_branch < FFC_BRANCH_BUFFERS_FOR_UP)
    return FALSE;
  b->up_posted = TRUE;
  *restarts = b->restarts;
  return TRUE;
}

gboolean
ffc_branch_is_up (const FfcBranch *b)
{
  return !b->down && b->up_posted;
}

gboolean
ffc_branch_failed (FfcBranch *b, const gchar *message)
{
  if (b->down)
    return FALSE;
  b->down = TRUE;
  g_free (b->last_error);
  b->last_error = g_strdup (message);
  return TRUE;
}

gboolean
ffc_branch_rebuild_due (FfcBranch *b)
{
  if (b->eos_received)
    return FALSE;
  b->restarts++;
  return TRUE;
}

void
ffc_branch_eos (FfcBranch *b)
{
  b->eos_received = TRUE;
}

void
ffc_branch_flush (FfcBranch *b)
{
  b->eos_received = b->eos_posted = FALSE;
}

gboolean
ffc_branch_take_eos (FfcBranch *b)
{
  gboolean first = !b->eos_posted;

  b->eos_posted = TRUE;
  return first;
}
