/* SPDX-License-Identifier: MIT */
/* The watch room's checks on the loop: http/keyword/json-query through the HTTP client; port, smtp and redis (rediss: over TLS) on a libuv TCP connection. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "base/log.h"
#include "proto/watch/codes.h"
#include "watch/internal.h"
#include "watch/tlsconn.h"

/* ---- http, keyword, json-query ---- */

#define HTTP_MAX_RESPONSE (1u << 20)

static const char *reason(long code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "";
}

static bool code_accepted(const struct cfg_watch_monitor *c, long code)
{
	for (size_t i = 0; i < c->n_codes; i++)
		if (code >= c->codes[i].lo && code <= c->codes[i].hi)
			return true;
	return false;
}

/* The first @n bytes of the body, printable, for a message. */
static void excerpt(const char *body, size_t len, char *out, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < len && k + 1 < n && i < 50; i++)
		out[k++] = body[i] >= 0x20 && body[i] < 0x7f ? body[i] : ' ';
	out[k] = '\0';
}

static void json_verdict(struct watch_mon *m, const struct http_client_result *res,
			 const char *status, double ping)
{
	const struct cfg_watch_monitor *c = m->cfg;
	char msg[WATCH_MSG_MAX], actual[64];
	json_error_t jerr;
	json_t *doc = json_loadb(res->body, res->body_len, JSON_DECODE_ANY, &jerr);
	if (!doc) {
		snprintf(msg, sizeof(msg), "%s, but the response is not JSON: %s",
			 status, jerr.text);
		watch_mon_result(m, false, msg, ping);
		return;
	}
	int op = watch_jsonq_op_parse(c->json_operator);
	int r = watch_jsonq_compare(watch_jsonq_eval(m->jq, doc),
				    (enum watch_jsonq_op)op, c->expected_value,
				    actual, sizeof(actual));
	json_decref(doc);
	snprintf(msg, sizeof(msg), "JSON query %s (comparing %s %s %s)%s",
		 r == 1 ? "passes" : "does not pass", actual,
		 c->json_operator, c->expected_value,
		 r < 0 ? ": not comparable" : "");
	watch_mon_result(m, r == 1, msg, ping);
}

static void on_http(const struct http_client_result *res, void *ud)
{
	struct watch_mon *m = ud;
	char msg[WATCH_MSG_MAX], status[64];
	if (res->err == -ECANCELED || m->removed || m->room->closing) {
		watch_mon_result(m, false, NULL, -1); /* only releases */
		return;
	}
	const struct cfg_watch_monitor *c = m->cfg;
	double ping = res->seconds * 1000.0;
	if (res->cert_expires)
		watch_mon_cert(m, res->cert_expires, res->cert_valid);
	if (res->err) {
		if (res->err == HEARTH_ETIMEDOUT)
			snprintf(msg, sizeof(msg), "timeout of %lldms exceeded",
				 (long long)c->timeout_ms);
		else
			snprintf(msg, sizeof(msg), "%s",
				 res->errmsg ? res->errmsg
					     : hearth_strerror(res->err));
		watch_mon_result(m, false, msg, -1);
		return;
	}
	snprintf(status, sizeof(status), "%ld - %s", res->status,
		 reason(res->status));
	if (!code_accepted(c, res->status)) {
		snprintf(msg, sizeof(msg), "Request failed with status code %ld",
			 res->status);
		watch_mon_result(m, false, msg, ping);
		return;
	}
	if (c->type == WATCH_KEYWORD) {
		bool found = watch_body_contains(res->body, res->body_len,
						 c->keyword);
		char ex[64];
		excerpt(res->body, res->body_len, ex, sizeof(ex));
		if (found != c->invert_keyword)
			snprintf(msg, sizeof(msg), "%s, keyword %s", status,
				 found ? "is found" : "not found");
		else
			snprintf(msg, sizeof(msg), "keyword [%s] %s [%s%s]",
				 c->keyword, found ? "is found in" : "not in",
				 ex, res->body_len > 50 ? "..." : "");
		watch_mon_result(m, found != c->invert_keyword, msg, ping);
		return;
	}
	if (c->type == WATCH_JSON_QUERY) {
		json_verdict(m, res, status, ping);
		return;
	}
	watch_mon_result(m, true, status, ping);
}

