/* SPDX-License-Identifier: MIT */
/* Unit tests of the Apprise request builder: each scheme's method, URL, headers and body, as Apprise 1.2.0 sends them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/notify/apprise_target.h"

static const struct apprise_msg MSG = {
	.title = "My Title",
	.body = "Hello <b> & \"x\"\nline2",
	.type = APPRISE_INFO,
	.format = APPRISE_TEXT,
	.now = 1796173217.5,
	.apprise_id = "id-1",
};

struct built {
	struct apprise_request *r;
	size_t n;
};

static struct built build(struct arena *a, const char *url, const struct apprise_msg *m,
			  const struct apprise_endpoints *ep)
{
	struct apprise_target t;
	const char *why = NULL;
	if (apprise_target_parse(url, a, &t, &why))
		fail_msg("%s: %s", url, why);
	struct built b = {0};
	if (apprise_build(&t, m, ep, a, &b.r, &b.n, &why))
		fail_msg("%s: build: %s", url, why);
	return b;
}

static const char *header(const struct apprise_request *r, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strncasecmp(r->headers[i], name, n) && r->headers[i][n] == ':')
			return r->headers[i] + n + 2;
	return NULL;
}

static void test_json_form_xml(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct built b = build(&a, "json://u:p@localhost:9000/hook?+X-Token=abc&-apikey=1&:source=ci", &MSG, NULL);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.r[0].method, "POST");
	assert_string_equal(b.r[0].url, "http://localhost:9000/hook?apikey=1");
	assert_string_equal(header(&b.r[0], "User-Agent"), "Apprise");
	assert_string_equal(header(&b.r[0], "Content-Type"), "application/json");
	assert_string_equal(header(&b.r[0], "X-Token"), "abc");
	assert_string_equal(header(&b.r[0], "Authorization"), "Basic dTpw");
	assert_string_equal(b.r[0].body,
		"{\"version\": \"1.0\", \"title\": \"My Title\", \"message\": \"Hello <b> & \\\"x\\\"\\nline2\", "
		"\"attachments\": [], \"type\": \"info\", \"source\": \"ci\"}");
	assert_int_equal(b.r[0].ok_status, 0); /* any 2xx */

	b = build(&a, "form://localhost/hook?-apikey=1&:source=ci&:title=over", &MSG, NULL);
	assert_string_equal(b.r[0].url, "http://localhost/hook?apikey=1");
	assert_string_equal(header(&b.r[0], "Content-Type"), "application/x-www-form-urlencoded");
	assert_string_equal(b.r[0].body,
		"version=1.0&title=over&message=Hello+%3Cb%3E+%26+%22x%22%0Aline2&type=info&source=ci");
	b = build(&a, "form://localhost/hook?method=GET&-k=v", &MSG, NULL);
	assert_string_equal(b.r[0].method, "GET");
	assert_null(b.r[0].body);
	assert_non_null(strstr(b.r[0].url, "http://localhost/hook?version=1.0&title=My+Title&"));
	assert_non_null(strstr(b.r[0].url, "&k=v"));

	b = build(&a, "xml://localhost/x?:extra=1", &MSG, NULL);
	assert_string_equal(header(&b.r[0], "Content-Type"), "application/xml");
	assert_non_null(strstr(b.r[0].body,
		"            <Version>1.1</Version><Subject>My Title</Subject><MessageType>info</MessageType>"
		"<Message>Hello &lt;b&gt; &amp; &quot;x&quot;\nline2</Message><extra>1</extra>\n            \n"
		"       </Notification>\n"));
	const char *head = "<?xml version='1.0' encoding='utf-8'?>\n<soapenv:Envelope\n";
	assert_true(!strncmp(b.r[0].body, head, strlen(head)));
	arena_deinit(&a);
}

