# SPDX-License-Identifier: MIT
"""Malformed DHCP traffic to port 67 never stops the server: each batch is
sent from a client namespace (raw frames, so the IP/UDP layers can be
wrong too), then the server must still be alive, still serve a normal
client and still hold the lease it gave before. Sanitizer reports fail the
test at teardown (dhcp_lab fixture)."""
import random
import struct
import time

from dhcp_helpers import (ACK, DISCOVER, INFORM, MAGIC, RELEASE, REQUEST,
                          SRV_IP, SRV_MAC, build_packet, dhcp_lab,  # noqa: F401
                          dhcp_server, encode_options, ip_bytes, mac_bytes,
                          random_mac, udp_frame)

S1 = SRV_IP["srv0"]
BCAST = "ff:ff:ff:ff:ff:ff"


def fixed(mac, xid=0x1234, op=1, htype=1, hlen=6, hops=0, ciaddr="0.0.0.0",
          giaddr="0.0.0.0", flags=0x8000):
    return struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, htype, hlen, hops,
                       xid, 0, flags, ip_bytes(ciaddr), b"\0" * 4, b"\0" * 4,
                       ip_bytes(giaddr), mac_bytes(mac).ljust(16, b"\0"),
                       b"", b"")


def malformed(mac):
    """(name, payload) pairs, each wrong in its own way."""
    f = fixed(mac)
    d = b"\x35\x01\x01"                        # option 53 DISCOVER
    out = [
        ("empty", b""),
        ("one byte", b"\x01"),
        ("truncated fixed part", f[:100]),
        ("fixed part only", f),
        ("no options", f + MAGIC),
        ("bad magic cookie", f + b"\x63\x82\x53\x64" + d + b"\xff"),
        ("cookie cut", f + MAGIC[:2]),
        ("option length past end", f + MAGIC + b"\x35\xc8\x01"),
        ("length byte missing", f + MAGIC + d + b"\x37"),
        ("missing END", f + MAGIC + d + b"\x37\x03\x01\x03\x06"),
        ("missing END, no padding", f + MAGIC + d),
        ("message type length 0", f + MAGIC + b"\x35\x00\xff"),
        ("message type 0", f + MAGIC + b"\x35\x01\x00\xff"),
        ("message type 255", f + MAGIC + b"\x35\x01\xff\xff"),
        ("message type twice, long", f + MAGIC + d + b"\x35\x04\x03\x03\x03\x03\xff"),
        ("huge option 55", f + MAGIC + d + b"\x37\xff" + bytes(range(255)) + b"\xff"),
        ("option 55 split x4 (RFC 3396)", f + MAGIC + d
         + (b"\x37\xff" + bytes(range(1, 256))) * 4 + b"\xff"),
        ("option 55 all zero", f + MAGIC + d + b"\x37\x40" + b"\0" * 64 + b"\xff"),
        ("requested IP 3 bytes", f + MAGIC + d + b"\x32\x03\x0a\x1e\x00\xff"),
        ("server id 2 bytes", f + MAGIC + b"\x35\x01\x03\x36\x02\x0a\x1e\xff"),
        ("lease time 1 byte", f + MAGIC + d + b"\x33\x01\x05\xff"),
        ("max size 0", f + MAGIC + d + b"\x39\x02\x00\x00\xff"),
        ("max size 1 byte", f + MAGIC + d + b"\x39\x01\x02\xff"),
        ("client id length 0", f + MAGIC + d + b"\x3d\x00\xff"),
        ("client id 255", f + MAGIC + d + b"\x3d\xff" + b"\x01" * 255 + b"\xff"),
        ("hostname binary", f + MAGIC + d + b"\x0c\x08\x00\xff\x2e\x2e\x00-\n;" + b"\xff"),
        ("hostname 255", f + MAGIC + d + b"\x0c\xff" + b"a" * 255 + b"\xff"),
        ("hostname dots only", f + MAGIC + d + b"\x0c\x05....." + b"\xff"),
        ("fqdn too short", f + MAGIC + d + b"\x51\x01\x05\xff"),
        ("fqdn bad labels", f + MAGIC + d + b"\x51\x0a\x05\x00\x00\x3f\x61\x62\xc0\x0c\x00\x01\xff"),
        ("fqdn ascii flags E=0", f + MAGIC + d + b"\x51\x06\x01\x00\x00x..y\xff"),
        ("overload with garbage", fixed(mac)[:44] + b"\x35\x05" + b"\x01" * 62
         + b"\x37\xff" + b"\x03" * 126 + MAGIC + d + b"\x34\x01\x03\xff"),
        ("overload loops", fixed(mac)[:44] + b"\x34\x01\x03" + b"\0" * 61
         + b"\x34\x01\x03" + b"\0" * 125 + MAGIC + d + b"\x34\x01\x03\xff"),
        ("overload bad value", f + MAGIC + d + b"\x34\x01\x09\xff"),
        ("overload length 0", f + MAGIC + d + b"\x34\x00\xff"),
        ("relay info garbage", f + MAGIC + d + b"\x52\x05\x01\x09\x41\x02\xff\xff"),
        ("relay info empty", f + MAGIC + d + b"\x52\x00\xff"),
        ("classless routes from client", f + MAGIC + d + b"\x79\x03\x21\x00\x00\xff"),
        ("hlen 255", fixed(mac, hlen=255) + MAGIC + d + b"\xff"),
        ("hlen 0, htype 0", fixed(mac, hlen=0, htype=0) + MAGIC + d + b"\xff"),
        ("op BOOTREPLY", fixed(mac, op=2) + MAGIC + b"\x35\x01\x02\xff"),
        ("op 0", fixed(mac, op=0) + MAGIC + d + b"\xff"),
        ("hops 255 with giaddr", fixed(mac, hops=255, giaddr="10.50.0.1")
         + MAGIC + d + b"\xff"),
        ("giaddr of nowhere", fixed(mac, giaddr="192.0.2.1") + MAGIC + d + b"\xff"),
        ("giaddr broadcast", fixed(mac, giaddr="255.255.255.255") + MAGIC + d + b"\xff"),
        ("chaddr zero", fixed("00:00:00:00:00:00") + MAGIC + d + b"\xff"),
        ("chaddr broadcast", fixed(BCAST) + MAGIC + d + b"\xff"),
        ("request 0.0.0.0", fixed(mac) + MAGIC + b"\x35\x01\x03\x32\x04\0\0\0\0\xff"),
        ("request 255.255.255.255", fixed(mac) + MAGIC
         + b"\x35\x01\x03\x32\x04\xff\xff\xff\xff\xff"),
        ("request elsewhere", fixed(mac) + MAGIC + b"\x35\x01\x03\x32\x04\xc0\x00\x02\x01"
         + b"\x36\x04" + ip_bytes(S1) + b"\xff"),
        ("request with ciaddr of nowhere", fixed(mac, ciaddr="192.0.2.7") + MAGIC
         + b"\x35\x01\x03\xff"),
        ("inform without ciaddr", fixed(mac) + MAGIC + b"\x35\x01\x08\xff"),
        ("release of nothing", fixed(mac, ciaddr="10.30.0.177") + MAGIC
         + b"\x35\x01\x07\x36\x04" + ip_bytes(S1) + b"\xff"),
        ("decline without address", fixed(mac) + MAGIC + b"\x35\x01\x04\xff"),
        ("decline of 0.0.0.0", fixed(mac) + MAGIC + b"\x35\x01\x04\x32\x04\0\0\0\0\xff"),
        ("decline of the server", fixed(mac) + MAGIC + b"\x35\x01\x04\x32\x04"
         + ip_bytes(S1) + b"\xff"),
        ("only pads", f + MAGIC + b"\0" * 1000),
        ("many tiny options", f + MAGIC + d + b"\xfe\x01\x00" * 400 + b"\xff"),
        ("1472 bytes", (f + MAGIC + d + b"\xe0\xff" + b"x" * 255 + b"\xe1\xff"
                        + b"y" * 255 + b"\xe2\xff" + b"z" * 255 + b"\xe3\xff"
                        + b"w" * 255).ljust(1472, b"\0")[:1471] + b"\xff"),
    ]
    for p in out:
        assert len(p[1]) <= 1472, p[0]
    return out


