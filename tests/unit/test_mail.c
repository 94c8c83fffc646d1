/*
 * test_mail.c - mail parsing: fixtures in tests/fixtures/mail, limits,
 * garbage, the private decoders, and (when present) the shared corpus.
 */
#include <string.h>
#include <json-glib/json-glib.h>
#include "bot/mail.h"
#include "bot/mail_p.h"
#include "bot/util.h"

static const char *top_dir(void)
{
	const char *top = g_getenv("MCBOT_TOP");

	return top != NULL && *top != '\0' ? top : ".";
}

static struct mail *parse_bytes(const char *raw, gsize len, const struct mail_limits *lim)
{
	GString *err = g_string_new(NULL);
	struct mail *m = NULL;

	if (mail_parse(raw, len, lim, &m, err) < 0)
		g_error("parse failed: %s", err->str);
	g_string_free(err, TRUE);
	return m;
}

/* Parse a fixture; the raw bytes are kept alive in *raw (m->raw borrows them). */
static struct mail *fixture(const char *name, char **raw)
{
	char *path = g_build_filename(top_dir(), "tests", "fixtures", "mail", name, NULL);
	GError *error = NULL;
	gsize len;
	struct mail *m;

	if (!g_file_get_contents(path, raw, &len, &error))
		g_error("%s: %s (set MCBOT_TOP or run from the repository root)", path, error->message);
	m = parse_bytes(*raw, len, NULL);
	g_assert_true(m->raw == *raw);
	g_assert_cmpuint(m->raw_len, ==, len);
	g_free(path);
	return m;
}

static void assert_clean_line(const char *s)
{
	g_assert_nonnull(s);
	g_assert_true(g_utf8_validate(s, -1, NULL));
	for (const char *p = s; *p; p++)
		g_assert_true((guchar)*p >= 0x20 && *p != 0x7f);
}

static void test_qp(void)
{
	char *raw;
	struct mail *m = fixture("qp.eml", &raw);

	g_assert_cmpstr(m->subject, ==, "Proposal: Grüße MC");
	g_assert_cmpstr(m->from_addr, ==, "anna@example.net");
	g_assert_cmpstr(m->from_name, ==, "Anna Example");
	g_assert_cmpstr(m->message_id, ==, "QP-1@Example.NET");
	g_assert_cmpstr(m->key, ==, "<qp-1@example.net>");
	g_assert_cmpint(m->date, ==, 1645492812);
	g_assert_cmpstr(m->return_path, ==, "anna@example.net");
	g_assert_cmpstr(m->text, ==,
			"Grüße aus München. This line is long enough that it was wrapped with a "
			"soft line break.\nSecond line with an equals sign: a = b.\n");
	g_assert_false(m->text_from_html);
	g_assert_false(m->suspicious);
	mail_free(m);
	g_free(raw);
}

static void test_base64(void)
{
	char *raw;
	struct mail *m = fixture("base64.eml", &raw);

	g_assert_cmpstr(m->text, ==, "Topics:\n- Café scheduling\n- “Quoted” things\n");
	mail_free(m);
	g_free(raw);
}

static void test_latin1(void)
{
	char *raw;
	struct mail *m = fixture("latin1.eml", &raw);

	g_assert_cmpstr(m->from_name, ==, "Jörg Rödel");
	g_assert_cmpstr(m->from_addr, ==, "jroedel@example.de");
	g_assert_cmpstr(m->text, ==, "Grüße, Jörg © 2022\n");
	mail_free(m);
	g_free(raw);
}

static void test_cp1252(void)
{
	char *raw;
	struct mail *m = fixture("cp1252.eml", &raw);

	g_assert_cmpstr(m->text, ==, "“Smart” quotes, it’s 5 € – really.\n");
	mail_free(m);
	g_free(raw);
}

static void test_bad_charsets(void)
{
	char *raw;
	struct mail *m = fixture("bad-utf8.eml", &raw);

	/* valid UTF-8 kept, stray bytes read as windows-1252, NUL dropped */
	g_assert_cmpstr(m->text, ==, "valid é then bad été and “q” and nulbyte\n");
	assert_clean_line(m->subject);
	mail_free(m);
	g_free(raw);

	m = fixture("unknown-charset.eml", &raw);
	g_assert_cmpstr(m->text, ==, "naïve €\n");
	mail_free(m);
	g_free(raw);
}

