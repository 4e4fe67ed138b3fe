# SPDX-License-Identifier: MIT
"""hearth backup's repository layer against the real restic 0.14 (Debian).

restic init -> hearth reads keys, config, snapshots; hearth init -> restic
lists and checks it; restic backup -> hearth lists the same snapshot fields
and reads its blobs; a wrong password, a foreign directory, a truncated
index and a flipped byte in a key file are one clear line and an exit code
as restic >= 0.17 gives them: 12 for a wrong password (or no key that
opens), 10 for no repository there, 1 for anything else (restic 0.14
exits 1 on every fatal error; docs/backup.md, "Exit codes").
Everything lives in pytest's tmp_path; restic's cache too.
"""
import json
import os
import subprocess
import time

import pytest

from helpers import HEARTH, sanitizer_report

PW = "correct horse"


def restic(tmp_path, repo, *args, password=PW, check=True):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RESTIC_", "HEARTH_BACKUP_"))}
    env.update(RESTIC_PASSWORD=password, RESTIC_CACHE_DIR=str(tmp_path / "cache"),
               RESTIC_REPOSITORY=str(repo))
    cp = subprocess.run(["restic", *map(str, args)], env=env, text=True,
                        capture_output=True, timeout=120,
                        stdin=subprocess.DEVNULL)
    if check:
        assert cp.returncode == 0, cp.stderr
    return cp


@pytest.fixture
def bcli(cli, tmp_path):
    """hearth backup with the repository and password only in its args."""
    pwfile = tmp_path / "pw"
    pwfile.write_text(PW + "\n")
    blank = {k: "" for k in ("RESTIC_REPOSITORY", "RESTIC_PASSWORD",
                             "HEARTH_BACKUP_REPOSITORY",
                             "HEARTH_BACKUP_PASSWORD")}

    def run(*args, env=None, **kw):
        e = dict(blank)
        e.update(env or {})
        return cli("backup", *args, env=e, **kw)
    run.pwfile = pwfile
    return run


# restic's exit codes since 0.17 (src/backup/exitcode.h)
NOREPO, LOCKED, PASSWORD = 10, 11, 12


def one_line_error(r, text, code=1):
    assert r.returncode == code, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r
    assert text in lines[0], r


def test_restic_init_hearth_reads(bcli, tmp_path):
    repo = tmp_path / "repo"
    restic(tmp_path, repo, "init")
    r = bcli("key", "list", "--json", "-r", repo, "--password-file", bcli.pwfile)
    assert r.returncode == 0, r
    mine = json.loads(r.stdout)
    theirs = json.loads(restic(tmp_path, repo, "key", "list", "--json").stdout)
    assert mine == theirs
    r = bcli("cat", "config", "-r", repo, "--password-file", bcli.pwfile)
    assert r.returncode == 0, r
    assert json.loads(r.stdout) == json.loads(
        restic(tmp_path, repo, "cat", "config").stdout)
    # The environment restic users have works as it is.
    r = bcli("snapshots", "--json", env={"RESTIC_REPOSITORY": str(repo),
                                         "RESTIC_PASSWORD": PW})
    assert r.returncode == 0, r
    assert json.loads(r.stdout) == []
    # restic's global options before the command, and hearth's own names.
    r = bcli("-r", repo, "snapshots", env={"HEARTH_BACKUP_PASSWORD": PW})
    assert r.returncode == 0, r
    assert "0 snapshots" in r.stdout


def test_hearth_init_restic_checks(bcli, tmp_path):
    repo = tmp_path / "hrepo"
    r = bcli("init", "-r", repo, "--password-file", bcli.pwfile)
    assert r.returncode == 0, r
    assert "created restic repository" in r.stdout
    assert json.loads(restic(tmp_path, repo, "snapshots", "--json").stdout) == []
    out = restic(tmp_path, repo, "check", "--read-data").stdout
    assert "no errors were found" in out
    cfg = json.loads(restic(tmp_path, repo, "cat", "config").stdout)
    assert cfg["version"] == 2
    # restic backs up into it; both list the same snapshot; restic checks.
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("hello restic\n" * 100)
    restic(tmp_path, repo, "backup", src, "--tag", "t1", "-q")
    assert "no errors were found" in restic(
        tmp_path, repo, "check", "--read-data").stdout
    r = bcli("snapshots", "--json", "-r", repo, "--password-file", bcli.pwfile)
    assert r.returncode == 0, r
    assert json.loads(r.stdout) == json.loads(
        restic(tmp_path, repo, "snapshots", "--json").stdout)
    # init twice is refused and leaves the repository alone.
    r = bcli("init", "-r", repo, "--password-file", bcli.pwfile)
    one_line_error(r, "already holds a repository")
    restic(tmp_path, repo, "snapshots")


