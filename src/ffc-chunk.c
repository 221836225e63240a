/* gst-ffcapture: ffmpegsrc's chunks become buffers' numbers and model news
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ffc-chunk.h"

#include <string.h>

void
ffc_chunker_start (FfcChunker *c, gboolean synchronised)
{
  ffc_stamper_init (&c->stamper);
  ffc_timekeeper_init (&c->timekeeper, synchronised);
}

void
ffc_chunker_clear (FfcChunker *c)
{
  ffc_timekeeper_clear (&c->timekeeper);
  ffc_stamper_init (&c->stamper);
}

void
ffc_chunker_new_capture (FfcChunker *c)
{
  ffc_stamper_new_capture (&c->stamper);
}

gboolean
ffc_chunker_needs_anchor (const FfcChunker *c, const FfcItem *item)
{
  return ffc_stamper_needs_anchor (&c->stamper, item->run);
}

gboolean
ffc_chunker_stamp (FfcChunker *c, const FfcItem *item, gboolean live,
    guint rate, const FfcClockNow *now, FfcStamp *out)
{
  gint64 anchor = 0;

  if (ffc_stamper_needs_anchor (&c->stamper, item->run))
    anchor = ffc_stamper_anchor (&c->stamper, now->clock_now, now->base_time,
        now->mono_us, now->wall_us, item->run_start_wall_us, item->arrival_us,
        ffc_frames_to_ns (item->run_offset + item->frames, rate));
  return ffc_stamper_stamp (&c->stamper, item->run, anchor, live, rate,
      item->run_offset, item->frames, item->after_gap, out);
}

void
ffc_chunker_feed (FfcChunker *c, const FfcItem *item, gboolean new_run,
    gboolean live, guint rate, gint64 end_rt_ns, FfcTimekeeperNews *news)
{
  guint64 chunk_end = item->run_offset + item->frames;
  FfcTimekeeperNews read_news;

  memset (news, 0, sizeof (*news));
  if (new_run)
    ffc_timekeeper_new_run (&c->timekeeper);
  /* A file or an unpaced source arrives as fast as ffmpeg makes it: its
   * arrival times say nothing of a device's clock, and it has no capture
   * time. segmentsink maps its running time onto the wall clock once. */
  if (!live)
    return;
  /* each read on its own, as it arrived, at its own running time */
  for (guint i = 0; i < item->n_arrivals; i++) {
    const FfcArrival *a = &item->arrivals[i];
    gint64 early = ffc_frames_to_ns (chunk_end - a->end, rate);

    ffc_timekeeper_feed (&c->timekeeper, rate, a->end, a->arrival_us,
        item->after_gap && i == 0,
        end_rt_ns >= 0 && end_rt_ns >= early ? end_rt_ns - early : -1,
        &read_news);
    if (read_news.stepped) {
      news->stepped = TRUE;
      news->step_us = read_news.step_us;
      news->wall_us = read_news.wall_us;
    }
    news->sync_changed |= read_news.sync_changed;
    if (read_news.publish) {
      news->publish = TRUE;
      news->model = read_news.model;
    }
  }
}
