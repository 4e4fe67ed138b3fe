/* SPDX-License-Identifier: MIT */
/* libcurl multi-socket on libuv: socket and timer callbacks feed curl. */
#include "core/http_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"

#define DEFAULT_TIMEOUT_MS 10000L
#define DEFAULT_MAX_RESPONSE (4u << 20)

struct http_client {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	struct call *calls; /* in flight, doubly linked */
	size_t pending;
	int handles_open; /* the timer plus socket polls not yet closed */
	bool closing;
};

/* One socket curl asked us to watch; freed in its close callback. */
struct sock {
	uv_poll_t poll; /* first: the handle pointer is the struct pointer */
	struct http_client *c;
};

struct call {
	struct call *next, *prev;
	struct http_client *c;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	struct buf resp;
	char errbuf[CURL_ERROR_SIZE];
	bool want_cert;
	http_client_cb cb;
	void *ud;
};

static void maybe_free(struct http_client *c)
{
	if (c->closing && c->handles_open == 0) {
		curl_multi_cleanup(c->multi);
		free(c);
	}
}

static void on_sock_closed(uv_handle_t *h)
{
	struct sock *s = (struct sock *)h;
	struct http_client *c = s->c;
	free(s);
	c->handles_open--;
	maybe_free(c);
}

static void on_timer_closed(uv_handle_t *h)
{
	struct http_client *c = h->data;
	c->handles_open--;
	maybe_free(c);
}

/* The one place libcurl's codes become hearth codes. */
static int curl_to_err(CURLcode cc)
{
	switch (cc) {
	case CURLE_OK: return 0;
	case CURLE_OPERATION_TIMEDOUT: return HEARTH_ETIMEDOUT;
	case CURLE_COULDNT_CONNECT: return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return -EHOSTUNREACH;
	case CURLE_OUT_OF_MEMORY: return -ENOMEM;
	case CURLE_WRITE_ERROR: return -EMSGSIZE; /* response over the cap */
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL: return -EINVAL;
	default: return HEARTH_ECURL;
	}
}

static void call_free(struct call *k)
{
	if (!k)
		return;
	curl_easy_cleanup(k->easy);
	curl_slist_free_all(k->headers);
	free(k->body);
	buf_deinit(&k->resp);
	free(k);
}

/* Takes @k out of the multi handle and the list, runs its callback with
 * @res, then frees it. */
static void call_end(struct call *k, struct http_client_result *res)
{
	struct http_client *c = k->c;
	curl_multi_remove_handle(c->multi, k->easy);
	if (k->prev)
		k->prev->next = k->next;
	else
		c->calls = k->next;
	if (k->next)
		k->next->prev = k->prev;
	c->pending--;
	k->cb(res, k->ud);
	call_free(k);
}

/* The leaf certificate's "Expire date" (OpenSSL's text, e.g.
 * "Jan  1 00:00:00 2027 GMT") as unix seconds; 0 when there is none. */
static long long cert_expiry(CURL *e)
{
	struct curl_certinfo *ci = NULL;
	if (curl_easy_getinfo(e, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci ||
	    ci->num_of_certs < 1)
		return 0;
	for (struct curl_slist *l = ci->certinfo[0]; l; l = l->next) {
		static const char key[] = "Expire date:";
		if (strncmp(l->data, key, sizeof(key) - 1))
			continue;
		struct tm tm = {0};
		const char *end = strptime(l->data + sizeof(key) - 1,
					   "%b %d %H:%M:%S %Y", &tm);
		return end ? (long long)timegm(&tm) : 0;
	}
	return 0;
}

static void finish(struct call *k, CURLcode cc)
{
	struct http_client_result res = {0};
	if (k->want_cert) {
		long verify = -1;
		res.cert_expires = cert_expiry(k->easy);
		curl_easy_getinfo(k->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
		res.cert_valid = res.cert_expires && verify == 0;
	}
	res.err = curl_to_err(cc);
	curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &res.status);
	curl_easy_getinfo(k->easy, CURLINFO_TOTAL_TIME, &res.seconds);
	res.body = k->resp.data ? k->resp.data : "";
	res.body_len = k->resp.len;
	res.errmsg = res.err ? (k->errbuf[0] ? k->errbuf
					     : curl_easy_strerror(cc))
			     : NULL;
	call_end(k, &res);
}

static void check_done(struct http_client *c)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(c->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct call *k = NULL;
		CURLcode cc = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &k);
		finish(k, cc);
	}
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct sock *s = (struct sock *)h;
	int flags = 0, running;
	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	uv_os_fd_t fd;
	if (uv_fileno((uv_handle_t *)h, &fd))
		return;
	curl_multi_socket_action(s->c->multi, fd, flags, &running);
	check_done(s->c);
}

