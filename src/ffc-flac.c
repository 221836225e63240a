/* gst-ffcapture: FLAC segments (libFLAC) with the WAV's own chunks kept
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libFLAC's stream encoder writes into the segment's descriptor through
 * our callbacks, so that FLAC__stream_encoder_finish () can seek back and
 * rewrite STREAMINFO (total samples, MD5) and fill the SEEKTABLE.
 *
 * The WAV file segmentsink would have written for the same stream and
 * metadata is kept as `flac --keep-foreign-metadata` (flac 1.4) keeps a
 * WAV's: one APPLICATION block with the id "riff" for the RIFF header (12
 * bytes), one for each chunk before the audio (JUNK, "fmt ", bext, guan and
 * the JUNK that fills the GUANO room), and one for the data chunk's 8-byte
 * header; each block holds the chunk's bytes verbatim. `flac -d
 * --keep-foreign-metadata` rebuilds that WAV byte for byte. The WAV header
 * itself is made by ffc-wav (one owner of that layout), in a memory file
 * that ffc_wav_rewrite_metadata () and ffc_wav_finalize () update as they
 * would a WAV segment; its bytes are then copied into the blocks, whose
 * sizes never change.
 */
#include "config.h" /* PACKAGE_VERSION */

#include "ffc-flac.h"

#include "ffc-container.h"
#include "ffc-segwriter.h"
#include "ffc-wav.h"

#include <FLAC/metadata.h>
#include <FLAC/stream_decoder.h>
#include <FLAC/stream_encoder.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_FRAMES 4096
#define STREAMINFO_BODY 34

typedef struct {
  guint type;
  gboolean last;
  goffset offset; /* of the block's 4-byte header */
  guint32 length; /* of its body */
} Block;

typedef struct {
  goffset file_offset; /* of the chunk bytes, after the application id */
  gsize header_offset; /* in the WAV header */
  gsize size;
} RiffSlice;

struct _FfcFlac {
  gint fd;
  FLAC__StreamEncoder *enc;
  guint64 pos;     /* the encoder's position */
  guint64 written; /* end of what is in the file */
  gint write_errno;
  gboolean broken;

  FfcSampleFormat format;
  guint rate, channels, bps, in_bytes;
  guint64 frames;
  guint64 expected;
  FLAC__int32 *buf;
  GPtrArray *metadata; /* libFLAC keeps (and fills) it until finish */

  gint wav_fd; /* the WAV header, in memory */
  FfcWavLayout layout;
  GArray *riff; /* RiffSlice */
  goffset vorbis_offset;
  guint32 vorbis_length;
  goffset seektable_offset;
  guint32 seektable_length;
};

static gboolean
set_errno (GError **error, gint e, const gchar *what)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e), "%s: %s", what,
      g_strerror (e));
  return FALSE;
}

static gboolean
fail (GError **error, const gchar *what)
{
  g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, what);
  return FALSE;
}

static gint
pwrite_all (gint fd, const guint8 *data, gsize size, goffset offset)
{
  while (size > 0) {
    gssize n = pwrite (fd, data, size, offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n < 0 ? errno : EIO;
    data += n;
    size -= n;
    offset += n;
  }
  return 0;
}

/* 0, or the errno; a short read is EIO */
static gint
pread_all (gint fd, guint8 *data, gsize size, goffset offset)
{
  while (size > 0) {
    gssize n = pread (fd, data, size, offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n < 0 ? errno : EIO;
    data += n;
    size -= n;
    offset += n;
  }
  return 0;
}

static guint32
get_be (const guint8 *p, guint n)
{
  guint32 v = 0;

  for (guint i = 0; i < n; i++)
    v = (v << 8) | p[i];
  return v;
}

static void
put_be64 (guint8 *p, guint64 v)
{
  for (int i = 7; i >= 0; i--, v >>= 8)
    p[i] = v & 0xff;
}

static guint64
get_be64 (const guint8 *p)
{
  guint64 v = 0;

  for (int i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return v;
}

static void
put_le32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

static guint32
get_le32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32)p[3] << 24);
}

/* The metadata blocks of a FLAC file: FALSE if it is not one, or if they
 * run past `size` bytes (torn in its header). */
static gboolean
parse_blocks (gint fd, guint64 size, GArray *blocks, GError **error)
{
  guint8 h[4];
  goffset pos = 4;
  gint e;

  if ((e = pread_all (fd, h, 4, 0)) != 0)
    return e == EIO ? fail (error, "not a FLAC file")
                    : set_errno (error, e, "cannot read the FLAC header");
  if (memcmp (h, "fLaC", 4) != 0)
    return fail (error, "not a FLAC file");
  for (;;) {
    Block b;

    if ((guint64)pos + 4 > size)
      return fail (error, "the FLAC metadata is torn");
    if ((e = pread_all (fd, h, 4, pos)) != 0)
      return set_errno (error, e, "cannot read the FLAC metadata");
    b.type = h[0] & 0x7f;
    b.last = (h[0] & 0x80) != 0;
    b.offset = pos;
    b.length = get_be (h + 1, 3);
    if ((guint64)pos + 4 + b.length > size)
      return fail (error, "the FLAC metadata is torn");
    if (blocks->len == 0
        && (b.type != FLAC__METADATA_TYPE_STREAMINFO
            || b.length != STREAMINFO_BODY))
      return fail (error, "a FLAC file without STREAMINFO");
    g_array_append_val (blocks, b);
    pos += 4 + b.length;
    if (b.last)
      return TRUE;
  }
}

