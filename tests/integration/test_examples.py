#!/usr/bin/python3
"""The embedding examples, C (built by meson) and Python: SIGINT and SIGTERM
finalize the last segments (exit 0, every file complete, staging empty), and
an error exits non-zero with the reason."""
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
import wave

SRC = os.environ["FFC_SOURCE_ROOT"]
BUILD = os.environ["FFC_BUILD_ROOT"]
EXAMPLES = {
    # an empty configuration: a file in /etc must not change the test
    "C": [os.path.join(BUILD, "tools/ffcapture-recorder"), "--config", "/dev/null"],
    "Python": [sys.executable, os.path.join(SRC, "docs/examples/recorder.py")],
}


def frames(d):
    files = sorted(f for f in os.listdir(d) if f.endswith(".wav"))
    total = 0
    for f in files:
        with wave.open(os.path.join(d, f)) as w:
            total += w.getnframes()
    return len(files), total


def data_offset(path):
    """Where the audio starts: after the header's chunks, metadata included."""
    with open(path, "rb") as f:
        head = f.read(8192)
    pos = 12
    while head[pos:pos + 4] != b"data":
        pos += 8 + struct.unpack("<I", head[pos + 4:pos + 8])[0]
    return pos + 8


def run_until_signal(cmd, data, sig):
    proc = subprocess.Popen(cmd + ["--data-dir", data, "--mock", "--rate", "48000",
                                   "--processed-rate", "16000", "--segment-seconds", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(3.5)
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=30)
    return proc.returncode, out


def ffmpeg_name(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip() == "ffmpeg"
    except OSError:
        return False


def alive(pid):
    """Running, not a zombie waiting for init to reap it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def ffmpeg_children(ppid):
    """The ffmpeg processes whose parent is ppid (this test's own, not those
    of anything else running on the machine)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == ppid and ffmpeg_name(entry):
            pids.append(entry)
    return pids


def recovery_after_kill(cmd):
    """The recording process SIGKILLed mid-segment and started again: the
    orphan is repaired and promoted, holding what was written before."""
    with tempfile.TemporaryDirectory() as tmp:
        args = ["--data-dir", tmp, "--mock", "--rate", "48000",
                "--processed-rate", "16000", "--segment-seconds", "60"]
        proc = subprocess.Popen(cmd + args, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(3)
        staging = os.path.join(tmp, "raw", ".buffer")
        orphans = [f for f in os.listdir(staging) if f.endswith(".wav")]
        assert len(orphans) == 1, orphans
        written = os.path.getsize(os.path.join(staging, orphans[0]))
        header = data_offset(os.path.join(staging, orphans[0]))
        children = ffmpeg_children(proc.pid)
        assert children, "the recorder runs no ffmpeg"
        proc.kill()                     # no EOS, no cleanup
        proc.wait()
        # its ffmpeg died with it (PR_SET_PDEATHSIG): no orphan holds the device
        time.sleep(0.5)
        orphans_running = [pid for pid in children if alive(pid)]
        assert orphans_running == [], orphans_running
        out = subprocess.run(cmd + args + ["--seconds", "1"], capture_output=True,
                             text=True, timeout=60).stdout
        assert "segmentsink-recovered" in out, out
        path = os.path.join(tmp, "raw", orphans[0])
        with wave.open(path) as w:
            frames = w.getnframes()
        # at least what was on disk when we looked, at most 3 s of capture
        assert (written - header) // 2 <= frames <= 4 * 48000, (written, frames)
        assert os.listdir(staging) == [], os.listdir(staging)
        print(f"ok: recovered {orphans[0]} after SIGKILL: {frames} frames "
              f"({frames / 48000:.2f} s)")


def main():
    recovery_after_kill(EXAMPLES["C"])
    for lang, cmd in EXAMPLES.items():
        for sig in (signal.SIGINT, signal.SIGTERM):
            with tempfile.TemporaryDirectory() as tmp:
                rc, out = run_until_signal(cmd, tmp, sig)
                assert rc == 0, (lang, rc, out)
                assert "all segments finalized" in out, out
                n_raw, raw = frames(os.path.join(tmp, "raw"))
                n_proc, proc = frames(os.path.join(tmp, "processed"))
                assert n_raw >= 3 and raw >= 3 * 48000, (raw, out)
                assert abs(proc - raw // 3) < 64, (raw, proc)
                assert out.count("segmentsink-promoted") == 0  # printed as lines
                assert out.count(": raw: ") == n_raw, out
                for d in ("raw", "processed"):
                    assert os.listdir(os.path.join(tmp, d, ".buffer")) == []
                print(f"ok: {lang} recorder, {signal.Signals(sig).name}: "
                      f"{n_raw} raw files ({raw} frames), {n_proc} processed ({proc})")
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run(cmd + ["--data-dir", tmp, "--input-format", "alsa",
                                         "--device", "nosuchdev"],
                                  capture_output=True, text=True, timeout=30)
            assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
            assert "nosuchdev" in proc.stderr, proc.stderr
            print(f"ok: {lang} recorder exits 1 on a bad device")


if __name__ == "__main__":
    main()
