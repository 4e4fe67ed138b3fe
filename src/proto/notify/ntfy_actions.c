/* SPDX-License-Identifier: MIT */
/* ntfy action buttons: the JSON and the "simple" header format, validated into JSON. */
#include "proto/notify/ntfy_actions.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int fail(char *why, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (cap)
		vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* One action being built: the fields as JSON values (borrowed strings
 * copied into json). */
struct action {
	char action[16];
	json_t *label, *url, *method, *body, *intent, *value;
	json_t *headers, *extras; /* objects */
	bool clear;
};

static void action_free(struct action *a)
{
	json_decref(a->label);
	json_decref(a->url);
	json_decref(a->method);
	json_decref(a->body);
	json_decref(a->intent);
	json_decref(a->value);
	json_decref(a->headers);
	json_decref(a->extras);
	memset(a, 0, sizeof(*a));
}

static void set_str(json_t **slot, const char *s, size_t n)
{
	json_decref(*slot);
	*slot = json_stringn(s, n);
}

static int set_action(struct action *a, const char *s, size_t n, char *why,
		      size_t cap)
{
	if (n >= sizeof(a->action))
		return fail(why, cap, "action '%.*s' unknown", (int)(n > 32 ? 32 : n), s);
	for (size_t i = 0; i < n; i++)
		a->action[i] = (char)tolower((unsigned char)s[i]);
	a->action[n] = '\0';
	if (strcmp(a->action, "view") && strcmp(a->action, "broadcast") &&
	    strcmp(a->action, "http") && strcmp(a->action, "copy"))
		return fail(why, cap, "action '%s' unknown: view, broadcast, "
			    "http or copy", a->action);
	return 0;
}

/* Checks @a and appends it as ntfy writes it. */
static int finish(struct action *a, json_t *arr, ntfy_action_id_fn make_id,
		  void *ud, char *why, size_t cap)
{
	if (!a->action[0])
		return fail(why, cap, "an action needs its type");
	if (!a->label || !json_string_length(a->label))
		return fail(why, cap, "%s action: label missing", a->action);
	bool is_http = strcmp(a->action, "http") == 0;
	if ((is_http || strcmp(a->action, "view") == 0) &&
	    (!a->url || !json_string_length(a->url)))
		return fail(why, cap, "%s action: url missing", a->action);
	if (strcmp(a->action, "copy") == 0 &&
	    (!a->value || !json_string_length(a->value)))
		return fail(why, cap, "copy action: value missing");
	if (json_array_size(arr) >= NTFY_ACTIONS_MAX)
		return fail(why, cap, "too many actions: at most %d",
			    NTFY_ACTIONS_MAX);
	char method[16] = "POST";
	if (a->method) {
		const char *m = json_string_value(a->method);
		size_t n = strlen(m);
		if (!n || n >= sizeof(method))
			return fail(why, cap, "http action: invalid method");
		for (size_t i = 0; i <= n; i++)
			method[i] = (char)toupper((unsigned char)m[i]);
	}
	if (is_http && a->body && json_string_length(a->body) &&
	    (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0))
		return fail(why, cap, "http action: no body with %s", method);
	char id[NTFY_ACTION_ID_LEN + 1];
	make_id(id, ud);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "action", json_string(a->action));
	json_object_set(o, "label", a->label);
	json_object_set_new(o, "clear", json_boolean(a->clear));
	if (a->url)
		json_object_set(o, "url", a->url);
	if (is_http) {
		json_object_set_new(o, "method", json_string(method));
		if (a->headers && json_object_size(a->headers))
			json_object_set(o, "headers", a->headers);
		if (a->body)
			json_object_set(o, "body", a->body);
	}
	if (strcmp(a->action, "broadcast") == 0) {
		json_object_set_new(o, "intent",
				    a->intent ? json_incref(a->intent)
					      : json_string("io.heckel.ntfy.USER_ACTION"));
		if (a->extras && json_object_size(a->extras))
			json_object_set(o, "extras", a->extras);
	}
	if (a->value)
		json_object_set(o, "value", a->value);
	json_array_append_new(arr, o);
	return 0;
}

/* ---- JSON ---- */

