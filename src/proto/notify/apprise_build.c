/* SPDX-License-Identifier: MIT */
/* The requests each Apprise scheme sends for a message (method, URL, headers, body), built as Apprise 1.2.0 builds them. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "base/buf.h"
#include "proto/notify/apprise_build_priv.h"

#define XSD_URL "https://raw.githubusercontent.com/caronc/apprise/master/apprise/assets/NotifyXML-1.1.xsd"

static const char *const COLORS[] = {"#3AA3E3", "#3AA337", "#CACF29", "#A32037"};

char *apprise_bld_str(struct bld *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

char *apprise_bld_str(struct bld *b, const char *fmt, ...)
{
	struct buf x;
	buf_init(&x, 64u << 20);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&x, fmt, ap);
	va_end(ap);
	char *s = x.err ? NULL : arena_strdup(b->a, x.data ? x.data : "");
	buf_deinit(&x);
	if (!s && !b->err)
		b->err = -ENOMEM;
	return s;
}

struct apprise_request *apprise_bld_req(struct bld *b, const char *method,
				       const char *url)
{
	if (b->err)
		return NULL;
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 4;
		struct apprise_request *g = arena_alloc(b->a, cap * sizeof(*g));
		if (!g) {
			b->err = -ENOMEM;
			return NULL;
		}
		if (b->n)
			memcpy(g, b->reqs, b->n * sizeof(*g));
		b->reqs = g;
		b->cap = cap;
	}
	struct apprise_request *r = &b->reqs[b->n++];
	memset(r, 0, sizeof(*r));
	r->kind = APPRISE_REQ_HTTP;
	r->method = method;
	r->url = url;
	/* Apprise's verify= (default yes): the TLS certificate is checked */
	r->insecure = !apprise_parse_bool(apprise_url_arg(&b->t->u, "verify"), true);
	return r;
}

void apprise_bld_header(struct bld *b, struct apprise_request *r,
		       const char *name, const char *val)
{
	if (!r || !val)
		return;
	/* a later value for the same name replaces the earlier (dict update) */
	size_t nl = strlen(name);
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strncasecmp(r->headers[i], name, nl) && r->headers[i][nl] == ':') {
			memmove(&r->headers[i], &r->headers[i + 1],
				(r->nheaders - i - 1) * sizeof(r->headers[0]));
			r->nheaders--;
			break;
		}
	if (r->nheaders == APPRISE_REQ_MAX_HEADERS)
		return;
	/* no CR/LF may reach the wire from a URL's +Header=value */
	if (strpbrk(name, "\r\n:") || strpbrk(val, "\r\n") || !*name)
		return;
	r->headers[r->nheaders] = apprise_bld_str(b, "%s: %s", name, val);
	if (r->headers[r->nheaders])
		r->nheaders++;
}

static const char B64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void apprise_bld_b64(struct buf *o, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		char q[4] = {B64[v >> 18 & 63], B64[v >> 12 & 63],
			     i + 1 < n ? B64[v >> 6 & 63] : '=',
			     i + 2 < n ? B64[v & 63] : '='};
		buf_append(o, q, 4);
	}
}

void apprise_bld_basic_auth(struct bld *b, struct apprise_request *r,
		       const char *user, const char *pass)
{
	if (!user)
		return;
	struct buf up, o;
	buf_init(&up, 1u << 16);
	buf_init(&o, 1u << 18);
	buf_printf(&up, "%s:%s", user, pass ? pass : "");
	buf_puts(&o, "Basic ");
	if (up.data)
		apprise_bld_b64(&o, (const unsigned char *)up.data, up.len);
	if (!up.err && !o.err)
		apprise_bld_header(b, r, "Authorization", o.data);
	buf_deinit(&up);
	buf_deinit(&o);
}

/* requests' urlencode (quote_plus) of one string */
static void form_enc(struct buf *o, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("_.-~", c))
			buf_append(o, s, 1);
		else if (c == ' ')
			buf_puts(o, "+");
		else
			buf_printf(o, "%%%02X", c);
	}
}

static void form_pair(struct buf *o, const char *k, const char *v)
{
	if (o->len)
		buf_puts(o, "&");
	form_enc(o, k);
	buf_puts(o, "=");
	form_enc(o, v);
}

/* JSON the way Python's json.dumps writes it: ", " and ": ", ASCII only */
void apprise_bld_json(struct bld *b, struct apprise_request *r, json_t *j)
{
	if (!j) {
		b->err = b->err ? b->err : -ENOMEM;
		return;
	}
	char *s = json_dumps(j, JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!s) {
		b->err = b->err ? b->err : -ENOMEM;
		return;
	}
	if (r) {
		r->body = arena_strdup(b->a, s);
		r->body_len = strlen(s);
		if (!r->body)
			b->err = -ENOMEM;
	}
	free(s);
}

