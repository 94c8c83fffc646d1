#!/bin/bash
# No loops, no backscatter (RFC 3834).  For every rule a fixture pair in
# tests/fixtures/loops: NAME.drop.eml must be moved to the dropped folder
# without a reply, NAME.pass.eml (the same mail without the tell-tale
# sign) must be answered.  Then the brakes: hard bounces counted from
# delivery reports (and no more mail to that address), the per-sender
# daily cap, the outbox brake, and the counters the organizers' digest
# reads.  Runs on a local Maildir with replies written to a folder: the
# rules are in the handlers, whatever the inbox and the transport.
. "$(dirname "$0")/../lib/tap.sh"

fix=$MCBOT_TOP/tests/fixtures/loops
work=$(mktemp -d "${TMPDIR:-/tmp}/mcbot-loops-XXXXXX")
cleanup() {
	if [ "$TAP_FAILED" -gt 0 ]; then diag "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
export MCBOT_NOW=1767258000     # 2026-01-01 09:00 UTC
day=2026-01-01

# setup DIR [INI LINES...]: a Maildir and a configuration; the extra
# lines go after a [limits] header.
setup() {
	local d=$1
	shift
	mkdir -p "$d/Maildir/new" "$d/Maildir/cur" "$d/Maildir/tmp"
	{
		cat <<CONF
[list]
address = mc@lpc.example.org
tag = LPC
[inbox]
type = maildir
maildir = Maildir
[smtp]
deliver = folder
folder = delivered
[store]
state_dir = state
templates_dir = $MCBOT_TOP/templates
CONF
		printf '%s\n' "$@"
	} >"$d/mcbot.conf"
}

# put DIR FILE...: deliver the files into the Maildir.
put() {
	local d=$1 f
	shift
	for f in "$@"; do
		PUT_N=$((${PUT_N:-0} + 1))
		cp "$f" "$d/Maildir/new/$(printf '%06d' "$PUT_N").fixture:2,"
	done
}

run() {         # run DIR [NAME]: mcbot once; the log is DIR/NAME.log
	(cd "$1" && "$MCBOT" --config mcbot.conf once 2>"${2:-once}.log")
	ok $? "$1: mcbot once${2:+ ($2)}" || diag_file "$1/${2:-once}.log"
}

msgid() { sed -n 's/^Message-ID: <\(.*\)>$/\1/Ip' "$1" | head -n1; }

# replies DIR MSGID: replies written for the mail MSGID.
replies() {
	grep -l "^In-Reply-To: <$2>" "$1"/delivered/*.eml 2>/dev/null | wc -l
}

# folder_of DIR MSGID: the Maildir folder(s) holding the mail.
folder_of() {
	grep -l -i "^Message-ID: <$2>" "$1"/Maildir/.mcbot.*/cur/* 2>/dev/null |
		sed 's|.*/\.mcbot\.\([^/]*\)/cur/.*|\1|' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# a help mail from FROM with MSGID (and optional extra header lines)
help_mail() {
	local out=$1 from=$2 id=$3
	shift 3
	{
		printf 'From: <%s>\nTo: mc@lpc.example.org\nSubject: help\n' "$from"
		printf 'Date: Thu, 01 Jan 2026 09:00:00 +0000\nMessage-ID: <%s>\n' "$id"
		printf '%s\n' "$@"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nhelp\n'
	} >"$out"
}

# --- one fixture pair per rule ---------------------------------------------
d=$work/rules
setup "$d"
put "$d" "$fix"/*.eml
run "$d"
ndrop=0
for f in "$fix"/*.drop.eml; do
	name=$(basename "$f" .drop.eml)
	drop=$(msgid "$f")
	pass=$(msgid "$fix/$name.pass.eml")
	is "$(folder_of "$d" "$drop")/$(replies "$d" "$drop")" "dropped/0" \
		"$name: dropped without a reply"
	is "$(folder_of "$d" "$pass")/$(replies "$d" "$pass")" "done/1" \
		"$name: the similar mail is answered"
	ndrop=$((ndrop + 1))
done
is "$(ls "$d/Maildir/new" "$d/Maildir/cur" | grep -c fixture)" 0 "the inbox is empty"
like "$(cat "$d/once.log")" "dropped: auto-submitted" "the log says why a mail is dropped"

# Hard bounces are counted per address; a delayed report counts nothing.
b=$(cut -f2,3 "$d/state/bounces" 2>/dev/null | sort | tr '\n' ' ')
is "$b" "also-gone@loops.example	5.2.1 gone@loops.example	5.1.1 " \
	"the hard bounces of the report are recorded, the delayed one is not"
like "$(cat "$d/once.log")" "hard bounce of gone@loops.example \\(status 5\\.1\\.1\\)" \
	"a hard bounce is logged"

# The dropped mail is counted per day and reason, for the digest.
total=$(awk -F'\t' -v d="$day" '$1 == d { n += $3 } END { print n + 0 }' "$d/state/stats/dropped")
is "$total" "$ndrop" "stats/dropped counts every dropped mail ($ndrop)"
like "$(cat "$d/state/stats/dropped")" "^$day	hard-bounce	1$" "... with the hard bounce"
like "$(cat "$d/state/stats/dropped")" "$day	precedence	3" "... and per reason"

# The same report again changes nothing: it is already processed.
cp "$d/state/bounces" "$work/bounces.before"
put "$d" "$fix/dsn.drop.eml"
run "$d" again
run_ok "the same report again records no bounce" cmp "$work/bounces.before" "$d/state/bounces"
is "$(awk -F'\t' '{ n += $3 } END { print n }' "$d/state/stats/dropped")" "$ndrop" \
	"... and is not counted twice"

# --- the per-sender cap ---------------------------------------------------
d=$work/cap
setup "$d" "[limits]" "max_replies_per_sender_day = 3" \
	"[organizers]" "addresses = boss@lpc.example.org" "authserv_id = mx.lpc.example.org"
for i in 1 2 3 4 5; do
	help_mail "$work/cap-$i.eml" ann@cap.example "cap-$i@cap.example"
	help_mail "$work/boss-$i.eml" boss@lpc.example.org "boss-$i@lpc.example.org"
	put "$d" "$work/cap-$i.eml" "$work/boss-$i.eml"
done
help_mail "$work/other.eml" bob@cap.example "other-1@cap.example"
put "$d" "$work/other.eml"
run "$d"
n=0
for i in 1 2 3 4 5; do n=$((n + $(replies "$d" "cap-$i@cap.example"))); done
is "$n" 3 "five mails from one sender in a day: three replies"
n=0
for i in 1 2 3 4 5; do n=$((n + $(replies "$d" "boss-$i@lpc.example.org"))); done
is "$n" 5 "an organizer has no cap"
is "$(replies "$d" other-1@cap.example)" 1 "another sender is answered"
is "$(grep -c "cap-" "$d/state/processed")" 5 "every capped mail is processed"
is "$(cat "$d/state/stats/withheld")" "$day	sender-cap	2" "the withheld replies are counted"
like "$(cat "$d/once.log")" "reply to ann@cap.example withheld: sender-cap" "... and logged"
help_mail "$work/cap-next.eml" ann@cap.example "cap-next@cap.example"
put "$d" "$work/cap-next.eml"
(cd "$d" && MCBOT_NOW=$((MCBOT_NOW + 86400)) "$MCBOT" --config mcbot.conf once 2>next.log)
is "$(replies "$d" cap-next@cap.example)" 1 "the next day the sender is answered again"

# --- the outbox brake -----------------------------------------------------
d=$work/brake
setup "$d" "[limits]" "outbox_brake = 2"
mkdir -p "$d/state/outbox/new"
for i in 1 2 3; do
	help_mail "$work/queued-$i.eml" mc@lpc.example.org "queued-$i@lpc.example.org"
	{ printf 'MCBOT-ENVELOPE mc@lpc.example.org waiting-%s@brake.example\n' "$i"
	  cat "$work/queued-$i.eml"; } >"$d/state/outbox/new/queued-$i"
done
help_mail "$work/braked.eml" cy@brake.example braked-1@brake.example
put "$d" "$work/braked.eml"
run "$d"
is "$(folder_of "$d" braked-1@brake.example)/$(replies "$d" braked-1@brake.example)" "done/0" \
	"three mails waiting, brake at two: the mail is handled, not answered"
is "$(cat "$d/state/stats/withheld")" "$day	outbox-brake	1" "the braked reply is counted"
like "$(cat "$d/once.log")" "withheld: outbox-brake" "... and logged"
is "$(ls "$d/state/outbox/new" | wc -l)" 0 "the outbox drained"
help_mail "$work/braked2.eml" cy@brake.example braked-2@brake.example
put "$d" "$work/braked2.eml"
run "$d" after
is "$(replies "$d" braked-2@brake.example)" 1 "once the outbox drained, replies go out again"

# --- stop mailing an address after repeated hard bounces -----------------
d=$work/bounced
setup "$d" "[limits]" "max_hard_bounces = 2"
sed 's/^Message-ID: <.*>$/Message-ID: <loops-dsn-second@fixtures.example>/' \
	"$fix/dsn.drop.eml" >"$work/dsn2.eml"
mkdir -p "$d/state/outbox/new"
help_mail "$work/to-gone.eml" mc@lpc.example.org "to-gone@lpc.example.org"
{ printf 'MCBOT-ENVELOPE mc@lpc.example.org gone@loops.example\n'; cat "$work/to-gone.eml"; } \
	>"$d/state/outbox/new/to-gone"
put "$d" "$fix/dsn.drop.eml" "$work/dsn2.eml"
run "$d"
is "$(grep -c "	gone@loops.example	" "$d/state/bounces")" 2 "two hard bounces of gone@"
ok "$([ -f "$d/state/outbox/failed/to-gone" ]; echo $?)" \
	"mail already queued for it goes to outbox/failed"
like "$(cat "$d/state/outbox/failed/to-gone.reason" 2>/dev/null)" \
	"gone@loops.example had 2 or more hard bounces" "... with the reason"
like "$("$MCBOT" --config "$d/mcbot.conf" outbox failed 2>&1)" "hard bounces" \
	"mcbot outbox failed shows it to the organizers"
help_mail "$work/from-gone.eml" gone@loops.example from-gone@loops.example
help_mail "$work/from-ok.eml" ok@loops.example from-ok@loops.example
put "$d" "$work/from-gone.eml" "$work/from-ok.eml"
run "$d" later
is "$(folder_of "$d" from-gone@loops.example)/$(replies "$d" from-gone@loops.example)" \
	"done/0" "no reply to the bounced address"
is "$(replies "$d" from-ok@loops.example)" 1 "another address is answered"
is "$(cat "$d/state/stats/withheld")" "$day	hard-bounces	1" "the withheld reply is counted"
done_testing
