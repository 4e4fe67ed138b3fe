/* SPDX-License-Identifier: MIT */
/* ntfy's parameter values: booleans, priorities, tags, durations, delays, since=, MIME words. */
#include "proto/notify/ntfy_params.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trims @s/@len in place. */
static void trim(const char **s, size_t *len)
{
	while (*len && is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_blank((*s)[*len - 1]))
		(*len)--;
}

static bool eq(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

const char *ntfy_param(ntfy_get_fn get, void *ud, const char *const *aliases,
		       size_t *len)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; aliases[i]; i++) {
			char name[64];
			const char *a = aliases[i];
			size_t n = strlen(a);
			if (n >= sizeof(name))
				continue;
			for (size_t k = 0; k <= n; k++)
				name[k] = pass ? (char)tolower((unsigned char)a[k])
					       : a[k];
			const char *v = get(ud, name, pass == 0);
			if (!v)
				continue;
			size_t l = strlen(v);
			trim(&v, &l);
			if (l) {
				*len = l;
				return v;
			}
		}
	}
	*len = 0;
	return NULL;
}

int ntfy_parse_bool(const char *s, size_t len, bool *out)
{
	trim(&s, &len);
	if (eq(s, len, "1") || eq(s, len, "yes") || eq(s, len, "true")) {
		*out = true;
		return 0;
	}
	if (eq(s, len, "0") || eq(s, len, "no") || eq(s, len, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

int ntfy_parse_priority(const char *s, size_t len, int *out)
{
	static const struct {
		const char *name;
		int p;
	} names[] = {
		{"1", 1}, {"min", 1}, {"2", 2}, {"low", 2}, {"3", 3},
		{"default", 3}, {"4", 4}, {"high", 4}, {"5", 5}, {"max", 5},
		{"urgent", 5},
	};
	trim(&s, &len);
	if (!len) {
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (eq(s, len, names[i].name)) {
			*out = names[i].p;
			return 0;
		}
	return -EINVAL;
}

/* Seconds of one duration unit, or 0 when @u is none. */
static int64_t unit_seconds(const char *u, size_t n)
{
	static const struct {
		const char *name;
		int64_t s;
	} units[] = {
		{"s", 1}, {"sec", 1}, {"secs", 1}, {"second", 1},
		{"seconds", 1}, {"m", 60}, {"min", 60}, {"mins", 60},
		{"minute", 60}, {"minutes", 60}, {"h", 3600}, {"hr", 3600},
		{"hrs", 3600}, {"hour", 3600}, {"hours", 3600},
		{"d", 86400}, {"day", 86400}, {"days", 86400},
		{"w", 604800}, {"week", 604800}, {"weeks", 604800},
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (eq(u, n, units[i].name))
			return units[i].s;
	return 0;
}

/* Durations: one or more NUMBER[.FRACTION] [blank] UNIT, summed. "ms",
 * "us" and "ns" count as fractions of a second (Go's units). */
int ntfy_parse_duration(const char *s, size_t len, int64_t *out)
{
	trim(&s, &len);
	if (!len)
		return -EINVAL;
	/* In thousandths of a second, so "1.5s" and "500ms" add up. */
	int64_t total_ms = 0;
	size_t i = 0;
	while (i < len) {
		int64_t whole = 0, frac = 0, frac_div = 1;
		size_t d0 = i;
		while (i < len && isdigit((unsigned char)s[i])) {
			if (whole > INT64_C(100000000000))
				return -EINVAL;
			whole = whole * 10 + (s[i++] - '0');
		}
		if (i < len && s[i] == '.') {
			i++;
			while (i < len && isdigit((unsigned char)s[i])) {
				if (frac_div < 1000000) {
					frac = frac * 10 + (s[i] - '0');
					frac_div *= 10;
				}
				i++;
			}
		}
		if (i == d0)
			return -EINVAL;
		while (i < len && is_blank(s[i]))
			i++;
		size_t u0 = i;
		while (i < len && isalpha((unsigned char)s[i]))
			i++;
		size_t un = i - u0;
		int64_t unit_ms;
		if (eq(s + u0, un, "ms"))
			unit_ms = 1;
		else if (eq(s + u0, un, "us") || eq(s + u0, un, "ns"))
			unit_ms = 0;
		else if (unit_seconds(s + u0, un))
			unit_ms = unit_seconds(s + u0, un) * 1000;
		else
			return -EINVAL;
		/* A century is absurd enough (and keeps the sums in range). */
		const int64_t century_ms = INT64_C(1000) * 100 * 365 * 86400;
		if (unit_ms && whole > century_ms / unit_ms)
			return -EINVAL;
		total_ms += whole * unit_ms + frac * unit_ms / frac_div;
		if (total_ms > century_ms)
			return -EINVAL;
		while (i < len && is_blank(s[i]))
			i++;
	}
	*out = total_ms / 1000;
	return 0;
}

static bool all_digits(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int parse_int(const char *s, size_t len, int64_t *out)
{
	if (!all_digits(s, len) || len > 15)
		return -EINVAL;
	int64_t v = 0;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (s[i] - '0');
	*out = v;
	return 0;
}

/* The words of a natural delay, lower-cased, at most 8 of 15 chars. "9am"
 * stays one word; "9 am" two (joined by parse_clock). */
struct words {
	char w[8][16];
	size_t n;
};

static int split_words(const char *s, size_t len, struct words *ws)
{
	ws->n = 0;
	size_t i = 0;
	while (i < len) {
		while (i < len && (is_blank(s[i]) || s[i] == ','))
			i++;
		if (i == len)
			break;
		size_t j = i;
		while (j < len && !is_blank(s[j]) && s[j] != ',')
			j++;
		if (ws->n == 8 || j - i >= sizeof(ws->w[0]))
			return -EINVAL;
		for (size_t k = i; k < j; k++)
			ws->w[ws->n][k - i] = (char)tolower((unsigned char)s[k]);
		ws->w[ws->n][j - i] = '\0';
		ws->n++;
		i = j;
	}
	return 0;
}

/* "9am", "9:30pm", "17:00", "9", "noon", "midnight" (with @next, the
 * word after, for "9 am") -> seconds into the day. Returns the words
 * used (1 or 2), or 0 when it is not a time. */
static int parse_clock(const char *w, const char *next, int64_t *sec)
{
	if (strcmp(w, "noon") == 0) {
		*sec = 12 * 3600;
		return 1;
	}
	if (strcmp(w, "midnight") == 0) {
		*sec = 0;
		return 1;
	}
	const char *p = w;
	int h = 0, m = 0, nd = 0;
	while (isdigit((unsigned char)*p) && nd < 3) {
		h = h * 10 + (*p++ - '0');
		nd++;
	}
	if (!nd || nd > 2)
		return 0;
	bool has_min = false;
	if (*p == ':') {
		p++;
		if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
			return 0;
		m = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		has_min = true;
	}
	int used = 1;
	const char *ampm = p;
	if (!*ampm && next && (strcmp(next, "am") == 0 || strcmp(next, "pm") == 0 ||
			       strcmp(next, "a.m.") == 0 || strcmp(next, "p.m.") == 0)) {
		ampm = next;
		used = 2;
	}
	if (*ampm) {
		bool pm;
		if (strcmp(ampm, "am") == 0 || strcmp(ampm, "a.m.") == 0)
			pm = false;
		else if (strcmp(ampm, "pm") == 0 || strcmp(ampm, "p.m.") == 0)
			pm = true;
		else
			return 0;
		if (h < 1 || h > 12)
			return 0;
		h = h % 12 + (pm ? 12 : 0);
	} else if (!has_min) {
		return 0; /* a bare number is not a time of day */
	}
	if (h > 23 || m > 59)
		return 0;
	*sec = h * 3600 + m * 60;
	return used;
}

static int weekday(const char *w)
{
	static const char *const days[] = {"sunday", "monday", "tuesday",
					   "wednesday", "thursday", "friday",
					   "saturday"};
	for (int i = 0; i < 7; i++)
		if (strcmp(w, days[i]) == 0 ||
		    (strlen(w) == 3 && strncmp(w, days[i], 3) == 0))
			return i;
	return -1;
}

static int parse_natural(const char *s, size_t len, int64_t now,
			 int64_t tz_off, int64_t *out)
{
	struct words ws;
	if (split_words(s, len, &ws) || !ws.n)
		return -EINVAL;
	size_t i = 0;
	/* "in 30 minutes", "30 minutes from now", "2 hours later". */
	if (strcmp(ws.w[0], "in") == 0 || ws.n >= 2) {
		size_t a = strcmp(ws.w[0], "in") == 0 ? 1 : 0, b = ws.n;
		if (b > a + 1 && strcmp(ws.w[b - 1], "now") == 0 &&
		    strcmp(ws.w[b - 2], "from") == 0)
			b -= 2;
		else if (b > a + 1 && strcmp(ws.w[b - 1], "later") == 0)
			b -= 1;
		if (a || b != ws.n) {
			char buf[160];
			size_t n = 0;
			for (size_t k = a; k < b; k++)
				n += (size_t)snprintf(buf + n, sizeof(buf) - n,
						      "%s ", ws.w[k]);
			int64_t d;
			if (b > a && ntfy_parse_duration(buf, n, &d) == 0) {
				*out = now + d;
				return 0;
			}
			if (a)
				return -EINVAL;
		}
	}
	/* [today|tomorrow|WEEKDAY] [at] [TIME], in any of those orders. */
	int64_t local = now + tz_off;
	int64_t midnight = local - ((local % 86400) + 86400) % 86400;
	int day_add = -1; /* -1: not said */
	int64_t sec = -1;
	for (; i < ws.n; i++) {
		const char *w = ws.w[i];
		int wd;
		int used;
		if (strcmp(w, "at") == 0 || strcmp(w, "on") == 0 ||
		    strcmp(w, "next") == 0)
			continue;
		if (strcmp(w, "today") == 0 && day_add < 0) {
			day_add = 0;
		} else if (strcmp(w, "tomorrow") == 0 && day_add < 0) {
			day_add = 1;
		} else if ((wd = weekday(w)) >= 0 && day_add < 0) {
			/* 1970-01-01 was a Thursday (4). */
			int today = (int)((((midnight / 86400) % 7) + 7 + 4) % 7);
			day_add = (wd - today + 7) % 7;
			if (day_add == 0)
				day_add = 7;
		} else if (sec < 0 &&
			   (used = parse_clock(w, i + 1 < ws.n ? ws.w[i + 1] : NULL,
					       &sec)) > 0) {
			i += (size_t)used - 1;
		} else {
			return -EINVAL;
		}
	}
	if (day_add < 0 && sec < 0)
		return -EINVAL;
	if (sec < 0)
		sec = 9 * 3600; /* "tomorrow": the morning */
	int64_t t = midnight + (day_add > 0 ? day_add : 0) * 86400 + sec;
	if (day_add < 0 && t <= local)
		t += 86400; /* a time already past today: tomorrow */
	*out = t - tz_off;
	return 0;
}

int ntfy_parse_delay(const char *s, size_t len, int64_t now, int64_t tz_off,
		     int64_t *out)
{
	trim(&s, &len);
	int64_t v;
	if (!len)
		return -EINVAL;
	if (parse_int(s, len, &v) == 0) {
		*out = v;
		return 0;
	}
	if (ntfy_parse_duration(s, len, &v) == 0) {
		*out = now + v;
		return 0;
	}
	return parse_natural(s, len, now, tz_off, out);
}

bool ntfy_is_message_id(const char *s, size_t len)
{
	if (len != 12)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]))
			return false;
	return true;
}

int ntfy_parse_since(const char *s, size_t len, int64_t now,
		     struct ntfy_since *out)
{
	memset(out, 0, sizeof(*out));
	trim(&s, &len);
	int64_t v;
	if (!len) {
		out->kind = NTFY_SINCE_DEFAULT;
	} else if (eq(s, len, "all")) {
		out->kind = NTFY_SINCE_ALL;
	} else if (eq(s, len, "latest")) {
		out->kind = NTFY_SINCE_LATEST;
	} else if (eq(s, len, "none")) {
		out->kind = NTFY_SINCE_NONE;
	} else if (ntfy_is_message_id(s, len)) {
		out->kind = NTFY_SINCE_ID;
		memcpy(out->id, s, 12);
	} else if (parse_int(s, len, &v) == 0) {
		out->kind = NTFY_SINCE_TIME;
		out->time = v;
	} else if (ntfy_parse_duration(s, len, &v) == 0) {
		out->kind = NTFY_SINCE_TIME;
		out->time = now - v;
	} else {
		return -EINVAL;
	}
	return 0;
}

int ntfy_each_item(const char *s, size_t len, char sep,
		   int (*fn)(const char *item, size_t len, void *ud), void *ud)
{
	size_t i = 0;
	while (i <= len) {
		size_t j = i;
		while (j < len && s[j] != sep)
			j++;
		const char *it = s + i;
		size_t n = j - i;
		trim(&it, &n);
		if (n) {
			int rc = fn(it, n, ud);
			if (rc)
				return rc;
		}
		i = j + 1;
	}
	return 0;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* One encoded word's text (between the second and third '?') into @o;
 * latin1: bytes >= 0x80 become two UTF-8 bytes (so the output can be up
 * to twice as long: checked by the caller's cap). */
static int decode_word(char enc, bool latin1, const char *t, size_t n,
		       char *o, size_t cap, size_t *w)
{
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int byte = -1;
		char c = t[i];
		if (enc == 'b') {
			if (c == '=')
				break;
			int v = b64val(c);
			if (v < 0)
				return -EINVAL;
			acc = (acc << 6) | (unsigned)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				byte = (int)((acc >> bits) & 0xff);
			}
		} else if (c == '_') {
			byte = ' ';
		} else if (c == '=') {
			if (i + 2 >= n)
				return -EINVAL;
			int hi = hex_digit(t[i + 1]), lo = hex_digit(t[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			byte = hi * 16 + lo;
			i += 2;
		} else {
			byte = (unsigned char)c;
		}
		if (byte < 0)
			continue;
		if (latin1 && byte >= 0x80) {
			if (*w + 2 >= cap)
				return -EINVAL;
			o[(*w)++] = (char)(0xc0 | (byte >> 6));
			o[(*w)++] = (char)(0x80 | (byte & 0x3f));
		} else {
			if (*w + 1 >= cap)
				return -EINVAL;
			o[(*w)++] = (char)byte;
		}
	}
	return 0;
}

int ntfy_mime_decode(const char *s, size_t len, char *out, size_t cap)
{
	size_t w = 0, i = 0;
	bool prev_word = false;
	size_t blank_from = 0; /* where blanks after a word began in @out */
	if (!cap)
		return -EINVAL;
	while (i < len) {
		if (i + 1 < len && s[i] == '=' && s[i + 1] == '?') {
			/* =?charset?enc?text?= */
			size_t cs = i + 2, q1 = cs;
			while (q1 < len && s[q1] != '?')
				q1++;
			if (q1 + 2 >= len || s[q1 + 2] != '?')
				goto literal;
			char enc = (char)tolower((unsigned char)s[q1 + 1]);
			size_t t0 = q1 + 3, t1 = t0;
			while (t1 + 1 < len && !(s[t1] == '?' && s[t1 + 1] == '='))
				t1++;
			if (t1 + 1 >= len || (enc != 'b' && enc != 'q'))
				goto literal;
			size_t csn = q1 - cs;
			bool latin1 = (csn == 10 && strncasecmp(s + cs, "iso-8859-1", 10) == 0);
			if (!latin1 && !(csn == 5 && strncasecmp(s + cs, "utf-8", 5) == 0) &&
			    !(csn == 8 && strncasecmp(s + cs, "us-ascii", 8) == 0))
				goto literal;
			if (prev_word)
				w = blank_from; /* blanks between words go */
			if (decode_word(enc, latin1, s + t0, t1 - t0, out, cap, &w)) {
				size_t n = len < cap - 1 ? len : cap - 1;
				memcpy(out, s, n);
				out[n] = '\0';
				return -EINVAL;
			}
			i = t1 + 2;
			prev_word = true;
			blank_from = w;
			continue;
		}
literal:
		if (w + 1 >= cap)
			break;
		if (!is_blank(s[i]))
			prev_word = false;
		out[w++] = s[i++];
	}
	out[w] = '\0';
	return (int)w;
}

bool ntfy_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned c = p[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + n >= len)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}
