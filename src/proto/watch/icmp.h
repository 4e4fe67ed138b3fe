/* SPDX-License-Identifier: MIT */
/* ICMP and ICMPv6 echo for ping monitors: builds requests and reads replies (raw with an IPv4 header, or datagram sockets). Pure. */
#ifndef HEARTH_PROTO_WATCH_ICMP_H
#define HEARTH_PROTO_WATCH_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WATCH_ICMP_ECHO_LEN 64 /* 8-byte header + 56 bytes, as ping -s 56 */

/* Writes an echo request (@id, @seq, a fixed payload) into @out
 * (WATCH_ICMP_ECHO_LEN bytes) with its checksum. */
void watch_icmp_echo(uint8_t out[WATCH_ICMP_ECHO_LEN], uint16_t id,
		     uint16_t seq);

/* Reads an echo reply from @pkt: with an IPv4 header first when @raw
 * (raw sockets), without for datagram sockets. 0 with *id, *seq and the
 * sender's address (network order, raw only; else 0) in *from, or -1
 * when it is not a well-formed echo reply. */
int watch_icmp_reply(const uint8_t *pkt, size_t len, bool raw, uint16_t *id,
		     uint16_t *seq, uint32_t *from);

/* ICMPv6 (RFC 4443): an echo request (type 128) with a zero checksum,
 * which the kernel fills in on both raw and datagram sockets. */
void watch_icmp6_echo(uint8_t out[WATCH_ICMP_ECHO_LEN], uint16_t id,
		      uint16_t seq);

/* Reads an ICMPv6 echo reply (type 129; sockets give no IPv6 header and
 * the kernel checked the sum): 0 with *id and *seq, or -1. */
int watch_icmp6_reply(const uint8_t *pkt, size_t len, uint16_t *id,
		      uint16_t *seq);

/* The Internet checksum of @len bytes. */
uint16_t watch_icmp_checksum(const void *data, size_t len);

#endif
