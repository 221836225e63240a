#!/usr/bin/python3
"""Capture integrity under load.

A live (-re) 384 kHz stereo source for SECONDS (default 120) while every core
is saturated by other processes and the disk branch is stalled for 3 s every
20 s. Samples lost: from ffmpegsrc's stats (dropped by the queue, lost inside
ffmpeg) and from the files (frames written against samples pushed).

    bash tests/bench/run-load.sh [--seconds 120] [--dir /tmp]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=120)
    ap.add_argument("--dir", default="/tmp")
    args = ap.parse_args()
    Gst.init(None)
    data = tempfile.mkdtemp(prefix="load-", dir=args.dir)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(os.cpu_count() or 2)]
    pipeline = Gst.parse_launch(
        "ffmpegsrc name=src input-format=lavfi input-options=-re "
        "device=sine=sample_rate=384000 channels=2 ! "
        "audio/x-raw,format=S16LE,rate=384000,channels=2 ! "
        f"segmentsink name=sink location={data} segment-duration=10000000000")
    state = {"next_stall": time.monotonic() + 20, "stalls": 0}

    def stall(pad, info):
        now = time.monotonic()
        if now >= state["next_stall"]:
            state["next_stall"] = now + 20
            state["stalls"] += 1
            time.sleep(3)               # the disk branch stops for 3 s
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("sink").get_static_pad("sink").add_probe(
        Gst.PadProbeType.BUFFER, stall)
    try:
        pipeline.set_state(Gst.State.PLAYING)
        time.sleep(args.seconds)
        pipeline.send_event(Gst.Event.new_eos())
        pipeline.get_bus().timed_pop_filtered(30 * Gst.SECOND, Gst.MessageType.EOS)
        stats = pipeline.get_by_name("src").get_property("stats")
        pipeline.set_state(Gst.State.NULL)
    finally:
        for h in hogs:
            h.kill()
    frames = 0
    for f in os.listdir(data):
        if f.endswith(".wav"):
            with wave.open(os.path.join(data, f)) as w:
                frames += w.getnframes()
    shutil.rmtree(data)
    pushed = stats.get_uint64("samples-pushed")[1]
    print(f"{args.seconds} s at 384 kHz stereo, {len(hogs)} CPU hogs, "
          f"{state['stalls']} disk stalls of 3 s")
    print(f"samples pushed {pushed}, in files {frames}, dropped "
          f"{stats.get_uint64('samples-dropped')[1]}, lost inside ffmpeg "
          f"{stats.get_uint64('samples-lost')[1]}, restarts "
          f"{stats.get_uint('restarts')[1]}")
    print("samples lost: ", pushed - frames + stats.get_uint64("samples-dropped")[1]
          + stats.get_uint64("samples-lost")[1])


if __name__ == "__main__":
    main()
