/*
 * cli_replay.c - `mcbot replay FILE.eml...`: an operator hands mcbot a
 * saved mail (one that was lost, or a test) and it is handled exactly as
 * if it had arrived in the inbox, replies included.  The file itself is
 * not moved or changed.  A mail already processed is not handled twice:
 * its Message-ID is in the processed set.
 */
#include <stdio.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "cli.h"
#include "run.h"

int
cli_replay(const struct config *cfg, int argc, char **argv)
{
	GString *err = g_string_new(NULL);
	GStatBuf sb;
	int rc = 0;

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: mcbot replay FILE.eml...\n");
		g_string_free(err, TRUE);
		return 2;
	}
	/* Files created as root in the daemon's state directory would lock it out. */
	if (geteuid() == 0 && g_stat(cfg->state_dir, &sb) == 0 && sb.st_uid != 0) {
		fprintf(stderr, "mcbot replay: %s belongs to uid %u: run this as that user "
			"(e.g. sudo -u mcbot mcbot ...), not as root\n", cfg->state_dir,
			(unsigned)sb.st_uid);
		g_string_free(err, TRUE);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		struct run_stats rs = { 0 };
		const char *what;

		if (run_replay(cfg, argv[i], &rs, err) < 0) {
			fprintf(stderr, "mcbot replay: %s: %s\n", argv[i], err->str);
			rc = 1;
			continue;
		}
		what = rs.skipped ? "already processed: nothing done"
		     : rs.oversize ? "over max_message_size: not handled"
		     : rs.dropped ? "dropped (not answered)"
		     : rs.failed ? "failed (see the log line above)"
		     : rs.done ? "handled" : "kept: not handled, try again";
		printf("%s: %s\n", argv[i], what);
		if (rs.failed || rs.oversize || (!rs.done && !rs.dropped && !rs.skipped))
			rc = 1;
	}
	g_string_free(err, TRUE);
	return rc;
}
