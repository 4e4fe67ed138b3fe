# SPDX-License-Identifier: MIT
"""The net room for real, in network namespaces the test creates.

The seed's own check: a "gw" namespace (the host where hearth net apply
runs, routing between the lab's networks) gets a bridge per network with a
veth to a "hv" (hypervisor) namespace and to a "vm" namespace; lab.policy
says hyp -> dmz allow, dmz -> hyp deny. The hypervisor reaches the VM
through bridge and firewall, the VM never reaches the hypervisor, return
traffic of the allowed direction works. Also: apply twice changes nothing,
plan shows each kind of difference, a failed step rolls back, hearthd with
net.apply keeps it applied (start and SIGHUP) and without it only plans.
Every namespace (and with it every link and table in it) is removed at
teardown, also on failure.
"""
import os
import re
import signal
import subprocess
import time

import pytest

from helpers import HEARTH, HEARTHD, sanitizer_report


def sh(*argv, ns=None, check=True, timeout=20):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(argv)
    cp = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and cp.returncode:
        raise AssertionError("%r failed (%d): %s%s" % (cmd, cp.returncode,
                                                        cp.stdout, cp.stderr))
    return cp


def hearth(ns, cfg, *args, timeout=60):
    cp = sh(HEARTH, "net", *args, "-c", str(cfg), ns=ns, check=False,
            timeout=timeout)
    rep = sanitizer_report(cp.stderr)
    assert not rep, rep
    return cp


class Lab:
    """Three namespaces: gw (hearth runs here), hv, vm."""

    def __init__(self, tmp_path):
        p = "hn%d" % (os.getpid() % 100000)
        self.gw, self.hv, self.vm = p + "gw", p + "hv", p + "vm"
        self.tmp = tmp_path
        self.made = []

    def up(self):
        for ns in (self.gw, self.hv, self.vm):
            sh("ip", "netns", "add", ns)
            self.made.append(ns)
            sh("ip", "link", "set", "lo", "up", ns=ns)
        # hvp/vmp in gw are the bridges' ports (trunks, untagged).
        for peer, port, addr, gw in ((self.hv, "hvp", "10.77.40.11/24",
                                      "10.77.40.1"),
                                     (self.vm, "vmp", "10.77.30.5/24",
                                      "10.77.30.1")):
            sh("ip", "link", "add", port, "type", "veth", "peer", "name",
               "eth0", "netns", peer, ns=self.gw)
            sh("ip", "addr", "add", addr, "dev", "eth0", ns=peer)
            sh("ip", "link", "set", "eth0", "up", ns=peer)
            sh("ip", "route", "add", "default", "via", gw, ns=peer)
        sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=self.gw)

    def down(self):
        for ns in reversed(self.made):
            sh("ip", "netns", "del", ns, check=False)
        self.made = []

    def config(self, name="lab.yaml", policy=True, extra_networks="",
               net=""):
        text = """\
state_dir: %(tmp)s/state
%(net)slab:
  domain: lab.example
  networks:
    hyp:
      subnet: 10.77.40.0/24
      gateway: 10.77.40.1
      bridge: hypbr
      trunk: hvp
    dmz:
      subnet: 10.77.30.0/24
      gateway: 10.77.30.1
      bridge: dmzbr
      trunk: vmp
      host_address: none
%(extra)s  hosts:
    %(gw)s:
      ip: 10.77.40.1
      network: hyp
      interfaces:
        - network: hyp
          host_address: static
        - network: dmz
          host_address: static
          ip: 10.77.30.1
%(extra_if)s    %(hv)s:
      ip: 10.77.40.11
      network: hyp
    %(vm)s:
      ip: 10.77.30.5
      network: dmz
""" % {"tmp": self.tmp, "gw": self.gw, "hv": self.hv, "vm": self.vm,
       "net": net, "extra": extra_networks[0] if extra_networks else "",
       "extra_if": extra_networks[1] if extra_networks else ""}
        if policy:
            text += """\
  policy:
    - {from: hyp, to: dmz, action: allow}
    - {from: dmz, to: hyp, action: deny}
"""
        path = self.tmp / name
        path.write_text(text)
        return path

    def ping(self, src, addr):
        return sh("ping", "-c1", "-W2", addr, ns=src, check=False).returncode == 0


