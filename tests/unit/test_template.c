/*
 * test_template.c - templates: the shipped set loads and renders; every
 * problem in a broken set is reported as "file:line: message"; values
 * cannot break the Subject onto two lines; output is bounded.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "bot/template.h"

static char *
top_path(const char *rel)
{
	const char *top = g_getenv("MCBOT_TOP");

	return g_build_filename(top ? top : ".", rel, NULL);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);
	GError *e = NULL;

	g_file_set_contents(path, text, -1, &e);
	g_assert_no_error(e);
	g_free(path);
}

static void
rm_rf(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *e;

	while (d && (e = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, e, NULL);

		g_unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

/* A directory with the required templates, form.in and one test template. */
static char *
make_set(const char *name, const char *text)
{
	char *dir = g_dir_make_tmp("test_template-XXXXXX", NULL);

	g_assert_nonnull(dir);
	for (int i = 0; template_required[i]; i++) {
		char *file = g_strconcat(template_required[i], ".txt", NULL);

		write_file(dir, file, "Subject: s\n\nbody\n");
		g_free(file);
	}
	write_file(dir, "form.in", "Title:\r\nLeads:");
	if (name) {
		char *file = g_strconcat(name, ".txt", NULL);

		write_file(dir, file, text);
		g_free(file);
	}
	return dir;
}

static struct templates *
load_ok(const char *dir)
{
	struct templates *t = NULL;
	GString *errs = g_string_new(NULL);

	g_assert_cmpint(templates_load(dir, &t, errs), ==, 0);
	g_assert_cmpstr(errs->str, ==, "");
	g_assert_nonnull(t);
	g_string_free(errs, TRUE);
	return t;
}

/* Render name from a one-template set; returns the body, *subject set. */
static char *
render_one(const char *text, GHashTable *vars, char **subject)
{
	char *dir = make_set("t", text);
	struct templates *t = load_ok(dir);
	GString *err = g_string_new(NULL);
	char *body = NULL;

	g_assert_cmpint(template_render(t, "t", vars, subject, &body, err), ==, 0);
	g_string_free(err, TRUE);
	templates_free(t);
	rm_rf(dir);
	g_free(dir);
	return body;
}

static GHashTable *
vars_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
}

/* Values that look like what the handlers send. */
static GHashTable *
sample_vars(const char *form)
{
	GHashTable *v = vars_new();

	g_hash_table_insert(v, "list_name", g_strdup("LPC Microconferences"));
	g_hash_table_insert(v, "list_address", g_strdup("mc@lpc.example.org"));
	g_hash_table_insert(v, "conference", g_strdup("Linux Plumbers Conference 2026"));
	g_hash_table_insert(v, "tag", g_strdup("LPC"));
	g_hash_table_insert(v, "sender_name", g_strdup("Karim Yaghmour"));
	g_hash_table_insert(v, "sender_email", g_strdup("karim@opersys.example"));
	g_hash_table_insert(v, "subject", g_strdup("[MC PROPOSAL] Android MC"));
	g_hash_table_insert(v, "mc_id", g_strdup("3"));
	g_hash_table_insert(v, "mc_ref", g_strdup("MC-3"));
	g_hash_table_insert(v, "mc_slug", g_strdup("android"));
	g_hash_table_insert(v, "mc_title", g_strdup("Android MC"));
	g_hash_table_insert(v, "mc_version", g_strdup("2"));
	g_hash_table_insert(v, "mc_status", g_strdup("proposed"));
	g_hash_table_insert(v, "leads", g_strdup("  - Karim Yaghmour <karim@opersys.example>\n"
						 "  - John Stultz (no address)\n"));
	g_hash_table_insert(v, "leads_without_address", g_strdup("John Stultz"));
	g_hash_table_insert(v, "topics", g_strdup("  - io_uring in Android\n  - pKVM\n"));
	g_hash_table_insert(v, "topics_count", g_strdup("2"));
	g_hash_table_insert(v, "attendees", g_strdup("  (none found)\n"));
	g_hash_table_insert(v, "attendees_count", g_strdup("0"));
	g_hash_table_insert(v, "missing", g_strdup("  - key attendees\n"));
	g_hash_table_insert(v, "deadline", g_strdup("2026-07-01 23:59 UTC"));
	g_hash_table_insert(v, "changes", g_strdup("  - topics: 1 -> 2\n"));
	g_hash_table_insert(v, "duplicate_of", g_strdup("MC-1 \"Android MC\""));
	g_hash_table_insert(v, "reason", g_strdup("The mail has no title."));
	g_hash_table_insert(v, "form", g_strdup(form));
	return v;
}

