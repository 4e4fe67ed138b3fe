/* SPDX-License-Identifier: MIT */
/* The services rooms offer each other: the only way one room reaches another. */
#ifndef HEARTH_CORE_SERVICES_H
#define HEARTH_CORE_SERVICES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

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

/*
 * The notify room's publish function (ntfy topics and Apprise targets),
 * which the watch and backup rooms call for alerts. @m and its strings
 * are copied before publish returns. 0, or a negative code when the
 * message is refused (no such topic, too large); delivery itself is
 * asynchronous and never reported back.
 */
/*
 * The dns room's upstream servers (dns.upstream, or /etc/resolv.conf's
 * when the file names none), for a room that resolves a name itself on
 * the loop (the watch room's ping monitors by name). At most @max into
 * @out; their number.
 */
struct room_dns_resolvers {
	void *ud;
	size_t (*upstreams)(void *ud, struct sockaddr_storage *out, size_t max);
};

struct room_notify_msg {
	const char *event;   /* routes match on it ("watch.down", "backup.failed") */
	const char *title;   /* may be NULL */
	const char *message;
	int priority;	     /* 1 (min) .. 5 (max), 3 default, as ntfy */
	const char *const *tags; /* NULL-terminated, may be NULL */
	const char *click;   /* URL, may be NULL */
	/* Targets besides the routes that match @event (Apprise URLs or
	 * ntfy:TOPIC, as notify.routes' `to`), NULL-terminated; may be NULL. */
	const char *const *to;
	/* The body webhook:// targets POST as is (the watch room's: Uptime
	 * Kuma's {heartbeat, monitor, msg}); NULL: {"heartbeat": null,
	 * "monitor": null, "msg": message}. May be NULL. */
	const char *json;
};

struct room_notify_publisher {
	void *ud;
	int (*publish)(void *ud, const struct room_notify_msg *m);
};

/*
 * The watch room's registry of monitors other rooms derive (a VM the vm
 * room created, a service the proxy routes to). @name is unique per
 * owner; add replaces a target of the same name; strings are copied.
 */
struct room_watch_target {
	const char *owner;  /* the room that derived it */
	const char *name;
	const char *type;   /* Uptime Kuma's type names: "http", "port", "ping", ... */
	const char *target; /* URL, HOST:PORT or host, as the type wants */
	int interval_s;     /* 0: the watch room's default */
};

struct room_watch_registry {
	void *ud;
	int (*add)(void *ud, const struct room_watch_target *t);
	void (*remove)(void *ud, const char *owner, const char *name);
};

/* The proxy room's routes: requests for @host go to @upstream
 * ("http://ADDR:PORT"); strings are copied; add replaces a route for the
 * same host. */
struct room_proxy_routes {
	void *ud;
	int (*add)(void *ud, const char *owner, const char *host,
		   const char *upstream);
	void (*remove)(void *ud, const char *owner, const char *host);
};

/* The services on offer; NULL members are not offered (the room that
 * would offer them is disabled, or not built yet). */
struct room_services {
	struct room_dns_registrar *dns;	    /* dns room */
	struct room_dns_resolvers *resolvers; /* dns room */
	struct room_notify_publisher *notify; /* notify room */
	struct room_watch_registry *watch;    /* watch room */
	struct room_proxy_routes *proxy;      /* proxy room */
};

#endif
