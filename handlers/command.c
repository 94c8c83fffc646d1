/*
 * command.c - organizer commands as debbugs reads its control mail: one
 * command per line, in the Subject or the body; blank, "#" and quoted
 * lines are skipped; "thanks", "quit", "--" or a signature end the
 * commands; a bounded number of lines and of errors.  The reply is a
 * transcript that echoes every line with what became of it.
 *
 * Parsing knows the verbs and the shape of their arguments only; which
 * MC an argument names is decided when the command runs (command_exec.c).
 */
#include <stdarg.h>
#include <string.h>

#include "../bot/util.h"
#include "command_p.h"

static const struct {
	const char *words;          /* one or two words, lower case */
	enum cmd_verb verb;
	gboolean changes;
	gboolean needs_args;
} verbs[] = {
	{ "help", CMD_HELP, FALSE, FALSE },
	{ "list", CMD_LIST, FALSE, FALSE },
	{ "show", CMD_SHOW, FALSE, TRUE },
	{ "accept", CMD_ACCEPT, TRUE, TRUE },
	{ "reject", CMD_REJECT, TRUE, TRUE },
	{ "waitlist", CMD_WAITLIST, TRUE, TRUE },
	{ "withdraw", CMD_WITHDRAW, TRUE, TRUE },
	{ "merge", CMD_MERGE, TRUE, TRUE },
	{ "lead add", CMD_LEAD_ADD, TRUE, TRUE },
	{ "lead remove", CMD_LEAD_REMOVE, TRUE, TRUE },
	{ "rename", CMD_RENAME, TRUE, TRUE },
	{ "note", CMD_NOTE, TRUE, TRUE },
	{ "cfp open", CMD_CFP_OPEN, TRUE, FALSE },
	{ "cfp close", CMD_CFP_CLOSE, TRUE, FALSE },
	{ "deadline", CMD_DEADLINE, TRUE, TRUE },
	{ "announce", CMD_ANNOUNCE, TRUE, TRUE },
	{ "digest now", CMD_DIGEST, TRUE, FALSE },
	{ "release", CMD_RELEASE, TRUE, FALSE },
	{ "undo", CMD_UNDO, TRUE, FALSE },
	{ "confirm", CMD_CONFIRM, TRUE, TRUE },
};

static const char help_text[] =
	"Commands, one per line, in the Subject or the body of a mail:\n"
	"  help                         this list\n"
	"  list [STATUS|all]            the MCs (proposed, accepted, rejected,\n"
	"                               waitlisted, withdrawn; default: all)\n"
	"  show MC                      one MC, with its recent history\n"
	"  accept MC [note]             decide; the leads are told by mail\n"
	"  reject MC [reason]\n"
	"  waitlist MC [note]\n"
	"  withdraw MC [note]\n"
	"  merge MC into MC             RSVPs and history go to the second\n"
	"  lead add MC Name <address>\n"
	"  lead remove MC address\n"
	"  rename MC New title\n"
	"  note MC text                 a line in the MC's history\n"
	"  cfp open | cfp close         accept new proposals, or not\n"
	"  deadline YYYY-MM-DD HH:MM ZONE   e.g. 2026-07-01 23:59 UTC\n"
	"  announce MC                  mail the MC's announcement to the list\n"
	"  digest now                   send this week's digests now\n"
	"  release                      send the decision mails held for review\n"
	"  undo                         take back the last decision\n"
	"  confirm TOKEN                run commands a confirmation mail names\n"
	"MC is an id (12 or MC-12), a slug (android), or a title; a title of\n"
	"several words may be quoted (\"Android MC\"), and a colon may follow\n"
	"it (reject cxl: out of scope).  \"#\" lines are comments; \"thanks\"\n"
	"ends the commands.\n";

const char *
cmd_help_text(void)
{
	return help_text;
}

gboolean
cmd_verb_changes(enum cmd_verb v)
{
	for (gsize i = 0; i < G_N_ELEMENTS(verbs); i++)
		if (verbs[i].verb == v)
			return verbs[i].changes;
	return FALSE;
}

const char *
cmd_verb_name(enum cmd_verb v)
{
	for (gsize i = 0; i < G_N_ELEMENTS(verbs); i++)
		if (verbs[i].verb == v)
			return verbs[i].words;
	return v == CMD_STOP ? "thanks" : "unknown";
}

