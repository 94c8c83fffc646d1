/*
 * mail_html.c - readable plain text from the HTML of mail clients.
 *
 * One linear pass, no DOM: what a reader sees is kept, in the layout a
 * plain-text reader expects.  Head matter, style, script and comments
 * (which include Outlook's <!--[if gte mso 9]> blocks) are dropped; block
 * elements and <br> end lines, paragraphs and top-level lists are set off
 * by a blank line; list items become "- " (or "1. " in <ol>) indented two
 * spaces per nesting level; blockquotes get "> "; entities are decoded and
 * white space is collapsed except in <pre>.  Word's list paragraphs
 * (<![if !supportLists]>bullet<![endif]>) become bullets as well.
 */
#include <string.h>
#include "mail_p.h"

#define MAIL_HTML_LISTS 32

enum mail_html_kind {
	MH_NONE, MH_BLOCK, MH_P, MH_PARA, MH_BR, MH_LI, MH_UL, MH_OL, MH_QUOTE,
	MH_PRE, MH_CELL, MH_ROW, MH_RAW,
};

static const struct {
	const char *name;
	enum mail_html_kind kind;
} mail_html_tags[] = {
	{ "p", MH_P }, { "div", MH_BLOCK }, { "br", MH_BR }, { "li", MH_LI },
	{ "ul", MH_UL }, { "ol", MH_OL }, { "dir", MH_UL }, { "menu", MH_UL },
	{ "blockquote", MH_QUOTE }, { "pre", MH_PRE }, { "td", MH_CELL }, { "th", MH_CELL },
	{ "tr", MH_ROW }, { "h1", MH_PARA }, { "h2", MH_PARA }, { "h3", MH_PARA },
	{ "h4", MH_PARA }, { "h5", MH_PARA }, { "h6", MH_PARA }, { "table", MH_BLOCK },
	{ "hr", MH_BLOCK }, { "dl", MH_BLOCK }, { "dt", MH_BLOCK }, { "dd", MH_BLOCK },
	{ "address", MH_BLOCK }, { "article", MH_BLOCK }, { "aside", MH_BLOCK },
	{ "caption", MH_BLOCK }, { "center", MH_BLOCK }, { "details", MH_BLOCK },
	{ "fieldset", MH_BLOCK }, { "figcaption", MH_BLOCK }, { "figure", MH_BLOCK },
	{ "footer", MH_BLOCK }, { "form", MH_BLOCK }, { "header", MH_BLOCK },
	{ "main", MH_BLOCK }, { "nav", MH_BLOCK }, { "section", MH_BLOCK },
	{ "summary", MH_BLOCK }, { "body", MH_BLOCK }, { "xmp", MH_PRE },
	{ "listing", MH_PRE }, { "plaintext", MH_PRE },
	{ "script", MH_RAW }, { "style", MH_RAW }, { "title", MH_RAW }, { "xml", MH_RAW },
	{ "template", MH_RAW }, { "svg", MH_RAW }, { "head", MH_RAW }, { "noframes", MH_RAW },
};

/* HTML 4 names of U+00A0 .. U+00FF, in order. */
static const char *const mail_html_latin1[] = {
	"nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy",
	"ordf", "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3",
	"acute", "micro", "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14",
	"frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring",
	"AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc",
	"Iuml", "ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times",
	"Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN", "szlig", "agrave",
	"aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil", "egrave", "eacute",
	"ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve",
	"oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
	"uuml", "yacute", "thorn", "yuml",
};
G_STATIC_ASSERT(G_N_ELEMENTS(mail_html_latin1) == 96);
G_STATIC_ASSERT(G_N_ELEMENTS(mail_html_tags) <= 64);

