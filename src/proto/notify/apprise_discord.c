/* SPDX-License-Identifier: MIT */
/* discord:// as Apprise 1.2.0 sends it (embeds, fields from markdown headings, attachments), and the multipart bodies its requests carry. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto/notify/apprise_build_priv.h"

/* ---- multipart/form-data, as Python requests writes it ---- */

void apprise_mp_init(struct apprise_mp *mp, const struct apprise_attach *files,
		     size_t nfiles)
{
	buf_init(&mp->x, 512u << 20);
	buf_puts(&mp->x, "");
	/* 32 hex digits (as urllib3's choose_boundary), none of the files
	 * holding it */
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < nfiles; i++)
		for (size_t k = 0; k < files[i].len && k < 4096; k++)
			h = (h ^ (unsigned char)files[i].data[k]) * 1099511628211ull;
	for (unsigned tries = 0;; tries++) {
		snprintf(mp->boundary, sizeof(mp->boundary), "%016llx%016llx",
			 (unsigned long long)h, (unsigned long long)(h * 31 + tries));
		bool clash = false;
		for (size_t i = 0; i < nfiles && !clash; i++)
			clash = files[i].len && memmem(files[i].data, files[i].len,
						       mp->boundary, 32) != NULL;
		if (!clash || tries > 64)
			break;
		h = h * 6364136223846793005ull + 1442695040888963407ull;
	}
}

void apprise_mp_field(struct apprise_mp *mp, const char *name, const char *val)
{
	buf_printf(&mp->x, "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n",
		   mp->boundary, name, val ? val : "");
}

void apprise_mp_file(struct apprise_mp *mp, const char *name,
		     const struct apprise_attach *f, const char *ctype)
{
	buf_printf(&mp->x, "--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
		   "filename=\"%s\"\r\n", mp->boundary, name, f->name);
	if (ctype)
		buf_printf(&mp->x, "Content-Type: %s\r\n", ctype);
	buf_puts(&mp->x, "\r\n");
	buf_append(&mp->x, f->data, f->len);
	buf_puts(&mp->x, "\r\n");
}

void apprise_mp_end(struct bld *b, struct apprise_request *r, struct apprise_mp *mp)
{
	buf_printf(&mp->x, "--%s--\r\n", mp->boundary);
	apprise_bld_header(b, r, "Content-Type",
			   apprise_bld_str(b, "multipart/form-data; boundary=%s", mp->boundary));
	apprise_bld_body(b, r, &mp->x);
}

/* ---- Discord's fields from markdown headings ---- */

