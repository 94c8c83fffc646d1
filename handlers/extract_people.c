/*
 * extract_people.c - names and addresses of leads and attendees.
 *
 * People are written "Name", "Name (Affiliation)", "Name <addr>", "Name
 * (addr)", "Name - addr", "Name addr", and Indico-style "LAST, First
 * (Affiliation)" joined by ';'.  Lists run inline ("A, B (X) and C") or one
 * per line.  What is left after taking out the address, parentheses and
 * honorifics must look like a name, so headings and prose that happen to
 * sit under a people heading are not taken for people.
 */
#include <string.h>

#include "extract_p.h"

static const char *const particles[] = {
	"de", "da", "do", "dos", "das", "del", "della", "di", "du", "van", "von", "der", "den",
	"ter", "ten", "zu", "la", "le", "bin", "ibn", "al", "y", "of", NULL
};

/* Words that show a "name" is a group, a role or prose. */
static const char *const not_names[] = {
	"the", "and", "or", "for", "with", "team", "group", "maintainers", "maintainer",
	"developers", "contributors", "kernel", "linux", "community", "project", "inc", "ltd",
	"corp", "university", "tbd", "tba", "etc", "others", "anyone", "people", "everyone",
	"members", "folks", "all", "we", "our", "you", "is", "are", "will", "to", "in", "on",
	"more", "other", "mc", "microconference", "session", "stakeholders", NULL
};

static gboolean
in_list(const char *const *list, const char *word)
{
	char *w = g_utf8_strdown(word, -1);
	gboolean found = FALSE;

	for (int i = 0; list[i] && !found; i++)
		found = strcmp(list[i], w) == 0;
	g_free(w);
	return found;
}

/* At least two letters and none in lower case. */
static gboolean
is_upper(const char *s)
{
	int letters = 0;

	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_islower(c))
			return FALSE;
		letters += g_unichar_isalpha(c) != 0;
	}
	return letters >= 2;
}

static gboolean
has_upper(const char *s)
{
	for (const char *p = s; *p; p = g_utf8_next_char(p))
		if (g_unichar_isupper(g_utf8_get_char(p)))
			return TRUE;
	return FALSE;
}

/* "BRISTOT DE OLIVEIRA" -> "Bristot de Oliveira", "CHHAYA-SHAILESH" ->
 * "Chhaya-Shailesh"; words not in capitals stay as written. */
static char *
surname_case(const char *s)
{
	char **words = g_strsplit(s, " ", -1);
	GString *out = g_string_new(NULL);

	for (int i = 0; words[i]; i++) {
		char *w = words[i];
		gboolean start = TRUE;

		if (!*w)
			continue;
		if (out->len)
			g_string_append_c(out, ' ');
		if (!is_upper(w)) {
			g_string_append(out, w);
			continue;
		}
		w = g_utf8_strdown(w, -1);
		if (words[i + 1] && in_list(particles, w)) {
			g_string_append(out, w);
			g_free(w);
			continue;
		}
		for (const char *p = w; *p; p = g_utf8_next_char(p)) {
			gunichar c = g_utf8_get_char(p);

			g_string_append_unichar(out, start ? g_unichar_totitle(c) : c);
			start = (c == '-' || c == '\'');
		}
		g_free(w);
	}
	g_strfreev(words);
	return g_string_free(out, FALSE);
}

/* s without (...), [...] and <...> parts. */
static void
drop_brackets(GString *s)
{
	GString *out = g_string_new(NULL);
	int depth = 0;

	for (const char *p = s->str; *p; p++) {
		if (*p == '(' || *p == '[' || *p == '<')
			depth++;
		else if ((*p == ')' || *p == ']' || *p == '>') && depth > 0)
			depth--;
		else if (depth == 0)
			g_string_append_c(out, *p);
	}
	g_string_assign(s, out->str);
	g_string_free(out, TRUE);
}

/* Take the first address out of s; returns it (new) or NULL. */
static char *
take_email(GString *s)
{
	static GRegex *re;
	GRegex *r = extract_regex(&re, "[(<\\[]?\\s*(?:mailto:)?([A-Za-z0-9._%+'=-]+@[A-Za-z0-9-]+"
				  "(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,})\\s*[)>\\]]?", 0);
	GMatchInfo *mi = NULL;
	char *addr = NULL;
	int a, b;

	if (g_regex_match(r, s->str, 0, &mi) && g_match_info_fetch_pos(mi, 0, &a, &b)) {
		addr = g_match_info_fetch(mi, 1);
		g_string_erase(s, a, b - a);
		g_string_insert_c(s, a, ' ');
	}
	g_match_info_free(mi);
	return addr;
}

