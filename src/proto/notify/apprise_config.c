/* SPDX-License-Identifier: MIT */
/* Apprise TEXT and YAML configuration parsing (ConfigBase.config_parse_text/_yaml and detect_config_format). */
#include "proto/notify/apprise_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "proto/yaml/tree.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* [a-z0-9]{min,}:// at @p (the schema of a URL) */
static bool url_at(const char *p, const char *e, size_t min)
{
	const char *s = p;
	while (p < e && isalnum((unsigned char)*p))
		p++;
	size_t n = (size_t)(p - s);
	return n >= min && e - p >= 3 && !memcmp(p, "://", 3);
}

struct line {
	const char *b, *e;
	int no;
};

static bool next_line(const char **p, const char *end, struct line *l)
{
	if (*p >= end)
		return false;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *e = nl ? nl : end;
	l->b = *p;
	l->e = e;
	while (l->e > l->b && l->e[-1] == '\r')
		l->e--;
	l->no++;
	*p = nl ? nl + 1 : end;
	return true;
}

enum apprise_config_format apprise_config_detect(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	struct line l = {0};
	while (next_line(&p, end, &l)) {
		const char *c = l.b;
		while (c < l.e && isspace((unsigned char)*c))
			c++;
		if (c == l.e || *c == '#' || *c == ';')
			continue;
		const char *t = c;
		while (t < l.e && (isalnum((unsigned char)*t) || strchr(" \t,_-", *t)))
			t++;
		if (t < l.e && *t == '=' && url_at(t + 1, l.e, 1))
			return APPRISE_CONFIG_TEXT;
		if (url_at(c, l.e, 1))
			return APPRISE_CONFIG_TEXT;
		t = c;
		while (t < l.e && isalnum((unsigned char)*t))
			t++;
		if (t > c && t < l.e && *t == ':')
			return APPRISE_CONFIG_YAML;
		return APPRISE_CONFIG_AUTO;
	}
	return APPRISE_CONFIG_AUTO;
}

