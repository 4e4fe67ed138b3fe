/* SPDX-License-Identifier: MIT */
/* `hearth backup serve`: restic's REST protocol (v1 and v2, as rest-server serves it) over the core HTTP server, file work on the work queue. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netinet/in.h>
#include <uv.h>

#include "backup/cli_priv.h"
#include "backup/htpasswd.h"
#include "backup/serve_fs.h"
#include "base/addr.h"
#include "core/http_server.h"
#include "core/workq.h"
#include "proto/backup/location.h"

#define REST_V1 "application/vnd.x.restic.rest.v1"
#define REST_V2 "application/vnd.x.restic.rest.v2"
/* restic's largest pack (--pack-size 128) and a blob's worth more. */
#define SERVE_MAX_BODY ((int64_t)(136u << 20))

struct serve {
	char *root;
	int append_only, private_repos, verify;
	struct backup_htpasswd *auth; /* NULL: --no-auth */
	struct workq *wq;
	struct http_server *http;
	uv_loop_t *loop;
	uv_signal_t sigint, sigterm;
	int closing;
};

enum op { OP_CREATE, OP_LIST, OP_READ, OP_SAVE, OP_REMOVE };

/* One request's work: filled on the loop, run on the work queue, answered
 * on the loop. */
struct job {
	struct serve *s;
	struct http_pending *p;
	enum op op;
	struct backup_rest_path rp;
	char dir[4096];
	int v2, head;
	char *range; /* the Range header, or NULL */
	char *body;
	size_t body_len;
	/* the answer */
	int status;
	const char *ctype;
	struct buf out;
	int fd;
	uint64_t off, len, size;
	int partial;
};

static void job_free(struct job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	buf_deinit(&j->out);
	free(j->range);
	free(j->body);
	free(j);
}

/* An errno from serve_fs as rest-server answers it. */
static int status_of(int rc)
{
	switch (rc) {
	case 0:
		return 200;
	case -ENOENT:
	case -ENOTDIR:
		return 404;
	case -EEXIST:
		return 403; /* rest-server: a file is never overwritten */
	case -EBADMSG:
		return 400; /* the body's SHA-256 is not its name */
	case -ENOSPC:
	case -EDQUOT:
		return 507;
	case -EINVAL:
		return 400;
	default:
		return 500;
	}
}

static void job_work(void *ud)
{
	struct job *j = ud;
	int rc = 0;
	switch (j->op) {
	case OP_CREATE:
		rc = backup_serve_fs_create(j->s->root, j->dir);
		break;
	case OP_LIST:
		rc = backup_serve_fs_list(j->dir, j->rp.type, j->v2, &j->out);
		j->ctype = j->v2 ? REST_V2 : REST_V1;
		break;
	case OP_READ:
		rc = backup_serve_fs_open(j->dir, &j->rp, &j->fd, &j->size);
		if (rc)
			break;
		j->off = 0;
		j->len = j->size;
		if (!j->head && j->range) {
			int r = backup_rest_range_parse(j->range, j->size, &j->off,
							&j->len);
			if (r == -ERANGE) {
				j->status = 416;
				return;
			}
			j->partial = r == 0;
		}
		j->ctype = "application/octet-stream";
		break;
	case OP_SAVE:
		rc = backup_serve_fs_save(j->dir, &j->rp, j->body, j->body_len,
					  j->s->verify);
		free(j->body);
		j->body = NULL;
		break;
	case OP_REMOVE:
		rc = backup_serve_fs_remove(j->dir, &j->rp);
		break;
	}
	j->status = status_of(rc);
}

