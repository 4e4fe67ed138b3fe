/* SPDX-License-Identifier: MIT */
/* The forwarder's retry/timeout logic as a pure state machine: events and time in, actions out. */
#ifndef HEARTH_PROTO_DNS_FWD_H
#define HEARTH_PROTO_DNS_FWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One forwarded query's tries. The caller gives the servers to ask (up
 * to DNS_FWD_MAX_TRIES, in order; see dns_fwd_order), the per-try
 * timeout and the time of each event (milliseconds, any monotonic
 * origin); every event returns the one action to take. No sockets, no
 * clock, no allocation: the owner drives it (src/dns/forward.c with
 * libuv; tests with scripted time).
 *
 * The rules: try k (0, 1, 2) goes over UDP to server k mod n; a try
 * that times out or fails moves to the next; a truncated (TC) UDP
 * answer is asked again over TCP of the same server within the same try
 * and a fresh timeout; the answer of the current try is the client's;
 * after DNS_FWD_MAX_TRIES tries without one the client gets SERVFAIL
 * and, when more than one server was offered, the caller rotates its
 * upstream order (dns_fwd_order) so the next query starts elsewhere.
 */
#define DNS_FWD_MAX_TRIES 3

enum dns_fwd_do {
	DNS_FWD_NOTHING,  /* stale or late event: ignore it */
	DNS_FWD_SEND_UDP, /* send the query to @server over UDP */
	DNS_FWD_SEND_TCP, /* ask @server again over TCP */
	DNS_FWD_ANSWER,	  /* relay the answer just received to the client */
	DNS_FWD_SERVFAIL, /* answer SERVFAIL: every try failed */
};

struct dns_fwd_action {
	enum dns_fwd_do what;
	unsigned server;   /* SEND_*: index into the servers given */
	unsigned try_no;   /* SEND_*: 1 for the first try */
	uint64_t deadline; /* SEND_*: arm the try's timer for this time */
	bool rotate;	   /* SERVFAIL: move the upstream order on */
};

struct dns_fwd_sm {
	unsigned n_servers;
	unsigned tries; /* UDP tries started */
	unsigned server;
	bool tcp;	/* the current try is the TCP retry */
	bool done;
	uint64_t timeout_ms;
	uint64_t deadline;
	uint64_t started;
};

/* Starts the machine at @now over @n_servers (1..DNS_FWD_MAX_TRIES;
 * 0 answers SERVFAIL at once) with @timeout_ms per try. */
struct dns_fwd_action dns_fwd_sm_start(struct dns_fwd_sm *m,
				       unsigned n_servers, uint64_t timeout_ms,
				       uint64_t now);

/* The try's timer fired at @now (before the deadline: NOTHING). */
struct dns_fwd_action dns_fwd_sm_timeout(struct dns_fwd_sm *m, uint64_t now);

/* An answer for the current try arrived (checked by the caller: from the
 * server asked, our id, our question); @truncated is its TC bit. */
struct dns_fwd_action dns_fwd_sm_answer(struct dns_fwd_sm *m, uint64_t now,
					bool truncated);

/* The current try failed at once (the send failed, the TCP connection
 * was refused or closed, or its answer was not ours). */
struct dns_fwd_action dns_fwd_sm_failed(struct dns_fwd_sm *m, uint64_t now);

/* The owner gives up (shutting down): SERVFAIL unless already done. */
struct dns_fwd_action dns_fwd_sm_abort(struct dns_fwd_sm *m);

/*
 * Upstream order: writes into @out up to DNS_FWD_MAX_TRIES indexes into
 * @n_up upstreams, starting at @next (where the last failure left off).
 * Returns how many. After a SERVFAIL with rotate set, the caller moves
 * @next to (@next + 1) mod @n_up.
 */
unsigned dns_fwd_order(size_t n_up, size_t next, size_t out[DNS_FWD_MAX_TRIES]);

#endif
