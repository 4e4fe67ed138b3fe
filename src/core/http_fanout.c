/* SPDX-License-Identifier: MIT */
/* One message to each of many held streams and WebSockets: the sends shared between the loop thread and one sender thread, batched through io_uring. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HEARTH_HAVE_LIBURING
#include <liburing.h>
#endif

#include "base/err.h"
#include "base/log.h"
#include "core/http_priv.h"
#include "proto/ws/frame.h"

/* Fewer writes than this are all made on the loop thread (handing some
 * of them over costs more than it saves). */
#define FANOUT_SPLIT 256
/* The wires a thread takes at a time from a shared fan-out (and the sends
 * of one io_uring submission). */
#define FANOUT_CHUNK 128
/* The loop thread's first chunk. */
#define FANOUT_FIRST 16

/*
 * One thread's batched sends: a SEND per wire of a chunk (the frame whole
 * in one buffer, built once for the chunk's wires), submitted at
 * once, each with MSG_DONTWAIT (a full socket answers -EAGAIN at once, it
 * is never waited for); what a send did not take goes to the socket's
 * backlog as with outq_write. Each thread has its own ring (one
 * submitter). HEARTH_IO_URING=0 in the environment, or a kernel without
 * io_uring, leaves one sendmsg per wire (outq_write).
 */
/* A frame whole (header, bytes, trailer) for one send from one buffer;
 * the wires of a chunk share a few of them. */
#define FANOUT_WHOLES 4
struct fanout_whole {
	const void *data; /* the key: the wire's bytes, length and framing */
	size_t len;
	enum http_wire_frame frame;
	char *bytes; /* owned, cap bytes */
	size_t total, cap;
};

struct fanout_ring {
#ifdef HEARTH_HAVE_LIBURING
	struct io_uring ring;
	/* Slot j of a submission: its wire and the bytes it sends. */
	struct http_wire *x[FANOUT_CHUNK];
	const char *buf[FANOUT_CHUNK];
	size_t total[FANOUT_CHUNK];
	bool done[FANOUT_CHUNK];
	struct fanout_whole whole[FANOUT_WHOLES];
	int n_whole; /* in use by the chunk being written */
#endif
	bool broken; /* a submission failed: sendmsg from now on */
};

static bool ring_wanted(void)
{
	const char *v = getenv("HEARTH_IO_URING");
	return !v || strcmp(v, "0") != 0;
}

/* Says once which way the fan-out sends (the tests look for it). */
static void ring_said(const char *how, int rc)
{
	static atomic_flag said = ATOMIC_FLAG_INIT;
	if (atomic_flag_test_and_set(&said))
		return;
	if (rc)
		log_info("http", "fan-out sends %s: %s", how, hearth_strerror(rc));
	else
		log_info("http", "fan-out sends %s", how);
}

/* A ring for the calling thread, or NULL (not built with liburing,
 * switched off, or the kernel refused). */
static struct fanout_ring *ring_new(void)
{
#ifdef HEARTH_HAVE_LIBURING
	if (!ring_wanted()) {
		ring_said("one sendmsg each (HEARTH_IO_URING=0)", 0);
		return NULL;
	}
	struct fanout_ring *rg = calloc(1, sizeof(*rg));
	if (!rg)
		return NULL;
	struct io_uring_params p = {
		.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |
			 IORING_SETUP_SINGLE_ISSUER,
	};
	int rc = io_uring_queue_init_params(FANOUT_CHUNK, &rg->ring, &p);
	if (rc == -EINVAL) {
		memset(&p, 0, sizeof(p));
		rc = io_uring_queue_init_params(FANOUT_CHUNK, &rg->ring, &p);
	}
	if (rc) {
		ring_said("one sendmsg each (no io_uring)", rc);
		free(rg);
		return NULL;
	}
	ring_said("batched through io_uring", 0);
	return rg;
#else
	(void)ring_wanted;
	ring_said("one sendmsg each (built without liburing)", 0);
	return NULL;
#endif
}

