/* SPDX-License-Identifier: MIT */
/* The backup room's config section: the default repository and password file (jobs come later). */
#ifndef HEARTH_BACKUP_CONFIG_H
#define HEARTH_BACKUP_CONFIG_H

#include "core/config.h"
#include "core/config_schema.h"

/* Strings belong to the config snapshot's arena. */
struct cfg_backup {
	const char *repository;	   /* NULL: none */
	const char *password_file; /* NULL: none */
};

extern const struct cfg_section backup_config_section;
/* The section in @cfg (defaults when absent). */
const struct cfg_backup *backup_config(const struct config *cfg);

#endif
