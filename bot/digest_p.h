/*
 * digest_p.h - what the digest files share:
 *
 *   digest.c          the run: recipients, what is due, one transaction;
 *                     the daemon tick and `mcbot digest`
 *   digest_period.c   the schedule: periods in a time zone
 *   digest_state.c    the memory: digests/state, and digests/mail-log
 *   digest_collect.c  the week's view: MC logs, RSVPs, mail, outbox
 *   digest_render.c   template values for a lead's digest, and shared helpers
 *   digest_organizer.c template values for an organizer's digest
 *   digest_table.c    aligned plain-text tables
 */
#ifndef MCBOT_DIGEST_P_H
#define MCBOT_DIGEST_P_H

#include "digest.h"

#define DIGEST_DIR "digests"
#define DIGEST_STATE_FILE "digests/state"
#define DIGEST_MAIL_LOG "digests/mail-log"
#define DIGEST_REQUEST_FILE "digests/request"
#define DIGEST_STATE_FORMAT "mcbot-digests 1"

/* ---- digest_state.c ---- */

/* What one recipient last received. */
struct digest_mark {
	char period[DIGEST_PERIOD_LEN];
	int issue;
	gint64 until;               /* the end of the window that digest covered */
};

struct digest_state {
	int issue;                  /* the last issue number; 0 before the first */
	char period[DIGEST_PERIOD_LEN];     /* that issue's period; "" before the first */
	GHashTable *marks;          /* recipient key -> struct digest_mark * (owned) */
};

/*
 * Recipient keys: "organizer:<addr>" and "lead:<mc id>:<addr>", addresses
 * lowercased (transfer full).
 */
char *digest_key_organizer(const char *addr);
char *digest_key_lead(int mc_id, const char *addr);

struct digest_state *digest_state_new(void);
void digest_state_free(struct digest_state *s);
/* Parse the state file's text; bad lines are skipped with a warning. -1
 * only for an unknown format line. */
int digest_state_parse(const char *data, gsize len, struct digest_state **out, GString *err);
/* Read state_dir/digests/state; a missing file is an empty state. */
int digest_state_load(const char *state_dir, struct digest_state **out, GString *err);
/* The file's text, lines sorted, so that it diffs well (transfer full). */
GString *digest_state_format(const struct digest_state *s);
/* Borrowed; NULL when the recipient never received a digest. */
const struct digest_mark *digest_state_mark(const struct digest_state *s, const char *key);
void digest_state_set(struct digest_state *s, const char *key, const char *period, int issue,
		      gint64 until);

/* One line of digests/mail-log. */
struct digest_mail {
	gint64 when;
	char *folder;               /* "dropped", "refused", "failed", "oversize" */
	char *outcome;              /* the handler's word, or "unparsable", ... */
	char *key;
	char *sender;               /* "" when unknown */
	char *detail;               /* "" when none */
};

void digest_mail_free(struct digest_mail *m);
/* Parse the mail log; a mail noted twice (same key) is kept once.
 * (struct digest_mail *, transfer full) */
GPtrArray *digest_mail_parse(const char *data);

/* ---- digest_collect.c ---- */

enum digest_event_kind {
	DEV_PROPOSED,               /* "proposed as ..." */
	DEV_VERSION,                /* "updated to version N ..." */
	DEV_RSVP,                   /* "rsvp: attending ..." */
	DEV_CANCEL,                 /* "rsvp cancelled ..." */
	DEV_DECISION,               /* accept / reject / waitlist / withdraw / merge ... */
	DEV_NOTE,                   /* "note: ...", an organizer's note */
	DEV_DUPLICATE,              /* "possible duplicate proposed by ..." */
	DEV_OTHER,
};

struct digest_event {
	gint64 when;
	enum digest_event_kind kind;
	char *actor;
	char *action;
};

/* One MC and its history. */
struct digest_mc {
	const struct mc *mc;        /* borrowed from the store */
	GPtrArray *events;          /* struct digest_event *, in log order */
};

/* Everything a run's digests tell, read once. */
struct digest_view {
	GPtrArray *mcs;             /* struct digest_mc *, ordered by id */
	GPtrArray *mail;            /* struct digest_mail *, in time order */
	int outbox_queued;          /* files in outbox/new */
	int outbox_retrying;        /* of which the retry file holds a count */
	int outbox_max_attempts;
	int outbox_failed;          /* mails in outbox/failed */
	GPtrArray *outbox_failures; /* char *: "name: reason" of the newest failures */
};

