/* gst-ffcapture: segment file names from a template, and the pattern of
 * the names a template gives
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * strftime conversions give the segment's start time in UTC; {seq} is the
 * sequence number (8 digits), {duration} the nominal segment duration in
 * whole seconds, {run} the run id. A name never leaves its directory. One
 * tokenizer (ffc_segname_tokenize) reads templates for the names, their
 * validation and retention's pattern of them.
 */
#include "ffc-segname.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static gboolean
name_is_safe (const gchar *name, GError **error)
{
  if (*name == '\0' || strchr (name, '/') != NULL || name[0] == '.') {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "file name \"%s\" is empty, hidden or leaves the directory", name);
    return FALSE;
  }
  return TRUE;
}

/* ---- the template grammar: one tokenizer for expansion, validation and
 * the retention pattern ---- */

void
ffc_segname_tokenize (
    const gchar *template, FfcSegnameTokenFunc func, gpointer user_data)
{
  static const struct {
    const gchar *text;
    FfcSegnameTokenType type;
  } placeholders[] = {
    { "{seq}", FFC_SEGNAME_TOKEN_SEQ },
    { "{duration}", FFC_SEGNAME_TOKEN_DURATION },
    { "{run}", FFC_SEGNAME_TOKEN_RUN },
  };
  const gchar *literal = template;

  for (const gchar *p = template; *p != '\0';) {
    FfcSegnameToken token = { FFC_SEGNAME_TOKEN_LITERAL, NULL, 0, 0 };
    gsize len = 0;

    for (guint i = 0; i < G_N_ELEMENTS (placeholders) && len == 0; i++) {
      if (g_str_has_prefix (p, placeholders[i].text)) {
        token.type = placeholders[i].type;
        len = strlen (placeholders[i].text);
      }
    }
    if (len == 0 && *p == '%') {
      /* a strftime conversion: '%' and the character after it ('\0' when
       * the template ends there) */
      token.type = FFC_SEGNAME_TOKEN_CONVERSION;
      token.conversion = p[1];
      len = p[1] != '\0' ? 2 : 1;
    }
    if (len == 0) {
      p++;
      continue;
    }
    if (p > literal) {
      FfcSegnameToken text = { FFC_SEGNAME_TOKEN_LITERAL, literal,
        (gsize)(p - literal), 0 };
      func (&text, user_data);
    }
    token.text = p;
    token.len = len;
    func (&token, user_data);
    p += len;
    literal = p;
  }
  if (*literal != '\0') {
    FfcSegnameToken text = { FFC_SEGNAME_TOKEN_LITERAL, literal,
      strlen (literal), 0 };
    func (&text, user_data);
  }
}

typedef struct {
  GString *fmt;
  guint64 seq;
  guint64 duration_s;
  const gchar *run;
} Expansion;

/* Placeholders become their values, which hold no '%' for strftime to
 * see; conversions and literal text go to strftime as they are. */
static void
expand_token (const FfcSegnameToken *token, gpointer data)
{
  Expansion *x = data;

  switch (token->type) {
    case FFC_SEGNAME_TOKEN_SEQ:
      g_string_append_printf (x->fmt, "%08" G_GUINT64_FORMAT, x->seq);
      break;
    case FFC_SEGNAME_TOKEN_DURATION:
      g_string_append_printf (x->fmt, "%" G_GUINT64_FORMAT, x->duration_s);
      break;
    case FFC_SEGNAME_TOKEN_RUN:
      g_string_append (x->fmt, x->run);
      break;
    case FFC_SEGNAME_TOKEN_LITERAL:
    case FFC_SEGNAME_TOKEN_CONVERSION:
      g_string_append_len (x->fmt, token->text, token->len);
      break;
  }
}

gchar *
ffc_segname_expand (const gchar *template, gint64 start_us, guint64 seq,
    guint64 duration_s, const gchar *run, GError **error)
{
  GString *fmt = g_string_new (NULL);
  Expansion x;
  time_t secs = (time_t)(start_us >= 0 ? start_us / G_USEC_PER_SEC
                                       : (start_us - G_USEC_PER_SEC + 1)
                                             / G_USEC_PER_SEC);
  struct tm tm;
  gchar out[1024];
  gsize n;

  x.fmt = fmt;
  x.seq = seq;
  x.duration_s = duration_s;
  x.run = run;
  ffc_segname_tokenize (template, expand_token, &x);
  gmtime_r (&secs, &tm);
  n = strftime (out, sizeof (out), fmt->str, &tm);
  g_string_free (fmt, TRUE);
  if (n == 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG,
        "template \"%s\" gives an empty or over-long name", template);
    return NULL;
  }
  if (!name_is_safe (out, error))
    return NULL;
  return g_strdup (out);
}

/* A template must give a name that stays in the directory, and one that
 * changes from segment to segment: a sequence number or the start time to
 * the second. */
