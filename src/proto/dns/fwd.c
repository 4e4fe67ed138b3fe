/* SPDX-License-Identifier: MIT */
/* The forwarder's tries, timeouts, TCP retry and SERVFAIL, with no I/O. */
#include "proto/dns/fwd.h"

static struct dns_fwd_action act(enum dns_fwd_do what)
{
	return (struct dns_fwd_action){.what = what};
}

static struct dns_fwd_action servfail(struct dns_fwd_sm *m)
{
	struct dns_fwd_action a = act(DNS_FWD_SERVFAIL);
	m->done = true;
	a.rotate = m->n_servers > 1;
	return a;
}

static struct dns_fwd_action start_try(struct dns_fwd_sm *m, enum dns_fwd_do what,
				  uint64_t now)
{
	struct dns_fwd_action a = act(what);
	m->deadline = now + m->timeout_ms;
	a.server = m->server;
	a.try_no = m->tries;
	a.deadline = m->deadline;
	return a;
}

/* The next UDP try, or SERVFAIL when none is left. */
static struct dns_fwd_action next_try(struct dns_fwd_sm *m, uint64_t now)
{
	if (m->tries >= DNS_FWD_MAX_TRIES)
		return servfail(m);
	m->server = m->tries % m->n_servers;
	m->tries++;
	m->tcp = false;
	return start_try(m, DNS_FWD_SEND_UDP, now);
}

struct dns_fwd_action dns_fwd_sm_start(struct dns_fwd_sm *m,
				       unsigned n_servers, uint64_t timeout_ms,
				       uint64_t now)
{
	*m = (struct dns_fwd_sm){
		.n_servers = n_servers,
		.timeout_ms = timeout_ms,
		.started = now,
	};
	if (n_servers == 0) {
		m->done = true;
		return act(DNS_FWD_SERVFAIL);
	}
	return next_try(m, now);
}

struct dns_fwd_action dns_fwd_sm_timeout(struct dns_fwd_sm *m, uint64_t now)
{
	if (m->done || now < m->deadline)
		return act(DNS_FWD_NOTHING);
	return next_try(m, now);
}

struct dns_fwd_action dns_fwd_sm_answer(struct dns_fwd_sm *m, uint64_t now,
					bool truncated)
{
	if (m->done)
		return act(DNS_FWD_NOTHING);
	if (truncated && !m->tcp) {
		m->tcp = true;
		return start_try(m, DNS_FWD_SEND_TCP, now);
	}
	m->done = true;
	return act(DNS_FWD_ANSWER);
}

struct dns_fwd_action dns_fwd_sm_failed(struct dns_fwd_sm *m, uint64_t now)
{
	if (m->done)
		return act(DNS_FWD_NOTHING);
	return next_try(m, now);
}

struct dns_fwd_action dns_fwd_sm_abort(struct dns_fwd_sm *m)
{
	if (m->done)
		return act(DNS_FWD_NOTHING);
	return servfail(m);
}

unsigned dns_fwd_order(size_t n_up, size_t next, size_t out[DNS_FWD_MAX_TRIES])
{
	unsigned n = 0;
	for (size_t i = 0; i < n_up && n < DNS_FWD_MAX_TRIES; i++)
		out[n++] = (next + i) % n_up;
	return n;
}
