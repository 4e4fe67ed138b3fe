/* SPDX-License-Identifier: MIT */
/* Per-visitor limits of the ntfy API: a request bucket, messages and attachment bytes a day. */
#ifndef HEARTH_NOTIFY_LIMIT_H
#define HEARTH_NOTIFY_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"

#define NOTIFY_VISITOR_SLOTS 4096

/* A visitor is an IPv4 address or an IPv6 /64 (a user's requests count
 * against the address they come from). A fixed table: a visitor that
 * loses its slot to another starts afresh. Loop thread only. */
struct notify_visitor {
	struct ipaddr net;
	double tokens;	    /* requests banked */
	uint64_t at_ms;	    /* of the last refill */
	int64_t day;	    /* unix day the counters below are for */
	int64_t messages;   /* published today */
	int64_t bytes;	    /* attachment bytes uploaded today */
};

struct notify_limits {
	struct notify_visitor v[NOTIFY_VISITOR_SLOTS];
};

/* The visitor of @ip (its slot taken over when another held it). */
struct notify_visitor *notify_visitor_of(struct notify_limits *l,
					 const struct ipaddr *ip,
					 int64_t burst, uint64_t now_ms);
/* One request at @now_ms with @burst banked and one more per
 * @interval_ms (0: unlimited): false when over. */
bool notify_visitor_request(struct notify_visitor *v, int64_t burst,
			    uint64_t interval_ms, uint64_t now_ms);
/* Today's counters (@day: unix day), reset when the day changed. */
void notify_visitor_today(struct notify_visitor *v, int64_t day);

#endif
