/* SPDX-License-Identifier: MIT */
/* `hearth ssh ca init|sign-user|sign-host|krl|show`: the lab's SSH certificate authority, offline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/cli.h"
#include "core/config_schema.h"
#include "proto/ssh/cert.h"
#include "proto/ssh/krl.h"
#include "vm/ca.h"
#include "vm/internal.h"

/* Options of one command: "--name VALUE" or "--name=VALUE", or flags. */
struct opt {
	const char *name;
	bool flag;     /* takes no value */
	bool many;     /* may repeat: values collected */
	const char *val;
	const char *vals[64];
	size_t n;
	bool set;
};

/* Takes the options in @opts out of argv; the rest stays positional.
 * CLI_OK or CLI_USAGE (said on stderr). */
static int take_opts(const char *cmd, int *argc, char **argv, struct opt *opts)
{
	int out = 0;
	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i];
		struct opt *o = NULL;
		const char *val = NULL;
		if (a[0] == '-' && a[1] == '-') {
			for (struct opt *p = opts; p->name; p++) {
				size_t l = strlen(p->name);
				if (!strncmp(a, p->name, l) &&
				    (a[l] == 0 || (a[l] == '=' && !p->flag))) {
					o = p;
					val = a[l] == '=' ? a + l + 1 : NULL;
				}
			}
			if (!o) {
				fprintf(stderr, "hearth: %s: unknown option '%s'\n",
					cmd, a);
				return CLI_USAGE;
			}
			if (!o->flag && !val) {
				if (i + 1 >= *argc) {
					fprintf(stderr, "hearth: %s: option '%s' "
							"needs a value\n", cmd, a);
					return CLI_USAGE;
				}
				val = argv[++i];
			}
			if (o->set && !o->many) {
				fprintf(stderr, "hearth: %s: option '%s' given "
						"twice\n", cmd, o->name);
				return CLI_USAGE;
			}
			o->set = true;
			o->val = val;
			if (o->many && val) {
				if (o->n == 64) {
					fprintf(stderr, "hearth: %s: too many '%s'\n",
						cmd, o->name);
					return CLI_USAGE;
				}
				o->vals[o->n++] = val;
			}
			continue;
		}
		argv[out++] = argv[i];
	}
	*argc = out;
	return CLI_OK;
}

/* The CA directory: --dir/--ca, else vm.ca_dir of the config named with
 * -c, else STATE_DIR/ssh-ca. Written into @out. */
static int ca_dir(struct cli *cli, const char *given, char *out, size_t cap)
{
	if (given) {
		snprintf(out, cap, "%s", given);
		return CLI_OK;
	}
	return vm_cli_config_ca_dir(cli, out, cap);
}

int vm_cli_ssh_ca_init(struct cli *cli, int argc, char **argv)
{
	struct opt opts[] = {{.name = "--dir"}, {.name = "--comment"}, {0}};
	char dir[4096];
	struct vm_err err;
	int rc = take_opts("ssh ca init", &argc, argv, opts);
	if (rc)
		return rc;
	if (argc)
		return cli_bad_args();
	if ((rc = ca_dir(cli, opts[0].val, dir, sizeof(dir))))
		return rc;
	if (vm_ca_create(dir, opts[1].val ? opts[1].val : "hearth-ca", &err)) {
		fprintf(stderr, "hearth: ssh ca init: %s\n", err.msg);
		return CLI_FAILED;
	}
	printf("created CA in %s (%s/ca, %s/ca.pub)\n", dir, dir, dir);
	return CLI_OK;
}

/* Fills c->principals from "a,b,c". */
static int split_principals(const char *list, struct ssh_cert *c)
{
	const char *s = list;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (!n || n >= SSH_CERT_NAME_MAX ||
		    c->n_principals == SSH_CERT_MAX_PRINCIPALS)
			return -EINVAL;
		memcpy(c->principals[c->n_principals], s, n);
		c->principals[c->n_principals++][n] = 0;
		s += n + (e ? 1 : 0);
		if (e && !*s)
			return -EINVAL;
	}
	return c->n_principals ? 0 : -EINVAL;
}