static void job_done(void *ud, int status)
{
	struct job *j = ud;
	struct http_response *resp = http_pending_response(j->p);
	if (status) {
		http_reply_error(resp, 503, "shutting down");
	} else if (j->status == 416) {
		http_reply_header(resp, "Content-Range", "bytes */%llu",
				  (unsigned long long)j->size);
		http_reply_error(resp, 416, "range not satisfiable");
	} else if (j->status != 200) {
		http_reply_error(resp, j->status, "%s",
				 j->status == 404   ? "not found"
				 : j->status == 403 ? "file exists"
				 : j->status == 400 ? "content does not match its name"
				 : j->status == 507 ? "no space left"
						    : "internal error");
	} else if (j->op == OP_READ) {
		if (j->partial)
			http_reply_header(resp, "Content-Range", "bytes %llu-%llu/%llu",
					  (unsigned long long)j->off,
					  (unsigned long long)(j->off + j->len - 1),
					  (unsigned long long)j->size);
		http_reply_header(resp, "Accept-Ranges", "bytes");
		http_reply_file(resp, j->partial ? 206 : 200, j->ctype, j->fd,
				j->off, j->len);
		j->fd = -1;
	} else if (j->op == OP_LIST) {
		size_t n = 0;
		char *text = buf_steal(&j->out, &n);
		http_reply_text(resp, 200, j->ctype, text ? text : "[]");
		free(text);
	} else {
		resp->status = 200;
	}
	http_pending_finish(j->p);
	job_free(j);
}

/* ---- requests ---- */

static int wants_v2(const struct http_request *req)
{
	const char *a = http_request_header(req, "Accept");
	return a && strstr(a, REST_V2) != NULL;
}

/* What @method on @rp means, or an HTTP status refusing it. */
static int choose(const struct serve *s, const char *method,
		  const struct http_request *req,
		  const struct backup_rest_path *rp, enum op *op)
{
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	int post = !strcmp(method, "POST");
	int del = !strcmp(method, "DELETE");
	switch (rp->what) {
	case BACKUP_REST_REPO: {
		const char *c = http_request_arg(req, "create");
		if (post && c && !strcmp(c, "true")) {
			*op = OP_CREATE;
			return 0;
		}
		return post ? 400 : 405; /* no repository deletion */
	}
	case BACKUP_REST_LIST:
		if (!get)
			return 405;
		*op = OP_LIST;
		return 0;
	case BACKUP_REST_CONFIG:
	case BACKUP_REST_FILE:
		if (get)
			*op = OP_READ;
		else if (post)
			*op = OP_SAVE;
		else if (del) {
			/* Append-only: what is written stays, but locks. */
			if (s->append_only && (rp->what == BACKUP_REST_CONFIG ||
					       strcmp(rp->type, "locks")))
				return 403;
			*op = OP_REMOVE;
		} else
			return 405;
		return 0;
	}
	return 400;
}

