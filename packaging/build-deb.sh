#!/usr/bin/env bash
# Builds the Debian packages of Dipper for one architecture:
#   dipperd_<version>_<arch>.deb  the appliance: self-contained dipperd, the default model, the
#                                 TFLite C library, systemd unit, udev rules, sysusers/tmpfiles,
#                                 polkit rule and /etc/dipper/dipperd.json (a conffile)
#   dipper_<version>_<arch>.deb   the host tool: self-contained dipper (import, reads, flash)
# Usage: packaging/build-deb.sh --arch amd64|arm64 --out DIR [--version V] [--compression xz|zstd|gzip]
#                               [--only dipperd|dipper]
# xz (the default) gives the smallest packages but takes ~40 s per package; CI uses zstd. --only builds one
# of the two (the arm64 smoke test needs only the appliance's, and publishing the other costs a minute).
# Needs the .NET SDK and dpkg-deb; cross-builds arm64 on x86-64 (no native toolchain involved).
set -euo pipefail

arch="" out="" version="0.1.0" compression=xz only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) arch="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --version) version="$2"; shift 2 ;;
        --compression) compression="$2"; shift 2 ;;
        --only) only="$2"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "build-deb.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
case "$arch" in
    amd64) rid=linux-x64; elf_machine=62 ;;
    arm64) rid=linux-arm64; elf_machine=183 ;;
    *) echo "build-deb.sh: --arch must be amd64 or arm64" >&2; exit 2 ;;
esac
[ -n "$out" ] || { echo "build-deb.sh: --out DIR is required" >&2; exit 2; }
case "$only" in
    ""|dipperd|dipper) ;;
    *) echo "build-deb.sh: --only must be dipperd or dipper" >&2; exit 2 ;;
esac
wanted() { [ -z "$only" ] || [ "$only" = "$1" ]; }

repo="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The TFLite C library is not in any NuGet or Debian package; .ci/fetch-tflite.sh gets it from npm.
tflite="$repo/.native/$rid/libtensorflowlite_c.so"
[ -f "$tflite" ] || bash "$repo/.ci/fetch-tflite.sh"
[ -f "$tflite" ] || { echo "build-deb.sh: $tflite is missing" >&2; exit 1; }

publish() { # project folder
    # Invariant globalization: no libicu dependency on the appliance; nothing here is culture-specific.
    # --artifacts-path: the RID-specific restore and build happen in a folder of their own. In the checkout's
    # obj/ they would rewrite project.assets.json for this RID, and the next plain `dotnet build` or `dotnet test`
    # would restore and recompile every project again (two minutes of CI after each package build).
    # ReadyToRun for dipperd: its code is compiled ahead of time, so a `dipperd basecall` does not spend a third of
    # a second (more on a Pi) compiling itself before the first read (docs/cpu-speed.md §9). The lab tool is left to the JIT.
    local ready_to_run=(); [ "$1" = Device ] && ready_to_run=(-p:PublishReadyToRun=true)
    dotnet publish "$repo/src/$1" -c Release -r "$rid" --self-contained true -o "$work/publish/$1" \
        --artifacts-path "$work/artifacts" "${ready_to_run[@]}" \
        -p:InvariantGlobalization=true -p:DebugType=none -p:PublishDocumentationFiles=false \
        -p:PublishReferencesDocumentationFiles=false -p:SatelliteResourceLanguages=en -v:q -nologo >&2
    # ONNX Runtime's NuGet props copy its Windows DLLs into every x64/arm64 output whatever the RID
    # (17 MB that no Linux appliance can load); the Linux library is libonnxruntime.so.
    rm -f "$work/publish/$1/onnxruntime.dll" "$work/publish/$1/onnxruntime_providers_shared.dll"
}

elf_machine_of() { od -An -t u2 -j 18 -N 2 "$1" | tr -d ' '; }

check_arch() { # folder: every ELF file in it must be for the target machine
    local f bad=0
    while IFS= read -r -d '' f; do
        if [ "$(head -c 4 "$f" | od -An -t x1 | tr -d ' ')" = "7f454c46" ]; then
            if [ "$(elf_machine_of "$f")" != "$elf_machine" ]; then
                echo "build-deb.sh: $f is not a $arch ELF file" >&2; bad=1
            fi
        fi
    done < <(find "$1" -type f -print0)
    return $bad
}

