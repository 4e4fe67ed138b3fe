#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every room's benchmark in turn; each prints its own figures.
set -eu
cd "$(dirname "$0")/.."
for b in bench/*/run.sh; do
	echo "=== $b"
	sh "$b"
done
