# SPDX-License-Identifier: MIT
"""DHCPv4 protocol checks (RFC 2131/2132) with the raw client of
dhcp_helpers.py: OFFER fields, REQUEST in SELECTING, INIT-REBOOT and
RENEWING states, NAK, DECLINE, INFORM, RELEASE, the parameter request
list's order, option 57, reservations, relayed requests and pool
exhaustion."""
import ipaddress

import pytest

from dhcp_helpers import (ACK, DISCOVER, DOMAIN, LEASE_TIME, NAK, OFFER, POOL1, POOL2,
                          POOL3, RESERVED_IP, RESERVED_MAC, SRV_IP, SRV_MAC,
                          build_packet, decode_routes, decode_search, default_subnets,
                          dhcp_lab, dhcp_server, in_range,  # noqa: F401
                          not_like_dnsmasq, random_mac, wait_for)

S1 = SRV_IP["srv0"]

# The options that carry configuration (what the PRL order applies to).
PARAMS = {1, 3, 6, 15, 26, 28, 42, 119, 121}


def fresh(lab, role="c1"):
    return lab.client(role, mac=random_mac())


def test_offer_fields(dhcp_server):
    lab = dhcp_server
    c = fresh(lab)
    offer = c.discover()
    assert offer is not None, "no OFFER on the first lab network"
    assert offer.type == OFFER
    assert offer.op == 2 and offer.htype == 1 and offer.hlen == 6
    assert offer.cookie_ok
    assert offer.mac == c.mac
    assert offer.ciaddr == "0.0.0.0" and offer.giaddr == "0.0.0.0"
    assert in_range(offer.yiaddr, POOL1), offer
    assert offer.ip(54) == S1, "server identifier"
    assert offer.ip(1) == "255.255.255.0", "subnet mask"
    assert offer.ips(3) == ["10.30.0.1"], "router"
    assert offer.ips(6) == ["10.30.0.1"], "dns"
    assert offer.text(15) == DOMAIN, "domain"
    assert offer.u32(51) == LEASE_TIME, "lease time"
    assert offer.u32(58) == LEASE_TIME // 2, "T1"
    assert offer.u32(59) in (262, 263), "T2 = 7/8 of the lease"
    assert offer.ips(42) == ["10.30.0.1"], "ntp"
    assert offer.u16(26) == 1500, "mtu"
    assert decode_search(offer.options.get(119, b"")) == [DOMAIN]
    assert decode_routes(offer.options.get(121, b"")) == [
        ("10.99.0.0/16", "10.30.0.1")]
    # Broadcast flag set: the OFFER is broadcast.
    assert offer.dst_mac == "ff:ff:ff:ff:ff:ff"
    assert offer.src_port == 67


def test_selecting_request_gets_ack(dhcp_server):
    lab = dhcp_server
    c = fresh(lab)
    offer, ack = c.dora()
    assert ack.yiaddr == offer.yiaddr
    assert ack.ip(54) == S1
    assert ack.u32(51) == LEASE_TIME
    assert ack.ip(1) == "255.255.255.0"
    assert ack.ips(3) == ["10.30.0.1"]
    # Discovering again (lease held): the same address is offered.
    again = c.discover()
    assert again is not None and again.yiaddr == ack.yiaddr


def test_offer_without_broadcast_flag(dhcp_server):
    """Without the broadcast flag the server may unicast to chaddr/yiaddr
    (RFC 2131 4.1) or broadcast; either way the client gets it."""
    lab = dhcp_server
    c = fresh(lab)
    offer = c.discover(flags=0)
    assert offer is not None and offer.type == OFFER
    assert offer.dst_mac in (c.mac, "ff:ff:ff:ff:ff:ff")
    assert offer.dst_ip in (offer.yiaddr, "255.255.255.255")


def test_requested_address_is_offered_when_free(dhcp_server):
    lab = dhcp_server
    c = fresh(lab)
    offer = c.discover(requested="10.30.0.150")
    assert offer is not None and offer.yiaddr == "10.30.0.150"
    # Outside the pool (and not reserved): something from the pool.
    offer = fresh(lab).discover(requested="10.30.0.20")
    assert offer is not None and in_range(offer.yiaddr, POOL1)


@not_like_dnsmasq("dnsmasq --dhcp-authoritative NAKs 'wrong server-ID'")
def test_request_for_other_server_is_ignored(dhcp_server):
    """A REQUEST naming another server's identifier means the client chose
    that server: no ACK (and no NAK) from us."""
    lab = dhcp_server
    c = fresh(lab)
    offer = c.discover()
    r = c.request(requested=offer.yiaddr, server_id="10.30.0.254",
                  expect=False, timeout=1.5)
    assert r is None, r
    # The offer is not bound: the client can still take it from us.
    ack = c.request(requested=offer.yiaddr, server_id=S1)
    assert ack is not None and ack.type == ACK


