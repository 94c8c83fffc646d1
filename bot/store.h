/*
 * store.h - the flat-file store of MC state, and the transactions that
 * change it.
 *
 *   state_dir/lock             flock()ed while an instance runs
 *   state_dir/processed        key<TAB>folder of each handled mail, one per line
 *   state_dir/next-id          the next MC number
 *   state_dir/journal/         committed but not yet applied transactions
 *   state_dir/mc/<id>/proposal the current version as "Field: value" lines,
 *                              a blank line, then the description
 *   state_dir/mc/<id>/versions/<n>.eml  the original mail of version n
 *   state_dir/mc/<id>/rsvps    email<TAB>name<TAB>unix-time lines
 *   state_dir/mc/<id>/threads  the MC's thread Message-IDs, one a line (older
 *                              stores: "Thread:" lines of the proposal, still read)
 *   state_dir/mc/<id>/log      unix-time<TAB>actor<TAB>action lines
 *   state_dir/outbox/          see outbox.h
 *
 * The whole store is read once at open and kept in memory; lookups by id,
 * slug, key and thread Message-ID are hash lookups.  Every change goes
 * through a struct txn: the handler records changes, txn_commit() writes
 * one journal file (fsync), applies each change (whole files tmp ->
 * rename; appends at a recorded offset, so a replay is idempotent), syncs
 * the file system, updates memory, and removes the journal file.
 * store_open() replays a journal left by a crash.  A proposal file is
 * rewritten only when its text changes; RSVPs and threads added to an MC
 * are appended to its rsvps and threads files.
 */
#ifndef MCBOT_STORE_H
#define MCBOT_STORE_H

#include <glib.h>
#include "../handlers/extract.h"

#define STORE_FORMAT "mcbot-mc 1"

struct rsvp {
	char *email;
	char *name;
	gint64 date;
};

struct mc {
	int id;
	char *slug;
	char *title;
	char *status;               /* "proposed", "accepted", "rejected", "waitlisted", "withdrawn" */
	int version;
	char *proposer;             /* address of the first proposer */
	gint64 created, updated;
	struct proposal *p;         /* the current version's fields (title mirrored above) */
	GPtrArray *threads;         /* char *: Message-IDs of the proposal mails and our replies */
	GPtrArray *rsvps;           /* struct rsvp * */
};

struct store;
struct txn;

/* Lock, replay the journal, read everything.  Fatal problems return -1. */
int store_open(const char *state_dir, struct store **out, GString *err);

/*
 * Read everything without the lock, next to a running daemon: for list,
 * show, export and parse.  Every file is replaced atomically, so each is
 * read whole, old or new; a change still in the journal is not seen yet.
 * A state directory that does not exist yet reads as an empty store.
 * Committing a transaction on such a store fails.
 */
int store_open_readonly(const char *state_dir, struct store **out, GString *err);
void store_close(struct store *st);

const char *store_dir(const struct store *st);

/* Lookups (borrowed results, valid until the next commit). */
gboolean store_processed(const struct store *st, const char *key);
/* The folder recorded for a processed key, or NULL when not processed. */
const char *store_processed_folder(const struct store *st, const char *key);
struct mc *store_mc_by_id(const struct store *st, int id);
struct mc *store_mc_by_slug(const struct store *st, const char *slug);
struct mc *store_mc_by_thread(const struct store *st, const char *msgid);
/* All MCs, ordered by id (borrowed array of struct mc *). */
GPtrArray *store_mcs(const struct store *st);
/*
 * A stamp for caches over the MCs' names: serial tells this store from
 * any other the process opened, names changes whenever an MC is added or
 * gets another title or slug (not when only its RSVPs or fields change).
 */
void store_names_stamp(const struct store *st, guint64 *serial, guint64 *names);
/*
 * An MC named by an operator or organizer: its id ("3", "MC-3"), its slug,
 * its title (compared as slugs: case, punctuation and a trailing "MC" do
 * not matter), or the first words of one slug only ("sched-ext").  NULL
 * when nothing or more than one MC fits (borrowed).
 */
struct mc *store_find_mc(const struct store *st, const char *name);

/* A deep copy for a handler to change and put back (transfer full). */
struct mc *mc_dup(const struct mc *mc);
void mc_free(struct mc *mc);
void rsvp_free(struct rsvp *r);

/* Transactions. */
struct txn *txn_new(struct store *st);
void txn_free(struct txn *t);              /* abandons what was not committed */

/* A new MC with the next id (counted in this txn); the caller fills it
 * and hands it to txn_put_mc.  (transfer full) */
