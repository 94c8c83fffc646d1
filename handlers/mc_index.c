/*
 * mc_index.c - keys and indexes of the store's MCs (see mc_index.h).
 *
 * A sync returns at once while the store's names stamp is the one it saw
 * (store_names_stamp: no MC added or renamed).  Otherwise it compares
 * every MC's title and slug with its key's (a pointer says nothing: the
 * store frees and allocates MCs on every commit); everything else is done
 * once per MC.
 * Index lists are only ever added to: a key that changes leaves its old
 * ids behind, which callers skip when checking the candidates, and the
 * lists are rebuilt once there are more of those than keys.
 */
#include <string.h>

#include "../bot/util.h"
#include "distance.h"
#include "mc_index.h"

#define LETTERS 36                  /* a-z, 0-9: what words are made of */
#define REBUILD_SLACK 64

struct mc_index {
	GHashTable *keys;           /* id -> struct mc_key * (owned) */
	GPtrArray *order;           /* struct mc_key *, in store_mcs() order at the last sync */
	GHashTable *compacts;       /* ct or cs -> GArray of ids */
	GPtrArray *lengths[MC_FIELDS];      /* [len] -> GArray of struct mc_sized, or NULL */
	GHashTable *words;          /* word -> struct mc_word * (owned) */
	GPtrArray *by_length;       /* [len] -> GPtrArray of struct mc_word *, or NULL */
	GHashTable *starts;         /* first three letters -> GPtrArray of struct mc_word * */
	GPtrArray *pairs;           /* [2 * LETTERS * LETTERS] -> GArray of ids, or NULL */
	guint sync, stale;
	guint64 st_serial, st_names;        /* store_names_stamp() at the last sync */
};

static struct mc_index *the_index;

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

char **
mc_words(const char *s, gboolean content, guint *n)
{
	char *ascii = g_str_to_ascii(s ? s : "", "C");
	char **parts;
	guint k = 0;

	for (char *p = ascii; *p; p++)
		*p = g_ascii_tolower(*p);
	parts = util_ascii_words(ascii);
	for (guint i = 0; parts[i]; i++) {
		if (content && is_stopword(parts[i]))
			g_free(parts[i]);
		else
			parts[k++] = parts[i];
	}
	parts[k] = NULL;
	*n = k;
	g_free(ascii);
	return parts;
}

char *
mc_compact(char **w)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; w[i]; i++)
		g_string_append(s, w[i]);
	return g_string_free(s, FALSE);
}

/* Copy s (len bytes and a NUL) to *at, and move *at past it. */
static char *
put(char **at, const char *s, gsize len)
{
	char *p = memcpy(*at, s, len);

	p[len] = '\0';
	*at += len + 1;
	return p;
}

/*
 * One block: the key, the word pointers, then the strings (the title and
 * slug first: a sync compares them).  The content words are the words of
 * the title less the stop words.
 */
struct mc_key *
mc_key_new(const struct mc *mc)
{
	const char *title = mc->title ? mc->title : "", *slug = mc->slug ? mc->slug : "";
	guint nta, ns;
	char **ta = mc_words(title, FALSE, &nta), **sw = mc_words(slug, TRUE, &ns);
	char *cs = mc_compact(sw), *ts = util_slugify(title, MC_KEY_SLUG_MAX);
	gsize lt = strlen(title), ls = strlen(slug), lcs = strlen(cs), lts = strlen(ts), words = 0;
	struct mc_key *k;
	char *at;

	for (guint i = 0; i < nta; i++)
		words += strlen(ta[i]) + 1;
	k = g_malloc0(sizeof *k + 2 * (nta + 1) * sizeof(char *) +
		      lt + ls + lcs + lts + 2 * words + 5);
	k->id = mc->id;
	k->ta = (char **)(k + 1);
	k->tw = k->ta + nta + 1;
	at = (char *)(k->tw + nta + 1);
	k->title = put(&at, title, lt);
	k->slug = put(&at, slug, ls);
	k->ct = at;
	for (guint i = 0; i < nta; i++)
		if (!is_stopword(ta[i]))
			at = g_stpcpy(at, ta[i]);
	*at++ = '\0';
	k->lct = strlen(k->ct);
	for (guint i = 0; i < nta; i++) {
		k->ta[i] = put(&at, ta[i], strlen(ta[i]));
		if (!is_stopword(ta[i]))
			k->tw[k->ntw++] = k->ta[i];
	}
	k->nta = nta;
	k->cs = put(&at, cs, lcs);
	k->lcs = lcs;
	k->ts = put(&at, ts, lts);
	k->lts = lts;
	distance_sig(k->ct, k->lct, &k->sct);
	distance_sig(k->cs, k->lcs, &k->scs);
	distance_sig(k->ts, k->lts, &k->sts);
	g_strfreev(ta);
	g_strfreev(sw);
	g_free(cs);
	g_free(ts);
	return k;
}

