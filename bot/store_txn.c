/*
 * store_txn.c - transactions and the journal.
 *
 * A transaction is a list of file operations: "write" replaces a whole
 * file, "append" adds bytes at a recorded offset.  txn_commit() writes
 * them all into journal/<seq> (one fsync), applies them, then removes the
 * journal file and syncs the directory, so a journal file found at start
 * is always the newest change and replaying it (writes again; appends
 * truncated to their offset and written again) gives the same files.
 *
 * Journal file: "mcbot-journal 1\n", then per op
 *   "W <relpath> <len>\n<bytes>\n" or "A <relpath> <offset> <len>\n<bytes>\n",
 *   or "D <relpath> 0\n\n" (remove the file; replaying it again is harmless),
 * then "END\n".  A file without END was never committed and is dropped.
 */
#define _GNU_SOURCE             /* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store_p.h"
#include "util.h"

#define JOURNAL_MAGIC "mcbot-journal 1\n"

enum op_kind { OP_WRITE = 'W', OP_APPEND = 'A', OP_REMOVE = 'D' };

struct op {
	enum op_kind kind;
	char *rel;                  /* relative to the state dir; built by us, never from mail */
	GBytes *data;
	gint64 offset;              /* appends: set at commit */
};

struct txn {
	struct store *st;
	GPtrArray *ops;             /* struct op * */
	GPtrArray *put;             /* struct mc * installed in memory on commit */
	GPtrArray *keys;            /* processed keys and their folders, in pairs */
	int next_id;
};

static void
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

struct txn *
txn_new(struct store *st)
{
	struct txn *t = g_new0(struct txn, 1);

	t->st = st;
	t->ops = g_ptr_array_new_with_free_func((GDestroyNotify)op_free);
	t->put = g_ptr_array_new_with_free_func((GDestroyNotify)mc_free);
	t->keys = g_ptr_array_new_with_free_func(g_free);
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

void
txn_put_mc(struct txn *t, struct mc *mc)
{
	GString *s = mc_serialize(mc);
	struct mc *clean = NULL;

	/* Memory holds what the file says, so a restart sees the same MC. */
	if (mc_parse(s->str, s->len, &clean, NULL) < 0)
		g_error("txn_put_mc: MC %d does not read back", mc->id);
	{
		GString *r = rsvps_serialize(mc);

		rsvps_parse(clean, r->str);
		g_string_free(r, TRUE);
	}
	mc_free(mc);
	add_op(t, OP_WRITE, g_strdup_printf("mc/%d/proposal", clean->id),
	       g_string_free_to_bytes(s));
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
	add_op(t, OP_WRITE, g_strdup_printf("mc/%d/rsvps", mc->id),
	       g_string_free_to_bytes(rsvps_serialize(mc)));
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
static gboolean
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

static void
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

/* The disk's version, then every staged change to it, in order. */
GBytes *
store_read_file(const struct store *st, const char *relpath, gsize max)
{
	char *path, *data = NULL;
	gsize len = 0;
	GByteArray *b = NULL;

	check_relpath(relpath);
	path = g_build_filename(st->dir, relpath, NULL);
	if (util_read_file(path, max, &data, &len, NULL) == 0)
		b = g_byte_array_new_take((guint8 *)data, len);
	g_free(path);
	for (guint i = 0; i < st->pending->len; i++) {
		const struct op *op = st->pending->pdata[i];
		gsize n;
		const guint8 *p;

		if (strcmp(op->rel, relpath) != 0)
			continue;
		p = g_bytes_get_data(op->data, &n);
		if (op->kind == OP_REMOVE) {
			if (b)
				g_byte_array_unref(b);
			b = NULL;
			continue;
		}
		if (b == NULL || op->kind == OP_WRITE)
			b = b ? g_byte_array_set_size(b, 0) : g_byte_array_new();
		g_byte_array_append(b, p, (guint)n);
	}
	if (b == NULL)
		return NULL;
	/* A NUL after the data, outside the size: callers may read it as a string. */
	len = b->len;
	g_byte_array_append(b, (const guint8 *)"", 1);
	{
		GBytes *all = g_byte_array_free_to_bytes(b), *out = g_bytes_new_from_bytes(all, 0, len);

		g_bytes_unref(all);
		return out;
	}
}

static gint64 crash_after = -1, steps;

void
store_step(void)
{
	if (crash_after < 0) {
		const char *e = g_getenv("MCBOT_CRASH_AFTER");

		crash_after = e ? g_ascii_strtoll(e, NULL, 10) : 0;
	}
	steps++;
	if (crash_after > 0 && steps >= crash_after) {
		log_warnx("MCBOT_CRASH_AFTER=%" G_GINT64_FORMAT ": exiting after step %" G_GINT64_FORMAT,
			  crash_after, steps);
		_exit(99);
	}
}

static int
ensure_parent(const char *path, GString *err)
{
	char *dir = g_path_get_dirname(path);
	int rc = util_mkdirs(dir, err);

	g_free(dir);
	return rc;
}

static gint64
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (gint64)sb.st_size : 0;
}

/* Whole file: tmp + rename, not synced: store_flush() syncs the file
 * system once before the journal record goes away. */
static int
apply_write(const char *path, GBytes *data, GString *err)
{
	gsize len;
	const char *p = g_bytes_get_data(data, &len);
	char *tmp = g_strconcat(path, ".tmp", NULL);
	int fd, rc = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = fail(err, "%s: %s", tmp, g_strerror(errno));
		goto out;
	}
	if (write(fd, p, len) != (ssize_t)len)
		rc = fail(err, "%s: %s", tmp, g_strerror(errno ? errno : ENOSPC));
	if (close(fd) < 0 && rc == 0)
		rc = fail(err, "%s: %s", tmp, g_strerror(errno));
	if (rc == 0 && rename(tmp, path) < 0)
		rc = fail(err, "rename %s: %s", path, g_strerror(errno));
	if (rc < 0)
		unlink(tmp);
out:
	g_free(tmp);
	return rc;
}

