/*
 * test_guard.c - the CPU-time bound on parsing one mail: the marker file,
 * the verdicts read from it at start, and the timer stopping a child that
 * spins.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bot/guard.h"
#include "bot/util.h"
#include "scratch.h"

static char *
marker(const char *dir)
{
	char *path = g_build_filename(dir, "parsing", NULL), *data = NULL;

	if (!g_file_get_contents(path, &data, NULL, NULL))
		data = NULL;
	g_free(path);
	return data;
}

static void
put_marker(const char *dir, const char *text)
{
	char *path = g_build_filename(dir, "parsing", NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_free(path);
}

static void
test_marker(void)
{
	char *dir = scratch_dir(), *m;
	struct inbox_item it = { .id = "new/1:2,\nodd\tname", .size = 42 };

	guard_open(dir);
	g_assert_false(guard_poisoned(&it, NULL));
	guard_begin(&it, 5);
	m = marker(dir);
	g_assert_nonnull(m);
	/* the id is escaped: one line, whatever the name holds */
	g_assert_nonnull(strstr(m, "mcbot-parsing 1\nid new/1:2,\\nodd\\tname\nsize 42\ndeaths 0\n"));
	g_free(m);
	guard_end();
	m = marker(dir);
	g_assert_true(m[0] == '-');  /* no parse in progress */
	g_free(m);
	guard_end();                /* twice is harmless */
	guard_open(dir);            /* an empty marker names nothing */
	g_assert_false(guard_poisoned(&it, NULL));

	/* a process died while parsing it (no verdict): reopen reads that */
	guard_begin(&it, 5);
	guard_open(dir);
	g_assert_false(guard_poisoned(&it, NULL));      /* one death: parse again */
	guard_begin(&it, 5);
	m = marker(dir);
	g_assert_nonnull(strstr(m, "deaths 1\n"));
	g_free(m);
	guard_open(dir);            /* died again */
	g_assert_false(guard_poisoned(&it, NULL));
	guard_begin(&it, 5);
	guard_open(dir);            /* third death in a row */
	{
		const char *why = NULL;

		g_assert_true(guard_poisoned(&it, &why));
		g_assert_nonnull(strstr(why, "died"));
	}
	/* the same name with another size is another mail */
	it.size = 43;
	g_assert_false(guard_poisoned(&it, NULL));
	guard_close();
	rmtree(dir);
	g_free(dir);
}

static void
test_verdicts(void)
{
	char *dir = scratch_dir();
	struct inbox_item it = { .id = "7", .size = 100 };
	struct inbox_item other = { .id = "8", .size = 100 };
	const char *why = NULL;

	put_marker(dir, "mcbot-parsing 1\nid 7\nsize 100\ndeaths 0\nkilled\n");
	guard_open(dir);
	g_assert_true(guard_poisoned(&it, &why));
	g_assert_nonnull(strstr(why, "CPU time"));
	g_assert_false(guard_poisoned(&other, NULL));
	/* still set aside later in the same process (the move may be retried) */
	guard_begin(&other, 5);
	guard_end();
	g_assert_true(guard_poisoned(&it, NULL));
	guard_close();

	/* damaged or foreign markers name nothing */
	put_marker(dir, "something else\nid 7\nsize 100\nkilled\n");
	guard_open(dir);
	g_assert_false(guard_poisoned(&it, NULL));
	put_marker(dir, "mcbot-parsing 1\nsize 100\nkilled\n");
	guard_open(dir);
	g_assert_false(guard_poisoned(&it, NULL));
	guard_close();
	rmtree(dir);
	g_free(dir);
}

/* A child that spins inside the guarded section is stopped by the timer. */
static void
test_timer(void)
{
	char *dir = scratch_dir(), *m;
	struct inbox_item it = { .id = "new/spin", .size = 10, .raw = "spin-me-please", .len = 14 };
	gint64 start = g_get_monotonic_time();
	int status = 0;
	pid_t pid;

	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, STDERR_FILENO);
		g_setenv("MCBOT_TEST_PARSE_SPIN", "me-please", TRUE);
		guard_open(dir);
		guard_begin(&it, 1);
		_exit(0);           /* not reached: the spin never ends */
	}
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, GUARD_EXIT_STATUS);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 20 * G_USEC_PER_SEC);
	m = marker(dir);
	g_assert_nonnull(m);
	g_assert_nonnull(strstr(m, "id new/spin\n"));
	g_assert_nonnull(strstr(m, "\nkilled\n"));
	g_free(m);

	/* what the next start makes of it */
	guard_open(dir);
	g_assert_true(guard_poisoned(&it, NULL));
	guard_close();

	/* disarmed in time: a guarded section that ends is not stopped */
	pid = fork();
	if (pid == 0) {
		volatile guint64 n = 0;
		gint64 until;

		guard_open(dir);
		for (int i = 0; i < 3; i++) {
			guard_begin(&it, 1);
			until = g_get_monotonic_time() + G_USEC_PER_SEC / 2;
			while (g_get_monotonic_time() < until)
				n++;
			guard_end();
		}
		_exit(0);
	}
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	rmtree(dir);
	g_free(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guard/marker", test_marker);
	g_test_add_func("/guard/verdicts", test_verdicts);
	g_test_add_func("/guard/timer", test_timer);
	return g_test_run();
}
