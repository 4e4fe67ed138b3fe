/* SPDX-License-Identifier: MIT */
/* DHCP sockets on the loop: one per interface, replies batched behind a commit. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "dhcp/internal.h"

/*
 * Each interface gets a UDP socket bound to 0.0.0.0:67 and to the device
 * (SO_BINDTODEVICE), so the interface a request came in on is known and
 * broadcasts go out where they should. Packets are read in bursts; the
 * lease changes of a burst are committed in one SQLite transaction (one
 * fsync), and only then are its ACKs sent: acknowledged means durable.
 */

static int iface_addr(struct dhcp_iface *ifc)
{
	struct ifaddrs *all = NULL;
	if (getifaddrs(&all))
		return -errno;
	for (struct ifaddrs *a = all; a; a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET ||
		    strcmp(a->ifa_name, ifc->name) != 0)
			continue;
		ifc->addr = ((struct sockaddr_in *)a->ifa_addr)->sin_addr.s_addr;
		if (a->ifa_netmask)
			ifc->mask = ((struct sockaddr_in *)a->ifa_netmask)
					    ->sin_addr.s_addr;
		break;
	}
	freeifaddrs(all);
	return 0;
}

static int open_socket(struct dhcp_iface *ifc, uint16_t port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_ANY)};
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifc->name,
		       (socklen_t)strlen(ifc->name)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* Lets the kernel reach a client that has no address yet: an ARP entry
 * for yiaddr -> chaddr on the interface (as dnsmasq does). */
static int arp_set(struct dhcp_iface *ifc, uint32_t ip, const uint8_t mac[6])
{
	struct arpreq req;
	memset(&req, 0, sizeof(req));
	struct sockaddr_in *pa = (struct sockaddr_in *)&req.arp_pa;
	pa->sin_family = AF_INET;
	pa->sin_addr.s_addr = ip;
	req.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(req.arp_ha.sa_data, mac, 6);
	req.arp_flags = ATF_COM;
	snprintf(req.arp_dev, sizeof(req.arp_dev), "%s", ifc->name);
	return ioctl(ifc->fd, SIOCSARP, &req) ? -errno : 0;
}

static void transmit(struct dhcp_room *r, const struct dhcp_out *o)
{
	struct sockaddr_in to = o->to;
	if (o->arp && arp_set(o->ifc, to.sin_addr.s_addr, o->chaddr)) {
		/* No ARP entry possible: fall back to broadcast. */
		to.sin_addr.s_addr = INADDR_BROADCAST;
	}
	if (sendto(o->ifc->fd, o->buf, o->len, MSG_DONTWAIT,
		   (struct sockaddr *)&to, sizeof(to)) < 0) {
		r->stats.dropped++;
		log_debug("dhcp", "send on %s: %s", o->ifc->name,
			  strerror(errno));
	}
}

void dhcp_send(struct dhcp_room *r, const struct dhcp_out *o, bool after_commit)
{
	if (!after_commit) {
		transmit(r, o);
		return;
	}
	if (r->n_outs == DHCP_BATCH)
		dhcp_flush(r); /* commit what is queued, then queue this */
	r->outs[r->n_outs++] = *o;
}

static void ensure_room(struct dhcp_room *r)
{
	if (r->n_changes >= DHCP_BATCH * 2 || r->n_dnsops >= DHCP_BATCH * 2 - 2)
		dhcp_flush(r);
}

void dhcp_batch_put(struct dhcp_room *r, const struct dhcp_lease *l)
{
	ensure_room(r);
	/* A copy: the table may move before the batch is committed. */
	struct dhcp_lease *c = &r->change_copies[r->n_changes];
	*c = *l;
	struct dhcp_store_lease *sl = &r->change_leases[r->n_changes];
	static const char *const states[] = {"offered", "bound", "declined"};
	*sl = (struct dhcp_store_lease){
		.ip = c->ip, .mac = c->mac, .client_id = c->cid,
		.client_id_len = c->cid_len, .hostname = c->hostname,
		.expires = c->expires, .state = states[c->state]};
	r->changes[r->n_changes].put = sl;
	r->changes[r->n_changes].del_ip = 0;
	r->n_changes++;
}

void dhcp_batch_del(struct dhcp_room *r, uint32_t ip)
{
	ensure_room(r);
	r->changes[r->n_changes].put = NULL;
	r->changes[r->n_changes].del_ip = ip;
	r->n_changes++;
}

