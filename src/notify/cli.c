/* SPDX-License-Identifier: MIT */
/* The notify room's CLI commands: users, tokens and access, through the daemon's /api/v1/notify/ routes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "notify/notify_room.h"
#include "proto/notify/ntfy_auth.h"

/* Prints @j for --json, or @text for people; consumes @j. */
/* Takes "--OPT VALUE" out of @argv; the value or NULL. */
static const char *take_opt(int *argc, char **argv, const char *opt)
{
	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], opt) != 0 || i + 1 >= *argc)
			continue;
		const char *v = argv[i + 1];
		memmove(&argv[i], &argv[i + 2],
			(size_t)(*argc - i - 2) * sizeof(*argv));
		*argc -= 2;
		return v;
	}
	return NULL;
}

/* One line of @f without its newline into @out; false at EOF. */
static bool read_line(FILE *f, char *out, size_t cap)
{
	if (!fgets(out, (int)cap, f))
		return false;
	out[strcspn(out, "\r\n")] = '\0';
	return true;
}

/* Reads a line from the terminal without echo. */
static bool prompt(const char *what, char *out, size_t cap)
{
	struct termios old, quiet;
	fprintf(stderr, "%s: ", what);
	fflush(stderr);
	bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	bool ok = read_line(stdin, out, cap);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return ok;
}

/*
 * The password: the first line of --password-file FILE, or asked on the
 * terminal (twice, without echo), or the first line of stdin when it is
 * not a terminal. Never from the command line.
 */
static int get_password(const char *file, char *out, size_t cap)
{
	if (file) {
		FILE *f = fopen(file, "r");
		if (!f) {
			perror(file);
			return CLI_USAGE;
		}
		bool ok = read_line(f, out, cap);
		fclose(f);
		if (!ok || !*out) {
			fprintf(stderr, "%s: no password in it\n", file);
			return CLI_USAGE;
		}
		return CLI_OK;
	}
	if (isatty(STDIN_FILENO)) {
		char again[NTFY_SECRET_MAX + 2];
		if (!prompt("password", out, cap) ||
		    !prompt("password again", again, sizeof(again)))
			return CLI_USAGE;
		bool same = strcmp(out, again) == 0;
		sodium_memzero(again, sizeof(again));
		if (!same) {
			fprintf(stderr, "the passwords differ\n");
			return CLI_USAGE;
		}
	} else if (!read_line(stdin, out, cap)) {
		fprintf(stderr, "no password on stdin\n");
		return CLI_USAGE;
	}
	if (!*out) {
		fprintf(stderr, "the password is empty\n");
		return CLI_USAGE;
	}
	return CLI_OK;
}

static int cmd_user_add(struct cli *cli, int argc, char **argv)
{
	bool json = cli_take_json(&argc, argv);
	const char *file = take_opt(&argc, argv, "--password-file");
	const char *role = take_opt(&argc, argv, "--role");
	bool admin = false;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--admin") == 0) {
			admin = true;
			memmove(&argv[i], &argv[i + 1],
				(size_t)(argc - i - 1) * sizeof(*argv));
			argc--;
			i--;
		}
	if (argc != 1)
		return cli_bad_args();
	char pass[NTFY_SECRET_MAX + 2];
	int rc = get_password(file, pass, sizeof(pass));
	if (rc)
		return rc;
	json_t *body = json_pack("{s:s, s:s, s:s}", "username", argv[0],
				 "password", pass, "role",
				 role ? role : admin ? "admin" : "user");
	sodium_memzero(pass, sizeof(pass));
	json_t *res = NULL;
	rc = cli_send_json(cli, "POST", "/api/v1/notify/users", body, &res);
	json_t *pw = json_object_get(body, "password");
	if (pw)
		sodium_memzero((char *)json_string_value(pw),
			       strlen(json_string_value(pw)));
	json_decref(body);
	if (rc)
		return rc;
	char text[200];
	snprintf(text, sizeof(text), "user %s added with role %s", argv[0],
		 cli_str_or(res, "role", "user"));
	return cli_done(json, res, text);
}

static int cmd_user_passwd(struct cli *cli, int argc, char **argv)
{
	bool json = cli_take_json(&argc, argv);
	const char *file = take_opt(&argc, argv, "--password-file");
	if (argc != 1)
		return cli_bad_args();
	char pass[NTFY_SECRET_MAX + 2], path[200];
	int rc = get_password(file, pass, sizeof(pass));
	if (rc)
		return rc;
	json_t *body = json_pack("{s:s}", "password", pass);
	sodium_memzero(pass, sizeof(pass));
	snprintf(path, sizeof(path), "/api/v1/notify/users/%s", argv[0]);
	json_t *res = NULL;
	rc = cli_send_json(cli, "PUT", path, body, &res);
	json_decref(body);
	if (rc)
		return rc;
	char text[200];
	snprintf(text, sizeof(text), "password of %s changed", argv[0]);
	return cli_done(json, res, text);
}

