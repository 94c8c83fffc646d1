/*
 * mail_rfc2047.c - decoding of RFC 2047 encoded words in header values.
 *
 * GMime's decoder loses text when a B-encoded word ending in '=' padding
 * is followed by another encoded word (GMime #133).  Here each word is
 * decoded on its own into bytes; the bytes of a run of adjacent words in
 * one charset are converted together, so a character split across two
 * words (which several mailers produce) also comes out whole.
 */
#include <string.h>
#include "mail_p.h"

/* One encoded word: =?charset?E?text?= */
struct mail_ew {
	char charset[64];
	char enc;                       /* 'B' or 'Q' */
	const char *text;
	gsize text_len;
	gsize len;                      /* of the whole word */
};

/* The bytes decoded so far for a run of adjacent words in one charset. */
struct mail_run {
	char charset[64];
	GByteArray *bytes;
	char carry[4];                  /* base64 characters of an unfinished quantum */
	int ncarry;
	gboolean active;
};

/*
 * Parse an encoded word at s.  When the search for its closing "?=" runs
 * into white space or the end, *dead is set to where it stopped: no word
 * starting before that point can end either, which keeps hostile values
 * linear.
 */
static gboolean mail_ew_parse(const char *s, gsize n, struct mail_ew *ew, gsize *dead)
{
	gsize i = 2, cs_start = 2, cs_len, t;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return FALSE;
	while (i < n && i < sizeof(ew->charset) + 2 && s[i] != '?' && !g_ascii_isspace(s[i]))
		i++;
	cs_len = i - cs_start;
	if (i + 3 >= n || s[i] != '?' || cs_len == 0 || cs_len >= sizeof(ew->charset))
		return FALSE;
	ew->enc = g_ascii_toupper(s[i + 1]);
	if ((ew->enc != 'B' && ew->enc != 'Q') || s[i + 2] != '?')
		return FALSE;
	t = i + 3;
	/* encoded text has neither white space nor '?' */
	for (i = t; i + 1 < n && s[i] != '?' && !g_ascii_isspace(s[i]); i++)
		;
	if (i + 1 >= n || s[i] != '?' || s[i + 1] != '=') {
		if (i + 1 >= n || s[i] != '?')
			*dead = i;
		return FALSE;
	}
	memcpy(ew->charset, s + cs_start, cs_len);
	ew->charset[cs_len] = '\0';
	/* RFC 2231 language suffix: charset*lang */
	char *star = strchr(ew->charset, '*');
	if (star != NULL)
		*star = '\0';
	if (ew->charset[0] == '\0')
		return FALSE;
	ew->text = s + t;
	ew->text_len = i - t;
	ew->len = i + 2;
	return TRUE;
}

static int mail_b64_rank(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode up to 4 base64 characters (fewer: a short final quantum). */
static void mail_b64_quantum(GByteArray *out, const char *q, int n)
{
	guint32 v = 0;
	guint8 b[3];

	if (n < 2)
		return;
	for (int i = 0; i < 4; i++)
		v = (v << 6) | (guint32)(i < n ? mail_b64_rank(q[i]) : 0);
	b[0] = (guint8)(v >> 16);
	b[1] = (guint8)(v >> 8);
	b[2] = (guint8)v;
	g_byte_array_append(out, b, (guint)(n - 1));
}

static void mail_run_b(struct mail_run *r, const char *t, gsize n)
{
	gboolean padded = FALSE;

	for (gsize i = 0; i < n; i++) {
		if (t[i] == '=') {
			padded = TRUE;
			break;
		}
		if (mail_b64_rank(t[i]) < 0)
			continue;
		r->carry[r->ncarry++] = t[i];
		if (r->ncarry == 4) {
			mail_b64_quantum(r->bytes, r->carry, 4);
			r->ncarry = 0;
		}
	}
	/* Padding ends this word's data; without it an unfinished quantum
	 * continues in the next word (mailers that split mid-quantum). */
	if (padded) {
		mail_b64_quantum(r->bytes, r->carry, r->ncarry);
		r->ncarry = 0;
	}
}

static int mail_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = g_ascii_toupper(c);
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void mail_run_q(struct mail_run *r, const char *t, gsize n)
{
	for (gsize i = 0; i < n; i++) {
		guint8 b = (guint8)t[i];

		if (t[i] == '_') {
			b = ' ';
		} else if (t[i] == '=' && i + 2 < n && mail_hex(t[i + 1]) >= 0 &&
			   mail_hex(t[i + 2]) >= 0) {
			b = (guint8)(mail_hex(t[i + 1]) * 16 + mail_hex(t[i + 2]));
			i += 2;
		}
		g_byte_array_append(r->bytes, &b, 1);
	}
}

static void mail_run_flush(struct mail_run *r, GString *out)
{
	char *s;

	if (!r->active)
		return;
	mail_b64_quantum(r->bytes, r->carry, r->ncarry);
	s = mail_charset_to_utf8(r->charset, (const char *)r->bytes->data, r->bytes->len);
	g_string_append(out, s);
	g_free(s);
	g_byte_array_set_size(r->bytes, 0);
	r->ncarry = 0;
	r->active = FALSE;
}

static void mail_run_add(struct mail_run *r, const struct mail_ew *ew, GString *out)
{
	if (r->active && g_ascii_strcasecmp(r->charset, ew->charset) != 0)
		mail_run_flush(r, out);
	if (!r->active) {
		memcpy(r->charset, ew->charset, sizeof(r->charset));
		r->active = TRUE;
	}
	if (ew->enc == 'B') {
		mail_run_b(r, ew->text, ew->text_len);
	} else {
		/* a Q word ends any unfinished base64 quantum */
		mail_b64_quantum(r->bytes, r->carry, r->ncarry);
		r->ncarry = 0;
		mail_run_q(r, ew->text, ew->text_len);
	}
}

static gboolean mail_all_space(const char *s, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return FALSE;
	return TRUE;
}

char *mail_rfc2047_decode(const char *raw)
{
	GString *u, *out;
	struct mail_run run = { .active = FALSE };
	gsize i = 0, lit = 0, dead = 0;
	gboolean after_ew = FALSE;
	struct mail_ew ew;

	if (raw == NULL)
		return g_strdup("");
	/* unfold: a line break in a header value is folding white space */
	u = g_string_sized_new(strlen(raw));
	for (const char *p = raw; *p; p++)
		if (*p != '\r' && *p != '\n')
			g_string_append_c(u, *p);
	out = g_string_sized_new(u->len + 1);
	run.bytes = g_byte_array_new();
	while (i < u->len) {
		gsize d = 0;

		if (u->str[i] != '=' || u->str[i + 1] != '?' || i < dead ||
		    !mail_ew_parse(u->str + i, u->len - i, &ew, &d)) {
			dead = MAX(dead, i + d);
			i++;
			continue;
		}
		/* white space between two encoded words is not text */
		if (!(after_ew && mail_all_space(u->str + lit, i - lit))) {
			if (i > lit) {
				mail_run_flush(&run, out);
				mail_charset_append_repaired(out, u->str + lit, i - lit);
			}
		}
		mail_run_add(&run, &ew, out);
		i += ew.len;
		lit = i;
		after_ew = TRUE;
	}
	mail_run_flush(&run, out);
	if (u->len > lit)
		mail_charset_append_repaired(out, u->str + lit, u->len - lit);
	g_byte_array_unref(run.bytes);
	g_string_free(u, TRUE);
	return g_string_free(out, FALSE);
}
