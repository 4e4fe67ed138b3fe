/* SPDX-License-Identifier: MIT */
/* Per-scheme Apprise URL parsing: which URL parts are tokens, targets and options, as Apprise 1.2.0's plugins read them. */
#include "proto/notify/apprise_target.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"

struct scheme_info {
	const char *plain, *secure; /* protocol names (secure may be NULL) */
	enum apprise_scheme scheme;
	const char *service;
	bool verify_host;
	enum apprise_format format; /* the plugin's default notify_format */
};

static const struct scheme_info SCHEMES[] = {
	{"ntfy", "ntfys", APPRISE_NTFY, "ntfy", false, APPRISE_TEXT},
	{"json", "jsons", APPRISE_JSON, "JSON", true, APPRISE_TEXT},
	{"form", "forms", APPRISE_FORM, "Form", true, APPRISE_TEXT},
	{"xml", "xmls", APPRISE_XML, "XML", true, APPRISE_TEXT},
	{"mailto", "mailtos", APPRISE_MAILTO, "E-Mail", true, APPRISE_HTML},
	{"gotify", "gotifys", APPRISE_GOTIFY, "Gotify", true, APPRISE_TEXT},
	{NULL, "discord", APPRISE_DISCORD, "Discord", false, APPRISE_TEXT},
	{NULL, "slack", APPRISE_SLACK, "Slack", false, APPRISE_MARKDOWN},
	{NULL, "tgram", APPRISE_TGRAM, "Telegram", false, APPRISE_HTML},
	{NULL, "pover", APPRISE_POVER, "Pushover", false, APPRISE_TEXT},
	{"matrix", "matrixs", APPRISE_MATRIX, "Matrix", false, APPRISE_TEXT},
	{"apprise", "apprises", APPRISE_APPRISE, "Apprise API", true, APPRISE_TEXT},
	{"hearth", NULL, APPRISE_HEARTH, "hearth", false, APPRISE_TEXT},
	{"webhook", "webhooks", APPRISE_WEBHOOK, "Webhook", true, APPRISE_TEXT},
};
#define NSCHEMES (sizeof(SCHEMES) / sizeof(SCHEMES[0]))

static const struct scheme_info *info_of(enum apprise_scheme s)
{
	for (size_t i = 0; i < NSCHEMES; i++)
		if (SCHEMES[i].scheme == s)
			return &SCHEMES[i];
	return &SCHEMES[0];
}

const char *apprise_scheme_service(enum apprise_scheme s)
{
	return info_of(s)->service;
}

const char *apprise_scheme_name(enum apprise_scheme s)
{
	const struct scheme_info *i = info_of(s);
	return i->plain ? i->plain : i->secure;
}

bool apprise_scheme_attaches(enum apprise_scheme s)
{
	return s == APPRISE_NTFY || s == APPRISE_HEARTH || s == APPRISE_JSON || s == APPRISE_FORM ||
	       s == APPRISE_MAILTO || s == APPRISE_DISCORD || s == APPRISE_TGRAM;
}

static const char *const TYPES[] = {"info", "success", "warning", "failure"};
static const char *const FORMATS[] = {"text", "markdown", "html"};

int apprise_type_parse(const char *s)
{
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, TYPES[i]))
			return i;
	return -1;
}

int apprise_format_parse(const char *s)
{
	for (int i = 0; s && i < 3; i++)
		if (!strcmp(s, FORMATS[i]))
			return i;
	return -1;
}

const char *apprise_type_name(enum apprise_type t)
{
	return TYPES[(unsigned)t < 4 ? t : 0];
}

const char *apprise_format_name(enum apprise_format f)
{
	return FORMATS[(unsigned)f < 3 ? f : 0];
}

/* ^[set]{min,max}$, case-insensitive alnum plus the bytes of @extra */
static bool token_ok(const char *s, size_t min, size_t max, const char *extra)
{
	size_t n = s ? strlen(s) : 0;
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    !(extra && strchr(extra, s[i])))
			return false;
	return true;
}

/* validate_regex's default: at least one non-blank byte, trimmed */
static bool nonblank(const char *s)
{
	if (!s)
		return false;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return true;
	return false;
}

