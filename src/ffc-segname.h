/* gst-ffcapture: segment file names from a template
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_SEGNAME_H__
#define __FFC_SEGNAME_H__

#include <glib.h>

G_BEGIN_DECLS

#define FFC_SEGNAME_DEFAULT "%Y-%m-%dT%H-%M-%SZ_{duration}s_{run}_{seq}.wav"

/* The template grammar: literal text, the placeholders {seq}, {duration}
 * and {run}, and strftime conversions ('%' and the next character). */
typedef enum {
  FFC_SEGNAME_TOKEN_LITERAL,
  FFC_SEGNAME_TOKEN_SEQ,
  FFC_SEGNAME_TOKEN_DURATION,
  FFC_SEGNAME_TOKEN_RUN,
  FFC_SEGNAME_TOKEN_CONVERSION,
} FfcSegnameTokenType;

typedef struct {
  FfcSegnameTokenType type;
  const gchar *text; /* the token in the template */
  gsize len;
  gchar conversion; /* CONVERSION: the character after '%', or '\0' */
} FfcSegnameToken;

typedef void (*FfcSegnameTokenFunc) (
    const FfcSegnameToken *token, gpointer user_data);

/* Calls func for each token of the template, in order */
void ffc_segname_tokenize (
    const gchar *template, FfcSegnameTokenFunc func, gpointer user_data);

gboolean ffc_segname_validate (const gchar *template, GError **error);
gchar *ffc_segname_expand (const gchar *template, gint64 start_us, guint64 seq,
    guint64 duration_s, const gchar *run, GError **error);
gchar *ffc_segname_iso8601 (gint64 wall_us);

/* The names a file name template can produce, as a strict pattern. */
typedef struct _FfcSegPattern FfcSegPattern;

FfcSegPattern *ffc_seg_pattern_new (const gchar *template, GError **error);
gboolean ffc_seg_pattern_match (
    const FfcSegPattern *pattern, const gchar *name, gint64 *time_s);
gboolean ffc_seg_pattern_has_time (const FfcSegPattern *pattern);
void ffc_seg_pattern_free (FfcSegPattern *pattern);

/* A pair matches by name whatever each side's format: "x.flac" is the
 * twin of "x.wav". The name, then its twins with the other segment
 * extensions (the containers', ffc-container.c); just the name when it
 * ends in none of them. NULL-terminated, g_strfreev. */
gchar **ffc_segname_twins (const gchar *name);

G_END_DECLS

#endif
