# SPDX-License-Identifier: MIT
"""Live libvirt volume sources of backup jobs, against a real libvirtd the
test starts privately (libvirt_helpers) and a running TCG domain with two
data disks: vdb a raw image, vdc a qcow2 one, each an ext4 made with
`mkfs.ext4 -d` from a directory, with 1 MiB past the file system where the
guest writes a numbered sector every 0.2 s the whole time (into the overlay
while a backup runs). `hearth backup run JOB` snapshots both disks, mounts
the frozen bases read-only (the raw one on a loop device, the qcow2 one
through qemu-storage-daemon's FUSE export and a loop device), backs them up
and commits them back: the snapshot restores byte-identical to the
directories, the domain is on its original disks, and no overlay, loop
device, mount, storage daemon or record is left; the guest's writes are all
in the base images, none lost. Then the job is killed mid-backup: the step
child with kill -9 (hearthd's job runner undoes what its record lists), and
hearthd and its child both with SIGKILL (the next hearthd undoes it at
start, and the job then runs clean). One boot serves all tests (~10 s)."""
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

import guest
import libvirt_helpers
from helpers import HEARTH, base_config
from libvirt_helpers import pids_with, run

NS = f"hbk{os.getpid()}"
DOM = "hbk-live"
KEY = {"X-API-Key": "test-key-0123456789"}
FS_BYTES = 8 << 20   # the file system; the guest writes past it
SECTOR0 = FS_BYTES // 512
WRITES = 1500

GUEST_SCRIPT = r"""
for i in $(seq 1 100); do [ -b /dev/vda ] && [ -b /dev/vdb ] && break; sleep 0.1; done
ls -l /dev/vd* > /dev/ttyS0 2>&1; echo guest-disks-ready > /dev/ttyS0
n=0
while [ $n -lt %d ]; do
	n=$((n+1))
	for d in /dev/vda /dev/vdb; do
		printf 'hearth-guest-write %%06d\n' $n |
			dd of=$d bs=512 seek=$((%d+n)) conv=sync,notrunc,fsync 2>/dev/null
	done
	sleep 0.2
done
sleep 100000
""" % (WRITES, SECTOR0)


def make_tree(root, seed):
    (root / "etc" / "app").mkdir(parents=True)
    (root / "etc" / "app" / "app.conf").write_text(f"name = {seed}\n" * 50)
    (root / "data.bin").write_bytes(os.urandom(300_000))
    (root / "empty").write_bytes(b"")
    (root / "etc" / "link").symlink_to("app/app.conf")
    (root / "etc" / "app" / "secret").write_text("k\n")
    (root / "etc" / "app" / "secret").chmod(0o600)


def tree(root):
    """{relative path: (kind, mode, contents or link target)}."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "lost+found"]
        for name in dirs + files:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            st = p.lstat()
            if p.is_symlink():
                out[rel] = ("link", 0, os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir", st.st_mode & 0o7777, None)
            else:
                out[rel] = ("file", st.st_mode & 0o7777, p.read_bytes())
    return out


@pytest.fixture(scope="module")
def vm(tmp_path_factory):
    t = tmp_path_factory.mktemp("livevol")
    k = guest.kernel()
    initrd = guest.build_initramfs(t / "initrd.gz", k,
                                   modules=["virtio_blk", "virtio_pci"],
                                   script=GUEST_SCRIPT)
    with libvirt_helpers.PrivateLibvirtd(t / "lv", NS, "brbk0") as lv:
        img = lv.top / "img"
        img.mkdir()
        disks = {}
        for target, fmt in (("vdb", "raw"), ("vdc", "qcow2")):
            src = t / f"src-{target}"
            make_tree(src, target)
            raw = img / f"{target}.raw"
            run("mkfs.ext4", "-q", "-F", "-d", src, raw, str(FS_BYTES // 1024))
            os.truncate(raw, FS_BYTES + (1 << 20))
            path = raw
            if fmt == "qcow2":
                path = img / f"{target}.qcow2"
                run("qemu-img", "convert", "-q", "-O", "qcow2", raw, path)
                raw.unlink()
            disks[target] = {"src": src, "path": path, "format": fmt}
        console = lv.top / "console.log"
        xml = t / "dom.xml"
        disk_xml = "".join(
            f"<disk type='file' device='disk'><driver name='qemu' "
            f"type='{d['format']}'/><source file='{d['path']}'/>"
            f"<target dev='{tg}' bus='virtio'/></disk>"
            for tg, d in disks.items())
        xml.write_text(f"""<domain type='qemu'><name>{DOM}</name>
