/* SPDX-License-Identifier: MIT */
/* `hearth backup …`: restic's global options and environment, and the repository commands (init, key, cat, list, snapshots). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/backup_room.h"
#include "backup/check.h"
#include "backup/cli_priv.h"
#include "backup/exitcode.h"
#include "backup/lock.h"
#include "backup/repo.h"
#include "proto/backup/keyfile.h"

/* An environment variable, an empty one counting as unset. */
static const char *env(const char *name)
{
	const char *v = name ? getenv(name) : NULL;
	return v && *v ? v : NULL;
}

int backup_cli_take(int *argc, char **argv, int i, const char *lng, const char *shrt,
		    bool want_val, const char **val)
{
	size_t ll = strlen(lng);
	int drop = 0;

	*val = NULL;
	if (want_val && !strncmp(argv[i], lng, ll) && argv[i][ll] == '=') {
		*val = argv[i] + ll + 1;
		drop = 1;
	} else if (!strcmp(argv[i], lng) || (shrt && !strcmp(argv[i], shrt))) {
		if (want_val) {
			if (i + 1 >= *argc)
				return -1;
			*val = argv[i + 1];
		}
		drop = want_val ? 2 : 1;
	}
	if (!drop)
		return 0;
	memmove(argv + i, argv + i + drop, (size_t)(*argc - i - drop + 1) * sizeof *argv);
	*argc -= drop;
	return 1;
}

int backup_cli_open_bare(struct cli *cli, int argc, char **argv,
			 struct backup_cli_opts *o, struct backup_repo **repo)
{
	int rc = backup_cli_open(cli, &argc, argv, NULL, NULL, o, repo);
	if (rc)
		return rc;
	if (argc) {
		backup_repo_close(*repo);
		*repo = NULL;
		return cli_bad_args();
	}
	return 0;
}

/* Options restic takes everywhere; the command's own come back in argv. */
static int take_opt(int *argc, char **argv, int *i, const char *s,
		    const char *l, const char **val)
{
	int r = backup_cli_take(argc, argv, *i, l, s, true, val);

	if (r > 0)
		(*i)--;
	return r;
}

int backup_cli_options(struct cli *cli, int *argc, char **argv,
		       const char *const *own, const char **own_vals,
		       struct backup_cli_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < *argc; i++) {
		const char *v = NULL;
		int r;
		if ((r = take_opt(argc, argv, &i, "-r", "--repo", &v)) ||
		    (r = take_opt(argc, argv, &i, NULL, "--repository", &v))) {
			if (r < 0)
				goto missing;
			o->repo = v;
			continue;
		}
		if ((r = take_opt(argc, argv, &i, "-o", "--option", &v))) {
			if (r < 0)
				goto missing;
			int orc = backup_backend_set_option(v);
			if (orc) {
				fprintf(stderr, "hearth: backup: -o %s: %s\n", v,
					orc == -EINVAL ? "not KEY=VALUE of a known "
							 "option (sftp.config, "
							 "sftp.identity, "
							 "sftp.known_hosts, sftp.port, "
							 "sftp.user, rest.timeout)"
						       : "too many options");
				return CLI_USAGE;
			}
			continue;
		}
		if ((r = take_opt(argc, argv, &i, "-p", "--password-file", &v))) {
			if (r < 0)
				goto missing;
			o->password_file = v;
			continue;
		}
		int k = 0;
		for (; own && own[k]; k++) {
			if ((r = take_opt(argc, argv, &i, NULL, own[k], &v)))
				break;
		}
		if (own && own[k]) {
			if (r < 0)
				goto missing;
			own_vals[k] = v;
			continue;
		}
		const char *a = argv[i];
		if (!strcmp(a, "--json"))
			o->json = 1;
		else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			o->quiet = 1;
		else if (!strcmp(a, "--no-lock") || !strcmp(a, "--no-cache") ||
			 !strcmp(a, "-v") || !strcmp(a, "--verbose"))
			; /* accepted as restic does; nothing to do offline */
		else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "hearth: backup: unknown option '%s'\n",
				a);
			return CLI_USAGE;
		} else
			continue;
		memmove(argv + i, argv + i + 1,
			(size_t)(*argc - i) * sizeof(*argv));
		(*argc)--;
		i--;
	}
	if (!o->repo)
		o->repo = env("HEARTH_BACKUP_REPOSITORY");
	if (!o->repo)
		o->repo = env("RESTIC_REPOSITORY");
	if (!o->repo && cli->config) {
		/* Only when a config is named: its backup.repository. */
		o->repo = backup_cli_config_value(cli, 0);
		if (!o->password_file)
			o->password_file = backup_cli_config_value(cli, 1);
	}
	if (!o->repo || !*o->repo) {
		fprintf(stderr, "hearth: backup: no repository: give -r/--repo, "
				"or set HEARTH_BACKUP_REPOSITORY or "
				"RESTIC_REPOSITORY\n");
		return CLI_USAGE;
	}
	return CLI_OK;
