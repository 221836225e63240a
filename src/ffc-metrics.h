/* gst-ffcapture: the recorder's health snapshot and its Prometheus metrics
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A snapshot of what the elements report (ffmpegsrc's stats, segmentsink's
 * promoted/deleted messages, besteffortsink's stats) plus the host (free
 * space, temperatures), and the three things the recorder makes of it: the
 * Prometheus text exposition for node_exporter's textfile collector, a CSV
 * line of the daily summary, and whether to pet systemd's watchdog.
 */
#ifndef __FFC_METRICS_H__
#define __FFC_METRICS_H__

#include <glib.h>

G_BEGIN_DECLS

#define FFC_HEALTH_MAX_STREAMS 4
#define FFC_HEALTH_MAX_ZONES 16

typedef struct {
  gchar name[32];          /* "raw", "processed" */
  guint64 promoted;        /* segments promoted */
  guint64 deleted;         /* segments deleted by retention */
  guint64 bytes_written;   /* bytes of the promoted segments */
  gint64 last_promoted_us; /* wall time of the last promotion; 0 = none */
} FfcStreamHealth;

typedef struct {
  gchar zone[32]; /* thermal_zone0 */
  gchar type[32]; /* cpu-thermal, x86_pkg_temp, ... */
  gdouble celsius;
} FfcThermalZone;

typedef struct {
  gint64 now_us;   /* wall time of the snapshot */
  gint64 start_us; /* wall time the recorder started */
  /* ffmpegsrc's stats */
  guint64 samples_pushed, samples_dropped, samples_lost, gaps;
  guint64 restarts;
  gboolean device_present;
  gdouble drift_ppm; /* NaN until known */
  gboolean clock_synchronised;
  /* the segmentsinks */
  FfcStreamHealth streams[FFC_HEALTH_MAX_STREAMS];
  guint n_streams;
  /* the data filesystem; have_free FALSE if statvfs failed */
  gboolean have_free;
  guint64 free_bytes;
  /* the live stream branch (besteffortsink), if there is one */
  gboolean have_branch;
  gchar branch_name[32];
  gboolean branch_up;
  guint64 branch_restarts;
  /* /sys/class/thermal */
  FfcThermalZone zones[FFC_HEALTH_MAX_ZONES];
  guint n_zones;
} FfcHealth;

/* The stream called name, added if new (NULL when the table is full). */
FfcStreamHealth *ffc_health_stream (FfcHealth *h, const gchar *name);

/* Reads root/thermal_zone*\/temp and type (root: /sys/class/thermal, or a
 * test's tree) into h->zones, in zone order. Returns how many. */
guint ffc_health_read_thermal (FfcHealth *h, const gchar *root);
/* The CPU's temperature: the first zone whose type names the CPU (cpu,
 * x86_pkg_temp, soc), else the first zone; NaN when there is none. */
gdouble ffc_health_cpu_celsius (const FfcHealth *h);

/* Prometheus text exposition format (version 0.0.4). */
gchar *ffc_metrics_format (const FfcHealth *h);
/* Writes text to path atomically: a temporary file in path's directory
 * (a name node_exporter ignores: ".NAME.XXXXXX"), mode 0644, renamed over
 * path, so a reader sees the old file or the new one, never a part. */
gboolean ffc_metrics_write (
    const gchar *path, const gchar *text, GError **error);

G_END_DECLS

#endif /* __FFC_METRICS_H__ */
