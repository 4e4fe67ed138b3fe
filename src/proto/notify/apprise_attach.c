/* SPDX-License-Identifier: MIT */
/* Apprise API request bodies: multipart/form-data parts and the attachments a notify call names. */
#include "proto/notify/apprise_attach.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#define BAD(msg)                                                                   \
	do {                                                                       \
		if (why)                                                           \
			*why = (msg);                                              \
		return -EINVAL;                                                    \
	} while (0)

/* The value of parameter @key (name, filename, boundary) in a header
 * line's `; key=value` list, quoted or not; arena string or NULL. */
static char *param_of(struct arena *a, const char *s, size_t n, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i + kl < n; i++) {
		if ((i && s[i - 1] != ';' && s[i - 1] != ' ' && s[i - 1] != '\t') ||
		    strncasecmp(s + i, key, kl) || s[i + kl] != '=')
			continue;
		const char *v = s + i + kl + 1, *end = s + n;
		if (v < end && *v == '"') {
			v++;
			const char *q = v;
			while (q < end && *q != '"' && *q != '\r' && *q != '\n')
				q += (*q == '\\' && q + 1 < end) ? 2 : 1;
			/* \" and \\ stand for themselves */
			char *out = arena_alloc(a, (size_t)(q - v) + 1);
			if (!out)
				return NULL;
			size_t o = 0;
			for (const char *p = v; p < q && p < end; p++) {
				if (*p == '\\' && p + 1 < q)
					p++;
				out[o++] = *p;
			}
			out[o] = '\0';
			return out;
		}
		const char *q = v;
		while (q < end && *q != ';' && *q != '\r' && *q != '\n' && *q != ' ')
			q++;
		return arena_strndup(a, v, (size_t)(q - v));
	}
	return NULL;
}

/* The value of header @name in a part's header block, or NULL. */
static const char *header_of(const char *h, size_t n, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *end = h + n;
	for (const char *l = h; l < end;) {
		const char *e = memchr(l, '\n', (size_t)(end - l));
		const char *le = e ? e : end;
		if ((size_t)(le - l) > nl && !strncasecmp(l, name, nl) && l[nl] == ':') {
			const char *v = l + nl + 1;
			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = le;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			*vlen = (size_t)(ve - v);
			return v;
		}
		l = e ? e + 1 : end;
	}
	return NULL;
}

int apprise_multipart_parse(const char *ct, const char *body, size_t len,
			    struct arena *a, struct apprise_part **parts,
			    size_t *n, const char **why)
{
	*parts = NULL;
	*n = 0;
	char *bound = ct ? param_of(a, ct, strlen(ct), "boundary") : NULL;
	if (!bound || !*bound || strlen(bound) > 200)
		BAD("multipart body without a valid boundary");
	char delim[208];
	int dl = snprintf(delim, sizeof(delim), "--%s", bound);
	struct apprise_part *out = arena_alloc(a, APPRISE_MAX_PARTS * sizeof(*out));
	if (!out)
		return -ENOMEM;
	const char *end = body + len;
	const char *p = len ? memmem(body, len, delim, (size_t)dl) : NULL;
	if (!p)
		BAD("multipart body without its boundary");
	size_t k = 0;
	for (;;) {
		p += dl;
		if (end - p >= 2 && !memcmp(p, "--", 2))
			break; /* the closing delimiter */
		if (k == APPRISE_MAX_PARTS)
			BAD("too many parts in the multipart body");
		/* the rest of the delimiter line */
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			BAD("multipart part without headers");
		const char *hs = eol + 1;
		const char *he = memmem(hs, (size_t)(end - hs), "\r\n\r\n", 4);
		size_t sep = 4;
		if (!he) {
			he = memmem(hs, (size_t)(end - hs), "\n\n", 2);
			sep = 2;
		}
		if (hs < end && (*hs == '\n' || (*hs == '\r' && end - hs > 1 && hs[1] == '\n'))) {
			he = hs; /* no headers at all */
			sep = *hs == '\n' ? 1 : 2;
		}
		if (!he)
			BAD("multipart part without the end of its headers");
		const char *bs = he + sep;
		const char *next = memmem(bs, (size_t)(end - bs), delim, (size_t)dl);
		if (!next)
			BAD("multipart part without a closing boundary");
		const char *be = next;
		if (be > bs && be[-1] == '\n')
			be--;
		if (be > bs && be[-1] == '\r')
			be--;
		size_t hl = (size_t)(he - hs), vl = 0;
		const char *cd = header_of(hs, hl, "Content-Disposition", &vl);
		struct apprise_part *q = &out[k];
		memset(q, 0, sizeof(*q));
		q->name = cd ? param_of(a, cd, vl, "name") : NULL;
		q->filename = cd ? param_of(a, cd, vl, "filename") : NULL;
		const char *ctv = header_of(hs, hl, "Content-Type", &vl);
		q->ctype = ctv ? arena_strndup(a, ctv, vl) : NULL;
		q->len = (size_t)(be - bs);
		q->data = arena_strndup(a, bs, q->len);
		if (!q->data || (ctv && !q->ctype))
			return -ENOMEM;
		if (!q->name)
			q->name = "";
		k++;
		p = next;
	}
	*parts = out;
	*n = k;
	return 0;
}

