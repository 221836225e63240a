/* gst-ffcapture: scientific metadata of a segment (GUANO and BWF bext)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GUANO (guano-md.org, version 1.0) is what bat-acoustics software reads: a
 * `guan` chunk of UTF-8 "Key: value" lines. BWF's `bext` chunk (EBU Tech
 * 3285, version 1) is what broadcast and field-recording tools read. Both
 * are built here from a plain struct; ffc-wav puts them into the file.
 */
#include "config.h" /* PACKAGE_VERSION */

#include "ffc-meta.h"

#include <math.h>
#include <string.h>

#define BEXT_FIXED 602 /* the bext body before CodingHistory */

void
ffc_meta_init (FfcMeta *m)
{
  memset (m, 0, sizeof (*m));
  m->latitude = m->longitude = NAN;
  m->elevation = NAN;
  m->drift_ppm = NAN;
}

static gboolean
is_set (const gchar *s)
{
  return s != NULL && *s != '\0';
}

/* Longest text append_double () gives: a sign, 9 digits, a point and 17
 * decimals. */
#define DOUBLE_MAX_CHARS 28

/* Fixed notation with the fewest decimals that read back as the same
 * double: "1500", "37.1878016", never "1.5e+03"; exponent notation only for
 * magnitudes past 1e9, which keeps every value short. */
static void
append_double (GString *s, gdouble v)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!(fabs (v) < 1e9)) {
    g_string_append (s, g_ascii_dtostr (buf, sizeof (buf), v));
    return;
  }
  for (gint decimals = 0; decimals <= 17; decimals++) {
    gchar format[8];

    g_snprintf (format, sizeof (format), "%%.%df", decimals);
    g_ascii_formatd (buf, sizeof (buf), format, v);
    if (g_ascii_strtod (buf, NULL) == v)
      break;
  }
  g_string_append (s, buf);
}

/* Longest Length: (2^64 - 2) / 3 s, 19 digits and 9 decimals. */
#define LENGTH_MAX_CHARS 29

/* frames / rate in seconds, exact to the nanosecond (a sample at 384 kHz
 * lasts 2.6 µs), without trailing zeros: "60", "0.0125". */
static void
append_length (GString *s, guint64 frames, guint rate)
{
  guint64 whole = frames / rate;
  guint64 nanos =
      ((frames % rate) * G_GUINT64_CONSTANT (1000000000) + rate / 2) / rate;
  gchar frac[16];
  gsize n;

  if (nanos == G_GUINT64_CONSTANT (1000000000)) {
    whole++;
    nanos = 0;
  }
  g_string_append_printf (s, "%" G_GUINT64_FORMAT, whole);
  if (nanos == 0)
    return;
  g_snprintf (frac, sizeof (frac), "%09" G_GUINT64_FORMAT, nanos);
  for (n = strlen (frac); n > 0 && frac[n - 1] == '0'; n--)
    frac[n - 1] = '\0';
  g_string_append_printf (s, ".%s", frac);
}

/* A value on one GUANO line: valid UTF-8, control characters (newlines
 * included) become spaces; with `multiline`, a newline becomes the
 * two-character "\n" escape GUANO defines for multiline strings. */
static void
append_text (GString *s, const gchar *text, gboolean multiline)
{
  gchar *valid = g_utf8_make_valid (text, -1);

  for (const gchar *p = valid; *p; p++) {
    if (*p == '\n' && multiline)
      g_string_append (s, "\\n");
    else if (*p == '\r' && multiline)
      continue;
    else if ((guchar)*p < 0x20 || *p == 0x7f)
      g_string_append_c (s, ' ');
    else
      g_string_append_c (s, *p);
  }
  g_free (valid);
}

static void
add_text (GString *s, const gchar *key, const gchar *value, gboolean multiline)
{
  if (!is_set (value))
    return;
  g_string_append_printf (s, "%s: ", key);
  append_text (s, value, multiline);
  g_string_append_c (s, '\n');
}

