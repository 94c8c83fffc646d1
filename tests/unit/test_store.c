/*
 * test_store.c - the flat-file store: transactions, reopening, the
 * journal after a crash, the lock.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bot/store.h"
#include "bot/util.h"
#include "scratch.h"

/* One MC with a lead, two topics, an RSVP and a version file. */
static void
add_mc(struct store *st, const char *title, const char *key)
{
	struct txn *t = txn_new(st);
	struct mc *mc = txn_new_mc(t, title);
	struct rsvp *r = g_new0(struct rsvp, 1);
	GString *err = g_string_new(NULL);
	int id = mc->id;

	mc->version = 1;
	mc->proposer = g_strdup("a@example.org");
	g_ptr_array_add(mc->p->leads, person_new("Ann Lead", "a@example.org"));
	g_ptr_array_add(mc->p->leads, person_new("Bo Nomail", NULL));
	g_ptr_array_add(mc->p->topics, g_strdup("First topic"));
	g_ptr_array_add(mc->p->topics, g_strdup("Second\r\ntopic"));
	g_free(mc->p->description);
	mc->p->description = g_strdup("Line one.\n\nLine two.\n");
	g_ptr_array_add(mc->threads, g_strdup("msg1@example.org"));
	r->email = g_strdup("p@example.org");
	r->name = g_strdup("Pat\tTab");
	r->date = 42;
	g_ptr_array_add(mc->rsvps, r);
	txn_put_rsvps(t, mc);
	txn_put_mc(t, mc);
	txn_put_version(t, id, 1, "From: x\n\nbody\n", 14);
	txn_log(t, id, 1000, "a@example.org", "proposed");
	txn_processed(t, key);
	g_assert_cmpint(txn_commit(t, err), ==, 0);
	txn_free(t);
	g_string_free(err, TRUE);
}

static void
check_mc(struct store *st)
{
	struct mc *mc = store_mc_by_id(st, 1);
	const struct person *l;

	g_assert_nonnull(mc);
	g_assert_cmpstr(mc->title, ==, "Android MC");
	g_assert_cmpstr(mc->slug, ==, "android");
	g_assert_cmpstr(mc->status, ==, "proposed");
	g_assert_cmpuint(mc->p->leads->len, ==, 2);
	l = mc->p->leads->pdata[0];
	g_assert_cmpstr(l->name, ==, "Ann Lead");
	g_assert_cmpstr(l->email, ==, "a@example.org");
	l = mc->p->leads->pdata[1];
	g_assert_null(l->email);
	g_assert_cmpuint(mc->p->topics->len, ==, 2);
	/* CR/LF never reaches a state line. */
	g_assert_cmpstr(mc->p->topics->pdata[1], ==, "Second topic");
	g_assert_cmpstr(mc->p->description, ==, "Line one.\n\nLine two.\n");
	g_assert_cmpuint(mc->rsvps->len, ==, 1);
	g_assert_cmpstr(((struct rsvp *)mc->rsvps->pdata[0])->name, ==, "Pat Tab");
	g_assert_true(store_mc_by_thread(st, "msg1@example.org") == mc);
	g_assert_true(store_mc_by_slug(st, "android") == mc);
	g_assert_true(store_processed(st, "<k1@x>"));
}

static void
test_commit_and_reopen(void)
{
	char *dir = scratch_dir();
	struct store *st = open_ok(dir);

	add_mc(st, "Android MC", "<k1@x>");
	check_mc(st);
	store_close(st);
	st = open_ok(dir);
	check_mc(st);
	g_assert_false(store_processed(st, "<other@x>"));
	store_close(st);
	rmtree(dir);
	g_free(dir);
}

static void
test_slugs_unique(void)
{
	char *dir = scratch_dir();
	struct store *st = open_ok(dir);

	add_mc(st, "Android MC", "<k1@x>");
	add_mc(st, "Android", "<k2@x>");
	g_assert_cmpstr(store_mc_by_id(st, 2)->slug, ==, "android-2");
	store_close(st);
	st = open_ok(dir);
	g_assert_cmpstr(store_mc_by_id(st, 2)->slug, ==, "android-2");
	g_assert_cmpuint(store_mcs(st)->len, ==, 2);
	store_close(st);
	rmtree(dir);
	g_free(dir);
}

