# SPDX-License-Identifier: MIT
"""notify benchmark: N concurrent subscribers on loopback (json, sse and ws
mixed), one publisher; publish->deliver latency p50/p99 over every
subscriber, deliveries/s sustained over a burst, and RSS per idle
subscriber. Environment: HEARTHD (default build/src/hearthd), SUBS
(10000), MESSAGES (20), BURST (200). ntfy itself (Go) is not installed
here: no side-by-side run, no ratio."""
import asyncio
import base64
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEARTHD = os.environ.get("HEARTHD", str(ROOT / "build" / "src" / "hearthd"))
SUBS = int(os.environ.get("SUBS", "10000"))
MESSAGES = int(os.environ.get("MESSAGES", "20"))
BURST = int(os.environ.get("BURST", "200"))
# Transports, taken in turn (KINDS=ws: WebSocket subscribers only).
KINDS = os.environ.get("KINDS", "json,sse,ws").split(",")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_s(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Sub:
    def __init__(self, kind):
        self.kind = kind
        self.seen = {}  # token -> arrival time
        self.buf = b""


async def subscriber(port, sub, ready):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    if sub.kind == "ws":
        key = base64.b64encode(os.urandom(16)).decode()
        w.write((f"GET /bench/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    else:
        w.write(f"GET /bench/{sub.kind} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await w.drain()
    opened = False
    try:
        while True:
            chunk = await r.read(65536)
            if not chunk:
                return
            now = time.perf_counter()
            data = sub.buf + chunk
            if not opened and b"open" in data:
                opened = True
                ready.release()
            start = 0
            while True:
                i = data.find(b'"message":"b', start)
                if i < 0:
                    break
                j = data.find(b'"', i + 11)
                if j < 0:
                    break
                sub.seen.setdefault(data[i + 11:j], now)
                start = j
            sub.buf = data[-64:]
    finally:
        w.close()


def fanout(hport):
    """(count, sum in s, {le: cumulative count}) of the room's fan-out
    histogram, read from the daemon's /metrics."""
    s = socket.create_connection(("127.0.0.1", hport))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        data += c
    s.close()
    n, total, buckets = 0, 0.0, {}
    for line in data.decode(errors="replace").splitlines():
        if line.startswith("hearth_notify_fanout_duration_seconds_count"):
            n = int(float(line.split()[-1]))
        elif line.startswith("hearth_notify_fanout_duration_seconds_sum"):
            total = float(line.split()[-1])
        elif line.startswith("hearth_notify_fanout_duration_seconds_bucket"):
            le = line.split('le="')[1].split('"')[0]
            buckets[le] = int(float(line.split()[-1]))
    return n, total, buckets


def fanout_text(before, after):
    n = after[0] - before[0]
    if n <= 0:
        return "no fan-out recorded"
    mean = (after[1] - before[1]) / n * 1000
    # The smallest bucket bound holding 99% of this phase's fan-outs.
    p99 = next((le for le, c in after[2].items()
                if c - before[2].get(le, 0) >= 0.99 * n), "+Inf")
    return f"{n} fan-outs, mean {mean:.2f} ms, p99 <= {p99} s"


def publish_many(port, tokens, times):
    s = socket.create_connection(("127.0.0.1", port))
    f = s.makefile("rb")
    for t in tokens:
        body = t.encode()
        times[t.encode()] = time.perf_counter()
        s.sendall(b"POST /bench HTTP/1.1\r\nHost: x\r\nX-Cache: no\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        n = 0
        while True:
            line = f.readline()
            if line.lower().startswith(b"content-length:"):
                n = int(line.split(b":")[1])
            if line in (b"\r\n", b""):
                break
        f.read(n)
    s.close()


async def main():
    tmp = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    port, hport = free_port(), free_port()
    (tmp / "c.yaml").write_text(
        f"state_dir: {tmp}/state\nlog: {{level: warn}}\nhttp:\n  listen: 127.0.0.1:{hport}\n"
        f"notify:\n  listen: 127.0.0.1:{port}\n  max_subscribers: {SUBS + 100}\n"
        f"  max_subscribers_per_client: {SUBS + 100}\n  subscriber_buffer: 1M\n"
        # One address opens every subscription: ntfy's per-visitor limits
        # (60 requests at once, 30 subscriptions) are not what is measured.
        f"  limits:\n    exempt: 127.0.0.1/32\n")
    d = subprocess.Popen([HEARTHD, "-c", str(tmp / "c.yaml")],
                         stderr=open(tmp / "err", "wb"))
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.2)
        base = rss_kib(d.pid)
        subs = [Sub(KINDS[i % len(KINDS)]) for i in range(SUBS)]
        ready = asyncio.Semaphore(0)
        tasks = []
        for i, s in enumerate(subs):
            tasks.append(asyncio.create_task(subscriber(port, s, ready)))
            if i % 500 == 499:
                await asyncio.sleep(0.05)
        for _ in subs:
            await asyncio.wait_for(ready.acquire(), 60)
        await asyncio.sleep(1)
        idle = rss_kib(d.pid)
        loop = asyncio.get_running_loop()
        # Latency: one message at a time, spaced.
        times = {}
        f0 = fanout(hport)
        for k in range(MESSAGES):
            await loop.run_in_executor(None, publish_many, port, [f"b{k}"], times)
            await asyncio.sleep(0.3)
        await asyncio.sleep(2)
        f1 = fanout(hport)
        lat = [ (s.seen[t] - times[t]) * 1000 for s in subs for t in times if t in s.seen]
        missing = SUBS * MESSAGES - len(lat)
        # Per message, the first and the last subscriber to see it: the
        # first is about the daemon's path (publish, commit, fan-out, the
        # first sends); the spread after it is the daemon's remaining
        # sends plus the single Python process reading 10,000 sockets.
        firsts, lasts = [], []
        for t in times:
            arr = [s.seen[t] for s in subs if t in s.seen]
            if arr:
                firsts.append((min(arr) - times[t]) * 1000)
                lasts.append((max(arr) - times[t]) * 1000)
        # Throughput: a burst, deliveries until the last arrives.
        btimes = {}
        toks = [f"bb{k}" for k in range(BURST)]
        t0 = time.perf_counter()
        c0 = cpu_s(d.pid)
        await loop.run_in_executor(None, publish_many, port, toks, btimes)
        deadline = time.perf_counter() + 60
        want = {t.encode() for t in toks}
        while time.perf_counter() < deadline:
            if all(want <= s.seen.keys() for s in subs):
                break
            await asyncio.sleep(0.2)
        f2 = fanout(hport)
        last = max(max(s.seen.get(t, 0) for t in want) for s in subs)
        cpu = cpu_s(d.pid) - c0
        delivered = sum(len(want & s.seen.keys()) for s in subs)
        rate = delivered / (last - t0) if last > t0 else 0
        lat.sort()
        p50 = statistics.median(lat) if lat else float("nan")
        p99 = lat[int(len(lat) * 0.99) - 1] if lat else float("nan")
        per_sub = (idle - base) / SUBS
        print(f"subscribers {SUBS} ({'/'.join(KINDS)}), messages {MESSAGES}, burst {BURST}")
        print(f"publish->deliver latency over all subscribers: p50 {p50:.1f} ms, "
              f"p99 {p99:.1f} ms ({missing} missing)")
        if firsts:
            print(f"per message: first subscriber after {statistics.median(firsts):.1f} ms, "
                  f"last after {statistics.median(lasts):.1f} ms (medians over messages)")
        print(f"burst: {delivered} deliveries in {last - t0:.2f} s = {rate:.0f} deliveries/s; "
              f"hearthd used {cpu:.2f} CPU s = {delivered / cpu if cpu else 0:.0f} "
              "deliveries per hearthd CPU-second (the Python subscribers share the cores)")
        print(f"server-side fan-out (notify_deliver: match, frame, send to "
              f"every stream): latency phase {fanout_text(f0, f1)}; "
              f"burst {fanout_text(f1, f2)}")
        print(f"RSS: {base} KiB idle, {idle} KiB with {SUBS} subscribers = "
              f"{per_sub:.2f} KiB per idle subscriber")
        print(f"RESULT p99_ms={p99:.1f} deliveries_per_s={rate:.0f} "
              f"kib_per_subscriber={per_sub:.2f}")
        for t in tasks:
            t.cancel()
        return 0 if missing == 0 else 1
    finally:
        d.terminate()
        d.wait(20)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
