#!/usr/bin/python3
"""triggergate benchmark: the CPU of a triggergate at 384 kHz mono with a
15-120 kHz band, per hour of audio, against the dual-stream job.

Contenders, interleaved (A B C D E A B C D E ...) for ROUNDS rounds of
MINUTES of 384 kHz mono S16 from ffmpeg's lavfi `sine`, not paced:

  dual         the dual-stream job of bench.py (ffmpegsrc ! tee, raw and
               48 kHz 60 s segments): the reference
  dual+events  the same with a third branch, tee ! queue ! triggergate !
               segmentsink: what adding an event stream costs
  capture      ffmpegsrc ! fakesink: the capture alone
  gate-quiet   ffmpegsrc ! triggergate ! fakesink, a -18 dBFS 1 kHz hum
               (out of band): the usual case, nothing triggers
  gate-loud    the same with a -18 dBFS 40 kHz tone (in band): the worst
               case, every window triggers, every sample passes

CPU is user+sys of every process involved (bench.run_once's measure:
wait4 of gst-launch, which reaps its ffmpeg child). capture and gate-* put
a `queue name=q` before the gate (before fakesink for capture), so the gate
runs in that queue's thread, whose CPU (/proc/PID/task/TID/stat, sampled
every 20 ms until the process exits) is measured too: the gate's own cost
is the median thread CPU of gate-* minus that of capture, free of the
noise of ffmpeg's CPU; the process-level differences (gate-* minus capture,
dual+events minus dual) are printed beside it. Medians; the ratios are to
the dual job's CPU.
Run: bash tests/bench/run-trigger.sh [--rounds N] [--minutes M].
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

RATE = bench.RATE
BAND = ["low-freq=15000", "high-freq=120000"]
CAPS = f"audio/x-raw,format=S16LE,rate={RATE},channels=1"


def sine(freq, minutes):
    return f"sine=frequency={freq}:sample_rate={RATE}:duration={minutes * 60}"


TICK = os.sysconf("SC_CLK_TCK")


def thread_cpu(pid, name):
    """user+sys seconds of the threads of pid called name, or None"""
    total, found = 0, False
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        if comm == name:
            fields = stat[stat.rindex(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
            found = True
    return total / TICK if found else None


def run_cmd(cmd, plugin_path, thread=None):
    env = dict(os.environ, GST_PLUGIN_PATH=plugin_path)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    seen = {"cpu": 0.0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            v = thread_cpu(proc.pid, thread)
            if v is not None:
                seen["cpu"] = max(seen["cpu"], v)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    if thread:
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    stop.set()
    if thread:
        sampler.join()
    return {"wall": time.monotonic() - start,
            "cpu": usage.ru_utime + usage.ru_stime,
            "thread": seen["cpu"] if thread else None,
            "ok": status == 0, "why": "exit 0" if status == 0 else f"exit {status}"}


def gate_pipeline(freq, minutes):
    return ["gst-launch-1.0", "-q", "ffmpegsrc", "input-format=lavfi",
            f"device={sine(freq, minutes)}", "!", CAPS, "!", "queue", "name=q",
            "!", "triggergate", *BAND, "!", "fakesink"]


def dual_with_events(out, minutes):
    """bench.py's ffcapture job plus tee ! queue ! triggergate ! segmentsink"""
    cmd, _ = bench.contender_commands("ffcapture", out, minutes, "")
    events = os.path.join(out, "events")
    os.makedirs(events)
    return cmd + ["t.", "!", "queue", "!", "triggergate", *BAND, "!",
                  "segmentsink", f"location={events}", "fsync=false"]


def run_once(name, minutes, workdir, plugin_path):
    if name == "dual":
        return bench.run_once("ffcapture", minutes, workdir, plugin_path)
    if name == "dual+events":
        out = tempfile.mkdtemp(prefix="dual-events-", dir=workdir)
        res = run_cmd(dual_with_events(out, minutes), plugin_path)
        if res["ok"]:
            ok, why = bench.check_output(out, minutes)
            events = [f for f in os.listdir(os.path.join(out, "events"))
                      if f.endswith(".wav")]
            if events:
                ok, why = False, f"{len(events)} event files from a hum"
            res["ok"], res["why"] = ok, why
        shutil.rmtree(out)
        return res
    if name == "capture":
        return run_cmd(["gst-launch-1.0", "-q", "ffmpegsrc", "input-format=lavfi",
                        f"device={sine(1000, minutes)}", "!", CAPS, "!",
                        "queue", "name=q", "!", "fakesink"], plugin_path, "q:src")
    if name == "gate-quiet":
        return run_cmd(gate_pipeline(1000, minutes), plugin_path, "q:src")
    if name == "gate-loud":
        return run_cmd(gate_pipeline(40000, minutes), plugin_path, "q:src")
    raise ValueError(name)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--minutes", type=int, default=2)
    ap.add_argument("--workdir", default="/dev/shm")
    ap.add_argument("--plugin-path", default=os.environ.get("GST_PLUGIN_PATH", ""))
    args = ap.parse_args()

    names = ["dual", "dual+events", "capture", "gate-quiet", "gate-loud"]
    results = {n: [] for n in names}
    for r in range(args.rounds):
        for n in names:
            res = run_once(n, args.minutes, args.workdir, args.plugin_path)
            results[n].append(res)
            th = f" thread {res['thread']:5.2f}s" if res.get("thread") is not None else ""
            print(f"round {r + 1} {n:12s} wall {res['wall']:6.2f}s "
                  f"cpu {res['cpu']:6.2f}s{th} {res['why']}", flush=True)

    hours = args.minutes / 60
    cpu = {n: statistics.median(x["cpu"] for x in results[n]) for n in names}
    ok = {n: all(x["ok"] for x in results[n]) for n in names}
    dual = cpu["dual"]
    print()
    print(f"{args.minutes} min of {RATE} Hz mono S16, {args.rounds} rounds, "
          "medians")
    print("| what | CPU s | CPU s per hour of audio | vs the dual-stream job | runs |")
    print("|---|---|---|---|---|")
    for n in names:
        print(f"| {n} | {cpu[n]:.3f} | {cpu[n] / hours:.2f} | "
              f"{cpu[n] / dual * 100:.1f} % | {'ok' if ok[n] else 'FAILED'} |")
    thread = {n: statistics.median(x["thread"] for x in results[n])
              for n in ("capture", "gate-quiet", "gate-loud")}
    for label, a in (("triggergate, hum out of band: its thread", "gate-quiet"),
                     ("triggergate, tone in band: its thread", "gate-loud")):
        d = thread[a] - thread["capture"]
        print(f"| **{label}** ({a} - capture, q:src) | {d:.3f} | {d / hours:.2f} | "
              f"{d / dual * 100:.1f} % | |")
    for label, a, b in (("triggergate, hum out of band: processes",
                         "gate-quiet", "capture"),
                        ("triggergate, tone in band: processes",
                         "gate-loud", "capture"),
                        ("event branch added to the dual job: processes",
                         "dual+events", "dual")):
        d = cpu[a] - cpu[b]
        print(f"| {label} ({a} - {b}) | {d:.3f} | {d / hours:.2f} | "
              f"{d / dual * 100:.1f} % | |")
    return 0 if all(ok.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
