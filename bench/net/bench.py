#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""net room benchmark: `hearth net apply` against Debian's ifupdown (and nft -f).

The anchor is the seed's hand-written ifupdown stanzas: a trunk, a bridge
with it as its port, STP off, no host address, IPv6 off and no RA. This
kernel has no 802.1Q, so the trunk is one end of a veth pair and the bridge
takes it untagged (bridges only, as the task says). Every run gets a fresh
network namespace holding N veth pairs tI/pI (pI up, so the bridge port has
carrier) and nothing else; nothing touches the host's interfaces.

Per run, for one tool and one N (N networks = N bridges, N ports):
  up       bring the layout up from scratch:
             hearth    hearth net apply -c lab.yaml --host gw
             ifupdown  ifup -a -i interfaces --state-dir DIR (the seed's
                       stanzas: bridge_ports tI, bridge_stp off, sysctls)
             ifupdown-mw0  the same with bridge_maxwait 0 (bridge-utils'
                       hook otherwise polls until the port forwards)
  again    the same command once more (no change: hearth plans and leaves;
           ifup finds every interface in its state file)
  policy   replace the filter table (2N rules per chain: hyp -> netI
           allow, netI -> hyp deny, then the actions flipped):
             hearth    hearth net apply of a config whose lab.policy
                       differs (links left; table replaced in one
                       libnftables transaction; includes observing)
             ifupdown* nft -f FILE of the same ruleset (table; delete
                       table; definition: one transaction too)
  plan     hearth only: `hearth net plan` of that policy change (the
           observing and planning that "policy" includes; the difference
           is the libnftables transaction)
  RSS      peak RSS of the largest process of the command's tree
           (wait4's ru_maxrss): hearth, or the biggest of ifup, its
           shells and brctl/ip/sysctl children.
After "up" every run checks the layout for real (bridge, master, STP,
sysctls, no IPv4 address); a tool that did not make it is reported.

Rounds are interleaved (every N, every tool, the tool order rotated per
round); the figures are medians over the rounds. Prints a table, the
ratios hearth/ifupdown (time: < 1 means hearth is faster) and a RESULT line.
Both sides run under `ip netns exec NS /usr/bin/time`; that wrapper's own
cost (on `true`) is printed and is in every figure.

Environment: HEARTH (default build/src/hearth), TOOLS ("hearth ifupdown
ifupdown-mw0"), NS ("1 10 50"), ROUNDS (5), KEEP=1 keeps the temp dir.
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "bench"))
import timing  # noqa: E402
HEARTH = os.environ.get("HEARTH") or str(REPO / "build" / "src" / "hearth")
if not os.path.isabs(HEARTH):
    HEARTH = str(REPO / HEARTH)
TOOLS = os.environ.get("TOOLS", "hearth ifupdown ifupdown-mw0").split()
NS = [int(x) for x in os.environ.get("NS", "1 10 50").split()]
ROUNDS = int(os.environ.get("ROUNDS", "5"))
IFUP = shutil.which("ifup") or "/usr/sbin/ifup"
NFT = shutil.which("nft") or "/usr/sbin/nft"


def run(*argv, check=True, timeout=120):
    cp = subprocess.run(list(argv), capture_output=True, text=True,
                        timeout=timeout)
    if check and cp.returncode:
        raise RuntimeError("%r failed (%d): %s%s" % (argv, cp.returncode,
                                                     cp.stdout, cp.stderr))
    return cp


def timed(ns, *argv, timeout=300):
    """(seconds, peak RSS in KiB, returncode, output) of @argv in @ns."""
    return timing.timed(argv, timeout=timeout,
                        prefix=("ip", "netns", "exec", ns))


class Netns:
    """A namespace with @n veth pairs tI (the trunk) / pI (its far end)."""

    count = 0

    def __init__(self, n):
        Netns.count += 1
        self.name = "hnb-%d-%d" % (os.getpid(), Netns.count)
        run("ip", "netns", "add", self.name)
        try:
            cmds = ["link set lo up"]
            for i in range(n):
                cmds.append("link add t%d type veth peer name p%d" % (i, i))
                cmds.append("link set p%d up" % i)
            subprocess.run(["ip", "-n", self.name, "-batch", "-"],
                           input="\n".join(cmds) + "\n", text=True,
                           check=True, capture_output=True, timeout=120)
        except Exception:
            self.delete()
            raise

    def delete(self):
        run("ip", "netns", "del", self.name, check=False)


