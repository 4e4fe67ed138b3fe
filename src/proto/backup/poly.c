/* SPDX-License-Identifier: MIT */
/* Polynomial arithmetic over GF(2) in 64 bits: modular products, gcd and Ben-Or's irreducibility test. */
#include "proto/backup/poly.h"

#include <sodium.h>

static int deg(uint64_t p)
{
	return p ? 63 - __builtin_clzll(p) : -1;
}

static uint64_t mod(uint64_t x, uint64_t p)
{
	int dp = deg(p);
	while (deg(x) >= dp)
		x ^= p << (deg(x) - dp);
	return x;
}

/* a * b mod p, with a, b already reduced (degree < deg p <= 62). */
static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t p)
{
	int dp = deg(p);
	uint64_t r = 0;
	while (b) {
		if (b & 1)
			r ^= a;
		b >>= 1;
		a <<= 1;
		if (a >> dp & 1)
			a ^= p;
	}
	return r;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = mod(a, b);
		a = b;
		b = t;
	}
	return a;
}

int backup_poly_irreducible(uint64_t p)
{
	if (deg(p) != 53)
		return 0;
	uint64_t q = 2; /* x */
	for (int i = 1; i <= 53 / 2; i++) {
		q = mulmod(q, q, p); /* x^(2^i) mod p */
		if (gcd(p, q ^ 2) != 1)
			return 0;
	}
	return 1;
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
