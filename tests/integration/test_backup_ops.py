# SPDX-License-Identifier: MIT
"""`hearth backup forget` and `prune` side by side with the real restic 0.14:
the same snapshots kept and removed for the same repository and policy, a
pruned repository restic checks clean (--read-data) and the other way round,
and a prune or backup killed (SIGKILL) at many points leaves a repository
both check clean once the stale lock is removed."""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import time

import pytest

from helpers import HEARTH


def run(env, *cmd, ok=True):
    p = subprocess.run(list(cmd), env=env, capture_output=True, text=True, timeout=300)
    if ok:
        assert p.returncode == 0, (cmd, p.stdout, p.stderr)
    assert "runtime error" not in p.stderr and "Sanitizer" not in p.stderr, p.stderr
    return p


def hearth(env, *args, ok=True):
    return run(env, HEARTH, "backup", *args, ok=ok)


def restic(env, *args, ok=True):
    return run(env, "restic", *args, ok=ok)


def make_env(tmp_path, name="repo"):
    env = dict(os.environ, RESTIC_REPOSITORY=str(tmp_path / name),
               RESTIC_PASSWORD_FILE=str(tmp_path / "pw"),
               RESTIC_CACHE_DIR=str(tmp_path / "cache"), TZ="UTC")
    (tmp_path / "pw").write_text("secret\n")
    return env


# Scripted snapshot times: irregular, across hours, days, ISO weeks (a
# year boundary inside week 53 of 2026), months and years.
TIMES = [
    "2024-12-30 23:10:00", "2025-01-01 00:10:00", "2025-01-01 00:50:00",
    "2025-01-01 13:00:00", "2025-01-05 08:00:00", "2025-01-06 08:00:00",
    "2025-02-28 12:00:00", "2025-03-01 12:00:00", "2025-03-31 12:00:00",
    "2025-06-15 06:30:00", "2025-11-30 22:00:00", "2025-12-31 23:59:00",
    "2026-01-01 00:01:00", "2026-01-03 10:00:00", "2026-01-04 10:00:00",
    "2026-02-01 09:00:00", "2026-03-30 09:00:00", "2026-03-31 09:00:00",
    "2026-03-31 10:15:00", "2026-03-31 10:45:00", "2026-03-31 11:00:00",
    "2026-12-28 07:00:00", "2026-12-31 07:00:00", "2027-01-01 07:00:00",
    "2027-01-03 07:00:00",
]


@pytest.fixture(scope="module")
def timed_repo(tmp_path_factory):
    """A repository with snapshots at TIMES on two hosts, some tagged, of two
    path sets, written by restic and hearth in turn (both with --time)."""
    tmp = tmp_path_factory.mktemp("forget")
    env = make_env(tmp)
    src = tmp / "src"
    (src / "a").mkdir(parents=True)
    (src / "b").mkdir()
    restic(env, "init")
    for i, t in enumerate(TIMES):
        (src / "a" / "f").write_text(str(i))
        host = "lab" if i % 4 else "nas"
        tags = ["--tag", "daily"] if i % 3 == 0 else (["--tag", "x,keep"] if i % 7 == 0 else [])
        paths = [str(src / "a")] + ([str(src / "b")] if i % 5 == 0 else [])
        if i % 2:
            hearth(env, "backup", "--time", t, "--host", host, *tags, *paths)
        else:
            restic(env, "backup", "-q", "--time", t, "--host", host, *tags, *paths)
    return tmp, env


POLICIES = [
    ["--keep-last", "3"],
    ["--keep-hourly", "5"],
    ["--keep-daily", "4", "--keep-weekly", "3"],
    ["--keep-weekly", "6"],
    ["--keep-monthly", "5", "--keep-yearly", "10"],
    ["-l", "1", "-H", "2", "-d", "3", "-w", "4", "-m", "5", "-y", "6"],
    ["--keep-within", "1m2d"],
    ["--keep-within", "1y", "--keep-last", "2"],
    ["--keep-within-hourly", "2d", "--keep-within-daily", "1m"],
    ["--keep-within-weekly", "3m", "--keep-within-monthly", "1y6m", "--keep-within-yearly", "5y"],
    ["--keep-tag", "daily"],
    ["--keep-tag", "x,keep", "--keep-tag", "daily", "--keep-last", "1"],
    ["--keep-last", "2", "--group-by", ""],
    ["--keep-daily", "3", "--group-by", "host"],
    ["--keep-monthly", "2", "--group-by", "host,tags"],
    ["--keep-last", "1", "--group-by", "paths"],
    ["--keep-last", "2", "--host", "nas"],
    ["--keep-last", "2", "--tag", "daily"],
    ["--keep-weekly", "2", "--path", "/nonexistent"],
    ["--keep-last", "0"],
    ["--keep-within", "0d"],
    ["--keep-last", "-1", "--keep-daily", "2"],
]


