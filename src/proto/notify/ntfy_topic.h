/* SPDX-License-Identifier: MIT */
/* ntfy topic names: the allowed shape and the reserved names. Pure. */
#ifndef HEARTH_PROTO_NOTIFY_NTFY_TOPIC_H
#define HEARTH_PROTO_NOTIFY_NTFY_TOPIC_H

#include <stdbool.h>
#include <stddef.h>

#define NTFY_TOPIC_MAX 64

/* True when @s (@len bytes) matches ^[-_A-Za-z0-9]{1,64}$. */
bool ntfy_topic_valid(const char *s, size_t len);
/* True for the names ntfy keeps for itself (docs, static, file, app,
 * metrics, account, settings, signup, login, v1). */
bool ntfy_topic_reserved(const char *s, size_t len);

#endif
