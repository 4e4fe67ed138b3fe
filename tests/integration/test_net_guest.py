# SPDX-License-Identifier: MIT
"""The net room's VLAN sub-interfaces, for real, inside a QEMU TCG guest.

This machine's kernel has no 802.1Q, so the test boots Debian's
linux-image-amd64 kernel (which has 8021q as a module) with a busybox
initramfs (tests/integration/guest.py) carrying the hearth binary, iproute2's
ip and the 8021q/bridge/e1000 modules. In the guest, `hearth net apply`
makes the seed's ifupdown stanzas (eth0.30 as the port of dmzbr, STP off, no
address, IPv6 off), a second apply changes nothing, and `ip -d link` shows
what the kernel has. The guest's only NIC sits on an empty QEMU hub.
"""
import re

import guest
from helpers import HEARTH

LAB = """\
state_dir: /tmp/state
lab:
  domain: lab.example
  networks:
    dmz:
      vlan: 30
      subnet: 192.168.30.0/24
      gateway: 192.168.30.1
      bridge: dmzbr
      trunk: eth0
      host_address: none
    hyp:
      vlan: 40
      subnet: 192.168.40.0/24
      gateway: 192.168.40.1
  hosts:
    atlas:
      ip: 192.168.40.11
      network: hyp
      interfaces:
        - network: dmz
"""

# busybox sh prefers its own applets: the real ip by its path.
SCRIPT = """\
hearth -c /lab.yaml net plan --host atlas; echo "plan-rc=$?"
hearth -c /lab.yaml net apply --host atlas; echo "apply-rc=$?"
hearth -c /lab.yaml net apply --host atlas; echo "again-rc=$?"
echo "----ip"
/usr/local/bin/ip -d link show
echo "----addr"
/usr/local/bin/ip addr show dev dmzbr
/usr/local/bin/ip addr show dev eth0.30
echo "----sysctl"
for l in dmzbr eth0.30; do
  echo "$l $(cat /proc/sys/net/ipv6/conf/$l/disable_ipv6) $(cat /proc/sys/net/ipv6/conf/$l/accept_ra)"
done
echo "----gain"
hearth -c /lab-untagged.yaml net apply --host atlas; echo "untagged-rc=$?"
/usr/local/bin/ip -o link show dev eth1
echo "eth1-ipv6 $(cat /proc/sys/net/ipv6/conf/eth1/disable_ipv6) $(cat /proc/sys/net/ipv6/conf/eth1/accept_ra)"
echo "----tagged"
hearth -c /lab-tagged.yaml net apply --host atlas; echo "tagged-rc=$?"
echo "eth1-released $(cat /proc/sys/net/ipv6/conf/eth1/disable_ipv6) $(cat /proc/sys/net/ipv6/conf/eth1/accept_ra) default $(cat /proc/sys/net/ipv6/conf/default/disable_ipv6) $(cat /proc/sys/net/ipv6/conf/default/accept_ra)"
echo "----tagged-ip"
/usr/local/bin/ip -d link show
echo "----tagged2"
hearth -c /lab-tagged.yaml net apply --host atlas; echo "tagged2-rc=$?"
echo "----untag"
hearth -c /lab-untagged.yaml net apply --host atlas; echo "untag-rc=$?"
/usr/local/bin/ip -o link show
"""

# Then a network that was untagged (eth1 itself the port of lanbr, with
# IPv6 off as lan has no host address) gets VLAN 50: eth1 is released (its
# IPv6 sysctls back to the defaults) and eth1.50 takes its place in lanbr; and back:
# eth1.50 goes before eth1 joins lanbr again (never both ports at once).
LAN = """\
    lan:
      subnet: 192.168.50.0/24
      bridge: lanbr
      trunk: eth1
      host_address: none
%s"""


def lab_with_lan(vlan):
    text = LAB.replace("  hosts:\n", LAN % ("      vlan: 50\n" if vlan else "")
                       + "  hosts:\n")
    return text + "        - network: lan\n"


def link_block(ip_d_link, name):
    """The lines of `ip -d link` about link @name."""
    m = re.search(r"^\d+: %s[@:].*?(?=^\d+: |\Z)" % re.escape(name),
                  ip_d_link, re.M | re.S)
    assert m, "no %s in:\n%s" % (name, ip_d_link)
    return m.group(0)


