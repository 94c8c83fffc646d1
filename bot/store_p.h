/*
 * store_p.h - what store.c, store_mc.c, store_txn.c, store_apply.c and
 * store_file.c share.
 */
#ifndef MCBOT_STORE_P_H
#define MCBOT_STORE_P_H

#include "store.h"

enum op_kind { OP_WRITE = 'W', OP_APPEND = 'A', OP_REMOVE = 'D' };

/* One file change of a transaction. */
struct op {
	enum op_kind kind;
	char *rel;                  /* relative to the state dir; built by us, never from mail */
	GBytes *data;
	gint64 offset;              /* appends: set when staged */
};

struct store {
	char *dir;
	int lock_fd;
	gboolean readonly;          /* store_open_readonly: no lock, no journal, no commits */
	GHashTable *processed;      /* key -> folder name (interned) */
	GPtrArray *mcs;             /* struct mc *, ordered by id, owns them */
	GHashTable *by_id;          /* GINT_TO_POINTER(id) -> struct mc * (borrowed) */
	GHashTable *by_slug;        /* slug -> struct mc * (borrowed keys and values) */
	GHashTable *by_thread;      /* message id -> struct mc * (borrowed) */
	int next_id;
	guint64 journal_seq;
	GPtrArray *pending;         /* struct op * staged by txn_stage, not yet on disk */
	GHashTable *by_path;        /* relpath -> GPtrArray of the pending ops on it (borrowed) */
	GHashTable *sizes;          /* relpath -> gint64 *: file sizes after the pending ops */
	GHashTable *dirs;           /* directories made or seen by this process (set of paths) */
	GHashTable *files;          /* relpath -> struct cached_file *: store_read_file's cache */
	gsize files_bytes;          /* what that cache holds */
	guint64 serial;             /* unique among the stores this process opened */
	guint64 names;              /* counts MCs added, removed, retitled (store_names_stamp) */
	store_applied_fn applied;   /* store_on_applied(), or NULL */
	void *applied_data;         /* borrowed */
};

/* store_mc.c: the proposal file, the rsvps file, the threads file. */
struct mc *mc_alloc(void);                 /* an empty MC (transfer full) */
GString *mc_serialize(const struct mc *mc);        /* without the threads */
int mc_parse(const char *data, gsize len, struct mc **out, GString *err);
GString *rsvps_serialize(const struct mc *mc);
GString *rsvps_serialize_from(const struct mc *mc, guint from);    /* RSVPs from index from */
void rsvps_parse(struct mc *mc, const char *data);
GString *threads_serialize(const struct mc *mc);
GString *threads_serialize_from(const struct mc *mc, guint from);
void threads_parse(struct mc *mc, const char *data);  /* adds to mc->threads */
/* Every field of the proposal file the same in a and b: then their
 * proposal files are the same (the converse need not hold). */
gboolean mc_same_head(const struct mc *a, const struct mc *b);
/* b's RSVPs are a's, then maybe more. */
gboolean mc_rsvps_extend(const struct mc *a, const struct mc *b);

/* store.c: install a new or changed MC in memory (takes mc). */
void store_install(struct store *st, struct mc *mc);
/* Move add's RSVPs and threads (emptied) to the end of MC id's lists. */
void store_extend(struct store *st, int id, struct mc *add);

/* store_txn.c */
void op_free(struct op *op);
/* A name we could have written: plain components of [A-Za-z0-9._-]. */
gboolean relpath_ok(const char *rel);
void check_relpath(const char *rel);       /* g_error when not relpath_ok */

/* store_apply.c: the journal, applying it, replaying it after a crash. */
int journal_replay(struct store *st, GString *err);
void store_pending_init(struct store *st);
void store_pending_free(struct store *st);

/* store_file.c: store_read_file's cache of store-wide files. */
void store_files_init(struct store *st);
void store_files_free(struct store *st);
void store_files_forget(struct store *st, const char *rel);

#endif
