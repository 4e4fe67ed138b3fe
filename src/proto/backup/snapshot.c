/* SPDX-License-Identifier: MIT */
/* Snapshot JSON (see snapshot.h): restic 0.14's field order and omission rules; decoding through jansson. */
#include "proto/backup/snapshot.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int bk_strv_push(struct bk_strv *v, const char *str)
{
	char **p = realloc(v->v, (v->n + 1) * sizeof *p);

	if (!p)
		return -ENOMEM;
	v->v = p;
	if (!(p[v->n] = strdup(str)))
		return -ENOMEM;
	v->n++;
	return 0;
}

void bk_strv_deinit(struct bk_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

void bk_snapshot_deinit(struct bk_snapshot *s)
{
	if (!s)
		return;
	bk_strv_deinit(&s->paths);
	bk_strv_deinit(&s->excludes);
	bk_strv_deinit(&s->tags);
	free(s->hostname);
	free(s->username);
	memset(s, 0, sizeof *s);
}

static void put_id(struct buf *b, const char *key, const struct bk_id *id)
{
	char hex[65];

	bk_id_hex(id, hex);
	buf_printf(b, ",\"%s\":\"%s\"", key, hex);
}

static void put_strv(struct buf *b, const char *key, const struct bk_strv *v, bool always)
{
	if (!v->n && !always)
		return;
	buf_printf(b, ",\"%s\":", key);
	if (!v->n) {
		buf_puts(b, "null");
		return;
	}
	buf_puts(b, "[");
	for (size_t i = 0; i < v->n; i++) {
		if (i)
			buf_puts(b, ",");
		bk_json_string(b, v->v[i], strlen(v->v[i]));
	}
	buf_puts(b, "]");
}

static void put_str(struct buf *b, const char *key, const char *s)
{
	if (!s || !*s)
		return;
	buf_printf(b, ",\"%s\":", key);
	bk_json_string(b, s, strlen(s));
}

int bk_snapshot_encode(struct buf *b, const struct bk_snapshot *s)
{
	buf_puts(b, "{\"time\":");
	if (bk_json_time(b, &s->time))
		return -EINVAL;
	if (s->has_parent)
		put_id(b, "parent", &s->parent);
	put_id(b, "tree", &s->tree);
	put_strv(b, "paths", &s->paths, true);
	put_str(b, "hostname", s->hostname);
	put_str(b, "username", s->username);
	if (s->uid)
		buf_printf(b, ",\"uid\":%" PRIu32, s->uid);
	if (s->gid)
		buf_printf(b, ",\"gid\":%" PRIu32, s->gid);
	put_strv(b, "excludes", &s->excludes, false);
	put_strv(b, "tags", &s->tags, false);
	if (s->has_original)
		put_id(b, "original", &s->original);
	buf_puts(b, "}");
	return b->err;
}

static int get_id(json_t *o, const char *key, bool *has, struct bk_id *id)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || bk_id_parse(json_string_value(v), json_string_length(v), id))
		return -EINVAL;
	*has = true;
	return 0;
}

static int get_strv(json_t *o, const char *key, struct bk_strv *out)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return -EINVAL;
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		if (!json_is_string(e))
			return -EINVAL;
		int rc = bk_strv_push(out, json_string_value(e));
		if (rc)
			return rc;
	}
	return 0;
}

static int get_str(json_t *o, const char *key, char **out)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -EINVAL;
	return (*out = strdup(json_string_value(v))) ? 0 : -ENOMEM;
}

static int get_u32(json_t *o, const char *key, uint32_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

int bk_snapshot_decode(const char *data, size_t len, struct bk_snapshot *s)
{
	json_error_t jerr;
	json_t *root, *t;
	bool has_tree = false;
	int rc = -EINVAL;

	memset(s, 0, sizeof *s);
	s->time.sec = BK_TIME_ZERO_SEC;
	root = json_loadb(data, len, 0, &jerr);
	if (!root || !json_is_object(root))
		goto out;
	t = json_object_get(root, "time");
	if (t && !json_is_null(t) &&
	    (!json_is_string(t) || bk_time_parse(json_string_value(t), json_string_length(t), &s->time)))
		goto out;
	if ((rc = get_id(root, "parent", &s->has_parent, &s->parent)) ||
	    (rc = get_id(root, "tree", &has_tree, &s->tree)) ||
	    (rc = get_strv(root, "paths", &s->paths)) ||
	    (rc = get_str(root, "hostname", &s->hostname)) ||
	    (rc = get_str(root, "username", &s->username)) ||
	    (rc = get_u32(root, "uid", &s->uid)) || (rc = get_u32(root, "gid", &s->gid)) ||
	    (rc = get_strv(root, "excludes", &s->excludes)) ||
	    (rc = get_strv(root, "tags", &s->tags)) ||
	    (rc = get_id(root, "original", &s->has_original, &s->original)))
		goto out;
	rc = has_tree ? 0 : -EINVAL;
out:
	json_decref(root);
	return rc;
}
