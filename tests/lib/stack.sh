# shellcheck shell=bash
#
# stack.sh - a private Dovecot and Postfix for integration tests, on
# 127.0.0.1 only, run from a temporary directory.  Needs root (Postfix and
# Dovecot switch users), bash, perl and openssl; curl for stack_smtp_send.
#
#	#!/bin/bash
#	. "$(dirname "$0")/../lib/tap.sh"
#	. "$(dirname "$0")/../lib/stack.sh"
#	stack_require || skip_all "$STACK_SKIP"
#	stack_start || BAIL_OUT "no test stack"   # also sets an EXIT trap
#	...
#	done_testing                              # the trap runs stack_stop
#
# stack_start exports:
#   STACK_DIR          the temporary directory (removed by stack_stop unless
#                      STACK_KEEP=1, or when a test failed: then kept and
#                      named in a diagnostic)
#   STACK_HOST         127.0.0.1, the address everything listens on; the
#                      certificates are valid for it and for "localhost"
#   STACK_CA           PEM file of the test CA that signed the server cert
#   IMAP_PORT          IMAP over implicit TLS (there is no plaintext IMAP);
#                      IDLE is available; the folder separator is "/"
#   SMTP_PORT          SMTP with STARTTLS offered (not required)
#   SMTPS_PORT         SMTP over implicit TLS
#   BOT_USER           mc@lpc.example.org: its IMAP login, also valid for
#   BOT_PASSWORD_FILE  SMTP AUTH PLAIN/LOGIN (after STARTTLS); the file
#                      holds the password on one line
#   BOT_PASSWORD       the same password
#   STACK_DOVECOT_CONF Dovecot's configuration (for doveadm -c)
#   STACK_POSTFIX_DIR  Postfix's configuration directory (postfix -c)
#   STACK_MAILLOG      Postfix's log;  STACK_DOVECOT_LOG: Dovecot's log
#
# Any address at any domain is a mailbox: Postfix takes mail for every
# domain and hands it over LMTP to Dovecot, whose userdb accepts every user
# (home $STACK_DIR/mail/<domain>/<local part>).  Only users added with
# stack_add_user can log in.  Nothing is ever sent off the machine.
#
# stack_start and stack_bad_imap set variables and traps: call them in the
# test's own shell, never in $(...), a pipe or run_ok.
#
# Knobs (set before stack_start): STACK_WATCHDOG (seconds, default 600:
# the test is killed after that), STACK_MAIL_UID (default 5000, the owner
# of the mail files), STACK_POSTFIX_EXTRA / STACK_DOVECOT_EXTRA (lines
# appended to main.cf / dovecot.conf), STACK_KEEP=1.

STACK_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${MCBOT_TOP:=$(cd "$STACK_LIB_DIR/../.." && pwd)}"
. "$STACK_LIB_DIR/proc.sh"
. "$STACK_LIB_DIR/tls.sh"
. "$STACK_LIB_DIR/stack_daemons.sh"
. "$STACK_LIB_DIR/mbox.sh"
. "$STACK_LIB_DIR/mcbot_conf.sh"

export STACK_HOST=127.0.0.1
export BOT_USER=mc@lpc.example.org
: "${STACK_MAIL_UID:=5000}"
: "${STACK_WATCHDOG:=600}"
STACK_PORTS_USED=""
STACK_MASTERS=""     # pids of the Dovecot and Postfix masters

stack__msg() {
	printf '# stack: %s\n' "$*" >&2
}

# stack_require: true when this machine can run the stack; otherwise sets
# STACK_SKIP to the reason.
stack_require() {
	local c
	STACK_SKIP=""
	if [ "$(id -u)" != 0 ]; then
		STACK_SKIP="the test mail stack needs root"
		return 1
	fi
	for c in dovecot doveadm postfix openssl perl timeout; do
		command -v "$c" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
		command -v "$c" >/dev/null 2>&1 && continue
		STACK_SKIP="$c is not installed"
		return 1
	done
	if [ ! -x /usr/lib/dovecot/lmtp ]; then
		STACK_SKIP="dovecot-lmtpd is not installed"
		return 1
	fi
	for c in postfix dovecot dovenull; do
		getent passwd "$c" >/dev/null && continue
		STACK_SKIP="user $c is missing"
		return 1
	done
	return 0
}

