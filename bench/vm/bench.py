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

libvirt is its test:///default driver: every process starts from the
driver's stock state, so `apply` always creates, a no-change apply cannot
be measured there (it needs state kept between two processes), and the
test driver stores no volume data (the seed upload is refused on both
sides; each side still builds its ISO). Every run checks the apply's
output: N domains defined and started.

Rounds are interleaved (every N, both sides, the order rotated per round);
medians; ratios hearth/anchor (time: < 1 means hearth is faster). Peak RSS
is GNU time's (the largest process of the command's tree).

Environment: HEARTH (default build/src/hearth), NS ("1 10 50"), ROUNDS
(5), KEEP=1 keeps the temp dir.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
HEARTH = os.environ.get("HEARTH") or str(REPO / "build" / "src" / "hearth")
if not os.path.isabs(HEARTH):
    HEARTH = str(REPO / HEARTH)
NS = [int(x) for x in os.environ.get("NS", "1 10 50").split()]
ROUNDS = int(os.environ.get("ROUNDS", "5"))
URI = "test:///default"
POOL = "default-pool"
IMAGE = "/var/lib/libvirt/images/debian-12.qcow2"  # the base (a path)
TIME = "/usr/bin/time"
DOMAIN = "lab.example"


def timed(argv, cwd=None, timeout=600):
    """(seconds, peak RSS KiB, returncode, output)."""
    fd, path = tempfile.mkstemp(prefix="rss-")
    os.close(fd)
    try:
        t0 = time.perf_counter()
        cp = subprocess.run([TIME, "-q", "-f", "%M", "-o", path] + argv,
                            cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=timeout)
        dt = time.perf_counter() - t0
        text = Path(path).read_text().split()
    finally:
        os.unlink(path)
    rss = int(text[-1]) if text and text[-1].isdigit() else 0
    return dt, rss, cp.returncode, cp.stdout.decode(errors="replace")


