#!/bin/bash
# The libFuzzer targets of tests/fuzz/ (one per parser we write: mail,
# proposal extraction, commands, templates, state files, the store,
# config), briefly: built with clang (ASan + UBSan), each run over the
# inputs of the crashes it found before (tests/fuzz/regress/<target>/),
# then fuzzed for FUZZ_CHECK_SECONDS (default 10) seconds, one target per
# processor at a time.  `make fuzz FUZZ_SECONDS=N` is the long run.  Skipped when clang
# or its fuzzer runtime is missing.
. "$(dirname "$0")/../lib/tap.sh"

work=$(mktemp -d /tmp/mcbot-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
top=$MCBOT_TOP
build=$top/build-fuzz
seconds=${FUZZ_CHECK_SECONDS:-10}

command -v clang >/dev/null 2>&1 || skip_all "clang is not installed (make fuzz installs it)"
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }\n' \
	>"$work/probe.c"
clang -fsanitize=fuzzer -o "$work/probe" "$work/probe.c" >/dev/null 2>&1 ||
	skip_all "clang's fuzzer runtime is missing (libclang-rt-14-dev)"

make -s -C "$top" -j"$(nproc)" fuzz-build >"$work/build.log" 2>&1
if ! ok $? "the fuzz targets build"; then
	diag_file "$work/build.log"
	done_testing
fi

targets=""
for src in "$top"/tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	targets="$targets ${t#fuzz_}"
done

for t in $targets; do
	dir=$top/tests/fuzz/regress/$t
	[ -d "$dir" ] || continue
	"$build/fuzz/fuzz_$t" "$dir"/* </dev/null >"$work/regress-$t.log" 2>&1
	ok $? "fuzz_$t: the inputs of past crashes run clean" || diag_file "$work/regress-$t.log" 20
done

# one target per processor at a time
running=0
for t in $targets; do
	# a fresh corpus (seeds only), so the time does not grow with earlier runs
	FUZZ_CORPUS=$work/corpus sh "$top/tests/fuzz/run-fuzzers" "$build" "$seconds" "$t" \
		>"$work/run-$t.out" 2>&1 &
	running=$((running + 1))
	if [ $running -ge "$(nproc)" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
for t in $targets; do
	out=$(cat "$work/run-$t.out")
	note "$out"
	unlike "$out" "FAILED|not built" "fuzz_$t: $seconds s without a crash, leak or hang" ||
		diag_file "$build/fuzz_$t.log" 30
done
done_testing