void apprise_bld_body(struct bld *b, struct apprise_request *r, struct buf *x)
{
	if (x->err) {
		b->err = b->err ? b->err : -ENOMEM;
	} else if (r) {
		r->body = arena_strndup(b->a, x->data ? x->data : "", x->len);
		r->body_len = x->len;
		if (!r->body)
			b->err = -ENOMEM;
	}
	buf_deinit(x);
}

static json_t *jstr(const char *s)
{
	return json_string(s ? s : "");
}

/* scheme://host[:port] of the target (the port when one was given) */
static char *base_url(struct bld *b, bool port_zero_counts)
{
	const struct apprise_url *u = &b->t->u;
	const char *sch = u->secure ? "https" : "http";
	if (u->port > 0 || (u->port == 0 && port_zero_counts))
		return apprise_bld_str(b, "%s://%s:%d", sch, u->host, u->port);
	return apprise_bld_str(b, "%s://%s", sch, u->host);
}

char *apprise_bld_image_url(struct bld *b, const char *size)
{
	return apprise_bld_str(b, IMAGE_MASK, apprise_type_name(b->m->type), size);
}

int apprise_bld_color(enum apprise_type t)
{
	return (int)strtol(COLORS[(unsigned)t < 4 ? t : 0] + 1, NULL, 16);
}

/* The last value per key of a +/-/: list (a dict in Apprise). */
bool apprise_bld_last(const struct apprise_kv *kv, size_t n, size_t i)
{
	for (size_t j = i + 1; j < n; j++)
		if (!strcmp(kv[j].key, kv[i].key))
			return false;
	return true;
}

static void url_headers(struct bld *b, struct apprise_request *r)
{
	const struct apprise_url *u = &b->t->u;
	for (size_t i = 0; i < u->nadd; i++)
		if (apprise_bld_last(u->add, u->nadd, i))
			apprise_bld_header(b, r, u->add[i].key, u->add[i].val);
}

static const char *method_of(const struct apprise_target *t)
{
	const char *m = apprise_url_arg_nonempty(&t->u, "method");
	static const char *const ok[] = {"GET", "POST", "PUT", "DELETE", "HEAD"};
	for (size_t i = 0; m && i < 5; i++)
		if (!strcasecmp(m, ok[i]))
			return ok[i];
	return "POST";
}

static char *with_params(struct bld *b, const char *url, struct buf *q)
{
	if (q->err) {
		b->err = -ENOMEM;
		return NULL;
	}
	if (!q->len)
		return (char *)url;
	return apprise_bld_str(b, "%s?%s", url, q->data);
}

static void build_json(struct bld *b)
{
	const struct apprise_url *u = &b->t->u;
	char *url = apprise_bld_str(b, "%s%s", base_url(b, false) ?: "", u->fullpath ? u->fullpath : "");
	struct buf q;
	buf_init(&q, 1u << 20);
	for (size_t i = 0; i < u->ndel; i++)
		if (apprise_bld_last(u->del, u->ndel, i))
			form_pair(&q, u->del[i].key, u->del[i].val);
	url = with_params(b, url, &q);
	buf_deinit(&q);
	struct apprise_request *r = apprise_bld_req(b, method_of(b->t), url);
	apprise_bld_header(b, r, "User-Agent", APP_ID);
	apprise_bld_header(b, r, "Content-Type", "application/json");
	url_headers(b, r);
	apprise_bld_basic_auth(b, r, u->user, u->password);
	json_t *j = json_object();
	if (j) {
		json_object_set_new(j, "version", json_string("1.0"));
		json_object_set_new(j, "title", jstr(b->title));
		json_object_set_new(j, "message", jstr(b->body));
		json_t *att = json_array();
		for (size_t i = 0; att && i < b->m->nattach; i++) {
			const struct apprise_attach *f = &b->m->attach[i];
			struct buf x;
			buf_init(&x, 512u << 20);
			buf_puts(&x, "");
			apprise_bld_b64(&x, (const unsigned char *)f->data, f->len);
			if (x.err)
				b->err = -ENOMEM;
			else
				json_array_append_new(att, json_pack("{s:s,s:s,s:s}", "filename", f->name,
								     "base64", x.data, "mimetype",
								     f->mimetype));
			buf_deinit(&x);
		}
		json_object_set_new(j, "attachments", att);
		json_object_set_new(j, "type", json_string(apprise_type_name(b->m->type)));
		for (size_t i = 0; i < u->ncolon; i++)
			json_object_set_new(j, u->colon[i].key, jstr(u->colon[i].val));
	}
	apprise_bld_json(b, r, j);
}

/* Uptime Kuma's webhook notification: the sender's JSON as is (the
 * watch room's {heartbeat, monitor, msg}), else Kuma's shape of a
 * message without a monitor. */
