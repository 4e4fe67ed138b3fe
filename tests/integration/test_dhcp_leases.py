# SPDX-License-Identifier: MIT
"""Leases as hearth shows and keeps them: GET /api/v1/dhcp/leases,
`hearth dhcp leases`, DELETE /api/v1/dhcp/leases/<ip>, durability across
kill -9 and restart, SIGHUP, and a RELEASE that is not the holder's.

The lease objects have at least ip, mac, hostname, expires, state; a held
lease's state is one of dhcp_helpers.HELD_STATES ("active" expected)."""
import datetime
import random
import time

from dhcp_helpers import (CLIENT_MAC, DNS_PORT, DOMAIN, GONE_STATES,
                          HELD_STATES, LABHOST_IP, LABHOST_NAME,
                          LEASE_TIME, POOL1, POOL2, SRV_IP,
                          SRV_MAC, default_reservations, default_subnets,
                          dhcp_lab, dhcp_server, hearth_config,  # noqa: F401
                          in_range, needs_hearth, random_mac, wait_for)

pytestmark = needs_hearth
S1 = SRV_IP["srv0"]


def parse_expires(v):
    """epoch seconds (number or digits) or RFC 3339 text -> epoch seconds."""
    if isinstance(v, (int, float)):
        return float(v)
    assert isinstance(v, str) and v, f"expires: {v!r}"
    if v.isdigit():
        return float(v)
    t = datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return t.timestamp()


def by_ip(leases):
    return {le.get("ip"): le for le in leases}


def short_name(h):
    h = (h or "").rstrip(".")
    return h[:-len(DOMAIN) - 1] if h.endswith("." + DOMAIN) else h


def test_leases_api_lists_leases(dhcp_server):
    lab = dhcp_server
    c = lab.client("c1", mac=random_mac())
    _, ack = c.dora(hostname="apibox")
    u = lab.udhcpc("c2", hostname="udhbox")
    ip2 = u.obtain()["ip"]
    now = time.time()
    leases = by_ip(lab.server.leases())
    for ip, mac, host, pool in ((ack.yiaddr, c.mac, "apibox", POOL1),
                                (ip2, CLIENT_MAC["c2"], "udhbox", POOL2)):
        assert ip in leases, f"{ip} not listed: {list(leases)}"
        le = leases[ip]
        for key in ("ip", "mac", "hostname", "expires", "state"):
            assert key in le, f"lease without {key}: {le}"
        assert in_range(le["ip"], pool)
        assert le["mac"].lower() == mac
        assert short_name(le["hostname"]) == host
        assert str(le["state"]).lower() in HELD_STATES, le
        exp = parse_expires(le["expires"])
        lease_time = LEASE_TIME if pool is POOL1 else 3600  # the default
        assert now < exp <= now + lease_time + 5, (le, now)


def test_leases_api_needs_key(dhcp_server):
    lab = dhcp_server
    r = lab.server.api("GET", "/api/v1/dhcp/leases", headers={"X-API-Key": "no"})
    assert r.status_code in (401, 403), r.text
    r = lab.server.session.get(lab.server.url + "/api/v1/dhcp/leases")
    assert r.status_code in (401, 403), r.text
    r = lab.server.api("DELETE", "/api/v1/dhcp/leases/10.30.0.100",
                       headers={"X-API-Key": "no"})
    assert r.status_code in (401, 403), r.text


def test_cli_lists_leases(dhcp_server):
    lab = dhcp_server
    got = []
    for name in ("cli-a", "cli-b"):
        c = lab.client("c1", mac=random_mac())
        got.append((c.dora(hostname=name)[1].yiaddr, c.mac, name))
    cp = lab.server.cli("dhcp", "leases")
    assert cp.returncode == 0, cp.stderr
    lines = cp.stdout.splitlines()
    assert len(lines) >= 3, cp.stdout   # a header and one line per lease
    for ip, mac, name in got:
        row = [ln for ln in lines if ip in ln.split()]
        assert row, f"{ip} not in:\n{cp.stdout}"
        assert mac in row[0].lower() and name in row[0], row[0]
    # A wrong key is an error, not an empty table.
    cp = lab.server.cli("dhcp", "leases", api_key="wrong")
    assert cp.returncode != 0


