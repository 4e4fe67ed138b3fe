/* SPDX-License-Identifier: MIT */
/* `hearth backup forget`: restic 0.14's policy over groups of snapshots (--group-by), its tables and --json, --dry-run, --prune. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup/cli_priv.h"
#include "backup/lock.h"
#include "backup/prune.h"
#include "backup/snaps.h"

int backup_cli_take_multi(int *argc, char **argv, const char *lng, const char *shrt,
			  const char ***vals, size_t *n)
{
	for (int i = 0; i < *argc;) {
		const char *v;
		int r = backup_cli_take(argc, argv, i, lng, shrt, true, &v);
		if (r < 0) {
			fprintf(stderr, "hearth: backup: option '%s' needs a value\n", lng);
			return CLI_USAGE;
		}
		if (!r) {
			i++;
			continue;
		}
		const char **nv = realloc(*vals, (*n + 1) * sizeof *nv);
		if (!nv)
			return CLI_FAILED;
		*vals = nv;
		nv[(*n)++] = v;
	}
	return CLI_OK;
}

int backup_cli_filter_options(int *argc, char **argv, struct backup_snap_filter *f)
{
	const char **tags = NULL;
	size_t nt = 0;
	memset(f, 0, sizeof *f);
	int rc = backup_cli_take_multi(argc, argv, "--host", NULL, &f->hosts, &f->n_hosts);
	if (!rc)
		rc = backup_cli_take_multi(argc, argv, "--tag", NULL, &tags, &nt);
	if (!rc)
		rc = backup_cli_take_multi(argc, argv, "--path", NULL, &f->paths, &f->n_paths);
	for (size_t i = 0; !rc && i < nt; i++)
		if (backup_taglists_push(&f->tags, &f->n_tags, tags[i]))
			rc = CLI_FAILED;
	free(tags);
	return rc;
}

void backup_cli_filter_free(struct backup_snap_filter *f)
{
	free(f->hosts);
	free(f->paths);
	backup_taglists_free(f->tags, f->n_tags);
	memset(f, 0, sizeof *f);
}

/* restic's snapshot table (PrintSnapshots): ID, Time, Host, Tags,
 * [Reasons], Paths; one line per path or reason; oldest first. */
static void compact_table(struct backup_snap *const *v, size_t n);

/* --compact: ID, Time, Host, Tags (one a line), every column padded. */
static void compact_table(struct backup_snap *const *v, size_t n)
{
	size_t wh = 4;
	for (size_t i = 0; i < n; i++) {
		const struct bk_snapshot *s = &v[i]->s;
		if (s->hostname && strlen(s->hostname) > wh)
			wh = strlen(s->hostname);
	}
	/* restic's rule line counts the Tags header, not the tags */
	size_t total = 10 + 21 + wh + 2 + 6;
	char *line = malloc(total + 1);
	if (!line)
		return;
	memset(line, '-', total);
	line[total] = '\0';
	printf("%-8s  %-19s  %-*s  Tags\n", "ID", "Time", (int)wh, "Host");
	puts(line);
	for (size_t i = 0; i < n; i++) {
		const struct bk_snapshot *s = &v[i]->s;
		char when[40], row[4096];
		backup_cli_show_time(json_string_value(json_object_get(v[i]->j, "time")), when,
				     sizeof when);
		for (size_t k = 0; k == 0 || k < s->tags.n; k++) {
			snprintf(row, sizeof row, "%-8.8s  %-19s  %-*s  %s", k ? "" : v[i]->hex,
				 k ? "" : when, (int)wh, k || !s->hostname ? "" : s->hostname,
				 k < s->tags.n ? s->tags.v[k] : "");
			size_t e = strlen(row);
			while (e && row[e - 1] == ' ')
				row[--e] = '\0';
			puts(row);
		}
	}
	puts(line);
	printf("%zu snapshots\n", n);
	free(line);
}

