/*
 * digest_collect.c - the week's view, read once per run: every MC's log,
 * the mail log and the state of the outbox.  The RSVPs themselves (with
 * their dates) are already in memory in the store.
 *
 * Log actions are free text written by the handlers and commands; their
 * kind is told by how they start (digest_event_kind).  RSVP events keep no
 * text: they are the bulk of a log and only their count is shown.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "digest_p.h"
#include "log.h"
#include "util.h"

#define LOG_MAX (64 * 1024 * 1024)
#define MAIL_LOG_MAX (64 * 1024 * 1024)
#define RETRY_MAX (8 * 1024 * 1024)
#define REASON_MAX 1000
#define FAILURES_SHOWN 10

static const char *const decision_words[] = {
	"accept", "accepted", "reject", "rejected", "waitlist", "waitlisted",
	"withdraw", "withdrawn", "merge", "merged", "reopen", "reopened", "status",
	"decision", "undo", "undone", "released", NULL,
};

/* Does the word of n bytes at s equal w, ignoring case? */
static gboolean
word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && g_ascii_strncasecmp(s, w, n) == 0;
}

/* The action ends at NUL or LF: the mapped log is parsed in place. */
enum digest_event_kind
digest_event_kind(const char *action)
{
	size_t n = strcspn(action, " \t:;,.(\n");

	if (g_ascii_strncasecmp(action, "rsvp cancel", 11) == 0 ||
	    g_ascii_strncasecmp(action, "rsvp: cancel", 12) == 0)
		return DEV_CANCEL;
	if (word_is(action, n, "rsvp"))
		return DEV_RSVP;
	if (g_ascii_strncasecmp(action, "possible duplicate", 18) == 0)
		return DEV_DUPLICATE;
	if (g_ascii_strncasecmp(action, "updated to version", 18) == 0)
		return DEV_VERSION;
	if (word_is(action, n, "proposed"))
		return DEV_PROPOSED;
	if (word_is(action, n, "note") && (action[4] == ':' || action[4] == ' '))
		return DEV_NOTE;
	for (int i = 0; decision_words[i]; i++)
		if (word_is(action, n, decision_words[i]))
			return DEV_DECISION;
	return DEV_OTHER;
}

static void
event_free(struct digest_event *e)
{
	g_free(e->actor);
	g_free(e->action);
	g_free(e);
}

/* "time<TAB>actor<TAB>action" lines; others are skipped.  data ends in NUL. */
static void
parse_log(struct digest_mc *dm, const char *data, gsize len)
{
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		const char *eol = nl ? nl : end;
		const char *t1 = memchr(p, '\t', (gsize)(eol - p));
		const char *t2 = t1 ? memchr(t1 + 1, '\t', (gsize)(eol - t1 - 1)) : NULL;
		char *endp;
		gint64 when = t2 ? g_ascii_strtoll(p, &endp, 10) : 0;

		if (t2 && endp != p && endp == t1) {
			struct digest_event *e = g_new0(struct digest_event, 1);

			e->when = when;
			e->kind = digest_event_kind(t2 + 1);
			if (e->kind != DEV_RSVP) {
				e->actor = g_strndup(t1 + 1, (gsize)(t2 - t1 - 1));
				e->action = g_strndup(t2 + 1, (gsize)(eol - t2 - 1));
			}
			g_ptr_array_add(dm->events, e);
		}
		p = nl ? nl + 1 : end;
	}
}

static void
digest_mc_free(struct digest_mc *dm)
{
	g_ptr_array_unref(dm->events);
	g_free(dm);
}

static int
read_logs(struct store *st, struct digest_view *v, GString *err)
{
	GPtrArray *all = store_mcs(st);

	for (guint i = 0; i < all->len; i++) {
		const struct mc *mc = all->pdata[i];
		struct digest_mc *dm = g_new0(struct digest_mc, 1);
		char *rel = g_strdup_printf("mc/%d/log", mc->id);
		char *path = g_build_filename(store_dir(st), rel, NULL);
		char *data = NULL;
		size_t len = 0;

		dm->mc = mc;
		dm->events = g_ptr_array_new_with_free_func((GDestroyNotify)event_free);
		g_ptr_array_add(v->mcs, dm);
		if (g_file_test(path, G_FILE_TEST_EXISTS) &&
		    util_read_file(path, LOG_MAX, &data, &len, err) < 0) {
			g_free(rel);
			g_free(path);
			return -1;
		}
		if (data)
			parse_log(dm, data, len);
		g_free(data);
		g_free(rel);
		g_free(path);
	}
	return 0;
}

