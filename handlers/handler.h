/*
 * handler.h - the contract between the dispatcher and the handlers.
 *
 * dispatch() offers a mail to each handler of the table in order; the
 * first whose match() says yes handles it.  A handler:
 *   - may read the mail, the config, the templates and the store;
 *   - records every effect in the transaction: store changes through the
 *     store_* functions, replies through reply_queue();
 *   - must not do network or file I/O itself, and must not change the
 *     store outside the transaction (the dispatcher commits it, so a crash
 *     never applies half of a mail's effects);
 *   - sets res->folder (where the mail goes) and res->outcome (one word
 *     for the log: "created", "updated", "rsvp", "help", ...).
 * handle() returns 0, or -1 for a failure that is not the mail's fault
 * (the mail then stays in the inbox and is tried again).
 */
#ifndef MCBOT_HANDLER_H
#define MCBOT_HANDLER_H

#include <glib.h>
#include "../bot/config.h"
#include "../bot/inbox.h"
#include "../bot/mail.h"
#include "../bot/store.h"
#include "../bot/template.h"

struct ctx {
	const struct config *cfg;           /* borrowed */
	struct store *store;                /* borrowed */
	const struct templates *tpl;        /* borrowed */
	gint64 now;                         /* Unix time of this run (a test can fix it) */
	int kind;                           /* enum mail_kind classify() gave this mail */
};

struct result {
	enum folder folder;
	const char *outcome;                /* static string */
	char *detail;                       /* owned, for the log line, may be NULL */
};

struct handler {
	const char *name;
	gboolean (*match)(const struct mail *m, const struct ctx *c);
	int (*handle)(const struct mail *m, struct ctx *c, struct txn *t, struct result *res);
};

/* The table, in order, NULL-terminated (dispatch.c). */
extern const struct handler *const handlers[];

/* Offer m to the handlers; the last one always matches. */
int dispatch(const struct mail *m, struct ctx *c, struct txn *t, struct result *res);

/*
 * Queue a reply to m rendered from template tpl_name with vars (borrowed;
 * common ones such as list_name, conference, sender are added here).
 * kind makes the Message-ID unique per reply to the same mail.
 * mc_id > 0 tags the subject "[TAG MC-<id>]", else "[TAG]".
 */
int reply_queue(struct ctx *c, struct txn *t, const struct mail *m, const char *kind,
		const char *tpl_name, GHashTable *vars, int mc_id, GString *err);

/* The Message-ID (without <>) that reply_queue gives a reply of this kind to m. */
char *reply_message_id(const struct ctx *c, const struct mail *m, const char *kind);

extern const struct handler handler_drop;      /* auto-replies, bounces, loops */
extern const struct handler handler_help;
extern const struct handler handler_command;   /* organizer commands (command_handler.c) */
extern const struct handler handler_rsvp;      /* attending an MC, or not (rsvp.c) */
extern const struct handler handler_proposal;
extern const struct handler handler_fallback;  /* anything else: explain, reply */

#endif
