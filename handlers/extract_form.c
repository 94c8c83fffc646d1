/*
 * extract_form.c - the "Field: value" form that `help` sends out.
 *
 *   Title: Foo MC
 *   Leads: Jane Doe <jane@example.org>
 *          John Roe <john@example.org>
 *   Description:
 *   Several lines of prose ...
 *   Topics:
 *   - first topic
 *   - second topic
 *   Attendees: A. Person, B. Person
 *   Accomplishments: ...
 *   Constraints: ...
 *
 * A field runs from its name to the next known field name at the start
 * of a line; its value may start on the same line.  Unknown "Word:" lines
 * inside a value belong to the value; lines starting with '#' are the
 * form's guidance and are skipped.  The form is read as written: a lead's
 * name is kept even when it does not look like a full name.
 */
#include <string.h>

#include "extract_p.h"

enum field {
	F_NONE, F_TITLE, F_LEADS, F_DESCRIPTION, F_TOPICS, F_ATTENDEES, F_ACCOMPLISHMENTS,
	F_CONSTRAINTS,
};

static const struct {
	const char *name;
	enum field f;
} names[] = {
	{ "title", F_TITLE }, { "mc title", F_TITLE }, { "mc name", F_TITLE },
	{ "leads", F_LEADS }, { "lead", F_LEADS }, { "lead(s)", F_LEADS }, { "mc leads", F_LEADS },
	{ "mc lead", F_LEADS }, { "mc lead(s)", F_LEADS },
	{ "description", F_DESCRIPTION }, { "abstract", F_DESCRIPTION },
	{ "topics", F_TOPICS }, { "topic", F_TOPICS }, { "proposed topics", F_TOPICS },
	{ "attendees", F_ATTENDEES }, { "key attendees", F_ATTENDEES },
	{ "expected attendees", F_ATTENDEES },
	{ "accomplishments", F_ACCOMPLISHMENTS }, { "results", F_ACCOMPLISHMENTS },
	{ "constraints", F_CONSTRAINTS },
	{ NULL, F_NONE }
};

/* The field a line starts, with *value pointing after the colon. */
static enum field
field_of(const char *line, const char **value, char **label)
{
	const char *colon = strchr(line, ':');
	char *name;
	enum field f = F_NONE;

	if (colon == NULL || colon == line || colon - line > 20 || g_ascii_isspace(line[0]))
		return F_NONE;
	name = g_ascii_strdown(line, colon - line);
	g_strchomp(name);
	for (int i = 0; names[i].name; i++)
		if (strcmp(names[i].name, name) == 0)
			f = names[i].f;
	g_free(name);
	if (f != F_NONE) {
		*value = colon + 1;
		while (**value == ' ' || **value == '\t')
			(*value)++;
		if (label)
			*label = g_strndup(line, colon - line);
	}
	return f;
}

gboolean
extract_is_form(const char *body)
{
	char **lines = g_strsplit(body ? body : "", "\n", -1);
	guint seen = 0;
	int first = -1, count = 0;
	const char *v;

	enum field cur = F_NONE;
	gboolean long_title = FALSE;

	for (int i = 0; lines[i]; i++) {
		enum field f;

		g_strchomp(lines[i]);
		if ((first < 0 && lines[i][0] == '\0') || lines[i][0] == '#')
			continue;
		f = field_of(lines[i], &v, NULL);
		if (first < 0)
			first = f;
		if (f == F_NONE && cur == F_TITLE && lines[i][0])
			long_title = TRUE;      /* prose under "Title:": free text */
		if (f != F_NONE && !(seen & (1u << f))) {
			seen |= 1u << f;
			count++;
		}
		if (f != F_NONE)
			cur = f;
	}
	g_strfreev(lines);
	return first > F_NONE && count >= 2 && !long_title;
}

const char *
extract_form_find(const char *text)
{
	const char *line = text, *v;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		char *l = g_strndup(line, nl ? (gsize)(nl - line) : strlen(line));
		gboolean field = field_of(l, &v, NULL) != F_NONE;

		g_free(l);
		if (field)
			return extract_is_form(line) ? line : NULL;
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* The value's entries: bullet items and lines, wrapped items joined. */
static void
entries(const char *value, GPtrArray *out)
{
	struct xdoc *d = extract_doc_parse(value);

	for (guint i = 0; i < d->blocks->len; i++) {
		const struct xblock *b = d->blocks->pdata[i];

		if (b->kind == XB_LIST) {
			for (guint j = 0; j < b->items->len; j++)
				g_ptr_array_add(out,
						g_strdup(((struct xitem *)b->items->pdata[j])->text));
		} else if (b->kind == XB_PARA) {
			for (guint j = 0; j < b->lines->len; j++)
				g_ptr_array_add(out, extract_squash(b->lines->pdata[j]));
		} else {
			g_ptr_array_add(out, g_strdup(b->text));
		}
	}
	extract_doc_free(d);
}

static void
people(const char *value, GPtrArray *out)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

	entries(value, lines);
	for (guint i = 0; i < lines->len; i++) {
		const char *l = lines->pdata[i];
		GPtrArray *found = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
		struct person *p;

		if (extract_people_split(l, FALSE, found) == 0 && found->len) {
			while (found->len)
				extract_people_add(out, g_ptr_array_steal_index(found, 0));
		} else if ((p = extract_person_loose(l)) != NULL) {
			extract_people_add(out, p);
		}
		g_ptr_array_free(found, TRUE);
	}
	g_ptr_array_free(lines, TRUE);
}

static void
field_store(struct proposal *p, enum field f, const char *label, GString *value)
{
	char *v = g_strstrip(g_strdup(value->str));

	switch (f) {
	case F_TITLE:
		g_free(p->title);
		p->title = *v ? extract_squash(v) : NULL;
		break;
	case F_LEADS:
		people(v, p->leads);
		break;
	case F_DESCRIPTION:
		g_free(p->description);
		p->description = g_strdup(v);
		break;
	case F_TOPICS:
		entries(v, p->topics);
		break;
	case F_ATTENDEES: {
		GPtrArray *who = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);

		people(v, who);
		for (guint i = 0; i < who->len; i++)
			g_ptr_array_add(p->attendees,
					g_strdup(((struct person *)who->pdata[i])->name));
		if (who->len && p->attendees_label == NULL)
			p->attendees_label = g_strdup(label);
		g_ptr_array_free(who, TRUE);
		break;
	}
	case F_ACCOMPLISHMENTS:
		g_free(p->accomplishments);
		p->accomplishments = *v ? g_strdup(v) : NULL;
		break;
	case F_CONSTRAINTS:
		entries(v, p->constraints);
		break;
	default:
		break;
	}
	g_free(v);
}

void
extract_form_read(const char *body, struct proposal *p)
{
	char **lines = g_strsplit(body ? body : "", "\n", -1);
	GString *value = g_string_new(NULL);
	enum field cur = F_NONE;
	char *label = NULL;

	p->from_form = TRUE;
	for (int i = 0; lines[i]; i++) {
		const char *v;
		char *l = NULL;
		enum field f;

		if (lines[i][0] == '#')
			continue;
		f = field_of(lines[i], &v, &l);
		if (f == F_NONE) {
			g_string_append(value, lines[i]);
			g_string_append_c(value, '\n');
			continue;
		}
		field_store(p, cur, label, value);
		g_free(label);
		label = l;
		cur = f;
		g_string_assign(value, v);
		g_string_append_c(value, '\n');
	}
	field_store(p, cur, label, value);
	g_free(label);
	g_string_free(value, TRUE);
	g_strfreev(lines);
}
