#!/usr/bin/python3
"""Audio beside video: docs/examples/av_record.py records a live video source
and ffmpegsrc into one Matroska file; ffprobe must find both streams starting
within one video frame of each other, and lasting as long."""
import json
import os
import subprocess
import sys
import tempfile

SRC = os.environ["FFC_SOURCE_ROOT"]
FRAME = 1 / 30


def probe(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries",
         "stream=codec_type,start_time:format=duration", "-of", "json", path],
        check=True, capture_output=True, text=True).stdout
    info = json.loads(out)
    return {s["codec_type"]: float(s["start_time"]) for s in info["streams"]}


def last_timestamp(path, stream):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", stream, "-show_entries",
         "packet=pts_time,duration_time", "-of", "csv=p=0", path],
        check=True, capture_output=True, text=True).stdout.split()
    pts, dur = out[-1].split(",")[:2]
    return float(pts) + float(dur or 0)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "av.mkv")
        subprocess.run([sys.executable, os.path.join(SRC, "docs/examples/av_record.py"),
                        path, "3"], check=True, timeout=60)
        starts = probe(path)
        print(f"start times: {starts}")
        assert set(starts) == {"video", "audio"}, starts
        assert abs(starts["video"] - starts["audio"]) < FRAME, starts
        ends = {t: last_timestamp(path, t[0]) for t in ("video", "audio")}
        print(f"end times: {ends}")
        assert abs(ends["video"] - ends["audio"]) < 3 * FRAME, ends
    print("ok: audio and video start within one frame")


if __name__ == "__main__":
    main()
