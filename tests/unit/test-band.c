/* Unit tests: the level in a frequency band, per window (GStreamer's FFT),
 * without a pipeline. */
#include <math.h>
#include <string.h>

#include "ffc-band.h"

/* `frames` frames of `channels` channels, in `format`: on channel `ch`
 * (all when -1) the sum of tones (amplitude, Hz), silence elsewhere. */
static guint8 *
make_signal (FfcBandFormat format, guint rate, guint channels, gint ch,
    gsize frames, const gdouble *tones, guint n_tones, gsize *bytes)
{
  gsize bps = format == FFC_BAND_S16 ? 2 : 4, f;
  guint8 *data = g_malloc0 (frames * channels * bps);

  for (f = 0; f < frames; f++) {
    gdouble v = 0;

    for (guint i = 0; i < n_tones; i++)
      v += tones[2 * i] * sin (2 * G_PI * tones[2 * i + 1] * f / rate + 0.3);
    for (guint c = 0; c < channels; c++) {
      gsize at = f * channels + c;
      gdouble x = (ch < 0 || (guint)ch == c) ? v : 0;

      switch (format) {
        case FFC_BAND_S16:
          ((gint16 *)data)[at] =
              GINT16_TO_LE ((gint16)CLAMP (lrint (x * 32768), -32768, 32767));
          break;
        case FFC_BAND_S32:
          ((gint32 *)data)[at] = GINT32_TO_LE ((gint32)CLAMP (
              llrint (x * 2147483648.0), G_MININT32, G_MAXINT32));
          break;
        case FFC_BAND_F32:
          ((gfloat *)data)[at] = (gfloat)x;
          break;
      }
    }
  }
  *bytes = frames * channels * bps;
  return data;
}

/* The levels of the windows of the signal, fed in chunks of `chunk` frames */
static GArray *
levels (const FfcBandConfig *c, const guint8 *data, gsize frames, gsize chunk)
{
  GError *error = NULL;
  FfcBand *band = ffc_band_new (c, &error);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (FfcBandLevel));
  gsize bpf = (c->format == FFC_BAND_S16 ? 2 : 4) * c->channels, pos = 0;

  g_assert_no_error (error);
  g_assert_nonnull (band);
  while (pos < frames) {
    gsize n = MIN (chunk, frames - pos), done = 0;

    while (done < n) {
      FfcBandLevel level;
      gboolean window_done;

      done += ffc_band_feed (
          band, data + (pos + done) * bpf, n - done, &window_done, &level);
      if (window_done)
        g_array_append_val (out, level);
    }
    pos += n;
  }
  ffc_band_free (band);
  return out;
}

static void
test_window_frames (void)
{
  g_assert_cmpuint (ffc_band_window_frames (10000000, 384000), ==, 3840);
  g_assert_cmpuint (ffc_band_window_frames (10000000, 192000), ==, 1920);
  /* 441 frames at 44.1 kHz: even for the real FFT */
  g_assert_cmpuint (ffc_band_window_frames (10000000, 44100), ==, 440);
  g_assert_cmpuint (ffc_band_window_frames (0, 48000), ==, 0);
}

static void
test_tone_in_band_level (void)
{
  const FfcBandFormat formats[] = { FFC_BAND_S16, FFC_BAND_S32, FFC_BAND_F32 };

  for (guint fi = 0; fi < G_N_ELEMENTS (formats); fi++) {
    const gdouble amplitudes[] = { 1.0, 0.5, 0.1, 0.01, 0.001 };

    for (guint ai = 0; ai < G_N_ELEMENTS (amplitudes); ai++) {
      /* a 40 kHz tone of that amplitude, band 15-90 kHz at 192 kHz */
      FfcBandConfig c = { formats[fi], 192000, 1, 1920, 15000, 90000 };
      gdouble tone[] = { amplitudes[ai] * (ai == 0 ? 0.999 : 1.0), 40000 };
      gdouble expect = 20 * log10 (tone[0]);
      gsize bytes;
      guint8 *data =
          make_signal (formats[fi], 192000, 1, -1, 19200, tone, 1, &bytes);
      GArray *l = levels (&c, data, 19200, 1000);

      g_assert_cmpuint (l->len, ==, 10);
      for (guint i = 0; i < l->len; i++) {
        FfcBandLevel *lv = &g_array_index (l, FfcBandLevel, i);

        if (fabs (lv->level_db - expect) > 0.5)
          g_error ("format %u amplitude %g: %.2f dBFS, expected %.2f", fi,
              tone[0], lv->level_db, expect);
        /* 100 Hz bins, interpolated */
        g_assert_cmpfloat_with_epsilon (lv->peak_hz, 40000, 10);
      }
      g_array_unref (l);
      g_free (data);
    }
  }
}

