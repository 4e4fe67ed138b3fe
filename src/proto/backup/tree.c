/* SPDX-License-Identifier: MIT */
/* Tree blob JSON (see tree.h): restic 0.14's field order and omission rules; decoding through jansson. */
#include "proto/backup/tree.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

static const char *const type_names[] = {
	[BK_NODE_FILE] = "file", [BK_NODE_DIR] = "dir", [BK_NODE_SYMLINK] = "symlink",
	[BK_NODE_DEV] = "dev", [BK_NODE_CHARDEV] = "chardev", [BK_NODE_FIFO] = "fifo",
	[BK_NODE_SOCKET] = "socket",
};

const char *bk_node_type_name(enum bk_node_type t)
{
	return (unsigned)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "";
}

int bk_node_type_parse(const char *s, enum bk_node_type *t)
{
	for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
		if (strcmp(s, type_names[i]) == 0) {
			*t = (enum bk_node_type)i;
			return 0;
		}
	return -EINVAL;
}

uint32_t bk_mode_from_unix(mode_t m)
{
	uint32_t g = (uint32_t)(m & 0777);

	switch (m & S_IFMT) {
	case S_IFDIR: g |= BK_GOMODE_DIR; break;
	case S_IFLNK: g |= BK_GOMODE_SYMLINK; break;
	case S_IFBLK: g |= BK_GOMODE_DEVICE; break;
	case S_IFCHR: g |= BK_GOMODE_DEVICE | BK_GOMODE_CHARDEV; break;
	case S_IFIFO: g |= BK_GOMODE_NAMEDPIPE; break;
	case S_IFSOCK: g |= BK_GOMODE_SOCKET; break;
	default: break;
	}
	if (m & S_ISUID)
		g |= BK_GOMODE_SETUID;
	if (m & S_ISGID)
		g |= BK_GOMODE_SETGID;
	if (m & S_ISVTX)
		g |= BK_GOMODE_STICKY;
	return g;
}

mode_t bk_mode_to_unix_perm(uint32_t g)
{
	mode_t m = (mode_t)(g & 0777);

	if (g & BK_GOMODE_SETUID)
		m |= S_ISUID;
	if (g & BK_GOMODE_SETGID)
		m |= S_ISGID;
	if (g & BK_GOMODE_STICKY)
		m |= S_ISVTX;
	return m;
}

void bk_node_deinit(struct bk_node *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->user);
	free(n->group);
	free(n->linktarget);
	for (size_t i = 0; i < n->n_xattrs; i++) {
		free(n->xattrs[i].name);
		free(n->xattrs[i].value);
	}
	free(n->xattrs);
	free(n->content);
	free(n->error);
	memset(n, 0, sizeof *n);
}

void bk_tree_init(struct bk_tree *t)
{
	memset(t, 0, sizeof *t);
}

void bk_tree_deinit(struct bk_tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		bk_node_deinit(&t->nodes[i]);
	free(t->nodes);
	memset(t, 0, sizeof *t);
}

struct bk_node *bk_tree_add(struct bk_tree *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct bk_node *p = realloc(t->nodes, cap * sizeof *p);
		if (!p)
			return NULL;
		t->nodes = p;
		t->cap = cap;
	}
	memset(&t->nodes[t->n], 0, sizeof t->nodes[0]);
	return &t->nodes[t->n++];
}

static int name_cmp(const struct bk_node *a, const struct bk_node *b)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);
	return c ? c : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

static int node_cmp(const void *a, const void *b)
{
	return name_cmp(a, b);
}

void bk_tree_sort(struct bk_tree *t)
{
	if (t->n > 1)
		qsort(t->nodes, t->n, sizeof t->nodes[0], node_cmp);
}

static void field_str(struct buf *b, const char *key, const char *s, size_t n)
{
	if (!s || !n)
		return;
	buf_printf(b, ",\"%s\":", key);
	bk_json_string(b, s, n);
}

static void field_u64(struct buf *b, const char *key, uint64_t v)
{
	if (v)
		buf_printf(b, ",\"%s\":%" PRIu64, key, v);
}

static void id_json(struct buf *b, const struct bk_id *id)
{
	char hex[65];

	bk_id_hex(id, hex);
	buf_printf(b, "\"%s\"", hex);
}

