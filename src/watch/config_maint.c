/* SPDX-License-Identifier: MIT */
/* The schema and checks of watch.maintenance[]: Kuma's strategies (manual, single, recurring, cron) and time zones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"
#include "watch/config.h"

/* FIELD() sets the "none" offsets, then the entry's own values override
 * them: that is the point of the macro. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define F CFG_F
#define FIELD CFG_FIELD
#define N CFG_N

#define MW struct cfg_watch_maint

static int maint_times(MW *w, struct cfg_error *err)
{
	if (!w->start_time || !w->end_time)
		return cfg_fail(err, &w->pos,
				"start_time, end_time: a %s window needs both "
				"(HH:MM)", w->strategy_text);
	if (watch_maint_parse_time(w->start_time, &w->rule.start_min))
		return cfg_fail(err, &w->start_time_pos,
				"start_time: '%s' is not HH:MM", w->start_time);
	if (watch_maint_parse_time(w->end_time, &w->rule.end_min))
		return cfg_fail(err, &w->end_time_pos,
				"end_time: '%s' is not HH:MM", w->end_time);
	if (w->rule.start_min == w->rule.end_min)
		return cfg_fail(err, &w->end_time_pos,
				"end_time: the window would be empty");
	return 0;
}

static int maint_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	MW *w = obj;
	struct watch_maint_rule *r = &w->rule;
	static const char *const names[] = {
		[WATCH_MAINT_MANUAL] = "manual",
		[WATCH_MAINT_SINGLE] = "single",
		[WATCH_MAINT_WEEKDAY] = "recurring-weekday",
		[WATCH_MAINT_DAY_OF_MONTH] = "recurring-day-of-month",
		[WATCH_MAINT_INTERVAL] = "recurring-interval",
		[WATCH_MAINT_CRON] = "cron",
	};
	size_t k = 0;
	while (k < N(names) && strcmp(names[k], w->strategy_text))
		k++;
	if (k == N(names))
		return cfg_fail(err, &w->strategy_pos,
				"strategy: '%s' is not manual, single, "
				"recurring-weekday, recurring-day-of-month, "
				"recurring-interval or cron", w->strategy_text);
	r->strategy = (enum watch_maint_strategy)k;
	r->active = w->active;
	if (!strcmp(w->timezone, "local") ||
	    !strcmp(w->timezone, "SAME_AS_SERVER")) {
		w->local = true;
	} else if (watch_maint_parse_offset(w->timezone, &w->offset_s)) {
		if (!tz_valid(w->timezone))
			return cfg_fail(err, &w->timezone_pos,
					"timezone: '%s' is not UTC, local, "
					"+HH:MM or a zone of the system's tzdata "
					"(e.g. Europe/Berlin)", w->timezone);
		w->zone = w->timezone;
	}
	switch (r->strategy) {
	case WATCH_MAINT_MANUAL:
		return 0;
	case WATCH_MAINT_CRON: {
		char why[160];
		if (!w->cron)
			return cfg_fail(err, &w->pos,
					"cron: a cron window needs its starts "
					"(minute hour day month weekday)");
		if (watch_cron_parse(w->cron, &r->cron, why, sizeof(why)))
			return cfg_fail(err, &w->cron_pos, "cron: %s", why);
		if (!w->duration)
			return cfg_fail(err, &w->pos,
					"duration: a cron window needs one "
					"(e.g. 60m)");
		r->duration_s = w->duration;
		if (w->start && watch_maint_parse_datetime(w->start, &r->from_s))
			return cfg_fail(err, &w->start_pos,
					"start: '%s' is not YYYY-MM-DD HH:MM",
					w->start);
		if (w->end && watch_maint_parse_datetime(w->end, &r->until_s))
			return cfg_fail(err, &w->end_pos,
					"end: '%s' is not YYYY-MM-DD HH:MM", w->end);
		if (w->start && w->end && r->until_s <= r->from_s)
			return cfg_fail(err, &w->end_pos, "end: not after start");
		return 0;
	}
	case WATCH_MAINT_SINGLE:
		if (!w->start || !w->end)
			return cfg_fail(err, &w->pos,
					"start, end: a single window needs both "
					"(YYYY-MM-DD HH:MM)");
		if (watch_maint_parse_datetime(w->start, &r->start_s))
			return cfg_fail(err, &w->start_pos,
					"start: '%s' is not YYYY-MM-DD HH:MM",
					w->start);
		if (watch_maint_parse_datetime(w->end, &r->end_s))
			return cfg_fail(err, &w->end_pos,
					"end: '%s' is not YYYY-MM-DD HH:MM", w->end);
		if (r->end_s <= r->start_s)
			return cfg_fail(err, &w->end_pos,
					"end: not after start");
		return 0;
	case WATCH_MAINT_WEEKDAY:
		if (!w->n_weekdays)
			return cfg_fail(err, &w->pos,
					"weekdays: a recurring-weekday window "
					"needs some");
		for (size_t i = 0; i < w->n_weekdays; i++) {
			int d = watch_maint_parse_weekday(w->weekdays[i]);
			if (d < 0)
				return cfg_fail(err, &w->weekdays_pos,
						"weekdays: '%s' is not a day "
						"(mon..sun, 0-7)", w->weekdays[i]);
			r->weekdays |= (uint8_t)(1u << d);
		}
		break;
	case WATCH_MAINT_DAY_OF_MONTH:
		if (!w->n_days)
			return cfg_fail(err, &w->pos,
					"days: a recurring-day-of-month window "
					"needs some");
		for (size_t i = 0; i < w->n_days; i++) {
			char *end;
			long d = strtol(w->days[i], &end, 10);
			if (!strcmp(w->days[i], "last") ||
			    !strcmp(w->days[i], "lastDay"))
				r->last_day = true;
			else if (*end || end == w->days[i] || d < 1 || d > 31)
				return cfg_fail(err, &w->days_pos,
						"days: '%s' is not 1-31 or last",
						w->days[i]);
			else
				r->days |= 1u << d;
		}
		break;
	case WATCH_MAINT_INTERVAL:
		if (!w->interval_days || !w->first_day)
			return cfg_fail(err, &w->pos,
					"interval_days, first_day: a "
					"recurring-interval window needs both");
		if (watch_maint_parse_date(w->first_day, &r->first_day))
			return cfg_fail(err, &w->first_day_pos,
					"first_day: '%s' is not YYYY-MM-DD",
					w->first_day);
		r->interval_days = (int)w->interval_days;
		break;
	}
	return maint_times(w, err);
}

static const struct cfg_field maint_fields[] = {
	FIELD(.key = "name", .type = CFG_STRING, .off = F(MW, name),
	      .required = true, .reloadable = true, .help = "the window's name"),
	FIELD(.key = "description", .type = CFG_STRING,
	      .off = F(MW, description), .reloadable = true, .help = "free text"),
	FIELD(.key = "monitors", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *), .off = F(MW, monitors),
	      .count_off = F(MW, n_monitors), .pos_off = F(MW, monitors_pos),
	      .reloadable = true,
	      .help = "names of the monitors it covers (absent: all)"),
	FIELD(.key = "strategy", .type = CFG_STRING, .off = F(MW, strategy_text),
	      .pos_off = F(MW, strategy_pos), .def = "manual",
	      .reloadable = true,
	      .help = "manual, single, recurring-weekday, "
		      "recurring-day-of-month, recurring-interval or cron"),
	FIELD(.key = "active", .type = CFG_BOOL, .off = F(MW, active),
	      .def = "true", .reloadable = true,
	      .help = "manual: on while true; any other: false turns the "
		      "window off (Kuma's inactive)"),
	FIELD(.key = "start", .type = CFG_STRING, .off = F(MW, start),
	      .pos_off = F(MW, start_pos), .reloadable = true,
	      .help = "single: YYYY-MM-DD HH:MM; cron: no window before it"),
	FIELD(.key = "end", .type = CFG_STRING, .off = F(MW, end),
	      .pos_off = F(MW, end_pos), .reloadable = true,
	      .help = "single: YYYY-MM-DD HH:MM; cron: no window after it"),
	FIELD(.key = "cron", .type = CFG_STRING, .off = F(MW, cron),
	      .pos_off = F(MW, cron_pos), .reloadable = true,
	      .help = "cron: when windows start, in the zone's wall clock "
		      "(minute hour day-of-month month day-of-week; names, "
		      "ranges, */N, @daily...)"),
	FIELD(.key = "duration", .type = CFG_DURATION, .off = F(MW, duration),
	      .pos_off = F(MW, duration_pos), .def = "0", .min = 0,
	      .max = 366LL * 86400, .reloadable = true,
	      .help = "cron: how long each window lasts (e.g. 90m)"),
	FIELD(.key = "weekdays", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *), .off = F(MW, weekdays),
	      .count_off = F(MW, n_weekdays), .pos_off = F(MW, weekdays_pos),
	      .reloadable = true,
	      .help = "recurring-weekday: mon..sun (or 0-7, 0 and 7 Sunday)"),
	FIELD(.key = "days", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *), .off = F(MW, days),
	      .count_off = F(MW, n_days), .pos_off = F(MW, days_pos),
	      .reloadable = true,
	      .help = "recurring-day-of-month: 1-31, or last"),
	FIELD(.key = "interval_days", .type = CFG_INT,
	      .off = F(MW, interval_days), .def = "0", .min = 0, .max = 3650,
	      .reloadable = true,
	      .help = "recurring-interval: every this many days"),
	FIELD(.key = "first_day", .type = CFG_STRING, .off = F(MW, first_day),
	      .pos_off = F(MW, first_day_pos), .reloadable = true,
	      .help = "recurring-interval: YYYY-MM-DD of the first window"),
	FIELD(.key = "start_time", .type = CFG_STRING, .off = F(MW, start_time),
	      .pos_off = F(MW, start_time_pos), .reloadable = true,
	      .help = "recurring: HH:MM the window opens"),
	FIELD(.key = "end_time", .type = CFG_STRING, .off = F(MW, end_time),
	      .pos_off = F(MW, end_time_pos), .reloadable = true,
	      .help = "recurring: HH:MM it closes (before start_time: the "
		      "next day)"),
	FIELD(.key = "timezone", .type = CFG_STRING, .off = F(MW, timezone),
	      .pos_off = F(MW, timezone_pos), .def = "UTC", .reloadable = true,
	      .help = "UTC, local (the server's; SAME_AS_SERVER too), +HH:MM / "
		      "-HH:MM, or an IANA zone of the system's tzdata "
		      "(Europe/Berlin; DST followed)"),
};
const struct cfg_section watch_maint_section = {
	.size = sizeof(MW), .name_off = CFG_NONE, .pos_off = F(MW, pos),
	.fields = maint_fields, .n_fields = N(maint_fields),
	.check = maint_check,
};

