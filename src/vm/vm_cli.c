/* SPDX-License-Identifier: MIT */
/* `hearth vm plan|apply|list|start|stop|destroy|console`: lab.vms against the hypervisors, through libvirt. */
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "proto/ssh/cert.h"
#include "vm/ca.h"
#include "vm/config.h"
#include "vm/internal.h"
#include "vm/plan.h"
#include "vm/seed.h"
#include "vm/virt.h"

/* Everything one command works with: the config, the wanted VMs, and per
 * hypervisor its connection and domains. */
struct hyp {
	char uri[256];
	struct vm_conn *conn;
	struct vm_observed *have;
	size_t n_have;
};

struct run {
	struct config *cfg;
	const struct cfg_vmroom *room;
	struct vm_spec *want;
	size_t n_want;
	struct hyp hyps[16];
	size_t n_hyps;
	char ca_dir[4096];
	char *ca_pub; /* the CA's .pub line, or NULL when there is no CA */
};

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n_hyps; i++) {
		vm_conn_close(r->hyps[i].conn);
		free(r->hyps[i].have);
	}
	free(r->want);
	free(r->ca_pub);
	config_unref(r->cfg);
}

static const struct cfg_vm *cfg_vm_of(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->cfg->lab.n_vms; i++)
		if (!strcmp(r->cfg->lab.vms[i].name, name))
			return &r->cfg->lab.vms[i];
	return NULL;
}

/* The seed's inputs for @v (host key fields left to the caller). */
static void seed_in(const struct run *r, const struct cfg_vm *v,
		    const struct vm_spec *s, char *fqdn, size_t cap,
		    struct vm_seed_in *in)
{
	memset(in, 0, sizeof(*in));
	snprintf(fqdn, cap, "%s.%s", v->name, r->cfg->lab.domain);
	in->hostname = v->name;
	in->fqdn = fqdn;
	in->user = v->cloud_init.user ? v->cloud_init.user : "debian";
	in->packages = v->cloud_init.packages;
	in->n_packages = v->cloud_init.n_packages;
	in->ssh_keys = v->cloud_init.ssh_keys;
	in->n_ssh_keys = v->cloud_init.n_ssh_keys;
	in->ca_pub = r->ca_pub ? r->ca_pub : "";
	in->host_key = in->host_pub = in->host_cert = "";
	in->mac = s->mac;
}

static int read_extra(const struct cfg_vm *v, char **text)
{
	size_t len;
	*text = NULL;
	if (!v->cloud_init.user_data)
		return 0;
	int rc = vm_read_file(v->cloud_init.user_data, 1u << 20, text, &len);
	if (rc)
		fprintf(stderr, "hearth: vm: %s: %s\n", v->cloud_init.user_data,
			strerror(-rc));
	return rc;
}

static struct hyp *hyp_of(struct run *r, const char *uri)
{
	for (size_t i = 0; i < r->n_hyps; i++)
		if (!strcmp(r->hyps[i].uri, uri))
			return &r->hyps[i];
	return NULL;
}

/* Loads the config, builds the wanted specs (seed hashes included) and
 * reads every hypervisor they name. */