static void build_webhook(struct bld *b)
{
	const struct apprise_url *u = &b->t->u;
	char *url = apprise_bld_str(b, "%s%s", base_url(b, false) ?: "", u->fullpath ? u->fullpath : "");
	struct apprise_request *r = apprise_bld_req(b, method_of(b->t), url);
	apprise_bld_header(b, r, "User-Agent", APP_ID);
	apprise_bld_header(b, r, "Content-Type", "application/json");
	url_headers(b, r);
	apprise_bld_basic_auth(b, r, u->user, u->password);
	json_t *j = b->m->json ? json_loads(b->m->json, 0, NULL) : NULL;
	if (!j)
		j = json_pack("{s:n, s:n, s:o}", "heartbeat", "monitor", "msg",
			      jstr(b->body));
	apprise_bld_json(b, r, j);
}

static void build_form(struct bld *b)
{
	const struct apprise_url *u = &b->t->u;
	const char *method = method_of(b->t);
	bool get = !strcmp(method, "GET");
	/* the payload is a dict: extras replace the built-in fields in place */
	const char *keys[4 + APPRISE_URL_MAX_ARGS], *vals[4 + APPRISE_URL_MAX_ARGS];
	size_t nk = 0;
	keys[nk] = "version", vals[nk++] = "1.0";
	keys[nk] = "title", vals[nk++] = b->title;
	keys[nk] = "message", vals[nk++] = b->body;
	keys[nk] = "type", vals[nk++] = apprise_type_name(b->m->type);
	const struct apprise_kv *extra[2] = {u->colon, get ? u->del : NULL};
	size_t nextra[2] = {u->ncolon, get ? u->ndel : 0};
	for (int e = 0; e < 2; e++)
		for (size_t i = 0; i < nextra[e]; i++) {
			size_t k = 0;
			while (k < nk && strcmp(keys[k], extra[e][i].key))
				k++;
			if (k == nk && nk < sizeof(keys) / sizeof(keys[0]))
				keys[nk] = extra[e][i].key, nk++;
			if (k < nk)
				vals[k] = extra[e][i].val;
		}
	struct buf f, q;
	buf_init(&f, 64u << 20);
	buf_init(&q, 1u << 20);
	for (size_t k = 0; k < nk; k++)
		form_pair(&f, keys[k], vals[k] ? vals[k] : "");
	if (!get)
		for (size_t i = 0; i < u->ndel; i++)
			if (apprise_bld_last(u->del, u->ndel, i))
				form_pair(&q, u->del[i].key, u->del[i].val);
	char *url = apprise_bld_str(b, "%s%s", base_url(b, false) ?: "", u->fullpath ? u->fullpath : "");
	url = with_params(b, url, get ? &f : &q);
	buf_deinit(&q);
	struct apprise_request *r = apprise_bld_req(b, method, url);
	apprise_bld_header(b, r, "User-Agent", APP_ID);
	url_headers(b, r);
	apprise_bld_basic_auth(b, r, u->user, u->password);
	if (!get && b->m->nattach) {
		/* requests: the fields, then files file01, file02, ... */
		buf_deinit(&f);
		struct apprise_mp mp;
		apprise_mp_init(&mp, b->m->attach, b->m->nattach);
		for (size_t k = 0; k < nk; k++)
			apprise_mp_field(&mp, keys[k], vals[k] ? vals[k] : "");
		for (size_t k = 0; k < b->m->nattach; k++) {
			char name[32];
			snprintf(name, sizeof(name), "file%02zu", k + 1);
			apprise_mp_file(&mp, name, &b->m->attach[k], b->m->attach[k].mimetype);
		}
		apprise_mp_end(b, r, &mp);
	} else if (!get) {
		apprise_bld_header(b, r, "Content-Type", "application/x-www-form-urlencoded");
		apprise_bld_body(b, r, &f);
	} else {
		buf_deinit(&f);
	}
}

