# SPDX-License-Identifier: MIT
"""The dhcp room against real clients: ISC dhclient, busybox udhcpc and
dhcpcd, each in its own network namespace (see dhcp_helpers.py), on the
first lab network, the second one, and behind an ISC dhcrelay.

Checks: a lease in the right subnet with the configured options, the
fixed address of a reserved MAC (dhcp.reservations and lab.hosts), renew
keeps the address, release frees it, and the hostname the client sends
resolves through hearth's DNS (A and PTR) until the lease is released.
"""
from dhcp_helpers import (DOMAIN, LABHOST_IP, LABHOST_MAC, LABHOST_NAME,
                          LEASE_TIME, POOL1, POOL2, POOL3, RESERVED_IP,
                          RESERVED_MAC, RESERVED_NAME, dhcp_lab,  # noqa: F401
                          dhcp_server, in_range, needs_hearth, wait_for)



def assert_subnet1_options(ip, mask, router, dns, domain, lease):
    assert in_range(ip, POOL1), f"{ip} not in {POOL1}"
    assert mask == "255.255.255.0"
    assert router.split() == ["10.30.0.1"]
    assert dns.split() == ["10.30.0.1"]
    assert domain == DOMAIN
    assert int(lease) == LEASE_TIME


def wait_gone_from_dns(lab, name, ip):
    wait_for(lambda: not lab.resolves(name, ip), timeout=5,
             what=f"{name}.{DOMAIN} A {ip} to disappear")
    wait_for(lambda: not lab.reverse_resolves(ip, name), timeout=5,
             what=f"PTR of {ip} to disappear")


def wait_in_dns(lab, name, ip):
    wait_for(lambda: lab.resolves(name, ip), timeout=5,
             what=f"{name}.{DOMAIN} A {ip} "
                  f"(got {lab.dig_short(f'{name}.{DOMAIN}', 'A')})")
    wait_for(lambda: lab.reverse_resolves(ip, name), timeout=5,
             what=f"PTR {ip} -> {name}.{DOMAIN} "
                  f"(got {lab.dig_short('-x', ip)})")


# ---------------------------------------------------------------- dhclient

def test_dhclient_lease_and_options(dhcp_server):
    lab = dhcp_server
    c = lab.dhclient("c1")
    ev = c.obtain()
    assert ev["reason"] == "BOUND", ev
    ip = ev["new_ip_address"]
    assert_subnet1_options(ip, ev.get("new_subnet_mask"), ev.get("new_routers", ""),
                           ev.get("new_domain_name_servers", ""),
                           ev.get("new_domain_name"),
                           ev.get("new_dhcp_lease_time"))
    assert ev.get("new_dhcp_server_identifier") == "10.30.0.1"
    assert ev.get("new_ntp_servers") == "10.30.0.1"
    assert ev.get("new_interface_mtu") == "1500"
    assert ev.get("new_domain_search", "").rstrip(".") == DOMAIN
    # T1 = lease/2, T2 = 7/8 lease (dhclient shows them when sent).
    if "new_dhcp_renewal_time" in ev:
        assert int(ev["new_dhcp_renewal_time"]) == LEASE_TIME // 2
    if "new_dhcp_rebinding_time" in ev:
        assert int(ev["new_dhcp_rebinding_time"]) in (262, 263)
    assert ip in lab.topo.addrs("c1")


def test_dhclient_renew_release_and_dns(dhcp_server):
    lab = dhcp_server
    c = lab.dhclient("c1", hostname="dhc-one")
    ip = c.obtain()["new_ip_address"]
    wait_in_dns(lab, "dhc-one", ip)

    # dhclient -1 again (the first one stopped without a RELEASE): the
    # INIT-REBOOT request gets the same address back.
    ev = c.obtain()
    assert ev["reason"] in ("REBOOT", "BOUND", "RENEW"), ev
    assert ev["new_ip_address"] == ip
    assert lab.resolves("dhc-one", ip)

    ev = c.release()
    assert ev.get("old_ip_address", ip) == ip
    assert ip not in lab.topo.addrs("c1")
    wait_gone_from_dns(lab, "dhc-one", ip)
    if lab.server.kind == "hearth":
        wait_for(lambda: not lab.server.held(ip), timeout=5,
                 what=f"lease {ip} released: {lab.server.lease(ip)}")


def test_dhclient_reserved_mac_gets_fixed_address(dhcp_server):
    lab = dhcp_server
    lab.topo.set_mac("c1", RESERVED_MAC)
    ev = lab.dhclient("c1").obtain()
    assert ev["new_ip_address"] == RESERVED_IP
    assert ev.get("new_routers") == "10.30.0.1"
    assert RESERVED_IP in lab.topo.addrs("c1")
    # The reservation's hostname is its DNS name.
    wait_in_dns(lab, RESERVED_NAME, RESERVED_IP)


def test_dhclient_behind_relay(dhcp_server):
    lab = dhcp_server
    lab.start_relay()
    c = lab.dhclient("c3", hostname="relayed")
    ev = c.obtain()
    ip = ev["new_ip_address"]
    assert in_range(ip, POOL3), ev
    assert ev.get("new_subnet_mask") == "255.255.255.0"
    assert ev.get("new_routers") == "10.50.0.1"
    assert "Forwarded BOOTREPLY" in lab.relay.text()
    wait_in_dns(lab, "relayed", ip)
    c.release()
    wait_gone_from_dns(lab, "relayed", ip)


