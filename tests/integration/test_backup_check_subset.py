# SPDX-License-Identifier: MIT
"""`hearth backup check --read-data-subset` as restic 0.14's: bucket n of t
picks the same packs (restic's own report line, side by side), a percentage
reads that share of the packs (at least one), a damaged pack is found by the
bucket holding it and only by that one, and bad subsets are refused."""
import os
import random
import re
import subprocess

from helpers import HEARTH


def run(argv, env, ok=True):
    p = subprocess.run(argv, env=env, capture_output=True, text=True,
                       timeout=300)
    if ok:
        assert p.returncode == 0, (argv, p.stdout, p.stderr)
    return p


def repo_with_packs(tmp_path, n=6):
    env = dict(os.environ, RESTIC_REPOSITORY=str(tmp_path / "repo"),
               RESTIC_PASSWORD_FILE=str(tmp_path / "pw"),
               HEARTH_BACKUP_KDF_N="1024")
    (tmp_path / "pw").write_text("secret\n")
    run([HEARTH, "backup", "init"], env)
    rnd = random.Random(7)
    src = tmp_path / "src"
    src.mkdir()
    for i in range(n):  # one backup of new data: at least one new pack each
        (src / f"f{i}.bin").write_bytes(rnd.randbytes(300000))
        run([HEARTH, "backup", "backup", str(src)], env)
    return env


def group_line(out):
    m = re.search(r"^read group .*$", out, re.M)
    return m.group(0) if m else None


def test_buckets_match_restic(tmp_path):
    env = repo_with_packs(tmp_path)
    for t in (1, 2, 3, 4):
        for n in range(1, t + 1):
            h = run([HEARTH, "backup", "check", "--read-data-subset",
                     f"{n}/{t}"], env)
            r = run(["restic", "--no-cache", "check", "--read-data-subset",
                     f"{n}/{t}"], env)
            assert group_line(h.stdout) == group_line(r.stdout), \
                (n, t, h.stdout, r.stdout)
            assert "no errors were found" in h.stdout


def test_percentage_and_refusals(tmp_path):
    env = repo_with_packs(tmp_path)
    packs = sum(len(f) for _, _, f in os.walk(tmp_path / "repo" / "data"))
    h = run([HEARTH, "backup", "check", "--read-data-subset", "50%"], env)
    assert f"read {packs // 2} of {packs} data packs" in h.stdout, h.stdout
    h = run([HEARTH, "backup", "check", "--read-data-subset", "1%"], env)
    assert f"read 1 of {packs} data packs" in h.stdout, h.stdout
    for bad in ("0/3", "4/3", "x", "0%", "101%", "1/"):
        p = run([HEARTH, "backup", "check", "--read-data-subset", bad], env,
                ok=False)
        assert p.returncode == 2 and "--read-data-subset" in p.stderr, (bad, p)


def test_damaged_pack_found_only_by_its_bucket(tmp_path):
    env = repo_with_packs(tmp_path)
    data = tmp_path / "repo" / "data"
    # a data pack (the largest): trees are read by check's walk of the
    # snapshots whatever the subset, as restic's check reads them
    pack = max((p for p in data.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    blob = bytearray(pack.read_bytes())
    blob[100] ^= 0xFF
    os.chmod(pack, 0o644)
    pack.write_bytes(bytes(blob))
    bucket = int(pack.name[:2], 16) % 2 + 1
    other = 3 - bucket
    p = run([HEARTH, "backup", "check", "--read-data-subset",
             f"{bucket}/2"], env, ok=False)
    assert p.returncode != 0 and pack.name[:8] in p.stdout, p.stdout
    p = run([HEARTH, "backup", "check", "--read-data-subset", f"{other}/2"],
            env)
    assert "no errors were found" in p.stdout
