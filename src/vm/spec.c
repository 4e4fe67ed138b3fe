/* SPDX-License-Identifier: MIT */
/* A VM's spec from lab.vms, hearth's domain XML template, and the reader of domain XML from a hypervisor. */
#include "vm/spec.h"

#include <errno.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int copy(char *dst, size_t cap, const char *src)
{
	if (strlen(src) >= cap)
		return -ENAMETOOLONG;
	snprintf(dst, cap, "%s", src);
	return 0;
}

int vm_spec_from_config(const struct cfg_vm *v, const char *uri,
			const char *pool, const char *virt_type,
			const char *bridge_of_network, struct vm_spec *s)
{
	int rc = 0;
	memset(s, 0, sizeof(*s));
	rc |= copy(s->name, sizeof(s->name), v->name);
	rc |= copy(s->domain, sizeof(s->domain), v->domain ? v->domain : v->name);
	rc |= copy(s->uri, sizeof(s->uri), v->hypervisor ? v->hypervisor : uri);
	rc |= copy(s->virt_type, sizeof(s->virt_type), virt_type);
	s->vcpus = (unsigned)v->vcpus;
	s->memory_kib = (uint64_t)v->memory / 1024;
	if (v->has_mac)
		snprintf(s->mac, sizeof(s->mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 v->mac.b[0], v->mac.b[1], v->mac.b[2], v->mac.b[3],
			 v->mac.b[4], v->mac.b[5]);
	rc |= copy(s->bridge, sizeof(s->bridge),
		   v->bridge ? v->bridge
			     : bridge_of_network ? bridge_of_network : v->network);
	rc |= copy(s->pool, sizeof(s->pool), v->pool ? v->pool : pool);
	rc |= copy(s->image, sizeof(s->image), v->image);
	s->disk_size = (uint64_t)v->disk_size;
	snprintf(s->root_volume, sizeof(s->root_volume), "%s.qcow2", s->name);
	snprintf(s->seed_volume, sizeof(s->seed_volume), "%s-cidata.iso",
		 s->name);
	if (v->n_disks > VM_MAX_DISKS)
		return -E2BIG;
	for (size_t i = 0; i < v->n_disks; i++) {
		struct vm_disk *d = &s->disks[s->n_disks++];
		if (strlen(v->name) + strlen(v->disks[i].name) + 8 > sizeof(d->volume))
			return -ENAMETOOLONG;
		rc |= copy(d->name, sizeof(d->name), v->disks[i].name);
		rc |= copy(d->pool, sizeof(d->pool),
			   v->disks[i].pool ? v->disks[i].pool : s->pool);
		snprintf(d->volume, sizeof(d->volume), "%.63s-%.63s.qcow2",
			 v->name, v->disks[i].name);
		d->size = (uint64_t)v->disks[i].size;
	}
	s->autostart = v->autostart;
	if (v->kernel)
		rc |= copy(s->kernel, sizeof(s->kernel), v->kernel);
	if (v->initrd)
		rc |= copy(s->initrd, sizeof(s->initrd), v->initrd);
	if (v->cmdline)
		rc |= copy(s->cmdline, sizeof(s->cmdline), v->cmdline);
	return rc ? -ENAMETOOLONG : 0;
}

void vm_xml_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '\'': buf_puts(b, "&apos;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		default: buf_append(b, s, 1);
		}
	}
}

/* A line of the template: text with %s parts escaped. Only %s. */
static void line(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			vm_xml_escape(b, va_arg(ap, const char *));
			p++;
		} else {
			buf_append(b, p, 1);
		}
	}
	va_end(ap);
	buf_puts(b, "\n");
}

