/*
 * test_store_damage.c - a damaged state directory (a crash that left
 * zeros or a torn line, a hand edit, a copied MC directory) must never
 * crash store_open() or make it lose what it appends next.  Each case was
 * found by tests/fuzz/fuzz_store.c; the inputs are also kept in
 * tests/fuzz/regress/store/.
 */
#include <string.h>
#include <glib/gstdio.h>

#include "bot/store.h"
#include "bot/store_p.h"
#include "bot/util.h"
#include "scratch.h"

static void
put(const char *dir, const char *rel, const char *data, gssize len)
{
	char *path = g_build_filename(dir, rel, NULL), *parent = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(parent, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, data, len, NULL));
	g_free(parent);
	g_free(path);
}

static char *
proposal(int id, const char *slug)
{
	return g_strdup_printf("mcbot-mc 1\nId: %d\nSlug: %s\nTitle: %s MC\nStatus: proposed\n"
			       "Version: 1\n\nText.\n", id, slug, slug);
}

/* One more mail processed, committed; then the store opened again. */
static void
commit_and_reopen(const char *dir, struct store **st, const char *key)
{
	GString *err = g_string_new(NULL);
	struct txn *t = txn_new(*st);

	txn_processed(t, key);
	g_assert_cmpint(txn_commit(t, err), ==, 0);
	txn_free(t);
	store_close(*st);
	*st = NULL;
	if (store_open(dir, st, err) < 0)
		g_error("reopen: %s", err->str);
	g_assert_true(store_processed(*st, key));
	g_string_free(err, TRUE);
}

/* Two MC directories whose files claim one id: refused, not an abort in
 * store_install. */
static void
test_duplicate_id(void)
{
	char *dir = scratch_dir(), *p2 = proposal(2, "two"), *p1 = proposal(1, "one");
	GString *err = g_string_new(NULL);
	struct store *st = NULL;

	put(dir, "mc/1/proposal", p2, -1);
	put(dir, "mc/2/proposal", p2, -1);
	put(dir, "mc/3/proposal", p1, -1);
	g_assert_cmpint(store_open(dir, &st, err), ==, -1);
	g_assert_null(st);
	g_assert_nonnull(strstr(err->str, "not the directory's number"));
	g_string_free(err, TRUE);
	g_free(p1);
	g_free(p2);
	rmtree(dir);
	g_free(dir);
}

/* Ids and next-id near INT_MAX would overflow the next id. */
static void
test_huge_ids(void)
{
	char *dir = scratch_dir(), *p = proposal(2147483647, "max");
	GString *err = g_string_new(NULL);
	struct store *st = NULL;
	struct txn *t;
	struct mc *mc;

	put(dir, "mc/2147483647/proposal", p, -1);
	g_assert_cmpint(store_open(dir, &st, err), ==, -1);
	rmtree(dir);
	g_mkdir(dir, 0700);

	put(dir, "next-id", "2147483647\n", -1);
	g_assert_cmpint(store_open(dir, &st, err), ==, 0);
	t = txn_new(st);
	mc = txn_new_mc(t, "After a Damaged next-id MC");
	g_assert_cmpint(mc->id, ==, 1);
	mc_free(mc);
	txn_free(t);
	store_close(st);
	g_string_free(err, TRUE);
	g_free(p);
	rmtree(dir);
	g_free(dir);
}

/* A NUL in the processed file hid every key after it. */
static void
test_processed_nul(void)
{
	static const char data[] = "<a@x>\tdone\n<b\0@x>\tdone\n<c@x>\tdropped\n";
	char *dir = scratch_dir();
	GString *err = g_string_new(NULL);
	struct store *st = NULL;

	put(dir, "processed", data, sizeof data - 1);
	g_assert_cmpint(store_open(dir, &st, err), ==, 0);
	g_assert_true(store_processed(st, "<a@x>"));
	g_assert_true(store_processed(st, "<c@x>"));
	g_assert_cmpstr(store_processed_folder(st, "<c@x>"), ==, "dropped");
	commit_and_reopen(dir, &st, "<d@x>");
	g_assert_true(store_processed(st, "<c@x>"));
	store_close(st);
	g_string_free(err, TRUE);
	rmtree(dir);
	g_free(dir);
}

/* A last line without its LF: the next key appended joined it and was lost. */
static void
test_processed_torn_line(void)
{
	char *dir = scratch_dir();
	GString *err = g_string_new(NULL);
	struct store *st = NULL;

	put(dir, "processed", "<a@x>\tdone\n<b@x>\tdon", -1);
	g_assert_cmpint(store_open(dir, &st, err), ==, 0);
	g_assert_true(store_processed(st, "<a@x>"));
	commit_and_reopen(dir, &st, "<new@x>");
	g_assert_true(store_processed(st, "<a@x>"));
	store_close(st);
	g_string_free(err, TRUE);
	rmtree(dir);
	g_free(dir);
}

