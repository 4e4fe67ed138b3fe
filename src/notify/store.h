/* SPDX-License-Identifier: MIT */
/* The notify room's tables: the message cache and the attachments. */
#ifndef HEARTH_NOTIFY_STORE_H
#define HEARTH_NOTIFY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/store.h"

#endif
