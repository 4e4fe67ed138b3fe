/* SPDX-License-Identifier: MIT */
/* Unit tests of DHCPv4 messages: parsing, options, hostnames, building, option 119/121. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto/dhcp/msg.h"

/* A packet assembled by hand, the way a client would send it. */
struct pkt {
	uint8_t b[4096];
	size_t len;
};

static const uint8_t mac[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc};

static uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t v[4] = {a, b, c, d};
	uint32_t r;
	memcpy(&r, v, 4);
	return r;
}

static void pkt_start(struct pkt *p, uint8_t op, uint32_t xid)
{
	memset(p, 0, sizeof(*p));
	p->b[0] = op;
	p->b[1] = 1; /* ethernet */
	p->b[2] = 6;
	p->b[4] = (uint8_t)(xid >> 24);
	p->b[5] = (uint8_t)(xid >> 16);
	p->b[6] = (uint8_t)(xid >> 8);
	p->b[7] = (uint8_t)xid;
	memcpy(p->b + 28, mac, 6);
	p->b[236] = 0x63;
	p->b[237] = 0x82;
	p->b[238] = 0x53;
	p->b[239] = 0x63;
	p->len = 240;
}

static void pkt_raw(struct pkt *p, const void *data, size_t n)
{
	assert_true(p->len + n <= sizeof(p->b));
	memcpy(p->b + p->len, data, n);
	p->len += n;
}

static void pkt_opt(struct pkt *p, uint8_t code, const void *data, size_t n)
{
	uint8_t h[2] = {code, (uint8_t)n};
	assert_true(n <= 255);
	pkt_raw(p, h, 2);
	pkt_raw(p, data, n);
}

static void pkt_end(struct pkt *p)
{
	uint8_t end = DHCP_OPT_END;
	pkt_raw(p, &end, 1);
	if (p->len < 300)
		p->len = 300; /* zero padding, as dhclient sends */
}

static void assert_opt(const struct dhcp_msg *m, uint8_t code,
		       const void *data, size_t n)
{
	assert_true(m->opt[code].present);
	assert_int_equal(m->opt[code].len, n);
	if (n)
		assert_memory_equal(m->opt[code].data, data, n);
}

static const uint8_t prl[] = {1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42};
static const char vendor[] = "dhcpcd-9.4.1:Linux-6.1.0:x86_64:GenuineIntel";

/* What dhclient/dhcpcd send on a fresh interface. */
static void discover(struct pkt *p)
{
	uint8_t t = DHCP_DISCOVER;
	uint32_t want = ip4(192, 168, 1, 100);
	uint8_t maxsz[2] = {0x05, 0xdc}; /* 1500 */
	uint8_t cid[7] = {1};
	uint8_t fqdn[] = "\0\0\0laptop.lab.home";

	memcpy(cid + 1, mac, 6);
	pkt_start(p, DHCP_BOOTREQUEST, 0x3903f326);
	p->b[10] = 0x80; /* broadcast flag */
	pkt_opt(p, DHCP_OPT_MSG_TYPE, &t, 1);
	pkt_opt(p, DHCP_OPT_REQUESTED_IP, &want, 4);
	pkt_opt(p, DHCP_OPT_MAX_SIZE, maxsz, 2);
	pkt_opt(p, DHCP_OPT_PARAM_LIST, prl, sizeof(prl));
	pkt_opt(p, DHCP_OPT_HOSTNAME, "laptop", 6);
	pkt_opt(p, DHCP_OPT_CLIENT_ID, cid, sizeof(cid));
	pkt_opt(p, DHCP_OPT_VENDOR_CLASS, vendor, strlen(vendor));
	pkt_opt(p, DHCP_OPT_CLIENT_FQDN, fqdn, sizeof(fqdn) - 1);
	pkt_end(p);
}

/* A REQUEST in SELECTING state, FQDN in wire format (flags S|E). */
static void request(struct pkt *p)
{
	uint8_t t = DHCP_REQUEST;
	uint32_t want = ip4(192, 168, 1, 100), server = ip4(192, 168, 1, 1);
	uint8_t maxsz[2] = {0x02, 0x40}; /* 576 */
	uint8_t cid[7] = {1};
	static const uint8_t fqdn[] = "\x05\xff\xff\x06Laptop\x03lab\x04home";

	memcpy(cid + 1, mac, 6);
	pkt_start(p, DHCP_BOOTREQUEST, 0x3903f326);
	p->b[9] = 3; /* secs */
	pkt_opt(p, DHCP_OPT_MSG_TYPE, &t, 1);
	pkt_opt(p, DHCP_OPT_SERVER_ID, &server, 4);
	pkt_opt(p, DHCP_OPT_REQUESTED_IP, &want, 4);
	pkt_opt(p, DHCP_OPT_PARAM_LIST, prl, sizeof(prl));
	pkt_opt(p, DHCP_OPT_HOSTNAME, "LAPTOP", 6);
	pkt_opt(p, DHCP_OPT_CLIENT_ID, cid, sizeof(cid));
	pkt_opt(p, DHCP_OPT_MAX_SIZE, maxsz, 2);
	pkt_opt(p, DHCP_OPT_VENDOR_CLASS, vendor, strlen(vendor));
	pkt_opt(p, DHCP_OPT_CLIENT_FQDN, fqdn, sizeof(fqdn)); /* with root */
	pkt_end(p);
}

