/*
 * extract_lines.c - cutting a proposal text into paragraphs, bullet lists
 * and headings.
 *
 * Plain-text mail is hard-wrapped and indented in every style, so a list
 * item is a bullet line plus the lines that continue it.  A line indented
 * deeper than the item's text is a detail ("Speaker: ...", a paragraph
 * about the item) unless it is plainly the rest of a wrapped line; details
 * are not part of the item's text.  Nesting comes from the bullets'
 * indentation; blank lines between items do not end a list.  Text
 * converted from HTML is not wrapped: there a long line is a paragraph.
 */
#include <string.h>

#include "extract_p.h"

struct xline {
	char *text;                 /* without indentation (and bullet marker) */
	int indent;                 /* columns before the text or the marker */
	int len;                    /* columns of the whole line */
	int textcol;                /* bullet: column where the item text starts */
	gboolean blank, bullet, mdhead, underline;
};

GRegex *
extract_regex(GRegex **slot, const char *pattern, GRegexCompileFlags flags)
{
	if (g_once_init_enter(slot)) {
		GRegex *re = g_regex_new(pattern, flags | G_REGEX_OPTIMIZE, 0, NULL);

		g_assert(re != NULL);
		g_once_init_leave(slot, re);
	}
	return *slot;
}

static gboolean
match(GRegex **slot, const char *pattern, const char *s)
{
	return g_regex_match(extract_regex(slot, pattern, G_REGEX_CASELESS), s, 0, NULL);
}

/* What extract_squash() does with a character: keep, drop, or a space. */
enum squash_kind { SQ_KEEP, SQ_DROP, SQ_SPACE };

static enum squash_kind
squash_kind(const char *p)
{
	unsigned char b = (unsigned char)*p;
	gunichar c;

	if (b < 0x80)
		return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f'
			? SQ_SPACE : SQ_KEEP;
	c = g_utf8_get_char(p);
	if (g_unichar_isspace(c) || c == 0xA0 || c == 0x202F || c == 0x2007)
		return SQ_SPACE;
	if (c == 0x200B || c == 0xFEFF || c == 0x00AD)
		return SQ_DROP;
	return SQ_KEEP;
}

/* Runs of kept characters are copied as they are: valid UTF-8 encodes a
 * character one way only.  Text that is not valid UTF-8 (mail text is
 * cleaned before, so hardly ever) goes character by character. */
char *
extract_squash(const char *s)
{
	size_t len = strlen(s);
	GString *out = g_string_sized_new(len);
	gboolean space = FALSE;
	char *valid = NULL;
	const char *p, *run;

	/* Stepping by characters must not run past the NUL of a cut sequence. */
	if (!g_utf8_validate(s, (gssize)len, NULL))
		s = valid = g_utf8_make_valid(s, (gssize)len);
	p = s;
	while (*p) {
		enum squash_kind k = SQ_KEEP;

		for (run = p; *p && (k = squash_kind(p)) == SQ_KEEP; p = g_utf8_next_char(p))
			;
		if (p > run) {
			if (space && out->len)
				g_string_append_c(out, ' ');
			space = FALSE;
			g_string_append_len(out, run, p - run);
			continue;
		}
		if (k == SQ_SPACE)
			space = TRUE;
		p = g_utf8_next_char(p);
	}
	g_free(valid);
	return g_string_free(out, FALSE);
}

gboolean
extract_is_greeting(const char *line)
{
	static GRegex *re;

	return strlen(line) < 80 &&
	       match(&re, "^(hi|hello|hey|dear|greetings|good (morning|afternoon|evening)|"
		     "to whom)\\b[^.]*[,!:]?$", line);
}

gboolean
extract_is_closing(const char *line)
{
	static GRegex *re;

	return strlen(line) < 40 &&
	       match(&re, "^(thanks( a lot| again| in advance)?|thank you|many thanks|"
		     "((kind|best|warm) )?regards|best( wishes)?|cheers|sincerely|thx|ciao|br|"
		     "yours( truly| sincerely)?)\\s*([,.!]+(\\s+[\\p{L}. -]{1,30})?)?$", line);
}