static int run_specs(struct run *r)
{
	int rc;
	if (r->room->ca_dir)
		snprintf(r->ca_dir, sizeof(r->ca_dir), "%s", r->room->ca_dir);
	else
		snprintf(r->ca_dir, sizeof(r->ca_dir), "%s/ssh-ca",
			 r->cfg->state_dir);
	char p[4200];
	size_t len;
	snprintf(p, sizeof(p), "%s/ca.pub", r->ca_dir);
	if (vm_read_file(p, 16384, &r->ca_pub, &len) == 0)
		r->ca_pub[strcspn(r->ca_pub, "\r\n")] = 0;
	else
		r->ca_pub = NULL;

	const struct cfg_lab *lab = &r->cfg->lab;
	r->want = calloc(lab->n_vms + 1, sizeof(*r->want));
	if (!r->want)
		return CLI_FAILED;
	for (size_t i = 0; i < lab->n_vms; i++) {
		const struct cfg_vm *v = &lab->vms[i];
		struct vm_spec *s = &r->want[r->n_want++];
		const char *net_bridge = NULL;
		for (size_t k = 0; v->network && k < lab->n_networks; k++)
			if (!strcmp(lab->networks[k].name, v->network))
				net_bridge = lab->networks[k].bridge;
		if (vm_spec_from_config(v, r->room->uri, r->room->pool,
					r->room->virt_type, net_bridge, s)) {
			fprintf(stderr, "hearth: vm: %s: a name is too long\n",
				v->name);
			return CLI_FAILED;
		}
		char fqdn[300], *extra = NULL;
		struct vm_seed_in in;
		struct vm_seed seed;
		seed_in(r, v, s, fqdn, sizeof(fqdn), &in);
		if (read_extra(v, &extra))
			return CLI_FAILED;
		in.extra_user_data = extra;
		rc = vm_seed_build(&in, &seed);
		free(extra);
		if (rc)
			return CLI_FAILED;
		memcpy(s->seed_hash, seed.hash, sizeof(s->seed_hash));
		vm_seed_deinit(&seed);
		if (hyp_of(r, s->uri))
			continue;
		if (r->n_hyps == 16) {
			fprintf(stderr, "hearth: vm: more than 16 hypervisors\n");
			return CLI_FAILED;
		}
		struct hyp *h = &r->hyps[r->n_hyps++];
		snprintf(h->uri, sizeof(h->uri), "%s", s->uri);
	}
	return CLI_OK;
}

static int run_open(struct cli *cli, struct run *r)
{
	memset(r, 0, sizeof(*r));
	int rc = vm_cli_load_config(cli, &r->cfg);
	if (rc)
		return rc;
	r->room = vm_config(r->cfg);
	if ((rc = run_specs(r)))
		return rc;
	/* No VM names it yet: the default hypervisor still counts (its
	 * hearth domains are to be destroyed). */
	if (!r->n_hyps)
		snprintf(r->hyps[r->n_hyps++].uri, sizeof(r->hyps[0].uri), "%s",
			 r->room->uri);
	for (size_t i = 0; i < r->n_hyps; i++) {
		struct vm_err err;
		struct hyp *h = &r->hyps[i];
		if (vm_conn_open(h->uri, &h->conn, &err) ||
		    vm_conn_list(h->conn, &h->have, &h->n_have, &err)) {
			fprintf(stderr, "hearth: vm: %s\n", err.msg);
			return CLI_CONNECT;
		}
	}
	return CLI_OK;
}

/* The plan of hypervisor @h: the wanted VMs that name it. */
static int plan_of(struct run *r, struct hyp *h, struct vm_spec **want,
		   struct vm_plan *plan)
{
	size_t n = 0;
	*want = calloc(r->n_want + 1, sizeof(**want));
	if (!*want)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_want; i++)
		if (!strcmp(r->want[i].uri, h->uri))
			(*want)[n++] = r->want[i];
	return vm_plan_make(*want, n, h->have, h->n_have, plan);
}

static int cmd_plan(struct cli *cli, int argc, char **argv)
{
	(void)argv;
	struct run r;
	int rc = argc ? cli_bad_args() : run_open(cli, &r);
	if (argc)
		return rc;
	for (size_t i = 0; !rc && i < r.n_hyps; i++) {
		struct vm_spec *want = NULL;
		struct vm_plan plan = {0};
		struct buf b;
		buf_init(&b, 0);
		if (plan_of(&r, &r.hyps[i], &want, &plan)) {
			rc = CLI_FAILED;
		} else {
			vm_plan_print(&plan, &b);
			printf("%s:\n%s", r.hyps[i].uri, b.data ? b.data : "");
		}
		buf_deinit(&b);
		vm_plan_free(&plan);
		free(want);
	}
	if (!r.ca_pub && r.n_want)
		fprintf(stderr, "hearth: vm: no CA in %s yet (hearth ssh ca init): "
				"apply needs it for the VMs' host certificates\n",
			r.ca_dir);
	run_free(&r);
	return rc;
}

