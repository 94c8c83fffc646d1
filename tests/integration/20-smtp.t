#!/bin/bash
# bot/smtp.c against real SMTP servers on 127.0.0.1, through the test driver
# tests/tools/smtp-send: Postfix's smtp-sink with fault injection for the
# result classes (sent, temporary, permanent, connection trouble), then,
# when the test stack can run, a private Postfix with STARTTLS, implicit
# TLS and AUTH, delivering into Dovecot.

. "$(dirname "$0")/../lib/tap.sh"

TOP=${MCBOT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD_DIR=$(dirname "${MCBOT:-$TOP/build/mcbot}")
SEND=${SMTP_SEND:-$BUILD_DIR/tests/tools/smtp-send}
SINK=/usr/sbin/smtp-sink
FROM=mc@lpc.example.org
RCPT=alice@example.com

[ -x "$SINK" ] || skip_all "smtp-sink (package postfix) is not installed"
if [ ! -x "$SEND" ]; then
	make -C "$TOP" BUILD="$BUILD_DIR" "$SEND" >/dev/null 2>&1 ||
		BAIL_OUT "cannot build $SEND (make $SEND)"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/mcbot-smtp.XXXXXX") || BAIL_OUT "mktemp"
chmod 0711 "$T"     # smtp-sink drops to nobody and writes dumps below
SINK_PID=""
SINK_N=0

sink_stop() {
	[ -n "$SINK_PID" ] || return 0
	kill "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	SINK_PID=""
}

cleanup() {
	sink_stop
	declare -F stack_stop >/dev/null && stack_stop
	if [ "$TAP_FAILED" -gt 0 ]; then
		diag "kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# sink_start [OPTIONS...]: a fresh smtp-sink with OPTIONS on a free port of
# 127.0.0.1; sets SINK_PORT and SINK_DUMP (one file per mail received).
sink_start() {
	local try i port user=()
	sink_stop
	SINK_N=$((SINK_N + 1))
	SINK_DUMP=$T/dump.$SINK_N
	mkdir -p "$SINK_DUMP" && chmod 0777 "$SINK_DUMP" || return 1
	[ "$(id -u)" = 0 ] && user=(-u nobody)
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 12000))
		"$SINK" "${user[@]}" -t 20 "$@" -d "$SINK_DUMP/%H%M%S." "127.0.0.1:$port" 10 \
			</dev/null >"$T/sink.$SINK_N.log" 2>&1 &
		SINK_PID=$!
		for i in $(seq 50); do
			kill -0 "$SINK_PID" 2>/dev/null || break
			if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				SINK_PORT=$port
				return 0
			fi
			sleep 0.05
		done
		sink_stop       # port taken, or never came up: another port
	done
	diag "smtp-sink did not start" && diag_file "$T/sink.$SINK_N.log"
	return 1
}

# send [DRIVER OPTIONS...]: run the driver against the sink; sets OUT (its
# stdout and stderr), RC (its exit status) and SECS (how long it took).
send() {
	local t0=$SECONDS
	OUT=$(timeout 60 "$SEND" --url "smtp://127.0.0.1:$SINK_PORT" --timeout 3 "$@" \
		"$FROM" "$RCPT" 2>&1)
	RC=$?
	SECS=$((SECONDS - t0))
}

dumps() { find "$SINK_DUMP" -type f | wc -l; }

