/* SPDX-License-Identifier: MIT */
/* A VM's NoCloud seed: meta-data, user-data (hostname, users, SSH host key and certificate, TrustedUserCAKeys, packages), network-config, and the cidata ISO (ISO 9660 + Joliet + Rock Ridge, through libisofs). */
#ifndef HEARTH_VM_SEED_H
#define HEARTH_VM_SEED_H

#include <stddef.h>

#include "base/buf.h"

/* What the seed says; strings are the caller's. */
struct vm_seed_in {
	const char *hostname;	/* the lab name */
	const char *fqdn;	/* NAME.lab.domain */
	const char *user;	/* login user */
	const char *const *packages;
	size_t n_packages;
	const char *const *ssh_keys; /* authorized_keys lines */
	size_t n_ssh_keys;
	const char *ca_pub;	   /* the CA's .pub line: TrustedUserCAKeys */
	const char *host_key;	   /* the host's private key (openssh-key-v1) */
	const char *host_pub;	   /* its .pub line */
	const char *host_cert;	   /* its certificate line */
	const char *mac;	   /* for network-config; NULL or "": none */
	const char *extra_user_data; /* #cloud-config merged after (or NULL) */
};

/* The seed's three files, malloc'd (vm_seed_deinit). */
struct vm_seed {
	struct buf meta_data, user_data, network_config;
	char hash[20]; /* 16 hex digits of SHA-256 over the content */
};

/* Builds the texts; instance-id is HOSTNAME-HASH, so a changed seed is a
 * new instance to cloud-init. The hash leaves out the host key and
 * certificate: with them "" it is the same. 0 or -ENOMEM. */
int vm_seed_build(const struct vm_seed_in *in, struct vm_seed *out);
void vm_seed_deinit(struct vm_seed *s);

/* Appends @s as a YAML double-quoted scalar (JSON-compatible escapes). */
void vm_yaml_quote(struct buf *b, const char *s);

/*
 * The cidata ISO of @s (volume id "cidata"; meta-data, user-data and,
 * when not empty, network-config; Rock Ridge and Joliet names) into
 * *out (malloc'd, caller frees). 0, -ENOMEM, or -EIO when libisofs
 * fails. Not thread-safe (libisofs' global init).
 */
int vm_seed_iso(const struct vm_seed *s, unsigned char **out, size_t *len);

#endif
