#!/bin/sh
# check-state-pure.sh SOURCE_DIR LIBRARY - the state core stays pure: no
# source under daemon/state includes ZeroMQ, czmq, libuv or protobuf-c, or
# a daemon header outside daemon/state, and the built library (LIBRARY,
# libvastate.a) calls none of their functions.
set -eu

src=$1
lib=$2
bad=0

if [ ! -f "$lib" ]; then
	echo "check-state-pure: no library at $lib" >&2
	exit 1
fi
# Includes: system headers of the forbidden libraries, and quoted headers
# that are not the state's own.
if grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](zmq|czmq|uv|protobuf-c/|zsock|zmsg)' \
	"$src"/daemon/state/*.c "$src"/daemon/state/*.h; then
	echo "check-state-pure: the state core includes ZeroMQ, libuv or protobuf-c" >&2
	bad=1
fi
if grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$src"/daemon/state/*.c \
	"$src"/daemon/state/*.h | grep -vE '#[[:space:]]*include[[:space:]]*"state/'; then
	echo "check-state-pure: the state core includes a daemon header outside daemon/state" >&2
	bad=1
fi
# Symbols: what the library needs from outside, against the prefixes of
# the forbidden libraries.
if nm -u "$lib" | grep -E ' (zmq_|zsock_|zmsg_|zframe_|zconfig_|uv_|protobuf_c_)'; then
	echo "check-state-pure: libvastate calls ZeroMQ, libuv or protobuf-c" >&2
	bad=1
fi
[ "$bad" -eq 0 ] && echo "check-state-pure: the state core is pure"
exit "$bad"
