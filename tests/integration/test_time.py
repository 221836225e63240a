#!/usr/bin/python3
"""The time model (docs/time.md) with the real ffmpeg, no sound hardware.

drift: a lavfi tone generated at F Hz, paced in real time by -re, and
relabelled by asetrate as 384000 Hz, is a device whose clock runs
(F/384000 - 1) fast. Each segment's start-time, less the first one's, must
be within 1 ms of (offset difference)/F, the truth, and not of
(offset difference)/384000, what counting samples alone gives. CI runs
500 ppm for about a minute; the issue's case (50 ppm for 10 minutes) is
`tests/bench/run-drift.sh`, or FFC_DRIFT_RATE=384019 FFC_DRIFT_SECONDS=600.

step: the wall clock jumps 5 s forward mid-run through the test seam
FFC_TEST_WALL_CLOCK_OFFSET_FILE: one ffmpegsrc-clock-step message, the
segments after it are 5 s later (to the millisecond), and segmentation does
not change.

unsynchronised: FFC_TEST_CLOCK_UNSYNCHRONISED=1 gives a warning and segments
marked clock-synchronised=false.

branches: a raw and a resampled segmentsink behind a tee get the same
model and name their segments alike.

lock: with lock-to-clock, a device 500 ppm fast (a tone read 1.0005 times
faster than real time by -readrate) delivers samples at the nominal rate of
the system clock: ffmpegsrc measures a drift near 0 (FFC_LOCK=0 runs the
same unlocked, to see it fail).

`python3 test_time.py [drift|step|unsynchronised|branches|lock]` runs some
of them."""
import os
import sys
import tempfile
import time
from datetime import datetime

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

NOMINAL = 384000


def start_seconds(iso):
    """segmentsink's start-time (ISO 8601 UTC, microseconds) in seconds."""
    dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return dt.timestamp()


class Run:
    """Runs a pipeline to EOS (or `stop_after` seconds, then EOS), calling
    `during(elapsed)` while it runs; keeps element messages and warnings."""

    def __init__(self, desc, timeout, during=None, stop_after=None):
        self.pipeline = Gst.parse_launch(desc)
        self.elements = []  # (source name, structure name, structure)
        self.warnings = []  # (source name, message)
        bus = self.pipeline.get_bus()
        self.pipeline.set_state(Gst.State.PLAYING)
        began = time.monotonic()
        eos_sent = False
        while True:
            elapsed = time.monotonic() - began
            assert elapsed < timeout, f"no EOS after {timeout} s"
            if during:
                during(elapsed)
            if stop_after and elapsed > stop_after and not eos_sent:
                self.pipeline.send_event(Gst.Event.new_eos())
                eos_sent = True
            msg = bus.timed_pop(50 * Gst.MSECOND)
            if msg is None:
                continue
            if msg.type == Gst.MessageType.ERROR:
                err, debug = msg.parse_error()
                raise AssertionError(f"ERROR: {err.message} ({debug})")
            if msg.type == Gst.MessageType.WARNING:
                self.warnings.append(
                    (msg.src.get_name(), msg.parse_warning()[0].message))
            if msg.type == Gst.MessageType.ELEMENT:
                s = msg.get_structure()
                self.elements.append((msg.src.get_name(), s.get_name(), s))
            if msg.type == Gst.MessageType.EOS:
                break
        self.stats = self.pipeline.get_by_name("src").get_property("stats")
        self.pipeline.set_state(Gst.State.NULL)

    def named(self, name):
        return [s for _, n, s in self.elements if n == name]

    def segments(self):
        return [{
            "start": start_seconds(s.get_string("start-time")),
            "offset": s.get_uint64("offset")[1],
            "samples": s.get_uint64("samples")[1],
            "synchronised": s.get_boolean("clock-synchronised")[1],
            "location": s.get_string("location"),
        } for s in self.named("segmentsink-promoted")]


