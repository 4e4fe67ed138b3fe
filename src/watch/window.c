/* SPDX-License-Identifier: MIT */
/* Maintenance windows as the room sees them: whether one is on now in its zone (UTC, an offset, the server's, an IANA zone) and which monitors it covers. */
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
