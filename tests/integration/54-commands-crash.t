#!/bin/bash
# Organizer commands survive a crash at every step: decisions held in the
# outbox, undo (which removes held mail), release (which moves it to the
# queue), merge and the organizers' state files end as in an uninterrupted
# run, each applied exactly once.  Same method as 80-crash-steps.t, on the
# project's fixtures (tests/fixtures/command), a Maildir and a folder.
. "$(dirname "$0")/../lib/tap.sh"
: "${MCBOT_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${MCBOT:=$MCBOT_TOP/build/mcbot}"
[ -x "$MCBOT" ] || skip_all "no mcbot binary ($MCBOT)"

base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/mcbot-cmdcrash-XXXXXX")
trap 'rm -rf "$work"' EXIT
fix=$MCBOT_TOP/tests/fixtures/command
mails=("$fix"/0[1-4]-*.eml "$fix"/10-dkim-decide.eml "$fix"/19-not-organizer.eml
	"$fix"/20-dkim-more.eml "$fix"/21-undo.eml "$fix"/22-release.eml "$fix"/23-merge.eml)
export MCBOT_NOW=1777888800

setup() {
	local d=$1 i=0 f
	mkdir -p "$d/Maildir/new" "$d/Maildir/cur" "$d/Maildir/tmp"
	for f in "${mails[@]}"; do
		i=$((i + 1))
		cp "$f" "$d/Maildir/new/$(printf '%05d' $i).test:2,"
	done
	cat >"$d/mcbot.conf" <<CONF
[list]
address = mc@lpc.example.org
tag = LPC
[organizers]
addresses = organizer@lpc.example.org, chair@lpc.example.org
authserv_id = mx.lpc.example.org
[inbox]
type = maildir
maildir = Maildir
[imap]
batch = 3
[smtp]
deliver = folder
folder = delivered
[store]
state_dir = state
templates_dir = $MCBOT_TOP/templates
CONF
}

snapshot() {
	(cd "$1" &&
		find state/mc state/org state/outbox/held state/processed state/next-id -type f \
			! -name '*.tmp' -exec sha256sum {} + 2>/dev/null | sort
		echo "sent: $(ls state/outbox/sent | sort | tr '\n' ' ')"
		echo "queued: $(ls state/outbox/new | wc -l)"
		find delivered -type f -exec sha256sum {} + | sort
		for m in Maildir/new Maildir/cur Maildir/.mcbot.*/cur; do
			[ -d "$m" ] && echo "$m $(ls "$m" | wc -l)"
		done
		echo "journal: $(ls state/journal | wc -l)")
}

setup "$work/ref"
(cd "$work/ref" && "$MCBOT" --config mcbot.conf once 2>"$work/ref.log")
ok $? "uninterrupted run" || diag_file "$work/ref.log"
ref=$(snapshot "$work/ref")
like "$ref" "state/org/decisions" "decisions were recorded"
like "$(cd "$work/ref" && "$MCBOT" --config mcbot.conf list)" "MC-1 +accepted" \
	"and the commands ran"

n=0 crashed=0 bad=""
while :; do
	n=$((n + 1))
	d=$work/n$n
	setup "$d"
	(cd "$d" && MCBOT_CRASH_AFTER=$n "$MCBOT" --config mcbot.conf once 2>"$d/crash.log")
	status=$?
	if [ $status -eq 0 ]; then
		rm -rf "$d"
		break
	fi
	if [ $status -ne 99 ]; then
		bad="$bad N=$n(exit $status)"
		diag_file "$d/crash.log"
		break
	fi
	crashed=$((crashed + 1))
	(cd "$d" && "$MCBOT" --config mcbot.conf once 2>"$d/restart.log")
	got=$(snapshot "$d")
	if [ "$got" != "$ref" ]; then
		bad="$bad N=$n"
		[ -n "$first_diff" ] || first_diff=$(diff <(echo "$ref") <(echo "$got") | head -20)
	else
		rm -rf "$d"
	fi
	[ $n -lt 3000 ] || { bad="$bad (no end after 3000 steps)"; break; }
done
note "$crashed crash points"
ok $([ $crashed -gt 20 ]; echo $?) "crashed at every one of $crashed steps"
is "$bad" "" "every crash + restart ends like the uninterrupted run" || diag "$first_diff"
done_testing