static void ring_free(struct fanout_ring *rg)
{
	if (!rg)
		return;
#ifdef HEARTH_HAVE_LIBURING
	io_uring_queue_exit(&rg->ring);
	for (int i = 0; i < FANOUT_WHOLES; i++)
		free(rg->whole[i].bytes);
#endif
	free(rg);
}

#ifdef HEARTH_HAVE_LIBURING
/* The send of slot @j answered @res: done, the rest queued, or failed. */
static void ring_answer(struct fanout_ring *rg, unsigned j, int res)
{
	struct http_wire *x = rg->x[j];
	rg->done[j] = true;
	if (res < 0 && res != -EAGAIN && res != -EWOULDBLOCK &&
	    res != -ECANCELED && res != -EINTR) {
		x->rc = res;
		return;
	}
	size_t sent = res > 0 ? (size_t)res : 0;
	if (sent >= rg->total[j]) {
		x->rc = 0;
		return;
	}
	/* The remainder into the (empty) backlog, as outq_write would. */
	struct iovec rest = {(char *)rg->buf[j] + sent, rg->total[j] - sent};
	x->rc = outq_write(&x->k->out, -1, &rest, 1, SIZE_MAX);
}

/* The bytes of @x's frame (@nv pieces at @v, @total bytes) in one buffer:
 * the wire's own for a raw one, else one of rg's wholes; NULL when all
 * are taken or memory is short. */
static const char *ring_whole(struct fanout_ring *rg, const struct http_wire *x,
			      const struct iovec *v, int nv, size_t total)
{
	if (x->frame == HTTP_WIRE_RAW)
		return x->data;
	for (int i = 0; i < rg->n_whole; i++) {
		struct fanout_whole *f = &rg->whole[i];
		if (f->data == x->data && f->len == x->len && f->frame == x->frame)
			return f->bytes;
	}
	if (rg->n_whole == FANOUT_WHOLES)
		return NULL;
	struct fanout_whole *f = &rg->whole[rg->n_whole];
	if (f->cap < total) {
		char *b = realloc(f->bytes, total);
		if (!b)
			return NULL;
		f->bytes = b;
		f->cap = total;
	}
	size_t at = 0;
	for (int i = 0; i < nv; i++) {
		memcpy(f->bytes + at, v[i].iov_base, v[i].iov_len);
		at += v[i].iov_len;
	}
	f->data = x->data;
	f->len = x->len;
	f->frame = x->frame;
	f->total = total;
	rg->n_whole++;
	return f->bytes;
}

/* Submits the @n sends prepared and takes every answer; when the ring
 * fails (the kernel did not take them all, or waiting failed), it is not
 * used again. */
static void ring_flush(struct fanout_ring *rg, unsigned n)
{
	if (!n)
		return;
	int sub = io_uring_submit(&rg->ring);
	unsigned want = sub > 0 ? (unsigned)sub : 0, got = 0;
	bool cancelled = false;
	int waits = 0; /* seconds waited */
	while (got < want) {
		struct io_uring_cqe *cqe;
		struct __kernel_timespec ts = {.tv_sec = 1};
		int rc = io_uring_wait_cqe_timeout(&rg->ring, &cqe, &ts);
		if (rc == -ETIME && !cancelled) {
			/* (MSG_DONTWAIT: not expected) A send waits for
			 * room: called off, its wire goes to the backlog. */
			struct io_uring_sqe *sqe = io_uring_get_sqe(&rg->ring);
			if (sqe) {
				io_uring_prep_cancel64(sqe, 0,
						       IORING_ASYNC_CANCEL_ANY);
				io_uring_sqe_set_data64(sqe, UINT64_MAX);
				io_uring_submit(&rg->ring);
			}
			cancelled = true;
			continue;
		}
		if (rc == -EINTR || (rc == -ETIME && ++waits < 5))
			continue;
		if (rc) {
			rg->broken = true; /* the rest: see below */
			break;
		}
		uint64_t j = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(&rg->ring, cqe);
		if (j >= n || rg->done[j])
			continue; /* the cancel's own answer */
		ring_answer(rg, (unsigned)j, res);
		got++;
	}
	if (sub < (int)n)
		rg->broken = true;
	/* The kernel takes the queue in order: the first @want were
	 * submitted. One of them unanswered (the wait failed) may still be
	 * sent: its socket is given up rather than written twice. One never
	 * submitted is sent now. */
	for (unsigned j = 0; j < n; j++) {
		struct http_wire *x = rg->x[j];
		if (rg->done[j])
			continue;
		if (j < want)
			x->rc = -EIO;
		else
			x->rc = outq_write(&x->k->out, x->k->fd,
					   &(struct iovec){(void *)rg->buf[j],
							   rg->total[j]},
					   1, SIZE_MAX);
	}
}
#endif

