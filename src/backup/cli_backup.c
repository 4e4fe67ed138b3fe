/* SPDX-License-Identifier: MIT */
/* `hearth backup backup PATHS` and `hearth backup restore SNAPSHOT --target DIR`: the CLI over archive.c and restore.c. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup/archive.h"
#include "backup/cli_priv.h"
#include "backup/cli_summary.h"
#include "backup/exitcode.h"
#include "backup/livevol.h"
#include "backup/scan.h"
#include "proto/backup/gojson.h"

static int read_exclude_file(struct bk_excludes *e, const char *path)
{
	FILE *f = fopen(path, "r");
	char chunk[4096];
	struct buf b;
	size_t n;
	int rc;

	if (!f) {
		fprintf(stderr, "hearth: backup: --exclude-file %s: %s\n", path, strerror(errno));
		return -errno;
	}
	buf_init(&b, 1 << 20);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	rc = b.err ? b.err : bk_excludes_add_lines(e, b.data ? b.data : "", b.len);
	buf_deinit(&b);
	return rc;
}

/* restic's exclude options, taken out of argv before the common parser. */
static int exclude_options(int *argc, char **argv, struct backup_archive_opts *ao,
			   struct bk_excludes *ex, const char **present, const char **recorded,
			   size_t cap)
{
	for (int i = 0; i < *argc;) {
		const char *v;
		int r;
		if ((r = backup_cli_take(argc, argv, i, "--exclude", "-e", true, &v)) > 0) {
			if (bk_excludes_add(ex, v))
				return -ENOMEM;
			if (ao->n_recorded < cap)
				recorded[ao->n_recorded++] = v;
		} else if (r == 0 && (r = backup_cli_take(argc, argv, i, "--exclude-file", NULL, true, &v)) > 0) {
			if (read_exclude_file(ex, v))
				return -EINVAL;
		} else if (r == 0 && (r = backup_cli_take(argc, argv, i, "--exclude-if-present", NULL, true, &v)) > 0) {
			if (ao->n_if_present < cap)
				present[ao->n_if_present++] = v;
		} else if (r == 0 && (r = backup_cli_take(argc, argv, i, "--exclude-caches", NULL, false, &v)) > 0) {
			ao->exclude_caches = true;
		} else if (r == 0 && (r = backup_cli_take(argc, argv, i, "--one-file-system", "-x", false, &v)) > 0) {
			ao->one_file_system = true;
		} else if (r == 0 && (r = backup_cli_take(argc, argv, i, "--force", "-f", false, &v)) > 0) {
			ao->force = true;
		} else if (r < 0) {
			fprintf(stderr, "hearth: backup: option '%s' needs a value\n", argv[i]);
			return -EINVAL;
		} else {
			i++;
		}
	}
	ao->excludes = ex;
	ao->if_present = present;
	ao->recorded = recorded;
	return 0;
}

/* The live libvirt volumes of a backup (--libvirt DOMAIN:DISK:URI, the
 * record at --libvirt-state FILE), taken out of argv. */
struct live {
	const char *state;
	struct bk_livevol_src src[8];
	size_t n;
	int lock;	/* the record's lock, or -1 */
	char *mnt_base; /* where the volumes are mounted, once they are */
	char *paths[72]; /* the backup's paths: argv's, absolute, then ours */
	size_t n_paths;
};

static int live_options(int *argc, char **argv, struct live *lv)
{
	lv->lock = -1;
	for (int i = 0; i < *argc;) {
		const char *v;
		int r;
		if ((r = backup_cli_take(argc, argv, i, "--libvirt-state", NULL, true, &v)) > 0) {
			lv->state = v;
		} else if (r == 0 && (r = backup_cli_take(argc, argv, i, "--libvirt", NULL, true, &v)) > 0) {
			if (lv->n == 8 || bk_livevol_parse((char *)v, &lv->src[lv->n])) {
				fprintf(stderr, "hearth: backup: --libvirt %s: DOMAIN:DISK:URI, at most 8\n", v);
				return -EINVAL;
			}
			lv->n++;
		} else if (r < 0) {
			fprintf(stderr, "hearth: backup: option '%s' needs a value\n", argv[i]);
			return -EINVAL;
		} else {
			i++;
		}
	}
	if (lv->n && !lv->state) {
		fprintf(stderr, "hearth: backup: --libvirt needs --libvirt-state FILE\n");
		return -EINVAL;
	}
	return 0;
}