/* ISO 8601 with microseconds and the zone's offset, e.g.
 * 2026-11-24T05:20:32.000125+01:00 */
static void
append_timestamp (GString *s, gint64 start_us, GTimeZone *zone)
{
  gint64 secs = start_us / G_USEC_PER_SEC;
  gint64 micro = start_us % G_USEC_PER_SEC;
  GDateTime *utc, *local;
  gchar *date, *offset;

  if (micro < 0) {
    micro += G_USEC_PER_SEC;
    secs--;
  }
  utc = g_date_time_new_from_unix_utc (secs);
  local = zone ? g_date_time_to_timezone (utc, zone) : g_date_time_ref (utc);
  date = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S");
  offset = g_date_time_format (local, "%:z");
  g_string_append_printf (
      s, "%s.%06" G_GINT64_FORMAT "%s", date, micro, offset);
  g_free (date);
  g_free (offset);
  g_date_time_unref (local);
  g_date_time_unref (utc);
}

/* The GUANO text: "GUANO|Version" first, as the specification requires,
 * one "Key: value" line each, ending with a newline. Fields not given are
 * left out. */
gchar *
ffc_meta_guano (const FfcMeta *m)
{
  GString *s;

  g_return_val_if_fail (m->rate > 0, NULL);
  s = g_string_new ("GUANO|Version: 1.0\n");

  g_string_append (s, "Timestamp: ");
  append_timestamp (s, m->start_us, m->zone);
  g_string_append (s, "\nLength: ");
  append_length (s, m->frames, m->rate);
  g_string_append_printf (s, "\nSamplerate: %u\n", m->rate);
  add_text (s, "Original Filename", m->original_filename, FALSE);
  add_text (s, "Make", m->make, FALSE);
  add_text (s, "Model", m->model, FALSE);
  add_text (s, "Serial", m->serial, FALSE);
  if (isfinite (m->latitude) && isfinite (m->longitude)) {
    /* latitude and longitude separated by a space */
    g_string_append (s, "Loc Position: ");
    append_double (s, m->latitude);
    g_string_append_c (s, ' ');
    append_double (s, m->longitude);
    g_string_append_c (s, '\n');
  }
  if (isfinite (m->elevation)) {
    g_string_append (s, "Loc Elevation: ");
    append_double (s, m->elevation);
    g_string_append_c (s, '\n');
  }
  add_text (s, "Note", m->note, TRUE);

  /* this project's namespace */
  g_string_append (s, "FFC|Version: " PACKAGE_VERSION "\n");
  add_text (s, "FFC|Run ID", m->run_id, FALSE);
  g_string_append_printf (s, "FFC|Sequence: %" G_GUINT64_FORMAT "\n", m->seq);
  add_text (s, "FFC|Stream", m->stream, FALSE);
  g_string_append_printf (
      s, "FFC|Sample Offset: %" G_GUINT64_FORMAT "\n", m->offset);
  if (isfinite (m->drift_ppm)) {
    g_string_append (s, "FFC|Clock Drift: ");
    append_double (s, m->drift_ppm);
    g_string_append_c (s, '\n');
  }
  g_string_append_printf (s, "FFC|Clock Synchronised: %s\n",
      m->clock_synchronised ? "true" : "false");
  return g_string_free (s, FALSE);
}

/* GUANO's Length is the one field that changes after the segment opens:
 * returns `text` with its Length line replaced (or added at the end) for
 * `frames` at `rate`, or removed when `rate` is 0 (no length known).
 * Trailing whitespace, the padding of the chunk, is dropped. */