static bool ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* (?=\s*$|[\r\n]+\s*#) at @e */
static bool section_end(const char *s, size_t n, size_t e)
{
	size_t k = e;
	while (k < n && ws(s[k]))
		k++;
	if (k == n)
		return true;
	return (s[e] == '\r' || s[e] == '\n') && s[k] == '#';
}

static char *strip(struct bld *b, const char *s, size_t n, const char *set)
{
	while (n && strchr(set, *s))
		s++, n--;
	while (n && strchr(set, s[n - 1]))
		n--;
	char *o = arena_strndup(b->a, s, n);
	if (!o)
		b->err = -ENOMEM;
	return o;
}

#define WS " \t\n\r\f\v"

/*
 * Apprise's extract_markdown_sections: the text before the first heading
 * is the description; each heading ("#" anywhere the description did not
 * take) names a field whose value is what follows up to the next line
 * starting with "#", wrapped in ```md ... ```.
 */
static json_t *md_sections(struct bld *b, const char *md, char **desc)
{
	size_t n = strlen(md), i = 0;
	*desc = "";
	while (i < n && ws(md[i]))
		i++;
	char *rest = (char *)md;
	size_t m = n;
	if (i < n && md[i] != '#') {
		size_t e = i;
		while (e < n && !ws(md[e]) && md[e] != '#')
			e++;
		while (!section_end(md, n, e))
			e++;
		*desc = strip(b, md + i, e - i, WS);
		if (!*desc)
			return NULL;
		/* re.sub(description, '', count=1): it starts at i */
		size_t dl = strlen(*desc);
		rest = arena_alloc(b->a, n - dl + 1);
		if (!rest) {
			b->err = -ENOMEM;
			return NULL;
		}
		memcpy(rest, md, i);
		memcpy(rest + i, md + i + dl, n - i - dl + 1);
		m = n - dl;
	}
	json_t *fields = json_array();
	size_t pos = 0;
	while (fields && pos < m) {
		const char *h = memchr(rest + pos, '#', m - pos);
		if (!h)
			break;
		size_t hp = (size_t)(h - rest);
		const char *nl = memchr(h + 1, '\n', m - hp - 1);
		size_t L = nl ? (size_t)(nl - rest) : m;
		if (hp + 1 == L) { /* "#" then the line's end: no name */
			pos = hp + 1;
			continue;
		}
		size_t q = hp + 1;
		while (q < L && (rest[q] == '#' || rest[q] == ' ' || rest[q] == '\t' || rest[q] == '\v'))
			q++;
		if (q == L)
			q = L - 1;
		char *name = strip(b, rest + q, L - q, "#`* \r\n\t\v");
		size_t v = L < m ? L + 1 : m;
		while (v < m && ws(rest[v]))
			v++;
		size_t end = v;
		char *value = NULL;
		if (v + 1 < m && rest[v] != '#') {
			end = v + 2;
			while (!section_end(rest, m, end))
				end++;
			value = strip(b, rest + v, end - v, WS);
		}
		char *val = value ? apprise_bld_str(b, "```md\n%s\n```", value)
				  : apprise_bld_str(b, "```\n```");
		if (!name || !val)
			break;
		json_array_append_new(fields, json_pack("{s:s,s:s}", "name", name, "value", val));
		pos = end;
	}
	if (!fields)
		b->err = -ENOMEM;
	return fields;
}

/* ---- the requests ---- */

#define DISCORD_MAX_FIELDS 10

void apprise_bld_discord(struct bld *b)
{
	const struct apprise_url *u = &b->t->u;
	bool tts = apprise_parse_bool(apprise_url_arg(u, "tts"), false);
	bool avatar = apprise_parse_bool(apprise_url_arg(u, "avatar"), true);
	bool footer = apprise_parse_bool(apprise_url_arg(u, "footer"), false);
	bool footer_logo = apprise_parse_bool(apprise_url_arg(u, "footer_logo"), true);
	bool image = apprise_parse_bool(apprise_url_arg(u, "image"), false);
	bool use_fields = apprise_parse_bool(apprise_url_arg(u, "fields"), true);
	const char *avatar_url = apprise_url_arg_nonempty(u, "avatar_url");
	const char *thread = apprise_url_arg(u, "thread");
	const char *body = b->body ? b->body : "";
	const char *title = b->title ? b->title : "";
	char *url = apprise_bld_str(b, "%s/%s/%s",
				    b->ep && b->ep->discord ? b->ep->discord
							    : "https://discord.com/api/webhooks",
				    b->t->a, b->t->b);
	char *img = apprise_bld_image_url(b, "256x256");
	json_t *fields = NULL;
	json_t *embed = NULL;
	json_t *j = json_object();
	if (!j || !url || !img) {
		json_decref(j);
		b->err = -ENOMEM;
		return;
	}
	json_object_set_new(j, "tts", json_boolean(tts));
	json_object_set_new(j, "wait", json_boolean(!tts));
	if (b->t->format == APPRISE_MARKDOWN) {
		embed = json_pack("{s:{s:s,s:s},s:s,s:s,s:i}", "author", "name", APP_ID,
				  "url", APP_URL, "title", title, "description", body,
				  "color", apprise_bld_color(b->m->type));
		if (embed && footer) {
			json_t *f = json_pack("{s:s}", "text", APP_DESC);
			if (f && footer_logo)
				json_object_set_new(f, "icon_url", json_string(LOGO_URL));
			json_object_set_new(embed, "footer", f);
		}
		if (embed && image)
			json_object_set_new(embed, "thumbnail",
					    json_pack("{s:s,s:i,s:i}", "url", img, "height", 256,
						      "width", 256));
		if (embed && use_fields) {
			char *desc;
			fields = md_sections(b, body, &desc);
			json_object_set_new(embed, "description", json_string(desc ? desc : ""));
			if (fields && json_array_size(fields)) {
				json_t *first = json_array();
				for (size_t i = 0; i < json_array_size(fields) && i < DISCORD_MAX_FIELDS; i++)
					json_array_append(first, json_array_get(fields, i));
				json_object_set_new(embed, "fields", first);
			}
		}
		json_object_set_new(j, "embeds", json_pack("[o]", embed));
	} else {
		json_object_set_new(j, "content",
				    json_string(*title ? apprise_bld_str(b, "%s\r\n%s", title, body) ?: ""
						       : body));
	}
	if (thread && *thread)
		json_object_set_new(j, "thread_id", json_string(thread));
	if (avatar)
		json_object_set_new(j, "avatar_url", json_string(avatar_url ? avatar_url : img));
	if (u->user)
		json_object_set_new(j, "username", json_string(u->user));
	/* the message; the fields past the first ten in more of them */
	for (size_t i = 0;; i += DISCORD_MAX_FIELDS) {
		struct apprise_request *r = apprise_bld_req(b, "POST", url);
		apprise_bld_header(b, r, "User-Agent", APP_ID);
		apprise_bld_header(b, r, "Content-Type", "application/json; charset=utf-8");
		if (r) {
			r->ok_status = 200;
			r->ok_status2 = 204;
		}
		if (i) {
			json_object_set_new(embed, "description", json_string(""));
			json_t *more = json_array();
			for (size_t k = i; k < json_array_size(fields) && k < i + DISCORD_MAX_FIELDS; k++)
				json_array_append(more, json_array_get(fields, k));
			json_object_set_new(embed, "fields", more);
		}
		apprise_bld_json(b, r, json_incref(j));
		if (!fields || i + DISCORD_MAX_FIELDS >= json_array_size(fields))
			break;
	}
	/* then each attachment, in a multipart post of its own */
	for (size_t k = 0; k < b->m->nattach && !b->err; k++) {
		struct apprise_mp mp;
		apprise_mp_init(&mp, &b->m->attach[k], 1);
		apprise_mp_field(&mp, "tts", "False");
		apprise_mp_field(&mp, "wait", "True");
		if (thread && *thread)
			apprise_mp_field(&mp, "thread_id", thread);
		if (avatar)
			apprise_mp_field(&mp, "avatar_url", avatar_url ? avatar_url : img);
		if (u->user)
			apprise_mp_field(&mp, "username", u->user);
		apprise_mp_file(&mp, "file", &b->m->attach[k], NULL);
		struct apprise_request *r = apprise_bld_req(b, "POST", url);
		apprise_bld_header(b, r, "User-Agent", APP_ID);
		if (r) {
			r->ok_status = 200;
			r->ok_status2 = 204;
			r->what = b->m->attach[k].name;
		}
		apprise_mp_end(b, r, &mp);
	}
	json_decref(fields);
	json_decref(j);
}