static gboolean
is_riff_block (gint fd, const Block *b)
{
  guint8 id[4];

  return b->type == FLAC__METADATA_TYPE_APPLICATION && b->length >= 4
         && pread_all (fd, id, 4, b->offset + 4) == 0
         && memcmp (id, "riff", 4) == 0;
}

/* The "riff" blocks' chunks, in order, as slices of the WAV header */
static GArray *
riff_slices (gint fd, GArray *blocks, gsize *total)
{
  GArray *slices = g_array_new (FALSE, FALSE, sizeof (RiffSlice));

  *total = 0;
  for (guint i = 0; i < blocks->len; i++) {
    const Block *b = &g_array_index (blocks, Block, i);
    RiffSlice s;

    if (!is_riff_block (fd, b))
      continue;
    s.file_offset = b->offset + 8;
    s.header_offset = *total;
    s.size = b->length - 4;
    *total += s.size;
    g_array_append_val (slices, s);
  }
  return slices;
}

static guint8 *
read_slices (gint fd, GArray *slices, gsize total, GError **error)
{
  guint8 *header = g_malloc (MAX (total, 1));

  for (guint i = 0; i < slices->len; i++) {
    const RiffSlice *s = &g_array_index (slices, RiffSlice, i);
    gint e = pread_all (fd, header + s->header_offset, s->size, s->file_offset);

    if (e != 0) {
      set_errno (error, e, "cannot read the riff blocks");
      g_free (header);
      return NULL;
    }
  }
  return header;
}

static gint
write_slices (gint fd, GArray *slices, const guint8 *header)
{
  for (guint i = 0; i < slices->len; i++) {
    const RiffSlice *s = &g_array_index (slices, RiffSlice, i);
    gint e =
        pwrite_all (fd, header + s->header_offset, s->size, s->file_offset);

    if (e != 0)
      return e;
  }
  return 0;
}

guint8 *
ffc_flac_read_riff (gint fd, gsize *size, GError **error)
{
  GArray *blocks = g_array_new (FALSE, FALSE, sizeof (Block));
  GArray *slices = NULL;
  guint8 *header = NULL;
  struct stat st;

  if (fstat (fd, &st) < 0) {
    set_errno (error, errno, "cannot stat the file");
    goto done;
  }
  if (!parse_blocks (fd, st.st_size, blocks, error))
    goto done;
  slices = riff_slices (fd, blocks, size);
  if (slices->len == 0) {
    fail (error, "no riff blocks");
    goto done;
  }
  header = read_slices (fd, slices, *size, error);

done:
  g_array_unref (blocks);
  if (slices != NULL)
    g_array_unref (slices);
  return header;
}

/* The metadata of the WAV twin: the same, but for the file name, which
 * is the WAV's (what `flac -d` gives back is that file). *owned is to be
 * freed. */
static void
twin_meta (const FfcMeta *meta, FfcMeta *twin, gchar **owned)
{
  const gchar *name = meta->original_filename;

  *twin = *meta;
  *owned = NULL;
  if (name != NULL && g_str_has_suffix (name, ".flac")) {
    *owned = g_strconcat ("", name, NULL);
    strcpy (*owned + strlen (name) - 5, ".wav");
    twin->original_filename = *owned;
  }
}

/* The WAV header's own memory file, for ffc-wav to update */
static gint
wav_memfd (const guint8 *header, gsize size, GError **error)
{
  gint fd = memfd_create ("ffc-flac-riff", MFD_CLOEXEC);
  gint e;

  if (fd < 0) {
    set_errno (error, errno, "cannot make a memory file");
    return -1;
  }
  if ((e = pwrite_all (fd, header, size, 0)) != 0) {
    set_errno (error, e, "cannot write a memory file");
    close (fd);
    return -1;
  }
  return fd;
}

/* Finalizes the WAV header in `wav_fd` for `frames` frames and copies it
 * into the riff blocks of `fd`. */
static gboolean
finish_riff (gint fd, gint wav_fd, const FfcWavLayout *layout, GArray *slices,
    guint64 frames, GError **error)
{
  guint8 *header;
  gint e;

  if (!ffc_wav_finalize (wav_fd, layout, frames * layout->block_align, error))
    return FALSE;
  header = g_malloc (layout->header_size);
  e = pread_all (wav_fd, header, layout->header_size, 0);
  if (e == 0)
    e = write_slices (fd, slices, header);
  g_free (header);
  if (e != 0)
    return set_errno (error, e, "cannot write the riff blocks");
  return TRUE;
}

void
ffc_flac_options_init (FfcFlacOptions *o)
{
  memset (o, 0, sizeof (*o));
  o->compression_level = FFC_FLAC_DEFAULT_COMPRESSION_LEVEL;
}

void
ffc_flac_settings (
    guint rate, guint bits_per_sample, guint level, FfcFlacSettings *s)
{
  memset (s, 0, sizeof (*s));
  /* the subset's limits: 4608 frames and 12 predictor coefficients at up
   * to 48 kHz, 16384 and 32 above; residual partition order 8 */
  if (rate <= 48000)
    return;
  if (level <= 2 && bits_per_sample <= 16) {
    s->blocksize = FFC_FLAC_HIGH_RATE_FIXED_BLOCKSIZE_16;
    return;
  }
  s->blocksize = FFC_FLAC_HIGH_RATE_BLOCKSIZE;
  s->max_partition_order = FFC_FLAC_HIGH_RATE_MAX_PARTITION_ORDER;
  if (bits_per_sample == 16)
    s->qlp_precision = FFC_FLAC_HIGH_RATE_QLP_PRECISION_16;
}

