# SPDX-License-Identifier: MIT
"""hearth's tree and snapshot JSON is restic 0.14's: every tree blob restic
writes for a varied source (odd names, links, devices, xattrs, empty files
and dirs) decodes and re-encodes byte for byte through hearth's codec, and
every snapshot keeps its fields, their order and their values. The --json
messages of backup (status and summary), forget, snapshots, ls, stats,
diff and key list have restic 0.14's field names, order and types."""
import json
import os
import stat
import subprocess
import time

from helpers import HEARTH
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


# restic 0.14's status message (ui/backup/json.go's statusUpdate), in its
# field order; Go leaves the counts out when they are 0 (omitempty).
STATUS_KEYS = ["message_type", "seconds_elapsed", "seconds_remaining", "percent_done",
               "total_files", "files_done", "total_bytes", "bytes_done", "error_count",
               "current_files"]


def shape(v, key=None):
    """A JSON value's field names and types, not its values."""
    if isinstance(v, dict):
        return {k: shape(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    if key == "percent_done":  # Go's float64: 0 prints as an integer
        return "number"
    if isinstance(v, bool):
        return "bool"
    return {int: "int", float: "float", str: "str", type(None): "null"}[type(v)]


def same_shape(ours, theirs, what):
    """Same names in the same order and the same types, recursively."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), (what, ours, theirs)
        assert list(ours) == list(theirs), (what, list(ours), list(theirs))
        for k in theirs:
            same_shape(ours[k], theirs[k], f"{what}.{k}")
    elif isinstance(theirs, list) and theirs and ours:
        same_shape(ours[0], theirs[0], f"{what}[0]")
    else:
        assert ours == theirs or [] in (ours, theirs), (what, ours, theirs)


def lines(out):
    return [json.loads(x) for x in out.decode().splitlines()]


def hearth_b(env, *args):
    p = subprocess.run([HEARTH, "backup", *args], env=env, check=True,
                       capture_output=True, timeout=300)
    assert b"Sanitizer" not in p.stderr and b"runtime error" not in p.stderr, p.stderr
    return p.stdout


def test_json_messages_match_restic(tmp_path):
    """--json of backup (status and summary messages), forget, snapshots,
    ls, stats, diff, key list: restic 0.14's field names, order and types,
    each message one line; backup's status messages at most 4 a second;
    restore and check (restic 0.14 writes no JSON for them): one line, or
    restic's text."""
    (tmp_path / "pw").write_text("secret\n")
    base = dict(os.environ, RESTIC_PASSWORD_FILE=str(tmp_path / "pw"),
                RESTIC_CACHE_DIR=str(tmp_path / "cache"), HEARTH_BACKUP_KDF_N="1024")
    renv = dict(base, RESTIC_REPOSITORY=str(tmp_path / "rrepo"))
    henv = dict(base, RESTIC_REPOSITORY=str(tmp_path / "hrepo"))
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    n = 80
    for i in range(n):
        (src / ("sub" if i % 4 else ".") / f"f{i:03d}").write_bytes(os.urandom(256 << 10))
    restic(renv, "init", "-q")
    hearth_b(henv, "init")

    def both_backup():
        r = lines(restic(renv, "backup", "--json", str(src)))
        t0 = time.monotonic()
        h = lines(hearth_b(henv, "backup", "--json", str(src)))
        return r, h, time.monotonic() - t0

    summaries = []
    for step in range(2):
        r, h, took = both_backup()
        for msgs in (r, h):
            assert msgs[-1]["message_type"] == "summary"
            for m in msgs[:-1]:
                assert m["message_type"] == "status", m
                keys = [k for k in STATUS_KEYS if k in m]
                assert list(m) == keys, m
        same_shape(shape(h[-1]), shape(r[-1]) | {k: shape(v) for k, v in h[-1].items()
                                                   if k not in r[-1]}, "summary")
        assert list(h[-1])[:len(r[-1])] == list(r[-1])  # restic's, then hearth's own
        for m in h[:-1]:
            for k, v in m.items():
                assert shape(v, k) == ("number" if k == "percent_done" else
                                       "str" if k == "message_type" else "int"), m
        assert h[:-1], "no status message"
        assert len(h) - 1 <= 4 * took + 1, (len(h), took)
        summaries.append((r[-1], h[-1]))
        if step == 0:  # one file changed, one added
            (src / "sub" / "f001").write_bytes(os.urandom(1000))
            (src / "new").write_text("new\n")
    r2, h2 = summaries[1]
    for k in ("files_new", "files_changed", "files_unmodified", "total_files_processed"):
        assert h2[k] == r2[k], (k, h2, r2)
    assert h2["total_bytes_processed"] == r2["total_bytes_processed"]
    assert summaries[0][1]["files_new"] == n and summaries[0][1]["dirs_new"] == 2
    # restic 0.14 shortens the id; hearth's is whole (jobs record it)
    assert len(r2["snapshot_id"]) == 8 and len(h2["snapshot_id"]) == 64

    for args in (["snapshots", "--json"], ["stats", "--json"], ["key", "list", "--json"],
                 ["forget", "--keep-last", "1", "--dry-run", "--json"]):
        r, h = json.loads(restic(renv, *args)), json.loads(hearth_b(henv, *args))
        same_shape(shape(h), shape(r), " ".join(args))
    r, h = lines(restic(renv, "ls", "--json", "latest")), lines(hearth_b(henv, "ls", "--json",
                                                                           "latest"))
    same_shape(shape(h[0]), shape(r[0]), "ls snapshot")
    for typ in ("dir", "file"):
        rn = next(x for x in r[1:] if x["type"] == typ)
        hn = next(x for x in h[1:] if x["type"] == typ)
        same_shape(shape(hn), shape(rn), f"ls {typ}")
    ids = {}
    for e, name in ((renv, "r"), (henv, "h")):
        snaps = json.loads(restic(e, "snapshots", "--json"))
        ids[name] = [s["short_id"] for s in snaps]
    r = lines(restic(renv, "diff", "--json", *ids["r"]))
    h = lines(hearth_b(henv, "diff", "--json", *ids["h"]))
    same_shape(shape(h[0]), shape(r[0]), "diff change")
    same_shape(shape(h[-1]), shape(r[-1]), "diff statistics")
    # forget for real: the same shape, the snapshot gone
    r = json.loads(restic(renv, "forget", "--keep-last", "1", "--json"))
    h = json.loads(hearth_b(henv, "forget", "--keep-last", "1", "--json"))
    same_shape(shape(h), shape(r), "forget")
    assert len(h[0]["remove"]) == 1 and len(h[0]["keep"]) == 1
    # restore and check: restic 0.14 writes text; hearth one JSON line
    out = hearth_b(henv, "restore", "latest", "--target", str(tmp_path / "t"), "--json")
    [m] = lines(out)
    assert m["message_type"] == "summary" and m["files_restored"] == n + 1, m
    assert not restic(renv, "restore", "latest", "--target", str(tmp_path / "rt"),
                      "--json").startswith(b"{")
    assert b"no errors were found" in hearth_b(henv, "check", "--json")
    assert b"no errors were found" in restic(renv, "check", "--json")
