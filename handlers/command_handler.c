/*
 * command_handler.c - the handler for organizer commands: who sent the
 * mail, what proves it, then run the commands, ask for a confirmation,
 * or refuse.
 *
 * A refusal changes no MC and no setting; it is sent at most once per
 * [organizers] refusal_interval to one address (a forged From must not
 * turn mcbot into a mail cannon), and the mail goes to FOLDER_REFUSED.
 * Confirmation requests go only to the configured organizer address the
 * mail claims to come from, at most CONFIRM_BURST per interval.
 */
#include <stdlib.h>
#include <string.h>

#include "../bot/log.h"
#include "../bot/util.h"
#include "auth.h"
#include "classify.h"
#include "command.h"
#include "command_p.h"

#define CONFIRM_BURST 5

struct job {
	const struct mail *m;
	struct ctx *c;
	struct txn *t;
	struct result *res;
	struct org_state *org;
	struct auth a;
	struct cmd_script *s;
};

/*
 * Mail of commands (classify.c), and also mail that classify could not
 * place but that claims an organizer's address and starts with a command:
 * its other lines then get their errors in the transcript instead of the
 * whole mail getting the generic help.
 */
static gboolean
command_match(const struct mail *m, const struct ctx *c)
{
	gboolean yes = c->kind == KIND_COMMAND;

	if (!yes && c->kind == KIND_UNKNOWN && config_is_organizer(c->cfg, m->from_addr)) {
		char *own = classify_own_text(m);

		yes = cmd_starts_with_command(m->subject, own);
		g_free(own);
	}
	return yes;
}

static void
refuse(struct job *j, const char *reason)
{
	const char *to = j->m->from_addr;
	GHashTable *vars;
	GString *err;

	j->res->folder = FOLDER_REFUSED;
	j->res->outcome = "refused";
	j->res->detail = g_strdup(reason);
	if (to == NULL || j->c->now - org_time_get(j->org->refused, to) <
	    j->c->cfg->refusal_interval)
		return;
	vars = g_hash_table_new(g_str_hash, g_str_equal);
	err = g_string_new(NULL);
	g_hash_table_insert(vars, "reason", (char *)reason);
	if (reply_queue(j->c, j->t, j->m, "refused", "command-refused", vars, 0, err) == 0) {
		org_time_set(j->org->refused, to, j->c->now);
		j->org->dirty |= ORG_REFUSED;
	} else {
		log_warnx("%s: refusal: %s", j->m->key, err->str);
	}
	g_string_free(err, TRUE);
	g_hash_table_unref(vars);
}

/* The transcript to the sender; with changed, a copy to each other organizer. */
static void
reply_transcript(struct job *j, const char *proof, gboolean changed)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	GString *err = g_string_new(NULL);
	char *transcript = cmd_transcript(j->s);
	/* This mail's "deadline" is not in the store yet. */
	char *deadline = g_strdup(j->org->deadline ? j->org->deadline : j->c->cfg->deadline);
	const char *const *orgs = (const char *const *)j->c->cfg->organizers;

	g_hash_table_insert(vars, "transcript", transcript);
	g_hash_table_insert(vars, "proof", (char *)proof);
	g_hash_table_insert(vars, "actor", j->m->from_addr);
	if (deadline)
		g_hash_table_insert(vars, "deadline", deadline);
	if (reply_queue(j->c, j->t, j->m, "transcript", "command-transcript", vars, 0, err) < 0)
		log_warnx("%s: transcript: %s", j->m->key, err->str);
	g_hash_table_insert(vars, "subject", j->m->subject);
	for (int i = 0; changed && orgs && orgs[i]; i++) {
		char *seed;

		if (g_ascii_strcasecmp(orgs[i], j->m->from_addr) == 0)
			continue;
		seed = g_strdup_printf("%s/copy/%s", j->m->key, orgs[i]);
		if (cmd_mail(j->c, j->t, "command-copy", vars, orgs[i], NULL, seed, 0, FALSE, NULL,
			     err) < 0)
			log_warnx("%s: copy to %s: %s", j->m->key, orgs[i], err->str);
		g_free(seed);
	}
	g_free(deadline);
	g_free(transcript);
	g_string_free(err, TRUE);
	g_hash_table_unref(vars);
}

/* Run j->s, proven by proof; returns how many commands changed something. */
static int
run(struct job *j, struct cmd_script *s, const char *proof)
{
	struct cmd_run r;
	int changed;

	cmd_run_init(&r, j->c, j->t, j->m, s, j->m->from_addr, proof, j->org);
	cmd_run_all(&r);
	changed = r.changed;
	cmd_run_finish(&r);
	return changed;
}

