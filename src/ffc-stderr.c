/* gst-ffcapture: parsing ffmpeg's stderr
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ffmpeg runs with "-loglevel level+info", so each of its own lines carries a
 * severity tag after an optional "[context @ 0x…] " prefix:
 *   [alsa @ 0x55d0c8] [warning] ALSA buffer xrun.
 *   [info]   Duration: N/A, start: 1795487494.709529, bitrate: 1536 kb/s
 * Lines from libraries that print on their own (libasound) carry none.
 * Memory stays bounded whatever ffmpeg prints: a line longer than the limit
 * is cut, and only the last few lines are kept.
 */
#include "ffc-stderr.h"

#include "ffc-gaps.h"

#include <stdlib.h>
#include <string.h>

struct _FfcStderrParser {
  gchar *line; /* max_line_length + 1 bytes */
  gsize line_length;
  gsize max_line_length;
  gboolean line_cut;

  gchar **tail; /* ring of the last tail_lines lines */
  guint tail_lines;
  guint tail_next;
  guint tail_filled;

  gchar *last_error;
  gchar *recent_errors[3]; /* texts without tags, oldest first */
  guint error_count;
  gboolean seen_start;
  gboolean seen_output;
  gboolean seen_input_audio;
  FfcLineKind previous_kind;

  /* a gap report being read: after the marker, its three values */
  gboolean gap_open;
  guint gap_have;
  gdouble gap_values[3];
};

/* A line that is nothing but a number, as ffmpeg's print() writes it
 * ("%f"): its value. */
static gboolean
parse_number (const gchar *body, gdouble *value)
{
  gchar *end = NULL;

  if (*body == '\0' || g_ascii_isspace (*body))
    return FALSE;
  *value = g_ascii_strtod (body, &end);
  return end != NULL && end != body && *end == '\0';
}

/* Skips "[ctx @ 0x…] " and returns the text after a "[level] " tag, setting
 * *level, or the line itself with *level NULL. */
static const gchar *
skip_tags (const gchar *text, const gchar **level, gsize *level_len)
{
  const gchar *p = text;

  *level = NULL;
  *level_len = 0;
  for (int i = 0; i < 2 && *p == '['; i++) {
    const gchar *end = strchr (p, ']');
    if (end == NULL)
      break;
    if (memchr (p, '@', end - p) == NULL) {
      *level = p + 1;
      *level_len = end - p - 1;
      p = end + 1;
      if (*p == ' ')
        p++;
      break;
    }
    p = end + 1;
    if (*p == ' ')
      p++;
  }
  return p;
}

static gboolean
level_is (const gchar *level, gsize len, const gchar *name)
{
  return level != NULL && len == strlen (name)
         && strncmp (level, name, len) == 0;
}

/* "[Parsed_ashowinfo_0 @ 0x…] [info] n:47 pts:1502666 pts_time:1.50267 …
 * rate:48000 nb_samples:1024 checksum:…" */
static gboolean
parse_frame (const gchar *text, const gchar *body, FfcLine *line)
{
  const gchar *pts, *rate, *samples;
  gchar *end;
  gint64 v_pts;
  guint64 v_rate, v_samples;

  if (!g_str_has_prefix (body, "n:") || strstr (text, "ashowinfo") == NULL)
    return FALSE;
  pts = strstr (body, " pts:");
  rate = strstr (body, " rate:");
  samples = strstr (body, " nb_samples:");
  if (pts == NULL || rate == NULL || samples == NULL)
    return FALSE;
  v_pts = g_ascii_strtoll (pts + 5, &end, 10);
  if (end == pts + 5)
    return FALSE;
  v_rate = g_ascii_strtoull (rate + 6, &end, 10);
  if (end == rate + 6 || v_rate == 0 || v_rate > G_MAXUINT)
    return FALSE;
  v_samples = g_ascii_strtoull (samples + 12, &end, 10);
  if (end == samples + 12 || v_samples > G_MAXUINT)
    return FALSE;
  line->kind = FFC_LINE_FRAME;
  line->frame_pts = v_pts;
  line->frame_rate = (guint)v_rate;
  line->frame_samples = (guint)v_samples;
  return TRUE;
}

