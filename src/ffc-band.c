/* gst-ffcapture: the level in a frequency band, window by window
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each channel's window is Hann-windowed and transformed with GStreamer's
 * FFT (libgstfft-1.0); the band's mean square follows from Parseval's
 * theorem over the bins inside the band, normalised by the window's power
 * so that a stationary signal reads the same with or without the window.
 * The whole band (both frequencies 0) needs no FFT: the mean square of the
 * samples.
 */
#include "ffc-band.h"

#include <gst/fft/gstfftf32.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (ffc_band_error, ffc_band_error)

/* Four floats at once (GCC and Clang vector extensions): the per-sample
 * work of every window runs on these. */
typedef gfloat V4 __attribute__ ((vector_size (16)));

static inline V4
load4 (const gfloat *p)
{
  V4 v;

  memcpy (&v, p, sizeof v);
  return v;
}

static inline void
store4 (gfloat *p, V4 v)
{
  memcpy (p, &v, sizeof v);
}

struct _FfcBand {
  FfcBandConfig config;
  gboolean whole;  /* both frequencies 0: RMS */
  guint fill;      /* frames in the current window */
  gfloat *samples; /* channels × window_frames, one channel after another */
  gfloat *scratch; /* window_frames, the windowed channel */
  gfloat *window;  /* window_frames, the FFT library's Hann window */
  GstFFTF32 *fft;
  GstFFTF32Complex *spectrum; /* window_frames / 2 + 1 */
  guint bin_lo, bin_hi;       /* bins inside the band, inclusive */
  gdouble power_norm;         /* 1 / (N · Σ w²) */
  gdouble peak_floor_db;
  gdouble skip_below_db;
  gdouble h2_low; /* |H|² of the second difference at low_hz */
};

guint
ffc_band_window_frames (guint64 window_ns, guint rate)
{
  guint64 frames = (window_ns * (guint64)rate + 500000000) / 1000000000;

  if (window_ns > G_MAXUINT64 / G_MAXUINT32)
    frames = (guint64)((gdouble)window_ns * rate / 1e9 + 0.5);
  frames &= ~(guint64)1;
  return (guint)MIN (frames, (guint64)G_MAXUINT32 - 1);
}

