/* SPDX-License-Identifier: MIT */
/* The notify room's Apprise side: its server on notify.apprise.listen, its settings, metrics, and the routes' Apprise URLs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "core/metrics.h"
#include "notify/apprise.h"

static void settings(struct notify_apprise *ap, const struct config *cfg)
{
	const struct cfg_notify_apprise *c = &notify_config(cfg)->apprise;
	ap->timeout_ms = (long)c->timeout * 1000;
	ap->retries = (int)c->retries;
	ap->retry_delay_ms = (int)c->retry_delay_ms;
	ap->max_body = c->max_body;
	ap->recursion_max = (int)c->recursion_max;
	ap->attach_size = c->attach_size;
	ap->ep = (struct apprise_endpoints){
		.discord = c->discord_url,
		.slack = c->slack_url,
		.telegram = c->telegram_url,
		.pushover = c->pushover_url,
		.ntfy = c->ntfy_url,
	};
}

static void collect(struct buf *out, void *ud)
{
	struct notify_apprise *ap = ud;
	buf_puts(out, "# HELP hearth_notify_apprise_deliveries_total Apprise target "
		      "deliveries by scheme and result.\n"
		      "# TYPE hearth_notify_apprise_deliveries_total counter\n");
	for (int s = 0; s < APPRISE_SCHEME_COUNT; s++)
		for (int r = 0; r < 2; r++)
			buf_printf(out,
				   "hearth_notify_apprise_deliveries_total{scheme=\"%s\","
				   "result=\"%s\"} %llu\n",
				   apprise_scheme_name((enum apprise_scheme)s),
				   r ? "failed" : "ok",
				   (unsigned long long)ap->deliveries[s][r]);
	buf_printf(out, "# HELP hearth_notify_apprise_requests_total Apprise API notify "
			"calls.\n# TYPE hearth_notify_apprise_requests_total counter\n"
			"hearth_notify_apprise_requests_total %llu\n"
			"# HELP hearth_notify_apprise_failed_total Apprise API notify calls "
			"answered 424.\n# TYPE hearth_notify_apprise_failed_total counter\n"
			"hearth_notify_apprise_failed_total %llu\n"
			"# HELP hearth_notify_apprise_inflight Apprise notifications being "
			"sent.\n# TYPE hearth_notify_apprise_inflight gauge\n"
			"hearth_notify_apprise_inflight %zu\n",
		   (unsigned long long)ap->requests, (unsigned long long)ap->failures,
		   ap->njobs);
}

int notify_apprise_open(struct notify_room *r, const struct room_ctx *ctx)
{
	r->apprise = NULL;
	struct notify_apprise *ap = calloc(1, sizeof(*ap));
	if (!ap)
		return -ENOMEM;
	ap->room = r;
	ap->workq = ctx->workq;
	settings(ap, r->cfg);
	const struct cfg_notify *n = notify_config(r->cfg);
	int rc = 0;
	if (n->apprise.has_listen) {
		const struct cfg_http *h = &r->cfg->http;
		struct http_server_opts o = {
			.listen = n->apprise.listen,
			.max_header_bytes = h->max_header_bytes,
			/* room for the 431 answer past max_body */
			.max_body_bytes = n->apprise.max_body + 65536,
			.max_connections = h->max_connections,
			.idle_timeout = h->idle_timeout,
			.max_connections_per_client = h->max_connections_per_client,
			.header_timeout = h->header_timeout,
		};
		rc = http_server_new(r->loop, &o, &ap->http);
		if (rc) {
			char text[ADDR_TEXT_MAX];
			sockaddr_format(&n->apprise.listen, text);
			log_error("notify", "cannot listen on %s (Apprise API): %s", text,
				  hearth_strerror(rc));
			free(ap);
			return rc;
		}
		/* not http_server_collect: a second server would repeat the
		 * daemon's hearth_http_* families, which promtool refuses */
		rc = ap_api_register(ap);
	}
	if (!rc)
		rc = metrics_register(r->metrics, collect, ap);
	r->apprise = ap; /* close frees it, even when open failed here */
	return rc;
}

int notify_apprise_start(struct notify_room *r)
{
	struct notify_apprise *ap = r->apprise;
	if (!ap || !ap->http)
		return 0;
	int rc = http_server_start(ap->http);
	if (!rc) {
		char text[ADDR_TEXT_MAX];
		struct sockaddr_any a = http_server_address(ap->http);
		sockaddr_format(&a, text);
		log_info("notify", "Apprise API on %s", text);
	}
	return rc;
}

void notify_apprise_reload(struct notify_room *r, const struct config *cfg)
{
	if (r->apprise)
		settings(r->apprise, cfg);
}

void ap_close_check(struct notify_apprise *ap)
{
	if (!ap->closing || ap->pending || !ap->close_done)
		return;
	void (*done)(void *) = ap->close_done;
	struct notify_room *r = ap->room;
	r->apprise = NULL;
	ap_failures_free(ap);
	free(ap);
	done(r);
}

static void server_closed(void *ud)
{
	struct notify_apprise *ap = ud;
	ap->pending--;
	ap_close_check(ap);
}

void notify_apprise_close(struct notify_room *r, void (*done)(void *ud))
{
	struct notify_apprise *ap = r->apprise;
	if (!ap) {
		done(r);
		return;
	}
	ap->closing = true;
	ap->close_done = done;
	ap->pending++; /* this function */
	ap_jobs_cancel(ap);
	if (ap->http) {
		ap->pending++;
		http_server_close(ap->http, server_closed, ap);
		ap->http = NULL;
	}
	ap->pending--;
	ap_close_check(ap);
}

/* Priorities 1-5 (ntfy's) as Apprise notification types. */
static enum apprise_type type_of(int priority)
{
	return priority >= 5 ? APPRISE_FAILURE : priority == 4 ? APPRISE_WARNING : APPRISE_INFO;
}

static void route_done(struct ap_job *j, void *ud)
{
	(void)ud;
	ap_job_free(j); /* failures were logged per target */
}

int notify_apprise_route(struct notify_room *r, const char *url,
			 const struct room_notify_msg *m)
{
	struct notify_apprise *ap = r->apprise;
	if (!ap || ap->closing)
		return -ECANCELED;
	struct apprise_msg am = {
		.title = m->title,
		.body = m->message,
		.type = type_of(m->priority),
		.format = APPRISE_TEXT,
		.now = (double)clock_wall_ms(r->clock) / 1000.0,
		.json = m->json,
	};
	struct ap_job *j = ap_job_new(ap, &am);
	if (!j)
		return -ENOMEM;
	const char *why = NULL;
	int rc = ap_job_add(j, url, &why);
	if (rc) {
		log_warn("notify", "route event=%s: %s", m->event ? m->event : "?",
			 why ? why : hearth_strerror(rc));
		ap_job_free(j);
		return rc;
	}
	ap_job_start(j, route_done, NULL);
	return 0;
}