static int b64v(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decodes base64 (standard or URL alphabet, padding and whitespace
 * optional). 0 or -EINVAL. */
static int b64_decode(struct arena *a, const char *s, size_t n, char **out, size_t *olen)
{
	char *o = arena_alloc(a, n / 4 * 3 + 4);
	if (!o)
		return -ENOMEM;
	size_t w = 0;
	unsigned acc = 0;
	int bits = 0;
	bool pad = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isspace(c))
			continue;
		if (c == '=') {
			pad = true;
			continue;
		}
		int v = b64v(c);
		if (v < 0 || pad)
			return -EINVAL;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[w++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (bits >= 6)
		return -EINVAL; /* a lone sextet */
	o[w] = '\0';
	*out = o;
	*olen = w;
	return 0;
}

const char *apprise_mime_guess(const char *name)
{
	static const struct {
		const char *ext, *type;
	} map[] = {
		{"txt", "text/plain"},	     {"log", "text/plain"},
		{"htm", "text/html"},	     {"html", "text/html"},
		{"css", "text/css"},	     {"csv", "text/csv"},
		{"md", "text/markdown"},     {"xml", "text/xml"},
		{"json", "application/json"}, {"pdf", "application/pdf"},
		{"zip", "application/zip"},  {"gz", "application/gzip"},
		{"tar", "application/x-tar"}, {"js", "text/javascript"},
		{"png", "image/png"},	     {"jpg", "image/jpeg"},
		{"jpeg", "image/jpeg"},	     {"gif", "image/gif"},
		{"webp", "image/webp"},	     {"svg", "image/svg+xml"},
		{"bmp", "image/bmp"},	     {"ico", "image/vnd.microsoft.icon"},
		{"mp3", "audio/mpeg"},	     {"wav", "audio/x-wav"},
		{"ogg", "audio/ogg"},	     {"mp4", "video/mp4"},
		{"webm", "video/webm"},	     {"yaml", "application/yaml"},
	};
	const char *dot = name ? strrchr(name, '.') : NULL;
	for (size_t i = 0; dot && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(dot + 1, map[i].ext))
			return map[i].type;
	return "application/octet-stream";
}

char *apprise_url_basename(struct arena *a, const char *url)
{
	const char *s = strstr(url, "://");
	s = s ? s + 3 : url;
	const char *slash = strchr(s, '/');
	if (!slash)
		return arena_strdup(a, "attachment");
	size_t pl = strcspn(slash, "?#");
	const char *b = slash;
	for (size_t i = 0; i < pl; i++)
		if (slash[i] == '/')
			b = slash + i + 1;
	size_t bl = (size_t)(slash + pl - b);
	return bl ? arena_strndup(a, b, bl) : arena_strdup(a, "attachment");
}

static bool http_url(const char *s)
{
	return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8);
}

