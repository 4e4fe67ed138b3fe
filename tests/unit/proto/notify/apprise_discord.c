/* SPDX-License-Identifier: MIT */
/* Unit tests of discord:// as Apprise 1.2.0 sends it: content or embeds, fields from markdown headings, footer, image, tts, avatar, attachments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "proto/notify/apprise_target.h"

#define IMG "https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/apprise-"
#define LOGO IMG "logo.png"

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

static void assert_json(const struct apprise_request *r, const char *want)
{
	json_error_t e;
	json_t *got = json_loadb(r->body, r->body_len, 0, &e);
	json_t *exp = json_loads(want, 0, &e);
	if (!exp)
		fail_msg("bad expectation: %s", e.text);
	if (!json_equal(got, exp))
		fail_msg("got  %.*s\nwant %s", (int)r->body_len, r->body, want);
	json_decref(got);
	json_decref(exp);
}

static const char *header(const struct apprise_request *r, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strncasecmp(r->headers[i], name, n) && r->headers[i][n] == ':')
			return r->headers[i] + n + 2;
	return NULL;
}

static void test_text_content(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct apprise_msg m = {.title = "Up", .body = "web is up", .type = APPRISE_SUCCESS};
	struct apprise_request *r;
	size_t n = build(&a, "discord://bot@123/tok?tts=yes&thread=77", &m, &r);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].url, "https://discord.com/api/webhooks/123/tok");
	assert_string_equal(header(&r[0], "Content-Type"), "application/json; charset=utf-8");
	assert_int_equal(r[0].ok_status, 200);
	assert_int_equal(r[0].ok_status2, 204);
	assert_json(&r[0], "{\"tts\": true, \"wait\": false, \"content\": \"Up\\r\\nweb is up\","
			   "\"thread_id\": \"77\", \"avatar_url\": \"" IMG "success-256x256.png\","
			   "\"username\": \"bot\"}");
	n = build(&a, "discord://123/tok?avatar_url=https://x/a.png", &m, &r);
	assert_json(&r[0], "{\"tts\": false, \"wait\": true, \"content\": \"Up\\r\\nweb is up\","
			   "\"avatar_url\": \"https://x/a.png\"}");
	arena_deinit(&a);
}

static void test_markdown_embeds_and_fields(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct apprise_msg m = {
		.title = "Nightly",
		.body = "Backup report\n# Disk\nsda ok\nsdb ok\n## Net\nup\n# Empty\n",
		.type = APPRISE_INFO,
		.format = APPRISE_MARKDOWN,
	};
	struct apprise_request *r;
	size_t n = build(&a, "discord://123/tok?format=markdown&footer=yes&image=yes&avatar=no", &m, &r);
	assert_int_equal(n, 1);
	assert_json(&r[0],
		    "{\"tts\": false, \"wait\": true, \"embeds\": [{"
		    "\"author\": {\"name\": \"Apprise\", \"url\": \"https://github.com/caronc/apprise\"},"
		    "\"title\": \"Nightly\", \"description\": \"Backup report\", \"color\": 3843043,"
		    "\"footer\": {\"text\": \"Apprise Notifications\", \"icon_url\": \"" LOGO "\"},"
		    "\"thumbnail\": {\"url\": \"" IMG "info-256x256.png\", \"height\": 256, \"width\": 256},"
		    "\"fields\": [{\"name\": \"Disk\", \"value\": \"```md\\nsda ok\\nsdb ok\\n```\"},"
		    "{\"name\": \"Net\", \"value\": \"```md\\nup\\n```\"},"
		    "{\"name\": \"Empty\", \"value\": \"```\\n```\"}]}]}");
	/* fields=no keeps the body whole; footer_logo=no drops the icon */
	n = build(&a, "discord://123/tok?format=markdown&fields=no&footer=yes&footer_logo=no&avatar=no",
		  &m, &r);
	assert_json(&r[0],
		    "{\"tts\": false, \"wait\": true, \"embeds\": [{"
		    "\"author\": {\"name\": \"Apprise\", \"url\": \"https://github.com/caronc/apprise\"},"
		    "\"title\": \"Nightly\", \"description\": \"Backup report\\n# Disk\\nsda ok\\nsdb ok"
		    "\\n## Net\\nup\\n# Empty\", \"color\": 3843043,"
		    "\"footer\": {\"text\": \"Apprise Notifications\"}}]}");
	/* a body that starts with a heading has no description */
	m.body = "# Only\nvalue here";
	m.type = APPRISE_FAILURE;
	n = build(&a, "discord://123/tok?format=markdown&avatar=no", &m, &r);
	assert_json(&r[0],
		    "{\"tts\": false, \"wait\": true, \"embeds\": [{"
		    "\"author\": {\"name\": \"Apprise\", \"url\": \"https://github.com/caronc/apprise\"},"
		    "\"title\": \"Nightly\", \"description\": \"\", \"color\": 10690615,"
		    "\"fields\": [{\"name\": \"Only\", \"value\": \"```md\\nvalue here\\n```\"}]}]}");
	arena_deinit(&a);
}

