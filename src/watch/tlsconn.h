/* SPDX-License-Identifier: MIT */
/* A TLS client session over memory buffers (OpenSSL), for probes that speak TLS on a libuv stream (rediss://). */
#ifndef HEARTH_WATCH_TLSCONN_H
#define HEARTH_WATCH_TLSCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The session does no I/O: bytes from the network go in with
 * watch_tls_feed, bytes for the network come out of watch_tls_take.
 * Owned by its caller (watch_tls_free); one thread at a time.
 */
struct watch_tls;

/* A client session for @host (SNI unless an address; the name or
 * address the certificate must match when @verify, against @ca_file's
 * CAs or, NULL, the system's). With @lenient the handshake completes
 * whatever the certificate; watch_tls_cert then says how it verified.
 * 0, -ENOENT (@ca_file unreadable) or -ENOMEM. */
int watch_tls_new(const char *host, bool verify, const char *ca_file,
		  bool lenient, struct watch_tls **out);
void watch_tls_free(struct watch_tls *t);

/* Bytes read from the network. 0, or -ENOMEM. */
int watch_tls_feed(struct watch_tls *t, const void *data, size_t n);
/* Bytes to write to the network (at most @cap into @out): their number. */
size_t watch_tls_take(struct watch_tls *t, void *out, size_t cap);
/* Advances the handshake: 1 done, 0 it needs more bytes, -1 failed with
 * the reason in @why ("self-signed certificate"). */
int watch_tls_handshake(struct watch_tls *t, char *why, size_t n);
/* After the handshake: the server's leaf certificate's notAfter (unix
 * seconds) in *@expires, and whether it verified (chain, name, dates);
 * when not, why in @why. 0, or -1 when the server sent none. */
int watch_tls_cert(struct watch_tls *t, long long *expires, bool *verified,
		   char *why, size_t n);
/* Plaintext to send (after the handshake). 0, or -1. */
int watch_tls_write(struct watch_tls *t, const void *data, size_t n);
/* Plaintext received: its length (0: none yet), or -1 when the session
 * failed or the peer closed it. */
ssize_t watch_tls_read(struct watch_tls *t, void *out, size_t cap);

#endif
