/* SPDX-License-Identifier: MIT */
/* Walks of the schema that are not parsing: restart-only changes and docs. */
#include "core/config.h"
#include "core/config_schema.h"
#include "base/roff.h"

#include <string.h>

#define AT(base, off, type) ((const type *)((const char *)(base) + (off)))

static bool same_scalar(enum cfg_type type, const void *x, const void *y);

/* Lists of scalars compare element by element; lists of sections are
 * data (zones, rules) and always reloadable. */
static bool same_list(const struct cfg_field *f, const void *a, const void *b)
{
	size_t na = *AT(a, f->count_off, size_t), nb = *AT(b, f->count_off, size_t);
	if (na != nb)
		return false;
	if (f->elem == CFG_SECTION)
		return true;
	const char *x = *AT(a, f->off, char *const);
	const char *y = *AT(b, f->off, char *const);
	for (size_t i = 0; i < na; i++)
		if (!same_scalar(f->elem, x + i * f->elem_size,
				 y + i * f->elem_size))
			return false;
	return true;
}

static bool same_value(const struct cfg_field *f, const void *a, const void *b)
{
	if (f->type == CFG_LIST)
		return same_list(f, a, b);
	return same_scalar(f->type, AT(a, f->off, char), AT(b, f->off, char));
}

static bool same_scalar(enum cfg_type type, const void *x, const void *y)
{
	switch (type) {
	case CFG_STRING:
	case CFG_PATH:
	case CFG_DNSNAME: {
		const char *s = *(const char *const *)x, *t = *(const char *const *)y;
		if (!s || !t)
			return s == t;
		return strcmp(s, t) == 0;
	}
	case CFG_INT:
	case CFG_SIZE:
	case CFG_DURATION:
		return *(const int64_t *)x == *(const int64_t *)y;
	case CFG_BOOL:
		return *(const bool *)x == *(const bool *)y;
	case CFG_LOGLEVEL:
		return *(const enum log_level *)x == *(const enum log_level *)y;
	case CFG_SOCKADDR:
	case CFG_SOCKADDR53:
		return memcmp(x, y, sizeof(struct sockaddr_any)) == 0;
	case CFG_IPADDR:
		return memcmp(x, y, sizeof(struct ipaddr)) == 0;
	case CFG_PREFIX:
		return memcmp(x, y, sizeof(struct ipprefix)) == 0;
	case CFG_MAC:
		return memcmp(x, y, sizeof(struct macaddr)) == 0;
	case CFG_SECTION:
	case CFG_MAP:
	case CFG_LIST:
	case CFG_ROOM:
		break;
	}
	return true;
}

static int walk(const struct cfg_section *s, const void *a, const void *b,
		const char *prefix, void (*fn)(const char *, void *), void *ud)
{
	int n = 0;
	for (size_t i = 0; i < s->n_fields; i++) {
		const struct cfg_field *f = &s->fields[i];
		char path[128];
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "",
			 f->key);
		if (f->type == CFG_MAP)
			continue; /* maps are lab data: always reloadable */
		if (f->type == CFG_SECTION || f->type == CFG_ROOM) {
			if (!f->reloadable && f->set_off != CFG_NONE &&
			    *AT(a, f->set_off, bool) != *AT(b, f->set_off, bool)) {
				fn(path, ud);
				n++;
			}
			const void *x = AT(a, f->off, char), *y = AT(b, f->off, char);
			if (f->type == CFG_ROOM) {
				x = *(const void *const *)x;
				y = *(const void *const *)y;
			}
			n += walk(f->sub, x, y, path, fn, ud);
			continue;
		}
		if (!f->reloadable && !same_value(f, a, b)) {
			fn(path, ud);
			n++;
		}
	}
	return n;
}

int config_restart_keys(const struct config *old, const struct config *new,
			void (*fn)(const char *key, void *ud), void *ud)
{
	/* Both were read with the daemon's one schema. */
	return walk(&old->schema->root, old, new, "", fn, ud);
}

