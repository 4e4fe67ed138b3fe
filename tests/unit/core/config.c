/* SPDX-License-Identifier: MIT */
/* Unit tests of the config loader: values, defaults, errors and their positions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "cmd/rooms.h"
#include "support/room_config.h"
#include "core/config.h"
#include "core/config_schema.h"

/* ---- helpers ---- */

static struct config *load_ok(const char *yaml)
{
	struct config *c = NULL;
	struct cfg_error err;
	int rc = config_load_buffer(unit_schema(), yaml, strlen(yaml), "test.yaml", &c, &err);
	if (rc != 0)
		fail_msg("config refused: %s:%d:%d: %s\n---\n%s", err.file,
			 err.line, err.col, err.msg, yaml);
	assert_non_null(c);
	return c;
}

/* Line and column (1-based) of the @nth (0-based) occurrence of @needle. */
static void pos_of(const char *yaml, const char *needle, int nth, int *line,
		   int *col)
{
	const char *p = yaml;
	for (int i = 0; i <= nth; i++) {
		p = strstr(i ? p + 1 : p, needle);
		if (!p)
			fail_msg("test bug: '%s' not in yaml", needle);
	}
	*line = 1;
	*col = 1;
	for (const char *q = yaml; q < p; q++) {
		if (*q == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static void load_fail(const char *yaml, struct cfg_error *err)
{
	struct config *c = (struct config *)1;
	int rc = config_load_buffer(unit_schema(), yaml, strlen(yaml), "bad.yaml", &c, err);
	if (rc != HEARTH_ECONFIG)
		fail_msg("expected HEARTH_ECONFIG, got %d for\n---\n%s", rc,
			 yaml);
	assert_null(c);
	assert_string_equal(err->file, "bad.yaml");
	assert_true(strlen(err->msg) > 0);
}

/*
 * The load must fail with a message containing @msg, positioned exactly
 * at the @nth occurrence of @at in the text.
 */
static void expect_error_nth(const char *yaml, const char *at, int nth,
			     const char *msg)
{
	struct cfg_error err;
	int line, col;
	load_fail(yaml, &err);
	pos_of(yaml, at, nth, &line, &col);
	/* A quoted scalar may be placed at its quote or at its text. */
	bool col_ok = err.col == col || (at[0] == '"' && err.col == col + 1);
	if (!strstr(err.msg, msg) || err.line != line || !col_ok)
		fail_msg("expected %d:%d '%s', got %d:%d '%s'\n---\n%s", line,
			 col, msg, err.line, err.col, err.msg, yaml);
}

static void expect_error(const char *yaml, const char *at, const char *msg)
{
	expect_error_nth(yaml, at, 0, msg);
}

/*
 * For collections libfyaml gives no marks, so only the line is checked
 * exactly; the column must still be a real 1-based column.
 */
static void expect_error_line(const char *yaml, int line, const char *msg)
{
	struct cfg_error err;
	load_fail(yaml, &err);
	if (!strstr(err.msg, msg) || err.line != line || err.col < 1)
		fail_msg("expected line %d (col >= 1) '%s', got %d:%d '%s'\n"
			 "---\n%s",
			 line, msg, err.line, err.col, err.msg, yaml);
}

static const char *sa_text(const struct sockaddr_any *a, char *out)
{
	sockaddr_format(a, out);
	return out;
}

/* ---- valid documents ---- */

static const char full_yaml[] =
	"# a complete configuration\n"
	"state_dir: /tmp/hearth-state\n"
	"user: hearth\n"
	"log:\n"
	"  level: debug\n"
	"http:\n"
	"  listen: \"[::1]:9090\"\n"
	"  api_key: s3cret\n"
	"  max_header_bytes: 8k\n"
	"  max_body_bytes: 2MiB\n"
	"  max_connections: 64\n"
	"  idle_timeout: 5m\n"
	"lab:\n"
	"  domain: Home.Example.\n"
	"  networks:\n"
	"    lan:\n"
	"      vlan: 30\n"
	"      subnet: 192.168.30.0/24\n"
	"      gateway: 192.168.30.1\n"
	"    v6:\n"
	"      subnet: 2001:db8:30::/64\n"
	"  hosts:\n"
	"    nas:\n"
	"      ip: 192.168.30.10\n"
	"      mac: CA-FE-C0-FF-EE-08\n"
	"      network: lan\n"
	"      public: 203.0.113.10\n"
	"    printer:\n"
	"      ip: 192.168.30.11\n"
	"    box6:\n"
	"      ip: 2001:db8:30::6\n"
	"      network: v6\n";

static void test_full(void **state)
{
	(void)state;
	char t[ADDR_TEXT_MAX];
	struct config *c = load_ok(full_yaml);

	assert_string_equal(c->path, "test.yaml");
	assert_string_equal(c->state_dir, "/tmp/hearth-state");
	assert_string_equal(c->user, "hearth");
	assert_int_equal(c->log.level, LOG_DEBUG);

	assert_true(c->http.enabled);
	assert_string_equal(sa_text(&c->http.listen, t), "[::1]:9090");
	assert_int_equal(c->http.listen.u.sa.sa_family, AF_INET6);
	assert_string_equal(c->http.api_key, "s3cret");
	assert_int_equal(c->http.max_header_bytes, 8192);
	assert_int_equal(c->http.max_body_bytes, 2 * 1048576);
	assert_int_equal(c->http.max_connections, 64);
	assert_int_equal(c->http.idle_timeout, 300);

	assert_true(c->lab.enabled);
	assert_string_equal(c->lab.domain, "home.example");
	assert_int_equal(c->lab.n_networks, 2);
	const struct cfg_network *n = &c->lab.networks[0];
	assert_string_equal(n->name, "lan");
	assert_true(n->has_vlan);
	assert_int_equal(n->vlan, 30);
	ipprefix_format(&n->subnet, t);
	assert_string_equal(t, "192.168.30.0/24");
	assert_true(n->has_gateway);
	ipaddr_format(&n->gateway, t);
	assert_string_equal(t, "192.168.30.1");
	int line, col;
	pos_of(full_yaml, "lan:", 0, &line, &col);
	assert_int_equal(n->pos.line, line);
	assert_int_equal(n->pos.col, col);
	pos_of(full_yaml, "192.168.30.0/24", 0, &line, &col);
	assert_int_equal(n->subnet_pos.line, line);
	assert_int_equal(n->subnet_pos.col, col);
	pos_of(full_yaml, "192.168.30.1\n", 0, &line, &col);
	assert_int_equal(n->gateway_pos.line, line);
	assert_int_equal(n->gateway_pos.col, col);

	n = &c->lab.networks[1];
	assert_string_equal(n->name, "v6");
	assert_false(n->has_vlan);
	assert_false(n->has_gateway);
	ipprefix_format(&n->subnet, t);
	assert_string_equal(t, "2001:db8:30::/64");

	assert_int_equal(c->lab.n_hosts, 3);
	const struct cfg_host *h = &c->lab.hosts[0];
	assert_string_equal(h->name, "nas");
	assert_true(h->has_ip);
	ipaddr_format(&h->ip, t);
	assert_string_equal(t, "192.168.30.10");
	assert_true(h->has_mac);
	macaddr_format(&h->mac, t);
	assert_string_equal(t, "ca:fe:c0:ff:ee:08");
	assert_string_equal(h->network, "lan");
	assert_true(h->has_public);
	ipaddr_format(&h->public_ip, t);
	assert_string_equal(t, "203.0.113.10");
	pos_of(full_yaml, "nas:", 0, &line, &col);
	assert_int_equal(h->pos.line, line);
	assert_int_equal(h->pos.col, col);
	pos_of(full_yaml, "192.168.30.10", 0, &line, &col);
	assert_int_equal(h->ip_pos.line, line);
	assert_int_equal(h->ip_pos.col, col);
	pos_of(full_yaml, "CA-FE", 0, &line, &col);
	assert_int_equal(h->mac_pos.line, line);
	assert_int_equal(h->mac_pos.col, col);
	pos_of(full_yaml, "203.0.113.10", 0, &line, &col);
	assert_int_equal(h->public_pos.line, line);
	assert_int_equal(h->public_pos.col, col);

	h = &c->lab.hosts[1];
	assert_string_equal(h->name, "printer");
	assert_true(h->has_ip);
	assert_false(h->has_mac);
	assert_false(h->has_public);
	assert_null(h->network);

	h = &c->lab.hosts[2];
	assert_string_equal(h->name, "box6");
	assert_int_equal(h->ip.family, AF_INET6);
	assert_string_equal(h->network, "v6");

	config_unref(c);
}

static void check_http_defaults(const struct config *c)
{
	char t[ADDR_TEXT_MAX];
	assert_string_equal(sa_text(&c->http.listen, t), "127.0.0.1:8080");
	assert_null(c->http.api_key);
	assert_int_equal(c->http.max_header_bytes, 16384);
	assert_int_equal(c->http.max_body_bytes, 1048576);
	assert_int_equal(c->http.max_connections, 512);
	assert_int_equal(c->http.idle_timeout, 30);
}

static void test_defaults(void **state)
{
	(void)state;
	static const char *const docs[] = {"{}", "~", "---\n", "user: x\n"};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct config *c = load_ok(docs[i]);
		assert_string_equal(c->state_dir, "/var/lib/hearth");
		assert_int_equal(c->log.level, LOG_INFO);
		assert_false(c->http.enabled);
		check_http_defaults(c);
		assert_false(c->lab.enabled);
		assert_string_equal(c->lab.domain, "lab.internal");
		assert_int_equal(c->lab.n_networks, 0);
		assert_int_equal(c->lab.n_hosts, 0);
		assert_null(c->lab.networks);
		assert_null(c->lab.hosts);
		config_unref(c);
	}
	struct config *c = load_ok("user: x\n");
	assert_string_equal(c->user, "x");
	config_unref(c);
	c = load_ok("{}");
	assert_null(c->user);
	config_unref(c);
}

/* A file of nothing but comments (or nothing at all) is an empty
 * configuration, like "~" or "---": every default applies. */
static void test_empty_document(void **state)
{
	(void)state;
	static const char *const docs[] = {"", "\n", "# all defaults\n",
					   "# one\n\n# two\n"};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct config *c = load_ok(docs[i]);
		assert_string_equal(c->state_dir, "/var/lib/hearth");
		assert_false(c->http.enabled);
		assert_false(c->lab.enabled);
		config_unref(c);
	}
}

static void test_sections_enabled(void **state)
{
	(void)state;
	struct config *c = load_ok("http:\nlab:\n");
	assert_true(c->http.enabled);
	check_http_defaults(c);
	assert_true(c->lab.enabled);
	assert_string_equal(c->lab.domain, "lab.internal");
	assert_int_equal(c->lab.n_hosts, 0);
	config_unref(c);

	c = load_ok("http: {}\nlab: ~\n");
	assert_true(c->http.enabled);
	assert_true(c->lab.enabled);
	config_unref(c);

	c = load_ok("http:\n  max_connections: 7\n");
	assert_true(c->http.enabled);
	assert_false(c->lab.enabled);
	assert_int_equal(c->http.max_connections, 7);
	assert_int_equal(c->http.idle_timeout, 30);
	config_unref(c);

	c = load_ok("lab:\n  networks:\n  hosts:\n");
	assert_false(c->http.enabled);
	assert_true(c->lab.enabled);
	assert_int_equal(c->lab.n_networks, 0);
	assert_int_equal(c->lab.n_hosts, 0);
	config_unref(c);

	/* A log section alone sets the level. */
	c = load_ok("log:\n  level: warn\n");
	assert_int_equal(c->log.level, LOG_WARN);
	config_unref(c);
}

static void test_units(void **state)
{
	(void)state;
	static const struct {
		const char *yaml;
		size_t off;
		int64_t want;
	} cases[] = {
#define H(m) offsetof(struct config, http.m)
		{"http:\n  max_header_bytes: 16k\n", H(max_header_bytes), 16384},
		{"http:\n  max_header_bytes: 16K\n", H(max_header_bytes), 16384},
		{"http:\n  max_header_bytes: 16KiB\n", H(max_header_bytes), 16384},
		{"http:\n  max_header_bytes: 4096\n", H(max_header_bytes), 4096},
		{"http:\n  max_header_bytes: 1M\n", H(max_header_bytes), 1048576},
		{"http:\n  max_body_bytes: 1MiB\n", H(max_body_bytes), 1048576},
		{"http:\n  max_body_bytes: 0\n", H(max_body_bytes), 0},
		{"http:\n  max_body_bytes: 1G\n", H(max_body_bytes), 1073741824},
		{"http:\n  max_body_bytes: 1GiB\n", H(max_body_bytes), 1073741824},
		{"http:\n  idle_timeout: 5m\n", H(idle_timeout), 300},
		{"http:\n  idle_timeout: 45\n", H(idle_timeout), 45},
		{"http:\n  idle_timeout: 45s\n", H(idle_timeout), 45},
		{"http:\n  idle_timeout: 1h\n", H(idle_timeout), 3600},
		{"http:\n  idle_timeout: 1\n", H(idle_timeout), 1},
		{"http:\n  max_connections: 1\n", H(max_connections), 1},
		{"http:\n  max_connections: 65536\n", H(max_connections), 65536},
#undef H
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *c = load_ok(cases[i].yaml);
		int64_t got = *(const int64_t *)((const char *)c + cases[i].off);
		if (got != cases[i].want)
			fail_msg("%s: got %lld, want %lld", cases[i].yaml,
				 (long long)got, (long long)cases[i].want);
		config_unref(c);
	}
}

static void test_out_of_range(void **state)
{
	(void)state;
	static const struct {
		const char *yaml, *at, *msg;
	} cases[] = {
		{"http:\n  max_header_bytes: 4095\n", "4095", "out of range"},
		{"http:\n  max_header_bytes: 2M\n", "2M", "out of range"},
		{"http:\n  max_body_bytes: 2G\n", "2G", "out of range"},
		{"http:\n  max_connections: 0\n", "0", "out of range"},
		{"http:\n  max_connections: 65537\n", "65537", "out of range"},
		{"http:\n  max_connections: -1\n", "-1", "out of range"},
		{"http:\n  max_connections: 99999999999999999999999\n", "999",
		 "out of range"},
		{"http:\n  max_body_bytes: 99999999999G\n", "999", "out of range"},
		{"http:\n  idle_timeout: 0\n", "0", "out of range"},
		{"http:\n  idle_timeout: 2h\n", "2h", "out of range"},
		{"http:\n  idle_timeout: 1d\n", "1d", "out of range"},
		{"lab:\n  networks:\n    lan:\n      vlan: 0\n"
		 "      subnet: 10.0.0.0/8\n", "0\n", "out of range"},
		{"lab:\n  networks:\n    lan:\n      subnet: 10.0.0.0/8\n"
		 "      vlan: 4095\n", "4095", "out of range"},
		/* Malformed numbers are type errors, not range errors. */
		{"http:\n  idle_timeout: -5\n", "-5", "must be a duration"},
		{"http:\n  idle_timeout: 5 m\n", "5 m", "must be a duration"},
		{"http:\n  idle_timeout: 5w\n", "5w", "must be a duration"},
		{"http:\n  max_body_bytes: 16kb\n", "16kb", "must be a size"},
		{"http:\n  max_body_bytes: k\n", "k\n", "must be a size"},
		{"http:\n  max_body_bytes: 1.5M\n", "1.5M", "must be a size"},
		{"http:\n  max_connections: 12x\n", "12x", "must be an integer"},
		{"http:\n  max_connections: 0x10\n", "0x10", "must be an integer"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i].yaml, cases[i].at, cases[i].msg);
}

/* ---- errors and their positions ---- */

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_error("state_dir: /x\nbogus: 1\n", "bogus", "unknown key 'bogus'");
	expect_error("http:\n  listen: 127.0.0.1:1\n  lisen: 127.0.0.1:2\n",
		     "lisen", "unknown key 'lisen'");
	expect_error("log:\n  levle: info\n", "levle", "unknown key");
	expect_error("lab:\n  networks:\n    lan:\n      subnet: 10.0.0.0/8\n"
		     "      vlam: 3\n",
		     "vlam", "unknown key 'vlam'");
	expect_error("lab:\n  hosts:\n    a:\n      ip: 10.0.0.1\n"
		     "      ipv6: ::1\n",
		     "ipv6", "unknown key 'ipv6'");
	/* Keys are case-sensitive. */
	expect_error("State_Dir: /x\n", "State_Dir", "unknown key");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error("http:\n  max_connections: lots\n", "lots",
		     "'max_connections' must be an integer");
	/* Quoted numbers are strings. */
	expect_error("http:\n  max_connections: \"5\"\n", "\"5\"",
		     "must be an integer");
	expect_error("http: yes\n", "yes", "'http' must be a mapping");
	expect_error("log:\n  level: loud\n", "loud", "'level' must be one of");
	expect_error("state_dir: \"\"\n", "\"\"", "'state_dir' must be a path");
	expect_error("lab:\n  domain: bad..name\n", "bad..name",
		     "'domain' must be a DNS name");
	expect_error("lab:\n  domain: -bad.example\n", "-bad", "DNS name");
	expect_error("lab:\n  networks: [a, b]\n", "[a,",
		     "'networks' must be a mapping of names");
	expect_error("state_dir: \"a\\0b\"\n", "\"a", "NUL byte");

	/* Collections where a scalar is expected: the line is exact. */
	expect_error_line("http:\n  listen: [1]\n", 2,
			  "'listen' must be ADDR:PORT");
	expect_error_line("user:\n  name: x\n", 2, "'user' must be a string");
}