/* The verb line starts with, and where its arguments begin. */
static int
verb_of(const char *line, const char **args)
{
	for (gsize i = 0; i < G_N_ELEMENTS(verbs); i++) {
		const char *w = verbs[i].words, *p = line;
		gboolean ok = TRUE;

		/* Words match ignoring case; one or more blanks between them. */
		while (ok && *w) {
			if (*w == ' ') {
				ok = *p == ' ' || *p == '\t';
				p += strspn(p, " \t");
				w++;
			} else {
				ok = g_ascii_tolower(*p) == *w;
				p++, w++;
			}
		}
		if (ok && (*p == '\0' || *p == ' ' || *p == '\t' || *p == ':')) {
			*args = p;
			return (int)i;
		}
	}
	return -1;
}

static struct cmd *
cmd_new(const char *line, gboolean in_subject)
{
	struct cmd *c = g_new0(struct cmd, 1);

	c->line = util_clean_line(line, CMD_MAX_LINE);
	c->args = g_strdup("");
	c->in_subject = in_subject;
	c->out = g_string_new(NULL);
	return c;
}

static void
cmd_free(struct cmd *c)
{
	g_free(c->line);
	g_free(c->args);
	g_string_free(c->out, TRUE);
	g_free(c);
}

static void
cmd_set(struct cmd *c, enum cmd_status st, const char *fmt, va_list ap)
{
	c->status = st;
	if (c->out->len)
		g_string_append_c(c->out, '\n');
	g_string_append_vprintf(c->out, fmt, ap);
}

void
cmd_done(struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmd_set(c, CMD_DONE, fmt, ap);
	va_end(ap);
}

void
cmd_fail(struct cmd_script *s, struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_string_truncate(c->out, 0);
	cmd_set(c, CMD_FAILED, fmt, ap);
	va_end(ap);
	s->errors++;
}

void
cmd_ignore(struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmd_set(c, CMD_IGNORED, fmt, ap);
	va_end(ap);
}

/* The shape of the arguments; what they name is checked when run. */
static void
check_args(struct cmd_script *s, struct cmd *c, gboolean needs_args)
{
	static const char *const filters[] = { "proposed", "accepted", "rejected", "waitlisted",
					       "withdrawn", "all", NULL };
	const char *a = c->args;

	if (needs_args && *a == '\0') {
		cmd_fail(s, c, "\"%s\" needs more: see \"help\"", cmd_verb_name(c->verb));
		return;
	}
	if (c->verb == CMD_LIST && *a && !g_strv_contains(filters, a)) {
		cmd_fail(s, c, "list what? proposed, accepted, rejected, waitlisted, withdrawn "
			 "or all");
	} else if (c->verb == CMD_MERGE && !g_regex_match_simple("\\S\\s+into\\s+\\S", a,
								  G_REGEX_CASELESS, 0)) {
		cmd_fail(s, c, "write it as: merge MC into MC");
	} else if ((c->verb == CMD_LEAD_ADD || c->verb == CMD_LEAD_REMOVE) && !strchr(a, '@')) {
		cmd_fail(s, c, "no address: lead %s MC %s", c->verb == CMD_LEAD_ADD ? "add" :
			 "remove", c->verb == CMD_LEAD_ADD ? "Name <address>" : "address");
	} else if ((c->verb == CMD_RENAME || c->verb == CMD_NOTE) && !strpbrk(a, " \t:")) {
		cmd_fail(s, c, "write it as: %s MC %s", cmd_verb_name(c->verb),
			 c->verb == CMD_RENAME ? "New title" : "text");
	}
}

static void
add_line(struct cmd_script *s, const char *raw, gboolean in_subject)
{
	struct cmd *c = cmd_new(raw, in_subject);
	const char *args;
	int i;

	g_ptr_array_add(s->cmds, c);
	if (strlen(raw) > CMD_MAX_LINE) {
		cmd_fail(s, c, "line longer than %d bytes", CMD_MAX_LINE);
		return;
	}
	if ((i = verb_of(c->line, &args)) < 0) {
		c->verb = CMD_UNKNOWN;
		cmd_fail(s, c, "unknown command (send \"help\" for the list)");
		return;
	}
	c->verb = verbs[i].verb;
	g_free(c->args);
	c->args = g_strstrip(g_strdup(args));
	check_args(s, c, verbs[i].needs_args);
}

/* 1 for a word that ends the commands ("thanks"), 2 for a signature line. */
static int
is_stop(const char *l)
{
	if (g_regex_match_simple("^(thanks?|thank\\s+you|thankyou|thx|quit|stop|end)\\b", l,
				 G_REGEX_CASELESS, 0))
		return 1;
	return g_regex_match_simple("^(--|_{10,})$", l, 0, 0) ? 2 : 0;
}

