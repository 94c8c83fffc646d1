#!/bin/bash
# Weekly digests through the real path: proposals and RSVPs are mailed to
# the bot through Postfix into its IMAP inbox, `mcbot once` handles them,
# and `mcbot digest` (and the daemon) send the digests, which are read
# back from each recipient's mailbox.  MCBOT_NOW drives the clock through
# several weeks: digests once per period per recipient, a crash in the
# middle of a digest run (at every step, on copies of the state), weeks
# missed while mcbot was down, --dry-run, --now.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/stack.sh"
stack_require || skip_all "$STACK_SKIP"
stack_start || BAIL_OUT "no test stack"

conf=$STACK_DIR/mcbot.conf
state=$STACK_DIR/state
mails=$STACK_DIR/mails
mkdir -p "$mails"
mcbot_conf "$conf" \
	"organizers.addresses=org@lpc.example.org, chair@lpc.example.org" \
	"organizers.authserv_id=mx.lpc.example.org" \
	"digest.day=monday" "digest.time=08:00" "digest.timezone=Europe/Berlin" \
	"cfp.deadline=2026-06-12 23:59 Europe/Berlin"

# Times (UTC); the digest is due Mondays 08:00 Berlin time (06:00 UTC in summer).
W0=1779962400           # Thu 2026-05-28 10:00: the first proposals
D1=1780297200           # Mon 2026-06-01 07:00: digest #1 (period 2026-06-01)
W1=1780480800           # Wed 2026-06-03 10:00: RSVPs, a new MC, a duplicate
D2=1780902000           # Mon 2026-06-08 07:00: digest #2
W5=1782295200           # Wed 2026-06-24 10:00: three weeks later: digest #3
EARLY=1782986400        # Thu 2026-07-02 10:00: --now sends #4 (period 2026-07-06)
D4=1783321200           # Mon 2026-07-06 07:00: the scheduled run: nothing left
D5=1783926000           # Mon 2026-07-13 07:00: the daemon sends #5

n=0
sender() { printf '%s' "$1" | sed 's/.*<//; s/>.*//'; }
send() {        # send FROM SUBJECT BODY
	local from=$1 subject=$2 body=$3 f
	n=$((n + 1))
	f=$mails/$n.eml
	printf 'From: %s\nTo: %s\nSubject: %s\nDate: Thu, 28 May 2026 10:00:00 +0000\nMessage-ID: <digest-test-%d@test.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n' \
		"$from" "$BOT_USER" "$subject" "$n" "$body" >"$f"
	submit "$(sender "$from")" "$f"
}

inbox=0
submit() {      # submit FROM FILE: through Postfix, in order (the next waits for it)
	stack_smtp_send "$1" "$BOT_USER" "$2" || return 1
	inbox=$((inbox + 1))
	mbox_wait_count "$BOT_USER" INBOX $inbox 30 >/dev/null
}

# handle NOW: run mcbot once at NOW on what the inbox holds.
handle() {
	MCBOT_NOW=$1 "$MCBOT" --config "$conf" once 2>>"$STACK_DIR/once.log"
	local rc=$?
	inbox=0
	return $rc
}

# digests USER [MC]: how many digests USER has received (of MC-n, or the
# organizers' when MC is "org").
digests() {
	local pat='^Subject: \[LPC( MC-[0-9]+)?\] Weekly digest #'
	case $2 in
	org) pat='^Subject: \[LPC\] Weekly digest #' ;;
	?*) pat="^Subject: \\[LPC MC-$2\\] Weekly digest #" ;;
	esac
	mbox_fetch "$1" INBOX | grep -Ec "$pat"
}

# expect USER WANT DESC [MC]: USER ends up with exactly WANT digests.
expect() {
	local user=$1 want=$2 desc=$3 got i
	for i in $(seq 60); do
		got=$(digests "$user" "$4")
		[ "$got" -ge "$want" ] && break
		sleep 0.25
	done
	[ "$got" = "$want" ] && sleep 1 && got=$(digests "$user" "$4")   # and no more
	is "$got" "$want" "$desc"
}