void
mc_key_free(struct mc_key *k)
{
	g_free(k);
}

/* ---- index lists ---- */

static void
ids_add(GArray *a, int id)
{
	if (a->len == 0 || g_array_index(a, int, a->len - 1) != id)
		g_array_append_val(a, id);
}

static void
ids_free(gpointer a)
{
	if (a)
		g_array_unref(a);
}

static void
list_free(gpointer a)
{
	if (a)
		g_ptr_array_unref(a);
}

static GArray *
ids_new(void)
{
	return g_array_new(FALSE, FALSE, sizeof(int));
}

static void
ids_append(GArray *to, const GArray *from)
{
	if (from)
		g_array_append_vals(to, from->data, from->len);
}

/* Slot i of a (grown with NULLs as needed), the list there created. */
static gpointer
slot(GPtrArray *a, gsize i, gboolean words)
{
	if (i >= a->len)
		g_ptr_array_set_size(a, (guint)i + 1);
	if (a->pdata[i] == NULL)
		a->pdata[i] = words ? (gpointer)g_ptr_array_new() : (gpointer)ids_new();
	return a->pdata[i];
}

static void
add_sized(struct mc_index *ix, enum mc_field f, gsize len, const struct distance_sig *sig,
	  int id)
{
	GArray *a;
	struct mc_sized e = { id, *sig };

	if (len >= ix->lengths[f]->len)
		g_ptr_array_set_size(ix->lengths[f], (guint)len + 1);
	a = ix->lengths[f]->pdata[len];
	if (a == NULL)
		ix->lengths[f]->pdata[len] = a = g_array_new(FALSE, FALSE, sizeof e);
	if (a->len == 0 || g_array_index(a, struct mc_sized, a->len - 1).id != id)
		g_array_append_val(a, e);
}

static int
letter(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '0' && c <= '9')
		return 26 + (c - '0');
	return -1;
}

static void
word_free(gpointer p)
{
	struct mc_word *w = p;

	g_free(w->w);
	g_array_unref(w->ids);
	g_free(w);
}

static void
add_word(struct mc_index *ix, const char *s, int id)
{
	struct mc_word *w = g_hash_table_lookup(ix->words, s);

	if (w == NULL) {
		w = g_new0(struct mc_word, 1);
		w->w = g_strdup(s);
		w->len = strlen(s);
		distance_sig(s, w->len, &w->sig);
		w->ids = ids_new();
		g_hash_table_insert(ix->words, w->w, w);
		g_ptr_array_add(slot(ix->by_length, w->len, TRUE), w);
		if (w->len > 3) {
			char *p3 = g_strndup(s, 3);
			GPtrArray *l = g_hash_table_lookup(ix->starts, p3);

			if (l == NULL)
				g_hash_table_insert(ix->starts, g_strdup(p3), l = g_ptr_array_new());
			g_ptr_array_add(l, w);
			g_free(p3);
		}
	}
	ids_add(w->ids, id);
}

