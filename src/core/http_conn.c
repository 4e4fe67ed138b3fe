/* SPDX-License-Identifier: MIT */
/* HTTP connection admission and deadlines: the caps per client, the reserve for trusted clients, the header deadline, the request-line checks. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "core/http_priv.h"

/* One open connection, from libmicrohttpd's "started" notice to its
 * "closed" notice; its socket context. */
struct http_conn {
	struct http_conn *next, **pprev; /* its bucket's chain */
	struct MHD_Connection *mhd;
	struct sockaddr_any client;
	uint64_t deadline; /* loop ms by which the request must be in; 0: none */
	bool reserved;
	bool taken; /* the connection left libmicrohttpd (http_conn_take) */
	/* Of a taken one: libmicrohttpd's "closed" notice came / its new
	 * owner let go; freed when both happened. */
	bool mhd_closed, released;
	int refuse; /* the request line was refused: 400 or 414 (0: fine) */
};

static struct ipaddr client_ip(const struct sockaddr *sa)
{
	struct ipaddr a = {0};
	if (sa && sa->sa_family == AF_INET) {
		a.family = AF_INET;
		a.u.v4 = ((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa && sa->sa_family == AF_INET6) {
		a.family = AF_INET6;
		a.u.v6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
	}
	return a;
}

static size_t bucket_of(const struct ipaddr *a)
{
	size_t n = a->family == AF_INET6 ? 16 : a->family == AF_INET ? 4 : 0;
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ a->u.bytes[i]) * 16777619u;
	return h % HTTP_CONN_BUCKETS;
}

static bool is_reserved(const struct http_server *s, const struct ipaddr *a)
{
	if (!a->family)
		return true; /* a socketpair: the host itself */
	for (size_t i = 0; i < s->n_reserved; i++)
		if (ipprefix_contains(&s->reserved[i], a))
			return true;
	return false;
}

static size_t open_from(const struct http_server *s, const struct ipaddr *a)
{
	size_t n = 0;
	for (const struct http_conn *c = s->buckets[bucket_of(a)]; c;
	     c = c->next) {
		struct ipaddr b = client_ip(&c->client.u.sa);
		if (ipaddr_equal(a, &b))
			n++;
	}
	return n;
}

enum MHD_Result http_conn_admit(void *cls, const struct sockaddr *addr,
				socklen_t len)
{
	struct http_server *s = cls;
	(void)len;
	struct ipaddr a = client_ip(addr);
	bool reserved = is_reserved(s, &a);
	uint64_t cap = reserved ? s->max_conns : s->max_conns - s->reserve;
	if (s->open_conns >= cap) {
		s->refused_conns++;
		return MHD_NO;
	}
	if (!reserved && s->max_per_client &&
	    open_from(s, &a) >= s->max_per_client) {
		s->refused_per_client++;
		return MHD_NO;
	}
	return MHD_YES;
}

/*
 * A lingering close (as web servers do it): libmicrohttpd closes a
 * connection it answered early (431, 413) while the client is still
 * sending, and a close with unread bytes makes the kernel send a reset
 * that can destroy the answer before the client reads it. So such a
 * socket is kept through a duplicate: its sending side is shut (the
 * answer, then FIN), what still arrives is read and dropped until the
 * client closes or LINGER_MS pass, and only then is it closed. At most
 * LINGER_MAX per server; more are closed at once.
 */
#define LINGER_MAX 64
#define LINGER_MS 2000

struct http_linger {
	uv_poll_t poll;
	uv_timer_t timer;
	int fd, open;
	struct http_server *s; /* NULL once the server is gone */
	struct http_linger *next, **pprev;
};

static void linger_closed(uv_handle_t *h)
{
	struct http_linger *l = h->data;
	if (--l->open)
		return;
	close(l->fd);
	free(l);
}

static void linger_end(struct http_linger *l)
{
	if (uv_is_closing((uv_handle_t *)&l->timer))
		return;
	if (l->s) {
		*l->pprev = l->next;
		if (l->next)
			l->next->pprev = l->pprev;
		l->s->n_lingering--;
		l->s = NULL;
	}
	uv_close((uv_handle_t *)&l->poll, linger_closed);
	uv_close((uv_handle_t *)&l->timer, linger_closed);
}

static void linger_read(uv_poll_t *p, int status, int events)
{
	struct http_linger *l = p->data;
	char buf[4096];
	ssize_t n = 0;
	(void)events;
	for (int i = 0; status >= 0 && i < 16; i++)
		if ((n = recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT)) <= 0)
			break;
	if (status < 0 || n == 0 ||
	    (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		linger_end(l);
}

static void linger_timeout(uv_timer_t *t)
{
	linger_end(t->data);
}

static void linger_start(struct http_server *s, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	int unread = 0;
	if (!ci || s->closing || s->n_lingering >= LINGER_MAX ||
	    ioctl(ci->connect_fd, FIONREAD, &unread) || unread <= 0)
		return;
	struct http_linger *l = calloc(1, sizeof(*l));
	if (!l)
		return;
	l->fd = fcntl(ci->connect_fd, F_DUPFD_CLOEXEC, 0);
	if (l->fd < 0 || uv_poll_init_socket(s->loop, &l->poll, l->fd)) {
		if (l->fd >= 0)
			close(l->fd);
		free(l);
		return;
	}
	uv_timer_init(s->loop, &l->timer);
	l->poll.data = l->timer.data = l;
	l->open = 2;
	shutdown(l->fd, SHUT_WR);
	l->s = s;
	l->next = s->lingering;
	if (l->next)
		l->next->pprev = &l->next;
	l->pprev = &s->lingering;
	s->lingering = l;
	s->n_lingering++;
	uv_poll_start(&l->poll, UV_READABLE | UV_DISCONNECT, linger_read);
	uv_timer_start(&l->timer, linger_timeout, LINGER_MS, 0);
}

void http_conn_linger_detach(struct http_server *s)
{
	for (struct http_linger *l = s->lingering; l; l = l->next)
		l->s = NULL;
	s->lingering = NULL;
	s->n_lingering = 0;
}

static struct http_conn *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

void http_conn_notify(void *cls, struct MHD_Connection *conn,
		      void **socket_ctx,
		      enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *s = cls;
	struct http_conn *c = *socket_ctx;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		s->open_conns++;
		c = calloc(1, sizeof(*c));
		if (!c)
			return; /* served, just not tracked */
		c->mhd = conn;
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		const struct sockaddr *sa = ci ? ci->client_addr : NULL;
		if (sa && (sa->sa_family == AF_INET ||
			   sa->sa_family == AF_INET6)) {
			c->client.len = sa->sa_family == AF_INET6
						? sizeof(struct sockaddr_in6)
						: sizeof(struct sockaddr_in);
			memcpy(&c->client.u.sa, sa, c->client.len);
		}
		struct ipaddr a = client_ip(&c->client.u.sa);
		c->reserved = is_reserved(s, &a);
		if (s->header_timeout_ms)
			c->deadline = uv_now(s->loop) + s->header_timeout_ms;
		struct http_conn **head = &s->buckets[bucket_of(&a)];
		c->next = *head;
		if (c->next)
			c->next->pprev = &c->next;
		c->pprev = head;
		*head = c;
		*socket_ctx = c;
		return;
	}
	*socket_ctx = NULL;
	if (c && c->taken) {
		c->mhd_closed = true;
		if (c->released)
			http_conn_release(s, c);
		return; /* still open, out of libmicrohttpd: released later */
	}
	if (s->open_conns > 0) {
		s->open_conns--;
		s->rearm = true;
	}
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
		linger_start(s, conn);
	if (!c)
		return;
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	free(c);
}

struct http_conn *http_conn_take(struct MHD_Connection *conn)
{
	struct http_conn *c = conn_of(conn);
	if (!c)
		return NULL;
	c->taken = true;
	c->mhd = NULL;
	c->deadline = 0;
	return c;
}

void http_conn_release(struct http_server *s, struct http_conn *c)
{
	c->released = true;
	if (!c->mhd_closed)
		return; /* within the handler still: at libmicrohttpd's notice */
	if (s->open_conns > 0) {
		s->open_conns--;
		s->rearm = true;
	}
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	free(c);
}

static bool is_control(unsigned char ch)
{
	return ch < 0x20 || ch == 0x7f;
}

/* True when @uri's path, percent-decoded, holds a control character
 * (NUL truncates it for the routes), or its query a NUL. */
static bool uri_has_control(const char *uri)
{
	bool in_query = false;
	for (const char *p = uri; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '?')
			in_query = true;
		if (ch == '%' && hex_digit(p[1]) >= 0 && hex_digit(p[2]) >= 0) {
			ch = (unsigned char)(hex_digit(p[1]) * 16 + hex_digit(p[2]));
			p += 2;
		}
		if (in_query ? ch == 0 : is_control(ch))
			return true;
	}
	return false;
}

