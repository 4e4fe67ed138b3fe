# SPDX-License-Identifier: MIT
"""`hearth backup ls`, `diff`, `dump`, `stats`, `tag`, `copy`, `check` and
`restore --sparse` side by side with the real restic 0.14 on the same
repositories: the same listings, changes, tar streams, counts, rewritten
snapshots, copies each recognises, and damage named."""
import io
import json
import os
import shutil
import subprocess
import tarfile

import pytest

from helpers import HEARTH
from test_backup_ops import hearth, restic, make_env


def two_snapshots(tmp, env):
    """A restic repository with two snapshots of a changing tree (files,
    a symlink turning into a dir, a mode change, nested dirs)."""
    src = tmp / "d4"
    (src / "sub" / "deep").mkdir(parents=True)
    (src / "a").write_text("a\n")
    (src / "b").write_text("b\n")
    (src / "sub" / "c").write_text("c\n")
    (src / "sub" / "deep" / "x").write_bytes(os.urandom(70000))
    os.symlink("a", src / "lnk")
    restic(env, "init")
    restic(env, "backup", "-q", "--tag", "one", str(src))
    with open(src / "a", "a") as f:
        f.write("a2\n")
    os.unlink(src / "b")
    (src / "sub" / "new").write_text("n\n")
    (src / "nd").mkdir()
    os.chmod(src / "sub" / "c", 0o700)
    os.unlink(src / "lnk")
    (src / "lnk").mkdir()
    (src / ("long-" + "n" * 120)).write_text("long name\n")
    restic(env, "backup", "-q", str(src))
    ids = [s["short_id"] for s in json.loads(restic(env, "snapshots", "--json").stdout)]
    return src, ids


D4 = "/d4"  # the source's absolute path, as the snapshots hold it (set below)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    global D4
    tmp = tmp_path_factory.mktemp("browse")
    env = make_env(tmp)
    src, ids = two_snapshots(tmp, env)
    D4 = str(src)
    return tmp, env, src, ids


def same_output(env, *args):
    args = [a.replace("/d4", D4) for a in args]
    ours = hearth(env, *args).stdout
    theirs = restic(env, *args).stdout
    assert ours == theirs, (args, ours, theirs)


@pytest.mark.parametrize("args", [
    ["ls", "latest"], ["ls", "-l", "latest"], ["ls", "--json", "latest"],
    ["ls", "latest", "/d4/sub"], ["ls", "--recursive", "latest", "/d4/sub"],
    ["ls", "--json", "FIRST", "/d4"],
], ids=" ".join)
def test_ls_as_restic(repo, args):
    tmp, env, src, ids = repo
    same_output(env, *[ids[0] if a == "FIRST" else a for a in args])


@pytest.mark.parametrize("flags", [[], ["--metadata"], ["--json"], ["--json", "--metadata"]],
                         ids=lambda f: " ".join(f) or "plain")
def test_diff_as_restic(repo, flags):
    tmp, env, src, ids = repo
    same_output(env, "diff", *flags, ids[0], ids[1])


@pytest.mark.parametrize("mode", ["restore-size", "files-by-contents", "raw-data",
                                  "blobs-per-file"])
def test_stats_as_restic(repo, mode):
    tmp, env, src, ids = repo
    same_output(env, "stats", "--mode", mode)
    same_output(env, "stats", "--mode", mode, "--json")
    same_output(env, "stats", "--mode", mode, "--json", "latest")


@pytest.mark.parametrize("path", ["/d4", "/", "/d4/sub", "/d4/nd", "/d4/a",
                                  "/d4/sub/deep/x"])
