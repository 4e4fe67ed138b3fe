/* SPDX-License-Identifier: MIT */
/* Unit tests of lab.policy's rendering as table inet hearth (no nftables needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/plan.h"
#include "net/policy.h"
#include "support/room_config.h"

static const char lab_yaml[] =
	"lab:\n"
	"  networks:\n"
	"    dmz: {vlan: 30, subnet: 192.168.30.0/24}\n"
	"    hyp: {vlan: 40, subnet: 192.168.40.0/24}\n"
	"    v6: {subnet: 'fd00:30::/64'}\n"
	"    v6b: {subnet: 'fd00:40::/64'}\n"
	"  policy:\n"
	"    - {from: hyp, to: dmz, action: allow}\n"
	"    - {from: dmz, to: hyp, action: deny}\n"
	"    - {from: v6, to: v6b, action: deny}\n"
	"    - {from: v6, to: dmz, action: deny}\n";

static void test_render(void **state)
{
	(void)state;
	struct config *cfg = unit_load_ok(lab_yaml);
	char *text = NULL, comment[64];
	assert_int_equal(net_policy_render(&cfg->lab, &text, comment,
					   sizeof(comment)), 0);
	static const char chain[] =
		"\t\ttype filter hook %s priority filter; policy accept;\n"
		"\t\tct state established,related accept\n"
		"\t\tip saddr 192.168.40.0/24 ip daddr 192.168.30.0/24 accept comment \"hyp -> dmz\"\n"
		"\t\tip saddr 192.168.30.0/24 ip daddr 192.168.40.0/24 drop comment \"dmz -> hyp\"\n"
		"\t\tip6 saddr fd00:30::/64 ip6 daddr fd00:40::/64 drop comment \"v6 -> v6b\"\n"
		"\t}\n";
	char fwd[1024], in[1024], want[4096];
	snprintf(fwd, sizeof(fwd), chain, "forward");
	snprintf(in, sizeof(in), chain, "input");
	/* One buffer, one transaction: add (so delete cannot fail), delete,
	 * define. A rule between families (v6 -> dmz) cannot match: left out. */
	snprintf(want, sizeof(want),
		 "table inet hearth\n"
		 "delete table inet hearth\n"
		 "table inet hearth {\n"
		 "\tcomment \"%s\"\n"
		 "\tchain forward {\n%s\n"
		 "\tchain input {\n%s"
		 "}\n", comment, fwd, in);
	assert_string_equal(text, want);
	assert_int_equal(strncmp(comment, "hearth policy ", 14), 0);
	assert_int_equal(strlen(comment), 14 + 16);

	/* Same lab, same text; another rule, another fingerprint. */
	char *again = NULL, c2[64];
	assert_int_equal(net_policy_render(&cfg->lab, &again, c2, sizeof(c2)), 0);
	assert_string_equal(again, text);
	free(again);
	cfg->lab.policy[0].allow = false;
	assert_int_equal(net_policy_render(&cfg->lab, &again, c2, sizeof(c2)), 0);
	assert_string_not_equal(c2, comment);
	assert_non_null(strstr(again, "192.168.30.0/24 drop comment \"hyp -> dmz\""));
	free(again);

	/* What nft lists is matched whitespace and blank lines aside. */
	assert_true(net_table_matches(strstr(text, "table inet hearth {"), text));
	assert_false(net_table_matches("table inet hearth {\n}\n", text));
	free(text);
	config_unref(cfg);
}

static void test_nothing_to_render(void **state)
{
	(void)state;
	struct config *cfg = unit_load_ok(
		"lab:\n"
		"  networks:\n"
		"    a: {subnet: 10.0.0.0/24}\n"
		"    b: {subnet: 'fd00::/64'}\n"
		"  policy:\n"
		"    - {from: a, to: b, action: deny}\n");
	char *text = NULL, comment[64];
	assert_int_equal(net_policy_render(&cfg->lab, &text, comment,
					   sizeof(comment)), -EINVAL);
	assert_null(text);
	config_unref(cfg);
}

static void test_refusals(void **state)
{
	(void)state;
	static const char *const unknown[] = {"unknown network", "'lan'", NULL};
	unit_refused("lab:\n"
		     "  networks:\n"
		     "    dmz: {subnet: 10.0.0.0/24}\n"
		     "  policy:\n"
		     "    - from: lan\n"
		     "      to: dmz\n"
		     "      action: deny\n", 5, 13, unknown);
	static const char *const action[] = {"action", "allow or deny", NULL};
	unit_refused("lab:\n"
		     "  networks:\n"
		     "    dmz: {subnet: 10.0.0.0/24}\n"
		     "  policy:\n"
		     "    - {from: dmz, to: dmz, action: reject}\n", 5, 36, action);
	static const char *const missing[] = {"missing", "'action'", NULL};
	unit_refused("lab:\n"
		     "  networks:\n"
		     "    dmz: {subnet: 10.0.0.0/24}\n"
		     "  policy:\n"
		     "    - {from: dmz, to: dmz}\n", 5, 7, missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_nothing_to_render),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
