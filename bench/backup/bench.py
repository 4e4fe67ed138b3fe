# SPDX-License-Identifier: MIT
"""The backup room's benchmark: `hearth backup` against restic 0.14 and borg
1.2 on the same generated data, side by side in one run.

Each round runs every tool in turn (the order rotates from round to round):
a first backup into a fresh repository, an incremental backup after a small
change, a restore of the latest snapshot into an empty directory, a check
that reads all data back, and a prune after forgetting the older of the two
snapshots. Caches are dropped before every step and every step ends with
`sync`. Reported per step: MB/s of source data, CPU seconds (user + system)
and peak RSS, as medians over the rounds, hearth's ratio to each other tool,
and each repository's size after the backups.

Environment: HEARTH (default build/src/hearth), SIZE_MB (default 600),
ROUNDS (default 3), TOOLS (default "hearth restic borg"), WORK (a directory
on a real disk, default /var/tmp).
"""
import hashlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEARTH = os.environ.get("HEARTH", str(ROOT / "build" / "src" / "hearth"))
SIZE_MB = int(os.environ.get("SIZE_MB", "600"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
TOOLS = os.environ.get("TOOLS", "hearth restic borg").split()
PASSWORD = "bench-password"


def drop_caches():
    subprocess.run(["sync"], check=True)
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        pass  # not root: the figures are warm-cache ones then


def make_data(top, size_mb, rng):
    """Mixed data: text that compresses, random bytes that do not, and big
    files sharing most of their content (for deduplication)."""
    budget = size_mb << 20
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz")
                   for _ in range(rng.randint(2, 9))) for _ in range(2000)]
    n = 0
    # 30 %: small and medium text files in a tree.
    while n < budget * 0.3:
        d = top / f"src/d{rng.randint(0, 60)}/e{rng.randint(0, 9)}"
        d.mkdir(parents=True, exist_ok=True)
        size = int(rng.paretovariate(1.2) * 2000)
        size = min(size, 4 << 20)
        line = b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
        body = (line * (size // len(line) + 1))[:size]
        (d / f"f{n}.txt").write_bytes(body)
        n += size
    # 40 %: incompressible files of 64 KiB to 16 MiB.
    while n < budget * 0.7:
        d = top / f"media/m{rng.randint(0, 9)}"
        d.mkdir(parents=True, exist_ok=True)
        size = rng.choice([64 << 10, 1 << 20, 4 << 20, 16 << 20])
        (d / f"r{n}.bin").write_bytes(rng.randbytes(size))
        n += size
    # 30 %: VM-image-like files: one base, copies with small changes.
    base = bytearray(rng.randbytes(int(budget * 0.1)))
    img = top / "images"
    img.mkdir(parents=True, exist_ok=True)
    for i in range(3):
        for _ in range(20):
            off = rng.randrange(len(base) - 4096)
            base[off:off + 4096] = rng.randbytes(4096)
        (img / f"vm{i}.img").write_bytes(base)
        n += len(base)
    return n


def change_data(top, rng):
    """About 2 % of new or changed bytes: an appended log, new files, an
    image with a few changed blocks."""
    (top / "src" / "new").mkdir(exist_ok=True)
    for i in range(50):
        (top / "src" / "new" / f"n{i}.txt").write_bytes(
            rng.randbytes(8192).hex().encode())
    img = top / "images" / "vm0.img"
    with open(img, "r+b") as f:
        size = img.stat().st_size
        for _ in range(64):
            f.seek(rng.randrange(size - 65536))
            f.write(rng.randbytes(65536))


def run_timed(argv, env, cwd=None):
    """Wall seconds (up to the end of a sync), CPU seconds and peak RSS
    (MiB) of one command."""
    with tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, env=env, cwd=cwd,
                             stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        subprocess.run(["sync"], check=True)
        wall = time.monotonic() - t0
        if p.returncode != 0:
            err.seek(0)
            sys.exit(f"{' '.join(argv)} failed ({p.returncode}):\n"
                     f"{err.read().decode(errors='replace')}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


class Tool:
    def __init__(self, name, work):
        self.name = name
        self.work = work
        self.env = dict(os.environ)
        self.env.update(RESTIC_PASSWORD=PASSWORD, BORG_PASSPHRASE=PASSWORD,
                        RESTIC_CACHE_DIR=str(work / "cache"),
                        BORG_BASE_DIR=str(work / "borgbase"),
                        BORG_RELOCATED_REPO_ACCESS_IS_OK="yes",
                        HOME=str(work))

    def repo(self):
        return str(self.work / "repo")

    def init(self):
        r = self.repo()
        argv = {"hearth": [HEARTH, "backup", "-r", r, "init"],
                "restic": ["restic", "-r", r, "init"],
                "borg": ["borg", "init", "-e", "repokey-blake2", r]}[self.name]
        run_timed(argv, self.env)

    def backup(self, src, n):
        r = self.repo()
        argv = {"hearth": [HEARTH, "backup", "-r", r, "backup", str(src)],
                "restic": ["restic", "-r", r, "backup", str(src)],
                "borg": ["borg", "create", f"{r}::s{n}", str(src)]}[self.name]
        return run_timed(argv, self.env)

    def check(self):
        r = self.repo()
        argv = {"hearth": [HEARTH, "backup", "-r", r, "check", "--read-data"],
                "restic": ["restic", "-r", r, "check", "--read-data"],
                "borg": ["borg", "check", "--verify-data", r]}[self.name]
        return run_timed(argv, self.env)

    def forget_prune(self):
        """Forgets the first snapshot (untimed), then prunes (timed)."""
        r = self.repo()
        if self.name == "borg":
            run_timed(["borg", "prune", "--keep-last", "1", r], self.env)
            return run_timed(["borg", "compact", r], self.env)
        cmd = [HEARTH, "backup", "-r", r] if self.name == "hearth" else \
            ["restic", "-r", r]
        run_timed(cmd + ["forget", "--keep-last", "1"], self.env)
        return run_timed(cmd + ["prune"], self.env)

    def size(self):
        return sum(f.stat().st_size for f in Path(self.repo()).rglob("*")
                   if f.is_file())

    def restore(self, target):
        r = self.repo()
        target.mkdir(parents=True)
        if self.name == "borg":
            last = subprocess.run(["borg", "list", "--short", "--last", "1",
                                   r], env=self.env, check=True,
                                  capture_output=True, text=True).stdout
            return run_timed(["borg", "extract", f"{r}::{last.strip()}"],
                             self.env, cwd=target)
        argv = {"hearth": [HEARTH, "backup", "-r", r, "restore", "latest",
                           "--target", str(target)],
                "restic": ["restic", "-r", r, "restore", "latest",
                           "--target", str(target)]}[self.name]
        return run_timed(argv, self.env)


def tree_digest(top):
    h = hashlib.sha256()
    for dirpath, dirs, files in os.walk(top):
        dirs.sort()
        for f in sorted(files):
            p = Path(dirpath) / f
            h.update(str(p.relative_to(top)).encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def main():
    for t in TOOLS:
        if t != "hearth" and not shutil.which(t):
            sys.exit(f"{t} is not installed (scripts/install-deps.sh)")
    base = Path(tempfile.mkdtemp(prefix="hearth-bench-backup-",
                                 dir=os.environ.get("WORK", "/var/tmp")))
    try:
        rng = random.Random(20261202)
        src = base / "data"
        total = make_data(src, SIZE_MB, rng)
        mb = total / 1e6
        print(f"data: {mb:.0f} MB in {sum(len(f) for _, _, f in os.walk(src))}"
              f" files; {ROUNDS} rounds; tools: {' '.join(TOOLS)}")
        steps = ("first", "incremental", "restore", "check", "prune")
        sizes = {t: [] for t in TOOLS}
        res = {t: {s: [] for s in steps} for t in TOOLS}
        for rnd in range(ROUNDS):
            order = TOOLS[rnd % len(TOOLS):] + TOOLS[:rnd % len(TOOLS)]
            for t in order:
                data = base / f"data-{t}"
                shutil.copytree(src, data, symlinks=True)
                tool = Tool(t, base / f"work-{t}")
                tool.work.mkdir()
                tool.init()
                drop_caches()
                res[t]["first"].append(tool.backup(data, 1))
                change_data(data, random.Random(rnd))
                want = tree_digest(data)
                drop_caches()
                res[t]["incremental"].append(tool.backup(data, 2))
                drop_caches()
                target = tool.work / "restore"
                res[t]["restore"].append(tool.restore(target))
                got = next(p for p in target.rglob(data.name) if p.is_dir())
                if tree_digest(got) != want:
                    sys.exit(f"{t}: the restored tree differs from the source")
                shutil.rmtree(target)
                sizes[t].append(tool.size())
                drop_caches()
                res[t]["check"].append(tool.check())
                drop_caches()
                res[t]["prune"].append(tool.forget_prune())
                shutil.rmtree(tool.work)
                shutil.rmtree(data)
                print(f"round {rnd + 1}: {t} done", flush=True)
        print()
        print(f"{'step':<12} {'tool':<7} {'MB/s':>8} {'CPU-s':>7} {'RSS MiB':>8}")
        med = {}
        for s in steps:
            for t in TOOLS:
                walls = [w for w, _, _ in res[t][s]]
                cpu = statistics.median(c for _, c, _ in res[t][s])
                rss = statistics.median(r for _, _, r in res[t][s])
                rate = mb / statistics.median(walls)
                med[(t, s)] = (rate, cpu, rss)
                print(f"{s:<12} {t:<7} {rate:8.1f} {cpu:7.2f} {rss:8.1f}")
        print()
        for t in TOOLS:
            print(f"repository size after both backups, {t}: "
                  f"{statistics.median(sizes[t]) / 1e6:.1f} MB")
        if "hearth" in TOOLS:
            print()
            for other in (t for t in TOOLS if t != "hearth"):
                for s in steps:
                    h, o = med[("hearth", s)], med[(other, s)]
                    print(f"hearth/{other} {s:<12} speed x{h[0] / o[0]:.2f}"
                          f"  CPU x{h[1] / o[1]:.2f}  RSS x{h[2] / o[2]:.2f}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
