/* SPDX-License-Identifier: MIT */
/* ICMP and ICMPv6 echo request and reply codec with the Internet checksum. */
#include "proto/watch/icmp.h"

#include <string.h>

uint16_t watch_icmp_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void echo(uint8_t out[WATCH_ICMP_ECHO_LEN], uint8_t type, uint16_t id,
		 uint16_t seq)
{
	memset(out, 0, WATCH_ICMP_ECHO_LEN);
	out[0] = type;
	out[4] = (uint8_t)(id >> 8);
	out[5] = (uint8_t)id;
	out[6] = (uint8_t)(seq >> 8);
	out[7] = (uint8_t)seq;
	for (size_t i = 8; i < WATCH_ICMP_ECHO_LEN; i++)
		out[i] = (uint8_t)("hearth watch "[i % 13]);
}

void watch_icmp_echo(uint8_t out[WATCH_ICMP_ECHO_LEN], uint16_t id,
		     uint16_t seq)
{
	echo(out, 8, id, seq); /* echo request */
	uint16_t c = watch_icmp_checksum(out, WATCH_ICMP_ECHO_LEN);
	out[2] = (uint8_t)(c >> 8);
	out[3] = (uint8_t)c;
}

int watch_icmp_reply(const uint8_t *pkt, size_t len, bool raw, uint16_t *id,
		     uint16_t *seq, uint32_t *from)
{
	*from = 0;
	if (raw) {
		if (len < 20 || (pkt[0] >> 4) != 4)
			return -1;
		size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
		if (ihl < 20 || len < ihl + 8 || pkt[9] != 1 /* ICMP */)
			return -1;
		memcpy(from, pkt + 12, 4);
		pkt += ihl;
		len -= ihl;
	}
	if (len < 8 || pkt[0] != 0 /* echo reply */ || pkt[1] != 0)
		return -1;
	/* A datagram socket's kernel checked the sum already; a raw one's
	 * did not. */
	if (raw && watch_icmp_checksum(pkt, len) != 0)
		return -1;
	*id = (uint16_t)(pkt[4] << 8 | pkt[5]);
	*seq = (uint16_t)(pkt[6] << 8 | pkt[7]);
	return 0;
}

void watch_icmp6_echo(uint8_t out[WATCH_ICMP_ECHO_LEN], uint16_t id,
		      uint16_t seq)
{
	echo(out, 128, id, seq);
}

int watch_icmp6_reply(const uint8_t *pkt, size_t len, uint16_t *id,
		      uint16_t *seq)
{
	if (len < 8 || pkt[0] != 129 /* echo reply */ || pkt[1] != 0)
		return -1;
	*id = (uint16_t)(pkt[4] << 8 | pkt[5]);
	*seq = (uint16_t)(pkt[6] << 8 | pkt[7]);
	return 0;
}
