/* SPDX-License-Identifier: MIT */
/* What the Apprise request builder's files share (apprise_build.c, apprise_mail.c, apprise_convert.c). */
#ifndef HEARTH_PROTO_NOTIFY_APPRISE_BUILD_PRIV_H
#define HEARTH_PROTO_NOTIFY_APPRISE_BUILD_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "proto/notify/apprise_target.h"

#define APP_ID "Apprise"

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
/* Moves @x into @r's body (and frees @x). */
void apprise_bld_body(struct bld *b, struct apprise_request *r, struct buf *x);
/* Base64 of @n bytes appended to @o. */
void apprise_bld_b64(struct buf *o, const unsigned char *s, size_t n);
/* Whether kv[@i] is the last of its key (a dict's value). */
bool apprise_bld_last(const struct apprise_kv *kv, size_t n, size_t i);
/* mailto://, mailtos:// (apprise_mail.c). */
void apprise_bld_mailto(struct bld *b);
/* Telegram's clean-up of escape_html's output (apprise_convert.c). */
char *apprise_tgram_html(struct arena *a, const char *s);

#endif
