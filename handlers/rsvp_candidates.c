/*
 * rsvp_candidates.c - the MCs a name can fit, found through the MC index
 * (mc_index.h) rather than by scoring every MC: the same id, the same
 * joined words, a typo of them, or each word of the name fitting a word
 * of the title (equal, plural, prefix, typo, joined words, acronym).
 * Every MC that can score RSVP_SCORE_FIT is among them.
 */
#include <string.h>

#include "rsvp.h"
#include "rsvp_p.h"

/* The MCs of a title word (w may be NULL). */
static void
word_ids(const struct mc_word *w, GArray *ids)
{
	if (w)
		g_array_append_vals(ids, w->ids->data, w->ids->len);
}

/* Every MC with a title word that word_fits() word n (ln letters). */
static void
fitting_words(const struct mc_index *ix, const char *n, gsize ln, GArray *ids)
{
	char *other = g_strdup_printf("%ss", n);
	struct distance_sig sig;
	const GPtrArray *l;

	distance_sig(n, ln, &sig);
	word_ids(mc_index_word(ix, n), ids);
	word_ids(mc_index_word(ix, other), ids);
	if (ln > 1 && n[ln - 1] == 's') {
		other[ln - 1] = '\0';
		word_ids(mc_index_word(ix, other), ids);
	}
	if (ln >= 3 && !g_ascii_isdigit(n[0]) && (l = mc_index_words_starting(ix, n)) != NULL)
		for (guint i = 0; i < l->len; i++) {
			const struct mc_word *w = l->pdata[i];

			if (w->len > ln && strncmp(w->w, n, ln) == 0)
				word_ids(w, ids);
		}
	for (gsize lt = ln > 2 ? ln - 2 : 0; lt <= ln + 2; lt++) {
		guint typos = rsvp_typos_allowed(MIN(ln, lt));

		if (typos == 0 || (l = mc_index_words_of_length(ix, lt)) == NULL)
			continue;
		for (guint i = 0; i < l->len; i++) {
			const struct mc_word *w = l->pdata[i];

			if (distance_near(n, ln, &sig, w->w, w->len, &w->sig, TRUE, typos))
				word_ids(w, ids);
		}
	}
	g_free(other);
}

/* Every MC whose title rsvp_cover() can find word n in (and maybe others). */
static GArray *
word_candidates(const struct mc_index *ix, const char *n)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int));
	gsize ln = strlen(n);
	char *head = g_strdup(n);

	fitting_words(ix, n, ln, ids);
	/* joined words: the first is a shorter start of n */
	for (gsize p = ln; p-- > 1;) {
		head[p] = '\0';
		word_ids(mc_index_word(ix, head), ids);
	}
	if (ln >= 2 && ln <= 5)
		mc_index_pair(ix, n[0], n[1], ln > 2, ids);
	g_free(head);
	mc_index_ids_unique(ids);
	return ids;
}

/* Keep in a (sorted) the ids also in b (sorted). */
static void
intersect(GArray *a, const GArray *b)
{
	guint i = 0, j = 0, k = 0;

	while (i < a->len && j < b->len) {
		int x = g_array_index(a, int, i), y = g_array_index(b, int, j);

		if (x == y)
			g_array_index(a, int, k++) = x;
		i += x <= y;
		j += y <= x;
	}
	g_array_set_size(a, k);
}

/* Add the MCs whose field f (ct or cs) rsvp_typo_fits() n. */
static void
typo_candidates(const struct rsvp_name_key *n, const struct mc_index *ix, enum mc_field f,
		GArray *ids)
{
	for (gsize len = 0; len < mc_index_lengths(ix, f); len++) {
		guint typos = f == MC_FIELD_CT ? rsvp_title_typos(len) : 1;
		const GArray *some;

		if ((len > n->lc ? len - n->lc : n->lc - len) > typos ||
		    (some = mc_index_length(ix, f, len)) == NULL)
			continue;
		for (guint i = 0; i < some->len; i++) {
			const struct mc_sized *e = &g_array_index(some, struct mc_sized, i);
			const struct mc_key *k;

			if (distance_sigs_near(&n->sig, &e->sig, TRUE, typos) &&
			    (k = mc_index_key(ix, e->id)) != NULL && rsvp_typo_fits(n, k))
				g_array_append_val(ids, k->id);
		}
	}
}

/* How many MCs have word w exactly: rarer words first. */
static guint
word_rarity(const struct mc_index *ix, const char *w)
{
	const struct mc_word *x = mc_index_word(ix, w);

	return x ? x->ids->len : 0;
}

/* Keep the ids of MCs where rsvp_cover() finds word w. */
static void
keep_covering(GArray *ids, const struct mc_index *ix, const char *w)
{
	guint k = 0;

	for (guint i = 0; i < ids->len; i++) {
		int id = g_array_index(ids, int, i);
		const struct mc_key *key = mc_index_key(ix, id);
		gboolean some[16], *covered;

		if (key == NULL)
			continue;
		covered = key->ntw <= G_N_ELEMENTS(some) ? some : g_new(gboolean, key->ntw);
		if (rsvp_cover(w, key, covered))
			g_array_index(ids, int, k++) = id;
		if (covered != some)
			g_free(covered);
	}
	g_array_set_size(ids, k);
}

#define FEW_CANDIDATES 8

/* The MCs where every word of n can fit: the rarest word's candidates,
 * narrowed by the others' (or, once few are left, by rsvp_cover() itself). */
static GArray *
covering_candidates(const struct rsvp_name_key *n, const struct mc_index *ix)
{
	guint *rank = g_new(guint, n->nw), *order = g_new(guint, n->nw);
	GArray *all = NULL;

	for (guint i = 0; i < n->nw; i++) {
		guint j = i;

		rank[i] = word_rarity(ix, n->w[i]);
		for (; j > 0 && rank[order[j - 1]] > rank[i]; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (guint x = 0; x < n->nw && (all == NULL || all->len > 0); x++) {
		const char *w = n->w[order[x]];
		GArray *some;

		if (all && all->len <= FEW_CANDIDATES) {
			keep_covering(all, ix, w);
			continue;
		}
		some = word_candidates(ix, w);
		if (all == NULL) {
			all = some;
			continue;
		}
		intersect(all, some);
		g_array_unref(some);
	}
	g_free(rank);
	g_free(order);
	return all;
}

GArray *
rsvp_candidates(const struct rsvp_name_key *n, const struct mc_index *ix)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int)), *all = NULL;

	if (n->id > 0) {
		g_array_append_val(ids, n->id);
		return ids;
	}
	if (n->nw == 0)
		return ids;
	mc_index_compact(ix, n->c, ids);
	if (n->lc >= 5) {
		typo_candidates(n, ix, MC_FIELD_CT, ids);
		typo_candidates(n, ix, MC_FIELD_CS, ids);
	}
	all = covering_candidates(n, ix);
	g_array_append_vals(ids, all->data, all->len);
	g_array_unref(all);
	mc_index_ids_unique(ids);
	return ids;
}
