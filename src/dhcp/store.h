/* SPDX-License-Identifier: MIT */
/* The dhcp room's table in the store: leases, written before the ACK. */
#ifndef HEARTH_DHCP_STORE_H
#define HEARTH_DHCP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/store.h"

struct dhcp_store_lease {
	uint32_t ip; /* host byte order */
	const uint8_t *mac; /* 6 bytes */
	const uint8_t *client_id;
	size_t client_id_len;
	const char *hostname; /* "" when none */
	int64_t expires;      /* unix seconds */
	const char *state;    /* "bound" or "declined" */
};

/* One change to apply. */
struct dhcp_store_change {
	const struct dhcp_store_lease *put; /* insert or replace, or */
	uint32_t del_ip;		    /* delete when put is NULL */
};

/* Applies @n changes in one transaction (one fsync for a whole batch of
 * ACKs): all or nothing. Not thread-safe (the store's owner). */
int dhcp_store_apply(struct store *s, const struct dhcp_store_change *c,
		     size_t n);

/* Calls @fn for every lease. A non-zero return stops and is returned. */
int dhcp_store_leases(struct store *s,
		      int (*fn)(const struct dhcp_store_lease *l, void *ud),
		      void *ud);

#endif
