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
	return g_test_run();
}
