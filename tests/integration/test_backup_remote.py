# SPDX-License-Identifier: MIT
"""hearth backup's remote backends against the real restic 0.14 (Debian).

`hearth backup serve` (restic's REST protocol, as rest-server speaks it) is
used by restic (init, backup, snapshots, restore, check --read-data) and by
hearth's own REST client; append-only refuses deletions as rest-server
does; htpasswd (bcrypt, {SHA}) and --private-repos guard it; hostile
request paths are refused. The SFTP backend runs against a real OpenSSH
sshd this test starts on a loopback port (its own host key,
authorized_keys and known_hosts, internal-sftp), and restic reads what
hearth wrote there through ssh. Every process is stopped by its PID.
"""
import base64
import warnings
import hashlib
import http.client
import os
import signal
import socket
import subprocess
import time

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # bcrypt for the htpasswd file (libxcrypt)

from helpers import HEARTH, sanitizer_report

PW = "correct horse"


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RESTIC_", "HEARTH_BACKUP_", "SSH_AUTH_SOCK"))}
    env.update(extra)
    return env


def restic(tmp_path, repo, *args, check=True, opts=()):
    env = clean_env(RESTIC_PASSWORD=PW, RESTIC_CACHE_DIR=str(tmp_path / "cache"))
    cp = subprocess.run(["restic", "-r", str(repo), *opts, *map(str, args)],
                        env=env, text=True, capture_output=True, timeout=180,
                        stdin=subprocess.DEVNULL)
    if check:
        assert cp.returncode == 0, cp.stderr
    return cp


def hearth(tmp_path, repo, *args, check=True, opts=()):
    pw = tmp_path / "pw"
    pw.write_text(PW + "\n")
    cp = subprocess.run([HEARTH, "backup", "-r", str(repo), "--password-file",
                         str(pw), *opts, *map(str, args)], env=clean_env(),
                        text=True, capture_output=True, timeout=180,
                        stdin=subprocess.DEVNULL)
    assert not sanitizer_report(cp.stderr), cp.stderr
    if check:
        assert cp.returncode == 0, cp.stderr
    return cp


def make_source(root):
    """A small tree: random bytes (several chunks), text, an empty file, a link."""
    src = root / "src"
    (src / "sub").mkdir(parents=True)
    (src / "big.bin").write_bytes(os.urandom(6 << 20))
    (src / "sub" / "log.txt").write_text("".join(f"line {i}\n" for i in range(20000)))
    (src / "empty").write_bytes(b"")
    os.symlink("sub/log.txt", src / "link")
    return src


def same_tree(a, b):
    for dirpath, dirs, files in os.walk(a):
        rel = os.path.relpath(dirpath, a)
        other = os.path.join(b, rel)
        assert sorted(os.listdir(dirpath)) == sorted(os.listdir(other)), rel
        for f in files:
            p, q = os.path.join(dirpath, f), os.path.join(other, f)
            if os.path.islink(p):
                assert os.readlink(p) == os.readlink(q)
            else:
                with open(p, "rb") as x, open(q, "rb") as y:
                    assert x.read() == y.read(), f


class Proc:
    """A process stopped by its PID (SIGTERM, then SIGKILL) at teardown."""

    def __init__(self, argv, **kw):
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, **kw)

    def stop(self):
        if self.p.poll() is None:
            os.kill(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.p.pid, signal.SIGKILL)
                self.p.wait(timeout=20)
        out, err = self.p.communicate(timeout=20)
        return err


@pytest.fixture
def serve(tmp_path):
    """serve(*args) starts `hearth backup serve` on a free loopback port."""
    procs = []

    def start(*args, path=None):
        path = path or tmp_path / "served"
        pr = Proc([HEARTH, "backup", "serve", "--listen", "127.0.0.1:0",
                   "--path", str(path), *map(str, args)], env=clean_env())
        procs.append(pr)
        line = pr.p.stdout.readline()
        assert line.startswith("serving "), (line, pr.p.stderr.read())
        pr.port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        pr.url = f"http://127.0.0.1:{pr.port}/"
        return pr
    yield start
    for pr in procs:
        err = pr.stop()
        assert not sanitizer_report(err), err
        assert pr.p.returncode == 0, err


