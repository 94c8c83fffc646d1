#!/bin/bash
#
# The integration-test mail stack itself (tests/lib/stack.sh): a private
# Dovecot (IMAPS only) and Postfix (STARTTLS, SMTPS, AUTH) on 127.0.0.1,
# mail for any domain delivered to Dovecot, the bad-certificate instances,
# the mailbox helpers, and a clean stop.

T=$(cd "$(dirname "$0")" && pwd)
. "$T/../lib/tap.sh"
. "$T/../lib/stack.sh"

stack_require || skip_all "$STACK_SKIP"
command -v curl >/dev/null || skip_all "curl is not installed"

stack_start || BAIL_OUT "the test mail stack does not start"
pass "stack_start"
note "stack started in $STACK_STARTUP_SECONDS s in $STACK_DIR" \
	"IMAPS $IMAP_PORT, SMTP $SMTP_PORT, SMTPS $SMTPS_PORT"

tmp=$STACK_DIR/t
mkdir -p "$tmp"

# mkmail FILE SUBJECT TO: a small test message with CRLF line ends.
mkmail() {
	printf '%s\r\n' "From: Tester <tester@sender.example>" "To: <$3>" "Subject: $2" \
		"Message-ID: <$RANDOM.$RANDOM@sender.example>" "Date: $(date -R)" "" \
		"Body of $2." >"$1"
}

## Variables and files
like "$IMAP_PORT $SMTP_PORT $SMTPS_PORT" '^[0-9]+ [0-9]+ [0-9]+$' "ports exported"
isnt "$IMAP_PORT" "$SMTP_PORT" "IMAP and SMTP ports differ"
run_ok "STACK_CA is a certificate" openssl x509 -in "$STACK_CA" -noout
is "$(cat "$BOT_PASSWORD_FILE")" "$BOT_PASSWORD" "BOT_PASSWORD_FILE holds the password"
is "$(stat -c '%U:%G %a' "$STACK_DIR/auth/passwd")" "root:dovecot 640" "passwd-file is root:dovecot 0640"

## Listeners: 127.0.0.1 only, no plaintext IMAP
is "$(stack_listening "$(cat "$STACK_DIR/pids/dovecot")" | tr '\n' ' ')" "127.0.0.1:$IMAP_PORT " \
	"Dovecot listens on IMAPS only, on 127.0.0.1"
is "$(stack_listening "$(cat "$STACK_DIR/pids/postfix")" | sort | tr '\n' ' ')" \
	"$(printf '127.0.0.1:%s\n' "$SMTP_PORT" "$SMTPS_PORT" | sort | tr '\n' ' ')" \
	"Postfix listens on SMTP and SMTPS, on 127.0.0.1"
