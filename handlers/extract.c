/*
 * extract.c - reading a proposal: which text holds it, its title, and the
 * quoted parts and signature that are not part of it.
 *
 * The title is taken from the text when the text states one ("Title:",
 * "# Heading", a short line standing alone before the first list) and
 * the Subject does not contradict it; otherwise from the Subject, since
 * the call asks for the MC name there.  When the body is only a cover
 * note, the attachment that reads most like a proposal is used.  When
 * the sender's own words hold nothing, the `help` form filled in inside
 * the quote of our reply is read.
 */
#include <limits.h>
#include <string.h>

#include "extract_p.h"

struct person *
person_new(const char *name, const char *email)
{
	struct person *p = g_new0(struct person, 1);

	p->name = g_strdup(name ? name : "");
	p->email = g_strdup(email);
	return p;
}

void
person_free(struct person *p)
{
	if (p == NULL)
		return;
	g_free(p->name);
	g_free(p->email);
	g_free(p);
}

struct proposal *
proposal_new(void)
{
	struct proposal *p = g_new0(struct proposal, 1);

	p->description = g_strdup("");
	p->topics = g_ptr_array_new_with_free_func(g_free);
	p->leads = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
	p->attendees = g_ptr_array_new_with_free_func(g_free);
	p->constraints = g_ptr_array_new_with_free_func(g_free);
	return p;
}

void
proposal_free(struct proposal *p)
{
	if (p == NULL)
		return;
	g_free(p->title);
	g_free(p->description);
	g_ptr_array_free(p->topics, TRUE);
	g_ptr_array_free(p->leads, TRUE);
	g_ptr_array_free(p->attendees, TRUE);
	g_free(p->attendees_label);
	g_free(p->accomplishments);
	g_ptr_array_free(p->constraints, TRUE);
	g_free(p);
}

static char *
replace(GRegex **slot, const char *pattern, const char *s)
{
	return g_regex_replace(extract_regex(slot, pattern, G_REGEX_CASELESS), s, -1, 0, "", 0,
			       NULL);
}

char *
extract_subject_title(const char *subject)
{
	static GRegex *reply, *tag, *prefix, *suffix;
	char *s = extract_squash(subject ? subject : "");
	char *prev = NULL;

	while (prev == NULL || strcmp(prev, s) != 0) {
		char *t;

		g_free(prev);
		prev = s;
		t = replace(&reply, "^(re|fwd?|fw|aw|wg|sv|vs|antw)\\s*(\\[\\d+\\])?\\s*:\\s*", prev);
		s = replace(&tag, "^\\[[^\\]]*\\]\\s*", t);
		g_free(t);
		t = s;
		s = replace(&prefix, "^((mc|microconference|micro-conference)\\s+)?proposal"
			    "(\\s+for\\s+(an?\\s+)?(mc|microconference))?\\s*[:\u2013-]\\s*", t);
		g_free(t);
		t = s;
		s = replace(&suffix, "(\\s+proposal(\\s+(for|at)\\s+.*)?|\\s*\\((v\\d+|updated?|"
			    "revised|resend)\\)|\\s+v\\d+)$", t);
		g_free(t);
		g_strstrip(s);
	}
	g_free(prev);
	return s;
}

/* "-----Original Message-----" and the like; the pattern needs "--" or
 * "__", which most lines do not have. */
static gboolean
is_quote_separator(const char *l)
{
	static GRegex *re;

	return (strstr(l, "--") != NULL || strstr(l, "__") != NULL) &&
	       g_regex_match(extract_regex(&re, "^\\s*(-{2,}\\s*original message\\s*-{2,}|"
					   "_{10,}|-{2,}\\s*forwarded message\\s*-{2,})\\s*$",
					   G_REGEX_CASELESS), l, 0, NULL);
}

/* Whether l ends in ':' and spaces (the attribution pattern needs it): no
 * ASCII byte other than a space after its last ':' (any other byte may
 * be part of a Unicode space). */
static gboolean
ends_in_colon(const char *l)
{
	const char *p = strrchr(l, ':');

	if (p == NULL)
		return FALSE;
	while (*++p)
		if (!(*p & 0x80) && strchr(" \t\n\v\f\r", *p) == NULL)
			return FALSE;
	return TRUE;
}

