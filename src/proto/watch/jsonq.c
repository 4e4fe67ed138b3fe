/* SPDX-License-Identifier: MIT */
/* The json-query path parser, its evaluation on a jansson document, and Kuma's comparisons. */
#include "proto/watch/jsonq.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct step {
	char *key;     /* object key, or NULL for an index */
	long long idx; /* array index; negative from the end */
};

struct watch_jsonq {
	struct step steps[WATCH_JSONQ_MAX_STEPS];
	size_t n;
};

void watch_jsonq_free(struct watch_jsonq *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n; i++)
		free(q->steps[i].key);
	free(q);
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '$';
}

static int fail(char *why, size_t n, const char *fmt, size_t at, char c)
{
	if (c)
		snprintf(why, n, fmt, c, at);
	else
		snprintf(why, n, "%s at %zu", fmt, at);
	return -1;
}

static int add_key(struct watch_jsonq *q, const char *s, size_t len)
{
	char *k = malloc(len + 1);
	if (!k)
		return -ENOMEM;
	memcpy(k, s, len);
	k[len] = '\0';
	q->steps[q->n++] = (struct step){.key = k};
	return 0;
}

/* A quoted key at @p (on the quote): unescaped into a new step. */
static int quoted(struct watch_jsonq *q, const char *e, size_t *at, char *why,
		  size_t wl)
{
	char quote = e[*at];
	size_t i = *at + 1, n = 0;
	char *k = malloc(strlen(e) + 1);
	if (!k)
		return -ENOMEM;
	for (;; i++) {
		char c = e[i];
		if (!c) {
			free(k);
			return fail(why, wl, "unterminated string", i, 0);
		}
		if (c == quote)
			break;
		if (c == '\\') {
			c = e[++i];
			if (c != '\\' && c != '"' && c != '\'') {
				free(k);
				return fail(why, wl, "bad escape", i, 0);
			}
		}
		k[n++] = c;
	}
	k[n] = '\0';
	q->steps[q->n++] = (struct step){.key = k};
	*at = i + 1;
	return 0;
}

static int bracket(struct watch_jsonq *q, const char *e, size_t *at, char *why,
		   size_t wl)
{
	size_t i = *at + 1; /* past '[' */
	int rc;
	if (e[i] == '"' || e[i] == '\'') {
		*at = i;
		if ((rc = quoted(q, e, at, why, wl)))
			return rc;
		i = *at;
	} else {
		bool neg = e[i] == '-';
		long long v = 0;
		size_t digits = 0;
		if (neg)
			i++;
		for (; e[i] >= '0' && e[i] <= '9'; i++, digits++) {
			if (v > 100000000)
				return fail(why, wl, "index too large", i, 0);
			v = v * 10 + (e[i] - '0');
		}
		if (!digits)
			return fail(why, wl, "expected an index or a quoted key",
				    i, 0);
		q->steps[q->n++] = (struct step){.idx = neg ? -v : v};
	}
	if (e[i] != ']')
		return fail(why, wl, "expected ']'", i, 0);
	*at = i + 1;
	return 0;
}

int watch_jsonq_parse(const char *expr, struct watch_jsonq **out, char *why,
		      size_t why_len)
{
	*out = NULL;
	size_t len = strlen(expr);
	if (len > WATCH_JSONQ_MAX_LEN) {
		snprintf(why, why_len, "longer than %d characters",
			 WATCH_JSONQ_MAX_LEN);
		return -1;
	}
	struct watch_jsonq *q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	size_t i = 0;
	int rc = 0;
	while (expr[i] == ' ')
		i++;
	if (!expr[i]) {
		rc = fail(why, why_len, "empty path", i, 0);
		goto done;
	}
	bool first = true;
	if (expr[i] == '$' && !name_char(expr[i + 1])) {
		i++;
		first = false;
	}
	while (expr[i] && expr[i] != ' ') {
		if (q->n == WATCH_JSONQ_MAX_STEPS) {
			snprintf(why, why_len, "more than %d steps",
				 WATCH_JSONQ_MAX_STEPS);
			rc = -1;
			goto done;
		}
		char c = expr[i];
		if (c == '[') {
			rc = bracket(q, expr, &i, why, why_len);
		} else if (c == '.' || (first && name_char(c))) {
			size_t s = c == '.' ? i + 1 : i, k = s;
			while (name_char(expr[k]))
				k++;
			if (k == s) {
				rc = fail(why, why_len, "expected a name", k, 0);
				goto done;
			}
			rc = add_key(q, expr + s, k - s);
			i = k;
		} else {
			rc = fail(why, why_len, "unexpected '%c' at %zu", i, c);
		}
		if (rc)
			goto done;
		first = false;
	}
	while (expr[i] == ' ')
		i++;
	if (expr[i])
		rc = fail(why, why_len, "unexpected '%c' at %zu", i, expr[i]);
done:
	if (rc) {
		watch_jsonq_free(q);
		return rc;
	}
	*out = q;
	return 0;
}