# last USER: the newest digest USER received, quoted-printable decoded.
last() {
	local uid
	uid=$(mbox_fetch "$1" INBOX | awk '/^=== message / { u = $3 } /^Subject: .*Weekly digest #/ { last = u } END { print last }')
	mbox_fetch_uid "$1" INBOX "$uid" | perl -MMIME::QuotedPrint -0777 -ne 'print decode_qp($_)'
}

digest() {      # digest NOW [ARGS]: run mcbot digest at NOW
	local now=$1
	shift
	MCBOT_NOW=$now "$MCBOT" --config "$conf" digest "$@" 2>>"$STACK_DIR/digest.log"
}

# --- week 0: two proposals and an auto-reply -------------------------------
send "Ada Tracer <ada@tracing.example>" "[MC PROPOSAL] Tracing and Observability MC" \
"The tracing microconference brings together the people who build the
kernel's tracing infrastructure and the tools that consume it.

Suggested topics:
- Faster ring buffer reads from user space
- BTF everywhere

MC leads:
- Ada Tracer <ada@tracing.example>
- Björn Stack <bjorn@stack.example>
- Carl Nomail"
send "Grace Boot <grace@boot.example>" "Secure Boot Chains MC" \
"Title: Secure Boot Chains
Leads: Grace Boot <grace@boot.example>
Topics:
- Measured boot for everyone
- Revocation that works
Description: Boot chains on servers and laptops, from firmware to user space."
n=$((n + 1))
printf 'From: Lee Away <lee@away.example>\nTo: %s\nSubject: Out of office\nAuto-Submitted: auto-replied\nMessage-ID: <away-%d@away.example>\n\nI am away.\n' \
	"$BOT_USER" "$n" >"$mails/$n.eml"
submit lee@away.example "$mails/$n.eml"
handle $W0
ok $? "week 0: mcbot once handles the proposals" || diag_file "$STACK_DIR/once.log"
like "$("$MCBOT" --config "$conf" list)" "MC-2 +proposed" "two MCs stored"

# --- digest #1 -------------------------------------------------------------
out=$(digest $D1)
ok $? "digest #1 runs" || diag_file "$STACK_DIR/digest.log"
like "$out" "issue 1, .*: 3 lead and 2 organizer digests queued" "digest #1: 3 leads, 2 organizers"
expect org@lpc.example.org 1 "organizer 1 has digest #1" org
expect chair@lpc.example.org 1 "organizer 2 has digest #1" org
expect ada@tracing.example 1 "lead Ada has digest #1 of MC-1" 1
expect bjorn@stack.example 1 "lead Björn has digest #1 of MC-1" 1
expect grace@boot.example 1 "lead Grace has digest #1 of MC-2" 2
msg=$(last ada@tracing.example)
like "$msg" "Auto-Submitted: auto-generated" "digests are auto-generated"
like "$msg" "Precedence: bulk" "digests are bulk"
like "$msg" "Subject: \\[LPC MC-1\\] Weekly digest #1: Tracing and Observability" "lead subject: tag, number, MC"
like "$msg" "Send an address for the lead\\(s\\) without one: Carl Nomail" "the lead digest asks for the missing address"
like "$msg" "deadline for proposals is in 11 days: 2026-06-12 23:59 Europe/Berlin" "the deadline approaches, with its zone"
msg=$(last org@lpc.example.org)
like "$msg" "MC-1 +Tracing and Observability" "organizer table lists MC-1"
like "$msg" "MC-2 +Secure Boot Chains" "organizer table lists MC-2"
like "$msg" "dropped: 1" "organizers see the dropped auto-reply"
like "$msg" "lee@away.example" "... with its sender"
id1=$(printf '%s\n' "$msg" | grep -i '^Message-Id:')

out=$(digest $((D1 + 3600)))
like "$out" "nothing due" "a second run in the same week sends nothing"
sleep 1
expect org@lpc.example.org 1 "still one digest for the organizer" org
expect ada@tracing.example 1 "still one digest for Ada" 1

