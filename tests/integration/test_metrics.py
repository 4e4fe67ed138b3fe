# SPDX-License-Identifier: MIT
"""/metrics of a daemon with dns (a zone file, a stored zone, the lab,
forwarding to a loopback upstream) and dhcp (on lo, a private port, a lease
in the store) passes `promtool check metrics` with no warnings, and carries
the operator's families: latency histograms in seconds with sub-millisecond
buckets, room state, DHCP pools per subnet, zone serials, the last reload,
cache lookups apart from cache changes."""
import signal
import subprocess
import time

import dns.rcode
import pytest

from dns_helpers import LAB, dns_config, free_dns_port, wait_dns_ready
from helpers import free_port, metric_samples, sample
from test_dns_forward import A, FakeUpstream, ask
from test_store_upgrade import legacy_state

# 192.168.32.100 is leased in the legacy store (until 2100).
DHCP = """dhcp:
  interfaces: [lo]
  port: {port}
  subnets:
    - subnet: 192.168.32.0/24
      ranges: ["192.168.32.100-192.168.32.119", "192.168.32.200-192.168.32.209"]
    - subnet: 10.9.0.0/24
      ranges: ["10.9.0.10-10.9.0.13"]
"""

BUCKETS = ["0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
           "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"]


def config(tmp_path, dns_port, up):
    return dns_config(tmp_path, dns_port, ipv6=False, lab=LAB,
                      upstream=[up.addr()]) + DHCP.format(port=free_port())


@pytest.fixture
def daemon(hearthd_factory, tmp_path):
    up = FakeUpstream(A)
    try:
        legacy_state(tmp_path)  # tmp_path/var, dns_config's state_dir
        port = free_dns_port()
        d = hearthd_factory(config(tmp_path, port, up))
        d.dns_port = port
        d.upstream = up
        wait_dns_ready("127.0.0.1", port, proc=d.proc,
                       what=f"hearthd\n{d.stderr()}")
        yield d
    finally:
        up.close()


def scrape(d):
    r = d.session.get(f"http://127.0.0.1:{d.port}/metrics", timeout=5)
    assert r.status_code == 200
    return r.text


