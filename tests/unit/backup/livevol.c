/* SPDX-License-Identifier: MIT */
/* Unit tests of live-volume backups' state record and its undo, driven through the libvirt seam (bk_livevol_set_virt): a lost connection keeps the line for the next run, a commit clears it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/livevol.h"
#include "backup/livevol_priv.h"

/* The fake libvirt: what each call answers, and what it was asked. */
#define MAX_CALLS 16
static struct {
	int disk_rc, snap_rc;
	int commit_rc[MAX_CALLS]; /* per commit call, in order */
	const char *disk_file, *disk_format;
	size_t n_commits, n_snaps;
	char committed[MAX_CALLS][512]; /* "DOMAIN/DISK OVERLAY BASE" */
} fake;

static int fake_disk_get(const struct bk_livevol_src *s, struct bk_lv_disk *d)
{
	(void)s;
	if (fake.disk_rc)
		return fake.disk_rc;
	snprintf(d->file, sizeof(d->file), "%s", fake.disk_file);
	snprintf(d->format, sizeof(d->format), "%s", fake.disk_format);
	return 0;
}

static int fake_snapshot(const struct bk_livevol_src *s, const char *overlay)
{
	(void)s;
	(void)overlay;
	fake.n_snaps++;
	return fake.snap_rc;
}

static int fake_commit(const struct bk_livevol_src *s, const char *overlay,
		       const char *base)
{
	size_t i = fake.n_commits++;
	assert_true(i < MAX_CALLS);
	snprintf(fake.committed[i], sizeof(fake.committed[i]), "%s/%s %s %s",
		 s->domain, s->disk, overlay, base);
	return fake.commit_rc[i];
}

static const struct bk_lv_virt fake_virt = {fake_disk_get, fake_snapshot, fake_commit};

static char dir[64], state[128], overlay_a[128], overlay_b[128], base[128];

