/* SPDX-License-Identifier: MIT */
/* libvirt for the vm room: domains read and defined, volumes created (overlays on a base image, extra disks, the uploaded seed), removed with their domain. */
#include "vm/virt.h"

#include <errno.h>
#include <inttypes.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vm_conn {
	virConnectPtr conn;
	char uri[256];
};

static void quiet(void *ud, virErrorPtr e)
{
	(void)ud;
	(void)e; /* errors are reported through vm_err, once */
}

static int lv_fail(struct vm_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int lv_fail(struct vm_err *err, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	const char *m = virGetLastErrorMessage();
	snprintf(err->msg, sizeof(err->msg), "%s: %s", what,
		 m ? m : "unknown libvirt error");
	return -EIO;
}

int vm_conn_open(const char *uri, struct vm_conn **out, struct vm_err *err)
{
	struct vm_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	virSetErrorFunc(NULL, quiet);
	snprintf(c->uri, sizeof(c->uri), "%s", uri);
	c->conn = virConnectOpen(uri);
	if (!c->conn) {
		free(c);
		return lv_fail(err, "cannot connect to %s", uri);
	}
	*out = c;
	return 0;
}

void vm_conn_close(struct vm_conn *c)
{
	if (!c)
		return;
	if (c->conn)
		virConnectClose(c->conn);
	free(c);
}

void *vm_conn_virt(struct vm_conn *c)
{
	return c->conn;
}

int vm_conn_list(struct vm_conn *c, struct vm_observed **out, size_t *n,
		 struct vm_err *err)
{
	virDomainPtr *doms = NULL;
	int nd = virConnectListAllDomains(c->conn, &doms,
					  VIR_CONNECT_LIST_DOMAINS_PERSISTENT);
	if (nd < 0)
		return lv_fail(err, "%s: cannot list domains", c->uri);
	struct vm_observed *o = calloc((size_t)nd + 1, sizeof(*o));
	int rc = o ? 0 : -ENOMEM;
	size_t k = 0;
	for (int i = 0; i < nd; i++) {
		if (!rc) {
			char *xml = virDomainGetXMLDesc(doms[i],
							VIR_DOMAIN_XML_INACTIVE);
			const char *why = NULL;
			if (!xml)
				rc = lv_fail(err, "%s: cannot read domain %s",
					     c->uri, virDomainGetName(doms[i]));
			else if (vm_domain_parse(xml, strlen(xml), &o[k], &why))
				rc = -EINVAL, snprintf(err->msg, sizeof(err->msg),
						       "%s: domain %s: %s", c->uri,
						       virDomainGetName(doms[i]), why);
			free(xml);
			if (!rc) {
				int a = 0;
				o[k].running = virDomainIsActive(doms[i]) == 1;
				o[k].autostart = virDomainGetAutostart(doms[i], &a) == 0 && a;
				k++;
			}
		}
		virDomainFree(doms[i]);
	}
	free(doms);
	if (rc) {
		free(o);
		return rc;
	}
	*out = o;
	*n = k;
	return 0;
}

static virStoragePoolPtr pool(struct vm_conn *c, const char *name,
			      struct vm_err *err)
{
	virStoragePoolPtr p = virStoragePoolLookupByName(c->conn, name);
	if (!p)
		lv_fail(err, "%s: no storage pool %s", c->uri, name);
	return p;
}

/* Deletes @name from @pool_name when it exists. */
static int drop_volume(struct vm_conn *c, const char *pool_name,
		       const char *name, struct buf *log, struct vm_err *err)
{
	if (!name[0])
		return 0;
	virStoragePoolPtr p = pool(c, pool_name, err);
	if (!p)
		return -EIO;
	int rc = 0;
	virStorageVolPtr v = virStorageVolLookupByName(p, name);
	if (v) {
		if (virStorageVolDelete(v, 0) < 0)
			rc = lv_fail(err, "cannot delete volume %s/%s", pool_name,
				     name);
		else
			buf_printf(log, "deleted volume %s/%s\n", pool_name, name);
		virStorageVolFree(v);
	}
	virStoragePoolFree(p);
	return rc;
}

/* The path and capacity of the base image: a pool volume POOL/VOLUME, or
 * an absolute path (a volume of some pool, when libvirt knows it). */
static int base_image(struct vm_conn *c, const char *image, char *path,
		      size_t cap, uint64_t *capacity, struct vm_err *err)
{
	virStorageVolPtr v = NULL;
	*capacity = 0;
	if (image[0] == '/') {
		snprintf(path, cap, "%s", image);
		v = virStorageVolLookupByPath(c->conn, image);
	} else {
		char pname[VM_NAME_MAX];
		const char *slash = strchr(image, '/');
		snprintf(pname, sizeof(pname), "%.*s", (int)(slash - image), image);
		virStoragePoolPtr p = pool(c, pname, err);
		if (!p)
			return -EIO;
		v = virStorageVolLookupByName(p, slash + 1);
		virStoragePoolFree(p);
		if (!v)
			return lv_fail(err, "no volume %s", image);
		char *vp = virStorageVolGetPath(v);
		snprintf(path, cap, "%s", vp ? vp : "");
		free(vp);
	}
	if (v) {
		virStorageVolInfo info;
		if (virStorageVolGetInfo(v, &info) == 0)
			*capacity = info.capacity;
		virStorageVolFree(v);
	}
	virResetLastError();
	return 0;
}

static void vol_xml(struct buf *b, const char *name, uint64_t capacity,
		    const char *format, const char *backing)
{
	buf_puts(b, "<volume><name>");
	vm_xml_escape(b, name);
	buf_printf(b, "</name><capacity unit='bytes'>%" PRIu64 "</capacity>"
		      "<target><format type='%s'/></target>", capacity, format);
	if (backing) {
		buf_puts(b, "<backingStore><path>");
		vm_xml_escape(b, backing);
		buf_puts(b, "</path><format type='qcow2'/></backingStore>");
	}
	buf_puts(b, "</volume>");
}

/* Creates @name in @pool_name (@backing: a qcow2 overlay on it). An
 * existing volume of that name is kept (and reported). */
static int make_volume(struct vm_conn *c, const char *pool_name,
		       const char *name, uint64_t capacity, const char *format,
		       const char *backing, struct buf *log, struct vm_err *err)
{
	virStoragePoolPtr p = pool(c, pool_name, err);
	if (!p)
		return -EIO;
	int rc = 0;
	virStorageVolPtr v = virStorageVolLookupByName(p, name);
	if (v) {
		buf_printf(log, "kept volume %s/%s\n", pool_name, name);
	} else {
		struct buf x;
		buf_init(&x, 0);
		vol_xml(&x, name, capacity, format, backing);
		v = x.err ? NULL : virStorageVolCreateXML(p, x.data, 0);
		if (!v)
			rc = lv_fail(err, "cannot create volume %s/%s", pool_name,
				     name);
		else
			buf_printf(log, "created volume %s/%s (%" PRIu64 " MiB%s%s)\n",
				   pool_name, name, capacity >> 20,
				   backing ? ", overlay on " : "",
				   backing ? backing : "");
		buf_deinit(&x);
	}
	if (v)
		virStorageVolFree(v);
	virStoragePoolFree(p);
	return rc;
}

/* Sends @len bytes into a stream (a volume upload). */
static int send_all(virStreamPtr st, const unsigned char *p, size_t len)
{
	while (len) {
		int n = virStreamSend(st, (const char *)p, len > 65536 ? 65536 : len);
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The seed volume, made anew from @iso. */
static int put_seed(struct vm_conn *c, const struct vm_spec *s,
		    const unsigned char *iso, size_t len, struct buf *log,
		    struct vm_err *err)
{
	int rc = drop_volume(c, s->pool, s->seed_volume, log, err);
	if (rc || (rc = make_volume(c, s->pool, s->seed_volume, len, "raw", NULL,
				    log, err)))
		return rc;
	virStoragePoolPtr p = pool(c, s->pool, err);
	if (!p)
		return -EIO;
	virStorageVolPtr v = virStorageVolLookupByName(p, s->seed_volume);
	virStreamPtr st = v ? virStreamNew(c->conn, 0) : NULL;
	if (!st) {
		rc = lv_fail(err, "cannot open volume %s/%s", s->pool, s->seed_volume);
	} else if (virStorageVolUpload(v, st, 0, len, 0) < 0) {
		virErrorPtr e = virGetLastError();
		if (e && e->code == VIR_ERR_NO_SUPPORT) {
			/* libvirt's test driver keeps no volume data. */
			buf_printf(log, "seed %s/%s not uploaded: %s\n", s->pool,
				   s->seed_volume, e->message);
		} else {
			rc = lv_fail(err, "cannot upload the seed to %s/%s", s->pool,
				     s->seed_volume);
		}
		virStreamFree(st);
		st = NULL;
	} else if (send_all(st, iso, len) || virStreamFinish(st) < 0) {
		virStreamAbort(st);
		rc = lv_fail(err, "uploading the seed to %s/%s", s->pool,
			     s->seed_volume);
	} else {
		buf_printf(log, "uploaded seed %s/%s (%zu bytes)\n", s->pool,
			   s->seed_volume, len);
	}
	if (st)
		virStreamFree(st);
	if (v)
		virStorageVolFree(v);
	virStoragePoolFree(p);
	return rc;
}

/* Root overlay and extra disks (existing ones kept). */
static int make_volumes(struct vm_conn *c, const struct vm_spec *s,
			struct buf *log, struct vm_err *err)
{
	char base[VM_PATH_MAX];
	uint64_t base_cap;
	int rc = base_image(c, s->image, base, sizeof(base), &base_cap, err);
	if (rc)
		return rc;
	uint64_t cap = s->disk_size ? s->disk_size : base_cap;
	if (!cap) {
		snprintf(err->msg, sizeof(err->msg), "vm %s: set disk_size: the "
			 "size of image %s is not known to libvirt", s->name,
			 s->image);
		return -EINVAL;
	}
	if (s->disk_size && base_cap > s->disk_size) {
		snprintf(err->msg, sizeof(err->msg), "vm %s: disk_size is smaller "
			 "than image %s (%" PRIu64 " MiB)", s->name, s->image,
			 base_cap >> 20);
		return -EINVAL;
	}
	if ((rc = make_volume(c, s->pool, s->root_volume, cap, "qcow2", base,
			      log, err)))
		return rc;
	for (size_t i = 0; i < s->n_disks; i++)
		if ((rc = make_volume(c, s->disks[i].pool, s->disks[i].volume,
				      s->disks[i].size, "qcow2", NULL, log, err)))
			return rc;
	return 0;
}

static int resize(struct vm_conn *c, const char *pool_name, const char *name,
		  uint64_t size, struct buf *log, struct vm_err *err)
{
	virStoragePoolPtr p = pool(c, pool_name, err);
	if (!p)
		return -EIO;
	int rc = 0;
	virStorageVolPtr v = virStorageVolLookupByName(p, name);
	if (!v || virStorageVolResize(v, size, 0) < 0)
		rc = lv_fail(err, "cannot resize volume %s/%s", pool_name, name);
	else
		buf_printf(log, "resized volume %s/%s to %" PRIu64 " MiB\n",
			   pool_name, name, size >> 20);
	if (v)
		virStorageVolFree(v);
	virStoragePoolFree(p);
	return rc;
}

/* Defines the domain from hearth's template and sets autostart. */
static int define(struct vm_conn *c, const struct vm_spec *want,
		  struct buf *log, struct vm_err *err)
{
	struct buf x;
	struct vm_spec *s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	*s = *want;
	/* Redefining keeps the domain's identity. */
	virDomainPtr old = virDomainLookupByName(c->conn, s->domain);
	if (old) {
		virDomainGetUUIDString(old, s->uuid);
		virDomainFree(old);
	}
	virResetLastError();
	buf_init(&x, 0);
	int rc = vm_domain_xml(s, &x);
	virDomainPtr d = rc ? NULL : virDomainDefineXML(c->conn, x.data);
	buf_deinit(&x);
	if (!d) {
		rc = rc ? rc : lv_fail(err, "cannot define domain %s", s->domain);
		free(s);
		return rc;
	}
	buf_printf(log, "defined domain %s\n", s->domain);
	if (virDomainSetAutostart(d, s->autostart ? 1 : 0) < 0)
		rc = lv_fail(err, "cannot set autostart of %s", s->domain);
	virDomainFree(d);
	free(s);
	return rc;
}

/* Powers off (if running) and undefines @domain, then drops the
 * volumes hearth made for it (from @a, what it applied). */
static int remove_domain(struct vm_conn *c, const char *domain,
			 const struct vm_spec *a, bool drop_disks,
			 struct buf *log, struct vm_err *err)
{
	virDomainPtr d = virDomainLookupByName(c->conn, domain);
	if (!d)
		return lv_fail(err, "no domain %s", domain);
	int rc = 0;
	if (virDomainIsActive(d) == 1) {
		if (virDomainDestroy(d) < 0)
			rc = lv_fail(err, "cannot power off %s", domain);
		else
			buf_printf(log, "powered off %s\n", domain);
	}
	if (!rc && virDomainUndefine(d) < 0)
		rc = lv_fail(err, "cannot undefine %s", domain);
	else if (!rc)
		buf_printf(log, "undefined domain %s\n", domain);
	virDomainFree(d);
	if (!rc)
		rc = drop_volume(c, a->pool, a->root_volume, log, err);
	if (!rc)
		rc = drop_volume(c, a->pool, a->seed_volume, log, err);
	for (size_t i = 0; !rc && drop_disks && i < a->n_disks; i++)
		rc = drop_volume(c, a->disks[i].pool, a->disks[i].volume, log, err);
	return rc;
}

static int create(struct vm_conn *c, const struct vm_spec *s,
		  const unsigned char *iso, size_t len, struct buf *log,
		  struct vm_err *err)
{
	int rc = make_volumes(c, s, log, err);
	if (!rc)
		rc = put_seed(c, s, iso, len, log, err);
	if (!rc)
		rc = define(c, s, log, err);
	if (!rc)
		rc = vm_conn_start(c, s->domain, err);
	if (!rc)
		buf_printf(log, "started %s\n", s->domain);
	return rc;
}

int vm_conn_apply(struct vm_conn *c, const struct vm_plan_item *it,
		  const unsigned char *iso, size_t iso_len, struct buf *log,
		  struct vm_err *err)
{
	const struct vm_spec *w = it->want;
	int rc = 0;
	switch (it->action) {
	case VM_CREATE:
		return create(c, w, iso, iso_len, log, err);
	case VM_REPLACE:
		/* Extra disks are data: they stay and are attached again. */
		rc = remove_domain(c, it->domain, &it->have->applied, false, log,
				   err);
		return rc ? rc : create(c, w, iso, iso_len, log, err);
	case VM_DESTROY:
		return remove_domain(c, it->domain, &it->have->applied, true, log,
				     err);
	case VM_UPDATE:
		for (size_t i = 0; !rc && i < w->n_disks; i++)
			rc = make_volume(c, w->disks[i].pool, w->disks[i].volume,
					 w->disks[i].size, "qcow2", NULL, log, err);
		if (!rc && it->resize_root)
			rc = resize(c, w->pool, w->root_volume, w->disk_size, log,
				    err);
		if (!rc && it->new_seed)
			rc = put_seed(c, w, iso, iso_len, log, err);
		if (!rc)
			rc = define(c, w, log, err);
		if (!rc && it->needs_restart)
			buf_printf(log, "%s needs a restart for the change to take "
					"effect (hearth vm stop %s; hearth vm start %s)\n",
				   w->domain, w->name, w->name);
		return rc;
	case VM_LEAVE:
	case VM_CONFLICT:
		break;
	}
	return 0;
}

int vm_conn_start(struct vm_conn *c, const char *domain, struct vm_err *err)
{
	virDomainPtr d = virDomainLookupByName(c->conn, domain);
	if (!d)
		return lv_fail(err, "no domain %s", domain);
	int rc = 0;
	if (virDomainIsActive(d) != 1 && virDomainCreate(d) < 0)
		rc = lv_fail(err, "cannot start %s", domain);
	virDomainFree(d);
	return rc;
}

int vm_conn_stop(struct vm_conn *c, const char *domain, bool force,
		 struct vm_err *err)
{
	virDomainPtr d = virDomainLookupByName(c->conn, domain);
	if (!d)
		return lv_fail(err, "no domain %s", domain);
	int rc = 0;
	if (virDomainIsActive(d) == 1 &&
	    (force ? virDomainDestroy(d) : virDomainShutdown(d)) < 0)
		rc = lv_fail(err, "cannot %s %s", force ? "power off" : "shut down",
			     domain);
	virDomainFree(d);
	return rc;
}