static void on_timer(uv_timer_t *t)
{
	struct http_client *c = t->data;
	int running;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(c);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp,
		     void *socketp)
{
	struct http_client *c = userp;
	struct sock *s = socketp;
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, on_sock_closed);
			curl_multi_assign(c->multi, fd, NULL);
		}
		return 0;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		s->c = c;
		if (uv_poll_init_socket(c->loop, &s->poll, fd)) {
			free(s);
			return -1;
		}
		c->handles_open++;
		curl_multi_assign(c->multi, fd, s);
	}
	int ev = 0;
	if (what & CURL_POLL_IN)
		ev |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		ev |= UV_WRITABLE;
	uv_poll_start(&s->poll, ev, on_poll);
	return 0;
}

static int on_timeout(CURLM *multi, long ms, void *userp)
{
	struct http_client *c = userp;
	(void)multi;
	if (ms < 0)
		uv_timer_stop(&c->timer);
	else
		uv_timer_start(&c->timer, on_timer, (uint64_t)ms, 0);
	return 0;
}

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
	struct call *k = ud;
	if (buf_append(&k->resp, ptr, size * n))
		return 0; /* over max_response: curl stops with WRITE_ERROR */
	return size * n;
}

int http_client_new(uv_loop_t *loop, struct http_client **out)
{
	static bool global_done;
	struct http_client *c = NULL;
	int rc;

	*out = NULL;
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return HEARTH_ECURL;
		global_done = true;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	c->multi = curl_multi_init();
	if (!c->multi) {
		free(c);
		return -ENOMEM;
	}
	rc = uv_timer_init(loop, &c->timer);
	if (rc) {
		curl_multi_cleanup(c->multi);
		free(c);
		return rc;
	}
	c->timer.data = c;
	c->handles_open = 1;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timeout);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	*out = c;
	return 0;
}

int http_client_request(struct http_client *c, const struct http_client_req *r,
			http_client_cb cb, void *ud)
{
	struct call *k = NULL;
	int rc = -ENOMEM;

	if (c->closing)
		return -ECANCELED;
	k = calloc(1, sizeof(*k));
	if (!k)
		goto fail;
	k->c = c;
	k->cb = cb;
	k->ud = ud;
	buf_init(&k->resp, r->max_response ? r->max_response
					    : DEFAULT_MAX_RESPONSE);
	k->easy = curl_easy_init();
	if (!k->easy)
		goto fail;
	for (const char *const *h = r->headers; h && *h; h++) {
		struct curl_slist *l = curl_slist_append(k->headers, *h);
		if (!l)
			goto fail;
		k->headers = l;
	}
	CURL *e = k->easy;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, k);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, k->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
			 r->timeout_ms ? r->timeout_ms : DEFAULT_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "hearth/" HEARTH_VERSION);
	if (k->headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, k->headers);
	if (r->body) {
		k->body = malloc(r->body_len ? r->body_len : 1);
		if (!k->body)
			goto fail;
		memcpy(k->body, r->body, r->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, k->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)r->body_len);
	}
	if (r->method && strcmp(r->method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L); /* no body to wait for */
	else if (r->method)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	if (r->max_redirects > 0) {
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(e, CURLOPT_MAXREDIRS, r->max_redirects);
		curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	}
	if (r->want_cert) {
		k->want_cert = true;
		curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	}
	if (r->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, r->ca_file);
	if (r->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
		rc = HEARTH_ECURL;
		goto fail;
	}
	k->next = c->calls;
	if (c->calls)
		c->calls->prev = k;
	c->calls = k;
	c->pending++;
	return 0;
fail:
	call_free(k);
	return rc;
}

size_t http_client_pending(const struct http_client *c)
{
	return c->pending;
}

void http_client_close(struct http_client *c)
{
	if (!c)
		return;
	c->closing = true;
	/* Cancel in flight: each callback runs once with -ECANCELED. */
	while (c->calls) {
		struct http_client_result res = {
			.err = -ECANCELED, .body = "", .errmsg = "cancelled"};
		call_end(c->calls, &res);
	}
	uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}