static void
test_tone_out_of_band (void)
{
  /* a loud 100 Hz hum and a 1 kHz tone, band 15-90 kHz: far below */
  FfcBandConfig c = { FFC_BAND_S16, 192000, 1, 1920, 15000, 90000 };
  gdouble tones[] = { 0.5, 100, 0.3, 1000 };
  gsize bytes;
  guint8 *data =
      make_signal (FFC_BAND_S16, 192000, 1, -1, 19200, tones, 2, &bytes);
  GArray *l = levels (&c, data, 19200, 4096);

  g_assert_cmpuint (l->len, ==, 10);
  for (guint i = 0; i < l->len; i++)
    g_assert_cmpfloat (g_array_index (l, FfcBandLevel, i).level_db, <, -70);
  g_array_unref (l);
  g_free (data);
}

static void
test_in_band_beside_out_of_band (void)
{
  /* -20 dBFS at 50 kHz beside a -6 dBFS hum: the band reads -20 */
  FfcBandConfig c = { FFC_BAND_F32, 384000, 1, 3840, 15000, 120000 };
  gdouble tones[] = { 0.1, 50000, 0.5, 100 };
  gsize bytes;
  guint8 *data =
      make_signal (FFC_BAND_F32, 384000, 1, -1, 38400, tones, 2, &bytes);
  GArray *l = levels (&c, data, 38400, 38400);

  g_assert_cmpuint (l->len, ==, 10);
  for (guint i = 0; i < l->len; i++) {
    FfcBandLevel *lv = &g_array_index (l, FfcBandLevel, i);

    g_assert_cmpfloat_with_epsilon (lv->level_db, -20.0, 0.5);
    g_assert_cmpfloat_with_epsilon (lv->peak_hz, 50000, 10);
  }
  g_array_unref (l);
  g_free (data);
}

static void
test_whole_band_rms (void)
{
  /* both frequencies 0: RMS of everything, a sine of 0.5 is -6.02 dBFS */
  FfcBandConfig c = { FFC_BAND_S16, 48000, 1, 480, 0, 0 };
  gdouble tones[] = { 0.5, 997 };
  gsize bytes;
  guint8 *data =
      make_signal (FFC_BAND_S16, 48000, 1, -1, 4800, tones, 1, &bytes);
  GError *error = NULL;
  FfcBand *band = ffc_band_new (&c, &error);
  FfcBandLevel lv;
  gboolean done = FALSE;
  gsize taken;

  g_assert_no_error (error);
  /* without a peak floor no FFT, no frequency */
  taken = ffc_band_feed (band, data, 4800, &done, &lv);
  g_assert_cmpuint (taken, ==, 480);
  g_assert_true (done);
  g_assert_cmpfloat_with_epsilon (lv.level_db, 20 * log10 (0.5), 0.5);
  g_assert_true (isnan (lv.peak_hz));
  /* with one, the frequency of the loud windows */
  ffc_band_set_peak_floor (band, -40);
  taken = ffc_band_feed (band, data + 480 * 2, 4800 - 480, &done, &lv);
  g_assert_cmpuint (taken, ==, 480);
  g_assert_true (done);
  g_assert_cmpfloat_with_epsilon (lv.peak_hz, 997, 10);
  ffc_band_free (band);
  g_free (data);
}

static void
test_silence_floor (void)
{
  FfcBandConfig c = { FFC_BAND_S32, 48000, 2, 480, 1000, 20000 };
  guint8 *data = g_malloc0 (480 * 8);
  GArray *l = levels (&c, data, 480, 480);

  g_assert_cmpuint (l->len, ==, 1);
  g_assert_cmpfloat (
      g_array_index (l, FfcBandLevel, 0).level_db, ==, FFC_BAND_FLOOR_DB);
  g_array_unref (l);
  g_free (data);
}

