/* libFuzzer target: the ffmpeg stderr parser.
 * Whatever ffmpeg (or a broken ffmpeg) prints, the parser must not crash,
 * must keep lines within its bound, and must keep its tail and error texts
 * consistent. The first input byte chooses how the rest is split into
 * reads, as a pipe would deliver it. */
#include <stdint.h>
#include <string.h>

#include "ffc-stderr.h"

#define MAX_LINE 256

static void
check_line (const FfcLine *line, gpointer user_data)
{
  gsize len = strlen (line->text);

  if (len == 0 || len > MAX_LINE || !g_utf8_validate (line->text, -1, NULL))
    __builtin_trap ();
  if (line->kind == FFC_LINE_XRUN && line->count == 0)
    __builtin_trap ();
  /* a gap report is a whole sample count, a positive jump and a rate */
  if (line->kind == FFC_LINE_GAP
      && (line->frame_rate == 0 || !(line->gap_jump_us > 0)
          || line->gap_at_sample > G_GUINT64_CONSTANT (1000000000000000000)))
    __builtin_trap ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FfcStderrParser *p = ffc_stderr_parser_new (MAX_LINE, 4);
  gsize piece = size > 0 ? (data[0] % 64) + 1 : 1;
  gchar *tail, *errors;

  for (gsize off = size > 0 ? 1 : 0; off < size; off += piece)
    ffc_stderr_parser_feed (p, (const gchar *)data + off,
        MIN (piece, size - off), check_line, NULL);
  ffc_stderr_parser_finish (p, check_line, NULL);

  tail = ffc_stderr_parser_get_tail (p);
  if (strlen (tail) > 4 * (MAX_LINE + 1))
    __builtin_trap ();
  errors = ffc_stderr_parser_get_errors (p);
  if ((errors != NULL) != (ffc_stderr_parser_get_error_count (p) > 0))
    __builtin_trap ();
  g_free (tail);
  g_free (errors);
  ffc_stderr_parser_free (p);
  return 0;
}