static void http_start(struct watch_mon *m)
{
	const struct cfg_watch_monitor *c = m->cfg;
	struct http_client_req req = {
		.method = c->method,
		.url = c->url,
		.body = c->body,
		.body_len = c->body ? strlen(c->body) : 0,
		.headers = (const char *const *)m->headers,
		.timeout_ms = (long)c->timeout_ms,
		.max_response = HTTP_MAX_RESPONSE,
		.max_redirects = (long)c->max_redirects,
		.insecure = c->ignore_tls,
		.ca_file = c->ca_file,
		.want_cert = !strncmp(c->url, "https://", 8),
	};
	int rc = http_client_request(m->room->http, &req, on_http, m);
	if (rc) {
		char msg[WATCH_MSG_MAX];
		snprintf(msg, sizeof(msg), "cannot start the request: %s",
			 hearth_strerror(rc));
		/* Reported on the next turn of the loop would be nicer; a
		 * beat now is still one beat. */
		watch_mon_result(m, false, msg, -1);
	}
}

/* ---- port: TCP connect ---- */

struct watch_probe {
	struct watch_mon *m; /* NULL once the result is delivered/dropped */
	uv_getaddrinfo_t gai;
	uv_connect_t conn;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uint64_t t0;
	int handles;	  /* open handles (timer, tcp) */
	bool resolving;	  /* the getaddrinfo request is pending */
	bool finished;
	bool tcp_open;
	/* smtp: the dialogue after the connect */
	int step;	  /* 0 greeting, 1 EHLO answer, 2 QUIT sent */
	char in[4096];	  /* the current reply, as it arrives */
	size_t in_len;
	bool starttls;	  /* EHLO advertised STARTTLS */
	char greeting[128];
	char cmd[512];	  /* redis: the commands sent */
	int writing;	  /* writes not yet called back */
	/* rediss: the TLS session, and the bytes as they come */
	struct watch_tls *tls;
	bool tls_up;	  /* handshake done */
	char raw[4096];
};

static void probe_maybe_free(struct watch_probe *p)
{
	if (p->handles == 0 && !p->resolving && !p->writing) {
		watch_tls_free(p->tls);
		free(p);
	}
}

static void on_probe_closed(uv_handle_t *h)
{
	struct watch_probe *p = h->data;
	p->handles--;
	probe_maybe_free(p);
}

/* Delivers (when @deliver) the verdict once, then closes the handles. */
static void probe_finish(struct watch_probe *p, bool deliver, bool up,
			 const char *msg)
{
	if (p->finished)
		return;
	p->finished = true;
	struct watch_mon *m = p->m;
	p->m = NULL;
	if (m) {
		m->probe = NULL;
		double ping = (double)(uv_now(m->room->loop) - p->t0);
		if (deliver)
			watch_mon_result(m, up, msg, up ? ping : -1);
		else
			watch_mon_result(m, false, NULL, -1); /* releases */
	}
	uv_close((uv_handle_t *)&p->timer, on_probe_closed);
	if (p->tcp_open)
		uv_close((uv_handle_t *)&p->tcp, on_probe_closed);
	if (p->resolving)
		uv_cancel((uv_req_t *)&p->gai);
}

/* ---- smtp: greeting, EHLO, QUIT on the connected socket ---- */

/* A write in flight: its request and a copy of its bytes. */
struct probe_write {
	uv_write_t req;
	struct watch_probe *p;
	char data[];
};

static void on_written(uv_write_t *req, int status)
{
	struct probe_write *w = (struct probe_write *)req;
	struct watch_probe *p = w->p;
	free(w);
	p->writing--;
	if (status < 0 && !p->finished) {
		char msg[WATCH_MSG_MAX];
		snprintf(msg, sizeof(msg), "smtp: %s", uv_strerror(status));
		probe_finish(p, true, false, msg);
	}
	probe_maybe_free(p);
}