/* Append data at offset: truncate there first, so a replay is idempotent. */
static int
apply_append(const char *path, gint64 offset, GBytes *data, GString *err)
{
	gsize len;
	const char *p = g_bytes_get_data(data, &len);
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(err, "%s: %s", path, g_strerror(errno));
	if (ftruncate(fd, offset) < 0 || pwrite(fd, p, len, offset) != (ssize_t)len)
		rc = fail(err, "%s: %s", path, g_strerror(errno));
	if (close(fd) < 0 && rc == 0)
		rc = fail(err, "%s: %s", path, g_strerror(errno));
	return rc;
}

/* Removing a file that is already gone is fine: a replay does it twice. */
static int
apply_remove(const char *path, GString *err)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return fail(err, "%s: %s", path, g_strerror(errno));
	return 0;
}

static int
apply_op(struct store *st, const struct op *op, GString *err)
{
	char *path = g_build_filename(st->dir, op->rel, NULL);
	int rc = ensure_parent(path, err);

	if (rc == 0)
		rc = op->kind == OP_WRITE ? apply_write(path, op->data, err)
		   : op->kind == OP_REMOVE ? apply_remove(path, err)
					  : apply_append(path, op->offset, op->data, err);
	g_free(path);
	if (rc == 0)
		store_step();
	return rc;
}

/* Every change applied so far reaches the disk. */
static int
sync_all(struct store *st, GString *err)
{
	int fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return fail(err, "%s: %s", st->dir, g_strerror(errno));
	if (syncfs(fd) < 0)
		rc = fail(err, "syncfs %s: %s", st->dir, g_strerror(errno));
	close(fd);
	return rc;
}

