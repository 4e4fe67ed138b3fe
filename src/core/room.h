/* SPDX-License-Identifier: MIT */
/* What a room is to the daemon, the config loader and the CLI: one table entry. */
#ifndef HEARTH_CORE_ROOM_H
#define HEARTH_CORE_ROOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/config_schema.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "core/metrics.h"
#include "core/services.h"
#include "core/store.h"
#include "core/workq.h"

/*
 * The daemon, the config loader and the CLI live in core, below the
 * rooms; the one table of rooms (src/cmd/rooms.c) hands them each room's
 * struct room_def, so core never includes a room's headers. A room is
 * one folder that owns its config section, its tables and migrations,
 * its routes and its CLI commands; it reaches other rooms only through
 * the services of core/services.h.
 */

/* What a room may use; all owned by the daemon and outliving the room. */
struct room_ctx {
	uv_loop_t *loop;
	struct store *store;
	struct metrics *metrics;
	struct http_server *http; /* NULL when http is disabled */
	/* Outbound HTTP on the loop (libcurl multi), shared by the rooms;
	 * requests still in flight when rooms close end with -ECANCELED. */
	struct http_client *http_client;
	/* The services rooms offer each other. A room fills in what it
	 * offers in open(); it may call what others offer from bind() on. */
	struct room_services *services;
	/* Blocking work off the loop (core/workq.h). A room that writes
	 * from the pool opens its own connection (store_open_peer) and
	 * keeps those writes on one strand. */
	struct workq *workq;
	/* Time and timers (core/clock.h); engines take it so unit tests can
	 * script time. */
	const struct clock *clock;
};

/* A reload refused by a room: why, for the log and the reload API. */
struct room_refusal {
	char msg[200]; /* leaves room for "room NAME refused it: " */
};

/*
 * The daemon-side lifecycle. Every call runs on the loop thread. The
 * daemon calls, in this order: open (each enabled room, in table order),
 * bind (each opened room, once all have opened), start (after privileges
 * are dropped), then any number of reloads, then close (reverse order).
 */
struct room_ops {
	/* Loads state and binds sockets (still privileged); offers the
	 * room's services in ctx->services. */
	int (*open)(const struct room_ctx *ctx, const struct config *cfg,
		    void **room);
	/* Optional: takes the services other rooms offer (all rooms have
	 * opened by now). */
	int (*bind)(void *room, struct room_services *services);
	/* Starts serving. */
	int (*start)(void *room);
	/*
	 * Reload in two phases. prepare checks @cfg and does everything that
	 * can fail, keeping the result in *staged without changing what the
	 * room serves; on refusal it returns non-zero and says why in @why.
	 * When every room prepared, the daemon calls commit (which cannot
	 * fail) on each; when one refused, abort on those that prepared.
	 * NULL prepare: the room takes any config that loaded.
	 */
	int (*reload_prepare)(void *room, const struct config *cfg,
			      void **staged, struct room_refusal *why);
	void (*reload_commit)(void *room, const struct config *cfg,
			      void *staged);
	void (*reload_abort)(void *room, void *staged);
	/* Stops serving and frees everything (handles closed on the loop;
	 * the loop runs until they are). */
	void (*close)(void *room);
	/* "running", "degraded", ... for /healthz. */
	const char *(*state)(void *room);
	/* Optional: why the state is not "running", for /healthz's reason
	 * ("a zone file ... could not be loaded"); NULL for nothing to add.
	 * The string is the room's, valid until the next call. */
	const char *(*reason)(void *room);
	/* Optional: the Linux capabilities (core/privs.h PRIVS_CAP(CAP_*))
	 * the room still needs once privileges are dropped to `user:`
	 * (sockets it opened while privileged need none). Called after
	 * bind, before the drop; the daemon keeps the union over the rooms
	 * that run, and nothing else. */
	uint64_t (*capabilities)(void *room);
	/*
	 * Optional: what the status page (`/`) shows of the room, as a JSON
	 * object the core renders (a new reference, the caller's; NULL for
	 * nothing). Its members, in order: a scalar is shown as "key:
	 * value", an array of objects as a table (the first object's keys
	 * are the columns; an empty array reads "none"). By their key's
	 * ending: "_time" is unix seconds (shown as a UTC date-time),
	 * "_ratio" a fraction (shown as a percentage), "_per_second" a rate.
	 * @details is true only when the reader gave the management key:
	 * only then may the summary name clients (MAC addresses, host
	 * names). Loop thread.
	 */
	json_t *(*summary)(void *room, bool details);
};

/* What `hearthd --check` found, summed over the rooms' checks. */
struct room_check_summary {
	size_t rooms;	/* enabled rooms (counted by room_check_all) */
	char room_names[128]; /* "dns, dhcp" */
	size_t zones;	/* DNS zones configured */
	size_t records; /* records read from their zone files */
	size_t subnets; /* DHCP subnets */
};

struct room_def {
	const char *name; /* its config key, log name and CLI group */
	const char *help; /* one line: "the dns room: ..." */
	/* Its config section: the schema, and the size of the struct the
	 * loader fills (zeroed, then defaults and values). NULL: none. */
	const struct cfg_section *config;
	size_t config_size;
	/* Its tables, versioned on their own (schema_versions(room, version));
	 * SQL texts, NULL-terminated, append only: migration i takes the
	 * room's version i to i + 1. NULL: no tables. */
	const char *const *migrations;
	/* The daemon side; NULL for a room with nothing running. */
	const struct room_ops *ops;
	/* Its CLI commands ("dns import", ...), ending with a NULL name. */
	const struct cli_command *commands;
	/*
	 * Optional: the offline checks of `hearthd --check` that go beyond
	 * the config file (a dns zone file must parse and validate as the
	 * import would). Reads files, never the store, binds nothing. Adds
	 * what it counted to @sum; on a problem returns HEARTH_ECONFIG (or
	 * -ENOMEM) with @err filled: FILE:LINE:COL of the config key, the
	 * other file's FILE:LINE in the message. Any thread.
	 */
	int (*check)(const struct config *cfg, struct cfg_error *err,
		     struct room_check_summary *sum);
};

/* The room's config section in @cfg (defaults when the file leaves it
 * out); NULL when @def is not a room of @cfg's schema. */
const void *room_config(const struct config *cfg, const struct room_def *def);
/* True when @cfg has a section for @def: the room runs. */
bool room_enabled(const struct config *cfg, const struct room_def *def);
/* True when @cfg's section for @def says `enabled: false`: the room is
 * off on purpose (not merely left out). */
bool room_disabled(const struct config *cfg, const struct room_def *def);

/*
 * Runs the check of every room enabled in @cfg (table order) and counts
 * the rooms into @sum (zeroed first). 0, or the first room's error (a
 * non-zero code with @err filled).
 */
int room_check_all(const struct config *cfg, struct cfg_error *err,
		   struct room_check_summary *sum);

/* "ok" (no room enabled) or "ok: 2 rooms (dns, dhcp), 1 zone,
 * 12 records, 2 subnets" into @out. */
void room_check_summary_format(const struct room_check_summary *sum,
			       char *out, size_t cap);

#endif
