/*
 * command_verbs.c - the commands that change MCs: decisions (accept,
 * reject, waitlist) and their mails to the leads, withdraw, merge, leads,
 * undo and release.
 *
 * A decision is remembered in org/decisions so that "undo" can take back
 * the newest one; its mails wait in outbox/held/ until "release" when
 * [organizers] hold_decisions is on, so that undo can also take them back.
 */
#include <string.h>

#include "../bot/util.h"
#include "command_p.h"

#define NOTE_MAX 500

/* Leads with an address, then the proposer, each address once:
 * struct person * borrowed from mc, the proposer's made here (owned). */
static GPtrArray *
recipients(const struct mc *mc, struct person **proposer)
{
	GPtrArray *out = g_ptr_array_new();
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	*proposer = NULL;
	for (guint i = 0; i < mc->p->leads->len; i++) {
		struct person *l = mc->p->leads->pdata[i];
		char *low;

		if (l->email == NULL || !util_addr_ok(l->email))
			continue;
		low = g_ascii_strdown(l->email, -1);
		if (!g_hash_table_contains(seen, low))
			g_ptr_array_add(out, l);
		g_hash_table_add(seen, low);
	}
	if (mc->proposer && util_addr_ok(mc->proposer)) {
		char *low = g_ascii_strdown(mc->proposer, -1);

		if (!g_hash_table_contains(seen, low)) {
			*proposer = person_new(mc->proposer, mc->proposer);
			g_ptr_array_add(out, *proposer);
		}
		g_free(low);
	}
	g_hash_table_unref(seen);
	return out;
}

/* Mail the decision d about mc to its leads; returns how many mails. */
static int
tell_leads(struct cmd_run *r, const struct mc *mc, const struct org_decision *d,
	   const char *note, GString *problems)
{
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	char *tpl = g_strdup_printf("decision-%s", d->after);
	struct person *proposer;
	GPtrArray *to = recipients(mc, &proposer);
	GString *err = g_string_new(NULL);
	gboolean hold = r->c->cfg->hold_decisions;
	int n = 0;

	g_hash_table_insert(vars, "mc_id", g_strdup_printf("%d", mc->id));
	g_hash_table_insert(vars, "mc_ref", g_strdup_printf("MC-%d", mc->id));
	g_hash_table_insert(vars, "mc_title", g_strdup(mc->title));
	g_hash_table_insert(vars, "mc_slug", g_strdup(mc->slug));
	g_hash_table_insert(vars, "decision", g_strdup(d->after));
	g_hash_table_insert(vars, "reason", g_strdup(note ? note : ""));
	for (guint i = 0; i < to->len; i++) {
		const struct person *p = to->pdata[i];
		char *seed = g_strdup_printf("%s/decision/%d/%s", r->m->key, d->seq, p->email);
		char *held = NULL;

		if (cmd_mail(r->c, r->t, tpl, vars, p->email, p->name, seed, mc->id, hold, &held,
			     err) < 0) {
			g_string_append_printf(problems, "\nnot told: %s (%s)", p->email, err->str);
		} else {
			n++;
		}
		if (held) {
			struct org_held *h = g_new0(struct org_held, 1);

			h->name = held;
			h->mc_id = mc->id;
			h->decision = d->seq;
			h->rcpt = g_strdup(p->email);
			g_ptr_array_add(r->org->held, h);
			r->org->dirty |= ORG_HELD;
		}
		g_free(seed);
	}
	person_free(proposer);
	g_ptr_array_unref(to);
	g_string_free(err, TRUE);
	g_free(tpl);
	g_hash_table_unref(vars);
	return n;
}

