/*
 * test_store_batch.c - group commit folds a batch's changes per file (the
 * same files as one commit per change), line files of an MC are appended
 * to, an unchanged proposal is not rewritten, store_read_file's cache
 * sees an edit made by hand, and a removed directory is made again.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bot/store.h"
#include "bot/util.h"
#include "scratch.h"

static char *
read_rel(const char *dir, const char *rel)
{
	char *p = g_build_filename(dir, rel, NULL), *data = NULL;

	if (util_read_file(p, 0, &data, NULL, NULL) < 0)
		data = g_strdup("(absent)");
	g_free(p);
	return data;
}

static void
write_rel(const char *dir, const char *rel, const char *text)
{
	char *p = g_build_filename(dir, rel, NULL);

	g_assert_true(g_file_set_contents(p, text, -1, NULL));
	g_free(p);
}

static ino_t
inode_of(const char *dir, const char *rel)
{
	char *p = g_build_filename(dir, rel, NULL);
	struct stat sb;

	g_assert_cmpint(stat(p, &sb), ==, 0);
	g_free(p);
	return sb.st_ino;
}

static GBytes *
text(const char *s)
{
	return g_bytes_new(s, strlen(s));
}

/* Each step is one transaction: committed at once, or staged for one
 * flush at the end. */
static void
done(struct store *st, struct txn *t, gboolean batch)
{
	if (batch) {
		txn_stage(t);
	} else {
		g_assert_cmpint(txn_commit(t, NULL), ==, 0);
	}
	txn_free(t);
}

static void
file_step(struct store *st, gboolean batch, char kind, const char *rel, const char *s)
{
	struct txn *t = txn_new(st);
	GBytes *b = text(s);

	if (kind == 'W')
		txn_write_file(t, rel, b);
	else if (kind == 'A')
		txn_append_file(t, rel, b);
	else
		txn_remove_file(t, rel);
	g_bytes_unref(b);
	done(st, t, batch);
}

static void
rsvp_step(struct store *st, gboolean batch, int id, const char *email, const char *thread)
{
	struct txn *t = txn_new(st);
	struct mc *mc = mc_dup(store_mc_by_id(st, id));
	int found = -1;

	for (guint i = 0; i < mc->rsvps->len; i++)
		if (strcmp(((struct rsvp *)mc->rsvps->pdata[i])->email, email) == 0)
			found = (int)i;
	if (found >= 0) {
		g_ptr_array_remove_index(mc->rsvps, (guint)found);
	} else {
		struct rsvp *r = g_new0(struct rsvp, 1);

		r->email = g_strdup(email);
		r->name = g_strdup("Some One");
		r->date = 7;
		g_ptr_array_add(mc->rsvps, r);
	}
	g_ptr_array_add(mc->threads, g_strdup(thread));
	txn_put_rsvps(t, mc);
	txn_log(t, id, 5, email, found >= 0 ? "rsvp cancelled" : "rsvp");
	txn_put_mc(t, mc);
	txn_processed(t, thread);
	done(st, t, batch);
}

static void
new_mc_step(struct store *st, gboolean batch, const char *title)
{
	struct txn *t = txn_new(st);
	struct mc *mc = txn_new_mc(t, title);

	mc->version = 1;
	g_ptr_array_add(mc->threads, g_strconcat(title, "@example.org", NULL));
	txn_put_version(t, mc->id, 1, "From: x\n\nbody\n", 14);
	txn_log(t, mc->id, 1, "a@example.org", "proposed");
	txn_put_mc(t, mc);
	done(st, t, batch);
}

static void
retitle_step(struct store *st, gboolean batch, int id, const char *title)
{
	struct txn *t = txn_new(st);
	struct mc *mc = mc_dup(store_mc_by_id(st, id));

	g_free(mc->title);
	mc->title = g_strdup(title);
	txn_put_mc(t, mc);
	done(st, t, batch);
}

