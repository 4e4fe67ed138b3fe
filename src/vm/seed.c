/* SPDX-License-Identifier: MIT */
/* The NoCloud seed's texts and its cidata ISO. */
#include "vm/seed.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIBISOFS_WITHOUT_LIBBURN
#include <libisofs/libisofs.h>

void vm_yaml_quote(struct buf *b, const char *s)
{
	buf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\r': buf_puts(b, "\\r"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				buf_printf(b, "\\x%02x", *p);
			else
				buf_append(b, p, 1);
		}
	}
	buf_puts(b, "\"");
}

static void kv(struct buf *b, const char *indent, const char *key,
	       const char *value)
{
	buf_printf(b, "%s%s: ", indent, key);
	vm_yaml_quote(b, value);
	buf_puts(b, "\n");
}

static void file(struct buf *b, const char *path, const char *perm,
		 const char *content)
{
	kv(b, "  - ", "path", path);
	kv(b, "    ", "permissions", perm);
	kv(b, "    ", "content", content);
}

/* hearth's #cloud-config part. */
static void cloud_config(const struct vm_seed_in *in, struct buf *b)
{
	char line[8192];
	buf_puts(b, "#cloud-config\n");
	kv(b, "", "hostname", in->hostname);
	kv(b, "", "fqdn", in->fqdn);
	buf_puts(b, "manage_etc_hosts: true\n");
	buf_puts(b, "users:\n");
	kv(b, "  - ", "name", in->user);
	kv(b, "    ", "shell", "/bin/bash");
	kv(b, "    ", "sudo", "ALL=(ALL) NOPASSWD:ALL");
	if (in->n_ssh_keys) {
		buf_puts(b, "    ssh_authorized_keys:\n");
		for (size_t i = 0; i < in->n_ssh_keys; i++) {
			buf_puts(b, "      - ");
			vm_yaml_quote(b, in->ssh_keys[i]);
			buf_puts(b, "\n");
		}
	}
	/* The host keeps the key hearth made (its certificate names it),
	 * and no other: ssh's @cert-authority needs the certified key. */
	buf_puts(b, "ssh_deletekeys: true\n");
	buf_puts(b, "ssh_genkeytypes: []\n");
	buf_puts(b, "ssh_keys:\n");
	kv(b, "  ", "ed25519_private", in->host_key);
	kv(b, "  ", "ed25519_public", in->host_pub);
	buf_puts(b, "write_files:\n");
	snprintf(line, sizeof(line), "%s\n", in->host_cert);
	file(b, "/etc/ssh/ssh_host_ed25519_key-cert.pub", "0644", line);
	snprintf(line, sizeof(line), "%s\n", in->ca_pub);
	file(b, "/etc/ssh/hearth_user_ca.pub", "0644", line);
	file(b, "/etc/ssh/sshd_config.d/hearth.conf", "0644",
	     "# written by hearth: users log in with certificates of the "
	     "lab's CA\n"
	     "TrustedUserCAKeys /etc/ssh/hearth_user_ca.pub\n"
	     "HostCertificate /etc/ssh/ssh_host_ed25519_key-cert.pub\n");
	if (in->n_packages) {
		buf_puts(b, "package_update: true\n");
		buf_puts(b, "packages:\n");
		for (size_t i = 0; i < in->n_packages; i++) {
			buf_puts(b, "  - ");
			vm_yaml_quote(b, in->packages[i]);
			buf_puts(b, "\n");
		}
	}
}

#define BOUNDARY "==hearth-seed-boundary=="

static void part(struct buf *b, const char *filename, const char *body)
{
	buf_puts(b, "--" BOUNDARY "\n");
	buf_puts(b, "Content-Type: text/cloud-config; charset=\"utf-8\"\n");
	buf_puts(b, "MIME-Version: 1.0\n");
	buf_printf(b, "Content-Disposition: attachment; filename=\"%s\"\n\n",
		   filename);
	buf_puts(b, body);
	if (body[0] && body[strlen(body) - 1] != '\n')
		buf_puts(b, "\n");
}

static int build(const struct vm_seed_in *in, struct vm_seed *s,
		 const char *hash);

int vm_seed_build(const struct vm_seed_in *in, struct vm_seed *s)
{
	/* The hash covers what the config decides, not the host key and
	 * certificate (renewed on their own): a plan can compute it
	 * without touching the CA. */
	struct vm_seed_in blank = *in;
	struct vm_seed probe;
	blank.host_key = blank.host_pub = blank.host_cert = "";
	int rc = build(&blank, &probe, NULL);
	if (rc)
		return rc;
	char hash[sizeof(probe.hash)];
	memcpy(hash, probe.hash, sizeof(hash));
	vm_seed_deinit(&probe);
	return build(in, s, hash);
}

