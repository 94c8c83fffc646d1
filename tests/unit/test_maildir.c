/*
 * test_maildir.c - the Maildir inbox backend in a temporary directory.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bot/inbox.h"

struct fixture {
	char *dir;
	struct config cfg;
	struct inbox *ib;
};

static void
put(struct fixture *fx, const char *rel, const char *text)
{
	char *p = g_build_filename(fx->dir, rel, NULL);

	g_assert_true(g_file_set_contents(p, text, -1, NULL));
	g_free(p);
}

static gboolean
exists(struct fixture *fx, const char *rel)
{
	char *p = g_build_filename(fx->dir, rel, NULL);
	gboolean r = g_file_test(p, G_FILE_TEST_IS_REGULAR);

	g_free(p);
	return r;
}

static char *
slurp(struct fixture *fx, const char *rel)
{
	char *p = g_build_filename(fx->dir, rel, NULL), *text = NULL;

	g_assert_true(g_file_get_contents(p, &text, NULL, NULL));
	g_free(p);
	return text;
}

/* Regular files under dir, recursively. */
static int
count_files(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((name = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, name, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_SYMLINK))
			;
		else if (g_file_test(p, G_FILE_TEST_IS_DIR))
			n += count_files(p);
		else
			n++;
		g_free(p);
	}
	g_dir_close(d);
	return n;
}

static void
remove_tree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, name, NULL);

		if (!g_file_test(p, G_FILE_TEST_IS_SYMLINK) && g_file_test(p, G_FILE_TEST_IS_DIR))
			remove_tree(p);
		else
			g_unlink(p);
		g_free(p);
	}
	g_dir_close(d);
	g_rmdir(dir);
}

static void
fx_setup(struct fixture *fx, gconstpointer data)
{
	GString *err = g_string_new(NULL);

	fx->dir = g_dir_make_tmp("mcbot-maildir-XXXXXX", NULL);
	g_assert_nonnull(fx->dir);
	memset(&fx->cfg, 0, sizeof fx->cfg);
	fx->cfg.inbox = INBOX_MAILDIR;
	fx->cfg.maildir = fx->dir;
	fx->cfg.imap_folder_prefix = (char *)"mcbot";
	fx->cfg.max_message_size = 1000;
	g_assert_cmpint(inbox_open(&fx->cfg, &fx->ib, err), ==, 0);
	g_string_free(err, TRUE);
}

static void
fx_teardown(struct fixture *fx, gconstpointer data)
{
	inbox_close(fx->ib);
	remove_tree(fx->dir);
	g_free(fx->dir);
}

static GPtrArray *
fetch(struct fixture *fx, int max)
{
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)inbox_item_free);
	GString *err = g_string_new(NULL);

	g_assert_cmpint(inbox_fetch(fx->ib, max, items, err), ==, 0);
	g_string_free(err, TRUE);
	return items;
}

static const char *
id_at(GPtrArray *items, guint i)
{
	return ((struct inbox_item *)g_ptr_array_index(items, i))->id;
}

static void
test_open_creates(struct fixture *fx, gconstpointer data)
{
	static const char *const subs[] = { "cur", "new", "tmp" };
	struct config cfg = { 0 };
	struct inbox *ib = NULL;
	GString *err = g_string_new(NULL);

	for (int i = 0; i < 3; i++) {
		char *p = g_build_filename(fx->dir, subs[i], NULL);

		g_assert_true(g_file_test(p, G_FILE_TEST_IS_DIR));
		g_free(p);
	}
	cfg.inbox = INBOX_MAILDIR;
	g_assert_cmpint(inbox_open(&cfg, &ib, err), ==, -1);
	g_assert_null(ib);
	g_assert_cmpstr(err->str, ==, "maildir: no path configured");
	cfg.maildir = fx->dir;
	cfg.imap_folder_prefix = (char *)"../x";
	g_assert_cmpint(inbox_open(&cfg, &ib, err), ==, -1);
	g_assert_null(ib);
	g_string_free(err, TRUE);
}

static void
test_fetch_order(struct fixture *fx, gconstpointer data)
{
	GPtrArray *items;
	struct inbox_item *it;
	char *target = g_build_filename(fx->dir, "new", "3.b", NULL);
	char *link = g_build_filename(fx->dir, "new", "4.link", NULL);
	char *sub = g_build_filename(fx->dir, "new", "5.dir", NULL);

	put(fx, "new/3.b", "From: b\r\n\r\nthree\r\n");
	put(fx, "new/1.a", "From: a\r\n\r\none\r\n");
	put(fx, "cur/2.c:2,S", "From: c\r\n\r\ntwo\r\n");
	put(fx, "new/.hidden", "x");
	put(fx, "tmp/0.tmp", "not yet delivered");
	g_assert_cmpint(symlink(target, link), ==, 0);
	g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);

	items = fetch(fx, 10);
	g_assert_cmpuint(items->len, ==, 3);
	g_assert_cmpstr(id_at(items, 0), ==, "new/1.a");
	g_assert_cmpstr(id_at(items, 1), ==, "cur/2.c:2,S");
	g_assert_cmpstr(id_at(items, 2), ==, "new/3.b");
	it = g_ptr_array_index(items, 1);
	g_assert_cmpmem(it->raw, it->len, "From: c\r\n\r\ntwo\r\n", 16);
	g_assert_cmpuint(it->size, ==, 16);
	g_assert_cmpint(it->folder, ==, FOLDER_NONE);
	g_ptr_array_free(items, TRUE);
	g_free(target);
	g_free(link);
	g_free(sub);
}

