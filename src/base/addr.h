/* SPDX-License-Identifier: MIT */
/* Parsing and formatting of IP addresses, ADDR:PORT, prefixes and MACs. */
#ifndef HEARTH_BASE_ADDR_H
#define HEARTH_BASE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 address (no port). */
struct ipaddr {
	int family; /* AF_INET or AF_INET6; 0 when unset */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} u;
};

/* An address with a port, ready for bind()/connect(). */
struct sockaddr_any {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_storage ss;
	} u;
	socklen_t len;
};

/* A prefix: address with the host bits zero, and its length in bits. */
struct ipprefix {
	struct ipaddr addr;
	unsigned len;
};

struct macaddr {
	uint8_t b[6];
};

/* Longest text produced by the formatters below, with the NUL. */
#define ADDR_TEXT_MAX 80

/* "192.0.2.1" or "2001:db8::1". Returns 0 or -EINVAL. */
int ipaddr_parse(const char *text, struct ipaddr *out);
/* "192.0.2.1:53", "[::1]:53", or a bare address taking @default_port
 * (a bare address is refused when @default_port is 0). */
int sockaddr_parse(const char *text, uint16_t default_port,
		   struct sockaddr_any *out);
/* "192.0.2.0/24"; refuses host bits set beyond the prefix. */
int ipprefix_parse(const char *text, struct ipprefix *out);
/* "ca:fe:c0:ff:ee:08" or with '-' separators; any case. */
int macaddr_parse(const char *text, struct macaddr *out);

void ipaddr_format(const struct ipaddr *a, char out[ADDR_TEXT_MAX]);
void sockaddr_format(const struct sockaddr_any *a, char out[ADDR_TEXT_MAX]);
void ipprefix_format(const struct ipprefix *p, char out[ADDR_TEXT_MAX]);
void macaddr_format(const struct macaddr *m, char out[ADDR_TEXT_MAX]);

bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b);
bool ipprefix_contains(const struct ipprefix *p, const struct ipaddr *a);
uint16_t sockaddr_port(const struct sockaddr_any *a);

#endif
