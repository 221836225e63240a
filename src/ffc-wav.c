/* gst-ffcapture: WAV and RF64 headers, and repair of unfinished files
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A segment's header is written when it is opened, with sizes of zero, and
 * fixed when it is closed. Between the RIFF header and "fmt " sits a JUNK
 * chunk the size of an RF64 ds64 chunk (EBU Tech 3306), so a segment that
 * grows past 4 GiB becomes RF64 in place. After "fmt " come the metadata:
 * a bext chunk, fixed at open, and a guan (GUANO) chunk whose Length is only
 * known at close. The guan chunk sits in a fixed room it shares with a JUNK
 * chunk after it, so the text can be rewritten in place, longer or shorter,
 * with the JUNK taking up the rest. A file left unfinished by a crash is
 * repaired from its length: the header says everything but the sizes and
 * GUANO's Length.
 */
#include "ffc-wav.h"
#include "ffc-meta.h"
#include "ffc-container.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DS64_BODY 28
#define WAVE_FORMAT_PCM 0x0001
#define WAVE_FORMAT_IEEE_FLOAT 0x0003
#define WAVE_FORMAT_EXTENSIBLE 0xFFFE

G_STATIC_ASSERT (12 + 8 + DS64_BODY + 8 + 40 + 12 + 8 + FFC_WAV_BEXT_MAX
                     + FFC_WAV_GUANO_ROOM + 8
                 <= FFC_WAV_MAX_HEADER);

static void
put_u16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static void
put_u32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

static void
put_u64 (guint8 *p, guint64 v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

static guint16
get_u16 (const guint8 *p)
{
  return p[0] | (p[1] << 8);
}

static guint32
get_u32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32)p[3] << 24);
}

static gboolean
fail (GError **error, const gchar *what)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s", what);
  return FALSE;
}

/* The guan chunk holding `text`, then a JUNK chunk filling the rest of
 * `room` bytes (even). A rest too small for a JUNK header pads the text
 * with spaces, which GUANO readers ignore; so does the one space that makes
 * the chunk even. FALSE if the text does not fit. */
static gboolean
fill_guano (guint8 *dst, gsize room, const gchar *text, gsize len)
{
  gsize body = len + (len & 1), rest;

  if (body + 8 > room)
    return FALSE;
  rest = room - 8 - body;
  if (rest < 8) {
    body += rest;
    rest = 0;
  }
  memcpy (dst, "guan", 4);
  put_u32 (dst + 4, body);
  memcpy (dst + 8, text, len);
  memset (dst + 8 + len, ' ', body - len);
  if (rest > 0) {
    memcpy (dst + 8 + body, "JUNK", 4);
    put_u32 (dst + 12 + body, rest - 8);
    memset (dst + 16 + body, 0, rest - 8);
  }
  return TRUE;
}

/* Writes the header of an empty segment into `header` (FFC_WAV_MAX_HEADER
 * bytes) and returns its size. More than two channels use
 * WAVE_FORMAT_EXTENSIBLE, as the format requires; float gets a fact chunk.
 * `bext` (an even number of bytes, at most FFC_WAV_BEXT_MAX) and `guano`
 * (at most FFC_WAV_GUANO_MAX bytes) may be NULL: no such chunk. */
