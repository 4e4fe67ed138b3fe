# SPDX-License-Identifier: MIT
"""hearthd keeps lab:'s links applied: drift repaired for real.

In the namespaces of test_net_netns.py (hearthd runs in "gw" with
net.apply), links are changed by hand behind hearthd's back: the bridge
deleted, a port removed, an address added (rtnetlink announces those),
a sysctl flipped (only net.recheck finds that). Each time hearthd puts it
back within a bounded time, logs and counts the repair; a repair that
cannot be made (the trunk gone) backs off; and something that keeps
deleting the bridge gets at most 6 repairs a minute. Every namespace is
removed at teardown, also on failure.
"""
import os
import re
import signal
import subprocess
import time

from helpers import sanitizer_report
from test_net_netns import Daemon, ipv6_conf, lab, links, no_address, sh  # noqa: F401

REPAIR_S = 10  # bounded: debounce 1 s + a pass, on a loaded machine


def metrics(ns):
    get = ("import urllib.request\n"
           "print(urllib.request.urlopen('http://127.0.0.1:18081/metrics', "
           "timeout=5).read().decode())\n")
    text = sh("python3", "-c", get, ns=ns).stdout
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r"^(hearth_net_\w+) (\S+)$", text, re.M)}


def until(what, timeout=REPAIR_S):
    """Seconds until what() is true; fails after @timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if what():
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError("not within %s s: %s" % (timeout, what.__doc__))


def test_hearthd_repairs_drift(lab):
    cfg = no_address(lab, "drift.yaml",
                     net="http:\n  listen: 127.0.0.1:18081\n"
                         "net:\n  apply: true\n  recheck: 2s\n  host: %s\n" % lab.gw)
    d = Daemon(lab.gw, cfg, lab.tmp / "drift.log")
    try:
        d.wait_for(r"applied: changes=5")
        assert ipv6_conf(lab.gw, "dmzbr") == (1, 0)
        # Hearth's own apply made events: the check they start finds
        # nothing (no repair, no loop).
        time.sleep(2.5)
        assert "repaired drift" not in d.text(), d.text()
        m = metrics(lab.gw)
        assert m["hearth_net_repairs_total"] == 0, m

        def bridge_back():
            """dmzbr made again, its port vmp, IPv6 off"""
            out = links(lab.gw)
            return (re.search(r"^\d+: dmzbr:.*alias hearth:dmz", out, re.M | re.S)
                    and re.search(r"vmp@\S+:.*master dmzbr", out)
                    and ipv6_conf(lab.gw, "dmzbr") == (1, 0))

        # 1. The bridge deleted by hand.
        sh("ip", "link", "del", "dmzbr", ns=lab.gw)
        took = until(bridge_back)
        d.wait_for(r"repaired drift: changes=", count=1)
        assert re.search(r"repair: create\s+dmzbr\s+\(dmz\)", d.text()), d.text()
        assert re.search(r"repair: change\s+vmp\s+\(dmz\)\s+master dmzbr", d.text()), d.text()
        print("bridge back after %.1f s" % took)

        # 2. A port removed.
        sh("ip", "link", "set", "hvp", "nomaster", ns=lab.gw)
        until(lambda: re.search(r"hvp@\S+:.*master hypbr", links(lab.gw)))
        d.wait_for(r"repaired drift: changes=", count=2)

        # 3. An address set where none is wanted.
        sh("ip", "addr", "add", "10.77.30.99/24", "dev", "dmzbr", ns=lab.gw)
        until(lambda: "inet " not in sh("ip", "addr", "show", "dev", "dmzbr",
                                        ns=lab.gw).stdout)
        d.wait_for(r"repaired drift: changes=", count=3)
        assert "repair:   ip addr del 10.77.30.99/24 dev dmzbr" in d.text(), d.text()

        # 4. A sysctl flipped: no rtnetlink event; the 2 s recheck.
        sh("sysctl", "-qw", "net.ipv6.conf.vmp.accept_ra=1", ns=lab.gw)
        until(lambda: ipv6_conf(lab.gw, "vmp") == (1, 0))
        d.wait_for(r"repaired drift: changes=", count=4)
        m = metrics(lab.gw)
        assert m["hearth_net_repairs_total"] == 4, m
        assert m["hearth_net_repair_failures_total"] == 0, m

        # 5. A repair that cannot be made (the trunk gone): logged, retried
        # after a growing backoff, made once the trunk is back.
        sh("ip", "link", "del", "vmp", ns=lab.gw)
        d.wait_for(r"repair failed \(next try in 2 s\): .*conflicts")
        assert re.search(r"repair: conflict\s+vmp\s+\(dmz\)\s+trunk vmp not found",
                         d.text()), d.text()
        d.wait_for(r"repair failed \(next try in 4 s\)", timeout=20)
        sh("ip", "link", "add", "vmp", "type", "veth", "peer", "name", "eth1",
           "netns", lab.vm, ns=lab.gw)
        until(bridge_back, timeout=20)
        d.wait_for(r"repaired drift: changes=", count=5)
        m = metrics(lab.gw)
        assert m["hearth_net_repair_failures_total"] >= 2, m

        # 6. Something keeps deleting the bridge: the 6th repair in a
        # minute is the last; the next check waits.
        sh("ip", "link", "del", "dmzbr", ns=lab.gw)
        until(bridge_back)
        d.wait_for(r"repaired drift: changes=", count=6)
        sh("ip", "link", "del", "dmzbr", ns=lab.gw)
        d.wait_for(r"6 repairs in the last minute: the next check waits \d+ s")
        time.sleep(2)
        assert "dmzbr" not in links(lab.gw)
        assert metrics(lab.gw)["hearth_net_repairs_total"] == 6
    finally:
        assert d.stop() == 0, d.text()
    assert not sanitizer_report(d.text()), d.text()


def test_hearthd_plan_only_never_repairs(lab):
    cfg = lab.config("plan.yaml", net="net:\n  recheck: 1s\n  host: %s\n" % lab.gw)
    d = Daemon(lab.gw, cfg, lab.tmp / "plan.log")
    try:
        d.wait_for(r"plan: create\s+hypbr")
        sh("ip", "link", "add", "hypbr", "type", "bridge", ns=lab.gw)
        sh("ip", "link", "del", "hypbr", ns=lab.gw)
        time.sleep(3)
        assert "repair" not in d.text(), d.text()
        assert "hypbr" not in links(lab.gw)
    finally:
        assert d.stop() == 0, d.text()
