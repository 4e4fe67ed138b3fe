/* SPDX-License-Identifier: MIT */
/* Live-volume backups on the host side: the state record, read-only loop devices and mounts, qemu-storage-daemon's FUSE export, and undoing all of it. */
#include "backup/livevol.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/loop.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backup/livevol_priv.h"
#include "base/buf.h"

#define MAX_LINES 64
#define MAX_FIELDS 6
/* How long qemu-storage-daemon may take to export, or to stop. */
#define QSD_WAIT_MS 30000
#define STOP_WAIT_MS 10000

static const struct bk_lv_virt *virt = &bk_lv_libvirt;

void bk_livevol_set_virt(const struct bk_lv_virt *v)
{
	virt = v ? v : &bk_lv_libvirt;
}

int bk_livevol_parse(char *arg, struct bk_livevol_src *s)
{
	char *c1 = strchr(arg, ':');
	char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || c1 == arg || c2 == c1 + 1 || !c2[1])
		return -EINVAL;
	*c1 = *c2 = '\0';
	s->domain = arg;
	s->disk = c1 + 1;
	s->uri = c2 + 1;
	return 0;
}

/* snprintf that says when it did not fit: 0 or -ENAMETOOLONG. */
static int pathf(char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int pathf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* mkdir -p of @path (modifies nothing; 0 or -errno). */
static int mkdirs(const char *path)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int parent_dirs(const char *file)
{
	char d[4096];
	snprintf(d, sizeof(d), "%s", file);
	char *sl = strrchr(d, '/');
	if (!sl || sl == d)
		return 0;
	*sl = '\0';
	return mkdirs(d);
}

int bk_livevol_lock(const char *state)
{
	char p[4096];
	int rc = parent_dirs(state);
	if (rc)
		return rc;
	snprintf(p, sizeof(p), "%s.lock", state);
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* Appends one record line (fields joined by tabs) and fsyncs it. */
static int record(const char *state, const char *const *f, size_t n)
{
	char line[4 * 4096 + 64];
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		if (strpbrk(f[i], "\t\n"))
			return -EINVAL;
		used += (size_t)snprintf(line + used, sizeof(line) - used,
					 "%s%s", i ? "\t" : "", f[i]);
		if (used >= sizeof(line) - 1)
			return -ENAMETOOLONG;
	}
	line[used++] = '\n';
	int fd = open(state, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int rc = write(fd, line, used) == (ssize_t)used && !fsync(fd) ? 0
									: -EIO;
	close(fd);
	return rc;
}

#define RECORD(state, ...)                                                   \
	record(state, (const char *const[]){__VA_ARGS__},                    \
	       sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))

/* Whether @path is a mount point in this mount namespace. */
static bool mounted(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192];
	bool found = false;
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... (octal escapes) */
		char *p = line;
		for (int i = 0; i < 4 && p; i++)
			p = strchr(p, ' '), p = p ? p + 1 : NULL;
		if (!p)
			continue;
		char mp[4096];
		size_t k = 0;
		for (; *p && *p != ' ' && k + 1 < sizeof(mp); p++) {
			if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' &&
			    p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
			    p[3] <= '7') {
				mp[k++] = (char)((p[1] - '0') * 64 +
						 (p[2] - '0') * 8 + (p[3] - '0'));
				p += 3;
			} else {
				mp[k++] = *p;
			}
		}
		mp[k] = '\0';
		found = !strcmp(mp, path);
	}
	fclose(f);
	return found;
}

static int undo_mount(const char *dir)
{
	if (mounted(dir) && umount2(dir, 0)) {
		if (errno != EBUSY || umount2(dir, MNT_DETACH)) {
			bk_lv_say("cannot unmount %s: %s", dir, strerror(errno));
			return -errno;
		}
		bk_lv_say("%s was busy: detached it lazily", dir);
	}
	rmdir(dir);
	return 0;
}

/* The loop device's backing file from sysfs, or "" when it has none. */
static void loop_backing(const char *dev, char *out, size_t cap)
{
	char p[128];
	const char *name = strrchr(dev, '/');
	snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file",
		 name ? name + 1 : dev);
	out[0] = '\0';
	FILE *f = fopen(p, "re");
	if (!f)
		return;
	if (fgets(out, (int)cap, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static int undo_loop(const char *dev, const char *file)
{
	char backing[4096];
	loop_backing(dev, backing, sizeof(backing));
	size_t n = strlen(file);
	if (strncmp(backing, file, n) || (backing[n] && backing[n] != ' '))
		return 0; /* detached already (autoclear), or another's now */
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, LOOP_CLR_FD, 0)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (e == ENXIO)
			return 0;
		bk_lv_say("cannot detach %s: %s", dev, strerror(e));
		return -e;
	}
	close(fd);
	return 0;
}

