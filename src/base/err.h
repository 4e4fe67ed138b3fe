/* SPDX-License-Identifier: MIT */
/* Project error codes and the one place that turns any error code into text. */
#ifndef HEARTH_BASE_ERR_H
#define HEARTH_BASE_ERR_H

#include <errno.h>

/*
 * Functions that can fail return 0 or a negative code: a negated errno
 * value (libuv codes are the same on Unix and pass through unchanged), or
 * one of the project codes below, which start at -1000.
 */
enum hearth_err {
	HEARTH_ECONFIG = -1000, /* configuration is invalid */
	HEARTH_ESTORE = -1001,  /* the SQLite store reported an error */
	HEARTH_EHTTP = -1002,   /* the HTTP server library refused */
	HEARTH_ECURL = -1003,   /* libcurl reported an error */
	HEARTH_EJSON = -1004,   /* JSON could not be parsed or built */
	HEARTH_ESCHEMA = -1005, /* store schema is newer than this binary */
	HEARTH_ETIMEDOUT = -1006, /* an outbound request timed out */
	/* The store's disk is full (or the store is read-only because it
	 * was when hearthd started): writes are refused. Apart from the
	 * others on purpose, so codes added meanwhile cannot collide. */
	HEARTH_EFULL = -1020,
};

/* Text for any code returned by a hearth function; never NULL. */
const char *hearth_strerror(int code);

#endif
