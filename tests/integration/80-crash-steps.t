#!/bin/bash
# Crash at every step: MCBOT_CRASH_AFTER=N makes mcbot exit after its N-th
# durable step (journal record, each applied change, each mail moved, each
# reply handed over).  For every N, crash there, restart, and compare the
# store, the mail folders and the delivered replies with an uninterrupted
# run.  Runs on a local Maildir with replies written to a folder, so that
# hundreds of restarts stay fast; the same run.c, store and outbox code
# serve IMAP and SMTP.  Uses the project's fixtures, and the lpc2022
# corpus mailbox from ../shared/corpus when it is present.
#
# MCBOT_CRASH_EVERY=K crashes at every K-th step only, from a first step
# picked by the seed (MCBOT_CRASH_SEED=S repeats a run): `make check` runs
# every step with the normal build and every third with the sanitized one.
. "$(dirname "$0")/../lib/tap.sh"

# Hundreds of runs: on tmpfs when there is one, as fsync is not what is tested.
base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/mcbot-crash-XXXXXX")
trap 'rm -rf "$work"' EXIT
mails=("$MCBOT_TOP"/tests/fixtures/demo/*.eml)
corpus=${MCBOT_CORPUS:-$MCBOT_TOP/../shared/corpus}
if [ -d "$corpus/mail/lpc2022" ]; then
	mails+=("$corpus"/mail/lpc2022/*.eml)
	note "with the lpc2022 corpus mailbox (${#mails[@]} mails)"
else
	note "corpus absent: the project's fixtures only (${#mails[@]} mails)"
fi
export MCBOT_NOW=1767225600
every=${MCBOT_CRASH_EVERY:-1}
seed=${MCBOT_CRASH_SEED:-$(( $(date +%s) % 100000 ))}
first=$((1 + seed % every))
[ "$every" = 1 ] || note "every $every steps from step $first (MCBOT_CRASH_SEED=$seed repeats this run)"

setup() {       # setup DIR: a fresh Maildir holding every mail, and a config
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
[inbox]
type = maildir
maildir = Maildir
[imap]
batch = 4
[smtp]
deliver = folder
folder = delivered
[store]
state_dir = state
templates_dir = $MCBOT_TOP/templates
CONF
}

snapshot() {    # snapshot DIR: what must be the same after any crash
	(cd "$1" &&
		find state/mc state/processed state/next-id -type f ! -name '*.tmp' -exec sha256sum {} + | sort
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
like "$ref" "sent: [0-9a-f]" "the uninterrupted run sent replies"

# crash_at N: crash after step N, restart, compare.  Writes DIR/result:
# "end" (no step N: the run finished), "same", "differs" or "exit S".
crash_at() {
	local n=$1 d=$work/n$1 status
	setup "$d"
	(cd "$d" && MCBOT_CRASH_AFTER=$n "$MCBOT" --config mcbot.conf once 2>"$d/crash.log")
	status=$?
	if [ $status -eq 0 ]; then
		echo end >"$d/result"
		return
	fi
	if [ $status -ne 99 ]; then
		echo "exit $status" >"$d/result"
		return
	fi
	(cd "$d" && "$MCBOT" --config mcbot.conf once 2>"$d/restart.log")
	snapshot "$d" >"$d/snapshot"
	if [ "$(cat "$d/snapshot")" = "$ref" ]; then
		echo same >"$d/result"
	else
		echo differs >"$d/result"
	fi
}

# Two crash points at a time (one per core).
n=$first crashed=0 bad="" done=""
while [ -z "$done" ]; do
	crash_at "$n" &
	crash_at $((n + every)) &
	wait
	for k in "$n" $((n + every)); do
		d=$work/n$k
		r=$(cat "$d/result" 2>/dev/null)
		case $r in
		end) done=1 ;;
		same) crashed=$((crashed + 1)) ;;
		differs)
			crashed=$((crashed + 1))
			bad="$bad N=$k"
			[ -n "$first_diff" ] || first_diff=$(diff <(echo "$ref") "$d/snapshot" | head -20) ;;
		*)
			bad="$bad N=$k($r)"
			diag_file "$d/crash.log"
			done=1 ;;
		esac
		case $r in differs | "") ;; *) rm -rf "$d" ;; esac
	done
	n=$((n + 2 * every))
	[ $n -lt 5000 ] || { bad="$bad (no end after 5000 steps)"; break; }
done
note "$crashed crash points"
ok $([ $crashed -gt $((20 / every)) ]; echo $?) "crashed at each of $crashed steps (one in $every)"
is "$bad" "" "every crash + restart ends like the uninterrupted run" || diag "$first_diff"
done_testing
