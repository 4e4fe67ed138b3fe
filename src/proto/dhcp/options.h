/* SPDX-License-Identifier: MIT */
/* DHCP option values as the config writes them, encoded to wire bytes. */
#ifndef HEARTH_PROTO_DHCP_OPTIONS_H
#define HEARTH_PROTO_DHCP_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

/* Longest option value on the wire. */
#define DHCP_OPTION_MAX 255

/*
 * Encodes @text ("ip:A[,B...]", "text:...", "hex:0a0b0c" (':' and ' '
 * between bytes allowed), "u8:N", "u16:N", "u32:N") into @buf; *len is
 * the byte count. Returns 0, or -1 when the text is malformed or too long.
 * Pure and thread-safe.
 */
int dhcp_option_encode(const char *text, uint8_t buf[DHCP_OPTION_MAX],
		       size_t *len);

#endif
