/* SPDX-License-Identifier: MIT */
/* lab.policy as one nftables table (inet hearth): the rendering (pure) and its atomic replacement through libnftables. */
#ifndef HEARTH_NET_POLICY_H
#define HEARTH_NET_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

/*
 * The table hearth owns is `table inet hearth`: a forward and an input
 * chain (policy accept: traffic no rule names is none of hearth's
 * business), established/related first, then one rule per lab.policy
 * entry in order, matching the networks' subnets. The definition is
 * written as nft lists it, so a plan compares the listing with it line by
 * line (whitespace aside) and sees a rule added by hand; the comment
 * (a fingerprint of the rules) tells people which render it is.
 */

/* Renders @lab's policy into *out (malloc'd, the caller frees): the
 * nft commands that replace the table atomically (add, delete, define
 * in one transaction), and into @comment the comment the table carries
 * ("hearth policy " + a fingerprint of the rules). 0, -ENOMEM, or
 * -EINVAL when no rule has subnets of one family. */
int net_policy_render(const struct cfg_lab *lab, char **out, char *comment,
		      size_t cap);

/* Runs @text through libnftables as one transaction. 0, or -EIO with
 * nft's message in @err. Needs CAP_NET_ADMIN in the current netns. */
int net_nft_run(const char *text, char *err, size_t errlen);

/* Reads whether table inet hearth exists and its listing (`nft list
 * table inet hearth`, *listing malloc'd, NULL when absent). 0 or -EIO
 * (nft's message in @err) or -ENOMEM. */
int net_nft_observe(bool *exists, char **listing, char *err, size_t errlen);

/* Deletes table inet hearth if it exists. 0 or -EIO. */
int net_nft_delete(char *err, size_t errlen);

#endif
