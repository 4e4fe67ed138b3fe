/* SPDX-License-Identifier: MIT */
/* What HTTP handlers read of a request: headers, query arguments, credentials, the client; the management key check. */
#include <errno.h>
#include <nettle/base64.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/http_priv.h"

const char *http_request_header(const struct http_request *req,
				const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_request_arg(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

struct kv_walk {
	http_kv_fn fn;
	void *ud;
	size_t n;
};

static enum MHD_Result kv_step(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *value)
{
	struct kv_walk *w = cls;
	(void)kind;
	w->n++;
	return w->fn(key, value ? value : "", w->ud) ? MHD_YES : MHD_NO;
}

static size_t each_kv(const struct http_request *req, enum MHD_ValueKind kind,
		      http_kv_fn fn, void *ud)
{
	struct kv_walk w = {fn, ud, 0};
	MHD_get_connection_values(req->conn, kind, kv_step, &w);
	return w.n;
}

size_t http_request_each_arg(const struct http_request *req, http_kv_fn fn,
			     void *ud)
{
	return each_kv(req, MHD_GET_ARGUMENT_KIND, fn, ud);
}

size_t http_request_each_header(const struct http_request *req, http_kv_fn fn,
				void *ud)
{
	return each_kv(req, MHD_HEADER_KIND, fn, ud);
}

/* The credentials after "SCHEME " in Authorization, or NULL. */
static const char *auth_param(const struct http_request *req,
			      const char *scheme)
{
	const char *v = http_request_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	size_t n = strlen(scheme);
	if (!v || strncasecmp(v, scheme, n) || v[n] != ' ')
		return NULL;
	v += n;
	while (*v == ' ')
		v++;
	return *v ? v : NULL;
}

int http_request_basic_auth(const struct http_request *req, char **user,
			    char **pass)
{
	*user = *pass = NULL;
	const char *b64 = auth_param(req, "Basic");
	if (!b64)
		return -ENOENT;
	size_t in = strlen(b64), out = BASE64_DECODE_LENGTH(in);
	char *dec = malloc(out + 1);
	if (!dec)
		return -ENOMEM;
	struct base64_decode_ctx bc;
	base64_decode_init(&bc);
	if (!base64_decode_update(&bc, &out, (uint8_t *)dec, in, b64) ||
	    !base64_decode_final(&bc) || memchr(dec, '\0', out)) {
		free(dec);
		return -EINVAL;
	}
	dec[out] = '\0';
	char *colon = strchr(dec, ':');
	if (!colon) {
		free(dec);
		return -EINVAL;
	}
	*colon = '\0';
	*user = strdup(dec);
	*pass = strdup(colon + 1);
	free(dec);
	if (!*user || !*pass) {
		free(*user);
		free(*pass);
		*user = *pass = NULL;
		return -ENOMEM;
	}
	return 0;
}

const char *http_request_bearer(const struct http_request *req)
{
	return auth_param(req, "Bearer");
}

struct sockaddr_any http_request_client(const struct http_request *req)
{
	struct sockaddr_any a;
	memset(&a, 0, sizeof(a));
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr && (ci->client_addr->sa_family == AF_INET ||
				      ci->client_addr->sa_family == AF_INET6)) {
		const struct sockaddr *sa = ci->client_addr;
		a.len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						  : sizeof(struct sockaddr_in);
		memcpy(&a.u.sa, sa, a.len);
	}
	return a;
}

int http_auth_management(const struct http_request *req,
			 struct http_response *resp, void *ud)
{
	struct http_server *s = req->server;
	(void)ud;
	const char *got = http_request_header(req, "X-API-Key");
	if (s->api_key && got &&
	    mem_const_eq(got, strlen(got), s->api_key, strlen(s->api_key)))
		return 0;
	http_reply_error(resp, 401, "%s",
			 s->api_key ? "missing or wrong X-API-Key"
				    : "management API disabled: no "
				      "http.api_key configured");
	return 401;
}
