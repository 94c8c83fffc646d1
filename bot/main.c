/*
 * main.c - the command line: mcbot [options] COMMAND [ARGS].
 */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce.h"
#include "cli.h"
#include "config.h"
#include "config_secrets.h"
#include "digest.h"
#include "export.h"
#include "log.h"
#include "parse_json.h"
#include "run.h"
#include "store.h"
#include "util.h"

static char *opt_config;
static int opt_verbose;
static char *opt_trace;

/* -v, -vv: each one logs more (log.h). */
static gboolean
opt_more_verbose(const char *name, const char *value, gpointer data, GError **error)
{
	opt_verbose++;
	return TRUE;
}

static const GOptionEntry options[] = {
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
	  "Configuration file (default: the embedded default)", "FILE" },
	{ "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, opt_more_verbose,
	  "Log more: each mail's handling; twice: everything", NULL },
	{ "trace", 't', 0, G_OPTION_ARG_STRING, &opt_trace,
	  "Trace areas: imap,smtp,store,handlers,main or all", "AREAS" },
	{ NULL }
};

static const char summary[] =
	"Commands:\n"
	"  once             process every waiting mail, send replies, exit\n"
	"  run              keep processing until SIGTERM or SIGINT (SIGHUP: reload)\n"
	"  parse FILE.eml   show as JSON what mcbot understands of a mail\n"
	"  list [STATUS]    list the MCs\n"
	"  show MC          show one MC (id, slug or title)\n"
	"  announce MC      mail the announcement of an MC to the list (replies RSVP)\n"
	"  digest [--dry-run] [--now]\n"
	"                   send the weekly digests that are due (--now: next week's\n"
	"                   at once; --dry-run: show them, send and record nothing)\n"
	"  check-config [--connect]\n"
	"                   check the configuration and templates (--connect: and log\n"
	"                   in to the IMAP and SMTP servers)\n"
	"  export [--format html|markdown|json] [--status S[,S]] [--output FILE]\n"
	"                   the public page of the MCs (names, no addresses)\n"
	"  outbox [queued|failed|held|retry NAME...|retry all]\n"
	"                   the mail waiting to be sent, failed, and sending it again\n"
	"  replay FILE.eml  handle a saved mail as if it had come from the inbox";

static int
cmd_once(const struct config *cfg)
{
	struct run_stats rs = { 0 };
	GString *err = g_string_new(NULL);
	int rc = run_once(cfg, &rs, err);

	if (rc < 0)
		log_warnx("%s", err->str);
	log_info("once: %d mails: %d done, %d dropped, %d failed, %d oversize, %d already processed",
		 rs.seen, rs.done, rs.dropped, rs.failed, rs.oversize, rs.skipped);
	g_string_free(err, TRUE);
	return rc < 0 ? 1 : 0;
}

static int
cmd_parse(const struct config *cfg, int argc, char **argv)
{
	GString *err = g_string_new(NULL);
	struct store *st = NULL;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: mcbot parse FILE.eml\n");
		return 2;
	}
	/* With a state directory the MC names resolve; without, they are shown as written. */
	if (opt_config && g_file_test(cfg->state_dir, G_FILE_TEST_IS_DIR) &&
	    store_open_readonly(cfg->state_dir, &st, NULL) < 0)
		st = NULL;
	rc = parse_json_print(cfg, st, argv[1], err);
	if (rc < 0)
		fprintf(stderr, "mcbot: %s: %s\n", argv[1], err->str);
	store_close(st);
	g_string_free(err, TRUE);
	return rc < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	GOptionContext *oc = g_option_context_new("COMMAND [ARGS]");
	GError *gerr = NULL;
	GString *errs = g_string_new(NULL);
	struct config *cfg = NULL;
	unsigned areas = 0;
	int rc = 2;

	signal(SIGPIPE, SIG_IGN);
	/*
	 * A fixed threshold: glibc would raise it after each large free, and
	 * a batch's buffers (the journal record, a day's reply tally) would
	 * then stay in the heap.  Mapped, they go back to the kernel when
	 * freed.  The sender thread shares the main arena: it allocates little.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_ARENA_MAX, 1);
	g_option_context_add_main_entries(oc, options, NULL);
	/* Options of a command ("digest --dry-run") are left for the command. */
	g_option_context_set_ignore_unknown_options(oc, TRUE);
	g_option_context_set_summary(oc, summary);
	if (!g_option_context_parse(oc, &argc, &argv, &gerr)) {
		fprintf(stderr, "mcbot: %s\n", gerr->message);
		goto out;
	}
	if (opt_trace && log_parse_areas(opt_trace, &areas) < 0) {
		fprintf(stderr, "mcbot: --trace: unknown area in \"%s\"\n", opt_trace);
		goto out;
	}
	log_init(opt_verbose, areas);
	if (argc < 2) {
		char *help = g_option_context_get_help(oc, TRUE, NULL);

		fputs(help, stderr);
		g_free(help);
		goto out;
	}
	/* Only these commands read options of their own; anything else that
	 * looks like an option is a mistake, not something to ignore. */
	if (!g_strv_contains((const char *const[]){ "check-config", "digest", "export", NULL },
			     argv[1]))
		for (int i = 2; i < argc; i++)
			if (argv[i][0] == '-' && argv[i][1] != '\0') {
				fprintf(stderr, "mcbot: %s: unknown option %s\n", argv[1], argv[i]);
				goto out;
			}
	if (strcmp(argv[1], "check-config") == 0) {
		rc = cli_check_config(opt_config, argc - 1, argv + 1);
		goto out;
	}
	/* Commands that never log in also run without the service's credentials. */
	if (g_strv_contains((const char *const[]){ "list", "show", "parse", "export", "outbox",
						   NULL }, argv[1]))
		config_skip_secrets(TRUE);
	if (opt_config ? config_load(opt_config, &cfg, errs) < 0 : (cfg = config_defaults()) == NULL) {
		fputs(errs->str, stderr);
		rc = 1;
		goto out;
	}
	if (strcmp(argv[1], "once") == 0)
		rc = cmd_once(cfg);
	else if (strcmp(argv[1], "run") == 0)
		rc = run_daemon(cfg);
	else if (strcmp(argv[1], "parse") == 0)
		rc = cmd_parse(cfg, argc - 1, argv + 1);
	else if (strcmp(argv[1], "list") == 0)
		rc = cli_list(cfg, argc - 1, argv + 1);
	else if (strcmp(argv[1], "show") == 0)
		rc = cli_show(cfg, argc - 1, argv + 1);
	else if (strcmp(argv[1], "export") == 0)
		rc = export_main(cfg, argc - 1, argv + 1);
	else if (strcmp(argv[1], "outbox") == 0)
		rc = cli_outbox(cfg, argc - 1, argv + 1);
	else if (strcmp(argv[1], "replay") == 0)
		rc = cli_replay(cfg, argc - 1, argv + 1);
	else if (strcmp(argv[1], "announce") == 0)
		rc = announce_main(cfg, argc - 1, argv + 1);
	else if (strcmp(argv[1], "digest") == 0)
		rc = digest_main(cfg, argc - 1, argv + 1);
	else
		fprintf(stderr, "mcbot: unknown command \"%s\" (see mcbot --help)\n", argv[1]);
out:
	if (gerr)
		g_error_free(gerr);
	config_free(cfg);
	g_string_free(errs, TRUE);
	g_option_context_free(oc);
	return rc;
}
