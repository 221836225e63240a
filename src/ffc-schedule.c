/* gst-ffcapture: recording schedules by the clock and by the sun
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ffc-schedule.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libnova/solar.h>

#include "ffc-meta.h"

G_DEFINE_QUARK (ffc - schedule - error - quark, ffc_schedule_error)

static const struct {
  const gchar *name;
  FfcSunEvent event;
  gboolean rising;
  gdouble horizon; /* degrees */
} sun_events[] = {
  /* longest names first: "nautical-dawn" before "dawn" */
  { "nautical-dawn", FFC_SUN_NAUTICAL_DAWN, TRUE, LN_SOLAR_NAUTIC_HORIZON },
  { "nautical-dusk", FFC_SUN_NAUTICAL_DUSK, FALSE, LN_SOLAR_NAUTIC_HORIZON },
  { "sunrise", FFC_SUN_SUNRISE, TRUE, LN_SOLAR_STANDART_HORIZON },
  { "sunset", FFC_SUN_SUNSET, FALSE, LN_SOLAR_STANDART_HORIZON },
  { "dawn", FFC_SUN_DAWN, TRUE, LN_SOLAR_CIVIL_HORIZON },
  { "dusk", FFC_SUN_DUSK, FALSE, LN_SOLAR_CIVIL_HORIZON },
};

static guint
sun_index (FfcSunEvent event)
{
  for (guint i = 0; i < G_N_ELEMENTS (sun_events); i++)
    if (sun_events[i].event == event)
      return i;
  g_assert_not_reached ();
  return 0;
}

/* NUMBER UNIT [NUMBER UNIT...], units h, m, s in this order, each once:
 * "1h30m", "90s". Returns the end of what was read, or NULL. */
static const gchar *
parse_duration (const gchar *p, gint64 *us, gchar *bad_unit)
{
  static const gchar units[] = "hms";
  static const gint64 unit_us[] = { G_TIME_SPAN_HOUR, G_TIME_SPAN_MINUTE,
    G_TIME_SPAN_SECOND };
  gint next_unit = 0;
  gint64 total = 0;
  gboolean any = FALSE;

  *bad_unit = '\0';
  while (g_ascii_isdigit (*p)) {
    guint64 n = 0;
    const gchar *u;
    gint i;

    while (g_ascii_isdigit (*p)) {
      n = n * 10 + (guint64)(*p - '0');
      if (n > 1000000)
        return NULL;
      p++;
    }
    u = *p ? strchr (units, *p) : NULL;
    if (u == NULL) {
      *bad_unit = *p;
      return NULL;
    }
    i = (gint)(u - units);
    if (i < next_unit) {
      *bad_unit = *p;
      return NULL;
    }
    next_unit = i + 1;
    total += (gint64)n * unit_us[i];
    any = TRUE;
    p++;
  }
  if (!any)
    return NULL;
  *us = total;
  return p;
}

