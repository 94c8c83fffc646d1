/*
 * store_txn.c - transactions: what a handler changes, as a list of file
 * operations ("write" replaces a whole file, "append" adds bytes at an
 * offset recorded when staged, "remove"), and the MCs to install in
 * memory.  txn_stage() hands them to the store; store_apply.c makes them
 * durable.
 */
#include <string.h>
#include <sys/stat.h>

#include "store_p.h"
#include "util.h"

struct txn {
	struct store *st;
	GPtrArray *ops;             /* struct op * */
	GPtrArray *put;             /* struct mc * installed in memory on commit */
	GPtrArray *keys;            /* processed keys and their folders, in pairs */
	GHashTable *rsvps;          /* MC id -> GString: its rsvps file as put in this txn */
	GPtrArray *adds;            /* struct mc *: txn_add_rsvp's, added to MCs on commit */
	int next_id;
};

void
op_free(struct op *op)
{
	g_free(op->rel);
	g_bytes_unref(op->data);
	g_free(op);
}

static void
add_op(struct txn *t, enum op_kind kind, char *rel, GBytes *data)
{
	struct op *op = g_new0(struct op, 1);

	op->kind = kind;
	op->rel = rel;
	op->data = data;
	g_ptr_array_add(t->ops, op);
}

static void
string_free(gpointer s)
{
	g_string_free(s, TRUE);
}

struct txn *
txn_new(struct store *st)
{
	struct txn *t = g_new0(struct txn, 1);

	t->st = st;
	t->ops = g_ptr_array_new_with_free_func((GDestroyNotify)op_free);
	t->put = g_ptr_array_new_with_free_func((GDestroyNotify)mc_free);
	t->keys = g_ptr_array_new_with_free_func(g_free);
	t->rsvps = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, string_free);
	t->adds = g_ptr_array_new_with_free_func((GDestroyNotify)mc_free);
	t->next_id = st->next_id;
	return t;
}

void
txn_free(struct txn *t)
{
	if (t == NULL)
		return;
	g_ptr_array_unref(t->ops);
	g_ptr_array_unref(t->put);
	g_ptr_array_unref(t->keys);
	g_hash_table_unref(t->rsvps);
	g_ptr_array_unref(t->adds);
	g_free(t);
}

struct mc *
txn_new_mc(struct txn *t, const char *title)
{
	struct mc *mc = mc_alloc();
	char *base = util_slugify(title, 40);
	int n = 2;

	mc->id = t->next_id++;
	mc->title = g_strdup(title);
	mc->status = g_strdup("proposed");
	mc->version = 0;
	mc->slug = g_strdup(base);
	/* Slugs are unique; a later MC with the same words gets -2, -3, ... */
	while (store_mc_by_slug(t->st, mc->slug)) {
		g_free(mc->slug);
		mc->slug = g_strdup_printf("%s-%d", base, n++);
	}
	for (guint i = 0; i < t->put->len; i++) {
		struct mc *o = t->put->pdata[i];

		if (strcmp(o->slug, mc->slug) == 0) {
			g_free(mc->slug);
			mc->slug = g_strdup_printf("%s-%d", base, n++);
			i = (guint)-1;
		}
	}
	g_free(base);
	return mc;
}

/* An MC as it is before this change: as put earlier in this txn, or as
 * the store has it (staged or on disk); NULL for a new one (borrowed). */
static const struct mc *
latest_mc(const struct txn *t, int id)
{
	for (guint i = t->put->len; i-- > 0; )
		if (((const struct mc *)t->put->pdata[i])->id == id)
			return t->put->pdata[i];
	return store_mc_by_id(t->st, id);
}

/*
 * A line file of an MC becomes now (takes rel and now).  When the lines
 * it has (was, as memory knows them; NULL: unknown) start now, only the
 * new ones are appended, and nothing is written when there are none: an
 * RSVP or a thread adds a line without a new file.
 */
