/* SPDX-License-Identifier: MIT */
/* SQL for the dns room: zone upserts, record replacement and listing. */
#include "core/store_dns.h"

#include <errno.h>
#include <stdbool.h>

#include "core/store_priv.h"

static int insert_records(struct store *s, int64_t id,
			  const struct store_dns_rr *rrs, size_t n);
static int bump_version(struct store *s, int64_t id);

static int zone_id(struct store *s, const char *zone, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT id FROM dns_zones WHERE name = ?",
				    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, zone, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = store_sql_err(s, rc, "dns zone id");
	}
	sqlite3_finalize(st);
	return rc;
}

static int replace_rows(struct store *s, const char *zone, const char *source,
			const struct store_dns_rr *rrs, size_t n)
{
	sqlite3_stmt *st = NULL;
	int64_t id;
	int rc = sqlite3_prepare_v2(
		s->db, "INSERT INTO dns_zones(name, source) VALUES(?, ?) "
		       "ON CONFLICT(name) DO UPDATE SET source = excluded.source",
		-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, zone, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = store_sql_err(s, rc, "dns zone upsert")))
		return rc;
	if ((rc = zone_id(s, zone, &id)))
		return rc;
	rc = sqlite3_prepare_v2(s->db, "DELETE FROM dns_records WHERE zone_id = ?",
				-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = store_sql_err(s, rc, "dns records delete")))
		return rc;
	rc = insert_records(s, id, rrs, n);
	return rc ? rc : bump_version(s, id);
}

int store_dns_zone_replace(struct store *s, const char *zone,
			   const char *source, const struct store_dns_rr *rrs,
			   size_t n)
{
	struct store_txn t;
	store_txn_begin(s, &t);
	if (!t.err)
		t.err = replace_rows(s, zone, source, rrs, n);
	return store_txn_commit(&t);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	return v ? (const char *)v : "";
}

#define ZONE_COLUMNS                                                          \
	"id, name, kind, source, account, soa_edit_api, masters, "            \
	"notified_serial, soa_edit, catalog, api_rectify, nsec3param, "       \
	"nsec3narrow, version"

static struct store_dns_zone zone_row(sqlite3_stmt *st)
{
	return (struct store_dns_zone){
		.id = sqlite3_column_int64(st, 0),
		.name = col_text(st, 1),
		.kind = col_text(st, 2),
		.source = col_text(st, 3),
		.account = col_text(st, 4),
		.soa_edit_api = col_text(st, 5),
		.masters = col_text(st, 6),
		.notified_serial = sqlite3_column_int64(st, 7),
		.soa_edit = col_text(st, 8),
		.catalog = col_text(st, 9),
		.api_rectify = sqlite3_column_int(st, 10) != 0,
		.nsec3param = col_text(st, 11),
		.nsec3narrow = sqlite3_column_int(st, 12) != 0,
		.version = sqlite3_column_int64(st, 13),
	};
}

/* Steps @st, handing each row to @fn; finalizes @st. */
static int zone_rows(struct store *s, sqlite3_stmt *st, int rc, bool *any,
		     int (*fn)(const struct store_dns_zone *z, void *ud),
		     void *ud)
{
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		struct store_dns_zone z = zone_row(st);
		if (any)
			*any = true;
		int r = fn ? fn(&z, ud) : 0;
		if (r) {
			sqlite3_finalize(st);
			return r;
		}
	}
	rc = store_sql_err(s, rc, "dns zones");
	sqlite3_finalize(st);
	return rc;
}

int store_dns_zones(struct store *s,
		    int (*fn)(const struct store_dns_zone *z, void *ud),
		    void *ud)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		s->db, "SELECT " ZONE_COLUMNS " FROM dns_zones ORDER BY name",
		-1, &st, NULL);
	return zone_rows(s, st, rc, NULL, fn, ud);
}

int store_dns_zone_get(struct store *s, const char *zone,
		       int (*fn)(const struct store_dns_zone *z, void *ud),
		       void *ud)
{
	sqlite3_stmt *st = NULL;
	bool any = false;
	int rc = sqlite3_prepare_v2(
		s->db, "SELECT " ZONE_COLUMNS " FROM dns_zones WHERE name = ?",
		-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, zone, -1, SQLITE_STATIC);
	rc = zone_rows(s, st, rc, &any, fn, ud);
	if (!rc && !any)
		rc = -ENOENT;
	return rc;
}

