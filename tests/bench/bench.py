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
             compression-level 5); ffcapture-flacN: at compression-level N
             (0-8)
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

With --live, the case a field recorder runs: SECONDS (default 60) of the
same tone paced in real time by ffmpeg's -re, written as raw 384 kHz and
processed 48 kHz WAV segments of 10 s (the dual job) and, with
--jobs triple, also as Opus (opusenc ! oggmux to a filesink on the tmpfs
in place of Icecast: no network). Contenders:

  ffmpeg         one ffmpeg -re with the same outputs: its segment muxer for
                 both WAV streams, aresample once to 48 kHz, asplit of the
                 48 kHz stream into libopus 64 kb/s in Ogg (the cheapest way
                 ffmpeg alone does the job)
  ffcapture      ffmpegsrc input-options=-re ! tee ! queue ! segmentsink (raw)
                 and queue ! audioresample ! tee ! segmentsink (processed); the
                 Opus branch is a besteffortsink on the processed tee, fed the
                 48 kHz stream (one resampler, docs/design.md)
  ffcapture-2rs  the same, but the Opus branch resamples the raw stream again
                 inside besteffortsink (the pipeline before issue 15)
  ffcapture-flac the same as ffcapture, the raw stream as FLAC
                 (segmentsink format=flac compression-level=5);
                 ffcapture-flacN: at compression-level N (0-8)
  ffmpeg-flac    the same as ffmpeg, the raw stream as FLAC (its own encoder,
                 -compression_level 5)

