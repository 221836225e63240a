#!/usr/bin/python3
"""Soak test (issue 6): SOAK_MINUTES (default 60) minutes of 384 kHz audio
processed faster than real time (ffmpeg's -readrate SOAK_SPEED, default 4,
so an hour takes 15 min), with ffmpeg SIGKILLed after every minute of audio.

ffmpegsrc (a lavfi tone, paced by -readrate, so live: restarted after each
kill) feeds segmentsink's 60 s segments. Each segment is checked the moment
it is promoted (a complete WAV, its frame count) and then deleted, so the
disk holds one segment at a time. At the end, the invariant of
tests/integration/test_faults.py: frames in the files == samples-pushed,
staging empty, no ffmpeg left, no ERROR; and our RSS, sampled every second,
must not grow: the median of the last quarter of the run may exceed that of
the second minute by at most SOAK_RSS_SLACK_KIB (default 8192).
Run it with `bash scripts/soak.sh`.
"""
import os
import signal
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import test_faults as tf  # noqa: E402
from test_faults import Gst  # noqa: E402

RATE = 384000
MINUTES = float(os.environ.get("SOAK_MINUTES", "60"))
SPEED = os.environ.get("SOAK_SPEED", "4")
SLACK_KIB = int(os.environ.get("SOAK_RSS_SLACK_KIB", "8192"))
MINUTE = 60 * RATE


def main():
    Gst.init(None)
    total = int(MINUTES * MINUTE)
    with tempfile.TemporaryDirectory(prefix="soak-",
                                     dir=os.environ.get("SOAK_DIR")) as tmp:
        data = os.path.join(tmp, "data")
        pipeline = Gst.parse_launch(
            "ffmpegsrc name=src input-format=lavfi "
            f"input-options=\"-readrate {SPEED}\" "
            f"device=sine=frequency={tf.TONE}:sample_rate={RATE} ! "
            f"audio/x-raw,format=S16LE,rate={RATE},channels=1 ! "
            f"segmentsink name=sink location={data} "
            "segment-duration=60000000000")
        src = pipeline.get_by_name("src")
        bus = pipeline.get_bus()
        frames = files = kills = 0
        errors, rss = [], []
        t0 = time.monotonic()
        next_sample = t0
        pipeline.set_state(Gst.State.PLAYING)

        def handle(msg):
            nonlocal frames, files
            if msg.type == Gst.MessageType.ERROR:
                errors.append(msg.parse_error()[0].message)
            elif msg.type == Gst.MessageType.ELEMENT \
                    and msg.get_structure().get_name() == "segmentsink-promoted":
                path = msg.get_structure().get_value("location")
                rate, channels, n = tf.parse_wav(path)
                assert (rate, channels) == (RATE, 1), path
                assert n == msg.get_structure().get_value("samples"), path
                frames += n
                files += 1
                os.unlink(path)

        eos_sent = False
        while True:
            msg = bus.timed_pop(int(0.05 * Gst.SECOND))
            if msg is not None:
                handle(msg)
                if msg.type in (Gst.MessageType.EOS, Gst.MessageType.ERROR):
                    break
            now = time.monotonic()
            if now >= next_sample:
                rss.append(tf.vm_rss_kib())
                next_sample += 1
            stats = src.get_property("stats")
            pushed = stats.get_value("samples-pushed")
            if not eos_sent and pushed >= total:
                pipeline.send_event(Gst.Event.new_eos())
                eos_sent = True
            elif not eos_sent and pushed >= (kills + 1) * MINUTE \
                    and stats.get_value("child-pid") > 0:
                os.kill(stats.get_value("child-pid"), signal.SIGKILL)
                kills += 1
                print(f"{(now - t0) / 60:5.1f} min: {pushed / MINUTE:5.1f} min "
                      f"of audio, killed ffmpeg #{kills}, RSS {rss[-1]} KiB",
                      flush=True)
        stats = src.get_property("stats")
        pipeline.set_state(Gst.State.NULL)
        wall = time.monotonic() - t0

        pushed = stats.get_value("samples-pushed")
        staging = os.listdir(os.path.join(data, ".buffer"))
        left = [n for n in os.listdir(data) if n != ".buffer"]
        print(f"{pushed / MINUTE:.2f} min of {RATE} Hz audio in {wall / 60:.2f} min, "
              f"{files} segments, {kills} kills, "
              f"{stats.get_value('restarts')} restarts, "
              f"{stats.get_value('samples-dropped')} samples dropped")
        quarter = rss[-max(len(rss) // 4, 1):]
        early = rss[60:120] or rss[:60]
        growth = statistics.median(quarter) - statistics.median(early)
        print(f"RSS: min {min(rss)} KiB, max {max(rss)} KiB; second minute "
              f"median {statistics.median(early)} KiB, last quarter median "
              f"{statistics.median(quarter)} KiB (growth {growth} KiB)")
        assert not errors, errors
        assert frames == pushed, (frames, pushed)
        assert staging == [] and left == [], (staging, left)
        assert tf.leftover_processes() == [], tf.leftover_processes()
        assert stats.get_value("restarts") == kills, stats.to_string()
        assert growth <= SLACK_KIB, f"RSS grew by {growth} KiB"
        print("ok: soak: every sample pushed is in a complete file")


if __name__ == "__main__":
    main()
