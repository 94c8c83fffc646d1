#!/bin/bash
# mcbot check-config: every problem of broken configurations and templates
# as file:line, the directories mcbot writes, systemd credentials, and
# with --connect a real login to the test stack's IMAP and SMTP (which
# also fails clearly with a wrong password or a wrong CA).
. "$(dirname "$0")/../lib/tap.sh"
TOP=${MCBOT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
MCBOT=${MCBOT:-$TOP/build/mcbot}
FIX=$TOP/tests/fixtures
[ -x "$MCBOT" ] || skip_all "no mcbot binary at $MCBOT (make first)"

T=$(mktemp -d "${TMPDIR:-/tmp}/mcbot-check.XXXXXX") || BAIL_OUT "mktemp"
chmod 0755 "$T"
cleanup_t() {
	if [ "$TAP_FAILED" -gt 0 ]; then diag "kept $T"; else rm -rf "$T"; fi
}
trap cleanup_t EXIT

# check CONF [ARGS...]: run check-config from the top directory (the
# default templates are ./templates); sets OUT (stdout and stderr) and RC.
check() {
	local conf=$1
	shift
	OUT=$(cd "$TOP" && "$MCBOT" --config "$conf" check-config "$@" 2>&1)
	RC=$?
}

# Every fixture's expected lines, and nothing else about the file.
cp -r "$FIX/config" "$T/config"
(umask 022 && echo hunter2 >"$T/config/world-readable.pw")
chmod 0644 "$T/config/world-readable.pw"
(umask 077 && : >"$T/config/empty.pw")
for exp in "$T"/config/bad-*.expected; do
	name=$(basename "$exp" .expected)
	conf=$T/config/$name.conf
	check "$conf"
	want=$(sed -e "s|@FILE@|$conf|g" -e "s|@DIR@|$T/config|g" "$exp")
	got=$(printf '%s\n' "$OUT" | grep -F "$conf:" | grep -Ev "^$conf: [0-9]+ problems?\$")
	is "$RC" 1 "$name: check-config fails"
	is "$got" "$want" "$name: every problem with file:line"
	like "$OUT" "^$conf: $(printf '%s\n' "$want" | wc -l) problems?\$" "$name: the count"
	unlike "$OUT" "hunter2" "$name: no password in the output"
done

# Broken templates: every problem of the fixture, under the configured directory.
cp -r "$FIX/templates-bad" "$T/tpl"
cat >"$T/tpl.conf" <<EOF
[store]
templates_dir = tpl
state_dir = state
EOF
check "$T/tpl.conf"
is "$RC" 1 "broken templates: check-config fails"
want=$(grep -v '^$' "$FIX/templates-bad/expected.out" | sed "s|@DIR@|$T/tpl|g")
got=$(printf '%s\n' "$OUT" | grep -F "$T/tpl/")
is "$got" "$want" "broken templates: every problem with file:line"

# A broken file and broken templates: both listed in one run.
printf '[store]\ntemplates_dir = tpl\n[smtp\nbogus = 1\n' >"$T/both.conf"
check "$T/both.conf"
like "$OUT" "^$T/both.conf:3: bad group line" "config and templates together: the config problem"
like "$OUT" "^$T/tpl/unknown-var.txt:5: unknown placeholder" "... and the template problems"

# Directories mcbot must write.
mkdir -p "$T/tplok" && cp "$TOP"/templates/* "$T/tplok/"
printf '[store]\ntemplates_dir = tplok\nstate_dir = /etc/hostname\n' >"$T/statefile.conf"
check "$T/statefile.conf"
is "$RC" 1 "a state_dir that is a file: fails"
like "$OUT" "^$T/statefile.conf:3: \[store\] state_dir: /etc/hostname: not a directory" \
	"... with file:line"
mkdir -p "$T/ro-state"
printf '[store]\ntemplates_dir = tplok\nstate_dir = ro-state/sub\n[inbox]\nmaildir = ro-state/md\n' \
	>"$T/ro.conf"
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null &&
	runuser -u nobody -- test -x "$MCBOT" 2>/dev/null; then
	OUT=$(cd / && runuser -u nobody -- "$MCBOT" --config "$T/ro.conf" check-config 2>&1)
	RC=$?
	is "$RC" 1 "a state_dir this user cannot create: fails"
	like "$OUT" "^$T/ro.conf:3: \[store\] state_dir: $T/ro-state: Permission denied for this user \(uid [0-9]+\)" \
		"... says which directory and which user"
	like "$OUT" "^$T/ro.conf:5: \[inbox\] maildir: $T/ro-state: Permission denied" \
		"... and the maildir too"
else
	skip 3 "needs root and runuser to check as another user"
fi

# A good file: fine, exit 0.
printf '[list]\naddress = mc@example.org\n[store]\ntemplates_dir = tplok\nstate_dir = st\n' \
	>"$T/good.conf"
check "$T/good.conf"
is "$RC" 0 "a good configuration passes"
like "$OUT" "^$T/good.conf: configuration and templates are fine\$" "... and says so"

# systemd credentials: ${CREDENTIALS_DIRECTORY}/name in a password_file.
cat >"$T/cred.conf" <<'EOF'
[inbox]
type = imap
[imap]
host = imap.example.org
user = bot
password_file = ${CREDENTIALS_DIRECTORY}/imap-password
[store]
templates_dir = tplok
state_dir = st
EOF
OUT=$(cd "$TOP" && env -u CREDENTIALS_DIRECTORY "$MCBOT" --config "$T/cred.conf" check-config 2>&1)
RC=$?
is "$RC" 1 "\${CREDENTIALS_DIRECTORY} outside systemd: fails"
like "$OUT" "^$T/cred.conf:6: \[imap\] password_file: \\$\{CREDENTIALS_DIRECTORY\} is not set" \
	"... and says why, with file:line"
mkdir -p "$T/creds" && (umask 077 && echo s3cret-cred >"$T/creds/imap-password")
OUT=$(cd "$TOP" && CREDENTIALS_DIRECTORY=$T/creds "$MCBOT" --config "$T/cred.conf" check-config 2>&1)
is "$?" 0 "with \$CREDENTIALS_DIRECTORY set (as LoadCredential= does): passes" || diag "$OUT"
mkdir -p "$T/st"
OUT=$(cd "$TOP" && env -u CREDENTIALS_DIRECTORY "$MCBOT" --config "$T/cred.conf" list 2>&1)
is "$?" 0 "list needs no credentials" || diag "$OUT"
sed -i 's|/imap-password|/../imap-password|' "$T/cred.conf"
OUT=$(cd "$TOP" && CREDENTIALS_DIRECTORY=$T/creds "$MCBOT" --config "$T/cred.conf" check-config 2>&1)
like "$OUT" "^$T/cred.conf:6: .*expected \\$\{CREDENTIALS_DIRECTORY\}/NAME" \
	"a path that leaves the credentials directory is refused"

# --connect against the private Dovecot and Postfix.
. "$TOP/tests/lib/stack.sh"
if ! stack_require; then
	skip 13 "$STACK_SKIP"
	done_testing
fi
stack_start || BAIL_OUT "no test stack"
trap 'stack_stop; cleanup_t' EXIT      # after stack_start, which sets its own

conf=$STACK_DIR/mcbot.conf
mcbot_conf "$conf"
check "$conf" --connect
is "$RC" 0 "--connect: IMAP and SMTP (STARTTLS, AUTH) work" || diag "$OUT"
like "$OUT" "^connect: inbox: ok: imap $STACK_HOST:$IMAP_PORT: TLS, certificate verified, logged in as $BOT_USER" \
	"... says what worked for IMAP"
like "$OUT" "^connect: smtp: ok: smtp://$STACK_HOST:$SMTP_PORT: STARTTLS, certificate verified, logged in as $BOT_USER; nothing sent" \
	"... and for SMTP"

mcbot_conf "$conf" "smtp.url=smtps://$STACK_HOST:$SMTPS_PORT"
check "$conf" --connect
like "$OUT" "^connect: smtp: ok: smtps://$STACK_HOST:$SMTPS_PORT: TLS, certificate verified" \
	"--connect over implicit TLS"

# Credentials as systemd hands them over.
mkdir -p "$STACK_DIR/creds" && install -m 0600 "$BOT_PASSWORD_FILE" "$STACK_DIR/creds/imap-password" &&
	install -m 0600 "$BOT_PASSWORD_FILE" "$STACK_DIR/creds/smtp-password"
mcbot_conf "$conf" 'imap.password_file=${CREDENTIALS_DIRECTORY}/imap-password' \
	'smtp.password_file=${CREDENTIALS_DIRECTORY}/smtp-password'
OUT=$(CREDENTIALS_DIRECTORY=$STACK_DIR/creds "$MCBOT" -vv --trace all --config "$conf" check-config --connect 2>&1)
is "$?" 0 "--connect with the passwords from \$CREDENTIALS_DIRECTORY" || diag "$OUT"
unlike "$OUT" "$BOT_PASSWORD" "the password is not in the output, even with -vv --trace all"

(umask 077 && echo wrong-password-42 >"$STACK_DIR/wrong.pw")
mcbot_conf "$conf" "imap.password_file=$STACK_DIR/wrong.pw" "smtp.password_file=$STACK_DIR/wrong.pw"
OUT=$("$MCBOT" -vv --trace all --config "$conf" check-config --connect 2>&1)
RC=$?
is "$RC" 1 "--connect with a wrong password fails"
like "$OUT" "^connect: inbox: FAILED: imap $STACK_HOST:$IMAP_PORT: login failed" "... IMAP says the login failed"
like "$OUT" "^connect: smtp: FAILED: smtp smtp://$STACK_HOST:$SMTP_PORT: .*(Login denied|uthentication).*535" \
	"... SMTP says the login was denied, with the server's answer"
unlike "$OUT" "wrong-password-42" "... and neither shows the password"

stack_tls_ca "$STACK_DIR/otherca" >/dev/null
mcbot_conf "$conf" "imap.ca_file=$STACK_DIR/otherca/ca.pem" "smtp.ca_file=$STACK_DIR/otherca/ca.pem"
check "$conf" --connect
is "$RC" 1 "--connect with the wrong CA fails"
like "$OUT" "^connect: inbox: FAILED: imap $STACK_HOST:$IMAP_PORT: .*certificate" "... IMAP names the certificate"
like "$OUT" "^connect: smtp: FAILED: smtp smtp://$STACK_HOST:$SMTP_PORT: .*certificate" "... and so does SMTP"
done_testing