static void
put_lines(struct txn *t, char *rel, const GString *was, GString *now)
{
	if (was == NULL || was->len > now->len || memcmp(was->str, now->str, was->len) != 0) {
		add_op(t, OP_WRITE, rel, g_string_free_to_bytes(now));
		return;
	}
	if (now->len > was->len)
		add_op(t, OP_APPEND, rel, g_bytes_new(now->str + was->len, now->len - was->len));
	else
		g_free(rel);
	g_string_free(now, TRUE);
}

/* Replace the items of a from index from on with those of b (emptied). */
static void
replace_tail(GPtrArray *a, guint from, GPtrArray *b)
{
	g_ptr_array_remove_range(a, from, a->len - from);
	for (guint i = 0; i < b->len; i++)
		g_ptr_array_add(a, b->pdata[i]);
	g_ptr_array_set_free_func(b, NULL);
	g_ptr_array_set_size(b, 0);
}

/*
 * mc's threads from index nt on and RSVPs from nr on, as lines for their
 * files (*th, *r: transfer full), and read back from them into mc, so
 * that memory holds what a restart reads.
 */
static void
read_back(struct mc *mc, guint nt, guint nr, GString **th, GString **r)
{
	struct mc *back = mc_alloc();

	*th = threads_serialize_from(mc, nt);
	*r = rsvps_serialize_from(mc, nr);
	threads_parse(back, (*th)->str);
	rsvps_parse(back, (*r)->str);
	replace_tail(mc->threads, nt, back->threads);
	replace_tail(mc->rsvps, nr, back->rsvps);
	mc_free(back);
}

/* Append lines to an MC's file; nothing when there are none. */
static void
append_lines(struct txn *t, int id, const char *file, GString *lines)
{
	if (lines->len)
		add_op(t, OP_APPEND, g_strdup_printf("mc/%d/%s", id, file),
		       g_string_free_to_bytes(lines));
	else
		g_string_free(lines, TRUE);
}

/*
 * txn_put_mc() when only threads (and RSVPs) were added to prev, as for
 * an answered RSVP: the new threads are appended, and only what was added
 * is read back into mc, which becomes what memory holds.  FALSE (nothing
 * done) when more changed.
 */
static gboolean
put_additions(struct txn *t, const struct mc *prev, struct mc *mc)
{
	guint nt = prev->threads->len, nr = prev->rsvps->len;
	GString *th, *r;

	if (mc->threads->len < nt || !mc_same_head(prev, mc))
		return FALSE;
	for (guint i = 0; i < nt; i++)
		if (strcmp(prev->threads->pdata[i], mc->threads->pdata[i]) != 0)
			return FALSE;
	if (!mc_rsvps_extend(prev, mc))
		nr = 0;     /* one cancelled: all are read back */
	read_back(mc, nt, nr, &th, &r);
	g_string_free(r, TRUE);     /* the rsvps file is txn_put_rsvps' */
	append_lines(t, mc->id, "threads", th);
	g_ptr_array_add(t->put, mc);
	return TRUE;
}

/* txn_add_rsvp() and a whole new list or MC do not mix in one txn. */
static void
check_no_adds(const struct txn *t, int id)
{
	for (guint i = 0; i < t->adds->len; i++)
		if (((const struct mc *)t->adds->pdata[i])->id == id)
			g_error("MC %d: txn_add_rsvp and a whole MC or list in one transaction", id);
}

/*
 * The proposal file is written only when its text changes; the threads
 * file then too (Thread lines of an older proposal file move there),
 * else only the new threads are appended.
 */
