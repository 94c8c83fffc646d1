/*
 * test_hostile.c - hostile text from mail, end to end: mails whose names,
 * subjects, titles, leads, topics and attachment names carry CR, LF, NUL,
 * terminal escapes and bidi controls, path traversal attempts and overlong
 * values go through the whole path (parse, extract, store, reply) with
 * `mcbot replay`'s code, and then every file mcbot wrote is checked:
 *   - every path is a plain name under the state directory;
 *   - state lines are single clean lines with the fields they should have;
 *   - ids and slugs are [a-z0-9-] and bounded;
 *   - replies have only the header fields mcbot writes, one To, and no
 *     control or bidi character anywhere.
 * Also the cleaning functions themselves, and the mail parser's fields.
 */
#include <string.h>
#include <glib/gstdio.h>

#include "bot/config.h"
#include "bot/mail.h"
#include "bot/outbox.h"
#include "bot/run.h"
#include "bot/util.h"
#include "handlers/extract.h"
#include "scratch.h"

/* UTF-8 of U+202E (right-to-left override) and U+2066 (left-to-right isolate). */
#define RLO "\xe2\x80\xae"
#define LRI "\xe2\x81\xa6"

/* TRUE when s (len bytes) holds a control character other than those
 * allowed, or a bidi control. */
