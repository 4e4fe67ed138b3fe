/* SPDX-License-Identifier: MIT */
/* mailto:// and mailtos://: the SMTP envelope and the MIME message Apprise's NotifyEmail sends, as pure data. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "proto/notify/apprise_build_priv.h"

/* One RFC 2047 encoded-word (base64) when @s is not plain ASCII. */
static void mime_header_value(struct buf *o, const char *s)
{
	bool ascii = true;
	for (const char *c = s; *c; c++)
		ascii = ascii && (unsigned char)*c < 0x80 && *c != '\r' && *c != '\n';
	if (ascii) {
		buf_puts(o, s);
		return;
	}
	buf_puts(o, "=?utf-8?b?");
	apprise_bld_b64(o, (const unsigned char *)s, strlen(s));
	buf_puts(o, "?=");
}

static void mime_b64_part(struct buf *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i += 57) {
		apprise_bld_b64(o, (const unsigned char *)s + i, n - i < 57 ? n - i : 57);
		buf_puts(o, "\r\n");
	}
}

/* A text part: its line ends as CRLF (what Python's email package puts
 * on the wire for MIMEText), then base64. */
static void mime_text_part(struct buf *o, const char *s)
{
	struct buf t;
	buf_init(&t, 64u << 20);
	buf_puts(&t, "");
	for (const char *p = s; *p; p++) {
		if (*p == '\n' && (p == s || p[-1] != '\r'))
			buf_puts(&t, "\r");
		buf_append(&t, p, 1);
	}
	if (t.err)
		o->err = t.err;
	else
		mime_b64_part(o, t.data, t.len);
	buf_deinit(&t);
}

/* is_email() lite: local@domain with a dot-free-or-dotted domain */
static bool looks_like_email(const char *s)
{
	const char *at = strchr(s, '@');
	return at && at > s && at[1] && !strchr(at + 1, '@') && !strpbrk(s, " \t\r\n<>,");
}

void apprise_bld_mailto(struct bld *b)
{
	const struct apprise_target *t = b->t;
	const struct apprise_url *u = &t->u;
	const char *from_name = APP_ID, *from = NULL;
	if (u->user && *u->host) {
		size_t ul = strcspn(u->user, " \t@");
		from = apprise_bld_str(b, "%.*s@%s", (int)ul, u->user, u->host);
	}
	const char *fq = apprise_url_arg_nonempty(u, "from");
	const char *nq = apprise_url_arg_nonempty(u, "name");
	if (fq && looks_like_email(fq)) {
		from = fq;
		from_name = nq;
	} else if (fq || nq) {
		from_name = fq ? fq : nq;
	}
	if (!from || !looks_like_email(from)) {
		b->why = "invalid From address (give user@host or ?from=)";
		b->err = -EINVAL;
		return;
	}
	const char *smtp = apprise_url_arg_nonempty(u, "smtp");
	if (!smtp)
		smtp = u->host;
	const char *mode = apprise_url_arg_nonempty(u, "mode");
	bool ssl = u->secure && mode && !strcasecmp(mode, "ssl");
	if (mode && strcasecmp(mode, "ssl") && strcasecmp(mode, "starttls")) {
		b->why = "invalid secure mode";
		b->err = -EINVAL;
		return;
	}
	int port = u->port > 0 ? u->port : (u->secure ? 587 : 25);
	char *url = apprise_bld_str(b, "%s://%s:%d", ssl ? "smtps" : "smtp", smtp, port);
	const char *html = b->body ? b->body : "";
	const char *text = t->format == APPRISE_HTML ? apprise_convert(b->a, html, APPRISE_HTML, APPRISE_TEXT) : html;
	size_t nt = t->ntargets;
	for (size_t i = 0; i < (nt ? nt : 1); i++) {
		const char *to = nt ? t->targets[i] : from;
		if (!looks_like_email(to))
			continue;
		struct apprise_request *r = apprise_bld_req(b, NULL, url);
		if (!r)
			return;
		r->kind = APPRISE_REQ_SMTP;
		r->what = to;
		r->starttls = u->secure && !ssl;
		r->insecure = !apprise_parse_bool(apprise_url_arg(u, "verify"), true);
		r->user = u->password ? u->user : NULL;
		r->password = u->password;
		r->from = from;
		r->rcpt = arena_alloc(b->a, sizeof(char *));
		if (!r->rcpt) {
			b->err = -ENOMEM;
			return;
		}
		r->rcpt[0] = (char *)to;
		r->nrcpt = 1;
		struct buf m;
		buf_init(&m, 64u << 20);
		long long now = (long long)b->m->now;
		const char *bound = "===============hearth-apprise==";
		for (size_t k = 0; k < u->nadd; k++)
			if (apprise_bld_last(u->add, u->nadd, k) && !strpbrk(u->add[k].key, "\r\n:") &&
			    !strpbrk(u->add[k].val, "\r\n"))
				buf_printf(&m, "%s: %s\r\n", u->add[k].key, u->add[k].val);
		buf_puts(&m, "Subject: ");
		mime_header_value(&m, b->title ? b->title : "");
		buf_puts(&m, "\r\nFrom: ");
		if (from_name) {
			mime_header_value(&m, from_name);
			buf_puts(&m, " ");
		}
		buf_printf(&m, "%s%s%s\r\nTo: %s\r\n", from_name ? "<" : "", from,
			   from_name ? ">" : "", to);
		buf_printf(&m, "Message-ID: <%lld.%zu.hearth@%s>\r\n", now, i, smtp);
		char date[64];
		time_t tt = (time_t)now;
		struct tm tm;
		gmtime_r(&tt, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
		buf_printf(&m, "Date: %s\r\nX-Application: %s\r\nMIME-Version: 1.0\r\n", date, APP_ID);
		const char *mixed = "===============hearth-apprise-mixed==";
		if (b->m->nattach) /* the message, then each file (MIMEApplication) */
			buf_printf(&m, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
				   "--%s\r\n", mixed, mixed);
		if (t->format == APPRISE_HTML) {
			buf_printf(&m, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", bound);
			buf_printf(&m, "--%s\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n"
				   "Content-Transfer-Encoding: base64\r\n\r\n", bound);
			mime_text_part(&m, text ? text : "");
			buf_printf(&m, "\r\n--%s\r\nContent-Type: text/html; charset=\"utf-8\"\r\n"
				   "Content-Transfer-Encoding: base64\r\n\r\n", bound);
			mime_text_part(&m, html);
			buf_printf(&m, "\r\n--%s--\r\n", bound);
		} else {
			buf_puts(&m, "Content-Type: text/plain; charset=\"utf-8\"\r\n"
				     "Content-Transfer-Encoding: base64\r\n\r\n");
			mime_text_part(&m, html);
		}
		for (size_t k = 0; k < b->m->nattach; k++) {
			const struct apprise_attach *f = &b->m->attach[k];
			buf_printf(&m, "\r\n--%s\r\nContent-Type: %s\r\nMIME-Version: 1.0\r\n"
				   "Content-Transfer-Encoding: base64\r\n"
				   "Content-Disposition: attachment; filename=\"", mixed, f->mimetype);
			mime_header_value(&m, f->name);
			buf_puts(&m, "\"\r\n\r\n");
			mime_b64_part(&m, f->data, f->len);
		}
		if (b->m->nattach)
			buf_printf(&m, "\r\n--%s--\r\n", mixed);
		apprise_bld_body(b, r, &m);
	}
	if (!b->err && !b->n) {
		b->why = "no valid recipients";
		b->err = -EINVAL;
	}
}