static int map_field(json_t **slot, const json_t *v, const char *name,
		     char *why, size_t cap)
{
	if (!json_is_object(v))
		return fail(why, cap, "%s must be an object of strings", name);
	json_t *o = json_object();
	const char *k;
	json_t *x;
	json_object_foreach((json_t *)v, k, x) {
		if (!json_is_string(x)) {
			json_decref(o);
			return fail(why, cap, "%s.%s must be a string", name, k);
		}
		json_object_set(o, k, x);
	}
	json_decref(*slot);
	*slot = o;
	return 0;
}

static int from_object(const json_t *o, struct action *a, char *why,
		       size_t cap)
{
	static const char *const strs[] = {"label", "url", "method", "body",
					   "intent", "value"};
	if (!json_is_object(o))
		return fail(why, cap, "each action must be an object");
	const json_t *t = json_object_get(o, "action");
	if (!json_is_string(t))
		return fail(why, cap, "action: type missing");
	int rc = set_action(a, json_string_value(t), json_string_length(t),
			    why, cap);
	if (rc)
		return rc;
	json_t **slots[] = {&a->label, &a->url, &a->method, &a->body,
			    &a->intent, &a->value};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const json_t *v = json_object_get(o, strs[i]);
		if (!v || json_is_null(v))
			continue;
		if (!json_is_string(v))
			return fail(why, cap, "%s must be a string", strs[i]);
		set_str(slots[i], json_string_value(v), json_string_length(v));
	}
	const json_t *c = json_object_get(o, "clear");
	if (c && !json_is_null(c)) {
		if (!json_is_boolean(c))
			return fail(why, cap, "clear must be true or false");
		a->clear = json_is_true(c);
	}
	const json_t *h = json_object_get(o, "headers");
	if (h && !json_is_null(h) && (rc = map_field(&a->headers, h, "headers", why, cap)))
		return rc;
	const json_t *e = json_object_get(o, "extras");
	if (e && !json_is_null(e) && (rc = map_field(&a->extras, e, "extras", why, cap)))
		return rc;
	return 0;
}

int ntfy_actions_from_json(const json_t *arr, ntfy_action_id_fn make_id,
			   void *ud, json_t **out, char *why, size_t why_cap)
{
	if (!json_is_array(arr))
		return fail(why, why_cap, "actions must be a JSON array");
	json_t *res = json_array();
	size_t i;
	const json_t *o;
	json_array_foreach(arr, i, o) {
		struct action a = {0};
		int rc = from_object(o, &a, why, why_cap);
		if (!rc)
			rc = finish(&a, res, make_id, ud, why, why_cap);
		action_free(&a);
		if (rc) {
			json_decref(res);
			return rc;
		}
	}
	*out = res;
	return 0;
}

/* ---- simple format ---- */

/* The next field of @s from *pos up to @sep (or ';' ending the action
 * when @sep is ','), with quotes ('...' or "...", backslash escapes)
 * removed, trimmed, into @buf. Returns its length, or -1 on an
 * unterminated quote. *end_action tells whether ';' (or the end) closed
 * it. */
static int next_field(const char *s, size_t len, size_t *pos, char *buf,
		      size_t cap, bool *end_action)
{
	size_t i = *pos, w = 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	char q = 0;
	bool quoted = false;
	size_t last_unblank = 0;
	for (; i < len; i++) {
		char c = s[i];
		if (q) {
			if (c == '\\' && i + 1 < len &&
			    (s[i + 1] == q || s[i + 1] == '\\'))
				c = s[++i];
			else if (c == q) {
				q = 0;
				last_unblank = w;
				continue;
			}
		} else if (c == '"' || c == '\'') {
			/* A quote opens only at a value's start or after
			 * "key=". */
			if (w == 0 || buf[w - 1] == '=') {
				q = c;
				quoted = true;
				continue;
			}
		} else if (c == ',' || c == ';') {
			break;
		}
		if (w + 1 >= cap)
			return -1;
		buf[w++] = c;
		if (q || (c != ' ' && c != '\t'))
			last_unblank = w;
	}
	if (q)
		return -1;
	(void)quoted;
	w = last_unblank;
	buf[w] = '\0';
	*end_action = i >= len || s[i] == ';';
	*pos = i < len ? i + 1 : len;
	return (int)w;
}

