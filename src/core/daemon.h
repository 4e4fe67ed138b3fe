/* SPDX-License-Identifier: MIT */
/* The daemon's lifecycle: rooms up, bind, drop privileges, run, tear down. */
#ifndef HEARTH_CORE_DAEMON_H
#define HEARTH_CORE_DAEMON_H

#include <stdbool.h>

#include "core/config.h"
#include "core/room.h"

/*
 * Owns the loop, the current config snapshot, the store, the HTTP server
 * and the signal handlers. SIGTERM/SIGINT stop it cleanly; SIGHUP
 * reloads the config file, keeping the running snapshot when the new one
 * is refused. Not thread-safe: one per process, driven from main().
 */
struct daemon;

struct daemon_opts {
	const char *config_path; /* re-read on SIGHUP */
	bool verbose;		 /* -v: debug logging whatever the config */
	/* The room table and the schema built from it (both outlive the
	 * daemon; config snapshots were read with this schema). */
	const struct room_def *const *rooms; /* NULL-terminated */
	const struct config_schema *schema;
};

/* Opens the store and binds every socket; takes a reference on @cfg. */
int daemon_new(struct config *cfg, const struct daemon_opts *opts,
	       struct daemon **out);

/* Drops to config `user:` (if any) after handing it the state files. */
int daemon_drop_privileges(struct daemon *d);

/* Serves until a stop signal; returns 0 after a clean stop. */
int daemon_run(struct daemon *d);

void daemon_free(struct daemon *d);

#endif
