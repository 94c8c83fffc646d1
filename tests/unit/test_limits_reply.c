/* Unit tests for bot/limits_reply.c: the per-sender cap, the outbox brake,
 * hard bounces and the daily counters, on a real store in a temporary
 * directory. */
#include <string.h>
#include <glib/gstdio.h>

#include "bot/config.h"
#include "bot/limits_reply.h"
#include "bot/store.h"
#include "scratch.h"

#define DAY0 1767258000         /* 2026-01-01 09:00 UTC */

struct env {
	char *dir;
	struct store *st;
	struct config *cfg;
};

static void
env_open(struct env *e)
{
	GString *err = g_string_new(NULL);

	e->dir = g_dir_make_tmp("mcbot-limits-XXXXXX", NULL);
	g_assert_nonnull(e->dir);
	g_assert_cmpint(store_open(e->dir, &e->st, err), ==, 0);
	e->cfg = config_defaults();
	g_free(e->cfg->state_dir);
	e->cfg->state_dir = g_strdup(e->dir);
	g_string_free(err, TRUE);
}

static void
env_close(struct env *e)
{
	store_close(e->st);
	config_free(e->cfg);
	rmtree(e->dir);
	g_free(e->dir);
}

static void
commit(struct txn *t)
{
	GString *err = g_string_new(NULL);

	g_assert_cmpint(txn_commit(t, err), ==, 0);
	txn_free(t);
	g_string_free(err, TRUE);
}

static char *
read_rel(const struct env *e, const char *rel)
{
	char *p = g_build_filename(e->dir, rel, NULL), *data = NULL;

	if (!g_file_get_contents(p, &data, NULL, NULL))
		data = NULL;
	g_free(p);
	return data;
}

static void
test_sender_cap(void)
{
	struct env e;

	env_open(&e);
	e.cfg->max_replies_per_sender_day = 2;
	for (int i = 0; i < 2; i++) {
		struct txn *t = txn_new(e.st);

		g_assert_null(limits_reply_refusal(e.cfg, e.st, DAY0, "Ann@Example.org"));
		limits_reply_note(t, e.st, DAY0, "Ann@Example.org");
		/* Staged changes count at once, for the next mail of a batch. */
		txn_stage(t);
		txn_free(t);
	}
	g_assert_cmpstr(limits_reply_refusal(e.cfg, e.st, DAY0, "ann@example.org"), ==,
			"sender-cap");
	g_assert_null(limits_reply_refusal(e.cfg, e.st, DAY0, "bob@example.org"));
	/* The next UTC day starts again; 0 turns the cap off. */
	g_assert_null(limits_reply_refusal(e.cfg, e.st, DAY0 + 86400, "ann@example.org"));
	e.cfg->max_replies_per_sender_day = 0;
	g_assert_null(limits_reply_refusal(e.cfg, e.st, DAY0, "ann@example.org"));
	e.cfg->max_replies_per_sender_day = 2;
	g_assert_cmpint(store_flush(e.st, NULL), ==, 0);
	{
		char *data = read_rel(&e, "limits/replies/2026-01-01");

		g_assert_cmpstr(data, ==, "ann@example.org\nann@example.org\n");
		g_free(data);
	}
	/* Organizers have no cap. */
	e.cfg->organizers = g_new0(char *, 2);
	e.cfg->organizers[0] = g_strdup("ann@example.org");
	g_assert_null(limits_reply_refusal(e.cfg, e.st, DAY0, "ann@example.org"));
	env_close(&e);
}

static void
test_prune(void)
{
	struct env e;
	struct txn *t;
	char *data;

	env_open(&e);
	t = txn_new(e.st);
	limits_reply_note(t, e.st, DAY0 - 2 * 86400, "a@example.org");
	commit(t);
	t = txn_new(e.st);
	limits_reply_note(t, e.st, DAY0 - 86400, "a@example.org");
	commit(t);
	data = read_rel(&e, "limits/replies/2025-12-30");
	g_assert_cmpstr(data, ==, "a@example.org\n");
	g_free(data);
	/* The first reply of a day removes the files older than yesterday. */
	t = txn_new(e.st);
	limits_reply_note(t, e.st, DAY0, "a@example.org");
	commit(t);
	data = read_rel(&e, "limits/replies/2025-12-30");
	g_assert_null(data);
	data = read_rel(&e, "limits/replies/2025-12-31");
	g_assert_cmpstr(data, ==, "a@example.org\n");
	g_free(data);
	env_close(&e);
}

