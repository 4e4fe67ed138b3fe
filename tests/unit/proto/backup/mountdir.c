/* SPDX-License-Identifier: MIT */
/* Unit tests of `backup mount`'s virtual folders: restic's time names, duplicates -1/-2, latest links, hosts and tags, path lookup, names in hostile trees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/mountdir.h"

static struct bk_time tm_of(const char *s)
{
	struct bk_time t;
	assert_int_equal(bk_time_parse(s, strlen(s), &t), 0);
	return t;
}

static void test_time_name(void **state)
{
	(void)state;
	char out[40];
	struct bk_time t = tm_of("2026-12-02T04:23:57.123456789Z");
	assert_int_equal(bk_mount_time_name(&t, out, sizeof out), 0);
	assert_string_equal(out, "2026-12-02T04:23:57Z");
	t = tm_of("2026-12-02T04:23:57.5+01:30");
	assert_int_equal(bk_mount_time_name(&t, out, sizeof out), 0);
	assert_string_equal(out, "2026-12-02T04:23:57+01:30");
	t = tm_of("1999-01-01T00:00:00-05:00");
	assert_int_equal(bk_mount_time_name(&t, out, sizeof out), 0);
	assert_string_equal(out, "1999-01-01T00:00:00-05:00");
	t.sec = INT64_MAX; /* hostile: past year 9999 */
	assert_int_equal(bk_mount_time_name(&t, out, sizeof out), -EINVAL);
	assert_string_equal(out, "");
	t = tm_of("2026-12-02T04:23:57Z");
	assert_int_equal(bk_mount_time_name(&t, out, 10), -EINVAL);
}

static const struct bk_ment *at(const struct bk_ment *root, const char *path)
{
	const char *rest;
	const struct bk_ment *e = bk_ment_lookup(root, path, &rest);
	return e && !*rest ? e : NULL;
}

static void test_layout(void **state)
{
	(void)state;
	const char *t_ab[] = {"a/b", "web"}, *t_web[] = {"web"}, *t_bad[] = {"..", "", "/"};
	struct bk_mount_snap v[] = {
		{tm_of("2026-01-01T10:00:00Z"), "33902ab7aaaa", "h1", t_ab, 2},
		{tm_of("2026-01-01T10:00:00Z"), "f96774a3bbbb", "h1", t_web, 1},
		{tm_of("2026-01-01T10:00:00Z"), "33902ab7cccc", "h2", NULL, 0},
		{tm_of("2026-02-01T10:00:00Z"), "0123456789ab", "", t_bad, 3},
	};
	struct bk_ment *root = bk_ment_build(v, 4);
	assert_non_null(root);
	assert_int_equal(root->n, 4);
	assert_string_equal(root->kids[0]->name, "hosts");
	assert_string_equal(root->kids[1]->name, "ids");
	assert_string_equal(root->kids[2]->name, "snapshots");
	assert_string_equal(root->kids[3]->name, "tags");

	/* ids: short ids, a clash suffixed, no latest */
	const struct bk_ment *ids = at(root, "/ids");
	assert_int_equal(ids->n, 4);
	assert_int_equal(at(root, "/ids/33902ab7")->snap, 0);
	assert_int_equal(at(root, "/ids/33902ab7-1")->snap, 2);
	assert_null(at(root, "/ids/latest"));

	/* snapshots: equal times -1, -2 in order; latest to the newest */
	assert_int_equal(at(root, "/snapshots/2026-01-01T10:00:00Z")->snap, 0);
	assert_int_equal(at(root, "/snapshots/2026-01-01T10:00:00Z-1")->snap, 1);
	assert_int_equal(at(root, "/snapshots/2026-01-01T10:00:00Z-2")->snap, 2);
	const struct bk_ment *l = at(root, "snapshots//latest/");
	assert_int_equal(l->kind, BK_MENT_LINK);
	assert_string_equal(l->target, "2026-02-01T10:00:00Z");
	assert_int_equal(l->snap, 3);

	/* hosts: an empty host is left out; each host's own latest */
	assert_int_equal(at(root, "/hosts")->n, 2);
	assert_string_equal(at(root, "/hosts/h1/latest")->target, "2026-01-01T10:00:00Z-1");
	assert_string_equal(at(root, "/hosts/h2/latest")->target, "2026-01-01T10:00:00Z");

	/* tags: a '/' nests; "..", "" and "/" are left out */
	const struct bk_ment *tags = at(root, "/tags");
	assert_int_equal(tags->n, 2);
	assert_int_equal(at(root, "/tags/a")->n, 1);
	assert_int_equal(at(root, "/tags/a/b/2026-01-01T10:00:00Z")->snap, 0);
	assert_string_equal(at(root, "/tags/web/latest")->target, "2026-01-01T10:00:00Z-1");

	/* below a snapshot the rest of the path is the caller's */
	const char *rest;
	const struct bk_ment *e = bk_ment_lookup(root, "/ids/f96774a3/srv/x", &rest);
	assert_non_null(e);
	assert_int_equal(e->kind, BK_MENT_SNAP);
	assert_int_equal(e->snap, 1);
	assert_string_equal(rest, "srv/x");
	assert_null(bk_ment_lookup(root, "/snapshots/latest/srv", &rest));
	assert_null(bk_ment_lookup(root, "/nope", &rest));
	assert_null(bk_ment_lookup(root, "/ids/33902ab7-9", &rest));
	bk_ment_free(root);
}

