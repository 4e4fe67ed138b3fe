# SPDX-License-Identifier: MIT
"""Helpers for the dns room's integration tests (no fixtures here).

- free_dns_port(): a port free for UDP and TCP on 127.0.0.1 and ::1.
- dns_config(): a hearthd config (YAML text with @PORT@ for http) with a dns
  section; helpers.to_yaml cannot emit lists, so this renders its own YAML.
- NSD / Knot: the anchor servers, started in the foreground on loopback from
  a private temp dir and stopped by PID (see /work/shared/ANCHORS.md).
- ask(): one query over UDP or TCP with a timeout and bounded retries.
- canon() / diff_responses(): compare two responses the way test_dns_diff.py
  does, with a readable report.

Every server listens on loopback only; every wait and retry is bounded.
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype

from helpers import SANITIZER_EXITCODE, _scalar, sanitizer_report

DATA_DIR = Path(__file__).resolve().parent / "data" / "dns"
ZONE_FILE = DATA_DIR / "example.com.zone"
ZONE = "example.com."

NSD_BIN = os.environ.get("NSD") or shutil.which("nsd") or "/usr/sbin/nsd"
KNOTD_BIN = os.environ.get("KNOTD") or shutil.which("knotd") or "/usr/sbin/knotd"
KDIG_BIN = os.environ.get("KDIG") or shutil.which("kdig") or "/usr/bin/kdig"

QUERY_TIMEOUT = 3.0     # per attempt; the suite also runs under ASan
QUERY_RETRIES = 3       # UDP attempts per query (loopback loses nothing,
                        # but a sanitizer build can stall)
READY_TIMEOUT = 20.0


# ---- ports ----

def free_dns_port(attempts=50):
    """A port number free for UDP and TCP on both 127.0.0.1 and ::1 at the
    moment of the probe (it can still be taken before the server binds)."""
    for _ in range(attempts):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        ok = True
        socks = []
        try:
            for fam, host in ((socket.AF_INET, "127.0.0.1"),
                              (socket.AF_INET6, "::1")):
                for typ in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    s = socket.socket(fam, typ)
                    socks.append(s)
                    s.bind((host, port))
        except OSError:
            ok = False
        finally:
            for s in socks:
                s.close()
        if ok:
            return port
    raise RuntimeError("no free DNS port found on loopback")


def has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


# ---- hearthd config ----

def _yaml(obj, indent=0):
    """Block YAML for dicts, lists of scalars/dicts, and scalars."""
    pad = "  " * indent
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, dict):
                if v:
                    out.append(f"{pad}{k}:")
                    out.append(_yaml(v, indent + 1))
                else:
                    out.append(f"{pad}{k}: {{}}")
            elif isinstance(v, list):
                if not v:
                    out.append(f"{pad}{k}: []")
                elif all(not isinstance(x, (dict, list)) for x in v):
                    out.append(f"{pad}{k}: [" +
                               ", ".join(json.dumps(str(x)) for x in v) + "]")
                else:
                    out.append(f"{pad}{k}:")
                    out.append(_yaml(v, indent + 1))
            else:
                out.append(f"{pad}{k}: {_scalar(v)}")
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, dict):
                sub = _yaml(item, indent + 1).split("\n")
                out.append(f"{pad}- " + sub[0].lstrip())
                out.extend(sub[1:])
            else:
                out.append(f"{pad}- {_scalar(item)}")
    return "\n".join(x for x in out if x != "")


def dns_config(tmp, port, *, zones=((ZONE.rstrip("."), ZONE_FILE),),
               ipv6=True, lab=None, api_key="k", **dns_opts):
    """hearthd config text (http.listen has @PORT@ for the daemon fixture).

    @port: the DNS port, on 127.0.0.1 and (with @ipv6) [::1].
    @zones: (name, file) pairs. @lab: a lab section dict or None.
    @dns_opts: further keys of the dns section (udp_workers,
    tcp_idle_timeout, tcp_max_connections, identity, ...)."""
    listen = [f"127.0.0.1:{port}"]
    if ipv6:
        listen.append(f"[::1]:{port}")
    dns_sec = {"listen": listen,
               "zones": [{"name": n, "file": str(f)} for n, f in zones],
               # Never the system's resolvers: tests forward only to
               # servers they start on loopback themselves.
               "upstream": []}
    dns_sec.update(dns_opts)
    cfg = {"state_dir": str(Path(tmp) / "var"),
           "http": {"listen": "127.0.0.1:@PORT@", "api_key": api_key},
           "dns": dns_sec}
    if lab is not None:
        cfg["lab"] = lab
    return _yaml(cfg) + "\n"


LAB = {
    "domain": "lab.example",
    "networks": {"dmz": {"subnet": "192.168.30.0/24"},
                 "hyper": {"subnet": "192.168.20.0/24"}},
    "hosts": {"maestro": {"ip": "192.168.30.8", "network": "dmz"},
              "web": {"ip": "192.168.30.10", "network": "dmz"},
              "hv1": {"ip": "192.168.20.11", "network": "hyper"}},
}


def start_hearth_dns(factory, tmp, *, attempts=3, **kw):
    """Starts hearthd (through the conftest hearthd_factory) with a dns
    section on a fresh DNS port; retries when the port was taken. Returns
    the Daemon with .dns_port set, after the DNS listener answers."""
    last = None
    for _ in range(attempts):
        port = free_dns_port()
        try:
            d = factory(dns_config(tmp, port, **kw))
        except AssertionError as e:  # startup failed; maybe the port
            last = e
            if "in use" in str(e).lower() or "cannot listen" in str(e):
                continue
            raise
        d.dns_port = port
        wait_dns_ready("127.0.0.1", port, proc=d.proc,
                       what=f"hearthd\n{d.stderr()}")
        return d
    raise AssertionError(f"hearthd did not start its dns room: {last}")


# ---- queries ----

def make_query(qname, qtype, *, edns=None, payload=1232, rd=False,
               rdclass="IN", case=None, do=False, want_id=None):
    """A query message. @edns: None for no OPT, else the EDNS version (0).
    @case: None, or a random.Random used to randomise the qname's case."""
    if case is not None:
        qname = "".join(c.upper() if case.random() < 0.5 else c.lower()
                        for c in qname)
    q = dns.message.make_query(qname, qtype, rdclass=rdclass, use_edns=False)
    if edns is not None:
        # Not through make_query: it turns any use_edns value into EDNS0.
        q.use_edns(edns, ednsflags=dns.flags.DO if do else 0,
                   payload=payload)
    q.flags = dns.flags.RD if rd else 0
    if want_id is not None:
        q.id = want_id
    return q


