# SPDX-License-Identifier: MIT
"""`hearth backup mount DIR` beside `restic mount` (0.14) on the same
repository (one snapshot by hearth, one by restic, two at the same time):
the same folders (ids, snapshots, hosts, tags, latest links), the same
files with their bytes, modes, owners, times, links and link counts, both
matching the source trees; random reads of a large file; SIGINT ends the
mount. Every mount is unmounted and every process stopped in a finally."""
import json
import os
import random
import re
import signal
import stat
import subprocess
import time

from helpers import HEARTH
from test_backup_ops import hearth, restic, make_env


def make_tree(root, seed):
    rnd = random.Random(seed)
    (root / "sub" / "deep").mkdir(parents=True)
    (root / "a.txt").write_text("hello %d\n" % seed)
    (root / "sub" / "deep" / "x.bin").write_bytes(rnd.randbytes(70000))
    (root / "empty").write_bytes(b"")
    (root / "big.bin").write_bytes(rnd.randbytes(6 << 20) + bytes(3 << 20))
    os.chmod(root / "a.txt", 0o640)
    os.chown(root / "a.txt", 1234, 4321)
    os.symlink("a.txt", root / "link")
    os.symlink("/nowhere/at/all", root / "dangling")
    os.link(root / "a.txt", root / "hard")
    os.mkfifo(root / "fifo")
    (root / "suid").write_bytes(b"#!/bin/sh\n")
    os.chmod(root / "suid", 0o4755)
    (root / "sticky").mkdir()
    os.chmod(root / "sticky", 0o1777)
    os.utime(root / "sub", ns=(1_600_000_000_123_456_789, 1_600_000_000_987_654_321))


def start_mount(cmd, env, mnt):
    mnt.mkdir()
    p = subprocess.Popen(cmd + [str(mnt)], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    for _ in range(300):
        if os.path.ismount(mnt) and os.path.isdir(mnt / "snapshots"):
            return p
        assert p.poll() is None, p.communicate()
        time.sleep(0.1)
    raise AssertionError("%s did not mount" % cmd)


def stop_mount(p, mnt):
    if p is None:
        return
    if os.path.ismount(mnt):
        subprocess.run(["fusermount3", "-u", str(mnt)], capture_output=True, timeout=30)
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=20)
    if os.path.ismount(mnt):
        subprocess.run(["fusermount3", "-uz", str(mnt)], capture_output=True, timeout=30)


def listing(top, meta_times=False):
    """path -> what the mount shows of it (meta folders without times)."""
    out = {}
    for d, dirs, files in os.walk(top):
        for name in dirs + files:
            p = os.path.join(d, name)
            rel = os.path.relpath(p, top)
            st = os.lstat(p)
            e = {"mode": st.st_mode, "uid": st.st_uid, "gid": st.st_gid}
            in_tree = rel.count(os.sep) >= 2 or rel.startswith(("ids" + os.sep, "snapshots" + os.sep))
            if in_tree or meta_times:
                e["mtime"] = st.st_mtime_ns
            if not stat.S_ISDIR(st.st_mode):
                e["size"] = st.st_size
                e["nlink"] = st.st_nlink
            if stat.S_ISLNK(st.st_mode):
                e["link"] = os.readlink(p)
            elif stat.S_ISREG(st.st_mode) and st.st_size < (1 << 20):
                with open(p, "rb") as f:
                    e["data"] = f.read()
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    e["data_len"] = len(f.read())
            out[rel] = e
    return out


DUP = re.compile(r"^2026-01-01T10:00:00Z(-[0-9]+)?$")


def split_dups(lst):
    """restic 0.14 loads snapshots in parallel, so which of the snapshots
    taken at one second gets -1 or -2 varies: those are compared as a set
    of folders (each folder's listing), the rest entry by entry."""
    plain, dups = {}, {}
    for rel, e in lst.items():
        parts = rel.split(os.sep)
        i = next((i for i, p in enumerate(parts) if DUP.match(p)), None)
        if i is None:
            plain[rel] = e
        else:
            key = (os.sep.join(parts[:i]), parts[i])
            dups.setdefault(key, {})[os.sep.join(parts[i + 1:])] = e
    groups = {}
    for (prefix, name), sub in dups.items():
        groups.setdefault(prefix, []).append(repr(sorted(sub.items())))
    return plain, {k: sorted(v) for k, v in groups.items()}


def same_as_source(snapdir, src):
    inside = snapdir / os.path.relpath(src, "/")
    n = 0
    for d, dirs, files in os.walk(src):
        for name in dirs + files:
            a = os.path.join(d, name)
            b = os.path.join(inside, os.path.relpath(a, src))
            sa, sb = os.lstat(a), os.lstat(b)
            # restic 0.14 shows folders without their sticky bit
            ma = sa.st_mode & ~0o7000 if stat.S_ISDIR(sa.st_mode) else sa.st_mode
            assert (ma, sa.st_uid, sa.st_gid, sa.st_mtime_ns) == \
                (sb.st_mode, sb.st_uid, sb.st_gid, sb.st_mtime_ns), a
            if stat.S_ISLNK(sa.st_mode):
                assert os.readlink(a) == os.readlink(b)
            elif stat.S_ISREG(sa.st_mode):
                assert sa.st_nlink == sb.st_nlink and sa.st_size == sb.st_size, a
                with open(a, "rb") as fa, open(b, "rb") as fb:
                    assert fa.read() == fb.read(), a
            n += 1
    assert n >= 10


