#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (clang, ASan+UBSan) and fuzzes each for SECONDS (default 30).
set -eu

seconds=${1:-30}
case $seconds in
''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
build=build-fuzz
# Every target fuzz/meson.build declares.
targets=$(sed -n "s/^  '\([a-z0-9_]*\)' : .*/\1/p" fuzz/meson.build)

# -fsanitize=fuzzer-no-link gives the libraries the coverage feedback
# libFuzzer steers by; the targets themselves link -fsanitize=fuzzer.
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzzing=true \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dunit_tests=disabled -Dc_args=-fsanitize=fuzzer-no-link
fi
set --
for t in $targets; do set -- "$@" "fuzz/fuzz_$t"; done
ninja -C "$build" "$@"

# Leaks are errors; UBSan findings stop the run like ASan ones.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}"

# One target at a time per core (FUZZ_JOBS, default: the cores, at most
# 4): each libFuzzer run is one process on one core.
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
[ "$jobs" -le 4 ] || jobs=4

# fuzz_one TARGET: fuzzes it, prints its verdict (and, failed, the log's
# tail); exit status 0 when it passed.
fuzz_one() {
	t=$1
	# Fuzz a scratch copy: new inputs never land in the committed corpus.
	work=$build/work/$t
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	cp fuzz/corpus/"$t"/* "$work/corpus/"
	log=$work/fuzz.log
	if "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=16384 \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" >"$log" 2>&1
	then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "fuzz $t: ok (${execs:-?} execs)"
		return 0
	fi
	echo "fuzz $t: FAILED"
	echo "  log: $log"
	ls "$work/artifacts" 2>/dev/null | sed 's/^/  artifact: /'
	tail -n 40 "$log" | sed 's/^/  | /'
	return 1
}

# Lane k of $jobs takes every jobs-th target; each writes its verdicts to
# its own file, printed in target order once all are done.
rm -rf "$build/lanes"
mkdir -p "$build/lanes"
k=0
while [ "$k" -lt "$jobs" ]; do
	(
		i=0
		for t in $targets; do
			if [ $((i % jobs)) -eq "$k" ]; then
				# (set -e: a failed target must not end the lane)
				if fuzz_one "$t" >"$build/lanes/$t.out" 2>&1; then
					echo 0 >"$build/lanes/$t.rc"
				else
					echo 1 >"$build/lanes/$t.rc"
				fi
			fi
			i=$((i + 1))
		done
	) &
	k=$((k + 1))
done
wait

passed=0
failed=0
for t in $targets; do
	cat "$build/lanes/$t.out" 2>/dev/null || echo "fuzz $t: FAILED (no verdict)"
	if [ "$(cat "$build/lanes/$t.rc" 2>/dev/null)" = 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
