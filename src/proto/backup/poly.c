/* SPDX-License-Identifier: MIT */
/* Polynomial arithmetic over GF(2) in 64 bits: modular products, gcd and Ben-Or's irreducibility test. */
#include "proto/backup/poly.h"

#include <sodium.h>

int bk_pol_deg(uint64_t x)
{
	return x ? 63 - __builtin_clzll(x) : -1;
}

uint64_t bk_pol_mod(uint64_t x, uint64_t d)
{
	int dd = bk_pol_deg(d);
	int diff;

	while (x && (diff = bk_pol_deg(x) - dd) >= 0)
		x ^= d << diff;
	return x;
}

/* (a * b) mod m without overflow: a, b < m, deg(m) <= 62. */
static uint64_t pol_mulmod(uint64_t a, uint64_t b, uint64_t m)
{
	uint64_t r = 0;
	int dm = bk_pol_deg(m);

	while (b) {
		if (b & 1)
			r ^= a;
		b >>= 1;
		a <<= 1;
		if (a >> dm & 1)
			a ^= m;
	}
	return r;
}

static uint64_t pol_gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = bk_pol_mod(a, b);
		a = b;
		b = t;
	}
	return a;
}

/* Ben-Or: f is irreducible iff gcd(f, x^(2^i) - x) == 1 for i = 1..deg/2. */
bool bk_pol_is_irreducible(uint64_t f)
{
	int n = bk_pol_deg(f);
	uint64_t x2i = 2; /* x */

	if (n < 1 || n > 62)
		return false;
	for (int i = 1; i <= n / 2; i++) {
		x2i = pol_mulmod(x2i, x2i, f);
		if (pol_gcd(f, x2i ^ 2) != 1)
			return false;
	}
	return true;
}

int backup_poly_irreducible(uint64_t p)
{
	return bk_pol_deg(p) == 53 && bk_pol_is_irreducible(p);
}

uint64_t backup_poly_random(void)
{
	if (sodium_init() < 0)
		return 0;
	for (int i = 0; i < 1000000; i++) {
		uint64_t p;
		randombytes_buf(&p, sizeof(p));
		p = (p & ((1ull << 53) - 1)) | (1ull << 53) | 1;
		if (backup_poly_irreducible(p))
			return p;
	}
	return 0;
}
