/*
 * extract_sections.c - walking the blocks of a free-text proposal and
 * putting each where it belongs.
 *
 * A list belongs to the section its lead-in names: the paragraph just
 * before it, or, when that one says nothing about its kind, a heading one
 * further up ("Key Stakeholders" / "Apologies ...:" / list).  A paragraph
 * under a people heading is read as names when it mostly holds names
 * ("MC leads:" over "Kate Stewart, Philipp Ahmann").  Leads come from a
 * leads section; the Indico "Primary authors" line only when there is
 * none, and prose ("will be led by A and B") last.  The proposal ends at
 * a closing ("Thanks,") that no section follows; only a P.S. with
 * constraints is read after it.  When no list is said to hold topics, the
 * first list nothing claimed is taken, unless it holds names.
 */
#include <string.h>

#include "extract_p.h"

struct walk {
	const struct xdoc *d;
	struct proposal *p;
	GPtrArray *leads, *authors, *attendees;     /* struct person * */
	GPtrArray *prose_leads;                     /* "... will be led by A and B." */
	GString *desc, *accomp;
	gboolean marked_only;                       /* only attendees marked "(*)" */
	int tail;                                   /* blocks from here on: closing, signature */
};

static const struct xblock *
blk(const struct walk *w, int i)
{
	return i >= 0 && i < (int)w->d->blocks->len ? w->d->blocks->pdata[i] : NULL;
}

static gboolean
ends_colon(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == ':';
}

/* The section block i (a list) belongs to, and the heading that says so. */
static enum xsec
list_context(const struct walk *w, int i, const char **label)
{
	const struct xblock *prev = blk(w, i - 1), *prev2 = blk(w, i - 2);
	enum xsec k;

	*label = NULL;
	if (prev == NULL || prev->kind == XB_LIST)
		return XSEC_NONE;
	k = extract_classify(prev->text, NULL);
	*label = prev->text;
	if (k == XSEC_NONE && prev2 && prev2->kind != XB_LIST &&
	    (extract_is_heading_like(prev2) || ends_colon(prev2->text))) {
		k = extract_classify(prev2->text, NULL);
		*label = prev2->text;
	}
	return k;
}

static void
set_label(struct walk *w, const char *heading)
{
	if (w->p->attendees_label == NULL && heading)
		w->p->attendees_label = extract_label(heading);
}

/* Names followed by "(*)" in an item such as "ChromeOS: A (*), B, C (*)". */
static void
marked_people(const char *item, GPtrArray *out)
{
	char **segs = g_strsplit_set(item, ",:", -1);

	for (int i = 0; segs[i]; i++) {
		struct person *p;

		if (strstr(segs[i], "(*)") == NULL)
			continue;
		p = extract_person_parse(segs[i], FALSE);
		if (p)
			extract_people_add(out, p);
	}
	g_strfreev(segs);
}

/* An item that names one person: "Name", "Name (X)", "Name, Affiliation",
 * but not "Group: A, B" or "A, B and C". */
static gboolean
one_person(const char *item)
{
	int commas = 0;

	for (const char *p = item; *p; p++)
		commas += (*p == ',');
	return !strchr(item, ':') && !strstr(item, " and ") && !strchr(item, ';') && commas <= 1;
}

static void
list_people(struct walk *w, const struct xblock *b, enum xsec k)
{
	gboolean marked = FALSE;

	for (guint i = 0; w->marked_only && i < b->items->len; i++)
		marked = marked || strstr(((struct xitem *)b->items->pdata[i])->text, "(*)");
	for (guint i = 0; i < b->items->len; i++) {
		const struct xitem *it = b->items->pdata[i];
		struct person *p;

		if (k == XSEC_LEADS) {
			p = extract_person_parse(it->text, FALSE);
			if (p)
				extract_people_add(w->leads, p);
			else
				extract_people_split(it->text, FALSE, w->leads);
		} else if (k == XSEC_AUTHORS) {
			extract_people_split(it->text, TRUE, w->authors);
		} else if (marked) {
			marked_people(it->text, w->attendees);
		} else if (one_person(it->text) &&
			   (p = extract_person_parse(it->text, FALSE)) != NULL) {
			extract_people_add(w->attendees, p);
		} else {
			extract_people_split(it->text, FALSE, w->attendees);
		}
	}
}

