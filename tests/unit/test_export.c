/*
 * test_export.c - the public pages: addresses never leave, every format
 * escapes what proposers wrote, the status filter, the page structure.
 */
#include <string.h>
#include <json-glib/json-glib.h>

#include "bot/config.h"
#include "bot/export.h"
#include "bot/store.h"

static const char hostile_title[] = "<script>alert(\"x\")</script> & 'Co' [link](http://e.org) # *b*";

static struct mc *
make_mc(int id, const char *title, const char *status, int rsvps)
{
	struct mc *mc = g_new0(struct mc, 1);

	mc->id = id;
	mc->slug = g_strdup_printf("mc-%d", id);
	mc->title = g_strdup(title);
	mc->status = g_strdup(status);
	mc->version = 1;
	mc->proposer = g_strdup("proposer@example.org");
	mc->created = 1772445600;   /* 2026-03-02 10:00 UTC */
	mc->updated = mc->created + id * 86400;
	mc->p = proposal_new();
	mc->threads = g_ptr_array_new_with_free_func(g_free);
	mc->rsvps = g_ptr_array_new_with_free_func((GDestroyNotify)rsvp_free);
	for (int i = 0; i < rsvps; i++) {
		struct rsvp *r = g_new0(struct rsvp, 1);

		r->email = g_strdup_printf("attendee%d@example.net", i);
		r->name = g_strdup_printf("Secret Attendee %d", i);
		g_ptr_array_add(mc->rsvps, r);
	}
	return mc;
}

/* Three MCs: a hostile one, an accepted one, a rejected one. */
static GPtrArray *
make_mcs(void)
{
	GPtrArray *mcs = g_ptr_array_new_with_free_func((GDestroyNotify)mc_free);
	struct mc *a = make_mc(1, hostile_title, "proposed", 2);
	struct mc *b = make_mc(2, "Tracing MC", "accepted", 1);
	struct mc *c = make_mc(3, "Rejected Thing", "rejected", 0);

	g_free(a->p->description);
	a->p->description = g_strdup(
		"Write to ada@tracing.example or <bob@x.example> (mailto:carol@y.example).\n"
		"A second line of the same paragraph, see https://lpc.example/mc?a=1&b=2.\n"
		"\n"
		"- first item <b>bold</b>\n"
		"- second item\n"
		"  wrapped\n"
		"\n"
		"Follow @handle and user@ and a\x01" "b.");
	g_ptr_array_add(a->p->topics, g_strdup("Ring buffers & <ebpf>"));
	g_ptr_array_add(a->p->topics, g_strdup("Ask dave@d.example"));
	g_ptr_array_add(a->p->leads, person_new("Ada Tracer", "ada@tracing.example"));
	g_ptr_array_add(a->p->leads, person_new("bjorn@stack.example", NULL));
	g_ptr_array_add(a->p->leads, person_new("Björn \"Stack\" <bjorn@stack.example>", NULL));
	g_ptr_array_add(b->p->leads, person_new("Carol Ring", "carol@ring.example"));
	g_ptr_array_add(mcs, a);
	g_ptr_array_add(mcs, b);
	g_ptr_array_add(mcs, c);
	return mcs;
}

static void
test_scrub(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "no address here", "no address here" },
		{ "mail ada@tracing.example now", "mail " EXPORT_HIDDEN " now" },
		{ "Ada <ada@tracing.example>", "Ada " EXPORT_HIDDEN },
		{ "(mailto:a.b+c@x-y.example.org).", "(" EXPORT_HIDDEN ")." },
		{ "x@y", EXPORT_HIDDEN },
		{ "a@b@c", EXPORT_HIDDEN " at c" },
		{ "@handle", " at handle" },
		{ "trailing@", "trailing at " },
		{ "jürgen@exämple.de, ok", EXPORT_HIDDEN ", ok" },
		{ "", "" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = export_scrub(cases[i].in);

		g_assert_cmpstr(got, ==, cases[i].out);
		g_assert_null(strchr(got, '@'));
		g_free(got);
	}
}