static void test_alternative(void)
{
	char *raw;
	struct mail *m = fixture("alternative.eml", &raw);

	g_assert_cmpstr(m->text, ==, "Plain part wins.\n* one\n* two\n");
	g_assert_false(m->text_from_html);
	g_assert_cmpuint(m->attachments->len, ==, 0);
	mail_free(m);
	g_free(raw);
}

static void test_html_lists(void)
{
	char *raw;
	struct mail *m = fixture("html-lists.eml", &raw);

	g_assert_true(m->text_from_html);
	g_assert_cmpstr(m->text, ==,
			"Hello LPC organizers,\n"
			"\n"
			"Topics:\n"
			"\n"
			"- Ecosystem & review\n"
			"- Nested\n"
			"  - first <sub>\n"
			"  - second\n"
			"- It’s “quoted” — done\n"
			"\n"
			"1. alpha\n"
			"2. beta\n"
			"\n"
			"Line one\n"
			"Line two\n"
			"Café €5\n"
			"\n"
			"- Word bullet\n"
			"\n"
			"> quoted text\n"
			"\n"
			"Bye\n");
	mail_free(m);
	g_free(raw);
}

static void test_attachments(void)
{
	char *raw;
	struct mail *m = fixture("attachment.eml", &raw);
	struct mail_attachment *a;

	g_assert_cmpstr(m->text, ==, "Cover note, see the attachment.\n");
	g_assert_cmpuint(m->attachments->len, ==, 2);
	a = m->attachments->pdata[0];
	g_assert_cmpstr(a->filename, ==, "proposal.md");
	g_assert_cmpstr(a->content_type, ==, "text/markdown");
	g_assert_cmpstr(a->text, ==, "# RISC-V MC\n\n* topic one\n* topic two\n");
	a = m->attachments->pdata[1];
	g_assert_cmpstr(a->filename, ==, "notes.txt");
	g_assert_cmpstr(a->content_type, ==, "text/plain");
	g_assert_cmpstr(a->text, ==, "Notes from the text attachment.\n");
	mail_free(m);
	g_free(raw);
}

static void test_flowed(void)
{
	char *raw, *u;
	struct mail *m = fixture("flowed.eml", &raw);

	g_assert_cmpstr(m->text, ==,
			"This is a long paragraph that was wrapped with DelSp.\n"
			"> Quoted and flowed.\n"
			">> Deeper\n"
			"> Back to one.\n"
			"From a stuffed line.\n"
			"\n"
			"-- \n"
			"Kees\n");
	mail_free(m);
	g_free(raw);

	m = fixture("flowed-nodelsp.eml", &raw);
	g_assert_cmpstr(m->text, ==, "The quick brown fox jumps over the lazy dog.\nFixed line.\n");
	mail_free(m);
	g_free(raw);

	/* a flowed last line without a line end is closed */
	u = mail_text_unflow("a \nb ", 5, FALSE);
	g_assert_cmpstr(u, ==, "a b \n");
	g_free(u);
}

static void test_crlf_subject(void)
{
	char *raw;
	struct mail *m = fixture("crlf-subject.eml", &raw);

	g_assert_cmpstr(m->subject, ==, "Bob Bcc: x@y");
	assert_clean_line(m->subject);
	mail_free(m);
	g_free(raw);
}

static void test_b_words(void)
{
	char *raw;
	struct mail *m = fixture("b-words.eml", &raw);

	g_assert_cmpstr(m->from_name, ==, "Jürgen");
	g_assert_cmpstr(m->from_addr, ==, "juergen@example.org");
	/* and a character split across two Q words */
	g_assert_cmpstr(m->subject, ==, "Jürgen and Müller");
	mail_free(m);
	g_free(raw);
}

