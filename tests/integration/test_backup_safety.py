# SPDX-License-Identifier: MIT
"""`hearth backup`'s safety promises, run for real: the status line on a
pseudo-terminal (and none off one, with --json or --quiet), a repository
that never holds plaintext file contents or names (every file of it
grepped, also while a backup is under way), damage (a flipped byte in a
pack, a truncated index, a missing pack) that `check` pins to the blobs,
snapshots and paths it hits while `restore` still brings back the rest,
a foreign repository or key named in one line, and a mount that shows a
snapshot made after it started. Each test runs in a few seconds."""
import base64
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time

import pytest

from helpers import HEARTH
from test_backup_ops import hearth, restic, make_env
from test_backup_mount import start_mount, stop_mount

# restic's status line as hearth draws it:
# "\r[0:01] 41.20%  3 files 9.000 MiB, total 21 files 24.019 MiB, 0 errors, 8.1 MiB/s ETA 0:02\e[K"
FRAME = re.compile(
    r"\r\[(\d+):(\d\d)\] (?:(\d+\.\d\d)%  )?(\d+) (files|packs|blobs) (\d+(?:\.\d{3})? (?:B|KiB|MiB|GiB))"
    r"(?:, total (\d+) \5(?: (\d+(?:\.\d{3})? (?:B|KiB|MiB|GiB)))?)?, (\d+) errors, "
    r"\d+(?:\.\d{3})? (?:B|KiB|MiB|GiB)/s(?: ETA (\d+):(\d\d))?\x1b\[K")


