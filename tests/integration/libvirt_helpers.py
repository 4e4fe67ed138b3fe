# SPDX-License-Identifier: MIT
"""A private libvirtd for tests (no fixtures here): started inside a network
namespace the caller names and a mount namespace where /etc/libvirt,
/run/libvirt, /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt are
the test's own directories, its socket in the test's directory, qemu.conf
running QEMU as root (domains use type='qemu', TCG: /dev/kvm cannot boot
guests here). Everything is stopped by PID when the `with` ends, also on
failure; QEMU processes left by a failed test (found by their command line
naming the test's directory) are killed; the namespace is deleted.

    with libvirt_helpers.private_libvirtd(tmp / "lv", "hbk123") as lv:
        run("virsh", "-c", lv["uri"], "list")
"""
import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path


def run(*argv, check=True, timeout=60):
    r = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                       timeout=timeout)
    if check:
        assert r.returncode == 0, f"{argv}: {r.stdout}{r.stderr}"
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


@contextlib.contextmanager
def private_libvirtd(t, ns, setup_ns=None):
    """Yields {"uri", "dir", "procs", "log"}; @setup_ns() runs once the
    namespace @ns exists, before libvirtd starts (bridges, addresses).
    Processes appended to "procs" are stopped too, newest first."""
    t = Path(t)
    dirs = {name: t / name for name in ("etc", "run", "lib", "cache", "log",
                                        "sock")}
    for d in dirs.values():
        d.mkdir(parents=True)
    (dirs["etc"] / "libvirtd.conf").write_text(f"""
unix_sock_dir = "{dirs['sock']}"
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:stderr"
""")
    (dirs["etc"] / "qemu.conf").write_text("""
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
stdio_handler = "file"
""")
    start = t / "start.sh"
    start.write_text(f"""set -e
mount --make-rprivate /
mkdir -p /run/libvirt
mount --bind {dirs['etc']} /etc/libvirt
mount --bind {dirs['run']} /run/libvirt
mount --bind {dirs['lib']} /var/lib/libvirt
mount --bind {dirs['cache']} /var/cache/libvirt
mount --bind {dirs['log']} /var/log/libvirt
exec /usr/sbin/libvirtd -f /etc/libvirt/libvirtd.conf
""")
    run("ip", "netns", "add", ns)
    procs = []
    try:
        run("ip", "-n", ns, "link", "set", "lo", "up")
        if setup_ns:
            setup_ns()
        log = open(t / "libvirtd.log", "w")
        # ip netns exec, unshare and sh exec in turn: the PID is libvirtd's.
        p = subprocess.Popen(["ip", "netns", "exec", ns, "unshare", "-m",
                              "sh", str(start)], stdout=log,
                             stderr=subprocess.STDOUT)
        procs.append(p)
        sock = dirs["sock"] / "libvirt-sock"
        uri = f"qemu:///system?socket={sock}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert p.poll() is None, (t / "libvirtd.log").read_text()
            if sock.exists() and run("virsh", "-c", uri, "version",
                                     check=False).returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("libvirtd did not answer: " +
                                 (t / "libvirtd.log").read_text())
        yield {"uri": uri, "dir": t, "procs": procs,
               "log": t / "libvirtd.log"}
    finally:
        for p in reversed(procs):
            stop(p)
        for pid in qemu_pids(str(t)):  # none unless the test failed midway
            os.kill(pid, signal.SIGKILL)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