/* The VM's host key in STATE_DIR/vm/NAME/, made on first use, and a host
 * certificate for NAME, NAME.DOMAIN and its ip (signed again when
 * missing or within a tenth of its life of expiry). */
static int host_key(struct run *r, const struct cfg_vm *v, char **key,
		    char **pub, char **cert)
{
	char dir[4200], p[4300];
	size_t len;
	int rc;
	*key = *pub = *cert = NULL;
	snprintf(dir, sizeof(dir), "%s/vm/%s", r->cfg->state_dir, v->name);
	if ((rc = vm_mkdir_p(dir, 0700))) {
		fprintf(stderr, "hearth: vm: %s: %s\n", dir, strerror(-rc));
		return CLI_FAILED;
	}
	snprintf(p, sizeof(p), "%s/ssh_host_ed25519_key", dir);
	if (vm_read_file(p, SSH_LINE_MAX, key, &len)) {
		uint8_t pk[32], sk[64];
		struct buf b;
		buf_init(&b, 0);
		crypto_sign_ed25519_keypair(pk, sk);
		ssh_ed25519_private_format(sk, v->name, &b);
		sodium_memzero(sk, sizeof(sk));
		rc = b.err ? b.err : vm_write_file(p, b.data, b.len, 0600);
		buf_deinit(&b);
		struct ssh_pubkey k;
		ssh_pubkey_ed25519(&k, pk, v->name);
		buf_init(&b, 0);
		ssh_pubkey_format(&k, &b);
		snprintf(p, sizeof(p), "%s/ssh_host_ed25519_key.pub", dir);
		if (!rc)
			rc = b.err ? b.err : vm_write_file(p, b.data, b.len, 0644);
		buf_deinit(&b);
		snprintf(p, sizeof(p), "%s/ssh_host_ed25519_key", dir);
		if (rc || (rc = vm_read_file(p, SSH_LINE_MAX, key, &len))) {
			fprintf(stderr, "hearth: vm: %s: %s\n", p, strerror(-rc));
			return CLI_FAILED;
		}
	}
	snprintf(p, sizeof(p), "%s/ssh_host_ed25519_key.pub", dir);
	if ((rc = vm_read_file(p, SSH_LINE_MAX, pub, &len))) {
		fprintf(stderr, "hearth: vm: %s: %s\n", p, strerror(-rc));
		return CLI_FAILED;
	}
	snprintf(p, sizeof(p), "%s/ssh_host_ed25519_key-cert.pub", dir);
	struct ssh_cert *c = calloc(1, sizeof(*c));
	if (!c)
		return CLI_FAILED;
	bool verified = false;
	const char *why;
	time_t now = time(NULL);
	if (vm_read_file(p, SSH_LINE_MAX, cert, &len) == 0 &&
	    ssh_cert_parse_line(*cert, len, c, &verified, &why) == 0 && verified &&
	    c->valid_before > (uint64_t)now +
			      (uint64_t)r->room->host_cert_validity / 10) {
		free(c);
		return CLI_OK;
	}
	free(*cert);
	*cert = NULL;
	memset(c, 0, sizeof(*c));
	struct vm_ca ca;
	struct vm_err err;
	struct buf line;
	buf_init(&line, 0);
	rc = ssh_pubkey_parse_line(*pub, strlen(*pub), &c->key, &why) ? -EINVAL : 0;
	c->kind = SSH_CERT_HOST;
	snprintf(c->key_id, sizeof(c->key_id), "host %s", v->name);
	snprintf(c->principals[c->n_principals++], SSH_CERT_NAME_MAX, "%s", v->name);
	snprintf(c->principals[c->n_principals++], SSH_CERT_NAME_MAX, "%s.%s",
		 v->name, r->cfg->lab.domain);
	if (v->has_ip)
		ipaddr_format(&v->ip, c->principals[c->n_principals++]);
	c->valid_after = (uint64_t)(now - 300);
	c->valid_before = (uint64_t)now + (uint64_t)r->room->host_cert_validity;
	if (!rc && (vm_ca_open(r->ca_dir, &ca, &err) ||
		    vm_ca_sign(&ca, c, v->name, &line, &err))) {
		fprintf(stderr, "hearth: vm: host certificate of %s: %s\n", v->name,
			err.msg);
		rc = -EIO;
	}
	vm_ca_close(&ca);
	if (!rc && !(rc = vm_write_file(p, line.data, line.len, 0644)))
		*cert = buf_steal(&line, &len);
	buf_deinit(&line);
	free(c);
	return rc ? CLI_FAILED : CLI_OK;
}

