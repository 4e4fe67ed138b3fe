# SPDX-License-Identifier: MIT
"""A state_dir written by hearth 0.1.0 (one numbered schema, user_version 5)
upgrades in place to per-room schema versions with no data lost: its zone,
records and comments are served and listed, its DHCP lease is still held,
and a second start changes nothing."""
import sqlite3
from pathlib import Path

import dns.message
import dns.query

from helpers import free_port

DATA = Path(__file__).resolve().parent / "data" / "legacy" / "hearth-0.1.0.sql"
Z = "/api/v1/servers/localhost/zones"


def legacy_state(tmp_path):
    state = tmp_path / "var"
    state.mkdir()
    db = sqlite3.connect(state / "hearth.db")
    db.executescript(DATA.read_text())
    db.close()
    return state


def config(state, dns_port, dhcp_port):
    # DHCP on loopback only (a port of its own, no client sends anything):
    # the room loads the lease table it finds.
    return f"""state_dir: {state}
http: {{listen: "127.0.0.1:@PORT@", api_key: k}}
dns: {{listen: ["127.0.0.1:{dns_port}"], upstream: []}}
dhcp:
  interfaces: [lo]
  port: {dhcp_port}
  subnets: [{{subnet: 192.168.32.0/24, ranges: ["192.168.32.100-192.168.32.120"]}}]
"""


def get(d, path):
    r = d.session.get(f"http://127.0.0.1:{d.port}{path}",
                      headers={"X-API-Key": "k"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def check_served(d, dns_port):
    q = dns.message.make_query("www.legacy.example.", "A")
    r = dns.query.udp(q, "127.0.0.1", port=dns_port, timeout=5)
    assert [x.to_text() for rr in r.answer for x in rr] == ["10.1.2.3"]
    zone = get(d, Z + "/legacy.example.")
    www = [s for s in zone["rrsets"] if s["name"] == "www.legacy.example."]
    assert www and www[0]["comments"][0]["content"] == "kept across the upgrade"
    assert www[0]["comments"][0]["account"] == "ops"
    txt = [s for s in zone["rrsets"] if s["type"] == "TXT"]
    assert txt[0]["records"][0]["content"] == '"v=spf1 -all"'
    leases = get(d, "/api/v1/dhcp/leases")
    assert [(x["ip"], x["mac"], x["hostname"], x["expires"]) for x in leases] \
        == [("192.168.32.100", "ca:fe:c0:ff:ee:09", "oldbox", 4102444800)]


def test_state_dir_of_0_1_0_upgrades_in_place(hearthd_factory, tmp_path):
    state = legacy_state(tmp_path)
    dns_port, dhcp_port = free_port(), free_port()
    d = hearthd_factory(config(state, dns_port, dhcp_port))
    assert "now versioned per room" in d.stderr()
    st = get(d, "/api/v1/status")
    versions = st["store"]["schema_versions"]
    # Rooms the 0.1.0 database never had start at their own first version.
    assert {k: versions[k] for k in ("core", "dns", "dhcp")} == \
        {"core": 1, "dns": 6, "dhcp": 1}
    assert st["store"]["starts"] == 2  # the old database's count goes on
    check_served(d, dns_port)

    # A write through the API lands in the upgraded tables.
    r = d.session.patch(
        f"http://127.0.0.1:{d.port}{Z}/legacy.example.",
        headers={"X-API-Key": "k"}, timeout=10,
        json={"rrsets": [{"name": "new.legacy.example.", "type": "A",
                          "ttl": 60, "changetype": "REPLACE",
                          "records": [{"content": "10.9.9.9",
                                       "disabled": False}]}]})
    assert r.status_code == 204, r.text
    d.stop()

    db = sqlite3.connect(state / "hearth.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 100
    rows = dict(db.execute("SELECT room, version FROM schema_versions"))
    assert {k: rows[k] for k in ("core", "dns", "dhcp")} == \
        {"core": 1, "dns": 6, "dhcp": 1}
    db.close()

    # The second start migrates nothing and serves the same data.
    d2 = hearthd_factory(config(state, dns_port, dhcp_port))
    assert "migrated" not in d2.stderr() and "versioned" not in d2.stderr()
    check_served(d2, dns_port)
