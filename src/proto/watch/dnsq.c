/* SPDX-License-Identifier: MIT */
/* The dns monitor's query and answer, on proto/dns's names and RDATA codec. */
#include "proto/watch/dnsq.h"

#include <stdio.h>
#include <string.h>

#include "proto/dns/dns.h"
#include "proto/dns/name.h"
#include "proto/dns/rdata.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int watch_dns_query(uint8_t *out, uint16_t id, const char *name,
		    uint16_t qtype)
{
	struct dns_name n;
	size_t len = strlen(name);
	char abs[DNS_NAME_TEXT_MAX];
	if (!len || len + 2 > sizeof(abs))
		return -1;
	/* Names are absolute (a trailing dot is optional). */
	snprintf(abs, sizeof(abs), "%s%s", name, name[len - 1] == '.' ? "" : ".");
	if (dns_name_from_text(abs, strlen(abs), NULL, &n))
		return -1;
	memset(out, 0, DNS_HEADER_LEN);
	out[0] = (uint8_t)(id >> 8);
	out[1] = (uint8_t)id;
	out[2] = 0x01; /* RD */
	out[5] = 1;    /* QDCOUNT */
	memcpy(out + DNS_HEADER_LEN, n.wire, n.len);
	size_t k = DNS_HEADER_LEN + n.len;
	out[k++] = (uint8_t)(qtype >> 8);
	out[k++] = (uint8_t)qtype;
	out[k++] = 0;
	out[k++] = 1; /* IN */
	return (int)k;
}

int watch_dns_answer(const uint8_t *msg, size_t len, uint16_t id,
		     uint16_t qtype, char *out, size_t cap, int *count)
{
	*count = 0;
	if (cap)
		out[0] = '\0';
	if (len < DNS_HEADER_LEN || rd16(msg) != id || !(msg[2] & 0x80))
		return -1;
	unsigned rcode = msg[3] & 0x0f;
	uint16_t qd = rd16(msg + 4), an = rd16(msg + 6);
	size_t off = DNS_HEADER_LEN;
	struct dns_name n;
	for (uint16_t i = 0; i < qd; i++) {
		if (dns_name_unpack(msg, len, &off, &n) || off + 4 > len)
			return -1;
		off += 4;
	}
	size_t used = 0;
	for (uint16_t i = 0; i < an; i++) {
		if (dns_name_unpack(msg, len, &off, &n) || off + 10 > len)
			return -1;
		uint16_t type = rd16(msg + off), rdlen = rd16(msg + off + 8);
		off += 10;
		if (off + rdlen > len)
			return -1;
		if (type == qtype) {
			uint8_t rdata[2048];
			size_t rl;
			char text[1024];
			if (dns_rdata_unpack(type, msg, len, off, rdlen, rdata,
					     sizeof(rdata), &rl) == 0 &&
			    dns_rdata_to_text(type, rdata, rl, text,
					      sizeof(text)) >= 0) {
				int w = snprintf(out + used, cap > used ? cap - used : 0,
						 "%s%s", *count ? ", " : "", text);
				if (w > 0)
					used = used + (size_t)w < cap ? used + (size_t)w
								      : (cap ? cap - 1 : 0);
				++*count;
			}
		}
		off += rdlen;
	}
	return (int)rcode;
}
