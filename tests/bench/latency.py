#!/usr/bin/python3
"""Promotion latency and startup time.

Promotion latency: from the moment the buffer holding a segment's last
sample reaches segmentsink to the moment the finished file appears in the
data directory (inotify IN_MOVED_TO), over SEGMENTS segments of 50 ms from a
live (-re) 384 kHz source, with fsync on; p50 and p99. Beside it the anchor:
ffmpeg's segment muxer writing into a staging directory and a promoter that
polls every 0.5 s and renames finished files (the approach of existing
recorders), measured from the file's completion (ffmpeg opening the next
one) to its rename.

Startup: from set_state(PLAYING) to the first buffer out of ffmpegsrc.

    bash tests/bench/run-latency.sh [--segments 200] [--dir /tmp]
"""
import argparse
import ctypes
import os
import shutil
import statistics
import struct
import subprocess
import tempfile
import threading
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

IN_CREATE, IN_MOVED_TO = 0x100, 0x80
libc = ctypes.CDLL("libc.so.6", use_errno=True)


class Watch:
    """Records when each name is created or moved into a directory."""

    def __init__(self, path, mask):
        self.fd = libc.inotify_init1(0o2000000)  # IN_CLOEXEC
        libc.inotify_add_watch(self.fd, path.encode(), mask)
        self.events = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            now = time.monotonic()
            pos = 0
            while pos < len(data):
                _, mask, _, length = struct.unpack_from("iIII", data, pos)
                name = data[pos + 16:pos + 16 + length].rstrip(b"\0").decode()
                self.events.append((now, mask, name))
                pos += 16 + length

    def close(self):
        os.close(self.fd)


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def ffcapture_latency(workdir, segments):
    Gst.init(None)
    rate, seg_frames = 384000, 19200          # 50 ms segments
    data = tempfile.mkdtemp(prefix="promo-", dir=workdir)
    pipeline = Gst.parse_launch(
        "ffmpegsrc name=src input-format=lavfi input-options=-re "
        f"device=sine=sample_rate={rate} ! "
        f"audio/x-raw,format=S16LE,rate={rate},channels=1 ! "
        f"segmentsink name=sink location={data} segment-duration=50000000 fsync=true")
    watch = Watch(data, IN_MOVED_TO)
    boundary_times = []
    state = {"frames": 0, "first": None}

    def probe(pad, info):
        now = time.monotonic()
        if state["first"] is None:
            state["first"] = now
        buf = info.get_buffer()
        before = state["frames"]
        state["frames"] += buf.get_size() // 2
        # each boundary this buffer completes
        for k in range(before // seg_frames + 1, state["frames"] // seg_frames + 1):
            boundary_times.append(now)
        return Gst.PadProbeReturn.OK

    pad = pipeline.get_by_name("sink").get_static_pad("sink")
    pad.add_probe(Gst.PadProbeType.BUFFER, probe)
    t0 = time.monotonic()
    pipeline.set_state(Gst.State.PLAYING)
    deadline = time.monotonic() + segments * 0.05 + 20
    while len(boundary_times) < segments + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    pipeline.set_state(Gst.State.NULL)
    watch.close()
    moved = [t for t, m, n in watch.events if n.endswith(".wav")]
    n = min(len(moved), len(boundary_times), segments)
    lat = [(moved[i] - boundary_times[i]) * 1000 for i in range(n)]
    shutil.rmtree(data)
    return lat, (state["first"] - t0) * 1000 if state["first"] else None


def polling_anchor(workdir, segments):
    staging = tempfile.mkdtemp(prefix="poll-staging-", dir=workdir)
    data = tempfile.mkdtemp(prefix="poll-data-", dir=workdir)
    created = Watch(staging, IN_CREATE)
    proc = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-nostdin", "-re", "-f", "lavfi", "-i",
         "sine=sample_rate=384000", "-c:a", "pcm_s16le", "-f", "segment",
         "-segment_time", "0.05", f"{staging}/%06d.wav"])
    renamed = {}
    done = time.monotonic() + segments * 0.05 + 3
    while time.monotonic() < done:
        time.sleep(0.5)
        files = sorted(os.listdir(staging))
        for f in files[:-1]:            # all but the one being written
            os.rename(os.path.join(staging, f), os.path.join(data, f))
            renamed[f] = time.monotonic()
    proc.terminate()
    proc.wait()
    created.close()
    opened = {n: t for t, m, n in created.events}
    names = sorted(opened)
    lat = []
    for cur, nxt in zip(names, names[1:]):
        if cur in renamed:              # finished when the next was opened
            lat.append((renamed[cur] - opened[nxt]) * 1000)
    shutil.rmtree(staging)
    shutil.rmtree(data)
    return lat[:segments]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=200)
    ap.add_argument("--dir", default="/tmp")
    args = ap.parse_args()
    lat, startup = ffcapture_latency(args.dir, args.segments)
    anchor = polling_anchor(args.dir, args.segments)
    print(f"filesystem: {args.dir}")
    print(f"| promoter | segments | p50 ms | p99 ms | max ms |")
    print(f"|---|---|---|---|---|")
    print(f"| segmentsink (fsync on) | {len(lat)} | {statistics.median(lat):.2f} | "
          f"{percentile(lat, 99):.2f} | {max(lat):.2f} |")
    print(f"| 0.5 s polling promoter | {len(anchor)} | {statistics.median(anchor):.1f} | "
          f"{percentile(anchor, 99):.1f} | {max(anchor):.1f} |")
    print(f"startup, PLAYING to first buffer: {startup:.1f} ms")


if __name__ == "__main__":
    main()