missing:
	fprintf(stderr, "hearth: backup: option '%s' needs a value\n",
		argv[*argc - 1]);
	return CLI_USAGE;
}

/* restic reads a password file whole and trims white space around it. */
static char *read_password_file(const char *path)
{
	char *data = NULL;
	size_t len = 0;
	if (cli_read_file(path, &data, &len))
		return NULL;
	size_t a = 0;
	while (a < len && strchr(" \t\r\n", data[a]))
		a++;
	while (len > a && strchr(" \t\r\n", data[len - 1]))
		len--;
	memmove(data, data + a, len - a);
	data[len - a] = '\0';
	return data;
}

char *backup_cli_password(const char *file, const char *env_a,
			  const char *env_b, const char *prompt, int confirm)
{
	if (file)
		return read_password_file(file);
	const char *v = env(env_a);
	if (!v)
		v = env(env_b);
	if (v)
		return strdup(v);
	const char *pf = env("HEARTH_BACKUP_PASSWORD_FILE");
	if (!pf)
		pf = env("RESTIC_PASSWORD_FILE");
	if (pf && env_a && !strcmp(env_a, "HEARTH_BACKUP_PASSWORD"))
		return read_password_file(pf);
	if (isatty(STDIN_FILENO)) {
		char *p = getpass(prompt);
		char *first = p ? strdup(p) : NULL;
		if (first && confirm) {
			p = getpass("enter password again: ");
			if (!p || strcmp(p, first)) {
				free(first);
				fprintf(stderr, "hearth: backup: passwords do "
						"not match\n");
				return NULL;
			}
		}
		return first;
	}
	fprintf(stderr, "hearth: backup: no password: give --password-file, "
			"or set HEARTH_BACKUP_PASSWORD or RESTIC_PASSWORD\n");
	return NULL;
}

int backup_exit_code(int rc)
{
	switch (rc) {
	case BACKUP_ENOREPO: return BACKUP_EXIT_NOREPO;
	case -EBUSY: return BACKUP_EXIT_LOCKED;
	case BACKUP_EPASSWORD: return BACKUP_EXIT_PASSWORD;
	default: return CLI_FAILED;
	}
}

const char *backup_exit_meaning(int status)
{
	switch (status) {
	case CLI_USAGE: return "usage error";
	case BACKUP_EXIT_INCOMPLETE: return "some source files could not be read";
	case BACKUP_EXIT_NOREPO: return "repository does not exist";
	case BACKUP_EXIT_LOCKED: return "repository is locked";
	case BACKUP_EXIT_PASSWORD: return "wrong password";
	default: return NULL;
	}
}

/* restic's exit codes since 0.17 (exitcode.h): 10, 11, 12 for a missing
 * repository, a lock held, a wrong password; 1 for everything else. */
int backup_cli_fail(const char *why, int rc)
{
	fprintf(stderr, "hearth: backup: %s\n",
		why && *why ? why : backup_strerror(rc));
	return backup_exit_code(rc);
}

int backup_cli_open(struct cli *cli, int *argc, char **argv,
		    const char *const *own, const char **own_vals,
		    struct backup_cli_opts *o, struct backup_repo **repo)
{
	int rc = backup_cli_options(cli, argc, argv, own, own_vals, o);
	if (rc)
		return rc;
	char *pw = backup_cli_password(o->password_file,
				       "HEARTH_BACKUP_PASSWORD",
				       "RESTIC_PASSWORD",
				       "enter password for repository: ", 0);
	if (!pw)
		return CLI_FAILED;
	char why[512];
	rc = backup_repo_open(o->repo, pw, repo, why, sizeof(why));
	free(pw);
	return rc ? backup_cli_fail(why, rc) : CLI_OK;
}

