"""The recorder as installed: `meson install --destdir` into a temporary
directory, and the recorder run from that layout, the plugin loaded from
the installed plugin directory inside it. Shared by test_recorder.py and
test_upload.py."""
import json
import os
import socket
import struct
import subprocess
import tempfile
import wave

BUILD = os.environ["FFC_BUILD_ROOT"]


def pkg_var(name):
    return subprocess.run(["pkg-config", f"--variable={name}", "gstreamer-1.0"],
                          capture_output=True, text=True, check=True).stdout.strip()


class Installed:
    """meson install into dest; paths of what was installed."""

    def __init__(self, dest):
        self.dest = dest
        subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild",
                        "--destdir", dest, "--quiet"], check=True,
                       stdout=subprocess.DEVNULL, timeout=120)
        opts = subprocess.run(["meson", "introspect", "--buildoptions", BUILD],
                              capture_output=True, text=True, check=True).stdout
        o = {x["name"]: x["value"] for x in json.loads(opts)}
        self.prefix = o["prefix"]

        def inside(path):  # an installed path, inside dest
            if not os.path.isabs(path):
                path = os.path.join(self.prefix, path)
            return dest + path
        self.bindir = inside(o["bindir"])
        self.recorder = os.path.join(self.bindir, "ffcapture-recorder")
        self.man = os.path.join(inside(o["mandir"]), "man1", "ffcapture-recorder.1")
        self.conf = os.path.join(inside(o["sysconfdir"]), "ffcapture", "recorder.conf")
        self.unitdir = inside(o["systemdsystemunitdir"] or "lib/systemd/system")
        self.plugindir = inside(o["plugindir"] or pkg_var("pluginsdir"))
        self.env = dict(os.environ)
        for k in ("GST_PLUGIN_PATH", "GST_PLUGIN_PATH_1_0"):
            self.env.pop(k, None)
        self.env["GST_PLUGIN_PATH_1_0"] = self.plugindir
        self.env["GST_REGISTRY_1_0"] = os.path.join(dest, "registry.bin")
        for k in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
            self.env.pop(k, None)

    def unit(self, name):
        return os.path.join(self.unitdir, name)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def mock_config(tmp, data, seconds=2, recorder="", capture=""):
    """A configuration with a mock source by the device keys: lavfi's sine,
    paced like a device (-re)."""
    return write(os.path.join(tmp, "recorder.conf"), f"""\
[recorder]
data-dir={data}
{recorder}
[capture]
input-format=lavfi
device=sine=frequency=1000:sample_rate=48000
input-options=-re
rate=48000
processed-rate=16000
{capture}
[segments]
segment-seconds={seconds}
[station]
make=Test Make
serial=T-0001
position=52.5186,13.3761
""")


def chunks(path):
    """{id: body} of a RIFF file, up to data."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", path
    assert struct.unpack("<I", data[4:8])[0] + 8 == len(data), "RIFF size"
    out, pos = {}, 12
    while pos + 8 <= len(data):
        cid = data[pos:pos + 4].decode("ascii")
        size = struct.unpack("<I", data[pos + 4:pos + 8])[0]
        out[cid] = data[pos + 8:pos + 8 + size]
        if cid == "data":
            assert pos + 8 + size == len(data), (path, "data size")
            break
        pos += 8 + size + (size & 1)
    return out


def frames(path):
    with wave.open(path) as w:
        return w.getnframes()


def guano(path):
    text = chunks(path)["guan"].decode("utf-8").rstrip("\0")
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ffmpeg_children(ppid):
    """The ffmpeg processes whose parent is ppid (only ours)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if int(fields[1]) == ppid and comm == "ffmpeg":
            pids.append(int(entry))
    return pids


def tmpdir():
    return tempfile.TemporaryDirectory(prefix="ffc-recorder-")
