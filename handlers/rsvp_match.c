/*
 * rsvp_match.c - which MC a name means.
 *
 * People name MCs loosely: "OpenPrinting" for "Open Printing", "PM &
 * Thermal" for "Power Management and Thermal Control", "sched_ext" for
 * "Sched-Ext: The BPF extensible scheduler class", "systemd" for "Service
 * Management and Systemd".  A name fits an MC when each of its words fits
 * a word of the title - equal, a small typo, a prefix, an acronym, or
 * several title words written as one - and the MC whose title it covers
 * best wins, unless another comes as close (then the mail is ambiguous).
 */
#include <stdlib.h>
#include <string.h>

#include "../bot/util.h"
#include "distance.h"
#include "mc_index.h"
#include "rsvp.h"
#include "rsvp_p.h"

#define SCORE_EXACT 100
#define SCORE_TYPO 90
#define CLOSE_ENOUGH 30         /* closeness that makes an MC worth suggesting */
#define CLOSE_MAX 5             /* suggestions at most */

/* Typos allowed in a word or name of len letters. */
guint
rsvp_typos_allowed(gsize len)
{
	return len >= 8 ? 2 : len >= 4 ? 1 : 0;
}

/* Typos allowed in a whole name against a joined title of len letters. */
guint
rsvp_title_typos(gsize len)
{
	return (guint)MAX(1, rsvp_typos_allowed(len) * len / 16);
}

/* One word of the name against one word of the title. */
static gboolean
word_fits(const char *n, gsize ln, const char *t)
{
	gsize lt = strlen(t);
	guint typos;

	if (strcmp(n, t) == 0)
		return TRUE;
	if ((ln == lt + 1 && n[lt] == 's' && strncmp(n, t, lt) == 0) ||
	    (lt == ln + 1 && t[ln] == 's' && strncmp(n, t, ln) == 0))
		return TRUE;
	if (ln >= 3 && lt > ln && strncmp(n, t, ln) == 0 && !g_ascii_isdigit(n[0]))
		return TRUE;
	typos = rsvp_typos_allowed(MIN(ln, lt));
	return typos > 0 && distance_edit(n, ln, t, lt, TRUE, typos) <= typos;
}

/* The number of "id" in "MC-12", "mc12", "#12", "12"; 0 if name is no id. */
static int
name_id(const char *name)
{
	const char *p = name;

	while (*p == ' ' || *p == '#')
		p++;
	if (g_ascii_strncasecmp(p, "mc", 2) == 0) {
		p += 2;
		while (*p == '-' || *p == ' ' || *p == '#')
			p++;
	}
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p) || strlen(p) > 9)
		return 0;
	return atoi(p);
}

static void
name_init(struct rsvp_name_key *n, const char *text)
{
	n->id = name_id(text);
	n->w = mc_words(text, TRUE, &n->nw);
	n->c = mc_compact(n->w);
	n->lc = strlen(n->c);
	distance_sig(n->c, n->lc, &n->sig);
}

static void
name_clear(struct rsvp_name_key *n)
{
	g_strfreev(n->w);
	g_free(n->c);
}

/* "openprinting" = "open" + "printing": up to four title words from j. */
static gboolean
joined_fits(const char *n, gsize ln, const struct mc_key *k, guint j, gboolean *covered)
{
	gsize pos = 0;

	for (guint x = j; x < k->ntw && x < j + 4 && pos < ln; x++) {
		gsize lt = strlen(k->tw[x]);

		if (pos + lt > ln || memcmp(n + pos, k->tw[x], lt) != 0)
			return FALSE;
		pos += lt;
		if (x > j && pos == ln) {
			for (guint y = j; y <= x; y++)
				covered[y] = TRUE;
			return TRUE;
		}
	}
	return FALSE;
}

/* "pm" = "Power Management", over all words: "iot" = "Internet of Things";
 * after the first, a letter may come from inside its word: "cxl" */
