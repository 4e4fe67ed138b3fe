/* SPDX-License-Identifier: MIT */
/* The dns room's CLI commands: zones, records, zone files, notify and the cache, through the daemon. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/dns_room.h"
#include "dns/internal.h"

static int cmd_dns_import(struct cli *cli, int argc, char **argv)
{
	char *data = NULL, *resp = NULL, path[512];
	size_t len = 0;
	bool json = cli_take_json(&argc, argv);
	if (argc != 2)
		return cli_bad_args();
	int rc = cli_read_file(argv[1], &data, &len);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/dns/zones/%s/file", argv[0]);
	rc = cli_request(cli, "PUT", path, data, len, "text/plain", &resp,
			 NULL);
	free(data);
	if (rc)
		return rc;
	json_error_t jerr;
	json_t *j = json_loads(resp, 0, &jerr);
	free(resp);
	if (json) {
		cli_print_json(j);
		return CLI_OK;
	}
	printf("%s: %lld records imported\n", argv[0],
	       (long long)json_integer_value(json_object_get(j, "records")));
	json_decref(j);
	return CLI_OK;
}

static int cmd_dns_export(struct cli *cli, int argc, char **argv)
{
	char path[512], *text = NULL;
	size_t len = 0;
	bool as_json = cli_take_json(&argc, argv);
	if (argc != 1)
		return cli_bad_args();
	size_t n = strlen(argv[0]);
	snprintf(path, sizeof(path), "/api/v1/servers/localhost/zones/%s%s/export",
		 argv[0], n && argv[0][n - 1] == '.' ? "" : ".");
	int rc = cli_request(cli, "GET", path, NULL, 0, NULL, &text, &len);
	if (rc)
		return rc;
	/* PowerDNS's export is JSON {"zone": text}; plain text is taken
	 * as it is. */
	json_error_t jerr;
	json_t *j = json_loadb(text, len, 0, &jerr);
	const char *z = json_string_value(json_object_get(j, "zone"));
	if (as_json) {
		cli_print_json(j ? json_incref(j)
				 : json_pack("{s:s%}", "zone", text, len));
	} else if (z)
		fputs(z, stdout);
	else
		fwrite(text, 1, len, stdout);
	json_decref(j);
	free(text);
	return CLI_OK;
}

/* ZONE as a PowerDNS zone id: absolute, with its trailing dot. */
static void zone_id(const char *zone, char *out, size_t cap)
{
	size_t n = strlen(zone);
	snprintf(out, cap, "%s%s", zone, n && zone[n - 1] == '.' ? "" : ".");
}

/* pdnsutil's NAME: "@" is the apex, a name ending in "." is absolute,
 * a name ending in the zone is taken as it is, others are relative. */
static void owner_name(const char *zone_abs, const char *name, char *out,
		       size_t cap)
{
	size_t n = strlen(name), z = strlen(zone_abs) - 1; /* without dot */
	if (!strcmp(name, "@"))
		snprintf(out, cap, "%s", zone_abs);
	else if (n && name[n - 1] == '.')
		snprintf(out, cap, "%s", name);
	else if ((n == z && !strncasecmp(name, zone_abs, z)) ||
		 (n > z && name[n - z - 1] == '.' &&
		  !strncasecmp(name + n - z, zone_abs, z)))
		snprintf(out, cap, "%s.", name);
	else
		snprintf(out, cap, "%s.%s", name, zone_abs);
}

static void upper(char *s)
{
	for (; *s; s++)
		*s = (char)toupper((unsigned char)*s);
}

/* Prints @j for --json, or @text for people; consumes @j. */
static void zone_row(struct cli_table *t, json_t *z)
{
	char serial[CLI_INT_LEN];
	cli_table_row(t, cli_str_or(z, "name", "?"), cli_str_or(z, "kind", "?"),
		      cli_int_str(z, "serial", serial));
}

static int cmd_dns_zones(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = {"ZONE", "KIND", "SERIAL", NULL};
	return cli_list(cli, "dns zones", "/api/v1/servers/localhost/zones",
			argc, argv, head, zone_row);
}

