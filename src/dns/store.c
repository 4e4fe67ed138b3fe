/* SPDX-License-Identifier: MIT */
/* The dns room's tables: their migrations, zone upserts, record replacement and listing. */
#include <string.h>

#include "dns/store.h"

#include <errno.h>
#include <stdbool.h>

#include "core/sql.h"
#include "dns/dns_room.h"

/* The dns room's tables. Append only: migration N takes them from
 * version N to N + 1 (schema_versions, room "dns"). */
const char *const dns_migrations[] = {
	/* 0 -> 1: authoritative DNS zones and their records. */
	"CREATE TABLE dns_zones ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE," /* lower case, trailing dot */
	"  kind TEXT NOT NULL DEFAULT 'Native',"
	"  account TEXT NOT NULL DEFAULT '',"
	"  soa_edit_api TEXT NOT NULL DEFAULT 'DEFAULT',"
	"  masters TEXT NOT NULL DEFAULT '[]',"
	"  source TEXT NOT NULL DEFAULT 'api'," /* api | file */
	"  notified_serial INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE dns_records ("
	"  id INTEGER PRIMARY KEY,"
	"  zone_id INTEGER NOT NULL REFERENCES dns_zones(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL," /* lower case, trailing dot */
	"  type INTEGER NOT NULL,"
	"  ttl INTEGER NOT NULL,"
	"  rdata BLOB NOT NULL," /* wire form, names uncompressed */
	"  disabled INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX dns_records_by_name ON dns_records(zone_id, name, type);",
	/* 1 -> 2: what the PowerDNS-compatible API keeps beside the records:
	 * zone settings it echoes back, and per-RRset comments. */
	"ALTER TABLE dns_zones ADD COLUMN soa_edit TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE dns_zones ADD COLUMN catalog TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE dns_zones ADD COLUMN api_rectify INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE dns_zones ADD COLUMN nsec3param TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE dns_zones ADD COLUMN nsec3narrow INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE dns_comments ("
	"  id INTEGER PRIMARY KEY,"
	"  zone_id INTEGER NOT NULL REFERENCES dns_zones(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL," /* lower case, trailing dot */
	"  type INTEGER NOT NULL,"
	"  content TEXT NOT NULL,"
	"  account TEXT NOT NULL DEFAULT '',"
	"  modified_at INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX dns_comments_by_name ON dns_comments(zone_id, name, type);",
	/* 2 -> 3: a counter bumped by every write to a zone's records, so
	 * the dns room rebuilds only the zones that changed. */
	"ALTER TABLE dns_zones ADD COLUMN version INTEGER NOT NULL DEFAULT 0;",
	/* 3 -> 4: PowerDNS zone metadata set through the API (the kinds
	 * that are zone settings live in dns_zones' columns). */
	"CREATE TABLE dns_metadata ("
	"  id INTEGER PRIMARY KEY,"
	"  zone_id INTEGER NOT NULL REFERENCES dns_zones(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL,"
	"  value TEXT NOT NULL"
	");"
	"CREATE INDEX dns_metadata_by_kind ON dns_metadata(zone_id, kind);",
	/* 4 -> 5: PowerDNS autoprimaries set through the API, as sent
	 * (pdns_server keeps them as sent too: "ns1.example." and
	 * "ns1.example" are two). */
	"CREATE TABLE dns_autoprimaries ("
	"  id INTEGER PRIMARY KEY,"
	"  ip TEXT NOT NULL,"
	"  nameserver TEXT NOT NULL,"
	"  account TEXT NOT NULL DEFAULT '',"
	"  UNIQUE(ip, nameserver)"
	");",
	/* 5 -> 6: a record's content as the API was given it, where that
	 * spelling differs from the one written from its rdata and PowerDNS
	 * keeps it (escapes inside character-strings); NULL otherwise. */
	"ALTER TABLE dns_records ADD COLUMN content TEXT;",
	NULL,
};