def ask(q, host, port, proto="udp", timeout=QUERY_TIMEOUT,
        retries=QUERY_RETRIES):
    """Sends @q over UDP (bounded retries on timeout) or TCP; returns the
    parsed response. Raises the last error."""
    last = None
    for _ in range(retries if proto == "udp" else 1):
        try:
            if proto == "udp":
                return dns.query.udp(q, host, timeout=timeout, port=port,
                                     ignore_unexpected=True)
            return dns.query.tcp(q, host, timeout=timeout, port=port)
        except dns.exception.Timeout as e:
            last = e
    raise last


def wait_dns_ready(host, port, proc=None, timeout=READY_TIMEOUT,
                   qname=ZONE, what="server"):
    """Polls with SOA queries until the server answers (any rcode) over
    UDP and then over TCP (hearthd listens on TCP only once every room
    has started, a moment after its UDP workers answer)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(
                f"{what.splitlines()[0]} exited with {proc.returncode} "
                f"before answering DNS\n{what}")
        try:
            r = dns.query.udp(make_query(qname, "SOA"), host, timeout=0.5,
                              port=port)
            dns.query.tcp(make_query(qname, "SOA"), host, timeout=0.5,
                          port=port)
            return r
        except (dns.exception.DNSException, OSError) as e:
            last = e
        time.sleep(0.05)
    raise AssertionError(f"{what}: no DNS answer on {host}#{port} after "
                         f"{timeout}s (last: {last!r})")


def raw_udp(host, port, payload, timeout=QUERY_TIMEOUT, expect_reply=True):
    """Sends raw bytes over UDP; returns the reply bytes or None."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(payload, (host, port))
        if not expect_reply:
            return None
        try:
            return s.recv(65535)
        except socket.timeout:
            return None