def test_restic_backup_listed_and_read(bcli, tmp_path):
    repo = tmp_path / "repo"
    restic(tmp_path, repo, "init")
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    body = os.urandom(3000) + b"x" * 100000
    (src / "sub" / "f.bin").write_bytes(body)
    (src / "g.txt").write_text("small file\n")
    restic(tmp_path, repo, "backup", src, "--tag", "one", "--tag", "two",
           "--host", "labhost", "-q")
    restic(tmp_path, repo, "backup", src, "-q")
    theirs = json.loads(restic(tmp_path, repo, "snapshots", "--json").stdout)
    r = bcli("snapshots", "--json", "-r", repo, "--password-file", bcli.pwfile)
    assert r.returncode == 0, r
    mine = json.loads(r.stdout)
    assert mine == theirs and len(mine) == 2
    # The table and the filters.
    r = bcli("snapshots", "-r", repo, "--password-file", bcli.pwfile)
    assert "2 snapshots" in r.stdout and mine[0]["short_id"] in r.stdout
    r = bcli("snapshots", "--json", "--host", "labhost", "-r", repo,
             "--password-file", bcli.pwfile)
    assert [s["id"] for s in json.loads(r.stdout)] == [
        s["id"] for s in theirs if s["hostname"] == "labhost"]
    r = bcli("snapshots", "--json", "--tag", "two", "-r", repo,
             "--password-file", bcli.pwfile)
    assert len(json.loads(r.stdout)) == 1
    # Every pack and index restic lists, hearth lists.
    for kind in ("packs", "index", "snapshots", "keys"):
        r = bcli("list", kind, "-r", repo, "--password-file", bcli.pwfile)
        assert r.returncode == 0, r
        assert sorted(r.stdout.split()) == sorted(
            restic(tmp_path, repo, "list", kind).stdout.split()), kind
    # Blobs through the index: the trees down to the file's content.
    tree = mine[0]["tree"]

    def cat_blob(i):
        # bytes, not text: blobs are binary
        r = subprocess.run([HEARTH, "backup", "cat", "blob", i, "-r", str(repo),
                            "--password-file", str(bcli.pwfile)],
                           capture_output=True, timeout=30,
                           stdin=subprocess.DEVNULL)
        assert r.returncode == 0, r.stderr
        assert not sanitizer_report(r.stderr.decode(errors="replace"))
        return r.stdout

    node = None
    for name in str(src).strip("/").split("/") + ["sub", "f.bin"]:
        nodes = json.loads(cat_blob(tree))["nodes"]
        node = next(n for n in nodes if n["name"] == name)
        tree = node.get("subtree")
    data = b"".join(cat_blob(c) for c in node["content"])
    assert data == body


def test_wrong_password(bcli, tmp_path):
    repo = tmp_path / "repo"
    restic(tmp_path, repo, "init")
    bad = tmp_path / "bad"
    bad.write_text("not it\n")
    r = bcli("snapshots", "-r", repo, "--password-file", bad)
    one_line_error(r, "wrong password or no key found", PASSWORD)
    assert r.stdout == ""
    r = bcli("key", "list", "-r", repo, env={"HEARTH_BACKUP_PASSWORD": "nope"})
    one_line_error(r, "wrong password or no key found", PASSWORD)
    # restic 0.14 says the same, with its one exit code for every failure.
    cp = restic(tmp_path, repo, "snapshots", password="nope", check=False)
    assert cp.returncode == 1 and "wrong password or no key found" in cp.stderr
    # No password at all, stdin not a TTY.
    r = bcli("snapshots", "-r", repo)
    one_line_error(r, "no password")