/* The pid in @pidfile when it is a qemu-storage-daemon exporting
 * @export, else 0. */
static pid_t qsd_pid(const char *pidfile, const char *export)
{
	FILE *f = fopen(pidfile, "re");
	long pid = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 1)
		return 0;
	char p[64], cmd[16384];
	snprintf(p, sizeof(p), "/proc/%ld/cmdline", pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	for (ssize_t i = 0; i < n; i++)
		if (!cmd[i])
			cmd[i] = ' ';
	cmd[n] = '\0';
	return strstr(cmd, "qemu-storage-daemon") && strstr(cmd, export)
		       ? (pid_t)pid
		       : 0;
}

/* Gone, or a zombie nobody reaps: either way it holds nothing. */
static bool pid_gone(pid_t pid)
{
	char p[64], st[256];
	waitpid(pid, NULL, WNOHANG);
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(p, "re");
	if (!f)
		return true;
	bool zombie = fgets(st, sizeof(st), f) && strstr(st, ") Z");
	fclose(f);
	return zombie;
}

static int undo_qsd(const char *pidfile, const char *export)
{
	pid_t pid = qsd_pid(pidfile, export);
	if (pid) {
		kill(pid, SIGTERM);
		for (int i = 0; i < STOP_WAIT_MS / 20 && !pid_gone(pid); i++)
			nap_ms(20);
		if (!pid_gone(pid)) {
			kill(pid, SIGKILL);
			for (int i = 0; i < STOP_WAIT_MS / 20 && !pid_gone(pid);
			     i++)
				nap_ms(20);
		}
		if (!pid_gone(pid)) {
			bk_lv_say("qemu-storage-daemon %d does not stop",
				  (int)pid);
			return -EBUSY;
		}
	}
	/* A daemon that was killed leaves its FUSE mount behind. */
	if (mounted(export) && umount2(export, 0) &&
	    umount2(export, MNT_DETACH)) {
		bk_lv_say("cannot unmount the export %s: %s", export,
			  strerror(errno));
		return -errno;
	}
	unlink(export);
	unlink(pidfile);
	return 0;
}

static int undo_overlay(char **f)
{
	struct bk_livevol_src s = {.uri = f[1], .domain = f[2], .disk = f[3]};
	const char *overlay = f[4], *base = f[5];
	int rc = virt->commit(&s, overlay, base);
	if (rc == -ENOENT && access(overlay, F_OK) == 0) {
		/* libvirt itself said so: nothing will ever commit it */
		bk_lv_say("%s/%s: the domain is gone; its overlay %s stays",
			  s.domain, s.disk, overlay);
		return 0;
	}
	if (rc) {
		/* no connection, a commit cut short: the line stays */
		if (rc == -ENOTCONN || rc == -EIO)
			bk_lv_say("%s/%s: libvirt did not answer: %s stays "
				  "recorded for the next try", s.domain, s.disk,
				  overlay);
		return rc;
	}
	if (unlink(overlay) && errno != ENOENT) {
		bk_lv_say("cannot delete %s: %s", overlay, strerror(errno));
		return -errno;
	}
	return 0;
}

/* One record line split at its tabs (in place); the field count. */
static size_t split(char *line, char **f)
{
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(line, "\t", &save);
	     t && n < MAX_FIELDS; t = strtok_r(NULL, "\t", &save))
		f[n++] = t;
	return n;
}

static int undo_line(char *line)
{
	char *f[MAX_FIELDS];
	size_t n = split(line, f);
	if (n == 2 && !strcmp(f[0], "mount"))
		return undo_mount(f[1]);
	if (n == 3 && !strcmp(f[0], "loop"))
		return undo_loop(f[1], f[2]);
	if (n == 3 && !strcmp(f[0], "qsd"))
		return undo_qsd(f[1], f[2]);
	if (n == 6 && !strcmp(f[0], "overlay"))
		return undo_overlay(f);
	bk_lv_say("ignored a record line it does not know ('%s')",
		  n ? f[0] : "");
	return 0;
}

static int rmdir_one(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path); /* what is not empty (or mounted) stays */
	return 0;
}

