/* SPDX-License-Identifier: MIT */
/* mailto:// and mailtos:// delivery: one SMTP session per message with libcurl (STARTTLS or TLS, AUTH), on a pool thread. */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "notify/apprise.h"

/*
 * libcurl's easy interface blocks, so this runs on the work queue, never
 * on the loop. STARTTLS is required (CURLUSESSL_ALL) for mailtos:// in
 * its default mode, implicit TLS for ?mode=ssl (smtps://); plain
 * mailto:// sends without TLS, as Apprise does.
 */

struct reader {
	const char *data;
	size_t len, off;
};

static size_t read_cb(char *buf, size_t size, size_t n, void *ud)
{
	struct reader *r = ud;
	size_t want = size * n, left = r->len - r->off;
	if (want > left)
		want = left;
	memcpy(buf, r->data + r->off, want);
	r->off += want;
	return want;
}

void ap_smtp_send(const struct apprise_request *r, long timeout_ms, char *err,
		  size_t errlen)
{
	err[0] = '\0';
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(err, errlen, "SMTP: out of memory");
		return;
	}
	struct curl_slist *rcpt = NULL;
	char from[600];
	snprintf(from, sizeof(from), "<%s>", r->from);
	for (size_t i = 0; i < r->nrcpt; i++) {
		char to[600];
		snprintf(to, sizeof(to), "<%s>", r->rcpt[i]);
		struct curl_slist *n = curl_slist_append(rcpt, to);
		if (n)
			rcpt = n;
	}
	struct reader rd = {.data = r->body, .len = r->body_len};
	char ebuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &rd);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (r->starttls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (r->insecure) { /* Apprise's ?verify=no */
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (r->user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, r->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, r->password ? r->password : "");
	}
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		long code = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		const char *kind = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST
					   ? "cannot connect"
					   : "SMTP";
		if (code)
			snprintf(err, errlen, "%s: %s (server said %ld)", kind,
				 ebuf[0] ? ebuf : curl_easy_strerror(rc), code);
		else
			snprintf(err, errlen, "%s: %s", kind, ebuf[0] ? ebuf : curl_easy_strerror(rc));
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
}