def test_dump_as_restic(repo, path):
    tmp, env, src, ids = repo
    path = path.replace("/d4", D4)
    p = subprocess.run([HEARTH, "backup", "dump", "latest", path], env=env,
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    theirs = subprocess.run(["restic", "dump", "latest", path], env=env,
                            capture_output=True, timeout=120, check=True).stdout
    # the same bytes: restic's tar stream exactly, or the file's contents
    assert p.stdout == theirs
    if path == D4:
        names = tarfile.open(fileobj=io.BytesIO(p.stdout)).getnames()
        rel = D4.lstrip("/")
        assert rel + "/sub/deep/x" in names and rel + "/long-" + "n" * 120 in names


def test_dump_missing_path(repo):
    tmp, env, src, ids = repo
    p = hearth(env, "dump", "latest", D4 + "/nope", ok=False)
    assert p.returncode == 1 and f'path "{D4}/nope" not found in snapshot' in p.stderr


def snapshot_docs(env):
    """Decrypted snapshots (without their file ids), comparable across repos."""
    out = []
    for s in json.loads(restic(env, "snapshots", "--json").stdout):
        out.append({k: v for k, v in s.items() if k not in ("id", "short_id")})
    return sorted(out, key=lambda s: s["time"])


@pytest.mark.parametrize("steps", [
    [["--add", "a,b"]], [["--add", "b,a"], ["--remove", "a"]],
    [["--set", "x", "--set", "y,z"], ["--add", "q", "--remove", "x"]],
    [["--set", "k", "--tag", "one"]], [["--add", "new", "FIRST"]],
], ids=lambda s: " / ".join(" ".join(x) for x in s))
def test_tag_rewrites_as_restic(repo, tmp_path, steps):
    tmp, env, src, ids = repo
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(tmp / "repo", a)
    shutil.copytree(tmp / "repo", b)
    ea, eb = dict(env, RESTIC_REPOSITORY=str(a)), dict(env, RESTIC_REPOSITORY=str(b))
    for step in steps:
        step = [ids[0] if x == "FIRST" else x for x in step]
        hearth(ea, "tag", *step)
        restic(eb, "tag", *step)
    assert snapshot_docs(ea) == snapshot_docs(eb)
    restic(ea, "check")


def test_copy_both_ways_and_dedup(repo, tmp_path):
    tmp, env, src, ids = repo
    (tmp_path / "pw2").write_text("other\n")
    # a destination with its own key and chunker: everything is copied once
    dst = dict(env, RESTIC_REPOSITORY=str(tmp_path / "dst"),
               RESTIC_PASSWORD_FILE=str(tmp_path / "pw2"),
               RESTIC_FROM_REPOSITORY=str(tmp / "repo"),
               RESTIC_FROM_PASSWORD_FILE=env["RESTIC_PASSWORD_FILE"])
    hearth(dst, "init")
    out = hearth(dst, "copy").stdout
    assert out.count("copy started") == 2
    restic(dst, "check", "--read-data")
    docs = snapshot_docs(dst)
    orig = {s["id"] for s in json.loads(restic(env, "snapshots", "--json").stdout)}
    assert {d["original"] for d in docs} == orig and all("parent" not in d for d in docs)
    # copies are recognised: by hearth again, and by restic
    assert hearth(dst, "copy").stdout.count("was already copied") == 2
    assert restic(dst, "copy").stdout.count("was already copied") == 2
    assert len(snapshot_docs(dst)) == 2
    # restic's copy into a repository hearth checks, restores the same
    dst2 = dict(dst, RESTIC_REPOSITORY=str(tmp_path / "dst2"))
    restic({k: v for k, v in dst2.items() if not k.startswith("RESTIC_FROM")}, "init")
    restic(dst2, "copy")
    assert "no errors were found" in hearth(dst2, "check", "--read-data").stdout
    hearth(dst, "restore", "latest", "--target", str(tmp_path / "out"))
    assert (tmp_path / "out" / D4.lstrip("/") / "sub" / "deep" / "x").read_bytes() == \
        (src / "sub" / "deep" / "x").read_bytes()
    # the same chunker parameters (init --copy-chunker-params): a backup of
    # the same data into the copy adds no data blob
    dst3 = dict(dst, RESTIC_REPOSITORY=str(tmp_path / "dst3"))
    hearth(dst3, "init", "--copy-chunker-params")
    assert json.loads(restic(dst3, "cat", "config").stdout)["chunker_polynomial"] == \
        json.loads(restic(env, "cat", "config").stdout)["chunker_polynomial"]
    hearth(dst3, "copy", "--host", os.uname().nodename)
    out = json.loads(hearth(dst3, "--json", "backup", "--force", str(src)).stdout.splitlines()[-1])
    # every file read again, every chunk known: only trees (metadata) are new
    assert out["blobs_known"] >= 5 and out["data_added"] < 30000, out
    restic(dst3, "check", "--read-data")


def test_check_names_damage(repo, tmp_path):
    tmp, env, src, ids = repo
    r = tmp_path / "r"
    shutil.copytree(tmp / "repo", r)
    e = dict(env, RESTIC_REPOSITORY=str(r))
    assert "no errors were found" in hearth(e, "check").stdout
    # the pack holding the big file's data goes missing
    packs = sorted((p for p in (r / "data").rglob("*") if p.is_file()),
                   key=lambda p: p.stat().st_size)
    packs[-1].unlink()
    p = hearth(e, "check", ok=False)
    assert p.returncode == 1
    assert f"pack {packs[-1].name[:8]}: missing" in p.stdout
    assert 'file "x" blob 0' in p.stdout and "which is missing" in p.stdout
    assert p.stdout.count("): incomplete") == 2  # both snapshots hold sub/deep/x
    # an unreferenced pack is reported but is no error
    shutil.rmtree(r)
    shutil.copytree(tmp / "repo", r)
    idx = next((r / "index").iterdir())
    idx.unlink()
    p = hearth(e, "check", ok=False)
    assert "additional files were found in the repo" in p.stdout
    assert "not found in index" in p.stdout  # trees and data lost with their index


def test_restore_sparse_makes_holes(tmp_path):
    env = make_env(tmp_path)
    src = tmp_path / "sp"
    src.mkdir()
    with open(src / "holey", "wb") as f:
        f.write(b"a" * 5000)
        f.seek(20 << 20)
        f.write(b"b" * 100)
        f.truncate(40 << 20)
    (src / "zeros").write_bytes(bytes(3 << 20))
    hearth(env, "init")
    hearth(env, "backup", str(src))
    for sparse, out in ((True, "s"), (False, "d")):
        hearth(env, "restore", "latest", "--target", str(tmp_path / out),
               *(["--sparse"] if sparse else []))
    for name in ("holey", "zeros"):
        rel = str(src / name).lstrip("/")
        a, b = tmp_path / "s" / rel, tmp_path / "d" / rel
        assert a.read_bytes() == (src / name).read_bytes() == b.read_bytes()
        assert a.stat().st_blocks * 512 < 64 << 10, (name, a.stat().st_blocks)
        assert b.stat().st_blocks * 512 >= b.stat().st_size
    # restic restores hearth's snapshot the same
    restic(env, "restore", "latest", "--target", str(tmp_path / "r"))
    assert (tmp_path / "r" / str(src / "holey").lstrip("/")).read_bytes() == \
        (src / "holey").read_bytes()


def test_check_read_data_subset(repo, tmp_path):
    tmp, env, src, ids = repo
    r = tmp_path / "r"
    shutil.copytree(tmp / "repo", r)
    e = dict(env, RESTIC_REPOSITORY=str(r))
    packs = sorted((p for p in (r / "data").rglob("*") if p.is_file()),
                   key=lambda p: p.stat().st_size)
    victim = packs[-1]
    data = bytearray(victim.read_bytes())
    data[100] ^= 0x40  # inside the first blob, not the header
    victim.write_bytes(bytes(data))
    group = int(victim.name[:2], 16) % 2 + 1
    # restic's n/t: packs whose id's first byte % t == n - 1
    p = hearth(e, "check", "--read-data-subset", f"{group}/2", ok=False)
    assert p.returncode == 1 and f"pack {victim.name[:8]}" in p.stdout
    assert restic(e, "check", "--read-data-subset", f"{group}/2", ok=False).returncode == 1
    out = hearth(e, "check", "--read-data-subset", f"{3 - group}/2").stdout
    assert "no errors were found" in out and f"read group #{3 - group} of" in out
    assert restic(e, "check", "--read-data-subset", f"{3 - group}/2").returncode == 0
    assert hearth(e, "check", "--read-data-subset", "100%", ok=False).returncode == 1
    assert hearth(e, "check", "--read-data-subset", "3/2", ok=False).returncode == 2
    assert hearth(e, "check", "--read-data-subset", "1x", ok=False).returncode == 2