/* The comments, as a VORBIS_COMMENT block's body with `vendor` */
static GByteArray *
vorbis_body (const FfcMeta *meta, const FfcFlacOptions *o, const gchar *vendor)
{
  GByteArray *body = g_byte_array_new ();
  GPtrArray *entries = g_ptr_array_new_with_free_func (g_free);
  gint64 us = meta->start_us;
  GDateTime *t = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  GDateTime *tu = g_date_time_add (t, us % G_USEC_PER_SEC);
  guint8 len[4];

  g_ptr_array_add (
      entries, g_date_time_format (tu, "DATE=%Y-%m-%dT%H:%M:%S.%fZ"));
  g_date_time_unref (t);
  g_date_time_unref (tu);
  if (o->encoder != NULL && *o->encoder)
    g_ptr_array_add (entries, g_strconcat ("ENCODER=", o->encoder, NULL));
  if (meta->stream != NULL && *meta->stream)
    g_ptr_array_add (entries, g_strconcat ("TITLE=", meta->stream, NULL));
  if (meta->note != NULL && *meta->note)
    g_ptr_array_add (entries, g_strconcat ("COMMENT=", meta->note, NULL));
  /* the WAV's speaker mask (ffc-wav: the first n), which `flac -d` puts
   * back in the fmt chunk instead of its own default for n channels */
  if (meta->channels > 2)
    g_ptr_array_add (
        entries, g_strdup_printf ("WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x%04X",
                     (1u << meta->channels) - 1));

  put_le32 (len, strlen (vendor));
  g_byte_array_append (body, len, 4);
  g_byte_array_append (body, (const guint8 *)vendor, strlen (vendor));
  put_le32 (len, entries->len);
  g_byte_array_append (body, len, 4);
  for (guint i = 0; i < entries->len; i++) {
    const gchar *e = entries->pdata[i];

    put_le32 (len, strlen (e));
    g_byte_array_append (body, len, 4);
    g_byte_array_append (body, (const guint8 *)e, strlen (e));
  }
  g_ptr_array_unref (entries);
  return body;
}

static FLAC__StreamEncoderWriteStatus
enc_write (const FLAC__StreamEncoder *enc, const FLAC__byte buffer[],
    size_t bytes, uint32_t samples, uint32_t current_frame, void *data)
{
  FfcFlac *f = data;
  gint e = pwrite_all (f->fd, buffer, bytes, f->pos);

  if (e != 0) {
    f->write_errno = e;
    return FLAC__STREAM_ENCODER_WRITE_STATUS_FATAL_ERROR;
  }
  f->pos += bytes;
  f->written = MAX (f->written, f->pos);
  return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
}

static FLAC__StreamEncoderSeekStatus
enc_seek (const FLAC__StreamEncoder *enc, FLAC__uint64 offset, void *data)
{
  FfcFlac *f = data;

  f->pos = offset;
  return FLAC__STREAM_ENCODER_SEEK_STATUS_OK;
}

static FLAC__StreamEncoderTellStatus
enc_tell (const FLAC__StreamEncoder *enc, FLAC__uint64 *offset, void *data)
{
  FfcFlac *f = data;

  *offset = f->pos;
  return FLAC__STREAM_ENCODER_TELL_STATUS_OK;
}

static gboolean
encoder_error (FfcFlac *f, GError **error, const gchar *what)
{
  f->broken = TRUE;
  if (f->write_errno != 0)
    return set_errno (error, f->write_errno, what);
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: libFLAC: %s",
      what,
      FLAC__StreamEncoderStateString[FLAC__stream_encoder_get_state (f->enc)]);
  return FALSE;
}

/* Where libFLAC put the blocks it wrote at init */
static gboolean
locate_blocks (FfcFlac *f, GError **error)
{
  GArray *blocks = g_array_new (FALSE, FALSE, sizeof (Block));
  gsize total;
  gboolean ok = parse_blocks (f->fd, f->written, blocks, error);

  if (ok) {
    for (guint i = 0; i < blocks->len; i++) {
      const Block *b = &g_array_index (blocks, Block, i);

      if (b->type == FLAC__METADATA_TYPE_VORBIS_COMMENT) {
        f->vorbis_offset = b->offset;
        f->vorbis_length = b->length;
      } else if (b->type == FLAC__METADATA_TYPE_SEEKTABLE) {
        f->seektable_offset = b->offset;
        f->seektable_length = b->length;
      }
    }
    f->riff = riff_slices (f->fd, blocks, &total);
    if (total != f->layout.header_size || f->vorbis_offset == 0)
      ok = fail (error, "libFLAC did not write the metadata given");
  }
  g_array_unref (blocks);
  return ok;
}

