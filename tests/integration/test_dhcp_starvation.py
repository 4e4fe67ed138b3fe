# SPDX-License-Identifier: MIT
"""DHCP starvation by DISCOVER alone (issue 8): spoofed DISCOVERs from 60
made-up MACs, repeated for as long as the test runs, at a 50-address pool
used to hold every address for 60 s (an OFFER's hold), so a real client
got nothing. Now the holds shrink as the pool fills and, with nothing
free, held offers go to the next client as well (the first REQUEST
wins): a real client (udhcpc) still gets a lease while the flood goes on.
One MAC sending a burst of DISCOVERs gets only its token bucket's worth
of OFFERs, and the rest are counted. Everything stays in the test's
namespaces; the flood is bounded in time and stopped by the test."""
import re
import threading
import time

from dhcp_helpers import (DISCOVER, OFFER, build_packet, default_subnets,
                          dhcp_lab, in_range, needs_hearth,  # noqa: F401
                          random_mac, wait_for)

pytestmark = needs_hearth
POOL = ("10.30.0.100", "10.30.0.149")  # 50 addresses
ATTACKERS = 60
FLOOD_LIMIT_S = 60  # the flood thread stops by itself after this


def small_pool():
    subnets = default_subnets()
    subnets[0] = dict(subnets[0], ranges=["-".join(POOL)])
    return subnets


def metric(srv, name, labels=""):
    r = srv.api("GET", "/metrics")
    assert r.status_code == 200, r.text
    m = re.search(r"^%s%s (\S+)$" % (re.escape(name), re.escape(labels)),
                  r.text, re.M)
    assert m, f"no {name}{labels} in /metrics"
    return float(m.group(1))


class Flood:
    """Sends one DISCOVER from each of @macs every @period seconds, from
    a thread, until stopped (or FLOOD_LIMIT_S)."""

    def __init__(self, raw, macs, period=0.5):
        self.raw, self.macs, self.period = raw, macs, period
        self.stop_ev = threading.Event()
        self.rounds = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def round(self):
        for i, mac in enumerate(self.macs):
            p = build_packet(mac=mac, xid=0x5000 + i, msg_type=DISCOVER)
            self.raw.send_payload(p, src_mac=mac)
        self.rounds += 1

    def _run(self):
        deadline = time.monotonic() + FLOOD_LIMIT_S
        while not self.stop_ev.is_set() and time.monotonic() < deadline:
            self.round()
            self.stop_ev.wait(self.period)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stop_ev.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


def test_spoofed_discovers_do_not_starve_a_real_client(dhcp_lab):
    lab = dhcp_lab
    srv = lab.start(subnets=small_pool())
    raw = lab.client("c1")
    macs = [random_mac() for _ in range(ATTACKERS)]
    flood = Flood(raw, macs)
    flood.round()
    # The whole pool is held by offers to the made-up MACs.
    wait_for(lambda: metric(srv, "hearth_dhcp_offers_held") >= 50,
             timeout=5, what="the pool held by offers")
    flood.start()
    try:
        u = lab.udhcpc("c1", hostname="real")
        ev = u.obtain(timeout=20)
        ip = ev.get("ip")
        assert ip and in_range(ip, POOL), ev
        assert flood.rounds >= 2, "the flood did not run meanwhile"
        wait_for(lambda: srv.held(ip, "02:48:01:30:00:10"), timeout=5,
                 what=f"{ip} bound to the real client")
    finally:
        flood.stop()
    # Under pressure offers were handed on instead of the pool running dry.
    assert metric(srv, "hearth_dhcp_reoffered_total") > 0
    assert metric(srv, "hearth_dhcp_offers_held") <= 50


def test_discover_burst_from_one_mac_is_rate_limited(dhcp_lab):
    lab = dhcp_lab
    srv = lab.start()
    c = lab.client("c1", mac=random_mac())
    before = metric(srv, "hearth_dhcp_rate_limited_total", '{by="mac"}')
    for i in range(30):
        c.send_payload(build_packet(mac=c.mac, xid=0x7000 + i,
                                    msg_type=DISCOVER))
    offers = 0
    while c.recv(timeout=1.0) is not None:
        offers += 1
    # discover_burst_mac (10), plus what 2 a second refill meanwhile.
    assert 10 <= offers <= 12, offers
    limited = metric(srv, "hearth_dhcp_rate_limited_total", '{by="mac"}')
    assert limited - before == 30 - offers, (before, limited, offers)
    # Another client is answered at once.
    o = lab.client("c1", mac=random_mac()).discover()
    assert o is not None and o.type == OFFER