static GString *
journal_format(GPtrArray *ops)
{
	GString *j = g_string_new(JOURNAL_MAGIC);

	for (guint i = 0; i < ops->len; i++) {
		const struct op *op = ops->pdata[i];
		gsize len;
		const char *p = g_bytes_get_data(op->data, &len);

		if (op->kind == OP_WRITE || op->kind == OP_REMOVE)
			g_string_append_printf(j, "%c %s %zu\n", op->kind, op->rel, len);
		else
			g_string_append_printf(j, "A %s %" G_GINT64_FORMAT " %zu\n", op->rel,
					       op->offset, len);
		g_string_append_len(j, p, (gssize)len);
		g_string_append_c(j, '\n');
	}
	g_string_append(j, "END\n");
	return j;
}

void
store_pending_init(struct store *st)
{
	st->pending = g_ptr_array_new_with_free_func((GDestroyNotify)op_free);
	st->sizes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void
store_pending_free(struct store *st)
{
	if (st->pending)
		g_ptr_array_unref(st->pending);
	if (st->sizes)
		g_hash_table_unref(st->sizes);
	st->pending = NULL;
	st->sizes = NULL;
}

/* The size a file will have once everything staged is applied. */
static gint64 *
staged_size(struct store *st, const char *rel)
{
	gint64 *sz = g_hash_table_lookup(st->sizes, rel);

	if (sz == NULL) {
		char *path = g_build_filename(st->dir, rel, NULL);

		sz = g_new(gint64, 1);
		*sz = file_size(path);
		g_free(path);
		g_hash_table_insert(st->sizes, g_strdup(rel), sz);
	}
	return sz;
}

void
txn_stage(struct txn *t)
{
	struct store *st = t->st;

	if (t->next_id != st->next_id) {
		char *n = g_strdup_printf("%d\n", t->next_id);

		add_op(t, OP_WRITE, g_strdup("next-id"), g_bytes_new_take(n, strlen(n)));
	}
	for (guint i = 0; i < t->ops->len; i++) {
		struct op *op = t->ops->pdata[i];

		if (op->kind == OP_APPEND) {
			gint64 *sz = staged_size(st, op->rel);

			op->offset = *sz;
			*sz += (gint64)g_bytes_get_size(op->data);
		}
	}
	while (t->ops->len > 0)
		g_ptr_array_add(st->pending, g_ptr_array_steal_index(t->ops, 0));
	st->next_id = t->next_id;
	for (guint i = 0; i + 1 < t->keys->len; i += 2)
		g_hash_table_replace(st->processed, g_strdup(t->keys->pdata[i]),
				     g_strdup(t->keys->pdata[i + 1]));
	g_ptr_array_set_size(t->keys, 0);
	while (t->put->len > 0)
		store_install(st, g_ptr_array_steal_index(t->put, 0));
}

int
store_flush(struct store *st, GString *err)
{
	char *jdir, *jpath;
	GString *j;
	int rc = -1;

	if (st->pending->len == 0)
		return 0;
	if (st->readonly)
		return fail(err, "%s: opened read-only", st->dir);
	jdir = g_build_filename(st->dir, "journal", NULL);
	jpath = g_strdup_printf("%s/%" G_GUINT64_FORMAT, jdir, ++st->journal_seq);
	j = journal_format(st->pending);
	if (util_write_atomic(jpath, j->str, j->len, err) < 0)
		goto out;
	store_step();
	for (guint i = 0; i < st->pending->len; i++)
		if (apply_op(st, st->pending->pdata[i], err) < 0)
			goto out;
	if (sync_all(st, err) < 0)
		goto out;
	if (unlink(jpath) < 0) {
		fail(err, "%s: %s", jpath, g_strerror(errno));
		goto out;
	}
	if (util_fsync_dir(jdir, err) < 0)
		goto out;
	store_step();
	log_debug(LOG_AREA_STORE, "flushed %u changes", st->pending->len);
	g_ptr_array_set_size(st->pending, 0);
	g_hash_table_remove_all(st->sizes);
	rc = 0;
out:
	g_string_free(j, TRUE);
	g_free(jpath);
	g_free(jdir);
	return rc;
}

int
txn_commit(struct txn *t, GString *err)
{
	txn_stage(t);
	return store_flush(t->st, err);
}

/* Parse and apply one journal file; a torn one (no END) is dropped. */
static int
replay_one(struct store *st, const char *path, GString *err)
{
	char *data = NULL;
	gsize len;
	const char *p, *end;
	GPtrArray *ops = g_ptr_array_new_with_free_func((GDestroyNotify)op_free);
	int rc = -1;

	if (util_read_file(path, 0, &data, &len, err) < 0)
		goto out;
	end = data + len;
	if (len < strlen(JOURNAL_MAGIC) || memcmp(data, JOURNAL_MAGIC, strlen(JOURNAL_MAGIC)) != 0)
		goto torn;
	p = data + strlen(JOURNAL_MAGIC);
	for (;;) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		char **f;
		struct op *op;
		guint64 n;

		if (nl == NULL)
			goto torn;
		if (nl - p == 3 && memcmp(p, "END", 3) == 0)
			break;
		{
			char *hdr = g_strndup(p, (gsize)(nl - p));

			f = g_strsplit(hdr, " ", 4);
			g_free(hdr);
		}
		p = nl + 1;
		op = g_new0(struct op, 1);
		g_ptr_array_add(ops, op);
		if (f[0] && f[1] && f[2] && (f[0][0] == 'W' || f[0][0] == 'D' || (f[0][0] == 'A' && f[3]))) {
			op->kind = f[0][0];
			op->rel = g_strdup(f[1]);
			op->offset = op->kind == 'A' ? g_ascii_strtoll(f[2], NULL, 10) : 0;
			n = g_ascii_strtoull(op->kind == 'A' ? f[3] : f[2], NULL, 10);
		} else {
			n = G_MAXUINT64;
		}
		g_strfreev(f);
		/* the data, then its LF, inside the file; a name we could have written */
		if (n >= (guint64)(end - p) || p[n] != '\n' || !op->rel || !relpath_ok(op->rel))
			goto torn;
		op->data = g_bytes_new(p, n);
		p += n + 1;
	}
	for (guint i = 0; i < ops->len; i++)
		if (apply_op(st, ops->pdata[i], err) < 0)
			goto out;
	if (sync_all(st, err) < 0)
		goto out;
	log_notice("journal %s: replayed %u changes", path, ops->len);
	rc = 0;
	goto out;
torn:
	log_warnx("journal %s: incomplete, dropped", path);
	rc = 0;
out:
	if (rc == 0 && unlink(path) < 0)
		rc = fail(err, "%s: %s", path, g_strerror(errno));
	g_ptr_array_unref(ops);
	g_free(data);
	return rc;
}