FfcFlac *
ffc_flac_open (
    gint fd, const FfcMeta *meta, const FfcFlacOptions *o, GError **error)
{
  FfcFlac *f;
  GPtrArray *md;
  guint8 header[FFC_WAV_MAX_HEADER], *bext;
  gchar *guano, *twin_name;
  FfcMeta twin;
  gsize bext_size, pos;
  FLAC__StreamMetadata *m;
  FLAC__StreamEncoderInitStatus status;
  GByteArray *vc;
  FfcFlacSettings settings;
  guint bps;

  if (meta->format == FFC_SAMPLE_F32LE) {
    fail (error, "FLAC holds integer samples: F32LE cannot be written as "
                 "FLAC (use S16LE or S32LE, or format=wav)");
    return NULL;
  }
  bps = meta->format == FFC_SAMPLE_S16LE ? 16 : 32;
  if (o->bits_per_sample != 0 && o->bits_per_sample != bps
      && !(bps == 32 && o->bits_per_sample == 24)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%u bits per sample in a %u-bit format", o->bits_per_sample, bps);
    return NULL;
  }
  if (o->bits_per_sample == 24)
    bps = 24;
  if (meta->rate == 0 || meta->rate > FLAC__MAX_SAMPLE_RATE
      || meta->channels == 0 || meta->channels > FLAC__MAX_CHANNELS) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "FLAC holds 1 to %u channels at up to %u Hz, not %u at %u Hz",
        FLAC__MAX_CHANNELS, FLAC__MAX_SAMPLE_RATE, meta->channels, meta->rate);
    return NULL;
  }
  if (o->compression_level > FFC_FLAC_MAX_COMPRESSION_LEVEL) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "compression level %u is not one of 0 to 8", o->compression_level);
    return NULL;
  }

  f = g_new0 (FfcFlac, 1);
  f->fd = fd;
  f->wav_fd = -1;
  f->format = meta->format;
  f->rate = meta->rate;
  f->channels = meta->channels;
  f->bps = bps;
  f->in_bytes = meta->format == FFC_SAMPLE_S16LE ? 2 : 4;
  f->expected = o->expected_frames;

  /* the WAV twin's header */
  twin_meta (meta, &twin, &twin_name);
  guano = ffc_meta_guano (&twin);
  bext = ffc_meta_bext (&twin, &bext_size);
  ffc_wav_header_init (&f->layout, meta->format, meta->rate, meta->channels,
      bext, bext_size, guano, header);
  g_free (guano);
  g_free (bext);
  g_free (twin_name);
  f->wav_fd = wav_memfd (header, f->layout.header_size, error);
  if (f->wav_fd < 0) {
    ffc_flac_free (f);
    return NULL;
  }

  f->metadata = md = g_ptr_array_new_with_free_func (
      (GDestroyNotify)FLAC__metadata_object_delete);
  if (f->expected > 0) {
    m = FLAC__metadata_object_new (FLAC__METADATA_TYPE_SEEKTABLE);
    FLAC__metadata_object_seektable_template_append_spaced_points_by_samples (m,
        MIN ((guint64)meta->rate * FFC_FLAC_SEEK_SPACING_S, G_MAXUINT32),
        f->expected);
    FLAC__metadata_object_seektable_template_sort (m, TRUE);
  } else {
    m = FLAC__metadata_object_new (FLAC__METADATA_TYPE_PADDING);
    m->length = FFC_FLAC_PADDING;
  }
  g_ptr_array_add (md, m);

  /* libFLAC writes its own vendor string; the body is parsed again for
   * the rewrite */
  m = FLAC__metadata_object_new (FLAC__METADATA_TYPE_VORBIS_COMMENT);
  vc = vorbis_body (meta, o, FLAC__VENDOR_STRING);
  for (pos = 4 + get_le32 (vc->data) + 4; pos < vc->len;) {
    guint32 len = get_le32 (vc->data + pos);
    FLAC__StreamMetadata_VorbisComment_Entry entry = { len,
      vc->data + pos + 4 };

    FLAC__metadata_object_vorbiscomment_append_comment (m, entry, TRUE);
    pos += 4 + len;
  }
  g_byte_array_unref (vc);
  g_ptr_array_add (md, m);

  /* the RIFF header, every chunk before the audio, the data chunk's
   * header: each in its own block */
  for (pos = 0; pos < f->layout.header_size;) {
    gsize size;

    if (pos == 0)
      size = 12;
    else if (memcmp (header + pos, "data", 4) == 0)
      size = 8;
    else {
      guint32 len = get_le32 (header + pos + 4);
      size = 8 + len + (len & 1);
    }
    m = FLAC__metadata_object_new (FLAC__METADATA_TYPE_APPLICATION);
    memcpy (m->data.application.id, "riff", 4);
    FLAC__metadata_object_application_set_data (m, header + pos, size, TRUE);
    g_ptr_array_add (md, m);
    pos += size;
  }

  f->enc = FLAC__stream_encoder_new ();
  FLAC__stream_encoder_set_channels (f->enc, f->channels);
  FLAC__stream_encoder_set_bits_per_sample (f->enc, bps);
  FLAC__stream_encoder_set_sample_rate (f->enc, f->rate);
  FLAC__stream_encoder_set_compression_level (f->enc, o->compression_level);
  /* after the level, which sets these too */
  ffc_flac_settings (f->rate, bps, o->compression_level, &settings);
  if (settings.blocksize != 0)
    FLAC__stream_encoder_set_blocksize (f->enc, settings.blocksize);
  if (settings.max_partition_order != 0)
    FLAC__stream_encoder_set_max_residual_partition_order (
        f->enc, settings.max_partition_order);
  if (settings.qlp_precision != 0)
    FLAC__stream_encoder_set_qlp_coeff_precision (
        f->enc, settings.qlp_precision);
  /* the subset ("streamable") stops at 24 bits and 655350 Hz */
  FLAC__stream_encoder_set_streamable_subset (
      f->enc, bps <= 24 && f->rate <= 655350);
  if (f->expected > 0)
    FLAC__stream_encoder_set_total_samples_estimate (f->enc, f->expected);
  FLAC__stream_encoder_set_metadata (
      f->enc, (FLAC__StreamMetadata **)md->pdata, md->len);
  status = FLAC__stream_encoder_init_stream (
      f->enc, enc_write, enc_seek, enc_tell, NULL, f);
  if (status != FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
    if (status == FLAC__STREAM_ENCODER_INIT_STATUS_ENCODER_ERROR)
      encoder_error (f, error, "cannot write the FLAC header");
    else
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
          "libFLAC refuses the stream (%u Hz, %u channels, %u bits): %s",
          f->rate, f->channels, bps,
          FLAC__StreamEncoderInitStatusString[status]);
    ffc_flac_free (f);
    return NULL;
  }
  if (!locate_blocks (f, error)) {
    ffc_flac_free (f);
    return NULL;
  }
  f->buf = g_new (FLAC__int32, CHUNK_FRAMES * f->channels);
  return f;
}

