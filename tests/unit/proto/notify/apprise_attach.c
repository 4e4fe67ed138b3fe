/* SPDX-License-Identifier: MIT */
/* Unit tests of Apprise API bodies (multipart parts, attachment fields) and of the attachments each target's requests carry. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "proto/notify/apprise_attach.h"

#define CT "multipart/form-data; boundary=XyZ"

static void test_multipart(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	static const char body[] =
		"--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nhello\r\n"
		"--XyZ\r\nContent-Disposition: form-data; name=\"attach\"; filename=\"dir/a \\\"q\\\".png\"\r\n"
		"Content-Type: image/png\r\n\r\n\x89PNG\r\n\0bin\r\n"
		"--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\r\n"
		"--XyZ--\r\n";
	struct apprise_part *p;
	size_t n;
	const char *why = NULL;
	assert_int_equal(apprise_multipart_parse(CT, body, sizeof(body) - 1, &a, &p, &n, &why), 0);
	assert_int_equal(n, 3);
	assert_string_equal(p[0].name, "body");
	assert_null(p[0].filename);
	assert_int_equal(p[0].len, 5);
	assert_string_equal(p[1].name, "attach");
	assert_string_equal(p[1].filename, "dir/a \"q\".png");
	assert_string_equal(p[1].ctype, "image/png");
	assert_int_equal(p[1].len, 10);
	assert_memory_equal(p[1].data, "\x89PNG\r\n\0bin", 10);
	assert_int_equal(p[2].len, 0);
	/* a file part as an attachment: the name without its path or quotes */
	struct apprise_attach_ref refs[APPRISE_MAX_ATTACH];
	size_t nr = 0;
	assert_int_equal(apprise_attach_part(&p[1], &a, refs, &nr, &why), 0);
	assert_string_equal(refs[0].a.name, "a _q_.png");
	assert_string_equal(refs[0].a.mimetype, "image/png");
	assert_null(refs[0].url);
	/* a quoted boundary with parameters after it */
	static const char b2[] = "--b-1\r\nContent-Disposition: form-data; name=k\r\n\r\nv\r\n--b-1--";
	assert_int_equal(apprise_multipart_parse("multipart/form-data; boundary=\"b-1\"; charset=x",
						 b2, sizeof(b2) - 1, &a, &p, &n, &why), 0);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].name, "k");
	assert_string_equal(p[0].data, "v");
	arena_deinit(&a);
}

static void test_multipart_refusals(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct apprise_part *p;
	size_t n;
	static const char *const bad[] = {
		"",
		"no delimiter here",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nnever closed",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"",
		"--XyZ",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		assert_int_equal(apprise_multipart_parse(CT, bad[i], strlen(bad[i]), &a, &p, &n, &why),
				 -EINVAL);
		assert_non_null(why);
	}
	const char *why = NULL;
	assert_int_equal(apprise_multipart_parse("multipart/form-data", "--x--", 5, &a, &p, &n, &why),
			 -EINVAL);
	assert_string_equal(why, "multipart body without a valid boundary");
	/* more parts than APPRISE_MAX_PARTS */
	char big[8192] = "";
	for (int i = 0; i < APPRISE_MAX_PARTS + 1; i++)
		strcat(big, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n");
	strcat(big, "--XyZ--");
	assert_int_equal(apprise_multipart_parse(CT, big, strlen(big), &a, &p, &n, &why), -EINVAL);
	assert_string_equal(why, "too many parts in the multipart body");
	arena_deinit(&a);
}

static void test_attach_fields(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	json_error_t e;
	json_t *v = json_loads("[\"https://h/p/report.pdf?x=1\","
			       "{\"base64\":\"aGVsbG8=\",\"filename\":\"h.txt\"},"
			       "{\"base64\":\"AAEC\",\"filename\":\"b\",\"mimetype\":\"image/png\"},"
			       "{\"url\":\"http://h/\",\"filename\":\"named.bin\"}]", 0, &e);
	struct apprise_attach_ref refs[APPRISE_MAX_ATTACH];
	size_t n = 0;
	const char *why = NULL;
	assert_int_equal(apprise_attach_refs(v, &a, refs, &n, &why), 0);
	assert_int_equal(n, 4);
	assert_string_equal(refs[0].url, "https://h/p/report.pdf?x=1");
	assert_string_equal(refs[0].a.name, "report.pdf");
	assert_string_equal(refs[0].a.mimetype, "application/pdf");
	assert_null(refs[1].url);
	assert_int_equal(refs[1].a.len, 5);
	assert_memory_equal(refs[1].a.data, "hello", 5);
	assert_string_equal(refs[1].a.mimetype, "text/plain");
	assert_int_equal(refs[2].a.len, 3);
	assert_memory_equal(refs[2].a.data, "\0\1\2", 3);
	assert_string_equal(refs[2].a.mimetype, "image/png");
	assert_string_equal(refs[3].a.name, "named.bin");
	json_decref(v);
	static const char *const bad[] = {
		"\"ftp://h/x\"", "\"file:///etc/passwd\"", "{\"base64\":\"!!\"}", "{\"filename\":\"x\"}",
		"42", "{\"base64\":\"aGk=\",\"filename\":7}", "\"http://h/a b\"",
		("[\"http://h/1\",\"http://h/2\",\"http://h/3\",\"http://h/4\",\"http://h/5\","
		 "\"http://h/6\",\"http://h/7\"]"),
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = json_loads(bad[i], JSON_DECODE_ANY, &e);
		n = 0;
		why = NULL;
		if (apprise_attach_refs(v, &a, refs, &n, &why) != -EINVAL || !why)
			fail_msg("accepted %s", bad[i]);
		json_decref(v);
	}
	assert_string_equal(apprise_mime_guess("x.JPG"), "image/jpeg");
	assert_string_equal(apprise_mime_guess("noext"), "application/octet-stream");
	assert_string_equal(apprise_url_basename(&a, "https://h"), "attachment");
	arena_deinit(&a);
}

static size_t build(struct arena *a, const char *url, const struct apprise_msg *m,
		    struct apprise_request **r)
{
	struct apprise_target t;
	const char *why = NULL;
	if (apprise_target_parse(url, a, &t, &why))
		fail_msg("%s: %s", url, why);
	size_t n = 0;
	if (apprise_build(&t, m, NULL, a, r, &n, &why))
		fail_msg("%s: build: %s", url, why);
	return n;
}

static const char *header(const struct apprise_request *r, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strncasecmp(r->headers[i], name, n) && r->headers[i][n] == ':')
			return r->headers[i] + n + 2;
	return NULL;
}

