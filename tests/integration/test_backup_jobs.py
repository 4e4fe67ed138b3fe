# SPDX-License-Identifier: MIT
"""backup.jobs in hearthd (borgmatic's jobs): steps run as the hearth CLI in
order with hooks around them, runs recorded in the store and shown by the API
and `hearth backup jobs`, failures alerted through notify.routes, skipped and
timed-out steps, schedules that survive a restart, and a hearthd stopped or
killed mid-run leaving an interrupted run and a repository restic checks."""
import json
import os
import signal
import subprocess
import time

from helpers import API_KEY, HEARTH, base_config, free_port
from notify_helpers import poll

KEY = {"X-API-Key": API_KEY}


def restic(args):
    p = subprocess.run(["restic", "--no-cache", *args], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return p


def init_repo(tmp_path, name="repo"):
    pw = tmp_path / "pw"
    pw.write_text("secret\n")
    repo = tmp_path / name
    env = dict(os.environ, HEARTH_BACKUP_KDF_N="1024")
    p = subprocess.run([HEARTH, "backup", "-r", str(repo), "--password-file",
                        str(pw), "init"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return repo, pw


def source(tmp_path):
    src = tmp_path / "src"
    (src / "d").mkdir(parents=True)
    (src / "a.txt").write_text("alpha\n" * 100)
    (src / "d" / "b.bin").write_bytes(os.urandom(200000))
    (src / "skip.tmp").write_text("not this\n")
    return src


def config(tmp_path, jobs, notify_port=None, **backup):
    b = {"password_file": str(tmp_path / "pw"), "jobs": jobs}
    b.update(backup)
    cfg = base_config(tmp_path, lab=False, backup=b)
    if notify_port:
        cfg["notify"] = {"listen": f"127.0.0.1:{notify_port}",
                         "routes": [{"event": e, "to": ["ntfy:backups"]}
                                    for e in ("backup.failed",
                                              "backup.finished",
                                              "backup.started")]}
    return json.dumps(cfg, indent=1)


def run_job(d, name, timeout=60):
    """POSTs a run and waits until that run has ended (a run finished
    before is not it, though the job may not be running yet at the first
    look)."""
    runs = d.get(f"/api/v1/backup/jobs/{name}/runs", headers=KEY).json()
    before = len([x for x in runs if x["finished"] is not None])
    r = d.request("POST", f"/api/v1/backup/jobs/{name}/run", headers=KEY)
    assert r.status_code == 202, r.text
    return wait_run(d, name, timeout, count=before + 1)


def wait_run(d, name, timeout=60, count=1):
    deadline = time.monotonic() + timeout
    while True:
        runs = d.get(f"/api/v1/backup/jobs/{name}/runs", headers=KEY).json()
        done = [x for x in runs if x["finished"] is not None]
        if len(done) >= count and not d.get(
                f"/api/v1/backup/jobs/{name}", headers=KEY).json()["running"]:
            return done[0]
        assert time.monotonic() < deadline, (runs, d.stderr())
        time.sleep(0.1)


def snapshots(repo, pw):
    p = restic(["-r", str(repo), "--password-file", str(pw), "snapshots",
                "--json"])
    return json.loads(p.stdout)


def test_job_runs_hooks_backup_and_check_in_order(hearthd_factory, tmp_path,
                                                  cli):
    repo, pw = init_repo(tmp_path)
    repo2, _ = init_repo(tmp_path, "repo2")
    src = source(tmp_path)
    log = tmp_path / "hooks.log"
    d = hearthd_factory(config(tmp_path, [{
        "name": "docs", "repositories": [str(repo), str(repo2)],
        "sources": [str(src)], "exclude": ["*.tmp"], "tags": ["daily"],
        "checks": [{"name": "repository"}],
        "hooks": {"before": [f"echo before $HEARTH_JOB >> {log}"],
                  "after": [f"echo after $HEARTH_STATUS >> {log}"]}}]))
    run = run_job(d, "docs")
    assert run["result"] == "ok", run
    assert run["trigger"] == "api" and run["step"] == ""
    assert len(run["snapshots"]) == 2, run
    assert log.read_text() == "before docs\nafter ok\n"
    assert run["files"] == 2 and run["bytes_added"] > 200000, run
    job = d.get("/api/v1/backup/jobs/docs", headers=KEY).json()
    assert set(job["repository_sizes"]) == {str(repo), str(repo2)}, job
    for r in (repo, repo2):
        (snap,) = snapshots(r, pw)
        assert sorted(snap["tags"]) == ["daily", "hearth-job:docs"], snap
        assert snap["paths"] == [str(src)]
        assert snap["id"] in run["snapshots"]
        # restic agrees the repository is whole, and the exclude held.
        restic(["-r", str(r), "--password-file", str(pw), "check"])
        ls = restic(["-r", str(r), "--password-file", str(pw), "ls",
                     "latest"]).stdout
        assert "a.txt" in ls and "skip.tmp" not in ls
    # The log names the steps; the CLI shows the job and its history.
    d.wait_log("job=docs done")
    r = cli("--url", d.url, "--api-key", API_KEY, "backup", "jobs")
    assert r.returncode == 0, r.stderr
    assert "docs" in r.stdout and "ok" in r.stdout and "on request" in r.stdout
    r = cli("--url", d.url, "--api-key", API_KEY, "backup", "run", "nope")
    assert r.returncode != 0 and "no job named 'nope'" in r.stderr, r
    r = cli("--url", d.url, "--api-key", API_KEY, "backup", "jobs",
            "history", "docs")
    assert r.returncode == 0, r.stderr
    assert run["snapshots"][0][:8] in r.stdout, r.stdout
    m = d.get("/metrics").text
    assert 'hearth_backup_job_runs_total{job="docs",result="ok"} 1' in m
    assert f'hearth_backup_repository_size_bytes{{job="docs",repository="{repo}"}}' in m
    assert 'hearth_backup_job_last_duration_seconds{job="docs"}' in m


def test_failure_runs_on_error_and_alerts(hearthd_factory, tmp_path):
    init_repo(tmp_path)
    src = source(tmp_path)
    log = tmp_path / "err.log"
    nport = free_port()
    d = hearthd_factory(config(tmp_path, [{
        "name": "broken", "repositories": [str(tmp_path / "missing")],
        "sources": [str(src)],
        "hooks": {"after": [f"echo after >> {log}"],
                  "on_error": [f'echo "$HEARTH_STEP|$HEARTH_ERROR" >> {log}',
                               "exit 3", f"echo second >> {log}"]}}],
        notify_port=nport))
    run = run_job(d, "broken")
    assert run["result"] == "failed" and run["step"] == "backup", run
    assert str(tmp_path / "missing") in run["message"], run
    lines = log.read_text().splitlines()
    # on_error hooks all run (a failing one does not stop the next); the
    # after hooks do not.
    assert lines[0].startswith("backup|" + str(tmp_path / "missing")), lines
    assert lines[1:] == ["second"], lines
    # Only failures alert by default: one message on the routed topic.
    deadline = time.monotonic() + 10
    msgs = []
    while not msgs and time.monotonic() < deadline:
        msgs = poll(nport, "backups")
        time.sleep(0.1)
    assert len(msgs) == 1, msgs
    assert msgs[0]["title"] == "backup broken failed"
    assert "backup: " in msgs[0]["message"] and "missing" in msgs[0]["message"]
    assert msgs[0]["priority"] == 4
    m = d.get("/metrics").text
    assert 'hearth_backup_job_runs_total{job="broken",result="failed"} 1' in m


def test_notify_states_start_and_finish(hearthd_factory, tmp_path):
    repo, _ = init_repo(tmp_path)
    src = source(tmp_path)
    nport = free_port()
    d = hearthd_factory(config(tmp_path, [{
        "name": "loud", "repositories": [str(repo)], "sources": [str(src)],
        "notify": ["start", "finish"]}], notify_port=nport))
    run = run_job(d, "loud")
    assert run["result"] == "ok"
    deadline = time.monotonic() + 10
    msgs = []
    while len(msgs) < 2 and time.monotonic() < deadline:
        msgs = poll(nport, "backups")
        time.sleep(0.1)
    assert [m["title"] for m in msgs] == ["backup loud started",
                                         "backup loud finished"], msgs
    assert run["snapshots"][0] in msgs[1]["message"]
    assert "3 files" in msgs[1]["message"] and "KiB added" in \
        msgs[1]["message"], msgs[1]


def test_before_hook_skip_and_failure(hearthd_factory, tmp_path):
    repo, pw = init_repo(tmp_path)
    src = source(tmp_path)
    d = hearthd_factory(config(tmp_path, [
        {"name": "skips", "repositories": [str(repo)], "sources": [str(src)],
         "hooks": {"before": ["exit 75"]}},
        {"name": "fails", "repositories": [str(repo)], "sources": [str(src)],
         "hooks": {"before": ["echo no mount here >&2; exit 1"]}}]))
    run = run_job(d, "skips")
    assert run["result"] == "skipped", run
    run = run_job(d, "fails")
    assert run["result"] == "failed" and run["step"] == "before hook 1", run
    assert "exit status 1" in run["message"]
    assert "no mount here" in run["message"]
    assert snapshots(repo, pw) == []  # neither job backed anything up


def test_step_timeout_and_busy(hearthd_factory, tmp_path):
    repo, _ = init_repo(tmp_path)
    src = source(tmp_path)
    d = hearthd_factory(config(tmp_path, [{
        "name": "slow", "repositories": [str(repo)], "sources": [str(src)],
        "timeout": 2, "hooks": {"before": ["sleep 30"]}}]))
    r = d.request("POST", "/api/v1/backup/jobs/slow/run", headers=KEY)
    assert r.status_code == 202
    r = d.request("POST", "/api/v1/backup/jobs/slow/run", headers=KEY)
    assert r.status_code == 409 and "already" in r.json()["error"]
    r = d.request("POST", "/api/v1/backup/jobs/nope/run", headers=KEY)
    assert r.status_code == 404
    r = d.request("POST", "/api/v1/backup/jobs/slow/run")
    assert r.status_code == 401
    t0 = time.monotonic()
    run = wait_run(d, "slow", timeout=30)
    assert time.monotonic() - t0 < 15
    assert run["result"] == "failed" and "timed out" in run["message"], run


def test_interval_schedule_survives_restart(hearthd_factory, tmp_path):
    repo, pw = init_repo(tmp_path)
    src = source(tmp_path)
    d = hearthd_factory(config(tmp_path, [{
        "name": "hourly", "repositories": [str(repo)], "sources": [str(src)],
        "schedule": "1h"}]))
    # Never run: due at once.
    run = wait_run(d, "hourly")
    assert run["result"] == "ok" and run["trigger"] == "schedule", run
    job = d.get("/api/v1/backup/jobs/hourly", headers=KEY).json()
    assert job["next_run"] == run["started"] + 3600, job
    # A restart does not run it again before its hour is up.
    d.stop()
    d2 = hearthd_factory(d.config)
    time.sleep(1.5)
    runs = d2.get("/api/v1/backup/jobs/hourly/runs", headers=KEY).json()
    assert len(runs) == 1, runs
    assert len(snapshots(repo, pw)) == 1


def test_sigterm_and_kill_mid_run(hearthd_factory, tmp_path):
    repo, pw = init_repo(tmp_path)
    src = source(tmp_path)
    marker = tmp_path / "hook.pid"
    cfg = config(tmp_path, [{
        "name": "long", "repositories": [str(repo)], "sources": [str(src)],
        "hooks": {"before": [f"echo $$ > {marker}; sleep 60"]}}])
    d = hearthd_factory(cfg)
    r = d.request("POST", "/api/v1/backup/jobs/long/run", headers=KEY)
    assert r.status_code == 202
    deadline = time.monotonic() + 10
    while not (marker.exists() and marker.read_text().strip()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    hook = int(marker.read_text())
    # SIGTERM: the hook is ended with hearthd, the run is interrupted.
    t0 = time.monotonic()
    assert d.stop() == 0
    assert time.monotonic() - t0 < 8
    time.sleep(0.2)
    assert not os.path.exists(f"/proc/{hook}") or \
        open(f"/proc/{hook}/stat").read().split()[2] == "Z"
    d = hearthd_factory(cfg)
    (run,) = d.get("/api/v1/backup/jobs/long/runs", headers=KEY).json()
    assert run["result"] == "interrupted", run

    # kill -9 of hearthd mid-run: the next start records it interrupted,
    # and the repository is as whole as before.
    marker.unlink()
    r = d.request("POST", "/api/v1/backup/jobs/long/run", headers=KEY)
    assert r.status_code == 202
    deadline = time.monotonic() + 10
    while not (marker.exists() and marker.read_text().strip()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    hook = int(marker.read_text())
    d.stop(sig=signal.SIGKILL)
    try:
        os.killpg(hook, signal.SIGKILL)  # the orphaned hook, by its group
    except ProcessLookupError:
        pass
    d = hearthd_factory(cfg)
    runs = d.get("/api/v1/backup/jobs/long/runs", headers=KEY).json()
    assert [x["result"] for x in runs] == ["interrupted", "interrupted"]
    d.wait_log("cut short")
    restic(["-r", str(repo), "--password-file", str(pw), "check"])


def test_bad_job_config_is_refused_at_its_line(run_hearthd, tmp_path):
    base = f"""
state_dir: {tmp_path}/state
backup:
  repository: {tmp_path}/repo
  jobs:
"""
    # line 6 is the job's "- name", line 7 its second key, line 8 its third
    cases = [
        ("    - name: a\n      sources: [/etc]\n      schedule: \"61 * * * *\"\n",
         8, "minute"),
        ("    - name: a\n      sources: [/etc]\n      schedule: 10s\n",
         8, "interval"),
        ("    - name: a\n      sources: [/etc]\n    - name: a\n      sources: [/x]\n",
         8, "named twice"),
        ("    - name: a\n", 6, "no sources"),
        # the source itself (sources take paths and {libvirt: ...} items)
        ("    - name: a\n      sources: [-x]\n", 7, "starting with '-'"),
        ("    - name: a\n      sources: [/etc]\n      notify: [always]\n",
         8, "notify state"),
        ("    - name: a\n      sources: [/etc]\n      keep: {}\n", 6,
         "forget every snapshot"),
    ]
    for body, line, words in cases:
        p = tmp_path / "c.yaml"
        p.write_text(base + body)
        r = run_hearthd("-c", str(p), "--check")
        assert r.returncode != 0, (body, r)
        assert f"{p}:{line}:" in r.stderr and words in r.stderr, (body, r.stderr)


def test_keep_forgets_and_prunes_only_the_jobs_snapshots(hearthd_factory,
                                                         tmp_path):
    repo, pw = init_repo(tmp_path)
    src = source(tmp_path)
    # A snapshot the job does not own (no hearth-job tag) stays.
    restic(["-r", str(repo), "--password-file", str(pw), "backup",
            "--tag", "manual", str(src)])
    d = hearthd_factory(config(tmp_path, [{
        "name": "rot", "repositories": [str(repo)], "sources": [str(src)],
        "keep": {"last": 2}}]))
    made, times = [], {}
    for i in range(3):
        (src / f"new{i}.txt").write_text(f"round {i}\n")
        run = run_job(d, "rot")
        assert run["result"] == "ok", run
        made += run["snapshots"]
        for sid in run["snapshots"]:
            p = restic(["-r", str(repo), "--password-file", str(pw), "cat",
                        "snapshot", sid])
            times[sid] = json.loads(p.stdout)["time"]
    snaps = snapshots(repo, pw)
    ours = sorted(s["id"] for s in snaps if "hearth-job:rot" in s["tags"])
    # restic's --keep-last: the two newest by their recorded time (the
    # order of the runs, unless the machine's clock stepped back between).
    def instant(t):  # "2026-12-02T06:15:10.8216088Z": (seconds, ns)
        base, _, frac = t.rstrip("Z").partition(".")
        return base, int((frac + "000000000")[:9])
    newest = sorted(made, key=lambda sid: instant(times[sid]))[1:]
    assert ours == sorted(newest), (ours, made, times)
    assert [s["tags"] for s in snaps if "manual" in (s["tags"] or [])] == \
        [["manual"]]
    # forget ran with --prune: restic finds nothing unreferenced or missing.
    p = restic(["-r", str(repo), "--password-file", str(pw), "check",
                "--read-data"])
    assert "no errors were found" in p.stdout


def test_checks_run_when_due(hearthd_factory, tmp_path):
    """A check with a frequency runs on the first run and then not again
    until it is due; one without runs every time; the data check reads
    restic's subset."""
    repo, _ = init_repo(tmp_path)
    src = source(tmp_path)
    cfg = json.loads(config(tmp_path, [{
        "name": "chk", "repositories": [str(repo)], "sources": [str(src)],
        "checks": [{"name": "data", "subset": "1/2", "frequency": 86400},
                   {"name": "repository"}]}]))
    cfg["log"] = {"level": "debug"}
    d = hearthd_factory(json.dumps(cfg, indent=1))
    for _ in range(2):
        assert run_job(d, "chk")["result"] == "ok"
    log = d.stderr()
    assert log.count("job=chk step: check --read-data-subset 1/2") == 1, log
    assert log.count("job=chk step: check (repository") == 2, log
    assert log.count("job=chk step: stats --mode raw-data --json") == 2


def test_repository_failures_say_their_exit_code(hearthd_factory, tmp_path):
    """A run's message names restic's exit code and what it means: 12 for
    a wrong password, 10 for no repository (docs/backup.md, Exit codes)."""
    repo, _ = init_repo(tmp_path)
    src = source(tmp_path)
    wrong = tmp_path / "wrong"
    wrong.write_text("not the password\n")
    d = hearthd_factory(config(tmp_path, [
        {"name": "badpw", "repositories": [str(repo)], "sources": [str(src)]},
        {"name": "norepo", "repositories": [str(tmp_path / "none")],
         "sources": [str(src)]}], password_file=str(wrong)))
    run = run_job(d, "badpw")
    assert run["result"] == "failed" and run["step"] == "backup", run
    assert "exit status 12: wrong password" in run["message"], run
    assert "wrong password or no key found" in run["message"], run
    run = run_job(d, "norepo")
    assert run["result"] == "failed" and run["step"] == "backup", run
    assert "exit status 10: repository does not exist" in run["message"], run
