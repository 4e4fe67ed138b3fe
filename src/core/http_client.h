/* SPDX-License-Identifier: MIT */
/* Outbound HTTP: libcurl's multi interface driven by the libuv loop. */
#ifndef HEARTH_CORE_HTTP_CLIENT_H
#define HEARTH_CORE_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

/*
 * Requests run concurrently on the loop thread without blocking it; each
 * ends in exactly one callback (success, HTTP error status, transport
 * error, timeout, or cancellation when the client closes). Not
 * thread-safe: use from the loop thread.
 */
struct http_client;

struct http_client_req {
	const char *method; /* NULL: GET, or POST when a body is given */
	const char *url;
	const char *body; /* copied; may be NULL */
	size_t body_len;
	const char *const *headers; /* "Name: value", NULL-terminated; copied */
	long timeout_ms;	    /* whole request; 0: 10 s */
	size_t max_response;	    /* response bytes kept; 0: 4 MiB */
	long max_redirects; /* redirects followed (http/https only); 0: none */
	bool insecure;	    /* true: the TLS certificate and name go unchecked */
	const char *ca_file; /* PEM CAs to verify against; NULL: the system's */
	/* true: report the server's leaf certificate (https; the request
	 * then takes a new connection, since only a handshake shows it). */
	bool want_cert;
};

struct http_client_result {
	int err;     /* 0, -ECONNREFUSED, HEARTH_ETIMEDOUT, -ECANCELED, ... */
	long status; /* HTTP status, 0 when none arrived */
	const char *body; /* NUL-terminated, valid during the callback */
	size_t body_len;
	double seconds; /* total time */
	const char *errmsg; /* human text when err != 0 */
	/* want_cert: the leaf certificate's notAfter (unix seconds; 0: no
	 * certificate seen) and whether it verified (also when insecure). */
	long long cert_expires;
	bool cert_valid;
};

typedef void (*http_client_cb)(const struct http_client_result *res, void *ud);

int http_client_new(uv_loop_t *loop, struct http_client **out);

/* Starts a request. Returns 0 (the callback will run later, never from
 * inside this call) or a negative code (the callback will not run). */
int http_client_request(struct http_client *c, const struct http_client_req *r,
			http_client_cb cb, void *ud);

/* Number of requests in flight. */
size_t http_client_pending(const struct http_client *c);

/* Cancels what is in flight (their callbacks run with -ECANCELED), then
 * frees the client once its handles are closed. NULL is a no-op. */
void http_client_close(struct http_client *c);

#endif
