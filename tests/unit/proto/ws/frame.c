/* SPDX-License-Identifier: MIT */
/* Unit tests of proto/ws/frame: client frames parsed across any split, fragments, control frames, refusals, server headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "proto/ws/frame.h"

struct got {
	int op[16];
	char data[16][300];
	size_t len[16];
	int n;
	int stop_after; /* 0: never */
};

static bool collect(int op, const uint8_t *data, size_t len, void *ud)
{
	struct got *g = ud;
	assert_true(g->n < 16);
	g->op[g->n] = op;
	assert_true(len <= sizeof(g->data[0]));
	memcpy(g->data[g->n], data, len);
	g->len[g->n++] = len;
	return !g->stop_after || g->n < g->stop_after;
}

/* A masked client frame of @op with @payload into @out; its length. */
static size_t client_frame(uint8_t *out, int op, bool fin, const char *payload,
			   size_t len)
{
	static const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
	size_t h = 0;
	out[h++] = (uint8_t)((fin ? 0x80 : 0) | op);
	if (len < 126) {
		out[h++] = (uint8_t)(0x80 | len);
	} else {
		out[h++] = 0x80 | 126;
		out[h++] = (uint8_t)(len >> 8);
		out[h++] = (uint8_t)len;
	}
	memcpy(out + h, mask, 4);
	h += 4;
	for (size_t i = 0; i < len; i++)
		out[h + i] = (uint8_t)payload[i] ^ mask[i & 3];
	return h + len;
}

static void test_ws_whole_and_split_messages(void **state)
{
	(void)state;
	uint8_t stream[1024];
	char big[200];
	memset(big, 'b', sizeof(big));
	size_t n = client_frame(stream, WS_OP_TEXT, true, "Hello", 5);
	n += client_frame(stream + n, WS_OP_BINARY, true, big, sizeof(big));
	n += client_frame(stream + n, WS_OP_PING, true, "pi", 2);
	/* Every split point gives the same messages. */
	for (size_t cut = 0; cut <= n; cut++) {
		uint8_t copy[1024];
		memcpy(copy, stream, n);
		struct ws_parser p;
		struct got g = {0};
		ws_parser_init(&p, 1000);
		assert_int_equal(ws_parse(&p, copy, cut, collect, &g), 0);
		assert_int_equal(ws_parse(&p, copy + cut, n - cut, collect, &g), 0);
		assert_int_equal(g.n, 3);
		assert_int_equal(g.op[0], WS_OP_TEXT);
		assert_int_equal(g.len[0], 5);
		assert_memory_equal(g.data[0], "Hello", 5);
		assert_int_equal(g.op[1], WS_OP_BINARY);
		assert_int_equal(g.len[1], sizeof(big));
		assert_memory_equal(g.data[1], big, sizeof(big));
		assert_int_equal(g.op[2], WS_OP_PING);
		assert_memory_equal(g.data[2], "pi", 2);
		ws_parser_free(&p);
		assert_null(p.msg);
	}
}