gboolean
extract_is_cover(const char *line)
{
	static GRegex *re;

	return match(&re, "^(here is|here's|please find|below is|below you|attached (is|you)|"
		     "(we|i)('d| would) like to (propose|submit)|this is (our|my)|"
		     "(our|my) proposal)\\b", line);
}

/* Columns of leading white space; *rest points after it. */
static int
indent_of(const char *s, const char **rest)
{
	int col = 0;

	for (;;) {
		if (*s == ' ')
			col++;
		else if (*s == '\t')
			col = (col / 8 + 1) * 8;
		else if ((guchar)s[0] == 0xC2 && (guchar)s[1] == 0xA0) {
			col++;
			s++;
		} else
			break;
		s++;
	}
	*rest = s;
	return col;
}

/* Length of a bullet marker at s (including the spaces after it), or 0. */
static int
bullet_len(const char *s)
{
	static const char *const marks[] = { "-", "*", "+", "o", "\u2022", "\u25e6", "\u25aa",
					     "\u25ab", "\u25cf", "\u25cb", "\u00b7", "\u2013",
					     "\u2014", "\u2023", "\u2043", NULL };
	int n = 0;

	for (int i = 0; marks[i]; i++) {
		size_t l = strlen(marks[i]);

		if (strncmp(s, marks[i], l) == 0) {
			n = (int)l;
			break;
		}
	}
	if (n == 0 && g_ascii_isdigit(s[0])) {
		while (n < 3 && g_ascii_isdigit(s[n]))
			n++;
		if (s[n] != '.' && s[n] != ')')
			return 0;
		n++;
	} else if (n == 0 && s[0] == '(' && g_ascii_isalnum(s[1]) && s[2] == ')')
		n = 3;
	else if (n == 0 && g_ascii_islower(s[0]) && s[1] == ')')
		n = 2;
	if (n == 0 || (s[n] != ' ' && s[n] != '\t'))
		return 0;
	while (s[n] == ' ' || s[n] == '\t')
		n++;
	return s[n] ? n : 0;
}

static void
line_read(struct xline *l, const char *raw)
{
	const char *rest;
	char *end;
	int b;

	memset(l, 0, sizeof *l);
	l->indent = indent_of(raw, &rest);
	l->text = g_strdup(rest);
	end = l->text + strlen(l->text);
	while (end > l->text && g_ascii_isspace(end[-1]))
		*--end = '\0';
	l->len = l->indent + (int)g_utf8_strlen(l->text, -1);
	if (l->text[0] == '\0') {
		l->blank = TRUE;
		return;
	}
	if (strspn(l->text, "=") >= 3 && l->text[strspn(l->text, "=")] == '\0')
		l->underline = TRUE;
	else if (strspn(l->text, "-") >= 3 && l->text[strspn(l->text, "-")] == '\0')
		l->underline = TRUE;
	else if (l->text[0] == '#') {
		size_t h = strspn(l->text, "#");

		if (h <= 6 && l->text[h] == ' ') {
			char *t = extract_squash(l->text + h);

			g_strchomp(g_strdelimit(t, "#", ' '));
			g_free(l->text);
			l->text = t;
			l->mdhead = TRUE;
		}
	} else if ((b = bullet_len(l->text)) > 0) {
		char *t = g_strdup(l->text + b);

		l->textcol = l->indent + (int)g_utf8_strlen(l->text, b);
		g_free(l->text);
		l->text = t;
		l->bullet = TRUE;
	}
}

static struct xblock *
block_new(enum xblock_kind kind)
{
	struct xblock *b = g_new0(struct xblock, 1);

	b->kind = kind;
	if (kind == XB_PARA)
		b->lines = g_ptr_array_new_with_free_func(g_free);
	if (kind == XB_LIST)
		b->items = g_ptr_array_new();
	return b;
}

static void
block_free(struct xblock *b)
{
	if (b->items) {
		for (guint i = 0; i < b->items->len; i++) {
			struct xitem *it = b->items->pdata[i];

			g_free(it->text);
			g_free(it);
		}
		g_ptr_array_free(b->items, TRUE);
	}
	if (b->lines)
		g_ptr_array_free(b->lines, TRUE);
	g_free(b->text);
	g_free(b);
}