gsize
ffc_wav_header_init (FfcWavLayout *l, FfcSampleFormat format, guint rate,
    guint channels, const guint8 *bext, gsize bext_size, const gchar *guano,
    guint8 *header)
{
  guint bits = 8 * ffc_sample_format_width (format);
  gboolean is_float = format == FFC_SAMPLE_F32LE;
  gboolean extensible = channels > 2;
  guint8 *p = header;

  g_return_val_if_fail (bext_size <= FFC_WAV_BEXT_MAX && !(bext_size & 1), 0);
  g_return_val_if_fail (
      guano == NULL || strlen (guano) <= FFC_WAV_GUANO_MAX, 0);
  memset (l, 0, sizeof (*l));
  memset (header, 0, FFC_WAV_MAX_HEADER);
  l->format = format;
  l->rate = rate;
  l->channels = channels;
  l->block_align = channels * bits / 8;

  memcpy (p, "RIFF", 4);
  l->riff_size_offset = 4;
  memcpy (p + 8, "WAVE", 4);
  p += 12;

  l->junk_offset = p - header;
  memcpy (p, "JUNK", 4);
  put_u32 (p + 4, DS64_BODY);
  p += 8 + DS64_BODY;

  /* a non-PCM WAVEFORMATEX carries cbSize (0): 18 bytes, which sox and
   * others expect of float */
  memcpy (p, "fmt ", 4);
  put_u32 (p + 4, extensible ? 40 : is_float ? 18 : 16);
  put_u16 (p + 8, extensible ? WAVE_FORMAT_EXTENSIBLE
                  : is_float ? WAVE_FORMAT_IEEE_FLOAT
                             : WAVE_FORMAT_PCM);
  put_u16 (p + 10, channels);
  put_u32 (p + 12, rate);
  put_u32 (p + 16, rate * l->block_align);
  put_u16 (p + 20, l->block_align);
  put_u16 (p + 22, bits);
  if (extensible) {
    static const guint8 guid_tail[14] = { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
      0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 };
    put_u16 (p + 24, 22);
    put_u16 (p + 26, bits);
    put_u32 (p + 28, channels < 32 ? (1u << channels) - 1 : 0);
    put_u16 (p + 32, is_float ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM);
    memcpy (p + 34, guid_tail, sizeof (guid_tail));
    p += 8 + 40;
  } else if (is_float) {
    put_u16 (p + 24, 0);
    p += 8 + 18;
  } else {
    p += 8 + 16;
  }

  if (is_float) {
    l->fact_offset = p - header;
    memcpy (p, "fact", 4);
    put_u32 (p + 4, 4);
    p += 12;
  }

  if (bext != NULL) {
    l->bext_offset = p - header;
    l->bext_size = bext_size;
    memcpy (p, "bext", 4);
    put_u32 (p + 4, bext_size);
    memcpy (p + 8, bext, bext_size);
    p += 8 + bext_size;
  }
  if (guano != NULL) {
    l->guan_offset = p - header;
    l->guan_room = FFC_WAV_GUANO_ROOM;
    fill_guano (p, l->guan_room, guano, strlen (guano));
    p += l->guan_room;
  }

  memcpy (p, "data", 4);
  l->data_size_offset = p + 4 - header;
  p += 8;

  l->header_size = p - header;
  return l->header_size;
}

/* Test seam: FFC_WAV_RF64_THRESHOLD lowers the RIFF size above which a file
 * becomes RF64, so the upgrade can be tested without writing 4 GiB. */
guint64
ffc_wav_rf64_threshold (void)
{
  const gchar *env = g_getenv ("FFC_WAV_RF64_THRESHOLD");

  if (env != NULL && *env != '\0')
    return g_ascii_strtoull (env, NULL, 10);
  return G_MAXUINT32;
}

/* Rewrites the GUANO text with the Length of `frames`. A text with no room
 * left for it (not one this module wrote) loses its Length instead: no
 * field is better than a wrong one. (If even that does not fit, the text
 * had no Length, and stays as it was.) */
static gboolean
update_guano (gint fd, const FfcWavLayout *l, guint64 frames, GError **error)
{
  guint8 *room = g_malloc (l->guan_room);
  guint32 len;
  gchar *text;
  gssize n;
  gboolean ok = FALSE;

  do {
    n = pread (fd, room, l->guan_room, l->guan_offset);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot read the guan chunk: %s", g_strerror (errno));
    goto done;
  }
  len = n >= 8 ? get_u32 (room + 4) : 0;
  if ((gsize)n != l->guan_room || memcmp (room, "guan", 4) != 0
      || len > l->guan_room - 8) {
    fail (error, "the guan chunk is not where the header said");
    goto done;
  }

  text =
      ffc_meta_guano_set_length ((const gchar *)room + 8, len, frames, l->rate);
  if (!fill_guano (room, l->guan_room, text, strlen (text))) {
    g_free (text);
    text = ffc_meta_guano_set_length ((const gchar *)room + 8, len, 0, 0);
    fill_guano (room, l->guan_room, text, strlen (text));
  }
  g_free (text);
  ok = ffc_write_all (fd, room, l->guan_room, l->guan_offset, NULL, error);

done:
  g_free (room);
  return ok;
}

