#!/usr/bin/python3
"""A stand-in for ffmpeg capturing from ALSA, for tests/check/devices.c and
tests/integration/test_faults.py: the ALSA cards are those of the fake
sysfs/procfs tree under $FFC_TEST_SYSFS_ROOT (tests/common/fake-sound.c).

    fake-alsa-ffmpeg.py ffmpeg-arguments...

The ALSA input ffmpegsrc asked for (-f alsa [options] -i hw:CARD=<id>,DEV=<n>)
is checked against the tree's /proc/asound/cards: a card that is not there
fails to open as with ALSA (error lines, exit 1). A card that is there plays
a 440 Hz tone at real time (the real ffmpeg with a lavfi -re source in place
of the ALSA input) until the card leaves the tree, which ends the run as
ffmpeg 5.1 ends a failed device read (error lines, exit 0), or until SIGINT.

In $FFC_FAKE_FFMPEG_DIR, each run appends its -i argument to `inputs` and,
when it ends, the bytes of audio it wrote to `bytes` (one line per run).
FFC_FAKE_FFMPEG_MODE=silent: the device opens but delivers nothing.
FFC_FAKE_FFMPEG_TONE: the tone's frequency (440 Hz).
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


def card_present(card_id):
    path = os.path.join(os.environ.get("FFC_TEST_SYSFS_ROOT", "/"),
                        "proc/asound/cards")
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return False
    for line in text.splitlines():
        if "[" in line and "]" in line and line.strip()[:1].isdigit():
            if line.split("[", 1)[1].split("]", 1)[0].strip() == card_id:
                return True
    return False


def main():
    args = sys.argv[1:]
    state = os.environ["FFC_FAKE_FFMPEG_DIR"]
    i = args.index("-i")
    device = args[i + 1]
    f = args.index("-f")
    with open(os.path.join(state, "inputs"), "a") as out:
        out.write(device + "\n")
    card_id = device.split("CARD=", 1)[1].split(",", 1)[0] \
        if "CARD=" in device else device

    if not card_present(card_id):
        write_all(2, b"ALSA lib pcm_hw.c:1829:(_snd_pcm_hw_open) Invalid "
                  b"value for card\n[alsa @ 0x55d0c1a2e900] [error] cannot "
                  b"open audio device " + device.encode() +
                  b" (No such device)\n[error] " + device.encode() +
                  b": Input/output error\n")
        sys.exit(1)

    if os.environ.get("FFC_FAKE_FFMPEG_MODE") == "silent":
        write_all(2, b"[info] Input #0, alsa, from '" + device.encode() +
                  b"':\n")
        signal.signal(signal.SIGINT, lambda *a: sys.exit(0))
        while True:
            time.sleep(1)

    tone = os.environ.get("FFC_FAKE_FFMPEG_TONE", "440")
    real = [FFMPEG] + args[1:f] + [
        "-re", "-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate=48000"
    ] + args[i + 2:]
    # the real ffmpeg gets ffmpegsrc's SIGINT too (its process group): it
    # writes what it holds and exits, and all it wrote is passed on
    signal.signal(signal.SIGINT, lambda *a: None)
    child = subprocess.Popen(real, stdout=subprocess.PIPE)
    signal.signal(signal.SIGTERM, lambda *a: child.terminate())
    gone = threading.Event()

    def watch():
        while child.poll() is None:
            if not card_present(card_id):
                gone.set()
                child.kill()
                return
            time.sleep(0.05)

    threading.Thread(target=watch, daemon=True).start()
    written = 0
    while True:
        data = os.read(child.stdout.fileno(), 65536)
        if not data:
            break
        write_all(1, data)
        written += len(data)
    code = child.wait()
    with open(os.path.join(state, "bytes"), "a") as out:
        out.write(f"{written}\n")
    if gone.is_set():
        write_all(2, b"[alsa @ 0x55d0c1a2e900] [error] ALSA read error: "
                  b"No such device\n[error] " + device.encode() +
                  b": Input/output error\n")
        sys.exit(0)  # ffmpeg 5.1 ends "normally" after a read error
    sys.exit(0 if code in (0, 255, -2) else 1)


if __name__ == "__main__":
    main()
