/* Unit tests: GUANO text and bext bytes of a segment, and the station's
 * position. */
#include <math.h>
#include <string.h>

#include "ffc-meta.h"

/* 2026-11-24T03:20:32.000125Z */
#define START_US G_GINT64_CONSTANT (1795490432000125)

static guint32
u32_at (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32)p[3] << 24);
}

static void
station (FfcMeta *m)
{
  ffc_meta_init (m);
  m->start_us = START_US;
  m->rate = 384000;
  m->channels = 1;
  m->format = FFC_SAMPLE_S16LE;
  m->frames = 23040000;
  m->offset = 1234567;
  m->seq = 42;
  m->run_id = "0a1b2c3d";
  m->stream = "raw";
  m->original_filename = "2026-11-24T03-20-32Z_60s_0a1b2c3d_00000042.wav";
  m->make = "Dodotronic";
  m->model = "UltraMic 384K";
  m->serial = "SN-0042";
  m->latitude = 52.5186;
  m->longitude = 13.3761;
  m->elevation = 34.5;
  m->note = "Hedge by the pond\nmic 2 m up";
  m->drift_ppm = -3.25;
  m->clock_synchronised = TRUE;
}

static void
test_guano_full (void)
{
  FfcMeta m;
  gchar *text;

  station (&m);
  text = ffc_meta_guano (&m);
  g_assert_cmpstr (text, ==,
      "GUANO|Version: 1.0\n"
      "Timestamp: 2026-11-24T03:20:32.000125+00:00\n"
      "Length: 60\n"
      "Samplerate: 384000\n"
      "Original Filename: 2026-11-24T03-20-32Z_60s_0a1b2c3d_00000042.wav\n"
      "Make: Dodotronic\n"
      "Model: UltraMic 384K\n"
      "Serial: SN-0042\n"
      "Loc Position: 52.5186 13.3761\n"
      "Loc Elevation: 34.5\n"
      "Note: Hedge by the pond\\nmic 2 m up\n"
      "FFC|Version: 0.1.0\n"
      "FFC|Run ID: 0a1b2c3d\n"
      "FFC|Sequence: 42\n"
      "FFC|Stream: raw\n"
      "FFC|Sample Offset: 1234567\n"
      "FFC|Clock Drift: -3.25\n"
      "FFC|Clock Synchronised: true\n");
  g_free (text);
}

static void
test_guano_minimal (void)
{
  FfcMeta m;
  gchar *text;

  /* nothing the station did not give, no drift known */
  ffc_meta_init (&m);
  m.start_us = START_US;
  m.rate = 48000;
  m.frames = 600; /* 12.5 ms */
  m.run_id = "0a1b2c3d";
  text = ffc_meta_guano (&m);
  g_assert_cmpstr (text, ==,
      "GUANO|Version: 1.0\n"
      "Timestamp: 2026-11-24T03:20:32.000125+00:00\n"
      "Length: 0.0125\n"
      "Samplerate: 48000\n"
      "FFC|Version: 0.1.0\n"
      "FFC|Run ID: 0a1b2c3d\n"
      "FFC|Sequence: 0\n"
      "FFC|Sample Offset: 0\n"
      "FFC|Clock Synchronised: false\n");
  g_free (text);
}

static void
test_guano_zone_and_text (void)
{
  FfcMeta m;
  gchar *text;

  station (&m);
  /* local time with its offset, the same instant */
  m.zone = g_time_zone_new_offset (-(3 * 3600 + 30 * 60));
  m.start_us = -1; /* 1969-12-31T23:59:59.999999Z */
  m.make = "Ac\xc3\xa9me\r\nInc\x01";
  m.rate = 3;
  m.frames = 2;
  text = ffc_meta_guano (&m);
  g_assert_nonnull (
      strstr (text, "\nTimestamp: 1969-12-31T20:29:59.999999-03:30\n"));
  /* one line each, whatever the value holds */
  g_assert_nonnull (strstr (text, "\nMake: Ac\xc3\xa9me  Inc \n"));
  g_assert_nonnull (strstr (text, "\nLength: 0.666666667\n"));
  g_free (text);
  g_time_zone_unref (m.zone);
}

