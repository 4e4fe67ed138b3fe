# SPDX-License-Identifier: MIT
"""Other rooms alert through the notify room (issue 10, "Inside hearth"):
a config zone file the dns room refuses (at start and on SIGHUP) arrives
on the ntfy topic notify.routes names for "dns.zone_refused", and a DHCP
pool that runs out (a real DISCOVER in the test's namespaces) on the
topic for "dhcp.pool_exhausted", once. The status page's notify panel
shows subscribers, topics, the last messages and the Apprise targets
that failed (names only with the management key)."""
import signal
import time

import requests

from dhcp_helpers import dhcp_lab, needs_hearth, random_mac  # noqa: F401
from dns_helpers import _yaml as to_yaml
from helpers import API_KEY, base_config, free_port
from notify_helpers import Stream, poll, publish, ntfy_url

GOOD = """$TTL 300
@   SOA ns1 hostmaster 7 3600 600 86400 60
@   NS  ns1
ns1 A   192.0.2.9
www A   192.0.2.10
"""


def wait_messages(get, want, timeout=10):
    deadline = time.monotonic() + timeout
    msgs = []
    while time.monotonic() < deadline:
        msgs = get()
        if len(msgs) >= want:
            return msgs
        time.sleep(0.1)
    return msgs


def zone_config(tmp_path, zone_file, nport):
    cfg = base_config(
        tmp_path, lab=False,
        dns={"listen": [f"127.0.0.1:{free_port()}"], "upstream": [],
             "zones": [{"name": "ev.example", "file": str(zone_file)}]},
        notify={"listen": f"127.0.0.1:{nport}",
                "routes": [{"event": "dns.zone_refused",
                            "to": ["ntfy:dns-alerts"]}]})
    return to_yaml(cfg)


def test_refused_zone_file_is_published(hearthd_factory, tmp_path):
    zone = tmp_path / "ev.zone"
    zone.write_text(GOOD + "www CNAME ns1\n")
    nport = free_port()
    d = hearthd_factory(zone_config(tmp_path, zone, nport))
    (m,) = wait_messages(lambda: poll(nport, "dns-alerts"), 1)
    assert m["title"] == "Zone ev.example refused"
    assert "CNAME and other data" in m["message"]
    assert "served as it was before" in m["message"]
    assert m["priority"] == 4 and "warning" in m["tags"]
    text = d.get("/metrics").text
    assert 'hearth_notify_messages_published_total{source="event"} 1' in text
    assert 'hearth_notify_messages_published_total{source="http"} 0' in text

    # A fixed file on SIGHUP: served, nothing published.
    zone.write_text(GOOD)
    d.signal(signal.SIGHUP)
    d.wait_log("reload", timeout=10)
    time.sleep(0.5)
    assert len(poll(nport, "dns-alerts")) == 1
    # Broken again on SIGHUP: the reload's refusal is published too.
    zone.write_text(GOOD.replace("www A", "out.other. A"))
    d.signal(signal.SIGHUP)
    msgs = wait_messages(lambda: poll(nport, "dns-alerts"), 2)
    assert len(msgs) == 2, msgs
    assert "outside the zone" in msgs[1]["message"]


def test_status_page_notify_panel(hearthd_factory, tmp_path):
    nport = free_port()
    cfg = base_config(
        tmp_path, lab=False, dns={"enabled": False},
        notify={"listen": f"127.0.0.1:{nport}",
                "apprise": {"retries": 0},
                "routes": [{"event": "watch.down",
                            # a closed loopback port: the target fails
                            "to": [f"json://127.0.0.1:{free_port()}/hook"]}]})
    cfg.pop("dns")
    d = hearthd_factory(to_yaml(cfg))
    s = Stream(ntfy_url(nport, "/phone-alerts/json"))
    try:
        assert s.next_event()["event"] == "open"
        r = publish(nport, "phone-alerts", "disk at 91 %",
                    headers={"Title": "nas disk"})
        assert r.status_code == 200, r.text
        key = {"X-API-Key": API_KEY}
        r = d.request("POST", "/api/v1/notify/publish", headers=key,
                      json={"event": "watch.down", "message": "web down"})
        assert r.status_code == 202, r.text

        def page(**kw):
            r = requests.get(f"http://127.0.0.1:{d.port}/", timeout=5, **kw)
            assert r.status_code == 200
            return r.text

        deadline = time.monotonic() + 10
        while "127.0.0.1" not in page(params={"details": 1}, headers=key) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        full = page(params={"details": 1}, headers=key)
        for text in ("notify", "subscribers (json)", "phone-alerts",
                     "nas disk", "failing targets", "json://127.0.0.1"):
            assert text in full, text
        public = page()
        assert "subscribers (json)" in public
        assert "phone-alerts" not in public and "nas disk" not in public
    finally:
        s.close()


@needs_hearth
def test_exhausted_pool_is_published_once(dhcp_lab):
    from dhcp_helpers import default_subnets
    lab = dhcp_lab
    subnets = default_subnets()
    subnets[1]["ranges"] = ["10.40.0.100-10.40.0.101"]
    nport = free_port()
    srv = lab.start(subnets=subnets, top_extra={"notify": {
        "listen": f"127.0.0.1:{nport}",
        "routes": [{"event": "dhcp.pool_exhausted", "to": ["ntfy:dhcp"]}]}})
    for _ in range(2):
        assert lab.client("c2", mac=random_mac()).dora()[1] is not None

    def alerts():
        r = srv.session.get(ntfy_url(nport, "/dhcp/json"),
                            params={"poll": 1}, timeout=5)
        assert r.status_code == 200, r.text
        import json
        return [json.loads(x) for x in r.text.splitlines() if x.strip()]

    assert alerts() == []
    late = lab.client("c2", mac=random_mac())
    assert late.discover(expect=False, attempts=2, timeout=1.0) is None
    (m,) = wait_messages(alerts, 1)
    assert m["title"] == "DHCP pool exhausted"
    assert "10.40.0.0/24" in m["message"] and late.mac in m["message"]
    # Still full: no second alert within the 10 minutes.
    other = lab.client("c2", mac=random_mac())
    assert other.discover(expect=False, attempts=1, timeout=1.0) is None
    time.sleep(0.5)
    assert len(alerts()) == 1
