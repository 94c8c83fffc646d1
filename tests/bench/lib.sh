# shellcheck shell=bash
#
# lib.sh - helpers of tests/bench/run: the bot's inbox, smtp-sink,
# Postfix's queue, the recipients' mailboxes, and the report.  Sourced
# after tests/lib/stack.sh, in a shell that started the stack.
#
# BENCH_DIR is the benchmark's work directory (under $STACK_DIR, removed
# with it); BENCH_TOOLS the directory of these scripts.

bench_msg() {
	printf 'bench: %s\n' "$*" >&2
}

# bench_home ADDRESS: the home of ADDRESS in the stack's static userdb
# (home=$STACK_DIR/mail/%Ld/%Ln).
bench_home() {
	local a
	a=$(printf '%s' "$1" | tr 'A-Z' 'a-z')
	echo "$STACK_DIR/mail/${a#*@}/${a%@*}"
}

# bench_discard PATH...: move what an earlier run left out of the way, into
# $BENCH_DIR/trash (removed by bench_cleanup, after the measurements).
# Not deleted now: ext4 without a journal skips inodes freed in the last
# minutes when it creates files (fs/ext4/ialloc.c, recently_deleted()), so
# deleting 10,000 files just before a drain slows the files the drain makes.
bench_discard() {
	local p
	mkdir -p "$BENCH_DIR/trash" || return 1
	for p in "$@"; do
		[ -e "$p" ] || continue
		BENCH_TRASH_N=$((${BENCH_TRASH_N:-0} + 1))
		mv "$p" "$BENCH_DIR/trash/$BENCH_TRASH_N" || return 1
	done
}

# bench_stage DIR: the mails of DIR (gen-mails output) as Maildir files
# owned by the mail user in $BENCH_DIR/stage/new, from which bench_inbox
# hard-links them.
bench_stage() {
	rm -rf "$BENCH_DIR/stage"
	"$BENCH_TOOLS/load-maildir" --uid "$STACK_MAIL_UID" "$1" "$BENCH_DIR/stage" 2>/dev/null
}

# bench_inbox N: the bot's INBOX holds exactly the first N staged mails
# (everything else of its mail, folders included, is gone), in cur/ (no
# renames from new/ at the bot's SELECT) and indexed and cached by Dovecot,
# so that a drain measures no loading.
bench_inbox() {
	local home n
	home=$(bench_home "$BOT_USER")
	bench_discard "$home" || return 1
	mkdir -p "$home" && chown "$STACK_MAIL_UID:$STACK_MAIL_UID" "$home" "${home%/*}" || return 1
	"$BENCH_TOOLS/load-maildir" --cur --count "$1" --uid "$STACK_MAIL_UID" \
		"$BENCH_DIR/stage/new" "$home/Maildir" 2>/dev/null || return 1
	timeout 120 doveadm -c "$STACK_DOVECOT_CONF" index -u "$BOT_USER" INBOX || return 1
	n=$(mbox_count "$BOT_USER" INBOX)
	[ "$n" = "$1" ] || { bench_msg "the inbox holds $n mails, not $1"; return 1; }
}