static int setup(void **st)
{
	(void)st;
	memset(&fake, 0, sizeof(fake));
	snprintf(dir, sizeof(dir), "/tmp/hearth-livevol-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(state, sizeof(state), "%s/job.state", dir);
	snprintf(base, sizeof(base), "%s/disk.img", dir);
	snprintf(overlay_a, sizeof(overlay_a), "%s/a.hearth-backup.qcow2", dir);
	snprintf(overlay_b, sizeof(overlay_b), "%s/b.hearth-backup.qcow2", dir);
	bk_livevol_set_virt(&fake_virt);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	bk_livevol_set_virt(NULL);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void touch(const char *path)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("qcow2-ish\n", f);
	fclose(f);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* STATE's text (static), "" when there is none. */
static const char *record(void)
{
	static char text[4096];
	text[0] = '\0';
	FILE *f = fopen(state, "r");
	if (!f)
		return text;
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void write_record(const char *text)
{
	FILE *f = fopen(state, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void overlay_line(char *out, size_t cap, const char *domain, const char *overlay)
{
	snprintf(out, cap, "overlay\tqemu:///system\t%s\tvdb\t%s\t%s\n", domain, overlay, base);
}

/* The connection to libvirtd is lost when the backup ends: the overlay
 * stays recorded (and on disk) until a later undo commits it back. */
static void test_lost_connection_keeps_the_line(void **st)
{
	(void)st;
	char line[512];
	overlay_line(line, sizeof(line), "nc", overlay_a);
	write_record(line);
	touch(overlay_a);
	fake.commit_rc[0] = -ENOTCONN; /* virConnectOpen failed */
	fake.commit_rc[1] = -EIO;      /* connected, lost during the commit */
	fake.commit_rc[2] = -EAGAIN;   /* the domain is shut off on it */
	fake.commit_rc[3] = 0;         /* committed and pivoted */
	assert_int_equal(bk_livevol_undo(state), -ENOTCONN);
	assert_string_equal(record(), line);
	assert_true(exists(overlay_a));
	assert_int_equal(bk_livevol_undo(state), -EIO);
	assert_string_equal(record(), line);
	assert_true(exists(overlay_a));
	assert_int_equal(bk_livevol_undo(state), -EAGAIN);
	assert_string_equal(record(), line);
	assert_true(exists(overlay_a));
	/* the next run (or libvirt-recover) gets through: all gone */
	assert_int_equal(bk_livevol_undo(state), 0);
	assert_int_equal(fake.n_commits, 4);
	char want[512];
	snprintf(want, sizeof(want), "nc/vdb %s %s", overlay_a, base);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(fake.committed[i], want);
	assert_false(exists(state));
	assert_false(exists(overlay_a));
	/* and nothing is left to do */
	assert_int_equal(bk_livevol_undo(state), 0);
	assert_int_equal(fake.n_commits, 4);
}

/* libvirt says the domain does not exist: the line goes (nothing could
 * ever commit it), the overlay file stays (it may hold the last writes). */
static void test_domain_gone_keeps_the_file(void **st)
{
	(void)st;
	char line[512];
	overlay_line(line, sizeof(line), "gone", overlay_a);
	write_record(line);
	touch(overlay_a);
	fake.commit_rc[0] = -ENOENT;
	assert_int_equal(bk_livevol_undo(state), 0);
	assert_false(exists(state));
	assert_true(exists(overlay_a));
}

/* Newest first; what is undone leaves the record, what is not stays in
 * its order; host-side lines whose things are gone already are done. */
static void test_newest_first_and_partial(void **st)
{
	(void)st;
	char a[512], b[512], text[2048], mnt[256], work[160];
	snprintf(work, sizeof(work), "%s.d", state);
	snprintf(mnt, sizeof(mnt), "%s/mnt/libvirt/db/vdb", work);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", mnt);
	assert_int_equal(system(cmd), 0);
	overlay_line(a, sizeof(a), "nc", overlay_a);
	overlay_line(b, sizeof(b), "db", overlay_b);
	snprintf(text, sizeof(text),
		 "%s"
		 "qsd\t%s/qsd0.pid\t%s/export0.raw\n"
		 "loop\t/dev/loop-hearth-none\t%s\n"
		 "mount\t%s\n"
		 "%s"
		 "mystery\tline\n",
		 a, work, work, overlay_a, mnt, b);
	write_record(text);
	touch(overlay_a);
	touch(overlay_b);
	fake.commit_rc[0] = 0;         /* db's, the newer */
	fake.commit_rc[1] = -ENOTCONN; /* nc's */
	assert_int_equal(bk_livevol_undo(state), -ENOTCONN);
	assert_int_equal(fake.n_commits, 2);
	assert_non_null(strstr(fake.committed[0], overlay_b));
	assert_non_null(strstr(fake.committed[1], overlay_a));
	assert_string_equal(record(), a);
	assert_false(exists(overlay_b));
	assert_true(exists(overlay_a));
	assert_false(exists(mnt)); /* the mount point (not mounted) went */
	fake.commit_rc[2] = 0;
	assert_int_equal(bk_livevol_undo(state), 0);
	assert_false(exists(state));
	assert_false(exists(work));
	assert_false(exists(overlay_a));
}

/* The connection lost at the snapshot: the overlay line was written
 * before it, so the undo after the failed freeze tries the commit and,
 * libvirt still away, keeps it for the next run. */
static void test_freeze_records_before_snapshot(void **st)
{
	(void)st;
	struct bk_livevol_src src = {"qemu:///system", "nc", "vdb"};
	char *mnt = NULL;
	touch(base);
	fake.disk_file = base;
	fake.disk_format = "raw";
	fake.snap_rc = -EIO;
	assert_int_equal(bk_livevol_freeze(state, &src, 1, &mnt), -EIO);
	assert_null(mnt);
	assert_int_equal(fake.n_snaps, 1);
	char line[512], overlay[160];
	snprintf(overlay, sizeof(overlay), "%s.hearth-backup.qcow2", base);
	snprintf(line, sizeof(line), "overlay\tqemu:///system\tnc\tvdb\t%s\t%s\n", overlay,
		 base);
	assert_string_equal(record(), line);
	fake.commit_rc[0] = -ENOTCONN;
	assert_int_equal(bk_livevol_undo(state), -ENOTCONN);
	assert_string_equal(record(), line);
	fake.commit_rc[1] = 0; /* the disk was never on it: 0, line done */
	assert_int_equal(bk_livevol_undo(state), 0);
	assert_false(exists(state));
	/* An overlay there already is not hearth's: refused, nothing recorded. */
	touch(overlay);
	fake.snap_rc = 0;
	assert_int_equal(bk_livevol_freeze(state, &src, 1, &mnt), -EEXIST);
	assert_int_equal(fake.n_snaps, 1);
	assert_string_equal(record(), "");
	/* Neither raw nor qcow2: refused before anything is acquired. */
	unlink(overlay);
	fake.disk_format = "vmdk";
	assert_int_equal(bk_livevol_freeze(state, &src, 1, &mnt), -ENOTSUP);
	assert_string_equal(record(), "");
	/* No connection at all: refused, nothing recorded. */
	fake.disk_rc = -ENOTCONN;
	assert_int_equal(bk_livevol_freeze(state, &src, 1, &mnt), -ENOTCONN);
	assert_string_equal(record(), "");
	assert_int_equal(bk_livevol_undo(state), 0);
}

static void test_lock_and_parse(void **st)
{
	(void)st;
	int fd = bk_livevol_lock(state);
	assert_true(fd >= 0);
	assert_int_equal(bk_livevol_lock(state), -EBUSY);
	close(fd);
	fd = bk_livevol_lock(state);
	assert_true(fd >= 0);
	close(fd);

	char ok[] = "nc:vdb:qemu+ssh://hv1/system";
	struct bk_livevol_src s;
	assert_int_equal(bk_livevol_parse(ok, &s), 0);
	assert_string_equal(s.domain, "nc");
	assert_string_equal(s.disk, "vdb");
	assert_string_equal(s.uri, "qemu+ssh://hv1/system");
	const char *bad[] = {"nc", "nc:vdb", "nc:vdb:", ":vdb:qemu:///system",
			     "nc::qemu:///system", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char copy[64];
		snprintf(copy, sizeof(copy), "%s", bad[i]);
		assert_int_equal(bk_livevol_parse(copy, &s), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lost_connection_keeps_the_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_domain_gone_keeps_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newest_first_and_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freeze_records_before_snapshot, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lock_and_parse, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