void
txn_put_mc(struct txn *t, struct mc *mc)
{
	const struct mc *prev = latest_mc(t, mc->id);
	GString *s, *th, *was = NULL, *r;
	struct mc *clean = NULL;
	gboolean same;

	check_no_adds(t, mc->id);
	if (prev && put_additions(t, prev, mc))
		return;
	s = mc_serialize(mc);
	th = threads_serialize(mc);
	/* Memory holds what the files say, so a restart sees the same MC. */
	if (mc_parse(s->str, s->len, &clean, NULL) < 0)
		g_error("txn_put_mc: MC %d does not read back", mc->id);
	r = rsvps_serialize(mc);
	rsvps_parse(clean, r->str);
	g_string_free(r, TRUE);
	threads_parse(clean, th->str);
	mc_free(mc);
	if (prev) {
		GString *ps = mc_serialize(prev);

		same = g_string_equal(ps, s);
		g_string_free(ps, TRUE);
		if (same)
			was = threads_serialize(prev);
	}
	put_lines(t, g_strdup_printf("mc/%d/threads", clean->id), was, th);
	if (was == NULL)
		add_op(t, OP_WRITE, g_strdup_printf("mc/%d/proposal", clean->id),
		       g_string_free_to_bytes(s));
	else
		g_string_free(s, TRUE);
	if (was)
		g_string_free(was, TRUE);
	g_ptr_array_add(t->put, clean);
}

void
txn_put_version(struct txn *t, int mc_id, int n, const char *raw, gsize len)
{
	add_op(t, OP_WRITE, g_strdup_printf("mc/%d/versions/%d.eml", mc_id, n),
	       g_bytes_new(raw, len));
}

void
txn_log(struct txn *t, int mc_id, gint64 when, const char *actor, const char *action)
{
	char *a = util_clean_line(actor, 300), *b = util_clean_line(action, 1000);
	char *line = g_strdup_printf("%" G_GINT64_FORMAT "\t%s\t%s\n", when, a, b);

	add_op(t, OP_APPEND, g_strdup_printf("mc/%d/log", mc_id), g_bytes_new_take(line, strlen(line)));
	g_free(a);
	g_free(b);
}

void
txn_put_rsvps(struct txn *t, const struct mc *mc)
{
	GString *was = g_hash_table_lookup(t->rsvps, GINT_TO_POINTER(mc->id)), *now;
	const struct mc *prev = was ? NULL : latest_mc(t, mc->id);

	check_no_adds(t, mc->id);
	was = was ? g_string_new_len(was->str, (gssize)was->len)
		  : prev ? rsvps_serialize(prev) : NULL;
	now = rsvps_serialize(mc);
	g_hash_table_replace(t->rsvps, GINT_TO_POINTER(mc->id),
			     g_string_new_len(now->str, (gssize)now->len));
	put_lines(t, g_strdup_printf("mc/%d/rsvps", mc->id), was, now);
	if (was)
		g_string_free(was, TRUE);
}

/* The additions are held in an MC of their own (only its id, RSVPs and
 * threads are used) until txn_stage adds them. */
void
txn_add_rsvp(struct txn *t, int mc_id, const struct rsvp *r, const char *thread)
{
	struct mc *add = mc_alloc();
	struct rsvp *c = g_new0(struct rsvp, 1);
	GString *tl, *rl;

	add->id = mc_id;
	c->email = g_strdup(r->email);
	c->name = g_strdup(r->name);
	c->date = r->date;
	g_ptr_array_add(add->rsvps, c);
	if (thread)
		g_ptr_array_add(add->threads, g_strdup(thread));
	read_back(add, 0, 0, &tl, &rl);
	append_lines(t, mc_id, "rsvps", rl);
	append_lines(t, mc_id, "threads", tl);
	g_ptr_array_add(t->adds, add);
}

void
txn_queue_mail(struct txn *t, const char *name, GBytes *data)
{
	add_op(t, OP_WRITE, g_strdup_printf("outbox/new/%s", name), g_bytes_ref(data));
}

void
txn_processed_in(struct txn *t, const char *key, const char *folder)
{
	char *k = util_clean_line(key, 1000);
	char *line;

	g_strdelimit(k, "\t", ' ');
	line = g_strdup_printf("%s\t%s\n", k, folder);
	add_op(t, OP_APPEND, g_strdup("processed"), g_bytes_new_take(line, strlen(line)));
	g_ptr_array_add(t->keys, k);
	g_ptr_array_add(t->keys, g_strdup(folder));
}

void
txn_processed(struct txn *t, const char *key)
{
	txn_processed_in(t, key, "done");
}