json_t *watch_jsonq_eval(const struct watch_jsonq *q, json_t *doc)
{
	json_t *v = doc;
	for (size_t i = 0; v && i < q->n; i++) {
		const struct step *s = &q->steps[i];
		if (s->key) {
			v = json_is_object(v) ? json_object_get(v, s->key) : NULL;
			continue;
		}
		if (!json_is_array(v))
			return NULL;
		long long n = (long long)json_array_size(v);
		long long k = s->idx < 0 ? n + s->idx : s->idx;
		v = k >= 0 && k < n ? json_array_get(v, (size_t)k) : NULL;
	}
	return v;
}

int watch_jsonq_op_parse(const char *text)
{
	static const char *const ops[] = {
		[WATCH_OP_EQ] = "==", [WATCH_OP_NE] = "!=",
		[WATCH_OP_LT] = "<",  [WATCH_OP_LE] = "<=",
		[WATCH_OP_GT] = ">",  [WATCH_OP_GE] = ">=",
		[WATCH_OP_CONTAINS] = "contains",
	};
	if (!text)
		return WATCH_OP_EQ;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(text, ops[i]) == 0)
			return (int)i;
	return -1;
}

/* The value as text, into @out (truncated). */
static void value_text(const json_t *v, char *out, size_t n)
{
	if (!n)
		return;
	out[0] = '\0';
	if (!v) {
		snprintf(out, n, "undefined");
	} else if (json_is_string(v)) {
		snprintf(out, n, "%s", json_string_value(v));
	} else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (s)
			snprintf(out, n, "%s", s);
		free(s);
	}
}

static bool as_number(const json_t *v, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return true;
	}
	if (!json_is_string(v))
		return false;
	const char *s = json_string_value(v);
	char *end;
	if (!*s)
		return false;
	*out = strtod(s, &end);
	return !*end && isfinite(*out);
}

int watch_jsonq_compare(const json_t *value, enum watch_jsonq_op op,
			const char *expected, char *actual, size_t actual_len)
{
	char local[512];
	char *text = actual && actual_len ? actual : local;
	size_t tl = actual && actual_len ? actual_len : sizeof(local);
	value_text(value, text, tl);
	if (!value)
		return op == WATCH_OP_NE ? 1 : op == WATCH_OP_EQ ? 0 : -1;
	/* The comparison uses the whole text, not the truncated copy. */
	char *full = json_is_string(value)
			     ? strdup(json_string_value(value))
			     : json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!full)
		return -1;
	int r;
	double a, b;
	char *end;
	switch (op) {
	case WATCH_OP_EQ:
		r = strcmp(full, expected) == 0;
		break;
	case WATCH_OP_NE:
		r = strcmp(full, expected) != 0;
		break;
	case WATCH_OP_CONTAINS:
		r = strstr(full, expected) != NULL;
		if (json_is_array(value)) {
			r = 0;
			size_t i;
			json_t *e;
			json_array_foreach(value, i, e) {
				char et[512];
				value_text(e, et, sizeof(et));
				if (strcmp(et, expected) == 0 ||
				    (json_is_string(e) &&
				     strstr(json_string_value(e), expected)))
					r = 1;
			}
		}
		break;
	default:
		b = strtod(expected, &end);
		if (!as_number(value, &a) || !*expected || *end || !isfinite(b)) {
			r = -1;
			break;
		}
		r = op == WATCH_OP_LT	? a < b
		    : op == WATCH_OP_LE ? a <= b
		    : op == WATCH_OP_GT ? a > b
					: a >= b;
		break;
	}
	free(full);
	return r;
}
