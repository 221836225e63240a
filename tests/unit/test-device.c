/* Unit tests of src/ffc-device.c: device names, resolving them on fake
 * sysfs/procfs trees, and the waiting logic. */
#include "ffc-device.h"

#include <string.h>

#include "fake-sound.h"
#include "ffc-settings.h"

#define SEC G_USEC_PER_SEC

/* ---- names ------------------------------------------------------------- */

static void
test_parse_usb (void)
{
  FfcDeviceSpec spec;

  g_assert_true (ffc_device_spec_parse ("usb:16d0:0b40", &spec, NULL));
  g_assert_cmpint (spec.kind, ==, FFC_DEVICE_USB);
  g_assert_cmphex (spec.vid, ==, 0x16d0);
  g_assert_cmphex (spec.pid, ==, 0x0b40);
  g_assert_null (spec.serial);
  g_assert_cmpuint (spec.dev, ==, 0);
  g_assert_true (ffc_device_spec_resolves (&spec));
  ffc_device_spec_clear (&spec);

  /* case-insensitive, short IDs, a serial with a colon, a device */
  g_assert_true (ffc_device_spec_parse ("USB:16D0:B40:ab:12,3", &spec, NULL));
  g_assert_cmpint (spec.kind, ==, FFC_DEVICE_USB);
  g_assert_cmphex (spec.vid, ==, 0x16d0);
  g_assert_cmphex (spec.pid, ==, 0x0b40);
  g_assert_cmpstr (spec.serial, ==, "ab:12");
  g_assert_cmpuint (spec.dev, ==, 3);
  ffc_device_spec_clear (&spec);

  g_assert_true (ffc_device_spec_parse ("usb:0d8c:0014,1", &spec, NULL));
  g_assert_null (spec.serial);
  g_assert_cmpuint (spec.dev, ==, 1);
  ffc_device_spec_clear (&spec);
}

static void
test_parse_port_and_card (void)
{
  FfcDeviceSpec spec;

  g_assert_true (ffc_device_spec_parse ("usb-port:1-1.2", &spec, NULL));
  g_assert_cmpint (spec.kind, ==, FFC_DEVICE_USB_PORT);
  g_assert_cmpstr (spec.port, ==, "1-1.2");
  ffc_device_spec_clear (&spec);
  g_assert_true (ffc_device_spec_parse ("USB-PORT:3-2,1", &spec, NULL));
  g_assert_cmpstr (spec.port, ==, "3-2");
  g_assert_cmpuint (spec.dev, ==, 1);
  ffc_device_spec_clear (&spec);

  g_assert_true (ffc_device_spec_parse ("hw:CARD=Ultrasonic", &spec, NULL));
  g_assert_cmpint (spec.kind, ==, FFC_DEVICE_CARD_ID);
  g_assert_cmpstr (spec.card_id, ==, "Ultrasonic");
  g_assert_cmpuint (spec.dev, ==, 0);
  ffc_device_spec_clear (&spec);
  g_assert_true (ffc_device_spec_parse ("hw:CARD=PCH,DEV=2", &spec, NULL));
  g_assert_cmpstr (spec.card_id, ==, "PCH");
  g_assert_cmpuint (spec.dev, ==, 2);
  ffc_device_spec_clear (&spec);
}

static void
test_parse_plain (void)
{
  const gchar *plain[] = { "default", "hw:1,0", "plughw:1,0", "null",
    "sine=frequency=440:sample_rate=48000", "/tmp/in.wav", "usbmic", "", NULL };

  for (const gchar **p = plain; *p != NULL; p++) {
    FfcDeviceSpec spec;
    FfcDeviceMatch match;

    g_assert_true (ffc_device_spec_parse (*p, &spec, NULL));
    g_assert_cmpint (spec.kind, ==, FFC_DEVICE_PLAIN);
    g_assert_false (ffc_device_spec_resolves (&spec));
    /* given to ffmpeg as it is, whatever the tree */
    g_assert_true (ffc_device_resolve (&spec, "/nonexistent", &match, NULL));
    g_assert_cmpstr (match.alsa_name, ==, *p);
    g_assert_cmpint (match.card, ==, -1);
    ffc_device_match_clear (&match);
    ffc_device_spec_clear (&spec);
  }
}

