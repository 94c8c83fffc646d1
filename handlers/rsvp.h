/*
 * rsvp.h - participants telling the list that they plan to attend an MC,
 * or that they will not.
 *
 *   rsvp_read.c   what a mail says, from its form alone (pure, no store):
 *                 attending or declining, and every way it names an MC;
 *   rsvp_match.c  which MC of the store a name, a thread or a Message-ID
 *                 means, tolerant of "MC", case, punctuation and typos;
 *   rsvp_candidates.c  the few MCs a name can fit, from the MC index
 *                 (mc_index.h), so that rsvp_match.c scores only those;
 *   rsvp.c        the handler: records or removes the attendee in the
 *                 transaction and replies.
 *
 * Ownership follows util.h: the caller owns what it passes and what it
 * gets back, unless a prototype says "borrowed".
 *
 * What the handler writes to an MC's log (the digest reads these):
 *   "rsvp: attending (<n> attendees)"     someone was added
 *   "rsvp cancelled (<n> attendees)"      someone was removed
 * The actor is the attendee's address.  A repeated RSVP, a decline from
 * someone not on the list and a name that fits no open MC change nothing
 * and log nothing (the reply still goes out).
 */
#ifndef MCBOT_RSVP_H
#define MCBOT_RSVP_H

#include <glib.h>

#include "../bot/config.h"
#include "../bot/mail.h"
#include "../bot/store.h"

/* MC states that take new RSVPs when the configuration names none. */
#define RSVP_STATES_DEFAULT "proposed,accepted"

/* ---- rsvp_read.c ---- */

enum rsvp_wording {
	RSVP_SAYS_NOTHING,
	RSVP_SAYS_ATTEND,           /* "I plan to attend", "count me in", "RSVP", ... */
	RSVP_SAYS_DECLINE,          /* "can't make it", "cancel", "count me out", ... */
};

/*
 * What text (one's own words: no quotes, no signature) says about
 * attending.  Sentence by sentence: the first one that says something
 * decides.  A negation before the verb makes a decline ("won't be able to
 * make it"); questions say nothing.  English, plus common phrases in a few
 * other languages.
 */
enum rsvp_wording rsvp_wording(const char *text);

/* True when the mail was sent to the list's "+rsvp" sub-address
 * (local+rsvp@domain, or local+rsvp-<mc>@domain), seen in Delivered-To,
 * To or Cc.  list_address may be NULL (then FALSE). */
gboolean rsvp_to_subaddress(const struct mail *m, const char *list_address);

/* Where a name of an MC was found; the order is the order of trust. */
enum rsvp_source {
	RSVP_SRC_TAG,               /* "[LPC MC-3]" or "MC-3" in the Subject: an id */
	RSVP_SRC_SUBJECT,           /* "RSVP: Android MC", "Android MC - attendance" */
	RSVP_SRC_BODY,              /* "I plan to attend the Android MC" */
	RSVP_SRC_SUBADDRESS,        /* mc+rsvp-android@ */
	RSVP_SRC_THREAD,            /* (rsvp_match.c only) In-Reply-To/References in the store */
	RSVP_SRC_REPLY_SUBJECT,     /* "Re: New microconference proposed: Android MC" */
	RSVP_SRC_ANNOUNCE,          /* announce.<key>.<...>@ in In-Reply-To/References */
	RSVP_SRC_LOOSE,             /* "attend the Android." or the bare Subject */
};

struct rsvp_name {
	enum rsvp_source source;
	char *text;                 /* as written: one clean line, never NULL */
	int id;                     /* > 0: the text names MC <id> exactly */
};

struct rsvp_req {
	gboolean attending;         /* FALSE: a decline or a cancel */
	gboolean subaddress;        /* sent to the +rsvp sub-address */
	GPtrArray *names;           /* struct rsvp_name *, strongest source first */
};

/*
 * Read an RSVP: the wording of the mail's own text, then of the Subject,
 * decides attending (a mail that says nothing attends); the names come
 * from the Subject (tag is the configured subject tag, "LPC"; may be
 * NULL), the body, the sub-address and announcement Message-IDs.  Never
 * fails; names may be empty.
 */
struct rsvp_req *rsvp_read(const struct mail *m, const char *list_address, const char *tag);
void rsvp_req_free(struct rsvp_req *r);

/* The MC as the mail writes it: the first name, or NULL (borrowed). */
const char *rsvp_req_written(const struct rsvp_req *r);

/* An announcement's Message-ID, ours ("announce.<slug>.<id>.<hash>@...",
 * *id set) or the older form ("announce.<key>.<year>@...", *id 0): puts
 * the slug or key in *key (transfer full) and returns TRUE. */
gboolean rsvp_announce_id_parse(const char *msgid, char **key, int *id);

/* ---- rsvp_match.c ---- */

enum rsvp_found {
	RSVP_FOUND,                 /* one MC, open for this request */
	RSVP_CLOSED,                /* one MC, but its state takes no RSVPs */
	RSVP_AMBIGUOUS,             /* the best name fits several MCs equally */
	RSVP_UNKNOWN,               /* no name fits any MC (or no name at all) */
};

struct rsvp_resolution {
	enum rsvp_found found;
	struct mc *mc;              /* borrowed from the store: FOUND and CLOSED */
	const char *name;           /* borrowed from the request: the name that decided
	                               (or was tried first when nothing fit); NULL for
	                               a thread or when the mail names nothing */
	GPtrArray *closest;         /* struct mc *, borrowed: the open MCs, closest to
	                               name first (AMBIGUOUS: the tied ones lead) */
	int n_close;                /* how many of closest really resemble the name */
};

/*
 * How well name fits mc, 0 (not at all) to 100 (same id, slug or title
 * give or take case, punctuation and "MC").  Every word of the name must
 * fit a word of the title (equal, a typo, a prefix, an acronym such as
 * "PM" for "Power Management", or joined words such as "OpenPrinting")
 * to reach RSVP_SCORE_FIT; the more of the title it covers, the higher.
 */
#define RSVP_SCORE_FIT 60
int rsvp_match_score(const char *name, const struct mc *mc);

/*
 * Resolve r against the store.  Names are tried in order, the thread
 * (In-Reply-To, then References newest first, through
 * store_mc_by_thread) at its place in that order; the first that fits
 * one MC decides.  states: comma-separated MC states that take RSVPs
 * ("proposed,accepted"); NULL: every state but "withdrawn" (for a
 * decline).  Fills *res; free it with rsvp_resolution_clear.
 */
void rsvp_resolve(const struct rsvp_req *r, const struct mail *m, const struct store *st,
		  const char *states, struct rsvp_resolution *res);
void rsvp_resolution_clear(struct rsvp_resolution *res);

/* True when status is one of the comma-separated states (NULL: all but withdrawn). */
gboolean rsvp_state_open(const char *status, const char *states);

/*
 * One name (an id, "MC-3", a slug or a title, loosely written) among the
 * MCs whose state is in states (NULL: all but withdrawn).  FOUND sets *out
 * (borrowed); AMBIGUOUS and UNKNOWN leave it NULL.  For the command line.
 */
enum rsvp_found rsvp_find(const struct store *st, const char *name, const char *states,
			  struct mc **out);

/* ---- rsvp.c ---- */

/* The MC states that take RSVPs: the configured list, or RSVP_STATES_DEFAULT. */
const char *rsvp_states(const struct config *cfg);

#endif
