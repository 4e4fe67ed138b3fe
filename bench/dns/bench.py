#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Authoritative DNS benchmark: hearthd against Knot and NSD with dnsperf.

One generated zone (gen_zone.py: >= 100k records) and one query file
(existing names, NXDOMAIN, NODATA) are served by every server, each started
on loopback from its own temp dir and stopped by PID. dnsperf runs against
each in turn, interleaved (hearth, knot, nsd; ROUNDS rounds), with
    dnsperf -s 127.0.0.1 -p PORT -d queries -c 4 -T 2 -l DURATION -q 100
Per run: QPS, lost queries, rcode shares, the server's CPU seconds during
the run (utime+stime from /proc/PID/stat over its process tree: NSD answers
from forked children) and its RSS after the run (VmRSS, summed over the
tree; PSS beside it, since NSD's children share the zone pages).
Prints a table of medians and the ratios hearth/Knot and hearth/NSD.

Environment: HEARTHD (default build/src/hearthd under the repo root),
SERVERS (default "hearth knot nsd"), ROUNDS (3), DURATION (10), RECORDS
(100000), QUERIES (100000), WORKERS (half the CPUs: hearth udp_workers, Knot
udp-workers, NSD server-count), KEEP=1 keeps the temp dir.
A server that fails to start, or answers with the wrong rcodes, is reported
and left out; the others still run (exit status 1 then).
"""
import json
import os
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

import dns.flags  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402

from dns_helpers import (NSD, AnchorServer, Knot, dns_config,  # noqa: E402
                         make_query)
from gen_zone import generate  # noqa: E402
from helpers import free_port  # noqa: E402

HEARTHD = os.environ.get("HEARTHD") or str(REPO / "build" / "src" / "hearthd")
if not os.path.isabs(HEARTHD):
    HEARTHD = str(REPO / HEARTHD)
SERVERS = os.environ.get("SERVERS", "hearth knot nsd").split()
ROUNDS = int(os.environ.get("ROUNDS", "3"))
DURATION = int(os.environ.get("DURATION", "10"))
RECORDS = int(os.environ.get("RECORDS", "100000"))
QUERIES = int(os.environ.get("QUERIES", "100000"))
# Default as hearth's udp_workers auto: half the CPUs (the load generator
# needs the rest on small machines).
WORKERS = int(os.environ.get("WORKERS", str(max(1, (os.cpu_count() or 2) // 2))))
DNSPERF = shutil.which("dnsperf") or "/usr/bin/dnsperf"
CLK_TCK = os.sysconf("SC_CLK_TCK")
LOAD_TIMEOUT = 180.0  # a 100k-record zone under a sanitizer build is slow


class Hearth(AnchorServer):
    """hearthd with the dns section of its contract."""

    name = "hearth"

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.conf_path = self.dir / "hearth.yaml"

    def write_config(self):
        text = dns_config(self.dir, self.port, zones=self.zones, ipv6=False,
                          udp_workers=WORKERS)
        text = text.replace("@PORT@", str(free_port()))
        self.conf_path.write_text("log:\n  level: warn\n" + text)

    def argv(self):
        return [HEARTHD, "-c", str(self.conf_path)]


def make_server(kind, workdir, zones):
    if kind == "hearth":
        if not os.access(HEARTHD, os.X_OK):
            raise RuntimeError(f"HEARTHD={HEARTHD} is not an executable")
        return Hearth(workdir, zones)
    if kind == "knot":
        return Knot(workdir, zones, udp_workers=WORKERS)
    if kind == "nsd":
        # reuseport lets the NSD children share the port like Knot's and
        # hearth's UDP workers do.
        return NSD(workdir, zones, server_count=WORKERS,
                   extra="\treuseport: yes")
    raise ValueError(f"unknown server {kind!r}")


# ---- /proc ----

def tree_pids(root):
    """@root and all its descendants."""
    children = {}
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(p.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_seconds(root):
    total = 0
    for pid in tree_pids(root):
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(f[11]) + int(f[12])  # utime, stime (fields 14, 15)
    return total / CLK_TCK


def memory_kib(root):
    """(sum of VmRSS, sum of Pss) over the tree, KiB."""
    rss = pss = 0
    for pid in tree_pids(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


# ---- checks and runs ----

def sample_queries(qfile, n=60):
    lines = Path(qfile).read_text().splitlines()
    step = max(1, len(lines) // n)
    return [tuple(line.split()) for line in lines[::step][:n]]


def answer_shapes(srv, samples):
    """(rcode, AA, answer RRset count) for each sample query, or the error."""
    out = []
    for qname, qtype in samples:
        try:
            r = dns.query.udp(make_query(qname, qtype), srv.host,
                              port=srv.port, timeout=2.0)
            out.append((dns.rcode.to_text(r.rcode()),
                        bool(r.flags & dns.flags.AA), len(r.answer)))
        except Exception as e:  # noqa: BLE001
            out.append(repr(e))
    return out


def check_answers(shapes, reference, samples):
    """A server must answer the sample queries like the reference server
    (a server that REFUSEs everything would otherwise win)."""
    return [f"{q[0]} {q[1]}: {got} != {want}"
            for q, got, want in zip(samples, shapes, reference) if got != want]


def parse_dnsperf(text):
    def num(pattern, cast=float):
        m = re.search(pattern, text)
        return cast(m.group(1)) if m else None
    codes = {}
    m = re.search(r"Response codes:\s+(.*)", text)
    if m:
        for code, n in re.findall(r"([A-Z]+) (\d+)", m.group(1)):
            codes[code] = int(n)
    return {"qps": num(r"Queries per second:\s+([\d.]+)"),
            "sent": num(r"Queries sent:\s+(\d+)", int),
            "completed": num(r"Queries completed:\s+(\d+)", int),
            "lost": num(r"Queries lost:\s+(\d+)", int),
            "codes": codes}


def run_dnsperf(srv, qfile, logdir, tag):
    argv = [DNSPERF, "-s", "127.0.0.1", "-p", str(srv.port), "-d", str(qfile),
            "-c", "4", "-T", "2", "-l", str(DURATION), "-q", "100"]
    cpu0 = cpu_seconds(srv.pid)
    t0 = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True,
                       timeout=DURATION + 60, stdin=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    cpu = cpu_seconds(srv.pid) - cpu0
    (Path(logdir) / f"dnsperf-{tag}.txt").write_text(p.stdout + p.stderr)
    if p.returncode != 0:
        raise RuntimeError(f"dnsperf exited {p.returncode}: {p.stderr[-500:]}")
    res = parse_dnsperf(p.stdout)
    if res["qps"] is None:
        raise RuntimeError(f"cannot parse dnsperf output:\n{p.stdout[-1000:]}")
    rss, pss = memory_kib(srv.pid)
    res.update(cpu=cpu, wall=wall, rss=rss, pss=pss,
               per_cpu=(res["completed"] / cpu) if cpu > 0 else float("inf"))
    return res


def fmt(x, unit=""):
    if x is None:
        return "n/a"
    if isinstance(x, float) and x != x:
        return "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}{unit}"
    return f"{x:.2f}{unit}"


def main():
    tmp = Path(tempfile.mkdtemp(prefix="hearth-dnsbench-"))
    failed = []
    servers = {}
    try:
        summary = generate(tmp / "data", RECORDS, QUERIES)
        zone = (summary["zone"], summary["zone_file"])
        qfile = summary["query_file"]
        print(f"zone {summary['zone']}: {summary['records']} records, "
              f"{summary['hosts']} hosts; {summary['queries']} queries "
              f"({summary['positive']} positive, {summary['nxdomain']} "
              f"NXDOMAIN, {summary['nodata']} NODATA)")
        print(f"dnsperf -c 4 -T 2 -l {DURATION} -q 100; {ROUNDS} rounds; "
              f"workers {WORKERS}; {os.cpu_count()} CPUs; temp {tmp}")

        for kind in SERVERS:
            srv = None
            try:
                srv = make_server(kind, tmp / kind, [zone])
                t0 = time.monotonic()
                srv.start(ready_timeout=LOAD_TIMEOUT)
                print(f"{kind}: pid {srv.pid}, port {srv.port}, "
                      f"zone loaded in {time.monotonic() - t0:.1f}s, "
                      f"RSS {memory_kib(srv.pid)[0] / 1024:.1f} MiB")
                servers[kind] = srv
            except Exception as e:  # noqa: BLE001
                print(f"{kind}: cannot start: {e}".splitlines()[0])
                if srv is not None:
                    print("\n".join(srv.log().splitlines()[-15:]))
                    srv.stop()
                failed.append(kind)

        samples = sample_queries(qfile)
        ref_kind = next((k for k in ("nsd", "knot") if k in servers), None)
        order = ([ref_kind] if ref_kind else []) + \
            [k for k in servers if k != ref_kind]
        ref = None
        for kind in order:
            shapes = answer_shapes(servers[kind], samples)
            if ref is None:
                ref = shapes
                bad = [s for s in shapes if isinstance(s, str)]
                problems = [f"reference {kind} failed: {bad[0]}"] if bad else []
            else:
                problems = check_answers(shapes, ref, samples)
            if problems:
                print(f"{kind}: WRONG ANSWERS, left out:\n  " +
                      "\n  ".join(problems[:10]))
                servers.pop(kind).stop()
                failed.append(kind)

        results = {k: [] for k in servers}
        for rnd in range(1, ROUNDS + 1):
            for kind in [k for k in SERVERS if k in servers]:
                srv = servers[kind]
                try:
                    r = run_dnsperf(srv, qfile, tmp, f"{kind}-{rnd}")
                except Exception as e:  # noqa: BLE001
                    print(f"round {rnd} {kind}: FAILED: {e}")
                    failed.append(kind)
                    continue
                if not srv.alive():
                    print(f"round {rnd} {kind}: server died\n{srv.log()}")
                    failed.append(kind)
                    continue
                nx = r["codes"].get("NXDOMAIN", 0) / max(1, r["completed"])
                flag = ""
                if abs(nx - summary["nxdomain_share"]) > 0.03:
                    flag = f"  WRONG NXDOMAIN share {nx:.1%}"
                    failed.append(kind)
                print(f"round {rnd} {kind:6}: {r['qps']:>10,.0f} QPS "
                      f"lost {r['lost']} cpu {r['cpu']:.2f}s "
                      f"({r['completed'] / r['cpu'] if r['cpu'] else 0:,.0f} q/cpu-s) "
                      f"RSS {r['rss'] / 1024:.1f} MiB{flag}")
                results[kind].append(r)

        med = {}
        for kind, runs in results.items():
            if not runs:
                continue
            med[kind] = {key: statistics.median(r[key] for r in runs)
                         for key in ("qps", "per_cpu", "cpu", "rss", "pss",
                                     "lost")}
        print()
        print(f"{'server':8} {'QPS':>12} {'q/CPU-s':>12} {'CPU s':>7} "
              f"{'RSS MiB':>8} {'PSS MiB':>8} {'lost':>6}   (medians of "
              f"{ROUNDS})")
        for kind, m in med.items():
            print(f"{kind:8} {fmt(m['qps']):>12} {fmt(m['per_cpu']):>12} "
                  f"{m['cpu']:>7.2f} {m['rss'] / 1024:>8.1f} "
                  f"{m['pss'] / 1024:>8.1f} {m['lost']:>6.0f}")
        print()
        subject = "hearth" if "hearth" in med else None
        if subject:
            for other in ("knot", "nsd"):
                if other not in med:
                    continue
                a, b = med[subject], med[other]
                print(f"hearth/{other}: QPS {a['qps'] / b['qps']:.2f}  "
                      f"q/CPU-s {a['per_cpu'] / b['per_cpu']:.2f}  "
                      f"RSS {a['rss'] / b['rss']:.2f}  "
                      f"PSS {a['pss'] / b['pss']:.2f}")
        elif "knot" in med and "nsd" in med:
            a, b = med["knot"], med["nsd"]
            print("hearth: not measured (see above); "
                  f"knot/nsd: QPS {a['qps'] / b['qps']:.2f}  "
                  f"q/CPU-s {a['per_cpu'] / b['per_cpu']:.2f}  "
                  f"RSS {a['rss'] / b['rss']:.2f}  PSS {a['pss'] / b['pss']:.2f}")
        (tmp / "results.json").write_text(json.dumps(
            {"medians": med, "runs": results}, indent=1, default=str))
    finally:
        for srv in servers.values():
            srv.stop()
        if os.environ.get("KEEP"):
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        print(f"RESULT: problems with: {' '.join(sorted(set(failed)))}")
        return 1
    print("RESULT: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
