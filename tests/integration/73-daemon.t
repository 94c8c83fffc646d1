#!/bin/bash
# mcbot run as systemd runs it, without systemd: a private NOTIFY_SOCKET
# (READY, WATCHDOG, RELOADING, STOPPING), journald priority prefixes,
# one log line per mail, SIGHUP reloading the configuration (and keeping
# it when the new one is broken), SIGTERM losing nothing.  Then the
# operator commands: replay and outbox.  A local Maildir, replies to a
# folder: no server needed.
. "$(dirname "$0")/../lib/tap.sh"
TOP=${MCBOT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
MCBOT=${MCBOT:-$TOP/build/mcbot}
[ -x "$MCBOT" ] || skip_all "no mcbot binary at $MCBOT (make first)"
command -v python3 >/dev/null || skip_all "python3 is not installed"

T=$(mktemp -d "${TMPDIR:-/tmp}/mcbot-daemon.XXXXXX") || BAIL_OUT "mktemp"
LISTENER="" DAEMON=""
cleanup() {
	for p in $DAEMON $LISTENER; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	if [ "$TAP_FAILED" -gt 0 ]; then diag "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
mkdir -p "$T/Maildir/new" "$T/Maildir/cur" "$T/Maildir/tmp"

# write_conf NAME [EXTRA LINE]: the configuration, list name NAME.
write_conf() {
	cat >"$T/mcbot.conf" <<EOF
[list]
address = mc@lpc.example.org
name = $1
tag = LPC
[inbox]
type = maildir
maildir = Maildir
[smtp]
deliver = folder
[store]
state_dir = state
templates_dir = $TOP/templates
[daemon]
poll_interval = 1
$2
EOF
}

# mail N: a help request from user N, Message-ID <help-N@test.example>.
mail() {
	printf 'From: User %s <user%s@test.example>\nTo: mc@lpc.example.org\nSubject: help\nMessage-ID: <help-%s@test.example>\nDate: Mon, 02 Mar 2026 10:00:00 +0000\n\nhelp\n' \
		"$1" "$1" "$1" >"$T/mail-$1.eml"
	cp "$T/mail-$1.eml" "$T/Maildir/tmp/$1.test" && mv "$T/Maildir/tmp/$1.test" "$T/Maildir/new/$1.test"
}

# wait_for SECONDS CMD...: until CMD succeeds; false on timeout.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}
replied_to() { grep -lqs "^To: .*user$1@test.example" "$T"/state/delivered/*.eml; }
replied_from() { grep -qs "^From: $1 <" $(grep -ls "^To: .*user$2@test.example" "$T"/state/delivered/*.eml); }
notified() { grep -qx "$1" "$T/notify.log"; }

# The notification socket systemd would give the service.
python3 - "$T/notify.sock" "$T/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(300)
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        data = s.recv(4096).decode()
        for line in data.split("\n"):
            if line:
                log.write(line + "\n")
PY
LISTENER=$!
wait_for 10 test -S "$T/notify.sock" || BAIL_OUT "no notification socket"

write_conf "First List"
: >"$T/daemon.log"
journal=$(stat -c '%d:%i' "$T/daemon.log")
(cd "$T" && NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=4000000 JOURNAL_STREAM=$journal \
	exec "$MCBOT" --config "$T/mcbot.conf" run 2>>"$T/daemon.log") &
DAEMON=$!
wait_for 10 notified READY=1
ok $? "the daemon says READY=1" || diag_file "$T/daemon.log"

mail 1
wait_for 10 replied_to 1
ok $? "a mail is answered" || diag_file "$T/daemon.log"
like "$(grep 'help-1@' "$T/daemon.log")" '^<6>mcbot: mail help-1@test.example from user1@test.example: help: help, to done$' \
	"it is logged with a journald prefix, Message-ID, sender, kind, outcome and folder"
is "$(grep -c 'help-1@test.example' "$T/daemon.log")" 1 "... once"
out=$(cd "$T" && "$MCBOT" --config "$T/mcbot.conf" export --format json 2>&1)
ok $? "export works next to the running daemon" || diag "$out"
out=$(cd "$T" && "$MCBOT" --config "$T/mcbot.conf" list 2>&1)
ok $? "... and so does list" || diag "$out"
sleep 3
n=$(grep -cx WATCHDOG=1 "$T/notify.log")
ok "$([ "$n" -ge 3 ]; echo $?)" "the watchdog is fed while idle ($n pings)"

# SIGHUP: a new configuration is taken...
write_conf "Renamed List"
kill -HUP "$DAEMON"
wait_for 10 grep -q 'reload: the configuration and the templates' "$T/daemon.log"
ok $? "SIGHUP reloads the configuration" || diag_file "$T/daemon.log"
wait_for 5 notified RELOADING=1
ok $? "... with RELOADING=1 and READY=1 around it"
mail 2
wait_for 10 replied_to 2 && replied_from "Renamed List" 2
ok $? "... and the next reply uses the new list name"

# ... a broken one is not, and the daemon goes on with the running one.
write_conf "Broken List" "bogus line"
kill -HUP "$DAEMON"
wait_for 10 grep -q 'reload: .* has problems; the running configuration stays' "$T/daemon.log"
ok $? "a broken configuration on SIGHUP is refused" || diag_file "$T/daemon.log"
bad=$(grep -n '^bogus line$' "$T/mcbot.conf" | cut -d: -f1)
like "$(grep 'reload: ' "$T/daemon.log")" "^<4>mcbot: reload: $T/mcbot.conf:$bad: expected" \
	"... the log says why, with file:line, as a warning"
mail 3
wait_for 10 replied_to 3 && replied_from "Renamed List" 3
ok $? "... and mail is still answered with the running configuration"
kill -0 "$DAEMON" 2>/dev/null
ok $? "the daemon is still running"

# SIGTERM in the middle of a batch: nothing lost, exit 0.
write_conf "Renamed List"
for i in $(seq 100 299); do mail "$i"; done
wait_for 10 replied_to 100
kill -TERM "$DAEMON"
wait "$DAEMON"
is "$?" 0 "SIGTERM: the daemon exits 0"
DAEMON=""
notified STOPPING=1
ok $? "... after STOPPING=1"
like "$(tail -n 1 "$T/daemon.log")" '^<6>mcbot: stopped$' "... and logs that it stopped"
handled=$(ls "$T/Maildir/.mcbot.done/cur" | wc -l)
left=$(ls "$T/Maildir/new" "$T/Maildir/cur" | grep -c test)
is "$((handled + left))" 203 "no mail is lost: $handled handled, $left left in the inbox"
answered=$(grep -l '^To: .*user[0-9]*@test.example' "$T"/state/delivered/*.eml | wc -l)
is "$answered" "$handled" "every handled mail was answered before the exit"

# The operator commands, the daemon stopped.
out=$(cd "$T" && "$MCBOT" --config "$T/mcbot.conf" replay "$T/mail-1.eml" 2>&1)
like "$out" "mail-1.eml: already processed: nothing done" "replay of a handled mail changes nothing"
printf 'From: Replayed <replay@test.example>\nTo: mc@lpc.example.org\nSubject: help\nMessage-ID: <replay-1@test.example>\n\nhelp\n' \
	>"$T/replay.eml"
out=$(cd "$T" && "$MCBOT" --config "$T/mcbot.conf" replay "$T/replay.eml" 2>&1)
ok $? "replay of a saved mail" || diag "$out"
like "$out" "mail replay-1@test.example from replay@test.example: help: help, to done" "... goes through the same path and log line"
grep -lqs '^To: .*replay@test.example' "$T"/state/delivered/*.eml
ok $? "... and its reply is sent"
run_fails "replay of a missing file fails" "$MCBOT" --config "$T/mcbot.conf" replay "$T/nope.eml"

# outbox: a failed mail is listed with its reason, retried, sent.
name=$(ls "$T/state/outbox/sent" | head -n 1)
mv "$T/state/outbox/sent/$name" "$T/state/outbox/failed/$name"
echo "smtp: 550 5.1.1 mailbox unavailable" >"$T/state/outbox/failed/$name.reason"
out=$("$MCBOT" --config "$T/mcbot.conf" outbox 2>&1)
like "$out" "^failed \(1\):" "outbox lists the failed mail"
like "$out" "550 5.1.1 mailbox unavailable" "... with its reason"
like "$out" "^held for release \(0\):" "... and the mails held for release"
like "$out" "to user[0-9]*@test.example: \[LPC\]" "... its recipient and subject"
out=$("$MCBOT" --config "$T/mcbot.conf" outbox retry "$name" 2>&1)
ok $? "outbox retry NAME" || diag "$out"
like "$("$MCBOT" --config "$T/mcbot.conf" outbox queued)" "^  $name\$" "... puts it back in the queue"
[ ! -e "$T/state/outbox/failed/$name.reason" ]
ok $? "... without its old reason"
(cd "$T" && "$MCBOT" --config "$T/mcbot.conf" once 2>/dev/null)
like "$("$MCBOT" --config "$T/mcbot.conf" outbox)" "^queued \(0\):" "the next run sends it"
run_fails "retry of an unknown name fails" "$MCBOT" --config "$T/mcbot.conf" outbox retry nosuchmail
run_fails "retry of a name with a path fails" "$MCBOT" --config "$T/mcbot.conf" outbox retry ../retry
if [ "$(id -u)" = 0 ]; then
	chown -R nobody "$T/state"
	out=$("$MCBOT" --config "$T/mcbot.conf" outbox retry all 2>&1)
	like "$out" "belongs to uid [0-9]+: run this as that user" "root may not write into another user's state"
	chown -R root "$T/state"
else
	skip 1 "not root"
fi
done_testing