/* The seed ISO of @s with its host key and certificate. */
static int seed_iso(struct run *r, const struct vm_spec *s, unsigned char **iso,
		    size_t *len)
{
	const struct cfg_vm *v = cfg_vm_of(r, s->name);
	char fqdn[300], *extra = NULL, *key, *pub, *cert;
	struct vm_seed_in in;
	struct vm_seed seed;
	if (!r->ca_pub) {
		fprintf(stderr, "hearth: vm: no CA in %s (hearth ssh ca init "
				"--dir %s)\n", r->ca_dir, r->ca_dir);
		return CLI_FAILED;
	}
	if (!v || host_key(r, v, &key, &pub, &cert))
		return CLI_FAILED;
	seed_in(r, v, s, fqdn, sizeof(fqdn), &in);
	pub[strcspn(pub, "\r\n")] = 0;
	cert[strcspn(cert, "\r\n")] = 0;
	in.host_key = key;
	in.host_pub = pub;
	in.host_cert = cert;
	int rc = read_extra(v, &extra);
	in.extra_user_data = extra;
	if (!rc)
		rc = vm_seed_build(&in, &seed);
	if (!rc) {
		rc = vm_seed_iso(&seed, iso, len);
		if (rc)
			fprintf(stderr, "hearth: vm: %s: cannot write the seed ISO\n",
				s->name);
		vm_seed_deinit(&seed);
	}
	sodium_memzero(key, strlen(key));
	free(key);
	free(pub);
	free(cert);
	free(extra);
	return rc ? CLI_FAILED : CLI_OK;
}

static int cmd_apply(struct cli *cli, int argc, char **argv)
{
	(void)argv;
	struct run r;
	if (argc)
		return cli_bad_args();
	int rc = run_open(cli, &r);
	for (size_t i = 0; !rc && i < r.n_hyps; i++) {
		struct hyp *h = &r.hyps[i];
		struct vm_spec *want = NULL;
		struct vm_plan plan = {0};
		struct buf b;
		buf_init(&b, 0);
		if (plan_of(&r, h, &want, &plan))
			rc = CLI_FAILED;
		vm_plan_print(&plan, &b);
		printf("%s:\n%s", h->uri, b.data ? b.data : "");
		for (size_t k = 0; !rc && k < plan.n; k++)
			if (plan.items[k].action == VM_CONFLICT) {
				fprintf(stderr, "hearth: vm apply: %s: a domain of "
						"that name is not hearth's; nothing "
						"applied\n", plan.items[k].domain);
				rc = CLI_FAILED;
			}
		for (size_t k = 0; !rc && k < plan.n; k++) {
			const struct vm_plan_item *it = &plan.items[k];
			unsigned char *iso = NULL;
			size_t len = 0;
			struct vm_err err;
			if (it->action == VM_LEAVE)
				continue;
			bool seed = it->action == VM_CREATE ||
				    it->action == VM_REPLACE || it->new_seed;
			if (seed && (rc = seed_iso(&r, it->want, &iso, &len)))
				break;
			b.len = 0;
			int e = vm_conn_apply(h->conn, it, iso, len, &b, &err);
			free(iso);
			if (b.len)
				fputs(b.data, stdout);
			if (e) {
				fprintf(stderr, "hearth: vm apply: %s: %s\n", it->domain,
					err.msg);
				rc = CLI_FAILED;
			}
		}
		buf_deinit(&b);
		vm_plan_free(&plan);
		free(want);
	}
	if (!rc)
		printf("apply: done\n");
	run_free(&r);
	return rc;
}

