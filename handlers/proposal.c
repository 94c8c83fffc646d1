/*
 * proposal.c - an MC proposal: a new MC, a new version of one, or a
 * possible duplicate of someone else's.
 *
 * A mail is a new version of MC n when it answers n's thread (our reply or
 * an earlier version) or carries the same title, and its sender is n's
 * proposer or one of its leads.  The same or a very similar title from
 * anyone else creates nothing: the sender is told, and the MC's log says
 * so for the organizers.
 */
#include <string.h>

#include "../bot/log.h"
#include "../bot/util.h"
#include "classify.h"
#include "command.h"
#include "distance.h"
#include "handler.h"
#include "mc_index.h"
#include "proposal.h"

#define TITLE_MAX 200

static gboolean
proposal_match(const struct mail *m, const struct ctx *c)
{
	return c->kind == KIND_PROPOSAL;
}

/* Text attachments as the char * array extract_proposal() reads. */
static GPtrArray *
attachment_texts(const struct mail *m)
{
	GPtrArray *a = g_ptr_array_new();

	for (guint i = 0; i < m->attachments->len; i++)
		g_ptr_array_add(a, ((struct mail_attachment *)m->attachments->pdata[i])->text);
	return a;
}

struct proposal *
proposal_read(const struct mail *m)
{
	GPtrArray *atts = attachment_texts(m);
	struct proposal *p = extract_proposal(m->subject, m->text, atts);

	g_ptr_array_unref(atts);
	return p;
}

static gboolean
is_lead_of(const struct mc *mc, const char *addr)
{
	if (addr == NULL)
		return FALSE;
	if (mc->proposer && g_ascii_strcasecmp(mc->proposer, addr) == 0)
		return TRUE;
	for (guint i = 0; i < mc->p->leads->len; i++) {
		const struct person *l = mc->p->leads->pdata[i];

		if (l->email && g_ascii_strcasecmp(l->email, addr) == 0)
			return TRUE;
	}
	return FALSE;
}

static struct mc *
by_thread(const struct mail *m, const struct store *st)
{
	struct mc *mc = store_mc_by_thread(st, m->in_reply_to);

	for (guint i = m->references->len; mc == NULL && i > 0; i--)
		mc = store_mc_by_thread(st, m->references->pdata[i - 1]);
	return mc;
}

/* Typos allowed between slugs of lx and ly letters: one per ten letters,
 * and one in a name of six letters or more. */
static guint
slug_typos(gsize lx, gsize ly)
{
	return (guint)MAX(MAX(lx, ly) / 10, MIN(lx, ly) >= 6 ? 1 : 0);
}

static gboolean
slugs_similar(const char *x, gsize lx, const struct distance_sig *sx, const char *y, gsize ly,
	      const struct distance_sig *sy)
{
	if (lx == ly && memcmp(x, y, lx) == 0)
		return TRUE;
	return distance_near(x, lx, sx, y, ly, sy, FALSE, slug_typos(lx, ly));
}

gboolean
proposal_titles_similar(const char *a, const char *b)
{
	/* Slugs drop case, punctuation and a trailing "MC". */
	char *x = util_slugify(a, MC_KEY_SLUG_MAX), *y = util_slugify(b, MC_KEY_SLUG_MAX);
	gsize lx = strlen(x), ly = strlen(y);
	struct distance_sig sx, sy;
	gboolean same;

	distance_sig(x, lx, &sx);
	distance_sig(y, ly, &sy);
	same = slugs_similar(x, lx, &sx, y, ly, &sy);

	g_free(x);
	g_free(y);
	return same;
}

/* The first MC (by id) not withdrawn whose title is similar to title:
 * only MCs whose slug is within reach (length, signature) are compared. */
static struct mc *
by_title(const char *title, const struct store *st)
{
	const struct mc_index *ix = mc_index_sync(st);
	char *y = util_slugify(title, MC_KEY_SLUG_MAX);
	gsize ly = strlen(y);
	struct distance_sig sy;
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int));
	struct mc *found = NULL;

	distance_sig(y, ly, &sy);
	for (gsize lx = 0; lx < mc_index_lengths(ix, MC_FIELD_TS); lx++) {
		guint typos = slug_typos(lx, ly);
		const GArray *some = mc_index_length(ix, MC_FIELD_TS, lx);

		if ((lx > ly ? lx - ly : ly - lx) > typos || some == NULL)
			continue;
		for (guint i = 0; i < some->len; i++) {
			const struct mc_sized *e = &g_array_index(some, struct mc_sized, i);

			if (distance_sigs_near(&e->sig, &sy, FALSE, typos))
				g_array_append_val(ids, e->id);
		}
	}
	mc_index_ids_unique(ids);
	for (guint i = 0; i < ids->len && found == NULL; i++) {
		struct mc *mc = store_mc_by_id(st, g_array_index(ids, int, i));
		const struct mc_key *k = mc ? mc_index_key(ix, mc->id) : NULL;

		if (k && strcmp(mc->status, "withdrawn") != 0 &&
		    slugs_similar(k->ts, k->lts, &k->sts, y, ly, &sy))
			found = mc;
	}
	g_array_unref(ids);
	g_free(y);
	return found;
}

/* Give the sender's address to the lead with the sender's name; with no
 * leads written, the sender is the lead. */
static void
leads_with_sender(struct proposal *p, const struct mail *m)
{
	for (guint i = 0; i < p->leads->len; i++) {
		struct person *l = p->leads->pdata[i];

		if (l->email == NULL && m->from_name && *m->from_name &&
		    g_utf8_collate(l->name, m->from_name) == 0) {
			l->email = g_strdup(m->from_addr);
			return;
		}
		if (l->email && g_ascii_strcasecmp(l->email, m->from_addr) == 0)
			return;
	}
	if (p->leads->len == 0)
		g_ptr_array_add(p->leads, person_new(m->from_name && *m->from_name ? m->from_name
						     : m->from_addr, m->from_addr));
}