def recv_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"read {len(buf)} of {n} bytes")
        sock.settimeout(left)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError(f"connection closed after {len(buf)} of {n} bytes")
        buf += chunk
    return buf


def tcp_read_msg(sock, timeout=QUERY_TIMEOUT):
    """Reads one length-prefixed DNS message from a TCP socket (bytes)."""
    deadline = time.monotonic() + timeout
    (n,) = struct.unpack("!H", recv_exact(sock, 2, deadline))
    return recv_exact(sock, n, deadline)


def tcp_connect(host, port, timeout=QUERY_TIMEOUT):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    return s


def tcp_frame(wire):
    return struct.pack("!H", len(wire)) + wire


# ---- comparison ----

# Types whose RDATA holds domain names: compared case-insensitively.
_NAME_TYPES = {"NS", "CNAME", "DNAME", "PTR", "MX", "SRV", "SOA", "NAPTR",
               "RP", "AFSDB", "KX", "PX", "RT", "MINFO", "MB", "MG", "MR"}


def _rr_text(rrset, rd):
    t = rd.to_text()
    return t.lower() if dns.rdatatype.to_text(rrset.rdtype) in _NAME_TYPES else t


def canon_section(rrsets):
    """A section as a sorted list of (name, class, type, ttl, rdatas):
    owner lowercased, RDATA as a sorted tuple of presentation strings."""
    out = []
    for rrset in rrsets:
        out.append((rrset.name.to_text().lower(),
                    dns.rdataclass.to_text(rrset.rdclass),
                    dns.rdatatype.to_text(rrset.rdtype),
                    rrset.ttl,
                    tuple(sorted(_rr_text(rrset, rd) for rd in rrset))))
    return sorted(out)


FLAG_BITS = ("QR", "AA", "TC", "RD", "RA")


def flags_text(msg):
    return " ".join(f for f in FLAG_BITS if msg.flags & getattr(dns.flags, f))


def canon(msg, sections=True):
    """The comparable view of a response."""
    c = {
        "rcode": dns.rcode.to_text(msg.rcode()),
        "opcode": dns.opcode.to_text(msg.opcode()),
        "flags": flags_text(msg),
        "edns": None if msg.edns < 0 else f"version {msg.edns}",
        "question": [(r.name.to_text().lower(),
                      dns.rdatatype.to_text(r.rdtype)) for r in msg.question],
    }
    if sections:
        c["answer"] = canon_section(msg.answer)
        c["authority"] = canon_section(msg.authority)
        c["additional"] = canon_section(msg.additional)
    return c


def _fmt_rrset(t):
    name, cls, typ, ttl, rdatas = t
    return "\n".join(f"        {name} {ttl} {cls} {typ} {rd}" for rd in rdatas)


def diff_responses(a, b, name_a="nsd", name_b="hearth", sections=True):
    """'' if @a and @b agree, else a readable report of the differences."""
    ca, cb = canon(a, sections), canon(b, sections)
    lines = []
    for key in ("rcode", "opcode", "flags", "edns", "question"):
        if ca[key] != cb[key]:
            lines.append(f"  {key}: {name_a}={ca[key]!r} {name_b}={cb[key]!r}")
    if sections:
        for sec in ("answer", "authority", "additional"):
            sa, sb = ca[sec], cb[sec]
            if sa == sb:
                continue
            lines.append(f"  {sec} section differs:")
            for t in sa:
                if t not in sb:
                    lines.append(f"    only in {name_a}:\n{_fmt_rrset(t)}")
            for t in sb:
                if t not in sa:
                    lines.append(f"    only in {name_b}:\n{_fmt_rrset(t)}")
            if set(sa) == set(sb):
                lines.append(f"    (same RRsets, repeated differently: "
                             f"{name_a}={len(sa)} {name_b}={len(sb)})")
    return "\n".join(lines)


