#!/bin/sh
# notify-email.sh - a vetwatch hook: one e-mail per event for a coordinator.
#
#   vetwatch --cursor /var/lib/vetwatch/notify.cursor \
#            --type centre. --partner CYL \
#            --exec '/usr/share/doc/vetalliance/examples/notify-email.sh'
#
# vetwatch runs it once per event with the event's JSON line on stdin and
# VET_EVENT_TYPE, VET_EVENT_SEQ in the environment.  A non-zero exit makes
# vetwatch retry the same event later (with backoff), so the coordinator
# gets every event at least once, in order.
#
# Environment:
#   VET_NOTIFY_TO    recipient (default: coordinator@localhost)
#   VET_NOTIFY_FROM  sender (default: vetwatch@$(hostname))
#   VET_MAILDIR      when sendmail is absent (or VET_NOTIFY_FORCE_FILE=1),
#                    each message is written as a file into this directory
#                    (default: ./vetwatch-mail)
set -eu

to=${VET_NOTIFY_TO:-coordinator@localhost}
from=${VET_NOTIFY_FROM:-vetwatch@$(hostname 2>/dev/null || echo localhost)}
type=${VET_EVENT_TYPE:?run me from vetwatch --exec}
seq=${VET_EVENT_SEQ:?run me from vetwatch --exec}
json=$(cat)

message() {
	printf 'From: %s\n' "$from"
	printf 'To: %s\n' "$to"
	printf 'Subject: [vetalliance] %s (event %s)\n' "$type" "$seq"
	printf 'Content-Type: text/plain; charset=utf-8\n'
	printf '\n'
	printf 'A new event in the alliance: %s, seq %s.\n\n' "$type" "$seq"
	printf '%s\n' "$json"
}

sendmail=$(command -v sendmail 2>/dev/null || true)
[ -z "$sendmail" ] && [ -x /usr/sbin/sendmail ] && sendmail=/usr/sbin/sendmail
if [ -n "$sendmail" ] && [ "${VET_NOTIFY_FORCE_FILE:-0}" != 1 ]; then
	message | "$sendmail" -t -i
else
	dir=${VET_MAILDIR:-./vetwatch-mail}
	mkdir -p "$dir"
	# Written under a temporary name and renamed: a reader never sees half
	# a message, and a retry of the same event replaces it.
	message > "$dir/.event-$seq.tmp"
	mv "$dir/.event-$seq.tmp" "$dir/event-$seq.eml"
fi