static void
add_compact(struct mc_index *ix, const char *c, int id)
{
	GArray *a = g_hash_table_lookup(ix->compacts, c);

	if (a == NULL)
		g_hash_table_insert(ix->compacts, g_strdup(c), a = ids_new());
	ids_add(a, id);
}

/* Pairs of words in a row: first letter of one, a letter of the next. */
static void
add_pairs(struct mc_index *ix, const struct mc_key *k)
{
	for (guint j = 0; j + 1 < k->nta; j++) {
		int a = letter(k->ta[j][0]);

		if (a < 0)
			continue;
		for (const char *p = k->ta[j + 1]; *p; p++) {
			int b = letter(*p);

			if (b < 0)
				continue;
			if (p == k->ta[j + 1])
				ids_add(slot(ix->pairs, (gsize)(a * LETTERS + b), FALSE), k->id);
			ids_add(slot(ix->pairs, (gsize)(LETTERS * LETTERS + a * LETTERS + b), FALSE),
				k->id);
		}
	}
}

static void
index_add(struct mc_index *ix, const struct mc_key *k)
{
	add_compact(ix, k->ct, k->id);
	add_compact(ix, k->cs, k->id);
	add_sized(ix, MC_FIELD_CT, k->lct, &k->sct, k->id);
	add_sized(ix, MC_FIELD_CS, k->lcs, &k->scs, k->id);
	add_sized(ix, MC_FIELD_TS, k->lts, &k->sts, k->id);
	for (guint i = 0; i < k->ntw; i++)
		add_word(ix, k->tw[i], k->id);
	add_pairs(ix, k);
}

/* Empty every list (the keys stay). */
static void
lists_new(struct mc_index *ix)
{
	ix->compacts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, ids_free);
	for (int f = 0; f < MC_FIELDS; f++)
		ix->lengths[f] = g_ptr_array_new_with_free_func(ids_free);
	ix->words = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, word_free);
	ix->by_length = g_ptr_array_new_with_free_func(list_free);
	ix->starts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					   (GDestroyNotify)g_ptr_array_unref);
	ix->pairs = g_ptr_array_new_with_free_func(ids_free);
}

static void
lists_free(struct mc_index *ix)
{
	g_hash_table_unref(ix->compacts);
	for (int f = 0; f < MC_FIELDS; f++)
		g_ptr_array_unref(ix->lengths[f]);
	g_ptr_array_unref(ix->by_length);
	g_hash_table_unref(ix->starts);
	g_hash_table_unref(ix->words);
	g_ptr_array_unref(ix->pairs);
}

static void
rebuild(struct mc_index *ix)
{
	GHashTableIter it;
	gpointer v;

	lists_free(ix);
	lists_new(ix);
	g_hash_table_iter_init(&it, ix->keys);
	while (g_hash_table_iter_next(&it, NULL, &v))
		index_add(ix, v);
	ix->stale = 0;
}

static struct mc_index *
index_new(void)
{
	struct mc_index *ix = g_new0(struct mc_index, 1);

	ix->keys = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					 (GDestroyNotify)mc_key_free);
	ix->order = g_ptr_array_new();
	lists_new(ix);
	return ix;
}

void
mc_index_reset(void)
{
	if (the_index == NULL)
		return;
	lists_free(the_index);
	g_ptr_array_unref(the_index->order);
	g_hash_table_unref(the_index->keys);
	g_free(the_index);
	the_index = NULL;
}

/* ---- sync ---- */

/* Drop keys the last sync did not see (freed with gone). */
static void
sweep(struct mc_index *ix, GPtrArray *gone)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, ix->keys);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct mc_key *k = v;

		if (k->seen != ix->sync) {
			g_hash_table_iter_steal(&it);
			g_ptr_array_add(gone, k);
			ix->stale++;
		}
	}
}

/* s (NULL reads as "") is kept. */
static gboolean
same(const char *kept, const char *s)
{
	return strcmp(kept, s ? s : "") == 0;
}