<memory unit='MiB'>192</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>{k.image}</kernel>
<initrd>{initrd}</initrd><cmdline>console=ttyS0 panic=-1 quiet loglevel=3</cmdline></os>
<on_poweroff>destroy</on_poweroff><on_crash>destroy</on_crash>
<devices>{disk_xml}<serial type='file'><source path='{console}'/><target port='0'/></serial>
<memballoon model='none'/></devices></domain>""")
        run("virsh", "-c", lv.uri, "create", xml)
        try:
            deadline = time.monotonic() + 120
            while "guest-disks-ready" not in (
                    console.read_text(errors="replace")
                    if console.exists() else ""):
                assert time.monotonic() < deadline, console.read_text()
                time.sleep(0.2)
            yield {"lv": lv, "uri": lv.uri, "disks": disks, "dir": t}
        finally:
            run("virsh", "-c", lv.uri, "destroy", DOM, check=False)


def force_clean(root):
    """What a failed test may leave below @root: mounts, loops, daemons."""
    for line in reversed(Path("/proc/self/mountinfo").read_text()
                         .splitlines()):
        mp = line.split()[4].replace("\\040", " ")
        if mp.startswith(str(root)):
            subprocess.run(["umount", "-l", mp], capture_output=True)
    for pid in pids_with("qemu-storage-daemon", str(root)):
        os.kill(pid, signal.SIGKILL)
    for dev in loops_below(root):
        subprocess.run(["losetup", "-d", dev], capture_output=True)


def loops_below(root):
    found = []
    for b in Path("/sys/block").glob("loop*"):
        try:
            f = (b / "loop" / "backing_file").read_text().strip()
        except OSError:
            continue
        if f.startswith(str(root)):
            found.append(f"/dev/{b.name}")
    return found


def init_repo(tmp_path):
    """A repository at tmp_path/repo (a cheap key), its password file and
    the environment that opens it."""
    pw = tmp_path / "pw"
    pw.write_text("secret\n")
    repo = tmp_path / "repo"
    env = dict(os.environ, HEARTH_BACKUP_KDF_N="1024")
    subprocess.run([HEARTH, "backup", "-r", repo, "--password-file", pw,
                    "init"], env=env, check=True, capture_output=True,
                   timeout=60)
    return pw, repo, env


@pytest.fixture
def job(vm, tmp_path, hearthd_factory):
    pw, repo, env = init_repo(tmp_path)
    state = tmp_path / "state"
    cfg = base_config(tmp_path, lab=False, state_dir=state, backup={
        "password_file": str(pw),
        "jobs": [{"name": "live", "repositories": [str(repo)],
                  "sources": [{"libvirt": {"domain": DOM, "disk": tg,
                                           "uri": vm["uri"]}}
                              for tg in ("vdb", "vdc")]}]})
    d = hearthd_factory(json.dumps(cfg, indent=1))
    info = {"d": d, "repo": repo, "pw": pw, "state": state, "tmp": tmp_path,
            "record": state / "backup-libvirt" / "live.state",
            "factory": hearthd_factory}
    try:
        yield info
    finally:
        if d.alive():
            d.stop()
        force_clean(tmp_path)


def hearth(j, *args, check=True, timeout=120):
    return run(HEARTH, "-c", j["d"].config_path, *args, check=check,
               timeout=timeout)


def start_run(j):
    r = j["d"].request("POST", "/api/v1/backup/jobs/live/run", headers=KEY)
    assert r.status_code == 202, r.text


def last_run(j):
    runs = j["d"].get("/api/v1/backup/jobs/live/runs", headers=KEY).json()
    job = j["d"].get("/api/v1/backup/jobs/live", headers=KEY).json()
    return (runs[0] if runs and runs[0]["finished"] is not None
            and not job["running"] else None), len(runs)


def wait_run(j, count, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        done, n = last_run(j)
        if done and n >= count:
            return done
        assert time.monotonic() < deadline, j["d"].stderr()
        time.sleep(0.1)


def domblk(vm):
    out = run("virsh", "-c", vm["uri"], "domblklist", DOM, "--details").stdout
    return {f[2]: f[3] for f in (line.split() for line in out.splitlines())
            if len(f) == 4 and f[1] == "disk"}


def guest_writes_all_there(vm):
    """The guest's numbered sectors in each base image run 1..N without a
    gap: none written into an overlay was lost."""
    for tg, d in vm["disks"].items():
        path = d["path"]
        if d["format"] == "qcow2":
            flat = vm["dir"] / f"{tg}-flat.raw"
            run("qemu-img", "convert", "-U", "-O", "raw", path, flat)
            path = flat
        with open(path, "rb") as f:
            f.seek((SECTOR0 + 1) * 512)
            blob = f.read(WRITES * 512)
        seen = []
        for i in range(WRITES):
            s = blob[i * 512:i * 512 + 26]
            if s.startswith(b"hearth-guest-write "):
                seen.append(int(s[19:25]))
        assert seen and seen == list(range(1, len(seen) + 1)), (tg, seen)


def assert_clean(vm, j):
    assert domblk(vm) == {tg: str(d["path"]) for tg, d in vm["disks"].items()}
    img = vm["lv"].top / "img"
    assert not list(img.glob("*.hearth-backup.qcow2"))
    assert not loops_below(j["tmp"]), loops_below(j["tmp"])
    assert str(j["tmp"]) not in Path("/proc/self/mountinfo").read_text()
    assert not pids_with("qemu-storage-daemon", str(j["tmp"]))
    assert not j["record"].exists(), j["record"].read_text()
    for tg in vm["disks"]:
        out = run("virsh", "-c", vm["uri"], "blockjob", DOM, tg,
                  "--info").stdout
        assert "No current block job" in out, out


def restore_matches(vm, j, name):
    target = j["tmp"] / name
    run(HEARTH, "backup", "-r", j["repo"], "--password-file", j["pw"],
        "restore", "latest", "--target", target)
    for tg, d in vm["disks"].items():
        got = tree(target / "libvirt" / DOM / tg)
        assert got == tree(d["src"]), tg


def step_children(j):
    return [p for p in pids_with(HEARTH, "--libvirt-state", str(j["record"]))
            if b"libvirt-recover" not in Path(f"/proc/{p}/cmdline")
            .read_bytes()]


def kill_mid_backup(j, count):
    """Starts a run and waits until both volumes are mounted (the record's
    last mount line): the backup, the unmounts and the commits are ahead.
    The step child's pids, or [] when the run ended before (then again)."""
    start_run(j)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rec = j["record"].read_text() if j["record"].exists() else ""
        if f"/libvirt/{DOM}/vdc\n" in rec:
            pids = step_children(j)
            if pids:
                return pids
        done, n = last_run(j)
        if done and n >= count:
            return []
        time.sleep(0.01)
    raise AssertionError("the backup never mounted both volumes: " +
                         j["d"].stderr())


