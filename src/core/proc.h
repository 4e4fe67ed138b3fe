/* SPDX-License-Identifier: MIT */
/* Child processes on the loop: run a command with a deadline, keep the tail of what it printed. */
#ifndef HEARTH_CORE_PROC_H
#define HEARTH_CORE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

/* How much of a child's output (stdout and stderr together, in order)
 * is kept: the last bytes, for logs and alerts. */
#define PROC_TAIL 4096

struct proc;

struct proc_result {
	int exit_status; /* when it exited; -1 when killed by a signal */
	int term_signal; /* the signal that ended it, else 0 */
	bool timed_out;	 /* it outlived its deadline and was killed */
	bool cancelled;	 /* proc_cancel ended it */
	int spawn_error; /* uv_spawn's (negative) error: it never ran */
	const char *output; /* the tail of its output, NUL-terminated */
	size_t output_len;
	uint64_t runtime_ms;
};

/* Runs on the loop once the child ended and its pipe is drained; the
 * result and its output live until the callback returns. The proc is
 * freed after it. */
typedef void (*proc_done_fn)(const struct proc_result *r, void *ud);

struct proc_opts {
	const char *const *argv; /* argv[0] is looked up in PATH when bare */
	const char *const *env;	 /* NAME=VALUE added to hearthd's own; may be NULL */
	const char *cwd;	 /* NULL: hearthd's */
	uint64_t timeout_ms;	 /* 0: none; then SIGTERM, SIGKILL 5 s later */
	proc_done_fn done;
	void *ud;
};

/*
 * Starts a child with stdin from /dev/null and stdout and stderr into
 * one pipe. done is always called exactly once, later, on the loop (also
 * when the spawn failed: spawn_error set). Returns the handle (for
 * proc_cancel, valid until done ran) or NULL when out of memory (done is
 * then not called). Loop thread only.
 */
struct proc *proc_run(uv_loop_t *loop, const struct proc_opts *o);

/* Ends the child (SIGTERM, SIGKILL 5 s later); done follows with
 * cancelled set. */
void proc_cancel(struct proc *p);

/* The child's pid, or 0 when it is not running. */
int proc_pid(const struct proc *p);

#endif