int vm_domain_xml(const struct vm_spec *s, struct buf *b)
{
	char n1[32], n2[32], n3[32];
	snprintf(n1, sizeof(n1), "%u", s->vcpus);
	snprintf(n2, sizeof(n2), "%" PRIu64, s->memory_kib);
	snprintf(n3, sizeof(n3), "%" PRIu64, s->disk_size);
	line(b, "<domain type='%s'>", s->virt_type);
	line(b, "  <name>%s</name>", s->domain);
	if (s->uuid[0])
		line(b, "  <uuid>%s</uuid>", s->uuid);
	line(b, "  <metadata>");
	/* What hearth applied: planning compares the live XML against it
	 * to tell drift (changed by hand) from changes in lab.vms. */
	line(b, "    <hearth:vm xmlns:hearth='" VM_XMLNS "' name='%s' "
		"vcpus='%s' memory='%s' mac='%s' bridge='%s' pool='%s' "
		"image='%s' disk_size='%s' seed='%s' root='%s' seed_volume='%s'>",
	     s->name, n1, n2, s->mac, s->bridge, s->pool, s->image, n3,
	     s->seed_hash, s->root_volume, s->seed_volume);
	for (size_t i = 0; i < s->n_disks; i++) {
		char sz[32];
		snprintf(sz, sizeof(sz), "%" PRIu64, s->disks[i].size);
		line(b, "      <hearth:disk name='%s' pool='%s' volume='%s' "
			"size='%s'/>", s->disks[i].name, s->disks[i].pool,
		     s->disks[i].volume, sz);
	}
	line(b, "    </hearth:vm>");
	line(b, "  </metadata>");
	line(b, "  <memory unit='KiB'>%s</memory>", n2);
	line(b, "  <vcpu>%s</vcpu>", n1);
	line(b, "  <os>");
	line(b, "    <type arch='x86_64' machine='pc'>hvm</type>");
	if (s->kernel[0]) {
		line(b, "    <kernel>%s</kernel>", s->kernel);
		if (s->initrd[0])
			line(b, "    <initrd>%s</initrd>", s->initrd);
		if (s->cmdline[0])
			line(b, "    <cmdline>%s</cmdline>", s->cmdline);
	}
	line(b, "    <boot dev='hd'/>");
	line(b, "  </os>");
	line(b, "  <features><acpi/><apic/></features>");
	line(b, "  <on_poweroff>destroy</on_poweroff>");
	line(b, "  <on_reboot>restart</on_reboot>");
	line(b, "  <on_crash>destroy</on_crash>");
	line(b, "  <devices>");
	line(b, "    <disk type='volume' device='disk'>");
	line(b, "      <driver name='qemu' type='qcow2'/>");
	line(b, "      <source pool='%s' volume='%s'/>", s->pool, s->root_volume);
	line(b, "      <target dev='vda' bus='virtio'/>");
	line(b, "    </disk>");
	for (size_t i = 0; i < s->n_disks; i++) {
		char dev[8];
		snprintf(dev, sizeof(dev), "vd%c", (char)('b' + i));
		line(b, "    <disk type='volume' device='disk'>");
		line(b, "      <driver name='qemu' type='qcow2'/>");
		line(b, "      <source pool='%s' volume='%s'/>", s->disks[i].pool,
		     s->disks[i].volume);
		line(b, "      <target dev='%s' bus='virtio'/>", dev);
		line(b, "    </disk>");
	}
	line(b, "    <disk type='volume' device='cdrom'>");
	line(b, "      <driver name='qemu' type='raw'/>");
	line(b, "      <source pool='%s' volume='%s'/>", s->pool, s->seed_volume);
	line(b, "      <target dev='sda' bus='sata'/>");
	line(b, "      <readonly/>");
	line(b, "    </disk>");
	line(b, "    <interface type='bridge'>");
	if (s->mac[0])
		line(b, "      <mac address='%s'/>", s->mac);
	line(b, "      <source bridge='%s'/>", s->bridge);
	line(b, "      <model type='virtio'/>");
	line(b, "    </interface>");
	line(b, "    <serial type='pty'><target port='0'/></serial>");
	line(b, "    <console type='pty'><target type='serial' port='0'/></console>");
	line(b, "  </devices>");
	line(b, "</domain>");
	return b->err;
}

/* The string value of @expr (XPath) in @ctx, copied into @out; "" when
 * absent. */
static void xstr(xmlXPathContextPtr ctx, const char *expr, char *out,
		 size_t cap)
{
	out[0] = 0;
	xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	if (!r)
		return;
	xmlChar *s = xmlXPathCastToString(r);
	if (s) {
		snprintf(out, cap, "%s", (const char *)s);
		xmlFree(s);
	}
	xmlXPathFreeObject(r);
}

static uint64_t xnum(xmlXPathContextPtr ctx, const char *expr, bool *bad)
{
	char s[32];
	xstr(ctx, expr, s, sizeof(s));
	if (!s[0])
		return 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || s[0] == '-')
		*bad = true;
	return v;
}

static double xcount(xmlXPathContextPtr ctx, const char *expr)
{
	xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	double n = r ? xmlXPathCastToNumber(r) : 0;
	xmlXPathFreeObject(r);
	return n;
}

/* Memory in KiB from <memory unit=...>N</memory>. */
static uint64_t memory_kib(xmlXPathContextPtr ctx, bool *bad)
{
	char unit[16];
	uint64_t v = xnum(ctx, "string(/domain/memory)", bad);
	xstr(ctx, "string(/domain/memory/@unit)", unit, sizeof(unit));
	if (!unit[0] || !strcmp(unit, "KiB") || !strcmp(unit, "k"))
		return v;
	if (!strcmp(unit, "b") || !strcmp(unit, "bytes"))
		return v / 1024;
	if (!strcmp(unit, "MiB") || !strcmp(unit, "M"))
		return v * 1024;
	if (!strcmp(unit, "GiB") || !strcmp(unit, "G"))
		return v * 1024 * 1024;
	*bad = true;
	return 0;
}

