# SPDX-License-Identifier: MIT
"""The vm room from the CLI: `hearth vm plan|apply|list` against libvirt's
test:///default driver (its state lives in one process, so each command
starts from the driver's stock domain "test"); the cidata seed ISO read by
`isoinfo` (ISO 9660, Joliet, Rock Ridge) with the hostname, the host
certificate signed by the lab CA and TrustedUserCAKeys; and a lab.vms entry
deriving what a lab host does: a DHCP reservation that a real udhcpc gets,
A and PTR records in hearthd's DNS, and a watch ping monitor."""
import base64
import json
import os
import re
import subprocess

from dhcp_helpers import dhcp_lab  # noqa: F401
from helpers import HEARTH, HEARTHD

DOMAIN = "lab.example"


def vm_config(tmp_path, vms, **top):
    cfg = {
        "state_dir": str(tmp_path / "state"),
        "lab": {"domain": DOMAIN,
                "networks": {"dmz": {"vlan": 30, "subnet": "192.168.30.0/24",
                                     "gateway": "192.168.30.1"}},
                "vms": vms},
        "vm": {"uri": "test:///default", "pool": "default-pool"},
    }
    cfg.update(top)
    path = tmp_path / "hearth.yaml"
    path.write_text(json.dumps(cfg, indent=1) + "\n")  # JSON is YAML
    return path


WEB = {"vcpus": 2, "memory": 1 << 30, "mac": "52:54:00:00:30:10",
       "ip": "192.168.30.10", "network": "dmz",
       "image": "/var/lib/libvirt/images/debian-12.qcow2",
       "disk_size": 20 << 30, "disks": {"data": {"size": 10 << 30}},
       "cloud_init": {"packages": ["nginx", "curl"],
                      "ssh_keys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOFZ"
                                   "zMKM0FMa8Czfp32kUfwviYXpi2K2iXgPcDVmEWQ7 me"]}}


def hearth(cfg, *args, check=True):
    r = subprocess.run([HEARTH, "-c", str(cfg), *map(str, args)],
                       capture_output=True, text=True, timeout=60)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def test_plan_apply_list_on_the_test_driver(tmp_path):
    cfg = vm_config(tmp_path, {"web": WEB, "db": {
        "image": "default-pool/base.qcow2", "network": "dmz",
        "disk_size": 8 << 30, "autostart": False}})
    out = hearth(cfg, "vm", "plan").stdout
    assert "+ create web\n" in out and "+ create db\n" in out
    assert "2 vcpus, 1024 MiB, image /var/lib/libvirt/images/debian-12.qcow2" \
        in out
    assert "plan: 2 to create, 0 to update, 0 to replace, 0 to destroy" in out
    # No CA yet: plan says apply will need one; apply refuses without it.
    r = hearth(cfg, "vm", "apply", check=False)
    assert r.returncode != 0 and "no CA" in r.stderr
    hearth(cfg, "ssh", "ca", "init")
    r = hearth(cfg, "vm", "apply", check=False)
    # db's base image is not a volume of the test driver's pool: refused
    # with the reason, after web was made.
    assert "created volume default-pool/web.qcow2 (20480 MiB, overlay on " \
           "/var/lib/libvirt/images/debian-12.qcow2)" in r.stdout
    assert "created volume default-pool/web-data.qcow2" in r.stdout
    assert "defined domain web" in r.stdout and "started web" in r.stdout
    assert r.returncode == 1 and "no volume default-pool/base.qcow2" in r.stderr
    # The host key and certificate it made for web stay in the state dir.
    key = tmp_path / "state" / "vm" / "web" / "ssh_host_ed25519_key"
    assert oct(os.stat(key).st_mode & 0o777) == "0o600"
    out = hearth(cfg, "vm", "list").stdout
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["NAME", "DOMAIN", "HYPERVISOR", "STATE", "IP", "MAC",
                       "PLAN"]
    # A fresh process sees the driver's stock state again.
    assert ["web", "web", "test:///default", "absent", "192.168.30.10",
            "52:54:00:00:30:10", "create"] in rows


