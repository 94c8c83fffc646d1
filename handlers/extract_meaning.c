/*
 * extract_meaning.c - what a heading is about, by its words.
 *
 * Proposals name their sections in many ways ("MC leads", "Contacts",
 * "Projected talks", "The most pressing problems right now are:", "People
 * that would be great to have in the room"), so a heading is classified by
 * families of words, checked in an order that settles the usual conflicts:
 * people before results of earlier editions ("since last year ...")
 * before topics, and "categories" of a list are never its topics.  Text in
 * parentheses ("(stakeholders)", "(but not limited to)") is not read.
 * When the last sentence of a lead-in paragraph says nothing ("The most
 * important ones are:"), the sentences before it decide.
 */
#include <string.h>

#include "extract_p.h"

static gboolean
has(GRegex **slot, const char *pattern, const char *s)
{
	return g_regex_match(extract_regex(slot, pattern, G_REGEX_CASELESS), s, 0, NULL);
}

/* s without (...) and [...] parts, Markdown emphasis, squashed. */
static char *
unparen(const char *s)
{
	GString *out = g_string_new(NULL);
	int depth = 0;
	char *r;

	for (const char *p = s; *p; p++) {
		if (*p == '(' || *p == '[')
			depth++;
		else if ((*p == ')' || *p == ']') && depth > 0)
			depth--;
		else if (depth == 0 && *p != '*' && *p != '`' && *p != '_')
			g_string_append_c(out, *p);
	}
	r = extract_squash(out->str);
	g_string_free(out, TRUE);
	return r;
}

static enum xsec
classify_sentence(const char *s)
{
	static GRegex *authors, *ignored, *leads, *led_by, *attend, *accomp, *categ, *topics,
		*other;

	if (has(&authors, "^(primary |main )?authors?\\s*:?$", s))
		return XSEC_AUTHORS;
	if (has(&ignored, "^(co-?authors?|presenters?|speakers?|submitters?|submitted by)\\s*:?$", s))
		return XSEC_IGNORED_PEOPLE;
	if (has(&leads, "^(the )?((mc|microconference|micro-conference|track|session|proposed|"
		"our) )?(co-?)?(leads?|leaders?|runners?|organi[sz]ers?|chairs?|co-?chairs?|"
		"contacts?|contact persons?|moderators?|owners?)(\\s*(&|and|/)\\s*(leads?|contacts?|"
		"organi[sz]ers?|chairs?))?( of (the|this) "
		"(mc|microconference|micro-conference|track))?( are| is| will be)?\\s*:?$", s))
		return XSEC_LEADS;
	if (has(&led_by, "\\b(led|run|organi[sz]ed|chaired|moderated) by\\s*:?$", s))
		return XSEC_LEADS;
	if (has(&attend, "\\b(attendees?|attend|attending|attendance|participants?|invited|"
		"invitees?|stakeholders?|key people|people (who|that|we)|in the room|"
		"would like to see|expected audience)\\b", s))
		return XSEC_ATTENDEES;
	if (has(&accomp, "\\b(accomplish\\w*|achieved|achievements?|highlights?|progress|outcomes?|"
		"results? (of|from) (the )?(last|previous|past|prior)|as a result|"
		"since (the )?(last|previous|prior)|(past|previous|earlier) editions?|"
		"last year'?s? (mc|micro\\w*|edition)|developments|"
		"(have|has) been (addressed|merged|upstreamed|resolved|landed))\\b", s))
		return XSEC_ACCOMPLISHMENTS;
	if (has(&categ, "\\bcategor(y|ies)\\b", s))
		return XSEC_OTHER;
	if (has(&topics, "\\b(topics?|talks?|discuss|discussed|discussing|discussions?|"
		"problems?|questions?|sessions?|bofs?|agenda|subjects?|ideas|themes?|"
		"presentations?|areas to address|to be covered|to cover|open issues)\\b",
		s))
		return XSEC_TOPICS;
	if (has(&other, "\\b(features|references|links|footnotes|goals|requirements|efforts|"
		"resources|sponsors)\\b", s))
		return XSEC_OTHER;
	return XSEC_NONE;
}

/* Sentences of s, last first (new strings). */
static GPtrArray *
sentences_rev(const char *s)
{
	static GRegex *split;
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	char **parts = g_regex_split(extract_regex(&split, "(?<=[.!?])\\s+(?=[A-Z])", 0), s, 0);

	for (int i = (int)g_strv_length(parts) - 1; i >= 0; i--) {
		char *t = g_strstrip(g_strdup(parts[i]));

		if (*t)
			g_ptr_array_add(out, t);
		else
			g_free(t);
	}
	g_strfreev(parts);
	return out;
}

enum xsec
extract_classify(const char *text, gboolean *strong)
{
	char *t = unparen(text);
	GPtrArray *sent = sentences_rev(t);
	enum xsec k = XSEC_NONE;

	if (strong)
		*strong = FALSE;
	for (guint i = 0; i < sent->len && k == XSEC_NONE; i++) {
		k = classify_sentence(sent->pdata[i]);
		if (k != XSEC_NONE && strong)
			*strong = (i == 0);
	}
	g_ptr_array_free(sent, TRUE);
	g_free(t);
	return k;
}

char *
extract_label(const char *heading)
{
	GPtrArray *sent = sentences_rev(heading);
	char *t = extract_squash(sent->len ? sent->pdata[0] : heading);
	char *cut;
	size_t n;

	g_ptr_array_free(sent, TRUE);
	if ((cut = strstr(t, " - ")) != NULL || (cut = strstr(t, " \u2013 ")) != NULL)
		*cut = '\0';
	n = strlen(t);
	while (n > 0 && (t[n - 1] == ':' || t[n - 1] == ' ' || t[n - 1] == '*'))
		t[--n] = '\0';
	while (*t == '*')
		memmove(t, t + 1, strlen(t));
	return t;
}