int backup_cli_take_flag(int *argc, char **argv, const char *lng, const char *shrt)
{
	int seen = 0;
	for (int i = 0; i < *argc;) {
		const char *v;
		if (backup_cli_take(argc, argv, i, lng, shrt, false, &v) > 0)
			seen = 1;
		else
			i++;
	}
	return seen;
}

int backup_cli_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_init(struct cli *cli, int argc, char **argv)
{
	static const char *const own[] = {"--repository-version", "--from-repo",
					  "--from-password-file", NULL};
	const char *vals[3] = {NULL, NULL, NULL};
	struct backup_cli_opts o;
	int copy_params = backup_cli_take_flag(&argc, argv, "--copy-chunker-params", NULL);
	int rc = backup_cli_options(cli, &argc, argv, own, vals, &o);
	if (rc)
		return rc;
	if (argc)
		return cli_bad_args();
	uint64_t pol = 0;
	if (copy_params) {
		/* restic's init --from-repo SRC --copy-chunker-params */
		struct backup_repo *src = NULL;
		rc = backup_cli_open_from(vals[1], vals[2], &src);
		if (rc)
			return rc;
		pol = src->chunker_polynomial;
		backup_repo_close(src);
	} else if (vals[1]) {
		fprintf(stderr, "hearth: backup: --from-repo is for --copy-chunker-params\n");
		return CLI_USAGE;
	}
	int version = 2;
	if (vals[0] && !strcmp(vals[0], "1"))
		version = 1;
	else if (vals[0] && strcmp(vals[0], "2") && strcmp(vals[0], "latest")) {
		fprintf(stderr, "hearth: backup: --repository-version is 1, 2 "
				"or latest\n");
		return CLI_USAGE;
	}
	char *pw = backup_cli_password(o.password_file, "HEARTH_BACKUP_PASSWORD",
				       "RESTIC_PASSWORD",
				       "enter password for new repository: ", 1);
	if (!pw)
		return CLI_FAILED;
	if (!*pw) {
		free(pw);
		fprintf(stderr, "hearth: backup: an empty password is not a "
				"password\n");
		return CLI_FAILED;
	}
	struct backup_kdf_params kp;
	backup_kdf_defaults(&kp);
	struct backup_repo *repo;
	char why[512] = "";
	rc = backup_repo_init_pol(o.repo, pw, version, &kp, pol, &repo, why, sizeof(why));
	free(pw);
	if (rc)
		return backup_cli_fail(why, rc);
	char id[BACKUP_ID_HEX];
	backup_id_hex(repo->id, id);
	if (o.json)
		backup_cli_print_compact(json_pack("{s:s,s:s,s:s}", "message_type",
					 "initialized", "id", id, "repository",
					 o.repo));
	else
		printf("created restic repository %.10s at %s\n\nPlease note "
		       "that knowledge of your password is required to "
		       "access\nthe repository. Losing your password means "
		       "that your data is\nirrecoverably lost.\n",
		       id, o.repo);
	backup_repo_close(repo);
	return CLI_OK;
}

/* "ID" or a unique prefix of one, of type @t; says why not. */
int backup_cli_resolve(struct backup_repo *repo, enum backup_file t,
		       const char *arg, uint8_t id[32])
{
	int rc = backup_repo_find(repo, t, arg, id);
	if (rc == -EEXIST)
		fprintf(stderr, "hearth: backup: prefix %s matches more than "
				"one %s file\n", arg, backup_file_dir(t));
	else if (rc)
		fprintf(stderr, "hearth: backup: no %s file %s\n",
			backup_file_dir(t), arg);
	return rc ? CLI_FAILED : CLI_OK;
}

static int print_file(struct backup_repo *repo, enum backup_file t,
		      const char *arg)
{
	uint8_t id[32];
	if (backup_cli_resolve(repo, t, arg, id))
		return CLI_FAILED;
	uint8_t *text = NULL;
	size_t len = 0;
	int rc = backup_repo_load_file(repo, t, id, &text, &len);
	if (rc) {
		fprintf(stderr, "hearth: backup: %s/%s: %s\n",
			backup_file_dir(t), arg, backup_strerror(rc));
		return CLI_FAILED;
	}
	fwrite(text, 1, len, stdout);
	putchar('\n');
	free(text);
	return CLI_OK;
}

