/* SPDX-License-Identifier: MIT */
/* Helpers rdata.c shares with rdata_more.c (the less common types). */
#ifndef HEARTH_PROTO_DNS_RDATA_PRIV_H
#define HEARTH_PROTO_DNS_RDATA_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/dns/name.h"

/* Internal to proto/dns/rdata*.c; pure functions, thread-safe. */

#define WHY_MAX 128

/* Shortens user text quoted in a reason. */
#define SHOW_MAX 40
#define SHOW(t) (int)((t)->len > SHOW_MAX ? SHOW_MAX : (t)->len), (t)->p

/* Text being written into a caller's buffer; @over once it did not fit. */
struct wr {
	char *out;
	size_t cap;
	size_t n;
	bool over;
};

/* A token of RDATA text: for a quoted string, the text between the
 * quotes, escapes still in place. */
struct tok {
	const char *p;
	size_t len;
	bool quoted;
};

struct lexer {
	const char *s;
	size_t len;
	size_t pos;
};

/* Wire RDATA being written into a caller's buffer. */
struct ob {
	uint8_t *p;
	size_t cap;
	size_t n;
};

void set_why(char *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Wire reading: an uncompressed name (@out may be NULL), a
 * <character-string>. 0 or -EBADMSG. */
int rd_name(const uint8_t *p, size_t len, size_t *off, struct dns_name *out);
int rd_cstr(const uint8_t *p, size_t len, size_t *off);

void w_mem(struct wr *w, const char *p, size_t n);
void w_str(struct wr *w, const char *s);
void w_fmt(struct wr *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void w_name(struct wr *w, const struct dns_name *n);
void w_quoted(struct wr *w, const uint8_t *p, size_t n);
void w_hex(struct wr *w, const uint8_t *p, size_t n); /* lower case */

/* 1 with a token, 0 at the end, -EINVAL (with @why) on a bad one. */
int rd_lex(struct lexer *lx, struct tok *t, char *why);
int rd_need(struct lexer *lx, struct tok *t, const char *what, char *why);
int rd_need_end(struct lexer *lx, char *why);
/* Next byte of a token with escapes decoded: 1, 0 at the end, -EINVAL. */
int dec_next(const struct tok *t, size_t *i, uint8_t *c);

int ob_put(struct ob *o, const void *p, size_t n);
int ob_u8(struct ob *o, uint32_t v);
int ob_u16(struct ob *o, uint32_t v);
int ob_u32(struct ob *o, uint32_t v);

int p_uint(const struct tok *t, uint32_t max, const char *what,
	   uint32_t *out, char *why);
int p_name(const struct tok *t, const struct dns_name *origin,
	   struct dns_name *out, char *why);
int put_name(struct ob *o, struct lexer *lx, const char *what,
	     const struct dns_name *origin, char *why);
int put_uint(struct ob *o, struct lexer *lx, const char *what,
	     unsigned bytes, char *why);
int put_cstr(struct ob *o, const struct tok *t, bool split, char *why);
/* The remaining tokens as hex digits, blanks between them allowed. */
int put_hex(struct ob *o, struct lexer *lx, char *why);
int from_addr(int af, struct lexer *lx, struct ob *o, char *why);

/*
 * The types rdata_more.c implements (RP, AFSDB, MB, MG, MR, LOC, NAPTR,
 * SSHFP, TLSA, DNSKEY, CDNSKEY, OPENPGPKEY, SVCB, HTTPS, EUI48,
 * EUI64, URI, ALIAS): rdx_known. rdx_check: 1 when @type is not one of them, else 0
 * or -EBADMSG. rdx_to_text and rdx_from_text are only called for them,
 * to_text after rdx_check passed.
 */
bool rdx_known(uint16_t type);
int rdx_check(uint16_t type, const uint8_t *p, size_t len);
void rdx_to_text(uint16_t type, const uint8_t *p, size_t len, struct wr *w);
int rdx_from_text(uint16_t type, struct lexer *lx, struct ob *o,
		  const struct dns_name *origin, char *why);

#endif