static void test_more_than_ten_fields(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	char body[1024] = "top\n";
	for (int i = 0; i < 23; i++)
		snprintf(body + strlen(body), sizeof(body) - strlen(body), "# F%d\nv%d\n", i, i);
	struct apprise_msg m = {.body = body, .format = APPRISE_MARKDOWN};
	struct apprise_request *r;
	size_t n = build(&a, "discord://123/tok?format=markdown", &m, &r);
	assert_int_equal(n, 3); /* 10 + 10 + 3 */
	json_error_t e;
	for (size_t i = 0; i < n; i++) {
		json_t *j = json_loadb(r[i].body, r[i].body_len, 0, &e);
		json_t *em = json_array_get(json_object_get(j, "embeds"), 0);
		json_t *f = json_object_get(em, "fields");
		assert_int_equal(json_array_size(f), i < 2 ? 10 : 3);
		assert_string_equal(json_string_value(json_object_get(em, "description")),
				    i ? "" : "top");
		char want[16];
		snprintf(want, sizeof(want), "F%zu", i * 10);
		assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "name")), want);
		json_decref(j);
	}
	arena_deinit(&a);
}

static void test_attachments_are_multipart_posts(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct apprise_attach f[2] = {
		{.name = "a.png", .mimetype = "image/png", .data = "\x89PNG\0data", .len = 9},
		{.name = "b.txt", .mimetype = "text/plain", .data = "hello", .len = 5},
	};
	struct apprise_msg m = {.title = "T", .body = "B", .attach = f, .nattach = 2};
	struct apprise_request *r;
	size_t n = build(&a, "discord://bot@123/tok?thread=9&tts=yes", &m, &r);
	assert_int_equal(n, 3); /* the message, then each file */
	for (size_t i = 1; i < 3; i++) {
		const char *ct = header(&r[i], "Content-Type");
		assert_non_null(ct);
		assert_int_equal(strncmp(ct, "multipart/form-data; boundary=", 30), 0);
		const char *bd = ct + 30;
		assert_int_equal(strlen(bd), 32);
		char want[1024];
		int wl = snprintf(want, sizeof(want),
				  "--%s\r\nContent-Disposition: form-data; name=\"tts\"\r\n\r\nFalse\r\n"
				  "--%s\r\nContent-Disposition: form-data; name=\"wait\"\r\n\r\nTrue\r\n"
				  "--%s\r\nContent-Disposition: form-data; name=\"thread_id\"\r\n\r\n9\r\n"
				  "--%s\r\nContent-Disposition: form-data; name=\"avatar_url\"\r\n\r\n"
				  IMG "info-256x256.png\r\n"
				  "--%s\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nbot\r\n"
				  "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n\r\n",
				  bd, bd, bd, bd, bd, bd, f[i - 1].name);
		assert_true(r[i].body_len == (size_t)wl + f[i - 1].len + 2 + 2 + 32 + 4);
		assert_memory_equal(r[i].body, want, (size_t)wl);
		assert_memory_equal(r[i].body + wl, f[i - 1].data, f[i - 1].len);
		assert_null(header(&r[i], "Authorization"));
	}
	arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_content),
		cmocka_unit_test(test_markdown_embeds_and_fields),
		cmocka_unit_test(test_more_than_ten_fields),
		cmocka_unit_test(test_attachments_are_multipart_posts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