static void
finish_run(struct job *j, const char *proof, int changed)
{
	int done = cmd_script_count(j->s, CMD_DONE), failed = cmd_script_count(j->s, CMD_FAILED);

	j->res->folder = FOLDER_DONE;
	j->res->outcome = "command";
	j->res->detail = g_strdup_printf("%d done, %d failed, %d changed, by %s", done, failed,
					 changed, proof);
	reply_transcript(j, proof, changed > 0);
}

/* One "confirm TOKEN" line. */
static void
confirm_one(struct job *j, struct cmd *cmd, int *changed)
{
	const struct config *cfg = j->c->cfg;
	char *token = g_strndup(cmd->args, strcspn(cmd->args, " \t")), *id = NULL, *proof;
	struct org_pending *p = NULL;
	struct cmd_script *sub = NULL;
	char *transcript;
	int need;

	if (!auth_token_parse(token, &id, NULL)) {
		cmd_fail(j->s, cmd, "this is not a confirmation token");
		goto out;
	}
	if (org_time_get(j->org->used_tokens, id) != 0) {
		cmd_fail(j->s, cmd, "this token was used already; a token works once");
		goto out;
	}
	p = org_pending_get(j->c->store, id);
	if (p == NULL || g_ascii_strcasecmp(p->from, j->m->from_addr) != 0) {
		cmd_fail(j->s, cmd, "no commands wait for this token from %s", j->m->from_addr);
		goto out;
	}
	switch (auth_token_check(cfg->token_secret, token, p->from, p->lines, j->c->now)) {
	case AUTH_TOKEN_OK:
		break;
	case AUTH_TOKEN_EXPIRED:
		cmd_fail(j->s, cmd, "this token has expired; send the commands again");
		goto out;
	default:
		cmd_fail(j->s, cmd, "this token is not valid (altered?)");
		goto out;
	}
	sub = cmd_parse(NULL, p->lines);
	need = cmd_script_changes(sub) ? cfg->change_proof : cfg->read_proof;
	if (!(need & CONFIG_PROOF_TOKEN)) {
		cmd_fail(j->s, cmd, "a token is no longer enough for these commands");
		goto out;
	}
	org_time_set(j->org->used_tokens, id, p->expires);
	j->org->dirty |= ORG_TOKENS;
	org_pending_drop(j->t, id);
	proof = g_strdup_printf("token %s", id);
	*changed += run(j, sub, proof);
	g_free(proof);
	transcript = cmd_transcript(sub);
	cmd_done(cmd, "the confirmed commands ran:\n%s", g_strchomp(transcript));
	g_free(transcript);
out:
	cmd_script_free(sub);
	org_pending_free(p);
	g_free(id);
	g_free(token);
}

/* A mail that confirms: its "confirm" lines only. */
static void
confirm_all(struct job *j)
{
	int changed = 0;

	for (guint i = 0; i < j->s->cmds->len; i++) {
		struct cmd *cmd = j->s->cmds->pdata[i];

		if (cmd->status != CMD_PENDING)
			continue;
		if (cmd->verb == CMD_CONFIRM)
			confirm_one(j, cmd, &changed);
		else
			cmd_ignore(cmd, "a mail with a confirmation runs only what it confirms");
	}
	finish_run(j, "confirmation token", changed);
}

static gboolean
has_confirm(const struct cmd_script *s)
{
	for (guint i = 0; i < s->cmds->len; i++)
		if (((struct cmd *)s->cmds->pdata[i])->verb == CMD_CONFIRM)
			return TRUE;
	return FALSE;
}

/* At most CONFIRM_BURST confirmation mails per address and interval. */
static gboolean
confirm_allowed(struct job *j)
{
	const char *v = g_hash_table_lookup(j->org->confirms, j->m->from_addr);
	gint64 since = v ? g_ascii_strtoll(v, NULL, 10) : 0;
	int n = v && strchr(v, ' ') ? atoi(strchr(v, ' ') + 1) : 0;

	if (j->c->now - since >= j->c->cfg->refusal_interval) {
		since = j->c->now;
		n = 0;
	}
	if (n >= CONFIRM_BURST)
		return FALSE;
	g_hash_table_replace(j->org->confirms, g_strdup(j->m->from_addr),
			     g_strdup_printf("%" G_GINT64_FORMAT " %d", since, n + 1));
	j->org->dirty |= ORG_REFUSED;
	return TRUE;
}