/* Takes the record's lock, undoes what an earlier run left, snapshots and
 * mounts the volumes, and points the backup's paths at them: the given
 * ones made absolute, then "libvirt/DOMAIN/DISK" from the mount base
 * (the working directory from here on). */
static int live_begin(struct live *lv, int argc, char **argv)
{
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd) || argc > 64)
		return -EINVAL;
	for (int i = 0; i < argc; i++) {
		size_t need = strlen(cwd) + strlen(argv[i]) + 2;
		if (!(lv->paths[lv->n_paths] = malloc(need)))
			return -ENOMEM;
		snprintf(lv->paths[lv->n_paths++], need, "%s%s%s", argv[i][0] == '/' ? "" : cwd,
			 argv[i][0] == '/' ? "" : "/", argv[i]);
	}
	lv->lock = bk_livevol_lock(lv->state);
	if (lv->lock == -EBUSY) {
		fprintf(stderr, "hearth: backup: %s is in use: a backup of these volumes is under way\n",
			lv->state);
		return -EBUSY;
	}
	if (lv->lock < 0) {
		fprintf(stderr, "hearth: backup: %s: %s\n", lv->state, strerror(-lv->lock));
		return lv->lock;
	}
	int rc = bk_livevol_undo(lv->state);
	if (rc) {
		fprintf(stderr, "hearth: backup: what an earlier run left in %s cannot be undone: "
			"not touching the volumes\n", lv->state);
		return rc;
	}
	if ((rc = bk_livevol_freeze(lv->state, lv->src, lv->n, &lv->mnt_base)))
		return rc;
	if (chdir(lv->mnt_base))
		return -errno;
	for (size_t i = 0; i < lv->n; i++) {
		size_t need = strlen(lv->src[i].domain) + strlen(lv->src[i].disk) + 16;
		if (!(lv->paths[lv->n_paths] = malloc(need)))
			return -ENOMEM;
		snprintf(lv->paths[lv->n_paths++], need, "libvirt/%s/%s", lv->src[i].domain,
			 lv->src[i].disk);
	}
	return 0;
}

/* Unmounts and commits everything back (also after a failed begin). */
static int live_end(struct live *lv)
{
	int rc = 0;
	if (lv->lock >= 0) {
		if (chdir("/"))
			rc = -errno;
		rc = bk_livevol_undo(lv->state);
		if (rc)
			fprintf(stderr, "hearth: backup: the live volumes are not all back: %s lists "
				"what is left (the next run, or hearthd, retries)\n", lv->state);
		close(lv->lock);
	}
	for (size_t i = 0; i < lv->n_paths; i++)
		free(lv->paths[i]);
	free(lv->mnt_base);
	return rc;
}

int backup_cmd_libvirt_recover(struct cli *cli, int argc, char **argv)
{
	struct live lv = {0};
	(void)cli;
	if (live_options(&argc, argv, &lv) || !lv.state || argc != 0)
		return cli_bad_args();
	int fd = bk_livevol_lock(lv.state);
	if (fd == -EBUSY) {
		printf("%s is in use by a backup under way: it cleans up itself\n", lv.state);
		return CLI_OK;
	}
	if (fd < 0) {
		fprintf(stderr, "hearth: backup: %s: %s\n", lv.state, strerror(-fd));
		return CLI_FAILED;
	}
	int rc = bk_livevol_undo(lv.state);
	close(fd);
	if (rc) {
		fprintf(stderr, "hearth: backup: %s: not everything could be undone\n", lv.state);
		return CLI_FAILED;
	}
	printf("%s: everything it listed is undone\n", lv.state);
	return CLI_OK;
}