def test_vlan_bridge_in_guest(tmp_path):
    k = guest.kernel()
    cfg = tmp_path / "lab.yaml"
    cfg.write_text(LAB)
    untagged, tagged = tmp_path / "untagged.yaml", tmp_path / "tagged.yaml"
    untagged.write_text(lab_with_lan(False))
    tagged.write_text(lab_with_lan(True))
    initrd = guest.build_initramfs(
        tmp_path / "initrd.gz", k, binaries=[HEARTH, "/usr/sbin/ip"],
        files={"/lab.yaml": cfg, "/lab-untagged.yaml": untagged,
               "/lab-tagged.yaml": tagged},
        modules=["e1000", "8021q", "bridge"], script=SCRIPT)
    nics = guest.isolated_nic() + guest.isolated_nic(
        mac="52:54:00:12:34:58", hub=1)
    with guest.Guest(k, initrd, tmp_path / "console.log", nics=nics) as g:
        out, rc = g.wait(timeout=400)
    assert rc == 0, out
    plan, _, rest = out.partition("apply-rc=")
    assert "plan-rc=0" in plan, out
    assert re.search(r"^create\s+dmzbr\s+\(dmz\)\s+bridge, STP off, IPv6 off",
                     plan, re.M), plan
    assert re.search(r"^create\s+eth0\.30\s+\(dmz\)\s+VLAN 30 on eth0",
                     plan, re.M), plan
    assert rest.startswith("0"), out
    # Applied twice: the second finds nothing to change.
    again = out.split("apply-rc=0", 1)[1].split("again-rc=", 1)
    assert "0 to change" in again[0] and "nothing to change" in again[0], out
    assert again[1].startswith("0"), out

    ipd = out.split("----ip", 1)[1].split("----addr", 1)[0]
    vlan = link_block(ipd, "eth0.30")
    assert re.search(r"eth0\.30@eth0", vlan), vlan
    assert re.search(r"vlan protocol 802\.1Q id 30", vlan), vlan
    assert "master dmzbr" in vlan, vlan
    assert "alias hearth:dmz" in vlan, vlan
    assert "bridge_slave" in vlan, vlan
    br = link_block(ipd, "dmzbr")
    assert re.search(r"\bbridge\b.*\bstp_state 0\b", br, re.S), br
    assert "alias hearth:dmz" in br, br
    assert "state UP" in br or ",UP" in br, br
    # No address on either link; IPv6 off, no RA accepted.
    addrs = out.split("----addr", 1)[1].split("----sysctl", 1)[0]
    assert "inet " not in addrs and "inet6" not in addrs, addrs
    sysctl = out.split("----sysctl", 1)[1]
    assert "dmzbr 1 0" in sysctl and "eth0.30 1 0" in sysctl, sysctl

    # The VLAN gained: eth1 was lanbr's port, is released, eth1.50 is.
    gain = out.split("----gain", 1)[1].split("----tagged", 1)[0]
    assert "untagged-rc=0" in gain, out
    assert re.search(r"eth1:.*master lanbr", gain), gain
    # lan has host_address none: eth1, its untagged port, has IPv6 off.
    assert "eth1-ipv6 1 0" in gain, gain
    tagged_out = out.split("----tagged\n", 1)[1].split("----tagged-ip", 1)[0]
    assert "tagged-rc=0" in tagged_out, tagged_out
    # Released, its IPv6 is a new link's again.
    rel = re.search(r"eth1-released (\d+) (\d+) default (\d+) (\d+)", tagged_out)
    assert rel and rel.group(1, 2) == rel.group(3, 4), tagged_out
    assert re.search(r"^change\s+eth1\s+\(lan\)\s+master none \(was lanbr\)",
                     tagged_out, re.M), tagged_out
    assert tagged_out.index("ip link set eth1 nomaster") < \
        tagged_out.index("name eth1.50 type vlan id 50"), tagged_out
    ipd = out.split("----tagged-ip", 1)[1].split("----tagged2", 1)[0]
    assert "master" not in link_block(ipd, "eth1").splitlines()[0], ipd
    v50 = link_block(ipd, "eth1.50")
    assert "vlan protocol 802.1Q id 50" in v50 and "master lanbr" in v50, v50
    last = out.split("----tagged2", 1)[1].split("----untag", 1)[0]
    assert "nothing to change" in last and "tagged2-rc=0" in last, last
    untag = out.split("----untag", 1)[1]
    assert "untag-rc=0" in untag, untag
    assert untag.index("ip link del eth1.50") < \
        untag.index("ip link set eth1 master lanbr"), untag
    assert re.search(r"^\d+: eth1:.*master lanbr", untag, re.M), untag
    assert "eth1.50" not in untag.split("untag-rc=0", 1)[1], untag
