/* SPDX-License-Identifier: MIT */
/* Test-only driver of the backup room's pure code: chunk a file, round-trip tree/snapshot JSON (for the restic comparison tests). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/backup/chunker.h"
#include "proto/backup/id.h"
#include "proto/backup/snapshot.h"
#include "proto/backup/tree.h"

/* bk_tool chunk POLHEX FILE: one line per chunk, "offset length sha256". */
static int cmd_chunk(const char *polhex, const char *path, bool quiet)
{
	struct bk_chunker_tables t;
	struct bk_chunker c;
	uint64_t pol;
	size_t bufsz = 512 * 1024, cur = 0;
	uint64_t start = 0, total = 0;
	struct bk_id_hasher *h = bk_id_hasher_new();
	uint8_t *buf = malloc(bufsz);
	FILE *f = fopen(path, "rb");
	struct timespec t0, t1;
	int rc = 1;

	if (!h || !buf || !f || bk_pol_parse(polhex, &pol) || bk_chunker_tables_init(&t, pol)) {
		fprintf(stderr, "bk_tool: bad arguments\n");
		goto out;
	}
	bk_chunker_init(&c, &t);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		size_t n = fread(buf, 1, bufsz, f), off = 0;
		if (n == 0)
			break;
		total += n;
		while (off < n) {
			bool cut;
			size_t used = bk_chunker_feed(&c, buf + off, n - off, &cut);
			if (!quiet)
				bk_id_hasher_update(h, buf + off, used);
			off += used;
			cur += used;
			if (cut) {
				struct bk_id id;
				char hex[65];
				bk_id_hasher_final(h, &id);
				bk_id_hex(&id, hex);
				if (!quiet)
					printf("%llu %zu %s\n", (unsigned long long)start, cur, hex);
				start += cur;
				cur = 0;
			}
		}
	}
	if (cur) {
		struct bk_id id;
		char hex[65];
		bk_id_hasher_final(h, &id);
		bk_id_hex(&id, hex);
		if (!quiet)
			printf("%llu %zu %s\n", (unsigned long long)start, cur, hex);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (quiet) {
		double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("%.1f MB/s (%llu bytes in %.3f s)\n", (double)total / 1e6 / s,
		       (unsigned long long)total, s);
	}
	rc = ferror(f) ? 1 : 0;
out:
	if (f)
		fclose(f);
	free(buf);
	bk_id_hasher_free(h);
	return rc;
}

/* bk_tool tree|snapshot < JSON: decode, encode again, write the result to stdout. */
static int cmd_roundtrip(bool tree)
{
	struct buf in, out;
	char chunk[65536];
	size_t n;
	int rc;

	buf_init(&in, 0);
	buf_init(&out, 0);
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		buf_append(&in, chunk, n);
	if (tree) {
		struct bk_tree t;
		rc = bk_tree_decode(in.data ? in.data : "", in.len, &t);
		if (!rc)
			rc = bk_tree_encode(&out, &t);
		bk_tree_deinit(&t);
	} else {
		struct bk_snapshot sn;
		rc = bk_snapshot_decode(in.data ? in.data : "", in.len, &sn);
		if (!rc)
			rc = bk_snapshot_encode(&out, &sn);
		bk_snapshot_deinit(&sn);
	}
	if (!rc)
		fwrite(out.data, 1, out.len, stdout);
	else
		fprintf(stderr, "bk_tool: %s\n", strerror(-rc));
	buf_deinit(&in);
	buf_deinit(&out);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "tree") == 0)
		return cmd_roundtrip(true);
	if (argc == 2 && strcmp(argv[1], "snapshot") == 0)
		return cmd_roundtrip(false);
	if (argc == 4 && strcmp(argv[1], "chunk") == 0)
		return cmd_chunk(argv[2], argv[3], false);
	if (argc == 4 && strcmp(argv[1], "chunk-speed") == 0)
		return cmd_chunk(argv[2], argv[3], true);
	fprintf(stderr, "usage: bk_tool chunk|chunk-speed POLHEX FILE | tree|snapshot < JSON\n");
	return 2;
}
