/* SPDX-License-Identifier: MIT */
/* A TLS client session over OpenSSL memory BIOs: the handshake, verification against the system's CAs, plaintext in and out. */
#include "watch/tlsconn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct watch_tls {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *in, *out; /* network -> SSL, SSL -> network (the SSL owns them) */
	bool verify;
};

void watch_tls_free(struct watch_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	free(t);
}

/* lenient: every certificate lets the handshake go on; its verdict is
 * kept for watch_tls_cert. */
static int accept_any(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;
}

int watch_tls_new(const char *host, bool verify, const char *ca_file,
		  bool lenient, struct watch_tls **out)
{
	struct watch_tls *t = calloc(1, sizeof(*t));
	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->verify = verify;
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx)
		goto fail;
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	if (verify || lenient) {
		if (ca_file ? SSL_CTX_load_verify_locations(t->ctx, ca_file,
							     NULL) != 1
			    : SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
			ERR_clear_error();
			watch_tls_free(t);
			return ca_file ? -ENOENT : -ENOMEM;
		}
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER,
				   lenient ? accept_any : NULL);
	} else {
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	}
	t->ssl = SSL_new(t->ctx);
	t->in = BIO_new(BIO_s_mem());
	t->out = BIO_new(BIO_s_mem());
	if (!t->ssl || !t->in || !t->out) {
		BIO_free(t->in);
		BIO_free(t->out);
		goto fail;
	}
	SSL_set_bio(t->ssl, t->in, t->out);
	SSL_set_connect_state(t->ssl);
	unsigned char addr[16];
	bool is_ip = inet_pton(AF_INET, host, addr) == 1 ||
		     inet_pton(AF_INET6, host, addr) == 1;
	if (!is_ip)
		SSL_set_tlsext_host_name(t->ssl, host);
	if (verify || lenient) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
		if (is_ip)
			X509_VERIFY_PARAM_set1_ip_asc(vp, host);
		else
			X509_VERIFY_PARAM_set1_host(vp, host, 0);
	}
	*out = t;
	return 0;
fail:
	watch_tls_free(t);
	return -ENOMEM;
}

int watch_tls_feed(struct watch_tls *t, const void *data, size_t n)
{
	return n == 0 || BIO_write(t->in, data, (int)n) == (int)n ? 0 : -ENOMEM;
}

size_t watch_tls_take(struct watch_tls *t, void *out, size_t cap)
{
	int n = BIO_read(t->out, out, (int)cap);
	return n > 0 ? (size_t)n : 0;
}

/* Why the session failed: the certificate's verdict when that was it,
 * else OpenSSL's first error. */
static void reason(struct watch_tls *t, char *why, size_t n)
{
	long v = SSL_get_verify_result(t->ssl);
	unsigned long e = ERR_get_error();
	if (t->verify && v != X509_V_OK)
		snprintf(why, n, "%s", X509_verify_cert_error_string(v));
	else if (e)
		snprintf(why, n, "%s", ERR_reason_error_string(e)
					       ? ERR_reason_error_string(e)
					       : "handshake failed");
	else
		snprintf(why, n, "handshake failed");
	ERR_clear_error();
}

int watch_tls_handshake(struct watch_tls *t, char *why, size_t n)
{
	int rc = SSL_do_handshake(t->ssl);
	if (rc == 1)
		return 1;
	int e = SSL_get_error(t->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	reason(t, why, n);
	return -1;
}

int watch_tls_cert(struct watch_tls *t, long long *expires, bool *verified,
		   char *why, size_t n)
{
	X509 *leaf = SSL_get0_peer_certificate(t->ssl);
	struct tm tm;
	if (!leaf || ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm) != 1)
		return -1;
	*expires = (long long)timegm(&tm);
	long v = SSL_get_verify_result(t->ssl);
	*verified = v == X509_V_OK;
	snprintf(why, n, "%s", *verified ? "" : X509_verify_cert_error_string(v));
	return 0;
}

int watch_tls_write(struct watch_tls *t, const void *data, size_t n)
{
	return SSL_write(t->ssl, data, (int)n) == (int)n ? 0 : -1;
}

ssize_t watch_tls_read(struct watch_tls *t, void *out, size_t cap)
{
	if (cap == 0)
		return 0;
	int n = SSL_read(t->ssl, out, (int)cap);
	if (n > 0)
		return n;
	int e = SSL_get_error(t->ssl, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	ERR_clear_error();
	return -1;
}