/* Writes @len bytes (copied) to the connection. */
static void probe_send_raw(struct watch_probe *p, const void *data, size_t len)
{
	struct probe_write *w = malloc(sizeof(*w) + len);
	if (!w) {
		probe_finish(p, true, false, "out of memory");
		return;
	}
	w->p = p;
	memcpy(w->data, data, len);
	uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
	if (uv_write(&w->req, (uv_stream_t *)&p->tcp, &b, 1, on_written)) {
		free(w);
		probe_finish(p, true, false, "cannot write to the connection");
		return;
	}
	p->writing++;
}

/* The TLS session's bytes for the network, written. */
static void tls_flush(struct watch_probe *p)
{
	size_t n;
	while (!p->finished && (n = watch_tls_take(p->tls, p->raw,
						    sizeof(p->raw))))
		probe_send_raw(p, p->raw, n);
}

/* Writes @len bytes: as they are, or through the TLS session. */
static void probe_send(struct watch_probe *p, const void *data, size_t len)
{
	if (!p->tls) {
		probe_send_raw(p, data, len);
		return;
	}
	if (watch_tls_write(p->tls, data, len)) {
		probe_finish(p, true, false, "TLS: cannot write");
		return;
	}
	tls_flush(p);
}

static void smtp_send(struct watch_probe *p, const char *line)
{
	probe_send(p, line, strlen(line));
}

/* A whole reply in p->in ("NNN-..." lines then "NNN ..."): its code, or
 * 0 while it is incomplete, -1 when it is not SMTP. */
static int smtp_reply(struct watch_probe *p)
{
	char *line = p->in, *end;
	while ((end = memchr(line, '\n', p->in_len - (size_t)(line - p->in)))) {
		if (end - line < 4 || line[0] < '1' || line[0] > '5')
			return -1;
		if (p->step == 1 && !strncasecmp(line + 4, "STARTTLS", 8))
			p->starttls = true;
		if (line[3] == ' ' || line[3] == '\r')
			return (line[0] - '0') * 100 + (line[1] - '0') * 10 +
			       (line[2] - '0');
		line = end + 1;
	}
	return 0;
}

static void smtp_alloc(uv_handle_t *h, size_t size, uv_buf_t *buf)
{
	struct watch_probe *p = h->data;
	(void)size;
	*buf = uv_buf_init(p->in + p->in_len,
			   (unsigned)(sizeof(p->in) - 1 - p->in_len));
}

/* A line-protocol probe's read: false when the probe is over (finished
 * before, or the server closed: DOWN with @proto's name); else the
 * bytes are appended to p->in, NUL-terminated. */
static bool probe_read(struct watch_probe *p, const char *proto, ssize_t n)
{
	if (p->finished)
		return false;
	if (n < 0) {
		char msg[WATCH_MSG_MAX];
		snprintf(msg, sizeof(msg),
			 "%s: the server closed the connection (%s)", proto,
			 uv_strerror((int)n));
		probe_finish(p, true, false, msg);
		return false;
	}
	p->in_len += (size_t)n;
	p->in[p->in_len] = '\0';
	return true;
}

static void smtp_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct watch_probe *p = s->data;
	char msg[WATCH_MSG_MAX];
	(void)buf;
	if (!probe_read(p, "smtp", n))
		return;
	int code = smtp_reply(p);
	if (code == 0 && p->in_len < sizeof(p->in) - 1)
		return;
	if (code <= 0) {
		probe_finish(p, true, false, "smtp: not an SMTP reply");
		return;
	}
	const struct cfg_watch_monitor *c = p->m->cfg;
	if (p->step == 0) {
		size_t k = strcspn(p->in, "\r\n");
		snprintf(p->greeting, sizeof(p->greeting), "%.*s", (int)k, p->in);
		if (code != 220) {
			snprintf(msg, sizeof(msg), "smtp: greeting %s", p->greeting);
			probe_finish(p, true, false, msg);
			return;
		}
		p->step = 1;
		p->in_len = 0;
		smtp_send(p, "EHLO hearth\r\n");
		return;
	}
	bool want_tls = !strcmp(c->smtp_security, "starttls");
	bool up = code == 250 && (!want_tls || p->starttls);
	if (code != 250)
		snprintf(msg, sizeof(msg), "smtp: EHLO refused (%d)", code);
	else if (want_tls && !p->starttls)
		snprintf(msg, sizeof(msg), "smtp: STARTTLS not offered (%s)",
			 p->greeting);
	else
		snprintf(msg, sizeof(msg), "%s%s", p->greeting,
			 p->starttls ? " (STARTTLS offered)" : "");
	p->step = 2;
	smtp_send(p, "QUIT\r\n");
	probe_finish(p, true, up, msg);
}

