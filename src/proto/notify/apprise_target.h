/* SPDX-License-Identifier: MIT */
/* Apprise notification targets: per-scheme URL fields, and the requests each scheme sends for a message. */
#ifndef HEARTH_PROTO_NOTIFY_APPRISE_TARGET_H
#define HEARTH_PROTO_NOTIFY_APPRISE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "proto/notify/apprise_url.h"

/*
 * apprise_target_parse() reads one Apprise URL the way the matching
 * Apprise 1.2.0 plugin's parse_url() + __init__ do (which parts are
 * tokens, which are targets, which options exist), refusing what Apprise
 * refuses to load. apprise_build() turns a target and a message into the
 * requests the real service expects: pure data (method, URL, headers,
 * body; or an SMTP envelope; or an in-process publish), no I/O.
 *
 * All results live in the caller's arena. Pure; thread-safe.
 */

enum apprise_scheme {
	APPRISE_NTFY,
	APPRISE_JSON,
	APPRISE_FORM,
	APPRISE_XML,
	APPRISE_MAILTO,
	APPRISE_GOTIFY,
	APPRISE_DISCORD,
	APPRISE_SLACK,
	APPRISE_TGRAM,
	APPRISE_POVER,
	APPRISE_MATRIX,
	APPRISE_APPRISE,
	APPRISE_HEARTH,
	APPRISE_WEBHOOK, /* hearth's: Uptime Kuma's webhook (msg.json as is) */
	APPRISE_SCHEME_COUNT,
};

enum apprise_type { APPRISE_INFO, APPRISE_SUCCESS, APPRISE_WARNING, APPRISE_FAILURE };
enum apprise_format { APPRISE_TEXT, APPRISE_MARKDOWN, APPRISE_HTML };

/* "info"... / "text"...; -1 for anything else. */
int apprise_type_parse(const char *s);
int apprise_format_parse(const char *s);
const char *apprise_type_name(enum apprise_type t);
const char *apprise_format_name(enum apprise_format f);
/* The scheme's service name ("JSON", "Gotify", ...), for metrics/JSON. */
const char *apprise_scheme_service(enum apprise_scheme s);
/* Whether the scheme's requests carry a message's attachments (ntfy,
 * hearth, json, form, mailto, discord, tgram). */
bool apprise_scheme_attaches(enum apprise_scheme s);
/* The scheme family name ("json", "ntfy", ...): one per enum value. */
const char *apprise_scheme_name(enum apprise_scheme s);

#define APPRISE_MAX_TARGETS 32

struct apprise_target {
	enum apprise_scheme scheme;
	struct apprise_url u;
	enum apprise_format format; /* the plugin's notify_format */
	/* scheme tokens: gotify token; discord id, token; slack a, b, c or
	 * the bot token in a; tgram bot token; pover token (a) and user key
	 * (b); apprise key; matrix access token */
	const char *a, *b, *c;
	char **targets; /* topics, channels, chats, devices, rooms, mails */
	size_t ntargets;
	const char *prefix; /* gotify / apprise: path in front */
	int mode;	    /* ntfy: 1 cloud; slack: 1 bot; matrix: webhook mode */
};

/* Parses @url. Returns 0, -EINVAL (@why filled: static text) or -ENOMEM. */
int apprise_target_parse(const char *url, struct arena *a,
			 struct apprise_target *t, const char **why);

/* A file sent along with a message (Apprise's AttachBase). */
struct apprise_attach {
	const char *name;     /* file name, never NULL */
	const char *mimetype; /* never NULL */
	const char *data;     /* @len bytes */
	size_t len;
};

struct apprise_msg {
	const char *title; /* may be NULL or "" */
	const char *body;
	enum apprise_type type;
	enum apprise_format format; /* the body's format (body_format) */
	double now;		    /* wall clock, for Slack's "ts" */
	const char *apprise_id;	    /* X-Apprise-ID to forward, or NULL */
	int recursion;		    /* X-Apprise-Recursion-Count received */
	const struct apprise_attach *attach; /* @nattach files, may be NULL */
	size_t nattach;
	const char *json;	    /* webhook://: the body, or NULL */
};

/* Hosted services' bases; NULL members take the real ones. Lets a lab
 * route them through a proxy (and tests through a local sink). */
struct apprise_endpoints {
	const char *discord;  /* https://discord.com/api/webhooks */
	const char *slack;    /* https://hooks.slack.com/services */
	const char *slack_api; /* https://slack.com/api */
	const char *telegram; /* https://api.telegram.org */
	const char *pushover; /* https://api.pushover.net */
	const char *ntfy;     /* https://ntfy.sh (ntfy cloud mode) */
	const char *t2bot;    /* https://webhooks.t2bot.io */
};

enum apprise_req_kind {
	APPRISE_REQ_HTTP,
	APPRISE_REQ_SMTP,
	APPRISE_REQ_LOCAL, /* hearth://: publish to this hearth's topic */
};

#define APPRISE_REQ_MAX_HEADERS 40

struct apprise_request {
	enum apprise_req_kind kind;
	const char *what; /* for results: the topic, channel, chat, mail */
	/* HTTP (ok_status: 0 any 2xx, else that exact code or ok_status2) */
	const char *method, *url;
	const char *headers[APPRISE_REQ_MAX_HEADERS + 1]; /* "Name: value" */
	size_t nheaders;
	const char *body;
	size_t body_len;
	int ok_status, ok_status2;
	/* tgram:// without a chat: this is getUpdates; the answer names the
	 * bot's owner (apprise_tgram_owner), then build again with that chat */
	bool owner_probe;
	/* SMTP: url is smtp://host:port or smtps://host:port */
	bool starttls;
	bool insecure; /* ?verify=no: the server's certificate is not checked */
	const char *user, *password, *from;
	char **rcpt;
	size_t nrcpt;
	/* ntfy-shaped payload (ntfy://, hearth://): for publishing in process */
	const char *topic, *title, *message, *tags, *click, *delay;
	int priority; /* 1..5 */
	const struct apprise_attach *file; /* an upload to that topic, or NULL */
};

/*
 * Builds the requests for @m to @t into *@out (arena array of *@n).
 * Returns 0, -EINVAL when the target cannot be sent to (@why: static
 * text, e.g. "no valid topics") or -ENOMEM.
 */
int apprise_build(const struct apprise_target *t, const struct apprise_msg *m,
		  const struct apprise_endpoints *ep, struct arena *a,
		  struct apprise_request **out, size_t *n, const char **why);

/* The chat id in a Telegram getUpdates answer (the first message's
 * sender, as Apprise's detect_bot_owner picks it), or 0. */
long long apprise_tgram_owner(const char *body, size_t len);

/* Apprise's escape_html (with @whitespace: spaces as &nbsp;, tabs as
 * &emsp;; @newlines: "\n" as "<br/>"). Arena string. */
char *apprise_escape_html(struct arena *a, const char *s, bool whitespace,
			  bool newlines);

/* The body converted from @from to @to as Apprise's convert_between
 * does it: text->html escaped, html->text and html->markdown as text,
 * markdown->html through a safe subset of Python-Markdown. */
char *apprise_convert(struct arena *a, const char *s, enum apprise_format from,
		      enum apprise_format to);

#endif