static const struct {
	const char *name;
	gunichar c;
} mail_html_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	{ "OElig", 0x152 }, { "oelig", 0x153 }, { "Scaron", 0x160 }, { "scaron", 0x161 },
	{ "Yuml", 0x178 }, { "fnof", 0x192 }, { "circ", 0x2c6 }, { "tilde", 0x2dc },
	{ "ensp", 0x2002 }, { "emsp", 0x2003 }, { "thinsp", 0x2009 }, { "zwnj", 0x200c },
	{ "zwj", 0x200d }, { "lrm", 0x200e }, { "rlm", 0x200f }, { "ndash", 0x2013 },
	{ "mdash", 0x2014 }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "sbquo", 0x201a },
	{ "ldquo", 0x201c }, { "rdquo", 0x201d }, { "bdquo", 0x201e }, { "dagger", 0x2020 },
	{ "Dagger", 0x2021 }, { "bull", 0x2022 }, { "hellip", 0x2026 }, { "permil", 0x2030 },
	{ "prime", 0x2032 }, { "Prime", 0x2033 }, { "lsaquo", 0x2039 }, { "rsaquo", 0x203a },
	{ "oline", 0x203e }, { "frasl", 0x2044 }, { "euro", 0x20ac }, { "trade", 0x2122 },
	{ "larr", 0x2190 }, { "uarr", 0x2191 }, { "rarr", 0x2192 }, { "darr", 0x2193 },
	{ "harr", 0x2194 }, { "lArr", 0x21d0 }, { "rArr", 0x21d2 }, { "hArr", 0x21d4 },
	{ "minus", 0x2212 }, { "infin", 0x221e }, { "asymp", 0x2248 }, { "ne", 0x2260 },
	{ "le", 0x2264 }, { "ge", 0x2265 }, { "hyphen", 0x2010 }, { "nbhy", 0x2011 },
};

/* Characters Word uses as bullets in list paragraphs. */
static const char *const mail_html_bullets[] = {
	"\xc2\xb7", "\xe2\x80\xa2", "o", "\xc2\xa7", "\xe2\x96\xaa", "-", "*", "\xef\x82\xb7",
	"\xef\x82\xa7", "\xc3\x98", "\xc3\xbc", "\xe2\x97\xa6", "\xe2\x96\xa0", "\xe2\x80\x93",
	"\xe2\x81\x83", "\xe2\x9e\xa2",
};

struct mail_html {
	GString *out;
	int nl;                     /* newlines ending out (when !content) */
	gboolean content;           /* the current line has text */
	gboolean space;             /* a space is due before the next text */
	int lists;                  /* list nesting */
	char list_kind[MAIL_HTML_LISTS];
	int list_num[MAIL_HTML_LISTS];
	int quote;                  /* blockquote nesting */
	int pre;
	char bullet[24];            /* waits for the line's first text */
	int bullet_level;
	GString *capture;           /* inside <![if !supportLists]> */
	int mso_level;              /* mso-list level of the current paragraph */
	gboolean p_tight;           /* Word/Outlook paragraph: no margins */
	gboolean p_nbsp;            /* the paragraph had a &nbsp; */
	gsize p_mark;               /* out->len when the paragraph began */
	guint64 raw_absent;         /* bit per mail_html_tags entry: no closing tag ahead */
};

static void mail_html_line_start(struct mail_html *h)
{
	for (int i = 0; i < h->quote; i++)
		g_string_append(h->out, "> ");
	if (h->bullet[0] != '\0') {
		for (int i = 1; i < h->bullet_level; i++)
			g_string_append(h->out, "  ");
		g_string_append(h->out, h->bullet);
		h->bullet[0] = '\0';
	} else {
		for (int i = 0; i < h->lists; i++)
			g_string_append(h->out, "  ");
	}
	h->content = TRUE;
}

static void mail_html_put(struct mail_html *h, const char *s, gsize n);

/* Not a bullet after all (no <![endif]> soon): the captured text is text. */
static void mail_html_capture_abort(struct mail_html *h)
{
	GString *c = h->capture;

	h->capture = NULL;
	if (c->len > 0)
		mail_html_put(h, c->str, c->len);
	g_string_free(c, TRUE);
}

static void mail_html_put(struct mail_html *h, const char *s, gsize n)
{
	if (h->capture != NULL) {
		g_string_append_len(h->capture, s, (gssize)n);
		if (h->capture->len > 64)
			mail_html_capture_abort(h);
		return;
	}
	if (!h->content)
		mail_html_line_start(h);
	else if (h->space)
		g_string_append_c(h->out, ' ');
	h->space = FALSE;
	g_string_append_len(h->out, s, (gssize)n);
	h->nl = 0;
}

static void mail_html_newline(struct mail_html *h)
{
	g_string_append_c(h->out, '\n');
	h->content = FALSE;
	h->space = FALSE;
	h->nl = 1;
}