def test_live_backup_restores_and_commits_back(vm, job):
    t0 = time.monotonic()
    hearth(job, "backup", "run", "live")
    r = wait_run(job, 1)
    assert r["result"] == "ok", (r, job["d"].stderr())
    log = job["d"].stderr()
    assert "not quiesced" in log or "quiesced by the guest agent" in log, log
    restore_matches(vm, job, "restored")
    assert_clean(vm, job)
    guest_writes_all_there(vm)
    # The snapshot's tree: /libvirt/DOMAIN/DISK as the docs say.
    out = run(HEARTH, "backup", "-r", job["repo"], "--password-file",
              job["pw"], "ls", "latest").stdout
    assert f"/libvirt/{DOM}/vdb/etc/app/app.conf" in out, out
    assert f"/libvirt/{DOM}/vdc/data.bin" in out, out
    print(f"live backup of two volumes: {time.monotonic() - t0:.1f}s")


def test_killed_backup_is_undone(vm, job):
    # kill -9 of the step child: the job runner undoes its record.
    pids = []
    for attempt in range(1, 7):
        pids = kill_mid_backup(job, attempt)
        if pids:
            break
    assert pids, "every run ended before the kill"
    for p in pids:
        os.kill(p, signal.SIGKILL)
    r = wait_run(job, attempt)
    assert r["result"] == "failed", r
    assert "killed by signal 9" in r["message"], r
    job["d"].wait_log("undoing what the failed backup left")
    assert_clean(vm, job)

    # hearthd and its child killed: the next hearthd undoes it at start.
    d = job["d"]
    for attempt in range(attempt + 1, attempt + 7):
        pids = kill_mid_backup(job, attempt)
        if pids:
            break
    assert pids, "every run ended before the kill"
    d.stop(signal.SIGKILL)
    for p in pids:
        os.kill(p, signal.SIGKILL)
    assert job["record"].exists()
    job["factory"].restart(d)
    d.wait_log("a live-volume backup was cut short", timeout=30,
               start=d._stderr_offset)
    deadline = time.monotonic() + 120
    while job["record"].exists():
        assert time.monotonic() < deadline, d.stderr()
        time.sleep(0.1)
    assert_clean(vm, job)
    # ... and the job runs clean again.
    start_run(job)
    n = len(job["d"].get("/api/v1/backup/jobs/live/runs",
                         headers=KEY).json())
    r = wait_run(job, n)
    assert r["result"] == "ok", (r, d.stderr())
    restore_matches(vm, job, "restored-after")
    assert_clean(vm, job)
    guest_writes_all_there(vm)


