/* SPDX-License-Identifier: MIT */
/* Per-visitor limits of the ntfy API: a request bucket, messages and attachment bytes a day. */
#include "notify/limit.h"

#include <string.h>

struct notify_visitor *notify_visitor_of(struct notify_limits *l,
					 const struct ipaddr *ip,
					 int64_t burst, uint64_t now_ms)
{
	struct ipaddr net = *ip;
	if (net.family == AF_INET6)
		memset(net.u.bytes + 8, 0, 8);
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < 16; i++)
		h = (h ^ net.u.bytes[i]) * 1099511628211ull;
	struct notify_visitor *v = &l->v[h % NOTIFY_VISITOR_SLOTS];
	if (!ipaddr_equal(&v->net, &net)) {
		memset(v, 0, sizeof(*v));
		v->net = net;
		v->tokens = (double)burst;
		v->at_ms = now_ms;
	}
	return v;
}

bool notify_visitor_request(struct notify_visitor *v, int64_t burst,
			    uint64_t interval_ms, uint64_t now_ms)
{
	if (!interval_ms)
		return true;
	double t = v->tokens + (double)(now_ms - v->at_ms) / (double)interval_ms;
	if (t > (double)burst)
		t = (double)burst;
	v->at_ms = now_ms;
	if (t < 1) {
		v->tokens = t;
		return false;
	}
	v->tokens = t - 1;
	return true;
}

void notify_visitor_today(struct notify_visitor *v, int64_t day)
{
	if (v->day != day) {
		v->day = day;
		v->messages = 0;
		v->bytes = 0;
	}
}
