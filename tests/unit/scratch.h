/*
 * scratch.h - scratch directories and stores for the unit tests.
 */
#ifndef MCBOT_TEST_SCRATCH_H
#define MCBOT_TEST_SCRATCH_H

#include <glib.h>

#include "bot/store.h"

/* A new empty directory under $TMPDIR (transfer full). */
static inline char *
scratch_dir(void)
{
	GError *e = NULL;
	char *d = g_dir_make_tmp("mcbot-test-XXXXXX", &e);

	g_assert_no_error(e);
	return d;
}

/* rm -rf path (a test's own scratch directory). */
static inline void
rmtree(const char *path)
{
	char *argv[] = { "rm", "-rf", (char *)path, NULL };

	g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* How many entries dir/sub has (0 when it does not exist). */
static inline guint
scratch_count(const char *dir, const char *sub)
{
	char *path = g_build_filename(dir, sub, NULL);
	GDir *d = g_dir_open(path, 0, NULL);
	guint n = 0;

	while (d && g_dir_read_name(d))
		n++;
	if (d)
		g_dir_close(d);
	g_free(path);
	return n;
}

/* store_open() that must work (transfer full). */
static inline struct store *
open_ok(const char *dir)
{
	struct store *st = NULL;
	GString *err = g_string_new(NULL);

	if (store_open(dir, &st, err) < 0)
		g_error("store_open: %s", err->str);
	g_string_free(err, TRUE);
	return st;
}

#endif