char *
extract_strip_quotes(const char *text)
{
	static GRegex *attrib;
	char **lines = g_strsplit(text ? text : "", "\n", -1);
	int n = (int)g_strv_length(lines), end = n;
	GString *out = g_string_new(NULL);
	gboolean *drop = g_new0(gboolean, n + 1);

	for (int i = 0; i < n; i++) {
		char *l = lines[i];
		size_t len = strlen(l);

		if (len && l[len - 1] == '\r')
			l[--len] = '\0';
		if (strcmp(l, "-- ") == 0 || (strcmp(l, "--") == 0 && n - i < 12) ||
		    is_quote_separator(l)) {
			end = i;
			break;
		}
		if (l[0] == '>')
			drop[i] = TRUE;
	}
	/* "On <date>, X wrote:" over a quote, possibly wrapped over two lines */
	for (int i = 0; i < end; i++) {
		int j = i + 1;

		if (!ends_in_colon(lines[i]) ||
		    !g_regex_match(extract_regex(&attrib, "(wrote|writes|schrieb|a écrit|escribió)"
						 "\\s*:\\s*$", G_REGEX_CASELESS), lines[i], 0, NULL))
			continue;
		while (j < end && lines[j][0] == '\0')
			j++;
		if (j < end && !drop[j])
			continue;
		drop[i] = TRUE;
		if (i > 0 && lines[i - 1][0] != '\0' && g_str_has_prefix(lines[i - 1], "On "))
			drop[i - 1] = TRUE;
	}
	for (int i = 0; i < end; i++) {
		if (drop[i])
			continue;
		g_string_append(out, lines[i]);
		g_string_append_c(out, '\n');
	}
	while (out->len && g_ascii_isspace(out->str[out->len - 1]))
		g_string_truncate(out, out->len - 1);
	if (out->len)
		g_string_append_c(out, '\n');
	g_free(drop);
	g_strfreev(lines);
	return g_string_free(out, FALSE);
}

/* A subject or line that names no MC ("Call for proposals", "Proposal"). */
static gboolean
generic(const char *s)
{
	static GRegex *re;

	return g_regex_match(extract_regex(&re, "call for|\\bcfp\\b|^(\\W*\\b(our|my|new|an?|the|"
					   "lpc|linux|plumbers|conference|\\d{4}|mcs?|micro-?"
					   "conferences?|proposals?|submission|for|at|to|of|help|form)\\b)*\\W*$",
					   G_REGEX_CASELESS), s, 0, NULL);
}

/* Lowercase, without a leading "the" and a trailing "MC"/"Microconference". */
static char *
title_key(const char *t)
{
	static GRegex *re;
	char *f = g_utf8_casefold(t, -1);
	char *k = replace(&re, "^(the\\s+)|\\s*\\b(mc|micro-?conference|micro conference)\\s*$", f);

	g_free(f);
	return g_strstrip(k);
}

/* Share of the subject's words that the candidate also has, in percent. */
static int
overlap(const char *cand, const char *subj)
{
	static const char *const stop = " mc microconference micro conference the and of for a lpc ";
	static GRegex *nonword;
	GRegex *split = extract_regex(&nonword, "[^\\p{L}\\p{N}]+", 0);
	char *c = g_utf8_casefold(cand, -1), *s = g_utf8_casefold(subj, -1);
	char **sw = g_regex_split(split, s, 0);
	char **cw = g_regex_split(split, c, 0);
	int total = 0, common = 0;

	for (int i = 0; sw[i]; i++) {
		char *key = g_strdup_printf(" %s ", sw[i]);

		if (*sw[i] && strstr(stop, key) == NULL) {
			total++;
			for (int j = 0; cw[j]; j++)
				if (strcmp(cw[j], sw[i]) == 0) {
					common++;
					break;
				}
		}
		g_free(key);
	}
	g_strfreev(sw);
	g_strfreev(cw);
	g_free(c);
	g_free(s);
	return total ? common * 100 / total : 0;
}

/* The paragraph as a title: one short line, not a sentence, not a
 * greeting, not "Proposal" alone (new string), or NULL. */
static char *
title_like(const struct xblock *b)
{
	static GRegex *verbs, *capital;
	char *t, *h = NULL, *r = NULL, *bare;
	size_t n;
	int words = 1;
	gboolean ok;

	if (b->kind != XB_PARA || b->lines->len != 1)
		return NULL;
	t = g_strdup(b->text);
	g_strstrip(g_strdelimit(t, "*", ' '));
	n = strlen(t);
	if (n == 0 || n > 120 || strchr(".,;:!?", t[n - 1]) || !g_unichar_isalnum(g_utf8_get_char(t)) ||
	    extract_is_greeting(t) || extract_is_closing(t) || extract_is_cover(t)) {
		g_free(t);
		return NULL;
	}
	for (const char *p = t; *p; p++)
		words += (*p == ' ');
	bare = extract_subject_title(t);
	ok = words <= 12 && !generic(bare) && g_regex_match(extract_regex(&capital, "[\\p{Lu}\\p{N}]", 0), t, 0, NULL) &&
	     !g_regex_match(extract_regex(&verbs, "\\b(is|are|was|were|will|would|we|our|i|you|"
					  "please|has|have)\\b", G_REGEX_CASELESS), t, 0, NULL) &&
	     extract_inline_heading(t, &h, &r) == XSEC_NONE;
	g_free(bare);
	g_free(h);
	g_free(r);
	if (!ok)
		g_clear_pointer(&t, g_free);
	return t;
}

