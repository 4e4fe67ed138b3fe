/* SPDX-License-Identifier: MIT */
/* Monitors created through the API: the JSON body read by the config loader's own `watch.monitors` rules, naming the bad field. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch/spec.h"

/* Keys of the config that name other monitors or the history key: the
 * API assigns ids and has no siblings to point at. */
static const char *const config_only[] = {"id", "depends_on", "parent"};

static int bad(char *why, size_t n, const char *field, const char *what)
{
	snprintf(why, n, "%.60s: %s", field, what);
	return -EINVAL;
}

/* The JSON type each field's kind wants (durations and counts are whole
 * numbers: seconds); the loader checks the values. */
static int check_json_type(const struct cfg_field *f, const char *k,
			   json_t *v, char *why, size_t n)
{
	switch (f->type) {
	case CFG_INT:
	case CFG_SIZE:
	case CFG_DURATION:
		return json_is_integer(v) ? 0 : bad(why, n, k, "an integer");
	case CFG_BOOL:
		return json_is_boolean(v) ? 0 : bad(why, n, k, "true or false");
	case CFG_LIST: {
		/* As the loader takes them: sections are objects (or strings
		 * where the section says so), other items strings, and a
		 * lone string is a list of one. */
		bool sections = f->elem == CFG_SECTION;
		bool strings = !sections || f->sub->scalar_item;
		if (!sections && json_is_string(v))
			return 0;
		if (!json_is_array(v))
			return bad(why, n, k, sections ? "a list"
						       : "a string or a list of strings");
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
			if (!(sections && json_is_object(e)) &&
			    !(strings && json_is_string(e)))
				return bad(why, n, k, sections ? "a list of objects"
							       : "a list of strings");
		return 0;
	}
	case CFG_SECTION:
	case CFG_MAP:
		return json_is_object(v) ? 0 : bad(why, n, k, "an object");
	default:
		return json_is_string(v) ? 0 : bad(why, n, k, "a string");
	}
}

/* The loader's words ("unknown key 'x'", "'x' must be ...",
 * "'x' is out of range [..]") as "x: ..."; a check's are already so. */
static void name_field(const char *msg, char *why, size_t n)
{
	static const struct {
		const char *lead, *then;
	} forms[] = {{"unknown key '", "unknown field"},
		     {"missing required key '", "required"},
		     {"items of '", NULL},
		     {"'", NULL}};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t l = strlen(forms[i].lead);
		const char *end;
		if (strncmp(msg, forms[i].lead, l) ||
		    !(end = strchr(msg + l, '\'')))
			continue;
		const char *rest = forms[i].then ? forms[i].then : end + 1;
		while (*rest == ' ')
			rest++;
		snprintf(why, n, "%.*s: %s", (int)(end - msg - l), msg + l, rest);
		return;
	}
	/* "a, b: why" (a check naming two fields) leads with the first. */
	size_t lead = strcspn(msg, ",:");
	const char *colon = strstr(msg, ": ");
	if (msg[lead] == ',' && colon &&
	    strspn(msg, "abcdefghijklmnopqrstuvwxyz_, ") == (size_t)(colon - msg)) {
		snprintf(why, n, "%.*s: %s (%.*s)", (int)lead, msg, colon + 2,
			 (int)(colon - msg), msg);
		return;
	}
	snprintf(why, n, "%s", msg);
}

/* Loads @o as the one entry of `watch.<list>` (whose schema is @sec) with
 * @schema, leaving out @omit (a key the caller reads); *snap the
 * snapshot, or -EINVAL naming the field. */
static int load_entry(const struct config_schema *schema, json_t *o,
		      const char *list, const struct cfg_section *sec,
		      const char *const *refused, size_t n_refused,
		      const char *omit, struct config **snap, char *why,
		      size_t n)
{
	*snap = NULL;
	if (!json_is_object(o))
		return bad(why, n, "body", "the body must be a JSON object");
	json_t *copy = json_object();
	const char *k;
	json_t *v;
	int rc = copy ? 0 : -ENOMEM;
	json_object_foreach(o, k, v) {
		if (rc || json_is_null(v) || (omit && !strcmp(k, omit)))
			continue; /* null: as if absent */
		for (size_t i = 0; i < n_refused; i++)
			if (!strcmp(k, refused[i]))
				rc = bad(why, n, k, "only in the config file");
		size_t f = 0;
		while (!rc && f < sec->n_fields && strcmp(sec->fields[f].key, k))
			f++;
		if (!rc && f == sec->n_fields)
			rc = bad(why, n, k, "unknown field");
		if (!rc)
			rc = check_json_type(&sec->fields[f], k, v, why, n);
		if (!rc && json_object_set(copy, k, v))
			rc = -ENOMEM;
	}
	/* The config loader reads JSON (YAML's flow style) as it is. */
	json_t *doc = rc ? NULL : json_pack("{s:{s:[O]}}", "watch", list, copy);
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(copy);
	json_decref(doc);
	if (!rc && !text)
		rc = -ENOMEM;
	if (rc) {
		free(text);
		return rc;
	}
	struct cfg_error err = {0};
	rc = config_load_buffer(schema, text, strlen(text), "body", snap, &err);
	free(text);
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		name_field(err.msg, why, n);
		return -EINVAL;
	}
	return 0;
}

