#!/bin/sh
# check-install.sh BUILD_DIR WORKDIR - `cmake --install` into a scratch
# prefix puts every file where docs/OPERATIONS.md says, the installed unit
# names the installed daemon, and the pkg-config file lets a program
# compile against the installed headers.
set -eu

build=$1
work=$2
prefix=$work/prefix

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"

fail=0
for f in \
	sbin/vetallianced bin/vetctl bin/vetwatch bin/vetbench \
	lib/systemd/system/vetallianced.service \
	etc/vetalliance/vetalliance.conf \
	share/vetalliance/defaults.zpl share/vetalliance/rules.zpl \
	share/man/man8/vetallianced.8 share/man/man1/vetctl.1 share/man/man1/vetwatch.1 \
	include/vetalliance/client.h include/vetalliance/error.h include/vetalliance/json.h \
	include/vetalliance/vetalliance.pb-c.h; do
	if [ ! -e "$prefix/$f" ]; then
		echo "check-install: missing $f" >&2
		fail=1
	fi
done
libdir=$(ls -d "$prefix"/lib*/pkgconfig 2>/dev/null | head -n 1)
if [ -z "$libdir" ] || [ ! -f "$libdir/libvetalliance.pc" ]; then
	echo "check-install: missing libvetalliance.pc" >&2
	exit 1
fi
libdir=$(dirname "$libdir")
for f in libvetalliance.a libvetalliance-proto.a; do
	[ -f "$libdir/$f" ] || { echo "check-install: missing $libdir/$f" >&2; fail=1; }
done
[ "$fail" -eq 0 ] || exit 1

grep -q "^ExecStart=$prefix/sbin/vetallianced " "$prefix/lib/systemd/system/vetallianced.service" || {
	echo "check-install: the unit does not name the installed daemon" >&2
	exit 1
}

# A client compiles against the installed headers through pkg-config.
cat >"$work/client.c" <<'C'
#include <vetalliance/client.h>
#include <vetalliance/error.h>
int main(void)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	return req.body_case == VETALLIANCE__V1__REQUEST__BODY_DAEMON_STATUS;
}
C
PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --exists libvetalliance
cflags=$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags libvetalliance)
# shellcheck disable=SC2086
cc $cflags -c "$work/client.c" -o "$work/client.o"
PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --libs libvetalliance | grep -q -- '-lvetalliance'
echo "check-install: ok ($prefix)"