def test_delete_lease(dhcp_server):
    lab = dhcp_server
    c = lab.client("c1", mac=random_mac())
    ip = c.dora(hostname="gone")[1].yiaddr
    wait_for(lambda: lab.resolves("gone", ip), timeout=5, what="A record")
    r = lab.server.api("DELETE", f"/api/v1/dhcp/leases/{ip}")
    assert r.status_code in (200, 204), r.text
    le = lab.server.lease(ip)
    assert le is None or str(le.get("state")).lower() in GONE_STATES, le
    wait_for(lambda: not lab.resolves("gone", ip), timeout=5,
             what="A record removed with the lease")
    r = lab.server.api("DELETE", f"/api/v1/dhcp/leases/{ip}")
    assert r.status_code == 404, r.text
    for bad in ("not-an-ip", "10.30.0.999", "1.2.3.4.5"):
        r = lab.server.api("DELETE", f"/api/v1/dhcp/leases/{bad}")
        assert 400 <= r.status_code < 500, (bad, r.status_code, r.text)
        if r.status_code == 400:
            assert "error" in r.json(), r.text
    # The address is free again: a new client asking for it gets it.
    o = lab.client("c1", mac=random_mac()).discover(requested=ip)
    assert o is not None and o.yiaddr == ip, o


def test_release_from_another_client_is_ignored(dhcp_server):
    lab = dhcp_server
    a = lab.client("c1", mac=random_mac())
    ip = a.dora(hostname="holder")[1].yiaddr
    b = lab.client("c1", mac=random_mac())
    b.release(ip, S1, SRV_MAC["srv0"])
    time.sleep(0.5)
    assert lab.server.held(ip, a.mac), lab.server.lease(ip)
    assert lab.resolves("holder", ip)
    r = a.request(requested=ip)
    assert r is not None and r.yiaddr == ip and r.type == 5, r


def test_kill9_after_acks_keeps_every_lease(dhcp_server):
    """50 DORA exchanges as fast as the server answers, SIGKILL right after
    the last ACK, start again: every acknowledged lease is there."""
    lab = dhcp_server
    rng = random.Random(4242)
    c = lab.client("c1")
    acked = {}
    for i in range(50):
        c.mac = random_mac(rng)
        _, ack = c.dora(hostname=f"k9-{i}")
        assert ack.yiaddr not in acked
        acked[ack.yiaddr] = c.mac
    lab.server.kill9()
    lab.restart()
    leases = by_ip(lab.server.leases())
    missing = [ip for ip in acked if ip not in leases]
    assert not missing, f"{len(missing)} acknowledged leases lost: {missing[:10]}"
    wrong = [(ip, leases[ip]) for ip, mac in acked.items()
             if leases[ip].get("mac", "").lower() != mac
             or str(leases[ip].get("state")).lower() not in HELD_STATES]
    assert not wrong, wrong[:5]
    # The restarted server honours them: the holder gets its address, a
    # newcomer gets another one, and the names still resolve.
    ip0, mac0 = next(iter(acked.items()))
    c.mac = mac0
    r = c.request(requested=ip0)
    assert r is not None and r.type == 5 and r.yiaddr == ip0, r
    o = lab.client("c1", mac=random_mac(rng)).discover()
    assert o is not None and o.yiaddr not in acked, o
    assert lab.resolves("k9-0", ip0)


def test_kill9_after_delete_204_keeps_it_deleted(dhcp_server):
    """A DELETE answered 204 is durable: SIGKILL right after the answer
    (each round, a fresh lease) and the restarted server does not bring
    the lease back. The answer waits for the commit on the room's strand
    (before, 204 went out first and the lease came back)."""
    lab = dhcp_server
    rng = random.Random(8484)
    c = lab.client("c1")
    rounds = 6
    acked = []
    for i in range(rounds):
        c.mac = random_mac(rng)
        acked.append(c.dora(hostname=f"del-{i}")[1].yiaddr)
    for i, ip in enumerate(acked):
        r = lab.server.api("DELETE", f"/api/v1/dhcp/leases/{ip}")
        assert r.status_code == 204, (r.status_code, r.text)
        lab.server.kill9()
        lab.restart()
        leases = by_ip(lab.server.leases())
        assert ip not in leases, (f"round {i}: lease {ip} deleted with 204 "
                                  f"is back after kill -9: {leases[ip]}")
        # The others, never deleted, are all still there.
        left = [a for a in acked[i + 1:] if a not in leases]
        assert not left, f"round {i}: leases lost: {left}"


def test_sigterm_restart_keeps_leases(dhcp_server):
    lab = dhcp_server
    u = lab.udhcpc("c1", hostname="survivor")
    ip = u.obtain()["ip"]
    assert lab.server.stop() == 0
    lab.restart()
    assert lab.server.held(ip, CLIENT_MAC["c1"]), lab.server.lease(ip)
    wait_for(lambda: lab.resolves("survivor", ip), timeout=5, what="A record")
    ev = u.renew()
    assert ev["ip"] == ip


