/* SPDX-License-Identifier: MIT */
/* What the Apprise request builder's files share (apprise_build.c, apprise_mail.c, apprise_convert.c). */
#ifndef HEARTH_PROTO_NOTIFY_APPRISE_BUILD_PRIV_H
#define HEARTH_PROTO_NOTIFY_APPRISE_BUILD_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "proto/notify/apprise_target.h"

#include <jansson.h>

#define APP_ID "Apprise"
#define APP_DESC "Apprise Notifications"
#define APP_URL "https://github.com/caronc/apprise"
#define IMAGE_MASK "https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/apprise-%s-%s.png"
#define LOGO_URL "https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/apprise-logo.png"

/* The build of one target: the arena, the output list and the first error. */
struct bld {
	struct arena *a;
	const struct apprise_target *t;
	const struct apprise_msg *m;
	const struct apprise_endpoints *ep;
	struct apprise_request *reqs;
	size_t n, cap;
	int err;
	const char *why;
	const char *title, *body; /* after conversion for the plugin */
};

/* An arena string, printf-style; NULL (and b->err) when out of memory. */
char *apprise_bld_str(struct bld *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A new request appended to the build's list (NULL when out of memory). */
struct apprise_request *apprise_bld_req(struct bld *b, const char *method,
					const char *url);
/* Adds "Name: value" to @r (nothing when @val is NULL; CR/LF refused). */
void apprise_bld_header(struct bld *b, struct apprise_request *r,
			const char *name, const char *val);
/* Authorization: Basic for @user (nothing when NULL). */
void apprise_bld_basic_auth(struct bld *b, struct apprise_request *r,
			    const char *user, const char *pass);
/* @j (taken) as @r's body, written as Python's json.dumps does. */
void apprise_bld_json(struct bld *b, struct apprise_request *r, json_t *j);
/* The message type's image at @size ("256x256"). */
char *apprise_bld_image_url(struct bld *b, const char *size);
/* The message type's colour as an integer. */
int apprise_bld_color(enum apprise_type t);
/* tgram:// (apprise_tgram.c). */
void apprise_bld_tgram(struct bld *b);
/* discord:// (apprise_discord.c). */
void apprise_bld_discord(struct bld *b);

/* A multipart/form-data body being written (as Python requests writes
 * one): fields, then files, then end(). */
struct apprise_mp {
	struct buf x;
	char boundary[40];
};
/* Starts a body whose boundary occurs in none of @files' bytes. */
void apprise_mp_init(struct apprise_mp *mp, const struct apprise_attach *files,
		     size_t nfiles);
void apprise_mp_field(struct apprise_mp *mp, const char *name, const char *val);
/* A file part; @ctype NULL: no Content-Type line (as requests sends a
 * (name, file) tuple). */
void apprise_mp_file(struct apprise_mp *mp, const char *name,
		     const struct apprise_attach *f, const char *ctype);
/* Closes the body, sets it and its Content-Type header on @r. */
void apprise_mp_end(struct bld *b, struct apprise_request *r, struct apprise_mp *mp);

/* Moves @x into @r's body (and frees @x). */
void apprise_bld_body(struct bld *b, struct apprise_request *r, struct buf *x);
/* Base64 of @n bytes appended to @o. */
void apprise_bld_b64(struct buf *o, const unsigned char *s, size_t n);
/* Whether kv[@i] is the last of its key (a dict's value). */
bool apprise_bld_last(const struct apprise_kv *kv, size_t n, size_t i);
/* mailto://, mailtos:// (apprise_mail.c). */
void apprise_bld_mailto(struct bld *b);
/* Markdown as HTML, a safe subset (apprise_markdown.c). Arena string. */
char *apprise_markdown_html(struct arena *a, const char *md);
/* Telegram's clean-up of escape_html's output (apprise_convert.c). */
char *apprise_tgram_html(struct arena *a, const char *s);

#endif
