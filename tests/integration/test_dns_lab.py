# SPDX-License-Identifier: MIT
"""Records derived from lab: next to records written through the API: the
lab's records join a stored zone of the same name, and a lab record that
would replace a stored RRset is refused loudly (logged, room degraded),
never applied silently."""
import signal

import dns.message
import dns.query
import dns.rcode
import dns.reversename
import dns.zone

from dns_helpers import dns_config, start_hearth_dns

LAB = {"domain": "lab.example",
       "networks": {"dmz": {"subnet": "192.168.30.0/24"}},
       "hosts": {"maestro": {"ip": "192.168.30.8", "network": "dmz"},
                 "hermes": {"ip": "192.168.30.53", "network": "dmz"}}}
Z = "/api/v1/servers/localhost/zones"


def a(port, name, qtype="A"):
    r = dns.query.udp(dns.message.make_query(name, qtype), "127.0.0.1",
                      port=port, timeout=5)
    return r.rcode(), sorted(x.to_text() for rr in r.answer for x in rr)


def api(d, method, path, body=None):
    return d.session.request(method, f"http://127.0.0.1:{d.port}{path}",
                             json=body, headers={"X-API-Key": "k"},
                             timeout=10)


def test_lab_records_without_any_zone(hearthd_factory, tmp_path):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False, lab=LAB)
    assert a(d.dns_port, "maestro.lab.example.") == \
        (dns.rcode.NOERROR, ["192.168.30.8"])
    ptr = dns.reversename.from_address("192.168.30.53")
    assert a(d.dns_port, str(ptr), "PTR") == \
        (dns.rcode.NOERROR, ["hermes.lab.example."])


def test_lab_joins_api_zone_and_conflict_is_refused(hearthd_factory,
                                                     tmp_path):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False)
    r = api(d, "POST", Z, {"name": "lab.example.", "kind": "Native",
                           "nameservers": ["ns1.lab.example."]})
    assert r.status_code == 201, r.text
    r = api(d, "PATCH", Z + "/lab.example.", {"rrsets": [
        {"name": "maestro.lab.example.", "type": "A", "ttl": 60,
         "changetype": "REPLACE",
         "records": [{"content": "10.0.0.99", "disabled": False}]},
        {"name": "www.lab.example.", "type": "A", "ttl": 60,
         "changetype": "REPLACE",
         "records": [{"content": "10.0.0.80", "disabled": False}]}]})
    assert r.status_code == 204, r.text

    # Now describe the lab (with maestro) in the config and reload.
    mark = len(d.stderr())
    d.write_config(dns_config(tmp_path, d.dns_port, ipv6=False, lab=LAB))
    d.signal(signal.SIGHUP)
    d.wait_log("reloaded", start=mark)
    log = d.stderr()[mark:]
    # The conflict is refused loudly: the stored record is served...
    assert "maestro.lab.example" in log and "conflicts" in log, log
    assert a(d.dns_port, "maestro.lab.example.") == \
        (dns.rcode.NOERROR, ["10.0.0.99"])
    h = d.get("/healthz")
    assert h.status_code == 503, h.text
    assert h.json()["rooms"]["dns"] == "degraded"
    assert h.json()["status"] == "degraded"
    assert h.json()["reason"].startswith("room dns is degraded: "), h.text
    # ... while the other lab records join the API zone, beside its own.
    assert a(d.dns_port, "hermes.lab.example.") == \
        (dns.rcode.NOERROR, ["192.168.30.53"])
    assert a(d.dns_port, "www.lab.example.") == \
        (dns.rcode.NOERROR, ["10.0.0.80"])
    # The API's view: what was written through it, and the lab records
    # that joined it, marked as derived; the stored RRset that won the
    # conflict is shown as stored (no mark).
    z = api(d, "GET", Z + "/lab.example.").json()
    sets = {(s["name"], s["type"]): s for s in z["rrsets"]}
    h = sets[("hermes.lab.example.", "A")]
    assert [x["content"] for x in h["records"]] == ["192.168.30.53"]
    assert h["comments"][0]["content"].startswith(
        "derived from lab.hosts.hermes (config "), h
    m = sets[("maestro.lab.example.", "A")]
    assert [x["content"] for x in m["records"]] == ["10.0.0.99"]
    assert m["comments"] == []


