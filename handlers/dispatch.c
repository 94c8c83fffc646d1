/*
 * dispatch.c - the handler table, and the small handlers: mail that must
 * not be answered, help, and mail we cannot place.
 */
#include <string.h>

#include "../bot/limits_reply.h"
#include "../bot/log.h"
#include "bounce.h"
#include "classify.h"
#include "command.h"
#include "handler.h"

static gboolean
match_kind(const struct ctx *c, enum mail_kind k)
{
	return c->kind == (int)k;
}

static gboolean
drop_match(const struct mail *m, const struct ctx *c)
{
	return match_kind(c, KIND_DROP);
}

static int
drop_handle(const struct mail *m, struct ctx *c, struct txn *t, struct result *res)
{
	res->folder = FOLDER_DROPPED;
	res->outcome = "dropped";
	res->detail = g_strdup(classify_drop_reason(m, c->cfg->list_address));
	/* Kept in the dropped folder, and counted per day and reason. */
	limits_reply_count(t, c->store, LIMITS_DROPPED_FILE, c->now,
			   res->detail ? res->detail : "other");
	return 0;
}

const struct handler handler_drop = { "drop", drop_match, drop_handle };

static gboolean
help_match(const struct mail *m, const struct ctx *c)
{
	return match_kind(c, KIND_HELP);
}

/* Reply with a template that carries the blank form. */
static int
reply_with_form(const struct mail *m, struct ctx *c, struct txn *t, struct result *res,
		const char *tpl, const char *outcome, const char *reason)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	GString *err = g_string_new(NULL);
	char *form = templates_form(c->tpl), *deadline;
	int rc;

	g_hash_table_insert(vars, "form", form);
	if ((deadline = command_deadline(c->store, c->cfg)) != NULL)
		g_hash_table_insert(vars, "deadline", deadline);
	if (reason)
		g_hash_table_insert(vars, "reason", (char *)reason);
	rc = reply_queue(c, t, m, outcome, tpl, vars, 0, err);
	res->folder = FOLDER_DONE;
	res->outcome = outcome;
	if (rc < 0) {
		/* The template set is checked at start: only a missing address gets here. */
		res->folder = FOLDER_FAILED;
		res->detail = g_strdup(err->str);
	}
	g_free(deadline);
	g_free(form);
	g_string_free(err, TRUE);
	g_hash_table_unref(vars);
	return 0;
}

static int
help_handle(const struct mail *m, struct ctx *c, struct txn *t, struct result *res)
{
	return reply_with_form(m, c, t, res, "help", "help", NULL);
}

const struct handler handler_help = { "help", help_match, help_handle };

static gboolean
fallback_match(const struct mail *m, const struct ctx *c)
{
	return TRUE;
}

static int
fallback_handle(const struct mail *m, struct ctx *c, struct txn *t, struct result *res)
{
	return reply_with_form(m, c, t, res, "unknown", "unknown", NULL);
}

const struct handler handler_fallback = { "unknown", fallback_match, fallback_handle };

const struct handler *const handlers[] = {
	&handler_bounce,
	&handler_drop,
	&handler_help,
	&handler_command,
	&handler_rsvp,
	&handler_proposal,
	&handler_fallback,
	NULL,
};

int
dispatch(const struct mail *m, struct ctx *c, struct txn *t, struct result *res)
{
	c->kind = classify(m, c->store, c->cfg->list_address);
	for (int i = 0; handlers[i]; i++)
		if (handlers[i]->match(m, c)) {
			log_debug(LOG_AREA_HANDLERS, "%s: handler %s", m->key, handlers[i]->name);
			return handlers[i]->handle(m, c, t, res);
		}
	return -1;
}
