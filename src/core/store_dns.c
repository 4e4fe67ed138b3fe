/* SPDX-License-Identifier: MIT */
/* SQL for the dns room: zone upserts, record replacement and listing. */
#include "core/store_dns.h"

#include <errno.h>

#include "core/store_priv.h"

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
	rc = sqlite3_prepare_v2(s->db,
				"INSERT INTO dns_records(zone_id, name, type, "
				"ttl, rdata, disabled) VALUES(?, ?, ?, ?, ?, ?)",
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
			rc = sqlite3_bind_blob(st, 5, r->rdata, (int)r->rdlen,
					       SQLITE_STATIC);
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

int store_dns_zones(struct store *s,
		    int (*fn)(const struct store_dns_zone *z, void *ud),
		    void *ud)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		s->db, "SELECT id, name, kind, source, account, soa_edit_api "
		       "FROM dns_zones ORDER BY name",
		-1, &st, NULL);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		struct store_dns_zone z = {
			.id = sqlite3_column_int64(st, 0),
			.name = col_text(st, 1),
			.kind = col_text(st, 2),
			.source = col_text(st, 3),
			.account = col_text(st, 4),
			.soa_edit_api = col_text(st, 5),
		};
		int r = fn(&z, ud);
		if (r) {
			sqlite3_finalize(st);
			return r;
		}
	}
	rc = store_sql_err(s, rc, "dns zones");
	sqlite3_finalize(st);
	return rc;
}

int store_dns_records(struct store *s, const char *zone,
		      int (*fn)(const struct store_dns_rr *rr, void *ud),
		      void *ud)
{
	int64_t id;
	int rc = zone_id(s, zone, &id);
	if (rc)
		return rc;
	sqlite3_stmt *st = NULL;
	rc = sqlite3_prepare_v2(s->db,
				"SELECT name, type, ttl, rdata, disabled FROM "
				"dns_records WHERE zone_id = ? ORDER BY name, "
				"type, id",
				-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, id);
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
