# SPDX-License-Identifier: MIT
"""hearth's chunker cuts files exactly where restic 0.14 does: the blob ids
restic records for a file (its tree's content list) equal the SHA-256 of the
chunks tests/support/bk_tool cuts with the repository's polynomial."""
import json
import os
import random
import subprocess

from helpers import REPO_ROOT

BK_TOOL = os.environ.get("BK_TOOL") or str(
    REPO_ROOT / "build-asan" / "tests" / "support" / "bk_tool")


def restic(env, *args):
    return subprocess.run(["restic", *args], env=env, check=True,
                          capture_output=True, timeout=300).stdout


def test_chunk_boundaries_match_restic(tmp_path):
    env = dict(os.environ, RESTIC_REPOSITORY=str(tmp_path / "repo"),
               RESTIC_PASSWORD_FILE=str(tmp_path / "pw"),
               RESTIC_CACHE_DIR=str(tmp_path / "cache"))
    (tmp_path / "pw").write_text("secret\n")
    src = tmp_path / "src"
    src.mkdir()
    r = random.Random(12)
    files = {
        # random data: content-defined cuts between 512 KiB and 8 MiB
        "random.bin": r.randbytes(20 << 20),
        # a run longer than 8 MiB: cuts at the maximum size; zeros cut at the minimum
        "runs.bin": r.randbytes(3 << 20) + b"\xaa" * (11 << 20) + bytes(2 << 20) + r.randbytes(777),
        "small.bin": r.randbytes(1000),
    }
    for name, data in files.items():
        (src / name).write_bytes(data)
    restic(env, "init", "-q")
    restic(env, "backup", "-q", str(src))
    pol = json.loads(restic(env, "cat", "config"))["chunker_polynomial"]
    snap = json.loads(restic(env, "snapshots", "--json"))[0]
    tree = json.loads(restic(env, "cat", "blob", snap["tree"]))
    # descend through the absolute path's directories to the one holding the files
    for _ in range(64):
        if any(n["name"] in files for n in tree["nodes"]):
            break
        tree = json.loads(restic(env, "cat", "blob", tree["nodes"][0]["subtree"]))
    by_name = {n["name"]: n["content"] for n in tree["nodes"]}
    assert sorted(by_name) == sorted(files)
    cuts_seen = set()
    for name, data in files.items():
        out = subprocess.run([BK_TOOL, "chunk", pol, str(src / name)], check=True,
                             capture_output=True, text=True, timeout=300).stdout
        rows = [line.split() for line in out.splitlines()]
        assert [row[2] for row in rows] == by_name[name], name
        assert sum(int(row[1]) for row in rows) == len(data)
        cuts_seen.update(int(row[1]) for row in rows[:-1])
    assert 8 << 20 in cuts_seen and 512 << 10 in cuts_seen