static gboolean
has_bad_char(const char *s, gsize len, const char *allowed)
{
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)s[i];

		if ((c < 0x20 || c == 0x7f) && (c == 0 || strchr(allowed, c) == NULL))
			return TRUE;
		if (i + 2 < len && c == 0xe2 && (guchar)s[i + 1] == 0x80 &&
		    (guchar)s[i + 2] >= 0xaa && (guchar)s[i + 2] <= 0xae)
			return TRUE;
		if (i + 2 < len && c == 0xe2 && (guchar)s[i + 1] == 0x81 &&
		    (guchar)s[i + 2] >= 0xa6 && (guchar)s[i + 2] <= 0xa9)
			return TRUE;
		if (i + 2 < len && c == 0xe2 && (guchar)s[i + 1] == 0x80 &&
		    ((guchar)s[i + 2] == 0x8e || (guchar)s[i + 2] == 0x8f))
			return TRUE;
		if (i + 1 < len && c == 0xc2 && (guchar)s[i + 1] >= 0x80 && (guchar)s[i + 1] < 0xa0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
line_ok(const char *s, gsize max)
{
	return s != NULL && strlen(s) <= max && g_utf8_validate(s, -1, NULL) &&
	       !has_bad_char(s, strlen(s), "");
}

static gboolean
slug_ok(const char *s, gsize max)
{
	return s[0] != '\0' && strlen(s) <= max &&
	       g_regex_match_simple("^[a-z0-9]+(-[a-z0-9]+)*$", s, 0, 0);
}

/* ---- the cleaning functions ---- */

static void
test_clean(void)
{
	char *s;

	s = util_clean_line("a\r\nBcc: x\x00y", 100);
	g_assert_cmpstr(s, ==, "a Bcc: x");
	g_free(s);
	s = util_clean_line("ab" RLO "cd" LRI "e\xe2\x80\x8f\xd8\x9c" "f\xef\xbb\xbfg", 100);
	g_assert_cmpstr(s, ==, "abcdefg");
	g_free(s);
	s = util_clean_line("\x1b[31mred\x1b[0m\xc2\x9b" "2J\t\v\f end", 100);
	g_assert_cmpstr(s, ==, "[31mred [0m 2J end");
	g_free(s);
	s = util_clean_line("\xff\xfe bad \xc3", 100);      /* invalid UTF-8 repaired */
	g_assert_true(line_ok(s, 100));
	g_free(s);
	s = util_clean_line("\xe2\x80\xa8line\xe2\x80\xa9sep\xc2\x85nel", 100);
	g_assert_cmpstr(s, ==, "line sep nel");
	g_free(s);
	s = util_clean_line("ééééé", 5);                      /* cut on a character */
	g_assert_cmpstr(s, ==, "éé");
	g_free(s);
	s = util_clean_text("one\r\ntwo\rthree\x00" "four", 100);
	g_assert_cmpstr(s, ==, "one\ntwo\nthree");
	g_free(s);
	s = util_clean_text("keep\ttab" RLO "\x1b[1m\n", 100);
	g_assert_cmpstr(s, ==, "keep\ttab[1m\n");
	g_free(s);
	/* U+2028/U+2029 are line breaks to some readers: not in multi-line text either */
	s = util_clean_text("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", 100);
	g_assert_true(strstr(s, "\xe2\x80\xa8") == NULL && strstr(s, "\xe2\x80\xa9") == NULL);
	g_free(s);
}

static void
test_slugify(void)
{
	static const char *const titles[] = {
		"../../etc/passwd", "/", "..", "", "MC", "Ünïcödé Tracing MC", RLO "evil" RLO,
		"a/b\\c:d*e?f\"g<h>i|j", "CON", "-leading-and-trailing-", "tab\there",
		"\xe6\xbc\xa2\xe5\xad\x97", "....", "A  --  B", NULL,
	};
	GString *huge = g_string_new(NULL);
	char *s;

	for (int i = 0; titles[i]; i++) {
		s = util_slugify(titles[i], 40);
		g_assert_true(slug_ok(s, 40));
		g_free(s);
	}
	s = util_slugify("../../etc/passwd", 40);
	g_assert_cmpstr(s, ==, "etc-passwd");
	g_free(s);
	for (int i = 0; i < 20000; i++)
		g_string_append(huge, i % 7 ? "word " : "-- ");
	s = util_slugify(huge->str, 40);
	g_assert_true(slug_ok(s, 40));
	g_free(s);
	g_string_assign(huge, "");
	for (int i = 0; i < 1000; i++)
		g_string_append_c(huge, 'x');
	s = util_slugify(huge->str, 40);            /* one word longer than max */
	g_assert_true(slug_ok(s, 40));
	g_free(s);
	s = util_slugify(NULL, 40);
	g_assert_cmpstr(s, ==, "mc");
	g_free(s);
	g_string_free(huge, TRUE);
}

/* ---- hostile mails ---- */

static GString *
mail_start(const char *from, const char *subject, const char *msgid)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "From: %s\r\nTo: mc@lpc.example.org\r\nSubject: %s\r\n"
			       "Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n", from, subject);
	if (msgid)
		g_string_append_printf(s, "Message-ID: %s\r\n", msgid);
	g_string_append(s, "MIME-Version: 1.0\r\n");
	return s;
}

/* The proposal form, hostile in every field, as an attachment named to climb out. */
static GString *
mail_form_attachment(void)
{
	GString *s = mail_start("=?UTF-8?Q?Eve=0D=0ABcc=3A_victim=40x.example_=E2=80=AEesrever?= "
				"<eve@evil.example>",
				"=?UTF-8?Q?Proposal=0D=0AX-Injected:_yes?=",
				"<hostile-form@evil.example>");

	g_string_append(s, "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
			"Content-Type: text/plain; charset=utf-8\r\n\r\n"
			"The proposal is attached.\r\n--b\r\n"
			"Content-Type: text/plain; charset=utf-8\r\n"
			"Content-Disposition: attachment; filename=\"../../../../tmp/x.txt\"\r\n\r\n"
			"Title: ../../etc/passwd \x1b[2J" RLO "Evil Tracing MC\r\n"
			"Leads: Eve \x1b[31mRed\x1b[0m <eve@evil.example>\r\n"
			"       Mallory\rBcc: m@evil.example <mallory@evil.example>\r\n"
			"       ../../root <../../root@evil.example>\r\n"
			"Description:\r\n"
			"A description with " LRI "isolates" RLO " and a NUL here:");
	g_string_append_len(s, "\0", 1);
	g_string_append(s, "after it.\r\n\r\nTopics:\r\n"
			"- Topic\twith a tab and \x07 a bell\r\n"
			"- " RLO "gnp.exe\r\n"
			"- ../../../etc/shadow\r\n"
			"Attendees: Ann\x1b]0;title\x07, Bob\r\n"
			"--b--\r\n");
	return s;
}

