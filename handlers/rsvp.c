/*
 * rsvp.c - the RSVP handler: add or remove the sender in the MC's list of
 * attendees, and tell them the MC, the new count and how to cancel.
 *
 * The list is keyed by the sender's address (From only, never a name or a
 * Reply-To): a second RSVP changes nothing and is answered all the same; a
 * decline or "cancel" removes the address.  A name that fits no open MC,
 * or several, records nothing: the reply lists the open MCs, the closest
 * to what was written first.
 */
#include <string.h>

#include "../bot/log.h"
#include "../bot/util.h"
#include "classify.h"
#include "handler.h"
#include "rsvp.h"

#define RSVP_NAME_MAX 200

const char *
rsvp_states(const struct config *cfg)
{
	return cfg->rsvp_states && *cfg->rsvp_states ? cfg->rsvp_states : RSVP_STATES_DEFAULT;
}

static gboolean
rsvp_match(const struct mail *m, const struct ctx *c)
{
	return c->kind == KIND_RSVP;
}

static int
attendee_index(const struct mc *mc, const char *addr)
{
	for (guint i = 0; i < mc->rsvps->len; i++) {
		const struct rsvp *r = mc->rsvps->pdata[i];

		if (g_ascii_strcasecmp(r->email, addr) == 0)
			return (int)i;
	}
	return -1;
}

/* Values a template may show about mc (the table frees them). */
static GHashTable *
mc_vars(const struct mc *mc)
{
	GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);

	g_hash_table_insert(v, "mc_id", g_strdup_printf("%d", mc->id));
	g_hash_table_insert(v, "mc_ref", g_strdup_printf("MC-%d", mc->id));
	g_hash_table_insert(v, "mc_slug", g_strdup(mc->slug));
	g_hash_table_insert(v, "mc_title", g_strdup(mc->title));
	g_hash_table_insert(v, "mc_status", g_strdup(mc->status));
	g_hash_table_insert(v, "attendees_count", g_strdup_printf("%u", mc->rsvps->len));
	g_hash_table_insert(v, "attending", g_strdup("yes"));
	return v;
}

/* Queue the reply; -1 when it cannot be rendered (a configuration problem:
 * the mail is kept and tried again). */
static int
answer(struct ctx *c, struct txn *t, const struct mail *m, const char *tpl, GHashTable *vars,
       int mc_id)
{
	GString *err = g_string_new(NULL);
	int rc = reply_queue(c, t, m, "rsvp", tpl, vars, mc_id, err);

	if (rc < 0)
		log_warnx("%s: %s reply: %s", m->key, tpl, err->str);
	g_string_free(err, TRUE);
	return rc;
}

/* Add the sender to old's list and reply: a line appended to the MC's
 * lists, however many attendees it has (txn_add_rsvp). */
static int
add(const struct mail *m, struct ctx *c, struct txn *t, struct result *res,
    const struct mc *old)
{
	char *reply_id = reply_message_id(c, m, "rsvp"), *action;
	struct rsvp r = { .email = m->from_addr, .date = c->now };
	GHashTable *vars = mc_vars(old);
	guint n = old->rsvps->len + 1;
	int rc;

	r.name = util_clean_line(m->from_name ? m->from_name : "", RSVP_NAME_MAX);
	g_hash_table_insert(vars, "attendees_count", g_strdup_printf("%u", n));
	action = g_strdup_printf("rsvp: attending (%u attendees)", n);
	res->outcome = "rsvp";
	/* A reply to our answer is in this MC's thread too. */
	rc = answer(c, t, m, "rsvp-recorded", vars, old->id);
	res->detail = g_strdup_printf("MC-%d, %u attendees", old->id, n);
	txn_add_rsvp(t, old->id, &r, reply_id);
	txn_log(t, old->id, c->now, m->from_addr, action);
	g_hash_table_unref(vars);
	g_free(r.name);
	g_free(reply_id);
	g_free(action);
	return rc;
}

/* Remove entry idx of old's list and reply. */
static int
cancel(const struct mail *m, struct ctx *c, struct txn *t, struct result *res,
       const struct mc *old, int idx)
{
	struct mc *mc = mc_dup(old);
	char *reply_id = reply_message_id(c, m, "rsvp"), *action;
	GHashTable *vars;
	int rc;

	g_ptr_array_remove_index(mc->rsvps, (guint)idx);
	action = g_strdup_printf("rsvp cancelled (%u attendees)", mc->rsvps->len);
	res->outcome = "rsvp-cancel";
	/* A reply to our answer is in this MC's thread too. */
	g_ptr_array_add(mc->threads, reply_id);
	vars = mc_vars(mc);
	rc = answer(c, t, m, "rsvp-cancelled", vars, mc->id);
	res->detail = g_strdup_printf("MC-%d, %u attendees", mc->id, mc->rsvps->len);
	txn_put_rsvps(t, mc);
	txn_log(t, mc->id, c->now, m->from_addr, action);
	txn_put_mc(t, mc);
	g_hash_table_unref(vars);
	g_free(action);
	return rc;
}

