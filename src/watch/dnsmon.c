/* SPDX-License-Identifier: MIT */
/* dns monitors: one UDP query per check to dns_resolve_server, on the loop, read with hearth's DNS codec. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "proto/dns/dns.h"
#include "proto/watch/dnsq.h"
#include "watch/internal.h"

struct watch_dns_probe {
	struct watch_mon *m; /* NULL once delivered */
	uv_udp_t udp;
	uv_timer_t timer;
	uv_udp_send_t send;
	uint8_t query[WATCH_DNS_QUERY_MAX];
	struct sockaddr_in to;
	uint16_t id;
	uint64_t t0;
	int handles;
	bool sending;
};

static void on_closed(uv_handle_t *h)
{
	struct watch_dns_probe *p = h->data;
	if (--p->handles == 0 && !p->sending)
		free(p);
}

static void finish(struct watch_dns_probe *p, bool deliver, bool up,
		   const char *msg)
{
	struct watch_mon *m = p->m;
	if (!m)
		return;
	p->m = NULL;
	m->dns_probe = NULL;
	double ping = (double)(uv_now(m->room->loop) - p->t0);
	uv_udp_recv_stop(&p->udp);
	uv_close((uv_handle_t *)&p->udp, on_closed);
	uv_close((uv_handle_t *)&p->timer, on_closed);
	if (deliver)
		watch_mon_result(m, up, msg, up ? ping : -1);
	else
		watch_mon_result(m, false, NULL, -1);
}

static void on_sent(uv_udp_send_t *req, int status)
{
	struct watch_dns_probe *p = req->data;
	char msg[WATCH_MSG_MAX];
	p->sending = false;
	if (status < 0 && p->m) {
		snprintf(msg, sizeof(msg), "cannot send the query: %s",
			 uv_strerror(status));
		finish(p, true, false, msg);
	}
	if (!p->m && p->handles == 0)
		free(p);
}

static void on_alloc(uv_handle_t *h, size_t size, uv_buf_t *buf)
{
	static char slab[65536]; /* loop thread only; read at once */
	(void)h;
	(void)size;
	*buf = uv_buf_init(slab, sizeof(slab));
}

static void on_recv(uv_udp_t *u, ssize_t n, const uv_buf_t *buf,
		    const struct sockaddr *from, unsigned flags)
{
	struct watch_dns_probe *p = u->data;
	(void)flags;
	if (!p->m || n <= 0 || !from || from->sa_family != AF_INET)
		return;
	const struct sockaddr_in *f = (const struct sockaddr_in *)from;
	if (f->sin_addr.s_addr != p->to.sin_addr.s_addr ||
	    f->sin_port != p->to.sin_port)
		return; /* not from the server asked */
	const struct cfg_watch_monitor *c = p->m->cfg;
	char records[WATCH_MSG_MAX - 40], msg[WATCH_MSG_MAX], rc_text[16];
	int count;
	int rcode = watch_dns_answer((const uint8_t *)buf->base, (size_t)n,
				     p->id, c->dns_type, records,
				     sizeof(records), &count);
	if (rcode < 0)
		return; /* not our answer: keep waiting */
	if (rcode != 0) {
		snprintf(msg, sizeof(msg), "%s", dns_rcode_name((unsigned)rcode,
								 rc_text));
		finish(p, true, false, msg);
		return;
	}
	if (!count) {
		snprintf(msg, sizeof(msg), "no %s record", c->dns_type_text);
		finish(p, true, false, msg);
		return;
	}
	bool ok = true;
	if (c->expected_value) {
		/* One of the records, as written in the answer. */
		ok = false;
		for (char *tok = records, *next; tok && !ok; tok = next) {
			next = strstr(tok, ", ");
			size_t len = next ? (size_t)(next - tok) : strlen(tok);
			ok = len == strlen(c->expected_value) &&
			     !strncasecmp(tok, c->expected_value, len);
			if (next)
				next += 2;
		}
	}
	snprintf(msg, sizeof(msg), "Records: %s%s", records,
		 ok ? "" : " (expected value not found)");
	finish(p, true, ok, msg);
}

static void on_timeout(uv_timer_t *t)
{
	struct watch_dns_probe *p = t->data;
	char msg[WATCH_MSG_MAX];
	snprintf(msg, sizeof(msg), "no answer from %s within %lldms",
		 p->m ? p->m->cfg->dns_server : "?",
		 p->m ? (long long)p->m->cfg->timeout_ms : 0LL);
	finish(p, true, false, msg);
}

void watch_dns_start(struct watch_mon *m)
{
	struct watch_room *r = m->room;
	const struct cfg_watch_monitor *c = m->cfg;
	struct watch_dns_probe *p = calloc(1, sizeof(*p));
	if (!p) {
		watch_mon_result(m, false, "out of memory", -1);
		return;
	}
	if (getrandom(&p->id, sizeof(p->id), 0) != sizeof(p->id))
		p->id = (uint16_t)rand();
	int qlen = watch_dns_query(p->query, p->id, c->hostname, c->dns_type);
	if (qlen < 0) {
		free(p);
		watch_mon_result(m, false, "hostname: not a DNS name", -1);
		return;
	}
	p->to.sin_family = AF_INET;
	p->to.sin_port = htons(c->port ? (uint16_t)c->port : 53);
	inet_pton(AF_INET, c->dns_server, &p->to.sin_addr);
	uv_udp_init(r->loop, &p->udp);
	uv_timer_init(r->loop, &p->timer);
	p->udp.data = p->timer.data = p->send.data = p;
	p->handles = 2;
	p->m = m;
	p->t0 = uv_now(r->loop);
	m->dns_probe = p;
	uv_timer_start(&p->timer, on_timeout, (uint64_t)c->timeout_ms, 0);
	uv_buf_t b = uv_buf_init((char *)p->query, (unsigned)qlen);
	int rc = uv_udp_send(&p->send, &p->udp, &b, 1,
			     (const struct sockaddr *)&p->to, on_sent);
	if (!rc) {
		p->sending = true;
		rc = uv_udp_recv_start(&p->udp, on_alloc, on_recv);
	}
	if (rc) {
		char msg[WATCH_MSG_MAX];
		snprintf(msg, sizeof(msg), "cannot send the query: %s",
			 uv_strerror(rc));
		finish(p, true, false, msg);
	}
}

void watch_dns_cancel(struct watch_dns_probe *p)
{
	finish(p, false, false, NULL);
}