static void on_request(const struct http_request *req,
		       struct http_response *resp, void *ud)
{
	struct serve *s = ud;
	struct backup_rest_path rp;
	const char *why = NULL;
	if (s->closing) {
		http_reply_error(resp, 503, "shutting down");
		return;
	}
	if (backup_rest_path_parse(req->path, &rp, &why)) {
		http_reply_error(resp, 400, "%s", why);
		return;
	}
	enum op op;
	int refuse = choose(s, req->method, req, &rp, &op);
	if (refuse) {
		if (refuse == 405)
			resp->allow = "GET, HEAD, POST, DELETE";
		http_reply_error(resp, refuse, "%s",
				 refuse == 403 ? "append-only: not removed"
				 : refuse == 405 ? "method not allowed here"
						 : "bad request");
		return;
	}
	struct job *j = calloc(1, sizeof(*j));
	if (!j) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	j->s = s;
	j->op = op;
	j->rp = rp;
	j->fd = -1;
	j->v2 = wants_v2(req);
	j->head = !strcmp(req->method, "HEAD");
	buf_init(&j->out, 0);
	int n = rp.repo[0] ? snprintf(j->dir, sizeof(j->dir), "%s/%s", s->root, rp.repo)
			   : snprintf(j->dir, sizeof(j->dir), "%s", s->root);
	const char *range = http_request_header(req, "Range");
	if (range)
		j->range = strdup(range);
	if (op == OP_SAVE) {
		j->body = malloc(req->body_len ? req->body_len : 1);
		if (j->body)
			memcpy(j->body, req->body, req->body_len);
		j->body_len = req->body_len;
	}
	if (n < 0 || (size_t)n >= sizeof(j->dir) || (range && !j->range) ||
	    (op == OP_SAVE && !j->body)) {
		job_free(j);
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	j->p = http_defer(req, resp, NULL, NULL);
	if (!j->p) {
		job_free(j);
		return;
	}
	if (workq_submit(s->wq, job_work, job_done, j)) {
		http_reply_error(http_pending_response(j->p), 503, "busy");
		http_pending_finish(j->p);
		job_free(j);
	}
}

/* Basic credentials from the htpasswd file; with --private-repos the
 * repository's first folder must be the user's name. */
static int on_auth(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	struct serve *s = ud;
	if (!s->auth)
		return 0;
	char *user = NULL, *pass = NULL;
	int ok = 0;
	if (!http_request_basic_auth(req, &user, &pass))
		ok = backup_htpasswd_check(s->auth, user, pass);
	int status = ok ? 0 : 401;
	if (ok && s->private_repos) {
		struct backup_rest_path rp;
		const char *why;
		char owner[65];
		if (backup_rest_path_parse(req->path, &rp, &why))
			status = 0; /* the handler answers 400 */
		else {
			backup_rest_path_owner(&rp, owner);
			if (strcmp(owner, user))
				status = 401;
		}
	}
	if (pass) {
		memset(pass, 0, strlen(pass));
		free(pass);
	}
	free(user);
	if (status == 401)
		http_reply_header(resp, "WWW-Authenticate",
				  "Basic realm=\"restic\"");
	return status;
}

static const struct http_route routes[] = {
	{.name = "backup_rest", .method = "GET", .path = "/", .prefix = true,
	 .auth = on_auth, .fn = on_request, .help = "restic REST: read"},
	{.name = "backup_rest", .method = "HEAD", .path = "/", .prefix = true,
	 .auth = on_auth, .fn = on_request, .help = "restic REST: size"},
	{.name = "backup_rest", .method = "POST", .path = "/", .prefix = true,
	 .auth = on_auth, .fn = on_request, .help = "restic REST: save, create"},
	{.name = "backup_rest", .method = "DELETE", .path = "/", .prefix = true,
	 .auth = on_auth, .fn = on_request, .help = "restic REST: remove"},
};

/* ---- the command ---- */

static void on_closed(void *ud)
{
	struct serve *s = ud;
	s->http = NULL;
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct serve *s = h->data;
	(void)signum;
	if (s->closing)
		return;
	s->closing = 1;
	uv_close((uv_handle_t *)&s->sigint, NULL);
	uv_close((uv_handle_t *)&s->sigterm, NULL);
	workq_shutdown(s->wq, false);
	http_server_close(s->http, on_closed, s);
}

static int serve_run(struct serve *s, const struct sockaddr_any *listen)
{
	uv_loop_t loop;
	if (uv_loop_init(&loop))
		return backup_cli_fail("cannot start the event loop", -ENOMEM);
	s->loop = &loop;
	struct http_server_opts o = {
		.listen = *listen,
		.max_header_bytes = 16384,
		.max_body_bytes = SERVE_MAX_BODY,
		.max_connections = 64,
		.max_connections_per_client = 32,
		.idle_timeout = 120,
		.header_timeout = 60,
	};
	int rc = workq_new(&loop, &s->wq);
	if (!rc)
		rc = http_server_new(&loop, &o, &s->http);
	if (!rc)
		rc = http_server_add_routes(s->http, routes,
					    sizeof(routes) / sizeof(routes[0]), s);
	if (!rc)
		rc = http_server_start(s->http);
	if (rc) {
		char text[ADDR_TEXT_MAX];
		sockaddr_format(listen, text);
		fprintf(stderr, "hearth: backup: cannot listen on %s: %s\n", text,
			strerror(rc < 0 ? -rc : rc));
		http_server_close(s->http, NULL, NULL);
		s->http = NULL;
		if (s->wq)
			workq_shutdown(s->wq, true);
		uv_run(&loop, UV_RUN_DEFAULT);
		workq_free(s->wq);
		uv_loop_close(&loop);
		return CLI_FAILED;
	}
	struct sockaddr_any bound = http_server_address(s->http);
	char text[ADDR_TEXT_MAX];
	sockaddr_format(&bound, text);
	printf("serving %s on http://%s/%s%s\n", s->root, text,
	       s->append_only ? " (append-only)" : "",
	       s->auth ? "" : " (no authentication)");
	fflush(stdout);
	uv_signal_init(&loop, &s->sigint);
	uv_signal_init(&loop, &s->sigterm);
	s->sigint.data = s->sigterm.data = s;
	uv_signal_start(&s->sigint, on_signal, SIGINT);
	uv_signal_start(&s->sigterm, on_signal, SIGTERM);
	uv_run(&loop, UV_RUN_DEFAULT);
	workq_free(s->wq);
	uv_loop_close(&loop);
	return CLI_OK;
}

/* ADDRESS:PORT, or ADDRESS:0 for a port the kernel picks (printed). */
static int listen_parse(const char *text, struct sockaddr_any *out)
{
	char t[128];
	size_t n = strlen(text);
	if (n < 2 || n >= sizeof(t) || strcmp(text + n - 2, ":0"))
		return sockaddr_parse(text, 8000, out);
	memcpy(t, text, n + 1);
	t[n - 1] = '1';
	int rc = sockaddr_parse(t, 8000, out);
	if (!rc && out->u.sa.sa_family == AF_INET)
		out->u.in.sin_port = 0;
	else if (!rc)
		out->u.in6.sin6_port = 0;
	return rc;
}

int backup_cmd_serve(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	static const char *const valued[] = {"--listen", "--path",
					     "--htpasswd-file"};
	static const char *const flags[] = {"--append-only", "--no-auth",
					    "--private-repos",
					    "--no-verify-upload"};
	const char *vals[3] = {"127.0.0.1:8000", "/tmp/restic", NULL};
	int flag[4] = {0};
	for (int i = 0; i < argc; i++) {
		const char *v;
		int r = 0;
		for (size_t k = 0; !r && k < 3; k++)
			if ((r = backup_cli_take(&argc, argv, i, valued[k], NULL,
						 true, &v)) > 0)
				vals[k] = v;
		for (size_t k = 0; !r && k < 4; k++)
			if ((r = backup_cli_take(&argc, argv, i, flags[k], NULL,
						 false, &v)) > 0)
				flag[k] = 1;
		if (r < 0)
			return cli_bad_args();
		if (r > 0)
			i--;
		else {
			fprintf(stderr, "hearth: backup: serve: unknown "
					"argument '%s'\n", argv[i]);
			return CLI_USAGE;
		}
	}
	struct sockaddr_any addr;
	if (listen_parse(vals[0], &addr)) {
		fprintf(stderr, "hearth: backup: serve: --listen %s is not "
				"ADDRESS:PORT\n", vals[0]);
		return CLI_USAGE;
	}
	struct serve s = {.append_only = flag[0],
			  .private_repos = flag[2],
			  .verify = !flag[3]};
	size_t n = strlen(vals[1]);
	while (n > 1 && vals[1][n - 1] == '/')
		n--;
	s.root = strndup(vals[1], n);
	if (!s.root)
		return backup_cli_fail("out of memory", -ENOMEM);
	char pwfile[4200];
	const char *ht = vals[2];
	if (!ht && !flag[1]) {
		/* rest-server's default: PATH/.htpasswd, unless --no-auth */
		snprintf(pwfile, sizeof(pwfile), "%s/.htpasswd", s.root);
		ht = pwfile;
	}
	if (ht && !flag[1]) {
		char why[512];
		int rc = backup_htpasswd_load(ht, &s.auth, why, sizeof(why));
		if (rc) {
			fprintf(stderr, "hearth: backup: serve: %s%s\n", why,
				rc == -ENOENT ? " (give --no-auth to serve "
						"without credentials)"
					      : "");
			free(s.root);
			return CLI_FAILED;
		}
	}
	if (s.private_repos && !s.auth) {
		fprintf(stderr, "hearth: backup: serve: --private-repos needs "
				"credentials (not --no-auth)\n");
		free(s.root);
		return CLI_USAGE;
	}
	if ((mkdir(s.root, 0700) && errno != EEXIST) || access(s.root, W_OK)) {
		fprintf(stderr, "hearth: backup: serve: cannot use %s: %s\n",
			s.root, strerror(errno));
		backup_htpasswd_free(s.auth);
		free(s.root);
		return CLI_FAILED;
	}
	int rc = serve_run(&s, &addr);
	backup_htpasswd_free(s.auth);
	free(s.root);
	return rc;
}
