/* SPDX-License-Identifier: MIT */
/* ntfy's publish options from headers and query (every alias of the spec) and its JSON publish. */
#include "proto/notify/ntfy_pub.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/notify/ntfy_topic.h"

static const char *const A_TITLE[] = {"X-Title", "Title", "t", NULL};
static const char *const A_MESSAGE[] = {"X-Message", "Message", "m", NULL};
static const char *const A_PRIORITY[] = {"X-Priority", "Priority", "prio",
					 "p", NULL};
static const char *const A_TAGS[] = {"X-Tags", "Tags", "Tag", "ta", NULL};
static const char *const A_CLICK[] = {"X-Click", "Click", NULL};
static const char *const A_ICON[] = {"X-Icon", "Icon", NULL};
static const char *const A_ATTACH[] = {"X-Attach", "Attach", "a", NULL};
static const char *const A_FILENAME[] = {"X-Filename", "Filename", "file",
					 "f", NULL};
static const char *const A_ACTIONS[] = {"X-Actions", "Actions", "Action",
					NULL};
static const char *const A_DELAY[] = {"X-Delay", "Delay", "X-At", "At",
				      "X-In", "In", NULL};
static const char *const A_EMAIL[] = {"X-Email", "X-E-Mail", "Email",
				      "E-Mail", "Mail", "e", NULL};
static const char *const A_CALL[] = {"X-Call", "Call", NULL};
static const char *const A_CACHE[] = {"X-Cache", "Cache", NULL};
static const char *const A_FIREBASE[] = {"X-Firebase", "Firebase", NULL};
static const char *const A_MARKDOWN[] = {"X-Markdown", "Markdown", "md",
					 NULL};
static const char *const A_TEMPLATE[] = {"X-Template", "Template", "tpl",
					 NULL};
static const char *const A_UP[] = {"X-UnifiedPush", "UnifiedPush", "up",
				   NULL};
static const char *const A_POLL_ID[] = {"X-Poll-ID", "Poll-ID", NULL};
static const char *const A_SEQ[] = {"X-Sequence-ID", "Sequence-ID", "sid",
				    NULL};

static int fail(struct ntfy_err *e, int http, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct ntfy_err *e, int http, int code, const char *fmt, ...)
{
	va_list ap;
	e->http = http;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->error, sizeof(e->error), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void ntfy_pub_free(struct ntfy_pub *p)
{
	free(p->title);
	free(p->message);
	free(p->click);
	free(p->icon);
	free(p->attach);
	free(p->filename);
	free(p->sequence_id);
	free(p->poll_id);
	json_decref(p->tags);
	json_decref(p->actions);
	memset(p, 0, sizeof(*p));
}

/* A header-wrapping lookup: drops the RFC 9218 "Priority: u=3, i" that
 * proxies inject. */
struct wrap {
	ntfy_get_fn get;
	void *ud;
};

static bool rfc9218(const char *v)
{
	while (*v == ' ')
		v++;
	if (v[0] != 'u' || v[1] != '=' || !isdigit((unsigned char)v[2]))
		return false;
	v += 3;
	if (!*v)
		return true;
	if (*v++ != ',')
		return false;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v != 'i' && !isdigit((unsigned char)*v))
		return false;
	return v[1] == '\0';
}

static const char *wrapped_get(void *ud, const char *name, bool header)
{
	struct wrap *w = ud;
	const char *v = w->get(w->ud, name, header);
	if (v && header && strcasecmp(name, "Priority") == 0 && rfc9218(v))
		return NULL;
	return v;
}

/* The option's value, MIME-decoded, as a new string (NULL: not given). */
static char *read_str(struct wrap *w, const char *const *aliases)
{
	size_t len;
	const char *v = ntfy_param(wrapped_get, w, aliases, &len);
	if (!v)
		return NULL;
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	if (ntfy_mime_decode(v, len, out, len + 1) < 0) {
		memcpy(out, v, len);
		out[len] = '\0';
	}
	return out;
}

/* ntfy's readBoolParam: empty gives @def, 1|yes|true true, else false. */
static bool read_bool(struct wrap *w, const char *const *aliases, bool def)
{
	size_t len;
	const char *v = ntfy_param(wrapped_get, w, aliases, &len);
	if (!v)
		return def;
	bool b = false;
	if (ntfy_parse_bool(v, len, &b))
		return false;
	return b;
}

static bool http_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 ||
	       strncasecmp(s, "https://", 8) == 0;
}

static int add_tag(const char *item, size_t len, void *ud)
{
	json_array_append_new(ud, json_stringn(item, len));
	return 0;
}

