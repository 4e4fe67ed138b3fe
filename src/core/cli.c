/* SPDX-License-Identifier: MIT */
/* What CLI commands share: blocking requests to the daemon, presenting answers. */
#include "core/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/http_client.h"

struct fetch {
	int rc;
	char *body;
	size_t len;
	const char *url;
};

static void on_response(const struct http_client_result *res, void *ud)
{
	struct fetch *f = ud;
	if (res->err) {
		fprintf(stderr, "hearth: cannot reach %s: %s\n", f->url,
			res->errmsg ? res->errmsg : "error");
		f->rc = CLI_CONNECT;
		return;
	}
	if (res->status >= 200 && res->status < 300) {
		f->body = malloc(res->body_len + 1);
		if (!f->body) {
			f->rc = CLI_FAILED;
			return;
		}
		memcpy(f->body, res->body, res->body_len);
		f->body[res->body_len] = '\0';
		f->len = res->body_len;
		f->rc = CLI_OK;
		return;
	}
	json_error_t jerr;
	json_t *j = json_loadb(res->body, res->body_len, 0, &jerr);
	const char *msg = json_string_value(json_object_get(j, "error"));
	fprintf(stderr, "hearth: %s answered %ld: %s\n", f->url, res->status,
		msg ? msg : (j ? "unexpected answer" : "not JSON"));
	json_decref(j);
	f->rc = res->status >= 400 && res->status < 500 ? CLI_REFUSED
							 : CLI_SERVER;
}

int cli_request(struct cli *cli, const char *method, const char *path,
		const char *body, size_t body_len, const char *content_type,
		char **out, size_t *out_len)
{
	uv_loop_t loop;
	struct http_client *client = NULL;
	char url[1024], key[600], ctype[128];
	struct fetch f = {.rc = CLI_CONNECT, .url = url};
	const char *headers[3] = {NULL, NULL, NULL};
	int h = 0;

	*out = NULL;
	snprintf(url, sizeof(url), "%s%s", cli->url, path);
	if (cli->api_key) {
		snprintf(key, sizeof(key), "X-API-Key: %s", cli->api_key);
		headers[h++] = key;
	}
	if (content_type) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
		headers[h++] = ctype;
	}
	if (uv_loop_init(&loop))
		return CLI_FAILED;
	if (http_client_new(&loop, &client) == 0) {
		struct http_client_req req = {
			.method = method, .url = url, .headers = headers,
			.body = body, .body_len = body_len,
			.timeout_ms = 30000, .max_response = 256u << 20};
		if (http_client_request(client, &req, on_response, &f) == 0)
			uv_run(&loop, UV_RUN_DEFAULT);
		else
			fprintf(stderr, "hearth: bad URL %s\n", url);
		http_client_close(client);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	*out = f.body;
	if (out_len)
		*out_len = f.len;
	return f.rc;
}

int cli_request_json(struct cli *cli, const char *method, const char *path,
		     json_t **out)
{
	char *body = NULL;
	size_t len = 0;
	*out = NULL;
	int rc = cli_request(cli, method, path, NULL, 0, NULL, &body, &len);
	if (rc)
		return rc;
	json_error_t jerr;
	*out = json_loadb(body, len, 0, &jerr);
	free(body);
	if (!*out) {
		fprintf(stderr, "hearth: %s%s answered with something not JSON\n",
			cli->url, path);
		return CLI_SERVER;
	}
	return CLI_OK;
}

const char *cli_str_or(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

const char *cli_int_str(json_t *o, const char *key, char buf[CLI_INT_LEN])
{
	snprintf(buf, CLI_INT_LEN, "%lld",
		 (long long)json_integer_value(json_object_get(o, key)));
	return buf;
}

int cli_get_or_dump(struct cli *cli, const char *cmd, const char *path,
		       int argc, char **argv, json_t **out)
{
	bool as_json = argc == 1 && strcmp(argv[0], "--json") == 0;
	*out = NULL;
	if (argc == 1 && !as_json) {
		fprintf(stderr, "hearth %s: unknown option '%s'\n", cmd,
			argv[0]);
		return CLI_USAGE;
	}
	json_t *j = NULL;
	int rc = cli_request_json(cli, "GET", path, &j);
	if (rc)
		return rc;
	if (as_json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
		return CLI_OK;
	}
	*out = j;
	return CLI_OK;
}

int cli_read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "hearth: %s: %s\n", path, strerror(errno));
		return CLI_FAILED;
	}
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			char *p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = p;
			cap *= 2;
		}
	}
	bool err = ferror(f);
	fclose(f);
	if (!buf || err) {
		free(buf);
		fprintf(stderr, "hearth: cannot read %s\n", path);
		return CLI_FAILED;
	}
	*out = buf;
	*len = n;
	return CLI_OK;
}


