#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""DHCPv4 benchmark: hearthd against Kea (memfile) and dnsmasq with perfdhcp.

Every run builds its own pair of network namespaces (server and client,
one veth between them: srv0 10.30.0.1/16 <-> eth0 10.30.0.2/16), starts one
server in the server namespace with a fresh state directory, checks that it
answers a DISCOVER (raw client of tests/integration/dhcp_helpers.py), then
runs in the client namespace
    perfdhcp -4 -r RATE -R CLIENTS -p DURATION -l eth0
(perfdhcp sets giaddr to its own address, so every server sees relayed
traffic and answers to 10.30.0.2:67), then stops the server by PID and
deletes both namespaces. Nothing touches the host's interfaces.

Servers, all with the pool 10.30.1.0-10.30.255.254 (/16), lease 1 h, a
router option, leases written to disk:
  hearth   hearthd -c (dhcp + dns rooms; the dns room is where leases are
           registered, on 127.0.0.1 inside the namespace, upstream: [])
  kea      kea-dhcp4 -c (memfile, persist, raw sockets, single-threaded as
           2.2 defaults, logging at WARN)
  dnsmasq  dnsmasq -k (port=0: no DNS; no-ping; quiet-dhcp; lease file in
           the temp dir; dhcp-lease-max above the pool)