def vms(n):
    """name -> (mac, ip) of N VMs on the dmz network."""
    return {"web%d" % i: ("52:54:00:00:%02x:%02x" % (i // 256, i % 256),
                          "192.168.%d.%d" % (30 + (i + 10) // 250,
                                             (i + 10) % 250 + 1))
            for i in range(n)}


def hearth_config(d, n):
    cfg = {"state_dir": str(d / "state"),
           "lab": {"domain": DOMAIN,
                   "networks": {"dmz": {"subnet": "192.168.0.0/16",
                                        "gateway": "192.168.30.1",
                                        "bridge": "dmzbr"}},
                   "vms": {}},
           "vm": {"uri": URI, "pool": POOL}}
    for name, (mac, ip) in vms(n).items():
        cfg["lab"]["vms"][name] = {
            "vcpus": 1, "memory": 512 << 20, "mac": mac, "ip": ip,
            "network": "dmz", "image": IMAGE, "disk_size": 20 << 30,
            "cloud_init": {"packages": ["nginx"]}}
    path = d / "hearth.yaml"
    path.write_text(json.dumps(cfg, indent=1) + "\n")  # JSON is YAML
    return path


DOMAIN_XML = """<domain type='kvm'>
  <name>{name}</name>
  <memory unit='KiB'>524288</memory>
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
  echo "vol-create %(pool)s $name/vol.xml" >> cmds
  echo "vol-create-as %(pool)s $name-cidata.iso $size --format raw" >> cmds
  echo "vol-upload --pool %(pool)s $name-cidata.iso $name/seed.iso" >> cmds
  echo "define $name/domain.xml" >> cmds
  echo "start $name" >> cmds
done < vms.txt
virsh -c %(uri)s < cmds
""" % {"domain": DOMAIN, "pool": POOL, "uri": URI}


def anchor_setup(d, n):
    """The anchor's inputs: CA key (untimed), VM list, XML files."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                    "lab CA", "-f", str(d / "ca")], check=True)
    lines, plan = [], []
    for name, (mac, ip) in vms(n).items():
        lines.append("%s %s %s" % (name, mac, ip))
        (d / name).mkdir()
        (d / name / "domain.xml").write_text(
            DOMAIN_XML.format(name=name, pool=POOL, mac=mac))
        (d / name / "vol.xml").write_text(
            VOL_XML.format(name=name, cap=20 << 30, image=IMAGE))
        plan += ["dominfo %s" % name,
                 "vol-info --pool %s %s.qcow2" % (POOL, name)]
    (d / "vms.txt").write_text("\n".join(lines) + "\n")
    (d / "plan.cmds").write_text("\n".join(plan) + "\n")
    (d / "apply.sh").write_text(ANCHOR_APPLY)


def one_run(side, n, tmp):
    d = Path(tempfile.mkdtemp(prefix="%s-%d-" % (side, n), dir=tmp))
    try:
        res = {}
        if side == "hearth":
            cfg = hearth_config(d, n)
            subprocess.run([HEARTH, "-c", str(cfg), "ssh", "ca", "init"],
                           check=True, capture_output=True)
            dt, kb, rc, out = timed([HEARTH, "-c", str(cfg), "vm", "plan"])
            if rc or "plan: %d to create" % n not in out:
                raise RuntimeError("hearth vm plan: " + out)
            res["plan"], res["plan_rss"] = dt, kb
            dt, kb, rc, out = timed([HEARTH, "-c", str(cfg), "vm", "apply"])
            if rc or out.count("defined domain ") != n or \
                    out.count("started ") != n:
                raise RuntimeError("hearth vm apply: " + out)
            res["apply"], res["apply_rss"] = dt, kb
        else:
            anchor_setup(d, n)
            dt, kb, rc, out = timed(["sh", "-c", "virsh -c %s < plan.cmds"
                                     % URI], cwd=d)
            if out.count("failed to get domain") != n:
                raise RuntimeError("virsh plan: " + out)
            res["plan"], res["plan_rss"] = dt, kb
            dt, kb, rc, out = timed(["sh", str(d / "apply.sh"), str(d)])
            if rc or out.count("defined from") != n or \
                    out.count(".qcow2 created from") != n or \
                    out.count(" started") != n:
                raise RuntimeError("anchor apply: " + out)
            res["apply"], res["apply_rss"] = dt, kb
        return res
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(d, ignore_errors=True)


def main():
    if not os.access(HEARTH, os.X_OK):
        sys.exit("no hearth at %s (build it, or set HEARTH)" % HEARTH)
    for tool in ("virsh", "genisoimage", "ssh-keygen", TIME):
        if not shutil.which(tool):
            sys.exit("%s missing (scripts/install-deps.sh)" % tool)
    sides = ["hearth", "virsh"]
    tmp = tempfile.mkdtemp(prefix="hearth-bench-vm-")
    results, failed = {}, []
    try:
        for r in range(ROUNDS):
            for n in NS:
                for side in sides[r % 2:] + sides[:r % 2]:
                    try:
                        res = one_run(side, n, tmp)
                    except Exception as e:  # reported, the others go on
                        failed.append("%s N=%d: %s" % (side, n, e))
                        print("FAILED", failed[-1][:2000], file=sys.stderr)
                        continue
                    results.setdefault((side, n), []).append(res)
                    print("round %d N=%-3d %-6s plan %.3fs apply %.3fs rss "
                          "%d/%d KiB" % (r + 1, n, side, res["plan"],
                                         res["apply"], res["plan_rss"],
                                         res["apply_rss"]), flush=True)
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)

    def med(side, n, key):
        vals = [x[key] for x in results.get((side, n), [])]
        return statistics.median(vals) if vals else None

    print()
    print("libvirt %s; Terraform + the libvirt provider: not installable "
          "here (no Debian package), not measured" % URI)
    print("no-change apply: not measurable on %s (no state between two "
          "processes)" % URI)
    print("medians of %d interleaved rounds (ms, KiB)" % ROUNDS)
    print("%-4s %-7s %9s %9s %11s %11s" % ("N", "side", "plan", "apply",
                                          "planRSS", "applyRSS"))
    for n in NS:
        for side in sides:
            if (side, n) in results:
                print("%-4d %-7s %9.1f %9.1f %11d %11d"
                      % (n, side, 1000 * med(side, n, "plan"),
                         1000 * med(side, n, "apply"),
                         med(side, n, "plan_rss"), med(side, n, "apply_rss")))
    print()
    print("ratios hearth / virsh steps (time: below 1 = hearth faster)")
    summary = []
    for n in NS:
        if ("hearth", n) in results and ("virsh", n) in results:
            r = {k: med("hearth", n, k) / med("virsh", n, k)
                 for k in ("plan", "apply", "plan_rss", "apply_rss")}
            print("N=%-3d plan %.2f  apply %.2f  planRSS %.2f  applyRSS %.2f"
                  % (n, r["plan"], r["apply"], r["plan_rss"], r["apply_rss"]))
            summary.append("N=%d plan=%.2f apply=%.2f" % (n, r["plan"],
                                                           r["apply"]))
    print("RESULT vm hearth/virsh-steps (%s): %s" % (URI, "; ".join(summary)))
    for f in failed:
        print("FAILED", f[:2000])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
