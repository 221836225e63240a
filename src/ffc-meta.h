/* gst-ffcapture: scientific metadata of a segment (GUANO and BWF bext)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_META_H__
#define __FFC_META_H__

#include <glib.h>

#include "ffc-wav.h"

G_BEGIN_DECLS

/* What a segment's metadata says. Strings may be NULL or empty (= not
 * given); NAN in a double means unknown, and the field is left out. */
typedef struct {
  gint64 start_us; /* wall-clock time of the first sample, µs since the
                      epoch (UTC) */
  GTimeZone *zone; /* for GUANO's Timestamp; NULL = UTC */
  guint rate;
  guint channels;
  FfcSampleFormat format;
  guint64 frames;
  guint64 offset; /* stream sample offset of the first sample */
  guint64 seq;
  const gchar *run_id;
  const gchar *stream;
  const gchar *original_filename;
  const gchar *make;
  const gchar *model;
  const gchar *serial;
  gdouble latitude; /* WGS84 decimal degrees; NAN = no position */
  gdouble longitude;
  gdouble elevation; /* metres above mean sea level */
  const gchar *note;
  gdouble drift_ppm; /* device clock against the system clock */
  gboolean clock_synchronised;
} FfcMeta;

/* Largest bext chunk body ffc_meta_bext () returns. */
#define FFC_META_BEXT_MAX 700

void ffc_meta_init (FfcMeta *meta);
gchar *ffc_meta_guano (const FfcMeta *meta);
guint8 *ffc_meta_bext (const FfcMeta *meta, gsize *size);
gboolean ffc_meta_check_fits (const FfcMeta *meta, GError **error);

gchar *ffc_meta_guano_set_length (
    const gchar *text, gsize len, guint64 frames, guint rate);

gboolean ffc_meta_parse_position (
    const gchar *text, gdouble *latitude, gdouble *longitude, GError **error);

G_END_DECLS

#endif
