/*
 * test_proposal.c - the proposal handler on a temporary store: a new MC,
 * versions by the thread and by the title, a possible duplicate from
 * someone else, an unusable mail, and a closed CfP.
 */
#include "handlers/handler.h"
#include "handlers/proposal.h"
#include "harness.h"

#define PROPOSAL(from, subject, extra, body) \
	"From: " from "\nTo: mc@lpc.example.org\nSubject: " subject \
	"\nMessage-ID: <%d@test.example>\nDate: Tue, 03 Mar 2026 08:00:00 +0000\n" extra \
	"Content-Type: text/plain; charset=utf-8\n\n" body

#define BODY \
	"The tracing MC gathers the people who build the kernel's tracing\n" \
	"infrastructure and the tools that read it.\n\n" \
	"Suggested topics:\n- Ring buffer reads\n- BTF for every event\n\n" \
	"MC leads:\n- Ada Tracer <ada@t.example>\n- Bo Stack\n"

#define BODY3 \
	"The tracing MC gathers the people who build the kernel's tracing\n" \
	"infrastructure and the tools that read it.\n\n" \
	"Suggested topics:\n- Ring buffer reads\n- BTF for every event\n" \
	"- Sampling in production\n\n" \
	"MC leads:\n- Ada Tracer <ada@t.example>\n- Bo Stack\n"

static int serial;

