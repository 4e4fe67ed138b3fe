/* SPDX-License-Identifier: MIT */
/* One message to each of many held streams and WebSockets: the sends shared between the loop thread and one sender thread. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "core/http_priv.h"
#include "proto/ws/frame.h"

/* Fewer writes than this are all made on the loop thread (handing half
 * of them over costs more than it saves). */
#define FANOUT_SPLIT 256

/*
 * The sender thread: waits for a share of wires, writes them, says so.
 * While it holds a share, the loop thread touches none of those sockets
 * (it writes its own share, then waits): each socket's backlog has one
 * owner at a time, handed over under mu.
 */
struct http_sender {
	pthread_t t;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct http_out *out; /* the share; NULL: none */
	struct http_wire *w;
	size_t n;
	bool quit;
};

static void fill(struct http_out *o, struct http_wire *w)
{
	if (o->ws)
		http_ws_wire(o->ws, o->data, o->len, o->ws_max_queued, w);
	else
		http_stream_wire(o->st, o->data, o->len, w);
}

/* Fills the wire of each of @out (read-only on the handles) and writes
 * it: w->rc is outq_write's (w->k NULL: not written, rc says why). */
static void wires_write(struct http_out *out, struct http_wire *w, size_t n)
{
	char hdr[24];
	size_t hlen = 0, hfor = 0; /* hdr holds the header for hfor bytes */
	enum http_wire_frame hkind = HTTP_WIRE_RAW;
	for (size_t i = 0; i < n; i++) {
		struct http_wire *x = &w[i];
		fill(&out[i], x);
		if (!x->k)
			continue;
		struct iovec iov[3] = {{hdr, 0}, {(void *)x->data, x->len},
				       {(void *)"\r\n", 2}};
		if (x->frame == HTTP_WIRE_RAW) {
			x->rc = outq_write(&x->k->out, x->k->fd, &iov[1], 1,
					   x->max);
			continue;
		}
		/* Consecutive wires mostly carry the same bytes: one header. */
		if (!hlen || hfor != x->len || hkind != x->frame) {
			hlen = x->frame == HTTP_WIRE_CHUNKED
				       ? (size_t)snprintf(hdr, sizeof(hdr),
							  "%zx\r\n", x->len)
				       : ws_frame_header((uint8_t *)hdr,
							 WS_OP_TEXT, x->len);
			hfor = x->len;
			hkind = x->frame;
		}
		iov[0].iov_len = hlen;
		x->rc = outq_write(&x->k->out, x->k->fd, iov,
				   x->frame == HTTP_WIRE_CHUNKED ? 3 : 2, x->max);
	}
}

static void *sender_main(void *ud)
{
	struct http_sender *snd = ud;
	pthread_mutex_lock(&snd->mu);
	for (;;) {
		while (!snd->out && !snd->quit)
			pthread_cond_wait(&snd->cv, &snd->mu);
		if (!snd->out)
			break; /* quit, nothing pending */
		struct http_out *out = snd->out;
		struct http_wire *w = snd->w;
		size_t n = snd->n;
		pthread_mutex_unlock(&snd->mu);
		wires_write(out, w, n);
		pthread_mutex_lock(&snd->mu);
		snd->out = NULL;
		pthread_cond_broadcast(&snd->cv);
	}
	pthread_mutex_unlock(&snd->mu);
	return NULL;
}

/* The server's sender thread, started at the first call; NULL when
 * there is none (one CPU, or it could not start). */
static struct http_sender *sender(struct http_server *s)
{
	if (s->sender || s->no_sender)
		return s->sender;
	s->no_sender = true; /* (until it has started) */
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return NULL;
	struct http_sender *snd = calloc(1, sizeof(*snd));
	if (!snd)
		return NULL;
	pthread_mutex_init(&snd->mu, NULL);
	pthread_cond_init(&snd->cv, NULL);
	int rc = pthread_create(&snd->t, NULL, sender_main, snd);
	if (rc) {
		log_warn("http", "no fan-out sender thread: %s",
			 hearth_strerror(-rc));
		pthread_cond_destroy(&snd->cv);
		pthread_mutex_destroy(&snd->mu);
		free(snd);
		return NULL;
	}
	s->no_sender = false;
	return s->sender = snd;
}

void http_fanout_stop(struct http_server *s)
{
	struct http_sender *snd = s->sender;
	if (!snd)
		return;
	pthread_mutex_lock(&snd->mu);
	snd->quit = true;
	pthread_cond_broadcast(&snd->cv);
	pthread_mutex_unlock(&snd->mu);
	pthread_join(snd->t, NULL);
	pthread_cond_destroy(&snd->cv);
	pthread_mutex_destroy(&snd->mu);
	free(snd);
	s->sender = NULL;
}

/* Writes @out, the first half on the sender thread when there is one. */
static void wires_share(struct http_server *s, struct http_out *out,
			struct http_wire *w, size_t n)
{
	struct http_sender *snd = s && n >= FANOUT_SPLIT ? sender(s) : NULL;
	if (!snd) {
		wires_write(out, w, n);
		return;
	}
	size_t half = n / 2;
	pthread_mutex_lock(&snd->mu);
	snd->out = out;
	snd->w = w;
	snd->n = half;
	pthread_cond_broadcast(&snd->cv);
	pthread_mutex_unlock(&snd->mu);
	wires_write(out + half, w + half, n - half);
	pthread_mutex_lock(&snd->mu);
	while (snd->out)
		pthread_cond_wait(&snd->cv, &snd->mu);
	pthread_mutex_unlock(&snd->mu);
}

void http_write_many(struct http_server *s, struct http_out *out, size_t n)
{
	struct http_wire one, *w = n > 1 ? malloc(n * sizeof(*w)) : &one;
	if (!w) {
		/* One at a time, on this thread. */
		for (size_t i = 0; i < n; i++) {
			wires_write(&out[i], &one, 1);
			out[i].rc = one.k ? http_sock_wrote(one.k, one.rc) : one.rc;
		}
		return;
	}
	wires_share(s, out, w, n);
	for (size_t i = 0; i < n; i++)
		out[i].rc = w[i].k ? http_sock_wrote(w[i].k, w[i].rc) : w[i].rc;
	if (w != &one)
		free(w);
}