static void
test_html_escape(void)
{
	GString *s = g_string_new(NULL);

	export_html_escape(s, "<a href=\"x\">'&amp;'</a>\x01\t\n");
	g_assert_cmpstr(s->str, ==,
			"&lt;a href=&quot;x&quot;&gt;&#39;&amp;amp;&#39;&lt;/a&gt;\t\n");
	g_string_free(s, TRUE);
}

static void
test_md_escape(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain words", "plain words" },
		{ "# heading", "\\# heading" },
		{ "- item", "\\- item" },
		{ "+ item", "\\+ item" },
		{ "= under", "\\= under" },
		{ "12. numbered", "12\\. numbered" },
		{ "3) numbered", "3\\) numbered" },
		{ "    code", "code" },
		{ "*em* _em_ `code`", "\\*em\\* \\_em\\_ \\`code\\`" },
		{ "[x](http://e.org) ![i](j)", "\\[x\\](http://e.org) \\!\\[i\\](j)" },
		{ "<b>&amp;</b>", "\\<b\\>\\&amp;\\</b\\>" },
		{ "a|b~c\\d", "a\\|b\\~c\\\\d" },
		{ "two\nlines", "two lines" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		GString *s = g_string_new(NULL);

		export_md_escape(s, cases[i].in);
		g_assert_cmpstr(s->str, ==, cases[i].out);
		g_string_free(s, TRUE);
	}
}

static void
test_formats(void)
{
	enum export_format f;

	g_assert_cmpint(export_parse_format("html", &f), ==, 0);
	g_assert_cmpint(f, ==, EXPORT_HTML);
	g_assert_cmpint(export_parse_format("Markdown", &f), ==, 0);
	g_assert_cmpint(f, ==, EXPORT_MARKDOWN);
	g_assert_cmpint(export_parse_format("md", &f), ==, 0);
	g_assert_cmpint(export_parse_format("json", &f), ==, 0);
	g_assert_cmpint(f, ==, EXPORT_JSON);
	g_assert_cmpint(export_parse_format("pdf", &f), ==, -1);
}

/* A GMarkup parse: the page is well-formed XML, every entity known. */
static void
check_well_formed(const char *html)
{
	static const GMarkupParser parser = { NULL, NULL, NULL, NULL, NULL };
	GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, NULL, NULL);
	GError *gerr = NULL;
	/* GMarkup takes no DOCTYPE: skip that line. */
	const char *start = strstr(html, "<html");

	g_assert_nonnull(start);
	g_assert_true(g_str_has_prefix(html, "<!DOCTYPE html>\n"));
	if (!g_markup_parse_context_parse(ctx, start, -1, &gerr) ||
	    !g_markup_parse_context_end_parse(ctx, &gerr))
		g_error("not well-formed: %s", gerr->message);
	g_markup_parse_context_free(ctx);
}

static struct config *
make_cfg(void)
{
	struct config *cfg = config_defaults();

	g_free(cfg->conference);
	cfg->conference = g_strdup("Plumbers <2026> by org@lpc.example");
	return cfg;
}

