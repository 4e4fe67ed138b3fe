/* SPDX-License-Identifier: MIT */
/* The config schema as data: a table per section, read by the loader. */
#ifndef HEARTH_CORE_CONFIG_SCHEMA_H
#define HEARTH_CORE_CONFIG_SCHEMA_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

enum cfg_type {
	CFG_SECTION,  /* mapping of fixed keys -> struct at off */
	CFG_MAP,      /* mapping name -> section, array at off, count at count_off */
	CFG_LIST,     /* sequence of elem (a scalar type, or CFG_SECTION with
			 sub), array at off, count at count_off; a lone scalar
			 counts as a list of one */
	CFG_STRING,   /* const char * */
	CFG_PATH,     /* const char *, non-empty */
	CFG_DNSNAME,  /* const char *, a valid DNS name, stored lower case */
	CFG_INT,      /* int64_t within [min, max] */
	CFG_SIZE,     /* int64_t bytes: 4096, 16k, 1M, 1MiB */
	CFG_DURATION, /* int64_t seconds: 30, 30s, 5m, 1h, 1d */
	CFG_BOOL,     /* bool */
	CFG_LOGLEVEL, /* enum log_level */
	CFG_SOCKADDR, /* struct sockaddr_any; ADDR:PORT */
	CFG_SOCKADDR53, /* struct sockaddr_any; ADDR[:PORT], port 53 by default */
	CFG_IPADDR,   /* struct ipaddr */
	CFG_PREFIX,   /* struct ipprefix */
	CFG_MAC,      /* struct macaddr */
	CFG_ROOM,     /* a room's section: sub, of elem_size bytes, allocated
			 in the arena; the pointer at off, presence at
			 set_off (the root's struct cfg_room) */
};

#define CFG_NONE SIZE_MAX

struct cfg_section;

struct cfg_field {
	const char *key;
	enum cfg_type type;
	size_t off;       /* value in the parent struct */
	size_t set_off;   /* bool set when present (or CFG_NONE) */
	size_t pos_off;   /* struct cfg_pos of the value (or CFG_NONE) */
	size_t count_off; /* CFG_MAP: size_t count */
	/* CFG_SECTION/CFG_ROOM with set_off: the section takes the key
	 * `enabled` (true by default); `enabled: false` leaves it off as if
	 * absent (its keys checked, none required) and sets this bool, so a
	 * reload can tell "turned off" from "left out". CFG_NONE: no such
	 * key. Rooms' sections get it from config_schema_init. */
	size_t disabled_off;
	const char *def;  /* default, in config syntax; NULL for none */
	int64_t min, max; /* CFG_INT/SIZE/DURATION bounds */
	bool required;
	bool reloadable;
	const struct cfg_section *sub; /* CFG_SECTION, CFG_MAP, CFG_LIST */
	enum cfg_type elem;	       /* CFG_LIST: type of each element */
	size_t elem_size;	       /* CFG_LIST of scalars: bytes each */
	const char *help;
};

struct cfg_section {
	size_t size;     /* CFG_MAP: size of one item */
	size_t name_off; /* CFG_MAP: const char * for the key (or CFG_NONE) */
	size_t pos_off;  /* CFG_MAP: struct cfg_pos of the item (or CFG_NONE) */
	const struct cfg_field *fields;
	size_t n_fields;
	/* CFG_LIST items: a scalar item stands for a mapping of the first
	 * field's key to it ("/etc" as {path: /etc}). */
	bool scalar_item;
	/* Checks across fields once the section is parsed; 0 or fills err. */
	int (*check)(struct config *cfg, void *obj, struct cfg_error *err);
};

struct room_def;

/* Keys at the root: core's, then one per room. */
#define CFG_ROOT_MAX (16 + CONFIG_MAX_ROOMS)

/*
 * The schema of a whole config file: core's sections (state_dir, user,
 * log, http, lab) and a section per room, from the room table. A value
 * the caller keeps (it must outlive every snapshot read with it); filled
 * once by config_schema_init and read-only after, so thread-safe.
 */
struct config_schema {
	const struct room_def *const *rooms; /* NULL-terminated */
	size_t n_rooms;
	struct cfg_field fields[CFG_ROOT_MAX];
	struct cfg_section root; /* whose struct is struct config */
};

/* Builds @s from @rooms (NULL-terminated; may be NULL: core only). The
 * table must outlive @s. -E2BIG past CONFIG_MAX_ROOMS rooms. */
int config_schema_init(struct config_schema *s,
		       const struct room_def *const *rooms);

int cfg_vfail(struct cfg_error *err, const struct cfg_pos *pos,
	      const char *fmt, va_list ap);
/* Fills @err at @pos (which may be NULL) with a formatted message. */
int cfg_fail(struct cfg_error *err, const struct cfg_pos *pos,
	     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* True when @s is a valid DNS label (letters, digits, hyphens, 1-63). */
bool cfg_is_label(const char *s);

/* Helpers for writing a section's table (rooms' config.c files too):
 * FIELD() sets the "none" offsets, then the entry's own values override
 * them. Files using it silence -Woverride-init (that is the point). */
#define CFG_F(type, member) offsetof(type, member)
#define CFG_FIELD(...) ((struct cfg_field){.set_off = CFG_NONE, \
	.pos_off = CFG_NONE, .count_off = CFG_NONE, .disabled_off = CFG_NONE, \
	__VA_ARGS__})
#define CFG_N(a) (sizeof(a) / sizeof((a)[0]))

#endif
