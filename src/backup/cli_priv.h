/* SPDX-License-Identifier: MIT */
/* What the backup room's CLI files share: global options, password, opening the repository. */
#ifndef HEARTH_BACKUP_CLI_PRIV_H
#define HEARTH_BACKUP_CLI_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "backup/repo.h"
#include "core/cli.h"

/* restic's global options as given (strings point into argv/env). */
struct backup_cli_opts {
	const char *repo;
	const char *password_file;
	int json, quiet;
};

/*
 * Takes restic's global options (-r/--repo, --password-file, --json,
 * -q) and the command's own valued options @own (NULL-terminated long
 * names; their values into @own_vals) out of @argv, anywhere in it;
 * fills the repository from the environment when -r is absent. What is
 * left in argv are the positional arguments. Returns a cli_exit code
 * (CLI_USAGE with the reason printed).
 */
int backup_cli_options(struct cli *cli, int *argc, char **argv,
		       const char *const *own, const char **own_vals,
		       struct backup_cli_opts *o);
/* Takes option @lng (or @shrt, may be NULL) at argv[i] out of argv: with
 * @want_val its value ("--x=V" or "--x V", or -x V) into *val, else a flag
 * (*val NULL). Returns 1 when taken, -1 when the value is missing, 0
 * otherwise. argv stays NULL-terminated. */
int backup_cli_take(int *argc, char **argv, int i, const char *lng, const char *shrt,
		    bool want_val, const char **val);
/* Takes every --flag (or its short form, may be NULL) out of argv; 1 when
 * there was one. */
int backup_cli_take_flag(int *argc, char **argv, const char *lng, const char *shrt);
/* qsort order of C strings (an array of char *). */
int backup_cli_cmp_str(const void *a, const void *b);
/* The options, the password, then backup_repo_open; prints the reason
 * and returns CLI_FAILED when the repository does not open. */
int backup_cli_open(struct cli *cli, int *argc, char **argv,
		    const char *const *own, const char **own_vals,
		    struct backup_cli_opts *o, struct backup_repo **repo);
/* backup_cli_open for a command without positional arguments: when some
 * are left, the repository is closed again and CLI_USAGE returned. */
int backup_cli_open_bare(struct cli *cli, int argc, char **argv,
			 struct backup_cli_opts *o, struct backup_repo **repo);
/* A password from @file, else $env_a, $env_b (then the *_PASSWORD_FILE
 * variables for the repository's own), else a prompt on a TTY (asked
 * twice with @confirm, as restic does for new passwords); malloc'd or
 * NULL (reason printed). */
char *backup_cli_password(const char *file, const char *env_a,
			  const char *env_b, const char *prompt, int confirm);
/* Prints "hearth: backup: WHY" and returns CLI_FAILED. */
int backup_cli_fail(const char *why, int rc);
/* A unique id or prefix of type @t into @id; CLI_FAILED with why. */
int backup_cli_resolve(struct backup_repo *repo, enum backup_file t,
		       const char *arg, uint8_t id[32]);
/* backup.repository (0) or backup.password_file (1) of the -c config;
 * a static copy, or NULL. */
const char *backup_cli_config_value(struct cli *cli, int which);

/* An RFC 3339 time as restic shows it: local "2006-01-02 15:04:05". */
void backup_cli_show_time(const char *t, char *out, size_t cap);

int backup_cmd_snapshots(struct cli *cli, int argc, char **argv);
/* cli_jobs.c: the daemon's jobs, over its API */
int backup_cmd_jobs(struct cli *cli, int argc, char **argv);
int backup_cmd_jobs_run(struct cli *cli, int argc, char **argv);
int backup_cmd_jobs_history(struct cli *cli, int argc, char **argv);
/* cli_backup.c */
int backup_cmd_backup(struct cli *cli, int argc, char **argv);
/* `backup libvirt-recover --libvirt-state FILE`: undoes what a killed live-volume backup left. */
int backup_cmd_libvirt_recover(struct cli *cli, int argc, char **argv);
int backup_cmd_restore(struct cli *cli, int argc, char **argv);
int backup_cmd_key_list(struct cli *cli, int argc, char **argv);
int backup_cmd_key_add(struct cli *cli, int argc, char **argv);
int backup_cmd_key_remove(struct cli *cli, int argc, char **argv);
int backup_cmd_key_passwd(struct cli *cli, int argc, char **argv);
/* serve.c */
int backup_cmd_serve(struct cli *cli, int argc, char **argv);

struct backup_snap;
struct backup_snap_filter;
/* Every value of a repeatable option (--host A --host B) out of argv
 * into *vals (malloc'd array of pointers into argv; free it). */
int backup_cli_take_multi(int *argc, char **argv, const char *lng, const char *shrt,
			  const char ***vals, size_t *n);
/* restic's --host, --tag T[,T], --path (repeatable) into @f
 * (backup_cli_filter_free). */
int backup_cli_filter_options(int *argc, char **argv, struct backup_snap_filter *f);
void backup_cli_filter_free(struct backup_snap_filter *f);
/* restic's snapshot table (with a Reasons column when @reasons, each
 * '\n'-separated), in the order given. */
void backup_cli_snap_table(struct backup_snap *const *v, size_t n, const char *const *reasons);
/* cli_forget.c */
int backup_cmd_forget(struct cli *cli, int argc, char **argv);
int backup_cmd_prune(struct cli *cli, int argc, char **argv);
/* cli_browse.c */
int backup_cmd_ls(struct cli *cli, int argc, char **argv);
int backup_cmd_stats(struct cli *cli, int argc, char **argv);
int backup_cmd_tag(struct cli *cli, int argc, char **argv);
/* cli_diff.c */
int backup_cmd_diff(struct cli *cli, int argc, char **argv);
int backup_cmd_dump(struct cli *cli, int argc, char **argv);
/* mount.c */
int backup_cmd_mount(struct cli *cli, int argc, char **argv);
/* cli_copy.c */
int backup_cmd_copy(struct cli *cli, int argc, char **argv);
/* The source repository of copy and init --copy-chunker-params: --from-repo
 * (or HEARTH_BACKUP_FROM_REPOSITORY, RESTIC_FROM_REPOSITORY) opened with
 * --from-password-file (or the *_FROM_PASSWORD[_FILE] variables). */
int backup_cli_open_from(const char *repo_opt, const char *pwfile_opt, struct backup_repo **src);

struct backup_snaps;
struct bk_snapshot;
struct bk_time;
/* Prints @j compact on one line as restic's --json does; takes the reference. */
void backup_cli_print_compact(json_t *j);
/* Go's os.FileMode.String() ("drwxr-xr-x", "Lrwxrwxrwx", "Dcrw-rw-rw-"). */
void backup_go_mode_string(uint32_t m, char out[16]);
/* A time as restic's JSON has it (RFC 3339, nanoseconds), a new string. */
json_t *backup_json_time(const struct bk_time *t);
/* Go's time.Time.String(): "2026-12-02 04:18:32.509245674 +0000 UTC". */
void backup_go_time_string(const struct bk_time *t, char *out, size_t cap);
/* "latest" (newest the filter matches) or an id prefix; NULL, reason printed. */
const struct backup_snap *backup_cli_pick(struct backup_snaps *ss, const char *arg,
					  const struct backup_snap_filter *f);
/* Saves @s as a new snapshot file (restic's JSON), its id into @id. */
int backup_cli_save_snapshot(struct backup_repo *repo, const struct bk_snapshot *s,
			     uint8_t id[32]);

#endif
