/* SPDX-License-Identifier: MIT */
/* Levelled logging to stderr (one write(2) per line so lines never interleave), and the ring of recent warnings. */
#include "base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum log_level log_threshold = LOG_INFO;

static const char *const names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

int log_level_parse(const char *text, enum log_level *out)
{
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(text, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level < sizeof(names) / sizeof(names[0]))
		return names[level];
	return "?";
}

/* The ring: slot (total - 1) % MAX is the newest; total counts every line. */
static struct {
	pthread_mutex_t lock;
	struct log_recent lines[LOG_RECENT_MAX];
	uint64_t total;
} recent = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void remember(enum log_level level, const char *line, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* Skip "warn " / "error ": the level is a field of its own. */
	size_t skip = strlen(log_level_name(level)) + 1;
	line += skip;
	len -= skip;
	if (len >= LOG_RECENT_TEXT) {
		len = LOG_RECENT_TEXT - 1;
		/* Never half a UTF-8 character. */
		while (len > 0 && ((unsigned char)line[len] & 0xC0) == 0x80)
			len--;
	}
	pthread_mutex_lock(&recent.lock);
	struct log_recent *e = &recent.lines[recent.total % LOG_RECENT_MAX];
	e->unix_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	e->level = level;
	memcpy(e->text, line, len);
	e->text[len] = '\0';
	recent.total++;
	pthread_mutex_unlock(&recent.lock);
}

size_t log_recent_copy(struct log_recent *out, size_t cap, uint64_t *total)
{
	pthread_mutex_lock(&recent.lock);
	uint64_t t = recent.total;
	size_t n = t < LOG_RECENT_MAX ? (size_t)t : LOG_RECENT_MAX;
	if (n > cap)
		n = cap;
	for (size_t i = 0; i < n; i++)
		out[i] = recent.lines[(t - 1 - i) % LOG_RECENT_MAX];
	pthread_mutex_unlock(&recent.lock);
	if (total)
		*total = t;
	return n;
}

void log_write(enum log_level level, const char *room, const char *fmt, ...)
{
	char line[2048];
	int n = snprintf(line, sizeof(line), "%s %s: ", log_level_name(level),
			 room);
	if (n < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	if (level <= LOG_WARN)
		remember(level, line, len);
	line[len++] = '\n';
	const char *p = line;
	while (len > 0) {
		ssize_t w = write(STDERR_FILENO, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		len -= (size_t)w;
	}
}
