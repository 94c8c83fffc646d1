/*
 * cli.h - the operator commands that read the store: list, show,
 * check-config.  Each returns the process exit status.
 */
#ifndef MCBOT_CLI_H
#define MCBOT_CLI_H

#include "config.h"

int cli_list(const struct config *cfg, int argc, char **argv);
int cli_show(const struct config *cfg, int argc, char **argv);
int cli_check_config(const struct config *cfg);

/* Find an MC by id ("3", "MC-3"), slug or unique title; NULL if none or ambiguous. */
struct mc;
struct store;
struct mc *cli_find_mc(const struct store *st, const char *name);

#endif