/* ---- redis: [AUTH], [SELECT], PING pipelined; one reply each ---- */

/* Appends a RESP array of @n strings to @out (at *len, within @cap). */
static void resp_cmd(char *out, size_t cap, size_t *len, int n, ...)
{
	va_list ap;
	va_start(ap, n);
	*len += (size_t)snprintf(out + *len, cap - *len, "*%d\r\n", n);
	for (int i = 0; i < n && *len < cap; i++) {
		const char *a = va_arg(ap, const char *);
		*len += (size_t)snprintf(out + *len, cap - *len, "$%zu\r\n%s\r\n",
					 strlen(a), a);
	}
	va_end(ap);
	if (*len > cap)
		*len = cap;
}

/* The replies in p->in so far. */
static void redis_got(struct watch_probe *p)
{
	char msg[WATCH_MSG_MAX];
	/* Simple-string and error replies, one line each (step counts the
	 * replies still due). */
	char *line = p->in, *end;
	while (p->step > 0 && (end = strstr(line, "\r\n"))) {
		*end = '\0';
		if (line[0] == '-') {
			snprintf(msg, sizeof(msg), "redis: %s", line + 1);
			probe_finish(p, true, false, msg);
			return;
		}
		if (line[0] != '+') {
			probe_finish(p, true, false, "redis: not a RESP reply");
			return;
		}
		if (--p->step == 0) {
			snprintf(msg, sizeof(msg), "%s", line + 1);
			probe_finish(p, true, !strcmp(line + 1, "PONG"), msg);
			return;
		}
		line = end + 2;
	}
	size_t rest = p->in_len - (size_t)(line - p->in);
	memmove(p->in, line, rest);
	p->in_len = rest;
	if (p->in_len >= sizeof(p->in) - 1)
		probe_finish(p, true, false, "redis: reply too long");
}

static void redis_start(struct watch_probe *p)
{
	const struct cfg_watch_monitor *c = p->m->cfg;
	size_t len = 0;
	char db[16];
	p->step = 1;
	if (c->db_password) {
		if (c->db_user)
			resp_cmd(p->cmd, sizeof(p->cmd), &len, 3, "AUTH",
				 c->db_user, c->db_password);
		else
			resp_cmd(p->cmd, sizeof(p->cmd), &len, 2, "AUTH",
				 c->db_password);
		p->step++;
	}
	if (c->db_index) {
		snprintf(db, sizeof(db), "%lld", (long long)c->db_index);
		resp_cmd(p->cmd, sizeof(p->cmd), &len, 2, "SELECT", db);
		p->step++;
	}
	resp_cmd(p->cmd, sizeof(p->cmd), &len, 1, "PING");
	probe_send(p, p->cmd, len);
}

static void redis_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct watch_probe *p = s->data;
	(void)buf;
	if (probe_read(p, "redis", n))
		redis_got(p);
}

/* tls: the handshake is done; the certificate decides. */
static void tls_verdict(struct watch_probe *p)
{
	struct watch_mon *m = p->m;
	const struct cfg_watch_monitor *c = m->cfg;
	char msg[WATCH_MSG_MAX], why[160];
	long long expires = 0;
	bool verified = false;
	if (watch_tls_cert(p->tls, &expires, &verified, why, sizeof(why))) {
		probe_finish(p, true, false, "tls: the server sent no certificate");
		return;
	}
	watch_mon_cert(m, expires, verified);
	int64_t days = watch_cert_days(m);
	bool up = (verified || c->ignore_tls) && days >= 0;
	struct tm tm;
	time_t t = (time_t)expires;
	char when[32] = "?";
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	if (days < 0)
		snprintf(msg, sizeof(msg), "tls: the certificate expired on %s",
			 when);
	else
		snprintf(msg, sizeof(msg), "%s%s%s, expires %s (%lld days)",
			 verified ? "certificate valid" : "certificate not valid",
			 verified ? "" : ": ", verified ? "" : why, when,
			 (long long)days);
	probe_finish(p, true, up, msg);
}

