/* SPDX-License-Identifier: MIT */
/* The SSH certificate authority's files: creation, loading, serials, signing. */
#include "vm/ca.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int fail(struct vm_err *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct vm_err *err, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

int vm_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[4200], dir[4200];
	int fd = -1, rc = 0;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode))
		rc = -errno;
	for (size_t at = 0; !rc && at < len;) {
		ssize_t n = write(fd, (const char *)data + at, len - at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = -errno;
		else
			at += (size_t)n;
	}
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd))
			rc = -errno;
		close(dfd);
	}
	return rc;
}

int vm_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char *data = malloc(max + 1);
	size_t n = 0;
	int rc = data ? 0 : -ENOMEM;
	while (!rc) {
		ssize_t r = read(fd, data + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = -errno;
		else if (r == 0)
			break;
		else if ((n += (size_t)r) > max)
			rc = -EFBIG;
	}
	close(fd);
	if (rc) {
		free(data);
		return rc;
	}
	data[n] = 0;
	*out = data;
	*len = n;
	return 0;
}

int vm_mkdir_p(const char *dir, mode_t mode)
{
	char p[4200];
	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static void path_in(char *out, size_t cap, const char *dir, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

int vm_ca_create(const char *dir, const char *comment, struct vm_err *err)
{
	char p[4200];
	uint8_t pk[32], sk[64];
	struct buf b;
	struct ssh_pubkey pub;
	int rc;

	if (strlen(dir) > 4000)
		return fail(err, -ENAMETOOLONG, "%s: path too long", dir);
	if ((rc = vm_mkdir_p(dir, 0700)))
		return fail(err, rc, "%s: %s", dir, strerror(-rc));
	path_in(p, sizeof(p), dir, "ca");
	if (access(p, F_OK) == 0)
		return fail(err, -EEXIST, "%s: a CA already exists", p);
	crypto_sign_ed25519_keypair(pk, sk);
	buf_init(&b, 0);
	ssh_ed25519_private_format(sk, comment, &b);
	rc = b.err ? b.err : vm_write_file(p, b.data, b.len, 0600);
	if (b.data)
		sodium_memzero(b.data, b.cap);
	sodium_memzero(sk, sizeof(sk));
	buf_deinit(&b);
	if (rc)
		return fail(err, rc, "%s: %s", p, strerror(-rc));
	ssh_pubkey_ed25519(&pub, pk, comment);
	buf_init(&b, 0);
	ssh_pubkey_format(&pub, &b);
	path_in(p, sizeof(p), dir, "ca.pub");
	rc = b.err ? b.err : vm_write_file(p, b.data, b.len, 0644);
	buf_deinit(&b);
	if (rc)
		return fail(err, rc, "%s: %s", p, strerror(-rc));
	path_in(p, sizeof(p), dir, "serial");
	rc = vm_write_file(p, "0\n", 2, 0600);
	if (rc)
		return fail(err, rc, "%s: %s", p, strerror(-rc));
	return 0;
}

int vm_ca_open(const char *dir, struct vm_ca *ca, struct vm_err *err)
{
	char p[4200], *text = NULL;
	size_t len;
	struct stat st;
	const char *why = NULL;
	char comment[256];

	memset(ca, 0, sizeof(*ca));
	if (strlen(dir) >= sizeof(ca->dir))
		return fail(err, -ENAMETOOLONG, "%s: path too long", dir);
	snprintf(ca->dir, sizeof(ca->dir), "%s", dir);
	path_in(p, sizeof(p), dir, "ca");
	if (stat(p, &st))
		return fail(err, -errno, "%s: %s (create it with hearth ssh ca "
				  "init)", p, strerror(errno));
	if (st.st_mode & 077)
		return fail(err, -EPERM, "%s: readable by others (mode %03o); "
				  "chmod 600 it", p, st.st_mode & 0777);
	int rc = vm_read_file(p, SSH_LINE_MAX, &text, &len);
	if (rc)
		return fail(err, rc, "%s: %s", p, strerror(-rc));
	rc = ssh_ed25519_private_parse(text, len, ca->sk, comment,
				       sizeof(comment), &why);
	sodium_memzero(text, len);
	free(text);
	if (rc)
		return fail(err, rc, "%s: %s", p, why);
	ssh_pubkey_ed25519(&ca->pub, ca->sk + 32, comment);
	return 0;
}

void vm_ca_close(struct vm_ca *ca)
{
	if (ca)
		sodium_memzero(ca->sk, sizeof(ca->sk));
}

static int next_serial(struct vm_ca *ca, uint64_t *serial, struct vm_err *err)
{
	char p[4200], *text = NULL, line[32];
	size_t len;
	uint64_t last = 0;
	path_in(p, sizeof(p), ca->dir, "serial");
	int rc = vm_read_file(p, 64, &text, &len);
	if (rc && rc != -ENOENT)
		return fail(err, rc, "%s: %s", p, strerror(-rc));
	if (!rc) {
		char *end;
		errno = 0;
		last = strtoull(text, &end, 10);
		bool bad = errno || end == text || (*end && *end != '\n');
		free(text);
		if (bad)
			return fail(err, -EINVAL, "%s: not a serial number", p);
	}
	if (last == UINT64_MAX)
		return fail(err, -EOVERFLOW, "%s: serials used up", p);
	*serial = last + 1;
	int n = snprintf(line, sizeof(line), "%llu\n",
			 (unsigned long long)*serial);
	rc = vm_write_file(p, line, (size_t)n, 0600);
	if (rc)
		return fail(err, rc, "%s: %s", p, strerror(-rc));
	return 0;
}

int vm_ca_sign(struct vm_ca *ca, struct ssh_cert *c, const char *comment,
	       struct buf *line, struct vm_err *err)
{
	struct buf blob;
	int rc;
	if (!c->serial && (rc = next_serial(ca, &c->serial, err)))
		return rc;
	buf_init(&blob, 0);
	rc = ssh_cert_sign(c, ca->sk, &blob);
	if (!rc)
		ssh_cert_format_line((const uint8_t *)blob.data, blob.len,
				     c->key.type, comment, line);
	buf_deinit(&blob);
	if (rc)
		return fail(err, rc, "cannot sign: %s",
			    rc == -EINVAL ? "empty validity interval or bad "
					    "field"
					  : strerror(-rc));
	return line->err;
}
