/* A fake sysfs and procfs for the tests of src/ffc-device.c and of
 * ffmpegsrc's devices named by identity: the tree the kernel shows for ALSA
 * cards, some with a USB parent, under a scratch root that the code reads
 * through FFC_TEST_SYSFS_ROOT. */
#ifndef FAKE_SOUND_H
#define FAKE_SOUND_H

#include <glib.h>

typedef struct {
  gint card;         /* ALSA card number */
  const gchar *id;   /* /proc/asound/cards id */
  const gchar *name; /* its long name */
  const gchar *port; /* USB port path (e.g. "1-1.2"); NULL: not USB */
  guint16 vid, pid;
  const gchar *serial; /* NULL: the device has none */
  guint32 capture;     /* bit n: capture PCM n; 0: playback only */
  gboolean sysfs_only; /* capture PCMs in sysfs (pcmCNDnc) only */
} FakeCard;

/* A fresh, empty root (no cards) */
gchar *fake_sound_new (void);
/* The tree shows exactly these cards now (/proc/asound/cards last) */
void fake_sound_set (const gchar *root, const FakeCard *cards, guint n);
/* Removes the tree and frees root */
void fake_sound_free (gchar *root);

#endif
