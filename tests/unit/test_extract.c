/*
 * test_extract.c - reading proposals: the fixtures in tests/fixtures/extract
 * (NAME.txt = "Subject: ..." line, blank line, body; NAME.att = optional
 * text attachment; NAME.expected = JSON of what must be read), and the
 * pieces: subjects, quotes, headings by meaning, list styles, people,
 * the Field: value form, titles, attachments.
 */
#include <string.h>
#include <json-glib/json-glib.h>

#include "handlers/extract.h"
#include "handlers/extract_p.h"

static const char *
top_dir(void)
{
	const char *top = g_getenv("MCBOT_TOP");

	return top != NULL && *top != '\0' ? top : ".";
}

static char *
fixture_path(const char *name, const char *ext)
{
	char *file = g_strconcat(name, ext, NULL);
	char *path = g_build_filename(top_dir(), "tests", "fixtures", "extract", file, NULL);

	g_free(file);
	return path;
}

/* ---- helpers ---- */

static struct proposal *
read_one(const char *subject, const char *body)
{
	return extract_proposal(subject, body, NULL);
}

static void
assert_topics(const struct proposal *p, const char *const *want)
{
	guint n = 0;

	for (; want[n]; n++) {
		g_assert_cmpuint(n, <, p->topics->len);
		g_assert_cmpstr(p->topics->pdata[n], ==, want[n]);
	}
	g_assert_cmpuint(p->topics->len, ==, n);
}

static void
assert_lead(const struct proposal *p, guint i, const char *name, const char *email)
{
	const struct person *l;

	g_assert_cmpuint(i, <, p->leads->len);
	l = p->leads->pdata[i];
	g_assert_cmpstr(l->name, ==, name);
	g_assert_cmpstr(l->email, ==, email);
}

/* ---- fixtures ---- */

static void
check_strings(JsonObject *o, const char *member, GPtrArray *got)
{
	JsonArray *a;

	if (!json_object_has_member(o, member))
		return;
	a = json_object_get_array_member(o, member);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		g_assert_cmpuint(i, <, got->len);
		g_assert_cmpstr(got->pdata[i], ==, json_array_get_string_element(a, i));
	}
	g_assert_cmpuint(got->len, ==, json_array_get_length(a));
}

static const char *
nullable(JsonObject *o, const char *member)
{
	JsonNode *n = json_object_get_member(o, member);

	return n && !JSON_NODE_HOLDS_NULL(n) ? json_node_get_string(n) : NULL;
}

static void
test_fixture(gconstpointer data)
{
	const char *name = data;
	char *txt = fixture_path(name, ".txt"), *att = fixture_path(name, ".att");
	char *exp = fixture_path(name, ".expected");
	char *raw = NULL, *attach = NULL, *subject, *body;
	GPtrArray *atts = g_ptr_array_new();
	GError *error = NULL;
	JsonParser *parser = json_parser_new();
	JsonObject *o;
	JsonArray *leads;
	struct proposal *p;

	if (!g_file_get_contents(txt, &raw, NULL, &error))
		g_error("%s: %s (set MCBOT_TOP or run from the repository root)", txt, error->message);
	g_assert_true(g_str_has_prefix(raw, "Subject: "));
	body = strstr(raw, "\n\n");
	g_assert_nonnull(body);
	subject = g_strndup(raw + 9, body - raw - 9);
	if (g_file_get_contents(att, &attach, NULL, NULL))
		g_ptr_array_add(atts, attach);
	if (!json_parser_load_from_file(parser, exp, &error))
		g_error("%s: %s", exp, error->message);
	o = json_node_get_object(json_parser_get_root(parser));

	p = extract_proposal(subject, body + 2, atts);
	g_assert_cmpstr(p->title, ==, nullable(o, "title"));
	leads = json_object_get_array_member(o, "leads");
	for (guint i = 0; i < json_array_get_length(leads); i++) {
		JsonArray *l = json_array_get_array_element(leads, i);
		JsonNode *mail = json_array_get_element(l, 1);

		assert_lead(p, i, json_array_get_string_element(l, 0),
			    JSON_NODE_HOLDS_NULL(mail) ? NULL : json_node_get_string(mail));
	}
	g_assert_cmpuint(p->leads->len, ==, json_array_get_length(leads));
	check_strings(o, "topics", p->topics);
	check_strings(o, "attendees", p->attendees);
	check_strings(o, "constraints", p->constraints);
	if (json_object_has_member(o, "attendees_label"))
		g_assert_cmpstr(p->attendees_label, ==, nullable(o, "attendees_label"));
	if (json_object_has_member(o, "description"))
		g_assert_cmpstr(p->description, ==, nullable(o, "description"));
	if (json_object_has_member(o, "accomplishments"))
		g_assert_cmpstr(p->accomplishments, ==, nullable(o, "accomplishments"));
	g_assert_cmpint(p->from_form, ==, json_object_has_member(o, "from_form") &&
			json_object_get_boolean_member(o, "from_form"));

	proposal_free(p);
	g_object_unref(parser);
	g_ptr_array_free(atts, TRUE);
	g_free(attach);
	g_free(subject);
	g_free(raw);
	g_free(txt);
	g_free(att);
	g_free(exp);
}

