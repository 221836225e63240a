#!/usr/bin/python3
"""recorder.py: the field recorder's triple-stream pipeline, from Python.

The same as recorder.c: one capture feeds a raw stream (native rate), a
processed stream (48 kHz) and, with --icecast, a best-effort Opus stream.
Prints every promoted segment and every warning; SIGINT and SIGTERM become
EOS so the last segments are finalized and promoted; exits 1 after an
error, 2 for bad arguments.

    recorder.py --data-dir /data --device hw:1,0 --rate 384000
    recorder.py --data-dir /tmp/rec --mock --seconds 10
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def build(args):
    seg_ns = args.segment_seconds * Gst.SECOND
    desc = (f"ffmpegsrc name=src sample-rate={args.rate} "
            f"! audio/x-raw,format=S16LE,rate={args.rate},channels=1 ! tee name=t "
            "t. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! "
            f"segmentsink name=raw stream-name=raw segment-duration={seg_ns} "
            "t. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! "
            f"audioresample ! audio/x-raw,rate={args.processed_rate} ! "
            "tee name=p ! segmentsink name=processed stream-name=processed "
            f"segment-duration={seg_ns}")
    if args.icecast:
        # the live stream takes the processed stream: one resampler for both
        desc += " p. ! besteffortsink name=stream"
    pipeline = Gst.parse_launch(desc)
    src = pipeline.get_by_name("src")
    # strings a user typed are set as properties, never spliced into the
    # description, so no quoting of theirs can change the pipeline
    if args.mock:
        src.set_property("input-format", "lavfi")
        src.set_property("input-options", "-re")
        src.set_property("device", f"sine=frequency=1000:sample_rate={args.rate}")
    else:
        src.set_property("input-format", args.input_format)
        src.set_property("device", args.device)
        src.set_property("channels", 1)
    pipeline.get_by_name("raw").set_property("location", f"{args.data_dir}/raw")
    pipeline.get_by_name("processed").set_property(
        "location", f"{args.data_dir}/processed")
    if args.icecast:
        host, _, port = args.icecast.partition(":")
        pipeline.get_by_name("stream").set_property(
            "branch", "audioresample ! audioconvert ! opusenc bitrate=64000 ! "
            f"oggmux ! shout2send ip=\"{host}\" port={port or 8000} "
            f"password=\"{args.password}\" mount=\"{args.mount}\"")
    return pipeline


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--input-format", default="alsa")
    ap.add_argument("--device", default="default")
    ap.add_argument("--rate", type=int, default=384000)
    ap.add_argument("--processed-rate", type=int, default=48000)
    ap.add_argument("--segment-seconds", type=int, default=60)
    ap.add_argument("--seconds", type=int, default=0,
                    help="stop after this long (default: until SIGINT/SIGTERM)")
    ap.add_argument("--mock", action="store_true",
                    help="capture ffmpeg's test tone instead of a device")
    ap.add_argument("--icecast", metavar="HOST:PORT")
    ap.add_argument("--password", default="hackme")
    ap.add_argument("--mount", default="/mic.opus")
    args = ap.parse_args()
    if args.rate <= 0 or args.processed_rate <= 0 or args.segment_seconds <= 0:
        print("recorder: rates and lengths must be positive", file=sys.stderr)
        return 2

    Gst.init(None)
    try:
        pipeline = build(args)
    except GLib.Error as e:
        print(f"recorder: cannot build the pipeline: {e.message}", file=sys.stderr)
        return 2
    loop = GLib.MainLoop()
    state = {"status": 0, "stopping": False}

    def stop(*_):
        if not state["stopping"]:
            state["stopping"] = True
            print("recorder: stopping: finalizing the open segments", flush=True)
            pipeline.send_event(Gst.Event.new_eos())
        return GLib.SOURCE_CONTINUE

    def on_message(_bus, msg):
        t = msg.type
        if t == Gst.MessageType.EOS:
            print("recorder: all segments finalized", flush=True)
            loop.quit()
        elif t == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            print(f"recorder: ERROR from {msg.src.get_name()}: {err.message}\n{debug}",
                  file=sys.stderr, flush=True)
            state["status"] = 1
            loop.quit()
        elif t == Gst.MessageType.WARNING:
            print(f"recorder: warning from {msg.src.get_name()}: "
                  f"{msg.parse_warning()[0].message}", flush=True)
        elif t == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            name = s.get_name()
            if name == "segmentsink-promoted":
                print(f"recorder: {msg.src.get_name()}: {s.get_string('location')} "
                      f"({s.get_uint64('samples')[1]} samples, start "
                      f"{s.get_string('start-time')})", flush=True)
            elif name.split("-")[0] in ("besteffortsink", "ffmpegsrc", "segmentsink"):
                print(f"recorder: {s.to_string()}", flush=True)
        return True

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, stop)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, stop)
    if args.seconds > 0:
        GLib.timeout_add_seconds(args.seconds, stop)

    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        state["status"] = 1     # the ERROR on the bus says why
    print(f"recorder: recording into {args.data_dir} (raw/ and processed/)", flush=True)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    return state["status"]


if __name__ == "__main__":
    sys.exit(main())