static void
test_guano_set_length (void)
{
  const gchar *open_text = "GUANO|Version: 1.0\n"
                           "Timestamp: 2026-11-24T03:20:32+00:00\n"
                           "Length: 0\n"
                           "Samplerate: 48000\n"
                           "    \n   ";
  gchar *text;

  /* in place, the padding dropped */
  text = ffc_meta_guano_set_length (
      open_text, strlen (open_text), 48000 * 61 + 24000, 48000);
  g_assert_cmpstr (text, ==,
      "GUANO|Version: 1.0\n"
      "Timestamp: 2026-11-24T03:20:32+00:00\n"
      "Length: 61.5\n"
      "Samplerate: 48000\n");
  g_free (text);

  /* no Length yet: added; a NUL ends the text */
  text = ffc_meta_guano_set_length ("GUANO|Version: 1.0\0junk", 24, 1, 4);
  g_assert_cmpstr (text, ==, "GUANO|Version: 1.0\nLength: 0.25\n");
  g_free (text);

  /* rate 0: removed, and a duplicate key with it */
  text = ffc_meta_guano_set_length (
      "GUANO|Version: 1.0\n Length :1\nA: b\nLength: 2", 44, 0, 0);
  g_assert_cmpstr (text, ==, "GUANO|Version: 1.0\nA: b\n");
  g_free (text);
}

static void
test_bext (void)
{
  FfcMeta m;
  gsize size;
  guint8 *b;
  guint64 time_reference;

  station (&m);
  /* 23:59:59.5: past 2^32 samples since midnight at 384 kHz */
  m.start_us = G_GINT64_CONSTANT (1795564799500000);
  b = ffc_meta_bext (&m, &size);
  g_assert_cmpuint (size % 2, ==, 0);
  g_assert_cmpstr ((const gchar *)b, ==,
      "Stream raw. OriginationDate, OriginationTime and TimeReference are "
      "UTC. Hedge by the pond mic 2 m up");
  g_assert_cmpmem (b + 256, 25, "Dodotronic UltraMic 384K\0", 25);
  g_assert_cmpmem (b + 288, 18, "0a1b2c3d-00000042\0", 18);
  g_assert_cmpmem (b + 320, 10, "2026-11-24", 10);
  g_assert_cmpmem (b + 330, 8, "23:59:59", 8);
  time_reference = u32_at (b + 338) | ((guint64)u32_at (b + 342) << 32);
  g_assert_cmpuint (
      time_reference, ==, G_GUINT64_CONSTANT (86399) * 384000 + 192000);
  g_assert_cmpuint (b[346] | (b[347] << 8), ==, 1); /* version */
  for (gsize i = 348; i < 602; i++) /* UMID, loudness, reserved */
    g_assert_cmpuint (b[i], ==, 0);
  g_assert_cmpmem (b + 602, size - 602,
      "A=PCM,F=384000,W=16,M=mono,T=gst-ffcapture 0.1.0\r\n", size - 602);
  g_free (b);

  /* float, 6 channels, no make or model, and text that is not ASCII */
  m.format = FFC_SAMPLE_F32LE;
  m.channels = 6;
  m.rate = 48000;
  m.make = m.model = NULL;
  m.stream = NULL;
  m.note = "caf\xc3\xa9";
  m.start_us = START_US;
  b = ffc_meta_bext (&m, &size);
  g_assert_cmpstr ((const gchar *)b, ==,
      "OriginationDate, OriginationTime and TimeReference are UTC. cafe");
  g_assert_cmpstr ((const gchar *)b + 256, ==, "gst-ffcapture");
  g_assert_cmpmem (b + 330, 8, "03:20:32", 8);
  time_reference = u32_at (b + 338) | ((guint64)u32_at (b + 342) << 32);
  g_assert_cmpuint (
      time_reference, ==, G_GUINT64_CONSTANT (12032) * 48000 + 6); /* 125 µs */
  g_assert_cmpstr ((const gchar *)b + 602, ==,
      "A=PCM,F=48000,W=32,M=6chn,T=IEEE float; gst-ffcapture 0.1.0\r\n");
  g_assert_cmpuint (size % 2, ==, 0);
  g_free (b);
}

