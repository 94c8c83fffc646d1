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

/* Keep processing until SIGTERM/SIGINT: poll every poll_interval seconds
 * (IDLE where the inbox offers it).  Returns the exit status. */
int run_daemon(const struct config *cfg);

#endif