static void test_bad_addresses(void **state)
{
	(void)state;
	expect_error("http:\n  listen: 127.0.0.1\n", "127.0.0.1",
		     "'listen' must be ADDR:PORT");
	expect_error("http:\n  listen: 127.0.0.1:0\n", "127", "ADDR:PORT");
	expect_error("http:\n  listen: 127.0.0.1:65536\n", "127", "ADDR:PORT");
	expect_error("http:\n  listen: localhost:80\n", "localhost", "ADDR:PORT");
	expect_error("http:\n  listen: \"[::1:80\"\n", "\"[", "ADDR:PORT");
	expect_error("lab:\n  networks:\n    lan:\n      subnet: 192.168.30.1/24\n",
		     "192.168.30.1/24", "'subnet' must be a prefix");
	expect_error("lab:\n  networks:\n    lan:\n      subnet: 10.0.0.0/33\n",
		     "10.0.0.0/33", "must be a prefix");
	expect_error("lab:\n  networks:\n    lan:\n      subnet: 10.0.0.0/8\n"
		     "      gateway: 10.0.0.256\n",
		     "10.0.0.256", "'gateway' must be an IP address");
	expect_error("lab:\n  hosts:\n    a:\n      ip: 10.0.0.1\n"
		     "      mac: ca:fe:c0:ff:ee\n",
		     "ca:fe", "'mac' must be a MAC address");
	expect_error("lab:\n  hosts:\n    a:\n      ip: 10.0.0.1\n"
		     "      mac: \"ca:fe:c0:ff:ee:08:09\"\n",
		     "\"ca:fe", "must be a MAC address");
	expect_error("lab:\n  hosts:\n    a:\n      ip: nas.lan\n", "nas.lan",
		     "'ip' must be an IP address");
}

