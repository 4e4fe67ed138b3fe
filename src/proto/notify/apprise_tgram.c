/* SPDX-License-Identifier: MIT */
/* tgram:// as Apprise 1.2.0 sends it: sendMessage per chat (getUpdates first without one), then each file by the Bot API method its type picks. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "proto/notify/apprise_build_priv.h"

/* A file after the message: the Bot API method its MIME type picks (as
 * Apprise's mime_lookup), multipart with chat_id then the file. */
static void tgram_media(struct bld *b, const char *what, const char *chat,
			const struct apprise_attach *f)
{
	const char *mt = f->mimetype, *fn = "sendDocument", *key = "document";
	if (!strncasecmp(mt, "image/gif", 9) || !strncasecmp(mt, "video/H264", 10))
		fn = "sendAnimation", key = "animation";
	else if (!strncasecmp(mt, "image/", 6))
		fn = "sendPhoto", key = "photo";
	else if (!strncasecmp(mt, "video/mp4", 9))
		fn = "sendVideo", key = "video";
	else if (!strncasecmp(mt, "application/ogg", 15) || !strncasecmp(mt, "audio/ogg", 9))
		fn = "sendVoice", key = "voice";
	else if (!strncasecmp(mt, "audio/mpeg", 10) || !strncasecmp(mt, "audio/mp4a-latm", 15))
		fn = "sendAudio", key = "audio";
	struct apprise_request *r = apprise_bld_req(b, "POST",
		apprise_bld_str(b, "%s/bot%s/%s",
				b->ep && b->ep->telegram ? b->ep->telegram : "https://api.telegram.org",
				b->t->a, fn));
	if (!r)
		return;
	r->what = what;
	r->ok_status = 200;
	apprise_bld_header(b, r, "User-Agent", APP_ID);
	struct apprise_mp mp;
	apprise_mp_init(&mp, f, 1);
	apprise_mp_field(&mp, "chat_id", chat);
	apprise_mp_file(&mp, key, f, NULL);
	apprise_mp_end(b, r, &mp);
}

void apprise_bld_tgram(struct bld *b)
{
	const struct apprise_target *t = b->t;
	const struct apprise_url *u = &t->u;
	if (!t->ntargets) {
		if (!apprise_parse_bool(apprise_url_arg(u, "detect"), true)) {
			b->why = "no Telegram chat id (and ?detect=no)";
			b->err = -EINVAL;
			return;
		}
		struct apprise_request *r = apprise_bld_req(b, "POST",
			apprise_bld_str(b, "%s/bot%s/getUpdates",
					b->ep && b->ep->telegram ? b->ep->telegram
								 : "https://api.telegram.org",
					t->a));
		if (r) {
			r->owner_probe = true;
			r->ok_status = 200;
			r->what = "getUpdates";
			apprise_bld_header(b, r, "User-Agent", APP_ID);
		}
		return;
	}
	bool silent = apprise_parse_bool(apprise_url_arg(u, "silent"), false);
	bool preview = apprise_parse_bool(apprise_url_arg(u, "preview"), false);
	const char *text = t->format == APPRISE_MARKDOWN ? b->body : apprise_tgram_html(b->a, b->body);
	char *url = apprise_bld_str(b, "%s/bot%s/sendMessage",
			 b->ep && b->ep->telegram ? b->ep->telegram : "https://api.telegram.org",
			 t->a);
	for (size_t i = 0; i < t->ntargets; i++) {
		const char *c = t->targets[i];
		while (*c == '@')
			c++;
		bool num = *c != '\0';
		for (const char *d = *c == '-' ? c + 1 : c; *d; d++)
			num = num && isdigit((unsigned char)*d);
		if (!num && !(isalpha((unsigned char)t->targets[i][0]) || t->targets[i][0] == '_' ||
			      t->targets[i][0] == '-'))
			continue; /* IS_CHAT_ID_RE: skipped, counted as an error */
		struct apprise_request *r = apprise_bld_req(b, "POST", url);
		if (!r)
			return;
		r->what = t->targets[i];
		r->ok_status = 200;
		apprise_bld_header(b, r, "User-Agent", APP_ID);
		apprise_bld_header(b, r, "Content-Type", "application/json");
		json_t *j = json_pack("{s:b,s:b,s:s,s:s}", "disable_notification", silent,
				      "disable_web_page_preview", !preview, "parse_mode",
				      t->format == APPRISE_MARKDOWN ? "MARKDOWN" : "HTML",
				      "text", text ? text : "");
		char *chat = num ? apprise_bld_str(b, "%lld", strtoll(c, NULL, 10))
				 : apprise_bld_str(b, "@%s", t->targets[i]);
		if (j)
			json_object_set_new(j, "chat_id",
				num ? json_integer(strtoll(c, NULL, 10)) : json_string(chat ?: ""));
		apprise_bld_json(b, r, j);
		for (size_t k = 0; k < b->m->nattach && chat; k++)
			tgram_media(b, t->targets[i], chat, &b->m->attach[k]);
	}
}

long long apprise_tgram_owner(const char *body, size_t len)
{
	json_t *j = body ? json_loadb(body, len, 0, NULL) : NULL;
	long long id = 0;
	json_t *res = json_object_get(j, "result");
	if (json_is_true(json_object_get(j, "ok")) && json_is_array(res)) {
		size_t i;
		json_t *e;
		json_array_foreach(res, i, e) {
			json_t *from = json_object_get(json_object_get(e, "message"), "from");
			if (json_is_object(from)) {
				id = json_integer_value(json_object_get(from, "id"));
				break;
			}
		}
	}
	json_decref(j);
	return id;
}