static void
test_lock(void)
{
	char *dir = scratch_dir();
	struct store *st = open_ok(dir), *st2 = NULL;
	GString *err = g_string_new(NULL);
	pid_t pid = fork();
	int status;

	/* flock is per open file description: a second process must fail. */
	if (pid == 0)
		_exit(store_open(dir, &st2, err) < 0 && strstr(err->str, "another mcbot") ? 0 : 1);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	store_close(st);
	g_string_free(err, TRUE);
	rmtree(dir);
	g_free(dir);
}

/* Readers work next to the locked writer, and cannot commit. */
static void
test_readonly(void)
{
	char *dir = scratch_dir();
	struct store *st = open_ok(dir), *ro = NULL;
	GString *err = g_string_new(NULL);
	struct txn *t;

	add_mc(st, "Android MC", "<k1@x>");
	g_assert_cmpint(store_open_readonly(dir, &ro, err), ==, 0);
	check_mc(ro);
	t = txn_new(ro);
	txn_processed(t, "<k2@x>");
	g_assert_cmpint(txn_commit(t, err), ==, -1);
	g_assert_nonnull(strstr(err->str, "read-only"));
	txn_free(t);
	store_close(ro);
	g_assert_cmpint(store_open_readonly("/nonexistent/mcbot", &ro, err), ==, 0);
	g_assert_cmpuint(store_mcs(ro)->len, ==, 0);
	store_close(ro);
	store_close(st);
	g_string_free(err, TRUE);
	rmtree(dir);
	g_free(dir);
}

static char *
read_all(const char *dir, const char *rel)
{
	char *p = g_build_filename(dir, rel, NULL), *data = NULL;

	util_read_file(p, 0, &data, NULL, NULL);
	g_free(p);
	return data ? data : g_strdup("");
}

/* Crash after every durable step of a commit; the reopened store always
 * ends with the whole transaction or none of it. */
static void
test_crash_every_step(void)
{
	for (int n = 1; n <= 12; n++) {
		char *dir = scratch_dir();
		char *env = g_strdup_printf("%d", n);
		pid_t pid = fork();
		int status;
		struct store *st;
		struct mc *mc;

		if (pid == 0) {
			g_setenv("MCBOT_CRASH_AFTER", env, TRUE);
			st = open_ok(dir);
			add_mc(st, "Android MC", "<k1@x>");
			_exit(0);
		}
		g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
		g_assert_true(WIFEXITED(status));
		st = open_ok(dir);
		mc = store_mc_by_id(st, 1);
		if (WEXITSTATUS(status) == 99) {
			/* Crashed after the journal was written: replay completes it. */
			g_assert_nonnull(mc);
			check_mc(st);
		} else {
			g_assert_cmpint(WEXITSTATUS(status), ==, 0);
			check_mc(st);
		}
		{
			char *proc = read_all(dir, "processed");
			char *log = read_all(dir, "mc/1/log");

			g_assert_cmpstr(proc, ==, "<k1@x>\tdone\n");
			g_assert_cmpstr(log, ==, "1000\ta@example.org\tproposed\n");
			g_free(proc);
			g_free(log);
		}
		store_close(st);
		/* A second reopen changes nothing more. */
		st = open_ok(dir);
		check_mc(st);
		store_close(st);
		rmtree(dir);
		g_free(dir);
		g_free(env);
	}
}

static void
test_torn_journal_dropped(void)
{
	char *dir = scratch_dir();
	struct store *st = open_ok(dir);
	char *j;
	const char torn[] = "mcbot-journal 1\nW mc/9/proposal 5\nabc";

	store_close(st);
	j = g_build_filename(dir, "journal", "7", NULL);
	g_assert_cmpint(util_write_atomic(j, torn, strlen(torn), NULL), ==, 0);
	st = open_ok(dir);
	g_assert_null(store_mc_by_id(st, 9));
	g_assert_false(g_file_test(j, G_FILE_TEST_EXISTS));
	store_close(st);
	rmtree(dir);
	g_free(j);
	g_free(dir);
}

static void
test_journal_path_escape_refused(void)
{
	char *dir = scratch_dir();
	struct store *st = open_ok(dir);
	char *j, *escaped;
	const char bad[] = "mcbot-journal 1\nW ../escaped 3\nabc\nEND\n";

	store_close(st);
	j = g_build_filename(dir, "journal", "3", NULL);
	g_assert_cmpint(util_write_atomic(j, bad, strlen(bad), NULL), ==, 0);
	st = open_ok(dir);
	escaped = g_build_filename(dir, "..", "escaped", NULL);
	g_assert_false(g_file_test(escaped, G_FILE_TEST_EXISTS));
	store_close(st);
	rmtree(dir);
	g_free(escaped);
	g_free(j);
	g_free(dir);
}

