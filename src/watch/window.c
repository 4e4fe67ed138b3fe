/* SPDX-License-Identifier: MIT */
/* Maintenance windows as the room sees them: whether one is on now in its zone (UTC, an offset, the server's, an IANA zone) and which monitors it covers. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/tz.h"
#include "watch/internal.h"

/* The window's zone: seconds east of UTC at @utc_s. */
static int64_t zone_of(void *ud, int64_t utc_s)
{
	const struct cfg_watch_maint *mw = ud;
	if (mw->zone)
		return tz_offset(mw->zone, utc_s);
	if (mw->local) {
		struct tm tm;
		time_t t = (time_t)utc_s;
		return localtime_r(&t, &tm) ? tm.tm_gmtoff : 0;
	}
	return mw->offset_s;
}

bool watch_window_on(const struct cfg_watch_maint *mw, int64_t now_s)
{
	return watch_maint_on(&mw->rule, now_s, zone_of, (void *)mw);
}

bool watch_window_covers(const struct cfg_watch_maint *mw, const char *name)
{
	if (!mw->n_monitors)
		return true;
	for (size_t i = 0; i < mw->n_monitors; i++)
		if (!strcmp(mw->monitors[i], name))
			return true;
	return false;
}

/* ISO 8601 UTC of unix seconds @t. */
static void iso(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Kuma's getStatus. */
static const char *status_of(const struct cfg_watch_maint *mw, int64_t now,
			     int64_t *slot)
{
	const struct watch_maint_rule *r = &mw->rule;
	void *ud = (void *)mw;
	*slot = -1;
	if (!r->active)
		return "inactive";
	if (r->strategy == WATCH_MAINT_MANUAL)
		return "under-maintenance";
	int64_t from = r->strategy == WATCH_MAINT_SINGLE ? r->start_s
		       : r->strategy == WATCH_MAINT_CRON ? r->from_s
							  : 0;
	int64_t until = r->strategy == WATCH_MAINT_SINGLE ? r->end_s
			: r->strategy == WATCH_MAINT_CRON  ? r->until_s
							   : 0;
	if (from && now < watch_zone_to_utc(from, zone_of, ud))
		return "scheduled";
	if (until && now >= watch_zone_to_utc(until, zone_of, ud))
		return "ended";
	if (r->strategy == WATCH_MAINT_CRON)
		*slot = watch_cron_window(&r->cron, r->duration_s, now, zone_of,
					  ud);
	return watch_window_on(mw, now) ? "under-maintenance" : "scheduled";
}

json_t *watch_window_json(const struct cfg_watch_maint *mw, size_t index,
			  int64_t now_s)
{
	int64_t off = zone_of((void *)mw, now_s), slot;
	char offset[48];
	int abs_off = (int)((off < 0 ? -off : off) % 86400);
	snprintf(offset, sizeof(offset), "%c%02d:%02d", off < 0 ? '-' : '+',
		 abs_off / 3600, abs_off % 3600 / 60);
	const char *status = status_of(mw, now_s, &slot);
	json_t *mons = json_array(), *slots = json_array();
	for (size_t i = 0; i < mw->n_monitors; i++)
		json_array_append_new(mons, json_string(mw->monitors[i]));
	if (slot != -1) {
		char a[32], b[32];
		iso(slot, a);
		iso(slot + mw->rule.duration_s, b);
		json_array_append_new(slots, json_pack("{s:s, s:s}", "startDate",
						       a, "endDate", b));
	}
	bool cron = mw->rule.strategy == WATCH_MAINT_CRON;
	return json_pack("{s:I, s:s, s:s, s:s, s:b, s:s?, s:I, s:I, s:s, s:s, "
			 "s:s, s:o, s:o}",
			 "id", (json_int_t)index + 1, "title", mw->name,
			 "description", mw->description ? mw->description : "",
			 "strategy", mw->strategy_text, "active", mw->rule.active,
			 "cron", cron ? mw->cron : NULL, "duration",
			 (json_int_t)(cron ? mw->rule.duration_s : 0),
			 "durationMinutes",
			 (json_int_t)(cron ? mw->rule.duration_s / 60 : 0),
			 "timezone", mw->timezone, "timezoneOffset", offset,
			 "status", status, "monitors", mons, "timeslotList",
			 slots);
}
