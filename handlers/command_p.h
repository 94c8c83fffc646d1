/*
 * command_p.h - organizer commands by mail, shared by:
 *   command.c          lines of a mail -> commands (debbugs style); the transcript
 *   command_exec.c     running one command against the store, in the mail's txn
 *   command_verbs.c    the verbs that change MCs: decisions, merge, leads, undo
 *   command_state.c    the organizers' own state files (org/ in the store)
 *   command_mail.c     mails other than the reply: decisions, copies, confirmations
 *   command_handler.c  the handler: who sent it, what proves it, run or refuse
 *
 * Ownership follows util.h: the caller owns what it passes and gets back,
 * unless a declaration says "borrowed".
 */
#ifndef MCBOT_COMMAND_P_H
#define MCBOT_COMMAND_P_H

#include <glib.h>

#include "handler.h"

#define CMD_MAX_LINES 50        /* command lines read from one mail */
#define CMD_MAX_ERRORS 5        /* errors before the rest of a mail is skipped */
#define CMD_MAX_LINE 1000       /* bytes in one command line */

/* ---- command.c ---- */

enum cmd_verb {
	CMD_UNKNOWN, CMD_HELP, CMD_LIST, CMD_SHOW, CMD_ACCEPT, CMD_REJECT, CMD_WAITLIST,
	CMD_WITHDRAW, CMD_MERGE, CMD_LEAD_ADD, CMD_LEAD_REMOVE, CMD_RENAME, CMD_NOTE,
	CMD_CFP_OPEN, CMD_CFP_CLOSE, CMD_DEADLINE, CMD_ANNOUNCE, CMD_DIGEST, CMD_RELEASE,
	CMD_UNDO, CMD_CONFIRM, CMD_STOP,
};

enum cmd_status {
	CMD_PENDING,                /* parsed, not run yet */
	CMD_DONE,
	CMD_FAILED,                 /* "error: <reason>" */
	CMD_IGNORED,                /* not run, with the reason */
};

struct cmd {
	char *line;                 /* as written: one clean line, bounded */
	enum cmd_verb verb;
	char *args;                 /* what follows the verb's words, trimmed; never NULL */
	gboolean in_subject;
	enum cmd_status status;
	GString *out;               /* the result, one or more lines without "done:" etc. */
};

struct cmd_script {
	GPtrArray *cmds;            /* struct cmd *, in mail order; stop lines included */
	int errors;                 /* lines that failed (parsing or running) */
	gboolean cut;               /* stopped at the line or error limit */
};

/*
 * Read the commands of a mail.  subject: NULL to read only text (a signed
 * part, a confirmed script); a Subject is read when, tags such as
 * "[LPC]" set aside, it starts with a verb and is no reply ("Re:").
 * text: LF lines.  Empty, "#" and quoted (">") lines are skipped; reading
 * stops at "thanks", "quit", "stop", "--" or a signature, after
 * CMD_MAX_LINES commands or CMD_MAX_ERRORS errors.
 */
struct cmd_script *cmd_parse(const char *subject, const char *text);
void cmd_script_free(struct cmd_script *s);
/* TRUE when the Subject (read as above) or the first line of text that is
 * not blank or a comment starts with a verb. */
gboolean cmd_starts_with_command(const char *subject, const char *text);

/* The verb of a name ("accept", "lead add") and whether it changes state. */
gboolean cmd_verb_changes(enum cmd_verb v);
const char *cmd_verb_name(enum cmd_verb v);

/* TRUE when some command still pending would change state. */
gboolean cmd_script_changes(const struct cmd_script *s);
/* How many commands have this status. */
int cmd_script_count(const struct cmd_script *s, enum cmd_status st);