static int copy_opt(char *dst, size_t cap, const char *v)
{
	if (!v)
		return 0;
	if (!*v || strlen(v) >= cap)
		return -EINVAL;
	snprintf(dst, cap, "%s", v);
	return 0;
}

/* "DIR/key.pub" -> "DIR/key-cert.pub", as ssh-keygen names it. */
static void cert_path(const char *key, char *out, size_t cap)
{
	size_t n = strlen(key);
	if (n > 4 && !strcmp(key + n - 4, ".pub"))
		n -= 4;
	snprintf(out, cap, "%.*s-cert.pub", (int)n, key);
}

static int sign(struct cli *cli, int argc, char **argv, uint32_t kind)
{
	const char *cmd = kind == SSH_CERT_USER ? "ssh sign-user" : "ssh sign-host";
	enum { CA, PRINC, VALID, SERIAL, ID, FORCE, SRC, OUT, NOX11, NOAGENT,
	       NOPORT, NOPTY, NORC, CLEAR, NOPT };
	struct opt opts[NOPT + 1] = {
		[CA] = {.name = "--ca"}, [PRINC] = {.name = "--principal"},
		[VALID] = {.name = "--validity"}, [SERIAL] = {.name = "--serial"},
		[ID] = {.name = "--id"}, [FORCE] = {.name = "--force-command"},
		[SRC] = {.name = "--source-address"}, [OUT] = {.name = "--out"},
		[NOX11] = {.name = "--no-x11-forwarding", .flag = true},
		[NOAGENT] = {.name = "--no-agent-forwarding", .flag = true},
		[NOPORT] = {.name = "--no-port-forwarding", .flag = true},
		[NOPTY] = {.name = "--no-pty", .flag = true},
		[NORC] = {.name = "--no-user-rc", .flag = true},
		[CLEAR] = {.name = "--clear", .flag = true},
	};
	char dir[4096], out[4200], *text = NULL;
	size_t len;
	const char *why = "";
	struct ssh_cert *c = calloc(1, sizeof(*c));
	struct vm_ca ca;
	struct vm_err err;
	struct buf line;
	int rc = c ? take_opts(cmd, &argc, argv, opts) : CLI_FAILED;

	memset(&ca, 0, sizeof(ca));
	buf_init(&line, 0);
	if (rc)
		goto out;
	if (argc != 1 || !opts[PRINC].val) {
		fprintf(stderr, "hearth: %s: needs --principal NAME[,NAME] and "
				"one KEY.pub\n", cmd);
		rc = CLI_USAGE;
		goto out;
	}
	c->kind = kind;
	rc = CLI_USAGE;
	if (split_principals(opts[PRINC].val, c)) {
		fprintf(stderr, "hearth: %s: bad --principal list '%s'\n", cmd,
			opts[PRINC].val);
		goto out;
	}
	c->valid_after = 0;
	c->valid_before = UINT64_MAX;
	if (opts[VALID].val && ssh_validity_parse(opts[VALID].val, time(NULL),
						  &c->valid_after,
						  &c->valid_before)) {
		fprintf(stderr, "hearth: %s: bad --validity '%s' (ssh-keygen's "
				"-V forms: +1h, +52w, 20261201:20271201, "
				"always:forever)\n", cmd, opts[VALID].val);
		goto out;
	}
	if (opts[SERIAL].val) {
		char *end;
		errno = 0;
		c->serial = strtoull(opts[SERIAL].val, &end, 0);
		if (errno || *end || !*opts[SERIAL].val || c->serial == 0) {
			fprintf(stderr, "hearth: %s: bad --serial '%s' (1 or "
					"more)\n", cmd, opts[SERIAL].val);
			goto out;
		}
	}
	if (copy_opt(c->key_id, sizeof(c->key_id),
		     opts[ID].val ? opts[ID].val : c->principals[0]) ||
	    copy_opt(c->force_command, sizeof(c->force_command),
		     opts[FORCE].val) ||
	    copy_opt(c->source_address, sizeof(c->source_address),
		     opts[SRC].val)) {
		fprintf(stderr, "hearth: %s: --id, --force-command or "
				"--source-address empty or too long\n", cmd);
		goto out;
	}
	if (kind == SSH_CERT_HOST && (c->force_command[0] || c->source_address[0])) {
		fprintf(stderr, "hearth: %s: critical options are for user "
				"certificates\n", cmd);
		goto out;
	}
	if (kind == SSH_CERT_USER && !opts[CLEAR].set) {
		c->extensions = SSH_EXT_ALL;
		c->extensions &= ~((opts[NOX11].set ? SSH_EXT_X11 : 0) |
				   (opts[NOAGENT].set ? SSH_EXT_AGENT : 0) |
				   (opts[NOPORT].set ? SSH_EXT_PORT : 0) |
				   (opts[NOPTY].set ? SSH_EXT_PTY : 0) |
				   (opts[NORC].set ? SSH_EXT_USER_RC : 0));
	}
	rc = CLI_FAILED;
	int e = vm_read_file(argv[0], SSH_LINE_MAX, &text, &len);
	if (e) {
		fprintf(stderr, "hearth: %s: %s: %s\n", cmd, argv[0], strerror(-e));
		goto out;
	}
	if (ssh_pubkey_parse_line(text, len, &c->key, &why)) {
		fprintf(stderr, "hearth: %s: %s: %s\n", cmd, argv[0], why);
		goto out;
	}
	if ((rc = ca_dir(cli, opts[CA].val, dir, sizeof(dir))))
		goto out;
	rc = CLI_FAILED;
	if (vm_ca_open(dir, &ca, &err) ||
	    vm_ca_sign(&ca, c, c->key.comment, &line, &err)) {
		fprintf(stderr, "hearth: %s: %s\n", cmd, err.msg);
		goto out;
	}
	if (opts[OUT].val)
		snprintf(out, sizeof(out), "%s", opts[OUT].val);
	else
		cert_path(argv[0], out, sizeof(out));
	if ((e = vm_write_file(out, line.data, line.len, 0644))) {
		fprintf(stderr, "hearth: %s: %s: %s\n", cmd, out, strerror(-e));
		goto out;
	}
	printf("signed %s certificate %s: id \"%s\", serial %llu\n",
	       kind == SSH_CERT_USER ? "user" : "host", out, c->key_id,
	       (unsigned long long)c->serial);
	rc = CLI_OK;
out:
	vm_ca_close(&ca);
	buf_deinit(&line);
	free(text);
	free(c);
	return rc;
}

