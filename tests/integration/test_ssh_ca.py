# SPDX-License-Identifier: MIT
"""hearth's SSH certificate authority against OpenSSH itself: every certificate
hearth signs is read by the real `ssh-keygen -L` with the fields asked for; its
KRLs are read by `ssh-keygen -Q`; and a Debian sshd started here on a loopback
port (TrustedUserCAKeys, HostCertificate, RevokedKeys) lets `ssh` in with a
user certificate hearth signed, presents a host certificate hearth signed that
`ssh` accepts through `@cert-authority`, and refuses a wrong principal and a
certificate revoked through hearth's KRL."""
import calendar
import os
import re
import signal
import socket
import stat
import subprocess
import time

import pytest

from helpers import HEARTH, free_port

SSHD = "/usr/sbin/sshd"


def hearth(*args, check=True):
    r = subprocess.run([HEARTH, *map(str, args)], capture_output=True,
                       text=True, timeout=30)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def keygen(path, kind="ed25519"):
    extra = ["-b", "2048"] if kind == "rsa" else []
    subprocess.run(["ssh-keygen", "-q", "-t", kind, *extra, "-N", "",
                    "-C", f"{kind}@test", "-f", str(path)], check=True)
    return path


def listing(cert):
    """ssh-keygen -L's fields: {name: value or [lines]}."""
    out = subprocess.run(["ssh-keygen", "-L", "-f", str(cert)], check=True,
                         capture_output=True, text=True).stdout
    fields, key = {}, None
    for line in out.splitlines()[1:]:
        if line.startswith("                "):
            fields[key].append(line.strip())
            continue
        key, _, value = line.strip().partition(":")
        value = value.strip()
        fields[key] = [] if value == "" else value
    return fields


@pytest.fixture
def ca(tmp_path):
    d = tmp_path / "ca"
    hearth("ssh", "ca", "init", "--dir", d)
    return d


def test_ca_files_are_openssh_keys_with_private_mode(ca):
    st = os.stat(ca / "ca")
    assert stat.S_IMODE(st.st_mode) == 0o600
    # ssh-keygen reads the private key and derives the same public key.
    pub = subprocess.run(["ssh-keygen", "-y", "-f", str(ca / "ca")], check=True,
                         capture_output=True, text=True).stdout.split()[:2]
    assert pub == (ca / "ca.pub").read_text().split()[:2]
    assert pub[0] == "ssh-ed25519"
    # A second init refuses to overwrite the CA.
    r = hearth("ssh", "ca", "init", "--dir", ca, check=False)
    assert r.returncode != 0 and "already exists" in r.stderr


@pytest.mark.parametrize("kind,cert_type", [
    ("ed25519", "ssh-ed25519-cert-v01@openssh.com"),
    ("rsa", "ssh-rsa-cert-v01@openssh.com"),
    ("ecdsa", "ecdsa-sha2-nistp256-cert-v01@openssh.com"),
])
def test_user_certificate_fields_as_ssh_keygen_reads_them(ca, tmp_path, kind,
                                                          cert_type):
    key = keygen(tmp_path / f"id_{kind}", kind)
    hearth("ssh", "sign-user", "--ca", ca, "--principal", "alice,bob",
           "--id", "alice@laptop", "--serial", "42",
           "--validity", "20260101:20270101Z",
           "--force-command", "/usr/bin/uptime",
           "--source-address", "127.0.0.1/32,10.0.0.0/8",
           "--no-port-forwarding", f"{key}.pub")
    cert = tmp_path / f"id_{kind}-cert.pub"
    f = listing(cert)
    assert f["Type"] == f"{cert_type} user certificate"
    assert f["Key ID"] == '"alice@laptop"'
    assert f["Serial"] == "42"
    assert f["Principals"] == ["alice", "bob"]
    assert f["Critical Options"] == ["force-command /usr/bin/uptime",
                                     "source-address 127.0.0.1/32,10.0.0.0/8"]
    assert f["Extensions"] == ["permit-X11-forwarding",
                               "permit-agent-forwarding", "permit-pty",
                               "permit-user-rc"]
    assert f["Signing CA"].startswith("ED25519 SHA256:")
    ca_fp = subprocess.run(["ssh-keygen", "-l", "-f", str(ca / "ca.pub")],
                           check=True, capture_output=True,
                           text=True).stdout.split()[1]
    assert ca_fp in f["Signing CA"]
    # hearth's own reader shows the same fields and checks the signature.
    mine = subprocess.run([HEARTH, "ssh", "show", str(cert)], check=True,
                          capture_output=True, text=True).stdout
    theirs = subprocess.run(["ssh-keygen", "-L", "-f", str(cert)], check=True,
                            capture_output=True, text=True).stdout
    assert mine.splitlines()[1:] == theirs.splitlines()[1:]