static void build_xml(struct bld *b)
{
	const struct apprise_url *u = &b->t->u;
	struct arena *a = b->a;
	struct buf core, x;
	buf_init(&core, 64u << 20);
	const char *keys[4 + APPRISE_URL_MAX_ARGS], *vals[4 + APPRISE_URL_MAX_ARGS];
	size_t nk = 0;
	keys[nk] = "Version", vals[nk++] = "1.1";
	keys[nk] = "Subject", vals[nk++] = apprise_escape_html(a, b->title, false, false);
	keys[nk] = "MessageType", vals[nk++] = apprise_type_name(b->m->type);
	keys[nk] = "Message", vals[nk++] = apprise_escape_html(a, b->body, false, false);
	for (size_t i = 0; i < u->ncolon; i++) {
		char *k = arena_strdup(a, u->colon[i].key);
		if (!k)
			break;
		size_t o = 0;
		for (char *c = k; *c; c++)
			if (isalnum((unsigned char)*c) || *c == '_' || *c == '-')
				k[o++] = *c;
		k[o] = '\0';
		if (!o)
			continue;
		size_t j = 0;
		while (j < nk && strcmp(keys[j], k))
			j++;
		if (j == nk)
			keys[nk++] = k;
		vals[j] = apprise_escape_html(a, u->colon[i].val, false, false);
	}
	for (size_t k = 0; k < nk; k++)
		buf_printf(&core, "<%s>%s</%s>", keys[k], vals[k] ? vals[k] : "", keys[k]);
	buf_init(&x, 64u << 20);
	buf_printf(&x,
		   "<?xml version='1.0' encoding='utf-8'?>\n"
		   "<soapenv:Envelope\n"
		   "    xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"\n"
		   "    xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"\n"
		   "    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
		   "    <soapenv:Body>\n"
		   "        <Notification xmlns:xsi=\"%s\">\n"
		   "            %s\n"
		   "            \n"
		   "       </Notification>\n"
		   "    </soapenv:Body>\n"
		   "</soapenv:Envelope>",
		   XSD_URL, core.data ? core.data : "");
	if (core.err)
		x.err = core.err;
	buf_deinit(&core);
	char *url = apprise_bld_str(b, "%s%s", base_url(b, false) ?: "", u->fullpath ? u->fullpath : "");
	struct apprise_request *r = apprise_bld_req(b, method_of(b->t), url);
	apprise_bld_header(b, r, "User-Agent", APP_ID);
	apprise_bld_header(b, r, "Content-Type", "application/xml");
	url_headers(b, r);
	apprise_bld_basic_auth(b, r, u->user, u->password);
	apprise_bld_body(b, r, &x);
}

/* Apprise's priority maps: the first key the value starts with wins. */
struct prio {
	const char *prefix;
	int value;
};

static int prio_of(const char *s, const struct prio *map, size_t n, int dflt)
{
	if (!s || !*s)
		return dflt;
	for (size_t i = 0; i < n; i++)
		if (!strncasecmp(s, map[i].prefix, strlen(map[i].prefix)))
			return map[i].value;
	return dflt;
}

static void build_gotify(struct bld *b)
{
	static const struct prio map[] = {
		{"l", 0}, {"m", 3}, {"n", 5}, {"h", 8}, {"e", 10}, {"10", 10},
		{"0", 0}, {"1", 0}, {"2", 0}, {"3", 3}, {"4", 3}, {"5", 5},
		{"6", 5}, {"7", 5}, {"8", 8}, {"9", 8}};
	int prio = prio_of(apprise_url_arg(&b->t->u, "priority"), map,
			   sizeof(map) / sizeof(map[0]), 5);
	char *url = apprise_bld_str(b, "%s%smessage", base_url(b, false) ?: "", b->t->prefix);
	struct apprise_request *r = apprise_bld_req(b, "POST", url);
	apprise_bld_header(b, r, "User-Agent", APP_ID);
	apprise_bld_header(b, r, "Content-Type", "application/json");
	apprise_bld_header(b, r, "X-Gotify-Key", b->t->a);
	if (r)
		r->ok_status = 200;
	json_t *j = json_object();
	if (j) {
		json_object_set_new(j, "priority", json_integer(prio));
		json_object_set_new(j, "title", jstr(b->title));
		json_object_set_new(j, "message", jstr(b->body));
		if (b->t->format == APPRISE_MARKDOWN)
			json_object_set_new(j, "extras",
				json_pack("{s:{s:s}}", "client::display",
					  "contentType", "text/markdown"));
	}
	apprise_bld_json(b, r, j);
}

static char *slack_escape(struct bld *b, const char *s)
{
	struct buf x;
	buf_init(&x, 64u << 20);
	for (; s && *s; s++) {
		if (*s == '&')
			buf_puts(&x, "&amp;");
		else if (*s == '<')
			buf_puts(&x, "&lt;");
		else if (*s == '>')
			buf_puts(&x, "&gt;");
		else
			buf_append(&x, s, 1);
	}
	char *r = x.err ? NULL : arena_strdup(b->a, x.data ? x.data : "");
	buf_deinit(&x);
	return r;
}

/* Slack's ?blocks=yes payload: a header, the text section, a footer. */
static json_t *slack_blocks(struct bld *b, const char *icon, bool footer)
{
	const char *fmt = b->t->format == APPRISE_MARKDOWN ? "mrkdwn" : "plain_text";
	json_t *bl = json_array();
	if (b->title && *b->title)
		json_array_append_new(bl, json_pack("{s:s,s:{s:s,s:s,s:b}}", "type", "header",
						    "text", "type", "plain_text", "text",
						    b->title, "emoji", 1));
	json_array_append_new(bl, json_pack("{s:s,s:{s:s,s:s}}", "type", "section", "text",
					    "type", fmt, "text", b->body ? b->body : ""));
	json_t *j = json_pack("{s:s,s:[{s:o,s:s}]}", "username",
			      b->t->u.user ? b->t->u.user : APP_ID, "attachments", "blocks", bl,
			      "color", COLORS[(unsigned)b->m->type < 4 ? b->m->type : 0]);
	if (j && footer) {
		json_t *el = json_pack("[{s:s,s:s}]", "type", fmt, "text", APP_ID);
		if (icon) {
			json_object_set_new(j, "icon_url", json_string(icon));
			json_array_insert_new(el, 0, json_pack("{s:s,s:s,s:s}", "type", "image",
							       "image_url", icon, "alt_text",
							       apprise_type_name(b->m->type)));
		}
		json_array_append_new(bl, json_pack("{s:s,s:o}", "type", "context", "elements", el));
	}
	return j;
}