# ---- anchor servers ----

class AnchorServer:
    """An authoritative server process in its own temp dir, stopped by PID."""

    name = "server"

    def __init__(self, workdir, zones, port=None, host="127.0.0.1",
                 ipv6=False):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.zones = [(n.rstrip(".") + ".", Path(f)) for n, f in zones]
        self.port = port or free_dns_port()
        self.host = host
        self.ipv6 = ipv6
        self.proc = None
        self.log_path = self.dir / f"{self.name}.log"

    def argv(self):
        raise NotImplementedError

    def write_config(self):
        raise NotImplementedError

    def start(self, ready_timeout=READY_TIMEOUT, ready_qname=None):
        self.write_config()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv(), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, cwd=self.dir,
                start_new_session=True)
        try:
            wait_dns_ready(self.host, self.port, proc=self.proc,
                           timeout=ready_timeout,
                           qname=ready_qname or self.zones[0][0],
                           what=f"{self.name} (log {self.log_path})\n"
                                + self.log())
            self.wait_zones_loaded(ready_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_zones_loaded(self, timeout):
        """Waits until every zone answers its SOA with AA set."""
        deadline = time.monotonic() + timeout
        for zname, _ in self.zones:
            while True:
                try:
                    r = dns.query.udp(make_query(zname, "SOA"), self.host,
                                      timeout=1.0, port=self.port)
                    if r.rcode() == 0 and r.flags & dns.flags.AA and r.answer:
                        break
                except (dns.exception.DNSException, OSError):
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"{self.name}: zone {zname} not loaded after "
                        f"{timeout}s\n{self.log()}")
                time.sleep(0.1)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except FileNotFoundError:
            return ""

    def stop(self, timeout=10):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # NSD forks helpers (xfrd, server children) in the same session;
        # they exit when the main process does, but make sure by group.
        try:
            os.killpg(self.proc.pid, 0)
        except (ProcessLookupError, PermissionError):
            return self.proc.returncode
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return self.proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class NSD(AnchorServer):
    """NSD per ANCHORS.md: nsd -d -c FILE; RRL off, no chroot/user/database,
    control off, every path in the temp dir."""

    name = "nsd"

    def __init__(self, *a, server_count=1, extra="", **kw):
        super().__init__(*a, **kw)
        self.server_count = server_count
        self.extra = extra
        self.conf_path = self.dir / "nsd.conf"

    def write_config(self):
        d = self.dir
        ips = [f"\tip-address: 127.0.0.1@{self.port}"]
        if self.ipv6:
            ips.append(f"\tip-address: ::1@{self.port}")
        zones = "".join(
            f'zone:\n\tname: "{n}"\n\tzonefile: "{f}"\n\n'
            for n, f in self.zones)
        self.conf_path.write_text(f"""server:
{chr(10).join(ips)}
	port: {self.port}
	do-ip6: {"yes" if self.ipv6 else "no"}
	server-count: {self.server_count}
	username: ""
	chroot: ""
	database: ""
	zonesdir: "{d}"
	zonelistfile: "{d}/zone.list"
	xfrdfile: "{d}/xfrd.state"
	xfrdir: "{d}"
	pidfile: "{d}/nsd.pid"
	verbosity: 1
	hide-version: no
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
	rrl-size: 1000
	tcp-count: 256
{self.extra}
remote-control:
	control-enable: no

{zones}""")

    def argv(self):
        return [NSD_BIN, "-d", "-c", str(self.conf_path)]


