# SPDX-License-Identifier: MIT
"""A full disk does not prevent start: with state_dir on a small tmpfs
filled to capacity, hearthd starts read-only (degraded): DNS answers from
what is stored, API writes get 503 naming the full disk, /healthz answers
503 "degraded" naming the store and the full disk; once space is freed it becomes writable again by itself."""
import os
import subprocess
import time

import dns.message
import dns.query
import pytest

from helpers import free_port

Z = "/api/v1/servers/localhost/zones"
KEY = {"X-API-Key": "k"}


@pytest.fixture
def small_fs(tmp_path):
    """A 4 MiB tmpfs of this test's own, unmounted whatever happens (it is
    set up before the daemons, so torn down after they stopped)."""
    mnt = tmp_path / "fs"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755",
                    "tmpfs", str(mnt)], check=True, timeout=10)
    try:
        yield mnt
    finally:
        if subprocess.run(["umount", str(mnt)], timeout=10).returncode:
            subprocess.run(["umount", "-l", str(mnt)], timeout=10)


def fill(mnt):
    """Writes mnt/filler until the file system refuses another byte."""
    path = mnt / "filler"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (1 << 16, 4096, 512, 1):
            for _ in range(1 << 16):  # bounded: 4 MiB is 64 chunks
                try:
                    os.write(fd, b"\0" * chunk)
                except OSError:
                    break
    finally:
        os.close(fd)
    return path


def config(state, dns_port):
    return f"""state_dir: {state}
http: {{listen: "127.0.0.1:@PORT@", api_key: k}}
dns: {{listen: ["127.0.0.1:{dns_port}"], upstream: []}}
lab:
  domain: lab.example
  networks: {{dmz: {{subnet: 192.168.30.0/24}}}}
  hosts: {{maestro: {{ip: 192.168.30.8, network: dmz}}}}
"""


def answer(dns_port, name):
    r = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1",
                      port=dns_port, timeout=5)
    return sorted(x.to_text() for rr in r.answer for x in rr)


def patch(d, name, ip):
    return d.session.patch(
        f"http://127.0.0.1:{d.port}{Z}/stored.example.", headers=KEY,
        timeout=10, json={"rrsets": [
            {"name": name, "type": "A", "ttl": 60, "changetype": "REPLACE",
             "records": [{"content": ip, "disabled": False}]}]})


def health(d, code=200):
    r = d.get("/healthz")
    assert r.status_code == code, r.text
    return r.json()


def test_full_disk_starts_read_only_and_recovers(small_fs, hearthd_factory):
    state = small_fs / "state"
    dns_port = free_port()
    cfg = config(state, dns_port)
    d = hearthd_factory(cfg, name="seed")
    r = d.session.post(f"http://127.0.0.1:{d.port}{Z}", headers=KEY,
                       timeout=10,
                       json={"name": "stored.example.", "kind": "Native",
                             "nameservers": ["ns1.stored.example."]})
    assert r.status_code == 201, r.text
    assert patch(d, "www.stored.example.", "10.1.1.1").status_code == 204
    assert d.stop() == 0

    filler = fill(small_fs)
    with pytest.raises(OSError):
        (small_fs / "probe").write_bytes(b"x" * 4096)

    d = hearthd_factory(cfg, name="full")
    err = d.stderr()
    assert "serving read-only (degraded)" in err, err
    h = health(d, 503)
    assert h["status"] == "degraded"
    assert "room store is degraded" in h["reason"], h
    assert "disk is full" in h["reason"], h
    assert h["rooms"]["store"] == "degraded"
    assert h["store"]["writable"] is False
    assert "disk is full" in h["store"]["error"]
    # DNS from what is stored: the API zone and the lab.
    assert answer(dns_port, "www.stored.example.") == ["10.1.1.1"]
    assert answer(dns_port, "maestro.lab.example.") == ["192.168.30.8"]
    # Writes are refused, clearly.
    r = patch(d, "new.stored.example.", "10.2.2.2")
    assert r.status_code == 503, r.text
    assert "disk is full" in r.json()["error"]
    assert d.status("k")["store"]["starts"] == 2  # counted later

    # Space comes back: writable again without a restart.
    start = len(d.stderr())
    filler.unlink()
    d.wait_log("writable again", start=start, timeout=15)
    assert health(d)["status"] == "ok"
    assert "store" not in health(d)
    r = patch(d, "new.stored.example.", "10.2.2.2")
    assert r.status_code == 204, r.text
    assert answer(dns_port, "new.stored.example.") == ["10.2.2.2"]
    assert d.status("k")["store"]["starts"] == 2
    assert d.stop() == 0

    hearthd_factory.restart(d)
    assert health(d)["status"] == "ok"
    assert d.status("k")["store"]["starts"] == 3
    assert answer(dns_port, "new.stored.example.") == ["10.2.2.2"]


def test_fresh_start_on_full_disk_fails_clearly(small_fs, hearthd_factory):
    fill(small_fs)
    d = hearthd_factory(config(small_fs / "state", free_port()),
                        name="nofile", wait=False)
    deadline = time.monotonic() + 15
    while d.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not d.alive() and d.proc.returncode != 0
    assert "hearth.db cannot be created" in d.stderr(), d.stderr()
    # No empty file is left to read as damage once space is back.
    assert not (small_fs / "state" / "hearth.db").exists()
