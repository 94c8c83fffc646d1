#!/bin/bash
# Server faults, through the whole mcbot path (IMAP in, SMTP out):
#  A. Dovecot stopped and restarted in the middle of a drain (`mcbot run`
#     in the background): it reconnects with backoff and jitter, finishes,
#     and nothing is lost or doubled (store, outbox, replies delivered).
#  B. The same during an IDLE wait, with mail arriving while it is down.
#  C. IDLE renewed every [imap] idle_renew; polling after repeated IDLE
#     failures (an IMAP proxy that refuses IDLE).
#  D. Postfix's smtp-sink as the SMTP server: 4xx retried on a schedule,
#     5xx moved to outbox/failed with its reason, a connection lost after
#     the final dot retried with the same Message-ID, giving up after
#     five days.
#  E. The mailbox deleted and restored (new UIDVALIDITY, new UIDs), between
#     runs and under a running daemon: no mail is handled twice.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/stack.sh"
. "$(dirname "$0")/../lib/faults.sh"
stack_require || skip_all "$STACK_SKIP"
command -v python3 >/dev/null || skip_all "python3 is not installed"
[ -x /usr/sbin/smtp-sink ] || skip_all "smtp-sink (package postfix) is not installed"
# Thousands of fsyncs in Postfix, Dovecot and the store: tmpfs when there is one.
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
: "${STACK_WATCHDOG:=300}"
stack_start || BAIL_OUT "no test stack"
trap 'faults_stop_all; stack_stop' EXIT
W=$STACK_DIR/work
mkdir -p "$W"

done_count() { faults_folder_count "$BOT_USER" mcbot/done; }
inbox_count() { faults_folder_count "$BOT_USER" ""; }
at_least() { [ "$($1)" -ge "$2" ]; }
drained() { [ "$(done_count)" -ge "$1" ] && [ "$(inbox_count)" = 0 ] &&
	[ -z "$(ls "$STACK_DIR/state/outbox/new")" ]; }
log_has() { grep -q -- "$2" "$1"; }
log_count() { grep -c -- "$2" "$1"; }
# delivered_ok DIR N: N distinct reply Message-IDs in the mailboxes under DIR
delivered_ok() { [ "$(faults_reply_ids "$1" | sort -u | wc -l)" -ge "$2" ]; }

# The daemon's configuration: no SMTP AUTH (Postfix relays for
# 127.0.0.1), so sending works while Dovecot, which checks passwords for
# Postfix, is down.
mcbot_conf "$W/run.conf" -smtp.user -smtp.password_file digest.enabled=false \
	imap.batch=5 imap.timeout=5 daemon.poll_interval=30 limits.max_replies_per_sender_day=0

