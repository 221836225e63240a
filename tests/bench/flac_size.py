#!/usr/bin/python3
"""FLAC segment size: segmentsink format=flac against its WAV and ffmpeg.

For each signal, SECONDS (default 60) of 384 kHz mono S16 from ffmpeg's
lavfi, as one segment: segmentsink format=wav, segmentsink format=flac at
each LEVEL (libFLAC), and ffmpeg's own FLAC encoder at the same
-compression_level on the same input. The signals: quiet pink noise
(anoisesrc color=pink amplitude=0.02, ambient sound), a 1 kHz tone, and
full-scale white noise (the worst case). anoisesrc has a fixed seed, so
every contender gets the same samples: the FLACs' STREAMINFO MD5s must
agree (checked), and segmentsink's sizes include its ~3 KB of metadata (the
WAV's chunks kept in riff blocks, the seek table), ffmpeg's its own (its
FLAC muxer's default 8 KiB of padding); "frames only" compares the audio
frames alone (the file after its metadata blocks), where the encoders
differ, then both block sizes (STREAMINFO's maximum). ffmpeg's blocks at
384 kHz are 32768 frames from level 3 up, outside the FLAC subset (at most
16384 above 48 kHz), which segmentsink keeps to: the last columns give
ffmpeg held to the subset (-frame_size 16384) where its own blocks are
longer.

Output goes to /dev/shm. Run: /usr/bin/python3 tests/bench/flac_size.py
[--seconds S] [--levels 0,5,8] (GST_PLUGIN_PATH: the build's gst/).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

RATE = 384000
SUBSET_MAX_BLOCK = 16384  # the FLAC subset's largest block above 48 kHz
SIGNALS = [
    ("quiet pink noise", "anoisesrc=color=pink:amplitude=0.02:seed=1"),
    ("1 kHz tone", "sine=frequency=1000"),
    ("white noise, full scale", "anoisesrc=color=white:amplitude=1:seed=1"),
]


def lavfi(signal, seconds):
    return f"{signal}:sample_rate={RATE}:duration={seconds}"


def only_file(d):
    names = [n for n in os.listdir(d) if not n.startswith(".")]
    assert len(names) == 1, names
    return os.path.join(d, names[0])


def segmentsink(work, name, device, seconds, props):
    out = os.path.join(work, name)
    subprocess.run(
        ["gst-launch-1.0", "-q", "ffmpegsrc", "input-format=lavfi",
         f"device={device}", "!",
         f"audio/x-raw,format=S16LE,rate={RATE},channels=1", "!",
         "segmentsink", f"location={out}", "fsync=false",
         f"segment-duration={(seconds + 1) * 1_000_000_000}"] + props,
        check=True, stdout=subprocess.DEVNULL)
    return only_file(out)


def ffmpeg_flac(work, name, device, level, extra=()):
    path = os.path.join(work, name + ".flac")
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i",
                    device, "-sample_fmt", "s16", "-c:a", "flac",
                    "-compression_level", str(level)] + list(extra)
                   + ["-y", path], check=True)
    return path


def audio_bytes(path):
    """Bytes of a FLAC file after its metadata blocks: the frames."""
    with open(path, "rb") as f:
        assert f.read(4) == b"fLaC", path
        pos = 4
        while True:
            head = f.read(4)
            pos += 4 + int.from_bytes(head[1:4], "big")
            if head[0] & 0x80:
                return os.path.getsize(path) - pos
            f.seek(pos)


def blocksize(path):
    return subprocess.run(["metaflac", "--show-max-blocksize", path], check=True,
                          capture_output=True, text=True).stdout.strip()


def md5(path):
    return subprocess.run(["metaflac", "--show-md5sum", path], check=True,
                          capture_output=True, text=True).stdout.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--levels", default="0,5,8")
    ap.add_argument("--workdir", default="/dev/shm")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    print(f"{args.seconds} s of {RATE} Hz mono S16, one segment each")
    print("| signal | WAV bytes | level | segmentsink FLAC bytes | FLAC/WAV | "
          "ffmpeg FLAC bytes | ffmpeg/WAV | ours/ffmpeg | ours/ffmpeg, frames only | block size, ours/ffmpeg's | "
          "ffmpeg in the subset, bytes | ours/that |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for label, signal in SIGNALS:
        work = tempfile.mkdtemp(prefix="flac-size-", dir=args.workdir)
        try:
            device = lavfi(signal, args.seconds)
            wav = os.path.getsize(segmentsink(work, "wav", device, args.seconds, []))
            for level in levels:
                ours = segmentsink(work, f"flac{level}", device, args.seconds,
                                   ["format=flac", f"compression-level={level}"])
                theirs = ffmpeg_flac(work, f"ffmpeg{level}", device, level)
                assert md5(ours) == md5(theirs), (label, "different samples")
                a, b = os.path.getsize(ours), os.path.getsize(theirs)
                fa, fb = audio_bytes(ours), audio_bytes(theirs)
                if int(blocksize(theirs)) > SUBSET_MAX_BLOCK:
                    subset = os.path.getsize(ffmpeg_flac(
                        work, f"ffmpeg{level}-subset", device, level,
                        ["-frame_size", str(SUBSET_MAX_BLOCK)]))
                    in_subset = f"{subset} | {a / subset:.4f}"
                else:
                    in_subset = f"{b} (its own) | {a / b:.4f}"
                print(f"| {label} | {wav} | {level} | {a} | {a / wav:.3f} | {b} | "
                      f"{b / wav:.3f} | {a / b:.4f} | {fa / fb:.4f} | "
                      f"{blocksize(ours)}/{blocksize(theirs)} | {in_subset} |",
                      flush=True)
        finally:
            shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