def test_defaults_extensions_and_serials(ca, tmp_path):
    user = keygen(tmp_path / "u")
    host = keygen(tmp_path / "h")
    hearth("ssh", "sign-user", "--ca", ca, "--principal", "root",
           f"{user}.pub")
    hearth("ssh", "sign-host", "--ca", ca, "--principal", "web,web.lab.test",
           f"{host}.pub")
    u, h = listing(tmp_path / "u-cert.pub"), listing(tmp_path / "h-cert.pub")
    # ssh-keygen's defaults: user certs carry every permit-*, host none.
    assert u["Extensions"] == ["permit-X11-forwarding",
                               "permit-agent-forwarding",
                               "permit-port-forwarding", "permit-pty",
                               "permit-user-rc"]
    assert u["Critical Options"] == "(none)"
    assert h["Type"].endswith("host certificate")
    assert h["Extensions"] == "(none)" and h["Principals"] == ["web",
                                                              "web.lab.test"]
    assert u["Valid"] == "forever"
    # Serials count up from the CA's serial file.
    assert (u["Serial"], h["Serial"]) == ("1", "2")
    assert u["Key ID"] == '"root"'


def valid_range(cert):
    m = re.match(r"from (\S+) to (\S+)", listing(cert)["Valid"])
    conv = lambda s: calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%S"))
    return conv(m.group(1)), conv(m.group(2))


@pytest.mark.parametrize("spec,length", [("+1h", 3600), ("+52w", 52 * 604800),
                                         ("+1w2d", 9 * 86400)])
def test_relative_validity(ca, tmp_path, spec, length):
    key = keygen(tmp_path / "k")
    now = int(time.time())
    hearth("ssh", "sign-user", "--ca", ca, "--principal", "x", "--validity",
           spec, f"{key}.pub")
    env = dict(os.environ, TZ="UTC")
    out = subprocess.run(["ssh-keygen", "-L", "-f", str(tmp_path / "k-cert.pub")],
                         check=True, capture_output=True, text=True,
                         env=env).stdout
    m = re.search(r"Valid: from (\S+) to (\S+)", out)
    conv = lambda s: calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%S"))
    start, end = conv(m.group(1)), conv(m.group(2))
    # Backdated to the minute as ssh-keygen does; ends spec after now.
    assert now - 120 <= start <= now and start % 60 == 0
    assert now + length - 5 <= end <= now + length + 30


def test_bad_arguments_are_refused_with_reasons(ca, tmp_path):
    key = keygen(tmp_path / "k")
    r = hearth("ssh", "sign-user", "--ca", ca, "--principal", "x",
               "--validity", "tomorrow", f"{key}.pub", check=False)
    assert r.returncode == 2 and "--validity" in r.stderr
    r = hearth("ssh", "sign-user", "--ca", ca, "--principal", "a,,b",
               f"{key}.pub", check=False)
    assert r.returncode == 2 and "--principal" in r.stderr
    (tmp_path / "junk.pub").write_text("ssh-ed25519 AAAAnotbase64!! x\n")
    r = hearth("ssh", "sign-user", "--ca", ca, "--principal", "a",
               tmp_path / "junk.pub", check=False)
    assert r.returncode == 1 and "junk.pub" in r.stderr
    os.chmod(ca / "ca", 0o644)
    r = hearth("ssh", "sign-user", "--ca", ca, "--principal", "a",
               f"{key}.pub", check=False)
    assert r.returncode == 1 and "chmod 600" in r.stderr


def revoked(krl, *files):
    out = subprocess.run(["ssh-keygen", "-Q", "-f", str(krl), *map(str, files)],
                         capture_output=True, text=True).stdout
    return {line.split(" ")[0]: line.endswith("REVOKED")
            for line in out.splitlines()}


def test_krl_by_serial_key_id_and_key(ca, tmp_path):
    keys = {n: keygen(tmp_path / n) for n in ("a", "b", "c", "d", "plain")}
    for n in ("a", "b", "c", "d"):
        hearth("ssh", "sign-user", "--ca", ca, "--principal", n, "--id",
               f"id-{n}", f"{keys[n]}.pub")  # serials 1..4
    krl = tmp_path / "revoked.krl"
    hearth("ssh", "krl", "--ca", ca, "--out", krl, "--serial", "1",
           "--id", "id-c", tmp_path / "plain.pub")
    files = [tmp_path / f"{n}-cert.pub" for n in "abcd"] + [
        tmp_path / "plain.pub"]
    got = revoked(krl, *files)
    assert got == {str(files[0]): True, str(files[1]): False,
                   str(files[2]): True, str(files[3]): False,
                   str(files[4]): True}
    # --update keeps what was revoked and adds a certificate file's serial.
    hearth("ssh", "krl", "--ca", ca, "--out", krl, "--update",
           tmp_path / "b-cert.pub")
    listing_ = subprocess.run(["ssh-keygen", "-Q", "-l", "-f", str(krl)],
                              check=True, capture_output=True,
                              text=True).stdout
    assert "# KRL version 2" in listing_
    # (ssh-keygen prints adjacent serials as one range.)
    assert re.search(r"^serial: 1-2$", listing_, re.M)
    assert re.search(r"^id: id-c$", listing_, re.M)
    assert all(revoked(krl, *files[:3]).values())
    assert revoked(krl, files[3]) == {str(files[3]): False}