# --- A: Dovecot restarted in the middle of a drain ------------------------
N=300
faults_help_mails "$W/a" a faults-a.example $N
faults_inject "$BOT_USER" "$W"/a/*.eml
faults_mcbot_bg "$W/run.log" --trace imap --config "$W/run.conf" run
daemon=$FAULTS_MCBOT_PID
faults_wait 60 at_least done_count 30
faults_dovecot_stop
ok $? "Dovecot stopped in the middle of the drain"
mid=$(done_count)
note "$mid of $N mails handled when Dovecot stopped"
ok "$([ "$mid" -lt "$N" ]; echo $?)" "... with mail still waiting ($mid of $N done)"
sleep 2
faults_dovecot_start
ok $? "Dovecot started again"
faults_wait 90 drained $N
ok $? "mcbot reconnected and finished the drain" || diag_file "$W/run.log"
is "$(done_count)/$(inbox_count)" "$N/0" "every mail is in mcbot/done, none left"
is "$(cut -f1 "$STACK_DIR/state/processed" | grep -c '@faults-a.example>')" "$N" \
	"$N mails processed"
is "$(cut -f1 "$STACK_DIR/state/processed" | sort | uniq -d | wc -l)" 0 "none processed twice"
is "$(grep -c 'mail a-[0-9]*@faults-a.example from' "$W/run.log")" "$N" \
	"each mail handled once (log)"
is "$(ls "$STACK_DIR/state/outbox/sent" | wc -l)" "$N" "$N replies sent"
like "$(grep 'reconnecting' "$W/run.log" | head -n1)" "imap .*(lost|refused|connect)" \
	"the lost session was logged"
faults_wait_mail 60 delivered_ok "$STACK_DIR/mail/faults-a.example" "$N"
ok $? "every reply reached its mailbox"
faults_outbox_ids "$STACK_DIR/state" | sort -u >"$W/a-sent.ids"
faults_reply_ids "$STACK_DIR/mail/faults-a.example" >"$W/a-delivered.ids"
is "$(sort -u "$W/a-delivered.ids" | comm -3 - "$W/a-sent.ids" | wc -l)" 0 \
	"the replies delivered are exactly the replies sent"
note "A: $(wc -l <"$W/a-delivered.ids") replies delivered for $N mails" \
	"(a duplicate is allowed only with the same Message-ID)"

# --- B: Dovecot restarted during an IDLE wait -----------------------------
in_idle() { tail -n1 "$W/run.log" | grep -q "IDLE for at most"; }
faults_wait 20 in_idle
ok $? "the daemon waits in IDLE"
sleep 0.5
faults_dovecot_stop
faults_help_mails "$W/b" b faults-b.example 20
faults_inject "$BOT_USER" "$W"/b/*.eml
sleep 4
faults_dovecot_start
ok $? "Dovecot restarted, 20 mails arrived meanwhile"
faults_wait 60 drained $((N + 20))
ok $? "the daemon reconnected and handled them" || diag_file "$W/run.log"
is "$(grep -c 'mail b-[0-9]*@faults-b.example from' "$W/run.log")" 20 "each once"
is "$(cut -f1 "$STACK_DIR/state/processed" | sort | uniq -d | wc -l)" 0 "none processed twice"
# Backoff with jitter: the k-th consecutive wait is within 0.5..1.5 x 2^(k-1) s
# (a session that drained the inbox starts the count again).
waits=$(awk '/connecting again in/ { for (i = 1; i <= NF; i++) if ($i == "in") print $(i + 1) }
	' "$W/run.log" | tr '\n' ' ')
note "waits before reconnecting: $waits"
ok "$([ "$(wc -w <<<"$waits")" -ge 3 ]; echo $?)" "reconnection attempts were spaced out"
bad=$(awk '
	/connecting again in/ { for (i = 1; i <= NF; i++) if ($i == "in") w = $(i + 1)
		step = k++ ? step * 2 : 1; if (step > 300) step = 300
		if (w < 0.5 * step || w > 1.5 * step) print "wait " w " for step " step
		next }
	/mail [^ ]* from / { k = 0 }' "$W/run.log")
is "$bad" "" "each wait doubles, within +-50% jitter" || diag_file "$W/run.log" 60
isnt "$(tr ' ' '\n' <<<"$waits" | grep -v '^$' | grep -vc '\.00$')" 0 "the waits are jittered"
faults_stop "$daemon"
is "$?" 0 "SIGTERM: the daemon stops cleanly"

# --- C: IDLE renewal, and polling after repeated IDLE failures ------------
faults_proxy_start "$W/proxy1.log" || BAIL_OUT "no IMAP proxy"
mcbot_conf "$W/idle.conf" -smtp.user -smtp.password_file digest.enabled=false \
	imap.port="$PROXY_PORT" imap.idle_renew=2 daemon.poll_interval=60
faults_mcbot_bg "$W/idle.log" --trace imap --config "$W/idle.conf" run
idle_daemon=$FAULTS_MCBOT_PID
sleep 7
idle_cmds() { grep -c ' IDLE$' "$1"; }
n=$(idle_cmds "$W/proxy1.log")
ok "$([ "$n" -ge 3 ]; echo $?)" "with idle_renew = 2 s, IDLE is re-issued ($n IDLEs in 7 s)"
gaps=$(awk '$NF == "IDLE" { if (t) printf "%.1f ", $1 - t; t = $1 }' "$W/proxy1.log")
bad=$(awk -v g="$gaps" 'BEGIN { n = split(g, a, " "); for (i = 1; i <= n; i++) if (a[i] > 3.5) print a[i] }')
is "$bad" "" "no IDLE lasted much longer than 2 s (gaps: $gaps)"
is "$(grep -c ' LOGIN$' "$W/proxy1.log")" 1 "... on the same connection"
faults_help_mails "$W/c" c faults-c.example 2
faults_inject "$BOT_USER" "$W/c/c-1.eml"
t0=$SECONDS
faults_wait 10 drained $((N + 21))
ok $? "IDLE tells of new mail: handled in $((SECONDS - t0)) s"
faults_stop "$idle_daemon"
kill "$FAULTS_PROXY_PID" 2>/dev/null

faults_proxy_start "$W/proxy2.log" --fail-idle || BAIL_OUT "no IMAP proxy"
mcbot_conf "$W/poll.conf" -smtp.user -smtp.password_file digest.enabled=false \
	imap.port="$PROXY_PORT" daemon.poll_interval=2
faults_mcbot_bg "$W/poll.log" --config "$W/poll.conf" run
poll_daemon=$FAULTS_MCBOT_PID
faults_wait 30 log_has "$W/poll.log" "IDLE keeps failing; polling instead"
ok $? "after repeated IDLE failures mcbot polls" || diag_file "$W/poll.log"
sleep 5
is "$(idle_cmds "$W/proxy2.log")" 3 "three IDLE attempts, then no more"
faults_inject "$BOT_USER" "$W/c/c-2.eml"
t0=$SECONDS
faults_wait 20 drained $((N + 22))
ok $? "polling finds new mail: handled in $((SECONDS - t0)) s" || diag_file "$W/poll.log"
faults_stop "$poll_daemon"
kill "$FAULTS_PROXY_PID" 2>/dev/null

# --- D: SMTP faults from smtp-sink, through mcbot once --------------------
SD=$W/stateD
T0=$(date +%s)
# once NAME NOW: mcbot once (replies to the current sink), clock at NOW
once() {
	mcbot_conf "$W/d.conf" -smtp.user -smtp.password_file -smtp.ca_file \
		smtp.url="smtp://127.0.0.1:$SINK_PORT" smtp.local=true smtp.timeout=3 \
		digest.enabled=false store.state_dir="$SD"
	MCBOT_NOW=$2 "$MCBOT" --config "$W/d.conf" once 2>"$W/$1.log"
	ok $? "mcbot once ($1)" || diag_file "$W/$1.log"
}
faults_help_mails "$W/d" d faults-d.example 4
name_of() { grep -l "^To: .*$1" "$SD"/outbox/*/* 2>/dev/null | head -n1 | xargs -r basename; }
id_in() { faults_reply_ids "$@" | sort -u | tr '\n' ' '; }
retry_of() { awk -F'\t' -v n="$1" '$1 == n { print $2 " " $3 }' "$SD/outbox/retry" 2>/dev/null; }

