/* SPDX-License-Identifier: MIT */
/* Uptime Kuma's accepted status codes ("200-299", "404") and the keyword rule: pure checks of an HTTP answer. */
#ifndef HEARTH_PROTO_WATCH_CODES_H
#define HEARTH_PROTO_WATCH_CODES_H

#include <stdbool.h>
#include <stddef.h>

/* Parses "NNN" or "NNN-MMM" (100-999, lo <= hi) into *lo, *hi: 0 or -1. */
int watch_code_range_parse(const char *text, int *lo, int *hi);

/* True when @needle occurs in the first @len bytes of @hay (which may
 * hold NULs); an empty needle always occurs. Case-sensitive, as Kuma. */
bool watch_body_contains(const char *hay, size_t len, const char *needle);

#endif
