#!/usr/bin/python3
"""ffcapture-recorder as installed (meson install into a DESTDIR, run from
there with the installed plugin): a mock source given by the configuration
file's device keys; systemd's notification protocol observed on a datagram
socket this test binds (NOTIFY_SOCKET, WATCHDOG_USEC): READY=1 once audio
flows, WATCHDOG=1 while it records and none while its ffmpeg is stopped
(SIGSTOP, our recorder's child only), again after SIGCONT; SIGTERM then
finishes the segments (every file complete, staging empty); the metrics
file is accepted by promtool and agrees with the files; the summary's
lines add up to the samples captured. Also: the installed configuration,
unit and man page, and configuration errors naming the key."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import installed_recorder as ir  # noqa: E402

FLOW_TIMEOUT = 3.0  # the recorder's: no samples this long = not recording


class Notifications:
    """systemd's side of sd_notify: a unix datagram socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.path = path
        self.got = []  # (monotonic time, message)
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            with self.lock:
                for line in data.decode().splitlines():
                    self.got.append((time.monotonic(), line))

    def times(self, message, after=0.0, before=float("inf")):
        with self.lock:
            return [t for t, m in self.got if m == message and after <= t < before]

    def wait_for(self, message, after, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = self.times(message, after)
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no {message} within {timeout} s: {self.got[-20:]}")

    def close(self):
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()


def metrics(path):
    """{series: value} of a metrics file."""
    out = {}
    with open(path) as f:
        text = f.read()
    assert text.endswith("\n"), text[-200:]
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            out[series] = float(value)
    return out, text


def check_installed(inst, tmp):
    """The installed layout: the unit runs the installed program as a
    notify service with a watchdog, the shipped configuration parses, and
    the man page documents every option."""
    unit = open(inst.unit("ffcapture-recorder.service")).read()
    assert "Type=notify" in unit and "WatchdogSec=" in unit, unit
    m = re.search(r"^ExecStart=(\S+) --config /etc/ffcapture/recorder.conf$", unit, re.M)
    assert m and inst.dest + m.group(1) == inst.recorder, (m and m.group(1), inst.recorder)

    data = os.path.join(tmp, "shipped")
    out = subprocess.run([inst.recorder, "--config", inst.conf, "--data-dir", data,
                          "--metrics-file", os.path.join(tmp, "shipped.prom"),
                          "--mock", "--rate", "48000", "--seconds", "1"],
                         env=inst.env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, (out.returncode, out.stdout, out.stderr)
    assert f"configuration {inst.conf}" in out.stdout, out.stdout
    shutil.rmtree(data)

    man = open(inst.man).read().replace("\\-", "-")
    helptext = subprocess.run([inst.recorder, "--help"], env=inst.env,
                              capture_output=True, text=True, timeout=30).stdout
    options = re.findall(r"^\s+(?:-\w, )?--([a-z-]+)", helptext, re.M)
    assert len(options) > 40, helptext
    missing = [o for o in options
               if o not in ("help", "help-all", "help-gst") and not re.search(rf"\b{o}\b", man)]
    assert missing == [], missing
    print(f"ok: installed layout: unit, configuration, man page ({len(options)} options)")
    return "systemd notification on" in out.stdout


def check_errors(inst, tmp):
    """Bad configurations: exit 2, the message naming the key and value."""
    data = os.path.join(tmp, "bad")
    cases = [
        ("[capture]\nrate=fast\n", "[capture] rate: 'fast' is not an integer"),
        ("[capture]\nrat=48000\n", "unknown key 'rat' in [capture]"),
        ("[retention]\nmin-age=600\n", "[retention] min-age: '600' is not a duration"),
    ]
    inspect = subprocess.run(["gst-inspect-1.0", "ffmpegsrc"], env=inst.env,
                             capture_output=True, text=True, timeout=60).stdout
    assert "ffmpeg-path" in inspect, inspect
    if "wait-for-device" not in inspect:
        # a key of a newer ffmpegsrc is refused, not ignored
        cases.append(("[capture]\nwait-for-device=true\n", "wait-for-device = true: "
                      "this version's ffmpegsrc has no property 'wait-for-device'"))
    factories = subprocess.run(["gst-inspect-1.0", "ffcapture"], env=inst.env,
                               capture_output=True, text=True, timeout=60).stdout
    if "triggergate" not in factories:
        cases.append(("[trigger]\ntrigger=true\n", "trigger = true needs the triggergate element"))
    for text, message in cases:
        conf = ir.write(os.path.join(tmp, "bad.conf"), f"[recorder]\ndata-dir={data}\n{text}")
        out = subprocess.run([inst.recorder, "--config", conf, "--mock", "--seconds", "1"],
                             env=inst.env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 2, (text, out.returncode, out.stdout, out.stderr)
        assert message in out.stderr, (message, out.stderr)
    print(f"ok: {len(cases)} bad configurations refused, naming the key")


ALERT_TESTS = """\
rule_files: [alerts.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      # promoted every minute until 3 min, then nothing
      - series: 'ffcapture_last_segment_timestamp_seconds{instance="rec1",stream="raw"}'
        values: '0 60 120 180 180 180 180 180 180 180 180'
      - series: 'ffcapture_samples_dropped_total{instance="rec1"}'
        values: '0 0 0 0 0 480 480 480 480 480 480'
      - series: 'ffcapture_samples_lost_total{instance="rec1"}'
        values: '0x10'
      - series: 'ffcapture_segments_deleted_total{instance="rec1",stream="raw"}'
        values: '0x10'
      - series: 'ffcapture_start_time_seconds{instance="rec1"}'
        values: '0 0 0 0 0 0 _ _ _ _ _ _ _ _ _ _ _'
      - series: 'up{instance="rec1",job="node"}'
        values: '1x20'
    alert_rule_test:
      - eval_time: 8m
        alertname: FfcaptureNoSegmentPromoted
        exp_alerts: []
      - eval_time: 9m
        alertname: FfcaptureNoSegmentPromoted
        exp_alerts:
          - exp_labels: {severity: critical, instance: rec1, stream: raw}
            exp_annotations:
              summary: "rec1: no raw segment promoted for 5 minutes"
      - eval_time: 4m
        alertname: FfcaptureSamplesDropped
        exp_alerts: []
      - eval_time: 6m
        alertname: FfcaptureSamplesDropped
        exp_alerts:
          - exp_labels: {severity: warning, instance: rec1}
            exp_annotations:
              summary: "rec1: samples dropped (the disk did not keep up)"
      - eval_time: 9m
        alertname: FfcaptureSamplesLost
        exp_alerts: []
      - eval_time: 9m
        alertname: FfcaptureRetentionDeleting
        exp_alerts: []
      - eval_time: 5m
        alertname: FfcaptureRecorderDown
        exp_alerts: []
      - eval_time: 17m
        alertname: FfcaptureRecorderDown
        exp_alerts:
          - exp_labels: {severity: critical, instance: rec1, job: node}
            exp_annotations:
              summary: "rec1: no ffcapture metrics (the recorder is not running)"
"""


def check_alert_rules(promtool, tmp):
    """docs/deployment.md's alert rules: valid, and firing when they should."""
    with open(os.path.join(os.environ["FFC_SOURCE_ROOT"], "docs/deployment.md")) as f:
        doc = f.read()
    section = doc[doc.index("## Metrics"):]
    rules = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    ir.write(os.path.join(tmp, "alerts.yml"), rules)
    test = ir.write(os.path.join(tmp, "alerts_test.yml"), ALERT_TESTS)
    for args in (["check", "rules", os.path.join(tmp, "alerts.yml")], ["test", "rules", test]):
        r = subprocess.run([promtool] + args, capture_output=True, text=True, timeout=60, cwd=tmp)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
    print("ok: the alert rules of docs/deployment.md pass promtool check and test rules")


def watchdog_while_stalled(proc, notes, t0):
    """READY=1 once audio flows, WATCHDOG=1 while it records, none while its
    ffmpeg is stopped, again once it runs. t0: when it started."""
    ready = notes.wait_for("READY=1", t0, 30)
    notes.wait_for("WATCHDOG=1", ready, 10)
    time.sleep(2.5)
    assert len(notes.times("WATCHDOG=1", ready)) >= 2, notes.got
    print(f"ok: READY=1 after {ready - t0:.1f} s, then WATCHDOG=1")

    # stall the capture: our recorder's ffmpeg, stopped
    children = ir.ffmpeg_children(proc.pid)
    assert len(children) == 1, children
    os.kill(children[0], signal.SIGSTOP)
    stalled = time.monotonic()
    try:
        time.sleep(FLOW_TIMEOUT + 1.5 + 5)
    finally:
        os.kill(children[0], signal.SIGCONT)
    resumed = time.monotonic()
    quiet = notes.times("WATCHDOG=1", stalled + FLOW_TIMEOUT + 1.5, resumed)
    assert quiet == [], ("petted while ffmpeg was stopped", quiet)
    # flowing again: petted again
    notes.wait_for("WATCHDOG=1", resumed, 15)
    time.sleep(3)
    return ready, stalled, resumed


def main():
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: install Debian's prometheus (scripts/setup.sh)"
    with ir.tmpdir() as tmp:
        check_alert_rules(promtool, tmp)
        inst = ir.Installed(os.path.join(tmp, "dest"))
        notify = check_installed(inst, tmp)
        check_errors(inst, tmp)

        data = os.path.join(tmp, "data")
        prom = os.path.join(tmp, "metrics", "ffcapture.prom")
        os.mkdir(os.path.dirname(prom))
        # a stall longer than this test's: ffmpegsrc must not restart ffmpeg
        conf = ir.mock_config(tmp, data, seconds=2,
                              recorder=f"metrics-file={prom}\nmetrics-interval=1",
                              capture="stall-timeout=120s")
        # a live stream to a port where no Icecast listens: the branch is
        # down and retried, the recording undisturbed
        with open(conf, "a") as f:
            f.write(f"[stream]\nicecast=127.0.0.1:{ir.free_port()}\n")
        notes = Notifications(os.path.join(tmp, "notify.sock"))
        env = dict(inst.env, NOTIFY_SOCKET=notes.path, WATCHDOG_USEC="2000000")
        log = open(os.path.join(tmp, "recorder.log"), "w+")
        proc = subprocess.Popen([inst.recorder, "--config", conf], env=env,
                                stdout=log, stderr=subprocess.STDOUT, text=True)
        t0 = time.monotonic()
        try:
            # the metrics file: whole whenever it is read, alone in its directory
            end = time.monotonic() + 20
            while not os.path.exists(prom) and time.monotonic() < end:
                time.sleep(0.1)
            for _ in range(20):
                values, _ = metrics(prom)
                assert "ffcapture_free_bytes" in values, values
                time.sleep(0.1)
            assert sorted(os.listdir(os.path.dirname(prom))) == ["ffcapture.prom"]
            if notify:
                ready, stalled, resumed = watchdog_while_stalled(proc, notes, t0)
            else:
                print("SKIP: READY and WATCHDOG: built without libsystemd")
                time.sleep(12)
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            notes.close()
        log.seek(0)
        out = log.read()
        assert rc == 0, (rc, out)
        assert "all segments finalized" in out, out
        if notify:
            assert "the watchdog is not petted" in out, out
            assert notes.times("STOPPING=1"), notes.got
            print(f"ok: {len(notes.times('WATCHDOG=1'))} pets, none in "
                  f"{resumed - stalled - FLOW_TIMEOUT - 1.5:.1f} s of stopped ffmpeg")

        # SIGTERM finished the segments: every one complete, staging empty
        totals = {}
        for stream in ("raw", "processed"):
            d = os.path.join(data, stream)
            files = sorted(f for f in os.listdir(d) if f.endswith(".wav"))
            assert len(files) >= 5, files
            assert os.listdir(os.path.join(d, ".buffer")) == [], stream
            n = 0
            for f in files:
                path = os.path.join(d, f)
                ir.chunks(path)  # RIFF and data sizes agree with the file
                n += ir.frames(path)
                g = ir.guano(path)
                assert g["Make"].strip() == "Test Make" and g["Serial"].strip() == "T-0001", g
            size = sum(os.path.getsize(os.path.join(d, f)) for f in files)
            totals[stream] = (len(files), n, size)
            promoted = len(re.findall(rf"^ffcapture-recorder: {stream}: ", out, re.M))
            assert promoted == len(files), (stream, promoted, files)

        # the metrics at exit: accepted by promtool, and true to the files
        check = subprocess.run([promtool, "check", "metrics"], stdin=open(prom),
                               capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, (check.stdout, check.stderr)
        values, text = metrics(prom)
        for stream, (n_files, n_frames, size) in totals.items():
            assert values[f'ffcapture_segments_promoted_total{{stream="{stream}"}}'] == n_files
            assert values[f'ffcapture_bytes_written_total{{stream="{stream}"}}'] == size
            assert values[f'ffcapture_last_segment_age_seconds{{stream="{stream}"}}'] < 5
            assert values[f'ffcapture_segments_deleted_total{{stream="{stream}"}}'] == 0
        pushed = values["ffcapture_samples_pushed_total"]
        assert pushed == totals["raw"][1], (pushed, totals)
        assert values["ffcapture_samples_dropped_total"] == 0
        assert values["ffcapture_restarts_total"] == 0
        assert values["ffcapture_free_bytes"] > 0
        assert values['ffcapture_stream_up{branch="icecast"}'] == 0
        assert values['ffcapture_stream_restarts_total{branch="icecast"}'] >= 1
        assert "# TYPE ffcapture_samples_pushed_total counter" in text
        print(f"ok: {totals['raw'][0]} raw and {totals['processed'][0]} processed "
              f"segments, {int(pushed)} samples; promtool accepts the metrics")

        # the summary: header, a line a minute and one at exit, adding up
        sdir = os.path.join(data, "summary")
        lines = []
        for name in sorted(os.listdir(sdir)):
            assert re.fullmatch(r"\d{4}-\d\d-\d\d\.csv", name), name
            with open(os.path.join(sdir, name)) as f:
                content = f.read().splitlines()
            assert content[0] == ("time,samples_captured,samples_dropped,samples_lost,"
                                  "gaps,restarts,free_bytes,temperature_c,drift_ppm"), content
            lines += content[1:]
        assert 1 <= len(lines) <= 3, lines
        fields = [line.split(",") for line in lines]
        assert all(len(f) == 9 for f in fields), lines
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", f[0]) for f in fields)
        assert sum(int(f[1]) for f in fields) == pushed, (lines, pushed)
        assert all(int(f[2]) == 0 and int(f[5]) == 0 and int(f[6]) > 0 for f in fields)
        print(f"ok: summary: {len(lines)} lines adding up to {int(pushed)} samples")


if __name__ == "__main__":
    main()