/* rediss: the bytes read go into the session; the handshake, then the
 * plaintext replies. */
static void tls_alloc(uv_handle_t *h, size_t size, uv_buf_t *buf)
{
	struct watch_probe *p = h->data;
	(void)size;
	*buf = uv_buf_init(p->raw, sizeof(p->raw));
}

/* The protocol a TLS probe's messages name: tls, or redis (rediss://). */
static const char *tls_proto(const struct watch_probe *p)
{
	return p->m && p->m->cfg->type == WATCH_TLS ? "tls" : "redis";
}

static void tls_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct watch_probe *p = s->data;
	char msg[WATCH_MSG_MAX], why[160];
	if (n <= 0) {
		probe_read(p, tls_proto(p), n < 0 ? n : 0); /* n < 0: closed */
		return;
	}
	if (p->finished || watch_tls_feed(p->tls, buf->base, (size_t)n)) {
		probe_finish(p, true, false, "out of memory");
		return;
	}
	if (!p->tls_up) {
		int rc = watch_tls_handshake(p->tls, why, sizeof(why));
		tls_flush(p);
		if (rc < 0) {
			snprintf(msg, sizeof(msg), "%s: TLS: %s", tls_proto(p),
				 why);
			probe_finish(p, true, false, msg);
		}
		if (rc <= 0)
			return;
		p->tls_up = true;
		if (p->m->cfg->type == WATCH_TLS) {
			tls_verdict(p);
			return;
		}
		redis_start(p);
	}
	for (;;) {
		ssize_t k = watch_tls_read(p->tls, p->in + p->in_len,
					   sizeof(p->in) - 1 - p->in_len);
		if (k < 0) {
			probe_finish(p, true, false,
				     "redis: the TLS session ended");
			return;
		}
		if (k == 0 || p->finished)
			return;
		p->in_len += (size_t)k;
		p->in[p->in_len] = '\0';
		redis_got(p);
	}
}

/* rediss and tls: a TLS session on the connection, its first flight
 * sent (tls: whatever the certificate, to report on it). */
static void tls_start(struct watch_probe *p)
{
	const struct cfg_watch_monitor *c = p->m->cfg;
	char why[160], msg[WATCH_MSG_MAX];
	bool cert = c->type == WATCH_TLS;
	int rc = watch_tls_new(c->hostname, !c->ignore_tls, c->ca_file, cert,
			       &p->tls);
	if (rc) {
		snprintf(msg, sizeof(msg), "%s: %s", tls_proto(p),
			 rc == -ENOENT ? "ca_file: cannot read the CAs"
				       : "out of memory");
		probe_finish(p, true, false, msg);
		return;
	}
	rc = watch_tls_handshake(p->tls, why, sizeof(why));
	tls_flush(p);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "%s: TLS: %s", tls_proto(p), why);
		probe_finish(p, true, false, msg);
	}
}


