/* gst-ffcapture: run ids, shared by the sinks of one pipeline
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The {run} of file names: 8 hex digits drawn by the first sink of a scope
 * (the top-level pipeline) to start, shared by all of them, and forgotten
 * when the last one stops.
 */
#include "ffc-runid.h"

#include <string.h>

static GMutex run_id_lock;
static GHashTable *run_ids; /* scope -> RunId */

typedef struct {
  gchar id[9];
  guint users;
} RunId;

gboolean
ffc_run_id_valid (const gchar *id)
{
  if (id == NULL || strlen (id) != 8)
    return FALSE;
  for (guint i = 0; i < 8; i++) {
    if (!g_ascii_isxdigit (id[i]))
      return FALSE;
  }
  return TRUE;
}

void
ffc_run_id_acquire (gconstpointer scope, gchar id[9])
{
  RunId *entry;

  g_mutex_lock (&run_id_lock);
  if (run_ids == NULL)
    run_ids = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  entry = g_hash_table_lookup (run_ids, scope);
  if (entry == NULL) {
    entry = g_new0 (RunId, 1);
    g_snprintf (entry->id, sizeof (entry->id), "%08x", g_random_int ());
    g_hash_table_insert (run_ids, (gpointer)scope, entry);
  }
  entry->users++;
  memcpy (id, entry->id, 9);
  g_mutex_unlock (&run_id_lock);
}

/* The last user forgets the id: the next start draws a new one. */
void
ffc_run_id_release (gconstpointer scope)
{
  RunId *entry;

  g_mutex_lock (&run_id_lock);
  entry = run_ids ? g_hash_table_lookup (run_ids, scope) : NULL;
  if (entry != NULL && --entry->users == 0)
    g_hash_table_remove (run_ids, scope);
  if (run_ids != NULL && g_hash_table_size (run_ids) == 0)
    g_clear_pointer (&run_ids, g_hash_table_unref);
  g_mutex_unlock (&run_id_lock);
}