static void test_yaml_syntax(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"log:\n\tlevel: info\n", "user: a\nuser: b\n", "http: [1\n",
		"user: \"open\n", "a: b: c\n", "}\n",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct cfg_error err;
		load_fail(docs[i], &err);
		assert_non_null(strstr(err.msg, "YAML syntax"));
	}
}

/* libfyaml's collected errors carry 1-based lines and columns already. */
static void test_yaml_syntax_position(void **state)
{
	(void)state;
	/* Tab indentation: at the tab. */
	expect_error("log:\n\tlevel: info\n", "\tlevel", "YAML syntax");
	/* Duplicate keys: at the second one. */
	expect_error_nth("user: a\nuser: b\n", "user", 1, "duplicate key");
	expect_error_nth("http:\n  listen: 127.0.0.1:1\n  listen: 127.0.0.1:2\n",
			 "listen", 1, "duplicate key");
	expect_error_nth("lab:\n  hosts:\n    a:\n      ip: 10.0.0.1\n"
			 "    a:\n      ip: 10.0.0.2\n",
			 "a:", 1, "duplicate key");

	/* Errors at the end of the input stay inside the document. */
	struct cfg_error err;
	load_fail("http: [1\n", &err);
	assert_true(err.line >= 1 && err.line <= 2);
	assert_true(err.col >= 1);
	load_fail("user: \"open\n", &err);
	assert_true(err.line >= 1 && err.line <= 2);
}

