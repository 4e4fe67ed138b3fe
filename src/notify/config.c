/* SPDX-License-Identifier: MIT */
/* The notify room's config schema: every key of `notify:`, its type, default, range and checks. */
#include "notify/config.h"

#include <string.h>

#include "notify/notify_room.h"
#include "proto/notify/ntfy_topic.h"

/* FIELD() sets the "none" offsets, then the entry's own values override
 * them: that is the point of the macro. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define F CFG_F
#define FIELD CFG_FIELD
#define N CFG_N

static const char *const access_names[] = {
	[NOTIFY_ACCESS_READ_WRITE] = "read-write",
	[NOTIFY_ACCESS_READ_ONLY] = "read-only",
	[NOTIFY_ACCESS_WRITE_ONLY] = "write-only",
	[NOTIFY_ACCESS_DENY_ALL] = "deny-all",
};

const char *notify_access_name(enum notify_access a)
{
	return (unsigned)a < N(access_names) ? access_names[a] : "?";
}

/* Each `to` is ntfy:TOPIC (a valid, unreserved topic) or an Apprise URL. */
static int route_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_notify_route *r = obj;
	if (!*r->event)
		return cfg_fail(err, &r->pos, "a route needs an event name");
	if (!r->n_to)
		return cfg_fail(err, &r->pos, "route '%s' goes nowhere: `to` "
				"is empty", r->event);
	for (size_t i = 0; i < r->n_to; i++) {
		const char *to = r->to[i];
		if (strncmp(to, "ntfy:", 5) == 0 && !strstr(to, "://")) {
			const char *t = to + 5;
			if (!ntfy_topic_valid(t, strlen(t)) ||
			    ntfy_topic_reserved(t, strlen(t)))
				return cfg_fail(err, &r->to_pos,
						"'%s': a topic is 1-64 of "
						"A-Z a-z 0-9 - _, not a "
						"reserved name", to);
			continue;
		}
		const char *sep = strstr(to, "://");
		if (!sep || sep == to)
			return cfg_fail(err, &r->to_pos,
					"'%s' is neither ntfy:TOPIC nor an "
					"Apprise URL (SCHEME://...)", to);
	}
	return 0;
}

static const struct cfg_field notify_route_fields[] = {
	FIELD(.key = "event", .type = CFG_STRING,
	      .off = F(struct cfg_notify_route, event), .required = true,
	      .reloadable = true,
	      .help = "the event name rooms publish (backup.failed, "
		      "watch.down, dhcp.pool_exhausted, dns.zone_refused)"),
	FIELD(.key = "to", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *),
	      .off = F(struct cfg_notify_route, to),
	      .count_off = F(struct cfg_notify_route, n_to),
	      .pos_off = F(struct cfg_notify_route, to_pos),
	      .required = true, .reloadable = true,
	      .help = "ntfy:TOPIC (a topic here) or Apprise URLs"),
};
static const struct cfg_section notify_route_section = {
	.size = sizeof(struct cfg_notify_route), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_notify_route, pos),
	.fields = notify_route_fields, .n_fields = N(notify_route_fields),
	.check = route_check,
};