/* End the line; n = 2 also leaves a blank line (not inside lists). */
static void mail_html_break(struct mail_html *h, int n)
{
	if (h->capture != NULL)
		return;
	if (h->lists > 0 && n > 1)
		n = 1;
	if (h->content)
		mail_html_newline(h);
	if (h->out->len == 0)
		return;
	for (; h->nl < n; h->nl++)
		g_string_append_c(h->out, '\n');
	h->space = FALSE;
}

static void mail_html_br(struct mail_html *h)
{
	if (h->capture != NULL)
		return;
	if (h->content) {
		mail_html_newline(h);
	} else if (h->out->len > 0 && h->nl < 2) {
		g_string_append_c(h->out, '\n');
		h->nl++;
	}
}

static void mail_html_space(struct mail_html *h, gunichar c)
{
	if (c == 0xa0) {
		h->p_nbsp = TRUE;
		c = ' ';
	}
	if (h->capture != NULL)
		mail_html_put(h, " ", 1);
	else if (h->pre == 0)
		h->space = h->content;
	else if (c == '\n')
		mail_html_br(h);
	else if (c != '\r')
		mail_html_put(h, " ", 1);
}

static void mail_html_char(struct mail_html *h, gunichar c)
{
	char buf[8];

	if (c == 0xa0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
		mail_html_space(h, c);
		return;
	}
	if (c == 0xad)              /* soft hyphen */
		return;
	mail_html_put(h, buf, (gsize)g_unichar_to_utf8(c, buf));
}

/* An entity at s[0] == '&': its length (0: not one) and character. */
static gsize mail_html_entity(const char *s, gsize n, gunichar *c)
{
	gsize i = 1, start;
	char name[12];

	if (n > 2 && s[1] == '#') {
		gboolean hex = s[2] == 'x' || s[2] == 'X';
		guint32 v = 0;

		i = start = hex ? 3 : 2;
		while (i < n && i - start < 8 && (hex ? g_ascii_isxdigit(s[i]) : g_ascii_isdigit(s[i])))
			v = v * (hex ? 16 : 10) + (guint32)(hex ? g_ascii_xdigit_value(s[i++])
							  : g_ascii_digit_value(s[i++]));
		if (i == start)
			return 0;
		if (i < n && s[i] == ';')
			i++;
		if (v >= 0x80 && v < 0xa0)
			v = mail_charset_cp1252_char((guchar)v);
		*c = (v == 0 || v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) ? 0xfffd : v;
		return i;
	}
	while (i < n && i <= sizeof(name) && g_ascii_isalnum(s[i]))
		i++;
	if (i >= n || s[i] != ';' || i == 1 || i - 1 >= sizeof(name))
		return 0;
	memcpy(name, s + 1, i - 1);
	name[i - 1] = '\0';
	for (gsize k = 0; k < G_N_ELEMENTS(mail_html_latin1); k++)
		if (strcmp(name, mail_html_latin1[k]) == 0) {
			*c = 0xa0 + (gunichar)k;
			return i + 1;
		}
	for (gsize k = 0; k < G_N_ELEMENTS(mail_html_entities); k++)
		if (strcmp(name, mail_html_entities[k].name) == 0) {
			*c = mail_html_entities[k].c;
			return i + 1;
		}
	return 0;
}

static gboolean mail_html_is_nbsp(const char *s, gsize i, gsize n)
{
	return (guchar)s[i] == 0xc2 && i + 1 < n && (guchar)s[i + 1] == 0xa0;
}

static gboolean mail_html_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static void mail_html_text(struct mail_html *h, const char *s, gsize n)
{
	gsize i = 0;

	while (i < n) {
		gsize j = i, len;
		gunichar c;

		if (s[i] == '&') {
			len = mail_html_entity(s + i, n - i, &c);
			if (len > 0)
				mail_html_char(h, c);
			else
				mail_html_put(h, "&", 1);
			i += len > 0 ? len : 1;
			continue;
		}
		if (mail_html_is_space(s[i]) || mail_html_is_nbsp(s, i, n)) {
			mail_html_space(h, mail_html_is_space(s[i]) ? (gunichar)s[i] : 0xa0);
			i += mail_html_is_space(s[i]) ? 1 : 2;
			continue;
		}
		while (j < n && s[j] != '&' && !mail_html_is_space(s[j]) && !mail_html_is_nbsp(s, j, n))
			j++;
		mail_html_put(h, s + i, j - i);
		i = j;
	}
}

