#!/usr/bin/env bash
# arm64 smoke test of the appliance: the arm64 dipperd .deb installed into a libraries-only Debian bookworm
# arm64 root and run there under qemu-user, next to the x86-64 build of the same checkout. Called by .ci/run.
#
#   1. builds dipperd_*_arm64.deb (packaging/build-deb.sh) and installs it into the root with dpkg;
#   2. `dipperd devices` lists the engines with their library versions;
#   3. `dipperd basecall --engine onnx` on 3 sample reads (tests/data/r94-ecoli) must give the x86-64 build's
#      reads exactly: bases and qualities, matched by read id;
#   4. `dipperd basecall --engine tflite` with the bundled int8 model: how far it differs from x86-64's
#      (edit distance per read) is reported, not judged (docs/arm64-int8.md says why they differ);
#   5. `dipperd run` as the dipper user with the installed configuration: its status page answers on
#      127.0.0.1, and a file dropped into the watched folder becomes one FASTQ.gz; SIGTERM stops it cleanly.
#
# The root: `mmdebstrap --variant=extract` of exactly the packages the .deb's Depends names (first
# alternatives), so a native library dipperd needs but does not declare is missing here as on a board.
# Its tarball is cached in $DIPPER_CI_CACHE (default /var/cache/dipper-ci), keyed by that package list;
# the cache holds Debian's packages only: every run unpacks a fresh root and installs our .deb into it.
# dpkg runs with --force-depends because extracted packages are not in the root's dpkg database, and with
# --force-script-chrootless (the maintainer scripts run on the host against DPKG_ROOT; the root has no shell).
#
# Emulation: qemu-aarch64-static is copied into the root and named explicitly inside `chroot`, so no
# binfmt_misc registration is needed (it cannot be mounted in every CI container). /proc and /sys are
# bind-mounted in a private mount namespace (unshare), gone when the command ends (with an arm64 /proc/cpuinfo
# over the host's: see where the root is made ready); without /proc CoreCLR
# fails with HRESULT 0x8007000E. QEMU_CPU must be a CPU without SVE (cortex-a72 = Pi 4, cortex-a76 = Pi 5,
# like the boards): qemu's default `max` has 512-bit SVE2, on which .NET dies with an illegal instruction.
#
# Times printed as "ci-cost" are what this script costs CI (budget: 6 minutes); under emulation they say
# nothing about the appliance's speed. To stay within it: the x86-64 build runs while the arm64 package builds,
# the x86-64 base calls while the emulated ones run, the service starts while the emulated base calls run, and
# the int8 TFLite comparison (reported, not judged) calls one read, not three. DIPPER_DEBS names a folder holding
# the dipperd arm64 .deb this CI run already built from this checkout (.ci/run: deb-install-test.sh builds it);
# without it the package is built here. Needs root (mounts, chroot), Debian qemu-user-static and mmdebstrap,
# the .NET SDK and dpkg-deb; systemd's sysusers/tmpfiles for the postinst, as the .deb test.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
export QEMU_CPU="${QEMU_CPU:-cortex-a72}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cache="${DIPPER_CI_CACHE:-/var/cache/dipper-ci}"
suite=bookworm
reads_dir="$repo/tests/data/r94-ecoli"
# Three of the bundled reads (the smallest: emulation is slow), named so the same three are always called;
# the service is given the smallest of them.
reads=(ch158_read5484 ch170_read4483 ch174_read3654)
service_read=ch170_read4483
# The int8 TFLite engine's difference from x86-64 is reported only (docs/arm64-int8.md): one read shows it.
tflite_read=ch170_read4483

work="$(mktemp -d)"
root="$work/root"
service_pid=""
cleanup() {
    if [ -n "$service_pid" ] && kill -0 "$service_pid" 2>/dev/null; then kill -KILL "$service_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1" >&2; failed=$((failed + 1)); }
fail() { echo "arm64-smoke: $1" >&2; exit 1; }

# CPU seconds of the finished child processes: on a shared machine the wall time says more about the neighbours.
# `times` runs in this shell (a builtin redirected to a file does not fork; in $(...) it would see a subshell).
cpu_seconds() {
    times >"$work/times"
    awk 'NR == 2 { for (i = 1; i <= 2; i++) { f = $i; sub(/s$/, "", f); split(f, p, "m"); t += p[1] * 60 + p[2] } } END { printf "%d", t }' "$work/times"
}
script_start=$(date +%s)
phase_start=$script_start
phase_cpu=0
cost() { # phase: prints what the phase just finished cost CI
    local now cpu; now=$(date +%s); cpu_seconds >"$work/cpu"; cpu=$(cat "$work/cpu")
    echo "# ci-cost: $1: $((now - phase_start)) s wall, $((cpu - phase_cpu)) CPU-s"
    phase_start=$now phase_cpu=$cpu
}