static int build(const struct vm_seed_in *in, struct vm_seed *s,
		 const char *hash)
{
	struct buf cc;
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;

	memset(s, 0, sizeof(*s));
	buf_init(&s->meta_data, 0);
	buf_init(&s->user_data, 0);
	buf_init(&s->network_config, 0);
	buf_init(&cc, 0);
	cloud_config(in, &cc);
	if (in->extra_user_data) {
		/* Two parts cloud-init merges, hearth's first. */
		buf_puts(&s->user_data, "Content-Type: multipart/mixed; "
					"boundary=\"" BOUNDARY "\"\n"
					"MIME-Version: 1.0\n\n");
		part(&s->user_data, "hearth.cfg", cc.data ? cc.data : "");
		part(&s->user_data, "user-data.cfg", in->extra_user_data);
		buf_puts(&s->user_data, "--" BOUNDARY "--\n");
	} else if (cc.data) {
		buf_append(&s->user_data, cc.data, cc.len);
	}
	buf_deinit(&cc);
	if (in->mac && in->mac[0]) {
		buf_puts(&s->network_config, "version: 2\nethernets:\n  lan:\n"
					     "    match:\n");
		kv(&s->network_config, "      ", "macaddress", in->mac);
		buf_puts(&s->network_config, "    dhcp4: true\n");
	}
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)in->hostname,
				  strlen(in->hostname) + 1);
	if (s->user_data.data)
		crypto_hash_sha256_update(&st, (const uint8_t *)s->user_data.data,
					  s->user_data.len);
	if (s->network_config.data)
		crypto_hash_sha256_update(&st, (const uint8_t *)s->network_config.data,
					  s->network_config.len);
	crypto_hash_sha256_final(&st, h);
	for (int i = 0; i < 8; i++)
		snprintf(s->hash + 2 * i, 3, "%02x", h[i]);
	if (hash)
		memcpy(s->hash, hash, sizeof(s->hash));
	buf_printf(&s->meta_data, "instance-id: %s-%s\n", in->hostname, s->hash);
	buf_printf(&s->meta_data, "local-hostname: %s\n", in->hostname);
	if (s->meta_data.err || s->user_data.err || s->network_config.err) {
		vm_seed_deinit(s);
		return -ENOMEM;
	}
	return 0;
}

void vm_seed_deinit(struct vm_seed *s)
{
	if (!s)
		return;
	if (s->user_data.data) /* it holds the host's private key */
		sodium_memzero(s->user_data.data, s->user_data.cap);
	buf_deinit(&s->meta_data);
	buf_deinit(&s->user_data);
	buf_deinit(&s->network_config);
}

/* Adds a file to the root from a copy of @b (libisofs frees it). */
static int add(IsoDir *root, const char *name, const struct buf *b)
{
	IsoStream *stream = NULL;
	size_t n = b->data ? b->len : 0;
	unsigned char *copy = malloc(n ? n : 1);
	if (!copy)
		return -ENOMEM;
	if (n)
		memcpy(copy, b->data, n);
	if (iso_memory_stream_new(copy, n, &stream) < 0) {
		free(copy);
		return -EIO;
	}
	IsoFile *f = NULL;
	/* The new file takes the stream's reference. */
	if (iso_tree_add_new_file(root, name, stream, &f) < 0) {
		iso_stream_unref(stream);
		return -EIO;
	}
	iso_node_set_permissions((IsoNode *)f, 0444);
	return 0;
}

int vm_seed_iso(const struct vm_seed *s, unsigned char **out, size_t *len)
{
	IsoImage *image = NULL;
	IsoWriteOpts *opts = NULL;
	struct burn_source *src = NULL;
	struct buf iso;
	int rc = -EIO;

	buf_init(&iso, 64u << 20);
	if (iso_init() < 0)
		return -EIO;
	if (iso_image_new("cidata", &image) < 0)
		goto out;
	iso_image_set_volume_id(image, "cidata");
	IsoDir *root = iso_image_get_root(image);
	if ((rc = add(root, "meta-data", &s->meta_data)) ||
	    (rc = add(root, "user-data", &s->user_data)))
		goto out;
	if (s->network_config.len &&
	    (rc = add(root, "network-config", &s->network_config)))
		goto out;
	rc = -EIO;
	if (iso_write_opts_new(&opts, 0) < 0)
		goto out;
	iso_write_opts_set_rockridge(opts, 1);
	iso_write_opts_set_joliet(opts, 1);
	/* Names as they are (meta-data, not META_DAT.;1) for readers that
	 * take the plain ISO 9660 tree. */
	iso_write_opts_set_relaxed_vol_atts(opts, 1);
	iso_write_opts_set_allow_lowercase(opts, 1);
	iso_write_opts_set_omit_version_numbers(opts, 1);
	iso_write_opts_set_allow_full_ascii(opts, 1);
	iso_write_opts_set_max_37_char_filenames(opts, 1);
	iso_write_opts_set_no_force_dots(opts, 3);
	if (iso_image_create_burn_source(image, opts, &src) < 0)
		goto out;
	unsigned char block[2048];
	for (;;) {
		int n = src->read_xt(src, block, sizeof(block));
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		buf_append(&iso, block, (size_t)n);
		if (iso.err) {
			rc = -ENOMEM;
			goto out;
		}
	}
	*len = iso.len;
	*out = (unsigned char *)buf_steal(&iso, len);
	rc = *out ? 0 : -ENOMEM;
out:
	if (src) {
		src->free_data(src);
		free(src);
	}
	iso_write_opts_free(opts);
	if (image)
		iso_image_unref(image);
	iso_finish();
	buf_deinit(&iso);
	return rc;
}