def promtool(text):
    p = subprocess.run(["promtool", "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=30)
    return p.returncode, (p.stdout + p.stderr).strip()


def histogram(s, name, **labels):
    """The cumulative bucket counts, in BUCKETS order, and the count."""
    got = [sample(s, name + "_bucket", le=le, **labels) for le in BUCKETS]
    assert None not in got, (name, labels, got)
    assert got == sorted(got), got
    assert sample(s, name + "_count", **labels) == got[-1]
    return got


def test_metrics_pass_promtool_and_carry_the_new_families(daemon):
    for _ in range(3):  # a miss (forwarded), then cache hits
        assert ask(daemon.dns_port, "www.example.net.").rcode() == \
            dns.rcode.NOERROR
    for _ in range(5):
        assert ask(daemon.dns_port, "www.example.com.").rcode() == \
            dns.rcode.NOERROR
    text = scrape(daemon)
    rc, out = promtool(text)
    assert rc == 0 and out == "", out
    assert "# TYPE hearth_dns_upstream_latency_seconds histogram" in text
    s = metric_samples(text)

    # Latency in seconds, with buckets under a millisecond.
    up = histogram(s, "hearth_dns_upstream_latency_seconds")
    assert up[-1] == 1
    assert 0 < sample(s, "hearth_dns_upstream_latency_seconds_sum") < 6
    auth = histogram(s, "hearth_dns_answer_duration_seconds", source="auth")
    assert auth[-1] >= 5  # and wait_dns_ready's
    # Answering from a zone in memory takes well under 10 ms, and the
    # sum is not rounded to whole milliseconds (0 on a LAN).
    assert auth[BUCKETS.index("0.01")] == auth[-1]
    assert 0 < sample(s, "hearth_dns_answer_duration_seconds_sum",
                      source="auth") < 0.05
    cache = histogram(s, "hearth_dns_answer_duration_seconds",
                      source="cache")
    assert cache[-1] == 2

    # HTTP: by route, for the routes asked (the startup wait's /healthz).
    hz = histogram(s, "hearth_http_request_duration_seconds",
                   route="healthz")
    assert hz[-1] >= 1 and hz[BUCKETS.index("1")] == hz[-1]
    assert 0 < sample(s, "hearth_http_request_duration_seconds_sum",
                      route="healthz") < 1

    # Cache lookups apart from cache changes.
    assert sample(s, "hearth_dns_cache_lookups_total", result="hit") == 2
    assert sample(s, "hearth_dns_cache_lookups_total", result="miss") == 1
    assert sample(s, "hearth_dns_cache_inserts_total") == 1
    assert sample(s, "hearth_dns_cache_evictions_total") == 0

    # Zones: serial and records.
    assert sample(s, "hearth_dns_zone_serial", zone="example.com.") > 0
    assert sample(s, "hearth_dns_zone_serial", zone="legacy.example.") \
        is not None
    assert sample(s, "hearth_dns_zone_records", zone="example.com.") > 0

    # DHCP pools per subnet, as Kea counts them.
    assert sample(s, "hearth_dhcp_pool_addresses",
                  subnet="192.168.32.0/24") == 30
    assert sample(s, "hearth_dhcp_pool_assigned",
                  subnet="192.168.32.0/24") == 1
    assert sample(s, "hearth_dhcp_pool_addresses", subnet="10.9.0.0/24") == 4
    assert sample(s, "hearth_dhcp_pool_assigned", subnet="10.9.0.0/24") == 0
    assert sample(s, "hearth_dhcp_pool_declined", subnet="10.9.0.0/24") == 0

    # Room state: one state at 1 per room; disabled apart from degraded.
    assert sample(s, "hearth_room_state", room="dns", state="running") == 1
    assert sample(s, "hearth_room_state", room="dns", state="degraded") == 0
    assert sample(s, "hearth_room_state", room="dhcp", state="running") == 1
    for room in ("store", "http", "lab", "dns", "dhcp"):
        on = [k for k, v in s.items()
              if k[0] == "hearth_room_state" and ("room", room) in k[1]
              and v == 1]
        assert len(on) == 1, (room, on)

    # The last reload: none yet, so the start counts as applied.
    assert sample(s, "hearth_config_last_reload_success") == 1
    start = sample(s, "hearth_start_time_seconds")
    assert sample(s, "hearth_config_last_reload_timestamp_seconds") == start


def test_last_reload_result_and_time(daemon, tmp_path):
    before = time.time()
    good = daemon.config_path.read_text()
    daemon.write_config("dns: [this is not a mapping\n")
    mark = len(daemon.stderr())
    daemon.signal(signal.SIGHUP)
    daemon.wait_log("reload refused", start=mark)
    s = metric_samples(scrape(daemon))
    assert sample(s, "hearth_config_last_reload_success") == 0
    assert sample(s, "hearth_config_last_reload_timestamp_seconds") >= \
        int(before)
    assert sample(s, "hearth_config_reloads_total", result="error") == 1

    daemon.config_path.write_text(good)
    mark = len(daemon.stderr())
    daemon.signal(signal.SIGHUP)
    daemon.wait_log("reloaded", start=mark)
    text = scrape(daemon)
    s = metric_samples(text)
    assert sample(s, "hearth_config_last_reload_success") == 1
    assert sample(s, "hearth_config_reloads_total", result="ok") == 1
    rc, out = promtool(text)
    assert rc == 0 and out == "", out


def test_degraded_room_is_503_and_in_room_state(hearthd_factory, tmp_path):
    """A zone file that cannot be read: the dns room serves the rest,
    degraded; /healthz says so with 503 and the reason, and
    hearth_room_state tells degraded from disabled."""
    port = free_dns_port()
    missing = tmp_path / "missing.zone"
    d = hearthd_factory(dns_config(tmp_path, port, ipv6=False,
                                   zones=(("gone.example", missing),)))
    r = d.get("/healthz")
    assert r.status_code == 503, r.text
    j = r.json()
    assert j["status"] == "degraded"
    assert j["rooms"]["dns"] == "degraded"
    assert j["reason"].startswith("room dns is degraded: a zone file"), j
    s = metric_samples(scrape(d))
    assert sample(s, "hearth_room_state", room="dns", state="degraded") == 1
    assert sample(s, "hearth_room_state", room="dns", state="running") == 0
    assert sample(s, "hearth_room_state", room="dhcp", state="disabled") == 1
    assert sample(s, "hearth_room_up", room="dns") == 0
    assert sample(s, "hearth_room_up", room="dhcp") == 0
