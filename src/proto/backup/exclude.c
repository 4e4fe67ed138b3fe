/* SPDX-License-Identifier: MIT */
/* restic-style exclude patterns over path components (see exclude.h). */
#include "proto/backup/exclude.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS 256

int bk_excludes_add(struct bk_excludes *e, const char *pattern)
{
	size_t len = strlen(pattern);
	char **v;
	char *p;

	while (len > 1 && pattern[len - 1] == '/')
		len--;
	if (!len)
		return 0;
	if (!(p = strndup(pattern, len)))
		return -ENOMEM;
	if (!(v = realloc(e->pat, (e->n + 1) * sizeof *v))) {
		free(p);
		return -ENOMEM;
	}
	e->pat = v;
	v[e->n++] = p;
	return 0;
}

int bk_excludes_add_lines(struct bk_excludes *e, const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		while (j < len && text[j] != '\n')
			j++;
		size_t a = i, b = j;
		while (a < b && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r'))
			a++;
		while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t' || text[b - 1] == '\r'))
			b--;
		if (b > a && text[a] != '#') {
			char *line = strndup(text + a, b - a);
			int rc = line ? bk_excludes_add(e, line) : -ENOMEM;
			free(line);
			if (rc)
				return rc;
		}
		i = j + 1;
	}
	return 0;
}

void bk_excludes_deinit(struct bk_excludes *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->pat[i]);
	free(e->pat);
	e->pat = NULL;
	e->n = 0;
}

/* Splits s at '/' in place into parts (empty ones dropped); returns the count or -1. */
static int split(char *s, char **parts)
{
	int n = 0;

	for (char *save = NULL, *t = strtok_r(s, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (n == MAX_PARTS)
			return -1;
		parts[n++] = t;
	}
	return n;
}

/* Pattern parts p[0..np) against path parts s[0..ns) exactly; "**" matches any run. */
static bool match_parts(char **p, int np, char **s, int ns)
{
	if (np == 0)
		return ns == 0;
	if (!strcmp(p[0], "**")) {
		for (int k = 0; k <= ns; k++)
			if (match_parts(p + 1, np - 1, s + k, ns - k))
				return true;
		return false;
	}
	return ns > 0 && fnmatch(p[0], s[0], 0) == 0 && match_parts(p + 1, np - 1, s + 1, ns - 1);
}

/* restic matches a window of the path's components: anywhere for a relative
 * pattern, from the root for an absolute one; the window may end before the
 * last component (a match of a parent excludes what is below it). */
static bool match_one(const char *pattern, char **s, int ns)
{
	char *pc = strdup(pattern), *p[MAX_PARTS];
	int np;
	bool hit = false, absolute = pattern[0] == '/';

	if (!pc)
		return false;
	np = split(pc, p);
	for (int off = 0; np > 0 && !hit && off <= ns && (off == 0 || !absolute); off++)
		for (int end = off; !hit && end <= ns; end++)
			hit = match_parts(p, np, s + off, end - off);
	free(pc);
	return hit;
}

bool bk_excludes_match(const struct bk_excludes *e, const char *path)
{
	char *pc, *s[MAX_PARTS];
	int ns;
	bool hit = false;

	if (!e->n || !(pc = strdup(path)))
		return false;
	ns = split(pc, s);
	for (size_t i = 0; ns >= 0 && !hit && i < e->n; i++)
		hit = match_one(e->pat[i], s, ns);
	free(pc);
	return hit;
}
