/* SPDX-License-Identifier: MIT */
/* restic index JSON, parsed defensively into a compact open-addressing table, and written for new packs. */
#include "proto/backup/index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/crypto.h"

struct slot {
	uint8_t id[32];
	uint32_t pack; /* pack number + 1 (0: empty), type in the top bit */
	uint32_t offset, length, ulen;
};

#define TYPE_BIT 0x80000000u

struct backup_index {
	struct slot *ents;  /* dense, in the order added */
	size_t used, ents_cap;
	uint32_t *tab;	    /* open addressing: entry number + 1, 0 empty */
	size_t cap;	    /* a power of two, at most 3/4 used */
	uint8_t (*packs)[32];
	size_t npacks, packs_cap;
	/* The last pack added, so a file's blobs reuse its number. */
	uint8_t last_pack[32];
	uint32_t last_no;
};

struct backup_index *backup_index_new(void)
{
	return calloc(1, sizeof(struct backup_index));
}

void backup_index_free(struct backup_index *idx)
{
	if (!idx)
		return;
	free(idx->ents);
	free(idx->tab);
	free(idx->packs);
	free(idx);
}

static size_t slot_of(const uint8_t id[32], int type, size_t mask)
{
	uint64_t h;
	memcpy(&h, id, 8); /* ids are SHA-256: already uniform */
	return (size_t)((h ^ (uint64_t)type) & mask);
}

static int same(const struct slot *s, const uint8_t id[32], int type)
{
	return ((s->pack & TYPE_BIT) != 0) == (type == 1) &&
	       !memcmp(s->id, id, 32);
}

/* The table cell for (id, type): holding it, or the empty one to use. */
static uint32_t *lookup(const struct backup_index *idx, const uint8_t id[32],
			int type, int *found)
{
	size_t mask = idx->cap - 1;
	for (size_t i = slot_of(id, type, mask);; i = (i + 1) & mask) {
		uint32_t *c = &idx->tab[i];
		if (!*c || same(&idx->ents[*c - 1], id, type)) {
			*found = *c != 0;
			return c;
		}
	}
}

