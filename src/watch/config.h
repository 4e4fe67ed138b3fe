/* SPDX-License-Identifier: MIT */
/* The watch room's config section: monitors (Uptime Kuma's settings), alerts, history retention. */
#ifndef HEARTH_WATCH_CONFIG_H
#define HEARTH_WATCH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/config_schema.h"

/* The monitor types this build runs (Kuma's type names). */
enum watch_type {
	WATCH_HTTP,
	WATCH_KEYWORD,
	WATCH_JSON_QUERY,
	WATCH_PORT,
	WATCH_PUSH,
};

/* An accepted status-code range ("200-299" or "404"), inclusive. */
struct watch_code_range {
	int lo, hi;
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
	/* ---- filled by the check ---- */
	enum watch_type type;
	struct watch_code_range *codes;
	size_t n_codes;
	int64_t timeout_ms;
	int depends_index; /* index of depends_on in the list, or -1 */
};

struct cfg_watch_alerts {
	const char **to; /* Apprise URLs or ntfy:TOPIC, as notify.routes */
	size_t n_to;
};

/* How long history is kept (seconds; 0: forever). */
struct cfg_watch_retention {
	int64_t heartbeats;
	int64_t minutely;
	int64_t hourly;
	int64_t daily;
};

struct cfg_watch {
	struct cfg_watch_monitor *monitors;
	size_t n_monitors;
	struct cfg_watch_alerts alerts;
	struct cfg_watch_retention retention;
};

/* The `watch:` section's schema (read by the config loader). */
extern const struct cfg_section watch_config_section;

/* The watch section of @cfg (defaults when the file has none). */
const struct cfg_watch *watch_config(const struct config *cfg);

/* Kuma's type name of @t ("json-query"). */
const char *watch_type_name(enum watch_type t);

#endif