def test_drift():
    rate = int(os.environ.get("FFC_DRIFT_RATE", "384192"))
    seconds = float(os.environ.get("FFC_DRIFT_SECONDS", "61"))
    segment = 10
    ppm = (rate / NOMINAL - 1) * 1e6
    os.environ["FFC_TEST_CLOCK_UNSYNCHRONISED"] = "0"
    with tempfile.TemporaryDirectory() as tmp:
        run = Run("ffmpegsrc name=src input-format=lavfi input-options=-re "
                  f"device=sine=sample_rate={rate}:duration={seconds} "
                  "filter=asetrate=384000 ! audio/x-raw,rate=384000 ! "
                  f"segmentsink location={tmp} "
                  f"segment-duration={segment * Gst.SECOND}",
                  timeout=seconds + 60)
        segs = run.segments()

    # segmentation follows the sample count: full segments, no gap
    full = segment * NOMINAL
    assert len(segs) == int(seconds * rate) // full + 1, len(segs)
    for i, s in enumerate(segs):
        assert s["offset"] == i * full, (i, s)
        if i < len(segs) - 1:
            assert s["samples"] == full, (i, s)
        assert s["synchronised"], s

    first = segs[0]
    worst = 0.0
    for s in segs[1:]:
        elapsed = s["start"] - first["start"]
        n = s["offset"] - first["offset"]
        error_ms = (elapsed - n / rate) * 1e3
        uncorrected_ms = (elapsed - n / NOMINAL) * 1e3
        print(f"segment at {n / NOMINAL:6.1f} s: {error_ms:+.3f} ms from the "
              f"truth, {uncorrected_ms:+.3f} ms from sample counting")
        worst = max(worst, abs(error_ms))
        assert abs(error_ms) < 1.0, (s, error_ms)
    lead_ms = (segs[-1]["offset"] / NOMINAL - segs[-1]["offset"] / rate) * 1e3
    measured = run.stats.get_double("drift-ppm")[1]
    print(f"ok: drift: {ppm:.1f} ppm, measured {measured:.2f} ppm; start "
          f"times within {worst:.3f} ms of the truth over "
          f"{segs[-1]['offset'] / NOMINAL:.0f} s, where sample counting "
          f"alone would be {lead_ms:.1f} ms off")
    assert abs(measured - ppm) < max(0.1 * ppm, 5), measured
    assert run.stats.get_boolean("clock-synchronised")[1]
    # the stats were posted on the way (every 10 s by default)
    assert len(run.named("ffmpegsrc-stats")) >= int(seconds // 10) - 1


def test_step():
    os.environ["FFC_TEST_CLOCK_UNSYNCHRONISED"] = "0"
    with tempfile.TemporaryDirectory() as tmp:
        offset_file = os.path.join(tmp, "offset")
        with open(offset_file, "w") as f:
            f.write("0\n")
        os.environ["FFC_TEST_WALL_CLOCK_OFFSET_FILE"] = offset_file
        stepped = []

        def step(elapsed):
            if elapsed > 3.3 and not stepped:
                with open(offset_file + ".new", "w") as f:
                    f.write("5000000\n")
                os.rename(offset_file + ".new", offset_file)
                stepped.append(elapsed)

        try:
            run = Run("ffmpegsrc name=src input-format=lavfi "
                      "input-options=-re device=sine=sample_rate=48000:"
                      "duration=7 stats-interval=0 ! "
                      "audio/x-raw,rate=48000 ! segmentsink "
                      f"location={tmp}/data segment-duration={Gst.SECOND}",
                      timeout=60, during=step)
        finally:
            del os.environ["FFC_TEST_WALL_CLOCK_OFFSET_FILE"]
        segs = run.segments()

    steps = run.named("ffmpegsrc-clock-step")
    assert len(steps) == 1, steps
    step_us = steps[0].get_int64("step")[1]
    assert abs(step_us - 5_000_000) < 10_000, step_us
    # the same segments as without the step: 7 of 48000 samples
    assert [s["samples"] for s in segs] == [48000] * 7, segs
    assert [s["offset"] for s in segs] == [i * 48000 for i in range(7)], segs
    deltas = [b["start"] - a["start"] for a, b in zip(segs, segs[1:])]
    # Segments of 1 s that close in the first 10 s of a run are named from a
    # model not settled yet (ffmpeg's first chunks come late by a few ms, more
    # on a loaded machine): a few ms here; test_drift holds the settled model
    # to 1 ms. The step itself is what this checks.
    jumps = [d for d in deltas if abs(d - 6.0) < 0.010]
    normal = [d for d in deltas if abs(d - 1.0) < 0.010]
    assert len(jumps) == 1 and len(normal) == len(deltas) - 1, deltas
    assert not run.named("ffmpegsrc-stats")  # stats-interval=0
    print(f"ok: step: one ffmpegsrc-clock-step of {step_us} us; the segments "
          "after it 5 s later: "
          + ", ".join(f"{d * 1e3:.3f} ms" for d in deltas))


def test_unsynchronised():
    os.environ["FFC_TEST_CLOCK_UNSYNCHRONISED"] = "1"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run = Run("ffmpegsrc name=src input-format=lavfi "
                      "input-options=-re "
                      "device=sine=sample_rate=48000:duration=2 ! "
                      "audio/x-raw,rate=48000 ! segmentsink "
                      f"location={tmp} segment-duration={Gst.SECOND}",
                      timeout=60)
            segs = run.segments()
    finally:
        os.environ["FFC_TEST_CLOCK_UNSYNCHRONISED"] = "0"
    warnings = [m for src, m in run.warnings if src == "src"]
    assert any("not synchronised" in m and "file times may be wrong" in m
               for m in warnings), run.warnings
    assert len(segs) == 2 and not any(s["synchronised"] for s in segs), segs
    assert not run.stats.get_boolean("clock-synchronised")[1]
    print(f"ok: unsynchronised: warned ({warnings[0]!r}); "
          f"{len(segs)} segments marked clock-synchronised=false")

    # synchronised after 2.5 s (NTP answered): the model says so within a
    # second, and the segments from then on are marked synchronised
    def synchronise(elapsed):
        if elapsed > 2.5:
            os.environ["FFC_TEST_CLOCK_UNSYNCHRONISED"] = "0"

    os.environ["FFC_TEST_CLOCK_UNSYNCHRONISED"] = "1"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run = Run("ffmpegsrc name=src input-format=lavfi "
                      "input-options=-re "
                      "device=sine=sample_rate=48000:duration=6 ! "
                      "audio/x-raw,rate=48000 ! segmentsink "
                      f"location={tmp} segment-duration={Gst.SECOND}",
                      timeout=60, during=synchronise)
            marks = [s["synchronised"] for s in run.segments()]
    finally:
        os.environ["FFC_TEST_CLOCK_UNSYNCHRONISED"] = "0"
    assert len(marks) == 6 and not marks[0] and marks[-1], marks
    assert marks == sorted(marks), marks  # once synchronised, it stays
    assert run.stats.get_boolean("clock-synchronised")[1]
    print(f"ok: synchronised later: segments marked {marks}")


def test_branches():
    os.environ["FFC_TEST_CLOCK_UNSYNCHRONISED"] = "0"
    with tempfile.TemporaryDirectory() as tmp:
        run = Run("ffmpegsrc name=src input-format=lavfi input-options=-re "
                  "device=sine=sample_rate=96000:duration=3 ! "
                  "audio/x-raw,rate=96000 ! tee name=t "
                  "t. ! queue ! segmentsink name=raw "
                  f"location={tmp}/raw segment-duration={Gst.SECOND} "
                  "t. ! queue ! audioresample ! audio/x-raw,rate=48000 ! "
                  f"segmentsink name=processed location={tmp}/processed "
                  f"segment-duration={Gst.SECOND}", timeout=60)
        starts = {"raw": [], "processed": []}
        for src, name, s in run.elements:
            if name == "segmentsink-promoted":
                starts[src].append(start_seconds(s.get_string("start-time")))
        names = {d: sorted(os.listdir(os.path.join(tmp, d)))
                 for d in ("raw", "processed")}
    assert len(starts["raw"]) == len(starts["processed"]) == 3, starts
    diffs = [abs(a - b) * 1e3 for a, b in zip(starts["raw"],
                                              starts["processed"])]
    # audioresample keeps running times to within its filter's delay
    assert max(diffs) < 1.0, diffs
    # the same times to the second: the same names but for the run ids
    assert [n[:20] for n in names["raw"] if n.endswith(".wav")] == \
        [n[:20] for n in names["processed"] if n.endswith(".wav")], names
    print(f"ok: branches: start times of the raw and processed segments "
          f"differ by at most {max(diffs):.3f} ms")


def test_lock():
    lock = os.environ.get("FFC_LOCK", "1") == "1"
    os.environ["FFC_TEST_CLOCK_UNSYNCHRONISED"] = "0"
    run = Run("ffmpegsrc name=src input-format=lavfi "
              "input-options=\"-readrate 1.0005\" "
              "device=sine=sample_rate=48000:duration=25 "
              f"lock-to-clock={str(lock).lower()} ! "
              "audio/x-raw,rate=48000 ! fakesink", timeout=90)
    measured = run.stats.get_double("drift-ppm")[1]
    pushed = run.stats.get_uint64("samples-pushed")[1]
    print(f"ok: lock: a device 500 ppm fast, {'locked' if lock else 'free'}"
          f": {measured:.0f} ppm measured, {pushed} samples")
    # unlocked it measures the full 500 ppm; locked, what is left is the
    # estimate's noise over 25 s (tens of ppm; more on a loaded machine)
    assert abs(measured) < 250, measured


def main():
    Gst.init(None)
    tests = {"drift": test_drift, "step": test_step,
             "unsynchronised": test_unsynchronised,
             "branches": test_branches, "lock": test_lock}
    for name in sys.argv[1:] or ["unsynchronised", "step", "branches", "lock",
                                 "drift"]:
        tests[name]()


if __name__ == "__main__":
    main()
