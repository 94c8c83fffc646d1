/*
 * classify.c - deciding the kind of a mail by its form.
 *
 * Order matters: mail that must not be answered first, then the short
 * forms (help, commands, the proposal form), then RSVPs (a few own lines
 * saying "attend" or "can't make it", or a reply to an announcement), then
 * proposals (anything long enough to describe an MC).
 */
#include <string.h>

#include "classify.h"
#include "extract.h"
#include "rsvp.h"

#define RSVP_MAX_OWN 700        /* bytes of own text an RSVP has at most */
#define RSVP_SUBJECT_OWN 300    /* an RSVP by its Subject alone has less to say */
#define PROPOSAL_MIN_OWN 200    /* a proposal says at least this much */

static const char *const command_verbs[] = {
	"list", "show", "accept", "reject", "waitlist", "withdraw", "merge", "lead",
	"rename", "note", "cfp", "deadline", "announce", "digest", "release", "undo",
	"confirm", NULL
};

const char *
kind_name(enum mail_kind k)
{
	static const char *const names[] = { "ignored", "help", "command", "rsvp", "proposal",
					     "unknown" };
	return names[k];
}

/* The patterns are a handful of literals: each is compiled once, then kept. */
static gboolean
has_word(const char *hay, const char *re)
{
	static GHashTable *compiled;        /* pattern (static string) -> GRegex */
	GRegex *r;

	if (compiled == NULL)
		compiled = g_hash_table_new(g_str_hash, g_str_equal);
	r = g_hash_table_lookup(compiled, re);
	if (r == NULL) {
		r = g_regex_new(re, G_REGEX_CASELESS | G_REGEX_MULTILINE | G_REGEX_OPTIMIZE, 0,
				NULL);
		g_assert(r != NULL);
		g_hash_table_insert(compiled, (gpointer)re, r);
	}
	return g_regex_match(r, hay, 0, NULL);
}

/* "Auto-Submitted: no" (RFC 3834), whatever the case, comment or parameters. */
static gboolean
auto_submitted_no(const char *v)
{
	gsize n;

	while (*v == ' ' || *v == '\t')
		v++;
	n = strcspn(v, " \t;(");
	return n == 2 && g_ascii_strncasecmp(v, "no", 2) == 0;
}

/* Any X-Loop field of the top header (struct mail keeps the first only) names addr. */
static gboolean
x_loop_names(const struct mail *m, const char *addr)
{
	const char *p = m->raw, *end = m->raw ? m->raw + m->raw_len : NULL;
	gsize n = addr ? strlen(addr) : 0;

	while (p && p < end && *p != '\n' && *p != '\r') {
		const char *nl = memchr(p, '\n', (gsize)(end - p)), *v = p + 7, *e;

		e = nl ? nl : end;
		if (e - p > 7 && g_ascii_strncasecmp(p, "X-Loop:", 7) == 0) {
			while (v < e && (*v == ' ' || *v == '\t' || *v == '<'))
				v++;
			if ((gsize)(e - v) >= n && g_ascii_strncasecmp(v, addr, n) == 0 &&
			    (v + n == e || strchr(" \t\r>", v[n])))
				return TRUE;
		}
		p = nl ? nl + 1 : end;
	}
	return FALSE;
}

const char *
classify_drop_reason(const struct mail *m, const char *list_address)
{
	if (m->auto_submitted && !auto_submitted_no(m->auto_submitted))
		return "auto-submitted";
	if (m->return_path && (m->return_path[0] == '\0' ||
			       g_ascii_strncasecmp(m->return_path, "mailer-daemon", 13) == 0))
		return "bounce";
	if (m->from_addr && g_ascii_strncasecmp(m->from_addr, "mailer-daemon@", 14) == 0)
		return "bounce";
	if (m->is_report)
		return "report";
	if (m->precedence && has_word(m->precedence, "^\\s*(bulk|junk|list)\\b"))
		return "precedence";
	if (m->has_list_headers)
		return "list";
	if (list_address && m->x_loop && g_ascii_strcasecmp(m->x_loop, list_address) == 0)
		return "loop";
	if (list_address && x_loop_names(m, list_address))
		return "loop";
	if (list_address && m->from_addr && g_ascii_strcasecmp(m->from_addr, list_address) == 0)
		return "loop";
	/* Our own envelope sender: one of our mails came back. */
	if (list_address && m->return_path && g_ascii_strcasecmp(m->return_path, list_address) == 0)
		return "loop";
	if (m->from_addr == NULL)
		return "no-sender";
	return NULL;
}

char *
classify_own_text(const struct mail *m)
{
	char *own = extract_strip_quotes(m->text);

	if (*g_strstrip(own) == '\0' && m->attachments->len > 0) {
		const struct mail_attachment *a = m->attachments->pdata[0];

		g_free(own);
		own = extract_strip_quotes(a->text);
		g_strstrip(own);
	}
	return own;
}