/* "Title: X" (first line of a paragraph): X, else NULL. */
static char *
title_field(const struct xblock *b)
{
	static GRegex *re;
	GMatchInfo *mi = NULL;
	char *t = NULL;

	if (b->kind == XB_PARA &&
	    g_regex_match(extract_regex(&re, "^\\**((mc|microconference|micro-conference)\\s+"
					"(title|name)|title|mc|microconference|micro-conference)\\**"
					"\\s*:\\**\\s*(.+?)\\**$", G_REGEX_CASELESS),
			  b->lines->pdata[0], 0, &mi)) {
		char *raw = g_match_info_fetch(mi, 4);

		t = extract_squash(raw);        /* one line: no TAB from the text */
		g_free(raw);
		if (*t == '\0')
			g_clear_pointer(&t, g_free);
	}
	g_match_info_free(mi);
	return t;
}

/* The title, and the first block after the cover note and title line. */
static char *
title_pick(const struct xdoc *d, const char *subject, int *body_start)
{
	char *subj = extract_subject_title(subject);
	char *cand = NULL, *title = NULL;
	int cand_at = -1;

	*body_start = 0;
	for (guint i = 0; i < d->blocks->len && title == NULL; i++) {
		const struct xblock *b = d->blocks->pdata[i];

		if ((title = title_field(b)) != NULL || (cand_at < 0 && b->kind == XB_HEADING &&
							 (title = g_strdup(b->text)) != NULL))
			*body_start = (int)i + 1;
		else if (cand_at < 0 && b->kind == XB_LIST)
			cand_at = INT_MAX;
		else if (cand_at < 0 && (cand = title_like(b)) != NULL)
			cand_at = (int)i;
	}
	if (generic(subj))
		g_clear_pointer(&subj, g_free);
	if (title == NULL && cand) {
		char *ck = title_key(cand), *sk = subj ? title_key(subj) : NULL;

		if (subj == NULL || strcmp(ck, sk) == 0 ||
		    (overlap(cand, subj) >= 50 && !(strstr(ck, sk) && strlen(ck) > strlen(sk) + 15))) {
			title = g_strdup(cand);
			*body_start = cand_at + 1;
		}
		g_free(ck);
		g_free(sk);
	}
	g_free(cand);
	if (title == NULL && subj)
		title = g_strdup(subj);
	if (*body_start == 0) {
		while (*body_start < (int)d->blocks->len) {
			const struct xblock *b = d->blocks->pdata[*body_start];

			if (b->kind != XB_PARA || !(extract_is_greeting(b->text) ||
						    extract_is_cover(b->text)))
				break;
			(*body_start)++;
		}
	}
	g_free(subj);
	if (title)
		g_strstrip(title);
	return title;
}

/* text with the quote marks taken off the quoted lines (new string) */
static char *
dequote(const char *text)
{
	static GRegex *re;

	return g_regex_replace(extract_regex(&re, "^[ \\t]*>[ \\t]?", G_REGEX_MULTILINE), text,
			       -1, 0, "", 0, NULL);
}

static struct proposal *
read_own(const char *subject, const char *own)
{
	struct proposal *p = proposal_new();
	struct xdoc *d;
	int body_start = 0;

	if (extract_is_form(own)) {
		extract_form_read(own, p);
		if (p->title == NULL) {
			char *s = extract_subject_title(subject);

			if (generic(s))
				g_free(s);
			else
				p->title = s;
		}
		return p;
	}
	d = extract_doc_parse(own);
	p->title = title_pick(d, subject, &body_start);
	extract_sections_read(d, body_start, p);
	extract_doc_free(d);
	return p;
}

static int score(const struct proposal *p);

static struct proposal *
read_text(const char *subject, const char *text)
{
	char *own = extract_strip_quotes(text);
	struct proposal *p = read_own(subject, own);
	char *unquoted;
	const char *form;

	g_free(own);
	if (p->from_form || score(p) > 0 || text == NULL || !strchr(text, '>'))
		return p;
	/* nothing of our own: the form filled in inside the quote of our help reply */
	unquoted = dequote(text);
	form = extract_form_find(unquoted);
	if (form) {
		struct proposal *q;

		own = extract_strip_quotes(form);
		q = read_own(subject, own);
		g_free(own);
		if (q->from_form && score(q) > 0) {
			proposal_free(p);
			p = q;
		} else
			proposal_free(q);
	}
	g_free(unquoted);
	return p;
}

static int
score(const struct proposal *p)
{
	return 3 * (p->leads->len > 0) + 3 * (p->topics->len > 0) + (p->attendees->len > 0) +
	       (strlen(p->description) > 300) + (p->from_form && *p->description);
}

struct proposal *
extract_proposal(const char *subject, const char *body, GPtrArray *attachments)
{
	struct proposal *best = read_text(subject, body);
	int best_score = score(best);

	for (guint i = 0; attachments && i < attachments->len; i++) {
		const char *a = attachments->pdata[i];
		struct proposal *p;
		int s;

		if (a == NULL || *a == '\0')
			continue;
		p = read_text(subject, a);
		s = score(p);
		if (s > best_score) {
			proposal_free(best);
			best = p;
			best_score = s;
		} else
			proposal_free(p);
	}
	return best;
}