static void build_slack(struct bld *b)
{
	const struct apprise_target *t = b->t;
	const struct apprise_url *u = &t->u;
	bool image = apprise_parse_bool(apprise_url_arg(u, "image"), true);
	bool footer = apprise_parse_bool(apprise_url_arg(u, "footer"), true);
	bool md = t->format == APPRISE_MARKDOWN;
	bool blocks = apprise_parse_bool(apprise_url_arg(u, "blocks"), false);
	const char *body = md ? slack_escape(b, b->body) : b->body;
	const char *title = slack_escape(b, b->title);
	char *icon = image ? apprise_bld_image_url(b, "72x72") : NULL;
	char *url = t->mode ? apprise_bld_str(b, "%s/chat.postMessage",
				   b->ep && b->ep->slack_api ? b->ep->slack_api
							     : "https://slack.com/api")
			    : apprise_bld_str(b, "%s/%s/%s/%s",
				   b->ep && b->ep->slack ? b->ep->slack
							 : "https://hooks.slack.com/services",
				   t->a, t->b, t->c);
	size_t nch = t->ntargets ? t->ntargets : 1;
	for (size_t i = 0; i < nch; i++) {
		const char *ch = t->ntargets ? t->targets[i] : (t->mode ? "#general" : NULL);
		char *channel = NULL;
		if (ch) {
			if (ch[0] == '+')
				channel = arena_strdup(b->a, ch + 1);
			else if (ch[0] == '@' || ch[0] == '#')
				channel = arena_strdup(b->a, ch);
			else
				channel = apprise_bld_str(b, "#%s", ch);
		}
		struct apprise_request *r = apprise_bld_req(b, "POST", url);
		if (!r)
			return;
		r->what = channel;
		r->ok_status = 200;
		apprise_bld_header(b, r, "User-Agent", APP_ID);
		apprise_bld_header(b, r, "Accept", "application/json");
		apprise_bld_header(b, r, "Content-Type", "application/json; charset=utf-8");
		if (t->mode)
			apprise_bld_header(b, r, "Authorization", apprise_bld_str(b, "Bearer %s", t->a));
		json_t *j = blocks ? slack_blocks(b, icon, footer) : NULL;
		if (!blocks) {
			json_t *att = json_pack("{s:s,s:s,s:s,s:f}", "title", title ? title : "",
						"text", body ? body : "", "color",
						COLORS[(unsigned)b->m->type < 4 ? b->m->type : 0],
						"ts", b->m->now);
			if (att && icon && footer)
				json_object_set_new(att, "footer_icon", json_string(icon));
			if (att && footer)
				json_object_set_new(att, "footer", json_string(APP_ID));
			j = json_pack("{s:s,s:b,s:[o]}", "username", u->user ? u->user : APP_ID,
				      "mrkdwn", md, "attachments", att);
			if (j && icon)
				json_object_set_new(j, "icon_url", json_string(icon));
		}
		if (j && channel)
			json_object_set_new(j, "channel", json_string(channel));
		apprise_bld_json(b, r, j);
	}
}