static void test_parse_discover(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;
	uint32_t v;
	uint16_t s;
	uint8_t u;
	char host[64];
	uint8_t id[32];

	discover(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(m.op, DHCP_BOOTREQUEST);
	assert_int_equal(m.htype, 1);
	assert_int_equal(m.hlen, 6);
	assert_int_equal(m.hops, 0);
	assert_int_equal(m.xid, 0x3903f326);
	assert_int_equal(m.flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(m.ciaddr, 0);
	assert_int_equal(m.giaddr, 0);
	assert_memory_equal(m.chaddr, mac, 6);
	assert_int_equal(m.type, DHCP_DISCOVER);
	assert_int_equal(m.joined_len, 0);

	assert_int_equal(dhcp_opt_u8(&m, DHCP_OPT_MSG_TYPE, &u), 0);
	assert_int_equal(u, DHCP_DISCOVER);
	assert_int_equal(dhcp_opt_ip(&m, DHCP_OPT_REQUESTED_IP, &v), 0);
	assert_int_equal(v, ip4(192, 168, 1, 100));
	assert_int_equal(dhcp_opt_u32(&m, DHCP_OPT_REQUESTED_IP, &v), 0);
	assert_int_equal(v, 0xc0a80164);
	assert_int_equal(dhcp_opt_u16(&m, DHCP_OPT_MAX_SIZE, &s), 0);
	assert_int_equal(s, 1500);
	assert_opt(&m, DHCP_OPT_PARAM_LIST, prl, sizeof(prl));
	assert_opt(&m, DHCP_OPT_VENDOR_CLASS, vendor, strlen(vendor));
	assert_opt(&m, DHCP_OPT_HOSTNAME, "laptop", 6);
	assert_false(m.opt[DHCP_OPT_SERVER_ID].present);
	assert_false(m.opt[DHCP_OPT_PAD].present);
	assert_false(m.opt[DHCP_OPT_END].present);
	/* Single pieces point into the packet itself. */
	assert_ptr_equal(m.opt[DHCP_OPT_MSG_TYPE].data, p.b + 242);

	assert_int_equal(dhcp_msg_hostname(&m, host), 0);
	assert_string_equal(host, "laptop");
	assert_int_equal(dhcp_msg_client_id(&m, id, sizeof(id)), 7);
	assert_int_equal(id[0], 1);
	assert_memory_equal(id + 1, mac, 6);
}

static void test_parse_request(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;
	uint32_t v;
	uint16_t s;
	char host[64];

	request(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(m.type, DHCP_REQUEST);
	assert_int_equal(m.secs, 3);
	assert_int_equal(m.flags, 0);
	assert_int_equal(dhcp_opt_ip(&m, DHCP_OPT_SERVER_ID, &v), 0);
	assert_int_equal(v, ip4(192, 168, 1, 1));
	assert_int_equal(dhcp_opt_ip(&m, DHCP_OPT_REQUESTED_IP, &v), 0);
	assert_int_equal(v, ip4(192, 168, 1, 100));
	assert_int_equal(dhcp_opt_u16(&m, DHCP_OPT_MAX_SIZE, &s), 0);
	assert_int_equal(s, 576);
	assert_int_equal(m.opt[DHCP_OPT_CLIENT_FQDN].len, 3 + 17);
	/* Option 81 wins over option 12, wire form, first label only. */
	assert_int_equal(dhcp_msg_hostname(&m, host), 0);
	assert_string_equal(host, "laptop");

	/* A RELEASE/INFORM from a bound client carries ciaddr. */
	p.b[12] = 192, p.b[13] = 168, p.b[14] = 1, p.b[15] = 100;
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(m.ciaddr, ip4(192, 168, 1, 100));
}

static void test_helpers(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;
	uint8_t u = 0x5a;
	uint16_t s = 0x5a5a;
	uint32_t v = 0x5a5a5a5a;
	static const uint8_t b4[4] = {1, 2, 3, 4};

	pkt_start(&p, 1, 1);
	pkt_opt(&p, 51, b4, 4);
	pkt_opt(&p, 57, b4, 2);
	pkt_opt(&p, 53, b4, 3); /* wrong length: no type */
	pkt_opt(&p, 26, b4, 0);
	pkt_end(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(m.type, 0);

	assert_int_equal(dhcp_opt_u32(&m, 51, &v), 0);
	assert_int_equal(v, 0x01020304);
	assert_int_equal(dhcp_opt_ip(&m, 51, &v), 0);
	assert_memory_equal(&v, b4, 4);
	assert_int_equal(dhcp_opt_u16(&m, 57, &s), 0);
	assert_int_equal(s, 0x0102);

	v = 7, s = 7, u = 7;
	assert_int_equal(dhcp_opt_u8(&m, 51, &u), -EBADMSG);
	assert_int_equal(dhcp_opt_u16(&m, 51, &s), -EBADMSG);
	assert_int_equal(dhcp_opt_u32(&m, 57, &v), -EBADMSG);
	assert_int_equal(dhcp_opt_ip(&m, 57, &v), -EBADMSG);
	assert_int_equal(dhcp_opt_u8(&m, 53, &u), -EBADMSG);
	assert_int_equal(dhcp_opt_u16(&m, 26, &s), -EBADMSG);
	assert_int_equal(dhcp_opt_u8(&m, 1, &u), -ENOENT);
	assert_int_equal(dhcp_opt_u16(&m, 1, &s), -ENOENT);
	assert_int_equal(dhcp_opt_u32(&m, 1, &v), -ENOENT);
	assert_int_equal(dhcp_opt_ip(&m, 1, &v), -ENOENT);
	assert_int_equal(dhcp_opt_u8(&m, 0, &u), -ENOENT);
	assert_int_equal(dhcp_opt_u8(&m, 255, &u), -ENOENT);
	/* Failures leave the output alone. */
	assert_int_equal(u, 7);
	assert_int_equal(s, 7);
	assert_int_equal(v, 7);
}

static void test_malformed(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;

	/* Truncated fixed part or cookie. */
	discover(&p);
	assert_int_equal(dhcp_msg_parse(p.b, 0, &m), -EBADMSG);
	assert_int_equal(dhcp_msg_parse(p.b, 100, &m), -EBADMSG);
	assert_int_equal(dhcp_msg_parse(p.b, 236, &m), -EBADMSG);
	assert_int_equal(dhcp_msg_parse(p.b, 239, &m), -EBADMSG);
	assert_int_equal(dhcp_msg_parse(NULL, 0, &m), -EBADMSG);
	/* Cookie only, no options at all: a (useless) BOOTP request. */
	assert_int_equal(dhcp_msg_parse(p.b, 240, &m), 0);
	assert_int_equal(m.type, 0);

	/* Bad cookie (the 0x63825363 bytes reversed). */
	p.b[236] = 0x63, p.b[237] = 0x53, p.b[238] = 0x82, p.b[239] = 0x63;
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), -EBADMSG);
	/* A failed parse leaves nothing behind. */
	assert_int_equal(m.type, 0);
	assert_int_equal(m.xid, 0);
	assert_false(m.opt[DHCP_OPT_MSG_TYPE].present);

	/* Option length running past the end, by one byte. */
	pkt_start(&p, 1, 1);
	pkt_opt(&p, 53, "\1", 1);
	pkt_opt(&p, 12, "host", 4);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(dhcp_msg_parse(p.b, p.len - 1, &m), -EBADMSG);
	/* A code with no length byte. */
	p.b[p.len] = 12;
	assert_int_equal(dhcp_msg_parse(p.b, p.len + 1, &m), -EBADMSG);
	/* ... but a final PAD or END is fine. */
	p.b[p.len] = 0;
	assert_int_equal(dhcp_msg_parse(p.b, p.len + 1, &m), 0);
	p.b[p.len] = 255;
	assert_int_equal(dhcp_msg_parse(p.b, p.len + 1, &m), 0);
	/* Length byte 255 at the end of a short packet. */
	pkt_start(&p, 1, 1);
	pkt_raw(&p, "\x0c\xff" "abc", 5);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), -EBADMSG);

	/* Empty options are present with length 0. */
	pkt_start(&p, 1, 1);
	pkt_opt(&p, 53, "", 0);
	pkt_opt(&p, 12, "", 0);
	pkt_opt(&p, 61, "", 0);
	pkt_opt(&p, 81, "", 0);
	pkt_end(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(m.type, 0);
	assert_true(m.opt[12].present);
	assert_int_equal(m.opt[12].len, 0);
	assert_non_null(m.opt[12].data);
	char host[64];
	uint8_t id[17];
	assert_int_equal(dhcp_msg_hostname(&m, host), -ENOENT);
	assert_string_equal(host, "");
	/* An empty client id would make every such client one: chaddr. */
	assert_int_equal(dhcp_msg_client_id(&m, id, sizeof(id)), 7);
}

static void test_overload_malformed(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;

	/* Overload values other than 1..3, or of the wrong length. */
	static const struct {
		uint8_t b[4];
		size_t n;
	} bad[] = {{{52, 1, 0}, 3}, {{52, 1, 4}, 3}, {{52, 1, 255}, 3},
		   {{52, 0}, 2}, {{52, 2, 1, 1}, 4}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pkt_start(&p, 1, 1);
		pkt_raw(&p, bad[i].b, bad[i].n);
		pkt_end(&p);
		assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), -EBADMSG);
	}
	/* Overload given twice (each well formed on its own). */
	pkt_start(&p, 1, 1);
	pkt_opt(&p, 52, "\1", 1);
	pkt_opt(&p, 52, "\1", 1);
	pkt_end(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), -EBADMSG);

	/* Loops: an overload inside file or sname pointing back. */
	pkt_start(&p, 1, 1);
	pkt_opt(&p, 52, "\3", 1);
	pkt_end(&p);
	memcpy(p.b + 108, "\x34\x01\x01\xff", 4);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), -EBADMSG);
	memset(p.b + 108, 0, 128);
	memcpy(p.b + 44, "\x34\x01\x02\xff", 4);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), -EBADMSG);
	memset(p.b + 44, 0, 64);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);

	/* An option in file running past the field's end (into sname's
	 * neighbour would be past 'file'; the cookie follows it). */
	p.b[108 + 125] = 12;
	p.b[108 + 126] = 2;
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), -EBADMSG);
	p.b[108 + 126] = 1;
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(m.opt[12].len, 1);
	/* sname: same, into file's first byte. */
	p.b[44 + 62] = 60;
	p.b[44 + 63] = 1;
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), -EBADMSG);
}

