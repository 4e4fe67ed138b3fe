/* SPDX-License-Identifier: MIT */
/* Domain names in wire form: parsing, printing, decompression, ordering. */
#include "proto/dns/name.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

void dns_name_root(struct dns_name *out)
{
	out->len = 1;
	out->wire[0] = 0;
}

int dns_name_from_text(const char *text, size_t len,
		       const struct dns_name *origin, struct dns_name *out)
{
	uint8_t buf[DNS_NAME_MAX + 1];
	size_t w = 0; /* bytes written to buf */
	size_t lab = 0; /* offset of the current label's length byte */
	size_t i = 0;
	bool absolute = false;

	if (len == 0)
		return -EINVAL;
	if (len == 1 && text[0] == '@') {
		if (!origin)
			return -EINVAL;
		*out = *origin;
		return 0;
	}
	if (len == 1 && text[0] == '.') {
		dns_name_root(out);
		return 0;
	}
	buf[w++] = 0; /* length byte of the first label */
	while (i < len) {
		uint8_t c = (uint8_t)text[i++];
		if (c == '.') {
			size_t l = w - lab - 1;
			if (l == 0)
				return -EINVAL; /* empty label */
			buf[lab] = (uint8_t)l;
			if (i == len) {
				absolute = true;
				break;
			}
			lab = w;
			if (w >= DNS_NAME_MAX)
				return -EINVAL;
			buf[w++] = 0;
			continue;
		}
		if (c == '\\') {
			if (i >= len)
				return -EINVAL;
			uint8_t d = (uint8_t)text[i];
			if (d >= '0' && d <= '9') {
				if (i + 3 > len)
					return -EINVAL;
				unsigned v = 0;
				for (int k = 0; k < 3; k++) {
					uint8_t e = (uint8_t)text[i + (size_t)k];
					if (e < '0' || e > '9')
						return -EINVAL;
					v = v * 10 + (unsigned)(e - '0');
				}
				if (v > 255)
					return -EINVAL;
				c = (uint8_t)v;
				i += 3;
			} else {
				c = d;
				i++;
			}
		}
		if (w - lab - 1 >= DNS_LABEL_MAX || w >= DNS_NAME_MAX)
			return -EINVAL;
		buf[w++] = c;
	}
	if (!absolute) {
		size_t l = w - lab - 1;
		if (l == 0)
			return -EINVAL;
		buf[lab] = (uint8_t)l;
		if (!origin)
			return -EINVAL;
		if (w + origin->len > DNS_NAME_MAX)
			return -EINVAL;
		memcpy(buf + w, origin->wire, origin->len);
		w += origin->len;
	} else {
		if (w + 1 > DNS_NAME_MAX)
			return -EINVAL;
		buf[w++] = 0;
	}
	out->len = (uint8_t)w;
	memcpy(out->wire, buf, w);
	return 0;
}

static bool plain_char(uint8_t c)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return !strchr(".\\\";()@$", c);
}

int dns_name_to_text(const struct dns_name *n, char *out, size_t cap)
{
	size_t w = 0, i = 0;
	if (n->len <= 1) {
		if (cap < 2)
			return -ENOSPC;
		out[0] = '.';
		out[1] = '\0';
		return 1;
	}
	while (i < n->len && n->wire[i]) {
		uint8_t l = n->wire[i++];
		for (uint8_t k = 0; k < l && i < n->len; k++, i++) {
			uint8_t c = n->wire[i];
			if (plain_char(c)) {
				if (w + 2 > cap)
					return -ENOSPC;
				out[w++] = (char)c;
			} else if (c > 0x20 && c < 0x7f) {
				if (w + 3 > cap)
					return -ENOSPC;
				out[w++] = '\\';
				out[w++] = (char)c;
			} else {
				if (w + 5 > cap)
					return -ENOSPC;
				snprintf(out + w, 5, "\\%03u", c);
				w += 4;
			}
		}
		if (w + 2 > cap)
			return -ENOSPC;
		out[w++] = '.';
	}
	out[w] = '\0';
	return (int)w;
}

int dns_name_unpack(const uint8_t *msg, size_t msg_len, size_t *off,
		    struct dns_name *out)
{
	size_t pos = *off, end = 0, w = 0;
	bool jumped = false;
	size_t limit = pos; /* pointers must go strictly before this */

