/* SPDX-License-Identifier: MIT */
/* The libvirt side of a live-volume backup: find a running domain's disk, snapshot it into an overlay, commit the overlay back and pivot. */
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup/livevol_priv.h"
#include "base/buf.h"

/* How long a commit may take to become ready, and a pivot to be taken. */
#define COMMIT_WAIT_S 600

void bk_lv_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "hearth: backup: libvirt: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void quiet(void *ud, virErrorPtr e)
{
	(void)ud;
	(void)e;
}

static const char *last_error(void)
{
	const char *m = virGetLastErrorMessage();
	return m ? m : "unknown libvirt error";
}

/* The domain, connected; NULL said, with why in *@rc: -ENOTCONN (no
 * connection), -ENOENT (libvirt has no such domain), -EIO (the lookup
 * failed otherwise: the connection lost, libvirtd in trouble). Free both
 * with close_dom. */
static virDomainPtr open_dom(const struct bk_livevol_src *s,
			     virConnectPtr *conn, int *rc)
{
	virSetErrorFunc(NULL, quiet);
	*conn = virConnectOpen(s->uri);
	if (!*conn) {
		bk_lv_say("%s: cannot connect: %s", s->uri, last_error());
		*rc = -ENOTCONN;
		return NULL;
	}
	virDomainPtr d = virDomainLookupByName(*conn, s->domain);
	if (!d) {
		virErrorPtr e = virGetLastError();
		*rc = e && e->code == VIR_ERR_NO_DOMAIN ? -ENOENT : -EIO;
		bk_lv_say("%s: %s %s: %s", s->uri,
			  *rc == -ENOENT ? "no domain" : "cannot look up",
			  s->domain, last_error());
		virConnectClose(*conn);
		*conn = NULL;
	}
	return d;
}

static void close_dom(virDomainPtr d, virConnectPtr conn)
{
	if (d)
		virDomainFree(d);
	if (conn)
		virConnectClose(conn);
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    !xmlStrcmp(c->name, (const xmlChar *)name))
			return c;
	return NULL;
}

static void prop(xmlNodePtr n, const char *name, char *out, size_t cap)
{
	xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;
	snprintf(out, cap, "%s", v ? (const char *)v : "");
	xmlFree(v);
}

/* Walks the live XML's <disk>s: fills @d for @target, and appends
 * <disk name='T' snapshot='no'/> for every other one to @others. */
static int parse_disks(const char *xml, const char *target,
		       struct bk_lv_disk *d, struct buf *others)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR |
					      XML_PARSE_NOWARNING);
	if (!doc)
		return -EINVAL;
	int rc = -ENOENT;
	xmlNodePtr devs = child(xmlDocGetRootElement(doc), "devices");
	for (xmlNodePtr c = devs ? devs->children : NULL; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE ||
		    xmlStrcmp(c->name, (const xmlChar *)"disk"))
			continue;
		char dev[64], type[16];
		prop(child(c, "target"), "dev", dev, sizeof(dev));
		if (strcmp(dev, target)) {
			if (others && *dev) {
				buf_printf(others, "<disk name='%s' "
					   "snapshot='no'/>", dev);
			}
			continue;
		}
		prop(c, "type", type, sizeof(type));
		if (strcmp(type, "file")) {
			rc = -ENOTSUP;
			continue;
		}
		prop(child(c, "source"), "file", d->file, sizeof(d->file));
		prop(child(c, "driver"), "type", d->format, sizeof(d->format));
		if (!d->format[0])
			snprintf(d->format, sizeof(d->format), "raw");
		rc = d->file[0] ? 0 : -ENOTSUP;
	}
	xmlFreeDoc(doc);
	return rc;
}

/* The disk and, in @others, the snapshot XML's lines for the rest. */
static int disk_of(virDomainPtr dom, const struct bk_livevol_src *s,
		   struct bk_lv_disk *d, struct buf *others)
{
	int active = virDomainIsActive(dom);
	if (active < 0) {
		bk_lv_say("%s: is it running? %s", s->domain, last_error());
		return -EIO; /* not "shut off": the connection may be gone */
	}
	if (!active)
		return -ESRCH;
	char *xml = virDomainGetXMLDesc(dom, 0);
	if (!xml) {
		bk_lv_say("%s: cannot read its XML: %s", s->domain,
			  last_error());
		return -EIO;
	}
	int rc = parse_disks(xml, s->disk, d, others);
	free(xml);
	if (rc == -ENOENT)
		bk_lv_say("%s has no disk %s", s->domain, s->disk);
	else if (rc == -ENOTSUP)
		bk_lv_say("%s/%s is not a file disk", s->domain, s->disk);
	else if (rc)
		bk_lv_say("%s: its XML does not parse", s->domain);
	return rc;
}

static int disk_get(const struct bk_livevol_src *s, struct bk_lv_disk *d)
{
	virConnectPtr conn;
	int rc;
	virDomainPtr dom = open_dom(s, &conn, &rc);
	if (!dom)
		return rc;
	rc = disk_of(dom, s, d, NULL);
	if (rc == -ESRCH)
		bk_lv_say("%s is not running: a live backup needs it running",
			  s->domain);
	close_dom(dom, conn);
	return rc;
}

