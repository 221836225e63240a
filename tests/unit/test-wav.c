/* Unit tests: WAV/RF64 headers and the repair of unfinished files. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ffc-wav.h"

static guint32
u32_at (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32)p[3] << 24);
}

static guint64
u64_at (const guint8 *p)
{
  return u32_at (p) | ((guint64)u32_at (p + 4) << 32);
}

/* A file as segmentsink leaves it open: header with zero sizes, then data. */
static gint
make_file (gchar **path, FfcWavFormat format, guint channels, gsize data,
    FfcWavLayout *layout)
{
  guint8 header[FFC_WAV_MAX_HEADER];
  gsize size = ffc_wav_header_init (layout, format, 48000, channels, header);
  guint8 *payload = g_malloc (data);
  gint fd = g_file_open_tmp ("ffc-wav-XXXXXX.wav", path, NULL);

  for (gsize i = 0; i < data; i++)
    payload[i] = i & 0xff;
  g_assert_cmpint (write (fd, header, size), ==, (gssize)size);
  g_assert_cmpint (write (fd, payload, data), ==, (gssize)data);
  g_free (payload);
  return fd;
}

static guint8 *
read_all (const gchar *path, gsize *len)
{
  gchar *data = NULL;
  g_assert_true (g_file_get_contents (path, &data, len, NULL));
  return (guint8 *)data;
}

static void
test_header_layouts (void)
{
  guint8 h[FFC_WAV_MAX_HEADER];
  FfcWavLayout l, parsed;

  /* PCM mono: RIFF, JUNK (ds64-sized), fmt, data: 80 bytes */
  g_assert_cmpuint (
      ffc_wav_header_init (&l, FFC_WAV_S16LE, 384000, 1, h), ==, 80);
  g_assert_cmpmem (h, 4, "RIFF", 4);
  g_assert_cmpmem (h + 12, 4, "JUNK", 4);
  g_assert_cmpuint (u32_at (h + 16), ==, 28);
  g_assert_cmpmem (h + 48, 4, "fmt ", 4);
  g_assert_cmpuint (h[56], ==, 1); /* WAVE_FORMAT_PCM */
  g_assert_cmpuint (u32_at (h + 60), ==, 384000);
  g_assert_cmpuint (l.block_align, ==, 2);
  g_assert_true (ffc_wav_parse_header (h, 80, &parsed, NULL));
  g_assert_cmpuint (parsed.header_size, ==, 80);
  g_assert_cmpuint (parsed.rate, ==, 384000);

  /* float: format 3 and a fact chunk */
  g_assert_cmpuint (
      ffc_wav_header_init (&l, FFC_WAV_F32LE, 48000, 2, h), ==, 92);
  g_assert_cmpuint (h[56], ==, 3);
  g_assert_cmpuint (l.fact_offset, ==, 72);
  g_assert_true (ffc_wav_parse_header (h, 92, &parsed, NULL));
  g_assert_cmpint (parsed.format, ==, FFC_WAV_F32LE);

  /* more than two channels: WAVE_FORMAT_EXTENSIBLE */
  g_assert_cmpuint (
      ffc_wav_header_init (&l, FFC_WAV_S32LE, 48000, 6, h), ==, 104);
  g_assert_cmpuint (u32_at (h + 52), ==, 40);
  g_assert_cmpuint (h[56] | (h[57] << 8), ==, 0xFFFE);
  g_assert_true (ffc_wav_parse_header (h, 104, &parsed, NULL));
  g_assert_cmpint (parsed.format, ==, FFC_WAV_S32LE);
  g_assert_cmpuint (parsed.block_align, ==, 24);
}

static void
test_finalize_sizes (void)
{
  FfcWavLayout l;
  gchar *path;
  gint fd = make_file (&path, FFC_WAV_F32LE, 1, 4000, &l);
  guint8 *d;
  gsize len;

  g_assert_true (ffc_wav_finalize (fd, &l, 4000, NULL));
  close (fd);
  d = read_all (path, &len);
  g_assert_cmpuint (len, ==, 92 + 4000);
  g_assert_cmpuint (u32_at (d + 4), ==, len - 8);
  g_assert_cmpuint (u32_at (d + l.data_size_offset), ==, 4000);
  g_assert_cmpuint (u32_at (d + l.fact_offset + 8), ==, 1000); /* frames */
  g_free (d);
  g_unlink (path);
  g_free (path);
}

