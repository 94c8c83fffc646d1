/*
 * proposal_reply.c - the reply that says what mcbot understood of a
 * proposal, and what changed between versions.
 */
#include <string.h>

#include "../bot/log.h"
#include "command.h"
#include "proposal.h"

static char *
list_lines(GPtrArray *items, const char *none)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < items->len; i++)
		g_string_append_printf(s, "  - %s\n", (char *)items->pdata[i]);
	if (items->len == 0)
		g_string_append_printf(s, "  %s\n", none);
	return g_string_free(s, FALSE);
}

static char *
leads_lines(const struct proposal *p, char **without)
{
	GString *s = g_string_new(NULL), *w = g_string_new(NULL);

	for (guint i = 0; i < p->leads->len; i++) {
		const struct person *l = p->leads->pdata[i];

		if (l->email)
			g_string_append_printf(s, "  - %s <%s>\n", l->name, l->email);
		else {
			g_string_append_printf(s, "  - %s (no address)\n", l->name);
			g_string_append_printf(w, "%s%s", w->len ? ", " : "", l->name);
		}
	}
	*without = g_string_free(w, FALSE);
	return g_string_free(s, FALSE);
}

char *
proposal_missing(const struct mc *mc)
{
	const struct proposal *p = mc->p;
	GString *s = g_string_new(NULL);
	gboolean noaddr = FALSE;

	for (guint i = 0; i < p->leads->len; i++)
		noaddr |= ((struct person *)p->leads->pdata[i])->email == NULL;
	if (p->description == NULL || strlen(p->description) < 40)
		g_string_append(s, "  - a description of the MC\n");
	if (p->topics->len == 0)
		g_string_append(s, "  - a list of topics\n");
	if (noaddr)
		g_string_append(s, "  - an address for every lead\n");
	if (p->attendees->len == 0)
		g_string_append(s, "  - key attendees (people who plan to come)\n");
	return g_string_free(s, FALSE);
}

int
proposal_reply(struct ctx *c, struct txn *t, const struct mail *m, const struct mc *mc,
	       const char *changes, const char *kind)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	GString *err = g_string_new(NULL);
	char *id = g_strdup_printf("%d", mc->id), *ref = g_strdup_printf("MC-%d", mc->id);
	char *ver = g_strdup_printf("%d", mc->version);
	char *ntopics = g_strdup_printf("%u", mc->p->topics->len);
	char *natt = g_strdup_printf("%u", mc->p->attendees->len);
	char *without = NULL, *leads = leads_lines(mc->p, &without);
	char *topics = list_lines(mc->p->topics, "(none found)");
	char *att = list_lines(mc->p->attendees, "(none found)");
	char *missing = proposal_missing(mc);
	char *deadline = command_deadline(c->store, c->cfg);
	int rc;

	g_hash_table_insert(vars, "mc_id", id);
	g_hash_table_insert(vars, "mc_ref", ref);
	g_hash_table_insert(vars, "mc_slug", mc->slug);
	g_hash_table_insert(vars, "mc_title", mc->title);
	g_hash_table_insert(vars, "mc_version", ver);
	g_hash_table_insert(vars, "mc_status", mc->status);
	g_hash_table_insert(vars, "leads", leads);
	g_hash_table_insert(vars, "leads_without_address", without);
	g_hash_table_insert(vars, "topics", topics);
	g_hash_table_insert(vars, "topics_count", ntopics);
	g_hash_table_insert(vars, "attendees", att);
	g_hash_table_insert(vars, "attendees_count", natt);
	g_hash_table_insert(vars, "missing", missing);
	/* An organizer's "deadline" command wins over the configured one. */
	g_hash_table_insert(vars, "deadline", deadline ? deadline : "");
	if (changes)
		g_hash_table_insert(vars, "changes", (char *)changes);
	rc = reply_queue(c, t, m, kind, changes ? "proposal-updated" : "proposal-created", vars,
			 mc->id, err);
	if (rc < 0)
		log_warnx("%s: reply: %s", m->key, err->str);
	g_free(deadline);
	g_free(missing);
	g_free(att);
	g_free(topics);
	g_free(leads);
	g_free(without);
	g_free(natt);
	g_free(ntopics);
	g_free(ver);
	g_free(ref);
	g_free(id);
	g_string_free(err, TRUE);
	g_hash_table_unref(vars);
	/* A reply that cannot be addressed is not a reason to lose the proposal. */
	return 0;
}

int
proposal_reply_incomplete(struct ctx *c, struct txn *t, const struct mail *m,
			  const struct proposal *p)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	GString *err = g_string_new(NULL), *why = g_string_new(NULL);
	char *form = templates_form(c->tpl);
	char *deadline = command_deadline(c->store, c->cfg);

	if (p->title == NULL || *p->title == '\0')
		g_string_append(why, "  - a title (the Subject, or a \"Title:\" line)\n");
	if ((p->description == NULL || strlen(p->description) < 40) && p->topics->len == 0)
		g_string_append(why, "  - a description of the MC, or a list of its topics\n");
	g_hash_table_insert(vars, "missing", why->str);
	g_hash_table_insert(vars, "form", form);
	if (deadline)
		g_hash_table_insert(vars, "deadline", deadline);
	if (reply_queue(c, t, m, "incomplete", "proposal-incomplete", vars, 0, err) < 0)
		log_warnx("%s: reply: %s", m->key, err->str);
	g_free(deadline);
	g_free(form);
	g_string_free(why, TRUE);
	g_string_free(err, TRUE);
	g_hash_table_unref(vars);
	return 0;
}

static gboolean
same_list(GPtrArray *a, GPtrArray *b)
{
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++)
		if (strcmp(a->pdata[i], b->pdata[i]) != 0)
			return FALSE;
	return TRUE;
}

static char *
lead_names(const struct proposal *p)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < p->leads->len; i++) {
		const struct person *l = p->leads->pdata[i];

		g_string_append_printf(s, "%s%s <%s>", i ? ", " : "", l->name,
				       l->email ? l->email : "");
	}
	return g_string_free(s, FALSE);
}

char *
proposal_changes(const struct proposal *old, const struct proposal *new_)
{
	GString *s = g_string_new(NULL);
	char *a = lead_names(old), *b = lead_names(new_);

	if (g_strcmp0(old->title, new_->title) != 0)
		g_string_append_printf(s, "  - title: \"%s\" -> \"%s\"\n", old->title, new_->title);
	if (strcmp(a, b) != 0)
		g_string_append_printf(s, "  - leads: %s\n", b);
	if (!same_list(old->topics, new_->topics))
		g_string_append_printf(s, "  - topics: %u -> %u\n", old->topics->len,
				       new_->topics->len);
	if (!same_list(old->attendees, new_->attendees))
		g_string_append_printf(s, "  - attendees: %u -> %u\n", old->attendees->len,
				       new_->attendees->len);
	if (g_strcmp0(old->description, new_->description) != 0)
		g_string_append(s, "  - description changed\n");
	if (g_strcmp0(old->accomplishments, new_->accomplishments) != 0)
		g_string_append(s, "  - accomplishments changed\n");
	if (!same_list(old->constraints, new_->constraints))
		g_string_append(s, "  - constraints changed\n");
	if (s->len == 0)
		g_string_append(s, "  - no changes\n");
	g_free(a);
	g_free(b);
	return g_string_free(s, FALSE);
}