/* limits_reply_check() and limits_reply_note_seen() read the day file once
 * and do what limits_reply_refusal() and limits_reply_note() do. */
static void
test_check_then_note(void)
{
	struct env e;
	struct txn *t;
	char *data;
	int day_file = 7;

	env_open(&e);
	e.cfg->max_replies_per_sender_day = 2;
	t = txn_new(e.st);
	limits_reply_note(t, e.st, DAY0 - 3 * 86400, "a@example.org");
	commit(t);
	/* the first reply of the day: the file is missing, older ones go */
	g_assert_null(limits_reply_check(e.cfg, e.st, DAY0, "a@example.org", &day_file));
	g_assert_cmpint(day_file, ==, 0);
	t = txn_new(e.st);
	limits_reply_note_seen(t, e.st, DAY0, "a@example.org", day_file);
	commit(t);
	data = read_rel(&e, "limits/replies/2025-12-29");
	g_assert_null(data);
	g_assert_null(limits_reply_check(e.cfg, e.st, DAY0 + 60, "A@example.org", &day_file));
	g_assert_cmpint(day_file, ==, 1);
	t = txn_new(e.st);
	limits_reply_note_seen(t, e.st, DAY0 + 60, "A@example.org", day_file);
	commit(t);
	data = read_rel(&e, "limits/replies/2026-01-01");
	g_assert_cmpstr(data, ==, "a@example.org\na@example.org\n");
	g_free(data);
	g_assert_cmpstr(limits_reply_check(e.cfg, e.st, DAY0, "a@example.org", &day_file), ==,
			"sender-cap");
	/* nothing read: the note reads for itself */
	e.cfg->max_replies_per_sender_day = 0;
	g_assert_null(limits_reply_check(e.cfg, e.st, DAY0 + 86400, "b@example.org", &day_file));
	g_assert_cmpint(day_file, ==, -1);
	t = txn_new(e.st);
	limits_reply_note_seen(t, e.st, DAY0 + 86400, "b@example.org", day_file);
	commit(t);
	data = read_rel(&e, "limits/replies/2026-01-02");
	g_assert_cmpstr(data, ==, "b@example.org\n");
	g_free(data);
	/* the day's name, asked again within the day and after it */
	data = limits_reply_day(DAY0 + 86400 - 9 * 3600 - 1);
	g_assert_cmpstr(data, ==, "2026-01-01");
	g_free(data);
	data = limits_reply_day(DAY0 + 86400 - 9 * 3600);
	g_assert_cmpstr(data, ==, "2026-01-02");
	g_free(data);
	data = limits_reply_day(DAY0 - 9 * 3600 - 1);
	g_assert_cmpstr(data, ==, "2025-12-31");
	g_free(data);
	env_close(&e);
}

static void
test_counters(void)
{
	struct env e;
	struct txn *t;
	char *data;

	env_open(&e);
	t = txn_new(e.st);
	limits_reply_count(t, e.st, LIMITS_DROPPED_FILE, DAY0, "list");
	txn_stage(t);
	txn_free(t);
	t = txn_new(e.st);
	limits_reply_count(t, e.st, LIMITS_DROPPED_FILE, DAY0, "list");
	limits_reply_count(t, e.st, LIMITS_WITHHELD_FILE, DAY0, "sender-cap");
	txn_stage(t);
	txn_free(t);
	t = txn_new(e.st);
	limits_reply_count(t, e.st, LIMITS_DROPPED_FILE, DAY0 + 86400, "odd\treason\nx");
	commit(t);
	data = read_rel(&e, LIMITS_DROPPED_FILE);
	g_assert_cmpstr(data, ==, "2026-01-01\tlist\t2\n2026-01-02\todd-reason-x\t1\n");
	g_free(data);
	data = read_rel(&e, LIMITS_WITHHELD_FILE);
	g_assert_cmpstr(data, ==, "2026-01-01\tsender-cap\t1\n");
	g_free(data);
	env_close(&e);
}