/* Free text with everything overlong. */
static GString *
mail_overlong(void)
{
	GString *name = g_string_new(NULL), *subject = g_string_new(NULL);
	GString *s;

	for (int i = 0; i < 3000; i++)
		g_string_append(name, "Long");
	for (int i = 0; i < 2000; i++)
		g_string_append(subject, "=?UTF-8?Q?Very=E2=80=AE_?= ");
	g_string_append(name, " <long@evil.example>");
	s = mail_start(name->str, subject->str, "<hostile-long@evil.example>");
	g_string_free(name, TRUE);
	g_string_free(subject, TRUE);
	g_string_append_printf(s, "Content-Type: text/plain; charset=utf-8\r\n\r\nTitle: ");
	for (int i = 0; i < 5000; i++)
		g_string_append(s, "Overlong ");
	g_string_append(s, "MC\r\nLeads: ");
	for (int i = 0; i < 200; i++)
		g_string_append_printf(s, "Lead%d Name%d <lead%d@evil.example>%s", i, i, i,
				       i < 199 ? ", " : "\r\n");
	g_string_append(s, "Description:\r\n");
	for (int i = 0; i < 2000; i++)
		g_string_append(s, "A very long description line without end ");
	g_string_append(s, "\r\nTopics:\r\n");
	for (int i = 0; i < 2000; i++)
		g_string_append_printf(s, "- Topic %d " RLO "\r\n", i);
	return s;
}

/* A title that slugifies to nothing, an unusable Message-ID, and a From
 * display name that looks like another address. */
static GString *
mail_odd_ids(void)
{
	GString *s = mail_start("\"org@lpc.example.org\" <odd@evil.example>",
				RLO RLO "/../.." LRI, "<../../x\t y@evil\r\n .example>");

	g_string_append(s, "Content-Type: text/plain; charset=utf-8\r\n\r\n"
			"Title: " RLO "/../.." LRI "\r\n"
			"Leads: Odd One <odd@evil.example>\r\n"
			"Description:\r\nNothing but punctuation in the title.\r\n");
	return s;
}

/* An RSVP for the first MC, with a hostile name. */
static GString *
mail_rsvp(void)
{
	GString *s = mail_start("=?UTF-8?Q?Rita=09Tab=0AEvil=E2=80=AE?= <rita@evil.example>",
				"RSVP: MC-1", "<hostile-rsvp@evil.example>");

	g_string_append(s, "Content-Type: text/plain; charset=utf-8\r\n\r\n"
			"I plan to attend MC-1.\r\n");
	return s;
}

static void
test_parse_fields(void)
{
	GString *raw = mail_form_attachment();
	GString *err = g_string_new(NULL);
	struct mail *m = NULL;
	struct mail_attachment *a;

	mail_init();
	g_assert_cmpint(mail_parse(raw->str, raw->len, NULL, &m, err), ==, 0);
	g_assert_true(line_ok(m->from_name, 2000));
	g_assert_null(strstr(m->from_name, "\n"));
	g_assert_true(line_ok(m->subject, 2000));
	g_assert_cmpstr(m->from_addr, ==, "eve@evil.example");
	g_assert_cmpuint(m->attachments->len, ==, 1);
	a = m->attachments->pdata[0];
	g_assert_true(line_ok(a->filename, 255));
	g_assert_false(has_bad_char(a->text, strlen(a->text), "\n\t"));
	g_assert_false(has_bad_char(m->text, strlen(m->text), "\n\t"));
	mail_free(m);
	g_string_free(raw, TRUE);

	raw = mail_overlong();
	g_assert_cmpint(mail_parse(raw->str, raw->len, NULL, &m, err), ==, 0);
	g_assert_true(line_ok(m->subject, 2000));
	g_assert_true(line_ok(m->from_name, 2000));
	mail_free(m);
	g_string_free(raw, TRUE);

	raw = mail_odd_ids();
	g_assert_cmpint(mail_parse(raw->str, raw->len, NULL, &m, err), ==, 0);
	g_assert_null(m->message_id);               /* unusable: the key is a hash */
	g_assert_true(g_str_has_prefix(m->key, "sha256:"));
	mail_free(m);
	g_string_free(raw, TRUE);
	g_string_free(err, TRUE);
}