class Knot(AnchorServer):
    """Knot per ANCHORS.md: knotd -c FILE with rundir, storage, listen,
    udp-workers: 2, zonefile-sync: -1, journal-content: none."""

    name = "knot"

    def __init__(self, *a, udp_workers=2, tcp_workers=1, **kw):
        super().__init__(*a, **kw)
        self.udp_workers = udp_workers
        self.tcp_workers = tcp_workers
        self.conf_path = self.dir / "knot.conf"

    def write_config(self):
        d = self.dir
        listen = [f"127.0.0.1@{self.port}"]
        if self.ipv6:
            listen.append(f"::1@{self.port}")
        (d / "storage").mkdir(exist_ok=True)
        zones = "".join(f'  - domain: "{n}"\n    file: "{f}"\n'
                        for n, f in self.zones)
        self.conf_path.write_text(f"""server:
    rundir: "{d}"
    pidfile: "{d}/knot.pid"
    listen: [ {", ".join(listen)} ]
    udp-workers: {self.udp_workers}
    tcp-workers: {self.tcp_workers}
    background-workers: 1

database:
    storage: "{d}/storage"

log:
  - target: stderr
    any: warning

template:
  - id: default
    storage: "{d}/storage"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off

zone:
{zones}""")

    def argv(self):
        return [KNOTD_BIN, "-c", str(self.conf_path)]


def kdig(*args, timeout=15):
    """Runs kdig; returns CompletedProcess (text)."""
    return subprocess.run([KDIG_BIN, *map(str, args)], capture_output=True,
                          text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def random_case(name, rng):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower()
                   for c in name)


def check_clean_exit(proc, stderr_text, what):
    """Problems with a stopped process: non-zero exit, sanitizer report."""
    problems = []
    if proc.returncode not in (0, None):
        problems.append(f"{what}: exit code {proc.returncode}")
    rep = sanitizer_report(stderr_text)
    if rep:
        problems.append(f"{what}: sanitizer report:\n{rep}")
    return problems




# ---- a hearthd that outlives one test (module-scoped fixtures) ----

class HearthDNS:
    """hearthd with a dns section, for module-scoped fixtures (the conftest
    hearthd_factory is per test). Uses conftest's Daemon, so start, stop and
    the sanitizer check behave like the rest of the suite."""

    name = "hearthd"

    def __init__(self, tmp, **cfg):
        self.tmp = Path(tmp)
        self.cfg = cfg
        self.daemon = None
        self.host = "127.0.0.1"
        self.port = None
        self.all = []

    def start(self, attempts=3):
        from conftest import Daemon  # the suite's daemon class
        from helpers import HEARTHD, free_port
        if not os.path.exists(HEARTHD):
            raise AssertionError(
                f"hearthd not built: {HEARTHD} does not exist "
                "(set HEARTHD or build it)")
        last = ""
        for i in range(attempts):
            port = free_dns_port()
            d = Daemon(self.tmp, f"hearthd-dns{i}",
                       dns_config(self.tmp, port, **self.cfg))
            self.all.append(d)
            d.spawn(free_port())
            if d.wait_healthy():
                self.daemon, self.port = d, port
                wait_dns_ready(self.host, port, proc=d.proc,
                               what=f"hearthd\n{d.stderr()}")
                return self
            last = d.stderr_since_start()
            if "in use" not in last.lower() and "cannot listen" not in last:
                break
        raise AssertionError(
            f"hearthd exited during startup:\n{last}")

    @property
    def proc(self):
        return self.daemon.proc

    @property
    def pid(self):
        return self.daemon.pid

    def alive(self):
        return self.daemon is not None and self.daemon.alive()

    def log(self):
        return self.daemon.stderr()[-6000:] if self.daemon else ""

    def stop(self):
        """Stops every daemon started; returns a list of problems."""
        problems = []
        for d in self.all:
            if d.alive():
                rc = d.stop()
                if d.killed:
                    problems.append(f"{d.name}: did not stop on SIGTERM")
                elif rc != 0:
                    problems.append(f"{d.name}: exit code {rc} after SIGTERM")
            elif d.proc is not None and d.proc.returncode == SANITIZER_EXITCODE:
                problems.append(f"{d.name}: exited with the sanitizer's status "
                                f"{SANITIZER_EXITCODE}")
            rep = sanitizer_report(d.stderr())
            if rep:
                problems.append(f"{d.name}: sanitizer report:\n{rep}")
        return problems