/* The same changes, one commit each or one flush for all. */
static void
changes(struct store *st, gboolean batch)
{
	new_mc_step(st, batch, "Android");
	file_step(st, batch, 'W', "org/settings", "one\n");
	file_step(st, batch, 'A', "limits/day", "a\n");
	file_step(st, batch, 'W', "org/settings", "two, longer\n");
	file_step(st, batch, 'A', "limits/day", "b\n");
	rsvp_step(st, batch, 1, "p@example.org", "r1@x");
	new_mc_step(st, batch, "Tracing");
	rsvp_step(st, batch, 1, "q@example.org", "r2@x");
	file_step(st, batch, 'W', "org/mixed", "base\n");
	file_step(st, batch, 'A', "org/mixed", "more\n");
	file_step(st, batch, 'A', "org/gone", "x\n");
	file_step(st, batch, 'D', "org/gone", "");
	file_step(st, batch, 'D', "org/again", "");
	file_step(st, batch, 'A', "org/again", "fresh\n");
	rsvp_step(st, batch, 1, "p@example.org", "r3@x");    /* a cancellation */
	retitle_step(st, batch, 2, "Tracing and more");
	rsvp_step(st, batch, 2, "p@example.org", "r4@x");
	file_step(st, batch, 'A', "limits/day", "c\n");
}

static const char *const files[] = {
	"processed", "next-id", "org/settings", "org/mixed", "org/gone", "org/again",
	"limits/day", "mc/1/proposal", "mc/1/rsvps", "mc/1/threads", "mc/1/log",
	"mc/1/versions/1.eml", "mc/2/proposal", "mc/2/rsvps", "mc/2/threads", "mc/2/log", NULL,
};

/* store_read_tail from every offset is the end of what store_read_file
 * gives, NUL after it, with the whole size. */
static void
assert_tails(struct store *st, const char *rel)
{
	GBytes *whole = store_read_file(st, rel, 0);
	gsize len = whole ? g_bytes_get_size(whole) : 0;

	for (gsize from = 0; from <= len + 2; from++) {
		gsize size = 7;
		GBytes *tail = store_read_tail(st, rel, from, &size);
		gsize n;
		const char *p;

		if (whole == NULL) {
			g_assert_null(tail);
			g_assert_cmpuint(size, ==, 0);
			break;
		}
		g_assert_nonnull(tail);
		g_assert_cmpuint(size, ==, len);
		p = g_bytes_get_data(tail, &n);
		g_assert_cmpuint(n, ==, from < len ? len - from : 0);
		if (n)
			g_assert_cmpmem(p, n, (const char *)g_bytes_get_data(whole, NULL) + from, n);
		g_assert_cmpint(p ? p[n] : 0, ==, 0);
		g_bytes_unref(tail);
	}
	if (whole)
		g_bytes_unref(whole);
}