static gboolean
acronym_fits(const char *n, gsize ln, const struct mc_key *k, gboolean *covered)
{
	for (guint j = 0; j + ln <= k->nta; j++) {
		guint i;

		for (i = 0; i < ln && (k->ta[j + i][0] == n[i] ||
				       (i > 0 && ln > 2 && strchr(k->ta[j + i], n[i]))); i++)
			;
		if (i < ln)
			continue;
		for (i = 0; i < ln; i++)
			for (guint x = 0; x < k->ntw; x++)
				if (strcmp(k->tw[x], k->ta[j + i]) == 0)
					covered[x] = TRUE;
		return TRUE;
	}
	return FALSE;
}

/* Mark the title words that word n covers; FALSE when it covers none. */
gboolean
rsvp_cover(const char *n, const struct mc_key *k, gboolean *covered)
{
	gsize ln = strlen(n);
	gboolean found = FALSE;

	for (guint j = 0; j < k->ntw; j++)
		if (word_fits(n, ln, k->tw[j]))
			covered[j] = found = TRUE;
	for (guint j = 0; j < k->ntw && !found; j++)
		found = joined_fits(n, ln, k, j, covered);
	if (found || ln < 2 || ln > 5)
		return found;
	return acronym_fits(n, ln, k, covered);
}

/* The joined name is the joined title or slug but for a typo or two. */
gboolean
rsvp_typo_fits(const struct rsvp_name_key *n, const struct mc_key *k)
{
	return n->lc >= 5 &&
	       (distance_near(n->c, n->lc, &n->sig, k->ct, k->lct, &k->sct, TRUE,
			      rsvp_title_typos(k->lct)) ||
		distance_near(n->c, n->lc, &n->sig, k->cs, k->lcs, &k->scs, TRUE, 1));
}

static int
score(const struct rsvp_name_key *n, const struct mc_key *k)
{
	gboolean some[16], *covered;
	guint fit = 0, cov = 0;
	int s;

	if (n->id > 0)
		return n->id == k->id ? SCORE_EXACT : 0;
	if (n->nw == 0 || k->ntw == 0)
		return 0;
	if (strcmp(n->c, k->ct) == 0 || strcmp(n->c, k->cs) == 0)
		return SCORE_EXACT;
	if (rsvp_typo_fits(n, k))
		return SCORE_TYPO;
	covered = k->ntw <= G_N_ELEMENTS(some) ? some : g_new(gboolean, k->ntw);
	memset(covered, 0, k->ntw * sizeof *covered);
	for (guint i = 0; i < n->nw; i++)
		fit += rsvp_cover(n->w[i], k, covered);
	for (guint j = 0; j < k->ntw; j++)
		cov += covered[j];
	if (fit < n->nw)
		s = (int)(fit * 40 / n->nw);
	else
		s = MIN(RSVP_SCORE_FIT + (int)(cov * 40 / k->ntw), SCORE_TYPO - 1);
	if (covered != some)
		g_free(covered);
	return s;
}

int
rsvp_match_score(const char *name, const struct mc *mc)
{
	struct rsvp_name_key n;
	struct mc_key *k = mc_key_new(mc);
	int s;

	name_init(&n, name);
	s = score(&n, k);
	name_clear(&n);
	mc_key_free(k);
	return s;
}

/* How much name resembles the MC of k, for ordering suggestions: the
 * score, or the likeness of the letters when no word fits. */
static int
closeness(const struct rsvp_name_key *n, const struct mc_key *k)
{
	gsize longest = MAX(n->lc, k->lct);
	int s = score(n, k);
	int like = longest ? (int)(50 - 50 * distance_edit(n->c, n->lc, k->ct, k->lct, TRUE,
							    (guint)longest) / longest) : 0;

	return MAX(s, like);
}

