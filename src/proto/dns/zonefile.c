/* SPDX-License-Identifier: MIT */
/* RFC 1035 master-file ("zone file") parser. */
#include "proto/dns/zonefile.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/dns/rdata.h"

/*
 * A streaming lexer turns the buffer into tokens and end-of-record marks
 * (a newline outside parentheses); one record is read token by token, so
 * nothing but the RDATA text is copied. The RDATA tokens are joined with
 * single blanks, quotes and escapes kept, and handed to
 * dns_rdata_from_text, which owns every type's syntax. $INCLUDE recurses
 * through parse_file, at most INCLUDE_DEPTH deep; each level keeps its own
 * origin, owner and $TTL, restored when the included file ends.
 */

#define INCLUDE_DEPTH 8
#define LINE_MAX_BYTES 65536   /* one physical line */
#define RECORD_MAX_BYTES 65536 /* one record, all its lines */
#define PATH_MAX_BYTES 1024

enum { T_WORD, T_EOL, T_EOF };

struct ztok {
	int kind;
	const char *p; /* raw text; a quoted token includes its quotes */
	size_t len;
	bool quoted;
	int line;
};

struct zf_file {
	const char *data;
	size_t len;
	size_t pos;
	const char *name;
	int line;
	size_t line_start;
	int parens;
	int rec_line;
	size_t rec_start;
	int include_depth;
	struct dns_name origin;
	struct dns_name owner;
	bool has_owner;
	uint32_t ttl; /* for records without one */
};

struct zf_ctx {
	const struct dns_zf_ops *ops;
	struct dns_zf_error *err;
	char *text;     /* RDATA text of one record */
	uint8_t *rdata; /* its wire form */
};

static int fail(struct zf_ctx *c, const struct zf_file *f, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));