/* Replaces the metadata written at open, when what it says became known
 * better since (the segment's start time): the bext body in place, at the
 * same size, and the GUANO room. Before ffc_wav_finalize, which then sets
 * GUANO's Length. */
gboolean
ffc_wav_rewrite_metadata (gint fd, const FfcWavLayout *l, const guint8 *bext,
    gsize bext_size, const gchar *guano, GError **error)
{
  guint8 *room;
  gboolean ok;

  if (bext != NULL && l->bext_offset != 0) {
    if (bext_size != l->bext_size)
      return fail (error, "the new bext chunk is not the size of the old");
    if (!ffc_write_all (fd, bext, bext_size, l->bext_offset + 8, NULL, error))
      return FALSE;
  }
  if (guano == NULL || l->guan_offset == 0)
    return TRUE;
  room = g_malloc (l->guan_room);
  ok = fill_guano (room, l->guan_room, guano, strlen (guano));
  if (!ok)
    fail (error, "the new GUANO text does not fit its room");
  else
    ok = ffc_write_all (fd, room, l->guan_room, l->guan_offset, NULL, error);
  g_free (room);
  return ok;
}

gboolean
ffc_wav_finalize (
    gint fd, const FfcWavLayout *l, guint64 data_bytes, GError **error)
{
  guint64 riff_size = l->header_size + data_bytes - 8;
  guint64 frames = l->block_align ? data_bytes / l->block_align : 0;
  guint8 b[8 + DS64_BODY];

  if (l->guan_offset && !update_guano (fd, l, frames, error))
    return FALSE;

  if (riff_size > ffc_wav_rf64_threshold ()) {
    /* RF64: the 32-bit sizes say "see ds64", which replaces the JUNK. */
    memcpy (b, "RF64", 4);
    put_u32 (b + 4, G_MAXUINT32);
    if (!ffc_write_all (fd, b, 8, 0, NULL, error))
      return FALSE;
    memcpy (b, "ds64", 4);
    put_u32 (b + 4, DS64_BODY);
    put_u64 (b + 8, riff_size);
    put_u64 (b + 16, data_bytes);
    put_u64 (b + 24, frames);
    put_u32 (b + 32, 0);
    if (!ffc_write_all (fd, b, 8 + DS64_BODY, l->junk_offset, NULL, error))
      return FALSE;
    put_u32 (b, G_MAXUINT32);
    if (!ffc_write_all (fd, b, 4, l->data_size_offset, NULL, error))
      return FALSE;
    if (l->fact_offset
        && !ffc_write_all (fd, b, 4, l->fact_offset + 8, NULL, error))
      return FALSE;
    return TRUE;
  }

  memcpy (b, "RIFF", 4);
  put_u32 (b + 4, (guint32)riff_size);
  if (!ffc_write_all (fd, b, 8, 0, NULL, error))
    return FALSE;
  put_u32 (b, (guint32)data_bytes);
  if (!ffc_write_all (fd, b, 4, l->data_size_offset, NULL, error))
    return FALSE;
  put_u32 (b, (guint32)frames);
  if (l->fact_offset
      && !ffc_write_all (fd, b, 4, l->fact_offset + 8, NULL, error))
    return FALSE;
  return TRUE;
}

/* Reads what this module writes (and plain WAV files like it): returns the
 * layout, whatever the sizes say. */
