/* gst-ffcapture: the level in a frequency band, window by window
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_BAND_H__
#define __FFC_BAND_H__

#include <glib.h>

G_BEGIN_DECLS

#define FFC_BAND_ERROR (ffc_band_error_quark ())
GQuark ffc_band_error_quark (void);

/* The shortest analysis window, in frames. */
#define FFC_BAND_MIN_WINDOW_FRAMES 16
/* The level of digital silence (dBFS): a floor, not -inf. */
#define FFC_BAND_FLOOR_DB (-200.0)

typedef enum {
  FFC_BAND_S16, /* S16LE */
  FFC_BAND_S32, /* S32LE */
  FFC_BAND_F32, /* F32LE */
} FfcBandFormat;

typedef struct {
  FfcBandFormat format;
  guint rate;     /* Hz */
  guint channels; /* interleaved */
  guint
      window_frames; /* frames per window; even, FFC_BAND_MIN_WINDOW_FRAMES.. */
  /* the band, Hz: both 0 = the whole band, measured as RMS without an FFT;
   * otherwise 0 <= low_hz < high_hz <= rate / 2 */
  gdouble low_hz, high_hz;
} FfcBandConfig;

typedef struct {
  /* The band's level on the loudest channel, dBFS with a full-scale sine
   * at 0 dBFS (RMS relative to the RMS of a full-scale sine, as AES17):
   * 10·log10 (2·mean square). FFC_BAND_FLOOR_DB for silence. */
  gdouble level_db;
  /* The frequency (Hz) of the strongest spectral line inside the band on
   * that channel, interpolated between FFT bins; NAN when not computed
   * (whole band, window below the peak floor). */
  gdouble peak_hz;
  guint channel;  /* the loudest channel */
  gboolean exact; /* FALSE: level_db is an upper bound, at most the floor
                   * of ffc_band_set_skip_below () */
} FfcBandLevel;

typedef struct _FfcBand FfcBand;

/* The frames of a window of `window_ns` at `rate`: rounded to the nearest
 * frame, then down to an even count (the real FFT needs one). */
guint ffc_band_window_frames (guint64 window_ns, guint rate);

/* FALSE with an error naming the setting (low-freq, high-freq) and its
 * value when the band is not one whatever the rate: 0 <= low < high, or
 * both 0. */
gboolean ffc_band_freqs_check (gdouble low_hz, gdouble high_hz, GError **error);

/* FALSE with an error naming the setting (low-freq, high-freq, window)
 * and its value when the configuration cannot be measured. */
gboolean ffc_band_config_check (const FfcBandConfig *config, GError **error);

/* NULL with the error of ffc_band_config_check () when it fails. */
FfcBand *ffc_band_new (const FfcBandConfig *config, GError **error);
void ffc_band_free (FfcBand *band);

/* Whole-band mode only: the frequency of the peak is looked for (with an
 * FFT) in windows at or above `floor_db`; default: never. */
void ffc_band_set_peak_floor (FfcBand *band, gdouble floor_db);

/* Band mode only: windows whose level is shown, without an FFT, to be
 * at most `floor_db` are not transformed; their level is that upper bound
 * (exact FALSE) and their peak frequency NAN. A trigger at a threshold of
 * `floor_db` decides alike, at a fraction of the cost. Default: never. */
void ffc_band_set_skip_below (FfcBand *band, gdouble floor_db);

/* Feeds up to `frames` interleaved frames of `data`. Returns how many it
 * took: all of them, or fewer when a window completed with the last one
 * taken; then *window_done is TRUE and *level holds that window's level.
 * Call again with the rest. */
gsize ffc_band_feed (FfcBand *band, const guint8 *data, gsize frames,
    gboolean *window_done, FfcBandLevel *level);

/* Forgets a partly filled window. */
void ffc_band_reset (FfcBand *band);

G_END_DECLS

#endif