static void
test_shipped(void)
{
	char *dir = top_path("templates");
	struct templates *t;
	GHashTable *vars;
	char *form;

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_test_skip("no templates/ (set MCBOT_TOP)");
		g_free(dir);
		return;
	}
	t = load_ok(dir);
	form = templates_form(t);
	g_assert_nonnull(strstr(form, "Title:"));
	g_assert_true(g_str_has_suffix(form, "\n"));
	vars = sample_vars(form);
	for (int i = 0; template_required[i]; i++) {
		GString *err = g_string_new(NULL);
		char *subject, *body, **lines;

		g_assert_true(template_exists(t, template_required[i]));
		g_assert_cmpint(template_render(t, template_required[i], vars, &subject, &body,
						err), ==, 0);
		g_test_message("%s:\nSubject: %s\n\n%s", template_required[i], subject, body);
		g_assert_cmpstr(subject, !=, "");
		g_assert_null(strchr(subject, '\n'));
		g_assert_null(strstr(subject, "{{"));
		g_assert_null(strstr(body, "{{"));
		g_assert_true(g_str_has_suffix(body, "\n"));
		g_assert_false(g_str_has_suffix(body, "\n\n"));
		g_assert_true(g_utf8_validate(body, -1, NULL));
		g_assert_nonnull(strstr(body, "LPC Microconferences"));
		/* Sample values are short: every line fits in 72 columns. */
		lines = g_strsplit(body, "\n", -1);
		for (int j = 0; lines[j]; j++)
			if (g_utf8_strlen(lines[j], -1) > 72)
				g_error("%s: longer than 72 columns: %s", template_required[i],
					lines[j]);
		g_strfreev(lines);
		g_free(subject);
		g_free(body);
		g_string_free(err, TRUE);
	}
	g_hash_table_unref(vars);
	g_free(form);
	templates_free(t);
	g_free(dir);
}

/* The template files themselves: plain text within 72 columns. */
static void
test_shipped_width(void)
{
	char *dir = top_path("templates");
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *e;
	int files = 0;

	if (d == NULL) {
		g_test_skip("no templates/ (set MCBOT_TOP)");
		g_free(dir);
		return;
	}
	while ((e = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, e, NULL), *text, **lines;

		g_assert_true(g_file_get_contents(p, &text, NULL, NULL));
		lines = g_strsplit(text, "\n", -1);
		for (int j = 0; lines[j]; j++) {
			if (g_utf8_strlen(lines[j], -1) > 72)
				g_error("%s:%d: longer than 72 columns", p, j + 1);
			g_assert_null(strchr(lines[j], '\t'));
		}
		g_strfreev(lines);
		g_free(text);
		g_free(p);
		files++;
	}
	g_assert_cmpint(files, >=, 7);
	g_dir_close(d);
	g_free(dir);
}

static void
test_bad_set(void)
{
	char *dir = top_path("tests/fixtures/templates-bad");
	char *exp_path = g_build_filename(dir, "expected.out", NULL);
	char *raw, **parts, *expected;
	GString *errs = g_string_new(NULL);
	struct templates *t = NULL;

	g_assert_true(g_file_get_contents(exp_path, &raw, NULL, NULL));
	parts = g_strsplit(raw, "@DIR@", -1);
	expected = g_strjoinv(dir, parts);
	g_assert_cmpint(templates_load(dir, &t, errs), ==, -1);
	g_assert_null(t);
	g_assert_cmpstr(errs->str, ==, expected);
	g_free(expected);
	g_strfreev(parts);
	g_free(raw);
	g_string_free(errs, TRUE);
	g_free(exp_path);
	g_free(dir);
}

