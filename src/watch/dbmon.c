/* SPDX-License-Identifier: MIT */
/* postgres and mysql monitors: libpq and libmariadb run on the work queue, the verdict's timeout on the loop. */
#include <errno.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/err.h"
#include "core/workq.h"
#include "watch/internal.h"

/*
 * A check is one job on the work queue: connect, run the query (Kuma's
 * default SELECT 1), disconnect, with the libraries' own timeouts set
 * from the monitor's. The loop keeps a timer of its own: at the
 * monitor's timeout the beat is DOWN at once and the job, still blocked
 * in the library, is only waited for (its result dropped). The job
 * works on copies of the settings, so a reload that swaps the config
 * snapshot meanwhile changes nothing under it.
 *
 * At most WATCH_DB_JOBS jobs run at once; the others wait their turn on
 * the loop (their timeout running): the pool is shared with the history
 * writer and getaddrinfo, which a dead database server must not starve.
 */
#define WATCH_DB_JOBS 2

struct watch_db_probe {
	struct watch_mon *m; /* NULL once delivered (or dropped) */
	struct watch_room *room;
	struct watch_db_probe *next; /* in room->db_waiting */
	bool waiting;
	uv_timer_t timer;
	int refs;	     /* the timer handle and the job */
	enum watch_type type;
	int64_t timeout_ms;
	/* copies for the job */
	char *conninfo, *query, *host, *user, *password, *dbname;
	unsigned port;
	/* the job's verdict */
	bool up;
	double ms;
	char msg[WATCH_MSG_MAX];
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void probe_unref(struct watch_db_probe *p)
{
	if (--p->refs)
		return;
	free(p->conninfo);
	free(p->query);
	free(p->host);
	free(p->user);
	free(p->password);
	free(p->dbname);
	free(p);
}

static void on_timer_closed(uv_handle_t *h)
{
	probe_unref(h->data);
}

/* Hands the verdict (when @deliver) to the monitor, once. */
static void finish(struct watch_db_probe *p, bool deliver, bool up,
		   const char *msg, double ms)
{
	struct watch_mon *m = p->m;
	if (!m)
		return;
	p->m = NULL;
	m->db_probe = NULL;
	if (p->waiting) { /* never ran: out of the line */
		struct watch_room *r = p->room;
		struct watch_db_probe **pp = &r->db_waiting, *prev = NULL;
		while (*pp != p) {
			prev = *pp;
			pp = &(*pp)->next;
		}
		*pp = p->next;
		if (r->db_waiting_tail == p)
			r->db_waiting_tail = prev;
		p->waiting = false;
	}
	uv_close((uv_handle_t *)&p->timer, on_timer_closed);
	if (deliver)
		watch_mon_result(m, up, msg, up ? ms : -1);
	else
		watch_mon_result(m, false, NULL, -1); /* only releases */
}

static const char *query_text(const struct watch_db_probe *p)
{
	const char *q = p->query;
	return q && q[strspn(q, " \t\r\n")] ? q : "SELECT 1";
}

/* The first line of @text, past libpq's "connection to server ...
 * failed: FATAL:  " prefix (node-postgres shows the server's words). */
static void pg_words(const char *text, char *out, size_t n)
{
	const char *fatal = strstr(text, "FATAL:  ");
	if (fatal)
		text = fatal + 8;
	snprintf(out, n, "%.*s", (int)strcspn(text, "\r\n"), text);
}

/* ---- on a pool thread ---- */

static void run_postgres(struct watch_db_probe *p)
{
	char timeout[24], options[48];
	/* libpq counts whole seconds, at least 2. */
	snprintf(timeout, sizeof(timeout), "%lld",
		 (long long)(p->timeout_ms + 999) / 1000);
	/* The query may take what the timeout allows, unless the string sets
	 * server options itself. */
	snprintf(options, sizeof(options), "-c statement_timeout=%lld",
		 (long long)p->timeout_ms);
	bool has_options = false;
	PQconninfoOption *o = PQconninfoParse(p->conninfo, NULL);
	for (PQconninfoOption *i = o; i && i->keyword; i++)
		if (!strcmp(i->keyword, "options") && i->val && *i->val)
			has_options = true;
	PQconninfoFree(o);
	const char *keys[] = {"dbname", "connect_timeout", "options", NULL};
	const char *vals[] = {p->conninfo, timeout, options, NULL};
	if (has_options)
		keys[2] = NULL;
	uint64_t t0 = uv_hrtime();
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (!c) {
		snprintf(p->msg, sizeof(p->msg), "out of memory");
		return;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		pg_words(PQerrorMessage(c), p->msg, sizeof(p->msg));
		PQfinish(c);
		return;
	}
	PGresult *res = PQexec(c, query_text(p));
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		p->up = true;
		p->msg[0] = '\0'; /* Kuma's: an empty message */
	} else {
		const char *e = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		pg_words(e ? e : PQerrorMessage(c), p->msg, sizeof(p->msg));
	}
	p->ms = (double)(uv_hrtime() - t0) / 1e6;
	PQclear(res);
	PQfinish(c);
}