int vm_cli_ssh_sign_user(struct cli *cli, int argc, char **argv)
{
	return sign(cli, argc, argv, SSH_CERT_USER);
}

int vm_cli_ssh_sign_host(struct cli *cli, int argc, char **argv)
{
	return sign(cli, argc, argv, SSH_CERT_HOST);
}

/* Adds a file's key (plain: revoked as a key; certificate: its serial
 * under its CA) to @k. */
static int revoke_file(struct ssh_krl *k, const char *path)
{
	char *text = NULL;
	size_t len;
	const char *why = "";
	int rc = vm_read_file(path, SSH_LINE_MAX, &text, &len);
	if (rc) {
		fprintf(stderr, "hearth: ssh krl: %s: %s\n", path, strerror(-rc));
		return CLI_FAILED;
	}
	struct ssh_pubkey *key = malloc(sizeof(*key));
	struct ssh_cert *c = malloc(sizeof(*c));
	bool verified;
	rc = CLI_FAILED;
	if (!key || !c)
		goto out;
	if (strstr(text, "-cert-v01@openssh.com ")) {
		if (ssh_cert_parse_line(text, len, c, &verified, &why))
			goto bad;
		rc = ssh_krl_add_serial(k, c->ca.blob, c->ca.blob_len, c->serial,
					c->serial) ? CLI_FAILED : CLI_OK;
	} else {
		if (ssh_pubkey_parse_line(text, len, key, &why))
			goto bad;
		rc = ssh_krl_add_key(k, key->blob, key->blob_len) ? CLI_FAILED
								 : CLI_OK;
	}
	goto out;
bad:
	fprintf(stderr, "hearth: ssh krl: %s: %s\n", path, why);
out:
	free(key);
	free(c);
	free(text);
	return rc;
}

