# SPDX-License-Identifier: MIT
"""notify benchmark: N concurrent subscribers on loopback (json, sse and ws
mixed), one publisher. The subscribers are bench/notify/subs.c (C, epoll,
THREADS threads; build/bench/notify-subs), which records each message's
arrival per subscriber in CLOCK_MONOTONIC, the clock this script's
time.monotonic_ns() reads when it sends the publish request.

Figures:
- latency: MESSAGES messages published one at a time; the next only once
  every subscriber has the previous one, after GAP seconds more (nothing
  queues behind another message). For every subscriber x message pair:
  the time from the publish request being sent to that subscriber's recv
  returning the message; p50/p99/max over all the pairs.
- burst: BURST messages published back to back (each publish answered
  before the next is sent); deliveries/s = deliveries / (last arrival -
  first send). hearthd's CPU seconds per 10,000 deliveries for both
  phases (less sensitive to other load on the machine than the rates).
- RSS per idle subscriber.
Environment: HEARTHD (default build/src/hearthd), SUBS_BIN (default
../bench/notify-subs beside HEARTHD's directory), SUBS (10000), MESSAGES
(20), BURST (100), GAP (0.1), THREADS (2), KINDS (json,sse,ws),
CLIENT_SCHED ("batch": notify-subs runs SCHED_BATCH, chrt -b 0, so
a subscriber woken by a send does not preempt hearthd's sending thread;
empty, the default: normal scheduling), PIN_SERVER and PIN_CLIENT (CPU lists for taskset -c, e.g. "0" and "1";
empty, the default: neither is pinned, the scheduler shares both cores
between hearthd and notify-subs; the figures say which was used). The
subscribers' CPU time is printed beside hearthd's: on a 2-core machine
they compete for the same cores. ntfy itself (Go) is not installed here:
no side-by-side run, no ratio."""
import array
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
SUBS_BIN = os.environ.get(
    "SUBS_BIN", str(Path(HEARTHD).resolve().parents[1] / "bench" / "notify-subs"))
SUBS = int(os.environ.get("SUBS", "10000"))
MESSAGES = int(os.environ.get("MESSAGES", "20"))
BURST = int(os.environ.get("BURST", "100"))
GAP = float(os.environ.get("GAP", "0.1"))
THREADS = int(os.environ.get("THREADS", "2"))
KINDS = os.environ.get("KINDS", "json,sse,ws")
PIN_SERVER = os.environ.get("PIN_SERVER", "")
PIN_CLIENT = os.environ.get("PIN_CLIENT", "")
CLIENT_SCHED = os.environ.get("CLIENT_SCHED", "")


def pinned(cpus, argv):
    return ["taskset", "-c", cpus] + argv if cpus else argv


def client_sched(argv):
    # SCHED_BATCH: a woken subscriber thread does not preempt the thread
    # that woke it (hearthd's, mid fan-out); it runs at the next switch.
    if CLIENT_SCHED == "batch":
        return ["chrt", "-b", "0"] + argv
    if CLIENT_SCHED:
        raise SystemExit(f"CLIENT_SCHED: {CLIENT_SCHED!r}: only 'batch' or empty")
    return argv


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


