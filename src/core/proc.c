/* SPDX-License-Identifier: MIT */
/* Child processes on the loop: spawn, deadline (SIGTERM then SIGKILL to its process group), output tail. */
#include "core/proc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

#define KILL_GRACE_MS 5000
#define EOF_GRACE_MS 1000 /* after the exit: a grandchild may hold the pipe */

struct proc {
	uv_process_t h;
	uv_pipe_t out, err; /* the child's stdout and stderr */
	uv_timer_t timer;
	struct proc_result r;
	proc_done_fn done;
	void *ud;
	uint64_t start_ms;
	int pid;
	int open;	 /* handles not yet closed */
	int eofs;	 /* pipes at their end (of 2) */
	bool exited, ending;
	char **env;	 /* NULL: hearthd's own */
	size_t len;
	char tail[2 * PROC_TAIL + 1];
};

static void on_closed(uv_handle_t *h)
{
	struct proc *p = h->data;
	if (--p->open)
		return;
	p->tail[p->len] = '\0';
	p->r.output = p->tail;
	p->r.output_len = p->len;
	p->done(&p->r, p->ud);
	free(p->env);
	free(p);
}

static void close_one(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, on_closed);
}

static void finish(struct proc *p)
{
	if (p->ending)
		return;
	p->ending = true;
	p->r.runtime_ms = uv_now(p->h.loop) - p->start_ms;
	close_one((uv_handle_t *)&p->timer);
	close_one((uv_handle_t *)&p->out);
	close_one((uv_handle_t *)&p->err);
	close_one((uv_handle_t *)&p->h);
}

static void signal_group(struct proc *p, int sig)
{
	if (p->pid > 0 && !p->exited) {
		/* The child leads its own process group (detached): a shell
		 * hook's own children go with it. */
		if (kill(-p->pid, sig) && errno == ESRCH)
			kill(p->pid, sig);
	}
}

static void on_timer(uv_timer_t *t)
{
	struct proc *p = t->data;
	if (p->exited) { /* the pipe stayed open past the exit */
		finish(p);
		return;
	}
	if (p->r.timed_out || p->r.cancelled) { /* SIGTERM went unheeded */
		signal_group(p, SIGKILL);
		return;
	}
	p->r.timed_out = true;
	signal_group(p, SIGTERM);
	uv_timer_start(t, on_timer, KILL_GRACE_MS, 0);
}

static void on_child_exit(uv_process_t *h, int64_t status, int sig)
{
	struct proc *p = h->data;
	p->exited = true;
	p->r.exit_status = sig ? -1 : (int)status;
	p->r.term_signal = sig;
	if (p->eofs == 2)
		finish(p);
	else
		uv_timer_start(&p->timer, on_timer, EOF_GRACE_MS, 0);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct proc *p = h->data;
	(void)suggested;
	if (p->len > PROC_TAIL) { /* keep the last PROC_TAIL bytes */
		memmove(p->tail, p->tail + p->len - PROC_TAIL, PROC_TAIL);
		p->len = PROC_TAIL;
	}
	*b = uv_buf_init(p->tail + p->len, (unsigned)(2 * PROC_TAIL - p->len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct proc *p = s->data;
	(void)b;
	if (n > 0) {
		p->len += (size_t)n;
		return;
	}
	if (n == 0)
		return;
	p->eofs++;
	uv_read_stop(s);
	if (p->exited && p->eofs == 2)
		finish(p);
}

/* environ with @extra's NAME=VALUE replacing or adding to it. */
static char **merged_env(const char *const *extra)
{
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	while (extra[k])
		k++;
	char **env = calloc(n + k + 1, sizeof(*env));
	if (!env)
		return NULL;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		bool replaced = false;
		for (size_t j = 0; j < k && !replaced; j++)
			replaced = strncmp(extra[j], environ[i], nl) == 0 &&
				   extra[j][nl] == '=';
		if (!replaced)
			env[m++] = environ[i];
	}
	for (size_t j = 0; j < k; j++)
		env[m++] = (char *)extra[j];
	return env;
}

struct proc *proc_run(uv_loop_t *loop, const struct proc_opts *o)
{
	struct proc *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (o->env && !(p->env = merged_env(o->env))) {
		free(p);
		return NULL;
	}
	p->done = o->done;
	p->ud = o->ud;
	p->start_ms = uv_now(loop);
	p->h.data = p->out.data = p->err.data = p->timer.data = p;
	uv_pipe_init(loop, &p->out, 0);
	uv_pipe_init(loop, &p->err, 0);
	uv_timer_init(loop, &p->timer);
	p->open = 4;

	uv_stdio_container_t stdio[3] = {
		{.flags = UV_IGNORE},
		{.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE,
		 .data.stream = (uv_stream_t *)&p->out},
		{.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE,
		 .data.stream = (uv_stream_t *)&p->err},
	};
	uv_process_options_t po = {
		.exit_cb = on_child_exit,
		.file = o->argv[0],
		.args = (char **)o->argv,
		.env = p->env,
		.cwd = o->cwd,
		.flags = UV_PROCESS_DETACHED,
		.stdio_count = 3,
		.stdio = stdio,
	};
	int rc = uv_spawn(loop, &p->h, &po);
	if (rc) {
		p->r.spawn_error = rc;
		p->r.exit_status = -1;
		p->exited = true;
		p->eofs = 2;
		finish(p);
		return p;
	}
	p->pid = p->h.pid;
	if (uv_read_start((uv_stream_t *)&p->out, on_alloc, on_read))
		p->eofs++;
	if (uv_read_start((uv_stream_t *)&p->err, on_alloc, on_read))
		p->eofs++;
	if (o->timeout_ms)
		uv_timer_start(&p->timer, on_timer, o->timeout_ms, 0);
	return p;
}

void proc_cancel(struct proc *p)
{
	if (p->exited || p->r.cancelled)
		return;
	p->r.cancelled = true;
	signal_group(p, SIGTERM);
	uv_timer_start(&p->timer, on_timer, KILL_GRACE_MS, 0);
}

int proc_pid(const struct proc *p)
{
	return p->exited ? 0 : p->pid;
}
