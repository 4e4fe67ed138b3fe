/* SPDX-License-Identifier: MIT */
/* Unit tests of restic's location syntax, the REST protocol's request paths and Range headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "proto/backup/location.h"

static void test_locations(void **state)
{
	(void)state;
	struct backup_location l;
	const char *why;
	assert_int_equal(backup_location_parse("/srv/repo", &l, &why), 0);
	assert_int_equal(l.kind, BACKUP_LOC_LOCAL);
	assert_string_equal(l.path, "/srv/repo");
	assert_int_equal(backup_location_parse("local:rel/repo", &l, &why), 0);
	assert_string_equal(l.path, "rel/repo");

	assert_int_equal(backup_location_parse("sftp:bob@nas:/srv/restic", &l, &why), 0);
	assert_int_equal(l.kind, BACKUP_LOC_SFTP);
	assert_string_equal(l.user, "bob");
	assert_string_equal(l.host, "nas");
	assert_string_equal(l.path, "/srv/restic");
	assert_int_equal(l.port, 0);
	assert_int_equal(backup_location_parse("sftp:nas:projects/r", &l, &why), 0);
	assert_string_equal(l.user, "");
	assert_string_equal(l.path, "projects/r");
	assert_int_equal(backup_location_parse("sftp:u@[::1]:/r", &l, &why), 0);
	assert_string_equal(l.host, "::1");
	assert_string_equal(l.path, "/r");
	/* restic's URL form: "//" before an absolute path */
	assert_int_equal(backup_location_parse("sftp://u@[::1]:2222//srv/r", &l, &why), 0);
	assert_string_equal(l.host, "::1");
	assert_int_equal(l.port, 2222);
	assert_string_equal(l.path, "/srv/r");
	assert_int_equal(backup_location_parse("sftp://h/rel", &l, &why), 0);
	assert_string_equal(l.path, "rel");
	assert_int_equal(backup_location_parse("sftp://h:99999//x", &l, &why), -EINVAL);
	assert_non_null(why);
	assert_int_equal(backup_location_parse("sftp:nohostpath", &l, &why), -EINVAL);
	assert_int_equal(backup_location_parse("sftp:h:", &l, &why), -EINVAL);
	assert_int_equal(backup_location_parse("sftp:@h:/x", &l, &why), -EINVAL);

	assert_int_equal(backup_location_parse("rest:http://127.0.0.1:8000", &l, &why), 0);
	assert_int_equal(l.kind, BACKUP_LOC_REST);
	assert_string_equal(l.url, "http://127.0.0.1:8000/");
	assert_int_equal(backup_location_parse("rest:https://u:p@h/repo", &l, &why), 0);
	assert_string_equal(l.url, "https://u:p@h/repo/");
	assert_int_equal(backup_location_parse("rest:ftp://h/", &l, &why), -EINVAL);
	assert_int_equal(backup_location_parse("rest:http:///", &l, &why), -EINVAL);
	assert_int_equal(backup_location_parse("s3:host/bucket", &l, &why), -EPROTONOSUPPORT);
	assert_int_equal(backup_location_parse("", &l, &why), -EINVAL);
	assert_int_equal(backup_location_parse("a\nb", &l, &why), -EINVAL);
}

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_rest_paths(void **state)
{
	(void)state;
	struct backup_rest_path p;
	const char *why;
	assert_int_equal(backup_rest_path_parse("/", &p, &why), 0);
	assert_int_equal(p.what, BACKUP_REST_REPO);
	assert_string_equal(p.repo, "");
	assert_int_equal(backup_rest_path_parse("/config", &p, &why), 0);
	assert_int_equal(p.what, BACKUP_REST_CONFIG);
	assert_int_equal(backup_rest_path_parse("/data/", &p, &why), 0);
	assert_int_equal(p.what, BACKUP_REST_LIST);
	assert_string_equal(p.type, "data");
	assert_int_equal(backup_rest_path_parse("/keys/" HEX64, &p, &why), 0);
	assert_int_equal(p.what, BACKUP_REST_FILE);
	assert_string_equal(p.type, "keys");
	assert_string_equal(p.name, HEX64);
	assert_int_equal(backup_rest_path_parse("/alice/work/snapshots/" HEX64, &p, &why), 0);
	assert_string_equal(p.repo, "alice/work");
	char owner[65];
	backup_rest_path_owner(&p, owner);
	assert_string_equal(owner, "alice");
	assert_int_equal(backup_rest_path_parse("/alice/", &p, &why), 0);
	assert_int_equal(p.what, BACKUP_REST_REPO);
	assert_string_equal(p.repo, "alice");
	assert_int_equal(backup_rest_path_parse("/alice", &p, &why), 0);
	assert_int_equal(p.what, BACKUP_REST_REPO);

	static const char *const bad[] = {
		"", "config", "/../config", "/a/../config", "/./config",
		"//config", "/.hidden/config", "/data/x", "/data/" HEX64 "0",
		"/data/" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
		"/a%2f/config", "/data/data/", "/a/b/c/d/e/config", "/a b/config",
		"/locks/" HEX64 "/", "/config/x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(backup_rest_path_parse(bad[i], &p, &why), -EINVAL);
		assert_non_null(why);
	}
	/* four folders of a name are fine, five are not */
	assert_int_equal(backup_rest_path_parse("/a/b/c/d/config", &p, &why), 0);
	assert_string_equal(p.repo, "a/b/c/d");
}