static int cmd_list(struct cli *cli, int argc, char **argv)
{
	(void)argv;
	struct run r;
	if (argc)
		return cli_bad_args();
	int rc = run_open(cli, &r);
	struct cli_table t;
	cli_table_init(&t, 7);
	cli_table_row(&t, "NAME", "DOMAIN", "HYPERVISOR", "STATE", "IP", "MAC",
		      "PLAN");
	for (size_t i = 0; !rc && i < r.n_hyps; i++) {
		struct hyp *h = &r.hyps[i];
		struct vm_spec *want = NULL;
		struct vm_plan plan = {0};
		if (plan_of(&r, h, &want, &plan)) {
			rc = CLI_FAILED;
			break;
		}
		for (size_t k = 0; k < plan.n; k++) {
			const struct vm_plan_item *it = &plan.items[k];
			const struct cfg_vm *v = it->want ? cfg_vm_of(&r, it->want->name)
							  : NULL;
			char ip[ADDR_TEXT_MAX] = "-";
			if (v && v->has_ip)
				ipaddr_format(&v->ip, ip);
			const char *state = !it->have ? "absent"
					    : it->have->running ? "running" : "shut off";
			cli_table_row(&t, it->want ? it->want->name : "-", it->domain,
				      h->uri, state, ip,
				      it->want && it->want->mac[0] ? it->want->mac
				      : it->have && it->have->mac[0] ? it->have->mac : "-",
				      it->action == VM_LEAVE ? "ok"
							     : vm_action_name(it->action));
		}
		vm_plan_free(&plan);
		free(want);
	}
	cli_table_print(&t, stdout);
	run_free(&r);
	return rc;
}

/* The hypervisor and domain of the VM named @name (lab name or domain). */
static int find(struct run *r, const char *name, struct hyp **h,
		const char **domain)
{
	for (size_t i = 0; i < r->n_want; i++)
		if (!strcmp(r->want[i].name, name) || !strcmp(r->want[i].domain, name)) {
			*h = hyp_of(r, r->want[i].uri);
			*domain = r->want[i].domain;
			return CLI_OK;
		}
	/* A domain hearth made that lab.vms no longer names. */
	for (size_t i = 0; i < r->n_hyps; i++)
		for (size_t k = 0; k < r->hyps[i].n_have; k++)
			if (r->hyps[i].have[k].owned &&
			    !strcmp(r->hyps[i].have[k].domain, name)) {
				*h = &r->hyps[i];
				*domain = r->hyps[i].have[k].domain;
				return CLI_OK;
			}
	fprintf(stderr, "hearth: vm: no VM %s in lab.vms\n", name);
	return CLI_FAILED;
}

static int one(struct cli *cli, int argc, char **argv, int what)
{
	struct run r;
	struct hyp *h;
	const char *domain;
	struct vm_err err;
	bool force = false;
	if (argc == 2 && what == 1 && !strcmp(argv[1], "--force"))
		force = true, argc--;
	if (argc != 1)
		return cli_bad_args();
	int rc = run_open(cli, &r);
	if (!rc)
		rc = find(&r, argv[0], &h, &domain);
	if (!rc) {
		int e = 0;
		if (what == 0)
			e = vm_conn_start(h->conn, domain, &err);
		else if (what == 1)
			e = vm_conn_stop(h->conn, domain, force, &err);
		else {
			struct vm_plan_item it = {.action = VM_DESTROY};
			snprintf(it.domain, sizeof(it.domain), "%s", domain);
			for (size_t k = 0; k < h->n_have; k++)
				if (!strcmp(h->have[k].domain, domain))
					it.have = &h->have[k];
			if (!it.have || !it.have->owned) {
				snprintf(err.msg, sizeof(err.msg), "domain %s is not "
					 "hearth's (or not defined)", domain);
				e = -ENOENT;
			} else {
				struct buf b;
				buf_init(&b, 0);
				e = vm_conn_apply(h->conn, &it, NULL, 0, &b, &err);
				if (b.len)
					fputs(b.data, stdout);
				buf_deinit(&b);
			}
		}
		if (e) {
			fprintf(stderr, "hearth: vm: %s\n", err.msg);
			rc = CLI_FAILED;
		} else if (what != 2) {
			printf("%s %s\n", what == 0 ? "started" : force ? "powered off"
								: "shutting down",
			       domain);
		}
	}
	run_free(&r);
	return rc;
}