/* A Subject that is a command: not a reply, tags like "[LPC]" set aside. */
static char *
subject_command(const char *subject)
{
	const char *p = subject;
	const char *args;

	while (*p) {
		p += strspn(p, " \t");
		if (*p != '[' || strchr(p, ']') == NULL)
			break;
		p = strchr(p, ']') + 1;
	}
	if (verb_of(p, &args) < 0 || strlen(p) > CMD_MAX_LINE)
		return NULL;
	return g_strdup(p);
}

gboolean
cmd_starts_with_command(const char *subject, const char *text)
{
	char *subj = subject_command(subject ? subject : "");
	char **lines = g_strsplit(text ? text : "", "\n", -1);
	gboolean yes = subj != NULL;
	const char *args;

	for (int i = 0; !yes && lines[i]; i++) {
		char *l = g_strstrip(lines[i]);

		if (*l == '\0' || *l == '#')
			continue;
		yes = verb_of(l, &args) >= 0;
		break;
	}
	g_strfreev(lines);
	g_free(subj);
	return yes;
}

struct cmd_script *
cmd_parse(const char *subject, const char *text)
{
	struct cmd_script *s = g_new0(struct cmd_script, 1);
	char **lines = g_strsplit(text ? text : "", "\n", -1);
	char *subj = subject ? subject_command(subject) : NULL;
	int n = 0;

	s->cmds = g_ptr_array_new_with_free_func((GDestroyNotify)cmd_free);
	if (subj) {
		add_line(s, g_strstrip(subj), TRUE);
		n++;
	}
	for (int i = 0; lines[i]; i++) {
		char *l = g_strstrip(lines[i]);

		if (*l == '\0' || *l == '#' || *l == '>')
			continue;
		/* "On Mon, X wrote:" introduces a quote. */
		if (g_regex_match_simple("\\b(wrote|writes)\\s*:$", l, G_REGEX_CASELESS, 0))
			continue;
		if (n >= CMD_MAX_LINES || s->errors >= CMD_MAX_ERRORS) {
			s->cut = TRUE;
			break;
		}
		if (is_stop(l) == 1) {
			struct cmd *c = cmd_new(l, FALSE);

			c->verb = CMD_STOP;
			cmd_ignore(c, "the commands end here");
			g_ptr_array_add(s->cmds, c);
		}
		if (is_stop(l))
			break;
		add_line(s, l, FALSE);
		n++;
	}
	g_free(subj);
	g_strfreev(lines);
	return s;
}

void
cmd_script_free(struct cmd_script *s)
{
	if (s == NULL)
		return;
	g_ptr_array_unref(s->cmds);
	g_free(s);
}

gboolean
cmd_script_changes(const struct cmd_script *s)
{
	for (guint i = 0; i < s->cmds->len; i++) {
		const struct cmd *c = s->cmds->pdata[i];

		if (c->status == CMD_PENDING && cmd_verb_changes(c->verb))
			return TRUE;
	}
	return FALSE;
}

int
cmd_script_count(const struct cmd_script *s, enum cmd_status st)
{
	int n = 0;

	for (guint i = 0; i < s->cmds->len; i++) {
		const struct cmd *c = s->cmds->pdata[i];

		n += c->status == st && c->verb != CMD_STOP;
	}
	return n;
}

char *
cmd_script_lines(const struct cmd_script *s)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < s->cmds->len; i++) {
		const struct cmd *c = s->cmds->pdata[i];

		if (c->status == CMD_PENDING)
			g_string_append_printf(out, "%s\n", c->line);
	}
	return g_string_free(out, FALSE);
}

static void
append_result(GString *t, const struct cmd *c)
{
	static const char *const word[] = { "ignored", "done", "error", "ignored" };
	char **lines = g_strsplit(c->out->len ? c->out->str : "not run", "\n", -1);

	g_string_append_printf(t, "> %s\n", c->line);
	g_string_append_printf(t, "%s: %s\n", word[c->status], lines[0]);
	for (int i = 1; lines[i]; i++)
		g_string_append_printf(t, "  %s\n", lines[i]);
	g_strfreev(lines);
}

char *
cmd_transcript(const struct cmd_script *s)
{
	GString *t = g_string_new(NULL);
	int commands = 0;

	for (guint i = 0; i < s->cmds->len; i++) {
		const struct cmd *c = s->cmds->pdata[i];

		append_result(t, c);
		commands += c->verb != CMD_UNKNOWN && c->verb != CMD_STOP;
	}
	if (s->cut)
		g_string_append_printf(t, "Stopped: at most %d commands and %d errors are read "
				       "from one mail.\n", CMD_MAX_LINES, CMD_MAX_ERRORS);
	if (commands == 0) {
		if (s->cmds->len == 0)
			g_string_append(t, "No commands found.\n");
		g_string_append_printf(t, "\n%s", help_text);
	}
	return g_string_free(t, FALSE);
}
