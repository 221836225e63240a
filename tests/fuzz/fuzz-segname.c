/* libFuzzer target: file name templates. A template either is refused or
 * gives names that stay in the directory, whatever time and sequence
 * number they are expanded with. */
#include <stdint.h>
#include <string.h>

#include "ffc-segname.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gchar *template;
  gint64 when;
  guint64 seq;

  if (size < 12)
    return 0;
  memcpy (&when, data, 8);
  memcpy (&seq, data + 8, 4);
  when %= G_GINT64_CONSTANT (253402300799) * G_USEC_PER_SEC; /* year 9999 */
  template = g_strndup ((const gchar *)data + 12, size - 12);
  if (ffc_segname_validate (template, NULL)) {
    gchar *name =
        ffc_segname_expand (template, when, seq, 60, "0a1b2c3d", NULL);
    if (name != NULL
        && (strchr (name, '/') != NULL || name[0] == '.' || name[0] == '\0'))
      __builtin_trap ();
    g_free (name);
  }
  g_free (template);
  return 0;
}
