# SPDX-License-Identifier: MIT
"""10,000 subscription attempts from one address: ntfy's per-visitor limits
answer 429 with ntfy's JSON error (42903 once the visitor holds its
subscriptions, 42901 once its request bucket is empty), the daemon's
memory and descriptors stay bounded, and another address still
subscribes."""
import json
import os
import re
import socket
import time

from notify_helpers import notify_config

ATTEMPTS = 10000


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def subscribe(port, path, source="127.0.0.1"):
    """Opens @path; returns (socket, status, body of a refusal)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    s.settimeout(10)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    if status != 200:
        m = re.search(rb"content-length: *(\d+)", head, re.I)
        n = int(m.group(1)) if m else 0
        while len(body) < n:
            chunk = s.recv(4096)
            assert chunk
            body += chunk
    return s, status, head, body


def test_ten_thousand_subscriptions_from_one_address(hearthd_factory, monkeypatch):
    # Freed memory is reused at once, so RSS says what is kept.
    monkeypatch.setenv("ASAN_OPTIONS", os.environ.get("ASAN_OPTIONS", "") +
                       ":quarantine_size_mb=0")
    cfg, port = notify_config(hearthd_factory.tmp_path,
                              max_subscribers_per_client=100000)
    d = hearthd_factory(cfg)
    t0 = time.monotonic()
    held, codes, rss_at = [], {}, {}
    try:
        for i in range(ATTEMPTS):
            s, status, head, body = subscribe(port, f"/flood{i % 50}/json")
            if status == 200:
                held.append(s)
                continue
            s.close()
            assert status == 429, head
            assert b"application/json" in head.lower(), head
            j = json.loads(body)
            assert j["http"] == 429 and j["error"].startswith("limit reached"), j
            assert set(j) >= {"code", "http", "error"}, j
            codes[j["code"]] = codes.get(j["code"], 0) + 1
            if i in (1000, ATTEMPTS - 1):
                rss_at[i] = rss_kib(d.pid)
        # notify.limits.subscriptions (30) held, the rest refused: 42903
        # until the request bucket (burst 60) ran dry, then 42901.
        assert len(held) == 30, (len(held), codes)
        assert codes.get(42903, 0) >= 1 and codes.get(42901, 0) >= ATTEMPTS - 100, codes
        assert set(codes) <= {42901, 42903}, codes
        # Bounded: nine thousand refusals keep nothing (a few MiB of
        # allocator slack at most) and no descriptor.
        grew = rss_at[ATTEMPTS - 1] - rss_at[1000]
        assert grew < 16 * 1024, rss_at
        assert fds(d.pid) < 200, fds(d.pid)
        # Another address is another visitor: it subscribes at once.
        other, status, head, _ = subscribe(port, "/flood0/json", source="127.0.0.2")
        assert status == 200, head
        other.close()
        assert time.monotonic() - t0 < 60, time.monotonic() - t0
    finally:
        for s in held:
            s.close()