static gboolean
parse_edge (
    const gchar *token, gboolean is_end, FfcScheduleEdge *edge, GError **error)
{
  const gchar *p = token;
  FfcScheduleEdge e = { FFC_SUN_NONE, 0, 0 };

  if (g_ascii_isdigit (*p)) {
    guint h = 0, m = 0, s = 0, digits = 0;

    while (g_ascii_isdigit (*p) && digits < 3) {
      h = h * 10 + (guint)(*p++ - '0');
      digits++;
    }
    if (digits > 2 || *p != ':' || !g_ascii_isdigit (p[1])
        || !g_ascii_isdigit (p[2]))
      goto not_time;
    m = (guint)(p[1] - '0') * 10 + (guint)(p[2] - '0');
    p += 3;
    if (*p == ':') {
      if (!g_ascii_isdigit (p[1]) || !g_ascii_isdigit (p[2]))
        goto not_time;
      s = (guint)(p[1] - '0') * 10 + (guint)(p[2] - '0');
      p += 3;
    }
    if (m > 59 || s > 59 || h > 24 || (h == 24 && (m != 0 || s != 0))) {
      g_set_error (error, FFC_SCHEDULE_ERROR, 0,
          "schedule: \"%s\" is not a time of day (00:00 to 23:59:59, or "
          "24:00 as an end)",
          token);
      return FALSE;
    }
    if (h == 24 && !is_end) {
      g_set_error (error, FFC_SCHEDULE_ERROR, 0,
          "schedule: \"%s\": 24:00 can only end a window", token);
      return FALSE;
    }
    e.time_of_day_us = (gint64)(h * 3600 + m * 60 + s) * G_TIME_SPAN_SECOND;
  } else {
    guint i;

    for (i = 0; i < G_N_ELEMENTS (sun_events); i++) {
      gsize n = strlen (sun_events[i].name);
      if (g_ascii_strncasecmp (p, sun_events[i].name, n) == 0
          && (p[n] == '\0' || p[n] == '+' || p[n] == '-')) {
        e.sun = sun_events[i].event;
        p += n;
        break;
      }
    }
    if (i == G_N_ELEMENTS (sun_events)) {
      g_set_error (error, FFC_SCHEDULE_ERROR, 0,
          "schedule: \"%s\" is neither a time of day (HH:MM[:SS]) nor a sun "
          "event (sunrise, sunset, dawn, dusk, nautical-dawn, "
          "nautical-dusk)",
          token);
      return FALSE;
    }
  }
  if (*p == '+' || *p == '-') {
    gint sign = *p == '-' ? -1 : 1;
    gchar bad_unit;
    const gchar *end = parse_duration (p + 1, &e.offset_us, &bad_unit);

    if (end == NULL || *end != '\0') {
      if (bad_unit != '\0')
        g_set_error (error, FFC_SCHEDULE_ERROR, 0,
            "schedule: \"%s\": bad unit '%c' in the offset (use h, m and s "
            "in this order, e.g. +1h30m)",
            token, bad_unit);
      else
        g_set_error (error, FFC_SCHEDULE_ERROR, 0,
            "schedule: \"%s\": the offset is not a duration such as +15m, "
            "-1h or +1h30m",
            token);
      return FALSE;
    }
    if (e.offset_us > 12 * G_TIME_SPAN_HOUR) {
      g_set_error (error, FFC_SCHEDULE_ERROR, 0,
          "schedule: \"%s\": an offset can be at most 12h", token);
      return FALSE;
    }
    e.offset_us *= sign;
  } else if (*p != '\0') {
    goto not_time;
  }
  *edge = e;
  return TRUE;

not_time:
  g_set_error (error, FFC_SCHEDULE_ERROR, 0,
      "schedule: \"%s\" is not a time of day HH:MM[:SS] with an optional "
      "offset (e.g. 05:00+15m)",
      token);
  return FALSE;
}

gboolean
ffc_schedule_parse_windows (const gchar *text, GArray **windows, GError **error)
{
  GArray *list = g_array_new (FALSE, FALSE, sizeof (FfcScheduleWindow));
  gchar **items;

  items = g_strsplit (text ? text : "", ";", -1);
  for (guint i = 0; items[i] != NULL; i++) {
    gchar *item = g_strstrip (items[i]);
    FfcScheduleWindow w;
    gchar *dots, *start, *end;

    if (*item == '\0')
      continue;
    dots = strstr (item, "..");
    if (dots == NULL || strstr (dots + 2, "..") != NULL) {
      g_set_error (error, FFC_SCHEDULE_ERROR, 0,
          "schedule: \"%s\" is not a window START..END (e.g. "
          "sunset-1h..sunrise+1h or 05:00..09:00)",
          item);
      goto fail;
    }
    *dots = '\0';
    start = g_strstrip (item);
    end = g_strstrip (dots + 2);
    if (!parse_edge (start, FALSE, &w.start, error)
        || !parse_edge (end, TRUE, &w.end, error))
      goto fail;
    if (w.start.sun == FFC_SUN_NONE && w.end.sun == FFC_SUN_NONE
        && w.start.time_of_day_us + w.start.offset_us
               == w.end.time_of_day_us + w.end.offset_us) {
      g_set_error (error, FFC_SCHEDULE_ERROR, 0,
          "schedule: \"%s..%s\" is empty: it starts where it ends", start, end);
      goto fail;
    }
    g_array_append_val (list, w);
  }
  g_strfreev (items);
  *windows = list;
  return TRUE;

fail:
  g_strfreev (items);
  g_array_unref (list);
  return FALSE;
}

