#!/bin/sh
# A stand-in for ffmpeg, for tests/check/ffmpegsrc.c: a device that fails.
# Whatever the arguments, it writes 0.5 s of silence as 48 kHz mono S16LE
# (48000 bytes, in 50 ms pieces at about real time), prints an error line as
# ffmpeg would and exits 1.
for i in 1 2 3 4 5 6 7 8 9 10; do
  head -c 4800 /dev/zero
  sleep 0.05
done
echo "[alsa @ 0x55d0c1a2e900] [error] ALSA read error: Input/output error" >&2
exit 1
