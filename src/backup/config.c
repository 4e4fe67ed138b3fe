/* SPDX-License-Identifier: MIT */
/* The backup room's config schema: every key of `backup:` (the default repository for now). */
#include "backup/config.h"

#include "backup/backup_room.h"

/* FIELD() sets the "none" offsets, then the entry's own values override
 * them: that is the point of the macro. */
#pragma GCC diagnostic ignored "-Woverride-init"

static const struct cfg_field backup_fields[] = {
	CFG_FIELD(.key = "repository", .type = CFG_STRING,
		  .off = CFG_F(struct cfg_backup, repository),
		  .reloadable = true,
		  .help = "the repository `hearth backup` uses without -r "
			  "(a path; restic's -r syntax)"),
	CFG_FIELD(.key = "password_file", .type = CFG_PATH,
		  .off = CFG_F(struct cfg_backup, password_file),
		  .reloadable = true,
		  .help = "the repository password's file without "
			  "--password-file (trimmed of white space, as restic reads it)"),
};

const struct cfg_section backup_config_section = {
	.fields = backup_fields, .n_fields = CFG_N(backup_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

const struct cfg_backup *backup_config(const struct config *cfg)
{
	return room_config(cfg, &backup_room_def);
}