void backup_cli_snap_table(struct backup_snap *const *v, size_t n, const char *const *reasons)
{
	enum { C_ID, C_TIME, C_HOST, C_TAGS, C_REASONS, C_PATHS, C_N };
	static const char *const head[C_N] = {"ID", "Time", "Host", "Tags", "Reasons", "Paths"};
	size_t w[C_N] = {8, 19, 10, 10, 0, 0};
	for (int c = 0; c < C_N; c++)
		if (strlen(head[c]) > w[c])
			w[c] = strlen(head[c]);
	char (*tags)[256] = calloc(n ? n : 1, sizeof *tags);
	if (!tags)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct bk_snapshot *s = &v[i]->s;
		for (size_t k = 0; k < s->tags.n; k++) {
			size_t l = strlen(tags[i]);
			snprintf(tags[i] + l, sizeof tags[i] - l, "%s%s", k ? "," : "", s->tags.v[k]);
		}
		if (s->hostname && strlen(s->hostname) > w[C_HOST])
			w[C_HOST] = strlen(s->hostname);
		if (strlen(tags[i]) > w[C_TAGS])
			w[C_TAGS] = strlen(tags[i]);
		for (size_t k = 0; k < s->paths.n; k++)
			if (strlen(s->paths.v[k]) > w[C_PATHS])
				w[C_PATHS] = strlen(s->paths.v[k]);
		for (const char *r = reasons ? reasons[i] : NULL; r && *r;) {
			const char *e = strchr(r, '\n');
			size_t l = e ? (size_t)(e - r) : strlen(r);
			if (l > w[C_REASONS])
				w[C_REASONS] = l;
			r = e ? e + 1 : r + l;
		}
	}
	size_t total = 0;
	for (int c = 0; c < C_N; c++)
		if (c != C_REASONS || reasons)
			total += w[c] + (c == C_PATHS ? 0 : 2);
	char *line = malloc(total + 1);
	if (!line) {
		free(tags);
		return;
	}
	memset(line, '-', total);
	line[total] = '\0';
	for (int c = 0; c < C_N; c++) {
		if (c == C_REASONS && !reasons)
			continue;
		if (c == C_PATHS)
			printf("%s\n", head[c]);
		else
			printf("%-*s  ", (int)w[c], head[c]);
	}
	puts(line);
	/* restic parts the rows with an empty line once a snapshot has
	 * several paths */
	bool multi = false;
	for (size_t i = 0; i < n; i++)
		multi |= v[i]->s.paths.n > 1;
	for (size_t i = 0; i < n; i++) {
		const struct bk_snapshot *s = &v[i]->s;
		char when[40];
		if (i && multi)
			printf("\n");
		backup_cli_show_time(json_string_value(json_object_get(v[i]->j, "time")), when,
				     sizeof when);
		const char *r = reasons ? reasons[i] : NULL;
		for (size_t row = 0;; row++) {
			const char *rs = "";
			size_t rl = 0;
			if (r && *r) {
				const char *e = strchr(r, '\n');
				rs = r;
				rl = e ? (size_t)(e - r) : strlen(r);
				r = e ? e + 1 : r + rl;
			}
			const char *p = row < s->paths.n ? s->paths.v[row] : "";
			if (row && !rl && row >= s->paths.n)
				break;
			char row_text[8192];
			int k = snprintf(row_text, sizeof row_text, "%-*.*s  %-*s  %-*s  %-*s  ",
					 (int)w[C_ID], 8, row ? "" : v[i]->hex, (int)w[C_TIME],
					 row ? "" : when, (int)w[C_HOST],
					 row || !s->hostname ? "" : s->hostname, (int)w[C_TAGS],
					 row ? "" : tags[i]);
			if (reasons && k >= 0 && (size_t)k < sizeof row_text)
				k += snprintf(row_text + k, sizeof row_text - (size_t)k, "%-*.*s  ",
					      (int)w[C_REASONS], (int)rl, rs);
			if (k >= 0 && (size_t)k < sizeof row_text)
				snprintf(row_text + k, sizeof row_text - (size_t)k, "%s", p);
			/* restic trims the padding at the end of a line */
			size_t e = strlen(row_text);
			while (e && row_text[e - 1] == ' ')
				row_text[--e] = '\0';
			puts(row_text);
		}
	}
	puts(line);
	printf("%zu snapshots\n", n);
	free(line);
	free(tags);
}

/* One --group-by group: a key and its snapshots, newest first. */
struct group {
	char key[4096];
	bool by_host, by_paths, by_tags;
	struct backup_snap **v;
	size_t n;
};

