#!/usr/bin/python3
"""Record video and ffmpegsrc's audio into one Matroska file, in sync.

    av_record.py OUT.mkv [SECONDS]

The way an animal-tracking rig does it: a live video source and ffmpegsrc
into one muxer, both on the pipeline clock. ffmpeg needs a moment to open
its device, so the pipeline goes to PAUSED first and waits until ffmpegsrc
has audio; at PLAYING both streams then start together, and ffmpegsrc clips
what it captured before, to the sample. Here the video is videotestsrc and
the audio ffmpeg's test tone paced like a device (no hardware needed);
replace them with v4l2src and e.g. device=hw:1,0.
"""
import sys
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


def wait_for_audio(src, timeout=5.0):
    """True once ffmpeg runs and has delivered audio into ffmpegsrc's queue."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = src.get_property("stats")
        if stats.get_int("child-pid")[1] > 0 and stats.get_uint64("queue-bytes")[1] > 0:
            return True
        time.sleep(0.01)
    return False


def record(path, seconds):
    Gst.init(None)
    pipeline = Gst.parse_launch(
        "matroskamux name=mux ! filesink name=out "
        "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
        "jpegenc ! queue ! mux. "
        "ffmpegsrc name=src input-format=lavfi input-options=-re "
        "device=sine=frequency=1000:sample_rate=48000 ! "
        "audio/x-raw,format=S16LE,rate=48000,channels=1 ! queue ! mux.")
    pipeline.get_by_name("out").set_property("location", path)
    src = pipeline.get_by_name("src")

    pipeline.set_state(Gst.State.PAUSED)
    if not wait_for_audio(src):
        print("av_record: ffmpeg delivered no audio", file=sys.stderr)
        pipeline.set_state(Gst.State.NULL)
        return 1
    pipeline.set_state(Gst.State.PLAYING)
    time.sleep(seconds)
    pipeline.send_event(Gst.Event.new_eos())
    msg = pipeline.get_bus().timed_pop_filtered(
        10 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if msg is None or msg.type != Gst.MessageType.EOS:
        err = msg.parse_error()[0].message if msg else "no EOS"
        print(f"av_record: {err}", file=sys.stderr)
        return 1
    print(f"av_record: wrote {path}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(record(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 3.0))