gboolean
ffc_schedule_parse_duty_cycle (
    const gchar *text, gint64 *on_us, gint64 *period_us, GError **error)
{
  const gchar *slash, *end;
  gchar *on_text;
  gchar bad_unit;
  gint64 on = 0, period = 0;
  gboolean ok;

  *on_us = *period_us = 0;
  if (text == NULL || *text == '\0')
    return TRUE;
  slash = strchr (text, '/');
  if (slash == NULL)
    goto bad;
  on_text = g_strndup (text, (gsize)(slash - text));
  end = parse_duration (on_text, &on, &bad_unit);
  ok = end != NULL && *end == '\0' && on > 0;
  g_free (on_text);
  if (!ok)
    goto bad;
  end = parse_duration (slash + 1, &period, &bad_unit);
  if (end == NULL || *end != '\0' || period <= 0)
    goto bad;
  if (on > period) {
    g_set_error (error, FFC_SCHEDULE_ERROR, 0,
        "duty-cycle \"%s\": the on-time exceeds the period", text);
    return FALSE;
  }
  if (period > FFC_SCHEDULE_PERIOD_MAX) {
    g_set_error (error, FFC_SCHEDULE_ERROR, 0,
        "duty-cycle \"%s\": the period can be at most 24h", text);
    return FALSE;
  }
  *on_us = on;
  *period_us = period;
  return TRUE;

bad:
  g_set_error (error, FFC_SCHEDULE_ERROR, 0,
      "duty-cycle \"%s\" is not ON/PERIOD, two durations such as 1m/10m or "
      "30s/1h",
      text);
  return FALSE;
}

