/* SPDX-License-Identifier: MIT */
/* HTTP server internals shared by http_server.c, http_async.c and http_ws.c. */
#ifndef HEARTH_CORE_HTTP_PRIV_H
#define HEARTH_CORE_HTTP_PRIV_H

#include <microhttpd.h>
#include <string.h>
#include <sys/uio.h>

#include "base/outq.h"
#include "core/http_server.h"
#include "core/metrics.h"

#define MAX_CODES 12 /* distinct status codes counted per route */
#define HTTP_CONN_BUCKETS 256 /* open connections, hashed by client address */

struct http_conn;

struct code_count {
	int code;
	uint64_t n;
};

struct route_ent {
	const struct http_route *r;
	void *ud;
	struct code_count codes[MAX_CODES];
	uint64_t other; /* requests whose code did not fit in codes[] */
	/* From the request's headers read to its answer sent (not streams
	 * nor WebSockets: they last as long as the client wants). */
	struct metrics_hist latency;
};

/*
 * A response that outlives its handler (deferred, stream, WebSocket),
 * linked into its server while the server side holds it: so the caps can
 * be counted and so closing the server can end every one of them.
 */
struct http_live {
	struct http_live *prev, *next;
	struct sockaddr_any client;
	bool counts;  /* a stream or WebSocket: counts against the caps */
	bool linked;
	/* The server is closing: notify the owner, let the connection go. */
	void (*shutdown)(struct http_live *l);
};

struct http_server {
	uv_loop_t *loop;
	struct MHD_Daemon *mhd;
	uv_poll_t poll;
	uv_timer_t timer;
	int listen_fd;
	struct sockaddr_any addr;
	int64_t max_body;
	char *api_key;
	struct route_ent *routes;
	size_t n_routes, cap_routes;
	struct route_ent unmatched; /* 404s and requests refused early */
	uint64_t open_conns;
	uint64_t max_conns;
	uint64_t refused_conns; /* closed at accept: over max_connections */
	/* Admission and deadlines (http_conn.c). */
	struct http_conn *buckets[HTTP_CONN_BUCKETS];
	size_t max_per_client;	 /* 0: no cap */
	uint64_t reserve;	 /* slots only reserved clients may take */
	struct ipprefix *reserved; /* owned */
	size_t n_reserved;
	uint64_t header_timeout_ms, idle_timeout_ms;
	uint64_t refused_per_client; /* closed at accept: over the per-client cap */
	uint64_t header_timeouts;    /* closed: the request was late */
	uv_timer_t deadline_timer;
	int64_t max_header;
	size_t max_streams, max_streams_per_client;
	size_t n_streams;	 /* live entries that count */
	uint64_t refused_streams; /* answered 429 */
	struct http_live live;	 /* list head */
	bool rearm; /* a slot freed up: run MHD again so it polls accept */
	bool kick;  /* a connection was resumed: run MHD again at once */
	int closing; /* handles still to close; -1 once they are closed */
	void (*close_cb)(void *);
	void *close_ud;
	bool started;
	bool taking; /* a handler's connection was just taken (mhd_log) */
	/* Sockets of ended streams, handed back to libmicrohttpd at the
	 * start of the next run (not from within one). */
	int *giveback;
	size_t n_giveback, cap_giveback;
	/* Connections closed with request bytes unread, drained before
	 * their close (http_conn.c): a list, and how many. */
	struct http_linger *lingering;
	size_t n_lingering;
	/* The fan-out's sender thread (http_fanout.c); NULL until a large
	 * http_write_many. */
	struct http_sender *sender;
	bool no_sender; /* one CPU, or it did not start: no more tries */
	/* The loop thread's batched sends (io_uring), made at the first
	 * fan-out; NULL: none (yet, or to be had), one sendmsg each. */
	struct fanout_ring *ring;
	bool no_ring;
};

/* Detaches the lingering closes from @s (they end on their own). */
void http_conn_linger_detach(struct http_server *s);

/* Watches a suspended connection's socket for the client going away
 * (libmicrohttpd does not while it is suspended). */
struct conn_watch;

/* Per-request state, from the first call of the access handler to the
 * completion notice. */
struct reqctx {
	struct http_server *s;
	struct MHD_Connection *conn;
	struct route_ent *route;
	struct buf body;
	bool too_big;
	bool suspended;
	bool aborted; /* the next access-handler call closes the connection */
	int status;
	struct http_pending *pending;
	struct http_stream *stream;
	struct http_ws *ws;
	struct conn_watch *watch;
	uint64_t started_ns; /* metrics_now_ns at the headers */
	unsigned retries; /* handler runs after http_pending_retry */
	bool http10;	  /* an HTTP/1.0 request */
	bool taken;	  /* its stream or WebSocket took the socket */
	bool conn_close;  /* it said Connection: close */
};