/* Set a result (printf-style); an error counts towards CMD_MAX_ERRORS. */
void cmd_done(struct cmd *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void cmd_fail(struct cmd_script *s, struct cmd *c, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void cmd_ignore(struct cmd *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Each line echoed ("> line") with its result ("done: ...", "error: ...",
 * "ignored: ..."), then the command list when nothing was a command. */
char *cmd_transcript(const struct cmd_script *s);
/* The pending commands' lines, one per line (what a confirmation runs). */
char *cmd_script_lines(const struct cmd_script *s);
/* The command reference that "help" prints. */
const char *cmd_help_text(void);

/* ---- command_state.c: org/ in the store ---- */

struct org_decision {
	int seq;                    /* 1, 2, ... in the order taken */
	gint64 when;
	int mc_id;
	char *before, *after;       /* statuses */
	char *actor;
	gboolean undone;
};

struct org_held {
	char *name;                 /* outbox/held/<name> */
	int mc_id;
	int decision;               /* org_decision.seq */
	char *rcpt;
};

struct org_state {
	gboolean cfp_closed;
	char *deadline;             /* set by "deadline", with its zone; NULL: the config's */
	GPtrArray *decisions;       /* struct org_decision *, oldest first */
	GPtrArray *held;            /* struct org_held * */
	GHashTable *used_tokens;    /* token id -> expiry (gint64 in a pointer-sized box) */
	GHashTable *signatures;     /* signature id -> time seen */
	GHashTable *refused;        /* address -> time of the last refusal */
	GHashTable *confirms;       /* address -> "time count": confirmations sent */
	unsigned dirty;             /* ORG_* bits: files to write */
};

enum {
	ORG_SETTINGS = 1 << 0, ORG_DECISIONS = 1 << 1, ORG_HELD = 1 << 2, ORG_TOKENS = 1 << 3,
	ORG_SIGNATURES = 1 << 4, ORG_REFUSED = 1 << 5,
};

/* Read org/ (a missing or damaged file reads as empty). */
struct org_state *org_state_load(const struct store *st);
/* Write the dirty files in t, dropping entries older than they matter. */
void org_state_save(struct org_state *o, struct txn *t, const struct config *cfg, gint64 now);
void org_state_free(struct org_state *o);

gint64 org_time_get(GHashTable *h, const char *key);      /* 0 when absent */
void org_time_set(GHashTable *h, const char *key, gint64 when);

/* The newest decision not undone, or NULL (borrowed). */
struct org_decision *org_last_decision(struct org_state *o);
struct org_decision *org_add_decision(struct org_state *o, gint64 when, int mc_id,
				      const char *before, const char *after, const char *actor);

/* One line to org/log: what an organizer did outside any MC. */
void org_log(struct txn *t, gint64 when, const char *actor, const char *action);

/* A pending confirmation: org/pending/<id>. */
struct org_pending {
	char *id;                   /* 16 hex digits */
	char *from;
	gint64 expires;
	char *lines;                /* the commands, LF-terminated lines */
};
void org_pending_put(struct txn *t, const struct org_pending *p);
struct org_pending *org_pending_get(const struct store *st, const char *id);
void org_pending_drop(struct txn *t, const char *id);
void org_pending_free(struct org_pending *p);

/* ---- command_mail.c ---- */

/*
 * Render template tpl with vars (borrowed; list name, conference and such
 * are added) into a mail from the list to rcpt, and queue it in t; with
 * hold, keep it in outbox/held/ instead (the name is returned in *held,
 * transfer full).  seed makes the Message-ID and file name; mc_id > 0
 * tags the Subject "[TAG MC-<id>]".  -1 with a reason in err.
 */
int cmd_mail(struct ctx *c, struct txn *t, const char *tpl, GHashTable *vars,
	     const char *rcpt, const char *rcpt_name, const char *seed, int mc_id,
	     gboolean hold, char **held, GString *err);

/* ---- command_exec.c ---- */

/* One mail's run of commands. */
struct cmd_run {
	struct ctx *c;                  /* borrowed */
	struct txn *t;                  /* borrowed */
	const struct mail *m;           /* borrowed */
	struct cmd_script *s;           /* borrowed */
	const char *actor;              /* the organizer's address (borrowed) */
	const char *proof;              /* what proved it, for the logs (borrowed) */
	struct org_state *org;          /* borrowed */
	GHashTable *work;               /* id -> struct mc *: copies being changed (owned) */
	GArray *order;                  /* int ids in the order first changed */
	GHashTable *rsvps_changed;      /* ids whose rsvps file must be written */
	int changed;                    /* commands that changed something */
};

void cmd_run_init(struct cmd_run *r, struct ctx *c, struct txn *t, const struct mail *m,
		  struct cmd_script *s, const char *actor, const char *proof,
		  struct org_state *org);
/* Run every pending command of r->s. */
void cmd_run_all(struct cmd_run *r);
/* Put the changed MCs into the txn and free what the run holds. */
void cmd_run_finish(struct cmd_run *r);

/*
 * The MC that the start of args names (an id, "MC-3", a slug, a unique
 * title, or a "quoted title"), as a working copy to change; *rest (may be
 * NULL) points after it and an optional ':'.  The longest run of words
 * that names an MC wins.  NULL when none does (borrowed).
 */
struct mc *cmd_mc(struct cmd_run *r, const char *args, const char **rest);
/* cmd_mc, or NULL after an error line in cmd. */
struct mc *cmd_need_mc(struct cmd_run *r, struct cmd *cmd, const char **rest);
/* The working copy of MC id, or NULL when there is none (borrowed). */
struct mc *cmd_mc_by_id(struct cmd_run *r, int id);
/* Mark mc (from cmd_mc) changed, with a log line "<action> [proof]". */
void cmd_mc_log(struct cmd_run *r, struct mc *mc, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* ---- command_verbs.c ---- */

void cmd_decide(struct cmd_run *r, struct cmd *cmd, const char *status);
void cmd_withdraw(struct cmd_run *r, struct cmd *cmd);
void cmd_merge(struct cmd_run *r, struct cmd *cmd);
void cmd_lead(struct cmd_run *r, struct cmd *cmd, gboolean add);
void cmd_undo(struct cmd_run *r, struct cmd *cmd);
void cmd_release(struct cmd_run *r, struct cmd *cmd);

#endif
