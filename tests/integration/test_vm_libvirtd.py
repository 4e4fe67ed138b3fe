# SPDX-License-Identifier: MIT
"""The seed's whole "new VM" flow against a real libvirtd, in one test.

The test starts libvirtd itself, privately: inside a network namespace it
creates (holding the test bridge, hearthd's DHCP and DNS) and a mount
namespace where /etc/libvirt, /run/libvirt, /var/lib/libvirt,
/var/cache/libvirt and /var/log/libvirt are the test's own directories;
its sockets are in the test's directory, qemu.conf runs QEMU as root with
TCG (the domain type is qemu: /dev/kvm cannot boot guests here). A
directory pool holds a base qcow2 image.

`hearth vm apply` then creates the VM from lab.vms: an overlay volume on
the base image, the cidata seed uploaded into the pool, the domain from
hearth's template with Debian's kernel and a busybox initramfs (direct
kernel boot), started. The guest mounts the seed's CD-ROM and prints the
hostname meta-data gives it, runs udhcpc on its NIC (the VM's fixed MAC on
the test bridge) and gets its reserved address from hearthd's dhcp room,
and resolves its own name through hearthd's DNS; `hearth vm console`
shows all of it. `vm plan` is then empty, `vm destroy` removes the domain
and its volumes. Everything started is stopped by PID; the namespace goes.
"""
import json
import os
import subprocess
import sys
import time

import pytest

import guest
import libvirt_helpers
from libvirt_helpers import run, stop
from helpers import HEARTH, HEARTHD, sanitizer_report

NS = f"hvm{os.getpid()}"
BRIDGE = "brvm0"
MAC = "52:54:00:77:00:50"
VM_IP = "10.77.0.50"

UDHCPC_SCRIPT = """#!/bin/sh
case "$1" in
bound|renew)
	ifconfig "$interface" "$ip" netmask "$subnet" up
	echo "lease-ip=$ip"
	echo "lease-domain=$domain"
	;;
esac
"""

GUEST_SCRIPT = r"""
for i in $(seq 1 100); do [ -e /dev/sr0 ] && break; sleep 0.2; done
mkdir -p /seed
mount -t iso9660 -o ro /dev/sr0 /seed &&
	echo "seed-hostname=$(sed -n 's/^local-hostname: //p' /seed/meta-data)"
grep -q 'TrustedUserCAKeys' /seed/user-data && echo "seed-has-ca=yes"
ip link set eth0 up
udhcpc -i eth0 -n -q -t 20 -T 2 -s /udhcpc.sh
nslookup web.lab.example 10.77.0.1
"""


@pytest.fixture
def private_libvirtd(tmp_path):
    t = tmp_path / "lv"

    def bridge():
        run("ip", "-n", NS, "link", "add", BRIDGE, "type", "bridge")
        run("ip", "-n", NS, "link", "set", BRIDGE, "type", "bridge",
            "stp_state", "0")
        run("ip", "-n", NS, "addr", "add", "10.77.0.1/24", "dev", BRIDGE)
        run("ip", "-n", NS, "link", "set", BRIDGE, "up")

    with libvirt_helpers.private_libvirtd(t, NS, setup_ns=bridge) as lv:
        # A directory pool with a base image (virsh: test set-up only;
        # hearth itself speaks libvirt's C API).
        pool = t / "pool"
        pool.mkdir()
        run("virsh", "-c", lv["uri"], "pool-define-as", "hp", "dir",
            "--target", pool)
        run("virsh", "-c", lv["uri"], "pool-start", "hp")
        run("qemu-img", "create", "-q", "-f", "qcow2", pool / "base.qcow2",
            "64M")
        run("virsh", "-c", lv["uri"], "pool-refresh", "hp")
        lv["pool"] = pool
        yield lv


