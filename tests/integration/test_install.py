# SPDX-License-Identifier: MIT
"""`meson install` into a DESTDIR, from the build dir the tests run against
(the one holding $HEARTHD): the systemd unit points at the installed
hearthd and passes `systemd-analyze verify` and `security --offline`, the
man pages render without warnings and list every option, command and config
key, and the bash completion completes hearth's commands."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import HEARTH, HEARTHD

BUILD = Path(HEARTHD).resolve().parents[1]


def run(cmd, **kw):
    kw.setdefault("timeout", 60)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def dest(tmp_path_factory):
    assert (BUILD / "meson-private").is_dir(), f"{BUILD} is not a meson build dir"
    d = tmp_path_factory.mktemp("destdir")
    # --no-rebuild: the binaries under test stay exactly as they are.
    r = run(["meson", "install", "-C", str(BUILD), "--no-rebuild",
             "--destdir", str(d)], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return d


def installed(dest, pattern):
    """The one file under dest matching the glob pattern."""
    found = sorted(dest.glob(pattern))
    assert len(found) == 1, (pattern, found)
    return found[0]


def unit_keys(path):
    keys = {}
    for line in path.read_text().splitlines():
        k, sep, v = line.partition("=")
        if sep and not line.startswith("#"):
            keys.setdefault(k.strip(), []).append(v.strip())
    return keys


def manpath(dest):
    return str(installed(dest, "**/man/man8/hearthd.8").parents[1])


def unit_with_destdir(dest, tmp_path):
    """The installed unit with its hearthd paths inside DESTDIR, for the
    tools that look at the real file system."""
    unit = installed(dest, "**/systemd/system/hearthd.service")
    exe = unit_keys(unit)["ExecStart"][0].split()[0]
    copy = tmp_path / "hearthd.service"
    copy.write_text(unit.read_text().replace(exe, str(dest) + exe))
    return copy


def test_unit_starts_the_installed_hearthd(dest):
    unit = installed(dest, "**/systemd/system/hearthd.service")
    keys = unit_keys(unit)
    for key in ("ExecStartPre", "ExecStart"):
        exe = keys[key][0].split()[0]
        assert exe.startswith("/") and exe.endswith("/sbin/hearthd"), keys[key]
        inside = dest / exe.lstrip("/")
        assert inside.is_file() and os.access(inside, os.X_OK), inside
    r = run([str(inside), "--version"])
    assert r.returncode == 0 and r.stdout.startswith("hearthd "), r
    # The hardening of dist/hearthd.service.in survives the substitution.
    assert keys["NoNewPrivileges"] == ["yes"]
    assert keys["ProtectSystem"] == ["strict"]
    assert "@" not in unit.read_text().replace("@system-service", "") \
        .replace("@privileged", "").replace("@resources", "")
    # hearth sits next to it, the config example and the docs under doc/.
    assert os.access(installed(dest, "**/bin/hearth"), os.X_OK)
    doc = installed(dest, "**/doc/hearth/README.md").parent
    example = doc / "examples" / "lab.yaml"
    r = run([str(inside), "-c", str(example), "--check"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert (doc / "docs" / "config.md").is_file()
    assert ("file://" + str(doc).removeprefix(str(dest)) + "/README.md"
            in keys["Documentation"][0]), keys["Documentation"]


def test_systemd_analyze_verify(dest, tmp_path):
    # MANPATH: verify runs `man` for each man: in Documentation=.
    r = run(["systemd-analyze", "verify", str(unit_with_destdir(dest, tmp_path))],
            env=dict(os.environ, MANPATH=manpath(dest)))
    assert r.returncode == 0 and not r.stderr.strip(), r.stdout + r.stderr


def test_systemd_analyze_security_offline(dest, tmp_path):
    unit = unit_with_destdir(dest, tmp_path)
    r = run(["systemd-analyze", "security", "--offline=yes", "--no-pager",
             str(unit)])
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"Overall exposure level for hearthd\.service: ([0-9.]+)",
                  r.stdout)
    assert m, r.stdout
    # The hardening keeps the score in systemd's "OK" band (below 4.0):
    # a unit without it scores 9.6 ("UNSAFE").
    assert float(m.group(1)) < 4.0, r.stdout
    # --threshold counts tenths: over 3.9 it exits non-zero.
    r = run(["systemd-analyze", "security", "--offline=yes", "--no-pager",
             "--threshold=39", str(unit)])
    assert r.returncode == 0, r.stdout + r.stderr


PAGES = {"hearthd": "8", "hearth": "1", "hearth.yaml": "5"}


def render(dest, name):
    page = installed(dest, f"**/man/man{PAGES[name]}/{name}.{PAGES[name]}")
    g = run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)])
    assert g.returncode == 0 and not g.stderr, g.stderr
    r = run(["man", "-l", str(page)],
            env=dict(os.environ, MANWIDTH="200", MANPAGER="cat", PAGER="cat",
                     MAN_KEEP_FORMATTING=""))
    assert r.returncode == 0 and not r.stderr, r.stderr
    # man's hyphenation and bold overstrikes aside, plain text.
    text = re.sub(r".\x08", "", r.stdout)
    assert text.startswith(f"{name.upper()}({PAGES[name]})"), text[:200]
    return text


def help_words(cmd, pattern):
    out = run(cmd, check=True).stdout
    return {m.group(1) for m in re.finditer(pattern, out, re.M)}


def test_hearthd_man_page_lists_every_option(dest):
    text = render(dest, "hearthd")
    opts = help_words([HEARTHD, "--help"], r"^\s+(?:-\w, )?(--[\w=-]+)")
    assert {"--config", "--check", "--config-reference", "--man"} <= opts
    for o in opts:
        assert o in text, o


def test_hearth_man_page_lists_every_command(dest):
    text = render(dest, "hearth")
    out = run([HEARTH, "--help"], check=True).stdout
    cmds = re.findall(r"^  ([a-z][a-z ]*?[a-z])(?: [A-Z\[]| {2,})", out.split("options:")[0], re.M)
    assert "dns import" in cmds and "status" in cmds, cmds
    for c in cmds:
        assert re.search(r"^\s+" + re.escape(c) + r"\b", text, re.M), c
    for o in ("--url", "--api-key", "--completion"):
        assert o in text, o


def test_config_man_page_lists_every_key(dest):
    text = render(dest, "hearth.yaml")
    out = run([HEARTHD, "--config-reference"], check=True).stdout
    keys = re.findall(r"^\| `([^`]+)` \|", out, re.M)
    assert len(keys) > 20 and "dns.upstream" in keys, keys
    for k in keys:
        assert re.search(r"^\s+" + re.escape(k) + r"(?:\s|$)", text, re.M), k


def test_bash_completion(dest):
    comp = installed(dest, "**/bash-completion/completions/hearth")
    script = f"""
source {comp}
complete -p hearth
t() {{ COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hearth; echo "${{COMPREPLY[*]}}"; }}
t hearth ''
t hearth --url http://x dns ''
t hearth --
"""
    bash = shutil.which("bash")
    r = run([bash, "--norc", "--noprofile", "-c", script])
    assert r.returncode == 0 and not r.stderr, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "complete -o default -F _hearth hearth", lines
    first = set(lines[1].split())
    assert {"status", "dns", "dhcp", "config", "store"} <= first, lines[1]
    dns = set(lines[2].split())
    assert {"import", "export"} <= dns and "status" not in dns, lines[2]
    assert {"--url", "--api-key", "--config", "--help"} <= set(lines[3].split())