static void test_ws_fragments_with_control_between(void **state)
{
	(void)state;
	uint8_t s[256];
	size_t n = client_frame(s, WS_OP_TEXT, false, "frag", 4);
	n += client_frame(s + n, WS_OP_PONG, true, "", 0);
	n += client_frame(s + n, WS_OP_CONT, false, "men", 3);
	n += client_frame(s + n, WS_OP_CONT, true, "ted", 3);
	n += client_frame(s + n, WS_OP_CLOSE, true, "\x03\xe8" "bye", 5);
	struct ws_parser p;
	struct got g = {0};
	ws_parser_init(&p, 1000);
	assert_int_equal(ws_parse(&p, s, n, collect, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.op[0], WS_OP_PONG);
	assert_int_equal(g.op[1], WS_OP_TEXT);
	assert_int_equal(g.len[1], 10);
	assert_memory_equal(g.data[1], "fragmented", 10);
	assert_int_equal(g.op[2], WS_OP_CLOSE);
	assert_memory_equal(g.data[2], "\x03\xe8" "bye", 5);
	ws_parser_free(&p);
}

static void test_ws_stop_from_callback(void **state)
{
	(void)state;
	uint8_t s[64];
	size_t n = client_frame(s, WS_OP_TEXT, true, "a", 1);
	n += client_frame(s + n, WS_OP_TEXT, true, "b", 1);
	struct ws_parser p;
	struct got g = {.stop_after = 1};
	ws_parser_init(&p, 1000);
	assert_int_equal(ws_parse(&p, s, n, collect, &g), 0);
	assert_int_equal(g.n, 1);
	ws_parser_free(&p);
}

static int parse_one(const uint8_t *frame, size_t len, size_t max)
{
	uint8_t copy[512];
	memcpy(copy, frame, len);
	struct ws_parser p;
	struct got g = {0};
	ws_parser_init(&p, max);
	int rc = ws_parse(&p, copy, len, collect, &g);
	ws_parser_free(&p);
	return rc;
}

static void test_ws_refusals(void **state)
{
	(void)state;
	uint8_t f[512];
	/* Unmasked, reserved opcode, RSV bits, a 2^64-1 length. */
	assert_int_equal(parse_one((const uint8_t *)"\x81\x05hello", 7, 1000), 1002);
	assert_int_equal(parse_one((const uint8_t *)"\x83\x80\0\0\0\0", 6, 1000), 1002);
	assert_int_equal(parse_one((const uint8_t *)"\xf1\x80\0\0\0\0", 6, 1000), 1002);
	assert_int_equal(parse_one((const uint8_t *)"\x81\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0\0\0",
				   14, 1000), 1002);
	/* A ping over 125 bytes, a fragmented ping, a 1-byte close. */
	char pl[200];
	memset(pl, 'p', sizeof(pl));
	assert_int_equal(parse_one(f, client_frame(f, WS_OP_PING, true, pl, 126), 1000), 1002);
	assert_int_equal(parse_one(f, client_frame(f, WS_OP_PING, false, "x", 1), 1000), 1002);
	assert_int_equal(parse_one(f, client_frame(f, WS_OP_CLOSE, true, "x", 1), 1000), 1002);
	/* A continuation with nothing to continue; a new message mid-message. */
	assert_int_equal(parse_one(f, client_frame(f, WS_OP_CONT, true, "x", 1), 1000), 1002);
	size_t n = client_frame(f, WS_OP_TEXT, false, "x", 1);
	n += client_frame(f + n, WS_OP_TEXT, true, "y", 1);
	assert_int_equal(parse_one(f, n, 1000), 1002);
	/* Over max_message: in one frame, and summed over fragments. */
	assert_int_equal(parse_one(f, client_frame(f, WS_OP_TEXT, true, pl, 101), 100), 1009);
	n = client_frame(f, WS_OP_TEXT, false, pl, 60);
	n += client_frame(f + n, WS_OP_CONT, true, pl, 41);
	assert_int_equal(parse_one(f, n, 100), 1009);
	n = client_frame(f, WS_OP_TEXT, false, pl, 60);
	n += client_frame(f + n, WS_OP_CONT, true, pl, 40);
	assert_int_equal(parse_one(f, n, 100), 0);
}

static void test_ws_server_headers(void **state)
{
	(void)state;
	uint8_t h[10];
	assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 5), 2);
	assert_memory_equal(h, "\x81\x05", 2);
	assert_int_equal(ws_frame_header(h, WS_OP_BINARY, 126), 4);
	assert_memory_equal(h, "\x82\x7e\x00\x7e", 4);
	assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 65535), 4);
	assert_memory_equal(h, "\x81\x7e\xff\xff", 4);
	assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 65536), 10);
	assert_memory_equal(h, "\x81\x7f\0\0\0\0\0\x01\0\0", 10);
	assert_int_equal(ws_frame_header(h, WS_OP_CLOSE, 2), 2);
	assert_memory_equal(h, "\x88\x02", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ws_whole_and_split_messages),
		cmocka_unit_test(test_ws_fragments_with_control_between),
		cmocka_unit_test(test_ws_stop_from_callback),
		cmocka_unit_test(test_ws_refusals),
		cmocka_unit_test(test_ws_server_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
