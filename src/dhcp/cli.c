/* SPDX-License-Identifier: MIT */
/* The dhcp room's CLI commands: the leases and pools as the daemon holds them. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dhcp/dhcp_room.h"

/* A lease's expiry for people: "in 11 h 59 m", or "expired" once past
 * (--json keeps the unix seconds). */
static void lease_expiry(json_int_t expires, int64_t now, char *out,
			 size_t cap)
{
	if (expires <= now) {
		snprintf(out, cap, "expired");
		return;
	}
	memcpy(out, "in ", 4);
	cli_duration((double)(expires - now), out + 3, cap - 3);
}

static void lease_row(struct cli_table *t, json_t *l)
{
	char when[40];
	lease_expiry(json_integer_value(json_object_get(l, "expires")),
		     (int64_t)time(NULL), when, sizeof(when));
	const char *host = cli_str_or(l, "hostname", "");
	cli_table_row(t, cli_str_or(l, "ip", "?"), cli_str_or(l, "mac", "?"),
		      *host ? host : "-", cli_str_or(l, "state", "?"), when);
}

static int cmd_dhcp_leases(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = {"IP",    "MAC",     "HOSTNAME",
					   "STATE", "EXPIRES", NULL};
	return cli_list(cli, "dhcp leases", "/api/v1/dhcp/leases", argc, argv,
			head, lease_row);
}

/* IP, or the address of MAC's lease (looked up in the lease list). */
static int lease_ip(struct cli *cli, const char *what, char *ip, size_t cap,
		    char *mac, size_t mcap)
{
	struct in_addr in;
	if (inet_pton(AF_INET, what, &in) == 1) {
		snprintf(ip, cap, "%s", what);
		return CLI_OK;
	}
	unsigned b[6];
	char end;
	if (sscanf(what, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &end) != 6) {
		fprintf(stderr, "hearth dhcp release: '%s' is neither an IPv4 "
				"address nor a MAC\n", what);
		return CLI_USAGE;
	}
	char want[18];
	snprintf(want, sizeof(want), "%02x:%02x:%02x:%02x:%02x:%02x", b[0],
		 b[1], b[2], b[3], b[4], b[5]);
	json_t *leases = NULL;
	int rc = cli_request_json(cli, "GET", "/api/v1/dhcp/leases", &leases);
	if (rc)
		return rc;
	size_t i, found = 0;
	json_t *l;
	json_array_foreach(leases, i, l)
		if (!strcasecmp(cli_str_or(l, "mac", ""), want) && !found++) {
			snprintf(ip, cap, "%s", cli_str_or(l, "ip", ""));
			snprintf(mac, mcap, "%s", want);
		}
	json_decref(leases);
	if (!found) {
		fprintf(stderr, "hearth: no lease for %s\n", want);
		return CLI_FAILED;
	}
	if (found > 1)
		fprintf(stderr, "hearth: %s holds %zu leases; releasing %s\n",
			want, found, ip);
	return CLI_OK;
}

static int cmd_dhcp_release(struct cli *cli, int argc, char **argv)
{
	char ip[64] = "", mac[18] = "", path[128];
	bool json = cli_take_json(&argc, argv);
	if (argc != 1)
		return cli_bad_args();
	int rc = lease_ip(cli, argv[0], ip, sizeof(ip), mac, sizeof(mac));
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/dhcp/leases/%s", ip);
	json_t *res = NULL;
	rc = cli_send_json(cli, "DELETE", path, NULL, &res);
	json_decref(res);
	if (rc)
		return rc;
	if (json)
		cli_print_json(json_pack("{s:s, s:s?, s:b}", "ip", ip, "mac",
					 *mac ? mac : NULL, "released", 1));
	else
		printf("released %s%s%s%s\n", ip, *mac ? " (" : "", mac,
		       *mac ? ")" : "");
	return CLI_OK;
}

static void pool_row(struct cli_table *t, json_t *p)
{
	char size[CLI_INT_LEN], used[CLI_INT_LEN], free_[CLI_INT_LEN];
	char ranges[512] = "";
	size_t k, w = 0;
	json_t *r;
	json_array_foreach(json_object_get(p, "ranges"), k, r)
		if (w < sizeof(ranges))
			w += (size_t)snprintf(ranges + w, sizeof(ranges) - w,
					      "%s%s", k ? " " : "",
					      json_string_value(r));
	cli_table_row(t, cli_str_or(p, "subnet", "?"),
		      cli_int_str(p, "size", size), cli_int_str(p, "used", used),
		      cli_int_str(p, "free", free_), ranges);
}

static int cmd_dhcp_pools(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = {"SUBNET", "SIZE",   "USED",
					   "FREE",   "RANGES", NULL};
	return cli_list(cli, "dhcp pools", "/api/v1/dhcp/pools", argc, argv,
			head, pool_row);
}

const struct cli_command dhcp_cli_commands[] = {
	{"dhcp leases", "[--json]", "list the DHCP leases", 0, 1,
	 cmd_dhcp_leases},
	{"dhcp release", "IP|MAC [--json]", "end the lease of IP, or of MAC",
	 1, 2, cmd_dhcp_release},
	{"dhcp pools", "[--json]", "size, used and free addresses per subnet",
	 0, 1, cmd_dhcp_pools},
	{NULL, NULL, NULL, 0, 0, NULL},
};