static void
trim_punct(GString *s)
{
	char *t = g_strstrip(s->str);
	size_t n;

	memmove(s->str, t, strlen(t) + 1);
	g_string_set_size(s, strlen(s->str));
	while ((n = s->len) > 0 && (strchr(",;:-/*", s->str[n - 1]) || s->str[n - 1] == ' ' ||
				    (s->str[n - 1] == '.' && n > 2 && s->str[n - 3] != ' ' &&
				     s->str[n - 3] != '.')))
		g_string_truncate(s, n - 1);
	while (s->len && strchr("-*:;,. ", s->str[0]))
		g_string_erase(s, 0, 1);
}

struct person *
extract_person_parse(const char *raw, gboolean indico)
{
	static GRegex *honor, *dash;
	GString *s = g_string_new(raw);
	struct person *p = NULL;
	char *email, *name, *comma, *sq;

	email = take_email(s);
	drop_brackets(s);
	sq = extract_squash(s->str);
	g_string_assign(s, sq);
	g_free(sq);
	/* "Name - Affiliation" / "Name - addr" */
	if (g_regex_match(extract_regex(&dash, " [-\u2013\u2014] ", 0), s->str, 0, NULL)) {
		char **parts = g_regex_split_full(dash, s->str, -1, 0, 0, 2, NULL);

		g_string_assign(s, parts[0]);
		g_strfreev(parts);
	}
	trim_punct(s);
	name = g_regex_replace(extract_regex(&honor, "^((mr|mrs|ms|miss|dr|prof|sir)\\.?\\s+)+",
					     G_REGEX_CASELESS), s->str, -1, 0, "", 0, NULL);
	g_string_assign(s, name);
	g_free(name);
	if ((comma = strchr(s->str, ',')) != NULL) {
		char *last = g_strstrip(g_strndup(s->str, comma - s->str));
		char *first = g_strstrip(g_strdup(comma + 1));

		if (indico || is_upper(last)) {
			char *fixed = surname_case(last);
			char *given = g_regex_replace(honor, first, -1, 0, "", 0, NULL);

			g_string_printf(s, "%s %s", g_strstrip(given), fixed);
			g_free(given);
			g_free(fixed);
		} else {
			g_string_assign(s, last);
		}
		g_free(last);
		g_free(first);
	}
	trim_punct(s);
	if (extract_is_name(s->str))
		p = person_new(s->str, email);
	g_free(email);
	g_string_free(s, TRUE);
	return p;
}

gboolean
extract_is_name(const char *s)
{
	char **words;
	int n, caps = 0;
	gboolean ok = TRUE;

	if (strlen(s) < 3 || strlen(s) > 80 || strpbrk(s, "0123456789@:/()<>[]{}=\"!?;,"))
		return FALSE;
	words = g_strsplit(s, " ", -1);
	n = (int)g_strv_length(words);
	if (n < 2 || n > 6)
		ok = FALSE;
	for (int i = 0; ok && i < n; i++) {
		gunichar c = g_utf8_get_char(words[i]);

		if (!*words[i] || in_list(not_names, words[i]))
			ok = FALSE;
		else if (g_unichar_isupper(c) || g_unichar_istitle(c) || has_upper(words[i]))
			caps++;         /* "al-Haytham", "d'Alembert" */
		else if (!(i > 0 && i < n - 1 && in_list(particles, words[i])))
			ok = FALSE;
	}
	g_strfreev(words);
	return ok && caps >= 2;
}

void
extract_people_add(GPtrArray *arr, struct person *p)
{
	char *key = g_utf8_casefold(p->name, -1);

	for (guint i = 0; i < arr->len; i++) {
		struct person *q = arr->pdata[i];
		char *k = g_utf8_casefold(q->name, -1);
		gboolean same = strcmp(k, key) == 0;

		g_free(k);
		if (same) {
			if (q->email == NULL && p->email)
				q->email = g_strdup(p->email);
			person_free(p);
			g_free(key);
			return;
		}
	}
	g_free(key);
	g_ptr_array_add(arr, p);
}

/* Split s at sep outside brackets (new strings). */
static GPtrArray *
split_outside(const char *s, const char *sep)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	size_t l = strlen(sep);
	const char *start = s;
	int depth = 0;

	for (const char *p = s; *p; p++) {
		if (*p == '(' || *p == '[' || *p == '<')
			depth++;
		else if ((*p == ')' || *p == ']' || *p == '>') && depth > 0)
			depth--;
		else if (depth == 0 && g_ascii_strncasecmp(p, sep, l) == 0) {
			g_ptr_array_add(out, g_strndup(start, p - start));
			start = p + l;
			p += l - 1;
		}
	}
	g_ptr_array_add(out, g_strdup(start));
	return out;
}