static int fail(struct zf_ctx *c, const struct zf_file *f, const char *fmt,
		...)
{
	va_list ap;
	snprintf(c->err->file, sizeof(c->err->file), "%s", f->name);
	c->err->line = f->rec_line;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Shortens user text quoted in a message. */
#define SHOW(t) (int)((t)->len > 40 ? 40 : (t)->len), (t)->p

static void newline(struct zf_file *f)
{
	if (f->line < INT_MAX)
		f->line++;
	f->line_start = f->pos;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static bool ends_word(char ch)
{
	return is_space(ch) || ch == '\n' || ch == ';' || ch == '(' ||
	       ch == ')' || ch == '"';
}

static int lex(struct zf_ctx *c, struct zf_file *f, struct ztok *t)
{
	for (;;) {
		if (f->pos - f->line_start > LINE_MAX_BYTES)
			return fail(c, f, "line longer than %d bytes",
				    LINE_MAX_BYTES);
		if (f->pos >= f->len) {
			if (f->parens)
				return fail(c, f, "unbalanced parentheses");
			t->kind = T_EOF;
			return 0;
		}
		char ch = f->data[f->pos];
		if (is_space(ch)) {
			f->pos++;
		} else if (ch == '\n') {
			f->pos++;
			newline(f);
			if (!f->parens) {
				t->kind = T_EOL;
				return 0;
			}
		} else if (ch == ';') {
			const char *nl = memchr(f->data + f->pos, '\n',
						f->len - f->pos);
			f->pos = nl ? (size_t)(nl - f->data) : f->len;
		} else if (ch == '(') {
			if (f->parens)
				return fail(c, f, "nested parentheses");
			f->parens = 1;
			f->pos++;
		} else if (ch == ')') {
			if (!f->parens)
				return fail(c, f, "unbalanced parentheses");
			f->parens = 0;
			f->pos++;
		} else {
			break;
		}
	}

	size_t start = f->pos, i = start;
	t->kind = T_WORD;
	t->line = f->line;
	t->quoted = f->data[i] == '"';
	if (t->quoted) {
		for (i++; i < f->len && f->data[i] != '"'; i++) {
			if (f->data[i] == '\n' ||
			    (f->data[i] == '\\' && i + 1 < f->len &&
			     f->data[i + 1] == '\n'))
				break;
			if (f->data[i] == '\\')
				i++;
		}
		if (i >= f->len || f->data[i] != '"')
			return fail(c, f, "unterminated quoted string");
		i++;
	} else {
		while (i < f->len && !ends_word(f->data[i])) {
			if (f->data[i] == '\\') {
				if (i + 1 < f->len && f->data[i + 1] == '\n')
					return fail(c, f, "escaped newline");
				i++;
			}
			i++;
		}
		if (i > f->len)
			i = f->len; /* a final backslash; the parsers refuse it */
	}
	t->p = f->data + start;
	t->len = i - start;
	f->pos = i;
	if (f->pos - f->line_start > LINE_MAX_BYTES)
		return fail(c, f, "line longer than %d bytes", LINE_MAX_BYTES);
	if (f->pos - f->rec_start > RECORD_MAX_BYTES)
		return fail(c, f, "record longer than %d bytes",
			    RECORD_MAX_BYTES);
	return 0;
}

/* The next token must be a word. */
static int word(struct zf_ctx *c, struct zf_file *f, struct ztok *t,
		const char *what)
{
	int rc = lex(c, f, t);
	if (rc == 0 && t->kind != T_WORD)
		rc = fail(c, f, "missing %s", what);
	return rc;
}

/* TTL with units: "3600", "1h", "1w2d3h4m5s"; a bare number only alone. */
static int parse_ttl(const struct ztok *t, uint32_t *out)
{
	uint64_t total = 0, cur = 0;
	bool digits = false, unit = false;

	if (t->quoted || t->len == 0)
		return -EINVAL;
	for (size_t i = 0; i < t->len; i++) {
		char ch = t->p[i];
		uint64_t mul;
		if (ch >= '0' && ch <= '9') {
			cur = cur * 10 + (uint64_t)(ch - '0');
			digits = true;
			if (cur > UINT32_MAX)
				return -ERANGE;
			continue;
		}
		switch (ch | 0x20) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		case 'w': mul = 604800; break;
		default: return -EINVAL;
		}
		if (!digits)
			return -EINVAL;
		total += cur * mul;
		if (total > UINT32_MAX)
			return -ERANGE;
		cur = 0;
		digits = false;
		unit = true;
	}
	if (digits) {
		if (unit)
			return -EINVAL;
		total = cur;
	}
	*out = (uint32_t)total;
	return 0;
}

static int ttl_token(struct zf_ctx *c, struct zf_file *f, const struct ztok *t,
		     uint32_t *out)
{
	int rc = parse_ttl(t, out);
	if (rc == -ERANGE)
		return fail(c, f, "TTL '%.*s' out of range", SHOW(t));
	if (rc)
		return fail(c, f, "bad TTL '%.*s'", SHOW(t));
	return 0;
}

/* A name token, relative to @origin; the message explains a refusal. */
static int name_token(struct zf_ctx *c, struct zf_file *f,
		      const struct ztok *t, const struct dns_name *origin,
		      const char *what, struct dns_name *out)
{
	if (t->quoted)
		return fail(c, f, "%s cannot be a quoted string", what);
	if (dns_name_from_text(t->p, t->len, origin, out) == 0)
		return 0;
	/* The NS parser has the detailed reasons for a bad name. */
	char why[128] = "bad name";
	size_t n;
	if (dns_rdata_from_text(DNS_T_NS, t->p, t->len, origin, c->rdata,
				DNS_RDATA_MAX, &n, why) == 0)
		snprintf(why, sizeof(why), "bad name '%.*s'", SHOW(t));
	return fail(c, f, "%s: %s", what, why);
}

static bool token_is(const struct ztok *t, const char *s)
{
	return !t->quoted && t->len == strlen(s) &&
	       strncasecmp(t->p, s, t->len) == 0;
}

/* 1 and the class when @t names one, else 0. */
static int class_token(const struct ztok *t, uint32_t *cls)
{
	static const struct {
		const char *name;
		uint32_t cls;
	} classes[] = {
		{"IN", 1}, {"CS", 2}, {"CH", 3}, {"HS", 4}, {"NONE", 254},
		{"ANY", 255},
	};
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (token_is(t, classes[i].name)) {
			*cls = classes[i].cls;
			return 1;
		}
	}
	if (!t->quoted && t->len > 5 && strncasecmp(t->p, "CLASS", 5) == 0) {
		uint32_t v = 0;
		for (size_t i = 5; i < t->len; i++) {
			if (t->p[i] < '0' || t->p[i] > '9' || v > 65535)
				return 0;
			v = v * 10 + (uint32_t)(t->p[i] - '0');
		}
		*cls = v;
		return 1;
	}
	return 0;
}