static int simple_kv(struct action *a, const char *key, const char *val,
		     size_t vn, char *why, size_t cap)
{
	if (strcasecmp(key, "action") == 0)
		return set_action(a, val, vn, why, cap);
	if (strcasecmp(key, "label") == 0)
		set_str(&a->label, val, vn);
	else if (strcasecmp(key, "url") == 0)
		set_str(&a->url, val, vn);
	else if (strcasecmp(key, "method") == 0)
		set_str(&a->method, val, vn);
	else if (strcasecmp(key, "body") == 0)
		set_str(&a->body, val, vn);
	else if (strcasecmp(key, "intent") == 0)
		set_str(&a->intent, val, vn);
	else if (strcasecmp(key, "value") == 0)
		set_str(&a->value, val, vn);
	else if (strcasecmp(key, "clear") == 0) {
		if (strcasecmp(val, "true") == 0 || strcmp(val, "1") == 0 ||
		    strcasecmp(val, "yes") == 0)
			a->clear = true;
		else if (strcasecmp(val, "false") == 0 || strcmp(val, "0") == 0 ||
			 strcasecmp(val, "no") == 0)
			a->clear = false;
		else
			return fail(why, cap, "clear must be true or false");
	} else if (strncasecmp(key, "headers.", 8) == 0 && key[8]) {
		if (!a->headers)
			a->headers = json_object();
		json_object_set_new(a->headers, key + 8, json_stringn(val, vn));
	} else if (strncasecmp(key, "extras.", 7) == 0 && key[7]) {
		if (!a->extras)
			a->extras = json_object();
		json_object_set_new(a->extras, key + 7, json_stringn(val, vn));
	} else {
		return fail(why, cap, "unknown key '%s'", key);
	}
	return 0;
}

/* Is @f "key=value" with a known-shaped key (letters, dots, dashes)? */
static char *kv_split(char *f)
{
	char *eqp = strchr(f, '=');
	if (!eqp || eqp == f)
		return NULL;
	for (char *p = f; p < eqp; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' &&
		    *p != '_')
			return NULL;
	*eqp = '\0';
	return eqp + 1;
}

static int parse_simple(const char *s, size_t len, json_t *arr,
			ntfy_action_id_fn make_id, void *ud, char *why,
			size_t cap)
{
	size_t pos = 0;
	char *buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	int rc = 0;
	while (pos < len && !rc) {
		struct action a = {0};
		int npos = 0;
		bool end = false, any = false;
		while (!end && !rc) {
			int n = next_field(s, len, &pos, buf, len + 1, &end);
			if (n < 0) {
				rc = fail(why, cap, "unterminated quote");
				break;
			}
			if (n == 0 && end && !any)
				break; /* an empty action (";;" or trailing ';') */
			any = true;
			char *val = kv_split(buf);
			if (val) {
				rc = simple_kv(&a, buf, val, strlen(val), why, cap);
				continue;
			}
			switch (npos++) {
			case 0:
				rc = set_action(&a, buf, (size_t)n, why, cap);
				break;
			case 1:
				set_str(&a.label, buf, (size_t)n);
				break;
			case 2:
				if (strcmp(a.action, "copy") == 0)
					set_str(&a.value, buf, (size_t)n);
				else if (strcmp(a.action, "broadcast") == 0)
					rc = fail(why, cap, "broadcast action: "
						  "no url");
				else
					set_str(&a.url, buf, (size_t)n);
				break;
			default:
				rc = fail(why, cap, "too many fields in an "
					  "action: use key=value");
			}
		}
		if (!rc && any)
			rc = finish(&a, arr, make_id, ud, why, cap);
		action_free(&a);
	}
	free(buf);
	return rc;
}

int ntfy_actions_parse(const char *text, size_t len, ntfy_action_id_fn make_id,
		       void *ud, json_t **out, char *why, size_t why_cap)
{
	size_t i = 0;
	if (memchr(text, '\0', len))
		return fail(why, why_cap, "actions: a NUL byte");
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i < len && text[i] == '[') {
		json_error_t e;
		json_t *j = json_loadb(text, len, 0, &e);
		if (!j)
			return fail(why, why_cap, "actions: invalid JSON: %s",
				    e.text);
		int rc = ntfy_actions_from_json(j, make_id, ud, out, why, why_cap);
		json_decref(j);
		return rc;
	}
	json_t *arr = json_array();
	int rc = parse_simple(text, len, arr, make_id, ud, why, why_cap);
	if (!rc && json_array_size(arr) == 0)
		rc = fail(why, why_cap, "no action given");
	if (rc) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