def groups(out):
    """restic prints its groups in map order: compare them as a set."""
    doc = json.loads(out) if out.strip() else []
    return sorted(json.dumps(g, sort_keys=True) for g in doc)


@pytest.mark.parametrize("policy", POLICIES + [["-c", "--keep-daily", "3"]],
                         ids=lambda p: " ".join(p) or "none")
def test_forget_decides_as_restic(timed_repo, policy):
    tmp, env = timed_repo
    path_opts = [a.replace("/nonexistent", str(tmp / "src" / "b")) for a in policy]
    # the JSON: every group, kept and removed snapshot, reason and counter
    ours = hearth(env, "forget", "--dry-run", "--json", *path_opts).stdout
    theirs = restic(env, "forget", "--dry-run", "--json", *path_opts).stdout
    assert groups(ours) == groups(theirs)
    # the text: the same lines (tables, reasons, removals), groups in any order
    ours = hearth(env, "forget", "--dry-run", *path_opts).stdout
    theirs = restic(env, "forget", "--dry-run", *path_opts).stdout
    assert ours.splitlines()[0] == theirs.splitlines()[0]
    assert sorted(ours.splitlines()) == sorted(theirs.splitlines())


def test_forget_removes_as_restic_then_ids(timed_repo, tmp_path):
    tmp, env = timed_repo
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(tmp / "repo", a)
    shutil.copytree(tmp / "repo", b)
    pol = ["--keep-daily", "3", "--keep-monthly", "3", "--keep-tag", "x,keep"]
    hearth(dict(env, RESTIC_REPOSITORY=str(a)), "forget", *pol)
    restic(dict(env, RESTIC_REPOSITORY=str(b)), "forget", *pol)
    assert sorted(os.listdir(a / "snapshots")) == sorted(os.listdir(b / "snapshots"))
    # by id (a prefix) too
    victim = sorted(os.listdir(a / "snapshots"))[0]
    hearth(dict(env, RESTIC_REPOSITORY=str(a)), "forget", victim[:10])
    assert victim not in os.listdir(a / "snapshots")
    restic(dict(env, RESTIC_REPOSITORY=str(a)), "check")


def test_forget_bad_duration_is_a_usage_error(timed_repo):
    _, env = timed_repo
    p = hearth(env, "forget", "--keep-within", "1x", ok=False)
    assert p.returncode == 2 and "invalid unit 'x' found after number 1" in p.stderr
    p = hearth(env, "forget", "--keep-last", "two", ok=False)
    assert p.returncode == 2 and "--keep-last" in p.stderr


def make_data_repo(tmp_path, env, rounds=5):
    """Snapshots of changing data (random files, a few MiB each round) by
    restic and hearth both."""
    src = tmp_path / "data"
    src.mkdir()
    r = random.Random(7)
    restic(env, "init")
    for i in range(rounds):
        (src / f"big{i}").write_bytes(r.randbytes(3 << 20))
        (src / f"small{i}").write_bytes(r.randbytes(3000))
        if i >= 2:
            os.unlink(src / f"big{i - 2}")
        tool = restic if i % 2 else hearth
        tool(env, "backup", "-q", str(src)) if tool is restic else hearth(env, "backup", str(src))
    return src


def check_both(env):
    restic(env, "check", "--read-data")
    out = hearth(env, "check", "--read-data").stdout
    assert "no errors were found" in out


def test_prune_checks_clean_both_ways(tmp_path):
    env = make_env(tmp_path)
    make_data_repo(tmp_path, env)
    before = sum(f.stat().st_size for f in (tmp_path / "repo" / "data").rglob("*") if f.is_file())
    hearth(env, "forget", "--keep-last", "2")
    out = hearth(env, "prune", "--dry-run").stdout
    assert "to delete:" in out
    packs = sorted((tmp_path / "repo" / "data").rglob("*"))
    assert packs == sorted((tmp_path / "repo" / "data").rglob("*"))  # dry run: nothing changed
    out = hearth(env, "prune", "--max-unused", "0%").stdout
    assert "done" in out
    after = sum(f.stat().st_size for f in (tmp_path / "repo" / "data").rglob("*") if f.is_file())
    assert after < before * 0.7, (before, after)
    check_both(env)
    # restic finds nothing more to remove than the tolerated 0%
    out = restic(env, "prune", "--dry-run", "--max-unused", "0%").stdout
    assert re.search(r"to delete: +0 blobs", out) and re.search(r"to repack: +0 blobs", out), out
    # restic's prune after more forgetting, then hearth checks it
    restic(env, "forget", "--keep-last", "1", "--prune")
    check_both(env)
    # restore still works, byte for byte
    hearth(env, "restore", "latest", "--target", str(tmp_path / "out"))
    src = tmp_path / "data"
    for f in src.iterdir():
        assert (tmp_path / "out" / str(f).lstrip("/")).read_bytes() == f.read_bytes()


