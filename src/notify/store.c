/* SPDX-License-Identifier: MIT */
/* The notify room's tables: migrations, message cache reads and writes. */
#include "notify/store.h"

#include <errno.h>

#include "core/sql.h"
#include "notify/notify_room.h"

/* The notify room's tables. Append only: migration N takes them from
 * version N to N + 1 (schema_versions, room "notify"). */
const char *const notify_migrations[] = {
	/* 0 -> 1: the message cache and the uploaded attachments. */
	"CREATE TABLE notify_messages ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT," /* arrival order */
	"  id TEXT NOT NULL UNIQUE,"	 /* 12 chars [A-Za-z0-9] */
	"  topic TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"	 /* unix s: (scheduled) delivery */
	"  expires INTEGER NOT NULL,"	 /* unix s */
	"  published INTEGER NOT NULL," /* 0: delayed, not yet delivered */
	"  json TEXT NOT NULL"		 /* the message object, as sent */
	");"
	"CREATE INDEX notify_messages_topic ON notify_messages(topic, time);"
	"CREATE INDEX notify_messages_due ON notify_messages(published, time);"
	"CREATE INDEX notify_messages_expires ON notify_messages(expires);"
	"CREATE TABLE notify_attachments ("
	"  id TEXT PRIMARY KEY," /* the message's id: the file's name */
	"  size INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL" /* unix s */
	");",
	NULL,
};
