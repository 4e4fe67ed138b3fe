/* SPDX-License-Identifier: MIT */
/* Unit tests of the memory-buffer TLS client: a handshake with an in-memory OpenSSL server, plaintext both ways, a self-signed certificate refused when verified, reported when lenient. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "watch/tlsconn.h"

/* A server session with a fresh self-signed certificate for 127.0.0.1. */
struct server {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *in, *out;
	char pem[4096]; /* its certificate, PEM */
};

static void server_new(struct server *s)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	assert_non_null(key);
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)"127.0.0.1", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL,
						  NID_subject_alt_name,
						  "IP:127.0.0.1");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	BIO *pb = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(pb, x);
	int pl = BIO_read(pb, s->pem, sizeof(s->pem) - 1);
	assert_true(pl > 0);
	s->pem[pl] = '\0';
	BIO_free(pb);
	s->ctx = SSL_CTX_new(TLS_server_method());
	assert_int_equal(SSL_CTX_use_certificate(s->ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(s->ctx, key), 1);
	X509_free(x);
	EVP_PKEY_free(key);
	s->ssl = SSL_new(s->ctx);
	s->in = BIO_new(BIO_s_mem());
	s->out = BIO_new(BIO_s_mem());
	SSL_set_bio(s->ssl, s->in, s->out);
	SSL_set_accept_state(s->ssl);
}

static void server_free(struct server *s)
{
	SSL_free(s->ssl);
	SSL_CTX_free(s->ctx);
}

/* Moves what each side wrote to the other, a bounded number of times;
 * the client's handshake result. */
static int pump(struct watch_tls *c, struct server *s, char *why, size_t n)
{
	char buf[16384];
	int rc = 0;
	for (int i = 0; i < 20; i++) {
		rc = watch_tls_handshake(c, why, n);
		size_t k;
		while ((k = watch_tls_take(c, buf, sizeof(buf))))
			BIO_write(s->in, buf, (int)k);
		SSL_do_handshake(s->ssl);
		int m;
		while ((m = BIO_read(s->out, buf, sizeof(buf))) > 0)
			assert_int_equal(watch_tls_feed(c, buf, (size_t)m), 0);
		if (rc != 0)
			break;
	}
	return rc;
}

static void test_unverified_session(void **state)
{
	(void)state;
	struct server s;
	server_new(&s);
	struct watch_tls *c;
	char why[128] = "", buf[64];
	assert_int_equal(watch_tls_new("127.0.0.1", false, NULL, false, &c), 0);
	assert_int_equal(pump(c, &s, why, sizeof(why)), 1);
	/* Client to server. */
	assert_int_equal(watch_tls_write(c, "PING\r\n", 6), 0);
	size_t k = watch_tls_take(c, buf, sizeof(buf));
	assert_true(k > 6); /* a record, not the text */
	BIO_write(s.in, buf, (int)k);
	int m = SSL_read(s.ssl, buf, sizeof(buf));
	assert_int_equal(m, 6);
	assert_memory_equal(buf, "PING\r\n", 6);
	/* Server to client; nothing more to read after. */
	assert_int_equal(SSL_write(s.ssl, "+PONG\r\n", 7), 7);
	while ((m = BIO_read(s.out, buf, sizeof(buf))) > 0)
		watch_tls_feed(c, buf, (size_t)m);
	assert_int_equal(watch_tls_read(c, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "+PONG\r\n", 7);
	assert_int_equal(watch_tls_read(c, buf, sizeof(buf)), 0);
	/* The server ends the session: the client reads the end. */
	SSL_shutdown(s.ssl);
	while ((m = BIO_read(s.out, buf, sizeof(buf))) > 0)
		watch_tls_feed(c, buf, (size_t)m);
	assert_int_equal(watch_tls_read(c, buf, sizeof(buf)), -1);
	watch_tls_free(c);
	server_free(&s);
}

static void test_verified_refuses_self_signed(void **state)
{
	(void)state;
	struct server s;
	server_new(&s);
	struct watch_tls *c;
	char why[128] = "";
	assert_int_equal(watch_tls_new("127.0.0.1", true, NULL, false, &c), 0);
	assert_int_equal(pump(c, &s, why, sizeof(why)), -1);
	assert_string_equal(why, "self-signed certificate");
	watch_tls_free(c);
	server_free(&s);
}

/* lenient (a tls monitor): the handshake completes with a certificate
 * that does not verify, and the verdict and expiry are reported; with
 * the certificate as the ca_file it verifies. */
static void test_lenient_reports_the_certificate(void **state)
{
	(void)state;
	struct server s;
	server_new(&s);
	struct watch_tls *c;
	char why[128] = "";
	long long expires = 0;
	bool ok = true;
	assert_int_equal(watch_tls_new("127.0.0.1", true, NULL, true, &c), 0);
	assert_int_equal(pump(c, &s, why, sizeof(why)), 1);
	assert_int_equal(watch_tls_cert(c, &expires, &ok, why, sizeof(why)), 0);
	assert_false(ok);
	assert_string_equal(why, "self-signed certificate");
	long long now = (long long)time(NULL);
	assert_true(expires > now + 86000 && expires <= now + 86400);
	watch_tls_free(c);
	server_free(&s);

	server_new(&s);
	char path[] = "/tmp/hearth-tlsconn-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_true(write(fd, s.pem, strlen(s.pem)) == (ssize_t)strlen(s.pem));
	close(fd);
	assert_int_equal(watch_tls_new("127.0.0.1", true, path, true, &c), 0);
	assert_int_equal(pump(c, &s, why, sizeof(why)), 1);
	assert_int_equal(watch_tls_cert(c, &expires, &ok, why, sizeof(why)), 0);
	assert_true(ok);
	watch_tls_free(c);
	server_free(&s);
	/* Not the name the certificate is for. */
	server_new(&s);
	assert_int_equal(watch_tls_new("127.0.0.2", true, path, true, &c), 0);
	assert_int_equal(pump(c, &s, why, sizeof(why)), 1);
	assert_int_equal(watch_tls_cert(c, &expires, &ok, why, sizeof(why)), 0);
	assert_false(ok);
	watch_tls_free(c);
	server_free(&s);
	unlink(path);
	assert_int_equal(watch_tls_new("127.0.0.1", true, path, false, &c),
			 -ENOENT);
}

static void test_garbage_from_the_server(void **state)
{
	(void)state;
	struct watch_tls *c;
	char why[128] = "", buf[4096];
	assert_int_equal(watch_tls_new("cache.lab", false, NULL, false, &c), 0);
	assert_int_equal(watch_tls_handshake(c, why, sizeof(why)), 0);
	assert_true(watch_tls_take(c, buf, sizeof(buf)) > 0); /* ClientHello */
	static const char plain[] = "-ERR not TLS\r\n";
	assert_int_equal(watch_tls_feed(c, plain, sizeof(plain) - 1), 0);
	assert_int_equal(watch_tls_handshake(c, why, sizeof(why)), -1);
	assert_true(why[0] != '\0');
	watch_tls_free(c);
	watch_tls_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unverified_session),
		cmocka_unit_test(test_verified_refuses_self_signed),
		cmocka_unit_test(test_lenient_reports_the_certificate),
		cmocka_unit_test(test_garbage_from_the_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