static void on_connect(uv_connect_t *req, int status)
{
	struct watch_probe *p = req->data;
	char msg[WATCH_MSG_MAX];
	enum watch_type type = p->m ? p->m->cfg->type : WATCH_PORT;
	if (status == 0 && !p->finished && p->m &&
	    (type == WATCH_SMTP || type == WATCH_REDIS || type == WATCH_TLS)) {
		p->tcp.data = p;
		bool smtp = type == WATCH_SMTP;
		bool tls = type == WATCH_TLS || (!smtp && p->m->cfg->db_tls);
		uv_read_start((uv_stream_t *)&p->tcp,
			      tls ? tls_alloc : smtp_alloc,
			      smtp ? smtp_read : tls ? tls_read : redis_read);
		if (tls)
			tls_start(p);
		else if (!smtp)
			redis_start(p);
		return; /* the dialogue decides */
	}
	if (status == 0)
		snprintf(msg, sizeof(msg), "connected");
	else
		snprintf(msg, sizeof(msg), "connect: %s", uv_strerror(status));
	probe_finish(p, true, status == 0, msg);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct watch_probe *p = req->data;
	char msg[WATCH_MSG_MAX];
	p->resolving = false;
	if (p->finished) {
		uv_freeaddrinfo(res);
		probe_maybe_free(p);
		return;
	}
	if (status < 0 || !res) {
		snprintf(msg, sizeof(msg), "cannot resolve the host: %s",
			 uv_strerror(status));
		uv_freeaddrinfo(res);
		probe_finish(p, true, false, msg);
		return;
	}
	int rc = uv_tcp_init(req->loop, &p->tcp);
	if (!rc) {
		p->tcp.data = p;
		p->tcp_open = true;
		p->handles++;
		p->conn.data = p;
		rc = uv_tcp_connect(&p->conn, &p->tcp, res->ai_addr, on_connect);
	}
	uv_freeaddrinfo(res);
	if (rc) {
		snprintf(msg, sizeof(msg), "connect: %s", uv_strerror(rc));
		probe_finish(p, true, false, msg);
	}
}

static void on_probe_timeout(uv_timer_t *t)
{
	struct watch_probe *p = t->data;
	char msg[WATCH_MSG_MAX];
	snprintf(msg, sizeof(msg), "timeout of %lldms exceeded",
		 p->m ? (long long)p->m->cfg->timeout_ms : 0LL);
	probe_finish(p, true, false, msg);
}

static void port_start(struct watch_mon *m)
{
	struct watch_room *r = m->room;
	struct watch_probe *p = calloc(1, sizeof(*p));
	char port[8], msg[WATCH_MSG_MAX];
	if (!p || uv_timer_init(r->loop, &p->timer)) {
		free(p);
		watch_mon_result(m, false, "out of memory", -1);
		return;
	}
	p->m = m;
	p->t0 = uv_now(r->loop);
	p->timer.data = p;
	p->handles = 1;
	p->gai.data = p;
	m->probe = p;
	uv_timer_start(&p->timer, on_probe_timeout, (uint64_t)m->cfg->timeout_ms,
		       0);
	snprintf(port, sizeof(port), "%lld", (long long)m->cfg->port);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_family = AF_UNSPEC};
	int rc = uv_getaddrinfo(r->loop, &p->gai, on_resolved, m->cfg->hostname,
				port, &hints);
	if (rc) {
		snprintf(msg, sizeof(msg), "cannot resolve the host: %s",
			 uv_strerror(rc));
		probe_finish(p, true, false, msg);
		return;
	}
	p->resolving = true;
}

void watch_probe_cancel(struct watch_probe *p)
{
	probe_finish(p, false, false, NULL);
}

void watch_check_start(struct watch_mon *m)
{
	m->busy = true;
	m->room->inflight++;
	m->started_ms = clock_now_ms(m->room->clock);
	switch (m->cfg->type) {
	case WATCH_HTTP:
	case WATCH_KEYWORD:
	case WATCH_JSON_QUERY:
		http_start(m);
		break;
	case WATCH_PORT:
	case WATCH_SMTP:
	case WATCH_REDIS:
	case WATCH_TLS:
		port_start(m);
		break;
	case WATCH_PING:
		watch_ping_start(m);
		break;
	case WATCH_DNS:
		watch_dns_start(m);
		break;
	case WATCH_POSTGRES:
	case WATCH_MYSQL:
		watch_db_start(m);
		break;
	case WATCH_PUSH:
	case WATCH_GROUP:
		break; /* never started: the room beats them itself */
	}
}

void watch_check_cancel(struct watch_mon *m)
{
	if (m->probe)
		watch_probe_cancel(m->probe);
	if (m->ping_probe)
		watch_ping_cancel(m->ping_probe);
	if (m->dns_probe)
		watch_dns_cancel(m->dns_probe);
	if (m->db_probe)
		watch_db_cancel(m->db_probe);
}