static void
test_multichannel_any_channel (void)
{
  /* a -12 dBFS 30 kHz tone on channel 2 of 3 only, S32 */
  FfcBandConfig c = { FFC_BAND_S32, 192000, 3, 1920, 20000, 60000 };
  gdouble tone[] = { 0.25, 30000 };
  gsize bytes;
  guint8 *data =
      make_signal (FFC_BAND_S32, 192000, 3, 2, 9600, tone, 1, &bytes);
  GArray *l = levels (&c, data, 9600, 333);

  g_assert_cmpuint (l->len, ==, 5);
  for (guint i = 0; i < l->len; i++) {
    FfcBandLevel *lv = &g_array_index (l, FfcBandLevel, i);

    g_assert_cmpuint (lv->channel, ==, 2);
    g_assert_cmpfloat_with_epsilon (lv->level_db, 20 * log10 (0.25), 0.5);
    g_assert_cmpfloat_with_epsilon (lv->peak_hz, 30000, 10);
  }
  g_array_unref (l);
  g_free (data);
}

static void
test_windows_at_exact_frames (void)
{
  /* a burst in the third window only: the windows are aligned to frame 0
   * whatever the chunks */
  FfcBandConfig c = { FFC_BAND_F32, 48000, 1, 480, 5000, 20000 };
  gfloat *data = g_new0 (gfloat, 4800);
  GArray *l;

  for (guint f = 960; f < 1440; f++)
    data[f] = 0.5f * (gfloat)sin (2 * G_PI * 10000.0 * f / 48000);
  l = levels (&c, (guint8 *)data, 4800, 77);
  g_assert_cmpuint (l->len, ==, 10);
  for (guint i = 0; i < l->len; i++) {
    gdouble db = g_array_index (l, FfcBandLevel, i).level_db;

    if (i == 2)
      g_assert_cmpfloat_with_epsilon (db, 20 * log10 (0.5), 0.5);
    else
      g_assert_cmpfloat (db, <, -100);
  }
  g_array_unref (l);
  g_free (data);
}

/* Skipping the FFT of windows that cannot reach the floor never changes
 * a decision: a skipped window's level is an upper bound of its real
 * level, and at most the floor. */
static void
test_skip_below_decides_alike (void)
{
  GRand *rand = g_rand_new_with_seed (42);
  guint skipped = 0, transformed = 0;

  for (guint round = 0; round < 60; round++) {
    const gdouble bands[][2] = { { 15000, 120000 }, { 20000, 90000 },
      { 0, 5000 }, { 1000, 3000 }, { 40000, 41000 } };
    guint b = g_rand_int_range (rand, 0, G_N_ELEMENTS (bands));
    guint channels = g_rand_int_range (rand, 1, 3);
    FfcBandConfig c = { FFC_BAND_F32, 384000, channels, 3840, bands[b][0],
      bands[b][1] };
    gdouble floor_db = g_rand_double_range (rand, -70, -10);
    gsize frames = 3840 * 4, f;
    gfloat *data = g_new0 (gfloat, frames * channels);
    FfcBand *exact = ffc_band_new (&c, NULL), *fast = ffc_band_new (&c, NULL);
    gsize pos = 0;

    /* tones anywhere in the spectrum and some noise, at random levels */
    for (guint t = 0; t < 3; t++) {
      gdouble hz = g_rand_double_range (rand, 20, 190000);
      gdouble amp = pow (10, g_rand_double_range (rand, -4, -0.5));
      guint ch = g_rand_int_range (rand, 0, channels);

      for (f = 0; f < frames; f++)
        data[f * channels + ch] += amp * sin (2 * G_PI * hz * f / 384000);
    }
    {
      gdouble noise = pow (10, g_rand_double_range (rand, -6, -2));

      for (f = 0; f < frames * channels; f++)
        data[f] += noise * g_rand_double_range (rand, -1, 1);
    }
    ffc_band_set_skip_below (fast, floor_db);
    while (pos < frames) {
      FfcBandLevel a, z;
      gboolean da, dz;
      gsize na = ffc_band_feed (
          exact, (guint8 *)(data + pos * channels), frames - pos, &da, &a);
      gsize nz = ffc_band_feed (
          fast, (guint8 *)(data + pos * channels), frames - pos, &dz, &z);

      g_assert_cmpuint (na, ==, nz);
      g_assert_true (da && dz);
      g_assert_true (a.exact);
      if (z.exact) {
        transformed++;
        g_assert_cmpfloat_with_epsilon (z.level_db, a.level_db, 1e-9);
      } else {
        skipped++;
        g_assert_cmpfloat (z.level_db, <=, floor_db);
        g_assert_cmpfloat (z.level_db, >=, a.level_db - 1e-6);
        g_assert_true (isnan (z.peak_hz));
      }
      /* the same decision */
      g_assert_cmpint (z.level_db > floor_db, ==, a.level_db > floor_db);
      pos += na;
    }
    ffc_band_free (exact);
    ffc_band_free (fast);
    g_free (data);
  }
  /* both ways were taken */
  g_assert_cmpuint (skipped, >, 20);
  g_assert_cmpuint (transformed, >, 20);
  g_rand_free (rand);
}