static void unescape_newlines(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

int ntfy_pub_parse(ntfy_get_fn get, void *ud, const char *content_type,
		   const char *content_encoding, const struct ntfy_pub_env *env,
		   struct ntfy_pub *p, struct ntfy_err *err)
{
	struct wrap w = {get, ud};
	size_t len;
	const char *v;
	memset(p, 0, sizeof(*p));
	p->title = read_str(&w, A_TITLE);
	p->message = read_str(&w, A_MESSAGE);
	if (p->message) {
		unescape_newlines(p->message);
		p->has_message = true;
	}
	p->click = read_str(&w, A_CLICK);
	p->icon = read_str(&w, A_ICON);
	p->attach = read_str(&w, A_ATTACH);
	p->filename = read_str(&w, A_FILENAME);
	p->has_filename = p->filename != NULL;
	p->sequence_id = read_str(&w, A_SEQ);
	p->poll_id = read_str(&w, A_POLL_ID);
	if (p->icon && !http_url(p->icon))
		return fail(err, 400, 40021, "invalid request: icon URL is "
			    "invalid");
	if (p->attach && !http_url(p->attach))
		return fail(err, 400, 40013, "invalid request: attachment URL "
			    "is invalid");
	if (p->sequence_id) {
		size_t n = strlen(p->sequence_id);
		if (!ntfy_topic_valid(p->sequence_id, n))
			return fail(err, 400, 40049, "invalid request: sequence "
				    "ID invalid");
	}
	if ((v = ntfy_param(wrapped_get, &w, A_PRIORITY, &len)) &&
	    ntfy_parse_priority(v, len, &p->priority))
		return fail(err, 400, 40007, "invalid request: priority "
			    "invalid");
	if ((v = ntfy_param(wrapped_get, &w, A_TAGS, &len))) {
		char *dec = malloc(len + 1);
		if (!dec)
			return fail(err, 500, 50001, "internal server error");
		int n = ntfy_mime_decode(v, len, dec, len + 1);
		if (!ntfy_utf8_valid(n < 0 ? v : dec, n < 0 ? len : (size_t)n)) {
			free(dec);
			return fail(err, 400, 40011, "invalid request: message must "
				    "be UTF-8 encoded");
		}
		p->tags = json_array();
		if (n < 0)
			ntfy_each_item(v, len, ',', add_tag, p->tags);
		else
			ntfy_each_item(dec, (size_t)n, ',', add_tag, p->tags);
		free(dec);
		if (!json_array_size(p->tags)) {
			json_decref(p->tags);
			p->tags = NULL;
		}
	}
	if ((v = ntfy_param(wrapped_get, &w, A_ACTIONS, &len))) {
		char why[120] = "";
		char *dec = malloc(len + 1);
		if (!dec)
			return fail(err, 500, 50001, "internal server error");
		int n = ntfy_mime_decode(v, len, dec, len + 1);
		int rc = ntfy_actions_parse(n < 0 ? v : dec, n < 0 ? len : (size_t)n,
					    env->make_id, env->id_ud,
					    &p->actions, why, sizeof(why));
		free(dec);
		if (rc)
			return fail(err, 400, 40018, "invalid request: actions "
				    "invalid: %s", why);
	}
	if (ntfy_param(wrapped_get, &w, A_EMAIL, &len))
		return fail(err, 400, 40001, "invalid request: e-mail "
			    "notifications are not enabled");
	if (ntfy_param(wrapped_get, &w, A_CALL, &len))
		return fail(err, 400, 40032, "invalid request: phone calls "
			    "are not enabled");
	p->cache = read_bool(&w, A_CACHE, true) && env->cache_enabled;
	p->firebase = read_bool(&w, A_FIREBASE, true);
	p->markdown = read_bool(&w, A_MARKDOWN, false);
	if (!p->markdown && content_type &&
	    strncasecmp(content_type, "text/markdown", 13) == 0)
		p->markdown = true;
	p->template_ = read_bool(&w, A_TEMPLATE, false);
	p->unifiedpush = read_bool(&w, A_UP, false);
	if (!p->unifiedpush && content_encoding &&
	    strcasecmp(content_encoding, "aes128gcm") == 0)
		p->unifiedpush = true;
	if ((v = ntfy_param(wrapped_get, &w, A_DELAY, &len))) {
		int64_t at;
		if (!p->cache)
			return fail(err, 400, 40002, "invalid request: message "
				    "delay is not possible without caching");
		if (ntfy_parse_delay(v, len, env->now, env->tz_off, &at))
			return fail(err, 400, 40004, "invalid request: delay "
				    "could not be parsed");
		if (at < env->now + env->delay_min)
			return fail(err, 400, 40005, "invalid request: delay "
				    "is too small: at least %llds",
				    (long long)env->delay_min);
		if (at > env->now + env->delay_max)
			return fail(err, 400, 40006, "invalid request: delay "
				    "is too large: at most %llds",
				    (long long)env->delay_max);
		p->delay_at = at;
	}
	return 0;
}

/* ---- JSON publish ---- */

#define KV_MAX 16

struct kv {
	const char *k[KV_MAX];
	char *v[KV_MAX];
	size_t n;
	ntfy_get_fn get; /* the request's own, or NULL */
	void *ud;
};

/* The body's fields stand for the headers of the same name. */
static const char *kv_get(void *ud, const char *name, bool header)
{
	struct kv *t = ud;
	for (size_t i = 0; header && i < t->n; i++)
		if (strcasecmp(t->k[i], name) == 0)
			return t->v[i];
	return t->get ? t->get(t->ud, name, header) : NULL;
}

static void kv_free(struct kv *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
}

static void kv_add(struct kv *t, const char *k, char *v)
{
	if (t->n < KV_MAX && v) {
		t->k[t->n] = k;
		t->v[t->n++] = v;
	} else {
		free(v);
	}
}

int ntfy_pub_parse_json(const char *body, size_t len, ntfy_get_fn get,
			void *ud, const struct ntfy_pub_env *env, char topic[65],
			struct ntfy_pub *p, struct ntfy_err *err)
{
	static const struct {
		const char *field, *header;
	} strs[] = {
		{"title", "X-Title"},	     {"message", "X-Message"},
		{"click", "X-Click"},	     {"icon", "X-Icon"},
		{"attach", "X-Attach"},	     {"filename", "X-Filename"},
		{"delay", "X-Delay"},	     {"email", "X-Email"},
		{"call", "X-Call"},	     {"cache", "X-Cache"},
		{"firebase", "X-Firebase"},  {"sequence_id", "X-Sequence-ID"},
	};
	memset(p, 0, sizeof(*p));
	topic[0] = '\0';
	json_error_t je;
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	struct kv t = {.n = 0, .get = get, .ud = ud};
	int rc = -EINVAL;
	if (!json_is_object(j))
		goto bad;
	const json_t *tp = json_object_get(j, "topic");
	if (tp && !json_is_string(tp))
		goto bad;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const json_t *v = json_object_get(j, strs[i].field);
		if (!v || json_is_null(v))
			continue;
		if (!json_is_string(v))
			goto bad;
		kv_add(&t, strs[i].header, strndup(json_string_value(v),
						   json_string_length(v)));
	}
	const json_t *pr = json_object_get(j, "priority");
	if (pr && !json_is_null(pr)) {
		if (!json_is_integer(pr))
			goto bad;
		char *s;
		json_int_t n = json_integer_value(pr);
		if (n != 0 && asprintf(&s, "%lld", (long long)n) >= 0)
			kv_add(&t, "X-Priority", s);
	}
	const json_t *md = json_object_get(j, "markdown");
	if (md && !json_is_null(md)) {
		if (!json_is_boolean(md))
			goto bad;
		if (json_is_true(md))
			kv_add(&t, "X-Markdown", strdup("yes"));
	}
	const json_t *tags = json_object_get(j, "tags");
	json_t *tags_copy = NULL;
	if (tags && !json_is_null(tags)) {
		if (!json_is_array(tags))
			goto bad;
		size_t i;
		const json_t *x;
		tags_copy = json_array();
		json_array_foreach(tags, i, x) {
			if (!json_is_string(x)) {
				json_decref(tags_copy);
				goto bad;
			}
			if (json_string_length(x))
				json_array_append(tags_copy, (json_t *)x);
		}
	}
	const json_t *acts = json_object_get(j, "actions");
	json_t *actions = NULL;
	if (acts && !json_is_null(acts)) {
		char why[120] = "";
		if (!json_is_array(acts)) {
			json_decref(tags_copy);
			goto bad;
		}
		if (ntfy_actions_from_json(acts, env->make_id, env->id_ud,
					   &actions, why, sizeof(why))) {
			json_decref(tags_copy);
			rc = fail(err, 400, 40018, "invalid request: actions "
				  "invalid: %s", why);
			goto out;
		}
	}
	if (!tp || !ntfy_topic_valid(json_string_value(tp),
				     json_string_length(tp))) {
		json_decref(tags_copy);
		json_decref(actions);
		rc = fail(err, 400, 40009, "invalid request: topic invalid");
		goto out;
	}
	snprintf(topic, 65, "%s", json_string_value(tp));
	rc = ntfy_pub_parse(kv_get, &t, NULL, NULL, env, p, err);
	if (rc) {
		json_decref(tags_copy);
		json_decref(actions);
		goto out;
	}
	/* The body's tags and actions as given (a tag may hold a comma). */
	if (tags_copy) {
		json_decref(p->tags);
		p->tags = json_array_size(tags_copy) ? tags_copy : NULL;
		if (!p->tags)
			json_decref(tags_copy);
	}
	if (actions) {
		json_decref(p->actions);
		p->actions = actions;
	}
	goto out;
bad:
	rc = fail(err, 400, 40024, "invalid request: request body must be "
		  "valid JSON");
out:
	kv_free(&t);
	json_decref(j);
	return rc;
}
