#!/bin/bash
# The IMAP inbox backend (bot/imap*.c) against a private Dovecot over
# implicit TLS: drain into folders, oversize mail, IDLE, servers without
# MOVE, and refusing certificates that are not for us before any LOGIN.
# The driver is tests/tools/inbox-drain.c (make tools), from the build of
# $MCBOT (the sanitized one in make check's second pass); INBOX_DRAIN overrides.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/stack.sh"

DRAIN=${INBOX_DRAIN:-$(dirname "${MCBOT:-$MCBOT_TOP/build/mcbot}")/tests/tools/inbox-drain}
[ -x "$DRAIN" ] || skip_all "$DRAIN is not built"
stack_require || skip_all "$STACK_SKIP"
stack_start || BAIL_OUT "no test stack"

work=$STACK_DIR/t10
mkdir -p "$work/mail" "$work/more"
conf=$work/mcbot.conf
mcbot_conf "$conf" imap.batch=4 imap.timeout=5 limits.max_message_size=16k

# drain OUTFILE [ARGS...]: run the driver (bounded in time); stdout to
# OUTFILE, stderr to OUTFILE.err.
drain() {
	local out=$1
	shift
	timeout 120 "$DRAIN" "$@" >"$out" 2>"$out.err"
}

# mail FILE I: a small CRLF mail numbered I.
mail() {
	printf 'From: Sender %d <s%d@example.org>\r\nTo: %s\r\nSubject: test %d\r\nMessage-ID: <t10-%d@example.org>\r\n\r\nbody %d\r\n' \
		"$2" "$2" "$BOT_USER" "$2" "$2" "$2" >"$1"
}

N=23
for i in $(seq 1 $N); do
	mail "$work/mail/$(printf %02d "$i").eml" "$i"
