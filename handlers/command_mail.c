/*
 * command_mail.c - mails that commands send to someone other than the
 * sender: decisions to the leads, copies to the other organizers, and
 * confirmation requests.  Like replies, their Message-ID and outbox file
 * name derive from a seed (the incoming mail's key and what the mail is
 * for), so a replayed mail queues the very same files.
 */
#include <string.h>

#include "../bot/compose.h"
#include "../bot/outbox.h"
#include "../bot/util.h"
#include "command_p.h"

/* The values every mail may use, under the caller's own. */
static GHashTable *
all_vars(const struct ctx *c, GHashTable *vars, const char *rcpt_name)
{
	GHashTable *all = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_insert(all, "list_name", c->cfg->list_name);
	g_hash_table_insert(all, "list_address", c->cfg->list_address);
	g_hash_table_insert(all, "conference", c->cfg->conference);
	g_hash_table_insert(all, "tag", c->cfg->tag);
	g_hash_table_insert(all, "recipient_name", (char *)(rcpt_name ? rcpt_name : ""));
	if (vars) {
		g_hash_table_iter_init(&it, vars);
		while (g_hash_table_iter_next(&it, &k, &v))
			g_hash_table_insert(all, k, v);
	}
	return all;
}

int
cmd_mail(struct ctx *c, struct txn *t, const char *tpl, GHashTable *vars, const char *rcpt,
	 const char *rcpt_name, const char *seed, int mc_id, gboolean hold, char **held,
	 GString *err)
{
	GHashTable *all = all_vars(c, vars, rcpt_name);
	char *subject = NULL, *body = NULL, *tagged = NULL, *name = NULL, *rel;
	struct compose cm = { 0 };
	GBytes *msg = NULL, *file = NULL;
	int rc = -1;

	if (held)
		*held = NULL;
	if (!util_addr_ok(rcpt)) {
		fail(err, "not an address: %s", rcpt ? rcpt : "(none)");
		goto out;
	}
	if (template_render(c->tpl, tpl, all, &subject, &body, err) < 0)
		goto out;
	tagged = mc_id > 0 ? g_strdup_printf("[%s MC-%d] %s", c->cfg->tag, mc_id, subject)
			   : g_strdup_printf("[%s] %s", c->cfg->tag, subject);
	cm.from_addr = c->cfg->list_address;
	cm.from_name = c->cfg->list_name;
	cm.to_addr = rcpt;
	cm.to_name = rcpt_name;
	cm.subject = tagged;
	cm.body = body;
	cm.auto_submitted = "auto-generated";
	cm.msgid_seed = seed;
	cm.msgid_domain = c->cfg->msgid_domain;
	cm.date = c->now;
	cm.x_loop = c->cfg->list_address;
	if ((msg = compose_build(&cm)) != NULL) {
		gsize len;
		const char *data = g_bytes_get_data(msg, &len);

		file = outbox_format(c->cfg->list_address, rcpt, data, len);
	}
	if (file == NULL) {
		fail(err, "cannot build a mail to <%s>", rcpt);
		goto out;
	}
	name = util_sha256_hex(seed, strlen(seed));
	name[32] = '\0';
	if (hold) {
		rel = g_strdup_printf("outbox/held/%s", name);
		txn_write_file(t, rel, file);
		g_free(rel);
		if (held)
			*held = g_strdup(name);
	} else {
		txn_queue_mail(t, name, file);
	}
	rc = 0;
out:
	if (file)
		g_bytes_unref(file);
	if (msg)
		g_bytes_unref(msg);
	g_free(name);
	g_free(tagged);
	g_free(body);
	g_free(subject);
	g_hash_table_unref(all);
	return rc;
}