int vm_domain_parse(const char *xml, size_t len, struct vm_observed *o,
		    const char **why)
{
	char num[32];
	bool bad = false;
	memset(o, 0, sizeof(*o));
	if (len > VM_DOMAIN_XML_MAX || len > INT32_MAX)
		return *why = "domain XML too large", -EINVAL;
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR |
				      XML_PARSE_NOWARNING);
	if (!doc)
		return *why = "domain XML does not parse", -EINVAL;
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	int rc = 0;
	if (!ctx || xmlXPathRegisterNs(ctx, (const xmlChar *)"h",
				       (const xmlChar *)VM_XMLNS)) {
		rc = -ENOMEM, *why = "out of memory";
		goto out;
	}
	if (xcount(ctx, "count(/domain)") != 1) {
		rc = -EINVAL, *why = "not a <domain>";
		goto out;
	}
	xstr(ctx, "string(/domain/name)", o->domain, sizeof(o->domain));
	if (!o->domain[0]) {
		rc = -EINVAL, *why = "domain without a name";
		goto out;
	}
	o->vcpus = (unsigned)xnum(ctx, "string(/domain/vcpu)", &bad);
	o->memory_kib = memory_kib(ctx, &bad);
	xstr(ctx, "string(/domain/devices/interface[1]/mac/@address)", o->mac,
	     sizeof(o->mac));
	xstr(ctx, "string(/domain/devices/interface[1]/source/@bridge)",
	     o->bridge, sizeof(o->bridge));
	xstr(ctx, "string(/domain/devices/disk[target/@dev='vda']/source/@pool)",
	     o->root_pool, sizeof(o->root_pool));
	xstr(ctx, "string(/domain/devices/disk[target/@dev='vda']/source/@volume)",
	     o->root_volume, sizeof(o->root_volume));
	double nd = xcount(ctx, "count(/domain/devices/disk[@device='disk' and "
				"target/@dev!='vda'])");
	o->n_disks = nd > 0 && nd < 1000 ? (size_t)nd : 0;

	if (xcount(ctx, "count(/domain/metadata/h:vm)") == 1) {
		struct vm_spec *a = &o->applied;
		o->owned = true;
		snprintf(a->domain, sizeof(a->domain), "%s", o->domain);
		xstr(ctx, "string(/domain/metadata/h:vm/@name)", a->name,
		     sizeof(a->name));
		a->vcpus = (unsigned)xnum(ctx, "string(/domain/metadata/h:vm/@vcpus)", &bad);
		a->memory_kib = xnum(ctx, "string(/domain/metadata/h:vm/@memory)", &bad);
		xstr(ctx, "string(/domain/metadata/h:vm/@mac)", a->mac, sizeof(a->mac));
		xstr(ctx, "string(/domain/metadata/h:vm/@bridge)", a->bridge,
		     sizeof(a->bridge));
		xstr(ctx, "string(/domain/metadata/h:vm/@pool)", a->pool,
		     sizeof(a->pool));
		xstr(ctx, "string(/domain/metadata/h:vm/@image)", a->image,
		     sizeof(a->image));
		a->disk_size = xnum(ctx, "string(/domain/metadata/h:vm/@disk_size)", &bad);
		xstr(ctx, "string(/domain/metadata/h:vm/@seed)", a->seed_hash,
		     sizeof(a->seed_hash));
		xstr(ctx, "string(/domain/metadata/h:vm/@root)", a->root_volume,
		     sizeof(a->root_volume));
		xstr(ctx, "string(/domain/metadata/h:vm/@seed_volume)",
		     a->seed_volume, sizeof(a->seed_volume));
		double n = xcount(ctx, "count(/domain/metadata/h:vm/h:disk)");
		if (n > VM_MAX_DISKS) {
			rc = -EINVAL, *why = "too many disks in hearth's metadata";
			goto out;
		}
		a->n_disks = (size_t)n;
		for (size_t i = 0; i < a->n_disks; i++) {
			char e[96];
			struct vm_disk *d = &a->disks[i];
			snprintf(e, sizeof(e), "string(/domain/metadata/h:vm/h:disk[%zu]/@name)", i + 1);
			xstr(ctx, e, d->name, sizeof(d->name));
			snprintf(e, sizeof(e), "string(/domain/metadata/h:vm/h:disk[%zu]/@pool)", i + 1);
			xstr(ctx, e, d->pool, sizeof(d->pool));
			snprintf(e, sizeof(e), "string(/domain/metadata/h:vm/h:disk[%zu]/@volume)", i + 1);
			xstr(ctx, e, d->volume, sizeof(d->volume));
			snprintf(e, sizeof(e), "string(/domain/metadata/h:vm/h:disk[%zu]/@size)", i + 1);
			xstr(ctx, e, num, sizeof(num));
			d->size = strtoull(num, NULL, 10);
		}
	}
	if (bad)
		rc = -EINVAL, *why = "a number in the domain XML is malformed";
out:
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return rc;
}
