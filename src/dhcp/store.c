/* SPDX-License-Identifier: MIT */
/* The dhcp room's table: its migrations, batched lease writes and the lease listing. */
#include "dhcp/store.h"

#include <errno.h>

#include "core/sql.h"
#include "dhcp/dhcp_room.h"

/* The dhcp room's tables. Append only: migration N takes them from
 * version N to N + 1 (schema_versions, room "dhcp"). */
const char *const dhcp_migrations[] = {
	/* 0 -> 1: DHCP leases. */
	"CREATE TABLE dhcp_leases ("
	"  ip INTEGER PRIMARY KEY," /* IPv4, host byte order */
	"  mac BLOB NOT NULL,"
	"  client_id BLOB NOT NULL,"
	"  hostname TEXT NOT NULL DEFAULT '',"
	"  expires INTEGER NOT NULL," /* unix seconds */
	"  state TEXT NOT NULL" /* bound | declined */
	");",
	NULL,
};

int dhcp_store_apply(struct store *s, const struct dhcp_store_change *c,
		     size_t n)
{
	struct sql_txn t;
	sql_begin(s, &t);
	for (size_t i = 0; i < n; i++) {
		const struct dhcp_store_lease *l = c[i].put;
		if (l)
			sql_run(&t, NULL,
				"INSERT OR REPLACE INTO dhcp_leases(ip, mac, "
				"client_id, hostname, expires, state) "
				"VALUES(?, ?, ?, ?, ?, ?)",
				"ibbtit", (int64_t)l->ip, l->mac, (size_t)6,
				l->client_id, l->client_id_len, l->hostname,
				l->expires, l->state);
		else
			sql_run(&t, NULL, "DELETE FROM dhcp_leases WHERE ip = ?",
				"i", (int64_t)c[i].del_ip);
	}
	return sql_commit(&t);
}

int dhcp_store_leases(struct store *s,
		      int (*fn)(const struct dhcp_store_lease *l, void *ud),
		      void *ud)
{
	struct sql_rows r;
	sql_query(s, &r, "SELECT ip, mac, client_id, hostname, expires, state "
			 "FROM dhcp_leases ORDER BY ip", NULL);
	while (sql_next(&r)) {
		size_t mac_len, cid_len;
		const void *mac = sql_col_blob(&r, 1, &mac_len);
		const void *cid = sql_col_blob(&r, 2, &cid_len);
		struct dhcp_store_lease l = {
			.ip = (uint32_t)sql_col_int(&r, 0),
			.mac = mac,
			.client_id = cid,
			.client_id_len = cid_len,
			.hostname = sql_col_text(&r, 3),
			.expires = sql_col_int(&r, 4),
			.state = sql_col_text(&r, 5),
		};
		if (mac_len != 6)
			continue;
		if (!*l.state)
			l.state = "bound";
		int u = fn(&l, ud);
		if (u)
			sql_stop(&r, u);
	}
	return sql_end(&r);
}
