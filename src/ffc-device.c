/* gst-ffcapture: ALSA capture devices named by identity
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A USB microphone comes back from a reboot or an unplug as another ALSA
 * card number. What stays is its identity: vendor and product IDs, serial,
 * the USB port it is plugged into. This module parses names that say so
 * (usb:VID:PID[:SERIAL][,DEV], usb-port:PATH[,DEV], hw:CARD=<id>[,DEV=<n>])
 * and finds the card that has it now, from sysfs (the sound card's USB
 * parent) and procfs (/proc/asound/cards), read under a root that tests
 * point at a fake tree.
 */
#include "ffc-device.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PCM_DEVICES 32

G_DEFINE_QUARK (ffc - device - error - quark, ffc_device_error)

/* ---- names ------------------------------------------------------------- */

static gboolean
parse_hex16 (const gchar *s, guint16 *out)
{
  guint v = 0;
  gsize n = strlen (s);

  if (n == 0 || n > 4)
    return FALSE;
  for (; *s; s++) {
    gint d = g_ascii_xdigit_value (*s);
    if (d < 0)
      return FALSE;
    v = v * 16 + d;
  }
  *out = v;
  return TRUE;
}

static gboolean
parse_dev (const gchar *s, guint *out)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (s, 10, 0, MAX_PCM_DEVICES - 1, &v, NULL))
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
valid_port (const gchar *s)
{
  /* bus-port[.port…], as the USB device's name in /sys/bus/usb/devices */
  gboolean digits = FALSE, dash = FALSE;

  for (; *s; s++) {
    if (g_ascii_isdigit (*s)) {
      digits = TRUE;
    } else if ((*s == '-' && !dash) || (*s == '.' && dash)) {
      if (!digits)
        return FALSE;
      dash = TRUE;
      digits = FALSE;
    } else {
      return FALSE;
    }
  }
  return dash && digits;
}

static gboolean invalid (GError **error, const gchar *fmt, ...)
    G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const gchar *fmt, ...)
{
  va_list ap;
  gchar *text;

  va_start (ap, fmt);
  text = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, FFC_DEVICE_ERROR, FFC_DEVICE_ERROR_INVALID, text);
  g_free (text);
  return FALSE;
}

/* Splits ",DEV" off the end of `rest` (modified); FALSE with an error if
 * what follows the last comma is no device number. */
static gboolean
split_dev (gchar *rest, const gchar *text, guint *dev, GError **error)
{
  gchar *comma = strrchr (rest, ',');

  *dev = 0;
  if (comma == NULL)
    return TRUE;
  *comma = '\0';
  if (!parse_dev (comma + 1, dev))
    return invalid (error,
        "\"%s\" in \"%s\" is not a PCM device number (0 to %d)", comma + 1,
        text, MAX_PCM_DEVICES - 1);
  return TRUE;
}

static gboolean
parse_usb (const gchar *text, FfcDeviceSpec *spec, GError **error)
{
  gchar *rest = g_strdup (text + strlen ("usb:"));
  gchar **parts = NULL;
  gboolean ok = FALSE;

  if (!split_dev (rest, text, &spec->dev, error))
    goto out;
  parts = g_strsplit (rest, ":", 3);
  if (g_strv_length (parts) < 2) {
    invalid (error,
        "\"%s\" is not usb:VID:PID[:SERIAL][,DEV]: give the USB vendor and "
        "product IDs in hex, as lsusb shows them (e.g. usb:16d0:0b40)",
        text);
    goto out;
  }
  if (!parse_hex16 (parts[0], &spec->vid)) {
    invalid (error,
        "\"%s\" in \"%s\" is not a USB vendor ID (1 to 4 hex digits, as "
        "lsusb shows them)",
        parts[0], text);
    goto out;
  }
  if (!parse_hex16 (parts[1], &spec->pid)) {
    invalid (error,
        "\"%s\" in \"%s\" is not a USB product ID (1 to 4 hex digits, as "
        "lsusb shows them)",
        parts[1], text);
    goto out;
  }
  if (parts[2] != NULL && *parts[2] == '\0') {
    invalid (error, "the serial in \"%s\" is empty", text);
    goto out;
  }
  spec->serial = g_strdup (parts[2]);
  spec->kind = FFC_DEVICE_USB;
  ok = TRUE;
out:
  g_strfreev (parts);
  g_free (rest);
  return ok;
}

