/* SPDX-License-Identifier: MIT */
/* SQL for the dhcp room: batched lease writes and the lease listing. */
#include "core/store_dhcp.h"

#include <errno.h>

#include "core/store_priv.h"

static int apply_one(struct store *s, sqlite3_stmt *put, sqlite3_stmt *del,
		     const struct store_dhcp_change *c)
{
	int rc;
	if (c->put) {
		const struct store_dhcp_lease *l = c->put;
		sqlite3_reset(put);
		rc = sqlite3_bind_int64(put, 1, l->ip);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_blob(put, 2, l->mac, 6, SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_blob(put, 3, l->client_id ? (const void *)l->client_id : "",
					       (int)l->client_id_len, SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(put, 4, l->hostname, -1,
					       SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(put, 5, l->expires);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(put, 6, l->state, -1,
					       SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(put);
	} else {
		sqlite3_reset(del);
		rc = sqlite3_bind_int64(del, 1, c->del_ip);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(del);
	}
	return store_sql_err(s, rc, "dhcp lease write");
}

int store_dhcp_apply(struct store *s, const struct store_dhcp_change *c,
		     size_t n)
{
	struct store_txn t;
	sqlite3_stmt *put = NULL, *del = NULL;
	store_txn_begin(s, &t);
	if (!t.err)
		t.err = store_sql_err(
			s,
			sqlite3_prepare_v2(
				s->db,
				"INSERT OR REPLACE INTO dhcp_leases(ip, mac, "
				"client_id, hostname, expires, state) "
				"VALUES(?, ?, ?, ?, ?, ?)",
				-1, &put, NULL),
			"dhcp prepare");
	if (!t.err)
		t.err = store_sql_err(
			s,
			sqlite3_prepare_v2(s->db,
					   "DELETE FROM dhcp_leases WHERE ip = ?",
					   -1, &del, NULL),
			"dhcp prepare");
	for (size_t i = 0; !t.err && i < n; i++)
		t.err = apply_one(s, put, del, &c[i]);
	sqlite3_finalize(put);
	sqlite3_finalize(del);
	return store_txn_commit(&t);
}

int store_dhcp_leases(struct store *s,
		      int (*fn)(const struct store_dhcp_lease *l, void *ud),
		      void *ud)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT ip, mac, client_id, hostname, "
				    "expires, state FROM dhcp_leases ORDER BY ip",
				    -1, &st, NULL);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		if (sqlite3_column_bytes(st, 1) != 6)
			continue;
		const unsigned char *h = sqlite3_column_text(st, 3);
		const unsigned char *state = sqlite3_column_text(st, 5);
		struct store_dhcp_lease l = {
			.ip = (uint32_t)sqlite3_column_int64(st, 0),
			.mac = sqlite3_column_blob(st, 1),
			.client_id = sqlite3_column_blob(st, 2),
			.client_id_len = (size_t)sqlite3_column_bytes(st, 2),
			.hostname = h ? (const char *)h : "",
			.expires = sqlite3_column_int64(st, 4),
			.state = state ? (const char *)state : "bound",
		};
		int u = fn(&l, ud);
		if (u) {
			sqlite3_finalize(st);
			return u;
		}
	}
	rc = store_sql_err(s, rc, "dhcp leases");
	sqlite3_finalize(st);
	return rc;
}