static const char *type_word(enum cfg_type t)
{
	switch (t) {
	case CFG_SECTION: return "section";
	case CFG_MAP: return "map of name → section";
	case CFG_LIST: return "list";
	case CFG_STRING: return "string";
	case CFG_PATH: return "path";
	case CFG_DNSNAME: return "DNS name";
	case CFG_INT: return "integer";
	case CFG_SIZE: return "size";
	case CFG_DURATION: return "duration";
	case CFG_BOOL: return "bool";
	case CFG_LOGLEVEL: return "log level";
	case CFG_SOCKADDR: return "ADDR:PORT";
	case CFG_SOCKADDR53: return "ADDR[:PORT]";
	case CFG_IPADDR: return "IP address";
	case CFG_PREFIX: return "prefix";
	case CFG_MAC: return "MAC";
	case CFG_ROOM: return "section";
	}
	return "?";
}

/* One key of the reference, in markdown or roff. */
struct ref_row {
	const char *path, *type, *def, *range, *reload, *help;
};

static void row_markdown(FILE *f, const struct ref_row *r)
{
	fprintf(f, "| `%s` | %s | %s | %s | %s | ", r->path, r->type, r->def,
		r->range, r->reload);
	/* A '|' in help text would split the table cell. */
	for (const char *c = r->help; *c; c++)
		fputs(*c == '|' ? "\\|" : (char[2]){*c, 0}, f);
	fputs(" |\n", f);
}

static void row_roff(FILE *f, const struct ref_row *r)
{
	fputs(".TP\n.B ", f);
	roff_text(f, r->path);
	fputs("\n", f);
	roff_text(f, r->type);
	if (*r->def) {
		fputs(", default ", f);
		roff_text(f, r->def);
	}
	if (*r->range) {
		fputs(", range ", f);
		roff_text(f, r->range);
	}
	fputs(strcmp(r->reload, "yes") ? "; needs a restart" :
					 "; SIGHUP reloads it", f);
	fputs(".\n.br\n", f);
	roff_text(f, r->help);
	fputc('\n', f);
}

typedef void (*ref_row_fn)(FILE *f, const struct ref_row *r);

static void ref_section(FILE *f, const struct cfg_section *s, const char *prefix,
			ref_row_fn row)
{
	for (size_t i = 0; i < s->n_fields; i++) {
		const struct cfg_field *fd = &s->fields[i];
		char path[128];
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "",
			 fd->key);
		char range[64] = "";
		if (fd->type == CFG_INT || fd->type == CFG_SIZE ||
		    fd->type == CFG_DURATION)
			snprintf(range, sizeof(range), "%lld–%lld",
				 (long long)fd->min, (long long)fd->max);
		const char *reload = fd->reloadable ? "yes" : "restart";
		row(f, &(struct ref_row){
			       path, type_word(fd->type),
			       fd->def ? fd->def
				       : fd->required ? "(required)" : "",
			       range, reload, fd->help});
		if (fd->disabled_off != CFG_NONE) {
			char en[160];
			snprintf(en, sizeof(en), "%s.enabled", path);
			row(f, &(struct ref_row){
				       en, "bool", "true", "", reload,
				       "false: the section stays in the file "
				       "but is off (a reload may only turn off "
				       "a running part this way)"});
		}
		if (fd->type == CFG_SECTION || fd->type == CFG_ROOM)
			ref_section(f, fd->sub, path, row);
		else if (fd->type == CFG_LIST && fd->elem == CFG_SECTION) {
			char sub[160];
			snprintf(sub, sizeof(sub), "%s[]", path);
			ref_section(f, fd->sub, sub, row);
		} else if (fd->type == CFG_MAP) {
			char sub[160];
			snprintf(sub, sizeof(sub), "%s.NAME", path);
			ref_section(f, fd->sub, sub, row);
		}
	}
}

void config_reference(const struct config_schema *schema, FILE *f)
{
	fprintf(f, "| key | type | default | range | on SIGHUP | meaning |\n"
		   "| --- | --- | --- | --- | --- | --- |\n");
	ref_section(f, &schema->root, "", row_markdown);
}

void config_reference_roff(const struct config_schema *schema, FILE *f)
{
	ref_section(f, &schema->root, "", row_roff);
}