static int zone_id(struct store *s, const char *zone, int64_t *id)
{
	return sql_one_int(s, id, "SELECT id FROM dns_zones WHERE name = ?",
			   "t", zone);
}

static void insert_records(struct sql_txn *t, int64_t id,
			   const struct dns_store_rr *rrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sql_run(t, NULL,
			"INSERT INTO dns_records(zone_id, name, type, ttl, "
			"rdata, disabled, content) VALUES(?, ?, ?, ?, ?, ?, ?)",
			"itiibit", id, rrs[i].name, (int64_t)rrs[i].type,
			(int64_t)rrs[i].ttl, rrs[i].rdata, rrs[i].rdlen,
			(int64_t)rrs[i].disabled, rrs[i].content);
}

static void insert_comments(struct sql_txn *t, int64_t id,
			    const struct dns_store_comment *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sql_run(t, NULL,
			"INSERT INTO dns_comments(zone_id, name, type, content, "
			"account, modified_at) VALUES(?, ?, ?, ?, ?, ?)",
			"ititti", id, c[i].name, (int64_t)c[i].type,
			c[i].content, c[i].account ? c[i].account : "",
			c[i].modified_at);
}

/* Every write to a zone's records moves its version (migration 2 -> 3). */
static void bump_version(struct sql_txn *t, int64_t id)
{
	sql_run(t, NULL, "UPDATE dns_zones SET version = version + 1 WHERE id = ?",
		"i", id);
}

/* The id of @zone inside @t (which fails with -ENOENT when absent). */
static int64_t txn_zone_id(struct sql_txn *t, const char *zone)
{
	int64_t id = 0;
	if (!t->err)
		sql_fail(t, zone_id(t->s, zone, &id));
	return id;
}

int dns_store_zone_replace(struct store *s, const char *zone,
			   const char *source, const struct dns_store_rr *rrs,
			   size_t n)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, NULL, "INSERT INTO dns_zones(name, source) VALUES(?, ?) "
			  "ON CONFLICT(name) DO UPDATE SET source = excluded.source",
		"tt", zone, source);
	int64_t id = txn_zone_id(&t, zone);
	sql_run(&t, NULL, "DELETE FROM dns_records WHERE zone_id = ?", "i", id);
	insert_records(&t, id, rrs, n);
	bump_version(&t, id);
	return sql_commit(&t);
}

#define ZONE_COLUMNS                                                          \
	"id, name, kind, source, account, soa_edit_api, masters, "            \
	"notified_serial, soa_edit, catalog, api_rectify, nsec3param, "       \
	"nsec3narrow, version"

/* Hands each zone row of @r to @fn; *any says whether there was one. */
static int zone_rows(struct sql_rows *r, bool *any,
		     int (*fn)(const struct dns_store_zone *z, void *ud),
		     void *ud)
{
	while (sql_next(r)) {
		struct dns_store_zone z = {
			.id = sql_col_int(r, 0),
			.name = sql_col_text(r, 1),
			.kind = sql_col_text(r, 2),
			.source = sql_col_text(r, 3),
			.account = sql_col_text(r, 4),
			.soa_edit_api = sql_col_text(r, 5),
			.masters = sql_col_text(r, 6),
			.notified_serial = sql_col_int(r, 7),
			.soa_edit = sql_col_text(r, 8),
			.catalog = sql_col_text(r, 9),
			.api_rectify = sql_col_int(r, 10) != 0,
			.nsec3param = sql_col_text(r, 11),
			.nsec3narrow = sql_col_int(r, 12) != 0,
			.version = sql_col_int(r, 13),
		};
		if (any)
			*any = true;
		int u = fn ? fn(&z, ud) : 0;
		if (u)
			sql_stop(r, u);
	}
	return sql_end(r);
}

int dns_store_zones(struct store *s,
		    int (*fn)(const struct dns_store_zone *z, void *ud),
		    void *ud)
{
	struct sql_rows r;
	sql_query(s, &r, "SELECT " ZONE_COLUMNS " FROM dns_zones ORDER BY name",
		  NULL);
	return zone_rows(&r, NULL, fn, ud);
}

