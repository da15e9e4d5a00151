#!/usr/bin/env bash
# Puts libtensorflowlite_c.so (TF 2.9.0) from the npm package tfjs-tflite-node@0.0.2 into .native/<rid>/.
# No NuGet or Debian package carries the TFLite C library; this npm package ships prebuilt ones.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.native
if [ -f "$dest/linux-x64/libtensorflowlite_c.so" ] && [ -f "$dest/linux-arm64/libtensorflowlite_c.so" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent tfjs-tflite-node@0.0.2 >/dev/null && tar xzf tfjs-tflite-node-0.0.2.tgz)
mkdir -p "$dest/linux-x64" "$dest/linux-arm64"
cp "$tmp/package/cc_deps/linux_amd64/libtensorflowlite_c.so" "$dest/linux-x64/"
if [ -f "$tmp/package/cc_deps/linux_arm64/libtensorflowlite_c.so" ]; then
  cp "$tmp/package/cc_deps/linux_arm64/libtensorflowlite_c.so" "$dest/linux-arm64/"
fi
echo "libtensorflowlite_c.so in $dest/"
