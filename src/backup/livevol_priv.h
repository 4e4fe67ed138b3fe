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

/*
 * The libvirt side, as livevol.c calls it (livevol_virt.c is libvirt's;
 * a unit test sets a fake with bk_livevol_set_virt). Every call connects
 * to s->uri itself. Codes they share: -ENOTCONN (no connection to
 * libvirtd), -ENOENT (libvirt says there is no such domain), -EIO (a
 * libvirt call failed, the connection lost on the way included).
 */
struct bk_lv_virt {
	/* The disk @s->disk of the running domain: also -ENOENT for no such
	 * disk, -ENOTSUP (not a file), -ESRCH (the domain is not running). */
	int (*disk_get)(const struct bk_livevol_src *s, struct bk_lv_disk *d);
	/* An external disk-only snapshot of that disk only into @overlay
	 * (qcow2, created by libvirt): quiesced when the guest agent
	 * answers, else said and without. */
	int (*snapshot)(const struct bk_livevol_src *s, const char *overlay);
	/* Puts the disk back on @base when its active image is @overlay: an
	 * active shallow block commit (or the one under way), waited for
	 * until ready, then pivoted. 0 also when the disk was not on
	 * @overlay (it is the caller's to delete then); -EAGAIN when the
	 * domain is off on it (the overlay must stay). */
	int (*commit)(const struct bk_livevol_src *s, const char *overlay,
		      const char *base);
};

/* libvirt's (livevol_virt.c). */
extern const struct bk_lv_virt bk_lv_libvirt;
/* The calls livevol.c makes from now on; NULL: libvirt's again. For
 * tests; not thread-safe. */
void bk_livevol_set_virt(const struct bk_lv_virt *v);

#endif
