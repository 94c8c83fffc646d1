/* Unit tests for bot/compose.c: exact headers, CRLF, QP round-trip,
 * header injection, deterministic Message-ID. */
#include <string.h>
#include <gmime/gmime.h>

#include "bot/compose.h"

static const char *BODY =
	"Hello J\xc3\xbcrgen,\n"
	"\n"
	"a line with = signs == and trailing space \n"
	".\n"
	"From the start of a line\n"
	"a long line: 0123456789012345678901234567890123456789012345678901234567890123456789"
	"0123456789012345678901234567890123456789 end\n"
	"tab\tinside and \xe2\x82\xac euro\n";

static struct compose base(void)
{
	struct compose c = {
		.from_addr = "mc@lpc.example.org",
		.from_name = "LPC Microconferences",
		.to_addr = "alice@example.com",
		.to_name = "Alice Example",
		.subject = "[LPC MC-3] Re: Containers MC",
		.body = BODY,
		.in_reply_to = "orig-1@example.com",
		.references = NULL,
		.auto_submitted = "auto-replied",
		.bulk = FALSE,
		.msgid_seed = "key-1:ack",
		.msgid_domain = "lpc.example.org",
		.date = 1700000000,
		.x_loop = "mc@lpc.example.org",
	};
	return c;
}

static char *build_str(const struct compose *c, gsize *len)
{
	GBytes *b = compose_build(c);
	gsize n;
	const char *d;
	char *s;

	g_assert_nonnull(b);
	d = g_bytes_get_data(b, &n);
	s = g_strndup(d, n);
	g_assert_cmpuint(strlen(s), ==, n);
	g_bytes_unref(b);
	if (len)
		*len = n;
	return s;
}

/* The header block unfolded into "Name: value" strings, in order. */
static GPtrArray *raw_headers(const char *msg)
{
	GPtrArray *h = g_ptr_array_new_with_free_func(g_free);
	const char *end = strstr(msg, "\r\n\r\n");
	char *block, **lines;

	g_assert_nonnull(end);
	block = g_strndup(msg, end - msg);
	lines = g_strsplit(block, "\r\n", -1);
	for (char **l = lines; *l; l++) {
		if ((**l == ' ' || **l == '\t') && h->len > 0) {
			char *prev = h->pdata[h->len - 1];
			h->pdata[h->len - 1] = g_strconcat(prev, " ", g_strstrip(*l), NULL);
			g_free(prev);
		} else {
			g_ptr_array_add(h, g_strdup(*l));
		}
	}
	g_strfreev(lines);
	g_free(block);
	return h;
}

/* The value of the only header called name, or NULL; fails on duplicates. */
static const char *header(GPtrArray *h, const char *name)
{
	const char *found = NULL;
	size_t n = strlen(name);

	for (guint i = 0; i < h->len; i++) {
		const char *l = h->pdata[i];
		if (!g_ascii_strncasecmp(l, name, n) && l[n] == ':') {
			g_assert_null(found);
			found = l + n + 1 + (l[n + 1] == ' ');
		}
	}
	return found;
}

static GMimeMessage *parse(const char *msg, gsize len)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(msg, len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

	g_assert_nonnull(m);
	g_object_unref(p);
	g_object_unref(s);
	return m;
}

static void assert_crlf(const char *s, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		if (s[i] == '\n')
			g_assert_true(i > 0 && s[i - 1] == '\r');
		if (s[i] == '\r')
			g_assert_true(i + 1 < len && s[i + 1] == '\n');
	}
	g_assert_true(len >= 2 && s[len - 2] == '\r' && s[len - 1] == '\n');
}

static void test_message_id(void)
{
	char *a = compose_message_id("key-1:ack", "lpc.example.org");
	char *b = compose_message_id("key-1:ack", "lpc.example.org");
	char *c = compose_message_id("key-1:rsvp", "lpc.example.org");
	char *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, "key-1:ack", -1);
	char *want = g_strdup_printf("mcbot.%.32s@lpc.example.org", hex);
	char *bad = compose_message_id("x", "ev il>\r\n.org");

	g_assert_cmpstr(a, ==, b);
	g_assert_cmpstr(a, !=, c);
	g_assert_cmpstr(a, ==, want);
	g_assert_cmpuint(strlen(a), ==, strlen("mcbot.") + 32 + strlen("@lpc.example.org"));
	g_assert_null(strpbrk(bad, " <>\r\n"));
	g_assert_true(g_str_has_suffix(bad, "@evil.org"));
	g_free(a);
	g_free(b);
	g_free(c);
	g_free(hex);
	g_free(want);
	g_free(bad);
}

