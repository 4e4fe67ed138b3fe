/* SPDX-License-Identifier: MIT */
/* The Apprise API's stored keys: read on the loop, written on the room's write strand and answered after the commit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/sql.h"
#include "notify/apprise.h"

int ap_key_get(struct notify_apprise *ap, const char *key, char **text,
	       char format[8])
{
	struct sql_rows r;
	*text = NULL;
	sql_query(ap->room->store, &r,
		  "SELECT format, config FROM notify_apprise_keys WHERE key = ?", "t", key);
	while (sql_next(&r)) {
		snprintf(format, 8, "%s", sql_col_text(&r, 0));
		free(*text);
		*text = strdup(sql_col_text(&r, 1));
		if (!*text)
			sql_stop(&r, -ENOMEM);
	}
	int rc = sql_end(&r);
	if (rc) {
		free(*text);
		*text = NULL;
		return rc;
	}
	return *text ? 0 : -ENOENT;
}

struct put_job {
	struct store *wstore;
	char *key, *format, *text;
	int64_t now;
	int rc;
	void (*done)(void *ud, int rc);
	void *ud;
	struct notify_apprise *ap;
};

static void put_work(void *ud)
{
	struct put_job *j = ud;
	struct sql_txn t;
	int changes = 0;
	sql_begin(j->wstore, &t);
	if (j->text)
		sql_run(&t, &changes,
			"INSERT INTO notify_apprise_keys(key, format, config, updated) "
			"VALUES(?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
			"format = excluded.format, config = excluded.config, "
			"updated = excluded.updated",
			"ttti", j->key, j->format, j->text, j->now);
	else
		sql_run(&t, &changes, "DELETE FROM notify_apprise_keys WHERE key = ?",
			"t", j->key);
	j->rc = sql_commit(&t);
	if (!j->rc && !j->text && changes == 0)
		j->rc = -ENOENT;
}

static void put_done(void *ud, int status)
{
	struct put_job *j = ud;
	struct notify_apprise *ap = j->ap;
	j->done(j->ud, status ? status : j->rc);
	free(j->key);
	free(j->format);
	free(j->text);
	free(j);
	ap->pending--;
	ap_close_check(ap);
}

int ap_key_put(struct notify_apprise *ap, const char *key, const char *format,
	       const char *text, void (*done)(void *ud, int rc), void *ud)
{
	struct put_job *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->ap = ap;
	j->wstore = ap->room->wstore;
	j->key = strdup(key);
	j->format = format ? strdup(format) : NULL;
	j->text = text ? strdup(text) : NULL;
	j->now = clock_wall_s(ap->room->clock);
	j->done = done;
	j->ud = ud;
	if (!j->key || (format && !j->format) || (text && !j->text)) {
		free(j->key);
		free(j->format);
		free(j->text);
		free(j);
		return -ENOMEM;
	}
	int rc = workq_strand_submit(ap->room->strand, put_work, put_done, j);
	if (rc) {
		free(j->key);
		free(j->format);
		free(j->text);
		free(j);
		return rc;
	}
	ap->pending++;
	return 0;
}