[ "$(id -u)" -eq 0 ] || fail "needs root (bind mounts and chroot into the emulated root)"
for tool in chroot:coreutils qemu-aarch64-static:qemu-user-static mmdebstrap:mmdebstrap dpkg-deb:dpkg unshare:util-linux dotnet:dotnet-sdk-10.0; do
    command -v "${tool%%:*}" >/dev/null || fail "${tool%%:*} not found (Debian: apt-get install ${tool#*:})"
done
case "$QEMU_CPU" in max|*sve*|a64fx|neoverse-v1|neoverse-n2) fail "QEMU_CPU=$QEMU_CPU has SVE, on which .NET dies; use cortex-a72 or cortex-a76" ;; esac

# ---- the arm64 package, and meanwhile the x86-64 build to compare with and the comparison tool ----
# The x86-64 build writes the checkout's bin/ and obj/; build-deb.sh publishes through an artifacts folder of its
# own, so the two do not share outputs. After `dotnet test Dipper.slnx` (.ci/run) this build has nothing to do.
x64_build() {
    dotnet build "$repo/src/Device" -c Release -v:q -nologo >"$work/build-x64.log" 2>&1 \
        && dotnet build "$repo/tests/packaging/CallComparison" -c Release -v:q -nologo >>"$work/build-x64.log" 2>&1
}
x64_build & x64_build_pid=$!
prebuilt="" deb_source=built
[ -z "${DIPPER_DEBS:-}" ] || prebuilt="$(ls "$DIPPER_DEBS"/dipperd_*_arm64.deb 2>/dev/null | head -1)"
if [ -n "$prebuilt" ]; then
    deb="$prebuilt" deb_source=taken
    echo "# arm64 .deb: $deb (built by this CI run from this checkout)"
else
    bash "$repo/packaging/build-deb.sh" --arch arm64 --only dipperd --out "$work/debs" --compression zstd \
        >"$work/build-arm64.log" 2>&1 || { cat "$work/build-arm64.log" >&2; fail "the arm64 package did not build"; }
    deb="$(ls "$work"/debs/dipperd_*_arm64.deb)"
fi
wait "$x64_build_pid" || { cat "$work/build-x64.log" >&2; fail "the x86-64 dipperd or CallComparison did not build"; }
x64_dipperd="$repo/src/Device/bin/Release/net10.0/dipperd"
compare() { dotnet "$repo/tests/packaging/CallComparison/bin/Release/net10.0/CallComparison.dll" "$@"; }
cost "arm64 .deb $deb_source, x86-64 dipperd and CallComparison built"

# ---- the emulated root: Debian's arm64 libraries that the package depends on, cached ----
# "libc6 (>= 2.28), libssl3 | libssl3t64, ..." -> "libc6 libssl3 ...": bookworm has the first alternatives.
packages="$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g' | grep . | sort -u | tr '\n' ' ')"
key="$(printf '%s\n' "$suite" arm64 extract "$packages" | sha256sum | cut -c1-16)"
tarball="$cache/arm64-$suite-$key.tar"
if [ -f "$tarball" ]; then
    echo "# root: cached $tarball ($packages; made $(date -u -r "$tarball" +%F))"
else
    mkdir -p "$cache"
    # Written beside the cache entry and renamed: an interrupted run leaves no half root under the key.
    partial="$cache/.arm64-$suite-$key.$$.tar"
    mmdebstrap --quiet --format=tar --arch=arm64 --variant=extract --include="${packages// /,}" "$suite" "$partial" \
        >"$work/mmdebstrap.log" 2>&1 || { cat "$work/mmdebstrap.log" >&2; rm -f "$partial"; fail "mmdebstrap failed"; }
    mv "$partial" "$tarball"
    echo "# root: made $tarball ($packages)"
fi
mkdir -p "$root"
tar -C "$root" -xf "$tarball"
cost "root ready"