static void test_pad_end(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;

	pkt_start(&p, 1, 1);
	pkt_raw(&p, "\0\0\0", 3);
	pkt_opt(&p, 53, "\3", 1);
	pkt_raw(&p, "\0", 1);
	pkt_opt(&p, 12, "pc", 2);
	pkt_raw(&p, "\xff", 1);
	/* After END: not options, not even well formed ones. */
	pkt_raw(&p, "\x0f\x03lab\x3c\xff", 7);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(m.type, DHCP_REQUEST);
	assert_opt(&m, 12, "pc", 2);
	assert_false(m.opt[15].present);
	assert_false(m.opt[60].present);

	/* No END, no padding: tolerated. */
	pkt_start(&p, 1, 1);
	pkt_opt(&p, 53, "\1", 1);
	pkt_opt(&p, 12, "pc", 2);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(m.type, DHCP_DISCOVER);
	assert_opt(&m, 12, "pc", 2);

	/* Only padding. */
	pkt_start(&p, 1, 1);
	p.len = 300;
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	for (int c = 0; c < 256; c++)
		assert_false(m.opt[c].present);
}

static void test_overload(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;
	char host[64];

	/* Both fields, options in file then sname; END optional in each. */
	pkt_start(&p, 1, 7);
	pkt_opt(&p, 53, "\3", 1);
	pkt_opt(&p, 52, "\3", 1);
	pkt_opt(&p, 81, "\0\0\0", 3); /* first piece: flags, rcodes */
	pkt_end(&p);
	memcpy(p.b + 108, "\x0c\x04" "desk" "\x51\x04" "desk" "\xff", 13);
	memcpy(p.b + 44, "\x3c\x03" "foo" "\x51\x05" ".home", 12);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(m.type, DHCP_REQUEST);
	assert_opt(&m, 12, "desk", 4);
	assert_opt(&m, 60, "foo", 3);
	/* Pieces concatenated in RFC 3396 order: options, file, sname. */
	assert_opt(&m, 81, "\0\0\0desk.home", 12);
	assert_int_equal(m.joined_len, 12);
	assert_int_equal(dhcp_msg_hostname(&m, host), 0);
	assert_string_equal(host, "desk");

	/* Overload 1: sname holds a server name, not options. */
	p.b[245] = 1;
	memcpy(p.b + 44, "bootserver.example", 18);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_opt(&m, 81, "\0\0\0desk", 7);
	assert_false(m.opt[60].present);

	/* Overload 2: file is a boot file name. */
	p.b[245] = 2;
	memset(p.b + 44, 0, 64);
	memcpy(p.b + 44, "\x3c\x03" "bar", 5);
	memcpy(p.b + 108, "pxelinux.0", 11);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_opt(&m, 60, "bar", 3);
	assert_false(m.opt[12].present);
	assert_opt(&m, 81, "\0\0\0", 3);

	/* Without option 52 neither field is looked at. */
	pkt_start(&p, 1, 7);
	pkt_opt(&p, 53, "\3", 1);
	pkt_end(&p);
	memcpy(p.b + 108, "\x0c\x04" "desk", 6);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_false(m.opt[12].present);
}

