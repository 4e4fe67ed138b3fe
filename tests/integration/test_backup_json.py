# SPDX-License-Identifier: MIT
"""hearth's tree and snapshot JSON is restic 0.14's: every tree blob restic
writes for a varied source (odd names, links, devices, xattrs, empty files
and dirs) decodes and re-encodes byte for byte through hearth's codec, and
every snapshot keeps its fields, their order and their values."""
import json
import os
import stat
import subprocess

from test_backup_chunker import BK_TOOL, restic


def make_source(src):
    src.mkdir()
    (src / "plain.txt").write_text("hello\n")
    (src / "empty").write_bytes(b"")
    (src / "odd <name> & \u00e9\u20ac \U0001F600 \u2028").write_bytes(b"x" * 3000)
    (src / "line\nbreak\ttab").write_text("y")
    (src / "dir" / "sub").mkdir(parents=True)
    (src / "dir" / "sub" / "deep").write_text("deep")
    (src / "emptydir").mkdir()
    os.symlink("../plain.txt", src / "dir" / "link")
    os.link(src / "plain.txt", src / "hardlink")
    os.mkfifo(src / "fifo")
    os.chmod(src / "dir", 0o1750)
    os.chmod(src / "empty", 0o4640)
    os.setxattr(src / "plain.txt", "user.hearth", b"\x00\xffvalue")
    os.setxattr(src / "plain.txt", "user.empty", b"")
    if os.geteuid() == 0:
        os.mknod(src / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        os.chown(src / "dir" / "sub" / "deep", 1234, 4321)
    os.utime(src / "plain.txt", ns=(1_000_000_001, 1_700_000_000_123_456_789))


def roundtrip(kind, data):
    return subprocess.run([BK_TOOL, kind], input=data, check=True,
                          capture_output=True, timeout=60).stdout


def test_trees_and_snapshots_match_restic(tmp_path):
    env = dict(os.environ, RESTIC_REPOSITORY=str(tmp_path / "repo"),
               RESTIC_PASSWORD_FILE=str(tmp_path / "pw"),
               RESTIC_CACHE_DIR=str(tmp_path / "cache"), TZ="Europe/Paris")
    (tmp_path / "pw").write_text("secret\n")
    make_source(tmp_path / "src")
    restic(env, "init", "-q")
    restic(env, "backup", "-q", "--tag", "a<b", "--tag", "lab",
           "--exclude", "*.tmp", "--host", "h\u00f6st", str(tmp_path / "src"))
    restic(env, "backup", "-q", str(tmp_path / "src"))
    blobs = [line.split() for line in restic(env, "list", "blobs").decode().splitlines()]
    tree_ids = [b[1] for b in blobs if b[0] == "tree"]
    assert len(tree_ids) >= 5
    seen = set()
    for tid in tree_ids:
        raw = restic(env, "cat", "blob", tid)
        assert raw.endswith(b"\n")
        assert roundtrip("tree", raw) == raw
        for node in json.loads(raw)["nodes"]:
            seen.add(node["type"])
    assert {"file", "dir", "symlink", "fifo"} <= seen
    if os.geteuid() == 0:
        assert "chardev" in seen
    tagged = 0
    for sid in restic(env, "list", "snapshots").decode().split():
        pretty = restic(env, "cat", "snapshot", sid)
        compact = json.dumps(json.loads(pretty), separators=(",", ":"),
                             ensure_ascii=False).encode()
        ours = roundtrip("snapshot", compact)
        a, b = json.loads(ours), json.loads(pretty)
        assert a == b and list(a) == list(b)
        if "tags" in a:
            tagged += 1
            assert a["tags"] == ["a<b", "lab"] and a["excludes"] == ["*.tmp"]
            assert b"\\u003cb" in ours  # Go's HTML-safe escape of "<"
    assert tagged == 1