/*
 * Prepares @sql (whose one parameter is a zone id) for zone @zone.
 * Returns a negative code (-ENOENT: no such zone) with nothing to
 * finalize, or an SQLite code for the caller's row loop, which
 * finalizes *st.
 */
static int zone_select(struct store *s, const char *zone, const char *sql,
		       sqlite3_stmt **st)
{
	int64_t id;
	int rc = zone_id(s, zone, &id);
	if (rc)
		return rc;
	rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(*st, 1, id);
	return rc;
}

int store_dns_comments(struct store *s, const char *zone,
		       int (*fn)(const struct store_dns_comment *c, void *ud),
		       void *ud)
{
	sqlite3_stmt *st = NULL;
	int rc = zone_select(s, zone,
			     "SELECT name, type, content, account, modified_at "
			     "FROM dns_comments WHERE zone_id = ? "
			     "ORDER BY name, type, id",
			     &st);
	if (rc < 0)
		return rc;
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		struct store_dns_comment c = {
			.name = col_text(st, 0),
			.type = (uint16_t)sqlite3_column_int(st, 1),
			.content = col_text(st, 2),
			.account = col_text(st, 3),
			.modified_at = sqlite3_column_int64(st, 4),
		};
		int u = fn(&c, ud);
		if (u) {
			sqlite3_finalize(st);
			return u;
		}
	}
	rc = store_sql_err(s, rc, "dns comments");
	sqlite3_finalize(st);
	return rc;
}

/* Runs one statement of a zone update: @sql with the integer @id and
 * up to two text/int parameters after it. */
static int exec_zone_stmt(struct store *s, const char *sql, int64_t id,
			  const char *name, int type, const char *what);

/* Every write to a zone's records moves its version (see migration 5). */
static int bump_version(struct store *s, int64_t id)
{
	return exec_zone_stmt(s,
			      "UPDATE dns_zones SET version = version + 1 "
			      "WHERE id = ?",
			      id, NULL, -1, "dns zone version");
}

static int exec_zone_stmt(struct store *s, const char *sql, int64_t id,
			  const char *name, int type, const char *what)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, id);
	if (rc == SQLITE_OK && name)
		rc = sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && type >= 0)
		rc = sqlite3_bind_int(st, 3, type);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return store_sql_err(s, rc, what);
}

static int write_settings(struct store *s, const char *zone, bool create,
			  const struct store_dns_zone *z)
{
	static const char ins[] =
		"INSERT INTO dns_zones(kind, source, account, soa_edit_api, "
		"masters, notified_serial, soa_edit, catalog, api_rectify, "
		"nsec3param, nsec3narrow, name) "
		"VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char upd[] =
		"UPDATE dns_zones SET kind = ?, source = ?, account = ?, "
		"soa_edit_api = ?, masters = ?, notified_serial = ?, "
		"soa_edit = ?, catalog = ?, api_rectify = ?, nsec3param = ?, "
		"nsec3narrow = ? WHERE name = ?";
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, create ? ins : upd, -1, &st, NULL);
	const char *texts[] = {z->kind, z->source, z->account, z->soa_edit_api,
			       z->masters};
	for (int i = 0; rc == SQLITE_OK && i < 5; i++)
		rc = sqlite3_bind_text(st, i + 1, texts[i] ? texts[i] : "", -1,
				       SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 6, z->notified_serial);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 7, z->soa_edit ? z->soa_edit : "",
				       -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 8, z->catalog ? z->catalog : "", -1,
				       SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 9, z->api_rectify);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 10,
				       z->nsec3param ? z->nsec3param : "", -1,
				       SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 11, z->nsec3narrow);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 12, zone, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return store_sql_err(s, rc, "dns zone settings");
}

