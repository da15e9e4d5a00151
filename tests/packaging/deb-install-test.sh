#!/usr/bin/env bash
# Builds the Dipper .deb packages for amd64 and arm64, installs the amd64 ones into a throw-away root
# and runs them from there; checks the arm64 natives are aarch64. Called by .ci/run.
#
# Install method: `dpkg --root=ROOT --force-script-chrootless`. dpkg then runs the maintainer
# scripts on the host with DPKG_ROOT=ROOT instead of chrooting into an empty root that has no
# /bin/sh; our postinst/prerm/postrm honour DPKG_ROOT (systemd-sysusers/tmpfiles --root,
# systemctl --root), so the user, folders and the enabled unit are really created in ROOT and the
# scripts are exercised, not skipped. --force-depends: ROOT has no libc6 etc. in its dpkg database;
# the self-contained binaries run on the host's libraries.
# With DIPPER_DEBS set (a folder; .ci/run makes a fresh one per run) the packages built here are copied there,
# so the arm64 smoke test installs this run's arm64 package instead of building it a second time.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
debs="$work/debs"
root="$work/root"
passed=0 failed=0

ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1" >&2; failed=$((failed + 1)); }
check() { # description command...
    local what="$1"; shift
    if "$@" >"$work/out" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/    /' "$work/out" >&2; fi
}

start=$(date +%s)
bash "$repo/packaging/build-deb.sh" --arch amd64 --out "$debs" --compression zstd >"$work/build-amd64.log" 2>&1 \
    || { cat "$work/build-amd64.log" >&2; echo "amd64 build failed" >&2; exit 1; }
ok "amd64 packages built in $(( $(date +%s) - start )) s"

dpkg_root() { dpkg --root="$root" --force-depends --force-not-root --force-script-chrootless \
    --force-confdef --force-confold "$@"; }
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
touch "$root/var/lib/dpkg/status"
check "dipperd and dipper install into a throw-away root" \
    dpkg_root -i "$debs/dipperd_0.1.0_amd64.deb" "$debs/dipper_0.1.0_amd64.deb"

check "postinst created the dipper user" grep -q '^dipper:' "$root/etc/passwd"
check "dipper is in plugdev and gpio" bash -c "grep -q '^plugdev:.*dipper' '$root/etc/group' && grep -q '^gpio:.*dipper' '$root/etc/group'"
check "postinst enabled the unit" test -L "$root/etc/systemd/system/multi-user.target.wants/dipperd.service"
check "the default model is active" test "$(readlink "$root/var/lib/dipper/models/active")" = /usr/lib/dipper/models/sbonito
check "the configuration is a conffile" grep -qx /etc/dipper/dipperd.json "$root/var/lib/dpkg/info/dipperd.conffiles"
check "udev rules cover both Coral USB ids" bash -c "grep -q 1a6e.*089a '$root/usr/lib/udev/rules.d/99-dipper-coral.rules' && grep -q 18d1.*9302 '$root/usr/lib/udev/rules.d/99-dipper-coral.rules'"
check "the TFLite C library is installed beside dipperd" test -f "$root/usr/lib/dipper/dipperd/libtensorflowlite_c.so"
check "no Windows ONNX Runtime DLL is shipped" bash -c "! find '$root/usr/lib/dipper' -name 'onnxruntime*.dll' | grep -q ."
# libtorch (476 MB) trains on the host only: never on the appliance, and left out of the dipper package.
check "neither package carries libtorch" bash -c "! find '$root/usr/lib/dipper' -name 'libtorch*' -o -name 'libLibTorchSharp*' | grep -q ."
check "installed dipperd runs" "$root/usr/bin/dipperd" --help
check "installed dipper runs" "$root/usr/bin/dipper" --help

# The installed dipperd validates the installed model with its own ONNX Runtime, then activates it.
check "installed dipperd validates and activates the shipped model" \
    "$root/usr/bin/dipperd" activate-model "$root/usr/lib/dipper/models/sbonito" \
    --models-root "$root/var/lib/dipper/models" --reload never
check "active now points at a versioned copy" bash -c "readlink '$root/var/lib/dipper/models/active' | grep -q '^sbonito_80_bb_swish-'"

sample="$repo/tests/data/r94-ecoli"
if "$root/usr/bin/dipper" reads "$sample" | sort >"$work/reads.tsv" && diff -q "$work/reads.tsv" "$sample/expected.tsv" >/dev/null; then
    ok "installed dipper reads the sample FAST5 reads exactly"
else
    not_ok "installed dipper reads the sample FAST5 reads exactly"
fi
read=$(ls "$sample"/*.fast5 | head -1)
check "installed dipperd base calls a sample read with the installed default model" bash -c \
    "'$root/usr/bin/dipperd' basecall '$read' --model '$root/usr/lib/dipper/models/sbonito' --output '$work/calls.fastq' && grep -q '^@' '$work/calls.fastq'"

# Upgrade (reinstall): a locally edited configuration survives.
echo '{ "edited": true }' >"$root/etc/dipper/dipperd.json"
check "reinstalling keeps the edited configuration" bash -c \
    "dpkg --root='$root' --force-depends --force-not-root --force-script-chrootless --force-confdef --force-confold -i '$debs/dipperd_0.1.0_amd64.deb' && grep -q edited '$root/etc/dipper/dipperd.json'"

check "dipperd removes cleanly" dpkg_root -r dipperd
check "remove disabled the unit" test ! -e "$root/etc/systemd/system/multi-user.target.wants/dipperd.service"
check "remove kept the models and state (user data)" test -d "$root/var/lib/dipper/models"
check "remove kept the edited configuration" grep -q edited "$root/etc/dipper/dipperd.json"

start=$(date +%s)
bash "$repo/packaging/build-deb.sh" --arch arm64 --out "$debs" --compression zstd >"$work/build-arm64.log" 2>&1 \
    || { cat "$work/build-arm64.log" >&2; echo "arm64 build failed" >&2; exit 1; }
ok "arm64 packages built in $(( $(date +%s) - start )) s"
dpkg-deb -x "$debs/dipperd_0.1.0_arm64.deb" "$work/arm64"
machine() { od -An -t u2 -j 18 -N 2 "$1" | tr -d ' '; } # ELF e_machine: 183 = AArch64
for f in dipperd libonnxruntime.so libtensorflowlite_c.so libcoreclr.so; do
    check "arm64 $f is an AArch64 ELF file" test "$(machine "$work/arm64/usr/lib/dipper/dipperd/$f")" = 183
done
check "arm64 package declares arm64" test "$(dpkg-deb -f "$debs/dipperd_0.1.0_arm64.deb" Architecture)" = arm64

for deb in "$debs"/*.deb; do echo "# $(basename "$deb"): $(stat -c %s "$deb") bytes (zstd)"; done
if [ -n "${DIPPER_DEBS:-}" ]; then mkdir -p "$DIPPER_DEBS" && cp "$debs"/*.deb "$DIPPER_DEBS/"; fi
echo "deb-install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