/* Dispatch one mail in its own transaction; the outcome and the new replies. */
static const char *
run(struct env *e, const struct mail *m, GPtrArray *replies)
{
	struct ctx c = { e->cfg, e->st, e->tpl, e->now++, 0 };
	struct result res = { FOLDER_NONE, NULL, NULL };
	struct txn *t = txn_new(e->st);
	char *dir = g_build_filename(e->dir, "outbox", "new", NULL);
	GDir *d;
	const char *name;

	g_assert_cmpint(dispatch(m, &c, t, &res), ==, 0);
	txn_processed(t, m->key);
	commit(e, t);
	g_free(res.detail);
	d = g_dir_open(dir, 0, NULL);
	while (replies && d && (name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL);
		char *text = read_reply(path);

		if (!g_strv_contains((const char *const *)replies->pdata, text))
			g_ptr_array_insert(replies, (gint)replies->len - 1, g_strdup(text));
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	g_free(dir);
	return res.outcome;
}

static GPtrArray *
replies_new(void)
{
	GPtrArray *r = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(r, NULL);       /* NULL-terminated for g_strv_contains */
	return r;
}

/* The one reply whose text contains needle. */
static const char *
reply_with(GPtrArray *r, const char *needle)
{
	const char *found = NULL;

	for (guint i = 0; i + 1 < r->len; i++)
		if (strstr(r->pdata[i], needle)) {
			g_assert_null(found);
			found = r->pdata[i];
		}
	g_assert_nonnull(found);
	return found;
}

static void
test_create_and_versions(void)
{
	struct env *e = env_new();
	GPtrArray *r = replies_new();
	struct mail *m1, *m2, *m3;
	struct mc *mc;
	const char *text;
	int s1 = ++serial;

	if (e == NULL) {
		g_test_skip("templates not found (set MCBOT_TOP)");
		return;
	}
	m1 = mk(PROPOSAL("Ada Tracer <ada@t.example>", "[MC PROPOSAL] Tracing MC", "", BODY), s1);
	g_assert_cmpstr(run(e, m1, r), ==, "created");
	mc = store_mc_by_id(e->st, 1);
	g_assert_nonnull(mc);
	g_assert_cmpstr(mc->title, ==, "Tracing MC");
	g_assert_cmpint(mc->version, ==, 1);
	g_assert_cmpuint(mc->p->topics->len, ==, 2);
	g_assert_cmpuint(mc->p->leads->len, ==, 2);
	text = reply_with(r, "MC-1");
	g_assert_nonnull(strstr(text, "[LPC MC-1]"));
	g_assert_nonnull(strstr(text, "Bo Stack"));

	/* A reply in the thread from the lead: version 2, what changed. */
	m2 = mk(PROPOSAL("Ada Tracer <ada@t.example>", "Re: [MC PROPOSAL] Tracing MC",
			 "In-Reply-To: <%d@test.example>\n", BODY3),
		++serial, s1);
	g_assert_cmpstr(run(e, m2, r), ==, "updated");
	mc = store_mc_by_id(e->st, 1);
	g_assert_cmpint(mc->version, ==, 2);
	g_assert_cmpuint(store_mcs(e->st)->len, ==, 1);
	text = reply_with(r, "version 2");
	g_assert_nonnull(strstr(text, "topics: 2 -> 3"));

	/* The same title again, from the lead, out of the thread: version 3. */
	m3 = mk(PROPOSAL("Ada Tracer <ada@t.example>", "Tracing MC proposal (revised)", "",
			 "Tracing MC\n\n" BODY), ++serial);
	g_assert_cmpstr(run(e, m3, r), ==, "updated");
	g_assert_cmpint(store_mc_by_id(e->st, 1)->version, ==, 3);
	{
		char *v = g_build_filename(e->dir, "mc", "1", "versions", "3.eml", NULL);

		g_assert_true(g_file_test(v, G_FILE_TEST_EXISTS));
		g_free(v);
	}
	g_ptr_array_unref(r);
	env_free(e);
}

static void
test_duplicate_from_someone_else(void)
{
	struct env *e = env_new();
	GPtrArray *r = replies_new();
	char *log = NULL, *path;

	if (e == NULL) {
		g_test_skip("templates not found (set MCBOT_TOP)");
		return;
	}
	run(e, mk(PROPOSAL("Ada Tracer <ada@t.example>", "Tracing MC", "", BODY), ++serial), r);
	/* A similar title (a typo, no "MC") from someone who is not a lead. */
	g_assert_cmpstr(run(e, mk(PROPOSAL("Eve Other <eve@o.example>", "Tracng", "", BODY),
				  ++serial), r), ==, "duplicate");
	g_assert_cmpuint(store_mcs(e->st)->len, ==, 1);
	g_assert_cmpint(store_mc_by_id(e->st, 1)->version, ==, 1);
	g_assert_nonnull(strstr(reply_with(r, "eve@o.example"), "MC-1"));
	path = g_build_filename(e->dir, "mc", "1", "log", NULL);
	g_assert_true(g_file_get_contents(path, &log, NULL, NULL));
	g_assert_nonnull(strstr(log, "possible duplicate proposed by eve@o.example"));
	/* A different title from the same person is a new MC. */
	g_assert_cmpstr(run(e, mk(PROPOSAL("Eve Other <eve@o.example>", "Scheduler MC", "",
					   BODY), ++serial), r), ==, "created");
	g_assert_cmpuint(store_mcs(e->st)->len, ==, 2);
	g_free(log);
	g_free(path);
	g_ptr_array_unref(r);
	env_free(e);
}

static void
test_titles_similar(void)
{
	g_assert_true(proposal_titles_similar("Real-time MC", "Real time microconference"));
	g_assert_true(proposal_titles_similar("Kernel Memory Management", "Kernel Memory Managment"));
	g_assert_false(proposal_titles_similar("Android MC", "Rust MC"));
	g_assert_false(proposal_titles_similar("RISC-V", "x86"));
}

static void
test_unusable(void)
{
	struct env *e = env_new();
	GPtrArray *r = replies_new();

	if (e == NULL) {
		g_test_skip("templates not found (set MCBOT_TOP)");
		return;
	}
	/* Only a quote: nothing is created, the sender gets the form. */
	run(e, mk(PROPOSAL("Kim <kim@h.example>", "Re:", "",
			   "> I will send a proposal later.\n"), ++serial), r);
	g_assert_cmpuint(store_mcs(e->st)->len, ==, 0);
	g_assert_nonnull(strstr(reply_with(r, "kim@h.example"), "Title:"));
	g_ptr_array_unref(r);
	env_free(e);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mail_init();
	g_test_add_func("/proposal/create-and-versions", test_create_and_versions);
	g_test_add_func("/proposal/duplicate", test_duplicate_from_someone_else);
	g_test_add_func("/proposal/titles-similar", test_titles_similar);
	g_test_add_func("/proposal/unusable", test_unusable);
	return g_test_run();
}
