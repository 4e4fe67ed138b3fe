/* SPDX-License-Identifier: MIT */
/* Walks a YAML tree against the schema tables into a snapshot. */
#include "core/config.h"
#include "core/config_schema.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "proto/yaml/tree.h"

/* Deepest nesting of sections accepted; the schema itself is shallower. */
#define MAX_DEPTH 16

struct loader {
	struct config *cfg;
	struct cfg_error *err;
	/* Position of the last key read: where an error points when the
	 * offending node has no token of its own (a null or empty value). */
	struct cfg_pos last_key;
	/* Filling in an absent section: defaults only, nothing required. */
	bool absent;
};

static struct cfg_pos node_pos(const struct yaml_node *n)
{
	struct cfg_pos p = {0, 0};
	if (n) {
		p.line = n->line;
		p.col = n->col;
	}
	return p;
}

__attribute__((format(printf, 3, 4)))
static int fail_at(struct loader *l, const struct yaml_node *n,
		   const char *fmt, ...)
{
	struct cfg_pos p = node_pos(n);
	if (p.line == 0)
		p = l->last_key;
	if (p.line == 0)
		p = (struct cfg_pos){1, 1};
	va_list ap;
	va_start(ap, fmt);
	int rc = cfg_vfail(l->err, &p, fmt, ap);
	va_end(ap);
	return rc;
}

#define AT(base, off, type) ((type *)((char *)(base) + (off)))

static const char *type_name(enum cfg_type t)
{
	switch (t) {
	case CFG_SECTION: return "a mapping";
	case CFG_MAP: return "a mapping of names";
	case CFG_LIST: return "a list";
	case CFG_STRING: return "a string";
	case CFG_PATH: return "a path";
	case CFG_DNSNAME: return "a DNS name";
	case CFG_INT: return "an integer";
	case CFG_SIZE: return "a size (4096, 16k, 1M)";
	case CFG_DURATION: return "a duration (30, 30s, 5m, 1h, 1d)";
	case CFG_BOOL: return "true or false";
	case CFG_LOGLEVEL: return "one of error, warn, info, debug";
	case CFG_SOCKADDR: return "ADDR:PORT";
	case CFG_SOCKADDR53: return "ADDR or ADDR:PORT";
	case CFG_IPADDR: return "an IP address";
	case CFG_PREFIX: return "a prefix (ADDR/LEN)";
	case CFG_MAC: return "a MAC address";
	case CFG_ROOM: return "a mapping";
	}
	return "?";
}

/* Plain integer with an optional unit from @units (suffix, multiplier). */
struct unit {
	const char *suffix;
	int64_t mult;
};