static gboolean
parse_date (const gchar *text, GDate *date)
{
  guint y, m, d;
  gint n = -1;

  if (strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  for (guint i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
      return FALSE;
  if (sscanf (text, "%4u-%2u-%2u%n", &y, &m, &d, &n) != 3 || n != 10)
    return FALSE;
  if (y < 1971 || !g_date_valid_dmy ((GDateDay)d, (GDateMonth)m, (GDateYear)y))
    return FALSE;
  g_date_clear (date, 1);
  g_date_set_dmy (date, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
  return TRUE;
}

gboolean
ffc_schedule_parse_date_range (const gchar *text, gboolean *have, GDate *first,
    GDate *last, GError **error)
{
  gchar **parts;
  gboolean ok;

  *have = FALSE;
  if (text == NULL || *text == '\0')
    return TRUE;
  parts = g_strsplit (text, "..", -1);
  ok = g_strv_length (parts) == 2;
  if (ok)
    ok = parse_date (g_strstrip (parts[0]), first)
         && parse_date (g_strstrip (parts[1]), last);
  g_strfreev (parts);
  if (!ok) {
    g_set_error (error, FFC_SCHEDULE_ERROR, 0,
        "date-range \"%s\" is not FIRST..LAST, two dates YYYY-MM-DD (e.g. "
        "2027-03-01..2027-06-30)",
        text);
    return FALSE;
  }
  if (g_date_compare (first, last) > 0) {
    g_set_error (error, FFC_SCHEDULE_ERROR, 0,
        "date-range \"%s\": the first day comes after the last", text);
    return FALSE;
  }
  *have = TRUE;
  return TRUE;
}

GTimeZone *
ffc_schedule_parse_timezone (const gchar *text, GError **error)
{
  GTimeZone *zone;

  if (text == NULL || *text == '\0' || g_ascii_strcasecmp (text, "UTC") == 0)
    return g_time_zone_new_utc ();
  if (g_strcmp0 (text, "local") == 0)
    return g_time_zone_new_local ();
  zone = g_time_zone_new_identifier (text);
  if (zone == NULL)
    g_set_error (error, FFC_SCHEDULE_ERROR, 0,
        "timezone \"%s\" is not a known time zone (UTC, local, or an IANA "
        "name such as Europe/Berlin)",
        text);
  return zone;
}

void
ffc_schedule_free (FfcSchedule *schedule)
{
  if (schedule == NULL)
    return;
  if (schedule->windows)
    g_array_unref (schedule->windows);
  if (schedule->zone)
    g_time_zone_unref (schedule->zone);
  g_free (schedule);
}

static gchar *
edge_to_string (const FfcScheduleEdge *e)
{
  GString *s = g_string_new (NULL);
  gint64 off = ABS (e->offset_us) / G_TIME_SPAN_SECOND;

  if (e->sun != FFC_SUN_NONE) {
    g_string_append (s, sun_events[sun_index (e->sun)].name);
  } else {
    gint64 t = e->time_of_day_us / G_TIME_SPAN_SECOND;
    g_string_append_printf (
        s, "%02d:%02d", (gint)(t / 3600), (gint)(t / 60 % 60));
    if (t % 60)
      g_string_append_printf (s, ":%02d", (gint)(t % 60));
  }
  if (off) {
    g_string_append_c (s, e->offset_us < 0 ? '-' : '+');
    if (off / 3600)
      g_string_append_printf (s, "%dh", (gint)(off / 3600));
    if (off / 60 % 60)
      g_string_append_printf (s, "%dm", (gint)(off / 60 % 60));
    if (off % 60)
      g_string_append_printf (s, "%ds", (gint)(off % 60));
  }
  return g_string_free (s, FALSE);
}

FfcSchedule *
ffc_schedule_new (const gchar *windows, const gchar *duty_cycle,
    const gchar *date_range, guint day_interval, const gchar *timezone,
    const gchar *position, GError **error)
{
  FfcSchedule *s = g_new0 (FfcSchedule, 1);

  if (!ffc_schedule_parse_windows (windows, &s->windows, error)
      || !ffc_schedule_parse_duty_cycle (
          duty_cycle, &s->duty_on_us, &s->duty_period_us, error)
      || !ffc_schedule_parse_date_range (
          date_range, &s->have_dates, &s->first, &s->last, error))
    goto fail;
  if (day_interval < 1 || day_interval > FFC_SCHEDULE_DAY_INTERVAL_MAX) {
    g_set_error (error, FFC_SCHEDULE_ERROR, 0,
        "day-interval %u is out of range: 1 (every day) to %u", day_interval,
        FFC_SCHEDULE_DAY_INTERVAL_MAX);
    goto fail;
  }
  s->day_interval = day_interval;
  s->zone = ffc_schedule_parse_timezone (timezone, error);
  if (s->zone == NULL)
    goto fail;
  if (position != NULL && *position != '\0') {
    if (!ffc_meta_parse_position (position, &s->latitude, &s->longitude, error))
      goto fail;
    s->have_position = TRUE;
  }
  for (guint i = 0; i < s->windows->len && !s->have_position; i++) {
    FfcScheduleWindow *w = &g_array_index (s->windows, FfcScheduleWindow, i);
    FfcScheduleEdge *e = w->start.sun != FFC_SUN_NONE ? &w->start : &w->end;

    if (e->sun != FFC_SUN_NONE) {
      gchar *name = edge_to_string (e);
      g_set_error (error, FFC_SCHEDULE_ERROR, 0,
          "schedule: \"%s\" is a sun event: it needs the station's position "
          "(set position to \"LATITUDE,LONGITUDE\")",
          name);
      g_free (name);
      goto fail;
    }
  }
  return s;

fail:
  ffc_schedule_free (s);
  return NULL;
}

/* --- dates and times in the zone --- */

static gint64
local_time (GTimeZone *zone, const GDate *day, gint64 time_of_day_us)
{
  GDate d = *day;
  GDateTime *dt;
  gint64 t;

  /* 24:00 is the next midnight */
  if (time_of_day_us >= G_TIME_SPAN_DAY) {
    g_date_add_days (&d, 1);
    time_of_day_us -= G_TIME_SPAN_DAY;
  }
  /* GLib takes a time in the hour skipped at the change to summer time as
   * the change itself (02:30 becomes 03:00 summer time), and of an hour
   * that happens twice the second, in standard time (tests/unit) */
  dt = g_date_time_new (zone, g_date_get_year (&d), g_date_get_month (&d),
      g_date_get_day (&d), (gint)(time_of_day_us / G_TIME_SPAN_HOUR),
      (gint)(time_of_day_us / G_TIME_SPAN_MINUTE % 60),
      (gdouble)(time_of_day_us % G_TIME_SPAN_MINUTE) / G_TIME_SPAN_SECOND);
  t = g_date_time_to_unix (dt) * G_TIME_SPAN_SECOND
      + g_date_time_get_microsecond (dt);
  g_date_time_unref (dt);
  return t;
}

static gint64
midnight (GTimeZone *zone, const GDate *day)
{
  return local_time (zone, day, 0);
}

static void
local_date (GTimeZone *zone, gint64 t_us, GDate *date)
{
  gint64 sec = t_us >= 0
                   ? t_us / G_TIME_SPAN_SECOND
                   : -((-t_us + G_TIME_SPAN_SECOND - 1) / G_TIME_SPAN_SECOND);
  GDateTime *utc = g_date_time_new_from_unix_utc (sec);
  GDateTime *dt = g_date_time_to_timezone (utc, zone);

  g_date_clear (date, 1);
  g_date_set_dmy (date, (GDateDay)g_date_time_get_day_of_month (dt),
      (GDateMonth)g_date_time_get_month (dt),
      (GDateYear)g_date_time_get_year (dt));
  g_date_time_unref (dt);
  g_date_time_unref (utc);
}

gint64
ffc_schedule_next_midnight (const FfcSchedule *schedule, gint64 t_us)
{
  GDate d;
  gint64 m;

  local_date (schedule->zone, t_us, &d);
  do {
    g_date_add_days (&d, 1);
    m = midnight (schedule->zone, &d);
  } while (m <= t_us);
  return m;
}

gchar *
ffc_schedule_format_time (gint64 t_us)
{
  gint64 sec = t_us / G_TIME_SPAN_SECOND;
  gint64 frac = t_us % G_TIME_SPAN_SECOND;
  GDateTime *dt;
  gchar *base, *out;

  if (frac < 0) {
    frac += G_TIME_SPAN_SECOND;
    sec--;
  }
  dt = g_date_time_new_from_unix_utc (sec);
  base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  g_date_time_unref (dt);
  if (frac == 0)
    out = g_strdup_printf ("%sZ", base);
  else
    out = g_strdup_printf ("%s.%03dZ", base, (gint)(frac / 1000));
  g_free (base);
  return out;
}

/* --- the sun, from libnova --- */

#define UNIX_EPOCH_JD 2440587.5

gboolean
ffc_schedule_sun_event (FfcSunEvent event, gdouble latitude, gdouble longitude,
    GTimeZone *zone, const GDate *day, gint64 *time_us, gchar **why)
{
  guint i = sun_index (event);
  struct ln_lnlat_posn observer = { longitude, latitude };
  GDate next = *day;
  gint64 m0, m1, noon, best = G_MAXINT64;
  gint circumpolar = 0;
  gint64 first_ut, last_ut;

  g_date_add_days (&next, 1);
  m0 = midnight (zone, day);
  m1 = midnight (zone, &next);
  noon = m0 + (m1 - m0) / 2;
  /* libnova gives the events of one UT date: a local day spans two or
   * three of them */
  first_ut = m0 / G_TIME_SPAN_DAY - 1;
  last_ut = m1 / G_TIME_SPAN_DAY + 1;
  for (gint64 u = first_ut; u <= last_ut; u++) {
    struct ln_rst_time rst;
    /* any JD of the UT date's first half: libnova takes its 0h UT */
    gdouble jd = UNIX_EPOCH_JD + (gdouble)u + 0.1;
    int ret =
        ln_get_solar_rst_horizon (jd, &observer, sun_events[i].horizon, &rst);

    if (ret != 0) {
      if (noon / G_TIME_SPAN_DAY == u)
        circumpolar = ret;
      continue;
    }
    {
      gdouble t = sun_events[i].rising ? rst.rise : rst.set;
      gint64 us =
          (gint64)llround ((t - UNIX_EPOCH_JD) * 86400.0) * G_TIME_SPAN_SECOND;
      if (us >= m0 && us < m1 && us < best)
        best = us;
    }
  }
  if (best != G_MAXINT64) {
    *time_us = best;
    return TRUE;
  }
  if (why != NULL) {
    gchar date[16];

    g_date_strftime (date, sizeof date, "%Y-%m-%d", day);
    if (circumpolar > 0)
      *why = g_strdup_printf ("%s %s: the sun stays above %.2f° all day", date,
          sun_events[i].name, sun_events[i].horizon);
    else if (circumpolar < 0)
      *why = g_strdup_printf ("%s %s: the sun stays below %.2f° all day", date,
          sun_events[i].name, sun_events[i].horizon);
    else
      *why = g_strdup_printf ("%s %s: the sun does not cross %.2f° that day",
          date, sun_events[i].name, sun_events[i].horizon);
  }
  return FALSE;
}

/* --- the planner --- */

static gboolean
day_on (const FfcSchedule *s, const GDate *day)
{
  guint32 n = g_date_get_julian (day);
  guint32 base;

  if (s->have_dates) {
    if (g_date_compare (day, &s->first) < 0
        || g_date_compare (day, &s->last) > 0)
      return FALSE;
    base = g_date_get_julian (&s->first);
  } else {
    GDate epoch;
    g_date_clear (&epoch, 1);
    g_date_set_dmy (&epoch, 1, G_DATE_JANUARY, 1970);
    base = g_date_get_julian (&epoch);
  }
  return n >= base && (n - base) % s->day_interval == 0;
}

static void
add_missing (GPtrArray *missing, gchar *why)
{
  for (guint i = 0; i < missing->len; i++)
    if (g_strcmp0 (missing->pdata[i], why) == 0) {
      g_free (why);
      return;
    }
  g_ptr_array_add (missing, why);
}

/* The time of an edge on a local day; FALSE (with *why) when its sun
 * event does not happen that day */
static gboolean
edge_time (const FfcSchedule *s, const FfcScheduleEdge *e, const GDate *day,
    gint64 *t_us, gchar **why)
{
  gint64 t;

  if (e->sun == FFC_SUN_NONE) {
    t = local_time (s->zone, day, e->time_of_day_us);
  } else if (!ffc_schedule_sun_event (
                 e->sun, s->latitude, s->longitude, s->zone, day, &t, why)) {
    return FALSE;
  }
  *t_us = t + e->offset_us;
  return TRUE;
}

static gint
compare_intervals (gconstpointer a, gconstpointer b)
{
  const FfcInterval *x = a, *y = b;

  if (x->start_us != y->start_us)
    return x->start_us < y->start_us ? -1 : 1;
  return x->end_us < y->end_us ? -1 : x->end_us > y->end_us;
}

/* Sorts and joins overlapping or touching intervals */
static void
merge (GArray *list)
{
  guint out = 0;

  g_array_sort (list, compare_intervals);
  for (guint i = 0; i < list->len; i++) {
    FfcInterval *iv = &g_array_index (list, FfcInterval, i);
    if (out > 0) {
      FfcInterval *last = &g_array_index (list, FfcInterval, out - 1);
      if (iv->start_us <= last->end_us) {
        last->end_us = MAX (last->end_us, iv->end_us);
        continue;
      }
    }
    g_array_index (list, FfcInterval, out++) = *iv;
  }
  g_array_set_size (list, out);
}

/* The parts of [a, b) in the duty cycle's on-times: the first duty_on of
 * every period, starting on the wall-clock multiples of the period from
 * each local midnight (00:00, 00:10, 00:20... for 1m/10m; on the day
 * summer time starts, a start in the skipped hour moves with it) */
static void
duty_intersect (const FfcSchedule *s, gint64 a, gint64 b, GArray *out)
{
  GDate day;

  local_date (s->zone, a, &day);
  g_date_subtract_days (&day, 1);
  for (;;) {
    GDate next = day;
    gint64 m0 = midnight (s->zone, &day), m1, k;

    g_date_add_days (&next, 1);
    m1 = midnight (s->zone, &next);
    if (m0 >= b)
      break;
    /* wall clock and elapsed time differ by at most the day's change of
     * offset: start a little before */
    k = a - m0 > 2 * G_TIME_SPAN_HOUR
            ? (a - m0 - 2 * G_TIME_SPAN_HOUR) / s->duty_period_us
            : 0;
    for (; k * s->duty_period_us < G_TIME_SPAN_DAY; k++) {
      gint64 on = local_time (s->zone, &day, k * s->duty_period_us);
      FfcInterval iv;

      if (on >= m1 || on >= b)
        break;
      iv.start_us = MAX (on, a);
      iv.end_us = MIN (MIN (on + s->duty_on_us, m1), b);
      if (iv.start_us < iv.end_us)
        g_array_append_val (out, iv);
    }
    day = next;
  }
}

FfcPlan *
ffc_schedule_plan (const FfcSchedule *s, gint64 now_us, gint64 span_us)
{
  FfcPlan *plan = g_new0 (FfcPlan, 1);
  GArray *raw = g_array_new (FALSE, FALSE, sizeof (FfcInterval));
  GDate day, today, last;

  plan->now_us = now_us;
  plan->until_us = now_us + span_us;
  plan->windows = g_array_new (FALSE, FALSE, sizeof (FfcInterval));
  plan->missing = g_ptr_array_new_with_free_func (g_free);

  local_date (s->zone, now_us, &today);
  local_date (s->zone, plan->until_us, &last);
  /* a window of the day before yesterday can still be open (24 h long,
   * over midnight) */
  day = today;
  g_date_subtract_days (&day, 2);
  for (; g_date_compare (&day, &last) <= 0; g_date_add_days (&day, 1)) {
    gboolean report = g_date_compare (&day, &today) >= 0;

    if (!day_on (s, &day))
      continue;
    if (s->windows->len == 0) {
      GDate next = day;
      FfcInterval iv;

      g_date_add_days (&next, 1);
      iv.start_us = midnight (s->zone, &day);
      iv.end_us = midnight (s->zone, &next);
      g_array_append_val (raw, iv);
      continue;
    }
    for (guint i = 0; i < s->windows->len; i++) {
      const FfcScheduleWindow *w =
          &g_array_index (s->windows, FfcScheduleWindow, i);
      FfcInterval iv;
      gchar *why = NULL;
      gboolean have_end;

      if (!edge_time (s, &w->start, &day, &iv.start_us, &why)) {
        if (report)
          add_missing (plan->missing, why);
        else
          g_free (why);
        continue;
      }
      have_end = edge_time (s, &w->end, &day, &iv.end_us, &why);
      g_clear_pointer (&why, g_free);
      if (!have_end || iv.end_us <= iv.start_us) {
        /* END before START: the window runs over midnight */
        GDate next = day;

        g_date_add_days (&next, 1);
        if (!edge_time (s, &w->end, &next, &iv.end_us, &why)) {
          if (report)
            add_missing (plan->missing, why);
          else
            g_free (why);
          continue;
        }
      }
      if (iv.end_us <= iv.start_us || iv.end_us - iv.start_us > G_TIME_SPAN_DAY)
        continue;
      g_array_append_val (raw, iv);
    }
  }
  merge (raw);
  if (s->duty_period_us > 0) {
    GArray *duty = g_array_new (FALSE, FALSE, sizeof (FfcInterval));

    for (guint i = 0; i < raw->len; i++) {
      FfcInterval *iv = &g_array_index (raw, FfcInterval, i);
      duty_intersect (s, iv->start_us, iv->end_us, duty);
    }
    merge (duty);
    g_array_unref (raw);
    raw = duty;
  }
  for (guint i = 0; i < raw->len; i++) {
    FfcInterval *iv = &g_array_index (raw, FfcInterval, i);
    if (iv->end_us > now_us && iv->start_us < plan->until_us)
      g_array_append_val (plan->windows, *iv);
  }
  g_array_unref (raw);
  return plan;
}

void
ffc_plan_free (FfcPlan *plan)
{
  if (plan == NULL)
    return;
  g_array_unref (plan->windows);
  g_ptr_array_unref (plan->missing);
  g_free (plan);
}

gchar *
ffc_plan_windows_string (const FfcPlan *plan)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < plan->windows->len; i++) {
    FfcInterval *iv = &g_array_index (plan->windows, FfcInterval, i);
    gchar *a = ffc_schedule_format_time (iv->start_us);
    gchar *b = ffc_schedule_format_time (iv->end_us);

    g_string_append_printf (s, "%s%s/%s", i ? ";" : "", a, b);
    g_free (a);
    g_free (b);
  }
  return g_string_free (s, FALSE);
}

gchar *
ffc_plan_missing_string (const FfcPlan *plan)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < plan->missing->len; i++)
    g_string_append_printf (
        s, "%s%s", i ? "; " : "", (const gchar *)plan->missing->pdata[i]);
  return g_string_free (s, FALSE);
}

gint
ffc_plan_find (const FfcPlan *plan, gint64 t_us, gboolean *inside)
{
  for (guint i = 0; i < plan->windows->len; i++) {
    FfcInterval *iv = &g_array_index (plan->windows, FfcInterval, i);
    if (t_us < iv->end_us) {
      *inside = t_us >= iv->start_us;
      return (gint)i;
    }
  }
  *inside = FALSE;
  return -1;
}
