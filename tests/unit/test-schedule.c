/* Unit tests: the schedule grammar, the sun from libnova against published
 * tables, and the planner (fixed "now"s, time zones with summer time,
 * windows over midnight, duty cycles, date ranges, polar day and night). */
#include <math.h>
#include <string.h>

#include "ffc-schedule.h"

/* µs since the epoch of a UTC date and time */
static gint64
utc (gint y, gint mo, gint d, gint h, gint mi, gint s)
{
  GDateTime *dt = g_date_time_new_utc (y, mo, d, h, mi, s);
  gint64 t = g_date_time_to_unix (dt) * G_USEC_PER_SEC;

  g_date_time_unref (dt);
  return t;
}

static FfcSchedule *
schedule (const gchar *windows, const gchar *duty, const gchar *dates,
    guint interval, const gchar *zone, const gchar *position)
{
  GError *error = NULL;
  FfcSchedule *s =
      ffc_schedule_new (windows, duty, dates, interval, zone, position, &error);

  g_assert_no_error (error);
  g_assert_nonnull (s);
  return s;
}

static gchar *
plan_string (FfcSchedule *s, gint64 now)
{
  FfcPlan *plan = ffc_schedule_plan (s, now, FFC_SCHEDULE_PLAN_SPAN);
  gchar *text = ffc_plan_windows_string (plan);

  ffc_plan_free (plan);
  return text;
}

