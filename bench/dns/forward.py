#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Cache-hit forwarding benchmark: hearthd against dnsmasq with dnsperf.

The issue's goal: "Cache-hit forwarding QPS >= dnsmasq's".

An upstream (Knot, authoritative, on 127.0.0.1 only) serves a generated
zone of FWD_NAMES A records (TTL 3600). hearthd and dnsmasq are started on
loopback from their own temp dirs, each forwarding everything to that
upstream and nothing else, and are stopped by PID:
  hearthd  dns: {listen: [127.0.0.1:P], upstream: [127.0.0.1:K],
                 cache_size: 100000, zones: []}
  dnsmasq  -k -C conf: no-resolv, server=127.0.0.1#K, listen-address,
           port, bind-interfaces, cache-size=10000 (its maximum),
           no-hosts, user/group root, pid-file and log in the temp dir.
The query set is FWD_QUERIES of the zone's names (A), fewer than dnsmasq's
10,000-entry cache. Each forwarder's cache is warmed by querying every name
once (each answer checked against the zone), then every name is asked a
second time while the upstream's query counter (Knot mod-stats, read with
knotc) must stay still: that proves the measured runs are cache hits.
Then, interleaved over ROUNDS rounds,
    dnsperf -s 127.0.0.1 -p PORT -d queries -c 4 -T 2 -l DURATION -q 100