@pytest.fixture
def direct(vm, tmp_path):
    """The backup step run by hand (no hearthd): a repository and a record."""
    pw, repo, env = init_repo(tmp_path)
    record = tmp_path / "state" / "live.state"
    argv = [HEARTH, "backup", "-r", str(repo), "--password-file", str(pw),
            "backup", "--libvirt-state", str(record)]
    for tg in ("vdb", "vdc"):
        argv += ["--libvirt", f"{DOM}:{tg}:{vm['uri']}"]
    info = {"argv": argv, "record": record, "tmp": tmp_path, "repo": repo,
            "pw": pw}
    try:
        yield info
    finally:
        force_clean(tmp_path)


class Step:
    """The backup step as a child, its stderr lines collected as they come."""

    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True,
                                  cwd="/")
        self.lines = []
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stderr:
            self.lines.append(line)

    def wait_line(self, text, timeout=60):
        deadline = time.monotonic() + timeout
        while not any(text in x for x in self.lines):
            assert self.p.poll() is None or self.t.is_alive(), self.lines
            assert time.monotonic() < deadline, (text, self.lines)
            time.sleep(0.002)

    def finish(self, timeout=120):
        rc = self.p.wait(timeout)
        self.t.join(10)
        return rc, "".join(self.lines)


def recover(j):
    return run(HEARTH, "backup", "libvirt-recover", "--libvirt-state",
               j["record"], check=False, timeout=180)


def assert_direct_clean(vm, j):
    assert_clean(vm, {"tmp": j["tmp"], "record": j["record"]})


def test_lost_connection_keeps_the_record(vm, direct):
    """libvirtd unreachable when the step puts the disks back: the record
    keeps both overlay lines (the domain still on them), and
    libvirt-recover commits them back once libvirtd answers again."""
    sock = vm["lv"].dirs["sock"] / "libvirt-sock"
    away = sock.with_name("libvirt-sock.away")
    step = Step(direct["argv"])
    try:
        step.wait_line(f"{DOM}/vdc: the frozen")
        os.kill(step.p.pid, signal.SIGSTOP)
        sock.rename(away)  # new connections fail; libvirtd and QEMU run on
        os.kill(step.p.pid, signal.SIGCONT)
        rc, err = step.finish()
    finally:
        if away.exists():
            away.rename(sock)
    assert rc == 1, err
    assert "cannot connect" in err and "stays recorded for the next try" in err, err
    assert "the domain is gone" not in err, err
    rec = direct["record"].read_text()
    lines = rec.splitlines()
    assert [x.split("\t")[0] for x in lines] == ["overlay", "overlay"], rec
    overlays = [x.split("\t")[4] for x in lines]
    assert sorted(domblk(vm).values()) == sorted(overlays)
    assert all(os.path.exists(o) for o in overlays)
    # host side all undone already: no mount, loop device, storage daemon
    assert not loops_below(direct["tmp"])
    assert str(direct["tmp"]) not in Path("/proc/self/mountinfo").read_text()
    assert not pids_with("qemu-storage-daemon", str(direct["tmp"]))
    r = recover(direct)
    assert r.returncode == 0, r.stdout + r.stderr
    assert_direct_clean(vm, direct)
    guest_writes_all_there(vm)


def test_killed_while_committing_back(vm, direct):
    """kill -9 of the step while it commits and pivots (the first disk's
    commit done, the second's under way): libvirt-recover finishes or
    redoes the commit, the domain is on its own images and nothing is
    left. Tried at a few delays until one kill lands with a block job
    running (bounded: 12 tries)."""
    hit = False
    for delay in (0.0, 0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.13):
        step = Step(direct["argv"])
        step.wait_line(f"{DOM}/vdc: committed back into")
        time.sleep(delay)
        step.p.kill()
        rc, err = step.finish()
        jobs = {tg: "No current block job" not in run(
            "virsh", "-c", vm["uri"], "blockjob", DOM, tg, "--info").stdout
            for tg in vm["disks"]}
        on = domblk(vm)
        if rc == -signal.SIGKILL and jobs["vdb"] and on["vdb"].endswith(
                ".hearth-backup.qcow2"):
            hit = True
        r = recover(direct)
        assert r.returncode == 0, r.stdout + r.stderr
        assert_direct_clean(vm, direct)
        if hit:
            print(f"killed while committing {delay * 1000:.0f} ms after vdc's commit")
            break
    assert hit, "no kill landed while vdb's commit was under way"
    guest_writes_all_there(vm)
