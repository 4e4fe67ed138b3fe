/* SPDX-License-Identifier: MIT */
/* The chunker polynomial of a repository's config: random irreducible polynomials of degree 53 over GF(2). */
#ifndef HEARTH_PROTO_BACKUP_POLY_H
#define HEARTH_PROTO_BACKUP_POLY_H

#include <stdint.h>

/* True when @p has degree 53 and is irreducible (Ben-Or's test). */
int backup_poly_irreducible(uint64_t p);
/* A random irreducible polynomial of degree 53 (as restic picks one
 * for `init`): draws until one is irreducible (a few hundred tries on
 * average; gives up with 0 after a million). */
uint64_t backup_poly_random(void);

#endif
