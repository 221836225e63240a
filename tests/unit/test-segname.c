/* Unit tests: segment names from templates. */
#include "ffc-segname.h"

/* 2026-11-24T03:20:32.123456Z */
#define T0 (G_GINT64_CONSTANT (1795490432) * G_USEC_PER_SEC + 123456)

static void
test_default_template (void)
{
  gchar *name =
      ffc_segname_expand (FFC_SEGNAME_DEFAULT, T0, 42, 60, "0a1b2c3d", NULL);

  /* what recorder indexers expect:
   * YYYY-MM-DDTHH-MM-SSZ_{duration}s_{run_id}_{seq:08d}.wav */
  g_assert_cmpstr (name, ==, "2026-11-24T03-20-32Z_60s_0a1b2c3d_00000042.wav");
  g_free (name);
}

static void
test_placeholders (void)
{
  gchar *name = ffc_segname_expand ("rec-%Y%m%d-%H%M%S-{seq}-{run}-{duration}"
                                    "-%%.wav",
      T0, 7, 1, "ffffffff", NULL);

  g_assert_cmpstr (name, ==, "rec-20261124-032032-00000007-ffffffff-1-%.wav");
  g_free (name);
}

static void
test_refused_templates (void)
{
  static const gchar *bad[] = {
    "",
    "../%Y-{seq}.wav",
    "sub/{seq}.wav",
    "/abs/{seq}.wav",
    "..{seq}.wav",
    "constant.wav",
    "%Y-%m-%d.wav",
    ".hidden-{seq}.wav",
    "{seq}_%n.wav",
    "{seq}_%t.wav",
    "{seq}\x1b[31m.wav",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *error = NULL;
    g_assert_false (ffc_segname_validate (bad[i], &error));
    g_assert_nonnull (error);
    g_test_message ("\"%s\": %s", bad[i], error->message);
    g_clear_error (&error);
  }
  g_assert_true (ffc_segname_validate (FFC_SEGNAME_DEFAULT, NULL));
  g_assert_true (ffc_segname_validate ("{seq}.wav", NULL));
  g_assert_true (ffc_segname_validate ("%Y%m%d_%H%M%S.wav", NULL));
}

static void
test_iso8601 (void)
{
  gchar *text = ffc_segname_iso8601 (T0);
  g_assert_cmpstr (text, ==, "2026-11-24T03:20:32.123456Z");
  g_free (text);
  text = ffc_segname_iso8601 (-1);
  g_assert_cmpstr (text, ==, "1969-12-31T23:59:59.999999Z");
  g_free (text);
}

static void
collect (const FfcSegnameToken *token, gpointer data)
{
  GString *out = data;

  switch (token->type) {
    case FFC_SEGNAME_TOKEN_LITERAL:
      g_string_append_printf (out, "[%.*s]", (int)token->len, token->text);
      break;
    case FFC_SEGNAME_TOKEN_SEQ:
      g_string_append (out, "SEQ");
      break;
    case FFC_SEGNAME_TOKEN_DURATION:
      g_string_append (out, "DUR");
      break;
    case FFC_SEGNAME_TOKEN_RUN:
      g_string_append (out, "RUN");
      break;
    case FFC_SEGNAME_TOKEN_CONVERSION:
      g_string_append_printf (
          out, "%%%c", token->conversion ? token->conversion : '$');
      break;
  }
}

static gchar *
tokens (const gchar *template)
{
  GString *out = g_string_new (NULL);

  ffc_segname_tokenize (template, collect, out);
  return g_string_free (out, FALSE);
}

/* One grammar for names, their validation and retention's pattern */
static void
test_tokenize (void)
{
  const struct {
    const gchar *template, *tokens;
  } cases[] = {
    { FFC_SEGNAME_DEFAULT,
        "%Y[-]%m[-]%d[T]%H[-]%M[-]%S[Z_]DUR[s_]RUN[_]SEQ[.wav]" },
    { "a%%b{seq}", "[a]%%[b]SEQ" },
    { "{se{seq}}", "[{se]SEQ[}]" },
    { "x%", "[x]%$" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *got = tokens (cases[i].template);

    g_assert_cmpstr (got, ==, cases[i].tokens);
    g_free (got);
  }
}

static void
test_twins (void)
{
  gchar **t =
      ffc_segname_twins ("2026-12-01T11-00-00Z_60s_c37483ce_00000001.flac");

  g_assert_cmpuint (g_strv_length (t), ==, 2);
  g_assert_cmpstr (t[0], ==, "2026-12-01T11-00-00Z_60s_c37483ce_00000001.flac");
  g_assert_cmpstr (t[1], ==, "2026-12-01T11-00-00Z_60s_c37483ce_00000001.wav");
  g_strfreev (t);
  t = ffc_segname_twins ("a.wav");
  g_assert_cmpuint (g_strv_length (t), ==, 2);
  g_assert_cmpstr (t[1], ==, "a.flac");
  g_strfreev (t);
  /* no segment extension: no twin */
  t = ffc_segname_twins ("notes.txt");
  g_assert_cmpuint (g_strv_length (t), ==, 1);
  g_strfreev (t);
  t = ffc_segname_twins (".wav.bak");
  g_assert_cmpuint (g_strv_length (t), ==, 1);
  g_strfreev (t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/segname/default", test_default_template);
  g_test_add_func ("/segname/placeholders", test_placeholders);
  g_test_add_func ("/segname/refused", test_refused_templates);
  g_test_add_func ("/segname/iso8601", test_iso8601);
  g_test_add_func ("/segname/tokenize", test_tokenize);
  g_test_add_func ("/segname/twins", test_twins);
  return g_test_run ();
}