/* "host\0paths\0tags" sorted as restic's key fields (sorted paths, tags). */
static void group_key(const struct backup_snap *s, bool host, bool paths, bool tags, char *out,
		      size_t cap)
{
	size_t k = 0;
	out[0] = '\0';
	if (host)
		k += (size_t)snprintf(out, cap, "%s", s->s.hostname ? s->s.hostname : "");
	const struct bk_strv *lists[2] = {paths ? &s->s.paths : NULL, tags ? &s->s.tags : NULL};
	for (int l = 0; l < 2; l++) {
		if (k < cap)
			k += (size_t)snprintf(out + k, cap - k, "\x01");
		if (!lists[l])
			continue;
		char **copy = lists[l]->n ? malloc(lists[l]->n * sizeof *copy) : NULL;
		if (!copy)
			continue;
		memcpy(copy, lists[l]->v, lists[l]->n * sizeof *copy);
		qsort(copy, lists[l]->n, sizeof *copy, backup_cli_cmp_str);
		for (size_t i = 0; i < lists[l]->n && k < cap; i++)
			k += (size_t)snprintf(out + k, cap - k, "%s\x02", copy[i]);
		free(copy);
	}
}

/* Sorts a snapshot's paths or tags, in its fields and its JSON. */
static void sort_field(struct backup_snap *sn, const char *name, struct bk_strv *v)
{
	if (v->n < 2)
		return;
	qsort(v->v, v->n, sizeof *v->v, backup_cli_cmp_str);
	json_t *a = json_array();
	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i]));
	json_object_set_new(sn->j, name, a);
}

static json_t *sorted_strv(const struct bk_strv *v)
{
	if (!v->n)
		return json_null();
	char **copy = malloc(v->n * sizeof *copy);
	json_t *a = json_array();
	if (!copy)
		return a;
	memcpy(copy, v->v, v->n * sizeof *copy);
	qsort(copy, v->n, sizeof *copy, backup_cli_cmp_str);
	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(copy[i]));
	free(copy);
	return a;
}

static int parse_count(const char *v, const char *name, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < -2147483647L || n > 2147483647L) {
		fprintf(stderr, "hearth: backup: invalid argument \"%s\" for \"%s\" flag\n", v, name);
		return CLI_USAGE;
	}
	*out = (int)n;
	return CLI_OK;
}

static const char *const keep_opt[BK_KEEP_N] = {"--keep-last",    "--keep-hourly",
						"--keep-daily",	  "--keep-weekly",
						"--keep-monthly", "--keep-yearly"};
static const char *const keep_short[BK_KEEP_N] = {"-l", "-H", "-d", "-w", "-m", "-y"};
static const char *const within_opt[BK_KEEP_N] = {
	"--keep-within",	 "--keep-within-hourly",  "--keep-within-daily",
	"--keep-within-weekly", "--keep-within-monthly", "--keep-within-yearly"};
static const char *const counter_name[BK_KEEP_N] = {"last",   "hourly",	 "daily",
						    "weekly", "monthly", "yearly"};

/* The --keep-* options out of argv into @p (tag lists into *tl). */
static int policy_options(int *argc, char **argv, struct bk_policy *p, struct bk_taglist **tl,
			  size_t *ntl)
{
	memset(p, 0, sizeof *p);
	for (int i = 0; i < *argc;) {
		const char *v = NULL;
		int r = 0, rc = CLI_OK;
		for (int b = 0; !r && b < BK_KEEP_N; b++) {
			if ((r = backup_cli_take(argc, argv, i, keep_opt[b], keep_short[b], true, &v)) > 0)
				rc = parse_count(v, keep_opt[b], &p->count[b]);
			else if (!r && (r = backup_cli_take(argc, argv, i, within_opt[b], NULL, true, &v)) > 0) {
				char why[128];
				if (bk_duration_parse(v, &p->within[b], why, sizeof why)) {
					fprintf(stderr, "hearth: backup: invalid argument \"%s\" for \"%s\" flag: %s\n",
						v, within_opt[b], why);
					rc = CLI_USAGE;
				}
			}
		}
		if (!r && (r = backup_cli_take(argc, argv, i, "--keep-tag", NULL, true, &v)) > 0 &&
		    backup_taglists_push(tl, ntl, v))
			rc = CLI_FAILED;
		if (r < 0) {
			fprintf(stderr, "hearth: backup: option '%s' needs a value\n", argv[i]);
			return CLI_USAGE;
		}
		if (rc)
			return rc;
		if (!r)
			i++;
	}
	p->tags = *tl;
	p->n_tags = *ntl;
	return CLI_OK;
}

