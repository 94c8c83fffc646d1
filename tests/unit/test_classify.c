/*
 * test_classify.c - the kind of a mail from its form: mail never answered,
 * help, commands, the proposal form, RSVPs and declines, proposals (in
 * the body or attached), and the rest.  When the shared corpus is present
 * (MCBOT_CORPUS, or ../shared/corpus next to the repository), every one
 * of its mails must get the kind its expected.json gives.
 */
#include <string.h>
#include <json-glib/json-glib.h>

#include "bot/mail.h"
#include "handlers/classify.h"

#define LIST "mc@lpc.example.org"

static struct mail *
mk(const char *raw)
{
	struct mail *m = NULL;
	GString *err = g_string_new(NULL);

	if (mail_parse(raw, strlen(raw), NULL, &m, err) < 0)
		g_error("mail_parse: %s", err->str);
	g_test_queue_destroy((GDestroyNotify)mail_free, m);
	g_string_free(err, TRUE);
	return m;
}

static enum mail_kind
kind_of(const char *raw)
{
	return classify(mk(raw), NULL, LIST);
}

#define FROM "From: Ann <ann@a.example>\nTo: " LIST "\n"

static const char proposal_body[] =
	"This microconference brings together the people who build the kernel's\n"
	"tracing infrastructure and the tools that consume it. This year we want\n"
	"to focus on making traces cheaper to collect and easier to read.\n\n"
	"Topics:\n- Ring buffers\n- BTF everywhere\n- Stack traces\n";

static void
test_drop(void)
{
	g_assert_cmpint(kind_of(FROM "Subject: Out of office\nAuto-Submitted: auto-replied\n\n"
				"I am away.\n"), ==, KIND_DROP);
	g_assert_cmpint(kind_of(FROM "Subject: RSVP: Android MC\nPrecedence: bulk\n\nI plan to "
				"attend.\n"), ==, KIND_DROP);
	g_assert_cmpint(kind_of("From: " LIST "\nTo: " LIST "\nSubject: New microconference: X\n\n"
				"Reply to this message to RSVP.\n"), ==, KIND_DROP);
	g_assert_cmpstr(classify_drop_reason(mk("From: " LIST "\nSubject: x\n\nx\n"), LIST), ==,
			"loop");
	g_assert_null(classify_drop_reason(mk(FROM "Subject: x\n\nx\n"), LIST));
}

static void
test_help_command(void)
{
	g_assert_cmpint(kind_of(FROM "Subject: help\n\n"), ==, KIND_HELP);
	g_assert_cmpint(kind_of(FROM "Subject: question\n\nhelp\n"), ==, KIND_HELP);
	g_assert_cmpint(kind_of(FROM "Subject: commands\n\naccept 12\nreject cxl: out of scope\n"
				"thanks\n"), ==, KIND_COMMAND);
	g_assert_cmpint(kind_of(FROM "Subject: list proposed\n\n"), ==, KIND_COMMAND);
	g_assert_cmpstr(classify_command_verb("  accept 3"), ==, "accept");
	g_assert_null(classify_command_verb("acceptance"));
	g_assert_null(classify_command_verb("cancel"));
}

static void
test_rsvp(void)
{
	g_assert_cmpint(kind_of(FROM "Subject: RSVP: OpenPrinting MC\n\nI plan to attend.\n"), ==,
			KIND_RSVP);
	g_assert_cmpint(kind_of(FROM "Subject: [LPC] RSVP systemd MC\n\n"), ==, KIND_RSVP);
	g_assert_cmpint(kind_of(FROM "Subject: Zoned storage MC\n\nPlanning to attend the zoned "
				"storage microconference.\n"), ==, KIND_RSVP);
	g_assert_cmpint(kind_of(FROM "Subject: CPU Isolation MC - attendance\n\nHello,\n"), ==,
			KIND_RSVP);
	g_assert_cmpint(kind_of(FROM "Subject: Re: [mcbot] New microconference proposed: Rust\n"
				"In-Reply-To: <announce.rust.2024@lpc.example.org>\n\n"
				"> quoted announcement\n\nSounds good.\n"), ==, KIND_RSVP);
	g_assert_cmpint(kind_of(FROM "Subject: Re: Android\n\nSorry, can't make it this year.\n"),
			==, KIND_RSVP);
	g_assert_cmpint(kind_of(FROM "Subject: x\n\ncancel\n"), ==, KIND_RSVP);
	/* HTML only */
	g_assert_cmpint(kind_of(FROM "Subject: x86 MC\nMIME-Version: 1.0\n"
				"Content-Type: text/html; charset=utf-8\n\n"
				"<html><body><p>I plan to attend the x86 microconference.</p>"
				"</body></html>\n"), ==, KIND_RSVP);
	/* quoted text says "attend", the sender's own words do not */
	g_assert_cmpint(kind_of(FROM "Subject: Re: hello\n\nOn Monday, B wrote:\n> I will attend.\n\n"
				"What time is it?\n"), ==, KIND_UNKNOWN);
	/* about a proposal, not about attending */
	g_assert_cmpint(kind_of(FROM "Subject: Re: Tracing MC\n\nPlease withdraw our proposal, "
				"we cannot attend this year.\n"), !=, KIND_RSVP);
	/* a question about attending is no RSVP */
	g_assert_cmpint(kind_of(FROM "Subject: question\n\nCan I attend remotely?\n"), ==,
			KIND_UNKNOWN);
}

