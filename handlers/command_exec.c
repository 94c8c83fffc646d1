/*
 * command_exec.c - running organizer commands: naming MCs, the commands
 * that read (list, show), those about the call itself (cfp, deadline,
 * announce, digest), rename and note.  Decisions and the other changes to
 * MCs are in command_verbs.c.
 *
 * Every change goes into the mail's transaction.  An MC changed by
 * several commands of one mail is changed in one working copy, put into
 * the transaction at the end, so later commands see earlier ones.
 */
#include <stdarg.h>
#include <string.h>

#include "../bot/announce.h"
#include "../bot/digest.h"
#include "../bot/util.h"
#include "command.h"
#include "command_p.h"
#include "rsvp.h"

#define CMD_TITLE_MAX 200
#define CMD_SHOW_LOG 8

void
cmd_run_init(struct cmd_run *r, struct ctx *c, struct txn *t, const struct mail *m,
	     struct cmd_script *s, const char *actor, const char *proof, struct org_state *org)
{
	memset(r, 0, sizeof *r);
	r->c = c;
	r->t = t;
	r->m = m;
	r->s = s;
	r->actor = actor;
	r->proof = proof;
	r->org = org;
	r->work = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					(GDestroyNotify)mc_free);
	r->order = g_array_new(FALSE, FALSE, sizeof(int));
	r->rsvps_changed = g_hash_table_new(g_direct_hash, g_direct_equal);
}

void
cmd_run_finish(struct cmd_run *r)
{
	for (guint i = 0; i < r->order->len; i++) {
		int id = g_array_index(r->order, int, i);
		struct mc *mc = g_hash_table_lookup(r->work, GINT_TO_POINTER(id));

		if (g_hash_table_contains(r->rsvps_changed, GINT_TO_POINTER(id)))
			txn_put_rsvps(r->t, mc);
		g_hash_table_steal(r->work, GINT_TO_POINTER(id));
		txn_put_mc(r->t, mc);
	}
	g_hash_table_unref(r->work);
	g_array_unref(r->order);
	g_hash_table_unref(r->rsvps_changed);
}

struct mc *
cmd_mc_by_id(struct cmd_run *r, int id)
{
	struct mc *mc = g_hash_table_lookup(r->work, GINT_TO_POINTER(id));

	if (mc == NULL) {
		const struct mc *orig = store_mc_by_id(r->c->store, id);

		if (orig == NULL)
			return NULL;
		mc = mc_dup(orig);
		g_hash_table_insert(r->work, GINT_TO_POINTER(id), mc);
	}
	return mc;
}

static const char *
after_name(const char *p)
{
	p += strspn(p, " \t");
	if (*p == ':')
		p++;
	return p + strspn(p, " \t");
}

struct mc *
cmd_mc(struct cmd_run *r, const char *args, const char **rest)
{
	const char *a = args + strspn(args, " \t"), *end;
	struct mc *found = NULL;
	GArray *ends;

	if (*a == '"' && (end = strchr(a + 1, '"')) != NULL) {
		char *name = g_strndup(a + 1, (gsize)(end - a - 1));

		found = store_find_mc(r->c->store, name);
		g_free(name);
		if (rest)
			*rest = after_name(end + 1);
		return found ? cmd_mc_by_id(r, found->id) : NULL;
	}
	/* Where the words end, up to a colon; the longest name that fits wins. */
	ends = g_array_new(FALSE, FALSE, sizeof(gsize));
	for (gsize i = 0; a[i] && a[i] != ':'; i++)
		if (a[i] != ' ' && a[i] != '\t' && (a[i + 1] == '\0' || a[i + 1] == ' ' ||
						     a[i + 1] == '\t' || a[i + 1] == ':'))
			g_array_append_val(ends, i);
	for (guint k = ends->len; k > 0 && found == NULL; k--) {
		gsize n = g_array_index(ends, gsize, k - 1) + 1;
		char *name = g_strndup(a, n);

		found = store_find_mc(r->c->store, name);
		if (found && rest)
			*rest = after_name(a + n);
		g_free(name);
	}
	g_array_unref(ends);
	return found ? cmd_mc_by_id(r, found->id) : NULL;
}