static void
para_finish(GPtrArray *blocks, struct xblock *b)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < b->lines->len; i++) {
		if (i)
			g_string_append_c(s, ' ');
		g_string_append(s, b->lines->pdata[i]);
	}
	b->text = extract_squash(s->str);
	g_string_free(s, TRUE);
	g_ptr_array_add(blocks, b);
}

static void
item_finish(struct xblock *list, GString **cur, int depth)
{
	struct xitem *it;

	if (*cur == NULL)
		return;
	it = g_new0(struct xitem, 1);
	it->text = extract_squash((*cur)->str);
	it->depth = depth;
	g_string_free(*cur, TRUE);
	*cur = NULL;
	if (it->text[0])
		g_ptr_array_add(list->items, it);
	else {
		g_free(it->text);
		g_free(it);
	}
}

static gboolean
ends_with(const char *s, char c)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == c;
}

/* Whether line l continues a hard-wrapped line of prev_len columns: the
 * previous line was wrapped only if l's first word would not have fitted
 * on it, and hard-wrapped text has no line much longer than 80 columns
 * (a lone long word such as a URL may be). */
static gboolean
wrapped(int prev_len, const struct xline *l)
{
	int word = (int)g_utf8_strlen(l->text, strcspn(l->text, " "));

	return prev_len <= 90 && (l->len <= 90 || !strchr(l->text, ' ')) &&
	       prev_len + 1 + word > 60 && !extract_is_closing(l->text);
}

/* The item so far cannot end here: an open parenthesis, a trailing
 * comma or a word such as "and". */
static gboolean
open_end(const GString *item)
{
	static GRegex *tail;
	int depth = 0;

	for (const char *p = item->str; *p; p++)
		depth += (*p == '(') - (*p == ')');
	return depth > 0 ||
	       match(&tail, "([,/-]|\\b(and|or|of|the|a|an|to|in|for|with|on|by|from|at|as|"
		     "vs|very|its|their|our|is|are|be))$", item->str);
}

/* A line indented deeper than the item's text: a detail ("Speaker: ...",
 * a new sentence about the item) unless it plainly wraps the item. */
static gboolean
is_detail(const GString *item, int prev_len, const struct xline *l)
{
	static GRegex *label;

	if (match(&label, "^\\p{Lu}[\\w ]{0,25}:\\s", l->text))
		return TRUE;
	if (open_end(item))
		return FALSE;
	return g_unichar_isupper(g_utf8_get_char(l->text)) || !wrapped(prev_len, l);
}

/* A list from L[i] (a bullet line); returns the index after it. */
static int
list_read(struct xline *L, int n, int i, GPtrArray *blocks)
{
	struct xblock *list = block_new(XB_LIST);
	GArray *stack = g_array_new(FALSE, FALSE, sizeof(int));
	GString *cur = NULL;
	int depth = 0, textcol = 0, prev_len = 0, base = L[i].indent;
	gboolean detail = FALSE;

	while (i < n) {
		struct xline *l = &L[i];

		if (l->blank) {
			int j = i;

			while (j < n && L[j].blank)
				j++;
			if (j < n && L[j].bullet) {
				i = j;
				continue;
			}
			if (j < n && cur && !L[j].mdhead && !L[j].underline &&
			    L[j].indent > textcol) {
				detail = TRUE;
				i = j;
				continue;
			}
			break;
		}
		if (l->mdhead || l->underline)
			break;
		if (l->bullet) {
			item_finish(list, &cur, depth);
			while (stack->len && g_array_index(stack, int, stack->len - 1) > l->indent)
				g_array_set_size(stack, stack->len - 1);
			if (!stack->len || g_array_index(stack, int, stack->len - 1) < l->indent)
				g_array_append_val(stack, l->indent);
			depth = (int)stack->len - 1;
			cur = g_string_new(l->text);
			textcol = l->textcol;
			prev_len = l->len;
			detail = FALSE;
			i++;
			continue;
		}
		/* a heading right after the list, without a blank line */
		if (l->indent <= base && ends_with(l->text, ':') &&
		    (i + 1 >= n || L[i + 1].blank || L[i + 1].bullet))
			break;
		if (detail && l->indent <= base)
			break;
		if (l->indent > textcol && !detail && is_detail(cur, prev_len, l))
			detail = TRUE;
		/* not indented and not a wrapped line: a paragraph after the list */
		if (l->indent <= base && !detail && !wrapped(prev_len, l))
			break;
		if (!detail) {
			g_string_append_c(cur, ' ');
			g_string_append(cur, l->text);
		}
		prev_len = l->len;
		i++;
	}
	item_finish(list, &cur, depth);
	g_array_free(stack, TRUE);
	if (list->items->len)
		g_ptr_array_add(blocks, list);
	else
		block_free(list);
	return i;
}