static void
test_skip_below_skips_a_hum (void)
{
  /* a -18 dBFS hum at 1 kHz beside a 15-120 kHz band at -40: no FFT */
  FfcBandConfig c = { FFC_BAND_S16, 384000, 1, 3840, 15000, 120000 };
  gdouble tone[] = { 0.125, 1000 };
  gsize bytes;
  guint8 *data =
      make_signal (FFC_BAND_S16, 384000, 1, -1, 3840, tone, 1, &bytes);
  FfcBand *band = ffc_band_new (&c, NULL);
  FfcBandLevel lv;
  gboolean done;

  ffc_band_set_skip_below (band, -40);
  g_assert_cmpuint (ffc_band_feed (band, data, 3840, &done, &lv), ==, 3840);
  g_assert_true (done);
  g_assert_false (lv.exact);
  g_assert_cmpfloat (lv.level_db, <=, -40);
  ffc_band_free (band);
  g_free (data);
}

static void
expect_error (const FfcBandConfig *c, const gchar *text)
{
  GError *error = NULL;

  g_assert_false (ffc_band_config_check (c, &error));
  g_assert_nonnull (error);
  if (strstr (error->message, text) == NULL)
    g_error ("\"%s\" does not say \"%s\"", error->message, text);
  g_clear_error (&error);
  g_assert_null (ffc_band_new (c, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
}

static void
test_bad_settings (void)
{
  FfcBandConfig c = { FFC_BAND_S16, 192000, 1, 1920, 15000, 120000 };

  /* a band above Nyquist at the negotiated rate */
  expect_error (
      &c, "high-freq 120000 Hz is above the Nyquist frequency 96000 Hz");
  c.rate = 384000;
  c.window_frames = 3840;
  g_assert_true (ffc_band_config_check (&c, NULL));
  c.low_hz = 120000;
  expect_error (&c, "low-freq 120000 Hz is not below high-freq 120000 Hz");
  c.low_hz = -5;
  expect_error (&c, "low-freq -5 Hz");
  c.low_hz = 0;
  c.high_hz = 0;
  g_assert_true (ffc_band_config_check (&c, NULL));
  c.window_frames = 8;
  expect_error (&c, "window of 8 frames at 384000 Hz is too short");
  /* narrower than a bin (100 Hz) */
  c.window_frames = 3840;
  c.low_hz = 40010;
  c.high_hz = 40050;
  expect_error (&c, "narrower than the window's frequency resolution");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/band/window-frames", test_window_frames);
  g_test_add_func ("/band/tone-in-band", test_tone_in_band_level);
  g_test_add_func ("/band/tone-out-of-band", test_tone_out_of_band);
  g_test_add_func ("/band/in-beside-out", test_in_band_beside_out_of_band);
  g_test_add_func ("/band/whole-band-rms", test_whole_band_rms);
  g_test_add_func ("/band/silence", test_silence_floor);
  g_test_add_func ("/band/multichannel", test_multichannel_any_channel);
  g_test_add_func ("/band/exact-windows", test_windows_at_exact_frames);
  g_test_add_func (
      "/band/skip-below-decides-alike", test_skip_below_decides_alike);
  g_test_add_func ("/band/skip-below-skips-a-hum", test_skip_below_skips_a_hum);
  g_test_add_func ("/band/bad-settings", test_bad_settings);
  return g_test_run ();
}
