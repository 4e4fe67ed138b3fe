# SPDX-License-Identifier: MIT
"""Memory of idle subscribers: a few thousand held json, sse and WebSocket
subscriptions cost a bounded amount of the daemon's RSS each, and every
one of them still gets the next message. (Release goal: 4 KiB per idle
subscriber; under ASan, with its redzones and shadow, three times that.)"""
import os
import selectors
import socket
import time

from notify_helpers import notify_config, publish, subscribe_request

N_PER_KIND = 1000
KINDS = ("json", "sse", "ws")
BOUND_KIB = 12.0  # 3 x the release goal of 4 KiB


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def open_sub(port, kind):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(subscribe_request("idle", kind))
    return s


def read_until(socks, needle, timeout):
    """Reads every socket until each has shown @needle; returns the
    sockets that did not within @timeout."""
    bufs = {s: b"" for s in socks}
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    waiting = len(socks)
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        for key, _ in sel.select(0.5):
            s = key.fileobj
            chunk = s.recv(65536)
            if chunk:
                bufs[s] = (bufs[s] + chunk)[-4096:]
            if not chunk or needle in bufs[s]:
                sel.unregister(s)
                waiting -= 1
    sel.close()
    return [s for s in socks if needle not in bufs[s]]


def test_idle_subscribers_cost_bounded_rss(hearthd_factory, monkeypatch):
    # ASan keeps freed blocks in a quarantine (256 MB by default): what
    # libmicrohttpd frees when a stream leaves it would count as held.
    asan = os.environ.get("ASAN_OPTIONS", "")
    monkeypatch.setenv("ASAN_OPTIONS",
                       (asan + ":" if asan else "") + "quarantine_size_mb=4")
    n = N_PER_KIND * len(KINDS)
    cfg, port = notify_config(hearthd_factory.tmp_path,
                              max_subscribers=n + 100,
                              max_subscribers_per_client=n + 100,
                              limits={"exempt": "127.0.0.1/32"})
    d = hearthd_factory(cfg)
    pid = d.proc.pid
    # Warm up the allocator and the caches with a few of each, gone again.
    warm = [open_sub(port, k) for k in KINDS for _ in range(30)]
    assert not read_until(warm, b"open", 30)
    for s in warm:
        s.close()
    time.sleep(1)
    before = rss_kib(pid)
    socks = []
    for i in range(N_PER_KIND):
        for k in KINDS:
            socks.append(open_sub(port, k))
        if i % 100 == 99:
            late = read_until(socks[-300:], b"open", 60)
            assert not late, f"{len(late)} subscriptions not open"
    time.sleep(1)
    after = rss_kib(pid)
    per = (after - before) / n
    print(f"\nRSS before {before} KiB, with {n} idle subscribers "
          f"({N_PER_KIND} each of {'/'.join(KINDS)}) {after} KiB: "
          f"{per:.2f} KiB per subscriber (ASan build)")
    assert per < BOUND_KIB, f"{per:.2f} KiB per idle subscriber"
    # Each of them is still served.
    assert publish(port, "idle", "wake up").status_code == 200
    missed = read_until(socks, b"wake up", 60)
    assert not missed, f"{len(missed)} subscribers missed the message"
    for s in socks:
        s.close()