static int cmd_dns_zone_add(struct cli *cli, int argc, char **argv)
{
	char id[300], text[400];
	bool json = cli_take_json(&argc, argv);
	if (argc != 1)
		return cli_bad_args();
	zone_id(argv[0], id, sizeof(id));
	json_t *body = json_pack("{s:s, s:s, s:[]}", "name", id, "kind",
				 "Native", "nameservers");
	json_t *res = NULL;
	int rc = cli_send_json(cli, "POST", "/api/v1/servers/localhost/zones",
			       body, &res);
	json_decref(body);
	if (rc)
		return rc;
	snprintf(text, sizeof(text), "%s: created", id);
	return cli_done(json, res, text);
}

static int cmd_dns_zone_delete(struct cli *cli, int argc, char **argv)
{
	char id[300], path[400], text[400];
	bool json = cli_take_json(&argc, argv);
	if (argc != 1)
		return cli_bad_args();
	zone_id(argv[0], id, sizeof(id));
	snprintf(path, sizeof(path), "/api/v1/servers/localhost/zones/%s", id);
	json_t *res = NULL;
	int rc = cli_send_json(cli, "DELETE", path, NULL, &res);
	if (rc)
		return rc;
	json_decref(res);
	snprintf(text, sizeof(text), "%s: deleted", id);
	return cli_done(json, json_pack("{s:s, s:b}", "zone", id, "deleted", 1),
		    text);
}

/* GET of ZONE's rrsets (the whole zone object). */
static int get_zone(struct cli *cli, const char *id, json_t **out)
{
	char path[400];
	snprintf(path, sizeof(path), "/api/v1/servers/localhost/zones/%s", id);
	return cli_request_json(cli, "GET", path, out);
}

static json_t *find_rrset(json_t *zone, const char *name, const char *type)
{
	size_t i;
	json_t *rr;
	json_array_foreach(json_object_get(zone, "rrsets"), i, rr)
		if (!strcasecmp(cli_str_or(rr, "name", ""), name) &&
		    !strcasecmp(cli_str_or(rr, "type", ""), type))
			return rr;
	return NULL;
}

static int patch_rrset(struct cli *cli, const char *id, json_t *rrset)
{
	char path[400];
	snprintf(path, sizeof(path), "/api/v1/servers/localhost/zones/%s", id);
	json_t *body = json_pack("{s:[O]}", "rrsets", rrset);
	json_t *res = NULL;
	int rc = cli_send_json(cli, "PATCH", path, body, &res);
	json_decref(body);
	json_decref(res);
	return rc;
}