def test_sighup_reload_keeps_leases(dhcp_server):
    lab = dhcp_server
    c = lab.client("c1", mac=random_mac())
    ip = c.dora(hostname="steady")[1].yiaddr
    res = default_reservations() + [
        {"mac": "ca:fe:c0:ff:ee:42", "ip": "10.30.0.42", "hostname": "newbie"}]
    text = hearth_config(lab.tmp / "var", subnets=default_subnets(),
                         reservations=res)
    before = len(lab.server.stderr())
    lab.server.reconfigure(text)
    # Reloaded when the new reservation answers (bounded).
    n = lab.client("c1", mac="ca:fe:c0:ff:ee:42")
    deadline = time.monotonic() + 10
    offer = None
    while time.monotonic() < deadline:
        offer = n.discover(attempts=1)
        if offer is not None and offer.yiaddr == "10.30.0.42":
            break
        time.sleep(0.2)
    assert offer is not None and offer.yiaddr == "10.30.0.42", \
        f"{offer!r}\n{lab.server.stderr()[before:]}"
    assert lab.server.alive()
    assert lab.server.held(ip, c.mac), lab.server.lease(ip)
    r = c.request(requested=ip)
    assert r is not None and r.type == 5 and r.yiaddr == ip
    assert lab.resolves("steady", ip)
    # A bad config is refused and the running one stays in force.
    lab.server.reconfigure(text.replace("10.30.0.42", "10.30.0.420"))
    time.sleep(0.5)
    assert lab.server.alive()
    assert lab.server.held(ip, c.mac)
    r = c.request(requested=ip)
    assert r is not None and r.type == 5 and r.yiaddr == ip


def test_expired_lease_is_reclaimed(dhcp_lab):
    """A lease not renewed ends: gone from the list and from DNS, and its
    address goes to the next client."""
    lab = dhcp_lab
    subnets = default_subnets()
    subnets[0]["lease_time"] = "10s"
    lab.start(subnets=subnets)
    c = lab.client("c1", mac=random_mac())
    ip = c.dora(hostname="shortlived")[1].yiaddr
    wait_for(lambda: lab.resolves("shortlived", ip), timeout=5,
             what="A record")
    wait_for(lambda: lab.server.lease(ip) is None, timeout=20,
             what="expired lease reclaimed")
    wait_for(lambda: not lab.resolves("shortlived", ip), timeout=5,
             what="A record removed at expiry")
    o = lab.client("c1", mac=random_mac()).discover(requested=ip)
    assert o is not None and o.yiaddr == ip, o


def test_lease_names_in_a_stored_zone_are_shown_derived(dhcp_lab, tmp_path):
    """The lab's domain is also a zone file: through the PowerDNS API it
    shows the file's RRsets, the lab host's and the lease's, the derived
    ones marked with where they come from (a lease, the config line)."""
    zone = tmp_path / "lab.zone"
    zone.write_text(f"$ORIGIN {DOMAIN}.\n$TTL 300\n"
                    "@ SOA ns1 hostmaster 1 3600 600 86400 60\n"
                    "@ NS ns1\nns1 A 10.30.0.1\nwww A 10.30.0.80\n")
    srv = dhcp_lab.start(top_extra={"dns": {
        "listen": [f"127.0.0.1:{DNS_PORT}"], "upstream": [],
        "zones": [{"name": DOMAIN, "file": str(zone)}]}})
    c = dhcp_lab.client("c1", mac=random_mac())
    ip = c.dora(hostname="leasebox")[1].yiaddr
    z = f"/api/v1/servers/localhost/zones/{DOMAIN}."

    def sets():
        r = srv.api("GET", z)
        assert r.status_code == 200, r.text
        return {(s["name"], s["type"]): s for s in r.json()["rrsets"]}

    wait_for(lambda: (f"leasebox.{DOMAIN}.", "A") in sets(), timeout=5,
             what="the lease's A record in the zone's RRsets")
    got = sets()
    lease = got[(f"leasebox.{DOMAIN}.", "A")]
    assert [x["content"] for x in lease["records"]] == [ip]
    assert [(c["content"], c["account"]) for c in lease["comments"]] == \
        [("derived from a DHCP lease", "hearth")]
    host = got[(f"{LABHOST_NAME}.{DOMAIN}.", "A")]
    assert [x["content"] for x in host["records"]] == [LABHOST_IP]
    assert host["comments"][0]["content"].startswith(
        f"derived from lab.hosts.{LABHOST_NAME} (config ")
    assert got[(f"www.{DOMAIN}.", "A")]["comments"] == []
    # The lease's record cannot be overridden through the API either.
    r = srv.api("PATCH", z, json={"rrsets": [
        {"name": f"leasebox.{DOMAIN}.", "type": "A", "ttl": 60,
         "changetype": "REPLACE",
         "records": [{"content": "10.30.0.99", "disabled": False}]}]})
    assert r.status_code == 409, r.text
    assert "derived from a DHCP lease" in r.json()["error"], r.text