/* restic's `cat blob ID`: a data or tree blob's plaintext, through the
 * index (full id only, as restic). */
static int cat_blob(struct backup_repo *repo, const char *arg)
{
	uint8_t id[32];
	if (backup_id_parse(arg, id)) {
		fprintf(stderr, "hearth: backup: a blob id is 64 hex digits\n");
		return CLI_USAGE;
	}
	struct backup_index *idx = NULL;
	int rc = backup_repo_load_index(repo, 0, &idx, NULL);
	if (rc)
		return backup_cli_fail("cannot load the index", rc);
	uint8_t *out = NULL;
	size_t len = 0;
	rc = backup_repo_read_blob(repo, idx, id, BACKUP_BLOB_DATA, &out, &len);
	if (rc == -ENOENT)
		rc = backup_repo_read_blob(repo, idx, id, BACKUP_BLOB_TREE, &out,
					   &len);
	backup_index_free(idx);
	if (rc == -ENOENT) {
		fprintf(stderr, "hearth: backup: blob %.8s is not in the "
				"index\n", arg);
		return CLI_FAILED;
	}
	if (rc)
		return backup_cli_fail(NULL, rc);
	fwrite(out, 1, len, stdout);
	free(out);
	return CLI_OK;
}

static int cmd_cat(struct cli *cli, int argc, char **argv)
{
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	int rc = backup_cli_open(cli, &argc, argv, NULL, NULL, &o, &repo);
	if (rc)
		return rc;
	const char *what = argc ? argv[0] : "";
	rc = CLI_OK;
	if (!strcmp(what, "config") && argc == 1) {
		char id[BACKUP_ID_HEX], pol[32];
		backup_id_hex(repo->id, id);
		snprintf(pol, sizeof(pol), "%llx",
			 (unsigned long long)repo->chunker_polynomial);
		cli_print_json(json_pack("{s:i,s:s,s:s}", "version",
					 repo->version, "id", id,
					 "chunker_polynomial", pol));
	} else if (!strcmp(what, "masterkey") && argc == 1) {
		cli_print_json(backup_key_to_json(&repo->master));
	} else if (!strcmp(what, "key") && argc == 2) {
		uint8_t id[32];
		uint8_t *buf = NULL;
		size_t len = 0;
		char hex[BACKUP_ID_HEX];
		rc = backup_cli_resolve(repo, BACKUP_FILE_KEY, argv[1], id);
		if (!rc) {
			backup_id_hex(id, hex);
			if (repo->be->ops->load(repo->be, BACKUP_FILE_KEY, hex,
						BACKUP_KEYFILE_MAX, &buf, &len))
				rc = backup_cli_fail("cannot read the key file",
						     0);
		}
		if (!rc) {
			fwrite(buf, 1, len, stdout);
			putchar('\n');
		}
		free(buf);
	} else if (!strcmp(what, "blob") && argc == 2) {
		rc = cat_blob(repo, argv[1]);
	} else if ((!strcmp(what, "index") || !strcmp(what, "snapshot") ||
		    !strcmp(what, "lock")) && argc == 2) {
		enum backup_file t = what[0] == 'i'   ? BACKUP_FILE_INDEX
				     : what[0] == 's' ? BACKUP_FILE_SNAPSHOT
						      : BACKUP_FILE_LOCK;
		rc = print_file(repo, t, argv[1]);
	} else {
		fprintf(stderr, "usage: hearth backup cat config|masterkey|"
				"key ID|index ID|snapshot ID|lock ID|blob ID\n");
		rc = CLI_USAGE;
	}
	backup_repo_close(repo);
	return rc;
}

static int print_name(const char *name, uint64_t size, void *ud)
{
	(void)size;
	(void)ud;
	puts(name);
	return 0;
}