static void
add_thread(struct mc *mc, const char *id)
{
	if (id == NULL)
		return;
	for (guint i = 0; i < mc->threads->len; i++)
		if (strcmp(mc->threads->pdata[i], id) == 0)
			return;
	g_ptr_array_add(mc->threads, g_strdup(id));
}

static int
record_version(struct ctx *c, struct txn *t, const struct mail *m, struct mc *mc,
	       struct proposal *p, const char *kind)
{
	char *title = util_clean_line(p->title, TITLE_MAX);
	char *reply_id = reply_message_id(c, m, kind);

	proposal_free(mc->p);
	mc->p = p;
	g_free(mc->title);
	mc->title = title;
	g_free(p->title);
	p->title = g_strdup(title);
	mc->version++;
	mc->updated = c->now;
	add_thread(mc, m->message_id);
	add_thread(mc, reply_id);
	g_free(reply_id);
	txn_put_version(t, mc->id, mc->version, m->raw, m->raw_len);
	return 0;
}

static int
create(const struct mail *m, struct ctx *c, struct txn *t, struct result *res,
       struct proposal *p)
{
	struct mc *mc = txn_new_mc(t, p->title);
	char *action;
	int rc;

	mc->proposer = g_strdup(m->from_addr);
	mc->created = c->now;
	record_version(c, t, m, mc, p, "created");
	action = g_strdup_printf("proposed as \"%s\" (version 1)", mc->title);
	txn_log(t, mc->id, c->now, m->from_addr, action);
	g_free(action);
	rc = proposal_reply(c, t, m, mc, NULL, "created");
	res->detail = g_strdup_printf("MC-%d %s", mc->id, mc->slug);
	txn_put_mc(t, mc);
	res->outcome = "created";
	return rc;
}

static int
update(const struct mail *m, struct ctx *c, struct txn *t, struct result *res,
       const struct mc *old, struct proposal *p)
{
	struct mc *mc = mc_dup(old);
	char *changes = proposal_changes(old->p, p);
	char *kind = g_strdup_printf("updated-%d", old->version + 1);
	char *action;
	int rc;

	record_version(c, t, m, mc, p, kind);
	action = g_strdup_printf("updated to version %d by mail: %s", mc->version, changes);
	txn_log(t, mc->id, c->now, m->from_addr, action);
	rc = proposal_reply(c, t, m, mc, changes, kind);
	res->outcome = "updated";
	res->detail = g_strdup_printf("MC-%d version %d", mc->id, mc->version);
	txn_put_mc(t, mc);
	g_free(action);
	g_free(kind);
	g_free(changes);
	return rc;
}

static int
duplicate(const struct mail *m, struct ctx *c, struct txn *t, struct result *res,
	  const struct mc *mc, struct proposal *p)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	GString *err = g_string_new(NULL);
	char *dup = g_strdup_printf("MC-%d \"%s\"", mc->id, mc->title);
	char *action = g_strdup_printf("possible duplicate proposed by %s: \"%s\"",
				       m->from_addr, p->title);
	int rc;

	g_hash_table_insert(vars, "duplicate_of", dup);
	g_hash_table_insert(vars, "mc_title", p->title);
	txn_log(t, mc->id, c->now, m->from_addr, action);
	rc = reply_queue(c, t, m, "duplicate", "proposal-duplicate", vars, 0, err);
	res->outcome = "duplicate";
	res->detail = g_strdup_printf("of MC-%d", mc->id);
	if (rc < 0)
		log_warnx("%s: %s", m->key, err->str);
	g_free(action);
	g_free(dup);
	g_string_free(err, TRUE);
	g_hash_table_unref(vars);
	proposal_free(p);
	return rc;
}

/* The CfP is closed: a new MC is not recorded; the sender is told. */
static int
closed(const struct mail *m, struct ctx *c, struct txn *t, struct result *res,
       struct proposal *p)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	GString *err = g_string_new(NULL);

	g_hash_table_insert(vars, "mc_title", p->title);
	if (reply_queue(c, t, m, "closed", "proposal-closed", vars, 0, err) < 0)
		log_warnx("%s: reply: %s", m->key, err->str);
	res->outcome = "cfp-closed";
	g_string_free(err, TRUE);
	g_hash_table_unref(vars);
	proposal_free(p);
	return 0;
}

static gboolean
usable(const struct proposal *p)
{
	return p->title && *p->title &&
	       ((p->description && strlen(p->description) >= 40) || p->topics->len > 0);
}

static int
proposal_handle(const struct mail *m, struct ctx *c, struct txn *t, struct result *res)
{
	struct proposal *p = proposal_read(m);
	struct mc *mc;

	res->folder = FOLDER_DONE;
	if (!usable(p)) {
		int rc = proposal_reply_incomplete(c, t, m, p);

		res->outcome = "incomplete";
		proposal_free(p);
		return rc;
	}
	leads_with_sender(p, m);
	mc = by_thread(m, c->store);
	if (mc == NULL)
		mc = by_title(p->title, c->store);
	if (mc == NULL)
		return command_cfp_open(c->store) ? create(m, c, t, res, p) : closed(m, c, t, res, p);
	if (is_lead_of(mc, m->from_addr))
		return update(m, c, t, res, mc, p);
	return duplicate(m, c, t, res, mc, p);
}

const struct handler handler_proposal = { "proposal", proposal_match, proposal_handle };
