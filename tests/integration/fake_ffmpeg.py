#!/usr/bin/python3
"""A stand-in for ffmpeg that misbehaves on purpose, for test_faults.py only.

    fake_ffmpeg.py MODE STATE_DIR ffmpeg-arguments...

It runs the real ffmpeg with the arguments ffmpegsrc gave, and around it does
what a failing ffmpeg or device does. Each invocation appends its start time
to STATE_DIR/runs, so the test sees how often (and when) it was started.

partial:FRAME:AFTER     first run: passes ffmpeg's audio through until AFTER
                        bytes, writes part of one more frame (FRAME bytes
                        each), then ffmpeg and this process die by SIGKILL.
                        Later runs: the real ffmpeg.
unplug:AFTER_S:ABSENT   first run: real audio for AFTER_S seconds, then what
                        ffmpeg 5.1 does when a device read fails: an error
                        line and a normal exit. The next ABSENT runs: the
                        device is gone (ffmpeg's error lines, exit 1). Then
                        the device is back: the real ffmpeg.
flood:AFTER_S           the real ffmpeg, and after AFTER_S seconds megabytes
                        of stderr text: 80 000 ordinary lines, 16 lines of
                        1 MiB and one of 64 MiB, written whole between
                        ffmpeg's own lines.
"""
import os
import signal
import subprocess
import sys
import threading
import time

FFMPEG = "ffmpeg"


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def main():
    mode, state, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    runs_file = os.path.join(state, "runs")
    with open(runs_file, "a+") as f:
        f.seek(0)
        run = len(f.read().splitlines())
        f.write(f"{time.monotonic():.6f}\n")
    name, *params = mode.split(":")

    if name == "partial" and run == 0:
        frame, after = int(params[0]), int(params[1])
        child = subprocess.Popen([FFMPEG] + args, stdout=subprocess.PIPE)
        sent = 0
        while sent < after:
            data = os.read(child.stdout.fileno(), 65536)
            if not data:
                break
            write_all(1, data)
            sent += len(data)
        # up to a frame boundary, then all but the last byte of one frame
        tail = os.read(child.stdout.fileno(), 65536)
        need = (-sent) % frame + frame - 1
        while len(tail) < need:
            tail += os.read(child.stdout.fileno(), 65536)
        write_all(1, tail[:need])
        child.kill()
        child.wait()
        os.kill(os.getpid(), signal.SIGKILL)

    if name == "unplug" and run == 0:
        child = subprocess.Popen([FFMPEG] + args)
        time.sleep(float(params[0]))
        child.kill()      # the device stops delivering
        child.wait()
        write_all(2, b"[alsa @ 0x55d0c1a2e900] [error] ALSA read error: "
                  b"No such device\n[error] hw:1,0: Input/output error\n"
                  b"[info] size=N/A time=00:00:01.00 bitrate=N/A speed=1x\n")
        sys.exit(0)       # ffmpeg 5.1 ends "normally" after a read error
    if name == "unplug" and run <= int(params[1]):
        write_all(2, b"ALSA lib pcm_hw.c:1829:(_snd_pcm_hw_open) Invalid "
                  b"value for card\n[alsa @ 0x55d0c1a2e900] [error] cannot "
                  b"open audio device hw:1,0 (No such device)\n"
                  b"[error] hw:1,0: Input/output error\n")
        sys.exit(1)

    if name == "flood":
        lock = threading.Lock()
        child = subprocess.Popen([FFMPEG] + args, stderr=subprocess.PIPE)

        def relay():
            for line in child.stderr:
                with lock:
                    write_all(2, line)

        def flood():
            time.sleep(float(params[0]))
            text = b"[info] flood: " + b"x" * 64 + b"\n"
            for _ in range(80):
                with lock:
                    write_all(2, text * 1000)
            for _ in range(16):
                with lock:
                    write_all(2, b"[info] " + b"y" * (1 << 20) + b"\n")
            with lock:
                write_all(2, b"[info] " + b"z" * (64 << 20) + b"\n")

        threads = [threading.Thread(target=relay), threading.Thread(target=flood)]
        for t in threads:
            t.start()
        code = child.wait()
        for t in threads:
            t.join()
        sys.exit(code)

    os.execvp(FFMPEG, [FFMPEG] + args)


if __name__ == "__main__":
    main()
