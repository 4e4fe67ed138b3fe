# SPDX-License-Identifier: MIT
"""The SOA and NS hearth makes (dns.soa): for lab zones, config zones without
a file and API zones created without a SOA; the NS it names has an address
(glue, a lab host, or the configured name), never a placeholder."""
import subprocess

import dns.message
import dns.query
import dns.rcode

from dns_helpers import dns_config, start_hearth_dns

LAB = {"domain": "lab.example",
       "networks": {"dmz": {"subnet": "192.168.30.0/24"}},
       "hosts": {"maestro": {"ip": "192.168.30.8", "network": "dmz"},
                 "router": {"ip": "192.168.30.1", "network": "dmz"}}}
Z = "/api/v1/servers/localhost/zones"


def ask(port, name, qtype):
    r = dns.query.udp(dns.message.make_query(name, qtype), "127.0.0.1",
                      port=port, timeout=5)
    return r.rcode(), sorted(x.to_text() for rr in r.answer for x in rr)


def api(d, method, path, body=None):
    return d.session.request(method, f"http://127.0.0.1:{d.port}{path}",
                             json=body, headers={"X-API-Key": "k"},
                             timeout=10)


def with_small_zone(factory):
    """The factory, with a config zone without a file (small.test)."""
    def start(config, *a, **kw):
        return factory(config.replace("  zones: []\n",
                                      "  zones: [{name: small.test}]\n"),
                       *a, **kw)
    return start


def soa_fields(port, zone):
    rcode, soa = ask(port, zone, "SOA")
    assert rcode == dns.rcode.NOERROR and len(soa) == 1, (zone, soa)
    return soa[0].split()


def test_default_ns_has_an_address(hearthd_factory, tmp_path):
    d = start_hearth_dns(with_small_zone(hearthd_factory), tmp_path,
                         ipv6=False, lab=LAB, zones=())
    port = d.dns_port
    # The lab zone: NS ns.lab.example., whose address (glue) is served.
    assert ask(port, "lab.example.", "NS") == (dns.rcode.NOERROR,
                                               ["ns.lab.example."])
    assert ask(port, "ns.lab.example.", "A") == (dns.rcode.NOERROR,
                                                 ["127.0.0.1"])
    m = soa_fields(port, "lab.example.")
    assert m[:2] == ["ns.lab.example.", "hostmaster.lab.example."], m
    assert m[3:] == ["10800", "3600", "604800", "3600"], m
    # The reverse zone names the same server, which has that address.
    assert ask(port, "30.168.192.in-addr.arpa.", "NS") == \
        (dns.rcode.NOERROR, ["ns.lab.example."])
    # A config zone without a file, and an API zone without a SOA.
    assert api(d, "POST", Z, {"name": "new.example.", "kind": "Native"}
               ).status_code == 201
    for zone in ("small.test.", "new.example."):
        m = soa_fields(port, zone)
        assert "misconfigured" not in " ".join(m), m
        assert m[0] == "ns.lab.example.", m
        assert m[1] == "hostmaster." + zone, m
    assert ask(port, "small.test.", "NS") == (dns.rcode.NOERROR,
                                              ["ns.lab.example."])


def test_without_lab_the_ns_lives_in_its_zone(hearthd_factory, tmp_path):
    d = start_hearth_dns(with_small_zone(hearthd_factory), tmp_path,
                         ipv6=False, zones=())
    assert ask(d.dns_port, "small.test.", "NS") == (dns.rcode.NOERROR,
                                                    ["ns.small.test."])
    assert ask(d.dns_port, "ns.small.test.", "A") == (dns.rcode.NOERROR,
                                                      ["127.0.0.1"])
    r = api(d, "POST", Z, {"name": "new.example.", "kind": "Native"})
    assert r.status_code == 201, r.text
    soa = [s for s in r.json()["rrsets"] if s["type"] == "SOA"][0]
    assert soa["records"][0]["content"].startswith(
        "ns.new.example. hostmaster.new.example. "), soa


def test_configured_soa(hearthd_factory, tmp_path):
    soa = {"mname": "router", "rname": "john.doe@example.org",
           "refresh": "2h", "retry": "10m", "expire": "14d",
           "minimum": "300", "ttl": "600"}
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False, lab=LAB,
                         zones=(), soa=soa)
    port = d.dns_port
    # A lab host as the server: its own A record is the address.
    assert ask(port, "lab.example.", "NS") == (dns.rcode.NOERROR,
                                               ["router.lab.example."])
    assert ask(port, "router.lab.example.", "A") == (dns.rcode.NOERROR,
                                                     ["192.168.30.1"])
    assert ask(port, "ns.lab.example.", "A")[0] == dns.rcode.NXDOMAIN
    m = soa_fields(port, "lab.example.")
    assert m[:2] == ["router.lab.example.", "john\\.doe.example.org."], m
    assert m[3:] == ["7200", "600", "1209600", "300"], m
    r = api(d, "POST", Z, {"name": "new.example.", "kind": "Native",
                           "soa_edit_api": "", "serial": 7})
    assert r.status_code == 201, r.text
    s = [x for x in r.json()["rrsets"] if x["type"] == "SOA"][0]
    assert s["ttl"] == 600, s
    assert s["records"][0]["content"] == (
        "router.lab.example. john\\.doe.example.org. 7 7200 600 1209600 "
        "300"), s
    # A full name is taken as it is.
    d.stop()
    d2 = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False, lab=LAB,
                          zones=(), soa={"mname": "ns1.example.net."})
    assert ask(d2.dns_port, "lab.example.", "NS") == \
        (dns.rcode.NOERROR, ["ns1.example.net."])


def check(hearthd, tmp_path, soa):
    p = tmp_path / "bad.yaml"
    p.write_text(dns_config(tmp_path, 5353, ipv6=False, lab=LAB, zones=(),
                            soa=soa).replace("@PORT@", "8081"))
    r = subprocess.run([hearthd, "-c", str(p), "--check"],
                       capture_output=True, text=True, timeout=30)
    return p, r


def test_bad_soa_values_name_the_key(tmp_path):
    import os
    hearthd = os.environ["HEARTHD"]
    for soa, word in (({"mname": "nohost"}, "dns.soa.mname"),
                      ({"mname": "bad..name"}, "dns.soa.mname"),
                      ({"rname": "a@b@c"}, "dns.soa.rname"),
                      ({"refresh": "soon"}, "refresh"),
                      ({"expire": "0"}, "expire")):
        p, r = check(hearthd, tmp_path, soa)
        assert r.returncode != 0, (soa, r.stdout)
        line = r.stderr.strip().splitlines()[-1]
        assert line.startswith(f"{p}:"), (soa, r.stderr)
        parts = line.split(":")
        assert parts[1].isdigit() and parts[2].isdigit(), line
        assert word in line, (soa, line)
        text = p.read_text().splitlines()[int(parts[1]) - 1]
        key = word.split(".")[-1]
        assert key in text, (soa, line, text)
