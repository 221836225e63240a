#!/usr/bin/env bash
# Builds the Debian package (dpkg-buildpackage -b -us -uc) in a temporary
# copy of the tree, so that neither the source tree nor build/ changes,
# then inspects it: its files (dpkg -c), conffiles and dependencies, and
# lintian, which must report no error.
#
#   bash scripts/package.sh              # build and check; the .deb is removed
#   bash scripts/package.sh --out DIR    # ... and keep the .deb in DIR
#   bash scripts/package.sh --install    # ... and install it (root; apt-get)
#
# Exits 77 (a skip for meson test) when dpkg-buildpackage or lintian is
# missing (scripts/setup.sh installs them).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="" install=""
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --install) install=1; shift ;;
    *) echo "package: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in dpkg-buildpackage lintian fakeroot dh; do
  command -v "$tool" >/dev/null || {
    echo "package: SKIP: $tool is missing (bash scripts/setup.sh installs it)"; exit 77; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/gst-ffcapture"
# the tree as git sees it (tracked and new files, nothing ignored: no build/)
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$top" && git ls-files -z -co --exclude-standard | tar -c --null -T - -f -) \
    | tar -x -C "$work/gst-ffcapture"
else
  tar -c -C "$top" --exclude='./build' --exclude='./build-*' --exclude='./_demo' \
    --exclude='./.git' -f - . | tar -x -C "$work/gst-ffcapture"
fi

echo "package: dpkg-buildpackage -b -us -uc in $work"
(cd "$work/gst-ffcapture" &&
  env -u MESON_TESTTHREADS -u GST_PLUGIN_PATH_1_0 -u GST_REGISTRY_1_0 \
    DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
    dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1) || {
  tail -50 "$work/build.log"; echo "package: dpkg-buildpackage failed"; exit 1; }
deb=$(ls "$work"/gst-ffcapture_*.deb)
changes=$(ls "$work"/gst-ffcapture_*.changes)

fail=0
contents=$(dpkg -c "$deb")
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for path in \
    ./usr/bin/ffcapture-recorder \
    "./usr/lib/$multiarch/gstreamer-1.0/libgstffcapture.so" \
    ./lib/systemd/system/ffcapture-recorder.service \
    ./lib/systemd/system/ffcapture-upload.service \
    ./lib/systemd/system/ffcapture-upload.timer \
    ./usr/share/man/man1/ffcapture-recorder.1.gz \
    ./etc/ffcapture/recorder.conf \
    ./usr/lib/sysusers.d/gst-ffcapture.conf \
    ./usr/share/doc/gst-ffcapture/deployment.md \
    ./usr/share/doc/gst-ffcapture/copyright; do
  grep -qE " ${path//./\\.}(\.gz)?\$" <<<"$contents" || {
    echo "package: missing $path"; fail=1; }
done
dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/ffcapture/recorder.conf "$work/control/conffiles" || {
  echo "package: /etc/ffcapture/recorder.conf is not a conffile"; fail=1; }
depends=$(dpkg-deb -f "$deb" Depends)
for dep in ffmpeg gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
    gstreamer1.0-tools libgstreamer1.0-0 libsystemd0; do
  grep -qw "$dep" <<<"$depends" || { echo "package: does not depend on $dep"; fail=1; }
done
dpkg-deb --fsys-tarfile "$deb" | tar -x -O ./lib/systemd/system/ffcapture-recorder.service \
  | grep -qx 'ExecStart=/usr/bin/ffcapture-recorder --config /etc/ffcapture/recorder.conf' || {
  echo "package: the unit does not run /usr/bin/ffcapture-recorder"; fail=1; }
grep -q systemd-sysusers "$work/control/postinst" || {
  echo "package: postinst does not create the ffcapture user"; fail=1; }

echo "package: lintian"
lintian --fail-on error --tag-display-limit 0 "$changes" || {
  echo "package: lintian reports errors"; fail=1; }

[ "$fail" -eq 0 ] || exit 1
echo "ok: $(basename "$deb"): $(grep -c . <<<"$contents") entries, conffile, depends, lintian without errors"
if [ -n "$out" ]; then
  mkdir -p "$out" && cp "$deb" "$out/" && echo "package: $out/$(basename "$deb")"
fi
if [ -n "$install" ]; then
  cp "$deb" /tmp/ && apt-get install -y "/tmp/$(basename "$deb")"
  echo "package: installed; now edit /etc/ffcapture/recorder.conf and run" \
    "systemctl enable --now ffcapture-recorder"
fi
