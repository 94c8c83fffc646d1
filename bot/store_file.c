/*
 * store_file.c - store_read_file(): store-wide files as the store sees
 * them, the disk's version with the staged changes applied.
 *
 * Many mails of a batch read the same small files (reply counts, bounces,
 * settings).  What was read is kept in memory and used again while a
 * stat() finds the same file (inode, size, modification time), so an
 * edit by hand is still seen; store_flush() forgets the files it changes.
 */
#include <string.h>
#include <sys/stat.h>

#include "store_p.h"
#include "util.h"

#define CACHE_FILE_MAX (1024 * 1024)           /* larger files are read each time */
#define CACHE_MAX (2 * 1024 * 1024)            /* then the cache starts again */

struct cached_file {
	GBytes *all;                /* the contents and a NUL */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

static void
cached_free(struct cached_file *c)
{
	g_bytes_unref(c->all);
	g_free(c);
}

void
store_files_init(struct store *st)
{
	st->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  (GDestroyNotify)cached_free);
	st->files_bytes = 0;
}

void
store_files_free(struct store *st)
{
	if (st->files)
		g_hash_table_unref(st->files);
	st->files = NULL;
}

void
store_files_forget(struct store *st, const char *rel)
{
	struct cached_file *c = g_hash_table_lookup(st->files, rel);

	if (c) {
		st->files_bytes -= g_bytes_get_size(c->all);
		g_hash_table_remove(st->files, rel);
	}
}

static gboolean
same_file(const struct cached_file *c, const struct stat *sb)
{
	return c->dev == sb->st_dev && c->ino == sb->st_ino && c->size == sb->st_size &&
	       c->mtime.tv_sec == sb->st_mtim.tv_sec && c->mtime.tv_nsec == sb->st_mtim.tv_nsec;
}

static void
remember(struct store *st, const char *rel, const struct stat *sb, GBytes *all)
{
	struct cached_file *c;

	if (g_bytes_get_size(all) > CACHE_FILE_MAX)
		return;
	if (st->files_bytes + g_bytes_get_size(all) > CACHE_MAX) {
		g_hash_table_remove_all(st->files);
		st->files_bytes = 0;
	}
	c = g_new0(struct cached_file, 1);
	c->all = g_bytes_ref(all);
	c->dev = sb->st_dev;
	c->ino = sb->st_ino;
	c->size = sb->st_size;
	c->mtime = sb->st_mtim;
	st->files_bytes += g_bytes_get_size(all);
	g_hash_table_replace(st->files, g_strdup(rel), c);
}

/* The file on disk with a NUL after it, or NULL (absent, larger than
 * max, unreadable).  (transfer full) */
static GBytes *
disk_version(struct store *st, const char *rel, gsize max)
{
	struct cached_file *c = g_hash_table_lookup(st->files, rel);
	char *path = g_build_filename(st->dir, rel, NULL), *data = NULL;
	struct stat sb;
	gsize len;
	GBytes *all = NULL;

	if (stat(path, &sb) < 0 || (max && (gsize)sb.st_size > max)) {
		store_files_forget(st, rel);
	} else if (c && same_file(c, &sb)) {
		all = g_bytes_ref(c->all);
	} else if (util_read_file(path, max, &data, &len, NULL) == 0) {
		/* g_string_free left a NUL after the data */
		all = g_bytes_new_take(data, len + 1);
		store_files_forget(st, rel);
		if (len == (gsize)sb.st_size)   /* else it changed while read: not kept */
			remember(st, rel, &sb, all);
	}
	g_free(path);
	return all;
}

/*
 * The file as the store sees it, from byte from on: the disk's version,
 * then every staged change to it, in order; *size (may be NULL) gets its
 * whole size.  Only what lies after from is copied, and nothing when no
 * change is staged.
 */
static GBytes *
read_from(struct store *st, const char *relpath, gsize max, gsize from, gsize *size)
{
	GBytes *all = disk_version(st, relpath, max), *base = NULL, *out;
	GPtrArray *on = g_hash_table_lookup(st->by_path, relpath);
	guint first = 0;
	gboolean exists = all != NULL;
	gsize len = 0, total, at;
	GByteArray *b;

	if (all)
		base = g_bytes_new_from_bytes(all, 0, g_bytes_get_size(all) - 1);
	/* The last write or removal staged replaces what came before it. */
	for (guint i = 0; on && i < on->len; i++) {
		const struct op *op = on->pdata[i];

		if (op->kind == OP_APPEND) {
			exists = TRUE;
			continue;
		}
		g_clear_pointer(&base, g_bytes_unref);
		if (op->kind == OP_WRITE)
			base = g_bytes_ref(op->data);
		exists = op->kind == OP_WRITE;
		first = i + 1;
	}
	if (size)
		*size = 0;
	if (!exists) {
		if (all)
			g_bytes_unref(all);
		return NULL;
	}
	total = base ? g_bytes_get_size(base) : 0;
	for (guint i = first; on && i < on->len; i++)
		total += g_bytes_get_size(((const struct op *)on->pdata[i])->data);
	if (size)
		*size = total;
	from = MIN(from, total);
	if (first == 0 && all && (!on || on->len == 0)) {
		/* Nothing staged: a slice of the disk's version, NUL included. */
		out = g_bytes_new_from_bytes(all, from, total - from);
		g_bytes_unref(all);
		g_bytes_unref(base);
		return out;
	}
	b = g_byte_array_sized_new((guint)(total - from + 1));
	at = 0;
	if (base) {
		const guint8 *p = g_bytes_get_data(base, &len);

		if (from < len)
			g_byte_array_append(b, p + from, (guint)(len - from));
		at = len;
	}
	for (guint i = first; on && i < on->len; i++) {
		const guint8 *p = g_bytes_get_data(((const struct op *)on->pdata[i])->data, &len);

		if (at + len > from) {
			gsize skip = from > at ? from - at : 0;

			g_byte_array_append(b, p + skip, (guint)(len - skip));
		}
		at += len;
	}
	if (all)
		g_bytes_unref(all);
	if (base)
		g_bytes_unref(base);
	/* A NUL after the data, outside the size: callers may read it as a string. */
	len = b->len;
	g_byte_array_append(b, (const guint8 *)"", 1);
	all = g_byte_array_free_to_bytes(b);
	out = g_bytes_new_from_bytes(all, 0, len);
	g_bytes_unref(all);
	return out;
}

GBytes *
store_read_file(const struct store *cst, const char *relpath, gsize max)
{
	check_relpath(relpath);
	/* the cache changes, nothing else */
	return read_from((struct store *)cst, relpath, max, 0, NULL);
}

GBytes *
store_read_tail(const struct store *cst, const char *relpath, gsize from, gsize *size)
{
	check_relpath(relpath);
	return read_from((struct store *)cst, relpath, 0, from, size);
}
