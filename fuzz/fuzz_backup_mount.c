/* SPDX-License-Identifier: MIT */
/* libFuzzer target: what `backup mount` does with a hostile tree blob: name lookups in it, and virtual folders built from its names as hosts and tags. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/mountdir.h"
#include "proto/backup/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bk_tree t;
	if (bk_tree_decode((const char *)data, size, &t) == 0) {
		if (!bk_tree_is_sorted(&t))
			bk_tree_sort(&t); /* as the mount does */
		size_t n = t.n < 64 ? t.n : 64;
		struct bk_mount_snap *v = calloc(n ? n : 1, sizeof *v);
		const char **tags = calloc(n ? n : 1, sizeof *tags);
		for (size_t i = 0; v && tags && i < t.n; i++) {
			const struct bk_node *nd = &t.nodes[i];
			const struct bk_node *hit = bk_tree_find_name(&t, true, nd->name, nd->name_len);
			if (bk_node_name_ok(nd) != (hit != NULL) ||
			    (hit && (hit->name_len != nd->name_len ||
				     memcmp(hit->name, nd->name, nd->name_len)))) {
				fprintf(stderr, "fuzz_backup_mount: lookup missed a name\n");
				abort();
			}
			if (i < n) {
				v[i].time = nd->mtime;
				v[i].hex = "0123456789abcdef";
				v[i].host = nd->name;
				tags[i] = nd->linktarget;
				v[i].tags = &tags[i];
				v[i].n_tags = 1;
			}
		}
		struct bk_ment *root = v && tags ? bk_ment_build(v, n) : NULL;
		for (size_t i = 0; root && i < n; i++) {
			const char *rest;
			char path[600];
			snprintf(path, sizeof path, "/hosts/%s/latest", t.nodes[i].name);
			(void)bk_ment_lookup(root, path, &rest);
			snprintf(path, sizeof path, "/tags/%s", tags[i] ? tags[i] : "");
			(void)bk_ment_lookup(root, path, &rest);
		}
		bk_ment_free(root);
		free(v);
		free(tags);
	}
	bk_tree_deinit(&t);
	return 0;
}