/* CONTENT… joined by spaces, as pdnsutil does. */
static void join(int argc, char **argv, char *out, size_t cap)
{
	size_t w = 0;
	out[0] = '\0';
	for (int i = 0; i < argc && w < cap; i++)
		w += (size_t)snprintf(out + w, cap - w, "%s%s", i ? " " : "",
				      argv[i]);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int cmd_dns_record_add(struct cli *cli, int argc, char **argv)
{
	char id[300], name[600], type[16], content[4096], text[5000];
	bool json = cli_take_json(&argc, argv);
	if (argc < 4) {
		fprintf(stderr, "usage: hearth dns record add ZONE NAME TYPE "
				"[TTL] CONTENT...\n");
		return CLI_USAGE;
	}
	zone_id(argv[0], id, sizeof(id));
	owner_name(id, argv[1], name, sizeof(name));
	snprintf(type, sizeof(type), "%s", argv[2]);
	upper(type);
	int first = 3;
	long long ttl = -1;
	if (argc > 4 && all_digits(argv[3])) {
		ttl = atoll(argv[3]);
		first = 4;
	}
	join(argc - first, argv + first, content, sizeof(content));
	json_t *zone = NULL;
	int rc = get_zone(cli, id, &zone);
	if (rc)
		return rc;
	/* add-record appends to the rrset; the TTL given applies to all. */
	json_t *old = find_rrset(zone, name, type);
	json_t *records = json_array();
	size_t i;
	json_t *rec;
	json_array_foreach(json_object_get(old, "records"), i, rec) {
		const char *c = cli_str_or(rec, "content", "");
		if (!strcmp(c, content)) {
			fprintf(stderr, "hearth: %s %s %s is already there\n",
				name, type, content);
			json_decref(records);
			json_decref(zone);
			return CLI_FAILED;
		}
		json_array_append_new(records, json_pack("{s:s, s:O}",
			"content", c, "disabled",
			json_object_get(rec, "disabled") ?
				json_object_get(rec, "disabled") : json_false()));
	}
	json_array_append_new(records, json_pack("{s:s, s:b}", "content",
						 content, "disabled", 0));
	if (ttl < 0)
		ttl = old ? json_integer_value(json_object_get(old, "ttl")) : 3600;
	json_t *rrset = json_pack("{s:s, s:s, s:I, s:s, s:o}", "name", name,
				  "type", type, "ttl", (json_int_t)ttl,
				  "changetype", "REPLACE", "records", records);
	json_decref(zone);
	rc = patch_rrset(cli, id, rrset);
	if (rc) {
		json_decref(rrset);
		return rc;
	}
	json_object_del(rrset, "changetype");
	snprintf(text, sizeof(text), "%s %lld IN %s %s: added", name, ttl, type,
		 content);
	return cli_done(json, rrset, text);
}

static int cmd_dns_record_delete(struct cli *cli, int argc, char **argv)
{
	char id[300], name[600], type[16], content[4096], text[5000];
	bool json = cli_take_json(&argc, argv);
	if (argc < 3) {
		fprintf(stderr, "usage: hearth dns record delete ZONE NAME TYPE "
				"[CONTENT...]\n");
		return CLI_USAGE;
	}
	zone_id(argv[0], id, sizeof(id));
	owner_name(id, argv[1], name, sizeof(name));
	snprintf(type, sizeof(type), "%s", argv[2]);
	upper(type);
	join(argc - 3, argv + 3, content, sizeof(content));
	json_t *zone = NULL;
	int rc = get_zone(cli, id, &zone);
	if (rc)
		return rc;
	json_t *old = find_rrset(zone, name, type);
	if (!old) {
		fprintf(stderr, "hearth: %s has no %s %s\n", id, name, type);
		json_decref(zone);
		return CLI_FAILED;
	}
	json_t *records = json_array();
	size_t i, removed = 0;
	json_t *rec;
	json_array_foreach(json_object_get(old, "records"), i, rec) {
		const char *c = cli_str_or(rec, "content", "");
		if (!*content || !strcmp(c, content))
			removed++;
		else
			json_array_append(records, rec);
	}
	if (!removed) {
		fprintf(stderr, "hearth: %s %s has no record '%s'\n", name,
			type, content);
		json_decref(records);
		json_decref(zone);
		return CLI_FAILED;
	}
	bool all = json_array_size(records) == 0;
	json_t *rrset = json_pack("{s:s, s:s, s:O, s:s}", "name", name, "type",
				  type, "ttl", json_object_get(old, "ttl"),
				  "changetype", all ? "DELETE" : "REPLACE");
	if (!all)
		json_object_set(rrset, "records", records);
	json_decref(zone);
	rc = patch_rrset(cli, id, rrset);
	json_decref(rrset);
	if (rc) {
		json_decref(records);
		return rc;
	}
	snprintf(text, sizeof(text), "%s %s: %zu record%s deleted", name, type,
		 removed, removed == 1 ? "" : "s");
	return cli_done(json,
		    json_pack("{s:s, s:s, s:I, s:o}", "name", name, "type", type,
			      "deleted", (json_int_t)removed, "records",
			      records),
		    text);
}

static int cmd_dns_record_list(struct cli *cli, int argc, char **argv)
{
	char id[300], name[600] = "", type[16] = "";
	bool json = cli_take_json(&argc, argv);
	if (argc < 1 || argc > 3)
		return cli_bad_args();
	zone_id(argv[0], id, sizeof(id));
	if (argc > 1)
		owner_name(id, argv[1], name, sizeof(name));
	if (argc > 2) {
		snprintf(type, sizeof(type), "%s", argv[2]);
		upper(type);
	}
	json_t *zone = NULL;
	int rc = get_zone(cli, id, &zone);
	if (rc)
		return rc;
	json_t *out = json_array();
	size_t i;
	json_t *rr;
	json_array_foreach(json_object_get(zone, "rrsets"), i, rr)
		if ((!*name || !strcasecmp(cli_str_or(rr, "name", ""), name)) &&
		    (!*type || !strcasecmp(cli_str_or(rr, "type", ""), type)))
			json_array_append(out, rr);
	json_decref(zone);
	if (json) {
		cli_print_json(out);
		return CLI_OK;
	}
	struct cli_table t;
	cli_table_init(&t, 4);
	cli_table_row(&t, "NAME", "TTL", "TYPE", "CONTENT");
	json_array_foreach(out, i, rr) {
		char ttl[24];
		snprintf(ttl, sizeof(ttl), "%lld",
			 (long long)json_integer_value(json_object_get(rr, "ttl")));
		size_t k;
		json_t *rec;
		json_array_foreach(json_object_get(rr, "records"), k, rec)
			cli_table_row(&t, cli_str_or(rr, "name", "?"), ttl,
				      cli_str_or(rr, "type", "?"),
				      cli_str_or(rec, "content", ""));
	}
	cli_table_print(&t, stdout);
	json_decref(out);
	return CLI_OK;
}

static int cmd_dns_notify(struct cli *cli, int argc, char **argv)
{
	char id[300], path[400], text[400];
	bool json = cli_take_json(&argc, argv);
	if (argc != 1)
		return cli_bad_args();
	zone_id(argv[0], id, sizeof(id));
	snprintf(path, sizeof(path),
		 "/api/v1/servers/localhost/zones/%s/notify", id);
	json_t *res = NULL;
	int rc = cli_send_json(cli, "PUT", path, NULL, &res);
	if (rc)
		return rc;
	snprintf(text, sizeof(text), "%s: %s", id,
		 cli_str_or(res, "result", "notification queued"));
	return cli_done(json, res, text);
}

static int cmd_dns_cache_flush(struct cli *cli, int argc, char **argv)
{
	char path[600], text[600];
	bool json = cli_take_json(&argc, argv);
	if (argc > 1)
		return cli_bad_args();
	snprintf(path, sizeof(path), "/api/v1/servers/localhost/cache/flush%s%s",
		 argc ? "?domain=" : "", argc ? argv[0] : "");
	json_t *res = NULL;
	int rc = cli_send_json(cli, "PUT", path, NULL, &res);
	if (rc)
		return rc;
	long long n = (long long)json_integer_value(json_object_get(res, "count"));
	snprintf(text, sizeof(text), "flushed %lld cache entr%s%s%s", n,
		 n == 1 ? "y" : "ies", argc ? " at and below " : "",
		 argc ? argv[0] : "");
	return cli_done(json, res, text);
}

static int cmd_dns_cache_show(struct cli *cli, int argc, char **argv)
{
	json_t *c = NULL;
	int rc = cli_get_or_dump(cli, "dns cache show", "/api/v1/dns/cache",
				 argc, argv, &c);
	if (rc || !c)
		return rc;
	struct cli_table t;
	cli_table_init(&t, 2);
	static const char *const keys[] = {"entries", "capacity", "bytes",
					   "hits", "misses", "inserts",
					   "evictions", "expired"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char v[CLI_INT_LEN];
		cli_table_row(&t, keys[i], cli_int_str(c, keys[i], v));
	}
	char ratio[32];
	snprintf(ratio, sizeof(ratio), "%.1f %%",
		 100.0 * json_number_value(json_object_get(c, "hit_ratio")));
	cli_table_row(&t, "hit ratio", ratio);
	cli_table_print(&t, stdout);
	json_decref(c);
	return CLI_OK;
}

/* The zone a file is for when none is given: its first $ORIGIN, else
 * its base name without a .zone or .db ending. */
static void zone_of_file(const char *path, const char *data, size_t len,
			 char *out, size_t cap)
{
	for (size_t i = 0; i < len;) {
		const char *line = data + i, *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;
		if (n > 8 && !strncasecmp(line, "$ORIGIN", 7) &&
		    isspace((unsigned char)line[7])) {
			const char *p = line + 7, *end = line + n;
			while (p < end && isspace((unsigned char)*p))
				p++;
			size_t w = 0;
			while (p + w < end && !isspace((unsigned char)p[w]) &&
			       p[w] != ';')
				w++;
			snprintf(out, cap, "%.*s", (int)w, p);
			return;
		}
		i += n + 1;
	}
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".zone"))
		n -= 5;
	else if (n > 3 && !strcmp(base + n - 3, ".db"))
		n -= 3;
	snprintf(out, cap, "%.*s", (int)n, base);
}

