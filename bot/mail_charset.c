/*
 * mail_charset.c - bytes in a declared (or undeclared) charset to UTF-8.
 *
 * The common charsets of real mail (UTF-8, ASCII, ISO-8859-1,
 * windows-1252) are converted here without iconv: they make up nearly all
 * mail and mislabelled ones are the rule rather than the exception, so
 * the repair rules (stray bytes read as windows-1252) are applied byte by
 * byte.  Everything else goes through iconv with GMime's charset aliases.
 */
#include <string.h>
#include "mail_p.h"

/* windows-1252 0x80..0x9f; the five unassigned bytes map to the C1
 * control of the same value, which the cleaning step removes. */
static const gunichar mail_cp1252_c1[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

static const char *const mail_charset_utf8_names[] = {
	"utf-8", "utf8", "us-ascii", "ascii", "us", "ansi_x3.4-1968", "iso646-us",
	"unknown-8bit", "x-unknown", "unknown", "x-user-defined", NULL,
};

static const char *const mail_charset_latin1_names[] = {
	"iso-8859-1", "iso8859-1", "iso_8859-1", "iso-8859-1:1987", "latin1",
	"latin-1", "l1", "cp819", "ibm819", "windows-1252", "cp1252",
	"x-cp1252", "cp-1252", "win-1252", NULL,
};

static gboolean mail_charset_in(const char *cs, const char *const *names)
{
	for (; *names; names++)
		if (g_ascii_strcasecmp(cs, *names) == 0)
			return TRUE;
	return FALSE;
}

gunichar mail_charset_cp1252_char(guchar c)
{
	return c >= 0x80 && c < 0xa0 ? mail_cp1252_c1[c - 0x80] : c;
}

void mail_charset_append_cp1252(GString *s, guchar c)
{
	if (c < 0x80)
		g_string_append_c(s, (char)c);
	else if (c < 0xa0)
		g_string_append_unichar(s, mail_cp1252_c1[c - 0x80]);
	else
		g_string_append_unichar(s, c);
}

void mail_charset_append_repaired(GString *s, const char *in, gsize len)
{
	const char *p = in, *end = in + len;

	while (p < end) {
		const char *valid_end;

		if (g_utf8_validate_len(p, (gsize)(end - p), &valid_end)) {
			g_string_append_len(s, p, end - p);
			return;
		}
		g_string_append_len(s, p, valid_end - p);
		if (*valid_end != '\0')
			mail_charset_append_cp1252(s, (guchar)*valid_end);
		p = valid_end + 1;
	}
}

static gboolean mail_charset_has_8bit(const char *in, gsize len)
{
	for (gsize i = 0; i < len; i++)
		if ((guchar)in[i] >= 0x80)
			return TRUE;
	return FALSE;
}

static char *mail_charset_latin1(const char *in, gsize len)
{
	GString *s;

	/* Latin-1 text almost never forms valid multi-byte UTF-8 by chance;
	 * when it does, the label is wrong and the bytes are UTF-8. */
	if (mail_charset_has_8bit(in, len) && g_utf8_validate_len(in, len, NULL))
		return g_strndup(in, len);
	s = g_string_sized_new(len + len / 8 + 1);
	for (gsize i = 0; i < len; i++)
		if (in[i] != '\0')
			mail_charset_append_cp1252(s, (guchar)in[i]);
	return g_string_free(s, FALSE);
}

static char *mail_charset_iconv(const char *charset, const char *in, gsize len)
{
	const char *name = g_mime_charset_iconv_name(charset);
	GError *error = NULL;
	gsize written = 0;
	char *conv;
	GString *s;

	if (name == NULL)
		return NULL;
	conv = g_convert(in, (gssize)len, "UTF-8", name, NULL, &written, &error);
	if (conv == NULL) {
		g_clear_error(&error);
		return NULL;
	}
	/* iconv output is UTF-8 but may carry NULs from the input. */
	if (memchr(conv, '\0', written) == NULL && g_utf8_validate_len(conv, written, NULL))
		return conv;
	s = g_string_sized_new(written + 1);
	mail_charset_append_repaired(s, conv, written);
	g_free(conv);
	return g_string_free(s, FALSE);
}

char *mail_charset_to_utf8(const char *charset, const char *in, gsize len)
{
	GString *s;
	char *r;

	if (len == 0)
		return g_strdup("");
	if (charset != NULL && *charset != '\0' && !mail_charset_in(charset, mail_charset_utf8_names)) {
		if (mail_charset_in(charset, mail_charset_latin1_names))
			return mail_charset_latin1(in, len);
		r = mail_charset_iconv(charset, in, len);
		if (r != NULL)
			return r;
	}
	if (memchr(in, '\0', len) == NULL && g_utf8_validate_len(in, len, NULL))
		return g_strndup(in, len);
	s = g_string_sized_new(len + len / 8 + 1);
	mail_charset_append_repaired(s, in, len);
	return g_string_free(s, FALSE);
}