static void test_rfc2047(void)
{
	static const char *const cases[][2] = {
		{ "=?UTF-8?B?SsO8cg==?= =?UTF-8?B?Z2Vu?=", "Jürgen" },
		{ "=?utf-8?b?SsO8?= =?utf-8?b?cmdlbg==?=", "Jürgen" },
		{ "=?UTF-8?B?SsO8c?=\n =?UTF-8?B?mdlbg==?=", "Jürgen" },    /* split quantum */
		{ "a =?iso-8859-1?q?=E9t=E9?= b", "a été b" },
		{ "=?iso-8859-1?q?a?= =?utf-8?q?b?=", "ab" },
		{ "=?utf-8*en?q?hello_world?=", "hello world" },
		{ "plain =?bogus", "plain =?bogus" },
		{ "=?utf-8?q?x?=y", "xy" },
		{ "raw \xc3\xa9 and \xe9", "raw é and é" },
		{ "", "" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *d = mail_rfc2047_decode(cases[i][0]);

		g_assert_cmpstr(d, ==, cases[i][1]);
		g_free(d);
	}
}

static void test_lookalikes(void)
{
	char *raw;
	struct mail *m;

	m = fixture("lookalike-at.eml", &raw);
	g_assert_null(m->from_addr);
	g_assert_cmpint(m->from_fields, ==, 1);
	mail_free(m);
	g_free(raw);

	m = fixture("lookalike-angle.eml", &raw);
	g_assert_null(m->from_addr);
	g_assert_cmpint(m->from_mailboxes, ==, 2);
	mail_free(m);
	g_free(raw);

	/* a display name that looks like an address is only a name */
	m = fixture("lookalike-name.eml", &raw);
	g_assert_cmpstr(m->from_addr, ==, "attacker@evil.com");
	mail_free(m);
	g_free(raw);

	m = fixture("lookalike-unquoted.eml", &raw);
	g_assert_null(m->from_addr);
	mail_free(m);
	g_free(raw);
}

static void test_addr_strict(void)
{
	static const char *const good[][3] = {
		{ "a@B.example", "a@b.example", "" },
		{ " Ann <Ann.X@Example.Org> ", "Ann.X@example.org", "Ann" },
		{ "\"Doe, John\" <j@x.example> (work)", "j@x.example", "Doe, John" },
		{ "j@x.example (John Doe)", "j@x.example", "John Doe" },
		{ "=?utf-8?q?J=C3=B6rg?= <j@x.example>", "j@x.example", "Jörg" },
		{ "<j@x.example>", "j@x.example", "" },
	};
	static const char *const bad[] = {
		"org@example.org@evil.com", "<org@x.example>attacker@evil.com", "a@b.example, c@d.example",
		"group: a@b.example;", "<@route:a@b.example>", "\"quoted local\"@x.example",
		"a@[192.0.2.1]", "a..b@x.example", "a@-x.example", "Ann <a@b.example", "a@b.example>",
		"x@y <a@b.example>", "(open a@b.example", "", "a@", "@b.example",
	};
	char *addr, *name;

	for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
		g_assert_true(mail_addr_strict(good[i][0], &addr, &name));
		g_assert_cmpstr(addr, ==, good[i][1]);
		g_assert_cmpstr(name, ==, good[i][2]);
		g_free(addr);
		g_free(name);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		if (mail_addr_strict(bad[i], &addr, &name))
			g_error("accepted: %s", bad[i]);
		g_assert_null(addr);
	}
}

static void test_two_from(void)
{
	char *raw;
	struct mail *m = fixture("two-from.eml", &raw);

	g_assert_cmpint(m->from_fields, ==, 2);
	g_assert_cmpint(m->from_mailboxes, ==, 2);
	g_assert_null(m->from_addr);
	g_assert_cmpstr(m->from_name, ==, "");
	g_assert_true(m->suspicious);
	mail_free(m);
	g_free(raw);
}

static void test_no_msgid(void)
{
	char *raw, *hex, *want;
	struct mail *m = fixture("no-msgid.eml", &raw);

	g_assert_null(m->message_id);
	hex = util_sha256_hex(raw, strlen(raw));
	want = g_strconcat("sha256:", hex, NULL);
	g_assert_cmpstr(m->key, ==, want);
	g_assert_cmpstr(m->from_addr, ==, "someone@example.com");
	g_assert_cmpstr(m->from_name, ==, "Some One");
	g_free(hex);
	g_free(want);
	mail_free(m);
	g_free(raw);
}