static void
test_missing_dir(void)
{
	GString *errs = g_string_new(NULL);
	struct templates *t = NULL;

	g_assert_cmpint(templates_load("/nonexistent/templates", &t, errs), ==, -1);
	g_assert_null(t);
	g_assert_true(g_str_has_prefix(errs->str, "/nonexistent/templates: "));
	g_string_free(errs, TRUE);
}

static void
test_missing_required(void)
{
	char *dir = make_set(NULL, NULL);
	char *help = g_build_filename(dir, "help.txt", NULL);
	char *form = g_build_filename(dir, "form.in", NULL);
	char *want_help = g_strdup_printf("%s: missing; every run needs this template\n", help);
	char *want_form = g_strdup_printf("%s: ", form);
	GString *errs = g_string_new(NULL);
	struct templates *t = NULL;

	g_unlink(help);
	g_unlink(form);
	g_assert_cmpint(templates_load(dir, &t, errs), ==, -1);
	g_assert_null(t);
	g_assert_true(g_str_has_prefix(errs->str, want_help));
	g_assert_true(g_str_has_prefix(errs->str + strlen(want_help), want_form));
	g_assert_true(g_str_has_suffix(errs->str, "(the proposal form, {{form}})\n"));
	g_string_free(errs, TRUE);
	g_free(want_form);
	g_free(want_help);
	g_free(form);
	g_free(help);
	rm_rf(dir);
	g_free(dir);
}

static void
test_substitution(void)
{
	GHashTable *v = vars_new();
	char *subject, *body;

	g_hash_table_insert(v, "mc_title", g_strdup("Android MC"));
	g_hash_table_insert(v, "mc_ref", g_strdup("MC-3"));
	body = render_one("Subject: Got {{mc_title}} ({{mc_ref}})\r\n\r\n"
			  "{{mc_ref}}: {{mc_title}}, status [{{mc_status}}]\r\n"
			  "}} stray closers {are} text\n", v, &subject);
	g_assert_cmpstr(subject, ==, "Got Android MC (MC-3)");
	g_assert_cmpstr(body, ==, "MC-3: Android MC, status []\n}} stray closers {are} text\n");
	g_free(subject);
	g_free(body);
	/* A value is never expanded again. */
	g_hash_table_insert(v, "mc_title", g_strdup("{{mc_ref}}"));
	body = render_one("Subject: x\n\n{{mc_title}}\n", v, &subject);
	g_assert_cmpstr(body, ==, "{{mc_ref}}\n");
	g_free(subject);
	g_free(body);
	/* No vars at all: every value is empty. */
	body = render_one("Subject: [{{mc_title}}]\n\nA{{mc_title}}B\n", NULL, &subject);
	g_assert_cmpstr(subject, ==, "[]");
	g_assert_cmpstr(body, ==, "AB\n");
	g_free(subject);
	g_free(body);
	g_hash_table_unref(v);
}

static void
test_subject_one_line(void)
{
	GHashTable *v = vars_new();
	char *subject, *body;

	g_hash_table_insert(v, "mc_title", g_strdup("Evil\r\nBcc: victim@example.org\r\n\r\nX"));
	g_hash_table_insert(v, "sender_name", g_strdup("Bob\nReply-To: x@y\t\x01"));
	body = render_one("Subject: Re: {{mc_title}} from {{sender_name}}\n\n"
			  "Title: {{mc_title}}\n", v, &subject);
	g_assert_cmpstr(subject, ==, "Re: Evil Bcc: victim@example.org X from Bob Reply-To: x@y");
	g_assert_null(strpbrk(subject, "\r\n\t\x01"));
	/* In the body a value may span lines, but CR never survives. */
	g_assert_null(strchr(body, '\r'));
	g_assert_cmpstr(body, ==, "Title: Evil\nBcc: victim@example.org\n\nX\n");
	g_free(subject);
	g_free(body);
	g_hash_table_unref(v);
}