static int cmd_dns_check(struct cli *cli, int argc, char **argv)
{
	char *data = NULL, zone[DNS_NAME_TEXT_MAX], why[1024] = "";
	size_t len = 0, records = 0;
	(void)cli;
	bool json = cli_take_json(&argc, argv);
	if (argc < 1 || argc > 2)
		return cli_bad_args();
	int rc = cli_read_file(argv[0], &data, &len);
	if (rc)
		return rc;
	if (argc == 2)
		snprintf(zone, sizeof(zone), "%s", argv[1]);
	else
		zone_of_file(argv[0], data, len, zone, sizeof(zone));
	rc = dns_import_check(zone, data, len, argv[0], true, why,
			     sizeof(why), &records);
	free(data);
	if (json)
		cli_print_json(rc ? json_pack("{s:s, s:s, s:b, s:s}", "file",
					      argv[0], "zone", zone, "ok", 0,
					      "error", why)
				  : json_pack("{s:s, s:s, s:b, s:I}", "file",
					      argv[0], "zone", zone, "ok", 1,
					      "records", (json_int_t)records));
	if (rc) {
		fprintf(stderr, "%s\n", why);
		return CLI_FAILED;
	}
	if (!json)
		printf("%s: zone %s ok, %zu records\n", argv[0], zone, records);
	return CLI_OK;
}