static void test_headers(void)
{
	static const char *const to[] = { "mc@lpc.example.org", "second@example.com",
					  "third@example.com", "g1@example.com", "g2@example.com" };
	char *raw;
	struct mail *m = fixture("headers.eml", &raw);

	g_assert_cmpstr(m->key, ==, "<report.1@mx.example.com>");
	g_assert_cmpstr(m->from_addr, ==, "MAILER-DAEMON@mx.example.com");
	g_assert_cmpint(m->date, ==, 1659348000);
	g_assert_cmpstr(m->in_reply_to, ==, "orig@lpc.example.org");
	g_assert_cmpuint(m->references->len, ==, 3);
	g_assert_cmpstr(m->references->pdata[0], ==, "a@x.example");
	g_assert_cmpstr(m->references->pdata[1], ==, "b@x.example");
	g_assert_cmpstr(m->references->pdata[2], ==, "orig@lpc.example.org");
	g_assert_cmpuint(m->to->len, ==, G_N_ELEMENTS(to));
	for (gsize i = 0; i < G_N_ELEMENTS(to); i++)
		g_assert_cmpstr(m->to->pdata[i], ==, to[i]);
	g_assert_cmpstr(m->delivered_to, ==, "mc+rsvp@lpc.example.org");
	g_assert_cmpstr(m->return_path, ==, "");
	g_assert_cmpstr(m->auto_submitted, ==, "auto-replied");
	g_assert_cmpstr(m->precedence, ==, "bulk");
	g_assert_true(m->has_list_headers);
	g_assert_cmpstr(m->x_loop, ==, "mc@lpc.example.org");
	g_assert_true(m->is_report);
	g_assert_cmpuint(m->auth_results->len, ==, 2);
	g_assert_cmpstr(m->auth_results->pdata[0], ==,
			"mx.lpc.example.org; dkim=pass header.d=lpc.example.org; "
			"dmarc=pass header.from=lpc.example.org");
	g_assert_cmpstr(m->auth_results->pdata[1], ==, "evil.example; dkim=pass header.d=evil.example");
	/* the attached original is not body text */
	g_assert_cmpstr(m->text, ==, "This is the mail system.\n");
	mail_free(m);
	g_free(raw);
}

static void test_absent_fields(void)
{
	static const char raw[] = "X-Only: header\n\nbody\n";
	struct mail *m = parse_bytes(raw, sizeof(raw) - 1, NULL);

	g_assert_cmpstr(m->subject, ==, "");
	g_assert_cmpstr(m->from_name, ==, "");
	g_assert_null(m->from_addr);
	g_assert_cmpint(m->from_fields, ==, 0);
	g_assert_cmpint(m->date, ==, 0);
	g_assert_null(m->in_reply_to);
	g_assert_null(m->return_path);
	g_assert_null(m->delivered_to);
	g_assert_nonnull(m->references);
	g_assert_nonnull(m->to);
	g_assert_nonnull(m->attachments);
	g_assert_nonnull(m->auth_results);
	g_assert_cmpstr(m->text, ==, "body\n");
	g_assert_true(g_str_has_prefix(m->key, "sha256:"));
	mail_free(m);
}

static void test_crlf_mail(void)
{
	static const char raw[] = "From: A <a@b.example>\r\nSubject: crlf\r\n"
		"Message-ID: <crlf2@b.example>\r\n\r\nline one\r\nline two\r\n";
	struct mail *m = parse_bytes(raw, sizeof(raw) - 1, NULL);

	g_assert_cmpstr(m->subject, ==, "crlf");
	g_assert_cmpstr(m->from_addr, ==, "a@b.example");
	g_assert_cmpstr(m->text, ==, "line one\nline two\n");
	mail_free(m);
}