struct mc_index *
mc_index_sync(const struct store *st)
{
	GPtrArray *all = store_mcs(st), *gone;
	struct mc_index *ix = the_index ? the_index : (the_index = index_new());
	guint64 serial, names;

	store_names_stamp(st, &serial, &names);
	if (ix->sync > 0 && ix->st_serial == serial && ix->st_names == names)
		return ix;          /* no MC added or renamed since the last sync */
	gone = g_ptr_array_new_with_free_func((GDestroyNotify)mc_key_free);
	ix->st_serial = serial;
	ix->st_names = names;
	ix->sync++;
	for (guint i = 0; i < all->len; i++) {
		const struct mc *mc = all->pdata[i];
		struct mc_key *k = i < ix->order->len ? ix->order->pdata[i] : NULL;

		if (k == NULL || k->id != mc->id)
			k = g_hash_table_lookup(ix->keys, GINT_TO_POINTER(mc->id));
		if (k == NULL || !same(k->title, mc->title) || !same(k->slug, mc->slug)) {
			if (k) {
				g_hash_table_steal(ix->keys, GINT_TO_POINTER(k->id));
				g_ptr_array_add(gone, k);
				ix->stale++;
			}
			k = mc_key_new(mc);
			g_hash_table_insert(ix->keys, GINT_TO_POINTER(k->id), k);
			index_add(ix, k);
		}
		k->seen = ix->sync;
		if (i < ix->order->len)
			ix->order->pdata[i] = k;
		else
			g_ptr_array_add(ix->order, k);
	}
	g_ptr_array_set_size(ix->order, all->len);
	if (g_hash_table_size(ix->keys) > all->len)
		sweep(ix, gone);
	g_ptr_array_unref(gone);
	if (ix->stale > g_hash_table_size(ix->keys) + REBUILD_SLACK)
		rebuild(ix);
	return ix;
}

/* ---- lookups ---- */

const struct mc_key *
mc_index_key(const struct mc_index *ix, int id)
{
	return g_hash_table_lookup(ix->keys, GINT_TO_POINTER(id));
}

void
mc_index_compact(const struct mc_index *ix, const char *c, GArray *ids)
{
	ids_append(ids, g_hash_table_lookup(ix->compacts, c));
}

gsize
mc_index_lengths(const struct mc_index *ix, enum mc_field f)
{
	return ix->lengths[f]->len;
}

const GArray *
mc_index_length(const struct mc_index *ix, enum mc_field f, gsize len)
{
	return len < ix->lengths[f]->len ? ix->lengths[f]->pdata[len] : NULL;
}

const struct mc_word *
mc_index_word(const struct mc_index *ix, const char *w)
{
	return g_hash_table_lookup(ix->words, w);
}

const GPtrArray *
mc_index_words_of_length(const struct mc_index *ix, gsize len)
{
	return len < ix->by_length->len ? ix->by_length->pdata[len] : NULL;
}

const GPtrArray *
mc_index_words_starting(const struct mc_index *ix, const char *p)
{
	char p3[4];

	if (strlen(p) < 3)
		return NULL;
	memcpy(p3, p, 3);
	p3[3] = '\0';
	return g_hash_table_lookup(ix->starts, p3);
}

void
mc_index_pair(const struct mc_index *ix, char first, char second, gboolean inside, GArray *ids)
{
	int a = letter(first), b = letter(second);
	gsize i;

	if (a < 0 || b < 0)
		return;
	i = (gsize)((inside ? LETTERS * LETTERS : 0) + a * LETTERS + b);
	if (i < ix->pairs->len)
		ids_append(ids, ix->pairs->pdata[i]);
}

static gint
by_int(gconstpointer a, gconstpointer b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

void
mc_index_ids_unique(GArray *ids)
{
	guint k = 0;

	g_array_sort(ids, by_int);
	for (guint i = 0; i < ids->len; i++)
		if (k == 0 || g_array_index(ids, int, k - 1) != g_array_index(ids, int, i))
			g_array_index(ids, int, k++) = g_array_index(ids, int, i);
	g_array_set_size(ids, k);
}
