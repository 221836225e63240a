/* gst-ffcapture: properties kept in a settings struct, by offset
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_FFC_PROPS_H__
#define __GST_FFC_PROPS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* The elements keep their properties in a plain settings struct of src/
 * (copied at start, the running core's snapshot), one field per property:
 * a table of G_STRUCT_OFFSET ()s, indexed by property id, replaces the
 * set/get switches. The field's C type follows the GParamSpec's value type:
 * gchar * (owned), gint, guint, guint64, gdouble, gboolean, or an enum held
 * in a gint. Call with the object lock held. */
void gst_ffc_prop_set (gpointer settings, const gsize *offsets, guint n_offsets,
    guint prop_id, const GValue *value, GParamSpec *pspec);
void gst_ffc_prop_get (gconstpointer settings, const gsize *offsets,
    guint n_offsets, guint prop_id, GValue *value, GParamSpec *pspec);

/* Sets every writable property `type` itself installs, with an offset in
 * the table, to its GParamSpec's default (instance init, before any other
 * thread sees the object). */
void gst_ffc_prop_init_defaults (
    gpointer settings, const gsize *offsets, guint n_offsets, GType type);

G_END_DECLS

#endif