void
cmd_mc_log(struct cmd_run *r, struct mc *mc, const char *fmt, ...)
{
	va_list ap;
	char *what, *line;
	gboolean seen = FALSE;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	line = g_strdup_printf("%s [%s]", what, r->proof);
	txn_log(r->t, mc->id, r->c->now, r->actor, line);
	mc->updated = r->c->now;
	for (guint i = 0; i < r->order->len; i++)
		seen |= g_array_index(r->order, int, i) == mc->id;
	if (!seen)
		g_array_append_val(r->order, mc->id);
	r->changed++;
	g_free(line);
	g_free(what);
}

struct mc *
cmd_need_mc(struct cmd_run *r, struct cmd *cmd, const char **rest)
{
	struct mc *mc = cmd_mc(r, cmd->args, rest);

	if (mc == NULL) {
		/* what was probably meant as the name: up to a colon */
		char *name = g_strndup(cmd->args, strcspn(cmd->args, ":"));

		cmd_fail(r->s, cmd, "no MC is named \"%s\" (or more than one is): use its number, "
			 "its slug or its whole title", g_strstrip(name));
		g_free(name);
	}
	return mc;
}

/* mc as this mail's earlier commands left it. */
static const struct mc *
view(struct cmd_run *r, const struct mc *mc)
{
	const struct mc *w = g_hash_table_lookup(r->work, GINT_TO_POINTER(mc->id));

	return w ? w : mc;
}

static void
run_list(struct cmd_run *r, struct cmd *cmd)
{
	GPtrArray *all = store_mcs(r->c->store);
	const char *filter = *cmd->args ? cmd->args : "all";
	GString *s = g_string_new(NULL);
	int n = 0;

	for (guint i = 0; i < all->len; i++) {
		const struct mc *mc = view(r, all->pdata[i]);

		if (strcmp(filter, "all") != 0 && strcmp(filter, mc->status) != 0)
			continue;
		g_string_append_printf(s, "\nMC-%-3d %-10s v%-2d %3u RSVPs  %s (%s)", mc->id,
				       mc->status, mc->version, mc->rsvps->len, mc->title, mc->slug);
		n++;
	}
	cmd_done(cmd, "%d MC%s %s%s", n, n == 1 ? "" : "s",
		 strcmp(filter, "all") == 0 ? "in all" : filter, s->str);
	g_string_free(s, TRUE);
}

static void
run_show(struct cmd_run *r, struct cmd *cmd)
{
	const struct mc *mc = cmd_need_mc(r, cmd, NULL);
	GString *s;
	char *rel, **lines;
	GBytes *log;
	int n;

	if (mc == NULL)
		return;
	s = g_string_new(NULL);
	g_string_append_printf(s, "MC-%d \"%s\"\nslug %s, %s, version %d, %u RSVPs\n"
			       "proposed by %s", mc->id, mc->title, mc->slug, mc->status,
			       mc->version, mc->rsvps->len, mc->proposer ? mc->proposer : "?");
	for (guint i = 0; i < mc->p->leads->len; i++) {
		const struct person *l = mc->p->leads->pdata[i];

		g_string_append_printf(s, "\nlead: %s <%s>", l->name, l->email ? l->email : "no "
				       "address");
	}
	g_string_append_printf(s, "\n%u topics, %u key attendees", mc->p->topics->len,
			       mc->p->attendees->len);
	rel = g_strdup_printf("mc/%d/log", mc->id);
	log = store_read_file(r->c->store, rel, 0);
	lines = g_strsplit(log ? g_bytes_get_data(log, NULL) : "", "\n", -1);
	n = (int)g_strv_length(lines);
	while (n > 0 && lines[n - 1][0] == '\0')
		n--;
	for (int i = MAX(0, n - CMD_SHOW_LOG); i < n; i++) {
		char **f = g_strsplit(lines[i], "\t", 3);

		if (g_strv_length(f) == 3) {
			GDateTime *dt = g_date_time_new_from_unix_utc(g_ascii_strtoll(f[0], NULL,
										     10));
			char *d = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M") : g_strdup("?");

			g_string_append_printf(s, "\n%s %s: %s", d, f[1], f[2]);
			g_free(d);
			if (dt)
				g_date_time_unref(dt);
		}
		g_strfreev(f);
	}
	cmd_done(cmd, "%s", s->str);
	g_strfreev(lines);
	if (log)
		g_bytes_unref(log);
	g_free(rel);
	g_string_free(s, TRUE);
}

