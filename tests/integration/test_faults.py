#!/usr/bin/python3
"""The fault matrix (issue 6) and a real overrun (issue 8).

Each scenario records with the real ffmpeg (a lavfi tone, paced with -re like
a device unless it must fill a disk) into segmentsink's 200 ms segments,
makes one thing go wrong, and ends with the same invariant check:

- the frames in the data directory's files equal the samples ffmpegsrc
  pushed (its `samples-pushed`, which already leaves out `samples-dropped`);
  when the scenario ends in an ERROR, the frames the sink received, less at
  most the rest of the buffer it failed on;
- every file in the data directory is a complete, valid WAV;
- staging holds nothing unexplained;
- no ffmpeg (nor anything else we started) is left running;
- no ERROR was posted unless the scenario expects one, with what it must say.

ffmpeg is made to misbehave by tests/integration/fake_ffmpeg.py (given as
`ffmpeg-path`) or by signals. `python3 test_faults.py NAME…` runs some
scenarios only. `--format=flac` (or FFC_FAULTS_FORMAT=flac) runs them with
segmentsink format=flac: every file must then pass `flac -t`, and its
frames are what metaflac says it holds.
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

RATE = 48000
BPF = 2                                # S16LE mono
SEGMENT_NS = 200_000_000
SEGMENT_FRAMES = RATE // 5
# a tone no other test uses: any process with it in its arguments is ours
TONE = 1000 + os.getpid() % 997
CAPTURES = []                          # set to NULL whatever happens
HERE = os.path.dirname(os.path.abspath(__file__))
# the segments' format: wav, or flac (--format=flac, FFC_FAULTS_FORMAT)
FORMAT = os.environ.get("FFC_FAULTS_FORMAT", "wav")
EXT = "." + FORMAT
# libFLAC encodes a block of 4096 frames once it holds one more: a write
# that fails (a full disk) loses the block being written and what the
# encoder held, at most two blocks more than WAV loses
FLAC_BLOCK = 4096
HELD = 2 * FLAC_BLOCK if FORMAT == "flac" else 0
FAKE = os.path.join(HERE, "fake_ffmpeg.py")


# ---------------------------------------------------------------- helpers

def parse_wav(path):
    """(rate, channels, frames) of a complete RIFF/RF64 WAV, else raises."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        data = f.read(4096)
    tag, riff_size, wave = struct.unpack_from("<4sI4s", data, 0)
    assert tag in (b"RIFF", b"RF64") and wave == b"WAVE", (path, tag, wave)
    ds64_data = None
    if tag == b"RIFF":
        assert riff_size == size - 8, (path, riff_size, size)
    pos, fmt = 12, None
    while pos + 8 <= len(data):
        cid, csize = struct.unpack_from("<4sI", data, pos)
        if cid == b"ds64":
            riff64, ds64_data = struct.unpack_from("<QQ", data, pos + 8)
            assert riff64 == size - 8, (path, riff64, size)
        elif cid == b"fmt ":
            fmt = struct.unpack_from("<HHIIHH", data, pos + 8)
        elif cid == b"data":
            assert fmt is not None, path
            if csize == 0xFFFFFFFF and ds64_data is not None:
                csize = ds64_data
            block_align = fmt[4]
            assert pos + 8 + csize == size, (path, "data chunk", csize, size)
            assert csize % block_align == 0, (path, "partial frame", csize)
            return fmt[2], fmt[1], csize // block_align
        pos += 8 + csize + (csize & 1)
    raise AssertionError(f"{path}: no data chunk")


def parse_flac(path):
    """(rate, channels, frames) of a FLAC segment that passes `flac -t`."""
    subprocess.run(["flac", "-s", "-t", path], check=True)
    out = subprocess.run(
        ["metaflac", "--show-sample-rate", "--show-channels",
         "--show-total-samples", path],
        check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1]), int(out[2])


def parse_segment(path):
    """(rate, channels, frames) of a complete segment of either format."""
    return parse_flac(path) if path.endswith(".flac") else parse_wav(path)


def data_offset(path):
    """Where the audio starts in a segment's header (also an unfinished one)."""
    with open(path, "rb") as f:
        data = f.read(4096)
    pos = 12
    while pos + 8 <= len(data):
        cid, csize = struct.unpack_from("<4sI", data, pos)
        if cid == b"data":
            return pos + 8
        pos += 8 + csize + (csize & 1)
    raise AssertionError(f"{path}: no data chunk")


def first_samples(path, n):
    if path.endswith(".flac"):
        raw = subprocess.run(
            ["flac", "-s", "-d", "-c", "--force-raw-format", "--endian=little",
             "--sign=signed", path], check=True, capture_output=True).stdout
        return struct.unpack_from(f"<{n}h", raw)
    with open(path, "rb") as f:
        f.seek(data_offset(path))
        return struct.unpack(f"<{n}h", f.read(2 * n))


def vm_rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def leftover_processes():
    """Children of ours, and any process running our tone (an orphaned
    ffmpeg is re-parented to init, but its arguments still name the tone)."""
    found = []
    me = os.getpid()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if int(pid) != me and (ppid == me or f"frequency={TONE}:" in cmd):
            found.append((int(pid), cmd[:120]))
    return found