static bool has(const struct apprise_request *r, const char *needle)
{
	return memmem(r->body, r->body_len, needle, strlen(needle)) != NULL;
}

static const struct apprise_attach FILES[2] = {
	{.name = "a.png", .mimetype = "image/png", .data = "\x89PNG", .len = 4},
	{.name = "notes.txt", .mimetype = "text/plain", .data = "hi there", .len = 8},
};

static void test_targets_carry_attachments(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct apprise_msg m = {.title = "T", .body = "B", .attach = FILES, .nattach = 2};
	struct apprise_request *r;
	/* json://: Apprise's attachments array, base64 */
	size_t n = build(&a, "json://h/hook", &m, &r);
	json_error_t e;
	json_t *j = json_loadb(r[0].body, r[0].body_len, 0, &e);
	json_t *want = json_loads("[{\"filename\":\"a.png\",\"base64\":\"iVBORw==\",\"mimetype\":\"image/png\"},"
				  "{\"filename\":\"notes.txt\",\"base64\":\"aGkgdGhlcmU=\",\"mimetype\":\"text/plain\"}]",
				  0, &e);
	assert_true(json_equal(json_object_get(j, "attachments"), want));
	json_decref(j);
	json_decref(want);
	/* ntfy://: one upload per file per topic, title and message with the first */
	n = build(&a, "ntfy://u:p@h:8080/t1/t2?priority=high", &m, &r);
	assert_int_equal(n, 4);
	assert_string_equal(r[0].url, "http://h:8080/t2?filename=a.png&title=T&message=B");
	assert_string_equal(r[1].url, "http://h:8080/t2?filename=notes.txt");
	assert_string_equal(r[2].url, "http://h:8080/t1?filename=a.png&title=T&message=B");
	assert_int_equal(r[0].body_len, 4);
	assert_memory_equal(r[0].body, "\x89PNG", 4);
	assert_string_equal(header(&r[0], "X-Priority"), "high");
	assert_non_null(header(&r[0], "Authorization"));
	assert_null(header(&r[0], "Content-Type"));
	assert_ptr_equal(r[1].file, &FILES[1]);
	/* hearth://: the same, published in process */
	n = build(&a, "hearth://t1", &m, &r);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].kind, APPRISE_REQ_LOCAL);
	assert_ptr_equal(r[0].file, &FILES[0]);
	assert_string_equal(r[0].message, "B");
	assert_null(r[1].message);
	/* form://: multipart with file01, file02 after the fields */
	n = build(&a, "form://h/f", &m, &r);
	const char *ct = header(&r[0], "Content-Type");
	assert_int_equal(strncmp(ct, "multipart/form-data; boundary=", 30), 0);
	assert_true(has(&r[0], "Content-Disposition: form-data; name=\"file02\"; filename=\"notes.txt\"\r\n"
			       "Content-Type: text/plain\r\n\r\nhi there\r\n"));
	assert_true(has(&r[0], "name=\"message\"\r\n\r\nB\r\n"));
	/* mailto://: multipart/mixed, each file a base64 MIME part */
	n = build(&a, "mailto://user:pw@example.com?to=x@example.com", &m, &r);
	assert_int_equal(n, 1);
	assert_non_null(strstr(r[0].body, "Content-Type: multipart/mixed; boundary="));
	assert_non_null(strstr(r[0].body, "Content-Type: text/plain\r\nMIME-Version: 1.0\r\n"
				       "Content-Transfer-Encoding: base64\r\n"
				       "Content-Disposition: attachment; filename=\"notes.txt\"\r\n\r\n"
				       "aGkgdGhlcmU=\r\n"));
	assert_non_null(strstr(r[0].body, "Content-Type: multipart/alternative"));
	/* tgram://: after each chat's message, sendPhoto / sendDocument */
	n = build(&a, "tgram://123456789:AABB/-100/chan", &m, &r);
	assert_int_equal(n, 6);
	assert_string_equal(r[0].url, "https://api.telegram.org/bot123456789:AABB/sendMessage");
	assert_string_equal(r[1].url, "https://api.telegram.org/bot123456789:AABB/sendPhoto");
	assert_string_equal(r[2].url, "https://api.telegram.org/bot123456789:AABB/sendDocument");
	assert_string_equal(r[4].url, "https://api.telegram.org/bot123456789:AABB/sendPhoto");
	assert_true(has(&r[1], "name=\"chat_id\"\r\n\r\n-100\r\n"));
	assert_true(has(&r[1], "name=\"photo\"; filename=\"a.png\"\r\n\r\n\x89PNG\r\n"));
	assert_true(has(&r[5], "\r\n\r\n@chan\r\n"));
	assert_true(has(&r[5], "name=\"document\"; filename=\"notes.txt\""));
	arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_multipart_refusals),
		cmocka_unit_test(test_attach_fields),
		cmocka_unit_test(test_targets_carry_attachments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