/* rmdir of STATE.d's directories, deepest first, on its own file
 * system only (never below a mount point). */
static void remove_tree(const char *dir)
{
	nftw(dir, rmdir_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int bk_livevol_undo(const char *state)
{
	FILE *f = fopen(state, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	static char lines[MAX_LINES][4 * 4096 + 64];
	size_t n = 0;
	while (n < MAX_LINES && fgets(lines[n], sizeof(lines[n]), f)) {
		lines[n][strcspn(lines[n], "\n")] = '\0';
		if (lines[n][0])
			n++;
	}
	fclose(f);
	bool left[MAX_LINES] = {false};
	int first = 0;
	for (size_t i = n; i-- > 0;) {
		char copy[sizeof(lines[0])];
		memcpy(copy, lines[i], sizeof(copy));
		int rc = undo_line(copy);
		if (rc) {
			left[i] = true;
			if (!first)
				first = rc;
		}
	}
	if (!first) {
		char d[4096];
		snprintf(d, sizeof(d), "%s.d", state);
		remove_tree(d);
		return unlink(state) && errno != ENOENT ? -errno : 0;
	}
	/* What is left, for the next try (temp + rename). */
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", state);
	FILE *o = fopen(tmp, "we");
	if (!o)
		return first;
	for (size_t i = 0; i < n; i++)
		if (left[i])
			fprintf(o, "%s\n", lines[i]);
	if (fflush(o) == 0 && fsync(fileno(o)) == 0)
		rename(tmp, state);
	fclose(o);
	unlink(tmp);
	return first;
}

/* A read-only loop device on @file (recorded first); its path into @dev,
 * its fd into *@lfd_out: it detaches itself (autoclear) once that is
 * closed and nothing mounts it, so close it after mounting. */
static int loop_attach(const char *state, const char *file, char *dev,
		       size_t cap, int *lfd_out)
{
	*lfd_out = -1;
	int ffd = open(file, O_RDONLY | O_CLOEXEC);
	if (ffd < 0) {
		bk_lv_say("cannot open %s: %s", file, strerror(errno));
		return -errno;
	}
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	int rc = ctl < 0 ? -errno : -EBUSY;
	for (int tries = 0; ctl >= 0 && rc == -EBUSY && tries < 16; tries++) {
		int nr = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (nr < 0) {
			rc = -errno;
			break;
		}
		snprintf(dev, cap, "/dev/loop%d", nr);
		if ((rc = RECORD(state, "loop", dev, file)))
			break;
		int lfd = open(dev, O_RDONLY | O_CLOEXEC);
		if (lfd < 0) {
			rc = -errno;
			break;
		}
		struct loop_config c;
		memset(&c, 0, sizeof(c));
		c.fd = (unsigned)ffd;
		c.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
		size_t fl = strlen(file);
		if (fl >= LO_NAME_SIZE)
			fl = LO_NAME_SIZE - 1;
		memcpy(c.info.lo_file_name, file, fl);
		rc = ioctl(lfd, LOOP_CONFIGURE, &c) ? -errno : 0;
		if (rc)
			close(lfd);
		else
			*lfd_out = lfd;
	}
	if (ctl >= 0)
		close(ctl);
	close(ffd);
	if (rc)
		bk_lv_say("cannot attach a loop device to %s: %s", file,
			  strerror(-rc));
	return rc;
}

/* The file systems tried, with the options that keep a dirty journal
 * from being replayed onto a read-only device. */
static const struct {
	const char *type, *opts;
} fs_tries[] = {
	{"ext4", "noload"},
	{"xfs", "norecovery,nouuid"},
	{"btrfs", "rescue=nologreplay"},
	{"vfat", ""},
};

static int mount_ro(const char *state, const char *dev, const char *dir)
{
	int rc = mkdirs(dir);
	if (!rc)
		rc = RECORD(state, "mount", dir);
	if (rc)
		return rc;
	int first = 0;
	for (size_t i = 0; i < sizeof(fs_tries) / sizeof(fs_tries[0]); i++) {
		if (!mount(dev, dir, fs_tries[i].type,
			   MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			   fs_tries[i].opts))
			return 0;
		if (!first)
			first = errno;
	}
	bk_lv_say("cannot mount %s read-only (ext4, xfs, btrfs, vfat tried; "
		  "ext4 said: %s)", dev, strerror(first));
	return -EIO;
}

/* qemu-storage-daemon exporting the qcow2 @base read-only over FUSE onto
 * @export (a regular file), waited for until the export is there. */
static int qsd_start(const char *state, const char *base, const char *pidfile,
		     const char *export)
{
	int fd = open(export, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	unlink(pidfile);
	int rc = RECORD(state, "qsd", pidfile, export);
	if (rc)
		return rc;
	char file[8300], exp[4200];
	/* QEMU's option syntax doubles a comma inside a value. */
	struct buf b;
	buf_init(&b, sizeof(file));
	for (const char *p = base; *p; p++) {
		if (*p == ',')
			buf_append(&b, p, 1);
		buf_append(&b, p, 1);
	}
	rc = b.err ? b.err
		   : pathf(file, sizeof(file),
			   "driver=file,node-name=hearth-file,read-only=on,"
			   "filename=%s", b.data ? b.data : "");
	buf_deinit(&b);
	if (!rc)
		rc = pathf(exp, sizeof(exp),
			   "type=fuse,id=hearth-export,node-name=hearth-base,"
			   "writable=off,mountpoint=%s", export);
	if (rc)
		return rc;
	const char *argv[] = {
		"qemu-storage-daemon", "--blockdev", file, "--blockdev",
		"driver=qcow2,node-name=hearth-base,file=hearth-file,"
		"read-only=on",
		"--export", exp, "--pidfile", pidfile, NULL};
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(2, 1);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < QSD_WAIT_MS / 20; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			bk_lv_say("qemu-storage-daemon could not export %s "
				  "(exit status %d)", base,
				  WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			return -EIO;
		}
		if (mounted(export) && access(pidfile, F_OK) == 0)
			return 0;
		nap_ms(20);
	}
	bk_lv_say("qemu-storage-daemon did not export %s in time", base);
	return -ETIMEDOUT;
}

static int freeze_one(const char *state, const char *work,
		      const struct bk_livevol_src *s, size_t idx,
		      const char *mnt_base)
{
	struct bk_lv_disk d;
	int rc = virt->disk_get(s, &d);
	if (rc)
		return rc;
	if (strcmp(d.format, "raw") && strcmp(d.format, "qcow2")) {
		bk_lv_say("%s/%s: a %s image: raw or qcow2 only", s->domain,
			  s->disk, d.format);
		return -ENOTSUP;
	}
	char overlay[4200];
	if ((rc = pathf(overlay, sizeof(overlay), "%s.hearth-backup.qcow2",
			d.file)))
		return rc;
	if (access(overlay, F_OK) == 0) {
		bk_lv_say("%s exists already: not hearth's to overwrite",
			  overlay);
		return -EEXIST;
	}
	if ((rc = RECORD(state, "overlay", s->uri, s->domain, s->disk, overlay,
			 d.file)))
		return rc;
	if ((rc = virt->snapshot(s, overlay)))
		return rc;
	const char *image = d.file;
	char pidfile[4200], export[4200];
	if (!strcmp(d.format, "qcow2")) {
		if ((rc = pathf(pidfile, sizeof(pidfile), "%s/qsd%zu.pid", work,
				idx)) ||
		    (rc = pathf(export, sizeof(export), "%s/export%zu.raw", work,
				idx)) ||
		    (rc = qsd_start(state, d.file, pidfile, export)))
			return rc;
		image = export;
	}
	char dev[64], dir[4200];
	int lfd;
	if ((rc = loop_attach(state, image, dev, sizeof(dev), &lfd)))
		return rc;
	rc = pathf(dir, sizeof(dir), "%s/libvirt/%s/%s", mnt_base, s->domain,
		   s->disk);
	if (!rc)
		rc = mount_ro(state, dev, dir);
	close(lfd);
	if (rc)
		return rc;
	bk_lv_say("%s/%s: the frozen %s image %s is mounted read-only at %s "
		  "(%s)", s->domain, s->disk, d.format, d.file, dir, dev);
	return 0;
}

int bk_livevol_freeze(const char *state, const struct bk_livevol_src *srcs,
		      size_t n, char **mnt_base)
{
	char work[4096], mnt[4200];
	int rc = pathf(work, sizeof(work), "%s.d", state);
	if (!rc)
		rc = pathf(mnt, sizeof(mnt), "%s/mnt", work);
	if (!rc)
		rc = mkdirs(mnt);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < n; i++)
		rc = freeze_one(state, work, &srcs[i], i, mnt);
	if (!rc && !(*mnt_base = strdup(mnt)))
		rc = -ENOMEM;
	return rc;
}
