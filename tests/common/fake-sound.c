/* A fake sysfs and procfs of ALSA cards: see fake-sound.h. */
#include "fake-sound.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

static void
remove_tree (const gchar *path)
{
  GDir *d;
  const gchar *name;

  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK)
      || !g_file_test (path, G_FILE_TEST_IS_DIR)) {
    g_unlink (path);
    return;
  }
  d = g_dir_open (path, 0, NULL);
  if (d != NULL) {
    while ((name = g_dir_read_name (d)) != NULL) {
      gchar *child = g_build_filename (path, name, NULL);
      remove_tree (child);
      g_free (child);
    }
    g_dir_close (d);
  }
  g_rmdir (path);
}

static void
put (const gchar *dir, const gchar *name, const gchar *text)
{
  gchar *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_free (path);
}

static void
mkdirs (const gchar *path)
{
  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
}

static void
link_to (const gchar *target, const gchar *link)
{
  g_assert_cmpint (symlink (target, link), ==, 0);
}

gchar *
fake_sound_new (void)
{
  gchar *root = g_dir_make_tmp ("ffc-fake-sound-XXXXXX", NULL);

  g_assert_nonnull (root);
  fake_sound_set (root, NULL, 0);
  return root;
}

/* As the kernel lays it out: the USB device (1-1.2, with idVendor…) under
 * its root hub, its interface 1-1.2:1.0, the card below that, and
 * /sys/class/sound/cardN a link to it; a card without a USB parent hangs
 * off a PCI device. */
static void
add_card (const gchar *root, const FakeCard *c)
{
  gchar *hub =
      g_build_filename (root, "sys/devices/pci0000:00/0000:00:14.0/usb1", NULL);
  gchar *parent, *card_dir, *rel, *link, *sound, *proc, *text;

  if (c->port != NULL) {
    gchar *usbdev = g_build_filename (hub, c->port, NULL);
    gchar *iface = g_strdup_printf ("%s:1.0", c->port);

    mkdirs (usbdev);
    text = g_strdup_printf ("%04x\n", c->vid);
    put (usbdev, "idVendor", text);
    g_free (text);
    text = g_strdup_printf ("%04x\n", c->pid);
    put (usbdev, "idProduct", text);
    g_free (text);
    if (c->serial != NULL) {
      text = g_strdup_printf ("%s\n", c->serial);
      put (usbdev, "serial", text);
      g_free (text);
    }
    parent = g_build_filename (usbdev, iface, NULL);
    g_free (iface);
    g_free (usbdev);
  } else {
    parent =
        g_build_filename (root, "sys/devices/pci0000:00/0000:00:1f.3", NULL);
    mkdirs (parent);
    put (parent, "vendor", "0x8086\n");
  }
  card_dir = g_strdup_printf ("%s/sound/card%d", parent, c->card);
  mkdirs (card_dir);
  put (card_dir, "id", c->id);
  /* cardN/device: the parent, as a relative link as in sysfs */
  link = g_build_filename (card_dir, "device", NULL);
  link_to ("../..", link);
  g_free (link);

  sound = g_build_filename (root, "sys/class/sound", NULL);
  link = g_strdup_printf ("%s/card%d", sound, c->card);
  rel = g_build_filename (
      "../..", card_dir + strlen (root) + strlen ("/sys/"), NULL);
  link_to (rel, link);
  g_free (rel);
  g_free (link);

  proc = g_strdup_printf ("%s/proc/asound/card%d", root, c->card);
  mkdirs (proc);
  for (guint dev = 0; dev < 32; dev++) {
    gchar *name;
    if (!(c->capture & (1u << dev)))
      continue;
    if (c->sysfs_only) {
      name = g_strdup_printf ("%s/pcmC%dD%uc", sound, c->card, dev);
      mkdirs (name);
    } else {
      name = g_strdup_printf ("%s/pcm%uc", proc, dev);
      mkdirs (name);
    }
    g_free (name);
  }
  /* and always a playback PCM, which does not count */
  text = g_strdup_printf ("%s/pcm0p", proc);
  mkdirs (text);
  g_free (text);

  g_free (proc);
  g_free (sound);
  g_free (card_dir);
  g_free (parent);
  g_free (hub);
}

/* Points root/<name> at gen/<name>, in one rename () */
static void
swap_link (const gchar *root, const gchar *gen, const gchar *name)
{
  gchar *target = g_build_filename (gen, name, NULL);
  gchar *tmp = g_strdup_printf ("%s/.%s.new", root, name);
  gchar *path = g_build_filename (root, name, NULL);

  g_unlink (tmp);
  link_to (target, tmp);
  g_assert_cmpint (g_rename (tmp, path), ==, 0);
  g_free (path);
  g_free (tmp);
  g_free (target);
}

/* The new tree is built aside, then root/sys and root/proc are switched to
 * it (sys first: a reader sees the old cards or the new ones, or for a
 * moment a card without its USB parent, never a wrong one). */
void
fake_sound_set (const gchar *root, const FakeCard *cards, guint n)
{
  static guint generation;
  gchar *gen = g_strdup_printf ("%s/gen-%u", root, ++generation);
  gchar *path, *old = NULL;
  GString *list = g_string_new (NULL);

  path = g_build_filename (root, "sys", NULL);
  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK)) {
    gchar *target = g_file_read_link (path, NULL);
    old = g_path_get_dirname (target);
    g_free (target);
  }
  g_free (path);

  path = g_build_filename (gen, "sys", "class", "sound", NULL);
  mkdirs (path);
  g_free (path);
  path = g_build_filename (gen, "proc", "asound", NULL);
  mkdirs (path);
  g_free (path);

  for (guint i = 0; i < n; i++) {
    add_card (gen, &cards[i]);
    g_string_append_printf (list,
        "%2d [%-15s]: %s - %s\n"
        "                      %s at somewhere\n",
        cards[i].card, cards[i].id, cards[i].port ? "USB-Audio" : "HDA-Intel",
        cards[i].name, cards[i].name);
  }
  if (n == 0)
    g_string_append (list, "--- no soundcards ---\n");
  path = g_build_filename (gen, "proc", "asound", NULL);
  put (path, "cards", list->str);
  g_free (path);
  g_string_free (list, TRUE);

  swap_link (root, gen, "sys");
  swap_link (root, gen, "proc");
  if (old != NULL)
    remove_tree (old);
  g_free (old);
  g_free (gen);
}

void
fake_sound_free (gchar *root)
{
  remove_tree (root);
  g_free (root);
}
