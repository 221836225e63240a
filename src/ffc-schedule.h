/* gst-ffcapture: recording schedules by the clock and by the sun
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_SCHEDULE_H__
#define __FFC_SCHEDULE_H__

#include <glib.h>

G_BEGIN_DECLS

#define FFC_SCHEDULE_ERROR (ffc_schedule_error_quark ())
GQuark ffc_schedule_error_quark (void);

/* How far ahead a plan reaches (µs) */
#define FFC_SCHEDULE_PLAN_SPAN (48 * G_TIME_SPAN_HOUR)
/* Limits of the settings */
#define FFC_SCHEDULE_DAY_INTERVAL_MAX 3650
#define FFC_SCHEDULE_PERIOD_MAX G_TIME_SPAN_DAY

typedef enum {
  FFC_SUN_NONE = 0, /* a time of day */
  FFC_SUN_SUNRISE,
  FFC_SUN_SUNSET,
  FFC_SUN_DAWN, /* civil: the sun 6° below the horizon */
  FFC_SUN_DUSK,
  FFC_SUN_NAUTICAL_DAWN, /* 12° below */
  FFC_SUN_NAUTICAL_DUSK,
} FfcSunEvent;

/* One edge of a window: a time of day or a sun event, and an offset. */
typedef struct {
  FfcSunEvent sun;
  gint64 time_of_day_us; /* from local midnight, for FFC_SUN_NONE; 24:00
                            allowed as an end */
  gint64 offset_us;
} FfcScheduleEdge;

typedef struct {
  FfcScheduleEdge start, end;
} FfcScheduleWindow;

/* A parsed and validated schedule, with its zone and position. */
typedef struct {
  GArray *windows;                   /* FfcScheduleWindow; empty = all day */
  gint64 duty_on_us, duty_period_us; /* both 0: no duty cycle */
  gboolean have_dates;
  GDate first, last; /* inclusive, local dates */
  guint day_interval;
  GTimeZone *zone;
  gboolean have_position;
  gdouble latitude, longitude;
} FfcSchedule;

/* Each parser checks one setting alone (for a property setter's warning);
 * the error names the setting and the token that is wrong. */
gboolean ffc_schedule_parse_windows (
    const gchar *text, GArray **windows, GError **error);
gboolean ffc_schedule_parse_duty_cycle (
    const gchar *text, gint64 *on_us, gint64 *period_us, GError **error);
gboolean ffc_schedule_parse_date_range (const gchar *text, gboolean *have,
    GDate *first, GDate *last, GError **error);
GTimeZone *ffc_schedule_parse_timezone (const gchar *text, GError **error);

/* All settings together (NULL or "" = the default of each); also checks
 * what needs two of them: a sun event needs a position. */
FfcSchedule *ffc_schedule_new (const gchar *windows, const gchar *duty_cycle,
    const gchar *date_range, guint day_interval, const gchar *timezone,
    const gchar *position, GError **error);
void ffc_schedule_free (FfcSchedule *schedule);

typedef struct {
  gint64 start_us, end_us; /* [start, end), µs since the epoch, UTC */
} FfcInterval;

typedef struct {
  gint64 now_us;
  gint64 until_us;    /* now + FFC_SCHEDULE_PLAN_SPAN */
  GArray *windows;    /* FfcInterval, sorted, disjoint, not touching; whole
                         windows (one in progress at now keeps its start) */
  GPtrArray *missing; /* strings: the sun events that do not happen, e.g.
                         "2027-06-21 sunset: the sun stays above -0.83°" */
} FfcPlan;

/* The windows that end after now_us and start before now_us + span_us.
 * Pure: the same arguments give the same plan. */
FfcPlan *ffc_schedule_plan (
    const FfcSchedule *schedule, gint64 now_us, gint64 span_us);
void ffc_plan_free (FfcPlan *plan);
/* "START/END;START/END" in ISO 8601 UTC */
gchar *ffc_plan_windows_string (const FfcPlan *plan);
/* "; "-separated missing sun events, "" when none */
gchar *ffc_plan_missing_string (const FfcPlan *plan);
/* The window containing t, or else the next one after t: its index, or
 * -1 when none in the plan. */
gint ffc_plan_find (const FfcPlan *plan, gint64 t_us, gboolean *inside);

/* The first local midnight of the schedule's zone after t_us */
gint64 ffc_schedule_next_midnight (const FfcSchedule *schedule, gint64 t_us);

/* A sun event on a local date (the day from one local midnight to the
 * next) in the zone, from libnova. FALSE when it does not happen that day;
 * then *why says why (free it). */
gboolean ffc_schedule_sun_event (FfcSunEvent event, gdouble latitude,
    gdouble longitude, GTimeZone *zone, const GDate *day, gint64 *time_us,
    gchar **why);

/* ISO 8601 UTC, whole seconds ("2027-03-01T05:12:07Z"), with .mmm when
 * the time is not a whole second. */
gchar *ffc_schedule_format_time (gint64 t_us);

G_END_DECLS

#endif