static int mail_html_tag_index(const char *name)
{
	for (gsize k = 0; k < G_N_ELEMENTS(mail_html_tags); k++)
		if (strcmp(name, mail_html_tags[k].name) == 0)
			return (int)k;
	return -1;
}

/* "mso-list:l0 level2 lfo1" in a style attribute: 2. */
static int mail_html_mso_level(const char *a, gsize n)
{
	const char *p = g_strstr_len(a, (gssize)n, "mso-list:");
	const char *end = a + n;

	if (p == NULL)
		return 0;
	p = g_strstr_len(p, end - p, "level");
	if (p == NULL || p + 5 >= end || !g_ascii_isdigit(p[5]))
		return 0;
	return MIN(p[5] - '0', 9);
}

static void mail_html_set_bullet(struct mail_html *h, const char *b, int level)
{
	g_strlcpy(h->bullet, b, sizeof(h->bullet));
	h->bullet_level = MAX(level, 1);
}

static void mail_html_list(struct mail_html *h, char kind, gboolean closing)
{
	if (closing) {
		if (h->lists == 0)
			return;
		h->lists--;
		mail_html_break(h, h->lists == 0 ? 2 : 1);
		return;
	}
	mail_html_break(h, h->lists == 0 ? 2 : 1);
	if (h->lists < MAIL_HTML_LISTS) {
		h->list_kind[h->lists] = kind;
		h->list_num[h->lists] = 0;
	}
	h->lists++;
}

static void mail_html_li(struct mail_html *h)
{
	int d = MIN(h->lists, MAIL_HTML_LISTS);
	char num[24];

	mail_html_break(h, 1);
	if (d > 0 && h->list_kind[d - 1] == 'o') {
		g_snprintf(num, sizeof(num), "%d. ", ++h->list_num[d - 1]);
		mail_html_set_bullet(h, num, h->lists);
	} else {
		mail_html_set_bullet(h, "- ", h->lists);
	}
}

/* Word and Outlook set paragraph margins to 0 and mark empty lines with
 * <p class=MsoNormal>&nbsp;</p>; other paragraphs get a blank line. */
static void mail_html_p(struct mail_html *h, gboolean closing, const char *attrs, gsize alen)
{
	if (!closing) {
		h->p_tight = g_strstr_len(attrs, (gssize)alen, "Mso") != NULL;
		mail_html_break(h, h->p_tight ? 1 : 2);
		h->mso_level = mail_html_mso_level(attrs, alen);
		h->p_nbsp = FALSE;
		h->p_mark = h->out->len;
	} else if (h->p_tight) {
		if (h->out->len == h->p_mark && !h->content && h->p_nbsp)
			mail_html_br(h);
		mail_html_break(h, 1);
	} else {
		mail_html_break(h, 2);
	}
}

static void mail_html_tag(struct mail_html *h, enum mail_html_kind kind, gboolean closing,
			  const char *attrs, gsize alen)
{
	switch (kind) {
	case MH_P:
		mail_html_p(h, closing, attrs, alen);
		break;
	case MH_PARA:
		mail_html_break(h, 2);
		break;
	case MH_BLOCK:
	case MH_ROW:
		mail_html_break(h, 1);
		break;
	case MH_BR:
		mail_html_br(h);
		break;
	case MH_UL:
		mail_html_list(h, 'u', closing);
		break;
	case MH_OL:
		mail_html_list(h, 'o', closing);
		break;
	case MH_LI:
		if (closing)
			mail_html_break(h, 1);
		else
			mail_html_li(h);
		break;
	case MH_QUOTE:
		mail_html_break(h, 2);
		h->quote = MAX(h->quote + (closing ? -1 : 1), 0);
		break;
	case MH_PRE:
		mail_html_break(h, 2);
		h->pre = MAX(h->pre + (closing ? -1 : 1), 0);
		break;
	case MH_CELL:
		h->space = h->content;
		break;
	default:
		break;
	}
}

/* Word's <![if !supportLists]>·<![endif]>: the bullet of a list paragraph. */
static void mail_html_capture_end(struct mail_html *h)
{
	char *b = g_strstrip(g_string_free(h->capture, FALSE));

	h->capture = NULL;
	if (*b != '\0' && strlen(b) < 16) {
		gboolean glyph = FALSE;

		for (gsize k = 0; k < G_N_ELEMENTS(mail_html_bullets) && !glyph; k++)
			glyph = strcmp(b, mail_html_bullets[k]) == 0;
		mail_html_break(h, 1);
		if (glyph) {
			mail_html_set_bullet(h, "- ", h->mso_level);
		} else {
			char item[24];

			g_snprintf(item, sizeof(item), "%s ", b);
			mail_html_set_bullet(h, item, h->mso_level);
		}
	}
	g_free(b);
}

