/* SPDX-License-Identifier: MIT */
/* Unit tests of tree and snapshot JSON: Go's string escapes, RFC 3339 times, restic's omission rules, round trips, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proto/backup/snapshot.h"
#include "proto/backup/tree.h"

static void expect_str(const char *in, size_t n, const char *want)
{
	struct buf b;

	buf_init(&b, 0);
	bk_json_string(&b, in, n);
	assert_int_equal(b.err, 0);
	assert_string_equal(b.data, want);
	buf_deinit(&b);
}

static void test_strings(void **state)
{
	(void)state;
	expect_str("plain", 5, "\"plain\"");
	expect_str("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	expect_str("\n\r\t\b\f\x01\x1f", 7, "\"\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\"");
	expect_str("<a&b>", 5, "\"\\u003ca\\u0026b\\u003e\"");
	expect_str("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 12, "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	expect_str("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"");
	/* invalid UTF-8: each bad byte becomes \ufffd (Go's coercion) */
	expect_str("a\xff" "b", 3, "\"a\\ufffdb\"");
	expect_str("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");		/* overlong */
	expect_str("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
	expect_str("\xe2\x82", 2, "\"\\ufffd\\ufffd\"");		/* truncated */
	expect_str("\xef\xbf\xbd", 3, "\"\xef\xbf\xbd\"");		/* a real U+FFFD stays raw */
}

static void expect_quote(const char *in, size_t n, const char *want)
{
	struct buf b;
	char *back;
	size_t len;

	buf_init(&b, 0);
	bk_go_quote(&b, in, n);
	assert_string_equal(b.data ? b.data : "", want);
	assert_int_equal(bk_go_unquote(b.data ? b.data : "", b.len, &back, &len), 0);
	assert_int_equal(len, n);
	assert_memory_equal(back, in, n);
	free(back);
	buf_deinit(&b);
}

