/* SPDX-License-Identifier: MIT */
/* The watch room's config section: monitors (Uptime Kuma's settings), alerts, history retention. */
#ifndef HEARTH_WATCH_CONFIG_H
#define HEARTH_WATCH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/config_schema.h"
#include "proto/watch/maint.h"

/* The monitor types this build runs (Kuma's type names). */
enum watch_type {
	WATCH_HTTP,
	WATCH_KEYWORD,
	WATCH_JSON_QUERY,
	WATCH_PORT,
	WATCH_PUSH,
	WATCH_GROUP,
	WATCH_PING,
	WATCH_DNS,
	WATCH_SMTP,
	WATCH_REDIS,
	WATCH_POSTGRES,
	WATCH_MYSQL, /* MySQL and MariaDB */
	WATCH_TLS,   /* a TLS handshake: the certificate and its expiry */
};

/* An accepted status-code range ("200-299" or "404"), inclusive. */
struct watch_code_range {
	int lo, hi;
};

/* A tag (Kuma's): a name, an optional value, a colour "#rrggbb". */
struct cfg_watch_tag {
	struct cfg_pos pos;
	const char *name;
	const char *value; /* NULL: none */
	const char *color;
	struct cfg_pos color_pos;
};

/* One monitor. All strings and arrays belong to the snapshot's arena;
 * the fields after the marked line are filled by the section's check. */
struct cfg_watch_monitor {
	struct cfg_pos pos;
	const char *name;
	struct cfg_pos name_pos;
	int64_t id; /* 0: none given (history keyed by name) */
	struct cfg_pos id_pos;
	const char *type_text;
	struct cfg_pos type_pos;
	const char *description;
	struct cfg_watch_tag *tags;
	size_t n_tags;
	/* http, keyword, json-query */
	const char *url;
	struct cfg_pos url_pos;
	const char *method;
	const char **headers; /* "Name: value" */
	size_t n_headers;
	const char *body;
	const char *basic_auth; /* "user:password" */
	const char *bearer;
	const char **codes_text; /* accepted_statuscodes */
	size_t n_codes_text;
	struct cfg_pos codes_pos;
	int64_t max_redirects;
	bool ignore_tls;
	const char *ca_file; /* PEM CAs to verify against; NULL: the system's */
	bool expiry_notification; /* alert as the certificate nears expiry */
	const char *keyword;
	bool invert_keyword;
	const char *json_path;
	struct cfg_pos json_path_pos;
	const char *json_operator;
	struct cfg_pos json_operator_pos;
	const char *expected_value;
	/* port */
	const char *hostname;
	int64_t port;
	/* dns */
	const char *dns_type_text;
	struct cfg_pos dns_type_pos;
	const char *dns_server;
	struct cfg_pos dns_server_pos;
	const char *dns_transport; /* udp, tcp */
	struct cfg_pos dns_transport_pos;
	uint16_t dns_type; /* filled by the check */
	bool dns_tcp;	   /* likewise */
	/* redis: redis[s]://[[user]:password@]host[:port][/db];
	 * mysql: mysql://user:password@host[:port]/database;
	 * postgres: libpq's URI or key=value string */
	const char *conn_string;
	struct cfg_pos conn_pos;
	const char *db_query; /* postgres, mysql: run after connecting */
	/* filled by the check (redis, mysql) */
	const char *db_user, *db_password, *db_name;
	int64_t db_index;
	bool db_tls; /* rediss:// */
	/* smtp */
	const char *smtp_security; /* nostarttls, starttls */
	struct cfg_pos smtp_security_pos;
	/* ping */
	int64_t ping_count;
	int64_t ping_timeout; /* seconds, per request */
	/* push */
	const char *token;
	struct cfg_pos token_pos;
	/* the check cycle (seconds) */
	int64_t interval;
	int64_t retries;
	int64_t retry_interval;
	int64_t timeout; /* 0: 0.8 x interval */
	int64_t resend_interval;
	bool upside_down;
	int64_t up_retries;
	const char *depends_on;
	struct cfg_pos depends_pos;
	const char *parent; /* the group this monitor belongs to */
	struct cfg_pos parent_pos;
	/* names of watch.notifications its alerts go to */
	const char **notifications;
	size_t n_notifications;
	struct cfg_pos notifications_pos;
	/* ---- filled by the check ---- */
	enum watch_type type;
	struct watch_code_range *codes;
	size_t n_codes;
	int64_t timeout_ms;
	int depends_index; /* index of depends_on in the list, or -1 */
	int parent_index;  /* index of parent in the list, or -1 */
	bool notifications_set; /* notifications given ([] too); else the
				   notifications marked default */
	bool from_lab;	   /* derived from lab (watch.from_lab): a host's
			      ping, or the check of ... */
	const struct cfg_service *service; /* ... this lab.services entry */
};

/* A maintenance window (Kuma's strategies). */
struct cfg_watch_maint {
	struct cfg_pos pos;
	const char *name;
	const char *description;
	const char **monitors; /* names; none: every monitor */
	size_t n_monitors;
	struct cfg_pos monitors_pos;
	const char *strategy_text;
	struct cfg_pos strategy_pos;
	bool active;		       /* manual */
	const char *start, *end;       /* single: "YYYY-MM-DD HH:MM" */
	struct cfg_pos start_pos, end_pos;
	const char **weekdays;	       /* recurring-weekday */
	size_t n_weekdays;
	struct cfg_pos weekdays_pos;
	const char **days;	       /* recurring-day-of-month: 1..31, last */
	size_t n_days;
	struct cfg_pos days_pos;
	const char *start_time, *end_time; /* "HH:MM" */
	struct cfg_pos start_time_pos, end_time_pos;
	int64_t interval_days;	       /* recurring-interval */
	const char *first_day;	       /* "YYYY-MM-DD" */
	struct cfg_pos first_day_pos;
	const char *cron;	       /* cron: the starts */
	struct cfg_pos cron_pos;
	int64_t duration;	       /* cron: seconds */
	struct cfg_pos duration_pos;
	const char *timezone;	       /* UTC, local, +HH:MM, IANA name */
	struct cfg_pos timezone_pos;
	/* ---- filled by the check ---- */
	struct watch_maint_rule rule;
	bool local;	  /* the server's zone, read when evaluated */
	const char *zone; /* else an IANA zone (core/tz.h), or NULL */
	int64_t offset_s; /* else this offset east of UTC */
};

