/* SPDX-License-Identifier: MIT */
/* The watch room's /metrics: Uptime Kuma's monitor_status and monitor_response_time with its labels, and the writer's counters. */
#include <stdio.h>

#include "watch/internal.h"

/* Kuma's labels (1.23's five, and 2.x's monitor_id). */
static void sample(struct buf *out, const char *family, double v,
		   const struct watch_mon *m)
{
	const struct cfg_watch_monitor *c = m->cfg;
	char id[24], port[8];
	snprintf(id, sizeof(id), "%lld", (long long)m->id);
	snprintf(port, sizeof(port), "%lld", (long long)c->port);
	metrics_sample(out, family, v, 6, "monitor_id", id, "monitor_name",
		       c->name, "monitor_type", watch_type_name(c->type),
		       "monitor_url", c->url ? c->url : "", "monitor_hostname",
		       c->hostname ? c->hostname : "", "monitor_port",
		       c->port ? port : "");
}

static void collect(struct buf *out, void *ud)
{
	struct watch_room *r = ud;
	metrics_family(out, "monitor_status", "gauge",
		       "Monitor Status (1 = UP, 0= DOWN, 2= PENDING, 3= "
		       "MAINTENANCE)");
	for (size_t i = 0; i < r->n_mons; i++)
		if (r->mons[i]->st.has_beat)
			sample(out, "monitor_status", r->mons[i]->st.status,
			       r->mons[i]);
	metrics_family(out, "monitor_response_time", "gauge",
		       "Monitor Response Time (ms)");
	for (size_t i = 0; i < r->n_mons; i++)
		if (r->mons[i]->st.has_beat)
			sample(out, "monitor_response_time", r->mons[i]->ping_ms,
			       r->mons[i]);
	metrics_family(out, "monitor_cert_days_remaining", "gauge",
		       "The number of days remaining until the certificate "
		       "expires");
	for (size_t i = 0; i < r->n_mons; i++)
		if (r->mons[i]->cert_expires)
			sample(out, "monitor_cert_days_remaining",
			       (double)watch_cert_days(r->mons[i]), r->mons[i]);
	metrics_family(out, "monitor_cert_is_valid", "gauge",
		       "Is the certificate still valid? (1 = Yes, 0= No)");
	for (size_t i = 0; i < r->n_mons; i++)
		if (r->mons[i]->cert_expires)
			sample(out, "monitor_cert_is_valid",
			       r->mons[i]->cert_valid &&
				       watch_cert_days(r->mons[i]) >= 0,
			       r->mons[i]);
	metrics_value(out, "hearth_watch_heartbeats_written_total", "counter",
		      "heartbeats committed to the store",
		      (double)r->beats_written);
	metrics_value(out, "hearth_watch_heartbeat_batches_total", "counter",
		      "transactions the heartbeats were committed in",
		      (double)r->batches_written);
	metrics_value(out, "hearth_watch_heartbeats_lost_total", "counter",
		      "heartbeats that could not be written",
		      (double)r->write_errors);
	metrics_value(out, "hearth_watch_checks_in_flight", "gauge",
		      "checks running now", (double)r->inflight);
}

int watch_metrics_register(struct watch_room *r, struct metrics *m)
{
	return m ? metrics_register(m, collect, r) : 0;
}