Rounds are interleaved (each round: every rate, every server, the server
order rotated per round). Per run: full 4-way exchanges per second
(perfdhcp's Rate line), drops of DISCOVER-OFFER and REQUEST-ACK, the
server's CPU seconds during the run (utime+stime from /proc/PID/stat), ACKs
per server CPU-second, and its RSS after the run. Prints a table of medians,
the ratios hearth/Kea and hearth/dnsmasq per rate, and a RESULT line.

Environment: HEARTHD (default build/src/hearthd), SERVERS ("hearth kea
dnsmasq"), RATES ("200 1000 3000"), CLIENTS (5000), DURATION (10 s),
ROUNDS (3), KEEP=1 keeps the temp dir. A server that cannot start or does
not answer is reported and left out (exit status 1); the others still run.
"""
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from dhcp_helpers import (IP, PERFDHCP, RawClient, nsexec,  # noqa: E402
                          run)

HEARTHD = os.environ.get("HEARTHD") or str(REPO / "build" / "src" / "hearthd")
if not os.path.isabs(HEARTHD):
    HEARTHD = str(REPO / HEARTHD)
SERVERS = os.environ.get("SERVERS", "hearth kea dnsmasq").split()
RATES = [int(x) for x in os.environ.get("RATES", "200 1000 3000").split()]
CLIENTS = int(os.environ.get("CLIENTS", "5000"))
DURATION = int(os.environ.get("DURATION", "10"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
KEA = shutil.which("kea-dhcp4") or "/usr/sbin/kea-dhcp4"
DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
CLK_TCK = os.sysconf("SC_CLK_TCK")

POOL = ("10.30.1.0", "10.30.255.254")
SRV_IP, CLI_IP = "10.30.0.1", "10.30.0.2"


class Pair:
    """Server and client namespaces joined by one veth."""

    n = 0

    def __init__(self):
        Pair.n += 1
        base = f"hthb-{os.getpid()}-{Pair.n}"
        self.srv, self.cli = f"{base}-srv", f"{base}-cli"
        self.made = []
        try:
            for ns in (self.srv, self.cli):
                run([IP, "netns", "add", ns])
                self.made.append(ns)
                run([IP, "-n", ns, "link", "set", "lo", "up"])
                nsexec(ns, "sysctl", "-q", "-w",
                       "net.ipv6.conf.all.disable_ipv6=1", check=False)
            run([IP, "-n", self.srv, "link", "add", "srv0", "type", "veth",
                 "peer", "name", "eth0", "netns", self.cli])
            run([IP, "-n", self.srv, "addr", "add", SRV_IP + "/16", "dev", "srv0"])
            run([IP, "-n", self.cli, "addr", "add", CLI_IP + "/16", "dev", "eth0"])
            run([IP, "-n", self.srv, "link", "set", "srv0", "up"])
            run([IP, "-n", self.cli, "link", "set", "eth0", "up"])
        except BaseException:
            self.close()
            raise

    def close(self):
        for _ in range(3):
            left = []
            for ns in self.made:
                cp = run([IP, "netns", "pids", ns], check=False)
                left += [int(x) for x in cp.stdout.split()]
            if not left:
                break
            for pid in left:  # only processes inside our own namespaces
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)
        for ns in reversed(self.made):
            run([IP, "netns", "del", ns], check=False)
        self.made = []


class Server:
    kind = "?"

    def __init__(self, pair, tmp):
        self.pair, self.tmp = pair, Path(tmp)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.log_path = self.tmp / f"{self.kind}.log"
        self.proc = None

    def argv(self):
        raise NotImplementedError

    def env(self):
        return None

    def start(self):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [IP, "netns", "exec", self.pair.srv, *self.argv()],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                cwd=self.tmp, start_new_session=True, env=self.env())

    def wait_answering(self, timeout=15.0):
        """Until a raw DISCOVER from the client namespace gets an OFFER."""
        deadline = time.monotonic() + timeout
        with RawClient(self.pair.cli, "eth0", "02:48:be:00:00:01") as c:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"exited with {self.proc.returncode}:\n"
                                       f"{self.log()[-2000:]}")
                if c.discover(attempts=1, timeout=1.0) is not None:
                    return
        raise RuntimeError(f"no OFFER within {timeout:.0f}s (server runs; "
                           f"no DHCP answer)\n{self.log()[-1500:]}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def cpu_ticks(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


class Hearth(Server):
    kind = "hearth"

    def argv(self):
        if not os.path.exists(HEARTHD):
            raise RuntimeError(f"hearthd not built: {HEARTHD}")
        cfg = self.tmp / "hearthd.yaml"
        cfg.write_text(f"""state_dir: {self.tmp / 'var'}
http: {{listen: "127.0.0.1:8080", api_key: bench}}
lab: {{domain: lab.example}}
dns: {{listen: ["127.0.0.1:5300"], upstream: []}}
dhcp:
  interfaces: [srv0]
  # perfdhcp is one relay (giaddr) for all its clients: no relay limit,
  # as Kea and dnsmasq have none.
  discover_rate_relay: 0
  subnets:
    - subnet: 10.30.0.0/16
      ranges: ["{POOL[0]}-{POOL[1]}"]
      router: {SRV_IP}
      lease_time: 1h
""")
        return [HEARTHD, "-c", str(cfg)]


class Kea(Server):
    kind = "kea"

    def argv(self):
        conf = {"Dhcp4": {
            "interfaces-config": {"interfaces": ["srv0"],
                                  "dhcp-socket-type": "raw"},
            "lease-database": {"type": "memfile", "persist": True,
                               "name": str(self.tmp / "kea-leases4.csv"),
                               "lfc-interval": 0},
            "valid-lifetime": 3600,
            "subnet4": [{"id": 1, "subnet": "10.30.0.0/16",
                         "pools": [{"pool": f"{POOL[0]} - {POOL[1]}"}],
                         "option-data": [{"name": "routers", "data": SRV_IP}]}],
            "loggers": [{"name": "kea-dhcp4", "severity": "WARN",
                         "output_options": [{"output": "stdout"}]}],
        }}
        path = self.tmp / "kea-dhcp4.json"
        path.write_text(json.dumps(conf, indent=1))
        return [KEA, "-c", str(path)]

    def env(self):
        env = dict(os.environ)
        env["KEA_PIDFILE_DIR"] = str(self.tmp)
        env["KEA_LOCKFILE_DIR"] = str(self.tmp)
        return env


class Dnsmasq(Server):
    kind = "dnsmasq"

    def argv(self):
        conf = self.tmp / "dnsmasq.conf"
        conf.write_text("\n".join([
            "port=0", "interface=srv0", "no-resolv", "no-hosts", "no-ping",
            "quiet-dhcp", "dhcp-authoritative", "dhcp-lease-max=100000",
            f"dhcp-range={POOL[0]},{POOL[1]},255.255.0.0,1h",
            f"dhcp-option=option:router,{SRV_IP}",
            f"dhcp-leasefile={self.tmp / 'dnsmasq.leases'}",
        ]) + "\n")
        return [DNSMASQ, "-k", "-u", "root", "--log-facility=-",
                f"--pid-file={self.tmp / 'dnsmasq.pid'}", "-C", str(conf)]


KINDS = {"hearth": Hearth, "kea": Kea, "dnsmasq": Dnsmasq}


def parse_perfdhcp(text):
    out = {"rate": None, "do": {}, "ra": {}}
    m = re.search(r"Rate:\s*([\d.]+)\s+4-way exchanges/second", text)
    if m:
        out["rate"] = float(m.group(1))
    for key, title in (("do", "DISCOVER-OFFER"), ("ra", "REQUEST-ACK")):
        m = re.search(r"Statistics for: " + title + r"\*+\n(.*?)(?:\n\n|\Z)",
                      text, re.S)
        if not m:
            continue
        for k, v in re.findall(r"^([a-z ]+):\s*([\d.]+)", m.group(1), re.M):
            out[key][k.strip()] = float(v)
    return out


class CannotStart(RuntimeError):
    pass


def run_one(kind, rate, tmp):
    pair = Pair()
    srv = KINDS[kind](pair, tmp)
    try:
        try:
            srv.start()
            srv.wait_answering()
        except Exception as e:  # noqa: BLE001
            raise CannotStart(str(e)) from e
        cpu0 = srv.cpu_ticks()
        t0 = time.monotonic()
        cp = subprocess.run(
            [IP, "netns", "exec", pair.cli, PERFDHCP, "-4", "-r", str(rate),
             "-R", str(CLIENTS), "-p", str(DURATION), "-l", "eth0"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=DURATION + 60)
        wall = time.monotonic() - t0
        if not srv.alive():
            raise RuntimeError(f"server died during the run:\n{srv.log()[-2000:]}")
        cpu = (srv.cpu_ticks() - cpu0) / CLK_TCK
        rss = srv.rss_kib()
        (Path(tmp) / f"perfdhcp-{rate}.txt").write_text(cp.stdout + cp.stderr)
        if cp.returncode not in (0, 3):   # 3: some exchanges unsuccessful
            raise RuntimeError(f"perfdhcp exit {cp.returncode}:\n"
                               f"{cp.stdout[-1500:]}{cp.stderr[-1500:]}")
        p = parse_perfdhcp(cp.stdout)
        if p["rate"] is None:
            raise RuntimeError(f"no Rate line in perfdhcp output:\n{cp.stdout[-1500:]}")
        acks = p["ra"].get("received packets", 0)
        dup = (p["do"].get("non unique addresses", 0)
               + p["ra"].get("non unique addresses", 0))
        rejected = p["ra"].get("rejected leases", 0)
        return {"rate": p["rate"], "acks": acks, "non_unique": dup,
                "rejected": rejected,
                "do_drops": p["do"].get("drops ratio", 0.0),
                "ra_drops": p["ra"].get("drops ratio", 0.0),
                "cpu": cpu, "per_cpu": acks / cpu if cpu > 0 else 0.0,
                "rss": rss, "wall": wall}
    finally:
        srv.stop()
        pair.close()


def fmt(x):
    return f"{x:,.0f}"


def main():
    if os.geteuid() != 0:
        print("RESULT: needs root (network namespaces)")
        return 1
    for tool in (PERFDHCP,):
        if not os.path.exists(tool):
            print(f"RESULT: {tool} missing (install kea-admin)")
            return 1
    tmp = Path(tempfile.mkdtemp(prefix="hearth-bench-dhcp-"))
    results = {k: {r: [] for r in RATES} for k in SERVERS}
    failed = {}
    print(f"perfdhcp -4 -R {CLIENTS} -p {DURATION} -l eth0 at -r {RATES}; "
          f"{ROUNDS} rounds; servers: {' '.join(SERVERS)}")
    try:
        for rnd in range(1, ROUNDS + 1):
            order = SERVERS[rnd - 1:] + SERVERS[:rnd - 1]
            for rate in RATES:
                for kind in order:
                    if kind in failed and not failed[kind].startswith("run"):
                        continue
                    d = tmp / f"r{rnd}-{rate}-{kind}"
                    try:
                        r = run_one(kind, rate, d)
                    except Exception as e:  # noqa: BLE001 - report, go on
                        msg = str(e).strip().splitlines() or [repr(e)]
                        what = ("cannot start" if isinstance(e, CannotStart)
                                else "run failed")
                        print(f"round {rnd} {kind:8} -r {rate:>5}: {what}: "
                              f"{msg[0]}")
                        if len(msg) > 1:
                            print("    " + "\n    ".join(msg[1:12]))
                        failed[kind] = f"{what}: {msg[0]}"
                        continue
                    results[kind][rate].append(r)
                    if r["non_unique"]:
                        failed[kind + "-duplicates"] = (
                            f"{r['non_unique']:.0f} non-unique addresses "
                            f"handed out at -r {rate}")
                    print(f"round {rnd} {kind:8} -r {rate:>5}: "
                          f"{r['rate']:>8.1f} ex/s  drops DO {r['do_drops']:5.1f}% "
                          f"RA {r['ra_drops']:5.1f}%  cpu {r['cpu']:.2f}s "
                          f"({fmt(r['per_cpu'])} ACK/cpu-s)  "
                          f"RSS {r['rss'] / 1024:.1f} MiB"
                          + (f"  NON-UNIQUE {r['non_unique']:.0f}"
                             if r["non_unique"] else ""), flush=True)
        med = {}
        for kind in SERVERS:
            for rate in RATES:
                runs = results[kind][rate]
                if runs:
                    med[(kind, rate)] = {
                        k: statistics.median(x[k] for x in runs)
                        for k in ("rate", "do_drops", "ra_drops", "cpu",
                                  "per_cpu", "rss")}
        print()
        print(f"{'server':8} {'offered':>8} {'ex/s':>9} {'DO drop':>8} "
              f"{'RA drop':>8} {'ACK/CPU-s':>10} {'CPU s':>6} {'RSS MiB':>8}"
              f"   (medians of {ROUNDS})")
        for kind in SERVERS:
            for rate in RATES:
                m = med.get((kind, rate))
                if not m:
                    print(f"{kind:8} {rate:>8} {'-':>9}   "
                          f"({failed.get(kind, 'no runs')})")
                    continue
                print(f"{kind:8} {rate:>8} {m['rate']:>9.1f} "
                      f"{m['do_drops']:>7.1f}% {m['ra_drops']:>7.1f}% "
                      f"{fmt(m['per_cpu']):>10} {m['cpu']:>6.2f} "
                      f"{m['rss'] / 1024:>8.1f}")
        print()
        ratios = []
        for other in ("kea", "dnsmasq"):
            if other not in SERVERS:
                continue
            parts, cpu_parts = [], []
            for rate in RATES:
                a, b = med.get(("hearth", rate)), med.get((other, rate))
                if a and b and b["rate"] > 0 and b["per_cpu"] > 0:
                    parts.append(f"@{rate} {a['rate'] / b['rate']:.2f}")
                    cpu_parts.append(
                        f"@{rate} {a['per_cpu'] / b['per_cpu']:.2f}")
                else:
                    parts.append(f"@{rate} n/a")
                    cpu_parts.append(f"@{rate} n/a")
            line = (f"hearth/{other} ex/s: " + "  ".join(parts)
                    + "   ACK/CPU-s: " + "  ".join(cpu_parts))
            ratios.append(line)
            print(line)
        if "kea" in SERVERS and "dnsmasq" in SERVERS:
            parts = []
            for rate in RATES:
                a, b = med.get(("kea", rate)), med.get(("dnsmasq", rate))
                if a and b and b["rate"] > 0:
                    parts.append(f"@{rate} {a['rate'] / b['rate']:.2f}")
            if parts:
                print("kea/dnsmasq ex/s: " + "  ".join(parts))
        (tmp / "results.json").write_text(json.dumps(
            {"medians": {f"{k}@{r}": v for (k, r), v in med.items()},
             "runs": {k: {str(r): v for r, v in rr.items()}
                      for k, rr in results.items()},
             "failed": failed}, indent=1))
    finally:
        if os.environ.get("KEEP"):
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    top = RATES[-1]
    summary = ", ".join(
        f"{k} {med[(k, top)]['rate']:.0f}/s" for k in SERVERS if (k, top) in med)
    if failed:
        print(f"RESULT: problems with: {' '.join(sorted(failed))} "
              f"({'; '.join(f'{k}: {v}' for k, v in sorted(failed.items()))}); "
              f"at {top}/s offered: {summary or 'nothing measured'}")
        return 1
    print(f"RESULT: ok; at {top}/s offered: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