int dns_store_zone_get(struct store *s, const char *zone,
		       int (*fn)(const struct dns_store_zone *z, void *ud),
		       void *ud)
{
	struct sql_rows r;
	bool any = false;
	sql_query(s, &r, "SELECT " ZONE_COLUMNS " FROM dns_zones WHERE name = ?",
		  "t", zone);
	int rc = zone_rows(&r, &any, fn, ud);
	return rc ? rc : any ? 0 : -ENOENT;
}

/* Starts the rows of @sql (whose one parameter is a zone id) for @zone;
 * -ENOENT (and nothing to end) when there is no such zone. */
static int zone_query(struct store *s, struct sql_rows *r, const char *zone,
		      const char *sql)
{
	int64_t id;
	int rc = zone_id(s, zone, &id);
	if (rc)
		return rc;
	sql_query(s, r, sql, "i", id);
	return 0;
}

int dns_store_comments(struct store *s, const char *zone,
		       int (*fn)(const struct dns_store_comment *c, void *ud),
		       void *ud)
{
	struct sql_rows r;
	int rc = zone_query(s, &r, zone,
			    "SELECT name, type, content, account, modified_at "
			    "FROM dns_comments WHERE zone_id = ? "
			    "ORDER BY name, type, id");
	if (rc)
		return rc;
	while (sql_next(&r)) {
		struct dns_store_comment c = {
			.name = sql_col_text(&r, 0),
			.type = (uint16_t)sql_col_int(&r, 1),
			.content = sql_col_text(&r, 2),
			.account = sql_col_text(&r, 3),
			.modified_at = sql_col_int(&r, 4),
		};
		int u = fn(&c, ud);
		if (u)
			sql_stop(&r, u);
	}
	return sql_end(&r);
}

/* Hands each row of @r (name, type, ttl, rdata, disabled) to @fn. */
static int record_rows(struct sql_rows *r,
		       int (*fn)(const struct dns_store_rr *rr, void *ud),
		       void *ud)
{
	while (sql_next(r)) {
		struct dns_store_rr rr = {
			.name = sql_col_text(r, 0),
			.type = (uint16_t)sql_col_int(r, 1),
			.ttl = (uint32_t)sql_col_int(r, 2),
			.disabled = sql_col_int(r, 4) != 0,
		};
		const char *content = sql_col_text(r, 5);
		rr.content = content[0] ? content : NULL;
		rr.rdata = sql_col_blob(r, 3, &rr.rdlen);
		int u = fn(&rr, ud);
		if (u)
			sql_stop(r, u);
	}
	return sql_end(r);
}

int dns_store_records(struct store *s, const char *zone,
		      int (*fn)(const struct dns_store_rr *rr, void *ud),
		      void *ud)
{
	struct sql_rows r;
	int rc = zone_query(s, &r, zone,
			    "SELECT name, type, ttl, rdata, disabled, content "
			    "FROM dns_records WHERE zone_id = ? "
			    "ORDER BY name, type, id");
	if (rc)
		return rc;
	return record_rows(&r, fn, ud);
}

int dns_store_records_at(struct store *s, const char *zone, const char *name,
			 int (*fn)(const struct dns_store_rr *rr, void *ud),
			 void *ud)
{
	int64_t id;
	int rc = zone_id(s, zone, &id);
	if (rc)
		return rc;
	struct sql_rows r;
	sql_query(s, &r,
		  "SELECT name, type, ttl, rdata, disabled, content "
		  "FROM dns_records "
		  "WHERE zone_id = ? AND name = ? ORDER BY type, id",
		  "it", id, name);
	return record_rows(&r, fn, ud);
}