static void
test_fetch_batches(struct fixture *fx, gconstpointer data)
{
	GPtrArray *items;
	GString *err = g_string_new(NULL);
	volatile int stop = 1;

	put(fx, "new/1", "one");
	put(fx, "new/2", "two");
	put(fx, "new/3", "three");
	items = fetch(fx, 2);
	g_assert_cmpuint(items->len, ==, 2);
	g_assert_cmpstr(id_at(items, 1), ==, "new/2");
	g_ptr_array_free(items, TRUE);
	/* Left in the inbox, but not handed out again before a wait. */
	items = fetch(fx, 2);
	g_assert_cmpuint(items->len, ==, 1);
	g_assert_cmpstr(id_at(items, 0), ==, "new/3");
	g_ptr_array_free(items, TRUE);
	items = fetch(fx, 2);
	g_assert_cmpuint(items->len, ==, 0);
	g_ptr_array_free(items, TRUE);
	g_assert_cmpint(inbox_wait(fx->ib, 5, &stop, err), ==, 0);
	items = fetch(fx, 10);
	g_assert_cmpuint(items->len, ==, 3);
	g_ptr_array_free(items, TRUE);
	g_string_free(err, TRUE);
}

static void
test_binary(struct fixture *fx, gconstpointer data)
{
	char *p = g_build_filename(fx->dir, "new", "1.nul", NULL);
	GPtrArray *items;
	struct inbox_item *it;

	g_assert_true(g_file_set_contents(p, "a\0b\r\n", 5, NULL));
	items = fetch(fx, 10);
	g_assert_cmpuint(items->len, ==, 1);
	it = g_ptr_array_index(items, 0);
	g_assert_cmpmem(it->raw, it->len, "a\0b\r\n", 5);
	g_assert_cmpint(it->raw[5], ==, '\0');
	g_ptr_array_free(items, TRUE);
	g_free(p);
}

static void
test_oversize(struct fixture *fx, gconstpointer data)
{
	GPtrArray *items;
	struct inbox_item *it;
	char *big = g_strnfill(1001, 'x'), *edge = g_strnfill(1000, 'y');

	put(fx, "new/1.big", big);
	put(fx, "new/2.edge", edge);
	items = fetch(fx, 10);
	g_assert_cmpuint(items->len, ==, 2);
	it = g_ptr_array_index(items, 0);
	g_assert_null(it->raw);
	g_assert_cmpuint(it->size, ==, 1001);
	g_assert_cmpuint(it->len, ==, 0);
	it = g_ptr_array_index(items, 1);
	g_assert_nonnull(it->raw);
	g_assert_cmpuint(it->len, ==, 1000);
	g_ptr_array_free(items, TRUE);
	g_free(big);
	g_free(edge);
}

static void
test_finish(struct fixture *fx, gconstpointer data)
{
	GPtrArray *items;
	GString *err = g_string_new(NULL);
	char *text;

	put(fx, "new/1.a", "one");
	put(fx, "cur/2.b:2,S", "two");
	put(fx, "new/3.c", "three");
	put(fx, "new/4.d", "four");
	items = fetch(fx, 10);
	g_assert_cmpuint(items->len, ==, 4);
	((struct inbox_item *)g_ptr_array_index(items, 0))->folder = FOLDER_DONE;
	((struct inbox_item *)g_ptr_array_index(items, 1))->folder = FOLDER_FAILED;
	((struct inbox_item *)g_ptr_array_index(items, 2))->folder = FOLDER_NONE;
	((struct inbox_item *)g_ptr_array_index(items, 3))->folder = FOLDER_DONE;
	g_assert_cmpint(inbox_finish(fx->ib, items, err), ==, 0);
	g_assert_true(exists(fx, ".mcbot.done/cur/1.a:2,"));
	g_assert_true(exists(fx, ".mcbot.done/cur/4.d:2,"));
	g_assert_true(exists(fx, ".mcbot.failed/cur/2.b:2,S"));
	g_assert_true(exists(fx, "new/3.c"));
	g_assert_false(exists(fx, "new/1.a"));
	g_assert_false(exists(fx, "cur/2.b:2,S"));
	g_assert_cmpint(count_files(fx->dir), ==, 4);
	text = slurp(fx, ".mcbot.failed/cur/2.b:2,S");
	g_assert_cmpstr(text, ==, "two");
	g_free(text);
	for (int i = 0; i < 3; i++) {
		static const char *const subs[] = { "cur", "new", "tmp" };
		char *p = g_build_filename(fx->dir, ".mcbot.done", subs[i], NULL);

		g_assert_true(g_file_test(p, G_FILE_TEST_IS_DIR));
		g_free(p);
	}
	g_ptr_array_free(items, TRUE);
	g_string_free(err, TRUE);
}