/* Appends the list in ?to= (and the path segments from @first) to targets. */
static int collect_targets(struct arena *a, struct apprise_target *t,
			   size_t first, const char *more, bool sorted)
{
	struct buf all;
	buf_init(&all, APPRISE_URL_MAX * 2);
	for (size_t i = first; i < t->u.nsegs; i++) {
		buf_puts(&all, t->u.segs[i]);
		buf_puts(&all, " ");
	}
	const char *to = apprise_url_arg_nonempty(&t->u, "to");
	if (to)
		buf_puts(&all, to);
	if (all.err) {
		buf_deinit(&all);
		return -ENOMEM;
	}
	int n = apprise_split_list(a, all.data ? all.data : "", more, sorted,
				   APPRISE_MAX_TARGETS, &t->targets);
	buf_deinit(&all);
	if (n < 0)
		return n;
	t->ntargets = (size_t)n;
	return 0;
}

#define FAIL(msg)                  \
	do {                       \
		if (why)           \
			*why = msg; \
		return -EINVAL;    \
	} while (0)

static int parse_ntfy(struct arena *a, struct apprise_target *t, const char **why)
{
	int rc = collect_targets(a, t, 0, NULL, true);
	if (rc)
		return rc;
	const char *mode = apprise_url_arg_nonempty(&t->u, "mode");
	if (mode) {
		if (!strcasecmp(mode, "cloud"))
			t->mode = 1;
		else if (strcasecmp(mode, "private"))
			FAIL("invalid ntfy mode");
	} else {
		t->mode = apprise_is_hostname(t->u.host) && t->ntargets ? 0 : 1;
	}
	if (t->mode == 1 && !strcasestr(t->u.host, "ntfy.sh") && *t->u.host) {
		/* cloud mode: the "host" is the first topic */
		char **g = arena_alloc(a, (t->ntargets + 1) * sizeof(*g));
		if (!g)
			return -ENOMEM;
		g[0] = (char *)t->u.host;
		if (t->ntargets)
			memcpy(g + 1, t->targets, t->ntargets * sizeof(*g));
		t->targets = g;
		t->ntargets++;
	} else if (t->mode == 0 && !apprise_is_hostname(t->u.host)) {
		FAIL("invalid ntfy host");
	}
	/* topics that fail ^[a-z0-9_-]{1,64}$ are ignored, as Apprise does */
	size_t k = 0;
	for (size_t i = 0; i < t->ntargets; i++)
		if (token_ok(t->targets[i], 1, 64, "_-"))
			t->targets[k++] = t->targets[i];
	t->ntargets = k;
	return 0;
}

static int parse_hook(struct apprise_target *t, const char **why)
{
	const char *m = apprise_url_arg_nonempty(&t->u, "method");
	if (m) {
		static const char *const ok[] = {"GET", "POST", "PUT", "DELETE", "HEAD"};
		bool found = false;
		for (size_t i = 0; i < 5; i++)
			found = found || !strcasecmp(m, ok[i]);
		if (!found)
			FAIL("invalid method");
	}
	return 0;
}

static int parse_gotify(struct arena *a, struct apprise_target *t, const char **why)
{
	if (!t->u.nsegs || !nonblank(t->u.segs[t->u.nsegs - 1]))
		FAIL("missing Gotify token");
	t->a = t->u.segs[t->u.nsegs - 1];
	struct buf b;
	buf_init(&b, APPRISE_URL_MAX * 3);
	buf_puts(&b, "/");
	for (size_t i = 0; i + 1 < t->u.nsegs; i++) {
		buf_puts(&b, apprise_quote(a, t->u.segs[i], ""));
		buf_puts(&b, "/");
	}
	t->prefix = b.err ? NULL : arena_strdup(a, b.data);
	buf_deinit(&b);
	return t->prefix ? 0 : -ENOMEM;
}

static int parse_discord(struct apprise_target *t, const char **why)
{
	t->a = t->u.host;
	t->b = t->u.nsegs ? t->u.segs[0] : NULL;
	if (!nonblank(t->a))
		FAIL("missing Discord webhook id");
	if (!nonblank(t->b))
		FAIL("missing Discord webhook token");
	return 0;
}

