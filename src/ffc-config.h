/* gst-ffcapture: ffcapture-recorder's configuration (key file + command line)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One table of options: each is a key of a GLib key file group and a long
 * command-line option of the same name, with one parser for both sources.
 * Order: built-in defaults, then the configuration file, then the command
 * line (the command line wins). Options that map to an element property
 * name the element's role and the property, so the recorder sets them 1:1.
 */
#ifndef __FFC_CONFIG_H__
#define __FFC_CONFIG_H__

#include <glib.h>

G_BEGIN_DECLS

#define FFC_CONFIG_DEFAULT_PATH "/etc/ffcapture/recorder.conf"

#define FFC_CONFIG_ERROR (ffc_config_error_quark ())
GQuark ffc_config_error_quark (void);

typedef enum {
  FFC_CONFIG_ERROR_FILE,        /* the file cannot be read or parsed */
  FFC_CONFIG_ERROR_UNKNOWN_KEY, /* a group or key the recorder lacks */
  FFC_CONFIG_ERROR_BAD_VALUE,   /* a value of the wrong type or range */
  FFC_CONFIG_ERROR_MISSING,     /* a required option not given */
} FfcConfigError;

typedef enum {
  FFC_OPT_STRING,
  FFC_OPT_PATH,
  FFC_OPT_INT,      /* within min..max */
  FFC_OPT_BOOL,     /* true/false, yes/no, on/off, 1/0 */
  FFC_OPT_DOUBLE,   /* finite, within min..max */
  FFC_OPT_DURATION, /* number and unit: 500ms, 10s, 5min, 2h, 1d -> ns */
  FFC_OPT_SIZE,     /* bytes, or with K/M/G/T (powers of 1024) */
} FfcOptKind;

/* Where an option goes. */
typedef enum {
  FFC_ROLE_RECORDER, /* the recorder itself */
  FFC_ROLE_SOURCE,   /* ffmpegsrc "src" */
  FFC_ROLE_SEGMENTS, /* both segmentsinks, "raw" and "processed" */
  FFC_ROLE_TRIGGER,  /* triggergate "trigger" (when the plugin has it) */
  FFC_ROLE_SCHEDULE, /* schedulegate "schedule" (when the plugin has it) */
} FfcRole;

typedef struct {
  const gchar *group; /* key-file group, without brackets */
  const gchar *key;   /* key, and --key on the command line */
  gchar short_name;   /* 0 = none */
  FfcOptKind kind;
  FfcRole role;
  const gchar *property;      /* the element property it sets; NULL = none */
  const gchar *default_value; /* as text; NULL = unset */
  gdouble min, max;           /* INT, DOUBLE, DURATION (ns), SIZE */
  const gchar *arg;           /* placeholder in --help */
  const gchar *help;
} FfcOption;

typedef struct _FfcConfig FfcConfig;

const FfcOption *ffc_config_options (guint *n_options);
const FfcOption *ffc_config_lookup (const gchar *key);

FfcConfig *ffc_config_new (void);
void ffc_config_free (FfcConfig *cfg);

/* --config and one entry per option, into ctx's main group. Values given
 * on the command line are kept until ffc_config_finish(). */
void ffc_config_add_options (FfcConfig *cfg, GOptionContext *ctx);
/* Reads the configuration file (--config, or the default path if that
 * exists), then applies the command line over it. */
gboolean ffc_config_finish (FfcConfig *cfg, GError **error);
/* The path that was read, or NULL when none was. */
const gchar *ffc_config_file (const FfcConfig *cfg);

/* Key-file text, as if read from a file called source. */
gboolean ffc_config_load_data (
    FfcConfig *cfg, const gchar *data, const gchar *source, GError **error);
gboolean ffc_config_load_file (
    FfcConfig *cfg, const gchar *path, GError **error);
/* One value as text; source names where it came from in errors. */
gboolean ffc_config_set (FfcConfig *cfg, const gchar *key, const gchar *value,
    const gchar *source, GError **error);
/* What the recorder needs whatever the source: data-dir, host:port. */
gboolean ffc_config_check (const FfcConfig *cfg, GError **error);

/* Set explicitly (by the file or the command line), not a default. */
gboolean ffc_config_is_set (const FfcConfig *cfg, const gchar *key);
/* Typed values; the key must be in the table with that kind. */
const gchar *ffc_config_get_string (const FfcConfig *cfg, const gchar *key);
gint ffc_config_get_int (const FfcConfig *cfg, const gchar *key);
gboolean ffc_config_get_bool (const FfcConfig *cfg, const gchar *key);
gdouble ffc_config_get_double (const FfcConfig *cfg, const gchar *key);
/* DURATION (ns) and SIZE (bytes) */
guint64 ffc_config_get_uint64 (const FfcConfig *cfg, const gchar *key);

/* The parsers, for tests. */
gboolean ffc_parse_duration (const gchar *text, guint64 *ns);
gboolean ffc_parse_size (const gchar *text, guint64 *bytes);

G_END_DECLS

#endif /* __FFC_CONFIG_H__ */
