/* SPDX-License-Identifier: MIT */
/* Unit tests of lab.vms: defaults, refusals at LINE:COL, and VMs with an ip joining lab.hosts (so DNS, DHCP and watch derive from them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "core/config.h"
#include "support/room_config.h"

static const char base[] =
	"lab:\n"
	"  domain: lab.test\n"
	"  networks:\n"
	"    dmz: {vlan: 30, subnet: 192.168.30.0/24}\n"
	"  hosts:\n"
	"    atlas: {ip: 192.168.30.2, mac: '52:54:00:00:00:02'}\n"
	"  vms:\n";

static struct config *load(const char *vms)
{
	char yaml[4096];
	snprintf(yaml, sizeof(yaml), "%s%s", base, vms);
	return unit_load_ok(yaml);
}

static void refused(const char *vms, int line, int col, const char *const *w)
{
	char yaml[4096];
	snprintf(yaml, sizeof(yaml), "%s%s", base, vms);
	unit_refused(yaml, line, col, w);
}

static void defaults_and_hosts(void **state)
{
	(void)state;
	struct config *c = load(
		"    web:\n"
		"      mac: '52:54:00:00:30:10'\n"
		"      ip: 192.168.30.10\n"
		"      network: dmz\n"
		"      image: default/debian-12.qcow2\n"
		"    scratch:\n"
		"      bridge: br0\n"
		"      image: /srv/base.qcow2\n"
		"      memory: 2G\n"
		"      vcpus: 4\n"
		"      disks: {data: {size: 10G}}\n"
		"      cloud_init: {packages: [nginx, curl]}\n");
	const struct cfg_lab *lab = &c->lab;
	assert_int_equal(lab->n_vms, 2);
	const struct cfg_vm *w = &lab->vms[0], *s = &lab->vms[1];
	assert_string_equal(w->name, "web");
	assert_string_equal(w->domain, "web"); /* defaults to the name */
	assert_int_equal(w->vcpus, 1);
	assert_int_equal(w->memory, 512 << 20);
	assert_true(w->autostart);
	assert_null(w->hypervisor);
	assert_int_equal(s->memory, 2LL << 30);
	assert_int_equal(s->n_disks, 1);
	assert_int_equal(s->disks[0].size, 10LL << 30);
	assert_int_equal(s->cloud_init.n_packages, 2);
	assert_string_equal(s->cloud_init.packages[1], "curl");
	/* web has an ip: it is a lab host too; scratch has none. */
	assert_int_equal(lab->n_hosts, 2);
	const struct cfg_host *h = &lab->hosts[1];
	assert_string_equal(h->name, "web");
	assert_true(h->from_vm && h->has_ip && h->has_mac);
	assert_false(lab->hosts[0].from_vm);
	assert_int_equal(h->mac.b[5], 0x10);
	config_unref(c);
}

static void refusals(void **state)
{
	(void)state;
	refused("    web: {image: /x.qcow2, network: lan}\n", 8, 37,
		(const char *const[]){"unknown network", "lan", NULL});
	refused("    web: {image: /x.qcow2, network: dmz, ip: 10.0.0.1}\n", 8,
		46, (const char *const[]){"outside network", "dmz", NULL});
	refused("    web: {network: dmz}\n", 8, 5,
		(const char *const[]){"needs an image", NULL});
	refused("    web: {image: debian.qcow2, network: dmz}\n", 8, 18,
		(const char *const[]){"absolute path or POOL/VOLUME", NULL});
	refused("    web: {image: /x.qcow2}\n", 8, 5,
		(const char *const[]){"needs a network", NULL});
	refused("    atlas: {image: /x.qcow2, network: dmz, ip: 192.168.30.9}\n",
		8, 5, (const char *const[]){"same name as host", NULL});
	refused("    web: {image: /x.qcow2, network: dmz, ip: 192.168.30.2}\n",
		8, 46, (const char *const[]){"vm 'web' has the same ip", "host 'atlas'", NULL});
	refused("    web: {image: /x.qcow2, network: dmz, ip: 192.168.30.5, "
		"mac: '52:54:00:00:00:02'}\n", 8, 65,
		(const char *const[]){"same mac", "atlas", NULL});
	refused("    web: {image: /x.qcow2, network: dmz, mac: '52:54:00:00:00:09'}\n",
		8, 47, (const char *const[]){"mac but no ip", NULL});
	refused("    web: {image: /x.qcow2, network: dmz, memory: 1M}\n", 8, 50,
		(const char *const[]){"memory", "out of range", NULL});
	refused("    web: {image: /x.qcow2, network: dmz, disks: {Bad_Name: "
		"{size: 1G}}}\n", 8, 50, (const char *const[]){"disk name", NULL});
}

static void hosts_with_vm(void **state)
{
	(void)state;
	struct config *c = unit_load_ok(
		"lab:\n"
		"  networks: {dmz: {subnet: 192.168.30.0/24}}\n"
		"  hosts:\n"
		"    atlas: {ip: 192.168.30.2}\n"
		"    web:\n"
		"      ip: 192.168.30.10\n"
		"      mac: '52:54:00:00:30:10'\n"
		"      network: dmz\n"
		"      vm: {image: /srv/base.qcow2, vcpus: 2}\n"
		"  vms:\n"
		"    db: {image: /srv/base.qcow2, network: dmz, ip: 192.168.30.11}\n");
	const struct cfg_lab *lab = &c->lab;
	/* The map's VM first, then the host's; three hosts, not four. */
	assert_int_equal(lab->n_vms, 2);
	assert_string_equal(lab->vms[0].name, "db");
	const struct cfg_vm *w = &lab->vms[1];
	assert_string_equal(w->name, "web");
	assert_string_equal(w->domain, "web");
	assert_int_equal(w->vcpus, 2);
	assert_true(w->has_ip && w->has_mac);
	assert_string_equal(w->network, "dmz");
	assert_int_equal(w->mac.b[5], 0x10);
	assert_int_equal(lab->n_hosts, 3);
	config_unref(c);

	/* The address is the host's: vm: has no ip, mac or network. */
	unit_refused("lab:\n"
		     "  networks: {dmz: {subnet: 192.168.30.0/24}}\n"
		     "  hosts:\n"
		     "    web:\n"
		     "      ip: 192.168.30.10\n"
		     "      vm: {image: /x.qcow2, ip: 192.168.30.11}\n",
		     6, 29, (const char *const[]){"unknown key 'ip'", NULL});
	unit_refused("lab:\n"
		     "  hosts:\n"
		     "    web:\n"
		     "      ip: 192.168.30.10\n"
		     "      vm: {image: /x.qcow2}\n",
		     3, 5, (const char *const[]){"needs a network", NULL});
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_and_hosts),
		cmocka_unit_test(refusals),
		cmocka_unit_test(hosts_with_vm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
