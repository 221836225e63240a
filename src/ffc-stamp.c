/* gst-ffcapture: timestamps of ffmpegsrc's buffers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ffc-stamp.h"

#include <string.h>

#define NS G_GUINT64_CONSTANT (1000000000)

/* frames * 1e9 / rate, rounded down, exactly (as gst_util_uint64_scale) */
static gint64
frames_to_ns (guint64 frames, guint rate)
{
  return (gint64)(frames / rate * NS + frames % rate * NS / rate);
}

gint64
ffc_frames_to_ns (guint64 frames, guint rate)
{
  return frames_to_ns (frames, rate);
}

/* ns * rate / 1e9, rounded up (`up`) or to the nearest, exactly */
static guint64
ns_to_frames (guint64 ns, guint rate, gboolean up)
{
  guint64 part = ns % NS * rate;

  return ns / NS * rate + (up ? (part + NS - 1) / NS : (part + NS / 2) / NS);
}

void
ffc_stamper_init (FfcStamper *st)
{
  memset (st, 0, sizeof (*st));
  st->next_pts = -1;
  st->no_clock_origin_us = -1;
}

void
ffc_stamper_new_capture (FfcStamper *st)
{
  st->have_run = FALSE;
}

gboolean
ffc_stamper_needs_anchor (const FfcStamper *st, guint run)
{
  return !st->have_run || run != st->run;
}

gint64
ffc_stamper_anchor (FfcStamper *st, gint64 clock_now, gint64 base_time,
    gint64 mono_now_us, gint64 wall_now_us, gint64 run_start_wall_us,
    gint64 arrival_us, gint64 before_ns)
{
  gint64 captured;

  if (clock_now < 0) {
    if (st->no_clock_origin_us < 0)
      st->no_clock_origin_us = arrival_us;
    return (arrival_us - st->no_clock_origin_us) * 1000 - before_ns;
  }
  if (run_start_wall_us >= 0)
    captured = clock_now - (wall_now_us - run_start_wall_us) * 1000;
  else
    captured = clock_now - (mono_now_us - arrival_us) * 1000 - before_ns;
  return captured - base_time;
}

gboolean
ffc_stamper_stamp (FfcStamper *st, guint run, gint64 anchor, gboolean live,
    guint rate, guint64 run_offset, guint64 frames, gboolean after_gap,
    FfcStamp *out)
{
  gint64 start;

  memset (out, 0, sizeof (*out));
  out->discont = after_gap;
  if (ffc_stamper_needs_anchor (st, run)) {
    gint64 first = anchor + frames_to_ns (run_offset, rate);

    /* never overlap what was already pushed */
    if (st->next_pts >= 0 && first < st->next_pts)
      anchor += st->next_pts - first;
    /* a file or unpaced source was not "captured" at any moment: it starts
     * at 0; a live one is clipped below, to the sample */
    if (!live && first < 0)
      anchor -= first;
    if (!st->have_run)
      st->first_anchor = anchor;
    else
      out->discont = TRUE;
    st->have_run = TRUE;
    st->run = run;
    st->run_anchor = anchor;
    out->new_run = TRUE;
  }

  start = st->run_anchor + frames_to_ns (run_offset, rate);
  if (start < 0) {
    out->skip = ns_to_frames ((guint64)-start, rate, TRUE);
    if (out->skip >= frames)
      return FALSE;
  }
  out->frames = frames - out->skip;
  out->run_offset = run_offset + out->skip;
  out->pts = st->run_anchor + frames_to_ns (out->run_offset, rate);
  out->end =
      st->run_anchor + frames_to_ns (out->run_offset + out->frames, rate);
  if (!st->have_offset_origin) {
    st->offset_origin = frames_to_ns (out->run_offset, rate);
    st->have_offset_origin = TRUE;
  }
  /* sample offsets count from the first sample pushed, gaps included */
  out->offset = ns_to_frames (
      (guint64)MAX (out->pts - (st->first_anchor + st->offset_origin), 0), rate,
      FALSE);
  st->next_pts = out->end;
  return TRUE;
}