static bool type_in_zone(uint16_t type)
{
	/* Meta and query types: OPT, TKEY, TSIG, IXFR, AXFR, MAILB, MAILA, ANY. */
	return type != 0 && type != DNS_T_OPT && !(type >= 249 && type <= 255);
}

static int parse_file(struct zf_ctx *c, struct zf_file *f);

static int include(struct zf_ctx *c, struct zf_file *f,
		   const struct ztok *file, const struct ztok *origin_tok)
{
	char path[PATH_MAX_BYTES];
	char resolved[256] = "";
	char *data = NULL;
	size_t len = 0, n = 0;
	const char *p = file->p;
	size_t plen = file->len;
	int rc;

	if (file->quoted) {
		p++;
		plen -= 2;
	}
	for (size_t i = 0; i < plen; i++) {
		char ch = p[i];
		if (ch == '\\' && i + 1 < plen)
			ch = p[++i];
		if (ch == '\0' || n + 1 >= sizeof(path))
			return fail(c, f, "bad $INCLUDE file name");
		path[n++] = ch;
	}
	path[n] = '\0';
	if (n == 0)
		return fail(c, f, "empty $INCLUDE file name");

	struct zf_file child = {
		.pos = 0,
		.line = 1,
		.include_depth = f->include_depth + 1,
		.origin = f->origin,
		.owner = f->owner,
		.has_owner = f->has_owner,
		.ttl = f->ttl,
	};
	if (origin_tok &&
	    (rc = name_token(c, f, origin_tok, &f->origin, "$INCLUDE origin",
			     &child.origin)))
		return rc;
	if (!c->ops || !c->ops->include)
		return fail(c, f, "$INCLUDE is not allowed here");
	if (child.include_depth > INCLUDE_DEPTH)
		return fail(c, f, "$INCLUDE nested more than %d deep",
			    INCLUDE_DEPTH);
	rc = c->ops->include(f->name, path, &data, &len, resolved,
			     sizeof(resolved), c->ops->ud);
	if (rc) {
		free(data);
		return fail(c, f, "cannot include '%s': %s", path,
			    strerror(rc < 0 ? -rc : rc));
	}
	resolved[sizeof(resolved) - 1] = '\0';
	child.data = data ? data : "";
	child.len = data ? len : 0;
	child.name = resolved[0] ? resolved : path;
	rc = parse_file(c, &child);
	free(data);
	return rc;
}

static int directive(struct zf_ctx *c, struct zf_file *f,
		     const struct ztok *first)
{
	struct ztok args[3];
	int n = 0, rc;

	for (;;) {
		struct ztok t;
		if ((rc = lex(c, f, &t)))
			return rc;
		if (t.kind != T_WORD)
			break;
		if (n == 2)
			return fail(c, f, "too many arguments to %.*s",
				    SHOW(first));
		args[n++] = t;
	}

	if (token_is(first, "$ORIGIN")) {
		if (n != 1)
			return fail(c, f, "$ORIGIN needs one name");
		struct dns_name o;
		if ((rc = name_token(c, f, &args[0], &f->origin, "$ORIGIN", &o)))
			return rc;
		f->origin = o;
		return 0;
	}
	if (token_is(first, "$TTL")) {
		if (n != 1)
			return fail(c, f, "$TTL needs one value");
		return ttl_token(c, f, &args[0], &f->ttl);
	}
	if (token_is(first, "$INCLUDE")) {
		if (n < 1)
			return fail(c, f, "$INCLUDE needs a file name");
		return include(c, f, &args[0], n > 1 ? &args[1] : NULL);
	}
	return fail(c, f, "unknown directive '%.*s'", SHOW(first));
}

