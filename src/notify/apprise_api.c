/* SPDX-License-Identifier: MIT */
/* The Apprise API on notify.apprise.listen: /notify, /notify/KEY, /add, /get, /del, /json/urls, /status, with Apprise API's codes and bodies. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "core/http_client.h"
#include "notify/apprise.h"
#include "proto/notify/apprise_attach.h"
#include "proto/notify/apprise_config.h"
#include "proto/notify/apprise_tag.h"

#define TEXT_PLAIN "text/plain; charset=utf-8"
#define TEXT_YAML "text/yaml; charset=utf-8"
#define APP_JSON "application/json"

/* Bounds: targets of one notify call (a stored key holds at most
 * APPRISE_CONFIG_MAX_URLS too) and notify calls being sent at once. */
#define MAX_CALL_TARGETS APPRISE_CONFIG_MAX_URLS
#define MAX_JOBS 256

/* (text|application)/(x-)?json, case-insensitive, parameters allowed */
static bool is_json_type(const char *ct)
{
	if (!ct)
		return false;
	const char *p = ct;
	if (!strncasecmp(p, "text/", 5))
		p += 5;
	else if (!strncasecmp(p, "application/", 12))
		p += 12;
	else
		return false;
	if (!strncasecmp(p, "x-", 2))
		p += 2;
	return !strncasecmp(p, "json", 4) && (!p[4] || p[4] == ';' || isspace((unsigned char)p[4]));
}

/* What a request carries, form or JSON, as one JSON object. */
struct payload {
	json_t *j;
	bool json_in, json_out;
	/* multipart file parts, as attachments (in @a, the caller's arena) */
	struct arena *a;
	struct apprise_attach_ref files[APPRISE_MAX_ATTACH];
	size_t nfiles;
	const char *bad_files; /* why the file parts were refused, or NULL */
};

static int form_decode(const char *s, size_t n, struct buf *out)
{
	buf_deinit(out);
	buf_puts(out, "");
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '+')
			buf_puts(out, " ");
		else if (s[i] == '%' && i + 2 < n && (h = hex_digit(s[i + 1])) >= 0 &&
			 (l = hex_digit(s[i + 2])) >= 0) {
			char c = (char)(h << 4 | l);
			buf_append(out, &c, 1);
			i += 2;
		} else {
			buf_append(out, s + i, 1);
		}
	}
	return out->err;
}

/* A field given twice: urls and tags are joined, others keep the first. */
static void put_field(json_t *o, const char *k, const char *v)
{
	json_t *old = json_object_get(o, k);
	if (!old) {
		json_t *x = json_string(v); /* NULL: not UTF-8, dropped */
		if (x)
			json_object_set_new(o, k, x);
		return;
	}
	if (strcmp(k, "urls") && strcmp(k, "tag") && strcmp(k, "tags"))
		return;
	size_t n = strlen(json_string_value(old)) + strlen(v) + 3;
	char *j = malloc(n);
	if (!j)
		return;
	snprintf(j, n, "%s, %s", json_string_value(old), v);
	json_object_set_new(o, k, json_string(j));
	free(j);
}

static int parse_urlencoded(const char *b, size_t len, json_t *o)
{
	struct buf k, v;
	buf_init(&k, 1 << 20);
	buf_init(&v, 64u << 20);
	const char *p = b, *end = b + len;
	int rc = 0;
	while (p < end && !rc) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		if (e > p) {
			rc = form_decode(p, (size_t)((eq ? eq : e) - p), &k);
			if (!rc)
				rc = eq ? form_decode(eq + 1, (size_t)(e - eq - 1), &v)
					: form_decode("", 0, &v);
			if (!rc && k.data && v.data)
				put_field(o, k.data, v.data);
		}
		p = e + 1;
	}
	buf_deinit(&k);
	buf_deinit(&v);
	return rc;
}

/* multipart/form-data: fields like form fields, file parts kept as
 * attachments (when the caller gave an arena to keep them in). */
static int parse_multipart(const char *ct, const char *b, size_t len, struct payload *pl)
{
	struct arena tmp;
	arena_init(&tmp);
	struct arena *a = pl->a ? pl->a : &tmp;
	struct apprise_part *parts;
	size_t n;
	const char *why = NULL;
	int rc = apprise_multipart_parse(ct, b, len, a, &parts, &n, &why);
	for (size_t i = 0; !rc && i < n; i++) {
		if (parts[i].filename) {
			if (!pl->a)
				continue;
			if (!pl->bad_files && apprise_attach_part(&parts[i], a, pl->files,
								  &pl->nfiles, &why) == -EINVAL)
				pl->bad_files = why;
		} else if (strlen(parts[i].data) == parts[i].len) {
			put_field(pl->j, parts[i].name, parts[i].data);
		}
	}
	arena_deinit(&tmp);
	return rc;
}