# D1: 450 after the final dot, then again, then a good server.
faults_sink_start "$W/sink1" -r . || BAIL_OUT "no smtp-sink"
faults_inject "$BOT_USER" "$W/d/d-1.eml"
once d1-450 "$T0"
n1=$(name_of d-1@faults-d.example)
ok "$([ -n "$n1" ] && [ -f "$SD/outbox/new/$n1" ]; echo $?)" "4xx: the reply stays queued"
is "$(retry_of "$n1")" "1 $((T0 + 60))" "... first retry in 60 s"
like "$(cat "$W/d1-450.log")" "temporary failure \\(attempt 1, next in 60 s\\).*450" \
	"... logged with the server's answer"
once d1-early $((T0 + 30))
is "$(retry_of "$n1")" "1 $((T0 + 60))" "not tried again before its time"
once d1-again $((T0 + 61))
is "$(retry_of "$n1")" "2 $((T0 + 61 + 120))" "tried at its time, then the delay doubles"
faults_sink_start "$W/sink1ok" || BAIL_OUT "no smtp-sink"
once d1-ok $((T0 + 61 + 121))
ok "$([ -f "$SD/outbox/sent/$n1" ]; echo $?)" "a good server takes it: outbox/sent"
is "$(retry_of "$n1")" "" "... and its retry entry is gone"
is "$(id_in "$W/sink1ok")" "$(id_in "$SD/outbox/sent/$n1")" \
	"the server got it with the queued Message-ID"

# D2: 500 to RCPT: permanent.
faults_sink_start "$W/sink2" -f rcpt || BAIL_OUT "no smtp-sink"
faults_inject "$BOT_USER" "$W/d/d-2.eml"
once d2-500 "$T0"
n2=$(name_of d-2@faults-d.example)
ok "$([ -n "$n2" ] && [ -f "$SD/outbox/failed/$n2" ]; echo $?)" "5xx: moved to outbox/failed"
like "$(cat "$SD/outbox/failed/$n2.reason" 2>/dev/null)" "response 500" "... with the reason"
like "$(cat "$W/d2-500.log")" "refused: .*500" "... logged"
like "$("$MCBOT" --config "$W/d.conf" outbox failed 2>&1)" "500" \
	"... and shown by mcbot outbox failed (read by the organizers' digest)"
faults_sink_start "$W/sink2ok" || BAIL_OUT "no smtp-sink"
once d2-later $((T0 + 7200))
is "$(find "$W/sink2ok" -type f | wc -l)" 0 "a failed mail is not sent again by itself"

# D3: the connection lost after the final dot: the mail may have been taken.
faults_sink_start "$W/sink3" -q . || BAIL_OUT "no smtp-sink"
faults_inject "$BOT_USER" "$W/d/d-3.eml"
once d3-lost "$T0"
n3=$(name_of d-3@faults-d.example)
ok "$([ -n "$n3" ] && [ -f "$SD/outbox/new/$n3" ]; echo $?)" \
	"connection lost after the dot: kept for a retry"
