# SPDX-License-Identifier: MIT
"""tests/integration/guest.py itself: a guest boots Debian's kernel with a
busybox initramfs, loads a module, runs the script with the files it was
given, gets a lease with udhcpc through the hook the helper installs (from
QEMU's own DHCP server, restrict=on: nothing leaves QEMU), and reports its
output and exit status; the qemu process is gone afterwards."""
import os

import guest


def test_guest_runs_script_and_udhcpc(tmp_path):
    k = guest.kernel()
    data = tmp_path / "hello.txt"
    data.write_text("hello from the host\n")
    initrd = guest.build_initramfs(
        tmp_path / "initrd.gz", k, files={"/etc/hello.txt": data},
        modules=["e1000"], udhcpc=True,
        script="cat /etc/hello.txt\n"
               "grep -c e1000 /proc/modules\n"
               "ip link set eth0 up; sleep 1\n"
               "timeout 120 udhcpc -f -q -n -t 20 -T 3 -i eth0 >/dev/null 2>&1\n"
               "ip addr show dev eth0 | grep -o 'inet [0-9./]*'\n"
               "exit 7\n")
    with guest.Guest(k, initrd, tmp_path / "console.log",
                     nics=guest.restricted_user_nic()) as g:
        out, rc = g.wait(timeout=300)
        pid = g.proc.pid
    assert rc == 7, out
    lines = out.splitlines()
    assert lines[0] == "hello from the host", out
    assert lines[1] == "1", out
    assert "inet 10.0.2.15/24" in lines, out
    # Stopped by PID when the with ended.
    assert not os.path.exists("/proc/%d" % pid) or \
        open("/proc/%d/stat" % pid).read().split()[2] == "Z"