def lab_yaml(tmp, n, policy):
    """hearth's config: hyp (no bridge: only a policy party) and N
    networks each with bridge brI, trunk tI, no host address."""
    lines = ["state_dir: %s/state" % tmp, "lab:",
             "  domain: bench.example", "  networks:",
             "    hyp: {subnet: 10.199.0.0/24}"]
    for i in range(n):
        lines.append("    n%d: {subnet: 10.%d.%d.0/24, bridge: br%d, "
                     "trunk: t%d, host_address: none}"
                     % (i, 200 + i // 250, i % 250, i, i))
    lines += ["  hosts:", "    gw: {ip: 10.199.0.1, network: hyp}"]
    if policy:
        lines.append("  policy:")
        for a, b, act in policy_rules(n, policy):
            lines.append("    - {from: %s, to: %s, action: %s}" % (a, b, act))
    return "\n".join(lines) + "\n"


def policy_rules(n, which):
    """(from, to, action) of policy A (hyp -> netI allow, netI -> hyp
    deny) or B (the actions flipped)."""
    allow, deny = ("allow", "deny") if which == "A" else ("deny", "allow")
    out = []
    for i in range(n):
        out.append(("hyp", "n%d" % i, allow))
        out.append(("n%d" % i, "hyp", deny))
    return out


def subnet(name, n):
    if name == "hyp":
        return "10.199.0.0/24"
    i = int(name[1:])
    return "10.%d.%d.0/24" % (200 + i // 250, i % 250)


def nft_text(n, which):
    """The same ruleset as nft input: one transaction replacing the table
    (what hearth hands libnftables, comment aside)."""
    rules = ""
    for a, b, act in policy_rules(n, which):
        rules += ('\t\tip saddr %s ip daddr %s %s comment "%s -> %s"\n'
                  % (subnet(a, n), subnet(b, n),
                     "accept" if act == "allow" else "drop", a, b))
    chains = ""
    for chain in ("forward", "input"):
        chains += ("\tchain %s {\n\t\ttype filter hook %s priority filter; "
                   "policy accept;\n\t\tct state established,related "
                   "accept\n%s\t}\n" % (chain, chain, rules))
    return ("table inet hearth\ndelete table inet hearth\n"
            "table inet hearth {\n\tcomment \"bench %s\"\n%s}\n"
            % (which, chains))


def interfaces_file(n, maxwait0):
    """The seed's stanzas, one trunk + bridge per network. The seed writes
    the sysctls as pre-up; the bridge does not exist yet then (bridge-utils
    makes it in if-pre-up.d, after the stanza's own pre-up), so ifup fails:
    post-up is what works."""
    out = []
    for i in range(n):
        out.append("auto t%d\niface t%d inet manual\n" % (i, i))
        out.append("auto br%d\niface br%d inet manual\n"
                   "    bridge_ports t%d\n    bridge_stp off\n%s"
                   "    post-up sysctl -qw net.ipv6.conf.br%d.disable_ipv6=1\n"
                   "    post-up sysctl -qw net.ipv6.conf.br%d.accept_ra=0\n"
                   % (i, i, i, "    bridge_maxwait 0\n" if maxwait0 else "",
                      i, i))
    return "\n".join(out)


def check_layout(ns, n):
    """'' when the namespace has the seed's layout for N networks, else
    what is wrong."""
    links = json.loads(run("ip", "-n", ns, "-j", "-d", "link", "show").stdout)
    by = {l["ifname"]: l for l in links}
    addrs = json.loads(run("ip", "-n", ns, "-j", "addr", "show").stdout)
    v4 = {a["ifname"] for a in addrs
          if any(x.get("family") == "inet" for x in a.get("addr_info", []))}
    sysctl = run("ip", "netns", "exec", ns, "sh", "-c",
                 "grep -H . /proc/sys/net/ipv6/conf/br*/disable_ipv6 "
                 "/proc/sys/net/ipv6/conf/br*/accept_ra").stdout
    for i in range(n):
        br, t = "br%d" % i, "t%d" % i
        b = by.get(br)
        if not b or b.get("linkinfo", {}).get("info_kind") != "bridge":
            return "no bridge " + br
        if b["linkinfo"].get("info_data", {}).get("stp_state") != 0:
            return br + ": STP on"
        if "UP" not in b.get("flags", []):
            return br + " down"
        if by.get(t, {}).get("master") != br:
            return "%s not a port of %s" % (t, br)
        if br in v4:
            return br + " has an IPv4 address"
        for key, val in (("disable_ipv6", "1"), ("accept_ra", "0")):
            if "/%s/%s:%s" % (br, key, val) not in sysctl:
                return "%s: %s not %s" % (br, key, val)
    return ""


def one_run(tool, n, tmp):
    """{'up': s, 'again': s, 'policy': s, 'rss': KiB} for @tool at @n."""
    d = Path(tempfile.mkdtemp(prefix="%s-%d-" % (tool, n), dir=tmp))
    ns = Netns(n)
    try:
        res = {}
        if tool == "hearth":
            base, pa, pb = d / "lab.yaml", d / "a.yaml", d / "b.yaml"
            base.write_text(lab_yaml(d, n, None))
            pa.write_text(lab_yaml(d, n, "A"))
            pb.write_text(lab_yaml(d, n, "B"))
            apply = [HEARTH, "net", "apply", "--host", "gw", "-c"]
            plan = [HEARTH, "net", "plan", "--host", "gw", "-c"]
            # "plan": observing and planning the policy change, without
            # the transaction (what "policy" adds to it is libnftables').
            steps = (("up", apply, base), ("again", apply, base),
                     (None, apply, pa), ("plan", plan, pb),
                     ("policy", apply, pb))
            rss = []
            for key, cmd, cfg in steps:
                dt, kb, rc, out = timed(ns.name, *cmd, str(cfg))
                if rc:
                    raise RuntimeError("hearth net apply %s: %s" % (cfg, out))
                if key == "up":
                    why = check_layout(ns.name, n)
                    if why:
                        raise RuntimeError("hearth: " + why)
                if key == "plan" and not re.search(
                        r"^change\s+table inet hearth", out, re.M):
                    raise RuntimeError("hearth: plan: " + out)
                if key == "again" and "nothing to change" not in out:
                    raise RuntimeError("hearth: re-apply changed: " + out)
                if key:
                    res[key] = dt
                rss.append(kb)
            res["rss"] = max(rss)
            res["listing"] = run("ip", "netns", "exec", ns.name, NFT, "list",
                                 "table", "inet", "hearth").stdout
        else:
            f = d / "interfaces"
            f.write_text(interfaces_file(n, tool == "ifupdown-mw0"))
            state = d / "state"
            state.mkdir()
            cmd = [IFUP, "-a", "-i", str(f), "--state-dir", str(state)]
            rss = []
            for key in ("up", "again"):
                dt, kb, rc, out = timed(ns.name, *cmd)
                if rc:
                    raise RuntimeError("ifup: %s" % out)
                if key == "up":
                    why = check_layout(ns.name, n)
                    if why:
                        raise RuntimeError("%s: %s" % (tool, why))
                res[key] = dt
                rss.append(kb)
            fa, fb = d / "a.nft", d / "b.nft"
            fa.write_text(nft_text(n, "A"))
            fb.write_text(nft_text(n, "B"))
            for key, fl in ((None, fa), ("policy", fb)):
                dt, kb, rc, out = timed(ns.name, NFT, "-f", str(fl))
                if rc:
                    raise RuntimeError("nft -f: %s" % out)
                if key:
                    res[key] = dt
                    res["nft_rss"] = kb
            res["rss"] = max(rss)
            res["listing"] = run("ip", "netns", "exec", ns.name, NFT, "list",
                                 "table", "inet", "hearth").stdout
        return res
    finally:
        ns.delete()
        if not os.environ.get("KEEP"):
            shutil.rmtree(d, ignore_errors=True)


def rules_of(listing):
    """The rule lines of an nft listing (comment of the table aside)."""
    return [l.strip() for l in listing.splitlines()
            if l.strip() and not l.strip().startswith("comment ")]


def main():
    if os.geteuid() != 0:
        sys.exit("bench/net needs root (ip netns)")
    for tool in TOOLS:
        if tool == "hearth" and not os.access(HEARTH, os.X_OK):
            sys.exit("no hearth at %s (build it, or set HEARTH)" % HEARTH)
        if tool.startswith("ifupdown") and not os.access(IFUP, os.X_OK):
            sys.exit("no ifup (apt-get install ifupdown bridge-utils)")
    tmp = tempfile.mkdtemp(prefix="hearth-bench-net-")
    results = {}  # (tool, n) -> [run dicts]
    failed = []
    exec_cost, floor_rss, startup = [], [], []
    try:
        for r in range(ROUNDS):
            ns = Netns(0)
            try:
                base = timed(ns.name, "true")
                exec_cost.append(base[0])
                floor_rss.append(base[1])
                if "hearth" in TOOLS:
                    startup.append(timed(ns.name, HEARTH, "--version")[:2])
            finally:
                ns.delete()
            for n in NS:
                order = TOOLS[r % len(TOOLS):] + TOOLS[:r % len(TOOLS)]
                for tool in order:
                    try:
                        res = one_run(tool, n, tmp)
                    except Exception as e:  # reported, the others go on
                        failed.append("%s N=%d: %s" % (tool, n, e))
                        print("FAILED", failed[-1], file=sys.stderr)
                        continue
                    results.setdefault((tool, n), []).append(res)
                    print("round %d N=%-3d %-13s up %.3fs again %.3fs policy "
                          "%.3fs rss %d KiB" % (r + 1, n, tool, res["up"],
                                                res["again"], res["policy"],
                                                res["rss"]), flush=True)
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)

    # The two sides' tables hold the same rules (hearth's own listing and
    # the nft -f one, after the same policy B).
    for n in NS:
        h = results.get(("hearth", n))
        for tool in TOOLS:
            o = results.get((tool, n))
            if tool != "hearth" and h and o and \
                    rules_of(h[0]["listing"]) != rules_of(o[0]["listing"]):
                failed.append("N=%d: hearth's table and nft -f's differ" % n)

    def med(tool, n, key):
        runs = results.get((tool, n), [])
        vals = [x[key] for x in runs if key in x]
        return statistics.median(vals) if vals else None

    print()
    print("ip netns exec + time of `true` (in every figure): %.1f ms, "
          "RSS %d KiB" % (1000 * statistics.median(exec_cost),
                          statistics.median(floor_rss)))
    if startup:
        print("hearth --version under the same wrapper (start-up: loading "
              "its libraries): %.1f ms, RSS %d KiB"
              % (1000 * statistics.median(x[0] for x in startup),
                 statistics.median(x[1] for x in startup)))
    print("medians of %d interleaved rounds (time in ms, RSS in KiB)" % ROUNDS)
    print("%-5s %-13s %9s %9s %9s %9s" % ("N", "tool", "up", "again",
                                            "policy", "peakRSS"))
    for n in NS:
        for tool in TOOLS:
            if (tool, n) not in results:
                continue
            print("%-5d %-13s %9.1f %9.1f %9.1f %9d"
                  % (n, tool, 1000 * med(tool, n, "up"),
                     1000 * med(tool, n, "again"),
                     1000 * med(tool, n, "policy"), med(tool, n, "rss")))
            if tool == "hearth":
                print("%-5s %-13s %9s %9s %9.1f %9s   (net plan of the "
                      "policy change)" % ("", "", "", "",
                                          1000 * med(tool, n, "plan"), ""))
            if tool != "hearth" and med(tool, n, "nft_rss"):
                print("%-5s %-13s %9s %9s %9s %9d   (nft -f)"
                      % ("", "", "", "", "", med(tool, n, "nft_rss")))
    print()
    print("ratios hearth / anchor (time: below 1 = hearth faster)")
    summary = []
    for n in NS:
        if ("hearth", n) not in results:
            continue
        for tool in TOOLS:
            if tool == "hearth" or (tool, n) not in results:
                continue
            r = {k: med("hearth", n, k) / med(tool, n, k)
                 for k in ("up", "again", "policy")}
            r["rss"] = med("hearth", n, "rss") / med(tool, n, "rss")
            r["rss_nft"] = med("hearth", n, "rss") / med(tool, n, "nft_rss")
            print("N=%-3d vs %-13s up %.2f  again %.2f  policy(vs nft -f) "
                  "%.2f  peakRSS %.2f (vs nft %.2f)"
                  % (n, tool, r["up"], r["again"], r["policy"], r["rss"],
                     r["rss_nft"]))
            if tool == "ifupdown":
                summary.append("N=%d up=%.2f again=%.2f policy=%.2f"
                               % (n, r["up"], r["again"], r["policy"]))
    print("RESULT net hearth/ifupdown: " + "; ".join(summary))
    for f in failed:
        print("FAILED", f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
