# SPDX-License-Identifier: MIT
"""A private libvirtd for tests and benchmarks, started by the caller.

    with PrivateLibvirtd(tmp / "lv", ns="hvm123", bridge="brvm0",
                         bridge_addr="10.77.0.1/24") as lv:
        lv.uri    # qemu:///system?socket=... (libvirtd's own socket)
        lv.pool   # directory of pool "hp", holding base.qcow2 (64 MiB)

It runs inside a network namespace it creates (holding @bridge) and a mount
namespace where /etc/libvirt, /run/libvirt, /var/lib/libvirt,
/var/cache/libvirt and /var/log/libvirt are the caller's directories;
qemu.conf runs QEMU as root (TCG domains: type qemu). lv.procs lists
processes to stop at exit (the caller may add its own, stopped first).
libvirtd keeps its PID file in the directory too (not /run/libvirtd.pid),
so two of them (two tests, a test and a benchmark) can run at once. On
exit every process is stopped by PID, QEMU processes whose command line
names the directory are killed, and the namespace is deleted.
"""
import os
import signal
import subprocess
import time
from pathlib import Path


def run(*argv, check=True, timeout=60):
    r = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                       timeout=timeout)
    if check and r.returncode:
        raise AssertionError(f"{argv}: {r.stdout}{r.stderr}")
    return r


def stop(proc, timeout=20):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def pids_with(*markers):
    """PIDs of processes whose command line holds every one of @markers."""
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if all(m in cmd for m in markers):
            pids.append(int(d.name))
    return pids


def qemu_pids(marker):
    """PIDs of QEMU processes whose command line names @marker (our dir)."""
    return pids_with("qemu-system", marker)


class PrivateLibvirtd:
    def __init__(self, top, ns, bridge, bridge_addr=None):
        self.top = Path(top)
        self.ns, self.bridge, self.bridge_addr = ns, bridge, bridge_addr
        self.dirs = {name: self.top / name for name in
                     ("etc", "run", "lib", "cache", "log", "sock", "pool")}
        self.pool = self.dirs["pool"]
        self.log = self.top / "libvirtd.log"
        self.uri = f"qemu:///system?socket={self.dirs['sock']}/libvirt-sock"
        self.procs = []
        self.made_ns = False

    def _write_config(self):
        d = self.dirs
        for p in d.values():
            p.mkdir(parents=True, exist_ok=True)
        (d["etc"] / "libvirtd.conf").write_text(f"""
unix_sock_dir = "{d['sock']}"
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:stderr"
""")
        (d["etc"] / "qemu.conf").write_text("""
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
stdio_handler = "file"
""")
        start = self.top / "start.sh"
        start.write_text(f"""set -e
mount --make-rprivate /
mkdir -p /run/libvirt
mount --bind {d['etc']} /etc/libvirt
mount --bind {d['run']} /run/libvirt
mount --bind {d['lib']} /var/lib/libvirt
mount --bind {d['cache']} /var/cache/libvirt
mount --bind {d['log']} /var/log/libvirt
exec /usr/sbin/libvirtd -f /etc/libvirt/libvirtd.conf -p {self.top}/libvirtd.pid
""")
        return start

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self):
        start = self._write_config()
        run("ip", "netns", "add", self.ns)
        self.made_ns = True
        run("ip", "-n", self.ns, "link", "set", "lo", "up")
        run("ip", "-n", self.ns, "link", "add", self.bridge, "type", "bridge")
        run("ip", "-n", self.ns, "link", "set", self.bridge, "type", "bridge",
            "stp_state", "0")
        if self.bridge_addr:
            run("ip", "-n", self.ns, "addr", "add", self.bridge_addr, "dev",
                self.bridge)
        run("ip", "-n", self.ns, "link", "set", self.bridge, "up")
        log = open(self.log, "w")
        # ip netns exec, unshare and sh exec in turn: the PID is libvirtd's.
        try:
            p = subprocess.Popen(["ip", "netns", "exec", self.ns, "unshare",
                                  "-m", "sh", str(start)], stdout=log,
                                 stderr=subprocess.STDOUT)
        finally:
            log.close()
        self.procs.append(p)
        sock = self.dirs["sock"] / "libvirt-sock"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if p.poll() is not None:
                raise AssertionError(self.log.read_text())
            if sock.exists() and run("virsh", "-c", self.uri, "version",
                                     check=False).returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("libvirtd did not answer: " +
                                 self.log.read_text())
        # A directory pool with a base image (virsh: set-up only).
        run("virsh", "-c", self.uri, "pool-define-as", "hp", "dir",
            "--target", self.pool)
        run("virsh", "-c", self.uri, "pool-start", "hp")
        run("qemu-img", "create", "-q", "-f", "qcow2",
            self.pool / "base.qcow2", "64M")
        run("virsh", "-c", self.uri, "pool-refresh", "hp")

    def close(self):
        for p in reversed(self.procs):
            stop(p)
        self.procs = []
        for pid in qemu_pids(str(self.top)):  # none unless a caller failed
            os.kill(pid, signal.SIGKILL)
        if self.made_ns:
            subprocess.run(["ip", "netns", "del", self.ns],
                           capture_output=True)
            self.made_ns = False

    def __exit__(self, *exc):
        self.close()
