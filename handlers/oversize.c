/*
 * oversize.c - telling the sender, once, that a mail was too large.
 *
 * Only the header block is read (the inbox fetched it without the body),
 * so the sender is known without fetching what is too large to fetch.
 */
#include "../bot/log.h"
#include "../bot/util.h"
#include "classify.h"
#include "oversize.h"

#define OVERSIZE_KEY "oversize:"

/* "9.0 KiB", with a plain space (GLib puts a no-break space there). */
static char *
oversize_size(guint64 n)
{
	char *s = g_format_size_full(n, G_FORMAT_SIZE_IEC_UNITS);
	GString *out = g_string_new(s);

	g_string_replace(out, "\u00a0", " ", 0);
	g_free(s);
	return g_string_free(out, FALSE);
}

static char *
oversize_reason(const struct ctx *c, const struct inbox_item *it)
{
	char *size = oversize_size(it->size), *max = oversize_size(c->cfg->max_message_size);
	char *reason = g_strdup_printf("it is %s, and mail of more than %s is set aside unread",
				       size, max);

	g_free(size);
	g_free(max);
	return reason;
}

gboolean
oversize_notice(struct ctx *c, const struct inbox_item *it, const struct mail_limits *lim)
{
	GHashTable *vars = NULL;
	GString *err = g_string_new(NULL);
	struct mail *m = NULL;
	struct txn *t = NULL;
	const char *drop;
	char *key = NULL, *reason = NULL;
	gboolean sent = FALSE;

	if (it->head == NULL || it->head_len == 0) {
		log_notice("%s: oversize, header block unknown: no notice", it->id);
		goto out;
	}
	if (mail_parse(it->head, it->head_len, lim, &m, err) < 0) {
		log_notice("%s: oversize, header block not usable (%s): no notice", it->id, err->str);
		goto out;
	}
	key = g_strconcat(OVERSIZE_KEY, m->key, NULL);
	if (store_processed(c->store, key)) {
		log_debug(LOG_AREA_HANDLERS, "%s: oversize notice sent before", key);
		goto out;
	}
	t = txn_new(c->store);
	if ((drop = classify_drop_reason(m, c->cfg->list_address)) != NULL) {
		log_notice("%s: oversize, not answered: %s", it->id, drop);
	} else if (!template_exists(c->tpl, "oversize")) {
		log_notice("%s: oversize, no template \"oversize\": no notice", it->id);
	} else {
		vars = g_hash_table_new(g_str_hash, g_str_equal);
		reason = oversize_reason(c, it);
		g_hash_table_insert(vars, "reason", reason);
		if (reply_queue(c, t, m, "oversize", "oversize", vars, 0, err) < 0)
			log_notice("%s: oversize, no notice: %s", it->id, err->str);
		else
			sent = TRUE;
	}
	if (sent)
		log_info("%s: oversize, notice queued for %s", it->id, m->from_addr);
	txn_processed_in(t, key, folder_name(FOLDER_OVERSIZE));
	txn_stage(t);
out:
	txn_free(t);
	if (vars)
		g_hash_table_unref(vars);
	g_free(reason);
	g_free(key);
	mail_free(m);
	g_string_free(err, TRUE);
	return sent;
}