static void
test_bounces(void)
{
	struct env e;
	struct txn *t = NULL;
	GHashTable *set;
	char *data;

	env_open(&e);
	e.cfg->max_hard_bounces = 2;
	t = txn_new(e.st);
	limits_reply_bounce(t, DAY0, "Gone@Example.NET", "5.1.1");
	limits_reply_bounce(t, DAY0, "not an address", "5.1.1");
	limits_reply_bounce(t, DAY0, "x@example.net", "5.1.1\tbad\n");
	commit(t);
	g_assert_null(limits_reply_refusal(e.cfg, e.st, DAY0, "gone@example.net"));
	t = txn_new(e.st);
	limits_reply_bounce(t, DAY0 + 1, "gone@example.net", NULL);
	commit(t);
	g_assert_cmpstr(limits_reply_refusal(e.cfg, e.st, DAY0, "GONE@example.net"), ==,
			"hard-bounces");
	data = read_rel(&e, LIMITS_BOUNCES_FILE);
	g_assert_cmpstr(data, ==, "1767258000\tgone@example.net\t5.1.1\n"
				  "1767258000\tx@example.net\t5.1.1_____\n"
				  "1767258001\tgone@example.net\t5.0.0\n");
	g_assert_cmpint(limits_reply_bounces_in(data, strlen(data), "gone@example.net"), ==, 2);
	g_free(data);
	set = limits_reply_bounced(e.dir, 2);
	g_assert_cmpuint(g_hash_table_size(set), ==, 1);
	g_assert_true(g_hash_table_contains(set, "gone@example.net"));
	g_hash_table_unref(set);
	set = limits_reply_bounced(e.dir, 0);
	g_assert_cmpuint(g_hash_table_size(set), ==, 0);
	g_hash_table_unref(set);
	env_close(&e);
}

static void
test_brake(void)
{
	struct env e;

	env_open(&e);
	e.cfg->outbox_brake = 2;
	for (int i = 0; i < 3; i++) {
		char *name = g_strdup_printf("q%d", i);
		char *p = g_build_filename(e.dir, "outbox", "new", name, NULL);
		char *dir = g_path_get_dirname(p);

		g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
		if (i < 2)
			g_assert_true(g_file_set_contents(p, "x", 1, NULL));
		g_assert_null(limits_reply_refusal(e.cfg, e.st, DAY0, "a@example.org"));
		if (i == 2) {
			/* A temporary file is no queued mail; a third one is. */
			char *tmp = g_strconcat(p, ".tmp", NULL);

			g_assert_true(g_file_set_contents(tmp, "x", 1, NULL));
			g_assert_null(limits_reply_refusal(e.cfg, e.st, DAY0, "a@example.org"));
			g_assert_true(g_file_set_contents(p, "x", 1, NULL));
			g_free(tmp);
		}
		g_free(dir);
		g_free(p);
		g_free(name);
	}
	g_assert_cmpstr(limits_reply_refusal(e.cfg, e.st, DAY0, "a@example.org"), ==,
			"outbox-brake");
	e.cfg->outbox_brake = 0;
	g_assert_null(limits_reply_refusal(e.cfg, e.st, DAY0, "a@example.org"));
	env_close(&e);
}

/* Lines of data that are addr, ignoring ASCII case: how the cap counted
 * before the counts were kept between replies. */
static int
naive_count(const char *data, gsize len, const char *addr)
{
	const char *p = data, *end = data + len;
	gsize n = strlen(addr);
	int count = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		gsize l = nl ? (gsize)(nl - p) : (gsize)(end - p);

		count += l == n && g_ascii_strncasecmp(p, addr, n) == 0;
		p = nl ? nl + 1 : end;
	}
	return count;
}

/* The cap holds addr at exactly want replies: refused at want, not at want + 1. */
static void
assert_replies(struct env *e, const char *addr, int want)
{
	e->cfg->max_replies_per_sender_day = want + 1;
	g_assert_null(limits_reply_refusal(e->cfg, e->st, DAY0, addr));
	e->cfg->max_replies_per_sender_day = want;
	if (want > 0)
		g_assert_cmpstr(limits_reply_refusal(e->cfg, e->st, DAY0, addr), ==, "sender-cap");
}

/* The day file as the store sees it, counted the old way, for each address. */
static void
assert_day_counts(struct env *e)
{
	static const char *const addrs[] = { "a@x.org", "b@x.org", "c@x.org", NULL };
	GBytes *b = store_read_file(e->st, "limits/replies/2026-01-01", 0);
	gsize len = 0;
	const char *data = b ? g_bytes_get_data(b, &len) : "";

	for (int i = 0; addrs[i]; i++)
		assert_replies(e, addrs[i], naive_count(data, len, addrs[i]));
	if (b)
		g_bytes_unref(b);
}