static int parse_slack(struct arena *a, struct apprise_target *t, const char **why)
{
	size_t first = 0;
	const char *tok = apprise_url_arg_nonempty(&t->u, "token");
	char **toks = NULL;
	int nt = 0;
	if (tok) {
		nt = apprise_split_list(a, tok, "\t\r\n#\\/", false, 3, &toks);
		if (nt < 0)
			return nt;
	}
	if (nt > 0 ? !strncmp(toks[0], "xo", 2) : !strncmp(t->u.host, "xo", 2)) {
		t->mode = 1;
		t->a = nt > 0 ? toks[0] : t->u.host;
		if (!(strlen(t->a) > 5 && !strncmp(t->a, "xox", 3) &&
		      strchr("abp", t->a[3]) && t->a[4] == '-' &&
		      token_ok(t->a + 5, 1, 512, "-")))
			FAIL("invalid Slack bot token");
	} else if (nt > 0) {
		t->a = toks[0];
		t->b = nt > 1 ? toks[1] : NULL;
		t->c = nt > 2 ? toks[2] : NULL;
	} else {
		t->a = t->u.host;
		t->b = t->u.nsegs > 0 ? t->u.segs[0] : NULL;
		t->c = t->u.nsegs > 1 ? t->u.segs[1] : NULL;
		first = t->u.nsegs < 2 ? t->u.nsegs : 2;
	}
	if (!t->mode && !(token_ok(t->a, 1, 64, NULL) && token_ok(t->b, 1, 64, NULL) &&
			  token_ok(t->c, 1, 64, NULL)))
		FAIL("invalid Slack webhook tokens");
	if (!t->mode && tok) /* ?token= replaced the tokens: every segment is a channel */
		first = 0;
	return collect_targets(a, t, first, "\t\r\n#\\/", true);
}

static int parse_pover(struct arena *a, struct apprise_target *t, const char **why)
{
	t->a = t->u.host;
	t->b = t->u.user;
	if (!nonblank(t->a))
		FAIL("missing Pushover token");
	if (!nonblank(t->b))
		FAIL("missing Pushover user key");
	const char *s = apprise_url_arg(&t->u, "sound");
	if (s && !token_ok(s, 1, 12, NULL))
		FAIL("invalid Pushover sound");
	return collect_targets(a, t, 0, NULL, true);
}

static int parse_matrix(struct arena *a, struct apprise_target *t, const char **why)
{
	if (!*t->u.host)
		FAIL("missing Matrix host");
	int rc = collect_targets(a, t, 0, NULL, true);
	if (rc)
		return rc;
	const char *mode = apprise_url_arg(&t->u, "mode");
	/* 0 off (server), 1 matrix, 2 slack, 3 t2bot */
	if (!mode && !t->u.password && !t->ntargets)
		mode = "t2bot";
	if (!mode || !strcasecmp(mode, "off"))
		t->mode = 0;
	else if (!strcasecmp(mode, "matrix"))
		t->mode = 1;
	else if (!strcasecmp(mode, "slack"))
		t->mode = 2;
	else if (!strcasecmp(mode, "t2bot"))
		t->mode = 3;
	else
		FAIL("invalid Matrix mode");
	const char *pw = t->u.password;
	if (t->mode == 3)
		pw = t->u.host;
	const char *tok = apprise_url_arg_nonempty(&t->u, "token");
	if (tok)
		pw = tok;
	t->a = pw ? pw : t->u.user;
	if (t->mode == 3 && !token_ok(t->a, 64, 64, NULL))
		FAIL("invalid t2bot webhook id");
	return 0;
}

static int parse_apprise(struct arena *a, struct apprise_target *t, const char **why)
{
	const char *tok = apprise_url_arg_nonempty(&t->u, "token");
	if (!tok)
		tok = apprise_url_arg_nonempty(&t->u, "to");
	size_t keep = t->u.nsegs;
	if (!tok && t->u.nsegs) {
		tok = t->u.segs[t->u.nsegs - 1];
		keep--;
	}
	if (!token_ok(tok, 1, 32, "_-"))
		FAIL("invalid Apprise API key");
	t->a = tok;
	struct buf b;
	buf_init(&b, APPRISE_URL_MAX * 3);
	buf_puts(&b, "");
	for (size_t i = 0; i < keep; i++) {
		buf_puts(&b, "/");
		buf_puts(&b, apprise_quote(a, t->u.segs[i], ""));
	}
	t->prefix = b.err ? NULL : arena_strdup(a, b.data ? b.data : "");
	buf_deinit(&b);
	return t->prefix ? 0 : -ENOMEM;
}

