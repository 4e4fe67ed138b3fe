/* SPDX-License-Identifier: MIT */
/* The SFTP backend (libssh): restic's layout on any SSH server, writes through a temporary name, fsync@openssh.com and a rename that never replaces. */
#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backup/backend.h"
#include "proto/backup/location.h"

/* Bytes per SFTP read/write request: 64 KiB, above the 32 KiB every
 * server must take; 252 KiB with a server that announces
 * limits@openssh.com (OpenSSH 8.5 and later take 255 KiB). */
#define IO_CHUNK (64 * 1024)
#define IO_CHUNK_OPENSSH (252 * 1024)

/* One SSH session and its SFTP channel, used by one operation at a time. */
struct sftp {
	struct backup_backend be;
	char *root; /* as given: relative to the login folder or absolute */
	ssh_session ssh;
	sftp_session sftp;
	int can_fsync;
	size_t chunk;
	/* The pack last read from, kept open: a restore reads many blobs
	 * of one pack in a row. */
	sftp_file cur;
	char cur_path[BACKUP_LOC_MAX + 128];
	pthread_mutex_t mu;
};

static int path_of(const struct sftp *s, enum backup_file t, const char *name,
		   int dir_only, char *out, size_t cap)
{
	int n;
	if (t == BACKUP_FILE_CONFIG)
		n = dir_only ? snprintf(out, cap, "%s", s->root)
			     : snprintf(out, cap, "%s/config", s->root);
	else if (!backup_backend_name_ok(name))
		return -EINVAL;
	else if (t == BACKUP_FILE_PACK)
		n = dir_only ? snprintf(out, cap, "%s/data/%.2s", s->root, name)
			     : snprintf(out, cap, "%s/data/%.2s/%s", s->root,
					name, name);
	else
		n = dir_only ? snprintf(out, cap, "%s/%s", s->root,
					backup_file_dir(t))
			     : snprintf(out, cap, "%s/%s/%s", s->root,
					backup_file_dir(t), name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* The last SFTP status as an errno. */
static int sftp_errno(struct sftp *s)
{
	switch (sftp_get_error(s->sftp)) {
	case SSH_FX_OK:
		return ssh_is_connected(s->ssh) ? -EIO : -ECONNRESET;
	case SSH_FX_NO_SUCH_FILE:
	case SSH_FX_NO_SUCH_PATH:
		return -ENOENT;
	case SSH_FX_PERMISSION_DENIED:
		return -EACCES;
	case SSH_FX_FILE_ALREADY_EXISTS:
		return -EEXIST;
	case SSH_FX_OP_UNSUPPORTED:
		return -EOPNOTSUPP;
	case SSH_FX_CONNECTION_LOST:
	case SSH_FX_NO_CONNECTION:
		return -ECONNRESET;
	default:
		return -EIO;
	}
}

#define READS_IN_FLIGHT 16

/* Waits for (and throws away) the answers to reads still in flight. */
static void drain(sftp_file f, const uint32_t *ids, const size_t *lens,
		  size_t head, size_t n, uint8_t *scratch)
{
	for (size_t k = 0; k < n; k++) {
		size_t i = (head + k) % READS_IN_FLIGHT;
		sftp_async_read(f, scratch, (uint32_t)lens[i], ids[i]);
	}
}

/*
 * Reads @len bytes at @off (the caller holds the lock), with up to
 * READS_IN_FLIGHT requests outstanding so that a pack does not wait one
 * round trip per chunk. A server that answers a read short (some cap a
 * read's size) makes it start over from there with the requests in
 * flight thrown away; an answer of 0 bytes is the end of the file.
 */
static int read_at(struct sftp *s, sftp_file f, uint64_t off, uint8_t *buf,
		   size_t len)
{
	uint32_t ids[READS_IN_FLIGHT];
	size_t lens[READS_IN_FLIGHT];
	size_t head = 0, n = 0, issued = 0, got = 0;
	uint8_t *scratch = NULL;
	int rc = 0;
	while (!rc && got < len) {
		while (n < READS_IN_FLIGHT && issued < len) {
			size_t w = len - issued < s->chunk ? len - issued : s->chunk;
			int id;
			if (sftp_seek64(f, off + issued) ||
			    (id = sftp_async_read_begin(f, (uint32_t)w)) < 0) {
				rc = sftp_errno(s);
				break;
			}
			size_t i = (head + n++) % READS_IN_FLIGHT;
			ids[i] = (uint32_t)id;
			lens[i] = w;
			issued += w;
		}
		if (rc || !n)
			break;
		int r = sftp_async_read(f, buf + got, (uint32_t)lens[head], ids[head]);
		size_t want = lens[head];
		head = (head + 1) % READS_IN_FLIGHT;
		n--;
		if (r < 0)
			rc = sftp_errno(s);
		else if (r == 0)
			rc = -EIO; /* the file is shorter */
		else {
			got += (size_t)r;
			if ((size_t)r < want) {
				if (!scratch && !(scratch = malloc(s->chunk))) {
					rc = -ENOMEM;
					break;
				}
				drain(f, ids, lens, head, n, scratch);
				n = 0;
				issued = got;
			}
		}
	}
	if (n) {
		if (!scratch)
			scratch = malloc(s->chunk);
		if (scratch)
			drain(f, ids, lens, head, n, scratch);
	}
	free(scratch);
	return rc;
}

/* Closes the kept file (when it is @path, or any with NULL). */
static void forget_cur(struct sftp *s, const char *path)
{
	if (s->cur && (!path || !strcmp(path, s->cur_path))) {
		sftp_close(s->cur);
		s->cur = NULL;
		s->cur_path[0] = '\0';
	}
}

static int s_load(struct backup_backend *be, enum backup_file t,
		  const char *name, size_t max, uint8_t **buf, size_t *len)
{
	struct sftp *s = (struct sftp *)be;
	char path[BACKUP_LOC_MAX + 128];
	int rc = path_of(s, t, name, 0, path, sizeof(path));
	if (rc)
		return rc;
	pthread_mutex_lock(&s->mu);
	sftp_file f = sftp_open(s->sftp, path, O_RDONLY, 0);
	uint8_t *p = NULL;
	uint64_t size = 0;
	if (!f)
		rc = sftp_errno(s);
	if (!rc) {
		sftp_attributes a = sftp_fstat(f);
		if (!a)
			rc = sftp_errno(s);
		else if (a->type != SSH_FILEXFER_TYPE_REGULAR)
			rc = -EIO;
		else
			size = a->size;
		sftp_attributes_free(a);
	}
	if (!rc && size > max)
		rc = -EFBIG;
	if (!rc && !(p = malloc(size ? (size_t)size : 1)))
		rc = -ENOMEM;
	if (!rc)
		rc = read_at(s, f, 0, p, (size_t)size);
	if (f)
		sftp_close(f);
	pthread_mutex_unlock(&s->mu);
	if (rc) {
		free(p);
		return rc;
	}
	*buf = p;
	*len = (size_t)size;
	return 0;
}

static int s_load_range(struct backup_backend *be, enum backup_file t,
			const char *name, uint64_t off, size_t len,
			uint8_t *buf)
{
	struct sftp *s = (struct sftp *)be;
	char path[BACKUP_LOC_MAX + 128];
	int rc = path_of(s, t, name, 0, path, sizeof(path));
	if (rc)
		return rc;
	pthread_mutex_lock(&s->mu);
	if (!s->cur || strcmp(s->cur_path, path)) {
		forget_cur(s, NULL);
		s->cur = sftp_open(s->sftp, path, O_RDONLY, 0);
		if (s->cur)
			snprintf(s->cur_path, sizeof(s->cur_path), "%s", path);
	}
	rc = s->cur ? read_at(s, s->cur, off, buf, len) : sftp_errno(s);
	if (rc)
		forget_cur(s, NULL);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int s_size(struct backup_backend *be, enum backup_file t,
		  const char *name, uint64_t *size)
{
	struct sftp *s = (struct sftp *)be;
	char path[BACKUP_LOC_MAX + 128];
	int rc = path_of(s, t, name, 0, path, sizeof(path));
	if (rc)
		return rc;
	pthread_mutex_lock(&s->mu);
	sftp_attributes a = sftp_stat(s->sftp, path);
	if (!a)
		rc = sftp_errno(s);
	else
		*size = a->size;
	sftp_attributes_free(a);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int write_all(struct sftp *s, sftp_file f, const uint8_t *p, size_t len)
{
	while (len) {
		size_t n = len < s->chunk ? len : s->chunk;
		ssize_t w = sftp_write(f, p, n);
		if (w <= 0)
			return w < 0 ? sftp_errno(s) : -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int s_save(struct backup_backend *be, enum backup_file t,
		  const char *name, const void *buf, size_t len)
{
	struct sftp *s = (struct sftp *)be;
	char path[BACKUP_LOC_MAX + 128], dir[BACKUP_LOC_MAX + 128],
		tmp[BACKUP_LOC_MAX + 160];
	int rc = path_of(s, t, name, 0, path, sizeof(path));
	if (!rc)
		rc = path_of(s, t, name, 1, dir, sizeof(dir));
	if (rc)
		return rc;
	uint8_t rnd[8];
	randombytes_buf(rnd, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), "%s-tmp-%02x%02x%02x%02x%02x%02x%02x%02x",
		 path, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
		 rnd[7]);
	pthread_mutex_lock(&s->mu);
	sftp_attributes a = sftp_lstat(s->sftp, path);
	if (a) {
		sftp_attributes_free(a);
		pthread_mutex_unlock(&s->mu);
		return -EEXIST;
	}
	if (t == BACKUP_FILE_PACK)
		sftp_mkdir(s->sftp, dir, 0700); /* may exist already */
	sftp_file f = sftp_open(s->sftp, tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (!f)
		rc = sftp_errno(s);
	if (!rc)
		rc = write_all(s, f, buf, len);
	if (!rc && s->can_fsync && sftp_fsync(f))
		rc = sftp_errno(s);
	if (f && sftp_close(f) && !rc)
		rc = sftp_errno(s);
	/* restic makes its files read-only: they are never changed. */
	if (!rc)
		sftp_chmod(s->sftp, tmp, 0400);
	/* SSH_FXP_RENAME (protocol 3) does not replace an existing name:
	 * OpenSSH's server links, then unlinks the temporary name. */
	if (!rc && sftp_rename(s->sftp, tmp, path)) {
		rc = sftp_errno(s);
		a = sftp_lstat(s->sftp, path);
		if (a)
			rc = -EEXIST;
		sftp_attributes_free(a);
	}
	if (rc && f)
		sftp_unlink(s->sftp, tmp);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int s_remove(struct backup_backend *be, enum backup_file t,
		    const char *name)
{
	struct sftp *s = (struct sftp *)be;
	char path[BACKUP_LOC_MAX + 128];
	int rc = path_of(s, t, name, 0, path, sizeof(path));
	if (rc)
		return rc;
	pthread_mutex_lock(&s->mu);
	forget_cur(s, path);
	if (sftp_unlink(s->sftp, path))
		rc = sftp_errno(s);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* Names of one folder (the caller holds the lock; @fn runs without it
 * being released, so it must not call the backend). */
struct name_list {
	char (*names)[65];
	uint64_t *sizes;
	size_t n, cap;
};

static int list_dir(struct sftp *s, const char *dir, struct name_list *l)
{
	sftp_dir d = sftp_opendir(s->sftp, dir);
	if (!d) {
		int rc = sftp_errno(s);
		return rc == -ENOENT ? 0 : rc;
	}
	int rc = 0;
	sftp_attributes a;
	while (!rc && (a = sftp_readdir(s->sftp, d))) {
		if (a->type == SSH_FILEXFER_TYPE_REGULAR &&
		    backup_backend_name_ok(a->name)) {
			if (l->n == l->cap) {
				size_t cap = l->cap ? l->cap * 2 : 256;
				char(*nn)[65] = realloc(l->names, cap * sizeof(*nn));
				uint64_t *ns = nn ? realloc(l->sizes, cap * sizeof(*ns)) : NULL;
				if (nn)
					l->names = nn;
				if (ns)
					l->sizes = ns;
				if (!nn || !ns)
					rc = -ENOMEM;
				else
					l->cap = cap;
			}
			if (!rc) {
				memcpy(l->names[l->n], a->name, 65);
				l->sizes[l->n++] = a->size;
			}
		}
		sftp_attributes_free(a);
	}
	if (!rc && !sftp_dir_eof(d))
		rc = sftp_errno(s);
	sftp_closedir(d);
	return rc;
}

static int s_list(struct backup_backend *be, enum backup_file t,
		  int (*fn)(const char *name, uint64_t size, void *ud),
		  void *ud)
{
	struct sftp *s = (struct sftp *)be;
	char dir[BACKUP_LOC_MAX + 128];
	if (t == BACKUP_FILE_CONFIG)
		return -EINVAL;
	struct name_list l = {0};
	int rc = 0;
	/* Collected first, then handed out without the lock held: @fn may
	 * load what it is given. */
	pthread_mutex_lock(&s->mu);
	if (t != BACKUP_FILE_PACK) {
		snprintf(dir, sizeof(dir), "%s/%s", s->root, backup_file_dir(t));
		rc = list_dir(s, dir, &l);
	} else {
		for (int i = 0; !rc && i < 256; i++) {
			snprintf(dir, sizeof(dir), "%s/data/%02x", s->root, i);
			rc = list_dir(s, dir, &l);
		}
	}
	pthread_mutex_unlock(&s->mu);
	for (size_t i = 0; !rc && i < l.n; i++)
		rc = fn(l.names[i], l.sizes[i], ud);
	free(l.names);
	free(l.sizes);
	return rc;
}

/* mkdir that is fine with an existing folder (the caller holds the lock). */
static int mkdir1(struct sftp *s, const char *path)
{
	if (!sftp_mkdir(s->sftp, path, 0700))
		return 0;
	sftp_attributes a = sftp_stat(s->sftp, path);
	int rc = a && a->type == SSH_FILEXFER_TYPE_DIRECTORY ? 0 : sftp_errno(s);
	if (!a && !rc)
		rc = -EIO;
	sftp_attributes_free(a);
	return rc;
}

static int s_create(struct backup_backend *be)
{
	struct sftp *s = (struct sftp *)be;
	char p[BACKUP_LOC_MAX + 128];
	pthread_mutex_lock(&s->mu);
	snprintf(p, sizeof(p), "%s/config", s->root);
	sftp_attributes a = sftp_stat(s->sftp, p);
	int rc = a ? -EEXIST : 0;
	sftp_attributes_free(a);
	/* The root and its parents, as restic's MkdirAll. */
	size_t n = strlen(s->root);
	for (size_t i = 1; !rc && i <= n; i++) {
		if (s->root[i] != '/' && s->root[i] != '\0')
			continue;
		memcpy(p, s->root, i);
		p[i] = '\0';
		rc = mkdir1(s, p);
	}
	static const char *const dirs[] = {"data", "index", "keys", "locks",
					   "snapshots"};
	for (size_t i = 0; !rc && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", s->root, dirs[i]);
		rc = mkdir1(s, p);
	}
	for (int i = 0; !rc && i < 256; i++) {
		snprintf(p, sizeof(p), "%s/data/%02x", s->root, i);
		rc = mkdir1(s, p);
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static void s_free(struct backup_backend *be)
{
	struct sftp *s = (struct sftp *)be;
	forget_cur(s, NULL);
	if (s->sftp)
		sftp_free(s->sftp);
	if (s->ssh) {
		ssh_disconnect(s->ssh);
		ssh_free(s->ssh);
	}
	pthread_mutex_destroy(&s->mu);
	free(s->root);
	free(s->be.location);
	free(s);
}

static const struct backup_backend_ops sftp_ops = {
	.load = s_load,
	.load_range = s_load_range,
	.size = s_size,
	.save = s_save,
	.remove = s_remove,
	.list = s_list,
	.create = s_create,
	.free = s_free,
};

static void say(char *why, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *why, size_t cap, const char *fmt, ...)
{
	if (!why || !cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
}

/* Options, connection, host key, authentication, SFTP. */
static int connect_session(struct sftp *s, const struct backup_location *loc,
			   char *why, size_t why_cap)
{
	const char *cfg = backup_backend_option("sftp.config");
	const char *id = backup_backend_option("sftp.identity");
	const char *kh = backup_backend_option("sftp.known_hosts");
	const char *port_opt = backup_backend_option("sftp.port");
	const char *user_opt = backup_backend_option("sftp.user");
	ssh_session ssh = s->ssh;
	ssh_options_set(ssh, SSH_OPTIONS_HOST, loc->host);
	/* ~/.ssh/config (or sftp.config) first; the location's user and
	 * port, then the options, override it as ssh's command line does. */
	if (ssh_options_parse_config(ssh, cfg) && cfg) {
		say(why, why_cap, "sftp: cannot read ssh config %s", cfg);
		return -EINVAL;
	}
	if (loc->user[0])
		ssh_options_set(ssh, SSH_OPTIONS_USER, loc->user);
	if (user_opt)
		ssh_options_set(ssh, SSH_OPTIONS_USER, user_opt);
	int port = port_opt ? atoi(port_opt) : loc->port;
	if (port > 0)
		ssh_options_set(ssh, SSH_OPTIONS_PORT, &port);
	if (kh)
		ssh_options_set(ssh, SSH_OPTIONS_KNOWNHOSTS, kh);
	if (id)
		ssh_options_set(ssh, SSH_OPTIONS_ADD_IDENTITY, id);
	int nodelay = 1; /* one request in flight: no Nagle delay */
	ssh_options_set(ssh, SSH_OPTIONS_NODELAY, &nodelay);
	long timeout = 30;
	ssh_options_set(ssh, SSH_OPTIONS_TIMEOUT, &timeout);
	if (ssh_connect(ssh) != SSH_OK) {
		say(why, why_cap, "sftp: cannot connect to %s: %s", loc->host,
		    ssh_get_error(ssh));
		return -ECONNREFUSED;
	}
	/* The host key must be known already: never trust it on first use. */
	switch (ssh_session_is_known_server(ssh)) {
	case SSH_KNOWN_HOSTS_OK:
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		say(why, why_cap, "sftp: the host key of %s is not the one in "
				  "known_hosts (refused)", loc->host);
		return -EACCES;
	default:
		say(why, why_cap, "sftp: the host key of %s is not in known_hosts "
				  "(add it, e.g. with ssh or ssh-keyscan, or give "
				  "-o sftp.known_hosts=FILE)", loc->host);
		return -EACCES;
	}
	if (ssh_userauth_publickey_auto(ssh, NULL, NULL) != SSH_AUTH_SUCCESS) {
		char *user = NULL;
		ssh_options_get(ssh, SSH_OPTIONS_USER, &user);
		say(why, why_cap, "sftp: %s@%s refused our keys (the agent, the "
				  "default keys, IdentityFile, -o sftp.identity)",
		    user ? user : "?", loc->host);
		ssh_string_free_char(user);
		return -EACCES;
	}
	s->sftp = sftp_new(ssh);
	if (!s->sftp || sftp_init(s->sftp) != SSH_OK) {
		say(why, why_cap, "sftp: %s has no SFTP subsystem: %s", loc->host,
		    ssh_get_error(ssh));
		return -EPROTO;
	}
	s->can_fsync = sftp_extension_supported(s->sftp, "fsync@openssh.com", "1");
	s->chunk = sftp_extension_supported(s->sftp, "limits@openssh.com", "1")
			   ? IO_CHUNK_OPENSSH
			   : IO_CHUNK;
	return 0;
}

struct backup_backend *backup_sftp_open(const struct backup_location *loc,
					const char *location, int *err,
					char *why, size_t why_cap)
{
	struct sftp *s = calloc(1, sizeof(*s));
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	s->root = strdup(loc->path);
	s->be.location = strdup(location);
	s->ssh = ssh_new();
	if (!s->root || !s->be.location || !s->ssh) {
		s_free(&s->be);
		*err = -ENOMEM;
		return NULL;
	}
	size_t n = strlen(s->root);
	while (n > 1 && s->root[n - 1] == '/')
		s->root[--n] = '\0';
	*err = connect_session(s, loc, why, why_cap);
	if (*err) {
		s_free(&s->be);
		return NULL;
	}
	s->be.ops = &sftp_ops;
	return &s->be;
}