static void
test_proposal(void)
{
	char *raw = g_strdup_printf(FROM "Subject: [MC PROPOSAL] Tracing MC\n\n%s", proposal_body);
	char *att = g_strdup_printf(FROM "Subject: [MC PROPOSAL] Tracing MC\nMIME-Version: 1.0\n"
				    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
				    "--b\nContent-Type: text/plain\n\nPlease find our proposal "
				    "attached. We plan to attend, of course.\n"
				    "--b\nContent-Type: text/plain\n"
				    "Content-Disposition: attachment; filename=p.txt\n\n%s\n--b--\n",
				    proposal_body);

	g_assert_cmpint(kind_of(raw), ==, KIND_PROPOSAL);
	g_assert_cmpint(kind_of(att), ==, KIND_PROPOSAL);
	g_assert_cmpint(kind_of(FROM "Subject: proposal\n\nTitle: Tracing MC\nLeads: Ann <ann@a."
				"example>\nTopics:\n- one\n"), ==, KIND_PROPOSAL);
	g_assert_cmpint(kind_of(FROM "Subject: hi\n\nhi\n"), ==, KIND_UNKNOWN);
	g_free(att);
	g_free(raw);
}

static char *
corpus_dir(void)
{
	const char *env = g_getenv("MCBOT_CORPUS"), *top = g_getenv("MCBOT_TOP");

	if (env && *env)
		return g_strdup(env);
	return g_build_filename(top && *top ? top : ".", "..", "shared", "corpus", NULL);
}

/* Every corpus mail gets its kind; RSVPs their yes or no. */
static void
test_corpus(void)
{
	char *dir = corpus_dir(), *path = g_build_filename(dir, "expected.json", NULL);
	JsonParser *jp = json_parser_new();
	JsonObject *all;
	GList *names;
	guint n = 0, right = 0;

	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_test_skip("corpus not present");
		goto out;
	}
	g_assert_true(json_parser_load_from_file(jp, path, NULL));
	all = json_node_get_object(json_parser_get_root(jp));
	names = json_object_get_members(all);
	for (GList *l = names; l; l = l->next) {
		JsonObject *e = json_object_get_object_member(all, l->data);
		const char *want = json_object_get_string_member(e, "kind");
		char *file = g_build_filename(dir, "mail", l->data, NULL), *raw;
		gsize len;
		struct mail *m = NULL;
		const char *got;

		g_assert_true(g_file_get_contents(file, &raw, &len, NULL));
		g_assert_cmpint(mail_parse(raw, len, NULL, &m, NULL), ==, 0);
		got = kind_name(classify(m, NULL, LIST));
		n++;
		if (strcmp(got, want) == 0)
			right++;
		else
			g_test_message("%s: kind %s, want %s", (char *)l->data, got, want);
		mail_free(m);
		g_free(raw);
		g_free(file);
	}
	g_list_free(names);
	g_test_message("corpus kinds: %u of %u right", right, n);
	g_assert_cmpuint(n, >, 0);
	g_assert_cmpuint(right, ==, n);
out:
	g_object_unref(jp);
	g_free(path);
	g_free(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mail_init();
	g_test_add_func("/classify/drop", test_drop);
	g_test_add_func("/classify/help-command", test_help_command);
	g_test_add_func("/classify/rsvp", test_rsvp);
	g_test_add_func("/classify/proposal", test_proposal);
	g_test_add_func("/classify/corpus", test_corpus);
	return g_test_run();
}
