/* SPDX-License-Identifier: MIT */
/* Unit tests of Matrix server mode's conversation: login, join by alias and id, send, joined_rooms, failures. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/notify/apprise_matrix.h"

static const struct apprise_msg MSG = {.title = "T", .body = "hello", .format = APPRISE_TEXT};

static int step(struct apprise_matrix *st, const struct apprise_target *t, long status,
		const char *body, struct arena *a, struct apprise_request *r)
{
	return apprise_matrix_step(st, t, &MSG, status, body, body ? strlen(body) : 0, a, r);
}

static const char *auth(const struct apprise_request *r)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strncmp(r->headers[i], "Authorization: ", 15))
			return r->headers[i] + 15;
	return NULL;
}

static void test_login_join_send(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct apprise_target t;
	const char *why;
	assert_int_equal(apprise_target_parse("matrix://bob:pw@hs.example:8008/#ops/!abc:other.example",
					      &a, &t, &why), 0);
	assert_int_equal(t.mode, 0);
	struct apprise_matrix st = {0};
	struct apprise_request r;
	assert_int_equal(step(&st, &t, 0, NULL, &a, &r), 1);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.url, "http://hs.example:8008/_matrix/client/r0/login");
	assert_string_equal(r.body, "{\"type\": \"m.login.password\", \"user\": \"bob\", \"password\": \"pw\"}");
	assert_null(auth(&r));
	assert_int_equal(step(&st, &t, 200, "{\"access_token\": \"TOK\", \"home_server\": \"hs.example\"}", &a, &r), 1);
	/* sorted targets: "!abc:other.example" before "#ops" */
	assert_string_equal(r.url, "http://hs.example:8008/_matrix/client/r0/join/%21abc%3Aother.example");
	assert_string_equal(auth(&r), "Bearer TOK");
	assert_int_equal(step(&st, &t, 200, "{\"room_id\": \"!abc:other.example\"}", &a, &r), 1);
	assert_string_equal(r.url, "http://hs.example:8008/_matrix/client/r0/rooms/%21abc%3Aother.example/send/m.room.message");
	assert_string_equal(r.body, "{\"msgtype\": \"m.text\", \"body\": \"# T\\r\\nhello\"}");
	assert_int_equal(step(&st, &t, 200, "{}", &a, &r), 1);
	assert_string_equal(r.url, "http://hs.example:8008/_matrix/client/r0/join/%23ops%3Ahs.example");
	assert_int_equal(step(&st, &t, 200, "{\"room_id\": \"!xyz:hs.example\"}", &a, &r), 1);
	assert_string_equal(r.url, "http://hs.example:8008/_matrix/client/r0/rooms/%21xyz%3Ahs.example/send/m.room.message");
	assert_int_equal(step(&st, &t, 200, "{}", &a, &r), 0);
	assert_int_equal(st.errors, 0);
	arena_deinit(&a);
}

static void test_failures_and_joined_rooms(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct apprise_target t;
	const char *why;
	struct apprise_request r;
	/* refused login: done, one error */
	assert_int_equal(apprise_target_parse("matrixs://bob:pw@hs.example/#ops", &a, &t, &why), 0);
	struct apprise_matrix st = {0};
	assert_int_equal(step(&st, &t, 0, NULL, &a, &r), 1);
	assert_string_equal(r.url, "https://hs.example/_matrix/client/r0/login");
	assert_int_equal(step(&st, &t, 403, "{\"errcode\": \"M_FORBIDDEN\"}", &a, &r), 0);
	assert_int_equal(st.errors, 1);
	assert_non_null(st.why);
	/* no rooms: GET /joined_rooms, then each of them; a failed join goes on */
	assert_int_equal(apprise_target_parse("matrix://bob:pw@hs.example/?mode=off", &a, &t, &why), 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(step(&st, &t, 0, NULL, &a, &r), 1);
	assert_int_equal(step(&st, &t, 200, "{\"access_token\": \"T2\"}", &a, &r), 1);
	assert_string_equal(r.method, "GET");
	assert_string_equal(r.url, "http://hs.example/_matrix/client/r0/joined_rooms");
	assert_int_equal(step(&st, &t, 200, "{\"joined_rooms\": [\"!a:hs\", \"!b:hs\"]}", &a, &r), 1);
	assert_non_null(strstr(r.url, "/join/%21a%3Ahs"));
	assert_int_equal(step(&st, &t, 500, "oops", &a, &r), 1);
	assert_non_null(strstr(r.url, "/join/%21b%3Ahs"));
	assert_int_equal(step(&st, &t, 200, "{}", &a, &r), 1);
	assert_non_null(strstr(r.url, "/rooms/%21b%3Ahs/send/"));
	assert_int_equal(step(&st, &t, 200, "{}", &a, &r), 0);
	assert_int_equal(st.errors, 1);
	/* no password: nothing to do but fail */
	assert_int_equal(apprise_target_parse("matrix://bob@hs.example/#r?mode=off", &a, &t, &why), 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(step(&st, &t, 0, NULL, &a, &r), 0);
	assert_int_equal(st.errors, 1);
	arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_join_send),
		cmocka_unit_test(test_failures_and_joined_rooms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
