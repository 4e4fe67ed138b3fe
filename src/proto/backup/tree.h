/* SPDX-License-Identifier: MIT */
/* restic's tree blobs: nodes (files, dirs, links, devices...) encoded byte-for-byte as restic 0.14 writes them, and decoded. */
#ifndef HEARTH_PROTO_BACKUP_TREE_H
#define HEARTH_PROTO_BACKUP_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "proto/backup/gojson.h"
#include "proto/backup/id.h"

enum bk_node_type {
	BK_NODE_FILE,
	BK_NODE_DIR,
	BK_NODE_SYMLINK,
	BK_NODE_DEV,	 /* block device */
	BK_NODE_CHARDEV,
	BK_NODE_FIFO,
	BK_NODE_SOCKET,
};

/* restic's type names ("file", "dir", ...); bk_node_type_parse: -EINVAL if unknown. */
const char *bk_node_type_name(enum bk_node_type t);
int bk_node_type_parse(const char *s, enum bk_node_type *t);

/* Go's os.FileMode bits, which restic stores as "mode". */
#define BK_GOMODE_DIR	    (1u << 31)
#define BK_GOMODE_SYMLINK   (1u << 27)
#define BK_GOMODE_DEVICE    (1u << 26)
#define BK_GOMODE_NAMEDPIPE (1u << 25)
#define BK_GOMODE_SOCKET    (1u << 24)
#define BK_GOMODE_SETUID    (1u << 23)
#define BK_GOMODE_SETGID    (1u << 22)
#define BK_GOMODE_CHARDEV   (1u << 21)
#define BK_GOMODE_STICKY    (1u << 20)
/* st_mode -> restic's mode (permission, type, setuid/setgid/sticky bits). */
uint32_t bk_mode_from_unix(mode_t m);
/* restic's mode -> the permission and setuid/setgid/sticky bits of st_mode. */
mode_t bk_mode_to_unix_perm(uint32_t gomode);

struct bk_xattr {
	char *name;	   /* owned */
	uint8_t *value;	   /* owned; NULL is JSON null */
	size_t len;
};

/* One entry. Strings are owned (malloc'd, NUL-terminated); NULL or "" is
 * omitted as restic omits empty fields. Numbers 0 are omitted where restic
 * omits them (mode, inode, device_id, size, links, device); uid and gid are
 * always written, times always (Go's omitempty does not apply to them). */
struct bk_node {
	char *name;
	size_t name_len;	/* names may hold any byte (stored Go-quoted) */
	enum bk_node_type type;
	uint32_t mode;		/* Go os.FileMode bits */
	struct bk_time mtime, atime, ctime;
	uint32_t uid, gid;
	char *user, *group;
	uint64_t inode, device_id, size, links;
	char *linktarget;
	size_t linktarget_len;
	struct bk_xattr *xattrs;
	size_t n_xattrs;
	uint64_t device;	/* st_rdev of dev/chardev */
	struct bk_id *content;	/* data blob ids, in file order; owned */
	size_t n_content;
	bool content_is_array;	/* "content":[] (files) rather than null (others) */
	bool has_subtree;
	struct bk_id subtree;
	char *error;
};

/* A tree blob's nodes, sorted by name (byte order) as restic requires. */
struct bk_tree {
	struct bk_node *nodes;	/* owned */
	size_t n, cap;
};

/* Frees what the node owns (not the node itself); NULL is fine. */
void bk_node_deinit(struct bk_node *n);
void bk_tree_init(struct bk_tree *t);
void bk_tree_deinit(struct bk_tree *t);
/* Appends a zeroed node and returns it (NULL when out of memory). */
struct bk_node *bk_tree_add(struct bk_tree *t);
/* Sorts the nodes by name. */
void bk_tree_sort(struct bk_tree *t);

/* Appends the node's JSON as Go's json.Marshal(node) writes it. -EINVAL for a
 * time Go cannot marshal (year outside 0..9999). */
int bk_node_encode(struct buf *b, const struct bk_node *n);
/* Appends the tree blob's plaintext: {"nodes":[...]}\n, nodes in the
 * given order; -EINVAL if they are not strictly sorted by name. */
int bk_tree_encode(struct buf *b, const struct bk_tree *t);

/* Parses a tree blob's plaintext into t (initialised here; bk_tree_deinit
 * it even on failure). Unknown fields are ignored as Go ignores them.
 * -EINVAL for malformed input (never crashes on hostile bytes). Integers
 * above INT64_MAX are refused (jansson's limit). */
int bk_tree_decode(const char *data, size_t len, struct bk_tree *t);

#endif
