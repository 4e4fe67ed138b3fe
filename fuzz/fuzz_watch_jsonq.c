/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a json-query path (first line) evaluated on a JSON document (the rest) with every operator. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/watch/jsonq.h"

/*
 * The input is "PATH\nEXPECTED\nJSON". Whatever the parser accepts must
 * evaluate on any document (or on none) and compare with any operator
 * without crashing; a refusal must say why and leave no path behind.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *expected = strchr(text, '\n');
	char *doc_text = NULL;
	if (expected) {
		*expected++ = '\0';
		doc_text = strchr(expected, '\n');
		if (doc_text)
			*doc_text++ = '\0';
	}
	struct watch_jsonq *q = NULL;
	char why[128] = "";
	int rc = watch_jsonq_parse(text, &q, why, sizeof(why));
	if (rc) {
		if (q || !why[0]) {
			fprintf(stderr, "fuzz_watch_jsonq: refusal without a "
					"reason or with a path\n");
			abort();
		}
		free(text);
		return 0;
	}
	json_t *doc = doc_text ? json_loads(doc_text, JSON_DECODE_ANY, NULL)
			       : NULL;
	json_t *v = doc ? watch_jsonq_eval(q, doc) : NULL;
	char actual[64];
	for (int op = WATCH_OP_EQ; op <= WATCH_OP_CONTAINS; op++) {
		int r = watch_jsonq_compare(v, (enum watch_jsonq_op)op,
					    expected ? expected : "", actual,
					    sizeof(actual));
		if (r < -1 || r > 1 || strlen(actual) >= sizeof(actual)) {
			fprintf(stderr, "fuzz_watch_jsonq: bad comparison\n");
			abort();
		}
	}
	json_decref(doc);
	watch_jsonq_free(q);
	free(text);
	return 0;
}
