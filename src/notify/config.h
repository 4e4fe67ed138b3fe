/* SPDX-License-Identifier: MIT */
/* The notify room's config section: its structs and schema. */
#ifndef HEARTH_NOTIFY_CONFIG_H
#define HEARTH_NOTIFY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "core/config.h"
#include "core/config_schema.h"

/* notify.default_access, parsed by the section's check. */
enum notify_access {
	NOTIFY_ACCESS_READ_WRITE,
	NOTIFY_ACCESS_READ_ONLY,
	NOTIFY_ACCESS_WRITE_ONLY,
	NOTIFY_ACCESS_DENY_ALL,
};

/* All strings and arrays belong to the snapshot's arena (immutable). */

/* One of notify.routes: an event name and where it goes. Each `to` is
 * "ntfy:TOPIC" (a topic of this room) or an Apprise URL ("SCHEME://..."). */
struct cfg_notify_route {
	struct cfg_pos pos;
	const char *event;
	const char **to;
	size_t n_to;
	struct cfg_pos to_pos;
};

/* notify.apprise: the Apprise-compatible API (the apprise side's keys go
 * here). No listen: no Apprise API. */
struct cfg_notify_apprise {
	struct sockaddr_any listen;
	bool has_listen;
	int64_t timeout;	 /* seconds a target's request may take */
	int64_t retries;	 /* further tries of a failed request */
	int64_t retry_delay_ms;	 /* before the first retry; doubles */
	int64_t max_body;	 /* bytes of a request body (more: 431) */
	int64_t recursion_max;	 /* X-Apprise-Recursion-Count allowed */
	int64_t attach_size;	 /* bytes of one attachment; 0: none taken */
	/* Bases of hosted services (NULL: the real ones), e.g. through a
	 * proxy: discord (https://discord.com/api/webhooks), slack
	 * (https://hooks.slack.com/services), telegram, pushover, ntfy. */
	const char *discord_url, *slack_url, *telegram_url, *pushover_url,
		*ntfy_url;
};

/* notify.limits: ntfy's per-visitor limits (an address, IPv6 by /64, or
 * a user once authenticated). */
struct cfg_notify_limits {
	int64_t request_burst;	      /* requests at once */
	int64_t request_interval;     /* seconds per request after that */
	int64_t subscriptions;	      /* open at once */
	int64_t messages_per_day;     /* 0: unlimited */
	int64_t attachment_bandwidth; /* upload bytes a day; 0: unlimited */
	int64_t auth_failure_burst;   /* failed logins (then one a minute) */
	int64_t visitors;	      /* visitors remembered at once */
	struct ipprefix *exempt;      /* clients no limit applies to */
	size_t n_exempt;
};

struct cfg_notify {
	struct sockaddr_any listen;   /* the ntfy-compatible API */
	const char *base_url;	      /* for attachment URLs; NULL: from listen */
	const char *default_access_text;
	struct cfg_pos default_access_pos;
	enum notify_access default_access; /* parsed from the text */
	int64_t cache_duration;	      /* seconds; 0: nothing cached */
	int64_t keepalive_interval;   /* seconds, < 77 */
	int64_t message_size_limit;   /* bytes of a message body */
	int64_t delay_min, delay_max; /* seconds a delayed message may wait */
	int64_t attachment_file_limit;	/* bytes of one upload */
	int64_t attachment_total_limit; /* bytes of all stored uploads */
	int64_t attachment_expiry;	/* seconds */
	int64_t max_subscribers;	/* streams + WebSockets at once */
	int64_t max_subscribers_per_client;
	int64_t subscriber_buffer; /* bytes a slow subscriber may lag */
	struct cfg_notify_apprise apprise;
	struct cfg_notify_limits limits;
	struct cfg_notify_route *routes;
	size_t n_routes;
};

/* The `notify:` section's schema (read by the config loader). */
extern const struct cfg_section notify_config_section;

/* The notify section of @cfg (defaults when the file has none). */
const struct cfg_notify *notify_config(const struct config *cfg);

/* "read-write", ... for @a. */
const char *notify_access_name(enum notify_access a);

#endif
