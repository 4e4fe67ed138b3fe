/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the WebSocket frame parser on client bytes, whole and split in two at every tenth byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ws/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
	size_t bytes, n;
};

static bool count(int op, const uint8_t *d, size_t len, void *ud)
{
	struct tally *t = ud;
	/* Whatever is delivered is a known opcode within its bounds. */
	if (op != WS_OP_TEXT && op != WS_OP_BINARY && op != WS_OP_CLOSE &&
	    op != WS_OP_PING && op != WS_OP_PONG)
		abort();
	if ((op & 0x8) && len > 125)
		abort();
	if (len > 4096 && !(op & 0x8))
		abort();
	for (size_t i = 0; i < len; i++)
		t->bytes += d[i];
	t->n++;
	return t->n < 1000;
}

static void run(const uint8_t *data, size_t size, size_t cut)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return;
	memcpy(copy, data, size);
	struct ws_parser p;
	struct tally t = {0};
	ws_parser_init(&p, 4096);
	int rc = ws_parse(&p, copy, cut, count, &t);
	if (!rc && t.n < 1000)
		rc = ws_parse(&p, copy + cut, size - cut, count, &t);
	if (rc && rc != WS_CLOSE_PROTOCOL && rc != WS_CLOSE_TOO_BIG &&
	    rc != WS_CLOSE_NOMEM)
		abort();
	ws_parser_free(&p);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, size);
	for (size_t cut = 0; cut < size; cut += 10)
		run(data, size, cut);
	return 0;
}