static int add_url(struct arena *a, struct apprise_config *c, size_t *cap,
		   struct apprise_config_url **out)
{
	if (c->n == APPRISE_CONFIG_MAX_URLS)
		return -E2BIG;
	if (c->n == *cap) {
		size_t nc = *cap ? 2 * *cap : 16;
		struct apprise_config_url *g = arena_alloc(a, nc * sizeof(*g));
		if (!g)
			return -ENOMEM;
		if (c->n)
			memcpy(g, c->urls, c->n * sizeof(*g));
		c->urls = g;
		*cap = nc;
	}
	*out = &c->urls[c->n++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

static int set_tags(struct arena *a, struct apprise_config_url *u, const char *s)
{
	int n = apprise_split_list(a, s, NULL, true, 64, &u->tags);
	if (n < 0)
		return n;
	u->ntags = (size_t)n;
	for (size_t i = 0; i < u->ntags; i++)
		for (char *c = u->tags[i]; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	return 0;
}

static int parse_text(const char *text, size_t len, struct arena *a,
		      struct apprise_config *c, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	struct line l = {0};
	size_t cap = 0;
	while (next_line(&p, end, &l)) {
		const char *s = l.b, *e = l.e;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (e - s > 8 && !strncasecmp(s, "include", 7) &&
		    isspace((unsigned char)s[7])) {
			c->includes++;
			continue;
		}
		/* (tags=|=)? url ; tags: anything but '=' */
		const char *tags_b = NULL, *tags_e = NULL, *u = s;
		if (!url_at(s, e, 2)) {
			const char *eq = memchr(s, '=', (size_t)(e - s));
			if (!eq) {
				set_err(err, errlen, "line %d: not a URL", l.no);
				return -EINVAL;
			}
			tags_b = s;
			tags_e = eq;
			u = eq + 1;
			while (u < e && isspace((unsigned char)*u))
				u++;
		}
		if (!url_at(u, e, 2)) {
			set_err(err, errlen, "line %d: not a URL", l.no);
			return -EINVAL;
		}
		const char *sc = u;
		while (isalnum((unsigned char)*sc))
			sc++;
		if (sc - u > 9) {
			set_err(err, errlen, "line %d: not a URL", l.no);
			return -EINVAL;
		}
		struct apprise_config_url *cu;
		int rc = add_url(a, c, &cap, &cu);
		if (rc == -E2BIG)
			set_err(err, errlen, "line %d: more than %d URLs", l.no,
				APPRISE_CONFIG_MAX_URLS);
		if (rc)
			return rc;
		cu->line = l.no;
		cu->url = arena_strndup(a, u, (size_t)(e - u));
		char *tags = tags_b ? arena_strndup(a, tags_b, (size_t)(tags_e - tags_b)) : NULL;
		if (!cu->url || (tags_b && !tags))
			return -ENOMEM;
		if (tags && (rc = set_tags(a, cu, tags)))
			return rc;
	}
	return 0;
}

static const struct yaml_node *map_get(const struct yaml_node *m, const char *key)
{
	if (!m || m->kind != YAML_MAP)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		if (m->items[2 * i]->kind == YAML_SCALAR && !strcmp(m->items[2 * i]->text, key))
			return m->items[2 * i + 1];
	return NULL;
}

/* A scalar, or a list of scalars joined with ',' (tags, to, ...). */
static char *scalar_text(struct arena *a, const struct yaml_node *v)
{
	if (!v)
		return NULL;
	if (v->kind == YAML_SCALAR)
		return yaml_node_is_null(v) ? arena_strdup(a, "") : arena_strdup(a, v->text);
	if (v->kind != YAML_SEQ)
		return NULL;
	struct buf b;
	buf_init(&b, APPRISE_CONFIG_MAX_BYTES);
	buf_puts(&b, "");
	for (size_t i = 0; i < v->n; i++) {
		if (v->items[i]->kind != YAML_SCALAR)
			continue;
		buf_printf(&b, "%s%s", b.len ? "," : "", v->items[i]->text);
	}
	char *s = b.err ? NULL : arena_strdup(a, b.data);
	buf_deinit(&b);
	return s;
}

static int yaml_entry(struct arena *a, struct apprise_config *c, size_t *cap,
		      const char *url, const struct yaml_node *opts, const char *gtags,
		      int line)
{
	struct apprise_config_url *cu;
	int rc = add_url(a, c, cap, &cu);
	if (rc)
		return rc;
	cu->url = url;
	cu->line = line;
	struct buf tags;
	buf_init(&tags, APPRISE_CONFIG_MAX_BYTES);
	buf_puts(&tags, gtags ? gtags : "");
	if (opts && opts->kind == YAML_MAP) {
		cu->opts = arena_alloc(a, (opts->n ? opts->n : 1) * sizeof(*cu->opts));
		if (!cu->opts) {
			buf_deinit(&tags);
			return -ENOMEM;
		}
		for (size_t i = 0; i < opts->n; i++) {
			const struct yaml_node *k = opts->items[2 * i], *v = opts->items[2 * i + 1];
			if (k->kind != YAML_SCALAR)
				continue;
			char *val = scalar_text(a, v);
			if (!val)
				continue;
			if (!strcmp(k->text, "tag")) {
				buf_printf(&tags, ",%s", val);
				continue;
			}
			if (!strcmp(k->text, "schema"))
				continue;
			/* VALID_TOKEN: ^[a-z0-9_-]+$ keys only */
			bool ok = *k->text != '\0';
			for (const char *ch = k->text; *ch; ch++)
				ok = ok && (isalnum((unsigned char)*ch) || *ch == '_' || *ch == '-' ||
					    (ch == k->text && strchr("+-:", *ch)));
			if (!ok)
				continue;
			cu->opts[cu->nopts].key = k->text;
			cu->opts[cu->nopts].val = val;
			cu->nopts++;
		}
	}
	rc = tags.err ? -ENOMEM : set_tags(a, cu, tags.data);
	buf_deinit(&tags);
	return rc;
}

static int parse_yaml(const char *text, size_t len, struct arena *a,
		      struct apprise_config *c, char *err, size_t errlen)
{
	struct yaml_node *root = NULL;
	struct yaml_error ye;
	int rc = yaml_tree_parse(text, len, a, &root, &ye);
	if (rc == -EINVAL) {
		set_err(err, errlen, "line %d: %s", ye.line, ye.msg);
		return rc;
	}
	if (rc)
		return rc;
	if (!root || root->kind != YAML_MAP) {
		set_err(err, errlen, "line %d: the YAML config is not a mapping",
			root ? root->line : 1);
		return -EINVAL;
	}
	const struct yaml_node *v = map_get(root, "version");
	if (v && !(v->kind == YAML_SCALAR && !strcmp(v->text, "1"))) {
		set_err(err, errlen, "line %d: unsupported version", v->line);
		return -EINVAL;
	}
	const struct yaml_node *gt = map_get(root, "tag");
	char *gtags = gt ? scalar_text(a, gt) : NULL;
	c->includes = map_get(root, "include") ? 1 : 0;
	const struct yaml_node *urls = map_get(root, "urls");
	if (!urls || urls->kind != YAML_SEQ)
		return 0;
	size_t cap = 0;
	for (size_t i = 0; i < urls->n; i++) {
		const struct yaml_node *it = urls->items[i];
		if (it->kind == YAML_SCALAR) {
			if (!url_at(it->text, it->text + it->len, 2))
				continue; /* Apprise: invalid URL, skipped */
			rc = yaml_entry(a, c, &cap, it->text, NULL, gtags, it->line);
		} else if (it->kind == YAML_MAP && it->n >= 1) {
			/* - <url>: [ {opts}, {opts} ] | {opts} | null */
			const struct yaml_node *k = NULL, *opts = NULL;
			for (size_t j = 0; j < it->n; j++) {
				const struct yaml_node *kk = it->items[2 * j];
				if (kk->kind == YAML_SCALAR && url_at(kk->text, kk->text + kk->len, 2)) {
					k = kk;
					opts = it->items[2 * j + 1];
				}
			}
			if (!k)
				continue;
			if (opts && opts->kind == YAML_SEQ) {
				rc = 0;
				for (size_t j = 0; j < opts->n && !rc; j++)
					if (opts->items[j]->kind == YAML_MAP)
						rc = yaml_entry(a, c, &cap, k->text, opts->items[j], gtags,
								opts->items[j]->line);
			} else {
				rc = yaml_entry(a, c, &cap, k->text, opts, gtags, k->line);
			}
		} else {
			continue;
		}
		if (rc == -E2BIG)
			set_err(err, errlen, "line %d: more than %d URLs", it->line,
				APPRISE_CONFIG_MAX_URLS);
		if (rc)
			return rc;
	}
	return 0;
}

int apprise_config_parse(const char *text, size_t len,
			 enum apprise_config_format fmt, struct arena *a,
			 struct apprise_config *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (len > APPRISE_CONFIG_MAX_BYTES) {
		set_err(err, errlen, "the configuration is larger than %d bytes",
			APPRISE_CONFIG_MAX_BYTES);
		return -E2BIG;
	}
	if (memchr(text, '\0', len)) {
		set_err(err, errlen, "NUL byte in the configuration");
		return -EINVAL;
	}
	if (fmt == APPRISE_CONFIG_AUTO)
		fmt = apprise_config_detect(text, len);
	if (fmt == APPRISE_CONFIG_AUTO) {
		set_err(err, errlen, "The configuration format could not be auto-detected");
		return -EINVAL;
	}
	out->format = fmt;
	return fmt == APPRISE_CONFIG_TEXT ? parse_text(text, len, a, out, err, errlen)
					  : parse_yaml(text, len, a, out, err, errlen);
}

char *apprise_config_url_text(struct arena *a, const struct apprise_config_url *u)
{
	if (!u->nopts)
		return (char *)u->url;
	struct buf b;
	buf_init(&b, APPRISE_URL_MAX);
	buf_puts(&b, u->url);
	bool has_q = strchr(u->url, '?') != NULL;
	for (size_t i = 0; i < u->nopts; i++) {
		buf_printf(&b, "%c", has_q ? '&' : '?');
		has_q = true;
		buf_puts(&b, apprise_quote(a, u->opts[i].key, "+:") ?: "");
		buf_puts(&b, "=");
		buf_puts(&b, apprise_quote(a, u->opts[i].val, "") ?: "");
	}
	char *s = b.err ? NULL : arena_strdup(a, b.data);
	buf_deinit(&b);
	return s;
}