# --- week 1: RSVPs, a cancellation, a new MC, a possible duplicate -------------
send "Pat Attendee <pat@attend.example>" "RSVP: Tracing and Observability" "I plan to attend."
send "Sam Doe <sam@attend.example>" "RSVP: Tracing and Observability" "Count me in."
handle $W1
send "Sam Doe <sam@attend.example>" "RSVP: Tracing and Observability" "Sorry, cancel: I can't make it."
send "Rita Rust <rita@rust.example>" "[MC PROPOSAL] Rust for Linux MC" \
"Rust in the kernel: where it is used today, what is still missing for
drivers and file systems, and how maintainers can review Rust code
without becoming Rust experts first.  We want the people who write the
abstractions and the maintainers who merge them in one room.

Topics:
- Abstractions for drivers
- Toolchain versions

Leads:
- Rita Rust <rita@rust.example>"
send "Mallory Copy <mallory@copy.example>" "Tracing and Observability MC" \
"My own take on tracing: a microconference about tracing and observability,
with all the same people and a few more topics than the other one.  We
would look at user space tracing, at BPF based tools, and at how to keep
the overhead of always-on tracing low enough for production systems.

Topics:
- Tracing everything"
handle $((W1 + 3600))
ok $? "week 1: mcbot once handles RSVPs and proposals" || diag_file "$STACK_DIR/once.log"

# --- digest #2: dry run, then a crash at every step (on copies), then for real
cp -a "$state" "$STACK_DIR/state-before-2"
before=$(cd "$state" && find digests outbox -type f | sort | xargs sha256sum)
out=$(digest $D2 --dry-run)
ok $? "digest --dry-run runs"
like "$out" "=== issue 2, period 2026-06-08, to ada@tracing.example \\(lead\\)" "the dry run shows Ada's digest #2"
like "$out" "would be sent \\(dry run" "the dry run says nothing is sent"
is "$(cd "$state" && find digests outbox -type f | sort | xargs sha256sum)" "$before" \
	"the dry run changed nothing in the store or the outbox"
sleep 1
expect ada@tracing.example 1 "the dry run sent nothing" 1

# Crash at every step, each on a copy of the state, delivering to a folder.
crashconf() {   # crashconf DIR: a configuration for the copy in DIR
	cat >"$1/mcbot.conf" <<CONF
[list]
address = $BOT_USER
tag = LPC
[organizers]
addresses = org@lpc.example.org, chair@lpc.example.org
authserv_id = mx.lpc.example.org
[smtp]
deliver = folder
folder = delivered
[store]
state_dir = state
templates_dir = $MCBOT_TOP/templates
[digest]
timezone = Europe/Berlin
CONF
	rm -rf "$1/state" && cp -a "$STACK_DIR/state-before-2" "$1/state"
}
snapshot() {    # what must be the same after a crash and a restart
	(cd "$1" && cat state/digests/state &&
		echo "sent: $(ls state/outbox/sent | sort | tr '\n' ' ')" &&
		echo "queued: $(ls state/outbox/new | wc -l)" &&
		find delivered -type f -exec sha256sum {} + | sort &&
		echo "journal: $(ls state/journal | wc -l)")
}
mkdir -p "$STACK_DIR/crash/ref"
crashconf "$STACK_DIR/crash/ref"
(cd "$STACK_DIR/crash/ref" && MCBOT_NOW=$D2 "$MCBOT" --config mcbot.conf digest >/dev/null 2>&1)
ref=$(snapshot "$STACK_DIR/crash/ref")
like "$ref" "issue	2	2026-06-08" "the reference run records issue 2"
k=0 crashed=0 bad=""
while :; do
	k=$((k + 1))
	d=$STACK_DIR/crash/n$k
	mkdir -p "$d"
	crashconf "$d"
	(cd "$d" && MCBOT_CRASH_AFTER=$k MCBOT_NOW=$D2 "$MCBOT" --config mcbot.conf digest \
		>/dev/null 2>"$d/crash.log")
	status=$?
	if [ $status = 0 ]; then
		rm -rf "$d"
		break
	fi
	[ $status = 99 ] || { bad="$bad N=$k(exit $status)"; break; }
	crashed=$((crashed + 1))
	(cd "$d" && MCBOT_NOW=$((D2 + 60)) "$MCBOT" --config mcbot.conf digest >/dev/null 2>&1)
	got=$(snapshot "$d")
	if [ "$got" != "$ref" ]; then
		bad="$bad N=$k"
		[ -n "$first" ] || first=$(diff <(echo "$ref") <(echo "$got") | head -20)
	else
		rm -rf "$d"
	fi
	[ $k -lt 500 ] || { bad="$bad (no end)"; break; }
