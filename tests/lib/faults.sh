# shellcheck shell=bash
#
# faults.sh - fault injection around the test stack (stack.sh, which must
# be sourced and started first): stop and restart Dovecot, an IMAP proxy
# that refuses IDLE, Postfix's smtp-sink with fault options, mail put
# straight into a Maildir, mcbot daemons in the background, and what the
# tests compare afterwards.  Everything started here is stopped by
# faults_stop_all (call it from the test's EXIT trap, before stack_stop).

FAULTS_PIDS=""          # background processes started here
FAULTS_SINK_PID=""

faults__msg() { printf '# faults: %s\n' "$*" >&2; }

# faults_wait SECONDS CMD...: until CMD succeeds (every 0.1 s); false on timeout.
faults_wait() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# faults_wait_mail SECONDS CMD...: faults_wait for mail Postfix delivers
# after Dovecot was down: its queue is flushed every 2 s meanwhile.  A
# delivery cut by the stop can leave a message that qmgr skips as "still
# being delivered" and only looks at again a minute later: Postfix's own
# schedule, not what these tests are about.
faults_wait_mail() {
	local end=$((SECONDS + $1)) next=0
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		if [ "$SECONDS" -ge "$next" ]; then
			postqueue -c "$STACK_POSTFIX_DIR" -f >/dev/null 2>&1
			next=$((SECONDS + 2))
		fi
		sleep 0.1
	done
}

# faults_dovecot_stop: stop the stack's Dovecot (master and children) as
# `doveadm stop` would; its clients lose their connections.
faults_dovecot_stop() {
	local pid pids
	read -r pid <"$STACK_DIR/pids/dovecot" || return 1
	pids=$(stack__tree "$pid" | tr '\n' ' ')
	# shellcheck disable=SC2086
	kill -TERM $pids 2>/dev/null
	# shellcheck disable=SC2086
	stack__wait_gone 20 $pids >/dev/null || { faults__msg "dovecot did not stop"; return 1; }
	rm -f "$STACK_DIR/dovecot/run/master.pid"
}

# faults_dovecot_start: start it again with the same configuration, port
# and mail (stack_stop stops the new master too).
faults_dovecot_start() {
	stack__dovecot_start dovecot "$IMAP_PORT" server "imap lmtp"
}

