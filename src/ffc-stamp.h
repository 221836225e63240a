/* gst-ffcapture: timestamps of ffmpegsrc's buffers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_STAMP_H__
#define __FFC_STAMP_H__

#include <glib.h>

G_BEGIN_DECLS

/* Buffers are stamped from the sample count: each ffmpeg run is anchored
 * once (where its first sample lies in running time), and every chunk of
 * the run follows from its offset. Times in ns, running time. */
typedef struct {
  gboolean have_run;
  guint run;
  gint64 run_anchor; /* running time of the run's first sample */
  gint64 first_anchor;
  gboolean have_offset_origin;
  gint64 offset_origin; /* time of the first pushed sample */
  gint64 next_pts;      /* the end of what was pushed; -1: nothing yet */
  gint64 no_clock_origin_us;
} FfcStamper;

/* At start: nothing pushed yet */
void ffc_stamper_init (FfcStamper *st);
/* A new ffmpeg (new caps): its first chunk is anchored anew, DISCONT */
void ffc_stamper_new_capture (FfcStamper *st);
/* The next chunk of `run` needs an anchor */
gboolean ffc_stamper_needs_anchor (const FfcStamper *st, guint run);

/* The running time of a run's first sample, from a chunk: ffmpeg's capture
 * start time when it reported one (`run_start_wall_us` >= 0, wall clock),
 * mapped through the pipeline clock (`clock_now` in ns, with `base_time`,
 * read together with the monotonic and the wall clock); else the chunk's
 * arrival (monotonic) less the `before_ns` of audio it ends. Without a
 * clock (`clock_now` < 0), from the first arrival. */
gint64 ffc_stamper_anchor (FfcStamper *st, gint64 clock_now, gint64 base_time,
    gint64 mono_now_us, gint64 wall_now_us, gint64 run_start_wall_us,
    gint64 arrival_us, gint64 before_ns);

typedef struct {
  gboolean new_run; /* the first chunk of a run (the model's new line) */
  gboolean discont;
  guint64 skip;       /* frames clipped at the front: captured before 0 */
  guint64 frames;     /* frames left */
  guint64 run_offset; /* of the first frame left, in the run */
  gint64 pts, end;
  guint64 offset; /* sample offset, from the first sample pushed */
} FfcStamp;

/* Stamps `frames` at `run_offset` of `run`, at `rate`; `anchor` is used
 * when the run needs one. A live input's audio before running time 0 is
 * clipped to the sample; a file's or an unpaced source's run starts at 0
 * at the earliest. No run overlaps what was pushed. Returns FALSE when the
 * whole chunk is clipped. */
gboolean ffc_stamper_stamp (FfcStamper *st, guint run, gint64 anchor,
    gboolean live, guint rate, guint64 run_offset, guint64 frames,
    gboolean after_gap, FfcStamp *out);

/* frames * 1e9 / rate, rounded down, exactly (as gst_util_uint64_scale) */
gint64 ffc_frames_to_ns (guint64 frames, guint rate);

G_END_DECLS

#endif