	for (;;) {
		if (pos >= msg_len)
			return -EBADMSG;
		uint8_t l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= msg_len)
				return -EBADMSG;
			size_t target = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
			if (!jumped)
				end = pos + 2;
			if (target >= limit)
				return -EBADMSG; /* forward or self: loops */
			jumped = true;
			limit = target;
			pos = target;
			continue;
		}
		if (l & 0xc0)
			return -EBADMSG; /* 0x40/0x80: reserved label types */
		if (w + 1 + l > DNS_NAME_MAX)
			return -EBADMSG;
		if (pos + 1 + l > msg_len)
			return -EBADMSG;
		memcpy(out->wire + w, msg + pos, (size_t)l + 1);
		w += (size_t)l + 1;
		pos += (size_t)l + 1;
		if (l == 0)
			break;
	}
	out->len = (uint8_t)w;
	*off = jumped ? end : pos;
	return 0;
}

unsigned dns_name_labels(const struct dns_name *n)
{
	unsigned count = 0;
	for (size_t i = 0; i < n->len && n->wire[i]; i += (size_t)n->wire[i] + 1)
		count++;
	return count;
}

bool dns_name_equal(const struct dns_name *a, const struct dns_name *b)
{
	if (a->len != b->len)
		return false;
	for (size_t i = 0; i < a->len; i++)
		if (lower(a->wire[i]) != lower(b->wire[i]))
			return false;
	return true;
}

size_t dns_name_suffix_offset(const struct dns_name *n, unsigned labels)
{
	unsigned total = dns_name_labels(n);
	size_t off = 0;
	for (unsigned k = 0; k + labels < total; k++)
		off += (size_t)n->wire[off] + 1;
	return off;
}

bool dns_name_is_subdomain(const struct dns_name *n,
			   const struct dns_name *parent)
{
	if (n->len < parent->len)
		return false;
	unsigned pl = dns_name_labels(parent), nl = dns_name_labels(n);
	if (nl < pl)
		return false;
	size_t off = dns_name_suffix_offset(n, pl);
	if ((size_t)n->len - off != parent->len)
		return false;
	for (size_t i = 0; i < parent->len; i++)
		if (lower(n->wire[off + i]) != lower(parent->wire[i]))
			return false;
	return true;
}

void dns_name_lower(struct dns_name *n)
{
	size_t i = 0;
	while (i < n->len && n->wire[i]) {
		uint8_t l = n->wire[i++];
		for (uint8_t k = 0; k < l && i < n->len; k++, i++)
			n->wire[i] = lower(n->wire[i]);
	}
}

void dns_name_strip(const struct dns_name *n, unsigned k, struct dns_name *out)
{
	size_t off = 0;
	for (unsigned j = 0; j < k && off < n->len && n->wire[off]; j++)
		off += (size_t)n->wire[off] + 1;
	out->len = (uint8_t)(n->len - off);
	memmove(out->wire, n->wire + off, out->len);
}

int dns_name_prepend(const struct dns_name *n, const char *label, size_t len,
		     struct dns_name *out)
{
	if (len == 0 || len > DNS_LABEL_MAX || n->len + len + 1 > DNS_NAME_MAX)
		return -EINVAL;
	uint8_t tmp[DNS_NAME_MAX];
	tmp[0] = (uint8_t)len;
	memcpy(tmp + 1, label, len);
	memcpy(tmp + 1 + len, n->wire, n->len);
	out->len = (uint8_t)(n->len + len + 1);
	memcpy(out->wire, tmp, out->len);
	return 0;
}

/* Offsets of each label's length byte, root excluded. */
static unsigned label_offsets(const struct dns_name *n, uint8_t offs[128])
{
	unsigned c = 0;
	for (size_t i = 0; i < n->len && n->wire[i] && c < 128;
	     i += (size_t)n->wire[i] + 1)
		offs[c++] = (uint8_t)i;
	return c;
}

int dns_name_compare(const struct dns_name *a, const struct dns_name *b)
{
	uint8_t oa[128], ob[128];
	unsigned na = label_offsets(a, oa), nb = label_offsets(b, ob);
	/* Compare labels from the right (most significant) leftwards. */
	while (na > 0 && nb > 0) {
		na--;
		nb--;
		const uint8_t *la = a->wire + oa[na], *lb = b->wire + ob[nb];
		unsigned m = la[0] < lb[0] ? la[0] : lb[0];
		for (unsigned i = 1; i <= m; i++) {
			int d = (int)lower(la[i]) - (int)lower(lb[i]);
			if (d)
				return d;
		}
		if (la[0] != lb[0])
			return (int)la[0] - (int)lb[0];
	}
	return (int)na - (int)nb;
}

uint32_t dns_name_hash(const struct dns_name *n)
{
	/* FNV-1a over the lower-cased wire form. */
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n->len; i++) {
		h ^= lower(n->wire[i]);
		h *= 16777619u;
	}
	return h;
}