/* "mono", "stereo", "5.1(side)", "7 channels", …: how many channels. */
static guint
layout_channels (const gchar *layout, gsize len)
{
  static const struct {
    const gchar *name;
    guint channels;
  } names[] = { { "mono", 1 }, { "stereo", 2 }, { "downmix", 2 }, { "quad", 4 },
    { "hexagonal", 6 }, { "octagonal", 8 }, { "hexadecagonal", 16 } };
  gchar *text = g_strndup (layout, len), *end;
  guint64 a, b;
  guint result = 0;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    if (g_str_has_prefix (text, names[i].name))
      result = names[i].channels;
  }
  if (result == 0 && g_ascii_isdigit (text[0])) {
    a = g_ascii_strtoull (text, &end, 10);
    if (g_str_has_prefix (end, " channels"))
      result = (guint)a;
    else if (*end == '.' && g_ascii_isdigit (end[1])) {
      b = g_ascii_strtoull (end + 1, NULL, 10);
      result = (guint)(a + b); /* "5.1": five plus one */
    }
  }
  g_free (text);
  return result;
}

/* "  Stream #0:0: Audio: pcm_s16le, 384000 Hz, mono, s16, 6144 kb/s" */
static gboolean
parse_input_audio (const gchar *body, FfcLine *line)
{
  const gchar *audio = strstr (body, ": Audio: ");
  const gchar *hz, *layout, *layout_end;
  guint64 rate;
  const gchar *p;

  if (audio == NULL || strstr (body, "Stream #") == NULL)
    return FALSE;
  hz = strstr (audio, " Hz, ");
  if (hz == NULL)
    return FALSE;
  for (p = hz; p > audio && g_ascii_isdigit (p[-1]); p--)
    ;
  if (p == hz)
    return FALSE;
  rate = g_ascii_strtoull (p, NULL, 10);
  if (rate == 0 || rate > G_MAXUINT)
    return FALSE;
  layout = hz + strlen (" Hz, ");
  layout_end = strchr (layout, ',');
  if (layout_end == NULL)
    layout_end = layout + strlen (layout);
  line->kind = FFC_LINE_INPUT_AUDIO;
  line->frame_rate = (guint)rate;
  line->channels = layout_channels (layout, layout_end - layout);
  /* then the sample format: "s16", "s32 (24 bit)", "fltp"… */
  if (*layout_end == ',') {
    const gchar *fmt = layout_end + 1;
    gsize n;

    while (*fmt == ' ')
      fmt++;
    n = strcspn (fmt, ", ");
    if (n < sizeof (line->sample_fmt)) {
      memcpy (line->sample_fmt, fmt, n);
      line->sample_fmt[n] = '\0';
    }
  }
  return TRUE;
}

void
ffc_stderr_classify (const gchar *text, FfcLine *line)
{
  const gchar *level, *body, *start;
  gsize level_len;

  memset (line, 0, sizeof (*line));
  line->text = text;
  line->kind = FFC_LINE_INFO;

  body = skip_tags (text, &level, &level_len);

  if (level_is (level, level_len, "error")
      || level_is (level, level_len, "fatal")
      || level_is (level, level_len, "panic")) {
    /* The raw PCM muxer complains, at error level, about equal timestamps
     * of the tiny packets some devices give; it writes every sample anyway
     * (checked), and our timestamps come from the sample count. */
    line->kind = strstr (body, "non monotonically increasing dts") != NULL
                     ? FFC_LINE_WARNING
                     : FFC_LINE_ERROR;
    return;
  }
  if (parse_frame (text, body, line) || parse_input_audio (body, line))
    return;
  /* ALSA's overrun report: "ALSA buffer xrun." (libavdevice/alsa_dec.c) */
  if (strstr (body, "buffer xrun") != NULL) {
    line->kind = FFC_LINE_XRUN;
    line->count = 1;
    return;
  }
  if (level_is (level, level_len, "warning")) {
    line->kind = FFC_LINE_WARNING;
    return;
  }
  /* The input dump: "  Duration: N/A, start: 1795487494.709529, bitrate: …" */
  start = strstr (body, ", start: ");
  if (start != NULL && strstr (body, "Duration: ") != NULL) {
    gchar *end = NULL;
    gdouble value = g_ascii_strtod (start + strlen (", start: "), &end);
    if (end != NULL && end != start + strlen (", start: ")) {
      line->kind = FFC_LINE_INPUT_START;
      line->start_seconds = value;
    }
  }
}

FfcStderrParser *
ffc_stderr_parser_new (gsize max_line_length, guint tail_lines)
{
  FfcStderrParser *parser = g_new0 (FfcStderrParser, 1);

  parser->max_line_length = MAX (max_line_length, 16);
  parser->line = g_malloc (parser->max_line_length + 1);
  parser->tail_lines = MAX (tail_lines, 1);
  parser->tail = g_new0 (gchar *, parser->tail_lines);
  return parser;
}

