#!/bin/bash
# The CPU-time bound on parsing one mail (bot/guard.h), crash-only: a
# mail that keeps the parser busy past [limits] parse_cpu_seconds stops the
# process (exit status 98) and leaves state/parsing naming it; the next
# start, as systemd's Restart= would do, moves that mail to the failed
# folder without parsing it and handles the rest.  The endless parse is
# played by the test hook MCBOT_TEST_PARSE_SPIN (guard.h); a process that
# dies while parsing for another reason sets the mail aside only after
# repeated deaths.  Local Maildir, replies written to a folder.
. "$(dirname "$0")/../lib/tap.sh"

work=$(mktemp -d /tmp/mcbot-guard-XXXXXX)
trap 'rm -rf "$work"' EXIT
fix=$MCBOT_TOP/tests/fixtures
export MCBOT_NOW=1767225600

setup() {       # setup DIR MAIL...: a Maildir holding the mails, in order, and a config
	local d=$1 i=0 f
	shift
	mkdir -p "$d/Maildir/new" "$d/Maildir/cur" "$d/Maildir/tmp"
	for f in "$@"; do
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
[smtp]
deliver = folder
folder = delivered
[store]
state_dir = state
templates_dir = $MCBOT_TOP/templates
[limits]
parse_cpu_seconds = 1
CONF
}

count() { ls "$1" 2>/dev/null | wc -l; }

# 1. The guard stops a parse that never ends, and the restart sets it aside.
d=$work/spin
setup "$d" "$fix/demo/01-tracing.eml" "$fix/limits/spin.eml" "$fix/demo/03-help.eml"
start=$(date +%s)
(cd "$d" && MCBOT_TEST_PARSE_SPIN=spin-forever timeout 60 "$MCBOT" --config mcbot.conf once \
	2>"$d/run1.log")
is "$?" 98 "the first run is stopped by the guard (exit status 98)" || diag_file "$d/run1.log"
ok $([ $(($(date +%s) - start)) -lt 30 ]; echo $?) "within seconds, not the timeout"
like "$(cat "$d/run1.log")" "mail new/00002.test:2, used more than 1 s of CPU time" \
	"the guard says which mail and why"
like "$(cat "$d/state/parsing" 2>/dev/null)" "^id new/00002.test:2,$" \
	"state/parsing names the mail"
like "$(cat "$d/state/parsing" 2>/dev/null)" "^killed$" "and says the guard killed the run"
is "$(count "$d/Maildir/new")" 3 "nothing was moved: the batch was not committed"

(cd "$d" && MCBOT_TEST_PARSE_SPIN=spin-forever timeout 60 "$MCBOT" --config mcbot.conf once \
	2>"$d/run2.log")
ok $? "the restarted run ends normally" || diag_file "$d/run2.log"
like "$(cat "$d/run2.log")" "the last run was stopped after too much CPU time parsing mail new/00002" \
	"the restart reports what stopped the last run"
like "$(cat "$d/run2.log")" "mail new/00002.test:2,: parsing it used more than parse_cpu_seconds" \
	"and sets that mail aside"
is "$(ls "$d/Maildir/.mcbot.failed/cur" 2>/dev/null)" "00002.test:2," \
	"the mail that stopped the guard is in the failed folder"
is "$(count "$d/Maildir/.mcbot.done/cur")" 2 "the other two mails were handled"
is "$(count "$d/delivered")" 2 "and answered"
is "$(count "$d/Maildir/new")$(count "$d/Maildir/cur")" 00 "the inbox is empty"
is "$(head -c 1 "$d/state/parsing")" - "the marker says no parse is in progress"
like "$(cat "$d/state/digests/mail-log" 2>/dev/null)" "parse_cpu_seconds" \
	"the organizers' digest will tell of it"

# 1b. The daemon, restarted on failure as systemd's Restart=on-failure does.
d=$work/daemon
setup "$d" "$fix/demo/01-tracing.eml" "$fix/limits/spin.eml" "$fix/demo/03-help.eml"
printf '[daemon]\npoll_interval = 1\n' >>"$d/mcbot.conf"
statuses=""
for attempt in 1 2 3; do
	(cd "$d" && exec env MCBOT_TEST_PARSE_SPIN=spin-forever "$MCBOT" --config mcbot.conf run \
		2>>"$d/daemon.log") &
	pid=$!
	for _ in $(seq 1 100); do      # until it exits, or has emptied the inbox
		kill -0 $pid 2>/dev/null || break
		[ "$(count "$d/Maildir/new")$(count "$d/Maildir/cur")" = 00 ] && break
		sleep 0.1
	done
	if kill -0 $pid 2>/dev/null; then
		kill -TERM $pid
		wait $pid
		statuses="$statuses $?"
		break
	fi
	wait $pid
	statuses="$statuses $?"
done
is "$statuses" " 98 0" "the daemon is stopped by the guard once, then runs until SIGTERM" ||
	diag_file "$d/daemon.log"
is "$(ls "$d/Maildir/.mcbot.failed/cur" 2>/dev/null)" "00002.test:2," \
	"after the restart the mail is in the failed folder"
is "$(count "$d/Maildir/.mcbot.done/cur")" 2 "and the others are handled"

# 2. A death that was not the guard's: the mail is parsed again, and set
# aside only after repeated deaths while parsing it.
marker() {      # marker DIR ID DEATHS: what a process dying while parsing ID leaves
	local size
	size=$(stat -c %s "$1/Maildir/$2")
	mkdir -p "$1/state"
	printf 'mcbot-parsing 1\nid %s\nsize %s\ndeaths %s\n' "$2" "$size" "$3" >"$1/state/parsing"
}
d=$work/once
setup "$d" "$fix/demo/01-tracing.eml" "$fix/demo/03-help.eml"
marker "$d" "new/00002.test:2," 0
(cd "$d" && "$MCBOT" --config mcbot.conf once 2>"$d/run.log")
ok $? "after one unexplained death the run ends normally" || diag_file "$d/run.log"
like "$(cat "$d/run.log")" "died while parsing mail new/00002.test:2, .*1 time" "it is reported"
is "$(count "$d/Maildir/.mcbot.done/cur")" 2 "and the mail is parsed and handled again"

d=$work/thrice
setup "$d" "$fix/demo/01-tracing.eml" "$fix/demo/03-help.eml"
marker "$d" "new/00002.test:2," 2
(cd "$d" && "$MCBOT" --config mcbot.conf once 2>"$d/run.log")
ok $? "after the third death in a row the run ends normally" || diag_file "$d/run.log"
is "$(ls "$d/Maildir/.mcbot.failed/cur" 2>/dev/null)" "00002.test:2," \
	"the mail is set aside without parsing"
is "$(count "$d/Maildir/.mcbot.done/cur")" 1 "the other one is handled"

d=$work/damaged
setup "$d" "$fix/demo/03-help.eml"
mkdir -p "$d/state" && printf 'garbage\nid new/00001.test:2,\n' >"$d/state/parsing"
(cd "$d" && "$MCBOT" --config mcbot.conf once 2>"$d/run.log")
ok $? "a damaged marker does not stop the run" || diag_file "$d/run.log"
is "$(count "$d/Maildir/.mcbot.done/cur")" 1 "and names no mail"

done_testing