/* ---- http_conn.c ---- */

/* libmicrohttpd's accept policy: over max_connections (less the reserve
 * for clients outside the reserved prefixes) or over the per-client cap,
 * a new connection is closed at once. */
enum MHD_Result http_conn_admit(void *cls, const struct sockaddr *addr,
				socklen_t len);
/* libmicrohttpd's connection notices: tracks each open connection. */
void http_conn_notify(void *cls, struct MHD_Connection *conn,
		      void **socket_ctx,
		      enum MHD_ConnectionNotificationCode toe);
/* libmicrohttpd's URI callback: checks the raw request target. */
void *http_conn_uri_log(void *cls, const char *uri,
			struct MHD_Connection *conn);
/* The request's headers are in (its first access-handler call): its
 * deadline is met. Returns the status the request line is refused with
 * (400: a control character in the path, 414: too long) or 0. */
int http_conn_request_in(struct MHD_Connection *conn);
/* The request completed; @kept: the connection waits for another one. */
void http_conn_request_done(struct http_server *s,
			    struct MHD_Connection *conn, bool kept);
/* The connection leaves libmicrohttpd (http_sock_take): its entry is
 * kept, still counted against the caps, until http_conn_release (and
 * libmicrohttpd's "closed" notice, when that comes later). NULL when it
 * was not tracked. */
struct http_conn *http_conn_take(struct MHD_Connection *conn);
void http_conn_release(struct http_server *s, struct http_conn *c);
/* Initializes (and, with a header timeout, starts) the deadline timer. */
int http_conn_start(struct http_server *s);

/* Closes a file body the response holds and was never sent. */
void http_response_drop_file(struct http_response *resp);
/* Queues @resp on the connection (its body is taken over). */
enum MHD_Result http_queue(struct MHD_Connection *conn, struct reqctx *ctx,
			   struct http_response *resp);

/* Queues a response whose body comes from elsewhere (a stream, an
 * upgrade) with the headers of @resp (its body is ignored); @r is
 * released. */
enum MHD_Result http_queue_special(struct MHD_Connection *conn,
				   struct reqctx *ctx,
				   const struct http_response *resp,
				   struct MHD_Response *r);

/* The status line and headers of @resp as libmicrohttpd would send them,
 * then @more (e.g. "Transfer-Encoding: chunked\r\n"), then the blank
 * line. Returns 0 or -ENOMEM. */
int http_head_build(struct buf *out, const struct http_response *resp,
		    const char *more);

/* Hands an open socket back to libmicrohttpd at the next run (ownership
 * passes; closed when that fails). */
void http_server_give_back(struct http_server *s, int fd);

/* ---- http_sock.c: a connection taken from libmicrohttpd ----
 *
 * A held stream or WebSocket leaves libmicrohttpd once its handler has
 * returned: its socket is dup'ed, libmicrohttpd closes its own
 * descriptor (MHD_USE_TURBO: without shutdown()) and frees the
 * connection and its memory pool, and the socket is served from here:
 * one uv_poll_t that stays registered (writability is watched only
 * while a backlog is pending), sends straight from the caller's bytes,
 * a backlog allocated only while something is pending (base/outq.h).
 */
enum http_sock_event {
	HTTP_SOCK_GONE,	    /* hang-up, error, a failed send */
	HTTP_SOCK_READABLE, /* (when watched) */
	HTTP_SOCK_DRAINED,  /* the backlog went out */
};

struct http_sock {
	uv_poll_t poll; /* .data: the sock */
	struct http_server *s;
	struct http_conn *conn; /* released at close */
	int fd;			/* -1 before the take and after the close */
	int want;		/* UV_DISCONNECT, or | UV_READABLE */
	int events;		/* watched now */
	bool failed;		/* a send failed: gone at the next poll */
	bool polled;		/* the poll handle is initialised */
	struct outq out;
	void (*event)(struct http_sock *k, enum http_sock_event e);
	/* The poll handle is closed: the owner may free. */
	void (*released)(struct http_sock *k);
};