# bench_clear_mailboxes: remove every mailbox but the bot's (the replies
# of an earlier run).
bench_clear_mailboxes() {
	local home d
	home=$(bench_home "$BOT_USER")
	for d in "$STACK_DIR"/mail/*/*; do
		[ -e "$d" ] && [ "$d" != "$home" ] && { bench_discard "$d" || return 1; }
	done
	return 0
}

# bench_queue_empty SECONDS: wait until Postfix's queue is empty (every
# mail delivered or bounced).  Returns 1 on timeout.
bench_queue_empty() {
	local q=$STACK_DIR/postfix/queue end=$((SECONDS + $1)) n
	while :; do
		n=$(find "$q/maildrop" "$q/incoming" "$q/active" "$q/deferred" "$q/hold" \
			-type f 2>/dev/null | wc -l)
		[ "$n" = 0 ] && return 0
		[ "$SECONDS" -ge "$end" ] && { bench_msg "Postfix still has $n mails queued"; return 1; }
		sleep 0.2
	done
}

# bench_sink_start: start smtp-sink on a free port of 127.0.0.1; sets
# SINK_PORT and BENCH_SINK_PID.
bench_sink_start() {
	local _
	for _ in 1 2 3; do
		stack_free_port SINK_PORT || return 1
		smtp-sink -u postfix "127.0.0.1:$SINK_PORT" 256 </dev/null \
			>"$BENCH_DIR/smtp-sink.log" 2>&1 &
		BENCH_SINK_PID=$!
		for _ in $(seq 100); do
			[ -n "$(stack_listening "$BENCH_SINK_PID")" ] && return 0
			stack__alive "$BENCH_SINK_PID" || break
			sleep 0.05
		done
		stack__stop_pids 2 "$BENCH_SINK_PID"
	done
	bench_msg "smtp-sink did not start: $(tail -n 3 "$BENCH_DIR/smtp-sink.log")"
	return 1
}

# bench_reply_sample STATE_DIR OUT: one reply mcbot sent (the one of median
# size), without the envelope line and with LF line ends, for smtp-source -F.
bench_reply_sample() {
	local sent=$1/outbox/sent f
	f=$(cd "$sent" && ls -S | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }')
	[ -n "$f" ] || return 1
	tail -n +2 "$sent/$f" | tr -d '\r' >"$2"
}

# bench_source OUT PORT COUNT RCPT: send COUNT copies of the reply sample
# over one SMTP session with smtp-source; OUT gets the timing line.
bench_source() {
	"$BENCH_TOOLS/timed" --timeout 300 --out "$1" -- smtp-source -d -s 1 -m "$3" \
		-F "$BENCH_DIR/reply.eml" -f "$BOT_USER" -t "$4" "127.0.0.1:$2" \
		>>"$BENCH_DIR/smtp-source.log" 2>&1
}

# bench_field FILE KEY: the value of KEY=VALUE in a timing line.
bench_field() {
	tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"
}

# bench_lines FILE: the number of lines of FILE (0 when missing).
bench_lines() {
	if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi
}

# bench_div A B [DIGITS]: A / B with DIGITS decimals (default 0), 0 when B is 0.
bench_div() {
	awk -v a="$1" -v b="$2" -v d="${3:-0}" 'BEGIN { printf ("%." d "f"), (b > 0 ? a / b : 0) }'
}

# bench_median VALUE...: the median (mean of the middle two for an even
# count), with three significant digits or more; "-" when there is no
# number.
bench_median() {
	printf '%s\n' "$@" | grep -E '^-?[0-9.]+$' | sort -g |
		awk '{ a[NR] = $1 } END {
			if (NR == 0) { print "-"; exit }
			m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			d = m == int(m) || m >= 100 ? 0 : m >= 10 ? 1 : m >= 1 ? 2 : 3
			printf ("%." d "f\n"), m }'
}

# bench_verdict VALUE OP TARGET UNIT: "met" or "missed by ..." for VALUE
# compared with TARGET (OP ge: at least, le: at most).
bench_verdict() {
	awk -v v="$1" -v op="$2" -v t="$3" -v u="$4" 'BEGIN {
		if (v == "-" || v == "") { print "not measured"; exit }
		if ((op == "ge" && v + 0 >= t + 0) || (op == "le" && v + 0 <= t + 0)) { print "met"; exit }
		d = op == "ge" ? t - v : v - t
		f = d == int(d) || d >= 100 ? "%d" : d >= 10 ? "%.1f" : "%.2f"
		printf ("MISSED by " f "%s (%.0f%%)\n"), d, u, (t > 0 ? 100 * d / t : 0) }'
}

# bench_row FIGURE MEDIAN "RUNS" TARGET VERDICT: one line of the report.
bench_row() {
	printf '%-46s %12s  %-26s %-14s %s\n' "$1" "$2" "$3" "$4" "$5"
	case $5 in
	met) BENCH_MET=$((BENCH_MET + 1)) ;;
	MISSED*) BENCH_MISSED=$((BENCH_MISSED + 1)) ;;
	esac
}

# bench_cpu_mark: "BUSY IDLE", the jiffies all CPUs spent working and idle
# so far (/proc/stat; time stolen by a hypervisor counts as neither).
bench_cpu_mark() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $5 + $6; exit }' /proc/stat
}

# bench_cpu_since MARK N: "PERCENT MS", how busy the machine was since MARK
# (from bench_cpu_mark) and its CPU time per item for N items, in ms: for
# the drain through Postfix, what mcbot, Dovecot and Postfix spent together.
bench_cpu_since() {
	echo "$1 $(bench_cpu_mark)" | awk -v hz="$(getconf CLK_TCK)" -v n="$2" '{
		b = $3 - $1; i = $4 - $2
		printf "%.0f %.2f\n", (b + i > 0 ? 100 * b / (b + i) : 0), (n > 0 ? 1000 * b / hz / n : 0) }'
}

# bench_load_note: the load average and CPU count, for the report.
bench_load_note() {
	printf 'load average %s on %s CPUs' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
}
