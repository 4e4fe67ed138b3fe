/* SPDX-License-Identifier: MIT */
/* Writing man pages: roff escaping of plain text and the page header. */
#ifndef HEARTH_BASE_ROFF_H
#define HEARTH_BASE_ROFF_H

#include <stdio.h>

/*
 * Writes @text to @f as roff body text: backslashes, hyphens and a leading
 * '.' or '\'' are escaped, newlines become spaces, and every non-ASCII
 * UTF-8 character becomes \[uXXXX] so the page formats without preconv.
 * Starts no new line. Stateless; safe from any thread with its own @f.
 */
void roff_text(FILE *f, const char *text);

/* Writes the .TH line and the NAME section: "@name - @summary". */
void roff_header(FILE *f, const char *name, const char *section,
		 const char *summary);

#endif
