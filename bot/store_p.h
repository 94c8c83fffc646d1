/*
 * store_p.h - what store.c, store_mc.c and store_txn.c share.
 */
#ifndef MCBOT_STORE_P_H
#define MCBOT_STORE_P_H

#include "store.h"

struct store {
	char *dir;
	int lock_fd;
	gboolean readonly;          /* store_open_readonly: no lock, no journal, no commits */
	GHashTable *processed;      /* key -> folder name */
	GPtrArray *mcs;             /* struct mc *, ordered by id, owns them */
	GHashTable *by_id;          /* GINT_TO_POINTER(id) -> struct mc * (borrowed) */
	GHashTable *by_slug;        /* slug -> struct mc * (borrowed keys and values) */
	GHashTable *by_thread;      /* message id -> struct mc * (borrowed) */
	int next_id;
	guint64 journal_seq;
	GPtrArray *pending;         /* struct op * staged by txn_stage, not yet on disk */
	GHashTable *sizes;          /* relpath -> gint64 *: file sizes after the pending appends */
};

/* store_mc.c: the proposal file and the rsvps file. */
struct mc *mc_alloc(void);                 /* an empty MC (transfer full) */
GString *mc_serialize(const struct mc *mc);
int mc_parse(const char *data, gsize len, struct mc **out, GString *err);
GString *rsvps_serialize(const struct mc *mc);
void rsvps_parse(struct mc *mc, const char *data);

/* store.c: install a new or changed MC in memory (takes mc). */
void store_install(struct store *st, struct mc *mc);

/* store_txn.c: replay journal files left by a crash. */
int journal_replay(struct store *st, GString *err);
void store_pending_init(struct store *st);
void store_pending_free(struct store *st);

#endif