static int cmd_user_del(struct cli *cli, int argc, char **argv)
{
	bool json = cli_take_json(&argc, argv);
	if (argc != 1)
		return cli_bad_args();
	char path[200], text[200];
	snprintf(path, sizeof(path), "/api/v1/notify/users/%s", argv[0]);
	json_t *res = NULL;
	int rc = cli_send_json(cli, "DELETE", path, NULL, &res);
	if (rc)
		return rc;
	snprintf(text, sizeof(text), "user %s removed", argv[0]);
	return cli_done(json, res, text);
}

static void user_row(struct cli_table *t, json_t *u)
{
	char tokens[CLI_INT_LEN], access[512] = "";
	size_t k;
	json_t *g;
	json_array_foreach(json_object_get(u, "grants"), k, g) {
		size_t n = strlen(access);
		snprintf(access + n, sizeof(access) - n, "%s%s:%s", n ? ", " : "",
			 cli_str_or(g, "topic", "?"),
			 cli_str_or(g, "permission", "?"));
	}
	cli_table_row(t, cli_str_or(u, "username", "?"),
		      cli_str_or(u, "role", "?"), cli_int_str(u, "tokens", tokens),
		      *access ? access : NULL);
}

static int cmd_user_list(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = {"USER", "ROLE", "TOKENS", "ACCESS",
					   NULL};
	return cli_list(cli, "notify user list", "/api/v1/notify/users", argc,
			argv, head, user_row);
}

/* "30d", "12h", "90m", "3600s" or a plain number of seconds; -1 when
 * it is none of those. */
static long long duration(const char *s)
{
	char *end;
	long long n = strtoll(s, &end, 10);
	if (end == s || n < 0)
		return -1;
	long long mult = !*end		     ? 1
			 : !strcmp(end, "s") ? 1
			 : !strcmp(end, "m") ? 60
			 : !strcmp(end, "h") ? 3600
			 : !strcmp(end, "d") ? 86400
					     : -1;
	if (mult < 0 || n > (1LL << 40))
		return -1;
	return n * mult;
}

static int cmd_token_add(struct cli *cli, int argc, char **argv)
{
	bool json = cli_take_json(&argc, argv);
	const char *label = take_opt(&argc, argv, "--label");
	const char *expires = take_opt(&argc, argv, "--expires");
	if (argc != 1)
		return cli_bad_args();
	long long until = 0;
	if (expires) {
		long long d = duration(expires);
		if (d <= 0) {
			fprintf(stderr, "--expires takes a duration (30d, 12h, "
				"90m, 3600s)\n");
			return CLI_USAGE;
		}
		until = (long long)time(NULL) + d;
	}
	json_t *body = json_pack("{s:s, s:s, s:I}", "username", argv[0], "label",
				 label ? label : "", "expires", (json_int_t)until);
	json_t *res = NULL;
	int rc = cli_send_json(cli, "POST", "/api/v1/notify/tokens", body, &res);
	json_decref(body);
	if (rc)
		return rc;
	char text[200];
	snprintf(text, sizeof(text), "token %s created for user %s",
		 cli_str_or(res, "token", "?"), argv[0]);
	return cli_done(json, res, text);
}

static int cmd_token_list(struct cli *cli, int argc, char **argv)
{
	char path[200];
	bool json = cli_take_json(&argc, argv);
	if (argc > 1)
		return cli_bad_args();
	snprintf(path, sizeof(path), "/api/v1/notify/tokens%s%s",
		 argc ? "?username=" : "", argc ? argv[0] : "");
	json_t *tokens = NULL;
	int rc = cli_request_json(cli, "GET", path, &tokens);
	if (rc)
		return rc;
	if (json) {
		cli_print_json(tokens);
		return CLI_OK;
	}
	struct cli_table t;
	cli_table_init(&t, 4);
	cli_table_row(&t, "USER", "TOKEN", "EXPIRES", "LABEL");
	size_t i;
	json_t *tk;
	json_array_foreach(tokens, i, tk) {
		char exp[40] = "never";
		time_t e = (time_t)json_integer_value(json_object_get(tk, "expires"));
		if (e) {
			struct tm tm;
			gmtime_r(&e, &tm);
			strftime(exp, sizeof(exp), "%Y-%m-%d %H:%M UTC", &tm);
		}
		char shown[40];
		snprintf(shown, sizeof(shown), "%s...", cli_str_or(tk, "token", "?"));
		cli_table_row(&t, cli_str_or(tk, "username", "?"), shown, exp,
			      cli_str_or(tk, "label", ""));
	}
	cli_table_print(&t, stdout);
	json_decref(tokens);
	return CLI_OK;
}