/* 0, or the status to answer with (400 bad payload). */
static int read_payload(const struct http_request *req, struct payload *pl)
{
	const char *ct = http_request_header(req, "Content-Type");
	const char *accept = http_request_header(req, "Accept");
	pl->json_in = is_json_type(ct);
	pl->json_out = is_json_type(accept) ||
		       ((!accept || !*accept || !strcmp(accept, "*/*")) && pl->json_in);
	if (pl->json_in) {
		json_error_t e;
		pl->j = req->body_len ? json_loadb(req->body, req->body_len, 0, &e) : json_object();
		if (!json_is_object(pl->j)) {
			json_decref(pl->j);
			pl->j = json_object();
			return 400;
		}
		return 0;
	}
	pl->j = json_object();
	if (!pl->j)
		return 500;
	int rc = 0;
	if (ct && !strncasecmp(ct, "multipart/form-data", 19))
		rc = parse_multipart(ct, req->body, req->body_len, pl);
	else if (req->body_len)
		rc = parse_urlencoded(req->body, req->body_len, pl->j);
	return rc ? 400 : 0;
}

static const char *field(const struct payload *pl, const char *k)
{
	return json_string_value(json_object_get(pl->j, k));
}

/* Apprise answers in JSON or text, as the client asked. */
static void answer(struct http_response *resp, const struct payload *pl, int status,
		   const char *msg)
{
	if (pl && pl->json_out)
		http_reply_json(resp, status, json_pack("{s:s?}", "error", status < 300 ? NULL : msg));
	else
		http_reply_text(resp, status, TEXT_PLAIN, msg);
}

static bool key_ok(const char *k, size_t n)
{
	if (n < 1 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '_' && k[i] != '-')
			return false;
	return true;
}

/* URL_DETECTION_RE: a list of URLs split where blanks or commas precede
 * another schema:// */
static int split_urls(struct arena *a, const char *s, char ***out)
{
	size_t cap = 8, n = 0;
	char **v = arena_alloc(a, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	const char *p = s;
	while (*p) {
		while (*p && (isspace((unsigned char)*p) || *p == ','))
			p++;
		if (!*p)
			break;
		const char *b = p;
		for (;;) {
			const char *q = p;
			while (*q && !isspace((unsigned char)*q) && *q != ',')
				q++;
			p = q;
			if (!*p)
				break;
			const char *r = p;
			while (*r && (isspace((unsigned char)*r) || *r == ','))
				r++;
			const char *sc = r;
			while (isalnum((unsigned char)*sc))
				sc++;
			if (!*r || (sc - r >= 2 && sc - r <= 9 && !strncmp(sc, "://", 3)))
				break;
			p = r;
		}
		if (n == cap) {
			char **g = arena_alloc(a, 2 * cap * sizeof(*g));
			if (!g)
				return -ENOMEM;
			memcpy(g, v, n * sizeof(*g));
			v = g;
			cap *= 2;
		}
		if (n == 1024)
			break;
		v[n] = arena_strndup(a, b, (size_t)(p - b));
		if (!v[n])
			return -ENOMEM;
		n++;
	}
	*out = v;
	return (int)n;
}

/* The `urls` field: a string list, or (JSON) a list of strings. */
static int urls_of(struct arena *a, const json_t *v, char ***out)
{
	if (json_is_string(v))
		return split_urls(a, json_string_value(v), out);
	*out = NULL;
	if (!json_is_array(v))
		return 0;
	size_t total = 0, i;
	const json_t *x;
	char **all = NULL;
	json_array_foreach(v, i, x) {
		if (!json_is_string(x))
			continue;
		char **part;
		int n = split_urls(a, json_string_value(x), &part);
		if (n < 0)
			return n;
		char **g = arena_alloc(a, (total + (size_t)n + 1) * sizeof(*g));
		if (!g)
			return -ENOMEM;
		if (total)
			memcpy(g, all, total * sizeof(*g));
		memcpy(g + total, part, (size_t)n * sizeof(*g));
		all = g;
		total += (size_t)n;
		if (total > 1024)
			break;
	}
	*out = all;
	return (int)total;
}

/* ---- notify ---- */

struct notify_call {
	struct notify_apprise *ap;
	struct http_pending *p;
	bool json_out;
	/* attachments named by URL, fetched before the job starts */
	struct ap_job *job;
	size_t nfetch, fetching;
	struct fetch {
		struct notify_call *c;
		const char *url; /* in the job's arena, as name and mimetype */
		struct apprise_attach a;
		char *data; /* malloc'd once fetched */
		char err[200];
	} fetch[APPRISE_MAX_ATTACH];
};

static void on_abort(struct http_pending *p, void *ud)
{
	(void)p;
	(void)ud; /* the job goes on; its end finishes the handle */
}

static void notify_done(struct ap_job *job, void *ud)
{
	struct notify_call *c = ud;
	size_t n;
	const struct ap_result *res = ap_job_results(job, &n);
	size_t failed = 0;
	json_t *details = json_array(), *fails = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(details,
			json_pack("[s,s,s]", res[i].ok ? "INFO" : "ERROR", res[i].service,
				  res[i].ok ? "Sent notification." : res[i].reason));
		if (!res[i].ok) {
			failed++;
			json_array_append_new(fails, json_pack("{s:s,s:s,s:s}", "url", res[i].url,
							       "service", res[i].service, "reason",
							       res[i].reason));
		}
	}
	struct http_response *resp = http_pending_response(c->p);
	if (failed) {
		c->ap->failures++;
		http_reply_json(resp, 424,
			json_pack("{s:s,s:o,s:o,s:i,s:i}", "error",
				  "One or more notification could not be sent", "details",
				  details, "failed", fails, "sent", (int)(n - failed), "total", (int)n));
	} else {
		json_decref(fails);
		if (c->json_out) {
			http_reply_json(resp, 200, json_pack("{s:n,s:o}", "error", "details", details));
		} else {
			json_decref(details);
			http_reply_text(resp, 200, TEXT_PLAIN, "Notification(s) sent.\n");
		}
	}
	http_pending_finish(c->p);
	ap_job_free(job);
	free(c);
}