static int cmd_start(struct cli *cli, int argc, char **argv)
{
	return one(cli, argc, argv, 0);
}

static int cmd_stop(struct cli *cli, int argc, char **argv)
{
	return one(cli, argc, argv, 1);
}

static int cmd_destroy(struct cli *cli, int argc, char **argv)
{
	return one(cli, argc, argv, 2);
}

/* The console session: the stream, and whether to stop. */
struct console {
	virStreamPtr st;
	int stdin_watch;
	bool quit;
};

static void console_stream(virStreamPtr st, int events, void *ud)
{
	struct console *c = ud;
	char buf[4096];
	if (events & (VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP))
		c->quit = true;
	for (;;) {
		int n = virStreamRecv(st, buf, sizeof(buf));
		if (n == -2)
			break;
		if (n <= 0) { /* the console closed: the domain stopped */
			c->quit = true;
			break;
		}
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
	}
}

static void console_stdin(int watch, int fd, int events, void *ud)
{
	(void)events;
	struct console *c = ud;
	char buf[1024];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n <= 0) {
		/* stdin ended (e.g. </dev/null): keep reading the console */
		virEventRemoveHandle(watch);
		c->stdin_watch = -1;
		return;
	}
	if (memchr(buf, 0x1d, (size_t)n)) { /* Ctrl-] */
		c->quit = true;
		return;
	}
	if (virStreamSend(c->st, buf, (size_t)n) < 0)
		c->quit = true;
}

/* Copies the serial console to stdout and stdin to it, on libvirt's event
 * loop (its remote streams need one), until Ctrl-] or the console closes. */
static int cmd_console(struct cli *cli, int argc, char **argv)
{
	struct run r;
	struct hyp *h;
	const char *domain;
	if (argc != 1)
		return cli_bad_args();
	if (virEventRegisterDefaultImpl() < 0) /* before any connection */
		return CLI_FAILED;
	int rc = run_open(cli, &r);
	if (!rc)
		rc = find(&r, argv[0], &h, &domain);
	if (rc) {
		run_free(&r);
		return rc;
	}
	struct console c = {.stdin_watch = -1};
	virConnectPtr conn = vm_conn_virt(h->conn);
	virDomainPtr d = virDomainLookupByName(conn, domain);
	c.st = d ? virStreamNew(conn, VIR_STREAM_NONBLOCK) : NULL;
	if (!c.st || virDomainOpenConsole(d, NULL, c.st, VIR_DOMAIN_CONSOLE_FORCE) < 0 ||
	    virStreamEventAddCallback(c.st, VIR_STREAM_EVENT_READABLE |
					    VIR_STREAM_EVENT_ERROR |
					    VIR_STREAM_EVENT_HANGUP,
				      console_stream, &c, NULL) < 0) {
		const char *m = virGetLastErrorMessage();
		fprintf(stderr, "hearth: vm console: %s: %s\n", domain, m ? m : "?");
		rc = CLI_FAILED;
		goto out;
	}
	struct termios saved, raw;
	bool tty = isatty(0) && tcgetattr(0, &saved) == 0;
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
		fprintf(stderr, "connected to %s (Ctrl-] leaves)\r\n", domain);
	}
	c.stdin_watch = virEventAddHandle(0, VIR_EVENT_HANDLE_READABLE,
					  console_stdin, &c, NULL);
	while (!c.quit && virEventRunDefaultImpl() == 0)
		;
	if (tty)
		tcsetattr(0, TCSANOW, &saved);
	if (c.stdin_watch >= 0)
		virEventRemoveHandle(c.stdin_watch);
	virStreamEventRemoveCallback(c.st);
	virStreamAbort(c.st);
out:
	if (c.st)
		virStreamFree(c.st);
	if (d)
		virDomainFree(d);
	run_free(&r);
	return rc;
}