mkdir -p "$root/var/lib/dpkg/updates"
if dpkg --root="$root" --force-depends --force-script-chrootless --force-confdef --force-confold -i "$deb" >"$work/dpkg.log" 2>&1; then
    ok "the arm64 dipperd package installs into the arm64 root"
else
    cat "$work/dpkg.log" >&2; fail "dpkg could not install $deb"
fi
cp /usr/bin/qemu-aarch64-static "$root/qemu-aarch64-static"
mkdir -p "$root/proc" "$root/sys" "$root/tmp" "$root/data"
# /proc/cpuinfo as the board shows it. Bookworm's qemu-user (7.2) passes the host's x86 /proc/cpuinfo through to an
# aarch64 program, and ONNX Runtime's CPU detection, which parses it as an arm64 one, died of SIGSEGV on an AMD EPYC
# host's (2026-12-06: `devices` and the ONNX Runtime base calls crashed, TFLite's ran). The emulated programs see
# instead an arm64 cpuinfo of the emulated core, one entry per host processor, with the board's Features line:
# implementer 0x41 (Arm), part 0xd08 (Cortex-A72, a Pi 4) or 0xd0b (Cortex-A76, a Pi 5). The instruction set the
# programs may use still comes from qemu's auxiliary vector (HWCAP), as on a board.
case "$QEMU_CPU" in
    cortex-a76) cpu_part=0xd0b cpu_features="fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp" ;;
    *) cpu_part=0xd08 cpu_features="fp asimd evtstrm crc32 cpuid" ;;
esac
for ((i = 0; i < $(nproc); i++)); do
    printf 'processor\t: %d\nBogoMIPS\t: 108.00\nFeatures\t: %s\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: %s\nCPU revision\t: 3\n\n' \
        "$i" "$cpu_features" "$cpu_part"
done >"$work/cpuinfo"

