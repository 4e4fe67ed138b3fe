# SPDX-License-Identifier: MIT
"""`hearth backup backup` and `restore` against the real restic 0.14: restic
lists, checks (--read-data) and restores what hearth wrote, byte- and
metadata-identical to the source; hearth restores what restic wrote; and
the two deduplicate against each other's data."""
import json
import os
import random
import stat
import subprocess

from helpers import HEARTH
from test_backup_chunker import restic
from test_backup_json import make_source


def hearth(env, *args):
    p = subprocess.run([HEARTH, "backup", *args], env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "runtime error" not in p.stderr and "Sanitizer" not in p.stderr
    return p.stdout


def make_env(tmp_path):
    env = dict(os.environ, RESTIC_REPOSITORY=str(tmp_path / "repo"),
               RESTIC_PASSWORD_FILE=str(tmp_path / "pw"),
               RESTIC_CACHE_DIR=str(tmp_path / "cache"),
               HEARTH_BACKUP_KDF_N="1024")
    (tmp_path / "pw").write_text("secret\n")
    src = tmp_path / "src"
    make_source(src)
    r = random.Random(3)
    (src / "big.bin").write_bytes(r.randbytes(9 << 20) + bytes(3 << 20))
    (src / "dir" / "copy.bin").write_bytes((src / "big.bin").read_bytes()[: 5 << 20])
    return env, src


def snapshot_of(tree_root, src):
    """Where a snapshot of src lands below a restore target (its absolute path)."""
    return tree_root / str(src).lstrip("/")


def compare_trees(a, b):
    """Every entry below a equals b's: type, mode, owner, mtime, contents, link, xattrs."""
    count = 0
    links = {}
    for root, dirs, files in os.walk(a):
        for name in dirs + files:
            pa = os.path.join(root, name)
            pb = os.path.join(b, os.path.relpath(pa, a))
            sa, sb = os.lstat(pa), os.lstat(pb)
            assert stat.S_IFMT(sa.st_mode) == stat.S_IFMT(sb.st_mode), pa
            assert sa.st_mode == sb.st_mode, pa
            assert (sa.st_uid, sa.st_gid) == (sb.st_uid, sb.st_gid), pa
            if not stat.S_ISLNK(sa.st_mode):
                assert sa.st_mtime_ns == sb.st_mtime_ns, pa
                assert sorted(os.listxattr(pa)) == sorted(os.listxattr(pb)), pa
                for x in os.listxattr(pa):
                    assert os.getxattr(pa, x) == os.getxattr(pb, x), (pa, x)
            if stat.S_ISREG(sa.st_mode):
                with open(pa, "rb") as fa, open(pb, "rb") as fb:
                    assert fa.read() == fb.read(), pa
                if sa.st_nlink > 1:
                    links.setdefault(sa.st_ino, set()).add(sb.st_ino)
            elif stat.S_ISLNK(sa.st_mode):
                assert os.readlink(pa) == os.readlink(pb), pa
            elif stat.S_ISCHR(sa.st_mode):
                assert sa.st_rdev == sb.st_rdev, pa
            count += 1
    # hard links stay linked
    assert all(len(v) == 1 for v in links.values()), links
    return count


def test_restic_reads_checks_and_restores_hearth_backup(tmp_path):
    env, src = make_env(tmp_path)
    hearth(env, "init")
    out = json.loads(hearth(env, "--json", "backup", "--tag", "lab", str(src)).splitlines()[-1])
    assert out["message_type"] == "summary" and out["files"] >= 8
    snaps = json.loads(restic(env, "snapshots", "--json"))
    assert [s["id"] for s in snaps] == [out["snapshot_id"]]
    assert snaps[0]["paths"] == [str(src)] and snaps[0]["tags"] == ["lab"]
    subprocess.run(["restic", "check", "--read-data"], env=env, check=True,
                   capture_output=True, timeout=300)
    restic(env, "restore", "latest", "--target", str(tmp_path / "r1"))
    assert compare_trees(src, snapshot_of(tmp_path / "r1", src)) >= 14
    # hearth restores its own snapshot the same way
    hearth(env, "restore", out["snapshot_id"][:8], "--target", str(tmp_path / "r2"))
    compare_trees(src, snapshot_of(tmp_path / "r2", src))
    # the file data is never in the repository in clear
    needle = (src / "big.bin").read_bytes()[1000:1064]
    for root, _, files in os.walk(tmp_path / "repo"):
        for f in files:
            assert needle not in open(os.path.join(root, f), "rb").read()


def test_hearth_restores_restic_backup_and_dedups_with_it(tmp_path):
    env, src = make_env(tmp_path)
    restic(env, "init", "-q")
    restic(env, "backup", "-q", str(src))
    hearth(env, "restore", "latest", "--target", str(tmp_path / "r"))
    compare_trees(src, snapshot_of(tmp_path / "r", src))
    # hearth backing up the same data adds no data blobs: the chunks match restic's
    out = json.loads(hearth(env, "--json", "backup", str(src)).splitlines()[-1])
    assert out["blobs_known"] > 0
    data_blobs = [b for b in restic(env, "list", "blobs").decode().split("\n") if b.startswith("data")]
    assert len(data_blobs) == len(set(data_blobs))
    before = len(data_blobs)
    (src / "new.txt").write_text("a new file\n")
    out = json.loads(hearth(env, "--json", "backup", str(src)).splitlines()[-1])
    data_blobs = [b for b in restic(env, "list", "blobs").decode().split("\n") if b.startswith("data")]
    assert len(data_blobs) == before + 1
    subprocess.run(["restic", "check", "--read-data"], env=env, check=True,
                   capture_output=True, timeout=300)
    assert len(json.loads(restic(env, "snapshots", "--json"))) == 3


def test_incremental_backup_skips_unchanged_files(tmp_path):
    env, src = make_env(tmp_path)
    hearth(env, "init")
    first = json.loads(hearth(env, "--json", "backup", str(src)).splitlines()[-1])
    assert first["files_unmodified"] == 0
    # one file rewritten (same size; its hard link changes with it), one added
    (src / "plain.txt").write_text("HELLO\n")
    (src / "dir" / "added").write_text("new\n")
    second = json.loads(hearth(env, "--json", "backup", str(src)).splitlines()[-1])
    assert second["files"] == first["files"] + 1
    assert second["files_unmodified"] == first["files"] - 2
    assert second["bytes_read"] == 2 * len("HELLO\n") + len("new\n")
    snaps = {s["id"]: s for s in json.loads(restic(env, "snapshots", "--json"))}
    assert snaps[second["snapshot_id"]]["parent"] == first["snapshot_id"]
    # --force reads everything again and finds every blob known
    forced = json.loads(hearth(env, "--json", "backup", "--force", str(src)).splitlines()[-1])
    assert forced["files_unmodified"] == 0 and forced["data_added"] < 4096
    subprocess.run(["restic", "check", "--read-data"], env=env, check=True,
                   capture_output=True, timeout=300)
    restic(env, "restore", second["snapshot_id"], "--target", str(tmp_path / "r"))
    compare_trees(src, snapshot_of(tmp_path / "r", src))


def snapshot_paths(env, sid):
    """Every path restic lists in a snapshot (restic ls --json)."""
    out = restic(env, "ls", "--json", sid).decode().splitlines()
    return sorted(json.loads(line)["path"] for line in out[1:])


def test_excludes_leave_out_what_restic_leaves_out(tmp_path):
    env, src = make_env(tmp_path)
    (src / "a.tmp").write_text("t")
    (src / "dir" / "sub" / "b.tmp").write_text("t")
    (src / "cachedir").mkdir()
    (src / "cachedir" / "CACHEDIR.TAG").write_text(
        "Signature: 8a477f597d28d172789f06886806bc55\n# a cache\n")
    (src / "cachedir" / "junk").write_text("j")
    (src / "skipme").mkdir()
    (src / "skipme" / ".nobackup").write_text("")
    (src / "skipme" / "x").write_text("x")
    (src / "logs").mkdir()
    (src / "logs" / "a.log").write_text("l")
    (tmp_path / "excl").write_text("# patterns\n*.log\n\n%s/dir/sub\n" % src)
    opts = ["--exclude", "*.tmp", "--exclude-file", str(tmp_path / "excl"),
            "--exclude-if-present", ".nobackup", "--exclude-caches", "-x"]
    restic(env, "init", "-q")
    restic(env, "backup", "-q", *opts, str(src))
    ours = json.loads(hearth(env, "--json", "backup", *opts, str(src)).splitlines()[-1])
    snaps = sorted(json.loads(restic(env, "snapshots", "--json")), key=lambda s: s["time"])
    theirs, mine = snaps[0], snaps[1]
    assert mine["id"] == ours["snapshot_id"]
    assert mine["excludes"] == theirs["excludes"] == ["*.tmp"]  # --exclude only, as restic
    listed = snapshot_paths(env, mine["id"])
    assert listed == snapshot_paths(env, theirs["id"]), (set(listed) ^ set(snapshot_paths(env, theirs["id"])))
    assert str(src / "plain.txt") in listed
    for gone in ("a.tmp", "dir/sub", "cachedir/junk", "skipme/x", "logs/a.log"):
        assert str(src / gone) not in listed
    # restic keeps a tagged directory and its tag file, nothing else in it
    for kept in ("cachedir/CACHEDIR.TAG", "skipme/.nobackup", "logs"):
        assert str(src / kept) in listed