/*
 * The sender thread: waits for a fan-out to take chunks of, writes them,
 * says so. A chunk's sockets are touched by the thread that took it only
 * (the loop thread takes chunks too, then waits for this one to be done):
 * each socket's backlog has one owner at a time, handed over under mu.
 */
struct fanout_job {
	struct http_out *out;
	struct http_wire *w;
	size_t n;
	atomic_size_t next; /* the first wire no thread has taken */
};

struct http_sender {
	pthread_t t;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct fanout_job *job; /* to help with; NULL: none */
	bool busy;		/* job taken, not done yet */
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
 * it, through @rg when there is one: w->rc is outq_write's (w->k NULL:
 * not written, rc says why). */
static void wires_write(struct fanout_ring *rg, struct http_out *out,
			struct http_wire *w, size_t n)
{
	char hdr[24];
	size_t hlen = 0, hfor = 0; /* hdr holds the header for hfor bytes */
	enum http_wire_frame hkind = HTTP_WIRE_RAW;
#ifdef HEARTH_HAVE_LIBURING
	unsigned q = 0; /* sends prepared in rg */
	if (rg)
		rg->n_whole = 0; /* (other bytes than the last chunk's) */
#endif
	for (size_t i = 0; i < n; i++) {
		struct http_wire *x = &w[i];
		fill(&out[i], x);
		if (!x->k)
			continue;
		struct iovec iov[3] = {{hdr, 0}, {(void *)x->data, x->len},
				       {(void *)"\r\n", 2}};
		struct iovec *v = &iov[1];
		int nv = 1;
		if (x->frame != HTTP_WIRE_RAW) {
			/* Consecutive wires mostly carry the same bytes: one
			 * header. */
			if (!hlen || hfor != x->len || hkind != x->frame) {
				hlen = x->frame == HTTP_WIRE_CHUNKED
					       ? (size_t)snprintf(hdr, sizeof(hdr),
								  "%zx\r\n",
								  x->len)
					       : ws_frame_header((uint8_t *)hdr,
								 WS_OP_TEXT,
								 x->len);
				hfor = x->len;
				hkind = x->frame;
			}
			iov[0].iov_len = hlen;
			v = iov;
			nv = x->frame == HTTP_WIRE_CHUNKED ? 3 : 2;
		}
#ifdef HEARTH_HAVE_LIBURING
		size_t total = 0;
		for (int k = 0; k < nv; k++)
			total += v[k].iov_len;
		/* Through the ring: only a socket with no backlog (its bytes
		 * go first) and room under the bound. */
		const char *buf = NULL;
		if (rg && !rg->broken && x->k->fd >= 0 && total &&
		    !outq_pending(&x->k->out) && total <= x->max)
			buf = ring_whole(rg, x, v, nv, total);
		struct io_uring_sqe *sqe = NULL;
		if (buf) {
			sqe = io_uring_get_sqe(&rg->ring);
			if (!sqe) {
				ring_flush(rg, q);
				q = 0;
				sqe = rg->broken ? NULL
						 : io_uring_get_sqe(&rg->ring);
			}
		}
		if (sqe) {
			rg->x[q] = x;
			rg->buf[q] = buf;
			rg->total[q] = total;
			rg->done[q] = false;
			io_uring_prep_send(sqe, x->k->fd, buf, total,
					   MSG_NOSIGNAL | MSG_DONTWAIT);
			io_uring_sqe_set_data64(sqe, q);
			if (++q == FANOUT_CHUNK) {
				ring_flush(rg, q);
				q = 0;
			}
			continue;
		}
#else
		(void)rg;
#endif
		x->rc = outq_write(&x->k->out, x->k->fd, v, nv, x->max);
	}
#ifdef HEARTH_HAVE_LIBURING
	if (rg)
		ring_flush(rg, q);
#endif
}