static const struct cfg_field notify_apprise_fields[] = {
	FIELD(.key = "listen", .type = CFG_SOCKADDR,
	      .off = F(struct cfg_notify_apprise, listen),
	      .set_off = F(struct cfg_notify_apprise, has_listen),
	      .help = "ADDR:PORT serving the Apprise-compatible API at its "
		      "root (/notify, /add/KEY, ...); absent: none"),
	FIELD(.key = "timeout", .type = CFG_DURATION,
	      .off = F(struct cfg_notify_apprise, timeout), .def = "10s",
	      .min = 1, .max = 300, .reloadable = true,
	      .help = "how long one request to a target may take"),
	FIELD(.key = "retries", .type = CFG_INT,
	      .off = F(struct cfg_notify_apprise, retries), .def = "2",
	      .min = 0, .max = 10, .reloadable = true,
	      .help = "further tries of a request that found no server, a 5xx "
		      "or a 429 (a timeout is not tried again)"),
	FIELD(.key = "retry_delay_ms", .type = CFG_INT,
	      .off = F(struct cfg_notify_apprise, retry_delay_ms), .def = "500",
	      .min = 0, .max = 60000, .reloadable = true,
	      .help = "wait before the first retry, in milliseconds; doubles "
		      "for each next one"),
	FIELD(.key = "max_body", .type = CFG_SIZE,
	      .off = F(struct cfg_notify_apprise, max_body), .def = "3M",
	      .min = 4096, .max = 67108864,
	      .help = "largest request body; past it 431, as Apprise API "
		      "answers"),
	FIELD(.key = "attach_size", .type = CFG_SIZE,
	      .off = F(struct cfg_notify_apprise, attach_size), .def = "16M",
	      .min = 0, .max = 67108864, .reloadable = true,
	      .help = "largest attachment a notify call may carry or name by "
		      "URL (at most 6; each target holds its own copy; 0: "
		      "attachments refused, 400 Bad Attachment, as "
		      "APPRISE_ATTACH_SIZE=0)"),
	FIELD(.key = "recursion_max", .type = CFG_INT,
	      .off = F(struct cfg_notify_apprise, recursion_max), .def = "1",
	      .min = 0, .max = 16, .reloadable = true,
	      .help = "X-Apprise-Recursion-Count above it is answered 406"),
	FIELD(.key = "discord_url", .type = CFG_STRING,
	      .off = F(struct cfg_notify_apprise, discord_url), .reloadable = true,
	      .help = "base for discord:// (default "
		      "https://discord.com/api/webhooks)"),
	FIELD(.key = "slack_url", .type = CFG_STRING,
	      .off = F(struct cfg_notify_apprise, slack_url), .reloadable = true,
	      .help = "base for slack:// webhooks (default "
		      "https://hooks.slack.com/services)"),
	FIELD(.key = "telegram_url", .type = CFG_STRING,
	      .off = F(struct cfg_notify_apprise, telegram_url), .reloadable = true,
	      .help = "base for tgram:// (default https://api.telegram.org)"),
	FIELD(.key = "pushover_url", .type = CFG_STRING,
	      .off = F(struct cfg_notify_apprise, pushover_url), .reloadable = true,
	      .help = "base for pover:// (default https://api.pushover.net)"),
	FIELD(.key = "ntfy_url", .type = CFG_STRING,
	      .off = F(struct cfg_notify_apprise, ntfy_url), .reloadable = true,
	      .help = "base for ntfy:// in cloud mode (default "
		      "https://ntfy.sh)"),
};
static const struct cfg_section notify_apprise_section = {
	.fields = notify_apprise_fields, .n_fields = N(notify_apprise_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

static const struct cfg_field notify_limits_fields[] = {
	FIELD(.key = "request_burst", .type = CFG_INT,
	      .off = F(struct cfg_notify_limits, request_burst), .def = "60",
	      .min = 1, .max = 1000000, .reloadable = true,
	      .help = "requests a visitor may make at once (then 429 42901)"),
	FIELD(.key = "request_interval", .type = CFG_DURATION,
	      .off = F(struct cfg_notify_limits, request_interval),
	      .def = "5s", .min = 1, .max = 86400, .reloadable = true,
	      .help = "one more request allowed per this much time"),
	FIELD(.key = "subscriptions", .type = CFG_INT,
	      .off = F(struct cfg_notify_limits, subscriptions), .def = "30",
	      .min = 1, .max = 1048576, .reloadable = true,
	      .help = "subscriptions a visitor may hold open (then 429 42903)"),
	FIELD(.key = "messages_per_day", .type = CFG_INT,
	      .off = F(struct cfg_notify_limits, messages_per_day), .def = "0",
	      .min = 0, .max = INT64_C(1) << 40, .reloadable = true,
	      .help = "messages a visitor may publish a day (0: unlimited; "
		      "then 429 42908)"),
	FIELD(.key = "attachment_bandwidth", .type = CFG_SIZE,
	      .off = F(struct cfg_notify_limits, attachment_bandwidth),
	      .def = "500M", .min = 0, .max = INT64_C(1) << 40,
	      .reloadable = true,
	      .help = "attachment bytes a visitor may upload a day (0: "
		      "unlimited; then 413 41301)"),
	FIELD(.key = "auth_failure_burst", .type = CFG_INT,
	      .off = F(struct cfg_notify_limits, auth_failure_burst),
	      .def = "30", .min = 1, .max = 1000000, .reloadable = true,
	      .help = "failed logins from an address before 429 42909 (then "
		      "one more a minute)"),
	FIELD(.key = "visitors", .type = CFG_INT,
	      .off = F(struct cfg_notify_limits, visitors), .def = "10000",
	      .min = 16, .max = 1048576,
	      .help = "visitors whose limits are remembered at once (the "
		      "idle longest are forgotten first)"),
	FIELD(.key = "exempt", .type = CFG_LIST, .elem = CFG_PREFIX,
	      .elem_size = sizeof(struct ipprefix),
	      .off = F(struct cfg_notify_limits, exempt),
	      .count_off = F(struct cfg_notify_limits, n_exempt),
	      .reloadable = true,
	      .help = "client prefixes no visitor limit applies to "
		      "(127.0.0.1/32, ...)"),
};
static const struct cfg_section notify_limits_section = {
	.fields = notify_limits_fields, .n_fields = N(notify_limits_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

static int notify_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_notify *n = obj;
	n->default_access = NOTIFY_ACCESS_READ_WRITE;
	bool found = false;
	for (size_t i = 0; i < N(access_names); i++)
		if (strcmp(n->default_access_text, access_names[i]) == 0) {
			n->default_access = (enum notify_access)i;
			found = true;
		}
	if (!found)
		return cfg_fail(err, &n->default_access_pos,
				"default_access must be read-write, read-only, "
				"write-only or deny-all");
	if (n->delay_min > n->delay_max)
		return cfg_fail(err, NULL, "notify.delay_min is more than "
				"notify.delay_max");
	if (n->base_url && strncmp(n->base_url, "http://", 7) != 0 &&
	    strncmp(n->base_url, "https://", 8) != 0)
		return cfg_fail(err, NULL, "notify.base_url must start with "
				"http:// or https://");
	char a[ADDR_TEXT_MAX], b[ADDR_TEXT_MAX];
	sockaddr_format(&n->apprise.listen, a);
	sockaddr_format(&n->listen, b);
	const char *bases[] = {n->apprise.discord_url, n->apprise.slack_url,
			       n->apprise.telegram_url, n->apprise.pushover_url,
			       n->apprise.ntfy_url};
	for (size_t i = 0; i < N(bases); i++)
		if (bases[i] && strncmp(bases[i], "http://", 7) != 0 &&
		    strncmp(bases[i], "https://", 8) != 0)
			return cfg_fail(err, NULL, "notify.apprise: '%s' must start "
					"with http:// or https://", bases[i]);
	if (n->apprise.has_listen && strcmp(a, b) == 0)
		return cfg_fail(err, NULL, "notify.apprise.listen is "
				"notify.listen: give the Apprise API its own "
				"address");
	return 0;
}

static const struct cfg_field notify_fields[] = {
	FIELD(.key = "listen", .type = CFG_SOCKADDR,
	      .off = F(struct cfg_notify, listen), .def = "127.0.0.1:2586",
	      .help = "ADDR:PORT serving the ntfy-compatible API at its root "
		      "(topics at /TOPIC, /v1/health)"),
	FIELD(.key = "base_url", .type = CFG_STRING,
	      .off = F(struct cfg_notify, base_url),
	      .help = "the URL clients reach notify.listen at, for "
		      "attachment links (default: http://LISTEN)"),
	FIELD(.key = "default_access", .type = CFG_STRING,
	      .off = F(struct cfg_notify, default_access_text),
	      .pos_off = F(struct cfg_notify, default_access_pos),
	      .def = "read-write", .reloadable = true,
	      .help = "what a client without an ACL entry may do: read-write, "
		      "read-only, write-only or deny-all"),
	FIELD(.key = "cache_duration", .type = CFG_DURATION,
	      .off = F(struct cfg_notify, cache_duration), .def = "12h",
	      .min = 0, .max = 31536000, .reloadable = true,
	      .help = "how long messages are kept for since= and poll=1 "
		      "(0: not at all)"),
	FIELD(.key = "keepalive_interval", .type = CFG_DURATION,
	      .off = F(struct cfg_notify, keepalive_interval), .def = "45s",
	      .min = 1, .max = 76, .reloadable = true,
	      .help = "keepalive events (WebSocket pings) on idle "
		      "subscriptions; under the Android app's 77 s timeout"),
	FIELD(.key = "message_size_limit", .type = CFG_SIZE,
	      .off = F(struct cfg_notify, message_size_limit), .def = "4k",
	      .min = 256, .max = 262144, .reloadable = true,
	      .help = "a larger body is stored as an attachment"),
	FIELD(.key = "delay_min", .type = CFG_DURATION,
	      .off = F(struct cfg_notify, delay_min), .def = "10s", .min = 0,
	      .max = 31536000, .reloadable = true,
	      .help = "shortest delay a scheduled message may ask for"),
	FIELD(.key = "delay_max", .type = CFG_DURATION,
	      .off = F(struct cfg_notify, delay_max), .def = "3d", .min = 1,
	      .max = 31536000, .reloadable = true,
	      .help = "longest delay a scheduled message may ask for"),
	FIELD(.key = "attachment_file_limit", .type = CFG_SIZE,
	      .off = F(struct cfg_notify, attachment_file_limit),
	      .def = "15M", .min = 0, .max = 1073741824,
	      .help = "largest attachment upload (0: no uploads)"),
	FIELD(.key = "attachment_total_limit", .type = CFG_SIZE,
	      .off = F(struct cfg_notify, attachment_total_limit),
	      .def = "1G", .min = 0, .max = INT64_C(1) << 40,
	      .reloadable = true,
	      .help = "bytes of all attachments kept under state_dir"),
	FIELD(.key = "attachment_expiry", .type = CFG_DURATION,
	      .off = F(struct cfg_notify, attachment_expiry), .def = "3h",
	      .min = 1, .max = 31536000, .reloadable = true,
	      .help = "an attachment is deleted this long after upload"),
	FIELD(.key = "max_subscribers", .type = CFG_INT,
	      .off = F(struct cfg_notify, max_subscribers), .def = "4096",
	      .min = 1, .max = 1048576,
	      .help = "subscriptions (streams and WebSockets) open at once; "
		      "more get 429"),
	FIELD(.key = "max_subscribers_per_client", .type = CFG_INT,
	      .off = F(struct cfg_notify, max_subscribers_per_client),
	      .def = "30", .min = 1, .max = 1048576,
	      .help = "subscriptions open at once from one address; more "
		      "get 429"),
	FIELD(.key = "subscriber_buffer", .type = CFG_SIZE,
	      .off = F(struct cfg_notify, subscriber_buffer), .def = "256k",
	      .min = 4096, .max = 67108864,
	      .help = "bytes a subscriber may fall behind before it is "
		      "dropped"),
	FIELD(.key = "apprise", .type = CFG_SECTION,
	      .off = F(struct cfg_notify, apprise),
	      .sub = &notify_apprise_section,
	      .help = "the Apprise-compatible API: {listen, ...}"),
	FIELD(.key = "limits", .type = CFG_SECTION,
	      .off = F(struct cfg_notify, limits),
	      .sub = &notify_limits_section,
	      .help = "per-visitor limits as ntfy's: {request_burst, "
		      "request_interval, subscriptions, ...}"),
	FIELD(.key = "routes", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &notify_route_section, .off = F(struct cfg_notify, routes),
	      .count_off = F(struct cfg_notify, n_routes), .reloadable = true,
	      .help = "{event, to}: where the events rooms publish go"),
};
const struct cfg_section notify_config_section = {
	.fields = notify_fields, .n_fields = N(notify_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE, .check = notify_check,
};

const struct cfg_notify *notify_config(const struct config *cfg)
{
	return room_config(cfg, &notify_room_def);
}