static void
test_rf64_upgrade_in_place (void)
{
  FfcWavLayout l;
  gchar *path;
  gint fd;
  guint8 *d;
  gsize len;

  /* the test seam: past 1000 bytes counts as past 4 GiB */
  g_setenv ("FFC_WAV_RF64_THRESHOLD", "1000", TRUE);
  fd = make_file (&path, FFC_WAV_S16LE, 2, 4000, &l);
  g_assert_true (ffc_wav_finalize (fd, &l, 4000, NULL));
  close (fd);
  g_unsetenv ("FFC_WAV_RF64_THRESHOLD");

  d = read_all (path, &len);
  g_assert_cmpmem (d, 4, "RF64", 4);
  g_assert_cmpuint (u32_at (d + 4), ==, 0xFFFFFFFF);
  g_assert_cmpmem (d + 12, 4, "ds64", 4);
  g_assert_cmpuint (u64_at (d + 20), ==, len - 8); /* RIFF size */
  g_assert_cmpuint (u64_at (d + 28), ==, 4000);    /* data size */
  g_assert_cmpuint (u64_at (d + 36), ==, 1000);    /* frames */
  g_assert_cmpuint (u32_at (d + l.data_size_offset), ==, 0xFFFFFFFF);
  g_free (d);
  g_unlink (path);
  g_free (path);
}

static void
test_repair_zero_sizes (void)
{
  FfcWavLayout l;
  FfcWavRepair r;
  gchar *path;
  gint fd = make_file (&path, FFC_WAV_S16LE, 1, 2000, &l);
  guint8 *d;
  gsize len;

  /* as a crash leaves it: sizes still zero */
  g_assert_true (ffc_wav_repair (fd, &r, NULL));
  close (fd);
  g_assert_cmpuint (r.frames, ==, 1000);
  g_assert_cmpuint (r.trimmed_bytes, ==, 0);
  d = read_all (path, &len);
  g_assert_cmpuint (u32_at (d + 4), ==, len - 8);
  g_assert_cmpuint (u32_at (d + 76), ==, 2000);
  g_free (d);
  g_unlink (path);
  g_free (path);
}

static void
test_repair_trims_partial_frame (void)
{
  FfcWavLayout l;
  FfcWavRepair r;
  gchar *path;
  /* stereo S32: 8-byte frames; 1003 bytes is 125 frames and 3 bytes */
  gint fd = make_file (&path, FFC_WAV_S32LE, 2, 1003, &l);
  GStatBuf st;

  g_assert_true (ffc_wav_repair (fd, &r, NULL));
  close (fd);
  g_assert_cmpuint (r.frames, ==, 125);
  g_assert_cmpuint (r.trimmed_bytes, ==, 3);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 80 + 1000);
  g_unlink (path);
  g_free (path);
}

static void
test_repair_refuses_garbage (void)
{
  static const struct {
    const gchar *what;
    const gchar *bytes;
    gsize len;
  } cases[] = {
    { "empty", "", 0 },
    { "text", "hello, this is not audio at all", 31 },
    { "riff without fmt", "RIFF\0\0\0\0WAVEdata\0\0\0\0abcd", 24 },
    { "truncated header", "RIFF\0\0\0\0WAVEJUNK\x1c\0\0\0", 20 },
    { "bad fmt",
        "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\0\0\x80\xbb\0\0"
        "\0\0\0\0\0\0\x10\0data\0\0\0\0",
        44 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *path;
    gint fd = g_file_open_tmp ("ffc-bad-XXXXXX.wav", &path, NULL);
    FfcWavRepair r;
    GError *error = NULL;

    g_assert_cmpint (
        write (fd, cases[i].bytes, cases[i].len), ==, (gssize)cases[i].len);
    g_assert_false (ffc_wav_repair (fd, &r, &error));
    g_assert_nonnull (error);
    g_test_message ("%s: %s", cases[i].what, error->message);
    g_clear_error (&error);
    close (fd);
    g_unlink (path);
    g_free (path);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/wav/header-layouts", test_header_layouts);
  g_test_add_func ("/wav/finalize", test_finalize_sizes);
  g_test_add_func ("/wav/rf64", test_rf64_upgrade_in_place);
  g_test_add_func ("/wav/repair/zero-sizes", test_repair_zero_sizes);
  g_test_add_func (
      "/wav/repair/partial-frame", test_repair_trims_partial_frame);
  g_test_add_func ("/wav/repair/garbage", test_repair_refuses_garbage);
  return g_test_run ();
}
