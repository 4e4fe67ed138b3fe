#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Tests scripts/check-includes.py: the fixture tree's deliberate violations are all reported, nothing else.
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.normpath(os.path.join(here, "..", ".."))
fixture = os.path.join(top, "tests", "fixtures", "includes")
script = os.path.join(top, "scripts", "check-includes.py")

run = subprocess.run([sys.executable, script, fixture], capture_output=True,
                     text=True, timeout=60, check=False)
with open(os.path.join(fixture, "expected.txt"), encoding="utf-8") as f:
    expected = f.read()
ok = True
if run.returncode != 1:
    print("expected exit status 1 on the fixture, got %d" % run.returncode)
    ok = False
if run.stdout != expected:
    print("output differs from tests/fixtures/includes/expected.txt:")
    print(run.stdout, end="")
    ok = False
if run.stderr:
    print("unexpected stderr: " + run.stderr)
    ok = False
clean = subprocess.run([sys.executable, script, os.path.join(fixture, "clean")],
                       capture_output=True, text=True, timeout=60, check=False)
if clean.returncode != 0 or clean.stdout:
    print("expected a clean tree to pass, got %d:\n%s" % (clean.returncode,
                                                         clean.stdout))
    ok = False
sys.exit(0 if ok else 1)