static inline void http_sock_init(struct http_sock *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

/* Takes @ctx's connection: the caller's handler returns MHD_NO next, so
 * libmicrohttpd lets it go. @head goes out first, then what was written
 * before. Returns 0 or a negative errno (then nothing was taken). */
int http_sock_take(struct http_sock *k, struct reqctx *ctx, int want,
		   const char *head, size_t head_len);
/* Sends (or queues: before the take, behind a backlog) @iov. Returns 0,
 * -ENOBUFS (more than @max would be pending), -ENOMEM, -EPIPE (closed or
 * failed: HTTP_SOCK_GONE follows from the loop). */
int http_sock_write(struct http_sock *k, const struct iovec *iov, int n,
		    size_t max);
static inline size_t http_sock_pending(const struct http_sock *k)
{
	return outq_pending(&k->out);
}
/* Stops watching and closes the socket, or with @give_back hands it to
 * libmicrohttpd for the next request. ->released runs later (at once
 * when the poll handle was never set up). Idempotent. */
void http_sock_close(struct http_sock *k, bool give_back);

/* ---- http_fanout.c: one write to each of many held sockets ----
 *
 * A handle's share of http_write_many, filled by http_stream_wire /
 * http_ws_wire and written (outq_write) on the loop thread or the sender
 * thread, whichever has the handle's half (while a fan-out runs, the
 * handles change only there: the loop thread writes its half, then
 * waits); the socket's bookkeeping after the write (http_sock_wrote) is
 * the loop thread's again.
 */
enum http_wire_frame {
	HTTP_WIRE_RAW,	   /* the bytes as they are */
	HTTP_WIRE_CHUNKED, /* one HTTP/1.1 chunk */
	HTTP_WIRE_WS_TEXT, /* one WebSocket text frame */
};

struct http_wire {
	struct http_sock *k; /* NULL: nothing to write (rc says why) */
	const void *data;
	size_t len;
	size_t max; /* outq_write's bound */
	enum http_wire_frame frame;
	int rc;
};

/* Fills @w for http_stream_write(@st, @data, @len): 0, or -EPIPE. */
int http_stream_wire(struct http_stream *st, const void *data, size_t len,
		     struct http_wire *w);
/* Fills @w for a text message: 0, -EPIPE (closing or closed), -ENOBUFS
 * (more than @max_queued bytes would be queued before it; 0: no bound). */
int http_ws_wire(struct http_ws *ws, const void *data, size_t len,
		 size_t max_queued, struct http_wire *w);
/* Whether @k can be written to: 0 or -EPIPE. */
int http_sock_usable(const struct http_sock *k);
/* After outq_write(&k->out, ...) returned @rc: marks a failed socket (told
 * from the loop) and watches writability while a backlog is pending.
 * Returns what http_sock_write returns. */
int http_sock_wrote(struct http_sock *k, int rc);
/* Ends the sender thread (at the server's end). */
void http_fanout_stop(struct http_server *s);

/* Runs libmicrohttpd again from the loop as soon as possible. */
void http_kick(struct http_server *s);

/* Suspends the connection (only from the access handler or a content
 * reader) and watches its socket; resume undoes both and kicks. */
void http_suspend(struct reqctx *ctx);
void http_resume(struct reqctx *ctx);
/* Stops watching (the connection is completing). */
void http_unwatch(struct reqctx *ctx);

/* The handler's request context, or NULL with a 500 in @resp when it
 * already took its response over (defer, stream or WebSocket). */
struct reqctx *http_handler_ctx(const struct http_request *req,
				struct http_response *resp);

/* Links @l for @req's client; for a counting entry, refuses with 429 in
 * @resp past the caps. Returns 0 or -EBUSY. */
int http_live_add(struct http_server *s, struct http_live *l,
		  const struct http_request *req, bool counts,
		  struct http_response *resp);
void http_live_remove(struct http_server *s, struct http_live *l);

/* After the handler returned, with ctx->pending / ->stream / ->ws set:
 * queue what the handler asked for. A stream or WebSocket takes the
 * socket (http_sock_take) and returns MHD_NO: libmicrohttpd lets its
 * connection go. */
enum MHD_Result http_pending_start(struct reqctx *ctx);
enum MHD_Result http_pending_resumed(struct reqctx *ctx);
/* When the owner asked for the handler to run again (http_pending_retry):
 * releases the pending answer and returns true. */
bool http_pending_take_retry(struct reqctx *ctx);
enum MHD_Result http_stream_start(struct reqctx *ctx,
				  const struct http_response *resp);
enum MHD_Result http_ws_start(struct reqctx *ctx,
			      const struct http_response *resp);

/* The connection completed (or failed) while a deferred answer was
 * attached. */
void http_pending_detach(struct reqctx *ctx);

/* The watched socket of a suspended connection reported the client gone. */
void http_client_gone(struct reqctx *ctx);

#endif
