#!/usr/bin/env bash
# Checks the files in systemd/ with systemd's own tools, in a container without a running systemd:
#  - `systemd-analyze verify` on dipperd.service. verify insists that ExecStart's binary exists,
#    so it runs on a temporary copy whose ExecStart points at a stub with the same arguments;
#    everything else in the unit is verified as shipped. Any warning fails the check.
#  - systemd-sysusers and systemd-tmpfiles applied to a throw-away root: the user, groups,
#    folders and the default 'active' model link must come out as intended.
#  - the udev rules name both Coral USB ids and the apex class; the default config is JSON.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1" >&2; failed=$((failed + 1)); }

command -v systemd-analyze >/dev/null || { echo "systemd-verify: systemd-analyze missing (apt-get install systemd)" >&2; exit 1; }

printf '#!/bin/sh\nexit 0\n' >"$work/dipperd"
chmod +x "$work/dipperd"
sed "s|^ExecStart=/usr/bin/dipperd |ExecStart=$work/dipperd |" "$repo/systemd/dipperd.service" >"$work/dipperd.service"
grep -q "^ExecStart=$work/dipperd run --config /etc/dipper/dipperd.json$" "$work/dipperd.service" \
    || { echo "systemd-verify: ExecStart is not '/usr/bin/dipperd run --config /etc/dipper/dipperd.json'" >&2; exit 1; }
if SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$work/dipperd.service" >"$work/verify.log" 2>&1 \
    && ! grep -v '^$' "$work/verify.log" | grep -q .; then
    ok "systemd-analyze verify dipperd.service: clean"
else
    not_ok "systemd-analyze verify dipperd.service"; sed 's/^/    /' "$work/verify.log" >&2
fi

for key in Type=notify WatchdogSec= Restart=on-failure User=dipper "SupplementaryGroups=plugdev gpio" \
           ProtectSystem=strict ReadWritePaths=/var/lib/dipper NoNewPrivileges=true PrivateTmp=true TimeoutStopSec=; do
    if grep -q "^$key" "$repo/systemd/dipperd.service"; then ok "unit has $key"; else not_ok "unit has $key"; fi
done

root="$work/root"
mkdir -p "$root/etc" "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d"
cp "$repo/systemd/dipper.sysusers.conf" "$root/usr/lib/sysusers.d/dipper.conf"
cp "$repo/systemd/dipper.tmpfiles.conf" "$root/usr/lib/tmpfiles.d/dipper.conf"
if systemd-sysusers --root="$root" dipper.conf >"$work/sysusers.log" 2>&1 \
    && grep -q '^dipper:x:[0-9]*:[0-9]*:.*:/var/lib/dipper:/usr/sbin/nologin$' "$root/etc/passwd" \
    && grep -q '^plugdev:.*dipper' "$root/etc/group" && grep -q '^gpio:.*dipper' "$root/etc/group"; then
    ok "sysusers creates dipper in plugdev and gpio"
else
    not_ok "sysusers"; sed 's/^/    /' "$work/sysusers.log" >&2
fi
if systemd-tmpfiles --root="$root" --create dipper.conf >"$work/tmpfiles.log" 2>&1 \
    && [ "$(stat -c %a "$root/var/lib/dipper/models")" = 2775 ] \
    && [ "$(stat -c %a "$root/var/lib/dipper/state")" = 750 ] \
    && [ "$(readlink "$root/var/lib/dipper/models/active")" = /usr/lib/dipper/models/sbonito ]; then
    ok "tmpfiles creates the state folders and the default active model link"
else
    not_ok "tmpfiles"; sed 's/^/    /' "$work/tmpfiles.log" >&2
fi

rules="$repo/systemd/99-dipper-coral.rules"
for id in 'idVendor}=="1a6e", ATTRS{idProduct}=="089a"' 'idVendor}=="18d1", ATTRS{idProduct}=="9302"' 'SUBSYSTEM=="apex"'; do
    if grep -F "$id" "$rules" | grep -q 'GROUP="plugdev", MODE="0660"'; then ok "udev rule for $id"; else not_ok "udev rule for $id"; fi
done
if command -v python3 >/dev/null; then
    if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$repo/systemd/dipperd.json"; then ok "dipperd.json parses"; else not_ok "dipperd.json parses"; fi
fi

echo "systemd-verify: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
