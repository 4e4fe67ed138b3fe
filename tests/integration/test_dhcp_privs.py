# SPDX-License-Identifier: MIT
"""The dhcp room after hearthd dropped to `user: nobody`: it keeps exactly
CAP_NET_ADMIN (for the ARP entry that lets an OFFER/ACK reach a client
without an address by unicast) and nothing else, and the reply to a
request without the broadcast flag is still unicast to the client's MAC
and the offered address (it used to fall back to broadcast once the
capability was gone). The ping check's raw socket is opened before the
drop: it keeps working without CAP_NET_RAW.

hearthd runs as root in the server namespace; its state and config live
in a world-traversable directory of the test's own (pytest's are 0700)."""
import os
import pwd
import shutil
import tempfile
from pathlib import Path

import pytest

from dhcp_helpers import (ACK, BROADCAST_MAC, IP, OFFER, POOL1, SRV_IP,
                          DhcpLab, _requirements, needs_hearth, random_mac,
                          run, wait_for)

pytestmark = needs_hearth
S1 = SRV_IP["srv0"]
CAP_NET_ADMIN = 12


def proc_status(pid):
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        out[k] = v.split()
    return out


def assert_only_net_admin(pid):
    st = proc_status(pid)
    nobody = pwd.getpwnam("nobody")
    assert [int(x) for x in st["Uid"]] == [nobody.pw_uid] * 4, st["Uid"]
    caps = {k: int(st[k][0], 16) for k in ("CapEff", "CapPrm", "CapInh",
                                           "CapAmb")}
    want = 1 << CAP_NET_ADMIN
    assert caps["CapEff"] == want, f"CapEff {caps['CapEff']:#x}, want {want:#x}"
    assert caps["CapPrm"] == want, f"CapPrm {caps['CapPrm']:#x}"
    assert caps["CapInh"] == 0 and caps["CapAmb"] == 0, caps
    # Nothing else can come back through an exec either.
    assert int(st["CapBnd"][0], 16) == want, st["CapBnd"]


@pytest.fixture
def nobody_lab():
    why = _requirements()
    if why:
        pytest.fail(why, pytrace=False)
    work = Path(tempfile.mkdtemp(prefix="hearth-it-dhcp-nobody-"))
    os.chmod(work, 0o755)
    lab = DhcpLab(work)
    try:
        yield lab
    finally:
        problems = lab.close()
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_unicast_offer_and_ack_as_nobody(nobody_lab):
    lab = nobody_lab
    srv = lab.start(top_extra={"user": "nobody"})
    assert "running as user=nobody" in srv.stderr(), srv.stderr()
    assert_only_net_admin(srv.pid)
    # The interface's own MAC, so the unicast frame is the client's.
    c = lab.client("c1")
    offer = c.discover(flags=0)
    assert offer is not None and offer.type == OFFER, offer
    assert offer.dst_mac == c.mac, \
        f"OFFER to {offer.dst_mac}/{offer.dst_ip}, not unicast to {c.mac}"
    assert offer.dst_ip == offer.yiaddr, offer.dst_ip
    ack = c.request(requested=offer.yiaddr, server_id=S1, flags=0)
    assert ack is not None and ack.type == ACK, ack
    assert (ack.dst_mac, ack.dst_ip) == (c.mac, offer.yiaddr), \
        (ack.dst_mac, ack.dst_ip)
    # With the broadcast flag the reply is broadcast, as before.
    b = lab.client("c1", mac=random_mac()).discover()
    assert b is not None and b.dst_mac == BROADCAST_MAC, b.dst_mac
    assert "cannot add ARP entries" not in srv.stderr(), srv.stderr()
    assert_only_net_admin(srv.pid)


def test_ping_check_as_nobody_needs_no_net_raw(nobody_lab):
    """An address in the pool that answers pings is not offered: the raw
    ICMP socket opened while root still sends and receives as nobody,
    without CAP_NET_RAW."""
    lab = nobody_lab
    busy = "10.30.0.150"
    assert POOL1[0] <= busy <= POOL1[1]
    run([IP, "-n", lab.topo.ns["c1"], "addr", "add", busy + "/24", "dev",
         "eth0"])
    srv = lab.start(top_extra={"user": "nobody"},
                    dhcp_extra={"ping_check": True})
    assert_only_net_admin(srv.pid)
    c = lab.client("c1", mac=random_mac())
    offer = c.discover(requested=busy, timeout=3.0)
    assert offer is not None and offer.type == OFFER, offer
    assert offer.yiaddr != busy, "an address that answers pings was offered"
    wait_for(lambda: (srv.lease(busy) or {}).get("state") == "declined",
             timeout=5, what=f"{busy} quarantined after answering a ping")
    assert_only_net_admin(srv.pid)


def test_systemd_unit_grants_what_hearthd_needs():
    """dist/hearthd.service.in: the bounding set is what startup needs plus
    CAP_NET_ADMIN (kept after the switch), nothing ambient, and capset
    (used for the switch) is let through the syscall filter."""
    unit = Path(__file__).resolve().parents[2] / "dist" / "hearthd.service.in"
    keys = {}
    for line in unit.read_text().splitlines():
        k, sep, v = line.partition("=")
        if sep and not line.startswith("#"):
            keys.setdefault(k.strip(), []).append(v.strip())
    assert set(keys["CapabilityBoundingSet"][0].split()) == {
        "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_NET_ADMIN", "CAP_SETUID",
        "CAP_SETGID", "CAP_CHOWN"}, keys["CapabilityBoundingSet"]
    assert keys["AmbientCapabilities"] == [""], keys["AmbientCapabilities"]
    allowed = keys["SystemCallFilter"][-1].split()
    assert "capset" in allowed and "setresuid" in allowed, allowed
