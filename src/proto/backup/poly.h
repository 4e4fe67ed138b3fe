/* SPDX-License-Identifier: MIT */
/* Polynomials over GF(2) in 64 bits (the chunker's arithmetic) and the chunker polynomial of a repository's config. */
#ifndef HEARTH_PROTO_BACKUP_POLY_H
#define HEARTH_PROTO_BACKUP_POLY_H

#include <stdbool.h>
#include <stdint.h>

/* Pure functions, any thread. */
int bk_pol_deg(uint64_t x);			/* -1 for 0 */
uint64_t bk_pol_mod(uint64_t x, uint64_t d);	/* d != 0 */
/* Ben-Or's test, any degree 1..62. */
bool bk_pol_is_irreducible(uint64_t f);

/* True when @p has degree 53 and is irreducible (Ben-Or's test). */
int backup_poly_irreducible(uint64_t p);
/* A random irreducible polynomial of degree 53 (as restic picks one
 * for `init`): draws until one is irreducible (a few hundred tries on
 * average; gives up with 0 after a million). */
uint64_t backup_poly_random(void);

#endif
