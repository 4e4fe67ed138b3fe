/* SPDX-License-Identifier: MIT */
/* What livevol.c and livevol_virt.c share: the libvirt side of a live-volume backup (a disk's file, the snapshot, commit and pivot). */
#ifndef HEARTH_BACKUP_LIVEVOL_PRIV_H
#define HEARTH_BACKUP_LIVEVOL_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "backup/livevol.h"

/* "hearth: backup: libvirt: " + the message, on stderr. */
void bk_lv_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A disk of a running domain as its live XML shows it. */
struct bk_lv_disk {
	char file[4096];  /* the active image (<source file>) */
	char format[16];  /* <driver type>: raw, qcow2 */
};

/* The disk @s->disk of the running domain: -ENOENT (no such domain or
 * disk), -ENOTSUP (not a file), -ESRCH (the domain is not running). */
int bk_lv_disk_get(const struct bk_livevol_src *s, struct bk_lv_disk *d);

/* An external disk-only snapshot of that disk only into @overlay (qcow2,
 * created by libvirt): quiesced when the guest agent answers, else said
 * and without. */
int bk_lv_snapshot(const struct bk_livevol_src *s, const char *overlay);

/* Puts the disk back on @base when its active image is @overlay: an
 * active shallow block commit (or the one under way), waited for until
 * ready, then pivoted. 0 also when the disk was not on @overlay;
 * -EAGAIN when the domain is off (the overlay must stay). */
int bk_lv_commit(const struct bk_livevol_src *s, const char *overlay,
		 const char *base);

#endif