static void test_headers_exact(void)
{
	struct compose c = base();
	GPtrArray *refs = g_ptr_array_new();
	char *msg, *id, *want_id;
	GPtrArray *h;

	g_ptr_array_add(refs, "root@example.com");
	g_ptr_array_add(refs, "mid@example.com");
	c.references = refs;
	c.bulk = TRUE;
	msg = build_str(&c, NULL);
	h = raw_headers(msg);
	id = compose_message_id("key-1:ack", "lpc.example.org");
	want_id = g_strdup_printf("<%s>", id);

	g_assert_cmpstr(header(h, "From"), ==, "LPC Microconferences <mc@lpc.example.org>");
	g_assert_cmpstr(header(h, "To"), ==, "Alice Example <alice@example.com>");
	g_assert_cmpstr(header(h, "Subject"), ==, "[LPC MC-3] Re: Containers MC");
	g_assert_cmpstr(header(h, "Date"), ==, "Tue, 14 Nov 2023 22:13:20 +0000");
	g_assert_cmpstr(header(h, "Message-ID"), ==, want_id);
	g_assert_cmpstr(header(h, "In-Reply-To"), ==, "<orig-1@example.com>");
	g_assert_cmpstr(header(h, "References"), ==,
			"<root@example.com> <mid@example.com> <orig-1@example.com>");
	g_assert_cmpstr(header(h, "MIME-Version"), ==, "1.0");
	g_assert_cmpstr(header(h, "Content-Type"), ==, "text/plain; charset=utf-8");
	g_assert_cmpstr(header(h, "Content-Transfer-Encoding"), ==, "quoted-printable");
	g_assert_cmpstr(header(h, "Auto-Submitted"), ==, "auto-replied");
	g_assert_cmpstr(header(h, "Precedence"), ==, "bulk");
	g_assert_cmpstr(header(h, "X-Loop"), ==, "mc@lpc.example.org");
	g_assert_null(header(h, "Bcc"));
	g_assert_null(header(h, "Cc"));

	g_ptr_array_free(h, TRUE);
	g_free(msg);
	g_free(id);
	g_free(want_id);
	g_ptr_array_free(refs, TRUE);
}

static void test_optional_headers(void)
{
	struct compose c = base();
	char *msg;
	GPtrArray *h;

	c.in_reply_to = NULL;
	c.to_name = NULL;
	c.x_loop = NULL;
	c.auto_submitted = "auto-generated";
	msg = build_str(&c, NULL);
	h = raw_headers(msg);
	g_assert_null(header(h, "In-Reply-To"));
	g_assert_null(header(h, "References"));
	g_assert_null(header(h, "Precedence"));
	g_assert_null(header(h, "X-Loop"));
	g_assert_cmpstr(header(h, "To"), ==, "alice@example.com");
	g_assert_cmpstr(header(h, "Auto-Submitted"), ==, "auto-generated");
	g_ptr_array_free(h, TRUE);
	g_free(msg);

	/* An unknown Auto-Submitted value never goes out as given. */
	c.auto_submitted = "no";
	msg = build_str(&c, NULL);
	h = raw_headers(msg);
	g_assert_cmpstr(header(h, "Auto-Submitted"), ==, "auto-generated");
	g_ptr_array_free(h, TRUE);
	g_free(msg);
}

static void test_references_bounded(void)
{
	struct compose c = base();
	GPtrArray *refs = g_ptr_array_new_with_free_func(g_free);
	char *msg, *want;
	GPtrArray *h;
	const char *v;
	char **ids;

	for (int i = 0; i < 30; i++)
		g_ptr_array_add(refs, g_strdup_printf("r%d@example.com", i));
	g_ptr_array_add(refs, g_strdup("bad\r\nBcc: x@y"));
	g_ptr_array_add(refs, g_strdup("has space@example.com"));
	c.references = refs;
	msg = build_str(&c, NULL);
	h = raw_headers(msg);
	v = header(h, "References");
	g_assert_nonnull(v);
	ids = g_strsplit(v, " ", -1);
	g_assert_cmpuint(g_strv_length(ids), ==, 20);
	g_assert_cmpstr(ids[0], ==, "<r0@example.com>");
	g_assert_cmpstr(ids[1], ==, "<r12@example.com>");
	g_assert_cmpstr(ids[18], ==, "<r29@example.com>");
	g_assert_cmpstr(ids[19], ==, "<orig-1@example.com>");
	want = g_strdup_printf("<%s>", c.in_reply_to);
	g_assert_cmpstr(header(h, "In-Reply-To"), ==, want);
	g_assert_null(header(h, "Bcc"));
	g_strfreev(ids);
	g_free(want);
	g_ptr_array_free(h, TRUE);
	g_free(msg);
	g_ptr_array_free(refs, TRUE);
}

static void test_crlf(void)
{
	struct compose c = base();
	gsize len;
	char *msg;

	c.body = "one\ntwo\r\nthree\rfour";    /* mixed line ends, no final newline */
	msg = build_str(&c, &len);
	assert_crlf(msg, len);
	g_assert_nonnull(strstr(msg, "\r\n\r\none\r\ntwo\r\nthree\r\nfour\r\n"));
	g_free(msg);

	c = base();
	msg = build_str(&c, &len);
	assert_crlf(msg, len);
	g_free(msg);
}