static int cmd_token_del(struct cli *cli, int argc, char **argv)
{
	bool json = cli_take_json(&argc, argv);
	if (argc != 1)
		return cli_bad_args();
	char path[200], text[200];
	snprintf(path, sizeof(path), "/api/v1/notify/tokens/%s", argv[0]);
	json_t *res = NULL;
	int rc = cli_send_json(cli, "DELETE", path, NULL, &res);
	if (rc)
		return rc;
	snprintf(text, sizeof(text), "token %s removed",
		 cli_str_or(res, "token", argv[0]));
	return cli_done(json, res, text);
}

/* The ACL (only @user's entries and everyone's when @user is given). */
static int access_list(struct cli *cli, bool json, const char *user)
{
	json_t *a = NULL;
	int rc = cli_request_json(cli, "GET", "/api/v1/notify/access", &a);
	if (rc)
		return rc;
	if (user) {
		json_t *all = json_object_get(a, "access"), *keep = json_array();
		size_t k;
		json_t *e;
		json_array_foreach(all, k, e) {
			const char *u = cli_str_or(e, "username", "");
			if (!strcmp(u, user) || !strcmp(u, "*"))
				json_array_append(keep, e);
		}
		json_object_set_new(a, "access", keep);
	}
	if (json) {
		cli_print_json(a);
		return CLI_OK;
	}
	struct cli_table t;
	cli_table_init(&t, 3);
	cli_table_row(&t, "USER", "TOPIC", "PERMISSION");
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(a, "access"), i, e) {
		const char *u = cli_str_or(e, "username", "?");
		cli_table_row(&t, strcmp(u, "*") ? u : "* (everyone)",
			      cli_str_or(e, "topic", "?"),
			      cli_str_or(e, "permission", "?"));
	}
	cli_table_row(&t, "(default)", "*", cli_str_or(a, "default", "?"));
	cli_table_print(&t, stdout);
	json_decref(a);
	return CLI_OK;
}

/* `notify access`: the list; `notify access USER TOPIC PERM`: a grant
 * (PERM read-write|read-only|write-only|deny, or reset to remove it). */
static int cmd_access(struct cli *cli, int argc, char **argv)
{
	bool json = cli_take_json(&argc, argv);
	if (argc <= 1)
		return access_list(cli, json, argc ? argv[0] : NULL);
	if (argc != 3)
		return cli_bad_args();
	char text[300];
	json_t *res = NULL;
	int rc;
	if (strcmp(argv[2], "reset") == 0) {
		char path[300];
		snprintf(path, sizeof(path), "/api/v1/notify/access/%s/%s",
			 argv[0], argv[1]);
		rc = cli_send_json(cli, "DELETE", path, NULL, &res);
		snprintf(text, sizeof(text), "access of %s to %s reset", argv[0],
			 argv[1]);
	} else {
		json_t *body = json_pack("{s:s, s:s, s:s}", "username", argv[0],
					 "topic", argv[1], "permission", argv[2]);
		rc = cli_send_json(cli, "POST", "/api/v1/notify/access", body, &res);
		json_decref(body);
		snprintf(text, sizeof(text), "%s may %s topic %s",
			 strcmp(argv[0], "*") ? argv[0] : "everyone",
			 cli_str_or(res, "permission", argv[2]), argv[1]);
	}
	if (rc)
		return rc;
	return cli_done(json, res, text);
}

const struct cli_command notify_cli_commands[] = {
	{"notify user add", "NAME [--role user|admin] [--password-file FILE] "
	 "[--json]", "add an ntfy user (password asked, read from stdin, or "
	 "from FILE)", 1, 6, cmd_user_add},
	{"notify user passwd", "NAME [--password-file FILE] [--json]",
	 "change a user's password", 1, 4, cmd_user_passwd},
	{"notify user del", "NAME [--json]",
	 "remove a user with its tokens and access", 1, 2, cmd_user_del},
	{"notify user list", "[--json]", "the users, roles and their access",
	 0, 1, cmd_user_list},
	{"notify token add", "USER [--label TEXT] [--expires 30d] [--json]",
	 "create an access token (tk_...) for USER; shown once", 1, 6,
	 cmd_token_add},
	{"notify token list", "[USER] [--json]",
	 "the tokens (their first characters)", 0, 2, cmd_token_list},
	{"notify token del", "TOKEN [--json]",
	 "remove a token (whole, or the start a list shows)", 1, 2,
	 cmd_token_del},
	{"notify access", "[USER [TOPIC PERM]] [--json]",
	 "the ACL (of USER and everyone); or let USER ('*': everyone) PERM "
	 "(read-write, read-only, write-only, deny, reset) on TOPIC (* "
	 "wildcards)", 0, 4, cmd_access},
	{NULL, NULL, NULL, 0, 0, NULL},
};