/* @v (absent or null: fine) is a list of non-empty strings. */
static int name_list(json_t *v, const char *field, const char *what,
		     char *why, size_t n)
{
	size_t i;
	json_t *e;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad(why, n, field, what);
	json_array_foreach(v, i, e)
		if (!json_is_string(e) || !*json_string_value(e))
			return bad(why, n, field, what);
	return 0;
}

int watch_spec_parse(const struct config_schema *schema, json_t *o,
		     struct config **snap, const struct cfg_watch_monitor **out,
		     char *why, size_t n)
{
	*out = NULL;
	*snap = NULL;
	int rc = json_is_object(o)
			 ? name_list(json_object_get(o, "notifications"),
				     "notifications",
				     "a list of notification names", why, n)
			 : 0;
	if (!rc)
		rc = load_entry(schema, o, "monitors", watch_monitor_section(),
				config_only,
				sizeof(config_only) / sizeof(config_only[0]),
				"notifications", snap, why, n);
	if (rc)
		return rc;
	const struct cfg_watch *w = watch_config(*snap);
	if (!w || w->n_monitors != 1) {
		config_unref(*snap);
		*snap = NULL;
		return bad(why, n, "body", "not one monitor");
	}
	*out = &w->monitors[0];
	return 0;
}

int watch_window_spec_parse(const struct config_schema *schema, json_t *o,
			    struct config **snap,
			    const struct cfg_watch_maint **out, char *why,
			    size_t n)
{
	*out = NULL;
	*snap = NULL;
	int rc = json_is_object(o) ? name_list(json_object_get(o, "monitors"),
					      "monitors",
					      "a list of monitor names", why, n)
				   : 0;
	if (rc)
		return rc;
	rc = load_entry(schema, o, "maintenance", &watch_maint_section, NULL,
			    0, "monitors", snap, why, n);
	if (rc)
		return rc;
	const struct cfg_watch *w = watch_config(*snap);
	if (!w || w->n_maintenance != 1) {
		config_unref(*snap);
		*snap = NULL;
		return bad(why, n, "body", "not one window");
	}
	*out = &w->maintenance[0];
	return 0;
}

/* A group's monitors: names (non-empty strings) or ids (from 1). */
static int group_refs(json_t *v, char *why, size_t n)
{
	size_t i;
	json_t *e;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad(why, n, "groups", "monitors: a list of monitor names "
					     "or ids");
	json_array_foreach(v, i, e)
		if (!(json_is_string(e) && *json_string_value(e)) &&
		    !(json_is_integer(e) && json_integer_value(e) >= 1))
			return bad(why, n, "groups", "monitors: a list of monitor "
						     "names or ids");
	return 0;
}

int watch_page_spec_parse(const struct config_schema *schema, json_t *o,
			  struct config **snap,
			  const struct cfg_watch_page **out, char *why,
			  size_t n)
{
	*out = NULL;
	*snap = NULL;
	if (!json_is_object(o))
		return bad(why, n, "body", "the body must be a JSON object");
	/* The loader reads the groups without their monitors (it knows no
	 * monitors to check them against). */
	json_t *groups = json_object_get(o, "groups"), *bare = NULL;
	if (groups && !json_is_null(groups)) {
		size_t i;
		json_t *g;
		if (!json_is_array(groups))
			return bad(why, n, "groups", "a list");
		if (!(bare = json_array()))
			return -ENOMEM;
		json_array_foreach(groups, i, g) {
			int rc = json_is_object(g)
					 ? group_refs(json_object_get(g, "monitors"),
						      why, n)
					 : bad(why, n, "groups", "a list of objects");
			json_t *c = rc ? NULL : json_copy(g);
			if (!rc && !c)
				rc = -ENOMEM;
			if (c)
				json_object_del(c, "monitors");
			if (!rc && json_array_append_new(bare, c))
				rc = -ENOMEM;
			if (rc) {
				json_decref(bare);
				return rc;
			}
		}
	}
	json_t *body = json_copy(o);
	int rc = body ? 0 : -ENOMEM;
	if (body && bare && json_object_set(body, "groups", bare))
		rc = -ENOMEM;
	json_decref(bare);
	if (!rc)
		rc = load_entry(schema, body, "status_pages", &watch_page_section,
				NULL, 0, NULL, snap, why, n);
	json_decref(body);
	if (rc)
		return rc;
	const struct cfg_watch *w = watch_config(*snap);
	if (!w || w->n_pages != 1) {
		config_unref(*snap);
		*snap = NULL;
		return bad(why, n, "body", "not one page");
	}
	*out = &w->pages[0];
	return 0;
}

int watch_notif_spec_parse(const struct config_schema *schema, json_t *o,
			   struct config **snap,
			   const struct cfg_watch_notification **out,
			   char *why, size_t n)
{
	*out = NULL;
	int rc = load_entry(schema, o, "notifications",
			    &watch_notification_section, NULL, 0, NULL, snap,
			    why, n);
	if (rc)
		return rc;
	const struct cfg_watch *w = watch_config(*snap);
	if (!w || w->n_notifications != 1) {
		config_unref(*snap);
		*snap = NULL;
		return bad(why, n, "body", "not one notification");
	}
	*out = &w->notifications[0];
	return 0;
}