/* restic's IDSet printed: "{a1b2c3d4 e5f6a7b8}" sorted. */
static void print_idset(struct backup_snap **rm, size_t n)
{
	char **ids = malloc((n ? n : 1) * sizeof *ids);
	if (!ids)
		return;
	for (size_t i = 0; i < n; i++)
		ids[i] = rm[i]->hex;
	qsort(ids, n, sizeof *ids, backup_cli_cmp_str);
	printf("{");
	for (size_t i = 0; i < n; i++)
		printf("%s%.8s", i ? " " : "", ids[i]);
	printf("}\n\n");
	free(ids);
}

struct forget_run {
	struct bk_policy pol;
	struct backup_snap **rm; /* to remove */
	size_t n_rm;
	json_t *groups;
	int json;
	bool compact;
};

/* The policy on one group: tables or JSON, removals collected. */
static int forget_group(struct forget_run *fr, struct group *g)
{
	size_t n = g->n;
	struct bk_policy_snap *ps = calloc(n, sizeof *ps);
	struct bk_policy_verdict *pv = calloc(n, sizeof *pv);
	struct backup_snap **keep = calloc(n, sizeof *keep), **rm = calloc(n, sizeof *rm);
	const char **reasons = calloc(n, sizeof *reasons);
	int rc = ps && pv && keep && rm && reasons ? CLI_OK : CLI_FAILED;
	size_t nk = 0, nr = 0;

	for (size_t i = 0; !rc && i < n; i++) {
		ps[i].time = g->v[i]->s.time;
		ps[i].tags = (const char *const *)g->v[i]->s.tags.v;
		ps[i].n_tags = g->v[i]->s.tags.n;
	}
	if (!rc)
		bk_policy_apply(&fr->pol, ps, n, (int64_t)time(NULL), pv);
	json_t *jkeep = json_array(), *jrm = json_array(), *jreasons = json_array();
	for (size_t i = 0; !rc && i < n; i++) {
		if (!pv[i].keep) {
			rm[nr++] = g->v[i];
			fr->rm[fr->n_rm++] = g->v[i];
			json_array_append_new(jrm, backup_snap_json(g->v[i]));
			continue;
		}
		json_array_append_new(jkeep, backup_snap_json(g->v[i]));
		json_t *m = json_array(), *c = json_object();
		for (const char *r = pv[i].reasons; *r;) {
			const char *e = strchr(r, '\n');
			size_t l = e ? (size_t)(e - r) : strlen(r);
			json_array_append_new(m, json_stringn(r, l));
			r = e ? e + 1 : r + l;
		}
		for (int b = 0; b < BK_KEEP_N; b++)
			if (pv[i].left[b])
				json_object_set_new(c, counter_name[b], json_integer(pv[i].left[b]));
		json_array_append_new(jreasons, json_pack("{s:O,s:o,s:o}", "snapshot", g->v[i]->j,
							  "matches", m, "counters", c));
		reasons[nk] = pv[i].reasons;
		keep[nk++] = g->v[i];
	}
	if (!rc && fr->json) {
		const struct backup_snap *s0 = g->v[0];
		json_array_append_new(
			fr->groups,
			json_pack("{s:o,s:s,s:o,s:o,s:o,s:o}", "tags",
				  g->by_tags ? sorted_strv(&s0->s.tags) : json_null(), "host",
				  g->by_host && s0->s.hostname ? s0->s.hostname : "", "paths",
				  g->by_paths ? sorted_strv(&s0->s.paths) : json_null(), "keep",
				  nk ? json_incref(jkeep) : json_null(), "remove",
				  nr ? json_incref(jrm) : json_null(), "reasons",
				  nk ? json_incref(jreasons) : json_null()));
	} else if (!rc) {
		/* the tables list oldest first */
		for (size_t i = 0; i < nk / 2; i++) {
			struct backup_snap *t = keep[i];
			const char *tr = reasons[i];
			keep[i] = keep[nk - 1 - i], keep[nk - 1 - i] = t;
			reasons[i] = reasons[nk - 1 - i], reasons[nk - 1 - i] = tr;
		}
		for (size_t i = 0; i < nr / 2; i++) {
			struct backup_snap *t = rm[i];
			rm[i] = rm[nr - 1 - i], rm[nr - 1 - i] = t;
		}
		if (nk) {
			printf("keep %zu snapshots:\n", nk);
			if (fr->compact)
				compact_table(keep, nk);
			else
				backup_cli_snap_table(keep, nk, reasons);
			printf("\n");
		}
		if (nr) {
			printf("remove %zu snapshots:\n", nr);
			if (fr->compact)
				compact_table(rm, nr);
			else
				backup_cli_snap_table(rm, nr, NULL);
			printf("\n");
		}
	}
	json_decref(jkeep);
	json_decref(jrm);
	json_decref(jreasons);
	free(ps);
	free(pv);
	free(keep);
	free(rm);
	free(reasons);
	return rc;
}