def test_init_reboot_and_renewing(dhcp_server):
    lab = dhcp_server
    c = lab.client("c1")        # the interface's own MAC: unicast works
    _, ack = c.dora()
    ip = ack.yiaddr
    # INIT-REBOOT: requested address, no server identifier, broadcast.
    r = c.request(requested=ip)
    assert r is not None and r.type == ACK and r.yiaddr == ip, r
    # RENEWING: ciaddr, unicast to the server, no 50/54.
    with lab.udp_client("c1", ip) as u:
        for _ in range(2):
            r = u.renew(S1)
            assert r is not None, "no reply to a RENEWING request"
            assert r.type == ACK and r.yiaddr == ip, r
            assert r.u32(51) == LEASE_TIME
            assert r.src_ip == S1


def test_init_reboot_wrong_network_gets_nak(dhcp_server):
    lab = dhcp_server
    c = fresh(lab)
    c.dora()
    r = c.request(requested="10.40.0.120")   # the second network's address
    assert r is not None, "no NAK for an address from another network"
    assert r.type == NAK, r
    assert r.yiaddr == "0.0.0.0"
    assert r.ip(54) == S1
    assert 51 not in r.options


def test_init_reboot_for_anothers_address_gets_nak(dhcp_server):
    lab = dhcp_server
    a, b = fresh(lab), fresh(lab)
    _, ack_a = a.dora()
    _, ack_b = b.dora()
    r = b.request(requested=ack_a.yiaddr)
    assert r is not None and r.type == NAK, r
    # A keeps its address.
    r = a.request(requested=ack_a.yiaddr)
    assert r is not None and r.type == ACK and r.yiaddr == ack_a.yiaddr


def test_decline_quarantines_address(dhcp_server):
    lab = dhcp_server
    c = fresh(lab)
    _, ack = c.dora()
    bad = ack.yiaddr
    c.decline(bad, S1)
    again = c.discover()
    assert again is not None and again.type == OFFER
    assert again.yiaddr != bad, "the declined address was offered again"
    for _ in range(3):
        o = fresh(lab).discover()
        assert o is not None and o.yiaddr != bad


def test_inform_gets_options_without_address(dhcp_server):
    lab = dhcp_server
    static = "10.30.0.250"   # configured by hand, outside the pool
    with lab.udp_client("c1", static) as u:
        r = u.inform(S1)
    assert r is not None, "no reply to DHCPINFORM"
    assert r.type == ACK
    assert r.yiaddr == "0.0.0.0"
    assert 51 not in r.options and 58 not in r.options, \
        "no lease times in the reply to INFORM (RFC 2131 4.3.5)"
    assert r.ips(3) == ["10.30.0.1"]
    assert r.ips(6) == ["10.30.0.1"]
    assert r.text(15) == DOMAIN
    assert r.ip(54) == S1
    if lab.server.kind == "hearth":
        assert lab.server.lease(static) is None, "INFORM must not create a lease"


@not_like_dnsmasq("dnsmasq sends options in its own order")
@pytest.mark.parametrize("prl", [
    [6, 3, 1, 15, 42, 26, 119, 121, 28],
    [121, 119, 28, 26, 42, 15, 1, 3, 6],
    [15, 1, 121, 6, 42, 3, 119, 26],
])
def test_parameter_request_list_order(dhcp_server, prl):
    lab = dhcp_server
    offer = fresh(lab).discover(prl=prl + [51, 54, 58, 59])
    assert offer is not None
    got = [code for code in offer.order if code in PARAMS and code in prl]
    want = [code for code in prl if code in offer.options]
    assert {1, 3, 6, 15} <= set(got), f"requested options missing: {offer!r}"
    assert got == want, f"order {got}, asked {prl}"


def test_max_message_size_respected(dhcp_server):
    """Option 57 = 576 (the minimum) and a PRL asking for everything: the
    reply fits in 576 bytes of IP datagram."""
    lab = dhcp_server
    c = fresh(lab)
    offer = c.discover(prl=list(range(1, 255)),
                       extra=[(57, (576).to_bytes(2, "big"))])
    assert offer is not None and offer.type == OFFER
    assert len(offer.raw) <= 576 - 28, len(offer.raw)
    assert offer.ip(54) == S1 and offer.ip(1) == "255.255.255.0"


def test_reserved_mac_and_reserved_address(dhcp_server):
    lab = dhcp_server
    r = lab.client("c1", mac=RESERVED_MAC)
    _, ack = r.dora()
    assert ack.yiaddr == RESERVED_IP
    # Another client asking for the reserved address does not get it.
    o = fresh(lab).discover(requested=RESERVED_IP)
    assert o is not None and o.yiaddr != RESERVED_IP
    assert in_range(o.yiaddr, POOL1)


def test_second_network(dhcp_server):
    lab = dhcp_server
    c = fresh(lab, "c2")
    offer, ack = c.dora()
    assert in_range(ack.yiaddr, POOL2), ack
    assert ack.ip(54) == SRV_IP["srv1"]
    assert ack.ip(1) == "255.255.255.0"