gboolean
ffc_flac_write (FfcFlac *f, const guint8 *data, guint64 frames, GError **error)
{
  guint spf = f->channels;

  if (f->broken)
    return fail (error, "the FLAC encoder failed before");
  while (frames > 0) {
    guint n = MIN (frames, CHUNK_FRAMES), count = n * spf;

    if (f->in_bytes == 2) {
      for (guint i = 0; i < count; i++)
        f->buf[i] = (gint16)(data[2 * i] | (data[2 * i + 1] << 8));
    } else if (f->bps == 32) {
      for (guint i = 0; i < count; i++)
        f->buf[i] = (gint32)get_le32 (data + 4 * i);
    } else {
      guint32 low = 0;

      for (guint i = 0; i < count; i++) {
        guint32 v = get_le32 (data + 4 * i);
        low |= v & 0xff;
        f->buf[i] = (gint32)v >> 8;
      }
      if (low != 0) {
        f->broken = TRUE;
        return fail (error, "samples with more than the 24 bits the stream "
                            "said it carries");
      }
    }
    if (!FLAC__stream_encoder_process_interleaved (f->enc, f->buf, n))
      return encoder_error (f, error, "cannot write the FLAC segment");
    f->frames += n;
    data += (gsize)count * f->in_bytes;
    frames -= n;
  }
  return TRUE;
}

gboolean
ffc_flac_rewrite_metadata (FfcFlac *f, const FfcMeta *meta, GError **error)
{
  FfcMeta twin;
  gchar *twin_name, *guano;
  gsize bext_size;
  guint8 *bext, *old, *header;
  GByteArray *vc;
  gchar *vendor;
  gboolean ok;
  gint e;
  FfcFlacOptions o;

  twin_meta (meta, &twin, &twin_name);
  guano = ffc_meta_guano (&twin);
  bext = ffc_meta_bext (&twin, &bext_size);
  g_free (twin_name);
  ok = ffc_wav_rewrite_metadata (
      f->wav_fd, &f->layout, bext, bext_size, guano, error);
  g_free (guano);
  g_free (bext);
  if (!ok)
    return FALSE;
  header = g_malloc (f->layout.header_size);
  e = pread_all (f->wav_fd, header, f->layout.header_size, 0);
  if (e == 0)
    e = write_slices (f->fd, f->riff, header);
  g_free (header);
  if (e != 0)
    return set_errno (error, e, "cannot rewrite the riff blocks");

  /* the comments: same vendor, same ENCODER */
  old = g_malloc (f->vorbis_length);
  e = pread_all (f->fd, old, f->vorbis_length, f->vorbis_offset + 4);
  if (e != 0) {
    g_free (old);
    return set_errno (error, e, "cannot read the comments");
  }
  vendor = g_strndup ((const gchar *)old + 4, get_le32 (old));
  ffc_flac_options_init (&o);
  for (gsize pos = 4 + strlen (vendor) + 4; pos + 4 <= f->vorbis_length;) {
    guint32 len = get_le32 (old + pos);

    if (len >= 8 && pos + 4 + len <= f->vorbis_length
        && g_ascii_strncasecmp ((const gchar *)old + pos + 4, "ENCODER=", 8)
               == 0)
      o.encoder = g_strndup ((const gchar *)old + pos + 12, len - 8);
    pos += 4 + len;
  }
  vc = vorbis_body (meta, &o, vendor);
  g_free (vendor);
  g_free ((gchar *)o.encoder);
  g_free (old);
  if (vc->len != f->vorbis_length)
    ok = fail (error, "the new comments are not the size of the old");
  else if ((e = pwrite_all (f->fd, vc->data, vc->len, f->vorbis_offset + 4))
           != 0)
    ok = set_errno (error, e, "cannot rewrite the comments");
  g_byte_array_unref (vc);
  return ok;
}

/* Seek points the stream did not reach become placeholders (they stay at
 * the end, the table stays sorted) */
static gint
clear_unreached_points (FfcFlac *f)
{
  guint n = f->seektable_length / 18;
  guint8 *t = g_malloc (MAX (f->seektable_length, 1));
  gint e = pread_all (f->fd, t, f->seektable_length, f->seektable_offset + 4);

  for (guint i = 0; e == 0 && i < n; i++) {
    guint8 *p = t + 18 * i;
    guint64 sample = get_be64 (p);

    if (sample != FLAC__STREAM_METADATA_SEEKPOINT_PLACEHOLDER
        && sample >= f->frames) {
      put_be64 (p, FLAC__STREAM_METADATA_SEEKPOINT_PLACEHOLDER);
      memset (p + 8, 0, 10);
    }
  }
  if (e == 0)
    e = pwrite_all (f->fd, t, f->seektable_length, f->seektable_offset + 4);
  g_free (t);
  return e;
}

