/* SPDX-License-Identifier: MIT */
/* The PowerDNS API's servers/{id}/autoprimaries: list, add, delete, kept in the dns room's store. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "dns/api_priv.h"
#include "dns/internal.h"
#include "dns/store.h"

/*
 * As pdns_server 4.7 answers them: GET lists {"ip", "nameserver",
 * "account"} in the order added; POST {"ip", "nameserver", "account"}
 * stores them as sent and answers 201 with an empty text/html body;
 * DELETE /autoprimaries/IP/NAMESERVER answers 204, whether the pair was
 * there or not. Two deliberate differences: a pair already there is 409
 * Conflict (pdns_server answers 500 from its backend's UNIQUE
 * constraint), and an ip that is not an IP address is 422 (pdns_server
 * stores it; it can never match a NOTIFY's source). hearth keeps the
 * list for the API's clients; it does not provision secondary zones
 * from NOTIFY.
 */

static int collect(const char *ip, const char *nameserver, const char *account,
		   void *ud)
{
	return json_array_append_new(ud, json_pack("{s:s, s:s, s:s}", "ip", ip,
						   "nameserver", nameserver,
						   "account", account))
		       ? -ENOMEM
		       : 0;
}

void dns_api_autoprimary_list(struct api_call *c)
{
	json_t *all = json_array();
	if (dns_store_autoprimary_list(c->room->store, collect, all)) {
		json_decref(all);
		http_reply_error(c->resp, 500, "cannot read the autoprimaries");
		return;
	}
	http_reply_json(c->resp, 200, all);
}

/* A write on the room's write strand (write.c), answered after commit. */
struct ap_write {
	struct dns_write w;
	bool remove;
	char *ip, *nameserver, *account;
};

static int ap_work(struct dns_write *w, struct store *s)
{
	struct ap_write *j = (struct ap_write *)w;
	if (j->remove)
		return dns_store_autoprimary_delete(s, j->ip, j->nameserver);
	return dns_store_autoprimary_add(s, j->ip, j->nameserver, j->account);
}

static void ap_done(struct dns_write *w, struct http_response *resp)
{
	struct ap_write *j = (struct ap_write *)w;
	if (w->rc == -EEXIST) {
		http_reply_error(resp, 409, "Conflict");
	} else if (w->rc) {
		http_reply_error(resp, 500, j->remove
					      ? "cannot delete the autoprimary"
					      : "cannot store the autoprimary");
	} else if (j->remove) {
		resp->status = 204;
	} else {
		/* pdns_server 4.7's answer: 201, an empty body typed text/html. */
		resp->status = 201;
		resp->content_type = "text/html; charset=utf-8";
	}
}

static void ap_free(struct dns_write *w)
{
	struct ap_write *j = (struct ap_write *)w;
	free(j->ip);
	free(j->nameserver);
	free(j->account);
	free(j);
}

static void submit(struct api_call *c, const char *ip, const char *ns,
		   const char *account, bool remove)
{
	struct ap_write *j = calloc(1, sizeof(*j));
	if (j) {
		j->ip = strdup(ip);
		j->nameserver = strdup(ns);
		j->account = strdup(account);
	}
	if (!j || !j->ip || !j->nameserver || !j->account) {
		if (j)
			ap_free(&j->w);
		http_reply_error(c->resp, 500, "out of memory");
		return;
	}
	j->remove = remove;
	j->w.store_only = true;
	j->w.work = ap_work;
	j->w.done = ap_done;
	j->w.free = ap_free;
	dns_write_submit(c->room, c->req, c->resp, &j->w);
}

void dns_api_autoprimary_add(struct api_call *c)
{
	json_t *body = dns_api_body(c);
	if (!body)
		return;
	/* pdns_server reads nameserver, then ip (its arguments are
	 * evaluated right to left), and any non-string account as "". */
	json_t *ns = json_object_get(body, "nameserver");
	json_t *ip = json_object_get(body, "ip");
	const char *account = json_string_value(json_object_get(body, "account"));
	struct ipaddr addr;
	if (!json_is_string(ns)) {
		http_reply_error(c->resp, 422, "Key 'nameserver' not present or "
					       "not a String");
	} else if (!json_is_string(ip)) {
		http_reply_error(c->resp, 422, "Key 'ip' not present or not a "
					       "String");
	} else if (!json_string_length(ip) || !json_string_length(ns)) {
		http_reply_error(c->resp, 422, "ip and nameserver fields must be "
					       "filled");
	} else if (json_string_length(ns) >= sizeof(c->ap_ns) ||
		   json_string_length(ip) >= sizeof(c->ap_ip)) {
		http_reply_error(c->resp, 422, "ip or nameserver too long");
	} else if (ipaddr_parse(json_string_value(ip), &addr)) {
		http_reply_error(c->resp, 422, "Autoprimary ip '%.64s' is not an "
					       "IP address",
				 json_string_value(ip));
	} else {
		submit(c, json_string_value(ip), json_string_value(ns),
		       account ? account : "", false);
	}
	json_decref(body);
}

/* DELETE autoprimaries/{ip}/{nameserver}, as the URL names them. */
void dns_api_autoprimary_delete(struct api_call *c)
{
	submit(c, c->ap_ip, c->ap_ns, "", true);
}
