/*
 * mc_index.h - the store's MCs as the handlers look them up by name: the
 * words of each title, compacted and slugified once per MC, and indexes
 * over them, so that matching a name (rsvp_match.c) or a proposal's title
 * (proposal.c) reads a few MCs, not all of them.
 *
 * There is one index per process.  mc_index_sync() brings it up to date
 * with a store: an MC that is new, or whose title or slug changed
 * (compared as strings), gets a new key; keys of MCs no longer in the
 * store are dropped.  The lookups append candidate MC ids to a GArray of
 * int: every MC that can fit is among them, but so may be others (ids
 * whose key changed, ids not in this store): the caller checks each
 * against its key.
 */
#ifndef MCBOT_MC_INDEX_H
#define MCBOT_MC_INDEX_H

#include <glib.h>

#include "../bot/store.h"
#include "distance.h"

/* What one MC is matched by, made from its title and slug. */
struct mc_key {
	int id;
	char *title, *slug;         /* the strings the key was made from ("" for NULL) */
	char **tw, **ta;            /* words of the title: content words, all words */
	guint ntw, nta;
	char *ct, *cs;              /* the content words of the title, of the slug, joined */
	gsize lct, lcs;
	struct distance_sig sct, scs;
	char *ts;                   /* util_slugify(title, MC_KEY_SLUG_MAX) */
	gsize lts;
	struct distance_sig sts;
	guint seen;                 /* (index) the last sync that found the MC */
};

#define MC_KEY_SLUG_MAX 80

/*
 * Lowercase ASCII words of s (NULL reads as ""); with content, the stop
 * words ("the", "and", "mc", "microconference", ...) left out.  *n gets
 * their number.  NULL-terminated (transfer full, g_strfreev).
 */
char **mc_words(const char *s, gboolean content, guint *n);
/* The words one after the other: "openprinting" (transfer full). */
char *mc_compact(char **w);

/* A key for mc, outside any index (transfer full). */
struct mc_key *mc_key_new(const struct mc *mc);
void mc_key_free(struct mc_key *k);

/* A word of the titles, with the MCs whose title has it (content words). */
struct mc_word {
	char *w;
	gsize len;
	struct distance_sig sig;
	GArray *ids;                /* int */
};

struct mc_index;

/* The index, up to date with st (borrowed; valid until the next sync). */
struct mc_index *mc_index_sync(const struct store *st);
/* Drop the index (the next sync builds it again). */
void mc_index_reset(void);

/* The key of MC id (borrowed), NULL when the store had no such MC. */
const struct mc_key *mc_index_key(const struct mc_index *ix, int id);

/* MCs whose joined title or slug words (ct, cs) are c. */
void mc_index_compact(const struct mc_index *ix, const char *c, GArray *ids);

enum mc_field { MC_FIELD_CT, MC_FIELD_CS, MC_FIELD_TS, MC_FIELDS };
/* One more than the longest field seen: lengths to ask mc_index_length() for. */
gsize mc_index_lengths(const struct mc_index *ix, enum mc_field f);
/* An MC in the list of one length of a field, with the field's signature. */
struct mc_sized {
	int id;
	struct distance_sig sig;
};
/* The MCs whose field f (ct, cs or ts) is len bytes long (struct mc_sized,
 * borrowed; NULL when none). */
const GArray *mc_index_length(const struct mc_index *ix, enum mc_field f, gsize len);

/* The title word w (NULL when no title has it; borrowed). */
const struct mc_word *mc_index_word(const struct mc_index *ix, const char *w);
/* The title words of len letters (struct mc_word *, borrowed; may be NULL). */
const GPtrArray *mc_index_words_of_length(const struct mc_index *ix, gsize len);
/* The title words longer than three letters that start with the first
 * three of p (struct mc_word *, borrowed; may be NULL). */
const GPtrArray *mc_index_words_starting(const struct mc_index *ix, const char *p);

/*
 * MCs with two title words in a row (stop words too) whose first begins
 * with first and whose second begins with second, or with inside, has
 * second anywhere: candidates for an acronym.
 */
void mc_index_pair(const struct mc_index *ix, char first, char second, gboolean inside,
		   GArray *ids);

/* Sort ids and drop repeats. */
void mc_index_ids_unique(GArray *ids);

#endif