/* ---- attachments named by URL ---- */

static void fetch_over(struct notify_call *c)
{
	struct notify_apprise *ap = c->ap;
	const char *err = NULL;
	for (size_t i = 0; i < c->nfetch && !err; i++)
		if (c->fetch[i].err[0])
			err = c->fetch[i].err;
	for (size_t i = 0; !err && i < c->nfetch; i++) {
		struct fetch *f = &c->fetch[i];
		f->a.data = f->data;
		if (ap_job_attach(c->job, &f->a))
			err = "out of memory";
	}
	for (size_t i = 0; i < c->nfetch; i++)
		free(c->fetch[i].data);
	if (!err && !ap->closing) {
		ap_job_start(c->job, notify_done, c);
		return;
	}
	struct http_response *resp = http_pending_response(c->p);
	struct payload pl = {.json_out = c->json_out};
	if (!err)
		answer(resp, &pl, 503, "The server is shutting down");
	else if (c->json_out)
		http_reply_json(resp, 400, json_pack("{s:s,s:s}", "error", "Bad Attachment",
						     "detail", err));
	else
		answer(resp, &pl, 400, "Bad Attachment");
	http_pending_finish(c->p);
	ap_job_free(c->job);
	free(c);
}

static void on_fetch(const struct http_client_result *res, void *ud)
{
	struct fetch *f = ud;
	struct notify_call *c = f->c;
	if (res->err)
		snprintf(f->err, sizeof(f->err), "%s: %s", f->url,
			 res->errmsg ? res->errmsg : hearth_strerror(res->err));
	else if (res->status < 200 || res->status > 299)
		snprintf(f->err, sizeof(f->err), "%s: HTTP %ld", f->url, res->status);
	else if (!(f->data = malloc(res->body_len + 1)))
		snprintf(f->err, sizeof(f->err), "out of memory");
	else {
		memcpy(f->data, res->body, res->body_len);
		f->data[res->body_len] = '\0';
		f->a.len = res->body_len;
	}
	struct notify_apprise *ap = c->ap;
	ap->pending--;
	if (--c->fetching == 0)
		fetch_over(c);
	ap_close_check(ap);
}

/* Fetches every URL attachment (at once), then starts the job; with
 * none, starts it now. A fetch bigger than attach_size fails. */
static void fetch_start(struct notify_call *c)
{
	struct notify_apprise *ap = c->ap;
	c->fetching = 1; /* this function */
	for (size_t i = 0; i < c->nfetch; i++) {
		struct fetch *f = &c->fetch[i];
		if (f->err[0])
			continue;
		struct http_client_req hr = {
			.method = "GET",
			.url = f->url,
			.timeout_ms = ap->timeout_ms,
			.max_response = (size_t)ap->attach_size,
			.max_redirects = 5,
		};
		c->fetching++;
		ap->pending++;
		int rc = http_client_request(ap->room->http_client, &hr, on_fetch, f);
		if (rc) {
			c->fetching--;
			ap->pending--;
			snprintf(f->err, sizeof(f->err), "%s: %s", f->url, hearth_strerror(rc));
		}
	}
	if (--c->fetching == 0)
		fetch_over(c);
}