/* Queue files a journal record would make again, but which were sent (or
 * failed) before the crash, are not queued again. */
static void
test_journal_skips_sent(void)
{
	char *dir = scratch_dir();
	struct store *st = open_ok(dir);
	const char rec[] = "mcbot-journal 1\nW outbox/new/aaa 2\na\n\nW outbox/new/bbb 2\nb\n\n"
			   "W outbox/new/ccc 2\nc\n\nA processed 0 8\nk\tdone\n\n\nEND\n";
	char *j, *p;

	store_close(st);
	for (int i = 0; i < 2; i++) {
		p = g_build_filename(dir, "outbox", i ? "failed" : "sent", NULL);
		g_assert_cmpint(g_mkdir_with_parents(p, 0700), ==, 0);
		g_free(p);
		p = g_build_filename(dir, "outbox", i ? "failed" : "sent", i ? "bbb" : "aaa", NULL);
		g_assert_true(g_file_set_contents(p, "x", 1, NULL));
		g_free(p);
	}
	j = g_build_filename(dir, "journal", "4", NULL);
	g_assert_cmpint(util_write_atomic(j, rec, strlen(rec), NULL), ==, 0);
	st = open_ok(dir);
	g_assert_false(g_file_test(j, G_FILE_TEST_EXISTS));
	for (int i = 0; i < 3; i++) {
		char *rel = g_strdup_printf("outbox/new/%s", i == 0 ? "aaa" : i == 1 ? "bbb" : "ccc");

		p = g_build_filename(dir, rel, NULL);
		g_assert_cmpint(g_file_test(p, G_FILE_TEST_EXISTS), ==, i == 2);
		g_free(p);
		g_free(rel);
	}
	g_assert_true(store_processed(st, "k"));
	store_close(st);
	rmtree(dir);
	g_free(j);
	g_free(dir);
}

struct applied {
	const char *dir;
	int calls;
	int rc;
};

/* The hook runs with the queue file written and the journal record still there. */
static int
applied_hook(void *data, GString *err)
{
	struct applied *a = data;
	char *q = g_build_filename(a->dir, "outbox", "new", "q1", NULL);

	g_assert_true(g_file_test(q, G_FILE_TEST_EXISTS));
	g_assert_cmpuint(scratch_count(a->dir, "journal"), ==, 1);
	a->calls++;
	g_free(q);
	if (a->rc < 0)
		g_string_append(err, "hook said no");
	return a->rc;
}

static void
test_applied_hook(void)
{
	char *dir = scratch_dir();
	struct store *st = open_ok(dir);
	struct applied a = { .dir = dir };
	GString *err = g_string_new(NULL);

	store_on_applied(st, applied_hook, &a);
	for (int i = 0; i < 2; i++) {
		struct txn *t = txn_new(st);
		GBytes *b = g_bytes_new_static("x", 1);
		char *key = g_strdup_printf("m%d", i);

		txn_queue_mail(t, "q1", b);
		txn_processed(t, key);
		txn_stage(t);
		txn_free(t);
		g_bytes_unref(b);
		a.rc = i ? -1 : 0;
		g_string_truncate(err, 0);
		/* a hook that fails fails the flush, which still completes */
		g_assert_cmpint(store_flush(st, err), ==, a.rc);
		g_assert_cmpint(a.calls, ==, i + 1);
		if (i)
			g_assert_nonnull(strstr(err->str, "hook said no"));
		g_assert_true(store_processed(st, key));
		g_assert_cmpuint(scratch_count(dir, "journal"), ==, 0);
		g_free(key);
	}
	/* nothing staged: no flush, no call */
	g_assert_cmpint(store_flush(st, err), ==, 0);
	g_assert_cmpint(a.calls, ==, 2);
	store_on_applied(st, NULL, NULL);
	store_close(st);
	g_string_free(err, TRUE);
	rmtree(dir);
	g_free(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/store/commit-and-reopen", test_commit_and_reopen);
	g_test_add_func("/store/slugs-unique", test_slugs_unique);
	g_test_add_func("/store/lock", test_lock);
	g_test_add_func("/store/readonly", test_readonly);
	g_test_add_func("/store/crash-every-step", test_crash_every_step);
	g_test_add_func("/store/torn-journal", test_torn_journal_dropped);
	g_test_add_func("/store/journal-path-escape", test_journal_path_escape_refused);
	g_test_add_func("/store/journal-skips-sent", test_journal_skips_sent);
	g_test_add_func("/store/applied-hook", test_applied_hook);
	return g_test_run();
}