@pytest.fixture
def lab(tmp_path):
    lab = Lab(tmp_path)
    try:
        lab.up()
        yield lab
    finally:
        lab.down()
    for ns in (lab.gw, lab.hv, lab.vm):
        assert not os.path.exists("/run/netns/" + ns)


def links(ns):
    return sh("ip", "-d", "link", "show", ns=ns).stdout


def plan_lines(out):
    """{link: verb} from a plan's output."""
    got = {}
    for line in out.splitlines():
        m = re.match(r"(create|change|leave|remove|conflict)\s+(\S+(?: inet hearth)?)", line)
        if m:
            got[m.group(2)] = m.group(1)
    return got


def summary(ip_o_link):
    """Each link's name, master, alias and stp_state from ip -d -o link."""
    out = []
    for line in ip_o_link.splitlines():
        name = re.match(r"\d+: ([^:@]+)", line).group(1)
        keep = re.findall(r"\b(master \S+|alias \S+|stp_state \d)", line)
        out.append((name, tuple(keep)))
    return sorted(out)


def tcp_echo(lab, server_ns, client_ns, addr, port=7007):
    """A TCP exchange from client to server; True when the answer came."""
    srv = subprocess.Popen(
        ["ip", "netns", "exec", server_ns, "python3", "-c",
         "import socket\n"
         "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
         "s.bind(('0.0.0.0', %d)); s.listen(1); s.settimeout(8)\n"
         "c,_=s.accept(); c.sendall(c.recv(100).upper()); c.close()\n" % port],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        cp = sh("python3", "-c",
                "import socket\n"
                "c=socket.create_connection(('%s', %d), timeout=3)\n"
                "c.sendall(b'hello'); print(c.recv(100).decode())\n" % (addr, port),
                ns=client_ns, check=False, timeout=15)
        return cp.returncode == 0 and "HELLO" in cp.stdout
    finally:
        if srv.poll() is None:
            os.kill(srv.pid, signal.SIGKILL)
        srv.wait(timeout=10)


def test_apply_isolates_and_is_idempotent(lab):
    cfg = lab.config()
    plan = hearth(lab.gw, cfg, "plan", "--host", lab.gw)
    assert plan.returncode == 0, plan.stderr
    verbs = plan_lines(plan.stdout)
    assert verbs == {"hypbr": "create", "hvp": "change", "dmzbr": "create",
                     "vmp": "change", "table inet hearth": "create"}, plan.stdout
    # Nothing changed by plan.
    assert "hypbr" not in links(lab.gw)

    ap = hearth(lab.gw, cfg, "apply", "--host", lab.gw)
    assert ap.returncode == 0, ap.stdout + ap.stderr
    assert "applied" in ap.stdout
    d = links(lab.gw)
    br = re.search(r"^\d+: dmzbr:.*?(?=^\d+: |\Z)", d, re.M | re.S).group(0)
    assert "stp_state 0" in br and "alias hearth:dmz" in br, br
    assert re.search(r"vmp@\S+:.*master dmzbr", d), d
    assert re.search(r"hvp@\S+:.*master hypbr", d), d
    a = sh("ip", "addr", "show", "dev", "dmzbr", ns=lab.gw).stdout
    assert "inet 10.77.30.1/24" in a, a
    ruleset = sh("nft", "list", "table", "inet", "hearth", ns=lab.gw).stdout
    assert "ct state established,related accept" in ruleset, ruleset

    # Apply twice: no change; the plan leaves everything.
    again = hearth(lab.gw, cfg, "apply", "--host", lab.gw)
    assert again.returncode == 0, again.stderr
    assert "nothing to change" in again.stdout, again.stdout
    assert set(plan_lines(again.stdout).values()) == {"leave"}, again.stdout

    # The seed's check: hypervisor -> VM through bridge + firewall.
    assert lab.ping(lab.hv, "10.77.30.5")
    assert tcp_echo(lab, lab.vm, lab.hv, "10.77.30.5")  # return traffic too
    # The reverse never: neither the hypervisor nor the host's hyp side.
    assert not lab.ping(lab.vm, "10.77.40.11")
    assert not lab.ping(lab.vm, "10.77.40.1")
    assert not tcp_echo(lab, lab.hv, lab.vm, "10.77.40.11", port=7008)

    # hearth net check: the matrix, as lab.policy says.
    chk = hearth(lab.gw, cfg, "check", "--host", lab.gw, timeout=120)
    assert chk.returncode == 0, chk.stdout + chk.stderr
    rows = {l.split()[0]: l.split()[1:] for l in chk.stdout.splitlines()[1:]
            if l.strip() and not l.startswith("as ") and not l.startswith("(")}
    header = chk.stdout.splitlines()[0].split()[3:]
    assert header == [lab.gw, lab.hv, lab.vm], chk.stdout
    assert rows[lab.hv] == ["ok", "-", "ok"], chk.stdout
    assert rows[lab.vm] == ["blocked", "blocked", "-"], chk.stdout
    assert rows[lab.gw][1:] == ["ok", "ok"], chk.stdout
    assert "as lab.policy says" in chk.stdout

    # Without the policy, the VM reaches the hypervisor: check says the
    # matrix no longer matches... once the table is gone it is as lab says.
    nopol = lab.config("nopolicy.yaml", policy=False)
    p = hearth(lab.gw, nopol, "plan", "--host", lab.gw)
    assert plan_lines(p.stdout)["table inet hearth"] == "remove", p.stdout
    chk = hearth(lab.gw, nopol, "check", "--host", lab.gw, timeout=120)
    assert chk.returncode == 1 and "blocked(!)" in chk.stdout, chk.stdout
    assert hearth(lab.gw, nopol, "apply", "--host", lab.gw).returncode == 0
    assert lab.ping(lab.vm, "10.77.40.11")
    assert sh("nft", "list", "table", "inet", "hearth", ns=lab.gw,
              check=False).returncode != 0


def test_plan_shows_the_diff(lab):
    cfg = lab.config()
    assert hearth(lab.gw, cfg, "apply", "--host", lab.gw).returncode == 0
    # Changed by hand: STP on, an address on the no-address network's
    # port... and the rules.
    sh("ip", "link", "set", "hypbr", "type", "bridge", "stp_state", "1", ns=lab.gw)
    sh("ip", "link", "set", "hvp", "nomaster", ns=lab.gw)
    sh("ip", "addr", "del", "10.77.30.1/24", "dev", "dmzbr", ns=lab.gw)
    sh("nft", "add", "rule", "inet", "hearth", "forward", "accept", ns=lab.gw)
    p = hearth(lab.gw, cfg, "plan", "--host", lab.gw)
    out = p.stdout
    assert re.search(r"^change\s+hypbr\s+\(hyp\)\s+STP off", out, re.M), out
    assert re.search(r"^change\s+hvp\s+\(hyp\)\s+master hypbr \(was none\)", out, re.M), out
    assert re.search(r"^change\s+dmzbr\s+\(dmz\)\s+address 10\.77\.30\.1/24", out, re.M), out
    assert re.search(r"^change\s+table inet hearth\s+rules replaced", out, re.M), out
    assert re.search(r"^leave\s+vmp", out, re.M), out

    # A network left out: its bridge is removed (it is hearth's).
    lab_less = lab.config("less.yaml")
    text = lab_less.read_text()
    text = text.replace("      bridge: dmzbr\n", "")
    lab_less.write_text(text)
    p = hearth(lab.gw, lab_less, "plan", "--host", lab.gw)
    assert plan_lines(p.stdout).get("dmzbr") == "remove", p.stdout

    # A link of that name hearth did not make is a conflict, never touched.
    sh("ip", "link", "add", "strbr", "type", "bridge", ns=lab.gw)
    conf = lab.config("conflict.yaml", extra_networks=(
        "    other:\n      subnet: 10.77.60.0/24\n      bridge: strbr\n",
        "        - network: other\n"))
    p = hearth(lab.gw, conf, "apply", "--host", lab.gw)
    assert p.returncode == 1, p.stdout
    assert re.search(r"^conflict\s+strbr\s+\(other\)\s+exists and is not hearth's",
                     p.stdout, re.M), p.stdout
    assert "nothing changed" in p.stderr, p.stderr
    # ...and the rest was not applied either (STP still on).
    assert "stp_state 1" in links(lab.gw)

    # Apply puts it all back; then nothing to change.
    assert hearth(lab.gw, cfg, "apply", "--host", lab.gw).returncode == 0
    again = hearth(lab.gw, cfg, "apply", "--host", lab.gw)
    assert "nothing to change" in again.stdout, again.stdout


def test_failed_step_rolls_back(lab):
    cfg = lab.config()
    assert hearth(lab.gw, cfg, "apply", "--host", lab.gw).returncode == 0
    before = sh("ip", "-d", "-o", "link", "show", ns=lab.gw).stdout
    # New network "lan": a bridge created, then its port lo refused by the
    # kernel (a loopback cannot be a bridge port): the apply rolls back.
    bad = lab.config("bad.yaml", extra_networks=(
        "    lan:\n      subnet: 10.77.50.0/24\n      bridge: lanbr\n"
        "      trunk: lo\n",
        "        - network: lan\n"))
    p = hearth(lab.gw, bad, "plan", "--host", lab.gw)
    assert plan_lines(p.stdout).get("lanbr") == "create", p.stdout
    ap = hearth(lab.gw, bad, "apply", "--host", lab.gw)
    assert ap.returncode == 1, ap.stdout + ap.stderr
    assert "setting the master of lo" in ap.stderr and "rolled back" in ap.stderr, ap.stderr
    assert "undo: ip link del lanbr" in ap.stdout, ap.stdout
    after = sh("ip", "-d", "-o", "link", "show", ns=lab.gw).stdout
    assert "lanbr" not in after
    assert summary(after) == summary(before)
    p = hearth(lab.gw, cfg, "plan", "--host", lab.gw)
    assert set(plan_lines(p.stdout).values()) == {"leave"}, p.stdout


def no_address(lab, name, **kw):
    """The lab's config with the host gw having no address on dmz (the
    network's own host_address: none): dmzbr and its untagged port vmp
    get IPv6 off."""
    path = lab.config(name, **kw)
    path.write_text(path.read_text().replace(
        "        - network: dmz\n          host_address: static\n"
        "          ip: 10.77.30.1\n", "        - network: dmz\n"))
    return path


def ipv6_conf(ns, link):
    """(disable_ipv6, accept_ra) of @link in @ns, from /proc/sys."""
    out = sh("cat", "/proc/sys/net/ipv6/conf/%s/disable_ipv6" % link,
             "/proc/sys/net/ipv6/conf/%s/accept_ra" % link, ns=ns).stdout
    return tuple(int(v) for v in out.split())


def test_untagged_port_without_address_has_ipv6_off(lab):
    static = lab.config()
    assert hearth(lab.gw, static, "apply", "--host", lab.gw).returncode == 0
    # With an address on dmz, hearth leaves vmp's IPv6 as it was.
    before = ipv6_conf(lab.gw, "vmp")
    assert before == ipv6_conf(lab.gw, "default"), before
    none = no_address(lab, "none.yaml")
    p = hearth(lab.gw, none, "plan", "--host", lab.gw)
    assert re.search(r"^change\s+vmp\s+\(dmz\)\s+IPv6 off, accept_ra 0$",
                     p.stdout, re.M), p.stdout

    # A failed apply puts the port's sysctls back as they were.
    bad = no_address(lab, "none-bad.yaml", extra_networks=(
        "    lan:\n      subnet: 10.77.50.0/24\n      bridge: lanbr\n"
        "      trunk: lo\n",
        "        - network: lan\n"))
    ap = hearth(lab.gw, bad, "apply", "--host", lab.gw)
    assert ap.returncode == 1 and "rolled back" in ap.stderr, ap.stdout + ap.stderr
    assert "undo: sysctl net.ipv6.conf.vmp.disable_ipv6=%d" % before[0] in ap.stdout, ap.stdout
    assert ipv6_conf(lab.gw, "vmp") == before

    ap = hearth(lab.gw, none, "apply", "--host", lab.gw)
    assert ap.returncode == 0, ap.stdout + ap.stderr
    for link in ("dmzbr", "vmp"):
        assert ipv6_conf(lab.gw, link) == (1, 0), link
    assert "inet" not in sh("ip", "addr", "show", "dev", "dmzbr", ns=lab.gw).stdout
    again = hearth(lab.gw, none, "apply", "--host", lab.gw)
    assert "nothing to change" in again.stdout, again.stdout

    # Released (dmz loses its bridge): vmp's IPv6 as a new link's.
    nobridge = no_address(lab, "nobridge.yaml")
    nobridge.write_text(nobridge.read_text().replace("      bridge: dmzbr\n", ""))
    ap = hearth(lab.gw, nobridge, "apply", "--host", lab.gw)
    assert ap.returncode == 0, ap.stdout + ap.stderr
    assert re.search(r"^change\s+vmp\s+\(dmz\)\s+master none \(was dmzbr\), no "
                     r"longer an untagged port, vmp: IPv6 back to the defaults",
                     ap.stdout, re.M), ap.stdout
    assert "dmzbr" not in links(lab.gw)
    assert ipv6_conf(lab.gw, "vmp") == before


def bridge_state(ns, name):
    """What a deleted-and-made-again bridge must have as before: its ports,
    alias, STP, up, IPv4 addresses and IPv6 sysctls."""
    d = sh("ip", "-d", "-o", "link", "show", ns=ns).stdout
    ports = sorted(re.findall(r"^\d+: ([^:@]+)[^\n]* master %s " % name, d, re.M))
    me = re.search(r"^\d+: %s:[^\n]*" % name, d, re.M).group(0)
    addrs = re.findall(r"inet (\S+)", sh("ip", "addr", "show", "dev", name,
                                         ns=ns).stdout)
    return {"ports": ports, "up": ",UP" in me or "<UP" in me,
            "alias": re.search(r"alias (\S+)", me).group(1),
            "stp": re.search(r"stp_state (\d)", me).group(1),
            "addrs": addrs, "ipv6": ipv6_conf(ns, name)}


def test_rollback_makes_a_deleted_bridge_again(lab):
    cfg = lab.config()
    assert hearth(lab.gw, cfg, "apply", "--host", lab.gw).returncode == 0
    # A VM's port in dmzbr besides vmp, and a sysctl hearth leaves alone
    # (dmzbr has an address here), changed by hand.
    sh("ip", "link", "add", "vmtap", "type", "veth", "peer", "name", "vmtap1",
       ns=lab.gw)
    sh("ip", "link", "set", "vmtap", "master", "dmzbr", "up", ns=lab.gw)
    sh("sysctl", "-qw", "net.ipv6.conf.dmzbr.accept_ra=2", ns=lab.gw)
    before = bridge_state(lab.gw, "dmzbr")
    assert before["ports"] == ["vmp", "vmtap"], before
    assert before["addrs"] == ["10.77.30.1/24"], before
    # table inet hearth held by another netlink socket (flags owner): the
    # table step, last, fails after dmzbr was deleted.
    sh("nft", "delete", "table", "inet", "hearth", ns=lab.gw)
    holder = subprocess.Popen(["ip", "netns", "exec", lab.gw, "nft", "-i"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        holder.stdin.write("add table inet hearth { flags owner; }\n")
        holder.stdin.flush()
        end = time.monotonic() + 10
        while sh("nft", "list", "table", "inet", "hearth", ns=lab.gw,
                 check=False).returncode and time.monotonic() < end:
            time.sleep(0.1)
        gone = lab.config("gone.yaml")
        gone.write_text(gone.read_text().replace("      bridge: dmzbr\n", ""))
        p = hearth(lab.gw, gone, "plan", "--host", lab.gw)
        assert plan_lines(p.stdout).get("dmzbr") == "remove", p.stdout
        ap = hearth(lab.gw, gone, "apply", "--host", lab.gw)
        assert ap.returncode == 1, ap.stdout + ap.stderr
        assert "replacing table inet hearth" in ap.stderr and \
            "rolled back" in ap.stderr, ap.stderr
        assert "  ip link del dmzbr" in ap.stdout, ap.stdout
        assert "undo: ip link add dmzbr type bridge" in ap.stdout, ap.stdout
        assert "undo failed" not in ap.stdout, ap.stdout
        assert bridge_state(lab.gw, "dmzbr") == before
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    # And it works as before: the hypervisor reaches the VM.
    assert hearth(lab.gw, cfg, "apply", "--host", lab.gw).returncode == 0
    assert lab.ping(lab.hv, "10.77.30.5")


class Daemon:
    def __init__(self, ns, cfg, log):
        self.log = log
        self.f = open(log, "w")
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, HEARTHD,
                                      "-c", str(cfg)],
                                     stdout=self.f, stderr=subprocess.STDOUT)

    def text(self):
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern, count=1, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(re.findall(pattern, self.text())) >= count:
                return
            assert self.proc.poll() is None, self.text()
            time.sleep(0.2)
        raise AssertionError("no %r in:\n%s" % (pattern, self.text()))

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.f.close()
        return self.proc.returncode


def test_hearthd_keeps_it_applied(lab):
    # Plan only by default: hearthd logs the plan, changes nothing.
    plan_only = lab.config("plan.yaml", net="net:\n  host: %s\n" % lab.gw)
    d = Daemon(lab.gw, plan_only, lab.tmp / "plan.log")
    try:
        d.wait_for(r"plan: create\s+hypbr")
        assert "hypbr" not in links(lab.gw)
    finally:
        assert d.stop() == 0, d.text()
    assert not sanitizer_report(d.text()), d.text()

    on = lab.config("on.yaml", net="http:\n  listen: 127.0.0.1:18080\n"
                    "net:\n  apply: true\n  host: %s\n" % lab.gw)
    d = Daemon(lab.gw, on, lab.tmp / "on.log")
    try:
        d.wait_for(r"applied: changes=5")
        assert "alias hearth:hyp" in links(lab.gw)
        assert lab.ping(lab.hv, "10.77.30.5")
        assert not lab.ping(lab.vm, "10.77.40.11")
        # Changed by hand, then SIGHUP: hearthd makes it so again (the
        # drift watch may have done it first: test_net_drift.py).
        sh("ip", "link", "del", "dmzbr", ns=lab.gw)
        os.kill(d.proc.pid, signal.SIGHUP)
        d.wait_for(r"applied: changes=", count=2)
        assert "alias hearth:dmz" in links(lab.gw)
        assert lab.ping(lab.hv, "10.77.30.5")
        # /healthz and /metrics (the daemon listens inside gw).
        get = ("import urllib.request,sys\n"
               "print(urllib.request.urlopen('http://127.0.0.1:18080' + "
               "sys.argv[1], timeout=5).read().decode())\n")
        health = sh("python3", "-c", get, "/healthz", ns=lab.gw).stdout
        assert '"net"' in health and "running" in health, health
        metrics = sh("python3", "-c", get, "/metrics", ns=lab.gw).stdout
        # Start, reload, and drift checks (hearthd's own apply makes
        # rtnetlink events): at least two passes, two that changed links.
        passes = re.search(r"^hearth_net_passes_total (\d+)$", metrics, re.M)
        assert passes and int(passes.group(1)) >= 2, metrics
        assert re.search(r"^hearth_net_applies_total 2$", metrics, re.M), metrics
        assert re.search(r"^hearth_net_conflicts 0$", metrics, re.M), metrics
        prom = subprocess.run(["promtool", "check", "metrics"], input=metrics,
                              capture_output=True, text=True, timeout=30)
        assert prom.returncode == 0, prom.stdout + prom.stderr
        # A reload the room cannot plan (a static address this host lacks)
        # is refused; the running config stays and nothing is touched.
        good = on.read_text()
        on.write_text(good.replace("host: %s\n" % lab.gw, "host: %s\n" % lab.hv)
                      .replace("      host_address: none\n",
                               "      host_address: static\n"))
        os.kill(d.proc.pid, signal.SIGHUP)
        d.wait_for(r"refused.*network 'dmz': host_address static")
        assert "alias hearth:dmz" in links(lab.gw)
    finally:
        assert d.stop() == 0, d.text()
    assert not sanitizer_report(d.text()), d.text()


def kernel_has_8021q(ns):
    """Whether this kernel makes VLAN sub-interfaces (probed on a scratch
    veth pair in @ns, removed at once)."""
    sh("ip", "link", "add", "q8probe", "type", "veth", "peer", "name",
       "q8probe1", ns=ns)
    try:
        return sh("ip", "link", "add", "link", "q8probe", "name", "q8probe.9",
                  "type", "vlan", "id", "9", ns=ns, check=False).returncode == 0
    finally:
        sh("ip", "link", "del", "q8probe", ns=ns)


def test_trunk_released_when_its_network_gets_a_vlan(lab):
    # Untagged first: vmp itself is dmzbr's port.
    cfg = lab.config()
    assert hearth(lab.gw, cfg, "apply", "--host", lab.gw).returncode == 0
    assert re.search(r"vmp@\S+:.*master dmzbr", links(lab.gw))
    before = sh("ip", "-d", "-o", "link", "show", ns=lab.gw).stdout
    tagged = lab.config("tagged.yaml")
    tagged.write_text(tagged.read_text().replace(
        "      trunk: vmp\n", "      trunk: vmp\n      vlan: 30\n"))
    p = hearth(lab.gw, tagged, "plan", "--host", lab.gw)
    assert p.returncode == 0, p.stdout + p.stderr
    assert re.search(r"^change\s+vmp\s+\(dmz\)\s+master none \(was dmzbr\), "
                     r"no longer an untagged port$", p.stdout, re.M), p.stdout
    assert re.search(r"^create\s+vmp\.30\s+\(dmz\)\s+VLAN 30 on vmp, IPv6 off, "
                     r"port of dmzbr", p.stdout, re.M), p.stdout
    assert re.search(r"^leave\s+dmzbr", p.stdout, re.M), p.stdout
    ap = hearth(lab.gw, tagged, "apply", "--host", lab.gw)
    out = ap.stdout + ap.stderr
    # The release is the first step, before the VLAN is made.
    steps = [l.strip() for l in ap.stdout.splitlines() if l.startswith("  ")]
    assert steps[0] == "ip link set vmp nomaster", out
    assert steps[1].startswith("ip link add link vmp name vmp.30 type vlan id 30"), out
    if kernel_has_8021q(lab.gw):
        assert ap.returncode == 0, out
        d = links(lab.gw)
        assert not re.search(r"vmp@\S+:.*master", d), d
        assert re.search(r"vmp\.30@vmp:.*master dmzbr", d), d
        again = hearth(lab.gw, tagged, "apply", "--host", lab.gw)
        assert "nothing to change" in again.stdout, again.stdout
    else:
        # This machine's kernel (no 802.1Q): the VLAN cannot be made, and
        # the release is undone: vmp is dmzbr's port again, as before.
        assert ap.returncode == 1, out
        assert "creating VLAN vmp.30" in ap.stderr and "rolled back" in ap.stderr, out
        assert "undo: ip link set vmp master dmzbr" in ap.stdout, out
        after = sh("ip", "-d", "-o", "link", "show", ns=lab.gw).stdout
        assert summary(after) == summary(before)
