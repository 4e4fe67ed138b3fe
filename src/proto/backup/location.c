/* SPDX-License-Identifier: MIT */
/* Parsing restic's repository locations and the REST protocol's request paths (untrusted: bounded, no allocation). */
#include "proto/backup/location.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* USER@ in front of [s, end): split off into out->user; returns where the
 * host starts. */
static const char *take_user(const char *s, const char *end,
			     struct backup_location *out, int *bad)
{
	const char *at = memchr(s, '@', (size_t)(end - s));
	if (!at)
		return s;
	if (at == s || copy(out->user, sizeof(out->user), s, (size_t)(at - s)))
		*bad = 1;
	return at + 1;
}

/* HOST or [V6] at s; *end gets the first byte after it. */
static int take_host(const char *s, const char **end,
		     struct backup_location *out)
{
	const char *e;
	if (*s == '[') {
		e = strchr(s, ']');
		if (!e || e == s + 1 ||
		    copy(out->host, sizeof(out->host), s + 1, (size_t)(e - s - 1)))
			return -1;
		*end = e + 1;
		return 0;
	}
	e = s + strcspn(s, ":/");
	if (e == s || copy(out->host, sizeof(out->host), s, (size_t)(e - s)))
		return -1;
	*end = e;
	return 0;
}

static int bad_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int parse_sftp(const char *s, struct backup_location *out,
		      const char **why)
{
	int bad = 0;
	const char *h, *e;
	if (starts(s, "//")) {
		/* sftp://[user@]host[:port]/path: the part after the host's
		 * '/' is the path; "//srv" an absolute one. */
		s += 2;
		const char *slash = strchr(s, '/');
		if (!slash) {
			*why = "sftp:// location without a path";
			return -EINVAL;
		}
		h = take_user(s, slash, out, &bad);
		if (bad || take_host(h, &e, out) || e > slash) {
			*why = "sftp:// location: bad user or host";
			return -EINVAL;
		}
		if (*e == ':') {
			char *pe;
			long port = strtol(e + 1, &pe, 10);
			if (pe == e + 1 || pe != slash || port < 1 || port > 65535) {
				*why = "sftp:// location: bad port";
				return -EINVAL;
			}
			out->port = (int)port;
		} else if (e != slash) {
			*why = "sftp:// location: bad host";
			return -EINVAL;
		}
		s = slash + 1;
	} else {
		/* sftp:[user@]host:path */
		const char *colon = NULL;
		int in_brackets = 0;
		for (const char *c = s; *c && !colon; c++) {
			if (*c == '[')
				in_brackets = 1;
			else if (*c == ']')
				in_brackets = 0;
			else if (*c == ':' && !in_brackets)
				colon = c;
		}
		if (!colon) {
			*why = "sftp location is sftp:[USER@]HOST:PATH";
			return -EINVAL;
		}
		h = take_user(s, colon, out, &bad);
		if (bad || take_host(h, &e, out) || e != colon) {
			*why = "sftp location: bad user or host";
			return -EINVAL;
		}
		s = colon + 1;
	}
	if (!*s || copy(out->path, sizeof(out->path), s, strlen(s))) {
		*why = "sftp location: no path (or one too long)";
		return -EINVAL;
	}
	out->kind = BACKUP_LOC_SFTP;
	return 0;
}

int backup_location_parse(const char *s, struct backup_location *out,
			  const char **why)
{
	static const char *const other[] = {"s3:",	"b2:",	   "azure:",
					    "gs:",	"swift:", "rclone:"};
	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (!s || !*s || strlen(s) >= BACKUP_LOC_MAX || bad_chars(s)) {
		*why = "empty or too long location, or one with control characters";
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (starts(s, other[i])) {
			*why = "that backend is not supported (local, sftp: and rest: are)";
			return -EPROTONOSUPPORT;
		}
	if (starts(s, "sftp:"))
		return parse_sftp(s + 5, out, why);
	if (starts(s, "rest:")) {
		s += 5;
		if (!starts(s, "http://") && !starts(s, "https://")) {
			*why = "rest location is rest:http://HOST:PORT/[REPO/]";
			return -EINVAL;
		}
		const char *host = strstr(s, "//") + 2;
		if (!*host || *host == '/') {
			*why = "rest location without a host";
			return -EINVAL;
		}
		size_t n = strlen(s);
		if (n + 2 > sizeof(out->url)) {
			*why = "rest location too long";
			return -EINVAL;
		}
		memcpy(out->url, s, n + 1);
		/* The URL has a path: http://host ends with one '/'. */
		if (!strchr(host, '/') || out->url[n - 1] != '/')
			strcat(out->url, "/");
		out->kind = BACKUP_LOC_REST;
		return 0;
	}
	if (starts(s, "local:"))
		s += 6;
	if (!*s) {
		*why = "local location without a path";
		return -EINVAL;
	}
	copy(out->path, sizeof(out->path), s, strlen(s));
	out->kind = BACKUP_LOC_LOCAL;
	return 0;
}

void backup_location_redact(const char *s, char *out, size_t cap)
{
	if (!cap)
		return;
	snprintf(out, cap, "%s", s ? s : "");
	const char *host = s ? strstr(s, "://") : NULL;
	if (!host)
		return;
	host += 3;
	const char *slash = strchr(host, '/');
	const char *at = strchr(host, '@');
	if (!at || (slash && slash < at))
		return;
	const char *colon = memchr(host, ':', (size_t)(at - host));
	if (!colon)
		return;
	snprintf(out, cap, "%.*s***%s", (int)(colon + 1 - s), s, at);
}

static const char *const rest_types[] = {"data", "keys", "locks",
					 "snapshots", "index"};

static const char *type_of(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(rest_types) / sizeof(rest_types[0]); i++)
		if (strlen(rest_types[i]) == n && !memcmp(rest_types[i], s, n))
			return rest_types[i];
	return NULL;
}