gboolean
rsvp_state_open(const char *status, const char *states)
{
	char **list;
	gboolean open = FALSE;

	if (status == NULL)
		return FALSE;
	if (states == NULL)
		return strcmp(status, "withdrawn") != 0;
	list = g_strsplit(states, ",", -1);
	for (int i = 0; list[i] && !open; i++)
		open = g_ascii_strcasecmp(g_strstrip(list[i]), status) == 0;
	g_strfreev(list);
	return open;
}

/* An MC that takes RSVPs in states, or with closed one that does not
 * (and is not withdrawn). */
static gboolean
in_class(const struct mc *mc, const char *states, gboolean closed)
{
	if (rsvp_state_open(mc->status, states))
		return !closed;
	return closed && strcmp(mc->status, "withdrawn") != 0;
}

/*
 * The MC that n means among the MCs of st in the class (in_class()):
 * FOUND, AMBIGUOUS or UNKNOWN.  An exact or typo match wins over
 * everything below it; otherwise the name must fit one MC only ("Kernel"
 * fits three: ambiguous).  Only rsvp_candidates() are scored: the others score
 * below RSVP_SCORE_FIT, which changes nothing below.
 */
static enum rsvp_found
match_among(const struct rsvp_name_key *n, const struct mc_index *ix, const struct store *st,
	    const char *states, gboolean closed, struct mc **out)
{
	GArray *ids = rsvp_candidates(n, ix);
	int best = -1, second = -1, fits = 0;
	struct mc *winner = NULL;

	*out = NULL;
	for (guint i = 0; i < ids->len; i++) {
		struct mc *mc = store_mc_by_id(st, g_array_index(ids, int, i));
		const struct mc_key *k = mc ? mc_index_key(ix, mc->id) : NULL;
		int s;

		if (k == NULL || !in_class(mc, states, closed))
			continue;
		s = score(n, k);
		fits += s >= RSVP_SCORE_FIT;
		if (s > best) {
			second = best;
			best = s;
			winner = mc;
		} else if (s > second) {
			second = s;
		}
	}
	g_array_unref(ids);
	if (best < RSVP_SCORE_FIT)
		return RSVP_UNKNOWN;
	if (best >= SCORE_TYPO ? second >= best : fits > 1)
		return RSVP_AMBIGUOUS;
	*out = winner;
	return RSVP_FOUND;
}

/* The MC of the thread: In-Reply-To, then References from the newest. */
static struct mc *
by_thread(const struct mail *m, const struct store *st)
{
	struct mc *mc = store_mc_by_thread(st, m->in_reply_to);

	for (guint i = m->references->len; mc == NULL && i > 0; i--)
		mc = store_mc_by_thread(st, m->references->pdata[i - 1]);
	return mc;
}

struct order {
	const struct mc *mc;
	int close;
};

static gint
by_closeness(gconstpointer a, gconstpointer b)
{
	const struct order *x = a, *y = b;

	return x->close != y->close ? y->close - x->close : x->mc->id - y->mc->id;
}

/* The open MCs, the ones closest to res->name first. */
static void
suggest(struct rsvp_resolution *res, const struct mc_index *ix, const struct store *st,
	const char *states)
{
	GPtrArray *all = store_mcs(st);
	GArray *o = g_array_new(FALSE, FALSE, sizeof(struct order));
	struct rsvp_name_key n;

	if (res->name)
		name_init(&n, res->name);
	res->closest = g_ptr_array_new();
	for (guint i = 0; i < all->len; i++) {
		const struct mc *mc = all->pdata[i];
		const struct mc_key *k = mc_index_key(ix, mc->id);
		struct order e = { mc, 0 };

		if (!rsvp_state_open(mc->status, states))
			continue;
		if (res->name && k)
			e.close = closeness(&n, k);
		g_array_append_val(o, e);
	}
	g_array_sort(o, by_closeness);
	for (guint i = 0; i < o->len; i++) {
		struct order *e = &g_array_index(o, struct order, i);

		g_ptr_array_add(res->closest, (gpointer)e->mc);
		if (e->close >= CLOSE_ENOUGH && res->n_close < CLOSE_MAX)
			res->n_close++;
	}
	g_array_free(o, TRUE);
	if (res->name)
		name_clear(&n);
}

