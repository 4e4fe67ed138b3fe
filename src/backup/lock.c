/* SPDX-License-Identifier: MIT */
/* restic's lock files: {time, exclusive, hostname, username, pid, uid, gid}, staleness by age or a dead local process. */
#include "backup/lock.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Seconds since the epoch of an RFC 3339 time; -1 when unreadable. */
static long long parse_time(const char *t)
{
	struct tm tm = {0};
	const char *end = t ? strptime(t, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!end)
		return -1;
	while (*end == '.' || (*end >= '0' && *end <= '9'))
		end++;
	long off = 0;
	int hh = 0, mm = 0;
	if ((*end == '+' || *end == '-') &&
	    sscanf(end + 1, "%2d:%2d", &hh, &mm) == 2)
		off = (hh * 3600L + mm * 60L) * (*end == '-' ? -1 : 1);
	return (long long)timegm(&tm) - off;
}

static int lock_stale(const json_t *j)
{
	long long t = parse_time(json_string_value(json_object_get(j, "time")));
	long long now = (long long)time(NULL);
	if (t < 0 || now - t > BACKUP_LOCK_STALE_S)
		return 1;
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	const char *h = json_string_value(json_object_get(j, "hostname"));
	json_int_t pid = json_integer_value(json_object_get(j, "pid"));
	/* On this host a dead process's lock is stale at once. */
	if (h && !strcmp(h, host) && pid > 0 && pid < (1ll << 31) &&
	    kill((pid_t)pid, 0) && errno == ESRCH)
		return 1;
	return 0;
}

struct scan {
	struct backup_repo *repo;
	const uint8_t *self; /* our own lock, skipped */
	int exclusive_seen, any_seen, all, removed, failed;
	char holder[160];
};

static int scan_one(const char *name, uint64_t size, void *ud)
{
	struct scan *s = ud;
	(void)size;
	uint8_t id[32];
	json_t *j = NULL;
	if (backup_id_parse(name, id) || (s->self && !memcmp(id, s->self, 32)))
		return 0;
	int rc = backup_repo_load_json(s->repo, BACKUP_FILE_LOCK, id, &j);
	if (rc == -ENOENT)
		return 0; /* removed meanwhile */
	int stale = rc || !json_is_object(j) || lock_stale(j);
	if (s->all >= 0) { /* removing */
		if (stale || s->all) {
			if (s->repo->be->ops->remove(s->repo->be,
						     BACKUP_FILE_LOCK, name))
				s->failed++;
			else
				s->removed++;
		}
	} else if (!stale) {
		int ex = json_is_true(json_object_get(j, "exclusive"));
		s->any_seen++;
		s->exclusive_seen += ex;
		snprintf(s->holder, sizeof(s->holder),
			 "%s lock %.8s held by PID %lld on %s since %s",
			 ex ? "an exclusive" : "a", name,
			 (long long)json_integer_value(json_object_get(j, "pid")),
			 json_string_value(json_object_get(j, "hostname"))
				 ?: "?",
			 json_string_value(json_object_get(j, "time")) ?: "?");
	}
	json_decref(j);
	return 0;
}

static int conflict(struct backup_repo *repo, int exclusive,
		    const uint8_t *self, char *why, size_t cap)
{
	struct scan s = {repo, self, 0, 0, -1, 0, 0, ""};
	int rc = repo->be->ops->list(repo->be, BACKUP_FILE_LOCK, scan_one, &s);
	if (rc)
		return rc;
	if (s.exclusive_seen || (exclusive && s.any_seen)) {
		if (why)
			snprintf(why, cap, "repository is already locked: %s",
				 s.holder);
		return -EBUSY;
	}
	return 0;
}

static int write_lock(struct backup_repo *repo, int exclusive, uint8_t id[32])
{
	char host[256] = "", when[64];
	gethostname(host, sizeof(host) - 1);
	struct passwd *pw = getpwuid(getuid());
	backup_now_rfc3339(when, sizeof(when));
	json_t *j = json_pack("{s:s,s:b,s:s,s:s,s:I,s:I,s:I}", "time", when,
			      "exclusive", exclusive, "hostname", host,
			      "username", pw && pw->pw_name ? pw->pw_name : "",
			      "pid", (json_int_t)getpid(), "uid",
			      (json_int_t)getuid(), "gid",
			      (json_int_t)getgid());
	if (!j)
		return -ENOMEM;
	int rc = backup_repo_save_json(repo, BACKUP_FILE_LOCK, j, id);
	json_decref(j);
	return rc;
}

int backup_repo_lock(struct backup_repo *repo, int exclusive, uint8_t id[32],
		     char *why, size_t why_cap)
{
	int rc = conflict(repo, exclusive, NULL, why, why_cap);
	if (!rc)
		rc = write_lock(repo, exclusive, id);
	if (rc)
		return rc;
	/* Someone may have locked between our look and our write. */
	rc = conflict(repo, exclusive, id, why, why_cap);
	if (rc)
		backup_repo_unlock(repo, id);
	return rc;
}

int backup_repo_lock_refresh(struct backup_repo *repo, int exclusive,
			     uint8_t id[32])
{
	uint8_t fresh[32];
	int rc = write_lock(repo, exclusive, fresh);
	if (rc)
		return rc;
	backup_repo_unlock(repo, id);
	memcpy(id, fresh, 32);
	return 0;
}

int backup_repo_unlock(struct backup_repo *repo, const uint8_t id[32])
{
	char hex[BACKUP_ID_HEX];
	backup_id_hex(id, hex);
	int rc = repo->be->ops->remove(repo->be, BACKUP_FILE_LOCK, hex);
	return rc == -ENOENT ? 0 : rc;
}

int backup_repo_remove_locks(struct backup_repo *repo, int all,
			     size_t *removed)
{
	struct scan s = {repo, NULL, 0, 0, all ? 1 : 0, 0, 0, ""};
	int rc = repo->be->ops->list(repo->be, BACKUP_FILE_LOCK, scan_one, &s);
	if (removed)
		*removed = (size_t)s.removed;
	return rc ? rc : (s.failed ? -EIO : 0);
}