/* Journal records that claim more bytes than the file holds, or name a
 * file the store would never write: torn, dropped; the store opens. */
static void
test_journal_damage(void)
{
	static const char *const records[] = {
		/* the data runs exactly to the end: no LF after it */
		"mcbot-journal 1\nW next-id 2\n5\n",
		/* longer than the file */
		"mcbot-journal 1\nW next-id 99\n5\nEND\n",
		/* no LF where one belongs */
		"mcbot-journal 1\nW next-id 1\n55END\n",
		/* names the store never writes */
		"mcbot-journal 1\nW  1\nx\nEND\n",
		"mcbot-journal 1\nW /etc/x 1\nx\nEND\n",
		"mcbot-journal 1\nW mc/../../x 1\nx\nEND\n",
		"mcbot-journal 1\nA .hidden 0 1\nx\nEND\n",
		NULL,
	};
	char *dir = scratch_dir();
	GString *err = g_string_new(NULL);

	for (int i = 0; records[i]; i++) {
		struct store *st = NULL;
		char *jpath = g_build_filename(dir, "journal", "1", NULL);

		put(dir, "journal/1", records[i], -1);
		if (store_open(dir, &st, err) < 0)
			g_error("record %d: %s", i, err->str);
		g_assert_false(g_file_test(jpath, G_FILE_TEST_EXISTS));
		store_close(st);
		g_free(jpath);
	}
	/* nothing was written outside the state directory, nor "x" inside */
	{
		char *x = g_build_filename(dir, "x", NULL), *t = g_strconcat(dir, ".tmp", NULL);

		g_assert_false(g_file_test(x, G_FILE_TEST_EXISTS));
		g_assert_false(g_file_test(t, G_FILE_TEST_EXISTS));
		g_free(x);
		g_free(t);
	}
	/* a good record still replays */
	{
		struct store *st = NULL;

		put(dir, "journal/2", "mcbot-journal 1\nW next-id 3\n42\n\nEND\n", -1);
		g_assert_cmpint(store_open(dir, &st, err), ==, 0);
		store_close(st);
		{
			char *data = NULL, *path = g_build_filename(dir, "next-id", NULL);

			g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
			g_assert_cmpstr(data, ==, "42\n");
			g_free(data);
			g_free(path);
		}
	}
	g_string_free(err, TRUE);
	rmtree(dir);
	g_free(dir);
}

/* What the store reads back it writes the same again (found by
 * fuzz_state: blank Accomplishments read back as "", then written as
 * nothing). */
static void
test_mc_round_trip(void)
{
	static const char *const files[] = {
		"mcbot-mc 1\nId: 1\nSlug: s\nTitle: T MC\nStatus: proposed\n"
		"Accomplishments:  \n",
		"mcbot-mc 1\nId: 1\nSlug: s\nTitle: \nStatus: proposed\n"
		"Accomplishments: a\nAccomplishments: \nAccomplishments: b\n\ndesc",
		"mcbot-mc 1\nId: 2\nSlug: s\nTitle: T\nStatus: x\nLead: <a@b>\n"
		"Lead: A <b> <c@d>\nLead: X <y>z>\nLead:  \nTopic: \t\n\n",
		NULL,
	};

	for (int i = 0; files[i]; i++) {
		struct mc *a = NULL, *b = NULL;
		GString *one, *two;

		g_assert_cmpint(mc_parse(files[i], strlen(files[i]), &a, NULL), ==, 0);
		one = mc_serialize(a);
		g_assert_cmpint(mc_parse(one->str, one->len, &b, NULL), ==, 0);
		two = mc_serialize(b);
		g_assert_cmpstr(one->str, ==, two->str);
		g_string_free(one, TRUE);
		g_string_free(two, TRUE);
		mc_free(a);
		mc_free(b);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/store-damage/duplicate-id", test_duplicate_id);
	g_test_add_func("/store-damage/huge-ids", test_huge_ids);
	g_test_add_func("/store-damage/processed-nul", test_processed_nul);
	g_test_add_func("/store-damage/processed-torn-line", test_processed_torn_line);
	g_test_add_func("/store-damage/journal", test_journal_damage);
	g_test_add_func("/store-damage/mc-round-trip", test_mc_round_trip);
	return g_test_run();
}