def test_derived_zones_are_listed_read_exported_and_guarded(hearthd_factory,
                                                            tmp_path):
    """The lab's own zones (forward and reverse) are visible to the API:
    listed, readable with their derived RRsets marked, exportable; a write
    that would override a derived record is refused naming its config
    line, and the served answer is unchanged."""
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False, lab=LAB)
    cfg = str(d.config_path)
    names = {z["name"] for z in api(d, "GET", Z).json()}
    assert {"lab.example.", "30.168.192.in-addr.arpa."} <= names, names

    r = api(d, "GET", Z + "/lab.example.")
    assert r.status_code == 200, r.text
    z = r.json()
    assert z["name"] == "lab.example." and z["kind"] == "Native"
    sets = {(s["name"], s["type"]): s for s in z["rrsets"]}
    assert ("lab.example.", "SOA") in sets and ("lab.example.", "NS") in sets
    m = sets[("maestro.lab.example.", "A")]
    assert [x["content"] for x in m["records"]] == ["192.168.30.8"]
    c = m["comments"][0]
    assert c["account"] == "hearth"
    assert c["content"].startswith(
        f"derived from lab.hosts.maestro (config {cfg}:"), c
    soa_serial = z["serial"]
    assert soa_serial > 0

    r = d.session.get(f"http://127.0.0.1:{d.port}{Z}/lab.example./export",
                      headers={"X-API-Key": "k"}, timeout=10)
    assert r.status_code == 200, r.text
    assert "maestro.lab.example.\t300\tIN\tA\t192.168.30.8" in r.text, r.text
    assert "lab.example.\t" in r.text and "\tSOA\t" in r.text
    r = api(d, "GET", Z + "/30.168.192.in-addr.arpa.")
    assert r.status_code == 200, r.text
    assert ("53.30.168.192.in-addr.arpa.", "PTR") in \
        {(s["name"], s["type"]) for s in r.json()["rrsets"]}

    # A PATCH of a lab host's A record (REPLACE or DELETE) is refused.
    for ct in ("REPLACE", "DELETE"):
        rr = {"name": "maestro.lab.example.", "type": "A", "ttl": 60,
              "changetype": ct,
              "records": [{"content": "10.0.0.99", "disabled": False}]}
        if ct == "DELETE":
            del rr["records"], rr["ttl"]
        r = api(d, "PATCH", Z + "/lab.example.", {"rrsets": [rr]})
        assert r.status_code in (409, 422), r.text
        err = r.json()["error"]
        assert "lab.hosts.maestro" in err and f"{cfg}:" in err, err
    # Creating the derived zone would replace its SOA and NS: refused.
    r = api(d, "POST", Z, {"name": "lab.example.", "kind": "Native",
                           "nameservers": ["ns1.lab.example."]})
    assert r.status_code in (409, 422), r.text
    assert "lab.hosts." in r.json()["error"] and f"{cfg}:" in \
        r.json()["error"], r.text
    # Nothing changed: the config's answer, the same serial.
    assert a(d.dns_port, "maestro.lab.example.") == \
        (dns.rcode.NOERROR, ["192.168.30.8"])
    assert api(d, "GET", Z + "/lab.example.").json()["serial"] == soa_serial


