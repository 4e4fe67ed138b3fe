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

from helpers import HEARTH
from test_backup_ops import hearth, restic, make_env
from test_backup_mount import start_mount, stop_mount

# restic's status line as hearth draws it:
# "\r[0:01] 41.20%  3 files 9.000 MiB, total 21 files 24.019 MiB, 0 errors, 8.1 MiB/s ETA 0:02\e[K"
FRAME = re.compile(
    r"\r\[(\d+):(\d\d)\] (?:(\d+\.\d\d)%  )?(\d+) (files|packs|blobs) (\d+(?:\.\d{3})? (?:B|KiB|MiB|GiB))"
    r"(?:, total (\d+) \5 (\d+(?:\.\d{3})? (?:B|KiB|MiB|GiB)))?, (\d+) errors, "
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
    assert json.loads(out.strip())["message_type"] == "summary"
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
