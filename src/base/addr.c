/* SPDX-License-Identifier: MIT */
/* Address parsing and formatting on top of inet_pton/inet_ntop. */
#include "base/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

int ipaddr_parse(const char *text, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, &out->u.v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &out->u.v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static int parse_port(const char *s, uint16_t *out)
{
	if (!*s || strlen(s) > 5)
		return -EINVAL;
	unsigned long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static void fill(struct sockaddr_any *out, const struct ipaddr *ip,
		 uint16_t port)
{
	memset(out, 0, sizeof(*out));
	if (ip->family == AF_INET) {
		out->u.in.sin_family = AF_INET;
		out->u.in.sin_addr = ip->u.v4;
		out->u.in.sin_port = htons(port);
		out->len = sizeof(out->u.in);
	} else {
		out->u.in6.sin6_family = AF_INET6;
		out->u.in6.sin6_addr = ip->u.v6;
		out->u.in6.sin6_port = htons(port);
		out->len = sizeof(out->u.in6);
	}
}

int sockaddr_parse(const char *text, uint16_t default_port,
		   struct sockaddr_any *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_text = NULL;
	size_t hlen;
	struct ipaddr ip;
	uint16_t port = default_port;

	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (!end)
			return -EINVAL;
		hlen = (size_t)(end - text - 1);
		if (end[1] == ':')
			port_text = end + 2;
		else if (end[1] != '\0')
			return -EINVAL;
		text++;
	} else {
		const char *colon = strchr(text, ':');
		if (colon && strchr(colon + 1, ':')) {
			/* Bare IPv6 address: no port possible. */
			hlen = strlen(text);
		} else if (colon) {
			hlen = (size_t)(colon - text);
			port_text = colon + 1;
		} else {
			hlen = strlen(text);
		}
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (ipaddr_parse(host, &ip))
		return -EINVAL;
	if (port_text) {
		if (parse_port(port_text, &port))
			return -EINVAL;
	} else if (default_port == 0) {
		return -EINVAL;
	}
	fill(out, &ip, port);
	return 0;
}

int ipprefix_parse(const char *text, struct ipprefix *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	if (!slash || (size_t)(slash - text) >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, (size_t)(slash - text));
	host[slash - text] = '\0';
	memset(out, 0, sizeof(*out));
	if (ipaddr_parse(host, &out->addr))
		return -EINVAL;
	const char *p = slash + 1;
	if (!*p || strlen(p) > 3)
		return -EINVAL;
	unsigned v = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
	}
	unsigned bits = out->addr.family == AF_INET ? 32 : 128;
	if (v > bits)
		return -EINVAL;
	out->len = v;
	/* Host bits must be zero: "192.168.30.1/24" is almost always a typo. */
	for (unsigned i = v; i < bits; i++) {
		if (out->addr.u.bytes[i / 8] & (0x80u >> (i % 8)))
			return -EINVAL;
	}
	return 0;
}

int macaddr_parse(const char *text, struct macaddr *out)
{
	if (strlen(text) != 17)
		return -EINVAL;
	char sep = text[2];
	if (sep != ':' && sep != '-')
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *p = text + i * 3;
		int hi = hex_digit(p[0]), lo = hex_digit(p[1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (i < 5 && p[2] != sep)
			return -EINVAL;
		out->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void ipaddr_format(const struct ipaddr *a, char out[ADDR_TEXT_MAX])
{
	if (!a->family || !inet_ntop(a->family, &a->u, out, ADDR_TEXT_MAX))
		snprintf(out, ADDR_TEXT_MAX, "?");
}

uint16_t sockaddr_port(const struct sockaddr_any *a)
{
	if (a->u.sa.sa_family == AF_INET)
		return ntohs(a->u.in.sin_port);
	if (a->u.sa.sa_family == AF_INET6)
		return ntohs(a->u.in6.sin6_port);
	return 0;
}

void sockaddr_format(const struct sockaddr_any *a, char out[ADDR_TEXT_MAX])
{
	char host[INET6_ADDRSTRLEN + 1];
	if (a->u.sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->u.in.sin_addr, host, sizeof(host));
		snprintf(out, ADDR_TEXT_MAX, "%s:%u", host,
			 (unsigned)sockaddr_port(a));
	} else if (a->u.sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->u.in6.sin6_addr, host, sizeof(host));
		snprintf(out, ADDR_TEXT_MAX, "[%s]:%u", host,
			 (unsigned)sockaddr_port(a));
	} else {
		snprintf(out, ADDR_TEXT_MAX, "?");
	}
}

void ipprefix_format(const struct ipprefix *p, char out[ADDR_TEXT_MAX])
{
	char host[INET6_ADDRSTRLEN];
	if (!p->addr.family ||
	    !inet_ntop(p->addr.family, &p->addr.u, host, sizeof(host)))
		snprintf(host, sizeof(host), "?");
	snprintf(out, ADDR_TEXT_MAX, "%s/%u", host, p->len & 0xff);
}

void macaddr_format(const struct macaddr *m, char out[ADDR_TEXT_MAX])
{
	snprintf(out, ADDR_TEXT_MAX, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0],
		 m->b[1], m->b[2], m->b[3], m->b[4], m->b[5]);
}

bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return false;
	size_t n = a->family == AF_INET ? 4 : 16;
	return memcmp(a->u.bytes, b->u.bytes, n) == 0;
}

bool ipprefix_contains(const struct ipprefix *p, const struct ipaddr *a)
{
	if (p->addr.family != a->family)
		return false;
	for (unsigned i = 0; i < p->len; i++) {
		uint8_t m = (uint8_t)(0x80u >> (i % 8));
		if ((p->addr.u.bytes[i / 8] & m) != (a->u.bytes[i / 8] & m))
			return false;
	}
	return true;
}