greeting=$(timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1; read -r -t 1 l <&3; echo "$l"' _ "$IMAP_PORT" 2>/dev/null)
unlike "$greeting" 'OK' "no plaintext IMAP greeting on the IMAPS port"

## IMAPS
run_ok "IMAPS certificate verifies against STACK_CA for localhost" \
	stack_tls_verify 127.0.0.1 "$IMAP_PORT" "$STACK_CA" localhost
run_ok "IMAPS certificate verifies against STACK_CA for 127.0.0.1" \
	stack_tls_verify 127.0.0.1 "$IMAP_PORT" "$STACK_CA" 127.0.0.1
run_fails "IMAPS certificate fails against the system trust store" \
	stack_tls_verify 127.0.0.1 "$IMAP_PORT" /etc/ssl/certs/ca-certificates.crt localhost
run_ok "bot logs in over IMAPS" stack_imap_login "$BOT_USER" "$BOT_PASSWORD"
run_fails "a wrong password is refused" stack_imap_login "$BOT_USER" "wrong-$BOT_PASSWORD"
caps=$(curl -sS --max-time 20 --cacert "$STACK_CA" --user "$BOT_USER:$BOT_PASSWORD" \
	"imaps://$STACK_HOST:$IMAP_PORT/" -X CAPABILITY 2>&1)
like "$caps" 'CAPABILITY .*IDLE' "IDLE is offered" || diag "$caps"

## SMTP to any domain, delivered over LMTP
run_ok "SMTP STARTTLS certificate verifies against STACK_CA" \
	stack_tls_verify 127.0.0.1 "$SMTP_PORT" "$STACK_CA" localhost starttls smtp
mkmail "$tmp/a.eml" "to alice" alice@conf-one.example
mkmail "$tmp/b.eml" "to bob" bob@other-two.example
run_ok "curl submits to alice@conf-one.example with STARTTLS" \
	stack_smtp_send tester@sender.example alice@conf-one.example "$tmp/a.eml"
run_ok "curl submits to bob@other-two.example with STARTTLS" \
	stack_smtp_send tester@sender.example bob@other-two.example "$tmp/b.eml"
t0=$(date +%s.%N)
n=$(mbox_wait_count alice@conf-one.example INBOX 1 20)
ok $? "alice's INBOX gets the mail (count $n)"
n=$(mbox_wait_count bob@other-two.example INBOX 1 20)
ok $? "bob's INBOX gets the mail (count $n)"
note "delivery of both took $(echo "$(date +%s.%N) $t0" | awk '{ printf "%.2f", $1 - $2 }') s"
like "$(mbox_fetch alice@conf-one.example INBOX)" '^Subject: to alice' "alice's mail reads back" ||
	stack_logs
mkmail "$tmp/c.eml" "authenticated" organizer@lpc.example.org
run_ok "SMTP AUTH as the bot after STARTTLS" \
	stack_smtp_send "$BOT_USER" organizer@lpc.example.org "$tmp/c.eml" auth
BOT_PASSWORD=wrong run_fails "SMTP AUTH with a wrong password fails" \
	stack_smtp_send "$BOT_USER" organizer@lpc.example.org "$tmp/c.eml" auth
mkmail "$tmp/d.eml" "over smtps" organizer@lpc.example.org
run_ok "SMTPS (implicit TLS) submission" \
	stack_smtp_send "$BOT_USER" organizer@lpc.example.org "$tmp/d.eml" smtps
n=$(mbox_wait_count organizer@lpc.example.org INBOX 2 20)
ok $? "both reach organizer's INBOX (count $n)"

## Mailbox helpers
mkmail "$tmp/e.eml" "appended one" "$BOT_USER"
mkmail "$tmp/f.eml" "appended two" "$BOT_USER"
run_ok "mbox_append into a new folder" mbox_append "$BOT_USER" mcbot/done "$tmp/e.eml" "$tmp/f.eml"
is "$(mbox_count "$BOT_USER" mcbot/done)" 2 "mbox_count sees both"
is "$(mbox_count "$BOT_USER" INBOX)" 0 "the bot's INBOX is still empty"
is "$(mbox_count "$BOT_USER" no/such)" 0 "mbox_count of a missing folder is 0"
like "$(mbox_list_folders "$BOT_USER" | tr '\n' ' ')" '(^| )mcbot/done ' "mbox_list_folders lists it"
files=$(mbox_fetch "$BOT_USER" mcbot/done "$tmp/fetched")
is "$(echo "$files" | wc -l)" 2 "mbox_fetch writes one file per message"
is "$(grep -h '^Subject:' $files | tr '\n' ' ')" "Subject: appended one Subject: appended two " \
	"in UID order, with their headers"
like "$(cat $files)" 'Body of appended two' "and their bodies"
mbox_wait_count "$BOT_USER" INBOX 1 0.3 >/dev/null
is $? 1 "mbox_wait_count times out"

## mcbot configuration
mcbot_conf "$tmp/mcbot.conf" imap.timeout=5 -smtp.user
conf=$(cat "$tmp/mcbot.conf")
like "$conf" "port=$IMAP_PORT" "mcbot_conf writes the IMAP port"
like "$(sed -n '/^\[imap\]/,/^$/p' "$tmp/mcbot.conf")" '^timeout=5$' "mcbot_conf overrides a key"
unlike "$(sed -n '/^\[smtp\]/,/^$/p' "$tmp/mcbot.conf")" '^user=' "mcbot_conf removes a key"

## Instances with bad certificates
# (stack_bad_imap exports: call it in this shell, not through run_ok)
stack_bad_imap wronghost
ok $? "stack_bad_imap wronghost"
like "$BAD_IMAP_PORT_WRONGHOST" '^[0-9]+$' "it exports its port"
run_fails "wrong-host certificate fails for localhost" \
	stack_tls_verify 127.0.0.1 "$BAD_IMAP_PORT_WRONGHOST" "$STACK_CA" localhost
run_ok "wrong-host certificate is from the test CA (valid for wrong.example.net)" \
	stack_tls_verify 127.0.0.1 "$BAD_IMAP_PORT_WRONGHOST" "$STACK_CA" wrong.example.net
stack_bad_imap selfsigned
ok $? "stack_bad_imap selfsigned"
like "$BAD_IMAP_PORT_SELFSIGNED" '^[0-9]+$' "it exports its port"
run_fails "self-signed certificate fails against STACK_CA" \
	stack_tls_verify 127.0.0.1 "$BAD_IMAP_PORT_SELFSIGNED" "$STACK_CA" localhost
peer=$(stack_tls_peer 127.0.0.1 "$BAD_IMAP_PORT_SELFSIGNED" | openssl x509 -noout -subject -issuer -ext subjectAltName 2>&1)
like "$peer" 'DNS:localhost, IP Address:127.0.0.1' "self-signed certificate: for localhost and 127.0.0.1" ||
	diag "$peer"
is "$(echo "$peer" | sed -n 's/^subject=//p')" "$(echo "$peer" | sed -n 's/^issuer=//p')" \
	"self-signed certificate: issuer is subject"
isnt "$BAD_IMAP_PORT_WRONGHOST" "$BAD_IMAP_PORT_SELFSIGNED" "each bad instance has its own port"

## Stop
pids=$(stack__tree $STACK_MASTERS | tr "\n" " ")
dir=$STACK_DIR tag=$STACK_TAG
t0=$(date +%s.%N)
stack_stop
ok $? "stack_stop"
note "stack_stop took $(echo "$(date +%s.%N) $t0" | awk '{ printf "%.2f", $1 - $2 }') s"
left=""
for p in $pids; do stack__alive "$p" && left="$left $p"; done
is "$left" "" "no process of the stack is left"
is "$(stack__related "$dir" "$tag" | tr '\n' ' ')" "" "no process refers to the stack's directory"
for port in "$IMAP_PORT" "$SMTP_PORT" "$SMTPS_PORT" "$BAD_IMAP_PORT_WRONGHOST" "$BAD_IMAP_PORT_SELFSIGNED"; do
	if timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1' _ "$port" 2>/dev/null; then
		fail "port $port is closed"
	else
		pass "port $port is closed"
	fi
done
[ -n "$STACK_KEEP" ] || [ "$TAP_FAILED" -gt 0 ] || run_fails "the directory is removed" test -e "$dir"

done_testing
