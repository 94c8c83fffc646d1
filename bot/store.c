/*
 * store.c - opening the store: the lock, journal replay, reading every MC
 * into memory, and the lookups.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "log.h"
#include "store_p.h"
#include "util.h"

#define MC_FILE_MAX (4 * 1024 * 1024)
#define MC_ID_MAX 1000000000           /* ids beyond are damage, not MCs */

static int
store_lock(struct store *st, GString *err)
{
	char *path = g_build_filename(st->dir, "lock", NULL);
	int rc = 0;

	st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lock_fd < 0)
		rc = fail(err, "%s: %s", path, g_strerror(errno));
	else if (flock(st->lock_fd, LOCK_EX | LOCK_NB) < 0)
		rc = fail(err, "%s: another mcbot is running on this state directory", path);
	g_free(path);
	return rc;
}

/* A NUL in a line file (damage: a crash can leave zeros in a file) must
 * not hide the lines after it: it ends the line instead. */
static void
nul_to_lf(char *data, gsize len)
{
	for (char *p = data; (p = memchr(p, '\0', len - (gsize)(p - data))) != NULL; )
		*p = '\n';
}

/* Keys are appended as whole lines: a last line without its LF (damage)
 * gets one, or the next key would join it and be lost. */
static int
end_last_line(const char *path, const char *data, gsize len, GString *err)
{
	int fd, rc = 0;

	if (len == 0 || data[len - 1] == '\n')
		return 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 || write(fd, "\n", 1) != 1)
		rc = fail(err, "%s: %s", path, g_strerror(errno));
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = fail(err, "%s: %s", path, g_strerror(errno));
	return rc;
}

static int
load_processed(struct store *st, GString *err)
{
	char *path = g_build_filename(st->dir, "processed", NULL);
	char *data = NULL;
	gsize len;
	int rc = 0;

	if (util_read_file(path, 0, &data, &len, NULL) == 0) {
		char **keys;

		rc = end_last_line(path, data, len, err);
		nul_to_lf(data, len);
		keys = g_strsplit(data, "\n", -1);

		for (int i = 0; keys[i]; i++) {
			char *tab = strchr(keys[i], '\t');

			if (keys[i][0] == '\0')
				continue;
			if (tab)
				*tab++ = '\0';
			g_hash_table_replace(st->processed, g_strdup(keys[i]),
					     (char *)g_intern_string(tab && *tab ? tab : "done"));
		}
		g_strfreev(keys);
	}
	g_free(data);
	g_free(path);
	return rc;
}

/* A line file of an MC that later lines are appended to (NULL when
 * absent).  A last line without its LF (damage) gets one first, or the
 * next line appended would join it.  (transfer full) */
static char *
read_line_file(const struct store *st, const char *dir, const char *name)
{
	char *path = g_build_filename(dir, name, NULL);
	char *data = NULL;
	gsize len;

	if (util_read_file(path, MC_FILE_MAX, &data, &len, NULL) == 0) {
		if (!st->readonly)
			end_last_line(path, data, len, NULL);
		nul_to_lf(data, len);
	}
	g_free(path);
	return data;
}

static int
load_mc(struct store *st, const char *name, GString *err)
{
	char *dir = g_build_filename(st->dir, "mc", name, NULL);
	char *path = g_build_filename(dir, "proposal", NULL);
	char *data = NULL, *rdata = NULL, *tdata = NULL;
	gsize len;
	struct mc *mc;
	int rc = -1;

	if (util_read_file(path, MC_FILE_MAX, &data, &len, err) < 0)
		goto out;
	if (mc_parse(data, len, &mc, err) < 0) {
		GString *why = g_string_new(err ? err->str : "");

		fail(err, "%s: %s", path, why->str);
		g_string_free(why, TRUE);
		goto out;
	}
	/* Two files claiming one id would make two MCs one in memory. */
	if (mc->id > MC_ID_MAX || g_ascii_strtoll(name, NULL, 10) != mc->id) {
		fail(err, "%s: Id %d is not the directory's number", path, mc->id);
		mc_free(mc);
		goto out;
	}
	if ((rdata = read_line_file(st, dir, "rsvps")) != NULL)
		rsvps_parse(mc, rdata);
	if ((tdata = read_line_file(st, dir, "threads")) != NULL)
		threads_parse(mc, tdata);
	store_install(st, mc);
	if (mc->id >= st->next_id)
		st->next_id = mc->id + 1;
	rc = 0;
out:
	g_free(tdata);
	g_free(rdata);
	g_free(data);
	g_free(path);
	g_free(dir);
	return rc;
}