static void
list_read(struct walk *w, int i)
{
	const struct xblock *b = blk(w, i);
	const char *label;
	enum xsec k = list_context(w, i, &label);

	switch (k) {
	case XSEC_TOPICS:
		for (guint j = 0; j < b->items->len; j++)
			g_ptr_array_add(w->p->topics,
					g_strdup(((struct xitem *)b->items->pdata[j])->text));
		break;
	case XSEC_LEADS:
	case XSEC_AUTHORS:
	case XSEC_ATTENDEES:
		if (k == XSEC_ATTENDEES)
			set_label(w, label);
		list_people(w, b, k);
		break;
	case XSEC_ACCOMPLISHMENTS:
		for (guint j = 0; j < b->items->len; j++)
			g_string_append_printf(w->accomp, "- %s\n",
					       ((struct xitem *)b->items->pdata[j])->text);
		break;
	default:
		for (guint j = 0; j < b->items->len; j++)
			extract_constraints(((struct xitem *)b->items->pdata[j])->text,
					    w->p->constraints);
		break;
	}
}

/* Lines that are references or links, not names ("[1] https://..."). */
static GPtrArray *
name_lines(const struct xblock *b)
{
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; i < b->lines->len; i++) {
		const char *l = b->lines->pdata[i];

		if (strstr(l, "://") == NULL && l[0] != '[')
			g_ptr_array_add(out, (gpointer)l);
	}
	return out;
}

/* A paragraph under a people heading: TRUE when it was read as names. */
static gboolean
para_people(struct walk *w, const struct xblock *b, enum xsec k, const char *heading)
{
	GPtrArray *found = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
	GPtrArray *lines = name_lines(b);
	GPtrArray *dest = k == XSEC_LEADS ? w->leads : k == XSEC_AUTHORS ? w->authors : w->attendees;
	int bad = extract_people_lines(lines, k == XSEC_AUTHORS, found);
	gboolean ok = found->len > 0 && bad <= (int)found->len;

	if (ok) {
		if (k == XSEC_ATTENDEES)
			set_label(w, heading);
		while (found->len)
			extract_people_add(dest, g_ptr_array_steal_index(found, 0));
	}
	g_ptr_array_free(lines, TRUE);
	g_ptr_array_free(found, TRUE);
	return ok;
}

/* Topics written one per line without bullets, under a topics heading. */
static gboolean
para_topics(struct walk *w, const struct xblock *b)
{
	if (b->lines->len < 2)
		return FALSE;
	for (guint i = 0; i < b->lines->len; i++) {
		const char *l = b->lines->pdata[i];
		gunichar c = g_utf8_get_char(l);

		if (g_utf8_strlen(l, -1) > 100 || (i > 0 && !g_unichar_isupper(c) &&
						   !g_unichar_isdigit(c)))
			return FALSE;
	}
	for (guint i = 0; i < b->lines->len; i++)
		g_ptr_array_add(w->p->topics, extract_squash(b->lines->pdata[i]));
	return TRUE;
}

static gboolean
inline_one(struct walk *w, const char *text)
{
	char *heading, *rest;
	enum xsec k = extract_inline_heading(text, &heading, &rest);
	gboolean used = TRUE;

	if (k == XSEC_LEADS)
		extract_people_split(rest, FALSE, w->leads);
	else if (k == XSEC_AUTHORS)
		extract_people_split(rest, TRUE, w->authors);
	else if (k == XSEC_ATTENDEES) {
		GPtrArray *found = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);

		if (extract_people_split(rest, FALSE, found) <= (int)found->len && found->len) {
			set_label(w, heading);
			while (found->len)
				extract_people_add(w->attendees, g_ptr_array_steal_index(found, 0));
		} else
			used = FALSE;
		g_ptr_array_free(found, TRUE);
	} else
		used = (k == XSEC_IGNORED_PEOPLE);
	g_free(heading);
	g_free(rest);
	return used;
}