static void write_settings(struct sql_txn *t, const char *zone, bool create,
			   const struct dns_store_zone *z)
{
#define OR_EMPTY(x) ((x) ? (x) : "")
	sql_run(t, NULL,
		create ? "INSERT INTO dns_zones(kind, source, account, "
			 "soa_edit_api, masters, notified_serial, soa_edit, "
			 "catalog, api_rectify, nsec3param, nsec3narrow, name) "
			 "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		       : "UPDATE dns_zones SET kind = ?, source = ?, "
			 "account = ?, soa_edit_api = ?, masters = ?, "
			 "notified_serial = ?, soa_edit = ?, catalog = ?, "
			 "api_rectify = ?, nsec3param = ?, nsec3narrow = ? "
			 "WHERE name = ?",
		"tttttittitit", OR_EMPTY(z->kind), OR_EMPTY(z->source),
		OR_EMPTY(z->account), OR_EMPTY(z->soa_edit_api),
		OR_EMPTY(z->masters), z->notified_serial, OR_EMPTY(z->soa_edit),
		OR_EMPTY(z->catalog), (int64_t)z->api_rectify,
		OR_EMPTY(z->nsec3param), (int64_t)z->nsec3narrow, zone);
	/* soa_edit set here is the SOA-EDIT metadata too: rows that no
	 * longer agree with it give way (migration 3 -> 4). */
	sql_run(t, NULL,
		"DELETE FROM dns_metadata WHERE kind = 'SOA-EDIT' AND zone_id = "
		"(SELECT id FROM dns_zones WHERE name = ?1) AND "
		"(SELECT soa_edit FROM dns_zones WHERE name = ?1) <> "
		"COALESCE((SELECT value FROM dns_metadata WHERE kind = 'SOA-EDIT' "
		"AND zone_id = (SELECT id FROM dns_zones WHERE name = ?1) "
		"ORDER BY id LIMIT 1), '')",
		"t", zone);
#undef OR_EMPTY
}

/* Deletes the rows of one RRset (name, type) from @table's statement. */
static void delete_rrset(struct sql_txn *t, const char *sql, int64_t id,
			 const char *name, uint16_t type)
{
	sql_run(t, NULL, sql, "iti", id, name, (int64_t)type);
}

int dns_store_zone_update(struct store *s, const char *zone,
			  const struct dns_store_zone_update *u)
{
	struct sql_txn t;
	int64_t id = 0;
	sql_begin(s, &t);
	if (!t.err) {
		int rc = zone_id(s, zone, &id);
		if (u->create) {
			if (rc == 0)
				rc = -EEXIST;
			else if (rc == -ENOENT)
				rc = u->settings ? 0 : -EINVAL;
			sql_fail(&t, rc);
			if (u->settings)
				write_settings(&t, zone, true, u->settings);
			id = txn_zone_id(&t, zone);
		} else {
			sql_fail(&t, rc);
			if (u->settings)
				write_settings(&t, zone, false, u->settings);
		}
	}
	if (u->replace_all) {
		sql_run(&t, NULL, "DELETE FROM dns_records WHERE zone_id = ?",
			"i", id);
		sql_run(&t, NULL, "DELETE FROM dns_comments WHERE zone_id = ?",
			"i", id);
	}
	for (size_t i = 0; i < u->n_changes; i++) {
		const struct dns_store_rrset_change *c = &u->changes[i];
		if (c->set_records && !u->replace_all)
			delete_rrset(&t, "DELETE FROM dns_records WHERE "
					 "zone_id = ? AND name = ? AND type = ?",
				     id, c->name, c->type);
		if (c->set_records)
			insert_records(&t, id, c->rrs, c->n);
		if (c->set_comments && !u->replace_all)
			delete_rrset(&t, "DELETE FROM dns_comments WHERE "
					 "zone_id = ? AND name = ? AND type = ?",
				     id, c->name, c->type);
		if (c->set_comments)
			insert_comments(&t, id, c->comments, c->n_comments);
	}
	bump_version(&t, id);
	return sql_commit(&t);
}

int dns_store_zone_delete(struct store *s, const char *zone)
{
	struct sql_txn t;
	sql_begin(s, &t);
	int64_t id = txn_zone_id(&t, zone);
	sql_run(&t, NULL, "DELETE FROM dns_zones WHERE id = ?", "i", id);
	return sql_commit(&t);
}

