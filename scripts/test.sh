#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every test: unit + fuzz-corpus replays + lint on the -Werror build,
# unit + fuzz-corpus replays on the ASan+UBSan build, the integration suite
# against the ASan+UBSan binaries, the unit and DNS integration tests on a
# ThreadSanitizer build, then each libFuzzer target for a bounded time.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
PY=/usr/bin/python3
LOGDIR="$ROOT/build-test-logs"
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"

./scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
steps_failed=""

# meson test writes one JSON object per test to testlog.json.
count_meson() {
	log="$1/meson-logs/testlog.json"
	[ -f "$log" ] || return 0
	p=$(grep -c '"result": "OK"' "$log" || true)
	f=$(grep -vc '"result": "\(OK\|SKIP\)"' "$log" || true)
	passed=$((passed + p))
	failed=$((failed + f))
}

# pytest's junit xml: tests, failures + errors, skipped, per suite.
count_junit() {
	if [ ! -f "$1" ]; then
		step_fail "$2"
		return
	fi
	counts=$($PY - "$1" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
sk = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - sk, f)
PYEOF
)
	passed=$((passed + ${counts% *}))
	failed=$((failed + ${counts#* }))
}

build() {
	dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" --werror "$@" >"$LOGDIR/setup-$dir.log" 2>&1 ||
			{ cat "$LOGDIR/setup-$dir.log"; return 1; }
	fi
	ninja -C "$dir" || return 1
}

step_fail() {
	failed=$((failed + 1))
	steps_failed="$steps_failed $1"
	echo "=== FAILED: $1"
}

echo "=== build (release, -Werror)"
if build build-ci; then
	echo "=== unit, corpus-replay and lint tests (release)"
	meson test -C build-ci --print-errorlogs --num-processes 2 || true
	count_meson build-ci
else
	step_fail build-ci
fi

echo "=== build (ASan + UBSan)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if build build-asan -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fno-sanitize-recover=all -Dbuildtype=debug; then
	echo "=== unit and corpus-replay tests (ASan + UBSan)"
	meson test -C build-asan --no-suite lint --print-errorlogs \
		--num-processes 2 || true
	count_meson build-asan

	echo "=== integration tests (ASan + UBSan binaries)"
	# Test artefacts (the status page's screenshot) next to the logs. Two
	# workers, a test file each at a time (pytest-xdist's loadfile): most
	# tests wait on daemons, peers and timers, so two files at once take
	# about 60 % of the time of one after the other. Every test names its
	# ports, namespaces and directories after its own process or tmp_path.
	HEARTHD="$ROOT/build-asan/src/hearthd" HEARTH="$ROOT/build-asan/src/hearth" \
		HTTP_TESTD="$ROOT/build-asan/tests/support/http_testd" \
		HEARTH_ARTEFACTS="$LOGDIR/artefacts" \
		$PY -m pytest tests/integration -q -p no:cacheprovider \
		-n "${TEST_JOBS:-2}" --dist loadfile \
		--junitxml="$LOGDIR/integration.xml" || true
	count_junit "$LOGDIR/integration.xml" integration
else
	step_fail build-asan
fi

# ThreadSanitizer: the unit tests (not the corpus replays), the DNS
# integration tests, whose UDP workers share the zone snapshot (RCU) and the
# forward cache, and the notify fan-out test (the HTTP server's sender
# thread writes half of a large fan-out). A report stops the process with status 66, which fails the
# test (tests/integration/helpers.py looks for both). tests/tsan.supp lists
# the false positives, each with its reason.
tsan_start=$(date +%s)
echo "=== build (ThreadSanitizer)"
if build build-tsan -Db_sanitize=thread -Db_lundef=false -Dbuildtype=debug; then
	TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1"
	TSAN_OPTIONS="$TSAN_OPTIONS:suppressions=$ROOT/tests/tsan.supp"
	export TSAN_OPTIONS
	echo "=== unit tests (ThreadSanitizer)"
	meson test -C build-tsan --suite unit --print-errorlogs \
		--num-processes 2 || true
	count_meson build-tsan

	echo "=== DNS and notify fan-out integration tests (ThreadSanitizer binaries)"
	HEARTHD="$ROOT/build-tsan/src/hearthd" HEARTH="$ROOT/build-tsan/src/hearth" \
		$PY -m pytest tests/integration/test_dns_*.py \
		tests/integration/test_notify_fanout.py -q -p no:cacheprovider \
		--junitxml="$LOGDIR/integration-tsan.xml" || true
	count_junit "$LOGDIR/integration-tsan.xml" integration-tsan
	unset TSAN_OPTIONS
else
	step_fail build-tsan
fi
echo "=== ThreadSanitizer steps took $(($(date +%s) - tsan_start))s"

echo "=== fuzzing (${FUZZ_SECONDS}s per target)"
if ./scripts/fuzz.sh "$FUZZ_SECONDS" 2>&1 | tee "$LOGDIR/fuzz.log"; then :; fi
fl=$(grep '^fuzz: .* passed, .* failed' "$LOGDIR/fuzz.log" | tail -1)
if [ -n "$fl" ]; then
	fp=$(echo "$fl" | sed 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/')
	ff=$(echo "$fl" | sed 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/')
	passed=$((passed + fp))
	failed=$((failed + ff))
else
	step_fail fuzz
fi

[ -n "$steps_failed" ] && echo "failed steps:$steps_failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
