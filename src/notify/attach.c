/* SPDX-License-Identifier: MIT */
/* ntfy attachments: MIME sniffing, durable files under state_dir, and /file/<id> served off the loop. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "notify/api.h"
#include "notify/internal.h"
#include "proto/notify/ntfy_params.h"

static const struct {
	const char *magic;
	size_t len;
	const char *type, *ext;
} sniff[] = {
	{"\x89PNG\r\n\x1a\n", 8, "image/png", ".png"},
	{"\xff\xd8\xff", 3, "image/jpeg", ".jpg"},
	{"GIF87a", 6, "image/gif", ".gif"},
	{"GIF89a", 6, "image/gif", ".gif"},
	{"%PDF-", 5, "application/pdf", ".pdf"},
	{"PK\x03\x04", 4, "application/zip", ".zip"},
	{"\x1f\x8b", 2, "application/gzip", ".gz"},
};

static const struct {
	const char *ext, *type;
} by_ext[] = {
	{".png", "image/png"},	     {".jpg", "image/jpeg"},
	{".jpeg", "image/jpeg"},     {".gif", "image/gif"},
	{".webp", "image/webp"},     {".pdf", "application/pdf"},
	{".zip", "application/zip"}, {".txt", "text/plain; charset=utf-8"},
	{".json", "application/json"}, {".mp4", "video/mp4"},
	{".mp3", "audio/mpeg"},	     {".apk", "application/vnd.android.package-archive"},
};

void notify_file_type(const void *data, size_t len, const char *name,
		      char type[128], char ext[16])
{
	for (size_t i = 0; i < sizeof(sniff) / sizeof(sniff[0]); i++)
		if (len >= sniff[i].len && memcmp(data, sniff[i].magic, sniff[i].len) == 0) {
			snprintf(type, 128, "%s", sniff[i].type);
			snprintf(ext, 16, "%s", sniff[i].ext);
			return;
		}
	const char *dot = name ? strrchr(name, '.') : NULL;
	for (size_t i = 0; dot && i < sizeof(by_ext) / sizeof(by_ext[0]); i++)
		if (strcasecmp(dot, by_ext[i].ext) == 0) {
			snprintf(type, 128, "%s", by_ext[i].type);
			snprintf(ext, 16, "%s", by_ext[i].ext);
			return;
		}
	if (ntfy_utf8_valid(data, len) && !memchr(data, 0, len)) {
		snprintf(type, 128, "text/plain; charset=utf-8");
		snprintf(ext, 16, ".txt");
		return;
	}
	snprintf(type, 128, "application/octet-stream");
	snprintf(ext, 16, ".bin");
}

int notify_file_write(const char *dir, const char *id, const void *data,
		      size_t len)
{
	char path[4200], tmp[4210];
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? -errno : -EIO;
			close(fd);
			unlink(tmp);
			return e;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd)) {
		int e = -errno;
		close(fd);
		unlink(tmp);
		return e;
	}
	close(fd);
	if (rename(tmp, path)) {
		int e = -errno;
		unlink(tmp);
		return e;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

void notify_file_remove(const char *dir, const char *id)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	unlink(path);
}

/* ---- serving ---- */

struct file_job {
	struct notify_room *r;
	struct http_pending *pending;
	char path[4200];
	char name[256], type[128];
	bool head;
	char *data;
	size_t len;
	int rc;
};

static void read_work(void *ud)
{
	struct file_job *j = ud;
	int fd = open(j->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		j->rc = -ENOENT;
		if (fd >= 0)
			close(fd);
		return;
	}
	j->len = (size_t)st.st_size;
	j->data = malloc(j->len ? j->len : 1);
	size_t got = 0;
	while (j->data && got < j->len) {
		ssize_t n = read(fd, j->data + got, j->len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	j->rc = !j->data ? -ENOMEM : got == j->len ? 0 : -EIO;
}

static void read_done(void *ud, int status)
{
	struct file_job *j = ud;
	struct http_response *resp = http_pending_response(j->pending);
	int rc = status ? status : j->rc;
	if (rc == -ENOENT) {
		notify_reply_error(resp, 404, 40401, "page not found");
	} else if (rc) {
		notify_reply_error(resp, 500, 50001, "internal server error");
	} else {
		resp->status = 200;
		resp->content_type = NULL;
		buf_deinit(&resp->body);
		buf_init(&resp->body, 0);
		if (buf_append(&resp->body, j->data, j->len)) {
			notify_reply_error(resp, 500, 50001, "out of memory");
		} else {
			http_reply_header(resp, "Content-Type", "%s", j->type);
			/* The name as a quoted string: no quotes or
			 * backslashes or control bytes in it. */
			char safe[100];
			size_t w = 0;
			for (const char *p = j->name; *p && w + 1 < sizeof(safe); p++)
				safe[w++] = (*p == '"' || *p == '\\' ||
					     (unsigned char)*p < 0x20) ? '_' : *p;
			safe[w] = '\0';
			http_reply_header(resp, "Content-Disposition",
					  "attachment; filename=\"%s\"", safe);
			notify_cors(resp);
		}
	}
	http_pending_finish(j->pending);
	free(j->data);
	free(j);
}

void notify_file_serve(struct notify_room *r, const struct http_request *req,
		       struct http_response *resp, const char *name)
{
	char id[13];
	size_t n = strcspn(name, ".");
	if (!ntfy_is_message_id(name, n)) {
		notify_reply_error(resp, 404, 40401, "page not found");
		return;
	}
	memcpy(id, name, 12);
	id[12] = '\0';
	struct notify_store_file f;
	struct file_job *j = calloc(1, sizeof(*j));
	if (!j) {
		notify_reply_error(resp, 500, 50001, "out of memory");
		return;
	}
	if (notify_store_file(r->store, id, clock_wall_s(r->clock), &f, j->name,
			      j->type)) {
		free(j);
		notify_reply_error(resp, 404, 40401, "page not found");
		return;
	}
	j->r = r;
	snprintf(j->path, sizeof(j->path), "%s/%s", r->files_dir, id);
	j->pending = http_defer(req, resp, NULL, NULL);
	if (!j->pending) {
		free(j);
		return;
	}
	if (workq_submit(r->workq, read_work, read_done, j)) {
		notify_reply_error(http_pending_response(j->pending), 503, 50001,
				   "shutting down");
		http_pending_finish(j->pending);
		free(j);
	}
}