def test_cli_exports_and_lists_the_lab_zone(hearthd_factory, tmp_path, cli):
    """`hearth dns export lab.example` (as the README shows) prints the
    derived zone; `hearth dns zones` lists it."""
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False, lab=LAB)
    args = ["--url", f"http://127.0.0.1:{d.port}", "--api-key", "k"]
    r = cli(*args, "dns", "export", "lab.example")
    assert r.returncode == 0, r.stderr
    z = dns.zone.from_text(r.stdout, origin="lab.example.",
                           relativize=False)
    assert z.get_soa() is not None
    got = {(str(n), rd.to_text()) for n, _, rd in
           z.iterate_rdatas("A")}
    assert got == {("maestro.lab.example.", "192.168.30.8"),
                   ("hermes.lab.example.", "192.168.30.53")}, got
    r = cli(*args, "dns", "zones")
    assert r.returncode == 0, r.stderr
    assert "lab.example." in r.stdout, r.stdout


def test_zone_stored_and_derived_is_listed_once(hearthd_factory, tmp_path):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False)
    r = api(d, "POST", Z, {"name": "lab.example.", "kind": "Native",
                           "nameservers": ["ns1.lab.example."]})
    assert r.status_code == 201, r.text
    mark = len(d.stderr())
    d.write_config(dns_config(tmp_path, d.dns_port, ipv6=False, lab=LAB))
    d.signal(signal.SIGHUP)
    d.wait_log("reloaded", start=mark)
    names = [z["name"] for z in api(d, "GET", Z).json()]
    assert names.count("lab.example.") == 1, names
    assert "30.168.192.in-addr.arpa." in names, names


ZONE_FILE = """$ORIGIN lab.example.
$TTL 300
@ SOA ns1 hostmaster 7 3600 600 86400 60
@ NS ns1
ns1 A 192.168.30.2
www A 192.168.30.80
"""


def start_stored(how, hearthd_factory, tmp_path):
    """hearthd with the lab, whose lab.example. is also stored: created
    through the API, or from a zone file named in the config."""
    if how == "file":
        f = tmp_path / "lab.example.zone"
        f.write_text(ZONE_FILE)
        return start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                                lab=LAB, zones=(("lab.example", f),))
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False, zones=())
    # The API refuses to create a zone the lab derives: create it first,
    # then describe the lab.
    r = api(d, "POST", Z, {"name": "lab.example.", "kind": "Native",
                           "nameservers": ["ns1.lab.example."],
                           "rrsets": [{"name": "www.lab.example.",
                                       "type": "A", "ttl": 300,
                                       "records": [{"content":
                                                    "192.168.30.80",
                                                    "disabled": False}]}]})
    assert r.status_code == 201, r.text
    mark = len(d.stderr())
    d.write_config(dns_config(tmp_path, d.dns_port, ipv6=False, zones=(),
                              lab=LAB))
    d.signal(signal.SIGHUP)
    d.wait_log("reloaded", start=mark)
    return d