static void
test_extract_fields(void)
{
	GString *raw = mail_form_attachment();
	GString *err = g_string_new(NULL);
	struct mail *m = NULL;
	struct proposal *p;
	GPtrArray *texts;

	g_assert_cmpint(mail_parse(raw->str, raw->len, NULL, &m, err), ==, 0);
	texts = g_ptr_array_new();
	for (guint i = 0; i < m->attachments->len; i++)
		g_ptr_array_add(texts, ((struct mail_attachment *)m->attachments->pdata[i])->text);
	p = extract_proposal(m->subject, m->text, texts);
	g_ptr_array_unref(texts);
	g_assert_nonnull(p->title);
	g_assert_true(line_ok(p->title, 2000));
	for (guint i = 0; i < p->leads->len; i++) {
		const struct person *l = p->leads->pdata[i];

		g_assert_true(line_ok(l->name, 2000));
		g_assert_true(l->email == NULL || util_addr_ok(l->email));
	}
	for (guint i = 0; i < p->topics->len; i++)
		g_assert_true(line_ok(p->topics->pdata[i], 2000));
	for (guint i = 0; i < p->attendees->len; i++)
		g_assert_true(line_ok(p->attendees->pdata[i], 2000));
	g_assert_false(has_bad_char(p->description, strlen(p->description), "\n\t"));
	proposal_free(p);
	mail_free(m);
	g_string_free(raw, TRUE);
	g_string_free(err, TRUE);
}

/* Found by fuzz_extract: a TAB in a "Title:" line stayed in the title. */
static void
test_extract_title_tab(void)
{
	struct proposal *p = extract_proposal("Re: x", "Title: Tab\there  MC\n"
					      "We would like to propose an MC about things.\n", NULL);

	g_assert_cmpstr(p->title, ==, "Tab here MC");
	proposal_free(p);
	p = extract_proposal("Re: x", "Title: \t\n\nSome text.\n", NULL);
	g_assert_true(p->title == NULL || line_ok(p->title, 2000));
	proposal_free(p);
}

/* ---- the whole path, then every file written ---- */

struct walk {
	char *top;
	int files;
	GPtrArray *problems;
};

static void
problem(struct walk *w, const char *path, const char *what)
{
	g_ptr_array_add(w->problems, g_strdup_printf("%s: %s", path + strlen(w->top), what));
}

/* "Field: value" lines up to the blank line; the description may hold
 * any clean text. */
static void
check_proposal(struct walk *w, const char *path, const char *data, gsize len)
{
	char **lines = g_strsplit(data, "\n", -1);
	int i;

	if (strcmp(lines[0], "mcbot-mc 1") != 0)
		problem(w, path, "no format line");
	for (i = 1; lines[i] && lines[i][0]; i++) {
		char *colon = strstr(lines[i], ": ");

		if (!g_regex_match_simple("^[A-Z][A-Za-z-]*: ", lines[i], 0, 0) ||
		    !line_ok(colon + 2, 2000))
			problem(w, path, "bad field line");
		else if (g_str_has_prefix(lines[i], "Slug: ") && !slug_ok(lines[i] + 6, 60))
			problem(w, path, "bad slug");
		else if (g_str_has_prefix(lines[i], "Id: ") &&
			 !g_regex_match_simple("^[1-9][0-9]{0,8}$", lines[i] + 4, 0, 0))
			problem(w, path, "bad id");
	}
	if (has_bad_char(data, len, "\n\t"))
		problem(w, path, "control or bidi character");
	g_strfreev(lines);
}