# The command line that runs an arm64 program of the root, emulated, in `emulation` (extra VAR=value words
# first set its environment, which is otherwise clean), as the user in CHROOT_USER (--userspec=UID:GID) or
# root. env and chroot are the host's (the root has no shell and no env); the environment survives chroot's
# exec of qemu. unshare, sh, env and chroot each exec the next: the emulated program keeps unshare's pid.
# DOTNET_EnableWriteXorExecute=0, for the emulation only (a board keeps .NET's default): with W^X the runtime writes
# code through a second, writable mapping of the memory it runs it from, and qemu-user, which notices code changing
# only through writes to the executed addresses, can go on running its stale translation of the old bytes. Measured
# here (2026-12-07): with an ONNX model handed to ONNX Runtime as bytes instead of a path, the emulated
# `dipperd basecall --engine onnx` died with an illegal instruction in a reflection stub .NET had just generated, 2
# runs of 2 (as on 2026-12-07 in CI); with W^X off it passed, 2 of 2 (dotnet/runtime#94909 is the same under x86-64
# emulation).
CHROOT_USER=()
emulation=()
emulation() {
    local env=(HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 QEMU_CPU="$QEMU_CPU" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_EnableWriteXorExecute=0)
    while [[ $# -gt 0 && "$1" == *=* ]]; do env+=("$1"); shift; done
    emulation=(unshare --mount --propagation private sh -c
        'mount --bind /proc "$1/proc" && mount --bind /sys "$1/sys" && mount --bind "$2" "$1/proc/cpuinfo" && shift 2 && exec "$@"'
        sh "$root" "$work/cpuinfo" env -i "${env[@]}" "$(command -v chroot)" "${CHROOT_USER[@]}" "$root" /qemu-aarch64-static "$@")
}
emulated() { emulation "$@"; "${emulation[@]}"; }
cost "installed"

# ---- dipperd devices ----
if emulated /usr/bin/dipperd devices >"$work/devices.txt" 2>&1; then ok "emulated dipperd devices runs"; else not_ok "emulated dipperd devices runs"; fi
sed 's/^/    /' "$work/devices.txt"
for engine in onnx tflite; do
    if grep -Eq "^  $engine +available +.*[0-9]+\.[0-9]+" "$work/devices.txt"; then
        ok "devices lists the $engine engine as available with its library version"
    else
        not_ok "devices lists the $engine engine as available with its library version"
    fi
done
# The calls below are compared across architectures: first, both sides must run the same library releases.
versions() { grep -Eo '^  (onnx|tflite) +available +.*' "$1" | sed -E 's/ +/ /g'; }
DIPPER_TFLITE_LIB="$repo/.native/linux-x64/libtensorflowlite_c.so" "$x64_dipperd" devices >"$work/devices-x64.txt" 2>&1 || true
if [ -n "$(versions "$work/devices.txt")" ] && [ "$(versions "$work/devices.txt")" = "$(versions "$work/devices-x64.txt")" ]; then
    ok "arm64 and x86-64 run the same ONNX Runtime and TFLite releases"
else
    not_ok "arm64 and x86-64 run the same ONNX Runtime and TFLite releases"; versions "$work/devices-x64.txt" | sed 's/^/    x86-64: /' >&2
fi
cost "devices"

# ---- the service, started now: its emulated start-up overlaps the base calls below ----
# As on the board: the dipper user, the installed configuration and model link, the package's folders.
uid="$(awk -F: '$1 == "dipper" { print $3 ":" $4 }' "$root/etc/passwd")"
[ -n "$uid" ] || fail "the postinst created no dipper user in the root"
chown "$uid" "$root/data"
CHROOT_USER=(--userspec="$uid")
# Greedy decoding and one worker: this checks the service's plumbing; the numerics are checked by the base calls.
emulation HOME=/var/lib/dipper /usr/bin/dipperd run --input /data --status-port 0 --threads 1 --greedy \
    --Service:StabilityDelay=00:00:01 --Service:RescanInterval=00:00:02 --Service:StopTimeout=00:00:20 \
    --Thermal:Enabled=false
CHROOT_USER=()
"${emulation[@]}" >"$work/service.log" 2>&1 &
service_pid=$!

# ---- base calling: arm64 (emulated) against x86-64, same reads, model and options ----
copy_reads() { # folder read...
    local folder="$1" r f; shift
    mkdir -p "$folder"
    for r in "$@"; do f=("$reads_dir"/*_"${r}"_strand.fast5); cp "${f[0]}" "$folder/"; done
}
copy_reads "$root/tmp/reads" "${reads[@]}"
copy_reads "$work/reads" "${reads[@]}"
copy_reads "$root/tmp/tflite-reads" "$tflite_read"
copy_reads "$work/tflite-reads" "$tflite_read"
model=/usr/lib/dipper/models/sbonito
call_options=(--threads 2)

# The x86-64 calls run in the background while the emulated ones run.
x64_call() { # engine folder
    DIPPER_TFLITE_LIB="$repo/.native/linux-x64/libtensorflowlite_c.so" "$x64_dipperd" basecall "$2" \
        --model "$repo/models/sbonito" --engine "$1" "${call_options[@]}" -o "$work/x64-$1.fastq" \
        >"$work/x64-$1.log" 2>&1 || { cat "$work/x64-$1.log"; echo "x86-64 dipperd basecall --engine $1 failed"; return 1; }
}
(x64_call onnx "$work/reads" && x64_call tflite "$work/tflite-reads") >"$work/x64-calls.log" 2>&1 &
x64_calls_pid=$!
arm64_call() { # engine folder
    if emulated /usr/bin/dipperd basecall "$2" --model "$model" --engine "$1" "${call_options[@]}" \
        -o "/tmp/arm64-$1.fastq" >"$work/arm64-$1.log" 2>&1; then
        ok "emulated dipperd basecall --engine $1 runs"
    else
        not_ok "emulated dipperd basecall --engine $1 runs"; sed 's/^/    /' "$work/arm64-$1.log" >&2
    fi
    cost "arm64 basecall $1 (emulated) on $(ls "$root$2" | wc -l) reads"
}
arm64_call onnx /tmp/reads
arm64_call tflite /tmp/tflite-reads
wait "$x64_calls_pid" || { cat "$work/x64-calls.log" >&2; fail "the x86-64 base calls failed"; }
cost "x86-64 base calls (after the emulated ones)"

if compare --exact "$work/x64-onnx.fastq" "$root/tmp/arm64-onnx.fastq" >"$work/onnx-compare.txt" 2>&1; then
    ok "ONNX Runtime: arm64 reads equal the x86-64 reads (bases and qualities, by read id)"
else
    not_ok "ONNX Runtime: arm64 reads equal the x86-64 reads (bases and qualities, by read id)"
fi
sed 's/^/    /' "$work/onnx-compare.txt"

# Reported, not judged: the int8 kernels of TFLite's arm64 and x86-64 builds round differently (docs/arm64-int8.md).
# The same read must come out, though.
if compare --distance "$work/x64-tflite.fastq" "$root/tmp/arm64-tflite.fastq" >"$work/tflite-compare.txt" 2>&1; then
    ok "TFLite int8: arm64 calls the same reads as x86-64 (their difference follows)"
else
    not_ok "TFLite int8: arm64 calls the same reads as x86-64 (their difference follows)"
fi
sed 's/^/    /' "$work/tflite-compare.txt"
cost "comparisons"

# ---- the service: status page and one dropped file ----
status_url=""
for _ in $(seq 1 240); do # emulated start-up takes seconds; 120 s at most
    status_url="$(grep -ao 'status page at http://127\.0\.0\.1:[0-9]*/' "$work/service.log" | head -1 | sed 's/^status page at //')" || true
    [ -n "$status_url" ] && break
    kill -0 "$service_pid" 2>/dev/null || break
    sleep 0.5
done
# An emulated service on a loaded machine can take longer than one try allows to answer its first requests.
status_served=false
for _ in 1 2 3 4 5 6; do
    [ -n "$status_url" ] || break
    if curl -fsS --max-time 10 "$status_url" >"$work/status.html" && grep -qi '<html' "$work/status.html" \
        && curl -fsS --max-time 10 "${status_url}status" >"$work/status.json" && grep -q '"phase":"' "$work/status.json"; then
        status_served=true; break
    fi
    sleep 2
done
if $status_served; then
    ok "emulated dipperd run serves its status page on 127.0.0.1 ($status_url)"
else
    not_ok "emulated dipperd run serves its status page on 127.0.0.1"
    [ -z "$status_url" ] || { curl -sS --max-time 10 -i "${status_url}status" 2>&1 || true; } | head -20 | sed 's/^/    \/status: /' >&2
    sed 's/^/    /' "$work/service.log" >&2
fi
cost "service started"

# Dropped as the sequencer finishes a file: written elsewhere, then renamed into the watched folder.
dropped="$(ls "$root"/tmp/reads/*_"${service_read}"_strand.fast5)"
mkdir -p "$root/data/run1"
chown "$uid" "$root/data/run1"
cp "$dropped" "$root/data/.incoming.fast5"
mv "$root/data/.incoming.fast5" "$root/data/run1/$(basename "$dropped")"
output="$root/var/lib/dipper/output"
calls=""
for _ in $(seq 1 360); do # 180 s at most
    calls="$(find "$output" -name '*.fastq.gz' 2>/dev/null)"
    [ -n "$calls" ] && break
    kill -0 "$service_pid" 2>/dev/null || break
    sleep 0.5
done
read_ids() { awk 'NR % 4 == 1 { sub(/^@/, ""); print $1 }'; }
if [ "$(printf '%s\n' "$calls" | grep -c .)" -eq 1 ] && gzip -t "$calls" \
    && [ "$(zcat "$calls" | read_ids | wc -l)" -eq 1 ] \
    && read_ids <"$work/x64-onnx.fastq" | grep -qxF "$(zcat "$calls" | read_ids)"; then
    ok "a file dropped into the watched folder becomes one FASTQ.gz ($(basename "$calls"), $(zcat "$calls" | awk 'NR % 4 == 2 { n += length($0) } END { print n }') bases)"
    # The journal may commit a moment after the file appears: ask a few times.
    counted=false
    for _ in $(seq 1 20); do
        if curl -fsS --max-time 10 "${status_url}status" | grep -q '"filesDone":1,'; then counted=true; break; fi
        sleep 0.5
    done
    if $counted; then
        ok "the status page counts the called file"
    else
        not_ok "the status page counts the called file"; curl -sS --max-time 10 "${status_url}status" | head -c 600 >&2
    fi
else
    not_ok "a file dropped into the watched folder becomes one FASTQ.gz"
    find "$output" -type f | sed 's/^/    /' >&2; sed 's/^/    /' "$work/service.log" >&2
fi
cost "dropped file called"

kill -TERM "$service_pid" 2>/dev/null || true
if wait "$service_pid"; then ok "dipperd run stops cleanly on SIGTERM"; else not_ok "dipperd run stops cleanly on SIGTERM (exit $?)"; sed 's/^/    /' "$work/service.log" >&2; fi
service_pid=""
cost "service stopped"

echo "# ci-cost: whole arm64 smoke test $(( $(date +%s) - script_start )) s (CI cost under emulation, not appliance speed)"
echo "arm64-smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
