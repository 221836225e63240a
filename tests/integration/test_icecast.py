#!/usr/bin/python3
"""The recorder's triple stream against a real icecast2 on loopback.

One capture (ffmpegsrc, ffmpeg's test tone paced like a device) feeds a raw
and a processed segmentsink and a besteffortsink streaming Opus in Ogg to a
real icecast2 on 127.0.0.1 and a free port. The stream is read back by ffmpeg
as Opus; the server is killed mid-run and started again: the stream comes
back within seconds, the segments lose no sample, and the pipeline never
posts an ERROR. Then: a wrong password, and no server at start.
Everything here talks to 127.0.0.1 only, and every wait is bounded.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

RATE = 48000
PROCESSED_RATE = 16000
PASSWORD = "hackme"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Icecast:
    """icecast2 on 127.0.0.1:port with a minimal configuration."""

    def __init__(self, port, workdir):
        self.port = port
        self.dir = workdir
        self.proc = None
        os.makedirs(workdir, exist_ok=True)
        os.chmod(workdir, 0o777)   # it drops root for its own user
        self.config = os.path.join(workdir, "icecast.xml")
        with open(self.config, "w") as f:
            f.write(f"""<icecast>
  <location>test</location><admin>test@localhost</admin>
  <limits><clients>10</clients><sources>4</sources>
    <source-timeout>5</source-timeout></limits>
  <authentication><source-password>{PASSWORD}</source-password>
    <admin-user>admin</admin-user><admin-password>{PASSWORD}</admin-password>
  </authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address>
  </listen-socket>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>{workdir}</logdir>
    <webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog>
    <loglevel>3</loglevel></logging>
  <security><chroot>0</chroot>
    <changeowner><user>icecast2</user><group>icecast</group></changeowner>
  </security>
</icecast>
""")

    def start(self):
        self.proc = subprocess.Popen(["icecast2", "-c", self.config],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("icecast2 did not start")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None


def probe_stream(port, seconds=2):
    """Reads the live mount as a listener: (codec, format) or None."""
    try:
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-rw_timeout", "3000000",
             "-show_entries", "stream=codec_name:format=format_name", "-of", "json",
             f"http://127.0.0.1:{port}/mic.opus"],
            capture_output=True, text=True, timeout=10).stdout
        info = json.loads(out)
        return info["streams"][0]["codec_name"], info["format"]["format_name"]
    except (subprocess.TimeoutExpired, KeyError, IndexError, ValueError):
        return None


def branch(port, password=PASSWORD):
    return ("audioresample ! audioconvert ! opusenc bitrate=64000 ! oggmux ! "
            f"shout2send ip=127.0.0.1 port={port} password={password} "
            "mount=/mic.opus")


class Recorder:
    def __init__(self, outdir, stream_branch):
        self.pipeline = Gst.parse_launch(
            "ffmpegsrc name=src input-format=lavfi input-options=-re "
            f"device=sine=frequency=1000:sample_rate={RATE} ! "
            f"audio/x-raw,format=S16LE,rate={RATE},channels=1 ! tee name=t "
            "t. ! queue ! segmentsink name=raw segment-duration=2000000000 "
            f"t. ! queue ! audioresample ! audio/x-raw,rate={PROCESSED_RATE} ! "
            "segmentsink name=processed segment-duration=2000000000 "
            "t. ! besteffortsink name=stream retry-delay=500000000")
        self.raw_dir = os.path.join(outdir, "raw")
        self.processed_dir = os.path.join(outdir, "processed")
        self.pipeline.get_by_name("raw").set_property("location", self.raw_dir)
        self.pipeline.get_by_name("processed").set_property("location", self.processed_dir)
        self.pipeline.get_by_name("stream").set_property("branch", stream_branch)
        self.bus = self.pipeline.get_bus()
        self.events = []   # (monotonic time, kind, text)

    def pump(self, seconds, until=None):
        """Collects bus messages for up to `seconds`; stops early when
        until(kind) is true. Returns the time the stop condition was met."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            msg = self.bus.timed_pop(int(0.05 * Gst.SECOND))
            if msg is None:
                continue
            now = time.monotonic()
            if msg.type == Gst.MessageType.ERROR:
                self.events.append((now, "ERROR", msg.parse_error()[0].message))
            elif msg.type == Gst.MessageType.WARNING:
                self.events.append((now, "WARNING", msg.parse_warning()[0].message))
            elif msg.type == Gst.MessageType.EOS:
                self.events.append((now, "EOS", ""))
            elif msg.type == Gst.MessageType.ELEMENT:
                s = msg.get_structure()
                if s.get_name().startswith("besteffortsink-"):
                    self.events.append((now, s.get_name(), s.to_string()))
            else:
                continue
            if until and until(self.events[-1][1]):
                return now
        return None

    def kinds(self, kind):
        return [e for e in self.events if e[1] == kind]

    def stop(self):
        self.pipeline.send_event(Gst.Event.new_eos())
        self.pump(15, until=lambda k: k == "EOS")
        stats = self.pipeline.get_by_name("src").get_property("stats")
        self.pipeline.set_state(Gst.State.NULL)
        return stats