static int
parse_part(const char *part, gboolean indico, GPtrArray *out)
{
	char *t = g_strstrip(g_strdup(part));
	struct person *p;
	int bad = 0;

	if (g_ascii_strncasecmp(t, "and ", 4) == 0)
		memmove(t, t + 4, strlen(t + 4) + 1);
	if (*t) {
		p = extract_person_parse(t, indico);
		if (p)
			extract_people_add(out, p);
		else
			bad = 1;
	}
	g_free(t);
	return bad;
}

int
extract_people_split(const char *text, gboolean indico, GPtrArray *out)
{
	static GRegex *upper_comma;
	char *s = extract_squash(text);
	GPtrArray *parts;
	const char *colon;
	int bad = 0;

	/* "Group: A, B" */
	colon = strchr(s, ':');
	if (colon && colon[1] == ' ' && colon - s < 40 && !strchr(colon + 1, ':')) {
		char *rest = g_strdup(colon + 1);

		g_free(s);
		s = rest;
	}
	if (indico || strchr(s, ';')) {
		parts = split_outside(s, ";");
		indico = indico || g_regex_match(extract_regex(&upper_comma, "^\\s*[^,;]*\\p{Lu}{2}[^,;]*,",
							       0), s, 0, NULL);
		for (guint i = 0; i < parts->len; i++)
			bad += parse_part(parts->pdata[i], indico, out);
	} else {
		parts = split_outside(s, ",");
		for (guint i = 0; i < parts->len; i++) {
			const char *part = parts->pdata[i];
			GPtrArray *ands;

			/* "ROSTEDT, Steven" within a comma list */
			if (is_upper(part) && i + 1 < parts->len && !is_upper(parts->pdata[i + 1])) {
				char *pair = g_strdup_printf("%s, %s", part,
							     (char *)parts->pdata[i + 1]);

				bad += parse_part(pair, TRUE, out);
				g_free(pair);
				i++;
				continue;
			}
			ands = split_outside(part, " and ");
			for (guint j = 0; j < ands->len; j++) {
				GPtrArray *amps = split_outside(ands->pdata[j], " & ");

				for (guint k = 0; k < amps->len; k++)
					bad += parse_part(amps->pdata[k], FALSE, out);
				g_ptr_array_free(amps, TRUE);
			}
			g_ptr_array_free(ands, TRUE);
		}
	}
	g_ptr_array_free(parts, TRUE);
	g_free(s);
	return bad;
}

static int
commas(const char *s)
{
	GPtrArray *parts = split_outside(s, ",");
	int n = (int)parts->len - 1;

	g_ptr_array_free(parts, TRUE);
	return n;
}

int
extract_people_lines(GPtrArray *lines, gboolean indico, GPtrArray *out)
{
	gboolean one_each = lines->len >= 2, any = FALSE;
	int bad = 0;

	for (guint i = 0; i < lines->len; i++) {
		const char *l = lines->pdata[i];
		int c = commas(l);

		one_each = one_each && c == 1 && !strchr(l, ';');
		any = any || c > 0 || strchr(l, ';');
	}
	if (one_each) {
		/* "Name, Affiliation" on each line */
		for (guint i = 0; i < lines->len; i++)
			bad += parse_part(lines->pdata[i], indico, out);
	} else if (any || indico) {
		GString *all = g_string_new(NULL);

		for (guint i = 0; i < lines->len; i++)
			g_string_append_printf(all, "%s ", (char *)lines->pdata[i]);
		bad = extract_people_split(all->str, indico, out);
		g_string_free(all, TRUE);
	} else {
		for (guint i = 0; i < lines->len; i++)
			bad += extract_people_split(lines->pdata[i], FALSE, out);
	}
	return bad;
}

struct person *
extract_person_loose(const char *raw)
{
	struct person *p = extract_person_parse(raw, FALSE);
	GString *s;
	char *email, *name;

	if (p)
		return p;
	s = g_string_new(raw);
	email = take_email(s);
	drop_brackets(s);
	name = extract_squash(s->str);
	g_string_assign(s, name);
	g_free(name);
	trim_punct(s);
	if (s->len && s->len <= 80)
		p = person_new(s->str, email);
	g_free(email);
	g_string_free(s, TRUE);
	return p;
}
