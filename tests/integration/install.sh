#!/usr/bin/env bash
# `meson install` puts the plugin into GStreamer's own plugin directory, where
# gst-inspect-1.0 finds it with no environment variable. Checked in a DESTDIR
# so the test leaves the system alone; only the system path is searched.
set -euo pipefail
build=${FFC_BUILD_ROOT:?}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

pluginsdir=$(pkg-config --variable=pluginsdir gstreamer-1.0)
meson install -C "$build" --no-rebuild --destdir "$dest" --quiet >/dev/null
test -f "$dest$pluginsdir/libgstffcapture.so" || {
  echo "not installed into $pluginsdir"; exit 1; }

out=$(env -u GST_PLUGIN_PATH -u GST_PLUGIN_PATH_1_0 \
  GST_PLUGIN_SYSTEM_PATH_1_0="$dest$pluginsdir" \
  GST_REGISTRY_1_0="$dest/registry.bin" gst-inspect-1.0 ffmpegsrc)
grep -q "Filename.*$dest$pluginsdir/libgstffcapture.so" <<<"$out" || {
  echo "gst-inspect-1.0 did not find the installed plugin:"; echo "$out"; exit 1; }
echo "ok: installed to $pluginsdir and found by gst-inspect-1.0"
