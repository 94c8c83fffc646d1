#!/bin/bash
# kill -9 at random moments during a drain of 1,000 mails through IMAP and
# SMTP (Dovecot in, Postfix out and back into Dovecot), restarting each
# time, then comparing with an uninterrupted run of the same mails: the
# same store, the same mail folders, and every reply delivered at least
# once, a duplicate only with the same Message-ID.
#
# Seeded: MCBOT_KILL_SEED=S repeats a run (the seed picks the mails and
# the moments); MCBOT_KILL_MAILS and MCBOT_KILLS change the sizes.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/stack.sh"
. "$(dirname "$0")/../lib/faults.sh"
stack_require || skip_all "$STACK_SKIP"
command -v python3 >/dev/null || skip_all "python3 is not installed"
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
: "${STACK_WATCHDOG:=400}"
seed=${MCBOT_KILL_SEED:-$(( $(date +%s) % 100000 ))}
N=${MCBOT_KILL_MAILS:-1000}
KILLS=${MCBOT_KILLS:-8}
note "seed $seed (MCBOT_KILL_SEED=$seed repeats this run), $N mails, $KILLS kills"
RANDOM=$seed
stack_start || BAIL_OUT "no test stack"
trap 'faults_stop_all; stack_stop' EXIT
W=$STACK_DIR/work
mkdir -p "$W"
export MCBOT_NOW=1767258000

python3 "$MCBOT_TOP/tests/tools/gen-mails" --seed "$seed" --count "$N" "$W/mails" 2>"$W/gen.log"
ok $? "$N mails generated ($(cat "$W/gen.log"))" || BAIL_OUT "no mails"

# Both runs: no SMTP AUTH, no digest, no outbox brake (it depends on how
# fast the queue drains, which differs between a folder and a server).
common=(-smtp.user -smtp.password_file digest.enabled=false limits.outbox_brake=0 imap.batch=20)

# The reference: a mailbox of its own, replies written to a folder.
REF=ref@lpc.example.org
stack_add_user "$REF" >/dev/null
faults_inject "$REF" "$W"/mails/*.eml
mcbot_conf "$W/ref.conf" "${common[@]}" imap.user="$REF" \
	imap.password_file="$STACK_DIR/auth/$REF.password" smtp.deliver=folder \
	smtp.folder="$W/ref-delivered" store.state_dir="$W/ref-state"
t0=$SECONDS
"$MCBOT" --config "$W/ref.conf" once 2>"$W/ref.log"
ok $? "the uninterrupted run ($((SECONDS - t0)) s)" || diag_file "$W/ref.log"

# The killed one: the bot's INBOX, replies through Postfix.
faults_inject "$BOT_USER" "$W"/mails/*.eml
mcbot_conf "$W/kill.conf" "${common[@]}" store.state_dir="$W/kill-state"
processed() { cat "$W/kill-state/processed" 2>/dev/null | wc -l; }
kills=0 runs=0 at=""
t0=$SECONDS
while [ "$kills" -lt "$KILLS" ]; do
	ms=$((200 + RANDOM % 2300))
	runs=$((runs + 1))
	faults_mcbot_bg "$W/run-$runs.log" --config "$W/kill.conf" once
	pid=$FAULTS_MCBOT_PID
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	if ! stack__alive "$pid"; then
		wait "$pid"
		note "run $runs ended by itself before its kill"
		break
	fi
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	kills=$((kills + 1))
	at="$at ${ms}ms:$(processed)"
done
note "killed $kills times (after ms: mails processed so far):$at"
ok "$([ "$kills" -ge 1 ]; echo $?)" "mcbot was killed during the drain ($kills times)"
"$MCBOT" --config "$W/kill.conf" once 2>"$W/final.log"
ok $? "a last run finishes the drain ($((SECONDS - t0)) s in all)" || diag_file "$W/final.log"
note "journals replayed after a kill: $(cat "$W"/run-*.log "$W/final.log" | grep -c 'journal .*replayed')"

# The store: every file but the outbox queue, the journal and the lock.
snapshot() {
	(cd "$1" && find . -type f ! -path './outbox/*' ! -path './journal/*' ! -name lock \
		! -name '*.tmp' -exec sha256sum {} + | sort -k2)
}
snapshot "$W/ref-state" >"$W/ref.snap"
snapshot "$W/kill-state" >"$W/kill.snap"
diff "$W/ref.snap" "$W/kill.snap" >"$W/snap.diff"
ok $? "the store is the same as after the uninterrupted run" || diag "$(head -n 20 "$W/snap.diff")"
is "$(wc -l <"$W/kill-state/processed")" "$(wc -l <"$W/ref-state/processed")" \
	"as many mails processed ($(wc -l <"$W/ref-state/processed"))"
diff <(ls "$W/ref-state/outbox/sent" | sort) <(ls "$W/kill-state/outbox/sent" | sort) >"$W/sent.diff"
ok $? "the same replies sent ($(ls "$W/ref-state/outbox/sent" | wc -l))" ||
	diag "$(head -n 20 "$W/sent.diff")"
is "$(find "$W/kill-state/outbox/new" "$W/kill-state/outbox/failed" -type f | wc -l)" 0 \
	"nothing left queued or failed"
folders() {
	local f
	for f in "" mcbot/done mcbot/dropped mcbot/failed mcbot/refused mcbot/oversize; do
		printf '%s=%s ' "${f:-INBOX}" "$(faults_folder_count "$1" "$f")"
	done
}
is "$(folders "$BOT_USER")" "$(folders "$REF")" "the mail folders hold the same ($(folders "$REF"))"

# Every reply delivered at least once; a duplicate only with the same Message-ID.
faults_reply_ids "$W/ref-delivered" | sort -u >"$W/want.ids"
want=$(wc -l <"$W/want.ids")
all_there() {
	faults_reply_ids "$STACK_DIR/mail" | sort -u | comm -23 "$W/want.ids" - | grep -q . && return 1
	return 0
}
faults_wait 120 all_there
ok $? "every one of the $want replies reached its mailbox"
faults_reply_ids "$STACK_DIR/mail" >"$W/got.ids"
is "$(sort -u "$W/got.ids" | comm -13 "$W/want.ids" - | wc -l)" 0 \
	"no reply with an unexpected Message-ID"
dups=$(( $(wc -l <"$W/got.ids") - $(sort -u "$W/got.ids" | wc -l) ))
note "$(wc -l <"$W/got.ids") replies delivered for $want expected: $dups sent twice" \
	"(killed between the server's 250 and the outbox update), with the same Message-ID"
ok "$([ "$dups" -le "$kills" ]; echo $?)" "at most one duplicate per kill ($dups)"
done_testing
