/* SPDX-License-Identifier: MIT */
/* `hearth backup snapshots`: restic's snapshot files listed as its table or its --json (with id and short_id). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup/cli_priv.h"

struct snap {
	json_t *j; /* the snapshot's JSON with id and short_id appended */
	char key[48]; /* its time for sorting: UTC "YYYY-MM-DDTHH:MM:SS.nnnnnnnnn" */
};

struct snaps {
	struct backup_repo *repo;
	struct snap *v;
	size_t n, cap;
	size_t bad;
};

/* A sort key from RFC 3339 (any offset): UTC seconds and nanoseconds. */
static void sort_key(const char *t, char *out, size_t cap)
{
	struct tm tm = {0};
	const char *end = t ? strptime(t, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!end) {
		snprintf(out, cap, "~%s", t ? t : "");
		return;
	}
	long ns = 0, scale = 100000000;
	if (*end == '.')
		for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
			ns += (*end - '0') * scale;
	long off = 0;
	int hh = 0, mm = 0;
	if ((*end == '+' || *end == '-') &&
	    sscanf(end + 1, "%2d:%2d", &hh, &mm) == 2)
		off = (hh * 3600L + mm * 60L) * (*end == '-' ? -1 : 1);
	long long s = (long long)timegm(&tm) - off;
	snprintf(out, cap, "%020lld.%09ld", s, ns);
}

static int snap_one(const char *name, uint64_t size, void *ud)
{
	struct snaps *ss = ud;
	(void)size;
	uint8_t id[32];
	json_t *j = NULL;
	int rc = backup_id_parse(name, id);
	if (!rc)
		rc = backup_repo_load_json(ss->repo, BACKUP_FILE_SNAPSHOT, id, &j);
	if (!rc && (!json_is_object(j) ||
		    !json_is_string(json_object_get(j, "time")) ||
		    !json_is_string(json_object_get(j, "tree")))) {
		rc = BACKUP_ECORRUPT;
		json_decref(j);
	}
	if (rc) {
		ss->bad++;
		fprintf(stderr, "hearth: backup: snapshot %.8s: %s\n", name,
			backup_strerror(rc));
		return 0;
	}
	if (ss->n == ss->cap) {
		size_t nc = ss->cap ? ss->cap * 2 : 16;
		struct snap *nv = realloc(ss->v, nc * sizeof(*nv));
		if (!nv) {
			json_decref(j);
			return -1;
		}
		ss->v = nv;
		ss->cap = nc;
	}
	char shortid[9];
	snprintf(shortid, sizeof(shortid), "%.8s", name);
	json_object_set_new(j, "id", json_string(name));
	json_object_set_new(j, "short_id", json_string(shortid));
	struct snap *s = &ss->v[ss->n++];
	s->j = j;
	sort_key(json_string_value(json_object_get(j, "time")), s->key,
		 sizeof(s->key));
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct snap *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(json_string_value(json_object_get(x->j, "id")),
			      json_string_value(json_object_get(y->j, "id")));
}

/* True when the string array @name of @j holds @want (NULL: any). */
static int has(json_t *j, const char *name, const char *want)
{
	if (!want)
		return 1;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(j, name), i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), want))
			return 1;
	return 0;
}

static const char *nth(json_t *j, const char *name, size_t i)
{
	return json_string_value(json_array_get(json_object_get(j, name), i));
}

static void print_table(struct snaps *ss)
{
	struct cli_table t;
	cli_table_init(&t, 5);
	cli_table_row(&t, "ID", "Time", "Host", "Tags", "Paths");
	for (size_t i = 0; i < ss->n; i++) {
		json_t *j = ss->v[i].j;
		char when[32];
		backup_cli_show_time(cli_str_or(j, "time", ""), when,
				     sizeof(when));
		size_t rows = json_array_size(json_object_get(j, "paths"));
		size_t tags = json_array_size(json_object_get(j, "tags"));
		if (tags > rows)
			rows = tags;
		for (size_t r = 0; r < (rows ? rows : 1); r++)
			cli_table_row(&t, r ? "" : cli_str_or(j, "short_id", ""),
				      r ? "" : when,
				      r ? "" : cli_str_or(j, "hostname", ""),
				      nth(j, "tags", r) ? nth(j, "tags", r) : "",
				      nth(j, "paths", r) ? nth(j, "paths", r)
							 : "");
	}
	cli_table_print(&t, stdout);
	printf("%zu snapshots\n", ss->n);
}

int backup_cmd_snapshots(struct cli *cli, int argc, char **argv)
{
	static const char *const own[] = {"--host", "--tag", "--path", NULL};
	const char *vals[3] = {NULL, NULL, NULL};
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	int rc = backup_cli_open(cli, &argc, argv, own, vals, &o, &repo);
	if (rc)
		return rc;
	struct snaps ss = {repo, NULL, 0, 0, 0};
	rc = argc ? cli_bad_args()
		  : repo->be->ops->list(repo->be, BACKUP_FILE_SNAPSHOT,
					snap_one, &ss);
	backup_repo_close(repo);
	if (!rc) {
		if (ss.n)
			qsort(ss.v, ss.n, sizeof(*ss.v), by_time);
		/* the filters, as restic's --host/--tag/--path */
		size_t k = 0;
		for (size_t i = 0; i < ss.n; i++) {
			json_t *j = ss.v[i].j;
			const char *h = cli_str_or(j, "hostname", "");
			if ((!vals[0] || !strcmp(h, vals[0])) &&
			    has(j, "tags", vals[1]) && has(j, "paths", vals[2]))
				ss.v[k++] = ss.v[i];
			else
				json_decref(j);
		}
		ss.n = k;
		if (o.json) {
			json_t *arr = json_array();
			for (size_t i = 0; i < ss.n; i++)
				json_array_append(arr, ss.v[i].j);
			char *s = json_dumps(arr, JSON_COMPACT |
							  JSON_PRESERVE_ORDER);
			puts(s ? s : "[]");
			free(s);
			json_decref(arr);
		} else
			print_table(&ss);
	}
	for (size_t i = 0; i < ss.n; i++)
		json_decref(ss.v[i].j);
	free(ss.v);
	if (rc && rc != CLI_USAGE)
		return backup_cli_fail("cannot list the snapshots", rc);
	return rc ? rc : (ss.bad ? CLI_FAILED : CLI_OK);
}