static void test_go_quote(void **state)
{
	(void)state;
	char *o;
	size_t n;

	expect_quote("plain.txt", 9, "plain.txt");
	expect_quote("", 0, "");
	expect_quote("a\"b\\c", 5, "a\\\"b\\\\c");
	expect_quote("l\nb\tt\a\x01\x7f", 8, "l\\nb\\tt\\a\\x01\\x7f");
	expect_quote("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 12, "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	expect_quote("\xe2\x80\xa8", 3, "\\u2028");
	expect_quote("\xc2\xa0", 2, "\\u00a0");   /* no-break space is not printable for Go */
	expect_quote("bad\xff\xfe", 5, "bad\\xff\\xfe");
	expect_quote("\xf3\xa0\x80\x81", 4, "\\U000e0001"); /* a tag character */
	assert_int_equal(bk_go_unquote("\\101\\x42\\u00e9", 14, &o, &n), 0);
	assert_string_equal(o, "AB\xc3\xa9");
	free(o);
	static const char *bad[] = {"a\"b", "a\nb", "x\\", "\\q", "\\x4", "\\ud800", "\\U00110000", "\\777", "\\'"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(bk_go_unquote(bad[i], strlen(bad[i]), &o, &n), -22);
}

static void expect_time(int64_t sec, int32_t nsec, int32_t off, const char *want)
{
	struct buf b;
	struct bk_time t = {sec, nsec, off}, back;

	buf_init(&b, 0);
	assert_int_equal(bk_json_time(&b, &t), 0);
	assert_string_equal(b.data, want);
	assert_int_equal(bk_time_parse(b.data + 1, b.len - 2, &back), 0);
	assert_true(back.sec == sec && back.nsec == nsec && back.off == off);
	buf_deinit(&b);
}

static void test_times(void **state)
{
	(void)state;
	struct bk_time t;
	struct buf b;

	expect_time(0, 0, 0, "\"1970-01-01T00:00:00Z\"");
	expect_time(1796175199, 202875992, 0, "\"2026-12-02T01:33:19.202875992Z\"");
	expect_time(1796175199, 500000000, 3600, "\"2026-12-02T02:33:19.5+01:00\"");
	expect_time(1796175199, 120, -(5 * 3600 + 30 * 60), "\"2026-12-01T20:03:19.00000012-05:30\"");
	expect_time(BK_TIME_ZERO_SEC, 0, 0, "\"0001-01-01T00:00:00Z\"");
	expect_time(951782400, 0, 0, "\"2000-02-29T00:00:00Z\"");
	expect_time(-1, 999999999, 0, "\"1969-12-31T23:59:59.999999999Z\"");
	/* parse: short fractions, lowercase z, junk refused */
	assert_int_equal(bk_time_parse("2026-12-02T01:33:19.1z", 22, &t), 0);
	assert_true(t.nsec == 100000000);
	assert_int_equal(bk_time_parse("2026-12-02T01:33:19", 19, &t), -22);
	assert_int_equal(bk_time_parse("2026-13-02T01:33:19Z", 20, &t), -22);
	assert_int_equal(bk_time_parse("2025-02-29T01:33:19Z", 20, &t), -22);
	assert_int_equal(bk_time_parse("2026-12-02T01:33:19.Z", 21, &t), -22);
	assert_int_equal(bk_time_parse("2026-12-02T01:33:19+0100", 24, &t), -22);
	assert_int_equal(bk_time_parse("2026-12-02T01:33:19Zjunk", 24, &t), -22);
	/* Go refuses years past 9999 */
	buf_init(&b, 0);
	t = (struct bk_time){.sec = 253402300800LL};
	assert_int_equal(bk_json_time(&b, &t), -22);
	buf_deinit(&b);
}

static void test_base64(void **state)
{
	(void)state;
	struct buf b;
	uint8_t *out;
	size_t n;

	buf_init(&b, 0);
	bk_json_base64(&b, (const uint8_t *)"hello!?", 7);
	assert_string_equal(b.data, "\"aGVsbG8hPw==\"");
	buf_deinit(&b);
	assert_int_equal(bk_base64_decode("aGVsbG8hPw==", 12, &out, &n), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(out, "hello!?", 7);
	free(out);
	assert_int_equal(bk_base64_decode("", 0, &out, &n), 0);
	assert_int_equal(n, 0);
	free(out);
	assert_int_equal(bk_base64_decode("aGV", 3, &out, &n), -22);
	assert_int_equal(bk_base64_decode("a=bc", 4, &out, &n), -22);
	assert_int_equal(bk_base64_decode("ab=c", 4, &out, &n), -22);
	assert_int_equal(bk_base64_decode("ab*c", 4, &out, &n), -22);
}

static const char restic_tree[] =
	"{\"nodes\":[{\"name\":\"data.bin\",\"type\":\"file\",\"mode\":420,"
	"\"mtime\":\"2026-12-02T01:33:19.381398951Z\",\"atime\":\"2026-12-02T01:33:19.381398951Z\","
	"\"ctime\":\"2026-12-02T01:33:19.381398951Z\",\"uid\":0,\"gid\":0,\"user\":\"root\",\"group\":\"root\","
	"\"inode\":11101248,\"device_id\":65024,\"size\":45088768,\"links\":1,"
	"\"content\":[\"ebe5848a333d99d326b7c15752bbad834425a0ff03dad902dd8500d4d54ff493\"]},"
	"{\"name\":\"dir\",\"type\":\"dir\",\"mode\":2147484141,\"mtime\":\"2026-12-02T01:33:19Z\","
	"\"atime\":\"2026-12-02T01:33:19Z\",\"ctime\":\"2026-12-02T01:33:19Z\",\"uid\":1000,\"gid\":1000,"
	"\"inode\":5,\"device_id\":65024,\"content\":null,"
	"\"subtree\":\"3af1e760b2557ea9661b095d4e18a56e7e3f2c6b78369847b43363d584aa5907\"},"
	"{\"name\":\"empty\",\"type\":\"file\",\"mode\":384,\"mtime\":\"2026-12-02T01:33:19.5+01:00\","
	"\"atime\":\"2026-12-02T01:33:19.5+01:00\",\"ctime\":\"2026-12-02T01:33:19.5+01:00\",\"uid\":0,\"gid\":0,"
	"\"links\":2,\"extended_attributes\":[{\"name\":\"user.k\",\"value\":\"dg==\"},{\"name\":\"user.e\",\"value\":null}],"
	"\"content\":[]},"
	"{\"name\":\"lnk\\u003c\\\\n\",\"type\":\"symlink\",\"mode\":134218239,\"mtime\":\"0001-01-01T00:00:00Z\","
	"\"atime\":\"0001-01-01T00:00:00Z\",\"ctime\":\"0001-01-01T00:00:00Z\",\"uid\":0,\"gid\":0,"
	"\"links\":1,\"linktarget\":\"../x\\ny\",\"content\":null},"
	"{\"name\":\"null\",\"type\":\"chardev\",\"mode\":69206454,\"mtime\":\"2026-12-02T01:33:19Z\","
	"\"atime\":\"2026-12-02T01:33:19Z\",\"ctime\":\"2026-12-02T01:33:19Z\",\"uid\":0,\"gid\":0,"
	"\"links\":1,\"device\":259,\"content\":null}]}\n";

static void test_tree_roundtrip(void **state)
{
	(void)state;
	struct bk_tree t;
	struct buf b;

	assert_int_equal(bk_tree_decode(restic_tree, sizeof restic_tree - 1, &t), 0);
	assert_int_equal(t.n, 5);
	assert_string_equal(t.nodes[0].name, "data.bin");
	assert_int_equal(t.nodes[0].size, 45088768);
	assert_int_equal(t.nodes[0].n_content, 1);
	assert_int_equal(t.nodes[1].type, BK_NODE_DIR);
	assert_true(t.nodes[1].has_subtree && !t.nodes[1].content_is_array);
	assert_int_equal(t.nodes[1].mode, BK_GOMODE_DIR | 0755);
	assert_int_equal(t.nodes[2].n_xattrs, 2);
	assert_memory_equal(t.nodes[2].xattrs[0].value, "v", 1);
	assert_null(t.nodes[2].xattrs[1].value);
	assert_true(t.nodes[2].content_is_array && t.nodes[2].n_content == 0);
	assert_int_equal(t.nodes[2].mtime.off, 3600);
	assert_string_equal(t.nodes[3].name, "lnk<\n");
	assert_string_equal(t.nodes[3].linktarget, "../x\ny");
	assert_int_equal(t.nodes[4].device, 259);
	assert_int_equal(t.nodes[4].mode, bk_mode_from_unix(S_IFCHR | 0666));
	buf_init(&b, 0);
	assert_int_equal(bk_tree_encode(&b, &t), 0);
	assert_string_equal(b.data, restic_tree);
	buf_deinit(&b);
	bk_tree_deinit(&t);

	/* an empty tree, and unsorted nodes refused */
	bk_tree_init(&t);
	buf_init(&b, 0);
	assert_int_equal(bk_tree_encode(&b, &t), 0);
	assert_string_equal(b.data, "{\"nodes\":[]}\n");
	struct bk_node *n1 = bk_tree_add(&t), *n2;
	n1->name = strdup("b");
	n1->name_len = 1;
	n2 = bk_tree_add(&t);
	n2->name = strdup("a");
	n2->name_len = 1;
	buf_deinit(&b);
	buf_init(&b, 0);
	assert_int_equal(bk_tree_encode(&b, &t), -22);
	bk_tree_sort(&t);
	assert_string_equal(t.nodes[0].name, "a");
	buf_deinit(&b);
	bk_tree_deinit(&t);
}

static void test_modes(void **state)
{
	(void)state;
	assert_int_equal(bk_mode_from_unix(S_IFREG | 0644), 420);
	assert_int_equal(bk_mode_from_unix(S_IFDIR | 0755), 2147484141u);
	assert_int_equal(bk_mode_from_unix(S_IFLNK | 0777), 134218239u);
	assert_int_equal(bk_mode_from_unix(S_IFDIR | S_ISVTX | 0777), BK_GOMODE_DIR | BK_GOMODE_STICKY | 0777);
	assert_int_equal(bk_mode_from_unix(S_IFREG | S_ISUID | S_ISGID | 0755),
			 BK_GOMODE_SETUID | BK_GOMODE_SETGID | 0755);
	assert_int_equal(bk_mode_to_unix_perm(BK_GOMODE_SETUID | BK_GOMODE_STICKY | BK_GOMODE_DIR | 0700),
			 S_ISUID | S_ISVTX | 0700);
}

static void test_tree_hostile(void **state)
{
	(void)state;
	static const char *bad[] = {
		"", "[]", "{\"nodes\":{}}", "{\"nodes\":[1]}", "{\"nodes\":[{}]}",
		"{\"nodes\":[{\"name\":\"a\",\"type\":\"weird\"}]}",
		"{\"nodes\":[{\"name\":\"a\",\"type\":\"file\",\"mode\":-1}]}",
		"{\"nodes\":[{\"name\":\"a\",\"type\":\"file\",\"uid\":4294967296}]}",
		"{\"nodes\":[{\"name\":\"a\",\"type\":\"file\",\"mtime\":\"yesterday\"}]}",
		"{\"nodes\":[{\"name\":\"a\",\"type\":\"file\",\"content\":[\"00\"]}]}",
		"{\"nodes\":[{\"name\":\"a\",\"type\":\"file\",\"content\":\"x\"}]}",
		"{\"nodes\":[{\"name\":\"a\",\"type\":\"dir\",\"subtree\":5}]}",
		"{\"nodes\":[{\"name\":\"a\",\"type\":\"file\",\"extended_attributes\":[{\"name\":\"x\",\"value\":\"!!!!\"}]}]}",
		"{\"nodes\":[{\"name\":7,\"type\":\"file\"}]}",
	};
	struct bk_tree t;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (bk_tree_decode(bad[i], strlen(bad[i]), &t) != -22)
			fail_msg("accepted: %s", bad[i]);
		bk_tree_deinit(&t);
	}
	/* null nodes and unknown fields are accepted, as restic accepts them */
	assert_int_equal(bk_tree_decode("{\"nodes\":null,\"x\":1}", 20, &t), 0);
	assert_int_equal(t.n, 0);
	bk_tree_deinit(&t);
}

static const char restic_snapshot[] =
	"{\"time\":\"2026-12-02T01:33:22.202875992Z\","
	"\"parent\":\"ad884b6879a4954977226f8468d0dd74a3160fc1caf05a411394dcfd6d2d5906\","
	"\"tree\":\"a9dd0bd026255506ccaa2a0e42a94309db3ca46ed539015b6a83d1b7c5f68f2c\","
	"\"paths\":[\"/tmp/rt/data.bin\",\"/srv/\\u003cx\\u003e\"],\"hostname\":\"vm\",\"username\":\"alice\","
	"\"uid\":1000,\"gid\":1000,\"excludes\":[\"*.tmp\"],\"tags\":[\"daily\",\"lab\"]}";

static void test_snapshot(void **state)
{
	(void)state;
	struct bk_snapshot s;
	struct buf b;

	assert_int_equal(bk_snapshot_decode(restic_snapshot, sizeof restic_snapshot - 1, &s), 0);
	assert_true(s.has_parent && !s.has_original);
	assert_int_equal(s.paths.n, 2);
	assert_string_equal(s.paths.v[1], "/srv/<x>");
	assert_string_equal(s.hostname, "vm");
	assert_int_equal(s.uid, 1000);
	assert_int_equal(s.tags.n, 2);
	buf_init(&b, 0);
	assert_int_equal(bk_snapshot_encode(&b, &s), 0);
	assert_string_equal(b.data, restic_snapshot);
	buf_deinit(&b);
	bk_snapshot_deinit(&s);

	/* root's snapshot: uid/gid 0, no tags, no parent are omitted */
	static const char root[] = "{\"time\":\"2026-12-02T01:33:22Z\",\"tree\":\"a9dd0bd026255506ccaa2a0e42a94309db3ca46ed539015b6a83d1b7c5f68f2c\",\"paths\":[\"/x\"],\"hostname\":\"vm\",\"username\":\"root\"}";
	assert_int_equal(bk_snapshot_decode(root, sizeof root - 1, &s), 0);
	buf_init(&b, 0);
	assert_int_equal(bk_snapshot_encode(&b, &s), 0);
	assert_string_equal(b.data, root);
	buf_deinit(&b);
	bk_snapshot_deinit(&s);

	static const char *bad[] = {"{}", "{\"tree\":\"ab\"}", "[1]", "{\"tree\":null}",
				    "{\"time\":5,\"tree\":\"a9dd0bd026255506ccaa2a0e42a94309db3ca46ed539015b6a83d1b7c5f68f2c\"}",
				    "{\"paths\":[1],\"tree\":\"a9dd0bd026255506ccaa2a0e42a94309db3ca46ed539015b6a83d1b7c5f68f2c\"}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(bk_snapshot_decode(bad[i], strlen(bad[i]), &s), -22);
		bk_snapshot_deinit(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_go_quote),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_tree_roundtrip),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_tree_hostile),
		cmocka_unit_test(test_snapshot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