/* The backup's targets as its tree has them (backup_summary_vpath), one
 * malloc'd block: an array of @n pointers, then the strings. */
static char **tree_targets(const struct backup_archive_opts *ao)
{
	size_t n = ao->n_paths, need = (n + 1) * sizeof(char *);
	for (size_t i = 0; i < n; i++)
		need += strlen(ao->paths[i]) + 2;
	char **v = malloc(need);
	char *at = v ? (char *)(v + n + 1) : NULL;
	for (size_t i = 0; v && i < n; i++) {
		size_t cap = strlen(ao->paths[i]) + 2;
		backup_summary_vpath(ao->paths[i], at, cap);
		v[i] = at;
		at += cap;
	}
	if (v)
		v[n] = NULL;
	return v;
}

/* restic 0.14's summary message (its fields, in its order), the snapshot
 * id in full (restic 0.14 shortens it). */
static json_t *json_summary(struct backup_repo *repo, char **targets, size_t n_targets,
			    const struct backup_archive_stats *st, const struct timespec *t0)
{
	struct backup_summary s;
	int rc = targets ? backup_summary_count(repo, st->tree, st->has_parent ? st->parent : NULL,
						(const char *const *)targets, n_targets, &s)
			 : -ENOMEM;
	if (rc) {
		/* the counts the archiver kept, all new but the unchanged */
		fprintf(stderr, "hearth: backup: the summary's counts are the archiver's: "
			"the trees do not compare (%s)\n", backup_strerror(rc));
		memset(&s, 0, sizeof s);
		s.files_new = st->files - st->files_unchanged;
		s.files_unmodified = st->files_unchanged;
		s.dirs_new = st->dirs;
		s.total_files = st->files;
		s.total_bytes = st->bytes_read;
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double took = (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
	uint64_t data_blobs = st->blobs_new > s.tree_blobs ? st->blobs_new - s.tree_blobs : 0;
	char sid[BACKUP_ID_HEX], tid[BACKUP_ID_HEX];
	backup_id_hex(st->snapshot, sid);
	backup_id_hex(st->tree, tid);
	json_t *j = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:s}",
			 "message_type", "summary",
			 "files_new", (json_int_t)s.files_new,
			 "files_changed", (json_int_t)s.files_changed,
			 "files_unmodified", (json_int_t)s.files_unmodified,
			 "dirs_new", (json_int_t)s.dirs_new,
			 "dirs_changed", (json_int_t)s.dirs_changed,
			 "dirs_unmodified", (json_int_t)s.dirs_unmodified,
			 "data_blobs", (json_int_t)data_blobs,
			 "tree_blobs", (json_int_t)s.tree_blobs,
			 "data_added", (json_int_t)st->bytes_added,
			 "total_files_processed", (json_int_t)s.total_files,
			 "total_bytes_processed", (json_int_t)s.total_bytes,
			 "total_duration", took, "snapshot_id", sid);
	/* then hearth's own, after restic's (its readers pass over them) */
	json_t *own = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s}",
				"files", (json_int_t)st->files, "dirs", (json_int_t)st->dirs,
				"others", (json_int_t)st->others,
				"bytes_read", (json_int_t)st->bytes_read,
				"blobs_new", (json_int_t)st->blobs_new,
				"blobs_known", (json_int_t)st->blobs_known,
				"packs", (json_int_t)st->packs, "tree", tid);
	if (j && own)
		json_object_update(j, own);
	json_decref(own);
	return j;
}

