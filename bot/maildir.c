/*
 * maildir.c - a local Maildir as the inbox.
 *
 * Pending mail is whatever is in new/ and cur/.  Handled mail is moved
 * into a Maildir++ sub-folder ".<prefix>.<folder>/cur/" by link() then
 * unlink() (rename() would silently replace a file of the same name), so
 * nothing is deleted and the inbox shrinks.  Every path is built from names
 * read from the file system, never from mail content.
 *
 * Within one drain (until the next inbox_wait) each file is returned at
 * most once, so a caller that leaves an item in the inbox is not handed
 * it again in a tight loop; after a wait it is offered again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inbox.h"
#include "log.h"
#include "util.h"

struct maildir {
	char *root;
	char *prefix;
	GHashTable *returned;   /* ids handed out since the last wait */
	struct timespec new_mtime;
};

/* A name we put in a path: no '/', not hidden, not empty. */
static gboolean
maildir_name_ok(const char *name)
{
	return name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL;
}

static int
maildir_make_dirs(const char *dir, GString *err)
{
	static const char *const subs[] = { "cur", "new", "tmp" };

	for (size_t i = 0; i < G_N_ELEMENTS(subs); i++) {
		char *p = g_build_filename(dir, subs[i], NULL);
		int r = util_mkdirs(p, err);

		g_free(p);
		if (r < 0)
			return -1;
	}
	return 0;
}

static gint
maildir_cmp_id(gconstpointer a, gconstpointer b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int c = strcmp(x + 4, y + 4);   /* skip "new/" or "cur/" */

	return c ? c : strcmp(x, y);
}

/* Append "new/NAME" and "cur/NAME" for each regular-looking entry. */
static int
maildir_list(struct maildir *md, const char *sub, GPtrArray *ids, GString *err)
{
	char *dir = g_build_filename(md->root, sub, NULL);
	GError *gerr = NULL;
	GDir *d = g_dir_open(dir, 0, &gerr);
	const char *name;

	if (d == NULL) {
		fail(err, "maildir %s: %s", dir, gerr->message);
		g_error_free(gerr);
		g_free(dir);
		return -1;
	}
	while ((name = g_dir_read_name(d)) != NULL) {
		char *id;

		if (!maildir_name_ok(name))
			continue;
		id = g_strconcat(sub, "/", name, NULL);
		if (g_hash_table_contains(md->returned, id))
			g_free(id);
		else
			g_ptr_array_add(ids, id);
	}
	g_dir_close(d);
	g_free(dir);
	return 0;
}