static int insert_records(struct store *s, int64_t id,
			  const struct store_dns_rr *rrs, size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "INSERT INTO dns_records(zone_id, name, "
				    "type, ttl, rdata, disabled) VALUES(?, ?, "
				    "?, ?, ?, ?)",
				    -1, &st, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		const struct store_dns_rr *r = &rrs[i];
		sqlite3_reset(st);
		rc = sqlite3_bind_int64(st, 1, id);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int(st, 3, r->type);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(st, 4, r->ttl);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_blob(st, 5, r->rdlen ? r->rdata : "",
					       (int)r->rdlen, SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int(st, 6, r->disabled);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(st);
			if (rc == SQLITE_DONE)
				rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return store_sql_err(s, rc, "dns records insert");
}

static int insert_comments(struct store *s, int64_t id,
			   const struct store_dns_comment *c, size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "INSERT INTO dns_comments(zone_id, name, "
				    "type, content, account, modified_at) "
				    "VALUES(?, ?, ?, ?, ?, ?)",
				    -1, &st, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_reset(st);
		rc = sqlite3_bind_int64(st, 1, id);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(st, 2, c[i].name, -1,
					       SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int(st, 3, c[i].type);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(st, 4, c[i].content, -1,
					       SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(st, 5,
					       c[i].account ? c[i].account : "",
					       -1, SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(st, 6, c[i].modified_at);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(st);
			if (rc == SQLITE_DONE)
				rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return store_sql_err(s, rc, "dns comments insert");
}

static int update_rows(struct store *s, const char *zone,
		       const struct store_dns_zone_update *u)
{
	int64_t id;
	int rc = zone_id(s, zone, &id);
	if (u->create) {
		if (rc == 0)
			return -EEXIST;
		if (rc != -ENOENT)
			return rc;
		if (!u->settings)
			return -EINVAL;
		if ((rc = write_settings(s, zone, true, u->settings)) ||
		    (rc = zone_id(s, zone, &id)))
			return rc;
	} else if (rc) {
		return rc;
	} else if (u->settings &&
		   (rc = write_settings(s, zone, false, u->settings))) {
		return rc;
	}
	if (u->replace_all &&
	    ((rc = exec_zone_stmt(s, "DELETE FROM dns_records WHERE zone_id = ?",
				  id, NULL, -1, "dns records delete")) ||
	     (rc = exec_zone_stmt(s,
				  "DELETE FROM dns_comments WHERE zone_id = ?",
				  id, NULL, -1, "dns comments delete"))))
		return rc;
	for (size_t i = 0; i < u->n_changes; i++) {
		const struct store_dns_rrset_change *c = &u->changes[i];
		if (c->set_records && !u->replace_all &&
		    (rc = exec_zone_stmt(s,
					 "DELETE FROM dns_records WHERE "
					 "zone_id = ? AND name = ? AND type = ?",
					 id, c->name, c->type,
					 "dns rrset delete")))
			return rc;
		if (c->set_records && (rc = insert_records(s, id, c->rrs, c->n)))
			return rc;
		if (c->set_comments && !u->replace_all &&
		    (rc = exec_zone_stmt(s,
					 "DELETE FROM dns_comments WHERE "
					 "zone_id = ? AND name = ? AND type = ?",
					 id, c->name, c->type,
					 "dns comments delete")))
			return rc;
		if (c->set_comments &&
		    (rc = insert_comments(s, id, c->comments, c->n_comments)))
			return rc;
	}
	return bump_version(s, id);
}

int store_dns_zone_update(struct store *s, const char *zone,
			  const struct store_dns_zone_update *u)
{
	struct store_txn t;
	store_txn_begin(s, &t);
	if (!t.err)
		t.err = update_rows(s, zone, u);
	return store_txn_commit(&t);
}

int store_dns_records(struct store *s, const char *zone,
		      int (*fn)(const struct store_dns_rr *rr, void *ud),
		      void *ud)
{
	sqlite3_stmt *st = NULL;
	int rc = zone_select(s, zone,
			     "SELECT name, type, ttl, rdata, disabled "
			     "FROM dns_records WHERE zone_id = ? "
			     "ORDER BY name, type, id",
			     &st);
	if (rc < 0)
		return rc;
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		struct store_dns_rr r = {
			.name = col_text(st, 0),
			.type = (uint16_t)sqlite3_column_int(st, 1),
			.ttl = (uint32_t)sqlite3_column_int64(st, 2),
			.rdata = sqlite3_column_blob(st, 3),
			.rdlen = (size_t)sqlite3_column_bytes(st, 3),
			.disabled = sqlite3_column_int(st, 4) != 0,
		};
		int u = fn(&r, ud);
		if (u) {
			sqlite3_finalize(st);
			return u;
		}
	}
	rc = store_sql_err(s, rc, "dns records");
	sqlite3_finalize(st);
	return rc;
}

int store_dns_zone_delete(struct store *s, const char *zone)
{
	struct store_txn t;
	int64_t id = 0;
	store_txn_begin(s, &t);
	if (!t.err)
		t.err = zone_id(s, zone, &id);
	if (!t.err) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(s->db,
					    "DELETE FROM dns_zones WHERE id = ?",
					    -1, &st, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(st, 1, id);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		sqlite3_finalize(st);
		t.err = store_sql_err(s, rc, "dns zone delete");
	}
	return store_txn_commit(&t);
}