# stack__traversable DIR: every directory from DIR up to / is searchable by
# others (Dovecot's auth and Postfix's lmtp client run as other users).
stack__traversable() {
	local d mode
	d=$(readlink -f "$1") || return 1
	while :; do
		mode=$(stat -c %a "$d") || return 1
		[ $((8#$mode & 1)) = 1 ] || return 1
		[ "$d" = / ] && return 0
		d=$(dirname "$d")
	done
}

# stack_free_port [VAR]: set VAR to (without VAR: print) a TCP port of
# 127.0.0.1 free right now, picked at random below the kernel's ephemeral
# range (so that outgoing connections do not take it meanwhile) and not
# handed out before by this shell.  With VAR it can remember the ports it
# handed out; $(stack_free_port) cannot, so prefer the VAR form.
stack_free_port() {
	local p
	# shellcheck disable=SC2086
	p=$(perl -MIO::Socket::INET -e '
		my %used = map { $_ => 1 } @ARGV;
		for (1 .. 500) {
			my $p = 20000 + int(rand(12000));
			next if $used{$p};
			my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
				LocalPort => $p, Proto => "tcp", Listen => 1) or next;
			close $s;
			print "$p\n";
			exit 0;
		}
		exit 1;' -- $STACK_PORTS_USED) || { stack__msg "no free port"; return 1; }
	STACK_PORTS_USED="$STACK_PORTS_USED $p"
	if [ -n "$1" ]; then
		printf -v "$1" '%s' "$p"
	else
		echo "$p"
	fi
}

stack__free_port() { stack_free_port "$@"; }

# stack__watchdog SECONDS: kill this test (and what it runs in the
# foreground) after SECONDS, so that a hung test still ends and the EXIT
# trap stops the stack.
stack__watchdog() {
	local top=$$
	(
		exec </dev/null >/dev/null
		end=$((SECONDS + $1))
		while [ "$SECONDS" -lt "$end" ]; do
			kill -0 "$top" 2>/dev/null || exit 0
			sleep 1
		done
		echo "# stack: watchdog: test still running after $1 s, killing it" >&2
		kill -TERM "$top"
		sleep 1
		# the shell runs its trap only once its foreground child is gone
		for p in $(stack__tree "$top"); do
			[ "$p" = "$top" ] || [ "$p" = "$BASHPID" ] || kill -TERM "$p" 2>/dev/null
		done
	) &
	STACK_WATCHDOG_PID=$!
}

# stack__fail_start: stop what stack_start started, keeping the directory
# for its logs.
stack__fail_start() {
	local keep=$STACK_KEEP
	STACK_KEEP=1
	stack_stop
	STACK_KEEP=$keep
}

# stack_start: generate the certificates, start Dovecot and Postfix and
# export the variables above.  Sets `trap stack_stop EXIT` (and for HUP,
# INT, TERM); a test that sets its own EXIT trap must call stack_stop in
# it.  On failure it prints why, cleans up, and returns 1.
stack_start() {
	local base t0 rc
	t0=$(date +%s.%N)
	if [ -n "$STACK_DIR" ] && [ -d "$STACK_DIR" ]; then
		stack__msg "stack_start: already started in $STACK_DIR"
		return 1
	fi
	stack_require || { stack__msg "$STACK_SKIP"; return 1; }
	# Short: Dovecot's socket paths under it must fit in 108 bytes.
	for base in "${TMPDIR:-/tmp}" /tmp /var/tmp; do
		[ ${#base} -le 32 ] && [ -d "$base" ] && [ -w "$base" ] &&
			stack__traversable "$base" && break
		base=""
	done
	[ -n "$base" ] || { stack__msg "no temporary directory traversable by others"; return 1; }
	STACK_DIR=$(mktemp -d "$base/mcbot-stack.XXXXXX") || return 1
	export STACK_DIR
	chmod 0755 "$STACK_DIR"
	STACK_TAG=mcbot-test-${STACK_DIR##*.}
	trap stack_stop EXIT
	trap 'stack_stop; exit 129' HUP
	trap 'stack_stop; exit 130' INT
	trap 'stack_stop; exit 143' TERM
	stack__watchdog "$STACK_WATCHDOG"

	mkdir -p "$STACK_DIR/tls" "$STACK_DIR/auth" "$STACK_DIR/mail" "$STACK_DIR/pids" &&
	chown "$STACK_MAIL_UID:$STACK_MAIL_UID" "$STACK_DIR/mail" &&
	chown root:dovecot "$STACK_DIR/auth" && chmod 0750 "$STACK_DIR/auth" &&
	: >"$STACK_DIR/auth/passwd" && chown root:dovecot "$STACK_DIR/auth/passwd" &&
	chmod 0640 "$STACK_DIR/auth/passwd" || { stack__fail_start; return 1; }

	export STACK_CA=$STACK_DIR/tls/ca.pem
	stack_tls_ca "$STACK_DIR/tls" &&
	stack_tls_server "$STACK_DIR/tls" server "DNS:localhost,IP:127.0.0.1" &&
	chmod 0644 "$STACK_DIR/tls/server.key" || { stack__fail_start; return 1; }

	stack_add_user "$BOT_USER" >/dev/null || { stack__fail_start; return 1; }
	export BOT_PASSWORD_FILE=$STACK_DIR/auth/$BOT_USER.password
	BOT_PASSWORD=$(cat "$BOT_PASSWORD_FILE")
	export BOT_PASSWORD

	# A port can be taken between the probe and the bind: retry then.
	for _ in 1 2 3; do
		stack_free_port IMAP_PORT || break
		stack__dovecot_start dovecot "$IMAP_PORT" server "imap lmtp"
		rc=$?
		[ $rc = 2 ] || break
	done
	[ "$rc" = 0 ] || { stack__fail_start; return 1; }
	export IMAP_PORT
	export STACK_DOVECOT_CONF=$STACK_DIR/dovecot/dovecot.conf
	export STACK_DOVECOT_LOG=$STACK_DIR/dovecot/dovecot.log

	for _ in 1 2 3; do
		stack_free_port SMTP_PORT && stack_free_port SMTPS_PORT || break
		stack__postfix_start
		rc=$?
		[ $rc = 2 ] || break
	done
	[ "$rc" = 0 ] || { stack__fail_start; return 1; }
	export SMTP_PORT SMTPS_PORT
	export STACK_POSTFIX_DIR=$STACK_DIR/postfix
	export STACK_MAILLOG=$STACK_DIR/postfix/maillog
	STACK_STARTUP_SECONDS=$(echo "$(date +%s.%N) $t0" | awk '{ printf "%.2f", $1 - $2 }')
	return 0
}

# stack_bad_imap wronghost|selfsigned: start one more Dovecot (IMAPS only,
# same users and mail) presenting a certificate for wronghost: the name
# wrong.example.net, signed by the test CA; selfsigned: localhost and
# 127.0.0.1, but self-signed.  Exports BAD_IMAP_PORT and
# BAD_IMAP_PORT_WRONGHOST or BAD_IMAP_PORT_SELFSIGNED.
stack_bad_imap() {
	local kind=$1 san self="" port rc
	case $kind in
	wronghost) san=DNS:wrong.example.net ;;
	selfsigned) san=DNS:localhost,IP:127.0.0.1 self=selfsigned ;;
	*) stack__msg "stack_bad_imap: wronghost or selfsigned, not '$kind'"; return 1 ;;
	esac
	[ -n "$STACK_DIR" ] || { stack__msg "stack_bad_imap: call stack_start first"; return 1; }
	stack_tls_server "$STACK_DIR/tls" "$kind" "$san" $self &&
	chmod 0644 "$STACK_DIR/tls/$kind.key" || return 1
	for _ in 1 2 3; do
		stack_free_port port || return 1
		stack__dovecot_start "dovecot-$kind" "$port" "$kind" imap
		rc=$?
		[ $rc = 2 ] || break
	done
	[ "$rc" = 0 ] || return 1
	export BAD_IMAP_PORT=$port
	if [ "$kind" = wronghost ]; then
		export BAD_IMAP_PORT_WRONGHOST=$port
	else
		export BAD_IMAP_PORT_SELFSIGNED=$port
	fi
}

# stack_add_user ADDRESS [PASSWORD]: let ADDRESS log in to IMAP and SMTP
# AUTH with PASSWORD (default: a random one).  Writes the password to
# $STACK_DIR/auth/ADDRESS.password and prints that path.  Dovecot rereads
# its passwd-file by itself.
stack_add_user() {
	local user=$1 pw=$2 file
	case $user in
	*[!A-Za-z0-9@._+-]* | "" | .*) stack__msg "stack_add_user: bad address '$user'"; return 1 ;;
	esac
	[ -n "$pw" ] || pw=$(openssl rand -hex 12) || return 1
	case $pw in *[:$'\n']*) stack__msg "stack_add_user: no ':' or newline in passwords"; return 1 ;; esac
	file=$STACK_DIR/auth/$user.password
	(umask 077 && printf '%s\n' "$pw" >"$file") || return 1
	printf '%s:{PLAIN}%s\n' "$user" "$pw" >>"$STACK_DIR/auth/passwd" || return 1
	echo "$file"
}

# stack_stop: stop everything stack_start and stack_bad_imap started, and
# make sure no process of the stack is left.  Works from the master pids
# kept in the shell (STACK_MASTERS), so also when the directory is gone.
# Idempotent; returns 1 if a process of the stack ignored SIGTERM for 10 s.
stack_stop() {
	local pids rc=0 left
	[ -n "$STACK_DIR" ] || return 0
	trap - EXIT HUP INT TERM
	if [ -n "$STACK_WATCHDOG_PID" ]; then
		stack__stop_pids 2 $(stack__tree "$STACK_WATCHDOG_PID")
		wait "$STACK_WATCHDOG_PID" 2>/dev/null
		STACK_WATCHDOG_PID=""
	fi
	# Every process of each master, listed before the masters go and their
	# children are re-parented.  SIGTERM to a master is what `postfix stop`
	# and `doveadm stop` send; Dovecot's master then takes a second to stop
	# its children, so all get it at once.
	pids=$(stack__tree $STACK_MASTERS | tr '\n' ' ')
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086
		kill -TERM $pids 2>/dev/null
		# shellcheck disable=SC2086
		left=$(stack__wait_gone 10 $pids) || {
			stack__msg "still running after 10 s, killing: $left"
			# shellcheck disable=SC2086
			stack__stop_pids 2 $left
			rc=1
		}
	fi
	STACK_MASTERS=""
	# Anything else tied to the directory (e.g. a daemon a test started).
	left=$(stack__related "$STACK_DIR" "$STACK_TAG" | tr '\n' ' ')
	if [ -n "$left" ]; then
		stack__msg "left-over processes of the stack, stopping: $left"
		# shellcheck disable=SC2086
		stack__stop_pids 5 $left || rc=1
	fi
	if [ ! -d "$STACK_DIR" ]; then
		stack__msg "$STACK_DIR disappeared while the stack ran"
	elif [ -n "$STACK_KEEP" ] || [ "${TAP_FAILED:-0}" -gt 0 ]; then
		stack__msg "kept $STACK_DIR (logs: dovecot*/dovecot.log, postfix/maillog)"
	else
		rm -rf "$STACK_DIR"
	fi
	STACK_DIR=""
	return $rc
}

# stack_logs: the tails of the logs as TAP diagnostics (after a failure).
stack_logs() {
	local f
	for f in "$STACK_DIR"/dovecot*/dovecot.log "$STACK_DIR/postfix/maillog"; do
		[ -f "$f" ] || continue
		printf '# --- %s\n' "$f" >&2
		tail -n "${1:-30}" "$f" | sed 's/^/#   /' >&2
	done
}