static const struct unit size_units[] = {
	{"", 1}, {"k", 1024}, {"K", 1024}, {"KiB", 1024}, {"M", 1048576},
	{"MiB", 1048576}, {"G", 1073741824}, {"GiB", 1073741824}, {NULL, 0},
};
static const struct unit time_units[] = {
	{"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {NULL, 0},
};

static int parse_number(const char *s, const struct unit *units, int64_t *out)
{
	const char *p = s;
	bool neg = false;
	if (*p == '-' && units[1].suffix == NULL) {
		neg = true;
		p++;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	int64_t v = 0;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (INT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (*p - '0');
	}
	for (const struct unit *u = units; u->suffix; u++) {
		if (strcmp(p, u->suffix) == 0) {
			if (v > INT64_MAX / u->mult)
				return -ERANGE;
			*out = (neg ? -v : v) * u->mult;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct unit int_units[] = {{"", 1}, {NULL, 0}};

static bool is_dnsname(char *s)
{
	size_t n = strlen(s);
	if (n > 0 && s[n - 1] == '.')
		s[--n] = '\0';
	if (n == 0 || n > 253)
		return false;
	char label[64];
	const char *p = s;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (len == 0 || len > 63)
			return false;
		memcpy(label, p, len);
		label[len] = '\0';
		/* Underscores appear in real names (_acme-challenge). */
		for (size_t i = 0; i < len; i++)
			if (label[i] == '_')
				label[i] = 'a';
		if (!cfg_is_label(label))
			return false;
		p += len + (dot ? 1 : 0);
		if (dot && !*p)
			return false;
	}
	for (char *q = s; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return true;
}

/* Parses scalar text into the field's storage at @dst. 0 or -EINVAL/-ERANGE. */
static int parse_scalar(struct loader *l, const struct cfg_field *f,
			char *text, bool plain, void *dst)
{
	int64_t v;
	int rc;
	switch (f->type) {
	case CFG_STRING:
	case CFG_PATH:
		if (f->type == CFG_PATH && !*text)
			return -EINVAL;
		*(const char **)dst = arena_strdup(&l->cfg->arena, text);
		return *(const char **)dst ? 0 : -ENOMEM;
	case CFG_DNSNAME:
		if (!is_dnsname(text))
			return -EINVAL;
		*(const char **)dst = arena_strdup(&l->cfg->arena, text);
		return *(const char **)dst ? 0 : -ENOMEM;
	case CFG_INT:
	case CFG_SIZE:
	case CFG_DURATION:
		/* A count is a YAML number; "20s" and "16M" quoted are the
		 * same duration and size as unquoted (compose files quote). */
		if (!plain && f->type == CFG_INT)
			return -EINVAL;
		rc = parse_number(text,
				  f->type == CFG_SIZE ? size_units
				  : f->type == CFG_DURATION ? time_units
							    : int_units,
				  &v);
		if (rc)
			return rc;
		if (v < f->min || v > f->max)
			return -ERANGE;
		*(int64_t *)dst = v;
		return 0;
	case CFG_BOOL:
		if (plain && strcmp(text, "true") == 0)
			*(bool *)dst = true;
		else if (plain && strcmp(text, "false") == 0)
			*(bool *)dst = false;
		else
			return -EINVAL;
		return 0;
	case CFG_LOGLEVEL:
		return log_level_parse(text, (enum log_level *)dst);
	case CFG_SOCKADDR:
		return sockaddr_parse(text, 0, dst);
	case CFG_SOCKADDR53:
		return sockaddr_parse(text, 53, dst);
	case CFG_IPADDR:
		return ipaddr_parse(text, dst);
	case CFG_PREFIX:
		return ipprefix_parse(text, dst);
	case CFG_MAC:
		return macaddr_parse(text, dst);
	case CFG_SECTION:
	case CFG_MAP:
	case CFG_LIST:
	case CFG_ROOM:
		break;
	}
	return -EINVAL;
}

static int load_section(struct loader *l, const struct cfg_section *s,
			const struct yaml_node *node, void *obj, int depth);
static int load_absent(struct loader *l, const struct cfg_section *s,
		       void *obj, int depth);

static int scalar_text(struct loader *l, const struct yaml_node *n, char **out,
		       bool *plain)
{
	if (n->kind != YAML_SCALAR)
		return fail_at(l, n, "expected a scalar");
	if (memchr(n->text, '\0', n->len))
		return fail_at(l, n, "NUL byte in value");
	*out = arena_strndup(&l->cfg->arena, n->text, n->len);
	if (!*out)
		return -ENOMEM;
	*plain = n->plain;
	return 0;
}

static int load_map(struct loader *l, const struct cfg_field *f,
		    const struct yaml_node *node, void *parent, int depth)
{
	const struct cfg_section *s = f->sub;
	if (yaml_node_is_null(node))
		return 0;
	if (node->kind != YAML_MAP)
		return fail_at(l, node, "'%s' must be %s", f->key,
			       type_name(f->type));
	if (node->n == 0)
		return 0;
	char *items = arena_alloc(&l->cfg->arena, node->n * s->size);
	if (!items)
		return -ENOMEM;
	size_t i;
	for (i = 0; i < node->n; i++) {
		const struct yaml_node *k = node->items[2 * i];
		const struct yaml_node *v = node->items[2 * i + 1];
		char *name = NULL;
		bool plain = false;
		if (k->kind != YAML_SCALAR)
			return fail_at(l, k, "names in '%s' must be scalars",
				       f->key);
		int rc = scalar_text(l, k, &name, &plain);
		if (rc)
			return rc;
		l->last_key = node_pos(k);
		void *item = items + i * s->size;
		if (s->name_off != CFG_NONE)
			*AT(item, s->name_off, const char *) = name;
		if (s->pos_off != CFG_NONE)
			*AT(item, s->pos_off, struct cfg_pos) = node_pos(k);
		rc = load_section(l, s, v, item, depth + 1);
		if (rc)
			return rc;
	}
	*AT(parent, f->off, void *) = items;
	*AT(parent, f->count_off, size_t) = i;
	return 0;
}

static int load_scalar(struct loader *l, const struct cfg_field *f,
		       const struct yaml_node *v, void *dst);

static int load_list(struct loader *l, const struct cfg_field *f,
		     const struct yaml_node *node, void *parent, int depth)
{
	if (yaml_node_is_null(node))
		return 0;
	const struct yaml_node *const *elems = &node;
	size_t n = 1;
	if (node->kind == YAML_SEQ) {
		elems = (const struct yaml_node *const *)node->items;
		n = node->n;
	} else if (f->elem == CFG_SECTION &&
		   !(f->sub->scalar_item && node->kind == YAML_SCALAR)) {
		return fail_at(l, node, "'%s' must be a list", f->key);
	}
	if (n == 0)
		return 0;
	size_t size = f->elem == CFG_SECTION ? f->sub->size : f->elem_size;
	char *items = arena_alloc(&l->cfg->arena, n * size);
	if (!items)
		return -ENOMEM;
	/* Each element is checked as if it were the list's key. */
	struct cfg_field ef = *f;
	ef.type = f->elem;
	for (size_t i = 0; i < n; i++) {
		void *item = items + i * size;
		int rc;
		if (f->elem == CFG_SECTION && f->sub->scalar_item &&
		    elems[i]->kind == YAML_SCALAR) {
			/* {first key: the scalar}, checked as written so */
			struct yaml_node key = {
				.kind = YAML_SCALAR, .line = elems[i]->line,
				.col = elems[i]->col,
				.text = f->sub->fields[0].key,
				.len = strlen(f->sub->fields[0].key),
				.plain = true};
			struct yaml_node val = *elems[i];
			struct yaml_node *pair[2] = {&key, &val};
			struct yaml_node map = {
				.kind = YAML_MAP, .line = elems[i]->line,
				.col = elems[i]->col, .n = 1, .items = pair};
			if (f->sub->pos_off != CFG_NONE)
				*AT(item, f->sub->pos_off, struct cfg_pos) =
					node_pos(elems[i]);
			rc = load_section(l, f->sub, &map, item, depth + 1);
		} else if (f->elem == CFG_SECTION) {
			if (elems[i]->kind != YAML_MAP)
				return fail_at(l, elems[i],
					       "items of '%s' must be mappings",
					       f->key);
			if (f->sub->pos_off != CFG_NONE)
				*AT(item, f->sub->pos_off, struct cfg_pos) =
					node_pos(elems[i]);
			rc = load_section(l, f->sub, elems[i], item, depth + 1);
		} else {
			rc = load_scalar(l, &ef, elems[i], item);
		}
		if (rc)
			return rc;
	}
	*AT(parent, f->off, void *) = items;
	*AT(parent, f->count_off, size_t) = n;
	return 0;
}

/* Where a section's struct lives: inside its parent, or for a room's
 * section a zeroed struct of its own in the arena. */
static void *section_data(struct loader *l, const struct cfg_field *f,
			  void *obj)
{
	if (f->type != CFG_ROOM)
		return AT(obj, f->off, char);
	void *data = arena_alloc(&l->cfg->arena, f->elem_size ? f->elem_size : 1);
	if (data)
		memset(data, 0, f->elem_size ? f->elem_size : 1);
	*AT(obj, f->off, void *) = data;
	return data;
}

/*
 * The `enabled` key of a section that takes one: *on is its value (true
 * when absent) and *rest the mapping without it, for the section's own
 * keys. 0 or a config error.
 */
static int take_enabled(struct loader *l, const struct yaml_node *v,
			const struct yaml_node **rest, bool *on)
{
	*on = true;
	*rest = v;
	if (yaml_node_is_null(v) || v->kind != YAML_MAP)
		return 0;
	for (size_t p = 0; p < v->n; p++) {
		const struct yaml_node *k = v->items[2 * p];
		const struct yaml_node *val = v->items[2 * p + 1];
		if (k->kind != YAML_SCALAR || k->len != 7 ||
		    memcmp(k->text, "enabled", 7) != 0)
			continue;
		if (val->kind != YAML_SCALAR || !val->plain ||
		    (strcmp(val->text, "true") && strcmp(val->text, "false")))
			return fail_at(l, yaml_node_is_null(val) ? k : val,
				       "'enabled' must be true or false");
		*on = strcmp(val->text, "true") == 0;
		struct yaml_node *copy = arena_alloc(&l->cfg->arena,
						     sizeof(*copy));
		struct yaml_node **items = arena_alloc(
			&l->cfg->arena, (v->n ? v->n : 1) * 2 * sizeof(*items));
		if (!copy || !items)
			return -ENOMEM;
		*copy = *v;
		size_t n = 0;
		for (size_t q = 0; q < v->n; q++) {
			if (q == p)
				continue;
			items[2 * n] = v->items[2 * q];
			items[2 * n + 1] = v->items[2 * q + 1];
			n++;
		}
		copy->items = items;
		copy->n = n;
		*rest = copy;
		return 0;
	}
	return 0;
}

static int load_field(struct loader *l, const struct cfg_field *f,
		      const struct yaml_node *v, void *obj, int depth)
{
	void *dst = section_data(l, f, obj);
	bool on = true;
	int rc;
	if (!dst)
		return -ENOMEM;
	if (f->type == CFG_SECTION || f->type == CFG_ROOM) {
		if (!yaml_node_is_null(v) && v->kind != YAML_MAP)
			return fail_at(l, v, "'%s' must be %s", f->key,
				       type_name(f->type));
		if (f->disabled_off != CFG_NONE &&
		    (rc = take_enabled(l, v, &v, &on)))
			return rc;
		if (on) {
			rc = load_section(l, f->sub,
					  yaml_node_is_null(v) ? NULL : v, dst,
					  depth + 1);
		} else {
			/* Off: its keys are still checked, none required. */
			bool was = l->absent;
			l->absent = true;
			rc = load_section(l, f->sub,
					  yaml_node_is_null(v) ? NULL : v, dst,
					  depth + 1);
			l->absent = was;
		}
	} else if (f->type == CFG_MAP) {
		rc = load_map(l, f, v, obj, depth);
	} else if (f->type == CFG_LIST) {
		rc = load_list(l, f, v, obj, depth);
	} else {
		rc = load_scalar(l, f, v, dst);
	}
	if (rc)
		return rc;
	if (f->pos_off != CFG_NONE)
		*AT(obj, f->pos_off, struct cfg_pos) = node_pos(v);
	if (f->set_off != CFG_NONE)
		*AT(obj, f->set_off, bool) = on;
	if (!on)
		*AT(obj, f->disabled_off, bool) = true;
	return 0;
}

static int load_scalar(struct loader *l, const struct cfg_field *f,
		       const struct yaml_node *v, void *dst)
{
	char *text = NULL;
	bool plain = false;
	if (yaml_node_is_null(v))
		return fail_at(l, v, "'%s' needs a value: %s", f->key,
			       type_name(f->type));
	if (v->kind != YAML_SCALAR)
		return fail_at(l, v, "'%s' must be %s", f->key,
			       type_name(f->type));
	int rc = scalar_text(l, v, &text, &plain);
	if (rc)
		return rc;
	rc = parse_scalar(l, f, text, plain, dst);
	if (rc == -ERANGE) {
		struct cfg_pos p = node_pos(v);
		return cfg_fail(l->err, &p, "'%s' is out of range [%lld, %lld]",
				f->key, (long long)f->min, (long long)f->max);
	}
	if (rc == -EINVAL)
		return fail_at(l, v, "'%s' must be %s", f->key,
			       type_name(f->type));
	return rc;
}

static int load_absent(struct loader *l, const struct cfg_section *s,
		       void *obj, int depth)
{
	bool was = l->absent;
	l->absent = true;
	int rc = load_section(l, s, NULL, obj, depth);
	l->absent = was;
	return rc;
}

static int apply_default(struct loader *l, const struct cfg_field *f,
			 void *obj, int depth)
{
	if (f->type == CFG_SECTION || f->type == CFG_ROOM) {
		/* An absent section still gets its defaults; set_off stays
		 * false so the room knows it is disabled. */
		void *data = section_data(l, f, obj);
		return data ? load_absent(l, f->sub, data, depth + 1) : -ENOMEM;
	}
	void *dst = AT(obj, f->off, char);
	if (!f->def)
		return 0;
	char *text = arena_strdup(&l->cfg->arena, f->def);
	if (!text)
		return -ENOMEM;
	int rc = parse_scalar(l, f, text, true, dst);
	if (rc)
		return cfg_fail(l->err, NULL, "bad default for '%s'", f->key);
	return 0;
}

static int load_section(struct loader *l, const struct cfg_section *s,
			const struct yaml_node *node, void *obj, int depth)
{
	if (depth > MAX_DEPTH)
		return fail_at(l, node, "nesting too deep");
	if (node && !yaml_node_is_null(node) && node->kind != YAML_MAP)
		return fail_at(l, node, "expected a mapping");
	if (yaml_node_is_null(node))
		node = NULL;
	/* Each key must be known: typos are errors, never ignored. */
	bool seen[64] = {false};
	if (s->n_fields > sizeof(seen) / sizeof(seen[0]))
		return cfg_fail(l->err, NULL, "schema section too large");
	if (node) {
		for (size_t p = 0; p < node->n; p++) {
			const struct yaml_node *k = node->items[2 * p];
			const struct yaml_node *v = node->items[2 * p + 1];
			if (k->kind != YAML_SCALAR)
				return fail_at(l, k, "keys must be scalars");
			const char *key = k->text;
			size_t klen = k->len;
			l->last_key = node_pos(k);
			size_t i;
			for (i = 0; i < s->n_fields; i++) {
				if (strlen(s->fields[i].key) == klen &&
				    memcmp(s->fields[i].key, key, klen) == 0)
					break;
			}
			if (i == s->n_fields) {
				char name[64];
				size_t n = klen < sizeof(name) - 1 ? klen
								   : sizeof(name) - 1;
				memcpy(name, key, n);
				name[n] = '\0';
				for (size_t j = 0; j < n; j++)
					if (!isprint((unsigned char)name[j]))
						name[j] = '?';
				return fail_at(l, k, "unknown key '%s'", name);
			}
			int rc = load_field(l, &s->fields[i], v, obj, depth);
			if (rc)
				return rc;
			seen[i] = true;
		}
	}
	for (size_t i = 0; i < s->n_fields; i++) {
		if (seen[i])
			continue;
		const struct cfg_field *f = &s->fields[i];
		if (f->required && !l->absent)
			return fail_at(l, node, "missing required key '%s'",
				       f->key);
		int rc = apply_default(l, f, obj, depth);
		if (rc)
			return rc;
	}
	/* Cross-field checks run once the whole section is known, so an
	 * item may refer to a sibling map written later in the file. */
	for (size_t i = 0; i < s->n_fields; i++) {
		const struct cfg_field *f = &s->fields[i];
		bool items_are_sections = f->type == CFG_MAP ||
			(f->type == CFG_LIST && f->elem == CFG_SECTION);
		if (!items_are_sections || !f->sub->check)
			continue;
		char *items = *AT(obj, f->off, char *);
		size_t n = *AT(obj, f->count_off, size_t);
		for (size_t j = 0; j < n; j++) {
			int rc = f->sub->check(l->cfg, items + j * f->sub->size,
					       l->err);
			if (rc)
				return rc;
		}
	}
	/* A top-level section's own check runs once the whole file is read,
	 * so it may look at another section (dhcp: at lab:) wherever that
	 * stands in the file. */
	if (depth == 0) {
		for (size_t i = 0; i < s->n_fields; i++) {
			const struct cfg_field *f = &s->fields[i];
			if ((f->type != CFG_SECTION && f->type != CFG_ROOM) ||
			    !f->sub->check || f->sub->size != 0)
				continue;
			void *data = f->type == CFG_ROOM ? *AT(obj, f->off, void *)
							 : AT(obj, f->off, char);
			int rc = data ? f->sub->check(l->cfg, data, l->err) : 0;
			if (rc)
				return rc;
		}
	}
	if (s->check && s->size == 0 && depth != 1)
		return s->check(l->cfg, obj, l->err);
	return 0;
}

static void set_file(struct cfg_error *err, const char *name)
{
	snprintf(err->file, sizeof(err->file), "%s", name);
}

int config_load_buffer(const struct config_schema *schema, const char *data,
		       size_t len, const char *name, struct config **out,
		       struct cfg_error *err)
{
	struct config *cfg = NULL;
	struct yaml_node *root = NULL;
	struct yaml_error yerr;
	int rc;

	memset(err, 0, sizeof(*err));
	set_file(err, name);
	*out = NULL;
	if (len > CONFIG_MAX_BYTES) {
		rc = cfg_fail(err, NULL, "file larger than %d bytes",
			      CONFIG_MAX_BYTES);
		goto out;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		rc = -ENOMEM;
		goto out;
	}
	atomic_init(&cfg->refs, 1);
	arena_init(&cfg->arena);
	cfg->schema = schema;
	cfg->path = arena_strdup(&cfg->arena, name);

	/* The tree shares the snapshot's arena: the loader copies what it
	 * keeps, and the few nodes cost less than a second arena. */
	rc = yaml_tree_parse(data, len, &cfg->arena, &root, &yerr);
	if (rc == -EINVAL) {
		struct cfg_pos p = {yerr.line, yerr.col};
		rc = cfg_fail(err, &p, "YAML syntax: %s", yerr.msg);
		goto out;
	}
	if (rc)
		goto out;
	struct loader l = {.cfg = cfg, .err = err};
	if (root && !yaml_node_is_null(root) && root->kind != YAML_MAP) {
		rc = fail_at(&l, root, "the config must be a mapping");
		goto out;
	}
	rc = load_section(&l, &schema->root, root, cfg, 0);
	if (rc)
		goto out;
	*out = cfg;
	cfg = NULL;
out:
	if (rc == -ENOMEM)
		cfg_fail(err, NULL, "out of memory");
	config_unref(cfg);
	return rc;
}

int config_load_file(const struct config_schema *schema, const char *path,
		     struct config **out, struct cfg_error *err)
{
	int fd = -1, rc;
	char *data = NULL;
	size_t len = 0;

	memset(err, 0, sizeof(*err));
	set_file(err, path);
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = cfg_fail(err, NULL, "cannot open: %s", strerror(errno));
		goto out;
	}
	data = malloc(CONFIG_MAX_BYTES + 1);
	if (!data) {
		rc = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, data + len, CONFIG_MAX_BYTES + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = cfg_fail(err, NULL, "cannot read: %s",
				      strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_MAX_BYTES)
			break;
	}
	rc = config_load_buffer(schema, data, len, path, out, err);
out:
	free(data);
	if (fd >= 0)
		close(fd);
	return rc;
}

struct config *config_ref(struct config *c)
{
	if (c)
		atomic_fetch_add(&c->refs, 1);
	return c;
}

void config_unref(struct config *c)
{
	if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	arena_deinit(&c->arena);
	free(c);
}

void config_error_print(const struct cfg_error *err, FILE *f)
{
	fprintf(f, "%s:%d:%d: %s\n", err->file, err->line ? err->line : 1,
		err->col ? err->col : 1, err->msg);
}