def test_conflict_with_a_domain_hearth_did_not_define(tmp_path):
    cfg = vm_config(tmp_path, {"test": dict(WEB, ip="192.168.30.11",
                                            mac="52:54:00:00:30:11")})
    hearth(cfg, "ssh", "ca", "init")
    out = hearth(cfg, "vm", "plan").stdout
    assert "! conflict test\n" in out
    assert "a domain test exists that hearth did not define" in out
    r = hearth(cfg, "vm", "apply", check=False)
    assert r.returncode == 1 and "nothing applied" in r.stderr


def isoinfo(*args):
    return subprocess.run(["isoinfo", *args], check=True, capture_output=True,
                          text=True).stdout


def test_seed_iso_read_by_isoinfo(tmp_path):
    cfg = vm_config(tmp_path, {"web": WEB})
    hearth(cfg, "ssh", "ca", "init")
    iso = tmp_path / "seed.iso"
    out = hearth(cfg, "vm", "seed", "web", iso).stdout
    instance = re.search(r"instance-id (\S+)\)", out).group(1)
    d = isoinfo("-d", "-i", str(iso))
    assert "Volume id: cidata" in d
    assert "Joliet with UCS level 3 found" in d
    assert "Rock Ridge signatures version 1 found" in d
    for tree in ("-J", "-R"):
        names = isoinfo(tree, "-f", "-i", str(iso)).split()
        assert sorted(names) == ["/meta-data", "/network-config", "/user-data"]
    meta = isoinfo("-J", "-x", "/meta-data", "-i", str(iso))
    assert meta == f"instance-id: {instance}\nlocal-hostname: web\n"
    user = isoinfo("-R", "-x", "/user-data", "-i", str(iso))
    assert user.startswith("#cloud-config\n")
    assert 'hostname: "web"\n' in user and f'fqdn: "web.{DOMAIN}"\n' in user
    assert '  - "nginx"\n  - "curl"\n' in user
    ca_pub = (tmp_path / "state" / "ssh-ca" / "ca.pub").read_text().strip()
    assert f'content: "{ca_pub}\\n"' in user
    assert "TrustedUserCAKeys /etc/ssh/hearth_user_ca.pub" in user
    net = isoinfo("-R", "-x", "/network-config", "-i", str(iso))
    assert 'macaddress: "52:54:00:00:30:10"' in net and "dhcp4: true" in net

    # The host certificate in the seed: ssh-keygen reads it; it is for
    # the VM's names and address, signed by the lab CA.
    cert = re.search(r'/etc/ssh/ssh_host_ed25519_key-cert.pub"\n'
                     r'    permissions: "0644"\n    content: "([^"\\]+)\\n"',
                     user).group(1)
    (tmp_path / "host-cert.pub").write_text(cert + "\n")
    listing = subprocess.run(["ssh-keygen", "-L", "-f",
                              str(tmp_path / "host-cert.pub")], check=True,
                             capture_output=True, text=True).stdout
    assert "host certificate" in listing
    principals = listing.split("Principals:")[1].split("Critical")[0].split()
    assert principals == ["web", f"web.{DOMAIN}", "192.168.30.10"]
    ca_fp = subprocess.run(["ssh-keygen", "-lf", str(tmp_path / "state" /
                                                     "ssh-ca" / "ca.pub")],
                           check=True, capture_output=True,
                           text=True).stdout.split()[1]
    assert ca_fp in listing
    # Its private key matches the certified key.
    m = re.search(r'ed25519_private: "([^"]+)"', user).group(1)
    (tmp_path / "hk").write_text(m.replace("\\n", "\n"))
    os.chmod(tmp_path / "hk", 0o600)
    pub = subprocess.run(["ssh-keygen", "-y", "-f", str(tmp_path / "hk")],
                         check=True, capture_output=True, text=True).stdout
    blob = base64.b64decode(cert.split()[1])
    assert base64.b64decode(pub.split()[1])[-32:] in blob

    # The same config gives the same instance (the seed is stable).
    out2 = hearth(cfg, "vm", "seed", "web", tmp_path / "again.iso").stdout
    assert instance in out2

    # cloud_init.user_data: a multipart of hearth's part and the file, and
    # a new instance.
    extra = tmp_path / "extra.cfg"
    extra.write_text("#cloud-config\nruncmd:\n  - [touch, /run/hearth-extra]\n")
    cfg = vm_config(tmp_path, {"web": dict(WEB, cloud_init=dict(
        WEB["cloud_init"], user_data=str(extra)))})
    out3 = hearth(cfg, "vm", "seed", "web", tmp_path / "multi.iso").stdout
    assert instance not in out3
    user = isoinfo("-R", "-x", "/user-data", "-i", str(tmp_path / "multi.iso"))
    assert user.startswith("Content-Type: multipart/mixed; boundary=")
    assert 'filename="hearth.cfg"\n\n#cloud-config\nhostname: "web"' in user
    assert ('filename="user-data.cfg"\n\n#cloud-config\nruncmd:\n'
            '  - [touch, /run/hearth-extra]\n') in user