static void
put_rel(const struct env *e, const char *rel, const char *data, gssize len)
{
	char *p = g_build_filename(e->dir, rel, NULL), *dir = g_path_get_dirname(p);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(p, data, len, NULL));
	g_free(dir);
	g_free(p);
}

/* The counts kept from one reply to the next are the file's, whatever
 * happens to it: lines staged and flushed, edited by hand, another store. */
static void
test_kept_counts(void)
{
	static const char *const who[] = { "a@x.org", "B@x.org", "c@X.org" };
	struct env e, e2;
	GRand *r = g_rand_new_with_seed(5);

	env_open(&e);
	assert_replies(&e, "a@x.org", 0);
	for (int i = 0; i < 40; i++) {
		struct txn *t = txn_new(e.st);

		limits_reply_note(t, e.st, DAY0, who[g_rand_int_range(r, 0, 3)]);
		txn_stage(t);
		txn_free(t);
		if (i % 7 == 6)
			g_assert_cmpint(store_flush(e.st, NULL), ==, 0);
		assert_day_counts(&e);
	}
	g_assert_cmpint(store_flush(e.st, NULL), ==, 0);
	/* edited by hand: fewer lines, other case, a last line without its
	 * newline, a line with a NUL in it */
	put_rel(&e, "limits/replies/2026-01-01", "A@X.org\nb@x.org\nzz\na@x.org", -1);
	assert_day_counts(&e);
	assert_replies(&e, "a@x.org", 2);
	put_rel(&e, "limits/replies/2026-01-01", "A@X.org\nb@x.org\nzz\na@x.org.uk\nb@x.org", -1);
	assert_day_counts(&e);
	assert_replies(&e, "a@x.org", 1);
	assert_replies(&e, "b@x.org", 2);
	put_rel(&e, "limits/replies/2026-01-01", "a@x.org\0b\na@x.org\n", 18);
	assert_day_counts(&e);
	assert_replies(&e, "a@x.org", 1);
	/* rewritten by hand to the same size: the lines just before the end of
	 * the count changed, so it starts again */
	put_rel(&e, "limits/replies/2026-01-01", "a@x.org\na@x.org\nb@x.org\n", -1);
	assert_replies(&e, "a@x.org", 2);
	put_rel(&e, "limits/replies/2026-01-01", "a@x.org\nb@x.org\nb@x.org\n", -1);
	assert_day_counts(&e);
	assert_replies(&e, "a@x.org", 1);
	assert_replies(&e, "b@x.org", 2);
	/* another store, then the first again */
	env_open(&e2);
	put_rel(&e2, "limits/replies/2026-01-01", "c@x.org\nc@x.org\nc@x.org\n", -1);
	assert_day_counts(&e2);
	assert_replies(&e2, "c@x.org", 3);
	assert_day_counts(&e);
	env_close(&e2);
	/* hard bounces: forgiven by deleting lines */
	e.cfg->max_replies_per_sender_day = 0;
	e.cfg->max_hard_bounces = 3;
	for (int i = 0; i < 3; i++) {
		struct txn *t = txn_new(e.st);

		g_assert_null(limits_reply_refusal(e.cfg, e.st, DAY0, "a@x.org"));
		limits_reply_bounce(t, DAY0, "A@x.org", "5.1.1");
		commit(t);
	}
	g_assert_cmpstr(limits_reply_refusal(e.cfg, e.st, DAY0, "a@x.org"), ==, "hard-bounces");
	put_rel(&e, LIMITS_BOUNCES_FILE, "1\ta@x.org\t5.1.1\n1\ta@x.org\t5.1.1\n", -1);
	g_assert_null(limits_reply_refusal(e.cfg, e.st, DAY0, "a@x.org"));
	env_close(&e);
	g_rand_free(r);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/limits-reply/sender-cap", test_sender_cap);
	g_test_add_func("/limits-reply/prune", test_prune);
	g_test_add_func("/limits-reply/counters", test_counters);
	g_test_add_func("/limits-reply/bounces", test_bounces);
	g_test_add_func("/limits-reply/brake", test_brake);
	g_test_add_func("/limits-reply/kept-counts", test_kept_counts);
	g_test_add_func("/limits-reply/check-then-note", test_check_then_note);
	return g_test_run();
}