gboolean
ffc_flac_finish (FfcFlac *f, guint64 frames, GError **error)
{
  gint e;

  if (f->broken)
    return fail (error, "the FLAC encoder failed before");
  if (frames != f->frames) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%" G_GUINT64_FORMAT " frames to finish, %" G_GUINT64_FORMAT " written",
        frames, f->frames);
    return FALSE;
  }
  f->broken = TRUE; /* finished: no more writes */
  if (!FLAC__stream_encoder_finish (f->enc))
    return encoder_error (f, error, "cannot finish the FLAC segment");
  if (f->seektable_offset != 0 && f->expected > f->frames
      && (e = clear_unreached_points (f)) != 0)
    return set_errno (error, e, "cannot rewrite the seek table");
  return finish_riff (f->fd, f->wav_fd, &f->layout, f->riff, frames, error);
}

guint64
ffc_flac_frames (FfcFlac *f)
{
  return f->frames;
}

guint64
ffc_flac_written (FfcFlac *f)
{
  return f->written;
}

void
ffc_flac_free (FfcFlac *f)
{
  if (f == NULL)
    return;
  if (f->enc != NULL)
    FLAC__stream_encoder_delete (f->enc);
  if (f->wav_fd >= 0)
    close (f->wav_fd);
  if (f->riff != NULL)
    g_array_unref (f->riff);
  if (f->metadata != NULL)
    g_ptr_array_unref (f->metadata);
  g_free (f->buf);
  g_free (f);
}

/* Repair */

typedef struct {
  guint64 first; /* sample */
  guint64 offset;
  guint32 samples;
} FrameInfo;

typedef struct {
  gint fd;
  guint64 size;
  guint64 pos;
  gboolean got_frame;
  gboolean error;
  FrameInfo frame;
} Reader;

static FLAC__StreamDecoderReadStatus
dec_read (const FLAC__StreamDecoder *d, FLAC__byte buffer[], size_t *bytes,
    void *data)
{
  Reader *r = data;
  gssize n;

  if (r->pos >= r->size) {
    *bytes = 0;
    return FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM;
  }
  do {
    n = pread (r->fd, buffer, MIN (*bytes, r->size - r->pos), r->pos);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    *bytes = 0;
    return FLAC__STREAM_DECODER_READ_STATUS_ABORT;
  }
  *bytes = n;
  r->pos += n;
  return n == 0 ? FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM
                : FLAC__STREAM_DECODER_READ_STATUS_CONTINUE;
}

static FLAC__StreamDecoderSeekStatus
dec_seek (const FLAC__StreamDecoder *d, FLAC__uint64 offset, void *data)
{
  Reader *r = data;

  r->pos = offset;
  return FLAC__STREAM_DECODER_SEEK_STATUS_OK;
}

static FLAC__StreamDecoderTellStatus
dec_tell (const FLAC__StreamDecoder *d, FLAC__uint64 *offset, void *data)
{
  Reader *r = data;

  *offset = r->pos;
  return FLAC__STREAM_DECODER_TELL_STATUS_OK;
}

static FLAC__StreamDecoderLengthStatus
dec_length (const FLAC__StreamDecoder *d, FLAC__uint64 *length, void *data)
{
  Reader *r = data;

  *length = r->size;
  return FLAC__STREAM_DECODER_LENGTH_STATUS_OK;
}

static FLAC__bool
dec_eof (const FLAC__StreamDecoder *d, void *data)
{
  Reader *r = data;

  return r->pos >= r->size;
}

static FLAC__StreamDecoderWriteStatus
dec_write (const FLAC__StreamDecoder *d, const FLAC__Frame *frame,
    const FLAC__int32 *const buffer[], void *data)
{
  Reader *r = data;

  r->got_frame = TRUE;
  r->frame.samples = frame->header.blocksize;
  r->frame.first =
      frame->header.number_type == FLAC__FRAME_NUMBER_TYPE_SAMPLE_NUMBER
          ? frame->header.number.sample_number
          : (guint64)frame->header.number.frame_number
                * frame->header.blocksize;
  return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE;
}

static void
dec_error (const FLAC__StreamDecoder *d, FLAC__StreamDecoderErrorStatus status,
    void *data)
{
  Reader *r = data;

  r->error = TRUE;
}

/* The frames of a (torn) file, up to the first that is not whole and
 * right; *audio_start is where the first one starts */
static GArray *
scan_frames (gint fd, guint64 size, guint64 *audio_start, guint64 *good_end,
    GError **error)
{
  FLAC__StreamDecoder *d = FLAC__stream_decoder_new ();
  GArray *frames = g_array_new (FALSE, FALSE, sizeof (FrameInfo));
  Reader r = { fd, size, 0, FALSE, FALSE };
  FLAC__uint64 pos;

  FLAC__stream_decoder_set_md5_checking (d, FALSE);
  if (FLAC__stream_decoder_init_stream (d, dec_read, dec_seek, dec_tell,
          dec_length, dec_eof, dec_write, NULL, dec_error, &r)
          != FLAC__STREAM_DECODER_INIT_STATUS_OK
      || !FLAC__stream_decoder_process_until_end_of_metadata (d) || r.error
      || !FLAC__stream_decoder_get_decode_position (d, &pos)) {
    fail (error, "libFLAC cannot read the file's metadata");
    g_clear_pointer (&frames, g_array_unref);
    goto done;
  }
  *audio_start = pos;
  *good_end = pos;
  for (;;) {
    FLAC__uint64 end;

    r.got_frame = FALSE;
    if (!FLAC__stream_decoder_process_single (d) || r.error || !r.got_frame
        || !FLAC__stream_decoder_get_decode_position (d, &end))
      break;
    r.frame.offset = pos;
    g_array_append_val (frames, r.frame);
    pos = end;
    *good_end = end;
    if (FLAC__stream_decoder_get_state (d)
        == FLAC__STREAM_DECODER_END_OF_STREAM)
      break;
  }

done:
  FLAC__stream_decoder_delete (d);
  return frames;
}

