/* SPDX-License-Identifier: MIT */
/* `hearth backup key list|add|remove|passwd` and the backup section's defaults from -c CONFIG. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup/backup_room.h"
#include "backup/cli_priv.h"
#include "backup/config.h"
#include "proto/backup/keyfile.h"

const char *backup_cli_config_value(struct cli *cli, int which)
{
	static char value[2][4096];
	struct config *cfg = NULL;
	struct cfg_error err;
	if (!cli->schema || config_load_file(cli->schema, cli->config, &cfg,
					     &err))
		return NULL;
	const struct cfg_backup *b = backup_config(cfg);
	const char *v = b ? (which ? b->password_file : b->repository) : NULL;
	if (v)
		snprintf(value[which], sizeof(value[which]), "%s", v);
	config_unref(cfg);
	return v ? value[which] : NULL;
}


/* restic shows times as "2006-01-02 15:04:05" in local time. */
void backup_cli_show_time(const char *t, char *out, size_t cap)
{
	struct tm tm = {0};
	const char *end = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end) {
		snprintf(out, cap, "%s", t);
		return;
	}
	while (*end == '.' || (*end >= '0' && *end <= '9'))
		end++;
	long off = 0;
	if (*end == '+' || *end == '-') {
		int hh = 0, mm = 0;
		if (sscanf(end + 1, "%2d:%2d", &hh, &mm) == 2)
			off = (hh * 3600L + mm * 60L) * (*end == '-' ? -1 : 1);
	}
	time_t s = timegm(&tm) - off;
	struct tm lt;
	localtime_r(&s, &lt);
	strftime(out, cap, "%Y-%m-%d %H:%M:%S", &lt);
}

struct key_rows {
	struct backup_repo *repo;
	json_t *list;
};

static int key_row(const char *name, uint64_t size, void *ud)
{
	struct key_rows *kr = ud;
	(void)size;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct backup_keyfile kf;
	const char *why = "cannot be read";
	int rc = kr->repo->be->ops->load(kr->repo->be, BACKUP_FILE_KEY, name,
					 BACKUP_KEYFILE_MAX, &buf, &len);
	if (!rc)
		rc = backup_keyfile_parse((const char *)buf, len, &kf, &why);
	free(buf);
	if (rc) {
		fprintf(stderr, "hearth: backup: key %.8s: %s\n", name, why);
		return 0;
	}
	char cur[BACKUP_ID_HEX], created[64], shortid[9];
	backup_id_hex(kr->repo->key_id, cur);
	backup_cli_show_time(kf.created, created, sizeof(created));
	snprintf(shortid, sizeof(shortid), "%.8s", name);
	json_array_append_new(kr->list,
			      json_pack("{s:b,s:s,s:s,s:s,s:s}", "current",
					!strcmp(cur, name), "id", shortid,
					"userName", kf.username, "hostName",
					kf.hostname, "created", created));
	return 0;
}

int backup_cmd_key_list(struct cli *cli, int argc, char **argv)
{
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	int rc = backup_cli_open_bare(cli, argc, argv, &o, &repo);
	if (rc)
		return rc;
	struct key_rows kr = {repo, json_array()};
	rc = repo->be->ops->list(repo->be, BACKUP_FILE_KEY, key_row, &kr);
	backup_repo_close(repo);
	if (rc) {
		json_decref(kr.list);
		return backup_cli_fail("cannot list the keys", rc);
	}
	if (o.json) {
		char *s = json_dumps(kr.list, JSON_COMPACT | JSON_PRESERVE_ORDER);
		puts(s ? s : "[]");
		free(s);
		json_decref(kr.list);
		return CLI_OK;
	}
	struct cli_table t;
	cli_table_init(&t, 4);
	cli_table_row(&t, " ID", "User", "Host", "Created");
	size_t i;
	json_t *k;
	json_array_foreach(kr.list, i, k) {
		char id[16];
		snprintf(id, sizeof(id), "%s%s",
			 json_is_true(json_object_get(k, "current")) ? "*" : " ",
			 cli_str_or(k, "id", ""));
		cli_table_row(&t, id, cli_str_or(k, "userName", ""),
			      cli_str_or(k, "hostName", ""),
			      cli_str_or(k, "created", ""));
	}
	cli_table_print(&t, stdout);
	json_decref(kr.list);
	return CLI_OK;
}

static char *new_password(const char *file)
{
	char *pw = backup_cli_password(file, "HEARTH_BACKUP_NEW_PASSWORD",
				       "RESTIC_NEW_PASSWORD",
				       "enter new password: ", 1);
	if (pw && !*pw) {
		free(pw);
		fprintf(stderr, "hearth: backup: an empty password is not a "
				"password\n");
		return NULL;
	}
	return pw;
}

static int add_key(struct cli *cli, int argc, char **argv, int passwd)
{
	static const char *const own[] = {"--new-password-file", NULL};
	const char *vals[1] = {NULL};
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	int rc = backup_cli_open(cli, &argc, argv, own, vals, &o, &repo);
	if (rc)
		return rc;
	char *pw = argc ? NULL : new_password(vals[0]);
	if (!pw) {
		backup_repo_close(repo);
		return argc ? cli_bad_args() : CLI_FAILED;
	}
	struct backup_kdf_params kp;
	backup_kdf_defaults(&kp);
	uint8_t id[32];
	rc = backup_repo_add_key(repo, pw, &kp, id);
	free(pw);
	char hex[BACKUP_ID_HEX], old[BACKUP_ID_HEX];
	backup_id_hex(id, hex);
	backup_id_hex(repo->key_id, old);
	if (!rc && passwd)
		rc = repo->be->ops->remove(repo->be, BACKUP_FILE_KEY, old);
	backup_repo_close(repo);
	if (rc)
		return backup_cli_fail(NULL, rc);
	if (passwd)
		printf("saved new key as %.8s, removed %.8s\n", hex, old);
	else
		printf("saved new key as %.8s\n", hex);
	return CLI_OK;
}

int backup_cmd_key_add(struct cli *cli, int argc, char **argv)
{
	return add_key(cli, argc, argv, 0);
}

int backup_cmd_key_passwd(struct cli *cli, int argc, char **argv)
{
	return add_key(cli, argc, argv, 1);
}

int backup_cmd_key_remove(struct cli *cli, int argc, char **argv)
{
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	int rc = backup_cli_open(cli, &argc, argv, NULL, NULL, &o, &repo);
	if (rc)
		return rc;
	uint8_t id[32];
	rc = argc == 1 ? backup_cli_resolve(repo, BACKUP_FILE_KEY, argv[0], id)
		       : cli_bad_args();
	if (!rc && !memcmp(id, repo->key_id, 32)) {
		fprintf(stderr, "hearth: backup: refusing to remove key "
				"currently used to access repository\n");
		rc = CLI_FAILED;
	}
	char hex[BACKUP_ID_HEX];
	backup_id_hex(id, hex);
	if (!rc && repo->be->ops->remove(repo->be, BACKUP_FILE_KEY, hex))
		rc = backup_cli_fail("cannot remove the key file", 0);
	if (!rc)
		printf("removed key %.8s\n", hex);
	backup_repo_close(repo);
	return rc;
}
