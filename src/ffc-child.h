/* gst-ffcapture: running and stopping the ffmpeg child process
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_CHILD_H__
#define __FFC_CHILD_H__

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct {
  GPid pid;       /* also its process group */
  gint stdout_fd; /* non-blocking, close-on-exec */
  gint stderr_fd; /* non-blocking, close-on-exec */
  gboolean reaped;
  gint wait_status; /* from waitpid() once reaped */
} FfcChild;

gchar *ffc_child_find_program (const gchar *program, GError **error);

gboolean ffc_child_spawn (
    FfcChild *child, const gchar *const *argv, GError **error);
gboolean ffc_child_try_reap (FfcChild *child);
void ffc_child_stop (FfcChild *child, guint grace_ms);
void ffc_child_interrupt (FfcChild *child);
void ffc_child_kill (FfcChild *child);
void ffc_child_close_pipes (FfcChild *child);
gchar *ffc_child_describe_exit (const FfcChild *child);
gboolean ffc_child_exited_cleanly (const FfcChild *child);

G_END_DECLS

#endif
