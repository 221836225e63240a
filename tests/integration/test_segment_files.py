#!/usr/bin/python3
"""segmentsink's files open in other people's readers: Python's wave module
(PCM) and ffprobe (PCM, float, extensible, RF64), with the exact frame
counts the sink reported."""
import json
import os
import subprocess
import tempfile
import wave

CASES = [
    # caps, segment ns, buffers of 4800 frames, expected frames per file
    ("format=S16LE,rate=48000,channels=1", 100_000_000, [4800] * 5),
    ("format=S32LE,rate=48000,channels=2", 100_000_000, [4800] * 5),
    ("format=F32LE,rate=48000,channels=2", 100_000_000, [4800] * 5),
    ("format=S16LE,rate=48000,channels=6", 100_000_000, [4800] * 5),
]


def record(out, caps, segment_ns, env=None):
    subprocess.run(
        ["gst-launch-1.0", "-q", "audiotestsrc", "num-buffers=5",
         "samplesperbuffer=4800", "!", f"audio/x-raw,{caps}", "!",
         "segmentsink", f"location={out}", f"segment-duration={segment_ns}"],
        check=True, timeout=60, env=dict(os.environ, **(env or {})))
    return sorted(os.path.join(out, f) for f in os.listdir(out) if f.endswith(".wav"))


def ffprobe_frames(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_packets", "-show_entries",
         "stream=codec_name,channels,sample_rate,duration_ts", "-of", "json", path],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)["streams"][0]


def main():
    for caps, seg, expect in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            files = record(tmp, caps, seg)
            assert len(files) == len(expect), (caps, files)
            for path, frames in zip(files, expect):
                info = ffprobe_frames(path)
                assert int(info["duration_ts"]) == frames, (caps, info)
                if "F32LE" not in caps and "channels=6" not in caps:
                    with wave.open(path) as w:
                        assert w.getnframes() == frames, (caps, w.getnframes())
            print(f"ok: {caps}: {len(files)} files, ffprobe and wave agree")

    # RF64: the test seam makes 20000-byte files count as over 4 GiB
    with tempfile.TemporaryDirectory() as tmp:
        files = record(tmp, "format=S16LE,rate=48000,channels=1", 100_000_000,
                       {"FFC_WAV_RF64_THRESHOLD": "5000"})
        for path in files:
            with open(path, "rb") as f:
                assert f.read(4) == b"RF64", path
            info = ffprobe_frames(path)
            assert int(info["duration_ts"]) == 4800, info
        print(f"ok: RF64: {len(files)} files read by ffprobe")


if __name__ == "__main__":
    main()