/* The seek points, each at the frame holding its sample, or placeholders
 * past the end; sorted again */
static gint
rebuild_seektable (
    gint fd, const Block *b, GArray *frames, guint64 total, guint64 audio_start)
{
  guint n = b->length / 18;
  guint8 *t = g_malloc (MAX (b->length, 1));
  FLAC__StreamMetadata *m =
      FLAC__metadata_object_new (FLAC__METADATA_TYPE_SEEKTABLE);
  gint e = pread_all (fd, t, b->length, b->offset + 4);

  FLAC__metadata_object_seektable_resize_points (m, n);
  for (guint i = 0; e == 0 && i < n; i++) {
    FLAC__StreamMetadata_SeekPoint *sp = &m->data.seek_table.points[i];
    guint64 target = get_be64 (t + 18 * i);
    guint lo = 0, hi = frames->len;

    sp->sample_number = FLAC__STREAM_METADATA_SEEKPOINT_PLACEHOLDER;
    sp->stream_offset = 0;
    sp->frame_samples = 0;
    if (target == FLAC__STREAM_METADATA_SEEKPOINT_PLACEHOLDER
        || target >= total)
      continue;
    while (hi - lo > 1) { /* the last frame starting at or before target */
      guint mid = (lo + hi) / 2;
      if (g_array_index (frames, FrameInfo, mid).first <= target)
        lo = mid;
      else
        hi = mid;
    }
    {
      const FrameInfo *fi = &g_array_index (frames, FrameInfo, lo);
      sp->sample_number = fi->first;
      sp->stream_offset = fi->offset - audio_start;
      sp->frame_samples = fi->samples;
    }
  }
  FLAC__format_seektable_sort (&m->data.seek_table);
  for (guint i = 0; e == 0 && i < n; i++) {
    const FLAC__StreamMetadata_SeekPoint *sp = &m->data.seek_table.points[i];
    guint8 *p = t + 18 * i;

    put_be64 (p, sp->sample_number);
    put_be64 (p + 8, sp->stream_offset);
    p[16] = sp->frame_samples >> 8;
    p[17] = sp->frame_samples & 0xff;
  }
  if (e == 0)
    e = pwrite_all (fd, t, b->length, b->offset + 4);
  FLAC__metadata_object_delete (m);
  g_free (t);
  return e;
}

gboolean
ffc_flac_repair (
    gint fd, guint64 *frames_out, guint64 *trimmed_bytes, GError **error)
{
  GArray *blocks = g_array_new (FALSE, FALSE, sizeof (Block));
  GArray *frames = NULL, *slices = NULL;
  guint8 si[STREAMINFO_BODY], *header = NULL;
  guint64 audio_start = 0, end = 0, total = 0;
  struct stat st;
  gboolean ok = FALSE;
  gint e, wav_fd = -1;
  gsize riff_size;
  FfcWavLayout layout;

  *frames_out = 0;
  *trimmed_bytes = 0;
  if (fstat (fd, &st) < 0) {
    set_errno (error, errno, "cannot stat the file");
    goto done;
  }
  if (!parse_blocks (fd, st.st_size, blocks, error))
    goto done;
  frames = scan_frames (fd, st.st_size, &audio_start, &end, error);
  if (frames == NULL)
    goto done;
  if (frames->len > 0) {
    const FrameInfo *last = &g_array_index (frames, FrameInfo, frames->len - 1);
    total = last->first + last->samples;
  }

  /* the WAV chunks first: a file this module did not write fails here,
   * untouched */
  slices = riff_slices (fd, blocks, &riff_size);
  if (slices->len > 0) {
    header = read_slices (fd, slices, riff_size, error);
    if (header == NULL
        || !ffc_wav_parse_header (header, riff_size, &layout, error))
      goto done;
    if (layout.header_size != riff_size) {
      fail (error, "the riff blocks do not end with the data chunk");
      goto done;
    }
    wav_fd = wav_memfd (header, riff_size, error);
    if (wav_fd < 0)
      goto done;
  }

  *trimmed_bytes = st.st_size - end;
  if (*trimmed_bytes > 0 && ftruncate (fd, end) < 0) {
    set_errno (error, errno, "cannot cut the torn last frame");
    goto done;
  }

  /* STREAMINFO: total samples; MD5 unset; frame sizes unknown when cut */
  if ((e = pread_all (fd, si, sizeof (si), 8)) != 0) {
    set_errno (error, e, "cannot read STREAMINFO");
    goto done;
  }
  if (*trimmed_bytes > 0)
    memset (si + 4, 0, 6);
  si[13] = (si[13] & 0xf0) | ((total >> 32) & 0x0f);
  si[14] = (total >> 24) & 0xff;
  si[15] = (total >> 16) & 0xff;
  si[16] = (total >> 8) & 0xff;
  si[17] = total & 0xff;
  memset (si + 18, 0, 16);
  if ((e = pwrite_all (fd, si, sizeof (si), 8)) != 0) {
    set_errno (error, e, "cannot write STREAMINFO");
    goto done;
  }

  for (guint i = 0; i < blocks->len; i++) {
    const Block *b = &g_array_index (blocks, Block, i);

    if (b->type == FLAC__METADATA_TYPE_SEEKTABLE
        && (e = rebuild_seektable (fd, b, frames, total, audio_start)) != 0) {
      set_errno (error, e, "cannot write the seek table");
      goto done;
    }
  }
  if (wav_fd >= 0 && !finish_riff (fd, wav_fd, &layout, slices, total, error))
    goto done;
  *frames_out = total;
  ok = TRUE;

done:
  if (wav_fd >= 0)
    close (wav_fd);
  g_free (header);
  if (frames != NULL)
    g_array_unref (frames);
  if (slices != NULL)
    g_array_unref (slices);
  g_array_unref (blocks);
  return ok;
}

