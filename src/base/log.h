/* SPDX-License-Identifier: MIT */
/* Levelled logging to stderr: "LEVEL room: message key=value ...". */
#ifndef HEARTH_BASE_LOG_H
#define HEARTH_BASE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

/* The current threshold; read by the macros before any formatting. */
extern enum log_level log_threshold;

/* Sets the threshold. Not thread-safe against concurrent set; reads are. */
void log_set_level(enum log_level level);

/* Parses "error", "warn", "info" or "debug". Returns 0 or -EINVAL. */
int log_level_parse(const char *text, enum log_level *out);

/* Name of a level ("info"). */
const char *log_level_name(enum log_level level);

/* Writes one line; callers use the macros, which test the level first. */
void log_write(enum log_level level, const char *room, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The last LOG_RECENT_MAX warn and error lines written (through
 * log_write, so only those the threshold lets through), kept in memory
 * for the status page. Any thread: the ring has its own lock.
 */
#define LOG_RECENT_MAX 32
#define LOG_RECENT_TEXT 240

struct log_recent {
	int64_t unix_ms;	     /* wall clock when it was written */
	enum log_level level;	     /* LOG_ERROR or LOG_WARN */
	char text[LOG_RECENT_TEXT];  /* "room: message", cut to fit */
};

/*
 * Copies the kept lines into @out (at most @cap, caller's storage),
 * newest first; returns how many. *@total (may be NULL) gets how many
 * warn and error lines were written since the process started (more than
 * were kept once the ring has wrapped).
 */
size_t log_recent_copy(struct log_recent *out, size_t cap, uint64_t *total);

#define log_at(level, room, ...)                                               \
	do {                                                                   \
		if ((level) <= log_threshold)                                  \
			log_write((level), (room), __VA_ARGS__);               \
	} while (0)

#define log_error(room, ...) log_at(LOG_ERROR, room, __VA_ARGS__)
#define log_warn(room, ...) log_at(LOG_WARN, room, __VA_ARGS__)
#define log_info(room, ...) log_at(LOG_INFO, room, __VA_ARGS__)
#define log_debug(room, ...) log_at(LOG_DEBUG, room, __VA_ARGS__)

#endif
