# SPDX-License-Identifier: MIT
"""A damaged hearth.db is refused at start with a message saying what to do
(0-byte, truncated, a corrupted page of dns_records, not a database at all);
`hearth store check` reports the damage, `hearth store recover` rebuilds the
database from what can be read, keeps the damaged file, and hearthd starts
on the result. A fresh start (no file) still works."""
import shutil
import sqlite3
import time

import dns.message
import dns.query
import pytest

from helpers import free_port

Z = "/api/v1/servers/localhost/zones"
KEY = {"X-API-Key": "k"}
N = 400  # A records: dns_records spans many leaf pages


def config(state, dns_port):
    return f"""state_dir: {state}
http: {{listen: "127.0.0.1:@PORT@", api_key: k}}
dns: {{listen: ["127.0.0.1:{dns_port}"], upstream: []}}
"""


def api(d, method, path, **kw):
    return d.session.request(method, f"http://127.0.0.1:{d.port}{path}",
                             headers=KEY, timeout=10, **kw)


@pytest.fixture
def stored(hearthd_factory, tmp_path):
    """A stopped hearthd's state dir holding zone big.example. with N A
    records; returns (state, dns_port)."""
    state = tmp_path / "state"
    dns_port = free_port()
    d = hearthd_factory(config(state, dns_port), name="seed")
    r = api(d, "POST", Z, json={"name": "big.example.", "kind": "Native",
                                "nameservers": ["ns1.big.example."]})
    assert r.status_code == 201, r.text
    rrsets = [{"name": f"h{i}.big.example.", "type": "A", "ttl": 60,
               "changetype": "REPLACE",
               "records": [{"content": f"10.0.{i // 250}.{i % 250 + 1}",
                            "disabled": False}]} for i in range(N)]
    r = api(d, "PATCH", Z + "/big.example.", json={"rrsets": rrsets})
    assert r.status_code == 204, r.text
    assert d.stop() == 0
    db = state / "hearth.db"
    assert db.stat().st_size > 0 and not (state / "hearth.db-wal").exists()
    return state, dns_port


def corrupt_records_page(db):
    """Overwrites one leaf page of dns_records (not its first) with junk."""
    c = sqlite3.connect(db)
    page_size = c.execute("PRAGMA page_size").fetchone()[0]
    leaves = [p for (p,) in c.execute(
        "SELECT pageno FROM dbstat WHERE name = 'dns_records' "
        "AND pagetype = 'leaf' ORDER BY pageno")]
    c.close()
    assert len(leaves) >= 4, leaves
    victim = leaves[len(leaves) // 2]
    with open(db, "r+b") as f:
        f.seek((victim - 1) * page_size)
        f.write(bytes([0x0D, 0xFF, 0xFF]) + b"\xA5" * (page_size - 3))


def damage(state, how):
    db = state / "hearth.db"
    if how == "empty":
        db.write_bytes(b"")
    elif how == "truncated":
        size = db.stat().st_size
        with open(db, "r+b") as f:
            f.truncate(size // 2)
    elif how == "page":
        corrupt_records_page(db)
    elif how == "not-a-database":
        db.write_bytes(b"this is not an SQLite database\n" * 200)


def refused(hearthd_factory, state, dns_port, name):
    d = hearthd_factory(config(state, dns_port), name=name, wait=False)
    deadline = time.monotonic() + 15
    while d.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not d.alive(), "hearthd started on a damaged database"
    assert d.proc.returncode != 0
    return d.stderr()


@pytest.mark.parametrize("how", ["empty", "truncated", "page",
                                 "not-a-database"])
def test_damaged_database_refuses_start(hearthd_factory, stored, cli, how):
    state, dns_port = stored
    damage(state, how)
    err = refused(hearthd_factory, state, dns_port, f"damaged-{how}")
    assert "hearth.db is damaged" in err, err
    assert "restore" in err and "hearth store recover" in err, err
    # The offline check agrees and says what to do.
    r = cli("store", "check", "--state-dir", state)
    assert r.returncode == 1, r
    assert "damaged" in r.stdout and "hearth store recover" in r.stdout, r


def test_check_of_a_sound_database(stored, cli, tmp_path):
    state, dns_port = stored
    r = cli("store", "check", "--state-dir", state)
    assert r.returncode == 0, r
    assert r.stdout.strip().endswith("hearth.db: ok"), r
    # -c FILE after the command reads state_dir from the config.
    cfg = tmp_path / "offline.yaml"
    cfg.write_text(config(state, dns_port).replace("@PORT@", "1"))
    r = cli("store", "check", "-c", cfg)
    assert r.returncode == 0 and "ok" in r.stdout, r
    r = cli("store", "check")
    assert r.returncode == 2, r
    r = cli("store", "check", "--state-dir", tmp_path / "nothing")
    assert r.returncode == 1 and "no database" in r.stderr, r


def served_names(dns_port):
    found = 0
    for i in range(N):
        q = dns.message.make_query(f"h{i}.big.example.", "A")
        r = dns.query.udp(q, "127.0.0.1", port=dns_port, timeout=5)
        found += bool(r.answer)
    return found


def test_recover_keeps_what_is_readable(hearthd_factory, stored, cli):
    state, dns_port = stored
    intact = state.parent / "intact.db"
    shutil.copy(state / "hearth.db", intact)
    damage(state, "page")
    r = cli("store", "recover", "--state-dir", state)
    assert r.returncode == 0, r
    assert "recovered" in r.stdout and "damaged stretches" in r.stdout, r
    kept = sorted(state.glob("hearth.db.damaged-*"))
    assert len(kept) == 1, list(state.iterdir())
    assert kept[0].read_bytes() != intact.read_bytes()  # the damaged one
    r = cli("store", "check", "--state-dir", state)
    assert r.returncode == 0, r

    c = sqlite3.connect(state / "hearth.db")
    rows = c.execute("SELECT count(*) FROM dns_records").fetchone()[0]
    zones = c.execute("SELECT name FROM dns_zones").fetchall()
    versions = dict(c.execute("SELECT room, version FROM schema_versions"))
    c.close()
    total = sqlite3.connect(intact).execute(
        "SELECT count(*) FROM dns_records").fetchone()[0]
    # One leaf page is lost, the rest (most records) came back.
    assert total // 2 < rows < total, (rows, total)
    assert zones == [("big.example.",)]
    assert versions["core"] >= 1 and versions["dns"] >= 1

    d = hearthd_factory(config(state, dns_port), name="recovered")
    found = served_names(dns_port)
    assert N // 2 < found < N, found
    r = api(d, "PATCH", Z + "/big.example.", json={"rrsets": [
        {"name": "after.big.example.", "type": "A", "ttl": 60,
         "changetype": "REPLACE",
         "records": [{"content": "10.9.9.9", "disabled": False}]}]})
    assert r.status_code == 204, r.text


def test_recover_of_nothing_readable_says_so(stored, cli):
    state, _ = stored
    damage(state, "not-a-database")
    r = cli("store", "recover", "--state-dir", state)
    assert r.returncode == 1, r
    assert "nothing to recover" in r.stderr and "backup" in r.stderr, r
    assert not list(state.glob("hearth.db.damaged-*"))


def test_fresh_start_without_a_file(hearthd_factory, tmp_path):
    state = tmp_path / "fresh"
    d = hearthd_factory(config(state, free_port()), name="fresh")
    assert (state / "hearth.db").stat().st_size > 0
    assert d.stop() == 0