static int cmd_list(struct cli *cli, int argc, char **argv)
{
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	int rc = backup_cli_open(cli, &argc, argv, NULL, NULL, &o, &repo);
	if (rc)
		return rc;
	static const struct {
		const char *name;
		enum backup_file t;
	} kinds[] = {
		{"packs", BACKUP_FILE_PACK},	 {"index", BACKUP_FILE_INDEX},
		{"snapshots", BACKUP_FILE_SNAPSHOT}, {"keys", BACKUP_FILE_KEY},
		{"locks", BACKUP_FILE_LOCK},
	};
	rc = CLI_USAGE;
	for (size_t k = 0; argc == 1 && k < sizeof(kinds) / sizeof(kinds[0]);
	     k++) {
		if (strcmp(argv[0], kinds[k].name))
			continue;
		rc = repo->be->ops->list(repo->be, kinds[k].t, print_name, NULL)
			     ? CLI_FAILED
			     : CLI_OK;
	}
	if (rc == CLI_USAGE)
		fprintf(stderr, "usage: hearth backup list "
				"packs|index|snapshots|keys|locks\n");
	backup_repo_close(repo);
	return rc;
}

static void say_line(const char *line, void *ud)
{
	char out[1300];
	/* indented lines detail the one before them */
	snprintf(out, sizeof out, line[0] == ' ' ? "%s\n" : "error: %s\n", line);
	backup_progress_print(ud, stdout, out);
}

/* restic's `check [--read-data | --read-data-subset n/t|x%]`: packs
 * against the index, then every snapshot's trees. */
static int cmd_check(struct cli *cli, int argc, char **argv)
{
	struct backup_check_read rd = {.mode = backup_cli_take_flag(&argc, argv,
								     "--read-data", NULL)};
	for (int i = 0; i < argc;) {
		const char *v;
		int t = backup_cli_take(&argc, argv, i, "--read-data-subset",
					NULL, true, &v);
		if (t < 0 || (t > 0 && backup_check_read_parse(v, &rd))) {
			fprintf(stderr, "hearth: backup: --read-data-subset: "
					"n/t (1/5) or a percentage (10%%)\n");
			return CLI_USAGE;
		}
		if (t == 0)
			i++;
	}
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	int rc = backup_cli_open_bare(cli, argc, argv, &o, &repo);
	if (rc)
		return rc;
	printf("load indexes\n");
	fflush(stdout);
	struct backup_index *idx = NULL;
	size_t bad = 0;
	rc = backup_repo_load_index(repo, 0, &idx, &bad);
	if (rc) {
		backup_repo_close(repo);
		return backup_cli_fail("cannot load the index", rc);
	}
	printf("check all packs\n");
	fflush(stdout);
	struct backup_check_result res;
	rd.damaged = backup_idset_new();
	if (rd.mode)
		rd.progress = backup_progress_start("packs", o.json || o.quiet);
	rc = rd.damaged ? backup_repo_check_packs(repo, idx, &rd, say_line, rd.progress, &res) : -ENOMEM;
	backup_progress_stop(rd.progress);
	struct backup_check_trees_result tr = {0};
	if (!rc) {
		if (res.unreferenced)
			printf("%zu additional files were found in the repo, which likely contain "
			       "duplicate data.\nThis is non-critical, you can run `hearth backup "
			       "prune` to correct this.\n", res.unreferenced);
		printf("check snapshots, trees and blobs\n");
		fflush(stdout);
		rc = backup_repo_check_trees(repo, idx, rd.damaged, say_line, NULL, &tr);
	}
	backup_idset_free(rd.damaged);
	backup_index_free(idx);
	backup_repo_close(repo);
	if (rc)
		return backup_cli_fail("cannot list the packs or snapshots", rc);
	if (rd.mode == 1)
		printf("read all data\n[0:00] 100.00%%  %zu / %zu packs\n", res.packs, res.packs);
	else if (rd.mode == 2)
		printf("read group #%u of %zu data packs (out of total %zu packs in %u groups)\n",
		       rd.n, res.packs_read, res.packs, rd.t);
	else if (rd.mode == 3)
		printf("read %zu of %zu data packs\n", res.packs_read, res.packs);
	if (res.errors || bad || tr.errors) {
		if (tr.damaged)
			printf("%zu snapshots are incomplete\n", tr.damaged);
		fprintf(stderr, "hearth: backup: the repository contains errors "
				"(%zu)\n", res.errors + bad + tr.errors);
		return CLI_FAILED;
	}
	printf("no errors were found\n");
	return CLI_OK;
}