void
cmd_decide(struct cmd_run *r, struct cmd *cmd, const char *status)
{
	const char *rest = NULL;
	struct mc *mc = cmd_need_mc(r, cmd, &rest);
	struct org_decision *d;
	GString *problems;
	char *note, *before;
	int n;

	if (mc == NULL)
		return;
	if (strcmp(mc->status, "withdrawn") == 0) {
		cmd_fail(r->s, cmd, "MC-%d was withdrawn; it cannot be %s", mc->id, status);
		return;
	}
	if (strcmp(mc->status, status) == 0) {
		cmd_done(cmd, "MC-%d \"%s\" is %s already; nothing changed, nobody told", mc->id,
			 mc->title, status);
		return;
	}
	note = util_clean_line(rest, NOTE_MAX);
	before = mc->status;
	mc->status = g_strdup(status);
	d = org_add_decision(r->org, r->c->now, mc->id, before, status, r->actor);
	cmd_mc_log(r, mc, "%s (was %s)%s%s", status, before, *note ? ": " : "", note);
	problems = g_string_new(NULL);
	n = tell_leads(r, mc, d, note, problems);
	cmd_done(cmd, "MC-%d \"%s\": %s -> %s%s%s; %s%s", mc->id, mc->title, before, status,
		 *note ? ", note: " : "", note, n == 0 ? "nobody to tell (no lead has an address)" :
		 r->c->cfg->hold_decisions ? "the mail to the leads is held until \"release\"" :
		 "the leads are told", problems->str);
	g_string_free(problems, TRUE);
	g_free(before);
	g_free(note);
}

void
cmd_withdraw(struct cmd_run *r, struct cmd *cmd)
{
	const char *rest = NULL;
	struct mc *mc = cmd_need_mc(r, cmd, &rest);
	char *note;

	if (mc == NULL)
		return;
	if (strcmp(mc->status, "withdrawn") == 0) {
		cmd_done(cmd, "MC-%d is withdrawn already", mc->id);
		return;
	}
	note = util_clean_line(rest, NOTE_MAX);
	cmd_mc_log(r, mc, "withdrawn (was %s)%s%s", mc->status, *note ? ": " : "", note);
	cmd_done(cmd, "MC-%d \"%s\": %s -> withdrawn", mc->id, mc->title, mc->status);
	g_free(mc->status);
	mc->status = g_strdup("withdrawn");
	g_free(note);
}

static gboolean
has_rsvp(const struct mc *mc, const char *email)
{
	for (guint i = 0; i < mc->rsvps->len; i++)
		if (g_ascii_strcasecmp(((struct rsvp *)mc->rsvps->pdata[i])->email, email) == 0)
			return TRUE;
	return FALSE;
}

