/* SPDX-License-Identifier: MIT */
/* Matrix server mode's requests one after the other, each built from the answer to the last (Apprise's NotifyMatrix). */
#include "proto/notify/apprise_matrix.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "base/buf.h"

enum { LOGIN, LOGGED_IN, JOINED_ROOMS, JOIN, SENT, DONE };

static void fail(struct apprise_matrix *st, const char *why)
{
	st->errors++;
	if (!st->why)
		st->why = why;
}

static char *base(struct arena *a, const struct apprise_target *t, const char *path)
{
	const struct apprise_url *u = &t->u;
	char port[16] = "";
	int dflt = u->secure ? 443 : 80;
	if (u->port >= 0 && u->port != dflt)
		snprintf(port, sizeof(port), ":%d", u->port);
	struct buf b;
	buf_init(&b, APPRISE_URL_MAX * 4);
	buf_printf(&b, "%s://%s%s/_matrix/client/r0%s", u->secure ? "https" : "http",
		   u->host, port, path);
	char *s = b.err ? NULL : arena_strdup(a, b.data);
	buf_deinit(&b);
	return s;
}

static int request(struct arena *a, const struct apprise_target *t, const char *token,
		   const char *method, char *url, json_t *payload,
		   struct apprise_request *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = APPRISE_REQ_HTTP;
	out->method = method;
	out->url = url;
	out->ok_status = 200;
	out->insecure = !apprise_parse_bool(apprise_url_arg(&t->u, "verify"), true);
	out->headers[out->nheaders++] = "User-Agent: Apprise";
	out->headers[out->nheaders++] = "Content-Type: application/json";
	if (token) {
		size_t n = strlen(token) + 32;
		char *h = arena_alloc(a, n);
		if (!h)
			goto nomem;
		snprintf(h, n, "Authorization: Bearer %s", token);
		out->headers[out->nheaders++] = h;
	}
	if (payload) {
		char *s = json_dumps(payload, JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
		json_decref(payload);
		payload = NULL;
		if (!s)
			goto nomem;
		out->body = arena_strdup(a, s);
		out->body_len = strlen(s);
		free(s);
		if (!out->body)
			goto nomem;
	}
	(void)t;
	return url ? 1 : -ENOMEM;
nomem:
	json_decref(payload);
	return -ENOMEM;
}

/* ^(#|%23)?name(:server)?$ or ^(!|%21)name(:server)?$ with name [a-z0-9-]+ */
static char *room_name(struct arena *a, const char *room, const char *home, bool *is_id)
{
	const char *p = room;
	*is_id = false;
	if (*p == '!') {
		*is_id = true;
		p++;
	} else if (!strncasecmp(p, "%21", 3)) {
		*is_id = true;
		p += 3;
	} else if (*p == '#') {
		p++;
	} else if (!strncasecmp(p, "%23", 3)) {
		p += 3;
	}
	const char *n = p;
	while (isalnum((unsigned char)*p) || *p == '-')
		p++;
	if (p == n)
		return NULL;
	const char *server = NULL;
	size_t nlen = (size_t)(p - n);
	if (*p == ':' || !strncasecmp(p, "%3a", 3)) {
		p += *p == ':' ? 1 : 3;
		server = p;
		while (isalnum((unsigned char)*p) || *p == '.' || *p == '-')
			p++;
		if (p == server)
			return NULL;
	}
	if (*p)
		return NULL;
	const char *hs = server ? server : home ? home : "";
	size_t len = nlen + strlen(hs) + 3;
	char *out = arena_alloc(a, len);
	if (out)
		snprintf(out, len, "%c%.*s:%s", *is_id ? '!' : '#', (int)nlen, n, hs);
	return out;
}

static int send_msg(struct apprise_matrix *st, const struct apprise_target *t,
		    const struct apprise_msg *m, struct arena *a, struct apprise_request *out)
{
	const char *msgtype = apprise_url_arg_nonempty(&t->u, "msgtype");
	char mt[32];
	snprintf(mt, sizeof(mt), "m.%s", msgtype && !strcasecmp(msgtype, "notice") ? "notice" : "text");
	const char *title = m->title && *m->title ? m->title : NULL;
	const char *body = m->body ? m->body : "";
	struct buf b;
	buf_init(&b, 64u << 20);
	if (title)
		buf_printf(&b, "# %s\r\n", title);
	buf_puts(&b, body);
	json_t *j = json_pack("{s:s,s:s}", "msgtype", mt, "body", b.data ? b.data : "");
	buf_deinit(&b);
	if (j && t->format != APPRISE_TEXT) {
		buf_init(&b, 64u << 20);
		if (title) {
			char *et = t->format == APPRISE_HTML ? (char *)title
							     : apprise_escape_html(a, title, false, false);
			buf_printf(&b, "<h1>%s</h1>", et ? et : "");
		}
		buf_puts(&b, body);
		json_object_set_new(j, "format", json_string("org.matrix.custom.html"));
		json_object_set_new(j, "formatted_body", json_string(b.data ? b.data : ""));
		buf_deinit(&b);
	}
	char *rid = apprise_quote(a, st->room_id, "");
	size_t n = strlen(rid ? rid : "") + 40;
	char *path = arena_alloc(a, n);
	if (!rid || !path || !j) {
		json_decref(j);
		return -ENOMEM;
	}
	snprintf(path, n, "/rooms/%s/send/m.room.message", rid);
	out->what = st->rooms[st->room];
	int rc = request(a, t, st->token, "POST", base(a, t, path), j, out);
	out->what = st->rooms[st->room];
	return rc;
}

/* The join of the next room that has a valid name, or done. */
static int next_room(struct apprise_matrix *st, const struct apprise_target *t,
		     struct arena *a, struct apprise_request *out)
{
	while (st->room < st->nrooms) {
		bool is_id;
		char *r = room_name(a, st->rooms[st->room], st->home, &is_id);
		if (!r) {
			fail(st, "invalid Matrix room");
			st->room++;
			continue;
		}
		char *q = apprise_quote(a, r, "");
		size_t n = strlen(q ? q : "") + 8;
		char *path = arena_alloc(a, n);
		if (!q || !path)
			return -ENOMEM;
		snprintf(path, n, "/join/%s", q);
		st->room_id = is_id ? r : NULL;
		st->phase = JOIN;
		int rc = request(a, t, st->token, "POST", base(a, t, path), json_object(), out);
		out->what = st->rooms[st->room];
		return rc;
	}
	st->phase = DONE;
	return 0;
}

static json_t *answer(long status, const char *body, size_t len)
{
	if (status != 200 || !body)
		return NULL;
	json_t *j = json_loadb(body, len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int apprise_matrix_step(struct apprise_matrix *st, const struct apprise_target *t,
			const struct apprise_msg *m, long status, const char *body,
			size_t body_len, struct arena *a, struct apprise_request *out)
{
	json_t *j = NULL;
	int rc = 0;
	switch (st->phase) {
	case LOGIN:
		if (!t->u.user || !t->u.password) {
			fail(st, "Matrix login needs user and password");
			st->phase = DONE;
			return 0;
		}
		st->rooms = t->targets;
		st->nrooms = t->ntargets;
		st->phase = LOGGED_IN;
		return request(a, t, NULL, "POST", base(a, t, "/login"),
			       json_pack("{s:s,s:s,s:s}", "type", "m.login.password", "user",
					 t->u.user, "password", t->u.password),
			       out);
	case LOGGED_IN:
		j = answer(status, body, body_len);
		st->token = j ? json_string_value(json_object_get(j, "access_token")) : NULL;
		if (!st->token) {
			json_decref(j);
			fail(st, "Matrix login refused");
			st->phase = DONE;
			return 0;
		}
		st->token = arena_strdup(a, st->token);
		const char *hs = json_string_value(json_object_get(j, "home_server"));
		st->home = hs ? arena_strdup(a, hs) : NULL;
		json_decref(j);
		if (!st->token)
			return -ENOMEM;
		if (!st->nrooms) {
			st->phase = JOINED_ROOMS;
			return request(a, t, st->token, "GET", base(a, t, "/joined_rooms"), NULL, out);
		}
		return next_room(st, t, a, out);
	case JOINED_ROOMS: {
		j = answer(status, body, body_len);
		json_t *list = j ? json_object_get(j, "joined_rooms") : NULL;
		size_t n = json_is_array(list) ? json_array_size(list) : 0;
		if (n > APPRISE_MAX_TARGETS)
			n = APPRISE_MAX_TARGETS;
		st->rooms = arena_alloc(a, (n ? n : 1) * sizeof(*st->rooms));
		st->nrooms = 0;
		for (size_t i = 0; st->rooms && i < n; i++) {
			const char *r = json_string_value(json_array_get(list, i));
			if (r && (st->rooms[st->nrooms] = arena_strdup(a, r)))
				st->nrooms++;
		}
		json_decref(j);
		if (!st->rooms)
			return -ENOMEM;
		if (!st->nrooms) {
			fail(st, "no Matrix rooms to notify");
			st->phase = DONE;
			return 0;
		}
		return next_room(st, t, a, out);
	}
	case JOIN:
		j = answer(status, body, body_len);
		if (!j) {
			fail(st, "cannot join the Matrix room");
			json_decref(j);
			st->room++;
			return next_room(st, t, a, out);
		}
		if (!st->room_id) {
			const char *rid = json_string_value(json_object_get(j, "room_id"));
			st->room_id = rid ? arena_strdup(a, rid) : NULL;
		}
		json_decref(j);
		if (!st->room_id) {
			fail(st, "the Matrix server named no room id");
			st->room++;
			return next_room(st, t, a, out);
		}
		st->phase = SENT;
		return send_msg(st, t, m, a, out);
	case SENT:
		if (status != 200)
			fail(st, "the Matrix server refused the message");
		st->room++;
		return next_room(st, t, a, out);
	default:
		rc = 0;
	}
	return rc;
}