/* restic's `unlock [--remove-all]`: stale locks (or all of them) go. */
static int cmd_unlock(struct cli *cli, int argc, char **argv)
{
	int all = backup_cli_take_flag(&argc, argv, "--remove-all", NULL);
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	int rc = backup_cli_open(cli, &argc, argv, NULL, NULL, &o, &repo);
	if (rc)
		return rc;
	size_t removed = 0;
	rc = argc ? cli_bad_args() : backup_repo_remove_locks(repo, all, &removed);
	backup_repo_close(repo);
	if (rc == CLI_USAGE)
		return rc;
	if (rc)
		return backup_cli_fail("cannot remove every lock", rc);
	if (o.json)
		cli_print_json(json_pack("{s:I}", "removed", (json_int_t)removed));
	else if (removed)
		printf("successfully removed %zu locks\n", removed);
	return CLI_OK;
}

/* The backup group with restic's global options first ("hearth backup
 * -r REPO snapshots"): finds the verb after them and runs it with every
 * argument but the verb. */
static int cmd_group(struct cli *cli, int argc, char **argv)
{
	int skip = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-r") || !strcmp(a, "--repo") ||
		    !strcmp(a, "--repository") || !strcmp(a, "-p") ||
		    !strcmp(a, "--password-file") || !strcmp(a, "-o") ||
		    !strcmp(a, "--option")) {
			i++;
			continue;
		}
		if (a[0] == '-')
			continue;
		skip = i;
		for (const struct cli_command *c = backup_cli_commands; c->name;
		     c++) {
			const char *verb = c->name + strlen("backup");
			if (!*verb)
				continue;
			/* "backup key list": two words after the group */
			char want[64];
			snprintf(want, sizeof(want), "%s", verb + 1);
			char *sp = strchr(want, ' ');
			int words = 1;
			if (sp) {
				*sp = '\0';
				words = 2;
			}
			if (strcmp(a, want))
				continue;
			if (words == 2 &&
			    (i + 1 >= argc || strcmp(argv[i + 1], sp + 1)))
				continue;
			memmove(argv + skip, argv + skip + words,
				(size_t)(argc - skip - words + 1) *
					sizeof(*argv));
			return c->run(cli, argc - words, argv);
		}
		fprintf(stderr, "hearth: backup: unknown command '%s'\n", a);
		return CLI_USAGE;
	}
	fprintf(stderr, "usage: hearth backup [-r REPO] [--password-file "
			"FILE] COMMAND ... (hearth help lists them)\n");
	return CLI_USAGE;
}

/* Every command takes restic's global options (-r/--repo, --password-file,
 * --json); the help shows them once, on the group's line. */
#define OPTS ""