/* Inline forms: "MC leads: A, B and C", "Primary authors: X, Y; ..." (wrapped
 * over lines), several of them on consecutive lines ("Lead: A" / "Co-lead: B"). */
static gboolean
para_inline(struct walk *w, const struct xblock *b)
{
	GString *seg = NULL;
	gboolean used = FALSE;
	char *h, *r;

	for (guint i = 0; i < b->lines->len; i++) {
		const char *l = b->lines->pdata[i];
		enum xsec k = extract_inline_heading(l, &h, &r);

		g_free(h);
		g_free(r);
		if (k == XSEC_NONE && i == 0)
			return FALSE;
		if (k != XSEC_NONE && seg) {
			used = inline_one(w, seg->str) || used;
			g_string_free(seg, TRUE);
			seg = NULL;
		}
		if (seg == NULL)
			seg = g_string_new(l);
		else
			g_string_append_printf(seg, " %s", l);
	}
	if (seg) {
		used = inline_one(w, seg->str) || used;
		g_string_free(seg, TRUE);
	}
	return used;
}

/* Prose naming attendees: "... the key people we would like ... are A, B, and C." */
static gboolean
para_prose_people(struct walk *w, const struct xblock *b)
{
	char *label, *names;
	GPtrArray *found;
	gboolean ok = FALSE;

	if (!extract_prose_attendees(b->text, &label, &names))
		return FALSE;
	found = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
	if (extract_people_split(names, FALSE, found) == 0 && found->len >= 2) {
		set_label(w, label);
		while (found->len)
			extract_people_add(w->attendees, g_ptr_array_steal_index(found, 0));
		ok = TRUE;
	}
	g_ptr_array_free(found, TRUE);
	g_free(label);
	g_free(names);
	return ok;
}

/* A name, a company, an address: what a signature is made of. */
static gboolean
sig_like(const struct xblock *b)
{
	for (guint i = 0; i < b->lines->len; i++) {
		const char *l = b->lines->pdata[i];
		size_t n = strlen(l);

		if (strchr(l, '@') || strstr(l, "://"))
			continue;
		if (g_utf8_strlen(l, -1) > 50 || (n && strchr(".:!?", l[n - 1])))
			return FALSE;
	}
	return TRUE;
}

static void
para_read(struct walk *w, int i, int body_start)
{
	const struct xblock *b = blk(w, i), *prev = blk(w, i - 1);
	const char *first = b->lines->pdata[0];
	char *names;

	if (para_inline(w, b))
		return;
	if (prev && prev->kind != XB_LIST && (extract_is_heading_like(prev))) {
		enum xsec k = extract_classify(prev->text, NULL);

		if ((k == XSEC_LEADS || k == XSEC_AUTHORS || k == XSEC_ATTENDEES) &&
		    para_people(w, b, k, prev->text))
			return;
		if (k == XSEC_TOPICS && ends_colon(prev->text) && para_topics(w, b))
			return;
	}
	if (para_prose_people(w, b))
		return;
	if (extract_prose_leads(b->text, &names)) {
		extract_people_split(names, FALSE, w->prose_leads);
		g_free(names);
	}
	if (i < body_start || extract_is_heading_like(b) || extract_is_greeting(first) ||
	    extract_is_cover(first) || first[0] == '[' || (i >= w->tail && sig_like(b)))
		return;
	extract_constraints(b->text, w->p->constraints);
	if (w->accomp->len == 0 && extract_is_accomplishment_prose(b->text))
		g_string_append(w->accomp, b->text);
	if (w->desc->len)
		g_string_append(w->desc, "\n\n");
	g_string_append(w->desc, b->text);
}