done
ok $([ $crashed -ge 5 ]; echo $?) "a digest run crashed at each of its $crashed steps"
is "$bad" "" "after each crash a restart ends like the uninterrupted run" || diag "$first"

# For real, through SMTP: crash in the middle, restart.
MCBOT_CRASH_AFTER=4 digest $D2 >/dev/null
is $? 99 "mcbot digest crashes in the middle of its transaction"
sleep 1
expect ada@tracing.example 1 "nothing was sent before the crash" 1
out=$(digest $((D2 + 60)))
ok $? "the restart runs" || diag_file "$STACK_DIR/digest.log"
like "$out" "nothing due" "the restart finds digest #2 already recorded"
expect org@lpc.example.org 2 "organizer 1 has exactly two digests" org
expect chair@lpc.example.org 2 "organizer 2 has exactly two digests" org
expect ada@tracing.example 2 "Ada has exactly two digests" 1
expect grace@boot.example 2 "Grace has exactly two digests" 2
expect rita@rust.example 1 "Rita's new MC (proposed before the period) has its first digest" 3
msg=$(last ada@tracing.example)
like "$msg" "Weekly digest #2" "Ada's second digest is #2"
like "$msg" "Pat Attendee" "it names the new RSVP"
like "$msg" "RSVPs withdrawn" "it lists the withdrawn RSVP"
like "$msg" "sam@attend.example" "... by its sender"
like "$msg" "RSVPs: +1 \\(2 new, 1 cancelled\\)" "it gives the total and the changes"
msg=$(last org@lpc.example.org)
like "$msg" "possible duplicate proposed by mallory@copy.example" "organizers see the possible duplicate"
like "$msg" "MC-3 Rust for Linux" "organizers see the new proposal"
like "$msg" "MC-2 Secure Boot Chains( MC)?: quiet" "a quiet MC is one line"
isnt "$(printf '%s\n' "$msg" | grep -i '^Message-Id:')" "$id1" "each issue has its own Message-ID"

# --- weeks missed while mcbot was down: one digest, not three ------------------
out=$(digest $W5)
like "$out" "issue 3" "three weeks later: issue 3"
out=$(digest $((W5 + 60)))
like "$out" "nothing due" "and only once"
expect org@lpc.example.org 3 "organizer 1: three digests" org
expect ada@tracing.example 3 "Ada: three digests" 1
expect rita@rust.example 2 "Rita: two digests" 3
like "$(last grace@boot.example)" "Nothing new for MC-2 since the last digest" "a quiet lead digest says so"

# --- --now: next week's digests at once, and not again at their time ---------
out=$(digest $EARLY --now)
like "$out" "issue 4, period of 2026-07-06" "--now sends the next period's digest (issue 4)"
expect org@lpc.example.org 4 "organizer 1: four digests" org
out=$(digest $D4)
like "$out" "nothing due" "the scheduled run of that period sends nothing more"
expect ada@tracing.example 4 "Ada: four digests" 1

# --- the daemon sends the due digest by itself, once ---------------------------
MCBOT_NOW=$D5 "$MCBOT" --config "$conf" run 2>"$STACK_DIR/run1.log" &
pid=$!
expect org@lpc.example.org 5 "the daemon sent digest #5" org
kill -TERM $pid
wait $pid
MCBOT_NOW=$((D5 + 600)) "$MCBOT" --config "$conf" run 2>"$STACK_DIR/run2.log" &
pid=$!
sleep 3
kill -TERM $pid
wait $pid
expect org@lpc.example.org 5 "a restarted daemon sends no duplicate" org
expect ada@tracing.example 5 "Ada: five digests" 1
like "$(last ada@tracing.example)" "Weekly digest #5" "the daemon's digest is #5"

grep -h "digest:" "$STACK_DIR"/digest.log "$STACK_DIR"/run1.log 2>/dev/null | sed 's/^/# /' >&2
done_testing
