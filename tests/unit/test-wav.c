/* Unit tests: WAV/RF64 headers and the repair of unfinished files. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ffc-meta.h"
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
make_file (gchar **path, FfcSampleFormat format, guint channels, gsize data,
    FfcWavLayout *layout)
{
  guint8 header[FFC_WAV_MAX_HEADER];
  gsize size = ffc_wav_header_init (
      layout, format, 48000, channels, NULL, 0, NULL, header);
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
      ffc_wav_header_init (&l, FFC_SAMPLE_S16LE, 384000, 1, NULL, 0, NULL, h),
      ==, 80);
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

  /* float: format 3 with its cbSize (an 18-byte fmt), and a fact chunk */
  g_assert_cmpuint (
      ffc_wav_header_init (&l, FFC_SAMPLE_F32LE, 48000, 2, NULL, 0, NULL, h),
      ==, 94);
  g_assert_cmpuint (u32_at (h + 52), ==, 18);
  g_assert_cmpuint (h[56], ==, 3);
  g_assert_cmpuint (h[72] | (h[73] << 8), ==, 0);
  g_assert_cmpuint (l.fact_offset, ==, 74);
  g_assert_true (ffc_wav_parse_header (h, 94, &parsed, NULL));
  g_assert_cmpint (parsed.format, ==, FFC_SAMPLE_F32LE);

  /* more than two channels: WAVE_FORMAT_EXTENSIBLE */
  g_assert_cmpuint (
      ffc_wav_header_init (&l, FFC_SAMPLE_S32LE, 48000, 6, NULL, 0, NULL, h),
      ==, 104);
  g_assert_cmpuint (u32_at (h + 52), ==, 40);
  g_assert_cmpuint (h[56] | (h[57] << 8), ==, 0xFFFE);
  g_assert_true (ffc_wav_parse_header (h, 104, &parsed, NULL));
  g_assert_cmpint (parsed.format, ==, FFC_SAMPLE_S32LE);
  g_assert_cmpuint (parsed.block_align, ==, 24);
}

