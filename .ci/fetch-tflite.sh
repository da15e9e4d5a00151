#!/usr/bin/env bash
# Puts libtensorflowlite_c.so (TF 2.9.0) from the npm package tfjs-tflite-node@0.0.2 into .native/<rid>/.
# No NuGet or Debian package carries the TFLite C library; this npm package ships prebuilt ones.
# The test build runs this itself (tests/Directory.Build.targets) when the library is missing, from
# several test projects at once: a lock serialises them, and each file appears whole (copy, then rename).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.native
have() { [ -f "$dest/linux-x64/libtensorflowlite_c.so" ] && [ -f "$dest/linux-arm64/libtensorflowlite_c.so" ]; }
have && exit 0
if ! command -v npm >/dev/null; then
  echo "fetch-tflite: npm is needed to fetch the TFLite C library (Debian: apt-get install npm)" >&2
  exit 1
fi
mkdir -p "$dest/linux-x64" "$dest/linux-arm64"
exec 9>"$dest/.fetch.lock"
flock 9
have && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent tfjs-tflite-node@0.0.2 >/dev/null && tar xzf tfjs-tflite-node-0.0.2.tgz)
for pair in linux-x64:linux_amd64 linux-arm64:linux_arm64; do
  rid=${pair%%:*} npmdir=${pair#*:}
  src="$tmp/package/cc_deps/$npmdir/libtensorflowlite_c.so"
  [ -f "$src" ] || continue
  cp "$src" "$dest/$rid/.libtensorflowlite_c.so.tmp"
  mv "$dest/$rid/.libtensorflowlite_c.so.tmp" "$dest/$rid/libtensorflowlite_c.so"
done
echo "libtensorflowlite_c.so in $dest/"
