/* SPDX-License-Identifier: MIT */
/* WebSocket (RFC 6455) framing, server side: an incremental parser of client frames, headers of server frames. */
#include "proto/ws/frame.h"

#include <stdlib.h>
#include <string.h>

void ws_parser_init(struct ws_parser *p, size_t max_message)
{
	memset(p, 0, sizeof(*p));
	p->max_message = max_message;
	p->need = 2;
}

void ws_parser_free(struct ws_parser *p)
{
	free(p->msg);
	p->msg = NULL;
	p->msg_len = p->msg_cap = 0;
}

size_t ws_frame_header(uint8_t out[10], int opcode, uint64_t len)
{
	out[0] = (uint8_t)(0x80 | (opcode & 0x0f));
	if (len < 126) {
		out[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		return 4;
	}
	out[1] = 127;
	for (int i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
	return 10;
}

static bool is_control(int op)
{
	return op & 0x8;
}

/* The header is whole: checks it and sets up the payload. */
static int header_done(struct ws_parser *p)
{
	const uint8_t *h = p->hdr;
	int op = h[0] & 0x0f;
	uint64_t len = h[1] & 0x7f;
	if (h[0] & 0x70)
		return WS_CLOSE_PROTOCOL; /* RSV bits: no extension agreed */
	if (!(h[1] & 0x80))
		return WS_CLOSE_PROTOCOL; /* clients must mask */
	if (op != WS_OP_CONT && op != WS_OP_TEXT && op != WS_OP_BINARY &&
	    op != WS_OP_CLOSE && op != WS_OP_PING && op != WS_OP_PONG)
		return WS_CLOSE_PROTOCOL;
	const uint8_t *m = h + 2;
	if (len == 126) {
		len = (uint64_t)h[2] << 8 | h[3];
		m = h + 4;
	} else if (len == 127) {
		len = 0;
		for (int i = 0; i < 8; i++)
			len = len << 8 | h[2 + i];
		if (len >> 63)
			return WS_CLOSE_PROTOCOL;
		m = h + 10;
	}
	p->fin = h[0] & 0x80;
	p->opcode = (uint8_t)op;
	memcpy(p->mask, m, 4);
	if (is_control(op)) {
		if (!p->fin || len > 125)
			return WS_CLOSE_PROTOCOL;
		if (op == WS_OP_CLOSE && len == 1)
			return WS_CLOSE_PROTOCOL;
		p->ctl_len = 0;
	} else if (op == WS_OP_CONT) {
		if (!p->in_msg)
			return WS_CLOSE_PROTOCOL;
	} else {
		if (p->in_msg)
			return WS_CLOSE_PROTOCOL; /* a new message mid-message */
		p->in_msg = true;
		p->msg_op = (uint8_t)op;
		p->msg_len = 0;
	}
	if (!is_control(op) && len > p->max_message - p->msg_len)
		return WS_CLOSE_TOO_BIG;
	p->left = len;
	p->moff = 0;
	p->in_frame = true;
	return 0;
}

static void unmask(struct ws_parser *p, uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] ^= p->mask[(p->moff + i) & 3];
	p->moff += n;
}

static int append_msg(struct ws_parser *p, const uint8_t *d, size_t n)
{
	if (p->msg_len + n > p->msg_cap) {
		size_t cap = p->msg_cap ? p->msg_cap : 256;
		while (cap < p->msg_len + n)
			cap *= 2;
		if (cap > p->max_message)
			cap = p->max_message;
		uint8_t *m = realloc(p->msg, cap);
		if (!m)
			return WS_CLOSE_NOMEM;
		p->msg = m;
		p->msg_cap = cap;
	}
	memcpy(p->msg + p->msg_len, d, n);
	p->msg_len += n;
	return 0;
}

/* The frame's payload is in: deliver what is whole. -1: stop. */
static int frame_done(struct ws_parser *p, ws_msg_fn fn, void *ud)
{
	p->in_frame = false;
	p->hlen = 0;
	p->need = 2;
	if (is_control(p->opcode))
		return fn(p->opcode, p->ctl, p->ctl_len, ud) ? 0 : -1;
	if (!p->fin)
		return 0;
	p->in_msg = false;
	bool go = fn(p->msg_op, p->msg ? p->msg : (const uint8_t *)"",
		     p->msg_len, ud);
	ws_parser_free(p);
	return go ? 0 : -1;
}

int ws_parse(struct ws_parser *p, uint8_t *data, size_t len, ws_msg_fn fn,
	     void *ud)
{
	while (len) {
		if (!p->in_frame) {
			p->hdr[p->hlen++] = *data++;
			len--;
			if (p->hlen == 2) {
				uint8_t l = p->hdr[1] & 0x7f;
				p->need = (uint8_t)(2 + (l == 126 ? 2 : l == 127 ? 8 : 0) +
						    (p->hdr[1] & 0x80 ? 4 : 0));
			}
			if (p->hlen < p->need)
				continue;
			int rc = header_done(p);
			if (rc)
				return rc;
			if (!p->left && (rc = frame_done(p, fn, ud)))
				return rc < 0 ? 0 : rc;
			continue;
		}
		size_t n = p->left < len ? (size_t)p->left : len;
		unmask(p, data, n);
		int rc = 0;
		if (is_control(p->opcode)) {
			memcpy(p->ctl + p->ctl_len, data, n);
			p->ctl_len = (uint8_t)(p->ctl_len + n);
		} else if (p->fin && p->opcode != WS_OP_CONT && n == p->left &&
			   !p->msg_len) {
			/* A whole one-frame message in this read: no copy. */
			p->in_frame = false;
			p->in_msg = false;
			p->hlen = 0;
			p->need = 2;
			p->left = 0;
			if (!fn(p->msg_op, data, n, ud))
				return 0;
			data += n;
			len -= n;
			continue;
		} else {
			rc = append_msg(p, data, n);
		}
		if (rc)
			return rc;
		data += n;
		len -= n;
		p->left -= n;
		if (!p->left && (rc = frame_done(p, fn, ud)))
			return rc < 0 ? 0 : rc;
	}
	return 0;
}