static void
test_folded_same_files(void)
{
	char *one = scratch_dir(), *all = scratch_dir();
	struct store *a = open_ok(one), *b = open_ok(all);
	GString *err = g_string_new(NULL);

	changes(a, FALSE);
	changes(b, TRUE);
	{
		/* Staged, not flushed: store_read_file sees the batch's changes. */
		GBytes *r = store_read_file(b, "org/mixed", 0);

		g_assert_cmpstr(g_bytes_get_data(r, NULL), ==, "base\nmore\n");
		g_bytes_unref(r);
		/* ... and so does store_read_tail, staged or not. */
		for (int i = 0; files[i]; i++) {
			assert_tails(a, files[i]);
			assert_tails(b, files[i]);
		}
	}
	g_assert_cmpint(store_flush(b, err), ==, 0);
	for (int i = 0; files[i]; i++)
		assert_tails(b, files[i]);
	for (int i = 0; files[i]; i++) {
		char *x = read_rel(one, files[i]), *y = read_rel(all, files[i]);

		g_assert_cmpstr(y, ==, x);
		g_free(x);
		g_free(y);
	}
	{
		char *s = read_rel(all, "org/mixed"), *day = read_rel(all, "limits/day");
		char *r1 = read_rel(all, "mc/1/rsvps"), *th = read_rel(all, "mc/1/threads");

		g_assert_cmpstr(s, ==, "base\nmore\n");
		g_assert_cmpstr(day, ==, "a\nb\nc\n");
		g_assert_cmpstr(r1, ==, "q@example.org\tSome One\t7\n");
		g_assert_cmpstr(th, ==, "Android@example.org\nr1@x\nr2@x\nr3@x\n");
		g_free(s);
		g_free(day);
		g_free(r1);
		g_free(th);
	}
	store_close(a);
	store_close(b);
	/* Reopened, both read back the same MCs. */
	a = open_ok(one);
	b = open_ok(all);
	g_assert_cmpuint(store_mcs(b)->len, ==, 2);
	g_assert_true(store_mc_by_thread(b, "r4@x") == store_mc_by_id(b, 2));
	g_assert_cmpstr(store_mc_by_id(b, 2)->title, ==, "Tracing and more");
	g_assert_cmpuint(store_mc_by_id(b, 1)->threads->len, ==, 4);
	g_assert_cmpuint(store_mc_by_id(a, 1)->rsvps->len, ==, 1);
	g_assert_cmpuint(store_mc_by_id(b, 1)->rsvps->len, ==, 1);
	store_close(a);
	store_close(b);
	g_string_free(err, TRUE);
	rmtree(one);
	rmtree(all);
	g_free(one);
	g_free(all);
}

/* A batch crashed after every durable step: the reopened store has all
 * of it or none, and the same files as an uninterrupted batch. */
static void
test_folded_crash(void)
{
	char *ref = scratch_dir();
	struct store *st = open_ok(ref);

	changes(st, TRUE);
	g_assert_cmpint(store_flush(st, NULL), ==, 0);
	store_close(st);
	for (int n = 1; n <= 40; n++) {
		char *dir = scratch_dir(), *env = g_strdup_printf("%d", n);
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			g_setenv("MCBOT_CRASH_AFTER", env, TRUE);
			st = open_ok(dir);
			changes(st, TRUE);
			store_flush(st, NULL);
			_exit(0);
		}
		g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
		g_assert_true(WIFEXITED(status));
		st = open_ok(dir);
		store_close(st);
		for (int i = 0; files[i]; i++) {
			char *x = read_rel(ref, files[i]), *y = read_rel(dir, files[i]);

			/* the first step is the journal record: all of it, replayed */
			g_assert_cmpstr(y, ==, x);
			g_free(x);
			g_free(y);
		}
		rmtree(dir);
		g_free(dir);
		g_free(env);
		if (WEXITSTATUS(status) == 0)
			break;
	}
	rmtree(ref);
	g_free(ref);
}

/* An RSVP appends to rsvps and threads; the proposal file stays. */
static void
test_rsvp_appends(void)
{
	char *dir = scratch_dir();
	struct store *st = open_ok(dir);
	ino_t prop, rsvps, threads;

	new_mc_step(st, FALSE, "Android");
	rsvp_step(st, FALSE, 1, "p@example.org", "r1@x");
	prop = inode_of(dir, "mc/1/proposal");
	rsvps = inode_of(dir, "mc/1/rsvps");
	threads = inode_of(dir, "mc/1/threads");
	rsvp_step(st, FALSE, 1, "q@example.org", "r2@x");
	g_assert_true(inode_of(dir, "mc/1/proposal") == prop);
	g_assert_true(inode_of(dir, "mc/1/rsvps") == rsvps);
	g_assert_true(inode_of(dir, "mc/1/threads") == threads);
	/* A cancellation rewrites the rsvps file; a new title the proposal. */
	rsvp_step(st, FALSE, 1, "p@example.org", "r3@x");
	g_assert_true(inode_of(dir, "mc/1/rsvps") != rsvps);
	retitle_step(st, FALSE, 1, "Android and more");
	g_assert_true(inode_of(dir, "mc/1/proposal") != prop);
	store_close(st);
	st = open_ok(dir);
	g_assert_cmpuint(store_mc_by_id(st, 1)->rsvps->len, ==, 1);
	g_assert_cmpuint(store_mc_by_id(st, 1)->threads->len, ==, 4);
	g_assert_true(store_mc_by_thread(st, "r3@x") == store_mc_by_id(st, 1));
	store_close(st);
	rmtree(dir);
	g_free(dir);
}