/* An oversize mail's header block: its first bytes up to the empty line. */
static void
maildir_read_head(int fd, struct inbox_item *it)
{
	char *buf = g_malloc(INBOX_HEAD_MAX + 1);
	gsize len = 0;
	ssize_t n;

	while (len < INBOX_HEAD_MAX && (n = read(fd, buf + len, INBOX_HEAD_MAX - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (gsize)n;
	}
	for (gsize i = 0; i + 1 < len; i++)
		if (buf[i] == '\n' && (buf[i + 1] == '\n' ||
		    (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n'))) {
			it->head_len = i + 1;
			buf[it->head_len] = '\0';
			it->head = g_steal_pointer(&buf);
			break;
		}
	g_free(buf);
}

/*
 * Read one file into a new item.  Returns 1 with *out set, 0 when the file
 * is gone or is not a regular file (skip it), -1 on a read error.
 */
static int
maildir_read(struct maildir *md, const char *id, gsize max, struct inbox_item **out,
    GString *err)
{
	char *path = g_build_filename(md->root, id, NULL);
	struct inbox_item *it = NULL;
	struct stat st;
	int fd, ret = -1;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ELOOP)
			ret = 0;
		else
			fail(err, "maildir %s: %s", path, g_strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		fail(err, "maildir %s: %s", path, g_strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = 0;
		goto out;
	}
	it = g_new0(struct inbox_item, 1);
	it->id = g_strdup(id);
	it->size = st.st_size;
	if (max == 0 || (gsize)st.st_size <= max) {
		GString *buf = g_string_sized_new(st.st_size + 1);
		char chunk[65536];
		ssize_t n;

		/* The file may grow under us: never keep more than max. */
		while ((n = read(fd, chunk, sizeof chunk)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				fail(err, "maildir %s: %s", path, g_strerror(errno));
				g_string_free(buf, TRUE);
				goto out;
			}
			if (max && buf->len + n > max) {
				g_string_free(buf, TRUE);
				buf = NULL;
				break;
			}
			g_string_append_len(buf, chunk, n);
		}
		if (buf) {
			it->size = it->len = buf->len;
			it->raw = g_string_free(buf, FALSE);
		}
	}
	if (it->raw == NULL && lseek(fd, 0, SEEK_SET) == 0)
		maildir_read_head(fd, it);
	*out = g_steal_pointer(&it);
	ret = 1;
out:
	if (fd >= 0)
		close(fd);
	inbox_item_free(it);
	g_free(path);
	return ret;
}

static int
maildir_fetch(struct inbox *ib, int max, GPtrArray *items, GString *err)
{
	struct maildir *md = ib->priv;
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	int ret = -1, n = 0;

	if (maildir_list(md, "new", ids, err) < 0 || maildir_list(md, "cur", ids, err) < 0)
		goto out;
	g_ptr_array_sort(ids, maildir_cmp_id);
	for (guint i = 0; i < ids->len && n < max; i++) {
		const char *id = g_ptr_array_index(ids, i);
		struct inbox_item *it;
		GString *why = g_string_new(NULL);
		int r = maildir_read(md, id, ib->cfg->max_message_size, &it, why);

		/* An unreadable file must not stop the others: warn and go on. */
		if (r < 0)
			log_warnx("%s; left in the inbox", why->str);
		g_string_free(why, TRUE);
		g_hash_table_add(md->returned, g_strdup(id));
		if (r <= 0)
			continue;
		g_ptr_array_add(items, it);
		n++;
	}
	ret = 0;
out:
	g_ptr_array_free(ids, TRUE);
	return ret;
}

/* The name under cur/: a mail from new/ gets the empty ":2," info part. */
static char *
maildir_cur_name(const char *name, unsigned attempt)
{
	const char *info = strstr(name, ":2,");
	char *base = info ? g_strndup(name, info - name) : g_strdup(name);
	char *out;

	if (attempt == 0)
		out = g_strconcat(base, info ? info : ":2,", NULL);
	else
		out = g_strdup_printf("%s.%u%s", base, attempt, info ? info : ":2,");
	g_free(base);
	return out;
}

/* Move one file, never replacing a file already in the folder. */
static int
maildir_move_one(const char *src, const char *dstdir, const char *name, GString *err)
{
	for (unsigned attempt = 0; attempt < 100; attempt++) {
		char *leaf = maildir_cur_name(name, attempt);
		char *dst = g_build_filename(dstdir, leaf, NULL);
		struct stat a, b;
		int r = link(src, dst), e = errno;

		if (r == 0 || (e == EEXIST && lstat(src, &a) == 0 && lstat(dst, &b) == 0
		    && a.st_dev == b.st_dev && a.st_ino == b.st_ino)) {
			/* Linked now, or by an earlier run that died before the unlink. */
			g_free(leaf);
			g_free(dst);
			if (unlink(src) < 0 && errno != ENOENT)
				return fail(err, "maildir unlink %s: %s", src, g_strerror(errno));
			return 0;
		}
		g_free(leaf);
		g_free(dst);
		if (e != EEXIST)
			return fail(err, "maildir link %s into %s: %s", src, dstdir, g_strerror(e));
	}
	return fail(err, "maildir %s: no free name in %s", src, dstdir);
}

static int
maildir_finish(struct inbox *ib, GPtrArray *items, GString *err)
{
	struct maildir *md = ib->priv;
	gboolean used[FOLDER_COUNT] = { FALSE };
	int ret = 0;

	for (guint i = 0; i < items->len; i++) {
		struct inbox_item *it = g_ptr_array_index(items, i);
		char *sub, *dir, *dst, *src;

		if (it->folder == FOLDER_NONE || it->folder >= FOLDER_COUNT)
			continue;
		if ((strncmp(it->id, "new/", 4) && strncmp(it->id, "cur/", 4))
		    || !maildir_name_ok(it->id + 4)) {
			ret = fail(err, "maildir: bad item id");
			continue;
		}
		sub = g_strdup_printf(".%s.%s", md->prefix, folder_name(it->folder));
		dir = g_build_filename(md->root, sub, NULL);
		dst = g_build_filename(dir, "cur", NULL);
		src = g_build_filename(md->root, it->id, NULL);
		if (!used[it->folder] && maildir_make_dirs(dir, err) < 0)
			ret = -1;
		else if (maildir_move_one(src, dst, it->id + 4, err) < 0)
			ret = -1;
		used[it->folder] = TRUE;
		g_free(sub);
		g_free(dir);
		g_free(dst);
		g_free(src);
	}
	for (int f = 0; f < FOLDER_COUNT; f++) {
		char *sub, *dst;

		if (!used[f])
			continue;
		sub = g_strdup_printf(".%s.%s", md->prefix, folder_name(f));
		dst = g_build_filename(md->root, sub, "cur", NULL);
		if (util_fsync_dir(dst, err) < 0)
			ret = -1;
		g_free(sub);
		g_free(dst);
	}
	for (int s = 0; s < 2; s++) {
		char *dir = g_build_filename(md->root, s ? "cur" : "new", NULL);

		if (util_fsync_dir(dir, err) < 0)
			ret = -1;
		g_free(dir);
	}
	return ret;
}

static gboolean
maildir_new_changed(struct maildir *md)
{
	char *dir = g_build_filename(md->root, "new", NULL);
	struct stat st;
	gboolean changed = FALSE;

	if (stat(dir, &st) == 0) {
		changed = st.st_mtim.tv_sec != md->new_mtime.tv_sec
		    || st.st_mtim.tv_nsec != md->new_mtime.tv_nsec;
		md->new_mtime = st.st_mtim;
	}
	g_free(dir);
	return changed;
}

static int
maildir_wait(struct inbox *ib, int seconds, volatile int *stop, GString *err)
{
	struct maildir *md = ib->priv;

	g_hash_table_remove_all(md->returned);
	maildir_new_changed(md);
	for (int i = 0; i < seconds; i++) {
		if (stop && *stop)
			return 0;
		g_usleep(G_USEC_PER_SEC);
		if (maildir_new_changed(md))
			return 1;
	}
	return 0;
}

static void
maildir_close(struct inbox *ib)
{
	struct maildir *md = ib->priv;

	g_hash_table_destroy(md->returned);
	g_free(md->root);
	g_free(md->prefix);
	g_free(md);
	g_free(ib);
}

static const struct inbox_ops maildir_ops = {
	.fetch = maildir_fetch,
	.finish = maildir_finish,
	.wait = maildir_wait,
	.close = maildir_close,
};

int
maildir_inbox_open(const struct config *cfg, struct inbox **out, GString *err)
{
	const char *prefix = cfg->imap_folder_prefix ? cfg->imap_folder_prefix : "mcbot";
	struct maildir *md;
	struct inbox *ib;

	*out = NULL;
	if (cfg->maildir == NULL || cfg->maildir[0] == '\0')
		return fail(err, "maildir: no path configured");
	if (!maildir_name_ok(prefix) || strchr(prefix, '.'))
		return fail(err, "maildir: folder prefix \"%s\" must be a plain name", prefix);
	if (maildir_make_dirs(cfg->maildir, err) < 0)
		return -1;
	md = g_new0(struct maildir, 1);
	md->root = g_strdup(cfg->maildir);
	md->prefix = g_strdup(prefix);
	md->returned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	maildir_new_changed(md);
	ib = g_new0(struct inbox, 1);
	ib->ops = &maildir_ops;
	ib->cfg = cfg;
	ib->priv = md;
	*out = ib;
	return 0;
}