# ---------------------------------------------------------------- udhcpc

def test_udhcpc_lease_options_renew(dhcp_server):
    lab = dhcp_server
    c = lab.udhcpc("c1", hostname="udh-one")
    ev = c.obtain()
    ip = ev["ip"]
    assert_subnet1_options(ip, ev.get("subnet"), ev.get("router", ""),
                           ev.get("dns", ""), ev.get("domain"), ev.get("lease"))
    assert ev.get("serverid") == "10.30.0.1"
    assert ev.get("ntpsrv", "").split() == ["10.30.0.1"]
    assert ev.get("mtu") == "1500"
    assert ev.get("search", "").split() == [DOMAIN]
    assert ev.get("staticroutes", "").split() == ["10.99.0.0/16", "10.30.0.1"]
    assert ip in lab.topo.addrs("c1")
    wait_in_dns(lab, "udh-one", ip)

    # SIGUSR1: a unicast REQUEST in RENEWING state; same address.
    for _ in range(2):
        ev = c.renew()
        assert ev["ip"] == ip, ev
    assert c.proc.poll() is None
    assert lab.resolves("udh-one", ip)


def test_udhcpc_release_on_sigterm(dhcp_server):
    lab = dhcp_server
    c = lab.udhcpc("c1", hostname="udh-two")
    ip = c.obtain()["ip"]
    wait_in_dns(lab, "udh-two", ip)
    c.release()          # SIGTERM with -R: RELEASE
    assert c.proc.returncode == 0
    wait_gone_from_dns(lab, "udh-two", ip)
    if lab.server.kind == "hearth":
        wait_for(lambda: not lab.server.held(ip), timeout=5,
                 what=f"lease {ip} released: {lab.server.lease(ip)}")
    # The address is free again: a new client may get it (same MAC: the
    # server should prefer the address this client had).
    c2 = lab.udhcpc("c1")
    ip2 = c2.obtain()["ip"]
    assert in_range(ip2, POOL1)


@needs_hearth
def test_udhcpc_exit_without_release_keeps_lease(dhcp_server):
    lab = dhcp_server
    c = lab.udhcpc("c1", hostname="udh-keep", release_on_exit=False)
    ip = c.obtain()["ip"]
    c.stop()  # SIGTERM without -R: no RELEASE
    assert lab.server.held(ip), lab.server.lease(ip)
    assert lab.resolves("udh-keep", ip)


def test_udhcpc_labhost_reservation_second_network(dhcp_server):
    lab = dhcp_server
    # lab.hosts entry with mac + ip: a reservation on the first network.
    lab.topo.set_mac("c1", LABHOST_MAC)
    ev = lab.udhcpc("c1").obtain()
    assert ev["ip"] == LABHOST_IP
    assert lab.resolves(LABHOST_NAME, LABHOST_IP)
    # The second lab network: its own subnet and server identifier.
    ev2 = lab.udhcpc("c2", hostname="second").obtain()
    assert in_range(ev2["ip"], POOL2), ev2
    assert ev2.get("serverid") == "10.40.0.1"
    assert ev2.get("subnet") == "255.255.255.0"
    wait_in_dns(lab, "second", ev2["ip"])


# ---------------------------------------------------------------- dhcpcd

def test_dhcpcd_lease_hostname_release(dhcp_server):
    lab = dhcp_server
    c = lab.dhcpcd("c1", hostname="dcd-one")
    ev = c.obtain()
    ip = ev["new_ip_address"]
    assert_subnet1_options(ip, ev.get("new_subnet_mask"), ev.get("new_routers", ""),
                           ev.get("new_domain_name_servers", ""),
                           ev.get("new_domain_name"),
                           ev.get("new_dhcp_lease_time"))
    assert ev.get("new_dhcp_server_identifier") == "10.30.0.1"
    assert ip in lab.topo.addrs("c1")
    wait_in_dns(lab, "dcd-one", ip)
    c.release()
    assert c.proc.returncode == 0
    wait_gone_from_dns(lab, "dcd-one", ip)
    if lab.server.kind == "hearth":
        wait_for(lambda: not lab.server.held(ip), timeout=5,
                 what=f"lease {ip} released: {lab.server.lease(ip)}")


def test_three_clients_three_networks(dhcp_server):
    """dhclient, udhcpc and dhcpcd at once, one per network (the third one
    behind the relay); each lease in its own subnet, each name resolves."""
    lab = dhcp_server
    lab.start_relay()
    a = lab.udhcpc("c2", hostname="net-two").start()
    b = lab.dhcpcd("c3", hostname="net-three").start()
    ip1 = lab.dhclient("c1", hostname="net-one").obtain()["new_ip_address"]
    ip2 = a.obtain()["ip"]
    ip3 = b.obtain()["new_ip_address"]
    assert in_range(ip1, POOL1) and in_range(ip2, POOL2) and in_range(ip3, POOL3)
    for name, ip in (("net-one", ip1), ("net-two", ip2), ("net-three", ip3)):
        wait_in_dns(lab, name, ip)
    if lab.server.kind == "hearth":
        for ip in (ip1, ip2, ip3):
            assert lab.server.held(ip), lab.server.leases()