static void test_idn_and_empty_plain(void)
{
	static const char idn[] = "From: A <a+b@xn--bcher-kva.example>\n"
		"To: x@b\xc3\xbc" "cher.example\n\nhi\n";
	static const char alt[] = "From: a@b.example\n"
		"Content-Type: multipart/alternative; boundary=b\n\n"
		"--b\nContent-Type: text/plain\n\n \n\n"
		"--b\nContent-Type: text/html\n\n<p>from html</p>\n--b--\n";
	struct mail *m = parse_bytes(idn, sizeof(idn) - 1, NULL);

	g_assert_cmpstr(m->from_addr, ==, "a+b@xn--bcher-kva.example");
	g_assert_cmpuint(m->to->len, ==, 1);
	g_assert_cmpstr(m->to->pdata[0], ==, "x@xn--bcher-kva.example");
	mail_free(m);

	m = parse_bytes(alt, sizeof(alt) - 1, NULL);
	g_assert_cmpstr(m->text, ==, "from html\n");
	g_assert_true(m->text_from_html);
	mail_free(m);
}

static void test_garbage(void)
{
	static const char *const cases[] = {
		"", "hello world\nthis is not mail\n", "\n\nbody only\n", ": no name\n\n",
		"From nobody Mon Jan  1 00:00:00 2024\n", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
	};
	GString *err = g_string_new(NULL);
	struct mail *m;

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		gsize len = i == G_N_ELEMENTS(cases) - 1 ? 16 : strlen(cases[i]);

		g_string_truncate(err, 0);
		m = (struct mail *)1;
		g_assert_cmpint(mail_parse(cases[i], len, NULL, &m, err), ==, -1);
		g_assert_null(m);
		g_assert_cmpuint(err->len, >, 0);
	}
	g_string_free(err, TRUE);
}

static int parse_fails(const char *raw, const struct mail_limits *lim, const char *word)
{
	GString *err = g_string_new(NULL);
	struct mail *m = NULL;
	int rc = mail_parse(raw, strlen(raw), lim, &m, err);

	if (rc < 0)
		g_assert_nonnull(strstr(err->str, word));
	mail_free(m);
	g_string_free(err, TRUE);
	return rc;
}

static void test_limits(void)
{
	struct mail_limits lim = { .max_text = 10, .max_parts = 5, .max_depth = 3, .max_headers = 5 };
	GString *s = g_string_new("From: a@b.example\nContent-Type: multipart/mixed; boundary=b0\n\n");
	struct mail *m;

	/* nesting: b0 > b1 > b2 > b3 > b4 */
	for (int i = 1; i <= 4; i++)
		g_string_append_printf(s, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i - 1, i);
	g_string_append(s, "--b4\nContent-Type: text/plain\n\ndeep\n");
	for (int i = 4; i >= 0; i--)
		g_string_append_printf(s, "--b%d--\n", i);
	g_assert_cmpint(parse_fails(s->str, &lim, "nested"), ==, -1);

	g_string_assign(s, "From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\n");
	for (int i = 0; i < 8; i++)
		g_string_append_printf(s, "--b\nContent-Type: text/plain\n\npart %d\n", i);
	g_string_append(s, "--b--\n");
	g_assert_cmpint(parse_fails(s->str, &lim, "parts"), ==, -1);

	g_string_assign(s, "");
	for (int i = 0; i < 6; i++)
		g_string_append_printf(s, "X-H%d: v\n", i);
	g_string_append(s, "\nbody\n");
	g_assert_cmpint(parse_fails(s->str, &lim, "header"), ==, -1);

	/* text longer than max_text is refused, not cut; up to it passes */
	g_string_assign(s, "From: a@b.example\nContent-Type: text/plain; charset=utf-8\n\n"
			"ééééé\n");
	g_assert_cmpint(parse_fails(s->str, &lim, "text too long"), ==, -1);
	g_string_assign(s, "From: a@b.example\nContent-Type: text/plain; charset=utf-8\n\n"
			"éééé\n");
	m = parse_bytes(s->str, s->len, &lim);
	g_assert_cmpstr(m->text, ==, "éééé\n");
	mail_free(m);
	g_string_free(s, TRUE);
}

static void test_suspicious(void)
{
	static const char raw[] = "From: a@b.example\nContent-Type: multipart/mixed\n\n"
		"--x\nContent-Type: text/plain\n\nhidden\n--x--\n";
	struct mail *m = parse_bytes(raw, sizeof(raw) - 1, NULL);

	g_assert_true(m->suspicious);
	mail_free(m);
}