def raw(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.putrequest(method, path, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    if body is not None:
        c.putheader("Content-Length", str(len(body)))
    c.endheaders(body)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict(r.getheaders()), data


def test_restic_over_hearth_serve(tmp_path, serve):
    src = make_source(tmp_path)
    srv = serve("--no-auth")
    repo = "rest:" + srv.url
    restic(tmp_path, repo, "init")
    restic(tmp_path, repo, "backup", src)
    snaps = restic(tmp_path, repo, "snapshots", "--json").stdout
    assert str(src) in snaps
    restic(tmp_path, repo, "check", "--read-data")
    restic(tmp_path, repo, "restore", "latest", "--target", tmp_path / "r1")
    same_tree(src, str(tmp_path / "r1") + str(src))
    # The layout on disk is restic's: hearth's local backend opens it.
    r = hearth(tmp_path, tmp_path / "served", "snapshots", "--json")
    assert str(src) in r.stdout
    # hearth's REST client adds to restic's repository; restic still checks clean.
    (src / "new.txt").write_text("added by hearth\n")
    hearth(tmp_path, repo, "backup", src)
    restic(tmp_path, repo, "check", "--read-data")
    hearth(tmp_path, repo, "restore", "latest", "--target", tmp_path / "r2")
    same_tree(src, str(tmp_path / "r2") + str(src))


def test_hearth_rest_client_and_subrepos(tmp_path, serve):
    src = make_source(tmp_path)
    srv = serve("--no-auth")
    repo = "rest:" + srv.url + "lab/nas/"
    hearth(tmp_path, repo, "init")
    assert (tmp_path / "served" / "lab" / "nas" / "config").exists()
    hearth(tmp_path, repo, "backup", src)
    r = hearth(tmp_path, repo, "check", "--read-data")
    assert "no errors" in r.stdout
    hearth(tmp_path, repo, "restore", "latest", "--target", tmp_path / "r")
    same_tree(src, str(tmp_path / "r") + str(src))
    restic(tmp_path, repo, "check", "--read-data")
    # forget and prune work over REST as on a local folder
    (src / "more.txt").write_text("more\n")
    hearth(tmp_path, repo, "backup", src)
    hearth(tmp_path, repo, "forget", "--keep-last", "1", "--prune")
    assert restic(tmp_path, repo, "snapshots", "--json").stdout.count('"id"') == 1
    restic(tmp_path, repo, "check", "--read-data")
    # A second init is refused.
    r = hearth(tmp_path, repo, "init", check=False)
    assert r.returncode == 1, r
    # No server there: one clear line.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    r = hearth(tmp_path, f"rest:http://127.0.0.1:{dead}/", "snapshots", check=False)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r


def test_serve_protocol_and_hostile_paths(tmp_path, serve):
    srv = serve("--no-auth")
    st, _, _ = raw(srv.port, "POST", "/?create=true", b"")
    assert st == 200
    body = b"some bytes of a key file"
    name = hashlib.sha256(body).hexdigest()
    assert raw(srv.port, "POST", f"/keys/{name}", body)[0] == 200
    # never overwritten; a body that is not its name is refused
    assert raw(srv.port, "POST", f"/keys/{name}", body)[0] == 403
    assert raw(srv.port, "POST", "/keys/" + "0" * 64, b"x")[0] == 400
    st, h, _ = raw(srv.port, "HEAD", f"/keys/{name}")
    assert st == 200 and int(h["Content-Length"]) == len(body)
    st, h, data = raw(srv.port, "GET", f"/keys/{name}", headers={"Range": "bytes=5-9"})
    assert st == 206 and data == body[5:10], (st, data)
    assert h["Content-Range"] == f"bytes 5-9/{len(body)}"
    assert raw(srv.port, "GET", f"/keys/{name}", headers={"Range": "bytes=999-"})[0] == 416
    st, h, data = raw(srv.port, "GET", "/keys/",
                      headers={"Accept": "application/vnd.x.restic.rest.v2"})
    assert st == 200 and h["Content-Type"] == "application/vnd.x.restic.rest.v2"
    assert data == ('[{"name":"%s","size":%d}]' % (name, len(body))).encode()
    st, _, data = raw(srv.port, "GET", "/keys/")
    assert st == 200 and data == ('["%s"]' % name).encode()
    for bad in ["/../../etc/passwd", "/keys/../config", "/%2e%2e/config",
                "/.htpasswd", "/keys/" + "A" * 64, "/a/b/c/d/e/config",
                "/data/00/" + "0" * 64, "/" + "x" * 5000]:
        st, _, _ = raw(srv.port, "GET", bad)
        assert st in (400, 404, 414, 431), (bad, st)
    assert raw(srv.port, "PUT", "/config", b"x")[0] == 405
    assert raw(srv.port, "DELETE", f"/keys/{name}")[0] == 200
    assert raw(srv.port, "DELETE", f"/keys/{name}")[0] == 404
    # a body past the limit is refused before it is stored
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    c.putrequest("POST", "/data/" + "1" * 64)
    c.putheader("Content-Length", str(200 << 20))
    c.endheaders()
    assert c.getresponse().status == 413
    c.close()
    assert not list((tmp_path / "served" / "data").rglob("*" + "1" * 64))


def test_append_only(tmp_path, serve):
    src = make_source(tmp_path)
    srv = serve("--no-auth", "--append-only")
    repo = "rest:" + srv.url
    restic(tmp_path, repo, "init")
    restic(tmp_path, repo, "backup", src)
    hearth(tmp_path, repo, "backup", src)  # its lock is removed again
    r = restic(tmp_path, repo, "forget", "--keep-last", "1", check=False)
    assert r.returncode != 0, r
    r = hearth(tmp_path, repo, "forget", "--keep-last", "1", "--prune", check=False)
    assert r.returncode == 1 and "Permission denied" in r.stderr, r
    snaps = restic(tmp_path, repo, "snapshots", "--json").stdout
    assert snaps.count('"id"') == 2
    keys = list((tmp_path / "served" / "keys").iterdir())
    assert raw(srv.port, "DELETE", "/keys/" + keys[0].name)[0] == 403
    assert raw(srv.port, "DELETE", "/config")[0] == 403
    assert keys[0].exists()
    assert not list((tmp_path / "served" / "locks").iterdir())
    restic(tmp_path, repo, "check", "--read-data")


def test_htpasswd_and_private_repos(tmp_path, serve):
    ht = tmp_path / "htpasswd"
    sha = base64.b64encode(hashlib.sha1(b"bobpw").digest()).decode()
    ht.write_text("# users\nalice:%s\nbob:{SHA}%s\n"
                  % (crypt.crypt("alicepw", crypt.mksalt(crypt.METHOD_BLOWFISH)), sha))
    srv = serve("--htpasswd-file", ht, "--private-repos")
    base = f"127.0.0.1:{srv.port}/"
    src = make_source(tmp_path)
    restic(tmp_path, f"rest:http://alice:alicepw@{base}alice/", "init")
    restic(tmp_path, f"rest:http://alice:alicepw@{base}alice/", "backup", src)
    hearth(tmp_path, f"rest:http://bob:bobpw@{base}bob/", "init")
    hearth(tmp_path, f"rest:http://bob:bobpw@{base}bob/", "backup", src)
    # someone else's repository, a wrong password, no credentials: 401
    r = restic(tmp_path, f"rest:http://bob:bobpw@{base}alice/", "snapshots", check=False)
    assert r.returncode != 0
    r = hearth(tmp_path, f"rest:http://alice:wrong@{base}alice/", "snapshots", check=False)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r
    st, h, _ = raw(srv.port, "GET", "/alice/config")
    assert st == 401 and h["WWW-Authenticate"].startswith("Basic")
    # the password is not in hearth's messages
    assert "alicepw" not in r.stderr and "wrong" not in r.stderr
    # without credentials configured, serving needs --no-auth
    p = subprocess.run([HEARTH, "backup", "serve", "--listen", "127.0.0.1:0",
                        "--path", tmp_path / "other"], capture_output=True,
                       text=True, timeout=30, env=clean_env())
    assert p.returncode == 1 and "--no-auth" in p.stderr


@pytest.fixture
def sshd(tmp_path):
    """An OpenSSH sshd on a free loopback port with its own keys."""
    d = tmp_path / "ssh"
    d.mkdir()
    for name in ("hostkey", "id"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        d / name], check=True, timeout=30)
    (d / "authorized_keys").write_text((d / "id.pub").read_text())
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    (d / "sshd_config").write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {d}/hostkey
PidFile {d}/sshd.pid
AuthorizedKeysFile {d}/authorized_keys
Subsystem sftp internal-sftp
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
""")
    hostpub = " ".join((d / "hostkey.pub").read_text().split()[:2])
    (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {hostpub}\n")
    (d / "ssh_config").write_text(f"""Host hearthtest
  HostName 127.0.0.1
  Port {port}
  User root
  IdentityFile {d}/id
  IdentitiesOnly yes
  UserKnownHostsFile {d}/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
""")
    os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation folder
    pr = Proc(["/usr/sbin/sshd", "-D", "-e", "-f", str(d / "sshd_config")])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert pr.p.poll() is None, pr.p.stderr.read()
            time.sleep(0.1)
    pr.dir, pr.port = d, port
    yield pr
    pr.stop()


def test_sftp_hearth_and_restic(tmp_path, sshd):
    src = make_source(tmp_path)
    d = sshd.dir
    opts = ("-o", f"sftp.config={d}/ssh_config")
    repo = f"sftp:hearthtest:{tmp_path}/remote/repo"
    hearth(tmp_path, repo, "init", opts=opts)
    hearth(tmp_path, repo, "backup", src, opts=opts)
    r = hearth(tmp_path, repo, "check", "--read-data", opts=opts)
    assert "no errors" in r.stdout
    hearth(tmp_path, repo, "restore", "latest", "--target", tmp_path / "r1", opts=opts)
    same_tree(src, str(tmp_path / "r1") + str(src))
    assert not [p for p in (tmp_path / "remote").rglob("*") if "-tmp-" in p.name]
    # restic reads the same repository through ssh
    ropts = ("-o", f"sftp.command=ssh -F {d}/ssh_config hearthtest -s sftp")
    snaps = restic(tmp_path, repo, "snapshots", "--json", opts=ropts).stdout
    assert str(src) in snaps
    restic(tmp_path, repo, "check", "--read-data", opts=ropts)
    restic(tmp_path, repo, "restore", "latest", "--target", tmp_path / "r2", opts=ropts)
    same_tree(src, str(tmp_path / "r2") + str(src))
    # restic adds a snapshot; hearth reads it over the URL form, with the
    # key and known_hosts as options instead of an ssh config
    restic(tmp_path, repo, "backup", src, opts=ropts)
    hearth(tmp_path, repo, "backup", src, opts=opts)
    hearth(tmp_path, repo, "forget", "--keep-last", "2", "--prune", opts=opts)
    restic(tmp_path, repo, "check", "--read-data", opts=ropts)
    url = f"sftp://root@127.0.0.1:{sshd.port}/{tmp_path}/remote/repo"
    uopts = ("-o", f"sftp.identity={d}/id", "-o", f"sftp.known_hosts={d}/known_hosts",
             "-o", f"sftp.config={d}/empty_config")
    (d / "empty_config").write_text("")
    r = hearth(tmp_path, url, "snapshots", "--json", opts=uopts)
    assert r.stdout.count('"id"') == 2
    # an unknown host key is refused with one clear line
    (d / "other_hosts").write_text("")
    bad = ("-o", f"sftp.identity={d}/id", "-o", f"sftp.known_hosts={d}/other_hosts",
           "-o", f"sftp.config={d}/empty_config")
    r = hearth(tmp_path, url, "snapshots", opts=bad, check=False)
    assert r.returncode == 1 and "known_hosts" in r.stderr, r
    assert len(r.stderr.strip().splitlines()) == 1, r
