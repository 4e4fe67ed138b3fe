/* SPDX-License-Identifier: MIT */
/* `prune`'s engine (see prune.h): what is used, which packs go or get repacked, the new index, then deletions. */
#include "backup/prune.h"
#include "backup/progress.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "backup/packwriter.h"
#include "backup/snaps.h"
#include "backup/walk.h"


void backup_prune_opts_default(struct backup_prune_opts *o)
{
	memset(o, 0, sizeof *o);
	o->unused_is_pct = true;
	o->unused_pct = 5;
	o->max_repack = UINT64_MAX;
}

static int parse_size(const char *v, uint64_t *out)
{
	char *end;
	double d = strtod(v, &end);
	static const char units[] = "kmgt";
	const char *u = *end ? strchr(units, *end | 0x20) : NULL;
	if (!*v || d < 0 || isnan(d) || (*end && (!u || end[1])))
		return -EINVAL;
	if (u)
		d *= pow(1024, (double)(u - units + 1));
	*out = d >= 1.8e19 ? UINT64_MAX : (uint64_t)d;
	return 0;
}

int backup_prune_parse_limits(struct backup_prune_opts *o, const char *max_unused,
			      const char *max_repack)
{
	if (max_unused) {
		size_t l = strlen(max_unused);
		o->unused_unlimited = !strcmp(max_unused, "unlimited");
		o->unused_is_pct = l && max_unused[l - 1] == '%';
		if (o->unused_is_pct) {
			char *end;
			o->unused_pct = strtod(max_unused, &end);
			if (end != max_unused + l - 1 || o->unused_pct < 0 || o->unused_pct > 100) {
				fprintf(stderr, "hearth: backup: invalid --max-unused '%s': a percentage "
						"is 0%%..100%%\n", max_unused);
				return 2;
			}
		} else if (!o->unused_unlimited && parse_size(max_unused, &o->unused_bytes)) {
			fprintf(stderr, "hearth: backup: invalid --max-unused '%s' (a size with "
					"k/m/g/t, N%%, or unlimited)\n", max_unused);
			return 2;
		}
	}
	if (max_repack && parse_size(max_repack, &o->max_repack)) {
		fprintf(stderr, "hearth: backup: invalid --max-repack-size '%s'\n", max_repack);
		return 2;
	}
	return 0;
}

void backup_format_bytes(uint64_t n, char *out, size_t cap)
{
	static const char *const u[] = {"KiB", "MiB", "GiB", "TiB"};
	if (n < 1024) {
		snprintf(out, cap, "%llu B", (unsigned long long)n);
		return;
	}
	double d = (double)n / 1024;
	int i = 0;
	while (d >= 1024 && i < 3) {
		d /= 1024;
		i++;
	}
	snprintf(out, cap, "%.3f %s", d, u[i]);
}

/* One blob of one pack as an index file lists it. */
struct entry {
	uint8_t pack[32];
	struct backup_pack_entry e;
	bool used;
};

enum action { KEEP, REPACK, REMOVE };

struct pack {
	uint8_t id[32];
	struct entry *v; /* into the sorted entry table */
	size_t n;
	uint64_t used, unused; /* bytes */
	bool has_tree, uncompressed, in_backend;
	enum action act;
};

/* A file listed in the backend, with its size. */
struct file {
	uint8_t id[32];
	uint64_t size;
};

struct prune {
	struct backup_repo *repo;
	const struct backup_prune_opts *o;
	struct backup_prune_stats *st;
	struct entry *ents;
	size_t n_ents, cap_ents;
	struct pack *packs;
	size_t n_packs;
	struct file *files; /* pack files */
	size_t n_files, cap_files;
	uint8_t (*indexes)[32];
	size_t n_indexes, cap_indexes;
};

static void say(const struct prune *p, const char *fmt, const char *a)
{
	if (!p->o->quiet) {
		printf(fmt, a);
		fflush(stdout);
	}
}