/* A status page's group of monitors (Kuma's publicGroupList entry). */
struct cfg_watch_page_group {
	struct cfg_pos pos;
	const char *name;
	const char **monitors; /* names */
	size_t n_monitors;
	struct cfg_pos monitors_pos;
	int *index;	       /* filled by the check: indexes in monitors */
	/* Pages made through the API: per entry a monitor id (0: by name);
	 * NULL for the config's. */
	const int64_t *ids;
};

/* A status page's pinned incident (Kuma's incident); shown when it has a
 * title or content. */
struct cfg_watch_incident {
	const char *title;
	const char *content; /* Markdown: paragraphs, emphasis, code, links */
	const char *style;   /* info warning danger primary light dark */
	struct cfg_pos style_pos;
	const char *date; /* "YYYY-MM-DD HH:MM[:SS]" UTC */
	struct cfg_pos date_pos;
	int64_t created_s; /* filled by the check: unix seconds, 0: none */
};

/* A status page (/status/<slug>, /api/status-page/<slug>). */
struct cfg_watch_page {
	struct cfg_pos pos;
	const char *slug; /* lower case */
	struct cfg_pos slug_pos;
	const char *title;
	const char *description;
	const char *footer_text;
	const char *theme; /* auto, light, dark */
	struct cfg_pos theme_pos;
	bool published;
	bool show_powered_by;
	bool show_certificate_expiry;
	bool show_tags;
	int64_t auto_refresh; /* seconds, 0: off */
	struct cfg_watch_incident incident;
	struct cfg_watch_page_group *groups;
	size_t n_groups;
};

/* What a notification (an alert route) takes: bits of its events. */
enum {
	WATCH_NOTIFY_DOWN = 1,
	WATCH_NOTIFY_UP = 2,
	WATCH_NOTIFY_CERT = 4,   /* a certificate's expiry threshold */
	WATCH_NOTIFY_RESEND = 8, /* a DOWN alert resent (resend_interval) */
	WATCH_NOTIFY_ALL = 15,
};

/* A notification (Uptime Kuma's word): a named alert route, the targets
 * a monitor's alerts of @events go to. */
struct cfg_watch_notification {
	struct cfg_pos pos;
	const char *name;
	struct cfg_pos name_pos;
	const char **to; /* ntfy:TOPIC or Apprise URLs */
	size_t n_to;
	struct cfg_pos to_pos;
	const char **events; /* down, up, cert_expiry, resend */
	size_t n_events;
	struct cfg_pos events_pos;
	bool is_default; /* monitors that name none use it */
	/* ---- filled by the check ---- */
	unsigned mask; /* WATCH_NOTIFY_* */
};

struct cfg_watch_alerts {
	const char **to; /* Apprise URLs or ntfy:TOPIC, as notify.routes */
	size_t n_to;
};

/* How long history is kept (seconds; 0: forever). */
struct cfg_watch_retention {
	int64_t heartbeats;
	int64_t detailed; /* beats that are not important */
	int64_t minutely;
	int64_t hourly;
	int64_t daily;
};

struct cfg_watch {
	struct cfg_watch_monitor *monitors;
	size_t n_monitors;
	struct cfg_watch_alerts alerts;
	struct cfg_watch_maint *maintenance;
	size_t n_maintenance;
	struct cfg_watch_page *pages;
	size_t n_pages;
	struct cfg_watch_notification *notifications;
	size_t n_notifications;
	int64_t *tls_days; /* expiry thresholds (days), highest first */
	size_t n_tls_days;
	/* Monitors derived from lab.services (their checks) and lab.hosts
	 * (pings), appended to monitors by the check after the file's own. */
	bool from_lab;
	int64_t lab_interval; /* seconds */
	int64_t lab_retries;
	struct cfg_watch_retention retention;
};

/* config_maint.c: the schema of a watch.maintenance entry. */
extern const struct cfg_section watch_maint_section;

/* config_notif.c: the schema of a watch.notifications entry; the name
 * of event bit @bit ("down"). */
extern const struct cfg_section watch_notification_section;
const char *watch_notify_event_name(unsigned bit);

/* config.c: the schema of a watch.status_pages entry. */
extern const struct cfg_section watch_page_section;

/* config_lab.c: appends the monitors watch.from_lab derives from
 * lab.services and lab.hosts to @w (in @cfg's arena); 0, -ENOMEM, or a
 * refusal in @err. */
int watch_derive_from_lab(struct config *cfg, struct cfg_watch *w,
			  struct cfg_error *err);

/* The `watch:` section's schema (read by the config loader). */
extern const struct cfg_section watch_config_section;

/* The watch section of @cfg (defaults when the file has none). */
const struct cfg_watch *watch_config(const struct config *cfg);

/* Kuma's type name of @t ("json-query"). */
const char *watch_type_name(enum watch_type t);

/* The schema of one `watch.monitors` entry (static; any thread). */
const struct cfg_section *watch_monitor_section(void);

#endif
