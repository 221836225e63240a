#!/usr/bin/python3
"""The main job's demo: a short live capture from ffmpeg's mock source.

Captures 5 s of a 384 kHz test tone through ffmpegsrc (lavfi, paced in real
time like a device), writes it to a WAV file, and says what it captured.
Needs no sound hardware. Run by scripts/demo.sh after the build.
"""
import os
import sys
import wave

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

RATE = 384000
SECONDS = 5


def main():
    out_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "_demo")
    os.makedirs(out_dir, exist_ok=True)
    wav_path = os.path.join(out_dir, "capture.wav")

    Gst.init(None)
    if Gst.ElementFactory.find("ffmpegsrc") is None:
        print("demo: the ffmpegsrc element is not available "
              "(build first, and set GST_PLUGIN_PATH=build/gst)", file=sys.stderr)
        return 2

    pipeline = Gst.parse_launch(
        "ffmpegsrc name=src input-format=lavfi input-options=-re "
        f"device=sine=frequency=1000:sample_rate={RATE}:duration={SECONDS} ! "
        f"audio/x-raw,format=S16LE,rate={RATE},channels=1 ! "
        f"wavenc ! filesink location={wav_path}")
    src = pipeline.get_by_name("src")
    loop = GLib.MainLoop()
    result = {"error": None}

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.EOS:
            loop.quit()
        elif msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            result["error"] = f"{err.message}\n{debug or ''}"
            loop.quit()
        elif msg.type == Gst.MessageType.WARNING:
            err, _ = msg.parse_warning()
            print(f"demo: warning: {err.message}")
        elif msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s is not None and s.get_name() == "ffmpegsrc-restarted":
                print(f"demo: ffmpeg restarted: {s.get_string('reason')}")
        return True

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)

    print(f"demo: capturing {SECONDS} s of a 1 kHz tone at {RATE} Hz "
          "from ffmpeg's lavfi mock source, paced like a live device…")
    pipeline.set_state(Gst.State.PLAYING)
    GLib.timeout_add_seconds(SECONDS + 20, loop.quit)
    loop.run()
    stats = src.get_property("stats")
    pipeline.set_state(Gst.State.NULL)

    if result["error"]:
        print(f"demo: ERROR: {result['error']}", file=sys.stderr)
        return 1

    with wave.open(wav_path, "rb") as w:
        frames, rate, channels = w.getnframes(), w.getframerate(), w.getnchannels()
    pushed = stats.get_uint64("samples-pushed")[1]
    dropped = stats.get_uint64("samples-dropped")[1]
    print(f"demo: captured {pushed} samples ({pushed / RATE:.3f} s), "
          f"dropped {dropped}, ffmpeg restarts {stats.get_uint('restarts')[1]}")
    print(f"demo: wrote {wav_path}: {frames} frames, {rate} Hz, "
          f"{channels} channel(s), {frames / rate:.3f} s")
    ok = frames == pushed == RATE * SECONDS and dropped == 0
    print("demo: OK, every sample is in the file" if ok else
          "demo: MISMATCH between captured and written samples")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