def test_stored_zone_shows_the_derived_rrsets_joining_it(hearthd_factory,
                                                         tmp_path):
    """A zone both stored (API or zone file) and derived from lab:: GET
    and export show the stored RRsets and the derived ones, each derived
    one marked with the host and the config line."""
    for how in ("api", "file"):
        (tmp_path / how).mkdir()
        d = start_stored(how, hearthd_factory, tmp_path / how)
        cfg = str(d.config_path)
        assert a(d.dns_port, "maestro.lab.example.") == \
            (dns.rcode.NOERROR, ["192.168.30.8"])
        z = api(d, "GET", Z + "/lab.example.").json()
        sets = {(s["name"], s["type"]): s for s in z["rrsets"]}
        assert [x["content"] for x in
                sets[("www.lab.example.", "A")]["records"]] == \
            ["192.168.30.80"], how
        assert sets[("www.lab.example.", "A")]["comments"] == []
        for host, ip in (("maestro", "192.168.30.8"),
                         ("hermes", "192.168.30.53")):
            s = sets[(f"{host}.lab.example.", "A")]
            assert [x["content"] for x in s["records"]] == [ip], (how, s)
            c = s["comments"]
            assert len(c) == 1 and c[0]["account"] == "hearth", (how, c)
            assert c[0]["content"].startswith(
                f"derived from lab.hosts.{host} (config {cfg}:"), (how, c)
        # The filters apply to the derived RRsets too.
        r = api(d, "GET", Z + "/lab.example.?rrset_name=hermes.lab.example."
                "&rrset_type=A").json()
        assert [s["name"] for s in r["rrsets"]] == ["hermes.lab.example."]
        r = d.session.get(f"http://127.0.0.1:{d.port}{Z}/lab.example./export",
                          headers={"X-API-Key": "k"}, timeout=10)
        assert r.status_code == 200, r.text
        for line in ("www.lab.example.\t300\tIN\tA\t192.168.30.80",
                     "maestro.lab.example.\t300\tIN\tA\t192.168.30.8",
                     "hermes.lab.example.\t300\tIN\tA\t192.168.30.53"):
            assert line in r.text, (how, r.text)
        # An ordinary edit of a stored RRset still works beside them.
        r = api(d, "PATCH", Z + "/lab.example.", {"rrsets": [
            {"name": "www.lab.example.", "type": "A", "ttl": 60,
             "changetype": "REPLACE",
             "records": [{"content": "192.168.30.81", "disabled": False}]}]})
        assert r.status_code == 204, r.text
        assert a(d.dns_port, "www.lab.example.") == \
            (dns.rcode.NOERROR, ["192.168.30.81"])
        d.stop()


def test_put_zone_is_guarded_like_patch(hearthd_factory, tmp_path):
    """PUT /zones/{id} replacing the RRsets may not override a derived
    record, and a zone only derived from the config cannot be PUT: 409
    naming the config line; nothing changes."""
    d = start_stored("api", hearthd_factory, tmp_path)
    cfg = str(d.config_path)
    soa = [s for s in api(d, "GET", Z + "/lab.example.").json()["rrsets"]
           if s["type"] == "SOA"][0]
    base = [{"name": "lab.example.", "type": "SOA", "ttl": 3600,
             "records": soa["records"]},
            {"name": "lab.example.", "type": "NS", "ttl": 3600,
             "records": [{"content": "ns1.lab.example.",
                          "disabled": False}]}]
    over = {"name": "maestro.lab.example.", "type": "A", "ttl": 60,
            "records": [{"content": "10.0.0.99", "disabled": False}]}
    before = api(d, "GET", Z + "/lab.example.").json()
    r = api(d, "PUT", Z + "/lab.example.", {"rrsets": base + [over]})
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert "maestro.lab.example." in err and "lab.hosts.maestro" in err \
        and f"{cfg}:" in err, err
    assert api(d, "GET", Z + "/lab.example.").json() == before
    assert a(d.dns_port, "maestro.lab.example.") == \
        (dns.rcode.NOERROR, ["192.168.30.8"])
    # The reverse zone is only derived: PUT (settings or RRsets) refused.
    rev = Z + "/30.168.192.in-addr.arpa."
    for body in ({"kind": "Master"},
                 {"rrsets": [{"name": "30.168.192.in-addr.arpa.",
                              "type": "SOA", "ttl": 3600,
                              "records": soa["records"]}]}):
        r = api(d, "PUT", rev, body)
        assert r.status_code == 409, r.text
        err = r.json()["error"]
        assert "lab.hosts." in err and f"{cfg}:" in err, err
    assert api(d, "GET", rev).json()["kind"] == "Native"
    # A PUT that leaves the derived records alone is fine; they stay.
    r = api(d, "PUT", Z + "/lab.example.", {"rrsets": base})
    assert r.status_code == 204, r.text
    names = {s["name"] for s in api(d, "GET", Z + "/lab.example.").json()[
        "rrsets"]}
    assert "www.lab.example." not in names
    assert "maestro.lab.example." in names
    assert a(d.dns_port, "maestro.lab.example.") == \
        (dns.rcode.NOERROR, ["192.168.30.8"])
