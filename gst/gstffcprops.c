/* gst-ffcapture: properties kept in a settings struct, by offset
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstffcprops.h"

void
gst_ffc_prop_set (gpointer settings, const gsize *offsets, guint n_offsets,
    guint prop_id, const GValue *value, GParamSpec *pspec)
{
  gpointer field;

  g_return_if_fail (prop_id > 0 && prop_id < n_offsets);
  field = G_STRUCT_MEMBER_P (settings, offsets[prop_id]);
  if (G_IS_PARAM_SPEC_ENUM (pspec)) {
    *(gint *)field = g_value_get_enum (value);
    return;
  }
  switch (G_PARAM_SPEC_VALUE_TYPE (pspec)) {
    case G_TYPE_STRING:
      g_free (*(gchar **)field);
      *(gchar **)field = g_value_dup_string (value);
      break;
    case G_TYPE_INT:
      *(gint *)field = g_value_get_int (value);
      break;
    case G_TYPE_UINT:
      *(guint *)field = g_value_get_uint (value);
      break;
    case G_TYPE_UINT64:
      *(guint64 *)field = g_value_get_uint64 (value);
      break;
    case G_TYPE_DOUBLE:
      *(gdouble *)field = g_value_get_double (value);
      break;
    case G_TYPE_BOOLEAN:
      *(gboolean *)field = g_value_get_boolean (value);
      break;
    default:
      g_warn_if_reached ();
      break;
  }
}

void
gst_ffc_prop_get (gconstpointer settings, const gsize *offsets, guint n_offsets,
    guint prop_id, GValue *value, GParamSpec *pspec)
{
  gconstpointer field;

  g_return_if_fail (prop_id > 0 && prop_id < n_offsets);
  field = G_STRUCT_MEMBER_P (settings, offsets[prop_id]);
  if (G_IS_PARAM_SPEC_ENUM (pspec)) {
    g_value_set_enum (value, *(const gint *)field);
    return;
  }
  switch (G_PARAM_SPEC_VALUE_TYPE (pspec)) {
    case G_TYPE_STRING:
      g_value_set_string (value, *(gchar *const *)field);
      break;
    case G_TYPE_INT:
      g_value_set_int (value, *(const gint *)field);
      break;
    case G_TYPE_UINT:
      g_value_set_uint (value, *(const guint *)field);
      break;
    case G_TYPE_UINT64:
      g_value_set_uint64 (value, *(const guint64 *)field);
      break;
    case G_TYPE_DOUBLE:
      g_value_set_double (value, *(const gdouble *)field);
      break;
    case G_TYPE_BOOLEAN:
      g_value_set_boolean (value, *(const gboolean *)field);
      break;
    default:
      g_warn_if_reached ();
      break;
  }
}

void
gst_ffc_prop_init_defaults (
    gpointer settings, const gsize *offsets, guint n_offsets, GType type)
{
  GObjectClass *klass = g_type_class_ref (type);
  guint n;
  GParamSpec **pspecs = g_object_class_list_properties (klass, &n);

  for (guint i = 0; i < n; i++) {
    GValue value = G_VALUE_INIT;

    if (pspecs[i]->owner_type != type || !(pspecs[i]->flags & G_PARAM_WRITABLE)
        || pspecs[i]->param_id == 0 || pspecs[i]->param_id >= n_offsets)
      continue;
    g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspecs[i]));
    g_param_value_set_default (pspecs[i], &value);
    gst_ffc_prop_set (
        settings, offsets, n_offsets, pspecs[i]->param_id, &value, pspecs[i]);
    g_value_unset (&value);
  }
  g_free (pspecs);
  g_type_class_unref (klass);
}