static void test_raw_untouched(void)
{
	char *raw;
	char *copy;
	struct mail *m = fixture("attachment.eml", &raw);

	copy = g_strdup(raw);
	mail_free(m);
	m = parse_bytes(raw, strlen(raw), NULL);
	g_assert_cmpstr(raw, ==, copy);
	mail_free(m);
	g_free(copy);
	g_free(raw);
}

static void test_html_direct(void)
{
	static const char *const cases[][2] = {
		{ "<p>a</p><p>b</p>", "a\n\nb\n" },
		{ "<p class=MsoNormal>a</p><p class=MsoNormal>b</p><p class=MsoNormal>&nbsp;</p>"
		  "<p class=MsoNormal>c</p>", "a\nb\n\nc\n" },
		{ "<div>x<br><br><br><br>y</div>", "x\n\ny\n" },
		{ "a &amp;&nbsp;b &#65;&#x42; &bogus; & c", "a & b AB &bogus; & c\n" },
		{ "<pre>  keep   this\n  too</pre>", "  keep   this\n  too\n" },
		{ "<ul><li><p>para in li</p></li><li>next</li></ul>", "- para in li\n- next\n" },
		{ "<style>p {x}", "p {x}\n" },          /* unclosed: tag skipped, text kept */
		{ "x < y and 3<4", "x < y and 3<4\n" },
		{ "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc\n" },
		{ "<a href=\"x>y\">link</a> text", "link text\n" },
		{ "&#0;&#x110000;&#150;", "\xef\xbf\xbd\xef\xbf\xbd\xe2\x80\x93\n" },
		{ "<!-- unterminated comment", "" },
		{ "<p><![if !supportLists]>1.<![endif]>first</p>", "1. first\n" },
		{ "<![if !supportLists]>no endif, text kept", "no endif, text kept\n" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *t = mail_html_to_text(cases[i][0], strlen(cases[i][0]));

		g_assert_cmpstr(t, ==, cases[i][1]);
		g_free(t);
	}
}

/* Inputs that would be quadratic in a naive decoder must stay fast. */
static void test_hostile(void)
{
	GString *s = g_string_new(NULL);
	GTimer *timer = g_timer_new();
	struct mail *m;
	char *t;

	g_string_append(s, "From: a@b.example\nSubject: ");
	for (int i = 0; i < 40000; i++)
		g_string_append(s, "=?a?q?");
	g_string_append(s, "\nContent-Type: text/html\n\n");
	for (int i = 0; i < 40000; i++)
		g_string_append(s, "<style><head>&#x41<li><![if supportLists]>");
	m = parse_bytes(s->str, s->len, NULL);
	g_assert_true(g_str_has_prefix(m->subject, "=?a?q?=?a?q?"));
	g_assert_true(m->text_from_html);
	mail_free(m);
	t = mail_rfc2047_decode(s->str);
	g_free(t);
	g_assert_cmpfloat(g_timer_elapsed(timer, NULL), <, 10.0);
	g_test_message("hostile input: %.2f s", g_timer_elapsed(timer, NULL));
	g_timer_destroy(timer);
	g_string_free(s, TRUE);
}

/* ---- the shared corpus (developer and CI machines only) ---- */

static gboolean body_blank(const char *raw, gsize len)
{
	const char *b = g_strstr_len(raw, (gssize)len, "\n\n");
	const char *b2 = g_strstr_len(raw, (gssize)len, "\r\n\r\n");

	if (b == NULL || (b2 != NULL && b2 < b))
		b = b2;
	if (b == NULL)
		return TRUE;
	for (const char *p = b; p < raw + len; p++)
		if (!g_ascii_isspace(*p))
			return FALSE;
	return TRUE;
}

static void corpus_one(const char *dir, const char *name, JsonObject *e, guint *n)
{
	char *path = g_build_filename(dir, "mail", name, NULL), *raw, *want_addr, *want_subject;
	JsonObject *from = json_object_get_object_member(e, "from");
	const char *subject = json_object_get_string_member(e, "subject");
	gsize len;
	struct mail *m;

	g_assert_true(g_file_get_contents(path, &raw, &len, NULL));
	m = parse_bytes(raw, len, NULL);
	want_addr = g_strdup(json_object_get_string_member(from, "email"));
	mail_addr_lower_domain(want_addr);
	if (g_strcmp0(m->from_addr, want_addr) != 0)
		g_error("%s: from %s, expected %s", name, m->from_addr, want_addr);
	if (g_strcmp0(m->from_name, json_object_get_string_member(from, "name")) != 0)
		g_error("%s: name '%s', expected '%s'", name, m->from_name,
			json_object_get_string_member(from, "name"));
	/* expected subjects are as sent; decode the (rare) encoded ones */
	want_subject = strstr(subject, "=?") != NULL ? mail_rfc2047_decode(subject) : g_strdup(subject);
	if (strcmp(m->subject, want_subject) != 0)
		g_error("%s: subject '%s', expected '%s'", name, m->subject, want_subject);
	if (m->text[0] == '\0' && !body_blank(raw, len))
		g_error("%s: no text", name);
	g_assert_true(g_utf8_validate(m->text, -1, NULL));
	g_assert_null(strchr(m->text, '\r'));
	assert_clean_line(m->subject);
	assert_clean_line(m->from_name);
	g_free(want_addr);
	g_free(want_subject);
	mail_free(m);
	g_free(raw);
	g_free(path);
	(*n)++;
}

static void test_corpus(void)
{
	char *dir = g_build_filename(top_dir(), "..", "shared", "corpus", NULL);
	char *expected = g_build_filename(dir, "expected.json", NULL);
	JsonParser *p;
	JsonObject *root;
	GList *names;
	GError *error = NULL;
	guint n = 0;

	if (!g_file_test(expected, G_FILE_TEST_EXISTS)) {
		g_test_skip("no shared corpus");
		goto out;
	}
	p = json_parser_new();
	if (!json_parser_load_from_file(p, expected, &error))
		g_error("%s: %s", expected, error->message);
	root = json_node_get_object(json_parser_get_root(p));
	names = json_object_get_members(root);
	for (GList *l = names; l != NULL; l = l->next)
		corpus_one(dir, l->data, json_object_get_object_member(root, l->data), &n);
	g_assert_cmpuint(n, >, 0);
	g_test_message("%u corpus mails parsed", n);
	g_list_free(names);
	g_object_unref(p);
out:
	g_free(expected);
	g_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mail_init();
	g_test_add_func("/mail/qp", test_qp);
	g_test_add_func("/mail/base64", test_base64);
	g_test_add_func("/mail/latin1", test_latin1);
	g_test_add_func("/mail/cp1252", test_cp1252);
	g_test_add_func("/mail/bad-charsets", test_bad_charsets);
	g_test_add_func("/mail/alternative", test_alternative);
	g_test_add_func("/mail/html-lists", test_html_lists);
	g_test_add_func("/mail/attachments", test_attachments);
	g_test_add_func("/mail/flowed", test_flowed);
	g_test_add_func("/mail/crlf-subject", test_crlf_subject);
	g_test_add_func("/mail/b-words", test_b_words);
	g_test_add_func("/mail/rfc2047", test_rfc2047);
	g_test_add_func("/mail/lookalikes", test_lookalikes);
	g_test_add_func("/mail/addr-strict", test_addr_strict);
	g_test_add_func("/mail/two-from", test_two_from);
	g_test_add_func("/mail/no-msgid", test_no_msgid);
	g_test_add_func("/mail/headers", test_headers);
	g_test_add_func("/mail/absent-fields", test_absent_fields);
	g_test_add_func("/mail/crlf-mail", test_crlf_mail);
	g_test_add_func("/mail/idn-empty-plain", test_idn_and_empty_plain);
	g_test_add_func("/mail/garbage", test_garbage);
	g_test_add_func("/mail/limits", test_limits);
	g_test_add_func("/mail/suspicious", test_suspicious);
	g_test_add_func("/mail/raw-untouched", test_raw_untouched);
	g_test_add_func("/mail/html-direct", test_html_direct);
	g_test_add_func("/mail/hostile", test_hostile);
	g_test_add_func("/mail/corpus", test_corpus);
	return g_test_run();
}
