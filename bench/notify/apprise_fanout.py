#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Apprise fan-out side by side: the same N json:// targets (a loopback
sink) sent by Debian's apprise CLI 1.2.0 and by hearth's Apprise API
(POST /notify), each ROUNDS times; prints both wall times, deliveries/s
and the ratio, and hearth's latency for one target (p50/p99).

Environment: HEARTHD (default build/src/hearthd), TARGETS (100), ROUNDS (5).
Loopback only; everything started is stopped by PID."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

HEARTHD = os.environ.get("HEARTHD", "build/src/hearthd")
TARGETS = int(os.environ.get("TARGETS", "100"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    count = 0
    lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        with Sink.lock:
            Sink.count += 1
        # one write: headers and body in one segment (no Nagle stall)
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")

    def log_message(self, *a):
        pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    ThreadingHTTPServer.request_queue_size = 1024
    sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    sp = sink.server_address[1]
    urls = [f"json://127.0.0.1:{sp}/t{i}" for i in range(TARGETS)]
    tmp = tempfile.mkdtemp(prefix="apprise-bench-")
    ap = free_port()
    cfg = {"state_dir": f"{tmp}/state", "http": {"listen": f"127.0.0.1:{free_port()}"},
           "notify": {"listen": f"127.0.0.1:{free_port()}",
                      "apprise": {"listen": f"127.0.0.1:{ap}"}}}
    with open(f"{tmp}/c.yaml", "w") as f:
        f.write(json.dumps(cfg))  # JSON is YAML
    proc = subprocess.Popen([HEARTHD, "-c", f"{tmp}/c.yaml"],
                            stderr=open(f"{tmp}/stderr", "w"))
    s = requests.Session()
    s.trust_env = False
    try:
        for _ in range(200):
            try:
                if s.get(f"http://127.0.0.1:{ap}/status", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.05)
        # the apprise CLI (Apprise 1.2.0 itself)
        t0 = time.perf_counter()
        for _ in range(ROUNDS):
            r = subprocess.run(["/usr/bin/apprise", "-b", "bench", *urls],
                               capture_output=True, timeout=600)
            assert r.returncode == 0, r.stderr
        cli = time.perf_counter() - t0
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/apprise", "-b", "bench", urls[0]],
                           capture_output=True, timeout=600)
        start = time.perf_counter() - t0  # one target: mostly its start-up
        # hearth's Apprise API
        t0 = time.perf_counter()
        for _ in range(ROUNDS):
            r = s.post(f"http://127.0.0.1:{ap}/notify",
                       json={"urls": urls, "body": "bench"}, timeout=600)
            assert r.status_code == 200, r.text
        ours = time.perf_counter() - t0
        lat = []
        for i in range(300):
            t1 = time.perf_counter()
            r = s.post(f"http://127.0.0.1:{ap}/notify",
                       json={"urls": urls[0], "body": f"m{i}"}, timeout=60)
            lat.append(time.perf_counter() - t1)
            assert r.status_code == 200
        lat.sort()
        n = TARGETS * ROUNDS
        print(f"apprise CLI 1.2.0: {n} deliveries in {cli:.2f} s ({n / cli:.0f}/s; "
              f"one round with one target takes {start:.2f} s, mostly start-up)")
        print(f"hearth /notify:    {n} deliveries in {ours:.2f} s ({n / ours:.0f}/s)")
        print(f"hearth one target: p50 {lat[len(lat) // 2] * 1000:.2f} ms, "
              f"p99 {lat[int(len(lat) * 0.99)] * 1000:.2f} ms")
        print(f"RESULT ratio {cli / ours:.1f}x (hearth faster when > 1)")
    finally:
        proc.terminate()
        proc.wait(10)
        sink.shutdown()


if __name__ == "__main__":
    sys.exit(main())
