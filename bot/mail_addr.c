/*
 * mail_addr.c - sender and recipient addresses.
 *
 * GMime's address parser is lenient: "org@example.org@evil.com" gives
 * org@example.org and "<org@x>attacker@evil" gives two mailboxes.  For
 * the sender, whose address may grant rights, the raw value must also pass
 * the strict reader below, and both readings must agree (mail.c).
 */
#include <string.h>
#include "mail_p.h"
#include "util.h"

#define MAIL_ADDR_MAX 254
#define MAIL_LOCAL_MAX 64

static gboolean mail_addr_atext(char c)
{
	return g_ascii_isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Skip white space and (nested, escaped) comments; the text of the last
 * comment goes to comment when it is not NULL.  FALSE on an open comment. */
static gboolean mail_addr_cfws(const char *s, gsize *i, GString *comment)
{
	for (;;) {
		int depth = 0;
		gsize start;

		while (s[*i] == ' ' || s[*i] == '\t')
			(*i)++;
		if (s[*i] != '(')
			return TRUE;
		start = *i + 1;
		do {
			if (s[*i] == '\0')
				return FALSE;
			if (s[*i] == '\\' && s[*i + 1] != '\0')
				(*i)++;
			else if (s[*i] == '(')
				depth++;
			else if (s[*i] == ')')
				depth--;
			(*i)++;
		} while (depth > 0);
		if (comment != NULL) {
			g_string_truncate(comment, 0);
			g_string_append_len(comment, s + start, (gssize)(*i - start - 1));
		}
	}
}

/* dot-atom "@" domain, ASCII only, no quoted local part or literal. */
static gboolean mail_addr_spec(const char *s, gsize *i, GString *addr)
{
	gsize start = *i, at, label;

	for (;;) {
		gsize atom = *i;

		while (mail_addr_atext(s[*i]))
			(*i)++;
		if (*i == atom)
			return FALSE;
		if (s[*i] != '.')
			break;
		(*i)++;
	}
	if (s[*i] != '@' || *i - start > MAIL_LOCAL_MAX)
		return FALSE;
	at = ++(*i);
	for (;;) {
		label = *i;
		while (g_ascii_isalnum(s[*i]) || s[*i] == '-')
			(*i)++;
		if (*i == label || *i - label > 63 || s[label] == '-' || s[*i - 1] == '-')
			return FALSE;
		if (s[*i] != '.' || !g_ascii_isalnum(s[*i + 1]))
			break;
		(*i)++;
	}
	if (*i - start > MAIL_ADDR_MAX || *i == at)
		return FALSE;
	g_string_append_len(addr, s + start, (gssize)(*i - start));
	return TRUE;
}

/* The display name before '<': atoms, quoted strings, comments.
 * Collected as text (quotes removed, one space between words). */
static gboolean mail_addr_phrase(const char *s, gsize end, GString *phrase)
{
	gsize i = 0;

	while (i < end) {
		gsize before = i;

		if (!mail_addr_cfws(s, &i, NULL) || i > end)
			return FALSE;
		if (i >= end)
			break;
		if (i > before && phrase->len > 0)
			g_string_append_c(phrase, ' ');
		if (s[i] == '"') {
			for (i++; i < end && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < end)
					i++;
				g_string_append_c(phrase, s[i]);
			}
			if (i >= end)
				return FALSE;
			i++;
		} else if (mail_addr_atext(s[i]) || s[i] == '.' || (guchar)s[i] >= 0x80) {
			while (i < end && (mail_addr_atext(s[i]) || s[i] == '.' || (guchar)s[i] >= 0x80))
				g_string_append_c(phrase, s[i++]);
		} else {
			return FALSE;           /* an unquoted special: '@', ',', ':', '<' ... */
		}
	}
	return TRUE;
}

