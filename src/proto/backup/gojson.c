/* SPDX-License-Identifier: MIT */
/* Go encoding/json's spelling of strings, times and byte slices (see gojson.h). */
#include "proto/backup/gojson.h"

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <wctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hexd[] = "0123456789abcdef";

/* Length of the valid UTF-8 sequence at p (Go's utf8.DecodeRune rules), 0 if invalid. */
static size_t utf8_len(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint8_t c = p[0];
	size_t len;
	uint8_t lo = 0x80, hi = 0xbf;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	uint32_t v = c & (0x7f >> len);
	v = v << 6 | (p[1] & 0x3f);
	for (size_t i = 2; i < len; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	*cp = v;
	return len;
}

void bk_json_string(struct buf *b, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t start = 0, i = 0;

	buf_append(b, "\"", 1);
	while (i < n) {
		uint8_t c = p[i];
		if (c < 0x80) {
			if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
				i++;
				continue;
			}
			buf_append(b, s + start, i - start);
			char esc[6] = {'\\', 0};
			switch (c) {
			case '"': case '\\': esc[1] = (char)c; buf_append(b, esc, 2); break;
			case '\n': buf_append(b, "\\n", 2); break;
			case '\r': buf_append(b, "\\r", 2); break;
			case '\t': buf_append(b, "\\t", 2); break;
			default:
				memcpy(esc, "\\u00", 4);
				esc[4] = hexd[c >> 4];
				esc[5] = hexd[c & 15];
				buf_append(b, esc, 6);
			}
			start = ++i;
			continue;
		}
		uint32_t cp;
		size_t len = utf8_len(p + i, n - i, &cp);
		if (len == 0) {
			buf_append(b, s + start, i - start);
			buf_append(b, "\\ufffd", 6);
			start = ++i;
			continue;
		}
		if (cp == 0x2028 || cp == 0x2029) {
			buf_append(b, s + start, i - start);
			buf_append(b, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
			i += len;
			start = i;
			continue;
		}
		i += len;
	}
	buf_append(b, s + start, n - start);
	buf_append(b, "\"", 1);
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int bk_json_time(struct buf *b, const struct bk_time *t)
{
	int64_t local = t->sec + t->off, y;
	int64_t days = floordiv(local, 86400), rem = local - days * 86400;
	unsigned m, d;
	char frac[11] = "";

	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999 || t->nsec < 0 || t->nsec > 999999999)
		return -EINVAL;
	if (t->nsec) {
		int32_t ns = t->nsec;
		frac[0] = '.';
		for (int i = 9; i >= 1; i--, ns /= 10)
			frac[i] = (char)('0' + ns % 10);
		int end = 9;
		while (frac[end] == '0')
			end--;
		frac[end + 1] = 0;
	}
	buf_printf(b, "\"%04d-%02u-%02uT%02d:%02d:%02d%s", (int)y, m, d, (int)(rem / 3600),
		   (int)(rem / 60 % 60), (int)(rem % 60), frac);
	if (t->off == 0) {
		buf_puts(b, "Z\"");
	} else {
		int32_t o = t->off < 0 ? -t->off : t->off;
		buf_printf(b, "%c%02d:%02d\"", t->off < 0 ? '-' : '+', o / 3600, o / 60 % 60);
	}
	return 0;
}

static int digits(const char *s, size_t n, int *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int bk_time_parse(const char *s, size_t n, struct bk_time *t)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0;
	size_t i = 19;
	int32_t ns = 0;

	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return -EINVAL;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return -EINVAL;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
	    h > 23 || mi > 59 || se > 59)
		return -EINVAL;
	if (s[i] == '.' || s[i] == ',') {
		size_t k = 0;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++)
			if (k < 9)
				ns = ns * 10 + (s[i] - '0');
		if (k == 0)
			return -EINVAL;
		for (; k < 9; k++)
			ns *= 10;
	}
	if (i == n - 1 && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		if (digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
		if (s[i] == '-') {
			oh = -oh;
			om = -om;
		}
		i += 6;
	}
	if (i != n)
		return -EINVAL;
	t->off = oh * 3600 + om * 60;
	t->sec = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - t->off;
	t->nsec = ns;
	return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* One group of up to 3 bytes as 4 characters, '='-padded. */
static void b64_quad(const uint8_t *p, size_t n, char q[4])
{
	uint32_t v = (uint32_t)p[0] << 16;

	if (n > 1)
		v |= (uint32_t)p[1] << 8;
	if (n > 2)
		v |= p[2];
	q[0] = b64[v >> 18];
	q[1] = b64[v >> 12 & 63];
	q[2] = n > 1 ? b64[v >> 6 & 63] : '=';
	q[3] = n > 2 ? b64[v & 63] : '=';
}

size_t bk_base64_encode_to(const uint8_t *p, size_t n, char *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i += 3, k += 4)
		b64_quad(p + i, n - i, out + k);
	return k;
}