def test_foreign_directory(bcli, tmp_path):
    d = tmp_path / "photos"
    d.mkdir()
    (d / "config").mkdir()  # not even a file
    (d / "img.jpg").write_bytes(b"\xff\xd8" + b"x" * 100)
    r = bcli("snapshots", "-r", tmp_path / "nowhere", "--password-file", bcli.pwfile)
    one_line_error(r, "is not a repository", NOREPO)
    r = bcli("snapshots", "-r", d / "img.jpg", "--password-file", bcli.pwfile)
    one_line_error(r, "is not a repository", NOREPO)
    r = bcli("snapshots", "-r", d, "--password-file", bcli.pwfile)
    one_line_error(r, "is not a repository", NOREPO)
    empty = tmp_path / "empty"
    empty.mkdir()
    r = bcli("snapshots", "-r", empty, "--password-file", bcli.pwfile)
    one_line_error(r, f"{empty} is not a repository (no config file)", NOREPO)
    # A config that is not a sealed restic config.
    e = tmp_path / "fake"
    e.mkdir()
    (e / "config").write_text('{"version": 2}')
    (e / "keys").mkdir()
    r = bcli("snapshots", "-r", e, "--password-file", bcli.pwfile)
    one_line_error(r, f"{e} is not a repository (no key files)", NOREPO)
    r = bcli("snapshots", "--password-file", bcli.pwfile)
    assert r.returncode == 2 and "no repository" in r.stderr


def restic_repo_with_one_file(tmp_path):
    """tmp_path/repo made by restic, with one snapshot of tmp_path/src/f."""
    repo = tmp_path / "repo"
    restic(tmp_path, repo, "init")
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("data\n")
    restic(tmp_path, repo, "backup", src, "-q")
    return repo, src