static void test_unique_and_empty(void **state)
{
	(void)state;
	struct bk_ment *root = bk_ment_build(NULL, 0);
	assert_non_null(root);
	assert_int_equal(at(root, "/snapshots")->n, 0);
	assert_null(at(root, "/snapshots/latest"));
	char *n = bk_ment_unique_name(at(root, "/"), "ids");
	assert_string_equal(n, "ids-1");
	free(n);
	n = bk_ment_unique_name(at(root, "/"), "x");
	assert_string_equal(n, "x");
	free(n);
	bk_ment_free(root);
}

static void add(struct bk_tree *t, const char *name, size_t len)
{
	struct bk_node *n = bk_tree_add(t);
	assert_non_null(n);
	n->name = malloc(len + 1);
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->name_len = len;
}

static void test_tree_names(void **state)
{
	(void)state;
	struct bk_tree t;
	bk_tree_init(&t);
	add(&t, "b", 1);
	add(&t, "a", 1);
	add(&t, "..", 2);
	add(&t, "x/y", 3);
	add(&t, "n\0ul", 4);
	add(&t, "a", 1);
	add(&t, "ab", 2);
	assert_false(bk_tree_is_sorted(&t));
	/* unsorted: searched in order, the first wins */
	assert_ptr_equal(bk_tree_find_name(&t, false, "a", 1), &t.nodes[1]);
	assert_null(bk_tree_find_name(&t, false, "..", 2));
	assert_null(bk_tree_find_name(&t, false, "x/y", 3));
	assert_null(bk_tree_find_name(&t, false, "n\0ul", 4));
	assert_null(bk_tree_find_name(&t, false, "c", 1));
	bk_tree_sort(&t);
	assert_false(bk_tree_is_sorted(&t)); /* "a" twice */
	const struct bk_node *a = bk_tree_find_name(&t, true, "a", 1);
	assert_non_null(a);
	assert_int_equal(a->name_len, 1);
	assert_string_equal(bk_tree_find_name(&t, true, "ab", 2)->name, "ab");
	assert_string_equal(bk_tree_find_name(&t, true, "b", 1)->name, "b");
	assert_null(bk_tree_find_name(&t, true, "", 0));
	assert_null(bk_tree_find_name(&t, true, "..", 2));
	bk_tree_deinit(&t);

	bk_tree_init(&t);
	add(&t, "a", 1);
	add(&t, "ab", 2);
	add(&t, "b", 1);
	assert_true(bk_tree_is_sorted(&t));
	assert_ptr_equal(bk_tree_find_name(&t, true, "ab", 2), &t.nodes[1]);
	bk_tree_deinit(&t);

	struct bk_node n = {0};
	char long_name[300];
	memset(long_name, 'x', sizeof long_name);
	n.name = long_name;
	n.name_len = 256;
	assert_false(bk_node_name_ok(&n));
	n.name_len = 255;
	assert_true(bk_node_name_ok(&n));
	n.name_len = 0;
	assert_false(bk_node_name_ok(&n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_name),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_unique_and_empty),
		cmocka_unit_test(test_tree_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