control() { # package description depends recommends
    local root="$work/$1"
    cat > "$root/DEBIAN/control" <<CONTROL
Package: $1
Version: $version
Architecture: $arch
Maintainer: Dipper developers <dipper@localhost>
Section: science
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $3
${4:+Recommends: $4
}Description: $2
CONTROL
}

doc() { # package
    install -d "$work/$1/usr/share/doc/$1"
    install -m 0644 "$repo/packaging/debian/copyright" "$work/$1/usr/share/doc/$1/copyright"
    install -m 0644 "$repo/README.md" "$work/$1/usr/share/doc/$1/README.md"
}

# ---- dipperd ----
if wanted dipperd; then
publish Device
install -m 0755 "$tflite" "$work/publish/Device/libtensorflowlite_c.so"
check_arch "$work/publish/Device"
p="$work/dipperd"
install -d "$p/DEBIAN" "$p/usr/lib/dipper" "$p/usr/bin" "$p/usr/lib/dipper/models" \
    "$p/usr/lib/systemd/system" "$p/usr/lib/udev/rules.d" "$p/usr/lib/sysusers.d" "$p/usr/lib/tmpfiles.d" \
    "$p/usr/share/polkit-1/rules.d" "$p/etc/dipper"
cp -r "$work/publish/Device" "$p/usr/lib/dipper/dipperd"
ln -s ../lib/dipper/dipperd/dipperd "$p/usr/bin/dipperd"
cp -r "$repo/models/sbonito" "$p/usr/lib/dipper/models/sbonito"
install -m 0644 "$repo/systemd/dipperd.service" "$p/usr/lib/systemd/system/dipperd.service"
install -m 0644 "$repo/systemd/99-dipper-coral.rules" "$p/usr/lib/udev/rules.d/99-dipper-coral.rules"
install -m 0644 "$repo/systemd/dipper.sysusers.conf" "$p/usr/lib/sysusers.d/dipper.conf"
install -m 0644 "$repo/systemd/dipper.tmpfiles.conf" "$p/usr/lib/tmpfiles.d/dipper.conf"
install -m 0644 "$repo/systemd/dipper.polkit.rules" "$p/usr/share/polkit-1/rules.d/50-dipper.rules"
install -m 0644 "$repo/systemd/dipperd.json" "$p/etc/dipper/dipperd.json"
doc dipperd
for script in postinst prerm postrm; do install -m 0755 "$repo/packaging/debian/dipperd.$script" "$p/DEBIAN/$script"; done
install -m 0644 "$repo/packaging/debian/dipperd.conffiles" "$p/DEBIAN/conffiles"
control dipperd "Dipper nanopore base caller: appliance service
 dipperd turns the raw signal a MinION writes (POD5, FAST5, SLOW5/BLOW5) into FASTQ or unaligned
 BAM (through htslib) as the files arrive, on the CPU (ONNX Runtime, TFLite) or a Coral Edge TPU. Self-contained .NET build
 with the default R9.4.1 model, a systemd unit with watchdog, Coral udev rules and GPIO support." \
    "libc6 (>= 2.28), libgcc-s1, libstdc++6, libssl3 | libssl3t64, libusb-1.0-0, libhts3" \
    "libedgetpu1-std | libedgetpu1-max"
dpkg-deb --build --root-owner-group -Z"$compression" "$p" "$out/dipperd_${version}_${arch}.deb" >&2
fi

# ---- dipper ----
if wanted dipper; then
publish Compiler
check_arch "$work/publish/Compiler"
p="$work/dipper"
install -d "$p/DEBIAN" "$p/usr/lib/dipper" "$p/usr/bin"
cp -r "$work/publish/Compiler" "$p/usr/lib/dipper/dipper"
ln -s ../lib/dipper/dipper/dipper "$p/usr/bin/dipper"
doc dipper
control dipper "Dipper nanopore base caller: host tool
 dipper inspects signal files, turns trained models into appliance model packages and flashes
 them onto an appliance over SSH (validated, switched atomically). Self-contained .NET build." \
    "libc6 (>= 2.28), libgcc-s1, libstdc++6, libssl3 | libssl3t64, openssh-client"
dpkg-deb --build --root-owner-group -Z"$compression" "$p" "$out/dipper_${version}_${arch}.deb" >&2
fi

ls -l "$out"/dipper*_"${version}_${arch}".deb
