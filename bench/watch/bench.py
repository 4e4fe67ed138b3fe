#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The watch room under load: N http monitors at INTERVAL against a local
nginx (Debian's, on loopback, its own config; stopped by PID), as the issue's
comparison with Uptime Kuma 1.23.16 (1000 HTTP monitors at 20 s: 212 MiB RSS,
16.4 CPU-seconds per minute on this machine).

After a warm-up of one interval (first checks are spread over it), it
measures over DURATION seconds: hearthd's CPU seconds (utime + stime from
/proc/PID/stat) per minute and as % of one core, its RSS (VmRSS) at the
end, heartbeats landed in the store in the window vs expected
(N x DURATION / INTERVAL), and the lag of each beat behind its schedule
(time since the monitor's previous beat minus the interval: scheduling
delay plus the check's own time), p50/p99/max.

    HEARTHD=build/src/hearthd bench/watch/bench.py
Environment: HEARTHD (default build/src/hearthd), MONITORS (1000),
INTERVAL (20), DURATION (60), KEEP=1 keeps the temp dir, MIX=1 makes the
monitors a quarter each http (nginx), port (nginx's port), ping
(127.0.0.1) and dns (the same hearthd's dns room, a lab host's A record).
"""
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from helpers import free_port  # noqa: E402
from nginx_helpers import Nginx  # noqa: E402

HEARTHD = os.environ.get("HEARTHD") or str(REPO / "build" / "src" / "hearthd")
N = int(os.environ.get("MONITORS", "1000"))
INTERVAL = int(os.environ.get("INTERVAL", "20"))
DURATION = int(os.environ.get("DURATION", "60"))
MIX = os.environ.get("MIX") == "1"


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main():
    tmp = Path(tempfile.mkdtemp(prefix="hearth-bench-watch-"))
    nginx = Nginx(tmp, free_port()).start()
    port, dns_port = free_port(), free_port()
    lines = [f"state_dir: {tmp}/state", "log: {level: warn}", "http:",
             f"  listen: 127.0.0.1:{port}", "  api_key: bench"]
    if MIX:
        lines += ["lab:", "  domain: lab.example", "  hosts:",
                  "    web: {ip: 192.168.30.10}", "dns:",
                  f"  listen: ['127.0.0.1:{dns_port}']", "  upstream: []"]
    lines += ["watch:", "  monitors:"]
    kinds = [
        f"type: http, url: 'http://127.0.0.1:{nginx.port}/'",
        f"type: port, hostname: 127.0.0.1, port: {nginx.port}",
        "type: ping, hostname: 127.0.0.1",
        f"type: dns, hostname: web.lab.example, dns_resolve_server: "
        f"127.0.0.1, port: {dns_port}"]
    for i in range(N):
        kind = kinds[i % 4] if MIX else kinds[0]
        lines.append(f"    - {{name: m{i}, {kind}, interval: {INTERVAL}s}}")
    (tmp / "hearth.yaml").write_text("\n".join(lines) + "\n")
    err = open(tmp / "hearthd.stderr", "wb")
    d = subprocess.Popen([HEARTHD, "-c", str(tmp / "hearth.yaml")],
                         stdout=subprocess.DEVNULL, stderr=err,
                         start_new_session=True)
    try:
        time.sleep(INTERVAL + 2)  # every monitor has had its first check
        t0, c0 = time.time(), cpu_seconds(d.pid)
        time.sleep(DURATION)
        t1, c1 = time.time(), cpu_seconds(d.pid)
        rss = rss_mib(d.pid)
        time.sleep(1)  # the last batch commits
        db = sqlite3.connect(f"file:{tmp}/state/hearth.db?mode=ro", uri=True)
        landed, = db.execute(
            "SELECT count(*) FROM watch_heartbeats WHERE time >= ? AND "
            "time < ?", (int(t0 * 1000), int(t1 * 1000))).fetchone()
        up, = db.execute(
            "SELECT count(*) FROM watch_heartbeats WHERE time >= ? AND "
            "time < ? AND status = 1",
            (int(t0 * 1000), int(t1 * 1000))).fetchone()
        lags = sorted(r[0] - INTERVAL * 1000 for r in db.execute(
            "SELECT duration FROM watch_heartbeats WHERE time >= ? AND "
            "time < ? AND duration > 0", (int(t0 * 1000), int(t1 * 1000))))
        db.close()
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait(timeout=30)
        nginx.stop()
    expected = N * (t1 - t0) / INTERVAL
    cpu_min = (c1 - c0) * 60 / (t1 - t0)
    p = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))] if lags else 0
    what = "mixed (http/port/ping/dns)" if MIX else "http"
    print(f"hearth watch: {N} {what} monitors at {INTERVAL}s against local "
          f"targets, {t1 - t0:.0f} s measured")
    print(f"  CPU         {cpu_min:.2f} CPU-s/min ({cpu_min / 60 * 100:.2f} % "
          f"of one core)   Uptime Kuma 1.23.16: 16.4 CPU-s/min "
          f"(ratio {16.4 / cpu_min if cpu_min else float('inf'):.1f}x)")
    print(f"  RSS         {rss:.1f} MiB   Uptime Kuma 1.23.16: 212 MiB "
          f"(ratio {212 / rss:.1f}x)")
    print(f"  heartbeats  {landed} landed / {expected:.0f} expected "
          f"({landed * 60 / (t1 - t0):.0f}/min), {up} UP")
    print(f"  lag behind schedule (ms): p50 {p(0.5)}  p99 {p(0.99)}  "
          f"max {lags[-1] if lags else 0}")
    print(f"  hearthd exit status {d.returncode}")
    if os.environ.get("KEEP") != "1":
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"  kept {tmp}")
    return 0 if d.returncode == 0 and landed >= 0.98 * expected else 1


if __name__ == "__main__":
    sys.exit(main())