/* tgram://[bot]123456:ABC/chat?... : the token's ':' is not a port. */
static int parse_tgram(const char *url, struct arena *a, struct apprise_target *t,
		       const char **why)
{
	const char *p = url;
	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, "tgram://", 8))
		FAIL("not a tgram URL");
	p += 8;
	if (!strncasecmp(p, "bot", 3) && isdigit((unsigned char)p[3]))
		p += 3;
	const char *prefix_end = p;
	const char *at = strchr(p, '@');
	const char *slash = strchr(p, '/');
	if (at && (!slash || at < slash))
		prefix_end = at + 1;
	const char *d = prefix_end;
	while (isdigit((unsigned char)*d))
		d++;
	if (d == prefix_end)
		FAIL("invalid Telegram bot token");
	const char *rest = d;
	size_t seps = 0;
	while (*rest == ':' || !strncasecmp(rest, "%3a", 3)) {
		rest += *rest == ':' ? 1 : 3;
		seps++;
	}
	if (!seps)
		FAIL("invalid Telegram bot token");
	size_t n = strlen(url) + 16;
	char *re = arena_alloc(a, n);
	if (!re)
		return -ENOMEM;
	snprintf(re, n, "tgram://%.*s/%s", (int)(d - p), p, rest);
	int rc = apprise_url_parse(re, false, a, &t->u, why);
	if (rc)
		return rc;
	if (!t->u.nsegs)
		FAIL("invalid Telegram bot token");
	size_t tl = strlen(t->u.host) + strlen(t->u.segs[0]) + 2;
	char *tok = arena_alloc(a, tl);
	if (!tok)
		return -ENOMEM;
	snprintf(tok, tl, "%s:%s", t->u.host, t->u.segs[0]);
	t->a = tok;
	if (!token_ok(t->u.segs[0], 1, 256, "_-"))
		FAIL("invalid Telegram bot token");
	return collect_targets(a, t, 1, NULL, true);
}

int apprise_target_parse(const char *url, struct arena *a,
			 struct apprise_target *t, const char **why)
{
	memset(t, 0, sizeof(*t));
	const char *p = url;
	while (isspace((unsigned char)*p))
		p++;
	size_t sl = strcspn(p, ":");
	const struct scheme_info *si = NULL;
	for (size_t i = 0; i < NSCHEMES && !si; i++) {
		if ((SCHEMES[i].plain && strlen(SCHEMES[i].plain) == sl &&
		     !strncasecmp(p, SCHEMES[i].plain, sl)) ||
		    (SCHEMES[i].secure && strlen(SCHEMES[i].secure) == sl &&
		     !strncasecmp(p, SCHEMES[i].secure, sl)))
			si = &SCHEMES[i];
	}
	if (!si)
		FAIL("unsupported URL scheme");
	t->scheme = si->scheme;
	t->format = si->format;
	int rc;
	if (si->scheme == APPRISE_TGRAM)
		rc = parse_tgram(url, a, t, why);
	else
		rc = apprise_url_parse(url, si->verify_host, a, &t->u, why);
	if (rc)
		return rc;
	/* discord, slack, tgram and pover have only their secure name, yet
	 * Apprise sends over https whichever was written */
	if (!si->plain)
		t->u.secure = si->scheme != APPRISE_HEARTH;
	const char *f = apprise_url_arg(&t->u, "format");
	if (f && apprise_format_parse(f) >= 0)
		t->format = (enum apprise_format)apprise_format_parse(f);
	switch (si->scheme) {
	case APPRISE_NTFY:
		return parse_ntfy(a, t, why);
	case APPRISE_JSON:
	case APPRISE_FORM:
	case APPRISE_XML:
	case APPRISE_WEBHOOK:
		return parse_hook(t, why);
	case APPRISE_MAILTO:
		return collect_targets(a, t, 0, NULL, false);
	case APPRISE_GOTIFY:
		return parse_gotify(a, t, why);
	case APPRISE_DISCORD:
		return parse_discord(t, why);
	case APPRISE_SLACK:
		return parse_slack(a, t, why);
	case APPRISE_TGRAM:
		return 0;
	case APPRISE_POVER:
		return parse_pover(a, t, why);
	case APPRISE_MATRIX:
		return parse_matrix(a, t, why);
	case APPRISE_APPRISE:
		return parse_apprise(a, t, why);
	case APPRISE_HEARTH: {
		/* hearth://topic[/topic2...]: this hearth's own ntfy topics */
		if (*t->u.host) {
			char *h = (char *)t->u.host;
			char **g = arena_alloc(a, (t->u.nsegs + 1) * sizeof(*g));
			if (!g)
				return -ENOMEM;
			g[0] = h;
			if (t->u.nsegs)
				memcpy(g + 1, t->u.segs, t->u.nsegs * sizeof(*g));
			t->u.segs = g;
			t->u.nsegs++;
		}
		rc = collect_targets(a, t, 0, NULL, true);
		if (rc)
			return rc;
		for (size_t i = 0; i < t->ntargets; i++)
			if (!token_ok(t->targets[i], 1, 64, "_-"))
				FAIL("invalid hearth topic");
		if (!t->ntargets)
			FAIL("hearth:// needs a topic");
		return 0;
	}
	default:
		FAIL("unsupported URL scheme");
	}
}
