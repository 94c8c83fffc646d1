/*
 * limits_reply.h - the brakes on automatic replies (RFC 3834 section 2:
 * "an automatic responder MUST NOT respond more than once per period"),
 * and the counters behind them, all kept in the store so that they change
 * in the same transaction as the mail that moves them (exactly once).
 *
 * A reply to an address is withheld when
 *   - the address has [limits] max_hard_bounces hard bounces or more
 *     ("hard-bounces"; counted by the bounce handler, handlers/bounce.h),
 *   - the address already got [limits] max_replies_per_sender_day replies
 *     this UTC day ("sender-cap"; configured organizers have no cap),
 *   - outbox/new holds more than [limits] outbox_brake mails waiting
 *     ("outbox-brake"; counted on disk, so the replies of the batch being
 *     handled, at most [imap] batch, can go over it).
 * A value of 0 turns the check off.
 *
 * Files (relative to the state directory, written only through a txn):
 *   bounces                 "unix-time<TAB>address<TAB>status" per hard
 *                           bounce, append-only; delete lines to forgive
 *   limits/replies/<day>    one "address" line per reply queued that UTC
 *                           day (YYYY-MM-DD); files older than two days
 *                           are removed by the first reply of a day
 *   stats/dropped           "day<TAB>reason<TAB>count": mail not answered
 *                           by rule (auto-submitted, bounce, list, loop,
 *                           hard-bounce, ...), per UTC day and reason
 *   stats/withheld          "day<TAB>reason<TAB>count": replies withheld
 *                           by the checks above
 * Addresses in these files are lowercased.
 */
#ifndef MCBOT_LIMITS_REPLY_H
#define MCBOT_LIMITS_REPLY_H

#include <glib.h>

#include "config.h"
#include "store.h"

#define LIMITS_BOUNCES_FILE "bounces"
#define LIMITS_DROPPED_FILE "stats/dropped"
#define LIMITS_WITHHELD_FILE "stats/withheld"

/*
 * Why a reply to rcpt must not be queued now ("hard-bounces",
 * "sender-cap", "outbox-brake": static strings), or NULL when it may.
 * Sees the changes staged by earlier mails of the batch.
 */
const char *limits_reply_refusal(const struct config *cfg, const struct store *st, gint64 now,
				 const char *rcpt);

/* Count one reply queued to rcpt today (for the per-sender cap), in t. */
void limits_reply_note(struct txn *t, const struct store *st, gint64 now, const char *rcpt);

/*
 * The same pair for a caller that stages nothing between them (one
 * reply of a mail): limits_reply_check() also says in *day_file whether
 * today's reply file exists (1, 0; -1 when it did not look), and
 * limits_reply_note_seen() takes that instead of reading the file again
 * (-1: it reads it).
 */
const char *limits_reply_check(const struct config *cfg, const struct store *st, gint64 now,
			       const char *rcpt, int *day_file);
void limits_reply_note_seen(struct txn *t, const struct store *st, gint64 now, const char *rcpt,
			    int day_file);

/*
 * Add one to the count of (UTC day of now, reason) in the stats file rel
 * (LIMITS_DROPPED_FILE or LIMITS_WITHHELD_FILE), in t.  reason is one of
 * our words; it is cleaned anyway.
 */
void limits_reply_count(struct txn *t, const struct store *st, const char *rel, gint64 now,
			const char *reason);

/* Record one hard bounce of addr with its status ("5.1.1"), in t.
 * Nothing is recorded when addr is not a plain address. */
void limits_reply_bounce(struct txn *t, gint64 now, const char *addr, const char *status);

/* The hard bounces of addr in the contents of a bounces file. */
int limits_reply_bounces_in(const char *data, gsize len, const char *addr);

/*
 * Every address with at least min hard bounces in state_dir/bounces, as a
 * set of lowercased addresses (transfer full; empty when there is no
 * file).  For the outbox, which reads the file between transactions.
 */
GHashTable *limits_reply_bounced(const char *state_dir, int min);

/* The UTC day of t as "YYYY-MM-DD" (transfer full). */
char *limits_reply_day(gint64 t);

#endif
