/* gst-ffcapture: ALSA capture devices named by identity
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_DEVICE_H__
#define __FFC_DEVICE_H__

#include <glib.h>

G_BEGIN_DECLS

/* Where sysfs and procfs are read: "/" unless this test seam names a fake
 * tree (docs/ffmpegsrc.md, "Test seams"). */
#define FFC_DEVICE_ROOT_ENV "FFC_TEST_SYSFS_ROOT"

#define FFC_DEVICE_ERROR (ffc_device_error_quark ())
GQuark ffc_device_error_quark (void);

typedef enum {
  FFC_DEVICE_ERROR_INVALID,   /* the name does not parse */
  FFC_DEVICE_ERROR_ABSENT,    /* no capture card matches it now */
  FFC_DEVICE_ERROR_AMBIGUOUS, /* several do: the name must say which */
} FfcDeviceError;

typedef enum {
  FFC_DEVICE_PLAIN,    /* anything else: given to ffmpeg as it is */
  FFC_DEVICE_USB,      /* usb:VID:PID[:SERIAL][,DEV] */
  FFC_DEVICE_USB_PORT, /* usb-port:PATH[,DEV] */
  FFC_DEVICE_CARD_ID,  /* hw:CARD=<id>[,DEV=<n>] */
} FfcDeviceKind;

typedef struct {
  FfcDeviceKind kind;
  guint16 vid, pid; /* USB */
  gchar *serial;    /* USB; NULL = any */
  gchar *port;      /* USB_PORT: e.g. 1-1.2 */
  gchar *card_id;   /* CARD_ID */
  guint dev;        /* the card's PCM device */
  gchar *text;      /* as given */
} FfcDeviceSpec;

/* Parses an ALSA device name. A name that is none of the above is PLAIN
 * (TRUE); one that starts like them but is malformed is an error that names
 * the bad part. Clear the spec after. */
gboolean ffc_device_spec_parse (
    const gchar *text, FfcDeviceSpec *spec, GError **error);
void ffc_device_spec_clear (FfcDeviceSpec *spec);
/* TRUE for the kinds resolved against the cards present */
gboolean ffc_device_spec_resolves (const FfcDeviceSpec *spec);

/* An ALSA card with at least one capture PCM, as sysfs and procfs say. */
typedef struct {
  gint card;    /* its number: /sys/class/sound/cardN */
  gchar *id;    /* /proc/asound/cards: hw:CARD=<id> */
  gchar *name;  /* its long name there */
  gboolean usb; /* it has a USB parent */
  guint16 vid, pid;
  gchar *serial;   /* NULL when the device has none */
  gchar *port;     /* the USB device's sysfs name, e.g. 1-1.2 */
  guint32 capture; /* bit n: capture PCM device n is there */
} FfcCard;

void ffc_card_free (FfcCard *card);
/* "card 2 (id Ultrasonic, USB 16d0:0b40 serial 123, port 1-1.2)" */
gchar *ffc_card_describe (const FfcCard *card);

/* The root to read: FFC_TEST_SYSFS_ROOT, else "/" */
const gchar *ffc_device_default_root (void);

/* The capture cards present under root, by card number (FfcCard *). */
GPtrArray *ffc_device_list_cards (const gchar *root);
/* "card 0 (id PCH, not USB): HDA Intel PCH; card 2 (…): …", or "none" */
gchar *ffc_device_describe_cards (const GPtrArray *cards);

typedef struct {
  gchar *alsa_name; /* hw:CARD=<id>,DEV=<n>, or the PLAIN name as it is */
  gchar *info;      /* for device-info: ffc_card_describe (), or the name */
  gint card;        /* -1 for PLAIN */
} FfcDeviceMatch;

/* Resolves spec to the card present now. ABSENT and AMBIGUOUS errors name
 * the device asked for and list the capture cards present. */
gboolean ffc_device_resolve (const FfcDeviceSpec *spec, const gchar *root,
    FfcDeviceMatch *match, GError **error);
void ffc_device_match_clear (FfcDeviceMatch *match);

/* At start: parses `device` into spec (ALSA input only: for any other
 * input_format the name is ffmpeg's, PLAIN) and resolves it once. FALSE
 * when the start must fail: a bad name (INVALID), a device ambiguous, or
 * absent unless waited for (`wait`). */
gboolean ffc_device_check_start (const gchar *input_format, const gchar *device,
    gboolean wait, const gchar *root, FfcDeviceSpec *spec, GError **error);

/* Waiting for a device (wait-for-device): a pure function of the settings
 * and of the observations (time, present) the caller makes. */
typedef struct {
  gboolean wait;     /* FALSE: an absent device is given up on at once */
  gint64 poll_us;    /* look again this often while absent or settling */
  gint64 settle_us;  /* present this long after an absence before opening */
  gint64 timeout_us; /* absent this long: give up; 0 = never */
} FfcDeviceWaitConfig;

typedef struct {
  FfcDeviceWaitConfig config;
  gboolean absent_seen;    /* this wait saw it absent */
  gint64 wait_started_us;  /* the first absent observation */
  gint64 present_since_us; /* -1 unless present since an absence */
} FfcDeviceWait;

typedef enum {
  FFC_DEVICE_WAIT_OPEN,    /* open it now */
  FFC_DEVICE_WAIT_POLL,    /* look again at next_us */
  FFC_DEVICE_WAIT_GIVE_UP, /* absent: an error */
} FfcDeviceWaitAction;

typedef struct {
  FfcDeviceWaitAction action;
  gint64 next_us; /* POLL */
  gboolean lost;  /* the first absence of this wait: say so, once */
  gboolean found; /* OPEN after an absence: say it is back */
} FfcDeviceWaitDecision;

/* Once per capture: the observations before all its runs go to one wait.
 * An absence is said once (lost) and its end once (found, with OPEN);
 * without config.wait, every absent observation is GIVE_UP (a failed run)
 * and a present one OPEN at once. */
void ffc_device_wait_init (
    FfcDeviceWait *wait, const FfcDeviceWaitConfig *config);
/* One observation, before a run of ffmpeg. */
FfcDeviceWaitDecision ffc_device_wait_observe (
    FfcDeviceWait *wait, gint64 now_us, gboolean present);

G_END_DECLS

#endif