int backup_cmd_backup(struct cli *cli, int argc, char **argv)
{
	static const char *const own[] = {"--tag", "--host", "--parent", "--time", NULL};
	const char *vals[4] = {NULL, NULL, NULL, NULL};
	struct timespec when = {0, 0};
	uint8_t parent[32];
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	struct backup_archive_opts ao = {0};
	struct backup_archive_stats st;
	const char *tags[64];
	char *tagbuf = NULL;
	size_t errors = 0;
	int rc;

	struct bk_excludes ex = {0};
	const char *present[64], *recorded[64];
	struct live lv = {0};

	if (live_options(&argc, argv, &lv))
		return CLI_USAGE;
	if (exclude_options(&argc, argv, &ao, &ex, present, recorded, 64)) {
		bk_excludes_deinit(&ex);
		return CLI_USAGE;
	}
	rc = backup_cli_open(cli, &argc, argv, own, vals, &o, &repo);
	if (rc) {
		bk_excludes_deinit(&ex);
		return rc;
	}
	if (argc < 1 && !lv.n) {
		backup_repo_close(repo);
		bk_excludes_deinit(&ex);
		return cli_bad_args();
	}
	if (vals[2]) {
		if ((rc = backup_cli_resolve(repo, BACKUP_FILE_SNAPSHOT, vals[2], parent))) {
			backup_repo_close(repo);
			bk_excludes_deinit(&ex);
			return rc;
		}
		ao.parent = parent;
	}
	if (vals[3]) {
		/* restic's --time: "2006-01-02 15:04:05" in local time */
		struct tm tm = {0};
		const char *end = strptime(vals[3], "%Y-%m-%d %H:%M:%S", &tm);
		tm.tm_isdst = -1;
		if (!end || *end) {
			fprintf(stderr, "hearth: backup: --time '%s': want \"YYYY-MM-DD HH:MM:SS\"\n",
				vals[3]);
			backup_repo_close(repo);
			bk_excludes_deinit(&ex);
			return CLI_USAGE;
		}
		when.tv_sec = mktime(&tm);
		ao.time = &when;
	}
	ao.paths = (const char *const *)argv;
	ao.n_paths = (size_t)argc;
	ao.host = vals[1];
	/* --tag a,b as restic takes it */
	if (vals[0] && (tagbuf = strdup(vals[0]))) {
		for (char *save = NULL, *t = strtok_r(tagbuf, ",", &save); t && ao.n_tags < 64;
		     t = strtok_r(NULL, ",", &save))
			tags[ao.n_tags++] = t;
		ao.tags = tags;
	}
	if (lv.n) {
		rc = live_begin(&lv, argc, argv);
		ao.paths = (const char *const *)lv.paths;
		ao.n_paths = lv.n_paths;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* --json: restic's status messages (none with -q), else the line */
	ao.progress = o.json ? (o.quiet ? NULL : backup_progress_start_json())
			     : backup_progress_start("files", o.quiet);
	struct backup_scan *scan = rc ? NULL : backup_scan_start(ao.progress,
								  &ao);
	if (!rc)
		rc = backup_archive(repo, &ao, &st, &errors);
	backup_scan_stop(scan);
	backup_progress_stop(ao.progress);
	/* the paths as given: live_end frees the volumes' */
	char **targets = !rc && o.json ? tree_targets(&ao) : NULL;
	size_t n_targets = ao.n_paths;
	int lrc = lv.n ? live_end(&lv) : 0;
	if (!rc && lrc)
		rc = lrc;
	json_t *summary = !rc && o.json ? json_summary(repo, targets, n_targets, &st, &t0) : NULL;
	free(targets);
	free(tagbuf);
	bk_excludes_deinit(&ex);
	backup_repo_close(repo);
	if (rc == -EBUSY) /* the holder of the lock is said already */
		return BACKUP_EXIT_LOCKED;
	if (rc)
		return backup_cli_fail(NULL, rc);
	char sid[BACKUP_ID_HEX];
	backup_id_hex(st.snapshot, sid);
	if (o.json)
		backup_cli_print_compact(summary);
	else if (!o.quiet)
		printf("Files: %llu (%llu unchanged), dirs: %llu, others: %llu\nProcessed %llu bytes, added %llu bytes "
		       "in %llu packs (%llu new blobs, %llu known)\nsnapshot %.8s saved\n",
		       (unsigned long long)st.files, (unsigned long long)st.files_unchanged,
		       (unsigned long long)st.dirs, (unsigned long long)st.others, (unsigned long long)st.bytes_read,
		       (unsigned long long)st.bytes_added, (unsigned long long)st.packs,
		       (unsigned long long)st.blobs_new, (unsigned long long)st.blobs_known, sid);
	if (errors) {
		fprintf(stderr, "hearth: backup: %zu entries could not be read\n", errors);
		return BACKUP_EXIT_INCOMPLETE;
	}
	return CLI_OK;
}

struct latest {
	struct backup_repo *repo;
	struct bk_time best;
	bool found;
	uint8_t id[32];
};

static int latest_one(const char *name, uint64_t size, void *ud)
{
	struct latest *l = ud;
	uint8_t id[32];
	json_t *j = NULL, *t;
	struct bk_time tm;

	(void)size;
	if (backup_id_parse(name, id) || backup_repo_load_json(l->repo, BACKUP_FILE_SNAPSHOT, id, &j))
		return 0;
	t = json_object_get(j, "time");
	if (json_is_string(t) && !bk_time_parse(json_string_value(t), json_string_length(t), &tm) &&
	    (!l->found || tm.sec > l->best.sec || (tm.sec == l->best.sec && tm.nsec > l->best.nsec))) {
		l->best = tm;
		l->found = true;
		memcpy(l->id, id, 32);
	}
	json_decref(j);
	return 0;
}

int backup_cmd_restore(struct cli *cli, int argc, char **argv)
{
	static const char *const own[] = {"--target", "-t", NULL};
	const char *vals[2] = {NULL, NULL};
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	struct backup_restore_stats st;
	uint8_t id[32];
	size_t errors = 0;
	bool sparse = false;
	for (int i = 0; i < argc;) {
		const char *v;
		if (backup_cli_take(&argc, argv, i, "--sparse", NULL, false, &v) > 0)
			sparse = true;
		else
			i++;
	}
	int rc = backup_cli_open(cli, &argc, argv, own, vals, &o, &repo);
	const char *target = vals[0] ? vals[0] : vals[1];

	if (rc)
		return rc;
	if (argc != 1 || !target) {
		backup_repo_close(repo);
		fprintf(stderr, "usage: hearth backup restore SNAPSHOT --target DIR\n");
		return CLI_USAGE;
	}
	if (!strcmp(argv[0], "latest")) {
		struct latest l = {.repo = repo};
		repo->be->ops->list(repo->be, BACKUP_FILE_SNAPSHOT, latest_one, &l);
		if (!l.found) {
			backup_repo_close(repo);
			return backup_cli_fail("no snapshot found", 0);
		}
		memcpy(id, l.id, 32);
	} else if ((rc = backup_cli_resolve(repo, BACKUP_FILE_SNAPSHOT, argv[0], id))) {
		backup_repo_close(repo);
		return rc;
	}
	struct backup_progress *bar = backup_progress_start("files", o.json || o.quiet);
	rc = backup_restore_progress(repo, id, target, sparse, bar, &st, &errors);
	backup_progress_stop(bar);
	backup_repo_close(repo);
	if (rc == -EBUSY) /* the holder of the lock is said already */
		return BACKUP_EXIT_LOCKED;
	if (rc)
		return backup_cli_fail(NULL, rc);
	char sid[BACKUP_ID_HEX];
	backup_id_hex(id, sid);
	if (o.json)
		backup_cli_print_compact(json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "message_type", "summary",
					 "snapshot_id", sid, "files_restored", (json_int_t)st.files,
					 "dirs_restored", (json_int_t)st.dirs,
					 "others_restored", (json_int_t)st.others,
					 "total_bytes", (json_int_t)st.bytes));
	else if (!o.quiet)
		printf("restoring snapshot %.8s to %s: %llu files, %llu bytes\n", sid, target,
		       (unsigned long long)st.files, (unsigned long long)st.bytes);
	if (errors) {
		fprintf(stderr, "hearth: backup: %zu errors while restoring\n", errors);
		return CLI_FAILED;
	}
	return CLI_OK;
}