int bk_node_encode(struct buf *b, const struct bk_node *n)
{
	int rc = 0;

	struct buf q;

	/* the name is Go-quoted inside the JSON string (restic's Node.MarshalJSON) */
	buf_init(&q, 0);
	bk_go_quote(&q, n->name ? n->name : "", n->name ? n->name_len : 0);
	buf_puts(b, "{\"name\":");
	bk_json_string(b, q.data ? q.data : "", q.len);
	rc = q.err;
	buf_deinit(&q);
	buf_printf(b, ",\"type\":\"%s\"", bk_node_type_name(n->type));
	field_u64(b, "mode", n->mode);
	buf_puts(b, ",\"mtime\":");
	rc |= bk_json_time(b, &n->mtime);
	buf_puts(b, ",\"atime\":");
	rc |= bk_json_time(b, &n->atime);
	buf_puts(b, ",\"ctime\":");
	rc |= bk_json_time(b, &n->ctime);
	buf_printf(b, ",\"uid\":%" PRIu32 ",\"gid\":%" PRIu32, n->uid, n->gid);
	field_str(b, "user", n->user, n->user ? strlen(n->user) : 0);
	field_str(b, "group", n->group, n->group ? strlen(n->group) : 0);
	field_u64(b, "inode", n->inode);
	field_u64(b, "device_id", n->device_id);
	field_u64(b, "size", n->size);
	field_u64(b, "links", n->links);
	field_str(b, "linktarget", n->linktarget, n->linktarget ? n->linktarget_len : 0);
	if (n->n_xattrs) {
		buf_puts(b, ",\"extended_attributes\":[");
		for (size_t i = 0; i < n->n_xattrs; i++) {
			const struct bk_xattr *x = &n->xattrs[i];
			buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
			bk_json_string(b, x->name ? x->name : "", x->name ? strlen(x->name) : 0);
			buf_puts(b, ",\"value\":");
			if (x->value)
				bk_json_base64(b, x->value, x->len);
			else
				buf_puts(b, "null");
			buf_puts(b, "}");
		}
		buf_puts(b, "]");
	}
	field_u64(b, "device", n->device);
	buf_puts(b, ",\"content\":");
	if (!n->content_is_array && !n->n_content) {
		buf_puts(b, "null");
	} else {
		buf_puts(b, "[");
		for (size_t i = 0; i < n->n_content; i++) {
			if (i)
				buf_puts(b, ",");
			id_json(b, &n->content[i]);
		}
		buf_puts(b, "]");
	}
	if (n->has_subtree) {
		buf_puts(b, ",\"subtree\":");
		id_json(b, &n->subtree);
	}
	field_str(b, "error", n->error, n->error ? strlen(n->error) : 0);
	buf_puts(b, "}");
	return rc ? -EINVAL : b->err;
}

int bk_tree_encode(struct buf *b, const struct bk_tree *t)
{
	buf_puts(b, "{\"nodes\":[");
	for (size_t i = 0; i < t->n; i++) {
		if (i && name_cmp(&t->nodes[i - 1], &t->nodes[i]) >= 0)
			return -EINVAL;
		if (i)
			buf_puts(b, ",");
		int rc = bk_node_encode(b, &t->nodes[i]);
		if (rc)
			return rc;
	}
	buf_puts(b, "]}\n");
	return b->err;
}

/* Decoding. Each getter accepts a missing key or JSON null as the zero value,
 * as Go does, and refuses a value of the wrong type. */

static int get_str(json_t *o, const char *key, char **out, size_t *len)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -EINVAL;
	size_t n = json_string_length(v);
	*out = malloc(n + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, json_string_value(v), n + 1);
	if (len)
		*len = n;
	return 0;
}

static int get_u64(json_t *o, const char *key, uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return -EINVAL;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_u32(json_t *o, const char *key, uint32_t *out)
{
	uint64_t v = 0;
	int rc = get_u64(o, key, UINT32_MAX, &v);
	*out = (uint32_t)v;
	return rc;
}

static int get_time(json_t *o, const char *key, struct bk_time *t)
{
	json_t *v = json_object_get(o, key);

	t->sec = BK_TIME_ZERO_SEC;
	t->nsec = 0;
	t->off = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -EINVAL;
	return bk_time_parse(json_string_value(v), json_string_length(v), t);
}

static int get_id(json_t *v, struct bk_id *id)
{
	if (!json_is_string(v))
		return -EINVAL;
	return bk_id_parse(json_string_value(v), json_string_length(v), id);
}

static int decode_xattrs(json_t *arr, struct bk_node *n)
{
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return -EINVAL;
	size_t cnt = json_array_size(arr);
	if (!cnt)
		return 0;
	n->xattrs = calloc(cnt, sizeof *n->xattrs);
	if (!n->xattrs)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		json_t *x = json_array_get(arr, i), *val;
		struct bk_xattr *a = &n->xattrs[i];
		int rc;
		n->n_xattrs = i + 1;
		if (!json_is_object(x))
			return -EINVAL;
		if ((rc = get_str(x, "name", &a->name, NULL)))
			return rc;
		val = json_object_get(x, "value");
		if (val && !json_is_null(val)) {
			if (!json_is_string(val))
				return -EINVAL;
			if ((rc = bk_base64_decode(json_string_value(val), json_string_length(val),
						   &a->value, &a->len)))
				return rc;
		}
	}
	return 0;
}