static void build_pover(struct bld *b)
{
	static const struct prio map[] = {
		{"l", -2}, {"m", -1}, {"n", 0}, {"h", 1}, {"e", 2},
		{"-2", -2}, {"-1", -1}, {"0", 0}, {"1", 1}, {"2", 2}};
	const struct apprise_target *t = b->t;
	const struct apprise_url *u = &t->u;
	int prio = prio_of(apprise_url_arg(u, "priority"), map, sizeof(map) / sizeof(map[0]), 0);
	const char *sound = apprise_url_arg(u, "sound");
	char *url = apprise_bld_str(b, "%s/1/messages.json",
			 b->ep && b->ep->pushover ? b->ep->pushover : "https://api.pushover.net");
	size_t nd = t->ntargets ? t->ntargets : 1;
	for (size_t i = 0; i < nd; i++) {
		const char *dev = t->ntargets ? t->targets[i] : "ALL_DEVICES";
		struct apprise_request *r = apprise_bld_req(b, "POST", url);
		if (!r)
			return;
		r->what = dev;
		r->ok_status = 200;
		apprise_bld_header(b, r, "User-Agent", APP_ID);
		apprise_bld_header(b, r, "Content-Type", "application/x-www-form-urlencoded");
		apprise_bld_basic_auth(b, r, t->a, ""); /* Apprise sends the token as Basic user */
		struct buf f;
		buf_init(&f, 64u << 20);
		char pr[8];
		snprintf(pr, sizeof(pr), "%d", prio);
		form_pair(&f, "token", t->a);
		form_pair(&f, "user", t->b);
		form_pair(&f, "priority", pr);
		form_pair(&f, "title", b->title && *b->title ? b->title : APP_DESC);
		form_pair(&f, "message", b->body ? b->body : "");
		form_pair(&f, "device", dev);
		form_pair(&f, "sound", sound ? sound : "pushover");
		const char *v;
		if ((v = apprise_url_arg_nonempty(u, "url")))
			form_pair(&f, "url", v);
		if ((v = apprise_url_arg_nonempty(u, "url_title")))
			form_pair(&f, "url_title", v);
		if (t->format != APPRISE_TEXT)
			form_pair(&f, "html", "1");
		if (prio == 2) {
			const char *rt = apprise_url_arg_nonempty(u, "retry");
			const char *ex = apprise_url_arg_nonempty(u, "expire");
			form_pair(&f, "retry", rt ? rt : "900");
			form_pair(&f, "expire", ex ? ex : "3600");
		}
		apprise_bld_body(b, r, &f);
	}
}

static json_t *matrix_payload(struct bld *b)
{
	const struct apprise_target *t = b->t;
	const char *text;
	if (t->format == APPRISE_TEXT)
		text = b->title && *b->title ? apprise_bld_str(b, "%s\r\n%s", b->title, b->body) : b->body;
	else
		text = apprise_bld_str(b, "%s%s",
			    b->title && *b->title
				    ? apprise_bld_str(b, "<h1>%s</h1>", apprise_escape_html(b->a, b->title, true, false))
				    : "",
			    b->body);
	return json_pack("{s:s,s:s,s:s}", "displayName", t->u.user ? t->u.user : APP_ID,
			 "format", t->format == APPRISE_TEXT ? "plain" : "html", "text",
			 text ? text : "");
}

static void build_matrix(struct bld *b)
{
	const struct apprise_target *t = b->t;
	if (t->mode == 0) {
		b->why = "Matrix server mode is a conversation: apprise_matrix_step builds it";
		b->err = -EINVAL;
		return;
	}
	char *url;
	if (t->mode == 3)
		url = apprise_bld_str(b, "%s/api/v1/matrix/hook/%s",
			   b->ep && b->ep->t2bot ? b->ep->t2bot : "https://webhooks.t2bot.io", t->a);
	else
		url = apprise_bld_str(b, "%s/api/v1/matrix/hook/%s", base_url(b, false) ?: "",
			   t->a ? t->a : "");
	struct apprise_request *r = apprise_bld_req(b, "POST", url);
	apprise_bld_header(b, r, "User-Agent", APP_ID);
	apprise_bld_header(b, r, "Content-Type", "application/json");
	if (r)
		r->ok_status = 200;
	json_t *j;
	if (t->mode == 2) {
		json_t *att = json_pack("{s:s,s:s,s:s}", "title", slack_escape(b, b->title) ?: "",
					"text", slack_escape(b, b->body) ?: "", "color",
					COLORS[(unsigned)b->m->type < 4 ? b->m->type : 0]);
		j = json_pack("{s:s,s:b,s:[o]}", "username", t->u.user ? t->u.user : APP_ID,
			      "mrkdwn", t->format == APPRISE_MARKDOWN, "attachments", att);
	} else {
		j = matrix_payload(b);
		if (j && t->mode == 3 && apprise_parse_bool(apprise_url_arg(&t->u, "image"), false))
			json_object_set_new(j, "avatarUrl", jstr(apprise_bld_image_url(b, "32x32")));
	}
	apprise_bld_json(b, r, j);
}

static void build_apprise(struct bld *b)
{
	const struct apprise_target *t = b->t;
	const struct apprise_url *u = &t->u;
	char *url = apprise_bld_str(b, "%s%s/notify/%s", base_url(b, false) ?: "", t->prefix, t->a);
	struct apprise_request *r = apprise_bld_req(b, "POST", url);
	url_headers(b, r);
	apprise_bld_header(b, r, "User-Agent", APP_ID);
	apprise_bld_header(b, r, "Content-Type", "application/json");
	apprise_bld_header(b, r, "X-Apprise-ID", b->m->apprise_id ? b->m->apprise_id : "hearth");
	apprise_bld_header(b, r, "X-Apprise-Recursion-Count", apprise_bld_str(b, "%d", b->m->recursion + 1));
	apprise_bld_basic_auth(b, r, u->user, u->password);
	if (r)
		r->ok_status = 200;
	json_t *j = json_pack("{s:s,s:s,s:s,s:s}", "title", b->title ? b->title : "",
			      "body", b->body ? b->body : "", "type",
			      apprise_type_name(b->m->type), "format",
			      apprise_format_name(t->format));
	const char *tags = apprise_url_arg_nonempty(u, "tags");
	if (j && tags) {
		char **tl;
		int n = apprise_split_list(b->a, tags, NULL, true, 64, &tl);
		json_t *arr = json_array();
		for (int i = 0; i < n && arr; i++)
			json_array_append_new(arr, json_string(tl[i]));
		json_object_set_new(j, "tag", arr);
	}
	apprise_bld_json(b, r, j);
}