void bk_json_base64(struct buf *b, const uint8_t *p, size_t n)
{
	char q[4];

	buf_append(b, "\"", 1);
	for (size_t i = 0; i < n; i += 3) {
		b64_quad(p + i, n - i, q);
		buf_append(b, q, 4);
	}
	buf_append(b, "\"", 1);
}

static int b64val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

long bk_base64_decode_to(const char *s, size_t n, uint8_t *out, size_t cap)
{
	size_t k = 0;

	if (n % 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		bool last = i + 4 == n;
		for (int j = 0; j < 4; j++) {
			v[j] = b64val(s[i + j]);
			if (v[j] < 0 && !(last && j >= 2 && s[i + j] == '=' && (j == 3 || s[i + 3] == '=')))
				return -EINVAL;
		}
		if (k + 1 + (v[2] >= 0) + (v[3] >= 0) > cap)
			return -EINVAL;
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12;
		if (v[2] >= 0)
			w |= (uint32_t)v[2] << 6;
		if (v[3] >= 0)
			w |= (uint32_t)v[3];
		out[k++] = (uint8_t)(w >> 16);
		if (v[2] >= 0)
			out[k++] = (uint8_t)(w >> 8);
		if (v[3] >= 0)
			out[k++] = (uint8_t)w;
	}
	return (long)k;
}

int bk_base64_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
	size_t cap = n / 4 * 3;
	uint8_t *o;
	long k;

	if (n % 4)
		return -EINVAL;
	o = malloc(cap + 1);
	if (!o)
		return -ENOMEM;
	k = bk_base64_decode_to(s, n, o, cap);
	if (k < 0) {
		free(o);
		return (int)k;
	}
	*out = o;
	*outlen = (size_t)k;
	return 0;
}

static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_init(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Go's strconv.IsPrint, approximated for non-ASCII with the C library's
 * Unicode tables: printable but no space other than U+0020, no format or
 * private-use characters. */
static bool go_is_print(uint32_t r)
{
	if (r < 0x80)
		return r >= 0x20 && r < 0x7f;
	if (r <= 0xa0 || r == 0xad || r == 0x1680 || (r >= 0x2000 && r <= 0x200f) ||
	    (r >= 0x2028 && r <= 0x202f) || (r >= 0x205f && r <= 0x206f) || r == 0x3000 ||
	    r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb) || (r >= 0xe000 && r <= 0xf8ff) ||
	    (r >= 0xe0000 && r <= 0xe007f) || r >= 0xf0000 || (r & 0xfffe) == 0xfffe)
		return false;
	pthread_once(&utf8_once, utf8_init);
	if (!utf8_locale)
		return true;
	return iswprint_l((wint_t)r, utf8_locale) != 0;
}

void bk_go_quote(struct buf *b, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	char e[12];

	for (size_t i = 0; i < n;) {
		uint32_t r;
		size_t len = utf8_len(p + i, n - i, &r);
		if (len == 0) {
			snprintf(e, sizeof e, "\\x%c%c", hexd[p[i] >> 4], hexd[p[i] & 15]);
			buf_puts(b, e);
			i++;
			continue;
		}
		if (r == '"' || r == '\\') {
			e[0] = '\\';
			e[1] = (char)r;
			buf_append(b, e, 2);
		} else if (go_is_print(r)) {
			buf_append(b, s + i, len);
		} else {
			const char *esc = NULL;
			switch (r) {
			case '\a': esc = "\\a"; break;
			case '\b': esc = "\\b"; break;
			case '\f': esc = "\\f"; break;
			case '\n': esc = "\\n"; break;
			case '\r': esc = "\\r"; break;
			case '\t': esc = "\\t"; break;
			case '\v': esc = "\\v"; break;
			default: break;
			}
			if (esc)
				buf_puts(b, esc);
			else if (r < 0x20 || r == 0x7f)
				buf_printf(b, "\\x%02x", r);
			else if (r < 0x10000)
				buf_printf(b, "\\u%04x", r);
			else
				buf_printf(b, "\\U%08x", r);
		}
		i += len;
	}
}