static int decode_node(json_t *o, struct bk_node *n)
{
	json_t *v;
	uint64_t mode = 0;
	int rc;

	if (!json_is_object(o))
		return -EINVAL;
	char *quoted = NULL;
	size_t qlen = 0;
	if ((rc = get_str(o, "name", &quoted, &qlen)))
		return rc;
	if (quoted) {
		rc = bk_go_unquote(quoted, qlen, &n->name, &n->name_len);
		free(quoted);
		if (rc)
			return rc;
	}
	v = json_object_get(o, "type");
	if (!json_is_string(v) || bk_node_type_parse(json_string_value(v), &n->type))
		return -EINVAL;
	if ((rc = get_u64(o, "mode", UINT32_MAX, &mode)))
		return rc;
	n->mode = (uint32_t)mode;
	if ((rc = get_time(o, "mtime", &n->mtime)) || (rc = get_time(o, "atime", &n->atime)) ||
	    (rc = get_time(o, "ctime", &n->ctime)) || (rc = get_u32(o, "uid", &n->uid)) ||
	    (rc = get_u32(o, "gid", &n->gid)) || (rc = get_str(o, "user", &n->user, NULL)) ||
	    (rc = get_str(o, "group", &n->group, NULL)) ||
	    (rc = get_u64(o, "inode", UINT64_MAX, &n->inode)) ||
	    (rc = get_u64(o, "device_id", UINT64_MAX, &n->device_id)) ||
	    (rc = get_u64(o, "size", UINT64_MAX, &n->size)) ||
	    (rc = get_u64(o, "links", UINT64_MAX, &n->links)) ||
	    (rc = get_str(o, "linktarget", &n->linktarget, &n->linktarget_len)) ||
	    (rc = decode_xattrs(json_object_get(o, "extended_attributes"), n)) ||
	    (rc = get_u64(o, "device", UINT64_MAX, &n->device)) ||
	    (rc = get_str(o, "error", &n->error, NULL)))
		return rc;
	v = json_object_get(o, "content");
	if (v && !json_is_null(v)) {
		if (!json_is_array(v))
			return -EINVAL;
		n->content_is_array = true;
		size_t cnt = json_array_size(v);
		if (cnt) {
			n->content = malloc(cnt * sizeof *n->content);
			if (!n->content)
				return -ENOMEM;
			for (size_t i = 0; i < cnt; i++, n->n_content++)
				if (get_id(json_array_get(v, i), &n->content[i]))
					return -EINVAL;
		}
	}
	v = json_object_get(o, "subtree");
	if (v && !json_is_null(v)) {
		if (get_id(v, &n->subtree))
			return -EINVAL;
		n->has_subtree = true;
	}
	if (!n->name)
		return -EINVAL;
	return 0;
}

int bk_tree_decode(const char *data, size_t len, struct bk_tree *t)
{
	json_error_t jerr;
	json_t *root, *nodes;
	int rc = 0;

	bk_tree_init(t);
	root = json_loadb(data, len, JSON_ALLOW_NUL, &jerr);
	if (!root || !json_is_object(root)) {
		rc = -EINVAL;
		goto out;
	}
	nodes = json_object_get(root, "nodes");
	if (!nodes || json_is_null(nodes))
		goto out;
	if (!json_is_array(nodes)) {
		rc = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < json_array_size(nodes); i++) {
		struct bk_node *n = bk_tree_add(t);
		if (!n) {
			rc = -ENOMEM;
			goto out;
		}
		if ((rc = decode_node(json_array_get(nodes, i), n)))
			goto out;
	}
out:
	json_decref(root);
	return rc;
}