static int record(struct zf_ctx *c, struct zf_file *f, bool blank,
		  const struct ztok *first)
{
	struct dns_zf_record rr;
	struct ztok t = *first;
	bool have_ttl = false, have_class = false;
	char tb[16], why[128];
	size_t tlen = 0, rdlen = 0;
	uint32_t cls;
	int rc;

	if (blank) {
		if (!f->has_owner)
			return fail(c, f, "no previous owner name");
		rr.owner = f->owner;
	} else {
		if ((rc = name_token(c, f, &t, &f->origin, "owner", &rr.owner)) ||
		    (rc = word(c, f, &t, "type")))
			return rc;
	}

	rr.ttl = f->ttl;
	for (;;) {
		if (!t.quoted && t.len && t.p[0] >= '0' && t.p[0] <= '9') {
			if (have_ttl)
				return fail(c, f, "two TTLs");
			if ((rc = ttl_token(c, f, &t, &rr.ttl)))
				return rc;
			have_ttl = true;
		} else if (class_token(&t, &cls)) {
			if (have_class)
				return fail(c, f, "two classes");
			if (cls != DNS_C_IN)
				return fail(c, f,
					    "class '%.*s' not supported (only IN)",
					    SHOW(&t));
			have_class = true;
		} else {
			break;
		}
		if ((rc = word(c, f, &t, "type")))
			return rc;
	}

	if (t.quoted || t.len >= sizeof(tb))
		return fail(c, f, "unknown type '%.*s'", SHOW(&t));
	memcpy(tb, t.p, t.len);
	tb[t.len] = '\0';
	if (dns_type_parse(tb, &rr.type))
		return fail(c, f, "unknown type '%s'", tb);
	if (!type_in_zone(rr.type))
		return fail(c, f, "type '%s' cannot appear in a zone file", tb);

	for (;;) {
		if ((rc = lex(c, f, &t)))
			return rc;
		if (t.kind != T_WORD)
			break;
		if (t.len + 1 > RECORD_MAX_BYTES - tlen)
			return fail(c, f, "record longer than %d bytes",
				    RECORD_MAX_BYTES);
		if (tlen)
			c->text[tlen++] = ' ';
		memcpy(c->text + tlen, t.p, t.len);
		tlen += t.len;
	}
	rc = dns_rdata_from_text(rr.type, c->text, tlen, &f->origin, c->rdata,
				 DNS_RDATA_MAX, &rdlen, why);
	if (rc)
		return fail(c, f, "%s record: %s", dns_type_name(rr.type, tb),
			    why[0] ? why : "bad rdata");

	f->owner = rr.owner;
	f->has_owner = true;
	rr.rdlen = (uint16_t)rdlen;
	rr.rdata = c->rdata;
	rr.file = f->name;
	rr.line = f->rec_line;
	if (c->ops && c->ops->record)
		return c->ops->record(&rr, c->ops->ud);
	return 0;
}

static int parse_file(struct zf_ctx *c, struct zf_file *f)
{
	for (;;) {
		struct ztok t;
		bool blank = f->pos < f->len &&
			     (f->data[f->pos] == ' ' || f->data[f->pos] == '\t');
		int rc;

		f->rec_start = f->pos;
		f->rec_line = f->line;
		if ((rc = lex(c, f, &t)))
			return rc;
		if (t.kind == T_EOF)
			return 0;
		if (t.kind == T_EOL)
			continue;
		f->rec_line = t.line;
		if (!blank && !t.quoted && t.p[0] == '$')
			rc = directive(c, f, &t);
		else
			rc = record(c, f, blank, &t);
		if (rc)
			return rc;
	}
}

int dns_zonefile_parse(const char *data, size_t len, const char *file,
		       const struct dns_name *origin, uint32_t default_ttl,
		       const struct dns_zf_ops *ops, struct dns_zf_error *err)
{
	struct dns_zf_error scratch;
	struct zf_ctx c = {
		.ops = ops,
		.err = err ? err : &scratch,
		.text = malloc(RECORD_MAX_BYTES),
		.rdata = malloc(DNS_RDATA_MAX),
	};
	struct zf_file f = {
		.data = data ? data : "",
		.len = data ? len : 0,
		.name = file ? file : "-",
		.line = 1,
		.ttl = default_ttl,
	};
	int rc;

	if (origin)
		f.origin = *origin;
	else
		dns_name_root(&f.origin);
	memset(c.err, 0, sizeof(*c.err));
	if (!c.text || !c.rdata) {
		rc = -ENOMEM;
		goto out;
	}
	rc = parse_file(&c, &f);
out:
	free(c.rdata);
	free(c.text);
	return rc;
}
