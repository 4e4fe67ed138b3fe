/* SPDX-License-Identifier: MIT */
/* A held stream's or WebSocket's socket, taken from libmicrohttpd: one uv_poll_t, direct sends, a bounded backlog. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/http_priv.h"

static void on_poll(uv_poll_t *p, int status, int events);

static void watch(struct http_sock *k)
{
	int ev = k->want;
	if (k->failed || outq_pending(&k->out))
		ev |= UV_WRITABLE; /* a failed socket reports itself there */
	if (ev == k->events)
		return;
	k->events = ev;
	uv_poll_start(&k->poll, ev, on_poll);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	struct http_sock *k = p->data;
	if (status < 0 || k->failed) {
		k->event(k, HTTP_SOCK_GONE);
		return;
	}
	if (events & UV_WRITABLE) {
		int rc = outq_flush(&k->out, k->fd);
		if (rc && rc != -EAGAIN) {
			k->event(k, HTTP_SOCK_GONE);
			return;
		}
		watch(k);
		if (!rc) {
			k->event(k, HTTP_SOCK_DRAINED);
			if (k->fd < 0)
				return; /* closed from the notice */
		}
	}
	/* Hang-up or half-close: gone (a plain stream reads nothing, so
	 * its peer's half-close is its leaving). */
	if ((events & UV_DISCONNECT) && !(k->want & UV_READABLE)) {
		k->event(k, HTTP_SOCK_GONE);
		return;
	}
	if (events & (UV_READABLE | UV_DISCONNECT))
		k->event(k, HTTP_SOCK_READABLE);
}

int http_sock_take(struct http_sock *k, struct reqctx *ctx, int want,
		   const char *head, size_t head_len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		ctx->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci)
		return -EBADF;
	int fd = fcntl(ci->connect_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Each write goes out at once (no Nagle, no cork left over). */
	int one = 1, zero = 0;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero));
	int rc = uv_poll_init(ctx->s->loop, &k->poll, fd);
	if (rc) {
		close(fd);
		return rc;
	}
	k->poll.data = k;
	k->polled = true;
	k->s = ctx->s;
	k->fd = fd;
	k->want = want;
	k->conn = http_conn_take(ctx->conn);
	/* The head, then what was written before the take. */
	struct outq early = k->out;
	k->out = (struct outq)OUTQ_INIT;
	struct iovec iov[2] = {
		{(void *)head, head_len},
		{early.data ? early.data + early.off : NULL, outq_pending(&early)},
	};
	rc = outq_write(&k->out, fd, iov, 2, SIZE_MAX);
	outq_clear(&early);
	if (rc && rc != -ENOBUFS)
		k->failed = true;
	uv_poll_start(&k->poll, k->events = want, on_poll);
	watch(k);
	return 0;
}

int http_sock_usable(const struct http_sock *k)
{
	return k->failed || (k->polled && k->fd < 0) ? -EPIPE : 0;
}

int http_sock_wrote(struct http_sock *k, int rc)
{
	if (rc == -ENOBUFS || rc == -ENOMEM)
		return rc;
	if (rc)
		k->failed = true; /* told from the loop, not from here */
	if (k->polled)
		watch(k);
	return rc ? -EPIPE : 0;
}

int http_sock_write(struct http_sock *k, const struct iovec *iov, int n,
		    size_t max)
{
	int rc = http_sock_usable(k);
	if (rc)
		return rc;
	return http_sock_wrote(k, outq_write(&k->out, k->fd, iov, n, max));
}

static void on_closed(uv_handle_t *h)
{
	struct http_sock *k = h->data;
	k->released(k);
}

void http_sock_close(struct http_sock *k, bool give_back)
{
	outq_clear(&k->out);
	if (!k->polled) {
		if (k->released) {
			void (*released)(struct http_sock *) = k->released;
			k->released = NULL;
			released(k);
		}
		return;
	}
	if (k->fd < 0)
		return;
	int fd = k->fd;
	k->fd = -1;
	/* Stops watching at once (epoll_ctl DEL), so the socket may go now. */
	uv_close((uv_handle_t *)&k->poll, on_closed);
	if (k->conn)
		http_conn_release(k->s, k->conn);
	k->conn = NULL;
	if (!give_back || k->failed)
		close(fd);
	else
		http_server_give_back(k->s, fd);
}