const char *
classify_command_verb(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	for (int i = 0; command_verbs[i]; i++) {
		size_t n = strlen(command_verbs[i]);

		if (g_ascii_strncasecmp(line, command_verbs[i], n) == 0 &&
		    (line[n] == '\0' || line[n] == ' ' || line[n] == '\t'))
			return command_verbs[i];
	}
	return NULL;
}

static char *
subject_core(const char *subject)
{
	static GRegex *re;
	char *s;

	if (g_once_init_enter(&re))
		g_once_init_leave(&re, g_regex_new("^\\s*((re|fwd?|aw|sv)\\s*:\\s*)+",
						   G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL));
	s = g_regex_replace_literal(re, subject, -1, 0, "", 0, NULL);
	return g_strstrip(s);
}

static gboolean
is_help(const char *subj, const char *own)
{
	return g_ascii_strcasecmp(subj, "help") == 0 ||
	       (g_ascii_strcasecmp(own, "help") == 0 && strlen(subj) < 40 &&
		!has_word(subj, "propos"));
}

/* Every non-empty own line is a command (or "thanks"): a command mail. */
static gboolean
is_command(const char *subj, const char *own)
{
	char **lines = g_strsplit(own, "\n", -1);
	int cmds = 0, other = 0;

	if (classify_command_verb(subj) && strlen(subj) < 200)
		cmds++;
	for (int i = 0; lines[i]; i++) {
		char *l = g_strstrip(lines[i]);

		if (*l == '\0' || *l == '#')
			continue;
		if (g_ascii_strcasecmp(l, "thanks") == 0 || g_ascii_strcasecmp(l, "quit") == 0)
			break;
		if (classify_command_verb(l))
			cmds++;
		else
			other++;
	}
	g_strfreev(lines);
	return cmds > 0 && other == 0;
}

/* In-Reply-To or References name an announcement (ours or the older form). */
static gboolean
replies_to_announcement(const struct mail *m)
{
	char *key;
	int id;

	if (rsvp_announce_id_parse(m->in_reply_to, &key, &id)) {
		g_free(key);
		return TRUE;
	}
	for (guint i = 0; i < m->references->len; i++)
		if (rsvp_announce_id_parse(m->references->pdata[i], &key, &id)) {
			g_free(key);
			return TRUE;
		}
	return FALSE;
}

/*
 * A few own lines that RSVP by their Subject, their wording or their
 * address, or any short reply to an announcement.  A reply in a proposal's
 * thread must say so in words: leads answer there too.
 */
static gboolean
is_rsvp(const struct mail *m, const char *subj, const char *own, const char *list_address)
{
	gsize len = strlen(own);

	if (len > RSVP_MAX_OWN)
		return FALSE;
	/* "please withdraw our proposal" is about a proposal, not attending */
	if (has_word(own, "\\b(withdraw|cancel|retract)\\w*\\b.{0,40}\\bproposal"))
		return FALSE;
	if (rsvp_to_subaddress(m, list_address) || has_word(subj, "^(\\[[^\\]]*\\]\\s*)*rsvp\\b"))
		return TRUE;
	if (rsvp_wording(own) != RSVP_SAYS_NOTHING)
		return TRUE;
	if (len < RSVP_SUBJECT_OWN &&
	    (rsvp_wording(subj) != RSVP_SAYS_NOTHING ||
	     has_word(subj, "\\b(attendance|attending|registration)\\b")))
		return TRUE;
	return replies_to_announcement(m);
}

/* A text attachment long enough to be a proposal (the body being a cover note). */
static gboolean
has_long_attachment(const struct mail *m)
{
	for (guint i = 0; i < m->attachments->len; i++) {
		const struct mail_attachment *a = m->attachments->pdata[i];

		if (a->text && strlen(a->text) >= PROPOSAL_MIN_OWN)
			return TRUE;
	}
	return FALSE;
}

enum mail_kind
classify(const struct mail *m, const struct store *st, const char *list_address)
{
	char *own, *subj;
	enum mail_kind k;
	gsize len;

	if (classify_drop_reason(m, list_address))
		return KIND_DROP;
	own = classify_own_text(m);
	subj = subject_core(m->subject);
	len = strlen(own);
	if (is_help(subj, own))
		k = KIND_HELP;
	else if (is_command(subj, own))
		k = KIND_COMMAND;
	else if (extract_is_form(own) || has_long_attachment(m))
		k = KIND_PROPOSAL;
	else if (is_rsvp(m, subj, own, list_address))
		k = KIND_RSVP;
	else if (len >= PROPOSAL_MIN_OWN)
		k = KIND_PROPOSAL;
	else
		k = KIND_UNKNOWN;
	g_free(subj);
	g_free(own);
	return k;
}
