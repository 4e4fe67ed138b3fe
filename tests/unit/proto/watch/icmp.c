/* SPDX-License-Identifier: MIT */
/* Unit tests of the ICMP echo codec: request layout and checksum, replies through raw and datagram sockets, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "proto/watch/icmp.h"

static void test_echo_request(void **state)
{
	(void)state;
	uint8_t e[WATCH_ICMP_ECHO_LEN];
	watch_icmp_echo(e, 0x1234, 0xbeef);
	assert_int_equal(e[0], 8);
	assert_int_equal(e[1], 0);
	assert_int_equal(e[4] << 8 | e[5], 0x1234);
	assert_int_equal(e[6] << 8 | e[7], 0xbeef);
	/* A correct checksum sums to zero over the whole message. */
	assert_int_equal(watch_icmp_checksum(e, sizeof(e)), 0);
	/* RFC 1071's example: 0001 f203 f4f5 f6f7 -> ~ddf2 = 220d. */
	uint8_t ex[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	assert_int_equal(watch_icmp_checksum(ex, sizeof(ex)), 0x220d);
	uint8_t odd[] = {0x01};
	assert_int_equal(watch_icmp_checksum(odd, 1), 0xfeff);
}

/* The request turned into its reply, as a peer sends it back. */
static void reply_of(uint8_t *e)
{
	e[0] = 0;
	e[2] = e[3] = 0;
	uint16_t c = watch_icmp_checksum(e, WATCH_ICMP_ECHO_LEN);
	e[2] = (uint8_t)(c >> 8);
	e[3] = (uint8_t)c;
}

static void test_replies(void **state)
{
	(void)state;
	uint8_t pkt[20 + WATCH_ICMP_ECHO_LEN] = {0x45, 0, 0, 84, 0, 0, 0, 0,
						 64, 1, 0, 0, 10, 1, 2, 3,
						 127, 0, 0, 1};
	uint16_t id, seq;
	uint32_t from;
	watch_icmp_echo(pkt + 20, 7, 9);
	reply_of(pkt + 20);
	/* Raw: the IPv4 header first, the sender kept. */
	assert_int_equal(watch_icmp_reply(pkt, sizeof(pkt), true, &id, &seq,
					  &from), 0);
	assert_int_equal(id, 7);
	assert_int_equal(seq, 9);
	assert_memory_equal(&from, "\x0a\x01\x02\x03", 4);
	/* Datagram: the ICMP message alone. */
	assert_int_equal(watch_icmp_reply(pkt + 20, WATCH_ICMP_ECHO_LEN, false,
					  &id, &seq, &from), 0);
	assert_int_equal(seq, 9);
	assert_int_equal(from, 0);
	/* Refused: a request, a bad sum (raw), short, not ICMP, not IPv4. */
	uint8_t bad[sizeof(pkt)];
	memcpy(bad, pkt, sizeof(pkt));
	bad[20] = 8;
	assert_int_equal(watch_icmp_reply(bad, sizeof(bad), true, &id, &seq,
					  &from), -1);
	memcpy(bad, pkt, sizeof(pkt));
	bad[30] ^= 1;
	assert_int_equal(watch_icmp_reply(bad, sizeof(bad), true, &id, &seq,
					  &from), -1);
	assert_int_equal(watch_icmp_reply(pkt, 27, true, &id, &seq, &from), -1);
	assert_int_equal(watch_icmp_reply(pkt + 20, 7, false, &id, &seq, &from),
			 -1);
	memcpy(bad, pkt, sizeof(pkt));
	bad[9] = 17;
	assert_int_equal(watch_icmp_reply(bad, sizeof(bad), true, &id, &seq,
					  &from), -1);
	memcpy(bad, pkt, sizeof(pkt));
	bad[0] = 0x65;
	assert_int_equal(watch_icmp_reply(bad, sizeof(bad), true, &id, &seq,
					  &from), -1);
	bad[0] = 0x44; /* IHL 16 bytes */
	assert_int_equal(watch_icmp_reply(bad, sizeof(bad), true, &id, &seq,
					  &from), -1);
}

static void test_icmpv6(void **state)
{
	(void)state;
	uint8_t e[WATCH_ICMP_ECHO_LEN];
	watch_icmp6_echo(e, 0x1234, 7);
	assert_int_equal(e[0], 128);
	assert_int_equal(e[1], 0);
	assert_int_equal(e[2] | e[3], 0); /* the kernel's to fill */
	assert_int_equal(e[4] << 8 | e[5], 0x1234);
	assert_int_equal(e[6] << 8 | e[7], 7);
	uint16_t id, seq;
	/* The request is not a reply; the reply is read back. */
	assert_int_equal(watch_icmp6_reply(e, sizeof(e), &id, &seq), -1);
	e[0] = 129;
	assert_int_equal(watch_icmp6_reply(e, sizeof(e), &id, &seq), 0);
	assert_int_equal(id, 0x1234);
	assert_int_equal(seq, 7);
	/* Too short, a code, another type (a neighbour advertisement). */
	assert_int_equal(watch_icmp6_reply(e, 7, &id, &seq), -1);
	e[1] = 1;
	assert_int_equal(watch_icmp6_reply(e, sizeof(e), &id, &seq), -1);
	e[1] = 0;
	e[0] = 136;
	assert_int_equal(watch_icmp6_reply(e, sizeof(e), &id, &seq), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_request),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_icmpv6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