/* Find "</name" from i, case-insensitive; returns the index after its
 * '>', or 0 when there is none. */
static gsize mail_html_skip_raw(const char *s, gsize n, gsize i, const char *name)
{
	gsize k = strlen(name);

	for (; i + 2 + k <= n; i++) {
		const char *gt;

		if (s[i] != '<' || s[i + 1] != '/' || g_ascii_strncasecmp(s + i + 2, name, k) != 0)
			continue;
		gt = memchr(s + i, '>', n - i);
		return gt != NULL ? (gsize)(gt - s) + 1 : n;
	}
	return 0;
}

/* Markup at s[i] == '<'; returns the index after it. */
static gsize mail_html_markup(struct mail_html *h, const char *s, gsize n, gsize i)
{
	char name[32];
	gsize j, k = 0, attrs;
	gboolean closing;
	char quote = 0;
	const char *end;
	int tag;

	if (i + 3 < n && memcmp(s + i, "<!--", 4) == 0) {
		end = g_strstr_len(s + i + 4, (gssize)(n - i - 4), "-->");
		return end != NULL ? (gsize)(end - s) + 3 : n;
	}
	if (i + 1 < n && (s[i + 1] == '!' || s[i + 1] == '?')) {
		end = memchr(s + i, '>', n - i);
		j = end != NULL ? (gsize)(end - s) : n;
		if (g_strstr_len(s + i, (gssize)(j - i), "supportLists") != NULL &&
		    h->capture == NULL && g_ascii_strncasecmp(s + i, "<![if", 5) == 0)
			h->capture = g_string_new(NULL);
		else if (h->capture != NULL && g_ascii_strncasecmp(s + i, "<![endif", 8) == 0)
			mail_html_capture_end(h);
		return j < n ? j + 1 : n;
	}
	closing = i + 1 < n && s[i + 1] == '/';
	j = i + (closing ? 2 : 1);
	if (j >= n || !g_ascii_isalpha(s[j])) {
		mail_html_put(h, "<", 1);
		return i + 1;
	}
	for (; j < n && (g_ascii_isalnum(s[j]) || s[j] == ':' || s[j] == '-'); j++)
		if (k < sizeof(name) - 1)
			name[k++] = g_ascii_tolower(s[j]);
	name[k] = '\0';
	for (attrs = j; j < n; j++) {
		if (quote != 0) {
			if (s[j] == quote)
				quote = 0;
		} else if (s[j] == '"' || s[j] == '\'') {
			quote = s[j];
		} else if (s[j] == '>') {
			break;
		}
	}
	tag = mail_html_tag_index(name);
	if (tag < 0)
		return j < n ? j + 1 : n;
	/* An unclosed <style> or <head> must not swallow the whole body; once
	 * a closing tag is known to be absent, it is not searched again. */
	if (!closing && mail_html_tags[tag].kind == MH_RAW && !(h->raw_absent & (1ULL << tag))) {
		if ((k = mail_html_skip_raw(s, n, j, name)) > 0)
			return k;
		h->raw_absent |= 1ULL << tag;
	}
	mail_html_tag(h, mail_html_tags[tag].kind, closing, s + attrs, j - attrs);
	return j < n ? j + 1 : n;
}

char *mail_html_to_text(const char *html, gsize len)
{
	struct mail_html h = { .out = g_string_sized_new(len / 2 + 16) };
	gsize i = 0;

	while (i < len) {
		const char *lt = memchr(html + i, '<', len - i);
		gsize t = lt != NULL ? (gsize)(lt - html) : len;

		mail_html_text(&h, html + i, t - i);
		i = t < len ? mail_html_markup(&h, html, len, t) : len;
	}
	if (h.capture != NULL)
		mail_html_capture_abort(&h);
	while (h.out->len > 0 && (h.out->str[h.out->len - 1] == '\n' || h.out->str[h.out->len - 1] == ' '))
		g_string_truncate(h.out, h.out->len - 1);
	if (h.out->len > 0)
		g_string_append_c(h.out, '\n');
	return g_string_free(h.out, FALSE);
}