static void
test_bext_long_text_is_cut (void)
{
  FfcMeta m;
  gchar *note = g_strnfill (1000, 'n');
  gsize size;
  guint8 *b;

  station (&m);
  m.note = note;
  m.make = "A very long manufacturer name that goes on";
  b = ffc_meta_bext (&m, &size);
  /* fields are fixed-size: full, with no terminator, and nothing spills */
  g_assert_cmpuint (b[255], ==, 'n');
  g_assert_cmpmem (b + 256, 32, "A very long manufacturer name th", 32);
  g_assert_cmpmem (b + 288, 8, "0a1b2c3d", 8);
  g_free (b);
  g_free (note);
}

static void
test_check_fits (void)
{
  FfcMeta m;
  GError *error = NULL;
  gchar *note;

  station (&m);
  g_assert_true (ffc_meta_check_fits (&m, &error));
  g_assert_no_error (error);

  /* the longest note that passes ... */
  for (gsize n = 1;; n++) {
    note = g_strnfill (n, 'n');
    m.note = note;
    if (!ffc_meta_check_fits (&m, &error)) {
      g_clear_error (&error);
      g_free (note);
      note = g_strnfill (n - 1, 'n');
      m.note = note;
      break;
    }
    g_free (note);
  }
  /* ... fits with the longest values each segment can bring */
  for (guint i = 0; i < 2; i++) {
    gchar name[256];
    gchar *text;

    memset (name, 'x', 255);
    name[255] = '\0';
    m.original_filename = name;
    m.seq = m.offset = G_MAXUINT64;
    m.drift_ppm = -123456789.12345678;
    /* the longest Samplerate, then the longest Length */
    m.rate = i == 0 ? G_MAXINT : 3;
    m.frames = i == 0 ? G_MAXUINT64 : G_MAXUINT64 - 1;
    text = ffc_meta_guano (&m);
    g_test_message ("%" G_GSIZE_FORMAT " bytes", strlen (text));
    g_assert_cmpuint (strlen (text), <=, FFC_WAV_GUANO_MAX);
    g_free (text);
  }
  g_free (note);

  note = g_strnfill (1500, 'n');
  m.note = note;
  g_assert_false (ffc_meta_check_fits (&m, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_assert_nonnull (strstr (error->message, "too long"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_free (note);
}

static void
test_position (void)
{
  static const struct {
    const gchar *text;
    gdouble lat, lon;
  } good[] = {
    { "52.5186,13.3761", 52.5186, 13.3761 },
    { "52.5186 13.3761", 52.5186, 13.3761 },
    { " -33.8568 , 151.2153 ", -33.8568, 151.2153 },
    { "-90,180", -90, 180 },
    { "0\t0", 0, 0 },
  };
  static const gchar *bad[] = { "", "abc", "52.5", "52.5,", "52.5;13.4",
    "1,2,3", "nan,0", "52.5,13.4x", "91,0", "0,-180.5" };
  gdouble lat, lon;
  GError *error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++) {
    g_assert_true (ffc_meta_parse_position (good[i].text, &lat, &lon, &error));
    g_assert_no_error (error);
    g_assert_cmpfloat (lat, ==, good[i].lat);
    g_assert_cmpfloat (lon, ==, good[i].lon);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_assert_false (ffc_meta_parse_position (bad[i], &lat, &lon, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
    g_assert_nonnull (strstr (error->message, bad[i]));
    g_test_message ("%s", error->message);
    g_clear_error (&error);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/meta/guano/full", test_guano_full);
  g_test_add_func ("/meta/guano/minimal", test_guano_minimal);
  g_test_add_func ("/meta/guano/zone-and-text", test_guano_zone_and_text);
  g_test_add_func ("/meta/guano/set-length", test_guano_set_length);
  g_test_add_func ("/meta/bext", test_bext);
  g_test_add_func ("/meta/bext/long-text", test_bext_long_text_is_cut);
  g_test_add_func ("/meta/check-fits", test_check_fits);
  g_test_add_func ("/meta/position", test_position);
  return g_test_run ();
}