/* The kind of a log action (pure). */
enum digest_event_kind digest_event_kind(const char *action);

/* Read the store's logs, mail log and outbox once. */
int digest_view_build(struct store *st, struct digest_view **out, GString *err);
void digest_view_free(struct digest_view *v);

/* ---- digest_render.c ---- */

/* What the renderer needs besides the view. */
struct digest_render {
	const struct config *cfg;
	const struct digest_view *view;
	const struct digest_period *period;
	int issue;
	gint64 now;
	GTimeZone *tz;              /* the digest's zone, for dates shown */
	char *deadline;             /* the CfP deadline with its zone, or NULL (owned) */
};

/*
 * Template values (char * -> char *, both owned by the table: free with
 * g_hash_table_unref) for one lead's digest of dm covering [since, until)
 * (recipient_name may be NULL), and for an organizer's digest.
 */
GHashTable *digest_lead_vars(const struct digest_render *r, const struct digest_mc *dm,
			     const char *recipient_name, gint64 since, gint64 until);

/* digest_organizer.c: the organizer's digest. */
GHashTable *digest_organizer_vars(const struct digest_render *r, gint64 since, gint64 until);

/* Shared by digest_render.c and digest_organizer.c. */
struct digest_week {                /* what happened to one MC in a window */
	int new_rsvps, cancelled, versions, decisions, notes, duplicates, other;
	gboolean created;
};

void digest_week_count(const struct digest_mc *dm, gint64 since, gint64 until,
		       struct digest_week *w);
gboolean digest_week_quiet(const struct digest_week *w);
/* Values every digest has: list, issue, since, until, next_digest, date, deadline. */
GHashTable *digest_common_vars(const struct digest_render *r, gint64 since, gint64 until);
/* "<date>  version 2: topics: 3 -> 5" for a DEV_VERSION or DEV_PROPOSED event. */
char *digest_version_line(GTimeZone *tz, const struct digest_event *e);

/* "YYYY-MM-DD HH:MM ZONE" and "YYYY-MM-DD" of t in tz (transfer full). */
char *digest_format_time(GTimeZone *tz, gint64 t);
char *digest_format_date(GTimeZone *tz, gint64 t);

/* A value into a table of template values (takes value). */
static inline void
digest_put(GHashTable *v, const char *key, char *value)
{
	g_hash_table_replace(v, g_strdup(key), value);
}

/* The keys of h (borrowed) in an array that the caller unrefs; GLib 2.74
 * lacks g_hash_table_get_keys_as_ptr_array. */
static inline GPtrArray *
digest_keys(GHashTable *h)
{
	GPtrArray *keys = g_ptr_array_sized_new(g_hash_table_size(h));
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, h);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(keys, k);
	return keys;
}

/* t in the half-open window [since, until). */
static inline gboolean
digest_within(gint64 t, gint64 since, gint64 until)
{
	return t >= since && t < until;
}

/*
 * The deadline text when it reads as "YYYY-MM-DD[ HH:MM] ZONE": its
 * Unix time in *when and TRUE; FALSE for free text we cannot place.
 */
gboolean digest_deadline_parse(const char *text, gint64 *when);

/* ---- digest_table.c ---- */

enum { DIGEST_LEFT = 'l', DIGEST_RIGHT = 'r' };

struct digest_table;

/*
 * A table of ncols columns: headers (borrowed, copied), align a string of
 * 'l' / 'r' per column, max the widest a column may be (0: no bound; a
 * longer cell is cut and ends with "…").  Widths are terminal columns:
 * wide (East Asian) characters count two, combining marks none.
 */
struct digest_table *digest_table_new(int ncols, const char *const *headers, const char *align,
				      const int *max);
/* Add a row (cells copied; NULL is ""); cells are cleaned to one line. */
void digest_table_add(struct digest_table *t, const char *const *cells);
guint digest_table_rows(const struct digest_table *t);
/* Header, a rule of dashes, the rows; columns two spaces apart; no
 * trailing white space; LF-terminated lines (transfer full). */
char *digest_table_render(const struct digest_table *t);
void digest_table_free(struct digest_table *t);

/* Terminal columns s takes. */
int digest_text_width(const char *s);
/* s cut to at most width columns, "…" marking a cut (transfer full). */
char *digest_text_fit(const char *s, int width);

#endif