void *http_conn_uri_log(void *cls, const char *uri,
			struct MHD_Connection *conn)
{
	struct http_server *s = cls;
	struct http_conn *c = conn_of(conn);
	if (c)
		c->refuse = strlen(uri) > (size_t)s->max_header ? 414
			    : uri_has_control(uri)		  ? 400
								  : 0;
	return NULL; /* the access handler makes the request's context */
}

int http_conn_request_in(struct MHD_Connection *conn)
{
	struct http_conn *c = conn_of(conn);
	if (!c)
		return 0;
	c->deadline = 0;
	int refuse = c->refuse;
	c->refuse = 0;
	return refuse;
}

void http_conn_request_done(struct http_server *s,
			    struct MHD_Connection *conn, bool kept)
{
	struct http_conn *c = conn_of(conn);
	/* A kept-alive connection may wait idle_timeout for its next
	 * request, and then has header_timeout to send it whole. */
	if (c && kept && s->header_timeout_ms)
		c->deadline = uv_now(s->loop) + s->idle_timeout_ms +
			      s->header_timeout_ms;
}

/* Closes the connections whose request is late: shutting the socket down
 * makes libmicrohttpd see the end of it and close the connection. */
static void on_deadline(uv_timer_t *t)
{
	struct http_server *s = t->data;
	uint64_t now = uv_now(s->loop);
	bool closed = false;
	for (size_t i = 0; i < HTTP_CONN_BUCKETS; i++) {
		for (struct http_conn *c = s->buckets[i]; c; c = c->next) {
			if (!c->deadline || now < c->deadline || !c->mhd)
				continue;
			c->deadline = 0;
			const union MHD_ConnectionInfo *ci =
				MHD_get_connection_info(
					c->mhd, MHD_CONNECTION_INFO_CONNECTION_FD);
			if (!ci)
				continue;
			shutdown(ci->connect_fd, SHUT_RDWR);
			s->header_timeouts++;
			closed = true;
		}
	}
	if (closed)
		http_kick(s);
}

int http_conn_start(struct http_server *s)
{
	int rc = uv_timer_init(s->loop, &s->deadline_timer);
	if (rc)
		return rc;
	s->deadline_timer.data = s;
	if (!s->header_timeout_ms)
		return 0;
	/* A quarter of the deadline, between 100 ms and 1 s: late by at most
	 * that much. */
	uint64_t every = s->header_timeout_ms / 4;
	every = every < 100 ? 100 : every > 1000 ? 1000 : every;
	return uv_timer_start(&s->deadline_timer, on_deadline, every, every);
}
