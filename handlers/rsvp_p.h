/*
 * rsvp_p.h - shared by rsvp_match.c (how well a name fits an MC) and
 * rsvp_candidates.c (which MCs are worth asking, from the MC index).
 */
#ifndef MCBOT_RSVP_P_H
#define MCBOT_RSVP_P_H

#include <glib.h>

#include "distance.h"
#include "mc_index.h"

/* A name as it is compared: read once, then against each MC's key. */
struct rsvp_name_key {
	int id;                     /* name_id(): > 0 when the name is an id */
	char **w;                   /* its content words */
	guint nw;
	char *c;                    /* those joined */
	gsize lc;
	struct distance_sig sig;
};

/* Typos allowed in a word or name of len letters. */
guint rsvp_typos_allowed(gsize len);
/* Typos allowed in a whole name against a joined title of len letters. */
guint rsvp_title_typos(gsize len);
/* The joined name is the joined title or slug of k but for a typo or two. */
gboolean rsvp_typo_fits(const struct rsvp_name_key *n, const struct mc_key *k);
/* Mark the title words of k that word n covers (covered: one per content
 * word); FALSE when it covers none. */
gboolean rsvp_cover(const char *n, const struct mc_key *k, gboolean *covered);

/*
 * The ids of every MC whose score for n can reach RSVP_SCORE_FIT (and
 * maybe of others), sorted (transfer full).
 */
GArray *rsvp_candidates(const struct rsvp_name_key *n, const struct mc_index *ix);

#endif
