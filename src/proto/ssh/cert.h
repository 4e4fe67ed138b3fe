/* SPDX-License-Identifier: MIT */
/* OpenSSH certificates (PROTOCOL.certkeys): signing with an Ed25519 CA, reading back (untrusted input, bounded), ssh-keygen's -V validity forms. */
#ifndef HEARTH_PROTO_SSH_CERT_H
#define HEARTH_PROTO_SSH_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/buf.h"
#include "proto/ssh/key.h"

#define SSH_CERT_USER 1
#define SSH_CERT_HOST 2

#define SSH_CERT_MAX_PRINCIPALS 64
#define SSH_CERT_NAME_MAX 256	/* a principal or key id, with its NUL */
#define SSH_CERT_OPTION_MAX 1024 /* force-command, source-address */
/* Bytes of a certificate blob we read. */
#define SSH_CERT_BLOB_MAX 16384

/* The extensions ssh-keygen knows, as bits; ssh-keygen's default for
 * user certificates is all of them, host certificates carry none. */
enum {
	SSH_EXT_X11 = 1 << 0,	/* permit-X11-forwarding */
	SSH_EXT_AGENT = 1 << 1, /* permit-agent-forwarding */
	SSH_EXT_PORT = 1 << 2,	/* permit-port-forwarding */
	SSH_EXT_PTY = 1 << 3,	/* permit-pty */
	SSH_EXT_USER_RC = 1 << 4, /* permit-user-rc */
	SSH_EXT_ALL = 0x1f,
};
/* Name of extension bit @i (0..4), in the wire's (sorted) order. */
const char *ssh_ext_name(unsigned i);
/* The bit of extension @name, or 0. */
unsigned ssh_ext_bit(const char *name);

/* What a certificate says. Plain value (about 20 KiB: keep it off small
 * stacks in hot paths). */
struct ssh_cert {
	uint32_t kind; /* SSH_CERT_USER or SSH_CERT_HOST */
	uint64_t serial;
	char key_id[SSH_CERT_NAME_MAX];
	size_t n_principals; /* 0: any principal */
	char principals[SSH_CERT_MAX_PRINCIPALS][SSH_CERT_NAME_MAX];
	uint64_t valid_after, valid_before; /* unix seconds; ~0: forever */
	char force_command[SSH_CERT_OPTION_MAX]; /* "" when absent */
	char source_address[SSH_CERT_OPTION_MAX];
	unsigned extensions; /* SSH_EXT_* */
	struct ssh_pubkey key;	/* the certified key */
	struct ssh_pubkey ca;	/* the signing key */
	char ca_sig_type[32];	/* the signature's algorithm */
};

/*
 * Signs @c (its key, kind, serial, ...; @c->ca is ignored) with the
 * Ed25519 CA secret key @ca_sk (libsodium's 64 bytes) and appends the
 * certificate blob to @out. 0, or -EINVAL (a string that does not fit,
 * an empty interval), -ENOMEM. A fresh random nonce each time.
 */
int ssh_cert_sign(const struct ssh_cert *c, const uint8_t ca_sk[64],
		  struct buf *out);

/* The certificate line "TYPE-cert-v01@openssh.com BASE64 COMMENT\n". */
void ssh_cert_format_line(const uint8_t *blob, size_t len, enum ssh_keytype t,
			  const char *comment, struct buf *b);

/*
 * Reads a certificate blob (at most SSH_CERT_BLOB_MAX bytes): every field,
 * nothing after; principals beyond SSH_CERT_MAX_PRINCIPALS, unknown
 * critical options and names too long are refused. When the CA is
 * Ed25519, the signature is checked (*verified says whether it was).
 * 0, or -EINVAL with @why; -EBADMSG when the signature is wrong.
 */
int ssh_cert_parse(const uint8_t *blob, size_t len, struct ssh_cert *c,
		   bool *verified, const char **why);
/* The same from a .pub line. */
int ssh_cert_parse_line(const char *text, size_t len, struct ssh_cert *c,
			bool *verified, const char **why);

/*
 * ssh-keygen's -V: "+1h" (from a minute back to now + 1h), or FROM:TO
 * where each is [+-]TIMESPEC (relative to @now: 1h30m, 2w, 90 seconds),
 * YYYYMMDD, YYYYMMDDHHMM, YYYYMMDDHHMMSS (local time; a Z or UTC suffix:
 * UTC), 0xHEX, "always" (FROM) or "forever" (TO). 0, or -EINVAL.
 */
int ssh_validity_parse(const char *spec, time_t now, uint64_t *from,
		       uint64_t *to);

#endif
