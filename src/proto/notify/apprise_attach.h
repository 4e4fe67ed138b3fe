/* SPDX-License-Identifier: MIT */
/* Apprise API request bodies: multipart/form-data parts and the attachments a notify call names (uploads, base64, URLs). */
#ifndef HEARTH_PROTO_NOTIFY_APPRISE_ATTACH_H
#define HEARTH_PROTO_NOTIFY_APPRISE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "base/arena.h"
#include "proto/notify/apprise_target.h"

/*
 * Untrusted input (the body of a POST /notify): every function bounds
 * what it reads and answers a clean error. Results live in the caller's
 * arena. Pure; thread-safe.
 */

/* At most this many attachments per call (APPRISE_MAX_ATTACHMENTS). */
#define APPRISE_MAX_ATTACH 6
/* At most this many parts in one multipart body. */
#define APPRISE_MAX_PARTS 64

/* One part of a multipart/form-data body. */
struct apprise_part {
	const char *name;     /* the form field's name ("" when none) */
	const char *filename; /* NULL for a plain field */
	const char *ctype;    /* the part's Content-Type, or NULL */
	const char *data;     /* NUL-terminated copy (binary-safe with len) */
	size_t len;
};

/* Splits @body (@ct is the request's Content-Type with its boundary).
 * 0, -EINVAL (@why: static text) or -ENOMEM. */
int apprise_multipart_parse(const char *ct, const char *body, size_t len,
			    struct arena *a, struct apprise_part **parts,
			    size_t *n, const char **why);

/* An attachment the call names: either its bytes (an upload, base64) or
 * a URL still to fetch (@url set, @data NULL). */
struct apprise_attach_ref {
	const char *url; /* http(s)://; NULL when the bytes are here */
	struct apprise_attach a;
};

/* The attachments of a JSON or form payload field (@v: a string URL, an
 * object {"base64","filename","mimetype"} / {"url","filename"}, or a list
 * of those), appended to @out (room for APPRISE_MAX_ATTACH, *@n counts).
 * 0, -EINVAL (@why) or -ENOMEM. */
int apprise_attach_refs(const json_t *v, struct arena *a,
			struct apprise_attach_ref *out, size_t *n,
			const char **why);

/* The file part @p (filename set) as an attachment appended to @out.
 * 0, -EINVAL (@why: more than APPRISE_MAX_ATTACH) or -ENOMEM. */
int apprise_attach_part(const struct apprise_part *p, struct arena *a,
			struct apprise_attach_ref *out, size_t *n, const char **why);

/* The MIME type Python's mimetypes.guess_type gives @name's extension
 * (the common ones), else "application/octet-stream". Static string. */
const char *apprise_mime_guess(const char *name);

/* The last path segment of @url (without query), or "attachment" when it
 * has none. Arena string. */
char *apprise_url_basename(struct arena *a, const char *url);

#endif