static void
test_finish_collision(struct fixture *fx, gconstpointer data)
{
	GPtrArray *items;
	GString *err = g_string_new(NULL);
	char *a, *b;

	put(fx, "new/1.a", "new mail");
	items = fetch(fx, 10);
	g_assert_cmpuint(items->len, ==, 1);
	((struct inbox_item *)g_ptr_array_index(items, 0))->folder = FOLDER_DONE;
	/* The folder already holds a different file by that name: keep both. */
	{
		char *d = g_build_filename(fx->dir, ".mcbot.done", "cur", NULL);

		g_assert_cmpint(g_mkdir_with_parents(d, 0700), ==, 0);
		g_free(d);
	}
	put(fx, ".mcbot.done/cur/1.a:2,", "older mail");
	g_assert_cmpint(inbox_finish(fx->ib, items, err), ==, 0);
	a = slurp(fx, ".mcbot.done/cur/1.a:2,");
	b = slurp(fx, ".mcbot.done/cur/1.a.1:2,");
	g_assert_cmpstr(a, ==, "older mail");
	g_assert_cmpstr(b, ==, "new mail");
	g_assert_cmpint(count_files(fx->dir), ==, 2);
	g_free(a);
	g_free(b);
	g_ptr_array_free(items, TRUE);
	g_string_free(err, TRUE);
}

static void
test_finish_replay(struct fixture *fx, gconstpointer data)
{
	GPtrArray *items;
	GString *err = g_string_new(NULL);
	char *src, *dst, *d;

	/* A run died between link and unlink: the file is in both places. */
	put(fx, "new/1.a", "mail");
	items = fetch(fx, 10);
	((struct inbox_item *)g_ptr_array_index(items, 0))->folder = FOLDER_DONE;
	d = g_build_filename(fx->dir, ".mcbot.done", "cur", NULL);
	g_assert_cmpint(g_mkdir_with_parents(d, 0700), ==, 0);
	src = g_build_filename(fx->dir, "new", "1.a", NULL);
	dst = g_build_filename(d, "1.a:2,", NULL);
	g_assert_cmpint(link(src, dst), ==, 0);
	g_assert_cmpint(inbox_finish(fx->ib, items, err), ==, 0);
	g_assert_false(exists(fx, "new/1.a"));
	g_assert_true(exists(fx, ".mcbot.done/cur/1.a:2,"));
	g_assert_cmpint(count_files(fx->dir), ==, 1);
	g_free(src);
	g_free(dst);
	g_free(d);
	g_ptr_array_free(items, TRUE);
	g_string_free(err, TRUE);
}

static gpointer
deliver_later(gpointer data)
{
	struct fixture *fx = data;

	g_usleep(300 * 1000);
	put(fx, "new/9.late", "late mail");
	return NULL;
}

static void
test_wait(struct fixture *fx, gconstpointer data)
{
	GString *err = g_string_new(NULL);
	volatile int stop = 0;
	gint64 t0 = g_get_monotonic_time();
	GThread *th;

	g_assert_cmpint(inbox_wait(fx->ib, 1, &stop, err), ==, 0);
	g_assert_cmpint(g_get_monotonic_time() - t0, >=, G_USEC_PER_SEC);
	th = g_thread_new("deliver", deliver_later, fx);
	t0 = g_get_monotonic_time();
	g_assert_cmpint(inbox_wait(fx->ib, 10, &stop, err), ==, 1);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 3 * G_USEC_PER_SEC);
	g_thread_join(th);
	stop = 1;
	t0 = g_get_monotonic_time();
	g_assert_cmpint(inbox_wait(fx->ib, 10, &stop, err), ==, 0);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, G_USEC_PER_SEC);
	g_string_free(err, TRUE);
}

static void
test_folder_names(void)
{
	g_assert_cmpstr(folder_name(FOLDER_DONE), ==, "done");
	g_assert_cmpstr(folder_name(FOLDER_DROPPED), ==, "dropped");
	g_assert_cmpstr(folder_name(FOLDER_REFUSED), ==, "refused");
	g_assert_cmpstr(folder_name(FOLDER_FAILED), ==, "failed");
	g_assert_cmpstr(folder_name(FOLDER_OVERSIZE), ==, "oversize");
	g_assert_cmpstr(folder_name(FOLDER_COUNT), ==, "failed");
}

#define ADD(name, fn) \
	g_test_add(name, struct fixture, NULL, fx_setup, fn, fx_teardown)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/maildir/open_creates", test_open_creates);
	ADD("/maildir/fetch_order", test_fetch_order);
	ADD("/maildir/fetch_batches", test_fetch_batches);
	ADD("/maildir/binary", test_binary);
	ADD("/maildir/oversize", test_oversize);
	ADD("/maildir/finish", test_finish);
	ADD("/maildir/finish_collision", test_finish_collision);
	ADD("/maildir/finish_replay", test_finish_replay);
	ADD("/maildir/wait", test_wait);
	g_test_add_func("/maildir/folder_names", test_folder_names);
	return g_test_run();
}