# faults_maildir USER: the Maildir of USER on disk (created, owned by the
# mail user, as Dovecot would).
faults_maildir() {
	local domain=${1#*@} local=${1%@*} md
	md=$STACK_DIR/mail/$domain/$local/Maildir
	if [ ! -d "$md/new" ]; then
		mkdir -p "$md/new" "$md/cur" "$md/tmp" &&
		chown -R "$STACK_MAIL_UID:$STACK_MAIL_UID" "$STACK_DIR/mail/$domain" || return 1
	fi
	echo "$md"
}

# faults_inject USER FILE...: deliver the files into USER's INBOX by
# writing them into the Maildir (tmp/, then new/), thousands a second,
# with or without Dovecot running.  Dovecot numbers new files in the
# order of the time and the rest of their names, so the files get UIDs
# in the order given.
faults_inject() {
	local md
	md=$(faults_maildir "$1") || return 1
	shift
	perl -e '
		my ($md, $uid, @files) = @ARGV;
		my ($n, $t) = (0, time);
		for my $f (@files) {
			$n++;
			my $name = sprintf "%d.M%06dP%d.faults", $t, $n, $$;
			open(my $in, "<", $f) or die "$f: $!\n";
			open(my $out, ">", "$md/tmp/$name") or die "$md/tmp/$name: $!\n";
			my $data = do { local $/; <$in> };
			print {$out} $data;
			close $out or die "$name: $!\n";
			chown $uid, $uid, "$md/tmp/$name";
			rename "$md/tmp/$name", "$md/new/$name" or die "$name: $!\n";
		}' "$md" "$STACK_MAIL_UID" "$@"
}

# faults_folder_count USER FOLDER: messages in FOLDER ("" for INBOX),
# counted on disk (no Dovecot needed).
faults_folder_count() {
	local md
	md=$STACK_DIR/mail/${1#*@}/${1%@*}/Maildir
	[ -n "$2" ] && md=$md/.${2//\//.}
	find "$md/new" "$md/cur" -type f 2>/dev/null | wc -l
}

# faults_help_mails DIR PREFIX DOMAIN N: N help requests DIR/PREFIX-I.eml
# from PREFIX-I@DOMAIN, Message-ID <PREFIX-I@DOMAIN>.
faults_help_mails() {
	local dir=$1 p=$2 dom=$3 n=$4 i
	mkdir -p "$dir" || return 1
	for ((i = 1; i <= n; i++)); do
		printf 'From: Tester %s <%s-%s@%s>\nTo: mc@lpc.example.org\nSubject: help\nDate: Thu, 01 Jan 2026 09:00:00 +0000\nMessage-ID: <%s-%s@%s>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nhelp\n' \
			"$i" "$p" "$i" "$dom" "$p" "$i" "$dom" >"$dir/$p-$i.eml"
	done
}

# faults_reply_ids PATH...: the Message-IDs of mcbot's replies in the mail
# files at PATH (files, or directories searched recursively: Maildirs,
# smtp-sink dumps, outbox directories), one per line, as often as found.
faults_reply_ids() {
	find "$@" -type f ! -name 'dovecot*' ! -name '*.reason' ! -name subscriptions \
		! -name maildirfolder ! -name retry ! -name '*.log' 2>/dev/null |
		xargs -r grep -a -h -i -m1 '^Message-ID: <mcbot\.' |
		sed 's/^[^<]*<\([^>]*\)>.*$/\1/' | tr -d '\r'
}

# faults_outbox_ids STATE_DIR [SUBDIR]: the Message-IDs of the mails in
# outbox/SUBDIR (default sent).
faults_outbox_ids() {
	faults_reply_ids "$1/outbox/${2:-sent}"
}

# faults_mcbot_bg LOG ARGS...: start mcbot ARGS in the background; sets
# FAULTS_MCBOT_PID.
faults_mcbot_bg() {
	local log=$1
	shift
	"$MCBOT" "$@" </dev/null 2>"$log" &
	FAULTS_MCBOT_PID=$!
	FAULTS_PIDS="$FAULTS_PIDS $FAULTS_MCBOT_PID"
}

# faults_stop PID [SECONDS]: SIGTERM, wait; SIGKILL after SECONDS (10).
# Returns the process's exit status (137 when it had to be killed).
faults_stop() {
	local pid=$1 secs=${2:-10} i
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < secs * 10; i++)); do
		stack__alive "$pid" || break
		sleep 0.1
	done
	stack__alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# faults_proxy_start LOG [--fail-idle]: the IMAP proxy in front of the
# stack's Dovecot; sets PROXY_PORT and FAULTS_PROXY_PID.
faults_proxy_start() {
	local log=$1 pf=$STACK_DIR/proxy.port.$RANDOM
	shift
	python3 "$MCBOT_TOP/tests/tools/imap-fault-proxy" --cert "$STACK_DIR/tls/server.pem" \
		--key "$STACK_DIR/tls/server.key" --upstream "$IMAP_PORT" --port-file "$pf" \
		--log "$log" "$@" </dev/null >>"$log.err" 2>&1 &
	FAULTS_PROXY_PID=$!
	FAULTS_PIDS="$FAULTS_PIDS $FAULTS_PROXY_PID"
	faults_wait 10 test -s "$pf" || { faults__msg "the IMAP proxy did not start"; return 1; }
	read -r PROXY_PORT <"$pf"
}

# faults_sink_start DUMPDIR [SMTP-SINK OPTIONS...]: Postfix's smtp-sink on a
# free port of 127.0.0.1, every mail it takes written into DUMPDIR; sets
# SINK_PORT.  The previous sink is stopped first.
faults_sink_start() {
	local dump=$1 try port i
	shift
	faults_sink_stop
	mkdir -p "$dump" && chmod 0777 "$dump" || return 1
	chmod o+x "$(dirname "$dump")"
	for try in 1 2 3 4 5 6; do
		stack_free_port port || return 1
		/usr/sbin/smtp-sink -u nobody -t 20 "$@" -d "$dump/%H%M%S." "127.0.0.1:$port" 10 \
			</dev/null >>"$dump.log" 2>&1 &
		FAULTS_SINK_PID=$!
		for i in $(seq 50); do
			kill -0 "$FAULTS_SINK_PID" 2>/dev/null || break
			if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				SINK_PORT=$port
				return 0
			fi
			sleep 0.05
		done
		faults_sink_stop
	done
	faults__msg "smtp-sink did not start"
	return 1
}

faults_sink_stop() {
	[ -n "$FAULTS_SINK_PID" ] || return 0
	kill "$FAULTS_SINK_PID" 2>/dev/null
	wait "$FAULTS_SINK_PID" 2>/dev/null
	FAULTS_SINK_PID=""
}

# faults_stop_all: stop everything started here.
faults_stop_all() {
	local p
	faults_sink_stop
	for p in $FAULTS_PIDS; do
		stack__alive "$p" && faults_stop "$p" 5
	done
	FAULTS_PIDS=""
}
