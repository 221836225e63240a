/* gst-ffcapture: ffmpegsrc's chunks become buffers' numbers and model news
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FFC_CHUNK_H__
#define __FFC_CHUNK_H__

#include <glib.h>

#include "ffc-capture.h"
#include "ffc-stamp.h"
#include "ffc-timekeeper.h"

G_BEGIN_DECLS

/* What one element knows of its stream's time: the stamper (where each
 * run lies in running time) and the time model (docs/time.md). Streaming
 * thread only. */
typedef struct {
  FfcStamper stamper;
  FfcTimekeeper timekeeper;
} FfcChunker;

/* At start (the device may differ): nothing pushed, a model afresh with
 * the system clock's synchronisation now */
void ffc_chunker_start (FfcChunker *c, gboolean synchronised);
void ffc_chunker_clear (FfcChunker *c);
/* A new ffmpeg (new caps): its first chunk is anchored anew, DISCONT */
void ffc_chunker_new_capture (FfcChunker *c);

/* The clocks a run's first chunk is anchored with, read together: the
 * pipeline clock's time (ns; -1 without a clock) and the element's base
 * time, the monotonic and the wall clock (µs) */
typedef struct {
  gint64 clock_now;
  gint64 base_time;
  gint64 mono_us;
  gint64 wall_us;
} FfcClockNow;

/* The DATA `item` starts a run: ffc_chunker_stamp () needs the clocks */
gboolean ffc_chunker_needs_anchor (const FfcChunker *c, const FfcItem *item);

/* Stamps the DATA `item` of an output at `rate` (`live`: a device, or
 * paced by -re), anchoring a new run with `now` (ffc_stamper_anchor ():
 * ffmpeg's capture start, else the chunk's arrival less the audio it
 * ends). FALSE when the whole chunk is clipped (captured before PLAYING);
 * out->new_run is set either way. */
gboolean ffc_chunker_stamp (FfcChunker *c, const FfcItem *item, gboolean live,
    guint rate, const FfcClockNow *now, FfcStamp *out);

/* Feeds the time model with the DATA `item` once per read it holds (its
 * arrivals, each at its own running time: `end_rt_ns`, where the chunk's
 * buffer ends, less the audio after the read; -1 for a clipped chunk, which
 * publishes nothing) and merges what they said into *news: stepped with the
 * latest step, sync_changed if any, publish with the latest model.
 * `after_gap` applies to the first read. `new_run` (out->new_run of
 * ffc_chunker_stamp ()) starts the model's new line. An input that is not
 * live keeps no time: *news is empty. */
void ffc_chunker_feed (FfcChunker *c, const FfcItem *item, gboolean new_run,
    gboolean live, guint rate, gint64 end_rt_ns, FfcTimekeeperNews *news);

G_END_DECLS

#endif