/* Thread lines of an older proposal file are still read; they move to the
 * threads file when the proposal is next rewritten. */
static void
test_old_thread_lines(void)
{
	char *dir = scratch_dir(), *p, *th;
	struct store *st;

	p = g_build_filename(dir, "mc", "1", NULL);
	g_assert_cmpint(g_mkdir_with_parents(p, 0700), ==, 0);
	g_free(p);
	write_rel(dir, "mc/1/proposal", "mcbot-mc 1\nId: 1\nSlug: a\nTitle: A\nStatus: proposed\n"
		  "Version: 1\nThread: old1@x\nThread: old2@x\n\ndesc\n");
	write_rel(dir, "mc/1/rsvps", "p@example.org\tP\t1");     /* no last LF */
	st = open_ok(dir);
	g_assert_true(store_mc_by_thread(st, "old2@x") == store_mc_by_id(st, 1));
	rsvp_step(st, FALSE, 1, "q@example.org", "new1@x");
	p = read_rel(dir, "mc/1/proposal");
	th = read_rel(dir, "mc/1/threads");
	g_assert_nonnull(strstr(p, "Thread: old1@x\n"));
	g_assert_cmpstr(th, ==, "new1@x\n");
	g_free(p);
	g_free(th);
	store_close(st);
	st = open_ok(dir);
	g_assert_cmpuint(store_mc_by_id(st, 1)->rsvps->len, ==, 2);
	g_assert_cmpuint(store_mc_by_id(st, 1)->threads->len, ==, 3);
	g_assert_cmpstr(store_mc_by_id(st, 1)->threads->pdata[2], ==, "new1@x");
	retitle_step(st, FALSE, 1, "B");
	p = read_rel(dir, "mc/1/proposal");
	th = read_rel(dir, "mc/1/threads");
	g_assert_null(strstr(p, "Thread:"));
	g_assert_cmpstr(th, ==, "old1@x\nold2@x\nnew1@x\n");
	g_free(p);
	g_free(th);
	store_close(st);
	st = open_ok(dir);
	g_assert_cmpuint(store_mc_by_id(st, 1)->threads->len, ==, 3);
	store_close(st);
	rmtree(dir);
	g_free(dir);
}

static char *
read_view(struct store *st, const char *rel)
{
	GBytes *b = store_read_file(st, rel, 0);
	char *s = b ? g_strdup(g_bytes_get_data(b, NULL)) : g_strdup("(none)");

	if (b)
		g_bytes_unref(b);
	return s;
}

/* store_read_file keeps what it read, but sees a change made by hand. */
static void
test_read_cache_stale(void)
{
	char *dir = scratch_dir(), *s;
	struct store *st = open_ok(dir);
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 1000000, 0 } };
	char *path = g_build_filename(dir, "org", "settings", NULL);

	file_step(st, FALSE, 'W', "org/settings", "cfp=open\n");
	s = read_view(st, "org/settings");
	g_assert_cmpstr(s, ==, "cfp=open\n");
	g_free(s);
	write_rel(dir, "org/settings", "cfp=closed, by hand\n");      /* another size */
	s = read_view(st, "org/settings");
	g_assert_cmpstr(s, ==, "cfp=closed, by hand\n");
	g_free(s);
	/* the same size, written in place: the modification time differs */
	{
		int fd = open(path, O_WRONLY);

		g_assert_cmpint(fd, >=, 0);
		g_assert_cmpint(pwrite(fd, "CFP", 3, 0), ==, 3);
		g_assert_cmpint(futimens(fd, ts), ==, 0);
		close(fd);
	}
	s = read_view(st, "org/settings");
	g_assert_cmpstr(s, ==, "CFP=closed, by hand\n");
	g_free(s);
	/* a change of ours, staged then flushed */
	file_step(st, TRUE, 'A', "org/settings", "more\n");
	s = read_view(st, "org/settings");
	g_assert_cmpstr(s, ==, "CFP=closed, by hand\nmore\n");
	g_free(s);
	g_assert_cmpint(store_flush(st, NULL), ==, 0);
	s = read_view(st, "org/settings");
	g_assert_cmpstr(s, ==, "CFP=closed, by hand\nmore\n");
	g_free(s);
	unlink(path);
	s = read_view(st, "org/settings");
	g_assert_cmpstr(s, ==, "(none)");
	g_free(s);
	/* larger than max reads as absent */
	write_rel(dir, "org/settings", "0123456789");
	g_assert_null(store_read_file(st, "org/settings", 5));
	s = read_view(st, "org/settings");
	g_assert_cmpstr(s, ==, "0123456789");
	g_free(s);
	store_close(st);
	g_free(path);
	rmtree(dir);
	g_free(dir);
}