static gboolean
parse_usb_port (const gchar *text, FfcDeviceSpec *spec, GError **error)
{
  gchar *rest = g_strdup (text + strlen ("usb-port:"));
  gboolean ok = FALSE;

  if (!split_dev (rest, text, &spec->dev, error))
    goto out;
  if (!valid_port (rest)) {
    invalid (error,
        "\"%s\" in \"%s\" is not a USB port path such as 1-1.2 "
        "(bus-port[.port…], the USB device's name in /sys/bus/usb/devices)",
        rest, text);
    goto out;
  }
  spec->port = g_strdup (rest);
  spec->kind = FFC_DEVICE_USB_PORT;
  ok = TRUE;
out:
  g_free (rest);
  return ok;
}

static gboolean
parse_card_id (const gchar *text, FfcDeviceSpec *spec, GError **error)
{
  gchar **parts = g_strsplit (text + strlen ("hw:CARD="), ",", -1);
  gboolean ok = FALSE;
  const gchar *id = parts[0] != NULL ? parts[0] : "";

  if (*id == '\0' || strpbrk (id, "= \t:") != NULL) {
    invalid (error,
        "\"%s\" in \"%s\" is not an ALSA card id (the name in brackets in "
        "/proc/asound/cards)",
        id, text);
    goto out;
  }
  if (parts[0] != NULL && parts[1] != NULL) {
    if (parts[2] != NULL
        || g_ascii_strncasecmp (parts[1], "DEV=", strlen ("DEV=")) != 0) {
      invalid (error,
          "\"%s\" in \"%s\": hw:CARD=<id> takes only ,DEV=<n> after the id",
          parts[1], text);
      goto out;
    }
    if (!parse_dev (parts[1] + strlen ("DEV="), &spec->dev)) {
      invalid (error, "\"%s\" in \"%s\" is not a PCM device number (0 to %d)",
          parts[1] + strlen ("DEV="), text, MAX_PCM_DEVICES - 1);
      goto out;
    }
  }
  spec->card_id = g_strdup (id);
  spec->kind = FFC_DEVICE_CARD_ID;
  ok = TRUE;
out:
  g_strfreev (parts);
  return ok;
}

static gboolean
has_prefix_nocase (const gchar *s, const gchar *prefix)
{
  return g_ascii_strncasecmp (s, prefix, strlen (prefix)) == 0;
}

gboolean
ffc_device_spec_parse (const gchar *text, FfcDeviceSpec *spec, GError **error)
{
  memset (spec, 0, sizeof (*spec));
  spec->kind = FFC_DEVICE_PLAIN;
  if (text == NULL)
    text = "";
  spec->text = g_strdup (text);

  if (has_prefix_nocase (text, "usb:"))
    return parse_usb (text, spec, error);
  if (has_prefix_nocase (text, "usb-port:"))
    return parse_usb_port (text, spec, error);
  if (has_prefix_nocase (text, "hw:CARD="))
    return parse_card_id (text, spec, error);
  return TRUE;
}

void
ffc_device_spec_clear (FfcDeviceSpec *spec)
{
  g_clear_pointer (&spec->serial, g_free);
  g_clear_pointer (&spec->port, g_free);
  g_clear_pointer (&spec->card_id, g_free);
  g_clear_pointer (&spec->text, g_free);
}

gboolean
ffc_device_spec_resolves (const FfcDeviceSpec *spec)
{
  return spec->kind != FFC_DEVICE_PLAIN;
}

/* ---- the cards present ------------------------------------------------- */

const gchar *
ffc_device_default_root (void)
{
  const gchar *root = g_getenv (FFC_DEVICE_ROOT_ENV);

  return root != NULL && *root != '\0' ? root : "/";
}

void
ffc_card_free (FfcCard *card)
{
  if (card == NULL)
    return;
  g_free (card->id);
  g_free (card->name);
  g_free (card->serial);
  g_free (card->port);
  g_free (card);
}

