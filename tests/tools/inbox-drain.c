/*
 * inbox-drain - test driver for the inbox backends (bot/inbox.h).
 *
 *   inbox-drain [--max N] [--folder NAME] [--leave K] [--wait S] [-v] CONFIG
 *
 * Opens the inbox CONFIG describes, fetches everything in batches of N
 * (default 50), puts each item in folder NAME (default "done"; oversize
 * items go to "oversize"), except that the first K items fetched are
 * left in the inbox, and finishes each batch.  With --wait S it then
 * waits up to S seconds for new mail (IDLE over IMAP), prints
 * "wait R MS" (R: 1 new mail, 0 timeout; MS: milliseconds waited) and
 * drains again.
 *
 * Prints "fetched F moved M left L oversize O bytes B" after each drain,
 * with -v also "item ID SIZE LEN SHA256" per item.  Exit status: 0, 1 on
 * an inbox error (the reason on stderr, as "inbox-drain: REASON"), 2 on
 * a usage or configuration error.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/config.h"
#include "bot/inbox.h"
#include "bot/log.h"

static int opt_max = 50, opt_leave = 0, opt_wait = -1, opt_verbose = 0;
static enum folder opt_folder = FOLDER_DONE;

static int
usage(void)
{
	fprintf(stderr, "usage: inbox-drain [--max N] [--folder NAME] [--leave K] "
	    "[--wait S] [-v] CONFIG\n");
	return 2;
}

static int
drain(struct inbox *ib, int *left_budget, GString *err)
{
	long fetched = 0, moved = 0, left = 0, oversize = 0, bytes = 0;

	for (;;) {
		GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)inbox_item_free);

		if (inbox_fetch(ib, opt_max, items, err) < 0) {
			g_ptr_array_free(items, TRUE);
			return -1;
		}
		if (items->len == 0) {
			g_ptr_array_free(items, TRUE);
			break;
		}
		for (guint i = 0; i < items->len; i++) {
			struct inbox_item *it = g_ptr_array_index(items, i);

			fetched++;
			if (it->raw == NULL) {
				oversize++;
				it->folder = FOLDER_OVERSIZE;
			} else {
				bytes += it->len;
				it->folder = opt_folder;
			}
			if (*left_budget > 0) {
				(*left_budget)--;
				it->folder = FOLDER_NONE;
				left++;
			} else {
				moved++;
			}
			if (opt_verbose) {
				char *sum = it->raw ? g_compute_checksum_for_data(G_CHECKSUM_SHA256,
				    (const guchar *)it->raw, it->len) : g_strdup("-");

				printf("item %s %zu %zu %s\n", it->id, (size_t)it->size,
				    (size_t)it->len, sum);
				g_free(sum);
			}
		}
		if (inbox_finish(ib, items, err) < 0) {
			g_ptr_array_free(items, TRUE);
			return -1;
		}
		g_ptr_array_free(items, TRUE);
	}
	printf("fetched %ld moved %ld left %ld oversize %ld bytes %ld\n", fetched, moved, left,
	    oversize, bytes);
	fflush(stdout);
	return 0;
}

static enum folder
parse_folder(const char *name)
{
	for (int f = FOLDER_NONE + 1; f < FOLDER_COUNT; f++)
		if (strcmp(name, folder_name(f)) == 0)
			return f;
	return FOLDER_NONE;
}

int
main(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct inbox *ib = NULL;
	GString *err = g_string_new(NULL);
	volatile int stop = 0;
	const char *path = NULL;
	int ret = 1, budget;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--max") == 0 && i + 1 < argc)
			opt_max = atoi(argv[++i]);
		else if (strcmp(argv[i], "--leave") == 0 && i + 1 < argc)
			opt_leave = atoi(argv[++i]);
		else if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc)
			opt_wait = atoi(argv[++i]);
		else if (strcmp(argv[i], "--folder") == 0 && i + 1 < argc) {
			if ((opt_folder = parse_folder(argv[++i])) == FOLDER_NONE)
				return usage();
		} else if (strcmp(argv[i], "-v") == 0)
			opt_verbose = 1;
		else if (argv[i][0] == '-' || path)
			return usage();
		else
			path = argv[i];
	}
	if (path == NULL || opt_max <= 0)
		return usage();
	signal(SIGPIPE, SIG_IGN);   /* as mcbot itself does */
	log_init(0, 0);
	if (config_load(path, &cfg, err) < 0) {
		fprintf(stderr, "inbox-drain: %s", err->str);
		ret = 2;
		goto out;
	}
	if (inbox_open(cfg, &ib, err) < 0)
		goto fail;
	budget = opt_leave;
	if (drain(ib, &budget, err) < 0)
		goto fail;
	if (opt_wait >= 0) {
		gint64 t0 = g_get_monotonic_time();
		int r = inbox_wait(ib, opt_wait, &stop, err);

		if (r < 0)
			goto fail;
		printf("wait %d %ld\n", r, (long)((g_get_monotonic_time() - t0) / 1000));
		fflush(stdout);
		if (drain(ib, &budget, err) < 0)
			goto fail;
	}
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "inbox-drain: %s\n", err->str);
	ret = 1;
out:
	inbox_close(ib);
	if (cfg)
		config_free(cfg);
	g_string_free(err, TRUE);
	return ret;
}
