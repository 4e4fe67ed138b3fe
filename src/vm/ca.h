/* SPDX-License-Identifier: MIT */
/* The lab's SSH certificate authority on disk: DIR/ca (Ed25519, openssh-key-v1, mode 0600), DIR/ca.pub, DIR/serial; signing and durable file writes. */
#ifndef HEARTH_VM_CA_H
#define HEARTH_VM_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "proto/ssh/cert.h"
#include "proto/ssh/key.h"

/* An open CA: its secret key (wiped by vm_ca_close). Caller-allocated;
 * one thread at a time. */
struct vm_ca {
	char dir[4096];
	uint8_t sk[64];
	struct ssh_pubkey pub;
};

/* Room for a message naming the file and what is wrong. */
struct vm_err {
	char msg[2048];
};

/*
 * Creates DIR (0700) if missing and a new CA in it: DIR/ca (0600),
 * DIR/ca.pub, DIR/serial (0). Refuses (-EEXIST) when DIR/ca exists.
 * 0 or a negative code with @err filled.
 */
int vm_ca_create(const char *dir, const char *comment, struct vm_err *err);

/* Reads DIR/ca (refusing one readable by group or others). */
int vm_ca_open(const char *dir, struct vm_ca *ca, struct vm_err *err);
void vm_ca_close(struct vm_ca *ca);

/*
 * Signs @c (key, kind, principals, validity, options, extensions filled
 * by the caller) with @ca. A serial of 0 takes the next one from
 * DIR/serial (kept durably). Appends the certificate line (comment
 * @comment) to @line. 0 or a negative code with @err filled.
 */
int vm_ca_sign(struct vm_ca *ca, struct ssh_cert *c, const char *comment,
	       struct buf *line, struct vm_err *err);

/* Writes @path atomically and durably (temp file, fsync, rename, fsync
 * of the directory) with @mode. 0 or -errno. */
int vm_write_file(const char *path, const void *data, size_t len, mode_t mode);

/* mkdir -p with @mode for what it creates. 0 or -errno. */
int vm_mkdir_p(const char *dir, mode_t mode);

/* Reads a whole file of at most @max bytes (malloc'd, NUL-terminated,
 * caller frees). 0, -errno, or -EFBIG. */
int vm_read_file(const char *path, size_t max, char **out, size_t *len);

#endif
