# shellcheck shell=bash
#
# tap.sh - print TAP (the Test Anything Protocol) from bash tests run by
# `prove`.  Source it from a .t file:
#
#	#!/bin/bash
#	. "$(dirname "$0")/../lib/tap.sh"
#	plan 3                          # or nothing, and done_testing at the end
#	ok 0 "zero is success"          # ok STATUS DESC: STATUS is an exit status
#	run_ok "true runs" true         # run_ok DESC CMD [ARGS...]
#	is "$(echo hi)" "hi" "echo"     # is GOT WANT DESC
#	done_testing
#
# Every function prints one TAP line on stdout; diagnostics go to stderr as
# "# ..." lines, which prove shows with -v or on failure.  The counters live
# in shell variables: call these functions from the test's own shell, never
# from a subshell or the right side of a pipe, or the counts are lost.
#
# done_testing exits the script with the number of failures (at most 254),
# so `prove` marks the file failed when anything failed.

TAP_RUN=0        # tests printed so far
TAP_FAILED=0     # of which failed
TAP_PLANNED=""   # the number given to plan, or empty

# plan N: announce N tests up front.
plan() {
	TAP_PLANNED=$1
	printf '1..%s\n' "$1"
}

# skip_all REASON: skip the whole file (prints "1..0 # SKIP") and exit 0.
skip_all() {
	printf '1..0 # SKIP %s\n' "$*"
	exit 0
}

# diag MSG...: diagnostic lines (stderr), one per argument and per newline.
diag() {
	printf '%s\n' "$@" | sed 's/^/# /' >&2
}

# note MSG...: like diag, but on stdout (shown only by prove -v).
note() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# diag_file FILE [LINES]: the last LINES (default 40) lines of FILE as diag.
diag_file() {
	[ -r "$1" ] || { diag "($1: not readable)"; return 0; }
	diag "--- tail of $1"
	tail -n "${2:-40}" "$1" | sed 's/^/#   /' >&2
}

# ok STATUS DESC: passes when STATUS is 0 (a shell exit status, e.g. $?).
# Returns STATUS, so `ok $? desc || diag_file log` works.
ok() {
	local status=$1
	shift
	TAP_RUN=$((TAP_RUN + 1))
	if [ "$status" = 0 ]; then
		printf 'ok %d - %s\n' "$TAP_RUN" "$*"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		printf 'not ok %d - %s\n' "$TAP_RUN" "$*"
		diag "  Failed test '$*' (status $status)"
	fi
	return "$status"
}

pass() { ok 0 "$@"; }
fail() { ok 1 "$@"; }

# run_ok DESC CMD [ARGS...]: run CMD; pass when it exits 0.  Its output is
# kept and shown as diag only when it fails.
run_ok() {
	local desc=$1 out status
	shift
	out=$("$@" 2>&1)
	status=$?
	ok "$status" "$desc" || { diag "  command: $*"; [ -n "$out" ] && diag "$out"; }
	return "$status"
}

# run_fails DESC CMD [ARGS...]: pass when CMD exits non-zero.
run_fails() {
	local desc=$1 out status
	shift
	out=$("$@" 2>&1)
	status=$?
	if [ "$status" != 0 ]; then
		ok 0 "$desc"
	else
		ok 1 "$desc"
		diag "  command succeeded but should have failed: $*"
		[ -n "$out" ] && diag "$out"
	fi
}

# is GOT WANT DESC: string equality.
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "         got: '$1'" "    expected: '$2'"
		return 1
	fi
}

# isnt GOT UNWANTED DESC
isnt() {
	if [ "$1" != "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "         got: '$1'" "    expected anything else"
		return 1
	fi
}

# like GOT ERE DESC: GOT matches the extended regular expression ERE.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "    '$1'" "      doesn't match '$2'"
		return 1
	fi
}

# unlike GOT ERE DESC
unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		diag "    '$1'" "      matches '$2'"
		return 1
	else
		ok 0 "$3"
	fi
}

# skip N REASON: N skipped tests.
skip() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		TAP_RUN=$((TAP_RUN + 1))
		printf 'ok %d # skip %s\n' "$TAP_RUN" "$*"
	done
}

# BAIL_OUT REASON: stop the whole prove run.
BAIL_OUT() {
	printf 'Bail out! %s\n' "$*"
	exit 255
}

# done_testing: print the plan when none was given, and exit with the
# failure count.
done_testing() {
	if [ -z "$TAP_PLANNED" ]; then
		printf '1..%d\n' "$TAP_RUN"
	elif [ "$TAP_PLANNED" != "$TAP_RUN" ]; then
		diag "planned $TAP_PLANNED tests but ran $TAP_RUN"
	fi
	[ "$TAP_FAILED" -gt 0 ] && diag "failed $TAP_FAILED of $TAP_RUN tests"
	exit $((TAP_FAILED > 254 ? 254 : TAP_FAILED))
}