static const char *const NTFY_PRIO[] = {"", "min", "low", "default", "high", "max"};

/* The attachments to one topic: each a POST of its bytes to /TOPIC with
 * ?filename= (and the title and message with the first), as Apprise sends
 * them since its fix of the multipart envelope (1.4.5). */
static void ntfy_files(struct bld *b, const char *base, const char *topic, int prio,
		       const char *tags, const char *delay, const char *click,
		       const char *email)
{
	const struct apprise_target *t = b->t;
	bool local = t->scheme == APPRISE_HEARTH;
	for (size_t k = 0; k < b->m->nattach; k++) {
		const struct apprise_attach *f = &b->m->attach[k];
		struct buf q;
		buf_init(&q, 1u << 20);
		form_pair(&q, "filename", f->name);
		const char *title = !k && b->title && *b->title ? b->title : NULL;
		const char *message = !k && b->body && *b->body ? b->body : NULL;
		if (title)
			form_pair(&q, "title", title);
		if (message)
			form_pair(&q, "message", message);
		char *url = apprise_bld_str(b, "%s/%s", base ? base : "", topic);
		url = with_params(b, url, &q);
		buf_deinit(&q);
		struct apprise_request *r = apprise_bld_req(b, "POST", url);
		if (!r)
			return;
		r->kind = local ? APPRISE_REQ_LOCAL : APPRISE_REQ_HTTP;
		r->what = r->topic = topic;
		r->title = title;
		r->message = message;
		r->priority = prio;
		r->tags = tags;
		r->click = click;
		r->delay = delay;
		r->file = f;
		r->body = f->data;
		r->body_len = f->len;
		r->ok_status = 200;
		apprise_bld_header(b, r, "User-Agent", APP_ID);
		if (prio != 3)
			apprise_bld_header(b, r, "X-Priority", NTFY_PRIO[prio]);
		apprise_bld_header(b, r, "X-Delay", delay);
		apprise_bld_header(b, r, "X-Click", click);
		apprise_bld_header(b, r, "X-Email", email);
		apprise_bld_header(b, r, "X-Tags", tags);
		if (!t->mode)
			apprise_bld_basic_auth(b, r, t->u.user, t->u.password);
	}
}

static void build_ntfy(struct bld *b)
{
	static const struct prio map[] = {
		{"l", 2}, {"mo", 2}, {"n", 3}, {"h", 4}, {"e", 5}, {"mi", 1},
		{"ma", 5}, {"d", 3}, {"1", 1}, {"2", 2}, {"3", 3}, {"4", 4}, {"5", 5}};
	const struct apprise_target *t = b->t;
	const struct apprise_url *u = &t->u;
	if (!t->ntargets) {
		b->why = "no valid ntfy topics";
		b->err = -EINVAL;
		return;
	}
	int prio = prio_of(apprise_url_arg(u, "priority"), map, sizeof(map) / sizeof(map[0]), 3);
	const char *delay = apprise_url_arg_nonempty(u, "delay");
	const char *click = apprise_url_arg_nonempty(u, "click");
	const char *email = apprise_url_arg_nonempty(u, "email");
	const char *attach = apprise_url_arg_nonempty(u, "attach");
	const char *filename = apprise_url_arg_nonempty(u, "filename");
	char *tags = NULL;
	const char *tq = apprise_url_arg_nonempty(u, "tags");
	if (tq) {
		char **tl;
		int n = apprise_split_list(b->a, tq, NULL, true, 64, &tl);
		struct buf x;
		buf_init(&x, 1u << 20);
		buf_puts(&x, "");
		for (int i = 0; i < n; i++)
			buf_printf(&x, "%s%s", i ? "," : "", tl[i]);
		tags = x.err ? NULL : arena_strdup(b->a, x.data);
		buf_deinit(&x);
	}
	char *url = t->mode ? (char *)(b->ep && b->ep->ntfy ? b->ep->ntfy : "https://ntfy.sh")
			    : base_url(b, false);
	bool local = t->scheme == APPRISE_HEARTH;
	/* Apprise pops the topics from the end of its sorted list */
	for (size_t i = t->ntargets; i-- > 0;) {
		if (b->m->nattach) {
			ntfy_files(b, url, t->targets[i], prio, tags, delay, click, email);
			continue;
		}
		struct apprise_request *r = apprise_bld_req(b, "POST", url);
		if (!r)
			return;
		r->kind = local ? APPRISE_REQ_LOCAL : APPRISE_REQ_HTTP;
		r->what = r->topic = t->targets[i];
		r->title = b->title && *b->title ? b->title : NULL;
		r->message = b->body && *b->body ? b->body : NULL;
		r->priority = prio;
		r->tags = tags;
		r->click = click;
		r->delay = delay;
		r->ok_status = 200;
		apprise_bld_header(b, r, "User-Agent", APP_ID);
		apprise_bld_header(b, r, "Content-Type", "application/json");
		if (prio != 3)
			apprise_bld_header(b, r, "X-Priority", NTFY_PRIO[prio]);
		apprise_bld_header(b, r, "X-Delay", delay);
		apprise_bld_header(b, r, "X-Click", click);
		apprise_bld_header(b, r, "X-Email", email);
		apprise_bld_header(b, r, "X-Tags", tags);
		if (!t->mode)
			apprise_bld_basic_auth(b, r, u->user, u->password);
		json_t *j = json_pack("{s:s}", "topic", r->topic);
		if (j && r->title)
			json_object_set_new(j, "title", json_string(r->title));
		if (j && r->message)
			json_object_set_new(j, "message", json_string(r->message));
		if (j && attach) {
			json_object_set_new(j, "attach", json_string(attach));
			if (filename)
				json_object_set_new(j, "filename", json_string(filename));
		}
		apprise_bld_json(b, r, j);
	}
}