static int push(void **v, size_t *n, size_t *cap, size_t sz)
{
	if (*n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 256;
	void *nv = realloc(*v, nc * sz);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

static int list_file(const char *name, uint64_t size, void *ud)
{
	struct prune *p = ud;
	if (push((void **)&p->files, &p->n_files, &p->cap_files, sizeof *p->files))
		return -ENOMEM;
	if (backup_id_parse(name, p->files[p->n_files].id))
		return 0;
	p->files[p->n_files++].size = size;
	return 0;
}

static uint32_t u32_of(json_t *j)
{
	json_int_t v = json_integer_value(j);
	return v < 0 || v > UINT32_MAX ? 0 : (uint32_t)v;
}

/* Every (pack, blob) an index file lists, and the file's id. */
static int index_file(const char *name, uint64_t size, void *ud)
{
	struct prune *p = ud;
	uint8_t id[32];
	json_t *j = NULL;
	(void)size;
	if (backup_id_parse(name, id))
		return 0;
	int rc = backup_repo_load_json(p->repo, BACKUP_FILE_INDEX, id, &j);
	if (rc)
		return rc;
	if (push((void **)&p->indexes, &p->n_indexes, &p->cap_indexes, sizeof *p->indexes)) {
		json_decref(j);
		return -ENOMEM;
	}
	memcpy(p->indexes[p->n_indexes++], id, 32);
	size_t i, k;
	json_t *pk, *b;
	json_array_foreach(json_object_get(j, "packs"), i, pk) {
		uint8_t pid[32];
		if (backup_id_parse(json_string_value(json_object_get(pk, "id")) ?: "", pid))
			continue;
		json_array_foreach(json_object_get(pk, "blobs"), k, b) {
			if (push((void **)&p->ents, &p->n_ents, &p->cap_ents, sizeof *p->ents)) {
				json_decref(j);
				return -ENOMEM;
			}
			struct entry *e = &p->ents[p->n_ents];
			memset(e, 0, sizeof *e);
			memcpy(e->pack, pid, 32);
			const char *t = json_string_value(json_object_get(b, "type"));
			if (backup_id_parse(json_string_value(json_object_get(b, "id")) ?: "", e->e.id))
				continue;
			e->e.type = t && !strcmp(t, "tree") ? BACKUP_BLOB_TREE : BACKUP_BLOB_DATA;
			e->e.offset = u32_of(json_object_get(b, "offset"));
			e->e.length = u32_of(json_object_get(b, "length"));
			e->e.uncompressed_length = u32_of(json_object_get(b, "uncompressed_length"));
			e->e.compressed = e->e.uncompressed_length != 0;
			p->n_ents++;
		}
	}
	json_decref(j);
	return 0;
}

static int by_pack_offset(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = memcmp(x->pack, y->pack, 32);
	if (c)
		return c;
	return x->e.offset < y->e.offset ? -1 : x->e.offset > y->e.offset;
}

static int by_file(const void *a, const void *b)
{
	return memcmp(((const struct file *)a)->id, ((const struct file *)b)->id, 32);
}

/* bsearch: an id against a pack (packs are in id order). */
static int by_pack_id(const void *key, const void *pk)
{
	return memcmp(key, ((const struct pack *)pk)->id, 32);
}

static const struct file *find_file(const struct prune *p, const uint8_t id[32])
{
	struct file key;
	memcpy(key.id, id, 32);
	return p->n_files ? bsearch(&key, p->files, p->n_files, sizeof key, by_file) : NULL;
}

/* Groups the sorted entries into packs (dropping the same blob listed
 * twice for one pack, as after an interrupted prune). */
static int group_packs(struct prune *p)
{
	qsort(p->ents, p->n_ents, sizeof *p->ents, by_pack_offset);
	size_t k = 0;
	for (size_t i = 0; i < p->n_ents; i++)
		if (!k || by_pack_offset(&p->ents[k - 1], &p->ents[i]))
			p->ents[k++] = p->ents[i];
	p->n_ents = k;
	p->packs = calloc(p->n_ents ? p->n_ents : 1, sizeof *p->packs);
	if (!p->packs)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_ents; i++) {
		if (!p->n_packs || memcmp(p->packs[p->n_packs - 1].id, p->ents[i].pack, 32)) {
			struct pack *pk = &p->packs[p->n_packs++];
			memcpy(pk->id, p->ents[i].pack, 32);
			pk->v = &p->ents[i];
			pk->in_backend = find_file(p, pk->id) != NULL;
		}
		p->packs[p->n_packs - 1].n++;
	}
	return 0;
}

/* Marks each used blob once (its first copy in a pack that exists). */
static int mark_used(struct prune *p, struct backup_idset *trees, struct backup_idset *data)
{
	struct backup_idset *taken[2] = {backup_idset_new(), backup_idset_new()};
	int rc = taken[0] && taken[1] ? 0 : -ENOMEM;
	for (size_t i = 0; !rc && i < p->n_packs; i++) {
		struct pack *pk = &p->packs[i];
		for (size_t k = 0; !rc && k < pk->n; k++) {
			struct entry *e = &pk->v[k];
			int t = e->e.type == BACKUP_BLOB_TREE;
			uint64_t sz = e->e.length + (e->e.compressed ? BACKUP_PACK_ENTRY_COMPRESSED
								  : BACKUP_PACK_ENTRY_PLAIN);
			bool wanted = backup_idset_has(t ? trees : data, e->e.id);
			int r = wanted && pk->in_backend ? backup_idset_add(taken[t], e->e.id) : 1;
			if (r < 0)
				rc = r;
			e->used = r == 0;
			if (e->used) {
				pk->used += sz;
				p->st->blobs_used++;
				p->st->bytes_used += sz;
			} else {
				pk->unused += sz;
				p->st->blobs_unused++;
				p->st->bytes_unused += sz;
			}
			pk->has_tree |= t;
			pk->uncompressed |= !e->e.compressed;
		}
	}
	size_t missing = 0;
	if (!rc)
		missing = backup_idset_count(trees) - backup_idset_count(taken[1]) +
			  backup_idset_count(data) - backup_idset_count(taken[0]);
	if (!rc && missing) {
		fprintf(stderr, "hearth: backup: %zu used blobs are missing from the index or "
				"its packs; prune cannot go on (run check)\n", missing);
		rc = BACKUP_ECORRUPT;
	}
	backup_idset_free(taken[0]);
	backup_idset_free(taken[1]);
	return rc;
}

static double ratio(const struct pack *pk)
{
	return (double)pk->unused / (double)(pk->used ? pk->used : 1);
}

static int by_ratio(const void *a, const void *b)
{
	double x = ratio(*(struct pack *const *)a), y = ratio(*(struct pack *const *)b);
	return x > y ? -1 : x < y;
}

/* restic's decision: unused packs go; partly used ones (and, when asked,
 * uncompressed ones) are repacked, the most wasteful first, until what
 * stays unused is within --max-unused; packs with trees always are. */
static int decide(struct prune *p, uint64_t *rm_unused, uint64_t *repack_bytes)
{
	struct pack **cand = calloc(p->n_packs ? p->n_packs : 1, sizeof *cand);
	size_t nc = 0;
	if (!cand)
		return -ENOMEM;
	*rm_unused = *repack_bytes = 0;
	for (size_t i = 0; i < p->n_packs; i++) {
		struct pack *pk = &p->packs[i];
		bool unc = pk->uncompressed && p->repo->version >= 2 && p->o->repack_uncompressed;
		if (!pk->in_backend || !pk->used) {
			pk->act = REMOVE;
			*rm_unused += pk->unused;
		} else if (pk->unused || unc) {
			cand[nc++] = pk;
		} else {
			pk->act = KEEP;
		}
	}
	qsort(cand, nc, sizeof *cand, by_ratio);
	double used = (double)p->st->bytes_used, limit;
	if (p->o->unused_unlimited)
		limit = INFINITY;
	else if (p->o->unused_is_pct)
		limit = p->o->unused_pct >= 100 ? INFINITY : used * p->o->unused_pct / (100 - p->o->unused_pct);
	else
		limit = (double)p->o->unused_bytes;
	for (size_t i = 0; i < nc; i++) {
		struct pack *pk = cand[i];
		double left = (double)(p->st->bytes_unused - *rm_unused);
		bool over = *repack_bytes + pk->used + pk->unused > p->o->max_repack;
		bool unc = pk->uncompressed && p->repo->version >= 2 && p->o->repack_uncompressed;
		if (over)
			pk->act = KEEP;
		else if (pk->has_tree || unc || left >= limit)
			pk->act = REPACK;
		else
			pk->act = KEEP;
		if (pk->act == REPACK) {
			*repack_bytes += pk->used + pk->unused;
			*rm_unused += pk->unused;
		}
	}
	free(cand);
	return 0;
}

/* Whether a blob of @pk is rewritten from its plaintext: only to
 * compress it (--repack-uncompressed in format 2). */
static bool needs_reseal(const struct prune *p, const struct entry *e)
{
	return !e->e.compressed && p->repo->version >= 2 && p->o->repack_uncompressed;
}

/* The used blobs of @pk into new packs. Each blob is sealed on its own
 * with the master key, so its bytes move as they are (MAC checked, never
 * decrypted or recompressed); runs of used blobs are read in one go. */
static int repack(struct prune *p, const struct backup_index *idx,
		  struct backup_packwriter *w, const struct pack *pk, uint8_t **buf, size_t *cap)
{
	char hex[BACKUP_ID_HEX];
	backup_id_hex(pk->id, hex);
	backup_repo_prefetch_pack(p->repo, pk->id);
	int rc = 0;
	for (size_t k = 0; !rc && k < pk->n;) {
		const struct entry *e = &pk->v[k];
		if (!e->used) {
			k++;
			continue;
		}
		if (needs_reseal(p, e)) {
			uint8_t *plain = NULL;
			size_t plen = 0;
			rc = backup_repo_read_blob(p->repo, idx, e->e.id, e->e.type, &plain, &plen);
			if (!rc)
				rc = backup_packwriter_add(w, e->e.type, e->e.id, plain, plen);
			free(plain);
			k++;
			continue;
		}
		/* a run of adjacent used blobs, up to 4 MiB (or one larger blob) */
		size_t end = k + 1;
		uint64_t from = e->e.offset, to = (uint64_t)e->e.offset + e->e.length;
		while (end < pk->n && pk->v[end].used && !needs_reseal(p, &pk->v[end]) &&
		       pk->v[end].e.offset == to && to - from + pk->v[end].e.length <= (4u << 20)) {
			to += pk->v[end].e.length;
			end++;
		}
		if (to - from > BACKUP_BLOB_MAX + (4u << 20))
			return BACKUP_ECORRUPT; /* a hostile index's length */
		size_t n = (size_t)(to - from);
		if (n > *cap) {
			uint8_t *nb = realloc(*buf, n);
			if (!nb)
				return -ENOMEM;
			*buf = nb;
			*cap = n;
		}
		rc = p->repo->be->ops->load_range(p->repo->be, BACKUP_FILE_PACK, hex, from, n, *buf);
		for (size_t i = k; !rc && i < end; i++) {
			const struct backup_pack_entry *x = &pk->v[i].e;
			const uint8_t *sealed = *buf + (x->offset - from);
			rc = backup_repo_check_mac(p->repo, sealed, x->length);
			if (rc) {
				char bh[BACKUP_ID_HEX];
				backup_id_hex(x->id, bh);
				fprintf(stderr, "hearth: backup: blob %.8s in pack %.8s is damaged; "
						"prune cannot go on (run check --read-data)\n", bh, hex);
			} else {
				rc = backup_packwriter_add_sealed(w, x, sealed);
			}
		}
		k = end;
	}
	return rc;
}

/* Repacks, then writes the index of every pack that stays. */
static int rewrite(struct prune *p, const struct backup_index *idx)
{
	struct backup_packwriter *w = backup_packwriter_new(p->repo);
	int rc = w ? 0 : -ENOMEM;
	bool any = false;
	struct backup_progress *bar = NULL;
	uint8_t *buf = NULL;
	size_t cap = 0;
	for (size_t i = 0; !rc && i < p->n_packs; i++) {
		struct pack *pk = &p->packs[i];
		if (pk->act != REPACK)
			continue;
		if (!any) {
			say(p, "%s", "repacking packs\n");
			if (p->o->progress && (bar = backup_progress_start("packs", p->o->quiet)))
				for (size_t j = i; j < p->n_packs; j++)
					if (p->packs[j].act == REPACK)
						backup_progress_add_total(bar, 1, p->packs[j].used +
										  p->packs[j].unused);
		}
		any = true;
		rc = repack(p, idx, w, pk, &buf, &cap);
		backup_progress_add(bar, 1, pk->used + pk->unused);
	}
	backup_progress_stop(bar);
	free(buf);
	/* the new packs' index first: a crash now leaves duplicates only */
	if (!rc)
		rc = backup_packwriter_flush(w);
	if (!rc) {
		p->st->packs_written = backup_packwriter_packs(w);
		say(p, "%s", "rebuilding index\n");
	}
	struct backup_pack_entry *tmp = NULL;
	size_t tcap = 0;
	for (size_t i = 0; !rc && i < p->n_packs; i++) {
		struct pack *pk = &p->packs[i];
		if (pk->act != KEEP)
			continue;
		if (pk->n > tcap) {
			struct backup_pack_entry *nt = realloc(tmp, pk->n * sizeof *nt);
			if (!nt) {
				rc = -ENOMEM;
				break;
			}
			tmp = nt;
			tcap = pk->n;
		}
		for (size_t k = 0; k < pk->n; k++)
			tmp[k] = pk->v[k].e;
		rc = backup_packwriter_index_pack(w, pk->id, tmp, pk->n);
	}
	if (!rc)
		rc = backup_packwriter_flush(w);
	free(tmp);
	backup_packwriter_free(w);
	return rc;
}

static void report(const struct prune *p, uint64_t rm_unused, uint64_t repack_bytes)
{
	if (p->o->quiet)
		return;
	uint64_t nb[3] = {0}, sz[3] = {0}, rm_blobs = 0, rm_bytes = 0;
	for (size_t i = 0; i < p->n_packs; i++) {
		const struct pack *pk = &p->packs[i];
		for (size_t k = 0; k < pk->n; k++) {
			const struct entry *e = &pk->v[k];
			uint64_t s = e->e.length;
			if (pk->act == REPACK && e->used)
				nb[0]++, sz[0] += s;
			else if (pk->act == REPACK)
				nb[1]++, sz[1] += s;
			else if (pk->act == REMOVE)
				nb[2]++, sz[2] += s;
		}
	}
	(void)repack_bytes;
	rm_blobs = nb[1] + nb[2];
	rm_bytes = sz[1] + sz[2];
	char a[32], b[32];
	printf("\n");
	backup_format_bytes(sz[0], a, sizeof a);
	printf("%-14s%10llu blobs / %s\n", "to repack:", (unsigned long long)nb[0], a);
	backup_format_bytes(sz[1], a, sizeof a);
	printf("%-14s%10llu blobs / %s\n", "this removes:", (unsigned long long)nb[1], a);
	backup_format_bytes(sz[2], a, sizeof a);
	printf("%-14s%10llu blobs / %s\n", "to delete:", (unsigned long long)nb[2], a);
	backup_format_bytes(rm_bytes, a, sizeof a);
	printf("%-14s%10llu blobs / %s\n", "total prune:", (unsigned long long)rm_blobs, a);
	uint64_t rem_blobs = p->st->blobs_used + p->st->blobs_unused - rm_blobs;
	uint64_t rem_bytes = p->st->bytes_used + p->st->bytes_unused - rm_unused;
	backup_format_bytes(rem_bytes, a, sizeof a);
	printf("%-14s%10llu blobs / %s\n", "remaining:", (unsigned long long)rem_blobs, a);
	uint64_t unused_after = p->st->bytes_unused - rm_unused;
	backup_format_bytes(unused_after, b, sizeof b);
	printf("unused size after prune: %s (%.2f%% of remaining size)\n\n", b,
	       rem_bytes ? 100.0 * (double)unused_after / (double)rem_bytes : 0.0);
}

int backup_prune(struct backup_repo *repo, const struct backup_prune_opts *o,
		 struct backup_prune_stats *st_out)
{
	struct backup_prune_stats st;
	struct prune p;
	memset(&st, 0, sizeof st);
	memset(&p, 0, sizeof p);
	p.repo = repo;
	p.o = o;
	p.st = &st;
	struct backup_index *idx = NULL;
	struct backup_snaps ss = {0};
	struct backup_idset *trees = backup_idset_new(), *data = backup_idset_new();
	uint8_t (*roots)[32] = NULL;
	uint64_t rm_unused = 0, repack_bytes = 0;

	say(&p, "%s", "loading indexes...\n");
	int rc = trees && data ? 0 : -ENOMEM;
	if (!rc)
		rc = backup_repo_load_index(repo, 1, &idx, NULL);
	if (!rc)
		rc = repo->be->ops->list(repo->be, BACKUP_FILE_INDEX, index_file, &p);
	if (!rc)
		rc = repo->be->ops->list(repo->be, BACKUP_FILE_PACK, list_file, &p);
	if (!rc && p.n_files)
		qsort(p.files, p.n_files, sizeof *p.files, by_file);
	if (!rc)
		rc = group_packs(&p);
	say(&p, "%s", "loading all snapshots...\n");
	if (!rc)
		rc = backup_snaps_load(repo, &ss);
	if (!rc && ss.bad) {
		fprintf(stderr, "hearth: backup: %zu snapshots cannot be read; prune cannot go on\n",
			ss.bad);
		rc = BACKUP_ECORRUPT;
	}
	if (!rc && !(roots = calloc(ss.n ? ss.n : 1, 32)))
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < ss.n; i++)
		memcpy(roots[i], ss.v[i].s.tree.b, 32);
	if (!rc && !o->quiet)
		printf("finding data that is still in use for %zu snapshots\n", ss.n);
	uint8_t missing[32];
	if (!rc)
		backup_repo_prefetch(repo, idx, BACKUP_BLOB_TREE);
	if (!rc && (rc = backup_used_blobs(repo, idx, (const uint8_t(*)[32])roots, ss.n, trees,
					   data, missing))) {
		char hex[BACKUP_ID_HEX];
		backup_id_hex(missing, hex);
		fprintf(stderr, "hearth: backup: tree %.8s cannot be read (%s); prune cannot go on\n",
			hex, backup_strerror(rc));
	}
	say(&p, "%s", "searching used packs...\n");
	if (!rc)
		rc = mark_used(&p, trees, data);
	say(&p, "%s", "collecting packs for deletion and repacking\n");
	if (!rc)
		rc = decide(&p, &rm_unused, &repack_bytes);
	/* pack files no index names */
	size_t unref = 0;
	for (size_t i = 0; !rc && i < p.n_files; i++)
		if (!bsearch(p.files[i].id, p.packs, p.n_packs, sizeof *p.packs, by_pack_id))
			p.files[unref++] = p.files[i];
	if (!rc) {
		st.packs_unreferenced = unref;
		report(&p, rm_unused, repack_bytes);
		if (unref && !o->quiet)
			printf("%zu packs not referenced in any index%s\n", unref,
			       o->dry_run ? " would be deleted" : " are deleted first");
	}
	if (!rc && !o->dry_run) {
		char hex[BACKUP_ID_HEX];
		for (size_t i = 0; !rc && i < unref; i++) {
			backup_id_hex(p.files[i].id, hex);
			rc = repo->be->ops->remove(repo->be, BACKUP_FILE_PACK, hex);
		}
		bool change = false;
		for (size_t i = 0; i < p.n_packs; i++)
			change |= p.packs[i].act != KEEP;
		if (!rc && change) {
			rc = rewrite(&p, idx);
			if (!rc)
				say(&p, "%s", "deleting obsolete index files\n");
			for (size_t i = 0; !rc && i < p.n_indexes; i++) {
				backup_id_hex(p.indexes[i], hex);
				rc = repo->be->ops->remove(repo->be, BACKUP_FILE_INDEX, hex);
				if (rc == -ENOENT)
					rc = 0;
			}
			size_t n_rm = 0;
			for (size_t i = 0; i < p.n_packs; i++)
				n_rm += p.packs[i].act != KEEP && p.packs[i].in_backend;
			if (!rc && n_rm && !o->quiet)
				printf("removing %zu old packs\n", n_rm);
			for (size_t i = 0; !rc && i < p.n_packs; i++) {
				if (p.packs[i].act == KEEP || !p.packs[i].in_backend)
					continue;
				backup_id_hex(p.packs[i].id, hex);
				rc = repo->be->ops->remove(repo->be, BACKUP_FILE_PACK, hex);
				if (rc == -ENOENT)
					rc = 0;
			}
		}
		if (!rc)
			say(&p, "%s", "done\n");
	}
	for (size_t i = 0; i < p.n_packs; i++) {
		st.packs_removed += p.packs[i].act == REMOVE;
		st.packs_repacked += p.packs[i].act == REPACK;
		st.packs_kept += p.packs[i].act == KEEP;
	}
	st.bytes_removed = rm_unused;
	if (st_out)
		*st_out = st;
	free(roots);
	backup_snaps_free(&ss);
	backup_idset_free(trees);
	backup_idset_free(data);
	backup_index_free(idx);
	free(p.ents);
	free(p.packs);
	free(p.files);
	free(p.indexes);
	return rc;
}
