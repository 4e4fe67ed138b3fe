/* SPDX-License-Identifier: MIT */
/* The backup commands' terminal status line, or restic's JSON status messages (see progress.h): atomic counters, a drawing thread at 4 Hz. */
#include "backup/progress.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_NS 250000000LL /* at most 4 lines a second */

struct backup_progress {
	_Atomic uint64_t items, bytes, total_items, total_bytes, errors;
	const char *noun;
	int fd;
	struct timespec start;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
	bool json; /* restic's status messages on stdout, not a line */
};

static int64_t since_ns(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t0->tv_sec) * 1000000000LL + (now.tv_nsec - t0->tv_nsec);
}

void backup_progress_bytes(uint64_t n, char *out, size_t cap)
{
	static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	int u = -1;
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, cap, "%llu B", (unsigned long long)n);
	else
		snprintf(out, cap, "%.3f %s", v, unit[u]);
}

/* restic's formatDuration: "m:ss" or "h:mm:ss". */
static void duration(uint64_t s, char *out, size_t cap)
{
	if (s >= 3600)
		snprintf(out, cap, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	else
		snprintf(out, cap, "%llu:%02llu", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
}

/* Appends to a line cut at its buffer's end. */
struct out {
	char *s;
	size_t cap, n;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	if (o->n + 1 >= o->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(o->s + o->n, o->cap - o->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->n = o->n + (size_t)k < o->cap ? o->n + (size_t)k : o->cap - 1;
}

/* The share done: by bytes when their total is known, else by items;
 * -1 without either. */
static double share_done(const struct backup_progress_counts *c)
{
	double done = c->total_bytes ? (double)c->bytes / (double)c->total_bytes
		      : c->total_items ? (double)c->items / (double)c->total_items
				       : -1;
	return done > 1 ? 1 : done;
}

int backup_progress_format(char *line, size_t cap, const char *noun, const struct backup_progress_counts *c,
			   double secs)
{
	char el[32], b[32], tbs[32], rate[32];
	struct out o = {line, cap, 0};
	if (!cap)
		return 0;
	line[0] = '\0';
	duration((uint64_t)secs, el, sizeof el);
	backup_progress_bytes(c->bytes, b, sizeof b);
	backup_progress_bytes(c->total_bytes, tbs, sizeof tbs);
	backup_progress_bytes(secs > 0.05 ? (uint64_t)((double)c->bytes / secs) : 0, rate, sizeof rate);
	double done = share_done(c);
	put(&o, "[%s] ", el);
	if (done >= 0)
		put(&o, "%.2f%%  ", done * 100);
	put(&o, "%llu %s %s", (unsigned long long)c->items, noun, b);
	if (c->total_items || c->total_bytes)
		put(&o, ", total %llu %s%s%s", (unsigned long long)c->total_items, noun,
		    c->total_bytes ? " " : "", c->total_bytes ? tbs : "");
	put(&o, ", %llu errors, %s/s", (unsigned long long)c->errors, rate);
	if (done > 0 && done < 1 && secs > 0.5) {
		char eta[32];
		duration((uint64_t)(secs / done - secs + 0.5), eta, sizeof eta);
		put(&o, " ETA %s", eta);
	}
	return (int)o.n;
}

int backup_progress_format_json(char *line, size_t cap, const struct backup_progress_counts *c,
				double secs)
{
	struct out o = {line, cap, 0};
	if (!cap)
		return 0;
	line[0] = '\0';
	double done = share_done(c);
	uint64_t elapsed = secs > 0 ? (uint64_t)secs : 0, left = 0;
	if (done > 0 && done < 1 && secs > 0.5)
		left = (uint64_t)(secs / done - secs + 0.5);
	put(&o, "{\"message_type\":\"status\"");
	if (elapsed)
		put(&o, ",\"seconds_elapsed\":%llu", (unsigned long long)elapsed);
	if (left)
		put(&o, ",\"seconds_remaining\":%llu", (unsigned long long)left);
	put(&o, ",\"percent_done\":%.10g", done > 0 ? done : 0);
	const struct {
		const char *name;
		uint64_t v;
	} f[] = {{"total_files", c->total_items}, {"files_done", c->items},
		 {"total_bytes", c->total_bytes}, {"bytes_done", c->bytes},
		 {"error_count", c->errors}};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i].v)
			put(&o, ",\"%s\":%llu", f[i].name, (unsigned long long)f[i].v);
	put(&o, "}\n");
	/* cut short, it would not parse: say nothing instead */
	if (o.n && line[o.n - 1] != '\n') {
		line[0] = '\0';
		o.n = 0;
	}
	return (int)o.n;
}

static void draw(struct backup_progress *p, bool final)
{
	struct backup_progress_counts c = {
		atomic_load(&p->items), atomic_load(&p->bytes), atomic_load(&p->total_items),
		atomic_load(&p->total_bytes), atomic_load(&p->errors),
	};
	if (p->json) {
		char msg[512];
		int n = final ? 0 : backup_progress_format_json(msg, sizeof msg, &c,
								(double)since_ns(&p->start) / 1e9);
		if (n > 0 && write(p->fd, msg, (size_t)n) < 0)
			return; /* stdout went away: nothing to tell */
		return;
	}
	if (final) { /* finished: whatever the scan guessed, it is all */
		c.total_items = c.items;
		c.total_bytes = c.bytes;
	}
	char line[512];
	line[0] = '\r';
	int n = 1 + backup_progress_format(line + 1, sizeof line - 4, p->noun, &c,
					   (double)since_ns(&p->start) / 1e9);
	/* one terminal row: a longer line would scroll instead of redraw */
	struct winsize ws;
	if (ioctl(p->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && n > ws.ws_col)
		n = ws.ws_col; /* "\r" takes no column */
	memcpy(line + n, "\x1b[K", 3);
	if (write(p->fd, line, (size_t)n + 3) < 0)
		return; /* the terminal went away: nothing to tell */
}

static void *run(void *arg)
{
	struct backup_progress *p = arg;
	pthread_mutex_lock(&p->mu);
	while (!p->stopping) {
		draw(p, false);
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += REDRAW_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!p->stopping && pthread_cond_timedwait(&p->cv, &p->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static struct backup_progress *start(const char *noun, int fd, bool json)
{
	struct backup_progress *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->noun = noun;
	p->fd = fd;
	p->json = json;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&p->mu, NULL);
	/* the caller's stdio output so far goes before the line */
	fflush(stdout);
	if (pthread_create(&p->thread, NULL, run, p)) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p);
		return NULL;
	}
	return p;
}

struct backup_progress *backup_progress_start(const char *noun, bool off)
{
	int fd = isatty(STDOUT_FILENO) ? STDOUT_FILENO : isatty(STDERR_FILENO) ? STDERR_FILENO : -1;
	return off || fd < 0 ? NULL : start(noun, fd, false);
}

struct backup_progress *backup_progress_start_json(void)
{
	return start("files", STDOUT_FILENO, true);
}

void backup_progress_total(struct backup_progress *p, uint64_t items, uint64_t bytes)
{
	if (p) {
		atomic_store(&p->total_items, items);
		atomic_store(&p->total_bytes, bytes);
	}
}

void backup_progress_add_total(struct backup_progress *p, uint64_t items, uint64_t bytes)
{
	if (p) {
		atomic_fetch_add(&p->total_items, items);
		atomic_fetch_add(&p->total_bytes, bytes);
	}
}

void backup_progress_add(struct backup_progress *p, uint64_t items, uint64_t bytes)
{
	if (p) {
		atomic_fetch_add(&p->items, items);
		atomic_fetch_add(&p->bytes, bytes);
	}
}

void backup_progress_error(struct backup_progress *p)
{
	if (p)
		atomic_fetch_add(&p->errors, 1);
}

void backup_progress_print(struct backup_progress *p, FILE *f, const char *line)
{
	bool line_shown = p && !p->json; /* status messages need no redraw */
	if (p)
		pthread_mutex_lock(&p->mu);
	if (line_shown && write(p->fd, "\r\x1b[K", 4) < 0) {
		/* the terminal went away */
	}
	fputs(line, f);
	fflush(f);
	if (line_shown)
		draw(p, false);
	if (p)
		pthread_mutex_unlock(&p->mu);
}

void backup_progress_warn(struct backup_progress *p, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	backup_progress_print(p, stderr, line);
}

void backup_progress_stop(struct backup_progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	if (!p->json) {
		draw(p, true);
		if (write(p->fd, "\r\x1b[K", 4) < 0) {
			/* the terminal went away */
		}
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