/* Tags of a URL given inline: its ?tag= (stateless notify). */
static int inline_tags(struct arena *a, const char *url, char ***tags)
{
	struct apprise_url u;
	*tags = NULL;
	if (apprise_url_parse(url, false, a, &u, NULL))
		return 0;
	const char *t = apprise_url_arg(&u, "tag"); /* ?tags= is a plugin's */
	if (!t)
		return 0;
	int n = apprise_split_list(a, t, NULL, true, 64, tags);
	for (int i = 0; i < n; i++)
		for (char *c = (*tags)[i]; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	return n;
}

static void do_notify(struct notify_apprise *ap, const struct http_request *req,
		      struct http_response *resp, const char *key)
{
	struct payload pl = {0};
	struct arena a;
	arena_init(&a);
	struct ap_job *job = NULL;
	char *stored = NULL;
	ap->requests++;
	pl.a = &a; /* file parts are kept as attachments */
	if ((int64_t)req->body_len > ap->max_body) {
		answer(resp, NULL, 431, "JSON Payload provided is to large");
		goto out;
	}
	if (ap->njobs >= MAX_JOBS) {
		http_reply_header(resp, "Retry-After", "1");
		answer(resp, NULL, 503, "Too many notifications in flight; try again");
		goto out;
	}
	int st = read_payload(req, &pl);
	if (st) {
		answer(resp, &pl, st, pl.json_in ? "Invalid JSON Payload provided"
						 : "Bad FORM Payload provided");
		goto out;
	}
	/* query-string fallbacks */
	static const char *const fb[] = {"tag", "tags", "format", "type", "title"};
	for (size_t i = 0; i < sizeof(fb) / sizeof(fb[0]); i++) {
		const char *v = http_request_arg(req, fb[i]);
		if (v && !json_object_get(pl.j, fb[i]) && (key || i < 3))
			json_object_set_new(pl.j, fb[i], json_string(v));
	}
	json_t *tagj = json_object_get(pl.j, "tag");
	if (!tagj)
		tagj = json_object_get(pl.j, "tags");
	struct apprise_tagexpr tags;
	if (apprise_tag_parse_json(tagj, &a, &tags)) {
		answer(resp, &pl, 400, "Unsupported characters found in tag definition");
		goto out;
	}
	/* attachments: file parts, then the attach fields' URLs and objects */
	struct apprise_attach_ref refs[APPRISE_MAX_ATTACH];
	size_t nrefs = pl.nfiles;
	const char *bad = pl.bad_files;
	memcpy(refs, pl.files, pl.nfiles * sizeof(refs[0]));
	bool named = nrefs || bad;
	static const char *const af[] = {"attach", "attachment", "attachments"};
	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(pl.j, af[i]);
		/* null, "" and [] name nothing (Python's falsy values) */
		if (json_is_null(v) || (json_is_string(v) && !json_string_length(v)) ||
		    (json_is_array(v) && !json_array_size(v)))
			continue;
		named = named || v;
		if (v && !bad && apprise_attach_refs(v, &a, refs, &nrefs, &bad) == -ENOMEM) {
			http_reply_failure(resp, -ENOMEM);
			goto out;
		}
	}
	for (size_t i = 0; !bad && i < nrefs; i++)
		if ((int64_t)refs[i].a.len > ap->attach_size)
			bad = "an attachment is larger than notify.apprise.attach_size";
	if (named && (bad || !ap->attach_size)) {
		/* Apprise API with APPRISE_ATTACH_SIZE=0 answers this too */
		if (pl.json_out)
			http_reply_json(resp, 400, json_pack("{s:s,s:s}", "error", "Bad Attachment",
							     "detail", bad ? bad : "attachments are off "
							     "(notify.apprise.attach_size 0)"));
		else
			answer(resp, &pl, 400, "Bad Attachment");
		goto out;
	}
	struct apprise_attach direct[APPRISE_MAX_ATTACH];
	size_t ndirect = 0;
	for (size_t i = 0; i < nrefs; i++)
		if (!refs[i].url)
			direct[ndirect++] = refs[i].a;
	const char *body = field(&pl, "body");
	const char *type = field(&pl, "type");
	const char *format = field(&pl, "format");
	int ti = type ? apprise_type_parse(type) : APPRISE_INFO;
	int fi = format ? apprise_format_parse(format) : APPRISE_TEXT;
	if (((!body || !*body) && !nrefs) || ti < 0) {
		answer(resp, &pl, 400, "Payload lacks minimum requirements");
		goto out;
	}
	if (fi < 0) {
		answer(resp, &pl, 400, "An invalid body input format was specified");
		goto out;
	}
	int recursion = 0;
	const char *rh = http_request_header(req, "X-Apprise-Recursion-Count");
	if (rh) {
		char *e;
		long v = strtol(rh, &e, 10);
		if (!*rh || *e || v < 0 || v > 1000000) {
			answer(resp, &pl, 400, "An invalid recursion value was specified");
			goto out;
		}
		if (v > ap->recursion_max) {
			answer(resp, &pl, 406, "The recursion limit has been reached");
			goto out;
		}
		recursion = (int)v;
	}
	struct apprise_msg m = {
		.title = field(&pl, "title"),
		.body = body ? body : "",
		.attach = direct,
		.nattach = ndirect,
		.type = (enum apprise_type)ti,
		.format = (enum apprise_format)fi,
		.now = (double)clock_wall_ms(ap->room->clock) / 1000.0,
		.apprise_id = http_request_header(req, "X-Apprise-ID"),
		.recursion = recursion,
	};
	job = ap_job_new(ap, &m);
	if (!job) {
		http_reply_failure(resp, -ENOMEM);
		goto out;
	}
	size_t matched = 0;
	if (!key) {
		char **urls;
		int n = urls_of(&a, json_object_get(pl.j, "urls"), &urls);
		if (n > MAX_CALL_TARGETS) {
			answer(resp, &pl, 400, "Too many URLs in one request");
			goto out;
		}
		for (int i = 0; i < n; i++) {
			char **ut;
			int nt = inline_tags(&a, urls[i], &ut);
			if (!apprise_tag_match(&tags, ut, (size_t)(nt > 0 ? nt : 0)))
				continue;
			matched++;
			const char *why;
			if (ap_job_add(job, urls[i], &why) == -ENOMEM) {
				http_reply_failure(resp, -ENOMEM);
				goto out;
			}
		}
		if (!ap_job_count(job)) {
			answer(resp, &pl, matched || n <= 0 ? 204 : 424,
			       matched || n <= 0 ? "There was no valid URLs provided to notify"
						 : "No URLs matched the tag(s) given");
			goto out;
		}
	} else {
		char fmt[8];
		int rc = ap_key_get(ap, key, &stored, fmt);
		if (rc == -ENOENT) {
			answer(resp, &pl, 204, "There was no configuration found");
			goto out;
		}
		if (rc) {
			answer(resp, &pl, 500, "An error occurred accessing configuration");
			goto out;
		}
		struct apprise_config cfg;
		char err[160];
		rc = apprise_config_parse(stored, strlen(stored),
					  !strcmp(fmt, "yaml") ? APPRISE_CONFIG_YAML : APPRISE_CONFIG_TEXT,
					  &a, &cfg, err, sizeof(err));
		if (rc) {
			answer(resp, &pl, 500, "An error occurred accessing configuration");
			goto out;
		}
		for (size_t i = 0; i < cfg.n; i++) {
			if (!apprise_tag_match(&tags, cfg.urls[i].tags, cfg.urls[i].ntags))
				continue;
			matched++;
			const char *why;
			char *u = apprise_config_url_text(&a, &cfg.urls[i]);
			if (!u || ap_job_add(job, u, &why) == -ENOMEM) {
				http_reply_failure(resp, -ENOMEM);
				goto out;
			}
		}
		if (!ap_job_count(job)) {
			/* Apprise API: no service matched the tags (or none loads) */
			http_reply_json(resp, 424,
				json_pack("{s:s,s:[],s:[],s:i,s:i}", "error",
					  matched ? "No valid URLs in the configuration"
						  : "No URLs matched the tag(s) given",
					  "details", "failed", "sent", 0, "total", 0));
			ap->failures++;
			goto out;
		}
	}
	struct notify_call *c = calloc(1, sizeof(*c));
	if (!c) {
		http_reply_failure(resp, -ENOMEM);
		goto out;
	}
	c->ap = ap;
	c->json_out = pl.json_out;
	c->p = http_defer(req, resp, on_abort, c);
	if (!c->p) {
		free(c);
		goto out;
	}
	c->job = job;
	job = NULL;
	for (size_t i = 0; i < nrefs; i++) {
		if (!refs[i].url)
			continue;
		struct fetch *f = &c->fetch[c->nfetch++];
		struct arena *ja = ap_job_arena(c->job);
		f->c = c;
		f->url = arena_strdup(ja, refs[i].url);
		f->a.name = arena_strdup(ja, refs[i].a.name);
		f->a.mimetype = arena_strdup(ja, refs[i].a.mimetype);
		if (!f->url || !f->a.name || !f->a.mimetype)
			snprintf(f->err, sizeof(f->err), "out of memory");
	}
	fetch_start(c);
out:
	ap_job_free(job);
	free(stored);
	json_decref(pl.j);
	arena_deinit(&a);
}

