/* SPDX-License-Identifier: MIT */
/* restic 0.14's forget policy: --keep-* durations ("1y5m7d2h"), the bucket rules deciding which snapshots stay, and its summary line. Pure. */
#ifndef HEARTH_PROTO_BACKUP_POLICY_H
#define HEARTH_PROTO_BACKUP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/backup/gojson.h"

/* restic's Duration: calendar years, months, days and hours (any sign). */
struct bk_duration {
	int years, months, days, hours;
};

/*
 * Parses restic's duration ("1y5m7d2h", units in any order, a later
 * number of one unit replacing the earlier, "" is zero). -EINVAL with
 * @why (static text, restic's words: "no number found", "no unit found
 * after number 1", "invalid unit 'x' found after number 1").
 */
int bk_duration_parse(const char *s, struct bk_duration *d, char *why, size_t why_cap);
bool bk_duration_zero(const struct bk_duration *d);
/* restic's spelling: nonzero parts in y m d h order ("1y12h"; "" for zero). */
void bk_duration_format(const struct bk_duration *d, char *out, size_t cap);

enum bk_bucket {
	BK_KEEP_LAST,
	BK_KEEP_HOURLY,
	BK_KEEP_DAILY,
	BK_KEEP_WEEKLY,
	BK_KEEP_MONTHLY,
	BK_KEEP_YEARLY,
	BK_KEEP_N,
};

/* A tag list: a snapshot matches when it holds every tag (restic's
 * TagList; the one tag "" matches a snapshot without tags). Borrowed. */
struct bk_taglist {
	const char *const *v;
	size_t n;
};

/* The --keep-* options. Counts <= 0 keep nothing by themselves (restic
 * 0.14 has no "-1 keeps all"); a policy is empty when every count is 0,
 * every duration zero and there are no tag lists. within_b[BK_KEEP_LAST]
 * is --keep-within; the others --keep-within-hourly and so on. */
struct bk_policy {
	int count[BK_KEEP_N];
	struct bk_duration within[BK_KEEP_N];
	const struct bk_taglist *tags; /* --keep-tag, borrowed */
	size_t n_tags;
};

bool bk_policy_empty(const struct bk_policy *p);
/* restic's "Applying Policy: " text after that prefix ("keep 2 latest,
 * 1 daily snapshots and all snapshots with tags [[a, b]]"). */
void bk_policy_describe(const struct bk_policy *p, char *out, size_t cap);

/* One snapshot of a group, as the policy sees it. Borrowed. */
struct bk_policy_snap {
	struct bk_time time;
	const char *const *tags;
	size_t n_tags;
};

/* What the policy decided for one snapshot. */
struct bk_policy_verdict {
	bool keep;
	/* The reasons in restic's order, '\n'-separated ("last snapshot\n
	 * daily snapshot"); "" when removed. */
	char reasons[512];
	/* restic's "counters": what is left of each count after this one
	 * (a count <= 0 stays as given; restic omits the zeros). */
	int left[BK_KEEP_N];
};

/* True when the snapshot's tags hold every tag of @l (restic's HasTags). */
bool bk_tags_match(const char *const *tags, size_t n_tags, const struct bk_taglist *l);

/*
 * Applies @p to one group of @n snapshots, @s sorted newest first (the
 * caller sorts: restic's order). @v[i] is snapshot i's verdict. Times are
 * bucketed in each snapshot's own zone offset (Go keeps the offset it
 * read); durations count back, calendar first then hours, from the newest
 * snapshot not after @now (restic 0.14 skips snapshots from the future
 * there; none: Go's zero time, so every snapshot is within), and a
 * snapshot is within when strictly after that.
 */
void bk_policy_apply(const struct bk_policy *p, const struct bk_policy_snap *s, size_t n,
		     int64_t now, struct bk_policy_verdict *v);

#endif