static int hexval(const char *s, size_t n, uint32_t *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hex_digit(s[i]);
		if (d < 0)
			return -EINVAL;
		*v = *v << 4 | (uint32_t)d;
	}
	return 0;
}

static void put_utf8(struct buf *b, uint32_t r)
{
	uint8_t o[4];
	size_t n;

	if (r < 0x80) {
		o[0] = (uint8_t)r;
		n = 1;
	} else if (r < 0x800) {
		o[0] = (uint8_t)(0xc0 | r >> 6);
		o[1] = (uint8_t)(0x80 | (r & 0x3f));
		n = 2;
	} else if (r < 0x10000) {
		o[0] = (uint8_t)(0xe0 | r >> 12);
		o[1] = (uint8_t)(0x80 | (r >> 6 & 0x3f));
		o[2] = (uint8_t)(0x80 | (r & 0x3f));
		n = 3;
	} else {
		o[0] = (uint8_t)(0xf0 | r >> 18);
		o[1] = (uint8_t)(0x80 | (r >> 12 & 0x3f));
		o[2] = (uint8_t)(0x80 | (r >> 6 & 0x3f));
		o[3] = (uint8_t)(0x80 | (r & 0x3f));
		n = 4;
	}
	buf_append(b, o, n);
}

int bk_go_unquote(const char *s, size_t n, char **out, size_t *outlen)
{
	struct buf b;
	size_t i = 0;

	buf_init(&b, 0);
	buf_append(&b, "", 0);
	while (i < n) {
		char c = s[i];
		if (c == '"' || c == '\n')
			goto bad;
		if (c != '\\') {
			buf_append(&b, s + i, 1);
			i++;
			continue;
		}
		if (++i >= n)
			goto bad;
		c = s[i++];
		uint32_t v;
		switch (c) {
		case 'a': buf_append(&b, "\a", 1); break;
		case 'b': buf_append(&b, "\b", 1); break;
		case 'f': buf_append(&b, "\f", 1); break;
		case 'n': buf_append(&b, "\n", 1); break;
		case 'r': buf_append(&b, "\r", 1); break;
		case 't': buf_append(&b, "\t", 1); break;
		case 'v': buf_append(&b, "\v", 1); break;
		case '\\': buf_append(&b, "\\", 1); break;
		case '"': buf_append(&b, "\"", 1); break;
		case 'x':
			if (i + 2 > n || hexval(s + i, 2, &v))
				goto bad;
			{
				uint8_t byte = (uint8_t)v;
				buf_append(&b, &byte, 1);
			}
			i += 2;
			break;
		case 'u':
		case 'U': {
			size_t k = c == 'u' ? 4 : 8;
			if (i + k > n || hexval(s + i, k, &v) || v > 0x10ffff || (v >= 0xd800 && v < 0xe000))
				goto bad;
			put_utf8(&b, v);
			i += k;
			break;
		}
		case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
			if (i + 2 > n)
				goto bad;
			v = (uint32_t)(c - '0');
			for (int k = 0; k < 2; k++) {
				if (s[i] < '0' || s[i] > '7')
					goto bad;
				v = v * 8 + (uint32_t)(s[i++] - '0');
			}
			if (v > 255)
				goto bad;
			{
				uint8_t byte = (uint8_t)v;
				buf_append(&b, &byte, 1);
			}
			break;
		default:
			goto bad;
		}
	}
	if (b.err)
		goto bad;
	*out = buf_steal(&b, outlen);
	return 0;
bad:
	buf_deinit(&b);
	return -EINVAL;
}
