/*
 * template_render.c - filling a checked template with values.
 *
 * Values are plain text.  A value of several lines keeps the layout of the
 * line it is placed on: each of its lines after the first is given the
 * white space that precedes the placeholder, and, when the placeholder
 * ends its line right after a bullet ("- ", "* ", "+ "), the bullet too.
 * So "  - {{topics}}" gives one bullet per topic.  Trailing line ends of a
 * value are dropped (the template decides the line ends).
 *
 * The result is tidied so that templates need not be careful about empty
 * values: trailing white space is cut from every line, runs of blank lines
 * become one, blank lines at the start and the end go, and the body ends
 * with exactly one LF.  The Subject becomes one clean line.  Both are
 * bounded (TEMPLATE_MAX_SUBJECT, TEMPLATE_MAX_BODY), however large the
 * values are.
 */
#include <string.h>

#include "template_p.h"
#include "util.h"

/* Room for the Subject before it is cleaned and cut to its bound. */
#define RENDER_SUBJECT_ROOM 4096

struct render_out {
	GString *s;
	gsize cap;              /* s never grows beyond this */
};

static void
render_add(struct render_out *o, const char *p, gsize n)
{
	if (o->s->len >= o->cap)
		return;
	g_string_append_len(o->s, p, MIN(n, o->cap - o->s->len));
}

static const char *
render_value(GHashTable *vars, const char *name)
{
	const char *v = vars ? g_hash_table_lookup(vars, name) : NULL;

	return v ? v : "";
}

static gboolean
render_blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/*
 * How many bytes of the text before a placeholder (the start of its line)
 * continuation lines of the value repeat: all of it when it is white
 * space, or white space and a bullet at the end of the line; else none.
 */
static gsize
render_lead(const char *before, gboolean ends_line)
{
	size_t ws = strspn(before, " \t");
	const char *rest = before + ws;

	if (*rest == '\0')
		return ws;
	if (ends_line && strchr("-*+", *rest) && rest[1] == ' ' &&
	    rest[1 + strspn(rest + 1, " ")] == '\0')
		return strlen(before);
	return 0;
}

/* Append value v, a placeholder's value, at the end of o. */
static void
render_insert(struct render_out *o, const char *v, gboolean ends_line)
{
	gsize start = o->s->len, n = strnlen(v, o->cap), lead_len;
	char *lead = NULL, *raw = NULL, *text;
	const char *p;

	while (start > 0 && o->s->str[start - 1] != '\n')
		start--;
	/* The text before the placeholder ends the GString: NUL-terminated. */
	lead_len = render_lead(o->s->str + start, ends_line);
	if (lead_len > 0)
		lead = g_strndup(o->s->str + start, lead_len);
	if (v[n] != '\0')      /* a huge value is cut before it is copied */
		v = raw = g_strndup(v, n);
	text = g_strchomp(util_clean_text(v, o->cap));
	/* Line by line; an empty value adds nothing. */
	for (p = text; *text && o->s->len < o->cap; ) {
		const char *nl = strchr(p, '\n');
		gsize len = nl ? (gsize)(nl - p) : strlen(p);

		if (p > text) {
			render_add(o, "\n", 1);
			if (len > 0 && lead_len > 0)
				render_add(o, lead, lead_len);
		}
		render_add(o, p, len);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	g_free(text);
	g_free(raw);
	g_free(lead);
}

/* One template line with its placeholders replaced (no LF added). */
static void
render_line(struct render_out *o, const char *line, GHashTable *vars)
{
	const char *p = line, *open, *close;

	while ((open = strstr(p, "{{")) != NULL && (close = strstr(open + 2, "}}")) != NULL) {
		char *name = g_strndup(open + 2, close - open - 2);

		render_add(o, p, open - p);
		render_insert(o, render_value(vars, name), render_blank(close + 2));
		g_free(name);
		p = close + 2;
	}
	render_add(o, p, strlen(p));
}

/* The body lines, sections applied (their tags are known from load time). */
static void
render_body(struct render_out *o, const struct tpl *tp, GHashTable *vars)
{
	gboolean show[TEMPLATE_MAX_DEPTH + 1] = { TRUE };
	int depth = 0;

	for (int i = 0; tp->body[i] && o->s->len < o->cap; i++) {
		gboolean full;

		switch (tp->tags[i]) {
		case TAG_IF:
		case TAG_UNLESS:
			/* load time guarantees depth < TEMPLATE_MAX_DEPTH here */
			full = !render_blank(render_value(vars, tp->names[i]));
			show[depth + 1] = show[depth] && (tp->tags[i] == TAG_IF ? full : !full);
			depth++;
			break;
		case TAG_END:
			depth--;
			break;
		case TAG_VAR:
			if (show[depth]) {
				render_line(o, tp->body[i], vars);
				render_add(o, "\n", 1);
			}
			break;
		}
	}
}

/* Cut trailing white space of lines and fold blank runs (transfer full). */
static char *
render_tidy(const char *text)
{
	GString *out = g_string_sized_new(strlen(text) + 1);
	gboolean blank_pending = FALSE;
	const char *p = text;

	for (;;) {
		const char *nl = strchr(p, '\n');
		gsize len = nl ? (gsize)(nl - p) : strlen(p);

		while (len > 0 && g_ascii_isspace(p[len - 1]))
			len--;
		if (len == 0) {
			blank_pending = out->len > 0;
		} else {
			if (blank_pending)
				g_string_append_c(out, '\n');
			blank_pending = FALSE;
			g_string_append_len(out, p, len);
			g_string_append_c(out, '\n');
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (out->len == 0)
		g_string_append_c(out, '\n');
	return g_string_free(out, FALSE);
}

int
template_render(const struct templates *t, const char *name, GHashTable *vars,
		char **subject, char **body, GString *err)
{
	const struct tpl *tp = name ? g_hash_table_lookup(t->by_name, name) : NULL;
	struct render_out o;
	char *clean;

	*subject = NULL;
	*body = NULL;
	if (tp == NULL)
		return fail(err, "no template named \"%s\"", name ? name : "(null)");

	o.s = g_string_new(NULL);
	o.cap = RENDER_SUBJECT_ROOM;
	render_line(&o, tp->subject, vars);
	*subject = util_clean_line(o.s->str, TEMPLATE_MAX_SUBJECT);

	/* One byte is kept for the final LF. */
	g_string_truncate(o.s, 0);
	o.cap = TEMPLATE_MAX_BODY - 1;
	render_body(&o, tp, vars);
	/* Clean lines and cleaned values make a clean body, unless it was cut
	 * at its bound, maybe inside a character. */
	clean = tp->body_clean && o.s->len < o.cap ? NULL
		: util_clean_text(o.s->str, TEMPLATE_MAX_BODY - 1);
	*body = render_tidy(clean ? clean : o.s->str);
	g_free(clean);
	g_string_free(o.s, TRUE);
	return 0;
}
