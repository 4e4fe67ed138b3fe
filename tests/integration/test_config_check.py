# SPDX-License-Identifier: MIT
"""hearthd -c FILE --check, --config-reference and refused configs."""
import re
import socket
import textwrap

import pytest

from helpers import base_config, free_port, to_yaml

ERR_RE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<msg>.+)$",
                    re.M)


def write(tmp_path, text, name="hearth.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"))
    return p


def parse_error(stderr, path):
    m = ERR_RE.search(stderr)
    assert m, f"no FILE:LINE:COL: message in stderr: {stderr!r}"
    assert m["file"] == str(path), stderr
    return int(m["line"]), int(m["col"]), m["msg"]


# ---- valid configs ----

VALID = {
    "empty": "",
    "comment_only": "# nothing configured\n",
    "http_only": """
        http:
          listen: 127.0.0.1:8080
        """,
    "null_sections": """
        http:
        lab:
        log:
        """,
    "all_keys": """
        # every key of the core schema
        state_dir: /var/lib/hearth-test
        user: nobody
        log:
          level: debug
        http:
          listen: "[::1]:8443"
          api_key: "s3cret with spaces"
          max_header_bytes: 16k
          max_body_bytes: 1M
          max_connections: 512
          idle_timeout: 5m
        lab:
          domain: Lab.Example.
          networks:
            dmz: {vlan: 30, subnet: 192.168.30.0/24, gateway: 192.168.30.1}
            hv:
              vlan: 4094
              subnet: 192.168.20.0/24
          hosts:
            web: {ip: 192.168.30.10, mac: "52:54:00:aa:bb:cc", network: dmz, public: 203.0.113.7}
            nas:
              ip: 192.168.20.5
            v6: {ip: "fd00::5"}
            bare: {}
        """,
    "sizes_and_durations": """
        http:
          max_header_bytes: 4096
          max_body_bytes: 0
          idle_timeout: 1
        """,
    "quoted_sizes_and_durations": """
        http:
          max_body_bytes: "1M"
          idle_timeout: '5m'
        """,
    "log_levels_error": "log:\n  level: error\n",
    "log_levels_warn": "log:\n  level: warn\n",
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_check_valid(run_hearthd, tmp_path, name):
    p = write(tmp_path, VALID[name])
    r = run_hearthd("-c", p, "--check")
    assert r.returncode == 0, r
    assert not ERR_RE.search(r.stderr), r


def test_check_valid_generated(run_hearthd, tmp_path):
    """The config every daemon test uses is valid."""
    text = to_yaml(base_config(tmp_path)).replace("@PORT@", "8080")
    p = write(tmp_path, text)
    r = run_hearthd("-c", p, "--check")
    assert r.returncode == 0, r


def test_check_example_lab(run_hearthd):
    """examples/lab.yaml, what `make run` serves, is valid and runs the
    rooms it shows (checked only: it listens on fixed ports and forwards
    to the system's resolvers)."""
    from pathlib import Path
    example = Path(__file__).resolve().parents[2] / "examples" / "lab.yaml"
    r = run_hearthd("-c", str(example), "--check")
    assert r.returncode == 0, r
    assert re.search(r"^ok: \d+ rooms \(dns, notify, watch\)", r.stdout, re.M), r


def test_check_has_no_side_effects(run_hearthd, tmp_path):
    """--check validates only: it neither binds the port nor creates the
    state_dir, so it works next to a running daemon."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        state = tmp_path / "not-created"
        p = write(tmp_path, f"""
            state_dir: {state}
            http:
              listen: 127.0.0.1:{port}
            """)
        r = run_hearthd("-c", p, "--check")
        assert r.returncode == 0, r
        assert not state.exists()


# ---- invalid configs: exact positions ----

# name -> (text, line, col, words the message must contain); col may be a
# tuple of accepted columns where either the start of a token or of its
# content is a fair answer (quoted scalars, anchors).
INVALID = {
    "unknown_top_key": ("""
        state_dir: /tmp/x
        htp:
          listen: 127.0.0.1:1
        """, 2, 1, ["unknown key", "htp"]),
    "unknown_nested_key": ("""
        http:
          listen: 127.0.0.1:8080
          lisen: 127.0.0.1:8081
        """, 3, 3, ["unknown key", "lisen"]),
    "unknown_host_key": ("""
        lab:
          hosts:
            web:
              ip: 192.168.1.1
              ipv4: 192.168.1.2
        """, 5, 7, ["unknown key", "ipv4"]),
    "int_not_a_number": ("""
        http:
          max_connections: lots
        """, 2, 20, ["max_connections"]),
    "int_quoted": ("""
        http:
          max_connections: "5"
        """, 2, (20, 21), ["max_connections"]),
    "int_out_of_range": ("""
        http:
          max_connections: 0
        """, 2, 20, ["max_connections", "range"]),
    "size_too_small": ("""
        http:
          max_header_bytes: 100
        """, 2, 21, ["max_header_bytes", "range"]),
    "size_bad_unit": ("""
        http:
          max_body_bytes: 12 parsecs
        """, 2, 19, ["max_body_bytes"]),
    "duration_bad": ("""
        http:
          idle_timeout: 5x
        """, 2, 17, ["idle_timeout"]),
    "listen_bad_address": ("""
        http:
          listen: 300.1.2.3:80
        """, 2, 11, ["listen"]),
    "listen_bad_port": ("""
        state_dir: /tmp/x
        http:
          api_key: k
          listen: 127.0.0.1:70000
        """, 4, 11, ["listen"]),
    "listen_no_port": ("""
        http:
          listen: 127.0.0.1
        """, 2, 11, ["listen"]),
    "section_is_scalar": ("""
        http: 5
        """, 1, 7, ["http"]),
    "log_level_bad": ("""
        log:
          level: loud
        """, 2, 10, ["level"]),
    "subnet_bad_prefix": ("""
        lab:
          networks:
            dmz:
              subnet: 192.168.30.0/33
        """, 4, 15, ["subnet"]),
    "vlan_out_of_range": ("""
        lab:
          networks:
            dmz:
              vlan: 5000
              subnet: 192.168.30.0/24
        """, 4, 13, ["vlan", "range"]),
    "gateway_outside_subnet": ("""
        lab:
          networks:
            dmz:
              subnet: 192.168.30.0/24
              gateway: 192.168.31.1
        """, 5, 16, ["gateway"]),
    "host_ip_bad": ("""
        lab:
          hosts:
            web:
              ip: 192.168.1.300
        """, 4, 11, ["ip"]),
    "host_ip_outside_network": ("""
        lab:
          networks:
            dmz:
              subnet: 192.168.30.0/24
          hosts:
            web:
              ip: 10.0.0.5
              network: dmz
        """, 7, 11, ["web", "outside"]),
    "host_unknown_network": ("""
        lab:
          networks:
            dmz:
              subnet: 192.168.30.0/24
          hosts:
            web:
              ip: 192.168.30.5
              network: lan
        """, 8, 16, ["lan"]),
    "host_mac_bad": ("""
        lab:
          hosts:
            web:
              ip: 192.168.30.5
              mac: 52:54:00:zz:00:01
        """, 5, 12, ["mac"]),
    "host_duplicate_ip": ("""
        lab:
          hosts:
            a:
              ip: 192.168.30.5
            b:
              ip: 192.168.30.5
        """, 6, 11, ["same ip"]),
    "host_name_not_a_label": ("""
        lab:
          hosts:
            bad_name:
              ip: 192.168.30.5
        """, 3, 5, ["bad_name"]),
    "host_public_ipv6": ("""
        lab:
          hosts:
            web:
              ip: 192.168.30.5
              public: "2001:db8::1"
        """, 5, (15, 16), ["public"]),
    "domain_bad": ("""
        lab:
          domain: -bad-.example
        """, 2, 11, ["domain"]),
    "yaml_bad_indicator": ("""
        state_dir: /tmp/x
        user: @nobody
        """, 2, 7, ["YAML"]),
    "yaml_duplicate_key": ("""
        log:
          level: info
          level: debug
        """, 3, 3, ["duplicate"]),
    "yaml_tab_indent": ("log:\n\tlevel: info\n", 2, 1, ["tab"]),
    "yaml_unterminated_quote": ("""
        state_dir: /tmp/x
        user: "nobody
        """, 2, (7, 8), ["quote"]),
    "anchors_refused": ("""
        lab:
          domain: &d lab.example
          hosts:
            a: {ip: 192.168.30.5}
        """, 2, (11, 14), ["alias"]),
    "aliases_refused": ("""
        state_dir: /tmp/x
        user: *u
        """, 2, (7, 8), ["alias"]),
}


def check_refused_at(run_hearthd, tmp_path, name, case):
    """--check refuses @case's text with exit 2 and FILE:LINE:COL (col may
    be a tuple of the columns accepted) and a message with its words."""
    text, line, col, words = case
    p = write(tmp_path, text)
    r = run_hearthd("-c", p, "--check")
    assert r.returncode == 2, r
    got_line, got_col, msg = parse_error(r.stderr, p)
    cols = col if isinstance(col, tuple) else (col,)
    assert got_line == line and got_col in cols, \
        f"{name}: expected {p}:{line}:{col}, got {r.stderr.strip()!r}"
    for w in words:
        assert w.lower() in msg.lower(), f"{name}: {w!r} not in {msg!r}"


@pytest.mark.parametrize("name", sorted(INVALID))
def test_check_invalid_position(run_hearthd, tmp_path, name):
    check_refused_at(run_hearthd, tmp_path, name, INVALID[name])


def test_check_missing_required_key(run_hearthd, tmp_path):
    """A network without subnet: the error points at that network (its
    name or its first key)."""
    p = write(tmp_path, """
        lab:
          networks:
            dmz:
              vlan: 30
        """)
    r = run_hearthd("-c", p, "--check")
    assert r.returncode == 2, r
    line, col, msg = parse_error(r.stderr, p)
    assert (line, col) in ((3, 5), (4, 7)), r.stderr
    assert "subnet" in msg


def test_check_missing_file(run_hearthd, tmp_path):
    p = tmp_path / "does-not-exist.yaml"
    r = run_hearthd("-c", p, "--check")
    assert r.returncode == 2, r
    _, _, msg = parse_error(r.stderr, p)
    assert msg


def test_check_error_is_one_line_on_stderr(run_hearthd, tmp_path):
    p = write(tmp_path, "http:\n  listen: nowhere\n")
    r = run_hearthd("-c", p, "--check")
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.strip() == f"{p}:2:11: " + parse_error(r.stderr, p)[2]


def test_daemon_refuses_invalid_config(run_hearthd, tmp_path):
    """Without --check an invalid config also stops hearthd before it
    serves, with the same FILE:LINE:COL message."""
    port = free_port()
    p = write(tmp_path, f"""
        state_dir: {tmp_path / 'state'}
        http:
          listen: 127.0.0.1:{port}
          max_connections: many
        """)
    r = run_hearthd("-c", p, timeout=20)
    assert r.returncode != 0, r
    line, col, _ = parse_error(r.stderr, p)
    assert (line, col) == (4, 20)
    assert not (tmp_path / "state").exists()


# ---- command line ----

def test_config_reference(run_hearthd):
    r = run_hearthd("--config-reference")
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[0].startswith("| key |"), lines[:2]
    assert re.match(r"^\|( --- \|)+$", lines[1]), lines[1]
    keys = set()
    for line in lines[2:]:
        m = re.match(r"^\| `([^`]+)` \|", line)
        assert m, f"not a table row: {line!r}"
        keys.add(m.group(1))
    for k in ["state_dir", "user", "log.level", "http.listen", "http.api_key",
              "http.max_header_bytes", "http.max_body_bytes",
              "http.max_connections", "http.idle_timeout", "lab.domain",
              "lab.networks", "lab.hosts"]:
        assert k in keys, f"{k} missing from --config-reference"
    for k in ["vlan", "subnet", "gateway"]:
        assert any(x.startswith("lab.networks") and x.endswith("." + k)
                   for x in keys), k
    for k in ["ip", "mac", "network", "public"]:
        assert any(x.startswith("lab.hosts") and x.endswith("." + k)
                   for x in keys), k


def test_help_and_version(run_hearthd):
    r = run_hearthd("--help")
    assert r.returncode == 0 and "usage" in r.stdout.lower(), r
    r = run_hearthd("--version")
    assert r.returncode == 0 and re.match(r"^hearthd \d+\.\d+\.\d+", r.stdout), r


@pytest.mark.parametrize("args", [[], ["--bogus"], ["-c"]])
def test_usage_errors(run_hearthd, args):
    r = run_hearthd(*args)
    assert r.returncode == 2, r
    assert "usage" in r.stderr.lower(), r


# ---- what start would refuse beyond the file: zone files, dhcp ----

ZONE_OK = """\
$TTL 300
@       IN SOA ns1 hostmaster 1 3600 600 86400 300
@       IN NS  ns1
ns1     IN A   192.0.2.1
www     IN A   192.0.2.2
"""


def dns_config(zone_file, extra=""):
    """A config whose dns room serves one zone from @zone_file; its
    `file:` value stands at line 6, column 13."""
    return f"""
        dns:
          listen: [127.0.0.1:5353]
          upstream: []
          zones:
            - name: example.test
              file: {zone_file}
        """ + extra


def test_check_zone_file_syntax_error(run_hearthd, tmp_path):
    """A zone file that does not parse: exit 2, the config's position of
    the zone's file, and the zone file's FILE:LINE in the message."""
    zf = tmp_path / "db.example"
    zf.write_text(ZONE_OK + "bad     IN BOGUS whatever\n")
    p = write(tmp_path, dns_config(zf))
    r = run_hearthd("-c", p, "--check")
    assert r.returncode == 2, r
    assert r.stdout == "", r
    line, col, msg = parse_error(r.stderr, p)
    assert (line, col) == (6, 13), r.stderr
    assert f"{zf}:6:" in msg and "BOGUS" in msg, msg
    assert "example.test" in msg, msg


def test_check_zone_file_semantic_error(run_hearthd, tmp_path):
    """A zone file that parses but could not be served (no SOA at its
    apex) is refused as its import refuses it."""
    zf = tmp_path / "db.example"
    zf.write_text("$TTL 300\nwww IN A 192.0.2.2\n")
    p = write(tmp_path, dns_config(zf))
    r = run_hearthd("-c", p, "--check")
    assert r.returncode == 2, r
    line, col, msg = parse_error(r.stderr, p)
    assert (line, col) == (6, 13), r.stderr
    assert str(zf) in msg and "SOA" in msg, msg


def test_check_zone_file_include_error(run_hearthd, tmp_path):
    """$INCLUDE is followed as at start: an error in the included file
    names that file and its line."""
    inc = tmp_path / "hosts.inc"
    inc.write_text("a IN A 192.0.2.3\nb IN A 192.0.2.300\n")
    zf = tmp_path / "db.example"
    zf.write_text(ZONE_OK + f"$INCLUDE {inc}\n")
    p = write(tmp_path, dns_config(zf))
    r = run_hearthd("-c", p, "--check")
    assert r.returncode == 2, r
    _, _, msg = parse_error(r.stderr, p)
    assert f"{inc}:2:" in msg, msg


def test_check_zone_file_missing(run_hearthd, tmp_path):
    zf = tmp_path / "no-such-zone"
    p = write(tmp_path, dns_config(zf))
    r = run_hearthd("-c", p, "--check")
    assert r.returncode == 2, r
    line, col, msg = parse_error(r.stderr, p)
    assert (line, col) == (6, 13), r.stderr
    assert str(zf) in msg and "no such file" in msg.lower(), msg


def test_cli_config_check_reads_zone_files(cli, tmp_path):
    """`hearth config check` runs the same checks as hearthd --check."""
    zf = tmp_path / "db.example"
    zf.write_text(ZONE_OK + "bad     IN BOGUS whatever\n")
    p = write(tmp_path, dns_config(zf))
    r = cli("config", "check", p)
    assert r.returncode != 0, r
    line, col, msg = parse_error(r.stderr, p)
    assert (line, col) == (6, 13) and f"{zf}:6:" in msg, r.stderr
    zf.write_text(ZONE_OK)
    r = cli("config", "check", p)
    assert r.returncode == 0, r
    assert r.stdout.strip() == \
        f"{p}: ok: 1 room (dns), 1 zone, 4 records, 0 subnets", r


def test_check_ok_summary(run_hearthd, tmp_path):
    """Success prints ok and what was checked on stdout."""
    zf = tmp_path / "db.example"
    zf.write_text(ZONE_OK)
    p = write(tmp_path, dns_config(zf, """
        dhcp:
          interfaces: [lo]
          subnets:
            - subnet: 10.0.0.0/24
              ranges: [10.0.0.100-10.0.0.199]
            - subnet: 10.0.1.0/24
        """))
    r = run_hearthd("-c", p, "--check")
    assert r.returncode == 0, r
    assert r.stdout == \
        "ok: 2 rooms (dns, dhcp), 1 zone, 4 records, 2 subnets\n", r
    assert r.stderr == "", r
    p = write(tmp_path, "http:\n  listen: 127.0.0.1:8080\n", "bare.yaml")
    r = run_hearthd("-c", p, "--check")
    assert r.returncode == 0 and r.stdout == "ok\n", r


# name -> (dhcp text, line, col, words the message must contain)
DHCP_INVALID = {
    "reservation_ip_twice": ("""
        dhcp:
          interfaces: [lo]
          subnets:
            - subnet: 10.0.0.0/24
          reservations:
            - mac: "52:54:00:00:00:01"
              ip: 10.0.0.5
            - mac: "52:54:00:00:00:02"
              ip: 10.0.0.5
        """, 9, 11, ["10.0.0.5", "reserved twice", "line 7"]),
    # lab: after dhcp: in the file, so the check cannot depend on order
    "reservation_mac_of_lab_host": ("""
        dhcp:
          interfaces: [lo]
          subnets:
            - subnet: 10.0.0.0/24
          reservations:
            - mac: "52:54:00:00:00:01"
              ip: 10.0.0.6
        lab:
          hosts:
            web: {ip: 10.0.0.5, mac: "52:54:00:00:00:01"}
        """, 6, (12, 13), ["lab host 'web'", "10.0.0.5", "10.0.0.6"]),
    "reservation_ip_of_lab_host": ("""
        lab:
          hosts:
            web: {ip: 10.0.0.5, mac: "52:54:00:00:00:01"}
        dhcp:
          interfaces: [lo]
          subnets:
            - subnet: 10.0.0.0/24
          reservations:
            - mac: "52:54:00:00:00:02"
              ip: 10.0.0.5
        """, 10, 11, ["lab host 'web'", "10.0.0.5"]),
    "range_reversed": ("""
        dhcp:
          interfaces: [lo]
          subnets:
            - subnet: 10.0.0.0/24
              ranges: [10.0.0.100-10.0.0.50]
        """, 5, 15, ["10.0.0.100-10.0.0.50", "reversed"]),
    "ranges_overlap_in_subnet": ("""
        dhcp:
          interfaces: [lo]
          subnets:
            - subnet: 10.0.0.0/24
              ranges:
                - 10.0.0.10-10.0.0.50
                - 10.0.0.40-10.0.0.60
        """, 6, 9, ["overlaps", "10.0.0.40-10.0.0.60",
                    "10.0.0.10-10.0.0.50"]),
    "ranges_overlap_across_subnets": ("""
        dhcp:
          interfaces: [lo]
          subnets:
            - subnet: 10.0.0.0/24
              ranges: [10.0.0.10-10.0.0.50]
            - subnet: 10.0.0.0/16
              ranges: [10.0.0.20-10.0.0.30]
        """, 7, 15, ["overlaps", "10.0.0.20-10.0.0.30",
                     "10.0.0.10-10.0.0.50", "line 5"]),
    "range_outside_subnet": ("""
        dhcp:
          interfaces: [lo]
          subnets:
            - subnet: 10.0.0.0/24
              ranges: [10.0.1.10-10.0.1.50]
        """, 5, 15, ["10.0.1.10-10.0.1.50", "outside"]),
}


@pytest.mark.parametrize("name", sorted(DHCP_INVALID))
def test_check_dhcp_invalid(run_hearthd, tmp_path, name):
    check_refused_at(run_hearthd, tmp_path, name, DHCP_INVALID[name])


def test_daemon_refuses_overlapping_ranges(run_hearthd, tmp_path):
    """What --check refuses, start refuses too, before it serves."""
    text, line, col, _ = DHCP_INVALID["ranges_overlap_across_subnets"]
    p = write(tmp_path, f"state_dir: {tmp_path / 'state'}\n"
              + textwrap.dedent(text).lstrip("\n"))
    r = run_hearthd("-c", p, timeout=20)
    assert r.returncode != 0, r
    assert parse_error(r.stderr, p)[:2] == (line + 1, col), r.stderr
    assert not (tmp_path / "state").exists()


def test_check_counts_zones_derived_from_lab(run_hearthd, tmp_path):
    """Zones that only lab: implies are served, so --check counts them:
    lab.domain and each network's reverse zone, with their A and PTR
    records; a configured zone of the same name is counted once."""
    lab = """
        lab:
          domain: lab.test
          networks:
            a: {vlan: 30, subnet: 10.30.0.0/24, gateway: 10.30.0.1}
            b: {vlan: 40, subnet: 10.40.0.0/24, gateway: 10.40.0.1}
          hosts:
            one: {ip: 10.30.0.10, network: a}
            two: {ip: 10.40.0.20, network: b}
            three: {ip: 10.40.0.30, network: b}
        dns:
          listen: [127.0.0.1:5353]
          upstream: []
        """
    r = run_hearthd("-c", write(tmp_path, lab), "--check")
    assert r.returncode == 0, r
    assert r.stdout == "ok: 1 room (dns), 3 zones, 6 records, 0 subnets\n", r
    r = run_hearthd("-c", write(tmp_path, lab + "  zones: [{name: lab.test}]\n"),
                    "--check")
    assert r.returncode == 0, r
    assert r.stdout == "ok: 1 room (dns), 3 zones, 6 records, 0 subnets\n", r
