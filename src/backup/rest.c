/* SPDX-License-Identifier: MIT */
/* The REST backend: restic's REST protocol v2 (rest-server, `hearth backup serve`, rclone serve restic) over libcurl. */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/backend.h"
#include "proto/backup/location.h"

#define REST_V2 "application/vnd.x.restic.rest.v2"
#define LIST_MAX (256u << 20) /* bytes of a listing */

/* One connection, kept alive, used by one operation at a time. */
struct rest {
	struct backup_backend be;
	char *base; /* ends in '/' */
	long timeout;
	pthread_mutex_t mu;
	CURL *curl;
	struct curl_slist *headers;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The URL of a file, its type's folder (@name NULL) or config. */
static int url_of(const struct rest *r, enum backup_file t, const char *name,
		  int list, char *out, size_t cap)
{
	int n;
	if (t == BACKUP_FILE_CONFIG)
		n = snprintf(out, cap, "%sconfig", r->base);
	else if (list)
		n = snprintf(out, cap, "%s%s/", r->base, backup_file_dir(t));
	else if (!backup_backend_name_ok(name))
		return -EINVAL;
	else
		n = snprintf(out, cap, "%s%s/%s", r->base, backup_file_dir(t),
			     name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Where a response body goes: a growing buffer (bounded by max) or a
 * fixed one that must be filled exactly. */
struct sink {
	uint8_t *p;
	size_t len, cap, max;
	int fixed, overflow;
};

static size_t on_data(char *data, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t len = size * n;
	if (len > s->max - s->len) {
		s->overflow = 1;
		return 0; /* aborts the transfer */
	}
	if (!s->fixed && s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : 64 * 1024;
		while (cap < s->len + len)
			cap *= 2;
		if (cap > s->max)
			cap = s->max;
		uint8_t *np = realloc(s->p, cap ? cap : 1);
		if (!np)
			return 0;
		s->p = np;
		s->cap = cap;
	}
	memcpy(s->p + s->len, data, len);
	s->len += len;
	return len;
}

static int status_err(long status)
{
	if (status >= 200 && status < 300)
		return 0;
	switch (status) {
	case 404:
		return -ENOENT;
	case 401:
	case 403:
		return -EACCES;
	case 413:
		return -EFBIG;
	case 416:
		return -EIO;
	case 507:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

static int curl_err(CURLcode c)
{
	switch (c) {
	case CURLE_OK:
		return 0;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* One request on the shared handle (the caller holds r->mu). @body is
 * sent for POST; the response goes to @sink (NULL: discarded). */
static int request(struct rest *r, const char *method, const char *url,
		   const char *range, const void *body, size_t body_len,
		   struct sink *sink, long *status, curl_off_t *clen)
{
	CURL *c = r->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, r->timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	struct sink discard = {.max = 1 << 20};
	curl_easy_setopt(c, CURLOPT_WRITEDATA, sink ? sink : &discard);
	if (range)
		curl_easy_setopt(c, CURLOPT_RANGE, range);
	if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)body_len);
	} else if (strcmp(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	CURLcode cc = curl_easy_perform(c);
	free(discard.p);
	if (sink && sink->overflow)
		return -EFBIG;
	if (cc != CURLE_OK)
		return curl_err(cc);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (clen)
		curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, clen);
	return 0;
}

static int r_load(struct backup_backend *be, enum backup_file t,
		  const char *name, size_t max, uint8_t **buf, size_t *len)
{
	struct rest *r = (struct rest *)be;
	char url[BACKUP_LOC_MAX + 128];
	int rc = url_of(r, t, name, 0, url, sizeof(url));
	if (rc)
		return rc;
	struct sink s = {.max = max};
	long status = 0;
	pthread_mutex_lock(&r->mu);
	rc = request(r, "GET", url, NULL, NULL, 0, &s, &status, NULL);
	pthread_mutex_unlock(&r->mu);
	if (!rc)
		rc = status_err(status);
	if (rc) {
		free(s.p);
		return rc;
	}
	*buf = s.p ? s.p : malloc(1);
	*len = s.len;
	return *buf ? 0 : -ENOMEM;
}

static int r_load_range(struct backup_backend *be, enum backup_file t,
			const char *name, uint64_t off, size_t len,
			uint8_t *buf)
{
	struct rest *r = (struct rest *)be;
	char url[BACKUP_LOC_MAX + 128], range[64];
	int rc = url_of(r, t, name, 0, url, sizeof(url));
	if (rc)
		return rc;
	if (!len)
		return 0;
	snprintf(range, sizeof(range), "%llu-%llu", (unsigned long long)off,
		 (unsigned long long)(off + len - 1));
	struct sink s = {.p = buf, .cap = len, .max = len, .fixed = 1};
	long status = 0;
	pthread_mutex_lock(&r->mu);
	rc = request(r, "GET", url, range, NULL, 0, &s, &status, NULL);
	pthread_mutex_unlock(&r->mu);
	if (rc == -EFBIG)
		return -EIO; /* the server ignored the range */
	if (!rc)
		rc = status_err(status);
	if (!rc && (s.len != len || (status != 206 && off)))
		rc = -EIO;
	return rc;
}

static int r_size(struct backup_backend *be, enum backup_file t,
		  const char *name, uint64_t *size)
{
	struct rest *r = (struct rest *)be;
	char url[BACKUP_LOC_MAX + 128];
	int rc = url_of(r, t, name, 0, url, sizeof(url));
	if (rc)
		return rc;
	long status = 0;
	curl_off_t clen = -1;
	pthread_mutex_lock(&r->mu);
	rc = request(r, "HEAD", url, NULL, NULL, 0, NULL, &status, &clen);
	pthread_mutex_unlock(&r->mu);
	if (!rc)
		rc = status_err(status);
	if (!rc && clen < 0)
		rc = -EIO;
	if (!rc)
		*size = (uint64_t)clen;
	return rc;
}

static int r_save(struct backup_backend *be, enum backup_file t,
		  const char *name, const void *buf, size_t len)
{
	struct rest *r = (struct rest *)be;
	char url[BACKUP_LOC_MAX + 128];
	int rc = url_of(r, t, name, 0, url, sizeof(url));
	if (rc)
		return rc;
	long status = 0;
	pthread_mutex_lock(&r->mu);
	rc = request(r, "POST", url, NULL, buf, len, NULL, &status, NULL);
	if (!rc && status == 403) {
		/* rest-server answers 403 for a file that exists (and in
		 * append-only mode for config): tell them apart. */
		long st2 = 0;
		if (!request(r, "HEAD", url, NULL, NULL, 0, NULL, &st2, NULL) &&
		    st2 == 200)
			rc = -EEXIST;
	}
	pthread_mutex_unlock(&r->mu);
	if (!rc)
		rc = status_err(status);
	return rc;
}

static int r_remove(struct backup_backend *be, enum backup_file t,
		    const char *name)
{
	struct rest *r = (struct rest *)be;
	char url[BACKUP_LOC_MAX + 128];
	int rc = url_of(r, t, name, 0, url, sizeof(url));
	if (rc)
		return rc;
	long status = 0;
	pthread_mutex_lock(&r->mu);
	rc = request(r, "DELETE", url, NULL, NULL, 0, NULL, &status, NULL);
	pthread_mutex_unlock(&r->mu);
	return rc ? rc : status_err(status);
}

static int r_list(struct backup_backend *be, enum backup_file t,
		  int (*fn)(const char *name, uint64_t size, void *ud),
		  void *ud)
{
	struct rest *r = (struct rest *)be;
	char url[BACKUP_LOC_MAX + 128];
	if (t == BACKUP_FILE_CONFIG)
		return -EINVAL;
	int rc = url_of(r, t, NULL, 1, url, sizeof(url));
	if (rc)
		return rc;
	struct sink s = {.max = LIST_MAX};
	long status = 0;
	pthread_mutex_lock(&r->mu);
	rc = request(r, "GET", url, NULL, NULL, 0, &s, &status, NULL);
	pthread_mutex_unlock(&r->mu);
	if (!rc)
		rc = status_err(status);
	if (rc == -ENOENT)
		rc = 0, s.len = 0; /* no folder yet: nothing in it */
	json_t *j = NULL;
	if (!rc && s.len) {
		j = json_loadb((const char *)s.p, s.len, 0, NULL);
		if (!json_is_array(j))
			rc = -EIO;
	}
	free(s.p);
	size_t i;
	json_t *e;
	json_array_foreach(j, i, e)
	{
		if (rc)
			break;
		/* v2: {"name": ..., "size": ...}; a v1 server: bare names. */
		const char *name = json_is_string(e)
					   ? json_string_value(e)
					   : json_string_value(json_object_get(e, "name"));
		json_t *sz = json_object_get(e, "size");
		if (!backup_backend_name_ok(name))
			continue;
		rc = fn(name, json_is_integer(sz) ? (uint64_t)json_integer_value(sz) : 0,
			ud);
	}
	json_decref(j);
	return rc;
}

static int r_create(struct backup_backend *be)
{
	struct rest *r = (struct rest *)be;
	uint64_t size;
	int rc = r_size(be, BACKUP_FILE_CONFIG, NULL, &size);
	if (!rc)
		return -EEXIST;
	if (rc != -ENOENT)
		return rc;
	char url[BACKUP_LOC_MAX + 32];
	snprintf(url, sizeof(url), "%s?create=true", r->base);
	long status = 0;
	pthread_mutex_lock(&r->mu);
	rc = request(r, "POST", url, NULL, "", 0, NULL, &status, NULL);
	pthread_mutex_unlock(&r->mu);
	return rc ? rc : status_err(status);
}

static void r_free(struct backup_backend *be)
{
	struct rest *r = (struct rest *)be;
	if (r->curl)
		curl_easy_cleanup(r->curl);
	curl_slist_free_all(r->headers);
	pthread_mutex_destroy(&r->mu);
	free(r->base);
	free(r->be.location);
	free(r);
}

static const struct backup_backend_ops rest_ops = {
	.load = r_load,
	.load_range = r_load_range,
	.size = r_size,
	.save = r_save,
	.remove = r_remove,
	.list = r_list,
	.create = r_create,
	.free = r_free,
};

struct backup_backend *backup_rest_open(const struct backup_location *loc,
					const char *location, int *err,
					char *why, size_t why_cap)
{
	(void)why;
	(void)why_cap;
	pthread_once(&curl_once, curl_init);
	struct rest *r = calloc(1, sizeof(*r));
	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&r->mu, NULL);
	const char *t = backup_backend_option("rest.timeout");
	r->timeout = t ? atol(t) : 0;
	if (r->timeout <= 0)
		r->timeout = 600;
	r->base = strdup(loc->url);
	r->be.location = malloc(strlen(location) + 4);
	if (r->be.location)
		backup_location_redact(location, r->be.location, strlen(location) + 4);
	r->curl = curl_easy_init();
	r->headers = curl_slist_append(NULL, "Accept: " REST_V2);
	struct curl_slist *h2 =
		r->headers ? curl_slist_append(r->headers,
					       "Content-Type: application/octet-stream")
			   : NULL;
	if (h2)
		r->headers = h2;
	/* No "Expect: 100-continue" round trip before each pack. */
	h2 = h2 ? curl_slist_append(r->headers, "Expect:") : NULL;
	if (h2)
		r->headers = h2;
	if (!r->base || !r->be.location || !r->curl || !h2) {
		r_free(&r->be);
		*err = -ENOMEM;
		return NULL;
	}
	r->be.ops = &rest_ops;
	*err = 0;
	return &r->be;
}
