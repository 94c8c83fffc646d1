#!/bin/bash
# No leak growth: `mcbot once` drains a small and a larger number of
# generated mails (tests/tools/gen-mails: proposals, resends, RSVPs,
# declines) from the stack's Dovecot over IMAP, replies to Postfix's
# smtp-sink, built with LeakSanitizer (MCBOT=build-san/mcbot, as the
# second pass of `make check` runs it).  What leaked at exit must not grow
# with the number of mails, and is nothing at all: mcbot frees what it
# allocates, and GLib's and GMime's one-time allocations stay reachable,
# which LeakSanitizer does not count.
#
# MCBOT_LEAK_SMALL and MCBOT_LEAK_LARGE change the sizes (200 and 1,000).
# Skipped with a binary built without -fsanitize=address.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/stack.sh"
. "$(dirname "$0")/../lib/faults.sh"
stack_require || skip_all "$STACK_SKIP"
grep -qa __asan_init "$MCBOT" 2>/dev/null ||
	skip_all "$MCBOT is not built with -fsanitize=address (make check runs it with build-san/mcbot)"
command -v python3 >/dev/null || skip_all "python3 is not installed"
[ -x /usr/sbin/smtp-sink ] || skip_all "Postfix's smtp-sink is not installed"
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
SMALL=${MCBOT_LEAK_SMALL:-200}
LARGE=${MCBOT_LEAK_LARGE:-1000}
stack_start || BAIL_OUT "no test stack"
trap 'faults_stop_all; stack_stop' EXIT
W=$STACK_DIR/work
mkdir -p "$W"
export MCBOT_NOW=1767258000

python3 "$MCBOT_TOP/tests/tools/gen-mails" --seed 86 --count "$LARGE" "$W/mails" 2>"$W/gen.log"
ok $? "$LARGE mails generated ($(cat "$W/gen.log"))" || BAIL_OUT "no mails"
faults_sink_start "$W/sink" || BAIL_OUT "no smtp-sink"

# leaked FILE...: "BYTES ALLOCATIONS" summed over LeakSanitizer's summaries.
leaked() {
	cat "$@" 2>/dev/null | sed -n \
		's/^SUMMARY: AddressSanitizer: \([0-9]*\) byte(s) leaked in \([0-9]*\) allocation(s).*/\1 \2/p' |
		awk '{ b += $1; a += $2 } END { printf "%d %d\n", b, a }'
}

# Both users before any login: Dovecot's passwd-file is looked at again
# only in a later second than its last lookup.
for n in "$SMALL" "$LARGE"; do
	stack_add_user "leak-$n@lpc.example.org" >/dev/null || BAIL_OUT "cannot add a user"
done

# drain N: the first N mails, a mailbox and a state of their own; sets LEAK.
drain() {
	local n=$1 user=leak-$1@lpc.example.org pw t0 status mails reports
	pw=$STACK_DIR/auth/$user.password
	mails=("$W"/mails/*.eml)
	faults_inject "$user" "${mails[@]:0:$n}"
	mcbot_conf "$W/$n.conf" imap.user="$user" imap.password_file="$pw" \
		"smtp.url=smtp://127.0.0.1:$SINK_PORT" smtp.local=true -smtp.user -smtp.password_file \
		store.state_dir="$W/state-$n" digest.enabled=false imap.batch=50 \
		limits.max_replies_per_sender_day=100000 limits.outbox_brake=0
	t0=$SECONDS
	# Its reports in files of this test: later options win over san-exec's,
	# and UBSAN_OPTIONS' log_path over ASAN_OPTIONS' (see tests/lib/san-exec).
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:log_path=$W/lsan-$n" \
	UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$W/lsan-$n" \
		"$MCBOT" --config "$W/$n.conf" once 2>"$W/$n.log"
	status=$?
	LEAK=$(leaked "$W"/lsan-"$n".*)
	note "$n mails: ${LEAK% *} bytes leaked in ${LEAK#* } allocations"
	# A leak report alone makes the exit status 1: that is told below.
	grep -q -E 'ERROR: AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$W"/lsan-"$n".* 2>/dev/null ||
		[ "$status" != 1 ] || [ "${LEAK% *}" = 0 ] || status=0
	ok "$status" "$n mails drained ($((SECONDS - t0)) s)" || diag_file "$W/$n.log"
	is "$(wc -l <"$W/state-$n/processed")" "$n" "all $n processed"
	reports=$(cat "$W"/lsan-"$n".* 2>/dev/null)
	[ -z "$reports" ] || diag "$n mails, sanitizer report:" "$(printf '%s\n' "$reports" | head -n 80)"
}

drain "$SMALL"
small=$LEAK
drain "$LARGE"
large=$LEAK
sent=$(faults_outbox_ids "$W/state-$SMALL"; faults_outbox_ids "$W/state-$LARGE")
faults_wait 20 test "$(faults_reply_ids "$W/sink" | wc -l)" -ge "$(printf '%s\n' "$sent" | wc -l)"
is "$(faults_reply_ids "$W/sink" | sort | comm -3 - <(printf '%s\n' "$sent" | sort) | wc -l)" 0 \
	"the $(printf '%s\n' "$sent" | wc -l) replies sent are the ones smtp-sink took"
is "${large% *}" "${small% *}" "leaked bytes do not grow from $SMALL to $LARGE mails"
is "$large" "0 0" "nothing leaked"
done_testing