def wav_frames(path):
    import wave
    with wave.open(path) as w:
        return w.getnframes()


def frames_in(d):
    return sum(wav_frames(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".wav"))


def check_recording(rec, stats):
    assert not rec.kinds("ERROR"), rec.kinds("ERROR")
    pushed = stats.get_uint64("samples-pushed")[1]
    dropped = stats.get_uint64("samples-dropped")[1]
    raw = frames_in(rec.raw_dir)
    processed = frames_in(rec.processed_dir)
    assert dropped == 0, dropped
    assert raw == pushed, (raw, pushed)
    # the resampler's output for the same stretch of time, give or take its delay
    assert abs(processed - pushed * PROCESSED_RATE // RATE) < 64, (processed, pushed)
    for d in (rec.raw_dir, rec.processed_dir):
        assert os.listdir(os.path.join(d, ".buffer")) == [], d
    return raw, processed


def test_server_restart(tmp):
    port = free_port()
    ice = Icecast(port, os.path.join(tmp, "ice"))
    ice.start()
    rec = Recorder(os.path.join(tmp, "rec1"), branch(port))
    try:
        rec.pipeline.set_state(Gst.State.PLAYING)
        assert rec.pump(15, until=lambda k: k == "besteffortsink-up"), rec.events
        assert probe_stream(port) == ("opus", "ogg"), "stream not readable as Opus/Ogg"

        ice.kill()
        killed = time.monotonic()
        assert rec.pump(15, until=lambda k: k == "besteffortsink-down"), rec.events
        rec.pump(1)
        ice.start()
        up = rec.pump(30, until=lambda k: k == "besteffortsink-up")
        assert up, rec.events
        print(f"stream back {up - killed:.2f} s after the server was killed "
              f"(restarted {time.monotonic() - killed:.2f} s after)")
        assert probe_stream(port) == ("opus", "ogg"), "stream did not come back"
        rec.pump(1)
        stats = rec.stop()
        raw, processed = check_recording(rec, stats)
        drops = rec.pipeline.get_by_name("stream").get_property("stats")
        print(f"ok: server restart: {raw} raw and {processed} processed frames, "
              f"none lost; stream dropped {drops.get_uint64('dropped-buffers')[1]} "
              f"buffers while down; {len(rec.kinds('WARNING'))} warnings, no ERROR")
    finally:
        rec.pipeline.set_state(Gst.State.NULL)
        ice.kill()


def test_wrong_password(tmp):
    port = free_port()
    ice = Icecast(port, os.path.join(tmp, "ice2"))
    ice.start()
    rec = Recorder(os.path.join(tmp, "rec2"), branch(port, password="wrong"))
    try:
        rec.pipeline.set_state(Gst.State.PLAYING)
        assert rec.pump(10, until=lambda k: k == "besteffortsink-down"), rec.events
        down = rec.kinds("besteffortsink-down")[0][2]
        rec.pump(3)
        stats = rec.stop()
        check_recording(rec, stats)
        assert not rec.kinds("besteffortsink-up")
        print(f"ok: wrong password: down ({down[:100]}…), recording whole")
    finally:
        rec.pipeline.set_state(Gst.State.NULL)
        ice.kill()


def test_no_server_at_start(tmp):
    port = free_port()
    rec = Recorder(os.path.join(tmp, "rec3"), branch(port))
    ice = Icecast(port, os.path.join(tmp, "ice3"))
    try:
        rec.pipeline.set_state(Gst.State.PLAYING)
        assert rec.pump(10, until=lambda k: k == "besteffortsink-down"), rec.events
        ice.start()
        assert rec.pump(40, until=lambda k: k == "besteffortsink-up"), rec.events
        stats = rec.stop()
        check_recording(rec, stats)
        print("ok: no server at start: down, then up once it came")
    finally:
        rec.pipeline.set_state(Gst.State.NULL)
        ice.kill()


def main():
    if shutil.which("icecast2") is None:
        print("SKIP: icecast2 is not installed (scripts/setup.sh installs it)")
        return 77
    Gst.init(None)
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)       # icecast2 runs as its own user
        test_server_restart(tmp)
        test_wrong_password(tmp)
        test_no_server_at_start(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