/*
 * Values without a token of their own (a missing value, an empty
 * collection, an empty item) must still be reported at a real position:
 * their key's, or where the value starts.
 */
static void test_position_without_token(void **state)
{
	(void)state;
	expect_error_line("http:\n  listen:\n", 2, "'listen' needs a value");
	expect_error_line("user:\nstate_dir: /x\n", 1, "'user' needs a value");
	expect_error_line("http:\n  listen: []\n", 2,
			  "'listen' must be ADDR:PORT");
	expect_error_line("state_dir: {}\n", 1, "'state_dir' must be a path");
	expect_error_line("lab:\n  networks:\n    lan:\n", 3,
			  "missing required key 'subnet'");
	expect_error_line("lab:\n  networks:\n    lan: {}\n", 3,
			  "missing required key 'subnet'");
	expect_error_line("[]\n", 1, "must be a mapping");
}

static const char lab_nets[] =
	"  networks:\n"
	"    lan:\n"
	"      subnet: 192.168.30.0/24\n"
	"      gateway: 192.168.30.1\n";

static char *cat3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);
	assert_non_null(s);
	snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

static void expect_lab_error(const char *hosts, const char *at, int nth,
			     const char *msg)
{
	/* Networks first, then hosts. */
	char *y = cat3("lab:\n", lab_nets, hosts);
	expect_error_nth(y, at, nth, msg);
	free(y);
	/* And hosts first: checks must still see every network. */
	y = cat3("lab:\n", hosts, lab_nets);
	expect_error_nth(y, at, nth, msg);
	free(y);
}

/* lab.networks' bridge/trunk/host_address and hosts' interfaces (the net
 * room's keys in core's lab section). */
static void test_lab_net_keys(void **state)
{
	(void)state;
	struct config *c = load_ok(
		"lab:\n"
		"  networks:\n"
		"    dmz: {vlan: 30, subnet: 10.0.30.0/24, bridge: dmzbr,\n"
		"          trunk: eth0}\n"
		"    hyp: {subnet: 10.0.40.0/24, host_address: static}\n"
		"  hosts:\n"
		"    atlas:\n"
		"      ip: 10.0.40.11\n"
		"      interfaces:\n"
		"        - network: dmz\n"
		"          trunk: enp1s0\n"
		"        - {network: hyp, bridge: hypbr}\n");
	const struct cfg_network *n = &c->lab.networks[0];
	assert_string_equal(n->bridge, "dmzbr");
	assert_string_equal(n->trunk, "eth0");
	assert_int_equal(n->host_address, CFG_HOST_ADDRESS_NONE);
	assert_int_equal(c->lab.networks[1].host_address, CFG_HOST_ADDRESS_STATIC);
	const struct cfg_host *h = &c->lab.hosts[0];
	assert_true(h->has_interfaces);
	assert_int_equal(h->n_interfaces, 2);
	assert_string_equal(h->interfaces[0].trunk, "enp1s0");
	assert_string_equal(h->interfaces[1].bridge, "hypbr");
	assert_int_equal(h->interfaces[1].pos.line, 12);
	config_unref(c);

	static const char *const ifname[] = {"bridge", "not an interface name", NULL};
	unit_refused("lab:\n  networks:\n    dmz:\n      subnet: 10.0.0.0/24\n"
		     "      bridge: dmz/br\n", 5, 15, ifname);
	static const char *const toolong[] = {"bridge", "1-15", NULL};
	unit_refused("lab:\n  networks:\n    dmz:\n      subnet: 10.0.0.0/24\n"
		     "      bridge: abcdefghijklmnop\n", 5, 15, toolong);
	static const char *const vname[] = {"VLAN interface", "longer than 15", NULL};
	unit_refused("lab:\n  networks:\n    dmz:\n      subnet: 10.0.0.0/24\n"
		     "      vlan: 3000\n      trunk: enp0s31f6xy\n", 6, 14, vname);
	static const char *const ha[] = {"host_address", "none, dhcp or static", NULL};
	unit_refused("lab:\n  networks:\n    dmz:\n      subnet: 10.0.0.0/24\n"
		     "      host_address: manual\n", 5, 21, ha);
	static const char *const dup[] = {"same bridge", "'dmz'", NULL};
	unit_refused("lab:\n  networks:\n    dmz: {subnet: 10.0.0.0/24, bridge: br0}\n"
		     "    lan:\n      subnet: 10.1.0.0/24\n      bridge: br0\n",
		     6, 15, dup);
	static const char *const unknown[] = {"unknown network", "'wan'", NULL};
	unit_refused("lab:\n  networks:\n    dmz: {subnet: 10.0.0.0/24, bridge: br0}\n"
		     "  hosts:\n    a:\n      interfaces:\n        - network: wan\n",
		     7, 20, unknown);
	static const char *const twice[] = {"lists network 'dmz' twice", NULL};
	unit_refused("lab:\n  networks:\n    dmz: {subnet: 10.0.0.0/24, bridge: br0}\n"
		     "  hosts:\n    a:\n      interfaces:\n        - network: dmz\n"
		     "        - network: dmz\n", 8, 20, twice);
	static const char *const nolink[] = {"needs a trunk or a bridge", NULL};
	unit_refused("lab:\n  networks:\n    dmz: {subnet: 10.0.0.0/24}\n"
		     "  hosts:\n    a:\n      interfaces:\n        - network: dmz\n",
		     7, 11, nolink);
	static const char *const noip[] = {"static", "needs an ip", NULL};
	unit_refused("lab:\n  networks:\n    dmz: {subnet: 10.0.0.0/24, bridge: br0}\n"
		     "  hosts:\n    a:\n      interfaces:\n"
		     "        - {network: dmz, host_address: static}\n",
		     7, 11, noip);
	static const char *const outside[] = {"outside network 'dmz'", NULL};
	unit_refused("lab:\n  networks:\n    dmz: {subnet: 10.0.0.0/24, bridge: br0}\n"
		     "  hosts:\n    a:\n      interfaces:\n"
		     "        - {network: dmz, ip: 10.9.0.1}\n",
		     7, 30, outside);
	static const char *const nethost[] = {"host 'zeus'", "not in lab.hosts", NULL};
	unit_refused("lab:\n  hosts:\n    a: {ip: 10.0.0.1}\nnet:\n  host: zeus\n",
		     5, 9, nethost);
}