int vm_cli_ssh_krl(struct cli *cli, int argc, char **argv)
{
	enum { CA, OUT, UPDATE, SERIAL, ID, COMMENT, NOPT };
	struct opt opts[NOPT + 1] = {
		[CA] = {.name = "--ca"}, [OUT] = {.name = "--out"},
		[UPDATE] = {.name = "--update", .flag = true},
		[SERIAL] = {.name = "--serial", .many = true},
		[ID] = {.name = "--id", .many = true},
		[COMMENT] = {.name = "--comment"},
	};
	char dir[4096], out[4200], *text = NULL;
	size_t len;
	const char *why = "";
	struct ssh_krl k;
	struct vm_ca ca;
	struct vm_err err;
	struct buf b;
	int rc = take_opts("ssh krl", &argc, argv, opts);

	ssh_krl_init(&k);
	memset(&ca, 0, sizeof(ca));
	buf_init(&b, SSH_KRL_MAX_BYTES);
	if (rc)
		goto done;
	if ((rc = ca_dir(cli, opts[CA].val, dir, sizeof(dir))))
		goto done;
	rc = CLI_FAILED;
	if (vm_ca_open(dir, &ca, &err)) {
		fprintf(stderr, "hearth: ssh krl: %s\n", err.msg);
		goto done;
	}
	if (opts[OUT].val)
		snprintf(out, sizeof(out), "%s", opts[OUT].val);
	else
		snprintf(out, sizeof(out), "%s/revoked.krl", dir);
	if (opts[UPDATE].set) {
		int e = vm_read_file(out, SSH_KRL_MAX_BYTES, &text, &len);
		if (e && e != -ENOENT) {
			fprintf(stderr, "hearth: ssh krl: %s: %s\n", out, strerror(-e));
			goto done;
		}
		if (!e && ssh_krl_parse((const uint8_t *)text, len, &k, &why)) {
			fprintf(stderr, "hearth: ssh krl: %s: %s\n", out, why);
			goto done;
		}
	}
	k.version++;
	k.date = (uint64_t)time(NULL);
	snprintf(k.comment, sizeof(k.comment), "%s",
		 opts[COMMENT].val ? opts[COMMENT].val : "hearth");
	for (size_t i = 0; i < opts[SERIAL].n; i++) {
		const char *s = opts[SERIAL].vals[i];
		char *end;
		errno = 0;
		unsigned long long lo = strtoull(s, &end, 0), hi = lo;
		if (*end == '-') {
			const char *h = end + 1;
			hi = strtoull(h, &end, 0);
			if (end == h)
				errno = EINVAL;
		}
		if (errno || *end || end == s || lo > hi) {
			fprintf(stderr, "hearth: ssh krl: bad --serial '%s' (N or "
					"N-M)\n", s);
			rc = CLI_USAGE;
			goto done;
		}
		if (ssh_krl_add_serial(&k, ca.pub.blob, ca.pub.blob_len, lo, hi))
			goto done;
	}
	for (size_t i = 0; i < opts[ID].n; i++)
		if (ssh_krl_add_id(&k, ca.pub.blob, ca.pub.blob_len,
				   opts[ID].vals[i]))
			goto done;
	for (int i = 0; i < argc; i++)
		if ((rc = revoke_file(&k, argv[i])))
			goto done;
	rc = CLI_FAILED;
	int e = ssh_krl_write(&k, &b);
	if (!e)
		e = vm_write_file(out, b.data, b.len, 0644);
	if (e) {
		fprintf(stderr, "hearth: ssh krl: %s: %s\n", out, strerror(-e));
		goto done;
	}
	printf("wrote %s: version %llu, %zu serial entries, %zu key ids, "
	       "%zu keys\n", out, (unsigned long long)k.version, k.n_serials,
	       k.n_ids, k.n_keys);
	rc = CLI_OK;
done:
	vm_ca_close(&ca);
	ssh_krl_deinit(&k);
	buf_deinit(&b);
	free(text);
	return rc;
}

