/*
 * run.h - the main job: fetch waiting mail, handle each one in its own
 * transaction, move it to its folder, send the outbox.
 */
#ifndef MCBOT_RUN_H
#define MCBOT_RUN_H

#include "config.h"

struct run_stats {
	int seen, done, dropped, failed, oversize, skipped;
};

/* Process everything waiting, once.  -1 on a fatal or connection error. */
int run_once(const struct config *cfg, struct run_stats *rs, GString *err);

/*
 * `mcbot replay FILE.eml`: handle the saved mail at path exactly as a mail
 * fetched from the inbox (same parse, dispatch, commit and log line; a
 * mail whose key is already processed is skipped), then send the outbox.
 * rs counts what happened.  -1 when the file cannot be read, the
 * templates or the store cannot be opened, or the state is not writable.
 */
int run_replay(const struct config *cfg, const char *path, struct run_stats *rs, GString *err);

/* Keep processing until SIGTERM/SIGINT: poll every poll_interval seconds
 * (IDLE where the inbox offers it).  SIGTERM finishes the current mail.
 * SIGHUP reloads the configuration (from cfg->path) and the templates
 * between batches; when the new ones have a problem the running ones stay.
 * cfg is borrowed.  Returns the exit status. */
int run_daemon(const struct config *cfg);

#endif