static gint
cmp_num(gconstpointer a, gconstpointer b)
{
	guint64 x = g_ascii_strtoull(*(char *const *)a, NULL, 10);
	guint64 y = g_ascii_strtoull(*(char *const *)b, NULL, 10);

	return (x > y) - (x < y);
}

int
journal_replay(struct store *st, GString *err)
{
	char *jdir = g_build_filename(st->dir, "journal", NULL);
	GDir *d = g_dir_open(jdir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	int rc = 0;

	while (d && (name = g_dir_read_name(d)) != NULL)
		if (strspn(name, "0123456789") == strlen(name))
			g_ptr_array_add(names, g_strdup(name));
		else if (g_str_has_suffix(name, ".tmp")) {
			char *tmp = g_build_filename(jdir, name, NULL);

			unlink(tmp);        /* never renamed: never committed */
			g_free(tmp);
		}
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, cmp_num);
	for (guint i = 0; rc == 0 && i < names->len; i++) {
		char *path = g_build_filename(jdir, names->pdata[i], NULL);
		guint64 seq = g_ascii_strtoull(names->pdata[i], NULL, 10);

		rc = replay_one(st, path, err);
		if (seq > st->journal_seq)
			st->journal_seq = seq;
		g_free(path);
	}
	if (rc == 0 && names->len)
		rc = util_fsync_dir(jdir, err);
	g_ptr_array_unref(names);
	g_free(jdir);
	return rc;
}