/* ---- add / get / del ---- */

struct write_call {
	struct http_pending *p;
	bool json_out, del;
};

static void write_done(void *ud, int rc)
{
	struct write_call *c = ud;
	struct http_response *resp = http_pending_response(c->p);
	struct payload pl = {.json_out = c->json_out};
	if (rc == -ENOENT)
		answer(resp, &pl, 204, "There was no configuration to remove");
	else if (rc == HEARTH_EFULL)
		http_reply_failure(resp, rc);
	else if (rc)
		answer(resp, &pl, 500, c->del ? "The configuration could not be removed"
					      : "The configuration could not be saved");
	else
		answer(resp, &pl, 200, c->del ? "Successfully removed configuration"
					      : "Successfully saved configuration");
	http_pending_finish(c->p);
	free(c);
}

static void start_write(struct notify_apprise *ap, const struct http_request *req,
			struct http_response *resp, const struct payload *pl, const char *key,
			const char *format, const char *text)
{
	struct write_call *c = calloc(1, sizeof(*c));
	if (!c) {
		http_reply_failure(resp, -ENOMEM);
		return;
	}
	c->json_out = pl->json_out;
	c->del = text == NULL;
	c->p = http_defer(req, resp, NULL, NULL);
	if (!c->p) {
		free(c);
		return;
	}
	int rc = ap_key_put(ap, key, format, text, write_done, c);
	if (rc)
		write_done(c, rc);
}

