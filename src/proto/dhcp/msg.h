/* SPDX-License-Identifier: MIT */
/* DHCPv4 messages (RFC 2131/2132): parsing and building, options included. */
#ifndef HEARTH_PROTO_DHCP_MSG_H
#define HEARTH_PROTO_DHCP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A received message is parsed into struct dhcp_msg: the fixed BOOTP
 * fields, and every option located (code -> bytes inside the packet,
 * concatenated per RFC 3396 when an option is split, and read from
 * sname/file when option 52 says so). Parsing is bounded and never reads
 * past the buffer; unknown options are kept as raw bytes. Building a
 * reply writes the fixed fields, the magic cookie and options in the
 * order given, then END, padded to the BOOTP minimum (300 bytes).
 * Pure functions, thread-safe.
 */

enum {
	DHCP_BOOTREQUEST = 1,
	DHCP_BOOTREPLY = 2,
};

enum dhcp_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

enum dhcp_opt {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_DOMAIN = 15,
	DHCP_OPT_MTU = 26,
	DHCP_OPT_BROADCAST = 28,
	DHCP_OPT_NTP = 42,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_LIST = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_SIZE = 57,
	DHCP_OPT_T1 = 58,
	DHCP_OPT_T2 = 59,
	DHCP_OPT_VENDOR_CLASS = 60,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_CLIENT_FQDN = 81,
	DHCP_OPT_RELAY_AGENT = 82,
	DHCP_OPT_DOMAIN_SEARCH = 119,
	DHCP_OPT_CLASSLESS_ROUTES = 121,
	DHCP_OPT_END = 255,
};

#define DHCP_FIXED_LEN 236  /* op .. file */
#define DHCP_MAGIC 0x63825363u
#define DHCP_MIN_LEN 300    /* BOOTP minimum, what clients expect */
#define DHCP_MAX_LEN 1500   /* what we build; a client may allow less */
#define DHCP_FLAG_BROADCAST 0x8000u

/* One option's value: points into the message (or into the parsed
 * struct's own buffer when RFC 3396 concatenation was needed). */
struct dhcp_optval {
	const uint8_t *data;
	uint16_t len;
	bool present;
};

struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr; /* network byte order */
	uint8_t chaddr[16];
	uint8_t type; /* option 53, 0 when absent */
	struct dhcp_optval opt[256];
	/* Storage for concatenated (split) options. */
	uint8_t joined[1024];
	size_t joined_len;
};

/*
 * Parses a message. Returns 0, or -EBADMSG (shorter than the fixed part
 * plus cookie, bad cookie, option running past the end, bad overload).
 * A missing END is tolerated (many clients pad instead).
 */
int dhcp_msg_parse(const uint8_t *pkt, size_t len, struct dhcp_msg *m);

/* Option helpers: 0 on success, -ENOENT when absent, -EBADMSG when the
 * length is wrong for the option. */
int dhcp_opt_u8(const struct dhcp_msg *m, uint8_t code, uint8_t *out);
int dhcp_opt_u16(const struct dhcp_msg *m, uint8_t code, uint16_t *out);
int dhcp_opt_u32(const struct dhcp_msg *m, uint8_t code, uint32_t *out);
int dhcp_opt_ip(const struct dhcp_msg *m, uint8_t code, uint32_t *out_be);

/*
 * The client's hostname: option 81 (client FQDN, its first label when it
 * is a full name, wire or ASCII encoding) else option 12, sanitised to a
 * valid DNS label (lower case, [a-z0-9-], 1..63, no leading/trailing
 * '-'; other bytes dropped). Returns 0 and fills @out (at least 64
 * bytes), or -ENOENT when there is none or nothing valid is left.
 */
int dhcp_msg_hostname(const struct dhcp_msg *m, char out[64]);

/* The client's identity: option 61 when present, else htype + chaddr.
 * Writes up to @cap bytes, returns the length. */
size_t dhcp_msg_client_id(const struct dhcp_msg *m, uint8_t *out, size_t cap);

/* A reply under construction in a caller-owned buffer. */
struct dhcp_builder {
	uint8_t *buf;
	size_t cap; /* at most DHCP_MAX_LEN, or the client's option 57 */
	size_t len;
	bool overflow; /* an option did not fit: it was left out */
};

/* Starts a BOOTREPLY to @req: xid, flags, giaddr, chaddr, hlen copied;
 * yiaddr/siaddr as given (network order); the cookie and option 53. */
void dhcp_build_reply(struct dhcp_builder *b, uint8_t *buf, size_t cap,
		      const struct dhcp_msg *req, uint8_t type, uint32_t yiaddr,
		      uint32_t siaddr);

/* Appends an option (split into 255-byte pieces if longer, RFC 3396).
 * Options that do not fit are skipped and ->overflow set. */
void dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data,
		    size_t len);
void dhcp_build_u32(struct dhcp_builder *b, uint8_t code, uint32_t v);
void dhcp_build_ip(struct dhcp_builder *b, uint8_t code, uint32_t ip_be);

/* Writes END and pads to DHCP_MIN_LEN. Returns the length. */
size_t dhcp_build_finish(struct dhcp_builder *b);

/* Encodes a domain search list (option 119, RFC 3397, with compression)
 * from @n dotted names. Returns the length or -EINVAL/-ENOSPC. */
int dhcp_encode_search(const char *const *names, size_t n, uint8_t *out,
		       size_t cap);

/* Encodes classless static routes (option 121, RFC 3442). */
struct dhcp_route {
	uint32_t dest_be; /* network, host bits zero */
	uint8_t prefix;	  /* 0..32 */
	uint32_t via_be;
};
int dhcp_encode_routes(const struct dhcp_route *r, size_t n, uint8_t *out,
		       size_t cap);

#endif
