#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""vm room benchmark: `hearth vm plan|apply` against the virsh-level steps.

The anchor is the lab's Terraform module over the libvirt provider; neither
Terraform nor the provider is a Debian package, so it cannot run here and
no figure of it is measured. What runs instead is what that module does
under the hood, by hand with Debian's tools, against the same libvirt:
  per VM   ssh-keygen -t ed25519 (host key), ssh-keygen -s CA -h (host
           certificate), the NoCloud files, genisoimage -V cidata -J -R
  then     one virsh session (one connection, like hearth's): for each VM
           vol-create (a qcow2 overlay whose backingStore is the base
           image, as libvirt_volume's base_volume does), vol-create-as +
           vol-upload of the seed, define (domain XML like hearth's
           template), start.
  plan     one virsh session reading what a refresh reads: dominfo and
           vol-info of every VM (Terraform's refresh before its plan).
hearth side: `hearth -c CFG vm plan` and `hearth -c CFG vm apply` with N
VMs in lab.vms (CA made beforehand by `hearth ssh ca init`, untimed; the
anchor's CA key by ssh-keygen, untimed).

Two libvirts, one after the other:
  test:///default  every process starts from the driver's stock state, so
           `apply` always creates and a no-change apply cannot be measured
           (it needs state kept between two processes); the test driver
           stores no volume data (the seed upload is refused on both
           sides; each side still builds its ISO).
  libvirtd a real libvirtd started here privately (its own network and
           mount namespaces, as tests/integration/test_vm_libvirtd.py
           does: tests/integration/libvirt_helpers.py), a directory pool
           with a 64 MiB base qcow2, TCG domains (type qemu) that find
           nothing to boot and idle in the firmware. Volumes are real
           qcow2 overlays, seeds are uploaded, domains are started. Also
           measured: the no-change apply (hearth vm apply again, against
           the anchor's refresh: what a no-change Terraform apply reads)
           and hearth vm plan with every VM present. Every VM is destroyed
           with its volumes after each run (untimed).
Every run checks its outputs: N volumes made, N domains defined and
started; the no-change apply leaves all N.

Rounds are interleaved (every N, both sides, the order rotated per round);
medians; ratios hearth/anchor (time: < 1 means hearth is faster). Peak RSS
is GNU time's (the largest process of the command's tree).

Environment: HEARTH (default build/src/hearth), NS ("1 10 50"), ROUNDS
(5, on test:///default), LV_ROUNDS (3, on libvirtd; 0 leaves libvirtd
out), KEEP=1 keeps the temp dir.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
HEARTH = os.environ.get("HEARTH") or str(REPO / "build" / "src" / "hearth")
if not os.path.isabs(HEARTH):
    HEARTH = str(REPO / HEARTH)
NS = [int(x) for x in os.environ.get("NS", "1 10 50").split()]
ROUNDS = int(os.environ.get("ROUNDS", "5"))
LV_ROUNDS = int(os.environ.get("LV_ROUNDS", "3"))
MEMORY = 128 << 20
DISK = 1 << 30  # each overlay (the test driver's pool holds 100 GiB)

sys.path.insert(0, str(REPO / "tests" / "integration"))
from libvirt_helpers import PrivateLibvirtd  # noqa: E402
sys.path.insert(0, str(REPO / "bench"))
from timing import TIME, timed  # noqa: E402


class Backend:
    """Where both sides apply: URI, pool, the base image as hearth names
    it and as the anchor's backingStore path, the domain type."""

    def __init__(self, name, uri, pool, image, backing, virt_type, stateful):
        self.name, self.uri, self.pool = name, uri, pool
        self.image, self.backing = image, backing
        self.virt_type, self.stateful = virt_type, stateful


TESTDRV = Backend("test:///default", "test:///default", "default-pool",
                  "/var/lib/libvirt/images/debian-12.qcow2",
                  "/var/lib/libvirt/images/debian-12.qcow2", "kvm", False)
DOMAIN = "lab.example"




def vms(n):
    """name -> (mac, ip) of N VMs on the dmz network."""
    return {"web%d" % i: ("52:54:00:00:%02x:%02x" % (i // 256, i % 256),
                          "192.168.%d.%d" % (30 + (i + 10) // 250,
                                             (i + 10) % 250 + 1))
            for i in range(n)}


def hearth_config(d, n, be):
    cfg = {"state_dir": str(d / "state"),
           "lab": {"domain": DOMAIN,
                   "networks": {"dmz": {"subnet": "192.168.0.0/16",
                                        "gateway": "192.168.30.1",
                                        "bridge": "dmzbr"}},
                   "vms": {}},
           "vm": {"uri": be.uri, "pool": be.pool,
                  "virt_type": be.virt_type}}
    for name, (mac, ip) in vms(n).items():
        cfg["lab"]["vms"][name] = {
            "vcpus": 1, "memory": MEMORY, "mac": mac, "ip": ip,
            "network": "dmz", "image": be.image, "disk_size": DISK,
            "cloud_init": {"packages": ["nginx"]}}
    path = d / "hearth.yaml"
    path.write_text(json.dumps(cfg, indent=1) + "\n")  # JSON is YAML
    return path


DOMAIN_XML = """<domain type='{type}'>
  <name>{name}</name>
  <memory unit='KiB'>{kib}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>
  <devices>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source pool='{pool}' volume='{name}.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='volume' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source pool='{pool}' volume='{name}-cidata.iso'/>
      <target dev='sda' bus='sata'/><readonly/>
    </disk>
    <interface type='bridge'>
      <mac address='{mac}'/><source bridge='dmzbr'/><model type='virtio'/>
    </interface>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
  </devices>
</domain>
"""

VOL_XML = """<volume><name>{name}.qcow2</name>
  <capacity unit='bytes'>{cap}</capacity>
  <target><format type='qcow2'/></target>
  <backingStore><path>{image}</path><format type='qcow2'/></backingStore>
</volume>
"""

# The anchor's apply: per VM what the Terraform module's cloud-init and
# certificate steps do, then one virsh session.
ANCHOR_APPLY = r"""set -eu
cd "$1"
pool=$2
uri=$3
: > cmds
while read name mac ip; do
  mkdir -p "$name"
  rm -f "$name/ssh_host_ed25519_key" "$name/ssh_host_ed25519_key.pub"
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$name/ssh_host_ed25519_key"
  ssh-keygen -q -s ca -h -I "$name" -n "$name,$name.%(domain)s,$ip" \
    -V +52w "$name/ssh_host_ed25519_key.pub" 2>/dev/null
  cert=$(cat "$name/ssh_host_ed25519_key-cert.pub")
  ca=$(cat ca.pub)
  mkdir -p "$name/seed"
  printf 'instance-id: %%s\nlocal-hostname: %%s\n' "$name" "$name" \
    > "$name/seed/meta-data"
  cat > "$name/seed/user-data" <<EOF
#cloud-config
hostname: "$name"
fqdn: "$name.%(domain)s"
packages:
  - "nginx"
write_files:
  - path: "/etc/ssh/ssh_host_ed25519_key-cert.pub"
    permissions: "0644"
    content: "$cert\n"
  - path: "/etc/ssh/hearth_user_ca.pub"
    permissions: "0644"
    content: "$ca\n"
  - path: "/etc/ssh/sshd_config.d/hearth.conf"
    content: "HostCertificate /etc/ssh/ssh_host_ed25519_key-cert.pub\nTrustedUserCAKeys /etc/ssh/hearth_user_ca.pub\n"
EOF
  printf 'version: 2\nethernets:\n  eth0:\n    match:\n      macaddress: "%%s"\n    dhcp4: true\n' \
    "$mac" > "$name/seed/network-config"
  genisoimage -quiet -o "$name/seed.iso" -V cidata -J -R "$name/seed"
  size=$(stat -c %%s "$name/seed.iso")
  echo "vol-create $pool $name/vol.xml" >> cmds
  echo "vol-create-as $pool $name-cidata.iso $size --format raw" >> cmds
  echo "vol-upload --pool $pool $name-cidata.iso $name/seed.iso" >> cmds
  echo "define $name/domain.xml" >> cmds
  echo "start $name" >> cmds
done < vms.txt
virsh -c "$uri" < cmds
""" % {"domain": DOMAIN}


def anchor_setup(d, n, be):
    """The anchor's inputs: CA key (untimed), VM list, XML files."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                    "lab CA", "-f", str(d / "ca")], check=True)
    lines, plan = [], []
    for name, (mac, ip) in vms(n).items():
        lines.append("%s %s %s" % (name, mac, ip))
        (d / name).mkdir()
        (d / name / "domain.xml").write_text(
            DOMAIN_XML.format(name=name, pool=be.pool, mac=mac,
                              type=be.virt_type, kib=MEMORY >> 10))
        (d / name / "vol.xml").write_text(
            VOL_XML.format(name=name, cap=DISK, image=be.backing))
        plan += ["dominfo %s" % name,
                 "vol-info --pool %s %s.qcow2" % (be.pool, name)]
    (d / "vms.txt").write_text("\n".join(lines) + "\n")
    (d / "plan.cmds").write_text("\n".join(plan) + "\n")
    (d / "apply.sh").write_text(ANCHOR_APPLY)


def cleanup(be, n):
    """Every VM and its volumes gone (a stateful backend, untimed)."""
    cmds = []
    for name in vms(n):
        cmds += ["destroy %s" % name, "undefine %s" % name,
                 "vol-delete --pool %s %s.qcow2" % (be.pool, name),
                 "vol-delete --pool %s %s-cidata.iso" % (be.pool, name)]
    subprocess.run(["virsh", "-c", be.uri], input="\n".join(cmds) + "\n",
                   text=True, capture_output=True, timeout=300)
    left = subprocess.run(["virsh", "-c", be.uri, "list", "--all", "--name"],
                          capture_output=True, text=True).stdout.split()
    vols = subprocess.run(["virsh", "-c", be.uri, "vol-list", be.pool],
                          capture_output=True, text=True).stdout
    if left or "web" in vols:
        raise RuntimeError("cleanup left %s %s" % (left, vols))


def one_run(side, n, tmp, be):
    """{'plan', 'apply'[, 'again', 'plan_present']: seconds, *_rss: KiB}."""
    d = Path(tempfile.mkdtemp(prefix="%s-%d-" % (side, n), dir=tmp))
    res = {}
    try:
        if side == "hearth":
            cfg = hearth_config(d, n, be)
            subprocess.run([HEARTH, "-c", str(cfg), "ssh", "ca", "init"],
                           check=True, capture_output=True)
            cmd = [HEARTH, "-c", str(cfg), "vm"]
            steps = [("plan", "plan", "plan: %d to create" % n, None),
                     ("apply", "apply", "apply: done", "defined domain ")]
            if be.stateful:
                unchanged = "0 to destroy, %d unchanged" % n
                steps += [("plan_present", "plan", unchanged, None),
                          ("again", "apply", unchanged, None)]
            for key, verb, want, count in steps:
                dt, kb, rc, out = timed(cmd + [verb])
                if rc or want not in out or \
                        (count and (out.count(count) != n or
                                    out.count("started ") != n)):
                    raise RuntimeError("hearth vm %s: %s" % (verb, out))
                res[key], res[key + "_rss"] = dt, kb
        else:
            anchor_setup(d, n, be)
            refresh = ["sh", "-c", 'virsh -c "$0" < plan.cmds', be.uri]
            dt, kb, rc, out = timed(refresh, cwd=d)
            if out.count("failed to get domain") != n:
                raise RuntimeError("virsh plan: " + out)
            res["plan"], res["plan_rss"] = dt, kb
            dt, kb, rc, out = timed(["sh", str(d / "apply.sh"), str(d),
                                     be.pool, be.uri])
            if rc or out.count("defined from") != n or \
                    out.count(".qcow2 created from") != n or \
                    out.count(" started") != n:
                raise RuntimeError("anchor apply: " + out)
            if be.stateful and out.count("error:"):
                raise RuntimeError("anchor apply: " + out)
            res["apply"], res["apply_rss"] = dt, kb
            if be.stateful:
                dt, kb, rc, out = timed(refresh, cwd=d)
                if "error:" in out or out.count("State:") != n:
                    raise RuntimeError("virsh refresh: " + out)
                res["again"], res["again_rss"] = dt, kb
        return res
    finally:
        if be.stateful:
            cleanup(be, n)
        if not os.environ.get("KEEP"):
            shutil.rmtree(d, ignore_errors=True)


SIDES = ["hearth", "virsh"]


def bench(be, rounds, tmp, failed):
    results = {}
    for r in range(rounds):
        for n in NS:
            for side in SIDES[r % 2:] + SIDES[:r % 2]:
                try:
                    res = one_run(side, n, tmp, be)
                except Exception as e:  # reported, the others go on
                    failed.append("%s %s N=%d: %s" % (be.name, side, n, e))
                    print("FAILED", failed[-1][:2000], file=sys.stderr)
                    continue
                results.setdefault((side, n), []).append(res)
                print("%s round %d N=%-3d %-6s %s" % (
                    be.name, r + 1, n, side, "  ".join(
                        "%s %.3fs" % (k, v) for k, v in res.items()
                        if not k.endswith("_rss"))), flush=True)
    return results


def report(be, rounds, results):
    def med(side, n, key):
        vals = [x[key] for x in results.get((side, n), []) if key in x]
        return statistics.median(vals) if vals else None

    keys = ["plan", "apply"] + (["again", "plan_present"] if be.stateful
                                else [])
    print()
    print("== %s: medians of %d interleaved rounds (ms; peak RSS KiB)"
          % (be.name, rounds))
    if not be.stateful:
        print("no-change apply: not measurable here (no state between two "
              "processes)")
    print("%-4s %-7s" % ("N", "side") + "".join("%13s" % k for k in keys) +
          "%11s" % "applyRSS")
    for n in NS:
        for side in SIDES:
            if (side, n) not in results:
                continue
            cells = ""
            for k in keys:
                v = med(side, n, k)
                cells += "%13s" % ("%.1f" % (1000 * v) if v is not None
                                   else "-")
            print("%-4d %-7s%s%11d" % (n, side, cells,
                                       med(side, n, "apply_rss")))
    print("ratios hearth / virsh steps (time: below 1 = hearth faster; "
          "again: hearth's no-change apply vs the anchor's refresh)")
    summary = []
    for n in NS:
        if ("hearth", n) not in results or ("virsh", n) not in results:
            continue
        r = {k: med("hearth", n, k) / med("virsh", n, k)
             for k in keys + ["apply_rss"] if med("virsh", n, k)}
        print("N=%-3d " % n + "  ".join("%s %.2f" % kv for kv in r.items()))
        summary.append("N=%d " % n + " ".join(
            "%s=%.2f" % (k, r[k]) for k in ("plan", "apply", "again")
            if k in r))
    print("RESULT vm hearth/virsh-steps (%s): %s" % (be.name,
                                                     "; ".join(summary)))


def main():
    if not os.access(HEARTH, os.X_OK):
        sys.exit("no hearth at %s (build it, or set HEARTH)" % HEARTH)
    for tool in ("virsh", "genisoimage", "ssh-keygen", "qemu-img", TIME):
        if not shutil.which(tool):
            sys.exit("%s missing (scripts/install-deps.sh)" % tool)
    print("Terraform + the libvirt provider: not installable here (no Debian "
          "package): never measured; the anchor side is the steps its "
          "module performs, by hand")
    tmp = tempfile.mkdtemp(prefix="hearth-bench-vm-")
    failed = []
    try:
        res = bench(TESTDRV, ROUNDS, tmp, failed)
        report(TESTDRV, ROUNDS, res)
        if LV_ROUNDS > 0:
            print()
            top = Path(tmp) / "lv"
            with PrivateLibvirtd(top, "hvb%d" % os.getpid(), "dmzbr") as lv:
                be = Backend("libvirtd", lv.uri, "hp", "hp/base.qcow2",
                             str(lv.pool / "base.qcow2"), "qemu", True)
                res = bench(be, LV_ROUNDS, tmp, failed)
            report(be, LV_ROUNDS, res)
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)
    for f in failed:
        print("FAILED", f[:2000])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
