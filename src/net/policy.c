/* SPDX-License-Identifier: MIT */
/* lab.policy rendered as table inet hearth, and libnftables to replace, read and delete it. */
#include "net/policy.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

static const struct cfg_network *network(const struct cfg_lab *lab,
					 const char *name)
{
	for (size_t i = 0; i < lab->n_networks; i++)
		if (strcmp(lab->networks[i].name, name) == 0)
			return &lab->networks[i];
	return NULL;
}

/* One chain: established/related, then the rules in order. */
static size_t render_chain(FILE *f, const struct cfg_lab *lab,
			   const char *chain)
{
	size_t rules = 0;
	fprintf(f, "\tchain %s {\n"
		   "\t\ttype filter hook %s priority filter; policy accept;\n"
		   "\t\tct state established,related accept\n",
		chain, chain);
	for (size_t i = 0; i < lab->n_policy; i++) {
		const struct cfg_policy *p = &lab->policy[i];
		const struct cfg_network *from = network(lab, p->from);
		const struct cfg_network *to = network(lab, p->to);
		char a[ADDR_TEXT_MAX], b[ADDR_TEXT_MAX];
		if (!from || !to ||
		    from->subnet.addr.family != to->subnet.addr.family)
			continue;
		ipprefix_format(&from->subnet, a);
		ipprefix_format(&to->subnet, b);
		const char *fam = from->subnet.addr.family == AF_INET ? "ip"
								      : "ip6";
		fprintf(f, "\t\t%s saddr %s %s daddr %s %s comment \"%s -> %s\"\n",
			fam, a, fam, b, p->allow ? "accept" : "drop", p->from,
			p->to);
		rules++;
	}
	fprintf(f, "\t}\n");
	return rules;
}

int net_policy_render(const struct cfg_lab *lab, char **out, char *comment,
		      size_t cap)
{
	char *body = NULL, *text = NULL;
	size_t blen = 0, tlen = 0, rules;
	int rc = -ENOMEM;
	*out = NULL;
	FILE *f = open_memstream(&body, &blen);
	if (!f)
		goto out;
	rules = render_chain(f, lab, "forward");
	fputc('\n', f);
	render_chain(f, lab, "input");
	if (fclose(f))
		goto out;
	if (!rules) {
		rc = -EINVAL;
		goto out;
	}
	/* FNV-1a: a fingerprint of the rules, not a secret. */
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *p = (const unsigned char *)body; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	snprintf(comment, cap, "hearth policy %016llx", (unsigned long long)h);
	f = open_memstream(&text, &tlen);
	if (!f)
		goto out;
	/* add + delete + define in one buffer: one transaction, so the
	 * table is replaced atomically whether or not it existed. */
	fprintf(f, "table inet hearth\n"
		   "delete table inet hearth\n"
		   "table inet hearth {\n"
		   "\tcomment \"%s\"\n%s}\n",
		comment, body);
	if (fclose(f))
		goto out;
	*out = text;
	text = NULL;
	rc = 0;
out:
	free(body);
	free(text);
	return rc;
}

/* libnftables exits the process when the kernel has no nfnetlink, so
 * that is asked first. */
static bool have_nfnetlink(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* A context with output and errors in buffers; NULL without nftables. */
static struct nft_ctx *ctx_new(void)
{
	if (!have_nfnetlink())
		return NULL;
	struct nft_ctx *c = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!c)
		return NULL;
	nft_ctx_buffer_output(c);
	nft_ctx_buffer_error(c);
	return c;
}

static void copy_error(struct nft_ctx *c, char *err, size_t errlen)
{
	const char *e = c ? nft_ctx_get_error_buffer(c)
			  : "no nftables in this kernel (nfnetlink)";
	snprintf(err, errlen, "%s", e && *e ? e : "nft failed");
	/* One line for the log. */
	for (char *p = err; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ' ' : '\0';
}

int net_nft_run(const char *text, char *err, size_t errlen)
{
	struct nft_ctx *c = ctx_new();
	int rc = c && nft_run_cmd_from_buffer(c, text) == 0 ? 0 : -EIO;
	if (rc)
		copy_error(c, err, errlen);
	if (c)
		nft_ctx_free(c);
	return rc;
}

int net_nft_observe(bool *exists, char **listing, char *err, size_t errlen)
{
	struct nft_ctx *c = ctx_new();
	int rc;
	*exists = false;
	*listing = NULL;
	if (!c) {
		copy_error(c, err, errlen);
		return -EIO;
	}
	/* Absent: nft says "No such file or directory"; that is an answer. */
	if (nft_run_cmd_from_buffer(c, "list table inet hearth")) {
		const char *e = nft_ctx_get_error_buffer(c);
		rc = e && strstr(e, "No such file") ? 0 : -EIO;
		if (rc)
			copy_error(c, err, errlen);
		goto out;
	}
	*exists = true;
	rc = (*listing = strdup(nft_ctx_get_output_buffer(c))) ? 0 : -ENOMEM;
out:
	nft_ctx_free(c);
	return rc;
}

int net_nft_delete(char *err, size_t errlen)
{
	return net_nft_run("table inet hearth\ndelete table inet hearth\n", err,
			   errlen);
}