void
ffc_stderr_parser_reset (FfcStderrParser *parser)
{
  parser->line_length = 0;
  parser->line_cut = FALSE;
  for (guint i = 0; i < parser->tail_lines; i++)
    g_clear_pointer (&parser->tail[i], g_free);
  parser->tail_next = 0;
  parser->tail_filled = 0;
  g_clear_pointer (&parser->last_error, g_free);
  for (guint i = 0; i < G_N_ELEMENTS (parser->recent_errors); i++)
    g_clear_pointer (&parser->recent_errors[i], g_free);
  parser->error_count = 0;
  parser->seen_start = FALSE;
  parser->seen_output = FALSE;
  parser->seen_input_audio = FALSE;
  parser->previous_kind = FFC_LINE_INFO;
  parser->gap_open = FALSE;
  parser->gap_have = 0;
}

/* The gap reports of FFC_GAPS_REPORT_FILTER: the marker, then the three
 * values, each a line of its own (ffmpeg folds a value equal to the one
 * before into "Last message repeated"; other threads' lines may come in
 * between). TRUE when the line belonged to a report; *line is then a
 * FFC_LINE_GAP once the report is complete. */
static gboolean
collect_gap (FfcStderrParser *parser, FfcLine *line, guint repeats)
{
  const gchar *level, *body;
  gsize level_len;
  gdouble v;

  body = skip_tags (line->text, &level, &level_len);
  if (line->kind == FFC_LINE_INFO && parse_number (body, &v)
      && v == g_ascii_strtod (FFC_GAPS_REPORT_MARKER, NULL)) {
    parser->gap_open = TRUE;
    parser->gap_have = 0;
    return TRUE;
  }
  if (!parser->gap_open)
    return FALSE;
  if (repeats > 0 && parser->gap_have > 0) {
    while (repeats-- > 0 && parser->gap_have < 3) {
      parser->gap_values[parser->gap_have] =
          parser->gap_values[parser->gap_have - 1];
      parser->gap_have++;
    }
  } else if (line->kind == FFC_LINE_INFO && parse_number (body, &v)) {
    parser->gap_values[parser->gap_have++] = v;
  } else {
    return FALSE;
  }
  if (parser->gap_have < 3)
    return TRUE;
  parser->gap_open = FALSE;
  /* whole sample counts and rates only; anything else is not a report */
  if (!(parser->gap_values[0] >= 0 && parser->gap_values[0] < 1e18)
      || parser->gap_values[0] != (gdouble)(guint64)parser->gap_values[0]
      || !(parser->gap_values[2] >= 1 && parser->gap_values[2] <= G_MAXUINT)
      || parser->gap_values[2] != (gdouble)(guint)parser->gap_values[2]
      || !(parser->gap_values[1] > 0 && parser->gap_values[1] < 1e15))
    return TRUE;
  line->kind = FFC_LINE_GAP;
  line->gap_at_sample = (guint64)parser->gap_values[0];
  line->gap_jump_us = parser->gap_values[1];
  line->frame_rate = (guint)parser->gap_values[2];
  return TRUE;
}

void
ffc_stderr_parser_free (FfcStderrParser *parser)
{
  if (parser == NULL)
    return;
  ffc_stderr_parser_reset (parser);
  g_free (parser->tail);
  g_free (parser->line);
  g_free (parser);
}

/* "    Last message repeated 3 times": ffmpeg folds identical lines. */
static guint
parse_repeat (const gchar *text)
{
  const gchar *p = strstr (text, "Last message repeated ");
  if (p == NULL)
    return 0;
  return (guint)strtoul (p + strlen ("Last message repeated "), NULL, 10);
}