gboolean
ffc_segname_validate (const gchar *template, GError **error)
{
  gchar *a, *b;
  gboolean distinct;

  if (template == NULL || *template == '\0') {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "the filename template is empty");
    return FALSE;
  }
  if (strchr (template, '/') != NULL || strstr (template, "..") != NULL) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "filename template \"%s\" would leave the directory", template);
    return FALSE;
  }
  a = ffc_segname_expand (template,
      G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC, 0, 60, "0123abcd",
      error);
  if (a == NULL)
    return FALSE;
  /* %n and %t are strftime's newline and tab: names that break every
   * line-based consumer */
  for (const gchar *c = a; *c != '\0'; c++) {
    if (g_ascii_iscntrl (*c)) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
          "filename template \"%s\" gives names with control characters "
          "(%%n, %%t)",
          template);
      g_free (a);
      return FALSE;
    }
  }
  b = ffc_segname_expand (template,
      G_GINT64_CONSTANT (1700000001) * G_USEC_PER_SEC, 1, 60, "0123abcd", NULL);
  distinct = b != NULL && g_strcmp0 (a, b) != 0;
  g_free (a);
  g_free (b);
  if (!distinct) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "filename template \"%s\" gives every segment the same name: use "
        "{seq} or the start time to the second (%%S)",
        template);
    return FALSE;
  }
  return TRUE;
}

/* "2026-11-24T03:20:32.123456Z" */
gchar *
ffc_segname_iso8601 (gint64 wall_us)
{
  GDateTime *dt = g_date_time_new_from_unix_utc (wall_us / G_USEC_PER_SEC);
  gchar *base;
  gchar *text;
  gint64 micro = wall_us % G_USEC_PER_SEC;

  if (micro < 0) {
    micro += G_USEC_PER_SEC;
    g_date_time_unref (dt);
    dt = g_date_time_new_from_unix_utc (wall_us / G_USEC_PER_SEC - 1);
  }
  base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  text = g_strdup_printf ("%s.%06" G_GINT64_FORMAT "Z", base, micro);
  g_free (base);
  g_date_time_unref (dt);
  return text;
}

/* ---- the names a template gives, as a pattern (for retention) ---- */

struct _FfcSegPattern {
  GRegex *re;
  gboolean has_time;
};

/* strftime conversions, as ffc_segname_expand () gives them in UTC; those
 * with a group name carry the time that orders segments */
static const struct {
  gchar conversion;
  const gchar *regex;
  const gchar *group;
} conversions[] = {
  { 'Y', "\\d{4}", "Y" },
  { 'm', "\\d{2}", "m" },
  { 'd', "\\d{2}", "d" },
  { 'H', "\\d{2}", "H" },
  { 'M', "\\d{2}", "M" },
  { 'S', "\\d{2}", "S" },
  { 's', "\\d+", "s" },
  { 'y', "\\d{2}", NULL },
  { 'C', "\\d{2}", NULL },
  { 'G', "\\d{4}", NULL },
  { 'g', "\\d{2}", NULL },
  { 'j', "\\d{3}", NULL },
  { 'e', "[ \\d]\\d", NULL },
  { 'I', "\\d{2}", NULL },
  { 'k', "[ \\d]\\d", NULL },
  { 'l', "[ \\d]\\d", NULL },
  { 'U', "\\d{2}", NULL },
  { 'W', "\\d{2}", NULL },
  { 'V', "\\d{2}", NULL },
  { 'u', "\\d", NULL },
  { 'w', "\\d", NULL },
  { 'z', "\\+0000", NULL },
};

static gboolean
append_conversion (GString *re, gchar c, GHashTable *captured)
{
  for (guint i = 0; i < G_N_ELEMENTS (conversions); i++) {
    const gchar *group = conversions[i].group;

    if (conversions[i].conversion != c)
      continue;
    /* a repeated conversion matches the same way, captured once */
    if (group != NULL && !g_hash_table_contains (captured, group)) {
      g_hash_table_add (captured, (gpointer)group);
      g_string_append_printf (re, "(?<%s>%s)", group, conversions[i].regex);
    } else {
      g_string_append (re, conversions[i].regex);
    }
    return TRUE;
  }
  switch (c) {
    case 'F':
      return append_conversion (re, 'Y', captured)
             && (g_string_append (re, "-"), TRUE)
             && append_conversion (re, 'm', captured)
             && (g_string_append (re, "-"), TRUE)
             && append_conversion (re, 'd', captured);
    case 'T':
      return append_conversion (re, 'H', captured)
             && (g_string_append (re, ":"), TRUE)
             && append_conversion (re, 'M', captured)
             && (g_string_append (re, ":"), TRUE)
             && append_conversion (re, 'S', captured);
    case 'R':
      return append_conversion (re, 'H', captured)
             && (g_string_append (re, ":"), TRUE)
             && append_conversion (re, 'M', captured);
    case '%':
      g_string_append (re, "%");
      return TRUE;
    default:
      return FALSE;
  }
}

static void
append_literal (GString *re, const gchar *text, gssize len)
{
  gchar *escaped = g_regex_escape_string (text, len);
  g_string_append (re, escaped);
  g_free (escaped);
}

typedef struct {
  GString *re;
  GHashTable *captured;
  gboolean seq_captured;
  const gchar *template;
  GError *error;
} PatternBuild;