def test_vm_is_a_lab_host_for_dhcp_dns_and_watch(dhcp_lab):  # noqa: F811
    """A lab.vms entry with mac + ip: udhcpc on that MAC gets the reserved
    address from hearthd's dhcp room, the name resolves (A and PTR) in its
    DNS, and watch.from_lab makes a ping monitor for it."""
    lab = {"domain": "lab.example",
           "networks": {"dmz": {"subnet": "10.30.0.0/24"}},
           "vms": {"web": {"mac": "52:54:00:00:30:42", "ip": "10.30.0.42",
                           "network": "dmz",
                           "image": "/var/lib/libvirt/images/base.qcow2"}}}
    dhcp_lab.start(lab=lab, top_extra={"watch": {"from_lab": True,
                                                 "lab_interval": 60}})
    dhcp_lab.topo.set_mac("c1", "52:54:00:00:30:42")
    ev = dhcp_lab.udhcpc("c1").obtain()
    assert ev["ip"] == "10.30.0.42"
    assert dhcp_lab.resolves("web", "10.30.0.42")
    ptr = subprocess.run(["ip", "netns", "exec", dhcp_lab.srv_ns, "dig",
                          "+short", "-p", "5300", "@127.0.0.1", "-x",
                          "10.30.0.42"], capture_output=True, text=True,
                         timeout=20).stdout.split()
    assert ptr == ["web.lab.example."]
    r = dhcp_lab.server.api("GET", "/api/v1/watch/monitors", timeout=10)
    assert r.status_code == 200, r.text
    ms = {m["name"]: m for m in r.json()}
    assert ms["web"]["type"] == "ping" and ms["web"]["source"] == "lab"
    assert ms["web"]["hostname"] == "10.30.0.42"


def test_check_refuses_a_missing_user_data_file(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("lab:\n"
                   "  networks: {dmz: {subnet: 10.0.0.0/24}}\n"
                   "  vms:\n"
                   "    web:\n"
                   "      image: /x.qcow2\n"
                   "      network: dmz\n"
                   "      cloud_init:\n"
                   f"        user_data: {tmp_path}/missing.cfg\n"
                   "vm: {}\n")
    r = subprocess.run([HEARTHD, "-c", str(cfg), "--check"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert r.stderr.startswith(f"{cfg}:8:20: vm 'web': cannot read user_data "
                               f"{tmp_path}/missing.cfg"), r.stderr
    (tmp_path / "missing.cfg").write_text("#cloud-config\n")
    r = subprocess.run([HEARTHD, "-c", str(cfg), "--check"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout.startswith("ok"), r.stderr