int apprise_build(const struct apprise_target *t, const struct apprise_msg *m,
		  const struct apprise_endpoints *ep, struct arena *a,
		  struct apprise_request **out, size_t *n, const char **why)
{
	struct bld b = {.a = a, .t = t, .m = m, .ep = ep};
	/* NotifyBase.notify: title stripped, body right-stripped, both
	 * converted from the message's format to the plugin's */
	const char *title = m->title ? m->title : "";
	while (isspace((unsigned char)*title))
		title++;
	char *tt = arena_strdup(a, title);
	char *bb = arena_strdup(a, m->body ? m->body : "");
	if (!tt || !bb)
		return -ENOMEM;
	for (size_t l = strlen(tt); l && isspace((unsigned char)tt[l - 1]);)
		tt[--l] = '\0';
	for (size_t l = strlen(bb); l && isspace((unsigned char)bb[l - 1]);)
		bb[--l] = '\0';
	b.body = apprise_convert(a, bb, m->format, t->format);
	b.title = tt;
	if (t->scheme == APPRISE_TGRAM && *tt) {
		/* title_maxlen 0: the title joins the body */
		const char *ct = apprise_convert(a, tt, m->format, t->format);
		if (t->format == APPRISE_HTML)
			b.body = apprise_bld_str(&b, "<b>%s</b><br />\r\n%s", ct ? ct : "", b.body ? b.body : "");
		else if (t->format == APPRISE_MARKDOWN && m->format == APPRISE_TEXT)
			b.body = apprise_bld_str(&b, "# %s\r\n%s", ct ? ct : "", b.body ? b.body : "");
		else
			b.body = apprise_bld_str(&b, "%s\r\n%s", ct ? ct : "", b.body ? b.body : "");
		b.title = "";
	}
	if (!b.body)
		return -ENOMEM;
	switch (t->scheme) {
	case APPRISE_NTFY:
	case APPRISE_HEARTH:
		build_ntfy(&b);
		break;
	case APPRISE_JSON:
		build_json(&b);
		break;
	case APPRISE_WEBHOOK:
		build_webhook(&b);
		break;
	case APPRISE_FORM:
		build_form(&b);
		break;
	case APPRISE_XML:
		build_xml(&b);
		break;
	case APPRISE_MAILTO:
		apprise_bld_mailto(&b);
		break;
	case APPRISE_GOTIFY:
		build_gotify(&b);
		break;
	case APPRISE_DISCORD:
		apprise_bld_discord(&b);
		break;
	case APPRISE_SLACK:
		build_slack(&b);
		break;
	case APPRISE_TGRAM:
		apprise_bld_tgram(&b);
		break;
	case APPRISE_POVER:
		build_pover(&b);
		break;
	case APPRISE_MATRIX:
		build_matrix(&b);
		break;
	case APPRISE_APPRISE:
		build_apprise(&b);
		break;
	default:
		b.err = -EINVAL;
		b.why = "unsupported scheme";
	}
	if (!b.err && !b.n) {
		b.err = -EINVAL;
		b.why = b.why ? b.why : "no valid targets";
	}
	if (b.err) {
		if (why)
			*why = b.why ? b.why : "out of memory";
		return b.err;
	}
	*out = b.reqs;
	*n = b.n;
	return 0;
}