static void
emit_line (FfcStderrParser *parser, FfcLineFunc func, gpointer user_data)
{
  FfcLine line;
  guint repeats;

  parser->line[parser->line_length] = '\0';
  if (parser->line_cut && parser->line_length >= 3)
    memcpy (parser->line + parser->line_length - 3, "...", 3);
  parser->line_length = 0;
  parser->line_cut = FALSE;
  if (parser->line[0] == '\0')
    return;
  /* Device names and file names may be in any encoding; messages are
   * UTF-8. Cutting a long line may also have split a character. */
  if (!g_utf8_validate (parser->line, -1, NULL)) {
    gchar *valid = g_utf8_make_valid (parser->line, -1);
    const gchar *end;

    g_strlcpy (parser->line, valid, parser->max_line_length + 1);
    g_free (valid);
    if (!g_utf8_validate (parser->line, -1, &end))
      *(gchar *)end = '\0'; /* a replacement character cut in two */
  }

  ffc_stderr_classify (parser->line, &line);
  repeats = parse_repeat (line.text);
  if (repeats > 0 && parser->previous_kind == FFC_LINE_XRUN) {
    line.kind = FFC_LINE_XRUN;
    line.count = repeats;
  }

  /* Stream lines after "Output #" describe what ffmpeg writes. */
  if (g_str_has_prefix (line.text, "[info] Output #")
      || g_str_has_prefix (line.text, "Output #"))
    parser->seen_output = TRUE;
  if (line.kind == FFC_LINE_INPUT_AUDIO) {
    if (parser->seen_output || parser->seen_input_audio)
      line.kind = FFC_LINE_INFO;
    parser->seen_input_audio = TRUE;
  }
  if (line.kind == FFC_LINE_INPUT_START) {
    /* Only the first input's start counts; later dumps are outputs. */
    if (parser->seen_start)
      line.kind = FFC_LINE_INFO;
    parser->seen_start = TRUE;
  }
  if (line.kind == FFC_LINE_ERROR) {
    const gchar *level, *body;
    gsize level_len, n = G_N_ELEMENTS (parser->recent_errors);

    g_free (parser->last_error);
    parser->last_error = g_strdup (line.text);
    parser->error_count++;
    body = skip_tags (line.text, &level, &level_len);
    g_free (parser->recent_errors[0]);
    memmove (parser->recent_errors, parser->recent_errors + 1,
        (n - 1) * sizeof (gchar *));
    parser->recent_errors[n - 1] = g_strdup (*body != '\0' ? body : line.text);
  }
  if (collect_gap (parser, &line, repeats)) {
    /* gap reports are told as one line, never kept */
    if (line.kind == FFC_LINE_GAP && func != NULL)
      func (&line, user_data);
    return;
  }
  if (line.kind == FFC_LINE_FRAME) {
    /* one per audio frame: reported, never kept */
    if (func != NULL)
      func (&line, user_data);
    return;
  }
  if (repeats == 0)
    parser->previous_kind = line.kind;

  g_free (parser->tail[parser->tail_next]);
  parser->tail[parser->tail_next] = g_strdup (line.text);
  parser->tail_next = (parser->tail_next + 1) % parser->tail_lines;
  parser->tail_filled = MIN (parser->tail_filled + 1, parser->tail_lines);

  if (func != NULL)
    func (&line, user_data);
}

void
ffc_stderr_parser_feed (FfcStderrParser *parser, const gchar *data,
    gsize length, FfcLineFunc func, gpointer user_data)
{
  const gchar *p = data, *end = data + length;

  while (p < end) {
    const gchar *nl = p;
    gsize take;

    /* ffmpeg ends progress lines with '\r'; treat it as a line end too. */
    while (nl < end && *nl != '\n' && *nl != '\r')
      nl++;
    take = nl - p;
    if (parser->line_length + take > parser->max_line_length) {
      take = parser->max_line_length - parser->line_length;
      parser->line_cut = TRUE;
    }
    /* A NUL would end the line early for everyone downstream. */
    for (gsize i = 0; i < take; i++)
      parser->line[parser->line_length + i] = p[i] != '\0' ? p[i] : '?';
    parser->line_length += take;
    if (nl < end) {
      emit_line (parser, func, user_data);
      p = nl + 1;
    } else {
      p = end;
    }
  }
}

void
ffc_stderr_parser_finish (
    FfcStderrParser *parser, FfcLineFunc func, gpointer user_data)
{
  if (parser->line_length > 0)
    emit_line (parser, func, user_data);
}

gchar *
ffc_stderr_parser_get_tail (FfcStderrParser *parser)
{
  GString *s = g_string_new (NULL);
  guint first = (parser->tail_next + parser->tail_lines - parser->tail_filled)
                % parser->tail_lines;

  for (guint i = 0; i < parser->tail_filled; i++) {
    const gchar *l = parser->tail[(first + i) % parser->tail_lines];
    if (s->len > 0)
      g_string_append_c (s, '\n');
    g_string_append (s, l);
  }
  return g_string_free (s, FALSE);
}

gchar *
ffc_stderr_parser_get_last_error (FfcStderrParser *parser)
{
  return g_strdup (parser->last_error);
}

/* The last few error lines, without their tags, joined with "; ": ffmpeg
 * often names the cause in one line and the consequence in the next. */
gchar *
ffc_stderr_parser_get_errors (FfcStderrParser *parser)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (parser->recent_errors); i++) {
    const gchar *e = parser->recent_errors[i];
    if (e == NULL)
      continue;
    if (s->len > 0)
      g_string_append (s, "; ");
    g_string_append (s, e);
  }
  if (s->len == 0)
    return g_string_free (s, TRUE);
  return g_string_free (s, FALSE);
}

guint
ffc_stderr_parser_get_error_count (FfcStderrParser *parser)
{
  return parser->error_count;
}
