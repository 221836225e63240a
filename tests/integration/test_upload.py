#!/usr/bin/python3
"""The upload recipe end to end: a real rclone serves a temporary directory
over WebDAV on 127.0.0.1 (`rclone serve webdav`, a free port), the installed
recorder records from a mock source, and the installed
ffcapture-upload.service's own commands (docs/deployment.md) run as its
timer would, while recording and after the stop, with its --min-age
shortened to 2 s. Then every promoted segment is on the server, whole (RIFF
sizes, frames as promoted, GUANO read back), sent once, none partial and
nothing else; none was moved younger than --min-age; the card holds no
segment any more; the summaries were copied."""
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import installed_recorder as ir  # noqa: E402

MIN_AGE = 2.0
STATION = "station-test"


def recipe(inst, conf, data):
    """The ExecStart lines of the installed upload unit, pointed at this
    test's configuration, data directory and station name."""
    rclone = shutil.which("rclone")
    cmds = []
    with open(inst.unit("ffcapture-upload.service")) as f:
        for line in f:
            if not line.startswith("ExecStart="):
                continue
            argv = shlex.split(line[len("ExecStart="):])
            assert argv[0] == "/usr/bin/rclone", argv
            argv[0] = rclone
            argv = [conf if a == "/etc/ffcapture/rclone.conf"
                    else data if a == "/var/lib/ffcapture"
                    else a.replace("%H", STATION) for a in argv]
            if "--min-age" in argv:
                argv[argv.index("--min-age") + 1] = f"{MIN_AGE:g}s"
            cmds.append(argv)
    assert [c[1] for c in cmds] == ["move", "copy"], cmds
    return cmds


def wait_port(port, proc, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, "rclone serve exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"rclone serve webdav not listening on {port}")


def segments(data):
    out = {}
    for stream in ("raw", "processed"):
        d = os.path.join(data, stream)
        if os.path.isdir(d):
            for f in os.listdir(d):
                if f.endswith(".wav"):
                    out[f"{stream}/{f}"] = os.path.getmtime(os.path.join(d, f))
    return out


def run_recipe(cmds, data, logs, n):
    """One run of the unit; returns the segments it must not have moved."""
    before = segments(data)
    start = time.time()
    for i, argv in enumerate(cmds):
        log = os.path.join(logs, f"run{n}-{i}.log")
        r = subprocess.run(argv + ["-v", "--log-file", log], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, (argv, r.stdout, r.stderr, open(log).read())
    young = {k for k, mtime in before.items() if start - mtime < MIN_AGE - 0.2}
    left = set(segments(data))
    assert young <= left, ("moved younger than --min-age", young - left)
    return young


def main():
    assert shutil.which("rclone"), "rclone is missing: install Debian's rclone (scripts/setup.sh)"
    with ir.tmpdir() as tmp:
        inst = ir.Installed(os.path.join(tmp, "dest"))
        served = os.path.join(tmp, "served")
        os.mkdir(served)
        port = ir.free_port()
        server = subprocess.Popen(["rclone", "serve", "webdav", served,
                                   "--addr", f"127.0.0.1:{port}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        recorder = None
        try:
            wait_port(port, server)
            conf = ir.write(os.path.join(tmp, "rclone.conf"),
                            f"[ffcapture]\ntype = webdav\nurl = http://127.0.0.1:{port}\n"
                            "vendor = other\n")
            data = os.path.join(tmp, "data")
            cmds = recipe(inst, conf, data)
            logs = os.path.join(tmp, "logs")
            os.mkdir(logs)

            rconf = ir.mock_config(tmp, data, seconds=1)
            out_path = os.path.join(tmp, "recorder.log")
            with open(out_path, "w") as out:
                recorder = subprocess.Popen([inst.recorder, "--config", rconf], env=inst.env,
                                            stdout=out, stderr=subprocess.STDOUT)
            # uploads while it records, as the timer would run them
            time.sleep(4)
            held = set()
            for n in range(3):
                held |= run_recipe(cmds, data, logs, n)
                time.sleep(1.5)
            recorder.send_signal(signal.SIGTERM)
            assert recorder.wait(timeout=60) == 0, open(out_path).read()
            time.sleep(MIN_AGE + 0.5)
            run_recipe(cmds, data, logs, 3)
        finally:
            if recorder is not None and recorder.poll() is None:
                recorder.kill()
                recorder.wait()
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

        out = open(out_path).read()
        promoted = {}
        for m in re.finditer(r"^ffcapture-recorder: (raw|processed): (\S+) \((\d+) samples", out, re.M):
            promoted[f"{m.group(1)}/{os.path.basename(m.group(2))}"] = int(m.group(3))
        assert len(promoted) >= 12, out
        # the card: no segment left, staging empty
        assert segments(data) == {}, segments(data)
        for stream in ("raw", "processed"):
            assert os.listdir(os.path.join(data, stream, ".buffer")) == []
        # the server: exactly the promoted segments, each whole
        station = os.path.join(served, STATION)
        arrived = {}
        for stream in ("raw", "processed"):
            for f in os.listdir(os.path.join(station, stream)):
                arrived[f"{stream}/{f}"] = os.path.join(station, stream, f)
        assert set(arrived) == set(promoted), (set(arrived) ^ set(promoted))
        for name, path in arrived.items():
            ir.chunks(path)  # RIFF and data sizes agree with the file
            assert ir.frames(path) == promoted[name], (name, ir.frames(path), promoted[name])
            g = ir.guano(path)
            assert g["Make"].strip() == "Test Make", g
            assert g["FFC|Stream"].strip() == name.split("/")[0], g
        # each sent once, as new
        sent = {}
        for log in os.listdir(logs):
            for m in re.finditer(r"INFO  : (\S+): (Copied \(\w+\))", open(os.path.join(logs, log)).read()):
                sent.setdefault(m.group(1), []).append(m.group(2))
        for name in promoted:
            assert sent.get(name) == ["Copied (new)"], (name, sent.get(name))
        # the summary, copied whole
        for f in os.listdir(os.path.join(data, "summary")):
            with open(os.path.join(data, "summary", f)) as a, \
                    open(os.path.join(station, "summary", f)) as b:
                assert a.read() == b.read(), f
        print(f"ok: {len(promoted)} segments uploaded whole and once over WebDAV "
              f"({len(held)} held back while younger than --min-age)")


if __name__ == "__main__":
    main()
