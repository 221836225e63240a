#!/usr/bin/python3
"""The main job, as a demo that needs no sound hardware and ends by itself.

The field recorder's triple stream: one capture (ffmpeg's test tone at
384 kHz, paced like a device) feeds a raw stream of WAV segments at the
native rate, a processed stream at 48 kHz, and a live Opus stream to a
local icecast2 started on a loopback port for the demo. It runs the field
recorder program (tools/ffcapture-recorder.c), listens to the stream once,
and says what it captured, where the files are, and how to listen.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import wave

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECONDS = 10
RATE = 384000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_icecast(workdir, port, password):
    os.makedirs(workdir, exist_ok=True)
    os.chmod(workdir, 0o777)     # icecast2 drops root for its own user
    config = os.path.join(workdir, "icecast.xml")
    with open(config, "w") as f:
        f.write(f"""<icecast><location>demo</location><admin>demo@localhost</admin>
<limits><clients>10</clients><sources>2</sources></limits>
<authentication><source-password>{password}</source-password>
<admin-user>admin</admin-user><admin-password>{password}</admin-password></authentication>
<hostname>127.0.0.1</hostname>
<listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
<paths><basedir>/usr/share/icecast2</basedir><logdir>{workdir}</logdir>
<webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
<logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>2</loglevel></logging>
<security><chroot>0</chroot><changeowner><user>icecast2</user><group>icecast</group></changeowner></security>
</icecast>""")
    proc = subprocess.Popen(["icecast2", "-c", config], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    return None


def listen(port):
    try:
        return subprocess.run(
            ["ffprobe", "-v", "error", "-rw_timeout", "3000000", "-show_entries",
             "stream=codec_name,sample_rate", "-of", "csv=p=0",
             f"http://127.0.0.1:{port}/mic.opus"],
            capture_output=True, text=True, timeout=10).stdout.strip()
    except subprocess.TimeoutExpired:
        return ""


def summarize(d):
    files = sorted(f for f in os.listdir(d) if f.endswith(".wav"))
    frames = 0
    for f in files:
        with wave.open(os.path.join(d, f)) as w:
            frames += w.getnframes()
            rate = w.getframerate()
    return files, frames, rate if files else 0


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "_demo"))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    os.chmod(out, 0o755)
    recorder = os.path.join(TOP, "build", "tools", "ffcapture-recorder")
    port, password = free_port(), "demo-source"

    ice = start_icecast(os.path.join(out, "icecast"), port, password)
    # --config /dev/null: an installed /etc/ffcapture/recorder.conf stays out
    cmd = [recorder, "--config", "/dev/null", "--data-dir", os.path.join(out, "recording"), "--mock",
           "--rate", str(RATE), "--segment-seconds", "2", "--seconds", str(SECONDS)]
    if ice:
        cmd += ["--icecast", f"127.0.0.1:{port}", "--password", password,
                "--mount", "/mic.opus"]
        print(f"demo: icecast2 on http://127.0.0.1:{port}/ for the live stream")
    else:
        print("demo: icecast2 did not start; recording without the live stream")
    print(f"demo: recording {SECONDS} s of a 1 kHz test tone at {RATE} Hz "
          "(ffmpeg's lavfi source, paced like a device)…", flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    heard = ""
    if ice:
        time.sleep(4)
        heard = listen(port)
        print(f"demo: a listener at http://127.0.0.1:{port}/mic.opus hears: "
              f"{heard or 'nothing'}", flush=True)
    log, _ = proc.communicate(timeout=SECONDS + 60)
    if ice:
        ice.terminate()
        ice.wait(10)
    with open(os.path.join(out, "recorder.log"), "w") as f:
        f.write(log)

    raw_files, raw_frames, raw_rate = summarize(os.path.join(out, "recording", "raw"))
    proc_files, proc_frames, proc_rate = summarize(os.path.join(out, "recording", "processed"))
    print(f"demo: raw:       {len(raw_files)} WAV segments, {raw_frames} frames at "
          f"{raw_rate} Hz ({raw_frames / max(raw_rate, 1):.3f} s) in {out}/recording/raw")
    print(f"demo: processed: {len(proc_files)} WAV segments, {proc_frames} frames at "
          f"{proc_rate} Hz ({proc_frames / max(proc_rate, 1):.3f} s) in "
          f"{out}/recording/processed")
    print(f"demo: the recorder's log (every promoted segment): {out}/recorder.log")
    print("demo: to listen live in your own runs: start icecast2 and add "
          "--icecast HOST:PORT to build/tools/ffcapture-recorder, then "
          "ffplay http://HOST:PORT/mic.opus")
    ok = (proc.returncode == 0 and raw_files and proc_files
          and abs(proc_frames - raw_frames // 8) < 64 and (not ice or "opus" in heard))
    print("demo: OK" if ok else f"demo: FAILED (exit {proc.returncode})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
