/* Unit tests: ffcapture-recorder's configuration, key file and command line. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ffc-config.h"

static gboolean
parse_argv (FfcConfig *cfg, const gchar *const *args, GError **error)
{
  GOptionContext *ctx = g_option_context_new (NULL);
  gchar **argv = g_strdupv ((gchar **)args);
  gint argc = g_strv_length (argv);
  /* parse takes out what it used without freeing it: keep every string */
  gchar **free_me = g_memdup2 (argv, (argc + 1) * sizeof (gchar *));
  gchar **p = argv;
  gboolean ok;

  ffc_config_add_options (cfg, ctx);
  ok = g_option_context_parse (ctx, &argc, &p, error)
       && ffc_config_finish (cfg, error);
  g_option_context_free (ctx);
  g_free (argv);
  g_strfreev (free_me);
  return ok;
}

static gchar *
write_conf (const gchar *dir, const gchar *text)
{
  gchar *path = g_build_filename (dir, "recorder.conf", NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
test_defaults (void)
{
  FfcConfig *cfg = ffc_config_new ();

  g_assert_cmpint (ffc_config_get_int (cfg, "rate"), ==, 384000);
  g_assert_cmpint (ffc_config_get_int (cfg, "processed-rate"), ==, 48000);
  g_assert_cmpint (ffc_config_get_int (cfg, "segment-seconds"), ==, 60);
  g_assert_cmpint (ffc_config_get_int (cfg, "metrics-interval"), ==, 15);
  g_assert_cmpstr (ffc_config_get_string (cfg, "input-format"), ==, "alsa");
  g_assert_cmpstr (ffc_config_get_string (cfg, "device"), ==, "default");
  g_assert_cmpstr (ffc_config_get_string (cfg, "mount"), ==, "/mic.opus");
  g_assert_null (ffc_config_get_string (cfg, "data-dir"));
  g_assert_null (ffc_config_get_string (cfg, "metrics-file"));
  g_assert_true (ffc_config_get_bool (cfg, "summary"));
  g_assert_false (ffc_config_get_bool (cfg, "mock"));
  /* a default is not "set": element defaults stay the elements' own */
  g_assert_false (ffc_config_is_set (cfg, "rate"));
  g_assert_false (ffc_config_is_set (cfg, "min-age"));
  g_assert_cmpstr (ffc_config_file (cfg), ==, NULL);
  ffc_config_free (cfg);
}

static void
test_key_file (void)
{
  FfcConfig *cfg = ffc_config_new ();
  GError *error = NULL;

  g_assert_true (ffc_config_load_data (cfg,
      "# a station\n"
      "[recorder]\ndata-dir=/data\nmetrics-file=/run/ffcapture/ffcapture.prom\n"
      "metrics-interval=30\nsummary=false\n"
      "[capture]\ndevice=usb:0869:0389\nrate=250000\nwait-for-device=yes\n"
      "stall-timeout=5s\nbuffer-time=1.5s\nlatency-time=100ms\n"
      "[segments]\nsegment-seconds=300\nformat=flac\n"
      "[station]\nposition=52.5186,13.3761\nelevation=34.5\n"
      "note=hedge\\sby the pond\n"
      "[retention]\nretention=true\nmin-free-space=1G\nmin-age=10min\n"
      "[stream]\nicecast=127.0.0.1:8000\n",
      "test.conf", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ffc_config_get_string (cfg, "data-dir"), ==, "/data");
  g_assert_cmpint (ffc_config_get_int (cfg, "metrics-interval"), ==, 30);
  g_assert_false (ffc_config_get_bool (cfg, "summary"));
  g_assert_cmpstr (ffc_config_get_string (cfg, "device"), ==, "usb:0869:0389");
  g_assert_cmpint (ffc_config_get_int (cfg, "rate"), ==, 250000);
  g_assert_true (ffc_config_is_set (cfg, "rate"));
  g_assert_true (ffc_config_get_bool (cfg, "wait-for-device"));
  g_assert_cmpuint (
      ffc_config_get_uint64 (cfg, "stall-timeout"), ==, 5000000000u);
  g_assert_cmpuint (
      ffc_config_get_uint64 (cfg, "buffer-time"), ==, 1500000000u);
  g_assert_cmpuint (
      ffc_config_get_uint64 (cfg, "latency-time"), ==, 100000000u);
  g_assert_cmpint (ffc_config_get_int (cfg, "segment-seconds"), ==, 300);
  g_assert_cmpstr (ffc_config_get_string (cfg, "format"), ==, "flac");
  g_assert_cmpfloat (ffc_config_get_double (cfg, "elevation"), ==, 34.5);
  g_assert_cmpstr (
      ffc_config_get_string (cfg, "note"), ==, "hedge by the pond");
  g_assert_true (ffc_config_get_bool (cfg, "retention"));
  g_assert_cmpuint (
      ffc_config_get_uint64 (cfg, "min-free-space"), ==, 1073741824u);
  g_assert_cmpuint (ffc_config_get_uint64 (cfg, "min-age"), ==,
      G_GUINT64_CONSTANT (600000000000));
  g_assert_true (ffc_config_check (cfg, &error));
  g_assert_no_error (error);
  ffc_config_free (cfg);
}

/* every option of the table can be set in the file, in its own group,
 * and on the command line under the same name */
static void
test_every_option_both_ways (void)
{
  guint n;
  const FfcOption *opts = ffc_config_options (&n);
  gchar *dir = g_dir_make_tmp ("ffc-config-XXXXXX", NULL);

  g_assert_cmpuint (n, >, 40);
  for (guint i = 0; i < n; i++) {
    const FfcOption *o = &opts[i];
    const gchar *v = o->kind == FFC_OPT_BOOL ? "true"
                     : o->kind == FFC_OPT_DURATION
                         ? (o->max < 2e9 ? "1s" : "2s")
                     : o->kind == FFC_OPT_SIZE   ? "2M"
                     : o->kind == FFC_OPT_DOUBLE ? (o->min < -1 ? "-3" : "3")
                     : o->kind == FFC_OPT_INT
                         ? (o->min >= 1000 ? "8000" : (o->min >= 2 ? "2" : "3"))
                     : g_str_equal (o->key, "icecast") ? "host:8000"
                     : g_str_equal (o->key, "format")  ? "flac"
                                                       : "some value";
    gchar *text = g_strdup_printf (
        "[recorder]\ndata-dir=/d\n[%s]\n%s=%s\n", o->group, o->key, v);
    gchar *path;
    gchar *arg = g_strdup_printf ("--%s=%s", o->key, v);
    const gchar *args[] = { "rec", "--data-dir", "/x", arg, NULL };
    FfcConfig *cfg = ffc_config_new ();
    GError *error = NULL;

    if (g_str_equal (o->key, "data-dir")) {
      g_free (text);
      text = g_strdup_printf ("[recorder]\ndata-dir=%s\n", v);
    }
    path = write_conf (dir, text);
    g_assert_true (ffc_config_load_file (cfg, path, &error));
    g_assert_no_error (error);
    g_assert_true (ffc_config_is_set (cfg, o->key));
    g_assert_cmpstr (ffc_config_get_string (cfg, o->key), ==, v);
    ffc_config_free (cfg);

    cfg = ffc_config_new ();
    g_assert_true (parse_argv (cfg, args, &error));
    g_assert_no_error (error);
    g_assert_true (ffc_config_is_set (cfg, o->key));
    g_assert_cmpstr (ffc_config_get_string (cfg, o->key), ==, v);
    ffc_config_free (cfg);
    g_unlink (path);
    g_free (path);
    g_free (arg);
    g_free (text);
  }
  g_rmdir (dir);
  g_free (dir);
}

static void
test_command_line_wins (void)
{
  gchar *dir = g_dir_make_tmp ("ffc-config-XXXXXX", NULL);
  gchar *path =
      write_conf (dir, "[recorder]\ndata-dir=/from-file\n"
                       "[capture]\nrate=96000\ndevice=hw:1,0\nmock=true\n"
                       "[segments]\nsegment-seconds=10\n");
  const gchar *args[] = { "rec", "--config", path, "-r", "48000",
    "--segment-seconds=5", "--mock=false", "extra", NULL };
  FfcConfig *cfg = ffc_config_new ();
  GError *error = NULL;

  g_assert_true (parse_argv (cfg, args, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ffc_config_file (cfg), ==, path);
  g_assert_cmpint (ffc_config_get_int (cfg, "rate"), ==, 48000);
  g_assert_cmpint (ffc_config_get_int (cfg, "segment-seconds"), ==, 5);
  g_assert_false (ffc_config_get_bool (cfg, "mock"));
  /* what the command line did not give comes from the file */
  g_assert_cmpstr (ffc_config_get_string (cfg, "device"), ==, "hw:1,0");
  g_assert_cmpstr (ffc_config_get_string (cfg, "data-dir"), ==, "/from-file");
  ffc_config_free (cfg);

  /* a bare boolean flag means true */
  {
    const gchar *args2[] = { "rec", "--config", path, "--retention", NULL };
    cfg = ffc_config_new ();
    g_assert_true (parse_argv (cfg, args2, &error));
    g_assert_true (ffc_config_get_bool (cfg, "retention"));
    g_assert_true (ffc_config_get_bool (cfg, "mock"));
    ffc_config_free (cfg);
  }
  g_unlink (path);
  g_free (path);
  g_rmdir (dir);
  g_free (dir);
}

/* each error names the file, the group, the key and the value */
static void
test_errors (void)
{
  static const struct {
    const gchar *text;
    FfcConfigError code;
    const gchar *message;
  } cases[] = {
    { "[capture]\nrate=fast\n", FFC_CONFIG_ERROR_BAD_VALUE,
        "t.conf: [capture] rate: 'fast' is not an integer" },
    { "[capture]\nrate=0\n", FFC_CONFIG_ERROR_BAD_VALUE,
        "t.conf: [capture] rate: '0' is out of range (1000 to 1536000)" },
    { "[capture]\nrat=48000\n", FFC_CONFIG_ERROR_UNKNOWN_KEY,
        "t.conf: unknown key 'rat' in [capture]" },
    { "[station]\nrate=48000\n", FFC_CONFIG_ERROR_UNKNOWN_KEY,
        "t.conf: unknown key 'rate' in [station] (it belongs in [capture])" },
    { "[captrue]\nrate=48000\n", FFC_CONFIG_ERROR_UNKNOWN_KEY,
        "t.conf: unknown group [captrue]" },
    { "[capture]\nmock=maybe\n", FFC_CONFIG_ERROR_BAD_VALUE,
        "t.conf: [capture] mock: 'maybe' is not a boolean (true or false)" },
    { "[retention]\nmin-age=600\n", FFC_CONFIG_ERROR_BAD_VALUE,
        "t.conf: [retention] min-age: '600' is not a duration" },
    { "[retention]\nmin-free-space=lots\n", FFC_CONFIG_ERROR_BAD_VALUE,
        "t.conf: [retention] min-free-space: 'lots' is not a size" },
    { "[station]\nelevation=high\n", FFC_CONFIG_ERROR_BAD_VALUE,
        "t.conf: [station] elevation: 'high' is not a number" },
    { "[capture]\nstall-timeout=1ms\n", FFC_CONFIG_ERROR_BAD_VALUE,
        "t.conf: [capture] stall-timeout: '1ms' is out of range (0.01 s" },
    { "[capture]\nlatency-time=2s\n", FFC_CONFIG_ERROR_BAD_VALUE,
        "t.conf: [capture] latency-time: '2s' is out of range (0 s" },
    { "rate=48000\n", FFC_CONFIG_ERROR_FILE, "t.conf: " },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    FfcConfig *cfg = ffc_config_new ();
    GError *error = NULL;

    g_assert_false (
        ffc_config_load_data (cfg, cases[i].text, "t.conf", &error));
    g_assert_error (error, FFC_CONFIG_ERROR, (gint)cases[i].code);
    if (!g_str_has_prefix (error->message, cases[i].message))
      g_error ("case %u: '%s' does not start with '%s'", i, error->message,
          cases[i].message);
    g_clear_error (&error);
    ffc_config_free (cfg);
  }
}

static void
test_command_line_errors (void)
{
  gchar *dir = g_dir_make_tmp ("ffc-config-XXXXXX", NULL);
  gchar *missing = g_build_filename (dir, "nope.conf", NULL);
  GError *error = NULL;
  FfcConfig *cfg;

  {
    const gchar *args[] = { "rec", "--data-dir", "/d", "--rate", "-5", NULL };
    cfg = ffc_config_new ();
    g_assert_false (parse_argv (cfg, args, &error));
    g_assert_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_BAD_VALUE);
    g_assert_cmpstr (
        error->message, ==, "--rate: '-5' is out of range (1000 to 1536000)");
    g_clear_error (&error);
    ffc_config_free (cfg);
  }
  {
    /* the option's long name, whatever name the user typed */
    const gchar *args[] = { "rec", "--data-dir", "/d", "-s", "x", NULL };
    cfg = ffc_config_new ();
    g_assert_false (parse_argv (cfg, args, &error));
    g_assert_cmpstr (
        error->message, ==, "--segment-seconds: 'x' is not an integer");
    g_clear_error (&error);
    ffc_config_free (cfg);
  }
  {
    const gchar *args[] = { "rec", "--config", missing, NULL };
    cfg = ffc_config_new ();
    g_assert_false (parse_argv (cfg, args, &error));
    g_assert_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_FILE);
    g_assert_nonnull (strstr (error->message, missing));
    g_clear_error (&error);
    ffc_config_free (cfg);
  }
  {
    const gchar *args[] = { "rec", "--rate", "48000", NULL };
    gchar *empty = write_conf (dir, "[capture]\nrate=8000\n");
    const gchar *args2[] = { "rec", "--config", empty, NULL };
    cfg = ffc_config_new ();
    g_assert_false (parse_argv (cfg, args2, &error));
    g_assert_error (error, FFC_CONFIG_ERROR, FFC_CONFIG_ERROR_MISSING);
    g_assert_nonnull (strstr (error->message, "data-dir"));
    g_clear_error (&error);
    ffc_config_free (cfg);
    (void)args;
    g_unlink (empty);
    g_free (empty);
  }
  {
    const gchar *args[] = { "rec", "-d", "/d", "--icecast", "localhost", NULL };
    cfg = ffc_config_new ();
    g_assert_false (parse_argv (cfg, args, &error));
    g_assert_cmpstr (error->message, ==,
        "icecast: 'localhost' is not HOST:PORT (e.g. 127.0.0.1:8000)");
    g_clear_error (&error);
    ffc_config_free (cfg);
  }
  {
    const gchar *args[] = { "rec", "-d", "/d", "--format", "mp3", NULL };
    cfg = ffc_config_new ();
    g_assert_false (parse_argv (cfg, args, &error));
    g_assert_cmpstr (error->message, ==,
        "format: 'mp3' is not a segment format (wav or flac)");
    g_clear_error (&error);
    ffc_config_free (cfg);
  }
  g_free (missing);
  g_rmdir (dir);
  g_free (dir);
}

static void
test_units (void)
{
  guint64 v;

  g_assert_true (ffc_parse_duration ("0", &v));
  g_assert_cmpuint (v, ==, 0);
  g_assert_true (ffc_parse_duration ("250ms", &v));
  g_assert_cmpuint (v, ==, 250000000);
  g_assert_true (ffc_parse_duration ("1.5h", &v));
  g_assert_cmpuint (v, ==, G_GUINT64_CONSTANT (5400000000000));
  g_assert_true (ffc_parse_duration ("2m", &v));
  g_assert_cmpuint (v, ==, G_GUINT64_CONSTANT (120000000000));
  g_assert_true (ffc_parse_duration ("7us", &v));
  g_assert_cmpuint (v, ==, 7000);
  g_assert_true (ffc_parse_duration ("1d", &v));
  g_assert_cmpuint (v, ==, G_GUINT64_CONSTANT (86400000000000));
  g_assert_false (ffc_parse_duration ("10", &v)); /* which unit? */
  g_assert_false (ffc_parse_duration ("-1s", &v));
  g_assert_false (ffc_parse_duration ("s", &v));
  g_assert_false (ffc_parse_duration ("10 s", &v));
  g_assert_false (ffc_parse_duration ("1e30s", &v));
  g_assert_false (ffc_parse_duration ("", &v));

  g_assert_true (ffc_parse_size ("4096", &v));
  g_assert_cmpuint (v, ==, 4096);
  g_assert_true (ffc_parse_size ("512M", &v));
  g_assert_cmpuint (v, ==, 536870912);
  g_assert_true (ffc_parse_size ("1.5GiB", &v));
  g_assert_cmpuint (v, ==, 1610612736);
  g_assert_false (ffc_parse_size ("1.5", &v)); /* half a byte */
  g_assert_false (ffc_parse_size ("-1G", &v));
  g_assert_false (ffc_parse_size ("1X", &v));
  g_assert_false (ffc_parse_size ("nanG", &v));
}

/* options mapped to element properties say which; the recorder's own do
 * not */
static void
test_roles (void)
{
  g_assert_cmpint (ffc_config_lookup ("rate")->role, ==, FFC_ROLE_SOURCE);
  g_assert_cmpstr (ffc_config_lookup ("rate")->property, ==, "sample-rate");
  g_assert_cmpstr (
      ffc_config_lookup ("wait-for-device")->property, ==, "wait-for-device");
  g_assert_cmpint (ffc_config_lookup ("format")->role, ==, FFC_ROLE_SEGMENTS);
  g_assert_cmpint (ffc_config_lookup ("min-age")->role, ==, FFC_ROLE_SEGMENTS);
  g_assert_cmpint (
      ffc_config_lookup ("pre-trigger")->role, ==, FFC_ROLE_TRIGGER);
  g_assert_cmpint (
      ffc_config_lookup ("duty-cycle")->role, ==, FFC_ROLE_SCHEDULE);
  g_assert_cmpint (ffc_config_lookup ("data-dir")->role, ==, FFC_ROLE_RECORDER);
  g_assert_null (ffc_config_lookup ("no-such-option"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/key-file", test_key_file);
  g_test_add_func (
      "/config/every-option-both-ways", test_every_option_both_ways);
  g_test_add_func ("/config/command-line-wins", test_command_line_wins);
  g_test_add_func ("/config/errors", test_errors);
  g_test_add_func ("/config/command-line-errors", test_command_line_errors);
  g_test_add_func ("/config/units", test_units);
  g_test_add_func ("/config/roles", test_roles);
  return g_test_run ();
}
