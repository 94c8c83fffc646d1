/*
 * digest.h - the weekly digests: one per MC to each of its leads, and one
 * overall to each organizer.
 *
 * Schedule.  [digest] day, time and timezone name one instant a week (in
 * that zone's local time, so it follows daylight saving time).  A period
 * is the week that starts at such an instant; it is named by the local
 * date of that instant, "YYYY-MM-DD", and those names sort in time order.
 * The digest of a period is due from its start on.  A local time that a
 * DST change skips is taken as the first instant after the gap, one that
 * happens twice as its second occurrence (GLib's rules); either way there
 * is exactly one start per week.
 *
 * Once per period per recipient.  state_dir/digests/state remembers, per
 * recipient, the last period sent, its issue number and the end of the
 * window it covered.  A run queues every due digest and the new memory in
 * ONE transaction: a crash sends nothing or everything, once.  Only the
 * current period is ever due, so weeks missed while mcbot was down give
 * one digest on start, not one per missed week.  The digests of a period
 * share one issue number; the first period with a digest is issue 1.
 *
 * Recipients.  The organizer digest goes to every configured organizer
 * address, once there is an MC that existed at the start of the period.  A lead digest goes to each lead with a valid address of each
 * MC that existed at the start of the period (an MC proposed later gets
 * its first digest the next week) and is not closed (rejected, withdrawn
 * or merged: its leads had the decision mail; organizers still see it).  A recipient's digest covers what
 * happened since its previous one (everything, for a first one) until the
 * run: half-open windows [since, until), so nothing is told twice.
 *
 * "What happened" comes from the store: each MC's log (time, actor,
 * action lines written by the handlers and commands), its RSVPs' dates,
 * digests/mail-log (mail that was not simply done, written by run.c
 * through digest_note_mail), and the outbox directories.  The store is
 * read once per run, whatever the number of recipients.
 *
 * Ownership follows util.h: the caller owns what it passes and gets back.
 */
#ifndef MCBOT_DIGEST_H
#define MCBOT_DIGEST_H

#include <glib.h>

#include "config.h"
#include "inbox.h"
#include "store.h"
#include "template.h"

/* "YYYY-MM-DD" and its NUL. */
#define DIGEST_PERIOD_LEN 11

struct digest_period {
	char id[DIGEST_PERIOD_LEN];     /* local date of the start, in the digest's zone */
	gint64 start;                   /* Unix time of the start */
	gint64 next;                    /* Unix time of the next period's start */
};

/*
 * The period a digest sent at now belongs to: the one that started last
 * (start <= now < next), or with ahead, the one that starts next (for
 * sending a digest before its time: `mcbot digest --now`).  tz is a
 * GTimeZone identifier ("UTC", "Europe/Berlin", "+02:00"); weekday 1 =
 * Monday ... 7 = Sunday; minute is minutes after local midnight (0-1439).
 * -1 with a reason for a bad zone or values.
 */
int digest_period_at(const char *tz, int weekday, int minute, gint64 now, gboolean ahead,
		     struct digest_period *out, GString *err);

enum digest_flags {
	DIGEST_DRY_RUN = 1 << 0,        /* render and build, print, change and send nothing */
	DIGEST_AHEAD = 1 << 1,          /* the next period's digests now (--now) */
};

struct digest_report {
	struct digest_period period;
	int issue;                      /* the issue number used (0: nothing due) */
	int leads, organizers;          /* digests queued (or shown, dry-run) */
	int skipped;                    /* recipients without a usable address, logged */
	GString *text;                  /* DIGEST_DRY_RUN: every digest as it would be
	                                   sent; set it to a GString to get them, or NULL */
};

/*
 * Queue the due digests of the period at now (see above) and remember
 * them, in one transaction.  A run with nothing due changes nothing and
 * reports issue 0 (but takes away a pending digest_request()).  -1 when the templates cannot be rendered or the state
 * cannot be read or written (with the reason).  Queued mail is not sent
 * here: the caller flushes the outbox.  st is borrowed; so are cfg and tpl.
 */
int digest_run(const struct config *cfg, struct store *st, const struct templates *tpl,
	       gint64 now, unsigned flags, struct digest_report *rep, GString *err);

/*
 * For the daemon's loop: when [digest] enabled, send what is due (queue,
 * commit, flush the outbox) and log it.  Cheap when nothing is due.  A
 * failure is logged (once per period) and tried again at the next tick;
 * the daemon goes on handling mail.
 */
void digest_tick(const struct config *cfg, struct store *st, const struct templates *tpl,
		 gint64 now);

/*
 * An organizer's "digest now", recorded in the command's transaction t
 * (digests/request: when, by whom): the next digest run - the daemon's
 * next tick, or the next `mcbot digest` - behaves as with --now and then
 * removes the request in its own transaction.  Still at most one digest
 * per period per recipient.
 */
void digest_request(struct txn *t, gint64 when, const char *by);

/* `mcbot digest [--dry-run] [--now]`: argv[0] is "digest".  Exit status. */
int digest_main(const struct config *cfg, int argc, char **argv);

/*
 * Remember, for the organizers' digest, a mail that was not simply done
 * (dropped, refused, failed, oversize), in the mail's own transaction.
 * key identifies the mail (its processed key, or a hash of its bytes) so
 * that a mail noted twice is counted once; sender and detail may be NULL.
 * Every value is cleaned to one short line.
 */
void digest_note_mail(struct txn *t, gint64 when, enum folder folder, const char *outcome,
		      const char *key, const char *sender, const char *detail);

/*
 * The same for a fetched mail that never got that far: too large to fetch
 * (it->raw NULL: "oversize") or not parseable ("unparsable", why says
 * how).  Staged in a transaction of its own (txn_stage): durable with the
 * batch's store_flush, before the mail is moved.
 */
void digest_note_unparsed(struct store *st, gint64 when, const struct inbox_item *it,
			  const char *why);

#endif