/* Lines of exactly n TAB-separated clean fields. */
static void
check_tab_lines(struct walk *w, const char *path, const char *data, int n)
{
	char **lines = g_strsplit(data, "\n", -1);

	for (int i = 0; lines[i]; i++) {
		char **f;

		if (lines[i][0] == '\0' && lines[i + 1] == NULL)
			break;
		f = g_strsplit(lines[i], "\t", -1);
		if ((int)g_strv_length(f) != n)
			problem(w, path, "wrong number of fields");
		for (int j = 0; f[j]; j++)
			if (!line_ok(f[j], 2000))
				problem(w, path, "unclean field");
		g_strfreev(f);
	}
	g_strfreev(lines);
}

static const char *const reply_fields[] = {
	"Date", "From", "To", "Subject", "Message-Id", "In-Reply-To", "References",
	"MIME-Version", "Auto-Submitted", "X-Loop", "Content-Type", "Content-Transfer-Encoding",
	"Precedence", "List-Id", "X-Mcbot-Rcpt", "X-Mcbot-From", NULL,
};

/* A reply: only our header fields, one To, nothing unclean anywhere.
 * Queued ones start with their envelope (outbox.h). */
static void
check_reply(struct walk *w, const char *path, const char *data, gsize len)
{
	const char *end;
	char **lines, *from = NULL, *rcpt = NULL, *head;
	int to = 0;

	if (memchr(data, '\0', len) || has_bad_char(data, len, "\r\n\t"))
		problem(w, path, "control or bidi character");
	if (strstr(path, "/outbox/")) {
		const char *msg;
		gsize mlen;

		if (outbox_parse(data, len, &from, &rcpt, &msg, &mlen) < 0 ||
		    !util_addr_ok(from) || !util_addr_ok(rcpt))
			problem(w, path, "bad envelope");
		else
			data = msg;
		g_free(from);
		g_free(rcpt);
	}
	end = strstr(data, "\r\n\r\n");
	if (end == NULL) {
		problem(w, path, "no header block");
		return;
	}
	head = g_strndup(data, (gsize)(end - data));
	lines = g_strsplit(head, "\r\n", -1);
	g_free(head);
	for (int i = 0; lines[i]; i++) {
		gboolean known = FALSE;

		if (lines[i][0] == ' ' || lines[i][0] == '\t')
			continue;       /* a folded line */
		for (int k = 0; reply_fields[k]; k++)
			if (g_str_has_prefix(lines[i], reply_fields[k]) &&
			    lines[i][strlen(reply_fields[k])] == ':')
				known = TRUE;
		if (!known && !g_regex_match_simple("^[A-Za-z-]+: ", lines[i], 0, 0))
			problem(w, path, "a line that is no header field");
		else if (!known)
			problem(w, path, lines[i]);
		if (g_str_has_prefix(lines[i], "To:"))
			to++;
		if (strchr(lines[i], '\r'))
			problem(w, path, "CR inside a header line");
	}
	if (to != 1)
		problem(w, path, "not exactly one To");
	g_strfreev(lines);
}