static void run_mysql(struct watch_db_probe *p)
{
	MYSQL *c = mysql_init(NULL);
	if (!c) {
		snprintf(p->msg, sizeof(p->msg), "out of memory");
		return;
	}
	unsigned secs = (unsigned)((p->timeout_ms + 999) / 1000);
	unsigned proto = MYSQL_PROTOCOL_TCP; /* "localhost" too, as Kuma */
	mysql_optionsv(c, MYSQL_OPT_CONNECT_TIMEOUT, &secs);
	mysql_optionsv(c, MYSQL_OPT_READ_TIMEOUT, &secs);
	mysql_optionsv(c, MYSQL_OPT_WRITE_TIMEOUT, &secs);
	mysql_optionsv(c, MYSQL_OPT_PROTOCOL, &proto);
	uint64_t t0 = uv_hrtime();
	if (!mysql_real_connect(c, p->host, p->user, p->password, p->dbname,
				p->port, NULL, 0) ||
	    mysql_query(c, query_text(p))) {
		snprintf(p->msg, sizeof(p->msg),
			 "Database connection/query failed: %s", mysql_error(c));
		mysql_close(c);
		return;
	}
	MYSQL_RES *res = mysql_store_result(c);
	if (res)
		snprintf(p->msg, sizeof(p->msg), "Rows: %llu",
			 (unsigned long long)mysql_num_rows(res));
	else if (mysql_field_count(c) == 0)
		snprintf(p->msg, sizeof(p->msg), "No Error, but the result is "
						 "not an array. Type: object");
	if (res || mysql_field_count(c) == 0) {
		p->up = true;
		p->ms = (double)(uv_hrtime() - t0) / 1e6;
	} else {
		snprintf(p->msg, sizeof(p->msg),
			 "Database connection/query failed: %s", mysql_error(c));
	}
	mysql_free_result(res);
	mysql_close(c);
}

static void db_work(void *ud)
{
	struct watch_db_probe *p = ud;
	if (p->type == WATCH_POSTGRES)
		run_postgres(p);
	else
		run_mysql(p);
}

/* ---- on the loop ---- */

static void db_done(void *ud, int status);

/* Runs @p's job now; 0 or the queue's refusal. */
static int submit(struct watch_db_probe *p)
{
	struct watch_room *r = p->room;
	int rc = r->workq ? workq_submit(r->workq, db_work, db_done, p)
			  : -ENOSYS;
	if (!rc) {
		r->db_running++;
		p->refs++; /* the job */
	}
	return rc;
}

/* The next waiting checks, while there is room. */
static void next_turn(struct watch_room *r)
{
	while (r->db_running < WATCH_DB_JOBS && r->db_waiting) {
		struct watch_db_probe *p = r->db_waiting;
		r->db_waiting = p->next;
		if (!r->db_waiting)
			r->db_waiting_tail = NULL;
		p->waiting = false;
		int rc = submit(p);
		if (rc) {
			char msg[WATCH_MSG_MAX];
			snprintf(msg, sizeof(msg), "cannot start the check: %s",
				 hearth_strerror(rc));
			finish(p, true, false, msg, -1);
		}
	}
}

static void db_done(void *ud, int status)
{
	struct watch_db_probe *p = ud;
	struct watch_room *r = p->room;
	if (status == -ECANCELED)
		finish(p, false, false, NULL, -1);
	else
		finish(p, true, p->up, p->msg, p->ms);
	probe_unref(p);
	r->db_running--;
	if (r->closing)
		watch_room_maybe_free(r);
	else
		next_turn(r);
}

static void on_timeout(uv_timer_t *t)
{
	struct watch_db_probe *p = t->data;
	char msg[WATCH_MSG_MAX];
	snprintf(msg, sizeof(msg), "timeout of %lldms exceeded",
		 (long long)p->timeout_ms);
	finish(p, true, false, msg, -1);
}

void watch_db_start(struct watch_mon *m)
{
	static bool mysql_ready;
	struct watch_room *r = m->room;
	const struct cfg_watch_monitor *c = m->cfg;
	if (c->type == WATCH_MYSQL && !mysql_ready) {
		/* Not thread-safe: once, on the loop, before any job. */
		if (mysql_library_init(0, NULL, NULL)) {
			watch_mon_result(m, false, "mysql: cannot initialise "
						   "libmariadb", -1);
			return;
		}
		mysql_ready = true;
	}
	struct watch_db_probe *p = calloc(1, sizeof(*p));
	if (!p || uv_timer_init(r->loop, &p->timer)) {
		free(p);
		watch_mon_result(m, false, "out of memory", -1);
		return;
	}
	p->timer.data = p;
	p->refs = 1; /* the timer */
	p->m = m;
	p->room = r;
	m->db_probe = p;
	p->type = c->type;
	p->timeout_ms = c->timeout_ms;
	p->port = (unsigned)c->port;
	p->conninfo = dup_or_null(c->conn_string);
	p->query = dup_or_null(c->db_query);
	p->host = dup_or_null(c->hostname);
	p->user = dup_or_null(c->db_user);
	p->password = dup_or_null(c->db_password);
	p->dbname = dup_or_null(c->db_name);
	int rc = -ENOMEM;
	if (p->conninfo && (!c->db_query || p->query) &&
	    (!c->hostname || p->host) && (!c->db_user || p->user) &&
	    (!c->db_password || p->password) && (!c->db_name || p->dbname))
		rc = r->db_running < WATCH_DB_JOBS ? submit(p) : 0;
	if (rc) {
		char msg[WATCH_MSG_MAX];
		snprintf(msg, sizeof(msg), "cannot start the check: %s",
			 hearth_strerror(rc));
		finish(p, true, false, msg, -1);
		return;
	}
	if (p->refs == 1) { /* no turn yet: in line */
		p->waiting = true;
		if (r->db_waiting_tail)
			r->db_waiting_tail->next = p;
		else
			r->db_waiting = p;
		r->db_waiting_tail = p;
	}
	uv_timer_start(&p->timer, on_timeout, (uint64_t)c->timeout_ms, 0);
}

void watch_db_cancel(struct watch_db_probe *p)
{
	finish(p, false, false, NULL, -1);
}