/* X's history, line by line, into Y's log. */
static void
carry_history(struct cmd_run *r, const struct mc *x, const struct mc *y)
{
	char *rel = g_strdup_printf("mc/%d/log", x->id);
	GBytes *b = store_read_file(r->c->store, rel, 0);
	char **lines = g_strsplit(b ? g_bytes_get_data(b, NULL) : "", "\n", -1);

	for (int i = 0; lines[i]; i++) {
		char **f = g_strsplit(lines[i], "\t", 3);

		if (g_strv_length(f) == 3) {
			char *what = g_strdup_printf("MC-%d: %s", x->id, f[2]);

			txn_log(r->t, y->id, g_ascii_strtoll(f[0], NULL, 10), f[1], what);
			g_free(what);
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	if (b)
		g_bytes_unref(b);
	g_free(rel);
}

/* "X into Y": the first " into " that leaves an MC on both sides. */
static gboolean
merge_pair(struct cmd_run *r, const char *args, struct mc **x, struct mc **y)
{
	GRegex *re = g_regex_new("\\s+into\\s+", G_REGEX_CASELESS, 0, NULL);
	GMatchInfo *mi = NULL;
	gboolean ok = FALSE;

	g_regex_match(re, args, 0, &mi);
	while (!ok && g_match_info_matches(mi)) {
		int start, end;
		char *left;

		g_match_info_fetch_pos(mi, 0, &start, &end);
		left = g_strndup(args, (gsize)start);
		*x = cmd_mc(r, left, NULL);
		*y = cmd_mc(r, args + end, NULL);
		ok = *x && *y;
		g_free(left);
		g_match_info_next(mi, NULL);
	}
	g_match_info_free(mi);
	g_regex_unref(re);
	return ok;
}

void
cmd_merge(struct cmd_run *r, struct cmd *cmd)
{
	struct mc *x = NULL, *y = NULL;
	guint moved = 0;

	if (!merge_pair(r, cmd->args, &x, &y)) {
		cmd_fail(r->s, cmd, "merge needs two MCs: merge MC into MC");
		return;
	}
	if (x == y) {
		cmd_fail(r->s, cmd, "an MC cannot be merged into itself");
		return;
	}
	if (strcmp(x->status, "withdrawn") == 0) {
		cmd_fail(r->s, cmd, "MC-%d is withdrawn already", x->id);
		return;
	}
	for (guint i = 0; i < x->rsvps->len; i++) {
		const struct rsvp *o = x->rsvps->pdata[i];
		struct rsvp *c;

		if (has_rsvp(y, o->email))
			continue;
		c = g_new0(struct rsvp, 1);
		c->email = g_strdup(o->email);
		c->name = g_strdup(o->name);
		c->date = o->date;
		g_ptr_array_add(y->rsvps, c);
		moved++;
	}
	g_ptr_array_set_size(x->rsvps, 0);
	/* Replies in X's threads now reach Y. */
	for (guint i = 0; i < x->threads->len; i++)
		g_ptr_array_add(y->threads, g_strdup(x->threads->pdata[i]));
	g_ptr_array_set_size(x->threads, 0);
	g_hash_table_add(r->rsvps_changed, GINT_TO_POINTER(x->id));
	g_hash_table_add(r->rsvps_changed, GINT_TO_POINTER(y->id));
	carry_history(r, x, y);
	cmd_mc_log(r, y, "MC-%d \"%s\" merged into this MC: %u RSVPs added", x->id, x->title,
		   moved);
	cmd_mc_log(r, x, "merged into MC-%d \"%s\" (was %s)", y->id, y->title, x->status);
	g_free(x->status);
	x->status = g_strdup("withdrawn");
	cmd_done(cmd, "MC-%d merged into MC-%d \"%s\": %u RSVPs added (%u now), history copied, "
		 "MC-%d withdrawn; its leads were not added (use \"lead add\")", x->id, y->id,
		 y->title, moved, y->rsvps->len, x->id);
}

/* "Name <addr>", "addr" or "Name addr": the address (domain lowercased) and a name. */
static gboolean
lead_words(const char *rest, char **name, char **addr)
{
	const char *lt = strchr(rest, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	char *a, *n, *at;

	if (lt && gt) {
		a = g_strndup(lt + 1, (gsize)(gt - lt - 1));
		n = g_strndup(rest, (gsize)(lt - rest));
	} else {
		const char *sp = strrchr(rest, ' ');

		a = g_strdup(sp ? sp + 1 : rest);
		n = g_strndup(rest, sp ? (gsize)(sp - rest) : 0);
	}
	g_strstrip(a);
	if (!util_addr_ok(a)) {
		g_free(a);
		g_free(n);
		return FALSE;
	}
	for (at = strrchr(a, '@'); *at; at++)
		*at = g_ascii_tolower(*at);
	*addr = a;
	*name = util_clean_line(g_strstrip(n), 200);
	g_free(n);
	if (**name == '\0') {
		g_free(*name);
		*name = g_strndup(a, strcspn(a, "@"));
	}
	return TRUE;
}

void
cmd_lead(struct cmd_run *r, struct cmd *cmd, gboolean add)
{
	const char *rest = NULL;
	struct mc *mc = cmd_need_mc(r, cmd, &rest);
	GPtrArray *leads;
	char *name = NULL, *addr = NULL;
	int at = -1;

	if (mc == NULL)
		return;
	if (!lead_words(rest, &name, &addr)) {
		cmd_fail(r->s, cmd, "no valid address in \"%s\"", rest);
		return;
	}
	leads = mc->p->leads;
	for (guint i = 0; i < leads->len && at < 0; i++) {
		const struct person *l = leads->pdata[i];

		if (l->email && g_ascii_strcasecmp(l->email, addr) == 0)
			at = (int)i;
	}
	if (add && at >= 0) {
		cmd_done(cmd, "%s is a lead of MC-%d already", addr, mc->id);
	} else if (add) {
		g_ptr_array_add(leads, person_new(name, addr));
		cmd_mc_log(r, mc, "lead added: %s <%s>", name, addr);
		cmd_done(cmd, "MC-%d: %s <%s> is now a lead (%u in all)", mc->id, name, addr,
			 leads->len);
	} else if (at < 0) {
		cmd_fail(r->s, cmd, "no lead of MC-%d has the address %s", mc->id, addr);
	} else {
		cmd_mc_log(r, mc, "lead removed: %s <%s>",
			   ((struct person *)leads->pdata[at])->name, addr);
		g_ptr_array_remove_index(leads, (guint)at);
		cmd_done(cmd, "MC-%d: %s is no longer a lead (%u left)", mc->id, addr, leads->len);
	}
	g_free(name);
	g_free(addr);
}

/* Forget the held mails of decision seq; how many there were. */
static int
drop_held(struct cmd_run *r, int seq)
{
	int n = 0;

	for (guint i = r->org->held->len; i > 0; i--) {
		struct org_held *h = r->org->held->pdata[i - 1];
		char *rel;

		if (h->decision != seq)
			continue;
		rel = g_strdup_printf("outbox/held/%s", h->name);
		txn_remove_file(r->t, rel);
		g_free(rel);
		g_ptr_array_remove_index(r->org->held, i - 1);
		r->org->dirty |= ORG_HELD;
		n++;
	}
	return n;
}

void
cmd_undo(struct cmd_run *r, struct cmd *cmd)
{
	struct org_decision *d = org_last_decision(r->org);
	struct mc *mc = d ? cmd_mc_by_id(r, d->mc_id) : NULL;
	int n;

	if (mc == NULL) {
		cmd_fail(r->s, cmd, "there is no decision to undo");
		return;
	}
	if (strcmp(mc->status, d->after) != 0) {
		cmd_fail(r->s, cmd, "the last decision made MC-%d %s, but it is %s now; change it "
			 "with accept, reject or waitlist", mc->id, d->after, mc->status);
		return;
	}
	g_free(mc->status);
	mc->status = g_strdup(d->before);
	d->undone = TRUE;
	r->org->dirty |= ORG_DECISIONS;
	n = drop_held(r, d->seq);
	cmd_mc_log(r, mc, "undo: %s -> %s", d->after, d->before);
	cmd_done(cmd, "MC-%d \"%s\": %s -> %s again; %s", mc->id, mc->title, d->after, d->before,
		 n > 0 ? "its held mails to the leads are withdrawn" :
		 "its mails to the leads had gone out already: tell them yourself");
}

void
cmd_release(struct cmd_run *r, struct cmd *cmd)
{
	GString *which = g_string_new(NULL);
	char *action;
	guint n = 0;

	for (guint i = 0; i < r->org->held->len; i++) {
		const struct org_held *h = r->org->held->pdata[i];
		char *rel = g_strdup_printf("outbox/held/%s", h->name);
		GBytes *b = store_read_file(r->c->store, rel, 0);

		if (b) {
			txn_queue_mail(r->t, h->name, b);
			g_bytes_unref(b);
			g_string_append_printf(which, "\nMC-%d to %s", h->mc_id, h->rcpt);
			n++;
		}
		txn_remove_file(r->t, rel);
		g_free(rel);
	}
	if (r->org->held->len == 0) {
		cmd_done(cmd, "no mail is held");
	} else {
		g_ptr_array_set_size(r->org->held, 0);
		r->org->dirty |= ORG_HELD;
		action = g_strdup_printf("released %u held decision mails", n);
		org_log(r->t, r->c->now, r->actor, action);
		g_free(action);
		r->changed++;
		cmd_done(cmd, "%u decision mail%s sent:%s", n, n == 1 ? "" : "s", which->str);
	}
	g_string_free(which, TRUE);
}