static int grow(struct backup_index *idx)
{
	size_t ncap = idx->cap ? idx->cap * 2 : 1024;
	uint32_t *nt = calloc(ncap, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	free(idx->tab);
	idx->tab = nt;
	idx->cap = ncap;
	for (size_t i = 0; i < idx->used; i++) {
		int f;
		const struct slot *s = &idx->ents[i];
		*lookup(idx, s->id, (s->pack & TYPE_BIT) ? 1 : 0, &f) =
			(uint32_t)i + 1;
	}
	return 0;
}

static int pack_no(struct backup_index *idx, const uint8_t pack[32],
		   uint32_t *no)
{
	if (idx->last_no && !memcmp(idx->last_pack, pack, 32)) {
		*no = idx->last_no;
		return 0;
	}
	if (idx->npacks + 1 >= TYPE_BIT - 1)
		return -ENOMEM;
	if (idx->npacks == idx->packs_cap) {
		size_t ncap = idx->packs_cap ? idx->packs_cap * 2 : 64;
		void *np = realloc(idx->packs, ncap * 32);
		if (!np)
			return -ENOMEM;
		idx->packs = np;
		idx->packs_cap = ncap;
	}
	memcpy(idx->packs[idx->npacks++], pack, 32);
	memcpy(idx->last_pack, pack, 32);
	idx->last_no = (uint32_t)idx->npacks;
	*no = idx->last_no;
	return 0;
}

int backup_index_add(struct backup_index *idx, const uint8_t pack[32],
		     const struct backup_pack_entry *e)
{
	if (idx->used >= UINT32_MAX - 1)
		return -ENOMEM;
	if ((idx->used + 1) * 4 > idx->cap * 3 && grow(idx))
		return -ENOMEM;
	int found;
	uint32_t *c = lookup(idx, e->id, e->type, &found);
	if (found)
		return 1;
	if (idx->used == idx->ents_cap) {
		size_t ncap = idx->ents_cap ? idx->ents_cap + idx->ents_cap / 2
					    : 256;
		struct slot *ne = realloc(idx->ents, ncap * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		idx->ents = ne;
		idx->ents_cap = ncap;
	}
	uint32_t no;
	if (pack_no(idx, pack, &no))
		return -ENOMEM;
	struct slot *s = &idx->ents[idx->used];
	memcpy(s->id, e->id, 32);
	s->pack = no | (e->type == BACKUP_BLOB_TREE ? TYPE_BIT : 0);
	s->offset = e->offset;
	s->length = e->length;
	s->ulen = e->compressed ? e->uncompressed_length : 0;
	*c = (uint32_t)++idx->used;
	return 0;
}

static void fill_loc(const struct backup_index *idx, const struct slot *s,
		     struct backup_blob_loc *loc)
{
	loc->pack = idx->packs[(s->pack & ~TYPE_BIT) - 1];
	loc->type = (s->pack & TYPE_BIT) ? 1 : 0;
	loc->offset = s->offset;
	loc->length = s->length;
	loc->uncompressed_length = s->ulen;
}

int backup_index_find(const struct backup_index *idx, const uint8_t id[32],
		      int type, struct backup_blob_loc *loc)
{
	if (!idx->cap)
		return -ENOENT;
	int found;
	const uint32_t *c = lookup(idx, id, type, &found);
	if (!found)
		return -ENOENT;
	if (loc)
		fill_loc(idx, &idx->ents[*c - 1], loc);
	return 0;
}

size_t backup_index_blobs(const struct backup_index *idx)
{
	return idx->used;
}

size_t backup_index_packs(const struct backup_index *idx)
{
	return idx->npacks;
}

size_t backup_index_memory(const struct backup_index *idx)
{
	return idx->ents_cap * sizeof(struct slot) +
	       idx->cap * sizeof(uint32_t) + idx->packs_cap * 32 +
	       sizeof(*idx);
}

int backup_index_each(const struct backup_index *idx,
		      int (*fn)(const uint8_t id[32],
				const struct backup_blob_loc *loc, void *ud),
		      void *ud)
{
	for (size_t i = 0; i < idx->used; i++) {
		struct backup_blob_loc loc;
		fill_loc(idx, &idx->ents[i], &loc);
		int rc = fn(idx->ents[i].id, &loc, ud);
		if (rc)
			return rc;
	}
	return 0;
}

static int u32_member(const json_t *o, const char *name, int required,
		      uint32_t *out)
{
	const json_t *v = json_object_get(o, name);
	if (!v) {
		*out = 0;
		return required ? -EINVAL : 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

static int fail(const char **why, const char *text)
{
	if (why)
		*why = text;
	return -EINVAL;
}

static int parse_blob(const json_t *b, struct backup_pack_entry *e,
		      const char **why)
{
	const char *type = json_string_value(json_object_get(b, "type"));
	if (!json_is_object(b) ||
	    backup_id_parse(json_string_value(json_object_get(b, "id")), e->id))
		return fail(why, "index: a blob without a valid id");
	if (!type || (strcmp(type, "data") && strcmp(type, "tree")))
		return fail(why, "index: a blob type is not data or tree");
	e->type = !strcmp(type, "tree") ? BACKUP_BLOB_TREE : BACKUP_BLOB_DATA;
	if (u32_member(b, "offset", 1, &e->offset) ||
	    u32_member(b, "length", 1, &e->length) ||
	    u32_member(b, "uncompressed_length", 0, &e->uncompressed_length))
		return fail(why, "index: a blob offset or length is not a "
				 "32-bit count");
	if (e->length < BACKUP_CRYPTO_OVERHEAD)
		return fail(why, "index: a blob is shorter than its encryption");
	e->compressed = e->uncompressed_length != 0;
	return 0;
}

int backup_index_parse(struct backup_index *idx, const char *json, size_t len,
		       const char **why)
{
	json_error_t jerr;
	json_t *j = json_loadb(json, len, 0, &jerr);
	int rc = 0;
	const json_t *packs = json_object_get(j, "packs");
	const json_t *sup = json_object_get(j, "supersedes");
	if (!json_is_object(j) || !json_is_array(packs))
		rc = fail(why, "index: not an object with a packs array");
	else if (sup && !json_is_array(sup) && !json_is_null(sup))
		rc = fail(why, "index: supersedes is not an array");
	size_t i;
	const json_t *p;
	json_array_foreach(rc ? NULL : packs, i, p) {
		uint8_t pid[32];
		const json_t *blobs = json_object_get(p, "blobs");
		if (!json_is_object(p) ||
		    backup_id_parse(json_string_value(json_object_get(p, "id")),
				    pid)) {
			rc = fail(why, "index: a pack without a valid id");
			break;
		}
		if (!json_is_array(blobs)) {
			rc = fail(why, "index: a pack without a blobs array");
			break;
		}
		size_t k;
		const json_t *b;
		json_array_foreach(blobs, k, b) {
			struct backup_pack_entry e;
			rc = parse_blob(b, &e, why);
			if (!rc && backup_index_add(idx, pid, &e) < 0)
				rc = -ENOMEM;
			if (rc)
				break;
		}
		if (rc)
			break;
	}
	json_decref(j);
	return rc;
}

json_t *backup_index_doc_new(void)
{
	return json_pack("{s:[]}", "packs");
}

int backup_index_doc_add_pack(json_t *doc, const uint8_t pack[32],
			      const struct backup_pack_entry *e, size_t n)
{
	char hex[BACKUP_ID_HEX];
	backup_id_hex(pack, hex);
	json_t *blobs = json_array();
	json_t *p = json_pack("{s:s,s:o}", "id", hex, "blobs", blobs);
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		backup_id_hex(e[i].id, hex);
		json_t *b = json_pack("{s:s,s:s,s:I,s:I}", "id", hex, "type",
				      e[i].type == BACKUP_BLOB_TREE ? "tree"
								    : "data",
				      "offset", (json_int_t)e[i].offset,
				      "length", (json_int_t)e[i].length);
		if (b && e[i].compressed)
			json_object_set_new(
				b, "uncompressed_length",
				json_integer(e[i].uncompressed_length));
		if (!b || json_array_append_new(blobs, b)) {
			json_decref(p);
			return -ENOMEM;
		}
	}
	return json_array_append_new(json_object_get(doc, "packs"), p)
		       ? -ENOMEM
		       : 0;
}