like "$(cat "$W/d3-lost.log")" "temporary failure .*response 354" "... logged (last response 354)"
faults_sink_start "$W/sink3ok" || BAIL_OUT "no smtp-sink"
once d3-retry $((T0 + 61))
ok "$([ -f "$SD/outbox/sent/$n3" ]; echo $?)" "the retry is sent"
want=$(id_in "$SD/outbox/sent/$n3")
is "$(id_in "$W/sink3ok")" "$want" "... with the same Message-ID"
first=$(id_in "$W/sink3")
ok "$([ -z "$first" ] || [ "$first" = "$want" ]; echo $?)" \
	"the copy the first server may have kept has that Message-ID too (${first:-none kept})"

# D4: a temporary failure that lasts five days: given up, moved to failed.
faults_sink_start "$W/sink4" -r rcpt || BAIL_OUT "no smtp-sink"
faults_inject "$BOT_USER" "$W/d/d-4.eml"
once d4-first "$T0"
n4=$(name_of d-4@faults-d.example)
queued=$(stat -c %Y "$SD/outbox/new/$n4" 2>/dev/null || echo 0)
once d4-late $((queued + 5 * 86400 + 10))
ok "$([ -f "$SD/outbox/failed/$n4" ]; echo $?)" "after five days of 4xx: outbox/failed"
like "$(cat "$SD/outbox/failed/$n4.reason" 2>/dev/null)" "gave up after 2 attempts" \
	"... saying it gave up"
faults_sink_stop

# --- E: a new UIDVALIDITY: nothing is handled again -----------------------
ES=$W/stateE
mcbot_conf "$W/e.conf" -smtp.user -smtp.password_file digest.enabled=false imap.mailbox=cfp \
	store.state_dir="$ES" smtp.deliver=folder smtp.folder="$W/e-delivered" \
	daemon.poll_interval=30
faults_help_mails "$W/e" e faults-e.example 5
uidvalidity() { stack__doveadm -f tab mailbox status -u "$BOT_USER" uidvalidity cfp | sed -n "2s/.*\t//p"; }
answered() { find "$W/e-delivered" -type f 2>/dev/null | wc -l; }
mbox_append "$BOT_USER" cfp "$W"/e/e-{1,2,3}.eml
v1=$(uidvalidity)
"$MCBOT" --config "$W/e.conf" once 2>"$W/e1.log"
ok $? "three mails in mailbox cfp handled" || diag_file "$W/e1.log"
is "$(answered)" 3 "... and answered"
# Restored from a backup: the same mails and a new one, new UIDs.
stack__doveadm mailbox delete -u "$BOT_USER" cfp
mbox_append "$BOT_USER" cfp "$W"/e/e-{1,2,3,4}.eml
v2=$(uidvalidity)
isnt "$v2" "$v1" "the recreated mailbox has a new UIDVALIDITY ($v1 -> $v2)"
"$MCBOT" --config "$W/e.conf" once 2>"$W/e2.log"
ok $? "mcbot once on the recreated mailbox" || diag_file "$W/e2.log"
is "$(answered)" 4 "only the new mail is answered"
is "$(mbox_count "$BOT_USER" cfp)" 0 "the mails seen before leave the mailbox again"
like "$(cat "$W/e2.log")" "4 mails: 1 done.* 3 already processed" "... as already processed"
# The same under a daemon waiting in IDLE on that mailbox.
faults_mcbot_bg "$W/e-run.log" --trace imap --config "$W/e.conf" run
e_daemon=$FAULTS_MCBOT_PID
e_idle() { tail -n1 "$W/e-run.log" | grep -q "IDLE for at most"; }
faults_wait 20 e_idle
ok $? "the daemon waits in IDLE on cfp"
v2=$(uidvalidity)
stack__doveadm mailbox delete -u "$BOT_USER" cfp
mbox_append "$BOT_USER" cfp "$W"/e/e-{1,2,3,4,5}.eml
v3=$(uidvalidity)
e_done() { [ "$(answered)" -ge 5 ] && [ "$(mbox_count "$BOT_USER" cfp)" = 0 ]; }
faults_wait 60 e_done
ok $? "the daemon recovers (UIDVALIDITY $v2 -> $v3) and handles the new mail" ||
	diag_file "$W/e-run.log"
is "$(answered)" 5 "... answering only the new one"
is "$(grep -c 'mail e-[1-4]@faults-e.example from' "$W/e-run.log")" 0 \
	"... none of the others handled again"
is "$(cut -f1 "$ES/processed" | sort | uniq -d | wc -l)" 0 "none processed twice"
faults_stop "$e_daemon"
is "$?" 0 "the daemon stops cleanly"
done_testing
