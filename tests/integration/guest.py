# SPDX-License-Identifier: MIT
"""QEMU TCG guests for tests: Debian's kernel (linux-image-amd64) and a
busybox initramfs carrying the binaries a test names (with the shared
libraries ldd lists for them), the kernel modules it asks for (with their
dependencies from modules.dep) and an /init script.

    kernel = guest.kernel()                     # newest /boot/vmlinuz-*
    initrd = guest.build_initramfs(tmp / "initrd.gz", kernel,
                                   binaries=[HEARTH, "/usr/sbin/ip"],
                                   files={"/lab.yaml": cfg_path},
                                   modules=["8021q", "bridge", "e1000"],
                                   script="hearth -c /lab.yaml net apply")
    with guest.Guest(kernel, initrd, tmp / "console.log",
                     nics=guest.isolated_nic()) as g:
        out = g.wait(timeout=300)               # the script's output

The script runs under /bin/sh after the modules are loaded; its output
goes to the serial console between two markers, and the guest powers off
when it ends. busybox sh prefers its own applets: call the binaries given
by their path (/usr/local/bin/NAME). For a guest libvirt starts, point its
<serial type='file'> at a log and read it with parse_result(text);
udhcpc=True installs a lease hook (`udhcpc -f -q -n -i eth0`). Guests have no network but what the test gives them
(isolated_nic: a NIC on an empty QEMU hub). Everything a guest starts is
stopped by PID when the `with` ends, also on failure.
"""

import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

BEGIN = "=====HEARTH-GUEST-BEGIN====="
END = "=====HEARTH-GUEST-END rc="
BUSYBOX = "/bin/busybox"


class Kernel:
    """A kernel image and the release whose modules go with it."""

    def __init__(self, image, release):
        self.image = image
        self.release = release
        self.modules = Path("/lib/modules") / release


def kernel():
    """The newest /boot/vmlinuz-* that has a modules dir."""
    found = []
    for image in glob.glob("/boot/vmlinuz-*"):
        release = os.path.basename(image)[len("vmlinuz-"):]
        if (Path("/lib/modules") / release / "modules.dep").exists():
            found.append((release, image))
    if not found:
        raise RuntimeError("no /boot/vmlinuz-* with /lib/modules/RELEASE "
                           "(install linux-image-amd64)")
    release, image = sorted(found)[-1]
    return Kernel(image, release)


def shared_libs(binary):
    """Absolute paths of the libraries ldd lists for @binary (and the
    dynamic loader); [] for a static binary."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True)
    libs = []
    for line in out.stdout.splitlines():
        m = re.search(r"=>\s+(/\S+)", line) or re.match(r"\s*(/\S+)", line)
        if m:
            libs.append(m.group(1))
    return libs


def module_paths(k, names):
    """The .ko files of @names and what they depend on, in load order."""
    deps = {}
    by_name = {}
    for line in (k.modules / "modules.dep").read_text().splitlines():
        path, _, rest = line.partition(":")
        deps[path] = rest.split()
        base = os.path.basename(path)
        by_name[re.sub(r"\.ko(\..*)?$", "", base).replace("-", "_")] = path
    order = []

    def visit(path):
        if path in order:
            return
        for d in deps.get(path, []):
            visit(d)
        order.append(path)

    for n in names:
        key = n.replace("-", "_")
        if key not in by_name:
            # Built into the kernel: nothing to load.
            builtin = (k.modules / "modules.builtin").read_text()
            if re.search(r"/%s\.ko$" % re.escape(n), builtin, re.M):
                continue
            raise RuntimeError("module %s not in %s" % (n, k.modules))
        visit(by_name[key])
    return order


def _copy(src, root, dst=None):
    dst = Path(root) / (dst or src).lstrip("/")
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(os.path.realpath(src), dst)
    return dst


INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /run /tmp /dev/pts
mount -t tmpfs tmp /tmp
for m in $(cat /modules.order); do insmod "$m" || echo "insmod $m failed"; done
ip link set lo up
echo "%(begin)s"
/bin/sh /script.sh > /tmp/out 2>&1
rc=$?
cat /tmp/out
echo "%(end)s$rc"
poweroff -f
"""