/* ---- the container (ffc-container.h) ---- */

struct _FfcContainer {
  gint fd;
  FfcFlac *flac;
  gboolean write_failed;
};

/* ffc-flac's errors in the writer's domain */
static void
to_writer_error (GError *cause, GError **error)
{
  FfcSegwriterError code = FFC_SEGWRITER_ERROR_WRITE;

  if (cause->domain == FFC_SEGWRITER_ERROR) {
    g_propagate_error (error, cause); /* from ffc-wav */
    return;
  }
  if (g_error_matches (cause, G_FILE_ERROR, G_FILE_ERROR_NOSPC))
    code = FFC_SEGWRITER_ERROR_NO_SPACE;
  else if (g_error_matches (cause, G_FILE_ERROR, G_FILE_ERROR_INVAL))
    code = FFC_SEGWRITER_ERROR_FORMAT;
  g_set_error_literal (error, FFC_SEGWRITER_ERROR, code, cause->message);
  g_error_free (cause);
}

static FfcContainer *
container_open (gint fd, const FfcMeta *meta,
    const FfcContainerOptions *options, GError **error)
{
  FfcFlacOptions o;
  GError *cause = NULL;
  FfcFlac *flac;
  FfcContainer *c;

  ffc_flac_options_init (&o);
  if (options != NULL) {
    o.compression_level = options->compression_level;
    o.bits_per_sample = options->bits_per_sample;
    o.expected_frames = options->expected_frames;
  }
  o.encoder = "gst-ffcapture " PACKAGE_VERSION;
  flac = ffc_flac_open (fd, meta, &o, &cause);
  if (flac == NULL) {
    to_writer_error (cause, error);
    return NULL;
  }
  c = g_new0 (FfcContainer, 1);
  c->fd = fd;
  c->flac = flac;
  return c;
}

static gboolean
container_write (FfcContainer *c, const guint8 *data, guint64 frames,
    guint64 *done, GError **error)
{
  GError *cause = NULL;

  *done = 0;
  if (ffc_flac_write (c->flac, data, frames, &cause)) {
    *done = frames;
    return TRUE;
  }
  /* the encoder is dead; finish () makes the file whole */
  c->write_failed = TRUE;
  to_writer_error (cause, error);
  return FALSE;
}

static gboolean
container_rewrite_metadata (
    FfcContainer *c, const FfcMeta *meta, GError **error)
{
  GError *cause = NULL;

  if (ffc_flac_rewrite_metadata (c->flac, meta, &cause))
    return TRUE;
  to_writer_error (cause, error);
  return FALSE;
}

static gboolean
container_finish (FfcContainer *c, guint64 *frames, GError **error)
{
  GError *cause = NULL;
  guint64 trimmed;

  if (c->write_failed) {
    /* as after a crash: up to its last whole frame (what libFLAC still
     * held is lost), sizes and lengths to match */
    if (!ffc_flac_repair (c->fd, frames, &trimmed, &cause)) {
      to_writer_error (cause, error);
      return FALSE;
    }
    return TRUE;
  }
  if (ffc_flac_finish (c->flac, *frames, &cause))
    return TRUE;
  to_writer_error (cause, error);
  return FALSE;
}

static guint64
container_size (FfcContainer *c, guint64 frames)
{
  struct stat st;

  return fstat (c->fd, &st) == 0 ? (guint64)st.st_size
                                 : ffc_flac_written (c->flac);
}

static void
container_free (FfcContainer *c)
{
  ffc_flac_free (c->flac);
  g_free (c);
}

static gboolean
container_repair (
    gint fd, guint64 *frames, guint64 *trimmed_bytes, GError **error)
{
  GError *cause = NULL;

  if (ffc_flac_repair (fd, frames, trimmed_bytes, &cause))
    return TRUE;
  to_writer_error (cause, error);
  return FALSE;
}

static gboolean
container_check_format (
    FfcSampleFormat format, guint rate, guint channels, GError **error)
{
  if (format == FFC_SAMPLE_F32LE) {
    g_set_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_FORMAT,
        "format=flac cannot hold F32LE samples (FLAC is integer): send "
        "S16LE or S32LE (audioconvert, or ffmpegsrc's sample format), or "
        "set format=wav");
    return FALSE;
  }
  if (rate > FLAC__MAX_SAMPLE_RATE || channels > FLAC__MAX_CHANNELS) {
    g_set_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_FORMAT,
        "format=flac holds up to %u channels at up to %u Hz, not %u at %u "
        "Hz: set format=wav",
        FLAC__MAX_CHANNELS, FLAC__MAX_SAMPLE_RATE, channels, rate);
    return FALSE;
  }
  return TRUE;
}

const FfcContainerClass ffc_container_flac = {
  .name = "FLAC",
  .extension = ".flac",
  .open = container_open,
  .write = container_write,
  .rewrite_metadata = container_rewrite_metadata,
  .finish = container_finish,
  .size = container_size,
  .free = container_free,
  .repair = container_repair,
  .check_format = container_check_format,
};