gboolean
ffc_wav_parse_header (
    const guint8 *data, gsize size, FfcWavLayout *l, GError **error)
{
  gsize pos = 12;
  gboolean have_fmt = FALSE;

  memset (l, 0, sizeof (*l));
  if (size < 12
      || (memcmp (data, "RIFF", 4) != 0 && memcmp (data, "RF64", 4) != 0)
      || memcmp (data + 8, "WAVE", 4))
    return fail (error, "not a RIFF/WAVE file");
  l->riff_size_offset = 4;

  while (pos + 8 <= size) {
    const guint8 *c = data + pos;
    guint32 len = get_u32 (c + 4);

    if (memcmp (c, "data", 4) == 0) {
      if (!have_fmt)
        return fail (error, "data chunk before fmt chunk");
      l->data_size_offset = pos + 4;
      l->header_size = pos + 8;
      return TRUE;
    }
    if (len > size - pos - 8)
      return fail (error, "a chunk runs past the header");
    if (memcmp (c, "fmt ", 4) == 0) {
      guint16 tag, bits;

      if (len < 16)
        return fail (error, "fmt chunk too short");
      tag = get_u16 (c + 8);
      l->channels = get_u16 (c + 10);
      l->rate = get_u32 (c + 12);
      l->block_align = get_u16 (c + 20);
      bits = get_u16 (c + 22);
      if (tag == WAVE_FORMAT_EXTENSIBLE) {
        if (len < 40)
          return fail (error, "extensible fmt chunk too short");
        tag = get_u16 (c + 32);
      }
      if (tag == WAVE_FORMAT_PCM && bits == 16)
        l->format = FFC_SAMPLE_S16LE;
      else if (tag == WAVE_FORMAT_PCM && bits == 32)
        l->format = FFC_SAMPLE_S32LE;
      else if (tag == WAVE_FORMAT_IEEE_FLOAT && bits == 32)
        l->format = FFC_SAMPLE_F32LE;
      else
        return fail (error, "unsupported sample format");
      if (l->channels == 0 || l->rate == 0
          || l->block_align != l->channels * bits / 8)
        return fail (error, "inconsistent fmt chunk");
      have_fmt = TRUE;
    } else if ((memcmp (c, "JUNK", 4) == 0 || memcmp (c, "ds64", 4) == 0)
               && len == DS64_BODY && pos == 12) {
      /* RF64 wants ds64 first: only a JUNK there can become one */
      l->junk_offset = pos;
    } else if (memcmp (c, "guan", 4) == 0 && l->guan_offset == 0) {
      l->guan_offset = pos;
      l->guan_room = 8 + len + (len & 1);
    } else if (memcmp (c, "JUNK", 4) == 0 && l->guan_offset
               && pos == l->guan_offset + l->guan_room) {
      /* the rest of the GUANO room */
      l->guan_room += 8 + len + (len & 1);
    } else if (memcmp (c, "fact", 4) == 0 && len >= 4) {
      l->fact_offset = pos;
    }
    pos += 8 + len + (len & 1);
  }
  return fail (error, "no data chunk");
}

/* Makes an unfinished segment whole: the sizes and GUANO's Length come from
 * the file's length, and a partial last frame is cut off. */
gboolean
ffc_wav_repair (gint fd, FfcWavRepair *r, GError **error)
{
  guint8 header[FFC_WAV_MAX_HEADER];
  struct stat st;
  gssize n;
  guint64 data_bytes;

  memset (r, 0, sizeof (*r));
  if (fstat (fd, &st) < 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s",
        g_strerror (errno));
    return FALSE;
  }
  do {
    n = pread (fd, header, sizeof (header), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s",
        g_strerror (errno));
    return FALSE;
  }
  if (!ffc_wav_parse_header (header, n, &r->layout, error))
    return FALSE;
  r->was_rf64 = memcmp (header, "RF64", 4) == 0;
  if ((guint64)st.st_size < r->layout.header_size)
    return fail (error, "file shorter than its header");

  data_bytes = st.st_size - r->layout.header_size;
  r->trimmed_bytes = data_bytes % r->layout.block_align;
  data_bytes -= r->trimmed_bytes;
  if (r->trimmed_bytes > 0
      && ftruncate (fd, r->layout.header_size + data_bytes) < 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot trim the partial last frame: %s", g_strerror (errno));
    return FALSE;
  }
  if (r->layout.junk_offset == 0
      && data_bytes + r->layout.header_size - 8 > ffc_wav_rf64_threshold ())
    return fail (error, "over 4 GiB with no room for an RF64 header");
  r->frames = data_bytes / r->layout.block_align;
  return ffc_wav_finalize (fd, &r->layout, data_bytes, error);
}