static void do_add(struct notify_apprise *ap, const struct http_request *req,
		   struct http_response *resp, const char *key)
{
	struct payload pl = {0};
	struct arena a;
	arena_init(&a);
	struct buf out;
	buf_init(&out, APPRISE_CONFIG_MAX_BYTES + 4096);
	if ((int64_t)req->body_len > ap->max_body) {
		answer(resp, NULL, 431, "The configuration payload is too large");
		goto done;
	}
	int st = read_payload(req, &pl);
	if (st) {
		answer(resp, &pl, st, pl.json_in ? "Invalid JSON Payload provided"
						 : "Bad FORM Payload provided");
		goto done;
	}
	json_t *urlsj = json_object_get(pl.j, "urls");
	const char *config = field(&pl, "config");
	if (urlsj) {
		char **urls;
		int n = urls_of(&a, urlsj, &urls);
		size_t ok = 0;
		buf_puts(&out, "");
		for (int i = 0; i < n; i++) {
			struct apprise_target t;
			if (apprise_target_parse(urls[i], &a, &t, NULL))
				continue;
			buf_printf(&out, "%s%s", ok ? "\r\n" : "", urls[i]);
			ok++;
		}
		if (!ok || out.err) {
			answer(resp, &pl, 400, "No valid URLs defined");
			goto done;
		}
		start_write(ap, req, resp, &pl, key, "text", out.data);
		goto done;
	}
	if (!config) {
		answer(resp, &pl, 400, "No configuration provided");
		goto done;
	}
	const char *format = field(&pl, "format");
	enum apprise_config_format cf;
	if (!format && !pl.json_in)
		format = "auto";
	if (format && !strcasecmp(format, "text"))
		cf = APPRISE_CONFIG_TEXT;
	else if (format && !strcasecmp(format, "yaml"))
		cf = APPRISE_CONFIG_YAML;
	else if (format && !strcasecmp(format, "auto"))
		cf = APPRISE_CONFIG_AUTO;
	else {
		answer(resp, &pl, 400, "Invalid configuration format specified");
		goto done;
	}
	size_t clen = strlen(config);
	if (clen > APPRISE_CONFIG_MAX_BYTES) {
		answer(resp, &pl, 400, "The configuration payload is too large");
		goto done;
	}
	if (cf == APPRISE_CONFIG_AUTO) {
		cf = apprise_config_detect(config, clen);
		if (cf == APPRISE_CONFIG_AUTO) {
			answer(resp, &pl, 400, "The configuration format could not be auto-detected");
			goto done;
		}
	}
	struct apprise_config cfg;
	char err[160];
	int rc = apprise_config_parse(config, clen, cf, &a, &cfg, err, sizeof(err));
	size_t ok = 0;
	for (size_t i = 0; !rc && i < cfg.n; i++) {
		struct apprise_target t;
		char *u = apprise_config_url_text(&a, &cfg.urls[i]);
		if (u && !apprise_target_parse(u, &a, &t, NULL))
			ok++;
	}
	if (rc || !ok) {
		if (rc && pl.json_out)
			http_reply_json(resp, 400, json_pack("{s:s,s:s}", "error",
							     "No valid URL(s) defined", "detail", err));
		else
			answer(resp, &pl, 400, "No valid URL(s) defined");
		goto done;
	}
	start_write(ap, req, resp, &pl, key, cf == APPRISE_CONFIG_YAML ? "yaml" : "text", config);
done:
	buf_deinit(&out);
	json_decref(pl.j);
	arena_deinit(&a);
}