def send_all(c, payloads, pause=0.002):
    for _name, p in payloads:
        c.send_payload(p)
        time.sleep(pause)


def assert_still_serving(lab, holder=None, held_ip=None):
    srv = lab.server
    assert srv.alive(), f"server died:\n{srv.stderr()[-4000:]}"
    c = lab.client("c1", mac=random_mac())
    _, ack = c.dora()
    assert ack.type == ACK
    if holder is not None:
        r = holder.request(requested=held_ip)
        assert r is not None and r.type == ACK and r.yiaddr == held_ip, r
        if srv.kind == "hearth":
            assert srv.held(held_ip, holder.mac), srv.lease(held_ip)


def test_malformed_packets(dhcp_server):
    lab = dhcp_server
    holder = lab.client("c1", mac=random_mac())
    held = holder.dora(hostname="holder")[1].yiaddr
    c = lab.client("c1", mac=random_mac())
    payloads = malformed(c.mac)
    send_all(c, payloads)
    # The same, unicast to the server's address.
    for _name, p in payloads:
        c.send_payload(p, dst_ip=S1, dst_mac=SRV_MAC["srv0"])
        time.sleep(0.002)
    assert_still_serving(lab, holder, held)


def test_malformed_packets_through_each_path(dhcp_server):
    """The same garbage as if relayed (giaddr set, from the relay side) and
    on the second network."""
    lab = dhcp_server
    c2 = lab.client("c2", mac=random_mac())
    send_all(c2, malformed(c2.mac), pause=0.001)
    # Relayed: giaddr 10.50.0.1, from the relay namespace's upstream link
    # (10.60.0.2:67) to the server, as dhcrelay sends.
    relay = lab.client("relay", ifname="ru0")
    for _name, p in malformed(random_mac()):
        if len(p) >= 28:
            p = p[:24] + ip_bytes("10.50.0.1") + p[28:]
        relay.send_payload(p, src_ip="10.60.0.2", dst_ip=SRV_IP["srv2"],
                           dst_mac=SRV_MAC["srv2"], sport=67, dport=67)
        time.sleep(0.001)
    assert_still_serving(lab)