/* Try one name; TRUE when it decided (res filled). */
static gboolean
try_name(const struct rsvp_name *rn, const struct store *st, const struct mc_index **ix,
	 const char *states, struct rsvp_resolution *res, const struct rsvp_name **ambiguous)
{
	struct mc *mc = NULL;
	struct rsvp_name_key n;
	enum rsvp_found f;

	if (rn->id > 0) {
		mc = store_mc_by_id(st, rn->id);
		if (mc == NULL || strcmp(mc->status, "withdrawn") == 0)
			return FALSE;
		res->found = rsvp_state_open(mc->status, states) ? RSVP_FOUND : RSVP_CLOSED;
		goto decided;
	}
	/* the index is brought up to date once a name needs it */
	if (*ix == NULL)
		*ix = mc_index_sync(st);
	name_init(&n, rn->text);
	f = match_among(&n, *ix, st, states, FALSE, &mc);
	if (f == RSVP_FOUND)
		res->found = RSVP_FOUND;
	else if (f == RSVP_UNKNOWN && match_among(&n, *ix, st, states, TRUE, &mc) == RSVP_FOUND)
		res->found = RSVP_CLOSED;
	name_clear(&n);
	if (f == RSVP_AMBIGUOUS && *ambiguous == NULL)
		*ambiguous = rn;
	if (mc == NULL)
		return FALSE;
decided:
	res->mc = mc;
	res->name = rn->text;
	return TRUE;
}

static gboolean
try_thread(const struct mail *m, const struct store *st, const char *states,
	   struct rsvp_resolution *res)
{
	struct mc *mc = by_thread(m, st);

	if (mc == NULL || strcmp(mc->status, "withdrawn") == 0)
		return FALSE;
	res->mc = mc;
	res->found = rsvp_state_open(mc->status, states) ? RSVP_FOUND : RSVP_CLOSED;
	return TRUE;
}

void
rsvp_resolve(const struct rsvp_req *r, const struct mail *m, const struct store *st,
	     const char *states, struct rsvp_resolution *res)
{
	const struct mc_index *ix = NULL;
	const struct rsvp_name *ambiguous = NULL;
	gboolean thread_tried = FALSE, done = FALSE;

	memset(res, 0, sizeof *res);
	res->found = RSVP_UNKNOWN;
	for (guint i = 0; i < r->names->len && !done; i++) {
		const struct rsvp_name *n = r->names->pdata[i];

		if (!thread_tried && n->source > RSVP_SRC_THREAD) {
			thread_tried = TRUE;
			if ((done = try_thread(m, st, states, res)))
				break;
		}
		done = try_name(n, st, &ix, states, res, &ambiguous);
	}
	if (!done && !thread_tried)
		done = try_thread(m, st, states, res);
	if (!done && ambiguous) {
		res->found = RSVP_AMBIGUOUS;
		res->name = ambiguous->text;
	} else if (!done && r->names->len > 0) {
		res->name = ((struct rsvp_name *)r->names->pdata[0])->text;
	}
	if (res->found != RSVP_FOUND)
		suggest(res, ix ? ix : mc_index_sync(st), st, states);
}

void
rsvp_resolution_clear(struct rsvp_resolution *res)
{
	if (res->closest)
		g_ptr_array_unref(res->closest);
	memset(res, 0, sizeof *res);
}

enum rsvp_found
rsvp_find(const struct store *st, const char *name, const char *states, struct mc **out)
{
	const struct mc_index *ix = mc_index_sync(st);
	struct rsvp_name_key n;
	enum rsvp_found f;

	name_init(&n, name);
	f = match_among(&n, ix, st, states, FALSE, out);
	name_clear(&n);
	return f;
}
