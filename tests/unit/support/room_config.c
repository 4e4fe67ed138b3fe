/* SPDX-License-Identifier: MIT */
/* Config loading for unit tests through the room table (see room_config.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "base/err.h"
#include "cmd/rooms.h"
#include "core/config.h"
#include "support/room_config.h"

const struct config_schema *unit_schema(void)
{
	static struct config_schema s;
	static bool ready;
	if (!ready) {
		assert_int_equal(config_schema_init(&s, hearth_rooms), 0);
		ready = true;
	}
	return &s;
}

struct config *unit_load_ok(const char *yaml)
{
	struct config *c = NULL;
	struct cfg_error err;
	if (config_load_buffer(unit_schema(), yaml, strlen(yaml), "t.yaml", &c,
			       &err))
		fail_msg("refused: %d:%d: %s\n---\n%s", err.line, err.col,
			 err.msg, yaml);
	assert_non_null(c);
	return c;
}

void unit_refused(const char *yaml, int line, int col,
		  const char *const *words)
{
	struct config *c = NULL;
	struct cfg_error err;
	int rc = config_load_buffer(unit_schema(), yaml, strlen(yaml), "t.yaml",
				    &c, &err);
	if (rc != HEARTH_ECONFIG)
		fail_msg("accepted (%d):\n---\n%s", rc, yaml);
	assert_null(c);
	if (err.line != line || err.col != col)
		fail_msg("at %d:%d, not %d:%d: %s", err.line, err.col, line,
			 col, err.msg);
	for (; *words; words++)
		if (!strstr(err.msg, *words))
			fail_msg("'%s' not in '%s'", *words, err.msg);
}
