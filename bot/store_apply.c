/*
 * store_apply.c - making staged changes durable: the journal, applying
 * it to the files, and replaying it after a crash.
 *
 * store_flush() folds the pending operations per file (the last whole
 * write with the appends after it, or all appends as one), writes them
 * into journal/<seq> (one fsync), applies them, calls the applied hook
 * (store_on_applied: the sender starts on the replies), syncs the file
 * system once, then removes the journal file and syncs its directory.  So a
 * journal file found at start is always the newest change, and replaying
 * it (writes again; appends truncated to their offset and written again)
 * gives the same files.
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

static gint64 crash_after;
static gint steps;              /* counted by the handling and the sender thread */

void
store_step(void)
{
	static gsize once;
	gint n;

	if (g_once_init_enter(&once)) {
		const char *e = g_getenv("MCBOT_CRASH_AFTER");

		crash_after = e ? g_ascii_strtoll(e, NULL, 10) : 0;
		g_once_init_leave(&once, 1);
	}
	n = g_atomic_int_add(&steps, 1) + 1;
	if (crash_after > 0 && n >= crash_after) {
		log_warnx("MCBOT_CRASH_AFTER=%" G_GINT64_FORMAT ": exiting after step %d",
			  crash_after, n);
		_exit(99);
	}
}

/* mkdir -p, trying the directory itself first: usually only its last
 * component is missing.  Each directory made or found is remembered. */
static int
make_dir(struct store *st, const char *dir)
{
	char *parent;
	int rc = 0;

	if (g_hash_table_contains(st->dirs, dir))
		return 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		if (errno != ENOENT)
			return -1;
		parent = g_path_get_dirname(dir);
		rc = strcmp(parent, dir) == 0 ? -1 : make_dir(st, parent);
		g_free(parent);
		if (rc == 0 && mkdir(dir, 0700) < 0 && errno != EEXIST)
			rc = -1;
	}
	if (rc == 0)
		g_hash_table_add(st->dirs, g_strdup(dir));
	return rc;
}

/* The parent directory of path exists: made once per process. */
static int
ensure_parent(struct store *st, const char *path, GString *err)
{
	char *dir = g_path_get_dirname(path);
	int rc = make_dir(st, dir);

	if (rc < 0)
		fail(err, "mkdir %s: %s", dir, g_strerror(errno));
	g_free(dir);
	return rc;
}

/* After a failure: was path's directory, known to exist, removed since? */
static gboolean
parent_gone(struct store *st, const char *path)
{
	char *dir = g_path_get_dirname(path);
	struct stat sb;
	gboolean gone = g_hash_table_contains(st->dirs, dir) && stat(dir, &sb) < 0;

	if (gone)
		g_hash_table_remove(st->dirs, dir);
	g_free(dir);
	return gone;
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
	struct stat sb;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(err, "%s: %s", path, g_strerror(errno));
	/* The usual case, the file ends at offset, needs no truncation. */
	if (fstat(fd, &sb) < 0 || (sb.st_size != offset && ftruncate(fd, offset) < 0) ||
	    pwrite(fd, p, len, offset) != (ssize_t)len)
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
apply_kind(const char *path, const struct op *op, GString *err)
{
	return op->kind == OP_WRITE ? apply_write(path, op->data, err)
	     : op->kind == OP_REMOVE ? apply_remove(path, err)
				     : apply_append(path, op->offset, op->data, err);
}

static int
apply_op(struct store *st, const struct op *op, GString *err)
{
	char *path = g_build_filename(st->dir, op->rel, NULL);
	int rc = ensure_parent(st, path, err);

	if (rc == 0)
		rc = apply_kind(path, op, err);
	if (rc < 0 && parent_gone(st, path)) {   /* removed by hand since: make it again */
		if (err)
			g_string_truncate(err, 0);
		rc = ensure_parent(st, path, err);
		if (rc == 0)
			rc = apply_kind(path, op, err);
	}
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

/*
 * The staged ops on one file as one op giving the same file: the last
 * write or removal with the appends after it (a removal followed by
 * appends is a write of them), or all the appends at the first one's
 * offset (staged offsets make them contiguous).  (transfer full)
 */
static struct op *
fold(GPtrArray *on)
{
	guint start = 0;
	const struct op *first;
	struct op *op = g_new0(struct op, 1);
	GByteArray *b;
	gint64 end;

	for (guint i = on->len; i-- > 0; )
		if (((const struct op *)on->pdata[i])->kind != OP_APPEND) {
			start = i;
			break;
		}
	first = on->pdata[start];
	op->rel = g_strdup(first->rel);
	op->kind = first->kind;
	op->offset = first->offset;
	if (start + 1 == on->len) {
		op->data = g_bytes_ref(first->data);
		return op;
	}
	if (op->kind == OP_REMOVE)
		op->kind = OP_WRITE;
	b = g_byte_array_new();
	end = first->kind == OP_APPEND ? first->offset : 0;
	for (guint i = start; i < on->len; i++) {
		const struct op *a = on->pdata[i];
		gsize n;
		const guint8 *p = g_bytes_get_data(a->data, &n);

		g_assert(a->kind != OP_APPEND || a->offset == end);
		g_byte_array_append(b, p, (guint)n);
		end += (gint64)n;
	}
	op->data = g_byte_array_free_to_bytes(b);
	return op;
}

/* Every pending file change folded, files in the order first changed.
 * (transfer full) */
static GPtrArray *
coalesce(struct store *st)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)op_free);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < st->pending->len; i++) {
		const struct op *op = st->pending->pdata[i];

		if (g_hash_table_add(seen, op->rel))
			g_ptr_array_add(out, fold(g_hash_table_lookup(st->by_path, op->rel)));
	}
	g_hash_table_unref(seen);
	return out;
}