def fake(tmp, mode):
    """A script for ffmpeg-path: fake_ffmpeg.py in MODE, state in tmp."""
    state = os.path.join(tmp, "fake-state")
    os.makedirs(state, exist_ok=True)
    path = os.path.join(tmp, "ffmpeg")
    with open(path, "w") as f:
        f.write(f'#!/bin/sh\nexec /usr/bin/python3 {FAKE} {mode} {state} "$@"\n')
    os.chmod(path, 0o755)
    return path, os.path.join(state, "runs")


def read_runs(runs_file):
    with open(runs_file) as f:
        return [float(x) for x in f.read().split()]


class Capture:
    """ffmpegsrc ! caps ! [extra !] segmentsink, with every bus message kept
    and the frames of every buffer the sink received counted."""

    def __init__(self, tmp, src_props=None, device=None, live=True,
                 location=None, middle="", sink_props=None, tail="", channels=1):
        self.tmp = tmp
        self.channels = channels
        self.bpf = BPF * channels
        self.data = location or os.path.join(tmp, "data")
        self.staging = os.path.join(self.data, ".buffer")
        self.pipeline = Gst.parse_launch(
            "ffmpegsrc name=src input-format=lavfi ! "
            f"audio/x-raw,format=S16LE,rate={RATE},channels={channels} ! {middle} "
            "segmentsink name=sink " + tail)
        self.src = self.pipeline.get_by_name("src")
        self.sink = self.pipeline.get_by_name("sink")
        self.src.set_property(
            "device", device or f"sine=frequency={TONE}:sample_rate={RATE}")
        if live:
            self.src.set_property("input-options", "-re")
        for k, v in (src_props or {}).items():
            self.src.set_property(k, v)
        self.sink.set_property("location", self.data)
        self.sink.set_property("segment-duration", SEGMENT_NS)
        self.sink.set_property("fsync", False)
        if FORMAT != "wav":
            self.sink.set_property("format", FORMAT)
        for k, v in (sink_props or {}).items():
            self.sink.set_property(k, v)
        self.bus = self.pipeline.get_bus()
        self.messages = []          # (monotonic time, message)
        self.received = []          # frames of each buffer the sink got
        self.offsets = []           # and its stream offsets
        self.stats = None
        self.sink_eos = False
        self.sink.get_static_pad("sink").add_probe(
            Gst.PadProbeType.BUFFER, self._count)
        self.events = []            # and every event, flushes included
        self.sink.get_static_pad("sink").add_probe(
            Gst.PadProbeType.EVENT_DOWNSTREAM | Gst.PadProbeType.EVENT_FLUSH,
            self._eos)
        CAPTURES.append(self)

    def _count(self, pad, info):
        buf = info.get_buffer()
        self.received.append(buf.get_size() // self.bpf)
        self.offsets.append((buf.offset, buf.offset_end))
        return Gst.PadProbeReturn.OK

    def holes(self):
        """Where the stream offsets of the buffers the sink got do not
        follow on, and nothing said so (no DISCONT is recorded here: the
        report is for a failed check)."""
        return [(a[1], b[0]) for a, b in zip(self.offsets, self.offsets[1:])
                if b[0] != a[1]]

    def _eos(self, pad, info):
        self.events.append((len(self.received), info.get_event().type.value_nick))
        if info.get_event().type == Gst.EventType.EOS:
            self.sink_eos = True
        return Gst.PadProbeReturn.OK

    def start(self):
        self.pipeline.set_state(Gst.State.PLAYING)
        return self

    def pump(self, seconds, until=None):
        """Collects bus messages for up to `seconds`, or until `until()`."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            msg = self.bus.timed_pop(int(0.02 * Gst.SECOND))
            if msg is not None:
                self.messages.append((time.monotonic(), msg))
                if msg.type in (Gst.MessageType.EOS, Gst.MessageType.ERROR):
                    return True
            if until is not None and until():
                return True
        return False

    def stat(self, name):
        s = self.src.get_property("stats")
        return s.get_value(name)

    def pushed_at_least(self, frames, seconds=15):
        assert self.pump(seconds, lambda: self.stat("samples-pushed") >= frames) \
            or self.stat("samples-pushed") >= frames, self.summary()

    def named(self, name):
        return [m.get_structure() for _, m in self.messages
                if m.type == Gst.MessageType.ELEMENT
                and m.get_structure().get_name() == name]

    def of_type(self, kind):
        return [m for _, m in self.messages if m.type == kind]

    def finish(self, pipeline_eos=True):
        """EOS (unless it already ended), the stats, then NULL. Without
        `pipeline_eos`, only the segmentsink must have had its EOS."""
        if not self.of_type(Gst.MessageType.EOS) \
                and not self.of_type(Gst.MessageType.ERROR):
            self.pipeline.send_event(Gst.Event.new_eos())
            if pipeline_eos:
                assert self.pump(20), "no EOS within 20 s"
            else:
                t0 = time.monotonic()
                assert self.pump(20, lambda: self.sink_eos), "no EOS at the sink"
                self.sink_eos_after = time.monotonic() - t0
                # then the pipeline's, if it comes
                self.pipeline_eos_after = (
                    time.monotonic() - t0 if self.pump(10) else None)
        self.stats = self.src.get_property("stats")
        self.pipeline.set_state(Gst.State.NULL)

    def summary(self):
        out = []
        for _, m in self.messages:
            if m.type == Gst.MessageType.ERROR:
                out.append("ERROR " + m.parse_error()[0].message)
            elif m.type == Gst.MessageType.WARNING:
                out.append("WARNING " + m.parse_warning()[0].message)
            elif m.type == Gst.MessageType.ELEMENT:
                out.append(m.get_structure().to_string()[:200])
        return "\n".join(out)


def check(cap, error=None, extra_frames=0):
    """The invariant. `error`: substrings the one ERROR must contain (None:
    no ERROR allowed). `extra_frames`: frames in the data directory that
    this capture did not push (recovered from an earlier run)."""
    errors = [m.parse_error() for m in cap.of_type(Gst.MessageType.ERROR)]
    if error is None:
        assert not errors, [(e.message, d) for e, d in errors]
    else:
        assert len(errors) == 1, errors
        for text in error:
            assert text in errors[0][0].message, (text, errors[0][0].message)

    frames = 0
    for name in sorted(os.listdir(cap.data)):
        path = os.path.join(cap.data, name)
        if os.path.abspath(path) == os.path.abspath(cap.staging):
            continue
        assert os.path.isfile(path) and name.endswith(EXT), path
        rate, channels, n = parse_segment(path)
        assert (rate, channels) == (RATE, cap.channels), (path, rate, channels)
        frames += n
    frames -= extra_frames

    pushed = cap.stats.get_value("samples-pushed")
    received = sum(cap.received)
    assert received == pushed or error is not None, (
        received, pushed, "holes", cap.holes(), "last", cap.offsets[-3:],
        "events", cap.events)
    if error is None:
        assert frames == pushed, (frames, pushed, cap.summary())
        promoted = sum(s.get_value("samples")
                       for s in cap.named("segmentsink-promoted"))
        assert promoted == frames, (promoted, frames)
    else:
        # all but the rest of the buffer the sink failed on (and, with
        # FLAC, what the encoder held)
        last = cap.received[-1] if cap.received else 0
        assert received - last - HELD <= frames <= received, (
            frames, received, last)

    if os.path.isdir(cap.staging):
        left = [n for n in os.listdir(cap.staging) if n != "quarantine"]
        assert left == [], left
    assert leftover_processes() == [], leftover_processes()
    return frames, pushed


def gaps_between_segments(cap):
    """[(index, samples skipped)] where a promoted segment does not start
    at the stream offset where the previous one ended."""
    segs = cap.named("segmentsink-promoted")
    out = []
    for i in range(1, len(segs)):
        end = segs[i - 1].get_value("offset") + segs[i - 1].get_value("samples")
        if segs[i].get_value("offset") != end:
            out.append((i, segs[i].get_value("offset") - end))
    return out


# -------------------------------------------------------------- scenarios

def child_fds(pid):
    return sorted(int(fd) for fd in os.listdir(f"/proc/{pid}/fd"))


def kill_once(tmp):
    cap = Capture(tmp).start()
    cap.pushed_at_least(RATE // 2)
    pid = cap.stat("child-pid")
    # with segmentsink's directories and a segment open in this process,
    # ffmpeg holds its stdin, stdout and stderr and nothing else
    assert child_fds(pid) == [0, 1, 2], child_fds(pid)
    os.kill(pid, signal.SIGKILL)
    before = cap.stat("samples-pushed")
    cap.pushed_at_least(before + RATE // 2)
    assert child_fds(cap.stat("child-pid")) == [0, 1, 2]
    cap.finish()
    assert cap.stats.get_value("restarts") == 1
    assert len(cap.named("ffmpegsrc-restarted")) == 1
    frames, _ = check(cap)
    assert len(gaps_between_segments(cap)) == 1, gaps_between_segments(cap)
    return f"{frames} frames, 1 restart, split at the gap"


def kill_ten_times(tmp):
    cap = Capture(tmp).start()
    cap.pushed_at_least(RATE // 5)
    pids = set()
    for i in range(10):
        pid = cap.stat("child-pid")
        assert pid > 0 and pid not in pids
        pids.add(pid)
        before = cap.stat("samples-pushed")
        os.kill(pid, signal.SIGKILL)
        # each new ffmpeg is killed as soon as its audio arrives (mid-segment)
        assert cap.pump(20, lambda: cap.stat("restarts") == i + 1
                        and cap.stat("samples-pushed") > before + RATE // 50)
    cap.pushed_at_least(cap.stat("samples-pushed") + RATE // 5)
    cap.finish()
    assert cap.stats.get_value("restarts") == 10
    frames, _ = check(cap)
    assert len(gaps_between_segments(cap)) == 10, gaps_between_segments(cap)
    return f"{frames} frames over 11 ffmpeg runs"


def sigstop_beyond_stall_timeout(tmp):
    cap = Capture(tmp, {"stall-timeout": 500_000_000}).start()
    cap.pushed_at_least(RATE // 2)
    pid = cap.stat("child-pid")
    os.kill(pid, signal.SIGSTOP)
    assert cap.pump(10, lambda: cap.stat("restarts") == 1)
    before = cap.stat("samples-pushed")
    cap.pushed_at_least(before + RATE // 2)
    cap.finish()
    reason = cap.named("ffmpegsrc-restarted")[0].get_value("reason")
    assert "no audio for 0.5 s" in reason, reason
    check(cap)
    assert not os.path.exists(f"/proc/{pid}"), "the stopped ffmpeg is still there"
    return "restarted after 0.5 s without audio, the stopped ffmpeg reaped"


def unplugged_repeatedly(tmp):
    # the device fails after 1 s, is gone for 4 starts, then comes back
    path, runs_file = fake(tmp, "unplug:1:4")
    cap = Capture(tmp, {"ffmpeg-path": path}).start()
    assert cap.pump(20, lambda: cap.stat("restarts") == 5), cap.summary()
    cap.pushed_at_least(cap.stat("samples-pushed") + RATE // 2)
    cap.finish()
    check(cap)
    runs = read_runs(runs_file)
    # no busy loop: one start per restart, no more
    assert len(runs) == 6, runs
    # backoff: after the failure of run k, 100 ms << k before run k+1 (the
    # first failure comes 1 s into run 0, which delivered audio)
    intervals = [b - a for a, b in zip(runs[1:], runs[2:])]
    for k, got in enumerate(intervals):
        want = 0.1 * 2 ** (k + 1)
        assert want * 0.95 <= got <= want + 1.0, (k, got, want, intervals)
    reasons = [s.get_value("reason") for s in cap.named("ffmpegsrc-restarted")]
    assert "Input/output error" in reasons[0], reasons
    assert "cannot open audio device" in reasons[1], reasons
    return ("restarts after " + ", ".join(f"{x * 1000:.0f}" for x in intervals)
            + " ms, 6 ffmpeg starts in all")


# ALSA cards by identity (issue 19): a fake sysfs/procfs tree, as
# tests/common/fake-sound.c builds it, read by ffmpegsrc and by the fake
# ALSA ffmpeg through FFC_TEST_SYSFS_ROOT
FAKE_ALSA = os.path.join(HERE, "..", "check", "fake-alsa-ffmpeg.py")
# how long the microphone stays unplugged; the 30 s with
# FFC_FAULTS_UNPLUG_SECONDS=30 (docs/ffmpegsrc.md), 5 s in the suite
UNPLUG_SECONDS = float(os.environ.get("FFC_FAULTS_UNPLUG_SECONDS", "5"))


def fake_sound(root, cards):
    """The tree shows exactly these cards now: (number, id, USB port or
    None, vid, pid, serial), each with capture PCM 0; built aside, then
    swapped in (sys, then proc)."""
    fake_sound.generation = getattr(fake_sound, "generation", 0) + 1
    gen = os.path.join(root, f"gen-{fake_sound.generation}")
    hub = os.path.join(gen, "sys/devices/pci0000:00/0000:00:14.0/usb1")
    sound = os.path.join(gen, "sys/class/sound")
    os.makedirs(sound)
    lines = []
    for n, card_id, port, vid, pid, serial in cards:
        if port:
            usb = os.path.join(hub, port)
            os.makedirs(usb)
            for name, value in (("idVendor", f"{vid:04x}"),
                                ("idProduct", f"{pid:04x}"),
                                ("serial", serial)):
                if value is not None:
                    with open(os.path.join(usb, name), "w") as f:
                        f.write(value + "\n")
            parent = os.path.join(usb, f"{port}:1.0")
        else:
            parent = os.path.join(gen, "sys/devices/pci0000:00/0000:00:1f.3")
        card = os.path.join(parent, "sound", f"card{n}")
        os.makedirs(card)
        os.symlink("../..", os.path.join(card, "device"))
        os.symlink(os.path.relpath(card, sound),
                   os.path.join(sound, f"card{n}"))
        os.makedirs(os.path.join(gen, f"proc/asound/card{n}/pcm0c"))
        lines.append(f"{n:2d} [{card_id:<15}]: USB-Audio - {card_id}\n"
                     f"                      {card_id} at somewhere\n")
    os.makedirs(os.path.join(gen, "proc/asound"), exist_ok=True)
    with open(os.path.join(gen, "proc/asound/cards"), "w") as f:
        f.write("".join(lines) or "--- no soundcards ---\n")
    link = os.path.join(root, "sys")
    old = os.path.dirname(os.readlink(link)) if os.path.islink(link) else None
    for name in ("sys", "proc"):
        tmp_link = os.path.join(root, f".{name}.new")
        os.symlink(os.path.join(gen, name), tmp_link)
        os.rename(tmp_link, os.path.join(root, name))
    if old is not None:
        shutil.rmtree(old)


def unplugged_back_as_another_card(tmp):
    """The microphone (usb:16d0:0b40, card 1) is unplugged for
    UNPLUG_SECONDS and comes back as card 3 with another id; ffmpegsrc waits
    for it (wait-for-device). Invariant: one device-lost, one WARNING, one
    device-found naming card 3, one restart, whose ffmpeg opens the new
    card; the absence is one gap between segments at least as long; every
    sample pushed is in the files, as always."""
    root = os.path.join(tmp, "root")
    state = os.path.join(tmp, "fake-state")
    os.makedirs(root)
    os.makedirs(state)
    mic = (1, "Ultrasonic", "1-1.2", 0x16D0, 0x0B40, "123")
    pch = (0, "PCH", None, 0, 0, None)
    fake_sound(root, [pch, mic])
    env = {"FFC_TEST_SYSFS_ROOT": root, "FFC_FAKE_FFMPEG_DIR": state,
           "FFC_FAKE_FFMPEG_TONE": str(TONE)}
    os.environ.update(env)
    try:
        cap = Capture(tmp, {"input-format": "alsa", "ffmpeg-path": FAKE_ALSA,
                            "wait-for-device": True,
                            "device-poll": 100_000_000,
                            "device-settle": 500_000_000},
                      device="usb:16d0:0b40", live=False).start()
        cap.pushed_at_least(RATE)
        unplugged = time.monotonic()
        fake_sound(root, [pch])
        assert cap.pump(10, lambda: cap.named("ffmpegsrc-device-lost")), \
            cap.summary()
        assert cap.stat("device-present") is False
        cap.pump(UNPLUG_SECONDS - (time.monotonic() - unplugged))
        assert not cap.named("ffmpegsrc-device-found"), cap.summary()
        replugged = time.monotonic()
        fake_sound(root, [pch, (3, "Ultrasonic_1", "1-1.4", 0x16D0, 0x0B40,
                                "123")])
        assert cap.pump(10, lambda: cap.named("ffmpegsrc-device-found")), \
            cap.summary()
        found = time.monotonic()
        cap.pushed_at_least(cap.stat("samples-pushed") + RATE)
        cap.finish()
    finally:
        for k in env:
            del os.environ[k]
    check(cap)
    assert len(cap.named("ffmpegsrc-device-lost")) == 1, cap.summary()
    assert len(cap.of_type(Gst.MessageType.WARNING)) == 1, cap.summary()
    info = cap.named("ffmpegsrc-device-found")[0].get_value("device-info")
    assert info.startswith("card 3 (id Ultrasonic_1, USB 16d0:0b40"), info
    assert cap.stats.get_value("restarts") == 1
    assert cap.stats.get_value("device-info") == info
    with open(os.path.join(state, "inputs")) as f:
        inputs = f.read().split()
    assert inputs == ["hw:CARD=Ultrasonic,DEV=0",
                      "hw:CARD=Ultrasonic_1,DEV=0"], inputs
    gaps = gaps_between_segments(cap)
    assert len(gaps) == 1, gaps
    lost = gaps[0][1] / RATE
    assert replugged - unplugged <= lost <= found - unplugged + 1.0, (
        lost, replugged - unplugged, found - unplugged)
    return (f"absent {replugged - unplugged:.1f} s, found after "
            f"{found - replugged:.2f} s more, a gap of {lost:.2f} s")


def partial_frame_then_death(tmp):
    # 2 channels: a frame is 4 bytes, and the stand-in writes 3 of one
    path, runs_file = fake(tmp, f"partial:4:{RATE * 4 // 2}")
    cap = Capture(tmp, {"ffmpeg-path": path}, channels=2).start()
    assert cap.pump(15, lambda: cap.stat("restarts") == 1), cap.summary()
    cap.pushed_at_least(cap.stat("samples-pushed") + RATE // 2)
    cap.finish()
    frames, _ = check(cap)
    reason = cap.named("ffmpegsrc-restarted")[0].get_value("reason")
    assert "signal 9" in reason, reason
    assert len(read_runs(runs_file)) == 2
    # the segment after the restart starts with the new ffmpeg's first
    # samples, not shifted by the 3 stray bytes: sin(0) = 0 in both
    # channels, then small
    segs = cap.named("segmentsink-promoted")
    (i, _), = gaps_between_segments(cap)
    head = first_samples(segs[i].get_value("location"), 6)
    assert head[:2] == (0, 0) and head[2] == head[3] and abs(head[4]) < 2000, head
    return f"{frames} frames, the 3 stray bytes never reached a file"


def stderr_flood(tmp):
    path, _ = fake(tmp, "flood:0.7")
    cap = Capture(tmp, {"ffmpeg-path": path},
                  device=f"sine=frequency={TONE}:sample_rate={RATE}:duration=3")
    cap.start()
    cap.pushed_at_least(RATE // 4)
    base = vm_rss_kib()
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], vm_rss_kib())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    assert cap.pump(30), "no EOS"
    done.set()
    sampler.join()
    cap.finish()
    frames, _ = check(cap)
    # 3 s exactly, no gap, no restart, no drop: the capture did not notice
    assert frames == 3 * RATE, frames
    for name in ("restarts", "gaps", "samples-dropped"):
        assert cap.stats.get_value(name) == 0, cap.stats.to_string()
    # ~90 MB of stderr, one line of 64 MiB: memory stays put
    grew = peak[0] - base
    assert grew < 16 * 1024, f"RSS grew by {grew} KiB"
    return f"{frames} frames; RSS grew {grew} KiB while 90 MB of stderr passed"


RECORD_CHILD = """
import os, sys, time, gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst
Gst.init(None)
p = Gst.parse_launch("ffmpegsrc name=src input-format=lavfi input-options=-re "
    "device=sine=frequency=%d:sample_rate=%d ! audio/x-raw,format=S16LE,channels=1 "
    "! segmentsink location=%s segment-duration=60000000000 fsync=false "
    "format=%s")
p.set_state(Gst.State.PLAYING)
while True:
    time.sleep(0.05)
    pid = p.get_by_name("src").get_property("stats").get_value("child-pid")
    if pid:
        print(pid, flush=True)
        break
time.sleep(3600)
"""


def recorder_killed(tmp):
    data = os.path.join(tmp, "data")
    staging = os.path.join(data, ".buffer")
    child = subprocess.Popen(
        [sys.executable, "-c", RECORD_CHILD % (TONE, RATE, data, FORMAT)],
        stdout=subprocess.PIPE, text=True)
    ffmpeg_pid = int(child.stdout.readline())
    deadline = time.monotonic() + 15
    orphan = None
    while time.monotonic() < deadline:
        names = os.listdir(staging) if os.path.isdir(staging) else []
        # a second of audio (a FLAC of the tone: a few of its blocks)
        if names and os.path.getsize(os.path.join(staging, names[0])) > (
                RATE * BPF if FORMAT == "wav" else 16384):
            orphan = os.path.join(staging, names[0])
            break
        time.sleep(0.02)
    assert orphan, "the recorder wrote nothing"
    child.kill()                   # mid-segment: 1 s into a 60 s one
    child.wait()
    # its ffmpeg dies with it (PR_SET_PDEATHSIG)
    for _ in range(100):
        if not os.path.exists(f"/proc/{ffmpeg_pid}"):
            break
        time.sleep(0.02)
    assert not os.path.exists(f"/proc/{ffmpeg_pid}"), "ffmpeg outlived its recorder"
    if FORMAT == "wav":
        written = (os.path.getsize(orphan) - data_offset(orphan)) // BPF

    cap = Capture(tmp).start()
    cap.pushed_at_least(RATE // 2)
    cap.finish()
    recovered = cap.named("segmentsink-recovered")
    assert len(recovered) == 1, cap.summary()
    if FORMAT == "flac":
        # its whole frames: libFLAC's blocks, as many as the file holds
        written = parse_flac(recovered[0].get_value("location"))[2]
        assert written > 0 and written % FLAC_BLOCK == 0, written
    # exactly what the killed process had written
    assert recovered[0].get_value("samples") == written, (recovered[0], written)
    assert recovered[0].get_value("location") == os.path.join(
        data, os.path.basename(orphan))
    check(cap, extra_frames=written)
    return f"orphan of {written} frames recovered whole"


def disk_full(tmp):
    mnt = os.path.join(tmp, "mnt")
    os.mkdir(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt],
                      capture_output=True).returncode != 0:
        return "SKIP: cannot mount a tmpfs (needs root with CAP_SYS_ADMIN)"
    try:
        # not paced: fills the 1 MiB at once; not live, so it waits, never drops
        cap = Capture(tmp, live=False, location=mnt).start()
        assert cap.pump(30)
        cap.finish()
        frames, _ = check(cap, error=["No space left on device",
                                      os.path.join(mnt, ".buffer")])
        # the files (audio and their ~3 KB metadata headers) filled the disk
        used = sum(os.path.getsize(os.path.join(mnt, n)) for n in os.listdir(mnt)
                   if n.endswith(EXT))
        if FORMAT == "flac":
            # small files: what fills the disk is their pages
            used = sum(os.stat(os.path.join(mnt, n)).st_blocks * 512
                       for n in os.listdir(mnt) if n.endswith(EXT))
        assert used > 900 * 1024, (frames, used)
    finally:
        subprocess.run(["umount", mnt], check=True)
    return f"ERROR at ENOSPC, {frames} frames ({frames * BPF} bytes) kept"


READONLY_CHILD = """
import json, sys, time, gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst
sys.path.insert(0, %r)
import test_faults as t
t.FORMAT, t.EXT = %r, %r
Gst.init(None)
cap = t.Capture(%r).start()
cap.pump(20)
cap.finish()
print(json.dumps({"received": cap.received,
    "pushed": cap.stats.get_value("samples-pushed"),
    "errors": [m.parse_error()[0].message for m in cap.of_type(Gst.MessageType.ERROR)]}))
"""


def data_dir_read_only(tmp):
    """As root, permissions do not apply: the recorder runs without the
    capabilities that bypass them (CAP_DAC_OVERRIDE…), as a service would."""
    data = os.path.join(tmp, "data")
    child = subprocess.Popen(
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner",
         sys.executable, "-c", READONLY_CHILD % (HERE, FORMAT, EXT, tmp)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and child.poll() is None:
        if os.path.isdir(data) and any(n.endswith(EXT) for n in os.listdir(data)):
            break
        time.sleep(0.02)
    if child.poll() is not None:
        out, err = child.communicate()
        if "setpriv" in err:
            return f"SKIP: setpriv cannot drop capabilities here: {err.strip()}"
        raise AssertionError(err)
    os.chmod(data, 0o555)
    try:
        out, err = child.communicate(timeout=30)
    finally:
        os.chmod(data, 0o755)
    result = json.loads(out.splitlines()[-1])
    assert len(result["errors"]) == 1, (result["errors"], err)
    msg = result["errors"][0]
    assert "Cannot promote" in msg and "Permission denied" in msg, msg
    assert leftover_processes() == []
    # the finished segment waits in staging; the next start promotes it
    left = os.listdir(os.path.join(data, ".buffer"))
    assert len(left) == 1, left
    cap = Capture(tmp).start()
    cap.pushed_at_least(RATE // 4)
    cap.finish()
    recovered = cap.named("segmentsink-recovered")
    assert [os.path.basename(s.get_value("location")) for s in recovered] == left
    earlier = sum(result["received"])
    last = result["received"][-1]
    on_disk = 0
    for name in os.listdir(data):
        if name.endswith(EXT):
            on_disk += parse_segment(os.path.join(data, name))[2]
    pushed_now = cap.stats.get_value("samples-pushed")
    before = on_disk - pushed_now
    assert earlier - last <= before <= earlier, (before, earlier, last)
    check(cap, extra_frames=before)
    return (f"ERROR: {msg[:60]}…; the segment kept in staging and promoted at "
            f"the next start ({before} frames of {earlier} received)")


def staging_deleted(tmp):
    # one long segment: it is open (and deleted with staging) for sure
    cap = Capture(tmp, sink_props={"segment-duration": 10_000_000_000}).start()
    cap.pushed_at_least(RATE // 2)
    assert len(os.listdir(cap.staging)) == 1
    shutil.rmtree(cap.staging)
    before = cap.stat("samples-pushed")
    cap.pushed_at_least(before + RATE // 2)
    cap.finish()
    frames, _ = check(cap)
    warnings = [m.parse_warning()[0].message
                for m in cap.of_type(Gst.MessageType.WARNING)]
    assert any("was removed during the recording" in w for w in warnings), warnings
    # the segment open at the time was saved from its descriptor
    assert any("was deleted while being written" in w for w in warnings), warnings
    return f"{frames} frames, staging made again, the open segment saved"


def downstream_stall(tmp):
    stalled = []

    def stall(pad, info):
        if not stalled and sum(cap.received) >= RATE:
            stalled.append(True)
            time.sleep(1.5)
        return Gst.PadProbeReturn.OK

    cap = Capture(tmp, {"buffer-time": 500_000_000})
    cap.sink.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, stall)
    cap.start()
    assert cap.pump(15, lambda: stalled and cap.stat("samples-dropped") > 0)
    cap.pushed_at_least(cap.stat("samples-pushed") + RATE // 2)
    cap.finish()
    frames, _ = check(cap)
    dropped = cap.stats.get_value("samples-dropped")
    assert RATE // 2 < dropped < 2 * RATE, dropped
    # the segments split at the gap, which skips exactly the dropped samples
    assert gaps_between_segments(cap) == [
        (gaps_between_segments(cap)[0][0], dropped)], gaps_between_segments(cap)
    warnings = [m.parse_warning()[0].message
                for m in cap.of_type(Gst.MessageType.WARNING)]
    assert any(f"Dropped {dropped} samples" in w for w in warnings), warnings
    return f"{frames} frames kept, {dropped} dropped, one split at the gap"


def icecast_branch_failing(tmp):
    # every way a branch fails, none with a server: no route (connection
    # refused), an error at start, one in mid-stream, and one stuck for good
    with socket_port() as port:
        branches = [
            "audioconvert ! opusenc ! oggmux ! shout2send ip=127.0.0.1 "
            f"port={port} password=x mount=/m.opus",
            f"wavenc ! filesink location={tmp}/no/such/dir/x.wav",
            "identity error-after=20 ! fakesink",
            "identity sleep-time=5000000 ! fakesink sync=false",
        ]
        tail = " ".join(
            f"t. ! besteffortsink name=b{i} retry-delay=200000000 "
            f"max-latency=200000000 branch=\"{b}\"" for i, b in enumerate(branches))
        cap = Capture(tmp, middle="tee name=t ! queue ! ", tail=tail).start()
        cap.pushed_at_least(2 * RATE)
        # The recording ends at once; the stuck branch is abandoned after
        # eos-timeout (2 s), so the pipeline's own EOS, which applications
        # such as docs/examples wait for, comes too.
        cap.finish(pipeline_eos=False)
        stop_s = cap.sink_eos_after
        assert stop_s < 2, stop_s
        pipeline_eos_s = cap.pipeline_eos_after
        assert pipeline_eos_s is not None and not cap.of_type(
            Gst.MessageType.ERROR), "no pipeline EOS: a stuck branch held it up"
    frames, _ = check(cap)
    downs = [s.get_name() for s in (m.get_structure() for m in cap.of_type(
        Gst.MessageType.ELEMENT)) if s.get_name() == "besteffortsink-down"]
    assert len(downs) >= 3, cap.summary()
    assert cap.stats.get_value("samples-dropped") == 0
    return (f"{frames} frames; the branches went down {len(downs)} times; "
            f"segmentsink had its EOS {stop_s * 1000:.0f} ms after it was sent, "
            f"the pipeline {pipeline_eos_s:.1f} s after (the stuck branch "
            "abandoned at eos-timeout)")


class socket_port:
    """A loopback port nobody listens on."""

    def __enter__(self):
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def __exit__(self, *exc):
        return False


# lavfi's tone, paced by -re, stamped like ALSA stamps a device's periods:
# by the wall clock. While ffmpeg is stopped nothing is generated, so after
# SIGCONT the stamps jump by the time it was stopped, as after an overrun.
# (-f alsa -i null cannot show this: the null device delivers silence as
# fast as it is read, at about twice the rate, and ffmpeg's time filter
# smooths its wall-clock stamps so that a stop never shows as a jump.)
WALL_CLOCK_TONE = (
    "sine=frequency={tone}:sample_rate=48000,asetpts='N+st(0\\,"
    "if(gt((RTCTIME-RTCSTART)*0.048-N-ld(0)\\,12000)\\,"
    "(RTCTIME-RTCSTART)*0.048-N\\,ld(0)))'")


def real_overrun(tmp):
    cap = Capture(tmp, {"stall-timeout": 5_000_000_000},
                  device=WALL_CLOCK_TONE.format(tone=TONE),
                  sink_props={"segment-duration": 10_000_000_000})
    cap.start()
    cap.pushed_at_least(RATE)
    pid = cap.stat("child-pid")
    t0 = time.monotonic()
    os.kill(pid, signal.SIGSTOP)
    time.sleep(1.0)
    os.kill(pid, signal.SIGCONT)
    stopped = time.monotonic() - t0
    cap.pushed_at_least(cap.stat("samples-pushed") + RATE)
    cap.finish()
    frames, _ = check(cap)
    lost = cap.stats.get_value("samples-lost")
    assert cap.stats.get_value("gaps") == 1, cap.stats.to_string()
    assert cap.stats.get_value("restarts") == 0
    # what ffmpeg's stamps say was lost is the time it was stopped (it was
    # stopped at some point of its 21 ms wait for the next frame)
    assert stopped - 0.1 <= lost / RATE <= stopped + 0.3, (lost, stopped)
    segs = cap.named("segmentsink-promoted")
    assert len(segs) == 2, cap.summary()
    # the split falls at the gap...
    assert gaps_between_segments(cap) == [(1, lost)], gaps_between_segments(cap)
    # ...and the second segment starts later by the lost time (10 ms)
    end0 = segs[0].get_value("running-time") + segs[0].get_value("duration")
    late = segs[1].get_value("running-time") - end0
    assert abs(late - lost * Gst.SECOND // RATE) <= 10 * Gst.MSECOND, (late, lost)
    t = [time_of(s.get_value("start-time")) for s in segs]
    wall = t[1] - t[0] - segs[0].get_value("duration") / Gst.SECOND
    assert abs(wall - lost / RATE) <= 0.010, (wall, lost)
    return (f"stopped {stopped * 1000:.0f} ms: 1 gap of {lost} samples "
            f"({lost * 1000 / RATE:.1f} ms), next segment {late / 1e6:.1f} ms "
            "later")


def time_of(iso):
    from datetime import datetime
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


SCENARIOS = [kill_once, kill_ten_times, sigstop_beyond_stall_timeout,
             unplugged_repeatedly, partial_frame_then_death, stderr_flood,
             unplugged_back_as_another_card,
             recorder_killed, disk_full, data_dir_read_only, staging_deleted,
             downstream_stall, icecast_branch_failing, real_overrun]


def main():
    global FORMAT, EXT, HELD
    Gst.init(None)
    only = [a for a in sys.argv[1:] if not a.startswith("--format=")]
    for a in sys.argv[1:]:
        if a.startswith("--format="):
            FORMAT = os.environ["FFC_FAULTS_FORMAT"] = a.split("=", 1)[1]
            EXT = "." + FORMAT
            HELD = 2 * FLAC_BLOCK if FORMAT == "flac" else 0
    print(f"segments in {FORMAT}", flush=True)
    failed = 0
    t_all = time.monotonic()
    for scenario in SCENARIOS:
        if only and scenario.__name__ not in only:
            continue
        t0 = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
            try:
                result = scenario(tmp)
                status = "SKIP" if result.startswith("SKIP") else "ok"
                print(f"{status}: {scenario.__name__} ({time.monotonic() - t0:.1f} s): "
                      f"{result}", flush=True)
            except Exception as e:          # report all, then fail
                failed += 1
                import traceback
                traceback.print_exc()
                print(f"FAIL: {scenario.__name__}: {e!r}"[:2000], flush=True)
            for cap in CAPTURES:
                cap.pipeline.set_state(Gst.State.NULL)
            CAPTURES.clear()
            for pid, _ in leftover_processes():
                os.kill(pid, signal.SIGKILL)
    print(f"{time.monotonic() - t_all:.1f} s in all")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