/* Our own relative paths only: plain components, no "..", no leading '/'. */
gboolean
relpath_ok(const char *rel)
{
	char **parts = g_strsplit(rel, "/", -1);
	gboolean ok = rel[0] != '\0';

	for (int i = 0; ok && parts[i]; i++) {
		ok = parts[i][0] != '\0' && parts[i][0] != '.';
		for (const char *p = parts[i]; ok && *p; p++)
			ok = g_ascii_isalnum(*p) || strchr("._-", *p);
	}
	g_strfreev(parts);
	return ok;
}

void
check_relpath(const char *rel)
{
	if (!relpath_ok(rel))
		g_error("store: \"%s\" is not a state file name", rel);
}

void
txn_write_file(struct txn *t, const char *relpath, GBytes *data)
{
	check_relpath(relpath);
	add_op(t, OP_WRITE, g_strdup(relpath), g_bytes_ref(data));
}

void
txn_append_file(struct txn *t, const char *relpath, GBytes *data)
{
	check_relpath(relpath);
	add_op(t, OP_APPEND, g_strdup(relpath), g_bytes_ref(data));
}

void
txn_remove_file(struct txn *t, const char *relpath)
{
	check_relpath(relpath);
	add_op(t, OP_REMOVE, g_strdup(relpath), g_bytes_new(NULL, 0));
}

/* The size a file will have once everything staged so far is applied. */
static gint64 *
staged_size(struct store *st, const char *rel)
{
	gint64 *sz = g_hash_table_lookup(st->sizes, rel);

	if (sz == NULL) {
		char *path = g_build_filename(st->dir, rel, NULL);
		struct stat sb;

		sz = g_new(gint64, 1);
		*sz = stat(path, &sb) == 0 ? (gint64)sb.st_size : 0;
		g_free(path);
		g_hash_table_insert(st->sizes, g_strdup(rel), sz);
	}
	return sz;
}

/* Appends get their offset; every op is indexed by its path. */
static void
stage_op(struct store *st, struct op *op)
{
	GPtrArray *on = g_hash_table_lookup(st->by_path, op->rel);
	gint64 size = op->kind == OP_WRITE ? (gint64)g_bytes_get_size(op->data) : 0;

	if (op->kind == OP_APPEND) {
		gint64 *sz = staged_size(st, op->rel);

		op->offset = *sz;
		*sz += (gint64)g_bytes_get_size(op->data);
	} else {
		g_hash_table_replace(st->sizes, g_strdup(op->rel), g_memdup2(&size, sizeof size));
	}
	if (on == NULL) {
		on = g_ptr_array_new();
		g_hash_table_insert(st->by_path, g_strdup(op->rel), on);
	}
	g_ptr_array_add(on, op);
	g_ptr_array_add(st->pending, op);
}

void
txn_stage(struct txn *t)
{
	struct store *st = t->st;

	if (t->next_id != st->next_id) {
		char *n = g_strdup_printf("%d\n", t->next_id);

		add_op(t, OP_WRITE, g_strdup("next-id"), g_bytes_new_take(n, strlen(n)));
	}
	for (guint i = 0; i < t->ops->len; i++)
		stage_op(st, t->ops->pdata[i]);
	g_ptr_array_set_free_func(t->ops, NULL);        /* the store owns them now */
	g_ptr_array_set_size(t->ops, 0);
	g_ptr_array_set_free_func(t->ops, (GDestroyNotify)op_free);
	st->next_id = t->next_id;
	for (guint i = 0; i + 1 < t->keys->len; i += 2)
		g_hash_table_replace(st->processed, g_strdup(t->keys->pdata[i]),
				     (char *)g_intern_string(t->keys->pdata[i + 1]));
	g_ptr_array_set_size(t->keys, 0);
	while (t->put->len > 0)
		store_install(st, g_ptr_array_steal_index(t->put, 0));
	for (guint i = 0; i < t->adds->len; i++) {
		struct mc *add = t->adds->pdata[i];

		store_extend(st, add->id, add);
	}
	g_ptr_array_set_size(t->adds, 0);
}

int
txn_commit(struct txn *t, GString *err)
{
	txn_stage(t);
	return store_flush(t->st, err);
}
