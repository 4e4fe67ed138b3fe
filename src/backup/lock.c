/* SPDX-License-Identifier: MIT */
/* restic-compatible repository locks (see lock.h). */
#include "backup/lock.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/buf.h"
#include "proto/backup/gojson.h"

#define STALE_SECONDS (30 * 60)
#define REFRESH_SECONDS (5 * 60)

bool backup_lock_is_stale(const char *t, const char *hostname, long pid, time_t now)
{
	struct bk_time bt;
	char host[256] = "";

	if (!t || bk_time_parse(t, strlen(t), &bt) || now - bt.sec > STALE_SECONDS)
		return true;
	if (gethostname(host, sizeof host - 1) != 0 || !hostname || strcmp(host, hostname))
		return false;
	return pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH);
}

struct scan {
	struct backup_repo *repo;
	bool exclusive;
	const uint8_t *self;
	char *why;
	size_t why_cap;
	bool conflict;
};

static int scan_one(const char *name, uint64_t size, void *ud)
{
	struct scan *s = ud;
	uint8_t id[32];
	json_t *j = NULL;

	(void)size;
	if (backup_id_parse(name, id) || (s->self && !memcmp(id, s->self, 32)) ||
	    backup_repo_load_json(s->repo, BACKUP_FILE_LOCK, id, &j))
		return 0; /* unreadable locks are restic's problem to report, not a conflict */
	bool excl = json_is_true(json_object_get(j, "exclusive"));
	const char *t = json_string_value(json_object_get(j, "time"));
	const char *host = json_string_value(json_object_get(j, "hostname"));
	long pid = (long)json_integer_value(json_object_get(j, "pid"));
	if ((s->exclusive || excl) && !backup_lock_is_stale(t, host, pid, time(NULL))) {
		snprintf(s->why, s->why_cap, "repository is already locked%s by PID %ld on %s (lock %.8s)",
			 excl ? " exclusively" : "", pid, host ? host : "?", name);
		s->conflict = true;
	}
	json_decref(j);
	return s->conflict ? 1 : 0;
}

static int write_lock(struct backup_lock *l)
{
	struct timespec now;
	struct bk_time bt;
	struct buf tb;
	struct tm tm;
	char host[256] = "";
	struct passwd pw, *res = NULL;
	char pwbuf[1024];
	json_t *j;
	int rc;

	clock_gettime(CLOCK_REALTIME, &now);
	bt.sec = now.tv_sec;
	bt.nsec = (int32_t)now.tv_nsec;
	bt.off = localtime_r(&now.tv_sec, &tm) ? (int32_t)tm.tm_gmtoff : 0;
	buf_init(&tb, 0);
	bk_json_time(&tb, &bt);
	gethostname(host, sizeof host - 1);
	getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &res);
	/* the time's text without its quotes */
	tb.data[tb.len - 1] = 0;
	j = json_pack("{s:s,s:b,s:s,s:s,s:i}", "time", tb.data + 1, "exclusive", l->exclusive,
		      "hostname", host, "username", res ? pw.pw_name : "", "pid", (int)getpid());
	buf_deinit(&tb);
	if (!j)
		return -ENOMEM;
	if (getuid())
		json_object_set_new(j, "uid", json_integer(getuid()));
	if (getgid())
		json_object_set_new(j, "gid", json_integer(getgid()));
	rc = backup_repo_save_json(l->repo, BACKUP_FILE_LOCK, j, l->id);
	json_decref(j);
	if (!rc) {
		l->held = true;
		l->written = now.tv_sec;
	}
	return rc;
}

int backup_lock_take(struct backup_repo *repo, bool exclusive, struct backup_lock *l,
		     char *why, size_t why_cap)
{
	struct scan s = {.repo = repo, .exclusive = exclusive, .why = why, .why_cap = why_cap};
	int rc;

	memset(l, 0, sizeof *l);
	l->repo = repo;
	l->exclusive = exclusive;
	repo->be->ops->list(repo->be, BACKUP_FILE_LOCK, scan_one, &s);
	if (s.conflict)
		return -EBUSY;
	rc = write_lock(l);
	if (rc)
		return rc;
	/* restic checks again after writing, for a lock taken meanwhile */
	s.self = l->id;
	repo->be->ops->list(repo->be, BACKUP_FILE_LOCK, scan_one, &s);
	if (s.conflict) {
		backup_lock_release(l);
		return -EBUSY;
	}
	return 0;
}

int backup_lock_refresh(struct backup_lock *l)
{
	uint8_t old[32];
	int rc;

	if (!l->held || time(NULL) - l->written < REFRESH_SECONDS)
		return 0;
	memcpy(old, l->id, 32);
	rc = write_lock(l);
	if (!rc) {
		char hex[BACKUP_ID_HEX];
		backup_id_hex(old, hex);
		l->repo->be->ops->remove(l->repo->be, BACKUP_FILE_LOCK, hex);
	}
	return rc;
}

void backup_lock_release(struct backup_lock *l)
{
	char hex[BACKUP_ID_HEX];

	if (!l || !l->held)
		return;
	backup_id_hex(l->id, hex);
	l->repo->be->ops->remove(l->repo->be, BACKUP_FILE_LOCK, hex);
	l->held = false;
}