static void test_qp_roundtrip(void)
{
	struct compose c = base();
	gsize len;
	char *msg, *text, *lf, **lines;
	GMimeMessage *m;
	GMimeObject *part;
	const char *body;
	GString *u = g_string_new(NULL);

	msg = build_str(&c, &len);
	body = strstr(msg, "\r\n\r\n") + 4;
	/* 7-bit, lines within the 76-character limit of quoted-printable. */
	for (const char *p = body; *p; p++)
		g_assert_cmpint((unsigned char) *p, <, 0x80);
	lines = g_strsplit(body, "\r\n", -1);
	for (char **l = lines; *l; l++)
		g_assert_cmpuint(strlen(*l), <=, 76);
	g_strfreev(lines);
	g_assert_nonnull(strstr(body, "J=C3=BCrgen"));

	m = parse(msg, len);
	part = g_mime_message_get_mime_part(m);
	g_assert_true(GMIME_IS_TEXT_PART(part));
	g_assert_cmpstr(g_mime_object_get_content_type_parameter(part, "charset"), ==, "utf-8");
	g_assert_cmpint(g_mime_part_get_content_encoding(GMIME_PART(part)), ==,
			GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
	for (const char *p = text; *p; p++)
		if (*p != '\r')
			g_string_append_c(u, *p);
	lf = g_string_free(u, FALSE);
	g_assert_cmpstr(lf, ==, BODY);

	g_assert_cmpstr(g_mime_message_get_subject(m), ==, c.subject);
	g_free(lf);
	g_free(text);
	g_object_unref(m);
	g_free(msg);
}

/* A display name, a subject or an id carrying CR/LF never starts a header. */
static void test_header_injection(void)
{
	struct compose c = base();
	gsize len;
	char *msg;
	GPtrArray *h;
	GMimeMessage *m;
	InternetAddressList *to;
	const char *evil[] = { "Bob\r\nBcc: x@y", "Bob\nBcc: x@y", "Bob\rBcc: x@y",
			       "=?UTF-8?Q?Bob=0D=0ABcc:_x@y?=" };

	for (guint i = 0; i < G_N_ELEMENTS(evil); i++) {
		c.subject = evil[i];
		c.to_name = evil[i];
		c.from_name = evil[i];
		c.in_reply_to = "id@x\r\nBcc: x@y";
		msg = build_str(&c, &len);
		assert_crlf(msg, len);
		h = raw_headers(msg);
		g_assert_null(header(h, "Bcc"));
		g_assert_null(header(h, "In-Reply-To"));
		g_assert_null(strstr(msg, "\r\nBcc:"));
		g_assert_null(strstr(msg, "\nBcc:"));

		m = parse(msg, len);
		g_assert_null(g_mime_object_get_header(GMIME_OBJECT(m), "Bcc"));
		g_assert_cmpint(internet_address_list_length(g_mime_message_get_bcc(m)), ==, 0);
		to = g_mime_message_get_to(m);
		g_assert_cmpint(internet_address_list_length(to), ==, 1);
		g_assert_cmpstr(internet_address_mailbox_get_addr(
			INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(to, 0))),
			==, "alice@example.com");
		g_assert_null(strchr(g_mime_message_get_subject(m), '\n'));
		g_assert_null(strchr(g_mime_message_get_subject(m), '\r'));
		g_assert_true(g_str_has_suffix(g_mime_message_get_subject(m), "Bcc: x@y") ||
			      g_str_has_suffix(g_mime_message_get_subject(m), "Bcc:_x@y?="));
		g_assert_null(strchr(internet_address_get_name(
			internet_address_list_get_address(to, 0)), '\n'));
		g_object_unref(m);
		g_ptr_array_free(h, TRUE);
		g_free(msg);
	}
}

static void test_bad_addresses(void)
{
	struct compose c = base();

	c.to_addr = "alice@example.com\r\nBcc: x@y";
	g_assert_null(compose_build(&c));
	c.to_addr = "Alice <alice@example.com>";
	g_assert_null(compose_build(&c));
	c = base();
	c.from_addr = "no-at-sign";
	g_assert_null(compose_build(&c));
}

static void test_deterministic(void)
{
	struct compose c = base();
	char *a = build_str(&c, NULL), *b = build_str(&c, NULL);

	g_assert_cmpstr(a, ==, b);
	g_free(b);
	c.msgid_seed = "key-1:other";
	b = build_str(&c, NULL);
	g_assert_cmpstr(a, !=, b);
	g_free(a);
	g_free(b);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add_func("/compose/message_id", test_message_id);
	g_test_add_func("/compose/headers_exact", test_headers_exact);
	g_test_add_func("/compose/optional_headers", test_optional_headers);
	g_test_add_func("/compose/references_bounded", test_references_bounded);
	g_test_add_func("/compose/crlf", test_crlf);
	g_test_add_func("/compose/qp_roundtrip", test_qp_roundtrip);
	g_test_add_func("/compose/header_injection", test_header_injection);
	g_test_add_func("/compose/bad_addresses", test_bad_addresses);
	g_test_add_func("/compose/deterministic", test_deterministic);
	rc = g_test_run();
	g_mime_shutdown();
	return rc;
}