static void
test_finalize_sizes (void)
{
  FfcWavLayout l;
  gchar *path;
  gint fd = make_file (&path, FFC_SAMPLE_F32LE, 1, 4000, &l);
  guint8 *d;
  gsize len;

  g_assert_true (ffc_wav_finalize (fd, &l, 4000, NULL));
  close (fd);
  d = read_all (path, &len);
  g_assert_cmpuint (len, ==, 94 + 4000);
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
  fd = make_file (&path, FFC_SAMPLE_S16LE, 2, 4000, &l);
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
  gint fd = make_file (&path, FFC_SAMPLE_S16LE, 1, 2000, &l);
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
  gint fd = make_file (&path, FFC_SAMPLE_S32LE, 2, 1003, &l);
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

/* A header with metadata, as segmentsink writes it. */
static gsize
meta_header (FfcSampleFormat format, guint channels, FfcWavLayout *l, guint8 *h)
{
  FfcMeta m;
  gchar *guano;
  guint8 *bext;
  gsize bext_size, size;

  ffc_meta_init (&m);
  m.start_us = G_GINT64_CONSTANT (1795490432000125);
  m.rate = 48000;
  m.channels = channels;
  m.format = format;
  m.run_id = "0a1b2c3d";
  m.original_filename = "take.wav";
  m.latitude = 52.5;
  m.longitude = 13.25;
  guano = ffc_meta_guano (&m);
  bext = ffc_meta_bext (&m, &bext_size);
  size = ffc_wav_header_init (
      l, format, 48000, channels, bext, bext_size, guano, h);
  g_free (guano);
  g_free (bext);
  return size;
}

/* The file's chunks, read the way any RIFF reader does: id, size, and an
 * even offset to the next. Returns how many. */
typedef struct {
  gchar id[5];
  gsize offset, size;
} Chunk;

static guint
chunks_of (const guint8 *d, gsize len, Chunk *out, guint max)
{
  gsize pos = 12;
  guint n = 0;

  while (pos + 8 <= len && n < max) {
    memcpy (out[n].id, d + pos, 4);
    out[n].id[4] = '\0';
    out[n].offset = pos;
    out[n].size = u32_at (d + pos + 4);
    if (strcmp (out[n].id, "data") == 0)
      return n + 1;
    pos += 8 + out[n].size + (out[n].size & 1);
    n++;
  }
  return n;
}

/* GUANO as its specification says to read it: "Key: value" lines, the
 * value after the first colon, whitespace trimmed, empty lines ignored. */
static GHashTable *
guano_fields (const guint8 *d, gsize len)
{
  GHashTable *fields =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  Chunk c[16];
  guint n = chunks_of (d, len, c, 16);
  gchar *text = NULL, **lines;

  for (guint i = 0; i < n; i++)
    if (strcmp (c[i].id, "guan") == 0)
      text = g_strndup ((const gchar *)d + c[i].offset + 8, c[i].size);
  g_assert_nonnull (text);
  g_assert_true (g_str_has_prefix (text, "GUANO|Version:"));
  lines = g_strsplit (text, "\n", -1);
  for (gchar **line = lines; *line; line++) {
    gchar *colon = strchr (*line, ':');
    if (g_strstrip (*line)[0] == '\0')
      continue;
    g_assert_nonnull (colon);
    *colon = '\0';
    g_assert_false (g_hash_table_contains (fields, g_strstrip (*line)));
    g_hash_table_insert (fields, g_strdup (g_strstrip (*line)),
        g_strdup (g_strstrip (colon + 1)));
  }
  g_strfreev (lines);
  g_free (text);
  return fields;
}

static void
test_meta_layout (void)
{
  guint8 h[FFC_WAV_MAX_HEADER];
  FfcWavLayout l, parsed;
  gsize size = meta_header (FFC_SAMPLE_F32LE, 2, &l, h);
  static const gchar *order[] = { "JUNK", "fmt ", "fact", "bext", "guan",
    "JUNK", "data" };
  Chunk c[16];
  guint n = chunks_of (h, size, c, 16);
  GHashTable *guano;

  /* RIFF, the JUNK that becomes ds64 first, then fmt, metadata, data */
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (order));
  for (guint i = 0; i < n; i++) {
    g_assert_cmpstr (c[i].id, ==, order[i]);
    g_assert_cmpuint (c[i].size % 2, ==, 0);
  }
  g_assert_cmpuint (c[0].offset, ==, 12);
  g_assert_cmpuint (l.guan_offset, ==, c[4].offset);
  /* the guan chunk and its JUNK fill the room exactly */
  g_assert_cmpuint (c[6].offset - c[4].offset, ==, FFC_WAV_GUANO_ROOM);
  g_assert_cmpuint (l.guan_room, ==, FFC_WAV_GUANO_ROOM);
  g_assert_cmpuint (l.header_size, ==, size);
  g_assert_cmpuint (size, <=, FFC_WAV_MAX_HEADER);

  g_assert_true (ffc_wav_parse_header (h, size, &parsed, NULL));
  g_assert_cmpuint (parsed.header_size, ==, l.header_size);
  g_assert_cmpuint (parsed.junk_offset, ==, 12);
  g_assert_cmpuint (parsed.fact_offset, ==, l.fact_offset);
  g_assert_cmpuint (parsed.guan_offset, ==, l.guan_offset);
  g_assert_cmpuint (parsed.guan_room, ==, l.guan_room);
  g_assert_cmpuint (parsed.data_size_offset, ==, l.data_size_offset);

  guano = guano_fields (h, size);
  g_assert_cmpstr (g_hash_table_lookup (guano, "Length"), ==, "0");
  g_assert_cmpstr (
      g_hash_table_lookup (guano, "Loc Position"), ==, "52.5 13.25");
  g_hash_table_unref (guano);
}

/* Finalize writes GUANO's Length in place; the JUNK after it shrinks. */
static void
test_meta_finalize (void)
{
  guint8 h[FFC_WAV_MAX_HEADER];
  FfcWavLayout l;
  gsize size = meta_header (FFC_SAMPLE_S16LE, 1, &l, h);
  gchar *path;
  gint fd = g_file_open_tmp ("ffc-wav-XXXXXX.wav", &path, NULL);
  guint8 *payload = g_malloc0 (96003 * 2), *d;
  GHashTable *guano;
  Chunk c[16];
  gsize len;

  g_assert_cmpint (write (fd, h, size), ==, (gssize)size);
  g_assert_cmpint (write (fd, payload, 96003 * 2), ==, 96003 * 2);
  g_assert_true (ffc_wav_finalize (fd, &l, 96003 * 2, NULL));
  close (fd);
  d = read_all (path, &len);
  g_assert_cmpuint (len, ==, size + 96003 * 2);
  g_assert_cmpuint (u32_at (d + 4), ==, len - 8);
  guano = guano_fields (d, len);
  g_assert_cmpstr (g_hash_table_lookup (guano, "Length"), ==, "2.0000625");
  g_assert_cmpstr (g_hash_table_lookup (guano, "Samplerate"), ==, "48000");
  g_hash_table_unref (guano);
  g_assert_cmpuint (chunks_of (d, len, c, 16), ==, 6);
  g_assert_cmpstr (c[4].id, ==, "JUNK");
  g_assert_cmpuint (c[5].offset - c[3].offset, ==, FFC_WAV_GUANO_ROOM);
  g_assert_cmpuint (u32_at (d + l.data_size_offset), ==, 96003 * 2);
  g_free (d);
  g_free (payload);
  g_unlink (path);
  g_free (path);
}