gchar *
ffc_card_describe (const FfcCard *card)
{
  if (!card->usb)
    return g_strdup_printf ("card %d (id %s, not USB)", card->card, card->id);
  return g_strdup_printf ("card %d (id %s, USB %04x:%04x%s%s, port %s)",
      card->card, card->id, card->vid, card->pid,
      card->serial ? " serial " : "", card->serial ? card->serial : "",
      card->port);
}

/* A small sysfs attribute, without its newline; NULL if unreadable. */
static gchar *
read_attr (const gchar *dir, const gchar *name)
{
  gchar *path = g_build_filename (dir, name, NULL);
  gchar *text = NULL;

  if (g_file_get_contents (path, &text, NULL, NULL))
    g_strstrip (text);
  g_free (path);
  return text;
}

/* Walks up from the card's device link to the USB device: the first
 * ancestor with idVendor and idProduct, within root's /sys. */
static void
find_usb_parent (const gchar *root, FfcCard *card)
{
  gchar *sys = g_build_filename (root, "sys", NULL);
  gchar *link =
      g_strdup_printf ("%s/class/sound/card%d/device", sys, card->card);
  char real_sys[PATH_MAX], real[PATH_MAX];
  gchar *dir = NULL;

  if (realpath (sys, real_sys) == NULL || realpath (link, real) == NULL)
    goto out;
  dir = g_strdup (real);
  while (g_str_has_prefix (dir, real_sys) && strlen (dir) > strlen (real_sys)) {
    gchar *vid = read_attr (dir, "idVendor");
    gchar *pid = read_attr (dir, "idProduct");
    gboolean found = vid != NULL && pid != NULL && parse_hex16 (vid, &card->vid)
                     && parse_hex16 (pid, &card->pid);
    g_free (vid);
    g_free (pid);
    if (found) {
      card->usb = TRUE;
      card->serial = read_attr (dir, "serial");
      if (card->serial != NULL && *card->serial == '\0')
        g_clear_pointer (&card->serial, g_free);
      card->port = g_path_get_basename (dir);
      break;
    }
    gchar *parent = g_path_get_dirname (dir);
    g_free (dir);
    dir = parent;
  }
out:
  g_free (dir);
  g_free (link);
  g_free (sys);
}

/* Capture PCMs: /proc/asound/cardN/pcmXc or /sys/class/sound/pcmCNDXc */
static guint32
find_capture (const gchar *root, gint card)
{
  guint32 bits = 0;
  gchar *proc = g_strdup_printf ("%s/proc/asound/card%d", root, card);
  gchar *sys = g_build_filename (root, "sys", "class", "sound", NULL);
  GDir *d;
  const gchar *name;

  if ((d = g_dir_open (proc, 0, NULL)) != NULL) {
    while ((name = g_dir_read_name (d)) != NULL) {
      guint dev;
      gchar c;
      if (sscanf (name, "pcm%u%c", &dev, &c) == 2 && c == 'c'
          && name[strlen (name) - 1] == 'c' && dev < MAX_PCM_DEVICES)
        bits |= 1u << dev;
    }
    g_dir_close (d);
  }
  if ((d = g_dir_open (sys, 0, NULL)) != NULL) {
    while ((name = g_dir_read_name (d)) != NULL) {
      guint n, dev;
      gchar c;
      if (sscanf (name, "pcmC%uD%u%c", &n, &dev, &c) == 3 && c == 'c'
          && n == (guint)card && dev < MAX_PCM_DEVICES)
        bits |= 1u << dev;
    }
    g_dir_close (d);
  }
  g_free (proc);
  g_free (sys);
  return bits;
}

static gint
compare_cards (gconstpointer a, gconstpointer b)
{
  const FfcCard *ca = *(FfcCard *const *)a, *cb = *(FfcCard *const *)b;
  return ca->card - cb->card;
}

