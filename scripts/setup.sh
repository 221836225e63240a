#!/usr/bin/env bash
# Installs what gst-ffcapture needs (Debian 12 packages) when it is missing,
# then configures and builds the project in ./build.
# Sourced or run by the README's commands; safe to run again.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Build, test and demo dependencies, all from Debian 12.
packages=(
  build-essential meson ninja-build pkg-config
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  ffmpeg alsa-utils libasound2-plugins sox
  python3 python3-gi python3-gst-1.0 gir1.2-gstreamer-1.0
  procps
  clang libclang-rt-14-dev valgrind
  icecast2
  libsystemd-dev # ffcapture-recorder: sd_notify READY=1 and the watchdog
  prometheus # promtool checks the recorder's metrics and the alert rules
  rclone # the upload recipe and its end-to-end test (rclone serve webdav)
  debhelper # building the Debian package (tests/package.sh)
  dpkg-dev # dpkg-buildpackage
  fakeroot # dpkg-buildpackage -b as a user
  lintian # checks the built package
  libflac-dev flac # FLAC segments: libFLAC, and flac/metaflac in the tests
  libnova-dev # schedulegate: sunrise, sunset and twilight
)
${FFC_EXTRA_PACKAGES:+packages+=($FFC_EXTRA_PACKAGES)}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to apt-get install the packages above" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cd "$top"
if [ ! -f build/build.ninja ]; then
  meson setup build "$@"
fi
ninja -C build