static void
test_sections(void)
{
	const char *text = "Subject: s\n\nstart\n"
			   "{{#missing}}\nStill missing:\n{{missing}}\n{{/missing}}\n"
			   "{{^missing}}\nNothing is missing.\n{{/missing}}\n"
			   "  {{#leads}}\n  {{#topics}}\nboth\n  {{/topics}}\n  {{/leads}}\nend\n";
	GHashTable *v = vars_new();
	char *subject, *body;

	body = render_one(text, v, &subject);
	g_assert_cmpstr(body, ==, "start\nNothing is missing.\nend\n");
	g_free(subject);
	g_free(body);
	g_hash_table_insert(v, "missing", g_strdup("  - a title\n"));
	g_hash_table_insert(v, "leads", g_strdup("x"));
	body = render_one(text, v, &subject);
	g_assert_cmpstr(body, ==, "start\nStill missing:\n  - a title\nend\n");
	g_free(subject);
	g_free(body);
	g_hash_table_insert(v, "topics", g_strdup("y"));
	g_hash_table_insert(v, "missing", g_strdup(" \n "));     /* blank counts as empty */
	body = render_one(text, v, &subject);
	g_assert_cmpstr(body, ==, "start\nNothing is missing.\nboth\nend\n");
	g_free(subject);
	g_free(body);
	g_hash_table_unref(v);
}

static void
test_layout(void)
{
	GHashTable *v = vars_new();
	char *subject, *body;

	g_hash_table_insert(v, "topics", g_strdup("io_uring\n\npKVM\n\n"));
	g_hash_table_insert(v, "description", g_strdup("line one\nline two"));
	g_hash_table_insert(v, "leads", g_strdup("Ann\nBob"));
	body = render_one("Subject: s\n\n\n\nTopics:\n  - {{topics}}\n\n\n\n"
			  "    {{description}}\nLeads: {{leads}}\n* {{leads}} (x)\n\n\n",
			  v, &subject);
	g_assert_cmpstr(body, ==, "Topics:\n  - io_uring\n\n  - pKVM\n\n"
			"    line one\n    line two\nLeads: Ann\nBob\n* Ann\nBob (x)\n");
	g_free(subject);
	g_free(body);
	g_hash_table_unref(v);
}

static void
test_bounded(void)
{
	GHashTable *v = vars_new();
	char *subject, *body, *big = g_malloc(1024 * 1024 + 1);

	/* Multi-byte characters, so the cut must respect boundaries. */
	for (int i = 0; i < 1024 * 1024; i += 2) {
		big[i] = (char)0xc3;
		big[i + 1] = (char)0xa9;
	}
	big[1024 * 1024] = '\0';
	g_hash_table_insert(v, "mc_title", big);
	body = render_one("Subject: {{mc_title}} {{mc_title}}\n\n"
			  "{{mc_title}}\n{{mc_title}}\n{{mc_title}}\n", v, &subject);
	g_assert_cmpuint(strlen(subject), <=, 200);
	g_assert_cmpuint(strlen(subject), >=, 190);
	g_assert_true(g_utf8_validate(subject, -1, NULL));
	g_assert_cmpuint(strlen(body), <=, 256 * 1024);
	g_assert_cmpuint(strlen(body), >=, 255 * 1024);
	g_assert_true(g_utf8_validate(body, -1, NULL));
	g_assert_true(g_str_has_suffix(body, "\n"));
	g_free(subject);
	g_free(body);
	g_hash_table_unref(v);
}

/* A body cut at its bound inside a character is still UTF-8. */
static void
test_bounded_cut_in_char(void)
{
	GHashTable *v = vars_new();
	char *subject, *body, *big = g_malloc(1024 * 1024 + 1);

	for (int i = 0; i < 1024 * 1024; i += 2) {
		big[i] = (char)0xc3;
		big[i + 1] = (char)0xa9;
	}
	big[1024 * 1024] = '\0';
	g_hash_table_insert(v, "mc_title", big);
	/* Two bytes before the value: the bound falls inside an "é". */
	body = render_one("Subject: s\n\nxy{{mc_title}}\n", v, &subject);
	g_assert_cmpuint(strlen(body), <=, 256 * 1024);
	g_assert_cmpuint(strlen(body), >=, 255 * 1024);
	g_assert_true(g_utf8_validate(body, -1, NULL));
	g_assert_true(g_str_has_prefix(body, "xy\xc3\xa9"));
	g_free(subject);
	g_free(body);
	g_hash_table_unref(v);
}