def test_truncated_index(bcli, tmp_path):
    repo, _ = restic_repo_with_one_file(tmp_path)
    snap = json.loads(restic(tmp_path, repo, "snapshots", "--json").stdout)[0]
    [idx] = list((repo / "index").iterdir())
    idx.chmod(0o600)
    raw = idx.read_bytes()
    idx.write_bytes(raw[: len(raw) // 2])
    r = bcli("cat", "index", idx.name, "-r", repo, "--password-file", bcli.pwfile)
    one_line_error(r, "corrupt")
    r = bcli("cat", "blob", snap["tree"], "-r", repo, "--password-file", bcli.pwfile)
    assert r.returncode == 1, r
    assert f"index {idx.name} is corrupt" in r.stderr
    assert "not in the index" in r.stderr
    # The rest of the repository still reads.
    r = bcli("snapshots", "--json", "-r", repo, "--password-file", bcli.pwfile)
    assert r.returncode == 0 and json.loads(r.stdout)[0]["id"] == snap["id"]


def test_flipped_byte_in_key_file(bcli, tmp_path):
    repo = tmp_path / "repo"
    restic(tmp_path, repo, "init")
    [key] = list((repo / "keys").iterdir())
    key.chmod(0o600)
    raw = bytearray(key.read_bytes())
    i = raw.index(b'"data":"') + 20
    raw[i] = ord("A") if raw[i] != ord("A") else ord("B")
    key.write_bytes(bytes(raw))
    r = bcli("snapshots", "-r", repo, "--password-file", bcli.pwfile)
    one_line_error(r, "wrong password or no key found", PASSWORD)
    assert f"key file {key.name[:8]} is corrupt" in r.stderr


def test_keys_add_remove_passwd(bcli, tmp_path):
    repo = tmp_path / "repo"
    restic(tmp_path, repo, "init")
    new = tmp_path / "new"
    new.write_text("second password\n")
    r = bcli("key", "add", "-r", repo, "--password-file", bcli.pwfile,
             "--new-password-file", new)
    assert r.returncode == 0 and "saved new key as" in r.stdout, r
    added = r.stdout.split()[-1]
    # restic opens the repository with the key hearth added.
    keys = json.loads(restic(tmp_path, repo, "key", "list", "--json",
                             password="second password").stdout)
    assert len(keys) == 2
    assert [k["id"] for k in keys if k["current"]] == [added]
    # The key in use is not removed; the other one is.
    r = bcli("key", "remove", added, "-r", repo, "--password-file", new)
    one_line_error(r, "refusing to remove key currently used")
    r = bcli("key", "remove", added, "-r", repo, "--password-file", bcli.pwfile)
    assert r.returncode == 0, r
    assert restic(tmp_path, repo, "snapshots", password="second password",
                  check=False).returncode == 1
    # passwd: the new password opens it, the old one no longer does.
    r = bcli("key", "passwd", "-r", repo, "--password-file", bcli.pwfile,
             "--new-password-file", new)
    assert r.returncode == 0, r
    assert len(json.loads(restic(tmp_path, repo, "key", "list", "--json",
                                 password="second password").stdout)) == 1
    r = bcli("key", "list", "-r", repo, "--password-file", bcli.pwfile)
    one_line_error(r, "wrong password", PASSWORD)
    r = bcli("cat", "masterkey", "-r", repo, "--password-file", new)
    assert r.returncode == 0
    assert json.loads(r.stdout) == json.loads(restic(
        tmp_path, repo, "cat", "masterkey", password="second password").stdout)


def test_format_version_1_both_ways(bcli, tmp_path):
    # restic's version 1 (no compression): hearth reads its JSON files.
    repo = tmp_path / "v1"
    restic(tmp_path, repo, "init", "--repository-version", "1")
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("v1 data\n" * 50)
    restic(tmp_path, repo, "backup", src, "-q")
    r = bcli("snapshots", "--json", "-r", repo, "--password-file", bcli.pwfile)
    assert r.returncode == 0, r
    assert json.loads(r.stdout) == json.loads(
        restic(tmp_path, repo, "snapshots", "--json").stdout)
    r = bcli("cat", "config", "-r", repo, "--password-file", bcli.pwfile)
    assert json.loads(r.stdout)["version"] == 1
    # hearth's version 1: restic backs up into it and checks it clean.
    mine = tmp_path / "hv1"
    r = bcli("init", "--repository-version", "1", "-r", mine,
             "--password-file", bcli.pwfile)
    assert r.returncode == 0, r
    assert json.loads(restic(tmp_path, mine, "cat", "config").stdout)["version"] == 1
    restic(tmp_path, mine, "backup", src, "-q")
    assert "no errors were found" in restic(
        tmp_path, mine, "check", "--read-data").stdout
    r = bcli("init", "--repository-version", "3", "-r", tmp_path / "v3",
             "--password-file", bcli.pwfile)
    assert r.returncode == 2 and not (tmp_path / "v3").exists()


def test_check_packs(bcli, tmp_path):
    repo = tmp_path / "repo"
    restic(tmp_path, repo, "init")
    src = tmp_path / "src"
    src.mkdir()
    for i in range(5):
        (src / f"f{i}").write_bytes(os.urandom(20000))
    restic(tmp_path, repo, "backup", src, "-q")
    args = ("-r", repo, "--password-file", bcli.pwfile)
    r = bcli("check", "--read-data", *args)
    assert r.returncode == 0 and "no errors were found" in r.stdout, r
    packs = sorted(p for p in (repo / "data").glob("*/*"))
    assert len(packs) >= 2
    # A flipped byte in one pack: that pack is named, exit 1; without
    # --read-data only a header change would show, so the blob area is hit.
    victim = packs[0]
    victim.chmod(0o600)
    raw = bytearray(victim.read_bytes())
    raw[40] ^= 0x01
    victim.write_bytes(bytes(raw))
    r = bcli("check", "--read-data", *args)
    assert r.returncode == 1, r
    assert f"pack {victim.name[:8]}: its SHA-256 does not match" in r.stdout
    assert f"pack {victim.name[:8]}:" in r.stdout.split("SHA-256")[1]
    assert "contains errors" in r.stderr
    assert restic(tmp_path, repo, "check", "--read-data", check=False).returncode == 1
    # A missing pack: named, with the number of blobs it held.
    packs[1].unlink()
    r = bcli("check", *args)
    assert r.returncode == 1
    assert f"pack {packs[1].name[:8]}: missing" in r.stdout


def _on_tty(argv, answers, timeout=30):
    """Runs @argv on a new pseudo-terminal, typing each answer after each
    prompt ("password"); returns (exit code, everything it printed)."""
    import pty
    import select
    import time
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RESTIC_", "HEARTH_BACKUP_"))}
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)
    out, deadline, answered = b"", time.monotonic() + timeout, 0
    answers = list(answers)
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                if not chunk:
                    _, status = os.waitpid(pid, 0)
                    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")
                out += chunk
                fresh = out[answered:]
                if answers and b"password" in fresh and fresh.endswith(b": "):
                    time.sleep(0.1)  # getpass flushes input typed too early
                    os.write(fd, answers.pop(0).encode() + b"\n")
                    answered = len(out)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status), out.decode(errors="replace")
    finally:
        os.close(fd)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise AssertionError(f"{argv} did not finish: {out!r}")