gchar *
ffc_meta_guano_set_length (
    const gchar *text, gsize len, guint64 frames, guint rate)
{
  GString *out = g_string_new (NULL);
  const gchar *p = text, *end;
  gboolean done = FALSE;

  len = strnlen (text, len);
  end = text + len;
  while (p < end) {
    const gchar *eol = memchr (p, '\n', end - p);
    const gchar *line_end = eol ? eol : end;
    const gchar *colon = memchr (p, ':', line_end - p);
    gchar *key = colon ? g_strndup (p, colon - p) : NULL;

    if (key != NULL && strcmp (g_strstrip (key), "Length") == 0) {
      /* keys are unique: a second Length goes */
      if (!done && rate > 0) {
        g_string_append (out, "Length: ");
        append_length (out, frames, rate);
        g_string_append_c (out, '\n');
      }
      done = TRUE;
    } else {
      g_string_append_len (out, p, line_end - p);
      g_string_append_c (out, '\n');
    }
    g_free (key);
    p = eol ? eol + 1 : end;
  }
  while (out->len > 0 && g_ascii_isspace (out->str[out->len - 1]))
    g_string_truncate (out, out->len - 1);
  if (out->len > 0)
    g_string_append_c (out, '\n');
  if (!done && rate > 0) {
    g_string_append (out, "Length: ");
    append_length (out, frames, rate);
    g_string_append_c (out, '\n');
  }
  return g_string_free (out, FALSE);
}

/* Fails, naming the problem, when the GUANO text could outgrow the room
 * the WAV header reserves for it, whatever the per-segment fields become. */
gboolean
ffc_meta_check_fits (const FfcMeta *station, GError **error)
{
  FfcMeta worst = *station;
  gchar name[256];
  gchar *text;
  gsize len;

  memset (name, 'x', sizeof (name) - 1); /* NAME_MAX */
  name[sizeof (name) - 1] = '\0';
  worst.original_filename = name;
  worst.start_us = 0;
  worst.zone = NULL; /* "+00:00" is as long as any offset */
  worst.frames = 0;
  worst.rate = G_MAXINT;
  worst.seq = worst.offset = G_MAXUINT64;
  worst.run_id = "ffffffff";
  worst.drift_ppm = NAN;
  worst.clock_synchronised = FALSE;
  text = ffc_meta_guano (&worst);
  len = strlen (text) - strlen ("0") + LENGTH_MAX_CHARS
        + strlen ("FFC|Clock Drift: \n") + DOUBLE_MAX_CHARS;
  g_free (text);
  if (len > FFC_WAV_GUANO_MAX) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "the station's metadata (make, model, serial, note, stream name) is "
        "too long: the GUANO text could take %" G_GSIZE_FORMAT
        " bytes, and %d fit",
        len, FFC_WAV_GUANO_MAX);
    return FALSE;
  }
  return TRUE;
}

/* A bext text field: ASCII (transliterated), no control characters,
 * NUL-padded to its fixed size, cut if longer. */
static void
put_ascii (guint8 *field, gsize size, const gchar *text)
{
  gchar *ascii = g_str_to_ascii (text, "C");
  gsize n = MIN (strlen (ascii), size);

  for (gsize i = 0; i < n; i++)
    field[i] = g_ascii_iscntrl (ascii[i]) ? ' ' : ascii[i];
  g_free (ascii);
}

static void
put_u32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

/* The bext chunk body (EBU Tech 3285 v1): origination date, time and
 * TimeReference of the first sample, all in UTC; `size` is even. */