static void
add_fixtures(void)
{
	char *dir = g_build_filename(top_dir(), "tests", "fixtures", "extract", NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new();
	const char *f;

	if (d == NULL)
		g_error("%s missing (set MCBOT_TOP or run from the repository root)", dir);
	while ((f = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(f, ".txt"))
			g_ptr_array_add(names, g_strndup(f, strlen(f) - 4));
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	for (guint i = 0; i < names->len; i++) {
		char *path = g_strdup_printf("/extract/fixture/%s", (char *)names->pdata[i]);

		/* the names live as long as the test program */
		g_test_add_data_func(path, names->pdata[i], test_fixture);
		g_free(path);
	}
	g_ptr_array_free(names, TRUE);
	g_dir_close(d);
	g_free(dir);
}

/* ---- subjects, quotes, signatures ---- */

static void
test_subject(void)
{
	static const char *const cases[][2] = {
		{ "[MC PROPOSAL] Android MC", "Android MC" },
		{ "[MC PROPOSAL v2] VFIO/IOMMU/PCI MC", "VFIO/IOMMU/PCI MC" },
		{ "Re: [LPC] Fwd: Proposal: Rust MC", "Rust MC" },
		{ "MC proposal: CPU Isolation", "CPU Isolation" },
		{ "MC Proposal: Safe Systems with Linux", "Safe Systems with Linux" },
		{ "[LPC2022] Microconference proposal - IoTs a 4-Letter Word",
		  "IoTs a 4-Letter Word" },
		{ "RISC-V MC proposal for LPC 2024", "RISC-V MC" },
		{ "Compute Express Link MC proposal", "Compute Express Link MC" },
		{ "RE: AW: Tracing MC (v2)", "Tracing MC" },
		{ "  Kernel <-> Userspace MC  ", "Kernel <-> Userspace MC" },
		{ "", "" },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *t = extract_subject_title(cases[i][0]);

		g_assert_cmpstr(t, ==, cases[i][1]);
		g_free(t);
	}
}

static void
test_strip_quotes(void)
{
	char *t;

	t = extract_strip_quotes("Text\n\nOn Mon, 1 Jan 2030, Org <o@example.org> wrote:\n"
				 "> quoted\n>\n> more\nafter\n-- \nSig Nature\nsig@example.org\n");
	g_assert_cmpstr(t, ==, "Text\n\nafter\n");
	g_free(t);
	/* the attribution wrapped over two lines */
	t = extract_strip_quotes("Top\nOn Mon, 1 Jan 2030 at 10:00, Some Body <sb@example.org>\n"
				 "wrote:\n> x\n");
	g_assert_cmpstr(t, ==, "Top\n");
	g_free(t);
	t = extract_strip_quotes("Reply\r\n\r\n-----Original Message-----\r\nFrom: x\r\n");
	g_assert_cmpstr(t, ==, "Reply\n");
	g_free(t);
	/* "wrote:" without a quote below is text */
	t = extract_strip_quotes("Somebody wrote:\nthis line\n\n\n");
	g_assert_cmpstr(t, ==, "Somebody wrote:\nthis line\n");
	g_free(t);
	t = extract_strip_quotes(NULL);
	g_assert_cmpstr(t, ==, "");
	g_free(t);
}

/* ---- headings by meaning ---- */

static void
test_headings(void)
{
	static const struct {
		const char *text;
		enum xsec want;
	} cases[] = {
		{ "MC leads", XSEC_LEADS }, { "MC Leads:", XSEC_LEADS }, { "MC lead", XSEC_LEADS },
		{ "Contacts", XSEC_LEADS }, { "Leads:", XSEC_LEADS }, { "Organizers:", XSEC_LEADS },
		{ "The MC will be led by:", XSEC_LEADS }, { "MC leads & contacts:", XSEC_LEADS },
		{ "Microconference leads (alphabetical):", XSEC_LEADS },
		{ "Primary authors:", XSEC_AUTHORS }, { "Co-authors:", XSEC_IGNORED_PEOPLE },
		{ "Presenters:", XSEC_IGNORED_PEOPLE },
		{ "Suggested topics", XSEC_TOPICS }, { "Expected topics:", XSEC_TOPICS },
		{ "Potential Topics:", XSEC_TOPICS },
		{ "Possible topics for discussion include", XSEC_TOPICS },
		{ "Projected talks:", XSEC_TOPICS }, { "BoF ideas:", XSEC_TOPICS },
		{ "Agenda", XSEC_TOPICS },
		{ "Tentative topics include (but not limited to):", XSEC_TOPICS },
		{ "But there are many problems to solve. The most important ones are:", XSEC_TOPICS },
		{ "Current Problems that require attention (stakeholders):", XSEC_TOPICS },
		{ "More particularly, we need to answer the following questions:", XSEC_TOPICS },
		{ "Key attendees", XSEC_ATTENDEES },
		{ "Participants who have confirmed they plan to attend", XSEC_ATTENDEES },
		{ "Potential Participants (not confirmed yet):", XSEC_ATTENDEES },
		{ "People that would be great to have in the room:", XSEC_ATTENDEES },
		{ "Accomplishments since the last Android MC:", XSEC_ACCOMPLISHMENTS },
		{ "Highlights from last year include:", XSEC_ACCOMPLISHMENTS },
		{ "Since last year, there were many updates on the topics discussed at the MC:",
		  XSEC_ACCOMPLISHMENTS },
		{ "The following was a result of last year's MC:", XSEC_ACCOMPLISHMENTS },
		{ "Discussion tends to involve the following categories:", XSEC_OTHER },
		{ "It supports more and more features such as:", XSEC_OTHER },
		{ "There have been efforts to tackle these issues openly:", XSEC_OTHER },
		{ "We welcome talks on the following technologies that help achieve this goal.",
		  XSEC_TOPICS },
		{ "Overview", XSEC_NONE }, { "Title: Foo", XSEC_NONE },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		enum xsec k = extract_classify(cases[i].text, NULL);

		if (k != cases[i].want)
			g_error("\"%s\": %d, want %d", cases[i].text, k, cases[i].want);
	}
}

static void
test_label(void)
{
	char *l = extract_label("People that would be great to have in the room - usual suspects:");

	g_assert_cmpstr(l, ==, "People that would be great to have in the room");
	g_free(l);
	l = extract_label("**Key Attendees:**");
	g_assert_cmpstr(l, ==, "Key Attendees");
	g_free(l);
}

/* ---- list styles ---- */

static void
check_list(const char *list, const char *const *want)
{
	char *body = g_strdup_printf("Foo MC\n\nIntro text.\n\nTopics:\n\n%s\nMC leads:\n\n- A B\n",
				     list);
	struct proposal *p = read_one("Foo MC", body);

	assert_topics(p, want);
	g_assert_cmpuint(p->leads->len, ==, 1);
	proposal_free(p);
	g_free(body);
}

static void
test_list_styles(void)
{
	static const char *const two[] = { "first topic", "second topic", NULL };
	static const char *const nested[] = { "PCI", "sub one", "sub two", "IOMMU", "sub three",
					      NULL };
	static const char *const wrapped[] = { "a long topic that goes on and on about the "
					       "many things it covers and wraps onto a second line",
					       "short", NULL };
	static const char *const details[] = { "Session one (30 min)", "Session two (45 min)",
					       NULL };

	check_list("- first topic\n- second topic\n", two);
	check_list("* first topic\n* second topic\n", two);
	check_list("  + first topic\n  + second topic\n", two);
	check_list("\u2022 first topic\n\u2022 second topic\n", two);
	check_list("  o first topic\n  o second topic\n", two);
	check_list("1. first topic\n2. second topic\n", two);
	check_list("1) first topic\n2) second topic\n", two);
	check_list("a) first topic\nb) second topic\n", two);
	check_list("\t- first topic\n\t- second topic\n", two);
	check_list("- first topic\n\n- second topic\n", two);
	check_list("first topic\nsecond topic\n", (const char *const[]){ NULL });
	check_list("- PCI\n  - sub one\n  - sub two\n- IOMMU\n  - sub three\n", nested);
	check_list("* PCI\n\n    * sub one\n\n    * sub two\n\n* IOMMU\n\n    * sub three\n", nested);
	check_list("  - a long topic that goes on and on about the many things it covers and\n"
		   "    wraps onto a second line\n  - short\n", wrapped);
	check_list("- a long topic that goes on and on about the many things it covers and\n"
		   "wraps onto a second line\n- short\n", wrapped);
	/* a paragraph right after the list (HTML converted to text) */
	check_list("- first topic\n- second topic\nThe paragraph that follows the list.\n", two);
	check_list("- Session one (30 min)\n    Speaker: Some One\n    Details: a longer text\n"
		   "- Session two (45 min)\n    Speakers: A, B\n", details);
}

/* A topics list written one per line under a topics heading. */
static void
test_lines_as_topics(void)
{
	static const char *const want[] = { "Memory tiering", "Huge pages", "Reclaim", NULL };
	struct proposal *p = read_one("MM MC", "MM MC\n\nSome prose here.\n\nProposed topics:\n"
				      "Memory tiering\nHuge pages\nReclaim\n");

	assert_topics(p, want);
	proposal_free(p);
}

/* ---- people ---- */

static void
test_person(void)
{
	static const char *const cases[][3] = {
		{ "BRISTOT DE OLIVEIRA, Daniel (Red Hat, Inc.)", "Daniel Bristot de Oliveira", NULL },
		{ "Mr SCHMIDT, Stefan", "Stefan Schmidt", NULL },
		{ "Mrs CHHAYA-SHAILESH, Himadri (Inria-Paris)", "Himadri Chhaya-Shailesh", NULL },
		{ "KRÓL, Piotr (3mdeb)", "Piotr Król", NULL },
		{ "Paolo Bonzini <pbonzini@redhat.com> (Red Hat)", "Paolo Bonzini",
		  "pbonzini@redhat.com" },
		{ "Alex Williamson (alex.williamson@redhat.com)", "Alex Williamson",
		  "alex.williamson@redhat.com" },
		{ "Jane Doe - jane@example.org", "Jane Doe", "jane@example.org" },
		{ "Ashish Kalra ashish.kalra@amd.com", "Ashish Kalra", "ashish.kalra@amd.com" },
		{ "Jonathan Cameron (Huawei Technologies R&D (UK))", "Jonathan Cameron", NULL },
		{ "Johannes Thumshirn(BTRFS)", "Johannes Thumshirn", NULL },
		{ "Dr. David Alan Gilbert", "David Alan Gilbert", NULL },
		{ "Luis Claudio R. Gonçalves", "Luis Claudio R. Gonçalves", NULL },
		{ "Paul E. McKenney", "Paul E. McKenney", NULL },
		{ "Jane Doe, Example Corp", "Jane Doe", NULL },
		{ "Laurent Pinchart (*)", "Laurent Pinchart", NULL },
	};
	static const char *const not_names[] = {
		"Linux Kernel Maintainers:", "Palmer Atish Anup Conor Sunil Bjorn Alex Clement Andrew",
		"We usually have attendance from a handful of contributors", "TBD", "Arnd",
		"https://example.org/x", "Soc stakeholders (Arnd, Conor)", "jane doe",
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct person *p = extract_person_parse(cases[i][0], FALSE);

		if (p == NULL)
			g_error("\"%s\": not a name", cases[i][0]);
		g_assert_cmpstr(p->name, ==, cases[i][1]);
		g_assert_cmpstr(p->email, ==, cases[i][2]);
		person_free(p);
	}
	for (guint i = 0; i < G_N_ELEMENTS(not_names); i++) {
		struct person *p = extract_person_parse(not_names[i], FALSE);

		if (p != NULL)
			g_error("\"%s\" read as %s", not_names[i], p->name);
	}
}

static void
assert_people(const char *text, gboolean indico, const char *const *want)
{
	GPtrArray *got = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
	guint n = 0;

	extract_people_split(text, indico, got);
	for (; want[n]; n++) {
		g_assert_cmpuint(n, <, got->len);
		g_assert_cmpstr(((struct person *)got->pdata[n])->name, ==, want[n]);
	}
	g_assert_cmpuint(got->len, ==, n);
	g_ptr_array_free(got, TRUE);
}

static void
test_people_split(void)
{
	assert_people("Christian Brauner, Mike Rapoport (IBM) and Stéphane Graber (Zabbly)", FALSE,
		      (const char *const[]){ "Christian Brauner", "Mike Rapoport",
					     "Stéphane Graber", NULL });
	assert_people("A Person, B Person, and C Person.", FALSE,
		      (const char *const[]){ "A Person", "B Person", "C Person", NULL });
	assert_people("HOLZMAYR, Josef; BALISTER, Philip (OpenEmbedded)", TRUE,
		      (const char *const[]){ "Josef Holzmayr", "Philip Balister", NULL });
	assert_people("ROSTEDT, Steven, LELLI, Juri", FALSE,
		      (const char *const[]){ "Steven Rostedt", "Juri Lelli", NULL });
	assert_people("V4L2: Hans Verkuil, Sakari Ailus", FALSE,
		      (const char *const[]){ "Hans Verkuil", "Sakari Ailus", NULL });
	assert_people("Ada Lovelace & Charles Babbage", FALSE,
		      (const char *const[]){ "Ada Lovelace", "Charles Babbage", NULL });
}

/* Only the people marked "(*)" when the text says the marked ones confirmed. */
static void
test_marked_attendees(void)
{
	struct proposal *p = read_one("Cameras MC",
				      "Cameras MC\n\nText.\n\nWe need to answer these questions:\n\n"
				      "- one?\n- two?\n\nThe following people are invited:\n\n"
				      "- Kernel: Ann Able (*), Bob Baker\n- Vendors:\n"
				      "  - Acme: Cid Cole, Dee Dunn (*)\n\n"
				      "People marked with (*) confirmed their presence.\n");

	g_assert_cmpuint(p->attendees->len, ==, 2);
	g_assert_cmpstr(p->attendees->pdata[0], ==, "Ann Able");
	g_assert_cmpstr(p->attendees->pdata[1], ==, "Dee Dunn");
	g_assert_cmpuint(p->topics->len, ==, 2);
	proposal_free(p);
}

/* ---- the form ---- */

static void
test_is_form(void)
{
	g_assert_true(extract_is_form("Title: X\nLeads: A B\n"));
	g_assert_true(extract_is_form("\n\nLeads: A B\nTopics:\n- x\n"));
	g_assert_false(extract_is_form("Title: X\n"));
	g_assert_false(extract_is_form("Hello,\nTitle: X\nLeads: A B\n"));
	/* free text that starts with a Title: line */
	g_assert_false(extract_is_form("Title: X\n\nA long description.\n\nMC Leads:\n\nA B\n"));
	g_assert_false(extract_is_form(""));
}

static void
test_form(void)
{
	struct proposal *p = read_one("whatever",
				      "Title:   Storage MC  \n"
				      "Leads:\n"
				      "  Ann Able <ann@example.org>\n"
				      "  Bob (bob@example.org)\n"
				      "Description: First line\n"
				      "Note: this colon line is description too.\n"
				      "Topics:\n"
				      "* one\n"
				      "* two, wrapped\n"
				      "  onto a second line\n"
				      "Attendees:\n"
				      "Cid Cole\n"
				      "Dee Dunn\n");

	g_assert_true(p->from_form);
	g_assert_cmpstr(p->title, ==, "Storage MC");
	assert_lead(p, 0, "Ann Able", "ann@example.org");
	assert_lead(p, 1, "Bob", "bob@example.org");
	g_assert_cmpuint(p->leads->len, ==, 2);
	g_assert_cmpstr(p->description, ==,
			"First line\nNote: this colon line is description too.");
	assert_topics(p, (const char *const[]){ "one", "two, wrapped onto a second line", NULL });
	g_assert_cmpuint(p->attendees->len, ==, 2);
	g_assert_null(p->accomplishments);
	proposal_free(p);

	/* a subject that names nothing gives no title */
	p = read_one("Re: help", "Leads: Ann Able\nTopics:\n- x\n");
	g_assert_null(p->title);
	proposal_free(p);
	/* "Name:" alone is a person, not the MC */
	p = read_one("Foo MC", "Foo MC\n\nName: Ann Able\n\nText.\n");
	g_assert_cmpstr(p->title, ==, "Foo MC");
	proposal_free(p);

	/* no Title field: the subject names the MC */
	p = read_one("[MC PROPOSAL] Foo MC", "Leads: Ann Able\nTopics:\n- x\n");
	g_assert_true(p->from_form);
	g_assert_cmpstr(p->title, ==, "Foo MC");
	proposal_free(p);
}

/* The form as `help` sends it, with its guidance lines, filled in; or
 * filled in inside the quote of the help reply. */
static void
test_form_template(void)
{
	static const char *const form =
		"# Proposal form. Write each value after the colon, or on indented\n"
		"# lines below its field.\n"
		"\n"
		"# The name of the microconference, e.g. \"Android MC\".\n"
		"Title: Boot Time MC\n"
		"\n"
		"# Who runs it: one lead per line.\n"
		"Leads:\n"
		"  Ann Able <ann@example.org>\n"
		"\n"
		"# What the MC is about.\n"
		"Description:\n"
		"Faster boots.\n"
		"\n"
		"# The topics to discuss, one per line.\n"
		"Topics:\n"
		"- Measured boot (Ann)\n"
		"- initrd size\n"
		"\n"
		"# People who plan to attend, one per line.\n"
		"Attendees:\n"
		"\n"
		"# Optional: what came out of earlier editions of this MC.\n"
		"Accomplishments:\n"
		"\n"
		"# Optional: dates, length, room needs, overlaps to avoid.\n"
		"Constraints: half a day\n";
	GString *quoted = g_string_new("On Mon, mcbot <mc@example.org> wrote:\n");
	struct proposal *p = read_one("Re: help", form);
	char **lines;

	g_assert_true(p->from_form);
	g_assert_cmpstr(p->title, ==, "Boot Time MC");
	assert_lead(p, 0, "Ann Able", "ann@example.org");
	g_assert_cmpstr(p->description, ==, "Faster boots.");
	assert_topics(p, (const char *const[]){ "Measured boot (Ann)", "initrd size", NULL });
	g_assert_cmpuint(p->attendees->len, ==, 0);
	g_assert_null(p->accomplishments);
	g_assert_cmpuint(p->constraints->len, ==, 1);
	proposal_free(p);

	lines = g_strsplit(form, "\n", -1);
	for (int i = 0; lines[i]; i++)
		g_string_append_printf(quoted, "> %s\n", lines[i]);
	g_strfreev(lines);
	p = read_one("Re: help", quoted->str);
	g_assert_true(p->from_form);
	g_assert_cmpstr(p->title, ==, "Boot Time MC");
	g_assert_cmpuint(p->topics->len, ==, 2);
	proposal_free(p);
	g_string_free(quoted, TRUE);
}

/* ---- titles ---- */

static void
test_titles(void)
{
	static const char *const cases[][3] = {
		/* subject, body, title */
		{ "[MC PROPOSAL] Foo MC", "Hi,\n\nTitle: Foo Microconference\n\nText.\n",
		  "Foo Microconference" },
		{ "Proposal", "# Bar MC\n\nText.\n", "Bar MC" },
		{ "Re: LPC Call for Microconference proposals", "Dear all,\n\nHere is ours:\n\n"
		  "Baz Things\n\nText that describes it.\n", "Baz Things" },
		{ "Proposal: Qux MC", "Dear all,\n\nBelow is the proposal for the Qux MC.\n\n"
		  "Some prose only.\n", "Qux MC" },
		/* a sentence standing alone is not a title */
		{ "[MC PROPOSAL v2] Quux MC", "Hi,\n\nThe conference is pleased to host the Quux "
		  "Microconference\n\nText.\n", "Quux MC" },
		/* a subject that names no MC */
		{ "Our MC proposal for LPC 2031", "Hello,\n\nUserspace Networking\n\nText.\n",
		  "Userspace Networking" },
		/* a section heading that has nothing to do with the subject */
		{ "Zap MC", "Overview\n\nText.\n", "Zap MC" },
		{ "", "Some prose.\n", NULL },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct proposal *p = read_one(cases[i][0], cases[i][1]);

		g_assert_cmpstr(p->title, ==, cases[i][2]);
		proposal_free(p);
	}
}

/* ---- which text holds the proposal ---- */

static void
test_attachment(void)
{
	GPtrArray *atts = g_ptr_array_new();
	struct proposal *p;

	g_ptr_array_add(atts, "");
	g_ptr_array_add(atts, "Foo MC\n\nDescription.\n\nSuggested topics:\n\n- a\n- b\n\n"
			"MC leads:\n\n- Ann Able\n");
	p = extract_proposal("[MC PROPOSAL] Foo MC",
			     "Hi,\n\nPlease find attached our proposal.\n\nThanks,\nAnn\n", atts);
	g_assert_cmpuint(p->topics->len, ==, 2);
	assert_lead(p, 0, "Ann Able", NULL);
	proposal_free(p);

	/* the body is the proposal: an attachment that says less is ignored */
	g_ptr_array_set_size(atts, 0);
	g_ptr_array_add(atts, "just some notes\n");
	p = extract_proposal("Bar MC", "Bar MC\n\nTopics:\n\n- x\n\nMC lead: Bob Baker\n", atts);
	assert_topics(p, (const char *const[]){ "x", NULL });
	assert_lead(p, 0, "Bob Baker", NULL);
	proposal_free(p);
	g_ptr_array_free(atts, TRUE);
}

/* ---- endings, constraints, odd input ---- */

static void
test_closing(void)
{
	/* "Thanks!" early on does not end the proposal */
	struct proposal *p = read_one("Foo MC", "Thanks!\n\nFoo MC\n\nTopics:\n\n- a\n\n"
				      "MC leads:\n\n- Ann Able\n\nThanks,\nAnn\n\n"
				      "P.S. We can only make it on Tuesday.\n");

	assert_topics(p, (const char *const[]){ "a", NULL });
	g_assert_cmpuint(p->leads->len, ==, 1);
	g_assert_cmpuint(p->constraints->len, ==, 1);
	g_assert_cmpstr(p->constraints->pdata[0], ==, "We can only make it on Tuesday.");
	g_assert_null(strstr(p->description, "Thanks"));
	proposal_free(p);
}

static void
test_odd_input(void)
{
	GString *deep = g_string_new("Topics:\n\n");
	struct proposal *p;

	p = extract_proposal(NULL, NULL, NULL);
	g_assert_null(p->title);
	g_assert_cmpstr(p->description, ==, "");
	proposal_free(p);
	p = read_one("", "\n\n\n");
	g_assert_cmpuint(p->topics->len, ==, 0);
	proposal_free(p);
	for (int i = 0; i < 2000; i++)
		g_string_append_printf(deep, "%*s- item %d\n", i % 300, "", i);
	g_string_append(deep, "- (((((\n- )\n- <<<@@@>>>\n-\n*\n1.\n#\n# \n====\n:\n");
	p = read_one("[x", deep->str);
	g_assert_cmpuint(p->topics->len, >, 1000);
	proposal_free(p);
	g_string_free(deep, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	add_fixtures();
	g_test_add_func("/extract/subject", test_subject);
	g_test_add_func("/extract/strip-quotes", test_strip_quotes);
	g_test_add_func("/extract/headings", test_headings);
	g_test_add_func("/extract/label", test_label);
	g_test_add_func("/extract/list-styles", test_list_styles);
	g_test_add_func("/extract/lines-as-topics", test_lines_as_topics);
	g_test_add_func("/extract/person", test_person);
	g_test_add_func("/extract/people-split", test_people_split);
	g_test_add_func("/extract/marked-attendees", test_marked_attendees);
	g_test_add_func("/extract/is-form", test_is_form);
	g_test_add_func("/extract/form", test_form);
	g_test_add_func("/extract/form-template", test_form_template);
	g_test_add_func("/extract/titles", test_titles);
	g_test_add_func("/extract/attachment", test_attachment);
	g_test_add_func("/extract/closing", test_closing);
	g_test_add_func("/extract/odd-input", test_odd_input);
	return g_test_run();
}