/* The template's own text is cleaned like the values. */
static void
test_template_text_cleaned(void)
{
	GHashTable *v = vars_new();
	char *subject, *body;

	g_hash_table_insert(v, "mc_ref", g_strdup("MC-3"));
	body = render_one("Subject: s\n\n"
			  "a\x01" "b\x7f{{mc_ref}}\xe2\x80\xae" "c\n"
			  "d\xe2\x80\xa8" "e\tf\n", v, &subject);
	g_assert_cmpstr(body, ==, "abMC-3c\nd\ne\tf\n");
	g_free(subject);
	g_free(body);
	g_hash_table_unref(v);
}

static void
test_unknown_name(void)
{
	char *dir = make_set(NULL, NULL);
	struct templates *t = load_ok(dir);
	GString *err = g_string_new(NULL);
	char *subject = (char *)1, *body = (char *)1;

	g_assert_false(template_exists(t, "nosuch"));
	g_assert_true(template_exists(t, "help"));
	g_assert_cmpint(template_render(t, "nosuch", NULL, &subject, &body, err), ==, -1);
	g_assert_null(subject);
	g_assert_null(body);
	g_assert_cmpstr(err->str, ==, "no template named \"nosuch\"");
	/* form.in: CRLF became LF, and it ends with one. */
	subject = templates_form(t);
	g_assert_cmpstr(subject, ==, "Title:\nLeads:\n");
	g_free(subject);
	g_string_free(err, TRUE);
	templates_free(t);
	rm_rf(dir);
	g_free(dir);
}

/* Random template text: a clean load or clean errors, never a crash. */
static void
test_garbage(void)
{
	static const char *const pieces[] = {
		"Subject: ", "\n", "\r\n", "{{", "}}", "{{#", "{{^", "{{/", "mc_title",
		"missing", "nosuch", " ", "x", "\xff", "\xc3\xa9", "{{mc_ref}}", "{{#missing}}\n",
		"{{/missing}}\n", "", "\t",
	};
	char *dir = make_set(NULL, NULL);
	GHashTable *v = vars_new();

	g_hash_table_insert(v, "missing", g_strdup("a\nb"));
	g_hash_table_insert(v, "mc_title", g_strdup("T"));
	for (int round = 0; round < (g_test_slow() ? 20000 : 500); round++) {
		GString *text = g_string_new(round % 2 ? "Subject: s\n\n" : "");
		GString *errs = g_string_new(NULL);
		struct templates *t = NULL;
		int n = g_test_rand_int_range(0, 40);

		for (int i = 0; i < n; i++)
			g_string_append(text, pieces[g_test_rand_int_range(0,
						(int)G_N_ELEMENTS(pieces))]);
		write_file(dir, "g.txt", text->str);
		if (templates_load(dir, &t, errs) == 0) {
			char *subject, *body;

			g_assert_cmpstr(errs->str, ==, "");
			g_assert_cmpint(template_render(t, "g", v, &subject, &body, NULL), ==, 0);
			g_assert_null(strchr(subject, '\n'));
			g_assert_true(g_str_has_suffix(body, "\n"));
			g_free(subject);
			g_free(body);
			templates_free(t);
		} else {
			g_assert_null(t);
			g_assert_true(g_str_has_suffix(errs->str, "\n"));
		}
		g_string_free(errs, TRUE);
		g_string_free(text, TRUE);
	}
	g_hash_table_unref(v);
	rm_rf(dir);
	g_free(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/template/shipped", test_shipped);
	g_test_add_func("/template/shipped-width", test_shipped_width);
	g_test_add_func("/template/bad-set", test_bad_set);
	g_test_add_func("/template/missing-dir", test_missing_dir);
	g_test_add_func("/template/missing-required", test_missing_required);
	g_test_add_func("/template/substitution", test_substitution);
	g_test_add_func("/template/subject-one-line", test_subject_one_line);
	g_test_add_func("/template/sections", test_sections);
	g_test_add_func("/template/layout", test_layout);
	g_test_add_func("/template/bounded", test_bounded);
	g_test_add_func("/template/bounded-cut-in-char", test_bounded_cut_in_char);
	g_test_add_func("/template/template-text-cleaned", test_template_text_cleaned);
	g_test_add_func("/template/unknown-name", test_unknown_name);
	g_test_add_func("/template/garbage", test_garbage);
	return g_test_run();
}
