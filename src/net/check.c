/* SPDX-License-Identifier: MIT */
/* `hearth net check`: pings between the lab hosts it can reach from here (this host, and hosts with a network namespace of their name), as a matrix against what lab.policy says. */
#include "net/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proto/watch/icmp.h"

#define NETNS_DIR "/run/netns/"
#define PING_TRIES 2
#define PING_WAIT_MS 1000
#define MAX_HOSTS 64

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* One echo to @to (IPv4) and its reply within PING_WAIT_MS: 'y' when it
 * came, 'n' when not, 'e' when no raw socket (the check runs as root: it
 * enters namespaces). */
static char ping4(const struct ipaddr *to, uint16_t id, uint16_t seq)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	bool ok = false;
	if (fd < 0)
		return 'e';
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr = to->u.v4};
	uint8_t pkt[WATCH_ICMP_ECHO_LEN];
	watch_icmp_echo(pkt, id, seq);
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&sin,
		   sizeof(sin)) < 0)
		goto out;
	long end = now_ms() + PING_WAIT_MS;
	for (long left; !ok && (left = end - now_ms()) > 0;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)left) <= 0)
			break;
		uint8_t buf[1500];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		uint16_t rid, rseq;
		uint32_t from;
		if (n > 0 && !watch_icmp_reply(buf, (size_t)n, true, &rid, &rseq,
					       &from) &&
		    rid == id && rseq == seq && from == to->u.v4.s_addr)
			ok = true;
	}
out:
	close(fd);
	return ok ? 'y' : 'n';
}

static char reachable(const struct ipaddr *to, uint16_t id)
{
	char r = 'n';
	for (uint16_t t = 0; t < PING_TRIES && r == 'n'; t++)
		r = ping4(to, id, t + 1);
	return r;
}

/* What lab.policy says of @from -> @to: the first rule that matches;
 * traffic no rule names passes. */
static bool policy_allows(const struct cfg_lab *lab, const char *from,
			  const char *to)
{
	if (!from || !to || strcmp(from, to) == 0)
		return true;
	for (size_t i = 0; i < lab->n_policy; i++)
		if (!strcmp(lab->policy[i].from, from) &&
		    !strcmp(lab->policy[i].to, to))
			return lab->policy[i].allow;
	return true;
}

struct row {
	const struct cfg_host *host; /* NULL: this host, unnamed */
	bool netns;		     /* entered by its namespace */
	pid_t pid;
	int fd; /* the child's answers: one byte per column */
};

/* In the child: enter the row's namespace, ping each column. */
static void row_child(const struct row *r, const struct cfg_host *const *cols,
		      size_t n, int out)
{
	char path[128];
	if (r->netns) {
		snprintf(path, sizeof(path), NETNS_DIR "%s", r->host->name);
		int ns = open(path, O_RDONLY | O_CLOEXEC);
		if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
			_exit(2);
		close(ns);
	}
	for (size_t c = 0; c < n; c++) {
		char v = '-';
		if (cols[c] != r->host)
			v = cols[c]->ip.family != AF_INET
				    ? '?'
				    : reachable(&cols[c]->ip,
						(uint16_t)(getpid() + c));
		if (write(out, &v, 1) != 1)
			_exit(2);
	}
	_exit(0);
}

static bool has_netns(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), NETNS_DIR "%s", name);
	return access(path, F_OK) == 0;
}

int net_check_run(const struct cfg_lab *lab, const char *host, FILE *out,
		  bool *as_expected)
{
	const struct cfg_host *cols[MAX_HOSTS];
	struct row rows[MAX_HOSTS + 1];
	size_t nc = 0, nr = 0;
	bool no_raw = false;
	int rc = 0;
	*as_expected = true;
	for (size_t i = 0; i < lab->n_hosts && nc < MAX_HOSTS; i++)
		if (lab->hosts[i].has_ip)
			cols[nc++] = &lab->hosts[i];
	const struct cfg_host *self = NULL;
	for (size_t i = 0; host && i < nc; i++)
		if (!strcmp(cols[i]->name, host))
			self = cols[i];
	if (!self || !has_netns(self->name))
		rows[nr++] = (struct row){.host = self};
	for (size_t i = 0; i < nc; i++)
		if (has_netns(cols[i]->name))
			rows[nr++] = (struct row){.host = cols[i], .netns = true};

	fflush(out);
	for (size_t r = 0; r < nr; r++) {
		int p[2];
		rows[r].pid = -1;
		rows[r].fd = -1;
		if (pipe2(p, O_CLOEXEC) < 0) {
			rc = -errno;
			continue;
		}
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			row_child(&rows[r], cols, nc, p[1]);
		}
		close(p[1]);
		if (pid < 0) {
			rc = -errno;
			close(p[0]);
			continue;
		}
		rows[r].pid = pid;
		rows[r].fd = p[0];
	}

	size_t w = strlen("(this host)");
	for (size_t c = 0; c < nc; c++)
		if (strlen(cols[c]->name) > w)
			w = strlen(cols[c]->name);
	fprintf(out, "%-*s", (int)w, "from \\ to");
	for (size_t c = 0; c < nc; c++)
		fprintf(out, "  %-*s", (int)w, cols[c]->name);
	fputc('\n', out);
	for (size_t r = 0; r < nr; r++) {
		char got[MAX_HOSTS];
		ssize_t n = 0;
		if (rows[r].fd >= 0) {
			/* Every child is bounded: tries x wait x columns. */
			while (n < (ssize_t)nc) {
				ssize_t k = read(rows[r].fd, got + n, nc - (size_t)n);
				if (k <= 0)
					break;
				n += k;
			}
			close(rows[r].fd);
		}
		if (rows[r].pid > 0)
			waitpid(rows[r].pid, NULL, 0);
		const char *from = rows[r].host ? rows[r].host->network : NULL;
		fprintf(out, "%-*s", (int)w,
			rows[r].host ? rows[r].host->name : "(this host)");
		for (size_t c = 0; c < nc; c++) {
			char cell[32];
			if (c >= (size_t)n || got[c] == 'e') {
				snprintf(cell, sizeof(cell), "error");
				*as_expected = false;
				no_raw |= c < (size_t)n;
			} else if (got[c] == '-' || got[c] == '?') {
				snprintf(cell, sizeof(cell), "%s",
					 got[c] == '-' ? "-" : "n/a");
			} else {
				bool ok = got[c] == 'y';
				bool want = !rows[r].host ||
					    policy_allows(lab, from,
							  cols[c]->network);
				/* Unnamed row: nothing expected of it. */
				bool match = !rows[r].host || ok == want;
				snprintf(cell, sizeof(cell), "%s%s",
					 ok ? "ok" : "blocked",
					 match ? "" : "(!)");
				if (!match)
					*as_expected = false;
			}
			fprintf(out, "  %-*s", (int)w, cell);
		}
		fputc('\n', out);
	}
	if (no_raw)
		fprintf(out, "error: no raw ICMP socket (run as root)\n");
	fprintf(out, "%s\n", *as_expected ? "as lab.policy says"
					  : "(!): not what lab.policy says");
	return rc;
}
