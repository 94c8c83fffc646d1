/*
 * parse_json.h - `mcbot parse FILE.eml`: what mcbot understands of a mail,
 * as JSON, changing nothing.
 */
#ifndef MCBOT_PARSE_JSON_H
#define MCBOT_PARSE_JSON_H

#include "config.h"
#include "store.h"

/* Print the JSON for the mail in path to stdout.  st may be NULL (no
 * state directory: MC names are shown as written only). */
int parse_json_print(const struct config *cfg, const struct store *st, const char *path,
		     GString *err);

#endif
