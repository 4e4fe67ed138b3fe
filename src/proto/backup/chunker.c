/* SPDX-License-Identifier: MIT */
/* restic's Rabin fingerprint chunker (see chunker.h): table derivation and the streaming split search. */
#include "proto/backup/chunker.h"

#include <errno.h>
#include <string.h>

int bk_pol_parse(const char *hex, uint64_t *pol)
{
	uint64_t v = 0;
	size_t n = 0;

	for (const char *p = hex; *p; p++, n++) {
		int d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -EINVAL;
		if (n >= 16)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	if (n == 0)
		return -EINVAL;
	*pol = v;
	return 0;
}

/* H(hash || b): shift one byte in and reduce. */
static uint64_t append_byte(uint64_t hash, uint8_t b, uint64_t pol)
{
	return bk_pol_mod(hash << 8 | b, pol);
}

int bk_chunker_tables_init(struct bk_chunker_tables *t, uint64_t pol)
{
	int k = bk_pol_deg(pol);

	if (k <= 8 || k > 53)
		return -EINVAL;
	t->pol = pol;
	t->pol_shift = (unsigned)(k - 8);
	for (unsigned b = 0; b < 256; b++) {
		uint64_t h = append_byte(0, (uint8_t)b, pol);
		for (int i = 0; i < BK_CHUNK_WINDOW - 1; i++)
			h = append_byte(h, 0, pol);
		t->out[b] = h;
		t->mod[b] = bk_pol_mod((uint64_t)b << k, pol) | (uint64_t)b << k;
	}
	return 0;
}

void bk_chunker_reset(struct bk_chunker *c)
{
	const struct bk_chunker_tables *t = c->t;

	memset(c->window, 0, sizeof c->window);
	/* restic starts every chunk by sliding a single 1 byte into an empty window */
	c->window[0] = 1;
	c->wpos = 1;
	c->digest = t->mod[0] ^ 1; /* (0 << 8 | 1) ^ mod[0 >> shift]; out[0] == 0 */
	c->count = 0;
	c->pre = c->min_size - BK_CHUNK_WINDOW;
}

void bk_chunker_init_bounds(struct bk_chunker *c, const struct bk_chunker_tables *t,
			    size_t min_size, size_t max_size, unsigned avg_bits)
{
	memset(c, 0, sizeof *c);
	c->t = t;
	c->min_size = min_size;
	c->max_size = max_size;
	c->split_mask = ((uint64_t)1 << avg_bits) - 1;
	bk_chunker_reset(c);
}

void bk_chunker_init(struct bk_chunker *c, const struct bk_chunker_tables *t)
{
	bk_chunker_init_bounds(c, t, BK_CHUNK_MIN, BK_CHUNK_MAX, BK_CHUNK_AVG_BITS);
}

size_t bk_chunker_feed(struct bk_chunker *c, const uint8_t *buf, size_t len, bool *cut)
{
	const uint64_t *out = c->t->out, *mod = c->t->mod;
	const unsigned shift = c->t->pol_shift;
	const uint64_t mask = c->split_mask;
	size_t i = 0;

	*cut = false;
	if (c->pre) {
		if (c->pre >= len) {
			c->pre -= len;
			c->count += len;
			return len;
		}
		i = c->pre;
		c->count += c->pre;
		c->pre = 0;
	}

	uint64_t digest = c->digest;
	unsigned wpos = c->wpos;
	size_t add = c->count;
	const size_t min_size = c->min_size, max_size = c->max_size;
	uint8_t win[BK_CHUNK_WINDOW]; /* a local copy: the compiler need not reload it after each store */

	memcpy(win, c->window, sizeof win);

	for (; i < len; i++) {
		uint8_t b = buf[i];
		digest ^= out[win[wpos]];
		win[wpos] = b;
		wpos = (wpos + 1) & (BK_CHUNK_WINDOW - 1);
		digest = (digest << 8 | b) ^ mod[digest >> shift];
		add++;
		if (((digest & mask) == 0 || add >= max_size) && add >= min_size) {
			bk_chunker_reset(c);
			*cut = true;
			return i + 1;
		}
	}
	c->digest = digest;
	c->wpos = wpos;
	c->count = add;
	memcpy(c->window, win, sizeof win);
	return len;
}
