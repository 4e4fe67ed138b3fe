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
 * engine gathers the lease changes of a burst (and of the bursts that
 * arrive while a commit runs) in one batch, committed in one SQLite
 * transaction (one fsync) off the loop; only then are its ACKs sent:
 * acknowledged means durable.
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

void dhcp_io_send(void *room, const struct dhcp_out *o)
{
	struct dhcp_room *r = room;
	struct sockaddr_in to = o->to;
	int rc;
	if (o->arp && (rc = arp_set(o->ifc, to.sin_addr.s_addr, o->chaddr))) {
		/* No ARP entry possible: fall back to broadcast. */
		to.sin_addr.s_addr = INADDR_BROADCAST;
		if (!r->arp_warned) {
			r->arp_warned = true;
			log_warn("dhcp", "cannot add ARP entries (%s%s): replies "
					 "to clients without an address are "
					 "broadcast",
				 hearth_strerror(rc),
				 rc == -EPERM ? ", CAP_NET_ADMIN missing" : "");
		}
	}
	if (sendto(o->ifc->fd, o->buf, o->len, MSG_DONTWAIT,
		   (struct sockaddr *)&to, sizeof(to)) < 0) {
		r->eng.stats.dropped++;
		log_debug("dhcp", "send on %s: %s", o->ifc->name,
			  strerror(errno));
	}
}

static void on_readable(uv_poll_t *p, int status, int events);

void dhcp_io_pause(struct dhcp_room *r, bool pause)
{
	if (r->paused == pause)
		return;
	r->paused = pause;
	for (size_t i = 0; i < r->n_ifs; i++) {
		struct dhcp_iface *ifc = &r->ifs[i];
		if (!ifc->polling)
			continue;
		if (pause)
			uv_poll_stop(&ifc->poll);
		else
			uv_poll_start(&ifc->poll, UV_READABLE, on_readable);
	}
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
		dhcp_engine_handle(&r->eng, ifc, pkt, (size_t)n);
	}
	dhcp_engine_flush(&r->eng, false);
	/* A disk slower than the traffic: let the socket buffers hold the
	 * rest until commits come back (see room.c, commit_done). */
	if (r->eng.n_inflight >= DHCP_MAX_INFLIGHT)
		dhcp_io_pause(r, true);
}

int dhcp_io_open(struct dhcp_room *r)
{
	const struct cfg_dhcp *d = dhcp_config(r->eng.cfg);
	r->ifs = calloc(d->n_interfaces, sizeof(*r->ifs));
	if (!r->ifs)
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
			 (long long)dhcp_config(r->eng.cfg)->port);
	}
	return 0;
}