static void
run_rename(struct cmd_run *r, struct cmd *cmd)
{
	const char *rest = NULL;
	struct mc *mc = cmd_need_mc(r, cmd, &rest);
	char *title;

	if (mc == NULL)
		return;
	title = util_clean_line(rest, CMD_TITLE_MAX);
	if (*title == '\0') {
		cmd_fail(r->s, cmd, "no new title");
	} else {
		cmd_mc_log(r, mc, "renamed from \"%s\" to \"%s\"", mc->title, title);
		cmd_done(cmd, "MC-%d is now \"%s\" (slug %s unchanged)", mc->id, title, mc->slug);
		g_free(mc->title);
		mc->title = g_strdup(title);
		g_free(mc->p->title);
		mc->p->title = g_strdup(title);
	}
	g_free(title);
}

static void
run_note(struct cmd_run *r, struct cmd *cmd)
{
	const char *rest = NULL;
	struct mc *mc = cmd_need_mc(r, cmd, &rest);

	if (mc == NULL)
		return;
	if (*rest == '\0') {
		cmd_fail(r->s, cmd, "no text to note");
		return;
	}
	cmd_mc_log(r, mc, "note: %s", rest);
	cmd_done(cmd, "noted in the history of MC-%d", mc->id);
}

static void
run_cfp(struct cmd_run *r, struct cmd *cmd, gboolean open)
{
	if (r->org->cfp_closed == !open) {
		cmd_done(cmd, "the call for proposals is already %s", open ? "open" : "closed");
		return;
	}
	r->org->cfp_closed = !open;
	r->org->dirty |= ORG_SETTINGS;
	org_log(r->t, r->c->now, r->actor, open ? "cfp open" : "cfp close");
	r->changed++;
	cmd_done(cmd, "the call for proposals is now %s", open ? "open" : "closed");
}

static void
run_deadline(struct cmd_run *r, struct cmd *cmd)
{
	GString *why = g_string_new(NULL);
	char *text = NULL, *utc = NULL, *action;

	if (g_ascii_strcasecmp(cmd->args, "none") == 0) {
		g_clear_pointer(&r->org->deadline, g_free);
		text = command_deadline(r->c->store, r->c->cfg);
		cmd_done(cmd, "the deadline set by command is removed; now: %s",
			 text ? text : "none");
	} else if (command_deadline_parse(cmd->args, &text, &utc, why) < 0) {
		cmd_fail(r->s, cmd, "%s", why->str);
		goto out;
	} else {
		g_free(r->org->deadline);
		r->org->deadline = g_strdup(text);
		cmd_done(cmd, "the deadline for proposals is now %s (%s)", text, utc);
	}
	r->org->dirty |= ORG_SETTINGS;
	action = g_strdup_printf("deadline %s", r->org->deadline ? r->org->deadline : "none");
	org_log(r->t, r->c->now, r->actor, action);
	g_free(action);
	r->changed++;
out:
	g_free(text);
	g_free(utc);
	g_string_free(why, TRUE);
}