def test_relayed_exchange(dhcp_server):
    lab = dhcp_server
    lab.start_relay()
    c = fresh(lab, "c3")
    offer, ack = c.dora()
    assert in_range(ack.yiaddr, POOL3), ack
    assert ack.ips(3) == ["10.50.0.1"]
    assert ack.ip(1) == "255.255.255.0"
    assert ack.giaddr == "10.50.0.1"


def test_relay_agent_option_echoed(dhcp_server):
    """A relay's DISCOVER (giaddr 10.50.0.1, hops 1, option 82), sent from
    the relay namespace as dhcrelay would: the OFFER comes back to the relay
    address on port 67, from the relayed subnet, with option 82 echoed
    unchanged (RFC 3046 2.2)."""
    lab = dhcp_server
    agent = bytes([1, 4]) + b"rc-0" + bytes([2, 6]) + bytes.fromhex("0248aabbccdd")
    mac = random_mac()
    with lab.udp_client("relay", "10.50.0.1", ifname="rc0", port=67,
                        bind_device=False) as u:
        xid = 0x5EED0001
        p = build_packet(mac=mac, xid=xid, msg_type=DISCOVER, giaddr="10.50.0.1",
                         hops=1, flags=0,
                         options=[(55, bytes([1, 3, 6, 15, 51, 54])),
                                  (82, agent)])
        r = u.exchange(p, SRV_IP["srv2"], xid=xid)
    assert r is not None, "no OFFER to the relay"
    assert r.type == OFFER and r.mac == mac
    assert in_range(r.yiaddr, POOL3), r
    assert r.giaddr == "10.50.0.1"
    assert r.ips(3) == ["10.50.0.1"]
    assert r.options.get(82) == agent, "option 82 not echoed"


def test_release_frees_address_for_others(dhcp_lab):
    lab = dhcp_lab
    subnets = default_subnets()
    subnets[1]["ranges"] = ["10.40.0.100-10.40.0.103"]
    lab.start(subnets=subnets)
    clients = [fresh(lab, "c2") for _ in range(4)]
    acks = [c.dora()[1] for c in clients]
    ips = {a.yiaddr for a in acks}
    assert len(ips) == 4
    assert all(in_range(ip, ("10.40.0.100", "10.40.0.103")) for ip in ips)
    # Exhausted: no OFFER for a fifth client.
    late = fresh(lab, "c2")
    assert late.discover(expect=False, attempts=2, timeout=1.0) is None, \
        "OFFER from an exhausted pool"
    # Holders still renew (INIT-REBOOT) fine.
    r = clients[0].request(requested=acks[0].yiaddr)
    assert r is not None and r.type == ACK
    # A RELEASE frees one address for the waiting client.
    clients[1].release(acks[1].yiaddr, SRV_IP["srv1"], SRV_MAC["srv1"])
    if lab.server.kind == "hearth":
        wait_for(lambda: not lab.server.held(acks[1].yiaddr), timeout=5,
                 what="released lease")
    o = late.discover()
    assert o is not None and o.yiaddr == acks[1].yiaddr, o


def test_many_clients_distinct_addresses(dhcp_server):
    lab = dhcp_server
    seen = {}
    for _ in range(20):
        c = fresh(lab)
        _, ack = c.dora()
        assert ack.yiaddr not in seen, f"{ack.yiaddr} given twice"
        seen[ack.yiaddr] = c.mac
    assert all(in_range(ip, POOL1) for ip in seen)
    assert len({ipaddress.IPv4Address(ip) for ip in seen}) == 20


def test_configured_options_and_vendor_classes(dhcp_lab):
    """Options by number, sent when asked for; a vendor class (option 60)
    gets its own on top (a PXE client its boot file), overriding the
    subnet's."""
    lab = dhcp_lab
    subnets = default_subnets()
    subnets[0]["options"] = [{"code": 66, "value": "text:tftp.lab.example"},
                             {"code": 67, "value": "text:default.efi"},
                             {"code": 150, "value": "ip:10.30.0.1,10.30.0.2"}]
    subnets[0]["classes"] = [{"vendor": "PXEClient",
                              "options": [{"code": 67,
                                           "value": "text:pxelinux.0"}]}]
    lab.start(subnets=subnets)
    plain = fresh(lab)
    o = plain.discover(prl=[1, 3, 66, 67, 150])
    assert o.text(66) == "tftp.lab.example"
    assert o.text(67) == "default.efi"
    assert o.ips(150) == ["10.30.0.1", "10.30.0.2"]
    # Not asked for: not sent.
    o = fresh(lab).discover(prl=[1, 3])
    assert o.options.get(66) is None and o.options.get(67) is None
    pxe = fresh(lab)
    o = pxe.discover(prl=[1, 3, 66, 67],
                     extra=[(60, b"PXEClient:Arch:00007:UNDI:003016")])
    assert o.text(67) == "pxelinux.0"
    assert o.text(66) == "tftp.lab.example"