void
store_pending_init(struct store *st)
{
	st->pending = g_ptr_array_new_with_free_func((GDestroyNotify)op_free);
	st->by_path = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    (GDestroyNotify)g_ptr_array_unref);
	st->sizes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	st->dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

static void
pending_clear(struct store *st)
{
	g_hash_table_remove_all(st->by_path);
	g_hash_table_remove_all(st->sizes);
	g_ptr_array_set_size(st->pending, 0);
}

void
store_pending_free(struct store *st)
{
	if (st->pending == NULL)
		return;
	pending_clear(st);
	g_ptr_array_unref(st->pending);
	g_hash_table_unref(st->by_path);
	g_hash_table_unref(st->sizes);
	g_hash_table_unref(st->dirs);
	st->pending = NULL;
}

/* Apply ops, in order. */
static int
apply_ops(struct store *st, GPtrArray *ops, GString *err)
{
	for (guint i = 0; i < ops->len; i++) {
		const struct op *op = ops->pdata[i];

		store_files_forget(st, op->rel);
		if (apply_op(st, op, err) < 0)
			return -1;
	}
	return 0;
}

void
store_on_applied(struct store *st, store_applied_fn fn, void *data)
{
	st->applied = fn;
	st->applied_data = data;
}

int
store_flush(struct store *st, GString *err)
{
	char *jdir, *jpath;
	GPtrArray *ops;
	GString *j, *hook_err;
	gboolean hook_failed = FALSE;
	int rc = -1;

	if (st->pending->len == 0)
		return 0;
	if (st->readonly)
		return fail(err, "%s: opened read-only", st->dir);
	hook_err = g_string_new(NULL);
	jdir = g_build_filename(st->dir, "journal", NULL);
	jpath = g_strdup_printf("%s/%" G_GUINT64_FORMAT, jdir, ++st->journal_seq);
	ops = coalesce(st);
	j = journal_format(ops);
	if (util_write_atomic(jpath, j->str, j->len, err) < 0)
		goto out;
	store_step();
	if (apply_ops(st, ops, err) < 0)
		goto out;
	if (st->applied && st->applied(st->applied_data, hook_err) < 0)
		hook_failed = TRUE;
	if (sync_all(st, err) < 0)
		goto out;
	if (unlink(jpath) < 0) {
		fail(err, "%s: %s", jpath, g_strerror(errno));
		goto out;
	}
	if (util_fsync_dir(jdir, err) < 0)
		goto out;
	store_step();
	log_debug(LOG_AREA_STORE, "flushed %u changes to %u files", st->pending->len, ops->len);
	pending_clear(st);
	rc = hook_failed ? fail(err, "%s", hook_err->str) : 0;
out:
	g_string_free(hook_err, TRUE);
	g_ptr_array_unref(ops);
	g_string_free(j, TRUE);
	g_free(jpath);
	g_free(jdir);
	return rc;
}

/*
 * A reply queued by a journal record may have been sent (the sender starts
 * before the record is removed: store_on_applied): then it is in
 * outbox/sent or outbox/failed under its name, and is not queued again.
 */
static void
drop_sent(struct store *st, GPtrArray *ops)
{
	for (guint i = ops->len; i-- > 0; ) {
		const struct op *op = ops->pdata[i];
		const char *name, *where = NULL;

		if (op->kind != OP_WRITE || !g_str_has_prefix(op->rel, "outbox/new/"))
			continue;
		name = op->rel + strlen("outbox/new/");
		for (int k = 0; k < 2 && !where; k++) {
			char *p = g_build_filename(st->dir, "outbox", k ? "failed" : "sent", name, NULL);

			if (g_file_test(p, G_FILE_TEST_EXISTS))
				where = k ? "failed" : "sent";
			g_free(p);
		}
		if (where) {
			log_notice("journal: outbox mail %s is in outbox/%s already: not queued again",
				   name, where);
			g_ptr_array_remove_index(ops, i);
		}
	}
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
	drop_sent(st, ops);
	if (apply_ops(st, ops, err) < 0 || sync_all(st, err) < 0)
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
