/* gst-ffcapture: the file format of a segment, as an interface; WAV/RF64
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ffc-container.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ffc-segname.h"
#include "ffc-segwriter.h"
#include "ffc-wav.h"

gboolean
ffc_write_all (gint fd, const guint8 *data, gsize size, goffset offset,
    gsize *done, GError **error)
{
  gsize written = 0;

  while (written < size) {
    gssize n = offset < 0 ? write (fd, data + written, size - written)
                          : pwrite (fd, data + written, size - written,
                              offset + (goffset)written);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;

      g_set_error_literal (error, FFC_SEGWRITER_ERROR,
          e == ENOSPC || e == EDQUOT ? FFC_SEGWRITER_ERROR_NO_SPACE
                                     : FFC_SEGWRITER_ERROR_WRITE,
          g_strerror (e));
      if (done != NULL)
        *done = written;
      return FALSE;
    }
    written += n;
  }
  if (done != NULL)
    *done = written;
  return TRUE;
}

struct _FfcContainer {
  gint fd;
  FfcWavLayout layout;
  guint64 frames; /* written */
};

static FfcContainer *
wav_open (gint fd, const FfcMeta *meta, const FfcContainerOptions *options,
    GError **error)
{
  FfcContainer *c = g_new0 (FfcContainer, 1);
  guint8 header[FFC_WAV_MAX_HEADER], *bext;
  gchar *guano = ffc_meta_guano (meta);
  gsize header_size, bext_size;
  gboolean ok;

  bext = ffc_meta_bext (meta, &bext_size);
  header_size = ffc_wav_header_init (&c->layout, meta->format, meta->rate,
      meta->channels, bext, bext_size, guano, header);
  g_free (guano);
  g_free (bext);
  c->fd = fd;
  ok = ffc_write_all (fd, header, header_size, -1, NULL, error);
  if (!ok)
    g_clear_pointer (&c, g_free);
  return c;
}

static gboolean
wav_write (FfcContainer *c, const guint8 *data, guint64 frames, guint64 *done,
    GError **error)
{
  gsize bpf = c->layout.block_align, written = 0;

  if (ffc_write_all (c->fd, data, frames * bpf, -1, &written, error)) {
    c->frames += frames;
    *done = frames;
    return TRUE;
  }
  /* keep whole frames only */
  *done = written / bpf;
  c->frames += *done;
  if (ftruncate (c->fd, c->layout.header_size + c->frames * bpf) < 0)
    g_debug ("cannot trim a partial frame: %s", g_strerror (errno));
  return FALSE;
}

static gboolean
wav_rewrite_metadata (FfcContainer *c, const FfcMeta *meta, GError **error)
{
  gchar *guano = ffc_meta_guano (meta);
  gsize bext_size;
  guint8 *bext = ffc_meta_bext (meta, &bext_size);
  gboolean ok = ffc_wav_rewrite_metadata (
      c->fd, &c->layout, bext, bext_size, guano, error);

  g_free (guano);
  g_free (bext);
  return ok;
}

static gboolean
wav_finish (FfcContainer *c, guint64 *frames, GError **error)
{
  return ffc_wav_finalize (
      c->fd, &c->layout, *frames * c->layout.block_align, error);
}

static guint64
wav_size (FfcContainer *c, guint64 frames)
{
  return c->layout.header_size + frames * c->layout.block_align;
}

static void
wav_free (FfcContainer *c)
{
  g_free (c);
}

static gboolean
wav_repair (gint fd, guint64 *frames, guint64 *trimmed_bytes, GError **error)
{
  FfcWavRepair repair;

  if (!ffc_wav_repair (fd, &repair, error))
    return FALSE;
  *frames = repair.frames;
  *trimmed_bytes = repair.trimmed_bytes;
  return TRUE;
}

const FfcContainerClass ffc_container_wav = {
  .name = "WAV",
  .extension = ".wav",
  .open = wav_open,
  .write = wav_write,
  .rewrite_metadata = wav_rewrite_metadata,
  .finish = wav_finish,
  .size = wav_size,
  .free = wav_free,
  .repair = wav_repair,
};

/* ---- file names ---- */

static const FfcContainerClass *const containers[] = {
  &ffc_container_wav,
  &ffc_container_flac,
};

/* The extension of the template's last path component, "" if none */
static const gchar *
template_extension (const gchar *template)
{
  const gchar *base = strrchr (template, '/');
  const gchar *dot = strrchr (base != NULL ? base + 1 : template, '.');

  return dot != NULL ? dot : "";
}

gboolean
ffc_container_check_template (
    const FfcContainerClass *container, const gchar *template, GError **error)
{
  const gchar *ext;

  if (template == NULL)
    return TRUE;
  ext = template_extension (template);
  for (guint i = 0; i < G_N_ELEMENTS (containers); i++) {
    const FfcContainerClass *other = containers[i];

    if (other != container && g_ascii_strcasecmp (ext, other->extension) == 0
        && g_ascii_strcasecmp (ext, container->extension) != 0) {
      g_set_error (error, FFC_SEGWRITER_ERROR, FFC_SEGWRITER_ERROR_SETTINGS,
          "filename \"%s\" ends in %s, a %s file name, but format is %s: "
          "end it in %s, or set format=%s",
          template, ext, other->name, container->extension + 1,
          container->extension, other->extension + 1);
      return FALSE;
    }
  }
  return TRUE;
}

const FfcContainerClass *
ffc_container_of_file (gint fd, const FfcContainerClass *fallback)
{
  guint8 magic[4];
  gssize n;

  do {
    n = pread (fd, magic, sizeof (magic), 0);
  } while (n < 0 && errno == EINTR);
  if (n == 4 && memcmp (magic, "fLaC", 4) == 0)
    return &ffc_container_flac;
  if (n == 4
      && (memcmp (magic, "RIFF", 4) == 0 || memcmp (magic, "RF64", 4) == 0))
    return &ffc_container_wav;
  return fallback;
}

gchar *
ffc_container_default_template (const FfcContainerClass *container)
{
  const gchar *def = FFC_SEGNAME_DEFAULT;
  gchar *stem = g_strndup (def, template_extension (def) - def);
  gchar *name = g_strconcat (stem, container->extension, NULL);

  g_free (stem);
  return name;
}