static void
ask_confirmation(struct job *j, const char *why)
{
	const struct config *cfg = j->c->cfg;
	struct org_pending p = { 0 };
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	GString *err = g_string_new(NULL);
	char *token, *expires, *transcript = cmd_transcript(j->s);
	GDateTime *dt;

	p.id = auth_token_id(j->m->key);
	p.from = j->m->from_addr;
	p.expires = j->c->now + cfg->token_lifetime;
	p.lines = cmd_script_lines(j->s);
	token = auth_token_make(cfg->token_secret, p.id, p.expires, p.from, p.lines);
	dt = g_date_time_new_from_unix_utc(p.expires);
	expires = g_date_time_format(dt, "%Y-%m-%d %H:%M UTC");
	org_pending_put(j->t, &p);
	g_hash_table_insert(vars, "token", token);
	g_hash_table_insert(vars, "expires", expires);
	g_hash_table_insert(vars, "transcript", p.lines);
	g_hash_table_insert(vars, "reason", (char *)why);
	if (reply_queue(j->c, j->t, j->m, "confirm", "confirm", vars, 0, err) < 0)
		log_warnx("%s: confirmation: %s", j->m->key, err->str);
	j->res->folder = FOLDER_DONE;
	j->res->outcome = "confirm";
	j->res->detail = g_strdup_printf("confirmation %s sent to %s", p.id, p.from);
	g_date_time_unref(dt);
	g_free(expires);
	g_free(token);
	g_free(transcript);
	g_free(p.lines);
	g_free(p.id);
	g_string_free(err, TRUE);
	g_hash_table_unref(vars);
}

/* A short name of the proof for logs and replies. */
static char *
proof_label(const struct job *j)
{
	if (j->a.proof == CONFIG_PROOF_PGP)
		return g_strdup_printf("pgp %s", strrchr(j->a.detail, ' ') + 1);
	if (j->a.proof == CONFIG_PROOF_DKIM)
		return g_strdup_printf("dkim %s", j->c->cfg->authserv_id);
	return g_strdup("sender address only");
}

static void
obey(struct job *j)
{
	const struct config *cfg = j->c->cfg;
	int need = cmd_script_changes(j->s) ? cfg->change_proof : cfg->read_proof;
	gboolean pending = cmd_script_count(j->s, CMD_PENDING) > 0;
	char *proof, *why;

	if ((j->a.verdict == AUTH_PROVEN && (need & j->a.proof)) ||
	    (need & CONFIG_PROOF_SENDER)) {
		if (j->a.verdict != AUTH_PROVEN)
			j->a.proof = 0;
		proof = proof_label(j);
		finish_run(j, proof, run(j, j->s, proof));
		if (j->a.sig_id) {
			org_time_set(j->org->signatures, j->a.sig_id, j->c->now);
			j->org->dirty |= ORG_SIGNATURES;
		}
		g_free(proof);
		return;
	}
	why = j->a.verdict == AUTH_PROVEN ?
	      g_strdup_printf("%s is not enough for these commands", j->a.detail) :
	      g_strdup(j->a.detail);
	if ((need & CONFIG_PROOF_TOKEN) && cfg->token_secret && pending && confirm_allowed(j))
		ask_confirmation(j, why);
	else
		refuse(j, why);
	g_free(why);
}

static int
command_handle(const struct mail *m, struct ctx *c, struct txn *t, struct result *res)
{
	struct job j = { m, c, t, res, NULL, { 0 }, NULL };
	gboolean pgp;

	j.org = org_state_load(c->store);
	auth_check(c->cfg, m, c->now, &j.a);
	pgp = j.a.proof == CONFIG_PROOF_PGP;
	if (j.a.verdict == AUTH_NOT_ORGANIZER || j.a.verdict == AUTH_FORGED) {
		refuse(&j, j.a.detail);
	} else if (pgp && org_time_get(j.org->signatures, j.a.sig_id) != 0) {
		refuse(&j, "this signed mail was obeyed before: a signature works once");
	} else {
		/* The signature covers the signed part, not the Subject. */
		j.s = cmd_parse(pgp ? NULL : m->subject, pgp ? j.a.signed_text : m->text);
		if (has_confirm(j.s) && c->cfg->token_secret)
			confirm_all(&j);
		else
			obey(&j);
	}
	org_state_save(j.org, t, c->cfg, c->now);
	cmd_script_free(j.s);
	org_state_free(j.org);
	auth_clear(&j.a);
	return 0;
}

const struct handler handler_command = { "command", command_match, command_handle };