static void
test_parse_errors (void)
{
  /* each bad name, and the part the message must name */
  const gchar *bad[][2] = {
    { "usb:16d0", "usb:VID:PID" },
    { "usb:", "usb:VID:PID" },
    { "usb:xyz:0b40", "\"xyz\"" },
    { "usb:16d0:12345", "\"12345\"" },
    { "usb:16d0:g0", "\"g0\"" },
    { "usb::0b40", "vendor" },
    { "usb:16d0:0b40:", "serial" },
    { "usb:16d0:0b40,x", "\"x\"" },
    { "usb:16d0:0b40,32", "\"32\"" },
    { "usb:16d0:0b40,", "PCM device" },
    { "usb-port:abc", "\"abc\"" },
    { "usb-port:1-", "\"1-\"" },
    { "usb-port:", "port path" },
    { "usb-port:1.2", "\"1.2\"" },
    { "hw:CARD=", "card id" },
    { "hw:CARD=X,SUBDEV=1", "SUBDEV=1" },
    { "hw:CARD=X,DEV=a", "\"a\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    FfcDeviceSpec spec;
    GError *error = NULL;

    g_assert_false (ffc_device_spec_parse (bad[i][0], &spec, &error));
    g_assert_error (error, FFC_DEVICE_ERROR, FFC_DEVICE_ERROR_INVALID);
    if (strstr (error->message, bad[i][1]) == NULL)
      g_error (
          "%s: \"%s\" does not name %s", bad[i][0], error->message, bad[i][1]);
    g_assert_nonnull (strstr (error->message, bad[i][0]));
    g_clear_error (&error);
    ffc_device_spec_clear (&spec);
  }
}

/* ---- the cards present ------------------------------------------------- */

static const FakeCard PCH = { 0, "PCH", "HDA Intel PCH", NULL, 0, 0, NULL, 1 };
static const FakeCard MIC = { 1, "Ultrasonic", "UltraMic384K 16bit r0", "1-1.2",
  0x16d0, 0x0b40, "123", 1 };

/* Resolves name on root: the ALSA name, or NULL and the error in *error */
static gchar *
resolve (const gchar *root, const gchar *name, gchar **info, GError **error)
{
  FfcDeviceSpec spec;
  FfcDeviceMatch match;
  gchar *out = NULL;

  g_assert_true (ffc_device_spec_parse (name, &spec, NULL));
  if (ffc_device_resolve (&spec, root, &match, error)) {
    out = g_steal_pointer (&match.alsa_name);
    if (info != NULL)
      *info = g_steal_pointer (&match.info);
    ffc_device_match_clear (&match);
  }
  ffc_device_spec_clear (&spec);
  return out;
}

static void
assert_resolves (
    const gchar *root, const gchar *name, const gchar *alsa, const gchar *info)
{
  gchar *got_info = NULL;
  GError *error = NULL;
  gchar *got = resolve (root, name, &got_info, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, alsa);
  if (info != NULL)
    g_assert_cmpstr (got_info, ==, info);
  g_free (got);
  g_free (got_info);
}

/* The message of the error resolving name; FFC_DEVICE_ERROR `code` */
static gchar *
resolve_error (const gchar *root, const gchar *name, gint code)
{
  GError *error = NULL;
  gchar *got = resolve (root, name, NULL, &error);
  gchar *message;

  g_assert_null (got);
  g_assert_error (error, FFC_DEVICE_ERROR, code);
  message = g_strdup (error->message);
  g_clear_error (&error);
  /* names the device asked for */
  g_assert_nonnull (strstr (message, name));
  return message;
}

static void
test_list_cards (void)
{
  gchar *root = fake_sound_new ();
  FakeCard cards[] = { PCH, MIC,
    /* playback only: not a capture card */
    { 2, "HDMI", "HDA Intel HDMI", NULL, 0, 0, NULL, 0 },
    /* capture PCM in sysfs only, no serial */
    { 3, "Device", "USB PnP Sound Device", "1-1.3", 0x0d8c, 0x0014, NULL,
        1 << 2, TRUE } };
  GPtrArray *list;
  gchar *text;

  list = ffc_device_list_cards (root);
  g_assert_cmpuint (list->len, ==, 0);
  text = ffc_device_describe_cards (list);
  g_assert_cmpstr (text, ==, "none");
  g_free (text);
  g_ptr_array_unref (list);

  fake_sound_set (root, cards, G_N_ELEMENTS (cards));
  list = ffc_device_list_cards (root);
  g_assert_cmpuint (list->len, ==, 3);
  {
    FfcCard *pch = g_ptr_array_index (list, 0);
    FfcCard *mic = g_ptr_array_index (list, 1);
    FfcCard *pnp = g_ptr_array_index (list, 2);

    g_assert_cmpint (pch->card, ==, 0);
    g_assert_cmpstr (pch->id, ==, "PCH");
    g_assert_cmpstr (pch->name, ==, "HDA Intel PCH");
    g_assert_false (pch->usb);
    g_assert_cmpint (mic->card, ==, 1);
    g_assert_true (mic->usb);
    /* the USB device, not its root hub or interface */
    g_assert_cmphex (mic->vid, ==, 0x16d0);
    g_assert_cmphex (mic->pid, ==, 0x0b40);
    g_assert_cmpstr (mic->serial, ==, "123");
    g_assert_cmpstr (mic->port, ==, "1-1.2");
    g_assert_cmphex (mic->capture, ==, 1);
    g_assert_cmpint (pnp->card, ==, 3);
    g_assert_null (pnp->serial);
    g_assert_cmphex (pnp->capture, ==, 1 << 2);
  }
  text = ffc_device_describe_cards (list);
  g_assert_cmpstr (text, ==,
      "card 0 (id PCH, not USB): HDA Intel PCH; "
      "card 1 (id Ultrasonic, USB 16d0:0b40 serial 123, port 1-1.2): "
      "UltraMic384K 16bit r0; "
      "card 3 (id Device, USB 0d8c:0014, port 1-1.3): USB PnP Sound Device");
  g_free (text);
  g_ptr_array_unref (list);
  fake_sound_free (root);
}

static void
test_resolve_usb (void)
{
  gchar *root = fake_sound_new ();
  FakeCard cards[] = { PCH, MIC };
  gchar *msg;

  fake_sound_set (root, cards, 2);
  assert_resolves (root, "usb:16d0:0b40", "hw:CARD=Ultrasonic,DEV=0",
      "card 1 (id Ultrasonic, USB 16d0:0b40 serial 123, port 1-1.2)");
  assert_resolves (root, "usb:16D0:0B40:123", "hw:CARD=Ultrasonic,DEV=0", NULL);
  assert_resolves (root, "usb-port:1-1.2", "hw:CARD=Ultrasonic,DEV=0", NULL);

  /* a serial that differs, another port, another product */
  msg = resolve_error (root, "usb:16d0:0b40:124", FFC_DEVICE_ERROR_ABSENT);
  /* lists what is there, with USB IDs, so that the user can fix the name */
  g_assert_cmpstr (msg, ==,
      "no capture card is \"usb:16d0:0b40:124\"; capture cards present: "
      "card 0 (id PCH, not USB): HDA Intel PCH; card 1 (id Ultrasonic, USB "
      "16d0:0b40 serial 123, port 1-1.2): UltraMic384K 16bit r0");
  g_free (msg);
  g_free (resolve_error (root, "usb-port:1-1.3", FFC_DEVICE_ERROR_ABSENT));
  g_free (resolve_error (root, "usb:16d0:0b41", FFC_DEVICE_ERROR_ABSENT));
  /* a capture device the card does not have */
  msg = resolve_error (root, "usb:16d0:0b40,1", FFC_DEVICE_ERROR_ABSENT);
  g_assert_nonnull (strstr (msg, "card 1 is"));
  g_assert_nonnull (strstr (msg, "no capture device 1"));
  g_free (msg);
  fake_sound_free (root);
}

static void
test_resolve_appear_vanish_renumber (void)
{
  gchar *root = fake_sound_new ();
  FakeCard cards[] = { PCH, MIC };
  gchar *msg;

  /* not there yet */
  fake_sound_set (root, cards, 1);
  msg = resolve_error (root, "usb:16d0:0b40", FFC_DEVICE_ERROR_ABSENT);
  g_assert_nonnull (strstr (msg, "card 0 (id PCH, not USB)"));
  g_free (msg);
  /* plugged in */
  fake_sound_set (root, cards, 2);
  assert_resolves (root, "usb:16d0:0b40", "hw:CARD=Ultrasonic,DEV=0",
      "card 1 (id Ultrasonic, USB 16d0:0b40 serial 123, port 1-1.2)");
  /* unplugged: nothing at all */
  fake_sound_set (root, NULL, 0);
  msg = resolve_error (root, "usb:16d0:0b40", FFC_DEVICE_ERROR_ABSENT);
  g_assert_true (g_str_has_suffix (msg, "capture cards present: none"));
  g_free (msg);
  /* back as card 4 with another id, in another port: followed */
  cards[1].card = 4;
  cards[1].id = "Ultrasonic_1";
  cards[1].port = "1-1.4";
  fake_sound_set (root, cards, 2);
  assert_resolves (root, "usb:16d0:0b40", "hw:CARD=Ultrasonic_1,DEV=0",
      "card 4 (id Ultrasonic_1, USB 16d0:0b40 serial 123, port 1-1.4)");
  g_free (resolve_error (root, "usb-port:1-1.2", FFC_DEVICE_ERROR_ABSENT));
  fake_sound_free (root);
}

static void
test_resolve_two_identical (void)
{
  gchar *root = fake_sound_new ();
  /* two of the same microphone without serials, on two ports */
  FakeCard cards[] = {
    { 1, "Device", "USB PnP Sound Device", "1-1.2", 0x0d8c, 0x0014, NULL, 1 },
    { 2, "Device_1", "USB PnP Sound Device", "1-1.3", 0x0d8c, 0x0014, NULL, 1 },
  };
  gchar *msg;

  fake_sound_set (root, cards, 2);
  msg = resolve_error (root, "usb:0d8c:0014", FFC_DEVICE_ERROR_AMBIGUOUS);
  g_assert_nonnull (strstr (msg, "usb-port:"));
  g_assert_nonnull (strstr (msg, "port 1-1.2"));
  g_assert_nonnull (strstr (msg, "port 1-1.3"));
  g_free (msg);
  assert_resolves (root, "usb-port:1-1.2", "hw:CARD=Device,DEV=0", NULL);
  assert_resolves (root, "usb-port:1-1.3", "hw:CARD=Device_1,DEV=0", NULL);
  /* after a reboot they came up the other way round: the port decides */
  cards[0].card = 2;
  cards[0].id = "Device_1";
  cards[1].card = 1;
  cards[1].id = "Device";
  fake_sound_set (root, cards, 2);
  assert_resolves (root, "usb-port:1-1.2", "hw:CARD=Device_1,DEV=0",
      "card 2 (id Device_1, USB 0d8c:0014, port 1-1.2)");
  fake_sound_free (root);
}

static void
test_resolve_card_id (void)
{
  gchar *root = fake_sound_new ();
  FakeCard cards[] = { PCH, MIC };
  gchar *msg;

  fake_sound_set (root, cards, 2);
  /* a card without a USB parent: never a usb: name, but its id is */
  assert_resolves (
      root, "hw:CARD=PCH", "hw:CARD=PCH,DEV=0", "card 0 (id PCH, not USB)");
  assert_resolves (root, "hw:CARD=Ultrasonic", "hw:CARD=Ultrasonic,DEV=0",
      "card 1 (id Ultrasonic, USB 16d0:0b40 serial 123, port 1-1.2)");
  /* ALSA compares ids exactly */
  g_free (resolve_error (root, "hw:CARD=ultrasonic", FFC_DEVICE_ERROR_ABSENT));
  g_free (resolve_error (root, "hw:CARD=PCH,DEV=1", FFC_DEVICE_ERROR_ABSENT));
  fake_sound_set (root, cards, 1);
  msg = resolve_error (root, "hw:CARD=Ultrasonic", FFC_DEVICE_ERROR_ABSENT);
  g_assert_nonnull (strstr (msg, "card 0 (id PCH, not USB): HDA Intel PCH"));
  g_free (msg);
  fake_sound_free (root);
}

static void
test_no_tree (void)
{
  gchar *msg = resolve_error (
      "/nonexistent-ffc-root", "usb:16d0:0b40", FFC_DEVICE_ERROR_ABSENT);
  g_assert_true (g_str_has_suffix (msg, "none"));
  g_free (msg);
}

static void
test_default_root (void)
{
  g_unsetenv (FFC_DEVICE_ROOT_ENV);
  g_assert_cmpstr (ffc_device_default_root (), ==, "/");
  g_setenv (FFC_DEVICE_ROOT_ENV, "/tmp/x", TRUE);
  g_assert_cmpstr (ffc_device_default_root (), ==, "/tmp/x");
  g_unsetenv (FFC_DEVICE_ROOT_ENV);
}

static void
check_start (const gchar *root, const gchar *format, const gchar *device,
    gboolean wait, gint code, FfcDeviceKind kind)
{
  FfcDeviceSpec spec;
  GError *error = NULL;
  gboolean ok =
      ffc_device_check_start (format, device, wait, root, &spec, &error);

  if (code < 0) {
    g_assert_no_error (error);
    g_assert_true (ok);
    g_assert_cmpint (spec.kind, ==, kind);
    g_assert_cmpstr (spec.text, ==, device);
  } else {
    g_assert_false (ok);
    g_assert_error (error, FFC_DEVICE_ERROR, code);
    g_assert_nonnull (strstr (error->message, device));
    g_clear_error (&error);
  }
  ffc_device_spec_clear (&spec);
}

static void
test_check_start (void)
{
  gchar *root = fake_sound_new ();
  FakeCard cards[] = { PCH, MIC, MIC };

  cards[2].card = 2;
  cards[2].id = "Ultrasonic_1";
  cards[2].port = "1-1.3";
  cards[2].serial = "456";
  fake_sound_set (root, cards, 1);
  /* absent: fails, unless waited for */
  check_start (
      root, "alsa", "usb:16d0:0b40", FALSE, FFC_DEVICE_ERROR_ABSENT, 0);
  check_start (root, "alsa", "usb:16d0:0b40", TRUE, -1, FFC_DEVICE_USB);
  check_start (root, "alsa", "hw:CARD=X", FALSE, FFC_DEVICE_ERROR_ABSENT, 0);
  /* a bad name fails, waiting or not */
  check_start (root, "alsa", "usb:16d0", TRUE, FFC_DEVICE_ERROR_INVALID, 0);
  /* present */
  fake_sound_set (root, cards, 2);
  check_start (root, "alsa", "usb:16d0:0b40", FALSE, -1, FFC_DEVICE_USB);
  check_start (root, "alsa", "usb-port:1-1.2", FALSE, -1, FFC_DEVICE_USB_PORT);
  /* two of them: waiting would not help */
  fake_sound_set (root, cards, 3);
  check_start (
      root, "alsa", "usb:16d0:0b40", TRUE, FFC_DEVICE_ERROR_AMBIGUOUS, 0);
  check_start (root, "alsa", "usb:16d0:0b40:456", FALSE, -1, FFC_DEVICE_USB);
  /* names of other inputs are ffmpeg's, and ALSA's own pass */
  check_start (root, "lavfi", "usb:1:2", FALSE, -1, FFC_DEVICE_PLAIN);
  check_start (root, "pulse", "usb:16d0", FALSE, -1, FFC_DEVICE_PLAIN);
  check_start (root, "alsa", "hw:5,0", FALSE, -1, FFC_DEVICE_PLAIN);
  check_start (root, "alsa", "default", FALSE, -1, FFC_DEVICE_PLAIN);
  fake_sound_free (root);
}

/* ---- waiting ----------------------------------------------------------- */

static const FfcDeviceWaitConfig WAIT = {
  .wait = TRUE,
  .poll_us = 1 * SEC,
  .settle_us = 2 * SEC,
  .timeout_us = 0,
};

static void
test_wait_present_at_once (void)
{
  FfcDeviceWait w;
  FfcDeviceWaitDecision d;

  /* there when asked: opened at once, nothing said */
  ffc_device_wait_init (&w, &WAIT);
  d = ffc_device_wait_observe (&w, 100 * SEC, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_OPEN);
  g_assert_false (d.lost);
  g_assert_false (d.found);
}

static void
test_wait_no_wait (void)
{
  FfcDeviceWaitConfig cfg = WAIT;
  FfcDeviceWait w;
  FfcDeviceWaitDecision d;

  cfg.wait = FALSE;
  ffc_device_wait_init (&w, &cfg);
  /* each absent look is a failed run; the absence is said once */
  d = ffc_device_wait_observe (&w, 0, FALSE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_GIVE_UP);
  g_assert_true (d.lost);
  d = ffc_device_wait_observe (&w, SEC / 10, FALSE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_GIVE_UP);
  g_assert_false (d.lost);
  /* back: opened at once (the restarts' backoff paced the looks), found */
  d = ffc_device_wait_observe (&w, SEC / 2, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_OPEN);
  g_assert_true (d.found);
  d = ffc_device_wait_observe (&w, SEC, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_OPEN);
  g_assert_false (d.found);
  /* gone again: said again */
  d = ffc_device_wait_observe (&w, 2 * SEC, FALSE);
  g_assert_true (d.lost);
}

static void
test_wait_lost_then_found (void)
{
  FfcDeviceWait w;
  FfcDeviceWaitDecision d;
  guint lost = 0;
  gint64 t = 10 * SEC;

  ffc_device_wait_init (&w, &WAIT);
  /* absent for a minute, polled every second: one "lost" */
  for (gint i = 0; i < 60; i++) {
    d = ffc_device_wait_observe (&w, t, FALSE);
    g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_POLL);
    g_assert_cmpint (d.next_us, ==, t + SEC);
    g_assert_false (d.found);
    lost += d.lost;
    t = d.next_us;
  }
  g_assert_cmpuint (lost, ==, 1);
  /* back at t: not opened before it stayed 2 s */
  gint64 back = t;
  d = ffc_device_wait_observe (&w, t, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_POLL);
  g_assert_cmpint (d.next_us, ==, t + SEC);
  d = ffc_device_wait_observe (&w, t + SEC, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_POLL);
  g_assert_cmpint (d.next_us, ==, back + 2 * SEC);
  d = ffc_device_wait_observe (&w, back + 2 * SEC - 1, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_POLL);
  g_assert_cmpint (d.next_us, ==, back + 2 * SEC);
  d = ffc_device_wait_observe (&w, back + 2 * SEC, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_OPEN);
  g_assert_true (d.found);
  g_assert_false (d.lost);

  /* present at the next restart: at once, nothing said */
  d = ffc_device_wait_observe (&w, back + 10 * SEC, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_OPEN);
  g_assert_false (d.found);
  /* another unplug says so again, once, and waits anew */
  t = back + 20 * SEC;
  d = ffc_device_wait_observe (&w, t, FALSE);
  g_assert_true (d.lost);
  d = ffc_device_wait_observe (&w, t + SEC, FALSE);
  g_assert_false (d.lost);
  d = ffc_device_wait_observe (&w, t + 2 * SEC, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_POLL);
}

