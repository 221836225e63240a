/* Unit tests: what ffmpegsrc takes of the input's own format (ffc-probe):
 * ffmpeg's sample formats, and the choice among downstream's offers. */
#include "ffc-probe.h"

static void
test_sample_format (void)
{
  g_assert_cmpint (ffc_probe_sample_format ("s16"), ==, FFC_SAMPLE_S16LE);
  g_assert_cmpint (ffc_probe_sample_format ("s16p"), ==, FFC_SAMPLE_S16LE);
  /* 24-bit devices give "s32 (24 bit)": the name is "s32" */
  g_assert_cmpint (ffc_probe_sample_format ("s32"), ==, FFC_SAMPLE_S32LE);
  g_assert_cmpint (ffc_probe_sample_format ("s32p"), ==, FFC_SAMPLE_S32LE);
  g_assert_cmpint (ffc_probe_sample_format ("flt"), ==, FFC_SAMPLE_F32LE);
  g_assert_cmpint (ffc_probe_sample_format ("fltp"), ==, FFC_SAMPLE_F32LE);
  /* lavfi's aevalsrc and anoisesrc give doubles */
  g_assert_cmpint (ffc_probe_sample_format ("dbl"), ==, FFC_SAMPLE_F32LE);
  g_assert_cmpint (ffc_probe_sample_format ("dblp"), ==, FFC_SAMPLE_F32LE);
  /* anything else: S16LE */
  g_assert_cmpint (ffc_probe_sample_format ("u8"), ==, FFC_SAMPLE_S16LE);
  g_assert_cmpint (ffc_probe_sample_format ("s64"), ==, FFC_SAMPLE_S16LE);
  g_assert_cmpint (ffc_probe_sample_format (""), ==, FFC_SAMPLE_S16LE);
  g_assert_cmpint (ffc_probe_sample_format (NULL), ==, FFC_SAMPLE_S16LE);
}

static void
test_prefer (void)
{
  /* a tee: a resampling branch first (48 kHz only), a raw branch second
   * (any rate): the raw branch's offer keeps the input's rate */
  FfcAccepts tee[] = { { FALSE, TRUE, TRUE }, { TRUE, TRUE, TRUE } };
  FfcAccepts none[] = { { FALSE, FALSE, FALSE }, { FALSE, FALSE, FALSE } };
  FfcAccepts partial[] = { { FALSE, TRUE, TRUE }, { TRUE, FALSE, FALSE },
    { TRUE, TRUE, FALSE } };
  FfcAccepts both[] = { { TRUE, TRUE, TRUE }, { TRUE, TRUE, TRUE } };

  g_assert_cmpuint (ffc_probe_prefer (tee, 2), ==, 1);
  /* nothing accepts the input: downstream's first */
  g_assert_cmpuint (ffc_probe_prefer (none, 2), ==, 0);
  /* the rate weighs most, then the format */
  g_assert_cmpuint (ffc_probe_prefer (partial, 3), ==, 2);
  g_assert_cmpuint (ffc_probe_prefer (partial, 2), ==, 1);
  /* ties: downstream's order */
  g_assert_cmpuint (ffc_probe_prefer (both, 2), ==, 0);
  g_assert_cmpuint (ffc_probe_prefer (tee, 1), ==, 0);
  g_assert_cmpuint (ffc_probe_prefer (tee, 0), ==, 0);
}

static void
test_own_values (void)
{
  FfcInputAudio probed = { 384000, 2, FFC_SAMPLE_S32LE }, none = { 0 }, own;

  /* what the input delivers */
  own = ffc_probe_own (&probed, 0, 0);
  g_assert_cmpuint (own.rate, ==, 384000);
  g_assert_cmpuint (own.channels, ==, 2);
  g_assert_cmpint (own.format, ==, FFC_SAMPLE_S32LE);
  /* the properties say otherwise: they win, the format stays */
  own = ffc_probe_own (&probed, 192000, 1);
  g_assert_cmpuint (own.rate, ==, 192000);
  g_assert_cmpuint (own.channels, ==, 1);
  g_assert_cmpint (own.format, ==, FFC_SAMPLE_S32LE);
  /* a layout ffmpeg did not name: 1 channel */
  probed.channels = 0;
  g_assert_cmpuint (ffc_probe_own (&probed, 0, 0).channels, ==, 1);
  /* no probe: 48 kHz mono S16LE, or the properties */
  own = ffc_probe_own (&none, 0, 0);
  g_assert_cmpuint (own.rate, ==, 48000);
  g_assert_cmpuint (own.channels, ==, 1);
  g_assert_cmpint (own.format, ==, FFC_SAMPLE_S16LE);
  g_assert_cmpuint (ffc_probe_own (&none, 22050, 2).rate, ==, 22050);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/probe/sample-format", test_sample_format);
  g_test_add_func ("/probe/prefer", test_prefer);
  g_test_add_func ("/probe/own-values", test_own_values);
  return g_test_run ();
}
