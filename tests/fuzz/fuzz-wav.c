/* libFuzzer target: repairing what a crash left in staging.
 * Whatever the file holds, repair either refuses it with an error or leaves
 * a file whose header parses back, whose sizes match its length, whose
 * data is whole frames, and whose GUANO text, if any, has the Length of
 * those frames or none. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ffc-wav.h"

/* The GUANO Length in the guan chunk of `back`: -1 when there is none. */
static gdouble
guano_length (const guint8 *back, gsize n, const FfcWavLayout *l)
{
  guint32 size = back[l->guan_offset + 4] | back[l->guan_offset + 5] << 8
                 | back[l->guan_offset + 6] << 16
                 | (guint32)back[l->guan_offset + 7] << 24;
  gchar *text, **lines;
  gdouble length = -1;

  if (l->guan_offset + 8 + (gsize)size > n)
    __builtin_trap ();
  text = g_strndup ((const gchar *)back + l->guan_offset + 8, size);
  lines = g_strsplit (text, "\n", -1);
  for (gchar **line = lines; *line; line++)
    if (g_str_has_prefix (*line, "Length: "))
      length = g_ascii_strtod (*line + 8, NULL);
  g_strfreev (lines);
  g_free (text);
  return length;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gchar *path = NULL;
  gint fd = g_file_open_tmp ("fuzz-wav-XXXXXX", &path, NULL);
  FfcWavRepair r;
  FfcWavLayout l;
  guint8 back[FFC_WAV_MAX_HEADER];
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
    if (l.guan_offset) {
      gdouble length = guano_length (back, n, &l);
      if (length != -1
          && fabs (length - (gdouble)r.frames / l.rate) > 1e-9 * (1 + length))
        __builtin_trap ();
    }
  }
  close (fd);
  g_unlink (path);
  g_free (path);
  return 0;
}