static void
test_wait_flapping (void)
{
  FfcDeviceWait w;
  FfcDeviceWaitDecision d;
  gint64 t = 0;

  /* absent 1 s, present 1 s, for a minute: never opened, one "lost" */
  ffc_device_wait_init (&w, &WAIT);
  for (gint i = 0; i <= 60; i++) {
    d = ffc_device_wait_observe (&w, t, i % 2 == 1);
    g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_POLL);
    g_assert_true (d.lost == (i == 0));
    t += SEC;
  }
  /* then it stays: opened 2 s after it came back */
  d = ffc_device_wait_observe (&w, t, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_POLL);
  d = ffc_device_wait_observe (&w, t + SEC, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_POLL);
  d = ffc_device_wait_observe (&w, t + 2 * SEC, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_OPEN);
  g_assert_true (d.found);
}

static void
test_wait_timeout (void)
{
  FfcDeviceWaitConfig cfg = WAIT;
  FfcDeviceWait w;
  FfcDeviceWaitDecision d;

  cfg.timeout_us = 5 * SEC / 2;
  ffc_device_wait_init (&w, &cfg);
  d = ffc_device_wait_observe (&w, 0, FALSE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_POLL);
  g_assert_true (d.lost);
  d = ffc_device_wait_observe (&w, SEC, FALSE);
  g_assert_cmpint (d.next_us, ==, 2 * SEC);
  d = ffc_device_wait_observe (&w, 2 * SEC, FALSE);
  /* the last look is when the timeout ends, not a poll later */
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_POLL);
  g_assert_cmpint (d.next_us, ==, 5 * SEC / 2);
  d = ffc_device_wait_observe (&w, 5 * SEC / 2, FALSE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_GIVE_UP);

  /* settling when the time is up is no reason to give up */
  ffc_device_wait_init (&w, &cfg);
  d = ffc_device_wait_observe (&w, 0, FALSE);
  d = ffc_device_wait_observe (&w, 2 * SEC, TRUE);
  d = ffc_device_wait_observe (&w, 3 * SEC, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_POLL);
  d = ffc_device_wait_observe (&w, 4 * SEC, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_OPEN);
  /* but going again after it is */
  ffc_device_wait_init (&w, &cfg);
  d = ffc_device_wait_observe (&w, 0, FALSE);
  d = ffc_device_wait_observe (&w, 2 * SEC, TRUE);
  d = ffc_device_wait_observe (&w, 3 * SEC, FALSE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_GIVE_UP);
}

