/* SPDX-License-Identifier: MIT */
/* JSON pieces spelled exactly as Go's encoding/json (go1.19, restic 0.14) writes them: strings, RFC 3339 times, base64. */
#ifndef HEARTH_PROTO_BACKUP_GOJSON_H
#define HEARTH_PROTO_BACKUP_GOJSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* A wall-clock time as Go's time.Time carries it through JSON: unix seconds,
 * nanoseconds, and the zone's offset east of UTC in seconds (0 prints "Z"). */
struct bk_time {
	int64_t sec;
	int32_t nsec;	/* 0..999999999 */
	int32_t off;	/* -86399..86399 */
};

/* Go's zero time.Time, "0001-01-01T00:00:00Z". */
#define BK_TIME_ZERO_SEC (-62135596800LL)

/* Appends s[0..n) as a quoted JSON string with Go's escapes: \" \\ \n \r \t,
 * other controls and < > & as \u00XX, U+2028/9 escaped, each invalid UTF-8
 * byte as \ufffd. */
void bk_json_string(struct buf *b, const char *s, size_t n);
/* Appends the quoted RFC 3339 time with nanoseconds (trailing zeros trimmed).
 * -EINVAL when the year falls outside 0..9999 (Go refuses to marshal it). */
int bk_json_time(struct buf *b, const struct bk_time *t);
/* Parses what Go's time.Time UnmarshalJSON accepts from restic: the text
 * between the quotes, "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)". */
int bk_time_parse(const char *s, size_t n, struct bk_time *t);
/* restic stores node names Go-quoted (strconv.Quote without its quotes)
 * inside the JSON string. bk_go_quote appends that form of s[0..n):
 * \" \\ \a \b \f \n \r \t \v, \xHH for other controls and invalid
 * UTF-8 bytes, \uHHHH / \UHHHHHHHH for non-printable runes, printable
 * runes as they are. */
void bk_go_quote(struct buf *b, const char *s, size_t n);
/* strconv.Unquote of "s": the bytes into a malloc'd, NUL-terminated *out.
 * -EINVAL for what Go refuses (a bad escape, a raw quote or newline). */
int bk_go_unquote(const char *s, size_t n, char **out, size_t *outlen);
/* The one base64 of the backup code (standard alphabet, '=' padding, as Go's
 * encoding/base64.StdEncoding reads and writes it). Pure, any thread. */
/* Writes the 4 * ((n + 2) / 3) characters of p[0..n) to @out (no NUL); returns that count. */
size_t bk_base64_encode_to(const uint8_t *p, size_t n, char *out);
/* Decodes s[0..n) into @out (at most @cap bytes): the length, or -EINVAL when
 * it is not padded base64 or decodes to more than @cap bytes. */
long bk_base64_decode_to(const char *s, size_t n, uint8_t *out, size_t cap);
/* Appends the quoted standard base64 (with padding) of p[0..n). */
void bk_json_base64(struct buf *b, const uint8_t *p, size_t n);
/* Decodes standard base64 with padding (as Go's []byte unmarshal wants) into
 * a malloc'd buffer the caller frees (*out non-NULL even when empty). */
int bk_base64_decode(const char *s, size_t n, uint8_t **out, size_t *outlen);

#endif