static int by_group_key(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->key, ((const struct group *)b)->key);
}

/* --group-by: "host,paths,tags" in any combination, "" for none. */
static int parse_group_by(const char *v, bool *host, bool *paths, bool *tags)
{
	*host = *paths = *tags = false;
	while (v && *v) {
		const char *c = strchr(v, ',');
		size_t l = c ? (size_t)(c - v) : strlen(v);
		if (l == 4 && !strncmp(v, "host", 4))
			*host = true;
		else if (l == 5 && !strncmp(v, "paths", 5))
			*paths = true;
		else if (l == 4 && !strncmp(v, "tags", 4))
			*tags = true;
		else if (l) {
			fprintf(stderr, "hearth: backup: unknown grouping option: '%.*s'\n", (int)l, v);
			return CLI_USAGE;
		}
		v = c ? c + 1 : v + l;
	}
	return CLI_OK;
}

/* Removes the snapshot files; restic's closing progress line. */
static int remove_snaps(struct backup_repo *repo, struct backup_snap **rm, size_t n, int quiet)
{
	size_t done = 0;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		int r = repo->be->ops->remove(repo->be, BACKUP_FILE_SNAPSHOT, rm[i]->hex);
		if (r && r != -ENOENT) {
			fprintf(stderr, "hearth: backup: cannot remove snapshot %.8s: %s\n", rm[i]->hex,
				strerror(-r));
			rc = r;
		} else
			done++;
	}
	if (!quiet)
		printf("[0:00] 100.00%%  %zu / %zu files deleted\n\n", done, n);
	return rc;
}

