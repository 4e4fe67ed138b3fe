/* SPDX-License-Identifier: MIT */
/* Without libFuzzer: replays each corpus file or directory given as an argument. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Largest input replayed; the fuzzers run with -max_len=16384 but a
 * hand-written seed may be larger. */
#define REPLAY_MAX_BYTES (4 * 1024 * 1024)

static int replay_file(const char *path, size_t *runs)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = -1;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		goto out;
	}
	data = malloc(REPLAY_MAX_BYTES);
	if (!data) {
		fprintf(stderr, "replay: out of memory\n");
		goto out;
	}
	len = fread(data, 1, REPLAY_MAX_BYTES, f);
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		goto out;
	}
	/* Hand the target an exact-size copy so ASan catches overreads. */
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy) {
		fprintf(stderr, "replay: out of memory\n");
		goto out;
	}
	memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	(*runs)++;
	rc = 0;
out:
	free(data);
	if (f)
		fclose(f);
	return rc;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays the regular files of @dir in name order, so runs are repeatable. */
static int replay_dir(const char *dir, size_t *runs)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				rc = -1;
				goto out;
			}
			names = nn;
		}
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		names[n] = malloc(len);
		if (!names[n]) {
			rc = -1;
			goto out;
		}
		snprintf(names[n], len, "%s/%s", dir, e->d_name);
		n++;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), compare_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(names[i], runs))
			rc = -1;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	size_t runs = 0;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				strerror(errno));
			rc = 1;
			continue;
		}
		if ((S_ISDIR(st.st_mode) ? replay_dir(argv[i], &runs)
					 : replay_file(argv[i], &runs)))
			rc = 1;
	}
	printf("replay: %zu inputs run\n", runs);
	return rc;
}