/* A crash cut the file inside a frame: repair gives the sizes and GUANO's
 * Length of the whole frames, and RF64 still works with the metadata. */
static void
test_meta_repair (void)
{
  guint8 h[FFC_WAV_MAX_HEADER];
  FfcWavLayout l;
  gsize size = meta_header (FFC_SAMPLE_S32LE, 2, &l, h);
  gchar *path;
  gint fd = g_file_open_tmp ("ffc-wav-XXXXXX.wav", &path, NULL);
  /* 12000 frames of 8 bytes and 5 bytes of the next */
  gsize data = 12000 * 8 + 5;
  guint8 *payload = g_malloc0 (data), *d;
  GHashTable *guano;
  FfcWavRepair r;
  gsize len;

  g_assert_cmpint (write (fd, h, size), ==, (gssize)size);
  g_assert_cmpint (write (fd, payload, data), ==, (gssize)data);
  g_setenv ("FFC_WAV_RF64_THRESHOLD", "50000", TRUE);
  g_assert_true (ffc_wav_repair (fd, &r, NULL));
  g_unsetenv ("FFC_WAV_RF64_THRESHOLD");
  close (fd);
  g_assert_cmpuint (r.frames, ==, 12000);
  g_assert_cmpuint (r.trimmed_bytes, ==, 5);

  d = read_all (path, &len);
  g_assert_cmpuint (len, ==, size + 12000 * 8);
  g_assert_cmpmem (d, 4, "RF64", 4);
  g_assert_cmpmem (d + 12, 4, "ds64", 4);
  g_assert_cmpuint (u64_at (d + 28), ==, 12000 * 8);
  guano = guano_fields (d, len);
  g_assert_cmpstr (g_hash_table_lookup (guano, "Length"), ==, "0.25");
  g_assert_cmpstr (
      g_hash_table_lookup (guano, "Original Filename"), ==, "take.wav");
  g_hash_table_unref (guano);
  g_free (d);
  g_free (payload);
  g_unlink (path);
  g_free (path);
}

/* A GUANO text that fills its room: padded with spaces, no JUNK; a Length
 * that no longer fits is dropped rather than left wrong. */
static void
test_meta_full_room (void)
{
  GString *text = g_string_new ("GUANO|Version: 1.0\nLength: 0\n");
  guint8 h[FFC_WAV_MAX_HEADER], *d;
  FfcWavLayout l;
  gsize size;
  gchar *path;
  gint fd = g_file_open_tmp ("ffc-wav-XXXXXX.wav", &path, NULL);
  GHashTable *guano;
  Chunk c[16];
  gsize len;

  guint8 payload[4802] = { 0 };

  /* 2035 bytes, odd: one space makes the chunk even, leaving 4 bytes */
  for (guint i = 0; text->len < FFC_WAV_GUANO_MAX - 30; i++)
    g_string_append_printf (text, "k%u: v\n", i);
  g_string_append (text, "z: ");
  while (text->len < FFC_WAV_GUANO_MAX - 6)
    g_string_append_c (text, 'v');
  g_string_append_c (text, '\n');
  size = ffc_wav_header_init (
      &l, FFC_SAMPLE_S16LE, 48000, 1, NULL, 0, text->str, h);
  g_assert_cmpuint (chunks_of (h, size, c, 16), ==, 4);
  g_assert_cmpstr (c[2].id, ==, "guan");
  g_assert_cmpuint (c[2].size, ==, FFC_WAV_GUANO_MAX);
  g_assert_cmpuint (h[c[2].offset + 8 + text->len], ==, ' ');

  g_assert_cmpint (write (fd, h, size), ==, (gssize)size);
  /* 2401 frames: "Length: 0.050020833" is 10 bytes longer than before */
  g_assert_cmpint (write (fd, payload, 4802), ==, 4802);
  g_assert_true (ffc_wav_finalize (fd, &l, 4802, NULL));
  close (fd);
  d = read_all (path, &len);
  guano = guano_fields (d, len);
  g_assert_false (g_hash_table_contains (guano, "Length"));
  g_assert_true (g_hash_table_contains (guano, "GUANO|Version"));
  g_hash_table_unref (guano);
  g_assert_true (ffc_wav_parse_header (d, len, &l, NULL));
  g_assert_cmpuint (l.header_size, ==, size);
  g_free (d);
  g_string_free (text, TRUE);
  g_unlink (path);
  g_free (path);
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
  g_test_add_func ("/wav/meta/layout", test_meta_layout);
  g_test_add_func ("/wav/meta/finalize", test_meta_finalize);
  g_test_add_func ("/wav/meta/repair", test_meta_repair);
  g_test_add_func ("/wav/meta/full-room", test_meta_full_room);
  return g_test_run ();
}