def test_new_vm_boots_gets_its_lease_and_name(private_libvirtd, tmp_path):
    lv = private_libvirtd
    k = guest.kernel()
    udhcpc = tmp_path / "udhcpc.sh"
    udhcpc.write_text(UDHCPC_SCRIPT)
    udhcpc.chmod(0o755)
    initrd = guest.build_initramfs(
        tmp_path / "initrd.gz", k, files={"/udhcpc.sh": udhcpc},
        modules=["virtio_net", "virtio_pci", "ahci", "sr_mod", "isofs"],
        script=GUEST_SCRIPT)
    state = tmp_path / "state"
    cfg = {
        "state_dir": str(state),
        "http": {"listen": "127.0.0.1:18099", "api_key": "k"},
        "lab": {
            "domain": "lab.example",
            "networks": {"lab": {"subnet": "10.77.0.0/24",
                                 "gateway": "10.77.0.1", "bridge": BRIDGE}},
            "vms": {"web": {
                "mac": MAC, "ip": VM_IP, "network": "lab",
                "image": "hp/base.qcow2", "memory": 256 << 20,
                "kernel": k.image, "initrd": str(initrd),
                "cmdline": "console=ttyS0 panic=-1 quiet loglevel=3",
                "autostart": False}},
        },
        "dns": {"listen": ["10.77.0.1:53", "127.0.0.1:5300"], "upstream": []},
        "dhcp": {"interfaces": [BRIDGE], "subnets": [{
            "subnet": "10.77.0.0/24", "ranges": ["10.77.0.100-10.77.0.150"],
            "router": "10.77.0.1", "dns": ["10.77.0.1"],
            "domain": "lab.example"}]},
        "vm": {"uri": lv["uri"], "pool": "hp", "virt_type": "qemu"},
    }
    conf = tmp_path / "hearth.yaml"
    conf.write_text(json.dumps(cfg, indent=1) + "\n")  # JSON is YAML

    def hearth(*args, check=True, timeout=120):
        return run(HEARTH, "-c", conf, *args, check=check, timeout=timeout)

    hearth("ssh", "ca", "init")
    herr = open(tmp_path / "hearthd.log", "w")
    hd = subprocess.Popen(["ip", "netns", "exec", NS, HEARTHD, "-c",
                           str(conf)], stdout=herr, stderr=subprocess.STDOUT)
    lv["procs"].append(hd)
    deadline = time.monotonic() + 30
    while "started" not in (tmp_path / "hearthd.log").read_text():
        assert hd.poll() is None, (tmp_path / "hearthd.log").read_text()
        assert time.monotonic() < deadline, "hearthd did not start"
        time.sleep(0.1)

    out = hearth("vm", "apply").stdout
    assert "+ create web" in out
    assert "created volume hp/web.qcow2 (64 MiB, overlay on " in out
    assert "uploaded seed hp/web-cidata.iso" in out
    assert "started web" in out
    assert (lv["pool"] / "web.qcow2").exists()
    info = run("qemu-img", "info", "--output=json", "-U",
               lv["pool"] / "web.qcow2").stdout
    assert json.loads(info)["backing-filename"].endswith("base.qcow2")

    # The guest's serial console, until it powers off.
    console = hearth("vm", "console", "web", timeout=400).stdout
    text = console.split(guest.BEGIN, 1)[-1]
    assert "seed-hostname=web" in text, console
    assert "seed-has-ca=yes" in text, console
    assert f"lease-ip={VM_IP}" in text, console
    assert "lease-domain=lab.example" in text, console
    assert f"Name:\tweb.lab.example\nAddress: {VM_IP}" in text, console
    assert f"{guest.END}0" in text, console
    log = (tmp_path / "hearthd.log").read_text()
    assert f"ack ip={VM_IP} mac={MAC} host=web" in log, log

    # Applied: nothing left to do; the domain is hearth's.
    out = hearth("vm", "plan").stdout
    assert "plan: 0 to create, 0 to update, 0 to replace, 0 to destroy, " \
           "1 unchanged" in out, out
    # Changed by hand: plan shows the drift; apply puts it back.
    run("virsh", "-c", lv["uri"], "setvcpus", "web", "2", "--config",
        "--maximum")
    run("virsh", "-c", lv["uri"], "setvcpus", "web", "2", "--config")
    out = hearth("vm", "plan").stdout
    assert "~ update web\n" in out, out
    assert "drift: vcpus is 2 on the hypervisor; hearth applied 1" in out
    assert "vcpus: 2 -> 1" in out
    hearth("vm", "apply")
    assert "1 unchanged" in hearth("vm", "plan").stdout

    def state():
        rows = [r.split() for r in hearth("vm", "list").stdout.splitlines()]
        return [r for r in rows if r[0] == "web"][0][3:5]

    assert hearth("vm", "start", "web").stdout == "started web\n"
    assert state() == ["running", VM_IP]
    assert hearth("vm", "stop", "web", "--force").stdout == \
        "powered off web\n"
    assert state() == ["shut", "off"]
    out = hearth("vm", "destroy", "web").stdout
    assert "undefined domain web" in out
    assert not (lv["pool"] / "web.qcow2").exists()
    assert not (lv["pool"] / "web-cidata.iso").exists()
    assert "web" not in run("virsh", "-c", lv["uri"], "list", "--all",
                            "--name").stdout.split()

    stop(hd)
    herr.close()
    assert hd.returncode == 0, log
    assert not sanitizer_report((tmp_path / "hearthd.log").read_text())