def test_mount_as_restic(tmp_path):
    env = make_env(tmp_path)
    src_h, src_r = tmp_path / "srch", tmp_path / "srcr"
    src_h.mkdir()
    src_r.mkdir()
    make_tree(src_h, 1)
    make_tree(src_r, 2)
    restic(env, "init")
    hearth(env, "backup", "--host", "hh", "--tag", "made-by-hearth,web", str(src_h))
    restic(env, "backup", "-q", "--host", "rh", "--tag", "web", str(src_r))
    for _ in range(3):  # three at one second: -1 and -2 after the first
        restic(env, "backup", "-q", "--host", "rh", "--time", "2026-01-01 10:00:00",
               str(src_r))
    ph = pr = None
    mh, mr = tmp_path / "mh", tmp_path / "mr"
    try:
        ph = start_mount([HEARTH, "backup", "mount"], env, mh)
        pr = start_mount(["restic", "mount"], env, mr)
        ours, theirs = listing(mh), listing(mr)
        assert sorted(ours) == sorted(theirs)
        (ours, our_dups), (theirs, their_dups) = split_dups(ours), split_dups(theirs)
        for k in theirs:
            assert ours[k] == theirs[k], k
        assert our_dups == their_dups
        assert len(our_dups["snapshots"]) == 3
        assert sorted(os.listdir(mh / "snapshots"))[:3] == [
            "2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z-1", "2026-01-01T10:00:00Z-2"]
        assert len(os.listdir(mh / "ids")) == 5
        assert sorted(os.listdir(mh / "tags")) == ["made-by-hearth", "web"]
        assert sorted(os.listdir(mh / "hosts")) == ["hh", "rh"]
        assert os.readlink(mh / "hosts" / "rh" / "latest") == \
            os.readlink(mr / "hosts" / "rh" / "latest")
        same_as_source(mh / "hosts" / "hh" / "latest", src_h)
        same_as_source(mh / "tags" / "web" / "latest", src_r)
        same_as_source(mr / "hosts" / "hh" / "latest", src_h)

        # random reads of a large file (across blob boundaries)
        want = (src_h / "big.bin").read_bytes()
        big = mh / "hosts" / "hh" / "latest" / os.path.relpath(src_h / "big.bin", "/")
        rnd = random.Random(7)
        with open(big, "rb", buffering=0) as f:
            for _ in range(300):
                off = rnd.randrange(0, len(want) + 100)
                n = rnd.choice([1, 100, 4096, 65536, 1 << 20])
                f.seek(off)
                assert f.read(n) == want[off:off + n], (off, n)
        # read-only
        try:
            open(big, "r+b").close()
            raise AssertionError("opened for writing")
        except OSError:
            pass

        # SIGINT ends it and unmounts, as restic's Ctrl-c
        ph.send_signal(signal.SIGINT)
        ph.wait(timeout=30)
        out, err = ph.communicate()
        assert ph.returncode == 0, err
        assert out.startswith("Now serving the repository at %s\n" % mh)
        assert "Sanitizer" not in err and "runtime error" not in err, err
        assert not os.path.ismount(mh)
    finally:
        stop_mount(ph, mh)
        stop_mount(pr, mr)


def file_blobs(env, path):
    """The content blob ids of @path in the one snapshot, in file order."""
    [snap] = json.loads(hearth(env, "snapshots", "--json").stdout)
    tree = snap["tree"]
    parts = os.path.relpath(path, "/").split(os.sep)
    for k, name in enumerate(parts):
        nodes = json.loads(hearth(env, "cat", "blob", tree).stdout)["nodes"]
        [node] = [n for n in nodes if n["name"] == name]
        if k == len(parts) - 1:
            return node["content"]
        tree = node["subtree"]


def blob_place(env, blob):
    """(pack file path, offset, length) of data blob @blob."""
    repo = env["RESTIC_REPOSITORY"]
    for idx in os.listdir(os.path.join(repo, "index")):
        for p in json.loads(hearth(env, "cat", "index", idx).stdout)["packs"]:
            for b in p["blobs"]:
                if b["id"] == blob:
                    return (os.path.join(repo, "data", p["id"][:2], p["id"]),
                            b["offset"], b["length"])
    raise AssertionError(f"blob {blob} in no index")


def test_mount_damaged_pack_is_eio(tmp_path):
    """A flipped byte in the last blob of a file: that file reads as EIO
    (not cut short at the damage, as a short FUSE read would make it), the
    rest of the mount keeps working, and SIGTERM still ends it cleanly."""
    env = make_env(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.txt").write_text("fine\n")
    # 12 MiB: more than the chunker's 8 MiB maximum, so two blobs at least
    (src / "big.bin").write_bytes(random.Random(3).randbytes(12 << 20))
    hearth(env, "init")
    hearth(env, "backup", str(src))
    blobs = file_blobs(env, src / "big.bin")
    assert len(blobs) >= 2, blobs
    pack, off, length = blob_place(env, blobs[-1])
    os.chmod(pack, 0o644)
    with open(pack, "r+b") as f:
        f.seek(off + length // 2)
        b = f.read(1)
        f.seek(off + length // 2)
        f.write(bytes([b[0] ^ 0xFF]))
    p = None
    mnt = tmp_path / "m"
    try:
        p = start_mount([HEARTH, "backup", "mount"], env, mnt)
        inside = mnt / "snapshots" / "latest" / os.path.relpath(src, "/")
        assert sorted(os.listdir(inside)) == ["big.bin", "ok.txt"]
        try:
            (inside / "big.bin").read_bytes()
            raise AssertionError("a damaged blob read without an error")
        except OSError as e:
            assert e.errno == 5  # EIO
        assert (inside / "ok.txt").read_text() == "fine\n"
        assert p.poll() is None
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
        _, err = p.communicate()
        assert p.returncode == 0, err
        assert "Sanitizer" not in err and "runtime error" not in err, err
        assert not os.path.ismount(mnt)
    finally:
        stop_mount(p, mnt)
