/*
 * reply.c - rendering a template into a reply and queueing it in the
 * transaction.  The Message-ID and the outbox file name both derive from
 * the incoming mail's key and the reply kind, so a replayed mail queues
 * the very same file.
 */
#include <string.h>

#include "../bot/compose.h"
#include "../bot/limits_reply.h"
#include "../bot/log.h"
#include "../bot/outbox.h"
#include "../bot/util.h"
#include "handler.h"

static void
add_common(GHashTable *vars, const struct ctx *c, const struct mail *m)
{
	const struct config *cfg = c->cfg;

	g_hash_table_insert(vars, "list_name", cfg->list_name);
	g_hash_table_insert(vars, "list_address", cfg->list_address);
	g_hash_table_insert(vars, "conference", cfg->conference);
	g_hash_table_insert(vars, "tag", cfg->tag);
	g_hash_table_insert(vars, "sender_name", m->from_name ? m->from_name : "");
	g_hash_table_insert(vars, "sender_email", m->from_addr ? m->from_addr : "");
	g_hash_table_insert(vars, "subject", m->subject);
}

static char *
tagged_subject(const struct config *cfg, int mc_id, const char *subject)
{
	if (mc_id > 0)
		return g_strdup_printf("[%s MC-%d] %s", cfg->tag, mc_id, subject);
	return g_strdup_printf("[%s] %s", cfg->tag, subject);
}

int
reply_queue(struct ctx *c, struct txn *t, const struct mail *m, const char *kind,
	    const char *tpl_name, GHashTable *vars, int mc_id, GString *err)
{
	GHashTable *all = g_hash_table_new(g_str_hash, g_str_equal);
	char *subject = NULL, *body = NULL, *tagged = NULL, *seed = NULL, *name = NULL;
	struct compose cm = { 0 };
	GBytes *msg = NULL, *file = NULL;
	GHashTableIter it;
	gpointer k, v;
	const char *why;
	int rc = -1, day_file;

	if (m->from_addr == NULL || !util_addr_ok(m->from_addr)) {
		fail(err, "no address to reply to");
		goto out;
	}
	/* Loop and flood brakes: the mail is handled, only the reply is withheld. */
	why = limits_reply_check(c->cfg, c->store, c->now, m->from_addr, &day_file);
	if (why) {
		log_notice("%s: %s reply to %s withheld: %s", m->key, kind, m->from_addr, why);
		limits_reply_count(t, c->store, LIMITS_WITHHELD_FILE, c->now, why);
		rc = 0;
		goto out;
	}
	add_common(all, c, m);
	if (vars) {
		g_hash_table_iter_init(&it, vars);
		while (g_hash_table_iter_next(&it, &k, &v))
			g_hash_table_insert(all, k, v);
	}
	if (template_render(c->tpl, tpl_name, all, &subject, &body, err) < 0)
		goto out;
	tagged = tagged_subject(c->cfg, mc_id, subject);
	seed = g_strdup_printf("%s/%s", m->key, kind);
	cm.from_addr = c->cfg->list_address;
	cm.from_name = c->cfg->list_name;
	cm.to_addr = m->from_addr;
	cm.to_name = m->from_name;
	cm.subject = tagged;
	cm.body = body;
	cm.in_reply_to = m->message_id;
	cm.references = m->references;
	cm.auto_submitted = "auto-replied";
	cm.msgid_seed = seed;
	cm.msgid_domain = c->cfg->msgid_domain;
	cm.date = c->now;
	cm.x_loop = c->cfg->list_address;
	msg = compose_build(&cm);
	if (msg) {
		gsize len;
		const char *data = g_bytes_get_data(msg, &len);

		file = outbox_format(c->cfg->list_address, m->from_addr, data, len);
	}
	if (file == NULL) {
		fail(err, "cannot build a reply to <%s>", m->from_addr);
		goto out;
	}
	name = util_sha256_hex(seed, strlen(seed));
	name[32] = '\0';
	txn_queue_mail(t, name, file);
	limits_reply_note_seen(t, c->store, c->now, m->from_addr, day_file);
	rc = 0;
out:
	if (file)
		g_bytes_unref(file);
	if (msg)
		g_bytes_unref(msg);
	g_free(name);
	g_free(seed);
	g_free(tagged);
	g_free(body);
	g_free(subject);
	g_hash_table_unref(all);
	return rc;
}

/* The Message-ID of a reply of this kind to m, for threading. */
char *
reply_message_id(const struct ctx *c, const struct mail *m, const char *kind)
{
	char *seed = g_strdup_printf("%s/%s", m->key, kind);
	char *id = compose_message_id(seed, c->cfg->msgid_domain);

	g_free(seed);
	return id;
}