def wait_port(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "sshd exited"
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("sshd did not listen")


@pytest.fixture
def sshd(tmp_path, ca):
    """A Debian sshd on a loopback port that trusts the CA for users, shows a
    host certificate hearth signed, and reads hearth's KRL."""
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # its privsep chroot
    d = tmp_path / "sshd"
    d.mkdir()
    host = keygen(d / "host_ed25519")
    hearth("ssh", "sign-host", "--ca", ca, "--principal", "localhost",
           "--validity", "+1h", f"{host}.pub")
    krl = d / "revoked.krl"
    hearth("ssh", "krl", "--ca", ca, "--out", krl)
    port = free_port()
    conf = d / "sshd_config"
    conf.write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {host}
HostCertificate {host}-cert.pub
TrustedUserCAKeys {ca}/ca.pub
RevokedKeys {krl}
AuthorizedKeysFile none
PidFile {d}/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
StrictModes no
LogLevel VERBOSE
""")
    log = open(d / "sshd.log", "w")
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(conf)], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        wait_port(port, proc)
        yield {"port": port, "dir": d, "krl": krl, "log": d / "sshd.log"}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def ssh(sshd, key, known_hosts, command="echo hearth-ok"):
    return subprocess.run(
        ["ssh", "-F", "/dev/null", "-p", str(sshd["port"]), "-i", str(key),
         "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
         "-o", "StrictHostKeyChecking=yes",
         "-o", f"UserKnownHostsFile={known_hosts}",
         "-o", "GlobalKnownHostsFile=/dev/null",
         "-o", "UpdateHostKeys=no", "-o", "ConnectTimeout=10",
         "root@localhost", command],
        capture_output=True, text=True, timeout=60)


def test_sshd_accepts_hearth_certificates_and_honours_its_krl(ca, sshd,
                                                              tmp_path):
    kh = tmp_path / "known_hosts"
    ca_pub = (ca / "ca.pub").read_text().strip()
    kh.write_text(f"@cert-authority [localhost]:{sshd['port']} {ca_pub}\n")

    good = keygen(tmp_path / "good")
    hearth("ssh", "sign-user", "--ca", ca, "--principal", "root",
           "--validity", "+1h", f"{good}.pub")
    r = ssh(sshd, good, kh)
    assert r.returncode == 0, r.stderr + sshd["log"].read_text()
    assert r.stdout.strip() == "hearth-ok"
    # The key itself is in no authorized_keys: only the certificate lets
    # it in; and known_hosts holds no host key: only the host certificate.
    assert "certificate" in sshd["log"].read_text().lower()

    # A known_hosts that trusts another CA refuses the host (strict).
    other = tmp_path / "other"
    hearth("ssh", "ca", "init", "--dir", other)
    kh_other = tmp_path / "known_hosts_other"
    kh_other.write_text(f"@cert-authority [localhost]:{sshd['port']} "
                        f"{(other / 'ca.pub').read_text().strip()}\n")
    r = ssh(sshd, good, kh_other)
    assert r.returncode == 255 and "hearth-ok" not in r.stdout

    # A certificate for another principal is refused.
    wrong = keygen(tmp_path / "wrong")
    hearth("ssh", "sign-user", "--ca", ca, "--principal", "alice",
           f"{wrong}.pub")
    r = ssh(sshd, wrong, kh)
    assert r.returncode == 255 and "Permission denied" in r.stderr

    # force-command from the certificate wins over the client's command.
    forced = keygen(tmp_path / "forced")
    hearth("ssh", "sign-user", "--ca", ca, "--principal", "root",
           "--force-command", "echo forced-by-cert", f"{forced}.pub")
    r = ssh(sshd, forced, kh)
    assert r.returncode == 0 and r.stdout.strip() == "forced-by-cert"

    # Revoked through hearth's KRL: refused, while the others still work.
    hearth("ssh", "krl", "--ca", ca, "--out", sshd["krl"], "--update",
           tmp_path / "good-cert.pub")
    r = ssh(sshd, good, kh)
    assert r.returncode == 255 and "Permission denied" in r.stderr
    assert "revoked" in sshd["log"].read_text().lower()
    r = ssh(sshd, forced, kh)
    assert r.returncode == 0 and r.stdout.strip() == "forced-by-cert"
