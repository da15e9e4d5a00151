#!/usr/bin/env bash
# Regenerates the C# FlatBuffers classes for the TFLite model format from tflite_schema.fbs.
# Needs Debian's flatc 2.0.8 (apt-get install flatbuffers-compiler). See README.md for why each step exists.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# flatc 2.0.8 does not accept the (deprecated) attribute on enum values; drop it (the values stay).
sed -e 's/^  REDUCE_WINDOW = 205 (deprecated),/  REDUCE_WINDOW = 205,/' \
    -e 's/^  ReduceWindowOptions (deprecated),/  ReduceWindowOptions,/' \
    -e 's/^namespace tflite;/namespace Dipper.Tpu.Schema;/' \
    tflite_schema.fbs > "$tmp/schema.fbs"
flatc --csharp --gen-object-api -o "$tmp/out" "$tmp/schema.fbs"
find . -maxdepth 1 -name '*.cs' ! -name 'FlatBufferConstants.cs' -delete
for f in "$tmp"/out/Dipper/Tpu/Schema/*.cs; do
  # The NuGet runtime (Google.FlatBuffers 25.x) lives in namespace Google.FlatBuffers, not FlatBuffers.
  # The generated files carry no doc comments; silence the project's warnings for them only.
  sed -e 's/global::FlatBuffers/global::Google.FlatBuffers/g' \
      -e 's/(FlatBuffers\.FlatBufferBuilder /(global::Google.FlatBuffers.FlatBufferBuilder /g' \
      -e '0,/^\/\/ <\/auto-generated>$/s//\/\/ <\/auto-generated>\n#pragma warning disable/' \
      "$f" > "$(basename "$f")"
done
echo "generated $(ls ./*.cs | grep -vc FlatBufferConstants.cs) files"