const struct cli_command dns_cli_commands[] = {
	{"dns import", "ZONE FILE [--json]",
	 "replace ZONE with the RFC 1035 zone file FILE", 2, 3,
	 cmd_dns_import},
	{"dns export", "ZONE [--json]", "print ZONE as an RFC 1035 zone file",
	 1, 2, cmd_dns_export},
	{"dns check", "FILE [ZONE] [--json]",
	 "check a zone file as an import would (offline; ZONE defaults to "
	 "its $ORIGIN or file name)", 1, 3, cmd_dns_check},
	{"dns zones", "[--json]", "list the zones", 0, 1, cmd_dns_zones},
	{"dns zone add", "NAME [--json]", "create an empty zone NAME", 1, 2,
	 cmd_dns_zone_add},
	{"dns zone delete", "NAME [--json]", "delete the zone NAME", 1, 2,
	 cmd_dns_zone_delete},
	{"dns record list", "ZONE [NAME [TYPE]] [--json]",
	 "list ZONE's records (@ is the apex; names are relative)", 1, 4,
	 cmd_dns_record_list},
	{"dns record add", "ZONE NAME TYPE [TTL] CONTENT... [--json]",
	 "add a record to its rrset (like pdnsutil add-record)", 4, 64,
	 cmd_dns_record_add},
	{"dns record delete", "ZONE NAME TYPE [CONTENT...] [--json]",
	 "delete the rrset, or only the record with CONTENT", 3, 64,
	 cmd_dns_record_delete},
	{"dns notify", "ZONE [--json]", "send NOTIFY for ZONE to dns.secondaries",
	 1, 2, cmd_dns_notify},
	{"dns cache flush", "[NAME] [--json]",
	 "empty the forwarding cache, or only NAME and below", 0, 2,
	 cmd_dns_cache_flush},
	{"dns cache show", "[--json]",
	 "the forwarding cache: entries, hits, misses", 0, 1,
	 cmd_dns_cache_show},
	{NULL, NULL, NULL, 0, 0, NULL},
};