static void print_time(uint64_t t, bool from)
{
	if (from && t == 0) {
		printf("always");
		return;
	}
	if (!from && t == UINT64_MAX) {
		printf("forever");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	char s[64];
	localtime_r(&tt, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("%s", s);
}

/* ssh-keygen's short names of key types. */
static const char *short_name(enum ssh_keytype t)
{
	return t == SSH_KEY_ED25519 ? "ED25519" : t == SSH_KEY_RSA ? "RSA" : "ECDSA";
}

/* Prints a certificate's fields (as ssh-keygen -L lays them out). */
int vm_cli_ssh_show(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	char *text = NULL, fp[64], cafp[64];
	size_t len;
	const char *why = "";
	bool verified;
	struct ssh_cert *c = malloc(sizeof(*c));
	int rc = CLI_FAILED;
	if (argc != 1 || !c) {
		free(c);
		return c ? cli_bad_args() : CLI_FAILED;
	}
	int e = vm_read_file(argv[0], SSH_LINE_MAX, &text, &len);
	if (e) {
		fprintf(stderr, "hearth: ssh show: %s: %s\n", argv[0], strerror(-e));
		goto out;
	}
	if (ssh_cert_parse_line(text, len, c, &verified, &why)) {
		fprintf(stderr, "hearth: ssh show: %s: %s\n", argv[0], why);
		goto out;
	}
	ssh_fingerprint(c->key.blob, c->key.blob_len, fp);
	ssh_fingerprint(c->ca.blob, c->ca.blob_len, cafp);
	printf("%s:\n", argv[0]);
	printf("        Type: %s %s certificate\n", ssh_cert_type_name(c->key.type),
	       c->kind == SSH_CERT_USER ? "user" : "host");
	printf("        Public key: %s-CERT %s\n", short_name(c->key.type), fp);
	printf("        Signing CA: %s %s (using %s)%s\n",
	       short_name(c->ca.type), cafp, c->ca_sig_type,
	       verified ? "" : " (signature not checked)");
	printf("        Key ID: \"%s\"\n", c->key_id);
	printf("        Serial: %llu\n", (unsigned long long)c->serial);
	printf("        Valid: ");
	if (c->valid_after == 0 && c->valid_before == UINT64_MAX)
		printf("forever");
	else {
		printf("from ");
		print_time(c->valid_after, true);
		printf(" to ");
		print_time(c->valid_before, false);
	}
	printf("\n        Principals: %s\n", c->n_principals ? "" : "(none)");
	for (size_t i = 0; i < c->n_principals; i++)
		printf("                %s\n", c->principals[i]);
	printf("        Critical Options: %s\n",
	       c->force_command[0] || c->source_address[0] ? "" : "(none)");
	if (c->force_command[0])
		printf("                force-command %s\n", c->force_command);
	if (c->source_address[0])
		printf("                source-address %s\n", c->source_address);
	printf("        Extensions: %s\n", c->extensions ? "" : "(none)");
	for (unsigned i = 0; i < 5; i++)
		if (c->extensions & (1u << i))
			printf("                %s\n", ssh_ext_name(i));
	rc = CLI_OK;
out:
	free(text);
	free(c);
	return rc;
}