static void test_services(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct built b = build(&a, "gotify://localhost/pre/TOKEN?priority=high", &MSG, NULL);
	assert_string_equal(b.r[0].url, "http://localhost/pre/message");
	assert_string_equal(header(&b.r[0], "X-Gotify-Key"), "TOKEN");
	assert_string_equal(b.r[0].body,
		"{\"priority\": 8, \"title\": \"My Title\", \"message\": \"Hello <b> & \\\"x\\\"\\nline2\"}");
	assert_int_equal(b.r[0].ok_status, 200);

	b = build(&a, "discord://1234/abcd", &MSG, NULL);
	assert_string_equal(b.r[0].url, "https://discord.com/api/webhooks/1234/abcd");
	assert_string_equal(header(&b.r[0], "Content-Type"), "application/json; charset=utf-8");
	assert_string_equal(b.r[0].body,
		"{\"tts\": false, \"wait\": true, \"content\": \"My Title\\r\\nHello <b> & \\\"x\\\"\\nline2\", "
		"\"avatar_url\": \"https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/apprise-info-256x256.png\"}");
	struct apprise_endpoints ep = {.discord = "http://127.0.0.1:9/api/webhooks"};
	b = build(&a, "discord://1234/abcd", &MSG, &ep);
	assert_string_equal(b.r[0].url, "http://127.0.0.1:9/api/webhooks/1234/abcd");

	b = build(&a, "ntfy://u:p@localhost:8080/t2/t1?priority=high&tags=warning,a", &MSG, NULL);
	assert_int_equal(b.n, 2);
	assert_string_equal(b.r[0].url, "http://localhost:8080");
	assert_string_equal(b.r[0].topic, "t2");
	assert_string_equal(header(&b.r[0], "X-Priority"), "high");
	assert_string_equal(header(&b.r[0], "X-Tags"), "a,warning");
	assert_string_equal(b.r[1].body,
		"{\"topic\": \"t1\", \"title\": \"My Title\", \"message\": \"Hello <b> & \\\"x\\\"\\nline2\"}");
	assert_int_equal(b.r[1].priority, 4);
	b = build(&a, "ntfy://localhost:8080/t", &MSG, NULL);
	assert_null(header(&b.r[0], "X-Priority"));

	b = build(&a, "hearth://alerts?priority=5&tags=x", &MSG, NULL);
	assert_int_equal(b.r[0].kind, APPRISE_REQ_LOCAL);
	assert_string_equal(b.r[0].topic, "alerts");
	assert_int_equal(b.r[0].priority, 5);

	b = build(&a, "apprise://localhost:8000/KEY?tags=b,a", &MSG, NULL);
	assert_string_equal(b.r[0].url, "http://localhost:8000/notify/KEY");
	assert_string_equal(header(&b.r[0], "X-Apprise-Recursion-Count"), "1");
	assert_string_equal(header(&b.r[0], "X-Apprise-ID"), "id-1");
	assert_string_equal(b.r[0].body,
		"{\"title\": \"My Title\", \"body\": \"Hello <b> & \\\"x\\\"\\nline2\", \"type\": \"info\", "
		"\"format\": \"text\", \"tag\": [\"a\", \"b\"]}");

	b = build(&a, "tgram://123456789:AABB/-100123", &MSG, NULL);
	assert_string_equal(b.r[0].url, "https://api.telegram.org/bot123456789:AABB/sendMessage");
	assert_string_equal(b.r[0].body,
		"{\"disable_notification\": false, \"disable_web_page_preview\": true, \"parse_mode\": \"HTML\", "
		"\"text\": \"<b>My Title</b>\\r\\nHello &lt;b&gt; &amp; \\\"x\\\"\\r\\nline2\", \"chat_id\": -100123}");

	b = build(&a, "pover://ukey@atoken", &MSG, NULL);
	assert_string_equal(b.r[0].url, "https://api.pushover.net/1/messages.json");
	assert_string_equal(b.r[0].body,
		"token=atoken&user=ukey&priority=0&title=My+Title&message=Hello+%3Cb%3E+%26+%22x%22%0Aline2"
		"&device=ALL_DEVICES&sound=pushover");

	b = build(&a, "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/chan", &MSG, NULL);
	assert_string_equal(b.r[0].url,
		"https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ");
	assert_non_null(strstr(b.r[0].body,
		"{\"username\": \"Apprise\", \"mrkdwn\": true, \"attachments\": [{\"title\": \"My Title\", "
		"\"text\": \"Hello &lt;b&gt; &amp; \\\"x\\\"\\nline2\", \"color\": \"#3AA3E3\", \"ts\": "));
	assert_non_null(strstr(b.r[0].body, "\"channel\": \"#chan\"}"));

	b = build(&a, "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/chan?blocks=yes", &MSG, NULL);
	assert_string_equal(b.r[0].body,
		"{\"username\": \"Apprise\", \"attachments\": [{\"blocks\": [{\"type\": \"header\", \"text\": "
		"{\"type\": \"plain_text\", \"text\": \"My Title\", \"emoji\": true}}, {\"type\": \"section\", "
		"\"text\": {\"type\": \"mrkdwn\", \"text\": \"Hello <b> & \\\"x\\\"\\nline2\"}}, {\"type\": \"context\", "
		"\"elements\": [{\"type\": \"image\", \"image_url\": \"https://github.com/caronc/apprise/raw/master/"
		"apprise/assets/themes/default/apprise-info-72x72.png\", \"alt_text\": \"info\"}, {\"type\": \"mrkdwn\", "
		"\"text\": \"Apprise\"}]}], \"color\": \"#3AA3E3\"}], \"icon_url\": \"https://github.com/caronc/apprise/"
		"raw/master/apprise/assets/themes/default/apprise-info-72x72.png\", \"channel\": \"#chan\"}");

	/* the format= variants, each as Apprise 1.2.0 sends it */
	b = build(&a, "discord://1234/abcd?format=markdown", &MSG, NULL);
	assert_string_equal(b.r[0].body,
		"{\"tts\": false, \"wait\": true, \"embeds\": [{\"author\": {\"name\": \"Apprise\", \"url\": "
		"\"https://github.com/caronc/apprise\"}, \"title\": \"My Title\", \"description\": "
		"\"Hello <b> & \\\"x\\\"\\nline2\", \"color\": 3843043}], \"avatar_url\": "
		"\"https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/apprise-info-256x256.png\"}");
	b = build(&a, "gotify://localhost/TOKEN?format=markdown", &MSG, NULL);
	assert_string_equal(b.r[0].body,
		"{\"priority\": 5, \"title\": \"My Title\", \"message\": \"Hello <b> & \\\"x\\\"\\nline2\", "
		"\"extras\": {\"client::display\": {\"contentType\": \"text/markdown\"}}}");
	b = build(&a, "pover://ukey@atoken/dev1?priority=emergency&format=html", &MSG, NULL);
	assert_string_equal(b.r[0].body,
		"token=atoken&user=ukey&priority=2&title=My+Title&message=Hello%26nbsp%3B%26lt%3Bb%26gt%3B"
		"%26nbsp%3B%26amp%3B%26nbsp%3B%26quot%3Bx%26quot%3B%3Cbr%2F%3Eline2&device=dev1&sound=pushover"
		"&html=1&retry=900&expire=3600");

	b = build(&a, "matrix://bot:tok@hs.example/?mode=matrix", &MSG, NULL);
	assert_string_equal(b.r[0].url, "http://hs.example/api/v1/matrix/hook/tok");
	assert_string_equal(b.r[0].body,
		"{\"displayName\": \"bot\", \"format\": \"plain\", \"text\": \"My Title\\r\\nHello <b> & \\\"x\\\"\\nline2\"}");
	arena_deinit(&a);
}

