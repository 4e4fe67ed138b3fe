/* SPDX-License-Identifier: MIT */
/* The repository's snapshots (see snaps.h): load, sort, filter, find. */
#include "backup/snaps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load_one(const char *name, uint64_t size, void *ud)
{
	struct backup_snaps *ss = ((void **)ud)[0];
	struct backup_repo *repo = ((void **)ud)[1];
	uint8_t id[32];
	json_t *j = NULL;
	char *text = NULL;
	struct bk_snapshot s;
	(void)size;

	memset(&s, 0, sizeof s);
	int rc = backup_id_parse(name, id);
	if (!rc)
		rc = backup_repo_load_json(repo, BACKUP_FILE_SNAPSHOT, id, &j);
	if (!rc && !(text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		rc = -ENOMEM;
	if (!rc && bk_snapshot_decode(text, strlen(text), &s))
		rc = BACKUP_ECORRUPT;
	free(text);
	if (!rc && ss->n == ss->cap) {
		size_t nc = ss->cap ? ss->cap * 2 : 16;
		struct backup_snap *nv = realloc(ss->v, nc * sizeof *nv);
		if (!nv)
			rc = -ENOMEM;
		else {
			ss->v = nv;
			ss->cap = nc;
		}
	}
	if (rc) {
		json_decref(j);
		bk_snapshot_deinit(&s);
		if (rc == -ENOMEM)
			return rc;
		ss->bad++;
		fprintf(stderr, "hearth: backup: snapshot %.8s: %s\n", name, backup_strerror(rc));
		return 0;
	}
	struct backup_snap *p = &ss->v[ss->n++];
	memcpy(p->id, id, 32);
	backup_id_hex(id, p->hex);
	p->s = s;
	p->j = j;
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct backup_snap *x = a, *y = b;
	if (x->s.time.sec != y->s.time.sec)
		return x->s.time.sec < y->s.time.sec ? -1 : 1;
	if (x->s.time.nsec != y->s.time.nsec)
		return x->s.time.nsec < y->s.time.nsec ? -1 : 1;
	return memcmp(x->id, y->id, 32);
}

int backup_snaps_load(struct backup_repo *repo, struct backup_snaps *ss)
{
	void *ud[2] = {ss, repo};
	memset(ss, 0, sizeof *ss);
	int rc = repo->be->ops->list(repo->be, BACKUP_FILE_SNAPSHOT, load_one, ud);
	if (ss->n)
		qsort(ss->v, ss->n, sizeof *ss->v, by_time);
	return rc;
}

void backup_snaps_free(struct backup_snaps *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		bk_snapshot_deinit(&ss->v[i].s);
		json_decref(ss->v[i].j);
	}
	free(ss->v);
	memset(ss, 0, sizeof *ss);
}

bool backup_strv_has(const struct bk_strv *v, const char *x)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], x))
			return true;
	return false;
}

bool backup_snap_match(const struct backup_snap *s, const struct backup_snap_filter *f)
{
	if (!f)
		return true;
	bool ok = f->n_hosts == 0;
	for (size_t i = 0; !ok && i < f->n_hosts; i++)
		ok = s->s.hostname && !strcmp(s->s.hostname, f->hosts[i]);
	if (!ok)
		return false;
	ok = f->n_tags == 0;
	for (size_t i = 0; !ok && i < f->n_tags; i++)
		ok = bk_tags_match((const char *const *)s->s.tags.v, s->s.tags.n, &f->tags[i]);
	if (!ok)
		return false;
	for (size_t i = 0; i < f->n_paths; i++)
		if (!backup_strv_has(&s->s.paths, f->paths[i]))
			return false;
	return true;
}

void backup_snaps_filter(struct backup_snaps *ss, const struct backup_snap_filter *f)
{
	size_t k = 0;
	for (size_t i = 0; i < ss->n; i++) {
		if (backup_snap_match(&ss->v[i], f)) {
			ss->v[k++] = ss->v[i];
			continue;
		}
		bk_snapshot_deinit(&ss->v[i].s);
		json_decref(ss->v[i].j);
	}
	ss->n = k;
}

long backup_snaps_find(const struct backup_snaps *ss, const char *arg,
		       const struct backup_snap_filter *f)
{
	long hit = -1;
	if (!strcmp(arg, "latest")) {
		for (size_t i = ss->n; i-- > 0;)
			if (backup_snap_match(&ss->v[i], f))
				return (long)i;
		fprintf(stderr, "hearth: backup: no snapshot found\n");
		return -1;
	}
	size_t len = strlen(arg);
	for (size_t i = 0; len && i < ss->n; i++) {
		if (strncmp(ss->v[i].hex, arg, len))
			continue;
		if (hit >= 0) {
			fprintf(stderr, "hearth: backup: prefix %s matches more than one snapshot\n", arg);
			return -1;
		}
		hit = (long)i;
	}
	if (hit < 0)
		fprintf(stderr, "hearth: backup: no matching ID found for prefix \"%s\"\n", arg);
	return hit;
}

json_t *backup_snap_json(const struct backup_snap *s)
{
	json_t *j = json_deep_copy(s->j);
	char shortid[9];
	snprintf(shortid, sizeof shortid, "%.8s", s->hex);
	json_object_set_new(j, "id", json_string(s->hex));
	json_object_set_new(j, "short_id", json_string(shortid));
	return j;
}

int backup_taglists_push(struct bk_taglist **lists, size_t *n, const char *arg)
{
	struct bk_taglist *nl = realloc(*lists, (*n + 1) * sizeof *nl);
	if (!nl)
		return -ENOMEM;
	*lists = nl;
	size_t parts = 1;
	for (const char *p = arg; *p; p++)
		parts += *p == ',';
	char **v = calloc(parts, sizeof *v);
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	for (const char *p = arg;; k++) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (!(v[k] = strndup(p, l))) {
			for (size_t i = 0; i < k; i++)
				free(v[i]);
			free(v);
			return -ENOMEM;
		}
		if (!c)
			break;
		p = c + 1;
	}
	nl[*n].v = (const char *const *)v;
	nl[*n].n = parts;
	(*n)++;
	return 0;
}

void backup_taglists_free(struct bk_taglist *lists, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < lists[i].n; k++)
			free((char *)lists[i].v[k]);
		free((void *)lists[i].v);
	}
	free(lists);
}