void dhcp_batch_dns(struct dhcp_room *r, bool add, const char *name,
		    const char *domain, uint32_t ip_host)
{
	if (!name || !*name || !domain || !*domain)
		return;
	ensure_room(r);
	struct dhcp_dnsop *op = &r->dnsops[r->n_dnsops++];
	op->add = add;
	snprintf(op->name, sizeof(op->name), "%s", name);
	snprintf(op->domain, sizeof(op->domain), "%s", domain);
	op->ip = htonl(ip_host);
}

void dhcp_flush(struct dhcp_room *r)
{
	int rc = 0;
	if (r->n_changes) {
		rc = dhcp_store_apply(r->store, r->changes, r->n_changes);
		if (rc)
			log_error("dhcp", "leases not saved (%s): %zu replies "
					  "dropped",
				  hearth_strerror(rc), r->n_outs);
	}
	/* Names first, so a client that has its ACK can be resolved. */
	struct room_dns_registrar *dns = r->svc ? r->svc->dns : NULL;
	for (size_t i = 0; !rc && dns && i < r->n_dnsops; i++) {
		struct dhcp_dnsop *op = &r->dnsops[i];
		if (op->add)
			dns->add(dns->ud, op->name, op->domain, op->ip);
		else
			dns->remove(dns->ud, op->name, op->domain, op->ip);
	}
	if (!rc && dns && r->n_dnsops)
		dns->flush(dns->ud);
	if (!rc)
		for (size_t i = 0; i < r->n_outs; i++)
			transmit(r, &r->outs[i]);
	r->n_changes = r->n_outs = r->n_dnsops = 0;
}

static void on_readable(uv_poll_t *p, int status, int events)
{
	struct dhcp_iface *ifc = p->data;
	struct dhcp_room *r = ifc->room;
	uint8_t pkt[2048];
	(void)events;
	if (status < 0)
		return;
	for (int i = 0; i < DHCP_BATCH; i++) {
		ssize_t n = recv(ifc->fd, pkt, sizeof(pkt), MSG_DONTWAIT);
		if (n < 0)
			break; /* EAGAIN: the burst is over */
		dhcp_handle(r, ifc, pkt, (size_t)n);
	}
	dhcp_flush(r);
}

int dhcp_io_open(struct dhcp_room *r)
{
	const struct cfg_dhcp *d = dhcp_config(r->cfg);
	r->ifs = calloc(d->n_interfaces, sizeof(*r->ifs));
	r->outs = calloc(DHCP_BATCH, sizeof(*r->outs));
	r->changes = calloc(DHCP_BATCH * 2, sizeof(*r->changes));
	r->change_leases = calloc(DHCP_BATCH * 2, sizeof(*r->change_leases));
	r->change_copies = calloc(DHCP_BATCH * 2, sizeof(*r->change_copies));
	if (!r->ifs || !r->outs || !r->changes || !r->change_leases ||
	    !r->change_copies)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_interfaces; i++) {
		struct dhcp_iface *ifc = &r->ifs[i];
		ifc->room = r;
		ifc->fd = -1;
		snprintf(ifc->name, sizeof(ifc->name), "%s", d->interfaces[i]);
		r->n_ifs++;
		ifc->index = (int)if_nametoindex(ifc->name);
		if (!ifc->index) {
			log_error("dhcp", "no interface %s", ifc->name);
			return -ENODEV;
		}
		iface_addr(ifc);
		if (!ifc->addr)
			log_warn("dhcp", "interface %s has no IPv4 address: "
					 "nothing is served on it",
				 ifc->name);
		ifc->fd = open_socket(ifc, (uint16_t)d->port);
		if (ifc->fd < 0) {
			int rc = ifc->fd;
			log_error("dhcp", "cannot listen on %s port %lld: %s",
				  ifc->name, (long long)d->port,
				  hearth_strerror(rc));
			return rc;
		}
	}
	return 0;
}

int dhcp_io_start(struct dhcp_room *r)
{
	for (size_t i = 0; i < r->n_ifs; i++) {
		struct dhcp_iface *ifc = &r->ifs[i];
		int rc = uv_poll_init(r->loop, &ifc->poll, ifc->fd);
		if (rc)
			return rc;
		ifc->poll.data = ifc;
		ifc->polling = true;
		rc = uv_poll_start(&ifc->poll, UV_READABLE, on_readable);
		if (rc)
			return rc;
		char a[16] = "-";
		inet_ntop(AF_INET, &ifc->addr, a, sizeof(a));
		log_info("dhcp", "serving on %s (%s) port %lld", ifc->name, a,
			 (long long)dhcp_config(r->cfg)->port);
	}
	return 0;
}