def test_bad_frames(dhcp_server):
    """Wrong at the IP/UDP layer: a server reading raw frames must check
    them; one using UDP sockets never sees them."""
    lab = dhcp_server
    c = lab.client("c1", mac=random_mac())
    good = build_packet(mac=c.mac, xid=7, msg_type=DISCOVER)
    frame = udp_frame(c.mac, BCAST, "0.0.0.0", "255.255.255.255", 68, 67, good)
    eth, ip, udp = frame[:14], frame[14:34], frame[34:]
    bad = [
        eth + ip[:2] + struct.pack("!H", 2000) + ip[4:] + udp,   # IP len > frame
        eth + ip[:2] + struct.pack("!H", 30) + ip[4:] + udp,     # IP len < UDP
        eth + bytes([0x4f]) + ip[1:] + udp,                      # ihl 15
        eth + udp[:4] + struct.pack("!H", 4000) + udp[6:],       # no IP header
        eth + ip + udp[:4] + struct.pack("!H", 4000) + udp[6:],  # UDP len > IP
        eth + ip + udp[:4] + struct.pack("!H", 7) + udp[6:],     # UDP len < 8
        eth + ip + udp[:8],                                      # UDP, no payload
        eth + ip[:6] + b"\x20\x00" + ip[8:] + udp,               # fragment
        eth + ip[:20],
    ]
    for f in bad:
        c.sock.send(f)
    assert_still_serving(lab)


def test_random_and_mutated_packets(dhcp_server):
    lab = dhcp_server
    rng = random.Random(20240607)
    holder = lab.client("c1", mac=random_mac())
    held = holder.dora()[1].yiaddr
    c = lab.client("c1", mac=random_mac())
    payloads = []
    for _ in range(300):     # random bytes, random length
        payloads.append(("random", bytes(rng.getrandbits(8)
                                         for _ in range(rng.randrange(0, 600)))))
    templates = [
        build_packet(mac=c.mac, xid=1, msg_type=t, ciaddr=ci, options=opts)
        for t, ci, opts in (
            (DISCOVER, "0.0.0.0", [(55, bytes([1, 3, 6, 15, 51, 54])),
                                   (12, b"mutant"), (61, b"\x01abcdef")]),
            (REQUEST, "0.0.0.0", [(50, ip_bytes("10.30.0.150")),
                                  (54, ip_bytes(S1))]),
            (INFORM, "10.30.0.250", [(55, bytes([1, 3, 6]))]),
            (RELEASE, "10.30.0.150", [(54, ip_bytes(S1))]))]
    for _ in range(600):     # valid messages with a few bytes flipped
        p = bytearray(rng.choice(templates))
        for _ in range(rng.randrange(1, 8)):
            i = rng.randrange(236, len(p)) if rng.random() < 0.8 \
                else rng.randrange(len(p))
            p[i] = rng.getrandbits(8)
        if rng.random() < 0.2:
            p = p[:rng.randrange(240, len(p))]
        payloads.append(("mutated", bytes(p)))
    # Options soup: valid codes with random lengths and contents.
    for _ in range(200):
        opts = [(53, bytes([rng.randrange(1, 9)]))]
        for _ in range(rng.randrange(1, 12)):
            code = rng.choice([1, 3, 12, 50, 51, 52, 54, 55, 57, 60, 61, 81,
                               82, 119, 121, rng.randrange(1, 255)])
            opts.append((code, bytes(rng.getrandbits(8)
                                     for _ in range(rng.randrange(0, 40)))))
        body = build_packet(mac=random_mac(rng), xid=rng.getrandbits(32),
                            options=opts[1:], msg_type=opts[0][1][0])
        payloads.append(("soup", body[:1472]))
    send_all(c, payloads, pause=0.001)
    assert_still_serving(lab, holder, held)


def test_encode_options_roundtrip():
    """The test's own encoder splits long options as RFC 3396 says."""
    b = encode_options([(55, bytes(300))])
    assert b[:2] == b"\x37\xff" and b[257:259] == b"\x37\x2d"
