/*
 * cli.h - the operator commands: list, show, check-config, outbox,
 * replay.  Each returns the process exit status.
 */
#ifndef MCBOT_CLI_H
#define MCBOT_CLI_H

#include "config.h"

int cli_list(const struct config *cfg, int argc, char **argv);
int cli_show(const struct config *cfg, int argc, char **argv);

/*
 * `mcbot check-config [--connect]` (cli_check.c): path is the --config
 * file, NULL for the embedded default; it is loaded here, so that its
 * problems and the templates' are listed together.
 */
int cli_check_config(const char *path, int argc, char **argv);

/* `mcbot outbox [queued|failed|held|retry NAME...|retry all]` (cli_outbox.c). */
int cli_outbox(const struct config *cfg, int argc, char **argv);

/* `mcbot replay FILE.eml...` (cli_replay.c): handle saved mails as if
 * they had come from the inbox, then send the replies. */
int cli_replay(const struct config *cfg, int argc, char **argv);

/* store_find_mc(): an MC by id ("3", "MC-3"), slug or unique title; NULL if none or ambiguous. */
struct mc;
struct store;
struct mc *cli_find_mc(const struct store *st, const char *name);

/*
 * For commands that build and queue mail (announce, digest): GMime set
 * up, the templates loaded and the store opened (locked).  Problems are
 * printed on stderr; -1 then, with nothing to free.
 */
struct templates;
int cli_open_job(const struct config *cfg, struct templates **tpl, struct store **st);

#endif
