/* SPDX-License-Identifier: MIT */
/* Unit tests of the daemon's room lifecycle: bind after open, two-phase reload, migrations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "base/log.h"
#include "core/config_schema.h"
#include "core/daemon.h"
#include "core/daemon_priv.h"
#include "core/room.h"

#pragma GCC diagnostic ignored "-Woverride-init"

/* A fake room: its section has one key, `refuse`, that makes it refuse a
 * reload; it records what the daemon asked of it. */
struct fake_cfg {
	bool refuse;
	int64_t value;
};

struct fake {
	const char *name;
	int opened, bound, started, prepared, committed, aborted, closed;
	int64_t value; /* as committed */
	struct room_dns_registrar offer;
	struct room_dns_registrar *seen; /* what bind() found */
	const struct room_def *def;
};

static struct fake fakes[2];

static const struct cfg_field fake_fields[] = {
	CFG_FIELD(.key = "refuse", .type = CFG_BOOL,
		  .off = CFG_F(struct fake_cfg, refuse), .def = "false",
		  .reloadable = true, .help = "refuse the next reload"),
	CFG_FIELD(.key = "value", .type = CFG_INT,
		  .off = CFG_F(struct fake_cfg, value), .def = "0", .min = 0,
		  .max = 100, .reloadable = true, .help = "a value"),
};
static const struct cfg_section fake_section = {
	.fields = fake_fields, .n_fields = CFG_N(fake_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

static int f_open(const struct room_ctx *ctx, const struct config *cfg,
		  void **room);
static int f_bind(void *room, struct room_services *svc)
{
	struct fake *f = room;
	f->bound++;
	f->seen = svc->dns;
	return 0;
}
static int f_start(void *room)
{
	((struct fake *)room)->started++;
	return 0;
}
static int f_prepare(void *room, const struct config *cfg, void **staged,
		     struct room_refusal *why)
{
	struct fake *f = room;
	const struct fake_cfg *c = room_config(cfg, f->def);
	if (c->refuse) {
		snprintf(why->msg, sizeof(why->msg), "told to refuse");
		return -EINVAL;
	}
	f->prepared++;
	*staged = f;
	return 0;
}
static void f_commit(void *room, const struct config *cfg, void *staged)
{
	struct fake *f = room;
	assert_ptr_equal(staged, f);
	f->committed++;
	f->value = ((const struct fake_cfg *)room_config(cfg, f->def))->value;
}
static void f_abort(void *room, void *staged)
{
	struct fake *f = room;
	assert_ptr_equal(staged, f);
	f->aborted++;
}
static void f_close(void *room)
{
	((struct fake *)room)->closed++;
}
static const char *f_state(void *room)
{
	(void)room;
	return "running";
}

static const struct room_ops fake_ops = {
	.open = f_open, .bind = f_bind, .start = f_start,
	.reload_prepare = f_prepare, .reload_commit = f_commit,
	.reload_abort = f_abort, .close = f_close, .state = f_state,
};

static const char *const first_migrations[] = {
	"CREATE TABLE first_t (x INTEGER);", NULL};

static const struct room_def first_def = {
	.name = "first", .help = "a fake room", .config = &fake_section,
	.config_size = sizeof(struct fake_cfg), .ops = &fake_ops,
	.migrations = first_migrations,
};
static const struct room_def second_def = {
	.name = "second", .help = "a fake room", .config = &fake_section,
	.config_size = sizeof(struct fake_cfg), .ops = &fake_ops,
};
static const struct room_def *const rooms[] = {&first_def, &second_def,
					       NULL};

static int f_open(const struct room_ctx *ctx, const struct config *cfg,
		  void **room)
{
	(void)cfg;
	struct fake *f = NULL;
	for (int i = 0; i < 2; i++)
		if (!fakes[i].def) {
			f = &fakes[i];
			break;
		}
	assert_non_null(f);
	f->def = f == &fakes[0] ? &first_def : &second_def;
	f->opened++;
	/* The second room offers a service the first one uses: the first
	 * must find it in bind(), though it opened before it existed. */
	if (f->def == &second_def)
		ctx->services->dns = &f->offer;
	*room = f;
	return 0;
}

struct fixture {
	char dir[64], path[96];
	struct config_schema schema;
	struct daemon *d;
};

static void write_config(struct fixture *fx, const char *rooms_yaml)
{
	FILE *fp = fopen(fx->path, "w");
	assert_non_null(fp);
	fprintf(fp, "state_dir: %s/state\n%s", fx->dir, rooms_yaml);
	fclose(fp);
}

static int rm_entry(const char *p, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	memset(fakes, 0, sizeof(fakes));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/hearth-test-daemon-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/c.yaml", fx->dir);
	assert_int_equal(config_schema_init(&fx->schema, rooms), 0);
	write_config(fx, "first: {value: 1}\nsecond: {value: 2}\n");
	struct config *cfg = NULL;
	struct cfg_error err;
	assert_int_equal(config_load_file(&fx->schema, fx->path, &cfg, &err), 0);
	struct daemon_opts opts = {.config_path = fx->path, .rooms = rooms,
				   .schema = &fx->schema};
	assert_int_equal(daemon_new(cfg, &opts, &fx->d), 0);
	config_unref(cfg);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	daemon_free(fx->d);
	nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static void test_open_then_bind(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fakes[i].opened, 1);
		assert_int_equal(fakes[i].bound, 1);
	}
	/* Bound after both opened: the first sees what the second offers. */
	assert_ptr_equal(fakes[0].seen, &fakes[1].offer);
	assert_ptr_equal(fakes[1].seen, &fakes[1].offer);
}

static void test_reload_refused_by_one_changes_none(void **state)
{
	struct fixture *fx = *state;
	struct cfg_error err;
	const struct config *before = fx->d->cfg;

	write_config(fx, "first: {value: 5}\nsecond: {value: 6, refuse: true}\n");
	assert_int_not_equal(daemon_reload(fx->d, &err, NULL), 0);
	assert_non_null(strstr(err.msg, "room second refused it: told to "
					"refuse"));
	/* The first prepared and was told to abort; nobody committed. */
	assert_int_equal(fakes[0].prepared, 1);
	assert_int_equal(fakes[0].aborted, 1);
	assert_int_equal(fakes[0].committed + fakes[1].committed, 0);
	assert_int_equal(fakes[1].aborted, 0);
	assert_ptr_equal(fx->d->cfg, before);
	assert_int_equal(fx->d->reloads_failed, 1);
	assert_int_equal(fx->d->reloads_ok, 0);

	write_config(fx, "first: {value: 7}\nsecond: {value: 8}\n");
	assert_int_equal(daemon_reload(fx->d, &err, NULL), 0);
	assert_int_equal(fakes[0].committed, 1);
	assert_int_equal(fakes[1].committed, 1);
	assert_int_equal(fakes[0].value, 7);
	assert_int_equal(fakes[1].value, 8);
	assert_ptr_not_equal(fx->d->cfg, before);
	assert_int_equal(fx->d->reloads_ok, 1);
}

static void test_bad_file_reaches_no_room(void **state)
{
	struct fixture *fx = *state;
	struct cfg_error err;
	write_config(fx, "first: {value: 500}\n");
	assert_int_not_equal(daemon_reload(fx->d, &err, NULL), 0);
	assert_int_equal(err.line, 2);
	assert_int_equal(fakes[0].prepared + fakes[1].prepared, 0);
}

/* An empty, comment-only or partial file would turn running rooms off by
 * omission: refused, unless the section says enabled: false. */
static void test_reload_turns_off_only_on_purpose(void **state)
{
	struct fixture *fx = *state;
	struct cfg_error err;
	const struct config *before = fx->d->cfg;
	const char *const omissions[] = {
		"", "# nothing but a comment\n", "first: {value: 3}\n",
		"log: {level: info}\n",
	};
	for (size_t i = 0; i < sizeof(omissions) / sizeof(*omissions); i++) {
		write_config(fx, omissions[i]);
		assert_int_not_equal(daemon_reload(fx->d, &err, NULL), 0);
		assert_non_null(strstr(err.msg, "is running and the file has "
						"no"));
		assert_non_null(strstr(err.msg, "{enabled: false}"));
		assert_ptr_equal(fx->d->cfg, before);
	}
	assert_non_null(strstr(err.msg, "room first"));
	assert_int_equal(fakes[0].prepared + fakes[1].prepared, 0);
	assert_int_equal(fx->d->reloads_failed, 4);

	/* Said explicitly: the second is off (at restart), the first
	 * reloads; the second keeps its config and is not asked. */
	json_t *restart = json_array();
	write_config(fx, "first: {value: 3}\nsecond: {enabled: false, "
			 "value: 9}\n");
	assert_int_equal(daemon_reload(fx->d, &err, restart), 0);
	assert_int_equal(fakes[0].committed, 1);
	assert_int_equal(fakes[0].value, 3);
	assert_int_equal(fakes[1].prepared + fakes[1].committed, 0);
	assert_false(room_enabled(fx->d->cfg, &second_def));
	assert_true(room_disabled(fx->d->cfg, &second_def));
	assert_string_equal(json_string_value(json_array_get(restart, 0)),
			    "second");
	json_decref(restart);
	/* enabled takes a bool only. */
	write_config(fx, "first: {enabled: 1}\nsecond: {}\n");
	assert_int_not_equal(daemon_reload(fx->d, &err, NULL), 0);
	assert_non_null(strstr(err.msg, "'enabled' must be true or false"));
}

/* A loopback port free right now (the http section needs one to bind). */
static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t n = sizeof(a);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* The lab section and the management key, too, go only when said so. */
static void test_reload_keeps_lab_and_key(void **state)
{
	struct fixture *fx = *state;
	struct cfg_error err;
	char rooms_yaml[128];
	snprintf(rooms_yaml, sizeof(rooms_yaml), "first: {}\nsecond: {}\n"
		 "http: {listen: '127.0.0.1:%d', ", free_port());
	daemon_free(fx->d);
	fx->d = NULL;
	memset(fakes, 0, sizeof(fakes));
	char yaml[512];
	snprintf(yaml, sizeof(yaml), "%sapi_key: k}\nlab: {domain: "
		 "lab.example}\n", rooms_yaml);
	write_config(fx, yaml);
	struct config *cfg = NULL;
	assert_int_equal(config_load_file(&fx->schema, fx->path, &cfg, &err), 0);
	struct daemon_opts opts = {.config_path = fx->path, .rooms = rooms,
				   .schema = &fx->schema};
	assert_int_equal(daemon_new(cfg, &opts, &fx->d), 0);
	config_unref(cfg);
	const struct config *before = fx->d->cfg;

	snprintf(yaml, sizeof(yaml), "%sapi_key: k}\n", rooms_yaml);
	write_config(fx, yaml);
	assert_int_not_equal(daemon_reload(fx->d, &err, NULL), 0);
	assert_non_null(strstr(err.msg, "no 'lab' section"));
	assert_non_null(strstr(err.msg, "lab: {enabled: false}"));

	for (size_t i = 0; i < 2; i++) {
		if (i == 0)
			snprintf(yaml, sizeof(yaml), "%smax_connections: 9}\n"
				 "lab: {}\n", rooms_yaml);
		else /* no http section at all */
			snprintf(yaml, sizeof(yaml), "first: {}\nsecond: {}\n"
				 "lab: {}\n");
		write_config(fx, yaml);
		assert_int_not_equal(daemon_reload(fx->d, &err, NULL), 0);
		assert_non_null(strstr(err.msg, "no http.api_key"));
		assert_non_null(strstr(err.msg, "api_key: \"\""));
	}
	assert_ptr_equal(fx->d->cfg, before);
	assert_string_equal(fx->d->cfg->http.api_key, "k");
	assert_true(fx->d->cfg->lab.enabled);

	snprintf(yaml, sizeof(yaml), "%sapi_key: \"\"}\nlab: {enabled: false, "
		 "domain: x.example}\n", rooms_yaml);
	write_config(fx, yaml);
	assert_int_equal(daemon_reload(fx->d, &err, NULL), 0);
	assert_false(fx->d->cfg->lab.enabled);
	assert_true(fx->d->cfg->lab.disabled);
	assert_string_equal(fx->d->cfg->http.api_key, "");
	/* Nothing runs that a keyless file would drop now. */
	snprintf(yaml, sizeof(yaml), "%smax_connections: 9}\n", rooms_yaml);
	write_config(fx, yaml);
	assert_int_equal(daemon_reload(fx->d, &err, NULL), 0);
}

static void test_migrations_per_room(void **state)
{
	struct fixture *fx = *state;
	int v = -1;
	assert_int_equal(store_room_version(fx->d->store, "first", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(store_room_version(fx->d->store, "second", &v), 0);
	assert_int_equal(v, 0);
}

int main(void)
{
	log_set_level(LOG_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_then_bind, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_reload_refused_by_one_changes_none, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_bad_file_reaches_no_room,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrations_per_room, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_reload_turns_off_only_on_purpose, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_keeps_lab_and_key,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
