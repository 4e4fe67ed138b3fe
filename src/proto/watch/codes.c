/* SPDX-License-Identifier: MIT */
/* Accepted status-code ranges and the keyword search of a response body. */
#include "proto/watch/codes.h"

#include <string.h>

static const char *three_digits(const char *p, int *out)
{
	if (p[0] < '1' || p[0] > '9' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9')
		return NULL;
	*out = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	return p + 3;
}

int watch_code_range_parse(const char *text, int *lo, int *hi)
{
	const char *p = three_digits(text, lo);
	if (!p)
		return -1;
	if (!*p) {
		*hi = *lo;
		return 0;
	}
	if (*p != '-' || !(p = three_digits(p + 1, hi)) || *p || *hi < *lo)
		return -1;
	return 0;
}

bool watch_body_contains(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return true;
	if (n > len)
		return false;
	for (const char *p = hay, *end = hay + len - n + 1;
	     (p = memchr(p, needle[0], (size_t)(end - p))); p++)
		if (memcmp(p, needle, n) == 0)
			return true;
	return false;
}