/* A directory removed by hand while the store is open is made again. */
static void
test_dir_removed(void)
{
	char *dir = scratch_dir(), *s, *org = g_build_filename(dir, "org", NULL);
	struct store *st = open_ok(dir);

	file_step(st, FALSE, 'W', "org/a", "1\n");
	rmtree(org);
	file_step(st, FALSE, 'W', "org/b", "2\n");
	s = read_rel(dir, "org/b");
	g_assert_cmpstr(s, ==, "2\n");
	g_free(s);
	store_close(st);
	g_free(org);
	rmtree(dir);
	g_free(dir);
}

/* a and b the same, field by field, RSVPs and threads included. */
static void
assert_same_mc(const struct mc *a, const struct mc *b)
{
	g_assert_true(a && b);
	g_assert_cmpstr(a->title, ==, b->title);
	g_assert_cmpuint(a->rsvps->len, ==, b->rsvps->len);
	for (guint i = 0; i < a->rsvps->len; i++) {
		const struct rsvp *r = a->rsvps->pdata[i], *q = b->rsvps->pdata[i];

		g_assert_cmpstr(r->email, ==, q->email);
		g_assert_cmpstr(r->name, ==, q->name);
		g_assert_cmpint(r->date, ==, q->date);
	}
	g_assert_cmpuint(a->threads->len, ==, b->threads->len);
	for (guint i = 0; i < a->threads->len; i++)
		g_assert_cmpstr(a->threads->pdata[i], ==, b->threads->pdata[i]);
}

/*
 * After RSVPs and threads are added to an MC (names and Message-IDs with
 * tabs, line breaks and empty ones among them), or one is cancelled,
 * memory holds what a reopened store reads from the files.
 */
static void
test_memory_is_disk(void)
{
	static const char *const names[] = { "Tab\there", "Line\nbreak", "Bidi \xe2\x80\xae x",
					     "Plain", "", NULL };
	char *dir = scratch_dir();
	struct store *st = open_ok(dir);
	struct mc *kept;

	new_mc_step(st, FALSE, "Tracing");
	for (int i = 0; names[i]; i++) {
		struct txn *t = txn_new(st);
		struct mc *mc = mc_dup(store_mc_by_id(st, 1));
		struct rsvp *r = g_new0(struct rsvp, 1);

		r->email = g_strdup_printf("p%d@example.org", i);
		r->name = g_strdup(names[i]);
		r->date = 10 + i;
		g_ptr_array_add(mc->rsvps, r);
		if (i == 3)     /* a cancellation with it */
			g_ptr_array_remove_index(mc->rsvps, 0);
		g_ptr_array_add(mc->threads, g_strdup_printf("t%d@x\nmore", i));
		if (i == 2)
			g_ptr_array_add(mc->threads, g_strdup(""));
		txn_put_rsvps(t, mc);
		txn_put_mc(t, mc);
		/* staged in a batch every other time */
		done(st, t, i % 2 == 1);
		if (i % 2 == 1)
			g_assert_cmpint(store_flush(st, NULL), ==, 0);
	}
	kept = mc_dup(store_mc_by_id(st, 1));
	g_assert_cmpuint(kept->rsvps->len, ==, 4);
	store_close(st);
	st = open_ok(dir);
	assert_same_mc(kept, store_mc_by_id(st, 1));
	mc_free(kept);
	store_close(st);
	rmtree(dir);
	g_free(dir);
}