static void
check_tree(struct walk *w, const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL);
		char *data = NULL;
		gsize len = 0;

		if (!g_regex_match_simple("^[A-Za-z0-9_][A-Za-z0-9._-]{0,80}$", name, 0, 0))
			problem(w, path, "unexpected name");
		if (g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			problem(w, path, "symbolic link");
		else if (g_file_test(path, G_FILE_TEST_IS_DIR))
			check_tree(w, path);
		else if (g_file_get_contents(path, &data, &len, NULL)) {
			w->files++;
			if (g_str_has_suffix(dir, "/versions"))
				;               /* the original mails, as received */
			else if (strcmp(name, "proposal") == 0)
				check_proposal(w, path, data, len);
			else if (strcmp(name, "log") == 0)
				check_tab_lines(w, path, data, 3);
			else if (strcmp(name, "rsvps") == 0)
				check_tab_lines(w, path, data, 3);
			else if (strcmp(name, "processed") == 0)
				check_tab_lines(w, path, data, 2);
			else if (g_str_has_suffix(name, ".eml") || strstr(path, "/outbox/"))
				check_reply(w, path, data, len);
			else if (has_bad_char(data, len, "\n\t"))
				problem(w, path, "control or bidi character");
		}
		g_free(data);
		g_free(path);
	}
	g_dir_close(d);
}

static void
replay(const struct config *cfg, const char *dir, const char *name, GString *raw)
{
	char *path = g_build_filename(dir, name, NULL);
	struct run_stats rs = { 0 };
	GString *err = g_string_new(NULL);

	g_assert_true(g_file_set_contents(path, raw->str, (gssize)raw->len, NULL));
	if (run_replay(cfg, path, &rs, err) < 0)
		g_error("replay %s: %s", name, err->str);
	g_assert_cmpint(rs.seen, ==, 1);
	g_free(path);
	g_string_free(err, TRUE);
	g_string_free(raw, TRUE);
}

static void
test_end_to_end(void)
{
	char *dir = scratch_dir(), *in = g_build_filename(dir, "in", NULL);
	const char *top = g_getenv("MCBOT_TOP");
	struct config *cfg = config_defaults();
	struct walk w = { 0 };

	g_mkdir(in, 0700);
	g_free(cfg->state_dir);
	cfg->state_dir = g_build_filename(dir, "state", NULL);
	g_free(cfg->deliver_folder);
	cfg->deliver_folder = g_build_filename(dir, "state", "delivered", NULL);
	g_free(cfg->templates_dir);
	cfg->templates_dir = g_build_filename(top ? top : ".", "templates", NULL);
	g_free(cfg->list_address);
	cfg->list_address = g_strdup("mc@lpc.example.org");

	replay(cfg, in, "form.eml", mail_form_attachment());
	replay(cfg, in, "long.eml", mail_overlong());
	replay(cfg, in, "odd.eml", mail_odd_ids());
	replay(cfg, in, "rsvp.eml", mail_rsvp());

	w.top = cfg->state_dir;
	w.problems = g_ptr_array_new_with_free_func(g_free);
	check_tree(&w, cfg->state_dir);
	for (guint i = 0; i < w.problems->len; i++)
		g_test_message("%s", (char *)w.problems->pdata[i]);
	g_assert_cmpuint(w.problems->len, ==, 0);
	g_assert_cmpint(w.files, >, 8);
	/* nothing was written outside the state directory */
	{
		GDir *d = g_dir_open(dir, 0, NULL);
		const char *name;
		int n = 0;

		while ((name = g_dir_read_name(d)) != NULL)
			n++;
		g_dir_close(d);
		g_assert_cmpint(n, ==, 2);  /* in/ and state/ */
	}
	g_ptr_array_unref(w.problems);
	config_free(cfg);
	rmtree(dir);
	g_free(dir);
	g_free(in);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hostile/clean", test_clean);
	g_test_add_func("/hostile/slugify", test_slugify);
	g_test_add_func("/hostile/parse", test_parse_fields);
	g_test_add_func("/hostile/extract", test_extract_fields);
	g_test_add_func("/hostile/extract-title-tab", test_extract_title_tab);
	g_test_add_func("/hostile/end-to-end", test_end_to_end);
	return g_test_run();
}