static void
test_html(void)
{
	struct config *cfg = make_cfg();
	GPtrArray *mcs = make_mcs();
	char *html = export_render(cfg, mcs, EXPORT_HTML, NULL);

	g_assert_null(strchr(html, '@'));
	g_assert_null(strstr(html, "<script"));
	g_assert_null(strstr(html, "<b>"));
	g_assert_null(strstr(html, "Secret Attendee"));
	g_assert_nonnull(strstr(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
				"&#39;Co&#39;"));
	g_assert_nonnull(strstr(html, "<html lang=\"en\">"));
	g_assert_nonnull(strstr(html, "name=\"viewport\""));
	g_assert_nonnull(strstr(html, "<title>Proposed microconferences \u2014 Plumbers "
				"&lt;2026&gt; by " EXPORT_HIDDEN "</title>"));
	/* Proposed and accepted by default: the rejected MC is not there. */
	g_assert_nonnull(strstr(html, "Tracing MC"));
	g_assert_null(strstr(html, "Rejected Thing"));
	g_assert_nonnull(strstr(html, "<article id=\"mc-1\" aria-labelledby=\"mc-1-title\">"));
	g_assert_nonnull(strstr(html, "2 people plan to attend"));
	g_assert_nonnull(strstr(html, "1 person plans to attend"));
	g_assert_nonnull(strstr(html, "<span class=\"status\">Accepted</span>"));
	/* Leads by name; a lead that is only an address is left out. */
	g_assert_nonnull(strstr(html, "<li>Ada Tracer</li>"));
	g_assert_nonnull(strstr(html, "<li>Björn Stack</li>"));
	g_assert_nonnull(strstr(html, "<h3>Leads</h3>\n<ul class=\"leads\">\n<li>Ada Tracer</li>\n"
				"<li>Björn Stack</li>\n</ul>"));
	/* Prose joined, lists as lists, links escaped, no stray control byte. */
	g_assert_nonnull(strstr(html, "<p>Write to " EXPORT_HIDDEN " or " EXPORT_HIDDEN " ("
				EXPORT_HIDDEN "). A second line of the same paragraph, see "
				"<a rel=\"nofollow\" href=\"https://lpc.example/mc?a=1&amp;b=2\">"
				"https://lpc.example/mc?a=1&amp;b=2</a>.</p>"));
	g_assert_nonnull(strstr(html, "<li>first item &lt;b&gt;bold&lt;/b&gt;</li>\n"
				"<li>second item wrapped</li>"));
	g_assert_nonnull(strstr(html, "<li>Ring buffers &amp; &lt;ebpf&gt;</li>"));
	g_assert_null(strchr(html, '\x01'));
	/* 2026-03-02 plus two days: the latest update among the exported MCs. */
	g_assert_nonnull(strstr(html, "<time datetime=\"2026-03-04\">2026-03-04</time>"));
	check_well_formed(html);
	g_free(html);
	g_ptr_array_unref(mcs);
	config_free(cfg);
}

static void
test_markdown(void)
{
	struct config *cfg = make_cfg();
	GPtrArray *mcs = make_mcs();
	char *md = export_render(cfg, mcs, EXPORT_MARKDOWN, NULL);

	g_assert_null(strchr(md, '@'));
	g_assert_true(g_str_has_prefix(md, "# Proposed microconferences \u2014 Plumbers \\<2026\\> by "
				       "\\[address hidden\\]\n\n2 microconferences, last updated "
				       "2026-03-04.\n\n"));
	g_assert_nonnull(strstr(md, "## \\<script\\>alert(\"x\")\\</script\\> \\& 'Co' "
				"\\[link\\](http://e.org) \\# \\*b\\*\n"));
	g_assert_nonnull(strstr(md, "### Leads\n\n- Ada Tracer\n- Björn Stack\n"));
	g_assert_nonnull(strstr(md, "- first item \\<b\\>bold\\</b\\>\n- second item wrapped\n"));
	g_assert_nonnull(strstr(md, "*Accepted · MC-2 · 1 person plans to attend*"));
	g_assert_null(strstr(md, "Rejected"));
	g_assert_true(g_str_has_suffix(md, "\n") && !g_str_has_suffix(md, "\n\n"));
	g_free(md);
	g_ptr_array_unref(mcs);
	config_free(cfg);
}

static void
test_json(void)
{
	static const char *const all[] = { "all", NULL };
	struct config *cfg = make_cfg();
	GPtrArray *mcs = make_mcs();
	char *js = export_render(cfg, mcs, EXPORT_JSON, all);
	JsonParser *p = json_parser_new();
	JsonObject *root, *first;
	JsonArray *list, *leads;
	GError *gerr = NULL;

	g_assert_null(strchr(js, '@'));
	g_assert_true(json_parser_load_from_data(p, js, -1, &gerr));
	root = json_node_get_object(json_parser_get_root(p));
	g_assert_cmpstr(json_object_get_string_member(root, "heading"), ==, "Microconferences");
	list = json_object_get_array_member(root, "microconferences");
	g_assert_cmpuint(json_array_get_length(list), ==, 3);
	first = json_array_get_object_element(list, 0);
	g_assert_cmpstr(json_object_get_string_member(first, "title"), ==, hostile_title);
	g_assert_cmpint(json_object_get_int_member(first, "attendees"), ==, 2);
	g_assert_cmpint(json_object_get_int_member(first, "id"), ==, 1);
	leads = json_object_get_array_member(first, "leads");
	g_assert_cmpuint(json_array_get_length(leads), ==, 2);
	g_assert_cmpstr(json_array_get_string_element(leads, 1), ==, "Björn Stack");
	g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(list, 2),
						       "status"), ==, "rejected");
	g_object_unref(p);
	g_free(js);
	g_ptr_array_unref(mcs);
	config_free(cfg);
}