gboolean
ffc_band_freqs_check (gdouble low_hz, gdouble high_hz, GError **error)
{
  if (!isfinite (low_hz) || low_hz < 0) {
    g_set_error (error, FFC_BAND_ERROR, 0,
        "low-freq %g Hz is not a frequency (0 or more)", low_hz);
    return FALSE;
  }
  if (!isfinite (high_hz) || high_hz < 0) {
    g_set_error (error, FFC_BAND_ERROR, 0,
        "high-freq %g Hz is not a frequency (0 or more)", high_hz);
    return FALSE;
  }
  if (!(low_hz == 0 && high_hz == 0)) {
    if (low_hz >= high_hz) {
      g_set_error (error, FFC_BAND_ERROR, 0,
          "low-freq %g Hz is not below high-freq %g Hz (both 0 for the "
          "whole band)",
          low_hz, high_hz);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
ffc_band_config_check (const FfcBandConfig *c, GError **error)
{
  gdouble nyquist = c->rate / 2.0;

  if (c->rate == 0 || c->channels == 0) {
    g_set_error (error, FFC_BAND_ERROR, 0,
        "no audio format: rate %u Hz, %u channels", c->rate, c->channels);
    return FALSE;
  }
  if (!ffc_band_freqs_check (c->low_hz, c->high_hz, error))
    return FALSE;
  if (!(c->low_hz == 0 && c->high_hz == 0)) {
    if (c->high_hz > nyquist) {
      g_set_error (error, FFC_BAND_ERROR, 0,
          "high-freq %g Hz is above the Nyquist frequency %g Hz at %u Hz",
          c->high_hz, nyquist, c->rate);
      return FALSE;
    }
  }
  if (c->window_frames < FFC_BAND_MIN_WINDOW_FRAMES
      || (c->window_frames & 1) != 0) {
    g_set_error (error, FFC_BAND_ERROR, 0,
        "window of %u frames at %u Hz is too short: at least %u frames "
        "(%.3f ms)",
        c->window_frames, c->rate, FFC_BAND_MIN_WINDOW_FRAMES,
        FFC_BAND_MIN_WINDOW_FRAMES * 1000.0 / c->rate);
    return FALSE;
  }
  if (!(c->low_hz == 0 && c->high_hz == 0)) {
    gdouble bin = (gdouble)c->rate / c->window_frames;
    guint lo = (guint)ceil (c->low_hz / bin);
    guint hi = (guint)floor (c->high_hz / bin);

    if (lo > hi) {
      g_set_error (error, FFC_BAND_ERROR, 0,
          "the band %g-%g Hz is narrower than the window's frequency "
          "resolution (%g Hz for a window of %u frames): make window longer",
          c->low_hz, c->high_hz, bin, c->window_frames);
      return FALSE;
    }
  }
  return TRUE;
}

FfcBand *
ffc_band_new (const FfcBandConfig *config, GError **error)
{
  FfcBand *band;
  guint n = config->window_frames, i;

  if (!ffc_band_config_check (config, error))
    return NULL;
  band = g_new0 (FfcBand, 1);
  band->config = *config;
  band->whole = config->low_hz == 0 && config->high_hz == 0;
  band->samples = g_new0 (gfloat, (gsize)n * config->channels);
  band->scratch = g_new0 (gfloat, n);
  band->spectrum = g_new0 (GstFFTF32Complex, n / 2 + 1);
  band->fft = gst_fft_f32_new ((gint)n, FALSE);
  band->peak_floor_db = INFINITY;
  band->skip_below_db = -INFINITY;
  band->window = g_new0 (gfloat, n);
  if (band->whole) {
    band->bin_lo = 0;
    band->bin_hi = n / 2;
  } else {
    gdouble bin = (gdouble)config->rate / n;

    band->bin_lo = (guint)ceil (config->low_hz / bin);
    band->bin_hi = MIN ((guint)floor (config->high_hz / bin), n / 2);
  }
  /* the window the FFT library applies, and its Σ w² */
  for (i = 0; i < n; i++)
    band->window[i] = 1.0f;
  gst_fft_f32_window (band->fft, band->window, GST_FFT_WINDOW_HANN);
  {
    gdouble sum = 0;

    for (i = 0; i < n; i++)
      sum += (gdouble)band->window[i] * band->window[i];
    band->power_norm = 1.0 / (n * sum);
  }
  {
    gdouble h = 4 * pow (sin (G_PI * config->low_hz / config->rate), 2);

    band->h2_low = h * h;
  }
  return band;
}

void
ffc_band_free (FfcBand *band)
{
  if (band == NULL)
    return;
  gst_fft_f32_free (band->fft);
  g_free (band->samples);
  g_free (band->scratch);
  g_free (band->window);
  g_free (band->spectrum);
  g_free (band);
}

void
ffc_band_set_peak_floor (FfcBand *band, gdouble floor_db)
{
  band->peak_floor_db = floor_db;
}

void
ffc_band_set_skip_below (FfcBand *band, gdouble floor_db)
{
  band->skip_below_db = floor_db;
}

void
ffc_band_reset (FfcBand *band)
{
  band->fill = 0;
}

static gdouble
to_db (gdouble mean_square)
{
  gdouble db = 10.0 * log10 (2.0 * mean_square);

  return (isfinite (db) && db > FFC_BAND_FLOOR_DB) ? db : FFC_BAND_FLOOR_DB;
}

static inline gdouble
bin_power (const GstFFTF32Complex *c)
{
  return (gdouble)c->r * c->r + (gdouble)c->i * c->i;
}

/* One channel's windowed samples into band->scratch. */
static void
apply_window (FfcBand *band, const gfloat *x)
{
  guint n = band->config.window_frames, i;
  gfloat *v = band->scratch;
  const gfloat *w = band->window;

  for (i = 0; i + 4 <= n; i += 4)
    store4 (v + i, load4 (x + i) * load4 (w + i));
  for (; i < n; i++)
    v[i] = x[i] * w[i];
}

/* The spectrum of band->scratch (windowed) into band->spectrum. */
static void
transform (FfcBand *band)
{
  gst_fft_f32_fft (band->fft, band->scratch, band->spectrum);
}

/* An upper bound of the band's mean square from the windowed samples in
 * band->scratch (v), without an FFT. By Parseval, the band's share of
 * Σ|X|² is at most N·Σv²; and the circular second difference y of v has
 * the spectrum X·(1 - e^-jω)², whose gain 4·sin²(πf/rate) grows with f up
 * to Nyquist: in the band |X|² <= |Y|² / gain(low)², so the band's share
 * is also at most N·Σy² / gain(low)². A hum far below the band thus
 * bounds low without a transform. */
static gdouble
mean_square_bound (FfcBand *band)
{
  guint n = band->config.window_frames, i, j;
  const gfloat *v = band->scratch;
  V4 s0 = { 0 }, s2 = { 0 };
  gfloat y;
  gdouble sum0 = 0, sum2 = 0, bound;

  for (i = 2; i + 4 <= n; i += 4) {
    V4 a = load4 (v + i), d = a - 2 * load4 (v + i - 1) + load4 (v + i - 2);

    s0 += a * a;
    s2 += d * d;
  }
  for (; i < n; i++) {
    y = v[i] - 2 * v[i - 1] + v[i - 2];
    sum0 += v[i] * v[i];
    sum2 += y * y;
  }
  for (j = 0; j < 4; j++) {
    sum0 += s0[j];
    sum2 += s2[j];
  }
  /* the first two samples, and the second difference around the wrap */
  sum0 += v[0] * v[0] + v[1] * v[1];
  y = v[0] - 2 * v[n - 1] + v[n - 2];
  sum2 += y * y;
  y = v[1] - 2 * v[0] + v[n - 1];
  sum2 += y * y;
  bound = sum0;
  if (band->h2_low > 0)
    bound = MIN (bound, sum2 / band->h2_low);
  /* N·Σ / (N·Σw²), with room for the rounding of float sums */
  return bound * band->power_norm * n * 1.001;
}

/* The band's mean square from band->spectrum: the bins of a real signal's
 * spectrum stand for two (k and N - k) but DC and Nyquist. */
static gdouble
band_mean_square (FfcBand *band)
{
  guint n = band->config.window_frames, k;
  gdouble sum = 0;

  for (k = band->bin_lo; k <= band->bin_hi; k++) {
    gdouble p = bin_power (&band->spectrum[k]);

    sum += (k == 0 || k == n / 2) ? p : 2.0 * p;
  }
  return sum * band->power_norm;
}

/* The strongest bin of the band in band->spectrum, refined by a parabola
 * through the log powers of it and its neighbours. */
static gdouble
peak_frequency (FfcBand *band)
{
  guint n = band->config.window_frames, k, best = band->bin_lo;
  gdouble best_p = -1, offset = 0;

  for (k = band->bin_lo; k <= band->bin_hi; k++) {
    gdouble p = bin_power (&band->spectrum[k]);

    if (p > best_p) {
      best_p = p;
      best = k;
    }
  }
  if (best > 0 && best < n / 2 && best_p > 0) {
    gdouble a = log (bin_power (&band->spectrum[best - 1]) + 1e-30);
    gdouble b = log (best_p);
    gdouble c = log (bin_power (&band->spectrum[best + 1]) + 1e-30);
    gdouble d = a - 2 * b + c;

    if (d < 0)
      offset = CLAMP (0.5 * (a - c) / d, -0.5, 0.5);
  }
  return (best + offset) * band->config.rate / n;
}

static void
measure (FfcBand *band, FfcBandLevel *level)
{
  guint n = band->config.window_frames, ch, i, loudest = 0;
  gboolean exact = TRUE, loudest_exact = TRUE;
  gdouble best = -1;

  for (ch = 0; ch < band->config.channels; ch++) {
    const gfloat *x = band->samples + (gsize)ch * n;
    gdouble ms = 0;

    if (band->whole) {
      for (i = 0; i < n; i++)
        ms += (gdouble)x[i] * x[i];
      ms /= n;
    } else {
      apply_window (band, x);
      ms = isfinite (band->skip_below_db) ? mean_square_bound (band) : INFINITY;
      exact = to_db (ms) > band->skip_below_db;
      if (exact) {
        transform (band);
        ms = band_mean_square (band);
      }
    }
    if (ms > best) {
      best = ms;
      loudest = ch;
      loudest_exact = exact;
    }
  }
  level->level_db = to_db (best);
  level->channel = loudest;
  level->exact = loudest_exact;
  level->peak_hz = NAN;
  if (!band->whole) {
    if (!loudest_exact)
      return;
    if (band->config.channels > 1) {
      apply_window (band, band->samples + (gsize)loudest * n);
      transform (band);
    }
    level->peak_hz = peak_frequency (band);
  } else if (level->level_db >= band->peak_floor_db) {
    apply_window (band, band->samples + (gsize)loudest * n);
    transform (band);
    level->peak_hz = peak_frequency (band);
  }
}

gsize
ffc_band_feed (FfcBand *band, const guint8 *data, gsize frames,
    gboolean *window_done, FfcBandLevel *level)
{
  guint n = band->config.window_frames, channels = band->config.channels;
  gsize take = MIN (frames, (gsize)(n - band->fill)), f;
  guint ch;

  switch (band->config.format) {
    case FFC_BAND_S16: {
      const gint16 *s = (const gint16 *)data;
      gfloat *out = band->samples + band->fill;

      if (channels == 1) {
        for (f = 0; f + 4 <= take; f += 4) {
          V4 x = { GINT16_FROM_LE (s[f]), GINT16_FROM_LE (s[f + 1]),
            GINT16_FROM_LE (s[f + 2]), GINT16_FROM_LE (s[f + 3]) };

          store4 (out + f, x * (1.0f / 32768.0f));
        }
        for (; f < take; f++)
          out[f] = GINT16_FROM_LE (s[f]) * (1.0f / 32768.0f);
        break;
      }
      for (f = 0; f < take; f++)
        for (ch = 0; ch < channels; ch++)
          band->samples[(gsize)ch * n + band->fill + f] =
              GINT16_FROM_LE (s[f * channels + ch]) * (1.0f / 32768.0f);
      break;
    }
    case FFC_BAND_S32: {
      const gint32 *s = (const gint32 *)data;

      for (f = 0; f < take; f++)
        for (ch = 0; ch < channels; ch++)
          band->samples[(gsize)ch * n + band->fill + f] =
              (gfloat)(GINT32_FROM_LE (s[f * channels + ch])
                       * (1.0 / 2147483648.0));
      break;
    }
    case FFC_BAND_F32: {
      const gfloat *s = (const gfloat *)data;

      for (f = 0; f < take; f++)
        for (ch = 0; ch < channels; ch++)
          band->samples[(gsize)ch * n + band->fill + f] = s[f * channels + ch];
      break;
    }
  }
  band->fill += take;
  *window_done = band->fill == n;
  if (*window_done) {
    measure (band, level);
    band->fill = 0;
  }
  return take;
}
