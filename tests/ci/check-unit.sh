#!/bin/sh
# check-unit.sh UNIT DAEMON WORKDIR - the systemd unit that ships passes
# `systemd-analyze verify` (with ExecStart pointed at the built daemon)
# and `systemd-analyze security --offline=yes` with exposure 1.5 or
# better.  A missing systemd-analyze is a failure, not a skip: CI installs
# Debian's `systemd` package (.ci/install-deps).
set -eu

unit=$1
daemon=$2
work=$3

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "check-unit: systemd-analyze not found (Debian package 'systemd')" >&2
	exit 1
fi
rm -rf "$work"
mkdir -p "$work"
copy=$work/vetallianced.service
sed "s|@VA_SBINDIR@/vetallianced|$daemon|" "$unit" >"$copy"
if grep -q '@VA_' "$copy"; then
	echo "check-unit: unsubstituted placeholder in $copy" >&2
	exit 1
fi

echo "== systemd-analyze verify"
out=$(systemd-analyze verify --man=no --recursive-errors=yes "$copy" 2>&1) || {
	echo "$out" >&2
	echo "check-unit: verify failed" >&2
	exit 1
}
# verify exits 0 on some warnings it prints; any line naming the unit is
# a finding.
if printf '%s\n' "$out" | grep -q 'vetallianced.service'; then
	echo "$out" >&2
	echo "check-unit: verify reported problems" >&2
	exit 1
fi

echo "== systemd-analyze security --offline=yes --threshold=15"
systemd-analyze security --offline=yes --threshold=15 --no-pager "$copy" | tail -n 3
exit_sec=$(systemd-analyze security --offline=yes --threshold=15 --no-pager "$copy" >/dev/null 2>&1; echo $?)
if [ "$exit_sec" -ne 0 ]; then
	echo "check-unit: exposure above 1.5" >&2
	exit 1
fi

# The checks must be able to fail: a unit without the hardening is
# refused by the same command.
weak=$work/weak.service
printf '[Service]\nType=notify\nExecStart=%s\n' "$daemon" >"$weak"
if systemd-analyze security --offline=yes --threshold=15 --no-pager "$weak" >/dev/null 2>&1; then
	echo "check-unit: the security check passed an unhardened unit" >&2
	exit 1
fi
echo "check-unit: ok"