GPtrArray *
ffc_device_list_cards (const gchar *root)
{
  GPtrArray *cards =
      g_ptr_array_new_with_free_func ((GDestroyNotify)ffc_card_free);
  gchar *path = g_build_filename (root, "proc", "asound", "cards", NULL);
  gchar *text = NULL;
  gchar **lines;

  if (!g_file_get_contents (path, &text, NULL, NULL)) {
    g_free (path);
    return cards;
  }
  /* " 2 [Ultrasonic     ]: USB-Audio - UltraMic384K 16bit r0", then a
   * line of details */
  lines = g_strsplit (text, "\n", -1);
  for (gchar **l = lines; *l != NULL; l++) {
    gchar *p = *l, *end, *close;
    gint64 n;
    FfcCard *card;

    while (*p == ' ')
      p++;
    if (!g_ascii_isdigit (*p))
      continue;
    n = g_ascii_strtoll (p, &end, 10);
    if (end == p || n < 0 || n > 255 || strncmp (end, " [", 2) != 0)
      continue;
    close = strchr (end + 2, ']');
    if (close == NULL)
      continue;
    card = g_new0 (FfcCard, 1);
    card->card = n;
    card->id = g_strstrip (g_strndup (end + 2, close - (end + 2)));
    p = strstr (close, " - ");
    card->name = g_strstrip (g_strdup (p != NULL ? p + 3 : ""));
    card->capture = find_capture (root, card->card);
    if (card->capture == 0 || *card->id == '\0') {
      ffc_card_free (card);
      continue;
    }
    find_usb_parent (root, card);
    g_ptr_array_add (cards, card);
  }
  g_ptr_array_sort (cards, compare_cards);
  g_strfreev (lines);
  g_free (text);
  g_free (path);
  return cards;
}

gchar *
ffc_device_describe_cards (const GPtrArray *cards)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < cards->len; i++) {
    const FfcCard *card = g_ptr_array_index (cards, i);
    gchar *d = ffc_card_describe (card);
    g_string_append_printf (s, "%s%s: %s", i > 0 ? "; " : "", d, card->name);
    g_free (d);
  }
  if (s->len == 0)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}

/* ---- resolving --------------------------------------------------------- */

static gboolean
card_is (const FfcDeviceSpec *spec, const FfcCard *card)
{
  switch (spec->kind) {
    case FFC_DEVICE_USB:
      return card->usb && card->vid == spec->vid && card->pid == spec->pid
             && (spec->serial == NULL
                 || g_strcmp0 (card->serial, spec->serial) == 0);
    case FFC_DEVICE_USB_PORT:
      return card->usb && g_strcmp0 (card->port, spec->port) == 0;
    case FFC_DEVICE_CARD_ID:
      return g_strcmp0 (card->id, spec->card_id) == 0;
    default:
      return FALSE;
  }
}

gboolean
ffc_device_resolve (const FfcDeviceSpec *spec, const gchar *root,
    FfcDeviceMatch *match, GError **error)
{
  GPtrArray *cards, *found;
  gchar *present;
  gboolean ok = FALSE;
  gint no_dev = -1; /* a card that is it, without that capture device */

  memset (match, 0, sizeof (*match));
  match->card = -1;
  if (!ffc_device_spec_resolves (spec)) {
    match->alsa_name = g_strdup (spec->text);
    match->info = g_strdup (spec->text);
    return TRUE;
  }

  cards = ffc_device_list_cards (root);
  found = g_ptr_array_new ();
  for (guint i = 0; i < cards->len; i++) {
    FfcCard *card = g_ptr_array_index (cards, i);
    if (!card_is (spec, card))
      continue;
    if (card->capture & (1u << spec->dev))
      g_ptr_array_add (found, card);
    else
      no_dev = card->card;
  }
  present = ffc_device_describe_cards (cards);

  if (found->len == 1) {
    FfcCard *card = g_ptr_array_index (found, 0);
    match->alsa_name =
        g_strdup_printf ("hw:CARD=%s,DEV=%u", card->id, spec->dev);
    match->info = ffc_card_describe (card);
    match->card = card->card;
    ok = TRUE;
  } else if (found->len > 1) {
    g_set_error (error, FFC_DEVICE_ERROR, FFC_DEVICE_ERROR_AMBIGUOUS,
        "%u capture cards are \"%s\": name one by its serial "
        "(usb:VID:PID:SERIAL) or its USB port (usb-port:PATH); capture "
        "cards present: %s",
        found->len, spec->text, present);
  } else if (no_dev >= 0) {
    g_set_error (error, FFC_DEVICE_ERROR, FFC_DEVICE_ERROR_ABSENT,
        "card %d is \"%s\" but has no capture device %u; capture cards "
        "present: %s",
        no_dev, spec->text, spec->dev, present);
  } else {
    g_set_error (error, FFC_DEVICE_ERROR, FFC_DEVICE_ERROR_ABSENT,
        "no capture card is \"%s\"; capture cards present: %s", spec->text,
        present);
  }
  g_free (present);
  g_ptr_array_unref (found);
  g_ptr_array_unref (cards);
  return ok;
}