static void
test_refused (void)
{
  static const struct {
    const gchar *windows, *duty, *dates;
    guint interval;
    const gchar *zone, *position;
    const gchar *named; /* the error must name this */
  } bad[] = {
    { "sunrise+1x..09:00", NULL, NULL, 1, NULL, "52,13", "sunrise+1x" },
    { "sunrise+1h30..09:00", NULL, NULL, 1, NULL, "52,13", "sunrise+1h30" },
    { "sunrise+30m1h..09:00", NULL, NULL, 1, NULL, "52,13", "sunrise+30m1h" },
    { "sunrise+13h..09:00", NULL, NULL, 1, NULL, "52,13", "sunrise+13h" },
    { "25:00..06:00", NULL, NULL, 1, NULL, NULL, "25:00" },
    { "05:60..06:00", NULL, NULL, 1, NULL, NULL, "05:60" },
    { "05:00..06:00:61", NULL, NULL, 1, NULL, NULL, "06:00:61" },
    { "5..06:00", NULL, NULL, 1, NULL, NULL, "5" },
    { "24:00..06:00", NULL, NULL, 1, NULL, NULL, "24:00" },
    { "noon..18:00", NULL, NULL, 1, NULL, NULL, "noon" },
    { "sunrisex..18:00", NULL, NULL, 1, NULL, "52,13", "sunrisex" },
    { "05:00", NULL, NULL, 1, NULL, NULL, "05:00" },
    { "05:00..06:00..07:00", NULL, NULL, 1, NULL, NULL, "05:00..06:00..07:00" },
    { "06:00..06:00", NULL, NULL, 1, NULL, NULL, "06:00..06:00" },
    { "05:00..06:00;sunset-1h..sunrise", NULL, NULL, 1, NULL, NULL,
        "sunset-1h" },
    { "dawn..09:00", NULL, NULL, 1, NULL, NULL, "dawn" },
    { NULL, "20m/10m", NULL, 1, NULL, NULL, "20m/10m" },
    { NULL, "1m", NULL, 1, NULL, NULL, "\"1m\"" },
    { NULL, "0s/10m", NULL, 1, NULL, NULL, "0s/10m" },
    { NULL, "1m/25h", NULL, 1, NULL, NULL, "1m/25h" },
    { NULL, "1x/10m", NULL, 1, NULL, NULL, "1x/10m" },
    { NULL, NULL, "2027-06-30..2027-03-01", 1, NULL, NULL,
        "2027-06-30..2027-03-01" },
    { NULL, NULL, "2027-02-30..2027-03-01", 1, NULL, NULL,
        "2027-02-30..2027-03-01" },
    { NULL, NULL, "2027-03-01", 1, NULL, NULL, "\"2027-03-01\"" },
    { NULL, NULL, "2027-3-1..2027-06-30", 1, NULL, NULL, "2027-3-1" },
    { NULL, NULL, NULL, 0, NULL, NULL, "day-interval 0" },
    { NULL, NULL, NULL, 3651, NULL, NULL, "day-interval 3651" },
    { NULL, NULL, NULL, 1, "Mars/Olympus_Mons", NULL, "Mars/Olympus_Mons" },
    { NULL, NULL, NULL, 1, NULL, "95,10", "95,10" },
    { NULL, NULL, NULL, 1, NULL, "north", "north" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *error = NULL;
    FfcSchedule *s = ffc_schedule_new (bad[i].windows, bad[i].duty,
        bad[i].dates, bad[i].interval, bad[i].zone, bad[i].position, &error);

    g_assert_null (s);
    g_assert_nonnull (error);
    g_test_message ("%s", error->message);
    if (strstr (error->message, bad[i].named) == NULL)
      g_error ("\"%s\" does not name %s", error->message, bad[i].named);
    g_clear_error (&error);
  }
}

static void
test_parse (void)
{
  FfcSchedule *s = schedule ("sunset-30m..sunrise+1h30m ; 05:00+15m..24:00;",
      "1m/10m", "2027-03-01..2027-06-30", 2, "Europe/Berlin", "52.52,13.405");
  FfcScheduleWindow *w;

  g_assert_cmpuint (s->windows->len, ==, 2);
  w = &g_array_index (s->windows, FfcScheduleWindow, 0);
  g_assert_cmpint (w->start.sun, ==, FFC_SUN_SUNSET);
  g_assert_cmpint (w->start.offset_us, ==, -30 * G_TIME_SPAN_MINUTE);
  g_assert_cmpint (w->end.sun, ==, FFC_SUN_SUNRISE);
  g_assert_cmpint (w->end.offset_us, ==, 90 * G_TIME_SPAN_MINUTE);
  w = &g_array_index (s->windows, FfcScheduleWindow, 1);
  g_assert_cmpint (w->start.sun, ==, FFC_SUN_NONE);
  g_assert_cmpint (w->start.time_of_day_us, ==, 5 * G_TIME_SPAN_HOUR);
  g_assert_cmpint (w->start.offset_us, ==, 15 * G_TIME_SPAN_MINUTE);
  g_assert_cmpint (w->end.time_of_day_us, ==, G_TIME_SPAN_DAY);
  g_assert_cmpint (s->duty_on_us, ==, G_TIME_SPAN_MINUTE);
  g_assert_cmpint (s->duty_period_us, ==, 10 * G_TIME_SPAN_MINUTE);
  g_assert_true (s->have_dates);
  g_assert_cmpint (g_date_get_month (&s->first), ==, 3);
  g_assert_cmpint (g_date_get_day (&s->last), ==, 30);
  g_assert_cmpuint (s->day_interval, ==, 2);
  g_assert_cmpfloat (s->latitude, ==, 52.52);
  ffc_schedule_free (s);

  /* every other event name, and the defaults */
  s = schedule ("dawn..dusk;nautical-dawn..nautical-dusk;NAUTICAL-DAWN..09:00",
      NULL, NULL, 1, NULL, "0,0");
  g_assert_cmpint (g_array_index (s->windows, FfcScheduleWindow, 0).start.sun,
      ==, FFC_SUN_DAWN);
  g_assert_cmpint (g_array_index (s->windows, FfcScheduleWindow, 1).end.sun, ==,
      FFC_SUN_NAUTICAL_DUSK);
  g_assert_cmpint (g_array_index (s->windows, FfcScheduleWindow, 2).start.sun,
      ==, FFC_SUN_NAUTICAL_DAWN);
  g_assert_false (s->have_dates);
  ffc_schedule_free (s);
  s = schedule ("", "", "", 1, "", "");
  g_assert_cmpuint (s->windows->len, ==, 0);
  g_assert_cmpint (s->duty_period_us, ==, 0);
  ffc_schedule_free (s);
}

/* |a - b| <= tol_s seconds, with a message */
static void
assert_near (const gchar *what, gint64 got_us, gint64 want_us, gint tol_s)
{
  gchar *g = ffc_schedule_format_time (got_us);
  gchar *w = ffc_schedule_format_time (want_us);

  g_test_message ("%s: libnova %s, table %s (%+.0f s)", what, g, w,
      (gdouble)(got_us - want_us) / G_USEC_PER_SEC);
  if (ABS (got_us - want_us) > (gint64)tol_s * G_USEC_PER_SEC)
    g_error ("%s: %s is more than %d s from the table's %s", what, g, tol_s, w);
  g_free (g);
  g_free (w);
}

static gint64
sun (FfcSunEvent event, gdouble lat, gdouble lon, const gchar *zone_name,
    gint y, gint m, gint d)
{
  GTimeZone *zone = ffc_schedule_parse_timezone (zone_name, NULL);
  GDate day;
  gint64 t = 0;
  gchar *why = NULL;

  g_date_clear (&day, 1);
  g_date_set_dmy (&day, d, m, y);
  if (!ffc_schedule_sun_event (event, lat, lon, zone, &day, &t, &why))
    g_error (
        "no event %d at %f,%f on %d-%d-%d: %s", event, lat, lon, y, m, d, why);
  g_time_zone_unref (zone);
  return t;
}

static gchar *
no_sun (FfcSunEvent event, gdouble lat, gdouble lon, gint y, gint m, gint d)
{
  GTimeZone *zone = g_time_zone_new_utc ();
  GDate day;
  gint64 t = 0;
  gchar *why = NULL;

  g_date_clear (&day, 1);
  g_date_set_dmy (&day, d, m, y);
  g_assert_false (
      ffc_schedule_sun_event (event, lat, lon, zone, &day, &t, &why));
  g_assert_nonnull (why);
  g_time_zone_unref (zone);
  return why;
}

/* Sunrise at latitudes from the tropics to the polar circles, against the
 * table "Time of Sunrise for Days and Latitudes" of Astronomy Answers
 * (https://aa.quae.nl/en/antwoorden/zonpositie-tabel.html, Table 1, year
 * 2002, row 01-01), whose times are local mean solar time: at longitude 0
 * that is UT. The table gives whole minutes (so ±30 s of rounding); we
 * allow 60 s: libnova (Meeus's algorithm) agrees within 31 s here. */
static void
test_sun_table_latitudes (void)
{
  static const struct {
    gdouble lat;
    gint h, m;
  } rows[] = {
    { +50, 7, 59 }, /* mid-latitude, winter */
    { +20, 6, 35 }, /* tropics */
    { +10, 6, 17 },
    { 0, 6, 0 },    /* equator */
    { -20, 5, 24 }, /* tropics, southern summer */
    { -58, 3, 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
    gchar *what = g_strdup_printf ("sunrise 2002-01-01 at %+.0f°", rows[i].lat);
    assert_near (what, sun (FFC_SUN_SUNRISE, rows[i].lat, 0, "UTC", 2002, 1, 1),
        utc (2002, 1, 1, rows[i].h, rows[i].m, 0), 60);
    g_free (what);
  }
}

/* A US Naval Observatory table for one day: Atlanta (33.8 N, 84.4 W) on
 * 6 September 2009, Eastern Daylight Time, as printed in PyEphem's
 * documentation ("Naval Observatory Risings and Settings",
 * https://rhodesmill.org/pyephem/rise-set.html): begin civil twilight
 * 6:50, sunrise 7:15, sunset 7:56 pm, end civil twilight 8:21 pm. Rise and
 * set to the minute (60 s allowed against a rounded minute); libnova's
 * morning twilight comes 61 s before USNO's minute, so the twilights are
 * allowed 90 s, and we say so. The local day is taken in the zone. */
static void
test_sun_usno_atlanta (void)
{
  const gchar *ny = "America/New_York";

  assert_near ("Atlanta sunrise",
      sun (FFC_SUN_SUNRISE, 33.8, -84.4, ny, 2009, 9, 6),
      utc (2009, 9, 6, 11, 15, 0), 60);
  assert_near ("Atlanta sunset",
      sun (FFC_SUN_SUNSET, 33.8, -84.4, ny, 2009, 9, 6),
      utc (2009, 9, 6, 23, 56, 0), 60);
  assert_near ("Atlanta dawn", sun (FFC_SUN_DAWN, 33.8, -84.4, ny, 2009, 9, 6),
      utc (2009, 9, 6, 10, 50, 0), 90);
  /* 8:21 pm EDT is 00:21 UT of the next UT date, the same local day */
  assert_near ("Atlanta dusk", sun (FFC_SUN_DUSK, 33.8, -84.4, ny, 2009, 9, 6),
      utc (2009, 9, 7, 0, 21, 0), 90);
  /* nautical twilight is 12° below: earlier than civil, and later */
  g_assert_cmpint (sun (FFC_SUN_NAUTICAL_DAWN, 33.8, -84.4, ny, 2009, 9, 6), <,
      sun (FFC_SUN_DAWN, 33.8, -84.4, ny, 2009, 9, 6)
          - 20 * G_TIME_SPAN_MINUTE);
  g_assert_cmpint (sun (FFC_SUN_NAUTICAL_DUSK, 33.8, -84.4, ny, 2009, 9, 6), >,
      sun (FFC_SUN_DUSK, 33.8, -84.4, ny, 2009, 9, 6)
          + 20 * G_TIME_SPAN_MINUTE);
}

/* Beyond the polar circles at both solstices. Astronomy Answers' table
 * (above) gives no sunrise ("0:00") on 01-01 from 66° S southwards; the
 * Norwegian almanac for Tromsø (69.65 N, 18.96 E) has the midnight sun
 * from about 20 May to 22 July and the polar night from about 27 November
 * to 15 January, with civil twilight around noon in the polar night. */
static void
test_sun_polar (void)
{
  gchar *why;

  why = no_sun (FFC_SUN_SUNRISE, -70, 0, 2002, 1, 1);
  g_assert_nonnull (strstr (why, "2002-01-01 sunrise: the sun stays above"));
  g_free (why);
  /* Tromsø, June solstice: midnight sun */
  why = no_sun (FFC_SUN_SUNSET, 69.65, 18.96, 2027, 6, 21);
  g_assert_nonnull (strstr (why, "2027-06-21 sunset: the sun stays above"));
  g_free (why);
  why = no_sun (FFC_SUN_SUNRISE, 69.65, 18.96, 2027, 6, 21);
  g_assert_nonnull (strstr (why, "stays above"));
  g_free (why);
  /* December solstice: polar night, but civil twilight at noon */
  why = no_sun (FFC_SUN_SUNRISE, 69.65, 18.96, 2027, 12, 21);
  g_assert_nonnull (strstr (why, "2027-12-21 sunrise: the sun stays below"));
  g_free (why);
  {
    gint64 dawn = sun (FFC_SUN_DAWN, 69.65, 18.96, "UTC", 2027, 12, 21);
    gint64 dusk = sun (FFC_SUN_DUSK, 69.65, 18.96, "UTC", 2027, 12, 21);
    /* around local noon, 10:44 UT at 18.96° E */
    g_assert_cmpint (dawn, <, utc (2027, 12, 21, 10, 40, 0));
    g_assert_cmpint (dusk, >, utc (2027, 12, 21, 10, 40, 0));
    g_assert_cmpint (dusk - dawn, >, 3 * G_TIME_SPAN_HOUR);
    g_assert_cmpint (dusk - dawn, <, 6 * G_TIME_SPAN_HOUR);
  }
  /* inside both seasons the sun rises and sets */
  sun (FFC_SUN_SUNRISE, 69.65, 18.96, "Europe/Oslo", 2027, 3, 21);
  sun (FFC_SUN_SUNSET, 69.65, 18.96, "Europe/Oslo", 2027, 9, 21);
}

static void
test_plan_fixed_and_over_midnight (void)
{
  FfcSchedule *s = schedule ("05:00..09:00", NULL, NULL, 1, "UTC", NULL);
  gchar *text;

  /* in progress at now: the window keeps its true start */
  text = plan_string (s, utc (2027, 3, 1, 6, 0, 0));
  g_assert_cmpstr (text, ==,
      "2027-03-01T05:00:00Z/2027-03-01T09:00:00Z;"
      "2027-03-02T05:00:00Z/2027-03-02T09:00:00Z;"
      "2027-03-03T05:00:00Z/2027-03-03T09:00:00Z");
  g_free (text);
  /* a window ends at its end: at 09:00 it is over */
  text = plan_string (s, utc (2027, 3, 1, 9, 0, 0));
  g_assert_cmpstr (text, ==,
      "2027-03-02T05:00:00Z/2027-03-02T09:00:00Z;"
      "2027-03-03T05:00:00Z/2027-03-03T09:00:00Z");
  g_free (text);
  ffc_schedule_free (s);

  /* END before START runs over midnight, also the one of the day before */
  s = schedule ("22:00..02:00:30", NULL, NULL, 1, "UTC", NULL);
  text = plan_string (s, utc (2027, 3, 1, 1, 0, 0));
  g_assert_cmpstr (text, ==,
      "2027-02-28T22:00:00Z/2027-03-01T02:00:30Z;"
      "2027-03-01T22:00:00Z/2027-03-02T02:00:30Z;"
      "2027-03-02T22:00:00Z/2027-03-03T02:00:30Z");
  g_free (text);
  ffc_schedule_free (s);

  /* overlapping windows merge, touching ones too */
  s = schedule ("05:00..07:00;06:00..08:00;08:00..08:30;20:00..21:00", NULL,
      NULL, 1, "UTC", NULL);
  text = plan_string (s, utc (2027, 3, 1, 12, 0, 0));
  g_assert_cmpstr (text, ==,
      "2027-03-01T20:00:00Z/2027-03-01T21:00:00Z;"
      "2027-03-02T05:00:00Z/2027-03-02T08:30:00Z;"
      "2027-03-02T20:00:00Z/2027-03-02T21:00:00Z;"
      "2027-03-03T05:00:00Z/2027-03-03T08:30:00Z");
  g_free (text);
  ffc_schedule_free (s);

  /* empty = all day: one window over the whole plan */
  s = schedule (NULL, NULL, NULL, 1, "UTC", NULL);
  text = plan_string (s, utc (2027, 3, 1, 12, 0, 0));
  g_assert_cmpstr (text, ==, "2027-02-27T00:00:00Z/2027-03-04T00:00:00Z");
  g_free (text);
  ffc_schedule_free (s);
}

/* Europe/Berlin: summer time starts on 2027-03-28 (02:00 CET becomes
 * 03:00 CEST: a 23 h day) and ends on 2027-10-31 (03:00 CEST becomes 02:00
 * CET: a 25 h day). */
static void
test_plan_dst (void)
{
  FfcSchedule *s =
      schedule (NULL, NULL, "2027-03-28..2027-03-28", 1, "Europe/Berlin", NULL);
  gchar *text;

  text = plan_string (s, utc (2027, 3, 27, 12, 0, 0));
  g_assert_cmpstr (text, ==, "2027-03-27T23:00:00Z/2027-03-28T22:00:00Z");
  g_free (text);
  ffc_schedule_free (s);
  s = schedule (NULL, NULL, "2027-10-31..2027-10-31", 1, "Europe/Berlin", NULL);
  text = plan_string (s, utc (2027, 10, 30, 12, 0, 0));
  g_assert_cmpstr (text, ==, "2027-10-30T22:00:00Z/2027-10-31T23:00:00Z");
  g_free (text);
  ffc_schedule_free (s);

  /* 01:30..03:30 wall clock: 1 h on the short day, 3 h on the long one */
  s = schedule (
      "01:30..03:30;02:30..04:00", NULL, NULL, 1, "Europe/Berlin", NULL);
  text = plan_string (s, utc (2027, 3, 27, 23, 0, 0));
  g_test_message ("%s", text);
  g_assert_true (
      g_str_has_prefix (text, "2027-03-28T00:30:00Z/2027-03-28T02:00:00Z;"
                              "2027-03-28T23:30:00Z/2027-03-29T02:00:00Z"));
  g_free (text);
  text = plan_string (s, utc (2027, 10, 30, 22, 0, 0));
  g_test_message ("%s", text);
  g_assert_true (
      g_str_has_prefix (text, "2027-10-30T23:30:00Z/2027-10-31T03:00:00Z;"));
  g_free (text);

  ffc_schedule_free (s);
  /* a time in the skipped hour (02:30) is taken as the change, 03:00
   * CEST (GLib's rule) */
  s = schedule ("02:30..04:00", NULL, NULL, 1, "Europe/Berlin", NULL);
  text = plan_string (s, utc (2027, 3, 27, 23, 0, 0));
  g_test_message ("%s", text);
  g_assert_true (
      g_str_has_prefix (text, "2027-03-28T01:00:00Z/2027-03-28T02:00:00Z;"));
  g_free (text);
  /* an hour that happens twice: its second, in standard time (CET) */
  text = plan_string (s, utc (2027, 10, 30, 22, 0, 0));
  g_assert_true (
      g_str_has_prefix (text, "2027-10-31T01:30:00Z/2027-10-31T03:00:00Z;"));
  g_free (text);

  /* the plan is made again at each midnight of the zone */
  g_assert_cmpint (ffc_schedule_next_midnight (s, utc (2027, 3, 27, 12, 0, 0)),
      ==, utc (2027, 3, 27, 23, 0, 0));
  g_assert_cmpint (ffc_schedule_next_midnight (s, utc (2027, 3, 27, 23, 0, 0)),
      ==, utc (2027, 3, 28, 22, 0, 0));
  g_assert_cmpint (ffc_schedule_next_midnight (s, utc (2027, 10, 30, 22, 0, 0)),
      ==, utc (2027, 10, 31, 23, 0, 0));
  ffc_schedule_free (s);

  /* a duty cycle on the short day: on the wall-clock multiples */
  s = schedule ("01:00..05:00", "30m/1h", NULL, 1, "Europe/Berlin", NULL);
  text = plan_string (s, utc (2027, 3, 27, 23, 0, 0));
  g_test_message ("%s", text);
  g_assert_true (g_str_has_prefix (text,
      "2027-03-28T00:00:00Z/2027-03-28T00:30:00Z;" /* 01:00 CET */
      "2027-03-28T01:00:00Z/2027-03-28T01:30:00Z;" /* 03:00 CEST */
      "2027-03-28T02:00:00Z/2027-03-28T02:30:00Z;" /* 04:00 CEST */
      "2027-03-28T23:00:00Z/"));
  g_free (text);
  ffc_schedule_free (s);
}

static void
test_plan_duty_cycle (void)
{
  FfcSchedule *s = schedule ("05:00..06:00", "1m/10m", NULL, 1, "UTC", NULL);
  FfcPlan *plan =
      ffc_schedule_plan (s, utc (2027, 3, 1, 0, 0, 0), FFC_SCHEDULE_PLAN_SPAN);
  gboolean inside;

  /* 6 minutes an hour, two days */
  g_assert_cmpuint (plan->windows->len, ==, 12);
  for (guint i = 0; i < plan->windows->len; i++) {
    FfcInterval *iv = &g_array_index (plan->windows, FfcInterval, i);
    g_assert_cmpint (iv->end_us - iv->start_us, ==, G_TIME_SPAN_MINUTE);
    g_assert_cmpint (iv->start_us % (10 * G_TIME_SPAN_MINUTE), ==, 0);
  }
  g_assert_cmpint (g_array_index (plan->windows, FfcInterval, 0).start_us, ==,
      utc (2027, 3, 1, 5, 0, 0));
  g_assert_cmpint (g_array_index (plan->windows, FfcInterval, 5).start_us, ==,
      utc (2027, 3, 1, 5, 50, 0));
  g_assert_cmpint (
      ffc_plan_find (plan, utc (2027, 3, 1, 5, 10, 30), &inside), ==, 1);
  g_assert_true (inside);
  g_assert_cmpint (
      ffc_plan_find (plan, utc (2027, 3, 1, 5, 11, 0), &inside), ==, 2);
  g_assert_false (inside);
  g_assert_cmpint (
      ffc_plan_find (plan, utc (2027, 3, 3, 0, 0, 0), &inside), ==, -1);
  ffc_plan_free (plan);
  ffc_schedule_free (s);

  /* a window off the multiples keeps only the on-times inside it */
  s = schedule ("05:00:30..05:25", "1m/10m", NULL, 1, "UTC", NULL);
  plan =
      ffc_schedule_plan (s, utc (2027, 3, 1, 0, 0, 0), 24 * G_TIME_SPAN_HOUR);
  {
    gchar *text = ffc_plan_windows_string (plan);
    g_assert_cmpstr (text, ==,
        "2027-03-01T05:00:30Z/2027-03-01T05:01:00Z;"
        "2027-03-01T05:10:00Z/2027-03-01T05:11:00Z;"
        "2027-03-01T05:20:00Z/2027-03-01T05:21:00Z");
    g_free (text);
  }
  ffc_plan_free (plan);
  ffc_schedule_free (s);

  /* all day, 1 s in 2: every even second */
  s = schedule (NULL, "1s/2s", NULL, 1, "UTC", NULL);
  plan =
      ffc_schedule_plan (s, utc (2027, 3, 1, 0, 0, 1), FFC_SCHEDULE_PLAN_SPAN);
  g_assert_cmpuint (plan->windows->len, ==, 86400);
  g_assert_cmpint (g_array_index (plan->windows, FfcInterval, 0).start_us, ==,
      utc (2027, 3, 1, 0, 0, 2));
  g_assert_cmpint (g_array_index (plan->windows, FfcInterval, 0).end_us, ==,
      utc (2027, 3, 1, 0, 0, 3));
  ffc_plan_free (plan);
  ffc_schedule_free (s);

  /* a period that does not divide the day starts again at midnight */
  s = schedule (NULL, "1h/7h", NULL, 1, "UTC", NULL);
  {
    gchar *text = plan_string (s, utc (2027, 3, 1, 0, 0, 0));
    g_assert_true (
        g_str_has_prefix (text, "2027-03-01T00:00:00Z/2027-03-01T01:00:00Z;"
                                "2027-03-01T07:00:00Z/2027-03-01T08:00:00Z;"
                                "2027-03-01T14:00:00Z/2027-03-01T15:00:00Z;"
                                "2027-03-01T21:00:00Z/2027-03-01T22:00:00Z;"
                                "2027-03-02T00:00:00Z/2027-03-02T01:00:00Z;"));
    g_free (text);
  }
  ffc_schedule_free (s);
}

static void
test_plan_dates (void)
{
  /* every third day of the range, counted from its first day */
  FfcSchedule *s =
      schedule ("05:00..06:00", NULL, "2027-03-01..2027-03-10", 3, "UTC", NULL);
  gchar *text;

  text = plan_string (s, utc (2027, 3, 3, 12, 0, 0));
  g_assert_cmpstr (text, ==, "2027-03-04T05:00:00Z/2027-03-04T06:00:00Z");
  g_free (text);
  /* the last day (day 9 of the range) has passed: nothing more */
  text = plan_string (s, utc (2027, 3, 10, 12, 0, 0));
  g_assert_cmpstr (text, ==, "");
  g_free (text);
  /* before the range: its first day */
  text = plan_string (s, utc (2027, 2, 28, 12, 0, 0));
  g_assert_cmpstr (text, ==, "2027-03-01T05:00:00Z/2027-03-01T06:00:00Z");
  g_free (text);
  ffc_schedule_free (s);

  /* a window of the last day that runs over midnight ends after it */
  s = schedule ("22:00..02:00", NULL, "2027-03-01..2027-03-10", 1, "UTC", NULL);
  text = plan_string (s, utc (2027, 3, 10, 12, 0, 0));
  g_assert_cmpstr (text, ==, "2027-03-10T22:00:00Z/2027-03-11T02:00:00Z");
  g_free (text);
  ffc_schedule_free (s);

  /* without a range, days count from 1970-01-01: 2027-03-01 is day 20878,
   * even */
  s = schedule ("05:00..06:00", NULL, NULL, 2, "UTC", NULL);
  text = plan_string (s, utc (2027, 3, 1, 0, 0, 0));
  g_assert_cmpstr (text, ==, "2027-03-01T05:00:00Z/2027-03-01T06:00:00Z");
  g_free (text);
  ffc_schedule_free (s);
}

static void
test_plan_sun (void)
{
  /* dusk to dawn for bats, in Atlanta: from an hour before sunset to an
   * hour after the next sunrise */
  FfcSchedule *s = schedule (
      "sunset-1h..sunrise+1h", NULL, NULL, 1, "America/New_York", "33.8,-84.4");
  FfcPlan *plan =
      ffc_schedule_plan (s, utc (2009, 9, 6, 16, 0, 0), FFC_SCHEDULE_PLAN_SPAN);
  FfcInterval *iv;
  gchar *text;

  g_assert_cmpuint (plan->windows->len, ==, 2);
  iv = &g_array_index (plan->windows, FfcInterval, 0);
  g_assert_cmpint (iv->start_us, ==,
      sun (FFC_SUN_SUNSET, 33.8, -84.4, "America/New_York", 2009, 9, 6)
          - G_TIME_SPAN_HOUR);
  g_assert_cmpint (iv->end_us, ==,
      sun (FFC_SUN_SUNRISE, 33.8, -84.4, "America/New_York", 2009, 9, 7)
          + G_TIME_SPAN_HOUR);
  g_assert_cmpuint (plan->missing->len, ==, 0);
  ffc_plan_free (plan);
  ffc_schedule_free (s);

  /* the dawn chorus in Tromsø at midsummer: there is no sunrise, no
   * window, and the plan says why */
  s = schedule (
      "sunrise-30m..sunrise+2h", NULL, NULL, 1, "Europe/Oslo", "69.65,18.96");
  plan =
      ffc_schedule_plan (s, utc (2027, 6, 21, 0, 0, 0), FFC_SCHEDULE_PLAN_SPAN);
  g_assert_cmpuint (plan->windows->len, ==, 0);
  text = ffc_plan_missing_string (plan);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "2027-06-21 sunrise: the sun stays above"));
  g_assert_nonnull (strstr (text, "2027-06-22 sunrise: the sun stays above"));
  g_free (text);
  ffc_plan_free (plan);
  /* ...and in March it has one each day */
  plan =
      ffc_schedule_plan (s, utc (2027, 3, 21, 0, 0, 0), FFC_SCHEDULE_PLAN_SPAN);
  g_assert_cmpuint (plan->windows->len, ==, 2);
  g_assert_cmpuint (plan->missing->len, ==, 0);
  ffc_plan_free (plan);
  ffc_schedule_free (s);

  /* dusk to dawn in the polar night: no sunset, no window */
  s = schedule ("sunset..sunrise", NULL, NULL, 1, "UTC", "69.65,18.96");
  plan = ffc_schedule_plan (
      s, utc (2027, 12, 21, 0, 0, 0), FFC_SCHEDULE_PLAN_SPAN);
  g_assert_cmpuint (plan->windows->len, ==, 0);
  text = ffc_plan_missing_string (plan);
  g_assert_nonnull (strstr (text, "2027-12-21 sunset: the sun stays below"));
  g_free (text);
  ffc_plan_free (plan);
  ffc_schedule_free (s);
}

