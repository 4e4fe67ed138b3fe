# SPDX-License-Identifier: MIT
"""Zone transfers and NOTIFY: AXFR to listed secondaries only, IXFR answered
with a full transfer, NOTIFY on start and on every serial change, with a fake
secondary (a UDP socket on loopback) that acknowledges it."""
import shutil
import signal
import socket
import time

import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.zone
import pytest

from dns_helpers import ZONE, ZONE_FILE, dns_config, start_hearth_dns


class FakeSecondary:
    """Receives NOTIFY on 127.0.0.1 and answers each with a NOTIFY response."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def wait_notify(self, zone, timeout=10.0, answer=True):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                break
            msg = dns.message.from_wire(data)
            if msg.opcode() != dns.opcode.NOTIFY:
                continue
            if str(msg.question[0].name).lower() != zone:
                continue
            if answer:
                resp = dns.message.make_response(msg)
                self.sock.sendto(resp.to_wire(), peer)
            return msg
        return None

    def close(self):
        self.sock.close()


@pytest.fixture
def secondary():
    s = FakeSecondary()
    yield s
    s.close()


def axfr(port, zone=ZONE, qtype="AXFR"):
    q = dns.message.make_query(zone, qtype)
    msgs = list(dns.query.xfr("127.0.0.1", zone, port=port, timeout=5,
                              lifetime=10, rdtype=qtype,
                              serial=1 if qtype == "IXFR" else 0,
                              relativize=False))
    return q, msgs


def records(msgs):
    out = []
    for m in msgs:
        for rrset in m.answer:
            for rd in rrset:
                out.append((str(rrset.name).lower(), rrset.rdtype,
                            rd.to_text()))
    return out


def test_axfr_to_listed_secondary(hearthd_factory, tmp_path, secondary):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         secondaries=[f"127.0.0.1:{secondary.port}"])
    _, msgs = axfr(d.dns_port)
    recs = records(msgs)
    assert recs[0][1] == dns.rdatatype.SOA and recs[-1][1] == dns.rdatatype.SOA
    assert recs[0] == recs[-1]
    # Every record of the zone file, once (SOA twice).
    zone = dns.zone.from_file(str(ZONE_FILE), origin=ZONE, relativize=False)
    want = sorted((str(n).lower(), rds.rdtype, rd.to_text())
                  for n, rds in zone.iterate_rdatasets() for rd in rds)
    assert sorted(recs[:-1]) == want


def test_ixfr_answered_with_full_transfer(hearthd_factory, tmp_path,
                                          secondary):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         secondaries=[f"127.0.0.1:{secondary.port}"])
    q = dns.message.make_query(ZONE, "IXFR")
    wire = q.to_wire()
    s = socket.create_connection(("127.0.0.1", d.dns_port), timeout=5)
    s.sendall(len(wire).to_bytes(2, "big") + wire)
    n = int.from_bytes(s.recv(2, socket.MSG_WAITALL), "big")
    first = dns.message.from_wire(s.recv(n, socket.MSG_WAITALL),
                                  one_rr_per_rrset=True)
    s.close()
    assert first.rcode() == dns.rcode.NOERROR
    assert first.answer[0].rdtype == dns.rdatatype.SOA
    assert len(first.answer) > 2  # the whole zone follows, not a diff


def test_axfr_refused_to_others(hearthd_factory, tmp_path, secondary):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         secondaries=[f"127.0.0.2:{secondary.port}"])
    q = dns.message.make_query(ZONE, "AXFR")
    r = dns.query.tcp(q, "127.0.0.1", port=d.dns_port, timeout=5)
    assert r.rcode() == dns.rcode.REFUSED
    assert not r.answer
    # Over UDP too.
    r = dns.query.udp(q, "127.0.0.1", port=d.dns_port, timeout=5)
    assert r.rcode() == dns.rcode.REFUSED


def test_notify_on_start_and_on_change(hearthd_factory, tmp_path, secondary):
    zfile = tmp_path / "example.com.zone"
    shutil.copy(ZONE_FILE, zfile)
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         zones=((ZONE.rstrip("."), zfile),),
                         secondaries=[f"127.0.0.1:{secondary.port}"])
    first = secondary.wait_notify(ZONE)
    assert first is not None, "no NOTIFY at start"
    assert first.flags & dns.flags.AA
    assert first.question[0].rdtype == dns.rdatatype.SOA

    # Bump the serial in the file and reload: a NOTIFY follows.
    text = zfile.read_text()
    zone = dns.zone.from_text(text, origin=ZONE, relativize=False)
    old = zone.get_soa().serial
    zfile.write_text(text.replace(str(old), str(old + 1), 1))
    d.proc.send_signal(signal.SIGHUP)
    second = secondary.wait_notify(ZONE)
    assert second is not None, "no NOTIFY after the serial changed"
    soa = dns.query.udp(dns.message.make_query(ZONE, "SOA"), "127.0.0.1",
                        port=d.dns_port, timeout=5)
    assert soa.answer[0][0].serial == old + 1


def test_notify_retried_until_answered(hearthd_factory, tmp_path, secondary):
    start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                     secondaries=[f"127.0.0.1:{secondary.port}"])
    first = secondary.wait_notify(ZONE, answer=False)
    assert first is not None
    again = secondary.wait_notify(ZONE, timeout=6)
    assert again is not None, "an unanswered NOTIFY was not retried"
    assert again.id == first.id


def test_notify_after_api_change(hearthd_factory, tmp_path, secondary):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         secondaries=[f"127.0.0.1:{secondary.port}"])
    assert secondary.wait_notify(ZONE) is not None  # the one at start
    r = d.session.patch(
        f"http://127.0.0.1:{d.port}/api/v1/servers/localhost/zones/{ZONE}",
        headers={"X-API-Key": "k"}, timeout=10,
        json={"rrsets": [{"name": "api-added." + ZONE, "type": "A",
                          "ttl": 60, "changetype": "REPLACE",
                          "records": [{"content": "192.0.2.77",
                                       "disabled": False}]}]})
    assert r.status_code == 204, r.text
    n = secondary.wait_notify(ZONE)
    assert n is not None, "no NOTIFY after a change through the API"
    # The secondary's transfer sees the new record and the new serial.
    _, msgs = axfr(d.dns_port)
    recs = records(msgs)
    assert ("api-added." + ZONE, dns.rdatatype.A, "192.0.2.77") in recs


def test_notify_to_secondary_added_on_reload(hearthd_factory, tmp_path,
                                             secondary):
    """A secondary added to dns.secondaries on SIGHUP is told about every
    zone although no serial changed; the one already listed is not told
    again."""
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         secondaries=[f"127.0.0.1:{secondary.port}"])
    assert secondary.wait_notify(ZONE) is not None  # the one at start
    added = FakeSecondary()
    try:
        d.write_config(dns_config(
            tmp_path, d.dns_port, ipv6=False,
            secondaries=[f"127.0.0.1:{secondary.port}",
                         f"127.0.0.1:{added.port}"]))
        d.proc.send_signal(signal.SIGHUP)
        n = added.wait_notify(ZONE)
        assert n is not None, "no NOTIFY to the secondary added on reload"
        assert n.question[0].rdtype == dns.rdatatype.SOA
        assert secondary.wait_notify(ZONE, timeout=1.0) is None, \
            "the secondary already listed was told again, serial unchanged"
    finally:
        added.close()


def test_axfr_to_a_secondary_that_does_not_read_is_bounded(
        hearthd_factory, tmp_path, secondary):
    """A large zone is written to a secondary as fast as it reads: one that
    stops reading holds at most tcp_max_queued (plus one message) in
    hearthd, not the zone; a reload meanwhile does not change what it gets;
    once it reads, the whole transfer arrives, SOA to SOA."""
    from helpers import metric_samples, sample
    n_hosts = 120000
    zf = tmp_path / "big.test.zone"
    lines = ["$ORIGIN big.test.", "$TTL 300",
             "@ IN SOA ns1 hostmaster 7 3600 600 86400 300",
             "@ IN NS ns1", "ns1 IN A 10.0.0.1"]
    lines += [f"host{i} IN A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
              for i in range(n_hosts)]
    zf.write_text("\n".join(lines) + "\n")
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         zones=(("big.test", zf),),
                         secondaries=[f"127.0.0.1:{secondary.port}"],
                         tcp_max_queued="64k", tcp_stall_timeout="60s")
    q = dns.message.make_query("big.test.", "AXFR")
    wire = q.to_wire()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(30)
    s.connect(("127.0.0.1", d.dns_port))
    try:
        s.sendall(len(wire).to_bytes(2, "big") + wire)
        queued = []
        for _ in range(10):
            time.sleep(0.3)
            m = metric_samples(d.get("/metrics").text)
            queued.append(sample(m, "hearth_dns_tcp_queued_bytes"))
        # The zone is several MB on the wire; hearthd holds a bounded part.
        assert 0 < max(queued) <= 64 * 1024 + 65537, queued
        # A reload with a changed zone does not disturb the transfer.
        zf.write_text("\n".join(lines).replace(" 7 3600", " 8 3600") +
                      "\nextra IN A 10.9.9.9\n")
        d.proc.send_signal(signal.SIGHUP)
        time.sleep(1)
        def recv_exact(n):
            buf = b""
            while len(buf) < n:
                chunk = s.recv(n - len(buf))
                assert chunk, (got, soas, len(buf), n)
                buf += chunk
            return buf

        got, soas = 0, []
        deadline = time.monotonic() + 120
        while len(soas) < 2 and time.monotonic() < deadline:
            n = int.from_bytes(recv_exact(2), "big")
            m = dns.message.from_wire(recv_exact(n), one_rr_per_rrset=True)
            for rrset in m.answer:
                if rrset.rdtype == dns.rdatatype.SOA:
                    soas.append(rrset[0].serial)
                got += 1
    finally:
        s.close()
    assert soas == [7, 7], soas
    assert got == n_hosts + 4, got  # SOA, NS, ns1 A, the hosts, SOA
