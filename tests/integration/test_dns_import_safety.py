# SPDX-License-Identifier: MIT
"""A zone file the zone builder would refuse (CNAME and other data, a
name outside the zone, SOA missing, doubled or below the apex, CNAME at
the apex) is refused with 422 "file:line: message" before the store is
touched, through the API, `hearth dns import` and a config zone file
changed on SIGHUP: the zone stays served with its old records."""
import signal

import dns.message
import dns.query
import dns.rcode
import pytest

from dns_helpers import dns_config, start_hearth_dns

GOOD = """$TTL 300
@   SOA ns1.new.example. hostmaster.new.example. 7 3600 600 86400 60
@   NS  ns1
ns1 A   192.0.2.9
www A   192.0.2.10
"""

# (variant, line named in the message, words in the message)
BAD = [
    ("alias CNAME www\nalias A 192.0.2.11\n", 7, "CNAME and other data"),
    ("www CNAME ns1\n", 6, "CNAME and other data"),
    ("out.other.example. A 192.0.2.12\n", 6, "outside the zone"),
    ("@ SOA ns2.new.example. h.new.example. 8 3600 600 86400 60\n", 6,
     "more than one SOA"),
    ("sub SOA ns1.new.example. h.new.example. 8 3600 600 86400 60\n", 6,
     "SOA below the zone apex"),
    ("@ CNAME www\n", 6, "CNAME at the zone apex"),
]


def www(port):
    r = dns.query.udp(dns.message.make_query("www.new.example.", "A"),
                      "127.0.0.1", port=port, timeout=5)
    return r.rcode(), [x.to_text() for rrset in r.answer for x in rrset]


def cli_args(d):
    return ["--url", f"http://127.0.0.1:{d.port}", "--api-key", "k"]


def put(d, text):
    return d.request("PUT", "/api/v1/dns/zones/new.example/file",
                     data=text.encode(), headers={"X-API-Key": "k"})


@pytest.mark.parametrize("extra,line,words", BAD)
def test_bad_import_keeps_zone(hearthd_factory, tmp_path, cli, extra, line,
                               words):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False)
    good = tmp_path / "good.zone"
    good.write_text(GOOD)
    assert cli(*cli_args(d), "dns", "import", "new.example",
               good).returncode == 0
    assert www(d.dns_port) == (dns.rcode.NOERROR, ["192.0.2.10"])
    text = GOOD.replace("192.0.2.10", "192.0.2.99") + extra

    r = put(d, text)
    assert r.status_code == 422, r.text
    assert f"new.example:{line}: " in r.text and words in r.text, r.text
    assert www(d.dns_port) == (dns.rcode.NOERROR, ["192.0.2.10"])

    bad = tmp_path / "bad.zone"
    bad.write_text(text)
    r = cli(*cli_args(d), "dns", "import", "new.example", bad)
    assert r.returncode == 5, r.stderr
    assert f":{line}: " in r.stderr and words in r.stderr, r.stderr
    assert www(d.dns_port) == (dns.rcode.NOERROR, ["192.0.2.10"])
    # The stored zone is the old one too: an export shows it.
    r = cli(*cli_args(d), "dns", "export", "new.example")
    assert "192.0.2.10" in r.stdout and "192.0.2.99" not in r.stdout


def test_bad_config_zone_file_on_sighup(hearthd_factory, tmp_path):
    zf = tmp_path / "new.zone"
    zf.write_text(GOOD)
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         zones=(("new.example", zf),))
    assert www(d.dns_port) == (dns.rcode.NOERROR, ["192.0.2.10"])
    for extra, line, words in BAD:
        mark = len(d.stderr())
        zf.write_text(GOOD.replace("192.0.2.10", "192.0.2.99") + extra)
        d.signal(signal.SIGHUP)
        d.wait_log("reloaded", start=mark)
        log = d.stderr()[mark:]
        assert f"new.zone:{line}: " in log and words in log, log
        assert www(d.dns_port) == (dns.rcode.NOERROR, ["192.0.2.10"])
    # A good file afterwards is taken.
    mark = len(d.stderr())
    zf.write_text(GOOD.replace("192.0.2.10", "192.0.2.77"))
    d.signal(signal.SIGHUP)
    d.wait_log("reloaded", start=mark)
    assert www(d.dns_port) == (dns.rcode.NOERROR, ["192.0.2.77"])
