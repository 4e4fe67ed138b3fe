/* SPDX-License-Identifier: MIT */
/* DHCP option values written as text in the config, encoded to wire bytes. */
#include "proto/dhcp/options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "base/buf.h"

int dhcp_option_encode(const char *v, uint8_t buf[DHCP_OPTION_MAX],
		       size_t *len)
{
	size_t n = 0;
	const char *colon = strchr(v, ':');
	if (!colon)
		return -1;
	size_t kl = (size_t)(colon - v);
	const char *rest = colon + 1;
	if (kl == 2 && strncmp(v, "ip", 2) == 0) {
		char one[64];
		for (const char *p = rest; *p;) {
			const char *comma = strchr(p, ',');
			size_t l = comma ? (size_t)(comma - p) : strlen(p);
			struct ipaddr a;
			if (l == 0 || l >= sizeof(one) || n + 4 > DHCP_OPTION_MAX)
				return -1;
			memcpy(one, p, l);
			one[l] = '\0';
			if (ipaddr_parse(one, &a) || a.family != AF_INET)
				return -1;
			memcpy(buf + n, a.u.bytes, 4);
			n += 4;
			p += l + (comma ? 1 : 0);
		}
	} else if (kl == 4 && strncmp(v, "text", 4) == 0) {
		n = strlen(rest);
		if (n > DHCP_OPTION_MAX)
			return -1;
		memcpy(buf, rest, n);
	} else if (kl == 3 && strncmp(v, "hex", 3) == 0) {
		for (const char *p = rest; *p;) {
			if (*p == ':' || *p == ' ') {
				p++;
				continue;
			}
			int hi = hex_digit(p[0]), lo = p[1] ? hex_digit(p[1]) : -1;
			if (hi < 0 || lo < 0 || n == DHCP_OPTION_MAX)
				return -1;
			buf[n++] = (uint8_t)(hi << 4 | lo);
			p += 2;
		}
	} else if ((kl == 2 && strncmp(v, "u8", 2) == 0) ||
		   (kl == 3 && strncmp(v, "u16", 3) == 0) ||
		   (kl == 3 && strncmp(v, "u32", 3) == 0)) {
		char *end;
		errno = 0;
		unsigned long long x = strtoull(rest, &end, 10);
		size_t bytes = v[1] == '8' ? 1 : v[1] == '1' ? 2 : 4;
		if (errno || *end || !*rest ||
		    (bytes < 8 && x >> (8 * bytes)))
			return -1;
		for (size_t i = 0; i < bytes; i++)
			buf[i] = (uint8_t)(x >> (8 * (bytes - 1 - i)));
		n = bytes;
	} else {
		return -1;
	}
	*len = n;
	return 0;
}

