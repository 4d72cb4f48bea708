#!/bin/sh
# digest-cron.sh - a daily digest of the alliance's events, for cron.
#
#   # m h dom mon dow  command
#   0 7 * * *  /usr/share/doc/vetalliance/examples/digest-cron.sh
#
# vetwatch --once catches up from the cursor to the daemon's present and
# exits; the cursor file makes each run start where the previous one
# stopped, so every event is in exactly one digest (a run that fails
# leaves the cursor alone and the next run repeats those events).
#
# Environment:
#   VET_CMD_ENDPOINT  command endpoint (default tcp://127.0.0.1:7700)
#   VET_DIGEST_STATE  directory for the cursor (default ~/.local/state/vetwatch)
#   VET_DIGEST_TO     mail the digest there with sendmail; else print it
set -eu

endpoint=${VET_CMD_ENDPOINT:-tcp://127.0.0.1:7700}
state=${VET_DIGEST_STATE:-${HOME:-.}/.local/state/vetwatch}
mkdir -p "$state"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# The cursor only moves after the digest was delivered: keep a copy.
cp "$state/digest.cursor" "$state/digest.cursor.new" 2>/dev/null || true
vetwatch --once --human --cmd-endpoint "$endpoint" \
	--cursor "$state/digest.cursor.new" > "$out"

count=$(wc -l < "$out")
if [ "$count" -gt 0 ]; then
	if [ -n "${VET_DIGEST_TO:-}" ] && command -v sendmail > /dev/null 2>&1; then
		{
			printf 'To: %s\nSubject: [vetalliance] %s new event(s)\n\n' \
				"$VET_DIGEST_TO" "$count"
			cat "$out"
		} | sendmail -t -i
	else
		printf '%s new event(s)\n' "$count"
		cat "$out"
	fi
fi
mv "$state/digest.cursor.new" "$state/digest.cursor"