# --- success, content, EHLO name, connection reuse ----------------------
sink_start || BAIL_OUT "no smtp-sink"
send --local --helo bot.example.org
is "$RC/$OUT" "0/SENT
connections 1" "250: SENT"
DUMP=$(cat "$SINK_DUMP"/* 2>/dev/null)
like "$DUMP" "^X-Helo-Args: bot.example.org$" "EHLO name from the URL path"
like "$DUMP" "^X-Mail-Args: <$FROM>$" "MAIL FROM is the envelope sender"
like "$DUMP" "^X-Rcpt-Args: <$RCPT>$" "RCPT TO is the recipient"
is "$(grep -c '^X-Rcpt-Args' <<<"$DUMP")" 1 "one recipient"
like "$DUMP" "^Message-Id: <mcbot\.[0-9a-f]{32}@lpc\.example\.org>$" "Message-ID sent"
like "$DUMP" "^Content-Transfer-Encoding: quoted-printable$" "body in quoted-printable"
# The body has lines "." and ".."; libcurl dot-stuffs, the sink unstuffs.
like "$(sed -n '/^Content-Transfer-Encoding/,$p' <<<"$DUMP" | tr '\n' '|')" \
	'caf=C3=A9\.\|\.\|\.\.\|Bye\.\|' "dot lines arrive unchanged"

sink_start || BAIL_OUT "no smtp-sink"
send --local --count 3
is "$RC/$OUT" "0/SENT
SENT
SENT
connections 1" "three mails over one connection"
is "$(dumps)" 3 "the sink got three mails"

# A message file with bare LF line ends still goes out (as CRLF).
printf 'From: <%s>\nTo: <%s>\nSubject: lf\n\nline one\n.\nend\n' "$FROM" "$RCPT" >"$T/lf.eml"
sink_start || BAIL_OUT "no smtp-sink"
send --local --file "$T/lf.eml"
is "$RC/$(head -n1 <<<"$OUT")" "0/SENT" "a message with LF line ends is sent"
like "$(tr '\n' '|' <"$SINK_DUMP"/*)" '\|line one\|\.\|end\|' "and arrives intact"

# --- TLS is required unless smtp_local -----------------------------------
sink_start || BAIL_OUT "no smtp-sink"
send
is "$RC" 1 "plaintext server without smtp_local: refused"
like "$OUT" "^TEMPFAIL conn .*STARTTLS" "reason: no STARTTLS"
is "$(dumps)" 0 "nothing was sent in the clear"

# --- 4xx and 5xx ----------------------------------------------------------
sink_start -r rcpt || BAIL_OUT "no smtp-sink"
send --local
is "$RC" 1 "450 to RCPT: TEMPFAIL"
like "$OUT" "^TEMPFAIL mail .*response 450" "the reason has the response code"

sink_start -f rcpt || BAIL_OUT "no smtp-sink"
send --local
is "$RC" 2 "500 to RCPT: PERMFAIL"
like "$OUT" "^PERMFAIL .*response 500: 500 5\.3\.0" "the reason has the server's reply"

sink_start -f mail || BAIL_OUT "no smtp-sink"
send --local
is "$RC" 2 "500 to MAIL: PERMFAIL"

sink_start -r data || BAIL_OUT "no smtp-sink"
send --local
is "$RC" 1 "450 to DATA: TEMPFAIL"

sink_start -r . || BAIL_OUT "no smtp-sink"
send --local
is "$RC" 1 "450 after the final dot: TEMPFAIL"
like "$OUT" "^TEMPFAIL mail .*response 450" "... as this mail's own answer"

sink_start -f . || BAIL_OUT "no smtp-sink"
send --local
is "$RC" 2 "500 after the final dot: PERMFAIL"

# After a refusal the next mail starts on a new connection.
sink_start -r rcpt || BAIL_OUT "no smtp-sink"
send --local --count 2
like "$(tr '\n' '|' <<<"$OUT")" "^TEMPFAIL mail [^|]*\|TEMPFAIL mail [^|]*\|connections 2\|$" \
	"a fresh connection after a failure"

# --- connection trouble ---------------------------------------------------
sink_start -q . || BAIL_OUT "no smtp-sink"
send --local
is "$RC" 1 "disconnect after the final dot: TEMPFAIL"
like "$OUT" "^TEMPFAIL conn .*response 354" "... a connection failure, last response 354"

sink_start -Q rcpt || BAIL_OUT "no smtp-sink"
send --local
is "$RC" 1 "421 to RCPT: TEMPFAIL"
like "$OUT" "^TEMPFAIL conn .*421" "... a connection failure"

sink_start -f connect || BAIL_OUT "no smtp-sink"
send --local
is "$RC" 1 "5xx greeting: TEMPFAIL, not the mail's fault"
like "$OUT" "^TEMPFAIL conn" "... a connection failure"

sink_start -f ehlo,helo || BAIL_OUT "no smtp-sink"
send --local
is "$RC" 1 "EHLO refused: TEMPFAIL"

sink_start -q data || BAIL_OUT "no smtp-sink"
send --local
is "$RC" 1 "disconnect after DATA: TEMPFAIL"

sink_start -W .:30 || BAIL_OUT "no smtp-sink"
send --local --timeout 2
is "$RC" 1 "no answer to the final dot: TEMPFAIL"
like "$OUT" "^TEMPFAIL conn .*timeout" "... a timeout"
[ "$SECS" -le 12 ]
ok $? "... within a few timeouts ($SECS s)"

PW="not-to-be-shown-$$"
printf '%s\n' "$PW" >"$T/pw"
sink_start -f auth || BAIL_OUT "no smtp-sink"
send --local --user bob --password-file "$T/pw"
is "$RC" 1 "AUTH refused: TEMPFAIL (configuration, not the mail)"
like "$OUT" "^TEMPFAIL conn .*Login denied" "... says login denied"
unlike "$OUT" "$PW" "... and never shows the password"

sink_stop
OUT=$(timeout 60 "$SEND" --url "smtp://127.0.0.1:$SINK_PORT" --local --timeout 3 "$FROM" "$RCPT" 2>&1)
is "$?" 1 "nothing listening: TEMPFAIL"
like "$OUT" "^TEMPFAIL conn" "... a connection failure"

OUT=$(timeout 60 "$SEND" --url "http://127.0.0.1:1/" --local "$FROM" "$RCPT" 2>&1)
like "$OUT" "^TEMPFAIL conn .*smtp://" "only smtp:// and smtps:// URLs"

# --- STARTTLS and implicit TLS against the test stack ---------------------
. "$(dirname "$0")/../lib/stack.sh"
if ! stack_require; then
	skip 9 "$STACK_SKIP"
	done_testing
fi
stack_start || BAIL_OUT "no test stack"
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

tls_send() {
	OUT=$(timeout 60 "$SEND" --timeout 10 "$@" "$FROM" "$RCPT" 2>&1)
	RC=$?
}

tls_send --url "smtp://localhost:$SMTP_PORT" --ca "$STACK_CA" --helo bot.example.org --count 2
is "$RC/$OUT" "0/SENT
SENT
connections 1" "STARTTLS with the test CA: two mails, one connection"

tls_send --url "smtps://127.0.0.1:$SMTPS_PORT" --ca "$STACK_CA"
is "$RC/$(head -n1 <<<"$OUT")" "0/SENT" "implicit TLS (smtps://)"

tls_send --url "smtp://127.0.0.1:$SMTP_PORT" --ca "$STACK_CA" \
	--user "$BOT_USER" --password-file "$BOT_PASSWORD_FILE"
is "$RC/$(head -n1 <<<"$OUT")" "0/SENT" "AUTH after STARTTLS"

printf 'wrong-%s\n' "$$" >"$T/badpw"
tls_send --url "smtp://127.0.0.1:$SMTP_PORT" --ca "$STACK_CA" \
	--user "$BOT_USER" --password-file "$T/badpw"
is "$RC" 1 "a wrong password: TEMPFAIL"
unlike "$OUT" "wrong-$$" "... and the password is not shown"

tls_send --url "smtp://localhost:$SMTP_PORT"
is "$RC" 1 "test CA not given (system trust store): refused"
like "$OUT" "^TEMPFAIL conn" "... as a connection failure"

N=$(mbox_wait_count "$RCPT" INBOX 4 20)
is "$N" 4 "the four mails reached the mailbox"
like "$(mbox_fetch "$RCPT" INBOX)" "^Message-Id: <mcbot\.[0-9a-f]{32}@lpc\.example\.org>" \
	"with our Message-ID"

done_testing
