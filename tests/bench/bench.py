#!/usr/bin/python3
"""Dual-stream recording benchmark: gst-ffcapture against the alternatives.

The job: MINUTES (default 10) of 384 kHz mono S16 audio from ffmpeg's lavfi
sine source, not paced, written as a raw stream of 60 s WAV segments plus a
processed stream resampled to 48 kHz, also 60 s WAV segments. Contenders:

  ffmpeg     one ffmpeg process with two -f segment outputs
  gst-stock  ffmpeg piped into gst-launch-1.0 fdsrc ! rawaudioparse ! tee,
             splitmuxsink muxer=wavenc on both branches
  ffcapture  ffmpegsrc ! tee ! segmentsink, audioresample on the processed
             branch
  ffcapture-flac  the same, the raw stream as FLAC (segmentsink format=flac,
             compression-level 5); ffcapture-flac0: at compression-level 0
  ffmpeg-flac  ffmpeg alone, the raw stream as FLAC segments (its own FLAC
             encoder, -compression_level 5)

They run interleaved (A B C A B C …) for ROUNDS rounds (default 5); the
table gives medians of wall time, CPU (user+sys of every process involved),
CPU seconds per hour of audio, peak RSS of the recording process (for
ffcapture without its ffmpeg child, for the others their largest process),
the ratio of CPU to ffmpeg alone, and whether the output was right: the
segment count and every segment's exact frame count.

Output goes to a tmpfs (/dev/shm) so that the disk does not decide the
result. Run: bash tests/bench/run.sh [--rounds N] [--minutes M].
"""
import argparse
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

RATE = 384000
PROCESSED_RATE = 48000
SEGMENT_S = 60


def wav_frames(path):
    """Frames in a WAV/RF64 file, from its header (PCM or extensible)."""
    with open(path, "rb") as f:
        riff = f.read(12)
        if riff[:4] not in (b"RIFF", b"RF64") or riff[8:12] != b"WAVE":
            raise ValueError(f"{path}: not a WAV file")
        block_align = None
        ds64_data = None
        while True:
            head = f.read(8)
            if len(head) < 8:
                raise ValueError(f"{path}: no data chunk")
            cid, size = head[:4], struct.unpack("<I", head[4:])[0]
            if cid == b"ds64":
                body = f.read(size)
                ds64_data = struct.unpack("<Q", body[8:16])[0]
            elif cid == b"fmt ":
                body = f.read(size)
                block_align = struct.unpack("<H", body[12:14])[0]
            elif cid == b"data":
                if size == 0xFFFFFFFF and ds64_data is not None:
                    size = ds64_data
                return size // block_align
            else:
                f.seek(size + (size & 1), 1)


def flac_frames(path):
    """Samples in a FLAC file, from STREAMINFO (metaflac)."""
    return int(subprocess.run(["metaflac", "--show-total-samples", path],
                              check=True, capture_output=True,
                              text=True).stdout)


def check_output(out_dir, minutes, raw_ext=".wav"):
    """(ok, description) for the raw/ and processed/ segment directories."""
    expect = {"raw": RATE * SEGMENT_S, "processed": PROCESSED_RATE * SEGMENT_S}
    problems = []
    for stream, per_segment in expect.items():
        d = os.path.join(out_dir, stream)
        ext = raw_ext if stream == "raw" else ".wav"
        frames_of = flac_frames if ext == ".flac" else wav_frames
        files = sorted(f for f in os.listdir(d) if f.endswith(ext))
        frames = [frames_of(os.path.join(d, f)) for f in files]
        if len(files) != minutes:
            problems.append(f"{stream}: {len(files)} segments, not {minutes}")
        wrong = [n for n in frames if n != per_segment]
        if wrong:
            problems.append(f"{stream}: {len(wrong)} segments not {per_segment} "
                            f"frames (e.g. {wrong[0]})")
    return (not problems, "; ".join(problems) or "exact")