static void test_concat(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;
	uint8_t big[255];

	/* Three pieces, one empty, with another option between them. */
	pkt_start(&p, 1, 1);
	pkt_opt(&p, 43, "abc", 3);
	pkt_opt(&p, 53, "\1", 1);
	pkt_opt(&p, 43, "", 0);
	pkt_opt(&p, 12, "x", 1);
	pkt_opt(&p, 43, "def", 3);
	pkt_end(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_opt(&m, 43, "abcdef", 6);
	assert_ptr_equal(m.opt[43].data, m.joined);
	assert_opt(&m, 12, "x", 1);
	assert_int_equal(m.type, DHCP_DISCOVER);

	/* Two split options share the buffer; a single one stays in place. */
	pkt_start(&p, 1, 1);
	pkt_opt(&p, 82, "\x01\x04" "eth0", 6);
	pkt_opt(&p, 61, "\x01", 1);
	pkt_opt(&p, 82, "\x02\x02" "sw", 4);
	pkt_opt(&p, 61, "\xaa\xbb", 2);
	pkt_opt(&p, 12, "y", 1);
	pkt_end(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_opt(&m, 82, "\x01\x04" "eth0\x02\x02" "sw", 10);
	assert_opt(&m, 61, "\x01\xaa\xbb", 3);
	assert_int_equal(m.joined_len, 13);
	assert_ptr_equal(m.opt[12].data, p.b + 263);
	uint8_t id[8];
	assert_int_equal(dhcp_msg_client_id(&m, id, sizeof(id)), 3);
	assert_memory_equal(id, "\x01\xaa\xbb", 3);

	/* Long options: 4 x 255 + 4 = 1024 bytes fit exactly. */
	pkt_start(&p, 1, 1);
	for (int i = 0; i < 4; i++) {
		memset(big, 'a' + i, sizeof(big));
		pkt_opt(&p, 43, big, sizeof(big));
	}
	pkt_opt(&p, 43, "tail", 4);
	pkt_end(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(m.opt[43].len, 1024);
	assert_int_equal(m.opt[43].data[0], 'a');
	assert_int_equal(m.opt[43].data[255], 'b');
	assert_int_equal(m.opt[43].data[1019], 'd');
	assert_memory_equal(m.opt[43].data + 1020, "tail", 4);
	/* One byte more is more than the bound: refused, not truncated. */
	pkt_start(&p, 1, 1);
	for (int i = 0; i < 4; i++)
		pkt_opt(&p, 43, big, sizeof(big));
	pkt_opt(&p, 43, "tail!", 5);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), -EBADMSG);
	/* The bound is over all split options together. */
	pkt_start(&p, 1, 1);
	for (int i = 0; i < 2; i++) {
		pkt_opt(&p, 43, big, sizeof(big));
		pkt_opt(&p, 125, big, sizeof(big));
	}
	pkt_opt(&p, 124, big, 10);
	pkt_opt(&p, 124, big, 5);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), -EBADMSG);
	p.len -= 12 + 7;
	pkt_opt(&p, 124, big, 2);
	pkt_opt(&p, 124, big, 2);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(m.joined_len, 1024);
}