static void do_get(struct notify_apprise *ap, const struct http_request *req,
		   struct http_response *resp, const char *key)
{
	struct payload pl = {0};
	read_payload(req, &pl);
	char *text = NULL, fmt[8];
	int rc = ap_key_get(ap, key, &text, fmt);
	if (rc == -ENOENT)
		answer(resp, &pl, 204, "There was no configuration found");
	else if (rc)
		answer(resp, &pl, 500, "An error occurred accessing configuration");
	else if (pl.json_out)
		http_reply_json(resp, 200, json_pack("{s:s,s:s}", "format", fmt, "config", text));
	else
		http_reply_text(resp, 200, !strcmp(fmt, "yaml") ? TEXT_YAML : TEXT_PLAIN, text);
	free(text);
	json_decref(pl.j);
}

static void do_del(struct notify_apprise *ap, const struct http_request *req,
		   struct http_response *resp, const char *key)
{
	struct payload pl = {0};
	read_payload(req, &pl);
	char *text = NULL, fmt[8];
	int rc = ap_key_get(ap, key, &text, fmt);
	free(text);
	if (rc == -ENOENT)
		answer(resp, &pl, 204, "There was no configuration to remove");
	else if (rc)
		answer(resp, &pl, 500, "The configuration could not be removed");
	else
		start_write(ap, req, resp, &pl, key, NULL, NULL);
	json_decref(pl.j);
}

static void do_json_urls(struct notify_apprise *ap, const struct http_request *req,
			 struct http_response *resp, const char *key)
{
	struct arena a;
	arena_init(&a);
	char *text = NULL, fmt[8];
	int rc = ap_key_get(ap, key, &text, fmt);
	if (rc == -ENOENT) {
		http_reply_json(resp, 204, json_pack("{s:[],s:[]}", "tags", "urls"));
		goto out;
	}
	struct apprise_config cfg;
	char err[160];
	if (rc || apprise_config_parse(text, strlen(text),
				       !strcmp(fmt, "yaml") ? APPRISE_CONFIG_YAML : APPRISE_CONFIG_TEXT,
				       &a, &cfg, err, sizeof(err))) {
		http_reply_json(resp, 500, json_pack("{s:s}", "error",
						     "An error occurred accessing configuration"));
		goto out;
	}
	const char *pv = http_request_arg(req, "privacy");
	bool privacy = pv && apprise_parse_bool(pv, false);
	const char *tq = http_request_arg(req, "tag");
	struct apprise_tagexpr tags;
	if (apprise_tag_parse(tq && *tq ? tq : "all", &a, &tags)) {
		http_reply_json(resp, 400, json_pack("{s:s}", "error",
						     "Unsupported characters found in tag definition"));
		goto out;
	}
	json_t *all = json_array(), *urls = json_array();
	for (size_t i = 0; i < cfg.n; i++) {
		if (!apprise_tag_match(&tags, cfg.urls[i].tags, cfg.urls[i].ntags))
			continue;
		char *u = apprise_config_url_text(&a, &cfg.urls[i]);
		struct apprise_target t;
		if (!u || apprise_target_parse(u, &a, &t, NULL))
			continue;
		json_t *tl = json_array();
		for (size_t k = 0; k < cfg.urls[i].ntags; k++) {
			const char *tg = cfg.urls[i].tags[k];
			json_array_append_new(tl, json_string(tg));
			bool seen = false;
			size_t x;
			json_t *v;
			json_array_foreach(all, x, v) seen = seen || !strcmp(json_string_value(v), tg);
			if (!seen)
				json_array_append_new(all, json_string(tg));
		}
		json_array_append_new(urls, json_pack("{s:s,s:o,s:s,s:b}", "url",
						      privacy ? ap_mask_url(&a, u) : u, "tags", tl,
						      "service_name", apprise_scheme_service(t.scheme),
						      "enabled", 1));
	}
	http_reply_json(resp, 200, json_pack("{s:o,s:o}", "tags", all, "urls", urls));
out:
	free(text);
	arena_deinit(&a);
}

static void do_status(struct notify_apprise *ap, const struct http_request *req,
		      struct http_response *resp)
{
	const char *accept = http_request_header(req, "Accept");
	if (is_json_type(accept))
		http_reply_json(resp, 200,
			json_pack("{s:b,s:b,s:b,s:i,s:I,s:{s:b,s:b,s:b,s:[s]}}", "config_lock", 0,
				  "attach_lock", ap->attach_size == 0, "stateful_enabled", 1,
				  "max_attachments", ap->attach_size ? APPRISE_MAX_ATTACH : 0,
				  "attach_size", (json_int_t)ap->attach_size, "status",
				  "persistent_storage", 1, "can_write_config", 1,
				  "can_write_attach", ap->attach_size != 0, "details", "OK"));
	else
		http_reply_text(resp, 200, TEXT_PLAIN, "OK");
}