def test_forget_prune_and_max_unused(tmp_path):
    env = make_env(tmp_path)
    make_data_repo(tmp_path, env, rounds=4)
    out = hearth(env, "forget", "--keep-last", "1", "--prune", "--max-unused", "unlimited").stdout
    assert "snapshots have been removed, running prune" in out and "done" in out
    check_both(env)
    p = hearth(env, "prune", "--max-unused", "12x", ok=False)
    assert p.returncode == 2


def kill_during(env, cmd, delay):
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(delay)
    finally:
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=60)
    return p.returncode


def test_prune_killed_anywhere_leaves_a_valid_repository(tmp_path):
    env = make_env(tmp_path, "base")
    make_data_repo(tmp_path, env, rounds=6)
    hearth(env, "forget", "--keep-last", "2")
    # how long a whole prune takes here, to spread the kills over it
    shutil.copytree(tmp_path / "base", tmp_path / "timing")
    t0 = time.monotonic()
    hearth(dict(env, RESTIC_REPOSITORY=str(tmp_path / "timing")), "prune", "--max-unused", "0%")
    took = time.monotonic() - t0
    killed = 0
    rnd = random.Random(5)
    # A prune that finished before its kill means this run was faster than
    # the timing run (the machine got less busy): aim earlier from then on.
    scale = 1.0
    for i in range(24):
        if killed >= 10:
            break
        repo = tmp_path / f"k{i}"
        shutil.copytree(tmp_path / "base", repo)
        e = dict(env, RESTIC_REPOSITORY=str(repo))
        rc = kill_during(e, [HEARTH, "backup", "prune", "--max-unused", "0%"],
                         scale * took * (killed + rnd.random()) / 11)
        killed += rc == -signal.SIGKILL
        if rc == 0:
            scale *= 0.7
        # a stale lock is left behind: restic refuses until unlock, as with its own
        hearth(e, "unlock")
        assert not os.listdir(repo / "locks")
        restic(e, "check")
        assert "no errors were found" in hearth(e, "check").stdout
        hearth(e, "prune", "--max-unused", "0%")
        check_both(e)
        shutil.rmtree(repo)
    assert killed >= 10, killed


def test_backup_killed_anywhere_then_next_backup_dedups(tmp_path):
    env = make_env(tmp_path)
    src = tmp_path / "data"
    src.mkdir()
    r = random.Random(9)
    for i in range(4):
        (src / f"f{i}").write_bytes(r.randbytes(6 << 20))
    hearth(env, "init")
    hearth(env, "backup", str(src))
    hearth(dict(env, RESTIC_REPOSITORY=str(tmp_path / "timing")), "init")
    t0 = time.monotonic()
    hearth(dict(env, RESTIC_REPOSITORY=str(tmp_path / "timing")), "backup", "--force", str(src))
    took = time.monotonic() - t0
    killed = 0
    listed = 1
    scale = 1.0  # shrinks when a backup outruns its kill, as in the prune test
    for i in range(40):
        if killed >= 10:
            break
        (src / f"new{i}").write_bytes(r.randbytes(1 << 20))
        # spread over the first 90 % of a backup: a later kill may find the
        # snapshot already written (counted as finished, not as a kill)
        rc = kill_during(env, [HEARTH, "backup", "backup", "--force", str(src)],
                         scale * took * 0.9 * (killed + r.random()) / 10)
        hearth(env, "unlock")
        restic(env, "check")
        assert "no errors were found" in hearth(env, "check").stdout
        # A finished backup lists its snapshot, an interrupted one none. A
        # kill that lands after the snapshot file was written (the process
        # still exiting) found a finished backup: not counted as a kill.
        snaps = json.loads(hearth(env, "snapshots", "--json").stdout)
        if rc == 0:
            assert len(snaps) == listed + 1, (i, rc, len(snaps), listed)
        else:
            assert rc == -signal.SIGKILL, rc
            assert len(snaps) in (listed, listed + 1), (i, len(snaps), listed)
            killed += len(snaps) == listed
        if len(snaps) != listed:
            scale *= 0.7
        listed = len(snaps)
    assert killed >= 10, killed
    # the next backup completes and stores only what no finished backup had
    out = json.loads(hearth(env, "--json", "backup", "--force", str(src)).stdout.splitlines()[-1])
    assert out["message_type"] == "summary"
    assert out["blobs_known"] >= 4 and out["data_added"] < (12 << 20), out
    check_both(env)