def fmt_bytes(n):
    """restic's ui.FormatBytes."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return "%.3f %s" % (n / size, unit)
    return "%d B" % n


def on_tty(env, *args, timeout=120):
    """Runs `hearth backup ARGS` with stdin, stdout and stderr on a new
    pseudo-terminal; returns (exit code, everything it printed, seconds)."""
    import pty
    import select
    argv = [HEARTH, "backup", *map(str, args)]
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:  # the child: nothing but exec
        os.execve(argv[0], argv, env)
    out = b""
    try:
        while time.monotonic() - t0 < timeout:
            r, _, _ = select.select([fd], [], [], 0.2)
            if not r:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if not chunk:
                break
            out += chunk
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    text = out.decode(errors="replace")
    assert "runtime error" not in text and "Sanitizer" not in text, text
    return os.waitstatus_to_exitcode(status), text, time.monotonic() - t0


def frames(text):
    return [m for m in FRAME.finditer(text)]


def check_frames(text, secs, noun, items, nbytes=None):
    """The status lines in @text: at most 4 a second, well formed, with an
    ETA once a second passed and work is left, the last one all done."""
    fs = frames(text)
    assert fs, text
    assert text.count("\r[") == len(fs), text  # every redraw is a whole line
    assert len(fs) <= 4 * secs + 3, (len(fs), secs)
    for m in fs:
        assert m.group(5) == noun, m.group(0)
        elapsed = int(m.group(1)) * 60 + int(m.group(2))
        pct = m.group(3)
        if pct is not None and float(pct) < 99.99 and elapsed >= 1:
            assert m.group(10) is not None, m.group(0)  # an ETA
    last = fs[-1]
    assert last.group(3) == "100.00" and int(last.group(4)) == items, last.group(0)
    assert int(last.group(7)) == items and last.group(9) == "0", last.group(0)
    if nbytes is not None:
        assert last.group(6) == last.group(8) == fmt_bytes(nbytes), last.group(0)
    # the line is cleared before what the command prints next
    assert text[last.end():].startswith("\r\x1b[K"), repr(text[last.end():][:40])
    return fs


def make_src(root):
    (root / "sub").mkdir(parents=True)
    (root / "big.bin").write_bytes(os.urandom(24 << 20))
    for i in range(20):
        (root / "sub" / f"f{i}").write_bytes(os.urandom(1000))
    return (24 << 20) + 20 * 1000


def test_status_line_on_a_terminal_only(tmp_path):
    env = make_env(tmp_path)
    src = tmp_path / "src"
    total = make_src(src)
    hearth(env, "init")
    rc, out, secs = on_tty(env, "backup", src)
    assert rc == 0, out
    fs = check_frames(out, secs, "files", 21, total)
    assert "snapshot " in out.split(fs[-1].group(0))[1] and "saved" in out
    # off a terminal, with --json or --quiet: no status line at all
    for args in (["backup", src], ["--json", "backup", src], ["restore", "latest", "--target",
                                                              tmp_path / "t0"]):
        p = hearth(env, *args)
        assert "\r" not in p.stdout + p.stderr and "\x1b" not in p.stdout + p.stderr, p
    for args in (["--json", "backup", src], ["-q", "backup", src],
                 ["--json", "check", "--read-data"]):
        rc, out, _ = on_tty(env, *args)
        assert rc == 0 and not frames(out) and "\x1b[K" not in out, (args, out)
    rc, out, _ = on_tty(env, "--json", "backup", src)
    assert json.loads(out.strip().splitlines()[-1])["message_type"] == "summary"
    # restore: the totals from the snapshot's trees
    rc, out, secs = on_tty(env, "restore", "latest", "--target", tmp_path / "t1")
    assert rc == 0, out
    check_frames(out, secs, "files", 21, total)
    assert (tmp_path / "t1" / str(src / "big.bin").lstrip("/")).read_bytes() == \
        (src / "big.bin").read_bytes()
    # check --read-data: packs
    packs = [p for p in (tmp_path / "repo" / "data").rglob("*") if p.is_file()]
    rc, out, secs = on_tty(env, "check", "--read-data")
    assert rc == 0 and "no errors were found" in out, out
    check_frames(out, secs, "packs", len(packs), sum(p.stat().st_size for p in packs))
    # copy: blobs into another repository
    env2 = dict(make_env(tmp_path, "repo2"), RESTIC_FROM_REPOSITORY=str(tmp_path / "repo"),
                RESTIC_FROM_PASSWORD_FILE=str(tmp_path / "pw"))
    hearth(env2, "init")
    rc, out, secs = on_tty(env2, "copy")
    assert rc == 0 and "saved" in out, out
    fs = frames(out)
    assert fs and all(m.group(5) == "blobs" for m in fs) and max(int(m.group(4)) for m in fs) >= 21, out
    # prune: the packs it repacks (the small files share one with big.bin's tail)
    (src / "big.bin").unlink()
    hearth(env, "backup", src)
    hearth(env, "forget", "--keep-last", "1")
    rc, out, secs = on_tty(env, "prune", "--max-unused", "0")
    assert rc == 0 and "repacking packs" in out, out
    fs = frames(out)
    assert fs and fs[-1].group(5) == "packs" and fs[-1].group(3) == "100.00", out
    assert len(fs) <= 4 * secs + 3
    restic(env, "check", "--read-data")


def plaintext_tree(root, tok):
    """Files whose names and contents carry @tok: tiny, small, large and
    compressible, incompressible, long names, xattrs, symlink targets."""
    d = root / f"dir-{tok}"
    d.mkdir(parents=True)
    (d / f"tiny-{tok}").write_text(tok)
    (d / "one").write_bytes(b"x")
    (d / "small.txt").write_text(f"small file {tok}\n" * 40)
    (d / "large.txt").write_text(f"line of a large, compressible file {tok}\n" * 100000)
    noise = bytearray(os.urandom(3 << 20))
    for off in range(0, len(noise) - 64, 256 << 10):
        noise[off:off + len(tok)] = tok.encode()
    (d / "noise.bin").write_bytes(bytes(noise))
    (d / (f"long-{tok}-" + "n" * 200)).write_text("long name\n")
    x = d / "xattrs"
    x.write_text("has xattrs\n")
    os.setxattr(x, f"user.name-{tok}", f"value-{tok}".encode())
    os.symlink(f"/target-{tok}/somewhere", d / "link")
    os.symlink(f"/target-{tok}/elsewhere", d / f"link-{tok}")
    return d


def assert_no_plaintext(repo, needles):
    seen = 0
    for p in repo.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            seen += 1
            for n in needles:
                assert n not in data, (p, n)
    return seen


def test_repository_never_holds_plaintext(tmp_path):
    tok = "hearthplain" + secrets.token_hex(8)
    env = make_env(tmp_path)
    (tmp_path / "pw").write_text(f"pw-{tok}\n")
    d = plaintext_tree(tmp_path / "src", tok)
    # what would show if trees, snapshots or keys were stored in the clear
    needles = [tok.encode(), f"pw-{tok}".encode(),
               base64.b64encode(f"value-{tok}".encode()),
               base64.b64encode(tok.encode())[:20]]
    # the grep finds them where they are in the clear
    try:
        assert_no_plaintext(d, needles[:1])
        raise RuntimeError("the needle is not in the source")
    except AssertionError:
        pass
    hearth(env, "init")
    hearth(env, "backup", "--host", f"host-{tok}", "--tag", f"tag-{tok}", str(d))
    # a second backup, stopped while it holds its lock and writes packs
    (d / "later.bin").write_bytes((tok.encode() + os.urandom(4000)) * 6000)
    p = subprocess.Popen([HEARTH, "backup", "backup", "--host", f"host-{tok}", str(d)],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        locks = tmp_path / "repo" / "locks"
        for _ in range(2000):
            if any(locks.iterdir()) or p.poll() is not None:
                break
            time.sleep(0.005)
        p.send_signal(signal.SIGSTOP)
        held = list(locks.iterdir())
        assert held, "the backup ended before it was caught with its lock"
        assert assert_no_plaintext(tmp_path / "repo", needles) >= 4
    finally:
        p.send_signal(signal.SIGCONT)
        p.wait(timeout=120)
    assert p.returncode == 0, p.stderr.read()
    hearth(env, "key", "add", "--new-password-file", str(tmp_path / "pw"))
    kinds = {q.parent.name if q.parent.parent.name != "data" else "data"
             for q in (tmp_path / "repo").rglob("*") if q.is_file()}
    assert {"data", "index", "snapshots", "keys", "repo"} <= kinds, kinds
    assert assert_no_plaintext(tmp_path / "repo", needles) >= 8
    # and it is all there: restic restores the names, xattrs and links
    restic(env, "restore", "latest", "--target", str(tmp_path / "out"))
    back = tmp_path / "out" / str(d).lstrip("/")
    assert (back / f"tiny-{tok}").read_text() == tok
    assert os.getxattr(back / "xattrs", f"user.name-{tok}") == f"value-{tok}".encode()
    assert os.readlink(back / f"link-{tok}") == f"/target-{tok}/elsewhere"
    assert (back / "noise.bin").read_bytes() == (d / "noise.bin").read_bytes()


def index_of(env, repo):
    """blob id -> (pack id, offset, length) from every index file."""
    out = {}
    for f in (repo / "index").iterdir():
        doc = json.loads(hearth(env, "cat", "index", f.name).stdout)
        for pk in doc["packs"]:
            for b in pk["blobs"]:
                out[b["id"]] = (pk["id"], b["offset"], b["length"])
    return out


def file_blobs(env, snap, *names):
    """The content ids of the file at path components @names of @snap
    (None when it has no such file)."""
    tree = json.loads(hearth(env, "cat", "snapshot", snap).stdout)["tree"]
    for i, name in enumerate(names):
        nodes = json.loads(hearth(env, "cat", "blob", tree).stdout)["nodes"]
        found = [n for n in nodes if n["name"] == name]
        if not found:
            return None  # not in this snapshot
        [n] = found
        if i == len(names) - 1:
            return n["content"]
        tree = n["subtree"]


def damage_repo(tmp_path):
    """Three snapshots of ./src (backed up from tmp_path, so the trees are
    src/...): A with a.txt and b.bin, B with sub/victim.bin added (its data
    alone in a pack of its own), C without it but with c.txt. Returns env,
    src, the ids [A, B, C], victim's blob and its (pack, offset, length)."""
    env = make_env(tmp_path)
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("a\n")
    (src / "b.bin").write_bytes(os.urandom(200000))
    hearth(env, "init")

    def backup():
        p = subprocess.run([HEARTH, "backup", "backup", "src"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
    backup()
    (src / "sub" / "victim.bin").write_bytes(os.urandom(300000))
    backup()
    saved = (src / "sub" / "victim.bin").read_bytes()
    (src / "sub" / "victim.bin").unlink()
    (src / "c.txt").write_text("c\n")
    backup()
    (src / "sub" / "victim.bin").write_bytes(saved)
    snaps = [s["id"] for s in json.loads(hearth(env, "snapshots", "--json").stdout)]
    [blob] = file_blobs(env, snaps[1], "src", "sub", "victim.bin")
    idx = index_of(env, tmp_path / "repo")
    loc = idx[blob]
    assert [b for b, v in idx.items() if v[0] == loc[0]] == [blob]
    return env, src, snaps, blob, loc


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("damage")
    return tmp, damage_repo(tmp)


def fresh(base, tmp_path):
    """A copy of the module's repository for one test to damage."""
    tmp, (env, src, snaps, blob, loc) = base
    shutil.copytree(tmp / "repo", tmp_path / "repo")
    return dict(env, RESTIC_REPOSITORY=str(tmp_path / "repo")), src, snaps, blob, loc


def damaged_paths(out):
    """The paths `check` lists under each incomplete snapshot."""
    got, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"error: snapshot ([0-9a-f]{8}) \(.*\): incomplete$", line)
        if m:
            cur = m.group(1)
            got[cur] = set()
        elif line.startswith("  damaged ") and cur:
            got[cur].add(line.split(" ", 4)[-1])
    return got


def restore_and_compare(env, snap, target, src, want_failed):
    """Restores @snap: the files @want_failed (names below src) fail, each
    named on stderr, and are not left behind; every other file is the
    source's."""
    p = hearth(env, "restore", snap, "--target", str(target), ok=not want_failed)
    back = target / "src"
    failed = set(re.findall(r"restore " + re.escape(str(back)) + r"/(\S+): file: data blob",
                            p.stderr))
    assert failed == set(want_failed), p.stderr
    if want_failed:
        assert p.returncode == 1 and f"{len(want_failed)} errors while restoring" in p.stderr
    n = 0
    for d, _, files in os.walk(back):
        for f in files:
            rel = os.path.relpath(os.path.join(d, f), back)
            assert rel not in failed
            assert (back / rel).read_bytes() == (src / rel).read_bytes(), rel
            n += 1
    assert n >= 2
    return p


def test_flipped_byte_names_blob_snapshot_and_path(base, tmp_path):
    env, src, (a, b, c), blob, (pack, off, length) = fresh(base, tmp_path)
    victim = tmp_path / "repo" / "data" / pack[:2] / pack
    victim.chmod(0o600)
    raw = bytearray(victim.read_bytes())
    raw[off + length // 2] ^= 0x20
    victim.write_bytes(bytes(raw))
    # only reading the data finds it, as with restic
    assert "no errors were found" in hearth(env, "check").stdout
    assert restic(env, "check").returncode == 0
    p = hearth(env, "check", "--read-data", ok=False)
    assert p.returncode == 1 and "the repository contains errors" in p.stderr, p
    assert f"pack {pack[:8]}: data blob {blob[:8]}: repository file is corrupt" in p.stdout
    assert f'file "victim.bin" blob 0 ({blob[:8]}) in pack {pack[:8]} is damaged' in p.stdout
    assert damaged_paths(p.stdout) == {b[:8]: {"/src/sub/victim.bin"}}, p.stdout
    assert "1 snapshots are incomplete" in p.stdout
    assert restic(env, "check", "--read-data", ok=False).returncode == 1
    # restore: the rest of B, all of A and C
    p = restore_and_compare(env, b, tmp_path / "rb", src, ["sub/victim.bin"])
    assert f"data blob 1 of 1 {blob[:8]}: damaged in pack {pack[:8]}" in p.stderr
    restore_and_compare(env, a, tmp_path / "ra", src, [])
    restore_and_compare(env, c, tmp_path / "rc", src, [])


@pytest.mark.parametrize("where", ["header", "trailer"])
def test_damaged_pack_header_names_pack_blobs_and_snapshot(base, tmp_path, where):
    """A flipped byte in a pack's encrypted header, or in the 4-byte header
    length after it: check (with and without --read-data) names the pack,
    the blobs the index places in it, the snapshot and path they belong
    to, exits 1 and does not crash; restore, which goes through the index,
    still brings the blob back."""
    env, src, (a, b, c), blob, (pack, _, _) = fresh(base, tmp_path)
    victim = tmp_path / "repo" / "data" / pack[:2] / pack
    victim.chmod(0o600)
    raw = bytearray(victim.read_bytes())
    hl = int.from_bytes(raw[-4:], "little")
    assert 0 < hl < len(raw)
    if where == "header":
        raw[len(raw) - 4 - hl // 2] ^= 0x01
    else:
        raw[-1] ^= 0x80  # a header longer than the pack
    victim.write_bytes(bytes(raw))
    for args in (["check"], ["check", "--read-data"]):
        p = hearth(env, *args, ok=False)
        assert p.returncode == 1 and "the repository contains errors" in p.stderr, p
        assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr
        assert re.search(rf"^error: pack {pack[:8]}: header: .*; 1 blobs the index places "
                         r"in it are affected$", p.stdout, re.M), p.stdout
        assert f"pack {pack[:8]}: data blob {blob[:8]}: its pack's header is damaged" \
            in p.stdout
        assert f'file "victim.bin" blob 0 ({blob[:8]}) in pack {pack[:8]} is damaged' \
            in p.stdout
        assert damaged_paths(p.stdout) == {b[:8]: {"/src/sub/victim.bin"}}, p.stdout
        assert "1 snapshots are incomplete" in p.stdout
    # reading the data also finds the pack's hash wrong
    assert f"pack {pack[:8]}: its SHA-256 does not match its name" in p.stdout
    assert restic(env, "check", "--read-data", ok=False).returncode == 1
    restore_and_compare(env, b, tmp_path / "rb", src, [])


def test_missing_pack_names_its_blob_snapshot_and_path(base, tmp_path):
    env, src, (a, b, c), blob, (pack, _, _) = fresh(base, tmp_path)
    (tmp_path / "repo" / "data" / pack[:2] / pack).unlink()
    p = hearth(env, "check", ok=False)
    assert p.returncode == 1 and f"pack {pack[:8]}: missing, 1 blobs lost" in p.stdout, p
    assert f'file "victim.bin" blob 0 ({blob[:8]}) is in pack {pack[:8]}, which is missing' \
        in p.stdout
    assert damaged_paths(p.stdout) == {b[:8]: {"/src/sub/victim.bin"}}, p.stdout
    assert restic(env, "check", ok=False).returncode == 1
    p = restore_and_compare(env, b, tmp_path / "rb", src, ["sub/victim.bin"])
    assert f"{blob[:8]}: its pack {pack[:8]} is missing" in p.stderr
    restore_and_compare(env, c, tmp_path / "rc", src, [])


def test_truncated_index_loses_only_its_snapshot(base, tmp_path):
    env, src, (a, b, c), _, _ = fresh(base, tmp_path)
    repo = tmp_path / "repo"
    newest = max((repo / "index").iterdir(), key=lambda f: f.stat().st_mtime_ns)
    newest.chmod(0o600)
    newest.write_bytes(newest.read_bytes()[:100])
    p = hearth(env, "check", ok=False)
    assert p.returncode == 1 and f"index {newest.name} is corrupt" in p.stderr, p
    assert damaged_paths(p.stdout) == {c[:8]: {"/"}}, p.stdout
    restore_and_compare(env, a, tmp_path / "ra", src, [])
    restore_and_compare(env, b, tmp_path / "rb", src, [])
    p = hearth(env, "restore", c, "--target", str(tmp_path / "rc"), ok=False)
    assert p.returncode == 1 and ": dir: tree " in p.stderr and "not in the index" in p.stderr


def test_foreign_repository_and_key_are_one_line(tmp_path):
    env = make_env(tmp_path)
    hearth(env, "init")
    (tmp_path / "o").mkdir()
    other = dict(make_env(tmp_path / "o"), RESTIC_REPOSITORY=str(tmp_path / "other"))
    hearth(other, "init")
    # a key of another repository, opened with that repository's password
    keys = tmp_path / "repo" / "keys"
    for k in keys.iterdir():
        k.unlink()
    [k] = (tmp_path / "other" / "keys").iterdir()
    shutil.copy(k, keys / k.name)
    p = hearth(dict(env, RESTIC_PASSWORD_FILE=other["RESTIC_PASSWORD_FILE"]), "snapshots",
               ok=False)
    assert p.returncode == 1 and p.stdout == "", p
    assert p.stderr.strip() == (f"hearth: backup: config does not open with key {k.name[:8]}: "
                                "the key belongs to another repository, or the config is "
                                "damaged"), p.stderr
    # restic says it is damaged too, exit 1
    assert restic(dict(env, RESTIC_PASSWORD_FILE=other["RESTIC_PASSWORD_FILE"]), "snapshots",
                  ok=False).returncode == 1
    # a Borg repository
    borg = tmp_path / "borg"
    subprocess.run(["borg", "init", "-e", "none", str(borg)], check=True, capture_output=True,
                   env=dict(os.environ, BORG_BASE_DIR=str(tmp_path / "bb")), timeout=60)
    p = hearth(dict(env, RESTIC_REPOSITORY=str(borg)), "snapshots", ok=False)
    assert p.returncode == 10 and p.stdout == "", p  # not a (restic) repository
    assert p.stderr.strip() == f"hearth: backup: {borg} is a Borg repository, not a restic one"


def wait_for(fn, what, timeout=20):
    """Polls @fn (bounded) until it returns something true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout} s")


def test_mount_shows_snapshots_made_and_forgotten_while_mounted(tmp_path):
    env = make_env(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("one\n")
    hearth(env, "init")
    hearth(env, "backup", "--host", "first", str(src))
    mnt = tmp_path / "mnt"
    p = None
    try:
        p = start_mount([HEARTH, "backup", "mount"], env, mnt)
        [old] = [n for n in os.listdir(mnt / "snapshots") if n != "latest"]
        assert os.listdir(mnt / "hosts") == ["first"]
        (src / "f").write_text("two\n")
        (src / "g").write_text("new file\n")
        hearth(env, "backup", "--host", "second", str(src))
        new = json.loads(hearth(env, "snapshots", "--json").stdout)[-1]
        t0 = time.monotonic()
        names = wait_for(lambda: [n for n in os.listdir(mnt / "snapshots") if n != "latest"]
                         if len(os.listdir(mnt / "snapshots")) == 3 else None,
                         "the new snapshot shows")
        assert time.monotonic() - t0 < 10
        assert old in names and new["short_id"] in os.listdir(mnt / "ids")
        assert sorted(os.listdir(mnt / "hosts")) == ["first", "second"]
        # its files read (the index was reloaded with the snapshot list)
        inside = mnt / "ids" / new["short_id"] / str(src).lstrip("/")
        assert (inside / "g").read_text() == "new file\n"
        assert (inside / "f").read_text() == "two\n"
        assert os.readlink(mnt / "snapshots" / "latest") != old
        # a snapshot forgotten while mounted goes away again
        hearth(env, "forget", new["id"])
        wait_for(lambda: os.listdir(mnt / "hosts") == ["first"], "the forgotten one goes")
        assert new["short_id"] not in os.listdir(mnt / "ids")
    finally:
        stop_mount(p, mnt)
    assert p.returncode is not None and not os.path.ismount(mnt)
