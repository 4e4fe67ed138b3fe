# SPDX-License-Identifier: MIT
"""dns.listen on the wildcard address: each answer leaves from the address
the query was sent to (resolvers drop answers from anywhere else), for
authoritative answers and forwarded ones alike."""
import socket

import dns.message
import dns.query
import dns.rcode

from dns_helpers import ZONE, ZONE_FILE, dns_config
from test_dns_forward import A, FakeUpstream


def free_wildcard_port():
    """A port free on the wildcard address for both UDP and TCP (hearthd
    binds both; a busy machine's ephemeral TCP ports collide otherwise)."""
    for _ in range(50):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 0))
        port = s.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("0.0.0.0", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
            t.close()
    raise AssertionError("no port free for both UDP and TCP")


def start_on_wildcard(hearthd_factory, tmp_path, up, attempts=3):
    """hearthd on 0.0.0.0:PORT; a port taken between the probe and the
    bind is tried again with another."""
    last = None
    for _ in range(attempts):
        port = free_wildcard_port()
        cfg = dns_config(tmp_path, port, ipv6=False,
                         zones=((ZONE.rstrip("."), ZONE_FILE),),
                         upstream=[up.addr()])
        cfg = cfg.replace(f'"127.0.0.1:{port}"', f'"0.0.0.0:{port}"')
        try:
            hearthd_factory(cfg)
            return port
        except AssertionError as e:
            last = e
            if "in use" not in str(e).lower():
                raise
    raise AssertionError(f"hearthd did not start on a wildcard port: {last}")


def test_answers_leave_from_the_queried_address(hearthd_factory, tmp_path):
    up = FakeUpstream(A)
    try:
        port = start_on_wildcard(hearthd_factory, tmp_path, up)
        for addr in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
            # dnspython raises UnexpectedSource for an answer from
            # another address than the one asked.
            r = dns.query.udp(dns.message.make_query("www." + ZONE, "A"),
                              addr, port=port, timeout=5)
            assert r.rcode() == dns.rcode.NOERROR and r.answer
            r = dns.query.udp(dns.message.make_query("www.example.net.",
                                                     "A"),
                              addr, port=port, timeout=5)
            assert [x.to_text() for rr in r.answer for x in rr] == \
                ["192.0.2.80"]
    finally:
        up.close()