static void
run_announce(struct cmd_run *r, struct cmd *cmd)
{
	struct mc *mc = cmd_need_mc(r, cmd, NULL);
	GString *err = g_string_new(NULL);
	char *msgid = NULL;

	if (mc == NULL)
		goto out;
	if (!rsvp_state_open(mc->status, rsvp_states(r->c->cfg))) {
		cmd_fail(r->s, cmd, "MC-%d is %s: it takes no RSVPs, so it is not announced",
			 mc->id, mc->status);
		goto out;
	}
	if (announce_queue(r->c->cfg, r->c->tpl, r->t, mc, r->c->cfg->list_address, r->c->now,
			   &msgid, err) < 0) {
		cmd_fail(r->s, cmd, "%s", err->str);
		goto out;
	}
	/* announce_queue put its own copy; ours is put later and must agree. */
	g_ptr_array_add(mc->threads, g_strdup(msgid));
	cmd_mc_log(r, mc, "announce requested");
	cmd_done(cmd, "MC-%d announced to %s as <%s>", mc->id, r->c->cfg->list_address, msgid);
out:
	g_free(msgid);
	g_string_free(err, TRUE);
}

/* The digests commit in a transaction of their own (digest.h). */
static void
run_digest(struct cmd_run *r, struct cmd *cmd)
{
	struct digest_report rep = { 0 };
	GString *err = g_string_new(NULL);

	if (digest_run(r->c->cfg, r->c->store, r->c->tpl, r->c->now, DIGEST_AHEAD, &rep,
		       err) < 0)
		cmd_fail(r->s, cmd, "the digests cannot be made: %s", err->str);
	else if (rep.issue == 0)
		cmd_done(cmd, "no digest was due");
	else
		cmd_done(cmd, "digest issue %d queued: %d to leads, %d to organizers", rep.issue,
			 rep.leads, rep.organizers);
	if (rep.issue)
		org_log(r->t, r->c->now, r->actor, "digest now");
	g_string_free(err, TRUE);
}

static void
run_one(struct cmd_run *r, struct cmd *cmd)
{
	switch (cmd->verb) {
	case CMD_HELP: cmd_done(cmd, "the commands:\n%s", cmd_help_text()); break;
	case CMD_LIST: run_list(r, cmd); break;
	case CMD_SHOW: run_show(r, cmd); break;
	case CMD_ACCEPT: cmd_decide(r, cmd, "accepted"); break;
	case CMD_REJECT: cmd_decide(r, cmd, "rejected"); break;
	case CMD_WAITLIST: cmd_decide(r, cmd, "waitlisted"); break;
	case CMD_WITHDRAW: cmd_withdraw(r, cmd); break;
	case CMD_MERGE: cmd_merge(r, cmd); break;
	case CMD_LEAD_ADD: cmd_lead(r, cmd, TRUE); break;
	case CMD_LEAD_REMOVE: cmd_lead(r, cmd, FALSE); break;
	case CMD_RENAME: run_rename(r, cmd); break;
	case CMD_NOTE: run_note(r, cmd); break;
	case CMD_CFP_OPEN: run_cfp(r, cmd, TRUE); break;
	case CMD_CFP_CLOSE: run_cfp(r, cmd, FALSE); break;
	case CMD_DEADLINE: run_deadline(r, cmd); break;
	case CMD_ANNOUNCE: run_announce(r, cmd); break;
	case CMD_DIGEST: run_digest(r, cmd); break;
	case CMD_RELEASE: cmd_release(r, cmd); break;
	case CMD_UNDO: cmd_undo(r, cmd); break;
	case CMD_CONFIRM:
		cmd_ignore(cmd, "a confirmation is valid only in a mail of confirmations");
		break;
	case CMD_UNKNOWN:
	case CMD_STOP:
		break;
	}
}

void
cmd_run_all(struct cmd_run *r)
{
	for (guint i = 0; i < r->s->cmds->len; i++) {
		struct cmd *cmd = r->s->cmds->pdata[i];

		if (cmd->status != CMD_PENDING)
			continue;
		if (r->s->errors >= CMD_MAX_ERRORS) {
			cmd_ignore(cmd, "not run: too many errors before");
			continue;
		}
		run_one(r, cmd);
	}
}