/*
 * txn_add_rsvp: the MC in memory gets the RSVP and thread as a reopened
 * store reads them, a reply to the thread finds the MC, and the files
 * only grow (the rsvps and threads files keep their inode).
 */
static void
test_add_rsvp(void)
{
	static const char *const names[] = { "Tab\there", "Line\nbreak", "Plain", NULL };
	char *dir = scratch_dir();
	struct store *st = open_ok(dir);
	struct mc *kept;
	ino_t rsvps_ino = 0;

	new_mc_step(st, FALSE, "Tracing");
	for (int i = 0; names[i]; i++) {
		struct txn *t = txn_new(st);
		struct rsvp r = { .name = (char *)names[i], .date = 20 + i };
		char *thread = g_strdup_printf("reply%d@x\nmore", i);

		r.email = g_strdup_printf("a%d@example.org", i);
		txn_add_rsvp(t, 1, &r, thread);
		done(st, t, i == 1);
		if (i == 1)
			g_assert_cmpint(store_flush(st, NULL), ==, 0);
		if (i == 0)
			rsvps_ino = inode_of(dir, "mc/1/rsvps");
		g_assert_cmpuint(store_mc_by_id(st, 1)->rsvps->len, ==, (guint)i + 1);
		g_free(r.email);
		g_free(thread);
	}
	g_assert_true(inode_of(dir, "mc/1/rsvps") == rsvps_ino);
	g_assert_true(store_mc_by_thread(st, "reply2@x more") == store_mc_by_id(st, 1));
	kept = mc_dup(store_mc_by_id(st, 1));
	store_close(st);
	st = open_ok(dir);
	assert_same_mc(kept, store_mc_by_id(st, 1));
	g_assert_true(store_mc_by_thread(st, "reply2@x more") == store_mc_by_id(st, 1));
	mc_free(kept);
	store_close(st);
	rmtree(dir);
	g_free(dir);
}

/* Adding an RSVP and putting the whole MC in one transaction is refused. */
static void
test_add_rsvp_no_mix(void)
{
	/* made by the parent, so that it can remove it after the child's abort */
	char *dir = g_strdup_printf("%s/mcbot-test-nomix-%d", g_get_tmp_dir(),
				    (int)(g_test_subprocess() ? getppid() : getpid()));

	if (g_test_subprocess()) {
		struct store *st = open_ok(dir);
		struct txn *t;
		struct rsvp r = { .email = "a@example.org", .name = "A", .date = 1 };

		new_mc_step(st, FALSE, "Tracing");
		t = txn_new(st);
		txn_add_rsvp(t, 1, &r, NULL);
		txn_put_mc(t, mc_dup(store_mc_by_id(st, 1)));
		return;
	}
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_failed();
	g_test_trap_assert_stderr("*txn_add_rsvp and a whole MC*");
	rmtree(dir);
	g_free(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/store-batch/folded-same-files", test_folded_same_files);
	g_test_add_func("/store-batch/folded-crash", test_folded_crash);
	g_test_add_func("/store-batch/rsvp-appends", test_rsvp_appends);
	g_test_add_func("/store-batch/old-thread-lines", test_old_thread_lines);
	g_test_add_func("/store-batch/read-cache-stale", test_read_cache_stale);
	g_test_add_func("/store-batch/dir-removed", test_dir_removed);
	g_test_add_func("/store-batch/memory-is-disk", test_memory_is_disk);
	g_test_add_func("/store-batch/add-rsvp", test_add_rsvp);
	g_test_add_func("/store-batch/add-rsvp-no-mix", test_add_rsvp_no_mix);
	return g_test_run();
}
