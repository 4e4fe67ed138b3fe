#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""hearth vs restic 0.14 over the remote backends, on the same data, one run.

REST: both against one `hearth backup serve` (separate repositories below
it). SFTP: both against one OpenSSH sshd this script starts on a loopback
port (own host key, authorized_keys, known_hosts, internal-sftp; root).
Steps: first backup, check --read-data, restore. Prints MB/s of the
source size, wall seconds, CPU seconds and peak RSS of the client.
Environment: HEARTH (the CLI; default build/src/hearth), MB (source size,
default 256), WORK (a scratch folder, default a new one in /tmp).
Run as root: python3 bench/backup/remote.py
"""
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HEARTH = os.environ.get("HEARTH", "build/src/hearth")
MB = int(os.environ.get("MB", "256"))
PW = "bench password"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def make_data(src):
    """Random bytes (60 %), repetitive logs (30 %), many small files (10 %)."""
    os.makedirs(src / "small")
    with open(src / "rand.bin", "wb") as f:
        for _ in range(MB * 6 // 10):
            f.write(os.urandom(1 << 20))
    r = random.Random(1)
    with open(src / "logs.txt", "w") as f:
        n = 0
        while n < MB * 3 // 10 << 20:
            line = (f"2026-12-02T04:{r.randrange(60):02d} host{r.randrange(9)} "
                    f"svc[{r.randrange(9999)}]: request {n} took {r.randrange(500)} ms\n")
            f.write(line)
            n += len(line)
    left = MB // 10 << 20
    i = 0
    while left > 0:
        size = min(left, r.randrange(1, 64 << 10))
        (src / "small" / f"f{i}").write_bytes(os.urandom(size))
        left -= size
        i += 1


def run(argv, env):
    subprocess.run(["sync"], check=True)
    t = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    err = p.stderr.read().decode()
    p.stderr.close()
    subprocess.run(["sync"], check=True)
    wall = time.monotonic() - t
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"failed: {' '.join(argv)}\n{err}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss // 1024


def main():
    work = tempfile.mkdtemp(prefix="hearth-bench-remote-", dir=os.environ.get("WORK"))
    from pathlib import Path
    w = Path(work)
    procs = []
    try:
        src = w / "src"
        make_data(src)
        size = sum(f.stat().st_size for f in src.rglob("*") if f.is_file())
        (w / "pw").write_text(PW + "\n")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("RESTIC_", "HEARTH_BACKUP_"))}
        env.update(RESTIC_PASSWORD=PW, RESTIC_CACHE_DIR=str(w / "cache"))
        # the servers
        serve = subprocess.Popen([HEARTH, "backup", "serve", "--listen", "127.0.0.1:0",
                                  "--path", str(w / "served"), "--no-auth"],
                                 stdout=subprocess.PIPE, text=True, env=env)
        procs.append(serve)
        url = serve.stdout.readline().split(" on ")[1].split()[0]
        d = w / "ssh"
        d.mkdir()
        for name in ("hostkey", "id"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", d / name],
                           check=True)
        shutil.copy(d / "id.pub", d / "authorized_keys")
        port = free_port()
        (d / "sshd_config").write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/hostkey\n"
            f"PidFile {d}/sshd.pid\nAuthorizedKeysFile {d}/authorized_keys\n"
            "Subsystem sftp internal-sftp\nUsePAM no\nStrictModes no\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\n")
        hostpub = " ".join((d / "hostkey.pub").read_text().split()[:2])
        (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {hostpub}\n")
        (d / "ssh_config").write_text(
            f"Host bench\n HostName 127.0.0.1\n Port {port}\n User root\n"
            f" IdentityFile {d}/id\n IdentitiesOnly yes\n"
            f" UserKnownHostsFile {d}/known_hosts\n StrictHostKeyChecking yes\n"
            " BatchMode yes\n")
        os.makedirs("/run/sshd", exist_ok=True)
        sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(d / "sshd_config")],
                                stderr=subprocess.DEVNULL)
        procs.append(sshd)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        hopt = ["-o", f"sftp.config={d}/ssh_config"]
        ropt = ["-o", f"sftp.command=ssh -F {d}/ssh_config bench -s sftp"]
        tools = {
            "hearth": lambda repo, o, *a: [HEARTH, "backup", "-r", repo, "--password-file",
                                           str(w / "pw"), *o, *a],
            "restic": lambda repo, o, *a: ["restic", "-r", repo, *o, *a],
        }
        print(f"source {size / 1e6:.0f} MB; hearth {HEARTH}; restic 0.14; "
              f"nproc {os.cpu_count()}; load {os.getloadavg()[0]:.1f}")
        print(f"{'backend':7} {'tool':7} {'step':10} {'MB/s':>7} {'wall s':>7} "
              f"{'cpu s':>6} {'RSS MiB':>8}")
        for backend in ("rest", "sftp"):
            for tool, cmd in tools.items():
                if backend == "rest":
                    repo, o = f"rest:{url}{tool}/", []
                else:
                    repo, o = f"sftp:bench:{w}/sftp-{tool}", hopt if tool == "hearth" else ropt
                run(cmd(repo, o, "init"), env)
                steps = [("backup", cmd(repo, o, "backup", str(src))),
                         ("check-data", cmd(repo, o, "check", "--read-data")),
                         ("restore", cmd(repo, o, "restore", "latest", "--target",
                                         str(w / f"r-{backend}-{tool}")))]
                for step, argv in steps:
                    wall, cpu, rss = run(argv, env)
                    print(f"{backend:7} {tool:7} {step:10} {size / 1e6 / wall:7.1f} "
                          f"{wall:7.2f} {cpu:6.2f} {rss:8d}", flush=True)
                shutil.rmtree(w / f"r-{backend}-{tool}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
