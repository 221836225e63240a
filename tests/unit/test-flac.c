/* Unit tests of ffc-flac: FLAC segments with the WAV's chunks, repair
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The real `flac` and `metaflac` tools read what the module writes: `flac
 * -t` checks every file, and `flac -d --keep-foreign-metadata` must give
 * back, byte for byte, the WAV file ffc-wav writes for the same samples
 * and metadata.
 */
#include "ffc-container.h"
#include "ffc-flac.h"
#include "ffc-meta.h"
#include "ffc-segname.h"
#include "ffc-segwriter.h"
#include "ffc-wav.h"

#include <signal.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define START_US G_GINT64_CONSTANT (1796295016123456) /* 2026-12-03 */

static gchar *tmpdir;

static gchar *
tmp_path (const gchar *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static void
make_meta (FfcMeta *m, FfcSampleFormat format, guint rate, guint channels)
{
  ffc_meta_init (m);
  m->start_us = START_US;
  m->rate = rate;
  m->channels = channels;
  m->format = format;
  m->run_id = "c37483ce";
  m->stream = "raw";
  m->make = "Acme";
  m->model = "Rec-1";
  m->serial = "0042";
  m->latitude = 48.8566;
  m->longitude = 2.3522;
  m->note = "pond, north bank";
  m->original_filename = "x.wav";
}

/* A quiet signal: a low tone plus noise of a few LSBs (small frames, so
 * that cutting at every byte of one stays quick) */
static guint8 *
make_samples (FfcSampleFormat format, guint channels, guint64 frames,
    guint amplitude, guint shift)
{
  guint bytes = format == FFC_SAMPLE_S16LE ? 2 : 4;
  guint8 *data = g_malloc (frames * channels * bytes);
  GRand *rand = g_rand_new_with_seed (7);

  for (guint64 i = 0; i < frames * channels; i++) {
    gint32 v =
        (gint32)(amplitude * sin (i * 0.001)) + g_rand_int_range (rand, -3, 4);
    guint32 u = (guint32)v << shift;

    for (guint b = 0; b < bytes; b++)
      data[i * bytes + b] = (u >> (8 * b)) & 0xff;
  }
  g_rand_free (rand);
  return data;
}

static gint
create (const gchar *path)
{
  gint fd = g_open (path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  g_assert_cmpint (fd, >=, 0);
  return fd;
}

static void
write_flac (const gchar *path, const FfcMeta *meta, const FfcFlacOptions *o,
    const guint8 *data, guint64 frames)
{
  GError *error = NULL;
  gint fd = create (path);
  FfcFlac *f = ffc_flac_open (fd, meta, o, &error);

  g_assert_no_error (error);
  g_assert_true (ffc_flac_write (f, data, frames, &error));
  g_assert_no_error (error);
  g_assert_true (ffc_flac_finish (f, frames, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ffc_flac_frames (f), ==, frames);
  ffc_flac_free (f);
  close (fd);
}

/* What the WAV writer makes of the same input: the reference */
static void
write_wav (
    const gchar *path, const FfcMeta *meta, const guint8 *data, guint64 frames)
{
  guint8 header[FFC_WAV_MAX_HEADER], *bext;
  gsize bext_size, size;
  gchar *guano = ffc_meta_guano (meta);
  FfcWavLayout l;
  GError *error = NULL;
  gint fd = create (path);

  bext = ffc_meta_bext (meta, &bext_size);
  size = ffc_wav_header_init (&l, meta->format, meta->rate, meta->channels,
      bext, bext_size, guano, header);
  g_assert_cmpint (write (fd, header, size), ==, size);
  g_assert_cmpint (
      write (fd, data, frames * l.block_align), ==, frames * l.block_align);
  g_assert_true (ffc_wav_finalize (fd, &l, frames * l.block_align, &error));
  g_assert_no_error (error);
  g_free (guano);
  g_free (bext);
  close (fd);
}

/* Runs a tool; its exit status, its stdout in *out */
static gint
run (gchar **out, const gchar *const *argv)
{
  GError *error = NULL;
  gint status;
  gchar *err = NULL;

  g_assert_true (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH,
      NULL, NULL, out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_test_message ("%s: %s", argv[0], err);
  g_free (err);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}

static void
assert_flac_t (const gchar *path)
{
  const gchar *argv[] = { "flac", "-s", "-t", path, NULL };

  g_assert_cmpint (run (NULL, argv), ==, 0);
}

static guint64
metaflac_u64 (const gchar *what, const gchar *path)
{
  const gchar *argv[] = { "metaflac", what, path, NULL };
  gchar *out = NULL;
  guint64 v;

  g_assert_cmpint (run (&out, argv), ==, 0);
  v = g_ascii_strtoull (out, NULL, 10);
  g_free (out);
  return v;
}

static gchar *
metaflac_text (const gchar *what, const gchar *path)
{
  const gchar *argv[] = { "metaflac", what, path, NULL };
  gchar *out = NULL;

  g_assert_cmpint (run (&out, argv), ==, 0);
  return out;
}

static void
assert_same_files (const gchar *a, const gchar *b)
{
  gchar *da, *db;
  gsize la, lb;

  g_assert_true (g_file_get_contents (a, &da, &la, NULL));
  g_assert_true (g_file_get_contents (b, &db, &lb, NULL));
  g_assert_cmpmem (da, la, db, lb);
  g_free (da);
  g_free (db);
}

/* A RIFF file's chunks after the 12-byte header, "fmt " left out */
static GByteArray *
chunks_but_fmt (const gchar *data, gsize len)
{
  GByteArray *out = g_byte_array_new ();

  g_assert_cmpuint (len, >=, 12);
  g_assert_cmpmem (data, 4, "RIFF", 4);
  for (gsize pos = 12; pos + 8 <= len;) {
    const guint8 *c = (const guint8 *)data + pos;
    gsize size = 8 + (c[4] | (c[5] << 8) | (c[6] << 16) | (c[7] << 24));

    size += size & 1;
    g_assert_cmpuint (pos + size, <=, len);
    if (memcmp (c, "fmt ", 4) != 0)
      g_byte_array_append (out, c, size);
    pos += size;
  }
  return out;
}

/* `flac -d` writes its own "fmt " chunk: WAVE_FORMAT_EXTENSIBLE beyond 16
 * bits, where segmentsink's WAV has plain PCM; everything else is the
 * WAV's, byte for byte */
static void
assert_same_but_fmt (const gchar *a, const gchar *b)
{
  gchar *da, *db;
  gsize la, lb;
  GByteArray *ca, *cb;

  g_assert_true (g_file_get_contents (a, &da, &la, NULL));
  g_assert_true (g_file_get_contents (b, &db, &lb, NULL));
  ca = chunks_but_fmt (da, la);
  cb = chunks_but_fmt (db, lb);
  g_assert_cmpmem (ca->data, ca->len, cb->data, cb->len);
  g_byte_array_unref (ca);
  g_byte_array_unref (cb);
  g_free (da);
  g_free (db);
}

/* flac -d --keep-foreign-metadata gives the WAV back, byte for byte */
static void
assert_round_trip_full (const gchar *flac, const gchar *wav, gboolean exact)
{
  gchar *back = tmp_path ("back.wav");
  const gchar *argv[] = { "flac", "-s", "-f", "-d", "--keep-foreign-metadata",
    "-o", back, flac, NULL };

  g_assert_cmpint (run (NULL, argv), ==, 0);
  if (exact)
    assert_same_files (back, wav);
  else
    assert_same_but_fmt (back, wav);
  g_unlink (back);
  g_free (back);
}

static void
assert_round_trip (const gchar *flac, const gchar *wav)
{
  assert_round_trip_full (flac, wav, TRUE);
}

static guint8 *
riff_of (const gchar *path, gsize *size)
{
  GError *error = NULL;
  gint fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  guint8 *riff;

  g_assert_cmpint (fd, >=, 0);
  riff = ffc_flac_read_riff (fd, size, &error);
  g_assert_no_error (error);
  close (fd);
  return riff;
}

/* GUANO's "Length: <seconds>" for frames/rate, to the nanosecond */
static gboolean
has_guano_length (const guint8 *riff, gsize size, guint64 frames, guint rate)
{
  gchar *want = g_strdup_printf ("Length: %.9f", (double)frames / rate);
  gsize n = strlen (want);
  gboolean found;

  while (want[n - 1] == '0')
    want[--n] = '\0';
  if (want[n - 1] == '.')
    want[--n] = '\0';
  want[n++] = '\n';
  found = memmem (riff, size, want, n) != NULL;
  if (!found)
    g_test_message ("no \"%.*s\" in the guan chunk", (int)n - 1, want);
  g_free (want);
  return found;
}

typedef struct {
  FfcSampleFormat format;
  guint rate, channels;
  guint blocksize; /* at the default level */
} Case;

static void
test_round_trip (gconstpointer data)
{
  const Case *c = data;
  FfcMeta m;
  FfcFlacOptions o;
  guint64 frames = c->rate * 2 + 1234; /* a partial last block */
  guint8 *samples = make_samples (c->format, c->channels, frames, 3000,
      c->format == FFC_SAMPLE_S16LE ? 0 : 12);
  gchar *flac = tmp_path ("rt.flac"), *wav = tmp_path ("rt.wav");

  make_meta (&m, c->format, c->rate, c->channels);
  ffc_flac_options_init (&o);
  o.expected_frames = frames;
  o.encoder = "gst-ffcapture test";
  write_flac (flac, &m, &o, samples, frames);
  write_wav (wav, &m, samples, frames);
  assert_flac_t (flac);
  g_assert_cmpuint (metaflac_u64 ("--show-total-samples", flac), ==, frames);
  g_assert_cmpuint (metaflac_u64 ("--show-sample-rate", flac), ==, c->rate);
  g_assert_cmpuint (metaflac_u64 ("--show-channels", flac), ==, c->channels);
  g_assert_cmpuint (
      metaflac_u64 ("--show-max-blocksize", flac), ==, c->blocksize);
  assert_round_trip_full (flac, wav, c->format == FFC_SAMPLE_S16LE);
  g_unlink (flac);
  g_unlink (wav);
  g_free (flac);
  g_free (wav);
  g_free (samples);
}

/* The blocks, in order, as metaflac lists them */
/* The encoder settings per rate and level: inside the FLAC subset, which
 * every player reads (libFLAC's streamable_subset refuses anything else at
 * open): blocks of at most 4608 frames up to 48 kHz and 16384 above,
 * residual partition order at most 8, coefficients of at most 15 bits */
static void
test_settings (void)
{
  static const guint rates[] = { 8000, 44100, 48000, 48001, 96000, 192000,
    384000, 655350 };
  FfcFlacSettings s;

  for (guint i = 0; i < G_N_ELEMENTS (rates); i++) {
    for (guint bps = 16; bps <= 24; bps += 8) {
      for (guint level = 0; level <= FFC_FLAC_MAX_COMPRESSION_LEVEL; level++) {
        ffc_flac_settings (rates[i], bps, level, &s);
        if (rates[i] <= 48000) {
          /* the level as it is */
          g_assert_cmpuint (s.blocksize, ==, 0);
          g_assert_cmpuint (s.max_partition_order, ==, 0);
          g_assert_cmpuint (s.qlp_precision, ==, 0);
          continue;
        }
        if (level <= 2 && bps == 16) {
          /* fixed predictors in libFLAC's 32-bit arithmetic */
          g_assert_cmpuint (s.blocksize, ==, 3840);
          g_assert_cmpuint ((s.blocksize - 4) * 17, <, 1u << 16);
          g_assert_cmpuint (s.max_partition_order, ==, 0);
          g_assert_cmpuint (s.qlp_precision, ==, 0);
          continue;
        }
        g_assert_cmpuint (s.blocksize, ==, 16384);
        g_assert_cmpuint (s.max_partition_order, ==, 8);
        g_assert_cmpuint (s.blocksize % (1u << s.max_partition_order), ==, 0);
        /* 16-bit: 14 bits, 24-bit: libFLAC's own (15, the most) */
        g_assert_cmpuint (s.qlp_precision, ==, bps == 16 ? 14 : 0);
      }
    }
  }
}

/* Every level at a low and a high rate: libFLAC takes the settings in the
 * subset, the file has the block size they say, and it is whole */
static void
test_levels (void)
{
  static const struct {
    guint rate, level, blocksize;
  } cases[] = {
    { 48000, 0, 1152 },
    { 48000, 2, 1152 },
    { 48000, 3, 4096 },
    { 48000, 5, 4096 },
    { 48000, 8, 4096 },
    { 384000, 0, 3840 },
    { 384000, 1, 3840 },
    { 384000, 2, 3840 },
    { 384000, 3, 16384 },
    { 384000, 4, 16384 },
    { 384000, 5, 16384 },
    { 384000, 6, 16384 },
    { 384000, 7, 16384 },
    { 384000, 8, 16384 },
  };
  gchar *flac = tmp_path ("level.flac"), *wav = tmp_path ("level.wav");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint rate = cases[i].rate;
    guint64 frames = rate + 1234; /* a partial last block */
    guint8 *samples = make_samples (FFC_SAMPLE_S16LE, 1, frames, 3000, 0);
    FfcMeta m;
    FfcFlacOptions o;

    make_meta (&m, FFC_SAMPLE_S16LE, rate, 1);
    ffc_flac_options_init (&o);
    o.compression_level = cases[i].level;
    o.expected_frames = frames;
    write_flac (flac, &m, &o, samples, frames);
    write_wav (wav, &m, samples, frames);
    assert_flac_t (flac);
    g_assert_cmpuint (
        metaflac_u64 ("--show-max-blocksize", flac), ==, cases[i].blocksize);
    g_assert_cmpuint (metaflac_u64 ("--show-total-samples", flac), ==, frames);
    assert_round_trip (flac, wav);
    g_free (samples);
  }
  g_unlink (flac);
  g_unlink (wav);
  g_free (flac);
  g_free (wav);
}

static void
test_layout (void)
{
  FfcMeta m;
  FfcFlacOptions o;
  guint64 frames = 48000 * 25 + 77;
  guint8 *samples = make_samples (FFC_SAMPLE_S16LE, 1, frames, 3000, 0);
  gchar *flac = tmp_path ("layout.flac"), *wav = tmp_path ("layout.wav");
  gchar *list, *tags, *md5, *want_md5, *wav_bytes, *seek;
  const gchar *argv_list[] = { "metaflac", "--list",
    "--application-data-format=hexdump", flac, NULL };
  guint8 *riff;
  gsize riff_size, wav_size;
  FfcWavLayout l;
  GError *error = NULL;
  const gchar *types[] = { "STREAMINFO", "SEEKTABLE", "VORBIS_COMMENT",
    "APPLICATION", NULL };
  const gchar *p;
  guint n_app = 0;

  make_meta (&m, FFC_SAMPLE_S16LE, 48000, 1);
  ffc_flac_options_init (&o);
  o.expected_frames = frames;
  o.encoder = "gst-ffcapture 0.1.0";
  /* the WAV twin's GUANO names the WAV: what decoding gives back */
  m.original_filename = "2026-12-03T10-50-16Z_60s_c37483ce_00000000.flac";
  write_flac (flac, &m, &o, samples, frames);
  m.original_filename = "2026-12-03T10-50-16Z_60s_c37483ce_00000000.wav";
  write_wav (wav, &m, samples, frames);

  /* STREAMINFO: exact length, and the MD5 of the samples as given */
  g_assert_cmpuint (metaflac_u64 ("--show-total-samples", flac), ==, frames);
  g_assert_cmpuint (metaflac_u64 ("--show-bps", flac), ==, 16);
  md5 = metaflac_text ("--show-md5sum", flac);
  want_md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, samples, frames * 2);
  g_assert_cmpstr (g_strstrip (md5), ==, want_md5);

  /* block order: STREAMINFO, SEEKTABLE, VORBIS_COMMENT, then the riff
   * blocks, the last one last */
  g_assert_cmpint (run (&list, argv_list), ==, 0);
  p = list;
  for (guint i = 0; types[i] != NULL; i++) {
    gchar *want = g_strdup_printf ("(%s)", types[i]);
    p = strstr (p, want);
    g_assert_nonnull (p);
    g_free (want);
  }
  for (p = list; (p = strstr (p, "application ID: 72696666")) != NULL; p++)
    n_app++;
  /* RIFF, JUNK, fmt, bext, guan, JUNK, data */
  g_assert_cmpuint (n_app, ==, 7);
  g_assert_null (strstr (list, "(PADDING)"));

  /* the seek points: one every 10 s, each filled */
  seek = strstr (list, "seek points: ");
  g_assert_nonnull (seek);
  g_assert_cmpuint (g_ascii_strtoull (seek + 13, NULL, 10), ==, 3);
  g_assert_null (strstr (list, "PLACEHOLDER"));
  g_assert_nonnull (strstr (list, "point 2: sample_number=958464"));

  /* the comments */
  tags = metaflac_text ("--export-tags-to=-", flac);
  g_assert_nonnull (strstr (tags, "DATE=2026-12-03T10:50:16.123456Z\n"));
  g_assert_nonnull (strstr (tags, "ENCODER=gst-ffcapture 0.1.0\n"));
  g_assert_nonnull (strstr (tags, "TITLE=raw\n"));
  g_assert_nonnull (strstr (tags, "COMMENT=pond, north bank\n"));

  /* the riff blocks hold the WAV's header with its final sizes */
  riff = riff_of (flac, &riff_size);
  g_assert_true (g_file_get_contents (wav, &wav_bytes, &wav_size, NULL));
  g_assert_true (
      ffc_wav_parse_header ((guint8 *)wav_bytes, wav_size, &l, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (riff, riff_size, wav_bytes, l.header_size);
  g_assert_true (has_guano_length (riff, riff_size, frames, 48000));
  assert_flac_t (flac);
  assert_round_trip (flac, wav);

  g_unlink (flac);
  g_unlink (wav);
  g_free (flac);
  g_free (wav);
  g_free (wav_bytes);
  g_free (riff);
  g_free (list);
  g_free (tags);
  g_free (md5);
  g_free (want_md5);
  g_free (samples);
}

/* The start time learnt later (a model settled): DATE, bext and GUANO
 * rewritten in place */
static void
test_rewrite_metadata (void)
{
  FfcMeta m, m2;
  FfcFlacOptions o;
  guint64 frames = 48000 + 5;
  guint8 *samples = make_samples (FFC_SAMPLE_S16LE, 2, frames, 1000, 0);
  gchar *flac = tmp_path ("rewrite.flac"), *wav = tmp_path ("rewrite.wav");
  GError *error = NULL;
  gint fd = create (flac);
  FfcFlac *f;
  gchar *tags;

  make_meta (&m, FFC_SAMPLE_S16LE, 48000, 2);
  ffc_flac_options_init (&o);
  o.expected_frames = frames;
  o.encoder = "enc";
  f = ffc_flac_open (fd, &m, &o, &error);
  g_assert_no_error (error);
  g_assert_true (ffc_flac_write (f, samples, 1000, &error));
  m2 = m;
  m2.start_us = START_US + G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC + 1;
  g_assert_true (ffc_flac_rewrite_metadata (f, &m2, &error));
  g_assert_no_error (error);
  g_assert_true (ffc_flac_write (f, samples + 1000 * 4, frames - 1000, &error));
  g_assert_true (ffc_flac_finish (f, frames, &error));
  g_assert_no_error (error);
  ffc_flac_free (f);
  close (fd);

  write_wav (wav, &m2, samples, frames);
  tags = metaflac_text ("--export-tags-to=-", flac);
  g_assert_nonnull (strstr (tags, "DATE=2026-12-03T11:50:16.123457Z\n"));
  g_assert_nonnull (strstr (tags, "ENCODER=enc\n"));
  assert_flac_t (flac);
  assert_round_trip (flac, wav);
  g_unlink (flac);
  g_unlink (wav);
  g_free (flac);
  g_free (wav);
  g_free (tags);
  g_free (samples);
}

/* Length not known at open: PADDING instead of a seek table; a segment
 * shorter than planned: the points it never reached are placeholders */
static void
test_lengths (void)
{
  FfcMeta m;
  FfcFlacOptions o;
  guint64 frames = 48000 * 12;
  guint8 *samples = make_samples (FFC_SAMPLE_S16LE, 1, frames, 1000, 0);
  gchar *flac = tmp_path ("len.flac"), *wav = tmp_path ("len.wav"), *list;
  const gchar *argv_list[] = { "metaflac", "--list",
    "--application-data-format=hexdump", flac, NULL };

  make_meta (&m, FFC_SAMPLE_S16LE, 48000, 1);
  ffc_flac_options_init (&o);
  write_flac (flac, &m, &o, samples, frames);
  write_wav (wav, &m, samples, frames);
  g_assert_cmpint (run (&list, argv_list), ==, 0);
  g_assert_nonnull (strstr (list, "(PADDING)"));
  g_assert_null (strstr (list, "(SEEKTABLE)"));
  g_free (list);
  assert_flac_t (flac);
  assert_round_trip (flac, wav);

  o.expected_frames = 48000 * 60; /* cut short at 12 s */
  write_flac (flac, &m, &o, samples, frames);
  g_assert_cmpint (run (&list, argv_list), ==, 0);
  g_assert_nonnull (strstr (list, "seek points: 6"));
  g_assert_nonnull (strstr (list, "point 1: sample_number=479232"));
  g_assert_nonnull (strstr (list, "point 2: PLACEHOLDER"));
  g_assert_nonnull (strstr (list, "point 5: PLACEHOLDER"));
  g_free (list);
  g_assert_cmpuint (metaflac_u64 ("--show-total-samples", flac), ==, frames);
  assert_flac_t (flac);
  assert_round_trip (flac, wav);

  g_unlink (flac);
  g_unlink (wav);
  g_free (flac);
  g_free (wav);
  g_free (samples);
}

/* 24-bit samples in the top of 32: stored as 24-bit FLAC, every bit kept */
static void
test_24_in_32 (void)
{
  FfcMeta m;
  FfcFlacOptions o;
  guint64 frames = 10000;
  guint8 *samples = make_samples (FFC_SAMPLE_S32LE, 2, frames, 300000, 8);
  gchar *flac = tmp_path ("24.flac"), *raw = tmp_path ("24.raw"), *out;
  const gchar *argv[] = { "flac", "-s", "-f", "-d", "--force-raw-format",
    "--endian=little", "--sign=signed", "-o", raw, flac, NULL };
  gsize len;
  GError *error = NULL;
  gint fd;
  FfcFlac *f;

  make_meta (&m, FFC_SAMPLE_S32LE, 96000, 2);
  ffc_flac_options_init (&o);
  o.bits_per_sample = 24;
  o.expected_frames = frames;
  write_flac (flac, &m, &o, samples, frames);
  assert_flac_t (flac);
  g_assert_cmpuint (metaflac_u64 ("--show-bps", flac), ==, 24);
  g_assert_cmpint (run (NULL, argv), ==, 0);
  g_assert_true (g_file_get_contents (raw, &out, &len, NULL));
  g_assert_cmpuint (len, ==, frames * 2 * 3);
  for (guint64 i = 0; i < frames * 2; i++)
    g_assert_cmpmem (out + 3 * i, 3, samples + 4 * i + 1, 3);
  g_free (out);

  /* a sample with a low byte is more than 24 bits: refused, not cut */
  samples[4 * 100] = 1;
  fd = create (flac);
  f = ffc_flac_open (fd, &m, &o, &error);
  g_assert_no_error (error);
  g_assert_false (ffc_flac_write (f, samples, frames, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_assert_nonnull (strstr (error->message, "24 bits"));
  g_clear_error (&error);
  ffc_flac_free (f);
  close (fd);

  g_unlink (flac);
  g_unlink (raw);
  g_free (flac);
  g_free (raw);
  g_free (samples);
}

static void
test_refused (void)
{
  FfcMeta m;
  FfcFlacOptions o;
  gchar *flac = tmp_path ("refused.flac");
  GError *error = NULL;
  gint fd = create (flac);

  ffc_flac_options_init (&o);
  make_meta (&m, FFC_SAMPLE_F32LE, 48000, 1);
  g_assert_null (ffc_flac_open (fd, &m, &o, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_assert_nonnull (strstr (error->message, "F32LE"));
  g_clear_error (&error);

  make_meta (&m, FFC_SAMPLE_S16LE, 48000, 1);
  o.compression_level = 9;
  g_assert_null (ffc_flac_open (fd, &m, &o, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_clear_error (&error);

  o.compression_level = 5;
  make_meta (&m, FFC_SAMPLE_S16LE, 2000000, 1);
  g_assert_null (ffc_flac_open (fd, &m, &o, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_assert_nonnull (strstr (error->message, "2000000 Hz"));
  g_clear_error (&error);
  close (fd);
  g_unlink (flac);
  g_free (flac);
}

static gboolean
copy_prefix (const gchar *from, const gchar *to, gsize size)
{
  gchar *data;
  gsize len;
  gboolean ok;

  g_assert_true (g_file_get_contents (from, &data, &len, NULL));
  g_assert_cmpuint (size, <=, len);
  ok = g_file_set_contents (to, data, size, NULL);
  g_free (data);
  return ok;
}

static gboolean
repair_file (
    const gchar *path, guint64 *frames, guint64 *trimmed, GError **error)
{
  gint fd = g_open (path, O_RDWR | O_CLOEXEC, 0);
  gboolean ok;

  g_assert_cmpint (fd, >=, 0);
  ok = ffc_flac_repair (fd, frames, trimmed, error);
  close (fd);
  return ok;
}

typedef struct {
  guint rate;
  guint bs;     /* the block size segmentsink uses at this rate, level 5 */
  guint stride; /* cut at every stride-th byte of the last frame, and at
                 * every one of its first and last 32 (header, CRC) */
} RepairCase;

/* A recorder killed while writing: the file holds the frames libFLAC
 * wrote, the last one possibly torn at any byte. Each cut is repaired to
 * the frames before it, and passes `flac -t`; its WAV chunks say so. */
static void
test_repair_every_byte (gconstpointer data)
{
  const RepairCase *rc = data;
  FfcMeta m;
  FfcFlacOptions o;
  const guint bs = rc->bs;
  guint64 frames = bs * 6;
  guint8 *samples = make_samples (FFC_SAMPLE_S16LE, 1, frames, 2, 0);
  gchar *torn = tmp_path ("torn.flac"), *cut = tmp_path ("cut.flac");
  gchar *wav = tmp_path ("cut.wav");
  GArray *ends = g_array_new (FALSE, FALSE, sizeof (guint64));
  GError *error = NULL;
  gint fd = create (torn);
  FfcFlac *f;
  guint64 last_start, full, in_file;

  make_meta (&m, FFC_SAMPLE_S16LE, rc->rate, 1);
  ffc_flac_options_init (&o);
  o.expected_frames = (guint64)rc->rate * 60;
  f = ffc_flac_open (fd, &m, &o, &error);
  g_assert_no_error (error);
  for (guint64 i = 0; i < frames; i += bs) {
    guint64 w;

    g_assert_true (ffc_flac_write (f, samples + i * 2, bs, &error));
    w = ffc_flac_written (f);
    if (ends->len == 0 || w != g_array_index (ends, guint64, ends->len - 1))
      g_array_append_val (ends, w);
  }
  /* killed: never finished */
  ffc_flac_free (f);
  close (fd);
  /* the header, then one end per frame written */
  in_file = ends->len - 1;
  g_assert_cmpuint (in_file, >=, 3);
  full = g_array_index (ends, guint64, ends->len - 1);
  last_start = g_array_index (ends, guint64, ends->len - 2);
  g_test_message ("%" G_GUINT64_FORMAT " frames in the file, the last one "
                  "%" G_GUINT64_FORMAT " bytes",
      in_file, full - last_start);
  g_assert_cmpuint (full - last_start, >, 100);

  g_assert_cmpuint (metaflac_u64 ("--show-max-blocksize", torn), ==, bs);
  for (guint64 size = last_start; size <= full; size++) {
    guint64 got, trimmed, want = (size == full ? in_file : in_file - 1) * bs;
    guint8 *riff;
    gsize riff_size;

    if ((size - last_start) % rc->stride != 0 && size - last_start >= 32
        && full - size >= 32)
      continue;
    g_assert_true (copy_prefix (torn, cut, size));
    g_assert_true (repair_file (cut, &got, &trimmed, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (got, ==, want);
    g_assert_cmpuint (trimmed, ==, size == full ? 0 : size - last_start);
    assert_flac_t (cut);
    g_assert_cmpuint (metaflac_u64 ("--show-total-samples", cut), ==, want);
    /* the riff blocks: the WAV of exactly those frames */
    riff = riff_of (cut, &riff_size);
    g_assert_cmpuint (riff[riff_size - 4] | (riff[riff_size - 3] << 8)
                          | (riff[riff_size - 2] << 16),
        ==, want * 2);
    g_assert_true (has_guano_length (riff, riff_size, want, rc->rate));
    g_free (riff);
    if (size == last_start || size == full || size == last_start + 50) {
      /* and decoded with its chunks, it is that WAV */
      write_wav (wav, &m, samples, want);
      assert_round_trip (cut, wav);
    }
  }

  /* torn in its metadata: cannot be repaired, left as it was */
  g_assert_true (copy_prefix (torn, cut, 300));
  {
    guint64 got, trimmed;
    struct stat st;

    g_assert_false (repair_file (cut, &got, &trimmed, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_assert_cmpint (g_stat (cut, (GStatBuf *)&st), ==, 0);
    g_assert_cmpint (st.st_size, ==, 300);
  }
  /* not FLAC at all */
  g_assert_true (g_file_set_contents (cut, "RIFF....WAVEfmt ", 16, NULL));
  {
    guint64 got, trimmed;

    g_assert_false (repair_file (cut, &got, &trimmed, &error));
    g_clear_error (&error);
  }

  g_unlink (torn);
  g_unlink (cut);
  g_unlink (wav);
  g_free (torn);
  g_free (cut);
  g_free (wav);
  g_array_unref (ends);
  g_free (samples);
}

/* Finished but not promoted (killed between the two): kept whole */
static void
test_repair_finished (void)
{
  FfcMeta m;
  FfcFlacOptions o;
  guint64 frames = 48000 * 3 + 11, got, trimmed;
  guint8 *samples = make_samples (FFC_SAMPLE_S16LE, 2, frames, 3000, 0);
  gchar *flac = tmp_path ("fin.flac"), *wav = tmp_path ("fin.wav");
  GError *error = NULL;

  make_meta (&m, FFC_SAMPLE_S16LE, 48000, 2);
  ffc_flac_options_init (&o);
  o.expected_frames = frames;
  write_flac (flac, &m, &o, samples, frames);
  write_wav (wav, &m, samples, frames);
  g_assert_true (repair_file (flac, &got, &trimmed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, frames);
  g_assert_cmpuint (trimmed, ==, 0);
  assert_flac_t (flac);
  g_assert_cmpuint (metaflac_u64 ("--show-total-samples", flac), ==, frames);
  assert_round_trip (flac, wav);
  g_unlink (flac);
  g_unlink (wav);
  g_free (flac);
  g_free (wav);
  g_free (samples);
}

static void
test_no_space (void)
{
  FfcMeta m;
  FfcFlacOptions o;
  GError *error = NULL;
  gint fd = g_open ("/dev/full", O_RDWR | O_CLOEXEC, 0);

  if (fd < 0) {
    g_test_skip ("no /dev/full");
    return;
  }
  make_meta (&m, FFC_SAMPLE_S16LE, 48000, 1);
  ffc_flac_options_init (&o);
  g_assert_null (ffc_flac_open (fd, &m, &o, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
  g_clear_error (&error);
  close (fd);
}

/* The container: names, and a write that fails (a file size limit, as a
 * full disk): finish () makes the file whole, and says how many frames it
 * holds */
static void
test_container (void)
{
  const FfcContainerClass *flac = &ffc_container_flac;
  gchar *path = tmp_path ("container.flac"), *def;
  FfcContainerOptions opts = { 48000 * 10, 5, 0 };
  guint8 *samples = make_samples (FFC_SAMPLE_S16LE, 1, 48000 * 10, 3000, 0);
  GError *error = NULL;
  FfcContainer *c;
  FfcMeta m;
  struct rlimit old, lim;
  guint64 done, frames;
  gint fd;

  def = ffc_container_default_template (flac);
  g_assert_true (g_str_has_suffix (def, "_{seq}.flac"));
  g_assert_true (ffc_container_check_template (flac, def, &error));
  g_free (def);
  def = ffc_container_default_template (&ffc_container_wav);
  g_assert_cmpstr (def, ==, FFC_SEGNAME_DEFAULT);
  g_free (def);
  g_assert_true (ffc_container_check_template (flac, "{seq}", &error));
  g_assert_true (ffc_container_check_template (flac, "{seq}.raw", &error));
  g_assert_false (ffc_container_check_template (flac, "{seq}.WAV", &error));
  g_assert_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_SETTINGS);
  g_assert_nonnull (strstr (error->message, "{seq}.WAV"));
  g_assert_nonnull (strstr (error->message, "format is flac"));
  g_clear_error (&error);
  g_assert_false (
      ffc_container_check_template (&ffc_container_wav, "a.flac", &error));
  g_assert_nonnull (strstr (error->message, "format is wav"));
  g_clear_error (&error);
  g_assert_false (flac->check_format (FFC_SAMPLE_F32LE, 48000, 1, &error));
  g_assert_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "F32LE"));
  g_clear_error (&error);
  g_assert_true (flac->check_format (FFC_SAMPLE_S32LE, 384000, 8, &error));

  make_meta (&m, FFC_SAMPLE_S16LE, 48000, 1);
  fd = create (path);
  c = flac->open (fd, &m, &opts, &error);
  g_assert_no_error (error);
  g_assert_true (ffc_container_of_file (fd, NULL) == flac);
  /* room for about 2 s of it */
  signal (SIGXFSZ, SIG_IGN);
  getrlimit (RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 40000;
  setrlimit (RLIMIT_FSIZE, &lim);
  g_assert_false (flac->write (c, samples, 48000 * 10, &done, &error));
  setrlimit (RLIMIT_FSIZE, &old);
  signal (SIGXFSZ, SIG_DFL);
  g_assert_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_WRITE);
  g_clear_error (&error);
  frames = done;
  g_assert_true (flac->finish (c, &frames, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (frames, >, 0);
  g_assert_cmpuint (frames % 4096, ==, 0);
  g_assert_cmpuint (flac->size (c, frames), <=, 40000);
  flac->free (c);
  close (fd);
  assert_flac_t (path);
  g_assert_cmpuint (metaflac_u64 ("--show-total-samples", path), ==, frames);
  g_unlink (path);
  g_free (path);
  g_free (samples);
}

int
main (int argc, char **argv)
{
  static const Case cases[] = {
    { FFC_SAMPLE_S16LE, 48000, 1, 4096 },
    { FFC_SAMPLE_S16LE, 44100, 2, 4096 },
    { FFC_SAMPLE_S32LE, 96000, 2, 16384 },
    { FFC_SAMPLE_S16LE, 48000, 4, 4096 }, /* WAVE_FORMAT_EXTENSIBLE */
    { FFC_SAMPLE_S16LE, 384000, 1, 16384 },
  };
  /* at 48 kHz every byte; at 384 kHz the frames are 4 times longer: every
   * 7th byte, and every one of the frame's header and CRC */
  static const RepairCase repair_cases[] = {
    { 48000, 4096, 1 },
    { 384000, 16384, 7 },
  };
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("test-flac-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  g_test_add_func ("/flac/layout", test_layout);
  g_test_add_func ("/flac/settings", test_settings);
  g_test_add_func ("/flac/levels", test_levels);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *name = g_strdup_printf ("/flac/round-trip/%s-%uHz-%uch",
        cases[i].format == FFC_SAMPLE_S16LE ? "S16LE" : "S32LE", cases[i].rate,
        cases[i].channels);
    g_test_add_data_func (name, &cases[i], test_round_trip);
    g_free (name);
  }
  g_test_add_func ("/flac/rewrite-metadata", test_rewrite_metadata);
  g_test_add_func ("/flac/lengths", test_lengths);
  g_test_add_func ("/flac/24-in-32", test_24_in_32);
  g_test_add_func ("/flac/refused", test_refused);
  g_test_add_func ("/flac/no-space", test_no_space);
  g_test_add_data_func (
      "/flac/repair/every-byte", &repair_cases[0], test_repair_every_byte);
  g_test_add_data_func ("/flac/repair/every-byte-384kHz", &repair_cases[1],
      test_repair_every_byte);
  g_test_add_func ("/flac/repair/finished", test_repair_finished);
  g_test_add_func ("/flac/container", test_container);
  ret = g_test_run ();
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return ret;
}
