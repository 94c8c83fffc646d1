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
#include "rsvp.h"

#define SCORE_EXACT 100
#define SCORE_TYPO 90
#define CLOSE_ENOUGH 30         /* closeness that makes an MC worth suggesting */
#define CLOSE_MAX 5             /* suggestions at most */

static const char *const stopwords[] = {
	"the", "a", "an", "and", "of", "for", "with", "on", "in", "to", "mc", "mcs",
	"micro", "microconference", "microconferences", "conference", "track", "session", NULL
};

static gboolean
is_stopword(const char *w)
{
	for (int i = 0; stopwords[i]; i++)
		if (strcmp(w, stopwords[i]) == 0)
			return TRUE;
	return FALSE;
}

/* Lowercase ASCII words of s; with content, the stop words left out. */
static GPtrArray *
words(const char *s, gboolean content)
{
	char *ascii = g_str_to_ascii(s ? s : "", "C");
	char *low = g_ascii_strdown(ascii, -1);
	char **parts = util_ascii_words(low);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (int i = 0; parts[i]; i++)
		if (parts[i][0] && !(content && is_stopword(parts[i])))
			g_ptr_array_add(out, g_strdup(parts[i]));
	g_strfreev(parts);
	g_free(low);
	g_free(ascii);
	return out;
}

static char *
compact(GPtrArray *w)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < w->len; i++)
		g_string_append(s, w->pdata[i]);
	return g_string_free(s, FALSE);
}

