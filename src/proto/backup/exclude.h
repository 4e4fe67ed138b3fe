/* SPDX-License-Identifier: MIT */
/* restic's --exclude patterns (internal/filter): path components matched with shell globs, "**" for any depth, absolute patterns anchored. */
#ifndef HEARTH_PROTO_BACKUP_EXCLUDE_H
#define HEARTH_PROTO_BACKUP_EXCLUDE_H

#include <stdbool.h>
#include <stddef.h>

/* A list of patterns (owned copies). Caller-allocated; read-only after
 * building, so any number of threads may match concurrently. */
struct bk_excludes {
	char **pat;
	size_t n;
};

/* Adds one pattern as restic cleans it (lexically, no trailing slash);
 * an empty pattern is ignored. -ENOMEM. */
int bk_excludes_add(struct bk_excludes *e, const char *pattern);
/* Adds every line of an --exclude-file's text: blank lines and lines
 * starting with '#' are skipped, surrounding white space trimmed. */
int bk_excludes_add_lines(struct bk_excludes *e, const char *text, size_t len);
void bk_excludes_deinit(struct bk_excludes *e);

/* Whether the absolute path matches a pattern: a relative pattern may
 * match at any depth ("*.tmp", "cache/tmp"), an absolute one from the root;
 * '*', '?', '[...]' never cross a '/', "**" spans any number of components. */
bool bk_excludes_match(const struct bk_excludes *e, const char *path);

#endif