(RD=1 is dnsperf's default). Per run: QPS, lost queries, rcodes, the
forwarder's CPU seconds (utime+stime from /proc over its process tree),
queries per forwarder CPU-second, RSS after the run, and the queries the
upstream received during the run (Knot mod-stats; Knot's CPU beside it).
Prints a table of medians, the ratios hearth/dnsmasq and a RESULT line.

Environment: HEARTHD (default build/src/hearthd under the repo root),
ROUNDS (3), DURATION (10), FWD_NAMES (10000), FWD_QUERIES (5000),
WORKERS (half the CPUs: hearth udp_workers; Knot udp-workers), KEEP=1 keeps the temp
dir. Exit status 1 when a server fails to start, dies, answers wrongly,
or its measured runs are not served from its cache.
"""
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
sys.path.insert(0, str(HERE))

import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

from bench import (DNSPERF, cpu_seconds, fmt, memory_kib,  # noqa: E402
                   parse_dnsperf)
from dns_helpers import AnchorServer, Knot, make_query  # noqa: E402
from helpers import sanitizer_report  # noqa: E402

HEARTHD = os.environ.get("HEARTHD") or str(REPO / "build" / "src" / "hearthd")
if not os.path.isabs(HEARTHD):
    HEARTHD = str(REPO / HEARTHD)
DNSMASQ = os.environ.get("DNSMASQ") or shutil.which("dnsmasq") or \
    "/usr/sbin/dnsmasq"
KNOTC = os.environ.get("KNOTC") or shutil.which("knotc") or "/usr/sbin/knotc"
ROUNDS = int(os.environ.get("ROUNDS", "3"))
DURATION = int(os.environ.get("DURATION", "10"))
NAMES = int(os.environ.get("FWD_NAMES", "10000"))
QUERIES = int(os.environ.get("FWD_QUERIES", "5000"))
WORKERS = int(os.environ.get("WORKERS", str(max(1, (os.cpu_count() or 2) // 2))))
ZONE = "fwd.test."
TTL = 3600
SERVERS = ("hearth", "dnsmasq")
# "Almost no upstream queries" during a measured run: at most this share
# of the queries the forwarder completed.
UPSTREAM_MAX_SHARE = 0.001


def host_ip(i):
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def generate(outdir):
    """The upstream zone (NAMES A records, TTL 3600) and the dnsperf query
    file (QUERIES of those names, shuffled). Returns (zone file, query
    file, {qname: ip} of the queried names)."""
    outdir.mkdir(parents=True, exist_ok=True)
    zpath = outdir / "fwd.test.zone"
    with open(zpath, "w") as f:
        f.write(f"$ORIGIN {ZONE}\n$TTL {TTL}\n"
                "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
                "@ IN NS ns1\nns1 IN A 127.0.0.1\n")
        for i in range(NAMES):
            f.write(f"h{i} IN A {host_ip(i)}\n")
    rng = random.Random(2308)
    picked = rng.sample(range(NAMES), min(QUERIES, NAMES))
    expect = {f"h{i}.{ZONE}": host_ip(i) for i in picked}
    qpath = outdir / "queries.txt"
    qpath.write_text("".join(f"{n} A\n" for n in expect))
    return zpath, qpath, expect


# ---- servers ----

class Upstream(Knot):
    """Knot with a control socket and mod-stats, so the benchmark can count
    the queries it receives (knotc stats mod-stats.request-protocol)."""

    name = "knot"

    def write_config(self):
        super().write_config()
        d = self.dir
        text = self.conf_path.read_text()
        text = text.replace(
            "template:\n",
            f'control:\n    listen: "{d}/knot.sock"\n\n'
            "mod-stats:\n  - id: default\n    request-protocol: on\n\n"
            "template:\n", 1)
        text = text.replace(
            "    journal-content: none\n",
            "    journal-content: none\n"
            "    global-module: mod-stats/default\n", 1)
        self.conf_path.write_text(text)

    def queries_seen(self):
        """Queries received so far (all protocols), or None."""
        p = subprocess.run(
            [KNOTC, "-c", str(self.conf_path), "-s",
             str(self.dir / "knot.sock"), "stats",
             "mod-stats.request-protocol"],
            capture_output=True, text=True, timeout=20,
            stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            return None
        vals = re.findall(r"=\s*(\d+)", p.stdout)
        return sum(map(int, vals)) if vals else 0


class Forwarder(AnchorServer):
    """A forwarder: no zones of its own, so no AA to wait for."""

    def __init__(self, workdir, upstream_port, **kw):
        super().__init__(workdir, [(ZONE, "-")], **kw)
        self.upstream_port = upstream_port

    def wait_zones_loaded(self, timeout):
        return None


class Hearth(Forwarder):
    name = "hearth"

    def write_config(self):
        self.conf_path = self.dir / "hearth.yaml"
        self.conf_path.write_text(f"""log:
  level: warn
state_dir: "{self.dir / 'var'}"
dns:
  listen: ["127.0.0.1:{self.port}"]
  upstream: ["127.0.0.1:{self.upstream_port}"]
  cache_size: 100000
  udp_workers: {WORKERS}
  zones: []
""")

    def argv(self):
        return [HEARTHD, "-c", str(self.conf_path)]


class Dnsmasq(Forwarder):
    name = "dnsmasq"

    def write_config(self):
        d = self.dir
        self.conf_path = d / "dnsmasq.conf"
        self.conf_path.write_text(f"""no-resolv
no-hosts
no-poll
server=127.0.0.1#{self.upstream_port}
listen-address=127.0.0.1
port={self.port}
bind-interfaces
cache-size=10000
user=root
group=root
pid-file={d}/dnsmasq.pid
log-facility={d}/dnsmasq-syslog.log
""")

    def argv(self):
        return [DNSMASQ, "-k", "-C", str(self.conf_path)]


def make_server(kind, workdir, upstream_port):
    if kind == "hearth":
        if not os.access(HEARTHD, os.X_OK):
            raise RuntimeError(f"HEARTHD={HEARTHD} is not an executable")
        return Hearth(workdir, upstream_port)
    if kind == "dnsmasq":
        if not os.access(DNSMASQ, os.X_OK):
            raise RuntimeError(f"dnsmasq not found ({DNSMASQ}); "
                               "scripts/install-deps.sh installs it")
        return Dnsmasq(workdir, upstream_port)
    raise ValueError(kind)


# ---- checks ----

def check_all(srv, expect):
    """Asks every name once (RD=1, no EDNS, like dnsperf). Returns a list
    of problems: errors, wrong rcode/flags/addresses, TTL out of range."""
    problems = []
    for qname, ip in expect.items():
        try:
            r = dns.query.udp(make_query(qname, "A", rd=True), srv.host,
                              port=srv.port, timeout=3.0,
                              ignore_unexpected=True)
        except (dns.exception.DNSException, OSError) as e:
            problems.append(f"{qname}: {e!r}")
            continue
        what = []
        if r.rcode() != dns.rcode.NOERROR:
            what.append(f"rcode {dns.rcode.to_text(r.rcode())}")
        if not r.flags & dns.flags.RA:
            what.append("no RA")
        if r.flags & dns.flags.TC:
            what.append("TC")
        a = [rr for rr in r.answer if rr.rdtype == dns.rdatatype.A]
        got = sorted(x.to_text() for rr in a for x in rr)
        if got != [ip]:
            what.append(f"A {got} != [{ip!r}]")
        elif not 0 < a[0].ttl <= TTL:
            what.append(f"TTL {a[0].ttl}")
        if what:
            problems.append(f"{qname}: " + ", ".join(what))
    return problems


def run_dnsperf(srv, up, qfile, logdir, tag):
    argv = [DNSPERF, "-s", "127.0.0.1", "-p", str(srv.port), "-d", str(qfile),
            "-c", "4", "-T", "2", "-l", str(DURATION), "-q", "100"]
    up0, upcpu0 = up.queries_seen(), cpu_seconds(up.pid)
    cpu0 = cpu_seconds(srv.pid)
    t0 = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True,
                       timeout=DURATION + 60, stdin=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    cpu = cpu_seconds(srv.pid) - cpu0
    up1, upcpu1 = up.queries_seen(), cpu_seconds(up.pid)
    (Path(logdir) / f"dnsperf-{tag}.txt").write_text(p.stdout + p.stderr)
    if p.returncode != 0:
        raise RuntimeError(f"dnsperf exited {p.returncode}: {p.stderr[-500:]}")
    res = parse_dnsperf(p.stdout)
    if res["qps"] is None:
        raise RuntimeError(f"cannot parse dnsperf output:\n{p.stdout[-1000:]}")
    rss, pss = memory_kib(srv.pid)
    res.update(cpu=cpu, wall=wall, rss=rss, pss=pss,
               per_cpu=(res["completed"] / cpu) if cpu > 0 else float("inf"),
               upstream=(up1 - up0) if None not in (up0, up1) else None,
               upstream_cpu=upcpu1 - upcpu0)
    return res


def main():
    tmp = Path(tempfile.mkdtemp(prefix="hearth-fwdbench-"))
    failed = []
    problems_seen = []
    servers = {}
    up = None

    def problem(kind, text):
        print(f"{kind}: {text}")
        problems_seen.append(f"{kind}: {text}")
        failed.append(kind)

    try:
        zpath, qfile, expect = generate(tmp / "data")
        print(f"upstream zone {ZONE}: {NAMES} A records, TTL {TTL}; "
              f"{len(expect)} names queried (A)")
        print(f"dnsperf -c 4 -T 2 -l {DURATION} -q 100; {ROUNDS} rounds; "
              f"hearth udp_workers {WORKERS}; {os.cpu_count()} CPUs; "
              f"temp {tmp}")
        up = Upstream(tmp / "knot", [(ZONE, zpath)], udp_workers=WORKERS)
        up.start(ready_timeout=60)
        if up.queries_seen() is None:
            raise RuntimeError("cannot read the upstream's query counter "
                               f"(knotc stats)\n{up.log()}")
        print(f"upstream knot: pid {up.pid}, 127.0.0.1#{up.port}")

        for kind in SERVERS:
            srv = None
            try:
                srv = make_server(kind, tmp / kind, up.port)
                srv.start(ready_timeout=30)
                servers[kind] = srv
                print(f"{kind}: pid {srv.pid}, port {srv.port}, "
                      f"RSS {memory_kib(srv.pid)[0] / 1024:.1f} MiB")
            except Exception as e:  # noqa: BLE001
                problem(kind, f"cannot start: {e}".splitlines()[0])
                if srv is not None:
                    print("\n".join(srv.log().splitlines()[-15:]))
                    srv.stop()

        # Warm each cache, checking every answer; then ask every name again
        # and require that the upstream saw (almost) nothing.
        for kind in list(servers):
            srv = servers[kind]
            n0 = up.queries_seen()
            t0 = time.monotonic()
            bad = check_all(srv, expect)
            n1 = up.queries_seen()
            t1 = time.monotonic()
            bad2 = check_all(srv, expect)
            n2 = up.queries_seen()
            t2 = time.monotonic()
            print(f"{kind}: warm-up {len(expect)} queries in {t1 - t0:.1f}s, "
                  f"upstream saw {n1 - n0}; second pass in {t2 - t1:.1f}s, "
                  f"upstream saw {n2 - n1}")
            if bad or bad2:
                problem(kind, f"WRONG ANSWERS ({len(bad)} warm-up, "
                        f"{len(bad2)} cached), left out:\n  " +
                        "\n  ".join((bad + bad2)[:10]))
                servers.pop(kind).stop()
            elif n2 - n1 > UPSTREAM_MAX_SHARE * len(expect):
                problem(kind, f"NOT CACHED: the second pass sent {n2 - n1} "
                        f"of {len(expect)} queries upstream; left out")
                servers.pop(kind).stop()
            elif not srv.alive():
                problem(kind, f"died during warm-up\n{srv.log()}")
                servers.pop(kind)

        results = {k: [] for k in servers}
        for rnd in range(1, ROUNDS + 1):
            order = [k for k in SERVERS if k in servers]
            if rnd % 2 == 0:
                order.reverse()
            for kind in order:
                srv = servers[kind]
                if not srv.alive():
                    continue
                try:
                    r = run_dnsperf(srv, up, qfile, tmp, f"{kind}-{rnd}")
                except Exception as e:  # noqa: BLE001
                    problem(kind, f"round {rnd}: FAILED: {e}")
                    continue
                if not srv.alive():
                    problem(kind, f"round {rnd}: server died "
                            f"(exit {srv.proc.returncode})\n{srv.log()}")
                    continue
                flags = []
                noerr = r["codes"].get("NOERROR", 0) / max(1, r["completed"])
                if noerr < 0.999:
                    flags.append(f"WRONG rcodes {r['codes']}")
                if r["upstream"] is None:
                    flags.append("upstream count unreadable")
                elif r["upstream"] > UPSTREAM_MAX_SHARE * r["completed"]:
                    flags.append(f"CACHE MISSES: upstream saw {r['upstream']}")
                if flags:
                    problem(kind, f"round {rnd}: " + "; ".join(flags))
                print(f"round {rnd} {kind:7}: {r['qps']:>10,.0f} QPS "
                      f"lost {r['lost']} cpu {r['cpu']:.2f}s "
                      f"({r['per_cpu']:,.0f} q/cpu-s) "
                      f"RSS {r['rss'] / 1024:.1f} MiB; upstream "
                      f"{r['upstream']} queries, "
                      f"{r['upstream_cpu']:.2f} cpu-s")
                results[kind].append(r)

        # After the runs: a sample of the names still answered right.
        for kind, srv in servers.items():
            if not srv.alive():
                continue
            sample = dict(list(expect.items())[::50])
            bad = check_all(srv, sample)
            if bad:
                problem(kind, "WRONG ANSWERS after the runs:\n  " +
                        "\n  ".join(bad[:10]))

        med = {}
        for kind, runs in results.items():
            if not runs:
                continue
            med[kind] = {key: statistics.median(r[key] for r in runs)
                         for key in ("qps", "per_cpu", "cpu", "rss", "pss",
                                     "lost", "upstream")
                         if all(r[key] is not None for r in runs)}
        print()
        print(f"{'server':8} {'QPS':>12} {'q/CPU-s':>12} {'CPU s':>7} "
              f"{'RSS MiB':>8} {'lost':>6} {'upstream q':>10}   (medians of "
              f"{ROUNDS})")
        for kind, m in med.items():
            print(f"{kind:8} {fmt(m['qps']):>12} {fmt(m['per_cpu']):>12} "
                  f"{m['cpu']:>7.2f} {m['rss'] / 1024:>8.1f} "
                  f"{m['lost']:>6.0f} {m.get('upstream', float('nan')):>10.0f}")
        print()
        ratio = None
        if "hearth" in med and "dnsmasq" in med:
            a, b = med["hearth"], med["dnsmasq"]
            ratio = a["qps"] / b["qps"]
            print(f"hearth/dnsmasq: QPS {ratio:.2f}  "
                  f"q/CPU-s {a['per_cpu'] / b['per_cpu']:.2f}  "
                  f"RSS {a['rss'] / b['rss']:.2f}")
        (tmp / "results.json").write_text(json.dumps(
            {"medians": med, "runs": results, "problems": problems_seen},
            indent=1, default=str))
    except Exception as e:  # noqa: BLE001
        print(f"forward benchmark: {e}")
        failed.append("setup")
        ratio = None
    finally:
        for kind, srv in servers.items():
            rc = srv.stop()
            if rc not in (0, None):
                print(f"{kind}: exit code {rc} after SIGTERM")
                failed.append(kind)
            rep = sanitizer_report(srv.log())
            if rep:
                print(f"{kind}: sanitizer report:\n{rep}")
                failed.append(kind)
        if up is not None:
            up.stop()
        if os.environ.get("KEEP"):
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    goal = ("" if ratio is None else
            f"hearth/dnsmasq cache-hit QPS {ratio:.2f} (goal >= 1: "
            f"{'met' if ratio >= 1 else 'NOT met'})")
    if failed:
        print(f"RESULT: problems with: {' '.join(sorted(set(failed)))}"
              + (f"; {goal}" if goal else ""))
        return 1
    print(f"RESULT: ok; {goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