/* Takes chunks of @j until none is left, the first of @first wires
 * (small on the loop thread: the first subscribers' sends go out before
 * a whole chunk is framed). */
static void job_run(struct fanout_job *j, struct fanout_ring *rg,
		    size_t first)
{
	for (size_t step = first;; step = FANOUT_CHUNK) {
		size_t i = atomic_fetch_add(&j->next, step);
		if (i >= j->n)
			return;
		size_t m = j->n - i < step ? j->n - i : step;
		wires_write(rg, j->out + i, j->w + i, m);
	}
}

static void *sender_main(void *ud)
{
	struct http_sender *snd = ud;
	struct fanout_ring *rg = ring_new();
	pthread_mutex_lock(&snd->mu);
	for (;;) {
		while (!snd->job && !snd->quit)
			pthread_cond_wait(&snd->cv, &snd->mu);
		if (!snd->job)
			break; /* quit, nothing pending */
		struct fanout_job *j = snd->job;
		snd->busy = true;
		pthread_mutex_unlock(&snd->mu);
		job_run(j, rg, FANOUT_CHUNK);
		pthread_mutex_lock(&snd->mu);
		snd->job = NULL;
		snd->busy = false;
		pthread_cond_broadcast(&snd->cv);
	}
	pthread_mutex_unlock(&snd->mu);
	ring_free(rg);
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
	ring_free(s->ring);
	s->ring = NULL;
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

/* The loop thread's ring (made at the first fan-out), or NULL. */
static struct fanout_ring *loop_ring(struct http_server *s)
{
	if (!s)
		return NULL;
	if (!s->ring && !s->no_ring) {
		s->ring = ring_new();
		s->no_ring = !s->ring;
	}
	if (s->ring && s->ring->broken) {
		ring_free(s->ring);
		s->ring = NULL;
		s->no_ring = true;
	}
	return s->ring;
}

/* Writes @out: the loop thread at once, from the first chunk on; the
 * sender thread, when there is one, takes chunks too as soon as it is up
 * (a thread held up by other work leaves more to the other). */
static void wires_share(struct http_server *s, struct http_out *out,
			struct http_wire *w, size_t n)
{
	struct fanout_ring *rg = loop_ring(s);
	struct http_sender *snd = s && n >= FANOUT_SPLIT ? sender(s) : NULL;
	if (!snd) {
		wires_write(rg, out, w, n);
		return;
	}
	struct fanout_job j = {.out = out, .w = w, .n = n};
	atomic_init(&j.next, 0);
	pthread_mutex_lock(&snd->mu);
	snd->job = &j;
	pthread_cond_broadcast(&snd->cv);
	pthread_mutex_unlock(&snd->mu);
	job_run(&j, rg, FANOUT_FIRST);
	pthread_mutex_lock(&snd->mu);
	if (!snd->busy)
		snd->job = NULL; /* not taken up: nothing to wait for */
	while (snd->job)
		pthread_cond_wait(&snd->cv, &snd->mu);
	pthread_mutex_unlock(&snd->mu);
}

void http_write_many(struct http_server *s, struct http_out *out, size_t n)
{
	struct http_wire one, *w = n > 1 ? malloc(n * sizeof(*w)) : &one;
	if (!w) {
		/* One at a time, on this thread. */
		for (size_t i = 0; i < n; i++) {
			wires_write(NULL, &out[i], &one, 1);
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