static void
test_wait_no_settle (void)
{
  FfcDeviceWaitConfig cfg = WAIT;
  FfcDeviceWait w;
  FfcDeviceWaitDecision d;

  cfg.settle_us = 0;
  ffc_device_wait_init (&w, &cfg);
  d = ffc_device_wait_observe (&w, 0, FALSE);
  d = ffc_device_wait_observe (&w, SEC, TRUE);
  g_assert_cmpint (d.action, ==, FFC_DEVICE_WAIT_OPEN);
  g_assert_true (d.found);
}

/* one run of ffmpegsrc: the card present now in ffmpeg's arguments, or
 * none while it is absent */
static void
test_argv_for_run (void)
{
  gchar *root = fake_sound_new ();
  FakeCard cards[] = { PCH, MIC };
  FfcSrcSettings s = { .input_format = "alsa", .device = "usb:16d0:0b40" };
  FfcDeviceSpec spec;
  GError *error = NULL;
  gchar **argv, *info;
  guint i = 0;

  g_assert_true (ffc_device_spec_parse (s.device, &spec, NULL));
  fake_sound_set (root, cards, 2);
  g_assert_true (
      ffc_src_settings_argv_for_run (&s, &spec, root, "/usr/bin/ffmpeg", NULL,
          FFC_SAMPLE_S32LE, 96000, 2, &argv, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (argv[0], ==, "/usr/bin/ffmpeg");
  while (argv[i] != NULL && g_strcmp0 (argv[i], "-i") != 0)
    i++;
  g_assert_cmpstr (argv[i + 1], ==, "hw:CARD=Ultrasonic,DEV=0");
  g_assert_true (g_strv_contains ((const gchar *const *)argv, "pcm_s32le"));
  g_assert_true (g_strv_contains ((const gchar *const *)argv, "96000"));
  g_assert_cmpstr (
      info, ==, "card 1 (id Ultrasonic, USB 16d0:0b40 serial 123, port 1-1.2)");
  g_strfreev (argv);
  g_free (info);

  /* unplugged: why, and nothing to run */
  fake_sound_set (root, cards, 1);
  g_assert_false (
      ffc_src_settings_argv_for_run (&s, &spec, root, "/usr/bin/ffmpeg", NULL,
          FFC_SAMPLE_S32LE, 96000, 2, &argv, &info, &error));
  g_assert_error (error, FFC_DEVICE_ERROR, FFC_DEVICE_ERROR_ABSENT);
  g_assert_nonnull (strstr (error->message, "usb:16d0:0b40"));
  g_assert_null (argv);
  g_assert_null (info);
  g_clear_error (&error);
  ffc_device_spec_clear (&spec);
  fake_sound_free (root);
}

/* ffmpegsrc asks the card present now what it delivers, and an absent
 * one not at all */
static void
test_probe_now (void)
{
  gchar *root = fake_sound_new ();
  FakeCard cards[] = { PCH, MIC };
  FfcSrcSettings s = { .input_format = "alsa", .device = "usb:16d0:0b40" };
  FfcInputAudio input = { 48000, 2, FFC_SAMPLE_S32LE };
  FfcDeviceSpec spec;
  GError *error = NULL;

  g_assert_true (ffc_device_spec_parse (s.device, &spec, NULL));
  fake_sound_set (root, cards, 1);
  g_assert_false (ffc_src_settings_probe_now (
      &s, &spec, root, "/bin/false", NULL, 5000, &input, &error));
  g_assert_error (error, FFC_DEVICE_ERROR, FFC_DEVICE_ERROR_ABSENT);
  g_assert_cmpuint (input.rate, ==, 0);
  g_assert_cmpuint (input.channels, ==, 0);
  g_clear_error (&error);
  /* present: ffmpeg is asked (here a program that fails) */
  fake_sound_set (root, cards, 2);
  input.rate = 44100;
  g_assert_false (ffc_src_settings_probe_now (
      &s, &spec, root, "/bin/false", NULL, 5000, &input, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain != FFC_DEVICE_ERROR);
  g_assert_cmpuint (input.rate, ==, 0);
  g_clear_error (&error);
  ffc_device_spec_clear (&spec);
  fake_sound_free (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device/parse/usb", test_parse_usb);
  g_test_add_func ("/device/parse/port-and-card", test_parse_port_and_card);
  g_test_add_func ("/device/parse/plain", test_parse_plain);
  g_test_add_func ("/device/parse/errors", test_parse_errors);
  g_test_add_func ("/device/cards/list", test_list_cards);
  g_test_add_func ("/device/resolve/usb", test_resolve_usb);
  g_test_add_func ("/device/resolve/appear-vanish-renumber",
      test_resolve_appear_vanish_renumber);
  g_test_add_func ("/device/resolve/two-identical", test_resolve_two_identical);
  g_test_add_func ("/device/resolve/card-id", test_resolve_card_id);
  g_test_add_func ("/device/resolve/no-tree", test_no_tree);
  g_test_add_func ("/device/default-root", test_default_root);
  g_test_add_func ("/device/check-start", test_check_start);
  g_test_add_func ("/device/wait/present-at-once", test_wait_present_at_once);
  g_test_add_func ("/device/wait/no-wait", test_wait_no_wait);
  g_test_add_func ("/device/wait/lost-then-found", test_wait_lost_then_found);
  g_test_add_func ("/device/wait/flapping", test_wait_flapping);
  g_test_add_func ("/device/wait/timeout", test_wait_timeout);
  g_test_add_func ("/device/wait/no-settle", test_wait_no_settle);
  g_test_add_func ("/device/argv-for-run", test_argv_for_run);
  g_test_add_func ("/device/probe-now", test_probe_now);
  return g_test_run ();
}