/* A file name as it may go into headers and MIME parts: no control
 * characters, no quotes or path; bounded. */
static const char *clean_name(struct arena *a, const char *s)
{
	const char *b = s;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	size_t n = strlen(b);
	if (n > 200)
		n = 200;
	char *o = arena_strndup(a, b, n);
	if (!o)
		return NULL;
	for (char *p = o; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '"' || *p == 0x7f)
			*p = '_';
	return *o ? o : "attachment";
}

static int add_ref(const json_t *e, struct arena *a, struct apprise_attach_ref *out,
		   size_t *n, const char **why)
{
	if (*n >= APPRISE_MAX_ATTACH)
		BAD("too many attachments");
	struct apprise_attach_ref *r = &out[*n];
	memset(r, 0, sizeof(*r));
	const char *url = NULL, *fname = NULL, *mime = NULL;
	if (json_is_string(e)) {
		url = json_string_value(e);
	} else if (json_is_object(e)) {
		const json_t *b64 = json_object_get(e, "base64");
		const json_t *u = json_object_get(e, "url");
		const json_t *f = json_object_get(e, "filename");
		const json_t *m = json_object_get(e, "mimetype");
		if ((f && !json_is_string(f)) || (m && !json_is_string(m)))
			BAD("an attachment's filename and mimetype must be strings");
		fname = json_string_value(f);
		mime = json_string_value(m);
		if (json_is_string(b64)) {
			char *d;
			size_t dl;
			int rc = b64_decode(a, json_string_value(b64),
					    json_string_length(b64), &d, &dl);
			if (rc == -ENOMEM)
				return rc;
			if (rc)
				BAD("an attachment's base64 is not valid");
			r->a.data = d;
			r->a.len = dl;
		} else if (json_is_string(u)) {
			url = json_string_value(u);
		} else {
			BAD("an attachment needs base64 or url");
		}
	} else {
		BAD("an attachment must be a URL or an object");
	}
	if (url) {
		if (!http_url(url) || strlen(url) > 2048 || strpbrk(url, " \r\n\t"))
			BAD("an attachment URL must be http:// or https://");
		if (!(r->url = arena_strdup(a, url)))
			return -ENOMEM;
	}
	const char *name = fname && *fname ? fname : url ? apprise_url_basename(a, url) : "attachment";
	if (!name || !(r->a.name = clean_name(a, name)))
		return -ENOMEM;
	r->a.mimetype = mime && *mime && !strpbrk(mime, "\r\n\"") ? arena_strdup(a, mime)
								   : apprise_mime_guess(r->a.name);
	if (!r->a.mimetype)
		return -ENOMEM;
	if (!r->a.data)
		r->a.data = "";
	(*n)++;
	return 0;
}

int apprise_attach_refs(const json_t *v, struct arena *a,
			struct apprise_attach_ref *out, size_t *n,
			const char **why)
{
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return add_ref(v, a, out, n, why);
	size_t i;
	const json_t *e;
	json_array_foreach(v, i, e) {
		int rc = add_ref(e, a, out, n, why);
		if (rc)
			return rc;
	}
	return 0;
}

int apprise_attach_part(const struct apprise_part *p, struct arena *a,
			struct apprise_attach_ref *out, size_t *n, const char **why)
{
	if (*n >= APPRISE_MAX_ATTACH)
		BAD("too many attachments");
	struct apprise_attach_ref *r = &out[*n];
	memset(r, 0, sizeof(*r));
	r->a.name = clean_name(a, p->filename && *p->filename ? p->filename : "attachment");
	if (!r->a.name)
		return -ENOMEM;
	const char *ct = p->ctype;
	if (ct && *ct && strcasecmp(ct, "application/octet-stream") && !strpbrk(ct, "\r\n\""))
		r->a.mimetype = ct;
	else
		r->a.mimetype = apprise_mime_guess(r->a.name);
	r->a.data = p->data;
	r->a.len = p->len;
	(*n)++;
	return 0;
}