class Publisher:
    """One keep-alive connection; publish(k) sends message m<k> and
    returns the CLOCK_MONOTONIC ns just before the send, once answered."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.s.makefile("rb")

    def publish(self, k):
        body = f"m{k}".encode()
        req = (b"POST /bench HTTP/1.1\r\nHost: x\r\nX-Cache: no\r\n"
               b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        t = time.monotonic_ns()
        self.s.sendall(req)
        n, status = 0, self.f.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"publish answered {status!r}")
        while True:
            line = self.f.readline()
            if line.lower().startswith(b"content-length:"):
                n = int(line.split(b":")[1])
            if line in (b"\r\n", b""):
                break
        self.f.read(n)
        return t


class Agent:
    def __init__(self, port, maxmsg):
        self.p = subprocess.Popen(
            client_sched(pinned(PIN_CLIENT, [SUBS_BIN, str(port), "bench", str(SUBS), KINDS,
                                str(THREADS), str(maxmsg)])),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def line(self):
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("notify-subs ended")
        return line.split()

    def ask(self, cmd):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        return self.line()

    def dump(self, a, b, path):
        self.ask(f"dump {a} {b} {path}")
        v = array.array("q")
        with open(path, "rb") as f:
            v.frombytes(f.read())
        os.unlink(path)
        return v  # subscriber-major: v[i * (b - a) + (k - a)]

    def stop(self):
        try:
            self.ask("quit")
        except (RuntimeError, BrokenPipeError):
            pass
        self.p.wait(10)


def pct(sorted_v, q):
    return sorted_v[min(len(sorted_v) - 1, max(0, int(len(sorted_v) * q + 0.5) - 1))]


def main():
    tmp = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    port, hport = free_port(), free_port()
    (tmp / "c.yaml").write_text(
        f"state_dir: {tmp}/state\nlog: {{level: warn}}\nhttp:\n  listen: 127.0.0.1:{hport}\n"
        f"notify:\n  listen: 127.0.0.1:{port}\n  max_subscribers: {SUBS + 100}\n"
        f"  max_subscribers_per_client: {SUBS + 100}\n  subscriber_buffer: 1M\n"
        # No keepalive or WebSocket ping during a run (notify-subs does
        # not answer pings).
        "  keepalive_interval: 76s\n"
        # One address opens every subscription: ntfy's per-visitor limits
        # (60 requests at once, 30 subscriptions) are not what is measured.
        f"  limits:\n    exempt: 127.0.0.1/32\n")
    d = subprocess.Popen(pinned(PIN_SERVER, [HEARTHD, "-c", str(tmp / "c.yaml")]),
                         stderr=open(tmp / "err", "wb"))
    agent = None
    load0 = os.getloadavg()
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.2)
        base = rss_kib(d.pid)
        agent = Agent(port, MESSAGES + BURST)
        ready = agent.line()
        if int(ready[1]) != SUBS:
            raise RuntimeError(f"only {ready[1]} of {SUBS} subscriptions opened")
        time.sleep(1)
        idle = rss_kib(d.pid)
        pub = Publisher(port)

        # Latency: one message at a time.
        sent = []
        f0, c0, a0 = fanout(hport), cpu_s(d.pid), cpu_s(agent.p.pid)
        for k in range(MESSAGES):
            sent.append(pub.publish(k))
            agent.ask(f"wait {k} 30000")
            time.sleep(GAP)
        c1, f1, a1 = cpu_s(d.pid), fanout(hport), cpu_s(agent.p.pid)
        v = agent.dump(0, MESSAGES, tmp / "lat")
        lat, firsts, lasts = [], [], []
        for k in range(MESSAGES):
            col = [v[i * MESSAGES + k] for i in range(SUBS)]
            got = [(x - sent[k]) / 1e6 for x in col if x]
            lat += got
            if got:
                firsts.append(min(got))
                lasts.append(max(got))
        missing = SUBS * MESSAGES - len(lat)
        lat.sort()

        # Throughput: a burst, deliveries until the last arrives.
        c2, a2 = cpu_s(d.pid), cpu_s(agent.p.pid)
        t0 = None
        for k in range(MESSAGES, MESSAGES + BURST):
            t = pub.publish(k)
            t0 = t0 or t
        for k in range(MESSAGES, MESSAGES + BURST):
            agent.ask(f"wait {k} 60000")
        c3, f2, a3 = cpu_s(d.pid), fanout(hport), cpu_s(agent.p.pid)
        st = agent.ask(f"stats {MESSAGES} {MESSAGES + BURST}")
        delivered, last = int(st[1]), int(st[3])
        bv = agent.dump(MESSAGES, MESSAGES + BURST, tmp / "burst")
        disorder = 0
        for i in range(SUBS):
            row = [x for x in bv[i * BURST:(i + 1) * BURST] if x]
            disorder += sum(1 for a, b in zip(row, row[1:]) if b < a)
        rate = delivered / ((last - t0) / 1e9) if last > t0 else 0
        bmissing = SUBS * BURST - delivered
        load1 = os.getloadavg()

        p50 = statistics.median(lat) if lat else float("nan")
        p99 = pct(lat, 0.99) if lat else float("nan")
        lat_cpu = (c1 - c0) / max(1, len(lat)) * 10000
        burst_cpu = (c3 - c2) / max(1, delivered) * 10000
        lat_sub_cpu = (a1 - a0) / max(1, len(lat)) * 10000
        burst_sub_cpu = (a3 - a2) / max(1, delivered) * 10000
        per_sub = (idle - base) / SUBS
        print(f"subscribers {SUBS} ({KINDS}; notify-subs, {THREADS} threads), "
              f"messages {MESSAGES} (gap {GAP} s after each is everywhere), burst {BURST}; "
              f"hearthd on CPUs {PIN_SERVER or 'any'}, notify-subs on CPUs {PIN_CLIENT or 'any'}"
              f" ({CLIENT_SCHED or 'normal'} scheduling)")
        print(f"load average at start {load0[0]:.2f}, at end {load1[0]:.2f}")
        print(f"publish->deliver latency over {len(lat)} subscriber x message pairs: "
              f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {lat[-1] if lat else 0:.1f} ms "
              f"({missing} missing)")
        if firsts:
            print(f"per message: first subscriber after {statistics.median(firsts):.1f} ms, "
                  f"last after {statistics.median(lasts):.1f} ms (medians over messages)")
        print(f"hearthd CPU: {lat_cpu * 1000:.1f} ms per 10k deliveries (latency phase), "
              f"{burst_cpu * 1000:.1f} ms per 10k deliveries (burst); notify-subs CPU: "
              f"{lat_sub_cpu * 1000:.1f} ms and {burst_sub_cpu * 1000:.1f} ms")
        print(f"burst: {delivered} deliveries ({bmissing} missing, {disorder} out of order) "
              f"in {(last - t0) / 1e9:.2f} s = {rate:.0f} deliveries/s")
        print(f"server-side fan-out (notify_deliver: match, frame, send to "
              f"every stream): latency phase {fanout_text(f0, f1)}; "
              f"burst {fanout_text(f1, f2)}")
        print(f"RSS: {base} KiB idle, {idle} KiB with {SUBS} subscribers = "
              f"{per_sub:.2f} KiB per idle subscriber")
        print(f"RESULT p50_ms={p50:.1f} p99_ms={p99:.1f} deliveries_per_s={rate:.0f} "
              f"cpu_ms_per_10k={burst_cpu * 1000:.1f} lat_cpu_ms_per_10k={lat_cpu * 1000:.1f} "
              f"subs_cpu_ms_per_10k={burst_sub_cpu * 1000:.1f} "
              f"kib_per_subscriber={per_sub:.2f} load={load0[0]:.1f}-{load1[0]:.1f} "
              f"pin={PIN_SERVER or 'any'}/{PIN_CLIENT or 'any'} "
              f"client_sched={CLIENT_SCHED or 'normal'}")
        return 0 if missing == 0 and bmissing == 0 and disorder == 0 else 1
    finally:
        if agent:
            agent.p.kill()
            agent.p.wait(10)
        d.terminate()
        d.wait(20)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
