/* SPDX-License-Identifier: MIT */
/* The services rooms offer each other: the only way one room reaches another. */
#ifndef HEARTH_CORE_SERVICES_H
#define HEARTH_CORE_SERVICES_H

#include <stdint.h>

/*
 * Each service is a small struct of function pointers and an opaque
 * pointer, filled in by the room that offers it in its open() and valid
 * until that room closes (rooms close in reverse order, so a room that
 * opened later never outlives what it uses). A room takes the services
 * of others in its bind(), which the daemon calls once every room has
 * opened: the order of the room table does not matter. All calls run on
 * the loop thread.
 */

/*
 * A host name for the dns room to serve while a lease lasts: what the
 * dhcp room calls on ACK (add) and on release or expiry (remove). @name
 * is one label, @domain without a trailing dot, @ip in network byte
 * order. add() returns 0, or -EEXIST when a static record holds the name
 * (the lease still works; the clash is logged).
 */
struct room_dns_registrar {
	void *ud;
	int (*add)(void *ud, const char *name, const char *domain,
		   uint32_t ip);
	void (*remove)(void *ud, const char *name, const char *domain,
		       uint32_t ip);
	/* Serves the changes made so far at once (otherwise they are
	 * published after a short delay, batched). */
	void (*flush)(void *ud);
};

/* The services on offer; NULL members are not offered (the room that
 * would offer them is disabled). */
struct room_services {
	struct room_dns_registrar *dns;
};

#endif
