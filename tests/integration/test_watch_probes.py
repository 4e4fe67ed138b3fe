# SPDX-License-Identifier: MIT
"""The watch room's probes over more transports: dns monitors over TCP and
IPv6 against hearthd's own DNS room on 127.0.0.1 and ::1; ping over
ICMPv6 and by name."""
import dns.rcode

from helpers import base_config, free_port
from test_dns_forward import FakeUpstream
from test_watch import wait_for, yaml


def test_dns_over_tcp_and_ipv6(hearthd_factory, tmp_path):
    port = free_port()
    closed6 = free_port("::1")

    def mon(name, server, transport, **kw):
        return {"name": name, "type": "dns", "hostname": "web.lab.example",
                "dns_resolve_server": server, "port": port,
                "dns_transport": transport, "interval": "1s", **kw}
    cfg = base_config(tmp_path, lab=False, watch={"monitors": [
        mon("tcp4", "127.0.0.1", "tcp", expected_value="192.168.30.10"),
        mon("udp6", "::1", "udp", expected_value="192.168.30.10"),
        mon("tcp6", "::1", "tcp", hostname="web6.lab.example",
            dns_resolve_type="AAAA", expected_value="fd00:30::10"),
        mon("tcp6-nodata", "::1", "tcp", dns_resolve_type="AAAA"),
        mon("tcp-nx", "127.0.0.1", "tcp", hostname="nope.lab.example"),
        {"name": "tcp6-closed", "type": "dns", "hostname": "web.lab.example",
         "dns_resolve_server": "::1", "port": closed6, "dns_transport": "tcp",
         "interval": "2s", "timeout": "1s"},
    ]}, dns={"listen": [f"127.0.0.1:{port}", f"[::1]:{port}"],
             "upstream": []})
    cfg["lab"] = {"domain": "lab.example", "hosts": {
        "web": {"ip": "192.168.30.10"}, "web6": {"ip": "fd00:30::10"}}}
    d = hearthd_factory(yaml(cfg))
    want = {"tcp4": "UP", "udp6": "UP", "tcp6": "UP", "tcp6-nodata": "DOWN",
            "tcp-nx": "DOWN", "tcp6-closed": "DOWN"}
    ms = wait_for(d, lambda ms: {n: m["status_text"] for n, m in ms.items()}
                  == want, "dns states", 20)
    assert ms["tcp4"]["msg"] == "Records: 192.168.30.10"
    assert ms["udp6"]["msg"] == "Records: 192.168.30.10"
    assert ms["tcp6"]["msg"] == "Records: fd00:30::10"
    assert ms["tcp6-nodata"]["msg"] == "no AAAA record"
    assert ms["tcp-nx"]["msg"] == "NXDOMAIN"
    assert ms["tcp6-closed"]["msg"].startswith("connect: "), \
        ms["tcp6-closed"]["msg"]
    assert d.stop() == 0


def test_ping_ipv6_and_by_name(hearthd_factory, tmp_path):
    """ICMPv6 to ::1; names from lab.hosts (bare and under lab.domain), and
    through dns.upstream (a fake upstream on loopback: an A record, an
    AAAA-only name, NXDOMAIN); never the system resolver."""
    up = FakeUpstream({
        ("far.example.net.", "A"): (dns.rcode.NOERROR, ["127.0.0.1"], 60),
        ("six.example.net.", "A"): (dns.rcode.NOERROR, [], 60),
        ("six.example.net.", "AAAA"): (dns.rcode.NOERROR, ["::1"], 60)})
    try:
        def ping(name, host):
            return {"name": name, "type": "ping", "hostname": host,
                    "interval": "1s", "ping_timeout": "1s"}
        cfg = base_config(tmp_path, lab=False, watch={"monitors": [
            ping("v6", "::1"), ping("lab", "loop"),
            ping("lab-fqdn", "loop.lab.example"), ping("lab-v6", "loop6"),
            ping("far", "far.example.net"), ping("six", "six.example.net"),
            ping("nx", "nope.example.net"),
        ]}, dns={"listen": [f"127.0.0.1:{free_port()}"],
                 "upstream": [up.addr()]})
        cfg["lab"] = {"domain": "lab.example", "hosts": {
            "loop": {"ip": "127.0.0.1"}, "loop6": {"ip": "::1"}}}
        d = hearthd_factory(yaml(cfg))
        want = {"v6": "UP", "lab": "UP", "lab-fqdn": "UP", "lab-v6": "UP",
                "far": "UP", "six": "UP", "nx": "DOWN"}
        ms = wait_for(d, lambda ms: {n: m["status_text"] for n, m in
                                     ms.items()} == want, "ping states", 20)
        assert ms["v6"]["msg"] == "1 of 1 replies from ::1"
        assert ms["lab"]["msg"] == "1 of 1 replies from 127.0.0.1"
        assert ms["lab-fqdn"]["msg"] == "1 of 1 replies from 127.0.0.1"
        assert ms["lab-v6"]["msg"] == "1 of 1 replies from ::1"
        assert ms["far"]["msg"] == "1 of 1 replies from 127.0.0.1"
        assert ms["six"]["msg"] == "1 of 1 replies from ::1"
        assert ms["nx"]["msg"] == ("ping: cannot resolve nope.example.net: "
                                   "NXDOMAIN"), ms["nx"]["msg"]
        names = {q[0] for q in up.queries}
        assert {"far.example.net.", "six.example.net.",
                "nope.example.net."} <= names
        assert not names & {"loop.", "loop.lab.example.", "loop6."}
        assert d.stop() == 0
    finally:
        up.close()


def test_ping_by_name_without_the_dns_room(hearthd_factory, tmp_path):
    cfg = base_config(tmp_path, lab=False, watch={"monitors": [
        {"name": "far", "type": "ping", "hostname": "far.example.net",
         "interval": "1s"}]})
    d = hearthd_factory(yaml(cfg))
    ms = wait_for(d, lambda ms: ms["far"]["status_text"] == "DOWN",
                  "ping DOWN", 10)
    assert ms["far"]["msg"] == ("ping: cannot resolve far.example.net: not a "
                                "lab host, and no DNS upstream (dns.upstream;"
                                " the dns room is off)")
    assert d.stop() == 0
