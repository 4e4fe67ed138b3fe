/* SPDX-License-Identifier: MIT */
/* Picking a backend for a location, the backends' -o options, and what every backend shares. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/backend.h"
#include "proto/backup/location.h"

const char *backup_file_dir(enum backup_file t)
{
	static const char *const dirs[] = {"config", "keys",      "data",
					   "index",  "snapshots", "locks"};
	return (unsigned)t < sizeof(dirs) / sizeof(dirs[0]) ? dirs[t] : "?";
}

int backup_backend_name_ok(const char *name)
{
	if (!name || strlen(name) != 64)
		return 0;
	for (int i = 0; i < 64; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		      (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return 1;
}

#define MAX_OPTIONS 16

static char *options[MAX_OPTIONS];
static size_t n_options;

static const char *const known_keys[] = {
	"sftp.config", "sftp.identity", "sftp.known_hosts", "sftp.port",
	"sftp.user",   "rest.timeout",
};

int backup_backend_set_option(const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq)
		return -EINVAL;
	size_t kl = (size_t)(eq - kv);
	size_t k = 0;
	for (; k < sizeof(known_keys) / sizeof(known_keys[0]); k++)
		if (strlen(known_keys[k]) == kl && !strncmp(known_keys[k], kv, kl))
			break;
	if (k == sizeof(known_keys) / sizeof(known_keys[0]))
		return -EINVAL;
	/* A later value of the same key wins. */
	for (size_t i = 0; i < n_options; i++)
		if (!strncmp(options[i], kv, kl + 1)) {
			char *c = strdup(kv);
			if (!c)
				return -ENOMEM;
			free(options[i]);
			options[i] = c;
			return 0;
		}
	if (n_options == MAX_OPTIONS)
		return -ENOSPC;
	if (!(options[n_options] = strdup(kv)))
		return -ENOMEM;
	n_options++;
	return 0;
}

const char *backup_backend_option(const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < n_options; i++)
		if (!strncmp(options[i], key, kl) && options[i][kl] == '=')
			return options[i] + kl + 1;
	return NULL;
}

struct backup_backend *backup_backend_open_why(const char *location, int *err,
					       char *why, size_t why_cap)
{
	if (why && why_cap)
		why[0] = '\0';
	struct backup_location *loc = malloc(sizeof(*loc));
	if (!loc) {
		*err = -ENOMEM;
		return NULL;
	}
	const char *reason = NULL;
	struct backup_backend *be = NULL;
	*err = backup_location_parse(location, loc, &reason);
	if (*err) {
		char shown[BACKUP_LOC_MAX];
		backup_location_redact(location, shown, sizeof(shown));
		if (why && why_cap)
			snprintf(why, why_cap, "%s: %s", shown, reason);
	} else if (loc->kind == BACKUP_LOC_SFTP)
		be = backup_sftp_open(loc, location, err, why, why_cap);
	else if (loc->kind == BACKUP_LOC_REST)
		be = backup_rest_open(loc, location, err, why, why_cap);
	else
		be = backup_local_open(loc, location, err);
	free(loc);
	return be;
}

struct backup_backend *backup_backend_open(const char *location, int *err)
{
	return backup_backend_open_why(location, err, NULL, 0);
}

void backup_backend_free(struct backup_backend *be)
{
	if (be)
		be->ops->free(be);
}