/* Index of the first '<' outside quotes and comments, or -1. */
static gssize mail_addr_angle(const char *s)
{
	gboolean quoted = FALSE;
	int comment = 0;

	for (gsize i = 0; s[i]; i++) {
		if (s[i] == '\\' && (quoted || comment) && s[i + 1] != '\0')
			i++;
		else if (quoted)
			quoted = s[i] != '"';
		else if (s[i] == '(')
			comment++;
		else if (s[i] == ')' && comment > 0)
			comment--;
		else if (comment == 0 && s[i] == '"')
			quoted = TRUE;
		else if (comment == 0 && s[i] == '<')
			return (gssize)i;
	}
	return -1;
}

gboolean mail_addr_strict(const char *raw, char **addr_out, char **name_out)
{
	GString *s = g_string_new(NULL), *addr = g_string_new(NULL);
	GString *phrase = g_string_new(NULL), *comment = g_string_new(NULL);
	gboolean ok = FALSE;
	gssize lt;
	gsize i = 0;

	*addr_out = *name_out = NULL;
	for (const char *p = raw; *p; p++)
		if (*p != '\r' && *p != '\n')
			g_string_append_c(s, *p);
	lt = mail_addr_angle(s->str);
	if (lt < 0) {
		if (!mail_addr_cfws(s->str, &i, comment) || !mail_addr_spec(s->str, &i, addr))
			goto out;
		g_string_truncate(comment, 0);
		if (!mail_addr_cfws(s->str, &i, comment))
			goto out;
		g_string_assign(phrase, comment->str);
	} else {
		if (!mail_addr_phrase(s->str, (gsize)lt, phrase))
			goto out;
		i = (gsize)lt + 1;
		while (s->str[i] == ' ' || s->str[i] == '\t')
			i++;
		if (!mail_addr_spec(s->str, &i, addr))
			goto out;
		while (s->str[i] == ' ' || s->str[i] == '\t')
			i++;
		if (s->str[i] != '>')
			goto out;
		i++;
		if (!mail_addr_cfws(s->str, &i, NULL))
			goto out;
	}
	if (s->str[i] != '\0')
		goto out;
	ok = TRUE;
	mail_addr_lower_domain(addr->str);
	*addr_out = g_string_free(addr, FALSE);
	addr = NULL;
	*name_out = mail_rfc2047_decode(phrase->str);
out:
	if (addr != NULL)
		g_string_free(addr, TRUE);
	g_string_free(s, TRUE);
	g_string_free(phrase, TRUE);
	g_string_free(comment, TRUE);
	return ok;
}

void mail_addr_lower_domain(char *addr)
{
	char *at = strrchr(addr, '@');

	if (at == NULL)
		return;
	for (char *p = at + 1; *p; p++)
		*p = g_ascii_tolower(*p);
}

static int mail_addr_walk(InternetAddressList *list, GPtrArray *out, int depth)
{
	int n = 0, len = internet_address_list_length(list);

	for (int k = 0; k < len; k++) {
		InternetAddress *ia = internet_address_list_get_address(list, k);

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			InternetAddressList *members = internet_address_group_get_members(
				INTERNET_ADDRESS_GROUP(ia));

			if (members != NULL && depth < 4)
				n += mail_addr_walk(members, out, depth + 1);
			continue;
		}
		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		n++;
		if (out != NULL) {
			InternetAddressMailbox *mb = INTERNET_ADDRESS_MAILBOX(ia);
			const char *a = internet_address_mailbox_get_addr(mb);
			char *c;

			/* GMime decodes xn-- domains in get_addr; keep the ASCII
			 * form (the IDNA conversion is costly, so only when needed) */
			if (a != NULL && !g_str_is_ascii(a))
				a = internet_address_mailbox_get_idn_addr(mb);
			c = util_clean_line(a != NULL ? a : "", MAIL_ADDR_MAX);

			if (*c == '\0') {
				g_free(c);
				continue;
			}
			mail_addr_lower_domain(c);
			g_ptr_array_add(out, c);
		}
	}
	return n;
}

int mail_addr_list(struct mail_parse_ctx *pc, const char *raw, GPtrArray *out)
{
	InternetAddressList *list = internet_address_list_parse(pc->opts, raw);
	int n;

	if (list == NULL)
		return 0;
	n = mail_addr_walk(list, out, 0);
	g_object_unref(list);
	return n;
}