static int is_hex64(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int repo_segment_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64 || s[0] == '.' || type_of(s, n) ||
	    (n == 6 && !memcmp(s, "config", 6)))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

int backup_rest_path_parse(const char *path, struct backup_rest_path *out,
			   const char **why)
{
	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (!path || path[0] != '/') {
		*why = "path does not start with '/'";
		return -EINVAL;
	}
	/* Segments of the path; the last one is "" when it ends in '/'. */
	const char *seg[BACKUP_REST_DEPTH + 2];
	size_t len[BACKUP_REST_DEPTH + 2];
	size_t n = 0;
	const char *p = path + 1;
	for (;;) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (n == BACKUP_REST_DEPTH + 2) {
			*why = "path too deep";
			return -EINVAL;
		}
		seg[n] = p;
		len[n++] = l;
		if (!e)
			break;
		if (l == 0) {
			*why = "empty path segment";
			return -EINVAL;
		}
		p = e + 1;
	}
	/* Classify from the end. */
	size_t repo_n;
	if (len[n - 1] == 0) { /* ends in '/' */
		if (n >= 2 && (out->type = type_of(seg[n - 2], len[n - 2]))) {
			out->what = BACKUP_REST_LIST;
			repo_n = n - 2;
		} else {
			out->what = BACKUP_REST_REPO;
			repo_n = n - 1;
		}
	} else if (len[n - 1] == 6 && !memcmp(seg[n - 1], "config", 6)) {
		out->what = BACKUP_REST_CONFIG;
		repo_n = n - 1;
	} else if (n >= 2 && (out->type = type_of(seg[n - 2], len[n - 2]))) {
		if (!is_hex64(seg[n - 1], len[n - 1])) {
			*why = "file name is not 64 lower-case hex digits";
			return -EINVAL;
		}
		memcpy(out->name, seg[n - 1], 64);
		out->what = BACKUP_REST_FILE;
		repo_n = n - 2;
	} else {
		/* "/repo" without the slash: the repository itself, as
		 * rest-server takes it. */
		out->what = BACKUP_REST_REPO;
		repo_n = n;
	}
	if (repo_n > BACKUP_REST_DEPTH) {
		*why = "repository name too deep";
		return -EINVAL;
	}
	char *w = out->repo;
	for (size_t i = 0; i < repo_n; i++) {
		if (!repo_segment_ok(seg[i], len[i])) {
			*why = "bad repository name (letters, digits, '.', '_', '-'; not a type's name)";
			return -EINVAL;
		}
		if (i)
			*w++ = '/';
		memcpy(w, seg[i], len[i]);
		w += len[i];
	}
	*w = '\0';
	return 0;
}

void backup_rest_path_owner(const struct backup_rest_path *p, char out[65])
{
	size_t n = strcspn(p->repo, "/");
	memcpy(out, p->repo, n);
	out[n] = '\0';
}

/* A decimal number at *s (at most 19 digits); -1 when there is none. */
static int64_t number(const char **s)
{
	int64_t v = 0;
	int digits = 0;
	while (**s >= '0' && **s <= '9') {
		if (++digits > 18)
			return -1;
		v = v * 10 + (**s - '0');
		(*s)++;
	}
	return digits ? v : -1;
}

int backup_rest_range_parse(const char *h, uint64_t size, uint64_t *off,
			    uint64_t *len)
{
	if (!h || strncmp(h, "bytes=", 6))
		return 1;
	const char *s = h + 6;
	while (*s == ' ')
		s++;
	int64_t a = number(&s), b = -1;
	if (*s != '-')
		return 1;
	s++;
	if (*s)
		b = number(&s);
	while (*s == ' ')
		s++;
	if (*s)
		return 1; /* several ranges, or junk */
	if (a < 0) { /* the last b bytes */
		if (b < 0)
			return 1;
		if (b == 0)
			return -ERANGE;
		*len = (uint64_t)b < size ? (uint64_t)b : size;
		*off = size - *len;
		return size ? 0 : -ERANGE;
	}
	if (b >= 0 && b < a)
		return 1;
	if ((uint64_t)a >= size)
		return -ERANGE;
	uint64_t last = b < 0 || (uint64_t)b >= size ? size - 1 : (uint64_t)b;
	*off = (uint64_t)a;
	*len = last - (uint64_t)a + 1;
	return 0;
}