static void test_ranges(void **state)
{
	(void)state;
	uint64_t off = 0, len = 0;
	assert_int_equal(backup_rest_range_parse("bytes=0-9", 100, &off, &len), 0);
	assert_int_equal(off, 0);
	assert_int_equal(len, 10);
	assert_int_equal(backup_rest_range_parse("bytes=90-", 100, &off, &len), 0);
	assert_int_equal(off, 90);
	assert_int_equal(len, 10);
	assert_int_equal(backup_rest_range_parse("bytes=95-200", 100, &off, &len), 0);
	assert_int_equal(len, 5);
	assert_int_equal(backup_rest_range_parse("bytes=-4", 100, &off, &len), 0);
	assert_int_equal(off, 96);
	assert_int_equal(len, 4);
	assert_int_equal(backup_rest_range_parse("bytes=100-", 100, &off, &len), -ERANGE);
	assert_int_equal(backup_rest_range_parse("bytes=-0", 100, &off, &len), -ERANGE);
	assert_int_equal(backup_rest_range_parse(NULL, 100, &off, &len), 1);
	assert_int_equal(backup_rest_range_parse("items=0-1", 100, &off, &len), 1);
	assert_int_equal(backup_rest_range_parse("bytes=0-1,5-6", 100, &off, &len), 1);
	assert_int_equal(backup_rest_range_parse("bytes=9-1", 100, &off, &len), 1);
	assert_int_equal(backup_rest_range_parse("bytes=99999999999999999999-", 100, &off, &len), 1);
}

static void test_redact(void **state)
{
	(void)state;
	char out[128];
	backup_location_redact("rest:http://u:secret@h:80/r/", out, sizeof(out));
	assert_string_equal(out, "rest:http://u:***@h:80/r/");
	backup_location_redact("rest:http://u:p@h/", out, sizeof(out));
	assert_string_equal(out, "rest:http://u:***@h/");
	backup_location_redact("rest:http://h:80/a@b", out, sizeof(out));
	assert_string_equal(out, "rest:http://h:80/a@b");
	backup_location_redact("sftp://bob@h//srv", out, sizeof(out));
	assert_string_equal(out, "sftp://bob@h//srv");
	backup_location_redact("/srv/repo", out, 4);
	assert_string_equal(out, "/sr");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locations),
		cmocka_unit_test(test_rest_paths),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_redact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