static gboolean
has_marks(const struct xdoc *d)
{
	static GRegex *said;

	for (guint i = 0; i < d->blocks->len; i++) {
		const struct xblock *b = d->blocks->pdata[i];

		if (b->kind == XB_PARA && strstr(b->text, "(*)") &&
		    g_regex_match(extract_regex(&said, "confirm|interest|attend|presence",
						G_REGEX_CASELESS), b->text, 0, NULL))
			return TRUE;
	}
	return FALSE;
}

/* Where the proposal ends: a closing ("Thanks,") after which no list and
 * no heading follow (n when there is none); *tail: where the run of plain
 * paragraphs at the end starts (a signature may be there). */
static int
closing_at(const struct xdoc *d, int *tail)
{
	int n = (int)d->blocks->len, end = n;

	*tail = n;
	for (int i = n - 1; i > 0; i--) {
		const struct xblock *b = d->blocks->pdata[i];
		char *h = NULL, *r = NULL;
		gboolean section = b->kind != XB_PARA || ends_colon(b->text) ||
				   extract_inline_heading(b->text, &h, &r) != XSEC_NONE;

		g_free(h);
		g_free(r);
		if (section)
			break;
		*tail = i;
		if (extract_is_closing(b->lines->pdata[0]))
			end = i;
	}
	return end;
}

/* No list said it holds topics: the first list nothing else claimed,
 * when its items are not names. */
static void
fallback_topics(struct walk *w)
{
	for (int i = 0; i < (int)w->d->blocks->len; i++) {
		const struct xblock *b = blk(w, i);
		const char *label;
		guint names = 0;

		if (b->kind != XB_LIST || b->items->len < 2 || list_context(w, i, &label) != XSEC_NONE)
			continue;
		for (guint j = 0; j < b->items->len; j++) {
			struct person *p = extract_person_parse(((struct xitem *)b->items->pdata[j])->text,
								FALSE);

			names += p != NULL;
			person_free(p);
		}
		if (names * 2 >= b->items->len)
			continue;
		for (guint j = 0; j < b->items->len; j++)
			g_ptr_array_add(w->p->topics,
					g_strdup(((struct xitem *)b->items->pdata[j])->text));
		return;
	}
}

static void
finish(struct walk *w)
{
	struct proposal *p = w->p;
	GPtrArray *from = w->leads->len ? w->leads : w->authors->len ? w->authors : w->prose_leads;

	while (from->len)
		g_ptr_array_add(p->leads, g_ptr_array_steal_index(from, 0));
	for (guint i = 0; i < w->attendees->len; i++)
		g_ptr_array_add(p->attendees,
				g_strdup(((struct person *)w->attendees->pdata[i])->name));
	if (p->attendees->len == 0)
		g_clear_pointer(&p->attendees_label, g_free);
	g_free(p->description);
	p->description = g_string_free(w->desc, FALSE);
	g_free(p->accomplishments);
	p->accomplishments = w->accomp->len ? g_strdup(w->accomp->str) : NULL;
	g_string_free(w->accomp, TRUE);
	g_ptr_array_free(w->leads, TRUE);
	g_ptr_array_free(w->authors, TRUE);
	g_ptr_array_free(w->prose_leads, TRUE);
	g_ptr_array_free(w->attendees, TRUE);
}

void
extract_sections_read(const struct xdoc *d, int body_start, struct proposal *p)
{
	struct walk w = { .d = d, .p = p };
	int end = closing_at(d, &w.tail);

	w.leads = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
	w.authors = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
	w.prose_leads = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
	w.attendees = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
	w.desc = g_string_new(NULL);
	w.accomp = g_string_new(NULL);
	w.marked_only = has_marks(d);

	for (int i = 0; i < (int)d->blocks->len; i++) {
		const struct xblock *b = blk(&w, i);

		if (i >= end) {
			/* after the closing only a P.S. may still matter */
			if (b->kind == XB_PARA)
				extract_constraints(b->text, p->constraints);
		} else if (b->kind == XB_LIST)
			list_read(&w, i);
		else if (b->kind == XB_PARA)
			para_read(&w, i, body_start);
	}
	if (p->topics->len == 0)
		fallback_topics(&w);
	finish(&w);
}
