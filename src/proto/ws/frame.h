/* SPDX-License-Identifier: MIT */
/* WebSocket (RFC 6455) framing, server side: an incremental parser of client frames, headers of server frames. */
#ifndef HEARTH_PROTO_WS_FRAME_H
#define HEARTH_PROTO_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

/* Close codes the parser refuses a stream with. */
#define WS_CLOSE_PROTOCOL 1002
#define WS_CLOSE_TOO_BIG 1009
#define WS_CLOSE_NOMEM 1011

/*
 * A whole message (text, binary: fragments joined) or control frame
 * (close, ping, pong), unmasked; @data is valid during the call.
 * Returns false to stop parsing (the rest of the input is ignored).
 */
typedef bool (*ws_msg_fn)(int opcode, const uint8_t *data, size_t len,
			  void *ud);

/*
 * Caller-allocated, ws_parser_init'ed; ws_parser_free releases the
 * message buffer (allocated only while a message spans several reads or
 * frames, at most max_message bytes). Not thread-safe.
 */
struct ws_parser {
	size_t max_message;
	uint8_t hdr[14];
	uint8_t hlen;	   /* header bytes in hdr */
	uint8_t need;	   /* header bytes this frame has */
	uint8_t opcode;	   /* of the frame being read */
	bool fin;
	uint8_t mask[4];
	uint64_t left;	   /* payload bytes of the frame still to come */
	uint64_t moff;	   /* bytes of the frame's payload unmasked so far */
	uint8_t msg_op;	   /* a fragmented/partial data message: its opcode */
	bool in_msg;	   /* a data message has started (FIN not seen) */
	bool in_frame;	   /* the frame's payload is being read */
	uint8_t ctl[125];
	uint8_t ctl_len;
	uint8_t *msg;
	size_t msg_len, msg_cap;
};

void ws_parser_init(struct ws_parser *p, size_t max_message);
void ws_parser_free(struct ws_parser *p);

/*
 * Parses @len bytes of the client's stream (unmasked in place: @data is
 * modified), calling @fn for each whole message or control frame.
 * Returns 0, or the close code the connection must end with: 1002
 * (unmasked frame, reserved bits or opcode, a control frame fragmented or
 * over 125 bytes, a continuation out of place, a close frame of 1 byte),
 * 1009 (a message over max_message), 1011 (out of memory). After an
 * error or a false from @fn the parser must not be fed again.
 */
int ws_parse(struct ws_parser *p, uint8_t *data, size_t len, ws_msg_fn fn,
	     void *ud);

/* The header of an unmasked, final server frame of @opcode carrying @len
 * bytes; returns its length (2, 4 or 10). */
size_t ws_frame_header(uint8_t out[10], int opcode, uint64_t len);

#endif