static void
test_status_filter(void)
{
	static const char *const accepted[] = { "accepted", NULL };
	static const char *const none[] = { "withdrawn", NULL };
	struct config *cfg = make_cfg();
	GPtrArray *mcs = make_mcs();
	char *html = export_render(cfg, mcs, EXPORT_HTML, accepted);
	char *empty = export_render(cfg, mcs, EXPORT_HTML, none);

	g_assert_nonnull(strstr(html, "<h1>Accepted microconferences"));
	g_assert_nonnull(strstr(html, "Tracing MC"));
	g_assert_null(strstr(html, "alert"));
	/* One MC: no table of contents. */
	g_assert_null(strstr(html, "<nav"));
	g_assert_nonnull(strstr(empty, "<p>No microconference yet.</p>"));
	g_assert_null(strstr(empty, "<time"));
	check_well_formed(html);
	check_well_formed(empty);
	g_free(html);
	g_free(empty);
	g_ptr_array_unref(mcs);
	config_free(cfg);
}

/* Random text from an alphabet of everything that matters here. */
static char *
random_text(GRand *rng, int max)
{
	static const char *const bits[] = {
		"@", "<", ">", "&", "\"", "'", "\n", "\n\n", " ", "-", "- ", "1. ", "#", "*", "_",
		"`", "[", "]", "(", ")", "mailto:", "http://", "https://e.org/?a=1&b", ".", ",",
		"a", "b", "x@y.z", "\u00e9", "\u2022 ", "\t", "\x01", "\\", "|", "~", "!",
	};
	GString *s = g_string_new(NULL);
	int n = g_rand_int_range(rng, 0, max);

	for (int i = 0; i < n; i++)
		g_string_append(s, bits[g_rand_int_range(rng, 0, G_N_ELEMENTS(bits))]);
	return g_string_free(s, FALSE);
}

static void
test_random(void)
{
	GRand *rng = g_rand_new_with_seed(8);
	struct config *cfg = make_cfg();

	for (int round = 0; round < 300; round++) {
		GPtrArray *mcs = g_ptr_array_new_with_free_func((GDestroyNotify)mc_free);
		char *title = random_text(rng, 12);
		struct mc *mc = make_mc(round, title, "proposed", round % 3);
		char *html, *md, *js;

		g_free(mc->p->description);
		mc->p->description = random_text(rng, 60);
		for (int i = 0; i < 3; i++) {
			char *name = random_text(rng, 6);

			g_ptr_array_add(mc->p->topics, random_text(rng, 10));
			g_ptr_array_add(mc->p->leads, person_new(name, NULL));
			g_free(name);
		}
		g_ptr_array_add(mcs, mc);
		html = export_render(cfg, mcs, EXPORT_HTML, NULL);
		md = export_render(cfg, mcs, EXPORT_MARKDOWN, NULL);
		js = export_render(cfg, mcs, EXPORT_JSON, NULL);
		g_assert_null(strchr(html, '@'));
		g_assert_null(strchr(md, '@'));
		g_assert_null(strchr(js, '@'));
		g_assert_true(g_utf8_validate(html, -1, NULL) && g_utf8_validate(md, -1, NULL));
		check_well_formed(html);
		g_free(html);
		g_free(md);
		g_free(js);
		g_free(title);
		g_ptr_array_unref(mcs);
	}
	config_free(cfg);
	g_rand_free(rng);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/export/scrub", test_scrub);
	g_test_add_func("/export/html-escape", test_html_escape);
	g_test_add_func("/export/md-escape", test_md_escape);
	g_test_add_func("/export/formats", test_formats);
	g_test_add_func("/export/html", test_html);
	g_test_add_func("/export/markdown", test_markdown);
	g_test_add_func("/export/json", test_json);
	g_test_add_func("/export/status-filter", test_status_filter);
	g_test_add_func("/export/random", test_random);
	return g_test_run();
}