void
ffc_device_match_clear (FfcDeviceMatch *match)
{
  g_clear_pointer (&match->alsa_name, g_free);
  g_clear_pointer (&match->info, g_free);
  match->card = -1;
}

gboolean
ffc_device_check_start (const gchar *input_format, const gchar *device,
    gboolean wait, const gchar *root, FfcDeviceSpec *spec, GError **error)
{
  FfcDeviceMatch match;
  GError *err = NULL;

  if (!ffc_device_spec_parse (
          g_strcmp0 (input_format, "alsa") == 0 ? device : NULL, spec, error))
    return FALSE;
  if (g_strcmp0 (input_format, "alsa") != 0) {
    g_free (spec->text);
    spec->text = g_strdup (device);
  }
  if (ffc_device_resolve (spec, root, &match, &err)) {
    ffc_device_match_clear (&match);
    return TRUE;
  }
  if (wait
      && g_error_matches (err, FFC_DEVICE_ERROR, FFC_DEVICE_ERROR_ABSENT)) {
    g_clear_error (&err);
    return TRUE;
  }
  g_propagate_error (error, err);
  return FALSE;
}

/* ---- waiting ----------------------------------------------------------- */

void
ffc_device_wait_init (FfcDeviceWait *wait, const FfcDeviceWaitConfig *config)
{
  memset (wait, 0, sizeof (*wait));
  wait->config = *config;
  if (wait->config.poll_us <= 0)
    wait->config.poll_us = G_USEC_PER_SEC;
  if (wait->config.settle_us < 0)
    wait->config.settle_us = 0;
  if (wait->config.timeout_us < 0)
    wait->config.timeout_us = 0;
  wait->present_since_us = -1;
}

FfcDeviceWaitDecision
ffc_device_wait_observe (FfcDeviceWait *w, gint64 now, gboolean present)
{
  FfcDeviceWaitDecision d = { FFC_DEVICE_WAIT_POLL, 0, FALSE, FALSE };
  const FfcDeviceWaitConfig *cfg = &w->config;

  if (present) {
    /* there all along: no absence to settle from */
    if (!w->absent_seen) {
      d.action = FFC_DEVICE_WAIT_OPEN;
      return d;
    }
    if (w->present_since_us < 0)
      w->present_since_us = now;
    /* back: not waiting, at once (the restart backoff paced the looks) */
    if (!cfg->wait || now - w->present_since_us >= cfg->settle_us) {
      d.action = FFC_DEVICE_WAIT_OPEN;
      d.found = TRUE;
      w->absent_seen = FALSE;
      w->present_since_us = -1;
      return d;
    }
    /* settling: a device that goes again before it settles starts over;
     * look once more when it will have settled, if that comes first */
    d.next_us = MIN (now + cfg->poll_us, w->present_since_us + cfg->settle_us);
    return d;
  }

  w->present_since_us = -1;
  if (!w->absent_seen) {
    w->absent_seen = TRUE;
    w->wait_started_us = now;
    d.lost = TRUE;
  }
  if (!cfg->wait) {
    d.action = FFC_DEVICE_WAIT_GIVE_UP;
    return d;
  }
  if (cfg->timeout_us > 0 && now - w->wait_started_us >= cfg->timeout_us) {
    d.action = FFC_DEVICE_WAIT_GIVE_UP;
    return d;
  }
  d.next_us = now + cfg->poll_us;
  if (cfg->timeout_us > 0)
    d.next_us = MIN (d.next_us, w->wait_started_us + cfg->timeout_us);
  return d;
}
