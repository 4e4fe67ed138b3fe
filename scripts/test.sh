#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every test: unit + fuzz-corpus replays on the -Werror build and on the
# ASan+UBSan build, the integration suite against the sanitizer binaries,
# then each libFuzzer target for a bounded time. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
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
	echo "=== unit and corpus-replay tests (release)"
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
	meson test -C build-asan --print-errorlogs --num-processes 2 || true
	count_meson build-asan

	echo "=== integration tests (ASan + UBSan binaries)"
	HEARTHD="$ROOT/build-asan/src/hearthd" HEARTH="$ROOT/build-asan/src/hearth" \
		HTTP_TESTD="$ROOT/build-asan/tests/support/http_testd" \
		$PY -m pytest tests/integration -q -p no:cacheprovider \
		--junitxml="$LOGDIR/integration.xml" || true
	if [ -f "$LOGDIR/integration.xml" ]; then
		counts=$($PY - "$LOGDIR/integration.xml" <<'PYEOF'
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
	else
		step_fail integration
	fi
else
	step_fail build-asan
fi

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