CPU is user+sys of every process (wait4 of the top process, which has
reaped its children: ffmpeg is counted) per minute of audio; peak RSS is
the sum of every process's VmHWM (the recorder and its ffmpeg). With
--threads, the CPU of every thread of every process, sampled from
/proc/PID/task/*/stat until it exits, is printed per contender (median per
thread name over the rounds).
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


def flac_level(name):
    """The compression level of an ffcapture-flac[N] contender, else None."""
    if not name.startswith("ffcapture-flac"):
        return None
    level = name[len("ffcapture-flac"):] or "5"
    if level not in [str(n) for n in range(9)]:
        raise ValueError(name)
    return int(level)


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
    if name == "ffcapture" or flac_level(name) is not None:
        level = flac_level(name)
        raw_format = ([] if level is None
                      else ["format=flac", f"compression-level={level}"])
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


LIVE_SEGMENT_S = 10
OPUS_BITRATE = 64000


def check_live_output(out_dir, seconds, triple, raw_ext=".wav"):
    """(ok, description) for a live run: exact segments, and some Opus."""
    expect = {"raw": RATE, "processed": PROCESSED_RATE}
    problems = []
    for stream, rate in expect.items():
        d = os.path.join(out_dir, stream)
        ext = raw_ext if stream == "raw" else ".wav"
        frames_of = flac_frames if ext == ".flac" else wav_frames
        files = sorted(f for f in os.listdir(d) if f.endswith(ext))
        frames = [frames_of(os.path.join(d, f)) for f in files]
        want = seconds // LIVE_SEGMENT_S
        if len(files) != want:
            problems.append(f"{stream}: {len(files)} segments, not {want}")
        wrong = [n for n in frames if n != rate * LIVE_SEGMENT_S]
        if wrong:
            problems.append(f"{stream}: {len(wrong)} segments not "
                            f"{rate * LIVE_SEGMENT_S} frames (e.g. {wrong[0]})")
    if triple:
        opus = os.path.join(out_dir, "live.opus")
        dur = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration",
             "-of", "csv=p=0", opus], capture_output=True, text=True).stdout.strip()
        try:
            dur = float(dur)
        except ValueError:
            dur = 0.0
        if abs(dur - seconds) > 1.0:
            problems.append(f"opus: {dur:.2f} s, not {seconds}")
    return (not problems, "; ".join(problems) or "exact")


def live_commands(name, out, seconds, triple):
    raw, proc = os.path.join(out, "raw"), os.path.join(out, "processed")
    opus = os.path.join(out, "live.opus")
    os.makedirs(raw)
    os.makedirs(proc)
    sine = f"sine=frequency=1000:sample_rate={RATE}:duration={seconds}"
    seg_ns = LIVE_SEGMENT_S * 1_000_000_000
    if name in ("ffmpeg", "ffmpeg-flac"):
        flac = name == "ffmpeg-flac"
        raw_codec = (["-c:a", "flac", "-compression_level", "5"] if flac
                     else ["-c:a", "pcm_s16le"])
        graph = f"asplit=2[a][b];[b]aresample={PROCESSED_RATE}"
        graph += ",asplit=2[c][o]" if triple else "[c]"
        cmd = ["ffmpeg", "-v", "error", "-nostdin", "-re", "-f", "lavfi", "-i", sine,
               "-filter_complex", graph,
               "-map", "[a]"] + raw_codec + ["-f", "segment",
               "-segment_time", str(LIVE_SEGMENT_S),
               f"{raw}/%05d." + ("flac" if flac else "wav"),
               "-map", "[c]", "-c:a", "pcm_s16le", "-f", "segment",
               "-segment_time", str(LIVE_SEGMENT_S), f"{proc}/%05d.wav"]
        if triple:
            cmd += ["-map", "[o]", "-c:a", "libopus", "-b:a", str(OPUS_BITRATE),
                    "-f", "ogg", opus]
        return cmd, "ffmpeg"
    level = flac_level(name)
    if name not in ("ffcapture", "ffcapture-2rs") and level is None:
        raise ValueError(name)
    raw_format = [] if level is None else ["format=flac",
                                           f"compression-level={level}"]
    cmd = ["gst-launch-1.0", "-q", "ffmpegsrc", "input-format=lavfi",
           f"device={sine}", "input-options=-re", "!",
           f"audio/x-raw,format=S16LE,rate={RATE},channels=1", "!",
           "tee", "name=t",
           "t.", "!", "queue", "!", "segmentsink", f"location={raw}",
           f"segment-duration={seg_ns}", "fsync=false"] + raw_format + [
           "t.", "!", "queue", "!", "audioresample", "!",
           f"audio/x-raw,rate={PROCESSED_RATE}", "!"]
    opus_branch = (f"audioconvert ! opusenc bitrate={OPUS_BITRATE} ! oggmux ! "
                   f"filesink location={opus}")
    if triple and name != "ffcapture-2rs":
        # besteffortsink never blocks: the processed tee needs no queue
        cmd += ["tee", "name=p", "!"]
    cmd += ["segmentsink", f"location={proc}", f"segment-duration={seg_ns}",
            "fsync=false"]
    if triple and name != "ffcapture-2rs":
        cmd += ["p.", "!", "besteffortsink", f"branch={opus_branch}"]
    elif triple:
        cmd += ["t.", "!", "besteffortsink",
                f"branch=audioresample ! audio/x-raw,rate={PROCESSED_RATE} ! "
                + opus_branch]
    return cmd, "gst-launch-1.0"


def thread_cpu(pid):
    """{tid: (process comm/thread comm, cpu s)} of every thread of pid."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    pname = process_name(pid)
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[(pid, int(tid))] = (f"{pname}/{comm}",
                                (int(fields[11]) + int(fields[12])) / tick)
    return out


def process_cpu(pid):
    """user+sys CPU s of all threads of pid so far (0 once it is gone)."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# Steady state: a recorder runs for months, so what it costs once started
# is measured apart from startup and shutdown: from STEADY_SKIP_S after the
# start to STEADY_TAIL_S before the end, over all its processes.
STEADY_SKIP_S = 10
STEADY_TAIL_S = 3


def steady_cpu_per_min(samples, wall):
    """CPU s per minute of wall time between the first sample STEADY_SKIP_S
    in and the last STEADY_TAIL_S before the end with the same processes;
    None if the run was too short."""
    first = next((x for x in samples if x[0] >= STEADY_SKIP_S), None)
    if first is None:
        return None
    last = None
    for x in samples:
        if x[0] <= wall - STEADY_TAIL_S and x[2] == first[2] and x[0] > first[0]:
            last = x
    if last is None:
        return None
    return (last[1] - first[1]) / ((last[0] - first[0]) / 60)


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
    # a child started by any thread is listed under that thread
    out = []
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            kids += open(f"/proc/{pid}/task/{tid}/children").read().split()
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


def run_once(name, minutes, workdir, plugin_path, live=None):
    # NAME@DIR: the contender NAME with the plugin built in DIR, to compare
    # two builds side by side in one run (e.g. before and after a change)
    # NAME+PROP=VALUE: with that ffmpegsrc property set as well (repeatable,
    # e.g. ffcapture+latency-time=0)
    name, _, other_build = name.partition("@")
    if other_build:
        plugin_path = other_build
    name, *src_props = name.split("+")
    out = tempfile.mkdtemp(prefix=f"{name}-", dir=workdir)
    if live:
        cmd, recorder_name = live_commands(name, out, live["seconds"], live["triple"])
    else:
        cmd, recorder_name = contender_commands(name, out, minutes, plugin_path)
    if src_props:
        if "ffmpegsrc" not in cmd:
            raise ValueError(f"{name} has no ffmpegsrc for {src_props}")
        at = cmd.index("ffmpegsrc") + 1
        cmd[at:at] = src_props
    env = dict(os.environ, GST_PLUGIN_PATH=plugin_path)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    peaks = {}
    threads = {}
    cpu_samples = []  # (s since start, CPU s of all processes, their pids)
    stop = threading.Event()

    def sample():
        # VmHWM is a high-water mark: the last reading of each process is
        # its peak. Sampled until it exits.
        while not stop.is_set():
            pids = [proc.pid] + descendants(proc.pid)
            if live:
                cpu_samples.append((time.monotonic() - start,
                                    sum(process_cpu(p) for p in pids),
                                    frozenset(pids)))
            for pid in pids:
                rss = peak_rss_kb([pid])
                if rss:
                    peaks[pid] = (process_name(pid) or peaks.get(pid, ("", 0))[0], rss)
                if live and live["threads"]:
                    threads.update(thread_cpu(pid))
            time.sleep(0.05 if not live else 0.25)

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
    if live:
        rss = sum(v for _, v in peaks.values())
        raw_ext = ".flac" if "-flac" in name else ".wav"
        ok, why = (check_live_output(out, live["seconds"], live["triple"], raw_ext)
                   if status == 0 else (False, f"exit {status}"))
    else:
        raw_ext = ".flac" if "-flac" in name else ".wav"
        ok, why = (check_output(out, minutes, raw_ext) if status == 0
                   else (False, f"exit {status}"))
    shutil.rmtree(out)
    by_name = {}
    for tname, t in threads.values():
        by_name[tname] = by_name.get(tname, 0.0) + t
    steady = steady_cpu_per_min(cpu_samples, wall) if live else None
    return {"wall": wall, "cpu": cpu, "rss_mb": rss / 1024, "ok": ok, "why": why,
            "threads": by_name, "steady": steady}


def live_main(args):
    names = [n for n in args.contenders.split(",")]
    jobs = args.jobs.split(",")
    minutes = args.seconds / 60
    if args.seconds % LIVE_SEGMENT_S:
        sys.exit(f"--seconds must be a multiple of {LIVE_SEGMENT_S}")
    # the -2rs variant differs only in the Opus branch
    pairs = [(j, n) for j in jobs for n in names
             if not (j == "dual" and n == "ffcapture-2rs")]
    results = {p: [] for p in pairs}
    for r in range(args.rounds):
        for j, n in pairs:
            if True:
                live = {"seconds": args.seconds, "triple": j == "triple",
                        "threads": args.threads}
                res = run_once(n, None, args.workdir, args.plugin_path, live)
                results[(j, n)].append(res)
                steady = (f"{res['steady']:5.2f}" if res["steady"] is not None
                          else "  -  ")
                print(f"round {r + 1} {j:6s} {n:14s} wall {res['wall']:6.2f}s "
                      f"cpu {res['cpu']:6.2f}s steady {steady}s/min "
                      f"rss {res['rss_mb']:6.1f}MB {res['why']}",
                      flush=True)
    print()
    print(f"live: {args.seconds} s of {RATE} Hz mono S16 at real time (-re), "
          f"{args.rounds} rounds, medians")
    print(f"| job | contender | CPU s per min of audio (whole run) | vs {names[0]} | "
          f"steady state ({STEADY_SKIP_S} s in to {STEADY_TAIL_S} s before the end) "
          f"| vs {names[0]} | peak RSS MB (all processes) | output |")
    print("|---|---|---|---|---|---|---|---|")

    def steady_median(xs):
        vals = [x["steady"] for x in xs if x["steady"] is not None]
        return statistics.median(vals) if vals else None

    for j in jobs:
        base = statistics.median(x["cpu"] for x in results[(j, names[0])]) / minutes
        sbase = steady_median(results[(j, names[0])])
        for n in [n for jj, n in pairs if jj == j]:
            xs = results[(j, n)]
            cpu = statistics.median(x["cpu"] for x in xs) / minutes
            st = steady_median(xs)
            st_text = (f"{st:.2f} | {st / sbase:.2f}x" if st is not None and sbase
                       else "- | -")
            print(f"| {j} | {n} | {cpu:.2f} | {cpu / base:.2f}x | {st_text} | "
                  f"{statistics.median(x['rss_mb'] for x in xs):.1f} | "
                  f"{'exact' if all(x['ok'] for x in xs) else xs[-1]['why']} |")
    if args.threads:
        for key, xs in results.items():
            names_t = sorted({t for x in xs for t in x["threads"]})
            rows = [(statistics.median(x["threads"].get(t, 0.0) for x in xs) / minutes, t)
                    for t in names_t]
            rows.sort(reverse=True)
            print()
            print(f"threads, {key[0]} job, {key[1]}: CPU s per min of audio (medians)")
            print("| process/thread | CPU s/min |")
            print("|---|---|")
            for cpu, t in rows:
                if cpu >= 0.005:
                    print(f"| {t} | {cpu:.2f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--minutes", type=int, default=10)
    ap.add_argument("--workdir", default="/dev/shm")
    ap.add_argument("--plugin-path", default=os.environ.get("GST_PLUGIN_PATH", ""))
    ap.add_argument("--contenders", default=None)
    ap.add_argument("--live", action="store_true",
                    help="the live (-re) dual and triple jobs")
    ap.add_argument("--seconds", type=int, default=60, help="with --live")
    ap.add_argument("--jobs", default="dual,triple", help="with --live")
    ap.add_argument("--threads", action="store_true",
                    help="with --live: per-thread CPU")
    args = ap.parse_args()
    if args.live:
        args.contenders = args.contenders or "ffmpeg,ffcapture"
        return live_main(args)
    args.contenders = args.contenders or "ffmpeg,gst-stock,ffcapture"

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