/* Edit distance with adjacent transpositions (optimal string alignment). */
static guint
osa(const char *a, const char *b)
{
	gsize la = strlen(a), lb = strlen(b), w = lb + 1;
	guint *d = g_new(guint, (la + 1) * w), r;

	for (gsize i = 0; i <= la; i++)
		d[i * w] = (guint)i;
	for (gsize j = 0; j <= lb; j++)
		d[j] = (guint)j;
	for (gsize i = 1; i <= la; i++)
		for (gsize j = 1; j <= lb; j++) {
			guint cost = a[i - 1] != b[j - 1];
			guint v = MIN(d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1);

			v = MIN(v, d[(i - 1) * w + j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MIN(v, d[(i - 2) * w + j - 2] + 1);
			d[i * w + j] = v;
		}
	r = d[la * w + lb];
	g_free(d);
	return r;
}

/* Typos allowed in a word or name of len letters. */
static guint
typos_allowed(gsize len)
{
	return len >= 8 ? 2 : len >= 4 ? 1 : 0;
}

/* One word of the name against one word of the title. */
static gboolean
word_fits(const char *n, const char *t)
{
	gsize ln = strlen(n), lt = strlen(t);

	if (strcmp(n, t) == 0)
		return TRUE;
	if ((ln == lt + 1 && n[lt] == 's' && strncmp(n, t, lt) == 0) ||
	    (lt == ln + 1 && t[ln] == 's' && strncmp(n, t, ln) == 0))
		return TRUE;
	if (ln >= 3 && lt > ln && strncmp(n, t, ln) == 0 && !g_ascii_isdigit(n[0]))
		return TRUE;
	return osa(n, t) <= typos_allowed(MIN(ln, lt));
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

/* Mark the title words that word n covers; FALSE when it covers none. */
static gboolean
cover(const char *n, GPtrArray *tw, GPtrArray *ta, gboolean *covered)
{
	gsize ln = strlen(n);
	gboolean found = FALSE;

	for (guint j = 0; j < tw->len; j++)
		if (word_fits(n, tw->pdata[j]))
			covered[j] = found = TRUE;
	if (found)
		return TRUE;
	/* "openprinting" = "open" + "printing" */
	for (guint j = 0; j < tw->len && !found; j++) {
		GString *joined = g_string_new(NULL);

		for (guint k = j; k < tw->len && k < j + 4 && joined->len < ln; k++) {
			g_string_append(joined, tw->pdata[k]);
			if (k > j && strcmp(joined->str, n) == 0) {
				for (guint x = j; x <= k; x++)
					covered[x] = TRUE;
				found = TRUE;
				break;
			}
		}
		g_string_free(joined, TRUE);
	}
	if (found || ln < 2 || ln > 5)
		return found;
	/* "pm" = "Power Management", over all words: "iot" = "Internet of Things";
	 * after the first, a letter may come from inside its word: "cxl" */
	for (guint j = 0; j + ln <= ta->len && !found; j++) {
		guint k;

		for (k = 0; k < ln && (((char *)ta->pdata[j + k])[0] == n[k] ||
				       (k > 0 && ln > 2 && strchr(ta->pdata[j + k], n[k]))); k++)
			;
		if (k < ln)
			continue;
		found = TRUE;
		for (k = 0; k < ln; k++)
			for (guint x = 0; x < tw->len; x++)
				if (strcmp(tw->pdata[x], ta->pdata[j + k]) == 0)
					covered[x] = TRUE;
	}
	return found;
}

int
rsvp_match_score(const char *name, const struct mc *mc)
{
	GPtrArray *nw = words(name, TRUE), *tw = words(mc->title, TRUE), *ta = words(mc->title, FALSE);
	GPtrArray *sw = words(mc->slug, TRUE);
	char *cn = compact(nw), *ct = compact(tw), *cs = compact(sw);
	gboolean *covered = g_new0(gboolean, tw->len + 1);
	guint fit = 0, cov = 0;
	int id = name_id(name), score;

	if (id > 0) {
		score = id == mc->id ? SCORE_EXACT : 0;
		goto out;
	}
	if (nw->len == 0 || tw->len == 0) {
		score = 0;
		goto out;
	}
	if (strcmp(cn, ct) == 0 || strcmp(cn, cs) == 0) {
		score = SCORE_EXACT;
		goto out;
	}
	if (strlen(cn) >= 5 && (osa(cn, ct) <= MAX(1, typos_allowed(strlen(ct)) * strlen(ct) / 16) ||
				osa(cn, cs) <= 1)) {
		score = SCORE_TYPO;
		goto out;
	}
	for (guint i = 0; i < nw->len; i++)
		fit += cover(nw->pdata[i], tw, ta, covered);
	for (guint j = 0; j < tw->len; j++)
		cov += covered[j];
	if (fit < nw->len)
		score = (int)(fit * 40 / nw->len);
	else
		score = MIN(RSVP_SCORE_FIT + (int)(cov * 40 / tw->len), SCORE_TYPO - 1);
out:
	g_free(covered);
	g_free(cn);
	g_free(ct);
	g_free(cs);
	g_ptr_array_unref(nw);
	g_ptr_array_unref(tw);
	g_ptr_array_unref(ta);
	g_ptr_array_unref(sw);
	return score;
}

/* How much name resembles mc, for ordering suggestions: the score, or the
 * likeness of the letters when no word fits. */
static int
closeness(const char *name, const struct mc *mc)
{
	GPtrArray *nw = words(name, TRUE), *tw = words(mc->title, TRUE);
	char *cn = compact(nw), *ct = compact(tw);
	gsize longest = MAX(strlen(cn), strlen(ct));
	int score = rsvp_match_score(name, mc);
	int like = longest ? (int)(50 - 50 * osa(cn, ct) / longest) : 0;

	g_free(cn);
	g_free(ct);
	g_ptr_array_unref(nw);
	g_ptr_array_unref(tw);
	return MAX(score, like);
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

/*
 * The MC that name means among mcs (borrowed): FOUND, AMBIGUOUS or UNKNOWN.
 * An exact or typo match wins over everything below it; otherwise the
 * name must fit one MC only ("Kernel" fits three: ambiguous).
 */
static enum rsvp_found
match_among(const char *name, GPtrArray *mcs, struct mc **out)
{
	int best = -1, second = -1, fits = 0;
	struct mc *winner = NULL;

	*out = NULL;
	for (guint i = 0; i < mcs->len; i++) {
		int s = rsvp_match_score(name, mcs->pdata[i]);

		fits += s >= RSVP_SCORE_FIT;
		if (s > best) {
			second = best;
			best = s;
			winner = mcs->pdata[i];
		} else if (s > second) {
			second = s;
		}
	}
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

/* The open MCs, the ones closest to name first. */
static void
suggest(struct rsvp_resolution *res, GPtrArray *open)
{
	GArray *o = g_array_new(FALSE, FALSE, sizeof(struct order));

	res->closest = g_ptr_array_new();
	for (guint i = 0; i < open->len; i++) {
		const struct mc *mc = open->pdata[i];
		struct order e = { mc, res->name ? closeness(res->name, mc) : 0 };

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
}

/* Try one name; TRUE when it decided (res filled). */
static gboolean
try_name(const struct rsvp_name *n, const struct store *st, GPtrArray *open, GPtrArray *closed,
	 const char *states, struct rsvp_resolution *res, const struct rsvp_name **ambiguous)
{
	struct mc *mc = NULL;
	enum rsvp_found f;

	if (n->id > 0) {
		mc = store_mc_by_id(st, n->id);
		if (mc == NULL || strcmp(mc->status, "withdrawn") == 0)
			return FALSE;
		res->found = rsvp_state_open(mc->status, states) ? RSVP_FOUND : RSVP_CLOSED;
		goto decided;
	}
	f = match_among(n->text, open, &mc);
	if (f == RSVP_FOUND) {
		res->found = RSVP_FOUND;
		goto decided;
	}
	if (f == RSVP_AMBIGUOUS) {
		if (*ambiguous == NULL)
			*ambiguous = n;
		return FALSE;
	}
	if (match_among(n->text, closed, &mc) == RSVP_FOUND) {
		res->found = RSVP_CLOSED;
		goto decided;
	}
	return FALSE;
decided:
	res->mc = mc;
	res->name = n->text;
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
	GPtrArray *all = store_mcs(st), *open = g_ptr_array_new(), *closed = g_ptr_array_new();
	const struct rsvp_name *ambiguous = NULL;
	gboolean thread_tried = FALSE, done = FALSE;

	memset(res, 0, sizeof *res);
	res->found = RSVP_UNKNOWN;
	for (guint i = 0; i < all->len; i++) {
		struct mc *mc = all->pdata[i];

		if (rsvp_state_open(mc->status, states))
			g_ptr_array_add(open, mc);
		else if (strcmp(mc->status, "withdrawn") != 0)
			g_ptr_array_add(closed, mc);
	}
	for (guint i = 0; i < r->names->len && !done; i++) {
		const struct rsvp_name *n = r->names->pdata[i];

		if (!thread_tried && n->source > RSVP_SRC_THREAD) {
			thread_tried = TRUE;
			if ((done = try_thread(m, st, states, res)))
				break;
		}
		done = try_name(n, st, open, closed, states, res, &ambiguous);
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
		suggest(res, open);
	g_ptr_array_unref(open);
	g_ptr_array_unref(closed);
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
	GPtrArray *all = store_mcs(st), *some = g_ptr_array_new();
	enum rsvp_found f;

	for (guint i = 0; i < all->len; i++)
		if (rsvp_state_open(((struct mc *)all->pdata[i])->status, states))
			g_ptr_array_add(some, all->pdata[i]);
	f = match_among(name, some, out);
	g_ptr_array_unref(some);
	return f;
}