static int host_of12(const void *data, size_t n, char out[64])
{
	struct pkt p;
	struct dhcp_msg m;
	pkt_start(&p, 1, 1);
	pkt_opt(&p, 12, data, n);
	pkt_end(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	return dhcp_msg_hostname(&m, out);
}

static int host_of81(const void *fqdn, size_t n, const char *h12,
		     char out[64])
{
	struct pkt p;
	struct dhcp_msg m;
	pkt_start(&p, 1, 1);
	pkt_opt(&p, 81, fqdn, n);
	if (h12)
		pkt_opt(&p, 12, h12, strlen(h12));
	pkt_end(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	return dhcp_msg_hostname(&m, out);
}

static void test_hostname(void **state)
{
	(void)state;
	char out[64];
	static const struct {
		const char *in;
		size_t n;
		const char *want; /* NULL: -ENOENT */
	} cases[] = {
		{"laptop", 6, "laptop"},
		{"My-Laptop", 9, "my-laptop"},
		{"DESKTOP-4F2K9QX", 15, "desktop-4f2k9qx"},
		{"laptop\0", 7, "laptop"},	/* NUL-terminated, as some send */
		{"lap\0top", 7, "laptop"},
		{"  --Foo_Bar!!--  ", 17, "foobar"},
		{"android-8a1b2c3d4e5f", 20, "android-8a1b2c3d4e5f"},
		{"host.example.com", 16, "host"},
		{"Host.", 5, "host"},
		{".hidden", 7, NULL},
		{"J\xc3\xbcrgen's iPhone", 16, "jrgensiphone"},
		{"\xc3\xa4\xc3\xb6", 4, NULL},
		{"---", 3, NULL},
		{"-", 1, NULL},
		{"\0", 1, NULL},
		{"", 0, NULL},
		{"a-b--c", 6, "a-b--c"},
		{"0", 1, "0"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = host_of12(cases[i].in, cases[i].n, out);
		if (!cases[i].want) {
			assert_int_equal(rc, -ENOENT);
			assert_string_equal(out, "");
		} else {
			assert_int_equal(rc, 0);
			assert_string_equal(out, cases[i].want);
		}
	}

	/* Length: at most 63, and no '-' left at the cut. */
	char in[100];
	memset(in, 'A', 70);
	assert_int_equal(host_of12(in, 70, out), 0);
	assert_int_equal(strlen(out), 63);
	assert_int_equal(out[62], 'a');
	memset(in, 'a', 62);
	memcpy(in + 62, "-b", 2);
	assert_int_equal(host_of12(in, 64, out), 0);
	assert_int_equal(strlen(out), 62);
	/* Dropped bytes do not count towards the 63. */
	memset(in, '_', 30);
	memset(in + 30, 'z', 63);
	assert_int_equal(host_of12(in, 93, out), 0);
	assert_int_equal(strlen(out), 63);

	/* Option 81, wire form (flag E), first label. */
	assert_int_equal(host_of81("\x04\0\0\x05Mac-1\x03lab\x04home\0", 19,
				   "other", out), 0);
	assert_string_equal(out, "mac-1");
	/* A partial name (no root label) is fine too. */
	assert_int_equal(host_of81("\x05\0\0\x04wifi", 8, NULL, out), 0);
	assert_string_equal(out, "wifi");
	/* Wire label with junk inside; a dot is just a byte there. */
	assert_int_equal(host_of81("\x04\0\0\x06my.P_C", 10, NULL, out), 0);
	assert_string_equal(out, "mypc");
	/* ASCII form (no E), fully qualified or not. */
	assert_int_equal(host_of81("\x01\0\0NAS-01.lab.home.", 19, "x", out), 0);
	assert_string_equal(out, "nas-01");
	assert_int_equal(host_of81("\0\0\0printer", 10, NULL, out), 0);
	assert_string_equal(out, "printer");

	/* Option 81 without a usable name: option 12 decides. */
	assert_int_equal(host_of81("\x01\0\0", 3, "Phone", out), 0);
	assert_string_equal(out, "phone");
	assert_int_equal(host_of81("\x04\0\0\0", 4, "Phone", out), 0);
	assert_string_equal(out, "phone");
	assert_int_equal(host_of81("\x04\0\0\xc0\x0c", 5, "phone2", out), 0);
	assert_string_equal(out, "phone2"); /* compression: not allowed */
	assert_int_equal(host_of81("\x04\0\0\x09short", 9, "p3", out), 0);
	assert_string_equal(out, "p3"); /* label past the end */
	assert_int_equal(host_of81("\x04\0", 2, "p4", out), 0);
	assert_string_equal(out, "p4"); /* too short for the flags */
	assert_int_equal(host_of81("\0\0\0___", 6, "p5", out), 0);
	assert_string_equal(out, "p5");
	assert_int_equal(host_of81("\0\0\0___", 6, NULL, out), -ENOENT);
	assert_int_equal(host_of81("\x04\0\0\x03___", 7, "!!", out), -ENOENT);
}

static void test_client_id(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;
	uint8_t id[32];

	pkt_start(&p, 1, 1);
	pkt_end(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(dhcp_msg_client_id(&m, id, sizeof(id)), 7);
	assert_int_equal(id[0], 1);
	assert_memory_equal(id + 1, mac, 6);
	/* Truncated to the room given. */
	memset(id, 0xee, sizeof(id));
	assert_int_equal(dhcp_msg_client_id(&m, id, 4), 4);
	assert_int_equal(id[4], 0xee);
	assert_int_equal(dhcp_msg_client_id(&m, id, 1), 1);
	assert_int_equal(dhcp_msg_client_id(&m, NULL, 0), 0);
	/* hlen beyond chaddr is capped; hlen 0 leaves the type alone. */
	p.b[2] = 200;
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(dhcp_msg_client_id(&m, id, sizeof(id)), 17);
	p.b[2] = 0;
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(dhcp_msg_client_id(&m, id, sizeof(id)), 1);

	/* Option 61 (RFC 4361 style: type 255, IAID, DUID) wins. */
	static const uint8_t duid[] = {0xff, 0, 0, 0, 1, 0, 4, 0xde, 0xad,
				       0xbe, 0xef};
	pkt_start(&p, 1, 1);
	pkt_opt(&p, 61, duid, sizeof(duid));
	pkt_end(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(dhcp_msg_client_id(&m, id, sizeof(id)), sizeof(duid));
	assert_memory_equal(id, duid, sizeof(duid));
	assert_int_equal(dhcp_msg_client_id(&m, id, 5), 5);
}

/* RFC 3397 §2: eng.apple.com and marketing.apple.com. */
static const uint8_t rfc3397[] = {
	3, 'e', 'n', 'g', 5, 'a', 'p', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	9, 'm', 'a', 'r', 'k', 'e', 't', 'i', 'n', 'g', 0xc0, 0x04};

static void test_encode_search(void **state)
{
	(void)state;
	uint8_t out[300];
	const char *rfc[] = {"eng.apple.com.", "marketing.apple.com."};

	assert_int_equal(dhcp_encode_search(rfc, 2, out, sizeof(out)),
			 sizeof(rfc3397));
	assert_memory_equal(out, rfc3397, sizeof(rfc3397));
	/* Without final dots, in other case: the same bytes but for case. */
	const char *rfc2[] = {"eng.apple.com", "Marketing.APPLE.com"};
	assert_int_equal(dhcp_encode_search(rfc2, 2, out, sizeof(out)),
			 sizeof(rfc3397));
	assert_memory_equal(out + 16, "Marketing\xc0\x04", 11);
	/* Exactly enough room, and one byte less at every cut. */
	for (size_t cap = 0; cap < sizeof(rfc3397); cap++)
		assert_int_equal(dhcp_encode_search(rfc, 2, out, cap),
				 -ENOSPC);
	assert_int_equal(dhcp_encode_search(rfc, 2, out, sizeof(rfc3397)),
			 sizeof(rfc3397));

	/* A repeated name is one pointer; a parent of an earlier name too. */
	const char *rep[] = {"lab.home", "lab.home", "home", "iot.lab.home"};
	static const uint8_t want_rep[] = {3, 'l', 'a', 'b', 4, 'h', 'o', 'm',
					   'e', 0, 0xc0, 0, 0xc0, 4, 3, 'i',
					   'o', 't', 0xc0, 0};
	assert_int_equal(dhcp_encode_search(rep, 4, out, sizeof(out)),
			 sizeof(want_rep));
	assert_memory_equal(out, want_rep, sizeof(want_rep));
	/* Nothing shared: no pointers. */
	const char *apart[] = {"a.b", "c.d"};
	assert_int_equal(dhcp_encode_search(apart, 2, out, sizeof(out)), 10);
	assert_memory_equal(out, "\1a\1b\0\1c\1d\0", 10);
	/* A suffix match must be on whole labels. */
	const char *lbl[] = {"example.com", "ample.com"};
	assert_int_equal(dhcp_encode_search(lbl, 2, out, sizeof(out)), 13 + 8);
	assert_memory_equal(out + 13, "\5ample\xc0\x08", 8);

	assert_int_equal(dhcp_encode_search(NULL, 0, out, sizeof(out)), 0);

	/* Invalid names. */
	char l64[70];
	memset(l64, 'x', 64);
	l64[64] = '\0';
	char long_name[300];
	for (int i = 0; i < 127; i++)
		memcpy(long_name + 2 * i, "a.", 2);
	long_name[254] = '\0'; /* 127 labels: 254 in wire + root = 255 */
	const char *bad[] = {"", ".", "a..b", ".a", "a.b..", l64, NULL};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *one[] = {"ok", bad[i]};
		assert_int_equal(dhcp_encode_search(one, 2, out, sizeof(out)),
				 -EINVAL);
	}
	l64[63] = '\0';
	const char *ok63[] = {l64};
	assert_int_equal(dhcp_encode_search(ok63, 1, out, sizeof(out)), 65);
	const char *max[] = {long_name};
	assert_int_equal(dhcp_encode_search(max, 1, out, sizeof(out)), 255);
	long_name[253] = 'a', long_name[254] = 'a', long_name[255] = '\0';
	assert_int_equal(dhcp_encode_search(max, 1, out, sizeof(out)),
			 -EINVAL);
}

static void test_encode_routes(void **state)
{
	(void)state;
	uint8_t out[128];
	uint32_t gw = ip4(192, 168, 1, 1);
	/* RFC 3442 §2's table of destination descriptors. */
	static const struct {
		uint8_t d[4], prefix;
		uint8_t want[5];
		size_t n;
	} t[] = {
		{{0, 0, 0, 0}, 0, {0}, 1},
		{{10, 0, 0, 0}, 8, {8, 10}, 2},
		{{10, 0, 0, 0}, 24, {24, 10, 0, 0}, 4},
		{{10, 17, 0, 0}, 16, {16, 10, 17}, 3},
		{{10, 27, 129, 0}, 24, {24, 10, 27, 129}, 4},
		{{10, 229, 0, 128}, 25, {25, 10, 229, 0, 128}, 5},
		{{10, 198, 122, 47}, 32, {32, 10, 198, 122, 47}, 5},
	};
	struct dhcp_route all[7];
	uint8_t want_all[128];
	size_t n_all = 0;
	for (size_t i = 0; i < 7; i++) {
		struct dhcp_route r = {.prefix = t[i].prefix, .via_be = gw};
		memcpy(&r.dest_be, t[i].d, 4);
		assert_int_equal(dhcp_encode_routes(&r, 1, out, sizeof(out)),
				 t[i].n + 4);
		assert_memory_equal(out, t[i].want, t[i].n);
		assert_memory_equal(out + t[i].n, &gw, 4);
		all[i] = r;
		memcpy(want_all + n_all, out, t[i].n + 4);
		n_all += t[i].n + 4;
	}
	assert_int_equal(dhcp_encode_routes(all, 7, out, sizeof(out)), n_all);
	assert_memory_equal(out, want_all, n_all);
	for (size_t cap = 0; cap < n_all; cap++)
		assert_int_equal(dhcp_encode_routes(all, 7, out, cap), -ENOSPC);
	assert_int_equal(dhcp_encode_routes(all, 0, out, 0), 0);

	/* A prefix past 32, host bits set. */
	struct dhcp_route r = {.dest_be = ip4(10, 0, 0, 0), .prefix = 33,
			       .via_be = gw};
	assert_int_equal(dhcp_encode_routes(&r, 1, out, sizeof(out)), -EINVAL);
	r.prefix = 7;
	r.dest_be = ip4(11, 0, 0, 0); /* 11 = 0000101|1: a host bit */
	assert_int_equal(dhcp_encode_routes(&r, 1, out, sizeof(out)), -EINVAL);
	r.prefix = 0;
	r.dest_be = ip4(0, 0, 0, 1);
	assert_int_equal(dhcp_encode_routes(&r, 1, out, sizeof(out)), -EINVAL);
	r.prefix = 31;
	r.dest_be = ip4(10, 0, 0, 2);
	assert_int_equal(dhcp_encode_routes(&r, 1, out, sizeof(out)), 9);
}

static void test_build_roundtrip(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg req, rep;
	struct dhcp_builder b;
	uint8_t buf[DHCP_MAX_LEN + 16];
	uint32_t v;
	uint16_t s;

	/* A DISCOVER relayed with giaddr, hops and option 82. */
	discover(&p);
	p.b[3] = 1;
	p.b[24] = 10, p.b[25] = 0, p.b[26] = 5, p.b[27] = 1;
	static const uint8_t agent[] = {1, 4, 'p', 'o', 'r', 't', 2, 6, 0, 0x11,
					0x22, 0x33, 0x44, 0x55};
	p.len = 240 + 3; /* keep option 53, append the rest */
	pkt_opt(&p, DHCP_OPT_RELAY_AGENT, agent, sizeof(agent));
	pkt_end(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &req), 0);
	assert_int_equal(req.giaddr, ip4(10, 0, 5, 1));

	const char *search[] = {"lab.home", "iot.lab.home"};
	uint8_t s119[64];
	int n119 = dhcp_encode_search(search, 2, s119, sizeof(s119));
	assert_true(n119 > 0);
	struct dhcp_route routes[] = {
		{ip4(10, 10, 0, 0), 16, ip4(10, 0, 5, 254)},
		{0, 0, ip4(10, 0, 5, 1)},
	};
	uint8_t r121[32];
	int n121 = dhcp_encode_routes(routes, 2, r121, sizeof(r121));
	assert_int_equal(n121, 7 + 5);
	uint32_t dns[2] = {ip4(10, 0, 5, 1), ip4(1, 1, 1, 1)};
	uint8_t vendor43[600];
	for (size_t i = 0; i < sizeof(vendor43); i++)
		vendor43[i] = (uint8_t)(i * 7);

	memset(buf, 0xaa, sizeof(buf));
	dhcp_build_reply(&b, buf, DHCP_MAX_LEN, &req, DHCP_OFFER,
			 ip4(10, 0, 5, 50), ip4(10, 0, 5, 2));
	dhcp_build_ip(&b, DHCP_OPT_SERVER_ID, ip4(10, 0, 5, 2));
	dhcp_build_u32(&b, DHCP_OPT_LEASE_TIME, 3600);
	dhcp_build_u32(&b, DHCP_OPT_T1, 1800);
	dhcp_build_u32(&b, DHCP_OPT_T2, 3150);
	dhcp_build_ip(&b, DHCP_OPT_SUBNET_MASK, ip4(255, 255, 255, 0));
	dhcp_build_ip(&b, DHCP_OPT_ROUTER, ip4(10, 0, 5, 1));
	dhcp_build_opt(&b, DHCP_OPT_DNS, dns, sizeof(dns));
	dhcp_build_opt(&b, DHCP_OPT_DOMAIN, "lab.home", 8);
	dhcp_build_opt(&b, DHCP_OPT_MTU, "\x05\xdc", 2);
	dhcp_build_opt(&b, DHCP_OPT_DOMAIN_SEARCH, s119, (size_t)n119);
	dhcp_build_opt(&b, DHCP_OPT_CLASSLESS_ROUTES, r121, (size_t)n121);
	dhcp_build_opt(&b, DHCP_OPT_HOSTNAME, "laptop", 6);
	dhcp_build_opt(&b, 43, vendor43, sizeof(vendor43));
	dhcp_build_opt(&b, DHCP_OPT_RELAY_AGENT,
		       req.opt[DHCP_OPT_RELAY_AGENT].data,
		       req.opt[DHCP_OPT_RELAY_AGENT].len);
	dhcp_build_opt(&b, DHCP_OPT_PAD, "x", 1); /* not an option: ignored */
	dhcp_build_opt(&b, DHCP_OPT_END, "x", 1);
	assert_false(b.overflow);
	size_t len = dhcp_build_finish(&b);
	assert_int_equal(len, b.len);
	assert_true(len > DHCP_MIN_LEN && len <= DHCP_MAX_LEN);
	assert_int_equal(buf[len - 1], DHCP_OPT_END);
	assert_int_equal(buf[len], 0xaa);
	/* Option 53 comes first, right after the cookie. */
	assert_memory_equal(buf + 236, "\x63\x82\x53\x63\x35\x01\x02", 7);
	/* 600 bytes go as 255 + 255 + 90. */
	const uint8_t *o43 = memchr(buf + 240, 43, len - 240);
	assert_non_null(o43);
	assert_int_equal(o43[1], 255);
	assert_int_equal(o43[257], 43);
	assert_int_equal(o43[258], 255);
	assert_int_equal(o43[514], 43);
	assert_int_equal(o43[515], 90);

	assert_int_equal(dhcp_msg_parse(buf, len, &rep), 0);
	assert_int_equal(rep.op, DHCP_BOOTREPLY);
	assert_int_equal(rep.htype, 1);
	assert_int_equal(rep.hlen, 6);
	assert_int_equal(rep.hops, 0);
	assert_int_equal(rep.xid, 0x3903f326);
	assert_int_equal(rep.secs, 0);
	assert_int_equal(rep.flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(rep.ciaddr, 0);
	assert_int_equal(rep.yiaddr, ip4(10, 0, 5, 50));
	assert_int_equal(rep.siaddr, ip4(10, 0, 5, 2));
	assert_int_equal(rep.giaddr, ip4(10, 0, 5, 1));
	assert_memory_equal(rep.chaddr, req.chaddr, 16);
	assert_int_equal(rep.type, DHCP_OFFER);
	assert_int_equal(dhcp_opt_ip(&rep, DHCP_OPT_SERVER_ID, &v), 0);
	assert_int_equal(v, ip4(10, 0, 5, 2));
	assert_int_equal(dhcp_opt_u32(&rep, DHCP_OPT_LEASE_TIME, &v), 0);
	assert_int_equal(v, 3600);
	assert_int_equal(dhcp_opt_u32(&rep, DHCP_OPT_T1, &v), 0);
	assert_int_equal(v, 1800);
	assert_int_equal(dhcp_opt_u32(&rep, DHCP_OPT_T2, &v), 0);
	assert_int_equal(v, 3150);
	assert_int_equal(dhcp_opt_ip(&rep, DHCP_OPT_SUBNET_MASK, &v), 0);
	assert_int_equal(v, ip4(255, 255, 255, 0));
	assert_int_equal(dhcp_opt_ip(&rep, DHCP_OPT_ROUTER, &v), 0);
	assert_int_equal(v, ip4(10, 0, 5, 1));
	assert_opt(&rep, DHCP_OPT_DNS, dns, sizeof(dns));
	assert_opt(&rep, DHCP_OPT_DOMAIN, "lab.home", 8);
	assert_int_equal(dhcp_opt_u16(&rep, DHCP_OPT_MTU, &s), 0);
	assert_int_equal(s, 1500);
	assert_opt(&rep, DHCP_OPT_DOMAIN_SEARCH, s119, (size_t)n119);
	assert_opt(&rep, DHCP_OPT_CLASSLESS_ROUTES, r121, (size_t)n121);
	assert_opt(&rep, DHCP_OPT_HOSTNAME, "laptop", 6);
	assert_opt(&rep, 43, vendor43, sizeof(vendor43));
	assert_opt(&rep, DHCP_OPT_RELAY_AGENT, agent, sizeof(agent));
	int present = 0;
	for (int c = 0; c < 256; c++)
		present += rep.opt[c].present;
	assert_int_equal(present, 15);

	/* An ACK echoes ciaddr (RENEWING, INFORM); a bare reply is padded. */
	req.ciaddr = ip4(10, 0, 5, 50);
	dhcp_build_reply(&b, buf, sizeof(buf), &req, DHCP_ACK, 0, 0);
	assert_int_equal(b.cap, DHCP_MAX_LEN); /* clamped */
	len = dhcp_build_finish(&b);
	assert_int_equal(len, DHCP_MIN_LEN);
	assert_int_equal(buf[243], DHCP_OPT_END);
	for (size_t i = 244; i < len; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(dhcp_msg_parse(buf, len, &rep), 0);
	assert_int_equal(rep.type, DHCP_ACK);
	assert_int_equal(rep.ciaddr, ip4(10, 0, 5, 50));
	assert_int_equal(rep.yiaddr, 0);
	/* A NAK does not. */
	dhcp_build_reply(&b, buf, sizeof(buf), &req, DHCP_NAK, 0, 0);
	dhcp_build_opt(&b, DHCP_OPT_MESSAGE, "address not available", 21);
	len = dhcp_build_finish(&b);
	assert_int_equal(dhcp_msg_parse(buf, len, &rep), 0);
	assert_int_equal(rep.type, DHCP_NAK);
	assert_int_equal(rep.ciaddr, 0);
	assert_opt(&rep, DHCP_OPT_MESSAGE, "address not available", 21);
}

static void test_build_overflow(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg req, rep;
	struct dhcp_builder b;
	uint8_t buf[700];
	uint8_t big[400];

	discover(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &req), 0);
	memset(big, 'v', sizeof(big));

	/* 300 bytes: 243 used, 1 kept for END, 56 for options. */
	memset(buf, 0xaa, sizeof(buf));
	dhcp_build_reply(&b, buf, 300, &req, DHCP_OFFER, 0, 0);
	assert_int_equal(b.len, 243);
	dhcp_build_opt(&b, 60, big, 50); /* 52 bytes: fits */
	assert_false(b.overflow);
	dhcp_build_opt(&b, 61, big, 3); /* 5: one byte short */
	assert_true(b.overflow);
	dhcp_build_opt(&b, 62, big, 2); /* 4: exactly fits */
	dhcp_build_u32(&b, DHCP_OPT_LEASE_TIME, 60); /* no room left */
	assert_int_equal(b.len, 299);
	assert_int_equal(dhcp_build_finish(&b), 300);
	assert_int_equal(buf[299], DHCP_OPT_END);
	assert_int_equal(buf[300], 0xaa);
	assert_int_equal(dhcp_msg_parse(buf, 300, &rep), 0);
	assert_opt(&rep, 60, big, 50);
	assert_opt(&rep, 62, big, 2);
	assert_false(rep.opt[61].present);
	assert_false(rep.opt[DHCP_OPT_LEASE_TIME].present);

	/* A long option is left out whole, not cut; smaller ones follow. */
	memset(buf, 0xaa, sizeof(buf));
	dhcp_build_reply(&b, buf, 576, &req, DHCP_ACK, 0, 0);
	dhcp_build_opt(&b, 43, big, 200); /* to 445 */
	assert_false(b.overflow);
	dhcp_build_opt(&b, 44, big, sizeof(big)); /* 404: does not fit */
	assert_true(b.overflow);
	dhcp_build_opt(&b, 45, big, 100); /* to 547 */
	size_t len = dhcp_build_finish(&b);
	assert_true(len <= 576);
	assert_int_equal(buf[576], 0xaa);
	assert_int_equal(dhcp_msg_parse(buf, len, &rep), 0);
	assert_opt(&rep, 43, big, 200);
	assert_false(rep.opt[44].present);
	assert_opt(&rep, 45, big, 100);

	/* Below 300 bytes: no padding past the cap. */
	memset(buf, 0xaa, sizeof(buf));
	dhcp_build_reply(&b, buf, 250, &req, DHCP_OFFER, 0, 0);
	dhcp_build_opt(&b, 12, "abcd", 4);
	assert_int_equal(dhcp_build_finish(&b), 250);
	assert_int_equal(buf[250], 0xaa);
	assert_int_equal(dhcp_msg_parse(buf, 250, &rep), 0);
	assert_opt(&rep, 12, "abcd", 4);

	/* Not even the fixed part: nothing written at all. */
	for (size_t cap = 0; cap < 244; cap += 61) {
		memset(buf, 0xaa, sizeof(buf));
		dhcp_build_reply(&b, buf, cap, &req, DHCP_OFFER, 0, 0);
		assert_true(b.overflow);
		dhcp_build_opt(&b, 12, "x", 1);
		dhcp_build_u32(&b, 51, 1);
		assert_int_equal(dhcp_build_finish(&b), 0);
		for (size_t i = 0; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0xaa);
	}
	/* 244 is the smallest: fixed part, cookie, option 53, END. */
	dhcp_build_reply(&b, buf, 244, &req, DHCP_OFFER, 0, 0);
	assert_false(b.overflow);
	assert_int_equal(dhcp_build_finish(&b), 244);
	assert_int_equal(dhcp_msg_parse(buf, 244, &rep), 0);
	assert_int_equal(rep.type, DHCP_OFFER);

	/* Zero-length options are written as such. */
	dhcp_build_reply(&b, buf, 576, &req, DHCP_ACK, 0, 0);
	dhcp_build_opt(&b, 80, NULL, 0);
	len = dhcp_build_finish(&b);
	assert_int_equal(dhcp_msg_parse(buf, len, &rep), 0);
	assert_true(rep.opt[80].present);
	assert_int_equal(rep.opt[80].len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_discover),
		cmocka_unit_test(test_parse_request),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_overload_malformed),
		cmocka_unit_test(test_pad_end),
		cmocka_unit_test(test_overload),
		cmocka_unit_test(test_concat),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_client_id),
		cmocka_unit_test(test_encode_search),
		cmocka_unit_test(test_encode_routes),
		cmocka_unit_test(test_build_roundtrip),
		cmocka_unit_test(test_build_overflow),
	};
	return cmocka_run_group_tests(tests, 0, NULL);
}
