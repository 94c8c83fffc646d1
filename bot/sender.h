/*
 * sender.h - sending the outbox on a thread of its own, so that the
 * replies of one batch go out while the next batch is fetched and handled.
 *
 * The caller (the drain loop in run.c) hands over work only at points
 * where everything in outbox/new is durable: from store_flush()'s applied
 * hook (store_on_applied: the batch's journal record is on disk, the
 * files are written, the file system not yet synced), or after a flush.  The thread owns its SMTP connection (an
 * outbox_link), the moves out of outbox/new and the retry file while it
 * has work; outbox_flush() may run on the caller's thread only after
 * sender_wait().  Jobs run in the order they were pushed.
 *
 * Signals are blocked on the thread: SIGTERM, SIGHUP and the parse guard's
 * timer reach the caller's thread.  A configuration passed to a push is
 * borrowed until sender_forget() (or sender_free()).
 */
#ifndef MCBOT_SENDER_H
#define MCBOT_SENDER_H

#include <glib.h>
#include "config.h"
#include "outbox.h"

struct sender;

struct sender *sender_new(void);

/* Wait for every job, drop the connection (QUIT), end the thread. */
void sender_free(struct sender *s);

/*
 * Queue the mails that appeared in outbox/new since the last call: call
 * it from each store_flush()'s applied hook.  Blocks while two jobs are unfinished, so
 * that the outbox does not grow much past two batches (the outbox brake
 * counts outbox/new).  -1 when outbox/new cannot be read.
 */
int sender_push_new(struct sender *s, const struct config *cfg, GString *err);

/*
 * Queue a pass over all of outbox/new: mails whose retry time has come,
 * and any a lost connection left.  (The names of a pass that could not
 * reach the server are also tried again by the next push.)
 */
void sender_push_all(struct sender *s, const struct config *cfg);

/* -1 (reason in err) when a job met a local I/O error since the last
 * sender_wait(); does not wait. */
int sender_check(struct sender *s, GString *err);

/*
 * Wait until every queued job is done; add their counts to *st (may be
 * NULL).  -1 (reason in err) when one met a local I/O error: the caller
 * stops, as for an unwritable store.
 */
int sender_wait(struct sender *s, struct outbox_stats *st, GString *err);

/* Wait, then drop the kept connection: before the configuration it was
 * made with is freed (reload). */
void sender_forget(struct sender *s);

#endif