static void test_lab_checks(void **state)
{
	(void)state;
	/* A valid lab in both orders. */
	static const char hosts_ok[] = "  hosts:\n"
				       "    nas:\n"
				       "      ip: 192.168.30.10\n"
				       "      network: lan\n";
	char *y = cat3("lab:\n", hosts_ok, lab_nets);
	struct config *c = load_ok(y);
	assert_int_equal(c->lab.n_hosts, 1);
	assert_int_equal(c->lab.n_networks, 1);
	config_unref(c);
	free(y);

	expect_lab_error("  hosts:\n    nas:\n      ip: 192.168.31.10\n"
			 "      network: lan\n",
			 "192.168.31.10", 0, "outside network 'lan'");
	expect_lab_error("  hosts:\n    nas:\n      ip: 2001:db8::1\n"
			 "      network: lan\n",
			 "2001:db8::1", 0, "outside network");
	expect_lab_error("  hosts:\n    nas:\n      ip: 192.168.30.10\n"
			 "      network: wan\n",
			 "wan", 0, "unknown network 'wan'");
	expect_lab_error("  hosts:\n    a:\n      ip: 192.168.30.10\n"
			 "    b:\n      ip: 192.168.30.10\n",
			 "192.168.30.10", 1, "same ip");
	expect_lab_error("  hosts:\n    a:\n      ip: 192.168.30.10\n"
			 "      mac: ca:fe:c0:ff:ee:08\n"
			 "    b:\n      ip: 192.168.30.11\n"
			 "      mac: CA-FE-C0-FF-EE-08\n",
			 "CA-FE", 0, "same mac");
	expect_lab_error("  hosts:\n    a:\n      ip: 192.168.30.10\n"
			 "      public: 203.0.113.5\n"
			 "    b:\n      ip: 192.168.30.11\n"
			 "      public: 203.0.113.5\n",
			 "203.0.113.5", 1, "same public");
	expect_lab_error("  hosts:\n    a:\n      mac: ca:fe:c0:ff:ee:08\n",
			 "ca:fe", 0, "has a mac but no ip");
	expect_lab_error("  hosts:\n    a:\n      public: 203.0.113.5\n",
			 "203.0.113.5", 0, "public address but no ip");
	expect_lab_error("  hosts:\n    a:\n      ip: 192.168.30.10\n"
			 "      public: 2001:db8::5\n",
			 "2001:db8::5", 0, "must be IPv4");
	expect_lab_error("  hosts:\n    bad_host:\n      ip: 192.168.30.10\n",
			 "bad_host", 0, "not a valid DNS label");
	expect_lab_error("  hosts:\n    -dash:\n      ip: 192.168.30.10\n",
			 "-dash", 0, "not a valid DNS label");
	expect_lab_error("  hosts:\n    \"a.b\":\n      ip: 192.168.30.10\n",
			 "\"a.b\"", 0, "not a valid DNS label");

	expect_error("lab:\n  networks:\n    lan:\n"
		     "      subnet: 192.168.30.0/24\n"
		     "      gateway: 192.168.31.1\n",
		     "192.168.31.1", "gateway is outside subnet");
	expect_error("lab:\n  networks:\n    my_net:\n"
		     "      subnet: 192.168.30.0/24\n",
		     "my_net", "not a valid DNS label");
	/* A network without its subnet: at the item's mapping (which
	 * starts on its first key's line), or at its name when empty. */
	expect_error_line("lab:\n  networks:\n    lan:\n      vlan: 3\n", 4,
			  "missing required key 'subnet'");
}

static void test_anchors_refused(void **state)
{
	(void)state;
	struct cfg_error err;
	load_fail("state_dir: &d /srv/hearth\nuser: *d\n", &err);
	assert_non_null(strstr(err.msg, "anchors and aliases"));
	assert_int_equal(err.line, 1);
	assert_true(err.col >= 1);

	load_fail("http: &h\n  listen: 127.0.0.1:1\n", &err);
	assert_non_null(strstr(err.msg, "anchors and aliases"));
	assert_true(err.line >= 1 && err.line <= 2);

	load_fail("lab:\n  hosts:\n    a: &x\n      ip: 10.0.0.1\n"
		  "    b: *x\n",
		  &err);
	assert_non_null(strstr(err.msg, "anchors and aliases"));
	assert_true(err.line >= 3);
}

static void test_not_a_mapping(void **state)
{
	(void)state;
	expect_error("hello\n", "hello", "must be a mapping");
	expect_error("\"quoted\"\n", "\"quoted\"", "must be a mapping");
	expect_error_line("- a\n- b\n", 1, "must be a mapping");
	expect_error_line("[1, 2]\n", 1, "must be a mapping");
}

static void test_too_large(void **state)
{
	(void)state;
	size_t n = CONFIG_MAX_BYTES + 1;
	char *data = malloc(n);
	assert_non_null(data);
	memset(data, ' ', n);
	memcpy(data, "user: x\n#", 9);
	data[n - 1] = '\n';
	struct config *c = (struct config *)1;
	struct cfg_error err;
	assert_int_equal(config_load_buffer(unit_schema(), data, n, "big.yaml", &c, &err),
			 HEARTH_ECONFIG);
	assert_null(c);
	assert_non_null(strstr(err.msg, "larger than"));
	assert_string_equal(err.file, "big.yaml");

	/* Exactly at the limit is accepted. */
	assert_int_equal(config_load_buffer(unit_schema(), data, n - 1, "max.yaml", &c, &err),
			 0);
	assert_string_equal(c->user, "x");
	config_unref(c);

	/* Through a file as well. */
	char path[] = "/tmp/hearth-test-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	assert_int_equal(config_load_file(unit_schema(), path, &c, &err), HEARTH_ECONFIG);
	assert_null(c);
	assert_non_null(strstr(err.msg, "larger than"));
	assert_string_equal(err.file, path);
	unlink(path);
	free(data);
}

