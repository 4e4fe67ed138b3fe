# SPDX-License-Identifier: MIT
"""`hearth dns import` and `hearth dns export` against a running hearthd:
an import is served at once, a broken file is refused with file:line and
leaves the zone as it was, an export reads back as the same records."""
import dns.message
import dns.query
import dns.rcode
import dns.zone

from dns_helpers import start_hearth_dns

ZONE_TEXT = """$TTL 300
@   SOA ns1.new.example. hostmaster.new.example. 7 3600 600 86400 60
@   NS  ns1
ns1 A   192.0.2.9
www A   192.0.2.10
txt TXT "hello world" "second"
"""


def a_record(port, name):
    r = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1",
                      port=port, timeout=5)
    return r.rcode(), [x.to_text() for rrset in r.answer for x in rrset]


def cli_args(d):
    return ["--url", f"http://127.0.0.1:{d.port}", "--api-key", "k"]


def test_import_then_export(hearthd_factory, tmp_path, cli):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False)
    f = tmp_path / "new.zone"
    f.write_text(ZONE_TEXT)
    r = cli(*cli_args(d), "dns", "import", "new.example", f)
    assert r.returncode == 0, r.stderr
    assert "4" in r.stdout or "5" in r.stdout
    assert a_record(d.dns_port, "www.new.example.") == \
        (dns.rcode.NOERROR, ["192.0.2.10"])

    r = cli(*cli_args(d), "dns", "export", "new.example")
    assert r.returncode == 0, r.stderr
    got = dns.zone.from_text(r.stdout, origin="new.example.",
                             relativize=False)
    want = dns.zone.from_text(ZONE_TEXT, origin="new.example.",
                              relativize=False)
    def rows(z):
        return sorted((str(n), r.rdtype, ttl, r.to_text())
                      for n, ttl, r in z.iterate_rdatas())
    assert rows(got) == rows(want)


def test_broken_file_refused_and_zone_kept(hearthd_factory, tmp_path, cli):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False)
    good = tmp_path / "good.zone"
    good.write_text(ZONE_TEXT)
    assert cli(*cli_args(d), "dns", "import", "new.example",
               good).returncode == 0
    bad = tmp_path / "bad.zone"
    bad.write_text(ZONE_TEXT.replace("192.0.2.10", "192.0.2.300"))
    r = cli(*cli_args(d), "dns", "import", "new.example", bad)
    assert r.returncode == 5
    assert "new.example:5:" in r.stderr and "192.0.2.300" in r.stderr
    assert a_record(d.dns_port, "www.new.example.") == \
        (dns.rcode.NOERROR, ["192.0.2.10"])


def test_import_survives_restart(hearthd_factory, tmp_path, cli):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False)
    f = tmp_path / "new.zone"
    f.write_text(ZONE_TEXT)
    assert cli(*cli_args(d), "dns", "import", "new.example",
               f).returncode == 0
    d.stop()
    d.spawn(d.port)
    assert d.wait_healthy()
    from dns_helpers import wait_dns_ready
    wait_dns_ready("127.0.0.1", d.dns_port, proc=d.proc)
    assert a_record(d.dns_port, "www.new.example.") == \
        (dns.rcode.NOERROR, ["192.0.2.10"])


def test_import_needs_key(hearthd_factory, tmp_path, cli):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False)
    f = tmp_path / "new.zone"
    f.write_text(ZONE_TEXT)
    r = cli("--url", f"http://127.0.0.1:{d.port}", "--api-key", "wrong",
            "dns", "import", "new.example", f)
    assert r.returncode == 5
    assert a_record(d.dns_port, "www.new.example.")[0] == dns.rcode.REFUSED