def build_initramfs(out, k, binaries=(), files=None, modules=(), script="",
                    init=None, udhcpc=False):
    """Writes a gzip'd newc cpio to @out and returns its path.

    @binaries: executables copied to /usr/local/bin (first in PATH, before
    busybox's applets) under their own name, with the
    libraries ldd lists for them at their own paths. @files: {guest path:
    host path}. @modules: kernel module names (dependencies added). @script:
    the shell script the guest runs (its output is what Guest.wait returns).
    @init replaces the whole /init (then BEGIN/END markers are the caller's
    business). @udhcpc: install UDHCPC_SCRIPT, so `udhcpc -f -q -n -i eth0`
    configures the lease (and prints "lease IP HOSTNAME")."""
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="hearth-initrd-") as root:
        for d in ("bin", "sbin", "proc", "sys", "dev", "etc", "tmp", "run",
                  "usr/bin", "usr/sbin"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        if shared_libs(BUSYBOX):
            raise RuntimeError("%s is not static (install busybox-static)"
                               % BUSYBOX)
        _copy(BUSYBOX, root, "/bin/busybox")
        for b in binaries:
            _copy(b, root, "/usr/local/bin/" + os.path.basename(b))
            for lib in shared_libs(b):
                _copy(lib, root)
        for dst, src in (files or {}).items():
            _copy(str(src), root, dst)
        order = []
        for rel in module_paths(k, modules):
            _copy(str(k.modules / rel), root, "/lib/modules/" + rel)
            order.append("/lib/modules/" + rel)
        Path(root, "modules.order").write_text("\n".join(order) + "\n")
        for path in UDHCPC_SCRIPT_PATHS if udhcpc else ():
            hook = Path(root, path.lstrip("/"))
            hook.parent.mkdir(parents=True, exist_ok=True)
            hook.write_text(UDHCPC_SCRIPT)
            hook.chmod(0o755)
        Path(root, "script.sh").write_text(script + "\n")
        Path(root, "etc/passwd").write_text("root:x:0:0:root:/:/bin/sh\n")
        Path(root, "etc/group").write_text("root:x:0:\n")
        initp = Path(root, "init")
        initp.write_text(init or INIT % {"begin": BEGIN, "end": END})
        initp.chmod(0o755)
        names = subprocess.run(["find", "."], cwd=root, check=True,
                               capture_output=True).stdout
        with open(out, "wb") as f:
            cpio = subprocess.Popen(["cpio", "-o", "-H", "newc", "--quiet"],
                                    cwd=root, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE)
            gz = subprocess.Popen(["gzip", "-1"], stdin=cpio.stdout,
                                  stdout=f)
            cpio.stdout.close()
            cpio.communicate(names)
            gz.wait()
            if cpio.returncode or gz.returncode:
                raise RuntimeError("cpio/gzip failed")
    return out


def restricted_user_nic(model="e1000", mac="52:54:00:12:34:57"):
    """A NIC on QEMU's user network with restrict=on: its built-in DHCP
    server answers (10.0.2.15), nothing leaves QEMU."""
    return ["-netdev", "user,id=u0,restrict=on",
            "-device", "%s,netdev=u0,mac=%s" % (model, mac)]


def isolated_nic(model="e1000", mac="52:54:00:12:34:56", hub=0):
    """A NIC on an empty QEMU hub: eth0 in the guest, no traffic out."""
    return ["-netdev", "hubport,id=n%d,hubid=%d" % (hub, hub),
            "-device", "%s,netdev=n%d,mac=%s" % (model, hub, mac)]


# busybox udhcpc's hook: configures the lease it got (udhcpc=True puts it
# at both places udhcpc builds look: upstream's and Debian's default).
UDHCPC_SCRIPT_PATHS = ("/usr/share/udhcpc/default.script",
                       "/etc/udhcpc/default.script")
UDHCPC_SCRIPT = """#!/bin/sh
case "$1" in
deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
bound|renew)
  ip addr flush dev "$interface"
  ip addr add "$ip/${mask:-24}" dev "$interface"
  [ -n "$router" ] && ip route replace default via "${router%% *}"
  echo "lease $ip $hostname" ;;
esac
exit 0
"""


def parse_result(text):
    """(output, status) of the script from a console log holding the
    BEGIN/END markers, or None while it has not finished. For guests not
    started by Guest (libvirt's <serial type='file'>)."""
    if BEGIN not in text or END not in text:
        return None
    body = text.split(BEGIN, 1)[1]
    out, _, rest = body.partition(END)
    m = re.match(r"(\d+)", rest)
    if not m:
        return None
    return out.replace("\r\n", "\n").strip("\n"), int(m.group(1))


class Guest:
    """A running qemu-system-x86_64 -accel tcg; stopped by PID on exit."""

    def __init__(self, k, initrd, console, nics=(), memory="512M",
                 append="", extra=()):
        self.console = Path(console)
        self.console.write_text("")
        cmd = ["qemu-system-x86_64", "-accel", "tcg", "-m", memory,
               "-smp", "1", "-nographic", "-no-reboot", "-nodefaults",
               "-kernel", k.image, "-initrd", str(initrd),
               "-append", "console=ttyS0 panic=-1 quiet loglevel=3 " + append,
               "-serial", "file:%s" % self.console,
               "-monitor", "none"]
        cmd += list(nics) or ["-nic", "none"]
        cmd += list(extra)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def text(self):
        return self.console.read_text(errors="replace")

    def wait(self, timeout=300):
        """The script's output and exit status, once the guest printed
        them (bounded by @timeout seconds)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            t = self.text()
            got = parse_result(t)
            if got:
                return got
            if self.proc.poll() is not None and END not in t:
                break
            time.sleep(0.5)
        raise AssertionError("guest gave no result within %ss; console:\n%s"
                             "\nqemu stderr: %s"
                             % (timeout, self.text()[-4000:], self.stderr()))

    def stderr(self):
        if self.proc.poll() is None:
            return "(running)"
        return self.proc.stderr.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self.proc.stderr:
            self.proc.stderr.close()