def test_password_prompt_on_tty(tmp_path):
    repo = tmp_path / "repo"
    rc, out = _on_tty([HEARTH, "backup", "init", "-r", str(repo)], [PW, PW + "x"])
    assert rc == 1 and "passwords do not match" in out, out
    assert not (repo / "config").exists()
    rc, out = _on_tty([HEARTH, "backup", "init", "-r", str(repo)], [PW, PW])
    assert rc == 0 and "created restic repository" in out, out
    assert not sanitizer_report(out)
    rc, out = _on_tty([HEARTH, "backup", "snapshots", "-r", str(repo)], [PW])
    assert rc == 0 and "0 snapshots" in out, out
    rc, out = _on_tty([HEARTH, "backup", "snapshots", "-r", str(repo)], ["no"])
    assert rc == PASSWORD and "wrong password or no key found" in out, out
    assert json.loads(restic(tmp_path, repo, "snapshots", "--json").stdout) == []


# Every command that opens a repository, with the arguments it needs
# after the repository exists (snapshot "latest", a target, a path).
OPENERS = [
    ("snapshots",), ("ls", "latest"), ("stats",), ("diff", "latest", "latest"),
    ("check",), ("forget", "--keep-last", "1"), ("prune",), ("key", "list"),
    ("cat", "config"), ("list", "keys"), ("unlock",), ("tag", "--add", "x"),
    ("dump", "latest", "/"), ("restore", "latest", "--target", "T"),
    ("backup", "SRC"), ("copy", "--from-repo", "FROM"),
]


def test_exit_codes_of_every_command(bcli, tmp_path):
    """10 (no repository), 12 (wrong password), 11 (locked), one line each."""
    repo, src = restic_repo_with_one_file(tmp_path)
    bad = tmp_path / "bad"
    bad.write_text("not it\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    fill = {"T": str(tmp_path / "t"), "SRC": str(src), "FROM": str(repo)}

    def args(cmd):
        return [fill.get(a, a) for a in cmd]

    for cmd in OPENERS:
        # copy opens FROM too: give it the right password there
        frm = ["--from-password-file", bcli.pwfile] if cmd[0] == "copy" else []
        r = bcli(*args(cmd), *frm, "-r", repo, "--password-file", bad)
        one_line_error(r, "wrong password or no key found", PASSWORD)
        r = bcli(*args(cmd), *frm, "-r", empty, "--password-file", bcli.pwfile)
        one_line_error(r, f"{empty} is not a repository", NOREPO)
    # copy's source repository: the same codes
    r = bcli("copy", "--from-repo", repo, "--from-password-file", bad, "-r", repo,
             "--password-file", bcli.pwfile)
    one_line_error(r, "wrong password or no key found", PASSWORD)
    r = bcli("copy", "--from-repo", empty, "--from-password-file", bcli.pwfile, "-r", repo,
             "--password-file", bcli.pwfile)
    one_line_error(r, "is not a repository", NOREPO)
    # init over a repository is no repository error: 1
    r = bcli("init", "-r", repo, "--password-file", bcli.pwfile)
    assert r.returncode == 1, r

    # restic backup --stdin holds a shared lock while stdin stays open:
    # the commands that want the repository to themselves exit 11.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RESTIC_", "HEARTH_BACKUP_"))}
    env.update(RESTIC_PASSWORD=PW, RESTIC_CACHE_DIR=str(tmp_path / "cache"),
               RESTIC_REPOSITORY=str(repo))
    holder = subprocess.Popen(["restic", "backup", "--stdin", "-q"], env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):  # its lock file, within 20 s
            if any((repo / "locks").iterdir()):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("restic took no lock")
        for cmd in (("forget", "--keep-last", "1"), ("prune",), ("tag", "--add", "x")):
            r = bcli(*cmd, "-r", repo, "--password-file", bcli.pwfile)
            one_line_error(r, "repository is already locked", LOCKED)
        # a shared lock lets a backup in
        r = bcli("backup", src, "-r", repo, "--password-file", bcli.pwfile)
        assert r.returncode == 0, r
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    r = bcli("forget", "--keep-last", "1", "-r", repo, "--password-file", bcli.pwfile)
    assert r.returncode == 0, r