/* Writes the VM's cidata seed ISO to a file (what apply uploads). */
static int cmd_seed(struct cli *cli, int argc, char **argv)
{
	struct run r;
	if (argc != 2)
		return cli_bad_args();
	memset(&r, 0, sizeof(r));
	int rc = vm_cli_load_config(cli, &r.cfg);
	const struct vm_spec *s = NULL;
	unsigned char *iso = NULL;
	size_t len = 0;
	if (!rc) {
		/* Offline: the specs and the CA, no hypervisor. */
		r.room = vm_config(r.cfg);
		rc = run_specs(&r);
	}
	for (size_t i = 0; !rc && i < r.n_want; i++)
		if (!strcmp(r.want[i].name, argv[0]))
			s = &r.want[i];
	if (!rc && !s) {
		fprintf(stderr, "hearth: vm seed: no VM %s in lab.vms\n", argv[0]);
		rc = CLI_FAILED;
	}
	if (!rc)
		rc = seed_iso(&r, s, &iso, &len);
	if (!rc) {
		int e = vm_write_file(argv[1], iso, len, 0600);
		if (e) {
			fprintf(stderr, "hearth: vm seed: %s: %s\n", argv[1], strerror(-e));
			rc = CLI_FAILED;
		} else {
			printf("wrote %s (%zu bytes; instance-id %s-%s)\n", argv[1], len,
			       s->name, s->seed_hash);
		}
	}
	free(iso);
	run_free(&r);
	return rc;
}

const struct cli_command vm_cli_commands[] = {
	{"vm plan", "", "what apply would do to each hypervisor: create, update "
			"(and whether a restart is needed), replace, destroy, "
			"with reasons and drift", 0, 0, cmd_plan},
	{"vm apply", "", "make the hypervisors match lab.vms: volumes, "
			 "cloud-init seed, domain, autostart", 0, 0, cmd_apply},
	{"vm list", "", "lab.vms and hearth's domains, with state and plan", 0, 0,
	 cmd_list},
	{"vm start", "NAME", "start a VM", 1, 1, cmd_start},
	{"vm stop", "NAME [--force]", "shut a VM down (--force: power off)", 1, 2,
	 cmd_stop},
	{"vm destroy", "NAME", "power off and undefine a VM hearth made, with its "
			       "volumes", 1, 1, cmd_destroy},
	{"vm seed", "NAME FILE", "write the VM's cloud-init seed (the cidata ISO "
				 "apply uploads) to FILE", 2, 2, cmd_seed},
	{"vm console", "NAME", "the VM's serial console (Ctrl-] leaves)", 1, 1,
	 cmd_console},
	{"ssh ca init", "[--dir DIR] [--comment TEXT]",
	 "create the lab's SSH certificate authority (DIR/ca, DIR/ca.pub; "
	 "default STATE_DIR/ssh-ca)", 0, 4, vm_cli_ssh_ca_init},
	{"ssh sign-user", "--ca DIR --principal NAME[,NAME] [--validity +1h] "
			  "[--serial N] [--id KEYID] [--force-command CMD] "
			  "[--source-address CIDR,...] [--no-pty ...] KEY.pub",
	 "sign a user key: writes KEY-cert.pub beside it", 1, 40,
	 vm_cli_ssh_sign_user},
	{"ssh sign-host", "--ca DIR --principal NAME[,NAME] [--validity +52w] "
			  "[--serial N] [--id KEYID] KEY.pub",
	 "sign a host key: writes KEY-cert.pub beside it", 1, 40,
	 vm_cli_ssh_sign_host},
	{"ssh krl", "--ca DIR [--out FILE] [--update] [--serial N[-M]]... "
		    "[--id KEYID]... [KEY.pub|CERT.pub]...",
	 "write the CA's key revocation list (OpenSSH KRL; default "
	 "DIR/revoked.krl) for sshd's RevokedKeys", 0, 200, vm_cli_ssh_krl},
	{"ssh show", "CERT.pub", "print a certificate's fields, checking its "
				  "signature", 1, 1, vm_cli_ssh_show},
	{NULL, NULL, NULL, 0, 0, NULL},
};
