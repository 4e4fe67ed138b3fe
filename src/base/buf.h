/* SPDX-License-Identifier: MIT */
/* Growable byte buffer with printf-style appends and a hard size cap. */
#ifndef HEARTH_BASE_BUF_H
#define HEARTH_BASE_BUF_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>

/*
 * Caller-allocated value. The buffer owns ->data (malloc'd) until
 * buf_deinit() or buf_steal(). Once an append fails (out of memory or past
 * ->max), the buffer remembers it in ->err and further appends do nothing.
 */
struct buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len, cap;
	size_t max; /* 0: no cap */
	int err;    /* first error, 0 if none */
};

void buf_init(struct buf *b, size_t max);
void buf_deinit(struct buf *b);

int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Hands ->data to the caller (free() it); the buffer is left empty. */
char *buf_steal(struct buf *b, size_t *len);

/* The value of a hexadecimal digit (either case), or -1. */
int hex_digit(char c);

/* Compares two byte strings in time that depends only on their lengths. */
bool mem_const_eq(const void *a, size_t alen, const void *b, size_t blen);

#endif