static void test_mailto(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct built b = build(&a, "mailtos://bob:pw@mail.example:2525/alice@x.example/carol@y.example?mode=starttls", &MSG, NULL);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.r[0].kind, APPRISE_REQ_SMTP);
	assert_string_equal(b.r[0].url, "smtp://mail.example:2525");
	assert_true(b.r[0].starttls);
	assert_string_equal(b.r[0].user, "bob");
	assert_string_equal(b.r[0].from, "bob@mail.example");
	assert_string_equal(b.r[0].rcpt[0], "alice@x.example");
	assert_non_null(strstr(b.r[0].body, "Subject: My Title\r\nFrom: Apprise <bob@mail.example>\r\nTo: alice@x.example\r\n"));
	assert_non_null(strstr(b.r[0].body, "multipart/alternative"));
	b = build(&a, "mailto://bob@mail.example?from=ops@x.example&name=Ops", &MSG, NULL);
	assert_string_equal(b.r[0].url, "smtp://mail.example:25");
	assert_false(b.r[0].starttls);
	assert_null(b.r[0].user);
	assert_string_equal(b.r[0].rcpt[0], "ops@x.example"); /* no To: the sender */
	b = build(&a, "mailtos://bob:pw@mail.example?mode=ssl", &MSG, NULL);
	assert_string_equal(b.r[0].url, "smtps://mail.example:587");
	arena_deinit(&a);
}

static void test_refusals_and_conversion(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	const char *urls[] = {"tgram://123456789:AABB?detect=no", "matrix://u:p@hs.example/#room",
			      "ntfy://localhost:8080/bad.topic", "mailto://h.example"};
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		struct apprise_target t;
		const char *why = NULL;
		struct apprise_request *r;
		size_t n;
		int rc = apprise_target_parse(urls[i], &a, &t, &why);
		if (!rc)
			rc = apprise_build(&t, &MSG, NULL, &a, &r, &n, &why);
		if (rc != -EINVAL)
			fail_msg("%s built (rc %d)", urls[i], rc);
		assert_non_null(why);
	}
	/* tgram:// without a chat asks getUpdates who the owner is */
	struct built p = build(&a, "tgram://123456789:AABB", &MSG, NULL);
	assert_int_equal(p.n, 1);
	assert_true(p.r[0].owner_probe);
	assert_string_equal(p.r[0].url, "https://api.telegram.org/bot123456789:AABB/getUpdates");
	const char *upd = "{\"ok\": true, \"result\": [{\"update_id\": 1}, "
			  "{\"message\": {\"from\": {\"id\": 4242, \"first_name\": \"Al\"}}}]}";
	assert_int_equal(apprise_tgram_owner(upd, strlen(upd)), 4242);
	assert_int_equal(apprise_tgram_owner("{\"ok\": false}", 14), 0);
	assert_int_equal(apprise_tgram_owner("junk", 4), 0);
	/* CR/LF in a URL's +Header never reaches the request */
	struct built b = build(&a, "json://h/?+X-A=1%0d%0aInjected:%20yes", &MSG, NULL);
	assert_null(header(&b.r[0], "X-A"));
	assert_null(header(&b.r[0], "Injected"));
	assert_string_equal(apprise_convert(&a, "a b\n<c>", APPRISE_TEXT, APPRISE_HTML),
			    "a&nbsp;b<br/>&lt;c&gt;");
	assert_string_equal(apprise_convert(&a, "<p>Hi <b>there</b></p><p>x &amp; y</p>",
					    APPRISE_HTML, APPRISE_TEXT), "Hi there\nx & y");
	arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_form_xml),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_mailto),
		cmocka_unit_test(test_refusals_and_conversion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
