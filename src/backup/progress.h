/* SPDX-License-Identifier: MIT */
/* A restic-like status line on the terminal (items, bytes, rate, ETA) for long backup commands, redrawn by its own thread. */
#ifndef HEARTH_BACKUP_PROGRESS_H
#define HEARTH_BACKUP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * One status line, e.g.
 *   [0:12] 25.00%  12 files 1.234 MiB, total 48 files 4.938 GiB, 0 errors, 98.7 MiB/s ETA 0:36
 * drawn on stdout when it is a terminal, else on stderr when that is one,
 * at most 4 times a second by a thread of its own; cleared by
 * backup_progress_stop. The counters may be updated from any thread.
 * Every function takes NULL (a command without a status line) and does
 * nothing then.
 */
struct backup_progress;

/* A status line counting @noun ("files", "packs", "snapshots"); NULL when
 * @off (--json, --quiet) or neither stdout nor stderr is a terminal, or
 * out of memory. The caller owns it until backup_progress_stop. */
struct backup_progress *backup_progress_start(const char *noun, bool off);
/* restic's `--json` status messages instead of the line: one
 * {"message_type":"status",...} line (backup_progress_format_json) on
 * stdout at most 4 times a second, whatever stdout is; nothing when
 * stopped. NULL out of memory. */
struct backup_progress *backup_progress_start_json(void);
/* The totals as far as known (grow them as a scan goes on); with no total
 * the line shows no percentage or ETA. */
void backup_progress_total(struct backup_progress *p, uint64_t items, uint64_t bytes);
void backup_progress_add_total(struct backup_progress *p, uint64_t items, uint64_t bytes);
/* Work done: @items finished, @bytes processed. */
void backup_progress_add(struct backup_progress *p, uint64_t items, uint64_t bytes);
void backup_progress_error(struct backup_progress *p);
/* Prints @line (with its newline) to @f without mixing it into the status
 * line: the line is cleared first and redrawn after. NULL @p: just prints. */
void backup_progress_print(struct backup_progress *p, FILE *f, const char *line);
/* backup_progress_print of a formatted line to stderr (a warning). */
void backup_progress_warn(struct backup_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Draws the last state once, clears the line, joins the thread and frees @p. */
void backup_progress_stop(struct backup_progress *p);

/* What a status line shows. */
struct backup_progress_counts {
	uint64_t items, bytes, total_items, total_bytes, errors;
};
/* The line for @c after @secs seconds, without "\r" (see above), into
 * @line (NUL-terminated, cut to @cap); its length. */
int backup_progress_format(char *line, size_t cap, const char *noun,
			   const struct backup_progress_counts *c, double secs);
/* restic 0.14's status message for @c after @secs seconds, one JSON
 * line with its newline: message_type, seconds_elapsed,
 * seconds_remaining, percent_done, total_files, files_done, total_bytes,
 * bytes_done, error_count (each count left out when 0, as Go's omitempty
 * does; percent_done always there). Its length (cut to @cap). */
int backup_progress_format_json(char *line, size_t cap, const struct backup_progress_counts *c,
				double secs);
/* Formats a byte count as restic does ("1.234 MiB", "512 B") into @out. */
void backup_progress_bytes(uint64_t n, char *out, size_t cap);

#endif