static int
load_mcs(struct store *st, GString *err)
{
	char *dir = g_build_filename(st->dir, "mc", NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	int rc = 0;

	if (d) {
		while (rc == 0 && (name = g_dir_read_name(d)) != NULL)
			if (strspn(name, "0123456789") == strlen(name))
				rc = load_mc(st, name, err);
		g_dir_close(d);
	}
	g_free(dir);
	return rc;
}

static void
load_next_id(struct store *st)
{
	char *path = g_build_filename(st->dir, "next-id", NULL);
	char *data = NULL;

	if (util_read_file(path, 64, &data, NULL, NULL) == 0) {
		gint64 n = g_ascii_strtoll(data, NULL, 10);

		if (n > st->next_id && n <= MC_ID_MAX)
			st->next_id = (int)n;
	}
	g_free(data);
	g_free(path);
}

static gint
cmp_mc(gconstpointer a, gconstpointer b)
{
	const struct mc *x = *(struct mc *const *)a, *y = *(struct mc *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

static int
store_open_mode(const char *state_dir, gboolean readonly, struct store **out, GString *err)
{
	struct store *st = g_new0(struct store, 1);
	static const char *const dirs[] = { "mc", "journal", "outbox/new", "outbox/sent",
					    "outbox/failed", NULL };

	*out = NULL;
	static guint64 serials;     /* stores are opened by the handling thread only */

	st->dir = g_strdup(state_dir);
	st->serial = ++serials;
	st->lock_fd = -1;
	st->readonly = readonly;
	st->next_id = 1;
	/* Folder names are few: interned, not one copy per key. */
	st->processed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	st->mcs = g_ptr_array_new_with_free_func((GDestroyNotify)mc_free);
	st->by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
	st->by_slug = g_hash_table_new(g_str_hash, g_str_equal);
	st->by_thread = g_hash_table_new(g_str_hash, g_str_equal);
	store_pending_init(st);
	store_files_init(st);
	if (!readonly) {
		if (util_mkdirs(state_dir, err) < 0 || store_lock(st, err) < 0)
			goto bad;
		for (int i = 0; dirs[i]; i++) {
			char *d = g_build_filename(state_dir, dirs[i], NULL);
			int rc = util_mkdirs(d, err);

			g_free(d);
			if (rc < 0)
				goto bad;
		}
		if (journal_replay(st, err) < 0)
			goto bad;
	}
	if (load_processed(st, err) < 0)
		goto bad;
	if (load_mcs(st, err) < 0)
		goto bad;
	g_ptr_array_sort(st->mcs, cmp_mc);
	load_next_id(st);
	log_debug(LOG_AREA_STORE, "store %s: %u MCs, %u processed mails%s", state_dir,
		  st->mcs->len, g_hash_table_size(st->processed), readonly ? " (read-only)" : "");
	*out = st;
	return 0;
bad:
	store_close(st);
	return -1;
}

int
store_open(const char *state_dir, struct store **out, GString *err)
{
	return store_open_mode(state_dir, FALSE, out, err);
}

int
store_open_readonly(const char *state_dir, struct store **out, GString *err)
{
	return store_open_mode(state_dir, TRUE, out, err);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->pending && st->pending->len)
		log_warnx("store: %u staged changes dropped at close", st->pending->len);
	store_pending_free(st);
	store_files_free(st);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	g_hash_table_unref(st->by_thread);
	g_hash_table_unref(st->by_slug);
	g_hash_table_unref(st->by_id);
	g_ptr_array_unref(st->mcs);
	g_hash_table_unref(st->processed);
	g_free(st->dir);
	g_free(st);
}

static void
unindex(struct store *st, struct mc *old)
{
	g_hash_table_remove(st->by_slug, old->slug);
	for (guint i = 0; i < old->threads->len; i++)
		if (g_hash_table_lookup(st->by_thread, old->threads->pdata[i]) == old)
			g_hash_table_remove(st->by_thread, old->threads->pdata[i]);
	g_hash_table_remove(st->by_id, GINT_TO_POINTER(old->id));
}

void
store_install(struct store *st, struct mc *mc)
{
	struct mc *old = g_hash_table_lookup(st->by_id, GINT_TO_POINTER(mc->id));

	if (old) {
		guint lo = 0, hi = st->mcs->len;

		if (g_strcmp0(old->title, mc->title) != 0 || g_strcmp0(old->slug, mc->slug) != 0)
			st->names++;
		unindex(st, old);
		while (lo < hi) {       /* st->mcs is ordered by id */
			guint mid = lo + (hi - lo) / 2;

			if (((struct mc *)st->mcs->pdata[mid])->id < mc->id)
				lo = mid + 1;
			else
				hi = mid;
		}
		g_assert(lo < st->mcs->len && st->mcs->pdata[lo] == old);
		st->mcs->pdata[lo] = mc;
		mc_free(old);
	} else {
		/* New ids are always the largest: the array stays ordered. */
		g_ptr_array_add(st->mcs, mc);
		st->names++;
	}
	g_hash_table_insert(st->by_id, GINT_TO_POINTER(mc->id), mc);
	g_hash_table_insert(st->by_slug, mc->slug, mc);
	for (guint i = 0; i < mc->threads->len; i++)
		g_hash_table_insert(st->by_thread, mc->threads->pdata[i], mc);
}

void
store_extend(struct store *st, int id, struct mc *add)
{
	struct mc *mc = g_hash_table_lookup(st->by_id, GINT_TO_POINTER(id));

	g_assert(mc != NULL);
	for (guint i = 0; i < add->rsvps->len; i++)
		g_ptr_array_add(mc->rsvps, add->rsvps->pdata[i]);
	for (guint i = 0; i < add->threads->len; i++) {
		g_ptr_array_add(mc->threads, add->threads->pdata[i]);
		g_hash_table_insert(st->by_thread, add->threads->pdata[i], mc);
	}
	g_ptr_array_set_free_func(add->rsvps, NULL);
	g_ptr_array_set_free_func(add->threads, NULL);
	g_ptr_array_set_size(add->rsvps, 0);
	g_ptr_array_set_size(add->threads, 0);
}

const char *
store_dir(const struct store *st)
{
	return st->dir;
}

gboolean
store_processed(const struct store *st, const char *key)
{
	return g_hash_table_contains(st->processed, key);
}

const char *
store_processed_folder(const struct store *st, const char *key)
{
	return g_hash_table_lookup(st->processed, key);
}

struct mc *
store_mc_by_id(const struct store *st, int id)
{
	return g_hash_table_lookup(st->by_id, GINT_TO_POINTER(id));
}

struct mc *
store_mc_by_slug(const struct store *st, const char *slug)
{
	return g_hash_table_lookup(st->by_slug, slug);
}

struct mc *
store_mc_by_thread(const struct store *st, const char *msgid)
{
	return msgid ? g_hash_table_lookup(st->by_thread, msgid) : NULL;
}

void
store_names_stamp(const struct store *st, guint64 *serial, guint64 *names)
{
	*serial = st->serial;
	*names = st->names;
}

GPtrArray *
store_mcs(const struct store *st)
{
	return st->mcs;
}

/* The one MC whose slug starts with words ("sched-ext" for
 * "sched-ext-the-bpf-extensible-scheduler-class"), or NULL. */
static struct mc *
find_by_slug_prefix(const struct store *st, const char *words)
{
	char *prefix = g_strconcat(words, "-", NULL);
	struct mc *found = NULL;

	for (guint i = 0; i < st->mcs->len; i++) {
		struct mc *mc = st->mcs->pdata[i];

		if (!g_str_has_prefix(mc->slug, prefix))
			continue;
		if (found) {
			found = NULL;
			break;
		}
		found = mc;
	}
	g_free(prefix);
	return found;
}

struct mc *
store_find_mc(const struct store *st, const char *name)
{
	const char *num = g_ascii_strncasecmp(name, "mc-", 3) == 0 ? name + 3 : name;
	struct mc *found = NULL;
	gboolean tie = FALSE;
	char *slug;

	if (*num && strspn(num, "0123456789") == strlen(num))
		return strlen(num) < 9 ? store_mc_by_id(st, atoi(num)) : NULL;
	if ((found = store_mc_by_slug(st, name)) != NULL)
		return found;
	slug = util_slugify(name, 80);
	for (guint i = 0; i < st->mcs->len && !tie; i++) {
		struct mc *mc = st->mcs->pdata[i];
		char *s = util_slugify(mc->title, 80);

		if (strcmp(s, slug) == 0) {
			tie = found != NULL;
			found = mc;
		}
		g_free(s);
	}
	if (tie)
		found = NULL;
	else if (found == NULL && strcmp(slug, "mc") != 0)
		found = find_by_slug_prefix(st, slug);
	g_free(slug);
	return found;
}