static int
read_mail_log(struct store *st, struct digest_view *v, GString *err)
{
	char *path = g_build_filename(store_dir(st), DIGEST_MAIL_LOG, NULL);
	char *data = NULL;
	int rc = 0;

	if (g_file_test(path, G_FILE_TEST_EXISTS))
		rc = util_read_file(path, MAIL_LOG_MAX, &data, NULL, err);
	if (rc == 0) {
		g_ptr_array_unref(v->mail);
		v->mail = digest_mail_parse(data);
	}
	g_free(data);
	g_free(path);
	return rc;
}

struct failure {
	gint64 mtime;
	char *line;
};

static gint
cmp_failure(gconstpointer a, gconstpointer b)
{
	const struct failure *x = *(struct failure *const *)a, *y = *(struct failure *const *)b;

	if (x->mtime != y->mtime)
		return x->mtime > y->mtime ? -1 : 1;     /* newest first */
	return strcmp(x->line, y->line);
}

static void
failure_free(struct failure *f)
{
	g_free(f->line);
	g_free(f);
}

/* outbox/failed: the mails, and "name: reason" of the newest. */
static void
read_failed(const char *dir, struct digest_view *v)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)failure_free);
	const char *name;

	while (d && (name = g_dir_read_name(d)) != NULL) {
		char *path, *reason = NULL, *clean;
		struct failure *f;
		struct stat sb;

		if (name[0] == '.' || g_str_has_suffix(name, ".tmp") ||
		    !g_str_has_suffix(name, ".reason")) {
			if (name[0] != '.' && !g_str_has_suffix(name, ".tmp") &&
			    !g_str_has_suffix(name, ".reason"))
				v->outbox_failed++;
			continue;
		}
		path = g_build_filename(dir, name, NULL);
		util_read_file(path, REASON_MAX, &reason, NULL, NULL);
		clean = util_clean_line(reason ? reason : "", 200);
		f = g_new0(struct failure, 1);
		f->mtime = stat(path, &sb) == 0 ? (gint64)sb.st_mtime : 0;
		f->line = g_strdup_printf("%.*s: %s", (int)(strlen(name) - strlen(".reason")), name,
					  clean);
		g_ptr_array_add(all, f);
		g_free(clean);
		g_free(reason);
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(all, cmp_failure);
	for (guint i = 0; i < all->len && i < FAILURES_SHOWN; i++)
		g_ptr_array_add(v->outbox_failures,
				g_strdup(((struct failure *)all->pdata[i])->line));
	g_ptr_array_unref(all);
}

static void
read_outbox(struct store *st, struct digest_view *v)
{
	char *dir = g_build_filename(store_dir(st), "outbox", NULL);
	char *new_dir = g_build_filename(dir, "new", NULL);
	char *failed_dir = g_build_filename(dir, "failed", NULL);
	char *retry = g_build_filename(dir, "retry", NULL);
	char *data = NULL;
	GDir *d = g_dir_open(new_dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d)) != NULL)
		if (name[0] != '.' && !g_str_has_suffix(name, ".tmp"))
			v->outbox_queued++;
	if (d)
		g_dir_close(d);
	read_failed(failed_dir, v);
	/* "name<TAB>attempts<TAB>next-try" lines (outbox.h) */
	if (util_read_file(retry, RETRY_MAX, &data, NULL, NULL) == 0) {
		char **lines = g_strsplit(data, "\n", -1);

		for (int i = 0; lines[i]; i++) {
			char **f = g_strsplit(lines[i], "\t", -1);

			if (g_strv_length(f) == 3) {
				v->outbox_retrying++;
				v->outbox_max_attempts = MAX(v->outbox_max_attempts,
							     atoi(f[1]));
			}
			g_strfreev(f);
		}
		g_strfreev(lines);
	}
	g_free(data);
	g_free(retry);
	g_free(failed_dir);
	g_free(new_dir);
	g_free(dir);
}

int
digest_view_build(struct store *st, struct digest_view **out, GString *err)
{
	struct digest_view *v = g_new0(struct digest_view, 1);

	*out = NULL;
	v->mcs = g_ptr_array_new_with_free_func((GDestroyNotify)digest_mc_free);
	v->mail = g_ptr_array_new_with_free_func((GDestroyNotify)digest_mail_free);
	v->outbox_failures = g_ptr_array_new_with_free_func(g_free);
	if (read_logs(st, v, err) < 0 || read_mail_log(st, v, err) < 0) {
		digest_view_free(v);
		return -1;
	}
	read_outbox(st, v);
	*out = v;
	return 0;
}

void
digest_view_free(struct digest_view *v)
{
	if (v == NULL)
		return;
	g_ptr_array_unref(v->mcs);
	g_ptr_array_unref(v->mail);
	g_ptr_array_unref(v->outbox_failures);
	g_free(v);
}