static void
test_format_time (void)
{
  gchar *t = ffc_schedule_format_time (utc (2027, 3, 1, 5, 12, 7));
  g_assert_cmpstr (t, ==, "2027-03-01T05:12:07Z");
  g_free (t);
  t = ffc_schedule_format_time (utc (2027, 3, 1, 5, 12, 7) + 250000);
  g_assert_cmpstr (t, ==, "2027-03-01T05:12:07.250Z");
  g_free (t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/schedule/refused", test_refused);
  g_test_add_func ("/schedule/parse", test_parse);
  g_test_add_func ("/schedule/sun-table-latitudes", test_sun_table_latitudes);
  g_test_add_func ("/schedule/sun-usno-atlanta", test_sun_usno_atlanta);
  g_test_add_func ("/schedule/sun-polar", test_sun_polar);
  g_test_add_func ("/schedule/plan-fixed", test_plan_fixed_and_over_midnight);
  g_test_add_func ("/schedule/plan-dst", test_plan_dst);
  g_test_add_func ("/schedule/plan-duty-cycle", test_plan_duty_cycle);
  g_test_add_func ("/schedule/plan-dates", test_plan_dates);
  g_test_add_func ("/schedule/plan-sun", test_plan_sun);
  g_test_add_func ("/schedule/format-time", test_format_time);
  return g_test_run ();
}