int backup_cmd_forget(struct cli *cli, int argc, char **argv)
{
	static const char *const own[] = {"--group-by", "-g", "--max-unused", "--max-repack-size", NULL};
	const char *vals[4] = {NULL};
	struct backup_snap_filter f;
	struct bk_taglist *tl = NULL;
	size_t ntl = 0;
	struct forget_run fr;
	memset(&fr, 0, sizeof fr);
	int dry = backup_cli_take_flag(&argc, argv, "--dry-run", "-n");
	int prune = backup_cli_take_flag(&argc, argv, "--prune", NULL);
	struct backup_prune_opts po;
	backup_prune_opts_default(&po);
	po.repack_uncompressed = backup_cli_take_flag(&argc, argv, "--repack-uncompressed", NULL);
	fr.compact = backup_cli_take_flag(&argc, argv, "--compact", "-c");
	int rc = backup_cli_filter_options(&argc, argv, &f);
	if (!rc)
		rc = policy_options(&argc, argv, &fr.pol, &tl, &ntl);
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	if (!rc)
		rc = backup_cli_open(cli, &argc, argv, own, vals, &o, &repo);
	bool by_host, by_paths, by_tags;
	const char *gb = vals[0] ? vals[0] : vals[1] ? vals[1] : "host,paths";
	if (!rc)
		rc = parse_group_by(gb, &by_host, &by_paths, &by_tags);
	if (!rc)
		rc = backup_prune_parse_limits(&po, vals[2], vals[3]);
	uint8_t lock[32];
	bool locked = false;
	char why[256];
	if (!rc) {
		int r = backup_repo_lock(repo, 1, lock, why, sizeof why);
		if (r)
			rc = backup_cli_fail(why, r);
		else
			locked = true;
	}
	struct backup_snaps ss = {0};
	if (!rc && backup_snaps_load(repo, &ss))
		rc = backup_cli_fail("cannot list the snapshots", 0);
	if (!rc)
		backup_snaps_filter(&ss, &f);
	fr.json = o.json;
	fr.groups = json_array();
	fr.rm = calloc(ss.n ? ss.n : 1, sizeof *fr.rm);
	if (!fr.rm && !rc)
		rc = CLI_FAILED;
	struct group *groups = NULL;
	size_t ng = 0;
	if (!rc && argc) {
		/* explicit ids: those go, no policy */
		for (int i = 0; !rc && i < argc; i++) {
			long k = backup_snaps_find(&ss, argv[i], NULL);
			if (k < 0)
				rc = CLI_FAILED;
			else
				fr.rm[fr.n_rm++] = &ss.v[k];
		}
	} else if (!rc && bk_policy_empty(&fr.pol)) {
		if (!o.json)
			printf("no policy was specified, no snapshots will be removed\n");
	} else if (!rc) {
		char desc[2048];
		bk_policy_describe(&fr.pol, desc, sizeof desc);
		if (!o.json)
			printf("Applying Policy: %s\n", desc);
		groups = calloc(ss.n ? ss.n : 1, sizeof *groups);
		rc = groups ? CLI_OK : CLI_FAILED;
		/* newest first in each group, as restic applies the policy */
		for (size_t i = ss.n; !rc && i-- > 0;) {
			char key[4096];
			group_key(&ss.v[i], by_host, by_paths, by_tags, key, sizeof key);
			/* restic sorts what it groups by in the snapshot itself,
			 * so its tables and JSON show them sorted */
			if (by_paths)
				sort_field(&ss.v[i], "paths", &ss.v[i].s.paths);
			if (by_tags)
				sort_field(&ss.v[i], "tags", &ss.v[i].s.tags);
			size_t g = 0;
			while (g < ng && strcmp(groups[g].key, key))
				g++;
			if (g == ng) {
				snprintf(groups[ng].key, sizeof groups[ng].key, "%s", key);
				groups[ng].by_host = by_host;
				groups[ng].by_paths = by_paths;
				groups[ng].by_tags = by_tags;
				groups[ng++].v = calloc(ss.n, sizeof(struct backup_snap *));
				if (!groups[g].v)
					rc = CLI_FAILED;
			}
			if (!rc)
				groups[g].v[groups[g].n++] = &ss.v[i];
		}
		if (ng)
			qsort(groups, ng, sizeof *groups, by_group_key);
		for (size_t g = 0; !rc && g < ng; g++)
			rc = forget_group(&fr, &groups[g]);
	}
	if (!rc && fr.n_rm) {
		if (dry) {
			if (!o.json) {
				printf("Would have removed the following snapshots:\n");
				print_idset(fr.rm, fr.n_rm);
			}
		} else if (remove_snaps(repo, fr.rm, fr.n_rm, o.json || o.quiet)) {
			rc = CLI_FAILED;
		}
	}
	if (!rc && o.json && json_array_size(fr.groups))
		backup_cli_print_compact(json_incref(fr.groups));
	if (!rc && fr.n_rm && prune) {
		if (!o.json)
			printf("%zu snapshots have been removed, running prune\n", fr.n_rm);
		po.dry_run = dry;
		po.quiet = o.quiet;
		po.progress = !o.json;
		rc = backup_prune(repo, &po, NULL) ? CLI_FAILED : CLI_OK;
	}
	for (size_t g = 0; g < ng; g++)
		free(groups[g].v);
	free(groups);
	free(fr.rm);
	json_decref(fr.groups);
	backup_snaps_free(&ss);
	if (locked)
		backup_repo_unlock(repo, lock);
	backup_repo_close(repo);
	backup_cli_filter_free(&f);
	backup_taglists_free(tl, ntl);
	return rc;
}

int backup_cmd_prune(struct cli *cli, int argc, char **argv)
{
	static const char *const own[] = {"--max-unused", "--max-repack-size", NULL};
	const char *vals[2] = {NULL};
	struct backup_prune_opts po;
	backup_prune_opts_default(&po);
	po.dry_run = backup_cli_take_flag(&argc, argv, "--dry-run", "-n");
	po.repack_uncompressed = backup_cli_take_flag(&argc, argv, "--repack-uncompressed", NULL);
	backup_cli_take_flag(&argc, argv, "--repack-cacheable-only", NULL);
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	int rc = backup_cli_open(cli, &argc, argv, own, vals, &o, &repo);
	if (rc)
		return rc;
	if (argc)
		rc = cli_bad_args();
	if (!rc)
		rc = backup_prune_parse_limits(&po, vals[0], vals[1]);
	po.quiet = o.quiet || o.json;
	uint8_t lock[32];
	char why[256];
	if (!rc) {
		int r = backup_repo_lock(repo, 1, lock, why, sizeof why);
		if (r)
			rc = backup_cli_fail(why, r);
		else {
			po.progress = !o.json && !o.quiet;
			r = backup_prune(repo, &po, NULL);
			if (r)
				rc = backup_cli_fail("prune failed", r);
			backup_repo_unlock(repo, lock);
		}
	}
	backup_repo_close(repo);
	return rc;
}