static void test_length_respected(void **state)
{
	(void)state;
	/* Only @len bytes are parsed; what follows is not looked at. */
	static const char data[] = "user: alice\nbogus: key\n";
	struct config *c = NULL;
	struct cfg_error err;
	assert_int_equal(config_load_buffer(unit_schema(), data, 12, "n.yaml", &c, &err), 0);
	assert_string_equal(c->user, "alice");
	config_unref(c);
}

static void test_load_file(void **state)
{
	(void)state;
	struct config *c = (struct config *)1;
	struct cfg_error err;
	const char *missing = "/nonexistent/hearth/config.yaml";
	assert_int_equal(config_load_file(unit_schema(), missing, &c, &err), HEARTH_ECONFIG);
	assert_null(c);
	assert_string_equal(err.file, missing);
	assert_non_null(strstr(err.msg, "cannot open"));

	char path[] = "/tmp/hearth-test-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n = strlen(full_yaml);
	assert_int_equal(write(fd, full_yaml, n), (ssize_t)n);
	close(fd);
	assert_int_equal(config_load_file(unit_schema(), path, &c, &err), 0);
	assert_string_equal(c->path, path);
	assert_int_equal(c->lab.n_hosts, 3);
	config_unref(c);

	/* Errors through a file carry its name and the position. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "user: x\noops: 1\n", 16), 16);
	close(fd);
	assert_int_equal(config_load_file(unit_schema(), path, &c, &err), HEARTH_ECONFIG);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 1);

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	config_error_print(&err, f);
	fclose(f);
	char want[512];
	snprintf(want, sizeof(want), "%s:2:1: unknown key 'oops'\n", path);
	assert_string_equal(text, want);
	free(text);
	unlink(path);
}

/* ---- restart keys, reference, refcount ---- */

struct keys {
	char text[512];
};

static void add_key(const char *key, void *ud)
{
	struct keys *k = ud;
	size_t used = strlen(k->text);
	snprintf(k->text + used, sizeof(k->text) - used, "%s%s",
		 used ? "," : "", key);
}

static int restart_keys(const char *a, const char *b, struct keys *k)
{
	struct config *x = load_ok(a), *y = load_ok(b);
	memset(k, 0, sizeof(*k));
	int n = config_restart_keys(x, y, add_key, k);
	config_unref(x);
	config_unref(y);
	return n;
}

static void test_restart_keys(void **state)
{
	(void)state;
	struct keys k;
	static const char base[] =
		"state_dir: /a\nlog:\n  level: info\n"
		"http:\n  listen: 127.0.0.1:8080\n  api_key: one\n";

	assert_int_equal(restart_keys(base, base, &k), 0);
	assert_string_equal(k.text, "");

	assert_int_equal(restart_keys(base,
				      "state_dir: /a\nlog:\n  level: info\n"
				      "http:\n  listen: 127.0.0.1:8081\n"
				      "  api_key: one\n",
				      &k),
			 1);
	assert_string_equal(k.text, "http.listen");

	assert_int_equal(restart_keys(base,
				      "state_dir: /b\nlog:\n  level: info\n"
				      "http:\n  listen: 127.0.0.1:8080\n"
				      "  api_key: one\n",
				      &k),
			 1);
	assert_string_equal(k.text, "state_dir");

	/* Reloadable: api_key, log.level, max_body_bytes, the lab. */
	assert_int_equal(restart_keys(base,
				      "state_dir: /a\nlog:\n  level: debug\n"
				      "http:\n  listen: 127.0.0.1:8080\n"
				      "  api_key: two\n"
				      "  max_body_bytes: 5k\n"
				      "lab:\n  domain: x.example\n",
				      &k),
			 0);
	assert_string_equal(k.text, "");

	/* Both restart-only keys at once. */
	assert_int_equal(restart_keys(base,
				      "state_dir: /c\n"
				      "http:\n  listen: \"[::1]:8080\"\n",
				      &k),
			 2);
	assert_non_null(strstr(k.text, "state_dir"));
	assert_non_null(strstr(k.text, "http.listen"));

	/* Turning the HTTP server off is a restart. */
	assert_int_equal(restart_keys("http:\n", "{}", &k), 1);
	assert_string_equal(k.text, "http");

	assert_int_equal(restart_keys("{}", "user: nobody\n", &k), 1);
	assert_string_equal(k.text, "user");
	assert_int_equal(restart_keys("http:\n  max_connections: 5\n",
				      "http:\n  max_connections: 6\n", &k),
			 1);
	assert_string_equal(k.text, "http.max_connections");
}

static void test_reference(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	config_reference(unit_schema(), f);
	fclose(f);
	assert_non_null(text);
	assert_true(len > 0);

	static const char *const keys[] = {
		"state_dir", "user", "log", "log.level", "http", "http.listen",
		"http.api_key", "http.max_header_bytes", "http.max_body_bytes",
		"http.max_connections", "http.idle_timeout",
		"http.max_streams", "http.max_streams_per_client",
		"http.max_connections_per_client", "http.header_timeout",
		"http.reserved_connections", "http.reserved_clients",
		"http.metrics_public", "lab", "lab.enabled", "lab.domain",
		"dns.enabled", "dhcp.enabled",
		"lab.networks", "lab.networks.NAME.vlan", "lab.services", "lab.services[].name", "lab.services[].host", "lab.services[].port", "lab.services[].url", "lab.services[].type",
		"lab.networks.NAME.subnet", "lab.networks.NAME.gateway",
		"lab.hosts", "lab.hosts.NAME.ip", "lab.hosts.NAME.mac",
		"lab.hosts.NAME.network", "lab.hosts.NAME.public",
		"lab.networks.NAME.bridge", "lab.networks.NAME.trunk",
		"lab.networks.NAME.host_address", "lab.hosts.NAME.interfaces",
		"lab.hosts.NAME.interfaces[].network",
		"lab.hosts.NAME.interfaces[].trunk",
		"lab.hosts.NAME.interfaces[].bridge",
		"lab.hosts.NAME.interfaces[].host_address",
		"lab.hosts.NAME.interfaces[].ip", "lab.policy",
		"lab.policy[].from", "lab.policy[].to", "lab.policy[].action",
		"net", "net.enabled", "net.apply", "net.recheck", "net.host",
		"lab.hosts.NAME.vm", "lab.hosts.NAME.vm.domain", "lab.hosts.NAME.vm.hypervisor", "lab.hosts.NAME.vm.vcpus", "lab.hosts.NAME.vm.memory", "lab.hosts.NAME.vm.bridge", "lab.hosts.NAME.vm.image", "lab.hosts.NAME.vm.disk_size", "lab.hosts.NAME.vm.pool", "lab.hosts.NAME.vm.disks", "lab.hosts.NAME.vm.disks.NAME.size", "lab.hosts.NAME.vm.disks.NAME.pool", "lab.hosts.NAME.vm.autostart", "lab.hosts.NAME.vm.kernel", "lab.hosts.NAME.vm.initrd", "lab.hosts.NAME.vm.cmdline", "lab.hosts.NAME.vm.cloud_init", "lab.hosts.NAME.vm.cloud_init.user", "lab.hosts.NAME.vm.cloud_init.packages", "lab.hosts.NAME.vm.cloud_init.ssh_keys", "lab.hosts.NAME.vm.cloud_init.user_data",
		"lab.vms", "lab.vms.NAME.domain", "lab.vms.NAME.hypervisor",
		"lab.vms.NAME.vcpus", "lab.vms.NAME.memory", "lab.vms.NAME.mac",
		"lab.vms.NAME.ip", "lab.vms.NAME.network", "lab.vms.NAME.bridge",
		"lab.vms.NAME.image", "lab.vms.NAME.disk_size",
		"lab.vms.NAME.pool", "lab.vms.NAME.disks",
		"lab.vms.NAME.disks.NAME.size", "lab.vms.NAME.disks.NAME.pool",
		"lab.vms.NAME.autostart", "lab.vms.NAME.cloud_init",
		"lab.vms.NAME.cloud_init.user", "lab.vms.NAME.cloud_init.packages",
		"lab.vms.NAME.cloud_init.ssh_keys",
		"lab.vms.NAME.cloud_init.user_data",
		"vm", "vm.enabled", "vm.uri", "vm.pool", "vm.ca_dir",
		"vm.host_cert_validity",
		"dns", "dns.listen", "dns.zones", "dns.zones[].name",
		"dns.zones[].file", "dns.udp_workers", "dns.udp_payload",
		"dns.tcp_idle_timeout", "dns.tcp_max_connections",
		"dns.tcp_message_timeout", "dns.tcp_stall_timeout",
		"dns.tcp_max_connections_per_client", "dns.tcp_max_queued",
		"dns.tcp_max_queued_total",
		"dns.identity", "dns.identity.version", "dns.identity.id",
		"dns.secondaries", "dns.forward", "dns.forward[].domain",
		"dns.forward[].to", "dns.upstream", "dns.alias",
		"dns.alias[].from", "dns.alias[].to", "dns.log_queries", "dns.cache_size",
		"dns.upstream_timeout", "dns.allow_recursion",
		"dns.forward_max_inflight", "dns.forward_max_inflight_per_client",
		"dns.upstream_down_after", "dns.upstream_backoff", "dns.rrl",
		"dns.rrl.responses_per_second", "dns.rrl.slip", "dns.rrl.window",
		"dns.rrl.ipv4_prefix", "dns.rrl.ipv6_prefix", "dns.soa",
		"dns.soa.mname", "dns.soa.rname", "dns.soa.refresh",
		"dns.soa.retry", "dns.soa.expire", "dns.soa.minimum",
		"dns.soa.ttl",
		"dhcp", "dhcp.interfaces", "dhcp.port", "dhcp.subnets", "dhcp.subnets[].subnet", "dhcp.subnets[].ranges", "dhcp.subnets[].router", "dhcp.subnets[].dns", "dhcp.subnets[].domain", "dhcp.subnets[].search", "dhcp.subnets[].ntp", "dhcp.subnets[].lease_time", "dhcp.subnets[].mtu", "dhcp.subnets[].routes", "dhcp.subnets[].routes[].to", "dhcp.subnets[].routes[].via", "dhcp.subnets[].options", "dhcp.subnets[].options[].code", "dhcp.subnets[].options[].value", "dhcp.subnets[].classes", "dhcp.subnets[].classes[].vendor", "dhcp.subnets[].classes[].options", "dhcp.subnets[].classes[].options[].code", "dhcp.subnets[].classes[].options[].value", "dhcp.subnets[].interface", "dhcp.reservations", "dhcp.reservations[].mac", "dhcp.reservations[].client_id", "dhcp.reservations[].ip", "dhcp.reservations[].hostname", "dhcp.ping_check", "dhcp.dns_register", "dhcp.offer_hold", "dhcp.offer_hold_min", "dhcp.offer_pressure", "dhcp.discover_rate_mac", "dhcp.discover_burst_mac", "dhcp.discover_rate_relay", "dhcp.discover_burst_relay",
		"notify", "notify.enabled", "notify.listen", "notify.base_url",
		"notify.default_access", "notify.cache_duration",
		"notify.keepalive_interval", "notify.message_size_limit",
		"notify.delay_min", "notify.delay_max",
		"notify.attachment_file_limit", "notify.attachment_total_limit",
		"notify.attachment_expiry", "notify.max_subscribers",
		"notify.max_subscribers_per_client", "notify.subscriber_buffer",
		"notify.apprise", "notify.apprise.listen", "notify.apprise.timeout",
		"notify.apprise.retries", "notify.apprise.retry_delay_ms",
		"notify.apprise.max_body", "notify.apprise.attach_size", "notify.apprise.recursion_max",
		"notify.apprise.discord_url", "notify.apprise.slack_url",
		"notify.apprise.telegram_url", "notify.apprise.pushover_url",
		"notify.apprise.ntfy_url", "notify.limits",
		"notify.limits.request_burst", "notify.limits.request_interval",
		"notify.limits.subscriptions", "notify.limits.messages_per_day",
		"notify.limits.attachment_bandwidth",
		"notify.limits.auth_failure_burst", "notify.limits.visitors",
		"notify.limits.exempt", "notify.routes",
		"notify.routes[].event", "notify.routes[].to",
		"backup", "backup.enabled", "backup.repository",
		"backup.password_file",
		"backup.jobs[].checks", "backup.jobs[].checks[].frequency", "backup.jobs[].checks[].name", "backup.jobs[].checks[].subset",
		"lab.vms.NAME.cmdline", "lab.vms.NAME.initrd", "lab.vms.NAME.kernel", "vm.virt_type",
		"backup.hearth", "backup.jobs", "backup.jobs[].name", "backup.jobs[].repositories", "backup.jobs[].password_file", "backup.jobs[].sources", "backup.jobs[].exclude", "backup.jobs[].tags", "backup.jobs[].keep", "backup.jobs[].keep.last", "backup.jobs[].keep.hourly", "backup.jobs[].keep.daily", "backup.jobs[].keep.weekly", "backup.jobs[].keep.monthly", "backup.jobs[].keep.yearly", "backup.jobs[].keep.within", "backup.jobs[].schedule", "backup.jobs[].timeout", "backup.jobs[].hooks", "backup.jobs[].hooks.before", "backup.jobs[].hooks.after", "backup.jobs[].hooks.on_error", "backup.jobs[].notify",
		"watch", "watch.enabled", "watch.monitors", "watch.monitors[].name", "watch.monitors[].id", "watch.monitors[].type", "watch.monitors[].description", "watch.monitors[].tags", "watch.monitors[].tags[].name", "watch.monitors[].tags[].value", "watch.monitors[].tags[].color", "watch.monitors[].url", "watch.monitors[].method", "watch.monitors[].headers", "watch.monitors[].body", "watch.monitors[].basic_auth", "watch.monitors[].bearer", "watch.monitors[].accepted_statuscodes", "watch.monitors[].max_redirects", "watch.monitors[].ignore_tls", "watch.monitors[].expiry_notification", "watch.monitors[].keyword", "watch.monitors[].invert_keyword", "watch.monitors[].json_path", "watch.monitors[].json_path_operator", "watch.monitors[].expected_value", "watch.monitors[].hostname", "watch.monitors[].port", "watch.monitors[].dns_resolve_type", "watch.monitors[].dns_resolve_server", "watch.monitors[].database_connection_string", "watch.monitors[].dns_transport", "watch.monitors[].database_query", "watch.monitors[].smtp_security", "watch.monitors[].ping_count", "watch.monitors[].ping_timeout", "watch.monitors[].token", "watch.monitors[].interval", "watch.monitors[].retries", "watch.monitors[].retry_interval", "watch.monitors[].timeout", "watch.monitors[].resend_interval", "watch.monitors[].upside_down", "watch.monitors[].up_retries", "watch.monitors[].depends_on", "watch.monitors[].parent", "watch.maintenance", "watch.maintenance[].name", "watch.maintenance[].description", "watch.maintenance[].monitors", "watch.maintenance[].strategy", "watch.maintenance[].active", "watch.maintenance[].start", "watch.maintenance[].end", "watch.maintenance[].weekdays", "watch.maintenance[].days", "watch.maintenance[].interval_days", "watch.maintenance[].first_day", "watch.maintenance[].start_time", "watch.maintenance[].end_time", "watch.maintenance[].timezone", "watch.maintenance[].cron", "watch.maintenance[].duration", "watch.status_pages", "watch.status_pages[].slug", "watch.status_pages[].title", "watch.status_pages[].description", "watch.status_pages[].footer_text", "watch.status_pages[].theme", "watch.status_pages[].published", "watch.status_pages[].show_powered_by", "watch.status_pages[].auto_refresh", "watch.status_pages[].groups", "watch.status_pages[].groups[].name", "watch.status_pages[].groups[].monitors", "watch.tls_expiry_days", "watch.from_lab", "watch.lab_interval", "watch.lab_retries", "watch.status_pages[].incident", "watch.status_pages[].incident.content", "watch.status_pages[].incident.date", "watch.status_pages[].incident.style", "watch.status_pages[].incident.title", "watch.status_pages[].show_certificate_expiry", "watch.status_pages[].show_tags", "watch.alerts", "watch.alerts.to", "watch.retention", "watch.retention.heartbeats", "watch.retention.minutely", "watch.retention.hourly", "watch.retention.daily",
		"watch.retention.detailed",
		"watch.monitors[].ca_file",
		"backup.jobs[].sources[].path", "backup.jobs[].sources[].libvirt", "backup.jobs[].sources[].libvirt.domain", "backup.jobs[].sources[].libvirt.disk", "backup.jobs[].sources[].libvirt.uri",
		"watch.monitors[].notifications", "watch.notifications", "watch.notifications[].name", "watch.notifications[].to", "watch.notifications[].events", "watch.notifications[].default",
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char cell[80];
		snprintf(cell, sizeof(cell), "| `%s` |", keys[i]);
		if (!strstr(text, cell))
			fail_msg("reference lacks %s", cell);
	}
	/* Defaults appear. */
	assert_non_null(strstr(text, "127.0.0.1:8080"));
	assert_non_null(strstr(text, "/var/lib/hearth"));
	assert_non_null(strstr(text, "lab.internal"));

	/* A well-formed table: a header, a separator, one row per key, each
	 * with the same number of cells. */
	assert_true(strncmp(text, "| key |", 7) == 0);
	size_t rows = 0;
	int want_pipes = -1;
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		int pipes = 0;
		for (char *p = line; p < nl; p++)
			pipes += *p == '|';
		assert_int_equal(line[0], '|');
		if (want_pipes < 0)
			want_pipes = pipes;
		assert_int_equal(pipes, want_pipes);
		rows++;
		line = nl + 1;
	}
	assert_int_equal(rows, 2 + sizeof(keys) / sizeof(keys[0]));
	free(text);
}

static void test_refcount(void **state)
{
	(void)state;
	struct config *c = load_ok("user: x\n");
	assert_int_equal(atomic_load(&c->refs), 1);
	assert_ptr_equal(config_ref(c), c);
	assert_ptr_equal(config_ref(c), c);
	assert_int_equal(atomic_load(&c->refs), 3);
	config_unref(c);
	config_unref(c);
	assert_int_equal(atomic_load(&c->refs), 1);
	assert_string_equal(c->user, "x"); /* still alive */
	config_unref(c);		   /* freed: ASan would notice misuse */
	assert_null(config_ref(NULL));
	config_unref(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_document),
		cmocka_unit_test(test_sections_enabled),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_yaml_syntax),
		cmocka_unit_test(test_yaml_syntax_position),
		cmocka_unit_test(test_position_without_token),
		cmocka_unit_test(test_lab_checks),
		cmocka_unit_test(test_lab_net_keys),
		cmocka_unit_test(test_anchors_refused),
		cmocka_unit_test(test_not_a_mapping),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_length_respected),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_restart_keys),
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_refcount),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