/* @s with XML's five characters escaped, into @b. */
static void xml_escaped(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_printf(b, "&amp;"); break;
		case '<': buf_printf(b, "&lt;"); break;
		case '>': buf_printf(b, "&gt;"); break;
		case '\'': buf_printf(b, "&apos;"); break;
		case '"': buf_printf(b, "&quot;"); break;
		default: buf_append(b, s, 1);
		}
	}
}

static int snapshot(const struct bk_livevol_src *s, const char *overlay)
{
	virConnectPtr conn;
	int rc;
	virDomainPtr dom = open_dom(s, &conn, &rc);
	if (!dom)
		return rc;
	struct bk_lv_disk d;
	struct buf others, xml;
	buf_init(&others, 1 << 16);
	buf_init(&xml, 1 << 17);
	rc = disk_of(dom, s, &d, &others);
	if (!rc) {
		buf_printf(&xml, "<domainsnapshot><name>hearth-%lld</name>"
			   "<description>hearth backup of %s</description>"
			   "<disks><disk name='%s' snapshot='external' "
			   "type='file'><driver type='qcow2'/><source file='",
			   (long long)time(NULL), s->disk, s->disk);
		xml_escaped(&xml, overlay);
		buf_printf(&xml, "'/></disk>");
		buf_append(&xml, others.data ? others.data : "", others.len);
		buf_printf(&xml, "</disks></domainsnapshot>");
		rc = xml.err ? xml.err : others.err;
	}
	const unsigned base = VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY |
			      VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA |
			      VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC;
	if (!rc) {
		virDomainSnapshotPtr snap = virDomainSnapshotCreateXML(
			dom, xml.data, base | VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE);
		if (snap) {
			bk_lv_say("%s/%s: snapshot quiesced by the guest agent",
				  s->domain, s->disk);
		} else {
			bk_lv_say("%s/%s: not quiesced (%s): the snapshot is "
				  "crash-consistent", s->domain, s->disk,
				  last_error());
			snap = virDomainSnapshotCreateXML(dom, xml.data, base);
		}
		if (snap) {
			virDomainSnapshotFree(snap);
		} else {
			bk_lv_say("%s/%s: snapshot failed: %s", s->domain,
				  s->disk, last_error());
			rc = -EIO;
		}
	}
	buf_deinit(&others);
	buf_deinit(&xml);
	close_dom(dom, conn);
	return rc;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int commit(const struct bk_livevol_src *s, const char *overlay,
		  const char *base)
{
	virConnectPtr conn;
	int rc;
	virDomainPtr dom = open_dom(s, &conn, &rc);
	if (!dom)
		return rc;
	struct bk_lv_disk d;
	rc = disk_of(dom, s, &d, NULL);
	if (rc == -ESRCH) {
		/* Its definition may still name the overlay: keep it. */
		char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
		bool read = xml != NULL, on = xml && strstr(xml, overlay);
		if (!read)
			bk_lv_say("%s: cannot read its XML: %s", s->domain,
				  last_error());
		free(xml);
		close_dom(dom, conn);
		if (!read)
			return -EIO; /* unknown: the overlay stays */
		if (!on)
			return 0;
		bk_lv_say("%s is shut off on hearth's overlay %s: start it "
			  "and the next run commits it back", s->domain,
			  overlay);
		return -EAGAIN;
	}
	if (rc || strcmp(d.file, overlay)) {
		close_dom(dom, conn);
		return rc;
	}
	virDomainBlockJobInfo info;
	int has = virDomainGetBlockJobInfo(dom, s->disk, &info, 0);
	if (has == 0 &&
	    virDomainBlockCommit(dom, s->disk, NULL, NULL, 0,
				 VIR_DOMAIN_BLOCK_COMMIT_ACTIVE |
					 VIR_DOMAIN_BLOCK_COMMIT_SHALLOW)) {
		bk_lv_say("%s/%s: block commit failed: %s", s->domain, s->disk,
			  last_error());
		close_dom(dom, conn);
		return -EIO;
	}
	rc = -ETIMEDOUT;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		has = virDomainGetBlockJobInfo(dom, s->disk, &info, 0);
		if (has == 1 && info.cur == info.end &&
		    virDomainBlockJobAbort(dom, s->disk,
					   VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT) == 0) {
			rc = 0;
			break;
		}
		if (has == 0) {
			/* The job went (aborted elsewhere?): where is it? */
			rc = disk_of(dom, s, &d, NULL);
			if (!rc && !strcmp(d.file, overlay))
				rc = -EIO;
			break;
		}
		if (has < 0) {
			rc = -EIO;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > COMMIT_WAIT_S)
			break;
		nap_ms(50);
	}
	if (rc == 0 && !disk_of(dom, s, &d, NULL) && strcmp(d.file, base))
		bk_lv_say("%s/%s: after the pivot its image is %s, not %s",
			  s->domain, s->disk, d.file, base);
	if (rc)
		bk_lv_say("%s/%s: the commit of %s did not finish: %s",
			  s->domain, s->disk, overlay,
			  rc == -ETIMEDOUT ? "timed out" : last_error());
	else
		bk_lv_say("%s/%s: committed back into %s", s->domain, s->disk,
			  base);
	close_dom(dom, conn);
	return rc;
}

const struct bk_lv_virt bk_lv_libvirt = {
	.disk_get = disk_get,
	.snapshot = snapshot,
	.commit = commit,
};