static void
pattern_token (const FfcSegnameToken *token, gpointer data)
{
  PatternBuild *b = data;

  if (b->error != NULL)
    return;
  switch (token->type) {
    case FFC_SEGNAME_TOKEN_SEQ:
      g_string_append (b->re, b->seq_captured ? "\\d{8,}" : "(?<seq>\\d{8,})");
      b->seq_captured = TRUE;
      break;
    case FFC_SEGNAME_TOKEN_DURATION:
      g_string_append (b->re, "\\d+");
      break;
    case FFC_SEGNAME_TOKEN_RUN:
      /* an explicit id is as given */
      g_string_append (b->re, "[0-9A-Fa-f]{8}");
      break;
    case FFC_SEGNAME_TOKEN_CONVERSION:
      if (token->conversion == '\0'
          || !append_conversion (b->re, token->conversion, b->captured))
        g_set_error (&b->error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
            "the names of template \"%s\" cannot be recognised: %%%c is not "
            "a numeric strftime conversion",
            b->template, token->conversion ? token->conversion : ' ');
      break;
    case FFC_SEGNAME_TOKEN_LITERAL:
      append_literal (b->re, token->text, token->len);
      break;
  }
}

/* Turns a template into a pattern that matches exactly the names it can
 * give: digits where a time or a number goes, 8 hex digits for {run}. */
FfcSegPattern *
ffc_seg_pattern_new (const gchar *template, GError **error)
{
  PatternBuild b = { g_string_new ("^"),
    g_hash_table_new (g_str_hash, g_str_equal), FALSE, template, NULL };
  FfcSegPattern *pattern = NULL;
  GRegex *regex;

  ffc_segname_tokenize (template, pattern_token, &b);
  if (b.error != NULL) {
    g_propagate_error (error, b.error);
    goto done;
  }
  g_string_append (b.re, "$");
  regex = g_regex_new (b.re->str, G_REGEX_OPTIMIZE, 0, error);
  if (regex == NULL)
    goto done;
  pattern = g_new0 (FfcSegPattern, 1);
  pattern->re = regex;
  pattern->has_time = g_hash_table_contains (b.captured, "Y")
                      || g_hash_table_contains (b.captured, "s");

done:
  g_hash_table_unref (b.captured);
  g_string_free (b.re, TRUE);
  return pattern;
}

gboolean
ffc_seg_pattern_has_time (const FfcSegPattern *pattern)
{
  return pattern->has_time;
}

/* A named group's number, or `fallback` if the pattern has none */
static gint
group_int (GMatchInfo *m, const gchar *group, gint fallback)
{
  gchar *text = g_match_info_fetch_named (m, group);
  gint value = fallback;

  if (text != NULL && *text != '\0')
    value = atoi (text);
  g_free (text);
  return value;
}

/* Whether `name` is one the template gives; then `time_s` is the time in
 * it (seconds since the epoch, UTC), or G_MININT64 when it has none. A
 * name with a date or time that cannot be (month 13) is not one. */
gboolean
ffc_seg_pattern_match (
    const FfcSegPattern *pattern, const gchar *name, gint64 *time_s)
{
  GMatchInfo *m = NULL;
  gboolean ok = FALSE;
  gchar *epoch;
  GDateTime *dt;

  if (!g_regex_match (pattern->re, name, 0, &m))
    goto done;
  /* month, day and time are checked even without a year */
  dt = g_date_time_new_utc (group_int (m, "Y", 2000), group_int (m, "m", 1),
      group_int (m, "d", 1), group_int (m, "H", 0), group_int (m, "M", 0),
      group_int (m, "S", 0));
  if (dt == NULL)
    goto done;
  if (time_s != NULL)
    *time_s = pattern->has_time ? g_date_time_to_unix (dt) : G_MININT64;
  g_date_time_unref (dt);
  epoch = g_match_info_fetch_named (m, "s");
  if (epoch != NULL && *epoch != '\0' && time_s != NULL)
    *time_s = g_ascii_strtoll (epoch, NULL, 10);
  g_free (epoch);
  ok = TRUE;

done:
  g_match_info_free (m);
  return ok;
}

void
ffc_seg_pattern_free (FfcSegPattern *pattern)
{
  if (pattern == NULL)
    return;
  g_regex_unref (pattern->re);
  g_free (pattern);
}

/* ---- pairs across formats ---- */

static const gchar *const segment_extensions[] = { ".wav", ".flac" };

gchar **
ffc_segname_twins (const gchar *name)
{
  GPtrArray *out = g_ptr_array_new ();

  g_ptr_array_add (out, g_strdup (name));
  for (guint i = 0; i < G_N_ELEMENTS (segment_extensions); i++) {
    gint stem = (gint)(strlen (name) - strlen (segment_extensions[i]));

    if (!g_str_has_suffix (name, segment_extensions[i]))
      continue;
    for (guint j = 0; j < G_N_ELEMENTS (segment_extensions); j++) {
      if (j != i)
        g_ptr_array_add (
            out, g_strdup_printf ("%.*s%s", stem, name, segment_extensions[j]));
    }
    break;
  }
  g_ptr_array_add (out, NULL);
  return (gchar **)g_ptr_array_free (out, FALSE);
}