enum xsec
extract_inline_heading(const char *para, char **heading, char **rest)
{
	const char *colon = strchr(para, ':'), *after;
	enum xsec k;
	char *h, *raw;
	int words = 1;

	*heading = *rest = NULL;
	if (colon == NULL || colon == para || colon - para > 60)
		return XSEC_NONE;
	after = colon + 1;
	while (*after == '*' || *after == '_')         /* "**MC leads:** A, B" */
		after++;
	if (*after != ' ')
		return XSEC_NONE;
	raw = g_strndup(para, colon - para);
	h = unparen(raw);
	g_free(raw);
	for (const char *p = h; *p; p++)
		words += (*p == ' ');
	k = words <= 6 ? classify_sentence(h) : XSEC_NONE;
	if (k == XSEC_LEADS || k == XSEC_AUTHORS || k == XSEC_IGNORED_PEOPLE ||
	    k == XSEC_ATTENDEES || k == XSEC_TOPICS) {
		*heading = h;
		*rest = g_strstrip(g_strdup(after));
		return k;
	}
	g_free(h);
	return XSEC_NONE;
}

gboolean
extract_prose_attendees(const char *para, char **label, char **names)
{
	static GRegex *re;
	GRegex *r = extract_regex(&re, "\\b((?:key |main |expected |potential |confirmed )?"
				  "(?:people|attendees|participants)\\b[^.:;]{0,80}?)\\s+"
				  "(?:are|include|includes|will be)\\s*:?\\s+"
				  "(.+?)(?:(?<!\\b\\p{Lu})\\.(?:\\s|$)|$)", G_REGEX_CASELESS);
	GMatchInfo *mi = NULL;
	gboolean ok = FALSE;

	*label = *names = NULL;
	if (g_regex_match(r, para, 0, &mi)) {
		*label = g_match_info_fetch(mi, 1);
		*names = g_match_info_fetch(mi, 2);
		ok = TRUE;
	}
	g_match_info_free(mi);
	return ok;
}

gboolean
extract_prose_leads(const char *para, char **names)
{
	static GRegex *re;
	GRegex *r = extract_regex(&re, "(?:\\b(?:is|are|will be)\\s+|^|\\.\\s+)(?:co-?)?(?:led|run|"
				  "organi[sz]ed|chaired)\\s+by\\s*:?\\s+(.+?)(?:\\.\\s|\\.?$)|"
				  "\\b(?:mc |microconference |micro-conference )?(?:co-?)?lead(?:er)?s?"
				  "\\s+(?:are|is|will be)\\s*:?\\s+(.+?)(?:\\.\\s|\\.?$)",
				  G_REGEX_CASELESS);
	GMatchInfo *mi = NULL;
	gboolean ok = FALSE;

	*names = NULL;
	if (g_regex_match(r, para, 0, &mi)) {
		*names = g_match_info_fetch(mi, 1);
		if (*names == NULL || **names == '\0') {
			g_free(*names);
			*names = g_match_info_fetch(mi, 2);
		}
		ok = TRUE;
	}
	g_match_info_free(mi);
	return ok;
}

/* A sentence about scheduling: a wish about when (the wish, rarer, is
 * looked for first). */
static gboolean
is_constraint(const char *s)
{
	static GRegex *when, *modal;

	return has(&modal, "\\b(only|cannot|can't|can not|unable|not available|prefer\\w*|"
		   "would (ideally )?like|need|needs|must|please|if (at all )?possible|"
		   "if we can|avoid|don't|do not|should not|shouldn't|at least|at most)\\b", s) &&
	       has(&when, "\\b(\\d+\\s*(minutes?|mins?|hours?|hrs?|days?)|half[- ]day|"
		   "full[- ]day|(a|one|two|whole) days?|slots?|rooms?|overlap\\w*|"
		   "conflicts?|clash\\w*|schedule[ds]?|january|february|march|april|june|july|"
		   "august|september|october|november|december|monday|tuesday|wednesday|"
		   "thursday|friday|saturday|sunday|mornings?|afternoons?|time ?zones?)\\b", s);
}

/*
 * Neither pattern can match across a sentence end (". " before a capital:
 * no alternative holds [.!?] followed by a space), and the context around
 * a sentence is the same for \b in the whole text: so when the whole text
 * has no match of one of them, no sentence has, and it is not split.
 */
void
extract_constraints(const char *text, GPtrArray *out)
{
	GPtrArray *sent;

	if (!is_constraint(text))
		return;
	sent = sentences_rev(text);
	for (int i = (int)sent->len - 1; i >= 0; i--)
		if (is_constraint(sent->pdata[i]))
			g_ptr_array_add(out, g_strdup(sent->pdata[i]));
	g_ptr_array_free(sent, TRUE);
}

gboolean
extract_is_accomplishment_prose(const char *para)
{
	static GRegex *when, *what;

	return has(&when, "(since (the )?(last|previous) (year'?s? )?(mc|micro\\w*|edition|"
		   "iteration|lpc|plumbers)|as a result of|result of last|"
		   "at the (20\\d\\d|last|previous) .{0,40}(mc|micro\\w*)|"
		   "last year'?s? (mc|micro\\w*|edition)|previous (mc|micro\\w*|edition)|"
		   "(past|previous) editions?)", para) &&
	       has(&what, "(merged|progress|resolved|landed|upstream|accomplish|achiev|helped|"
		   "developments)", para);
}