/* The schemes served (Apprise's details(), the subset this server has). */
static void do_details(const struct http_request *req, struct http_response *resp)
{
	json_t *schemas = json_array();
	for (int i = 0; i < APPRISE_SCHEME_COUNT; i++) {
		const char *name = apprise_scheme_name((enum apprise_scheme)i);
		json_array_append_new(schemas,
			json_pack("{s:s,s:[s],s:b,s:b}", "service_name",
				  apprise_scheme_service((enum apprise_scheme)i), "protocols",
				  name, "enabled", 1, "attachment_support",
				  apprise_scheme_attaches((enum apprise_scheme)i)));
	}
	const char *accept = http_request_header(req, "Accept");
	json_t *j = json_pack("{s:s,s:o}", "version", "1.2.0", "schemas", schemas);
	if (is_json_type(accept)) {
		http_reply_json(resp, 200, j);
		return;
	}
	struct buf b;
	buf_init(&b, 1 << 16);
	size_t i;
	json_t *v;
	json_array_foreach(schemas, i, v)
		buf_printf(&b, "%s: %s://\n", json_string_value(json_object_get(v, "service_name")),
			   json_string_value(json_array_get(json_object_get(v, "protocols"), 0)));
	http_reply_text(resp, 200, TEXT_PLAIN, b.data ? b.data : "");
	buf_deinit(&b);
	json_decref(j);
}

/* Routes: /verb or /verb/ and /verb/KEY or /verb/KEY/ */
static void dispatch(const struct http_request *req, struct http_response *resp, void *ud)
{
	struct notify_apprise *ap = ud;
	static const struct {
		const char *prefix, *method;
		int takes_key; /* 0 none, 1 optional, 2 required */
	} routes[] = {
		{"/notify", "POST", 1}, {"/add", "POST", 2}, {"/get", "POST", 2},
		{"/cfg", "POST", 2},	{"/del", "POST", 2}, {"/json/urls", "GET", 2},
		{"/status", "GET", 0},	{"/details", "GET", 0},
	};
	const char *path = req->path;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		size_t pl = strlen(routes[i].prefix);
		if (strncmp(path, routes[i].prefix, pl) || (path[pl] && path[pl] != '/'))
			continue;
		const char *k = path[pl] ? path + pl + 1 : "";
		size_t kl = strlen(k);
		if (kl && k[kl - 1] == '/')
			kl--;
		char key[130];
		if (kl && (!routes[i].takes_key || !key_ok(k, kl)))
			break; /* 404 below */
		if (!kl && routes[i].takes_key == 2)
			break;
		memcpy(key, k, kl);
		key[kl] = '\0';
		if (strcmp(req->method, routes[i].method) &&
		    !(routes[i].method[0] == 'G' && !strcmp(req->method, "HEAD"))) {
			resp->allow = routes[i].method[0] == 'G' ? "GET, HEAD" : "POST";
			http_reply_text(resp, 405, TEXT_PLAIN, "Method Not Allowed");
			return;
		}
		switch (i) {
		case 0:
			do_notify(ap, req, resp, kl ? key : NULL);
			return;
		case 1:
			do_add(ap, req, resp, key);
			return;
		case 2:
		case 3:
			do_get(ap, req, resp, key);
			return;
		case 4:
			do_del(ap, req, resp, key);
			return;
		case 5:
			do_json_urls(ap, req, resp, key);
			return;
		case 6:
			do_status(ap, req, resp);
			return;
		default:
			do_details(req, resp);
			return;
		}
	}
	http_reply_text(resp, 404, TEXT_PLAIN, "Not Found");
}

static const struct http_route ROUTES[] = {
	{.name = "apprise", .method = "GET", .path = "/", .prefix = true, .fn = dispatch,
	 .help = "the Apprise API (status, json/urls)"},
	{.name = "apprise", .method = "HEAD", .path = "/", .prefix = true, .fn = dispatch,
	 .help = "the Apprise API"},
	{.name = "apprise", .method = "POST", .path = "/", .prefix = true, .fn = dispatch,
	 .help = "the Apprise API (notify, add, get, del)"},
	{.name = "apprise", .method = "PUT", .path = "/", .prefix = true, .fn = dispatch,
	 .help = "the Apprise API (405)"},
	{.name = "apprise", .method = "DELETE", .path = "/", .prefix = true, .fn = dispatch,
	 .help = "the Apprise API (405)"},
};

int ap_api_register(struct notify_apprise *ap)
{
	return http_server_add_routes(ap->http, ROUTES, sizeof(ROUTES) / sizeof(ROUTES[0]), ap);
}
