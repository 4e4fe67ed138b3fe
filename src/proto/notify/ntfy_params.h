/* SPDX-License-Identifier: MIT */
/* ntfy's parameter values: booleans, priorities, tags, durations, delays, since=, MIME words. Pure. */
#ifndef HEARTH_PROTO_NOTIFY_NTFY_PARAMS_H
#define HEARTH_PROTO_NOTIFY_NTFY_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Everything here is pure: time comes in as arguments (@now: unix
 * seconds; @tz_off: the local time zone's offset from UTC in seconds,
 * for "tomorrow 9am"), nothing is read from the clock or the system.
 */

/* The value of the first non-empty alias: every header alias first, then
 * every query alias (lowercased names, ntfy's lookup order). @get returns
 * the raw value of a header (@header true) or query argument, or NULL.
 * Returned strings belong to @get's owner. */
typedef const char *(*ntfy_get_fn)(void *ud, const char *name, bool header);

/* @aliases is NULL-terminated (header spellings, e.g. "X-Title", "Title",
 * "t"; the query is asked for each lowercased). Leading and trailing
 * blanks are not part of the value: *len excludes them. NULL when none. */
const char *ntfy_param(ntfy_get_fn get, void *ud, const char *const *aliases,
		       size_t *len);

/* 1|yes|true -> true, 0|no|false -> false (any case). -EINVAL else. */
int ntfy_parse_bool(const char *s, size_t len, bool *out);

/* 1|min, 2|low, 3|default, 4|high, 5|max|urgent (any case); empty: 0.
 * -EINVAL else. */
int ntfy_parse_priority(const char *s, size_t len, int *out);

/* Go-style and ntfy's durations: "30s", "10m", "1h30m", "1.5h", "2d",
 * "1 week", "3 days". Seconds into *out; -EINVAL when not one. */
int ntfy_parse_duration(const char *s, size_t len, int64_t *out);

/*
 * A delivery time (X-Delay / X-At / X-In): a duration from @now, a unix
 * timestamp, or a natural form: "10am", "9:30pm", "17:00", "noon",
 * "midnight", "tomorrow", "tomorrow 9am", "today at 5pm", "monday 10am",
 * "in 30 minutes", "2 hours from now". Unix seconds into *out; -EINVAL
 * when it is none of them. A bare time of day already past today means
 * tomorrow.
 */
int ntfy_parse_delay(const char *s, size_t len, int64_t now, int64_t tz_off,
		     int64_t *out);

enum ntfy_since_kind {
	NTFY_SINCE_DEFAULT, /* not given */
	NTFY_SINCE_NONE,
	NTFY_SINCE_ALL,
	NTFY_SINCE_LATEST,
	NTFY_SINCE_ID,
	NTFY_SINCE_TIME,
};

struct ntfy_since {
	enum ntfy_since_kind kind;
	char id[13];  /* NTFY_SINCE_ID */
	int64_t time; /* NTFY_SINCE_TIME: unix seconds, messages at or after */
};

/* all | latest | none | a message id (12 of [A-Za-z0-9]) | a unix
 * timestamp | a duration back from @now. Empty: NTFY_SINCE_DEFAULT.
 * -EINVAL else. */
int ntfy_parse_since(const char *s, size_t len, int64_t now,
		     struct ntfy_since *out);

/* True when @s is a message id: 12 of [A-Za-z0-9]. */
bool ntfy_is_message_id(const char *s, size_t len);

/* Calls @fn for each item of a comma list, trimmed, empties dropped;
 * stops early when @fn returns non-zero and returns that. */
int ntfy_each_item(const char *s, size_t len, char sep,
		   int (*fn)(const char *item, size_t len, void *ud), void *ud);

/*
 * Decodes RFC 2047 encoded words (=?UTF-8?B?...?= and =?UTF-8?Q?...?=,
 * also ISO-8859-1 / US-ASCII charsets) in @s into @out (at most @cap
 * bytes with the NUL; the decoded text is never longer than @s). Text
 * outside encoded words is kept; whitespace between two encoded words
 * is dropped. Returns the decoded length, or -EINVAL when a word is
 * malformed (then @out holds @s as is).
 */
int ntfy_mime_decode(const char *s, size_t len, char *out, size_t cap);

/* True when @s (@len bytes) is valid UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF). */
bool ntfy_utf8_valid(const char *s, size_t len);

#endif
