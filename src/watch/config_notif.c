/* SPDX-License-Identifier: MIT */
/* The schema and check of watch.notifications[]: named alert routes (Kuma's notifications) with their targets and events. */
#include <string.h>

#include "proto/notify/ntfy_topic.h"
#include "watch/config.h"

/* FIELD() sets the "none" offsets, then the entry's own values override
 * them: that is the point of the macro. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define F CFG_F
#define FIELD CFG_FIELD
#define N CFG_N
#define NT struct cfg_watch_notification

static const char *const event_names[] = {"down", "up", "cert_expiry",
					  "resend"};

const char *watch_notify_event_name(unsigned bit)
{
	for (size_t i = 0; i < N(event_names); i++)
		if (bit == 1u << i)
			return event_names[i];
	return "?";
}

static int notif_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	NT *n = obj;
	if (!*n->name || strlen(n->name) > 64 ||
	    strspn(n->name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
		    strlen(n->name))
		return cfg_fail(err, &n->name_pos,
				"name: 1-64 letters, digits, '-', '_' or '.'");
	if (!n->n_to)
		return cfg_fail(err, &n->pos,
				"to: notification '%s' goes nowhere (ntfy:TOPIC "
				"or Apprise URLs)", n->name);
	for (size_t i = 0; i < n->n_to; i++) {
		const char *to = n->to[i];
		if (!strncmp(to, "ntfy:", 5) && !strstr(to, "://")) {
			if (!ntfy_topic_valid(to + 5, strlen(to + 5)) ||
			    ntfy_topic_reserved(to + 5, strlen(to + 5)))
				return cfg_fail(err, &n->to_pos,
						"to: '%s': a topic is 1-64 of "
						"A-Z a-z 0-9 - _, not a reserved "
						"name", to);
			continue;
		}
		const char *sep = strstr(to, "://");
		if (!sep || sep == to)
			return cfg_fail(err, &n->to_pos,
					"to: '%s' is neither ntfy:TOPIC nor an "
					"Apprise URL (SCHEME://...)", to);
	}
	n->mask = n->n_events ? 0 : WATCH_NOTIFY_ALL;
	for (size_t i = 0; i < n->n_events; i++) {
		size_t k = 0;
		while (k < N(event_names) && strcmp(event_names[k], n->events[i]))
			k++;
		if (k == N(event_names))
			return cfg_fail(err, &n->events_pos,
					"events: '%s' is not down, up, "
					"cert_expiry or resend", n->events[i]);
		n->mask |= 1u << k;
	}
	return 0;
}

static const struct cfg_field notif_fields[] = {
	FIELD(.key = "name", .type = CFG_STRING, .off = F(NT, name),
	      .pos_off = F(NT, name_pos), .required = true, .reloadable = true,
	      .help = "its name, unique; monitors name it in `notifications`"),
	FIELD(.key = "to", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *), .off = F(NT, to),
	      .count_off = F(NT, n_to), .pos_off = F(NT, to_pos),
	      .reloadable = true,
	      .help = "where its alerts go: ntfy:TOPIC (a topic here) or "
		      "Apprise URLs, as notify.routes"),
	FIELD(.key = "events", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *), .off = F(NT, events),
	      .count_off = F(NT, n_events), .pos_off = F(NT, events_pos),
	      .reloadable = true,
	      .help = "the alerts it takes: down, up, cert_expiry, resend "
		      "(default all)"),
	FIELD(.key = "default", .type = CFG_BOOL, .off = F(NT, is_default),
	      .def = "false", .reloadable = true,
	      .help = "true: monitors without `notifications` alert through it "
		      "(Kuma's \"default enabled\")"),
};

const struct cfg_section watch_notification_section = {
	.size = sizeof(NT), .name_off = CFG_NONE, .pos_off = F(NT, pos),
	.fields = notif_fields, .n_fields = N(notif_fields),
	.check = notif_check,
};
