#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Long work on the loop: imports a big zone, then PATCHes one record in it,
while probes measure how long the loop stalls.

    HEARTHD=build/src/hearthd bench/dns/big_zone.py [--records N] [--patches M]

Prints, for the import and for the PATCHes: the API latency and the worst
latency of a TCP DNS query (answered on the loop) and of GET /healthz seen
meanwhile. Everything runs on 127.0.0.1 in a temporary directory.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import dns.exception
import dns.message
import dns.query


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, ctype="application/json",
            timeout=300):
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                 method=method)
    req.add_header("X-API-Key", "k")
    if data is not None:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Probe:
    """TCP DNS queries and /healthz, back to back, on two threads; keeps
    the worst latency of each since the last reset."""

    def __init__(self, http_port, dns_port, qname):
        self.http_port, self.dns_port, self.qname = http_port, dns_port, qname
        self.stop = False
        self.worst = {"tcp": 0.0, "healthz": 0.0}
        self.count = {"tcp": 0, "healthz": 0}
        self.threads = [threading.Thread(target=self.tcp, daemon=True),
                        threading.Thread(target=self.healthz, daemon=True)]
        for t in self.threads:
            t.start()

    def note(self, what, dt):
        self.worst[what] = max(self.worst[what], dt)
        self.count[what] += 1

    def reset(self):
        self.worst = {k: 0.0 for k in self.worst}
        self.count = {k: 0 for k in self.count}

    def tcp(self):
        q = dns.message.make_query(self.qname, "A")
        while not self.stop:
            t0 = time.monotonic()
            try:
                dns.query.tcp(q, "127.0.0.1", port=self.dns_port, timeout=30)
            except (OSError, dns.exception.DNSException):
                return  # the daemon stopped
            self.note("tcp", time.monotonic() - t0)
            time.sleep(0.002)

    def healthz(self):
        while not self.stop:
            t0 = time.monotonic()
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{self.http_port}/healthz",
                        timeout=30) as r:
                    r.read()
            except OSError:
                return
            self.note("healthz", time.monotonic() - t0)
            time.sleep(0.002)

    def report(self):
        return (f"worst tcp dns {self.worst['tcp'] * 1000:.1f} ms "
                f"({self.count['tcp']} queries), worst /healthz "
                f"{self.worst['healthz'] * 1000:.1f} ms "
                f"({self.count['healthz']})")


def zone_text(n):
    lines = ["$ORIGIN big.example.", "$TTL 300",
             "@ SOA ns1 hostmaster 1 3600 600 86400 300", "@ NS ns1",
             "ns1 A 10.0.0.1"]
    lines += [f"h{i} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
              for i in range(n - 3)]
    return ("\n".join(lines) + "\n").encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1000000)
    ap.add_argument("--patches", type=int, default=10)
    args = ap.parse_args()
    hearthd = os.environ.get("HEARTHD", "build/src/hearthd")
    tmp = tempfile.mkdtemp(prefix="hearth-bigzone-")
    http_port, dns_port = free_port(), free_port(socket.SOCK_DGRAM)
    cfg = os.path.join(tmp, "hearth.yaml")
    with open(cfg, "w") as f:
        f.write(f"state_dir: {tmp}/var\n"
                f"http:\n  listen: 127.0.0.1:{http_port}\n  api_key: k\n"
                f"  max_body_bytes: 256M\n"
                f"dns:\n  listen: [127.0.0.1:{dns_port}]\n  upstream: []\n")
    log = open(os.path.join(tmp, "hearthd.log"), "w")
    proc = subprocess.Popen([hearthd, "--config", cfg], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                if request(http_port, "GET", "/healthz", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        st, body = request(http_port, "POST",
                           "/api/v1/servers/localhost/zones",
                           {"name": "small.example.", "kind": "Native",
                            "nameservers": ["ns1.small.example."]})
        assert st == 201, body
        st, body = request(http_port, "PATCH",
                           "/api/v1/servers/localhost/zones/small.example.",
                           {"rrsets": [{"name": "www.small.example.",
                                        "type": "A", "ttl": 60,
                                        "changetype": "REPLACE",
                                        "records": [{"content": "10.1.1.1",
                                                     "disabled": False}]}]})
        assert st == 204, body
        probe = Probe(http_port, dns_port, "www.small.example.")
        time.sleep(0.2)
        text = zone_text(args.records)
        probe.reset()
        t0 = time.monotonic()
        st, body = request(http_port, "PUT", "/api/v1/dns/zones/big.example/file",
                           text, ctype="text/plain")
        dt = time.monotonic() - t0
        assert st == 200, body
        print(f"import of {args.records} records: {dt * 1000:.0f} ms; "
              f"{probe.report()}")
        time.sleep(0.5)
        lat = []
        probe.reset()
        for i in range(args.patches):
            t0 = time.monotonic()
            st, body = request(
                http_port, "PATCH",
                "/api/v1/servers/localhost/zones/big.example.",
                {"rrsets": [{"name": "h7.big.example.", "type": "A",
                             "ttl": 60, "changetype": "REPLACE",
                             "records": [{"content": f"10.9.9.{i % 250}",
                                          "disabled": False}]}]})
            lat.append(time.monotonic() - t0)
            assert st == 204, body
        lat.sort()
        print(f"PATCH of one record, {args.patches} times: median "
              f"{lat[len(lat) // 2] * 1000:.1f} ms, worst "
              f"{lat[-1] * 1000:.1f} ms; {probe.report()}")
        probe.stop = True
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