guint8 *
ffc_meta_bext (const FfcMeta *m, gsize *size)
{
  const gint64 day_us = G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC;
  gint64 midnight = m->start_us / day_us * day_us;
  gint64 since_midnight, secs;
  guint64 time_reference;
  GDateTime *dt;
  GString *text = g_string_new (NULL);
  gchar *date, *time, *mode;
  gsize history_len;
  guint8 *b;

  if (m->start_us < midnight)
    midnight -= day_us;
  since_midnight = m->start_us - midnight;
  secs = m->start_us / G_USEC_PER_SEC;
  if (m->start_us % G_USEC_PER_SEC < 0)
    secs--;
  /* samples since midnight, split so that no product overflows */
  time_reference = (guint64)(since_midnight / G_USEC_PER_SEC) * m->rate
                   + ((guint64)(since_midnight % G_USEC_PER_SEC) * m->rate
                         + G_USEC_PER_SEC / 2)
                         / G_USEC_PER_SEC;
  dt = g_date_time_new_from_unix_utc (secs);
  date = g_date_time_format (dt, "%Y-%m-%d");
  time = g_date_time_format (dt, "%H:%M:%S");
  g_date_time_unref (dt);

  /* EBU R 98: A= coding algorithm, F= rate, W= word length, M= mode, T=
   * free text without commas. R 98 has no code for floating point: A=PCM
   * with W=32, the fmt chunk's IEEE float tag and T= say what it is. */
  mode = m->channels == 1   ? g_strdup ("mono")
         : m->channels == 2 ? g_strdup ("stereo")
                            : g_strdup_printf ("%uchn", m->channels);
  g_string_append_printf (text, "A=PCM,F=%u,W=%u,M=%s,T=%sgst-ffcapture %s\r\n",
      m->rate, m->format == FFC_SAMPLE_S16LE ? 16 : 32, mode,
      m->format == FFC_SAMPLE_F32LE ? "IEEE float; " : "", PACKAGE_VERSION);
  g_free (mode);
  history_len = text->len + (text->len & 1); /* a NUL makes it even */
  *size = BEXT_FIXED + history_len;
  g_assert (*size <= FFC_WAV_BEXT_MAX);
  b = g_malloc0 (*size);
  memcpy (b + BEXT_FIXED, text->str, text->len);

  /* Description (256) */
  g_string_assign (text, "");
  if (is_set (m->stream))
    g_string_append_printf (text, "Stream %s. ", m->stream);
  g_string_append (
      text, "OriginationDate, OriginationTime and TimeReference are UTC.");
  if (is_set (m->note))
    g_string_append_printf (text, " %s", m->note);
  put_ascii (b, 256, text->str);
  /* Originator (32) */
  g_string_assign (text, "");
  if (is_set (m->make))
    g_string_append (text, m->make);
  if (is_set (m->model))
    g_string_append_printf (text, "%s%s", text->len ? " " : "", m->model);
  put_ascii (b + 256, 32, text->len ? text->str : "gst-ffcapture");
  /* OriginatorReference (32): the run and the segment */
  g_string_printf (text, "%s-%08" G_GUINT64_FORMAT,
      is_set (m->run_id) ? m->run_id : "", m->seq);
  put_ascii (b + 288, 32, text->str);
  put_ascii (b + 320, 10, date); /* OriginationDate */
  put_ascii (b + 330, 8, time);  /* OriginationTime */
  put_u32 (b + 338, time_reference & 0xffffffff);
  put_u32 (b + 342, time_reference >> 32);
  b[346] = 1; /* Version; UMID, loudness and reserved stay zero */

  g_string_free (text, TRUE);
  g_free (date);
  g_free (time);
  return b;
}

/* "LAT,LON" or "LAT LON" in decimal degrees (WGS84). */
gboolean
ffc_meta_parse_position (
    const gchar *text, gdouble *latitude, gdouble *longitude, GError **error)
{
  const gchar *p = text;
  gchar *end;
  gdouble lat, lon;

  lat = g_ascii_strtod (p, &end);
  if (end == p)
    goto bad;
  p = end;
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p == ',')
    p++;
  else if (p == end)
    goto bad;
  lon = g_ascii_strtod (p, &end);
  if (end == p)
    goto bad;
  for (p = end; *p == ' ' || *p == '\t'; p++)
    ;
  if (*p != '\0' || !isfinite (lat) || !isfinite (lon))
    goto bad;
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "position \"%s\" is out of range: latitude must be within -90..90 "
        "and longitude within -180..180 degrees",
        text);
    return FALSE;
  }
  *latitude = lat;
  *longitude = lon;
  return TRUE;

bad:
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
      "position \"%s\" is not \"LATITUDE,LONGITUDE\" or \"LATITUDE "
      "LONGITUDE\" in decimal degrees (e.g. \"52.5186,13.3761\")",
      text);
  return FALSE;
}