bool cli_take_json(int *argc, char **argv)
{
	bool found = false;
	int w = 0;
	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			found = true;
		else
			argv[w++] = argv[i];
	}
	*argc = w;
	return found;
}

int cli_bad_args(void)
{
	fprintf(stderr, "hearth: wrong arguments (COMMAND --help shows "
			"them)\n");
	return CLI_USAGE;
}

int cli_send_json(struct cli *cli, const char *method, const char *path,
		  json_t *body, json_t **out)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL, *resp = NULL;
	size_t len = 0;
	*out = NULL;
	if (body && !text)
		return CLI_FAILED;
	int rc = cli_request(cli, method, path, text, text ? strlen(text) : 0,
			     text ? "application/json" : NULL, &resp, &len);
	free(text);
	if (rc)
		return rc;
	if (len) {
		json_error_t jerr;
		*out = json_loadb(resp, len, 0, &jerr);
		if (!*out) {
			fprintf(stderr, "hearth: %s%s answered with something "
					"not JSON\n", cli->url, path);
			rc = CLI_SERVER;
		}
	}
	free(resp);
	return rc;
}

void cli_print_json(json_t *j)
{
	json_dumpf(j ? j : json_null(), stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(j);
}

int cli_done(bool json, json_t *j, const char *text)
{
	if (json) {
		cli_print_json(j ? j : json_object());
	} else {
		puts(text);
		json_decref(j);
	}
	return CLI_OK;
}

void cli_duration(double seconds, char *out, size_t cap)
{
	unsigned long long s = seconds > 0 ? (unsigned long long)seconds : 0;
	unsigned long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
	if (d)
		snprintf(out, cap, "%llu d %llu h", d, h);
	else if (h)
		snprintf(out, cap, "%llu h %llu m", h, m);
	else if (m)
		snprintf(out, cap, "%llu m %llu s", m, s % 60);
	else
		snprintf(out, cap, "%llu s", s);
}

void cli_table_init(struct cli_table *t, size_t cols)
{
	*t = (struct cli_table){
		.cols = cols < CLI_TABLE_MAX_COLS ? cols : CLI_TABLE_MAX_COLS};
}

void cli_table_cells(struct cli_table *t, const char *const *cells)
{
	if (t->rows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->cells, cap * t->cols * sizeof(*p));
		if (!p)
			return;
		t->cells = p;
		t->cap = cap;
	}
	for (size_t c = 0; c < t->cols; c++) {
		char *cell = strdup(cells[c] ? cells[c] : "-");
		t->cells[t->rows * t->cols + c] = cell;
		size_t n = cell ? strlen(cell) : 0;
		if (n > t->width[c])
			t->width[c] = n;
	}
	t->rows++;
}

void cli_table_row(struct cli_table *t, ...)
{
	const char *cells[CLI_TABLE_MAX_COLS];
	va_list ap;
	va_start(ap, t);
	for (size_t c = 0; c < t->cols && c < CLI_TABLE_MAX_COLS; c++)
		cells[c] = va_arg(ap, const char *);
	va_end(ap);
	cli_table_cells(t, cells);
}

int cli_list(struct cli *cli, const char *cmd, const char *path, int argc,
	     char **argv, const char *const *head, cli_row_fn row)
{
	json_t *list = NULL;
	int rc = cli_get_or_dump(cli, cmd, path, argc, argv, &list);
	if (rc || !list)
		return rc;
	size_t cols = 0;
	while (head[cols] && cols < CLI_TABLE_MAX_COLS)
		cols++;
	struct cli_table t;
	cli_table_init(&t, cols);
	cli_table_cells(&t, head);
	size_t i;
	json_t *item;
	json_array_foreach(list, i, item)
		row(&t, item);
	cli_table_print(&t, stdout);
	json_decref(list);
	return CLI_OK;
}

void cli_table_print(struct cli_table *t, FILE *f)
{
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->cols; c++) {
			const char *v = t->cells[r * t->cols + c];
			if (c + 1 < t->cols)
				fprintf(f, "%-*s  ", (int)t->width[c],
					v ? v : "");
			else
				fprintf(f, "%s\n", v ? v : "");
			free(t->cells[r * t->cols + c]);
		}
	}
	free(t->cells);
	*t = (struct cli_table){0};
}
