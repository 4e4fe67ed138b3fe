# SPDX-License-Identifier: MIT
"""The watch room's probes over more transports: dns monitors over TCP and
IPv6 against hearthd's own DNS room on 127.0.0.1 and ::1; ping over
ICMPv6 and by name."""
from helpers import base_config, free_port
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