def contender_commands(name, out, minutes, plugin_path):
    raw, proc = os.path.join(out, "raw"), os.path.join(out, "processed")
    os.makedirs(raw)
    os.makedirs(proc)
    sine = f"sine=frequency=1000:sample_rate={RATE}:duration={minutes * 60}"
    seg_ns = SEGMENT_S * 1_000_000_000
    if name in ("ffmpeg", "ffmpeg-flac"):
        flac = name == "ffmpeg-flac"
        raw_codec = (["-c:a", "flac", "-compression_level", "5"] if flac
                     else ["-c:a", "pcm_s16le"])
        return (["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", sine,
                 "-filter_complex",
                 f"asplit=2[a][b];[b]aresample={PROCESSED_RATE}[c]",
                 "-map", "[a]"] + raw_codec
                + ["-f", "segment", "-segment_time", str(SEGMENT_S),
                   f"{raw}/%05d." + ("flac" if flac else "wav"),
                   "-map", "[c]", "-c:a", "pcm_s16le", "-f", "segment",
                   "-segment_time", str(SEGMENT_S), f"{proc}/%05d.wav"]), \
            "gst-launch-1.0"
    if name == "gst-stock":
        pipe = (f"ffmpeg -v error -nostdin -f lavfi -i {sine} -f s16le pipe:1 | "
                "gst-launch-1.0 -q fdsrc fd=0 ! rawaudioparse format=pcm "
                f"pcm-format=s16le sample-rate={RATE} num-channels=1 ! tee name=t "
                f"t. ! queue ! splitmuxsink muxer=wavenc location={raw}/%05d.wav "
                f"max-size-time={seg_ns} "
                f"t. ! queue ! audioresample ! audio/x-raw,rate={PROCESSED_RATE} ! "
                f"splitmuxsink muxer=wavenc location={proc}/%05d.wav "
                f"max-size-time={seg_ns}")
        return ["bash", "-c", pipe], "gst-launch-1.0"
    if name in ("ffcapture", "ffcapture-flac", "ffcapture-flac0"):
        raw_format = (["format=flac", "compression-level=5"]
                      if name == "ffcapture-flac" else
                      ["format=flac", "compression-level=0"]
                      if name == "ffcapture-flac0" else [])
        return (["gst-launch-1.0", "-q", "ffmpegsrc", "input-format=lavfi",
                 f"device={sine}", "!",
                 f"audio/x-raw,format=S16LE,rate={RATE},channels=1", "!",
                 "tee", "name=t",
                 "t.", "!", "queue", "!", "segmentsink", f"location={raw}",
                 f"segment-duration={seg_ns}", "fsync=false"] + raw_format
                + ["t.", "!", "queue", "!", "audioresample", "!",
                   f"audio/x-raw,rate={PROCESSED_RATE}", "!", "segmentsink",
                   f"location={proc}", f"segment-duration={seg_ns}",
                   "fsync=false"]), "gst-launch-1.0"
    raise ValueError(name)


def peak_rss_kb(pids):
    best = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        best = max(best, int(line.split()[1]))
        except OSError:
            pass
    return best


def descendants(pid):
    out = []
    try:
        kids = open(f"/proc/{pid}/task/{pid}/children").read().split()
    except OSError:
        return out
    for k in kids:
        out.append(int(k))
        out.extend(descendants(int(k)))
    return out


def process_name(pid):
    try:
        return open(f"/proc/{pid}/comm").read().strip()
    except OSError:
        return ""


def run_once(name, minutes, workdir, plugin_path):
    out = tempfile.mkdtemp(prefix=f"{name}-", dir=workdir)
    cmd, recorder_name = contender_commands(name, out, minutes, plugin_path)
    env = dict(os.environ, GST_PLUGIN_PATH=plugin_path)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    peaks = {}
    stop = threading.Event()

    def sample():
        # VmHWM is a high-water mark: the last reading of each process is
        # its peak. Sampled until it exits.
        while not stop.is_set():
            for pid in [proc.pid] + descendants(proc.pid):
                rss = peak_rss_kb([pid])
                if rss:
                    peaks[pid] = (process_name(pid) or peaks.get(pid, ("", 0))[0], rss)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    stop.set()
    sampler.join()
    cpu = usage.ru_utime + usage.ru_stime
    if name.startswith("ffcapture"):
        rss = max([v for n, v in peaks.values() if n == recorder_name] or [0])
    else:
        rss = max([v for _, v in peaks.values()] or [0])
    raw_ext = ".flac" if "-flac" in name else ".wav"
    ok, why = (check_output(out, minutes, raw_ext) if status == 0
               else (False, f"exit {status}"))
    shutil.rmtree(out)
    return {"wall": wall, "cpu": cpu, "rss_mb": rss / 1024, "ok": ok, "why": why}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--minutes", type=int, default=10)
    ap.add_argument("--workdir", default="/dev/shm")
    ap.add_argument("--plugin-path", default=os.environ.get("GST_PLUGIN_PATH", ""))
    ap.add_argument("--contenders", default="ffmpeg,gst-stock,ffcapture")
    args = ap.parse_args()

    names = args.contenders.split(",")
    results = {n: [] for n in names}
    for r in range(args.rounds):
        for n in names:
            res = run_once(n, args.minutes, args.workdir, args.plugin_path)
            results[n].append(res)
            print(f"round {r + 1} {n:10s} wall {res['wall']:6.2f}s cpu {res['cpu']:6.2f}s "
                  f"rss {res['rss_mb']:6.1f}MB {res['why']}", flush=True)

    hours = args.minutes / 60
    base = statistics.median(x["cpu"] for x in results[names[0]])
    print()
    print(f"{args.minutes} min of {RATE} Hz mono S16, {args.rounds} rounds, medians")
    print("| contender | wall s | CPU s | CPU s per hour of audio | peak RSS MB | "
          f"CPU vs {names[0]} | output |")
    print("|---|---|---|---|---|---|---|")
    for n in names:
        xs = results[n]
        cpu = statistics.median(x["cpu"] for x in xs)
        print(f"| {n} | {statistics.median(x['wall'] for x in xs):.2f} | {cpu:.2f} | "
              f"{cpu / hours:.1f} | {statistics.median(x['rss_mb'] for x in xs):.1f} | "
              f"{cpu / base:.2f}x | "
              f"{'exact' if all(x['ok'] for x in xs) else xs[-1]['why']} |")


if __name__ == "__main__":
    sys.exit(main())