/* The sender is already where they asked to be: nothing changes. */
static int
unchanged(const struct mail *m, struct ctx *c, struct txn *t, struct result *res,
	  const struct mc *mc, const char *tpl, const char *outcome)
{
	GHashTable *vars = mc_vars(mc);
	int rc = answer(c, t, m, tpl, vars, mc->id);

	res->outcome = outcome;
	res->detail = g_strdup_printf("MC-%d, %u attendees", mc->id, mc->rsvps->len);
	g_hash_table_unref(vars);
	return rc;
}

static char *
mc_lines(GPtrArray *mcs, guint n)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < mcs->len && i < n; i++) {
		const struct mc *mc = mcs->pdata[i];

		g_string_append_printf(s, "MC-%d  %s\n", mc->id, mc->title);
	}
	return g_string_free(s, FALSE);
}

static char *
why_not(const struct rsvp_resolution *rr)
{
	switch (rr->found) {
	case RSVP_CLOSED:
		return g_strdup_printf("MC-%d \"%s\" is %s and does not take RSVPs.", rr->mc->id,
				       rr->mc->title, rr->mc->status);
	case RSVP_AMBIGUOUS:
		return g_strdup_printf("\"%s\" could mean more than one microconference.",
				       rr->name);
	default:
		if (rr->name)
			return g_strdup_printf("We found no open microconference called \"%s\".",
					       rr->name);
		return g_strdup("Your mail does not say which microconference you mean.");
	}
}

/* Nothing recorded: say why, and list the open MCs, closest first. */
static int
not_found(const struct mail *m, struct ctx *c, struct txn *t, struct result *res,
	  const struct rsvp_resolution *rr)
{
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	int rc;

	g_hash_table_insert(vars, "reason", why_not(rr));
	g_hash_table_insert(vars, "closest", mc_lines(rr->closest, (guint)rr->n_close));
	g_hash_table_insert(vars, "mc_list", mc_lines(rr->closest, G_MAXUINT));
	g_hash_table_insert(vars, "mc_count", g_strdup_printf("%u", rr->closest->len));
	if (rr->found == RSVP_CLOSED) {
		g_hash_table_insert(vars, "mc_ref", g_strdup_printf("MC-%d", rr->mc->id));
		g_hash_table_insert(vars, "mc_title", g_strdup(rr->mc->title));
		g_hash_table_insert(vars, "mc_status", g_strdup(rr->mc->status));
	}
	rc = answer(c, t, m, "rsvp-unknown", vars, 0);
	res->outcome = rr->found == RSVP_CLOSED ? "rsvp-closed" :
		       rr->found == RSVP_AMBIGUOUS ? "rsvp-ambiguous" : "rsvp-unknown";
	res->detail = rr->name ? util_clean_line(rr->name, 80) : NULL;
	g_hash_table_unref(vars);
	return rc;
}

static int
rsvp_handle(const struct mail *m, struct ctx *c, struct txn *t, struct result *res)
{
	struct rsvp_req *req = rsvp_read(m, c->cfg->list_address, c->cfg->tag);
	struct rsvp_resolution rr;
	int rc, idx;

	res->folder = FOLDER_DONE;
	if (m->from_addr == NULL || !util_addr_ok(m->from_addr)) {
		/* No address to record or to answer. */
		res->folder = FOLDER_FAILED;
		res->outcome = "rsvp-no-address";
		rsvp_req_free(req);
		return 0;
	}
	/* A decline may reach an MC in any state: it only ever removes. */
	rsvp_resolve(req, m, c->store, req->attending ? rsvp_states(c->cfg) : NULL, &rr);
	if (rr.found != RSVP_FOUND) {
		rc = not_found(m, c, t, res, &rr);
		goto out;
	}
	idx = attendee_index(rr.mc, m->from_addr);
	if (req->attending)
		rc = idx < 0 ? add(m, c, t, res, rr.mc)
			     : unchanged(m, c, t, res, rr.mc, "rsvp-duplicate", "rsvp-again");
	else
		rc = idx >= 0 ? cancel(m, c, t, res, rr.mc, idx)
			      : unchanged(m, c, t, res, rr.mc, "rsvp-declined", "rsvp-declined");
out:
	rsvp_resolution_clear(&rr);
	rsvp_req_free(req);
	return rc;
}

const struct handler handler_rsvp = { "rsvp", rsvp_match, rsvp_handle };