int dns_store_meta_list(struct store *s, const char *zone,
			int (*fn)(const char *kind, const char *value, void *ud),
			void *ud)
{
	int64_t id;
	int rc = zone_id(s, zone, &id);
	if (rc)
		return rc;
	struct sql_rows r;
	sql_query(s, &r, "SELECT kind, value FROM dns_metadata "
			 "WHERE zone_id = ? ORDER BY kind, id", "i", id);
	while (sql_next(&r)) {
		rc = fn(sql_col_text(&r, 0), sql_col_text(&r, 1), ud);
		if (rc)
			sql_stop(&r, rc);
	}
	return sql_end(&r);
}

int dns_store_meta_set(struct store *s, const char *zone, const char *kind,
		       const char *const *values, size_t n, bool append)
{
	struct sql_txn t;
	sql_begin(s, &t);
	int64_t id = txn_zone_id(&t, zone);
	if (append && strcmp(kind, "SOA-EDIT") == 0) /* the setting first */
		sql_run(&t, NULL, "INSERT INTO dns_metadata(zone_id, kind, value) "
				  "SELECT id, 'SOA-EDIT', soa_edit FROM dns_zones "
				  "WHERE id = ? AND soa_edit <> '' AND NOT EXISTS ("
				  "SELECT 1 FROM dns_metadata WHERE zone_id = ? AND "
				  "kind = 'SOA-EDIT')", "ii", id, id);
	if (!append)
		sql_run(&t, NULL, "DELETE FROM dns_metadata WHERE zone_id = ? "
				  "AND kind = ?", "it", id, kind);
	for (size_t i = 0; i < n; i++)
		sql_run(&t, NULL, "INSERT INTO dns_metadata(zone_id, kind, value) "
				  "SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM "
				  "dns_metadata WHERE zone_id = ? AND kind = ? "
				  "AND value = ?)", "ittitt", id, kind, values[i],
			id, kind, values[i]);
	if (strcmp(kind, "SOA-EDIT") == 0) /* also a zone setting */
		sql_run(&t, NULL, "UPDATE dns_zones SET soa_edit = COALESCE(("
				  "SELECT value FROM dns_metadata WHERE zone_id = ?"
				  " AND kind = 'SOA-EDIT' ORDER BY id LIMIT 1), '')"
				  " WHERE id = ?", "ii", id, id);
	return sql_commit(&t);
}

int dns_store_autoprimary_list(struct store *s,
			       int (*fn)(const char *ip, const char *nameserver,
					 const char *account, void *ud),
			       void *ud)
{
	struct sql_rows r;
	sql_query(s, &r, "SELECT ip, nameserver, account FROM "
			 "dns_autoprimaries ORDER BY id", NULL);
	while (sql_next(&r)) {
		int rc = fn(sql_col_text(&r, 0), sql_col_text(&r, 1),
			    sql_col_text(&r, 2), ud);
		if (rc)
			sql_stop(&r, rc);
	}
	return sql_end(&r);
}

int dns_store_autoprimary_add(struct store *s, const char *ip,
			      const char *nameserver, const char *account)
{
	struct sql_txn t;
	int changes = 0;
	sql_begin(s, &t);
	sql_run(&t, &changes, "INSERT INTO dns_autoprimaries(ip, nameserver, "
			      "account) VALUES(?, ?, ?) ON CONFLICT(ip, "
			      "nameserver) DO NOTHING", "ttt", ip, nameserver,
		account);
	if (!t.err && changes == 0)
		sql_fail(&t, -EEXIST);
	return sql_commit(&t);
}

int dns_store_autoprimary_delete(struct store *s, const char *ip,
				 const char *nameserver)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, NULL, "DELETE FROM dns_autoprimaries WHERE ip = ? AND "
			  "nameserver = ?", "tt", ip, nameserver);
	return sql_commit(&t);
}
