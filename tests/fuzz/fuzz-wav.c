/* libFuzzer target: repairing what a crash left in staging.
 * Whatever the file holds, repair either refuses it with an error or leaves
 * a file whose header parses back, whose sizes match its length, and whose
 * data is whole frames. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ffc-wav.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gchar *path = NULL;
  gint fd = g_file_open_tmp ("fuzz-wav-XXXXXX", &path, NULL);
  FfcWavRepair r;
  FfcWavLayout l;
  guint8 back[4096];
  gssize n;
  off_t len;

  if (fd < 0)
    return 0;
  if (write (fd, data, size) != (gssize)size)
    __builtin_trap ();
  if (ffc_wav_repair (fd, &r, NULL)) {
    len = lseek (fd, 0, SEEK_END);
    n = pread (fd, back, sizeof (back), 0);
    if (n < 12 || !ffc_wav_parse_header (back, n, &l, NULL))
      __builtin_trap ();
    if ((guint64)(len - l.header_size) != r.frames * l.block_align)
      __builtin_trap ();
    if (memcmp (back, "RIFF", 4) == 0
        && (guint32)(back[4] | back[5] << 8 | back[6] << 16
                     | (guint32)back[7] << 24)
               != (guint32)(len - 8))
      __builtin_trap ();
  }
  close (fd);
  g_unlink (path);
  g_free (path);
  return 0;
}