static void
heading_add(GPtrArray *blocks, const char *text)
{
	struct xblock *b = block_new(XB_HEADING);

	b->text = extract_squash(text);
	g_ptr_array_add(blocks, b);
}

/* Whether a paragraph ends between lines a and b although no blank line
 * separates them: after a heading ("MC leads:") or a greeting, after a
 * line too long to be hard-wrapped (text converted from HTML has one
 * paragraph per line), before a closing or a "MC leads: ..." line. */
static gboolean
para_break(const struct xline *a, const struct xline *b)
{
	char *h = NULL, *r = NULL;
	gboolean brk;

	if (ends_with(a->text, ':') || a->len > 100 || extract_is_greeting(a->text) ||
	    extract_is_closing(b->text))
		return TRUE;
	brk = extract_inline_heading(b->text, &h, &r) != XSEC_NONE;
	g_free(h);
	g_free(r);
	return brk;
}

/* A paragraph from L[i]; returns the index after it. */
static int
para_read(struct xline *L, int n, int i, GPtrArray *blocks)
{
	struct xblock *b = block_new(XB_PARA);

	while (i < n && !L[i].blank && !L[i].bullet && !L[i].mdhead && !L[i].underline) {
		if (i + 1 < n && L[i + 1].underline && b->lines->len)
			break;
		if (b->lines->len && para_break(&L[i - 1], &L[i])) {
			para_finish(blocks, b);
			b = block_new(XB_PARA);
		}
		g_ptr_array_add(b->lines, g_strdup(L[i].text));
		i++;
	}
	if (b->lines->len)
		para_finish(blocks, b);
	else
		block_free(b);
	return i;
}

struct xdoc *
extract_doc_parse(const char *text)
{
	struct xdoc *d = g_new0(struct xdoc, 1);
	char **raw = g_strsplit(text ? text : "", "\n", -1);
	int n = (int)g_strv_length(raw);
	struct xline *L = g_new0(struct xline, n + 1);
	int i = 0;

	d->blocks = g_ptr_array_new_with_free_func((GDestroyNotify)block_free);
	for (int k = 0; k < n; k++)
		line_read(&L[k], raw[k]);
	while (i < n) {
		if (L[i].blank || L[i].underline) {
			i++;
		} else if (L[i].mdhead) {
			heading_add(d->blocks, L[i].text);
			i++;
		} else if (i + 1 < n && L[i + 1].underline && !L[i].bullet) {
			heading_add(d->blocks, L[i].text);
			i += 2;
		} else if (L[i].bullet) {
			i = list_read(L, n, i, d->blocks);
		} else {
			i = para_read(L, n, i, d->blocks);
		}
	}
	for (int k = 0; k < n; k++)
		g_free(L[k].text);
	g_free(L);
	g_strfreev(raw);
	return d;
}

void
extract_doc_free(struct xdoc *d)
{
	if (d == NULL)
		return;
	g_ptr_array_free(d->blocks, TRUE);
	g_free(d);
}

gboolean
extract_is_heading_like(const struct xblock *b)
{
	const char *t = b->text;
	size_t n = strlen(t);
	int words = 1;

	if (b->kind == XB_HEADING)
		return TRUE;
	if (b->kind != XB_PARA || b->lines->len > 2 || n == 0 || n > 200)
		return FALSE;
	if (t[n - 1] == ':')
		return TRUE;
	for (const char *p = t; *p; p++)
		words += (*p == ' ');
	return b->lines->len == 1 && words <= 8 && !strchr(".,;!?", t[n - 1]);
}