done
# 30 kB of text: over the 16 kB limit.
{
	printf 'From: big@example.org\r\nSubject: big\r\nMessage-ID: <t10-big@example.org>\r\n\r\n'
	for i in $(seq 1 400); do printf '%070d\r\n' "$i"; done
} >"$work/big.eml"
mbox_append "$BOT_USER" INBOX "$work"/mail/*.eml "$work/big.eml"
is "$(mbox_count "$BOT_USER" INBOX)" $((N + 1)) "$((N + 1)) mails in the inbox"

# --- drain: several fetch rounds (7 per fetch, bodies in batches of 4)
drain "$work/d1" --max 7 -v "$conf"
ok $? "the driver drains the inbox" || diag_file "$work/d1.err"
is "$(tail -n 1 "$work/d1")" "fetched $((N + 1)) moved $((N + 1)) left 0 oversize 1 bytes $(cat "$work"/mail/*.eml | wc -c)" \
	"every mail fetched once, the big one not read"
is "$(mbox_count "$BOT_USER" INBOX)" 0 "the inbox is empty"
is "$(mbox_count "$BOT_USER" mcbot/done)" "$N" "mcbot/done holds the $N mails"
is "$(mbox_count "$BOT_USER" mcbot/oversize)" 1 "the big mail is in mcbot/oversize"
got=$(awk '$1 == "item" && $5 != "-" { print $5 }' "$work/d1" | sort)
want=$(sha256sum "$work"/mail/*.eml | awk '{ print $1 }' | sort)
is "$got" "$want" "the bytes fetched are the bytes appended"
big=$(awk '$1 == "item" && $5 == "-" { print $3 " " $4 }' "$work/d1")
is "$big" "$(wc -c <"$work/big.eml") 0" "the big mail has its server size and no bytes"
like "$(mbox_list_folders "$BOT_USER")" "^mcbot/done$" "folders are created with the server's separator"

# --- items left in the inbox come back on the next connection, not the same drain
for i in 1 2 3; do mail "$work/more/$i.eml" $((100 + i)); done
mbox_append "$BOT_USER" INBOX "$work"/more/*.eml
drain "$work/d2" --leave 1 --folder failed "$conf"
is "$(tail -n 1 "$work/d2")" "fetched 3 moved 2 left 1 oversize 0 bytes $(cat "$work"/more/*.eml | wc -c)" \
	"an item left in the inbox is not fetched again in the same drain" || diag_file "$work/d2.err"
is "$(mbox_count "$BOT_USER" INBOX)" 1 "it stays in the inbox"
is "$(mbox_count "$BOT_USER" mcbot/failed)" 2 "the others are in mcbot/failed"
drain "$work/d3" "$conf"
like "$(cat "$work/d3")" "^fetched 1 moved 1 " "the next connection fetches it" || diag_file "$work/d3.err"
is "$(mbox_count "$BOT_USER" INBOX)" 0 "and moves it"

# --- IDLE: a mail delivered during the wait ends it within a few seconds
drain "$work/idle" --wait 30 "$conf" &
drainer=$!
sleep 2
mail "$work/idle.eml" 200
mbox_append "$BOT_USER" INBOX "$work/idle.eml"
wait "$drainer"
ok $? "the driver waits and drains again" || diag_file "$work/idle.err"
ms=$(awk '$1 == "wait" && $2 == 1 { print $3 }' "$work/idle")
if [ -n "$ms" ] && [ "$ms" -lt 10000 ]; then
	pass "IDLE reports the new mail (after $ms ms)"
else
	fail "IDLE reports the new mail"
	diag_file "$work/idle"
fi
like "$(tail -n 1 "$work/idle")" "^fetched 1 moved 1 " "the mail that came during IDLE is moved"
drain "$work/idle2" --wait 2 "$conf"
like "$(grep '^wait' "$work/idle2")" "^wait 0 (19|2[0-9])[0-9][0-9]$" "without mail the wait times out"

# --- the password
wrongpw=$work/wrong.password
(umask 077 && echo not-the-password >"$wrongpw")
mcbot_conf "$work/badpw.conf" "imap.password_file=$wrongpw" "smtp.password_file=$wrongpw"
drain "$work/badpw" "$work/badpw.conf"
is $? 1 "a wrong password fails"
like "$(cat "$work/badpw.err")" "^inbox-drain: imap $STACK_HOST:$IMAP_PORT: login failed: " \
	"with a clear error" || diag_file "$work/badpw.err"
unlike "$(cat "$work/d1" "$work/d1.err" "$work/badpw.err")" "$BOT_PASSWORD|not-the-password" \
	"no password in the output"

# --- nothing listening
stack_free_port port
mcbot_conf "$work/closed.conf" "imap.port=$port"
drain "$work/closed" "$work/closed.conf"
is $? 1 "a closed port fails"
like "$(cat "$work/closed.err")" "imap $STACK_HOST:$port: connect: cannot connect" "and says so"

# --- certificates.  The bad servers get the same users and mail; the
# first without MOVE (COPY, \Deleted, UID EXPUNGE), the other without
# MOVE, UIDPLUS or IDLE (COPY and \Deleted only, polling).
STACK_DOVECOT_EXTRA='protocol imap {
  imap_capability = IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE UIDPLUS
}' stack_bad_imap selfsigned || BAIL_OUT "no self-signed server"
STACK_DOVECOT_EXTRA='protocol imap {
  imap_capability = IMAP4rev1 SASL-IR LITERAL+ ID ENABLE
}' stack_bad_imap wronghost || BAIL_OUT "no wrong-host server"

mbox_append "$BOT_USER" INBOX "$work"/mail/0[1-5].eml
mcbot_conf "$work/wh.conf" "imap.port=$BAD_IMAP_PORT_WRONGHOST"
drain "$work/wh" "$work/wh.conf"
is $? 1 "a certificate for another host is refused"
like "$(cat "$work/wh.err")" \
	"^inbox-drain: imap $STACK_HOST:$BAD_IMAP_PORT_WRONGHOST: certificate is for another host \\(not valid for $STACK_HOST; it names wrong.example.net\\)$" \
	"the error names the host and the certificate's name" || diag_file "$work/wh.err"

mcbot_conf "$work/ss.conf" "imap.port=$BAD_IMAP_PORT_SELFSIGNED"
drain "$work/ss" "$work/ss.conf"
is $? 1 "a self-signed certificate is refused"
like "$(cat "$work/ss.err")" \
	"^inbox-drain: imap $STACK_HOST:$BAD_IMAP_PORT_SELFSIGNED: certificate not trusted \\(self-signed\\)$" \
	"the error says why" || diag_file "$work/ss.err"

mcbot_conf "$work/sys.conf" "-imap.ca_file"
drain "$work/sys" "$work/sys.conf"
is $? 1 "the test CA is not in the system trust store"
like "$(cat "$work/sys.err")" "imap $STACK_HOST:$IMAP_PORT: (certificate not trusted \\(signer unknown\\)|no system trust store)" \
	"so the good server is refused without ca_file" || diag_file "$work/sys.err"

sleep 1
n=$(cat "$STACK_DIR"/dovecot-wronghost/dovecot.log "$STACK_DIR"/dovecot-selfsigned/dovecot.log |
	grep -c 'imap-login: .*no auth attempts')
is "$n" 2 "the refused servers never saw a LOGIN"
is "$(mbox_count "$BOT_USER" INBOX)" 5 "nothing was moved through them"

fpr() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//'; }
mcbot_conf "$work/pin.conf" "imap.port=$BAD_IMAP_PORT_SELFSIGNED" -imap.ca_file \
	"imap.fingerprint=$(fpr "$STACK_DIR/tls/selfsigned.pem")"
drain "$work/pin" "$work/pin.conf"
ok $? "a pinned self-signed certificate is accepted" || diag_file "$work/pin.err"
like "$(cat "$work/pin")" "^fetched 5 moved 5 " "and its server without MOVE is drained"
is "$(mbox_count "$BOT_USER" INBOX)" 0 "COPY, \\Deleted and UID EXPUNGE empty the inbox"
is "$(mbox_count "$BOT_USER" mcbot/done)" $((N + 7)) "into mcbot/done"

mcbot_conf "$work/pinbad.conf" -imap.ca_file "imap.fingerprint=$(fpr "$STACK_DIR/tls/selfsigned.pem")"
drain "$work/pinbad" "$work/pinbad.conf"
is $? 1 "a pin refuses any other certificate"
like "$(cat "$work/pinbad.err")" "imap $STACK_HOST:$IMAP_PORT: certificate does not match the pinned fingerprint" \
	"and says so" || diag_file "$work/pinbad.err"

mbox_append "$BOT_USER" INBOX "$work"/mail/0[1-3].eml
mcbot_conf "$work/pin2.conf" "imap.port=$BAD_IMAP_PORT_WRONGHOST" -imap.ca_file \
	"imap.fingerprint=$(fpr "$STACK_DIR/tls/wronghost.pem")"
drain "$work/pin2" --wait 2 "$work/pin2.conf"
ok $? "a server without MOVE, UIDPLUS or IDLE works" || diag_file "$work/pin2.err"
like "$(head -n 1 "$work/pin2")" "^fetched 3 moved 3 " "its mail is copied"
like "$(grep '^wait' "$work/pin2")" "^wait 0 (19|2[0-9])[0-9][0-9]$" "waiting polls"
like "$(tail -n 1 "$work/pin2")" "^fetched 0 " "mail flagged \\Deleted is not fetched again"
is "$(mbox_count "$BOT_USER" mcbot/done)" $((N + 10)) "the copies are in mcbot/done"
is "$(stack__doveadm search -u "$BOT_USER" mailbox INBOX deleted | wc -l)" 3 \
	"the originals are only flagged \\Deleted (no EXPUNGE without UIDPLUS)"

# --- a server that dies in the middle of a huge literal: bounded memory,
# an error after the timeout, no hang.
stack_tls_server "$STACK_DIR/tls" hostile "DNS:localhost,IP:127.0.0.1" || BAIL_OUT "no certificate"
stack_free_port port
mkfifo "$work/hostile.in"
openssl s_server -quiet -naccept 1 -accept "$STACK_HOST:$port" \
	-cert "$STACK_DIR/tls/hostile.pem" -key "$STACK_DIR/tls/hostile.key" \
	<"$work/hostile.in" >"$work/hostile.out" 2>&1 &
hostile=$!
exec 7>"$work/hostile.in"
printf '%s\r\n' '* OK ready' '1 OK logged in' '* CAPABILITY IMAP4rev1 MOVE' '2 OK done' \
	'* 1 EXISTS' '* OK [UIDVALIDITY 7] ok' '3 OK [READ-WRITE] selected' \
	'* 1 FETCH (UID 1 FLAGS () RFC822.SIZE 100)' '4 OK done' \
	'* 1 FETCH (UID 1 BODY[] {2000000000}' >&7
printf 'From: x\r\n\r\nand then nothing' >&7
# Listening yet?  (Not by connecting: it takes one connection only.)
for i in $(seq 100); do
	[ "$(stack_listening "$hostile")" = "$STACK_HOST:$port" ] && break
	sleep 0.1
done
mcbot_conf "$work/hostile.conf" "imap.port=$port" imap.timeout=2
# 1 GB of address space: a 2 GB literal cannot be allocated up front.  A
# sanitizer build cannot run like that: then only the timeout is checked
# (the probe's own sanitizer message is expected: kept out of report files).
vlimit=1000000
(ulimit -v $vlimit; env -u ASAN_OPTIONS -u UBSAN_OPTIONS "$DRAIN" --max 0 x 2>/dev/null)
[ $? = 2 ] || { vlimit=unlimited; note "the driver cannot run in 1 GB: memory not bounded"; }
t0=$SECONDS
(ulimit -v $vlimit; drain "$work/hostile" "$work/hostile.conf")
is $? 1 "a server stalling in a 2 GB literal fails the fetch"
like "$(cat "$work/hostile.err")" "imap $STACK_HOST:$port: fetch: connection lost or timed out" \
	"as a lost connection" || diag_file "$work/hostile.err"
[ $((SECONDS - t0)) -lt 20 ]
ok $? "after the timeout ($((SECONDS - t0)) s)"
exec 7>&-
kill "$hostile" 2>/dev/null
wait "$hostile" 2>/dev/null

done_testing