struct mc *txn_new_mc(struct txn *t, const char *title);
/* Write mc's proposal file and install it in memory on commit.  Takes mc
 * (it is freed at once: keep no pointer to it). */
void txn_put_mc(struct txn *t, struct mc *mc);
/* Keep an original mail as mc/<id>/versions/<n>.eml. */
void txn_put_version(struct txn *t, int mc_id, int n, const char *raw, gsize len);
/* Append one line to mc/<id>/log. */
void txn_log(struct txn *t, int mc_id, gint64 when, const char *actor, const char *action);
/* Rewrite mc/<id>/rsvps from mc->rsvps (call before txn_put_mc of that mc). */
void txn_put_rsvps(struct txn *t, const struct mc *mc);
/*
 * Add one RSVP (r, copied) and a Message-ID (thread, may be NULL) to MC
 * mc_id: a line appended to its rsvps and threads files each; on commit
 * the MC in memory gets them as a restart would read them.  Neither the MC
 * nor its lists are copied or written again, so an RSVP costs the same
 * however many the MC has.  Not with txn_put_mc or txn_put_rsvps of the
 * same MC in one transaction (an error).
 */
void txn_add_rsvp(struct txn *t, int mc_id, const struct rsvp *r, const char *thread);
/* Queue an outgoing mail file (outbox_format() contents) as outbox/new/<name>. */
void txn_queue_mail(struct txn *t, const char *name, GBytes *data);
/* Mark a mail key processed, and remember the folder it goes to
 * ("done", "dropped", ...: a leaf name from folder_name()), so that a
 * mail found again after a crash is moved where it belongs. */
void txn_processed_in(struct txn *t, const char *key, const char *folder);
/* The same with folder "done". */
void txn_processed(struct txn *t, const char *key);

/*
 * Store-wide files that belong to no MC (e.g. digests/state): replace the
 * whole file, or append bytes to it, on commit.  relpath is relative to
 * the state directory and built by the caller from constants, never from
 * mail: components of [A-Za-z0-9._-] separated by '/', none starting with
 * '.'; anything else is a programming error (g_error).  Parent directories
 * are created.  data is borrowed (the txn takes its own reference).
 */
void txn_write_file(struct txn *t, const char *relpath, GBytes *data);
void txn_append_file(struct txn *t, const char *relpath, GBytes *data);
/* Remove such a file on commit (nothing happens when it does not exist). */
void txn_remove_file(struct txn *t, const char *relpath);

/*
 * Such a file as the store sees it now: its contents on disk with every
 * staged but not yet flushed change (txn_stage) applied, so a later mail
 * of a batch reads what an earlier one wrote.  NULL when it does not
 * exist (or, on disk, is larger than max bytes; 0: no limit).  Same
 * relpath rules as above.  A NUL byte follows the data (not counted in
 * its size), so text files can be read as strings.  (transfer full)
 */
GBytes *store_read_file(const struct store *st, const char *relpath, gsize max);

/*
 * The same file from byte from on (none when from is past its end), and
 * its whole size in *size (0 when it does not exist): for files that only
 * grow, read again after each addition.  NULL when it does not exist.
 * (transfer full)
 */
GBytes *store_read_tail(const struct store *st, const char *relpath, gsize from, gsize *size);

/*
 * Make the transaction durable and apply it (txn_stage + store_flush).
 * -1 only when the state directory cannot be written (the caller stops:
 * that is fatal).  Test hook: MCBOT_CRASH_AFTER=N in the environment
 * exits the process after the N-th durable step.
 */
int txn_commit(struct txn *t, GString *err);

/*
 * Group commit.  txn_stage() applies the transaction to memory at once
 * (later mails of a batch see it) and queues its file changes;
 * store_flush() writes everything staged as ONE journal record (fsync),
 * applies it, syncs the file system and removes the record.  Nothing that
 * depends on a staged change (moving the mail, sending its replies) may
 * happen before store_flush() returned 0.  store_close() drops what was
 * staged and not flushed - as a crash would.
 */
void txn_stage(struct txn *t);
int store_flush(struct store *st, GString *err);

/*
 * fn(data, err) is called by each store_flush() once the batch's changes
 * are in the files, before the file system is synced: the journal record
 * is durable by then, so what fn starts (sending the batch's replies)
 * cannot outlive lost changes; after a crash the replay makes them again,
 * but does not queue again a mail already in outbox/sent or outbox/failed.
 * When fn returns -1 the flush still completes, then returns -1.  NULL: none.
 */
typedef int (*store_applied_fn)(void *data, GString *err);
void store_on_applied(struct store *st, store_applied_fn fn, void *data);

/* Count a durable step for the crash-at-every-step tests. */
void store_step(void);

#endif