const struct cli_command backup_cli_commands[] = {
	/* the daemon's jobs; the two-word verbs before "jobs" alone */
	{"backup jobs run", "NAME [--json]",
	 "run a job of backup.jobs now (the daemon queues it)", 1, 2,
	 backup_cmd_jobs_run},
	{"backup jobs history", "NAME [--json]",
	 "the last runs of a job: when, how long, result, snapshots", 1, 2,
	 backup_cmd_jobs_history},
	{"backup run", "JOB [--json]",
	 "run a job of backup.jobs now (as `backup jobs run`)", 1, 2,
	 backup_cmd_jobs_run},
	{"backup jobs", "[--json]",
	 "the daemon's backup jobs: schedule, state, last and next run", 0, 1,
	 backup_cmd_jobs},
	{"backup init", OPTS "[--repository-version 1|2] [--from-repo SRC --copy-chunker-params]",
	 "create a restic repository (format 2 unless told)", 0, 64, cmd_init},
	{"backup backup", OPTS "[--tag T[,T]] [--host H] [--parent ID] [--time \"YYYY-MM-DD HH:MM:SS\"] [--force] [--exclude P] [--exclude-file F] [--exclude-if-present F] [--exclude-caches] [-x] [--libvirt DOMAIN:DISK:URI --libvirt-state FILE] PATH...",
	 "back up files and directories into a new snapshot", 0, 64,
	 backup_cmd_backup},
	{"backup libvirt-recover", "--libvirt-state FILE",
	 "undo what a killed backup of live libvirt volumes left (hearthd runs it)", 0, 64,
	 backup_cmd_libvirt_recover},
	{"backup restore", OPTS "SNAPSHOT|latest --target DIR [--sparse]",
	 "restore a snapshot below DIR (its absolute paths)", 0, 64,
	 backup_cmd_restore},
	{"backup snapshots", OPTS "[--json] [--host H] [--tag T] [--path P]",
	 "list the snapshots (restic's table, or its JSON)", 0, 64,
	 backup_cmd_snapshots},
	{"backup key list", OPTS "[--json]",
	 "list the key files (* marks the one in use)", 0, 64,
	 backup_cmd_key_list},
	{"backup key add", OPTS "[--new-password-file FILE]",
	 "add a key file for another password", 0, 64, backup_cmd_key_add},
	{"backup key remove", OPTS "ID",
	 "remove a key file (not the one in use)", 0, 64,
	 backup_cmd_key_remove},
	{"backup key passwd", OPTS "[--new-password-file FILE]",
	 "change the password (a new key replaces the one in use)", 0, 64,
	 backup_cmd_key_passwd},
	{"backup cat", OPTS "config|masterkey|key|index|snapshot|blob [ID]",
	 "print a repository object decrypted", 0, 64, cmd_cat},
	{"backup check", OPTS "[--read-data | --read-data-subset n/t|x%]",
	 "check packs against the index, every snapshot's trees (every blob with --read-data)", 0,
	 64, cmd_check},
	{"backup unlock", OPTS "[--remove-all]",
	 "remove stale locks (all of them with --remove-all)", 0, 64,
	 cmd_unlock},
	{"backup serve", "[--listen ADDR:PORT] [--path DIR] [--append-only] [--htpasswd-file F] [--no-auth] [--private-repos] [--no-verify-upload]",
	 "serve repositories below DIR over restic's REST protocol (as rest-server)", 0, 64,
	 backup_cmd_serve},
	{"backup forget", OPTS "[--keep-last|-hourly|-daily|-weekly|-monthly|-yearly N] [--keep-within[-hourly|-daily|-weekly|-monthly|-yearly] DURATION] [--keep-tag T[,T]] [--host H] [--tag T[,T]] [--path P] [--group-by host,paths,tags] [--dry-run] [--prune [--max-unused L]] [ID...]",
	 "remove snapshots by restic's policy (or by id)", 0, 64, backup_cmd_forget},
	{"backup prune", OPTS "[--dry-run] [--max-unused 5%|SIZE|unlimited] [--max-repack-size SIZE] [--repack-uncompressed]",
	 "delete unused data: repack partly used packs, rewrite the index", 0, 64,
	 backup_cmd_prune},
	{"backup ls", OPTS "[-l|--long] [--recursive] [--host H] [--path P] SNAPSHOT|latest [DIR...]",
	 "list a snapshot's files (below DIRs)", 0, 64, backup_cmd_ls},
	{"backup stats", OPTS "[--mode restore-size|files-by-contents|raw-data|blobs-per-file] [--host H] [--tag T] [--path P] [SNAPSHOT...]",
	 "sizes and counts of snapshots as restic counts them", 0, 64, backup_cmd_stats},
	{"backup tag", OPTS "[--set T[,T]] [--add T[,T]] [--remove T[,T]] [--host H] [--tag T] [--path P] [ID...]",
	 "change snapshots' tags (rewrites them, as restic)", 0, 64, backup_cmd_tag},
	{"backup diff", OPTS "[--metadata] SNAPSHOT-A SNAPSHOT-B",
	 "what changed between two snapshots (restic's modifiers and statistics)", 0, 64,
	 backup_cmd_diff},
	{"backup dump", OPTS "[--host H] [--path P] SNAPSHOT|latest PATH",
	 "a file's contents, or a directory as tar, to stdout", 0, 64, backup_cmd_dump},
	{"backup mount", OPTS "[--allow-other] [--no-default-permissions] DIR",
	 "serve the repository read-only at DIR (FUSE: ids, snapshots, hosts, tags)", 0, 64,
	 backup_cmd_mount},
	{"backup copy", OPTS "--from-repo SRC [--from-password-file F] [--host H] [--tag T] [--path P] [ID...]",
	 "copy snapshots (and the data they need) from another repository", 0, 64,
	 backup_cmd_copy},
	{"backup list", OPTS "packs|index|snapshots|keys|locks",
	 "list the ids of one kind of file", 0, 64, cmd_list},
	{"backup", "[-r REPO] [--password-file FILE] COMMAND ...",
	 "restic's global options before the command", 0, 64, cmd_group},
	{NULL, NULL, NULL, 0, 0, NULL},
};
